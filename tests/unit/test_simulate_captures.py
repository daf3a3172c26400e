"""Simulated capture histories: shape, reproducibility, marginals, and a coverage smoke test."""

from __future__ import annotations

import numpy as np
import pytest

from commonground.insights.prevalence import bootstrap_ci, capture_table
from commonground.simulate import SimulationRefused, simulate_captures

PROBS = {"police": 0.15, "nca": 0.10, "local_authority": 0.12, "ngo": 0.08, "health": 0.05}


def _marginals(rows: np.ndarray, counts: np.ndarray, n: int) -> np.ndarray:
    return np.asarray((rows * counts[:, None]).sum(axis=0) / n)


def test_shapes_are_distinct_observed_histories() -> None:
    lists, rows, counts = simulate_captures(1000, PROBS, seed=1)
    assert lists == list(PROBS)
    assert rows.shape == (len(counts), 5)
    assert set(np.unique(rows)) <= {0, 1}
    assert (rows.sum(axis=1) > 0).all()  # nobody on no list: they are the dark figure
    assert len({tuple(r) for r in rows}) == len(rows)
    assert (counts > 0).all() and 0 < counts.sum() < 1000


def test_same_seed_same_table() -> None:
    a = simulate_captures(2000, PROBS, seed=7, heterogeneity=0.5,
                          dependence={("police", "nca"): 1.0})
    b = simulate_captures(2000, PROBS, seed=7, heterogeneity=0.5,
                          dependence={("police", "nca"): 1.0})
    assert a[0] == b[0]
    np.testing.assert_array_equal(a[1], b[1])
    np.testing.assert_array_equal(a[2], b[2])
    c = simulate_captures(2000, PROBS, seed=8)
    assert not np.array_equal(a[2], c[2]) or not np.array_equal(a[1], c[1])


@pytest.mark.parametrize("kwargs", [
    {},
    {"dependence": {("police", "nca"): 1.0}},
    {"heterogeneity": 1.0},
])
def test_marginals_match_the_given_probabilities(kwargs: dict[str, object]) -> None:
    n = 100_000
    _, rows, counts = simulate_captures(n, PROBS, seed=3, **kwargs)  # type: ignore[arg-type]
    np.testing.assert_allclose(_marginals(rows, counts, n), list(PROBS.values()), atol=0.005)


def test_dependence_raises_the_overlap() -> None:
    n = 100_000
    _, rows, counts = simulate_captures(n, PROBS, seed=4)
    _, drows, dcounts = simulate_captures(n, PROBS, seed=4, dependence={("police", "nca"): 1.0})
    both = counts[(rows[:, 0] == 1) & (rows[:, 1] == 1)].sum()
    dboth = dcounts[(drows[:, 0] == 1) & (drows[:, 1] == 1)].sum()
    assert both == pytest.approx(n * 0.15 * 0.10, rel=0.1)
    assert dboth == pytest.approx(n * 0.15 * 0.20, rel=0.1)


def test_heterogeneity_lowers_the_share_observed() -> None:
    n = 100_000
    plain = simulate_captures(n, PROBS, seed=5)[2].sum()
    hidden = simulate_captures(n, PROBS, seed=5, heterogeneity=1.0)[2].sum()
    expected = n * (1 - np.prod([1 - p for p in PROBS.values()]))
    assert plain == pytest.approx(expected, rel=0.02)
    assert hidden < 0.95 * plain


def test_refuses_bad_arguments() -> None:
    with pytest.raises(SimulationRefused):
        simulate_captures(10, {"a": 0.1}, seed=1)
    with pytest.raises(SimulationRefused):
        simulate_captures(10, {"a": 0.1, "b": 1.2}, seed=1)
    with pytest.raises(SimulationRefused):
        simulate_captures(10, {"a": 0.1, "b": 0.2}, seed=1, dependence={("a", "c"): 1.0})
    with pytest.raises(SimulationRefused):
        simulate_captures(10, {"a": 0.1, "b": 0.2}, seed=1,
                          dependence={("a", "b"): 1.0, ("b", "a"): 1.0})


def test_stepwise_recovers_the_truth_on_independent_lists() -> None:
    n = 500
    estimates = []
    for seed in range(5):
        lists, rows, counts = simulate_captures(n, PROBS, seed=seed)
        result = bootstrap_ci(capture_table(lists, rows, counts), replicates=50, seed=seed,
                              workers=1)
        assert result.limits[0.025] <= result.estimate <= result.limits[0.975]
        estimates.append(result.estimate)
    assert abs(np.mean(estimates) / n - 1) < 0.3


def _county_lists(**options: object) -> tuple[list[set[int]], int]:
    from commonground.simulate import CountyConfig, simulate_referrals

    config = CountyConfig(people=20_000, seed=5, people_per_exploitation_site=100,
                          referral_capture=(0.3, 0.2, 0.25), **options)  # type: ignore[arg-type]
    files, victims = simulate_referrals(config)
    return [set(f.truth["person_id"].to_pylist()) for f in files], victims


def test_county_referrals_follow_each_agencys_chance_of_reaching_a_victim() -> None:
    (police, council, charity), victims = _county_lists()
    assert victims > 800
    # Only victims are referred, each list at its own rate (binomial sd about 0.015).
    for found, chance in ((police, 0.3), (council, 0.2), (charity, 0.25)):
        assert None not in found
        assert abs(len(found) / victims - chance) < 0.05
    # Independent lists: the overlap is what the product of the rates says.
    assert abs(len(police & council) / victims - 0.3 * 0.2) < 0.025


def test_county_referrals_with_dependence_and_heterogeneity() -> None:
    (police, council, _), victims = _county_lists(referral_dependence=1.0)
    # Police referrals double the council's chance for those victims: overlap 0.3 * 0.4.
    assert abs(len(police & council) / victims - 0.12) < 0.03
    assert abs(len(council) / victims - 0.2) < 0.05  # the council's rate is kept
    (police, council, charity), victims = _county_lists(referral_heterogeneity=1.5)
    # Victims every list is less likely to reach: lists overlap more than independence says.
    assert len(police & council) / victims > 0.3 * 0.2 + 0.02
    with pytest.raises(SimulationRefused, match="one chance per agency"):
        _county_lists_bad()


def _county_lists_bad() -> None:
    from commonground.simulate import CountyConfig

    CountyConfig(referral_capture=(0.3, 0.2))  # type: ignore[arg-type]
