"""Which lane group an arriving traveller joins: fixed shares, shortest expected wait, or the
posted-wait logit (port, give up, or come back later), and the posting of waits it reads.

Every rule is deterministic given the traveller's own lane-choice uniform and what they see
(semantics in the ``sim.engine`` docstring), so common random numbers pair choices across scenarios.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from sim.engine.lanes import Group
from sim.engine.ledger import Ledger
from sim.engine.loop import URGENT, Call, Loop
from sim.model import Model, StreamModel

_INF = math.inf

# posted-wait logit: an alternative is a port's groups (or one group), each with the fixed part of its utility;
# a stream's spec is (utils per s of posted wait, alternatives by program, give-up utility, shift_h, utils per h)
_Alternative = list[tuple[Group, float]]
_LogitSpec = tuple[float, dict[int, list[_Alternative]], float | None, int, float]


def shortest_expected_wait(cands: list[Group], program: int) -> Group:
    """The candidate group where the traveller expects to be through primary soonest:
    expected wait (travellers in line ahead, plus this one, × mean service ÷ open booths;
    zero if a booth is free) plus their own mean service time there. Ties: first listed.
    Groups with no lane open, or in closed hours, only if all are."""
    best, best_t = cands[0], _INF
    for g in cands:
        if g.n_open == 0 or g.closing:
            continue
        mean_s = g.mean_s[program]
        k_wait = 0.0 if g.free_booth() else (g.waiting + 1) * mean_s / (g.n_open * g.k)
        t = k_wait + mean_s
        if t < best_t:
            best, best_t = g, t
    return best


class FixedShares:
    """``fixed_shares``: the group whose cumulative share first exceeds the traveller's own uniform."""

    __slots__ = ("shares", "_u")

    def __init__(self, shares: list[tuple[Group, float]], u: list[float]):
        self.shares = shares  # (group, cumulative share), the last share 1
        self._u = u

    def choose(self, i: int, now: float) -> Group | None:
        u = self._u[i]
        shares = self.shares
        return next(grp for grp, c in shares if u < c) if u < shares[-1][1] else shares[-1][0]


class ShortestWait:
    """``shortest_expected_wait``: among the groups open to the traveller's program, the one where
    they expect to clear primary soonest (``shortest_expected_wait``)."""

    __slots__ = ("candidates", "_program")

    def __init__(self, candidates: dict[int, list[Group]], program: list[int]):
        self.candidates = candidates  # program -> groups open to it
        self._program = program

    def choose(self, i: int, now: float) -> Group | None:
        p = self._program[i]
        cands = self.candidates[p]
        return cands[0] if len(cands) == 1 else shortest_expected_wait(cands, p)


class PostedWaitLogit:
    """``posted_wait_logit``: a logit on the posted waits picks the port (or the group), giving up, or
    coming back later; at a port the driver joins the group they expect to clear soonest."""

    __slots__ = ("spec", "_choice")

    def __init__(self, spec: _LogitSpec, choice: Choice):
        self.spec = spec
        self._choice = choice  # the clock, the posted waits' hours, and what giving up or shifting does

    def choose(self, i: int, now: float) -> Group | None:
        ch = self._choice
        program = ch._program[i]
        alt = self._logit_choice(program, ch._u[i], now, not ch._shifted[i])
        if isinstance(alt, int):  # comes back ``alt`` hours later
            ch._shifted[i] = alt
            ch.loop.at(3600.0 * alt, ch._come_back, [i])
            return None
        if alt is None:  # gave up: leaves at once without crossing
            ch._give_up(i, now)
            return None
        return alt[0][0] if len(alt) == 1 else shortest_expected_wait([m for m, _ in alt], program)

    def _logit_choice(self, program: int, u: float, now: float, may_shift: bool = True) -> _Alternative | int | None:
        """Posted-wait logit: the alternative (a port's available groups, or one group) whose
        cumulative probability first exceeds ``u``; an int h: come back h hours later; None: the
        give-up alternative, listed last. An alternative is worth its best available group (fixed
        utility + posted wait); a later hour is worth the best group's fixed utility + the wait last
        posted at that clock hour, plus the shift penalty. Unavailable: groups with no lane open or
        opening. If nothing is available and there is no give-up option, the first candidate group."""
        wait_b, by_program, give_up, shift_h, shift_b = self.spec
        utils: list[tuple[_Alternative | int | None, float]] = []
        for alt in by_program[program]:
            avail = [(g, fixed + wait_b * g.posted_s) for g, fixed in alt if (g.n_open or g.pending) and not g.closing]
            if avail:
                utils.append((avail, max(v for _, v in avail)))
        if shift_h and may_shift:
            hour = int((now + self._choice._clock0_s) // 3600.0)
            for h in range(1, shift_h + 1):
                if now + 3600.0 * h >= self._choice._horizon_s:
                    break
                at = (hour + h) % 24
                later = max(fixed + wait_b * (g.posted_s if (posted := g.posted_at_hour[at]) is None else posted)
                            for alt in by_program[program] for g, fixed in alt)
                utils.append((h, later + shift_b * h))
        if give_up is not None:
            utils.append((None, give_up))
        if not utils:
            return [(by_program[program][0][0][0], 0.0)]
        if len(utils) == 1:
            return utils[0][0]
        top = max(v for _, v in utils)
        weights = [math.exp(v - top) for _, v in utils]
        x = u * sum(weights)
        for (g, _), w in zip(utils, weights, strict=True):
            x -= w
            if x < 0:
                return g
        return utils[-1][0]



class Choice:
    """Lane choice for every stream of a model: one rule object per stream (``FixedShares``,
    ``ShortestWait``, ``PostedWaitLogit``; a new rule is a new class with ``choose``), and the
    posting of waits the logit reads.

    ``rules[s].choose(i, now)`` (or ``choose``) → the group traveller i of stream s joins, or None if
    they do not join now: they gave up (``give_up(i, now)`` is called) or come back later
    (``come_back`` is scheduled with ``[i]`` as its payload, and their ``shifted`` hours set)."""

    def __init__(self, model: Model, groups: list[Group], ledger: Ledger, loop: Loop,
                 give_up: Callable[[int, float], None], come_back: Callable[[Call], None]):
        self.groups = groups
        self.loop = loop
        self._give_up = give_up
        self._come_back = come_back
        self._horizon_s = model.horizon_s
        self._posting_s = model.posting_interval_s
        self._clock0_s = model.start.hour * 3600.0 + model.start.minute * 60.0 + model.start.second
        self._stream, self._program, self._u = ledger.stream, ledger.program, ledger.choice_u
        self._shifted = ledger.shifted
        self.rules: list[FixedShares | ShortestWait | PostedWaitLogit] = [
            self._rule(model, s, groups) for s in model.streams]
        self.by_stream = [r.choose for r in self.rules]  # the hot path's view: stream -> bound choose

    def _rule(self, model: Model, s: StreamModel, groups: list[Group]) -> FixedShares | ShortestWait | PostedWaitLogit:
        if s.fixed_shares is not None:
            return FixedShares([(groups[gi], c) for gi, c in s.fixed_shares], self._u)
        if s.logit is None:
            return ShortestWait({p: [groups[i] for i in gi] for p, gi in s.eligible.items()}, self._program)
        # per program, the alternatives (one per port, or one per group), each a list of (group, fixed utility)
        by_program: dict[int, list[_Alternative]] = {}
        for p, gi_list in s.eligible.items():
            members = [(groups[gi], s.logit.fixed_utils[gi]) for gi in gi_list]
            if s.logit.lane_by_line_seen:
                ports = list(dict.fromkeys(model.groups[gi].port for gi in gi_list))
                by_program[p] = [
                    [m for m, gi in zip(members, gi_list, strict=True) if model.groups[gi].port == port]
                    for port in ports
                ]
            else:
                by_program[p] = [[m] for m in members]
        spec = (s.logit.wait_utils_per_s, by_program, s.logit.give_up_utils, s.logit.shift_h,
                s.logit.shift_utils_per_h)
        return PostedWaitLogit(spec, self)

    def start(self) -> None:
        """Post waits every posting interval, if any stream reads them."""
        if any(isinstance(r, PostedWaitLogit) for r in self.rules):
            self.loop.at(self._posting_s, self._on_post, None, URGENT)

    def choose(self, i: int, now: float) -> Group | None:
        return self.by_stream[self._stream[i]](i, now)

    def _on_post(self, ev: Call) -> None:
        """Post every group's current wait estimate (what arriving drivers see until the next post)."""
        now = self.loop.now
        self.loop.at(self._posting_s, self._on_post, None, URGENT)
        hour = int((now + self._clock0_s) // 3600.0) % 24
        for g in self.groups:
            g.posted_s = g.wait_estimate(now)
            g.posted_at_hour[hour] = g.posted_s
