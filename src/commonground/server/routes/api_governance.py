"""The governance API: organisations, people and their tokens, agreements, the audit log.

Each route is the web face of one CLI command (`commonground org|user|agreement|audit|key`):
it parses the request, calls the same governance operation with the caller as the actor and
answers with the operation's result as JSON. The operation checks the policy and audits.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response, status
from pydantic import BaseModel, Field

from commonground.contribute import trust_key
from commonground.governance import (
    ORGANISATION_KINDS,
    ROLES,
    add_organisation,
    amend_agreement,
    audit_entries,
    draft_agreement,
    enrol_person,
    get_agreement,
    issue_token,
    list_agreements,
    list_organisations,
    revoke_agreement,
    set_password,
    sign_agreement,
    verify_audit,
)
from commonground.server.jobs import json_ready
from commonground.server.web import Caller, caller_dep, form_caller, hub_dep
from commonground.store.hub import Hub

router = APIRouter(tags=["governance"])

Slug = Annotated[str, Path(description="The agreement's short name, e.g. essex-prevention.",
                           max_length=64)]
Username = Annotated[str, Path(description="The person's log-in name.", max_length=64)]
CallerDep = Annotated[Caller, Depends(caller_dep)]
FormCallerDep = Annotated[Caller, Depends(form_caller)]
HubDep = Annotated[Hub, Depends(hub_dep)]


# --- request bodies ---------------------------------------------------------------------

class NewOrganisation(BaseModel):
    slug: str = Field(description="Short name, lower case, e.g. essex-police.", max_length=64)
    name: str = Field(description="The organisation's full name.", max_length=200)
    kind: str = Field(description=f"One of: {', '.join(ORGANISATION_KINDS)}.", max_length=20)


class NewPerson(BaseModel):
    username: str = Field(description="Log-in name, e.g. j.smith.", max_length=64)
    organisation: str = Field(description="The person's organisation (its slug).",
                              max_length=64)
    roles: list[str] = Field(description=f"One or more of: {', '.join(ROLES)}.",
                             min_length=1, max_length=len(ROLES))
    display_name: str | None = Field(None, description="The name shown on pages.",
                                     max_length=200)
    email: str | None = Field(None, description="Work e-mail.", max_length=320)


class NewPassword(BaseModel):
    password: str = Field(description="The new web sign-in password (at least 12 characters; "
                                      "three random words work well).", max_length=1000)


class AgreementTerms(BaseModel):
    """What the parties agree to (as in the agreement YAML the CLI reads), without its slug."""

    title: str = Field(description="The agreement's title.", max_length=300)
    parties: list[str] = Field(description="The organisations party to it (slugs).",
                               min_length=1, max_length=100)
    purposes: list[str] = Field(description="Purpose codes, e.g. crime-prevention or "
                                            "research:modern-slavery.", min_length=1,
                                max_length=100)
    legal_bases: list[str] = Field(description="The lawful bases for sharing, e.g. "
                                               "'Crime and Disorder Act 1998 s115'.",
                                   min_length=1, max_length=50)
    data_items: dict[str, list[str]] = Field(
        description="The columns shared from each dataset, by 'organisation/dataset' "
                    "(['*'] for every column).")
    retention_days: int = Field(description="How long contributed versions are kept.",
                                ge=1, le=36500)
    starts_on: date = Field(description="The first day it may be in force.")
    expires_on: date = Field(description="The last day it may be in force.")


class NewAgreement(AgreementTerms):
    slug: str = Field(description="Short name, e.g. essex-prevention.", max_length=64)


class Revocation(BaseModel):
    reason: str = Field(description="Why the agreement ends now (kept with it).",
                        max_length=500)


class TrustedKey(BaseModel):
    fingerprint: str = Field(description="The partnership key's fingerprint (from `commonground "
                                         "key create`), never the key itself.",
                             pattern=r"^[0-9a-f]{16}$")


def _document(terms: AgreementTerms, slug: str) -> dict[str, Any]:
    return {**terms.model_dump(mode="json"), "slug": slug}


# --- organisations and people -------------------------------------------------------------

@router.get("/api/organisations")
def api_organisations(caller: CallerDep, hub: HubDep) -> dict[str, Any]:
    """The partner organisations (slug, name, kind)."""
    return {"organisations": list_organisations(hub)}


@router.post("/api/organisations", status_code=status.HTTP_201_CREATED)
def api_add_organisation(body: NewOrganisation, caller: FormCallerDep,
                         hub: HubDep) -> dict[str, Any]:
    """Add a partner organisation (an admin)."""
    return add_organisation(hub, body.slug, body.name, body.kind, actor=caller.actor)


@router.post("/api/people", status_code=status.HTTP_201_CREATED)
def api_enrol_person(body: NewPerson, caller: FormCallerDep, hub: HubDep) -> dict[str, Any]:
    """Add a person with their roles; the answer holds their first API token, shown once."""
    return enrol_person(hub, body.username, body.organisation, body.roles,
                        display_name=body.display_name, email=body.email, actor=caller.actor)


@router.post("/api/people/{username}/tokens", status_code=status.HTTP_201_CREATED)
def api_issue_token(username: Username, caller: FormCallerDep, hub: HubDep) -> dict[str, Any]:
    """A new API token (your own, or as an admin someone else's), shown once."""
    token = issue_token(hub, username, actor=caller.actor)
    return {"username": username, "token": token,
            "note": "the token is shown once; store it safely"}


@router.put("/api/people/{username}/password")
def api_set_password(username: Username, body: NewPassword, caller: FormCallerDep,
                     hub: HubDep) -> dict[str, Any]:
    """Set a web sign-in password (your own, or as an admin someone else's); ends their
    web sessions."""
    set_password(hub, caller.actor, username, body.password)
    return {"username": username, "password_set": True}


# --- agreements ---------------------------------------------------------------------------

@router.get("/api/agreements")
def api_agreements(caller: CallerDep, hub: HubDep,
                   all_versions: Annotated[bool, Query(
                       description="Every version, not only the newest of each.")] = False,
                   ) -> dict[str, Any]:
    """The data sharing agreements (the newest version of each, or every version)."""
    views = list_agreements(hub, caller.actor, all_versions=all_versions)
    return {"agreements": [view.to_dict() for view in views]}


@router.post("/api/agreements", status_code=status.HTTP_201_CREATED)
def api_draft_agreement(body: NewAgreement, response: Response, caller: FormCallerDep,
                        hub: HubDep) -> dict[str, Any]:
    """Draft a new agreement, version 1 (a governance lead of a party)."""
    view = draft_agreement(hub, caller.actor, _document(body, body.slug))
    response.headers["Location"] = f"/api/agreements/{view.slug}"
    return view.to_dict()


@router.get("/api/agreements/{slug}")
def api_agreement(slug: Slug, caller: CallerDep, hub: HubDep,
                  version: Annotated[int | None, Query(
                      description="Which version (default: the newest).", ge=1)] = None,
                  ) -> dict[str, Any]:
    """One agreement version: parties, purposes, data items, signatures, status."""
    return get_agreement(hub, caller.actor, slug, version).to_dict()


@router.post("/api/agreements/{slug}/amend", status_code=status.HTTP_201_CREATED)
def api_amend_agreement(slug: Slug, body: AgreementTerms, caller: FormCallerDep,
                        hub: HubDep) -> dict[str, Any]:
    """Draft a new version of an agreement; earlier versions are kept unchanged."""
    return amend_agreement(hub, caller.actor, _document(body, slug)).to_dict()


@router.post("/api/agreements/{slug}/sign")
def api_sign_agreement(slug: Slug, caller: FormCallerDep, hub: HubDep) -> dict[str, Any]:
    """Sign the newest version for your organisation; the last party's signature brings it
    into force."""
    return sign_agreement(hub, caller.actor, slug).to_dict()


@router.post("/api/agreements/{slug}/revoke")
def api_revoke_agreement(slug: Slug, body: Revocation, caller: FormCallerDep,
                         hub: HubDep) -> dict[str, Any]:
    """Revoke an agreement now: every access that relied on it ends."""
    return revoke_agreement(hub, caller.actor, slug, body.reason).to_dict()


# --- the audit log and the hub's key ------------------------------------------------------

@router.get("/api/audit")
def api_audit(caller: CallerDep, hub: HubDep,
              limit: Annotated[int, Query(description="How many entries, newest first.",
                                          ge=1, le=10_000)] = 100) -> dict[str, Any]:
    """The newest audit entries: who did what, on what, allowed or refused."""
    return {"entries": json_ready(audit_entries(hub, caller.actor, limit))}


@router.get("/api/audit/verify")
def api_verify_audit(caller: CallerDep, hub: HubDep) -> dict[str, Any]:
    """Check the audit log's hash chain: `ok`, or the first entry edited, deleted or moved."""
    return verify_audit(hub, caller.actor).to_dict()


@router.put("/api/hub/key")
def api_trust_key(body: TrustedKey, caller: FormCallerDep, hub: HubDep) -> dict[str, Any]:
    """Tell the hub which partnership key its packages must be made with (an admin)."""
    return trust_key(hub, caller.actor, body.fingerprint)
