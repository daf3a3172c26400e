"""Addresses to UPRNs: resolution at source against the truth, and the hub's address linkage
with and without it, on the synthetic county.

    .venv/bin/python bench/address.py                  # a 50,000-person county
    .venv/bin/python bench/address.py --people 5000 --skip-people

Prints, for the county's record addresses as partners wrote them: how many the gazetteer
resolves (the match rate, of all and of those whose address the gazetteer holds) and how
many of those are the right UPRN (precision), by stage; then the hub's address linkage
(pairwise F1 on tokens) with no partner resolving, the councils only, the public bodies
(which hold AddressBase under the Public Sector Geospatial Agreement: police, councils, fire,
health), and every partner (the charity too); and the people's linkage beside it, which the
UPRNs must leave as it was.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from commonground.address import match_addresses, normalise, read_gazetteer
from commonground.contribute.contract import load_contracts
from commonground.contribute.keys import PartnershipKey
from commonground.contribute.pseudonymise import Tokeniser
from commonground.engines import Engine, get_engine
from commonground.link import ADDRESS, PERSON, ModelSpec, resolve, score
from commonground.link.county import address_columns, county_mentions
from commonground.link.evaluate import county_truth, resolution_truth
from commonground.simulate import contracts_folder

CONTRACTS = load_contracts(contracts_folder())
KEY = PartnershipKey(b"bench-key-bench-key-bench-key-00")
COUNCILS = ("district_council", "county_council")
# The public bodies hold AddressBase under the Public Sector Geospatial Agreement; the
# victim-support charity does not (the demo resolves these).
PUBLIC_BODIES = ("police", "district_council", "county_council", "fire", "health")


def resolution(county: Path, engine: Engine) -> None:
    """The matcher against the truth, on every record address the linkage truth knows."""
    addresses, truth = resolution_truth(county / "partners", county / "truth", CONTRACTS)
    gazetteer = read_gazetteer(county / "partners/district_council/gazetteer.csv")
    published = pq.read_table(county / "truth/gazetteer.parquet")
    held = {str(u) for u in published.filter(published["published"])["uprn"].to_pylist()}
    clock = time.perf_counter()
    found = match_addresses(addresses["id"], addresses["address"], addresses["postcode"],
                            gazetteer, engine).matches
    seconds = time.perf_counter() - clock
    joined = found.join(truth, "id")
    in_gazetteer = sum(u in held for u in truth["true_uprn"].to_pylist())
    with_line = pc.sum(pc.is_valid(normalise.line(addresses["address"]))).as_py()
    print(f"UPRN resolution at source: {addresses.num_rows:,} record addresses "
          f"({with_line:,} with a line; {in_gazetteer:,} of places the gazetteer holds), "
          f"gazetteer of {len(gazetteer):,} records, {seconds:.1f} s")
    resolved = joined.filter(pc.is_valid(joined["uprn"]))
    right = pc.sum(pc.equal(resolved["uprn"], resolved["true_uprn"])).as_py()
    print(f"  match rate {resolved.num_rows / addresses.num_rows:.3f} "
          f"({resolved.num_rows / in_gazetteer:.3f} of addresses the gazetteer holds), "
          f"precision {right / resolved.num_rows:.4f} ({resolved.num_rows - right} wrong)")
    for stage in ("exact", "splink"):
        part = resolved.filter(pc.equal(resolved["stage"], stage))
        ok = pc.sum(pc.equal(part["uprn"], part["true_uprn"])).as_py() or 0
        print(f"  {stage:<6} {part.num_rows:>7,} resolved, precision "
              f"{ok / max(part.num_rows, 1):.4f}")


def linkage(county: Path, engine: Engine, people: bool) -> None:
    """The hub's address linkage with UPRNs from no partner, the councils, and every partner;
    and the people's, which reads no UPRN: its mentions are checked to be the same."""
    gazetteer = read_gazetteer(county / "partners/district_council/gazetteer.csv")
    truth = {kind: county_truth(county / "truth", kind, address_columns(CONTRACTS))
             for kind in ("person", "address")}
    persons = []
    for label, chosen, resolving in (("no gazetteer", None, None),
                                     ("councils resolve", gazetteer, COUNCILS),
                                     ("public bodies resolve", gazetteer, PUBLIC_BODIES),
                                     ("every partner resolves", gazetteer, None)):
        clock = time.perf_counter()
        mentions = county_mentions(county / "partners", CONTRACTS, engine, Tokeniser(KEY),
                                   gazetteer=chosen, resolving=resolving)
        prepared = time.perf_counter() - clock
        persons.append(mentions["person"])
        print(f"addresses, {label:<24} {_linked(mentions['address'], ADDRESS, engine, truth)}"
              f"\n  {pc.sum(pc.is_valid(mentions['address']['uprn'])).as_py():,} of "
              f"{mentions['address'].num_rows:,} address mentions with a UPRN; mentions made "
              f"in {prepared:.0f} s")
    same = all(p.equals(persons[0]) for p in persons[1:])
    print(f"person mentions the same with and without UPRNs: {same}")
    if people:
        print(f"people (every partner resolves)    {_linked(persons[-1], PERSON, engine, truth)}")


def _linked(mentions: pa.Table, spec: ModelSpec, engine: Engine,
            truth: dict[str, pa.Table]) -> str:
    clock = time.perf_counter()
    result = resolve(mentions, spec, engine, seed=1)
    f = score(result.clusters.rename_columns(["unique_id", "entity"]), truth[spec.kind])
    return (f"F1 {f['pairwise_f1']:.4f} (P {f['pairwise_precision']:.3f} "
            f"R {f['pairwise_recall']:.3f}) {time.perf_counter() - clock:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--engine", default="duckdb")
    parser.add_argument("--skip-people", action="store_true",
                        help="do not link the people (whose mentions hold no UPRN)")
    args = parser.parse_args()
    from commonground.simulate import CountyConfig, simulate_county

    with tempfile.TemporaryDirectory() as tmp, get_engine(args.engine) as engine:
        county = Path(tmp)
        clock = time.perf_counter()
        simulate_county(CountyConfig(people=args.people, seed=args.seed), county,
                        lambda *_: None)
        print(f"county of {args.people:,} people simulated in "
              f"{time.perf_counter() - clock:.1f} s")
        resolution(county, engine)
        linkage(county, engine, not args.skip_people)


if __name__ == "__main__":
    main()
