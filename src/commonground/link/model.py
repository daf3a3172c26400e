"""The linkage models: comparisons, blocking and training plans for people and addresses.

Comparisons are plain SQL on the standard mention columns, so they run unchanged on DuckDB
and Spark and on tokens or plaintext alike: every fuzzy level is an equality of a *derived*
token (phonetic code, canonical nickname, unordered date, postcode sector) computed before
hashing, because two hashes carry no distance. Exact levels take term-frequency adjustments:
agreeing on a rare surname token is stronger evidence than agreeing on a common one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from commonground.contribute.pseudonymise import BLOOM_BITS
from commonground.link.schema import ID, EntityKind

BLOOM_HEX = BLOOM_BITS // 4


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


def dice(col: str, dialect: str) -> str:
    """Dice similarity of two hex Bloom filters, in SQL (2|A and B| / (|A| + |B|)).

    DuckDB counts bits of whole BIT strings; Spark has no such type, so the 1,024 bits are
    read as 32 integers of 32 bits each (small enough for a signed BIGINT).
    """
    left, right = f"{col}_l", f"{col}_r"
    if dialect == "duckdb":
        def bits(x: str) -> str:
            return f"from_hex({x})::BIT"
        both = f"bit_count({bits(left)} & {bits(right)})"
        total = f"(bit_count({bits(left)}) + bit_count({bits(right)}))"
        return f"(2.0 * {both} / {total})"
    chunks = range(0, BLOOM_HEX, 8)

    def word(x: str, at: int) -> str:
        return f"CAST(conv(substr({x}, {at + 1}, 8), 16, 10) AS BIGINT)"

    both = " + ".join(f"bit_count({word(left, i)} & {word(right, i)})" for i in chunks)
    total = " + ".join(f"bit_count({word(x, i)})" for x in (left, right) for i in chunks)
    return f"(2.0 * ({both}) / ({total}))"


def _similar(col: str, dialect: str, at_least: float) -> dict[str, Any]:
    sql = f"{col}_l IS NOT NULL AND {col}_r IS NOT NULL AND {dice(col, dialect)} >= {at_least}"
    return _level(sql, f"similar spelling (Bloom Dice >= {at_least})")


_ELSE = {"sql_condition": "ELSE", "label_for_charts": "different"}


def _comparison(name: str, levels: list[dict[str, Any]]) -> dict[str, Any]:
    return {"output_column_name": name, "comparison_levels": [*levels, _ELSE],
            "comparison_description": name}


def person_comparisons(dialect: str = "duckdb") -> list[dict[str, Any]]:
    return [
        _comparison("given", [
            _null("given"),
            _level(_eq("given"), "exact", tf="given"),
            # Forename and surname written the wrong way round (shared token domain).
            _level("given_l = family_r AND family_l = given_r", "reversed"),
            _level(_eq("given_canonical"), "same canonical name (nickname)"),
            _level(_eq("given_phonetic"), "same sound (NYSIIS)"),
            _similar("given_bloom", dialect, 0.75),
        ]),
        _comparison("family", [
            _null("family"),
            _level(_eq("family"), "exact", tf="family"),
            _level("family_l = given_r AND given_l = family_r", "reversed"),
            _level(_eq("family_phonetic"), "same sound (NYSIIS)"),
            _similar("family_bloom", dialect, 0.75),
        ]),
        _comparison("dob", [
            _null("dob"),
            _level(_eq("dob"), "exact"),
            _level(_eq("dob_unordered"), "day and month swapped"),
            _level(_eq("dob_year"), "same year"),
        ]),
        # Address and postcode in one comparison: they say the same thing twice, and
        # counting both as independent evidence merges everyone in a household.
        _comparison("location", [
            {"sql_condition": "(address_l IS NULL OR address_r IS NULL) AND "
                              "(postcode_l IS NULL OR postcode_r IS NULL)",
             "label_for_charts": "missing", "is_null_level": True},
            _level(_eq("address"), "same address", tf="address"),
            _similar("address_bloom", dialect, 0.8),
            _level(_eq("postcode"), "same postcode"),
            _level(_eq("street"), "same street"),
            _level(_eq("sector"), "same sector"),
            _level(_eq("district"), "same district"),
        ]),
        _comparison("national_id", [_null("national_id"), _level(_eq("national_id"), "exact")]),
    ]


def address_comparisons(dialect: str = "duckdb") -> list[dict[str, Any]]:
    return [
        _comparison("address", [
            _null("address"),
            _level(_eq("address"), "exact", tf="address"),
            _similar("address_bloom", dialect, 0.85),
            _level(_eq("street"), "same street, other number"),
        ]),
        _comparison("postcode", [
            _null("postcode"),
            _level(_eq("postcode"), "exact", tf="postcode"),
            _level(_eq("sector"), "same sector"),
            _level(_eq("district"), "same district"),
        ]),
    ]


def _on(*cols: str) -> str:
    return " AND ".join(f"l.{c} = r.{c}" for c in cols)


@dataclass(frozen=True)
class ModelSpec:
    """What Splink needs to know about one entity kind, besides the trained parameters."""

    kind: EntityKind
    comparisons: Callable[[str], list[dict[str, Any]]]  # by SQL dialect
    blocking: tuple[str, ...]  # candidate pairs: the union of these rules
    training: tuple[str, ...]  # EM passes, each leaving out the columns it blocks on
    deterministic: tuple[str, ...]  # near-certain rules, to estimate the prior
    deterministic_recall: float
    threshold: float  # match probability at or above which mentions are one entity
    review_band: tuple[float, float]  # probabilities a person should look at

    def settings(self, dialect: str = "duckdb") -> dict[str, Any]:
        return {
            "link_type": "dedupe_only",
            "unique_id_column_name": ID,
            "comparisons": self.comparisons(dialect),
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


PERSON = ModelSpec(
    kind="person",
    comparisons=person_comparisons,
    blocking=(
        _on("national_id"),
        _on("given_phonetic", "family_phonetic"),
        _on("family", "dob"),
        _on("given_canonical", "dob"),
        _on("family", "postcode"),
        _on("given_canonical", "address"),
        _on("dob_unordered", "postcode"),
        "l.given = r.family AND l.family = r.given",
    ),
    # No EM pass blocked on address alone: household members would be learnt as matches.
    training=(_on("dob"), _on("given", "family")),
    deterministic=(_on("national_id"), _on("given", "family", "dob"),
                   _on("given", "family", "address")),
    deterministic_recall=0.8,
    threshold=0.9,
    review_band=(0.5, 0.9),
)

ADDRESS = ModelSpec(
    kind="address",
    comparisons=address_comparisons,
    blocking=(_on("address"), _on("street", "district"), _on("postcode")),
    training=(_on("postcode"), _on("street")),
    deterministic=(_on("address", "postcode"),),
    deterministic_recall=0.8,
    threshold=0.9,
    review_band=(0.5, 0.9),
)

SPECS: dict[EntityKind, ModelSpec] = {"person": PERSON, "address": ADDRESS}
