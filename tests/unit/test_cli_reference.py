"""Every command has help and an entry in docs/cli.md, and the file is what the code says."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from commonground.cli import app
from commonground.commands.reference import first_paragraph, markdown, walk

DOC = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def _generated(text: str) -> str:
    """The part of the file that cog writes: between the `]]] -->` and `[[[end]]]` lines."""
    lines = text.splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.rstrip().endswith("]]] -->"))
    end = next(i for i, line in enumerate(lines) if "[[[end]]]" in line)
    return "".join(lines[start + 1:end])


def test_every_command_has_help_text() -> None:
    entries = list(walk(app))
    assert len(entries) > 20  # the walk reached the sub-commands
    assert [entry.name for entry in entries if not entry.help] == []


def test_every_argument_and_option_has_help_text() -> None:
    missing = [f"{entry.name} {param.name}" for entry in walk(app) for param in entry.params
               if not getattr(param, "help", None)]
    assert missing == []


def test_every_command_has_an_entry_in_the_reference() -> None:
    text = DOC.read_text()
    assert [e.name for e in walk(app) if f"## `{e.name}`\n" not in text] == []


def test_the_reference_is_current() -> None:
    assert _generated(DOC.read_text()) == markdown(app), "docs/cli.md is stale: run `make docs`"


def test_the_walk_and_the_rendering_on_a_small_app() -> None:
    small = typer.Typer(help="Tiny.")
    group = typer.Typer(help="A group.\n\nMore words that stay out of the reference.")
    small.add_typer(group, name="room")

    @group.command()
    def act(
        target: Annotated[Path, typer.Argument(help="Where | to.")],
        level: Annotated[int, typer.Option(help="How much.")] = 3,
        loud: Annotated[bool, typer.Option(help="Shout.")] = False,
        quiet: Annotated[bool, typer.Option("--quiet", help="Whisper.")] = False,
    ) -> None:
        """Do it."""

    @group.command()
    def undocumented() -> None:
        pass

    @small.command(hidden=True)
    def secret() -> None:
        """Not listed."""

    entries = {entry.name: entry for entry in walk(small, prog_name="tiny")}
    assert list(entries) == ["tiny", "tiny room", "tiny room act", "tiny room undocumented"]
    assert entries["tiny room"].help == "A group."
    assert entries["tiny room undocumented"].help == ""  # what the help test above catches

    text = markdown(small, prog_name="tiny")
    assert "## `tiny room act`\n\nDo it.\n" in text
    assert "| `TARGET` | Where \\| to. | required |" in text
    assert "| `--level` | How much. | `3` |" in text
    assert "| `--loud / --no-loud` | Shout. | `--no-loud` |" in text
    assert "| `--quiet` | Whisper. | off |" in text
    assert "Commands: `act`, `undocumented`." in text
    assert markdown(small, prog_name="tiny") == text  # deterministic


def test_first_paragraph_joins_lines_and_drops_click_markers() -> None:
    assert first_paragraph("\b\nOne\n  two.\n\nThree.") == "One two."
