"""A randomised trial on the synthetic county: the interval covers the known true effect.

bench/trial.py checks the coverage rate over hundreds of seeds; here a handful of seeds must
almost all be covered (under 95% coverage, 7 or more of 8 happens 94% of the time; 6 or more
99.4%).
"""

from __future__ import annotations

from commonground.demo.insights import TRUE_EFFECT, rehearse_trial


def test_trial_interval_covers_the_true_effect_for_most_seeds() -> None:
    runs = [rehearse_trial(seed, places=60, permutations=0) for seed in range(8)]
    assert sum(r["covered"] for r in runs) >= 6
    assert all(r["true_effect"] == TRUE_EFFECT and r["sms_level"] == 5 for r in runs)
    mean = sum(r["estimate"] for r in runs) / len(runs)
    assert abs(mean - TRUE_EFFECT) < 0.08
