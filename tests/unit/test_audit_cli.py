"""`audit list`: governance leads and admins read the newest audit entries; others cannot."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.unit.test_governance_cli import hub, ok, run, setup_partnership

from commonground.governance import PermissionDenied

__all__ = ["hub"]  # the fixture, shared with the governance CLI tests


def test_audit_list_newest_first_for_leads_and_admins_only(hub: Path, tmp_path: Path) -> None:
    setup_partnership(hub, tmp_path)
    listed = ok(hub, "audit", "list", "--limit", "3", "--as", "clead")["entries"]
    assert len(listed) == 3
    assert [e["seq"] for e in listed] == sorted((e["seq"] for e in listed), reverse=True)
    assert set(listed[0]) >= {"seq", "at", "actor", "action", "resource", "outcome"}
    # Reading the log is itself audited: the admin's read shows the lead's just before it.
    newest = ok(hub, "audit", "list", "--as", "admin")["entries"]
    assert newest[0]["action"] == "audit.read" and newest[0]["actor"] == "admin"
    assert newest[1]["action"] == "audit.read" and newest[1]["actor"] == "clead"
    with pytest.raises(PermissionDenied):
        run(hub, "audit", "list", "--as", "analyst")
