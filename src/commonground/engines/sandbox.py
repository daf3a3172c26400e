"""A locked-down DuckDB for researchers' SQL: their project's views and nothing else.

Two walls, each enough on its own for the attacks we know of:
1. The statement is parsed (sqlglot) before it runs: exactly one SELECT (WITH allowed), every
   table it names is one of the workspace's views, no table functions, no system catalogues.
2. The connection itself cannot reach anything: the views are Arrow tables registered from
   memory, external access (files, network, ATTACH, COPY, INSTALL, LOAD) is disabled,
   extensions cannot autoload, configuration is locked after memory and thread limits are set,
   and a timer interrupts a query that runs too long.
A refusal says why in one sentence and never echoes data.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

import duckdb
import pyarrow as pa
import sqlglot
from sqlglot import exp

# sqlglot warns (with the statement's text) when it falls back to a generic command.
logging.getLogger("sqlglot").setLevel(logging.ERROR)


class SandboxRefusal(RuntimeError):
    """The query was refused or stopped; `kind` names the rule, for the audit log."""

    exit_code: ClassVar[int] = 1
    http_status: ClassVar[int] = 400

    def __init__(self, kind: str, message: str) -> None:
        self.kind = kind
        super().__init__(message)


@dataclass(frozen=True)
class Limits:
    memory: str = "512MB"
    seconds: float = 20.0
    max_rows: int = 1_000_000
    threads: int = 1


_STATEMENTS = (exp.Select, exp.Union, exp.Intersect, exp.Except)


def check_statement(sql: str, views: set[str]) -> exp.Expression:
    """Parse `sql` and refuse anything but one SELECT over `views`."""
    try:
        statements = [s for s in sqlglot.parse(sql, read="duckdb") if s is not None]
    except sqlglot.errors.ParseError:
        raise SandboxRefusal("syntax", "the query is not valid SQL") from None
    if len(statements) != 1:
        raise SandboxRefusal("statements", "send exactly one SELECT statement")
    tree = statements[0]
    if not isinstance(tree, _STATEMENTS):
        kind = type(tree).__name__.upper()
        raise SandboxRefusal("not_select", f"only SELECT queries may run here, not {kind}")
    for node in tree.walk():
        if isinstance(node, exp.Command | exp.Pragma | exp.Set | exp.Attach | exp.Copy
                      | exp.Create | exp.Drop | exp.Insert | exp.Update | exp.Delete):
            raise SandboxRefusal("not_select", "only SELECT queries may run here")
    ctes = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
    for table in tree.find_all(exp.Table):
        if isinstance(table.this, exp.Func) or table.args.get("db") or table.args.get("catalog"):
            raise SandboxRefusal("table_function", "only the workspace's views may be read, "
                                                   "not files, functions or other schemas")
        name = table.name.lower()
        if name not in views and name not in ctes:
            raise SandboxRefusal("unknown_view", f"'{table.name}' is not one of this "
                                                 f"workspace's views: {', '.join(sorted(views))}")
    for func in tree.find_all(exp.Anonymous):
        name = str(func.this).lower()
        if name.startswith(("duckdb_", "pragma_", "read_", "glob", "getenv", "current_setting",
                            "sqlite_", "parquet_", "iceberg", "delta_")):
            raise SandboxRefusal("function", f"function {name}() is not available here")
    return tree


def run_sandboxed(sql: str, views: Mapping[str, pa.Table], limits: Limits | None = None
                  ) -> pa.Table:
    """Run one researcher query over `views` (Arrow tables) inside the locked connection."""
    limits = limits or Limits()
    names = {n.lower() for n in views}
    check_statement(sql, names)
    con = duckdb.connect(":memory:", config={
        "enable_external_access": False,
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
        "allow_community_extensions": False,
        "memory_limit": limits.memory,
        "threads": limits.threads,
        "max_temp_directory_size": "0B",
        "lock_configuration": True,
    })
    try:
        for name, table in views.items():
            con.register(name, table)
        timer = threading.Timer(limits.seconds, con.interrupt)
        timer.start()
        try:
            reader = con.sql(sql).to_arrow_reader(batch_size=65_536)
            batches, rows = [], 0
            for batch in reader:
                rows += batch.num_rows
                if rows > limits.max_rows:
                    raise SandboxRefusal("too_many_rows", f"the result has more than "
                                         f"{limits.max_rows:,} rows; aggregate or filter it")
                batches.append(batch)
            return pa.Table.from_batches(batches, schema=reader.schema)
        except duckdb.InterruptException:
            raise SandboxRefusal("timeout", f"the query ran longer than {limits.seconds:g} s "
                                            "and was stopped") from None
        except duckdb.OutOfMemoryException:
            raise SandboxRefusal("memory", f"the query needed more than {limits.memory} of "
                                           "memory and was stopped") from None
        except duckdb.PermissionException:
            raise SandboxRefusal("permission", "the query tried to reach outside the "
                                               "workspace") from None
        except duckdb.Error as exc:
            first = str(exc).splitlines()[0]
            # Engine messages can quote values; keep the kind of error, not the text.
            raise SandboxRefusal("error", f"the query failed: {first.split(':')[0]}") from None
        finally:
            timer.cancel()
    finally:
        con.close()
