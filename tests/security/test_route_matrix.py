"""The authorisation matrix over the web routes, generated from the registry.

Every route the app serves x every role x own/other organisation x in/out of the project, and
for a route with path parameters, an in-resource and an out-of-resource value. A route listed
in an operation's `routes=(...)` must answer as the operation-level matrix predicts for that
operation (`test_authorisation_matrix.expected`, over the same world): "deny" is 403, or 404
for what is hidden from the caller; "allow" is anything else but 401/403/5xx, or an answer
that the route refused the request's input before calling its operation (400, 422, or a
redirect back to its form with an error), which allows nothing. A route that refuses the
input of every case never reached its operation and fails the test: give it a body in
`_bodies`.

Calls come the ways people make them: API routes (/api/...) with a Bearer token, pages with a
session cookie and its CSRF token. A job an API route starts is followed to its end, since its
operation checks the caller when it runs.

Routes in `NOT_OPERATION_ROUTES` (and all others but the public few) must need a sign-in.
A route whose path parameter is not in `VALUES` fails the test, naming it: extend the table.
"""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from commonground.governance import OPERATIONS, ROLES, actor_for, issue_token
from commonground.governance.accounts import sign_in_external
from commonground.server import create_app
from commonground.server.app import NOT_OPERATION_ROUTES, served_routes
from commonground.store import open_hub
from tests.security.test_authorisation_matrix import (
    CONTRACT,
    MEMBERSHIP,
    ORGS,
    World,
    _project,
    agreement,
    build_world,
    expected,
    username,
)
from tests.security.web_support import (
    PUBLIC,
    fill,
    form_and_files,
    is_api,
    method_path,
    minimal_body,
    minimal_query,
    parameters,
)

OTHER_PROJECT = "other-study"  # approved, with no matrix person on it
MISSING = 999_999


def _values(world: World) -> dict[str, tuple[Any, Any]]:
    """Path parameter -> (in-resource value, out-of-resource value) in the matrix world."""
    return {
        "slug": ("matrix-study", OTHER_PROJECT), "project": ("matrix-study", OTHER_PROJECT),
        "org": ("police", "no-such-org"), "organisation": ("police", "no-such-org"),
        "dataset": ("complaints", "no_such_dataset"),
        "ref": ("police/complaints", "police/no_such_dataset"),
        "output_id": (world.output, MISSING), "output": (world.output, MISSING),
        "number": (1, MISSING), "version": (1, MISSING),
        "username": ("target", "no-such-person"), "person": ("target", "no-such-person"),
        "agreement": ("matrix-sharing", "no-such-agreement"),
        "intervention_id": (world.intervention, MISSING),
        "intervention": (world.intervention, MISSING),
        "list_id": (world.risk_list, MISSING), "risk_list": (world.risk_list, MISSING),
        "job_id": (1, MISSING), "review_id": (1, MISSING), "item_id": (1, MISSING),
        "address_id": ("A0000001", "A9999999"), "name": ("table.csv", "no-such-file.csv"),
    }


# A {slug} that names an agreement, not a project, by the words before it in the path.
SLUG_KINDS = {"agreement": ("matrix-sharing", "no-such-agreement")}

def _bodies(world: World) -> dict[str, tuple[str, Any]]:
    """Request bodies by route, where a minimal valid body would not reach the operation
    (the route checks its input first). A form's file is (file name, bytes)."""
    complaints = ("complaints.csv", (world.template.parent / "complaints.csv").read_bytes())
    package = ("package.zip", (world.template.parent / "package.zip").read_bytes())
    document = {k: v for k, v in agreement("route-sharing").items()}
    form_document = {"title": "Route sharing", "parties": ["police", "council"],
                     "purposes": "crime-prevention",
                     "legal_bases": ["Crime and Disorder Act 1998 s115"],
                     "other_legal_bases": "", "data_items": "police/complaints: *",
                     "retention_days": "365", "starts_on": "2020-01-01",
                     "expires_on": "2099-12-31"}
    person = {"reference": "REF-1", "given_name": "Zoe", "family_name": "Smith",
              "dob": "1980-02-01"}
    today = date.today()
    return {
        "POST /api/projects/{slug}/query": (
            "json", {"sql": "SELECT count(*) AS n FROM police_complaints"}),
        "POST /api/agreements": ("json", document),
        "POST /api/agreements/{slug}/amend": (
            "json", {k: v for k, v in document.items() if k != "slug"}),
        "POST /api/datasets": ("json", {"dataset": "police/extra",
                                        "contract_document": yaml.safe_load(CONTRACT)}),
        "POST /api/datasets/{org}/{dataset}/contributions": ("form", {"file": complaints}),
        "POST /api/datasets/{org}/{dataset}/packages": ("form", {"archive": package}),
        "POST /api/erasures": ("json", person),
        "POST /api/organisations": ("json", {"slug": "newco", "name": "New Co",
                                             "kind": "ngo"}),
        "POST /api/people": ("json", {"username": "newbie", "organisation": "police",
                                      "roles": ["analyst"]}),
        "PUT /api/hub/key": ("json", {"fingerprint": world.fingerprint}),
        "PUT /api/people/{username}/password": (
            "json", {"password": "correct horse battery staple"}),
        "POST /governance/agreements": ("form", {"slug": "route-sharing", **form_document}),
        "POST /governance/agreements/{slug}/amend": ("form", form_document),
        "POST /governance/retention": ("form", {"confirm": "yes"}),
        "POST /steward/erasure": ("form", person),
        "POST /steward/datasets/{org}/{dataset}/upload": ("form", {"file": complaints}),
        "POST /research/propose": ("form", {
            "slug": "route-study", "title": "Route", "question": "Who may?",
            "commissioned_by": "police", "purpose": "research:matrix", "researchers": "",
            "ethics_reference": "E-ROUTE", "starts_on": today.isoformat(),
            "ends_on": (today + timedelta(days=60)).isoformat(),
            "dataset_1": "police/complaints", "columns_1": "Ref, Complaint"}),
        "POST /research/{slug}/outputs": ("form", {
            "title": "Route output", "kind": "table", "view": "police_complaints",
            "rows": "Complaint", "aggfunc": "count", "justification": "For the matrix.",
            "checklist": ["small_cells", "identifiers", "dominance", "differencing"]}),
        "POST /checking/{output_id}/review": ("form", {"decision": "approve",
                                                       "comment": "Fine.",
                                                       "visibility": "private"}),
        "POST /analysis/review/{item_id}": ("form", {"decision": "same"}),
        "POST /analysis/risk/{list_id}/{address_id}/visit": (
            "form", {"outcome": "no_access", "visited_on": today.isoformat()}),
    }


@dataclass
class Credentials:
    token: str
    session: str
    csrf: str


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    """The operation matrix's world, plus a project nobody in the matrix is on, and a token,
    a password and a signed-in session for every person."""
    from commonground.research import approve_project

    built = build_world(tmp_path_factory.mktemp("route-matrix"))
    shutil.make_archive(str(built.template.parent / "package"), "zip", built.package)
    hub = open_hub(built.template)
    try:
        _project(hub, actor_for(hub, "author"), OTHER_PROJECT, ["author"])
        approve_project(hub, actor_for(hub, username("governance_lead", "police", "out")),
                        OTHER_PROJECT)
    finally:
        hub.close()
    return built


@pytest.fixture(scope="module")
def credentials(world: World) -> dict[str, Credentials]:
    """A token and a browser session for each person. The sessions are opened as a single
    sign-on would (by e-mail), which costs no argon2 hashing: 28 passwords would take half a
    minute; `test_web_security` covers signing in with a password."""
    from sqlalchemy import update

    from commonground.governance.models import Person

    hub = open_hub(world.template)
    try:
        root = actor_for(hub, "root")
        found = {}
        for role in ROLES:
            for org in ORGS:
                for member in MEMBERSHIP:
                    name = username(role, org, member)
                    with hub.sessions().begin() as session:
                        session.execute(update(Person).where(Person.username == name)
                                        .values(email=f"{name}@matrix.example"))
                    _, sid, csrf = sign_in_external(hub, f"{name}@matrix.example",
                                                    "https://idp.matrix.example", client=name)
                    found[name] = Credentials(issue_token(hub, name, actor=root), sid, csrf)
        return found
    finally:
        hub.close()


@pytest.fixture
def one_hub_per_app(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[Path], None]]:
    """Each request opens the hub afresh (an engine and a schema check: ~50 ms); the matrix
    makes thousands, so within this test each hub folder is opened once and kept."""
    from commonground.server import web
    from commonground.store.hub import Hub

    opened: dict[Path, Hub] = {}

    def kept(root: Path, database_url: str | None = None) -> Hub:
        root = Path(root).resolve()
        if root not in opened:
            hub = open_hub(root, database_url)
            hub.close = lambda: None  # type: ignore[method-assign]
            opened[root] = hub
        return opened[root]

    def release(root: Path) -> None:
        hub = opened.pop(Path(root).resolve(), None)
        if hub is not None:
            Hub.close(hub)

    monkeypatch.setattr(web, "open_hub", kept)
    yield release
    for hub in opened.values():
        Hub.close(hub)


def _value(key: str, name: str, side: int, table: dict[str, tuple[Any, Any]]) -> Any:
    path = method_path(key)[1]
    before = path.split("{" + name)[0]
    if name == "slug":
        for word, values in SLUG_KINDS.items():
            if word in before:
                return values[side]
    return table[name][side]


def _unknown_parameters(served: dict[str, Any], table: dict[str, tuple[Any, Any]]
                        ) -> list[str]:
    return sorted(f"{key}: {{{name}}}" for key in served
                  for name in parameters(method_path(key)[1]) if name not in table)


def _request(client: TestClient, key: str, url: str, route: Any, who: Credentials | None,
             bodies: dict[str, tuple[str, Any]]) -> Any:
    method, _ = method_path(key)
    headers: dict[str, str] = {}
    api = is_api(key)
    if who is not None:
        if api:
            headers["Authorization"] = f"Bearer {who.token}"
        else:
            headers["Cookie"] = f"cg_session={who.session}"
            headers["X-CSRF-Token"] = who.csrf
    body = bodies.get(key) or minimal_body(route)
    query = minimal_query(route)
    if method == "GET" or body is None:
        return client.request(method, url, params=query, headers=headers,
                              follow_redirects=False)
    kind, data = body
    if kind == "form":
        fields, files = form_and_files(data)
        if who is not None and not api:
            fields["csrf_token"] = who.csrf
        return client.request(method, url, params=query, data=fields, files=files or None,
                              headers=headers, follow_redirects=False)
    return client.request(method, url, params=query, json=data, headers=headers,
                          follow_redirects=False)


def _job_of(response: Any) -> int | None:
    """The id of the job a route started: an API answers with the job (202), a page
    redirects to where it reports (`/jobs/N` or `?job=N`)."""
    found = re.search(r"(?:[?&]job=|/jobs/)(\d+)", response.headers.get("location", ""))
    if found:
        return int(found.group(1))
    if response.status_code != 202:
        return None
    try:
        job = response.json()
    except ValueError:
        return None
    if not isinstance(job, dict):
        return None
    found_id = job.get("job", job.get("id"))  # {"job": id, ...} or the job itself
    return int(found_id) if isinstance(found_id, int) else None


def _job_outcome(client: TestClient, response: Any, who: Credentials) -> int:
    """The answer's status; when the route started a job, the job's own, since its operation
    checks the caller when it runs."""
    job = _job_of(response)
    if job is None:
        return int(response.status_code)
    for _ in range(600):
        view = client.get(f"/api/jobs/{job}",
                          headers={"Authorization": f"Bearer {who.token}"}).json()
        if view.get("status") in ("done", "failed"):
            error = view.get("error") or {}
            status = int(error.get("status", 200))
            return 200 if status >= 500 else status  # the work's own trouble, after the check
        time.sleep(0.05)
    raise AssertionError(f"job {job} did not finish")


def _verdict(status: int, response: Any) -> str:
    """deny, allow, "input" (the route refused the request's input before its operation:
    400, 422, or a redirect back to the form with an error), unauthenticated or error."""
    location = response.headers.get("location", "")
    if status in (403, 404):
        return "deny"
    if status == 401 or (status == 303 and location.startswith("/login")):
        return "unauthenticated"
    if status in (400, 422) or (300 <= status < 400 and "error=" in location):
        return "input"
    if status >= 500:
        return "error"
    return "allow"


@dataclass
class Tally:
    release: Callable[[Path], None]  # closes a copied hub's kept connection
    bodies: dict[str, tuple[str, Any]]
    cases: int = 0
    allows: int = 0
    wrong_allows: list[str] = field(default_factory=list)
    unexpected_denies: list[str] = field(default_factory=list)
    broken: list[str] = field(default_factory=list)
    reached: set[str] = field(default_factory=set)  # routes whose operation answered


def test_every_route_parameter_has_values(world: World) -> None:
    unknown = _unknown_parameters(served_routes(create_app(world.template)), _values(world))
    assert unknown == [], ("routes with path parameters the route matrix cannot fill; add "
                           f"them to VALUES in {__file__}: {unknown}")


def test_the_route_matrix(world: World, credentials: dict[str, Credentials], tmp_path: Path,
                          capsys: pytest.CaptureFixture[str],
                          one_hub_per_app: Callable[[Path], None],
                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMMONGROUND_KEY_FILE", str(world.key))  # as a steward's machine has
    served = served_routes(create_app(world.template))
    table = _values(world)
    by_route: dict[str, list[Any]] = {}
    for op in OPERATIONS:
        for route in op.routes:
            by_route.setdefault(route, []).append(op)
    shared = TestClient(create_app(world.template))
    tally = Tally(release=one_hub_per_app, bodies=_bodies(world))
    checked = [key for key in served if key in by_route
               and all(name in table for name in parameters(method_path(key)[1]))]
    for key in checked:
        ops = by_route[key]
        names = parameters(method_path(key)[1])
        for role in ROLES:
            for org in ORGS:
                for member in MEMBERSHIP:
                    for side in (0, 1) if names else (0,):
                        _case(key, served[key], ops, (role, org, member), side,
                              {n: _value(key, n, side, table) for n in names},
                              world, credentials, shared, tmp_path, tally)
    with capsys.disabled():
        print(f"\nroute matrix: {tally.cases} cases ({len(checked)} operation routes x "  # noqa: T201
              f"{len(ROLES)} roles x {len(ORGS)} organisations x {len(MEMBERSHIP)} "
              f"memberships, in and out of the resource), {tally.allows} expected allows, "
              f"{len(tally.wrong_allows)} wrong allows, {len(tally.unexpected_denies)} "
              f"unexpected denies, {len(tally.broken)} broken")
        for line in tally.unexpected_denies[:20]:
            print(f"  unexpected deny: {line}")  # noqa: T201
    unprobed = sorted(set(checked) - tally.reached)
    assert tally.wrong_allows == []
    assert tally.broken == []
    assert unprobed == [], ("routes that refused the input of every call, so their operation "
                            f"was never reached: add a body to _bodies: {unprobed}")


def _case(key: str, route: Any, ops: list[Any], who: tuple[str, str, str], side: int,
          values: dict[str, Any], world: World, credentials: dict[str, Credentials],
          shared: TestClient, tmp_path: Path, tally: Tally) -> None:
    role, org, member = who
    own, on_project = ORGS[org], MEMBERSHIP[member]
    want = all(expected(op, role, own, on_project) for op in ops)
    if side == 1 and any(n in ("slug", "project") for n in values):
        # The other project names none of the matrix's people.
        want = want and all(expected(op, role, own, False) for op in ops)
    writes = method_path(key)[0] != "GET" and any(op.writes for op in ops)
    client, copy = shared, None
    if want and writes:  # an allowed write gets a hub of its own; a refusal changes nothing
        copy = tmp_path / f"case-{tally.cases}"
        shutil.copytree(world.template, copy)
        client = TestClient(create_app(copy))
    person = credentials[username(role, org, member)]
    try:
        response = _request(client, key, fill(method_path(key)[1], values), route, person,
                            tally.bodies)
        status = _job_outcome(client, response, person)
        got = _verdict(status, response)
    finally:
        if copy is not None:
            tally.release(copy)
            shutil.rmtree(copy, ignore_errors=True)
    tally.cases += 1
    tally.allows += want
    case = (f"{key} as {role} of {'own' if own else 'other'} org, {member} project, "
            f"{'in' if side == 0 else 'out of'} resource {values or ''}: {status}")
    if got in ("allow", "deny"):
        tally.reached.add(key)
    if got in ("unauthenticated", "error"):
        tally.broken.append(f"{case} ({got})")
    elif got == "allow" and not want:
        tally.wrong_allows.append(case)
    elif got == "deny" and want and side == 0:
        tally.unexpected_denies.append(case)


def test_every_route_but_the_public_few_needs_a_sign_in(world: World) -> None:
    served = served_routes(create_app(world.template))
    table = _values(world)
    client = TestClient(create_app(world.template))
    bodies = _bodies(world)
    assert set(NOT_OPERATION_ROUTES) - set(served) <= {
        "GET /api/docs/oauth2-redirect", "GET /login/oidc", "GET /login/oidc/callback"}
    open_routes = []
    for key, route in served.items():
        if key in PUBLIC:
            continue
        path = method_path(key)[1]
        url = fill(path, {n: table[n][0] if n in table else 1 for n in parameters(path)})
        response = _request(client, key, url, route, None, bodies)
        if is_api(key):
            needs = response.status_code == 401
        else:
            needs = response.status_code in (401, 303) and (
                response.status_code == 401
                or response.headers["location"].startswith("/login"))
        if not needs:
            open_routes.append(f"{key}: {response.status_code}")
    assert open_routes == [], f"served without a sign-in: {open_routes}"
    assert client.get("/login").status_code == 200
