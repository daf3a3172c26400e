"""The dialect spec: each engine's own SQL fragments give the same answer on every engine.

Splink runs the linkage comparisons untranslated, so they are built from `Engine.dialect`
(string split, list overlap, the Bloom-filter Dice); here each fragment runs as a native step
on tiny hand-made tables. Quoting (`ident`, `literal`) is for the pipelines' SQL, which the
engines translate: awkward names and values must survive that on every engine.
"""

from __future__ import annotations

import pyarrow as pa
import pytest

from commonground.engines import Engine, Pipeline, Step, ident, literal
from commonground.engines.dialects import SPARK
from commonground.engines.splink_backend import close_api


def native(engine: Engine, select: str, inputs: dict[str, pa.Table]) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = engine.run(
        Pipeline.of(Step("fragment", select, native=True)), inputs).to_pylist()
    return rows


TEXTS = pa.table({
    "id": [1, 2, 3, 4, 5, 6],
    "s": ["ann anne annie", "bob", "a  b", "x ", "", None],
    "piped": ["a|b", "a|b|", "ab", "|", "", None],
})


def test_split_on_plain_text(engine: Engine) -> None:
    d = engine.dialect
    got = native(engine, f"SELECT id, {d.split('s', ' ')} AS parts, "
                         f"{d.split('piped', '|')} AS piped FROM texts ORDER BY id",
                 {"texts": TEXTS})
    assert got == [
        {"id": 1, "parts": ["ann", "anne", "annie"], "piped": ["a", "b"]},
        {"id": 2, "parts": ["bob"], "piped": ["a", "b", ""]},
        {"id": 3, "parts": ["a", "", "b"], "piped": ["ab"]},
        {"id": 4, "parts": ["x", ""], "piped": ["", ""]},
        {"id": 5, "parts": [""], "piped": [""]},
        {"id": 6, "parts": None, "piped": None},
    ]


def test_spark_split_refuses_a_separator_it_would_read_as_a_pattern() -> None:
    # "|" and "." are escaped; a backslash or a bracket has no plain form and is refused
    # rather than split on a pattern nobody meant.
    assert SPARK.split("s", ".") == "split(s, '[.]')"
    with pytest.raises(ValueError, match="separator"):
        SPARK.split("s", "\\")


SETS = pa.table({
    "id": [1, 2, 3, 4, 5],
    "l": ["rob robert bob", "rob robert", "ann", "ann", None],
    "r": ["bob bobby", "robin", "ann anne", "anne", "ann"],
})


def test_lists_overlap(engine: Engine) -> None:
    d = engine.dialect
    meet = d.lists_overlap(d.split("l", " "), d.split("r", " "))
    got = native(engine, f"SELECT id, {meet} AS meet FROM sets ORDER BY id", {"sets": SETS})
    assert [(r["id"], r["meet"]) for r in got] == [
        (1, True), (2, False), (3, True), (4, False), (5, None)]


WORDS = pa.table({
    "id": [1, 2, 3, 4],
    "words_l": [["acacia", "road"], ["acacia", "road"], [], ["mill", "lane"]],
    "weights_l": [[6.5, 1.5], [6.5, 1.5], [], [4.0, 2.0]],
    "words_r": [["rose", "court", "acacia", "road"], ["acacia", "close"], ["road"], []],
})


def test_shared_weight_sums_the_left_words_the_right_holds(engine: Engine) -> None:
    shared = engine.dialect.shared_weight("words", "weights")
    got = native(engine, f"SELECT id, {shared} AS shared FROM pairs ORDER BY id",
                 {"pairs": WORDS})
    # No words in common, or none at all: nothing shared.
    assert [(r["id"], r["shared"]) for r in got] == [(1, 8.0), (2, 6.5), (3, 0.0), (4, 0.0)]


def bloom(*bits: int) -> str:
    """A 1,024-bit Bloom filter with `bits` set (bit 0 the first), as the hex mentions carry."""
    value = sum(1 << (1023 - b) for b in bits)
    return f"{value:0256x}"


# Bit 0 is the sign bit of Spark's first 64-bit word: a negative integer must count the same.
LEFT = {"given_bloom": [bloom(0, 1, 2, 3), bloom(10, 700), bloom(5), bloom(1023, 64, 63)],
        "family_bloom": [bloom(8, 9), bloom(10, 700), bloom(6), bloom(0)]}
RIGHT = {"given_bloom": [bloom(2, 3, 4, 5), bloom(10, 700), bloom(6), bloom(1023, 64, 63)],
         "family_bloom": [bloom(0, 1, 8, 9), bloom(700), bloom(5), bloom(1)]}


def pairs(engine: Engine) -> pa.Table:
    """Pairs as Splink presents them: each side's columns, with the dialect's Bloom words."""
    sides = []
    for suffix, side in (("_l", LEFT), ("_r", RIGHT)):
        table = engine.dialect.bloom_words(pa.table(side))
        sides.append(table.rename_columns([f"{c}{suffix}" for c in table.column_names]))
    columns = {"id": pa.array([1, 2, 3, 4])}
    for table in sides:
        columns.update(zip(table.column_names, table.columns, strict=True))
    return pa.table(columns)


def test_bloom_dice(engine: Engine) -> None:
    d = engine.dialect
    got = native(engine, f"SELECT id, {d.bloom_dice('given_bloom')} AS same, "
                         f"{d.bloom_dice('given_bloom', 'family_bloom')} AS crossed "
                         f"FROM pairs ORDER BY id", {"pairs": pairs(engine)})
    dice = [(r["id"], float(r["same"]), float(r["crossed"])) for r in got]  # type: ignore[arg-type]
    # 2 |A and B| / (|A| + |B|): given_l against given_r, and given_l against family_r.
    assert dice == [
        (1, pytest.approx(2 * 2 / 8), pytest.approx(2 * 2 / 8)),
        (2, pytest.approx(1.0), pytest.approx(2 * 1 / 3)),
        (3, pytest.approx(0.0), pytest.approx(1.0)),
        (4, pytest.approx(1.0), pytest.approx(0.0)),
    ]


AWKWARD = ['say "hi"', "O'Brien's", "two  words", "back`tick", "back\\slash", "naïve; --"]


def test_ident_and_literal_survive_awkward_names_and_values(engine: Engine) -> None:
    table = pa.table({name: [name] for name in AWKWARD})
    columns = ", ".join(f"{ident(n)} AS {ident(n + ' again')}, {literal(n)} AS {ident(n + '!')}"
                        for n in AWKWARD)
    where = " AND ".join(f"{ident(n)} = {literal(n)}" for n in AWKWARD)
    got = engine.query(f"SELECT {columns} FROM {ident('Odd_Table')} WHERE {where}",
                       {"Odd_Table": table})
    expected = {}
    for name in AWKWARD:
        expected.update({f"{name} again": name, f"{name}!": name})
    assert got.to_pylist() == [expected]


def test_the_dialect_is_the_one_splink_runs(engine: Engine) -> None:
    api = engine.splink_api()
    try:
        assert api.sql_dialect.sql_dialect_str == engine.dialect.sql_dialect
    finally:
        close_api(api)
