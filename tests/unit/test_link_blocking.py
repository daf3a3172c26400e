"""Blocking chosen by measuring it: rules ranked by their counts, taken within a budget."""

from __future__ import annotations

import pyarrow as pa

from commonground.engines import get_engine
from commonground.engines.splink_backend import close_api
from commonground.link.blocking import Budget, measure, ranked, within


def test_the_budget_grows_with_the_mentions_between_a_floor_and_a_cap() -> None:
    budget = Budget(per_mention=20, floor=1_000, cap=50_000)
    assert budget.comparisons(10) == 1_000
    assert budget.comparisons(200) == 4_000
    assert budget.comparisons(1_000_000) == 50_000


def test_rules_are_ranked_by_their_counts_and_those_over_the_budget_left_out() -> None:
    counts = [("broad", 900), ("narrow", 10), ("middle", 50), ("tie", 50), ("huge", 10**9)]
    assert ranked(counts, budget=1_000) == ("narrow", "middle", "tie", "broad")
    assert ranked(counts, budget=100) == ("narrow", "middle", "tie")
    # The narrowest rule is kept even over the budget: no rule would link nothing.
    assert ranked(counts, budget=5) == ("narrow",)
    # A wider tier comes after every precise rule, whatever its count.
    assert ranked(counts, budget=1_000, tiers=[0, 1, 0, 0, 0]) == (
        "middle", "tie", "broad", "narrow")


def test_rules_are_taken_while_their_pairs_together_stay_within_the_budget() -> None:
    assert within([10, 40, 60, 500], budget=100) == 3
    assert within([10, 40, 60, 500], budget=500) == 4
    assert within([200, 300], budget=100) == 1


def test_measure_counts_rules_on_the_data_and_respects_the_budget() -> None:
    # Ten mentions: one pair shares an NHS number, three pairs a surname and postcode (a
    # household of three), and everyone one of two postcodes (20 pairs: 5·4/2 twice).
    mentions = pa.table({
        "unique_id": [f"m{i}" for i in range(10)],
        "national_id": ["n1", "n1", *[None] * 8],
        "family": ["a", "b", "c", "c", "c", "d", "e", "f", "g", "h"],
        "postcode": ["p1"] * 5 + ["p2"] * 5,
    })
    rules = ("l.postcode = r.postcode", "l.national_id = r.national_id",
             "l.family = r.family AND l.postcode = r.postcode")
    with get_engine("duckdb") as engine:
        api = engine.splink_api(1)
        try:
            frame = api.register(mentions, table_name="blocking_test")
            small = measure(frame, [rules], Budget(per_mention=0.5, floor=0, cap=10**6), 10)
            large = measure(frame, [rules], Budget(per_mention=5, floor=0, cap=10**6), 10)
            # The same rules with the narrowest in a wider tier: ranked after the others.
            tiered = measure(frame, [rules[:1] + rules[2:], rules[1:2]],
                             Budget(per_mention=5, floor=0, cap=10**6), 10)
        finally:
            close_api(api)
    assert dict(small.counts) == {rules[0]: 20, rules[1]: 1, rules[2]: 3}
    # A budget of 5 comparisons: the two narrow rules (4 pairs), not the postcode (20).
    assert small.budget == 5 and small.rules == (rules[1], rules[2])
    figures = small.figures()
    assert figures["candidate_pairs"] == 4 and figures["rules_chosen"] == 2
    assert [r["chosen"] for r in figures["rules"]] == [False, True, True]
    # A budget of 50: the postcode too; its pairs include the others' four, counted once.
    assert large.rules == (rules[1], rules[2], rules[0])
    assert [s["marginal"] for s in large.scored] == [1, 3, 16]
    assert large.figures()["candidate_pairs"] == 20
    assert tiered.rules == (rules[2], rules[0], rules[1])
