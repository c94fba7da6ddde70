"""B7 harness: timing a command and splitting its output into phases (a stand-in command, not the demo)."""

from __future__ import annotations

import sys

import pytest
from bench.measure import BenchError

from bench import b7_demo

_FAKE_DEMO = "print('\\n=== 1/2 Synthesize ==='); print('work'); print('\\n=== 2/2 Deploy (hidden lines) ===')"


def test_run_demo_timestamps_each_phase_heading() -> None:
    wall, phases = b7_demo.run_demo([sys.executable, "-c", _FAKE_DEMO])
    assert [name for name, _ in phases] == ["1/2 Synthesize", "2/2 Deploy (hidden lines)"]
    assert 0 <= phases[0][1] <= phases[1][1] <= wall
    assert b7_demo._split(wall, phases).split("; ")[0].startswith("start-up ")


def test_a_failing_demo_is_an_error() -> None:
    with pytest.raises(BenchError, match="exited 3"):
        b7_demo.run_demo([sys.executable, "-c", "import sys; print('boom'); sys.exit(3)"])


def test_demo_command_is_make_demo_or_its_body() -> None:
    command, described = b7_demo.demo_command()
    assert command[-1] == "demo" or command[-2:] == ["-m", "rekognition_datasets_local.runner.demo"]
    assert "demo" in described


def test_a_demo_that_hangs_is_killed_and_reported() -> None:
    with pytest.raises(BenchError, match="did not finish within 1 s"):
        b7_demo.run_demo([sys.executable, "-c", "import time; print('=== 1/1 Wait ==='); time.sleep(60)"], timeout=1)
