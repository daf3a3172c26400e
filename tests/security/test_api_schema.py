"""Property-based tests of the whole API from its OpenAPI schema (schemathesis).

Every operation the schema lists is called with generated parameters and bodies, valid and
not, as an analyst and as a researcher, over a copy of the demo hub. Whatever comes in, the
hub answers with a status the client can act on: never a server error (5xx). A few seeded
examples per operation keep the run short and the same on every machine.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error

from commonground.server import create_app
from tests.integration.api_helpers import copied_hub, tokens_for

ROLES = ("police-analyst", "uni-researcher")


@pytest.fixture(scope="module")
def api_app(demo_hub_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    app = create_app(copied_hub(demo_hub_path, tmp_path_factory.mktemp("api-schema")))
    yield app
    app.state.jobs.shutdown()  # link runs and risk builds it started need not finish


@pytest.fixture(scope="module")
def who(api_app: FastAPI) -> dict[str, dict[str, str]]:
    return tokens_for(api_app.state.hub_path, ROLES)


@pytest.fixture(scope="module")
def api_schema(api_app: FastAPI) -> Any:
    return schemathesis.openapi.from_asgi("/api/openapi.json", api_app)


def _operations() -> list[Any]:
    """(METHOD, path) of every operation in the schema (the app is not started for this)."""
    paths = create_app(Path("unused-hub")).openapi()["paths"]
    return [pytest.param(method.upper(), path, id=f"{method.upper()} {path}")
            for path, methods in paths.items() for method in methods]


@pytest.mark.parametrize(("method", "path"), _operations())
def test_no_input_makes_the_api_fail_on_the_server(method: str, path: str, api_schema: Any,
                                                   who: dict[str, dict[str, str]]) -> None:
    @given(case=api_schema[path][method].as_strategy())
    # No shrinking: a failure is reported as found (with its curl line), and quickly.
    @settings(max_examples=6, derandomize=True, deadline=None, database=None,
              phases=(Phase.explicit, Phase.generate),
              suppress_health_check=list(HealthCheck))
    def call(case: Any) -> None:
        for role in ROLES:
            case.call_and_validate(headers=who[role], checks=[not_a_server_error])

    call()
