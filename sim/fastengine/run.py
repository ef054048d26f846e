"""The fast engine's typed entry points: ``FastEngine``, with the SimPy ``Engine``'s interface for
streaming runs (``feed``, ``advance``, ``retire``, ``drain``), and ``simulate_replication`` (model +
drawn travellers → ``Records``, as the SimPy engine returns them), so everything downstream
(statistics, streaming totals, reports, regression) is unchanged.

The kernel allocates nothing: this module owns its arrays. Per-traveller arrays grow as travellers
are fed and shrink as ``retire`` forgets those who have left; every traveller index the kernel holds
(lines, booths, pending events) is then renumbered, as the SimPy engine's ``retire`` does.
"""

from __future__ import annotations

import math

import numpy as np

from sim.engine import POOL_MARGIN
from sim.fastengine import kernel
from sim.fastengine.layout import lay_out
from sim.fastengine.support import supports
from sim.model import Model
from sim.records import Records, model_fields
from sim.travellers import Travellers

__all__ = ["FastEngine", "simulate_replication"]

_TRAVELLER_INDEX_EVENTS = (kernel.E_DONE, kernel.E_SECDONE, kernel.E_RETURN)  # events whose payload ``a`` is one


class _Held:
    """A per-traveller column of the engine: the first ``held`` entries of its buffer (the last
    axis of the 2-D ones). Buffers grow by doubling, so a streaming run's daily ``feed`` appends
    without copying every traveller still held."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, engine: FastEngine, owner: type | None = None) -> np.ndarray:
        return engine._buf[self.name][..., : engine.held]


class FastEngine:
    """One replication on the compiled kernel. ``FastEngine(model, travellers).run()`` → ``Records``;
    for long windows ``feed`` travellers a day at a time, ``advance`` the clock and ``retire`` those
    who have left (``runner._run_streaming``), exactly as with ``sim.engine.Engine``."""

    # the travellers held, in arrival order
    uid, arrival, stream, program, choice_u = _Held(), _Held(), _Held(), _Held(), _Held()
    referred, sec_s, shifted = _Held(), _Held(), _Held()
    service = _Held()  # group × traveller: primary service time there
    tf = _Held()  # start, service, depart, secondary start and end (inf: not reached)
    ti = _Held()  # group, lane, next in line, finished, set aside

    def __init__(self, model: Model, travellers: Travellers | None = None, replication: int = 0):
        ok, reason = supports(model)
        if not ok:
            raise ValueError(f"the fast engine cannot run {model.name!r}: {reason}")
        self.model = model
        self.replication = replication
        lay = self.lay = lay_out(model)
        n_groups, n_lanes, n_sec = len(model.groups), len(lay.li), len(lay.sec_positions)
        self.gi, self.gf, self.li = lay.gi.copy(), lay.gf.copy(), lay.li.copy()
        self.pool_free, self.roster_free = lay.pool_free.copy(), lay.roster_free.copy()
        self.q = np.full((3, n_groups + n_lanes + n_sec), -1, dtype=np.int64)  # lines: head, tail, length
        self.q[2] = 0
        self.occ = np.full((max(n_lanes, 1), max(lay.k_max, 1)), -1, dtype=np.int64)  # each lane's booths
        self.ready = np.full((n_groups, max(n_lanes, 1)), -1, dtype=np.int64)
        self._shifts = bool(lay.lg_i[:, 1].any())
        self.ht, self.hi = np.zeros(lay.heap_cap), np.zeros((lay.heap_cap, 4), dtype=np.int64)
        self.bs = np.zeros((lay.bs_cap, 3))
        self.st = np.zeros(5, dtype=np.int64)
        self.sf = np.zeros(3)
        self.sf[kernel.SF_CLOCK0] = lay.clock0
        self.sf[kernel.SF_UNTIL] = 0.0 if lay.gi[:, kernel.G_HASBYH].any() else np.inf  # hourly factors: now, never
        self.sec_free = lay.sec_positions.copy()
        self.on_duty = np.zeros(len(model.rosters), dtype=np.int64)
        self.posted_at = np.zeros((n_groups, 24))  # the wait last posted at each clock hour
        self.posted_set = np.zeros((n_groups, 24), dtype=np.bool_)
        self.queue_peak = np.zeros((n_groups, lay.n_hours))
        n_scratch = len(lay.alt_mem) + n_groups + 8  # alternatives + shift hours + give-up; a port's groups
        self.scratch_f, self.scratch_i = np.empty(n_scratch), np.empty((3, n_scratch), dtype=np.int64)
        self.held = 0  # travellers fed and not yet retired: the first ``held`` entries of each buffer
        self._buf: dict[str, np.ndarray] = {
            **{k: np.zeros(0, dtype=np.int64) for k in ("uid", "stream", "program", "shifted")},
            **{k: np.zeros(0) for k in ("arrival", "choice_u", "sec_s")}, "referred": np.zeros(0, dtype=np.bool_),
            "service": np.zeros((n_groups, 0)), "tf": np.zeros((5, 0)), "ti": np.zeros((5, 0), dtype=np.int64)}
        self.fed = 0
        self._steps: list[list[tuple[float, int]]] = [[] for _ in model.groups]  # booth_steps, as read so far
        self._steps_read = 0
        self._steps_out: tuple[tuple[tuple[float, int], ...], ...] = tuple(() for _ in model.groups)
        kernel.start(self.gi, self.gf, lay.sched_t, lay.rost_t, lay.rost_off, lay.lg_i, lay.posting_s,
                     self.ht, self.hi, self.st)
        if travellers is not None:
            self.feed(travellers)

    def booth_steps(self) -> tuple[tuple[tuple[float, int], ...], ...]:
        """Per group, when the number of booths accepting travellers changed: (time_s, booths).
        The kernel only appends to its record, so only the steps since the last call are converted
        (a streaming year asks weekly, and its record grows all year)."""
        n = int(self.st[kernel.S_BSN])
        if n > self._steps_read:
            for g, t, booths in self.bs[self._steps_read: n].tolist():
                self._steps[int(g)].append((t, int(booths)))
            self._steps_read = n
            self._steps_out = tuple(tuple(b) for b in self._steps)
        return self._steps_out

    def feed(self, travellers: Travellers) -> None:
        """Append travellers (arriving no earlier than those fed before) to the run. Into an empty
        engine (a whole replication, or a streaming run's first day) the new columns become the buffers.
        Every column is a copy: the kernel writes ``arrival`` and ``referred``, and ``retire`` compacts
        the buffers in place, which must not touch the caller's travellers."""
        n = len(travellers)
        service = np.empty((len(self.model.groups), n))
        for g in range(len(self.model.groups)):
            service[g] = travellers.service_s[g]
        tf = np.full((5, n), np.inf)
        ti = np.full((5, n), -1, dtype=np.int64)
        ti[kernel.I_FIN] = ti[kernel.I_SPILL] = 0
        new = {
            "uid": np.arange(self.fed, self.fed + n, dtype=np.int64),
            "arrival": np.array(travellers.arrival_s, dtype=float),
            "stream": np.array(travellers.stream, dtype=np.int64),
            "program": np.array(travellers.program, dtype=np.int64),
            "choice_u": np.array(travellers.choice_u, dtype=float),
            "referred": np.array(travellers.referred, dtype=np.bool_),
            "sec_s": np.nan_to_num(np.asarray(travellers.secondary_s, dtype=float)),
            "shifted": np.zeros(n, dtype=np.int64),
            "service": service, "tf": tf, "ti": ti,
        }
        self.fed += n
        if self.held == 0:
            self._buf = new
        else:
            held, cap = self.held, self._buf["arrival"].shape[0]
            if held + n > cap:
                self._grow(max(2 * cap, held + n))
            for name, column in new.items():
                self._buf[name][..., held: held + n] = column
        self.held += n
        need = self.lay.heap_cap + len(self.arrival)  # room for every held driver to come back later
        if self._shifts and need > len(self.ht):
            self.ht = np.concatenate([self.ht, np.zeros(2 * need - len(self.ht))])
            self.hi = np.concatenate([self.hi, np.zeros((2 * need - len(self.hi), 4), dtype=np.int64)])

    def _grow(self, capacity: int) -> None:
        """Give every per-traveller buffer room for ``capacity`` travellers (the held ones kept)."""
        for name, buf in self._buf.items():
            bigger = np.empty((*buf.shape[:-1], capacity), dtype=buf.dtype)
            bigger[..., : self.held] = buf[..., : self.held]
            self._buf[name] = bigger

    def _run(self, until_s: float, drain: bool) -> float:
        m, lay = self.model, self.lay
        return float(kernel.advance(
            self.arrival, self.stream, self.program, self.choice_u, self.referred, self.sec_s, self._buf["service"],
            self.gi, self.gf, lay.g_mean, lay.g_byhour, lay.g_closed, lay.sched_t, lay.sched_n, self.li,
            lay.cand_flat, lay.cand_start, lay.cand_len, lay.fs_group, lay.fs_cum, lay.fs_start, lay.fs_len,
            lay.sec_mode, self.pool_free, self.roster_free, lay.keep, lay.rost_t, lay.rost_n, lay.rost_off,
            lay.lg_f, lay.lg_i, lay.alt_start, lay.alt_len, lay.alt_mem, lay.mem_group, lay.mem_fixed,
            lay.posting_s, m.max_in_line, lay.clock0, m.horizon_s, m.horizon_s + m.drain_s, lay.n_hours,
            POOL_MARGIN, self._buf["tf"], self._buf["ti"], self.shifted, self.q, self.occ, self.ready, self.ht,
            self.hi, self.bs, self.st, self.sf, self.sec_free, self.on_duty, self.posted_at, self.posted_set,
            self.queue_peak, self.scratch_f, self.scratch_i, until_s, drain,
        ))

    def advance(self, until_s: float) -> None:
        """Process every arrival and event before ``until_s``."""
        self._run(until_s, False)

    def drain(self) -> float:
        """After the window: serve those still inside for up to the drain time; return the end."""
        m = self.model
        self.advance(m.horizon_s)
        end = self._run(m.horizon_s + m.drain_s, True)
        h = min(max(math.ceil(end / 3600.0) - 1, 0), self.queue_peak.shape[1] - 1)  # close the hour of the end
        self.queue_peak[:, h] = np.maximum(self.queue_peak[:, h], self.gi[:, kernel.G_PEAK])
        return end

    def run(self) -> Records:
        """Simulate the whole window and drain; return every traveller's record."""
        return self._records(self.drain())

    def retire(self, end_s: float | None = None) -> list[Records]:
        """Hand out the records of every traveller who has left (everyone, when ``end_s`` is given
        after ``drain``) and forget them; travellers set aside at a full line leave in a batch of
        their own whose run end is the window's end plus the drain (as ``sim.engine.Engine.retire``)."""
        n = self.held
        if end_s is not None:
            out = [self._records(end_s)]
            self._forget(np.ones(n, dtype=bool))
            return out
        arrived = min(n, int(self.st[kernel.S_NEXT]))
        gone = np.zeros(n, dtype=bool)
        left = np.where(self.referred[:arrived], self.tf[kernel.T_SE, :arrived], self.tf[kernel.T_DEP, :arrived])
        gone[:arrived] = left < np.inf
        spilled = self.ti[kernel.I_SPILL] == 1
        out = [self._records(float(self.sf[kernel.SF_NOW]), gone & ~spilled)]
        if spilled.any():
            out.append(self._records(self.model.horizon_s + self.model.drain_s, spilled))
        gone |= spilled
        if gone.any():
            self._forget(gone)
        return out

    def _forget(self, gone: np.ndarray) -> None:
        """Drop the travellers of the mask ``gone``; renumber the indices the kernel holds."""
        keep = ~gone
        new_index = np.cumsum(keep) - 1  # valid for those kept
        kept = int(keep.sum())
        for buf in self._buf.values():  # moved to the front of the buffers
            buf[..., :kept] = buf[..., : self.held][..., keep]
        self.held = kept
        nxt = self.ti[kernel.I_NEXT]
        nxt[nxt >= 0] = new_index[nxt[nxt >= 0]]
        for row in (0, 1):  # line heads and tails
            held = self.q[row] >= 0
            self.q[row, held] = new_index[self.q[row, held]]
        held = (self.occ >= 0) & (self.occ < len(gone))  # stale ring slots are mapped too, harmlessly
        self.occ[held] = new_index[self.occ[held]]
        hn = int(self.st[kernel.S_HN])
        pending = np.isin(self.hi[:hn, 1], _TRAVELLER_INDEX_EVENTS)
        self.hi[:hn, 2][pending] = new_index[self.hi[:hn, 2][pending]]
        self.st[kernel.S_NEXT] = int(keep[: int(self.st[kernel.S_NEXT])].sum())

    def _records(self, end_s: float, rows: np.ndarray | None = None) -> Records:
        """Records of the travellers held (those selected by the boolean mask ``rows``; all of them
        without it, handed out without copies: only the end of the run asks for all)."""
        m = self.model
        index = None if rows is None else np.flatnonzero(rows)  # once, not a boolean mask per column

        def col(a: np.ndarray) -> np.ndarray:
            return a if index is None else a[..., index]

        tf = col(self.tf)
        tf[np.isinf(tf)] = np.nan  # not reached: NaN (the time columns below are views of tf)
        return Records(
            replication=self.replication,
            **model_fields(m),
            end_s=float(end_s),
            group_booths=self.booth_steps(),
            queue_peak=self.queue_peak,
            arrival_s=col(self.arrival),
            stream=col(self.stream),
            program=col(self.program),
            group=col(self.ti[kernel.I_GROUP]),
            lane=col(self.ti[kernel.I_LANE]),
            start_s=tf[kernel.T_START],
            service_s=tf[kernel.T_SVC],
            depart_s=tf[kernel.T_DEP],
            referred=col(self.referred),
            sec_start_s=tf[kernel.T_SS],
            sec_end_s=tf[kernel.T_SE],
            traveller=col(self.uid),
            shifted_h=col(self.shifted),
        )


def simulate_replication(model: Model, travellers: Travellers, replication: int = 0) -> Records:
    """Run one replication of ``model`` with the given travellers on the compiled engine.
    Raises ``ValueError`` if the model uses a feature the fast engine does not cover."""
    return FastEngine(model, travellers, replication).run()
