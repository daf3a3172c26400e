"""What every demo stage shares: the run's context and the partners' dataset contracts.

Stage modules import this module, never the runner (`run.py`), so the package has no cycle.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from commonground.contribute.contract import Contract, load_contracts
from commonground.engines import Engine
from commonground.errors import CommonGroundError
from commonground.simulate import contracts_folder
from commonground.store import Hub

DEMO_MARKER = ".commonground-demo"
Progress = Callable[[str, float], None]


@dataclass
class DemoContext:
    hub_dir: Path
    partners_dir: Path
    people: int
    seed: int
    engine: Engine
    progress: Progress
    hub: Hub | None = None
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def extracts(self) -> Path:
        return self.partners_dir / "partners"

    @property
    def truth(self) -> Path:
        return self.partners_dir / "truth"

    def require_hub(self) -> Hub:
        if self.hub is None:
            raise CommonGroundError("the hub stage has not run")
        return self.hub


def contracts() -> dict[str, Contract]:
    """The synthetic partners' dataset contracts, by 'org/dataset'."""
    return load_contracts(contracts_folder())
