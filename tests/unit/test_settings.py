"""Settings in one place: every COMMONGROUND_* variable is in the table, documented, and read
through `commonground.settings`; commands honour COMMONGROUND_ENGINE."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

import commonground
from commonground import settings

PACKAGE = Path(commonground.__file__).resolve().parent
ROOT = PACKAGE.parents[1]
NAMES = {v.name for v in settings.VARIABLES}


def test_every_variable_named_in_the_code_is_in_the_table() -> None:
    named = set()
    for folder in (PACKAGE, ROOT / "scripts", ROOT / "bench"):
        for path in folder.rglob("*"):
            if path.suffix in {".py", ".sh"}:
                named |= set(re.findall(r"COMMONGROUND_[A-Z_]+", path.read_text()))
    assert named, "the scan found nothing: it is looking in the wrong place"
    assert named - NAMES == set()


def _environment_keys(path: Path) -> list[str]:
    """The keys `path` reads with os.environ[...], os.environ.get/.setdefault or os.getenv;
    a key that is not a string literal is reported as '?'."""
    keys = []
    for node in ast.walk(ast.parse(path.read_text())):
        key = None
        if isinstance(node, ast.Subscript) and ast.unparse(node.value).endswith("environ"):
            key = node.slice
        elif isinstance(node, ast.Call) and node.args and (
                ast.unparse(node.func).endswith(("environ.get", "environ.setdefault",
                                                 "environ.pop", "getenv"))):
            key = node.args[0]
        else:
            continue
        literal = isinstance(key, ast.Constant) and isinstance(key.value, str)
        keys.append(key.value if literal else "?")  # type: ignore[union-attr]
    return keys


def test_only_the_settings_module_reads_our_variables_from_the_environment() -> None:
    offenders = {}
    for path in PACKAGE.rglob("*.py"):
        if path == PACKAGE / "settings.py":
            continue
        ours = [k for k in _environment_keys(path) if k == "?" or k.startswith("COMMONGROUND_")]
        if ours:
            offenders[str(path.relative_to(PACKAGE))] = ours
    assert offenders == {}


def test_the_environment_check_sees_a_read(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import os\nos.environ.get('COMMONGROUND_X')\nos.environ[NAME]\n"
                      "os.getenv('HOME')\n")
    assert _environment_keys(sample) == ["COMMONGROUND_X", "?", "HOME"]


def test_every_setting_is_documented_in_the_readme_as_the_table_says() -> None:
    readme = (ROOT / "README.md").read_text()
    assert settings.markdown_table() in readme
    assert all(v.doc and v.doc.endswith(".") for v in settings.VARIABLES)


def test_defaults_and_an_empty_variable_counts_as_unset() -> None:
    defaults = settings.read({})
    assert (defaults.engine, defaults.spark_master, defaults.spark_memory) == (
        "duckdb", "local[2]", "2g")
    assert defaults.database_url is None and defaults.debug is False
    assert settings.read({"COMMONGROUND_ENGINE": ""}).engine == "duckdb"
    assert settings.read({"COMMONGROUND_ENGINE": "Spark"}).engine == "spark"


def test_a_changed_variable_is_seen_and_the_value_is_otherwise_reused(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMMONGROUND_SPARK_MEMORY", "3g")
    first = settings.current()
    assert first.spark_memory == "3g" and settings.current() is first
    monkeypatch.setenv("COMMONGROUND_SPARK_MEMORY", "4g")
    assert settings.current().spark_memory == "4g"
    assert settings.reload() == settings.current()


def test_get_engine_honours_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    from commonground.engines import EngineUnavailable, get_engine

    monkeypatch.setenv("COMMONGROUND_ENGINE", "oracle")
    with pytest.raises(EngineUnavailable, match="unknown engine 'oracle'"):
        get_engine()
    assert get_engine("duckdb").name == "duckdb"  # an explicit name wins


def test_the_demo_command_honours_the_variable(tmp_path: Path) -> None:
    from commonground.cli import app

    done = CliRunner().invoke(app, ["demo", "--hub", str(tmp_path / "hub"), "--people", "500"],
                              env={"COMMONGROUND_ENGINE": "oracle"})
    assert "unknown engine 'oracle'" in str(done.exception)


def test_the_database_url_and_key_file_come_from_the_settings(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from commonground.contribute.keys import KeyError_, load_key
    from commonground.store.hub import _database_url

    monkeypatch.setenv("COMMONGROUND_DATABASE_URL", "postgresql+psycopg://u@h/db")
    assert _database_url(tmp_path, None) == "postgresql+psycopg://u@h/db"
    monkeypatch.setenv("COMMONGROUND_KEY_FILE", str(tmp_path / "absent.key"))
    with pytest.raises(KeyError_, match="no partnership key file at"):
        load_key()
