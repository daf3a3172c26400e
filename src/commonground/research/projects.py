"""Commissioned projects: proposed, approved by every data provider, active between dates.

Safe projects: a project names its commissioning organisation, question, purpose, coordinator,
researchers, ethics reference and dates, and the datasets and columns it needs (minimised).
The purpose must be one that an agreement in force allows for every dataset asked for. Each
organisation whose data is asked for approves or refuses its part; access starts only when all
have approved, and ends by itself at the end date or on revocation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select

from commonground.errors import CommonGroundError, Conflict, NotFound
from commonground.governance import Actor, PermissionDenied, Resource, record, require
from commonground.governance.policy import load_terms
from commonground.research.models import Project, ProjectApproval
from commonground.store import Dataset, Organisation
from commonground.store.hub import Hub
from commonground.store.lake import check_slug


class ProjectError(CommonGroundError):
    """A project request or decision that cannot be accepted."""


class ProjectNotFound(ProjectError, NotFound):
    """No project, organisation or dataset by the name given."""


class NotOnProject(ProjectError, PermissionDenied):
    """The person (or their organisation) has no part in the project: an audited refusal."""


class ProjectConflict(ProjectError, Conflict):
    """The project is not in a state for this: already exists, already decided, not active."""


def today_utc() -> date:
    return datetime.now(UTC).date()


@dataclass(frozen=True)
class ProjectView:
    slug: str
    title: str
    status: str
    commissioned_by: str
    purpose: str
    researchers: tuple[str, ...]
    coordinator: str
    datasets: dict[str, Any]
    providers: tuple[str, ...]
    approvals: dict[str, str]
    starts_on: date
    ends_on: date
    ethics_reference: str
    question: str = ""
    # organisation -> {"decision", "decided_by", "reason", "decided_at"}: who decided, and why
    decisions: dict[str, dict[str, str]] = field(default_factory=dict)
    revoked_reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"project": self.slug, "title": self.title, "status": self.status,
                "commissioned_by": self.commissioned_by, "purpose": self.purpose,
                "researchers": list(self.researchers), "coordinator": self.coordinator,
                "datasets": self.datasets, "providers": list(self.providers),
                "approvals": self.approvals, "starts_on": self.starts_on.isoformat(),
                "ends_on": self.ends_on.isoformat(), "ethics_reference": self.ethics_reference,
                "question": self.question, "decisions": self.decisions,
                "revoked_reason": self.revoked_reason}


def providers_of(project: Project) -> tuple[str, ...]:
    return tuple(sorted({ref.split("/", 1)[0] for ref in project.datasets}))


def effective_status(project: Project, today: date) -> str:
    """proposed -> approved -> active (between its dates) -> ended; refused; revoked."""
    if project.status in ("refused", "revoked"):
        return project.status
    if project.status == "approved":
        if today > project.ends_on:
            return "ended"
        return "active" if today >= project.starts_on else "approved"
    return project.status


def _view(project: Project, today: date) -> ProjectView:
    return ProjectView(
        project.slug, project.title, effective_status(project, today), project.commissioned_by,
        project.purpose, tuple(project.researchers), project.coordinator, dict(project.datasets),
        providers_of(project), {a.organisation: a.decision for a in project.approvals},
        project.starts_on, project.ends_on, project.ethics_reference, project.question,
        {a.organisation: {"decision": a.decision, "decided_by": a.decided_by,
                          "reason": a.reason or "",
                          "decided_at": a.decided_at.isoformat(timespec="minutes")}
         for a in project.approvals}, project.revoked_reason or "")


def _load(session: Any, slug: str) -> Project:
    project: Project | None = session.scalar(select(Project).where(Project.slug == slug))
    if project is None:
        raise ProjectNotFound(f"no project '{slug}'")
    return project


def _date(value: date | str, what: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ProjectError(f"{what} must be a date like 2026-01-31") from None


def propose_project(hub: Hub, actor: Actor, *, slug: str, title: str, question: str,
                    commissioned_by: str, purpose: str, researchers: Sequence[str],
                    datasets: Mapping[str, Mapping[str, Any]], ethics_reference: str,
                    starts_on: date | str, ends_on: date | str,
                    today: date | None = None) -> ProjectView:
    """Propose a project. `datasets` maps 'org/dataset' to {"columns": [...], "where": SQL}."""
    check_slug(slug, "project")
    day = today or today_utc()
    starts, ends = _date(starts_on, "starts_on"), _date(ends_on, "ends_on")
    if ends < starts:
        raise ProjectError("a project cannot end before it starts")
    if not ethics_reference.strip():
        raise ProjectError("a project needs an ethics reference")
    if not datasets:
        raise ProjectError("a project must ask for at least one dataset")
    with hub.sessions().begin() as session:
        require(hub, actor, "project.propose", Resource("project", name=slug), purpose,
                session=session)
        if session.scalar(select(Project).where(Project.slug == slug)) is not None:
            raise ProjectConflict(f"project '{slug}' already exists")
        if session.scalar(select(Organisation).where(Organisation.slug == commissioned_by)
                          ) is None:
            raise ProjectNotFound(f"no organisation '{commissioned_by}'")
        terms = [t for t in load_terms(session) if t.in_force(day)]
        cleaned: dict[str, Any] = {}
        for ref, ask in datasets.items():
            org, name = ref.split("/", 1) if "/" in ref else ("", ref)
            dataset = session.scalar(select(Dataset).join(Organisation).where(
                Organisation.slug == org, Dataset.name == name))
            if dataset is None or dataset.contract is None:
                raise ProjectNotFound(f"dataset '{ref}' is not registered in this hub")
            covering = [t for t in terms if t.covers(ref) and purpose in t.purposes]
            if not covering:
                raise ProjectError(f"no agreement in force allows purpose '{purpose}' for "
                                   f"'{ref}'; the project cannot ask for it")
            known = {c["name"] for c in dataset.contract["columns"]}
            agreed: set[str] = set()
            for t in covering:
                items = set(t.data_items[ref])
                agreed |= known if (not items or "*" in items) else items
            columns = list(ask.get("columns") or [])
            if not columns:
                raise ProjectError(f"name the columns needed from '{ref}' (data minimisation)")
            outside = sorted(set(columns) - agreed)
            if outside:
                raise ProjectError(f"column(s) {', '.join(outside)} of '{ref}' are not shared "
                                   f"under any agreement for purpose '{purpose}'")
            cleaned[ref] = {"columns": columns, "where": ask.get("where") or None}
        session.add(Project(
            slug=slug, title=title, question=question, commissioned_by=commissioned_by,
            purpose=purpose, coordinator=actor.username, researchers=sorted(set(researchers)),
            datasets=cleaned, ethics_reference=ethics_reference, starts_on=starts,
            ends_on=ends, status="proposed"))
    return project_view(hub, slug, today=day)


def project_view(hub: Hub, slug: str, *, today: date | None = None) -> ProjectView:
    """The project as it stands (for the room's own operations, which have checked the actor)."""
    with hub.sessions()() as session:
        return _view(_load(session, slug), today or today_utc())


def get_project(hub: Hub, actor: Actor, slug: str, *, today: date | None = None
                ) -> ProjectView:
    """One project: its question, purpose, datasets, researchers, approvals and status."""
    require(hub, actor, "project.read", Resource("project", name=slug))
    return project_view(hub, slug, today=today)


def list_projects(hub: Hub, actor: Actor, *, mine: bool = False, providing: bool = False,
                  today: date | None = None) -> list[ProjectView]:
    """Projects, their status and approvals; `mine`: only those naming the actor;
    `providing`: only those asking for the actor's organisation's data (its decisions)."""
    require(hub, actor, "project.read", Resource("project", name="*"))
    day = today or today_utc()
    with hub.sessions()() as session:
        views = [_view(p, day) for p in session.scalars(select(Project).order_by(Project.slug))]
    if mine:
        views = [v for v in views if actor.username in v.researchers]
    if providing:
        views = [v for v in views if actor.organisation in v.providers]
    return views


def _refuse_non_provider(hub: Hub, actor: Actor, project: Project, action: str) -> None:
    """Only the organisations whose data a project asks for decide on it: a refusal, audited."""
    if actor.organisation not in providers_of(project):
        record(hub, actor, action, Resource("project", name=project.slug), "refused", None,
               {"reason": "not a data provider to the project"})
        raise NotOnProject(f"{actor.organisation} provides no data to project "
                           f"'{project.slug}'")


def approve_project(hub: Hub, actor: Actor, slug: str, reason: str = "",
                    *, today: date | None = None) -> ProjectView:
    """Approve the use of your organisation's data in a project (its governance lead)."""
    return decide(hub, actor, slug, "approved", reason, today=today)


def refuse_project(hub: Hub, actor: Actor, slug: str, reason: str,
                   *, today: date | None = None) -> ProjectView:
    """Refuse the use of your organisation's data in a project (its governance lead)."""
    return decide(hub, actor, slug, "refused", reason, today=today)


def decide(hub: Hub, actor: Actor, slug: str, decision: str, reason: str = "",
           *, today: date | None = None) -> ProjectView:
    """A providing organisation's governance lead approves or refuses its part."""
    if decision not in ("approved", "refused"):
        raise ProjectError("a decision is 'approved' or 'refused'")
    action = "project.approve" if decision == "approved" else "project.refuse"
    day = today or today_utc()
    with hub.sessions().begin() as session:
        project = _load(session, slug)
        _refuse_non_provider(hub, actor, project, action)
        require(hub, actor, action, Resource("project", owner=actor.organisation, name=slug),
                project.purpose, session=session)
        if project.status != "proposed":
            raise ProjectConflict(f"project '{slug}' is {project.status}; decisions are taken "
                                  "while it is proposed")
        if any(a.organisation == actor.organisation for a in project.approvals):
            raise ProjectConflict(f"{actor.organisation} has already decided on '{slug}'")
        project.approvals.append(ProjectApproval(
            organisation=actor.organisation, decision=decision, decided_by=actor.username,
            reason=reason[:500]))
        decided = {a.organisation: a.decision for a in project.approvals}
        if decision == "refused":
            project.status = "refused"
        elif all(decided.get(org) == "approved" for org in providers_of(project)):
            project.status = "approved"
    return project_view(hub, slug, today=day)


def revoke_project(hub: Hub, actor: Actor, slug: str, reason: str,
                   *, today: date | None = None) -> ProjectView:
    """End a project's access now (a provider's or the commissioner's governance lead)."""
    with hub.sessions().begin() as session:
        project = _load(session, slug)
        require(hub, actor, "project.revoke",
                Resource("project", owner=actor.organisation
                         if actor.organisation in (*providers_of(project),
                                                   project.commissioned_by) else "-",
                         name=slug), session=session)
        project.status = "revoked"
        project.revoked_reason = reason[:500]
    return project_view(hub, slug, today=today)


def active_project_for(hub: Hub, actor: Actor, slug: str, *, today: date | None = None
                       ) -> ProjectView:
    """The project, if `actor` may work in it today; otherwise a clear refusal.

    A person not named on the project is refused as a permission, in the audit log; a
    project that is not active is a state the researcher can wait out or ask about."""
    view = project_view(hub, slug, today=today)
    if actor.username not in view.researchers:
        message = f"{actor.username} is not a researcher on project '{slug}'"
        record(hub, actor, "project.work", Resource("project", name=slug), "refused", None,
               {"reason": "not named on the project"})
        raise NotOnProject(message)
    if view.status != "active":
        why = {"proposed": "it is waiting for every data provider's approval",
               "approved": f"it starts on {view.starts_on.isoformat()}",
               "ended": f"it ended on {view.ends_on.isoformat()}",
               "refused": "a data provider refused it", "revoked": "it was revoked"}
        raise ProjectConflict(f"project '{slug}' is not active: "
                              f"{why.get(view.status, view.status)}")
    return view
