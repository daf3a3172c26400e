"""The partners' API for the entity index: link runs, quality, export and clerical review."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, JSONResponse
from pydantic import BaseModel, Field

from commonground.engines import get_engine
from commonground.link import decide_review, evaluate_hub, export, pending_reviews, run_linkage
from commonground.server.api_responses import (
    JOB_RESPONSES,
    MAX_ID,
    file_responses,
    send_file,
    start_job,
)
from commonground.server.jobs import Report, json_ready
from commonground.server.web import Caller, caller_dep, form_caller, hub_dep
from commonground.store.hub import Hub

router = APIRouter(tags=["link"])

Kind = Literal["person", "address"]
KINDS: tuple[Kind, ...] = ("person", "address")


def _kinds(kind: Kind | None) -> tuple[Kind, ...]:
    return (kind,) if kind else KINDS


class LinkRun(BaseModel):
    """A link run over every contributed dataset."""

    kind: Kind | None = Field(None, description="Link only people or only addresses "
                                                "(default: both).")
    retrain: bool = Field(False, description="Train a new model version.")
    full: bool = Field(False, description="Score every pair again, even when only new "
                                          "records came in.")


class ReviewDecision(BaseModel):
    decision: Literal["same", "different"] = Field(
        description="Whether the pair's two mentions are the same person or address.")


@router.post("/api/link/runs", status_code=202, responses=JOB_RESPONSES)
def api_link_run(request: Request, run: LinkRun, caller: Caller = Depends(form_caller),  # noqa: B008
                 hub: Hub = Depends(hub_dep)) -> JSONResponse:  # noqa: B008
    """Start a link run as a background job; entity ids carry over from the last run."""

    def work(job_hub: Hub, report: Report) -> dict[str, Any]:
        report(0.05, "linking")
        with get_engine() as engine:
            return run_linkage(job_hub, caller.actor, engine, kinds=_kinds(run.kind),
                               retrain=run.retrain, full=run.full)

    return start_job(request, hub, caller, "link.run", work)


@router.post("/api/link/evaluate")
def api_link_evaluate(
        truth: Annotated[UploadFile, File(description="The synthetic county's "
                                                      "truth/record_truth.parquet.")],
        kind: Annotated[Kind | None, Form(description="person or address (default both).")]
        = None,
        caller: Caller = Depends(form_caller),  # noqa: B008
        hub: Hub = Depends(hub_dep)) -> dict[str, Any]:  # noqa: B008
    """Score the entity index against a synthetic county's ground truth: P/R/F1, clusters."""
    with tempfile.TemporaryDirectory(prefix="cg-truth-") as folder:
        # evaluate_hub reads the truth folder's record_truth.parquet: the upload goes there.
        with (Path(folder) / "record_truth.parquet").open("wb") as target:
            while chunk := truth.file.read(1 << 20):
                target.write(chunk)
        return json_ready(evaluate_hub(hub, caller.actor, Path(folder), _kinds(kind)))  # type: ignore[no-any-return]


@router.get("/api/link/export", response_class=FileResponse,
            responses=file_responses("parquet"))
def api_link_export(
        kind: Annotated[Kind | None, Query(description="person or address (default both).")]
        = None,
        caller: Caller = Depends(caller_dep),  # noqa: B008
        hub: Hub = Depends(hub_dep)) -> FileResponse:  # noqa: B008
    """The entity index as Parquet: kind, dataset, record id, subject, entity id per mention."""
    name = "entity-index.parquet"
    return send_file(lambda folder: export(hub, caller.actor, folder / name, _kinds(kind)),
                     name, "parquet")


@router.get("/api/link/reviews")
def api_link_reviews(
        kind: Annotated[Kind | None, Query(description="person or address (default both).")]
        = None,
        limit: Annotated[int, Query(ge=1, le=1000, description="How many pairs to list.")] = 20,
        caller: Caller = Depends(caller_dep),  # noqa: B008
        hub: Hub = Depends(hub_dep)) -> dict[str, Any]:  # noqa: B008
    """The pairs waiting for a clerical decision, most doubtful first (ids, never values)."""
    return {"pending": json_ready(pending_reviews(hub, caller.actor, kind, limit))}


@router.post("/api/link/reviews/{item_id}")
def api_link_decide(item_id: Annotated[int, PathParam(ge=1, le=MAX_ID)], body: ReviewDecision,
                    caller: Caller = Depends(form_caller),  # noqa: B008
                    hub: Hub = Depends(hub_dep)) -> dict[str, Any]:  # noqa: B008
    """Decide a pair: the same or different; a later decision replaces an earlier one."""
    return json_ready(decide_review(hub, caller.actor, item_id, body.decision))  # type: ignore[no-any-return]
