"""The numbers of the port baselines that no data file gives, each with its source.

``FIGURES`` sections refer to ``shared/reference/public-figures.md`` (a sibling of the data directory).
Every one is quoted again in the comments of the scenario files that use it.
"""

from __future__ import annotations

# --- window of the typical-weekday baselines ------------------------------------------------
WINDOW_START = "2017-03-07T00:00"  # a Tuesday in the 2017 base year
DURATION_H = 48
WARMUP_H = 24  # observed queues do not drain at midnight: day 1 is warm-up, day 2 is counted
DRAIN_H = 6
REPLICATIONS = 10
SEED = 20170307

# --- service and secondary -------------------------------------------------------------------
POV_CV = 0.6  # public-figures §4.1 suggested default (CV 0.5–0.7)
TRUCK_CV = 0.5
POV_REFERRAL_P = 0.03  # public-figures §4.2: 2–5 %
TRUCK_REFERRAL_P = 0.15  # public-figures §4.2: NII scans 15 % of commercial (SW border, FY2021)
POV_SECONDARY = {"positions": 20, "mean_s": 900.0, "cv": 1.0}
TRUCK_SECONDARY = {"positions": 10, "mean_s": 1200.0, "cv": 0.8}

# --- pedestrians (SANDAG has no pedestrian counts) -----------------------------------------------
PED_MEAN_S = 30.0  # public-figures §4.1: 30–60 s; only the fit's fallback: the baselines use the fitted
# ped_service_mean_s of calibration/parameters/pedestrians.json (calibration.studies.pedestrians --fit)
PED_CV = 0.5
PED_READY_SHARE = 0.25  # CBP runs pedestrian Ready lanes; no public share found
PED_BTS_YEAR = 2018  # pedestrian daily volume: BTS annual / 365 of this year

# --- officers' lane policy of the per-port baselines (sim/scenario/schema.py LanePolicy) ----------
TARGET_BAND = 0.2  # officers act outside target × (1 ± 0.2) (SANDAG's bands are ±15-35 %)
REVIEW_MIN = 5.0  # how often the line is looked at
REACTION_MIN = 10.0  # from decision to a lane opening or closing

# --- stacked booths --------------------------------------------------------------------------
STACKED_BOOTHS = 2  # San Ysidro's stacked lanes: two booths one behind the other (public-figures §4.3)
