"""B9 smoke run: one short training lifecycle and two delay samples through the real handler (shapes only)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bench import b9_models

if TYPE_CHECKING:
    from rekognition_datasets_local.emulator import Emulator


def test_a_lifecycle_counts_every_step_and_the_delays_pair_up(emulator: Emulator) -> None:
    with b9_models.model_world(emulator, interval=10.0) as world:
        lifecycle = b9_models.lifecycle(world, training_minutes=2)
        measured = b9_models.delays(world, samples=2)
    assert set(lifecycle.calls) == set(b9_models.STEPS)
    # the watch fired until it saw the training settled, one read per firing, as the minimum's formula says
    assert lifecycle.firings == b9_models.firings_needed(120.0, 30.0, 60.0) == 3
    assert lifecycle.watch_reads == lifecycle.firings
    for step in ("create", "serve", "stop", "delete"):
        changes = {op: n for op, n in lifecycle.minimum[step]["rekognition"].items() if not op.startswith("Describe")}
        assert all(lifecycle.calls[step]["rekognition"][op] == n for op, n in changes.items()), step
    assert lifecycle.total("eventbridge") >= lifecycle.total("eventbridge", minimum=True) == 4
    assert lifecycle.sample_reads >= 1
    assert len(measured.ours) == len(measured.sample) == 2
    assert all(delay >= 0 for delay in measured.ours + measured.sample)


def test_figures_report_every_row() -> None:
    rows = b9_models.figures(
        [_lifecycle(5, firings=6), _lifecycle(30, firings=31)], b9_models.Delays([10.0, 50.0], [100.0, 800.0])
    )
    assert [row.bench for row in rows] == ["B9"] * (2 + 6)  # a row per lifecycle, then six
    verdicts = {row.what.split(" (")[0]: row.verdict for row in rows}
    assert verdicts["Rekognition calls above the minimum, per lifecycle"] == "met"
    # a DescribeProjects while training is a call the watch should not make
    assert verdicts["DescribeProjectVersions per watch firing"] == "missed"
    assert rows[-1].baseline is not None and rows[-1].baseline.median == 450.0


def _lifecycle(minutes: int, firings: int) -> b9_models.Lifecycle:
    """A lifecycle whose calls are the minimum plus one DescribeProjects per step."""
    least = b9_models.minimum(minutes * 60.0, 30.0, 60.0, 5.0)
    calls = {step: {service: counts.copy() for service, counts in by.items()} for step, by in least.items()}
    for by in calls.values():
        by["rekognition"]["DescribeProjects"] += 1
    return b9_models.Lifecycle(minutes, calls, least, firings, sample_reads=minutes // 15 + 1)
