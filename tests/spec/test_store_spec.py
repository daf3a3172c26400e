"""The metadata store: the same tests on SQLite (default) and a real PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from commonground.contribute.versions import ensure_dataset, sweep_orphans, write_version
from commonground.engines import Pipeline, get_engine
from commonground.store import (
    Dataset,
    DatasetVersion,
    HubError,
    Organisation,
    connect,
    current_revision,
    head_revision,
    init_hub,
    migrate,
    open_hub,
)
from commonground.store.database import downgrade
from commonground.store.lake import read_manifest


def test_migrations_create_every_table_and_go_back_down(database_url: str) -> None:
    engine = connect(database_url)
    migrate(engine)
    assert current_revision(engine) == head_revision()
    tables = set(sa.inspect(engine).get_table_names())
    assert {"organisations", "datasets", "dataset_versions", "runs"} <= tables
    downgrade(engine, "base")
    assert not {"organisations", "datasets"} & set(sa.inspect(engine).get_table_names())
    engine.dispose()


def test_models_round_trip_and_constraints_hold(database_url: str) -> None:
    engine = connect(database_url)
    migrate(engine)
    sessions = sa.orm.sessionmaker(engine)
    with sessions.begin() as s:
        org = Organisation(slug="essex-police", name="Essex Police", kind="police")
        s.add(org)
        s.flush()
        s.add(Dataset(organisation_id=org.id, name="crimes", description="recorded crime"))
    with sessions() as s:
        ds = s.scalars(sa.select(Dataset)).one()
        assert ds.organisation.slug == "essex-police"
        assert ds.created_at is not None
    with pytest.raises(IntegrityError), sessions.begin() as s:
        s.add(Dataset(organisation_id=ds.organisation_id, name="crimes", description=""))
    with pytest.raises(IntegrityError), sessions.begin() as s:
        s.add(Dataset(organisation_id=9999, name="orphan", description=""))  # no such org
    engine.dispose()


def _hub_with_dataset(tmp_path: Path, database_url: str):  # type: ignore[no-untyped-def]
    hub = init_hub(tmp_path / "hub", database_url)
    with hub.sessions().begin() as s:
        s.add(Organisation(slug="police", name="Essex Police", kind="police"))
    ensure_dataset(hub, "police", "crimes")
    return hub


def test_versions_are_numbered_immutable_and_recorded(tmp_path: Path, database_url: str) -> None:
    hub = _hub_with_dataset(tmp_path, database_url)
    table = pa.table({"lsoa": ["E01", "E02"], "n": [3, 4]})
    with get_engine("duckdb") as engine:
        pipeline = Pipeline.of(("out", "SELECT * FROM t ORDER BY lsoa"))
        v1 = write_version(hub, engine, "police", "crimes", pipeline, {"t": table})
        v2 = write_version(hub, engine, "police", "crimes", pipeline, {"t": table})
    assert (v1.number, v2.number) == (1, 2)
    assert v1.content_hash == v2.content_hash  # same data, same hash
    manifest = read_manifest(v1.path)
    assert manifest["rows"] == 2 and manifest["schema"] == {"lsoa": "string", "n": "int64"}
    with hub.sessions()() as s:
        rows = s.scalars(sa.select(DatasetVersion).order_by(DatasetVersion.number)).all()
        assert [(r.number, r.rows, r.path) for r in rows] == [
            (1, 2, "lake/police/crimes/v1"), (2, 2, "lake/police/crimes/v2")]
    hub.close()


def test_a_crash_mid_write_leaves_no_version(tmp_path: Path, database_url: str) -> None:
    hub = _hub_with_dataset(tmp_path, database_url)
    bad = Pipeline.of(("out", "SELECT CAST(lsoa AS INTEGER) AS x FROM t"))
    with get_engine("duckdb") as engine, pytest.raises(Exception):  # noqa: B017
        write_version(hub, engine, "police", "crimes", bad, {"t": pa.table({"lsoa": ["E01"]})})
    assert list((hub.lake / "police" / "crimes").iterdir()) == []
    with hub.sessions()() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(DatasetVersion)) == 0
    hub.close()


def test_orphan_folders_are_swept(tmp_path: Path, database_url: str) -> None:
    hub = _hub_with_dataset(tmp_path, database_url)
    orphan = hub.lake / "police" / "crimes" / "v7"
    orphan.mkdir(parents=True)
    assert sweep_orphans(hub) == [orphan]
    assert not orphan.exists()
    hub.close()


def test_open_hub_refuses_what_is_not_a_hub(tmp_path: Path) -> None:
    with pytest.raises(HubError, match="is not a hub"):
        open_hub(tmp_path)
    (tmp_path / "stuff.txt").write_text("x")
    with pytest.raises(HubError, match="not empty"):
        init_hub(tmp_path)


def test_init_is_idempotent(tmp_path: Path, database_url: str) -> None:
    first = init_hub(tmp_path / "hub", database_url)
    first.close()
    again = init_hub(tmp_path / "hub", database_url)
    assert again.describe()["schema_revision"] == head_revision()
    assert open_hub(tmp_path / "hub", database_url).describe()["database"]
    again.close()
