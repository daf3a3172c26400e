"""Capture histories from the hub itself: who each partner's referrals named, linked.

Each referral dataset is a list; one person is one linked person entity, counted once per
list however often that list referred them. The table of counts is built on tokens in the
engine (a GROUP BY over the person index), and only that table leaves: its small cells go
into the model but are never published (`published` suppresses them, as the airlock would).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pyarrow as pa

from commonground.engines import Engine
from commonground.errors import NotFound
from commonground.governance import Actor, Resource, require
from commonground.insights.prevalence.linkage import THRESHOLDS, capture_counts, threshold_sweep
from commonground.insights.prevalence.selection import compare_methods, report
from commonground.insights.prevalence.tables import CaptureTable
from commonground.link.index import read_index
from commonground.link.lake import lake_inputs, live_datasets, read_live
from commonground.link.mentions import mentions_pipeline
from commonground.link.model import PERSON
from commonground.link.resolve import resolve
from commonground.link.runs import model_parameters
from commonground.link.schema import ID, SOURCE
from commonground.store.hub import Hub

# The lists: every first responder's and the charity's referrals, by dataset and record id.
LISTS: dict[str, tuple[str, str]] = {
    "police": ("police/nrm_referrals", "NRM_REF"),
    "county_council": ("county_council/nrm_referrals", "Case Ref"),
    "ngo": ("ngo/referrals", "referral_id"),
}
PURPOSE = "research:modern-slavery"
SMALL = 10  # cells below this are modelled but never published


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
    return capture_counts(engine, list(present), pa.concat_tables(parts))


def linkage_sweep(hub: Hub, engine: Engine, table: CaptureTable, *, method: str,
                  threshold: float, thresholds: Sequence[float] = THRESHOLDS
                  ) -> list[dict[str, Any]]:
    """The estimate at each linkage threshold: the lists' person mentions scored again with
    the hub's trained person model, among themselves, and clustered at each threshold.
    Called after `hub_captures` has checked and audited the reads of these lists."""
    params = model_parameters(hub, "person")
    if params is None:
        raise NotFound("no trained person model yet: run `commonground link run` first")
    refs = {LISTS[name][0]: name for name in table.lists}
    datasets, sources = lake_inputs(hub)
    chosen = [d for d in datasets if d.ref in refs]
    mentions = engine.run(mentions_pipeline("person", chosen),
                          {d.table: sources[d.table] for d in chosen})
    scored = resolve(mentions, PERSON, engine, model=params)
    lists = pa.table({ID: mentions[ID], "list": pa.array(
        [refs[r] for r in mentions[SOURCE].to_pylist()], pa.string())})
    floor = min(PERSON.review_band[0], PERSON.threshold)
    return threshold_sweep(engine, mentions, scored.pairs, lists, PERSON,
                           names=table.lists, floor=floor, thresholds=thresholds,
                           method=method, p_threshold=threshold)


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
                   workers: int | None = None, compare: bool = False,
                   linkage: bool = False,
                   merges: Sequence[tuple[str, ...]] | None = None) -> dict[str, Any]:
    """How many potential victims no list saw, from the hub's linked referrals (with
    `compare`, every method side by side with its interval and the warnings; with `linkage`,
    the estimate at each linkage threshold; with `merges`, each list dropped and each group
    merged)."""
    table = hub_captures(hub, actor, engine)
    found = report(table, method, bootstrap=bootstrap, seed=seed, threshold=threshold,
                   workers=workers, merges=None if merges is None else list(merges))
    if compare:
        compared = compare_methods(table, bootstrap=bootstrap, seed=seed,
                                   threshold=threshold, workers=workers).to_dict()
        found = {**found, "methods": compared["methods"],
                 "warnings": sorted(set(found["warnings"]) | set(compared["warnings"]))}
    if linkage:
        found["linkage"] = linkage_sweep(hub, engine, table, method=method,
                                         threshold=threshold)
    return {**found, "captures": published(table),
            "lists_from": {name: LISTS[name][0] for name in table.lists}}
