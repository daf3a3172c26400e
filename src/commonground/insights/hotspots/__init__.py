"""Hotspot prediction on a British National Grid of square cells.

    from commonground.insights.hotspots import load_crimes, backtest
    result = backtest(load_crimes(["essex/"]), crime_type="Burglary", cell_size=250)
    result.to_dict()["methods"]["learned"]["hit_rate"]["0.05"]
"""

from commonground.insights.hotspots.backtest import Backtest, backtest, prepare_history
from commonground.insights.hotspots.etas import EtasFit, fit_etas
from commonground.insights.hotspots.grid import CountCube, Grid, build_cube, build_grid, count_steps
from commonground.insights.hotspots.history import History
from commonground.insights.hotspots.methods import BASELINES, METHODS
from commonground.insights.hotspots.metrics import COVERAGES, coverage_metrics, flagged_hits
from commonground.insights.hotspots.points import (
    CrimePoints,
    load_covariates,
    load_crimes,
    load_exact_crimes,
    load_police_uk,
    month_index,
    month_label,
)
from commonground.insights.hotspots.predict import predict, to_geojson

__all__ = [
    "BASELINES", "COVERAGES", "METHODS", "Backtest", "CountCube", "CrimePoints", "EtasFit",
    "Grid", "History", "backtest", "build_cube", "build_grid", "count_steps", "coverage_metrics",
    "fit_etas", "flagged_hits", "load_covariates", "load_crimes", "load_exact_crimes",
    "load_police_uk", "month_index", "month_label", "predict", "prepare_history", "to_geojson",
]
