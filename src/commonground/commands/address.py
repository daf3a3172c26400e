"""`commonground address ...`: addresses to UPRNs against a gazetteer, without a hub."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from commonground.commands.output import JsonOption, emit, key_values

address_app = typer.Typer(help="Addresses to UPRNs against a council gazetteer.",
                          no_args_is_help=True)

MessyArgument = Annotated[Path, typer.Argument(
    help="CSV or Parquet file of addresses (an address column or numbered lines, a postcode).")]
GazetteerOption = Annotated[Path, typer.Option(
    "--gazetteer", help="The gazetteer (LLPG or AddressBase, CSV or Parquet) with UPRNs.")]
MatchesOutOption = Annotated[Path, typer.Option(
    "--out", help="CSV to write: id, address, postcode, uprn, score, stage, matched address.")]
IdColumnOption = Annotated[str | None, typer.Option(
    "--id-column", help="Each row's id (default: a column called id, else the row number).")]
AddressColumnOption = Annotated[str | None, typer.Option(
    "--address-column", help="The address column(s), comma-separated, in order.")]
PostcodeColumnOption = Annotated[str | None, typer.Option(
    "--postcode-column", help="The postcode column (default: found by name).")]
EngineOption = Annotated[str | None, typer.Option("--engine", help="duckdb (default) or spark.")]


@address_app.command("match")
def match(
    messy: MessyArgument,
    gazetteer: GazetteerOption,
    out: MatchesOutOption,
    id_column: IdColumnOption = None,
    address_column: AddressColumnOption = None,
    postcode_column: PostcodeColumnOption = None,
    engine: EngineOption = None, as_json: JsonOption = False) -> None:
    """Match each address to a UPRN: an exact stage, then Splink; no hub needed."""
    from commonground.address import match_file
    from commonground.engines import get_engine

    columns = [c.strip() for c in (address_column or "").split(",") if c.strip()]
    with get_engine(engine) as eng:
        result = match_file(messy, gazetteer, out, eng, id_column=id_column, address=columns,
                            postcode_column=postcode_column)
    emit(result, as_json, key_values("Addresses matched"))
    if not as_json:
        sys.stderr.write(f"wrote {out}\n")
