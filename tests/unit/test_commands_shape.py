"""The command line is a thin face over the rooms' public API (issue #13, the front door).

A command parses its options, makes one call into a room and prints, so every function in
`commands/` is short, and it reaches a room only through the room's package (its `__all__`),
never an internal module: what the CLI can do, a notebook and the web can do the same way.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
COMMANDS = SRC / "commonground" / "commands"
MAX_LINES = 25
# The modules a command may import from: each room's package, never one of its modules.
PUBLIC = frozenset({
    "commonground.governance", "commonground.address", "commonground.contribute",
    "commonground.link", "commonground.research", "commonground.insights",
    "commonground.insights.evaluation", "commonground.insights.hotspots",
    "commonground.insights.networks",
    "commonground.insights.risk", "commonground.insights.prevalence", "commonground.engines",
    "commonground.store", "commonground.errors", "commonground.settings",
    "commonground.simulate", "commonground.demo",
})


def _modules() -> list[Path]:
    return sorted(COMMANDS.glob("*.py"))


def _too_long(tree: ast.AST) -> list[str]:
    return [f"{node.name} ({node.end_lineno - node.lineno + 1} lines)"
            for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            and node.end_lineno is not None and node.end_lineno - node.lineno + 1 > MAX_LINES]


def _is_module(dotted: str) -> bool:
    place = SRC.joinpath(*dotted.split("."))
    return place.with_suffix(".py").is_file() or (place / "__init__.py").is_file()


def _exports(package: str) -> set[str]:
    """The names in a package's `__all__` (its public API)."""
    init = SRC.joinpath(*package.split(".")) / "__init__.py"
    if not init.is_file():
        return set()
    for node in ast.parse(init.read_text()).body:
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            return set(ast.literal_eval(node.value))
    return set()


def _imported(tree: ast.AST) -> set[str]:
    """Every commonground module imported from. `from a import b` counts as `a.b` when b is
    a module that `a` does not export (`from commonground.research import airlock`)."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                whole = f"{node.module}.{alias.name}"
                exported = alias.name in _exports(node.module)
                found.add(whole if _is_module(whole) and not exported else node.module)
    return {name for name in found if name.split(".")[0] == "commonground"}


def _internal(names: set[str]) -> list[str]:
    return sorted(n for n in names
                  if n not in PUBLIC and not n.startswith("commonground.commands."))


def test_there_are_commands_to_check() -> None:
    assert {p.stem for p in _modules()} >= {"contribute", "governance", "link", "research"}


@pytest.mark.parametrize("path", _modules(), ids=lambda p: p.name)
def test_no_command_function_is_longer_than_25_lines(path: Path) -> None:
    assert _too_long(ast.parse(path.read_text())) == []


@pytest.mark.parametrize("path", _modules(), ids=lambda p: p.name)
def test_commands_reach_rooms_only_through_their_packages(path: Path) -> None:
    assert _internal(_imported(ast.parse(path.read_text()))) == []


def test_the_checks_see_a_long_function_and_an_internal_import() -> None:
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_LINES))
    sample = ast.parse(f"def long() -> None:\n{body}\n\ndef short() -> None:\n    pass\n")
    assert _too_long(sample) == [f"long ({MAX_LINES + 1} lines)"]
    sample = ast.parse(
        "from commonground.contribute.submit import submit\n"
        "from commonground.contribute import catalogue\n"
        "from commonground.research import get_output\n"
        "from commonground.research import airlock\n"
        "from commonground.insights import evaluation\n"
        "from commonground.insights.hotspots import grid\n"
        "import commonground.link.review\n"
        "from commonground.commands.output import emit\n")
    assert _internal(_imported(sample)) == [
        "commonground.contribute.submit", "commonground.insights.hotspots.grid",
        "commonground.link.review", "commonground.research.airlock"]


@pytest.mark.parametrize("args", [["run", "--as", "someone"],
                                  ["files", "a.csv", "--id-column", "id", "--out", "o.csv"]])
def test_link_commands_honour_the_engine_variable(args: list[str], tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    # Without --engine the choice is get_engine's: $COMMONGROUND_ENGINE, else DuckDB.
    from typer.testing import CliRunner

    from commonground.commands.link import link_app
    from commonground.engines import EngineUnavailable
    from commonground.store import init_hub

    init_hub(tmp_path / "hub").close()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COMMONGROUND_ENGINE", "nonesuch")
    monkeypatch.setattr("commonground.commands.link.acting", lambda hub, name: None)
    done = CliRunner().invoke(link_app, [*args, "--hub", "hub"] if args[0] == "run" else args)
    assert isinstance(done.exception, EngineUnavailable)
    assert "unknown engine 'nonesuch'" in str(done.exception)
