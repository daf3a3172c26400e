"""The rules of the house that a reviewer could miss: who may import what."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "commonground"


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def test_only_engines_import_duckdb_or_pyspark() -> None:
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if "engines" not in path.relative_to(PACKAGE).parts
        and _imports(path) & {"duckdb", "pyspark"}
    ]
    assert offenders == []


def test_the_checker_itself_sees_an_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import duckdb\nfrom pyspark.sql import SparkSession\n")
    assert _imports(sample) >= {"duckdb", "pyspark"}


# The base layer beneath the rooms: imports nothing of ours, so every room may import it.
BASE_LAYER = ("commonground.settings",)


def test_store_and_engines_import_nothing_of_ours_but_themselves() -> None:
    for room in ("store", "engines"):
        for path in (PACKAGE / room).rglob("*.py"):
            tree = ast.parse(path.read_text())
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    modules = ([f"commonground.{a.name}" for a in node.names]
                               if node.module == "commonground" else [node.module])
                    for module in modules:
                        if module.startswith("commonground.") and module not in BASE_LAYER:
                            assert module.startswith(f"commonground.{room}"), (path, module)


def test_the_base_layer_imports_nothing_of_ours() -> None:
    for module in BASE_LAYER:
        path = PACKAGE.parent / (module.replace(".", "/") + ".py")
        assert not {"commonground"} & _imports(path), path


def test_import_commonground_works_without_pyspark() -> None:
    # Hide pyspark as if the spark extra were not installed, then use the default engine.
    code = (
        "import sys; sys.modules['pyspark'] = None\n"
        "import commonground, commonground.cli, commonground.store, commonground.demo\n"
        "from commonground.engines import get_engine, EngineUnavailable\n"
        "print(get_engine('duckdb').query('SELECT 41 + 1 AS x').column('x')[0].as_py())\n"
        "try:\n    get_engine('spark')\nexcept EngineUnavailable as e:\n    print('spark:', e)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    lines = done.stdout.splitlines()
    assert lines[0] == "42"
    assert lines[1].startswith("spark: the Spark engine needs the spark extra")
