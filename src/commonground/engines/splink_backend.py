"""Splink's database API for an engine: the one place linkage touches duckdb or pyspark.

Splink brings its own DuckDB and Spark backends; they need a connection object, which only
this room may hold. The link room asks for `splink_api(engine)` and never imports either.
"""

from __future__ import annotations

from typing import Any

from commonground.engines.base import Engine
from commonground.engines.errors import EngineUnavailable


def splink_api(engine: Engine, threads: int | None = None) -> Any:
    """A Splink DatabaseAPI on the same backend as `engine` (DuckDBAPI or SparkAPI)."""
    if engine.name == "duckdb":
        import duckdb
        from splink import DuckDBAPI

        # A connection of its own: Splink creates and drops many tables, and the engine's
        # connection holds a caller's views that must not be disturbed.
        con = duckdb.connect(":memory:")
        # Pairs need no order until they are clustered (which sorts them): letting DuckDB
        # drop insertion order lets it stream large joins instead of buffering them.
        con.execute("SET preserve_insertion_order = false")
        if threads:
            con.execute(f"SET threads = {int(threads)}")
        return DuckDBAPI(connection=con)
    if engine.name == "spark":
        from splink import SparkAPI

        spark = getattr(engine, "spark", None)
        if spark is None:
            raise EngineUnavailable("the Spark engine has no session")
        # Connected components on Spark needs a checkpoint folder to cut long lineages. It
        # holds pairs (hundreds of MB at a million mentions) and goes when the process ends.
        if not spark.sparkContext.getCheckpointDir():
            import atexit
            import shutil
            import tempfile

            folder = tempfile.mkdtemp(prefix="cg-splink-")
            atexit.register(shutil.rmtree, folder, ignore_errors=True)
            spark.sparkContext.setCheckpointDir(folder)
        return SparkAPI(spark_session=spark,  # type: ignore[no-untyped-call]
                        break_lineage_method="parquet")
    raise EngineUnavailable(f"no Splink backend for engine '{engine.name}'")


def table_name(kind: str, role: str) -> str:
    """A name for a table Splink registers, unique in the process: on Spark the session, and
    its temporary views, outlive each linkage, and a second run with the same name failed."""
    import uuid

    return f"{kind}_{role}_{uuid.uuid4().hex[:8]}"


def close_api(api: Any) -> None:
    """Release what `splink_api` opened (the DuckDB connection; the Spark session stays)."""
    con = getattr(api, "_con", None)
    if con is not None and type(con).__module__.startswith("duckdb"):
        con.close()
