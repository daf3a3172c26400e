"""Incremental linkage on the small county hub of `test_link_cli.py` (its fixture and helpers).

A new contribution is scored against the index (only pairs with a new mention) and joins the
entities already there; a changed model or review decision, or `--full`, re-links everything.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from tests.integration import test_link_cli
from tests.integration.test_link_cli import add_contribution, cli, entities, submit_extract

from commonground.engines import get_engine
from commonground.link import incremental
from commonground.link.evaluate import county_truth
from commonground.link.lake import hub_mentions
from commonground.link.model import SPECS
from commonground.link.resolve import pair_key, resolve
from commonground.link.runs import _latest_model
from commonground.store import Hub, open_hub

county = test_link_cli.county  # the same demo hub fixture, built once for this module


@contextmanager
def opened(base: Path) -> Iterator[Hub]:
    hub = open_hub(base / "hub")
    try:
        yield hub
    finally:
        hub.close()


def pair_keys(pairs: pa.Table) -> dict[tuple[str, str], float]:
    return {pair_key(a, b): p for a, b, p in zip(
        pairs["unique_id_l"].to_pylist(), pairs["unique_id_r"].to_pylist(),
        pairs["match_probability"].to_pylist(), strict=True)}


def test_a_new_contribution_joins_the_index_incrementally(
        county: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    hub = county / "hub"
    baseline = cli(hub, "run", "--full")
    assert {baseline[k]["mode"] for k in ("person", "address")} == {"full"}
    # The run's summary says which person blocking rules it chose, by their counts.
    blocking = baseline["person"]["blocking"]
    assert 0 < blocking["candidate_pairs"] <= blocking["budget"]
    assert blocking["rules_chosen"] == sum(r["chosen"] for r in blocking["rules"]) > 0
    before = {kind: entities(hub, kind) for kind in ("person", "address")}

    scored: dict[str, pa.Table] = {}
    score_new = incremental.score_new

    def spy(mentions: pa.Table, new: pa.Array, spec: Any, *args: Any, **kwargs: Any
            ) -> pa.Table:
        scored[spec.kind] = score_new(mentions, new, spec, *args, **kwargs)
        return scored[spec.kind]

    monkeypatch.setattr(incremental, "score_new", spy)
    add_contribution(county)  # ten earlier A&E attendances again, under new ids
    second = cli(hub, "run")

    for kind in ("person", "address"):
        figures, pairs = second[kind], scored[kind]
        assert figures["mode"] == "incremental" and figures["trained"] is False
        if kind == "person":  # chosen on all current mentions, as a full run would
            assert figures["blocking"]["rules_chosen"] > 0
        assert figures["new_mentions"] == 10 and figures["mentions_gone"] == 0
        assert figures["pairs_scored"] == pairs.num_rows > 0
        after = entities(hub, kind)
        new = set(after) - set(before[kind])
        assert len(new) == 10
        left, right = pairs["unique_id_l"].to_pylist(), pairs["unique_id_r"].to_pylist()
        assert all(a in new or b in new for a, b in zip(left, right, strict=True))
        assert all(a != b for a, b in zip(left, right, strict=True))
        # Every existing mention keeps its entity id.
        assert {m: after[m] for m in before[kind]} == before[kind]

        # The same pairs, scored the same, as a full scoring of every mention would give.
        with opened(county) as store, get_engine("duckdb") as eng:
            mentions = hub_mentions(store, eng, kind)
            model = _latest_model(store, kind)
            assert model is not None
            full = resolve(mentions, SPECS[kind], eng, model=model.parameters).pairs
        expected = {k: p for k, p in pair_keys(full).items() if k[0] in new or k[1] in new}
        got = pair_keys(pairs)
        assert got.keys() == expected.keys()
        assert all(abs(got[k] - expected[k]) < 1e-9 for k in got)

    # New mentions of people already in the index take those people's ids (truth: a new
    # attendance id is its original with a "B" appended).
    truth = county_truth(county / "hub-partners" / "truth", "person", {})
    person_of = dict(zip(truth["unique_id"].to_pylist(), truth["true_entity"].to_pylist(),
                         strict=True))
    ids_of: dict[int, set[str]] = defaultdict(set)
    for mention, entity in before["person"].items():
        if person_of.get(mention) is not None:
            ids_of[person_of[mention]].add(entity)
    after = entities(hub, "person")
    new = sorted(set(after) - set(before["person"]))
    for mention in new:
        dataset, record, subject = mention.split("|")
        assert record.endswith("B")
        person = person_of[f"{dataset}|{record[:-1]}|{subject}"]
        assert person in ids_of  # known to the index before
        assert after[mention] in ids_of[person]


def test_full_a_new_model_or_a_new_decision_give_a_full_run(county: Path) -> None:
    hub = county / "hub"
    cli(hub, "run")
    quiet = cli(hub, "run")  # nothing changed: nothing to score
    assert quiet["person"]["mode"] == quiet["address"]["mode"] == "incremental"
    assert quiet["person"]["pairs_scored"] == 0 and quiet["person"]["new_mentions"] == 0

    forced = cli(hub, "run", "--full", "--kind", "person")
    assert forced["person"]["mode"] == "full" and forced["person"]["pairs_scored"] > 0

    retrained = cli(hub, "run", "--retrain", "--kind", "address")
    assert retrained["address"]["mode"] == "full" and retrained["address"]["trained"] is True
    assert cli(hub, "run", "--kind", "address")["address"]["mode"] == "incremental"

    queue = cli(hub, "review", "--kind", "person")["pending"]
    assert queue, "the county's person model leaves doubtful pairs to review"
    cli(hub, "review", "--decide", str(queue[0]["id"]), "--decision", "different")
    decided = cli(hub, "run", "--kind", "person")
    assert decided["person"]["mode"] == "full"
    assert cli(hub, "run", "--kind", "person")["person"]["mode"] == "incremental"


def test_erased_mentions_drop_out_and_the_rest_keep_their_ids(county: Path) -> None:
    from commonground.contribute.erasure import erase, erasure_tokens
    from commonground.contribute.keys import load_key
    from commonground.governance import actor_for

    hub = county / "hub"
    cli(hub, "run")
    before = entities(hub, "person")
    extract = pq.read_table(county / "hub-partners" / "partners" / "health" /
                            "ae_attendances.parquet")
    row = extract.slice(20, 1).to_pylist()[0]
    tokens = erasure_tokens(load_key(county / "hub-partners" / "partnership.key"),
                            {"nhs_number": row["nhs_number"]})
    with opened(county) as store, get_engine("duckdb") as eng:
        removed = erase(store, actor_for(store, "health-steward"), tokens, "test", eng)
    assert removed["rows_removed"] >= 1

    ran = cli(hub, "run", "--kind", "person")["person"]
    after = entities(hub, "person")
    gone = set(before) - set(after)
    assert ran["mode"] == "incremental" and ran["pairs_scored"] == 0
    assert f"health/ae_attendances|{row['attendance_id']}|" in gone
    assert ran["mentions_gone"] == len(gone) and not set(after) - set(before)
    assert {m: before[m] for m in after} == after


def test_mentions_without_a_name_are_in_the_index_each_on_its_own(county: Path) -> None:
    """A record that describes a person (a date of birth, an NHS number) but gives no name
    the model can link on is an entity of its own, listed as unlinkable; once a later
    version gives it a name, the next (incremental) run links it."""
    hub = county / "hub"
    cli(hub, "run", "--kind", "person")
    original = pq.read_table(county / "hub-partners" / "partners" / "health" /
                             "ae_attendances.parquet").slice(30, 4)
    rows = original.to_pylist()
    for row in rows:
        row["attendance_id"] += "N"
    rows[0].update(given_name="", family_name="")  # empty
    rows[1].update(given_name="   ", family_name="  ")  # spaces
    rows[2].update(given_name="?", family_name="-")  # nothing left once normalised
    rows[3].update(given_name=None, family_name=None, date_of_birth=None, nhs_number=None,
                   address=None, postcode=None)  # no identifier at all: no one is named
    submit_extract(county, pa.Table.from_pylist(rows, schema=original.schema), "nameless")
    ran = cli(hub, "run", "--kind", "person")["person"]
    ids = [f"health/ae_attendances|{row['attendance_id']}|" for row in rows]
    listed = ran["unlinkable"]["ids"]
    assert ran["mode"] == "incremental"
    assert set(ids[:3]) <= set(listed) and ids[3] not in listed
    assert ran["unlinkable"]["count"] == len(listed)
    index = entities(hub, "person")
    assert set(listed) <= set(index) and ids[3] not in index
    assert ran["mentions"] == len(index)
    shared = defaultdict(int)
    for entity in index.values():
        shared[entity] += 1
    assert all(shared[index[mention]] == 1 for mention in listed)

    # A later version names the first of them again: it is new to the model and linked to
    # the same attendance's original record (the same person, the same identifiers).
    named = original.slice(0, 1).to_pylist()
    named[0]["attendance_id"] += "N"
    submit_extract(county, pa.Table.from_pylist(named, schema=original.schema), "renamed")
    again = cli(hub, "run", "--kind", "person")["person"]
    assert again["mode"] == "incremental" and ids[0] not in again["unlinkable"]["ids"]
    assert again["new_mentions"] == 1
    after = entities(hub, "person")
    original_id = f"health/ae_attendances|{rows[0]['attendance_id'][:-1]}|"
    assert after[ids[0]] == after[original_id]
    assert {m: after[m] for m in ids[1:3]} == {m: index[m] for m in ids[1:3]}
