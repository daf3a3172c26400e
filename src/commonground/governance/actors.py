"""Who is acting: the value every public operation receives."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from commonground.governance.errors import AuthenticationFailed
from commonground.governance.models import Person
from commonground.store import Hub

# The partnership board reads aggregates, reports and the catalogue: never record-level data
# and never disclosure evidence. Its one grant of its own in the policy table is report.read
# (the aggregate board pack); otherwise only the rules open to everyone signed in, so no
# future data rule reaches it by accident.
ROLES = ("steward", "analyst", "researcher", "output_checker", "governance_lead", "admin",
         "board")


@dataclass(frozen=True)
class Actor:
    """An authenticated person: id, user name, organisation slug and roles."""

    person_id: int
    username: str
    organisation: str
    roles: frozenset[str]

    def has(self, role: str) -> bool:
        return role in self.roles

    def __str__(self) -> str:
        return self.username


def actor_of(person: Person) -> Actor:
    return Actor(person.id, person.username, person.organisation.slug,
                 frozenset(r.role for r in person.roles))


def load_actor(session: Session, username: str) -> Actor:
    person = session.scalar(select(Person).where(Person.username == username))
    if person is None or not person.active:
        raise AuthenticationFailed(f"no active person '{username}' in this hub")
    return actor_of(person)


def actor_for(hub: Hub, username: str) -> Actor:
    """The actor for a user name (the CLI's `--as` or $COMMONGROUND_USER)."""
    with hub.sessions()() as session:
        return load_actor(session, username)
