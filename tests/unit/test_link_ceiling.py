"""The evidence ceiling: true pairs sorted by what their mentions share."""

from __future__ import annotations

import pyarrow as pa

from commonground.link.evaluate import evidence_ceiling

MENTIONS = pa.table({
    "unique_id": ["a1", "a2", "b1", "b2", "c1", "c2", "d1", "e1", "e2", "f1", "f2", "f3"],
    "given": ["ann", "ann", "bo", "bo", "john", "john", "john", "eve", "evie",
              "kim", "kim", None],
    "family": ["lee", "lee", "zed", "zed", "smith", "smith", "smith", "ray", "ray",
               "lo", "lo", "lo"],
    "dob": ["1980-01-01", "1980-01-01", None, "1990-02-02", "1970-03-03", None, "1950-01-01",
            None, "1960-06-06", "1975-05-05", "1975-05-05", None],
    "address": ["1 a st", "2 b st", "3 c st", "4 d st", "5 e st", "6 f st", "7 g st",
                "8 h st", "9 i st", "10 j st", "11 k st", "11 k st"],
})
TRUTH = pa.table({"unique_id": MENTIONS["unique_id"],
                  "true_entity": [1, 1, 2, 2, 3, 3, 4, 5, 5, 6, 6, 6]})


def test_pairs_are_classed_by_their_evidence() -> None:
    figures = evidence_ceiling(MENTIONS, TRUTH, ("given", "family"), ("dob", "address"))
    # a: the date of birth agrees; b: only a name no one else has; c: only "john smith",
    # which d has too; e: not even the same name; f: f1-f2 share a date of birth, f2-f3 an
    # address, so f1-f3 (nothing in common) are joined through f2.
    assert figures["true_pairs"] == 7
    assert figures["corroborated"] == 3
    assert figures["unique_name_only"] == 1
    assert figures["via_chain"] == 1
    assert figures["name_only"] == 2
    assert figures["recall_bound"] == round(5 / 7, 5)
    assert figures["f1_bound"] == round(2 * (5 / 7) / (1 + 5 / 7), 5)


def test_recall_on_linkable_counts_only_the_pairs_a_model_could_link() -> None:
    predicted = pa.table({"unique_id": MENTIONS["unique_id"],
                          "entity": [1, 1, 2, 9, 3, 3, 4, 5, 5, 6, 6, 7]})
    figures = evidence_ceiling(MENTIONS, TRUTH, ("given", "family"), ("dob", "address"),
                               predicted)
    # Linkable: a (linked), b (split), f1-f2 (linked), f2-f3 and f1-f3 (split); c and e do not
    # count.
    assert figures["recall_on_linkable"] == 0.4


def test_a_learner_told_the_truth_links_what_the_comparisons_can_tell() -> None:
    import numpy as np

    from commonground.link.evaluate import supervised_limit

    # 200 two-mention people and, between people, as many false candidate pairs. One
    # comparison tells them apart, but not in the direction its weight says (a weight the
    # model got wrong): the learner reads it right, so it links every person and nothing else.
    rng = np.random.default_rng(0)
    ids = [f"p{i}-{k}" for i in range(200) for k in (0, 1)]
    true_l, true_r = ids[0::2], ids[1::2]
    false_l = [f"p{i}-0" for i in range(200)]
    false_r = [f"p{(i + 1) % 200}-1" for i in range(200)]
    pairs = pa.table({
        "unique_id_l": true_l + false_l, "unique_id_r": true_r + false_r,
        "mw_name": np.r_[rng.normal(-3, 0.5, 200), rng.normal(3, 0.5, 200)],
        "tf_name_l": np.full(400, 0.01),
        "match_weight": np.r_[np.full(200, -3.0), np.full(200, 3.0)],
        "match_probability": np.r_[np.full(200, 0.1), np.full(200, 0.9)]})
    mentions = pa.table({"unique_id": ids})
    truth = pa.table({"unique_id": ids, "true_entity": [i.split("-")[0] for i in ids]})
    best = supervised_limit(mentions, pairs, truth)
    assert best["pairwise_f1"] == 1.0
    assert best["true_pairs"] == 200
