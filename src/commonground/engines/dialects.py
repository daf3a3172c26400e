"""What differs between the engines' SQL, one object per engine (`Engine.dialect`).

Pipelines are written once in DuckDB's dialect and translated (`Engine.translate`). Splink's
comparisons are not: Splink runs them on its own backend in that backend's dialect, so the
fragments they are built from live here, in each engine's own SQL, and the link room asks
the engine's dialect for them instead of testing which engine it holds.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from commonground.engines.sql import literal


class Dialect(ABC):
    """SQL fragments in one engine's own dialect, for SQL that reaches it untranslated."""

    # Splink's name for the dialect (its settings' `sql_dialect`), also sqlglot's.
    sql_dialect: ClassVar[str]

    @abstractmethod
    def split(self, text: str, separator: str) -> str:
        """The list of the parts of SQL expression `text` between plain-text `separator`s."""

    @abstractmethod
    def lists_overlap(self, left: str, right: str) -> str:
        """Whether two SQL lists share an element."""

    @abstractmethod
    def bloom_dice(self, col: str, right: str | None = None) -> str:
        """Dice similarity of two Bloom filters (2|A and B| / (|A| + |B|)), in Splink's pair
        naming: filter `col` of the left record (`col_l`) against `right` (default `col`) of
        the right record (`right_r`). The filters are hex text, with whatever columns
        `bloom_words` adds."""

    @abstractmethod
    def shared_weight(self, words: str, weights: str) -> str:
        """The summed weights of the left record's words (`words_l`, with `weights_l` aligned)
        that the right record's words (`words_r`) also hold, in Splink's pair naming."""

    def bloom_words(self, table: pa.Table) -> pa.Table:
        """`table` with the columns `bloom_dice` reads besides each `*_bloom` hex column."""
        return table

    def __repr__(self) -> str:
        return f"<{self.sql_dialect} dialect>"


class DuckDBDialect(Dialect):
    sql_dialect = "duckdb"

    def split(self, text: str, separator: str) -> str:
        return f"string_split({text}, {literal(separator)})"

    def lists_overlap(self, left: str, right: str) -> str:
        return f"list_has_any({left}, {right})"

    def bloom_dice(self, col: str, right: str | None = None) -> str:
        # DuckDB counts the bits of whole BIT strings made from the hex.
        def bits(x: str) -> str:
            return f"from_hex({x})::BIT"

        left_col, right_col = f"{col}_l", f"{right or col}_r"
        both = f"bit_count({bits(left_col)} & {bits(right_col)})"
        total = f"(bit_count({bits(left_col)}) + bit_count({bits(right_col)}))"
        return f"(2.0 * {both} / {total})"

    def shared_weight(self, words: str, weights: str) -> str:
        # An empty list sums to NULL in DuckDB, to 0 in Spark's aggregate: 0 on both.
        return (f"coalesce(list_sum(list_transform(list_zip({words}_l, {weights}_l), lambda p: "
                f"CASE WHEN list_contains({words}_r, p[1]) THEN p[2] ELSE 0.0 END)), 0.0)")


# Characters a regular expression reads as syntax, and a bracket form that means the
# character itself; the four that a bracket cannot hold as simply are refused.
_REGEX_SYNTAX = ".$|?*+(){}"
_REGEX_REFUSED = "\\^[]"


class SparkDialect(Dialect):
    sql_dialect = "spark"

    def split(self, text: str, separator: str) -> str:
        # Spark's split reads its separator as a regular expression (DuckDB's as text).
        if any(c in _REGEX_REFUSED for c in separator):
            raise ValueError("a separator with \\ ^ [ or ] has no plain form for Spark's split")
        pattern = "".join(f"[{c}]" if c in _REGEX_SYNTAX else c for c in separator)
        return f"split({text}, {literal(pattern)})"

    def lists_overlap(self, left: str, right: str) -> str:
        return f"arrays_overlap({left}, {right})"

    def bloom_dice(self, col: str, right: str | None = None) -> str:
        # Spark has no BIT type: each filter also comes as 16 integers of 64 bits
        # (`col_words`) and its bit count (`col_bits`), made once per mention by
        # `bloom_words`; a pair then costs one zip of two arrays. The lambda is interpreted,
        # so its cost follows the words per filter: 16 words instead of 32 took scoring at
        # 200,000 mentions from 96 s to 79 s. (Reading the hex as 32 integers inside every
        # comparison made plans so large that Spark ran out of memory compiling them.)
        other = right or col
        both = (f"aggregate(zip_with({col}_words_l, {other}_words_r, (a, b) -> bit_count(a & b)), "
                f"0, (acc, x) -> acc + x)")
        return f"(2.0 * {both} / ({col}_bits_l + {other}_bits_r))"

    def shared_weight(self, words: str, weights: str) -> str:
        return (f"aggregate(zip_with({words}_l, {weights}_l, (w, x) -> "
                f"IF(array_contains({words}_r, w), x, 0D)), 0D, (acc, x) -> acc + x)")

    def bloom_words(self, table: pa.Table) -> pa.Table:
        for name in [c for c in table.column_names if c.endswith("_bloom")
                     and f"{c}_words" not in table.column_names]:  # once: training re-prepares
            encoded = pc.dictionary_encode(table[name].combine_chunks())
            words: list[list[int] | None] = []
            bits: list[int | None] = []
            for value in encoded.dictionary.to_pylist():
                raw = np.frombuffer(bytes.fromhex(value), dtype=">i8").astype(np.int64)
                words.append(raw.tolist())
                bits.append(int(np.bitwise_count(raw.view(np.uint64)).sum()))
            indices = encoded.indices
            table = table.append_column(
                f"{name}_words", pa.array(words, pa.list_(pa.int64())).take(indices))
            table = table.append_column(f"{name}_bits", pa.array(bits, pa.int64()).take(indices))
        return table


DUCKDB = DuckDBDialect()
SPARK = SparkDialect()
