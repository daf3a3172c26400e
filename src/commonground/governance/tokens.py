"""API tokens: a random secret shown once; only its SHA-256 is stored.

SHA-256 without salt is enough here (unlike passwords) because the secret is 256 random bits:
there is nothing to guess, and an exact-match lookup by hash stays a single indexed query.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime

from sqlalchemy import select

from commonground.governance.actors import Actor, actor_of
from commonground.governance.audit import record
from commonground.governance.errors import AuthenticationFailed, NotFound
from commonground.governance.models import ApiToken, Person
from commonground.governance.policy import Resource, require
from commonground.store import Hub

PREFIX = "cg_"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(hub: Hub, person: Actor | str, *, actor: Actor | None = None) -> str:
    """A new API token for `person`, returned once. Another person needs person.manage."""
    username = person.username if isinstance(person, Actor) else person
    with hub.sessions().begin() as session:
        found = session.scalar(select(Person).where(Person.username == username))
        if found is None or not found.active:
            raise NotFound(f"no active person '{username}' in this hub")
        resource = Resource("person", owner=found.organisation.slug, name=username)
        issuer = actor or actor_of(found)
        if issuer.person_id != found.id:
            require(hub, issuer, "person.manage", resource, session=session)
        secret = PREFIX + secrets.token_urlsafe(32)
        session.add(ApiToken(person_id=found.id, token_hash=token_hash(secret)))
        record(session, issuer, "token.issue", resource, "done")
    return secret


def authenticate(hub: Hub, token: str) -> Actor:
    """The actor a token belongs to; unknown, revoked or deactivated tokens are refused."""
    with hub.sessions()() as session:
        row = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(token)))
        person = session.get(Person, row.person_id) if row is not None else None
        if row is None or row.revoked_at is not None or person is None or not person.active:
            raise AuthenticationFailed("the API token is unknown or revoked")
        return actor_of(person)


def revoke_tokens(hub: Hub, actor: Actor, username: str) -> int:
    """Revoke every live token of `username` (themselves, or an admin); returns how many."""
    with hub.sessions().begin() as session:
        person = session.scalar(select(Person).where(Person.username == username))
        if person is None:
            raise NotFound(f"no person '{username}' in this hub")
        resource = Resource("person", owner=person.organisation.slug, name=username)
        if actor.person_id != person.id:
            require(hub, actor, "person.manage", resource, session=session)
        live = list(session.scalars(select(ApiToken).where(
            ApiToken.person_id == person.id, ApiToken.revoked_at.is_(None))))
        now = datetime.now(UTC)
        for token in live:
            token.revoked_at = now
        record(session, actor, "token.revoke", resource, "done", details={"tokens": len(live)})
        return len(live)
