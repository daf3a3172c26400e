"""Entity resolution with Splink behind our own small interface.

`resolve(mentions, spec, engine)` trains on the mentions at hand (the prior from near-certain
rules, u by random sampling, m by EM on several blocking passes) or reuses a saved model,
chooses the blocking rules it can afford by counting them on these mentions (`blocking.py`),
scores the candidate pairs they produce, applies the clerical reviewers' decisions, and
clusters strongest link first without crossing a conflict (`cluster.py`). Splink runs on the
backend of the engine it is given; everything else here is backend-neutral.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from commonground.engines import Dialect, Engine
from commonground.engines.splink_backend import close_api, table_name
from commonground.link.blocking import measure, together
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


def _train(linker: Any, spec: ModelSpec, seed: int, max_pairs: float, *,
           prior_only: bool = False) -> None:
    """Estimate the prior, u by random sampling and m by EM; with `prior_only` (a file too
    small for the rest), the prior alone beside the spec's default m and u."""
    training = linker.training
    settings = linker._settings_obj
    try:
        training.estimate_probability_two_random_records_match(
            list(spec.deterministic), recall=spec.deterministic_recall)
    except ValueError:
        # A tiny file whose records nearly all match: more near-certain pairs than the stated
        # recall allows (Splink refuses). Say a match is as likely as not; EM then refines.
        settings._probability_two_random_records_match = 0.5
    # With no near-certain pair at all (a small file) the estimate is 0, which no weight can
    # express: fall back to one match per ten thousand pairs.
    if not settings._probability_two_random_records_match > 0:
        settings._probability_two_random_records_match = 1e-4
    if prior_only:
        return
    training.estimate_u_using_random_sampling(max_pairs=max_pairs, seed=seed)
    from splink.internals.exceptions import EMTrainingException

    for rule in spec.training:
        try:
            training.estimate_parameters_using_expectation_maximisation(
                rule, estimate_without_term_frequencies=True)
        except (EMTrainingException, ValueError):
            # A small file may have no pairs under one training rule, or so few that EM
            # drives a level's m to zero, which Splink refuses (ValueError); the other passes
            # and the defaults still give every comparison its parameters.
            continue


def apply_decisions(pairs: pa.Table, decisions: Decisions) -> pa.Table:
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


def capped_keys(mentions: pa.Table, spec: ModelSpec) -> pa.Table:
    """Add each of the spec's capped blocking keys: its columns joined, or NULL where a
    column is missing or where more mentions than the key's cap share the value."""
    for name, columns, cap in spec.capped_keys:
        joined = pc.binary_join_element_wise(*[mentions[c] for c in columns], "|")
        counts = pa.table({"key": joined}).group_by("key").aggregate([("key", "count")])
        common = counts.filter(pc.greater(counts["key_count"], cap))["key"]
        key = pc.if_else(pc.is_in(joined, value_set=common),
                         pa.scalar(None, pa.string()), joined)
        mentions = (mentions.set_column(mentions.schema.get_field_index(name), name, key)
                    if name in mentions.column_names else mentions.append_column(name, key))
    return mentions


# What a trained level carries besides its SQL.
LEARNT = ("m_probability", "u_probability", "fix_m_probability", "fix_u_probability",
          "tf_adjustment_column", "tf_adjustment_weight", "tf_minimum_u_value")


def model_for(model: dict[str, Any], spec: ModelSpec, dialect: Dialect) -> dict[str, Any]:
    """A saved model, ready for an engine of `dialect`.

    A model keeps its comparisons' SQL, and the Bloom-filter Dice is written per dialect
    (DuckDB's BIT strings, Spark's integers): a model trained on DuckDB cannot score on Spark
    as it is. The spec's comparisons in the other dialect take the learnt parameters, level
    by level (matched by comparison and label); the prior carries over.
    """
    if model.get("sql_dialect", dialect.sql_dialect) == dialect.sql_dialect:
        return dict(model)
    fresh = spec.settings(dialect)
    learnt = {(c["output_column_name"], level["label_for_charts"]): level
              for c in model["comparisons"] for level in c["comparison_levels"]}
    for comparison in fresh["comparisons"]:
        for level in comparison["comparison_levels"]:
            old = learnt.get((comparison["output_column_name"], level["label_for_charts"]), {})
            level.update({key: old[key] for key in LEARNT if key in old})
    fresh["probability_two_random_records_match"] = model[
        "probability_two_random_records_match"]
    fresh["sql_dialect"] = dialect.sql_dialect
    return fresh


def prepared(mentions: pa.Table, spec: ModelSpec, dialect: Dialect) -> pa.Table:
    """The mentions as Splink reads them: capped keys, and the columns the dialect's Bloom
    Dice reads (`Dialect.bloom_words`: on Spark, each filter as 64-bit integers)."""
    return dialect.bloom_words(capped_keys(mentions, spec))


def choose_blocking(frame: Any, spec: ModelSpec, settings: dict[str, Any], mentions: int,
                    figures: dict[str, Any]) -> dict[str, Any]:
    """`settings` blocking on the spec's rules that `mentions` afford (all of them when the spec
    has no budget), counted on `frame`; the choice and its counts go into `figures`."""
    if spec.budget is None:
        return {**settings, "blocking_rules_to_generate_predictions": [
            {"blocking_rule": rule} for rule in spec.blocking]}
    chosen = measure(frame, (spec.blocking, spec.wider_blocking), spec.budget, mentions)
    figures["blocking"] = chosen.figures()
    return {**settings, "blocking_rules_to_generate_predictions": [
        {"blocking_rule": rule} for rule in chosen.rules]}


def _sample(mentions: pa.Table, size: int, seed: int) -> pa.Table:
    """A random `size` mentions (all of them when there are fewer), in id order."""
    if mentions.num_rows <= size:
        return mentions
    rng = np.random.default_rng(seed)
    chosen = np.sort(rng.choice(mentions.num_rows, size=size, replace=False))
    return mentions.take(pa.array(chosen))


# EM needs many pairs, not all of them: past this many mentions the model is trained on a
# random sample of this size, then scores every pair. Training blocks on name and on date of
# birth, whose candidate pairs grow with the square of the mentions.
TRAINING_SAMPLE = 150_000
# Below this many mentions (fewer than 435 pairs) there are too few random pairs to estimate u
# and too few matches for EM (three copies of one record would teach it that agreeing means
# nothing): only the prior is estimated, beside the spec's own default m and u.
MIN_TRAINING = 30


def resolve(mentions: pa.Table, spec: ModelSpec, engine: Engine, *,
            model: dict[str, Any] | None = None, decisions: Decisions | None = None,
            seed: int = 42, max_pairs: float = 1e6, threads: int | None = None,
            training_sample: int = TRAINING_SAMPLE) -> Resolution:
    """Link `mentions` (standard columns, one row per mention) into clusters."""
    from splink import Linker

    figures: dict[str, Any] = {"mentions": mentions.num_rows}
    mentions = prepared(mentions, spec, engine.dialect)
    settings = (model_for(model, spec, engine.dialect) if model is not None
                else spec.settings(engine.dialect))
    trained = model is None
    clock = time.perf_counter()
    if trained and mentions.num_rows > training_sample:
        settings = resolve_model(_sample(mentions, training_sample, seed), spec, engine,
                                 seed=seed, max_pairs=max_pairs, threads=threads)
        figures["trained_on"] = training_sample
    training = time.perf_counter() - clock
    api = engine.splink_api(threads)
    try:
        frame = api.register(mentions, table_name=table_name(spec.kind, "mentions"))
        clock = time.perf_counter()
        settings = choose_blocking(frame, spec, settings, mentions.num_rows, figures)
        figures["blocking_seconds"] = round(time.perf_counter() - clock, 2)
        clock = time.perf_counter()
        linker = Linker(frame, settings, log_level=logging.ERROR)
        if trained and "trained_on" not in figures:
            small = mentions.num_rows < MIN_TRAINING
            _train(linker, spec, seed, max_pairs, prior_only=small)
            figures["trained_on"] = 0 if small else mentions.num_rows
        figures["train_seconds"] = round(training + time.perf_counter() - clock, 2)
        clock = time.perf_counter()
        low = spec.review_band[0]
        predicted = linker.inference.predict(threshold_match_probability=min(low, spec.threshold))
        pairs: pa.Table = predicted.as_pyarrow_table()  # type: ignore[no-untyped-call]
        figures["predict_seconds"] = round(time.perf_counter() - clock, 2)
        figures["pairs_scored"] = pairs.num_rows
        pairs = apply_decisions(pairs, decisions or {})
        clock = time.perf_counter()
        clusters = constrained_clusters(mentions, pairs.select(list(PAIR_COLUMNS)),
                                        spec.threshold, spec.conflicts,
                                        weighed=spec.conflicts_weighed, anchors=spec.anchors)
        figures["cluster_seconds"] = round(time.perf_counter() - clock, 2)
        figures["clusters"] = len(pc.unique(clusters["cluster"]))
        saved = linker.misc.save_model_to_json()
        return Resolution(pairs, clusters, saved, trained, figures)
    finally:
        close_api(api)


def resolve_model(mentions: pa.Table, spec: ModelSpec, engine: Engine, *, seed: int = 42,
                  max_pairs: float = 1e6, threads: int | None = None) -> dict[str, Any]:
    """Train the spec's model on `mentions` and return it (Splink's JSON settings)."""
    from splink import Linker

    api = engine.splink_api(threads)
    try:
        frame = api.register(prepared(mentions, spec, engine.dialect),
                             table_name=table_name(spec.kind, "training"))
        linker = Linker(frame, spec.settings(engine.dialect), log_level=logging.ERROR)
        _train(linker, spec, seed, max_pairs)
        saved: dict[str, Any] = linker.misc.save_model_to_json()
        return saved
    finally:
        close_api(api)


def candidate_pairs(mentions: pa.Table, spec: ModelSpec, engine: Engine, *,
                    threads: int | None = None) -> int:
    """How many pairs `resolve` compares on `mentions` (each pair once): the blocking rules
    it would choose, counted together (estimated from a sample past `blocking.EXACT_UP_TO`
    mentions)."""
    api = engine.splink_api(threads)
    try:
        frame = api.register(prepared(mentions, spec, engine.dialect),
                             table_name=table_name(spec.kind, "count"))
        rules = (spec.blocking if spec.budget is None else
                 measure(frame, (spec.blocking, spec.wider_blocking), spec.budget,
                         mentions.num_rows).rules)
        return int(together(frame, rules, mentions.num_rows)[-1]["cumulative"])
    finally:
        close_api(api)
