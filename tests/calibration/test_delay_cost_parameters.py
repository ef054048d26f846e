"""The committed delay-cost parameter file is what its script derives from the public data, and the
derived values are what the data say (a weighted mean of SANDAG's values, a plausible occupancy)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.calibration.scripts import DATA_DIR, REPO, assert_generated, calibration_module, skip_without_data

mod = calibration_module("delay_cost_parameters")


@pytest.fixture(scope="module")
def derived() -> dict:
    skip_without_data(mod.DATA_FILES)
    return mod.derive(DATA_DIR)


def test_committed_parameter_file_equals_script_output(derived):
    assert_generated(Path(REPO / "sim" / "delay_cost_parameters.yaml"), mod.render(derived),
                     "python -m calibration.delay_cost_parameters --data ../shared/data")


def test_value_of_time_lies_within_sandags_purpose_values(derived):
    vot = derived["parameters"]["value_of_time_usd_per_person_h"]["value"]
    assert 7.38 <= vot["general"] <= 9.36 and 7.38 <= vot["ready"] <= 9.36  # HBW .. HBO/HBS (2017 $)
    assert 11.10 <= vot["sentri"] <= 13.86
    assert vot["sentri"] > vot["general"]


def test_occupancy_leaves_out_the_implausible_month(derived):
    occ = derived["parameters"]["occupancy_persons_per_vehicle"]
    assert all(1.2 < v < 2.5 for v in occ["value"].values())
    assert "Otay Mesa Mar 2017" in occ["derivation"]  # BTS counts about as many vehicles as passengers there
