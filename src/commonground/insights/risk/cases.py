"""Known cases: the addresses where a first responder found a potential victim.

A partnership trains on the referrals it has, never on the truth. Referral datasets name the
address where each potential victim was found; linkage makes that address an entity, the same
entity the indicators describe. An address is a known case if any referral before the cut-off
names it. Referrals are labels only: no indicator reads them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import pyarrow as pa
import pyarrow.compute as pc


@dataclass(frozen=True)
class ReferralSource:
    ref: str
    record_id: str
    date: str
    address: str  # the address-index subject: where the potential victim was found


REFERRALS: dict[str, ReferralSource] = {s.ref: s for s in (
    ReferralSource("police/nrm_referrals", "NRM_REF", "REFERRAL_DATE", "LOCATION_FOUND"),
    ReferralSource("county_council/nrm_referrals", "Case Ref", "Referral Date",
                   "Address Found"),
    ReferralSource("ngo/referrals", "referral_id", "referred_on", "address_found"),
)}


def known_cases(address_index: pa.Table, tables: Mapping[str, pa.Table], cutoff: date
                ) -> pa.Table:
    """(address_id, first_referred, referrals) for addresses referred before `cutoff`."""
    parts = []
    for ref, source in REFERRALS.items():
        if ref not in tables:
            continue
        table = tables[ref]
        day = pc.cast(table[source.date], pa.date32())
        rows = pa.table({"record_id": pc.cast(table[source.record_id], pa.string()),
                         "day": day}).filter(pc.less(day, pa.scalar(cutoff, pa.date32())))
        mine = address_index.filter(pc.and_(pc.equal(address_index["source_dataset"], ref),
                                            pc.equal(address_index["subject"],
                                                     source.address)))
        parts.append(rows.join(mine.select(["record_id", "entity_id"]), "record_id",
                               join_type="inner").select(["entity_id", "day"]))
    if not parts:
        return pa.table({"address_id": pa.array([], pa.string()),
                         "first_referred": pa.array([], pa.date32()),
                         "referrals": pa.array([], pa.int64())})
    grouped = pa.concat_tables(parts).group_by("entity_id").aggregate(
        [("day", "min"), ("day", "count")])
    return pa.table({"address_id": grouped["entity_id"],
                     "first_referred": grouped["day_min"],
                     "referrals": grouped["day_count"]}).sort_by("address_id")
