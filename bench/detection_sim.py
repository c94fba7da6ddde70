"""The detection-overhead model of B3, on a simulated clock.

The service finishes an operation at time ``t`` (seconds after the custom resource's first handler call returned).
Each strategy polls; a poll reads the service when it starts and reports completion when it ends, ``latency``
seconds later (a measured per-poll handler latency). Overhead = that end time - ``t``.

- Provider framework (Step Functions waiter): the first ``is_complete`` runs at once (time 0); attempt k+1 starts
  ``interval`` seconds after attempt k *ends* (``Retry`` with ``IntervalSeconds`` and ``BackoffRate`` 1).
- crhelper: an EventBridge rule ``rate(N minutes)`` created at time 0 fires at N·60, 2·N·60, ... regardless of
  how long each poll takes.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence


def provider_overhead(t: float, interval: float, latencies: Sequence[float], rng: random.Random) -> float:
    """Overhead of the Provider framework's waiter for an operation finishing at ``t``."""
    start = 0.0
    while True:
        latency = rng.choice(latencies)
        if start >= t:
            return start + latency - t
        start += latency + interval


def scheduled_overhead(t: float, period: float, latencies: Sequence[float], rng: random.Random) -> float:
    """Overhead of a fixed-rate schedule (first fire one period after creation) for an operation finishing at ``t``."""
    fires = max(1, -int(-t // period))  # ceil(t / period), but never before the first fire
    return fires * period + rng.choice(latencies) - t


def finish_times(samples: int, horizon: float, seed: int) -> list[float]:
    """``samples`` operation end times, uniform in (0, horizon], reproducible from ``seed``."""
    rng = random.Random(seed)
    return [horizon * (1 - rng.random()) for _ in range(samples)]
