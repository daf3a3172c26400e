"""How well the network ties together the places one controller runs (synthetic county only).

The county's truth knows each exploitation site's work and living address and its
controller. A pair of sites sharing a controller should end up in one cluster (recall); a pair
of sites with different controllers in one cluster is a false tie. Address entities are given
their true address by majority over their mentions (`record_truth`), so a linkage error shows
as a network error, as it would for an analyst.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from itertools import combinations
from pathlib import Path
from typing import Any

import networkx as nx
import pyarrow as pa
import pyarrow.parquet as pq

from commonground.insights.networks.graph import ADDRESS, clusters, key_of, kind_of
from commonground.insights.networks.report import MAX_DEGREE
from commonground.link.evaluate import true_addresses

# The address column each county dataset's `record_truth.address_id` is about (the record's
# own address, never the holder's, victim's or suspect's).
COUNTY_ADDRESS_COLUMNS: dict[str, str] = {
    "district_council/council_tax": "Property Address",
    "district_council/hmo_licences": "Property Address",
    "district_council/housing_complaints": "Address",
    "county_council/trading_standards": "Premises Address",
    "county_council/adult_social_care": "Address",
    "police/intelligence": "ADDRESS",
    "police/crimes": "LOCATION",
    "police/calls": "LOCATION",
    "health/ae_attendances": "address",
    "fire/safety_visits": "address",
}


def _clusters_of(found: dict[str, Any] | nx.Graph, max_degree: int) -> list[set[str]]:
    """Address entity ids of each cluster, from a network report or a graph."""
    if isinstance(found, nx.Graph):
        groups, _ = clusters(found, None, max_degree=max_degree)
        return [{key_of(n) for n in group if kind_of(n) == ADDRESS} for group in groups]
    return [set(cluster["addresses"]) for cluster in found["clusters"]]


def _site_pairs(sites: pa.Table) -> Iterable[tuple[int, int, bool]]:
    """(site, site, same controller) for every pair of sites."""
    rows = sorted(zip(sites["site_id"].to_pylist(), sites["controller_person_id"].to_pylist(),
                      strict=True))
    for (one, boss_one), (two, boss_two) in combinations(rows, 2):
        yield one, two, boss_one is not None and boss_one >= 0 and boss_one == boss_two


def score_network(found: dict[str, Any] | nx.Graph, truth_dir: Path, index: pa.Table, *,
                  max_degree: int = MAX_DEGREE,
                  address_columns: Mapping[str, str] = COUNTY_ADDRESS_COLUMNS
                  ) -> dict[str, Any]:
    """Site pairs sharing a controller that the network ties (one cluster, or one address),
    the recall (None when the county has no such pair), and the ties between sites of
    different controllers. `found`: a network report, or a graph (then clustered over all
    addresses with `max_degree`); `index`: the address entity index the network was built on.
    """
    truth_dir = Path(truth_dir)
    sites = pq.read_table(truth_dir / "exploitation_sites.parquet")
    truth = true_addresses(index, pq.read_table(truth_dir / "record_truth.parquet"),
                           address_columns)
    cluster_of: dict[str, int] = {}
    for number, group in enumerate(_clusters_of(found, max_degree)):
        cluster_of.update(dict.fromkeys(group, number))
    entities: dict[int, set[str]] = defaultdict(set)
    for entity, address in truth.items():
        entities[address].add(entity)
    places: dict[int, set[tuple[str, object]]] = {}
    for site, work, home in zip(sites["site_id"].to_pylist(), sites["address_id"].to_pylist(),
                                sites["living_address_id"].to_pylist(), strict=True):
        ids = entities[work] | entities[home]
        # A place is its cluster, or its own entity when no cluster holds it.
        places[site] = {("cluster", cluster_of[e]) if e in cluster_of else ("entity", e)
                        for e in ids}
    shared = tied_shared = others = tied_others = 0
    for one, two, same in _site_pairs(sites):
        tied = bool(places[one] & places[two])
        if same:
            shared, tied_shared = shared + 1, tied_shared + tied
        else:
            others, tied_others = others + 1, tied_others + tied
    return {
        "sites": sites.num_rows,
        "sites_found": sum(1 for p in places.values() if p),
        "sites_in_clusters": sum(1 for p in places.values() if any(k == "cluster"
                                                                   for k, _ in p)),
        "shared_controller_pairs": shared, "shared_controller_pairs_tied": tied_shared,
        "recall": round(tied_shared / shared, 4) if shared else None,
        "other_pairs": others, "other_pairs_tied": tied_others,
    }
