"""Entity ids carry over by overlap; new ids never reuse an old one."""

from __future__ import annotations

import pyarrow as pa

from commonground.link.evaluate import score
from commonground.link.index import carry_over


def clusters(pairs: dict[str, str]) -> pa.Table:
    return pa.table({"unique_id": list(pairs), "cluster": list(pairs.values())})


def ids(table: pa.Table) -> dict[str, str]:
    return dict(zip(table["unique_id"].to_pylist(), table["entity_id"].to_pylist(), strict=True))


def test_first_run_numbers_clusters_in_mention_order() -> None:
    first = ids(carry_over(clusters({"a": "x", "b": "x", "c": "y"}), None, "person"))
    assert first == {"a": "P0000001", "b": "P0000001", "c": "P0000002"}


def test_new_mention_joins_an_existing_entity_and_keeps_its_id() -> None:
    before = carry_over(clusters({"a": "1", "b": "1", "c": "2"}), None, "person")
    after = ids(carry_over(clusters({"a": "9", "b": "9", "c": "8", "d": "9", "e": "7"}),
                           before, "person"))
    assert after["a"] == after["b"] == after["d"] == "P0000001"
    assert after["c"] == "P0000002" and after["e"] == "P0000003"


def test_a_split_keeps_the_id_on_the_larger_part_and_retired_ids_stay_retired() -> None:
    before = carry_over(clusters({"a": "1", "b": "1", "c": "1", "d": "2"}), None, "address")
    after = ids(carry_over(clusters({"a": "x", "b": "x", "c": "y", "d": "z"}), before,
                           "address", issued=5))
    assert after["a"] == after["b"] == "A0000001" and after["d"] == "A0000002"
    assert after["c"] == "A0000006"


def test_pairwise_scores_count_pairs_by_grouping() -> None:
    predicted = pa.table({"unique_id": ["a", "b", "c", "d"], "entity": ["1", "1", "1", "2"]})
    truth = pa.table({"unique_id": ["a", "b", "c", "d"], "true_entity": [1, 1, 2, 2]})
    figures = score(predicted, truth)
    assert figures["true_pairs"] == 2 and figures["predicted_pairs"] == 3
    assert figures["pairwise_precision"] == round(1 / 3, 5)
    assert figures["pairwise_recall"] == 0.5
