"""What linkage needs around Splink's database API besides the API itself.

Splink brings its own DuckDB and Spark backends; they need a connection object, which only
this room may hold. The link room asks the engine for one (`Engine.splink_api`, made by each
engine) and never imports duckdb or pyspark.
"""

from __future__ import annotations

from typing import Any


def table_name(kind: str, role: str) -> str:
    """A name for a table Splink registers, unique in the process: on Spark the session, and
    its temporary views, outlive each linkage, and a second run with the same name failed."""
    import uuid

    return f"{kind}_{role}_{uuid.uuid4().hex[:8]}"


def close_api(api: Any) -> None:
    """Release what `Engine.splink_api` opened (the DuckDB connection; the Spark session stays)."""
    con = getattr(api, "_con", None)
    if con is not None and type(con).__module__.startswith("duckdb"):
        con.close()
