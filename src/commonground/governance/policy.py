"""The one policy check: `may(hub, actor, action, resource, purpose)` and `require(...)`.

The rules are a table (`RULES`): one row per action says which roles may act, where (any
organisation, the owning organisation, or a party to the agreement), and whether an agreement
in force must cover the dataset (and the purpose), or, for what is made from shared data
rather than shared itself (a risk list), name the actor's organisation and the purpose.
Anything not in the table is refused.
There is no admin bypass for data: admins manage organisations and people, never read data.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from commonground.governance.actors import Actor
from commonground.governance.audit import holds_chain_lock, record
from commonground.governance.documents import AgreementTerms, split_dataset, terms_of
from commonground.governance.errors import PermissionDenied
from commonground.governance.models import Agreement
from commonground.store import Hub

EVERYONE = "*"  # any authenticated person, whatever their roles


class Scope(StrEnum):
    ANY = "any organisation"
    OWNER = "the owning organisation"
    PARTY = "a party to the agreement"


class Needs(StrEnum):
    NOTHING = "nothing more"
    AGREEMENT = "an agreement in force that covers the dataset"
    PURPOSE = "an agreement in force that covers the dataset for the purpose"
    PARTY_PURPOSE = ("an agreement in force, with the actor's organisation a party, whose "
                     "purposes include the purpose")


@dataclass(frozen=True)
class Rule:
    action: str
    kinds: frozenset[str]
    grants: Mapping[str, Scope]  # role (or EVERYONE) -> where the role applies
    needs: Needs = Needs.NOTHING


def _rule(action: str, kinds: str, grants: Mapping[str, Scope],
          needs: Needs = Needs.NOTHING) -> Rule:
    return Rule(action, frozenset(kinds.split()), dict(grants), needs)


ANY, OWNER, PARTY = Scope.ANY, Scope.OWNER, Scope.PARTY
_READERS = {"analyst": PARTY, "researcher": PARTY, "steward": OWNER}

RULES: dict[str, Rule] = {r.action: r for r in (
    _rule("organisation.manage", "organisation", {"admin": ANY}),
    _rule("person.manage", "person", {"admin": ANY}),
    _rule("hub.configure", "hub", {"admin": ANY}),
    _rule("agreement.draft", "agreement", {"governance_lead": PARTY}),
    _rule("agreement.sign", "agreement", {"governance_lead": PARTY}),
    _rule("agreement.revoke", "agreement", {"governance_lead": PARTY}),
    _rule("agreement.read", "agreement", {EVERYONE: ANY}),
    _rule("catalogue.read", "catalogue dataset", {EVERYONE: ANY}),
    _rule("dataset.register", "dataset", {"steward": OWNER}, Needs.AGREEMENT),
    _rule("contribution.create", "dataset", {"steward": OWNER}, Needs.AGREEMENT),
    _rule("dataset.read", "dataset", _READERS, Needs.PURPOSE),
    _rule("audit.verify", "audit", {"governance_lead": ANY, "admin": ANY}),
    _rule("audit.read", "audit", {"governance_lead": ANY, "admin": ANY}),
    _rule("retention.run", "dataset", {"steward": OWNER, "governance_lead": OWNER}),
    _rule("erasure.request", "dataset", {"steward": OWNER, "governance_lead": ANY}),
    # Preventative interventions: the owning organisation's analysts and governance leads
    # register and allocate them; evaluations may also be run by researchers.
    _rule("intervention.manage", "intervention", {"analyst": OWNER, "governance_lead": OWNER}),
    _rule("intervention.evaluate", "intervention", {"analyst": OWNER, "researcher": ANY}),
    _rule("intervention.read", "intervention", {EVERYONE: ANY}),
    # Linkage runs on tokens only; analysts of any partner run, review and read it.
    _rule("link.run", "linkage", {"analyst": ANY}),
    _rule("link.review", "linkage", {"analyst": ANY}),
    _rule("link.read", "linkage", {"analyst": ANY}),
    # Research (Five Safes): projects are proposed by researchers, approved by each providing
    # organisation's governance lead; membership and dates are checked by the research room.
    _rule("project.propose", "project", {"researcher": ANY}),
    _rule("project.approve", "project", {"governance_lead": OWNER}),
    _rule("project.refuse", "project", {"governance_lead": OWNER}),
    _rule("project.revoke", "project", {"governance_lead": OWNER}),
    _rule("project.read", "project", {EVERYONE: ANY}),
    _rule("workspace.query", "project", {"researcher": ANY}),
    _rule("output.request", "project", {"researcher": ANY}),
    # Disclosure evidence (the true counts behind suppressed cells) is for the hub's output
    # checkers and the request's author only; the airlock checks authorship.
    _rule("output.read", "project", {"output_checker": ANY, "researcher": ANY}),
    _rule("output.review", "project", {"output_checker": ANY}),
    _rule("output.release", "project", {"output_checker": ANY}),
    _rule("output.download", "project", {"researcher": ANY}),
    # Modern slavery risk lists for safeguarding visits: made from the partners' shared data,
    # so only the parties to an agreement that lists the purpose build, read or act on them.
    _rule("risk.build", "risk_list", {"analyst": PARTY}, Needs.PARTY_PURPOSE),
    _rule("risk.read", "risk_list", {"analyst": PARTY, "governance_lead": PARTY},
          Needs.PARTY_PURPOSE),
    _rule("risk.visit", "risk_list", {"analyst": PARTY}, Needs.PARTY_PURPOSE),
    # Reports for the partnership board: aggregates only (no address, no person, counts per
    # area under 10 suppressed). Analysts, who may read the data, compute and publish them;
    # the board reads them, as do governance leads and analysts.
    _rule("report.publish", "report", {"analyst": ANY}),
    _rule("report.read", "report", {"board": ANY, "governance_lead": ANY, "analyst": ANY}),
)}
ACTIONS = tuple(RULES)


@dataclass(frozen=True)
class Resource:
    """What an action is on: e.g. Resource("dataset", owner="police", name="crimes")."""

    kind: str
    owner: str | None = None
    name: str | None = None
    parties: frozenset[str] = field(default=frozenset())

    @classmethod
    def dataset(cls, ref: str) -> Resource:
        """From 'org_slug/dataset_name'."""
        owner, name = split_dataset(ref)
        return cls("dataset", owner=owner, name=name)

    @classmethod
    def agreement(cls, slug: str, parties: Iterable[str] = ()) -> Resource:
        return cls("agreement", name=slug, parties=frozenset(parties))

    @property
    def ref(self) -> str:
        return f"{self.owner}/{self.name}" if self.owner and self.name else (self.name or "")

    def __str__(self) -> str:
        return f"{self.kind}:{self.ref}" if self.ref else self.kind


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str
    agreement_id: int | None = None

    def __bool__(self) -> bool:
        return self.allowed


def _refuse(reason: str) -> Decision:
    return Decision(False, reason)


def _fits(scope: Scope, actor: Actor, resource: Resource, rule: Rule) -> bool:
    if scope is Scope.ANY:
        return True
    if scope is Scope.OWNER:
        return resource.owner is not None and actor.organisation == resource.owner
    # A party to a named agreement; for datasets, and for rules that search the agreements
    # for the actor's organisation, the agreement search checks party-ship.
    return (resource.kind == "dataset" or rule.needs is Needs.PARTY_PURPOSE
            or actor.organisation in resource.parties)


def decide(actor: Actor, action: str, resource: Resource, purpose: str | None,
           agreements: Iterable[AgreementTerms], today: date) -> Decision:
    """The policy as a pure function of the actor, the request and the agreements' terms."""
    rule = RULES.get(action)
    if rule is None:
        return _refuse(f"no rule allows '{action}'; unknown actions are refused")
    if resource.kind not in rule.kinds:
        return _refuse(f"'{action}' applies to {' or '.join(sorted(rule.kinds))}, "
                       f"not {resource.kind}")
    held = {role: scope for role, scope in rule.grants.items()
            if role == EVERYONE or actor.has(role)}
    if not held:
        roles = ", ".join(sorted(rule.grants))
        return _refuse(f"'{action}' needs one of the roles: {roles}")
    scopes = {scope for scope in held.values() if _fits(scope, actor, resource, rule)}
    if not scopes:
        where = " or ".join(sorted({str(s) for s in held.values()}))
        return _refuse(f"'{action}' on {resource} is only for {where}")
    if rule.needs is Needs.NOTHING:
        return Decision(True, f"'{action}' is allowed to {', '.join(sorted(held))}")
    return _by_agreement(actor, rule, resource, purpose, scopes, agreements, today)


def _by_agreement(actor: Actor, rule: Rule, resource: Resource, purpose: str | None,
                  scopes: set[Scope], agreements: Iterable[AgreementTerms],
                  today: date) -> Decision:
    if rule.needs is Needs.PARTY_PURPOSE:
        return _as_party(actor, rule, resource, purpose, agreements, today)
    ref = resource.ref
    live = sorted((t for t in agreements if t.in_force(today) and t.covers(ref)),
                  key=lambda t: (t.slug, t.version))
    if not live:
        return _refuse(f"no agreement in force covers {ref}")
    if rule.needs is Needs.AGREEMENT:
        return Decision(True, f"agreement '{live[0].slug}' covers {ref}", live[0].id)
    if purpose is None:
        return _refuse(f"'{rule.action}' needs a purpose")
    for_purpose = [t for t in live if purpose in t.purposes]
    if not for_purpose:
        return _refuse(f"no agreement in force shares {ref} for the purpose '{purpose}'")
    for terms in for_purpose:
        if Scope.OWNER in scopes or actor.organisation in terms.parties:
            return Decision(True, f"agreement '{terms.slug}' v{terms.version} shares {ref} "
                            f"for '{purpose}'", terms.id)
    return _refuse(f"{actor.organisation} is not a party to an agreement sharing {ref} "
                   f"for '{purpose}'")


def _as_party(actor: Actor, rule: Rule, resource: Resource, purpose: str | None,
              agreements: Iterable[AgreementTerms], today: date) -> Decision:
    """Any agreement in force that names the actor's organisation and lists the purpose.

    Nothing is shared by the action itself (the datasets were checked when the thing was
    made), so the agreement need not cover a dataset: it must still bind the actor's
    organisation to the purpose, today.
    """
    if purpose is None:
        return _refuse(f"'{rule.action}' needs a purpose")
    live = sorted((t for t in agreements if t.in_force(today)),
                  key=lambda t: (t.slug, t.version))
    if not live:
        return _refuse("no agreement is in force")
    mine = [t for t in live if actor.organisation in t.parties]
    if not mine:
        return _refuse(f"{actor.organisation} is not a party to an agreement in force")
    for terms in mine:
        if purpose in terms.purposes:
            return Decision(True, f"{actor.organisation} is a party to agreement "
                            f"'{terms.slug}' v{terms.version} for '{purpose}'", terms.id)
    return _refuse(f"no agreement in force binds {actor.organisation} to the purpose "
                   f"'{purpose}'")


def utc_today() -> date:
    return datetime.now(UTC).date()


def load_terms(session: Session) -> list[AgreementTerms]:
    """Every active agreement version's terms (dates and integrity are checked per decision)."""
    rows = session.scalars(select(Agreement).where(Agreement.status == "active"))
    return [terms_of(row) for row in rows]


def _latest_parties(session: Session, slug: str) -> frozenset[str]:
    row = session.scalar(select(Agreement).where(Agreement.slug == slug)
                         .order_by(Agreement.version.desc()).limit(1))
    return frozenset(p.organisation.slug for p in row.parties) if row is not None else frozenset()


def may(hub: Hub, actor: Actor, action: str, resource: Resource, purpose: str | None = None,
        *, session: Session | None = None, today: date | None = None,
        under: str | None = None) -> Decision:
    """Would the policy allow this? Reads agreements; writes nothing.

    `under` names one agreement (its slug): only its versions count, for work that was done
    under that agreement and must stay within it (a risk list and the agreement it was built
    under).
    """
    if session is None:
        with hub.sessions()() as own:
            return may(hub, actor, action, resource, purpose, session=own, today=today,
                       under=under)
    rule = RULES.get(action)
    if resource.kind == "agreement" and not resource.parties and resource.name:
        resource = Resource.agreement(resource.name, _latest_parties(session, resource.name))
    terms = load_terms(session) if rule is not None and rule.needs is not Needs.NOTHING else []
    if under is not None:
        terms = [t for t in terms if t.slug == under]
    return decide(actor, action, resource, purpose, terms, today or utc_today())


def require(hub: Hub, actor: Actor, action: str, resource: Resource,
            purpose: str | None = None, *, session: Session | None = None,
            today: date | None = None, details: Mapping[str, Any] | None = None,
            under: str | None = None) -> Decision:
    """Allow or raise PermissionDenied; either way the decision is in the audit log.

    A refusal is written in its own transaction, so the caller's rollback cannot erase it;
    an allowed decision joins `session` (if given) so it commits with the work it allowed.
    `under` restricts the check to one agreement's versions (see `may`).
    """
    decision = may(hub, actor, action, resource, purpose, session=session, today=today,
                   under=under)
    return audited(hub, actor, action, resource, purpose, decision, session=session,
                   details=details)


def audited(hub: Hub, actor: Actor, action: str, resource: Resource, purpose: str | None,
            decision: Decision, *, session: Session | None = None,
            details: Mapping[str, Any] | None = None,
            refusal: type[PermissionDenied] = PermissionDenied) -> Decision:
    """Write `decision` to the audit log and raise `refusal` if it refuses.

    For a refusal the policy table cannot see (a risk list past its expiry): the room turns
    an allowed decision into a refused one and hands it here, so it is audited the same way
    and raised as its own kind of PermissionDenied.
    """
    facts: dict[str, Any] = dict(details or {})
    if decision.agreement_id is not None:
        facts["agreement_id"] = decision.agreement_id
    if not decision.allowed:
        facts["reason"] = decision.reason[:200]
        # Inside a transaction that already holds the chain's lock a second writer would
        # wait on ourselves; the refusal then shares the caller's transaction.
        target: Hub | Session = session if session is not None and holds_chain_lock(
            session) else hub
        record(target, actor, action, resource, "refused", purpose, facts)
        raise refusal(f"{actor.username} may not {action} {resource}: {decision.reason}")
    record(session if session is not None else hub, actor, action, resource, "allowed",
           purpose, facts)
    return decision


def allowed_columns(hub: Hub, actor: Actor, dataset: Resource | str, purpose: str,
                    *, today: date | None = None) -> set[str]:
    """The columns of `dataset` the actor may read for `purpose` (empty if none)."""
    resource = Resource.dataset(dataset) if isinstance(dataset, str) else dataset
    day = today or utc_today()
    with hub.sessions()() as session:
        terms = load_terms(session)
    columns: set[str] = set()
    for one in terms:
        if decide(actor, "dataset.read", resource, purpose, [one], day).allowed:
            columns |= one.data_items[resource.ref]
    return columns
