"""BTS Border Crossing Entry Data (monthly inbound crossings per port): the one reader, and its repair.

Source: U.S. DOT Bureau of Transportation Statistics, data set "Border Crossing Entry Data" (counts
collected by CBP), the US-Mexico subset in ``bts_border_crossing/`` (see ``calibration/README.md`` §2).
Columns used: ``Port Name``, ``Border``, ``Date`` ("Mon YYYY"), ``Measure``, ``Value``.

Repair (``repair_vehicles``): occupancy = Personal Vehicle Passengers / Personal Vehicles; a month
whose occupancy is off its year's median by more than ``OCCUPANCY_TOLERANCE`` has an implausible
vehicle count (BTS March 2017 at Otay Mesa: 1.01 against 1.67-1.84 in every other month) and gets
vehicles = passengers / median occupancy.
"""

from __future__ import annotations

import calendar
import functools
import statistics
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from calibration.data import read_rows

BTS = "bts_border_crossing/Border_Crossing_Entry_Data_US-Mexico_1996-01_2022-07.csv"
BORDER = "US-Mexico Border"
PV = "Personal Vehicles"
PVP = "Personal Vehicle Passengers"  # the occupancy check's measure
MEASURE_BY_MODE = {"vehicle": "Personal Vehicles", "truck": "Trucks", "pedestrian": "Pedestrians"}
MODE_BY_MEASURE = {m: mode for mode, m in MEASURE_BY_MODE.items()}
OCCUPANCY_TOLERANCE = 0.25
MONTH_ABBR = tuple(calendar.month_abbr[1:])  # "Jan" .. "Dec", as in the Date column


def read(
    data_dir: str | Path, port: str, measures: Iterable[str], years: Iterable[int]
) -> dict[str, dict[tuple[int, int], float]]:
    """Every monthly value of the given measures of one port in the given years:
    ``{measure: {(year, month): value}}``. Rows are those with ``Border`` = US-Mexico Border. Fails on
    a duplicate row, a Date that is not "Mon YYYY" or a missing month.

    The file (400,000 rows) is parsed once per question while it is unchanged (same modification
    time and size): a calibration derives its scenario, and asks again, at every evaluation."""
    path = Path(data_dir) / BTS
    try:
        info = path.stat()
        stamp: tuple[int, int] | None = (info.st_mtime_ns, info.st_size)
    except FileNotFoundError:
        stamp = None  # read_rows says so, naming the file
    found = _read(path, stamp, port, tuple(measures), tuple(years))
    return {m: dict(v) for m, v in found.items()}  # a copy: the cached answer stays as read


@functools.lru_cache(maxsize=64)
def _read(path: Path, stamp: tuple[int, int] | None, port: str, measures: tuple[str, ...],
          years: tuple[int, ...]) -> dict[str, dict[tuple[int, int], float]]:
    """``read`` itself, cached by file and ``stamp`` (its modification time and size)."""
    found: dict[str, dict[tuple[int, int], float]] = {m: {} for m in measures}
    suffixes = {f" {y}": y for y in years}
    for r in read_rows(path):
        if r["Port Name"] != port or r["Measure"] not in found or r["Border"] != BORDER:
            continue
        year = suffixes.get(r["Date"][-5:])
        if year is None:
            continue
        mon = r["Date"][:-5]
        if mon not in MONTH_ABBR:
            raise ValueError(f"{BTS}: unexpected Date {r['Date']!r} ({port} {r['Measure']});"
                             f" expected e.g. 'May {year}'")
        key = (year, MONTH_ABBR.index(mon) + 1)
        values = found[r["Measure"]]
        if key in values:
            raise ValueError(f"{BTS}: duplicate row {port} {r['Measure']} {r['Date']}")
        values[key] = float(r["Value"])
    missing = {m: [f"{MONTH_ABBR[k - 1]} {y}" for y in years for k in range(1, 13) if (y, k) not in v]
               for m, v in found.items()}
    missing = {m: v for m, v in missing.items() if v}
    if missing:
        span = f"{years[0]}" if len(years) == 1 else f"{years[0]}-{years[-1]}"
        raise ValueError(f"{BTS}: missing months of {port} {span}: {missing}")
    return found


def monthly(data_dir: str | Path, measures: tuple[str, ...], year: int, port: str) -> dict[str, list[float]]:
    """The 12 monthly values (Jan..Dec) of each measure for one port and year."""
    found = read(data_dir, port, measures, (year,))
    return {m: [v[(year, k)] for k in range(1, 13)] for m, v in found.items()}


def annual(data_dir: str | Path, measures: tuple[str, ...], year: int, port: str) -> dict[str, float]:
    """Annual totals of the given measures for one port and year (the sum of the 12 months)."""
    return {m: sum(v) for m, v in monthly(data_dir, measures, year, port).items()}


def series(data_dir: str | Path, port: str, measures: tuple[str, ...], years: tuple[int, int]) -> pd.DataFrame:
    """Monthly values of one port over ``years`` (first, last): index (year, month), one column per measure."""
    found = read(data_dir, port, measures, range(years[0], years[1] + 1))
    index = pd.MultiIndex.from_product([range(years[0], years[1] + 1), range(1, 13)], names=["year", "month"])
    return pd.DataFrame({m: [found[m][i] for i in index] for m in measures}, index=index, columns=list(measures))


def monthly_counts(data_dir: str | Path, port: str, year: int, measures: tuple[str, ...]) -> pd.DataFrame:
    """One row per measure x month (in the order of ``measures``, then Jan..Dec): ``port``, ``measure``,
    ``mode`` (poesim mode of the measure, None for e.g. passengers), ``year``, ``month``, ``days``, ``value``."""
    found = read(data_dir, port, measures, (year,))
    rows = [{"port": port, "measure": m, "mode": MODE_BY_MEASURE.get(m), "year": year, "month": k,
             "days": calendar.monthrange(year, k)[1], "value": found[m][(year, k)]}
            for m in measures for k in range(1, 13)]
    return pd.DataFrame(rows, columns=["port", "measure", "mode", "year", "month", "days", "value"])


def repair_vehicles(vehicles: list[float], passengers: list[float]) -> tuple[list[float], float, list[int]]:
    """The repair of one year's Personal Vehicles (module doc): the repaired months, the year's median
    occupancy and the indexes of the months repaired."""
    occupancy = [p / v for p, v in zip(passengers, vehicles, strict=True)]
    median = statistics.median(occupancy)
    suspect = [k for k, o in enumerate(occupancy) if abs(o / median - 1) > OCCUPANCY_TOLERANCE]
    repaired = [passengers[k] / median if k in suspect else v for k, v in enumerate(vehicles)]
    return repaired, median, suspect


def repaired_series(wide: pd.DataFrame) -> tuple[pd.Series, list[tuple[int, int]]]:
    """``repair_vehicles`` year by year on a ``series`` frame holding Personal Vehicles and passengers:
    the repaired Personal Vehicles and the repaired (year, month)s."""
    pv = wide[PV].copy()
    repaired: list[tuple[int, int]] = []
    for _, rows in wide.groupby(level="year"):
        fixed, _, suspect = repair_vehicles(rows[PV].tolist(), rows[PVP].tolist())
        for k in suspect:
            idx = rows.index[k]
            pv[idx] = fixed[k]
            repaired.append(idx)
    return pv, repaired
