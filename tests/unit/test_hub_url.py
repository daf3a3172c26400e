from __future__ import annotations

from commonground.store.hub import _redacted_url


def test_password_is_never_shown() -> None:
    shown = _redacted_url("postgresql+psycopg://cg:s3cr3t@db.example:5432/hub")
    assert shown == "postgresql+psycopg://cg@db.example:5432/hub"
    assert "s3cr3t" not in shown


def test_urls_without_credentials_are_unchanged() -> None:
    assert _redacted_url("sqlite:////tmp/hub/commonground.db") == "sqlite:////tmp/hub/commonground.db"
    assert _redacted_url("postgresql+psycopg://postgres@127.0.0.1/test").endswith("@127.0.0.1/test")
