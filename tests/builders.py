"""Small scenarios built as dictionaries, for tests."""

from __future__ import annotations


def single_queue(rate_per_h: float = 540.0, lanes: int = 10, mean_s: float = 60.0, dist: str = "exponential",
                 hours: float = 24.0, warmup_h: float = 2.0, drain_h: float = 2.0, seed: int = 1, **group) -> dict:
    """A one-stream, one-lane-group scenario (an M/G/c queue) as a dictionary."""
    service = {"dist": dist, "mean_s": mean_s}
    if dist in ("lognormal", "gamma"):
        service["cv"] = group.pop("cv", 0.5)
    return {
        "name": f"M/{dist}/{lanes}",
        "window": {"start": "2024-01-01T00:00:00", "duration_h": hours, "warmup_h": warmup_h, "drain_h": drain_h},
        "replications": 5,
        "seed": seed,
        "streams": {"cars": {"mode": "vehicle", "program": "general", "demand": {"rate_per_h": [rate_per_h] * 24}}},
        "lane_groups": {"booths": {"mode": "vehicle", "programs": ["general"], "lanes": lanes,
                                   "service": {"general": service}, **group}},
    }
