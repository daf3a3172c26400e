"""Entity ids carry over by overlap; new ids never reuse an old one; the clusterer can
start from a previous index's clusters (incremental runs)."""

from __future__ import annotations

import pyarrow as pa

from commonground.link.cluster import constrained_clusters
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


def links(*pairs: tuple[str, str, float]) -> pa.Table:
    return pa.table({"unique_id_l": [a for a, _, _ in pairs],
                     "unique_id_r": [b for _, b, _ in pairs],
                     "match_weight": [w for _, _, w in pairs],
                     "match_probability": [0.99] * len(pairs)})


def groups(table: pa.Table) -> dict[str, str]:
    return dict(zip(table["unique_id"].to_pylist(), table["cluster"].to_pylist(), strict=True))


def test_an_initial_grouping_holds_without_links_and_new_mentions_join_it() -> None:
    mentions = pa.table({"unique_id": ["a", "b", "c", "d", "n"],
                         "dob_unordered": [None, None, None, None, None]})
    # 'gone' was in the previous index and is no longer a mention: ignored.
    initial = clusters({"a": "P1", "b": "P1", "c": "P2", "gone": "P2"})
    alone = groups(constrained_clusters(mentions, links(), 0.9, initial=initial))
    assert alone == {"a": "a", "b": "a", "c": "c", "d": "d", "n": "n"}
    joined = groups(constrained_clusters(mentions, links(("n", "b", 10.0)), 0.9,
                                         initial=initial))
    assert joined["n"] == joined["a"] == joined["b"] == "a"
    assert joined["c"] == "c" and joined["d"] == "d"


def test_an_initial_cluster_pools_its_identifiers_against_a_conflicting_link() -> None:
    mentions = pa.table({"unique_id": ["a", "b", "n"],
                         "dob_unordered": ["0101-1980", None, "0202-1990"]})
    link = links(("b", "n", 10.0))
    # From scratch, b and n are two single mentions and their own score decides.
    assert groups(constrained_clusters(mentions, link, 0.9, ["dob_unordered"]))["n"] == "b"
    # Starting from {b, a}, the cluster knows a's date of birth, which n contradicts (b, the
    # date-less mention, is listed first: the pooled dates must not depend on who leads).
    grouped = groups(constrained_clusters(mentions, link, 0.9, ["dob_unordered"],
                                          initial=clusters({"b": "P1", "a": "P1"})))
    assert grouped == {"a": "a", "b": "a", "n": "n"}


def test_several_records_of_one_person_join_when_each_link_weighed_its_own_conflict() -> None:
    # One person, three records: the third has a typo in the date of birth and matches the
    # other two well despite it. Its links weighed the disagreement (both sides hold a date).
    mentions = pa.table({"unique_id": ["org", "dup0", "dup1"],
                         "dob_unordered": ["1980-0101", "1980-0101", "1980-0111"],
                         "national_id": ["n1", "n1", "n1"]})
    link = links(("org", "dup0", 30.0), ("org", "dup1", 12.0), ("dup0", "dup1", 11.0))
    weighed = groups(constrained_clusters(mentions, link, 0.9, ["dob_unordered"], weighed=1))
    assert set(weighed.values()) == {"dup0"}
    # Without `weighed` (addresses), a cluster refuses the third record.
    strict = groups(constrained_clusters(mentions, link, 0.9, ["dob_unordered"]))
    assert strict == {"org": "dup0", "dup0": "dup0", "dup1": "dup1"}


def test_a_link_that_weighed_nothing_or_two_conflicts_is_still_refused() -> None:
    # The bridge has no date of birth: its score weighed nothing of the son's date.
    mentions = pa.table({"unique_id": ["ct", "father", "son", "son2"],
                         "dob_unordered": [None, "1979-0112", "2007-0112", "2007-0112"],
                         "national_id": [None, "n1", "n2", "n2"]})
    bridge = links(("ct", "father", 9.0), ("ct", "son", 8.0))
    grouped = groups(constrained_clusters(mentions, bridge, 0.9,
                                          ["dob_unordered", "national_id"], weighed=1))
    assert grouped["ct"] == grouped["father"] != grouped["son"]
    # Father and son of one name at one address: another date *and* another NHS number.
    both = links(("son", "son2", 20.0), ("father", "son", 9.0))
    grouped = groups(constrained_clusters(mentions, both, 0.9,
                                          ["dob_unordered", "national_id"], weighed=1))
    assert grouped["son"] == grouped["son2"] != grouped["father"]
