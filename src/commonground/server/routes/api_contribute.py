"""The contribute API: datasets, the catalogue (also as DCAT), retention, erasure, and the
partner-platform push of packages made at source.

Each route is the web face of one CLI command (`commonground dataset register`, `catalogue`,
`retention run`, `erase`, `contribute PACKAGE`): it parses the request, calls the same
operation with the caller as the actor and answers with its result as JSON.

A partner's platform sends a package made with `commonground contribute --local` as one
archive of the package folder; the hub unpacks it safely (`server.archives`) and stores it as
the dataset's next version in a background job (`contribution.submit`), which the platform
polls at `/api/jobs/{id}` for the new version's number and row counts.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Request, Response, UploadFile, status
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, model_validator

from commonground.contribute import (
    Contract,
    ContractError,
    Package,
    catalogue,
    erase_person,
    register_dataset,
    run_retention,
    submit,
)
from commonground.contribute.contract import builtin_contract, parse_contract
from commonground.contribute.package import MANIFEST
from commonground.engines import Engine, get_engine
from commonground.governance import Resource
from commonground.server.archives import discard, package_folder, save_upload, unpack
from commonground.server.dcat import MEDIA_TYPE, catalogue_jsonld
from commonground.server.jobs import Check, Report, json_ready, refuse_now
from commonground.server.web import Caller, caller_dep, form_caller, hub_dep
from commonground.store.hub import Hub

router = APIRouter(tags=["contribute"])

CallerDep = Annotated[Caller, Depends(caller_dep)]
FormCallerDep = Annotated[Caller, Depends(form_caller)]
HubDep = Annotated[Hub, Depends(hub_dep)]
SLUG = r"^[a-z][a-z0-9_-]{0,63}$"  # as the lake's folders are named (`store.lake`)
Org = Annotated[str, PathParam(description="The owning organisation's slug, e.g. police.",
                               pattern=SLUG)]
DatasetName = Annotated[str, PathParam(description="The dataset's name, e.g. crimes.",
                                       pattern=SLUG)]
BUILTIN_NAME = r"^[a-z][a-z0-9_]{0,63}$"  # a name only: never a path on the hub's machine


class NewDataset(BaseModel):
    dataset: str = Field(description="organisation/dataset, e.g. police/crimes.",
                         pattern=SLUG.removesuffix("$") + "/" + SLUG.removeprefix("^"))
    contract: str | None = Field(None, description="A built-in contract's name, e.g. "
                                                   "police_uk_street.", pattern=BUILTIN_NAME)
    contract_document: dict[str, Any] | None = Field(
        None, description="The contract itself, as the YAML file holds it: `name`, `columns` "
                          "(each with name, type, role...), optional `record_id`.")
    description: str = Field("", description="What the dataset holds.", max_length=2000)

    @model_validator(mode="after")
    def one_contract(self) -> NewDataset:
        if (self.contract is None) == (self.contract_document is None):
            raise ValueError("give either `contract` (a built-in name) or "
                             "`contract_document`, not both or neither")
        return self


class ErasureRequest(BaseModel):
    """One person's identifiers, as the records hold them; empty ones are ignored. They are
    turned into tokens with the partnership key the hub's server holds
    ($COMMONGROUND_KEY_FILE) and are never stored or logged."""

    reference: str = Field(description="The request's reference (no personal data).",
                           min_length=1, max_length=100)
    given_name: str | None = Field(None, description="Given name.", max_length=200)
    family_name: str | None = Field(None, description="Family name.", max_length=200)
    dob: str | None = Field(None, description="Date of birth, YYYY-MM-DD.", max_length=10)
    postcode: str | None = Field(None, description="Postcode (any spacing or case).",
                                 max_length=10)
    nhs_number: str | None = Field(None, description="NHS number (ten digits; enough alone).",
                                   max_length=12)


class JobStarted(BaseModel):
    job: int = Field(description="The job's id.")
    status_url: str = Field(description="Where to poll the job's status and result.")


def _contract(body: NewDataset) -> Contract:
    if body.contract is not None:
        return builtin_contract(body.contract)
    try:
        return parse_contract(body.contract_document or {}, "contract_document")
    except (TypeError, ValueError) as exc:  # a field of the wrong type, e.g. max_length: "x"
        raise ContractError(f"contract_document: a field has the wrong type ({exc})") from None


@contextmanager
def _engine() -> Iterator[Engine]:
    engine = get_engine()
    try:
        yield engine
    finally:
        engine.close()


# --- datasets and the catalogue ---------------------------------------------------------

@router.post("/api/datasets", status_code=status.HTTP_201_CREATED)
def api_register_dataset(body: NewDataset, caller: FormCallerDep, hub: HubDep
                         ) -> dict[str, Any]:
    """Register a dataset with its contract, or update its contract (its owner's steward)."""
    return register_dataset(hub, caller.actor, body.dataset, _contract(body), body.description)


@router.get("/api/catalogue", tags=["catalogue"])
def api_catalogue(caller: CallerDep, hub: HubDep) -> dict[str, Any]:
    """What data the hub holds: datasets, owners, agreements, versions, rows, freshness."""
    return {"datasets": json_ready(catalogue(hub, caller.actor))}


@router.get("/api/catalogue.jsonld", tags=["catalogue"], response_class=JSONResponse,
            responses={200: {"content": {MEDIA_TYPE: {}}}})
def api_catalogue_dcat(request: Request, caller: CallerDep, hub: HubDep) -> JSONResponse:
    """The catalogue as DCAT (JSON-LD): a dcat:Catalog with a dcat:Dataset per dataset."""
    entries = json_ready(catalogue(hub, caller.actor))
    return JSONResponse(catalogue_jsonld(entries, str(request.base_url)),
                        media_type=MEDIA_TYPE)


# --- retention and erasure ----------------------------------------------------------------

@router.post("/api/retention/run")
def api_run_retention(caller: FormCallerDep, hub: HubDep) -> dict[str, Any]:
    """Delete versions past their retention period or under a revoked agreement."""
    return json_ready(run_retention(hub, caller.actor))  # type: ignore[no-any-return]


@router.post("/api/erasures")
def api_erase(body: ErasureRequest, caller: FormCallerDep, hub: HubDep) -> dict[str, Any]:
    """Erase one person's rows from every version you may erase from (at least two
    identifiers, or an NHS number)."""
    identifiers = body.model_dump(exclude={"reference"})
    with _engine() as engine:
        return erase_person(hub, caller.actor, body.reference, identifiers, None, engine)


# --- the partner-platform push ------------------------------------------------------------

def _received_package(archive: UploadFile, folder: Path) -> Package:
    """Save, unpack and open the uploaded archive inside `folder`."""
    upload = folder / "upload"
    save_upload(archive.file, upload)
    unpack(upload, folder / "unpacked")
    upload.unlink()
    return Package.open(package_folder(folder / "unpacked", MANIFEST))


@router.post("/api/datasets/{org}/{dataset}/packages", status_code=status.HTTP_202_ACCEPTED,
             response_model=JobStarted)
def api_submit_package(
    request: Request, response: Response, org: Org, dataset: DatasetName,
    caller: FormCallerDep, hub: HubDep,
    archive: Annotated[UploadFile, File(
        description="The package folder made with `commonground contribute --local`, as a "
                    ".zip or .tar.gz archive.")],
) -> dict[str, Any]:
    """Send a package made at source; it is checked and stored as the dataset's next version
    in a background job, whose result holds the version and its row counts."""
    # The archive's size is limited as it is copied and unpacked (`server.archives`); a
    # proxy in front of the hub should cap request bodies as well. Whoever the job would
    # refuse is refused before the archive is unpacked.
    check = Check("contribution.create", Resource.dataset(f"{org}/{dataset}"))
    refuse_now(hub, caller.actor, check)
    folder = Path(tempfile.mkdtemp(prefix="cg-package-"))
    try:
        package = _received_package(archive, folder)
    except BaseException:
        discard(folder)
        raise
    ref, actor = f"{org}/{dataset}", caller.actor

    def work(job_hub: Hub, report: Report) -> dict[str, Any]:
        try:
            report(0.1, f"checking and storing the package for {ref}")
            with _engine() as engine:
                return submit(job_hub, actor, ref, package, engine).to_dict()
        finally:
            discard(folder)

    try:
        job = request.app.state.jobs.start(hub, actor, "contribution.submit", work)
    except BaseException:
        discard(folder)
        raise
    response.headers["Location"] = f"/api/jobs/{job.id}"
    return {"job": job.id, "status_url": f"/api/jobs/{job.id}"}

