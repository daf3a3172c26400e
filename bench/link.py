"""Linkage benchmark: quality on tokens vs raw identifiers, and speed at scale.

    .venv/bin/python bench/link.py                    # FEBRL4 + a 20,000-person county
    .venv/bin/python bench/link.py --people 500000 --engine spark

Prints, side by side, the same Splink model run on keyed tokens and on the normalised
plaintext (the "raw identifiers" baseline), then time and comparisons per second.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from commonground.contribute.keys import PartnershipKey
from commonground.contribute.package import reconcile_columns
from commonground.contribute.pseudonymise import Tokeniser, pseudonymise
from commonground.contribute.readers import read_extract
from commonground.contribute.validate import PROBLEMS, validation_pipeline
from commonground.demo_partnership import contracts
from commonground.engines import Engine, get_engine
from commonground.link import ADDRESS, PERSON, link_files, resolve, score
from commonground.link.evaluate import county_truth, febrl_truth
from commonground.link.mentions import DatasetInput, mentions_pipeline
from commonground.link.standalone import PlainTokeniser

FEBRL = Path(__file__).resolve().parents[2] / "shared" / "data" / "linkage" / "febrl4"


def febrl(engine: Engine) -> None:
    for pseudonymised in (True, False):
        clock = time.perf_counter()
        linked = link_files([FEBRL / "dataset4a.csv", FEBRL / "dataset4b.csv"], "rec_id", engine,
                            pseudonymised=pseudonymised)
        clusters = linked.resolution.clusters
        figures = score(clusters.rename_columns(["unique_id", "entity"]), febrl_truth(clusters))
        print(f"FEBRL4 {'tokens' if pseudonymised else 'raw   '}: F1 {figures['pairwise_f1']:.4f} "
              f"P {figures['pairwise_precision']:.4f} R {figures['pairwise_recall']:.4f} "
              f"({time.perf_counter() - clock:.1f} s)")


def county_mentions(extracts: Path, engine: Engine, tokeniser: Tokeniser | PlainTokeniser
                    ) -> dict[str, pa.Table]:
    """What the hub would hold, tokenised or kept in normalised plaintext."""
    inputs, tables = [], {}
    for i, (ref, contract) in enumerate(contracts().items()):
        org, name = ref.split("/")
        extract = read_extract(next((extracts / org).glob(f"{name}.*")))
        present, _ = reconcile_columns(extract, contract)
        checked = engine.run(validation_pipeline(contract, present, date.today()),
                             {"raw": extract.table})
        accepted = checked.filter(pc.equal(checked[PROBLEMS], "")).drop_columns([PROBLEMS])
        tokens = pseudonymise(accepted, contract, tokeniser)  # type: ignore[arg-type]
        inputs.append(DatasetInput(ref, contract, f"d{i}", frozenset(tokens.column_names)))
        tables[f"d{i}"] = tokens
    return {kind: engine.run(mentions_pipeline(kind, inputs), tables)
            for kind in ("person", "address")}


def county(people: int, engine: Engine, seed: int) -> None:
    from commonground.simulate import CountyConfig, simulate_county

    with tempfile.TemporaryDirectory() as tmp:
        clock = time.perf_counter()
        simulate_county(CountyConfig(people=people, seed=seed), Path(tmp), lambda *_: None)
        print(f"county of {people:,} people simulated in {time.perf_counter() - clock:.1f} s")
        key = PartnershipKey(b"bench-key-bench-key-bench-key-00")
        address_columns = {ref: next(c.name for c in ct.identifiers
                                     if c.identifier == "address" and not c.subject)
                           for ref, ct in contracts().items()
                           if any(c.identifier == "address" and not c.subject
                                  for c in ct.identifiers)}
        for label, tokeniser in (("tokens", Tokeniser(key)), ("raw   ", PlainTokeniser())):
            mentions = county_mentions(Path(tmp) / "partners", engine, tokeniser)
            for kind, spec in (("person", PERSON), ("address", ADDRESS)):
                clock = time.perf_counter()
                result = resolve(mentions[kind], spec, engine, seed=seed)
                seconds = time.perf_counter() - clock
                predicted = result.clusters.rename_columns(["unique_id", "entity"])
                figures = score(predicted, county_truth(Path(tmp) / "truth", kind,
                                                        address_columns))
                pairs = result.figures["pairs_scored"]
                print(f"county {kind:<7} {label}: F1 {figures['pairwise_f1']:.4f} "
                      f"P {figures['pairwise_precision']:.4f} "
                      f"R {figures['pairwise_recall']:.4f}  {mentions[kind].num_rows:,} mentions "
                      f"in {seconds:.1f} s (predict {result.figures['predict_seconds']} s, "
                      f"{pairs / max(result.figures['predict_seconds'], 1e-3):,.0f} pairs/s kept)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--engine", default="duckdb")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip-febrl", action="store_true")
    args = parser.parse_args()
    engine = get_engine(args.engine)
    if not args.skip_febrl and FEBRL.exists():
        febrl(engine)
    county(args.people, engine, args.seed)


if __name__ == "__main__":
    main()
