"""Risk models, metrics, uplift and fairness on small hand-made data."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from commonground.contribute.contract import load_contracts
from commonground.insights.risk.fairness import by_group, proxies
from commonground.insights.risk.indicators import INDICATORS, SOURCES, indicators_for
from commonground.insights.risk.metrics import precision_at, ranked_metrics
from commonground.insights.risk.models import PROTECTED, ProtectedInput, check_inputs, fit
from commonground.insights.risk.ranking import rank
from commonground.insights.risk.signed import SignedLogistic
from commonground.insights.risk.uplift import shapley, subsets, uplift_table
from commonground.simulate import contracts_folder


def test_no_model_input_is_a_protected_characteristic() -> None:
    names = [i.name for i in INDICATORS]
    check_inputs(names)  # raises if any were
    for source in SOURCES.values():
        for column, plain in source.columns.items():
            for word in PROTECTED:
                assert word not in column.lower() and word not in plain, (source.ref, column)
    # The contracts hold sex and gender columns: none reaches the indicators' inputs.
    contracts = load_contracts(contracts_folder())
    protected = {(ref, c.name) for ref, ct in contracts.items() for c in ct.columns
                 if c.name.lower() in ("sex", "gender", "nationality", "ethnicity")}
    assert protected, "the county's contracts should hold protected columns to keep out"
    for ref, column in protected:
        assert ref not in SOURCES or column not in SOURCES[ref].columns


@pytest.mark.parametrize("name", ["nationality", "sex", "resident_ethnicity", "gender_f"])
def test_a_protected_input_is_refused(name: str) -> None:
    with pytest.raises(ProtectedInput):
        check_inputs(["fire_overcrowding", name])
    with pytest.raises(ProtectedInput):
        fit("logistic", np.zeros((4, 2)), np.array([0, 1, 0, 1]), ["ae_injury", name])


def test_signed_logistic_never_learns_a_protective_sign() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 2))
    y = (x[:, 0] - x[:, 1] + rng.normal(scale=0.3, size=400) > 0).astype(int)
    model = SignedLogistic(C=10.0).fit(x, y)
    assert model.coef_[0, 0] > 0.5 and model.coef_[0, 1] == pytest.approx(0.0, abs=1e-9)
    p = model.predict_proba(x)[:, 1]
    assert p[y == 1].mean() > p[y == 0].mean()


def _indicators(n: int = 60) -> pa.Table:
    rng = np.random.default_rng(1)
    columns = {i.name: rng.poisson(0.01, n).astype(float) for i in INDICATORS}
    columns["fire_mattresses"][:8] = 2.0  # the known cases and two unknown look alike
    columns["ae_spoken_for"][:8] = 1.0
    columns["fire_locked_doors"][:8] = 1.0
    return pa.table({"address_id": [f"A{i:07d}" for i in range(n)], **columns})


def test_rank_lists_only_unknown_addresses_and_learns_from_positives_only() -> None:
    table = _indicators()
    known = {"A0000000", "A0000001", "A0000002", "A0000003", "A0000004", "A0000005"}
    ranked = rank(table, known | {"A0000059"}, "logistic", positives=known)
    assert not (set(ranked.address_ids) & known) and "A0000059" not in ranked.address_ids
    assert ranked.known == 6
    assert set(ranked.address_ids[:2]) == {"A0000006", "A0000007"}
    assert np.all(np.diff(ranked.scores) <= 0) and np.all((ranked.scores >= 0)
                                                         & (ranked.scores <= 1))


def test_the_checklist_and_too_few_cases_score_as_shares_of_signs() -> None:
    table = _indicators()
    for kind, known in (("checklist", {"A0000000", "A0000001"}), ("boosted", {"A0000000"})):
        ranked = rank(table, known, kind)
        assert set(ranked.address_ids[:6]) <= {f"A000000{i}" for i in range(8)}
        assert ranked.scores.max() <= 1


def test_indicators_for_a_subset_need_every_partner_they_name() -> None:
    both = indicators_for(["fire", "district_council"])
    assert "unlicensed_crowding" in both and "unlicensed_crowding" not in indicators_for(
        ["fire"])
    assert set(indicators_for(["health"])) == {i.name for i in INDICATORS
                                               if i.partners == ("health",)}


def test_precision_and_recall_count_sites_once() -> None:
    scores = np.array([0.9, 0.8, 0.7, 0.1])
    truth = np.array([True, True, False, True])
    sites = np.array([0, 0, -1, 1])
    got = ranked_metrics(scores, truth, sites, total_sites=2, ks=(2, 4))
    assert got["precision_at_2"] == 1.0 and got["recall_at_2"] == 0.5
    assert got["recall_at_4"] == 1.0 and precision_at(truth.astype(int), 4) == 0.75


def test_shapley_is_exact_on_an_additive_and_a_symmetric_game() -> None:
    worth = {"a": 0.1, "b": 0.2, "c": 0.4}
    assert shapley(lambda s: sum(worth[p] for p in s), list(worth)) == pytest.approx(worth)
    values = shapley(lambda s: 1.0 if len(s) >= 2 else 0.0, ["a", "b", "c"])
    assert values == pytest.approx({"a": 1 / 3, "b": 1 / 3, "c": 1 / 3})
    assert len(subsets(["a", "b", "c", "d", "e"])) == 32


def test_the_uplift_table_shares_the_all_partner_precision() -> None:
    players = ["p", "q"]
    lists = {frozenset(["p"]): np.array([0, -1, -1, -1]),
             frozenset(["q"]): np.array([1, -1, -1, -1]),
             frozenset(["p", "q"]): np.array([0, 1, 2, -1])}
    table = uplift_table(lists, players, n_sites=3, k=4, boot=200)
    assert table["all_partners"]["precision_at_k"] == 0.75
    assert sum(table["shapley"].values()) == pytest.approx(0.75)
    assert table["single_partner"]["p"]["precision_at_k"] == 0.25
    assert table["leave_one_out"]["p"]["precision_at_k"] == 0.25
    low, high = table["all_minus_best_single"]["ci95"]
    assert low <= table["all_minus_best_single"]["difference"] == 0.5 <= high


def test_fairness_by_group_and_proxy_flags() -> None:
    listed = np.array([1, 1, 0, 0, 1, 0], bool)
    target = np.array([1, 0, 1, 0, 0, 0], bool)
    groups = ["a", "a", "a", "b", "b", "b"]
    found = by_group(listed, target, groups)
    assert found["groups"]["a"]["selection_rate"] == pytest.approx(2 / 3)
    assert found["groups"]["a"]["recall"] == 0.5 and found["groups"]["b"]["recall"] is None
    assert found["selection_rate_difference"] == pytest.approx(1 / 3)
    assert found["selection_rate_ratio"] == pytest.approx(0.5)
    migrant = np.array([True, True, True, False, False, False])
    x = np.column_stack([migrant.astype(float), np.array([1, 0, 0, 1, 0, 0.0])])
    flags = {p["indicator"]: p["proxy"] for p in proxies(x, ["interpreter", "fair"], migrant,
                                                         min_flagged=1)}
    assert flags == {"interpreter": True, "fair": False}
