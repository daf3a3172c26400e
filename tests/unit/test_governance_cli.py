"""The governance commands, driven in-process through a tiny app that mounts them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml
from typer.testing import CliRunner

from commonground.commands.governance import agreement_app, audit_app, org_app, user_app
from commonground.governance import AuthenticationFailed, GovernanceError, PermissionDenied
from commonground.store import init_hub

app = typer.Typer()
app.add_typer(org_app, name="org")
app.add_typer(user_app, name="user")
app.add_typer(agreement_app, name="agreement")
app.add_typer(audit_app, name="audit")

AGREEMENT = {
    "slug": "essex-cp", "title": "Essex crime prevention", "parties": ["police", "council"],
    "purposes": ["crime-prevention"], "legal_bases": ["Crime and Disorder Act 1998 s115"],
    "data_items": {"police/crimes": ["month", "lsoa_code"]}, "retention_days": 365,
    "starts_on": "2025-01-01", "expires_on": "2099-12-31",
}


@pytest.fixture
def hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("COMMONGROUND_DATABASE_URL", raising=False)
    monkeypatch.delenv("COMMONGROUND_USER", raising=False)
    init_hub(tmp_path / "hub").close()
    return tmp_path / "hub"


def run(hub: Path, *args: str, env: dict[str, str] | None = None) -> Any:
    result = CliRunner().invoke(app, [*args, "--hub", str(hub), "--json"], env=env)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def ok(hub: Path, *args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    result = run(hub, *args, env=env)
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1  # exactly one JSON object
    loaded: dict[str, Any] = json.loads(lines[0])
    return loaded


def setup_partnership(hub: Path, tmp_path: Path) -> dict[str, str]:
    ok(hub, "org", "add", "police", "--name", "Essex Police", "--kind", "police")
    tokens = {"admin": ok(hub, "user", "add", "admin", "--org", "police", "--role",
                          "admin")["token"]}
    ok(hub, "org", "add", "council", "--name", "Essex CC", "--kind", "council", "--as", "admin")
    for user, org, roles in (("plead", "police", ["governance_lead", "steward"]),
                             ("clead", "council", ["governance_lead"]),
                             ("analyst", "council", ["analyst"])):
        role_args = [arg for role in roles for arg in ("--role", role)]
        made = ok(hub, "user", "add", user, "--org", org, *role_args, "--name", user.title(),
                  "--as", "admin")
        assert made["roles"] == sorted(roles)
        tokens[user] = made["token"]
    (tmp_path / "agreement.yaml").write_text(yaml.safe_dump(AGREEMENT))
    return tokens


def test_bootstrap_people_and_tokens(hub: Path, tmp_path: Path) -> None:
    tokens = setup_partnership(hub, tmp_path)
    assert len(set(tokens.values())) == len(tokens)
    assert all(t.startswith("cg_") for t in tokens.values())
    orgs = ok(hub, "org", "list")["organisations"]
    assert [o["slug"] for o in orgs] == ["council", "police"]
    with pytest.raises(GovernanceError, match="needs an acting admin"):
        run(hub, "org", "add", "fire", "--name", "Fire", "--kind", "fire")
    with pytest.raises(PermissionDenied):
        run(hub, "user", "add", "x", "--org", "police", "--role", "admin", "--as", "analyst")
    with pytest.raises(AuthenticationFailed):
        run(hub, "org", "add", "fire", "--name", "Fire", "--kind", "fire", "--as", "ghost")
    token = ok(hub, "user", "token", "analyst", "--as", "analyst")["token"]
    assert token not in tokens.values()


def test_agreement_lifecycle_from_the_command_line(hub: Path, tmp_path: Path) -> None:
    setup_partnership(hub, tmp_path)
    file = str(tmp_path / "agreement.yaml")
    drafted = ok(hub, "agreement", "add", "--file", file, "--as", "plead")
    assert (drafted["status"], drafted["version"]) == ("draft", 1)
    assert ok(hub, "agreement", "sign", "essex-cp", "--as", "plead")["status"] == "signed"
    with pytest.raises(PermissionDenied):
        run(hub, "agreement", "sign", "essex-cp", "--as", "analyst")
    signed = ok(hub, "agreement", "sign", "essex-cp", env={"COMMONGROUND_USER": "clead"})
    assert signed["status"] == "active" and signed["in_force"] is True
    assert [s["username"] for s in signed["signatures"]] == ["plead", "clead"]
    listed = ok(hub, "agreement", "list", "--as", "analyst")["agreements"]
    assert [(a["slug"], a["status"]) for a in listed] == [("essex-cp", "active")]
    shown = ok(hub, "agreement", "show", "essex-cp", "--as", "analyst")
    assert shown["data_items"] == {"police/crimes": ["lsoa_code", "month"]}
    assert shown["content_hash"] == drafted["content_hash"] and shown["intact"]

    amended = {**AGREEMENT, "retention_days": 90}
    (tmp_path / "v2.yaml").write_text(yaml.safe_dump(amended))
    v2 = ok(hub, "agreement", "amend", "--file", str(tmp_path / "v2.yaml"), "--as", "clead")
    assert (v2["version"], v2["status"]) == (2, "draft")
    versions = ok(hub, "agreement", "list", "--all", "--as", "analyst")["agreements"]
    assert [(a["version"], a["status"]) for a in versions] == [(1, "active"), (2, "draft")]
    assert ok(hub, "agreement", "show", "essex-cp", "--version", "1",
              "--as", "analyst")["retention_days"] == 365

    revoked = ok(hub, "agreement", "revoke", "essex-cp", "--reason", "ended", "--as", "clead")
    assert revoked["status"] == "revoked" and revoked["revoked_reason"] == "ended"
    with pytest.raises(GovernanceError, match="cannot be signed"):
        run(hub, "agreement", "sign", "essex-cp", "--as", "plead")


def test_audit_verify_needs_a_governance_lead_and_fails_on_tampering(hub: Path,
                                                                     tmp_path: Path) -> None:
    setup_partnership(hub, tmp_path)
    with pytest.raises(GovernanceError, match="say who is acting"):
        run(hub, "audit", "verify")
    with pytest.raises(PermissionDenied):
        run(hub, "audit", "verify", "--as", "analyst")
    report = ok(hub, "audit", "verify", "--as", "clead")
    assert report["ok"] is True and report["entries"] > 5

    import sqlite3

    with sqlite3.connect(hub / "commonground.db") as conn:
        conn.execute("UPDATE audit_log SET actor = 'mallory' WHERE seq = 3")
    result = run(hub, "audit", "verify", "--as", "clead")
    assert result.exit_code == 1
    bad = json.loads(result.stdout)
    assert (bad["ok"], bad["first_bad_seq"], bad["problem"]) == (False, 3, "edited")


def test_a_bad_agreement_file_is_one_clear_error(hub: Path, tmp_path: Path) -> None:
    setup_partnership(hub, tmp_path)
    (tmp_path / "bad.yaml").write_text("- just\n- a list\n")
    with pytest.raises(GovernanceError, match="mapping of fields"):
        run(hub, "agreement", "add", "--file", str(tmp_path / "bad.yaml"), "--as", "plead")
    (tmp_path / "broken.yaml").write_text("slug: [unclosed\n")
    with pytest.raises(GovernanceError, match="not valid YAML"):
        run(hub, "agreement", "add", "--file", str(tmp_path / "broken.yaml"), "--as", "plead")


def test_people_readable_output_renders(hub: Path, tmp_path: Path) -> None:
    setup_partnership(hub, tmp_path)
    ok(hub, "agreement", "add", "--file", str(tmp_path / "agreement.yaml"), "--as", "plead")
    for args in (["agreement", "list"], ["agreement", "show", "essex-cp"]):
        result = CliRunner().invoke(app, [*args, "--hub", str(hub), "--as", "analyst"])
        assert result.exit_code == 0, result.output
        assert "essex-cp" in result.stdout and not result.stdout.startswith("{")
