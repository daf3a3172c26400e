"""Long work in the background: upload and validation, link runs, risk builds.

A route starts a job and answers at once with its id; the work runs on the server's own
threads, each with its own hub connection, so closing the browser does not stop it. The job's
status, progress and result (or error) live in the `jobs` table, where a page or a partner's
platform polls them (`GET /api/jobs/{id}`). Only who started a job may read it: its result
came from an operation that checked that person's rights when it ran.

The work itself is a front-door operation called with the actor who started the job; this
module adds no rights of its own.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, is_dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from commonground.errors import NotFound, status_of
from commonground.governance import Actor, PermissionDenied, Resource, may, record
from commonground.governance.operations import role_may_call
from commonground.governance.policy import audited
from commonground.store import open_hub
from commonground.store.hub import Hub
from commonground.store.models import Job

log = logging.getLogger(__name__)

Report = Callable[[float, str], None]  # (fraction done, what is happening)
Work = Callable[[Hub, Report], Any]

WORKERS = 2  # the hub's machines have two cores; a third job waits in the queue


class JobNotFound(NotFound):
    """No job with that id was started by the caller."""


def json_ready(value: Any) -> Any:
    """A result as plain JSON: dataclasses, dates, paths; NaN and infinities become null."""
    if is_dataclass(value) and not isinstance(value, type):
        return json_ready(asdict(value))
    if isinstance(value, dict):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [json_ready(v) for v in value]
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Path):
        return value.name
    if value is None or isinstance(value, str | int | bool):
        return value
    return str(value)


@dataclass(frozen=True)
class JobView:
    id: int
    kind: str
    status: str  # queued | running | done | failed
    progress: float
    message: str
    result: dict[str, Any] | None
    error: dict[str, Any] | None
    created_at: str
    finished_at: str | None


def _view(row: Job) -> JobView:
    return JobView(row.id, row.kind, row.status, row.progress, row.message, row.result,
                   row.error, row.created_at.isoformat(),
                   row.finished_at.isoformat() if row.finished_at else None)


class Jobs:
    """The server's job runner: a small thread pool over the hub at `hub_path`."""

    def __init__(self, hub_path: Path, workers: int = WORKERS) -> None:
        self.hub_path = hub_path
        self._workers = workers
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="cg-job")

    def abandon_unfinished(self) -> None:
        """At start-up: a job that was running when the server stopped did not finish."""
        hub = open_hub(self.hub_path)
        try:
            with hub.sessions().begin() as session:
                for row in session.scalars(select(Job).where(
                        Job.status.in_(("queued", "running")))):
                    row.status, row.finished_at = "failed", datetime.now(UTC)
                    row.error = {"message": "the server stopped before this job finished; "
                                            "start it again", "status": 503}
        finally:
            hub.close()

    def start(self, hub: Hub, actor: Actor, kind: str, work: Work, *,
              check: Check | None = None) -> JobView:
        """Queue `work` (the operation `kind`, called as `actor`). Refused now, audited, not
        after a 202: a caller none of whose roles may ever call that operation, and one
        whom the policy refuses `check` (the operation's own first check, on this resource)."""
        if not role_may_call(actor.roles, kind):
            record(hub, actor, kind, Resource("operation", name=kind), "refused",
                   details={"reason": "none of the caller's roles may call it"})
            raise PermissionDenied(f"{actor.username} may not start {kind}: none of their "
                                   "roles allows it")
        if check is not None:
            refuse_now(hub, actor, check)
        with hub.sessions().begin() as session:
            row = Job(kind=kind, owner=actor.username, status="queued", progress=0.0,
                      message="waiting to start")
            session.add(row)
            session.flush()
            view = _view(row)
        self._pool.submit(self._run, view.id, work)
        return view

    def _update(self, hub: Hub, job_id: int, **fields: Any) -> None:
        with hub.sessions().begin() as session:
            row = session.get(Job, job_id)
            assert row is not None
            for name, value in fields.items():
                setattr(row, name, value)

    def _run(self, job_id: int, work: Work) -> None:
        hub = open_hub(self.hub_path)
        try:
            self._update(hub, job_id, status="running", message="started")

            def report(fraction: float, message: str) -> None:
                self._update(hub, job_id, progress=max(0.0, min(1.0, fraction)),
                             message=message[:500])

            result = json_ready(work(hub, report))
            self._update(hub, job_id, status="done", progress=1.0, message="finished",
                         result=result if isinstance(result, dict) else {"value": result},
                         finished_at=datetime.now(UTC))
        except Exception as exc:  # noqa: BLE001 - a job reports every failure, never dies silently
            known = status_of(exc)
            if known is None:
                log.exception("job %s failed", job_id)
            message = str(exc) if known and known[1] < 500 else "the job failed on the server"
            self._update(hub, job_id, status="failed", message=message[:500],
                         error={"message": message, "status": known[1] if known else 500},
                         finished_at=datetime.now(UTC))
        finally:
            hub.close()

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        # A fresh pool in case the same app starts again (a test client runs the app's
        # lifespan once per client, and schemathesis once per call).
        self._pool = ThreadPoolExecutor(max_workers=self._workers, thread_name_prefix="cg-job")


@dataclass(frozen=True)
class Check:
    """The policy check a job's operation makes first: `may(actor, action, resource, ...)`."""

    action: str
    resource: Resource
    purpose: str | None = None
    under: str | None = None  # one agreement's versions only (see `governance.may`)


def refuse_now(hub: Hub, actor: Actor, check: Check) -> None:
    """Refuse (audited, `PermissionDenied`) whoever the job's operation would refuse, before
    the job is queued or its upload stored. An allowed caller writes nothing here: the
    operation checks and audits the same decision when it runs."""
    decision = may(hub, actor, check.action, check.resource, check.purpose, under=check.under)
    if not decision:
        audited(hub, actor, check.action, check.resource, check.purpose, decision)


def job_status(hub: Hub, actor: Actor, job_id: int) -> JobView:
    """A job the caller started; anyone else's is 'not found', so ids reveal nothing."""
    with hub.sessions()() as session:
        row = session.get(Job, job_id)
        if row is None or row.owner != actor.username:
            raise JobNotFound(f"you have no job {job_id}")
        return _view(row)


def my_jobs(hub: Hub, actor: Actor, limit: int = 20) -> list[JobView]:
    with hub.sessions()() as session:
        rows = session.scalars(select(Job).where(Job.owner == actor.username)
                               .order_by(Job.id.desc()).limit(limit))
        return [_view(row) for row in rows]
