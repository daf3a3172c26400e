"""The audit log's hash chain notices tampering, on SQLite and on PostgreSQL.

Each test writes a clean chain, tampers with it by raw SQL as someone with database access
would, and checks that `verify` names the right entry and what was done to it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from commonground.governance import GovernanceError, Resource, record
from commonground.governance.audit import GENESIS, entries, entry_hash, verify
from commonground.store import Hub, init_hub

N = 8


@pytest.fixture
def hub(tmp_path: Path, database_url: str) -> Iterator[Hub]:
    made = init_hub(tmp_path / "hub", database_url)
    for i in range(1, N + 1):
        record(made, f"user{i % 3}", "dataset.read", Resource.dataset("police/crimes"),
               "allowed", "crime-prevention", {"rows": i * 10, "version": 1})
    yield made
    made.close()


def sql(hub: Hub, statement: str, **params: object) -> None:
    with hub.engine.begin() as conn:
        conn.execute(sa.text(statement), params)


def renumber(hub: Hub, from_seq: int, shift: int) -> None:
    """Move every entry from `from_seq` on by `shift`, in two steps so no seq collides."""
    sql(hub, "UPDATE audit_log SET seq = -(seq + :shift) WHERE seq >= :start",
        shift=shift, start=from_seq)
    sql(hub, "UPDATE audit_log SET seq = -seq WHERE seq < 0")


def test_a_clean_log_verifies(hub: Hub) -> None:
    report = verify(hub)
    assert report.ok and report.entries == N and report.first_bad_seq is None
    assert report.problem is None and report.head_hash != GENESIS


def test_an_empty_log_verifies(tmp_path: Path, database_url: str) -> None:
    empty = init_hub(tmp_path / "empty", database_url)
    assert verify(empty).ok and verify(empty).entries == 0
    empty.close()


def test_each_entry_links_to_the_one_before(hub: Hub) -> None:
    with hub.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT seq, prev_hash, hash FROM audit_log ORDER BY seq"))
        chain = list(rows)
    assert chain[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in zip(chain, chain[1:], strict=False))
    assert len({row.hash for row in chain}) == N


@pytest.mark.parametrize("column, value", [("actor", "mallory"), ("outcome", "refused"),
                                           ("purpose", "research:other"),
                                           ("resource", "dataset:health/ae")])
def test_an_edited_field_is_detected_at_its_seq(hub: Hub, column: str, value: str) -> None:
    sql(hub, f"UPDATE audit_log SET {column} = :value WHERE seq = 5", value=value)
    report = verify(hub)
    assert (report.ok, report.first_bad_seq, report.problem) == (False, 5, "edited")


def test_edited_details_are_detected(hub: Hub) -> None:
    with hub.engine.begin() as conn:
        table = sa.table("audit_log", sa.column("seq"), sa.column("details", sa.JSON))
        conn.execute(sa.update(table).where(table.c.seq == 3).values(details={"rows": 1}))
    assert (verify(hub).first_bad_seq, verify(hub).problem) == (3, "edited")


def test_an_edit_with_its_hash_recomputed_is_still_detected(hub: Hub) -> None:
    with hub.engine.connect() as conn:
        row = conn.execute(sa.text("SELECT * FROM audit_log WHERE seq = 4")).one()
    at = row.at if isinstance(row.at, datetime) else datetime.fromisoformat(row.at)
    details = row.details if isinstance(row.details, dict) else __import__("json").loads(
        row.details)
    forged = entry_hash(4, at.replace(tzinfo=at.tzinfo or UTC), "mallory", row.action,
                        row.resource, row.purpose, row.outcome, details, row.prev_hash)
    sql(hub, "UPDATE audit_log SET actor = 'mallory', hash = :h WHERE seq = 4", h=forged)
    report = verify(hub)
    assert (report.ok, report.first_bad_seq, report.problem) == (False, 4, "edited")


def test_a_deleted_middle_entry_is_detected(hub: Hub) -> None:
    sql(hub, "DELETE FROM audit_log WHERE seq = 5")
    report = verify(hub)
    assert (report.ok, report.first_bad_seq, report.problem) == (False, 5, "deleted")


def test_a_deletion_hidden_by_renumbering_is_detected(hub: Hub) -> None:
    sql(hub, "DELETE FROM audit_log WHERE seq = 5")
    renumber(hub, 6, -1)
    report = verify(hub)
    assert (report.ok, report.first_bad_seq, report.problem) == (False, 5, "deleted")


def test_a_deleted_tail_is_detected(hub: Hub) -> None:
    sql(hub, "DELETE FROM audit_log WHERE seq >= 7")
    report = verify(hub)
    assert (report.ok, report.first_bad_seq, report.problem) == (False, 7, "deleted")


@pytest.mark.parametrize("a, b", [(4, 6), (2, 3), (1, N)])
def test_swapped_entries_are_detected_as_reordered(hub: Hub, a: int, b: int) -> None:
    # Swapping the seq numbers swaps every other column's content between the two rows.
    sql(hub, "UPDATE audit_log SET seq = -1 WHERE seq = :a", a=a)
    sql(hub, "UPDATE audit_log SET seq = :a WHERE seq = :b", a=a, b=b)
    sql(hub, "UPDATE audit_log SET seq = :b WHERE seq = -1", b=b)
    report = verify(hub)
    assert (report.ok, report.first_bad_seq, report.problem) == (False, a, "reordered")


def test_an_inserted_entry_is_detected(hub: Hub) -> None:
    with hub.engine.connect() as conn:
        before = conn.execute(sa.text("SELECT hash FROM audit_log WHERE seq = 4")).scalar_one()
    renumber(hub, 5, 1)
    at = datetime.now(UTC)
    forged = entry_hash(5, at, "mallory", "dataset.read", "dataset:police/crimes", None,
                        "allowed", {}, before)
    with hub.engine.begin() as conn:
        table = sa.table("audit_log", *(sa.column(c) for c in (
            "seq", "at", "actor", "action", "resource", "purpose", "outcome", "prev_hash",
            "hash")), sa.column("details", sa.JSON))
        conn.execute(sa.insert(table).values(
            seq=5, at=at, actor="mallory", action="dataset.read",
            resource="dataset:police/crimes", purpose=None, outcome="allowed", details={},
            prev_hash=before, hash=forged))
    report = verify(hub)
    assert (report.ok, report.problem) == (False, "inserted")
    assert report.first_bad_seq == 5


def test_an_entry_appended_behind_the_chains_back_is_detected(hub: Hub) -> None:
    sql(hub, "INSERT INTO audit_log (seq, at, actor, action, resource, outcome, details, "
             "prev_hash, hash) VALUES (:seq, :at, 'mallory', 'x', 'y', 'done', '{}', :p, :h)",
        seq=N + 1, at=datetime.now(UTC), p="0" * 64, h="1" * 64)
    report = verify(hub)
    assert (report.ok, report.first_bad_seq, report.problem) == (False, N + 1, "inserted")


def test_concurrent_appends_keep_one_unbroken_chain(hub: Hub) -> None:
    per_thread, threads = 15, 4
    errors: list[BaseException] = []
    start = threading.Barrier(threads)

    def append(worker: int) -> None:
        try:
            start.wait()
            for i in range(per_thread):
                record(hub, f"worker{worker}", "catalogue.read", Resource("catalogue"),
                       "allowed", details={"i": i})
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    workers = [threading.Thread(target=append, args=(w,)) for w in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    report = verify(hub)
    assert report.ok, report
    assert report.entries == N + per_thread * threads


def test_details_hold_counts_and_ids_only(hub: Hub) -> None:
    with pytest.raises(GovernanceError, match="count, id or list"):
        record(hub, "u", "dataset.read", "dataset:police/crimes", "allowed",
               details={"person": {"name": "Jane Doe", "dob": "1990-01-01"}})
    with pytest.raises(GovernanceError, match="too long"):
        record(hub, "u", "dataset.read", "dataset:police/crimes", "allowed",
               details={"note": "x" * 500})
    with pytest.raises(GovernanceError, match="outcome"):
        record(hub, "u", "dataset.read", "dataset:police/crimes", "maybe")
    assert verify(hub).entries == N


def test_an_entry_commits_and_rolls_back_with_its_session(hub: Hub) -> None:
    with pytest.raises(RuntimeError), hub.sessions().begin() as session:
        record(session, "u", "contribution.create", Resource.dataset("police/crimes"), "done")
        raise RuntimeError("the work failed")
    assert verify(hub).ok and verify(hub).entries == N
    with hub.sessions().begin() as session:
        record(session, "u", "contribution.create", Resource.dataset("police/crimes"), "done")
        record(session, "u", "contribution.create", Resource.dataset("police/crimes"), "done")
    assert verify(hub).ok and verify(hub).entries == N + 2
    assert entries(hub, limit=1)[0]["seq"] == N + 2
