"""Shared fixtures: every database and every engine, and no silent skips in CI.

In CI (`CI=true`) a missing PostgreSQL, Java or pyspark fails the run instead of skipping:
a green CI must mean every engine and every database was exercised.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
PG_URL = os.environ.get(
    "COMMONGROUND_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def unavailable(reason: str) -> None:
    """Skip on a developer's machine; fail in CI, where everything must run."""
    if IN_CI:
        pytest.fail(f"required in CI but unavailable: {reason}")
    pytest.skip(reason)


def shared_data(*parts: str) -> Path:
    """A path in ../shared/data, or skip (fail in CI) with the reason when it is absent."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        unavailable(f"real data not found at {path} (the project's ../shared folder is absent)")
    return path


@pytest.fixture(scope="session")
def postgres_server() -> str:
    import sqlalchemy as sa

    try:
        engine = sa.create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # noqa: BLE001
        unavailable(f"no PostgreSQL at {PG_URL}: {type(exc).__name__}")
    return PG_URL


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A brand-new PostgreSQL database for one test, dropped afterwards."""
    import sqlalchemy as sa

    name = f"cg_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(postgres_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    base = postgres_server.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The same test on the SQLite default and on a real PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'commonground.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


def _engine(name: str):  # type: ignore[no-untyped-def]
    from commonground.engines import EngineUnavailable, get_engine

    try:
        return get_engine(name)
    except EngineUnavailable as exc:
        unavailable(str(exc))


@pytest.fixture(params=["duckdb", pytest.param("spark", marks=pytest.mark.spark)])
def engine(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """Every engine in turn: a spec test written once runs on all of them."""
    eng = _engine(request.param)
    yield eng
    if request.param == "duckdb":
        eng.close()


@pytest.fixture(scope="session")
def spark_engine():  # type: ignore[no-untyped-def]
    return _engine("spark")


@pytest.fixture(scope="session")
def demo_hub_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small demo hub with every stage run, shared by the tests that only read it."""
    from commonground.demo import run_demo

    base = tmp_path_factory.mktemp("demo-hub")
    prebuilt = os.environ.get("COMMONGROUND_TEST_DEMO_HUB")
    if prebuilt:  # a developer's shortcut: a copy of `demo --people 2500 --seed 3`'s hub
        shutil.copytree(prebuilt, base / "hub")
        return base / "hub"
    run_demo(base / "hub", people=2500, seed=3)
    return base / "hub"


@pytest.fixture(scope="session")
def county_hub_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 20,000-person demo hub (every stage): enough sites and referrals for the risk list,
    the uplift report and the network to have something to find. Beside it: hub-partners/."""
    from commonground.demo import run_demo

    base = tmp_path_factory.mktemp("county-hub")
    run_demo(base / "hub", people=20_000, seed=3)
    return base / "hub"


@pytest.fixture
def demo_hub(demo_hub_path: Path):  # type: ignore[no-untyped-def]
    from commonground.store import open_hub

    hub = open_hub(demo_hub_path)
    yield hub
    hub.close()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In CI a skipped test is a failure: nothing may quietly not run."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if IN_CI and skipped and exitstatus == 0:
        session.exitstatus = 1
        if reporter:
            reporter.write_line(f"CI: {skipped} test(s) skipped; every test must run in CI.",
                                red=True)
