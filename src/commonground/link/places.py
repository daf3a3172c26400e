"""Where linked addresses are: British National Grid locations for address entities.

Most partners hold an address but no coordinates; the police hold coordinates for the places
their crimes and calls happened. Once linkage has made the same address one entity across
agencies, a fire safety visit or a council complaint can be placed on the map through the
police's coordinates for that entity — without the hub holding any address. Every dataset
read here is checked against the reader's role, the agreements and the purpose, and audited.
"""

from __future__ import annotations

from collections.abc import Mapping

import pyarrow as pa
import pyarrow.compute as pc

from commonground.errors import CommonGroundError
from commonground.governance import Actor
from commonground.link.index import read_index
from commonground.link.lake import read_live
from commonground.store.hub import Hub


def _address_index(hub: Hub) -> pa.Table:
    index = read_index(hub.root, "address")
    if index is None:
        raise CommonGroundError("no address entities yet: run `commonground link run` first")
    return index


def entity_locations(hub: Hub, actor: Actor, sources: Mapping[str, tuple[str, str, str]],
                     purpose: str) -> pa.Table:
    """(entity_id, easting, northing, records) from datasets that carry coordinates.

    `sources` maps a dataset to (address column, easting column, northing column); an entity
    seen at several places takes the median (a typo'd easting does not move it far).
    """
    # Every read is checked (and audited) before anything, the entity index included, is read.
    tables = {ref: read_live(hub, actor, ref, purpose, [x, y])
              for ref, (_, x, y) in sources.items()}
    index = _address_index(hub)
    parts = []
    for ref, (address_column, x_column, y_column) in sources.items():
        table, record_id = tables[ref]
        mine = index.filter(pc.and_(pc.equal(index["source_dataset"], ref),
                                    pc.equal(index["subject"], address_column)))
        ids = pa.table({"record_id": pc.cast(mine["record_id"], pa.string()),
                        "entity_id": mine["entity_id"]})
        located = pa.table({"record_id": pc.cast(table[record_id], pa.string()),
                            "easting": pc.cast(table[x_column], pa.float64()),
                            "northing": pc.cast(table[y_column], pa.float64())})
        parts.append(located.join(ids, "record_id").drop_null())
    joined = pa.concat_tables(parts)
    grouped = joined.group_by("entity_id").aggregate([
        ("easting", "approximate_median"), ("northing", "approximate_median"),
        ("record_id", "count")])
    return pa.table({"entity_id": grouped["entity_id"],
                     "easting": grouped["easting_approximate_median"],
                     "northing": grouped["northing_approximate_median"],
                     "records": grouped["record_id_count"]})


def placed_records(hub: Hub, actor: Actor, ref: str, address_column: str, time_column: str,
                   locations: pa.Table, purpose: str) -> tuple[pa.Table, int]:
    """(time, easting, northing) for the records of `ref` whose address entity is placed,
    and how many records could not be placed (reported, never silently dropped)."""
    table, record_id = read_live(hub, actor, ref, purpose, [time_column])
    index = _address_index(hub)
    mine = index.filter(pc.and_(pc.equal(index["source_dataset"], ref),
                                pc.equal(index["subject"], address_column)))
    ids = pa.table({"record_id": pc.cast(mine["record_id"], pa.string()),
                    "entity_id": mine["entity_id"]})
    records = pa.table({"record_id": pc.cast(table[record_id], pa.string()),
                        "time": table[time_column]})
    placed = records.join(ids, "record_id").join(locations, "entity_id").drop_null()
    return (placed.select(["time", "easting", "northing"]),
            records.num_rows - placed.num_rows)
