"""The command reference (`docs/cli.md`), written from the Typer tree itself.

It lives beside the commands so that the docs, `cog` and the meta-test share one walk of the
tree; it takes the app as an argument because `commands` sits below `cli` and may not import it.
Output depends only on the code (no terminal width, no machine), so the file stays stable.

Commands and parameters are read by duck typing: recent Typer releases carry their own copy of
click, so `isinstance` against the `click` package would depend on the Typer version.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

import typer


@dataclass(frozen=True)
class CommandEntry:
    """One command or command group, by its full name as typed (`commonground output check`)."""

    name: str
    help: str
    params: tuple[Any, ...]  # click parameters, from whichever click Typer uses
    is_group: bool


def walk(app: typer.Typer, prog_name: str = "commonground") -> Iterator[CommandEntry]:
    """Every visible command and group, depth first, in the order `--help` lists them."""
    root: Any = typer.main.get_command(app)
    yield from _walk(root, root.context_class(root, info_name=prog_name))


def _walk(command: Any, ctx: Any) -> Iterator[CommandEntry]:
    is_group = hasattr(command, "list_commands")
    yield CommandEntry(
        name=ctx.command_path,
        help=first_paragraph(command.help or ""),
        params=tuple(p for p in command.params if not getattr(p, "hidden", False)),
        is_group=is_group,
    )
    if is_group:
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                yield from _walk(sub, sub.context_class(sub, info_name=name, parent=ctx))


def first_paragraph(text: str) -> str:
    """The help text up to its first blank line, on one line (click's `\\b` markers dropped)."""
    lines: list[str] = []
    for line in text.strip().splitlines():
        if not line.strip():
            break
        if line.strip() != "\b":
            lines.append(line.strip())
    return " ".join(lines)


def markdown(app: typer.Typer, prog_name: str = "commonground") -> str:
    """The reference as Markdown: one heading per command, its help, a table of its parameters."""
    parts: list[str] = []
    for entry in walk(app, prog_name):
        parts.append(f"## `{entry.name}`\n\n{entry.help}\n")
        rows = [_row(param) for param in entry.params]
        if rows:
            parts.append("| argument or option | help | default |\n|---|---|---|\n" + "".join(rows))
        if entry.is_group:
            parts.append("Commands: " + _subcommands(app, entry, prog_name) + "\n")
    return "\n".join(parts)


def _subcommands(app: typer.Typer, group: CommandEntry, prog_name: str) -> str:
    depth = len(group.name.split()) + 1
    names = [e.name for e in walk(app, prog_name)
             if e.name.startswith(group.name + " ") and len(e.name.split()) == depth]
    return ", ".join(f"`{name.split()[-1]}`" for name in names) + "."


def _is_option(param: Any) -> bool:
    return getattr(param, "param_type_name", "") == "option"


def _row(param: Any) -> str:
    help_text = first_paragraph(getattr(param, "help", None) or "")
    envvar = param.envvar if isinstance(param.envvar, str) else None
    if envvar and f"${envvar}" not in help_text:
        help_text = f"{help_text} (or `${envvar}`)".strip()
    return f"| `{_cell(_label(param))}` | {_cell(help_text)} | {_cell(_default(param))} |\n"


def _label(param: Any) -> str:
    # Names only, no type: how a type is shown differs between click and Typer releases.
    if _is_option(param):
        names = ", ".join(param.opts)
        if param.secondary_opts:
            names += " / " + ", ".join(param.secondary_opts)
        return str(names)
    label = str(param.name or "").upper()
    return f"{label}..." if param.nargs == -1 else label


def _default(param: Any) -> str:
    if param.required:
        return "required"
    if _is_option(param) and param.show_default is False:
        return ""
    value = param.default
    if callable(value):
        return "(computed)"
    if _is_option(param) and param.is_flag and isinstance(value, bool):
        # A paired flag shows the form in force; a lone flag is on or off.
        if param.secondary_opts:
            return f"`{param.opts[0] if value else param.secondary_opts[0]}`"
        return "on" if value else "off"
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(f"`{_plain(v)}`" for v in value)
    return f"`{_plain(value)}`"


def _plain(value: object) -> str:
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, PurePath):
        return value.as_posix()
    return str(value) if value != "" else '""'


def _cell(text: str) -> str:
    # A table cell is one line, and a bare `|` would end it.
    return text.replace("\n", " ").replace("|", "\\|")
