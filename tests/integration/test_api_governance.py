"""The governance and contribute API with Bearer tokens: every CLI operation, its refusals
(403 with a JSON error), a missing token (401), and bad input (4xx, never 5xx).

Read-only tests share the demo hub; tests that write work on a copy of it.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from commonground.contribute import create_key
from commonground.governance import actor_for, issue_token
from commonground.server import create_app
from commonground.store import open_hub

AGREEMENT = "essex-prevention"
PEOPLE = ("admin", "police-ig-lead", "fire-ig-lead", "police-steward", "county_council-steward",
          "uni-researcher", "board-chair")


def issue_tokens(hub_path: Path) -> dict[str, str]:
    hub = open_hub(hub_path)
    try:
        admin = actor_for(hub, "admin")
        return {name: issue_token(hub, name, actor=admin) for name in PEOPLE}
    finally:
        hub.close()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class Api:
    """A TestClient that calls as one person or another."""

    def __init__(self, client: TestClient, tokens: dict[str, str]) -> None:
        self.client, self.tokens = client, tokens

    def get(self, who: str, url: str, **kw: Any) -> Any:
        return self.client.get(url, headers=bearer(self.tokens[who]), **kw)

    def post(self, who: str, url: str, **kw: Any) -> Any:
        return self.client.post(url, headers=bearer(self.tokens[who]), **kw)

    def put(self, who: str, url: str, **kw: Any) -> Any:
        return self.client.put(url, headers=bearer(self.tokens[who]), **kw)


@pytest.fixture(scope="module")
def shared(demo_hub_path: Path) -> Iterator[Api]:
    with TestClient(create_app(demo_hub_path)) as client:
        yield Api(client, issue_tokens(demo_hub_path))


@pytest.fixture
def own(demo_hub_path: Path, tmp_path: Path) -> Iterator[Api]:
    hub = tmp_path / "hub"
    shutil.copytree(demo_hub_path, hub)
    with TestClient(create_app(hub)) as client:
        yield Api(client, issue_tokens(hub))


def refused(response: Any) -> bool:
    return response.status_code == 403 and isinstance(response.json().get("error"), str)


def not_5xx_but_4xx(response: Any) -> bool:
    return 400 <= response.status_code < 500 and "error" in response.json()


# --- reading: shared hub --------------------------------------------------------------------

def test_a_missing_or_unknown_token_is_401_with_a_json_error(shared: Api) -> None:
    for url in ("/api/organisations", "/api/agreements", "/api/catalogue", "/api/audit"):
        response = shared.client.get(url)
        assert response.status_code == 401 and response.json()["error"], url
    assert shared.client.get("/api/agreements",
                             headers=bearer("cg_not-a-token")).status_code == 401
    posted = shared.client.post("/api/organisations",
                                json={"slug": "x", "name": "X", "kind": "ngo"})
    assert posted.status_code == 401


def test_organisations_agreements_and_the_catalogue_are_read_with_a_token(shared: Api) -> None:
    orgs = shared.get("board-chair", "/api/organisations").json()["organisations"]
    assert {"police", "county_council"} <= {o["slug"] for o in orgs}
    agreements = shared.get("uni-researcher", "/api/agreements").json()["agreements"]
    assert AGREEMENT in {a["slug"] for a in agreements}
    one = shared.get("police-ig-lead", f"/api/agreements/{AGREEMENT}")
    assert one.status_code == 200 and one.json()["status"] == "active"
    assert "police" in one.json()["parties"]
    assert shared.get("police-ig-lead", f"/api/agreements/{AGREEMENT}",
                      params={"version": 1}).json()["version"] == 1
    every = shared.get("police-ig-lead", "/api/agreements", params={"all_versions": True})
    assert every.status_code == 200
    datasets = shared.get("board-chair", "/api/catalogue").json()["datasets"]
    assert "police/crimes" in {d["dataset"] for d in datasets}


def test_unknown_things_are_404_and_bad_input_is_4xx(shared: Api) -> None:
    missing = shared.get("police-ig-lead", "/api/agreements/no-such-agreement")
    assert missing.status_code == 404 and "no agreement" in missing.json()["error"]
    assert shared.get("police-ig-lead", f"/api/agreements/{AGREEMENT}",
                      params={"version": 99}).status_code == 404
    for params in ({"limit": 0}, {"limit": "many"}, {"limit": 10**9}):
        assert not_5xx_but_4xx(shared.get("admin", "/api/audit", params=params)), params
    assert not_5xx_but_4xx(shared.get("police-ig-lead", f"/api/agreements/{AGREEMENT}",
                                      params={"version": "newest"}))


def test_the_audit_log_is_for_governance_leads_and_admins(shared: Api) -> None:
    entries = shared.get("police-ig-lead", "/api/audit", params={"limit": 5})
    assert entries.status_code == 200 and len(entries.json()["entries"]) == 5
    assert {"seq", "actor", "action", "outcome"} <= set(entries.json()["entries"][0])
    verified = shared.get("admin", "/api/audit/verify")
    assert verified.status_code == 200 and verified.json()["ok"] is True
    assert refused(shared.get("uni-researcher", "/api/audit"))
    assert refused(shared.get("police-steward", "/api/audit/verify"))


def test_the_api_is_described_in_the_openapi_schema(shared: Api) -> None:
    schema = shared.client.get("/api/openapi.json").json()
    paths = schema["paths"]
    for path in ("/api/organisations", "/api/people", "/api/people/{username}/tokens",
                 "/api/agreements", "/api/agreements/{slug}/sign", "/api/audit/verify",
                 "/api/datasets", "/api/catalogue", "/api/catalogue.jsonld",
                 "/api/retention/run", "/api/erasures",
                 "/api/datasets/{org}/{dataset}/packages"):
        assert path in paths, path
    assert paths["/api/agreements"]["post"]["tags"] == ["governance"]
    fields = schema["components"]["schemas"]["NewAgreement"]["properties"]
    assert all(field.get("description") for field in fields.values())


# --- writing: a copy of the hub -------------------------------------------------------------

def test_an_admin_adds_organisations_and_people_and_others_are_refused(own: Api) -> None:
    added = own.post("admin", "/api/organisations",
                     json={"slug": "essex-ngo", "name": "Essex NGO", "kind": "ngo"})
    assert added.status_code == 201 and added.json()["slug"] == "essex-ngo"
    assert own.post("admin", "/api/organisations", json={
        "slug": "essex-ngo", "name": "Again", "kind": "ngo"}).status_code == 400
    assert not_5xx_but_4xx(own.post("admin", "/api/organisations", json={
        "slug": "Bad Slug", "name": "Bad", "kind": "ngo"}))
    assert not_5xx_but_4xx(own.post("admin", "/api/organisations", json={
        "slug": "odd", "name": "Odd", "kind": "spaceship"}))
    assert own.post("admin", "/api/organisations", json={"slug": "x"}).status_code == 422
    assert refused(own.post("police-steward", "/api/organisations",
                            json={"slug": "sneaky", "name": "Sneaky", "kind": "ngo"}))

    person = own.post("admin", "/api/people", json={
        "username": "ngo-lead", "organisation": "essex-ngo", "roles": ["governance_lead"],
        "display_name": "NGO lead"})
    assert person.status_code == 201 and person.json()["token"].startswith("cg_")
    works = own.client.get("/api/agreements", headers=bearer(person.json()["token"]))
    assert works.status_code == 200
    assert not_5xx_but_4xx(own.post("admin", "/api/people", json={
        "username": "someone", "organisation": "essex-ngo", "roles": ["wizard"]}))
    assert not_5xx_but_4xx(own.post("admin", "/api/people", json={
        "username": "someone", "organisation": "nowhere", "roles": ["steward"]}))
    assert own.post("admin", "/api/people", json={
        "username": "someone", "organisation": "essex-ngo", "roles": []}).status_code == 422
    assert refused(own.post("police-ig-lead", "/api/people", json={
        "username": "someone", "organisation": "police", "roles": ["admin"]}))


def test_tokens_and_passwords_for_yourself_or_as_an_admin(own: Api) -> None:
    mine = own.post("police-steward", "/api/people/police-steward/tokens")
    assert mine.status_code == 201 and mine.json()["token"].startswith("cg_")
    assert refused(own.post("police-steward", "/api/people/police-ig-lead/tokens"))
    assert own.post("admin", "/api/people/police-ig-lead/tokens").status_code == 201
    assert own.post("admin", "/api/people/nobody/tokens").status_code == 404

    new = {"password": "correct horse battery staple"}
    assert own.put("police-steward", "/api/people/police-steward/password",
                   json=new).json() == {"username": "police-steward", "password_set": True}
    assert own.put("police-steward", "/api/people/police-steward/password",
                   json={"password": "short"}).status_code == 400
    assert refused(own.put("police-steward", "/api/people/admin/password", json=new))
    assert own.put("admin", "/api/people/police-steward/password", json=new).status_code == 200
    signed_in = own.client.post("/login", data={"username": "police-steward",
                                                "password": new["password"]},
                                follow_redirects=False)
    assert signed_in.status_code == 303


def agreement(slug: str = "police-fire-visits") -> dict[str, Any]:
    return {"slug": slug, "title": "Police and fire: safety visits",
            "parties": ["police", "fire"], "purposes": ["safeguarding"],
            "legal_bases": ["Crime and Disorder Act 1998 s115"],
            "data_items": {"fire/safety_visits": ["*"]}, "retention_days": 365,
            "starts_on": "2024-01-01", "expires_on": "2099-12-31"}


def test_an_agreement_is_drafted_signed_amended_and_revoked(own: Api) -> None:
    drafted = own.post("police-ig-lead", "/api/agreements", json=agreement())
    assert drafted.status_code == 201 and drafted.json()["status"] == "draft"
    assert drafted.headers["location"] == "/api/agreements/police-fire-visits"
    again = own.post("police-ig-lead", "/api/agreements", json=agreement())
    assert again.status_code == 400 and "already exists" in again.json()["error"]
    assert refused(own.post("police-steward", "/api/agreements/police-fire-visits/sign"))
    assert refused(own.post("admin", "/api/agreements",
                            json=agreement("admin-agreement")))

    signed = own.post("police-ig-lead", "/api/agreements/police-fire-visits/sign").json()
    assert signed["status"] == "signed" and signed["unsigned_parties"] == ["fire"]
    twice = own.post("police-ig-lead", "/api/agreements/police-fire-visits/sign")
    assert twice.status_code == 409
    active = own.post("fire-ig-lead", "/api/agreements/police-fire-visits/sign").json()
    assert active["status"] == "active" and active["in_force"] is True

    terms = {k: v for k, v in agreement().items() if k != "slug"}
    amended = own.post("fire-ig-lead", "/api/agreements/police-fire-visits/amend",
                       json={**terms, "retention_days": 180})
    assert amended.status_code == 201
    assert (amended.json()["version"], amended.json()["status"]) == (2, "draft")
    shown = own.get("fire-ig-lead", "/api/agreements/police-fire-visits").json()
    assert shown["version"] == 2 and shown["retention_days"] == 180

    assert own.post("police-ig-lead", "/api/agreements/police-fire-visits/revoke",
                    json={"reason": ""}).status_code == 400
    revoked = own.post("police-ig-lead", "/api/agreements/police-fire-visits/revoke",
                       json={"reason": "the visits programme ended"})
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    assert own.post("police-ig-lead", "/api/agreements/police-fire-visits/revoke",
                    json={"reason": "again"}).status_code == 409
    assert own.post("police-ig-lead", "/api/agreements/no-such/sign").status_code == 404


def test_bad_agreements_are_4xx(own: Api) -> None:
    for change in ({"starts_on": "yesterday"}, {"parties": []}, {"retention_days": 0},
                   {"data_items": "everything"}, {"slug": "Not A Slug"},
                   {"expires_on": "2020-01-01"}, {"purposes": ["Not a code!"]},
                   {"data_items": {"not-a-dataset": ["*"]}},
                   {"data_items": {"ngo/referrals": ["*"]}}):
        response = own.post("police-ig-lead", "/api/agreements",
                            json={**agreement("bad"), **change})
        assert not_5xx_but_4xx(response), change
    broken = own.client.post("/api/agreements", content=b"{not json",
                             headers={"content-type": "application/json",
                                      **bearer(own.tokens["police-ig-lead"])})
    assert broken.status_code == 422


def test_only_an_admin_sets_the_hub_s_key(own: Api) -> None:
    fingerprint = {"fingerprint": "0123456789abcdef"}
    assert refused(own.put("police-steward", "/api/hub/key", json=fingerprint))
    # The demo hub already trusts the demo's key: another is refused, as by the CLI.
    other = own.put("admin", "/api/hub/key", json=fingerprint)
    assert other.status_code == 400 and "different partnership key" in other.json()["error"]
    assert own.put("admin", "/api/hub/key", json={"fingerprint": "the key"}).status_code == 422


CONTRACT = {"name": "outreach", "record_id": "Ref", "columns": [
    {"name": "Ref", "type": "string", "required": True, "role": "record_id"},
    {"name": "Full Name", "type": "string", "role": "identifier", "identifier": "full_name"},
    {"name": "Visited", "type": "date", "formats": ["%Y-%m-%d"]}]}


def test_a_steward_registers_datasets_of_their_own_organisation(own: Api) -> None:
    # Registering needs an agreement covering the dataset: the demo's covers these two.
    registered = own.post("county_council-steward", "/api/datasets", json={
        "dataset": "county_council/trading_standards", "contract_document": CONTRACT,
        "description": "Outreach visits"})
    assert registered.status_code == 201
    assert registered.json()["contract"] == "outreach" and registered.json()["identifiers"] == 1
    builtin = own.post("police-steward", "/api/datasets", json={
        "dataset": "police/crimes", "contract": "police_uk_street"})
    assert builtin.status_code == 201 and builtin.json()["contract"] == "police_uk_street"
    catalogue = {d["dataset"]: d for d in own.get("board-chair", "/api/catalogue").json()[
        "datasets"]}
    assert catalogue["county_council/trading_standards"]["contract"] == "outreach"
    assert catalogue["county_council/trading_standards"]["description"] == "Outreach visits"
    assert refused(own.post("county_council-steward", "/api/datasets", json={
        "dataset": "county_council/not_in_any_agreement", "contract_document": CONTRACT}))
    assert refused(own.post("police-steward", "/api/datasets", json={
        "dataset": "county_council/trading_standards", "contract_document": CONTRACT}))
    assert refused(own.post("uni-researcher", "/api/datasets", json={
        "dataset": "police/crimes", "contract_document": CONTRACT}))


@pytest.mark.parametrize("body", [
    {"dataset": "police/crimes", "contract": "../../../etc/passwd"},
    {"dataset": "police/x", "contract": "/etc/contract.yaml"},
    {"dataset": "police/x", "contract": "no_such_contract"},
    {"dataset": "police/x"},
    {"dataset": "police/x", "contract": "police_uk_street", "contract_document": CONTRACT},
    {"dataset": "police/x", "contract_document": {"name": "x"}},
    {"dataset": "police/x", "contract_document": {"name": "x", "columns": [
        {"name": "a", "max_length": "long"}]}},
    {"dataset": "police/x", "contract_document": {"name": "x", "columns": [
        {"name": "a", "type": "category", "allowed": 5}]}},
    {"dataset": "police/x", "contract_document": {"name": "x", "columns": ["a"]}},
    {"dataset": "police", "contract": "police_uk_street"},
    {"dataset": "police/Bad Name", "contract": "police_uk_street"},
    {"dataset": "nowhere/x", "contract": "police_uk_street"},
])
def test_bad_dataset_registrations_are_4xx(shared: Api, body: dict[str, Any]) -> None:
    # Each is refused before anything is stored, so the shared hub stays as it was.
    assert not_5xx_but_4xx(shared.post("police-steward", "/api/datasets", json=body))


def test_retention_runs_for_your_own_organisation(own: Api) -> None:
    ran = own.post("police-steward", "/api/retention/run")
    assert ran.status_code == 200
    assert ran.json()["versions_deleted"] == 0  # the demo's agreement keeps them for years
    assert refused(own.post("uni-researcher", "/api/retention/run"))


def test_erasure_needs_the_partnership_key_and_two_identifiers(
        own: Api, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    person = {"reference": "SAR-2025-001", "given_name": "Stefan", "family_name": "Popescu",
              "dob": "1990-11-03"}
    monkeypatch.delenv("COMMONGROUND_KEY_FILE", raising=False)
    no_key = own.post("police-steward", "/api/erasures", json=person)
    assert no_key.status_code == 400 and "partnership key" in no_key.json()["error"]
    create_key(tmp_path / "partnership.key")
    monkeypatch.setenv("COMMONGROUND_KEY_FILE", str(tmp_path / "partnership.key"))
    erased = own.post("police-steward", "/api/erasures", json=person)
    assert erased.status_code == 200 and erased.json()["rows_removed"] == 0
    one = own.post("police-steward", "/api/erasures",
                   json={"reference": "SAR-2", "family_name": "Popescu"})
    assert one.status_code == 400 and "two identifiers" in one.json()["error"]
    bad_date = own.post("police-steward", "/api/erasures",
                        json={**person, "dob": "03/11/90"})
    assert bad_date.status_code == 400 and "03/11/90" not in bad_date.json()["error"]
    assert own.post("police-steward", "/api/erasures", json={"given_name": "x"}
                    ).status_code == 422
    assert refused(own.post("uni-researcher", "/api/erasures", json=person))


def test_a_browser_session_must_send_its_csrf_token(own: Api) -> None:
    signed_in = own.client.post("/login", data={"username": "admin",
                                                "password": "commonground-demo"},
                                follow_redirects=False)
    assert signed_in.status_code == 303
    read = own.client.get("/api/organisations")  # the session cookie is enough to read
    assert read.status_code == 200
    forged = own.client.post("/api/organisations",
                             json={"slug": "forged", "name": "Forged", "kind": "ngo"})
    assert forged.status_code == 403 and "form has expired" in forged.json()["error"]
