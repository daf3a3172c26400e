"""Web sign-in: argon2id passwords, server-side sessions and throttled guessing.

A browser never holds an API token. Signing in opens a session whose random id is the only
thing in the cookie; the table keeps its SHA-256 (like tokens: 256 random bits need no salt),
with the CSRF token the session's forms must carry. Sessions end at sign-out, after
`IDLE_MINUTES` without a request, or when the person is deactivated. Sign-ins, refusals and
sign-outs are audited; the password is never logged, nor is a failed user name's existence.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from commonground import errors
from commonground.governance.actors import Actor, actor_of
from commonground.governance.audit import record
from commonground.governance.errors import AuthenticationFailed, GovernanceError, NotFound
from commonground.governance.models import PendingSignIn, Person, SignInAttempt, WebSession
from commonground.governance.policy import Resource, require
from commonground.store import Hub

IDLE_MINUTES = 30
# A session's last activity is written at most this often: the idle time-out is in minutes,
# and a write on every page view queued every reader behind the database's one writer.
TOUCH_EVERY = timedelta(seconds=60)
MAX_FAILURES = 5  # per user name (or client) per `FAILURE_WINDOW`; the next is throttled
FAILURE_WINDOW = timedelta(minutes=1)
MIN_PASSWORD = 12  # NCSC: length over composition rules ("three random words")

_HASHER = PasswordHasher()  # argon2id, the library's RFC 9106 defaults
# Verified when the user name is unknown, so a wrong name costs as long as a wrong password.
_DECOY = _HASHER.hash(secrets.token_urlsafe(16))


class SignInThrottled(GovernanceError, errors.Unavailable):
    """Too many wrong passwords in a minute: wait, then try again."""

    http_status = 429


class WeakPassword(GovernanceError, errors.InvalidInput):
    """A password too short or too common to keep."""


def _now() -> datetime:
    return datetime.now(UTC)


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def set_password(hub: Hub, actor: Actor, username: str, password: str) -> None:
    """Set a person's web sign-in password (themselves, or an admin); ends their sessions."""
    if len(password) < MIN_PASSWORD or len(set(password)) < 4:
        raise WeakPassword(f"a password needs at least {MIN_PASSWORD} characters and some "
                           "variety; three random words work well")
    with hub.sessions().begin() as session:
        person = session.scalar(select(Person).where(Person.username == username))
        if person is None:
            raise NotFound(f"no person '{username}' in this hub")
        resource = Resource("person", owner=person.organisation.slug, name=username)
        if actor.person_id != person.id:
            require(hub, actor, "person.manage", resource, session=session)
        person.password_hash = _HASHER.hash(password)
        _end_all(session, person.id)
        record(session, actor, "password.set", resource, "done")


def _end_all(session: Session, person_id: int) -> None:
    for row in session.scalars(select(WebSession).where(WebSession.person_id == person_id,
                                                        WebSession.ended_at.is_(None))):
        row.ended_at = _now()


def _throttled(session: Session, username: str, client: str) -> bool:
    since = _now() - FAILURE_WINDOW
    session.execute(delete(SignInAttempt).where(SignInAttempt.at < since - timedelta(hours=1)))
    by_name = session.scalar(select(func.count()).select_from(SignInAttempt).where(
        SignInAttempt.username == username, SignInAttempt.at >= since)) or 0
    by_client = session.scalar(select(func.count()).select_from(SignInAttempt).where(
        SignInAttempt.client == client, SignInAttempt.at >= since)) or 0
    return by_name >= MAX_FAILURES or by_client >= 4 * MAX_FAILURES


def sign_in(hub: Hub, username: str, password: str, *, client: str = "unknown",
            method: str = "password") -> tuple[Actor, str, str]:
    """Check a user name and password; open a session: (actor, session id, CSRF token).

    The sixth wrong password for one user name within a minute is refused before it is
    checked (`SignInThrottled`), whether or not it is right.
    """
    username = username.strip()[:64]
    client = client[:64]
    resource = Resource("hub", name="web")
    with hub.sessions().begin() as session:
        if _throttled(session, username, client):
            record(session, username or "anonymous", "session.sign_in", resource, "refused",
                   details={"reason": "throttled", "client": client})
            session.commit()  # the refusal stays in the log when the raise rolls back
            raise SignInThrottled("too many wrong passwords; wait a minute and try again")
        person = session.scalar(select(Person).where(Person.username == username))
        stored = person.password_hash if person is not None and person.active else None
        try:
            _HASHER.verify(stored or _DECOY, password)
            good = stored is not None
        except (VerificationError, InvalidHashError):
            good = False
        if not good or person is None:
            session.add(SignInAttempt(username=username, client=client))
            record(session, "anonymous", "session.sign_in", resource, "refused",
                   details={"reason": "wrong user name or password", "client": client})
            session.commit()
            raise AuthenticationFailed("the user name or password is wrong")
        if stored is not None and _HASHER.check_needs_rehash(stored):
            person.password_hash = _HASHER.hash(password)
        return _open(session, actor_of(person), method, client)


def _open(session: Session, actor: Actor, method: str, client: str) -> tuple[Actor, str, str]:
    session_id, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    session.add(WebSession(session_hash=_hash(session_id), person_id=actor.person_id,
                           csrf_token=csrf, method=method))
    record(session, actor, "session.sign_in", Resource("hub", name="web"), "done",
           details={"method": method, "client": client})
    return actor, session_id, csrf


def sign_in_external(hub: Hub, email: str, issuer: str, *, client: str = "unknown"
                     ) -> tuple[Actor, str, str]:
    """Open a session for the person whose e-mail an OpenID Connect provider vouched for."""
    with hub.sessions().begin() as session:
        person = session.scalar(select(Person).where(func.lower(Person.email) == email.lower()))
        if person is None or not person.active:
            record(session, "anonymous", "session.sign_in", Resource("hub", name="web"),
                   "refused", details={"reason": "no person with that e-mail",
                                       "issuer": issuer[:100]})
            session.commit()
            raise AuthenticationFailed("no active person in this hub has that e-mail address")
        return _open(session, actor_of(person), "oidc", client)


MAX_PENDING = 10_000  # single sign-ons under way; a flood cannot grow the table further


def hold_external(hub: Hub, key: str, fields: dict[str, str], expires: datetime) -> None:
    """Keep a single sign-on under way (state, nonce, PKCE verifier, next page) by the SHA-256
    of the browser's random key, until `expires`; expired ones, and past `MAX_PENDING` the
    oldest, go."""
    with hub.sessions().begin() as session:
        session.execute(delete(PendingSignIn).where(PendingSignIn.expires_at < _now()))
        held = session.scalar(select(func.count()).select_from(PendingSignIn)) or 0
        if held >= MAX_PENDING:
            oldest = select(PendingSignIn.key_hash).order_by(PendingSignIn.expires_at).limit(
                held - MAX_PENDING + 1)
            session.execute(delete(PendingSignIn).where(PendingSignIn.key_hash.in_(oldest)))
        session.add(PendingSignIn(key_hash=_hash(key), expires_at=expires, **fields))


def take_external(hub: Hub, key: str) -> dict[str, str] | None:
    """The single sign-on under way for this key, once: taking it removes it (of two
    processes taking it at once, one gets it). None when unknown, taken or expired."""
    with hub.sessions().begin() as session:
        row = session.get(PendingSignIn, _hash(key))
        if row is None:
            return None
        found = {"state": row.state, "nonce": row.nonce, "verifier": row.verifier,
                 "next": row.next}
        live = _aware(row.expires_at) >= _now()
        removed = session.execute(delete(PendingSignIn).where(
            PendingSignIn.key_hash == row.key_hash)).rowcount  # type: ignore[attr-defined]
        return found if removed == 1 and live else None


def refuse_external(hub: Hub, issuer: str, reason: str, *, client: str = "unknown") -> None:
    """Audit a single sign-on refused before anyone was identified (the identity provider's
    answer failed a check: state, signature, issuer, audience, nonce, unverified e-mail)."""
    record(hub, "anonymous", "session.sign_in", Resource("hub", name="web"), "refused",
           details={"reason": reason[:200], "issuer": issuer[:100], "method": "oidc",
                    "client": client[:64]})


def session_actor(hub: Hub, session_id: str, *, idle_minutes: int = IDLE_MINUTES
                  ) -> tuple[Actor, str]:
    """The actor and CSRF token of a live session; touching it keeps it alive."""
    with hub.sessions().begin() as session:
        row = session.scalar(select(WebSession).where(
            WebSession.session_hash == _hash(session_id)))
        if row is None or row.ended_at is not None:
            raise AuthenticationFailed("your session has ended; please sign in again")
        now = _now()
        if now - _aware(row.last_seen_at) > timedelta(minutes=idle_minutes):
            row.ended_at = now
            record(session, "system", "session.timeout", Resource("hub", name="web"), "done",
                   details={"person_id": row.person_id})
            session.commit()
            raise AuthenticationFailed("you were signed out after "
                                       f"{idle_minutes} minutes without activity")
        person = session.get(Person, row.person_id)
        if person is None or not person.active:
            row.ended_at = now
            session.commit()
            raise AuthenticationFailed("this account is no longer active")
        if now - _aware(row.last_seen_at) >= TOUCH_EVERY:
            row.last_seen_at = now
        return actor_of(person), row.csrf_token


def sign_out(hub: Hub, session_id: str) -> None:
    """End a session (audited); an unknown or ended session is left as it is."""
    with hub.sessions().begin() as session:
        row = session.scalar(select(WebSession).where(
            WebSession.session_hash == _hash(session_id)))
        if row is None or row.ended_at is not None:
            return
        row.ended_at = _now()
        person = session.get(Person, row.person_id)
        if person is not None:
            record(session, actor_of(person), "session.sign_out",
                   Resource("hub", name="web"), "done")
