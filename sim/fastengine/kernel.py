"""The compiled event loop (numba): one replication, from drawn travellers to what happened to them.

The only numba code of the package. It re-implements the SimPy engine's semantics (the
``sim.engine`` docstring) event for event, so that given the same travellers both engines make
the same decisions at the same instants in the same order: the event heap is ordered by
(time, priority, sequence number) exactly as SimPy orders ``(time, priority, id)``, every event
time is computed with the same floating-point operations as the SimPy engine (``now + delay``),
arrivals are merged in from their sorted array (events first on ties), and the controllers
(schedules, lane policies, pools, hours of operation, the hourly queue-peak tick) are scheduled
in the same order at the start.

State lives in a few integer and float arrays (columns named by the constants below), allocated by
``run.py``, so that the helpers are plain jitted functions compiled without reference counting;
lines are singly linked lists threaded through one ``next`` column (a traveller is in at most one
line at a time), a lane's booths a ring of k slots.
``layout.py`` builds the inputs from a ``Model``; ``run.py`` is the typed wrapper.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit

# numba's stubs do not list ``_nrt``: numba's own option to compile without its reference counting
# (the kernel allocates nothing; with it, atomic increments and decrements of every array passed to
# a helper took about half the run time). ``error_model="numpy"``: no zero-division checks.
_jit: Any = njit

# event kinds (arrivals are not heap events)
E_DONE = 1  # a primary inspection ends: a = traveller, b = lane (global)
E_SCHED = 2  # a group's opening schedule steps: a = group, b = step
E_HOUR = 3  # the hourly queue-peak tick: a = hour number (1 at 01:00 of the run)
E_SECDONE = 4  # a secondary inspection ends: a = traveller, b = facility
E_REVIEW = 5  # a lane policy's review: a = group
E_POLICY = 6  # a lane policy's decision takes effect: a = group, b = ±1
E_CLOCK = 7  # a full clock hour (policies' closed hours)
E_ROSTER = 8  # a roster steps: a = roster, b = step (flat)
E_POST = 9  # every group's wait is posted (posted-wait logit)
E_RETURN = 10  # a driver who shifted their departure arrives again: a = traveller

URGENT = 0  # SimPy's priorities: controllers are URGENT, service completions NORMAL
NORMAL = 1
_SEQ_BITS = 2**52  # heap key = priority * 2**52 + sequence number

# group int columns
G_K, G_NL, G_LANE0, G_PERLANE, G_NOPEN, G_WAIT, G_PEAK, G_SPILL = 0, 1, 2, 3, 4, 5, 6, 7
G_PENDING, G_CLOSING, G_READYN, G_POOL, G_HASPOL, G_MINL, G_MAXL, G_PRIO = 8, 9, 10, 11, 12, 13, 14, 15
G_HASBYH, G_NSTEPS, G_SCH0, G_SCH1, G_CLOSABLE, G_ROSTER = 16, 17, 18, 19, 20, 21
G_COLS = 22
# group float columns
F_LANES, F_FACTOR, F_LOW, F_HIGH, F_REVIEW, F_REACT, F_POSTED = 0, 1, 2, 3, 4, 5, 6
F_COLS = 7
# lane int columns
L_GROUP, L_OPEN, L_REAR, L_OCCH, L_OCCN, L_INREADY, L_IDX = 0, 1, 2, 3, 4, 5, 6
L_COLS = 7
# per-traveller float rows (output) and int rows
T_START, T_SVC, T_DEP, T_SS, T_SE = 0, 1, 2, 3, 4
I_GROUP, I_LANE, I_NEXT, I_FIN, I_SPILL = 0, 1, 2, 3, 4  # I_SPILL: set aside at a full line
# scalar state
S_HN, S_SEQ, S_INSYS, S_BSN, S_NEXT = 0, 1, 2, 3, 4  # S_NEXT: the next arrival's index
SF_UNTIL, SF_CLOCK0, SF_NOW = 0, 1, 2

_INF = np.inf


# -- the event heap: (time, priority·2^52 + seq) keys, payload (kind, a, b) ---------------------


@_jit(cache=True, error_model="numpy", _nrt=False, inline="always")
def _move(ht, hi, dst, src):
    """Copy heap slot ``src`` (time, key, kind, a, b) into slot ``dst``."""
    ht[dst] = ht[src]
    hi[dst, 0] = hi[src, 0]
    hi[dst, 1] = hi[src, 1]
    hi[dst, 2] = hi[src, 2]
    hi[dst, 3] = hi[src, 3]


@_jit(cache=True, error_model="numpy", _nrt=False, inline="always")
def _put(ht, hi, pos, t, key, kind, a, b):
    """Write one event into heap slot ``pos``."""
    ht[pos] = t
    hi[pos, 0] = key
    hi[pos, 1] = kind
    hi[pos, 2] = a
    hi[pos, 3] = b


@_jit(cache=True, error_model="numpy", _nrt=False, inline="always")
def _push(ht, hi, st, t, prio, kind, a, b):
    key = prio * _SEQ_BITS + st[S_SEQ]
    st[S_SEQ] += 1
    pos = st[S_HN]
    st[S_HN] = pos + 1
    while pos > 0:
        parent = (pos - 1) >> 1
        pt = ht[parent]
        if t < pt or (t == pt and key < hi[parent, 0]):
            _move(ht, hi, pos, parent)
            pos = parent
        else:
            break
    _put(ht, hi, pos, t, key, kind, a, b)


@_jit(cache=True, error_model="numpy", _nrt=False, inline="always")
def _pop(ht, hi, st):
    """Remove the first event; returns (time, kind, a, b)."""
    t0, kind, a, b = ht[0], hi[0, 1], hi[0, 2], hi[0, 3]
    n = st[S_HN] - 1
    st[S_HN] = n
    if n > 0:
        lt, lk = ht[n], hi[n, 0]
        l1, l2, l3 = hi[n, 1], hi[n, 2], hi[n, 3]
        pos = 0
        while True:
            c = 2 * pos + 1
            if c >= n:
                break
            if c + 1 < n and (ht[c + 1] < ht[c] or (ht[c + 1] == ht[c] and hi[c + 1, 0] < hi[c, 0])):
                c += 1
            if ht[c] < lt or (ht[c] == lt and hi[c, 0] < lk):
                _move(ht, hi, pos, c)
                pos = c
            else:
                break
        _put(ht, hi, pos, lt, lk, l1, l2, l3)
    return t0, kind, a, b


# -- lines: linked lists through ti[I_NEXT]; q[0] head, q[1] tail, q[2] length ----------------------


@_jit(cache=True, error_model="numpy", _nrt=False, inline="always")
def _qpush(q, ti, qid, i):
    ti[I_NEXT, i] = -1
    if q[1, qid] < 0:
        q[0, qid] = i
    else:
        ti[I_NEXT, q[1, qid]] = i
    q[1, qid] = i
    q[2, qid] += 1


@_jit(cache=True, error_model="numpy", _nrt=False, inline="always")
def _qpop(q, ti, qid):
    i = q[0, qid]
    q[0, qid] = ti[I_NEXT, i]
    if q[0, qid] < 0:
        q[1, qid] = -1
    q[2, qid] -= 1
    return i


# -- lane groups --------------------------------------------------------------------------------


@_jit(cache=True, error_model="numpy", _nrt=False)
def _sync_hours(gi, gf, g_byhour, sf, now):
    """The service multipliers of the clock hour containing ``now`` (HourlyFactors.sync)."""
    hour = int((now + sf[SF_CLOCK0]) // 3600.0)
    for g in range(gi.shape[0]):
        if gi[g, G_HASBYH]:
            gf[g, F_FACTOR] = g_byhour[g, hour % 24]
    sf[SF_UNTIL] = (hour + 1) * 3600.0 - sf[SF_CLOCK0]


@_jit(cache=True, error_model="numpy", _nrt=False, inline="always")
def _enter(gi, gf, g_byhour, sf, li, occ, service, tf, ti, ht, hi, st, g, lane, i, now):
    """Traveller i reaches a booth of ``lane``: the wait ends, inspection starts."""
    if now >= sf[SF_UNTIL]:
        _sync_hours(gi, gf, g_byhour, sf, now)
    d = service[g, i] * gf[g, F_FACTOR]
    li[lane, L_REAR] += 1
    slot = li[lane, L_OCCH] + li[lane, L_OCCN]  # the ring of k booths: slot < 2k
    if slot >= gi[g, G_K]:
        slot -= gi[g, G_K]
    occ[lane, slot] = i
    li[lane, L_OCCN] += 1
    tf[T_START, i] = now
    ti[I_LANE, i] = li[lane, L_IDX]
    tf[T_SVC, i] = d
    _push(ht, hi, st, now + d, NORMAL, E_DONE, i, lane)


@_jit(cache=True, error_model="numpy", _nrt=False, inline="always")
def _fill(gi, gf, g_byhour, sf, li, occ, service, tf, ti, ht, hi, st, q, ready, g, lane, now):
    """Let travellers into ``lane`` while its rear booth is free."""
    k1 = gi[g, G_K] - 1
    n_groups = gi.shape[0]
    if gi[g, G_PERLANE]:
        qid = n_groups + lane
        while q[2, qid] > 0 and li[lane, L_REAR] < k1:
            gi[g, G_WAIT] -= 1
            _enter(gi, gf, g_byhour, sf, li, occ, service, tf, ti, ht, hi, st, g, lane, _qpop(q, ti, qid), now)
        return
    if not li[lane, L_OPEN]:
        return
    while q[2, g] > 0 and li[lane, L_REAR] < k1:
        gi[g, G_WAIT] -= 1
        _enter(gi, gf, g_byhour, sf, li, occ, service, tf, ti, ht, hi, st, g, lane, _qpop(q, ti, g), now)
    if li[lane, L_REAR] < k1 and not li[lane, L_INREADY]:
        ready[g, gi[g, G_READYN]] = lane
        gi[g, G_READYN] += 1
        li[lane, L_INREADY] = 1


@_jit(cache=True, error_model="numpy", _nrt=False, inline="always")
def _admit(gi, gf, g_byhour, sf, li, occ, service, tf, ti, ht, hi, st, q, ready, g, i, now):
    """Traveller i joins group g: straight to a booth, or into a line."""
    k1 = gi[g, G_K] - 1
    n_groups = gi.shape[0]
    if gi[g, G_PERLANE]:
        best = -1
        best_n = 1 << 62
        lane0 = gi[g, G_LANE0]
        for lane in range(lane0, lane0 + gi[g, G_NL]):
            if li[lane, L_OPEN]:
                n = q[2, n_groups + lane] + li[lane, L_OCCN]
                if n < best_n:
                    best, best_n = lane, n
        if best < 0:
            _qpush(q, ti, g, i)  # no lane open: the holding line
        elif q[2, n_groups + best] == 0 and li[best, L_REAR] < k1:
            _enter(gi, gf, g_byhour, sf, li, occ, service, tf, ti, ht, hi, st, g, best, i, now)
            return
        else:
            _qpush(q, ti, n_groups + best, i)
    elif gi[g, G_READYN] > 0 and q[2, g] == 0:
        lane = ready[g, gi[g, G_READYN] - 1]
        _enter(gi, gf, g_byhour, sf, li, occ, service, tf, ti, ht, hi, st, g, lane, i, now)
        if li[lane, L_REAR] == k1:
            gi[g, G_READYN] -= 1
            li[lane, L_INREADY] = 0
        return
    else:
        _qpush(q, ti, g, i)
    gi[g, G_WAIT] += 1
    if gi[g, G_WAIT] > gi[g, G_PEAK]:
        gi[g, G_PEAK] = gi[g, G_WAIT]


@_jit(cache=True, error_model="numpy", _nrt=False)
def _free_booth(gi, li, q, g):
    """Would a traveller joining g now go straight to a booth?"""
    k1 = gi[g, G_K] - 1
    if gi[g, G_PERLANE]:
        n_groups = gi.shape[0]
        lane0 = gi[g, G_LANE0]
        for lane in range(lane0, lane0 + gi[g, G_NL]):
            if li[lane, L_OPEN] and q[2, n_groups + lane] == 0 and li[lane, L_REAR] < k1:
                return True
        return False
    return gi[g, G_READYN] > 0 and q[2, g] == 0


@_jit(cache=True, error_model="numpy", _nrt=False)
def _close_lane(gi, li, ready, g, lane):
    li[lane, L_OPEN] = 0
    gi[g, G_NOPEN] -= 1
    if li[lane, L_INREADY]:
        n = gi[g, G_READYN]
        j = 0
        while ready[g, j] != lane:
            j += 1
        for m in range(j, n - 1):
            ready[g, m] = ready[g, m + 1]
        gi[g, G_READYN] = n - 1
        li[lane, L_INREADY] = 0


@_jit(cache=True, error_model="numpy", _nrt=False)
def _set_open(gi, gf, g_byhour, sf, li, occ, service, tf, ti, ht, hi, st, q, ready, bs, g, target, now):
    """Open lanes (lowest number first) or close them (idle ones first, highest number first;
    busy ones finish their travellers) until ``target`` accept travellers."""
    if target != gi[g, G_NOPEN] or gi[g, G_NSTEPS] == 0:
        n = st[S_BSN]
        if n >= bs.shape[0]:
            raise RuntimeError("fast engine: booth-step buffer too small")
        bs[n, 0] = g
        bs[n, 1] = now
        bs[n, 2] = target * gi[g, G_K]
        st[S_BSN] = n + 1
        gi[g, G_NSTEPS] += 1
    n_groups = gi.shape[0]
    lane0 = gi[g, G_LANE0]
    lane1 = lane0 + gi[g, G_NL]
    if target > gi[g, G_NOPEN]:
        for lane in range(lane0, lane1):
            if gi[g, G_NOPEN] == target:
                break
            if not li[lane, L_OPEN]:
                li[lane, L_OPEN] = 1
                gi[g, G_NOPEN] += 1
                if not gi[g, G_PERLANE]:
                    _fill(gi, gf, g_byhour, sf, li, occ, service, tf, ti, ht, hi, st, q, ready, g, lane, now)
        if gi[g, G_PERLANE]:
            # the holding line (kept while no lane was open) spreads over the open lanes in order
            while q[2, g] > 0:
                best = -1
                best_n = 1 << 62
                for lane in range(lane0, lane1):
                    if li[lane, L_OPEN]:
                        n = q[2, n_groups + lane] + li[lane, L_OCCN]
                        if n < best_n:
                            best, best_n = lane, n
                _qpush(q, ti, n_groups + best, _qpop(q, ti, g))
            for lane in range(lane0, lane1):
                if li[lane, L_OPEN]:
                    _fill(gi, gf, g_byhour, sf, li, occ, service, tf, ti, ht, hi, st, q, ready, g, lane, now)
    elif target < gi[g, G_NOPEN]:
        todo = gi[g, G_NOPEN] - target
        # idle lanes first (highest number first), then busy ones (highest number first); closing a
        # lane changes neither its travellers nor its line, so idleness is read as it goes
        for want_idle in (True, False):
            for lane in range(lane1 - 1, lane0 - 1, -1):
                idle = li[lane, L_OCCN] + q[2, n_groups + lane] == 0
                if todo > 0 and li[lane, L_OPEN] and idle == want_idle:
                    _close_lane(gi, li, ready, g, lane)
                    todo -= 1


@_jit(cache=True, error_model="numpy", _nrt=False)
def _wait_estimate(gi, gf, g_byhour, sf, g, now):
    """A lane policy's estimate of the wait of a traveller joining g now (s)."""
    if gi[g, G_WAIT] == 0:
        return 0.0
    if gi[g, G_NOPEN] == 0:
        return _INF
    if now >= sf[SF_UNTIL]:
        _sync_hours(gi, gf, g_byhour, sf, now)
    return gi[g, G_WAIT] * gf[g, F_LANES] / gi[g, G_NOPEN] * gf[g, F_FACTOR]


# -- lane choice --------------------------------------------------------------------------------


@_jit(cache=True, error_model="numpy", _nrt=False)
def _sew(gi, li, q, g_mean, cands, c0, nc, p):
    """Shortest expected wait among ``cands[c0:c0 + nc]`` for program p (first listed on ties;
    groups with no lane open or in closed hours only if all are)."""
    best = cands[c0]
    best_t = _INF
    for j in range(c0, c0 + nc):
        g = cands[j]
        if gi[g, G_NOPEN] == 0 or gi[g, G_CLOSING]:
            continue
        mean_s = g_mean[g, p]
        if _free_booth(gi, li, q, g):
            k_wait = 0.0
        else:
            k_wait = (gi[g, G_WAIT] + 1) * mean_s / (gi[g, G_NOPEN] * gi[g, G_K])
        t = k_wait + mean_s
        if t < best_t:
            best, best_t = g, t
    return best


@_jit(cache=True, error_model="numpy", _nrt=False)
def _choose(gi, li, q, g_mean, cand_flat, cand_start, cand_len, fs_group, fs_cum, fs_start, fs_len, s, p, u):
    """The group traveller (stream s, program p, lane-choice uniform u) joins: fixed shares or the
    shortest expected wait."""
    nf = fs_len[s]
    if nf > 0:
        f0 = fs_start[s]
        if u < fs_cum[f0 + nf - 1]:
            for j in range(f0, f0 + nf):
                if u < fs_cum[j]:
                    return fs_group[j]
        return fs_group[f0 + nf - 1]
    c0 = cand_start[s, p]
    nc = cand_len[s, p]
    if nc == 1:
        return cand_flat[c0]
    return _sew(gi, li, q, g_mean, cand_flat, c0, nc, p)


@_jit(cache=True, error_model="numpy", _nrt=False)
def _logit(gi, gf, li, q, g_mean, posted_at, posted_set, lg_f, lg_i, alt_start, alt_len, alt_mem, mem_group,
           mem_fixed, scratch_f, scratch_i, s, p, u, now, may_shift, clock0, horizon_s):
    """Posted-wait logit (Choice._logit_choice), inverted at the driver's uniform u. Returns
    (0, group) to join, (1, h) to come back h hours later, (2, -1) to give up."""
    wait_b = lg_f[s, 0]
    a0 = alt_start[s, p]
    na = alt_len[s, p]
    util = scratch_f  # sized for the most alternatives of any stream and program (+ shifts + give-up)
    kind = scratch_i[0]
    value = scratch_i[1]
    n = 0
    for a in range(a0, a0 + na):
        found = False
        best_v = 0.0
        for m in range(alt_mem[a, 0], alt_mem[a, 0] + alt_mem[a, 1]):
            g = mem_group[m]
            if (gi[g, G_NOPEN] or gi[g, G_PENDING]) and not gi[g, G_CLOSING]:
                v = mem_fixed[m] + wait_b * gf[g, F_POSTED]
                if not found or v > best_v:
                    best_v, found = v, True
        if found:
            util[n], kind[n], value[n] = best_v, 0, a
            n += 1
    shift_h = lg_i[s, 1]
    if shift_h > 0 and may_shift:
        hour = int((now + clock0) // 3600.0)
        for h in range(1, shift_h + 1):
            if now + 3600.0 * h >= horizon_s:
                break
            at = (hour + h) % 24
            later = 0.0
            first = True
            for a in range(a0, a0 + na):
                for m in range(alt_mem[a, 0], alt_mem[a, 0] + alt_mem[a, 1]):
                    g = mem_group[m]
                    posted = posted_at[g, at] if posted_set[g, at] else gf[g, F_POSTED]
                    v = mem_fixed[m] + wait_b * posted
                    if first or v > later:
                        later, first = v, False
            util[n], kind[n], value[n] = later + lg_f[s, 2] * h, 1, h
            n += 1
    if lg_i[s, 0]:  # the give-up alternative, listed last
        util[n], kind[n], value[n] = lg_f[s, 1], 2, -1
        n += 1
    if n == 0:  # nothing available and no give-up: the first candidate group
        return 0, mem_group[alt_mem[a0, 0]]
    j = 0
    if n > 1:
        top = util[0]
        for m in range(1, n):
            if util[m] > top:
                top = util[m]
        total = 0.0  # left to right, as Python 3.10-3.11's sum(); 3.12's compensated sum() may differ in
        for m in range(n):  # the last bit, which changes a choice only if u lands within that bit of a boundary
            util[m] = np.exp(util[m] - top)
            total += util[m]
        x = u * total
        j = n - 1
        for m in range(n):
            x -= util[m]
            if x < 0:
                j = m
                break
    if kind[j] != 0:
        return kind[j], value[j]
    # the port's available groups: the one the driver expects to clear soonest from the lines in sight
    a = value[j]
    avail = scratch_i[2]
    na_ = 0
    for m in range(alt_mem[a, 0], alt_mem[a, 0] + alt_mem[a, 1]):
        g = mem_group[m]
        if (gi[g, G_NOPEN] or gi[g, G_PENDING]) and not gi[g, G_CLOSING]:
            avail[na_] = g
            na_ += 1
    if na_ == 1:
        return 0, avail[0]
    return 0, _sew(gi, li, q, g_mean, avail, 0, na_, p)


# -- lane policies, pools and officers' rosters ------------------------------------------------


@_jit(cache=True, error_model="numpy", _nrt=False)
def _release(gi, pool_free, roster_free, g, lanes):
    """A closed lane goes back to the pool, its officers to the roster."""
    if gi[g, G_POOL] >= 0:
        pool_free[gi[g, G_POOL]] += lanes
    if gi[g, G_ROSTER] >= 0:
        roster_free[gi[g, G_ROSTER]] += lanes * gi[g, G_K]


@_jit(cache=True, error_model="numpy", _nrt=False)
def _close_if_empty(gi, gf, g_byhour, sf, li, occ, service, tf, ti, ht, hi, st, q, ready, bs, pool_free, roster_free,
                    g, now):
    if gi[g, G_WAIT] == 0 and gi[g, G_NOPEN] > 0 and not gi[g, G_PENDING]:
        _release(gi, pool_free, roster_free, g, gi[g, G_NOPEN])
        _set_open(gi, gf, g_byhour, sf, li, occ, service, tf, ti, ht, hi, st, q, ready, bs, g, 0, now)


@_jit(cache=True, error_model="numpy", _nrt=False)
def _share(gi, gf, g_byhour, sf, g, now):
    """A policy group's estimated wait as a share of its policy's upper target."""
    return _wait_estimate(gi, gf, g_byhour, sf, g, now) / gf[g, F_HIGH]


@_jit(cache=True, error_model="numpy", _nrt=False)
def _donor(gi, gf, g_byhour, sf, roster_free, g, pressure, margin, need_lane, need_staff, now):
    """Of the other groups that share what g lacks (its pool's lanes, its roster's officers) and can
    spare a lane, the one whose estimated wait is the smallest share of its own upper target, if below
    ``pressure`` / margin (lower priority first, whatever its line; higher priority never)."""
    free = roster_free[gi[g, G_ROSTER]] if gi[g, G_ROSTER] >= 0 else 0
    best = -1
    best_p = gi[g, G_PRIO]
    best_x = pressure / margin
    for h in range(gi.shape[0]):
        if h == g or not gi[h, G_HASPOL] or gi[h, G_PENDING] or gi[h, G_NOPEN] <= gi[h, G_MINL]:
            continue
        if gi[h, G_PRIO] > gi[g, G_PRIO]:
            continue
        if need_lane and gi[h, G_POOL] != gi[g, G_POOL]:
            continue
        if need_staff and (gi[h, G_ROSTER] != gi[g, G_ROSTER] or free + gi[h, G_K] < gi[g, G_K]):
            continue
        hp = gi[h, G_PRIO]
        x = _share(gi, gf, g_byhour, sf, h, now)
        if hp < best_p or (hp == best_p and x < best_x):
            best, best_p, best_x = h, hp, x
    return best


@_jit(cache=True, error_model="numpy", _nrt=False)
def _is_taker(gi, pool_free, g, h, skip_pending, g_frees_a_lane):
    """Could h, another policy group of g's roster, open a lane now? (Staffing._takers)"""
    if h == g or not gi[h, G_HASPOL] or gi[h, G_ROSTER] != gi[g, G_ROSTER]:
        return False
    if gi[h, G_CLOSING] or (skip_pending and gi[h, G_PENDING]) or gi[h, G_NOPEN] >= gi[h, G_MAXL]:
        return False
    ph = gi[h, G_POOL]
    if ph >= 0 and pool_free[ph] <= 0 and not (g_frees_a_lane and ph == gi[g, G_POOL]):
        return False
    return True


@_jit(cache=True, error_model="numpy", _nrt=False)
def _neediest(gi, gf, g_byhour, sf, pool_free, g, now):
    """Under keep_staffed: g may take free officers only if no taker has a line longer for its band."""
    share = _share(gi, gf, g_byhour, sf, g, now)
    for h in range(gi.shape[0]):
        if _is_taker(gi, pool_free, g, h, True, False):
            if gi[h, G_WAIT] > 0 and _share(gi, gf, g_byhour, sf, h, now) > share:
                return False
    return True


@_jit(cache=True, error_model="numpy", _nrt=False)
def _officer_wanted(gi, gf, g_byhour, sf, pool_free, g, now):
    """Under keep_staffed: a short line's lane closes only if its officers can go to a line that is not short."""
    for h in range(gi.shape[0]):
        if _is_taker(gi, pool_free, g, h, False, True):
            if gi[h, G_WAIT] > 0 and _wait_estimate(gi, gf, g_byhour, sf, h, now) >= gf[h, F_LOW]:
                return True
    return False


@_jit(cache=True, error_model="numpy", _nrt=False)
def _review(gi, gf, g_byhour, sf, li, occ, service, tf, ti, ht, hi, st, q, ready, bs, pool_free, roster_free, keep,
            margin, g, now):
    """A lane policy's review: open or close one lane (after the reaction time) outside the band."""
    _push(ht, hi, st, now + gf[g, F_REVIEW], URGENT, E_REVIEW, g, 0)
    if gi[g, G_PENDING]:
        return
    if gi[g, G_CLOSING]:
        _close_if_empty(gi, gf, g_byhour, sf, li, occ, service, tf, ti, ht, hi, st, q, ready, bs, pool_free,
                        roster_free, g, now)
        return
    estimate = _wait_estimate(gi, gf, g_byhour, sf, g, now)
    high = gf[g, F_HIGH]
    delta = 0
    pool = gi[g, G_POOL]
    roster = gi[g, G_ROSTER]
    kept = roster >= 0 and keep[roster] != 0
    want = estimate > high or gi[g, G_NOPEN] < gi[g, G_MINL]
    if (want or (kept and gi[g, G_WAIT] > 0 and _neediest(gi, gf, g_byhour, sf, pool_free, g, now))) \
            and gi[g, G_NOPEN] < gi[g, G_MAXL]:
        need_lane = pool >= 0 and pool_free[pool] <= 0
        need_staff = roster >= 0 and roster_free[roster] < gi[g, G_K]
        if not (need_lane or need_staff):
            delta = 1
        elif want:  # pool or roster used up: take a lane from the member whose line is shortest for its band
            pressure = estimate / high if estimate > high else _INF
            donor = _donor(gi, gf, g_byhour, sf, roster_free, g, pressure, margin, need_lane, need_staff, now)
            if donor >= 0:
                gi[donor, G_PENDING] = 1
                _push(ht, hi, st, now + gf[donor, F_REACT], URGENT, E_POLICY, donor, -1)
                delta = 1
        if delta:  # promise the lane and its officers to this group now
            if pool >= 0:
                pool_free[pool] -= 1
            if roster >= 0:
                roster_free[roster] -= gi[g, G_K]
    elif estimate < gf[g, F_LOW] and gi[g, G_NOPEN] > gi[g, G_MINL] and \
            (not kept or _officer_wanted(gi, gf, g_byhour, sf, pool_free, g, now)):
        delta = -1
    if delta:
        gi[g, G_PENDING] = 1
        _push(ht, hi, st, now + gf[g, F_REACT], URGENT, E_POLICY, g, delta)


@_jit(cache=True, error_model="numpy", _nrt=False)
def _roster_step(gi, gf, g_byhour, sf, li, occ, service, tf, ti, ht, hi, st, q, ready, bs, pool_free, roster_free,
                 on_duty, r, officers, now):
    """Officers come on or go off duty; going off, lanes close at once (shortest line for its target
    first, non-preemptively) until the booths open and promised fit those on duty."""
    roster_free[r] += officers - on_duty[r]
    on_duty[r] = officers
    while roster_free[r] < 0:
        best = -1
        best_x = 0.0
        for h in range(gi.shape[0]):
            if gi[h, G_ROSTER] == r and gi[h, G_NOPEN] > 0:
                x = _share(gi, gf, g_byhour, sf, h, now)
                if best < 0 or x <= best_x:  # ties: the higher group number (min of (share, -index))
                    best, best_x = h, x
        if best < 0:
            break  # only promised openings remain; they are cancelled when due
        _release(gi, pool_free, roster_free, best, 1)
        _set_open(gi, gf, g_byhour, sf, li, occ, service, tf, ti, ht, hi, st, q, ready, bs, best,
                  gi[best, G_NOPEN] - 1, now)


# -- secondary ----------------------------------------------------------------------------------


@_jit(cache=True, error_model="numpy", _nrt=False)
def _refer(stream, sec_s, sec_mode, sec_free, q, ti, tf, ht, hi, st, max_in_line, qbase, j, now):
    """Traveller j leaves primary for secondary."""
    m = sec_mode[stream[j]]
    if sec_free[m] > 0:
        sec_free[m] -= 1
        tf[T_SS, j] = now
        _push(ht, hi, st, now + sec_s[j], NORMAL, E_SECDONE, j, m)
    elif q[2, qbase + m] >= max_in_line:
        ti[I_SPILL, j] = 1  # secondary's line is full: set aside, never inspected
    else:
        _qpush(q, ti, qbase + m, j)


# -- the run ------------------------------------------------------------------------------------


@_jit(cache=True, error_model="numpy", _nrt=False)
def _join(gi, gf, g_byhour, sf, li, occ, service, tf, ti, ht, hi, st, q, ready, g_mean, stream, program, choice_u,
          referred, shifted, cand_flat, cand_start, cand_len, fs_group, fs_cum, fs_start, fs_len, posted_at,
          posted_set, lg_f, lg_i, alt_start, alt_len, alt_mem, mem_group, mem_fixed, scratch_f, scratch_i, max_in_line,
          horizon_s, i, now):
    """Traveller i chooses a lane group and joins its line (or is set aside at a full one), gives up,
    or comes back later (posted-wait logit)."""
    s = stream[i]
    p = program[i]
    if lg_i[s, 2]:
        kind, g = _logit(gi, gf, li, q, g_mean, posted_at, posted_set, lg_f, lg_i, alt_start, alt_len, alt_mem,
                         mem_group, mem_fixed, scratch_f, scratch_i, s, p, choice_u[i], now, shifted[i] == 0,
                         sf[SF_CLOCK0], horizon_s)
        if kind == 1:  # comes back g hours later
            shifted[i] = g
            _push(ht, hi, st, now + 3600.0 * g, NORMAL, E_RETURN, i, 0)
            return
        if kind == 2:  # gives up: leaves at once without crossing (and so is never referred)
            tf[T_DEP, i] = now
            referred[i] = False
            st[S_INSYS] -= 1
            return
    elif fs_len[s] == 0 and cand_len[s, p] == 1:  # one group to choose from (the hot path)
        g = cand_flat[cand_start[s, p]]
    else:
        g = _choose(gi, li, q, g_mean, cand_flat, cand_start, cand_len, fs_group, fs_cum, fs_start, fs_len, s, p,
                    choice_u[i])
    ti[I_GROUP, i] = g
    if gi[g, G_WAIT] >= max_in_line:  # set aside: counted in the line, never simulated
        ti[I_SPILL, i] = 1
        gi[g, G_SPILL] += 1
        if gi[g, G_WAIT] + gi[g, G_SPILL] > gi[g, G_PEAK]:
            gi[g, G_PEAK] = gi[g, G_WAIT] + gi[g, G_SPILL]
    else:
        _admit(gi, gf, g_byhour, sf, li, occ, service, tf, ti, ht, hi, st, q, ready, g, i, now)


@_jit(cache=True, error_model="numpy", _nrt=False)
def start(gi, gf, sched_t, rost_t, rost_off, lg_i, posting_s, ht, hi, st):
    """Schedule the first events, in the SimPy engine's order (it decides ties at equal times)."""
    any_closable = False
    any_logit = False
    for s in range(lg_i.shape[0]):
        if lg_i[s, 2]:
            any_logit = True
    for g in range(gi.shape[0]):
        _push(ht, hi, st, sched_t[gi[g, G_SCH0]], URGENT, E_SCHED, g, gi[g, G_SCH0])
        if gi[g, G_HASPOL]:
            _push(ht, hi, st, gf[g, F_REVIEW], URGENT, E_REVIEW, g, 0)
        if gi[g, G_CLOSABLE]:
            any_closable = True
    for r in range(rost_off.shape[0] - 1):
        _push(ht, hi, st, rost_t[rost_off[r]], URGENT, E_ROSTER, r, rost_off[r])
    if any_logit:
        _push(ht, hi, st, posting_s, URGENT, E_POST, 0, 0)
    _push(ht, hi, st, 3600.0, URGENT, E_HOUR, 1, 0)
    if any_closable:
        _push(ht, hi, st, 0.0, URGENT, E_CLOCK, 0, 0)


@_jit(cache=True, error_model="numpy", _nrt=False)
def advance(arrival, stream, program, choice_u, referred, sec_s, service,
            gi, gf, g_mean, g_byhour, g_closed, sched_t, sched_n, li,
            cand_flat, cand_start, cand_len, fs_group, fs_cum, fs_start, fs_len,
            sec_mode, pool_free, roster_free, keep, rost_t, rost_n, rost_off,
            lg_f, lg_i, alt_start, alt_len, alt_mem, mem_group, mem_fixed, posting_s,
            max_in_line, clock0, horizon_s, stop_s, n_hours, margin,
            tf, ti, shifted, q, occ, ready, ht, hi, bs, st, sf, sec_free, on_duty, posted_at, posted_set,
            queue_peak, scratch_f, scratch_i, until, drain):
    """Run the replication on, in the arrays given (allocated and initialised by ``run.py``: the
    kernel allocates nothing, so it runs without numba's reference counting). Not ``drain``: every
    arrival (``arrival[st[S_NEXT]:]``, merged in, events first on ties) and event before ``until``
    (SimPy engine's ``advance``). ``drain``: events before ``stop_s`` while anyone is inside; returns
    the run's end (``Loop.drain``). The clock and the next arrival are kept in ``sf``/``st`` between
    calls. ``arrival`` and ``referred`` are updated in place (a driver who comes back later arrives
    then; one who gives up is not referred); times go to ``tf``, groups and lanes to ``ti``,
    open-booth changes to ``bs[:st[S_BSN]]``."""
    n = arrival.shape[0]
    n_groups = gi.shape[0]
    n_lanes = li.shape[0]
    qbase = n_groups + n_lanes
    now = sf[SF_NOW]
    i = st[S_NEXT]
    draining = drain
    while True:
        if not draining:
            t_arr = arrival[i] if i < n else _INF
            if st[S_HN] > 0 and ht[0] <= t_arr:
                if ht[0] >= until:
                    break
            else:
                if t_arr >= until:
                    break
                now = t_arr
                st[S_INSYS] += 1
                s = stream[i]
                p = program[i]
                if not lg_i[s, 2] and fs_len[s] == 0 and cand_len[s, p] == 1:  # the hot path, inline
                    g = cand_flat[cand_start[s, p]]
                    ti[I_GROUP, i] = g
                    if gi[g, G_WAIT] >= max_in_line:
                        ti[I_SPILL, i] = 1
                        gi[g, G_SPILL] += 1
                        if gi[g, G_WAIT] + gi[g, G_SPILL] > gi[g, G_PEAK]:
                            gi[g, G_PEAK] = gi[g, G_WAIT] + gi[g, G_SPILL]
                    else:
                        _admit(gi, gf, g_byhour, sf, li, occ, service, tf, ti, ht, hi, st, q, ready, g, i, now)
                    i += 1
                    continue
                _join(gi, gf, g_byhour, sf, li, occ, service, tf, ti, ht, hi, st, q, ready, g_mean, stream, program,
                      choice_u, referred, shifted, cand_flat, cand_start, cand_len, fs_group, fs_cum, fs_start, fs_len,
                      posted_at, posted_set, lg_f, lg_i, alt_start, alt_len, alt_mem, mem_group, mem_fixed,
                      scratch_f, scratch_i, max_in_line, horizon_s, i, now)
                i += 1
                continue
        elif not (st[S_INSYS] > 0 and st[S_HN] > 0 and ht[0] < stop_s):
            break
        # one event
        t, kind, a, b = _pop(ht, hi, st)
        now = t
        if kind == E_DONE:
            lane = b
            g = li[lane, L_GROUP]
            k = gi[g, G_K]
            ti[I_FIN, a] = 1
            while li[lane, L_OCCN] > 0 and ti[I_FIN, occ[lane, li[lane, L_OCCH]]]:
                j = occ[lane, li[lane, L_OCCH]]
                li[lane, L_OCCH] = 0 if li[lane, L_OCCH] + 1 == k else li[lane, L_OCCH] + 1
                li[lane, L_OCCN] -= 1
                tf[T_DEP, j] = now
                if referred[j]:
                    _refer(stream, sec_s, sec_mode, sec_free, q, ti, tf, ht, hi, st, max_in_line, qbase, j, now)
                else:
                    st[S_INSYS] -= 1
            if li[lane, L_OCCN] == 0:
                li[lane, L_REAR] = -1
            _fill(gi, gf, g_byhour, sf, li, occ, service, tf, ti, ht, hi, st, q, ready, g, lane, now)
        elif kind == E_SECDONE:
            st[S_INSYS] -= 1
            tf[T_SE, a] = now
            if q[2, qbase + b] > 0:
                j = _qpop(q, ti, qbase + b)
                tf[T_SS, j] = now
                _push(ht, hi, st, now + sec_s[j], NORMAL, E_SECDONE, j, b)
            else:
                sec_free[b] += 1
        elif kind == E_SCHED:
            if b + 1 < gi[a, G_SCH1]:
                _push(ht, hi, st, now + (sched_t[b + 1] - now), URGENT, E_SCHED, a, b + 1)
            _set_open(gi, gf, g_byhour, sf, li, occ, service, tf, ti, ht, hi, st, q, ready, bs, a, sched_n[b], now)
        elif kind == E_HOUR:
            if a <= n_hours:
                for g in range(n_groups):
                    queue_peak[g, a - 1] = gi[g, G_PEAK]
                    gi[g, G_PEAK] = gi[g, G_WAIT] + gi[g, G_SPILL]
                _push(ht, hi, st, now + 3600.0, URGENT, E_HOUR, a + 1, 0)
        elif kind == E_REVIEW:
            _review(gi, gf, g_byhour, sf, li, occ, service, tf, ti, ht, hi, st, q, ready, bs, pool_free, roster_free,
                    keep, margin, a, now)
        elif kind == E_POLICY:
            gi[a, G_PENDING] = 0
            delta = b
            r = gi[a, G_ROSTER]
            if delta > 0 and r >= 0 and roster_free[r] < 0:
                # officers went off duty meanwhile: the opening is cancelled and its promise returned
                roster_free[r] += gi[a, G_K]
                if gi[a, G_POOL] >= 0:
                    pool_free[gi[a, G_POOL]] += 1
                continue
            if delta < 0:
                delta = -min(-delta, gi[a, G_NOPEN])
                if delta == 0:
                    continue
                _release(gi, pool_free, roster_free, a, -delta)
            _set_open(gi, gf, g_byhour, sf, li, occ, service, tf, ti, ht, hi, st, q, ready, bs, a,
                      gi[a, G_NOPEN] + delta, now)
        elif kind == E_ROSTER:
            if b + 1 < rost_off[a + 1]:
                _push(ht, hi, st, now + (rost_t[b + 1] - now), URGENT, E_ROSTER, a, b + 1)
            _roster_step(gi, gf, g_byhour, sf, li, occ, service, tf, ti, ht, hi, st, q, ready, bs, pool_free,
                         roster_free, on_duty, a, rost_n[b], now)
        elif kind == E_POST:
            _push(ht, hi, st, now + posting_s, URGENT, E_POST, 0, 0)
            hour = int((now + clock0) // 3600.0) % 24
            for g in range(n_groups):
                gf[g, F_POSTED] = _wait_estimate(gi, gf, g_byhour, sf, g, now)
                posted_at[g, hour] = gf[g, F_POSTED]
                posted_set[g, hour] = True
        elif kind == E_RETURN:  # a driver who shifted their departure arrives again
            arrival[a] = now
            _join(gi, gf, g_byhour, sf, li, occ, service, tf, ti, ht, hi, st, q, ready, g_mean, stream, program,
                  choice_u, referred, shifted, cand_flat, cand_start, cand_len, fs_group, fs_cum, fs_start, fs_len,
                  posted_at, posted_set, lg_f, lg_i, alt_start, alt_len, alt_mem, mem_group, mem_fixed, scratch_f,
                  scratch_i, max_in_line, horizon_s, a, now)
        elif kind == E_CLOCK:
            kh = int((now + clock0 + 1e-6) // 3600.0)
            hour = kh % 24
            _push(ht, hi, st, now + ((kh + 1) * 3600.0 - clock0 - now), URGENT, E_CLOCK, 0, 0)
            for g in range(n_groups):
                if gi[g, G_CLOSABLE]:
                    gi[g, G_CLOSING] = g_closed[g, hour]
                    if gi[g, G_CLOSING]:
                        _close_if_empty(gi, gf, g_byhour, sf, li, occ, service, tf, ti, ht, hi, st, q, ready, bs,
                                        pool_free, roster_free, g, now)
    st[S_NEXT] = i
    if not drain:
        sf[SF_NOW] = max(now, until)
        return sf[SF_NOW]
    sf[SF_NOW] = now
    return now if st[S_INSYS] == 0 else max(stop_s, now)
