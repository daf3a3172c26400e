"""SQLite writers queue for their turn: threads on a lock, processes on a lock file."""

from __future__ import annotations

import multiprocessing
import threading
from pathlib import Path

from sqlalchemy import text

from commonground.governance.audit import record, verify
from commonground.governance.policy import Resource
from commonground.store import init_hub, open_hub
from commonground.store.database import WriteTurn, connect, write_turn

RESOURCE = Resource("hub", name="web")


def _append(root: str, count: int) -> None:
    hub = open_hub(Path(root))
    try:
        for n in range(count):
            record(hub, "writer", "test.append", RESOURCE, "done", details={"n": n})
    finally:
        hub.close()


def test_a_second_writer_waits_for_the_first_to_commit_then_goes_on(tmp_path: Path) -> None:
    hub = init_hub(tmp_path / "hub")
    finished = threading.Event()
    with hub.engine.connect() as first:
        first.execute(text("UPDATE audit_head SET last_seq = last_seq WHERE id = 1"))
        assert not write_turn(hub.engine).acquire(wait=0)  # the first holds the turn
        second = threading.Thread(target=lambda: (
            record(hub, "second", "test.append", RESOURCE, "done"), finished.set()))
        second.start()
        assert not finished.wait(0.3)  # queued behind the open transaction
        first.commit()
    second.join(10)
    assert finished.is_set()
    assert verify(hub).ok and verify(hub).entries == 1
    hub.close()


def test_a_rolled_back_writer_gives_its_turn_back(tmp_path: Path) -> None:
    hub = init_hub(tmp_path / "hub")
    with hub.engine.connect() as first:
        first.execute(text("UPDATE audit_head SET last_seq = last_seq WHERE id = 1"))
        first.rollback()
    turn = write_turn(hub.engine)
    assert turn.acquire(wait=0)
    turn.release()
    hub.close()


def test_threads_and_processes_appending_at_once_keep_one_unbroken_chain(
        tmp_path: Path) -> None:
    root = tmp_path / "hub"
    init_hub(root).close()
    spawn = multiprocessing.get_context("spawn")  # as uvicorn starts its workers
    processes = [spawn.Process(target=_append, args=(str(root), 40)) for _ in range(2)]
    threads = [threading.Thread(target=_append, args=(str(root), 40)) for _ in range(4)]
    for worker in (*processes, *threads):
        worker.start()
    for thread in threads:
        thread.join(120)
    for process in processes:
        process.join(120)
        assert process.exitcode == 0
    hub = open_hub(root)
    report = verify(hub)
    assert report.ok and report.entries == 6 * 40
    assert (root / "commonground.db-writers").exists()  # the processes' shared lock file
    hub.close()


def test_an_in_memory_database_queues_threads_without_a_lock_file() -> None:
    engine = connect("sqlite://")
    turn = write_turn(engine)
    assert turn.acquire(wait=0)
    turn.release()
    engine.dispose()


def test_without_a_lock_file_the_threads_still_take_turns(tmp_path: Path) -> None:
    turn = WriteTurn(str(tmp_path / "no-such-folder" / "commonground.db"))  # cannot be made
    assert turn.acquire(wait=0)
    assert not turn.acquire(wait=0)  # another writer in this process waits its turn
    turn.release()
    assert turn.acquire(wait=0)
    turn.release()
