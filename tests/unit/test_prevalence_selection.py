"""Model choice for multiple systems estimation: AIC/BIC over every model, methods side by
side with their warnings, sensitivity to lists dropped and merged, and the CLI."""

from __future__ import annotations

import json
import math
from itertools import combinations
from pathlib import Path

import pytest
from tests.conftest import shared_data
from typer.testing import CliRunner

from commonground.cli import app
from commonground.errors import InvalidInput
from commonground.insights.prevalence import (
    MethodResult,
    best_by_criterion,
    compare_methods,
    drop_list,
    fit_model,
    merge_lists,
    read_captures,
    select,
    sensitivity,
)
from commonground.insights.prevalence.model import all_pairs
from commonground.insights.prevalence.selection import method_warnings

# SparseMSE's Artificial_3: A and B overlap, A and C and B and C never do.
ARTIFICIAL = "A,B,C,n\n1,0,0,40\n0,1,0,30\n0,0,1,20\n1,1,0,6\n"


@pytest.fixture
def artificial(tmp_path: Path) -> Path:
    path = tmp_path / "artificial.csv"
    path.write_text(ARTIFICIAL)
    return path


def test_aic_and_bic_pick_the_smallest_criterion_among_models_that_exist(
    artificial: Path,
) -> None:
    table = read_captures(artificial)
    fits = [fit_model(table, terms) for k in range(4) for terms in combinations(all_pairs(3), k)]
    existing = [f for f in fits if f.aic is not None]
    assert len(existing) == 4  # every model with A:B has no MLE here
    bic = {f.terms: f.aic + (math.log(96) - 2) * (4 + len(f.terms)) for f in existing}  # type: ignore[operator]
    by_aic = best_by_criterion(table, "aic")
    by_bic = best_by_criterion(table, "bic")
    assert by_aic.fit.aic == min(f.aic for f in existing)  # type: ignore[type-var]
    assert by_bic.fit.terms == min(bic, key=bic.__getitem__)
    assert len(by_aic.models_without_estimate) == 4
    assert all("A:B" in m for m in by_aic.models_without_estimate)


def test_exhaustive_search_refuses_six_lists_with_the_reason() -> None:
    table = read_captures(shared_data("mse", "UKdat.csv"))
    with pytest.raises(InvalidInput, match="32,768"):
        select(table, "aic")
    compared = compare_methods(table, bootstrap=0)
    assert [r.method for r in compared.results] == ["stepwise", "independence"]
    assert any("at most 5 lists" in w for w in compared.warnings)


def test_ukdat_5_methods_side_by_side_with_a_warning_when_they_disagree() -> None:
    table = read_captures(shared_data("mse", "UKdat_5.csv"))
    compared = compare_methods(table, bootstrap=12, seed=7, workers=1)
    assert compared.result("stepwise").estimate == pytest.approx(11312.99, rel=1e-3)
    assert compared.result("independence").estimate == pytest.approx(13444.13, rel=1e-3)
    aic = compared.result("aic")
    assert aic.estimate == pytest.approx(11174.83, rel=1e-3)
    assert aic.ci95 is not None and aic.ci95[0] < aic.ci95[1]
    assert compared.result("bic").estimate == pytest.approx(22991.33, rel=1e-3)
    assert any("move more than their intervals" in w and "bic" in w for w in compared.warnings)


def _result(method: str, estimate: float, low: float, high: float) -> MethodResult:
    return MethodResult(method, estimate, (), (low, high), (low, high), 0, ())


def test_warnings_need_a_gap_wider_than_an_interval() -> None:
    close = method_warnings((_result("a", 100, 80, 130), _result("b", 110, 90, 140)))
    apart = method_warnings((_result("a", 100, 95, 105), _result("b", 120, 60, 180)))
    assert close == []
    assert len(apart) == 1 and "a 100 and b 120 differ by 20" in apart[0]
    missing = MethodResult("aic", None, (), None, None, 0, (("A:B",),))
    notes = method_warnings((missing,))
    assert any("no estimate" in n for n in notes)
    assert any("main effects + A:B" in n for n in notes)


def test_dropping_a_list_collapses_histories_and_merging_reproduces_ukdat_5() -> None:
    table = read_captures(shared_data("mse", "UKdat.csv"))
    dropped = drop_list(table, "NCA")
    assert dropped.lists == ("LA", "NG", "PF", "GO", "GP")
    assert dropped.observed < table.observed  # people only NCA saw go unseen
    merged = merge_lists(table, ("PF", "NCA"))
    assert merged.lists == read_captures(shared_data("mse", "UKdat_5.csv")).lists
    assert merged.observed == table.observed
    variants = {v.label: v for v in sensitivity(table, [("PF", "NCA")])}
    assert len(variants) == 1 + 6 + 1
    assert all(len(variants[f"without {n}"].lists) == 5 for n in table.lists)
    assert variants["all lists"].estimate == pytest.approx(11417.99, rel=1e-3)
    assert variants["PF and NCA merged"].estimate == pytest.approx(11312.99, rel=1e-3)
    with pytest.raises(InvalidInput, match="no list named"):
        drop_list(table, "XX")


def test_cli_prints_the_estimate_interval_terms_and_warnings() -> None:
    path = shared_data("mse", "UKdat_5.csv")
    runner = CliRunner()
    result = runner.invoke(app, ["insights", "prevalence", str(path), "--bootstrap", "20",
                                 "--workers", "1", "--json"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert {"observed", "estimate", "ci95", "ci80", "terms", "warnings"} <= set(shown)
    assert shown["observed"] == 2744
    assert shown["estimate"] == pytest.approx(11312.99, rel=1e-3)
    assert len(shown["ci95"]) == 2 and shown["ci95"][0] < shown["estimate"] < shown["ci95"][1]


def test_cli_compare_lists_every_method(artificial: Path) -> None:
    result = CliRunner().invoke(app, ["insights", "prevalence", str(artificial), "--compare",
                                      "--bootstrap", "20", "--workers", "1", "--json"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert [m["method"] for m in shown["methods"]] == ["stepwise", "aic", "bic", "independence"]
    assert any("without an estimate" in w for w in shown["warnings"])


def test_cli_sensitivity_drops_each_list_and_merges_the_groups_asked_for() -> None:
    path = shared_data("mse", "UKdat.csv")
    result = CliRunner().invoke(app, ["insights", "prevalence", str(path), "--bootstrap", "0",
                                      "--merge", "PF,NCA", "--json"])
    assert result.exit_code == 0, result.output
    rows = {r["label"]: r for r in json.loads(result.stdout)["sensitivity"]}
    assert list(rows)[:2] == ["all lists", "without LA"] and len(rows) == 8
    # PF and NCA merged is UKdat_5, SparseMSE's five-list table.
    assert rows["PF and NCA merged"]["estimate"] == pytest.approx(11312.99, rel=1e-3)
    bad = CliRunner().invoke(app, ["insights", "prevalence", str(path), "--bootstrap", "0",
                                   "--merge", "PF,XX"])
    assert isinstance(bad.exception, InvalidInput)
