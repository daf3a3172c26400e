"""Addresses to UPRNs: an exact stage, then a Splink stage, then a cautious choice.

The method follows the MoJ's uk-address-matcher (which pins an older Splink, so it is learnt
from rather than depended on):

1. *Exact*: an address whose line and postcode are, once normalised, one of the gazetteer's
   forms of exactly one UPRN (with or without the building's name) takes that UPRN.
2. *Splink*: the rest are linked to the gazetteer (`link_only`) on their numeric tokens
   (flat and house numbers must agree: a neighbour shares everything else), their street
   (exact, with term frequencies; or a typo away), the overlap of their words weighted by
   how rare each is in the gazetteer, and their postcode (exact, sector, district). The m
   probabilities are set here from what they mean; u is sampled from the gazetteer on each
   run, so a county's own street names and postcodes set the weights.
3. *Choice*: the best candidate is taken only when it is probable and clearly better than
   the next (a margin in bits), so that two flats or two streets of one name are never
   decided by a coin: precision before match rate, because a wrong UPRN joins records of
   two places for certain, while no UPRN leaves the address to the hub's fuzzy linkage.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from commonground.address import normalise
from commonground.address.gazetteer import Gazetteer, postcode_parts
from commonground.engines import Dialect, Engine
from commonground.engines.splink_backend import close_api, table_name
from commonground.errors import InvalidInput

logging.getLogger("splink").setLevel(logging.ERROR)  # its warnings can quote values

ID = "unique_id"
SOURCE = "source_dataset"
MESSY, GAZETTEER = "messy", "gazetteer"
THRESHOLD = 0.95  # the best candidate's match probability, at least
MARGIN = 5.0  # bits by which the best candidate beats the next, at least
RESULT_SCHEMA = pa.schema([("id", pa.string()), ("uprn", pa.string()),
                           ("score", pa.float64()), ("stage", pa.string())])


@dataclass
class Matching:
    """Each input address's UPRN (null where none was chosen), its score and stage."""

    matches: pa.Table  # id, uprn, score (match probability; 1.0 exact), stage
    figures: dict[str, Any] = field(default_factory=dict)


def features(ids: pa.Array, lines: pa.Array, postcodes: pa.Array,
             gazetteer: Gazetteer) -> pa.Table:
    """The messy addresses in the matcher's form, word weights from the gazetteer."""
    line = normalise.line(lines)
    words = normalise.words(line)
    code = normalise.postcode(postcodes)
    return pa.table({
        "id": pc.cast(ids, pa.string()), "line": line, "street": normalise.street(line),
        **postcode_parts(code), "words": words,
        "street_postcodes": pc.if_else(pc.is_valid(code), _one_element(code),
                                       pa.scalar(None, pa.list_(pa.string()))),
        "weights": normalise.word_weights(words, gazetteer.records["words"]),
    })


def _one_element(values: pa.Array) -> pa.ListArray:
    return pa.ListArray.from_arrays(pa.array(np.arange(len(values) + 1), pa.int32()),
                                    _chunk(values))


def exact_stage(messy: pa.Table, gazetteer: Gazetteer) -> pa.Table:
    """(id, uprn) for the addresses whose line and postcode are one UPRN's form, and those
    with no postcode whose line is one UPRN's form in the whole gazetteer.

    The second pass is what Splink cannot do: a line found once in the gazetteer has a u of
    one in N, which the model's prior (one in N) cancels, leaving an even chance for what is
    in fact the only candidate.
    """
    records = gazetteer.records
    forms = pc.list_flatten(records["forms"])
    parent = pc.list_parent_indices(records["forms"])
    uprn = pc.take(records["uprn"], parent)
    with_postcode = _unique_keys(_key(forms, pc.take(records["postcode"], parent)), uprn)
    found = pa.table({"id": messy["id"], "key": _key(messy["line"], messy["postcode"])})
    exact = found.join(with_postcode, "key", join_type="inner").select(["id", "uprn"])
    no_postcode = messy.filter(pc.is_null(messy["postcode"]))
    by_line = _unique_keys(forms, uprn)
    alone = pa.table({"id": no_postcode["id"], "key": no_postcode["line"]})
    return pa.concat_tables([exact, alone.join(by_line, "key", join_type="inner")
                            .select(["id", "uprn"])])


def _unique_keys(key: pa.Array, uprn: pa.Array) -> pa.Table:
    """(key, uprn) for the keys that name exactly one UPRN."""
    keyed = pa.table({"key": key, "uprn": uprn})
    keyed = keyed.filter(pc.is_valid(keyed["key"])).group_by(["key", "uprn"]).aggregate([])
    counts = keyed.group_by("key").aggregate([("uprn", "count")])
    unique = counts.filter(pc.equal(counts["uprn_count"], 1)).select(["key"])
    return keyed.join(unique, "key", join_type="inner")


def _key(line: pa.Array, postcode: pa.Array) -> pa.Array:
    return pc.binary_join_element_wise(line, postcode, "|")


def _level(sql: str, label: str, m: float, tf: str | None = None) -> dict[str, Any]:
    level: dict[str, Any] = {"sql_condition": sql, "label_for_charts": label, "m_probability": m}
    if tf:
        level.update(tf_adjustment_column=tf, tf_adjustment_weight=1.0)
    return level


def _null(col: str) -> dict[str, Any]:
    return {"sql_condition": f"{col}_l IS NULL OR {col}_r IS NULL",
            "label_for_charts": "missing", "is_null_level": True}


def _fixed(sql: str, label: str, m: float, u: float) -> dict[str, Any]:
    """A level whose weight is set here, not sampled.

    Sampled from random pairs, numbers agree often (every street has a number 1) and a
    difference weighs little (-4 bits); but the candidates that matter share a street and a
    postcode, and among them different numbers are different addresses. Splink multiplies
    the comparisons as if independent and cannot say so; the weights are set instead: a
    neighbour sharing street and postcode stays below the threshold.
    """
    return {**_level(sql, label, m), "u_probability": u, "fix_m_probability": True,
            "fix_u_probability": True}


def _comparison(name: str, levels: list[dict[str, Any]], m_else: float = 0.0,
                otherwise: dict[str, Any] | None = None) -> dict[str, Any]:
    last = otherwise or _level("ELSE", "different", m_else)
    return {"output_column_name": name, "comparison_description": name,
            "comparison_levels": [*levels, last]}


def comparisons(dialect: Dialect) -> list[dict[str, Any]]:
    """The Splink stage's comparisons. m is what a true match shows (set, not learnt):
    the numbers of one address agree but for a flat number missing on one side; a street
    is mostly written as the gazetteer writes it; a postcode is sometimes stale."""
    shared = dialect.shared_weight("words", "weights")
    lighter = "least(weight_total_l, weight_total_r)"
    contained = f"{shared} / {lighter}"
    return [
        # Fixed m and u (see `_fixed`): numbers are what tell apart the addresses of one street.
        _comparison("numbers", [
            _null("numbers"),
            _fixed("numbers_l = numbers_r", "same numbers", 0.95, 0.02),
            # One names the building only ("14 Mill Road" against "Flat 2, 14 Mill Road"):
            # perhaps the flat, perhaps the whole building (a gazetteer's parent record).
            _fixed("last_number_l = last_number_r AND (numbers_l = last_number_l OR "
                   "numbers_r = last_number_r)", "building number only on one side", 0.002, 0.1),
            # Another flat of the same building: a neighbour, almost always.
            _fixed("last_number_l = last_number_r", "same building, another flat", 0.001, 0.05),
        ], otherwise=_fixed("ELSE", "different", 0.01, 0.95)),
        _comparison("street", [
            _null("street"),
            _level("street_l = street_r", "same street", 0.85, tf="street"),
            _level("length(street_l) >= 6 AND levenshtein(street_l, street_r) <= 2",
                   "street a typo away", 0.08),
            _level(f"weight_total_l > 0 AND weight_total_r > 0 AND {contained} >= 0.9",
                   "nearly all of one's words (by rarity) in the other", 0.04),
            _level(f"weight_total_l > 0 AND weight_total_r > 0 AND {contained} >= 0.6",
                   "most of one's words (by rarity) in the other", 0.02),
        ], m_else=0.01),
        _comparison("postcode", [
            _level("postcode_l = postcode_r", "same postcode", 0.95),
            # Before the null level: a gazetteer record whose own postcode is missing.
            _level(dialect.lists_overlap("street_postcodes_l", "street_postcodes_r"),
                   "a postcode of the record's street", 0.03),
            _null("postcode"),
            _level("sector_l = sector_r", "same sector", 0.03),
            _level("district_l = district_r", "same district", 0.01),
        ], m_else=0.01),
    ]


BLOCKING = (
    "l.postcode = r.postcode",
    "l.numbers = r.numbers AND l.street = r.street",
    "l.last_number = r.last_number AND l.sector = r.sector",
    "l.numbers = r.numbers AND l.rare_word = r.rare_word",
)


def splink_input(table: pa.Table, source: str, ids: pa.Array) -> pa.Table:
    """The columns the Splink stage reads, for messy addresses or gazetteer records."""
    numbers = normalise.numbers(table["line"])
    return pa.table({
        ID: ids, SOURCE: pa.array([source] * table.num_rows, pa.string()),
        "numbers": numbers, "last_number": normalise.last_number(numbers),
        "street": table["street"], "postcode": table["postcode"], "sector": table["sector"],
        "district": table["district"], "street_postcodes": table["street_postcodes"],
        "words": table["words"], "weights": table["weights"],
        "weight_total": _sums(table["weights"]),
        "rare_word": _rarest(table["words"], table["weights"]),
    })


def _sums(lists: pa.ChunkedArray | pa.Array) -> pa.Array:
    flat = _chunk(lists)
    parents = pc.list_parent_indices(flat).to_numpy()
    values = pc.list_flatten(flat).to_numpy(zero_copy_only=False)
    return pa.array(np.bincount(parents, weights=values, minlength=len(flat)), pa.float64())


def _rarest(words: pa.ChunkedArray | pa.Array, weights: pa.ChunkedArray | pa.Array
            ) -> pa.Array:
    """Each record's heaviest (rarest) word: a blocking key that survives a missing postcode."""
    flat_words, flat_weights = _chunk(words), _chunk(weights)
    parents = pc.list_parent_indices(flat_words).to_numpy()
    values = pc.list_flatten(flat_weights).to_numpy(zero_copy_only=False)
    order = np.lexsort((-values, parents))
    first, at = np.unique(parents[order], return_index=True)
    out = np.full(len(flat_words), -1, np.int64)
    out[first] = order[at]
    chosen = pc.take(pc.list_flatten(flat_words), pa.array(np.maximum(out, 0)))
    return pc.if_else(pa.array(out >= 0), chosen, pa.scalar(None, pa.string()))


def _chunk(values: pa.ChunkedArray | pa.Array) -> pa.Array:
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


def splink_stage(messy: pa.Table, gazetteer: Gazetteer, engine: Engine, *, seed: int = 42,
                 threads: int | None = None) -> pa.Table:
    """Every candidate pair's score: id (messy), uprn, match_weight, match_probability."""
    from splink import Linker

    settings = {
        "link_type": "link_only", "unique_id_column_name": ID,
        "source_dataset_column_name": SOURCE,
        "comparisons": comparisons(engine.dialect),
        "blocking_rules_to_generate_predictions": [{"blocking_rule": b} for b in BLOCKING],
        # Each address is at most one of the gazetteer's records.
        "probability_two_random_records_match": 1.0 / max(len(gazetteer), 2),
        "retain_matching_columns": False, "retain_intermediate_calculation_columns": False,
    }
    left = splink_input(messy, MESSY, messy["id"])
    right = splink_input(gazetteer.records, GAZETTEER, gazetteer.records["uprn"])
    api = engine.splink_api(threads)
    try:
        frames = [api.register(left, table_name=table_name("address", MESSY)),
                  api.register(right, table_name=table_name("address", GAZETTEER))]
        linker = Linker(frames, settings, log_level=logging.ERROR)
        linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=seed)
        pairs: pa.Table = linker.inference.predict().as_pyarrow_table()  # type: ignore[no-untyped-call]
    finally:
        close_api(api)
    left_is_messy = pc.equal(pairs[f"{SOURCE}_l"], MESSY)
    return pa.table({
        "id": pc.if_else(left_is_messy, pairs[f"{ID}_l"], pairs[f"{ID}_r"]),
        "uprn": pc.if_else(left_is_messy, pairs[f"{ID}_r"], pairs[f"{ID}_l"]),
        "match_weight": pairs["match_weight"], "match_probability": pairs["match_probability"],
    })


def choose(pairs: pa.Table, threshold: float = THRESHOLD, margin: float = MARGIN) -> pa.Table:
    """(id, uprn, score): each address's best candidate, where it is probable and clearly
    ahead of the next."""
    if pairs.num_rows == 0:
        return pa.table({"id": pa.array([], pa.string()), "uprn": pa.array([], pa.string()),
                         "score": pa.array([], pa.float64())})
    ranked = pairs.sort_by([("id", "ascending"), ("match_weight", "descending")])
    ids = ranked["id"].to_numpy(zero_copy_only=False)
    weight = ranked["match_weight"].to_numpy()
    first = np.r_[True, ids[1:] != ids[:-1]]
    starts = np.flatnonzero(first)
    ends = np.r_[starts[1:], len(ids)]
    runner_up = np.where(ends - starts > 1, weight[np.minimum(starts + 1, len(ids) - 1)],
                         -np.inf)
    best = ranked.take(pa.array(starts))
    keep = pc.and_(pc.greater_equal(best["match_probability"], threshold),
                   pa.array(weight[starts] - runner_up >= margin))
    chosen = best.filter(keep)
    return pa.table({"id": chosen["id"], "uprn": chosen["uprn"],
                     "score": chosen["match_probability"]})


def match_addresses(ids: pa.Array, lines: pa.Array, postcodes: pa.Array,
                    gazetteer: Gazetteer, engine: Engine, *, threshold: float = THRESHOLD,
                    margin: float = MARGIN, seed: int = 42) -> Matching:
    """Each address (`ids` unique) matched to the gazetteer: exact stage, then Splink."""
    if pc.count_distinct(ids).as_py() != len(ids) or pc.any(pc.is_null(ids)).as_py():
        raise InvalidInput("every address to match needs an id of its own")
    messy = features(ids, lines, postcodes, gazetteer)
    exact = exact_stage(messy, gazetteer)
    rest = messy.filter(pc.invert(pc.is_in(messy["id"], value_set=exact["id"])))
    rest = rest.filter(pc.is_valid(rest["line"]))
    fuzzy = (choose(splink_stage(rest, gazetteer, engine, seed=seed), threshold, margin)
             if rest.num_rows else choose(pa.table({})))
    found = pa.concat_tables([
        pa.table({"id": exact["id"], "uprn": exact["uprn"],
                  "score": pa.array(np.ones(exact.num_rows)),
                  "stage": pa.array(["exact"] * exact.num_rows, pa.string())}),
        pa.table({"id": fuzzy["id"], "uprn": fuzzy["uprn"], "score": fuzzy["score"],
                  "stage": pa.array(["splink"] * fuzzy.num_rows, pa.string())}),
    ])
    every = pa.table({"id": messy["id"]}).join(found, "id", join_type="left outer")
    matches = every.select(RESULT_SCHEMA.names).cast(RESULT_SCHEMA)
    figures = {"addresses": messy.num_rows, "exact": exact.num_rows,
               "splink": fuzzy.num_rows, "unmatched": messy.num_rows - found.num_rows}
    return Matching(matches, figures)
