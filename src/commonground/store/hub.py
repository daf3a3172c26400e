"""A hub on disk: its folder, its lake and its metadata database.

```
HUB/
  hub.json            what this folder is (format version, database kind)
  commonground.db     metadata (SQLite) unless COMMONGROUND_DATABASE_URL points elsewhere
  lake/<org>/<dataset>/v<N>/part-*.parquet + _manifest.json
```
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from commonground import settings
from commonground.store.database import connect, current_revision, head_revision, migrate

HUB_MARKER = "hub.json"
HUB_FORMAT = 1
DATABASE_URL_VAR = settings.DATABASE_URL.name


class HubError(RuntimeError):
    """A hub folder is missing, not a hub, or out of date.

    The store imports nothing of ours, so the exit code and HTTP status are plain attributes
    (see `commonground.errors`); on the web a broken hub is the service's fault, not the caller's.
    """

    exit_code: ClassVar[int] = 1
    http_status: ClassVar[int] = 503


def _redacted_url(url: str) -> str:
    """The database URL without its password, for messages."""
    if "@" not in url or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    creds, host = rest.rsplit("@", 1)
    user = creds.split(":", 1)[0]
    return f"{scheme}://{user}@{host}"


@dataclass
class Hub:
    root: Path
    database_url: str
    _engine: Engine | None = None
    _sessions: sessionmaker[Session] | None = None

    @property
    def lake(self) -> Path:
        return self.root / "lake"

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = connect(self.database_url)
        return self._engine

    def sessions(self) -> sessionmaker[Session]:
        # One factory per engine: each `sessionmaker` makes a new Session class, and setting
        # up its event dispatch cost more than a short query, on every call.
        if self._sessions is None or self._sessions.kw.get("bind") is not self.engine:
            self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        return self._sessions

    def describe(self) -> dict[str, object]:
        return {
            "hub": str(self.root),
            "database": _redacted_url(self.database_url),
            "schema_revision": current_revision(self.engine),
            "lake": str(self.lake),
        }

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
            self._sessions = None


def _database_url(root: Path, explicit: str | None) -> str:
    return (explicit or settings.current().database_url
            or f"sqlite:///{root / 'commonground.db'}")


def init_hub(root: Path, database_url: str | None = None) -> Hub:
    """Create (or bring up to date) a hub at `root`: folders, marker and migrated database."""
    root = Path(root).resolve()
    if root.exists() and not root.is_dir():
        raise HubError(f"{root} exists and is not a folder")
    if root.is_dir() and any(root.iterdir()) and not (root / HUB_MARKER).exists():
        raise HubError(f"{root} is not empty and is not a hub; choose an empty or new folder")
    (root / "lake").mkdir(parents=True, exist_ok=True)
    hub = Hub(root, _database_url(root, database_url))
    migrate(hub.engine)
    marker = {"format": HUB_FORMAT, "database": hub.engine.dialect.name}
    (root / HUB_MARKER).write_text(json.dumps(marker, indent=2) + "\n")
    return hub


def open_hub(root: Path, database_url: str | None = None) -> Hub:
    """Open an existing hub; refuse a folder that is not one or whose schema is behind."""
    root = Path(root).resolve()
    if not (root / HUB_MARKER).exists():
        raise HubError(f"{root} is not a hub; create one with `commonground init {root}`")
    hub = Hub(root, _database_url(root, database_url))
    if current_revision(hub.engine) != head_revision():
        hub.close()
        raise HubError(
            f"the hub's database is not at the current schema; run `commonground init {root}`"
        )
    return hub
