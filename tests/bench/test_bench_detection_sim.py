"""The B3 model: when each polling strategy notices an operation that finished at time t."""

from __future__ import annotations

import random

import pytest
from bench.detection_sim import finish_times, provider_overhead, scheduled_overhead


def test_provider_polls_interval_after_each_attempt_ends() -> None:
    rng = random.Random(0)
    # attempts start at 0, 1+10=11, 22, ...; the one at 22 is the first to start after t=15 and ends at 23.
    assert provider_overhead(15.0, 10.0, [1.0], rng) == pytest.approx(8.0)


def test_provider_first_attempt_runs_at_once() -> None:
    assert provider_overhead(0.0, 10.0, [0.25], random.Random(0)) == pytest.approx(0.25)


def test_schedule_fires_on_the_period_whatever_the_poll_takes() -> None:
    rng = random.Random(0)
    assert scheduled_overhead(61.0, 60.0, [2.0], rng) == pytest.approx(61.0)
    assert scheduled_overhead(1.0, 60.0, [0.0], rng) == pytest.approx(59.0)
    assert scheduled_overhead(120.0, 60.0, [0.0], rng) == pytest.approx(0.0)


def test_finish_times_are_reproducible_and_in_range() -> None:
    times = finish_times(100, 1800.0, seed=7)
    assert times == finish_times(100, 1800.0, seed=7)
    assert all(0 < t <= 1800.0 for t in times)
