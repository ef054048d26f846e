"""``service_by_hour``: a traveller's service time is scaled by the factor of the clock hour in
which their service starts, counted from the window's time of day (not from its start)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sim
from sim.scenario.loader import scenario_from_dict
from tests.builders import single_queue

FACTORS = [0.5] * 12 + [1.0] * 12  # half the service time from 00:00 to 12:00


def _records(**group) -> pd.DataFrame:
    data = single_queue(rate_per_h=20.0, lanes=2, mean_s=60.0, dist="deterministic", hours=48.0, warmup_h=0.0,
                        drain_h=1.0, **group)
    data["window"]["start"] = "2024-01-01T06:00:00"  # clock hour = (elapsed hours + 6) mod 24
    return sim.run(scenario_from_dict(data), replications=1, workers=1, keep_records=True).records()


def test_service_time_follows_the_clock_hour_in_which_service_starts():
    r = _records(service_by_hour=FACTORS).dropna(subset=["service_s"])
    start_s = r["arrival_s"] + 60.0 * r["wait_min"]
    clock_hour = ((start_s // 3600 + 6) % 24).astype(int)
    expected = 60.0 * np.asarray(FACTORS)[clock_hour]
    assert len(r) > 500
    np.testing.assert_allclose(r["service_s"], expected)
    assert set(np.round(r["service_s"], 9)) == {30.0, 60.0}


def test_without_factors_every_service_takes_the_mean():
    r = _records().dropna(subset=["service_s"])
    np.testing.assert_allclose(r["service_s"], 60.0)


def test_a_profile_must_have_24_positive_factors():
    import pytest

    from sim.errors import ScenarioError

    for bad in ([1.0] * 23, [1.0] * 23 + [0.0]):
        data = single_queue(service_by_hour=bad)
        with pytest.raises(ScenarioError, match="service_by_hour"):
            scenario_from_dict(data)


def test_a_service_starting_exactly_on_the_hour_takes_the_new_hours_factor():
    """A lane that opens at 06:00 serves its first traveller at 06:00 sharp: the 06:00 factor
    applies, whatever order the opening and the hour change are handled in."""
    data = single_queue(rate_per_h=20.0, lanes=1, mean_s=60.0, dist="deterministic", hours=8.0, warmup_h=0.0,
                        drain_h=1.0, service_by_hour=[0.5] * 6 + [1.0] * 18,
                        lanes_open=[0] * 6 + [1] * 18)
    r = sim.run(scenario_from_dict(data), replications=1, workers=1, keep_records=True).records()
    r = r.dropna(subset=["service_s"])
    start_s = r["arrival_s"] + 60.0 * r["wait_min"]
    first = r.loc[start_s.idxmin()]
    assert start_s.min() == pytest.approx(6 * 3600.0)
    assert first["service_s"] == 60.0
