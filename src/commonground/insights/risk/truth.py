"""Judging a risk list against the synthetic county's truth (demo and bench only).

A real partnership has no truth; the simulator does. An address entity is mapped to the true
address most of its mentions are about; it is a target if a site that was active at the
cut-off and that nobody had referred by then lives or works there. Known cases are not
targets: the list is for places nobody has visited yet.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from commonground.link.evaluate import true_addresses


@dataclass
class Targets:
    site: dict[str, int]  # address entity -> site number, for undiscovered active sites
    sites: int  # undiscovered sites active at the cut-off
    district: dict[str, str]  # address entity -> local authority
    community: dict[str, str]  # address entity -> main community group of its residents
    controller_pairs: set[tuple[int, int]]  # site pairs that share a controller

    def vectors(self, address_ids: list[str]) -> tuple[np.ndarray, np.ndarray]:
        site = np.array([self.site.get(a, -1) for a in address_ids])
        return site >= 0, site


def targets(truth_dir: Path, address_index: pa.Table, address_columns: dict[str, str],
            cutoff: date) -> Targets:
    truth_dir = Path(truth_dir)
    sites = pq.read_table(truth_dir / "exploitation_sites.parquet").to_pylist()
    mapping = true_addresses(address_index, pq.read_table(truth_dir / "record_truth.parquet"),
                             address_columns)
    live = {r["site_id"]: r for r in sites if r["start"] < cutoff
            and (r["first_referred"] is None or r["first_referred"] >= cutoff)}
    where: dict[int, int] = {}  # true address -> the site's number among the live ones
    for number, r in enumerate(live.values()):
        where[r["address_id"]] = number
        where[r["living_address_id"]] = number
    site = {e: where[a] for e, a in mapping.items() if a in where}
    addresses = pq.read_table(truth_dir / "addresses.parquet", columns=["address_id",
                                                                         "lad_name"])
    lad = dict(zip(addresses["address_id"].to_pylist(), addresses["lad_name"].to_pylist(),
                   strict=True))
    people = pq.read_table(truth_dir / "people.parquet", columns=["address_id", "community"])
    groups: dict[int, Counter[str]] = {}
    for a, c in zip(people["address_id"].to_pylist(), people["community"].to_pylist(),
                    strict=True):
        groups.setdefault(a, Counter())[c] += 1
    community = {e: groups[a].most_common(1)[0][0] if a in groups else "no residents"
                 for e, a in mapping.items()}
    by_controller: dict[int, list[int]] = {}
    for r in sites:
        by_controller.setdefault(r["controller_person_id"], []).append(r["site_id"])
    pairs = {(a, b) for group in by_controller.values() for a in group for b in group
             if a < b}
    return Targets(site, len(live), {e: lad.get(a, "unknown") for e, a in mapping.items()},
                   community, pairs)


def only(table: pa.Table, column: str, values: list[str]) -> pa.Table:
    return table.filter(pc.is_in(table[column], pa.array(values, pa.string())))
