"""The region's expansion scenarios (``scenarios/region/sy_*.yaml``) are what
``calibration/region_expansion.py`` derives from the public data and the calibrated region, given the
San Ysidro demand factors its volume fit found (quoted in each file's header; re-fitting them is a
simulation, left to the generator's command): change the data, the region or the script and these
files must be regenerated.

The data directory is ``$POESIM_DATA_DIR`` or ``../shared/data`` next to the repository; the tests
are skipped when it is absent.
"""

from __future__ import annotations

import re

import pytest

from sim.scenario import load_scenario
from tests.calibration.scripts import DATA_DIR, REPO, assert_generated, calibration_module, skip_without_data

OUT = REPO / "scenarios" / "region"
REGENERATE = "python -m calibration.region_expansion --data ../shared/data --scenarios-only"
BTS = "bts_border_crossing/Border_Crossing_Entry_Data_US-Mexico_1996-01_2022-07.csv"
_FACTOR = re.compile(r"San Ysidro's further x ([0-9.]+), FITTED")


def _script():
    return calibration_module("region_expansion")


def committed_factors() -> dict[str, float]:
    """The fitted San Ysidro demand factors the committed files carry in their headers."""
    out = {}
    for name in _script().RECONSTRUCTED:
        m = _FACTOR.search((OUT / f"{name}.yaml").read_text(encoding="utf-8"))
        assert m, f"{name}.yaml: no fitted factor in its header"
        out[name] = float(m.group(1))
    return out


@pytest.fixture(scope="module")
def rendered() -> dict[str, str]:
    skip_without_data([BTS])
    mod = _script()
    return mod.render(mod.derive(DATA_DIR, committed_factors()))


def test_the_committed_expansion_scenarios_are_what_the_script_writes(rendered):
    assert set(rendered) == {f"{n}.yaml" for n in _script().YEAR}
    for fname, text in rendered.items():
        assert_generated(OUT / fname, text, REGENERATE)


def test_every_expansion_scenario_validates_against_the_calibrated_region(rendered):
    for fname in rendered:
        loaded = load_scenario(OUT / fname)
        assert loaded.scenario.name, fname


def test_the_fitted_demand_factor_is_a_volume_fit_within_its_search_bracket():
    """The factor is the root brentq found in [0.8, 2.5]: a value at a bracket end means no root."""
    for name, x in committed_factors().items():
        assert 0.8 < x < 2.5, (name, x)
