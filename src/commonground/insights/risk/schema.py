"""The shape of a risk list: four columns, and nothing that names a person.

A list is (address_id, rank, score, explanation). The address is a linked address entity id
(A0000123), never an address; the explanation names indicators and the partners whose data
gave them, with numbers. Anything else (a name, a date of birth, a nationality) has no column
to travel in, so `check_list` refuses a table that carries one, and refuses free text where
an id or a code is expected.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from commonground.errors import InvalidInput

COLUMNS = ("address_id", "rank", "score", "explanation")
SCHEMA = pa.schema([("address_id", pa.string()), ("rank", pa.int64()),
                    ("score", pa.float64()), ("explanation", pa.string())])
CONTRIBUTION_KEYS = frozenset({"indicator", "partner", "value", "contribution"})
_ADDRESS = re.compile(r"^A\d{1,12}$")  # the entity index's address ids
# Codes, not prose: an indicator is named like `fire_hmo_overcrowding`, a partner by its slug
# (an indicator that needs two partners' records names both: "fire+district_council").
_INDICATOR = re.compile(r"^[a-z][a-z0-9_:.-]{0,99}$")
_PARTNER = re.compile(r"^[a-z][a-z0-9_-]{0,63}(\+[a-z][a-z0-9_-]{0,63}){0,4}$")


def contributions_json(contributions: Iterable[Mapping[str, Any]]) -> str:
    """The explanation column's text: contributions, largest first, as a JSON list."""
    items = sorted(((str(c["indicator"]), str(c["partner"]), float(c["value"]),
                     float(c["contribution"])) for c in contributions),
                   key=lambda c: (-c[3], c[0]))
    return json.dumps([{"indicator": i, "partner": p, "value": v, "contribution": w}
                       for i, p, v, w in items], separators=(",", ":"))


def _by_score(row: tuple[str, float, Sequence[Mapping[str, Any]]]) -> tuple[float, str]:
    return -float(row[1]), row[0]


def risk_table(rows: Iterable[tuple[str, float, Sequence[Mapping[str, Any]]]]) -> pa.Table:
    """A list from (address_id, score, contributions) rows, ranked by score (ties by id)."""
    ordered = sorted(rows, key=_by_score)
    return pa.table({
        "address_id": [r[0] for r in ordered],
        "rank": list(range(1, len(ordered) + 1)),
        "score": [float(r[1]) for r in ordered],
        "explanation": [contributions_json(r[2]) for r in ordered],
    }, schema=SCHEMA)


def contributions(explanation: str) -> list[dict[str, Any]]:
    """The explanation column's text back as a list, checked entry by entry."""
    try:
        items = json.loads(explanation)
    except (TypeError, ValueError):
        raise InvalidInput("a risk list's explanation must be a JSON list") from None
    if not isinstance(items, list):
        raise InvalidInput("a risk list's explanation must be a JSON list")
    for item in items:
        if not isinstance(item, dict) or set(item) != CONTRIBUTION_KEYS:
            raise InvalidInput("each contribution must have exactly the keys "
                               f"{', '.join(sorted(CONTRIBUTION_KEYS))}")
        if not isinstance(item["indicator"], str) or not _INDICATOR.match(item["indicator"]):
            raise InvalidInput("an indicator must be named by a code such as "
                               "fire_hmo_overcrowding")
        if not isinstance(item["partner"], str) or not _PARTNER.match(item["partner"]):
            raise InvalidInput("a contribution's partner must be an organisation's slug")
        for key in ("value", "contribution"):
            if isinstance(item[key], bool) or not isinstance(item[key], int | float) \
                    or not math.isfinite(item[key]):
                raise InvalidInput(f"a contribution's {key} must be a finite number")
    return items


def check_list(table: pa.Table) -> pa.Table:
    """The table as a risk list (the four columns in order, typed), or InvalidInput.

    Messages name columns and rules, never a value: a refused table may hold personal data.
    """
    extra = sorted(set(table.column_names) - set(COLUMNS))
    if extra:
        raise InvalidInput(f"a risk list holds only {', '.join(COLUMNS)}; refusing the "
                           f"column(s) {', '.join(extra)}")
    missing = [c for c in COLUMNS if c not in table.column_names]
    if missing:
        raise InvalidInput(f"a risk list needs the column(s) {', '.join(missing)}")
    if len(set(table.column_names)) != len(table.column_names):
        raise InvalidInput("a risk list's columns must be named once each")
    try:
        typed = table.select(list(COLUMNS)).cast(SCHEMA)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        raise InvalidInput("a risk list's columns must be address_id: string, rank: integer, "
                           "score: number, explanation: string") from None
    if typed.num_rows == 0:
        raise InvalidInput("a risk list must hold at least one address")
    if any(typed[c].null_count for c in COLUMNS):
        raise InvalidInput("a risk list may not hold empty cells")
    ids = typed["address_id"].to_pylist()
    if not all(_ADDRESS.match(i) for i in ids):
        raise InvalidInput("a risk list's address_id must be an address entity id "
                           "such as A0000123")
    if len(set(ids)) != len(ids):
        raise InvalidInput("an address may appear on a risk list only once")
    if sorted(typed["rank"].to_pylist()) != list(range(1, typed.num_rows + 1)):
        raise InvalidInput("a risk list's ranks must be 1, 2, ... n, each once")
    scores = typed["score"]
    if pc.any(pc.invert(pc.is_finite(scores))).as_py() or \
            pc.min(scores).as_py() < 0 or pc.max(scores).as_py() > 1:
        raise InvalidInput("a risk list's scores must be probabilities between 0 and 1")
    for text in typed["explanation"].to_pylist():
        contributions(text)
    return typed.sort_by("rank")
