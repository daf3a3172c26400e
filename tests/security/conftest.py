"""A small demo hub (every stage run) shared by the research security tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from commonground.demo import run_demo
from commonground.store import Hub, open_hub


@pytest.fixture(scope="session")
def demo_hub_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("research-hub")
    run_demo(base / "hub", people=2500, seed=3)
    return base / "hub"


@pytest.fixture
def demo_hub(demo_hub_path: Path):  # type: ignore[no-untyped-def]
    hub: Hub = open_hub(demo_hub_path)
    yield hub
    hub.close()
