"""A seeded synthetic Essex-like county with ground truth, for demos, tests and benchmarks.

    from commonground.simulate import CountyConfig, simulate_county
    summary = simulate_county(CountyConfig(people=50_000, seed=1), Path("county"))
"""

from .captures import simulate_captures
from .config import CountyConfig, CountySummary, SimulationRefused
from .county import simulate_county, simulate_referrals
from .crime import Treatment, simulate_crimes
from .geography import load_lsoas
from .records import contracts_folder

__all__ = [
    "CountyConfig", "CountySummary", "SimulationRefused", "Treatment", "contracts_folder",
    "load_lsoas",
    "simulate_captures", "simulate_county", "simulate_crimes", "simulate_referrals",
]
