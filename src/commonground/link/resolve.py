"""Entity resolution with Splink behind our own small interface.

`resolve(mentions, spec, engine)` trains (u by random sampling, m by EM on several blocking
passes) or reuses a saved model, scores the candidate pairs the blocking rules produce,
applies the clerical reviewers' decisions, and clusters with connected components. Splink
runs on the backend of the engine it is given; everything else here is backend-neutral.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from commonground.engines import Engine
from commonground.engines.splink_backend import close_api, splink_api
from commonground.link.cluster import constrained_clusters
from commonground.link.model import ModelSpec

# Splink logs at INFO each training step with column names only, but its warnings can quote
# values; records must never reach a log, so only errors pass.
logging.getLogger("splink").setLevel(logging.ERROR)

PAIR_COLUMNS = ("unique_id_l", "unique_id_r", "match_weight", "match_probability")
Decisions = Mapping[tuple[str, str], bool]  # (left id, right id) sorted -> same entity?


@dataclass
class Resolution:
    """What one linkage produced: scored pairs, clusters, the model and the figures."""

    pairs: pa.Table  # unique_id_l, unique_id_r, match_weight, match_probability, bf_*, gamma_*
    clusters: pa.Table  # unique_id, cluster (a mention id standing for its cluster)
    model: dict[str, Any]
    trained: bool
    figures: dict[str, Any] = field(default_factory=dict)


def pair_key(left: str, right: str) -> tuple[str, str]:
    return (left, right) if left <= right else (right, left)


def _train(linker: Any, spec: ModelSpec, seed: int, max_pairs: float) -> None:
    training = linker.training
    training.estimate_probability_two_random_records_match(
        list(spec.deterministic), recall=spec.deterministic_recall)
    settings = linker._settings_obj
    # With no near-certain pair at all (a small file) the estimate is 0, which no weight can
    # express: fall back to one match per ten thousand pairs.
    if not settings._probability_two_random_records_match > 0:
        settings._probability_two_random_records_match = 1e-4
    training.estimate_u_using_random_sampling(max_pairs=max_pairs, seed=seed)
    from splink.internals.exceptions import EMTrainingException

    for rule in spec.training:
        try:
            training.estimate_parameters_using_expectation_maximisation(
                rule, estimate_without_term_frequencies=True)
        except EMTrainingException:
            # A small file may have no pairs under one training rule; the other passes and
            # the defaults still give every comparison its parameters.
            continue


def _apply_decisions(pairs: pa.Table, decisions: Decisions) -> pa.Table:
    """Reviewed pairs: a 'same' decision is a certain edge, a 'different' one no edge."""
    if not decisions:
        return pairs
    left = pairs.column("unique_id_l").to_pylist()
    right = pairs.column("unique_id_r").to_pylist()
    probs = pairs.column("match_probability").to_pylist()
    seen: set[tuple[str, str]] = set()
    for i, (a, b) in enumerate(zip(left, right, strict=True)):
        key = pair_key(a, b)
        if key in decisions:
            probs[i] = 1.0 if decisions[key] else 0.0
            seen.add(key)
    extra = [(a, b) for (a, b), same in decisions.items() if same and (a, b) not in seen]
    out = pairs.set_column(pairs.schema.get_field_index("match_probability"),
                           "match_probability", pa.array(probs, pa.float64()))
    if extra:
        added = pa.table({"unique_id_l": [a for a, _ in extra],
                          "unique_id_r": [b for _, b in extra],
                          "match_weight": [99.0] * len(extra),
                          "match_probability": [1.0] * len(extra)})
        out = pa.concat_tables([out, added], promote_options="default")
    return out


def resolve(mentions: pa.Table, spec: ModelSpec, engine: Engine, *,
            model: dict[str, Any] | None = None, decisions: Decisions | None = None,
            seed: int = 42, max_pairs: float = 1e6, threads: int | None = None) -> Resolution:
    """Link `mentions` (standard columns, one row per mention) into clusters."""
    from splink import Linker

    figures: dict[str, Any] = {"mentions": mentions.num_rows}
    api = splink_api(engine, threads)
    try:
        clock = time.perf_counter()
        frame = api.register(mentions, table_name=f"{spec.kind}_mentions")
        settings = dict(model) if model is not None else spec.settings(engine.name)
        linker = Linker(frame, settings, log_level=logging.ERROR)
        trained = model is None
        if trained:
            _train(linker, spec, seed, max_pairs)
        figures["train_seconds"] = round(time.perf_counter() - clock, 2)
        clock = time.perf_counter()
        low = spec.review_band[0]
        predicted = linker.inference.predict(threshold_match_probability=min(low, spec.threshold))
        pairs: pa.Table = predicted.as_pyarrow_table()  # type: ignore[no-untyped-call]
        figures["predict_seconds"] = round(time.perf_counter() - clock, 2)
        figures["pairs_scored"] = pairs.num_rows
        pairs = _apply_decisions(pairs, decisions or {})
        clock = time.perf_counter()
        clusters = constrained_clusters(mentions, pairs.select(list(PAIR_COLUMNS)),
                                        spec.threshold, spec.conflicts)
        figures["cluster_seconds"] = round(time.perf_counter() - clock, 2)
        figures["clusters"] = len(pc.unique(clusters["cluster"]))
        saved = linker.misc.save_model_to_json()
        return Resolution(pairs, clusters, saved, trained, figures)
    finally:
        close_api(api)
