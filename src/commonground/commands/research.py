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

ProjectFileOption = Annotated[Path, typer.Option(
    "--file", help="The project as YAML: slug, title, question, commissioned_by, purpose, "
                   "researchers, datasets, ethics_reference, starts_on, ends_on.")]
SlugArgument = Annotated[str, typer.Argument(help="The project's slug.")]
ReasonOption = Annotated[str, typer.Option(help="Why, in a sentence (kept with the decision).")]
ProjectOption = Annotated[str, typer.Option(help="The project's slug.")]
SqlArgument = Annotated[str, typer.Argument(help="One SELECT over the project's views.")]
TitleOption = Annotated[str, typer.Option(help="What the output shows, in a line.")]
JustificationOption = Annotated[str, typer.Option(
    help="Why the output is needed, for the output checkers.")]
CommentOption = Annotated[str, typer.Option(help="The reviewer's comment to the author.")]
OutputId = Annotated[int, typer.Argument(help="The output request's id.")]
SpecOption = Annotated[str, typer.Option(
    help='JSON, e.g. {"view": "fire_safety_visits", "rows": ["overcrowding"], '
         '"aggfunc": "count"} or {"view": ..., "formula": "y ~ x"}')]
KindOption = Annotated[str, typer.Option(help="table or model")]
DecisionOption = Annotated[str, typer.Option(help="approve, return or reject")]
PublicOption = Annotated[bool, typer.Option(
    "--public", help="Show the comment to the researcher too (otherwise it is for the output "
                     "checkers only); either way, only once both reviews are in.")]
ListProjectOption = Annotated[str | None, typer.Option(
    "--project", help="Only this project's requests.")]
StateOption = Annotated[list[str] | None, typer.Option(
    "--state", help="Only requests in this state (repeatable), e.g. submitted.")]
DownloadOutOption = Annotated[Path, typer.Option(
    "--out", help="Folder to copy the released files and their release record into.")]
PROJECT_COLUMNS = ("project", "status", "commissioned_by", "purpose", "ends_on")


def _yaml(path: Path) -> dict[str, Any]:
    try:
        loaded = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError):
        raise CommonGroundError(f"{path} is not a readable YAML file") from None
    if not isinstance(loaded, dict):
        raise CommonGroundError(f"{path} must hold a mapping of fields")
    return loaded


@project_app.command("propose")
def project_propose(file: ProjectFileOption, hub: HubOption = Path("hub"),
                    actor: ActorOption = None, as_json: JsonOption = False) -> None:
    """Propose a project (a researcher); each data provider then approves or refuses it."""
    from commonground.research import propose_project

    doc = _yaml(file)
    with opened_hub(hub) as h:
        view = propose_project(h, acting(h, actor), **doc)
    emit(view.to_dict(), as_json, key_values("Project proposed"))


def _project(view: Any, as_json: bool, title: str | None = None) -> None:
    emit(view.to_dict(), as_json, key_values(title or f"Project {view.status}"))


@project_app.command("approve")
def project_approve(slug: SlugArgument, reason: ReasonOption = "",
                    hub: HubOption = Path("hub"), actor: ActorOption = None,
                    as_json: JsonOption = False) -> None:
    """Approve the use of your organisation's data in a project (governance lead)."""
    from commonground.research import approve_project

    with opened_hub(hub) as h:
        _project(approve_project(h, acting(h, actor), slug, reason), as_json)


@project_app.command("refuse")
def project_refuse(slug: SlugArgument, reason: ReasonOption,
                   hub: HubOption = Path("hub"), actor: ActorOption = None,
                   as_json: JsonOption = False) -> None:
    """Refuse the use of your organisation's data in a project (governance lead)."""
    from commonground.research import refuse_project

    with opened_hub(hub) as h:
        _project(refuse_project(h, acting(h, actor), slug, reason), as_json)


@project_app.command("revoke")
def project_revoke(slug: SlugArgument, reason: ReasonOption,
                   hub: HubOption = Path("hub"), actor: ActorOption = None,
                   as_json: JsonOption = False) -> None:
    """End a project's access now (a provider's or the commissioner's governance lead)."""
    from commonground.research import revoke_project

    with opened_hub(hub) as h:
        _project(revoke_project(h, acting(h, actor), slug, reason), as_json, "Project revoked")


def _render_projects(result: dict[str, Any]) -> None:
    shown = [{k: v[k] for k in PROJECT_COLUMNS} for v in result["projects"]]
    rows_table("Projects", "projects")({"projects": shown})


@project_app.command("list")
def project_list(hub: HubOption = Path("hub"), actor: ActorOption = None,
                 as_json: JsonOption = False) -> None:
    """Projects, their status and approvals."""
    from commonground.research import list_projects

    with opened_hub(hub) as h:
        views = [v.to_dict() for v in list_projects(h, acting(h, actor))]
    emit({"projects": views}, as_json, _render_projects)


@workspace_app.command("query")
def workspace_query(project: ProjectOption, sql: SqlArgument, hub: HubOption = Path("hub"),
                    actor: ActorOption = None, as_json: JsonOption = False) -> None:
    """Run SQL in the project's sandbox (its views only; audited)."""
    from commonground.research import query_workspace

    with opened_hub(hub) as h:
        table = query_workspace(h, acting(h, actor), project, sql)
    rows = table.slice(0, 1000).to_pylist()
    emit({"rows": rows, "row_count": table.num_rows, "columns": table.column_names}, as_json,
         rows_table(f"{table.num_rows} rows", "rows"))


@workspace_app.command("views")
def workspace_views(project: ProjectOption, hub: HubOption = Path("hub"),
                    actor: ActorOption = None, as_json: JsonOption = False) -> None:
    """The project's views: dataset, version, rows and columns."""
    from commonground.research import workspace_views as views_of

    with opened_hub(hub) as h:
        views = views_of(h, acting(h, actor), project)
    emit({"views": views}, as_json, key_values("Views"))


def _spec(text: str) -> dict[str, Any]:
    try:
        parsed: dict[str, Any] = json.loads(text)
    except json.JSONDecodeError:
        raise CommonGroundError("--spec must be JSON") from None
    return parsed


def _output(view: Any, as_json: bool) -> None:
    emit(view.to_dict(), as_json, key_values(f"Output {view.id} {view.state}"))


@output_app.command("request")
def output_request(project: ProjectOption, title: TitleOption, spec: SpecOption,
                   kind: KindOption = "table", justification: JustificationOption = "",
                   hub: HubOption = Path("hub"), actor: ActorOption = None,
                   as_json: JsonOption = False) -> None:
    """Ask for an output; disclosure checks run at once and the evidence is shown."""
    from commonground.research import request_output

    parsed = _spec(spec)
    with opened_hub(hub) as h:
        view = request_output(h, acting(h, actor), project, kind=kind, title=title,
                              spec=parsed, justification=justification)
    _output(view, as_json)


@output_app.command("check")
def output_check(output_id: OutputId, hub: HubOption = Path("hub"), actor: ActorOption = None,
                 as_json: JsonOption = False) -> None:
    """The request's state and disclosure evidence: which rule fired where."""
    from commonground.research import get_output

    with opened_hub(hub) as h:
        _output(get_output(h, acting(h, actor), output_id), as_json)


@output_app.command("submit")
def output_submit(output_id: OutputId, hub: HubOption = Path("hub"), actor: ActorOption = None,
                  as_json: JsonOption = False) -> None:
    """Send a pending request to the output checkers (its author)."""
    from commonground.research import submit_output

    with opened_hub(hub) as h:
        _output(submit_output(h, acting(h, actor), output_id), as_json)


@output_app.command("review")
def output_review(output_id: OutputId, decision: DecisionOption, comment: CommentOption = "",
                  public: PublicOption = False, hub: HubOption = Path("hub"),
                  actor: ActorOption = None, as_json: JsonOption = False) -> None:
    """Review an output (an output checker who is not its author); two reviews are needed."""
    from commonground.research import review_output

    visibility = "public" if public else "private"
    with opened_hub(hub) as h:
        _output(review_output(h, acting(h, actor), output_id, decision, comment, visibility),
                as_json)


@output_app.command("list")
def output_list(project: ListProjectOption = None, state: StateOption = None,
                hub: HubOption = Path("hub"), actor: ActorOption = None,
                as_json: JsonOption = False) -> None:
    """Output requests: every request for an output checker, your own for a researcher."""
    from commonground.research import list_outputs

    with opened_hub(hub) as h:
        views = list_outputs(h, acting(h, actor), project=project, states=state or ())
    shown = [{"id": v.id, "project": v.project, "author": v.author, "kind": v.kind,
              "title": v.title, "state": v.state, "reviews": len(v.reviews)} for v in views]
    emit({"outputs": shown}, as_json, rows_table("Output requests", "outputs"))


@output_app.command("release")
def output_release(output_id: OutputId, hub: HubOption = Path("hub"), actor: ActorOption = None,
                   as_json: JsonOption = False) -> None:
    """Release an approved output, with its machine-readable release record."""
    from commonground.research import release_output

    with opened_hub(hub) as h:
        _output(release_output(h, acting(h, actor), output_id), as_json)


@output_app.command("withdraw")
def output_withdraw(output_id: OutputId, hub: HubOption = Path("hub"), actor: ActorOption = None,
                    as_json: JsonOption = False) -> None:
    """Withdraw a request that has not been released (its author)."""
    from commonground.research import withdraw_output

    with opened_hub(hub) as h:
        _output(withdraw_output(h, acting(h, actor), output_id), as_json)


@output_app.command("download")
def output_download(output_id: OutputId, out: DownloadOutOption,
                    hub: HubOption = Path("hub"), actor: ActorOption = None,
                    as_json: JsonOption = False) -> None:
    """Download a released output and its release record."""
    from commonground.research import download_output

    with opened_hub(hub) as h:
        result = download_output(h, acting(h, actor), output_id, out)
    emit(result, as_json, key_values("Downloaded"))
