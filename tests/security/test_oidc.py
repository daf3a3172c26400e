"""Single sign-on by OpenID Connect, against a fake identity provider made here.

The provider (an httpx MockTransport) serves discovery, its JWKS and a token endpoint that
checks the PKCE verifier and the client's secret, and signs id_tokens with an RSA key made
for the test. A known, verified e-mail signs in with a session like a password sign-in; an
unknown e-mail, a wrong nonce, audience, issuer or signature, an unverified e-mail, a forged
state or a replayed answer are refused, and every outcome is audited.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from joserfc import jwt
from joserfc.jwk import RSAKey
from sqlalchemy import select

from commonground.governance import add_organisation, add_person
from commonground.governance.accounts import hold_external, take_external
from commonground.governance.models import PendingSignIn
from commonground.server import create_app
from commonground.server.oidc import OidcClient
from commonground.server.routes.oidc import PENDING_COOKIE
from commonground.store import init_hub, open_hub

ISSUER = "https://idp.police.example"
CLIENT_ID = "commonground-hub"
SECRET = "a-client-secret-for-tests"
EMAIL = "sso.person@police.example"


@dataclass
class FakeProvider:
    """The identity provider: what it will say about the next person it signs in."""

    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, auto_kid=True))
    claims: dict[str, Any] = field(default_factory=dict)  # overrides for the next id_token
    signing_key: RSAKey | None = None  # sign with another key (a forgery)
    codes: dict[str, dict[str, str]] = field(default_factory=dict)

    def authorise(self, url: str) -> str:
        """The person signs in at the provider: the code for the hub's callback."""
        query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
        assert query["response_type"] == "code" and query["client_id"] == CLIENT_ID
        assert query["code_challenge_method"] == "S256" and "openid" in query["scope"]
        code = f"code-{len(self.codes)}"
        self.codes[code] = query
        return code

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/.well-known/openid-configuration":
            return httpx.Response(200, json={
                "issuer": ISSUER, "authorization_endpoint": f"{ISSUER}/authorize",
                "token_endpoint": f"{ISSUER}/token", "jwks_uri": f"{ISSUER}/jwks",
                "token_endpoint_auth_methods_supported": ["client_secret_basic"],
                "id_token_signing_alg_values_supported": ["RS256"]})
        if path == "/jwks":
            return httpx.Response(200, json={"keys": [self.key.as_dict(private=False)]})
        if path == "/token":
            return self._token(request)
        return httpx.Response(404)

    def _token(self, request: httpx.Request) -> httpx.Response:
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        expected = "Basic " + base64.b64encode(f"{CLIENT_ID}:{SECRET}".encode()).decode()
        if request.headers.get("authorization") != expected:
            return httpx.Response(401, json={"error": "invalid_client"})
        asked = self.codes.pop(form.get("code", ""), None)
        if asked is None or form.get("redirect_uri") != asked["redirect_uri"]:
            return httpx.Response(400, json={"error": "invalid_grant"})
        verifier = form.get("code_verifier", "").encode()
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=")
        if challenge.decode() != asked["code_challenge"]:
            return httpx.Response(400, json={"error": "invalid_grant", "why": "pkce"})
        now = int(time.time())
        claims = {"iss": ISSUER, "sub": "person-1", "aud": CLIENT_ID, "iat": now,
                  "exp": now + 300, "nonce": asked["nonce"], "email": EMAIL,
                  "email_verified": True, **self.claims}
        key = self.signing_key or self.key
        token = jwt.encode({"alg": "RS256", "kid": self.key.kid}, claims, key)
        return httpx.Response(200, json={"access_token": "at", "token_type": "Bearer",
                                         "id_token": token})


@pytest.fixture
def provider() -> FakeProvider:
    return FakeProvider()


@pytest.fixture(scope="module")
def hub_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("oidc") / "hub"
    hub = init_hub(root)
    add_organisation(hub, "police", "Police", "police")
    admin = add_person(hub, "root", "police", ["admin"])
    add_person(hub, "sso-person", "police", ["analyst"], email=EMAIL, actor=admin)
    hub.close()
    return root


@pytest.fixture
def client(hub_path: Path, provider: FakeProvider, monkeypatch: pytest.MonkeyPatch
           ) -> TestClient:
    monkeypatch.setenv("COMMONGROUND_OIDC_ISSUER", ISSUER)
    monkeypatch.setenv("COMMONGROUND_OIDC_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("COMMONGROUND_OIDC_CLIENT_SECRET", SECRET)
    monkeypatch.setenv("COMMONGROUND_OIDC_NAME", "Police Account")
    oidc = OidcClient.from_env(http=httpx.Client(transport=httpx.MockTransport(
        provider.handle)))
    assert oidc is not None
    return TestClient(create_app(hub_path, oidc_client=oidc))


def _start(client: TestClient, provider: FakeProvider, next_: str = "/research"
           ) -> tuple[str, str]:
    """Click "sign in with ..." and sign in at the provider: (state, code)."""
    begin = client.get("/login/oidc", params={"next": next_}, follow_redirects=False)
    assert begin.status_code == 303
    target = begin.headers["location"]
    assert target.startswith(f"{ISSUER}/authorize?")
    flags = {p.strip().lower() for p in begin.headers["set-cookie"].split(";")[1:]}
    assert {"httponly", "samesite=lax", "path=/login/oidc/callback"} <= flags
    assert "cg_session" not in begin.headers["set-cookie"]
    state = parse_qs(urlsplit(target).query)["state"][0]
    return state, provider.authorise(target)


def _callback(client: TestClient, state: str, code: str) -> Any:
    return client.get("/login/oidc/callback", params={"state": state, "code": code},
                      follow_redirects=False)


def _audit(hub_path: Path) -> list[dict[str, Any]]:
    from commonground.governance.models import AuditEntry

    hub = open_hub(hub_path)
    try:
        with hub.sessions()() as session:
            rows = session.scalars(select(AuditEntry).where(
                AuditEntry.action == "session.sign_in").order_by(AuditEntry.seq))
            return [{"actor": r.actor, "outcome": r.outcome, **(r.details or {})}
                    for r in rows]
    finally:
        hub.close()


def test_a_known_verified_e_mail_signs_in_with_a_session(
        client: TestClient, provider: FakeProvider, hub_path: Path) -> None:
    assert "sign in with Police Account" in client.get("/login").text
    state, code = _start(client, provider)
    answer = _callback(client, state, code)
    assert answer.status_code == 303 and answer.headers["location"] == "/research"
    cookie = answer.cookies.get("cg_session")
    assert cookie and "samesite=strict" in answer.headers["set-cookie"].lower()
    home = client.get("/", follow_redirects=False)
    assert home.status_code == 200 and "sso-person" in home.text
    last = _audit(hub_path)[-1]
    assert last["actor"] == "sso-person" and last["outcome"] == "done"
    assert last["method"] == "oidc"
    # The answer is used once: replaying it opens nothing.
    replay = _callback(client, state, code)
    assert replay.status_code == 401


@pytest.mark.parametrize(("claims", "why"), [
    ({"email": "stranger@elsewhere.example"}, "e-mail address"),
    ({"nonce": "another-nonce"}, "failed a check"),
    ({"aud": "another-client"}, "failed a check"),
    ({"iss": "https://evil.example"}, "failed a check"),
    ({"exp": int(time.time()) - 3600}, "failed a check"),
    ({"email_verified": False}, "not verified"),
    ({"email_verified": None}, "not verified"),
    ({"email": 42}, "did not give an e-mail"),
])
def test_a_bad_answer_is_refused_and_audited(
        client: TestClient, provider: FakeProvider, hub_path: Path, claims: dict[str, Any],
        why: str) -> None:
    provider.claims = claims
    before = len(_audit(hub_path))
    state, code = _start(client, provider)
    answer = _callback(client, state, code)
    assert answer.status_code == 401 and why in answer.text
    assert "cg_session" not in answer.cookies
    assert client.get("/", follow_redirects=False).status_code == 303
    refused = _audit(hub_path)[before:]
    assert [r["outcome"] for r in refused] == ["refused"]
    assert SECRET not in json.dumps(refused) and code not in json.dumps(refused)


def test_a_forged_signature_state_or_missing_cookie_is_refused(
        client: TestClient, provider: FakeProvider, hub_path: Path) -> None:
    provider.signing_key = RSAKey.generate_key(2048)
    state, code = _start(client, provider)
    assert _callback(client, state, code).status_code == 401
    provider.signing_key = None
    state, code = _start(client, provider)
    assert _callback(client, "forged-state", code).status_code == 401
    _, code = _start(client, provider)
    stranger = TestClient(client.app)  # another browser, without this sign-in's cookie
    assert _callback(stranger, state, code).status_code == 401
    assert stranger.get("/", follow_redirects=False).status_code == 303
    error = client.get("/login/oidc/callback", params={"error": "access_denied"})
    assert error.status_code == 401 and "access_denied" in error.text
    assert all(r["outcome"] == "refused" for r in _audit(hub_path)[-4:])


def test_next_stays_on_the_site(client: TestClient, provider: FakeProvider) -> None:
    state, code = _start(client, provider, next_="https://evil.example/")
    assert _callback(client, state, code).headers["location"] == "/"


def test_without_configuration_there_is_no_single_sign_on(
        hub_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ISSUER", "CLIENT_ID", "CLIENT_SECRET", "NAME"):
        monkeypatch.delenv(f"COMMONGROUND_OIDC_{name}", raising=False)
    plain = TestClient(create_app(hub_path))
    assert plain.get("/login/oidc", follow_redirects=False).status_code == 404
    assert "/login/oidc" not in plain.get("/login").text


def test_a_sign_in_begun_in_one_server_process_finishes_in_another(
        hub_path: Path, provider: FakeProvider, monkeypatch: pytest.MonkeyPatch) -> None:
    """`serve` runs several processes: the provider's answer may reach any of them."""
    monkeypatch.setenv("COMMONGROUND_OIDC_ISSUER", ISSUER)
    monkeypatch.setenv("COMMONGROUND_OIDC_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("COMMONGROUND_OIDC_CLIENT_SECRET", SECRET)

    def process() -> TestClient:  # an app with its own client and memory, one hub
        oidc = OidcClient.from_env(http=httpx.Client(transport=httpx.MockTransport(
            provider.handle)))
        return TestClient(create_app(hub_path, oidc_client=oidc))

    first, second = process(), process()
    state, code = _start(first, provider)
    key = first.cookies[PENDING_COOKIE]
    second.cookies.set(PENDING_COOKIE, key, path="/login/oidc/callback")
    answer = _callback(second, state, code)
    assert answer.status_code == 303 and answer.headers["location"] == "/research"
    assert "cg_session" in answer.headers["set-cookie"]
    # The same key replayed, at either process, is refused: each sign-in is used once.
    for replay in (process(), first):
        replay.cookies.set(PENDING_COOKIE, key, path="/login/oidc/callback")
        again = _callback(replay, state, code)
        assert again.status_code == 401 and "expired or did not start here" in again.text


def test_an_expired_sign_in_under_way_is_not_taken(hub_path: Path) -> None:
    hub = open_hub(hub_path)
    try:
        fields = {"state": "s", "nonce": "n", "verifier": "v", "next": "/"}
        hold_external(hub, "old-key", fields, datetime.now(UTC) - timedelta(seconds=1))
        assert take_external(hub, "old-key") is None
        hold_external(hub, "new-key", fields, datetime.now(UTC) + timedelta(minutes=5))
        assert take_external(hub, "new-key") == fields
        assert take_external(hub, "new-key") is None  # used once
        with hub.sessions()() as session:  # only the key's hash is kept
            held = session.scalars(select(PendingSignIn.key_hash)).all()
            assert "old-key" not in held and "new-key" not in held
    finally:
        hub.close()
