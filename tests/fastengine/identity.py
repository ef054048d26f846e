"""Identity of the two engines: given the same drawn travellers, the same record for every traveller."""

from __future__ import annotations

import numpy as np

from sim.engine import simulate_replication as simulate_simpy
from sim.fastengine import simulate_replication as simulate_fast
from sim.model import Model
from sim.records import Records
from sim.travellers import sample_travellers

EPS_S = 1e-9
TIMES = ("arrival_s", "start_s", "service_s", "depart_s", "sec_start_s", "sec_end_s")
INDICES = ("group", "lane", "stream", "program", "referred", "traveller", "shifted_h")


def assert_same(ref: Records, fast: Records) -> None:
    """Every traveller's lane group, lane, booth start, service, departure and secondary times agree
    (times to ``EPS_S``, never reached on both sides), and so do the run's end, hourly queue peaks and
    open-booth record."""
    assert len(ref) == len(fast)
    for name in INDICES:
        a, b = getattr(ref, name), getattr(fast, name)
        bad = np.flatnonzero(a != b)
        assert bad.size == 0, f"{name} differs for travellers {bad[:10].tolist()}: {a[bad[:3]]} vs {b[bad[:3]]}"
    for name in TIMES:
        a, b = getattr(ref, name), getattr(fast, name)
        same = (np.isnan(a) & np.isnan(b)) | (np.abs(a - b) <= EPS_S)
        bad = np.flatnonzero(~same)
        assert bad.size == 0, f"{name} differs for travellers {bad[:10].tolist()}: {a[bad[:3]]} vs {b[bad[:3]]}"
    assert abs(ref.end_s - fast.end_s) <= EPS_S
    assert ref.queue_peak is not None and fast.queue_peak is not None
    assert np.array_equal(ref.queue_peak, fast.queue_peak)
    for g, (a_steps, b_steps) in enumerate(zip(ref.group_booths, fast.group_booths, strict=True)):
        assert [n for _, n in a_steps] == [n for _, n in b_steps], f"group {g}: open booths differ"
        assert np.allclose([t for t, _ in a_steps], [t for t, _ in b_steps], rtol=0, atol=EPS_S)


def check_identity(model: Model, seed: int, replication: int = 0) -> Records:
    """Draw one replication's travellers once, run both engines on them, assert identity."""
    travellers = sample_travellers(model, seed, replication)
    ref = simulate_simpy(model, travellers, replication)
    assert_same(ref, simulate_fast(model, travellers, replication))
    return ref
