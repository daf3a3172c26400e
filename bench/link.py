"""Linkage benchmark: quality on tokens vs raw identifiers, and speed at scale.

    .venv/bin/python bench/link.py                    # FEBRL1, 2, 4 + a 50,000-person county
    .venv/bin/python bench/link.py --skip-febrl --people 5000 --scale 1000000
    COMMONGROUND_SPARK_MEMORY=8g .venv/bin/python bench/link.py --engine spark --skip-febrl \
        --people 2000 --scale 1000000

Prints, side by side, the same Splink model run on keyed tokens and on the normalised
plaintext (the "raw identifiers" baseline), for FEBRL1 and FEBRL2 (one file deduplicated: one
duplicate per person, then several) and FEBRL4 (two files linked), and the synthetic county;
the blocking rules each run chose by counting them; the county's own limit for people (the
recall and F1 no model can pass without guessing between namesakes, from the truth) and what
a learner told the truth reaches on the model's own candidates and comparisons; then time and
comparisons per second.
"""

from __future__ import annotations

import argparse
import dataclasses
import tempfile
import time
from pathlib import Path
from typing import Any

import pyarrow as pa

from commonground.contribute.contract import load_contracts
from commonground.contribute.keys import PartnershipKey
from commonground.contribute.pseudonymise import Tokeniser
from commonground.engines import Engine, get_engine
from commonground.link import ADDRESS, PERSON, link_files, resolve, score
from commonground.link.county import address_columns, county_mentions
from commonground.link.evaluate import (
    county_truth,
    evidence_ceiling,
    febrl_truth,
    supervised_limit,
)
from commonground.link.standalone import PlainTokeniser
from commonground.simulate import contracts_folder

CONTRACTS = load_contracts(contracts_folder())

# Identifiers beyond the name that make two person mentions one person when they agree.
CORROBORATING = ("dob", "dob_unordered", "address", "postcode", "national_id")
LINKAGE_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "linkage"
FEBRL = {"FEBRL1 (dedup)": ("febrl1", "dataset1.csv"),
         "FEBRL2 (dedup)": ("febrl2", "dataset2.csv"),
         "FEBRL4 (two files)": ("febrl4", "dataset4a.csv", "dataset4b.csv")}


def febrl(engine: Engine) -> tuple[list[tuple[str, str, str]], list[str]]:
    """Rows of the side-by-side table for each FEBRL data set found, and the blocking each
    run chose (on tokens)."""
    rows, notes = [], []
    for name, (folder, *files) in FEBRL.items():
        paths = [LINKAGE_DATA / folder / f for f in files]
        if not all(p.exists() for p in paths):
            continue
        cells = []
        for pseudonymised in (True, False):
            clock = time.perf_counter()
            linked = link_files(paths, "rec_id", engine, pseudonymised=pseudonymised)
            clusters = linked.resolution.clusters
            figures = score(clusters.rename_columns(["unique_id", "entity"]),
                            febrl_truth(clusters))
            cells.append(f"F1 {figures['pairwise_f1']:.4f} (P "
                         f"{figures['pairwise_precision']:.3f} R "
                         f"{figures['pairwise_recall']:.3f}) {time.perf_counter() - clock:.0f} s")
            if pseudonymised:
                notes.append(blocking_note(name, linked.resolution.figures))
        rows.append((name, cells[0], cells[1]))
    return rows, notes


def blocking_note(what: str, figures: dict[str, Any]) -> str:
    """The blocking a run chose by counting (link/blocking.py)."""
    b = figures["blocking"]
    left = [r["rule"] for r in b["rules"] if not r["chosen"]]
    return (f"{what}: {b['rules_chosen']} of {len(b['rules'])} blocking rules within a budget "
            f"of {b['budget']:,} comparisons ({b['candidate_pairs']:,} candidate pairs"
            f"{', estimated' if b['estimated'] else ''}); left out: "
            f"{'; '.join(left) if left else 'none'}")


def county(people: int, engine: Engine, seed: int
           ) -> tuple[list[tuple[str, str, str]], list[str]]:
    """Rows of the side-by-side table (what, tokens, raw), and notes on the people's data."""
    from commonground.simulate import CountyConfig, simulate_county

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        clock = time.perf_counter()
        simulate_county(CountyConfig(people=people, seed=seed), Path(tmp), lambda *_: None)
        print(f"county of {people:,} people simulated in {time.perf_counter() - clock:.1f} s")
        key = PartnershipKey(b"bench-key-bench-key-bench-key-00")
        results: dict[tuple[str, str], str] = {}
        notes: list[str] = []
        for label, tokeniser in (("tokens", Tokeniser(key)), ("raw", PlainTokeniser())):
            mentions = county_mentions(Path(tmp) / "partners", CONTRACTS, engine, tokeniser)
            for kind, spec in ((PERSON.kind, PERSON), (ADDRESS.kind, ADDRESS)):
                # Every candidate pair kept (clusters depend on the threshold alone): the
                # supervised limit below learns from all of them.
                every_pair = dataclasses.replace(spec, review_band=(1e-12, spec.review_band[1]))
                clock = time.perf_counter()
                result = resolve(mentions[kind], every_pair, engine, seed=seed)
                seconds = time.perf_counter() - clock
                predicted = result.clusters.rename_columns(["unique_id", "entity"])
                truth = county_truth(Path(tmp) / "truth", kind, address_columns(CONTRACTS))
                figures = score(predicted, truth)
                results[(kind, label)] = (
                    f"F1 {figures['pairwise_f1']:.4f} (P {figures['pairwise_precision']:.3f} "
                    f"R {figures['pairwise_recall']:.3f}) {seconds:.0f} s")
                if kind == PERSON.kind and label == "tokens":
                    notes.append(blocking_note(f"county {people:,} persons", result.figures))
                    notes.append(ceiling_note(mentions[kind], Path(tmp) / "truth", predicted))
                    notes.append(supervised_note(mentions[kind], result.pairs, truth, figures))
        for kind in ("person", "address"):
            rows.append((f"county {people:,} {kind}", results[(kind, "tokens")],
                         results[(kind, "raw")]))
    return rows, notes


def ceiling_note(mentions: pa.Table, truth_dir: Path, predicted: pa.Table) -> str:
    """What the county's person data allows at best (see link.evaluate.evidence_ceiling)."""
    truth = county_truth(truth_dir, "person", address_columns(CONTRACTS))
    c = evidence_ceiling(mentions, truth,
                         ("given", "family"), CORROBORATING, predicted)
    total = c["true_pairs"]
    return (f"county persons, the data's limit: of {total:,} true pairs {c['corroborated']:,} "
            f"({c['corroborated'] / total:.1%}) share a date of birth, address, postcode or "
            f"NHS number; {c['unique_name_only']:,} only a name no one else has; "
            f"{c['via_chain']:,} nothing, but are joined by a chain of such pairs; "
            f"{c['name_only']:,} ({c['name_only'] / total:.1%}) only a name others share or "
            f"not even that.\n  Without guessing between namesakes: recall <= "
            f"{c['recall_bound']:.3f}, F1 <= {c['f1_bound']:.3f}. The model links "
            f"{c['recall_on_linkable']:.3f} of the linkable pairs.")


def supervised_note(mentions: pa.Table, pairs: pa.Table, truth: pa.Table,
                    model: dict[str, float]) -> str:
    """What a learner told the truth reaches on the model's own candidates and comparisons
    (see link.evaluate.supervised_limit)."""
    clock = time.perf_counter()
    best = supervised_limit(mentions, pairs, truth, PERSON.conflicts,
                            weighed=PERSON.conflicts_weighed)
    return (f"county persons, a learner told the truth (gradient boosting on the same "
            f"candidate pairs and comparison weights, by halves of the people, threshold "
            f"{best['threshold']}): F1 {best['pairwise_f1']:.4f} (P "
            f"{best['pairwise_precision']:.3f} R {best['pairwise_recall']:.3f}), against the "
            f"model's {model['pairwise_f1']:.4f}; {time.perf_counter() - clock:.0f} s.")


def scale(records: int, engine: Engine, threads: int) -> None:
    """Time to link `records` person mentions end to end (train, score, cluster)."""
    from commonground.simulate import CountyConfig, simulate_county

    people = int(records / 0.92)  # the county yields about 0.92 person mentions per person
    with tempfile.TemporaryDirectory() as tmp:
        clock = time.perf_counter()
        simulate_county(CountyConfig(people=people, seed=3), Path(tmp), lambda *_: None)
        simulated = time.perf_counter() - clock
        key = PartnershipKey(b"bench-key-bench-key-bench-key-00")
        clock = time.perf_counter()
        # Mentions are made on DuckDB whichever engine links: contribution is not the part
        # being timed, and it is timed in bench/contribute.py.
        mentions = county_mentions(Path(tmp) / "partners", CONTRACTS, get_engine("duckdb"),
                                   Tokeniser(key))["person"]
        prepared = time.perf_counter() - clock
        clock = time.perf_counter()
        result = resolve(mentions, PERSON, engine, seed=1, threads=threads, max_pairs=1e6)
        seconds = time.perf_counter() - clock
        truth = county_truth(Path(tmp) / "truth", "person", address_columns(CONTRACTS))
        figures = score(result.clusters.rename_columns(["unique_id", "entity"]), truth)
    f = result.figures
    compared = f["blocking"]["candidate_pairs"]
    print(f"{engine.name}: {mentions.num_rows:,} person mentions ({people:,} people simulated "
          f"in {simulated:.0f} s, tokenised in {prepared:.0f} s) on {threads} threads")
    print(f"  linked end to end in {seconds:.0f} s (target < 180 s): train "
          f"{f['train_seconds']} s on {f['trained_on']:,} mentions, block and score "
          f"{f['predict_seconds']} s, cluster {f['cluster_seconds']} s")
    print("  " + blocking_note("blocking", f) + f" (chosen in {f['blocking_seconds']} s)")
    print(f"  {compared:,} candidate pairs compared: "
          f"{compared / max(f['predict_seconds'], 1e-3):,.0f} comparisons/s; "
          f"{f['pairs_scored']:,} pairs kept (p >= review band)")
    print(f"  pairwise F1 {figures['pairwise_f1']:.4f} (P {figures['pairwise_precision']:.3f} "
          f"R {figures['pairwise_recall']:.3f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--engine", default="duckdb")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip-febrl", action="store_true")
    parser.add_argument("--scale", type=int, default=0,
                        help="also time linking this many records (e.g. 1000000)")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    engine = get_engine(args.engine)
    rows, notes = [], []
    if not args.skip_febrl:
        rows, notes = febrl(engine)
    county_rows, county_notes = county(args.people, engine, args.seed)
    rows += county_rows
    notes += county_notes
    width = max(len(r[0]) for r in rows)
    print(f"{'':<{width}}  {'tokens':<40}  raw")
    for what, tokens, raw in rows:
        print(f"{what:<{width}}  {tokens:<40}  {raw}")
    for note in notes:
        print(note)
    if args.scale:
        scale(args.scale, engine, args.threads)


if __name__ == "__main__":
    main()
