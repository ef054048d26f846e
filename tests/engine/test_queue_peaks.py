"""The engine's hourly maximum queue equals the maximum of the queue-length path rebuilt from
every traveller's arrival and booth times, for shared and per-lane lines alike."""

from __future__ import annotations

import numpy as np
import pytest

from sim.engine import simulate_replication
from sim.model import build_model
from sim.scenario import load_scenario, scenario_from_dict
from sim.travellers import sample_travellers
from tests.builders import single_queue
from tests.conftest import ROOT


def rebuilt_peaks(rec, gi: int, n_hours: int) -> np.ndarray:
    m = rec.group == gi
    on, off = rec.arrival_s[m], np.where(np.isnan(rec.start_s[m]), np.inf, rec.start_s[m])
    times = np.concatenate([on, off])
    delta = np.concatenate([np.ones(len(on)), -np.ones(len(off))])
    order = np.lexsort((delta, times))  # at equal times, leave before joining
    times, level = times[order], np.cumsum(delta[order])
    peaks = np.zeros(n_hours)
    hour = np.full(len(times), n_hours)
    finite = np.isfinite(times)
    hour[finite] = (times[finite] // 3600).astype(int)
    for h in range(n_hours):
        before = level[hour < h]
        carried = before[-1] if len(before) else 0.0  # the line as the hour starts
        inside = level[hour == h]
        peaks[h] = max([carried, *inside])
    return peaks


@pytest.mark.parametrize("discipline", ["shared", "per_lane"])
def test_hourly_queue_peaks_match_the_rebuilt_queue_path(discipline):
    doc = single_queue(rate_per_h=420, lanes=6, hours=12, warmup_h=0, discipline=discipline,
                       lanes_open=[6, 6, 6, 4, 4, 6, 6, 6, 6, 6, 6, 6] + [6] * 12)
    model = build_model(scenario_from_dict(doc).scenario)
    rec = simulate_replication(model, sample_travellers(model, 5, 0), 0)
    np.testing.assert_array_equal(rec.queue_peak[0, :12], rebuilt_peaks(rec, 0, 12))
    assert rec.queue_peak[0, 3:5].max() > rec.queue_peak[0, :3].max()  # fewer lanes, longer lines


def test_queue_peaks_of_every_otay_mesa_group_match_the_rebuilt_path():
    model = build_model(load_scenario(ROOT / "scenarios/otay_mesa/baseline.yaml").scenario)
    rec = simulate_replication(model, sample_travellers(model, 2, 0), 0)
    for gi in range(len(model.groups)):
        np.testing.assert_array_equal(rec.queue_peak[gi, :48], rebuilt_peaks(rec, gi, 48),
                                      err_msg=model.groups[gi].name)
