"""The researcher's pages and the workspace API: projects, proposals, views, queries, outputs.

A project's pages live under /research/{slug}: the workspace itself, `project` (its
approvals), and `outputs` (requests through the airlock, each with its disclosure evidence).
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel

from commonground.contribute import catalogue
from commonground.errors import CommonGroundError, PermissionDenied
from commonground.research import (
    download_output,
    get_output,
    get_project,
    list_outputs,
    list_projects,
    propose_project,
    query_workspace,
    request_output,
    submit_output,
    withdraw_output,
    workspace_views,
)
from commonground.server.forms import http_status, json_field, message_for, see_other, split_list
from commonground.server.render import render
from commonground.server.web import Caller, caller_dep, form_caller, hub_dep
from commonground.store.hub import Hub

MAX_ROWS_SHOWN = 1000
DATASET_ROWS = 3  # dataset rows on the proposal form
# The disclosure checklist the researcher ticks before asking for an output (all required).
CHECKLIST = (
    ("small_cells", "No cell counts fewer people or records than the threshold (10), "
                    "and no cell can be worked out from totals"),
    ("identifiers", "The output holds no identifiers, entity ids, postcodes, dates of birth "
                    "or free text"),
    ("dominance", "I have checked dominance: no cell's value is mostly one person's or "
                  "organisation's"),
    ("differencing", "I have considered differencing against outputs already released from "
                     "this project"),
)
DONE = {"proposed": "Your project was proposed. Each data provider's governance lead will "
                    "now approve or refuse it.",
        "requested": "The disclosure checks ran. Read the evidence below, then submit the "
                     "request to the output checkers.",
        "submitted": "The request was sent to the output checkers.",
        "withdrawn": "The request was withdrawn."}
FILES = {"output.csv": "text/csv", "figure.png": "image/png",
         "release.json": "application/json"}

router = APIRouter()


class Query(BaseModel):
    sql: str


def _today() -> str:
    return datetime.now(UTC).date().isoformat()


@router.get("/research", include_in_schema=False)
def research(request: Request, done: str = "", caller: Caller = Depends(caller_dep),  # noqa: B008
             hub: Hub = Depends(hub_dep)) -> Any:  # noqa: B008
    mine = list_projects(hub, caller.actor, mine=True)
    return render(request, "research/projects.html", caller, title="Your research projects",
                  mine=mine, notice=message_for(done, DONE))


def _dataset_options(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The datasets a proposal may name, with their columns other than identifiers."""
    return [{"dataset": e["dataset"], "owner": e["owner"],
             "columns": [c for c in e["columns"] if c not in e["identifier_columns"]]}
            for e in entries]


def _propose_page(request: Request, caller: Caller, options: list[dict[str, Any]],
                  form: dict[str, Any], *, error_summary: list[tuple[str, str]] | None = None,
                  status_code: int = 200) -> Any:
    providers = sorted({o["dataset"].split("/", 1)[0] for o in options})
    return render(request, "research/propose.html", caller, status_code=status_code,
                  title="Propose a research project", options=options, providers=providers,
                  form=form, rows=range(1, DATASET_ROWS + 1),
                  error_summary=error_summary or [])


@router.get("/research/propose", include_in_schema=False)
def propose_form(request: Request, caller: Caller = Depends(caller_dep),  # noqa: B008
                 hub: Hub = Depends(hub_dep)) -> Any:  # noqa: B008
    options = _dataset_options(catalogue(hub, caller.actor))
    today = datetime.now(UTC).date()
    form = {"researchers": caller.actor.username, "starts_on": today.isoformat(),
            "ends_on": (today + timedelta(days=365)).isoformat(), "purpose": "research:"}
    return _propose_page(request, caller, options, form)


def _asked_datasets(form: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The proposal's datasets from the form's rows, and any row left half filled."""
    datasets: dict[str, Any] = {}
    problems = []
    for n in range(1, DATASET_ROWS + 1):
        ref, columns = form[f"dataset_{n}"].strip(), split_list(form[f"columns_{n}"])
        if ref and not columns:
            problems.append((f"columns_{n}", f"Name the columns you need from {ref}"))
        elif columns and not ref:
            problems.append((f"dataset_{n}", "Choose the dataset these columns come from"))
        elif ref:
            datasets[ref] = {"columns": columns, "where": form[f"where_{n}"].strip() or None}
    if not datasets and not problems:
        problems.append(("dataset_1", "Ask for at least one dataset"))
    return datasets, problems


@router.post("/research/propose", include_in_schema=False)
async def propose(request: Request, caller: Caller = Depends(form_caller),  # noqa: B008
                  hub: Hub = Depends(hub_dep)) -> Any:  # noqa: B008
    posted = await request.form()
    fields = ["slug", "title", "question", "commissioned_by", "purpose", "researchers",
              "ethics_reference", "starts_on", "ends_on", "catalogue_json"]
    fields += [f"{k}_{n}" for n in range(1, DATASET_ROWS + 1)
               for k in ("dataset", "columns", "where")]
    form = {name: str(posted.get(name) or "") for name in fields}
    options = json_field(form["catalogue_json"], [])
    required = {"slug": "Enter a short name for the project (letters, digits and dashes)",
                "title": "Enter the project's title", "question": "Enter the research question",
                "commissioned_by": "Choose the organisation commissioning the project",
                "purpose": "Enter the purpose, as the agreements name it",
                "ethics_reference": "Enter the ethics approval's reference"}
    problems = [(name, message) for name, message in required.items()
                if not form[name].strip()]
    datasets, dataset_problems = _asked_datasets(form)
    problems += dataset_problems
    if not problems:
        try:
            view = await run_in_threadpool(
                propose_project, hub, caller.actor, slug=form["slug"].strip(),
                title=form["title"].strip(),
                question=form["question"].strip(), commissioned_by=form["commissioned_by"],
                purpose=form["purpose"].strip(),
                researchers=split_list(form["researchers"]) or [caller.actor.username],
                datasets=datasets, ethics_reference=form["ethics_reference"].strip(),
                starts_on=form["starts_on"] or _today(), ends_on=form["ends_on"] or _today())
            return see_other(f"/research/{view.slug}/project", done="proposed")
        except PermissionDenied:
            raise
        except CommonGroundError as exc:
            return _propose_page(request, caller, options, form, status_code=http_status(exc),
                                 error_summary=[("slug", str(exc))])
    return _propose_page(request, caller, options, form, error_summary=problems,
                         status_code=status.HTTP_400_BAD_REQUEST)


@router.get("/research/{slug}", include_in_schema=False)
def workspace_page(request: Request, slug: str, caller: Caller = Depends(caller_dep),  # noqa: B008
                   hub: Hub = Depends(hub_dep)) -> Any:  # noqa: B008
    views = workspace_views(hub, caller.actor, slug)
    return render(request, "research/workspace.html", caller, title=f"Workspace {slug}",
                  slug=slug, views=views, first=next(iter(views), "view"))


@router.get("/research/{slug}/project", include_in_schema=False)
def project_page(request: Request, slug: str, done: str = "",
                 caller: Caller = Depends(caller_dep),  # noqa: B008
                 hub: Hub = Depends(hub_dep)) -> Any:  # noqa: B008
    project = get_project(hub, caller.actor, slug)
    return render(request, "research/project.html", caller, title=project.title,
                  project=project, notice=message_for(done, DONE))


@router.get("/research/{slug}/outputs", include_in_schema=False)
def outputs_page(request: Request, slug: str, done: str = "",
                 caller: Caller = Depends(caller_dep),  # noqa: B008
                 hub: Hub = Depends(hub_dep)) -> Any:  # noqa: B008
    outputs = list_outputs(hub, caller.actor, project=slug)
    return render(request, "research/outputs.html", caller, title=f"Outputs of {slug}",
                  slug=slug, outputs=outputs, notice=message_for(done, DONE))


def _request_page(request: Request, caller: Caller, slug: str, views: dict[str, Any],
                  form: dict[str, Any], *, error_summary: list[tuple[str, str]] | None = None,
                  status_code: int = 200) -> Any:
    columns = {name: list(v["columns"]) for name, v in views.items()}
    return render(request, "research/output_new.html", caller, status_code=status_code,
                  title="Request an output", slug=slug, views=columns, form=form,
                  checklist=CHECKLIST, error_summary=error_summary or [],
                  checklist_problem=next((message for field, message in error_summary or []
                                          if field.startswith("checklist-")), ""))


@router.get("/research/{slug}/outputs/new", include_in_schema=False)
def request_form(request: Request, slug: str, caller: Caller = Depends(caller_dep),  # noqa: B008
                 hub: Hub = Depends(hub_dep)) -> Any:  # noqa: B008
    views = workspace_views(hub, caller.actor, slug)
    form = {"kind": "table", "aggfunc": "count", "view": next(iter(views), "")}
    return _request_page(request, caller, slug, views, form)


def _output_spec(form: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The output's specification from the form, and what is missing from it."""
    spec: dict[str, Any] = {"view": form["view"]}
    if form["where"].strip():
        spec["where"] = form["where"].strip()
    if form["kind"] == "model":
        spec["formula"] = form["formula"].strip()
        return spec, [] if "~" in spec["formula"] else [
            ("formula", "Enter the model's formula, like overcrowding ~ occupants_observed")]
    spec.update(rows=split_list(form["rows"]), columns=split_list(form["columns"]),
                aggfunc=form["aggfunc"] or "count")
    if form["value"].strip():
        spec["value"] = form["value"].strip()
    return spec, [] if spec["rows"] else [("rows", "Name at least one row variable")]


@router.post("/research/{slug}/outputs", include_in_schema=False)
async def request_an_output(request: Request, slug: str,
                            caller: Caller = Depends(form_caller),  # noqa: B008
                            hub: Hub = Depends(hub_dep)) -> Any:  # noqa: B008
    posted = await request.form()
    names = ("title", "kind", "view", "rows", "columns", "aggfunc", "value", "formula",
             "where", "justification", "views_json")
    form: dict[str, Any] = {name: str(posted.get(name) or "") for name in names}
    form["ticked"] = [str(v) for v in posted.getlist("checklist")]
    views = {name: {"columns": columns} for name, columns in
             json_field(form["views_json"], {}).items() if isinstance(columns, list)}
    problems = [] if form["title"].strip() else [("title", "Enter what the output shows")]
    if form["kind"] not in ("table", "figure", "model"):
        problems.append(("kind-table", "Choose a table, a chart or a model summary"))
    spec, spec_problems = _output_spec(form)
    problems += spec_problems
    if not form["justification"].strip():
        problems.append(("justification", "Say why you need this output"))
    unticked = [key for key, _ in CHECKLIST if key not in form["ticked"]]
    if unticked:
        problems.append((f"checklist-{unticked[0]}",
                         "Confirm every point of the disclosure checklist"))
    if problems:
        return _request_page(request, caller, slug, views, form, error_summary=problems,
                             status_code=status.HTTP_400_BAD_REQUEST)
    try:
        view = await run_in_threadpool(
            request_output, hub, caller.actor, slug, kind=form["kind"],
            title=form["title"].strip(), spec=spec, justification=form["justification"].strip())
    except PermissionDenied:
        raise
    except CommonGroundError as exc:
        return _request_page(request, caller, slug, views, form, status_code=http_status(exc),
                             error_summary=[("view", str(exc))])
    return see_other(f"/research/{slug}/outputs/{view.id}", done="requested")


def _of_project(view: Any, slug: str) -> Any:
    if view.project != slug:  # the same request under another project's address
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"project '{slug}' has no such output")
    return view


@router.get("/research/{slug}/outputs/{output_id}", include_in_schema=False)
def output_page(request: Request, slug: str, output_id: int, done: str = "",
                caller: Caller = Depends(caller_dep),  # noqa: B008
                hub: Hub = Depends(hub_dep)) -> Any:  # noqa: B008
    output = _of_project(get_output(hub, caller.actor, output_id), slug)
    return render(request, "research/output.html", caller, title=output.title,
                  output=output, slug=slug, notice=message_for(done, DONE))


@router.post("/research/{slug}/outputs/{output_id}/submit", include_in_schema=False)
def submit(slug: str, output_id: int, caller: Caller = Depends(form_caller),  # noqa: B008
           hub: Hub = Depends(hub_dep)) -> Any:  # noqa: B008
    view = submit_output(hub, caller.actor, output_id)
    return see_other(f"/research/{view.project}/outputs/{output_id}", done="submitted")


@router.post("/research/{slug}/outputs/{output_id}/withdraw", include_in_schema=False)
def withdraw(slug: str, output_id: int, caller: Caller = Depends(form_caller),  # noqa: B008
             hub: Hub = Depends(hub_dep)) -> Any:  # noqa: B008
    view = withdraw_output(hub, caller.actor, output_id)
    return see_other(f"/research/{view.project}/outputs/{output_id}", done="withdrawn")


@router.get("/research/{slug}/outputs/{output_id}/files/{name}", include_in_schema=False)
def released_file(slug: str, output_id: int, name: str,
                  caller: Caller = Depends(caller_dep),  # noqa: B008
                  hub: Hub = Depends(hub_dep)) -> Response:  # noqa: B008
    """A released output's file or its release record (the project's researchers only)."""
    if name not in FILES:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "a release holds output.csv, "
                            "figure.png (for a chart) and release.json")
    with tempfile.TemporaryDirectory() as folder:
        download_output(hub, caller.actor, output_id, Path(folder))
        path = Path(folder) / name
        if not path.exists():
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"this release has no {name}")
        body = path.read_bytes()
    return Response(body, media_type=FILES[name], headers={
        "content-disposition": f'attachment; filename="output-{output_id}-{name}"'})


@router.get("/api/projects/{slug}/views", tags=["research"])
def api_views(slug: str, caller: Caller = Depends(caller_dep),  # noqa: B008
              hub: Hub = Depends(hub_dep)) -> dict[str, Any]:  # noqa: B008
    """The project's views: dataset, version, rows and columns (its researchers only)."""
    return {"views": workspace_views(hub, caller.actor, slug)}


@router.post("/api/projects/{slug}/query", tags=["research"])
def api_query(slug: str, query: Query, caller: Caller = Depends(form_caller),  # noqa: B008
              hub: Hub = Depends(hub_dep)) -> dict[str, Any]:  # noqa: B008
    """Run one SELECT in the project's sandbox, over its views only; audited."""
    table = query_workspace(hub, caller.actor, slug, query.sql)
    rows = table.slice(0, MAX_ROWS_SHOWN).to_pylist()
    return {"columns": table.column_names, "rows": rows, "row_count": table.num_rows,
            "truncated": table.num_rows > MAX_ROWS_SHOWN}
