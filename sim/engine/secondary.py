"""Secondary inspection: per mode, one FCFS line for all positions of the facility."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from sim.engine.ledger import Ledger
from sim.engine.loop import Call, Loop
from sim.model import Model


class Secondary:
    """The secondary facilities of a model. ``done`` is the engine's callback for a finished
    inspection (payload ``[traveller, mode]``); it calls ``finish``."""

    def __init__(self, model: Model, ledger: Ledger, loop: Loop, spilled: list[int],
                 done: Callable[[Call], None]):
        self.free = {m: f.positions for m, f in model.secondary.items()}
        self.queue: dict[str, deque[int]] = {m: deque() for m in model.secondary}
        self._mode_of_stream = [s.mode for s in model.streams]
        self._max_in_line = model.max_in_line
        self._spilled = spilled  # where travellers set aside at a full line go (the engine's list)
        self._ledger = ledger
        self._loop = loop
        self._done = done

    def refer(self, j: int, now: float) -> None:
        """Traveller j leaves primary for secondary."""
        mode = self._mode_of_stream[self._ledger.stream[j]]
        if self.free[mode] > 0:
            self.free[mode] -= 1
            self._start(j, mode, now)
        elif len(self.queue[mode]) >= self._max_in_line:
            self._spilled.append(j)  # secondary's line is full: set aside, never inspected
        else:
            self.queue[mode].append(j)

    def _start(self, j: int, mode: str, now: float) -> None:
        self._ledger.sec_start[j] = now
        self._loop.at(self._ledger.secondary_s[j], self._done, [j, mode])

    def finish(self, j: int, mode: str, now: float) -> None:
        """Traveller j's inspection ended: the next in line starts."""
        self._ledger.sec_end[j] = now
        q = self.queue[mode]
        if q:
            self._start(q.popleft(), mode, now)
        else:
            self.free[mode] += 1

    def renumber(self, new_index: list[int]) -> None:
        for mode, q in self.queue.items():
            self.queue[mode] = deque(new_index[i] for i in q)
