"""The data steward's pages: their organisation's datasets, uploads, reports and erasure.

An upload is saved to a private temporary folder and contributed by a background job (the
`contribution.create` operation, as the steward): the page's script shows the upload's and
then the job's progress; without JavaScript the form posts normally and a job page refreshes
itself until the validation report is ready.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Request, UploadFile, status
from fastapi.responses import JSONResponse, RedirectResponse

from commonground.contribute import (
    catalogue,
    contribute_file,
    contribution_report,
    erase_person,
    list_contributions,
)
from commonground.engines import get_engine
from commonground.errors import CommonGroundError, InvalidInput
from commonground.governance import Actor, Resource
from commonground.server.jobs import Check, JobView, Report, refuse_now
from commonground.server.render import render
from commonground.server.routes.jobs import job_page
from commonground.server.web import Caller, caller_dep, form_caller, hub_dep
from commonground.store.hub import Hub

router = APIRouter()

UPLOAD_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".parquet")
MAX_UPLOAD_BYTES = 2 * 1024**3  # 2 GB: a year of a large partner's records
CHUNK = 1024 * 1024
ERASURE_FIELDS = (("given_name", "Given name"), ("family_name", "Family name"),
                  ("dob", "Date of birth"), ("postcode", "Postcode"),
                  ("nhs_number", "NHS number"))


class UploadRefused(InvalidInput):
    """The uploaded file cannot be contributed (no file, wrong type, too large)."""


def _safe_name(filename: str | None) -> str:
    """The upload's own name, reduced to harmless characters (it appears in the report)."""
    name = Path(filename or "").name
    stem, suffix = Path(name).stem, Path(name).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise UploadRefused("choose a CSV, Excel (.xlsx) or Parquet file")
    stem = re.sub(r"[^A-Za-z0-9._ -]", "_", stem).strip(" .")[:100] or "upload"
    return stem + suffix


def _save_upload(upload: UploadFile) -> Path:
    """Copy the upload into a private temporary folder, refusing empty or oversized files."""
    name = _safe_name(upload.filename)
    folder = Path(tempfile.mkdtemp(prefix="commonground-upload-"))
    target = folder / name
    size = 0
    try:
        with target.open("wb") as out:
            while chunk := upload.file.read(CHUNK):
                size += len(chunk)
                if size > MAX_UPLOAD_BYTES:
                    raise UploadRefused("the file is larger than 2 GB; split it and send "
                                        "each part")
                out.write(chunk)
        if size == 0:
            raise UploadRefused("the selected file is empty")
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return target


def _contribution_work(ref: str, source: Path) -> Any:
    """The job: contribute the saved file as the steward, then remove every copy of it.

    The full quarantine (with the values found) that a steward's own machine would keep is
    removed too: on the hub's server the report shows the hub's copy, identifiers withheld.
    """
    def work(hub: Hub, report: Report, actor: Actor) -> dict[str, Any]:
        report(0.1, "checking the file against the dataset's contract")
        try:
            with get_engine(None) as engine:
                result = contribute_file(hub, actor, ref, source, key=None, engine=engine)
        finally:
            shutil.rmtree(source.parent, ignore_errors=True)
        full = result.pop("quarantine_full", None)
        if full:
            shutil.rmtree(Path(full).parent, ignore_errors=True)
        org, dataset = ref.split("/")
        if result.get("version") is not None:
            result["report_url"] = (f"/steward/datasets/{org}/{dataset}/versions/"
                                    f"{result['version']}")
        return result

    return work


def _sentence(message: str) -> str:
    """A room's message as the page shows it: a sentence starting with a capital."""
    return message[:1].upper() + message[1:]


def _start_upload(request: Request, hub: Hub, caller: Caller, org: str, dataset: str,
                  upload: UploadFile | None) -> JobView:
    ref = f"{org}/{dataset}"
    # Refuse at once whoever the job would refuse, before the file is copied anywhere.
    refuse_now(hub, caller.actor, Check("contribution.create", Resource.dataset(ref)))
    if upload is None or not upload.filename:
        raise UploadRefused("select a file to upload")
    source = _save_upload(upload)
    work = _contribution_work(ref, source)
    actor = caller.actor
    return request.app.state.jobs.start(  # type: ignore[no-any-return]
        hub, actor, "contribution.create", lambda h, report: work(h, report, actor))


@router.get("/steward", include_in_schema=False)
def steward_home(request: Request, caller: Caller = Depends(caller_dep),  # noqa: B008
                 hub: Hub = Depends(hub_dep)) -> Any:  # noqa: B008
    org = caller.actor.organisation
    mine = [e for e in catalogue(hub, caller.actor) if e["dataset"].split("/")[0] == org]
    return render(request, "steward/home.html", caller, title="Your organisation's data",
                  datasets=mine, organisation=org)


@router.get("/steward/datasets/{org}/{dataset}", include_in_schema=False)
def dataset_page(request: Request, org: str, dataset: str,
                 caller: Caller = Depends(caller_dep),  # noqa: B008
                 hub: Hub = Depends(hub_dep)) -> Any:  # noqa: B008
    contributions = list_contributions(hub, caller.actor, f"{org}/{dataset}")
    return _dataset_view(request, caller, org, dataset, contributions)


def _dataset_view(request: Request, caller: Caller, org: str, dataset: str,
                  contributions: list[dict[str, Any]], *, error: str = "",
                  status_code: int = 200) -> Any:
    error = _sentence(error)
    return render(request, "steward/dataset.html", caller, status_code=status_code,
                  title=f"{org}/{dataset}", org=org, dataset=dataset,
                  contributions=contributions, error=error,
                  error_summary=[("file", error)] if error else [])


@router.post("/steward/datasets/{org}/{dataset}/upload", include_in_schema=False)
def upload_form(request: Request, org: str, dataset: str,
                file: UploadFile | None = File(None),  # noqa: B008
                caller: Caller = Depends(form_caller),  # noqa: B008
                hub: Hub = Depends(hub_dep)) -> Any:  # noqa: B008
    """Without JavaScript: start the job and go to its page (post/redirect/get)."""
    try:
        job = _start_upload(request, hub, caller, org, dataset, file)
    except UploadRefused as exc:
        contributions = list_contributions(hub, caller.actor, f"{org}/{dataset}")
        return _dataset_view(request, caller, org, dataset, contributions, error=str(exc),
                             status_code=status.HTTP_400_BAD_REQUEST)
    return RedirectResponse(f"/steward/jobs/{job.id}", status.HTTP_303_SEE_OTHER)


@router.post("/api/datasets/{org}/{dataset}/contributions", tags=["contribute"],
             status_code=status.HTTP_202_ACCEPTED)
def api_contribute(request: Request, org: str, dataset: str,
                   file: UploadFile = File(...),  # noqa: B008
                   caller: Caller = Depends(form_caller),  # noqa: B008
                   hub: Hub = Depends(hub_dep)) -> JSONResponse:  # noqa: B008
    """Upload a raw file (CSV, XLSX, Parquet) to the dataset; it is validated, quarantined,
    pseudonymised and stored by a background job. Poll `status_url` for its progress and
    result (rows in, accepted, quarantined, and the version stored)."""
    job = _start_upload(request, hub, caller, org, dataset, file)
    return JSONResponse({"job": job.id, "status_url": f"/api/jobs/{job.id}"},
                        status.HTTP_202_ACCEPTED)


@router.get("/steward/jobs/{job_id}", include_in_schema=False)
def upload_job_page(request: Request, job_id: int,
                    caller: Caller = Depends(caller_dep),  # noqa: B008
                    hub: Hub = Depends(hub_dep)) -> Any:  # noqa: B008
    return job_page(request, caller, hub, job_id)


@router.get("/steward/datasets/{org}/{dataset}/versions/{version}", include_in_schema=False)
def report_page(request: Request, org: str, dataset: str, version: int,
                caller: Caller = Depends(caller_dep),  # noqa: B008
                hub: Hub = Depends(hub_dep)) -> Any:  # noqa: B008
    report = contribution_report(hub, caller.actor, f"{org}/{dataset}", version)
    return render(request, "steward/report.html", caller,
                  title=f"Validation report: {org}/{dataset} version {version}",
                  org=org, dataset=dataset, report=report)


@router.get("/steward/datasets/{org}/{dataset}/quarantine", include_in_schema=False)
def quarantine_page(request: Request, org: str, dataset: str,
                    caller: Caller = Depends(caller_dep),  # noqa: B008
                    hub: Hub = Depends(hub_dep)) -> Any:  # noqa: B008
    report = contribution_report(hub, caller.actor, f"{org}/{dataset}")
    return render(request, "steward/report.html", caller,
                  title=f"Quarantine: {org}/{dataset}", org=org, dataset=dataset,
                  report=report)


@router.get("/steward/erasure", include_in_schema=False)
def erasure_form(request: Request, reference: str = "", removed: int | None = None,
                 versions: int | None = None,
                 caller: Caller = Depends(caller_dep)) -> Any:  # noqa: B008
    notice = (f"Erasure {reference} done: {removed} rows removed from {versions} versions"
              if removed is not None and versions is not None else "")
    return _erasure_view(request, caller, {}, notice=notice)


def _erasure_view(request: Request, caller: Caller, values: dict[str, str], *,
                  errors: list[tuple[str, str]] | None = None, notice: str = "",
                  status_code: int = 200) -> Any:
    errors = [(field, _sentence(message)) for field, message in errors or []]
    return render(request, "steward/erasure.html", caller, status_code=status_code,
                  title="Ask for a person's records to be erased", fields=ERASURE_FIELDS,
                  values=values, notice=notice, error_summary=errors or [],
                  errors=dict(errors or []))


@router.post("/steward/erasure", include_in_schema=False)
async def erasure_request(request: Request, caller: Caller = Depends(form_caller),  # noqa: B008
                          hub: Hub = Depends(hub_dep)) -> Any:  # noqa: B008
    form = await request.form()
    values = {name: str(form.get(name) or "").strip()
              for name in ("reference", *(f for f, _ in ERASURE_FIELDS))}
    if not values["reference"]:
        return _erasure_view(request, caller, values, status_code=400, errors=[
            ("reference", "Enter the request's reference (no personal data)")])
    identifiers = {f: values[f] or None for f, _ in ERASURE_FIELDS}
    try:
        with get_engine(None) as engine:
            result = erase_person(hub, caller.actor, values["reference"], identifiers, None,
                                  engine)
    except CommonGroundError as exc:
        if isinstance(exc, PermissionError):
            raise
        return _erasure_view(request, caller, values, status_code=400,
                             errors=[("given_name", str(exc))])
    query = (f"reference={quote(result['reference'], safe='')}&removed={result['rows_removed']}"
             f"&versions={result['versions_rewritten']}")
    return RedirectResponse(f"/steward/erasure?{query}", status.HTTP_303_SEE_OTHER)
