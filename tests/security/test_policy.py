"""The authorisation matrix: every rule of the policy, allowing and refusing.

Each row is (role, organisation, action, resource, purpose, expected). The same table runs
against the pure policy (`decide`) and, on SQLite and PostgreSQL, against a hub whose
agreement was drafted and signed for real (`may`).
"""

from __future__ import annotations

import itertools
from datetime import date
from pathlib import Path
from typing import NamedTuple

import pytest

from commonground.governance import (
    ACTIONS,
    ROLES,
    RULES,
    Actor,
    PermissionDenied,
    Resource,
    add_organisation,
    add_person,
    draft_agreement,
    may,
    require,
    sign_agreement,
)
from commonground.governance.documents import AgreementTerms
from commonground.governance.policy import decide
from commonground.store import init_hub

TODAY = date(2025, 6, 1)
ORGS = ("police", "council", "fire")
PARTNERSHIP = frozenset({"police", "council"})
CRIMES = Resource.dataset("police/crimes")
ASB = Resource.dataset("council/asb")
STOPS = Resource.dataset("police/stops")  # not in any agreement
FIRE = Resource.dataset("fire/incidents")  # fire is not a party
AGREEMENT = Resource.agreement("essex-cp", PARTNERSHIP)
RISK_LIST = Resource("risk_list", name="list-1")
REPORT = Resource("report", name="board-1")
DOCUMENT = {
    "slug": "essex-cp", "title": "Essex crime prevention", "parties": sorted(PARTNERSHIP),
    "purposes": ["crime-prevention", "safeguarding"],
    "legal_bases": ["Crime and Disorder Act 1998 s115"],
    "data_items": {"police/crimes": ["month", "lsoa_code"], "council/asb": ["month"]},
    "retention_days": 365, "starts_on": "2025-01-01", "expires_on": "2025-12-31",
}
TERMS = AgreementTerms(
    id=1, slug="essex-cp", version=1, status="active", parties=PARTNERSHIP,
    purposes=frozenset({"crime-prevention", "safeguarding"}),
    data_items={"police/crimes": frozenset({"month", "lsoa_code"}),
                "council/asb": frozenset({"month"})},
    starts_on=date(2025, 1, 1), expires_on=date(2025, 12, 31), intact=True,
)


class Row(NamedTuple):
    role: str | None  # None: an authenticated person with no roles
    org: str
    action: str
    resource: Resource
    purpose: str | None
    expected: bool


R = Row
MATRIX = [
    R("admin", "police", "organisation.manage", Resource("organisation", name="fire"), None,
      True),
    R("governance_lead", "police", "organisation.manage", Resource("organisation"), None,
      False),
    R("admin", "fire", "person.manage", Resource("person", "police", "x"), None, True),
    R("steward", "police", "person.manage", Resource("person", "police", "x"), None, False),
    R("admin", "police", "hub.configure", Resource("hub", name="settings"), None, True),
    R("analyst", "police", "intervention.manage", Resource("intervention", "police", "1"), None,
      True),
    R("analyst", "fire", "intervention.manage", Resource("intervention", "police", "1"), None,
      False),
    R("researcher", "fire", "intervention.evaluate", Resource("intervention", "police", "1"),
      None, True),
    R("steward", "police", "intervention.evaluate", Resource("intervention", "police", "1"),
      None, False),
    R(None, "fire", "intervention.read", Resource("intervention", "police", "1"), None, True),
    R(None, "fire", "intervention.read", CRIMES, None, False),
    R("analyst", "fire", "link.run", Resource("linkage", name="person"), None, True),
    R("steward", "fire", "link.run", Resource("linkage", name="person"), None, False),
    R("analyst", "police", "link.review", Resource("linkage", name="person"), None, True),
    R("researcher", "police", "link.review", Resource("linkage", name="person"), None, False),
    R("analyst", "council", "link.read", Resource("linkage", name="person"), None, True),
    R("admin", "council", "link.read", Resource("linkage", name="person"), None, False),
    R("researcher", "council", "project.propose", Resource("project", name="p"), None, True),
    R("analyst", "police", "project.propose", Resource("project", name="p"), None, False),
    R("governance_lead", "police", "project.approve", Resource("project", "police", "p"), None,
      True),
    R("governance_lead", "fire", "project.approve", Resource("project", "police", "p"), None,
      False),
    R("governance_lead", "police", "project.refuse", Resource("project", "police", "p"), None,
      True),
    R("researcher", "police", "project.refuse", Resource("project", "police", "p"), None,
      False),
    R("governance_lead", "fire", "project.revoke", Resource("project", "fire", "p"), None,
      True),
    R("governance_lead", "fire", "project.revoke", Resource("project", "police", "p"), None,
      False),
    R("steward", "police", "project.read", Resource("project", name="p"), None, True),
    R(None, "police", "project.read", CRIMES, None, False),  # wrong kind
    R("researcher", "council", "workspace.query", Resource("project", name="p"), None, True),
    R("analyst", "police", "workspace.query", Resource("project", name="p"), None, False),
    R("researcher", "council", "output.request", Resource("project", name="p"), None, True),
    R("output_checker", "council", "output.request", Resource("project", name="p"), None, False),
    R("output_checker", "police", "output.review", Resource("project", name="p"), None, True),
    # Disclosure evidence: checkers and researchers by the table, then only the request's author
    # among researchers (the airlock's own, audited check); never an admin or a steward.
    R("output_checker", "fire", "output.read", Resource("project", name="p"), None, True),
    R("admin", "police", "output.read", Resource("project", name="p"), None, False),
    R("board", "council", "output.read", Resource("project", name="p"), None, False),
    R("researcher", "council", "output.review", Resource("project", name="p"), None, False),
    R("output_checker", "police", "output.release", Resource("project", name="p"), None, True),
    R("researcher", "council", "output.release", Resource("project", name="p"), None, False),
    R("researcher", "council", "output.download", Resource("project", name="p"), None, True),
    R("steward", "police", "output.download", Resource("project", name="p"), None, False),
    R("governance_lead", "police", "hub.configure", Resource("hub", name="settings"), None,
      False),
    R("governance_lead", "police", "agreement.draft", AGREEMENT, None, True),
    R("governance_lead", "fire", "agreement.draft", AGREEMENT, None, False),
    R("analyst", "police", "agreement.draft", AGREEMENT, None, False),
    R("admin", "police", "agreement.draft", AGREEMENT, None, False),
    R("governance_lead", "council", "agreement.sign", AGREEMENT, None, True),
    R("governance_lead", "fire", "agreement.sign", AGREEMENT, None, False),
    R("steward", "council", "agreement.sign", AGREEMENT, None, False),
    R("governance_lead", "police", "agreement.revoke", AGREEMENT, None, True),
    R("governance_lead", "fire", "agreement.revoke", AGREEMENT, None, False),
    R("admin", "police", "agreement.revoke", AGREEMENT, None, False),
    R("analyst", "fire", "agreement.read", AGREEMENT, None, True),
    R(None, "fire", "agreement.read", AGREEMENT, None, True),
    R("analyst", "fire", "agreement.read", CRIMES, None, False),  # wrong kind
    R("researcher", "fire", "catalogue.read", Resource("catalogue"), None, True),
    R(None, "fire", "catalogue.read", CRIMES, None, True),
    R(None, "fire", "catalogue.read", Resource("audit"), None, False),
    R("steward", "police", "dataset.register", CRIMES, None, True),
    R("steward", "council", "dataset.register", CRIMES, None, False),  # not the owner
    R("analyst", "police", "dataset.register", CRIMES, None, False),
    R("steward", "police", "dataset.register", STOPS, None, False),  # no agreement covers it
    R("steward", "fire", "dataset.register", FIRE, None, False),
    R("admin", "police", "dataset.register", CRIMES, None, False),
    R("steward", "council", "contribution.create", ASB, None, True),
    R("steward", "police", "contribution.create", STOPS, None, False),
    R("governance_lead", "council", "contribution.create", ASB, None, False),
    R("analyst", "council", "dataset.read", CRIMES, "crime-prevention", True),
    R("researcher", "police", "dataset.read", ASB, "safeguarding", True),
    R("steward", "police", "dataset.read", CRIMES, "safeguarding", True),
    R("analyst", "police", "dataset.read", CRIMES, "crime-prevention", True),
    R("steward", "council", "dataset.read", CRIMES, "crime-prevention", False),
    R("analyst", "fire", "dataset.read", CRIMES, "crime-prevention", False),  # not a party
    R("analyst", "council", "dataset.read", CRIMES, "research:modern-slavery", False),
    R("analyst", "council", "dataset.read", CRIMES, None, False),  # no purpose
    R("analyst", "council", "dataset.read", STOPS, "crime-prevention", False),
    R("admin", "police", "dataset.read", CRIMES, "crime-prevention", False),  # no bypass
    R("governance_lead", "police", "dataset.read", CRIMES, "crime-prevention", False),
    R("output_checker", "council", "dataset.read", CRIMES, "crime-prevention", False),
    R(None, "council", "dataset.read", CRIMES, "crime-prevention", False),
    R("governance_lead", "fire", "audit.verify", Resource("audit"), None, True),
    R("admin", "council", "audit.verify", Resource("audit"), None, True),
    R("analyst", "police", "audit.verify", Resource("audit"), None, False),
    R("governance_lead", "council", "audit.read", Resource("audit"), None, True),
    R("steward", "police", "audit.read", Resource("audit"), None, False),
    R("steward", "police", "retention.run", CRIMES, None, True),
    R("governance_lead", "police", "retention.run", CRIMES, None, True),
    R("governance_lead", "council", "retention.run", CRIMES, None, False),
    R("admin", "police", "retention.run", CRIMES, None, False),
    R("steward", "police", "erasure.request", CRIMES, None, True),
    R("governance_lead", "fire", "erasure.request", CRIMES, None, True),
    R("steward", "council", "erasure.request", CRIMES, None, False),
    R("analyst", "police", "erasure.request", CRIMES, None, False),
    R("admin", "police", "dataset.delete", CRIMES, None, False),  # no rule: refused
    # Risk lists: a party to an agreement in force that lists the purpose; no dataset needed.
    R("analyst", "police", "risk.build", RISK_LIST, "safeguarding", True),
    R("analyst", "fire", "risk.build", RISK_LIST, "safeguarding", False),  # not a party
    R("analyst", "council", "risk.build", RISK_LIST, "research:modern-slavery", False),
    R("analyst", "police", "risk.build", RISK_LIST, None, False),  # no purpose
    R("governance_lead", "police", "risk.build", RISK_LIST, "safeguarding", False),
    R("admin", "police", "risk.build", RISK_LIST, "safeguarding", False),
    R("governance_lead", "council", "risk.read", RISK_LIST, "safeguarding", True),
    R("analyst", "police", "risk.read", RISK_LIST, "safeguarding", True),
    R("governance_lead", "fire", "risk.read", RISK_LIST, "safeguarding", False),
    R("researcher", "police", "risk.read", RISK_LIST, "safeguarding", False),
    R("board", "police", "risk.read", RISK_LIST, "safeguarding", False),
    R("analyst", "council", "risk.visit", RISK_LIST, "safeguarding", True),
    R("governance_lead", "council", "risk.visit", RISK_LIST, "safeguarding", False),
    R("analyst", "council", "risk.visit", CRIMES, "safeguarding", False),  # wrong kind
    # The board pack: analysts publish aggregates; the board, leads and analysts read them.
    R("analyst", "police", "report.publish", REPORT, None, True),
    R("board", "council", "report.publish", REPORT, None, False),
    R("governance_lead", "police", "report.publish", REPORT, None, False),
    R("board", "council", "report.read", REPORT, None, True),
    R("governance_lead", "fire", "report.read", REPORT, None, True),
    R("researcher", "police", "report.read", REPORT, None, False),
    R("steward", "police", "report.read", REPORT, None, False),
    R("board", "council", "report.read", CRIMES, None, False),  # wrong kind: no data for the board
]


def pure_actor(role: str | None, org: str) -> Actor:
    return Actor(0, f"{role}_{org}", org, frozenset({role} if role else ()))


def row_id(row: Row) -> str:
    verdict = "allow" if row.expected else "refuse"
    return f"{row.role}@{row.org}:{row.action}:{row.resource}:{row.purpose}:{verdict}"


@pytest.mark.parametrize("row", MATRIX, ids=row_id)
def test_matrix_on_the_pure_policy(row: Row) -> None:
    decision = decide(pure_actor(row.role, row.org), row.action, row.resource, row.purpose,
                      [TERMS], TODAY)
    assert decision.allowed is row.expected, decision.reason
    assert decision.reason  # every decision says why


def test_every_action_is_in_the_matrix_both_ways() -> None:
    allowed = {r.action for r in MATRIX if r.expected}
    refused = {r.action for r in MATRIX if not r.expected}
    assert set(ACTIONS) <= allowed and set(ACTIONS) <= refused


def test_no_rule_lets_an_admin_read_or_write_data() -> None:
    data_actions = [a for a, rule in RULES.items() if "dataset" in rule.kinds
                    and a != "catalogue.read"]
    assert data_actions
    assert all("admin" not in RULES[a].grants for a in data_actions)


def test_matrix_on_a_real_hub(tmp_path: Path, database_url: str) -> None:
    hub = init_hub(tmp_path / "hub", database_url)
    for org in ORGS:
        add_organisation(hub, org, org.title(), org)
    admin = add_person(hub, "admin_police", "police", ["admin"])
    people = {("admin", "police"): admin}
    for role, org in itertools.product((*ROLES, None), ORGS):
        if (role, org) not in people:
            people[(role, org)] = add_person(hub, f"{role or 'norole'}_{org}", org,
                                             [role] if role else [], actor=admin)
    draft_agreement(hub, people[("governance_lead", "police")], DOCUMENT, today=TODAY)
    for org in sorted(PARTNERSHIP):
        sign_agreement(hub, people[("governance_lead", org)], "essex-cp", today=TODAY)
    wrong = [
        row_id(row) for row in MATRIX
        if may(hub, people[(row.role, row.org)], row.action, row.resource, row.purpose,
               today=TODAY).allowed is not row.expected
    ]
    assert wrong == []
    hub.close()


@pytest.mark.parametrize("change, why", [
    ({"status": "revoked"}, "no agreement in force"),
    ({"status": "draft"}, "no agreement in force"),
    ({"status": "superseded"}, "no agreement in force"),
    ({"expires_on": date(2025, 5, 31)}, "no agreement in force"),
    ({"starts_on": date(2025, 6, 2)}, "no agreement in force"),
    ({"intact": False}, "no agreement in force"),
    ({"parties": frozenset({"police", "fire"})}, "council is not a party"),
])
def test_reads_need_an_intact_agreement_in_force(change: dict[str, object], why: str) -> None:
    terms = AgreementTerms(**{**TERMS.__dict__, **change})  # type: ignore[arg-type]
    decision = decide(pure_actor("analyst", "council"), "dataset.read", CRIMES,
                      "crime-prevention", [terms], TODAY)
    assert not decision.allowed and why in decision.reason


def test_purposes_match_exactly() -> None:
    terms = AgreementTerms(**{**TERMS.__dict__, "purposes": frozenset({"research"})})
    analyst = pure_actor("analyst", "council")
    assert not decide(analyst, "dataset.read", CRIMES, "research:modern-slavery", [terms],
                      TODAY)
    assert decide(analyst, "dataset.read", CRIMES, "research", [terms], TODAY)


def test_the_expiry_day_itself_is_still_in_force() -> None:
    analyst = pure_actor("analyst", "council")
    assert decide(analyst, "dataset.read", CRIMES, "crime-prevention", [TERMS],
                  date(2025, 12, 31))
    assert not decide(analyst, "dataset.read", CRIMES, "crime-prevention", [TERMS],
                      date(2026, 1, 1))


def test_refusals_name_no_record_level_data(tmp_path: Path) -> None:
    hub = init_hub(tmp_path / "hub")
    add_organisation(hub, "police", "Police", "police")
    admin = add_person(hub, "admin", "police", ["admin"])
    with pytest.raises(PermissionDenied) as caught:
        require(hub, admin, "dataset.read", CRIMES, "crime-prevention")
    message = str(caught.value)
    assert message.startswith("admin may not dataset.read dataset:police/crimes")
    assert len(message) < 200
    hub.close()


def test_a_refusal_inside_a_transaction_that_already_audited_does_not_deadlock(
        tmp_path: Path, database_url: str) -> None:
    from commonground.governance import record
    from commonground.governance.audit import verify

    hub = init_hub(tmp_path / "hub", database_url)
    add_organisation(hub, "police", "Police", "police")
    admin = add_person(hub, "admin", "police", ["admin"])
    before = verify(hub).entries
    with hub.sessions().begin() as session:
        record(session, admin, "catalogue.read", Resource("catalogue"), "allowed")
        with pytest.raises(PermissionDenied):
            require(hub, admin, "audit.read", Resource("dataset", "police", "crimes"),
                    session=session)
    report = verify(hub)
    assert report.ok and report.entries == before + 2
    hub.close()


@pytest.mark.parametrize("change, why", [
    ({"status": "revoked"}, "no agreement is in force"),
    ({"expires_on": date(2025, 5, 31)}, "no agreement is in force"),
    ({"intact": False}, "no agreement is in force"),
    ({"parties": frozenset({"police", "fire"})}, "council is not a party"),
    ({"purposes": frozenset({"crime-prevention"})}, "to the purpose 'safeguarding'"),
])
def test_risk_lists_need_a_party_to_an_agreement_in_force_for_the_purpose(
        change: dict[str, object], why: str) -> None:
    terms = AgreementTerms(**{**TERMS.__dict__, **change})
    for action in ("risk.build", "risk.read", "risk.visit"):
        decision = decide(pure_actor("analyst", "council"), action, RISK_LIST,
                          "safeguarding", [terms], TODAY)
        assert not decision.allowed and why in decision.reason, action


def test_a_risk_list_needs_no_agreement_covering_a_dataset() -> None:
    # The lists are made from shared data, not shared themselves: data items do not matter.
    terms = AgreementTerms(**{**TERMS.__dict__, "data_items": {}})
    decision = decide(pure_actor("analyst", "council"), "risk.read", RISK_LIST,
                      "safeguarding", [terms], TODAY)
    assert decision.allowed and decision.agreement_id == terms.id


def test_under_counts_only_the_named_agreement(tmp_path: Path) -> None:
    hub = init_hub(tmp_path / "hub")
    for org in ORGS:
        add_organisation(hub, org, org.title(), org)
    admin = add_person(hub, "admin", "police", ["admin"])
    leads = {org: add_person(hub, f"lead_{org}", org, ["governance_lead"], actor=admin)
             for org in PARTNERSHIP}
    analyst = add_person(hub, "analyst", "council", ["analyst"], actor=admin)
    draft_agreement(hub, leads["police"], DOCUMENT, today=TODAY)
    for org in sorted(PARTNERSHIP):
        sign_agreement(hub, leads[org], "essex-cp", today=TODAY)
    assert may(hub, analyst, "risk.read", RISK_LIST, "safeguarding", today=TODAY)
    assert may(hub, analyst, "risk.read", RISK_LIST, "safeguarding", today=TODAY,
               under="essex-cp")
    other = may(hub, analyst, "risk.read", RISK_LIST, "safeguarding", today=TODAY,
                under="another-agreement")
    assert not other and "no agreement is in force" in other.reason
    with pytest.raises(PermissionDenied):
        require(hub, analyst, "risk.read", RISK_LIST, "safeguarding", today=TODAY,
                under="another-agreement")
    hub.close()
