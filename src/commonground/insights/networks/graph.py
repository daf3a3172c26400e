"""The network of linked people, addresses, vehicles and businesses (the POLE model's P, O, L).

Nodes are the entity index's people (`P0000012`) and addresses (`A0000031`), vehicles (the
police intelligence log's VRM token: pseudonymised, equal when the plate is) and businesses
(trading standards' business name, normalised; a case without one is tied to its premises
address alone). Edges come from partners' records that name two of them at once: the person
and the address they are recorded at (council tax liable person and property, HMO licence
holder and both the licensed property and the holder's own address, trading standards trader
and premises, intelligence subject and address, A&E patient and address, adult social care
person and address, a crime's victim or suspect and their own address), the vehicle and the
subject and address of the same intelligence log, the business and its premises and trader.
Each edge keeps the datasets and partners it came from, so an analyst can see why two things
are tied. Event locations (where a crime happened, where a caller rang from, the address a
complaint is about) are left out: the person named there need not have any tie to the place.

No partner holds a telephone number (none is in any contract), so the graph has no phones;
they are the usual next object to add when a partner shares them.

Pure functions over Arrow tables: nothing here reads a hub, so it is testable on small tables.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import networkx as nx
import pyarrow as pa
import pyarrow.compute as pc

PERSON, ADDRESS, VEHICLE, BUSINESS = "person", "address", "vehicle", "business"
KINDS = (PERSON, ADDRESS, VEHICLE, BUSINESS)
EDGE_COLUMNS = ("a", "b", "dataset")


@dataclass(frozen=True)
class NetworkSources:
    """Which records make which edges.

    `parties`: dataset ref -> (person subject, address column) pairs naming one party and
    where they are (the entity index's `subject` values: "" for a record's only person).
    `vehicles`: dataset ref -> the vehicle token column; the vehicle is tied to that record's
    parties. `businesses`: dataset ref -> (business name column, premises address column).
    """

    parties: Mapping[str, tuple[tuple[str, str], ...]]
    vehicles: Mapping[str, str] = field(default_factory=dict)
    businesses: Mapping[str, tuple[str, str]] = field(default_factory=dict)

    def datasets(self) -> list[str]:
        return sorted({*self.parties, *self.vehicles, *self.businesses})


# The partners' datasets as their contracts name them.
COUNTY_SOURCES = NetworkSources(
    parties={
        "district_council/council_tax": (("", "Property Address"),),
        "district_council/hmo_licences": (("holder", "Property Address"),
                                          ("holder", "Holder Address")),
        "county_council/trading_standards": (("", "Premises Address"),),
        "police/intelligence": (("", "ADDRESS"),),
        "health/ae_attendances": (("", "address"),),
        "county_council/adult_social_care": (("", "Address"),),
        "police/crimes": (("victim", "VICTIM_ADDRESS"), ("suspect", "SUSPECT_ADDRESS")),
    },
    vehicles={"police/intelligence": "VEHICLE_VRM__token"},
    businesses={"county_council/trading_standards": ("Business Name", "Premises Address")},
)


def node(kind: str, key: str) -> str:
    """A node's name in the graph: its kind and its id ("person:P0000012")."""
    return f"{kind}:{key}"


def kind_of(name: str) -> str:
    return name.split(":", 1)[0]


def key_of(name: str) -> str:
    return name.split(":", 1)[1]


_NOT_WORD = re.compile(r"[^a-z0-9]+")
_SUFFIXES = {"ltd", "limited", "plc", "llp", "co", "the"}


def business_key(name: str | None) -> str | None:
    """A business name as the same business is written two ways ("A&B Nails Ltd." and
    "a b nails limited" agree); None when nothing is left."""
    if not name:
        return None
    words = [w for w in _NOT_WORD.split(name.lower()) if w and w not in _SUFFIXES]
    return " ".join(words) or None


def _mentions(index: pa.Table, ref: str, subject: str) -> pa.Table:
    """(record_id, entity_id) of one dataset's mentions with one subject."""
    mine = index.filter(pc.and_(pc.equal(index["source_dataset"], ref),
                                pc.equal(index["subject"], subject)))
    return pa.table({"record_id": pc.cast(mine["record_id"], pa.string()),
                     "entity_id": mine["entity_id"]})


def _edges(left: pa.Table, right: pa.Table, left_kind: str, right_kind: str, ref: str,
           ) -> pa.Table:
    """Edges between the entities of `left` and `right` that share a record."""
    joined = left.join(right, "record_id", right_suffix="_r", join_type="inner")
    a = pc.binary_join_element_wise(left_kind, joined["entity_id"], ":")
    b = pc.binary_join_element_wise(right_kind, joined["entity_id_r"], ":")
    return pa.table({"a": pc.cast(a, pa.string()), "b": pc.cast(b, pa.string()),
                     "dataset": pa.array([ref] * joined.num_rows, pa.string())})


def _empty() -> pa.Table:
    return pa.table({c: pa.array([], pa.string()) for c in EDGE_COLUMNS})


def party_edges(people: pa.Table, addresses: pa.Table, ref: str,
                pairs: Iterable[tuple[str, str]]) -> pa.Table:
    """(a, b, dataset): person–address edges of one dataset, from the two entity indexes
    (columns source_dataset, record_id, subject, entity_id)."""
    parts = [_edges(_mentions(people, ref, who), _mentions(addresses, ref, where),
                    PERSON, ADDRESS, ref) for who, where in pairs]
    return pa.concat_tables([_empty(), *parts])


def object_edges(records: pa.Table, kind: str, ref: str, people: pa.Table,
                 addresses: pa.Table, pairs: Iterable[tuple[str, str]]) -> pa.Table:
    """(a, b, dataset): edges from an object (`records`: record_id, key) to the parties and
    addresses named on the same record."""
    objects = pa.table({"record_id": pc.cast(records["record_id"], pa.string()),
                        "entity_id": records["key"]}).drop_null()
    objects = objects.filter(pc.not_equal(objects["entity_id"], ""))
    parts = []
    for who, where in pairs:
        parts.append(_edges(objects, _mentions(people, ref, who), kind, PERSON, ref))
        parts.append(_edges(objects, _mentions(addresses, ref, where), kind, ADDRESS, ref))
    return pa.concat_tables([_empty(), *parts]).group_by(list(EDGE_COLUMNS)).aggregate([])


def build_graph(edges: pa.Table) -> nx.Graph:
    """An undirected graph of (a, b, dataset) edges; each node has its `kind`, each edge the
    sorted `datasets` and `partners` (organisations) it was seen in."""
    graph = nx.Graph()
    for a, b, ref in zip(edges["a"].to_pylist(), edges["b"].to_pylist(),
                         edges["dataset"].to_pylist(), strict=True):
        if a == b:
            continue
        if graph.has_edge(a, b):
            graph.edges[a, b]["datasets"].add(ref)
        else:
            graph.add_node(a, kind=kind_of(a))
            graph.add_node(b, kind=kind_of(b))
            graph.add_edge(a, b, datasets={ref})
    for _, _, data in graph.edges(data=True):
        data["datasets"] = sorted(data["datasets"])
        data["partners"] = sorted({ref.split("/", 1)[0] for ref in data["datasets"]})
    return graph


def address_degree(graph: nx.Graph, name: str) -> int:
    """How many addresses a node is tied to directly."""
    return sum(1 for other in graph.neighbors(name) if kind_of(other) == ADDRESS)


def clusters(graph: nx.Graph, addresses: Iterable[str] | None = None, *,
             max_degree: int) -> tuple[list[set[str]], set[str]]:
    """Groups of two or more of `addresses` (address entity ids; None: all) tied together
    through people, vehicles and businesses, and the connectors left out as hubs.

    Only the given addresses and the connectors take part: a path through some other address
    (a neighbour's home) is too weak a tie. A connector tied to more than `max_degree`
    addresses is a hub (a person at many addresses through stale records, a vehicle logged
    everywhere) and would merge unrelated places, so it does not connect anything.
    """
    wanted = ({node(ADDRESS, a) for a in addresses} if addresses is not None else
              {n for n in graph if kind_of(n) == ADDRESS})
    wanted &= set(graph)
    hubs = {n for n in graph if kind_of(n) != ADDRESS and address_degree(graph, n) > max_degree}
    kept = graph.subgraph(n for n in graph
                          if (n in wanted) or (kind_of(n) != ADDRESS and n not in hubs))
    found = []
    for component in nx.connected_components(kept):
        places = {n for n in component if n in wanted}
        if len(places) >= 2:
            found.append(set(component))
    found.sort(key=lambda c: (-sum(1 for n in c if kind_of(n) == ADDRESS), min(c)))
    return found, hubs
