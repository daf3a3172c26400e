"""The partners' API for research: projects, their approvals, and the output airlock.

The workspace itself (views and queries) is served by `routes.research`.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi import Path as PathParam
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from commonground.research import (
    approve_project,
    download_output,
    get_output,
    get_project,
    list_outputs,
    list_projects,
    propose_project,
    refuse_project,
    release_output,
    request_output,
    review_output,
    revoke_project,
    submit_output,
    withdraw_output,
)
from commonground.server.api_responses import MAX_ID, file_responses, send_file, zipped
from commonground.server.jobs import json_ready
from commonground.server.web import Caller, caller_dep, form_caller, hub_dep
from commonground.store.hub import Hub

router = APIRouter(tags=["research"])

Slug = Annotated[str, PathParam(max_length=200, description="The project's slug.")]
OutputId = Annotated[int, PathParam(ge=1, le=MAX_ID, description="The output request's id.")]


class DatasetAsk(BaseModel):
    """What the project asks of one dataset."""

    columns: list[str] = Field(default_factory=list,
                               description="The columns wanted (default: every agreed one).")
    where: str | None = Field(None, description="A filter on the dataset's rows, in SQL.")


class ProjectProposal(BaseModel):
    """A commissioned research project, for each data provider's governance lead to decide."""

    slug: str = Field(description="A short name: lower case letters, digits and hyphens.")
    title: str = Field(description="The project's title.")
    question: str = Field(description="The research question.")
    commissioned_by: str = Field(description="The commissioning organisation's slug.")
    purpose: str = Field(description="The purpose; an agreement in force must allow it.")
    researchers: list[str] = Field(description="The researchers' user names.")
    datasets: dict[str, DatasetAsk] = Field(
        description="'organisation/dataset' to the columns and rows asked for.")
    ethics_reference: str = Field(description="The ethics committee's reference.")
    starts_on: date = Field(description="The first day of access.")
    ends_on: date = Field(description="The last day of access.")


class Reason(BaseModel):
    reason: str = Field("", max_length=2000,
                        description="Why, in a sentence (kept with the decision).")


class RequiredReason(BaseModel):
    reason: str = Field(min_length=1, max_length=2000,
                        description="Why, in a sentence (kept with the decision).")


class OutputAsk(BaseModel):
    """An output to take out through the airlock; disclosure checks run at once."""

    kind: Literal["table", "model"] = Field("table", description="A table or a model "
                                                                 "summary.")
    title: str = Field(description="What the output shows, in a line.")
    spec: dict[str, Any] = Field(description='e.g. {"view": "fire_safety_visits", "rows": '
                                             '["overcrowding"], "aggfunc": "count"} or '
                                             '{"view": ..., "formula": "y ~ x"}')
    justification: str = Field("", description="Why the output is needed, for the "
                                                "output checkers.")


class Review(BaseModel):
    decision: Literal["approve", "return", "reject"] = Field(
        description="approve, return (to the author for changes) or reject.")
    comment: str = Field("", max_length=5000, description="The reviewer's comment to the "
                                                          "author.")


@router.get("/api/projects")
def api_projects(mine: Annotated[bool, Query(description="Only projects naming you.")]
                 = False, caller: Caller = Depends(caller_dep),  # noqa: B008
                 hub: Hub = Depends(hub_dep)) -> dict[str, Any]:  # noqa: B008
    """Projects, their status and approvals."""
    return {"projects": [v.to_dict() for v in list_projects(hub, caller.actor, mine=mine)]}


@router.post("/api/projects", status_code=201)
def api_propose(proposal: ProjectProposal, caller: Caller = Depends(form_caller),  # noqa: B008
                hub: Hub = Depends(hub_dep)) -> dict[str, Any]:  # noqa: B008
    """Propose a project (a researcher); each data provider then approves or refuses it."""
    fields = proposal.model_dump()
    fields["datasets"] = {ref: ask.model_dump(exclude_none=True)
                          for ref, ask in proposal.datasets.items()}
    return json_ready(propose_project(hub, caller.actor, **fields).to_dict())  # type: ignore[no-any-return]


@router.get("/api/projects/{slug}")
def api_project(slug: Slug, caller: Caller = Depends(caller_dep),  # noqa: B008
                hub: Hub = Depends(hub_dep)) -> dict[str, Any]:  # noqa: B008
    """One project: its question, purpose, datasets, researchers, approvals and status."""
    return json_ready(get_project(hub, caller.actor, slug).to_dict())  # type: ignore[no-any-return]


@router.post("/api/projects/{slug}/approve")
def api_approve(slug: Slug, body: Reason, caller: Caller = Depends(form_caller),  # noqa: B008
                hub: Hub = Depends(hub_dep)) -> dict[str, Any]:  # noqa: B008
    """Approve the use of your organisation's data in a project (its governance lead)."""
    return json_ready(approve_project(hub, caller.actor, slug, body.reason).to_dict())  # type: ignore[no-any-return]


@router.post("/api/projects/{slug}/refuse")
def api_refuse(slug: Slug, body: RequiredReason, caller: Caller = Depends(form_caller),  # noqa: B008
               hub: Hub = Depends(hub_dep)) -> dict[str, Any]:  # noqa: B008
    """Refuse the use of your organisation's data in a project (its governance lead)."""
    return json_ready(refuse_project(hub, caller.actor, slug, body.reason).to_dict())  # type: ignore[no-any-return]


@router.post("/api/projects/{slug}/revoke")
def api_revoke(slug: Slug, body: RequiredReason, caller: Caller = Depends(form_caller),  # noqa: B008
               hub: Hub = Depends(hub_dep)) -> dict[str, Any]:  # noqa: B008
    """End a project's access now (a provider's or the commissioner's governance lead)."""
    return json_ready(revoke_project(hub, caller.actor, slug, body.reason).to_dict())  # type: ignore[no-any-return]


@router.post("/api/projects/{slug}/outputs", status_code=201)
def api_request_output(slug: Slug, ask: OutputAsk, caller: Caller = Depends(form_caller),  # noqa: B008
                       hub: Hub = Depends(hub_dep)) -> dict[str, Any]:  # noqa: B008
    """Ask for an output; disclosure checks run at once and their evidence is returned."""
    view = request_output(hub, caller.actor, slug, kind=ask.kind, title=ask.title,
                          spec=ask.spec, justification=ask.justification)
    return json_ready(view.to_dict())  # type: ignore[no-any-return]


@router.get("/api/outputs")
def api_outputs(project: Annotated[str | None, Query(
                    max_length=64, description="Only this project's requests.")] = None,
                state: Annotated[list[str] | None, Query(
                    description="Only requests in these states (repeat: submitted, "
                                "partially_reviewed, approved, released, ...).")] = None,
                caller: Caller = Depends(caller_dep),  # noqa: B008
                hub: Hub = Depends(hub_dep)) -> dict[str, Any]:  # noqa: B008
    """Output requests, newest first: a checker's queue, or a researcher's own requests."""
    found = list_outputs(hub, caller.actor, project=project, states=state or ())
    return {"outputs": [json_ready(view.to_dict()) for view in found]}


@router.get("/api/outputs/{output_id}")
def api_output(output_id: OutputId, caller: Caller = Depends(caller_dep),  # noqa: B008
               hub: Hub = Depends(hub_dep)) -> dict[str, Any]:  # noqa: B008
    """An output request's state and disclosure evidence: which rule fired where."""
    return json_ready(get_output(hub, caller.actor, output_id).to_dict())  # type: ignore[no-any-return]


@router.post("/api/outputs/{output_id}/submit")
def api_submit(output_id: OutputId, caller: Caller = Depends(form_caller),  # noqa: B008
               hub: Hub = Depends(hub_dep)) -> dict[str, Any]:  # noqa: B008
    """Send a pending request to the output checkers (its author)."""
    return json_ready(submit_output(hub, caller.actor, output_id).to_dict())  # type: ignore[no-any-return]


@router.post("/api/outputs/{output_id}/withdraw")
def api_withdraw(output_id: OutputId, caller: Caller = Depends(form_caller),  # noqa: B008
                 hub: Hub = Depends(hub_dep)) -> dict[str, Any]:  # noqa: B008
    """Withdraw a request that has not been released (its author)."""
    return json_ready(withdraw_output(hub, caller.actor, output_id).to_dict())  # type: ignore[no-any-return]


@router.post("/api/outputs/{output_id}/reviews")
def api_review(output_id: OutputId, review: Review, caller: Caller = Depends(form_caller),  # noqa: B008
               hub: Hub = Depends(hub_dep)) -> dict[str, Any]:  # noqa: B008
    """Review an output (an output checker who is not its author); two reviews are needed."""
    view = review_output(hub, caller.actor, output_id, review.decision, review.comment)
    return json_ready(view.to_dict())  # type: ignore[no-any-return]


@router.post("/api/outputs/{output_id}/release")
def api_release(output_id: OutputId, caller: Caller = Depends(form_caller),  # noqa: B008
                hub: Hub = Depends(hub_dep)) -> dict[str, Any]:  # noqa: B008
    """Release an approved output, with its machine-readable release record."""
    return json_ready(release_output(hub, caller.actor, output_id).to_dict())  # type: ignore[no-any-return]


@router.get("/api/outputs/{output_id}/download", response_class=FileResponse,
            responses=file_responses("zip"))
def api_download(output_id: OutputId, caller: Caller = Depends(caller_dep),  # noqa: B008
                 hub: Hub = Depends(hub_dep)) -> FileResponse:  # noqa: B008
    """A released output's files and its release record, as one zip archive."""
    name = f"output-{output_id}.zip"

    def write(folder: Any) -> None:
        download_output(hub, caller.actor, output_id, folder)
        zipped(folder, name)

    return send_file(write, name, "zip")
