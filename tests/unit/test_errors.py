"""Errors carry their status: every kind has an exit code and an HTTP status, and the CLI and
the server each turn them into one in exactly one place."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import commonground
from commonground import errors
from commonground.engines import EngineError, EngineUnavailable
from commonground.errors import (
    AuthenticationFailed,
    CommonGroundError,
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
    Unavailable,
    status_of,
)
from commonground.store import HubError, init_hub

PACKAGE = Path(commonground.__file__).resolve().parent
KINDS = {CommonGroundError: 400, InvalidInput: 400, NotFound: 404, PermissionDenied: 403,
         AuthenticationFailed: 401, Conflict: 409, Unavailable: 503}


def _every_module() -> list[str]:
    names = []
    for info in pkgutil.walk_packages([str(PACKAGE)], "commonground."):
        if ".migrations" not in info.name:  # Alembic's env refuses to be imported directly
            importlib.import_module(info.name)
            names.append(info.name)
    return names


def _subclasses(base: type) -> set[type]:
    found = set(base.__subclasses__())
    for sub in list(found):
        found |= _subclasses(sub)
    return found


def test_every_error_of_ours_carries_an_exit_code_and_an_http_status() -> None:
    _every_module()
    ours = _subclasses(CommonGroundError) | {CommonGroundError}
    assert len(ours) > 20  # the rooms' errors are seen, not only the kinds
    # engines/, store/ and simulate/ import nothing of ours: their errors carry the numbers as
    # plain attributes, and `status_of` must read them.
    duck = {cls for cls in _subclasses(Exception)
            if cls.__module__.startswith("commonground.") and "http_status" in vars(cls)
            and not issubclass(cls, CommonGroundError)}
    assert {EngineError, EngineUnavailable, HubError} <= duck
    for cls in ours | duck:
        assert isinstance(cls.exit_code, int) and cls.exit_code > 0, cls
        assert isinstance(cls.http_status, int) and 400 <= cls.http_status <= 599, cls


def test_room_errors_keep_their_old_bases_and_gain_a_kind() -> None:
    from commonground.governance import NotFound as GovernanceNotFound
    from commonground.governance import PermissionDenied as GovernancePermissionDenied
    from commonground.insights.evaluation.register import TrialError

    assert issubclass(GovernanceNotFound, LookupError) and GovernanceNotFound.http_status == 404
    assert issubclass(GovernancePermissionDenied, PermissionError)
    assert GovernancePermissionDenied.http_status == 403
    assert issubclass(InvalidInput, ValueError) and TrialError.http_status == 409
    assert status_of(ValueError("a bug")) is None
    assert status_of(HubError("no hub")) == (1, 503)


def test_no_insights_module_raises_a_bare_builtin_error() -> None:
    bare = {"ValueError", "LookupError", "KeyError", "FileNotFoundError"}
    offenders = []
    for path in (PACKAGE / "insights").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Raise) and node.exc is not None:
                raised = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
                if isinstance(raised, ast.Name) and raised.id in bare:
                    offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert offenders == []


def test_the_insights_check_sees_a_bare_raise() -> None:
    tree = ast.parse("def f():\n    raise ValueError('x')\n")
    raises = [n for n in ast.walk(tree) if isinstance(n, ast.Raise)]
    assert isinstance(raises[0].exc, ast.Call) and raises[0].exc.func.id == "ValueError"


ONE_OF_EACH = [InvalidInput("bad argument"), NotFound("no such thing"),
               PermissionDenied("not yours"), AuthenticationFailed("who are you"),
               Conflict("already done"), Unavailable("no engine here"),
               HubError("no hub here"), EngineUnavailable("no Java here")]


@pytest.mark.parametrize("error", ONE_OF_EACH, ids=lambda e: type(e).__name__)
def test_the_cli_turns_each_kind_into_one_sentence_and_its_exit_code(
        error: Exception, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from commonground import cli

    def failing(**_: object) -> None:
        raise error

    monkeypatch.setattr(cli, "app", failing)
    with pytest.raises(SystemExit) as exited:
        cli.main()
    assert exited.value.code == error.exit_code  # type: ignore[attr-defined]
    assert capsys.readouterr().err == f"Error: {error}.\n"


def test_the_cli_calls_anything_else_a_bug(monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    from commonground import cli

    def failing(**_: object) -> None:
        raise ValueError("an internal slip")

    monkeypatch.delenv("COMMONGROUND_DEBUG", raising=False)
    monkeypatch.setattr(cli, "app", failing)
    with pytest.raises(SystemExit) as exited:
        cli.main()
    assert exited.value.code == 1
    assert "unexpected ValueError" in capsys.readouterr().err
    monkeypatch.setenv("COMMONGROUND_DEBUG", "1")
    with pytest.raises(ValueError, match="internal slip"):
        cli.main()


@pytest.fixture
def client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    from commonground.server import create_app

    monkeypatch.delenv("COMMONGROUND_DATABASE_URL", raising=False)
    init_hub(tmp_path / "hub").close()
    app = create_app(tmp_path / "hub")
    by_name = {type(e).__name__: e for e in ONE_OF_EACH}

    def boom(name: str) -> None:
        raise by_name[name]

    app.add_api_route("/api/boom/{name}", boom)
    app.add_api_route("/boom/{name}", boom)
    return TestClient(app)


@pytest.mark.parametrize("error", ONE_OF_EACH, ids=lambda e: type(e).__name__)
def test_the_server_answers_each_kind_with_its_status(client: TestClient,
                                                      error: Exception) -> None:
    response = client.get(f"/api/boom/{type(error).__name__}")
    assert response.status_code == error.http_status  # type: ignore[attr-defined]
    expected = str(error) if response.status_code < 500 else "the hub cannot serve this request now"
    assert response.json() == {"error": expected}


def test_a_page_that_needs_a_sign_in_redirects_to_the_login(client: TestClient) -> None:
    page = client.get("/boom/AuthenticationFailed", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == "/login?next=/boom/AuthenticationFailed"
    assert client.get("/boom/NotFound").status_code == 404


def test_kinds_have_the_documented_statuses() -> None:
    assert {kind: kind.http_status for kind in KINDS} == KINDS
    assert {kind.exit_code for kind in KINDS} == {1}
    assert errors.__doc__ and "Exit codes" in errors.__doc__
