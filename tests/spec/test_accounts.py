"""Web sign-in on both metadata databases: passwords, sessions, throttling, time-outs, audit."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from commonground.governance import (
    AuthenticationFailed,
    PermissionDenied,
    add_organisation,
    add_person,
    deactivate_person,
    session_actor,
    set_password,
    sign_in,
    sign_in_external,
    sign_out,
)
from commonground.governance.accounts import TOUCH_EVERY, SignInThrottled, WeakPassword
from commonground.governance.audit import entries, verify
from commonground.governance.models import WebSession
from commonground.store import Hub, init_hub

GOOD = "correct horse battery staple"


@pytest.fixture
def hub(tmp_path: Path, database_url: str) -> Iterator[Hub]:
    made = init_hub(tmp_path / "hub", database_url)
    add_organisation(made, "police", "Essex Police", "police")
    admin = add_person(made, "admin", "police", ["admin"])
    add_person(made, "analyst", "police", ["analyst"], actor=admin, email="A.Nalyst@essex.pnn")
    add_person(made, "other", "police", ["analyst"], actor=admin)
    set_password(made, admin, "analyst", GOOD)
    yield made
    made.close()


def _admin(hub: Hub):  # type: ignore[no-untyped-def]
    from commonground.governance import actor_for

    return actor_for(hub, "admin")


def test_a_right_password_opens_a_session_and_a_wrong_one_does_not(hub: Hub) -> None:
    actor, session_id, csrf = sign_in(hub, "analyst", GOOD, client="10.0.0.1")
    assert actor.username == "analyst" and len(session_id) >= 40 and len(csrf) >= 40
    assert session_actor(hub, session_id) == (actor, csrf)
    with pytest.raises(AuthenticationFailed):
        sign_in(hub, "analyst", "wrong horse battery staple")
    with pytest.raises(AuthenticationFailed):  # an unknown name fails the same way
        sign_in(hub, "nobody", GOOD)
    with hub.sessions()() as session:  # only the id's hash is stored
        stored = session.scalars(sa.select(WebSession.session_hash)).all()
    assert session_id not in stored and len(stored) == 1


def test_only_the_person_or_an_admin_sets_a_password_and_it_must_be_long(hub: Hub) -> None:
    from commonground.governance import actor_for

    other = actor_for(hub, "other")
    with pytest.raises(PermissionDenied):
        set_password(hub, other, "analyst", "another long password")
    with pytest.raises(WeakPassword):
        set_password(hub, other, "other", "short")
    set_password(hub, other, "other", "another long password")
    assert sign_in(hub, "other", "another long password")[0].username == "other"


def test_the_sixth_wrong_password_in_a_minute_is_throttled_even_if_right(hub: Hub) -> None:
    for _ in range(5):
        with pytest.raises(AuthenticationFailed):
            sign_in(hub, "analyst", "not the password at all")
    with pytest.raises(SignInThrottled):
        sign_in(hub, "analyst", GOOD)
    assert SignInThrottled.http_status == 429
    refusals = [e for e in entries(hub) if e["action"] == "session.sign_in"
                and e["outcome"] == "refused"]
    assert len(refusals) == 6 and refusals[0]["details"].get("reason") == "throttled"
    assert verify(hub).ok


def test_sessions_end_at_sign_out_when_idle_and_when_the_person_goes(hub: Hub) -> None:
    _, first, _ = sign_in(hub, "analyst", GOOD)
    sign_out(hub, first)
    with pytest.raises(AuthenticationFailed):
        session_actor(hub, first)
    _, idle, _ = sign_in(hub, "analyst", GOOD)
    with hub.sessions().begin() as session:
        for row in session.scalars(sa.select(WebSession)):
            row.last_seen_at = datetime.now(UTC) - timedelta(minutes=31)
    with pytest.raises(AuthenticationFailed, match="without activity"):
        session_actor(hub, idle)
    _, live, _ = sign_in(hub, "analyst", GOOD)
    deactivate_person(hub, _admin(hub), "analyst")
    with pytest.raises(AuthenticationFailed):
        session_actor(hub, live)
    actions = [e["action"] for e in entries(hub)]
    assert {"session.sign_in", "session.sign_out", "session.timeout"} <= set(actions)
    assert GOOD not in str(entries(hub))


def test_a_session_s_activity_is_written_at_most_once_a_minute(hub: Hub) -> None:
    _, session_id, _ = sign_in(hub, "analyst", GOOD)

    def last_seen() -> datetime:
        with hub.sessions()() as session:
            seen = session.scalars(sa.select(WebSession.last_seen_at)).one()
            return seen if seen.tzinfo else seen.replace(tzinfo=UTC)

    def set_last_seen(ago: timedelta) -> datetime:
        with hub.sessions().begin() as session:
            session.scalars(sa.select(WebSession)).one().last_seen_at = datetime.now(UTC) - ago
        return last_seen()

    recent = set_last_seen(timedelta(seconds=30))
    session_actor(hub, session_id)  # a page within the minute: no write
    assert last_seen() == recent
    stale = set_last_seen(TOUCH_EVERY + timedelta(seconds=1))
    session_actor(hub, session_id)
    assert last_seen() > stale + timedelta(seconds=30)  # touched: now


def test_a_new_password_ends_every_session(hub: Hub) -> None:
    _, session_id, _ = sign_in(hub, "analyst", GOOD)
    set_password(hub, _admin(hub), "analyst", "a brand new long password")
    with pytest.raises(AuthenticationFailed):
        session_actor(hub, session_id)


def test_an_identity_provider_vouches_by_email(hub: Hub) -> None:
    actor, session_id, _ = sign_in_external(hub, "a.nalyst@ESSEX.pnn", "https://idp.example")
    assert actor.username == "analyst" and session_actor(hub, session_id)[0] == actor
    with pytest.raises(AuthenticationFailed):
        sign_in_external(hub, "stranger@example.org", "https://idp.example")
