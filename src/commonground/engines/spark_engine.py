"""The scale-out engine: Apache Spark, local mode by default, on the same lake layout.

pyspark is an optional extra (`commonground[spark]`) and is imported only when this engine
starts, so `import commonground` works without it.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa

from commonground import settings
from commonground.engines.base import Engine
from commonground.engines.dialects import SPARK
from commonground.engines.errors import EngineUnavailable

_SESSION: Any = None


def _session(master: str) -> Any:
    """One SparkSession per process: starting a JVM costs seconds, so it is shared."""
    global _SESSION
    if _SESSION is not None:
        return _SESSION
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise EngineUnavailable(
            "the Spark engine needs the spark extra: pip install 'commonground[spark]'"
        ) from exc
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        raise EngineUnavailable("the Spark engine needs Java 17 or later (no `java` found)")
    # Spark's own error logger prints the offending values (record-level data) to stderr;
    # the engine re-raises a redacted EngineError instead, so that logger is silenced.
    logging.getLogger("SQLQueryContextLogger").setLevel(logging.CRITICAL + 1)
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    builder = (
        SparkSession.builder.master(master)
        .appName("commonground")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        # DuckDB timestamps carry no zone; Spark's default TIMESTAMP does. Align them.
        .config("spark.sql.timestampType", "TIMESTAMP_NTZ")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.ansi.enabled", "true")
        .config("spark.driver.memory", settings.current().spark_memory)
        .config("spark.sql.sources.commitProtocolClass",
                "org.apache.spark.sql.execution.datasources.SQLHadoopMapReduceCommitProtocol")
        .config("spark.hadoop.mapreduce.fileoutputcommitter.marksuccessfuljobs", "false")
        .config("spark.hadoop.parquet.enable.summary-metadata", "false")
    )
    _SESSION = builder.getOrCreate()
    _SESSION.sparkContext.setLogLevel("OFF")
    return _SESSION


# strftime directives as Spark's (Java) datetime patterns. Single letters where Java allows
# them: they parse one or two digits, as DuckDB's strptime does.
_JAVA_PATTERN = {"Y": "yyyy", "y": "yy", "m": "M", "d": "d", "H": "H", "I": "h", "M": "m",
                 "S": "s", "f": "SSSSSS", "b": "MMM", "B": "MMMM", "a": "EEE", "A": "EEEE",
                 "p": "a", "z": "Z", "j": "D", "%": "%"}


_PADDED = {"m": "MM", "d": "dd", "H": "HH", "I": "hh", "M": "mm", "S": "ss"}


def java_time_pattern(strftime_format: str) -> str:
    """'%d/%m/%YT%H' -> "d/M/yyyy'T'H": directives mapped, literal letters quoted.

    Numbers run together ('%Y%m%d') need fixed widths to be split, so a directive with a
    neighbouring directive takes Java's two-letter form.
    """
    tokens: list[tuple[bool, str]] = []  # (is_directive, text)
    i = 0
    while i < len(strftime_format):
        ch = strftime_format[i]
        if ch == "%" and i + 1 < len(strftime_format):
            directive = strftime_format[i + 1]
            if directive not in _JAVA_PATTERN:
                raise ValueError(f"strftime directive %{directive} has no Spark equivalent")
            tokens.append((True, directive))
            i += 2
        else:
            if tokens and not tokens[-1][0]:
                tokens[-1] = (False, tokens[-1][1] + ch)
            else:
                tokens.append((False, ch))
            i += 1
    out: list[str] = []
    for k, (is_directive, text) in enumerate(tokens):
        if not is_directive:
            quoted = text.replace("'", "''")
            out.append(f"'{quoted}'" if any(c.isalpha() or c == "'" for c in text) else text)
            continue
        crowded = (k > 0 and tokens[k - 1][0]) or (k + 1 < len(tokens) and tokens[k + 1][0])
        out.append(_PADDED[text] if crowded and text in _PADDED else _JAVA_PATTERN[text])
    return "".join(out)


def to_spark_sql(sql: str) -> str:
    """DuckDB-dialect SQL to Spark SQL; sqlglot does the work, plus what it leaves alone.

    sqlglot has no Spark form of DuckDB's TRY_STRPTIME; Spark's TRY_TO_TIMESTAMP with the
    format in Java's pattern language means the same (NULL where the text does not parse).
    """
    import sqlglot
    from sqlglot import exp

    def rewrite(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Anonymous) and str(node.this).lower() == "try_strptime":
            value, fmt = node.expressions
            if isinstance(fmt, exp.Literal):
                java = exp.Literal.string(java_time_pattern(fmt.this))
                return exp.Anonymous(this="TRY_TO_TIMESTAMP", expressions=[value, java])
        return node

    statements = sqlglot.parse(sql, read="duckdb")
    return ";\n".join(s.transform(rewrite).sql("spark") for s in statements if s is not None)


class SparkEngine(Engine):
    name = "spark"
    dialect = SPARK

    def __init__(self, master: str | None = None) -> None:
        super().__init__()
        self.spark = _session(master or settings.current().spark_master)
        self._cached: dict[str, Any] = {}

    def translate(self, sql: str) -> str:
        return to_spark_sql(sql)

    def splink_api(self, threads: int | None = None) -> Any:
        from splink import SparkAPI

        # Connected components on Spark needs a checkpoint folder to cut long lineages. It
        # holds pairs (hundreds of MB at a million mentions) and goes when the process ends.
        if not self.spark.sparkContext.getCheckpointDir():
            import atexit
            import tempfile

            folder = tempfile.mkdtemp(prefix="cg-splink-")
            atexit.register(shutil.rmtree, folder, ignore_errors=True)
            self.spark.sparkContext.setCheckpointDir(folder)
        return SparkAPI(spark_session=self.spark,  # type: ignore[no-untyped-call]
                        break_lineage_method="parquet")

    def _register_arrow(self, name: str, table: pa.Table) -> None:
        # Spark has no categorical type: dictionary columns arrive as their values.
        plain = pa.schema([f.with_type(f.type.value_type) if pa.types.is_dictionary(f.type)
                           else f for f in table.schema])
        if plain != table.schema:
            table = table.cast(plain)
        self.spark.createDataFrame(table).createOrReplaceTempView(name)

    def _register_parquet(self, name: str, files: Sequence[str]) -> None:
        self.spark.read.parquet(*files).createOrReplaceTempView(name)

    def _define(self, name: str, sql: str) -> None:
        self.spark.sql(sql).createOrReplaceTempView(name)

    def _materialise(self, name: str, sql: str) -> None:
        frame = self.spark.sql(sql).persist()
        frame.count()  # computed now, as DuckDB's table is; later reads hit the cache
        frame.createOrReplaceTempView(name)
        self._cached[name] = frame

    def _collect(self, name: str) -> pa.Table:
        table: pa.Table = self.spark.table(name).toArrow()
        return table

    def _evaluate(self, name: str) -> None:
        # The "noop" sink computes every column; count() would prune them away.
        self.spark.table(name).write.format("noop").mode("overwrite").save()

    def _write_parquet(self, name: str, folder: Path) -> None:
        out = folder / "spark-out"
        self.spark.table(name).write.option("compression", "zstd").parquet(str(out))
        # Keep the lake layout engine-neutral: part-NNNNN.parquet, no _SUCCESS or .crc files.
        parts = sorted(out.glob("part-*.parquet"))
        for i, part in enumerate(parts):
            part.rename(folder / f"part-{i:05d}.parquet")
        shutil.rmtree(out)

    def _drop(self, name: str) -> None:
        if name in self._cached:
            self._cached.pop(name).unpersist()
        self.spark.catalog.dropTempView(name)
