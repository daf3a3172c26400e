"""Connecting to the metadata database and keeping its schema current with Alembic."""

from __future__ import annotations

import contextlib
import fcntl
import functools
import os
import threading
import time
from importlib import resources
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

# SQLite's transaction begins at the first statement that changes data (the driver's
# implicit BEGIN) and holds the database's one write lock until it commits or rolls back.
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")
_HOLDS = "commonground.sqlite.write_turn"
_TURN_WAIT = 30.0  # seconds, as SQLite's own busy timeout below


class WriteTurn:
    """The queue this process's writers to one SQLite file wait in, and (by an advisory lock
    on a file beside it) the other processes' writers too.

    Why: a writer that finds SQLite's lock taken sleeps in SQLite's busy handler (1, 2, 5,
    10 … 100 ms between tries) and may sleep well past the moment the lock came free. Under
    the web app's load (an audit entry per page from many threads and several server
    processes) those sleeps were most of a slow page's time. A thread waiting on a lock is
    woken as soon as the last writer commits; between processes the wait polls every
    fraction of a millisecond. A turn not had in `_TURN_WAIT` seconds (a thread writing from
    two connections at once) is given up, and SQLite's busy handler decides as before.
    """

    def __init__(self, database: str | None) -> None:
        self._threads = threading.Lock()
        self._path = f"{database}-writers" if database and database != ":memory:" else None
        self._fd: int | None = None

    def acquire(self, wait: float = _TURN_WAIT) -> bool:
        """Take the turn within `wait` seconds (0: only if it is free now)."""
        deadline = time.monotonic() + wait
        taken = self._threads.acquire(timeout=wait) if wait else self._threads.acquire(False)
        if not taken:
            return False
        if self._path is None or self._lock_file(deadline):
            return True
        self._threads.release()
        return False

    def _lock_file(self, deadline: float) -> bool:
        pause = 0.0002
        try:
            if self._fd is None:
                self._fd = os.open(self._path or "", os.O_RDWR | os.O_CREAT, 0o600)
            while True:
                try:
                    fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return True
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        return False
                    time.sleep(pause)
                    pause = min(pause * 2, 0.002)
        except OSError:  # no lock file (a read-only folder, a file system without locks):
            return True  # this process's threads still take turns; SQLite guards the rest

    def release(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):  # not locked: see `_lock_file`
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._threads.release()


_TURNS: dict[str, WriteTurn] = {}
_TURNS_GUARD = threading.Lock()


def write_turn(engine: Engine) -> WriteTurn:
    """The one queue of writers to this engine's SQLite file in this process."""
    database = engine.url.database
    with _TURNS_GUARD:
        return _TURNS.setdefault(str(engine.url), WriteTurn(database))


def _queue_sqlite_writers(engine: Engine) -> None:
    """Writers take a turn (`WriteTurn`) before SQLite's own write lock, and give it back
    when their transaction ends."""
    turn = write_turn(engine)

    def take(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not conn.info.get(_HOLDS) and statement.lstrip()[:7].upper().startswith(_WRITES):
            conn.info[_HOLDS] = turn.acquire()

    def give_back(conn: Any, *_args: Any) -> None:
        if conn.info.pop(_HOLDS, False):
            turn.release()

    def give_back_on_reset(_dbapi_conn: Any, record: Any, _reset_state: Any) -> None:
        if record.info.pop(_HOLDS, False):  # a connection returned mid-transaction
            turn.release()

    event.listen(engine, "before_cursor_execute", take)
    event.listen(engine, "commit", give_back)
    event.listen(engine, "rollback", give_back)
    event.listen(engine.pool, "reset", give_back_on_reset)


def connect(url: str) -> Engine:
    """A SQLAlchemy engine for `url` (sqlite:///... or postgresql+psycopg://...)."""
    if not url.startswith("sqlite"):
        return create_engine(url, future=True, pool_pre_ping=True)
    # SQLite: wait up to 30 s for another process's write lock rather than fail after the
    # default 5 s. No pre-ping: a file cannot drop the connection, and the ping cost a
    # round trip on every checkout.
    engine = create_engine(url, future=True, connect_args={"timeout": _TURN_WAIT})

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        # Foreign keys are off by default in SQLite; WAL lets readers run beside a writer.
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.close()

    _queue_sqlite_writers(engine)
    return engine


def _alembic_config() -> Config:
    location = resources.files("commonground.store") / "migrations"
    config = Config()
    config.set_main_option("script_location", str(Path(str(location))))
    return config


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision` (the newest by default)."""
    config = _alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str = "base") -> None:
    config = _alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


@functools.cache  # the migration scripts do not change while the process runs
def head_revision() -> str | None:
    return ScriptDirectory.from_config(_alembic_config()).get_current_head()


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
