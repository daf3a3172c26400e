"""The command line end to end, as a user runs it: real processes, real folders."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from commonground import __version__
from commonground.store import head_revision


def cg(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None,
       ) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "commonground.cli", *args],
        capture_output=True, text=True, env={**os.environ, **(env or {})}, cwd=cwd,
        timeout=600,
    )


def test_version() -> None:
    done = cg("--version")
    assert done.returncode == 0
    assert done.stdout.strip() == f"commonground {__version__}"


def test_init_prints_one_json_object(tmp_path: Path) -> None:
    done = cg("init", str(tmp_path / "hub"), "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["schema_revision"] == head_revision()
    assert result["database"].startswith("sqlite:///")
    assert (tmp_path / "hub" / "commonground.db").exists()


def test_init_on_postgresql_via_environment(tmp_path: Path, postgres_url: str) -> None:
    done = cg("init", str(tmp_path / "hub"), "--json",
              env={"COMMONGROUND_DATABASE_URL": postgres_url})
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["database"].startswith("postgresql+psycopg://")
    assert not (tmp_path / "hub" / "commonground.db").exists()


def test_errors_are_one_sentence_not_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a hub")
    done = cg("init", str(tmp_path), "--json")
    assert done.returncode == 1
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().startswith("Error:")
    assert "not empty and is not a hub" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_bad_engine_name_is_a_clear_error(tmp_path: Path) -> None:
    done = cg("demo", "--hub", str(tmp_path / "hub"), "--engine", "oracle", "--people", "500")
    assert done.returncode == 1
    assert "unknown engine 'oracle'" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("command", ["init", "simulate", "demo"])
def test_every_command_has_help(command: str) -> None:
    done = cg(command, "--help")
    assert done.returncode == 0
    assert "--json" in done.stdout


def _digest(folder: Path) -> dict[str, str]:
    import hashlib

    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_simulate_is_deterministic_at_the_default_scale(tmp_path: Path) -> None:
    """The issue's promise: 50,000 people, seed 1, twice: the same bytes."""
    runs = []
    for name in ("a", "b"):
        done = cg("simulate", str(tmp_path / name), "--people", "50000", "--seed", "1", "--json")
        assert done.returncode == 0, done.stderr
        runs.append(json.loads(done.stdout))
    assert runs[0]["people"] == 50_000 and runs[0]["records"]["police/crimes"] > 1000
    first, second = _digest(tmp_path / "a"), _digest(tmp_path / "b")
    assert len(first) >= 19 and first == second
    other = cg("simulate", str(tmp_path / "c"), "--people", "50000", "--seed", "2", "--json")
    assert other.returncode == 0
    assert _digest(tmp_path / "c") != first


def test_simulate_refuses_a_folder_with_something_in_it(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("x")
    done = cg("simulate", str(tmp_path), "--people", "500")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith("Error: output folder is not empty")
