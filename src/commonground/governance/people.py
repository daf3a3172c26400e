"""Partner organisations and the people who act for them."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from commonground.governance.actors import ROLES, Actor, actor_of
from commonground.governance.audit import record
from commonground.governance.errors import GovernanceError, NotFound
from commonground.governance.models import Person, PersonRole
from commonground.governance.policy import Resource, require
from commonground.governance.tokens import issue_token
from commonground.store import Hub, Organisation

ORGANISATION_KINDS = ("police", "council", "fire", "health", "ngo", "university")
BOOTSTRAP = "bootstrap"
_SLUG = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")
_USERNAME = re.compile(r"^[a-z][a-z0-9._-]{0,63}$")


def _check(pattern: re.Pattern[str], value: str, what: str) -> str:
    if not pattern.match(value):
        raise GovernanceError(
            f"{what} '{value}' must be lower-case letters, digits, '-', '_' (or '.' in user "
            "names), starting with a letter"
        )
    return value


def is_bootstrapping(session: Session) -> bool:
    """True while the hub has no people: the first organisation and admin need no actor."""
    return (session.scalar(select(func.count()).select_from(Person)) or 0) == 0


def _authorise(hub: Hub, session: Session, actor: Actor | None, action: str,
               resource: Resource) -> str:
    if actor is None:
        if not is_bootstrapping(session):
            raise GovernanceError(
                f"'{action}' needs an acting admin once the hub has people; pass --as USERNAME"
            )
        return BOOTSTRAP
    require(hub, actor, action, resource, session=session)
    return actor.username


def organisation_by_slug(session: Session, slug: str) -> Organisation:
    org = session.scalar(select(Organisation).where(Organisation.slug == slug))
    if org is None:
        raise NotFound(f"no organisation '{slug}' in this hub")
    return org


def add_organisation(hub: Hub, slug: str, name: str, kind: str, *,
                     actor: Actor | None = None) -> dict[str, Any]:
    """Register a partner organisation (an admin, or anyone before the first person exists)."""
    _check(_SLUG, slug, "organisation")
    if kind not in ORGANISATION_KINDS:
        raise GovernanceError(
            f"organisation kind '{kind}' is not one of {', '.join(ORGANISATION_KINDS)}"
        )
    if not name.strip():
        raise GovernanceError("an organisation needs a name")
    resource = Resource("organisation", name=slug)
    with hub.sessions().begin() as session:
        who = _authorise(hub, session, actor, "organisation.manage", resource)
        if session.scalar(select(Organisation).where(Organisation.slug == slug)):
            raise GovernanceError(f"organisation '{slug}' already exists")
        session.add(Organisation(slug=slug, name=name.strip(), kind=kind))
        record(session, who, "organisation.add", resource, "done", details={"kind": kind})
    return {"slug": slug, "name": name.strip(), "kind": kind}


def list_organisations(hub: Hub) -> list[dict[str, Any]]:
    """Every organisation (public metadata: slug, name, kind)."""
    with hub.sessions()() as session:
        orgs = session.scalars(select(Organisation).order_by(Organisation.slug))
        return [{"slug": o.slug, "name": o.name, "kind": o.kind} for o in orgs]


def _check_roles(roles: Iterable[str]) -> list[str]:
    chosen = sorted(set(roles))
    unknown = [r for r in chosen if r not in ROLES]
    if unknown:
        raise GovernanceError(f"unknown role '{unknown[0]}'; roles are {', '.join(ROLES)}")
    return chosen


def add_person(hub: Hub, username: str, organisation: str, roles: Iterable[str], *,
               display_name: str | None = None, email: str | None = None,
               actor: Actor | None = None) -> Actor:
    """Add a person with roles; the very first person (no actor) must be an admin."""
    _check(_USERNAME, username, "user name")
    chosen = _check_roles(roles)
    resource = Resource("person", owner=organisation, name=username)
    with hub.sessions().begin() as session:
        who = _authorise(hub, session, actor, "person.manage", resource)
        if who == BOOTSTRAP and "admin" not in chosen:
            raise GovernanceError("the hub's first person must have the admin role")
        if session.scalar(select(Person).where(Person.username == username)):
            raise GovernanceError(f"user name '{username}' is already taken")
        org = organisation_by_slug(session, organisation)
        person = Person(username=username, display_name=(display_name or username).strip(),
                        email=email, organisation=org, active=True,
                        roles=[PersonRole(role=r) for r in chosen])
        session.add(person)
        session.flush()
        record(session, who, "person.add", resource, "done", details={"roles": chosen})
        return actor_of(person)


def enrol_person(hub: Hub, username: str, organisation: str, roles: Iterable[str], *,
                 display_name: str | None = None, email: str | None = None,
                 actor: Actor | None = None) -> dict[str, Any]:
    """Add a person and issue their first API token, shown once and never stored in clear."""
    person = add_person(hub, username, organisation, roles, display_name=display_name,
                        email=email, actor=actor)
    token = issue_token(hub, person, actor=actor)
    return {"username": person.username, "organisation": person.organisation,
            "roles": sorted(person.roles), "token": token,
            "note": "the token is shown once; store it safely"}


def set_roles(hub: Hub, actor: Actor, username: str, roles: Iterable[str]) -> Actor:
    """Replace a person's roles (admin only)."""
    chosen = _check_roles(roles)
    with hub.sessions().begin() as session:
        person = session.scalar(select(Person).where(Person.username == username))
        if person is None:
            raise NotFound(f"no person '{username}' in this hub")
        resource = Resource("person", owner=person.organisation.slug, name=username)
        require(hub, actor, "person.manage", resource, session=session)
        person.roles = [PersonRole(role=r) for r in chosen]
        session.flush()
        record(session, actor, "person.roles", resource, "done", details={"roles": chosen})
        return actor_of(person)


def deactivate_person(hub: Hub, actor: Actor, username: str) -> None:
    """Stop a person acting: their tokens and user name no longer authenticate."""
    with hub.sessions().begin() as session:
        person = session.scalar(select(Person).where(Person.username == username))
        if person is None:
            raise NotFound(f"no person '{username}' in this hub")
        resource = Resource("person", owner=person.organisation.slug, name=username)
        require(hub, actor, "person.manage", resource, session=session)
        person.active = False
        record(session, actor, "person.deactivate", resource, "done")


def list_people(hub: Hub, actor: Actor) -> list[dict[str, Any]]:
    """Everyone with their organisation and roles (admin only: staff contact details)."""
    require(hub, actor, "person.manage", Resource("person"))
    with hub.sessions()() as session:
        people = session.scalars(select(Person).order_by(Person.username))
        return [
            {"username": p.username, "name": p.display_name,
             "organisation": p.organisation.slug, "roles": [r.role for r in p.roles],
             "active": p.active}
            for p in people
        ]
