"""The command line: thin Typer commands over the domain rooms.

Every command that produces a result takes `--json` and then prints exactly one JSON object on
stdout; progress and logs go to stderr. Errors are one sentence and a non-zero exit.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from commonground import __version__, settings
from commonground.commands.output import (
    HubOption,
    JsonOption,
    emit,
    err,
    key_values,
    out,
    progress_bar,
)

app = typer.Typer(
    name="commonground",
    help="CommonGround: a multi-agency data analytics hub for crime prevention.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"commonground {__version__}\n")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """CommonGround: contribute and share data, research it safely, prevent crime."""


@app.command()
def init(
    hub: Annotated[Path, typer.Argument(help="Folder for the new hub.")],
    as_json: JsonOption = False,
) -> None:
    """Create a hub (or bring an existing one's database up to date)."""
    from commonground.store import init_hub

    created = init_hub(hub)
    try:
        emit(created.describe(), as_json, key_values("Hub ready"))
    finally:
        created.close()


@app.command()
def simulate(
    out_dir: Annotated[Path, typer.Argument(help="Folder to write the synthetic county into.")],
    people: Annotated[int, typer.Option(min=100, help="How many residents.")] = 50_000,
    seed: Annotated[int, typer.Option(help="Random seed: same seed, same bytes.")] = 1,
    as_json: JsonOption = False,
) -> None:
    """Write a synthetic Essex-like county: partners' extracts plus the ground truth."""
    from commonground.simulate import CountyConfig, simulate_county

    with progress_bar(enabled=sys.stderr.isatty() or not as_json) as report:
        summary = simulate_county(CountyConfig(people=people, seed=seed), out_dir, report)
    emit(summary.to_dict(), as_json, key_values("Synthetic county written"))


@app.command()
def demo(
    hub: HubOption = Path("hub"),
    people: Annotated[int, typer.Option(min=500, help="Residents of the county.")] = 50_000,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 1,
    partners: Annotated[
        Path | None,
        typer.Option(help="Where the partners' raw extracts go (default: HUB-partners)."),
    ] = None,
    engine: Annotated[
        str | None, typer.Option(help="duckdb (default) or spark; or $COMMONGROUND_ENGINE."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Build a hub from the synthetic county and run every stage end to end."""
    from commonground.demo import render_demo, run_demo

    with progress_bar(enabled=sys.stderr.isatty() or not as_json) as report:
        result = run_demo(hub, people=people, seed=seed, partners=partners,
                          engine_name=engine, progress=report)
    emit(result, as_json, lambda r: render_demo(r, out))


@app.command()
def serve(
    hub: HubOption = Path("hub"),
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    workers: Annotated[int | None, typer.Option(
        min=1, help="Server processes (default: one per core, at most 4).")] = None,
) -> None:
    """Serve the web app (a page for every role) and the API for partners' platforms."""
    import uvicorn

    from commonground.server import create_app
    from commonground.server.jobs import Jobs
    from commonground.store import open_hub

    open_hub(hub).close()  # a clear error now rather than on the first request
    # Python runs one thread at a time per process, so one process uses one core; pages
    # under load need them all. Everything the processes share is in the hub's database.
    count = workers or max(1, min(os.cpu_count() or 1, 4))
    Jobs(hub.resolve()).abandon_unfinished()  # once per start, not in each worker
    err.print(f"CommonGround on http://{host}:{port}/ (hub {hub}, {count} "
              f"process{'es' if count > 1 else ''}); Ctrl-C to stop")
    # Behind a TLS proxy on this machine, X-Forwarded-Proto makes cookies Secure.
    # Keep idle connections 75 s (nginx's default), not uvicorn's 5 s: a browser reusing a
    # connection the server has just closed sees a failed request.
    options: dict[str, Any] = {"host": host, "port": port, "log_level": "warning",
                               "proxy_headers": True, "forwarded_allow_ips": "127.0.0.1",
                               "timeout_keep_alive": 75}
    if count == 1:
        uvicorn.run(create_app(hub, abandon_jobs=False), **options)
        return
    settings.hand_down(settings.HUB, str(hub.resolve()))  # the workers' hub
    uvicorn.run("commonground.server.app:served_app", factory=True, workers=count, **options)


def _mount() -> None:
    """Each room's commands, mounted under their nouns."""
    from commonground.commands import (
        address,
        contribute,
        governance,
        insights,
        link,
        network,
        prevalence,
        research,
        risk,
    )

    app.add_typer(governance.org_app, name="org")
    app.add_typer(governance.user_app, name="user")
    app.add_typer(governance.agreement_app, name="agreement")
    app.add_typer(governance.audit_app, name="audit")
    app.add_typer(contribute.key_app, name="key")
    app.add_typer(contribute.dataset_app, name="dataset")
    app.add_typer(contribute.retention_app, name="retention")
    app.command("contribute")(contribute.contribute)
    app.command("catalogue")(contribute.catalogue)
    app.command("erase")(contribute.erase)
    app.add_typer(research.project_app, name="project")
    app.add_typer(research.workspace_app, name="workspace")
    app.add_typer(research.output_app, name="output")
    app.add_typer(link.link_app, name="link")
    app.add_typer(address.address_app, name="address")
    insights.insights_app.add_typer(risk.risk_app, name="risk")
    insights.insights_app.add_typer(risk.visit_app, name="visit")
    insights.insights_app.command("network")(network.network)
    insights.insights_app.command("uplift")(risk.uplift)
    insights.insights_app.command("prevalence")(prevalence.prevalence)
    app.add_typer(insights.insights_app, name="insights")
    app.add_typer(insights.intervention_app, name="intervention")


_mount()


def _one_sentence(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text if text.endswith(".") else text + "."


# The operating system's refusals about the user's own paths, raised by libraries we call:
# as actionable as our own errors, and worded well enough by the OS.
_OS_REFUSALS = (FileExistsError, FileNotFoundError, IsADirectoryError, NotADirectoryError,
                PermissionError)


def main() -> None:
    """Entry point: run the app and turn an error a user can act on into one sentence and its
    exit code (`commonground.errors`); anything else is a bug, shown as such."""
    from commonground.errors import status_of

    try:
        app(prog_name="commonground")
    except KeyboardInterrupt:
        sys.stderr.write("Interrupted.\n")
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 - the last line of defence against a traceback
        status = status_of(exc)
        if status is not None or isinstance(exc, _OS_REFUSALS):
            # Plain text, not Rich: no wrapping, and no markup read into the message's brackets.
            sys.stderr.write(f"Error: {_one_sentence(exc)}\n")
            sys.exit(status[0] if status else 1)
        if settings.current().debug:
            raise
        sys.stderr.write(f"Error: unexpected {type(exc).__name__}; "
                         "run again with COMMONGROUND_DEBUG=1 to see the details.\n")
        sys.exit(1)


if __name__ == "__main__":
    main()
