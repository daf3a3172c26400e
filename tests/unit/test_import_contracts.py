"""The rooms' import contracts (pyproject's [tool.importlinter]) hold, and do catch a break."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from tests.conftest import unavailable

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = ROOT / "pyproject.toml"


def _lint_imports() -> str:
    beside = Path(sys.executable).parent / "lint-imports"
    found = str(beside) if beside.exists() else shutil.which("lint-imports")
    if found is None:
        unavailable("import-linter is not installed (pip install -e '.[dev]')")
    assert found is not None
    return found


def _contract_names() -> dict[str, str]:
    config = tomllib.loads(PYPROJECT.read_text())["tool"]["importlinter"]
    return {contract["id"]: contract["name"] for contract in config["contracts"]}


def _check(project: Path) -> subprocess.CompletedProcess[str]:
    """lint-imports on the `commonground` under `project/src`, with `project/pyproject.toml`."""
    # PYTHONPATH first on sys.path, so the tree under test wins over any installed copy.
    env = {**os.environ, "PYTHONPATH": str(project / "src")}
    return subprocess.run(
        [_lint_imports(), "--no-cache", "--no-logo"],
        cwd=project, env=env, capture_output=True, text=True, timeout=300,
    )


def _copy_of_the_project(into: Path) -> Path:
    """The package and the contracts copied under `into`; returns the package's folder."""
    package = into / "src" / "commonground"
    shutil.copytree(ROOT / "src" / "commonground", package,
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(PYPROJECT, into / "pyproject.toml")
    return package


def test_the_real_tree_keeps_every_contract() -> None:
    done = _check(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    for name in _contract_names().values():
        assert f"{name} KEPT" in done.stdout


# One deliberate break per contract, each in a different module: contract id -> (file, import).
# Each is a new file written into a copy of the package.
VIOLATIONS = {
    "layers": ("store/owners.py", "from commonground.governance import Actor"),
    "engines-only": ("governance/ledger.py", "import duckdb"),
    "faces-on-top": ("link/console.py", "from commonground.cli import app"),
    "demo-beside-faces": ("demo/replay.py", "from commonground.commands import output"),
    "governance-reads-no-data": ("governance/tally.py", "import commonground.engines"),
    "no-synthetic-county": ("insights/county.py", "from commonground.simulate import CountyConfig"),
}


def _broken_sections(report: str, names: list[str]) -> dict[str, str]:
    """Each broken contract's part of the report, by contract name."""
    body = report.split("Broken contracts", 1)[1]
    starts = sorted((body.index(f"\n{name}\n"), name) for name in names if f"\n{name}\n" in body)
    ends = [start for start, _ in starts[1:]] + [len(body)]
    return {name: body[start:end] for (start, name), end in zip(starts, ends, strict=True)}


def test_every_contract_catches_a_deliberate_violation(tmp_path: Path) -> None:
    assert set(VIOLATIONS) == set(_contract_names()), "give each contract a violation here"
    package = _copy_of_the_project(tmp_path)
    for room_file, statement in VIOLATIONS.values():
        with (package / room_file).open("a") as module:
            module.write(f"\n{statement}\n")

    done = _check(tmp_path)  # one run for all: building the graph is the slow part

    assert done.returncode != 0
    names = _contract_names()
    sections = _broken_sections(done.stdout, list(names.values()))
    for contract_id, (room_file, _) in VIOLATIONS.items():
        name = names[contract_id]
        assert f"{name} BROKEN" in done.stdout, name
        module = "commonground." + room_file.removesuffix(".py").replace("/", ".")
        assert module in sections[name], (name, module)


def test_a_new_top_level_module_must_be_given_a_layer(tmp_path: Path) -> None:
    package = _copy_of_the_project(tmp_path)
    (package / "newroom.py").write_text('"""A room nobody placed."""\n')

    done = _check(tmp_path)

    assert done.returncode != 0
    assert "commonground.newroom" in done.stdout + done.stderr
