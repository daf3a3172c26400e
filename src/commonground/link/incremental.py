"""Incremental linkage: score only the pairs a new contribution brings, keep the rest.

A full run scores every candidate pair of every mention, and its cost grows with the square
of the blocks as partners keep contributing, although most pairs were scored last time with
the same model and would score the same again. When the model and the reviewers' decisions
are unchanged (`runs.py` decides), only pairs with a *new* mention can change the answer:
1. Splink's `predict_between(new, old)` and `predict_within(new)` block and score exactly
   the candidate pairs of the model's blocking rules that hold at least one new mention; no
   self-pair, no old pair, each pair once.
2. Term frequencies and capped blocking keys are computed over all current mentions, as a
   full run computes them, so a pair with a new mention is a candidate and scores here as it
   would in a full run (the integration test checks it).
3. Clustering starts from the previous index's clusters (`constrained_clusters(initial=)`),
   so an old mention leaves its entity only when a new link merges two old entities.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from commonground.engines import Engine
from commonground.engines.splink_backend import close_api, table_name
from commonground.link.cluster import constrained_clusters
from commonground.link.model import ModelSpec
from commonground.link.resolve import (
    PAIR_COLUMNS,
    Decisions,
    Resolution,
    apply_decisions,
    choose_blocking,
    model_for,
    prepared,
)
from commonground.link.schema import ID

EMPTY_PAIRS = pa.schema([("unique_id_l", pa.string()), ("unique_id_r", pa.string()),
                         ("match_weight", pa.float64()), ("match_probability", pa.float64())])


def score_new(mentions: pa.Table, new: pa.Array, spec: ModelSpec, engine: Engine,
              model: dict[str, Any], *, threads: int | None = None,
              figures: dict[str, Any] | None = None) -> pa.Table:
    """The model's candidate pairs of `mentions` that hold at least one `new` mention id.

    Columns as `resolve` gives them (unique_id_l, unique_id_r, match_weight,
    match_probability, the per-comparison weights), at or above the lower of the review
    band and the threshold. The blocking chosen goes into `figures`, when given.
    """
    from splink import Linker

    figures = {} if figures is None else figures
    # Capped keys and term frequencies are counted over every mention, as a full run counts
    # them, so that a pair is a candidate, and scores, as it would there.
    mentions = prepared(mentions, spec, engine.dialect)
    is_new = pc.is_in(mentions[ID], value_set=new)
    fresh, old = mentions.filter(is_new), mentions.filter(pc.invert(is_new))
    if fresh.num_rows == 0:
        return EMPTY_PAIRS.empty_table()
    api = engine.splink_api(threads)
    try:
        every = api.register(mentions, table_name=table_name(spec.kind, "mentions"))
        # The rules a full run would choose on these mentions (`resolve.choose_blocking`).
        settings = choose_blocking(every, spec, model_for(model, spec, engine.dialect),
                                   mentions.num_rows, figures)
        linker = Linker(every, settings, log_level=logging.ERROR)
        for column in linker._settings_obj._term_frequency_columns:
            linker.table_management.compute_tf_table(column.name)
        low = min(spec.review_band[0], spec.threshold)
        inference = linker.inference
        new_frame = api.register(fresh, table_name=table_name(spec.kind, "new_mentions"))
        parts = [inference.predict_within(new_frame, threshold_match_probability=low)]
        if old.num_rows:
            old_frame = api.register(old, table_name=table_name(spec.kind, "old_mentions"))
            parts.append(inference.predict_between(new_frame, old_frame,
                                                   threshold_match_probability=low))
        tables: list[pa.Table] = [
            part.as_pyarrow_table() for part in parts]  # type: ignore[no-untyped-call]
        return pa.concat_tables(tables, promote_options="default")
    finally:
        close_api(api)


def resolve_new(mentions: pa.Table, previous: pa.Table, spec: ModelSpec, engine: Engine,
                model: dict[str, Any], *, decisions: Decisions | None = None,
                threads: int | None = None) -> Resolution:
    """Link the mentions not in `previous` (an entity index) into its clusters.

    Mentions of `previous` that are gone from `mentions` drop out. Reviewers' decisions
    apply to the pairs with a new mention; the old pairs' decisions are in `previous`.
    """
    figures: dict[str, Any] = {"mentions": mentions.num_rows}
    before = set(previous[ID].to_pylist())
    current = set(mentions[ID].to_pylist())
    new = pa.array(sorted(current - before), pa.string())
    figures["new_mentions"] = len(new)
    figures["mentions_gone"] = len(before - current)  # erased or past retention
    clock = time.perf_counter()
    pairs = score_new(mentions, new, spec, engine, model, threads=threads, figures=figures)
    figures["predict_seconds"] = round(time.perf_counter() - clock, 2)
    figures["pairs_scored"] = pairs.num_rows
    fresh = set(new.to_pylist())
    relevant = {key: same for key, same in (decisions or {}).items()
                if key[0] in fresh or key[1] in fresh}
    pairs = apply_decisions(pairs, relevant)
    clock = time.perf_counter()
    initial = previous.select([ID, "entity_id"]).rename_columns([ID, "cluster"])
    clusters = constrained_clusters(mentions, pairs.select(list(PAIR_COLUMNS)),
                                    spec.threshold, spec.conflicts, initial=initial,
                                    weighed=spec.conflicts_weighed, anchors=spec.anchors)
    figures["cluster_seconds"] = round(time.perf_counter() - clock, 2)
    figures["clusters"] = len(pc.unique(clusters["cluster"]))
    return Resolution(pairs, clusters, dict(model), trained=False, figures=figures)
