"""CBP Border Wait Times (``cbp_bwt/``): the files. The California pedestrian averages are read by
``calibration.studies.pedestrians`` (the pedestrian fit and validation); the others are cited only.

CBP's observed hourly waits and open lanes that the calibration fits come through SANDAG's
``OME_Observed_Data.csv`` (``calibration.data.sandag.observed``: "CBP_data_TueWedThu summarized by
SANDAG"). These exports of bwt.cbp.gov are quoted in scenario comments and in
``shared/reference/public-figures.md`` §4.5; their copies and quirks are in ``calibration/README.md`` §3.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

SAN_YSIDRO_HISTORICAL = "cbp_bwt/san_ysidro_250401_bwt_historical_avg_by_month_dow_hour.csv"
CALIFORNIA_PEDESTRIAN_HISTORICAL = "cbp_bwt/california_pedestrian_bwt_historical_avg_by_month_hour_dow.csv"
FILES = (SAN_YSIDRO_HISTORICAL, CALIFORNIA_PEDESTRIAN_HISTORICAL)


def historical(data_dir: str | Path, rel: str) -> pd.DataFrame:
    """One of CBP's historical-average exports as a table (minutes; see README §3 for the columns)."""
    path = Path(data_dir) / rel
    if not path.exists():
        raise FileNotFoundError(f"{path}: not found (is --data the shared data directory?)")
    return pd.read_csv(path)
