"""The governance lead's pages: agreements (draft, amend, sign, revoke), the audit log and
retention. Every form carries the session's CSRF token and follows post/redirect/get; the
operations check the policy and audit, as they do for the CLI."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request, status
from fastapi.responses import RedirectResponse

from commonground.contribute import run_retention
from commonground.errors import CommonGroundError, PermissionDenied
from commonground.governance import (
    LEGAL_BASES,
    AgreementView,
    amend_agreement,
    audit_entries,
    draft_agreement,
    get_agreement,
    list_agreements,
    list_organisations,
    revoke_agreement,
    sign_agreement,
    verify_audit,
)
from commonground.server.render import render
from commonground.server.web import Caller, caller_dep, form_caller, hub_dep
from commonground.store.hub import Hub

router = APIRouter(include_in_schema=False)

AUDIT_LIMIT = 200
OUTCOMES = ("allowed", "refused", "done")
# What a post did, for the success banner after its redirect (post/redirect/get).
DONE = {"drafted": "Agreement {slug} drafted: each party's governance lead must now sign it",
        "amended": "Agreement {slug} amended: the new version needs every party's signature",
        "signed": "You signed agreement {slug} for your organisation",
        "revoked": "Agreement {slug} revoked"}
# Which form field an agreement error is about, by a word in the room's message.
ERROR_FIELDS = (("slug", "slug"), ("title", "title"), ("part", "parties"),
                ("purpose", "purposes"), ("legal", "legal_bases"), ("retention", "retention_days"),
                ("expire", "expires_on"), ("starts", "starts_on"), ("date", "starts_on"),
                ("column", "data_items"), ("data item", "data_items"),
                ("dataset", "data_items"), ("shares data", "parties"))


def _lines(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[\n,;]", text) if part.strip()]


def parse_data_items(text: str) -> dict[str, list[str]]:
    """One dataset a line, 'organisation/dataset: column, column' ('*' for every column)."""
    items: dict[str, list[str]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        ref, sep, columns = line.partition(":")
        if not sep:
            raise CommonGroundError(f"data items line {number} must be written "
                                    "'organisation/dataset: column, column'")
        items[ref.strip()] = [c.strip() for c in columns.split(",") if c.strip()]
    return items


def _document(form: Mapping[str, Any], parties: list[str], bases: list[str]) -> dict[str, Any]:
    return {"slug": form["slug"].strip(), "title": form["title"].strip(), "parties": parties,
            "purposes": _lines(form["purposes"]),
            "legal_bases": bases + [b.strip() for b in form["other_legal_bases"].splitlines()
                                    if b.strip()],
            "data_items": parse_data_items(form["data_items"]),
            "retention_days": form["retention_days"].strip(),
            "starts_on": form["starts_on"].strip(), "expires_on": form["expires_on"].strip()}


def _field_of(message: str) -> str:
    lowered = message.lower()
    return next((field for word, field in ERROR_FIELDS if word in lowered), "slug")


def _values_of(view: AgreementView) -> dict[str, Any]:
    """A stored agreement as the form's values, for its amendment."""
    return {"slug": view.slug, "title": view.title, "parties": list(view.parties),
            "purposes": "\n".join(view.purposes),
            "legal_bases": [b for b in view.legal_bases if b in LEGAL_BASES],
            "other_legal_bases": "\n".join(b for b in view.legal_bases if b not in LEGAL_BASES),
            "data_items": "\n".join(f"{ref}: {', '.join(cols)}"
                                    for ref, cols in view.data_items.items()),
            "retention_days": str(view.retention_days),
            "starts_on": view.starts_on.isoformat(), "expires_on": view.expires_on.isoformat()}


def _form_page(request: Request, caller: Caller, hub: Hub, values: dict[str, Any], *,
               amend: bool, error: str = "", status_code: int = 200) -> Any:
    field = _field_of(error) if error else ""
    error = error[:1].upper() + error[1:]
    title = f"Amend agreement {values['slug']}" if amend else "Draft an agreement"
    return render(request, "governance/agreement_form.html", caller, status_code=status_code,
                  title=title, values=values, amend=amend, legal_bases=LEGAL_BASES,
                  organisations=list_organisations(hub),
                  errors={field: error} if error else {},
                  error_summary=[(field, error)] if error else [])


EMPTY = {"slug": "", "title": "", "parties": [], "purposes": "", "legal_bases": [],
         "other_legal_bases": "", "data_items": "", "retention_days": "", "starts_on": "",
         "expires_on": ""}


@router.get("/governance")
def governance_home(request: Request, caller: Caller = Depends(caller_dep),  # noqa: B008
                    hub: Hub = Depends(hub_dep)) -> Any:  # noqa: B008
    agreements = list_agreements(hub, caller.actor)
    return render(request, "governance/home.html", caller, title="Governance",
                  agreements=agreements)


@router.get("/governance/agreements/new")
def new_agreement(request: Request, caller: Caller = Depends(caller_dep),  # noqa: B008
                  hub: Hub = Depends(hub_dep)) -> Any:  # noqa: B008
    values = {**EMPTY, "parties": [caller.actor.organisation]}
    return _form_page(request, caller, hub, values, amend=False)


async def _posted(request: Request) -> dict[str, Any]:
    form = await request.form()
    values: dict[str, Any] = {k: str(form.get(k) or "") for k in EMPTY
                              if k not in ("parties", "legal_bases")}
    values["parties"] = [str(p) for p in form.getlist("parties")]
    values["legal_bases"] = [str(b) for b in form.getlist("legal_bases")]
    return values


@router.post("/governance/agreements")
async def draft(request: Request, caller: Caller = Depends(form_caller),  # noqa: B008
                hub: Hub = Depends(hub_dep)) -> Any:  # noqa: B008
    values = await _posted(request)
    try:
        view = draft_agreement(hub, caller.actor, _document(values, values["parties"],
                                                            values["legal_bases"]))
    except PermissionDenied:
        raise
    except CommonGroundError as exc:
        return _form_page(request, caller, hub, values, amend=False, error=str(exc),
                          status_code=status.HTTP_400_BAD_REQUEST)
    return _done(view.slug, "drafted")


def _done(slug: str, what: str) -> RedirectResponse:
    return RedirectResponse(f"/governance/agreements/{quote(slug, safe='')}?done={what}",
                            status.HTTP_303_SEE_OTHER)


@router.get("/governance/agreements/{slug}")
def agreement_page(request: Request, slug: str, done: str = "",
                   caller: Caller = Depends(caller_dep),  # noqa: B008
                   hub: Hub = Depends(hub_dep)) -> Any:  # noqa: B008
    view = get_agreement(hub, caller.actor, slug)
    notice = DONE[done].format(slug=slug) if done in DONE else ""
    return render(request, "governance/agreement.html", caller, title=f"Agreement {slug}",
                  agreement=view, notice=notice, error_summary=[], errors={})


@router.get("/governance/agreements/{slug}/amend")
def amend_form(request: Request, slug: str, caller: Caller = Depends(caller_dep),  # noqa: B008
               hub: Hub = Depends(hub_dep)) -> Any:  # noqa: B008
    view = get_agreement(hub, caller.actor, slug)
    return _form_page(request, caller, hub, _values_of(view), amend=True)


@router.post("/governance/agreements/{slug}/amend")
async def amend(request: Request, slug: str, caller: Caller = Depends(form_caller),  # noqa: B008
                hub: Hub = Depends(hub_dep)) -> Any:  # noqa: B008
    values = {**await _posted(request), "slug": slug}  # the slug names what is amended
    try:
        view = amend_agreement(hub, caller.actor, _document(values, values["parties"],
                                                            values["legal_bases"]))
    except PermissionDenied:
        raise
    except CommonGroundError as exc:
        return _form_page(request, caller, hub, values, amend=True, error=str(exc),
                          status_code=status.HTTP_400_BAD_REQUEST)
    return _done(view.slug, "amended")


@router.post("/governance/agreements/{slug}/sign")
def sign(slug: str, caller: Caller = Depends(form_caller),  # noqa: B008
         hub: Hub = Depends(hub_dep)) -> Any:  # noqa: B008
    view = sign_agreement(hub, caller.actor, slug)
    return _done(view.slug, "signed")


@router.post("/governance/agreements/{slug}/revoke")
def revoke(request: Request, slug: str, reason: str = Form(""),  # noqa: B008
           caller: Caller = Depends(form_caller),  # noqa: B008
           hub: Hub = Depends(hub_dep)) -> Any:  # noqa: B008
    if not reason.strip():
        view = get_agreement(hub, caller.actor, slug)
        message = "Enter why the agreement is revoked"
        return render(request, "governance/agreement.html", caller,
                      status_code=status.HTTP_400_BAD_REQUEST, title=f"Agreement {slug}",
                      agreement=view, errors={"reason": message},
                      error_summary=[("reason", message)])
    view = revoke_agreement(hub, caller.actor, slug, reason)
    return _done(view.slug, "revoked")


@router.get("/governance/audit")
def audit_page(request: Request, who: str = "", action: str = "", outcome: str = "",
               search: str = "", caller: Caller = Depends(caller_dep),  # noqa: B008
               hub: Hub = Depends(hub_dep)) -> Any:  # noqa: B008
    filters = {"who": who.strip()[:64], "action": action.strip()[:64],
               "outcome": outcome if outcome in OUTCOMES else "",
               "search": search.strip()[:200]}
    found = audit_entries(hub, caller.actor, AUDIT_LIMIT,
                          **{k: v or None for k, v in filters.items()})
    return render(request, "governance/audit.html", caller, title="Audit log", entries=found,
                  filters=filters, outcomes=OUTCOMES, limit=AUDIT_LIMIT)


@router.get("/governance/audit/verify")
def audit_verify(request: Request, caller: Caller = Depends(caller_dep),  # noqa: B008
                 hub: Hub = Depends(hub_dep)) -> Any:  # noqa: B008
    report = verify_audit(hub, caller.actor)
    return render(request, "governance/verify.html", caller, title="Verify the audit log",
                  report=report)


@router.get("/governance/retention")
def retention_form(request: Request, deleted: int | None = None, skipped: int | None = None,
                   caller: Caller = Depends(caller_dep)) -> Any:  # noqa: B008
    notice = (f"Retention run: {deleted} versions deleted"
              + (f"; {skipped} are for other organisations to delete" if skipped else "")
              if deleted is not None else "")
    return render(request, "governance/retention.html", caller, title="Retention",
                  notice=notice, errors={})


@router.post("/governance/retention")
def retention_run(request: Request, confirm: str = Form(""),  # noqa: B008
                  caller: Caller = Depends(form_caller),  # noqa: B008
                  hub: Hub = Depends(hub_dep)) -> Any:  # noqa: B008
    if confirm != "yes":
        message = "Confirm that the versions may be deleted"
        return render(request, "governance/retention.html", caller, title="Retention",
                      status_code=status.HTTP_400_BAD_REQUEST, errors={"confirm": message},
                      error_summary=[("confirm", message)])
    result = run_retention(hub, caller.actor)
    return RedirectResponse(f"/governance/retention?deleted={result['versions_deleted']}"
                            f"&skipped={result['not_yours_to_delete']}",
                            status.HTTP_303_SEE_OTHER)
