"""Quoting for the pipelines' SQL, defined once.

Pipelines are written in DuckDB's dialect (the other engines translate it), so a name is
double-quoted and a text value single-quoted, each doubling the quote it contains. Names and
values from a contract, a file header or a researcher's request go through these two and
nothing else.
"""

from __future__ import annotations


def ident(name: str) -> str:
    """`name` as an identifier: 'my "odd" col' -> "my ""odd"" col"."""
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    """`text` as a string literal: O'Brien -> 'O''Brien'."""
    return "'" + text.replace("'", "''") + "'"
