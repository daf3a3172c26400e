"""The linkage models: comparisons, blocking and training plans for people and addresses.

Comparisons are plain SQL on the standard mention columns, so they run unchanged on DuckDB
and Spark and on tokens or plaintext alike: every fuzzy level is an equality of a *derived*
token (phonetic code, canonical nickname, letters in order, unordered date, postcode sector)
computed before hashing, or an overlap of two sets of such tokens (the names a nickname may
stand for), or a Bloom-filter Dice, because two hashes carry no distance. Exact levels take
term-frequency adjustments: agreeing on a rare surname token is stronger evidence than
agreeing on a common one.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from commonground.engines import Dialect
from commonground.link.blocking import Budget
from commonground.link.schema import ID, EntityKind


def _null(*cols: str) -> dict[str, Any]:
    either = " OR ".join(f"{c}_l IS NULL OR {c}_r IS NULL" for c in cols)
    return {"sql_condition": either, "label_for_charts": "missing", "is_null_level": True}


def _level(sql: str, label: str, tf: str | None = None) -> dict[str, Any]:
    level: dict[str, Any] = {"sql_condition": sql, "label_for_charts": label}
    if tf:
        level["tf_adjustment_column"] = tf
        level["tf_adjustment_weight"] = 1.0
    return level


def _eq(col: str) -> str:
    return f"{col}_l = {col}_r"


def _dice_at_least(col: str, dialect: Dialect, at_least: float) -> str:
    """A Bloom-filter Dice (`Dialect.bloom_dice`: the BIT strings of DuckDB, Spark's integers)
    at least `at_least`."""
    return (f"{col}_l IS NOT NULL AND {col}_r IS NOT NULL AND "
            f"{dialect.bloom_dice(col)} >= {at_least}")


def _same_line(dialect: Dialect, at_least: float = 0.8) -> str:
    """Two address lines that are one line with a typo or in another style.

    Their street tokens (the line without its leading numbers) differ, so the difference is
    in the words ("flat 2 1 x road" and "2 1 x road" strip differently) and not in the
    numbers, and their Bloom filters are close. Lines of one street that differ only in the
    number have equal street tokens: neighbours, never this level.
    """
    return (f"street_l IS NOT NULL AND street_r IS NOT NULL AND street_l <> street_r AND "
            f"{_dice_at_least('address_bloom', dialect, at_least)}")


def _cross_dice(dialect: Dialect, at_least: float = 0.6) -> str:
    """Given name like the other's family name and family name like the other's given."""
    known = " AND ".join(f"{c} IS NOT NULL" for c in ("given_bloom_l", "family_bloom_r",
                                                      "family_bloom_l", "given_bloom_r"))
    return (f"({known} AND {dialect.bloom_dice('given_bloom', 'family_bloom')} >= {at_least} "
            f"AND {dialect.bloom_dice('family_bloom', 'given_bloom')} >= {at_least})")


# Chance that two random mentions agree this way on both names: about a forename's u times a
# surname's (3e-3 x 8e-4 on the county).
BOTH_NAMES_U = 2e-6


def _rare(level: dict[str, Any], u: float = BOTH_NAMES_U) -> dict[str, Any]:
    """A level that random pairs almost never reach: its u is set, its m still learnt.

    Sampling a million random pairs finds a reversed name once or not at all, and Splink then
    gives the level no u (a weight of a few bits, not the two names' twenty): a reversed name
    at the same address stayed below the threshold.
    """
    return {**level, "u_probability": u, "fix_u_probability": True}


def _sets_meet(col: str, dialect: Dialect) -> str:
    """Two space-separated token sets share an element (`pseudonymise.SETS`)."""
    sets = (dialect.split(f"{col}_l", " "), dialect.split(f"{col}_r", " "))
    return (f"{col}_l IS NOT NULL AND {col}_r IS NOT NULL AND "
            f"{dialect.lists_overlap(*sets)}")


def _similar(col: str, dialect: Dialect, at_least: float) -> dict[str, Any]:
    return _level(_dice_at_least(col, dialect, at_least),
                  f"similar spelling (Bloom Dice >= {at_least})")


_ELSE = {"sql_condition": "ELSE", "label_for_charts": "different"}
# A forename unlike the other in every derived form is strong evidence of another person:
# household members share a surname and an address, so EM, which sees them among its
# candidate pairs, would otherwise learn that a different forename is a mere typo. Its m
# probability is fixed (u is still estimated).
DIFFERENT_PERSON = {**_ELSE, "m_probability": 0.01, "fix_m_probability": True}


def _comparison(name: str, levels: list[dict[str, Any]], otherwise: dict[str, Any] = _ELSE
                ) -> dict[str, Any]:
    return {"output_column_name": name, "comparison_levels": [*levels, dict(otherwise)],
            "comparison_description": name}


def _fixed(sql: str, label: str, m: float, u: float) -> dict[str, Any]:
    """A level whose weight is set by policy, not learnt: training leaves it alone."""
    return {"sql_condition": sql, "label_for_charts": label, "m_probability": m,
            "u_probability": u, "fix_m_probability": True, "fix_u_probability": True}


# A forename unlike the other's, beside the same surname at the same address, is another
# member of the household. The model counts the surname (about +10 bits) and the address
# (about +14) as independent evidence, but household members share both: a council-tax
# account with no date of birth then outscored a forename that is plainly another person's,
# and joined parent and child (most false links in the county, bench/link.py). Fixed by
# policy at -10 bits (against -7 for any other forename unlike the other): enough to keep
# such a pair below the threshold, while a record with a forename replaced outright and the
# date of birth agreeing still links (FEBRL4 has such records: at -17 bits its F1 fell from
# 0.9961 to 0.9937, at -10 to 0.9956; the county scored the same at both). Learnt from the
# data, u would be tiny and the weight positive: random pairs almost never share a household.
ANOTHER_HOUSEHOLD_MEMBER = _fixed(
    "family_l = family_r AND address_l = address_r",
    "another forename in the same household (same surname and address)", m=1e-3, u=1.0)


def person_comparisons(dialect: Dialect) -> list[dict[str, Any]]:
    return [
        _comparison("given", [
            _null("given"),
            _level(_eq("given"), "exact", tf="given"),
            # Forename and surname written the wrong way round (shared token domain).
            _rare(_level("given_l = family_r AND family_l = given_r", "reversed")),
            # ... and with a typo (given and family Bloom filters share a domain too).
            _rare(_level(f"{_cross_dice(dialect)}", "reversed, similar spelling")),
            _level(_eq("given_canonical"), "same canonical name (nickname)"),
            _level(_sets_meet("given_forms", dialect), "may stand for the same name (nickname)"),
            _level(_eq("given_phonetic"), "same sound (NYSIIS)"),
            # Two letters swapped ("isla", "isal"): in a short name they break most bigrams,
            # and below every other level it fell to "another household member".
            _level(_eq("given_letters"), "same letters in another order"),
            _similar("given_bloom", dialect, 0.75),
            # One typo in a short name ("harris", "harrds") leaves a Dice near 0.7.
            _similar("given_bloom", dialect, 0.6),
            # Two letters swapped in a short name ("jcak", "daivd") break every bigram they
            # touch: a Dice near 0.5. Weak evidence alone, enough beside an address.
            _similar("given_bloom", dialect, 0.5),
            dict(ANOTHER_HOUSEHOLD_MEMBER),
        ], otherwise=DIFFERENT_PERSON),
        _comparison("family", [
            _null("family"),
            _level(_eq("family"), "exact", tf="family"),
            # The same event as the given comparison's "reversed" level, which counts it:
            # weight 0 here (m = u, fixed), or a reversed name would be counted twice.
            _fixed(f"(family_l = given_r AND given_l = family_r) OR {_cross_dice(dialect)}",
                   "reversed (counted under given)", m=0.5, u=0.5),
            _level(_eq("family_phonetic"), "same sound (NYSIIS)"),
            _level(_eq("family_letters"), "same letters in another order"),
            _similar("family_bloom", dialect, 0.75),
            _similar("family_bloom", dialect, 0.6),
            _similar("family_bloom", dialect, 0.5),
        ]),
        _comparison("dob", [
            _null("dob"),
            _level(_eq("dob"), "exact"),
            _level(_eq("dob_unordered"), "day and month swapped"),
            _level(_eq("dob_year"), "same year"),
        ]),
        # Address and postcode in one comparison: they say the same thing twice, and
        # counting both as independent evidence merges everyone in a household. No sector or
        # district level: a move lands anywhere, and EM learns those levels as near-certain
        # non-matches, a weight no evidence can outvote.
        _comparison("location", [
            {"sql_condition": "(address_l IS NULL OR address_r IS NULL) AND "
                              "(postcode_l IS NULL OR postcode_r IS NULL)",
             "label_for_charts": "missing", "is_null_level": True},
            _level(_eq("address"), "same address", tf="address"),
            # The same flat written another way ("Flat 2, 1 X Road", "2 1 X Road") or with a
            # typo: similar lines within one postcode. Neighbours have similar lines too,
            # hence the postcode and a high bar.
            _level(f"{_eq('postcode')} AND {_same_line(dialect)}",
                   "same line written differently, same postcode"),
            _level(_eq("postcode"), "same postcode"),
            _level(_same_line(dialect), "same line written differently"),
        ]),
        _comparison("national_id", [_null("national_id"), _level(_eq("national_id"), "exact")]),
        _comparison("corroboration", [_fixed(
            "(given_l IS NULL OR given_r IS NULL OR family_l IS NULL OR family_r IS NULL) AND "
            "NOT coalesce(dob_unordered_l = dob_unordered_r, FALSE) AND "
            "NOT coalesce(national_id_l = national_id_r, FALSE)",
            "half a name, and no date of birth or NHS number agreeing", m=1e-4, u=0.1)],
            otherwise=_fixed("ELSE", "full names, or corroborated", m=1.0, u=1.0)),
    ]


# UPRNs resolved at source (`contribute.resolution`) are exact tokens, and right at least 99
# times in 100 against the county's truth (bench/address.py): set by policy, not learnt. The
# same UPRN is one place, whatever the lines say (+26 bits); two UPRNs are two places, even
# where the lines agree ("1 King Avenue" in two towns, neither with a postcode), at -13 bits.
# Where either has none, the lines and postcodes decide, as before.
SAME_UPRN = _fixed("uprn_l = uprn_r", "same UPRN (resolved at source)", m=0.99, u=1e-8)
ANOTHER_UPRN = _fixed("ELSE", "another UPRN", m=1e-4, u=1.0)


def address_comparisons(dialect: Dialect) -> list[dict[str, Any]]:
    # No "same street, other number" or sector level: on a street of similar lines they are
    # what neighbours share, and training on them teaches that neighbours are one place.
    return [
        _comparison("uprn", [_null("uprn"), dict(SAME_UPRN)], otherwise=ANOTHER_UPRN),
        _comparison("address", [
            _null("address"),
            _level(_eq("address"), "exact", tf="address"),
            # A high bar: a typo in the street and another number still reach 0.8.
            _level(_same_line(dialect, 0.9), "same line written differently"),
            # Same street token, another line: only the house or flat number differs. A
            # Bloom Dice cannot see that (one digit in twenty characters), so it is said here;
            # its m is fixed, or EM, among neighbours, learns it as a match.
            _fixed(f"{_eq('street')}", "same street, other number", m=0.01, u=0.01),
        ]),
        _comparison("postcode", [
            _null("postcode"),
            _level(_eq("postcode"), "exact", tf="postcode"),
        ]),
    ]


def _on(*cols: str) -> str:
    return " AND ".join(f"l.{c} = r.{c}" for c in cols)


@dataclass(frozen=True)
class ModelSpec:
    """What Splink needs to know about one entity kind, besides the trained parameters."""

    kind: EntityKind
    comparisons: Callable[[Dialect], list[dict[str, Any]]]  # in the engine's own SQL
    # Candidate pairs: the union of these rules, or, with a budget, of those of them and of
    # the wider rules that the run can afford on its data, chosen by counting them
    # (blocking.py): every rule here before any wider one.
    blocking: tuple[str, ...]
    training: tuple[str, ...]  # EM passes, each leaving out the columns it blocks on
    deterministic: tuple[str, ...]  # near-certain rules, to estimate the prior
    deterministic_recall: float
    threshold: float  # match probability at or above which mentions are one entity
    # Columns on which two clusters must agree, when both know them, to be joined (cluster.py).
    conflicts: tuple[str, ...] = ()
    review_band: tuple[float, float] = (0.5, 0.9)  # probabilities a person should look at
    # Blocking keys made of several columns and capped in size (see `capped_keys` in
    # resolve.py): (name, the columns it joins, the most mentions that may share a value). A
    # value shared by more mentions than its cap is left out, so that a common name cannot
    # make every pair of its bearers a candidate (quadratic: 30,000 "Oliver Smith"s at a
    # million records are 450 million pairs); those mentions still meet through other rules.
    capped_keys: tuple[tuple[str, tuple[str, ...], int], ...] = ()
    budget: Budget | None = None  # None: every blocking rule, uncounted
    wider_blocking: tuple[str, ...] = ()  # one identifier alone: taken only with a budget
    # How many conflicting identifiers a link may carry into a cluster when its own two
    # mentions hold them, so that their score has weighed the disagreement (cluster.py).
    conflicts_weighed: int = 0
    # Columns on which two mentions that agree are one entity whatever conflicts (cluster.py):
    # a UPRN resolved at source names one place for certain.
    anchors: tuple[str, ...] = ()

    def settings(self, dialect: Dialect) -> dict[str, Any]:
        return {
            "link_type": "dedupe_only",
            "unique_id_column_name": ID,
            # Fresh dicts for every level (ELSE is one module-level dict, and a deep copy keeps
            # shared objects shared): Splink and `model_for` write trained parameters into
            # levels, and one comparison's "different" once took another's m that way.
            "comparisons": copy.deepcopy(self.comparisons(dialect)),
            "blocking_rules_to_generate_predictions": [
                {"blocking_rule": rule} for rule in self.blocking],
            "retain_matching_columns": False,
            # Bayes factors per comparison are kept: they are each pair's explanation.
            "retain_intermediate_calculation_columns": True,
            "additional_columns_to_retain": ["source_dataset"],
            "probability_two_random_records_match": 1e-4,
            "em_convergence": 1e-4,
            "max_iterations": 20,
        }


# Comparisons a person linkage may score: a multiple of the mentions, so that candidate pairs
# grow no faster than the data; at least enough for every rule on a small file, and at most
# what two cores score in about a minute and a half (a million mentions within 180 s).
PERSON_BUDGET = Budget(per_mention=20, floor=100_000, cap=10_000_000)

PERSON = ModelSpec(
    kind="person",
    comparisons=person_comparisons,
    blocking=(
        _on("national_id"),
        _on("name_key"),
        _on("family", "dob"),
        _on("given_canonical", "dob"),
        _on("family", "postcode"),
        # A typo in the surname, within one postcode.
        _on("given_canonical", "postcode"),
        _on("given_canonical", "address"),
        # Letters swapped in either name (and the exact name, whatever its sound).
        _on("letters_key"),
        _on("dob_unordered", "postcode"),
        # A name written the wrong way round.
        "l.name_pair = r.name_pair_reversed",
        # Everyone at one address: how a reversed name with a typo meets its other records.
        _on("address_key"),
    ),
    # One identifier alone: duplicates that differ in every other field. Broad, so chosen
    # only where the data is small enough to afford them (blocking.py counts them).
    wider_blocking=(_on("dob_unordered"), _on("postcode"), _on("family"),
                    _on("given_canonical")),
    # No EM pass blocked on address alone: household members would be learnt as matches.
    training=(_on("dob"), _on("given", "family")),
    deterministic=(_on("national_id"), _on("given", "family", "dob"),
                   _on("given", "family", "address")),
    deterministic_recall=0.8,
    threshold=0.9,
    conflicts=("dob_unordered", "national_id"),
    review_band=(0.5, 0.9),
    capped_keys=(("name_key", ("given_phonetic", "family_phonetic"), 100),
                 ("name_pair", ("given", "family"), 100),
                 ("letters_key", ("given_letters", "family_letters"), 100),
                 ("name_pair_reversed", ("family", "given"), 100),
                 ("address_key", ("address",), 30)),
    budget=PERSON_BUDGET,
    conflicts_weighed=1,
)

ADDRESS = ModelSpec(
    kind="address",
    comparisons=address_comparisons,
    blocking=(_on("uprn"), _on("address"), _on("street", "district"), _on("postcode")),
    training=(_on("postcode"), _on("street")),
    deterministic=(_on("address", "postcode"),),
    deterministic_recall=0.8,
    # Address probabilities come out low (few near-certain pairs to set the prior from); the
    # cut is where pairwise F1 peaks on the synthetic county (bench/link.py).
    threshold=0.5,
    conflicts=("postcode", "uprn"),
    review_band=(0.2, 0.5),
    anchors=("uprn",),
)

SPECS: dict[EntityKind, ModelSpec] = {"person": PERSON, "address": ADDRESS}
