"""The airlock: output requests, automatic disclosure checks, two human reviews, release.

States: pending -> submitted -> partially_reviewed -> (approved | returned | rejected)
-> released; `withdrawn` by the author at any time before release; a returned request can be
changed by being withdrawn and requested again. Only released outputs can be downloaded, each
with a machine-readable release record. Everything stays in the hub until released:
`hub/airlock/<project>/<id>/` holds the checked output and, for differencing, the record sets
behind each cell; `hub/releases/<project>/<id>/` holds what may leave.
"""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import select

from commonground import __version__
from commonground.engines import ident
from commonground.errors import CommonGroundError, Conflict, NotFound
from commonground.governance import Actor, PermissionDenied, Resource, record, require
from commonground.research.disclosure import (
    Cell,
    CheckedTable,
    Thresholds,
    check_model,
    check_table,
    differencing_risks,
)
from commonground.research.models import OutputRequest, OutputReview, Project
from commonground.research.projects import active_project_for
from commonground.research.workspace import Workspace, check_filter
from commonground.store.hub import Hub

AGGREGATES = ("count", "sum", "mean")
VISIBILITIES = ("private", "public")
PUBLISHED_ROWS_SHOWN = 200
OUTPUT_FILES = ("output.csv", "figure.png")
REVIEWS_NEEDED = 2
DEFAULT_THRESHOLDS = Thresholds()


class AirlockError(CommonGroundError):
    """An output request cannot move the way asked."""


class OutputNotFound(AirlockError, NotFound):
    """No output request with that id."""


class AirlockRefused(AirlockError, PermissionDenied):
    """The step is someone else's to take (the author's, or a reviewer other than the author)."""


class AirlockConflict(AirlockError, Conflict):
    """The output request is not in the state this step needs."""


@dataclass(frozen=True)
class OutputView:
    """An output request as one person may see it (see `_reviews_for` for the blinding)."""

    id: int
    project: str
    author: str
    kind: str
    title: str
    state: str
    checks: dict[str, Any]
    reviews: list[dict[str, Any]]
    justification: str = ""
    spec: dict[str, Any] = field(default_factory=dict)
    release_record: dict[str, Any] | None = None
    published: list[list[str]] | None = None  # the checked output's cells, get_output only

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "project": self.project, "author": self.author,
                "kind": self.kind, "title": self.title, "state": self.state,
                "checks": self.checks, "reviews": self.reviews,
                "justification": self.justification, "spec": self.spec,
                "release_record": self.release_record, "published": self.published}


def _microdata(hub: Hub, actor: Actor, project: str, spec: dict[str, Any],
               needed: list[str]) -> pd.DataFrame:
    workspace = Workspace(hub, actor, project)
    views = workspace.views()
    view = spec.get("view")
    if view not in views:
        raise AirlockError(f"'{view}' is not one of this project's views: "
                           f"{', '.join(sorted(views))}")
    available = set(views[view]["columns"])
    missing = sorted(set(needed) - available)
    if missing:
        raise AirlockError(f"view '{view}' has no column(s) {', '.join(missing)}")
    where = spec.get("where")
    condition = f" WHERE {check_filter(where, available)}" if where else ""
    columns = ", ".join(ident(c) for c in ["_row", *needed])
    frame: pd.DataFrame = workspace.sql(f"SELECT {columns} FROM {view}{condition}").to_pandas()
    return frame


def _table_spec(spec: dict[str, Any]) -> tuple[list[str], list[str], str | None, str]:
    rows = list(spec.get("rows") or [])
    columns = list(spec.get("columns") or [])
    value = spec.get("value")
    aggfunc = spec.get("aggfunc", "count")
    if not rows:
        raise AirlockError("a table needs at least one row variable")
    if aggfunc not in AGGREGATES:
        raise AirlockError(f"aggfunc must be one of {', '.join(AGGREGATES)}")
    if aggfunc != "count" and not value:
        raise AirlockError(f"a {aggfunc} table needs a value column")
    return rows, columns, value, aggfunc


def _save_cells(folder: Path, table: CheckedTable) -> None:
    pq.write_table(pa.table({
        "row": [list(c.row) for c in table.cells],
        "column": [list(c.column) for c in table.cells],
        "count": [c.count for c in table.cells],
        "reasons": [c.reasons for c in table.cells],
        "members": [sorted(c.members) for c in table.cells],
    }), folder / "cells.parquet")
    (folder / "table.json").write_text(json.dumps({
        "rows": table.rows, "columns": table.columns, "aggfunc": table.aggfunc}))


def _load_cells(folder: Path) -> CheckedTable:
    meta = json.loads((folder / "table.json").read_text())
    data = pq.read_table(folder / "cells.parquet").to_pylist()
    cells = [Cell(tuple(d["row"]), tuple(d["column"]), d["count"], None,
                  frozenset(d["members"]), list(d["reasons"])) for d in data]
    return CheckedTable(meta["rows"], meta["columns"], meta["aggfunc"], cells, pd.DataFrame())


def _released_tables(hub: Hub, session: Any, project_id: int, exclude: int | None = None
                     ) -> list[CheckedTable]:
    done = session.scalars(select(OutputRequest).where(
        OutputRequest.project_id == project_id, OutputRequest.state == "released",
        OutputRequest.kind.in_(("table", "figure")))).all()
    return [_load_cells(hub.root / r.folder) for r in done if r.id != exclude]


def _reviews_for(row: OutputRequest, viewer: Actor) -> list[dict[str, Any]]:
    """The reviews as `viewer` may see them: independent review, as in OpenSAFELY's Airlock.

    Until REVIEWS_NEEDED reviews are in, nobody sees another reviewer's decision or comment:
    a checker who has not yet reviewed must judge the evidence alone, and the author waits
    for the whole round. Once the round is complete, the checkers see everything and the
    author sees each decision with the public comments only (private ones are between
    the checkers). A blinded review still says who reviewed, so the queue shows progress.
    """
    complete = len(row.reviews) >= REVIEWS_NEEDED
    is_author = viewer.username == row.author
    checker = viewer.has("output_checker") and not is_author
    shown = []
    for review in row.reviews:
        own = review.reviewer == viewer.username
        entry: dict[str, Any] = {"reviewer": review.reviewer, "decision": review.decision,
                                 "comment": review.comment,
                                 "visibility": review.comment_visibility, "blinded": False}
        if not (own or complete):
            entry.update(decision=None, comment=None, visibility=None, blinded=True)
        elif not (own or checker) and review.comment_visibility != "public":
            entry.update(comment=None)  # a private comment: for the output checkers only
        shown.append(entry)
    return shown


def _view(project: str, row: OutputRequest, viewer: Actor) -> OutputView:
    return OutputView(row.id, project, row.author, row.kind, row.title, row.state,
                      dict(row.checks), _reviews_for(row, viewer), row.justification,
                      dict(row.spec or {}), row.release_record)


def _published(hub: Hub, row: OutputRequest) -> list[list[str]]:
    """The checked output as it would leave (suppressed cells blank), header row first."""
    path = hub.root / row.folder / "output.csv"
    if not row.folder or not path.exists():
        return []
    with path.open(newline="") as fh:
        return [line for _, line in zip(range(PUBLISHED_ROWS_SHOWN + 1), csv.reader(fh),
                                        strict=False)]


def request_output(hub: Hub, actor: Actor, project: str, *, kind: str, title: str,
                   spec: dict[str, Any], justification: str = "",
                   thresholds: Thresholds = DEFAULT_THRESHOLDS, today: date | None = None
                   ) -> OutputView:
    """Ask to release a table or a model summary; disclosure checks run at once."""
    resource = Resource("project", name=project)
    require(hub, actor, "output.request", resource)
    active_project_for(hub, actor, project, today=today)
    if kind not in ("table", "figure", "model"):
        raise AirlockError("an output is a 'table', a 'figure' (a chart of a table) or a "
                           "'model'")
    with hub.sessions()() as session:
        project_row = session.scalar(select(Project).where(Project.slug == project))
        assert project_row is not None
        released = _released_tables(hub, session, project_row.id)
        project_id = project_row.id
    checks: dict[str, Any] = {"thresholds": thresholds.to_dict()}
    if kind in ("table", "figure"):
        rows, columns, value, aggfunc = _table_spec(spec)
        micro = _microdata(hub, actor, project, spec, [*rows, *columns,
                                                      *([value] if value else [])])
        checked = check_table(micro, rows, columns, value, aggfunc, released, thresholds)
        checks.update({"cells": len(checked.cells), "suppressed": checked.suppressed,
                       "evidence": checked.evidence(), "records": int(len(micro))})
        published: pd.DataFrame = checked.published
    else:
        formula = str(spec.get("formula", ""))
        if "~" not in formula:
            raise AirlockError("a model needs a formula like 'y ~ x1 + x2'")
        import re

        names = sorted(set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", formula)) - {"C", "np",
                                                                              "log"})
        micro = _microdata(hub, actor, project, spec, names)
        model = check_model(micro, formula, thresholds)
        checks.update({"n": model.n, "residual_dof": model.dof, "evidence": [
            {"cell": "model", "rules": model.reasons}] if model.reasons else [],
            "suppressed": 0 if model.visible else 1})
        published = model.summary if model.visible else pd.DataFrame()
    with hub.sessions().begin() as session:
        row = OutputRequest(project_id=project_id, author=actor.username, kind=kind,
                            title=title, justification=justification, spec=spec,
                            state="pending", checks=checks, folder="")
        session.add(row)
        session.flush()
        folder = hub.root / "airlock" / project / str(row.id)
        folder.mkdir(parents=True)
        row.folder = str(folder.relative_to(hub.root))
        published.to_csv(folder / "output.csv")
        if kind in ("table", "figure"):
            _save_cells(folder, checked)
        if kind == "figure":
            _draw(published, title, folder / "figure.png")
        view = _view(project, row, actor)
    record(hub, actor, "output.request", resource, "allowed", None,
           {"output": view.id, "suppressed": checks["suppressed"]})
    return view


def _draw(published: pd.DataFrame, title: str, path: Path) -> None:
    """A bar chart of the published (checked) values only: suppressed cells stay blank."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    row_names = " / ".join(str(n) for n in published.index.names if n)
    column_names = " / ".join(str(n) for n in published.columns.names if n)
    shown = published.drop(index=[i for i in published.index if "Total" in str(i)],
                           columns=[c for c in published.columns if "Total" in str(c)])
    shown.index = [" / ".join(map(str, i)) if isinstance(i, tuple) else str(i)
                   for i in shown.index]
    shown.columns = [" / ".join(map(str, c)) if isinstance(c, tuple) else str(c)
                     for c in shown.columns]
    figure, axes = plt.subplots(figsize=(8, 4.5), dpi=100)
    shown.astype(float).plot.bar(ax=axes, rot=0)
    axes.set_title(title[:80])
    axes.set_xlabel(row_names)
    axes.legend(title=column_names)
    axes.set_ylabel("published value (suppressed cells blank)")
    figure.tight_layout()
    figure.savefig(path, metadata={"Software": None})
    plt.close(figure)


def _load(session: Any, output_id: int) -> tuple[OutputRequest, Project]:
    row = session.get(OutputRequest, output_id)
    if row is None:
        raise OutputNotFound(f"no output request {output_id}")
    project = session.get(Project, row.project_id)
    return row, project


def _refuse_unless(hub: Hub, actor: Actor, allowed: bool, action: str, project: str,
                   output_id: int, why: str) -> None:
    """A refusal beyond the policy table (authorship), audited like the table's own."""
    if not allowed:
        record(hub, actor, action, Resource("project", name=project), "refused", None,
               {"output": output_id, "reason": why})
        raise AirlockRefused(f"{actor.username} may not {action} output {output_id}: {why}")


def get_output(hub: Hub, actor: Actor, output_id: int) -> OutputView:
    """The request's state, disclosure evidence (which rule fired where) and checked table.

    The evidence holds the true counts behind suppressed cells, exactly what the airlock
    withholds, so only the hub's output checkers and the request's author may see it. The
    reviews are blinded for independent review: until both reviews are in, no one sees
    another reviewer's decision or comment; the author then sees public comments only."""
    with hub.sessions()() as session:
        row, project = _load(session, output_id)
        view = replace(_view(project.slug, row, actor), published=_published(hub, row))
    resource = Resource("project", name=view.project)
    require(hub, actor, "output.read", resource, details={"output": output_id})
    _refuse_unless(hub, actor, actor.has("output_checker") or view.author == actor.username,
                   "output.read", view.project, output_id,
                   "only its author and the output checkers see a request's evidence")
    return view


def list_outputs(hub: Hub, actor: Actor, *, project: str | None = None,
                 states: Sequence[str] = ()) -> list[OutputView]:
    """Output requests, newest first: every request for an output checker (their queue),
    a researcher's own requests otherwise; `project` and `states` narrow the list.

    Each is seen as `get_output` shows it, reviews blinded the same way."""
    require(hub, actor, "output.read", Resource("project", name=project or "*"),
            details={"list": True, "states": list(states)})
    checker = actor.has("output_checker")
    with hub.sessions()() as session:
        query = select(OutputRequest, Project.slug).join(
            Project, Project.id == OutputRequest.project_id).order_by(OutputRequest.id.desc())
        if project:
            query = query.where(Project.slug == project)
        if states:
            query = query.where(OutputRequest.state.in_(list(states)))
        if not checker:
            query = query.where(OutputRequest.author == actor.username)
        return [_view(slug, row, actor) for row, slug in session.execute(query).all()]


def submit_output(hub: Hub, actor: Actor, output_id: int) -> OutputView:
    """Send a pending request to the output checkers (its author)."""
    with hub.sessions()() as session:
        row, project = _load(session, output_id)
        slug, author = project.slug, row.author
    require(hub, actor, "output.request", Resource("project", name=slug),
            details={"output": output_id, "step": "submit"})
    _refuse_unless(hub, actor, author == actor.username, "output.submit", slug, output_id,
                   "only the author submits an output request")
    with hub.sessions().begin() as session:
        row, project = _load(session, output_id)
        if row.state != "pending":
            raise AirlockConflict(f"output {output_id} is {row.state}, not pending")
        row.state = "submitted"
        view = _view(project.slug, row, actor)
    record(hub, actor, "output.submit", Resource("project", name=view.project), "allowed",
           None, {"output": output_id})
    return view


def review_output(hub: Hub, actor: Actor, output_id: int, decision: str, comment: str = "",
                  comment_visibility: str = "private") -> OutputView:
    """An output checker, not the author, approves, returns or rejects with the evidence.

    The comment is private (for the output checkers only) or public (shown to the author
    too, once both reviews are in)."""
    if decision not in ("approve", "return", "reject"):
        raise AirlockError("a review decision is approve, return or reject")
    if comment_visibility not in VISIBILITIES:
        raise AirlockError("a comment's visibility is private (output checkers only) or "
                           "public (shown to the researcher)")
    with hub.sessions().begin() as session:
        row, project = _load(session, output_id)
        require(hub, actor, "output.review", Resource("project", name=project.slug),
                session=session, details={"output": output_id, "decision": decision})
        if actor.username == row.author:
            raise AirlockRefused("an author cannot review their own output")
        if row.state not in ("submitted", "partially_reviewed"):
            raise AirlockConflict(f"output {output_id} is {row.state}; only submitted outputs "
                                  "are reviewed")
        if any(r.reviewer == actor.username for r in row.reviews):
            raise AirlockConflict(f"{actor.username} has already reviewed output {output_id}")
        row.reviews.append(OutputReview(reviewer=actor.username, decision=decision,
                                        comment=comment[:2000],
                                        comment_visibility=comment_visibility))
        decisions = [r.decision for r in row.reviews]
        if len(decisions) < REVIEWS_NEEDED:
            row.state = "partially_reviewed"
        elif "reject" in decisions:
            row.state = "rejected"
        elif "return" in decisions:
            row.state = "returned"
        else:
            row.state = "approved"
        return _view(project.slug, row, actor)


def withdraw_output(hub: Hub, actor: Actor, output_id: int) -> OutputView:
    """Withdraw a request that has not been released (its author)."""
    with hub.sessions()() as session:
        row, project = _load(session, output_id)
        slug, author = project.slug, row.author
    require(hub, actor, "output.request", Resource("project", name=slug),
            details={"output": output_id, "step": "withdraw"})
    _refuse_unless(hub, actor, author == actor.username, "output.withdraw", slug, output_id,
                   "only the author withdraws an output request")
    with hub.sessions().begin() as session:
        row, project = _load(session, output_id)
        if row.state in ("released", "withdrawn"):
            raise AirlockConflict(f"output {output_id} is {row.state}")
        row.state = "withdrawn"
        return _view(project.slug, row, actor)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _tool_versions() -> dict[str, str]:
    versions = {"commonground": __version__}
    for name in ("acro", "pandas", "statsmodels"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def release_output(hub: Hub, actor: Actor, output_id: int) -> OutputView:
    """Release an approved output, after checking it against what was released meanwhile."""
    with hub.sessions().begin() as session:
        row, project = _load(session, output_id)
        require(hub, actor, "output.release", Resource("project", name=project.slug),
                session=session, details={"output": output_id})
        if row.state != "approved":
            raise AirlockConflict(f"output {output_id} is {row.state}; only approved outputs are "
                                  "released")
        source = hub.root / row.folder
        if row.kind in ("table", "figure"):
            mine = _load_cells(source)
            released = _released_tables(hub, session, project.id, exclude=row.id)
            threshold = int(row.checks["thresholds"]["min_count"])
            if differencing_risks(mine, released, threshold):
                row.state = "returned"
                row.checks = {**row.checks, "release_refused":
                              "an output released since the review makes a cell recoverable "
                              "by differencing; request it again"}
                return _view(project.slug, row, actor)
        target = hub.root / "releases" / project.slug / str(row.id)
        target.mkdir(parents=True, exist_ok=False)
        names = [n for n in OUTPUT_FILES if (source / n).exists()]
        for name in names:
            shutil.copyfile(source / name, target / name)
        now = datetime.now(UTC)
        release = {
            "output": row.id, "project": project.slug, "title": row.title, "kind": row.kind,
            "author": row.author, "released_by": actor.username,
            "released_at": now.isoformat(timespec="seconds"),
            "thresholds": row.checks["thresholds"],
            "rules_fired": sorted({rule for item in row.checks.get("evidence", [])
                                   for rule in item["rules"]}),
            "cells_suppressed": row.checks.get("suppressed", 0),
            "reviews": [{"reviewer": r.reviewer, "decision": r.decision,
                         "at": r.reviewed_at.isoformat(timespec="seconds")}
                        for r in row.reviews],
            "tools": _tool_versions(),
            "files": {name: _sha256(target / name) for name in names},
        }
        (target / "release.json").write_text(json.dumps(release, indent=2) + "\n")
        row.release_record = release
        row.released_at = now
        row.state = "released"
        return _view(project.slug, row, actor)


def download_output(hub: Hub, actor: Actor, output_id: int, out: Path) -> dict[str, Any]:
    """Copy a released output and its release record to `out` (released outputs only)."""
    with hub.sessions()() as session:
        row, project = _load(session, output_id)
        slug, state = project.slug, row.state
    resource = Resource("project", name=slug)
    require(hub, actor, "output.download", resource, details={"output": output_id})
    active_project_for(hub, actor, slug)
    if state != "released":
        record(hub, actor, "output.download", resource, "refused", None,
               {"output": output_id, "state": state})
        raise AirlockConflict(f"output {output_id} is {state}; only released outputs leave")
    source = hub.root / "releases" / slug / str(output_id)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    copied = []
    for name in (*OUTPUT_FILES, "release.json"):
        if (source / name).exists():
            shutil.copyfile(source / name, out / name)
            copied.append(str(out / name))
    return {"output": output_id, "files": copied}
