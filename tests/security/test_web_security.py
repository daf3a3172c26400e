"""The web app's defences, over a copy of the demo hub: CSRF on every form post, sessions that
are new at each sign-in and end at sign-out or after idling, throttled guessing, cookie flags,
the audit of sign-ins, escaping of everything people type, security headers and no open
redirect.

The checks that range over routes walk `served_routes(create_app(...))`, so the routes each
face adds are covered as soon as they are served.
"""

from __future__ import annotations

import itertools
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from commonground.governance import actor_for, issue_token
from commonground.server import create_app
from commonground.store import open_hub
from tests.security.web_support import (
    DEMO_PASSWORD,
    fill,
    form_and_files,
    is_api,
    is_page,
    method_path,
    minimal_body,
    parameters,
    routes,
    sign_in,
)

PROJECT = "modern-slavery-signals"
ROLES_PEOPLE = ("admin", "police-steward", "police-ig-lead", "police-analyst", "board-chair",
                "uni-researcher", "police-output-checker")
SCRIPT = "<script>alert(1)</script>"
IMAGE = "\"'><img src=x onerror=alert(1)>"
RAW = (SCRIPT, "<img src=x onerror=alert(1)>")
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
CSRF_REFUSAL = "did not come from this site"


def markup(label: str) -> str:
    return f"{label} {SCRIPT} {IMAGE}"


@pytest.fixture(scope="module")
def hub_copy(demo_hub_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the demo hub: these tests sign in, out and write markup into it."""
    target = tmp_path_factory.mktemp("web-security") / "hub"
    shutil.copytree(demo_hub_path, target)
    return target


@pytest.fixture
def client(hub_copy: Path) -> TestClient:
    return TestClient(create_app(hub_copy))


def _audit(hub_path: Path) -> list[Any]:
    from commonground.governance.models import AuditEntry

    hub = open_hub(hub_path)
    try:
        with hub.sessions()() as session:
            return list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))
    finally:
        hub.close()


def _audit_head(hub_path: Path) -> int:
    from commonground.governance.models import AuditEntry

    hub = open_hub(hub_path)
    try:
        with hub.sessions()() as session:
            return int(session.scalar(select(func.max(AuditEntry.seq))) or 0)
    finally:
        hub.close()


# --- CSRF -------------------------------------------------------------------------------

def _any_values(path: str) -> dict[str, str]:
    """Path parameters for a request refused before it reaches its operation."""
    return {name: "1" for name in parameters(path)}


def _post(client: TestClient, path: str, route: Any, *, csrf: str | None = None,
          headers: dict[str, str] | None = None) -> Any:
    body = minimal_body(route)
    kind, data = body if body else ("form", {})
    if kind == "form":
        fields, files = form_and_files(data or {})
        if csrf is not None:
            fields["csrf_token"] = csrf
        return client.post(path, data=fields, files=files or None, headers=headers,
                           follow_redirects=False)
    return client.post(path, json=data, headers=headers, follow_redirects=False)


def test_every_form_post_without_its_csrf_token_is_refused(hub_copy: Path,
                                                           client: TestClient) -> None:
    served = routes(hub_copy)
    posts = [key for key in served if key.startswith("POST ") and not is_api(key)
             and key != "POST /login"]
    assert "POST /logout" in posts
    sign_in(client, "admin")
    for key in posts:
        path = method_path(key)[1]
        before = _audit_head(hub_copy)
        response = _post(client, fill(path, _any_values(path)), served[key])
        assert response.status_code == 403, (key, response.status_code)
        assert CSRF_REFUSAL in response.text, key
        assert _audit_head(hub_copy) == before, f"{key} changed something without its token"
        wrong = _post(client, fill(path, _any_values(path)), served[key], csrf="forged")
        assert wrong.status_code == 403, key
    assert client.get("/", follow_redirects=False).status_code == 200  # still signed in


def test_api_posts_need_the_csrf_header_with_a_session_but_not_with_a_token(
        hub_copy: Path, client: TestClient) -> None:
    served = routes(hub_copy)
    csrf = sign_in(client, "uni-researcher")
    api_posts = [key for key in served if key.startswith("POST ") and is_api(key)]
    for key in api_posts:
        path = fill(method_path(key)[1], _any_values(method_path(key)[1]))
        response = _post(client, path, served[key])
        assert response.status_code == 403 and CSRF_REFUSAL in response.text, key
    query = f"/api/projects/{PROJECT}/query"
    sql = {"sql": "SELECT 1 AS x"}
    assert client.post(query, json=sql).status_code == 403
    assert client.post(query, json=sql, headers={"X-CSRF-Token": csrf}).status_code == 200
    hub = open_hub(hub_copy)
    token = issue_token(hub, "uni-researcher", actor=actor_for(hub, "admin"))
    hub.close()
    scripted = TestClient(create_app(hub_copy))
    bearer = {"Authorization": f"Bearer {token}"}
    assert scripted.post(query, json=sql, headers=bearer).status_code == 200
    for key in api_posts:  # a token never meets the CSRF check, whatever else it meets
        path = fill(method_path(key)[1], _any_values(method_path(key)[1]))
        assert CSRF_REFUSAL not in _post(scripted, path, served[key], headers=bearer).text, key


# --- sessions ---------------------------------------------------------------------------

def _session(response: Any) -> str:
    cookie = response.cookies.get("cg_session")
    assert cookie, response.headers.get("set-cookie")
    return str(cookie)


def _login(client: TestClient, username: str, password: str = DEMO_PASSWORD,
           next_: str = "/") -> Any:
    return client.post("/login", data={"username": username, "password": password,
                                       "next": next_}, follow_redirects=False)


def test_the_session_id_is_new_at_each_sign_in_and_dies_at_sign_out(hub_copy: Path) -> None:
    client = TestClient(create_app(hub_copy))
    client.cookies.set("cg_session", "planted-by-an-attacker", domain="testserver.local")
    first = _session(_login(client, "police-analyst"))
    assert first != "planted-by-an-attacker"
    second = _session(_login(client, "police-analyst"))
    assert second != first
    csrf = sign_in(client, "police-analyst")
    current = str(client.cookies.get("cg_session"))
    assert client.post("/logout", data={"csrf_token": csrf},
                       follow_redirects=False).status_code == 303
    replay = TestClient(create_app(hub_copy))
    replay.cookies.set("cg_session", current)
    response = replay.get("/", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    planted = TestClient(create_app(hub_copy))
    planted.cookies.set("cg_session", "planted-by-an-attacker")
    assert planted.get("/", follow_redirects=False).status_code == 303


def test_the_sixth_wrong_password_in_a_minute_is_throttled_even_if_right(
        hub_copy: Path) -> None:
    client = TestClient(create_app(hub_copy))
    for _ in range(5):
        assert _login(client, "fire-steward", "wrong-guess-Zebra-42").status_code == 401
    sixth = _login(client, "fire-steward")  # the right password, too late
    assert sixth.status_code == 429 and "cg_session" not in sixth.cookies
    throttled = [e for e in _audit(hub_copy) if e.action == "session.sign_in"
                 and e.outcome == "refused" and (e.details or {}).get("reason") == "throttled"]
    assert throttled
    assert _login(client, "fire-ig-lead").status_code == 303  # other names are not locked out


def test_sign_ins_refusals_and_sign_outs_are_audited_without_passwords(
        hub_copy: Path) -> None:
    client = TestClient(create_app(hub_copy))
    before = _audit_head(hub_copy)
    assert _login(client, "health-steward", "Tr0ub4dor&3-wrong").status_code == 401
    csrf = sign_in(client, "health-steward")
    client.post("/logout", data={"csrf_token": csrf})
    new = [e for e in _audit(hub_copy) if e.seq > before]
    kinds = [(e.action, e.outcome) for e in new]
    assert ("session.sign_in", "refused") in kinds
    assert ("session.sign_in", "done") in kinds
    assert ("session.sign_out", "done") in kinds
    everything = " ".join(f"{e.actor} {e.action} {e.resource} {e.purpose} {e.details}"
                          for e in _audit(hub_copy))
    for password in (DEMO_PASSWORD, "Tr0ub4dor&3-wrong", "wrong-guess-Zebra-42"):
        assert password not in everything


def test_idle_sessions_time_out(hub_copy: Path) -> None:
    client = TestClient(create_app(hub_copy, idle_minutes=0))
    _login(client, "police-steward")
    response = client.get("/research", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/research"
    # And a normal session left idle past the limit, by moving its last request back.
    from commonground.governance.models import WebSession

    client = TestClient(create_app(hub_copy))
    _login(client, "police-steward")
    hub = open_hub(hub_copy)
    with hub.sessions().begin() as session:
        session.execute(update(WebSession).where(WebSession.ended_at.is_(None)).values(
            last_seen_at=datetime.now(UTC) - timedelta(hours=2)))
    hub.close()
    assert client.get("/", follow_redirects=False).status_code == 303
    assert any(e.action == "session.timeout" for e in _audit(hub_copy))


# --- cookies, headers, redirects -----------------------------------------------------------

def _flags(set_cookie: str) -> set[str]:
    return {part.strip().lower() for part in set_cookie.split(";")[1:]}


def test_the_session_cookie_flags(hub_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plain = _flags(_login(TestClient(create_app(hub_copy)), "police-analyst")
                   .headers["set-cookie"])
    assert {"httponly", "samesite=strict", "path=/"} <= plain and "secure" not in plain
    over_tls = TestClient(create_app(hub_copy), base_url="https://testserver")
    assert "secure" in _flags(_login(over_tls, "police-analyst").headers["set-cookie"])
    monkeypatch.setenv("COMMONGROUND_SECURE_COOKIES", "1")
    forced = _flags(_login(TestClient(create_app(hub_copy)), "police-analyst")
                    .headers["set-cookie"])
    assert {"secure", "httponly", "samesite=strict", "path=/"} <= forced


def test_pages_carry_the_security_headers(client: TestClient) -> None:
    pages = [client.get("/login")]
    sign_in(client, "police-analyst")
    pages += [client.get("/"), client.get("/no-such-page")]
    for page in pages:
        csp = page.headers["content-security-policy"]
        script_src = next(d for d in csp.split(";") if d.strip().startswith("script-src"))
        assert "'unsafe-inline'" not in script_src and "frame-ancestors 'none'" in csp
        assert page.headers["x-frame-options"] == "DENY"
        assert page.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("target", ["https://evil.example", "//evil.example",
                                    "/\\evil.example", "\\\\evil.example",
                                    "/\t/evil.example", "https:evil.example",
                                    "javascript:alert(1)"])
def test_sign_in_never_redirects_off_the_site(hub_copy: Path, target: str) -> None:
    client = TestClient(create_app(hub_copy))
    landed = _login(client, "police-analyst", next_=target).headers["location"]
    assert landed == "/"
    again = client.get("/login", params={"next": target}, follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == "/"
    form = TestClient(create_app(hub_copy)).get("/login", params={"next": target})
    assert 'value="/"' in form.text or "evil" not in form.text
    assert _login(client, "police-analyst", next_="/research").headers["location"] \
        == "/research"


# --- escaping ---------------------------------------------------------------------------

DATASET = "police/intelligence"  # re-registered with markup in its description


def _seed_markup(hub_path: Path) -> dict[str, Any]:
    """Markup in every free-text field the pages show, typed by the roles that may; slugs
    and user names are checked, so markup there is refused."""
    from commonground.contribute.submit import register_dataset, registered_contract
    from commonground.demo.research import DATASETS
    from commonground.governance import add_person, draft_agreement
    from commonground.insights.evaluation import add_intervention
    from commonground.research import propose_project, request_output

    hub = open_hub(hub_path)
    try:
        contract = registered_contract(hub, DATASET)
        steward = actor_for(hub, "police-steward")
        register_dataset(hub, steward, DATASET, contract, markup("dataset description"))
        with pytest.raises(Exception):  # noqa: B017 - any refusal will do
            register_dataset(hub, steward, f"police/{SCRIPT}", contract, "")
        researcher = actor_for(hub, "uni-researcher")
        today = datetime.now(UTC).date()
        project = {"title": markup("project title"), "question": markup("project question"),
                   "commissioned_by": "police", "purpose": "research:modern-slavery",
                   "researchers": ["uni-researcher"], "datasets": DATASETS,
                   "ethics_reference": markup("ethics"), "starts_on": today,
                   "ends_on": today + timedelta(days=30)}
        propose_project(hub, researcher, slug="markup-probe", **project)
        with pytest.raises(Exception):  # noqa: B017
            propose_project(hub, researcher, slug=SCRIPT, **project)
        lead = actor_for(hub, "police-ig-lead")
        document = {"slug": "markup-probe", "title": markup("agreement title"),
                    "parties": ["police", "fire"], "purposes": ["crime-prevention"],
                    "legal_bases": ["Crime and Disorder Act 1998 s115"],
                    "data_items": {DATASET: ["*"]}, "retention_days": 30,
                    "starts_on": "2020-01-01", "expires_on": "2099-12-31"}
        draft_agreement(hub, lead, document)
        with pytest.raises(Exception):  # noqa: B017
            draft_agreement(hub, lead, {**document, "slug": SCRIPT})
        admin = actor_for(hub, "admin")
        add_person(hub, "markup-person", "police", ["analyst"],
                   display_name=markup("display name"), actor=admin)
        with pytest.raises(Exception):  # noqa: B017
            add_person(hub, SCRIPT, "police", ["analyst"], actor=admin)
        output = request_output(hub, researcher, PROJECT, kind="table",
                                title=markup("output title"),
                                spec={"view": "fire_safety_visits", "rows": ["overcrowding"],
                                      "aggfunc": "count"},
                                justification=markup("justification"))
        intervention = add_intervention(hub, actor_for(hub, "police-analyst"),
                                        name=markup("intervention"), places=["a", "b"],
                                        starts_on=today, outcome_measure=markup("measure"))
        return {"output": output.id, "intervention": intervention.id}
    finally:
        hub.close()


def _page_values(seeded: dict[str, Any]) -> dict[str, list[Any]]:
    """Values for the path parameters of pages: the markup-laden things first."""
    return {"slug": ["markup-probe", PROJECT], "project": ["markup-probe", PROJECT],
            "org": ["police"], "organisation": ["police"], "dataset": ["intelligence"],
            "ref": [DATASET], "agreement": ["markup-probe"],
            "username": ["markup-person"], "output_id": [seeded["output"]],
            "output": [seeded["output"]], "intervention_id": [seeded["intervention"]],
            "intervention": [seeded["intervention"]], "number": [1], "version": [1],
            "list_id": [1], "risk_list": [1]}


def test_markup_typed_into_any_field_is_escaped_on_every_page(
        hub_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seeded = _seed_markup(hub_copy)
    values = _page_values(seeded)
    pages = [key for key in routes(hub_copy) if is_page(key)]
    unfilled = sorted({f"{key} ({name})" for key in pages
                       for name in parameters(method_path(key)[1]) if name not in values})
    seen, shown = 0, set()
    for person in ROLES_PEOPLE:
        client = TestClient(create_app(hub_copy))
        sign_in(client, person)
        for key in pages:
            path = method_path(key)[1]
            names = parameters(path)
            if any(name not in values for name in names):
                continue
            for combination in itertools.product(*(values[n] for n in names)):
                url = fill(path, dict(zip(names, combination, strict=True)))
                response = client.get(url, follow_redirects=False)
                assert response.status_code < 500, (person, url, response.status_code)
                seen += 1
                for raw in RAW:
                    assert raw not in response.text, f"unescaped markup on {url} as {person}"
                if ESCAPED in response.text:
                    shown.add(url)
    with capsys.disabled():
        print(f"\nescaping: {seen} page views over {len(pages)} page routes as "  # noqa: T201
              f"{len(ROLES_PEOPLE)} people; markup shown escaped on {sorted(shown)}; "
              f"parameters not filled: {unfilled or 'none'}")
    assert shown, "no page showed the seeded markup at all: is the seeding reaching the pages?"
