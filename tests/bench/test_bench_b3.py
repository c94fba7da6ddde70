"""B3 smoke run: the real handler's is_complete against the emulator, one round of two polls."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bench import b3_detection

if TYPE_CHECKING:
    from rekognition_datasets_local.emulator import Emulator


def test_measure_latencies_times_every_poll(emulator: Emulator) -> None:
    latencies = b3_detection.measure_latencies(emulator, rounds=1, polls=2)
    assert len(latencies) == 3
    assert all(latency > 0 for latency in latencies)
