"""Web sign-in for the demo: one shared, printed password for every demo person.

A demo hub is throwaway and holds synthetic people only, so one known password is safe here;
a real hub's people set their own (`commonground user password`).
"""

from __future__ import annotations

from typing import Any

from commonground.demo.context import DemoContext
from commonground.governance import actor_for, list_people, set_password

DEMO_PASSWORD = "commonground-demo"


def stage_accounts(ctx: DemoContext) -> dict[str, Any]:
    """Give each demo person the demo password, and list who is who for the web app."""
    hub = ctx.require_hub()
    admin = actor_for(hub, "admin")
    people = list_people(hub, admin)
    for person in people:
        set_password(hub, admin, person["username"], DEMO_PASSWORD)
    return {"password": DEMO_PASSWORD,
            "accounts": [{"username": p["username"], "organisation": p["organisation"],
                          "roles": sorted(p["roles"])} for p in people]}
