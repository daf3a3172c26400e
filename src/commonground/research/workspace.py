"""Workspaces: governed views of a project's data, and the SQL researchers run on them.

Safe data and safe settings: a view holds only the approved columns and rows of the newest
version of each dataset; identifier tokens are re-keyed per project (HMAC under a key derived
for that project), so one project's tokens cannot be joined to another's or to the lake. Queries
run in the sandbox (`engines/sandbox.py`); each one, allowed or refused, is audited.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import sqlglot
from sqlalchemy import select
from sqlglot import exp

from commonground.engines import Engine, ParquetSource, Pipeline, get_engine, ident
from commonground.engines.sandbox import Limits, SandboxRefusal, run_sandboxed
from commonground.errors import CommonGroundError, Conflict, Unavailable
from commonground.governance import Actor, Resource, record, require
from commonground.research.projects import NotOnProject, ProjectView, active_project_for
from commonground.store import Dataset, DatasetVersion, Organisation
from commonground.store.hub import Hub

RESEARCH_KEY = "research.key"


class QueryRefused(CommonGroundError):
    """A researcher's query was refused by the sandbox (and the refusal audited)."""

    def __init__(self, kind: str, message: str) -> None:
        self.kind = kind
        super().__init__(message)


def view_name(ref: str) -> str:
    return ref.replace("/", "_").replace("-", "_")


def _project_key(hub: Hub, slug: str) -> bytes:
    """A key for this project only, derived from a hub secret kept outside the lake."""
    path = hub.root / "keys" / RESEARCH_KEY
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32) + "\n")
    secret = bytes.fromhex(path.read_text().strip())
    return hmac.new(secret, f"project:{slug}".encode(), hashlib.sha256).digest()


def _rekey(values: pa.Array, key: bytes) -> pa.Array:
    import pyarrow.compute as pc

    encoded = pc.dictionary_encode(values)
    base = hmac.new(key, digestmod=hashlib.sha256)

    def one(token: str | None) -> str | None:
        if token is None:
            return None
        h = base.copy()
        h.update(token.encode())
        return h.hexdigest()

    mapped = pa.array([one(v) for v in encoded.dictionary.to_pylist()], pa.string())
    return mapped.take(encoded.indices)


def check_filter(where: str, columns: set[str]) -> str:
    """A row filter may only compare the approved columns: no subqueries, no functions."""
    try:
        tree = sqlglot.parse_one(where, read="duckdb")
    except sqlglot.errors.ParseError:
        raise CommonGroundError(f"the row filter is not valid SQL: {where[:80]}") from None
    for node in tree.walk():
        if isinstance(node, exp.Select | exp.Subquery | exp.Table | exp.Anonymous):
            raise CommonGroundError("a row filter may only compare columns with values")
    unknown = sorted({c.name for c in tree.find_all(exp.Column)} - columns)
    if unknown:
        raise CommonGroundError(f"the row filter uses column(s) not approved: "
                                f"{', '.join(unknown)}")
    return tree.sql("duckdb")


def _with_entities(hub: Hub, table: pa.Table, ref: str, record_id: str, key: bytes
                   ) -> pa.Table:
    """Add the linked person and address entity ids of each record, re-keyed for the project.

    A record can name several people (a crime's victim and suspect) and addresses: one
    column per subject, e.g. `victim_person_entity`, `VICTIM_ADDRESS_address_entity`.
    """
    from commonground.link.index import read_index

    for kind in ("person", "address"):
        index = read_index(hub.root, kind)
        if index is None:
            continue
        import pyarrow.compute as pc

        mine = index.filter(pc.equal(index["source_dataset"], ref))
        for subject in sorted(set(mine["subject"].to_pylist())):
            part = mine.filter(pc.equal(mine["subject"], subject))
            name = (f"{kind}_entity" if not subject or subject.lower() == kind
                    else f"{subject}_{kind}_entity")
            ids = pa.table({record_id: pc.cast(part["record_id"], table.schema.field(
                record_id).type), name: _rekey(part["entity_id"].combine_chunks(), key)})
            table = table.join(ids, record_id, join_type="left outer")
    return table.sort_by("_row") if "_row" in table.column_names else table


def materialise(hub: Hub, project: ProjectView, engine: Engine | None = None) -> Path:
    """Write the project's views once: hub/workspaces/<project>/<view>.parquet."""
    folder = hub.root / "workspaces" / project.slug
    manifest = folder / "_workspace.json"
    if manifest.exists():
        return folder
    engine = engine or get_engine()
    key = _project_key(hub, project.slug)
    staging = folder.with_name(f".{project.slug}.staging")
    staging.mkdir(parents=True, exist_ok=True)
    built: dict[str, Any] = {}
    with hub.sessions()() as session:
        for ref, ask in project.datasets.items():
            org, name = ref.split("/", 1)
            dataset = session.scalar(select(Dataset).join(Organisation).where(
                Organisation.slug == org, Dataset.name == name))
            version = session.scalar(select(DatasetVersion).where(
                DatasetVersion.dataset_id == dataset.id, DatasetVersion.state == "live")
                .order_by(DatasetVersion.number.desc())) if dataset else None
            if dataset is None or version is None:
                raise Conflict(f"dataset '{ref}' has no data yet")
            contract = {c["name"]: c for c in (dataset.contract or {}).get("columns", [])}
            source = hub.root / version.path
            present = set(pq.read_schema(next(source.glob("part-*.parquet"))).names)
            picked: list[str] = ["_row"] if "_row" in present else []
            rekeyed: list[str] = []
            for column in ask["columns"]:
                if contract.get(column, {}).get("role") == "identifier":
                    token = f"{column}__token"
                    if token in present:
                        picked.append(token)
                        rekeyed.append(token)
                elif column in present:
                    picked.append(column)
            record_id = (dataset.contract or {}).get("record_id")
            join_key = record_id if record_id in present and record_id not in picked else None
            where = ask.get("where")
            condition = f" WHERE {check_filter(where, set(ask['columns']))}" if where else ""
            selected = [*picked, *([join_key] if join_key else [])]
            sql = f"SELECT {', '.join(ident(c) for c in selected)} FROM src{condition}"
            table = engine.run(Pipeline.of(("governed", sql)),
                               {"src": ParquetSource.of(source)})
            for column in rekeyed:
                index = table.column_names.index(column)
                table = table.set_column(index, column,
                                         _rekey(table.column(column).combine_chunks(), key))
            if isinstance(record_id, str) and record_id in table.column_names:
                table = _with_entities(hub, table, ref, record_id, key)
            if join_key:
                table = table.drop_columns([join_key])
            pq.write_table(table, staging / f"{view_name(ref)}.parquet", compression="zstd")
            built[view_name(ref)] = {"dataset": ref, "version": version.number,
                                     "rows": table.num_rows, "columns": table.column_names}
    (staging / "_workspace.json").write_text(json.dumps(built, indent=2) + "\n")
    os.rename(staging, folder)
    return folder


@dataclass
class Workspace:
    """A researcher's handle on a project: SQL in, Arrow out (pandas and polars from Arrow)."""

    hub: Hub
    actor: Actor
    project: str
    limits: Limits = Limits()
    today: date | None = None

    def _open(self) -> tuple[ProjectView, Path]:
        resource = Resource("project", name=self.project)
        require(self.hub, self.actor, "workspace.query", resource)
        try:
            view = active_project_for(self.hub, self.actor, self.project, today=self.today)
        except NotOnProject:
            raise  # already in the audit log
        except CommonGroundError as exc:
            record(self.hub, self.actor, "workspace.query", resource, "refused", None,
                   {"reason": str(exc)[:200]})
            raise
        return view, materialise(self.hub, view)

    def views(self) -> dict[str, Any]:
        _, folder = self._open()
        described: dict[str, Any] = json.loads((folder / "_workspace.json").read_text())
        return described

    def sql(self, query: str) -> pa.Table:
        _, folder = self._open()
        tables = {p.stem: pq.read_table(p) for p in sorted(folder.glob("*.parquet"))}
        resource = Resource("project", name=self.project)
        digest = hashlib.sha256(query.encode()).hexdigest()[:16]
        try:
            result = run_sandboxed(query, tables, self.limits)
        except SandboxRefusal as refusal:
            record(self.hub, self.actor, "workspace.query", resource, "refused", None,
                   {"refusal": refusal.kind, "query_sha256": digest})
            raise QueryRefused(refusal.kind, f"query refused: {refusal}") from None
        record(self.hub, self.actor, "workspace.query", resource, "allowed", None,
               {"rows": result.num_rows, "query_sha256": digest})
        return result

    def to_pandas(self, query: str) -> Any:
        return self.sql(query).to_pandas()

    def to_polars(self, query: str) -> Any:
        """The result as a polars DataFrame (needs `pip install polars` in the notebook)."""
        try:
            import polars
        except ImportError:
            raise Unavailable("polars is not installed here; use .sql() for Arrow or "
                              ".to_pandas()") from None
        return polars.from_arrow(self.sql(query))


def workspace_views(hub: Hub, actor: Actor, project: str) -> dict[str, Any]:
    """The project's views: dataset, version, rows and columns (its researchers only)."""
    return Workspace(hub, actor, project).views()


def query_workspace(hub: Hub, actor: Actor, project: str, sql: str) -> pa.Table:
    """Run one SELECT in the project's sandbox, over its views only; audited."""
    return Workspace(hub, actor, project).sql(sql)
