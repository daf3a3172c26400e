"""Meta-tests of the front door: every public operation is in the registry, with a policy.

A public function of a domain room (a name in the room's `__all__`) that takes a `Hub` must
take an `Actor` and be listed in `OPERATIONS`, or be listed in `NEEDS_NO_ACTOR` with the
reason it needs none. Every registered operation names a real policy action, a function
that takes the actor, and a real CLI command; every CLI command is an operation or says why
it is not.
"""

from __future__ import annotations

import importlib
import inspect
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from commonground.governance import NEEDS_NO_ACTOR, OPERATIONS, RULES
from commonground.governance.operations import NOT_OPERATIONS

ROOMS = ("commonground.governance", "commonground.address", "commonground.contribute",
         "commonground.link",
         "commonground.research", "commonground.insights", "commonground.insights.evaluation",
         "commonground.insights.hotspots", "commonground.insights.networks",
         "commonground.insights.prevalence", "commonground.insights.risk")
REGISTERED = {op.target for op in OPERATIONS}


def _annotation(parameter: inspect.Parameter) -> str:
    return str(parameter.annotation)


def _takes(function: Any, kind: str, name: str) -> bool:
    """Does `function` take a parameter of type `kind` (or called `name`)?"""
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.name == name or _annotation(p).split(" |")[0].strip("'\"") == kind
               for p in parameters)


def public_functions(package: str) -> Iterator[tuple[str, Any]]:
    """(module:name, function) for every function a room exports, and those of sub-modules
    it exports (such as `link.review`)."""
    module = importlib.import_module(package)
    for name in getattr(module, "__all__", ()):
        value = getattr(module, name)
        if isinstance(value, types.ModuleType) and hasattr(value, "__all__"):
            continue  # a sub-package with its own `__all__` is a room of its own in ROOMS
        if isinstance(value, types.ModuleType):
            for inner, function in inspect.getmembers(value, inspect.isfunction):
                if not inner.startswith("_") and function.__module__ == value.__name__:
                    yield f"{package}:{inner}", function
        elif inspect.isfunction(value):
            yield f"{package}:{name}", value


def unlisted(functions: Iterator[tuple[str, Any]]) -> list[str]:
    """The public functions that take a Hub and break the rule, with what is wrong."""
    problems = []
    for target, function in functions:
        if not _takes(function, "Hub", "hub"):
            continue
        if target in NEEDS_NO_ACTOR:
            continue
        if not _takes(function, "Actor", "actor"):
            problems.append(f"{target} takes a Hub but no Actor, and NEEDS_NO_ACTOR does not "
                            "say why")
        elif target not in REGISTERED:
            problems.append(f"{target} takes a Hub and an Actor but is not in OPERATIONS")
    return problems


@pytest.mark.parametrize("package", ROOMS)
def test_every_public_function_taking_a_hub_is_an_operation_or_says_why_not(
        package: str) -> None:
    assert unlisted(public_functions(package)) == []


def test_the_check_fails_on_a_function_that_reads_the_hub_without_an_actor() -> None:
    # The leak this issue closed had exactly this shape: get_output(hub, output_id).
    from commonground.governance import Actor
    from commonground.store import Hub

    def get_output(hub: Hub, output_id: int) -> None: ...

    def new_operation(hub: Hub, actor: Actor) -> None: ...

    found = unlisted(iter([("commonground.research:get_output", get_output),
                           ("commonground.research:new_operation", new_operation)]))
    assert found == [
        "commonground.research:get_output takes a Hub but no Actor, and NEEDS_NO_ACTOR does "
        "not say why",
        "commonground.research:new_operation takes a Hub and an Actor but is not in "
        "OPERATIONS"]


def test_every_exemption_has_a_reason_and_exists() -> None:
    for target, reason in NEEDS_NO_ACTOR.items():
        module, _, name = target.partition(":")
        assert callable(getattr(importlib.import_module(module), name)), target
        assert len(reason) > 20, target


@pytest.mark.parametrize("op", OPERATIONS, ids=lambda op: op.name)
def test_every_operation_has_a_policy_and_takes_the_actor(op: Any) -> None:
    function = op.function()
    assert callable(function) and not isinstance(function, types.ModuleType), op.target
    assert inspect.getdoc(function), f"{op.target} has no docstring for the docs"
    if op.action is None:
        assert op.reason, f"{op.name} needs no policy action but gives no reason"
        return
    assert op.action in RULES, f"{op.name}: no policy rule '{op.action}'"
    assert op.resource in RULES[op.action].kinds, op.name
    assert _takes(function, "Actor", "actor"), f"{op.target} does not take the actor"


def _commands() -> set[str]:
    from commonground.cli import app
    from commonground.commands.reference import walk

    return {entry.name.removeprefix("commonground ") for entry in walk(app)
            if not entry.is_group}


def test_every_cli_command_is_an_operation_or_says_why_not() -> None:
    commands = _commands()
    named = {op.cli for op in OPERATIONS if op.cli}
    assert named <= commands, sorted(named - commands)
    assert set(NOT_OPERATIONS) <= commands, sorted(set(NOT_OPERATIONS) - commands)
    assert commands - named - set(NOT_OPERATIONS) == set()


def test_the_authorisation_page_is_generated_from_the_registry() -> None:
    from commonground.governance import ROLES
    from commonground.governance.operations import reference_markdown

    page = (Path(__file__).parents[2] / "docs" / "authorisation.md").read_text()
    assert reference_markdown(ROLES) in page, "docs/authorisation.md is stale: run make docs"


def test_every_web_route_is_an_operation_or_says_why_not(tmp_path: Path) -> None:
    from commonground.server import create_app
    from commonground.server.app import NOT_OPERATION_ROUTES, served_routes

    served = set(served_routes(create_app(tmp_path / "hub")))
    registered = {route for op in OPERATIONS for route in op.routes}
    assert registered <= served, sorted(registered - served)
    assert served - registered <= set(NOT_OPERATION_ROUTES), sorted(served - registered)


def test_every_operation_the_cli_offers_has_an_api_route() -> None:
    """Partners' platforms and scripts can do whatever a person can do at the command line."""
    missing = [op.name for op in OPERATIONS
               if op.cli and not any(" /api/" in route for route in op.routes)]
    assert not missing, f"operations with a CLI command but no /api/ route: {missing}"
