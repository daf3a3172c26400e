"""Governance on both metadata databases: people, tokens, the agreement lifecycle, policy."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from commonground.governance import (
    Actor,
    AuthenticationFailed,
    GovernanceError,
    InvalidTransition,
    PermissionDenied,
    Resource,
    actor_for,
    add_organisation,
    add_person,
    allowed_columns,
    amend_agreement,
    authenticate,
    deactivate_person,
    draft_agreement,
    get_agreement,
    issue_token,
    list_agreements,
    may,
    refresh_expiry,
    require,
    revoke_agreement,
    revoke_tokens,
    sign_agreement,
)
from commonground.governance.audit import entries, verify
from commonground.store import Hub, current_revision, head_revision, init_hub

TODAY = date(2025, 6, 1)
CRIMES = Resource.dataset("police/crimes")


def agreement_doc(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "slug": "essex-cp",
        "title": "Essex crime prevention",
        "parties": ["police", "council"],
        "purposes": ["crime-prevention", "safeguarding"],
        "legal_bases": ["Crime and Disorder Act 1998 s115"],
        "data_items": {"police/crimes": ["month", "lsoa_code", "crime_type"],
                       "council/asb": ["month", "lsoa_code"]},
        "retention_days": 365,
        "starts_on": "2025-01-01",
        "expires_on": "2025-12-31",
    }
    doc.update(changes)
    return doc


class World:
    """Three partners and one person per role of interest."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        for slug, kind in (("police", "police"), ("council", "council"), ("fire", "fire")):
            add_organisation(hub, slug, slug.title(), kind)
        self.admin = add_person(hub, "admin", "police", ["admin"])
        people = {
            "police_lead": ("police", ["governance_lead"]),
            "council_lead": ("council", ["governance_lead"]),
            "fire_lead": ("fire", ["governance_lead"]),
            "police_steward": ("police", ["steward"]),
            "council_analyst": ("council", ["analyst"]),
            "fire_analyst": ("fire", ["analyst"]),
        }
        self.people: dict[str, Actor] = {
            name: add_person(hub, name, org, roles, actor=self.admin)
            for name, (org, roles) in people.items()
        }

    def __getattr__(self, name: str) -> Actor:
        return self.people[name]

    def active_agreement(self, **changes: Any) -> None:
        doc = agreement_doc(**changes)
        draft_agreement(self.hub, self.police_lead, doc, today=TODAY)
        sign_agreement(self.hub, self.police_lead, doc["slug"], today=TODAY)
        sign_agreement(self.hub, self.council_lead, doc["slug"], today=TODAY)


@pytest.fixture
def hub(tmp_path: Path, database_url: str) -> Iterator[Hub]:
    made = init_hub(tmp_path / "hub", database_url)
    yield made
    made.close()


@pytest.fixture
def world(hub: Hub) -> World:
    return World(hub)


def test_migration_0002_creates_the_governance_tables(hub: Hub) -> None:
    assert current_revision(hub.engine) == head_revision()  # 0002 or a later revision
    tables = set(sa.inspect(hub.engine).get_table_names())
    assert {"people", "person_roles", "api_tokens", "agreements", "agreement_parties",
            "agreement_signatures", "audit_log", "audit_head"} <= tables


# --- organisations and people ---------------------------------------------------------------

def test_bootstrap_then_only_admins_manage(hub: Hub) -> None:
    add_organisation(hub, "police", "Essex Police", "police")
    with pytest.raises(GovernanceError, match="first person must have the admin role"):
        add_person(hub, "lead", "police", ["governance_lead"])
    admin = add_person(hub, "admin", "police", ["admin"])
    assert admin.roles == frozenset({"admin"}) and admin.organisation == "police"
    with pytest.raises(GovernanceError, match="needs an acting admin"):
        add_organisation(hub, "council", "Essex County Council", "council")
    lead = add_person(hub, "lead", "police", ["governance_lead", "steward"], actor=admin)
    assert lead.roles == frozenset({"governance_lead", "steward"})
    with pytest.raises(PermissionDenied):
        add_organisation(hub, "council", "Essex County Council", "council", actor=lead)
    add_organisation(hub, "council", "Essex County Council", "council", actor=admin)
    assert actor_for(hub, "lead") == lead


def test_organisation_kind_and_names_are_checked(hub: Hub) -> None:
    with pytest.raises(GovernanceError, match="kind 'bank'"):
        add_organisation(hub, "bank", "A Bank", "bank")
    with pytest.raises(GovernanceError, match="lower-case"):
        add_organisation(hub, "Essex Police", "Essex Police", "police")
    add_organisation(hub, "police", "Essex Police", "police")
    with pytest.raises(GovernanceError, match="already exists"):
        add_organisation(hub, "police", "Essex Police", "police")
    with pytest.raises(GovernanceError, match="unknown role 'superuser'"):
        add_person(hub, "admin", "police", ["admin", "superuser"])


def test_unknown_or_deactivated_person_cannot_act(world: World) -> None:
    with pytest.raises(AuthenticationFailed):
        actor_for(world.hub, "nobody")
    deactivate_person(world.hub, world.admin, "fire_analyst")
    with pytest.raises(AuthenticationFailed):
        actor_for(world.hub, "fire_analyst")


# --- tokens ---------------------------------------------------------------------------------

def _everything_stored(hub: Hub) -> str:
    """Every value in every table, as text: where a leaked secret would show."""
    found: list[str] = []
    with hub.engine.connect() as conn:
        for table in sa.inspect(hub.engine).get_table_names():
            for row in conn.execute(sa.text(f'SELECT * FROM "{table}"')):
                found.extend(str(value) for value in row)
    return "\n".join(found)


def test_token_is_returned_once_and_only_its_hash_is_stored(world: World) -> None:
    token = issue_token(world.hub, world.council_analyst)
    assert len(token) > 40
    assert authenticate(world.hub, token) == world.council_analyst
    stored = _everything_stored(world.hub)
    assert token not in stored and token[3:] not in stored
    import hashlib

    assert hashlib.sha256(token.encode()).hexdigest() in stored


def test_unknown_revoked_and_deactivated_tokens_are_refused(world: World) -> None:
    with pytest.raises(AuthenticationFailed):
        authenticate(world.hub, "cg_not-a-real-token")
    first = issue_token(world.hub, world.council_analyst)
    second = issue_token(world.hub, world.council_analyst)
    assert first != second
    assert revoke_tokens(world.hub, world.council_analyst, "council_analyst") == 2
    with pytest.raises(AuthenticationFailed):
        authenticate(world.hub, first)
    third = issue_token(world.hub, world.fire_analyst)
    deactivate_person(world.hub, world.admin, "fire_analyst")
    with pytest.raises(AuthenticationFailed):
        authenticate(world.hub, third)


def test_only_an_admin_issues_tokens_for_someone_else(world: World) -> None:
    with pytest.raises(PermissionDenied):
        issue_token(world.hub, world.council_analyst, actor=world.fire_analyst)
    token = issue_token(world.hub, "council_analyst", actor=world.admin)
    assert authenticate(world.hub, token).username == "council_analyst"


# --- agreement lifecycle --------------------------------------------------------------------

def test_lifecycle_draft_signed_active(world: World) -> None:
    hub = world.hub
    view = draft_agreement(hub, world.police_lead, agreement_doc(), today=TODAY)
    assert (view.status, view.version, view.in_force) == ("draft", 1, False)
    assert may(hub, world.council_analyst, "dataset.read", CRIMES, "crime-prevention",
               today=TODAY).allowed is False
    view = sign_agreement(hub, world.police_lead, "essex-cp", today=TODAY)
    assert view.status == "signed" and view.unsigned_parties == ("council",)
    view = sign_agreement(hub, world.council_lead, "essex-cp", today=TODAY)
    assert view.status == "active" and view.in_force and view.intact
    assert [s["organisation"] for s in view.signatures] == ["police", "council"]
    assert [s["username"] for s in view.signatures] == ["police_lead", "council_lead"]
    decision = may(hub, world.council_analyst, "dataset.read", CRIMES, "crime-prevention",
                   today=TODAY)
    assert decision.allowed and decision.agreement_id == view.id


def test_invalid_transitions_are_refused_clearly(world: World) -> None:
    hub = world.hub
    draft_agreement(hub, world.police_lead, agreement_doc(), today=TODAY)
    sign_agreement(hub, world.police_lead, "essex-cp", today=TODAY)
    with pytest.raises(InvalidTransition, match="police has already signed"):
        sign_agreement(hub, world.police_lead, "essex-cp", today=TODAY)
    with pytest.raises(PermissionDenied, match="fire_lead may not agreement.sign"):
        sign_agreement(hub, world.fire_lead, "essex-cp", today=TODAY)
    with pytest.raises(PermissionDenied, match="needs one of the roles: governance_lead"):
        sign_agreement(hub, world.council_analyst, "essex-cp", today=TODAY)
    with pytest.raises(GovernanceError, match="needs a reason"):
        revoke_agreement(hub, world.council_lead, "essex-cp", "  ", today=TODAY)
    revoke_agreement(hub, world.council_lead, "essex-cp", "partnership ended", today=TODAY)
    with pytest.raises(InvalidTransition, match="is revoked and cannot be signed"):
        sign_agreement(hub, world.council_lead, "essex-cp", today=TODAY)
    with pytest.raises(InvalidTransition, match="already revoked"):
        revoke_agreement(hub, world.police_lead, "essex-cp", "again", today=TODAY)
    with pytest.raises(InvalidTransition, match="draft a new one"):
        amend_agreement(hub, world.police_lead, agreement_doc(), today=TODAY)
    with pytest.raises(GovernanceError, match="already exists"):
        draft_agreement(hub, world.police_lead, agreement_doc(), today=TODAY)


def test_drafting_needs_a_governance_lead_of_a_party(world: World) -> None:
    with pytest.raises(PermissionDenied):
        draft_agreement(world.hub, world.fire_lead, agreement_doc(), today=TODAY)
    with pytest.raises(PermissionDenied):
        draft_agreement(world.hub, world.police_steward, agreement_doc(), today=TODAY)
    with pytest.raises(GovernanceError, match="no organisation 'nowhere'"):
        draft_agreement(world.hub, world.police_lead,
                        agreement_doc(parties=["police", "council", "nowhere"]), today=TODAY)


def test_revocation_ends_access_and_records_who_and_why(world: World) -> None:
    world.active_agreement()
    hub, analyst = world.hub, world.council_analyst
    assert may(hub, analyst, "dataset.read", CRIMES, "crime-prevention", today=TODAY).allowed
    view = revoke_agreement(hub, world.police_lead, "essex-cp", "breach reported", today=TODAY)
    assert view.status == "revoked" and view.revoked_reason == "breach reported"
    decision = may(hub, analyst, "dataset.read", CRIMES, "crime-prevention", today=TODAY)
    assert not decision.allowed and "no agreement in force" in decision.reason
    assert allowed_columns(hub, analyst, "police/crimes", "crime-prevention", today=TODAY) == set()


def test_expiry_ends_access_and_is_stored_on_refresh(world: World) -> None:
    world.active_agreement()
    hub, analyst = world.hub, world.council_analyst
    last_day, after = date(2025, 12, 31), date(2026, 1, 1)
    assert may(hub, analyst, "dataset.read", CRIMES, "crime-prevention", today=last_day)
    assert not may(hub, analyst, "dataset.read", CRIMES, "crime-prevention", today=after)
    assert get_agreement(hub, analyst, "essex-cp", today=after).status == "expired"
    assert refresh_expiry(hub, today=TODAY) == []
    assert refresh_expiry(hub, today=after) == [("essex-cp", 1)]
    assert get_agreement(hub, analyst, "essex-cp", today=TODAY).status == "expired"


def test_agreement_not_yet_started_grants_nothing(world: World) -> None:
    world.active_agreement(starts_on="2025-07-01")
    assert not may(world.hub, world.council_analyst, "dataset.read", CRIMES,
                   "crime-prevention", today=TODAY)
    assert may(world.hub, world.council_analyst, "dataset.read", CRIMES,
               "crime-prevention", today=date(2025, 7, 1))


def test_signing_after_expiry_is_refused(world: World) -> None:
    draft_agreement(world.hub, world.police_lead, agreement_doc(), today=TODAY)
    with pytest.raises(InvalidTransition, match="expired before it was signed"):
        sign_agreement(world.hub, world.police_lead, "essex-cp", today=date(2026, 2, 1))


def test_amendment_is_a_new_version_and_the_old_one_is_kept(world: World) -> None:
    world.active_agreement()
    hub, lead, analyst = world.hub, world.police_lead, world.council_analyst
    v1 = get_agreement(hub, analyst, "essex-cp", today=TODAY)
    amended = agreement_doc(data_items={"police/crimes": ["month", "lsoa_code"]},
                            purposes=["crime-prevention"], expires_on="2026-12-31")
    v2 = amend_agreement(hub, lead, amended, today=TODAY)
    assert (v2.version, v2.status) == (2, "draft")
    assert v2.content_hash != v1.content_hash
    # Until every party signs the amendment, version 1 stays in force.
    assert allowed_columns(hub, analyst, "police/crimes", "crime-prevention",
                           today=TODAY) == {"month", "lsoa_code", "crime_type"}
    sign_agreement(hub, lead, "essex-cp", today=TODAY)
    v2 = sign_agreement(hub, world.council_lead, "essex-cp", today=TODAY)
    assert v2.status == "active"
    old = get_agreement(hub, analyst, "essex-cp", version=1, today=TODAY)
    assert old.status == "superseded" and old.content_hash == v1.content_hash and old.intact
    assert old.data_items == v1.data_items
    assert allowed_columns(hub, analyst, "police/crimes", "crime-prevention",
                           today=TODAY) == {"month", "lsoa_code"}
    assert not may(hub, analyst, "dataset.read", CRIMES, "safeguarding", today=TODAY)
    listed = list_agreements(hub, analyst, all_versions=True, today=TODAY)
    assert [(v.version, v.status) for v in listed] == [(1, "superseded"), (2, "active")]
    assert [v.version for v in list_agreements(hub, analyst, today=TODAY)] == [2]


def test_amending_an_unsigned_draft_supersedes_it(world: World) -> None:
    draft_agreement(world.hub, world.police_lead, agreement_doc(), today=TODAY)
    sign_agreement(world.hub, world.police_lead, "essex-cp", today=TODAY)
    amend_agreement(world.hub, world.council_lead, agreement_doc(retention_days=90),
                    today=TODAY)
    views = list_agreements(world.hub, world.council_analyst, all_versions=True, today=TODAY)
    assert [(v.version, v.status) for v in views] == [(1, "superseded"), (2, "draft")]


def test_a_tampered_signed_agreement_grants_nothing(world: World) -> None:
    world.active_agreement()
    hub = world.hub
    widened = '{"police/crimes": ["month", "lsoa_code", "crime_type", "victim_name"]}'
    with hub.engine.begin() as conn:
        conn.execute(sa.text("UPDATE agreements SET data_items = :items"), {"items": widened})
    view = get_agreement(hub, world.council_analyst, "essex-cp", today=TODAY)
    assert view.intact is False and view.in_force is False
    assert not may(hub, world.council_analyst, "dataset.read", CRIMES, "crime-prevention",
                   today=TODAY)
    assert allowed_columns(hub, world.council_analyst, "police/crimes", "crime-prevention",
                           today=TODAY) == set()


# --- policy with the database ---------------------------------------------------------------

def test_allowed_columns_follow_the_agreement_and_purpose(world: World) -> None:
    world.active_agreement()
    hub = world.hub
    assert allowed_columns(hub, world.council_analyst, "police/crimes", "crime-prevention",
                           today=TODAY) == {"month", "lsoa_code", "crime_type"}
    assert allowed_columns(hub, world.council_analyst, "police/crimes", "research:x",
                           today=TODAY) == set()
    assert allowed_columns(hub, world.fire_analyst, "police/crimes", "crime-prevention",
                           today=TODAY) == set()
    assert allowed_columns(hub, world.police_steward, "police/crimes", "safeguarding",
                           today=TODAY) == {"month", "lsoa_code", "crime_type"}


def test_require_audits_allowed_and_refused_decisions(world: World) -> None:
    world.active_agreement()
    hub = world.hub
    decision = require(hub, world.council_analyst, "dataset.read", CRIMES, "crime-prevention",
                       today=TODAY, details={"rows": 12})
    assert decision.allowed
    with pytest.raises(PermissionDenied, match="fire_analyst may not dataset.read"):
        require(hub, world.fire_analyst, "dataset.read", CRIMES, "crime-prevention",
                today=TODAY)
    newest = entries(hub, limit=2)
    assert [(e["actor"], e["outcome"]) for e in newest] == [("fire_analyst", "refused"),
                                                            ("council_analyst", "allowed")]
    assert newest[1]["details"] == {"rows": 12, "agreement_id": decision.agreement_id}
    assert newest[1]["purpose"] == "crime-prevention"
    assert newest[1]["resource"] == "dataset:police/crimes"
    assert verify(hub).ok


def test_a_refusal_is_audited_even_when_the_callers_work_rolls_back(world: World) -> None:
    before = verify(world.hub).entries
    with pytest.raises(PermissionDenied), world.hub.sessions().begin() as session:
        require(world.hub, world.fire_analyst, "audit.verify", Resource("audit"),
                session=session)
    assert verify(world.hub).entries == before + 1
    assert entries(world.hub, limit=1)[0]["outcome"] == "refused"
