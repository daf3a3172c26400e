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


def _our_imports(path: Path) -> set[str]:
    """Full names of the commonground modules a file imports (`from commonground import x`
    counts as `commonground.x`)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            if node.module == "commonground":
                found.update(f"commonground.{alias.name}" for alias in node.names)
    return {name for name in found if name.split(".")[0] == "commonground"}


def _is_demo(module: str) -> bool:
    return module == "commonground.demo" or module.startswith("commonground.demo.")


def test_no_domain_room_imports_the_demo() -> None:
    # The demo is a caller of the rooms, like the CLI and the web app, never a dependency.
    callers = {"demo", "commands", "server", "cli.py"}
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if path.relative_to(PACKAGE).parts[0] not in callers
        and any(_is_demo(name) for name in _our_imports(path))
    ]
    assert offenders == []


def test_the_demo_checker_sees_every_spelling(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("from commonground import demo\nimport commonground.demo.run\n"
                      "from commonground.demo.context import DemoContext\n")
    assert {n for n in _our_imports(sample) if _is_demo(n)} == {
        "commonground.demo", "commonground.demo.run", "commonground.demo.context"}


def test_demo_stages_import_the_context_never_the_runner() -> None:
    # The package's __init__ imports the runner, and the runner every stage: a stage that
    # imported either would close a cycle. Stages share what they need through context.py.
    demo = PACKAGE / "demo"
    graph = {f"commonground.demo.{p.stem}" if p.stem != "__init__" else "commonground.demo":
             {n for n in _our_imports(p) if _is_demo(n)} for p in demo.glob("*.py")}
    runner = {"commonground.demo", "commonground.demo.run"}
    for module, imported in graph.items():
        if module not in runner:
            assert imported <= {"commonground.demo.context"}, (module, imported)
    assert graph["commonground.demo.context"] == set()
    assert "commonground.demo.run" in graph["commonground.demo"]


def test_simulate_imports_nothing_of_ours_but_itself() -> None:
    # The synthetic county is a leaf: rooms and the demo may read it, it reads none of them.
    for path in (PACKAGE / "simulate").rglob("*.py"):
        others = {n for n in _our_imports(path) if not n.startswith("commonground.simulate")}
        assert others == set(), (path, others)


ENGINE_NAMES = {"duckdb", "spark"}


def _strings(node: ast.expr) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value.lower()]
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return [s for element in node.elts for s in _strings(element)]
    return []


def _engine_name_tests(path: Path) -> list[int]:
    """Lines that compare something with an engine's name (`==`, `!=`, `in`, `case`)."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            if ENGINE_NAMES & {s for operand in operands for s in _strings(operand)}:
                lines.append(node.lineno)
        elif isinstance(node, ast.MatchValue) and ENGINE_NAMES & set(_strings(node.value)):
            lines.append(node.lineno)
    return lines


def test_only_engines_test_which_engine_runs() -> None:
    # What differs between engines is a method of the engine or of its `dialect`; code that
    # asks "is this Spark?" would miss the next engine.
    offenders = [
        f"{path.relative_to(PACKAGE)}:{line}"
        for path in PACKAGE.rglob("*.py")
        if "engines" not in path.relative_to(PACKAGE).parts
        for line in _engine_name_tests(path)
    ]
    assert offenders == []


def test_the_checker_itself_sees_an_engine_name_test(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("if engine.name == 'duckdb':\n    pass\n"
                      "x = 'Spark' != dialect\n"
                      "y = name in ('duckdb', 'spark')\n"
                      "match name:\n    case 'spark':\n        pass\n"
                      "z = engine.name == 'postgres'\n")
    assert _engine_name_tests(sample) == [1, 3, 4, 6]


QUOTING = PACKAGE / "engines" / "sql.py"


QUOTE_DOUBLING = {('"', '""'), ("'", "''")}


def _quoting(path: Path) -> list[str]:
    """Functions named like a quoting helper, and calls that double a quote (its body)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.FunctionDef) and node.name.lstrip("_") in {
                "ident", "literal", "quote", "quote_ident", "quote_literal"}:
            found.append(f"def {node.name}")
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr == "replace" and len(node.args) == 2
              and all(isinstance(a, ast.Constant) for a in node.args)
              and tuple(a.value for a in node.args) in QUOTE_DOUBLING):  # type: ignore[attr-defined]
            found.append(f"line {node.lineno} doubles a quote")
    return found


def test_sql_quoting_is_defined_once() -> None:
    # One `ident` and one `literal` (engines/sql.py): four copies had grown, and a fix to one
    # (a name with a quote in it) would not have reached the others.
    found = {
        str(path.relative_to(PACKAGE)): quoting
        for path in PACKAGE.rglob("*.py")
        if (quoting := _quoting(path))
    }
    # Spark's Java datetime patterns quote literal letters the same way; that is not SQL.
    found.pop("engines/spark_engine.py", None)
    assert [s for s in found.pop(str(QUOTING.relative_to(PACKAGE))) if s.startswith("def")] == [
        "def ident", "def literal"]
    assert found == {}
