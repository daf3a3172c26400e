"""Every `COMMONGROUND_*` environment variable in one table: its name, default and meaning.

This module imports nothing of ours, so every room may read it, `engines/` and `store/`
included: it is the base layer beneath the rooms, like `errors`. Nothing else reads
`os.environ` for our variables (a test holds that), and the README's settings table is
checked against `VARIABLES`.

    from commonground import settings
    settings.current().engine        # "duckdb" unless $COMMONGROUND_ENGINE says otherwise

`current()` parses the environment once and hands back the same frozen `Settings` until one of
our variables changes, so a test that sets one with `monkeypatch.setenv` (or runs the CLI with
`CliRunner(env=...)`) sees it at once; `reload()` forces a fresh read.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Variable:
    name: str
    default: str | None
    doc: str


HUB = Variable("COMMONGROUND_HUB", "hub",
               "The hub folder for commands given no `--hub`.")
USER = Variable("COMMONGROUND_USER", None,
                "Who is acting, for commands given no `--as` (trusts the machine's operator).")
KEY_FILE = Variable("COMMONGROUND_KEY_FILE", None,
                    "The partnership key file, for commands given no `--key`.")
ENGINE = Variable("COMMONGROUND_ENGINE", "duckdb",
                  "The engine for commands given no `--engine`: `duckdb` or `spark`.")
DATABASE_URL = Variable("COMMONGROUND_DATABASE_URL", None,
                        "The metadata database, e.g. `postgresql+psycopg://user@host/db`; "
                        "unset, a SQLite file in the hub.")
SPARK_MASTER = Variable("COMMONGROUND_SPARK_MASTER", "local[2]",
                        "The Spark master the Spark engine connects to.")
SPARK_MEMORY = Variable("COMMONGROUND_SPARK_MEMORY", "2g",
                        "The Spark driver's memory (`spark.driver.memory`).")
DEBUG = Variable("COMMONGROUND_DEBUG", None,
                 "Any non-empty value: an unexpected error shows its traceback.")
SECURE_COOKIES = Variable("COMMONGROUND_SECURE_COOKIES", None,
                          "`1`: the web app marks its cookies Secure even when it sees plain "
                          "http (the hub is only ever reached over https).")
OIDC_ISSUER = Variable("COMMONGROUND_OIDC_ISSUER", None,
                       "Single sign-on: the OpenID Connect provider's issuer URL (with the "
                       "client id and secret, turns on `/login/oidc`).")
OIDC_CLIENT_ID = Variable("COMMONGROUND_OIDC_CLIENT_ID", None,
                          "Single sign-on: this hub's client id at the provider.")
OIDC_CLIENT_SECRET = Variable("COMMONGROUND_OIDC_CLIENT_SECRET", None,
                              "Single sign-on: this hub's client secret at the provider.")
OIDC_NAME = Variable("COMMONGROUND_OIDC_NAME", None,
                     "Single sign-on: what the sign-in page calls the provider.")
TEST_DATABASE_URL = Variable("COMMONGROUND_TEST_DATABASE_URL",
                             "postgresql+psycopg://postgres@127.0.0.1:5432/test",
                             "The test suite only: the PostgreSQL server its tests create "
                             "databases on.")

VARIABLES: tuple[Variable, ...] = (HUB, USER, KEY_FILE, ENGINE, DATABASE_URL, SPARK_MASTER,
                                   SPARK_MEMORY, DEBUG, SECURE_COOKIES, OIDC_ISSUER,
                                   OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, OIDC_NAME,
                                   TEST_DATABASE_URL)


@dataclass(frozen=True)
class Settings:
    """The values in force; an empty variable counts as unset."""

    hub: str
    user: str | None
    key_file: str | None
    engine: str
    database_url: str | None
    spark_master: str
    spark_memory: str
    debug: bool
    secure_cookies: bool
    oidc_issuer: str | None
    oidc_client_id: str | None
    oidc_client_secret: str | None
    oidc_name: str | None
    test_database_url: str


def read(environ: Mapping[str, str]) -> Settings:
    """The settings `environ` describes, defaults filled in."""

    def value(variable: Variable) -> str | None:
        return environ.get(variable.name) or variable.default

    def required(variable: Variable) -> str:
        return value(variable) or ""

    return Settings(
        hub=required(HUB),
        user=value(USER),
        key_file=value(KEY_FILE),
        engine=required(ENGINE).lower(),
        database_url=value(DATABASE_URL),
        spark_master=required(SPARK_MASTER),
        spark_memory=required(SPARK_MEMORY),
        debug=bool(value(DEBUG)),
        secure_cookies=(value(SECURE_COOKIES) or "").strip() == "1",
        oidc_issuer=(value(OIDC_ISSUER) or "").strip() or None,
        oidc_client_id=(value(OIDC_CLIENT_ID) or "").strip() or None,
        oidc_client_secret=(value(OIDC_CLIENT_SECRET) or "").strip() or None,
        oidc_name=(value(OIDC_NAME) or "").strip() or None,
        test_database_url=required(TEST_DATABASE_URL),
    )


_cached: tuple[tuple[str | None, ...], Settings] | None = None


def _snapshot() -> tuple[str | None, ...]:
    return tuple(os.environ.get(v.name) for v in VARIABLES)


def current() -> Settings:
    """The settings in force: parsed once, re-read only when one of our variables changed."""
    global _cached
    snapshot = _snapshot()
    if _cached is None or _cached[0] != snapshot:
        _cached = (snapshot, read(os.environ))
    return _cached[1]


def hand_down(variable: Variable, value: str) -> None:
    """Set one of our variables for this process and the processes it starts (the web
    server's workers learn their hub so)."""
    os.environ[variable.name] = value


def reload() -> Settings:
    """Read the environment afresh (for tests, or after changing `os.environ` on purpose)."""
    global _cached
    _cached = None
    return current()


def markdown_table() -> str:
    """The settings as the Markdown table the README holds (a test keeps the two equal)."""
    lines = ["| variable | default | meaning |", "|---|---|---|"]
    for v in VARIABLES:
        default = f"`{v.default}`" if v.default is not None else "(unset)"
        lines.append(f"| `{v.name}` | {default} | {v.doc} |")
    return "\n".join(lines)
