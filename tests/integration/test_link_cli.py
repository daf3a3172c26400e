"""`commonground link` end to end on a small synthetic county hub.

The link rules (`link.run`, `link.review`, `link.read`) are added to the policy table here as
the lead will add them to `governance/policy.py`.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from commonground.commands.link import link_app
from commonground.governance import policy

RULES = {
    "link.run": policy._rule("link.run", "linkage", {"analyst": policy.ANY}),
    "link.review": policy._rule("link.review", "linkage", {"analyst": policy.ANY}),
    "link.read": policy._rule("link.read", "linkage", {"analyst": policy.ANY}),
}


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    from commonground.demo import run_demo

    with pytest.MonkeyPatch.context() as patch:
        for action, rule in RULES.items():
            patch.setitem(policy.RULES, action, rule)
        base = tmp_path_factory.mktemp("link")
        run_demo(base / "hub", people=1500, seed=11)
        yield base


def cli(hub: Path, *args: str) -> dict:
    done = CliRunner().invoke(link_app, [*args, "--hub", str(hub), "--as", "police-analyst",
                                         "--json"], catch_exceptions=False)
    assert done.exit_code == 0, done.output
    return json.loads(done.stdout)


def entities(hub: Path, kind: str) -> dict[str, str]:
    version = max(int(p.name[1:]) for p in (hub / "entities" / kind).glob("v*"))
    table = pq.read_table(hub / "entities" / kind / f"v{version}")
    return dict(zip(table["unique_id"].to_pylist(), table["entity_id"].to_pylist(),
                    strict=True))


def add_contribution(base: Path) -> None:
    """A second A&E extract: ten earlier attendances again, under new attendance ids."""
    import pyarrow.compute as pc

    extract = pq.read_table(base / "hub-partners" / "partners" / "health" /
                            "ae_attendances.parquet").slice(0, 10)
    renamed = pc.binary_join_element_wise(extract["attendance_id"], "B", "")
    extract = extract.set_column(extract.schema.get_field_index("attendance_id"),
                                 "attendance_id", renamed)
    submit_extract(base, extract, "second")


def submit_extract(base: Path, extract: pa.Table, label: str) -> None:
    """Contribute `extract` as a new version of the A&E dataset, as the health steward."""
    from commonground.contribute.keys import load_key
    from commonground.contribute.package import prepare
    from commonground.contribute.submit import registered_contract, submit
    from commonground.engines import get_engine
    from commonground.governance import actor_for
    from commonground.store import open_hub

    path = base / f"ae_{label}.parquet"
    pq.write_table(extract, path)
    hub = open_hub(base / "hub")
    try:
        contract = registered_contract(hub, "health/ae_attendances")
        with get_engine("duckdb") as engine:
            package = prepare(path, contract, load_key(base / "hub-partners" /
                                                       "partnership.key"),
                              engine, base / f"outbox-{label}")
            submit(hub, actor_for(hub, "health-steward"), "health/ae_attendances", package,
                   engine)
    finally:
        hub.close()


def test_run_review_rerun_export_and_evaluate(county: Path, tmp_path: Path) -> None:
    hub = county / "hub"
    first = cli(hub, "run")
    assert first["person"]["mentions"] > 500 and first["address"]["entities"] > 100
    before = entities(hub, "person")

    # Stable ids: a new contribution; every old entity still together keeps its id.
    add_contribution(county)
    second = cli(hub, "run")
    assert second["person"]["trained"] is False  # the recorded model is reused
    after = entities(hub, "person")
    assert len(after) == len(before) + 10
    members: dict[str, set[str]] = defaultdict(set)
    for mention, entity in before.items():
        members[entity].add(mention)
    now_of = defaultdict(set)
    for mention, entity in after.items():
        now_of[entity].add(mention)
    for entity, old in members.items():
        new_ids = {after[m] for m in old}
        if len(new_ids) == 1:
            (new,) = new_ids
            if {m for m in now_of[new] if m in before} == old:
                assert new == entity

    # Review: a 'same' decision binds the next run.
    queue = cli(hub, "review", "--kind", "person")["pending"]
    if queue:
        item = queue[0]
        assert {"column", "level", "weight"} <= set(item["explanation"][1])
        cli(hub, "review", "--decide", str(item["id"]), "--decision", "same")
        cli(hub, "run", "--kind", "person")
        third = entities(hub, "person")
        assert third[item["left"]] == third[item["right"]]

    out = tmp_path / "entities.parquet"
    exported = cli(hub, "export", str(out))
    table = pq.read_table(out)
    assert exported["rows"] == table.num_rows
    assert set(table.column_names) == {"kind", "dataset", "record_id", "subject", "entity_id"}

    quality = cli(hub, "evaluate", "--truth", str(county / "hub-partners" / "truth"))
    assert quality["person"]["pairwise_f1"] > 0.7
    assert quality["address"]["pairwise_f1"] > 0.4
