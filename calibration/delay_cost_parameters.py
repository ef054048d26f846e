#!/usr/bin/env python
"""Derive the parameters that turn waits into the cost of delay, idling fuel and emissions.

Usage (from the repository root)::

    .venv/bin/python -m calibration.delay_cost_parameters [--data ../shared/data] [--out FILE] [--check]

writes ``sim/delay_cost_parameters.yaml`` (package data: the simulator reads that committed file,
never the data directory). ``--check`` only compares the committed file with what the script
would write now (exit 1 if they differ).

Derived from data (relative to the data directory; see its README.md):

* **Value of time by program** (general, ready, sentri), US$ 2017 per person-hour:
  ``sandag_sr11_ome/vot_segmentation.csv`` (SANDAG SR-11/OME model; rows ``vehicle_type`` Passenger,
  ``direction`` Northbound, ``traveler_type`` General/Ready/SENTRI, ``purpose`` HBW/HBO/HBS, column
  ``value_of_time_dollars``), averaged over trip purposes with the weights of SANDAG's 2017
  origin-destination survey (``sandag_sr11_ome/OD_Survey_2017.csv``: northbound records, ``Lane`` =
  traveler type, ``Purpose``, expansion weight ``RevWght``; San Ysidro and Otay Mesa together).
* **Persons per personal vehicle** by port: BTS monthly ``Personal Vehicle Passengers`` ÷
  ``Personal Vehicles`` summed over 2017
  (``bts_border_crossing/Border_Crossing_Entry_Data_US-Mexico_1996-01_2022-07.csv``), leaving out a
  month whose ratio is off the port's median month by more than 25 % (BTS March 2017 at Otay Mesa:
  1.01, an implausible vehicle count; the same rule as ``calibration/otay_mesa_year.py``). The
  default (any other port name, and the per-port scenarios whose lane groups have no ``port``) is
  San Ysidro and Otay Mesa together.

Taken from publications (constants below, each with its source; "not verified here" where the
search tool used to write this script could not show the figure itself): truck operating cost per
hour, idle fuel rates of light- and heavy-duty vehicles, CO2 per gallon of gasoline and diesel, idle
NOx and PM2.5 rates.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path
from typing import Any

import yaml

from calibration.data import DEFAULT_DATA, REPO, bts, sandag
from calibration.data.bts import BTS, OCCUPANCY_TOLERANCE
from calibration.data.sandag import SURVEY, VOT

DEFAULT_OUT = REPO / "sim" / "delay_cost_parameters.yaml"
DATA_FILES = (VOT, SURVEY, BTS)
YEAR = 2017  # SANDAG's base year and the dollars of its values of time
PROGRAM_TYPE = {"general": "General", "ready": "Ready", "sentri": "SENTRI"}
PORTS = {"san_ysidro": "San Ysidro", "otay_mesa": "Otay Mesa"}  # scenario port name -> BTS Port Name
SANDAG_REPO = "https://github.com/SANDAG/SR11_OME_IG"
BTS_URL = "https://data.bts.gov/Research-and-Statistics/Border-Crossing-Entry-Data/keg4-3bc2"

# --- figures from publications ------------------------------------------------------------------

PUBLISHED: dict[str, dict[str, Any]] = {
    "truck_cost_usd_per_veh_h": {
        "value": 66.65,
        "unit": "US$ per truck-hour (average marginal operating cost, 2017)",
        "applies_to": "mode truck: the cost of a truck-hour of delay (driver wages and benefits, fuel, "
                      "lease, repair, insurance, tires, permits, tolls); no value of time is added on top",
        "source": {"title": "An Analysis of the Operational Costs of Trucking: 2018 Update (2017 costs)",
                   "publisher": "American Transportation Research Institute (ATRI)", "year": 2018,
                   "url": "https://truckingresearch.org/"},
        "derivation": "ATRI's total average marginal cost per hour for 2017, taken as published.",
        "verified": "not verified here: the search tool showed the same report's 2017 cost per mile "
                    "(US$1.69, trade press of 2018-10) but not the per-hour figure; check before citing",
    },
    "idle_fuel_gal_per_h_light_duty": {
        "value": 0.275,
        "unit": "US gallons of gasoline per vehicle-hour idling",
        "applies_to": "mode vehicle (personal vehicles, taken as gasoline cars)",
        "source": {"title": "Fact #861, February 23, 2015: Idle Fuel Consumption for Selected Gasoline and "
                            "Diesel Vehicles (from an Argonne National Laboratory worksheet)",
                   "publisher": "U.S. Department of Energy, Vehicle Technologies Office", "year": 2015,
                   "url": "https://www.energy.gov/eere/vehicles/fact-861-february-23-2015-idle-fuel-consumption-"
                          "selected-gasoline-and-diesel-vehicles"},
        "derivation": "Mean of the two gasoline sedans listed (compact 2.0 l: 0.16, large 4.6 l: 0.39 gal/h, "
                      "no accessory load). ASSUMPTION: the border's passenger fleet (many pickups and SUVs) "
                      "lies between them; air conditioning raises it.",
        "verified": "yes: both rows read here on the DOE page",
    },
    "idle_fuel_gal_per_h_heavy_duty": {
        "value": 0.64,
        "unit": "US gallons of diesel per truck-hour idling",
        "applies_to": "mode truck (tractor-semitrailers)",
        "source": {"title": "Fact #861, February 23, 2015: Idle Fuel Consumption for Selected Gasoline and "
                            "Diesel Vehicles (tractor-semitrailer row from a study by the American Trucking "
                            "Associations)",
                   "publisher": "U.S. Department of Energy, Vehicle Technologies Office", "year": 2015,
                   "url": "https://www.energy.gov/eere/vehicles/fact-861-february-23-2015-idle-fuel-consumption-"
                          "selected-gasoline-and-diesel-vehicles"},
        "derivation": "Tractor-semitrailer, 80,000 lb gross vehicle weight, no load: 0.64 gal/h.",
        "verified": "partly: the DOE page read here names the ATA study for the tractor-semitrailer but its "
                    "table excerpt stopped before that row; the 0.64 was read in a copy of the same table "
                    "(vcalc.com 'Cost to Idle')",
    },
    "co2_kg_per_gal_gasoline": {
        "value": 8.887,
        "unit": "kg CO2 per US gallon of gasoline burned",
        "applies_to": "mode vehicle",
        "source": {"title": "Greenhouse Gas Emissions from a Typical Passenger Vehicle (EPA-420-F-11-041 and "
                            "later editions)",
                   "publisher": "U.S. Environmental Protection Agency, Office of Transportation and Air Quality",
                   "year": 2011,
                   "url": "https://www.epa.gov/greenvehicles/greenhouse-gas-emissions-typical-passenger-vehicle"},
        "derivation": "8,887 g CO2 per gallon of gasoline, as published (tailpipe only).",
        "verified": "yes: read here in the EPA fact sheet",
    },
    "co2_kg_per_gal_diesel": {
        "value": 10.18,
        "unit": "kg CO2 per US gallon of diesel burned",
        "applies_to": "mode truck",
        "source": {"title": "Greenhouse Gas Emissions from a Typical Passenger Vehicle (EPA-420-F-11-041 and "
                            "later editions)",
                   "publisher": "U.S. Environmental Protection Agency, Office of Transportation and Air Quality",
                   "year": 2011,
                   "url": "https://www.epa.gov/greenvehicles/greenhouse-gas-emissions-typical-passenger-vehicle"},
        "derivation": "10,180 g CO2 per gallon of diesel, as published (tailpipe only).",
        "verified": "yes: read here in the EPA fact sheet",
    },
    "idle_nox_g_per_h_light_duty": {
        "value": 3.5,
        "unit": "g NOx per vehicle-hour idling",
        "applies_to": "mode vehicle",
        "source": {"title": "Idling Vehicle Emissions for Passenger Cars, Light-Duty Trucks, and Heavy-Duty "
                            "Trucks (EPA420-F-08-025; MOBILE6.2, in-use fleet of July 2008)",
                   "publisher": "U.S. Environmental Protection Agency, Office of Transportation and Air Quality",
                   "year": 2008, "url": "https://nepis.epa.gov/ (search EPA420-F-08-025)"},
        "derivation": "Order of magnitude of the fact sheet's light-duty gasoline idle rate (summer). "
                      "ASSUMPTION: a 2017 fleet is cleaner than 2008's, the border's (many older "
                      "Mexican-registered cars) less so; treat as a round figure.",
        "verified": "not verified here: the search tool found the fact sheet but not its table; the value is "
                    "rounded from memory of it, check before citing",
    },
    "idle_pm25_g_per_h_light_duty": {
        "value": 0.02,
        "unit": "g PM2.5 per vehicle-hour idling",
        "applies_to": "mode vehicle",
        "source": {"title": "Idling Vehicle Emissions for Passenger Cars, Light-Duty Trucks, and Heavy-Duty "
                            "Trucks (EPA420-F-08-025; MOBILE6.2, in-use fleet of July 2008)",
                   "publisher": "U.S. Environmental Protection Agency, Office of Transportation and Air Quality",
                   "year": 2008, "url": "https://nepis.epa.gov/ (search EPA420-F-08-025)"},
        "derivation": "Order of magnitude of the fact sheet's light-duty gasoline idle rate; a round figure.",
        "verified": "not verified here: the search tool found the fact sheet but not its table; the value is "
                    "rounded from memory of it, check before citing",
    },
    "idle_nox_g_per_h_heavy_duty": {
        "value": 85.0,
        "unit": "g NOx per truck-hour idling",
        "applies_to": "mode truck",
        "source": {"title": "McCormick, Graboski, Alleman and Yanowitz: Idle Emissions from Heavy-Duty Diesel "
                            "and Natural Gas Vehicles at High Altitude. J. Air & Waste Manage. Assoc. 50:1992-1998",
                   "publisher": "Air & Waste Management Association", "year": 2000,
                   "url": "https://doi.org/10.1080/10473289.2000.10464240"},
        "derivation": "12 diesel trucks averaged 1.416 g/min NOx at idle; x 60 = 85 g/h. Pre-1999 engines "
                      "measured at 1,609 m; ASSUMPTION: the border's drayage fleet is old enough for this.",
        "verified": "yes: the abstract's averages read here",
    },
    "idle_pm25_g_per_h_heavy_duty": {
        "value": 1.8,
        "unit": "g PM2.5 per truck-hour idling",
        "applies_to": "mode truck",
        "source": {"title": "McCormick, Graboski, Alleman and Yanowitz: Idle Emissions from Heavy-Duty Diesel "
                            "and Natural Gas Vehicles at High Altitude. J. Air & Waste Manage. Assoc. 50:1992-1998",
                   "publisher": "Air & Waste Management Association", "year": 2000,
                   "url": "https://doi.org/10.1080/10473289.2000.10464240"},
        "derivation": "12 diesel trucks averaged 0.030 g/min total PM at idle; x 60 = 1.8 g/h. ASSUMPTION: "
                      "all of it PM2.5 (diesel exhaust PM is almost all finer than 2.5 um), so an upper bound; "
                      "trucks with particulate filters (2007+ engines) emit far less.",
        "verified": "yes: the abstract's averages read here",
    },
    "truck_occupancy_persons_per_vehicle": {
        "value": 1.0,
        "unit": "persons per truck",
        "applies_to": "mode truck: person-hours = truck-hours",
        "source": {"title": "ASSUMPTION (driver only)", "publisher": "poesim", "year": YEAR, "url": ""},
        "derivation": "One driver per truck; the driver's time is priced inside the truck operating cost.",
        "verified": "assumption",
    },
}

ASSUMPTIONS = [
    "Delay is time in the primary-inspection line (arrival to reaching a booth); secondary inspection and "
    "inspection itself are not counted.",
    "Every minute in the primary line is spent idling, engine on (vehicles and trucks); pedestrians have "
    "person-hours and value of time but no fuel or emissions.",
    "Costs are per counted day, in 2017 US$; value of time is applied per person-hour (every occupant), "
    "trucks cost their operating cost per truck-hour and no value of time on top.",
    "SANDAG's values of time price a crossing's time in its toll and port-choice model; read as per "
    "vehicle instead, the passenger-vehicle cost would be lower by the occupancy factor.",
    "Pedestrians take the value of time of their program (SANDAG has no pedestrian values).",
    "Travellers still in line when the run ended count with the wait they had so far: the delay of a cell "
    "with unserved travellers is a lower bound (column lower_bound).",
]


# --- readers --------------------------------------------------------------------------------------


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def value_of_time(data_dir: Path) -> dict[str, Any]:
    """US$ per person-hour by program: SANDAG's northbound passenger values by purpose, weighted by the
    2017 survey's northbound expansion weights of each purpose within the traveler type."""
    vot = sandag.value_of_time(data_dir)
    weight = sandag.survey_weights(data_dir)
    out: dict[str, float] = {}
    shares: dict[str, dict[str, float]] = {}
    for program, ttype in PROGRAM_TYPE.items():
        purposes = sorted(p for t, p in vot if t == ttype)
        w = {p: weight.get((ttype, p), 0.0) for p in purposes}
        total = sum(w.values())
        out[program] = round(sum(w[p] * vot[(ttype, p)] for p in purposes) / total, 2)
        shares[program] = {p: round(w[p] / total, 3) for p in purposes}
    return {"value": out, "purpose_shares": shares,
            "segments": {f"{t}/{p}": v for (t, p), v in sorted(vot.items())}}


def occupancy(data_dir: Path) -> dict[str, Any]:
    """Persons per personal vehicle by port (and both ports together as the default), BTS 2017: the
    months ``calibration.data.bts.repair_vehicles`` would repair are left out."""
    out: dict[str, float] = {}
    left_out: list[str] = []
    totals = {"veh": 0.0, "pax": 0.0}
    for key, port in PORTS.items():
        monthly = bts.monthly(data_dir, (bts.PV, bts.PVP), YEAR, port)
        pv, pvp = monthly[bts.PV], monthly[bts.PVP]
        _, median, suspect = bts.repair_vehicles(pv, pvp)
        left_out += [f"{port} {bts.MONTH_ABBR[k]} {YEAR} ({pvp[k] / pv[k]:.2f} against a median month of {median:.2f})"
                     for k in suspect]
        veh = sum(v for k, v in enumerate(pv) if k not in suspect)
        pax = sum(v for k, v in enumerate(pvp) if k not in suspect)
        out[key] = round(pax / veh, 3)
        totals["veh"] += veh
        totals["pax"] += pax
    out = {"default": round(totals["pax"] / totals["veh"], 3), **out}
    return {"value": out, "left_out": left_out}


# --- the parameter file ---------------------------------------------------------------------------


def derive(data_dir: Path) -> dict[str, Any]:
    """The whole parameter file as a mapping (data-derived values and the published constants)."""
    v = value_of_time(data_dir)
    o = occupancy(data_dir)
    shares = "; ".join(f"{p}: " + ", ".join(f"{k} {s:.3f}" for k, s in sh.items())
                       for p, sh in v["purpose_shares"].items())
    data = {rel: sha256(data_dir / rel) for rel in DATA_FILES}
    params: dict[str, Any] = {
        "value_of_time_usd_per_person_h": {
            "value": v["value"],
            "unit": "US$ (2017) per person-hour of delay, by program",
            "applies_to": "modes vehicle and pedestrian, by the traveller's program (general, ready, sentri)",
            "source": {"title": "SR-11/Otay Mesa East investment-grade traffic and revenue model v3.0, "
                                "data_in/vot_segmentation.csv (values of time, 2017 $) and "
                                "utilities/create_trip_tables/survey_data/OD_Survey_2017.csv (weights)",
                       "publisher": "SANDAG (with CDM Smith / WSP)", "year": YEAR, "url": SANDAG_REPO},
            "derivation": "Northbound passenger values by traveler type (General/Ready/SENTRI = program) and "
                          "purpose (HBW/HBO/HBS), averaged over purposes with the 2017 OD survey's northbound "
                          f"expansion weights (RevWght, both ports). Purpose shares: {shares}.",
            "verified": f"computed here from {VOT} and {SURVEY} (SHA-256 below)",
        },
        "occupancy_persons_per_vehicle": {
            "value": o["value"],
            "unit": "persons per personal vehicle, by the lane group's port (default: any other port)",
            "applies_to": "mode vehicle: person-hours = vehicle-hours x occupancy of the lane group's port",
            "source": {"title": "Border Crossing Entry Data (monthly inbound crossings), measures Personal "
                                "Vehicle Passengers and Personal Vehicles, 2017",
                       "publisher": "U.S. Bureau of Transportation Statistics (BTS)", "year": YEAR, "url": BTS_URL},
            "derivation": "Sum over 2017 of Personal Vehicle Passengers / sum of Personal Vehicles, per port "
                          "(San Ysidro, Otay Mesa); default = both ports together. Months whose ratio is off "
                          f"the port's median month by more than {OCCUPANCY_TOLERANCE:.0%} are left out: "
                          + ("; ".join(o["left_out"]) or "none") + ".",
            "verified": f"computed here from {BTS} (SHA-256 below)",
        },
        **PUBLISHED,
    }
    return {
        "currency_year": YEAR,
        "assumptions": ASSUMPTIONS,
        "parameters": params,
        "data_sha256": data,
    }


HEADER = """\
# Parameters of the cost of delay, idling fuel and emissions (read by sim/delay_costs.py).
#
# GENERATED by calibration/delay_cost_parameters.py -- do not edit by hand. Regenerate with
#   python -m calibration.delay_cost_parameters --data ../shared/data
# Every parameter names its source (title, publisher, year, address), how the value was derived, and
# whether the figure was seen while writing the script ("verified"); "not verified here" means check
# it before citing. The data files are the shared public data (see its README.md), hashed below.
"""


def render(derived: dict[str, Any]) -> str:
    return HEADER + yaml.safe_dump(derived, sort_keys=False, allow_unicode=True, width=110)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the shared data directory")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="the parameter file to write")
    ap.add_argument("--check", action="store_true", help="only compare the committed file; exit 1 if it differs")
    args = ap.parse_args(argv)
    missing = [str(args.data / f) for f in DATA_FILES if not (args.data / f).exists()]
    if missing:
        print(f"error: data files not found: {missing}", file=sys.stderr)
        return 2
    text = render(derive(args.data))
    if args.check:
        same = args.out.exists() and args.out.read_text(encoding="utf-8") == text
        print(f"{args.out}: {'up to date' if same else 'OUT OF DATE'}")
        return 0 if same else 1
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
