"""B3: detection overhead, from the service finishing an operation to the resource reporting complete.

Ours: the Provider framework polling ``is_complete`` at the stack's query interval. Baseline: crhelper's
EventBridge polling at ``rate(1 minute)``. Both are computed on a simulated clock (``bench.detection_sim``) from
the same finish times and the same measured per-poll handler latencies.
"""

from __future__ import annotations

import random
import time
from typing import TYPE_CHECKING

from bench.detection_sim import finish_times, provider_overhead, scheduled_overhead
from bench.emulated import create_project, event, fingerprint, put_object, running_emulator
from bench.manifests import classification_line
from bench.measure import BenchError
from bench.report import Figure, Stats, verdict
from bench.stacks import default_stack, waiter_retry

if TYPE_CHECKING:
    from bench.settings import Settings
    from rekognition_datasets_local.emulator import Emulator

TITLE = "detection overhead (Provider is_complete vs crhelper rate(1 minute))"
CRHELPER_PERIOD_S = 60.0
SIMULATED_OPERATIONS = 2000
SEED = 20261127
BETTER_FACTOR = 6.0
POLLS_PER_ROUND = 8
WHAT_IF_INTERVAL_S = 5.0
METHOD = (
    "Per-poll handler latency: the real `rekognition_datasets_handler.provider.is_complete`, in-process and "
    "warm, against the "
    "emulator (a TRAIN dataset created from a 20-line manifest whose creation takes 1 hour of emulator time): "
    f"{POLLS_PER_ROUND} polls while in progress, then the clock is moved past the hour and the completing poll is "
    "timed too; one round per repeat, each with a new project. The default query interval and total timeout are "
    "read from the synthesized stack's waiter state machine (`IntervalSeconds`, `MaxAttempts`). Then, on a "
    f"simulated clock, {SIMULATED_OPERATIONS} operations finish at times t drawn uniformly over the total timeout "
    f"(seed {SEED}). Provider path: the first `is_complete` runs at 0, each next one `IntervalSeconds` after the "
    "previous one ends (Step Functions `Retry`, `BackoffRate` 1). crhelper path: the EventBridge rule fires at "
    "60 s, 120 s, ... after the rule is created, whatever each poll takes. A poll reads the service when it starts "
    "and reports when it ends (start + a latency drawn from the measured ones); overhead = report time - t. "
    f"A what-if row applies the same model at a {WHAT_IF_INTERVAL_S:g} s interval. Not modelled (the same for "
    "both, or not measurable offline): Lambda invoke and cold-start time, Step Functions state transitions, "
    "EventBridge delivery jitter, the CloudFormation response round trip."
)


def measure_latencies(emulator: Emulator, rounds: int, polls: int) -> list[float]:
    """Seconds per ``is_complete`` call against ``emulator`` (the one boto3's environment points at): ``polls``
    in progress, then the completing one, per round."""
    from rekognition_datasets_handler.provider import is_complete, on_event

    latencies: list[float] = []
    emulator.configure(dataset_create_delay=3600.0)
    lines = "".join(classification_line(i) + "\n" for i in range(20)).encode()
    source = {"Type": "manifest", **put_object("bench-manifests", "train.manifest", lines)}
    for round_index in range(rounds):
        properties = {
            "ProjectArn": create_project(f"bench-b3-{round_index}"),
            "DatasetType": "TRAIN",
            "Source": source,
            "SourceFingerprint": fingerprint(source),
        }
        request = event("Create", properties, logical_id=f"Dataset{round_index}")
        request.update(on_event(request, None))
        for poll in range(polls + 1):
            if poll == polls:
                emulator.advance_time(3600.0)
            start = time.perf_counter()
            answer = is_complete(request, None)
            latencies.append(time.perf_counter() - start)
            if answer["IsComplete"] != (poll == polls):
                raise BenchError(f"poll {poll}: unexpected IsComplete={answer['IsComplete']}")
    return latencies


def run(settings: Settings) -> list[Figure]:
    _, template = default_stack(settings)
    interval, attempts = waiter_retry(template)
    with running_emulator() as emulator:
        latencies = measure_latencies(emulator, settings.repeats(5), 2 if settings.quick else POLLS_PER_ROUND)
    horizon = float(interval * attempts)
    finishes = finish_times(SIMULATED_OPERATIONS, horizon, SEED)
    rng = random.Random(SEED)
    ours = Stats.of("s", [provider_overhead(t, interval, latencies, rng) for t in finishes])
    crhelper = Stats.of("s", [scheduled_overhead(t, CRHELPER_PERIOD_S, latencies, rng) for t in finishes])
    better = crhelper.median / ours.median
    what_if = Stats.of("s", [provider_overhead(t, WHAT_IF_INTERVAL_S, latencies, rng) for t in finishes])
    return [
        Figure(
            "B3",
            "per-poll handler latency (is_complete, warm, against the emulator)",
            Stats.of("s", latencies),
        ),
        Figure(
            "B3",
            f"detection overhead, Provider path (query interval {interval} s; simulated clock)",
            ours,
            target=f"median <= {interval} s and >= {BETTER_FACTOR:g}x better than crhelper",
            verdict=verdict(ours.median <= interval and better >= BETTER_FACTOR),
            baseline=crhelper,
            baseline_label="crhelper rate(1 minute)",
            note=f"crhelper's median is {better:.1f}x ours; total timeout {horizon:.0f} s ({attempts} attempts)",
        ),
        Figure(
            "B3",
            f"what-if: detection overhead at a {WHAT_IF_INTERVAL_S:g} s query interval (CDK's Provider default)",
            what_if,
            baseline=crhelper,
            baseline_label="crhelper rate(1 minute)",
            note=f"crhelper's median is {crhelper.median / what_if.median:.1f}x this",
        ),
    ]
