"""Crime points on the British National Grid: police.uk monthly files or exact timestamps.

Time is kept in one of two units: "month" (police.uk publishes months only) or "day" (a
force's own extract with offence date and time). Methods read `time` in that unit, so the
same prospective or ETAS code runs on both.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from commonground.errors import InvalidInput

log = logging.getLogger(__name__)

BNG = "EPSG:27700"
WGS84 = "EPSG:4326"
DAYS_PER_MONTH = 365.25 / 12
POLICE_UK_COLUMNS = ("Month", "Longitude", "Latitude", "Crime type")


def month_index(label: str) -> int:
    """'2018-04' -> a running month number (year * 12 + month - 1)."""
    year, month = label.strip()[:7].split("-")
    return int(year) * 12 + int(month) - 1


def month_label(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


@dataclass(frozen=True)
class CrimePoints:
    """Crimes as parallel arrays: BNG metres, time in `unit`, month, and crime type."""

    x: np.ndarray
    y: np.ndarray
    time: np.ndarray  # months (police.uk: mid-month) or days since 1970-01-01
    month: np.ndarray  # running month number, see `month_index`
    crime_type: np.ndarray
    unit: str  # "month" or "day"
    rows_read: int = 0
    without_coordinates: int = 0
    files: tuple[str, ...] = field(default=())

    def __len__(self) -> int:
        return len(self.x)

    @property
    def days_per_unit(self) -> float:
        return DAYS_PER_MONTH if self.unit == "month" else 1.0

    def months(self) -> list[int]:
        return sorted({int(m) for m in np.unique(self.month)})

    def of_type(self, crime_type: str | None) -> CrimePoints:
        """Only crimes of one police.uk type (None or 'all' keeps every crime)."""
        if crime_type is None or crime_type.lower() in {"all", "all crime"}:
            return self
        keep = self.crime_type == crime_type
        if not keep.any():
            known = ", ".join(sorted(set(self.crime_type.tolist())))
            raise InvalidInput(f"no crimes of type '{crime_type}'; the data holds: {known}")
        return self.subset(keep)

    def subset(self, keep: np.ndarray) -> CrimePoints:
        return replace(self, x=self.x[keep], y=self.y[keep], time=self.time[keep],
                       month=self.month[keep], crime_type=self.crime_type[keep])

    def describe(self) -> dict[str, object]:
        """Counts only: what was read and what could not be placed on the map."""
        months = self.months()
        return {"rows_read": self.rows_read, "without_coordinates": self.without_coordinates,
                "crimes_placed": len(self), "files": len(self.files), "time_unit": self.unit,
                "first_month": month_label(months[0]) if months else None,
                "last_month": month_label(months[-1]) if months else None}


def to_bng(longitude: np.ndarray, latitude: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 degrees to British National Grid metres (pyproj, always lon/lat order)."""
    from pyproj import Transformer

    transformer = Transformer.from_crs(WGS84, BNG, always_xy=True)
    x, y = transformer.transform(longitude, latitude)
    return np.asarray(x, float), np.asarray(y, float)


def to_wgs84(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    from pyproj import Transformer

    transformer = Transformer.from_crs(BNG, WGS84, always_xy=True)
    lon, lat = transformer.transform(x, y)
    return np.asarray(lon, float), np.asarray(lat, float)


def csv_files(paths: Iterable[Path | str]) -> list[Path]:
    """Files as given, and every *.csv or *.parquet under each folder (sorted, recursively):
    a lake version folder (`lake/<org>/<dataset>/v<N>/`) is read like a folder of CSVs."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*")
                                if p.suffix in (".csv", ".parquet") and p.is_file()))
        elif path.exists():
            found.append(path)
        else:
            raise InvalidInput(f"{path} does not exist")
    if not found:
        raise InvalidInput("no CSV or Parquet files found in the paths given")
    return found


def _read(path: Path, columns: Sequence[str]) -> pa.Table:
    if path.suffix == ".parquet":
        # Lake versions hold typed values; the loaders work on their text, as in a CSV.
        try:
            table = pq.read_table(path, columns=list(columns))
        except (pa.ArrowInvalid, KeyError):
            raise InvalidInput(f"{path.name} lacks one of the columns {', '.join(columns)}"
                                ) from None
        return pa.table({c: pc.cast(table[c], pa.string()) for c in columns})
    options = pcsv.ConvertOptions(include_columns=list(columns),
                                  column_types={c: pa.string() for c in columns})
    try:
        return pcsv.read_csv(path, convert_options=options)
    except (pa.ArrowInvalid, KeyError) as exc:
        missing = "column" in str(exc).lower()
        what = f"lacks one of the columns {', '.join(columns)}" if missing else "is not a CSV"
        raise InvalidInput(f"{path.name} {what}") from None


def _floats(column: pa.ChunkedArray) -> np.ndarray:
    cleaned = pc.if_else(pc.equal(pc.utf8_trim_whitespace(column), ""), None, column)
    return np.asarray(pc.cast(cleaned, pa.float64()).to_numpy(zero_copy_only=False), float)


def load_police_uk(paths: Iterable[Path | str]) -> CrimePoints:
    """Street-level crime CSVs as data.police.uk publishes them (any force, many months).

    Rows without coordinates (police.uk leaves some unlocated) are counted in
    `without_coordinates`, never silently dropped from the story.
    """
    files = csv_files(paths)
    tables = [_read(f, POLICE_UK_COLUMNS) for f in files]
    table = pa.concat_tables(tables)
    lon, lat = _floats(table["Longitude"]), _floats(table["Latitude"])
    located = np.isfinite(lon) & np.isfinite(lat)
    months = np.array([month_index(m) for m in table["Month"].to_pylist()], np.int64)
    types = np.asarray(table["Crime type"].to_numpy(zero_copy_only=False)).astype(str)
    x, y = to_bng(lon[located], lat[located])
    points = CrimePoints(x=x, y=y, time=months[located] + 0.5, month=months[located],
                         crime_type=types[located], unit="month", rows_read=table.num_rows,
                         without_coordinates=int((~located).sum()),
                         files=tuple(f.name for f in files))
    log.info("police.uk: %d rows from %d files, %d without coordinates", table.num_rows,
             len(files), points.without_coordinates)
    return points


def load_exact_crimes(paths: Iterable[Path | str], *, time_column: str = "OFFENCE_DATETIME",
                      x_column: str = "EASTING", y_column: str = "NORTHING",
                      type_column: str = "CRIME_TYPE") -> CrimePoints:
    """A force's own extract: offence date-time and BNG easting/northing per crime."""
    files = csv_files(paths)
    columns = (time_column, x_column, y_column, type_column)
    table = pa.concat_tables([_read(f, columns) for f in files])
    x, y = _floats(table[x_column]), _floats(table[y_column])
    stamps = pc.strptime(pc.utf8_slice_codeunits(table[time_column], 0, 19),
                         format="%Y-%m-%d %H:%M:%S", unit="s", error_is_null=True)
    seconds = np.asarray(pc.cast(stamps, pa.int64()).to_numpy(zero_copy_only=False),
                         dtype=float)
    placed = np.isfinite(x) & np.isfinite(y) & np.isfinite(seconds)
    days = seconds[placed] / 86_400.0
    whole_days = np.floor(days).astype(np.int64).astype("datetime64[D]")
    month = whole_days.astype("datetime64[M]").astype(np.int64) + 1970 * 12
    types = np.asarray(table[type_column].to_numpy(zero_copy_only=False)).astype(str)
    points = CrimePoints(x=x[placed], y=y[placed], time=days, month=month,
                         crime_type=types[placed], unit="day", rows_read=table.num_rows,
                         without_coordinates=int((~placed).sum()),
                         files=tuple(f.name for f in files))
    log.info("crime extract: %d rows, %d without coordinates or time", table.num_rows,
             points.without_coordinates)
    return points


def load_crimes(paths: Iterable[Path | str]) -> CrimePoints:
    """police.uk files or an exact-time extract, told apart by their header."""
    files = csv_files(paths)
    if files[0].suffix == ".parquet":
        header = ",".join(pq.read_schema(files[0]).names)
    else:
        header = files[0].open(encoding="utf-8-sig").readline()
    if "Longitude" in header and "Month" in header:
        return load_police_uk(files)
    if "OFFENCE_DATETIME" in header:
        return load_exact_crimes(files)
    raise InvalidInput(f"{files[0].name} is neither police.uk street data nor a crime extract "
                        "with OFFENCE_DATETIME, EASTING and NORTHING")


def load_covariates(items: Iterable[str] | None) -> dict[str, CrimePoints]:
    """Other point data by name, from `NAME=PATH` items (a file or a folder of them)."""
    covariates: dict[str, CrimePoints] = {}
    for item in items or ():
        name, _, path = item.partition("=")
        if not name or not path:
            raise InvalidInput(f"--covariate takes NAME=PATH, not '{item}'")
        covariates[name] = load_crimes([Path(path)])
    return covariates
