"""The fast engine's typed entry point: model + drawn travellers → ``Records``, as the SimPy
engine's ``simulate_replication`` returns them (same fields, same meaning), so everything
downstream (statistics, reports, regression) is unchanged."""

from __future__ import annotations

import numpy as np

from sim.engine import POOL_MARGIN
from sim.fastengine import kernel
from sim.fastengine.layout import lay_out
from sim.fastengine.support import supports
from sim.model import Model
from sim.records import Records
from sim.travellers import Travellers

__all__ = ["simulate_replication"]


def simulate_replication(model: Model, travellers: Travellers, replication: int = 0) -> Records:
    """Run one replication of ``model`` with the given travellers on the compiled engine.
    Raises ``ValueError`` if the model uses a feature the fast engine does not cover."""
    ok, reason = supports(model)
    if not ok:
        raise ValueError(f"the fast engine cannot run {model.name!r}: {reason}")
    lay = lay_out(model)
    n = len(travellers)
    service = np.empty((len(model.groups), n))
    for g in range(len(model.groups)):
        service[g] = travellers.service_s[g]
    sec_s = np.nan_to_num(np.asarray(travellers.secondary_s, dtype=float), nan=0.0)
    arrival = np.array(travellers.arrival_s, dtype=float)  # copies: a driver who shifts arrives later, ...
    referred = np.array(travellers.referred, dtype=np.bool_)  # ... one who gives up is not referred
    heap_cap = lay.heap_cap + (n if lay.lg_i[:, 1].any() else 0)  # drivers coming back later wait on the heap
    n_groups, n_lanes, n_sec = len(model.groups), len(lay.li), len(lay.sec_positions)
    tf = np.full((5, n), np.inf)  # start, service, depart, secondary start and end (inf: not reached)
    ti = np.full((4, n), -1, dtype=np.int64)  # group, lane, next in line, finished at the booth
    ti[kernel.I_FIN] = 0
    shifted = np.zeros(n, dtype=np.int64)
    q = np.full((3, n_groups + n_lanes + n_sec), -1, dtype=np.int64)  # lines: head, tail, length
    q[2] = 0
    occ = np.full((max(n_lanes, 1), max(lay.k_max, 1)), -1, dtype=np.int64)
    ready = np.full((n_groups, max(n_lanes, 1)), -1, dtype=np.int64)
    ht, hi = np.zeros(heap_cap), np.zeros((heap_cap, 4), dtype=np.int64)
    bs = np.zeros((lay.bs_cap, 3))
    st = np.zeros(4, dtype=np.int64)
    sf = np.zeros(2)
    sf[kernel.SF_CLOCK0] = lay.clock0
    sf[kernel.SF_UNTIL] = 0.0 if lay.gi[:, kernel.G_HASBYH].any() else np.inf  # hourly factors due now, or never
    queue_peak = np.zeros((n_groups, lay.n_hours))
    n_scratch = len(lay.alt_mem) + n_groups + 8  # alternatives + shift hours + give-up; a port's groups
    end_s = kernel.simulate(
        arrival, np.asarray(travellers.stream, dtype=np.int64),
        np.asarray(travellers.program, dtype=np.int64), np.asarray(travellers.choice_u, dtype=float),
        referred, sec_s, service,
        lay.gi.copy(), lay.gf.copy(), lay.g_mean, lay.g_byhour, lay.g_closed, lay.sched_t, lay.sched_n,
        lay.li.copy(), lay.cand_flat, lay.cand_start, lay.cand_len, lay.fs_group, lay.fs_cum,
        lay.fs_start, lay.fs_len, lay.sec_mode, lay.pool_free.copy(), lay.roster_free.copy(),
        lay.keep, lay.rost_t, lay.rost_n, lay.rost_off, lay.lg_f, lay.lg_i, lay.alt_start, lay.alt_len,
        lay.alt_mem, lay.mem_group, lay.mem_fixed, lay.posting_s, model.max_in_line,
        lay.clock0, model.horizon_s, model.horizon_s + model.drain_s, lay.n_hours, POOL_MARGIN,
        tf, ti, shifted, q, occ, ready, ht, hi, bs, st, sf, lay.sec_positions.copy(),
        np.zeros(len(model.rosters), dtype=np.int64),  # officers on duty
        np.zeros((n_groups, 24)), np.zeros((n_groups, 24), dtype=np.bool_),  # wait last posted at each clock hour
        queue_peak, np.empty(n_scratch), np.empty((3, n_scratch), dtype=np.int64),
    )
    steps = bs[: st[kernel.S_BSN]]
    tf[np.isinf(tf)] = np.nan  # not reached: NaN in Records (the rows below are views of tf and ti)
    by_group: list[list[tuple[float, int]]] = [[] for _ in model.groups]
    for g, t, booths in steps.tolist():
        by_group[int(g)].append((t, int(booths)))
    return Records(
        replication=replication,
        start=model.start,
        horizon_s=model.horizon_s,
        warmup_s=model.warmup_s,
        end_s=float(end_s),
        stream_names=tuple(s.name for s in model.streams),
        group_names=tuple(g.name for g in model.groups),
        group_modes=tuple(g.mode for g in model.groups),
        group_booths=tuple(tuple(b) for b in by_group),
        queue_peak=queue_peak,
        group_ports=tuple(g.port for g in model.groups),
        group_lane_booths=tuple(g.booths_per_lane for g in model.groups),
        group_roster=tuple(-1 if g.roster is None else g.roster for g in model.groups),
        rosters=tuple((r.name, r.schedule) for r in model.rosters),
        arrival_s=arrival,
        stream=np.asarray(travellers.stream, dtype=np.int64),
        program=np.asarray(travellers.program, dtype=np.int64),
        group=ti[kernel.I_GROUP],
        lane=ti[kernel.I_LANE],
        start_s=tf[kernel.T_START],
        service_s=tf[kernel.T_SVC],
        depart_s=tf[kernel.T_DEP],
        referred=referred,
        sec_start_s=tf[kernel.T_SS],
        sec_end_s=tf[kernel.T_SE],
        traveller=np.arange(n, dtype=np.int64),
        shifted_h=shifted,
    )
