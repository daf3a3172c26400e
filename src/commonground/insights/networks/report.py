"""Which risky addresses are tied together, and by whom: the network report.

An analyst brings addresses of concern (address entity ids: a brothel reported by a
neighbour, an overcrowded house a fire crew visited) and asks which of them are run together.
Every dataset the graph is drawn from is checked against the analyst's role, the agreements
and the purpose before it is read, and audited; the entity index is used only for those
datasets. The report names entities by id (people as `P…`, never by name); logs carry counts.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from typing import Any

import networkx as nx
import pyarrow as pa
import pyarrow.compute as pc

from commonground.errors import CommonGroundError, NotFound
from commonground.governance import Actor
from commonground.insights.networks.graph import (
    ADDRESS,
    BUSINESS,
    COUNTY_SOURCES,
    KINDS,
    PERSON,
    VEHICLE,
    NetworkSources,
    address_degree,
    build_graph,
    business_key,
    clusters,
    key_of,
    kind_of,
    node,
    object_edges,
    party_edges,
)
from commonground.link.index import read_index
from commonground.link.lake import live_datasets, read_live
from commonground.link.schema import EntityKind
from commonground.store.hub import Hub

log = logging.getLogger(__name__)

# A connector tied to more addresses than this is a hub and ties nothing. Most people in the
# county are at one address and nearly all at three or fewer (a move, a stale council tax
# account, a typo that made a second address); a controller running four sites, each with a
# work and a living address, is at eight. Past that it is records gone stale or a linkage
# over-merge (the demo's few people at 14-19 addresses are all crime records), and one such
# node would join unrelated places into one cluster.
MAX_DEGREE = 8
PLURAL = {PERSON: "people", ADDRESS: "addresses", VEHICLE: "vehicles", BUSINESS: "businesses"}


def _read(hub: Hub, actor: Actor, sources: NetworkSources, purpose: str
          ) -> tuple[dict[str, tuple[pa.Table, str]], list[str]]:
    """Each source dataset's live records (checked and audited first); and those absent."""
    present = live_datasets(hub)
    wanted = sources.datasets()
    refs = [ref for ref in wanted if ref in present]
    if not refs:
        raise NotFound("none of the network's datasets is in the hub")
    tables = {}
    for ref in refs:
        columns = [sources.vehicles[ref]] if ref in sources.vehicles else []
        if ref in sources.businesses:
            columns.append(sources.businesses[ref][0])
        tables[ref] = read_live(hub, actor, ref, purpose, columns)
    return tables, [ref for ref in wanted if ref not in present]


def _index(hub: Hub, kind: EntityKind, tables: dict[str, tuple[pa.Table, str]]) -> pa.Table:
    """The entity index's mentions in the datasets read, of records still in the lake."""
    index = read_index(hub.root, kind)
    if index is None:
        raise CommonGroundError("no linked entities yet: run `commonground link run` first")
    parts = []
    for ref, (table, record_id) in tables.items():
        mine = index.filter(pc.equal(index["source_dataset"], ref))
        mine = mine.set_column(mine.schema.get_field_index("record_id"), "record_id",
                               pc.cast(mine["record_id"], pa.string()))
        live = pa.table({"record_id": pc.cast(table[record_id], pa.string())})
        parts.append(mine.join(live, "record_id", join_type="left semi"))
    return pa.concat_tables(parts) if parts else index.slice(0, 0)


def network_edges(tables: dict[str, tuple[pa.Table, str]], people: pa.Table,
                  addresses: pa.Table, sources: NetworkSources) -> pa.Table:
    """Every edge the datasets read give, as (a, b, dataset)."""
    parts = []
    for ref, (table, record_id) in tables.items():
        pairs = sources.parties.get(ref, ())
        parts.append(party_edges(people, addresses, ref, pairs))
        if ref in sources.vehicles:
            records = pa.table({"record_id": table[record_id],
                                "key": table[sources.vehicles[ref]]})
            parts.append(object_edges(records, VEHICLE, ref, people, addresses, pairs))
        if ref in sources.businesses:
            name, premises = sources.businesses[ref]
            keys = pa.array([business_key(v) for v in table[name].to_pylist()], pa.string())
            records = pa.table({"record_id": table[record_id], "key": keys})
            trader = tuple((who, premises) for who, where in pairs if where == premises)
            parts.append(object_edges(records, BUSINESS, ref, people, addresses,
                                      trader or (("", premises),)))
    return pa.concat_tables(parts)


def _cluster(number: int, members: set[str], graph: nx.Graph) -> dict[str, Any]:
    """One cluster: its addresses and the connectors on the ties between them (a connector
    with a single tie inside the cluster is left off), with the datasets behind each tie."""
    sub = graph.subgraph(members)
    ties = [n for n in members if kind_of(n) != ADDRESS and sub.degree(n) >= 2]
    shown = sub.subgraph([n for n in members if kind_of(n) == ADDRESS] + ties)

    edges = sorted((a, b, data["datasets"]) if a < b else (b, a, data["datasets"])
                   for a, b, data in shown.edges(data=True))
    return {"cluster": number,
            **{PLURAL[kind]: sorted(key_of(n) for n in shown if kind_of(n) == kind)
               for kind in KINDS},
            "datasets": sorted({ref for _, _, refs in edges for ref in refs}),
            "ties": [{"a": a, "b": b, "datasets": refs} for a, b, refs in edges]}


def _people(graph: nx.Graph, wanted: set[str], hubs: set[str], cluster_of: dict[str, int]
            ) -> list[dict[str, Any]]:
    """People tied directly to two or more of the given addresses."""
    found = []
    for name in graph:
        if kind_of(name) != PERSON:
            continue
        mine = [n for n in graph.neighbors(name) if n in wanted]
        if len(mine) >= 2:
            found.append({"entity_id": key_of(name), "addresses": len(mine),
                          "all_addresses": address_degree(graph, name), "hub": name in hubs,
                          "cluster": cluster_of.get(name)})
    return sorted(found, key=lambda p: (-p["addresses"], p["entity_id"]))


def network_report(hub: Hub, actor: Actor, *, addresses: Sequence[str] | None = None,
                   purpose: str = "safeguarding", max_degree: int = MAX_DEGREE,
                   sources: NetworkSources = COUNTY_SOURCES) -> dict[str, Any]:
    """Clusters of the given addresses tied together by shared people, vehicles or businesses.

    `addresses` are address entity ids (default: every address entity). Each source dataset
    is checked for `purpose` and audited before it is read. A person, vehicle or business tied
    to more than `max_degree` addresses is a hub and ties nothing (it is counted).
    """
    if max_degree < 1:
        raise CommonGroundError("max_degree must be at least 1")
    tables, absent = _read(hub, actor, sources, purpose)
    people, places = _index(hub, "person", tables), _index(hub, "address", tables)
    graph = build_graph(network_edges(tables, people, places, sources))
    found, hubs = clusters(graph, addresses, max_degree=max_degree)
    wanted = ({node(ADDRESS, a) for a in addresses} if addresses is not None else
              {n for n in graph if kind_of(n) == ADDRESS})
    cluster_of = {n: i for i, members in enumerate(found, 1) for n in members}
    result = [_cluster(i, members, graph) for i, members in enumerate(found, 1)]
    nodes = Counter(kind_of(n) for n in graph)
    report = {
        "purpose": purpose, "max_degree": max_degree, "datasets": sorted(tables),
        "datasets_absent": absent,
        "nodes": {kind: nodes.get(kind, 0) for kind in KINDS},
        "edges": graph.number_of_edges(),
        "hubs": {kind: sum(1 for n in hubs if kind_of(n) == kind) for kind in KINDS},
        "addresses_given": len(wanted) if addresses is None else len(set(addresses)),
        "addresses_in_graph": len(wanted & set(graph)),
        "clusters": result,
        "in_clusters": {PLURAL[kind]: sum(len(c[PLURAL[kind]]) for c in result)
                        for kind in KINDS},
        "people": _people(graph, wanted, hubs, cluster_of),
    }
    log.info("network report: %d datasets, %d nodes, %d edges, %d clusters, %d hubs",
             len(tables), graph.number_of_nodes(), graph.number_of_edges(), len(result),
             len(hubs))
    return report
