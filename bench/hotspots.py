"""Hotspot methods on real Essex police.uk data: a rolling-origin backtest per crime type.

    .venv/bin/python bench/hotspots.py [--data ../shared/data/police-uk/essex] [--cell-size 250]

Predicts each of April-July 2018 from the months before it, on a 250 m British National Grid,
and prints one Markdown table (hit rate and PAI at 1% and 5% of cells, means over the test
months) plus each method's paired t-test against the best baseline at 5%.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from commonground.insights.hotspots import BASELINES, backtest, load_police_uk

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "police-uk" / "essex"
CRIME_TYPES = {"Burglary": "Burglary", "Violence and sexual offences":
               "Violence and sexual offences", "All crime": None}
TEST_MONTHS = ["2018-04", "2018-05", "2018-06", "2018-07"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--cell-size", type=float, default=250.0)
    parser.add_argument("--test-months", default=",".join(TEST_MONTHS))
    args = parser.parse_args()

    started = time.perf_counter()
    points = load_police_uk([args.data])
    months = args.test_months.split(",")
    results = {}
    for label, crime_type in CRIME_TYPES.items():
        results[label] = backtest(points, crime_type=crime_type, cell_size=args.cell_size,
                                  test_months=months).to_dict()
    seconds = time.perf_counter() - started

    first = next(iter(results.values()))
    region, data = first["region"], first["data"]
    print(f"Essex police.uk {data['first_month']}..{data['last_month']}: "
          f"{data['rows_read']:,} rows, {data['without_coordinates']:,} without coordinates "
          f"(left out). Study region: {region['cells']:,} cells of {region['cell_size_m']:g} m "
          f"with at least one crime of any type ({region['area_km2']} km², {region['crs']}). "
          f"Test months {', '.join(months)}, each predicted from the months before it.\n")
    header = "| method |" + "".join(
        f" {label}: hit 1% | hit 5% | PAI 1% | PAI 5% |" for label in results)
    print(header)
    print("|---|" + "---:|" * (4 * len(results)))
    for method in first["methods"]:
        cells = []
        for result in results.values():
            values = result["methods"][method]
            cells += [f"{values['hit_rate']['0.01']:.1%}", f"{values['hit_rate']['0.05']:.1%}",
                      f"{values['pai']['0.01']:.1f}", f"{values['pai']['0.05']:.1f}"]
        print(f"| {method} | " + " | ".join(cells) + " |")
    print()
    for label, result in results.items():
        reference = result["comparisons"]["reference"]
        best = result["methods"][reference]["hit_rate"]["0.05"]
        print(f"{label}: best baseline at 5% is {reference} ({best:.1%}); "
              f"{result['comparisons']['test']}:")
        for method, by_coverage in result["comparisons"]["methods"].items():
            c = by_coverage["0.05"]
            ours = result["methods"][method]["hit_rate"]["0.05"]
            se = result["methods"][method]["se"]["hit_rate"]["0.05"]
            verdict = "beats" if ours > best else "does not beat"
            print(f"  {method:12s} {ours:.1%} (se {se:.1%}) {verdict} it "
                  f"({c['difference']:+.1%}), better in {c['months_better']}/{c['months']} "
                  f"months, p = {c['p_value']:.3f}")
    print(f"\nbaselines: {', '.join(BASELINES)}; {seconds:.0f} s in all")


if __name__ == "__main__":
    main()
