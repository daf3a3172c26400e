"""Governance commands: organisations, people, agreements and the audit log.

Mounted by cli.py as `org`, `user`, `agreement` and `audit`. Who is acting comes from
`--as USERNAME` or $COMMONGROUND_USER; only the first organisation and the first admin may
be added without one (while the hub has no people).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml

from commonground.commands.output import (
    ActorOption,
    HubOption,
    JsonOption,
    emit,
    key_values,
    opened_hub,
    rows_table,
)
from commonground.commands.output import acting as acting_as
from commonground.governance import (
    Actor,
    AgreementView,
    GovernanceError,
    actor_for,
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
from commonground.store import Hub

org_app = typer.Typer(help="Partner organisations.", no_args_is_help=True)
user_app = typer.Typer(help="People, their roles and API tokens.", no_args_is_help=True)
agreement_app = typer.Typer(help="Data sharing agreements.", no_args_is_help=True)
audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)


def _maybe_actor(hub: Hub, username: str | None) -> Actor | None:
    # None is accepted by the library only while the hub has no people (bootstrap).
    return actor_for(hub, username) if username else None


def _load_yaml(path: Path) -> dict[str, Any]:
    try:
        loaded = yaml.safe_load(path.read_text())
    except yaml.YAMLError:
        raise GovernanceError(f"{path} is not valid YAML") from None
    if not isinstance(loaded, dict):
        raise GovernanceError(f"{path} must hold one agreement as a mapping of fields")
    return loaded


# --- organisations -------------------------------------------------------------------------

@org_app.command("add")
def org_add(
    slug: Annotated[str, typer.Argument(help="Short name, e.g. essex-police.")],
    name: Annotated[str, typer.Option("--name", help="Full name.")],
    kind: Annotated[str, typer.Option("--kind",
                                      help="police, council, fire, health, ngo or university.")],
    hub: HubOption = Path("hub"),
    acting: ActorOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add a partner organisation (an admin; no one needed before the first person)."""
    with opened_hub(hub) as opened:
        result = add_organisation(opened, slug, name, kind,
                                  actor=_maybe_actor(opened, acting))
    emit(result, as_json, key_values("Organisation added"))


@org_app.command("list")
def org_list(hub: HubOption = Path("hub"), as_json: JsonOption = False) -> None:
    """List partner organisations."""
    with opened_hub(hub) as opened:
        result = {"organisations": list_organisations(opened)}
    emit(result, as_json, rows_table("Organisations", "organisations"))


# --- people --------------------------------------------------------------------------------

@user_app.command("add")
def user_add(
    username: Annotated[str, typer.Argument(help="Log-in name, e.g. j.smith.")],
    org: Annotated[str, typer.Option("--org", help="The person's organisation (slug).")],
    role: Annotated[list[str], typer.Option(
        "--role", help="steward, analyst, researcher, output_checker, governance_lead, admin, "
                       "board (repeat for several).")],
    name: Annotated[str | None, typer.Option("--name", help="Display name.")] = None,
    email: Annotated[str | None, typer.Option("--email", help="Work e-mail.")] = None,
    hub: HubOption = Path("hub"),
    acting: ActorOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add a person and print their API token once (it is never shown again)."""
    with opened_hub(hub) as opened:
        result = enrol_person(opened, username, org, role, display_name=name, email=email,
                              actor=_maybe_actor(opened, acting))
    emit(result, as_json, key_values("Person added"))


@user_app.command("token")
def user_token(
    username: Annotated[str, typer.Argument(help="Whose token.")],
    hub: HubOption = Path("hub"),
    acting: ActorOption = None,
    as_json: JsonOption = False,
) -> None:
    """Issue a new API token (for yourself, or as an admin for someone else)."""
    with opened_hub(hub) as opened:
        token = issue_token(opened, username, actor=acting_as(opened, acting))
    emit({"username": username, "token": token}, as_json, key_values("Token issued"))


@user_app.command("password")
def user_password(
    username: Annotated[str, typer.Argument(help="Whose web sign-in password.")],
    stdin: Annotated[bool, typer.Option(
        "--stdin", help="Read the password from standard input (for scripts).")] = False,
    hub: HubOption = Path("hub"),
    acting: ActorOption = None,
    as_json: JsonOption = False,
) -> None:
    """Set a web sign-in password (your own, or as an admin someone else's); ends their sessions."""
    password = (sys.stdin.readline().rstrip("\n") if stdin else
                typer.prompt("New password", hide_input=True, confirmation_prompt=True))
    with opened_hub(hub) as opened:
        set_password(opened, acting_as(opened, acting), username, password)
    emit({"username": username, "password_set": True}, as_json, key_values("Password set"))


# --- agreements ----------------------------------------------------------------------------

def _agreement_result(view: AgreementView) -> dict[str, Any]:
    return view.to_dict()


@agreement_app.command("add")
def agreement_add(
    file: Annotated[Path, typer.Option("--file", exists=True, dir_okay=False,
                                       help="The agreement as YAML.")],
    hub: HubOption = Path("hub"),
    acting: ActorOption = None,
    as_json: JsonOption = False,
) -> None:
    """Draft a new agreement from a YAML document (a governance lead of a party)."""
    with opened_hub(hub) as opened:
        view = draft_agreement(opened, acting_as(opened, acting), _load_yaml(file))
    emit(_agreement_result(view), as_json, key_values(f"Agreement {view.slug} drafted"))


@agreement_app.command("amend")
def agreement_amend(
    file: Annotated[Path, typer.Option("--file", exists=True, dir_okay=False,
                                       help="The amended agreement as YAML (same slug).")],
    hub: HubOption = Path("hub"),
    acting: ActorOption = None,
    as_json: JsonOption = False,
) -> None:
    """Draft a new version of an agreement; earlier versions are kept unchanged."""
    with opened_hub(hub) as opened:
        view = amend_agreement(opened, acting_as(opened, acting), _load_yaml(file))
    emit(_agreement_result(view), as_json,
         key_values(f"Agreement {view.slug} v{view.version} drafted"))


@agreement_app.command("sign")
def agreement_sign(
    slug: Annotated[str, typer.Argument(help="The agreement.")],
    hub: HubOption = Path("hub"),
    acting: ActorOption = None,
    as_json: JsonOption = False,
) -> None:
    """Sign the newest version for your organisation (a governance lead of a party)."""
    with opened_hub(hub) as opened:
        view = sign_agreement(opened, acting_as(opened, acting), slug)
    emit(_agreement_result(view), as_json, key_values(f"Agreement {slug} signed"))


@agreement_app.command("list")
def agreement_list(
    all_versions: Annotated[bool, typer.Option("--all", help="Every version.")] = False,
    hub: HubOption = Path("hub"),
    acting: ActorOption = None,
    as_json: JsonOption = False,
) -> None:
    """List agreements (newest version of each)."""
    with opened_hub(hub) as opened:
        views = list_agreements(opened, acting_as(opened, acting), all_versions=all_versions)
    rows = [{"slug": v.slug, "version": v.version, "status": v.status,
             "in_force": v.in_force, "parties": ", ".join(v.parties),
             "expires_on": v.expires_on.isoformat()} for v in views]
    emit({"agreements": rows}, as_json, rows_table("Agreements", "agreements"))


@agreement_app.command("show")
def agreement_show(
    slug: Annotated[str, typer.Argument(help="The agreement.")],
    version: Annotated[int | None, typer.Option("--version", help="Default: newest.")] = None,
    hub: HubOption = Path("hub"),
    acting: ActorOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show one agreement version: parties, purposes, data items, signatures."""
    with opened_hub(hub) as opened:
        view = get_agreement(opened, acting_as(opened, acting), slug, version)
    emit(_agreement_result(view), as_json, key_values(f"Agreement {slug} v{view.version}"))


@agreement_app.command("revoke")
def agreement_revoke(
    slug: Annotated[str, typer.Argument(help="The agreement.")],
    reason: Annotated[str, typer.Option("--reason", help="Why it ends now.")],
    hub: HubOption = Path("hub"),
    acting: ActorOption = None,
    as_json: JsonOption = False,
) -> None:
    """Revoke an agreement now: every access that relied on it ends."""
    with opened_hub(hub) as opened:
        view = revoke_agreement(opened, acting_as(opened, acting), slug, reason)
    emit(_agreement_result(view), as_json, key_values(f"Agreement {slug} revoked"))


# --- audit ---------------------------------------------------------------------------------

@audit_app.command("verify")
def audit_verify(
    hub: HubOption = Path("hub"),
    acting: ActorOption = None,
    as_json: JsonOption = False,
) -> None:
    """Check the audit log's hash chain; exit 1 if any entry was edited, deleted or moved."""
    with opened_hub(hub) as opened:
        report = verify_audit(opened, acting_as(opened, acting))
    emit(report.to_dict(), as_json, key_values("Audit log"))
    if not report.ok:
        raise typer.Exit(1)


@audit_app.command("list")
def audit_list(
    limit: Annotated[int, typer.Option("--limit", min=1, help="How many entries.")] = 100,
    hub: HubOption = Path("hub"),
    acting: ActorOption = None,
    as_json: JsonOption = False,
) -> None:
    """The newest audit entries first: who did what, on what, allowed or refused."""
    with opened_hub(hub) as opened:
        entries = audit_entries(opened, acting_as(opened, acting), limit)
    emit({"entries": entries}, as_json, rows_table("Audit log", "entries"))
