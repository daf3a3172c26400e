"""Multiple systems estimation: reading capture tables, fitting, existence checks, BCa."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from commonground.errors import InvalidInput
from commonground.insights.prevalence import (
    bca_interval,
    bootstrap_ci,
    capture_table,
    estimate_exists,
    fit_model,
    quantile_type8,
    read_captures,
    stepwise,
)
from commonground.insights.prevalence.model import design, irls

# SparseMSE's Artificial_3: A and B overlap, A and C and B and C never do.
ARTIFICIAL = "A,B,C,n\n1,0,0,40\n0,1,0,30\n0,0,1,20\n1,1,0,6\n"


def write(tmp_path: Path, text: str, name: str = "captures.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_reads_all_histories_merging_duplicates(tmp_path: Path) -> None:
    table = read_captures(write(tmp_path, "x,y,z,count\n1,0,0,3\n0,1,1,2\n1,0,0,4\n"))
    assert table.lists == ("x", "y", "z")
    assert table.histories.shape == (7, 3)
    assert {tuple(h) for h in table.histories} == {
        (1, 0, 0), (0, 1, 0), (0, 0, 1), (1, 1, 0), (1, 0, 1), (0, 1, 1), (1, 1, 1)
    }  # fmt: skip
    by_history = {tuple(h): int(c) for h, c in zip(table.histories, table.counts, strict=True)}
    assert by_history[(1, 0, 0)] == 7
    assert by_history[(0, 1, 1)] == 2
    assert table.observed == 9
    assert sum(table.counts == 0) == 5


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a,b,n\n1,0,2\n0,x,1\n", "row 3, column 'b': expected 0 or 1"),
        ("a,b,n\n1,0,2\n0,1,-1\n", "row 3, column 'n': expected a whole count"),
        ("a,b,n\n1,0,2\n0,1\n", "row 3: 2 columns; expected 3"),
        ("a,n\n1,2\n", "expected at least two list columns"),
        ("a,b,n\n0,0,5\n", "all-zero history"),
        ("a,a,n\n1,0,5\n", "distinct"),
        ("", "empty file"),
    ],
)
def test_bad_files_say_where(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message) as caught:
        read_captures(write(tmp_path, text, "bad.csv"))
    assert "bad.csv" in str(caught.value)


def test_never_overlapping_pair_drops_cells_instead_of_a_column() -> None:
    table = capture_table(
        ["A", "B", "C"], np.array([[1, 0, 0], [1, 1, 0], [0, 0, 1]]), np.array([5, 2, 4])
    )
    built = design(table, [(0, 1), (0, 2)])
    assert built.empty_pairs == ((0, 2),)
    assert built.columns == ("(Intercept)", "A", "B", "C", "A:B")
    kept = table.histories[built.kept]
    assert not np.any(kept[:, 0] & kept[:, 2])  # every cell holding A and C is gone
    assert len(kept) == 5


def test_irls_matches_statsmodels() -> None:
    sm = pytest.importorskip("statsmodels.api")
    table = capture_table(
        ["A", "B", "C", "D"],
        np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1], [1, 1, 0, 0],
                  [1, 0, 1, 0], [0, 1, 1, 0], [0, 1, 0, 1], [1, 1, 1, 0], [0, 0, 1, 1]]),
        np.array([60, 45, 30, 25, 12, 9, 7, 3, 2, 4]),
    )  # fmt: skip
    built = design(table, [(0, 1), (1, 2)])
    y = table.counts[built.kept].astype(float)
    beta, mu, converged = irls(built.matrix, y)
    reference = sm.GLM(y, built.matrix, family=sm.families.Poisson()).fit(tol=1e-12)
    assert converged
    np.testing.assert_allclose(beta, reference.params, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(mu, reference.fittedvalues, rtol=1e-7)
    fit = fit_model(table, [(0, 1), (1, 2)])
    assert fit.estimate == pytest.approx(table.observed + np.exp(reference.params[0]), rel=1e-9)
    assert fit.aic == pytest.approx(reference.aic, rel=1e-9)


def test_existence_checks_as_sparsemse_documents(tmp_path: Path) -> None:
    """checkident's own examples on Artificial_3."""
    table = read_captures(write(tmp_path, ARTIFICIAL))
    every = [(0, 1), (0, 2), (1, 2)]
    assert not estimate_exists(table, every).identifiable
    no_mle = estimate_exists(table, [(0, 1)])
    assert not no_mle.finite and no_mle.identifiable
    assert estimate_exists(table, [(0, 2), (1, 2)]).ok
    assert estimate_exists(table, []).ok


def test_a_model_without_an_estimate_reports_none(tmp_path: Path) -> None:
    table = read_captures(write(tmp_path, ARTIFICIAL))
    fit = fit_model(table, [(0, 1)])
    assert fit.estimate is None and fit.dark_figure is None
    assert "does not exist" in fit.existence.reason


def test_a_full_table_has_an_estimate_without_the_lp() -> None:
    rows = np.array([[1, 0], [0, 1], [1, 1]])
    table = capture_table(["A", "B"], rows, np.array([30, 20, 10]))
    fit = fit_model(table)
    assert fit.existence.ok
    assert fit.estimate == pytest.approx(60 + 30 * 20 / 10)  # Lincoln–Petersen


def test_stepwise_ties_go_to_the_first_pair() -> None:
    # A:B and C:D so strong that every pair's p-value underflows to 0: (A,B) comes first.
    rows = np.array(
        [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1],
         [1, 1, 0, 0], [0, 0, 1, 1], [1, 0, 1, 0], [0, 1, 0, 1]]
    )  # fmt: skip
    counts = np.array([100, 100, 100, 100, 3000, 3000, 20, 20])
    result = stepwise(capture_table(["A", "B", "C", "D"], rows, counts))
    assert {c.p_value for c in result.steps[0].candidates} == {0.0}
    assert result.terms[0] == (0, 1)
    assert result.steps[0].added == (0, 1)


def test_type8_quantiles_match_r() -> None:
    # Type 8 reads position (n + 1/3) p + 1/3: 1.667 → 1.667, 3 → 4, 4.333 → 10.667.
    values = np.array([1.0, 2.0, 4.0, 8.0, 16.0])
    np.testing.assert_allclose(
        quantile_type8(values, [0.25, 0.5, 0.75]), [1.6666666666666667, 4.0, 10.666666666666666]
    )


def test_bca_without_acceleration_or_bias_is_the_percentile_interval() -> None:
    reps = np.arange(1.0, 1001.0)
    limits = bca_interval(reps, 500.5, 0.0, [0.025, 0.975])  # half below: no bias correction
    np.testing.assert_allclose(list(limits.values()), quantile_type8(reps, [0.025, 0.975]))


def test_bca_refuses_replicates_all_on_one_side() -> None:
    with pytest.raises(InvalidInput, match="one side"):
        bca_interval([5.0, 6.0, 7.0], 1.0, 0.0)


def test_bootstrap_limits_bracket_the_estimate() -> None:
    rows = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0], [1, 0, 1], [0, 1, 1], [1, 1, 1]])
    table = capture_table(["A", "B", "C"], rows, np.array([120, 90, 80, 30, 20, 15, 4]))
    result = bootstrap_ci(table, replicates=50, seed=7, levels=(0.1, 0.9), workers=1)
    assert result.replicates.shape == (50,)
    assert result.limits[0.1] < result.estimate < result.limits[0.9]
    again = bootstrap_ci(table, replicates=50, seed=7, levels=(0.1, 0.9), workers=1)
    np.testing.assert_array_equal(result.replicates, again.replicates)


def test_rank_shortcut_agrees_with_the_linear_program() -> None:
    """check_design skips the LP when the positive cells alone pin the parameters; the LP must
    agree wherever the shortcut answers."""
    from commonground.insights.prevalence.existence import LP_ZERO, lp_optimum, rank_deficiency
    from commonground.insights.prevalence.model import all_pairs
    from commonground.insights.prevalence.tables import all_histories

    rng = np.random.default_rng(11)
    histories = all_histories(5)
    pairs = all_pairs(5)
    shortcut = 0
    for _ in range(60):
        counts = rng.poisson(rng.choice([0.3, 2.0, 20.0], size=len(histories)))
        table = capture_table(["A", "B", "C", "D", "E"], histories, counts)
        terms = [pairs[i] for i in rng.choice(len(pairs), size=rng.integers(0, 6), replace=False)]
        built = design(table, terms)
        support = table.counts[built.kept] > 0
        if support.all() or rank_deficiency(built.matrix) or rank_deficiency(built.matrix[support]):
            continue
        shortcut += 1
        assert lp_optimum(built.matrix, support.astype(float)) > LP_ZERO
        assert estimate_exists(table, terms).ok
    assert shortcut > 10


def test_a_list_that_saw_nobody_leaves_no_estimate() -> None:
    table = capture_table(
        ["A", "B", "C"], np.array([[1, 0, 0], [0, 1, 0], [1, 1, 0]]), np.array([5, 4, 2])
    )
    result = stepwise(table)
    assert result.estimate is None
    assert not result.fit.existence.finite
    with pytest.raises(InvalidInput, match="nothing to bootstrap"):
        bootstrap_ci(table, replicates=10, workers=1)
