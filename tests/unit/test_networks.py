"""The network of people, addresses, vehicles and businesses, on hand-made tables."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pyarrow as pa
import pyarrow.parquet as pq

from commonground.insights.networks import (
    COUNTY_SOURCES,
    build_graph,
    business_key,
    clusters,
    network_edges,
    score_network,
)
from commonground.insights.networks.graph import key_of, kind_of

TAX = "district_council/council_tax"
INTEL = "police/intelligence"
TRADING = "county_council/trading_standards"


def index(rows: list[tuple[str, str, str, str]]) -> pa.Table:
    """An entity index from (dataset, record id, subject, entity id) rows."""
    names = ["source_dataset", "record_id", "subject", "entity_id"]
    table = pa.table({n: pa.array([r[i] for r in rows], pa.string())
                      for i, n in enumerate(names)})
    return table.append_column("unique_id", pa.array(
        ["|".join(r[:3]) for r in rows], pa.string()))


def tables(**records: list[tuple[str, str | None]]) -> dict[str, tuple[pa.Table, str]]:
    """The live records of each dataset: (record id, value of its one extra column)."""
    columns = {TAX: None, INTEL: "VEHICLE_VRM__token", TRADING: "Business Name"}
    refs = {"tax": TAX, "intel": INTEL, "trading": TRADING}
    out = {}
    for short, rows in records.items():
        ref, extra = refs[short], columns[refs[short]]
        data: dict[str, list[str | None]] = {"id": [r for r, _ in rows]}
        if extra:
            data[extra] = [v for _, v in rows]
        out[ref] = (pa.table(data), "id")
    return out


def addresses_of(groups: list[set[str]]) -> list[set[str]]:
    return [{key_of(n) for n in g if kind_of(n) == "address"} for g in groups]


def graph_of(people: list[tuple[str, str, str, str]], places: list[tuple[str, str, str, str]],
             **records: list[tuple[str, str | None]]) -> nx.Graph:
    return build_graph(network_edges(tables(**records), index(people), index(places),
                                     COUNTY_SOURCES))


def test_a_controller_liable_at_two_site_addresses_ties_them_into_one_cluster() -> None:
    people = [(TAX, "c1", "", "P1"), (TAX, "c2", "", "P1"), (TAX, "c3", "", "P2")]
    places = [(TAX, "c1", "Property Address", "A1"), (TAX, "c2", "Property Address", "A2"),
              (TAX, "c3", "Property Address", "A3")]
    graph = graph_of(people, places, tax=[("c1", None), ("c2", None), ("c3", None)])
    found, hubs = clusters(graph, ["A1", "A2", "A3"], max_degree=8)
    assert addresses_of(found) == [{"A1", "A2"}]
    assert "person:P1" in found[0] and hubs == set()
    assert graph.edges["person:P1", "address:A1"]["datasets"] == [TAX]
    assert graph.edges["person:P1", "address:A1"]["partners"] == ["district_council"]


def test_only_the_given_addresses_count_and_other_addresses_do_not_relay() -> None:
    # A1 -P1- A2 -P2- A3: with A2 not of concern, A1 and A3 are not tied through it.
    people = [(TAX, f"c{i}", "", p) for i, p in enumerate(["P1", "P1", "P2", "P2"])]
    places = [(TAX, f"c{i}", "Property Address", a)
              for i, a in enumerate(["A1", "A2", "A2", "A3"])]
    graph = graph_of(people, places, tax=[(f"c{i}", None) for i in range(4)])
    assert clusters(graph, ["A1", "A3"], max_degree=8)[0] == []
    assert addresses_of(clusters(graph, None, max_degree=8)[0]) == [{"A1", "A2", "A3"}]


def test_a_vehicle_logged_at_two_places_and_with_the_controller_ties_them() -> None:
    # i1: the van at the house; i2: the van with the controller; i3: the controller at work.
    people = [(INTEL, "i2", "", "P7"), (INTEL, "i3", "", "P7")]
    places = [(INTEL, "i1", "ADDRESS", "A1"), (INTEL, "i3", "ADDRESS", "A2"),
              (INTEL, "i4", "ADDRESS", "A3")]
    graph = graph_of(people, places, intel=[("i1", "tokV"), ("i2", "tokV"), ("i3", None),
                                            ("i4", "")])
    found, _ = clusters(graph, ["A1", "A2", "A3"], max_degree=8)
    assert addresses_of(found) == [{"A1", "A2"}]
    assert {"vehicle:tokV", "person:P7"} <= found[0]


def test_a_business_written_two_ways_ties_its_two_premises() -> None:
    places = [(TRADING, "t1", "Premises Address", "A1"),
              (TRADING, "t2", "Premises Address", "A2")]
    graph = graph_of([], places, trading=[("t1", "Glamour Nails Ltd."),
                                          ("t2", "glamour  nails limited")])
    assert addresses_of(clusters(graph, None, max_degree=8)[0]) == [{"A1", "A2"}]
    assert business_key("The A&B Nails Ltd") == "a b nails"
    assert business_key(" Ltd ") is None and business_key(None) is None


def test_a_person_at_many_addresses_is_a_hub_and_does_not_merge_everything() -> None:
    # P9 has stale records at ten addresses; P1 genuinely ties A1 and A2.
    people = [(TAX, f"s{i}", "", "P9") for i in range(10)]
    people += [(TAX, "c1", "", "P1"), (TAX, "c2", "", "P1")]
    places = [(TAX, f"s{i}", "Property Address", f"A{i + 1}") for i in range(10)]
    places += [(TAX, "c1", "Property Address", "A1"), (TAX, "c2", "Property Address", "A2")]
    graph = graph_of(people, places, tax=[(r[1], None) for r in people])
    found, hubs = clusters(graph, None, max_degree=8)
    assert hubs == {"person:P9"}
    assert addresses_of(found) == [{"A1", "A2"}]
    merged, _ = clusters(graph, None, max_degree=10)
    assert addresses_of(merged) == [{f"A{i}" for i in range(1, 11)}]


def _truth(folder: Path, controllers: list[int]) -> Path:
    """Sites 1..n at addresses 10i (work) and 10i+1 (living); records r<address> name them."""
    n = len(controllers)
    pq.write_table(pa.table({
        "site_id": list(range(1, n + 1)),
        "address_id": [10 * i for i in range(1, n + 1)],
        "living_address_id": [10 * i + 1 for i in range(1, n + 1)],
        "controller_person_id": controllers}), folder / "exploitation_sites.parquet")
    ids = [a for i in range(1, n + 1) for a in (10 * i, 10 * i + 1)]
    pq.write_table(pa.table({
        "agency": ["district_council"] * len(ids), "dataset": ["council_tax"] * len(ids),
        "record_id": [f"r{a}" for a in ids], "address_id": ids}),
        folder / "record_truth.parquet")
    return folder


def _address_index(n: int) -> pa.Table:
    """One entity per true address: A<address id>."""
    rows = [(TAX, f"r{a}", "Property Address", f"A{a}")
            for i in range(1, n + 1) for a in (10 * i, 10 * i + 1)]
    return index(rows)


def test_scoring_counts_shared_controller_pairs_tied_and_false_ties(tmp_path: Path) -> None:
    truth = _truth(tmp_path, [100, 100, 200])
    report = {"clusters": [{"addresses": ["A10", "A21"]}]}  # site 1's work, site 2's home
    scored = score_network(report, truth, _address_index(3))
    assert scored["shared_controller_pairs"] == 1
    assert scored["shared_controller_pairs_tied"] == 1 and scored["recall"] == 1.0
    assert (scored["other_pairs"], scored["other_pairs_tied"]) == (2, 0)
    assert scored["sites_in_clusters"] == 2
    wrong = {"clusters": [{"addresses": ["A11", "A30"]}]}  # site 1 with site 3's controller
    scored = score_network(wrong, truth, _address_index(3))
    assert scored["recall"] == 0.0 and scored["other_pairs_tied"] == 1


def test_scoring_a_county_without_shared_controllers_gives_no_recall(tmp_path: Path) -> None:
    truth = _truth(tmp_path, [100, 200])
    scored = score_network({"clusters": []}, truth, _address_index(2))
    assert scored["shared_controller_pairs"] == 0 and scored["recall"] is None
    assert scored["sites_found"] == 2 and scored["other_pairs_tied"] == 0


def test_scoring_maps_entities_to_addresses_by_majority(tmp_path: Path) -> None:
    truth = _truth(tmp_path, [100, 100])
    # Entity X has two mentions of address 10 (the same record, twice) and one of 21; it stands
    # for address 10, so clustering X with A20 ties site 1 (address 10) to site 2 (address 20),
    # and site 2's living address 21 has no entity of its own.
    rows = [(TAX, "r10", "Property Address", "X"), (TAX, "r10", "Property Address", "X"),
            (TAX, "r21", "Property Address", "X"), (TAX, "r20", "Property Address", "A20")]
    scored = score_network({"clusters": [{"addresses": ["X", "A20"]}]}, truth, index(rows))
    assert scored["recall"] == 1.0
