"""Research commands: projects, workspace queries and the output airlock (Level 2)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml

from commonground.commands.output import (
    ActorOption,
    HubOption,
    JsonOption,
    acting,
    emit,
    key_values,
    opened_hub,
    rows_table,
)
from commonground.errors import CommonGroundError

project_app = typer.Typer(help="Commissioned research projects.", no_args_is_help=True)
workspace_app = typer.Typer(help="A project's governed workspace.", no_args_is_help=True)
output_app = typer.Typer(help="Output requests through the airlock.", no_args_is_help=True)


def _yaml(path: Path) -> dict[str, Any]:
    try:
        loaded = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError):
        raise CommonGroundError(f"{path} is not a readable YAML file") from None
    if not isinstance(loaded, dict):
        raise CommonGroundError(f"{path} must hold a mapping of fields")
    return loaded


@project_app.command("propose")
def project_propose(
    file: Annotated[Path, typer.Option("--file", help="The project as YAML: slug, title, "
                                       "question, commissioned_by, purpose, researchers, "
                                       "datasets, ethics_reference, starts_on, ends_on.")],
    hub: HubOption = Path("hub"), actor: ActorOption = None, as_json: JsonOption = False,
) -> None:
    """Propose a project (a researcher); each data provider then approves or refuses it."""
    from commonground.research.projects import propose_project

    doc = _yaml(file)
    with opened_hub(hub) as h:
        view = propose_project(h, acting(h, actor), **doc)
    emit(view.to_dict(), as_json, key_values("Project proposed"))


def _decide(slug: str, decision: str, reason: str, hub: Path, actor: str | None,
            as_json: bool) -> None:
    from commonground.research.projects import decide

    with opened_hub(hub) as h:
        view = decide(h, acting(h, actor), slug, decision, reason)
    emit(view.to_dict(), as_json, key_values(f"Project {view.status}"))


@project_app.command("approve")
def project_approve(slug: str, reason: Annotated[str, typer.Option()] = "",
                    hub: HubOption = Path("hub"), actor: ActorOption = None,
                    as_json: JsonOption = False) -> None:
    """Approve the use of your organisation's data in a project (governance lead)."""
    _decide(slug, "approved", reason, hub, actor, as_json)


@project_app.command("refuse")
def project_refuse(slug: str, reason: Annotated[str, typer.Option()],
                   hub: HubOption = Path("hub"), actor: ActorOption = None,
                   as_json: JsonOption = False) -> None:
    """Refuse the use of your organisation's data in a project (governance lead)."""
    _decide(slug, "refused", reason, hub, actor, as_json)


@project_app.command("revoke")
def project_revoke(slug: str, reason: Annotated[str, typer.Option()],
                   hub: HubOption = Path("hub"), actor: ActorOption = None,
                   as_json: JsonOption = False) -> None:
    """End a project's access now (a provider's or the commissioner's governance lead)."""
    from commonground.research.projects import revoke_project

    with opened_hub(hub) as h:
        view = revoke_project(h, acting(h, actor), slug, reason)
    emit(view.to_dict(), as_json, key_values("Project revoked"))


@project_app.command("list")
def project_list(hub: HubOption = Path("hub"), actor: ActorOption = None,
                 as_json: JsonOption = False) -> None:
    """Projects, their status and approvals."""
    from commonground.research.projects import list_projects

    with opened_hub(hub) as h:
        views = [v.to_dict() for v in list_projects(h, acting(h, actor))]
    shown = [{k: v[k] for k in ("project", "status", "commissioned_by", "purpose", "ends_on")}
             for v in views]
    emit({"projects": views}, as_json,
         lambda _r: rows_table("Projects", "projects")({"projects": shown}))


@workspace_app.command("query")
def workspace_query(
    project: Annotated[str, typer.Option(help="The project's slug.")],
    sql: Annotated[str, typer.Argument(help="One SELECT over the project's views.")],
    hub: HubOption = Path("hub"), actor: ActorOption = None, as_json: JsonOption = False,
) -> None:
    """Run SQL in the project's sandbox (its views only; audited)."""
    from commonground.research.workspace import Workspace

    with opened_hub(hub) as h:
        table = Workspace(h, acting(h, actor), project).sql(sql)
    rows = table.slice(0, 1000).to_pylist()
    emit({"rows": rows, "row_count": table.num_rows, "columns": table.column_names}, as_json,
         rows_table(f"{table.num_rows} rows", "rows"))


@workspace_app.command("views")
def workspace_views(project: Annotated[str, typer.Option()], hub: HubOption = Path("hub"),
                    actor: ActorOption = None, as_json: JsonOption = False) -> None:
    """The project's views: dataset, version, rows and columns."""
    from commonground.research.workspace import Workspace

    with opened_hub(hub) as h:
        views = Workspace(h, acting(h, actor), project).views()
    emit({"views": views}, as_json, key_values("Views"))


@output_app.command("request")
def output_request(
    project: Annotated[str, typer.Option()],
    title: Annotated[str, typer.Option()],
    spec: Annotated[str, typer.Option(help='JSON, e.g. {"view": "fire_safety_visits", '
                                      '"rows": ["overcrowding"], "aggfunc": "count"} or '
                                      '{"view": ..., "formula": "y ~ x"}')],
    kind: Annotated[str, typer.Option(help="table or model")] = "table",
    justification: Annotated[str, typer.Option()] = "",
    hub: HubOption = Path("hub"), actor: ActorOption = None, as_json: JsonOption = False,
) -> None:
    """Ask for an output; disclosure checks run at once and the evidence is shown."""
    from commonground.research.airlock import request_output

    try:
        parsed = json.loads(spec)
    except json.JSONDecodeError:
        raise CommonGroundError("--spec must be JSON") from None
    with opened_hub(hub) as h:
        view = request_output(h, acting(h, actor), project, kind=kind, title=title,
                              spec=parsed, justification=justification)
    emit(view.to_dict(), as_json, key_values(f"Output {view.id} {view.state}"))


def _act(name: str, output_id: int, hub: Path, actor: str | None, as_json: bool,
         **extra: Any) -> None:
    from commonground.research import airlock

    with opened_hub(hub) as h:
        who = acting(h, actor)
        if name == "check":
            view = airlock.get_output(h, output_id)
        else:
            view = getattr(airlock, f"{name}_output")(h, who, output_id, **extra)
    emit(view.to_dict(), as_json, key_values(f"Output {view.id} {view.state}"))


@output_app.command("check")
def output_check(output_id: int, hub: HubOption = Path("hub"), actor: ActorOption = None,
                 as_json: JsonOption = False) -> None:
    """The request's state and disclosure evidence: which rule fired where."""
    _act("check", output_id, hub, actor, as_json)


@output_app.command("submit")
def output_submit(output_id: int, hub: HubOption = Path("hub"), actor: ActorOption = None,
                  as_json: JsonOption = False) -> None:
    """Send a pending request to the output checkers (its author)."""
    _act("submit", output_id, hub, actor, as_json)


@output_app.command("review")
def output_review(output_id: int,
                  decision: Annotated[str, typer.Option(help="approve, return or reject")],
                  comment: Annotated[str, typer.Option()] = "",
                  hub: HubOption = Path("hub"), actor: ActorOption = None,
                  as_json: JsonOption = False) -> None:
    """Review an output (an output checker who is not its author); two reviews are needed."""
    _act("review", output_id, hub, actor, as_json, decision=decision, comment=comment)


@output_app.command("release")
def output_release(output_id: int, hub: HubOption = Path("hub"), actor: ActorOption = None,
                   as_json: JsonOption = False) -> None:
    """Release an approved output, with its machine-readable release record."""
    _act("release", output_id, hub, actor, as_json)


@output_app.command("withdraw")
def output_withdraw(output_id: int, hub: HubOption = Path("hub"), actor: ActorOption = None,
                    as_json: JsonOption = False) -> None:
    """Withdraw a request that has not been released (its author)."""
    _act("withdraw", output_id, hub, actor, as_json)


@output_app.command("download")
def output_download(output_id: int, out: Annotated[Path, typer.Option("--out")],
                    hub: HubOption = Path("hub"), actor: ActorOption = None,
                    as_json: JsonOption = False) -> None:
    """Download a released output and its release record."""
    from commonground.research.airlock import download_output

    with opened_hub(hub) as h:
        result = download_output(h, acting(h, actor), output_id, out)
    emit(result, as_json, key_values("Downloaded"))
