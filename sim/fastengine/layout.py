"""A ``Model`` laid out as the flat arrays the compiled kernel reads (no randomness, no state).

Column indices are the kernel's constants (``G_*`` for groups, ``F_*`` for their float
parameters, ``L_*`` for lanes); candidate groups and fixed shares are flattened per stream and
program; schedules are one flat array with each group's slice. Sizes of the kernel's buffers
(event heap, record of open booths) are bounded here from the model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.engine.lanes import seconds_per_lane
from sim.fastengine import kernel as k
from sim.model import PROGRAMS, Model


@dataclass(frozen=True)
class Layout:
    """Everything the kernel needs from a model, as arrays and numbers."""

    gi: np.ndarray  # [group, G_*] int64 (initial state included)
    gf: np.ndarray  # [group, F_*] float64
    g_mean: np.ndarray  # [group, program] mean service time (s)
    g_byhour: np.ndarray  # [group, clock hour] service multiplier
    g_closed: np.ndarray  # [group, clock hour] 1 in a policy's closed hours
    sched_t: np.ndarray  # every group's opening schedule, flat: change times (s) ...
    sched_n: np.ndarray  # ... and lanes open from then
    li: np.ndarray  # [lane, L_*] int64, lanes of all groups in order
    k_max: int
    cand_flat: np.ndarray  # candidate groups, flat
    cand_start: np.ndarray  # [stream, program] start in cand_flat
    cand_len: np.ndarray  # [stream, program] how many
    fs_group: np.ndarray  # fixed shares, flat: group ...
    fs_cum: np.ndarray  # ... and cumulative share
    fs_start: np.ndarray  # [stream]
    fs_len: np.ndarray  # [stream] 0: not fixed shares
    sec_mode: np.ndarray  # [stream] secondary facility index (-1: none)
    sec_positions: np.ndarray  # [facility]
    pool_free: np.ndarray  # [pool] lanes free at the start
    roster_free: np.ndarray  # [roster] officers free at the start (before the roster's first step)
    keep: np.ndarray  # [roster] 1: keep_staffed
    rost_t: np.ndarray  # every roster's steps, flat: change times (s) ...
    rost_n: np.ndarray  # ... and officers on duty from then
    rost_off: np.ndarray  # [roster + 1] each roster's slice
    lg_f: np.ndarray  # [stream, (utils per s of posted wait, give-up utility, utils per hour shifted)]
    lg_i: np.ndarray  # [stream, (has a give-up alternative, shift_h, chooses by the logit)]
    alt_start: np.ndarray  # [stream, program] first logit alternative ...
    alt_len: np.ndarray  # ... and how many
    alt_mem: np.ndarray  # [alternative, (first member, members)]
    mem_group: np.ndarray  # [member] group ...
    mem_fixed: np.ndarray  # ... and the fixed part of its utility
    posting_s: float
    clock0: float  # the window's start, as seconds since its midnight
    n_hours: int
    heap_cap: int
    bs_cap: int


def lay_out(model: Model) -> Layout:
    """The kernel's arrays for ``model`` (which ``supports`` accepts)."""
    groups = model.groups
    n_g = len(groups)
    stop_s = model.horizon_s + model.drain_s
    gi = np.zeros((n_g, k.G_COLS), dtype=np.int64)
    gf = np.zeros((n_g, k.F_COLS))
    g_mean = np.full((n_g, len(PROGRAMS)), np.nan)
    g_byhour = np.ones((n_g, 24))
    g_closed = np.zeros((n_g, 24), dtype=np.int64)
    sched_t: list[float] = []
    sched_n: list[int] = []
    lanes: list[list[int]] = []
    pool_free = np.array(model.pool_lanes, dtype=np.int64)
    bs_cap = 16 + n_g * (math.ceil(stop_s / 3600.0) + 3)
    for g, gm in enumerate(groups):
        lane0 = len(lanes)
        for j in range(gm.lanes):
            row = [0] * k.L_COLS
            row[k.L_GROUP], row[k.L_REAR], row[k.L_IDX] = g, -1, j
            lanes.append(row)
        gi[g, k.G_K] = gm.booths_per_lane
        gi[g, k.G_NL] = gm.lanes
        gi[g, k.G_LANE0] = lane0
        gi[g, k.G_PERLANE] = int(gm.per_lane)
        gi[g, k.G_POOL] = -1 if gm.pool is None else gm.pool
        gi[g, k.G_ROSTER] = -1 if gm.roster is None else gm.roster
        gi[g, k.G_SCH0] = len(sched_t)
        sched_t += [float(t) for t, _ in gm.schedule]
        sched_n += [int(n) for _, n in gm.schedule]
        gi[g, k.G_SCH1] = len(sched_t)
        bs_cap += len(gm.schedule)
        if gm.pool is not None:  # a pool group starts with its first lanes taken
            pool_free[gm.pool] -= gm.schedule[0][1]
        gf[g, k.F_LANES] = seconds_per_lane(gm)
        gf[g, k.F_FACTOR] = 1.0
        for p, d in gm.service.items():
            g_mean[g, p] = d.mean_s
        if gm.service_by_hour is not None:
            gi[g, k.G_HASBYH] = 1
            g_byhour[g] = gm.service_by_hour
        pol = gm.policy
        if pol is not None:
            gi[g, k.G_HASPOL] = 1
            gi[g, k.G_MINL], gi[g, k.G_MAXL], gi[g, k.G_PRIO] = pol.min_lanes, pol.max_lanes, pol.priority
            gf[g, k.F_LOW], gf[g, k.F_HIGH] = pol.low_wait_s, pol.high_wait_s
            gf[g, k.F_REVIEW], gf[g, k.F_REACT] = pol.review_s, pol.reaction_s
            bs_cap += 3 * (math.ceil(stop_s / pol.review_s) + 2)  # a review changes at most itself and a donor
            if pol.closed_hours:
                gi[g, k.G_CLOSABLE] = 1
                g_closed[g, sorted(pol.closed_hours)] = 1
    n_s = len(model.streams)
    cand_flat: list[int] = []
    cand_start = np.zeros((n_s, len(PROGRAMS)), dtype=np.int64)
    cand_len = np.zeros((n_s, len(PROGRAMS)), dtype=np.int64)
    fs_group: list[int] = []
    fs_cum: list[float] = []
    fs_start = np.zeros(n_s, dtype=np.int64)
    fs_len = np.zeros(n_s, dtype=np.int64)
    modes = list(model.secondary)
    sec_mode = np.full(n_s, -1, dtype=np.int64)
    for s, sm in enumerate(model.streams):
        for p, cands in sm.eligible.items():
            cand_start[s, p] = len(cand_flat)
            cand_len[s, p] = len(cands)
            cand_flat += list(cands)
        if sm.fixed_shares is not None:
            fs_start[s] = len(fs_group)
            fs_len[s] = len(sm.fixed_shares)
            fs_group += [gi_ for gi_, _ in sm.fixed_shares]
            fs_cum += [c for _, c in sm.fixed_shares]
        if sm.mode in model.secondary:
            sec_mode[s] = modes.index(sm.mode)
    sec_positions = np.array([model.secondary[m].positions for m in modes], dtype=np.int64)
    booths = sum(gm.lanes * gm.booths_per_lane for gm in groups)
    roster_free = np.zeros(len(model.rosters), dtype=np.int64)
    for gm in groups:  # a rostered group starts with its first lanes' officers taken
        if gm.roster is not None:
            roster_free[gm.roster] -= gm.schedule[0][1] * gm.booths_per_lane
    rost_t = [float(t) for r in model.rosters for t, _ in r.schedule]
    rost_n = [int(n) for r in model.rosters for _, n in r.schedule]
    rost_off = np.cumsum([0] + [len(r.schedule) for r in model.rosters]).astype(np.int64)
    bs_cap += len(rost_t) * len(lanes)  # a roster drop may close any number of lanes
    lg_f = np.zeros((n_s, 3))
    lg_i = np.zeros((n_s, 3), dtype=np.int64)
    alt_start = np.zeros((n_s, len(PROGRAMS)), dtype=np.int64)
    alt_len = np.zeros((n_s, len(PROGRAMS)), dtype=np.int64)
    alt_mem: list[tuple[int, int]] = []
    mem_group: list[int] = []
    mem_fixed: list[float] = []
    shifts = False
    for s, sm in enumerate(model.streams):
        lg = sm.logit
        if lg is None:
            continue
        lg_i[s] = (int(lg.give_up_utils is not None), lg.shift_h, 1)
        lg_f[s] = (lg.wait_utils_per_s, 0.0 if lg.give_up_utils is None else lg.give_up_utils, lg.shift_utils_per_h)
        shifts |= lg.shift_h > 0
        for p, gi_list in sm.eligible.items():
            alternatives: list[list[int]]
            if lg.lane_by_line_seen:  # one alternative per port, its groups in listed order
                ports = list(dict.fromkeys(groups[x].port for x in gi_list))
                alternatives = [[x for x in gi_list if groups[x].port == port] for port in ports]
            else:
                alternatives = [[x] for x in gi_list]
            alt_start[s, p] = len(alt_mem)
            alt_len[s, p] = len(alternatives)
            for members in alternatives:
                alt_mem.append((len(mem_group), len(members)))
                mem_group += members
                mem_fixed += [lg.fixed_utils[x] for x in members]
    return Layout(
        gi=gi, gf=gf, g_mean=g_mean, g_byhour=g_byhour, g_closed=g_closed,
        sched_t=np.array(sched_t, dtype=float), sched_n=np.array(sched_n, dtype=np.int64),
        li=np.array(lanes, dtype=np.int64).reshape(len(lanes), k.L_COLS),
        k_max=max((gm.booths_per_lane for gm in groups), default=1),
        cand_flat=np.array(cand_flat, dtype=np.int64), cand_start=cand_start, cand_len=cand_len,
        fs_group=np.array(fs_group, dtype=np.int64), fs_cum=np.array(fs_cum, dtype=float),
        fs_start=fs_start, fs_len=fs_len, sec_mode=sec_mode, sec_positions=sec_positions,
        pool_free=pool_free, roster_free=roster_free,
        keep=np.array([int(r.keep_staffed) for r in model.rosters], dtype=np.int64),
        rost_t=np.array(rost_t, dtype=float), rost_n=np.array(rost_n, dtype=np.int64), rost_off=rost_off,
        lg_f=lg_f, lg_i=lg_i, alt_start=alt_start, alt_len=alt_len,
        alt_mem=np.array(alt_mem, dtype=np.int64).reshape(len(alt_mem), 2),
        mem_group=np.array(mem_group, dtype=np.int64), mem_fixed=np.array(mem_fixed, dtype=float),
        posting_s=model.posting_interval_s,
        clock0=model.start.hour * 3600.0 + model.start.minute * 60.0 + model.start.second,
        n_hours=int(math.ceil(stop_s / 3600.0)) + 1,
        heap_cap=booths + int(sec_positions.sum()) + 3 * n_g + len(model.rosters) + 8,
        bs_cap=bs_cap,
    )
