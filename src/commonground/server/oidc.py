"""Signing in with a partner's own identity provider, by OpenID Connect (authorisation code
flow with PKCE), when the hub is configured for one:

    COMMONGROUND_OIDC_ISSUER         the issuer URL (discovery at /.well-known/openid-configuration)
    COMMONGROUND_OIDC_CLIENT_ID      this hub's client id at the provider
    COMMONGROUND_OIDC_CLIENT_SECRET  and its secret
    COMMONGROUND_OIDC_NAME           what the sign-in page calls it (optional)

The provider vouches for an e-mail address; the hub signs in the active person who has it
(`governance.accounts.sign_in_external`), with a session exactly like a password sign-in.
The id_token must be signed by a key from the provider's JWKS, name this issuer and this
client, carry the nonce this browser was given, and say the e-mail is verified.

The state, nonce and PKCE verifier of a sign-in under way never travel in a cookie: the
browser holds only a random key (a short-lived, HttpOnly, SameSite=Lax cookie, since the
provider's redirect back is a cross-site navigation) into the hub's database
(`HubPendingStore`), so the provider's answer may reach any of the server's processes.
`PendingStore`, a dictionary, serves a client with no hub (tests of the protocol alone).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any
from urllib.parse import urlencode

import httpx
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from commonground import settings
from commonground.errors import CommonGroundError
from commonground.governance.accounts import hold_external, take_external
from commonground.store.hub import Hub

PENDING_SECONDS = 600  # a sign-in at the provider must come back within ten minutes
MAX_PENDING = 10_000  # enough for any partnership; a flood cannot grow the store further
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "ES256", "ES384")  # never "none" or HS*
LEEWAY = 60  # seconds of clock difference allowed between the provider and the hub


class OidcRefused(CommonGroundError):
    """The identity provider's answer failed a check; the person is not signed in."""

    http_status = 401


@dataclass(frozen=True)
class OidcConfig:
    issuer: str
    client_id: str
    client_secret: str
    name: str = "single sign-on"

    @classmethod
    def from_env(cls) -> OidcConfig | None:
        """The configuration, or None when the three required variables are not all set."""
        found = settings.current()
        issuer, client_id = found.oidc_issuer, found.oidc_client_id
        secret = found.oidc_client_secret
        if not (issuer and client_id and secret):
            return None
        return cls(issuer, client_id, secret, found.oidc_name or "single sign-on")


@dataclass(frozen=True)
class Pending:
    state: str
    nonce: str
    verifier: str
    next: str
    expires: float


@dataclass
class PendingStore:
    """Sign-ins under way, by the random key in the browser's cookie; each is used once."""

    entries: dict[str, Pending] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def put(self, pending: Pending) -> str:
        key = secrets.token_urlsafe(32)
        with self.lock:
            now = time.time()
            for old in [k for k, v in self.entries.items() if v.expires < now]:
                del self.entries[old]
            while len(self.entries) >= MAX_PENDING:  # the oldest goes first
                del self.entries[next(iter(self.entries))]
            self.entries[key] = pending
        return key

    def take(self, key: str) -> Pending | None:
        with self.lock:
            pending = self.entries.pop(key, None)
        if pending is None or pending.expires < time.time():
            return None
        return pending


@dataclass
class HubPendingStore:
    """Sign-ins under way in the hub's database (`governance.accounts.hold_external`): every
    server process sees them, and each is used once."""

    hub: Callable[[], Hub]

    def put(self, pending: Pending) -> str:
        key = secrets.token_urlsafe(32)
        hold_external(self.hub(), key, {"state": pending.state, "nonce": pending.nonce,
                                        "verifier": pending.verifier, "next": pending.next},
                      datetime.fromtimestamp(pending.expires, UTC))
        return key

    def take(self, key: str) -> Pending | None:
        found = take_external(self.hub(), key)
        if found is None:
            return None
        return Pending(found["state"], found["nonce"], found["verifier"], found["next"],
                       time.time() + 1)  # unexpired: `take_external` checked the time


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


class OidcClient:
    """The hub as a relying party of one identity provider."""

    def __init__(self, config: OidcConfig, http: httpx.Client | None = None) -> None:
        self.config = config
        self.http = http or httpx.Client(timeout=10.0)
        self.pending: PendingStore | HubPendingStore = PendingStore()
        self._metadata: dict[str, Any] | None = None
        self._keys: KeySet | None = None

    @classmethod
    def from_env(cls, http: httpx.Client | None = None) -> OidcClient | None:
        config = OidcConfig.from_env()
        return cls(config, http) if config else None

    def metadata(self) -> dict[str, Any]:
        """The provider's discovery document (fetched once), checked to be its own."""
        if self._metadata is None:
            # The issuer is compared exactly, as OpenID Connect Discovery says.
            url = f"{self.config.issuer.rstrip('/')}/.well-known/openid-configuration"
            found = self._get_json(url)
            if found.get("issuer") != self.config.issuer:
                raise OidcRefused("the identity provider's discovery document names another "
                                  "issuer")
            self._metadata = found
        return self._metadata

    def _get_json(self, url: str) -> dict[str, Any]:
        try:
            response = self.http.get(url)
            response.raise_for_status()
            found = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise OidcRefused(f"the identity provider did not answer: {exc}") from None
        if not isinstance(found, dict):
            raise OidcRefused("the identity provider's answer is not a JSON object")
        return found

    def begin(self, redirect_uri: str, next_: str) -> tuple[str, str]:
        """(the provider's authorisation URL, the key of this sign-in for the cookie)."""
        meta = self.metadata()
        pending = Pending(secrets.token_urlsafe(32), secrets.token_urlsafe(32),
                          secrets.token_urlsafe(48), next_, time.time() + PENDING_SECONDS)
        key = self.pending.put(pending)
        query = urlencode({"response_type": "code", "client_id": self.config.client_id,
                           "redirect_uri": redirect_uri, "scope": "openid email profile",
                           "state": pending.state, "nonce": pending.nonce,
                           "code_challenge": _challenge(pending.verifier),
                           "code_challenge_method": "S256"})
        endpoint = str(meta["authorization_endpoint"])
        return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}", key

    def finish(self, key: str | None, state: str, code: str, redirect_uri: str
               ) -> tuple[str, Pending]:
        """Check the provider's answer and exchange its code: (verified e-mail, the sign-in)."""
        pending = self.pending.take(key) if key else None
        if pending is None:
            raise OidcRefused("this sign-in has expired or did not start here; try again")
        if not state or not secrets.compare_digest(state, pending.state):
            raise OidcRefused("the identity provider's answer does not match this sign-in")
        if not code:
            raise OidcRefused("the identity provider sent no authorisation code")
        tokens = self._exchange(code, redirect_uri, pending.verifier)
        claims = self._verify(str(tokens.get("id_token", "")), pending.nonce)
        email = claims.get("email")
        if not isinstance(email, str) or "@" not in email:
            raise OidcRefused("the identity provider did not give an e-mail address")
        if claims.get("email_verified") not in (True, "true"):
            raise OidcRefused("the identity provider has not verified this e-mail address")
        return email, pending

    def _exchange(self, code: str, redirect_uri: str, verifier: str) -> dict[str, Any]:
        meta = self.metadata()
        form = {"grant_type": "authorization_code", "code": code,
                "redirect_uri": redirect_uri, "code_verifier": verifier}
        methods = meta.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
        basic = "client_secret_basic" in methods or "client_secret_post" not in methods
        if not basic:
            form |= {"client_id": self.config.client_id,
                     "client_secret": self.config.client_secret}
        post = partial(self.http.post, str(meta["token_endpoint"]), data=form,
                       headers={"Accept": "application/json"})
        try:
            response = post(auth=httpx.BasicAuth(self.config.client_id,
                                                 self.config.client_secret)) if basic else post()
            response.raise_for_status()
            found = response.json()
        except (httpx.HTTPError, ValueError):
            raise OidcRefused("the identity provider refused the authorisation code") from None
        if not isinstance(found, dict):
            raise OidcRefused("the identity provider's token answer is not a JSON object")
        return found

    def _key_set(self, refresh: bool = False) -> KeySet:
        if self._keys is None or refresh:
            self._keys = KeySet.import_key_set(
                self._get_json(str(self.metadata()["jwks_uri"])))  # type: ignore[arg-type]
        return self._keys

    def _verify(self, id_token: str, nonce: str) -> dict[str, Any]:
        """The id_token's claims, after its signature, issuer, audience, nonce and times."""
        if not id_token:
            raise OidcRefused("the identity provider sent no id_token")
        try:
            try:
                token = jwt.decode(id_token, self._key_set(), algorithms=list(ALGORITHMS))
            except (JoseError, ValueError):
                # The provider may have rotated its keys since they were fetched.
                token = jwt.decode(id_token, self._key_set(refresh=True),
                                   algorithms=list(ALGORITHMS))
            registry = jwt.JWTClaimsRegistry(
                leeway=LEEWAY, iss={"essential": True, "value": self.config.issuer},
                aud={"essential": True, "value": self.config.client_id},
                nonce={"essential": True, "value": nonce}, sub={"essential": True},
                exp={"essential": True}, iat={"essential": True})
            registry.validate(token.claims)
        except (JoseError, ValueError) as exc:
            raise OidcRefused(f"the identity provider's id_token failed a check: {exc}"
                              ) from None
        claims = dict(token.claims)
        audience = claims.get("aud")
        if isinstance(audience, list) and len(audience) > 1 and \
                claims.get("azp") != self.config.client_id:
            raise OidcRefused("the id_token was issued to another client")
        return claims
