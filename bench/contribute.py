"""Contribution throughput: our whole path against DuckDB's bare CSV-to-Parquet conversion.

    .venv/bin/python bench/contribute.py --rows 10000000

Writes a police-style CSV (names, dates of birth, addresses, postcodes, crime types) with a
few per cent of bad values, then times, on the same file:
  1. DuckDB alone: read_csv -> Parquet (the floor: no validation, no pseudonymisation);
  2. CommonGround `prepare`: read, validate against the contract, quarantine, pseudonymise
     every identifier with HMAC-SHA256 tokens and derived tokens, write the package;
and prints rows/second for each and the ratio of (2) to (1), medians of --rounds runs.
Target: within 2x.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import duckdb

from commonground.contribute.contract import parse_contract
from commonground.contribute.keys import PartnershipKey
from commonground.contribute.package import prepare
from commonground.engines import get_engine, literal

CONTRACT = {
    "name": "bench_crimes",
    "record_id": "URN",
    "columns": [
        {"name": "URN", "type": "string", "required": True, "role": "record_id"},
        {"name": "OFFENCE_DATETIME", "type": "datetime", "required": True,
         "formats": ["%Y-%m-%d %H:%M:%S"]},
        {"name": "CRIME_TYPE", "type": "category", "required": True,
         "allowed": ["Burglary", "Drugs", "Robbery", "Shoplifting", "Vehicle crime",
                     "Violence and sexual offences"]},
        {"name": "EASTING", "type": "decimal", "min": 400000, "max": 700000},
        {"name": "NORTHING", "type": "decimal", "min": 100000, "max": 300000},
        {"name": "VICTIM_SURNAME", "type": "string", "role": "identifier",
         "identifier": "family_name"},
        {"name": "VICTIM_FORENAME", "type": "string", "role": "identifier",
         "identifier": "given_name"},
        {"name": "VICTIM_DOB", "type": "date", "formats": ["%d/%m/%Y"], "role": "identifier",
         "identifier": "dob"},
        {"name": "VICTIM_ADDRESS", "type": "string", "role": "identifier",
         "identifier": "address"},
        {"name": "POSTCODE", "type": "postcode", "role": "identifier", "identifier": "postcode"},
    ],
}

SURNAMES = ["SMITH", "JONES", "TAYLOR", "BROWN", "WILLIAMS", "WILSON", "JOHNSON", "DAVIES",
            "NGUYEN", "POPESCU", "HOXHA", "KOWALSKI", "NOWAK", "IONESCU", "KAZLAUSKAS",
            "OKAFOR", "ADEYEMI", "PATEL", "KHAN", "EVANS", "THOMAS", "ROBERTS", "WALKER"]
FORENAMES = ["Oliver", "Amelia", "Jack", "Olivia", "Harry", "Isla", "George", "Ava", "Noah",
             "Mia", "Andrei", "Elena", "Dritan", "Agnieszka", "Minh", "Thi", "Chinedu",
             "Aisha", "Mohammed", "Zoë", "Łukasz", "Ştefan", "Bob", "Liz"]
STREETS = ["High Street", "Station Road", "Church Lane", "London Road", "Mill Lane",
           "Victoria Road", "Broomfield Road", "Springfield Road", "Moulsham Street"]


def write_csv(path: Path, rows: int) -> None:
    def arr(values: list[str]) -> str:
        return "[" + ", ".join(literal(v) for v in values) + "]"

    duckdb.sql(f"""
    COPY (
      SELECT 'URN' || lpad(i::VARCHAR, 10, '0') AS "URN",
             strftime(TIMESTAMP '2018-01-01' + to_seconds((hash(i) % 31536000)::BIGINT),
                      '%Y-%m-%d %H:%M:%S') AS "OFFENCE_DATETIME",
             CASE WHEN i % 97 = 0 THEN 'Unknown type'
                  ELSE {arr(CONTRACT["columns"][2]["allowed"])}[1 + (hash(i + 1) % 6)::INT]
             END AS "CRIME_TYPE",
             (520000 + hash(i + 2) % 100000)::VARCHAR AS "EASTING",
             (180000 + hash(i + 3) % 60000)::VARCHAR AS "NORTHING",
             {arr(SURNAMES)}[1 + (hash(i + 4) % {len(SURNAMES)})::INT]
               || CASE WHEN i % 7 = 0 THEN (i % 1000)::VARCHAR ELSE '' END AS "VICTIM_SURNAME",
             {arr(FORENAMES)}[1 + (hash(i + 5) % {len(FORENAMES)})::INT] AS "VICTIM_FORENAME",
             CASE WHEN i % 53 = 0 THEN '31/02/1980'
                  ELSE strftime(DATE '1930-01-01' + (hash(i + 6) % 30000)::INT, '%d/%m/%Y')
             END AS "VICTIM_DOB",
             (1 + hash(i + 7) % 200)::VARCHAR || ' '
               || {arr(STREETS)}[1 + (hash(i + 8) % {len(STREETS)})::INT] AS "VICTIM_ADDRESS",
             'CM' || (1 + hash(i + 9) % 9)::VARCHAR || ' ' || (hash(i + 10) % 10)::VARCHAR
               || chr(65 + (hash(i + 11) % 26)::INT) || chr(65 + (hash(i + 12) % 26)::INT)
               AS "POSTCODE"
      FROM range({rows}) t(i)
    ) TO '{path}' (HEADER, DELIMITER ',')
    """)


def bare_duckdb(path: Path, out: Path) -> float:
    start = time.perf_counter()
    duckdb.sql(f"COPY (SELECT * FROM read_csv('{path}', all_varchar = true)) "
               f"TO '{out}' (FORMAT parquet, COMPRESSION zstd)")
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--engine", default="duckdb")
    parser.add_argument("--rounds", type=int, default=3,
                        help="times each is run, alternating; medians are compared, since one "
                             "run of either can be a fifth off on a shared machine")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="cg-bench-contribute-"))
    try:
        source = work / "crimes.csv"
        start = time.perf_counter()
        write_csv(source, args.rows)
        size_mb = source.stat().st_size / 1e6
        took = time.perf_counter() - start
        print(f"wrote {args.rows:,} rows ({size_mb:,.0f} MB) in {took:.1f} s")
        engine = get_engine(args.engine)
        floors: list[float] = []
        ours: list[float] = []
        for round_ in range(args.rounds):
            floors.append(bare_duckdb(source, work / "bare.parquet"))
            out = work / f"out-{round_}"
            start = time.perf_counter()
            package = prepare(source, parse_contract(CONTRACT), PartnershipKey(b"k" * 32),
                              engine, out)
            ours.append(time.perf_counter() - start)
            shutil.rmtree(out)
            m = package.manifest
            assert m["rows_in"] == args.rows == m["rows_accepted"] + m["rows_quarantined"]
            print(f"round {round_ + 1}: bare {floors[-1]:.1f} s, prepare {ours[-1]:.1f} s")
        floor, our = statistics.median(floors), statistics.median(ours)
        print(f"{'median of ' + str(args.rounds) + ' rounds':<46} {'seconds':>8} {'rows/s':>12}")
        print(f"{'DuckDB alone: CSV -> Parquet':<46} {floor:>8.1f} {args.rows / floor:>12,.0f}")
        print(f"{'CommonGround prepare (' + args.engine + ')':<46} {our:>8.1f} "
              f"{args.rows / our:>12,.0f}")
        print(f"ratio prepare / bare conversion: {our / floor:.2f}x (target <= 2x; best of each "
              f"{min(ours) / min(floors):.2f}x); accepted {m['rows_accepted']:,}, "
              f"quarantined {m['rows_quarantined']:,}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
