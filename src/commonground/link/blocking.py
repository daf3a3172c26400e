"""Blocking chosen by measuring it: the candidate rules a run can afford on the data at hand.

A spec lists candidate blocking rules in two tiers: precise ones (two identifiers agreeing, or
a name or an address capped in size) and wider ones (one identifier alone). Each is counted on
the mentions about to be linked (Splink's blocking analysis,
`count_comparisons_from_blocking_rules`), the rules are ranked, every precise one before any
wider one and within a tier from the fewest comparisons up, counted again together in that
order (each pair once: Splink's marginal and cumulative counts), and taken while the pairs they
make together stay within a budget that grows with the mentions (`Budget`). A file of a few
thousand records affords broad rules (any two records with one date of birth, or one
postcode), which bring together duplicates that differ in several fields at once; a million
mentions afford only the narrow ones, or the run would never finish. Nothing here is tuned to
one data set: the counts decide, on every run.

The choice goes into the run's figures: every candidate with its comparisons alone, whether
it was chosen, and, for the chosen rules in the order Splink applies them, the comparisons each
adds to those before it (marginal) and the running total (cumulative), which is what is
scored. Rules are SQL on column names: the figures hold no value.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from commonground.link.schema import ID

# Up to this many mentions the counts are exact; above it, Splink counts the pairs of a
# hash-sampled share of the mentions (this many, on each side of the join) and scales up.
# Counting a broad rule exactly at a million mentions would create the billions of pairs it
# is measured to avoid.
EXACT_UP_TO = 50_000


@dataclass(frozen=True)
class Budget:
    """How many comparisons a run may score: `per_mention` times the mentions, within
    [`floor`, `cap`]."""

    per_mention: float
    floor: int  # a small file: every affordable rule, however few its mentions
    cap: int  # a large one: scoring time (about 100,000 comparisons a second on two cores)

    def comparisons(self, mentions: int) -> int:
        return int(min(self.cap, max(self.floor, self.per_mention * mentions)))


@dataclass(frozen=True)
class Blocking:
    """The rules chosen for one run, and the counts they were chosen by."""

    rules: tuple[str, ...]  # in the order Splink applies them
    budget: int
    counts: tuple[tuple[str, int], ...]  # every candidate rule and its comparisons alone
    scored: tuple[dict[str, Any], ...] = ()  # per chosen rule: marginal and cumulative
    estimated: bool = False  # counted on a sample of the mentions

    def figures(self) -> dict[str, Any]:
        chosen = set(self.rules)
        scored = {s["rule"]: s for s in self.scored}
        rules = []
        for rule, count in self.counts:
            row: dict[str, Any] = {"rule": rule, "comparisons": count, "chosen": rule in chosen}
            if rule in scored:
                row["marginal"] = scored[rule]["marginal"]
                row["cumulative"] = scored[rule]["cumulative"]
            rules.append(row)
        total = self.scored[-1]["cumulative"] if self.scored else sum(
            count for rule, count in self.counts if rule in chosen)
        return {"budget": self.budget, "candidate_pairs": total, "estimated": self.estimated,
                "rules_chosen": len(self.rules), "rules": rules}


def ranked(counts: Sequence[tuple[str, int]], budget: int, tiers: Sequence[int] | None = None
           ) -> tuple[str, ...]:
    """The rules that fit the budget alone, by tier (`tiers`, one per rule: precise 0 before
    wider 1) and then fewest comparisons first (ties in the candidates' order); the first
    rule even over the budget, so that a run has candidate pairs.

    Tiers, because a count alone does not say what a rule's pairs are worth: at a million
    mentions one date of birth alone makes fewer pairs than everyone at one address, but far
    fewer of them are the same person.
    """
    tier = list(tiers) if tiers is not None else [0] * len(counts)
    order = sorted(range(len(counts)), key=lambda i: (tier[i], counts[i][1], i))
    return tuple(counts[i][0] for n, i in enumerate(order) if n == 0 or counts[i][1] <= budget)


def within(cumulative: Sequence[int], budget: int) -> int:
    """How many of the ranked rules to take: the longest run from the first whose pairs,
    counted together (each pair once, `cumulative`), stay within the budget; at least one."""
    taken = 1
    while taken < len(cumulative) and cumulative[taken] <= budget:
        taken += 1
    return min(taken, len(cumulative))


def _proportion(mentions: int) -> float:
    return 1.0 if mentions <= EXACT_UP_TO else EXACT_UP_TO / mentions


def _count(frame: Any, rules: Sequence[str], proportion: float) -> list[dict[str, Any]]:
    from splink.blocking_analysis import count_comparisons_from_blocking_rules

    with warnings.catch_warnings():
        # Splink warns when a sampled count rests on few pairs: a narrow rule at scale,
        # whose count is small whatever its error.
        warnings.simplefilter("ignore", UserWarning)
        return count_comparisons_from_blocking_rules(
            frame, blocking_rules=list(rules), link_type="dedupe_only",
            unique_id_column_name=ID,
            record_sample_proportion=proportion)  # type: ignore[return-value]


def together(frame: Any, rules: Sequence[str], mentions: int) -> tuple[dict[str, Any], ...]:
    """What `rules` score together on `frame` (`mentions` prepared mentions), rule by rule in
    Splink's order: the pairs each adds to those before it, and the running total."""
    records = _count(frame, rules, _proportion(mentions))
    return tuple({"rule": rule, "marginal": int(r["marginal_comparison_count"]),
                  "cumulative": int(r["cumulative_comparison_count"])}
                 for rule, r in zip(rules, records, strict=True))


def measure(frame: Any, tiers: Sequence[Sequence[str]], budget: Budget, mentions: int
            ) -> Blocking:
    """Count each candidate alone on `frame` (a Splink frame of `mentions` prepared mentions),
    rank those that fit the budget (`tiers`: the precise rules, then the wider ones), count
    them together in that order, and take as many as the budget holds. What the chosen rules
    score together is the ranked count's start."""
    proportion = _proportion(mentions)
    candidates = [(rule, tier) for tier, rules in enumerate(tiers) for rule in rules]
    counts = tuple(
        (rule, int(_count(frame, [rule], proportion)[0]["marginal_comparison_count"]))
        for rule, _ in candidates)
    allowed = budget.comparisons(mentions)
    order = ranked(counts, allowed, [tier for _, tier in candidates])
    scored = together(frame, order, mentions)
    taken = within([s["cumulative"] for s in scored], allowed)
    return Blocking(order[:taken], allowed, counts, scored[:taken],
                    estimated=proportion < 1.0)
