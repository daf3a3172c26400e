"""Capture histories from the hub itself: who each partner's referrals named, linked.

Each referral dataset is a list; one person is one linked person entity, counted once per
list however often that list referred them. The table of counts is built on tokens in the
engine (a GROUP BY over the person index), and only that table leaves: its small cells go
into the model but are never published (`published` suppresses them, as the airlock would).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from commonground.engines import Engine, Pipeline, literal
from commonground.errors import NotFound
from commonground.governance import Actor, Resource, require
from commonground.insights.prevalence.selection import compare_methods, report
from commonground.insights.prevalence.tables import CaptureTable, capture_table
from commonground.link.index import read_index
from commonground.link.lake import live_datasets, read_live
from commonground.store.hub import Hub

# The lists: every first responder's and the charity's referrals, by dataset and record id.
LISTS: dict[str, tuple[str, str]] = {
    "police": ("police/nrm_referrals", "NRM_REF"),
    "county_council": ("county_council/nrm_referrals", "Case Ref"),
    "ngo": ("ngo/referrals", "referral_id"),
}
PURPOSE = "research:modern-slavery"
SMALL = 10  # cells below this are modelled but never published


def histories_pipeline(names: list[str]) -> Pipeline:
    """Person entity -> which lists named them -> how many people share each history."""
    flags = ", ".join(f"MAX(CASE WHEN list = {literal(n)} THEN 1 ELSE 0 END) AS {n}"
                      for n in names)
    columns = ", ".join(names)
    return Pipeline.of(
        ("named", f"SELECT person, {flags} FROM mentions GROUP BY person"),
        ("histories", f"SELECT {columns}, COUNT(*) AS people FROM named "
                      f"GROUP BY {columns} ORDER BY {columns}"))


def hub_captures(hub: Hub, actor: Actor, engine: Engine, purpose: str = PURPOSE
                 ) -> CaptureTable:
    """The capture table of the hub's referral lists (every read checked and audited)."""
    require(hub, actor, "link.read", Resource("linkage"), details={"step": "prevalence"})
    live = live_datasets(hub)
    present = {name: spec for name, spec in LISTS.items() if spec[0] in live}
    if len(present) < 2:
        raise NotFound("multiple systems estimation needs at least two referral lists in "
                       f"the hub; found {len(present)}")
    people = read_index(hub.root, "person")
    if people is None:
        raise NotFound("no person entities yet: run `commonground link run` first")
    parts = []
    for name, (ref, _record_id) in present.items():
        table, record_id = read_live(hub, actor, ref, purpose, [])
        ids = pa.table({"record_id": pa.compute.cast(table[record_id], pa.string())})
        mine = people.filter(pa.compute.equal(people["source_dataset"], ref))
        linked = ids.join(mine.select(["record_id", "entity_id"]), "record_id")
        parts.append(pa.table({"person": linked["entity_id"],
                               "list": pa.array([name] * linked.num_rows, pa.string())}))
    names = list(present)
    counts = engine.run(histories_pipeline(names), {"mentions": pa.concat_tables(parts)})
    rows = np.column_stack([counts[n].to_numpy() for n in names])
    return capture_table(names, rows, counts["people"].to_numpy())


def published(table: CaptureTable) -> list[dict[str, Any]]:
    """The observed histories with cells below `SMALL` suppressed (shown as "<10")."""
    out = []
    for history, count in zip(table.histories.tolist(), table.counts.tolist(), strict=True):
        if any(history):
            shown: int | str = count if count >= SMALL or count == 0 else f"<{SMALL}"
            out.append({**dict(zip(table.lists, history, strict=True)), "people": shown})
    return out


def hub_prevalence(hub: Hub, actor: Actor, engine: Engine, *, method: str = "stepwise",
                   bootstrap: int = 1000, seed: int = 1234, threshold: float = 0.02,
                   workers: int | None = None, compare: bool = False) -> dict[str, Any]:
    """How many potential victims no list saw, from the hub's linked referrals (and, with
    `compare`, every method side by side with its interval and the warnings)."""
    table = hub_captures(hub, actor, engine)
    found = report(table, method, bootstrap=bootstrap, seed=seed, threshold=threshold,
                   workers=workers)
    if compare:
        compared = compare_methods(table, bootstrap=bootstrap, seed=seed,
                                   threshold=threshold, workers=workers).to_dict()
        found = {**found, "methods": compared["methods"],
                 "warnings": sorted(set(found["warnings"]) | set(compared["warnings"]))}
    return {**found, "captures": published(table),
            "lists_from": {name: LISTS[name][0] for name in table.lists}}
