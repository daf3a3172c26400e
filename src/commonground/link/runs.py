"""Linkage at the hub: link every contributed dataset, keep ids stable, queue the doubtful.

`run_linkage` is what `commonground link run` and the demo call. Per entity kind it reads the
mentions from the lake (tokens only), reuses the latest model unless asked to retrain (a new
model version is recorded with its parameters and their hash), applies every review decision,
carries entity ids over from the previous index, writes the next index version and queues the
pairs in the review band with their waterfall explanations.

A run is *incremental* (`link/incremental.py`: only pairs with a new mention are scored, into
the previous clusters) when nothing but the mentions changed since the last run: the same
model, the index that run wrote, and the same review decisions. Otherwise, or when asked
(`full=True`), every pair is scored again and clustered from scratch.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from sqlalchemy import func, select

from commonground.engines import Engine
from commonground.errors import NotFound
from commonground.governance import Actor, Resource, require
from commonground.link.evaluate import county_truth, score
from commonground.link.explain import waterfall
from commonground.link.incremental import resolve_new
from commonground.link.index import carry_over, latest_version, read_index, write_index
from commonground.link.lake import hub_mentions, lake_inputs
from commonground.link.model import SPECS
from commonground.link.models import LinkModel, LinkRun, ReviewItem
from commonground.link.resolve import Decisions, pair_key, resolve
from commonground.link.schema import ID, KEYS, KINDS, SOURCE, UNLINKABLE, EntityKind
from commonground.store.hub import Hub

LINKAGE = Resource("linkage")
REVIEW_LIMIT = 500  # pairs queued per run: a day's work for a reviewer, most doubtful first


def _latest_model(hub: Hub, kind: str) -> LinkModel | None:
    with hub.sessions()() as session:
        return session.scalar(select(LinkModel).where(LinkModel.kind == kind)
                              .order_by(LinkModel.version.desc()).limit(1))


def model_parameters(hub: Hub, kind: str) -> dict[str, Any] | None:
    """The hub's latest trained model of `kind` (Splink's JSON settings), if it has one."""
    latest = _latest_model(hub, kind)
    return None if latest is None else dict(latest.parameters)


def decisions(hub: Hub, kind: str) -> Decisions:
    with hub.sessions()() as session:
        rows = session.scalars(select(ReviewItem).where(ReviewItem.kind == kind,
                                                        ReviewItem.status == "decided"))
        return {(r.left_id, r.right_id): r.decision == "same" for r in rows}


def _decisions_digest(known: Decisions) -> str:
    return _digest({"decisions": sorted([left, right, same]
                                        for (left, right), same in known.items())})


def _last_run(hub: Hub, kind: EntityKind) -> LinkRun | None:
    with hub.sessions()() as session:
        return session.scalar(select(LinkRun).where(LinkRun.kind == kind)
                              .order_by(LinkRun.id.desc()).limit(1))


def _unchanged_since_last_run(last: LinkRun | None, hub: Hub, kind: EntityKind,
                              model: LinkModel, decisions_digest: str) -> bool:
    """Whether the last run used `model`, wrote the latest index and saw the same decisions.

    Decisions are compared by digest rather than by time: a decision recorded while a run
    was under way, or one changed and changed back, is then judged by what the run used.
    """
    return (last is not None and last.model_id == model.id
            and last.index_version == latest_version(hub.root, kind)
            and last.summary.get("decisions_sha256") == decisions_digest)


def _unlinkable(hub: Hub, engine: Engine, kind: EntityKind) -> pa.Table:
    """The keys of the mentions the model cannot link (people with no name): each is an
    entity of its own in the index, so that every mention is there."""
    if kind != "person":
        return pa.table({c: pa.array([], pa.string()) for c in KEYS})
    return hub_mentions(hub, engine, kind, unnamed=True).select(list(KEYS))


def _listed(unlinkable: pa.Table) -> dict[str, Any]:
    return {"count": unlinkable.num_rows, "why": UNLINKABLE,
            "ids": unlinkable[ID].to_pylist()}


def _with_singletons(clusters: pa.Table, ids: pa.ChunkedArray) -> pa.Table:
    linked = clusters.select([ID, "cluster"])
    alone = pa.table({ID: ids, "cluster": ids}).cast(linked.schema)
    return pa.concat_tables([linked, alone])


def _issued(hub: Hub, kind: str) -> int:
    with hub.sessions()() as session:
        runs = session.scalars(select(LinkRun).where(LinkRun.kind == kind))
        return max((int(r.summary.get("highest_id_number", 0)) for r in runs), default=0)


def _digest(parameters: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(parameters, sort_keys=True).encode()).hexdigest()


def _queue(hub: Hub, kind: str, run_id: int, pairs: pa.Table, model: dict[str, Any],
           band: tuple[float, float]) -> int:
    low, high = band
    doubtful = pairs.filter(pc.and_(pc.greater_equal(pairs["match_probability"], low),
                                    pc.less(pairs["match_probability"], high)))
    # Most doubtful first: closest to even odds.
    distance = pc.abs(pc.subtract(doubtful["match_probability"], 0.5))
    doubtful = doubtful.take(pc.sort_indices(distance)).slice(0, REVIEW_LIMIT)
    added = 0
    with hub.sessions().begin() as session:
        known = {(r.left_id, r.right_id) for r in session.scalars(
            select(ReviewItem).where(ReviewItem.kind == kind))}
        for pair in doubtful.to_pylist():
            left, right = pair_key(pair["unique_id_l"], pair["unique_id_r"])
            if (left, right) in known:
                continue
            session.add(ReviewItem(kind=kind, left_id=left, right_id=right,
                                   match_probability=float(pair["match_probability"]),
                                   explanation=waterfall(pair, model), run_id=run_id))
            known.add((left, right))
            added += 1
    return added


def link_kind(hub: Hub, actor: Actor, engine: Engine, kind: EntityKind, *,
              retrain: bool = False, full: bool = False, seed: int = 42,
              max_pairs: float = 1e6) -> dict[str, Any]:
    spec = SPECS[kind]
    mentions = hub_mentions(hub, engine, kind)
    # Spark's and DuckDB's string types differ (string, large_string): one schema for both.
    unlinkable = _unlinkable(hub, engine, kind).select(list(KEYS)).cast(
        mentions.select(list(KEYS)).schema)
    if mentions.num_rows == 0:  # nothing to train or link on: no index is written
        return {"mentions": unlinkable.num_rows, "entities": 0,
                "unlinkable": _listed(unlinkable)}
    latest = None if retrain else _latest_model(hub, kind)
    known = decisions(hub, kind)
    digest = _decisions_digest(known)
    previous = read_index(hub.root, kind)
    last = _last_run(hub, kind)
    if (not full and latest is not None and previous is not None
            and _unchanged_since_last_run(last, hub, kind, latest, digest)):
        mode = "incremental"
        # The last run's unlinkable mentions are not linked ones: one that has a name now
        # is new to the model, and is scored.
        before = last.summary.get("unlinkable", {}).get("ids", []) if last else []
        linked = previous.filter(pc.invert(pc.is_in(previous[ID],
                                                    value_set=pa.array(before, pa.string()))))
        result = resolve_new(mentions, linked, spec, engine, latest.parameters,
                             decisions=known)
        now = pa.concat_arrays([mentions[ID].combine_chunks(),
                                unlinkable[ID].combine_chunks()])
        result.figures["mentions_gone"] = int(pc.sum(pc.invert(
            pc.is_in(previous[ID], value_set=now))).as_py() or 0)
    else:
        mode = "full"
        result = resolve(mentions, spec, engine, model=latest.parameters if latest else None,
                         decisions=known, seed=seed, max_pairs=max_pairs)
    clusters = _with_singletons(result.clusters, unlinkable[ID])
    ids = carry_over(clusters, previous, kind, _issued(hub, kind))
    keys = pa.concat_tables([mentions.select(list(KEYS)), unlinkable])
    index = keys.join(ids, ID).sort_by([(ID, "ascending")])
    number, folder = write_index(hub.root, kind, index)
    kept = 0
    if previous is not None:
        old = previous.select([ID, "entity_id"]).rename_columns([ID, "old"])
        both = index.select([ID, "entity_id"]).join(old, ID, join_type="inner")
        kept = pc.sum(pc.equal(both["entity_id"], both["old"])).as_py() or 0
    entities = len(pc.unique(index["entity_id"]))
    highest = max(int(e[1:]) for e in pc.unique(index["entity_id"]).to_pylist())
    summary = {**result.figures, "mode": mode, "trained": result.trained,
               "index_version": number, "mentions_keeping_their_id": kept,
               "highest_id_number": max(highest, _issued(hub, kind)),
               "decisions_sha256": digest, "unlinkable": _listed(unlinkable)}
    with hub.sessions().begin() as session:
        if latest is None:
            version = (session.scalar(select(func.max(LinkModel.version))
                                      .where(LinkModel.kind == kind)) or 0) + 1
            latest = LinkModel(kind=kind, version=version, parameters=result.model,
                               sha256=_digest(result.model), trained_by=actor.username,
                               trained_on=mentions.num_rows)
            session.add(latest)
            session.flush()
        run = LinkRun(kind=kind, model_id=latest.id, engine=engine.name, actor=actor.username,
                      index_version=number, index_path=str(folder.relative_to(hub.root)),
                      mentions=index.num_rows, entities=entities, summary=summary)
        session.add(run)
        session.flush()
        run_id, model_version = run.id, latest.version
    queued = _queue(hub, kind, run_id, result.pairs, result.model, spec.review_band)
    return {**summary, "run": run_id, "model_version": model_version, "mentions":
            index.num_rows, "entities": entities, "review_queued": queued}


def run_linkage(hub: Hub, actor: Actor, engine: Engine, *,
                kinds: Iterable[EntityKind] = KINDS, retrain: bool = False,
                full: bool = False, seed: int = 42) -> dict[str, Any]:
    """Link people and addresses across every contributed dataset.

    Incremental when only mentions changed since the last run; `full` (or `retrain`) scores
    every pair again.
    """
    require(hub, actor, "link.run", LINKAGE, details={"engine": engine.name})
    return {kind: link_kind(hub, actor, engine, kind, retrain=retrain, full=full, seed=seed)
            for kind in kinds}


def entity_index(hub: Hub, actor: Actor, kind: EntityKind) -> pa.Table:
    """The latest entity index of one kind: dataset, record id and entity id per mention."""
    require(hub, actor, "link.read", LINKAGE, details={"kind": kind})
    index = read_index(hub.root, kind)
    if index is None:
        raise NotFound(f"no {kind} entity index yet; run `commonground link run` first")
    return index


def export(hub: Hub, actor: Actor, out: Path, kinds: Iterable[EntityKind] = KINDS
           ) -> dict[str, Any]:
    """Write (kind, dataset, record id, subject, entity id) for every mention to Parquet."""
    tables = []
    for kind in kinds:
        index = entity_index(hub, actor, kind)
        tables.append(pa.table({
            "kind": pa.array([kind] * index.num_rows, pa.string()),
            "dataset": index[SOURCE], "record_id": index["record_id"],
            "subject": index["subject"], "entity_id": index["entity_id"]}))
    table = pa.concat_tables(tables)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, out, compression="zstd")
    return {"out": str(out), "rows": table.num_rows}


def evaluate_hub(hub: Hub, actor: Actor, truth_dir: Path,
                 kinds: Iterable[EntityKind] = KINDS) -> dict[str, Any]:
    """Score the latest entity index against the synthetic county's truth."""
    require(hub, actor, "link.read", LINKAGE, details={"evaluate": True})
    datasets, _ = lake_inputs(hub)
    address_columns = {}
    for data in datasets:
        plain = [c.name for c in data.contract.identifiers
                 if c.identifier == "address" and not c.subject]
        if plain:
            address_columns[data.ref] = plain[0]
    out: dict[str, Any] = {}
    for kind in kinds:
        index = entity_index(hub, actor, kind)
        predicted = index.select([ID, "entity_id"]).rename_columns([ID, "entity"])
        out[kind] = score(predicted, county_truth(truth_dir, kind, address_columns))
    return out


def now() -> datetime:
    return datetime.now(UTC)
