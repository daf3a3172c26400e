"""What the partners' API answers besides plain JSON: a started job, or a file to download.

Long work (a link run, a risk list build) runs as a background job: the route answers 202 at
once with the job's id and where to poll it. An operation that writes a file writes it into a
fresh temporary folder on the hub's machine; the caller gets the file itself, never a path on
the server, and the folder is removed once the file has been sent.
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import Request, status
from fastapi.responses import FileResponse, JSONResponse
from starlette.background import BackgroundTask

from commonground.server.jobs import Check, Work
from commonground.server.web import Caller
from commonground.store.hub import Hub

MAX_ID = 2**31 - 1  # ids are 32-bit integers in every database the hub runs on

# What a route writes, and how a client should open it.
MEDIA_TYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "geojson": "application/geo+json",
    "parquet": "application/vnd.apache.parquet",
    "zip": "application/zip",
}

JOB_RESPONSES: dict[int | str, dict[str, Any]] = {
    202: {"description": "The job started: poll `status_url` (also the Location header)."}}


def file_responses(*kinds: str) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI entry of a route that answers with a file."""
    return {200: {"description": "The file, as an attachment.",
                  "content": {MEDIA_TYPES[kind]: {} for kind in kinds}}}


def start_job(request: Request, hub: Hub, caller: Caller, kind: str, work: Work, *,
              check: Check | None = None) -> JSONResponse:
    """Start `work` as the caller's job and answer 202 with where to follow it (refused at
    once if the policy refuses `check`: see `Jobs.start`)."""
    view = request.app.state.jobs.start(hub, caller.actor, kind, work, check=check)
    url = f"/api/jobs/{view.id}"
    return JSONResponse({"job": view.id, "kind": kind, "status": view.status,
                         "status_url": url}, status.HTTP_202_ACCEPTED,
                        headers={"Location": url})


def send_file(write: Callable[[Path], Any], filename: str, kind: str) -> FileResponse:
    """Call `write(folder)`, which writes `filename` inside a fresh temporary folder, and
    answer with that file; the folder goes once the response has been sent (or at once if
    the operation failed)."""
    folder = Path(tempfile.mkdtemp(prefix="cg-download-"))
    try:
        write(folder)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return FileResponse(folder / filename, media_type=MEDIA_TYPES[kind], filename=filename,
                        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True))


def zipped(folder: Path, name: str) -> Path:
    """Every file in `folder` in one zip archive beside them."""
    archive = folder / name
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        for path in sorted(folder.iterdir()):
            if path != archive and path.is_file():
                bundle.write(path, path.name)
    return archive
