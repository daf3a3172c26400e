"""SparseMSE's own figures (REFERENCE.md in the shared mse folder), from R 4.2.2."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from tests.conftest import shared_data

from commonground.insights.prevalence import (
    bca_interval,
    bootstrap_ci,
    capture_table,
    estimate_exists,
    fit_model,
    jackknife_acceleration,
    read_captures,
    report,
    stepwise,
)
from commonground.insights.prevalence.model import all_pairs

REFERENCE = {
    "UKdat": (
        12214.00,
        11417.99,
        ("PF:NCA", "LA:NG", "NG:GP", "LA:PF", "PF:GP", "GO:GP", "NG:GO"),
    ),
    "UKdat_5": (
        13444.13,
        11312.99,
        ("LA:NG", "NG:GP", "PFNCA:GP", "LA:PFNCA", "GO:GP", "NG:GO"),
    ),
}
OTHER_TABLES = [
    "NewOrl",
    "NewOrl_5",
    "Ned",
    "Ned_5",
    "Western",
    "Artificial_3",
    "UKdat_4",
    "Kosovo",
]


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_estimates_and_terms_match_sparsemse(name: str) -> None:
    independence, estimate, terms = REFERENCE[name]
    table = read_captures(shared_data("mse", f"{name}.csv"))
    assert table.observed == 2744
    assert fit_model(table).estimate == pytest.approx(independence, rel=1e-3)
    result = stepwise(table)
    assert result.term_names == terms
    assert result.estimate == pytest.approx(estimate, rel=1e-3)


# SparseMSE's BCa limits (2.5 %, 10 %, 90 %, 97.5 %), 1,000 replicates, seed 1234.
BCA = {
    "UKdat": (9266.96, 9682.34, 12576.51, 14306.76),
    "UKdat_5": (8784.78, 9623.86, 12531.14, 14700.55),
}


@pytest.mark.parametrize("name", sorted(BCA))
def test_our_own_bootstrap_gives_bca_limits_within_5_percent(name: str) -> None:
    # Our random numbers are not R's, so the limits differ a little (other seeds in R move
    # them by about 3 %); the selection is redone on each of the 1,000 replicates.
    table = read_captures(shared_data("mse", f"{name}.csv"))
    result = bootstrap_ci(table, 1000, seed=1234, workers=2)
    ours = [result.limits[level] for level in (0.025, 0.1, 0.9, 0.975)]
    np.testing.assert_allclose(ours, BCA[name], rtol=0.05)


def test_bca_quantiles_from_sparsemse_replicates() -> None:
    path = shared_data("mse", "UKdat_sparsemse_bootreps.csv")
    with path.open(newline="") as handle:
        reps = np.array([float(row["bootest"]) for row in csv.DictReader(handle)])
    assert reps.shape == (1000,)
    limits = bca_interval(reps, 11417.9910915046, -0.012871164848582, [0.025, 0.1, 0.9, 0.975])
    expected = [9266.9578, 9682.3364, 12576.5052, 14306.7579]
    np.testing.assert_allclose(list(limits.values()), expected, atol=5e-5)


def test_jackknife_acceleration_matches_sparsemse() -> None:
    table = read_captures(shared_data("mse", "UKdat.csv"))
    assert jackknife_acceleration(table) == pytest.approx(-0.012871164848582, rel=1e-6)


@pytest.mark.parametrize("name", OTHER_TABLES)
def test_every_other_table_runs(name: str) -> None:
    table = read_captures(shared_data("mse", f"{name}.csv"))
    result = stepwise(table)
    assert result.estimate is not None and result.estimate >= table.observed
    assert len(result.term_names) == len(set(result.term_names))


# A multinomial resample of NewOrl (numpy seed 1, 15th draw): 185 cases, G seen once.
NEWORL_RESAMPLE = {
    "10000000": 33, "01000000": 5, "00100000": 61, "00010000": 32, "00001000": 4,
    "00000100": 12, "00000010": 1, "00000001": 24, "10010000": 3, "00011000": 2,
    "01000100": 2, "00100010": 2, "00001001": 1, "10011000": 1, "10100010": 2,
}  # fmt: skip


def test_neworl_reports_models_without_an_estimate() -> None:
    """Sparse NewOrl tables meet models whose MLE does not exist; they are flagged, not fitted."""
    original = read_captures(shared_data("mse", "NewOrl.csv"))
    rows = np.array([[int(b) for b in history] for history in NEWORL_RESAMPLE])
    table = capture_table(original.lists, rows, np.array(list(NEWORL_RESAMPLE.values())))
    assert table.observed == original.observed == 185
    result = stepwise(table)
    assert result.term_names == ("C:G", "D:E", "B:F", "A:G", "A:D")
    assert result.estimate is not None
    assert result.models_without_estimate == (("C:G", "D:E", "B:F", "A:G", "A:D", "E:H"),)
    flagged = [c for step in result.steps for c in step.candidates if not c.existence.ok]
    assert [(c.name, c.p_value, c.existence.finite) for c in flagged] == [("E:H", 1.0, False)]
    fit = fit_model(table, [*result.terms, (4, 7)])
    assert fit.estimate is None and fit.coefficients is None
    assert "does not exist" in fit.existence.reason
    # The original NewOrl table has an estimate even for the model with every two-list term.
    assert estimate_exists(original, all_pairs(len(original.lists))).ok


def test_neworl_says_which_pairs_never_overlap() -> None:
    found = report(read_captures(shared_data("mse", "NewOrl.csv")), bootstrap=0)
    assert len(found["never_overlap"]) == 18
    assert found["warnings"][0].startswith("18 of 28 pairs of lists share no case")
    assert found["estimate"] >= found["observed"] == 185
