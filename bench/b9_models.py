"""B9: a model's training lifecycle: API calls against the minimum, and how late the deploy learns training ended.

The real handler runs in-process against the emulator (frozen clock, moved only by the bench), as the Provider
framework and the watch rule would drive it: ``on_event`` then ``is_complete`` every query interval for the
custom resources, and ``on_event`` with the rule's target input at each firing of the watch rule.

Minimum per step, for a hand-written script doing the same lifecycle and polling at the same rates (a script
cannot know how long a transition takes, so each wait is one status read per poll until a read sees it done;
first read right after the call, like the framework's first ``is_complete``):

- create: CreateProjectVersion (1).
- training: one DescribeProjectVersions per watch firing until one sees the training settled. With the rule's
  first firing ``phase`` seconds after the create and then one every ``rate``, a training of ``T`` seconds needs
  ``max(0, ceil((T - phase) / rate)) + 1`` reads: the only term that grows with training time.
- signal: none (the read that saw the training end carries the status, the F1 score and the summary's location).
- evaluation: none (same read).
- serve (start, until RUNNING): StartProjectVersion + ``ceil(start time / interval) + 1`` reads.
- stop (until STOPPED): StopProjectVersion + ``ceil(stop time / interval) + 1`` reads.
- delete version (until gone): DeleteProjectVersion + ``ceil(delete time / interval) + 1`` reads.

EventBridge: a watcher that holds no process through hours of training needs a schedule: PutRule + PutTargets
(create) and RemoveTargets + DeleteRule (once it has signalled) = 4; a script that sleeps in one process for the
whole training needs 0. Scheduler: 0 (this lifecycle serves without auto-stop).

Baseline for the delay: the AWS sample "rekognition-customlabels-automation-with-stepfunctions" (the Step
Functions pipeline with the 0.85 F1 gate, blogged as "Automate Amazon Rekognition Custom Labels model training and
deployment using AWS Step Functions"): ``statemachine/workflow.yaml`` calls CreateProjectVersion, reads
DescribeProjectVersions at once, then loops through its "Wait for training to complete" state (``Seconds: 900``).
Its reads come every 900 s from the create, so it learns of a training's end 0 to 900 s late (median 450 s) and
reads 4 times per hour of training; ours reads once per watch firing (60 per hour at ``WatchMinutes`` 1) and learns
0 to 60 s late (median 30 s). Both are run here, side by side, on the same training times.
"""

from __future__ import annotations

import contextlib
import math
import random
from collections import Counter
from dataclasses import dataclass
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from bench.emulated import create_project, event, put_object
from bench.manifests import classification_line
from bench.measure import BenchError
from bench.report import Figure, Stats, verdict
from bench.stacks import default_stack, waiter_retry

if TYPE_CHECKING:
    from collections.abc import Iterator

    from mypy_boto3_rekognition import RekognitionClient

    from bench.settings import Settings
    from bench.wait_handle import SignalRecorder
    from rekognition_datasets_handler.runtime import Runtime
    from rekognition_datasets_local.emulator import Emulator
    from rekognition_datasets_local.emulator.request_log import RequestLog

TITLE = "Model training lifecycle: API calls and the watch's delay"
TRAINING_MINUTES = (5, 30, 120)
#: WatchMinutes (the default): the watch rule's rate.
WATCH_MINUTES = 1
#: The AWS sample's "Wait for training to complete" state (statemachine/workflow.yaml).
SAMPLE_WAIT_S = 900.0
SAMPLE_SOURCE = (
    "aws-samples/rekognition-customlabels-automation-with-stepfunctions, statemachine/workflow.yaml "
    "(commit 1ebc850): Wait Seconds 900 between DescribeProjectVersions; gate F1 >= 0.85"
)
MIN_F1 = "0.85"
START_DELAY_S = 60.0
STOP_DELAY_S = 30.0
DELETE_DELAY_S = 10.0
#: Delay samples: trainings of 1 minute plus up to one whole sample period, so both pollers' phases are covered.
SHORTEST_TRAINING_S = 60.0
SEED = 15
MAX_POLLS = 500
OUTPUT_BUCKET = "bench-b9-output"
FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:BenchStack-ModelHandler"
STEPS = ("create", "training", "evaluation", "serve", "stop", "delete")

METHOD = (
    "The real handler (`provider.on_event`/`is_complete`, in-process) against the emulator on a frozen clock that "
    "only the bench moves: the custom resources are polled every query interval (read from the synthesized waiter "
    "state machine, as B2), the watch rule fires `rate(1 minute)` (WatchMinutes default) with its first firing "
    "half a minute after the create, and each firing invokes the handler with the rule's own target input. "
    "Lifecycle: Custom::RekognitionModelVersion Create (MinF1Score 0.85) -> training of 5, 30, 120 simulated "
    "minutes -> the watch signals a local wait handle -> Custom::RekognitionModelEvaluation Create -> "
    f"Custom::RekognitionModelServing Create (start {START_DELAY_S:g} s) -> its Delete (stop {STOP_DELAY_S:g} s) -> "
    f"the version's Delete ({DELETE_DELAY_S:g} s). Rekognition and Scheduler calls are counted from the emulator's "
    "request log, EventBridge calls from the handler's own client (moto serves EventBridge and logs nothing). "
    "Minimum per step (derived in `bench/b9_models.py`): CreateProjectVersion; one DescribeProjectVersions per "
    "watch firing until training settled; nothing for the signal and the evaluation (that read carries F1 and "
    "summary); Start/Stop/DeleteProjectVersion each + ceil(service time / interval) + 1 reads; EventBridge 4 "
    "(PutRule, PutTargets, RemoveTargets, DeleteRule) for any watcher that holds no process through training. "
    "Delay: per sample a training of 60 s plus U(0, 900 s) and a rule phase U(0, 60 s) (seeded); ours = the "
    "emulator time the wait handle received the signal minus the version's TrainingEndTimestamp; baseline = the "
    f"same for the AWS sample's Step Functions loop ({SAMPLE_SOURCE}), run against the emulator on the same "
    "training time, its read time in place of the signal. Deterministic apart from the seeded draws."
)


# ----------------------------------------------------------------------------------------------------- counting
class Tally:
    """Calls made since the last ``mark()``, by service and operation."""

    def __init__(self, log: RequestLog, eventbridge: list[str], scheduler_operations: frozenset[str]) -> None:
        self._log, self._eventbridge, self._scheduler = log, eventbridge, scheduler_operations
        self._at = (0, 0)
        self.mark()

    def mark(self) -> None:
        self._at = (len(self._log.entries()), len(self._eventbridge))

    def take(self) -> dict[str, Counter[str]]:
        """The calls since the last mark (and mark again)."""
        logged = [e.operation for e in self._log.entries()[self._at[0] :]]
        calls = {
            "rekognition": Counter(op for op in logged if op not in self._scheduler),
            "eventbridge": Counter(self._eventbridge[self._at[1] :]),
            "scheduler": Counter(op for op in logged if op in self._scheduler),
        }
        self.mark()
        return calls


@dataclass
class World:
    """What a B9 run drives: the emulator, a trainable project, the wait handle, the handler's runtime."""

    emulator: Emulator
    project_arn: str
    handle: SignalRecorder
    runtime: Runtime
    tally: Tally
    rekognition: RekognitionClient
    interval: float

    def now(self) -> float:
        return self.emulator.clock.now()

    def move_to(self, when: float) -> None:
        self.emulator.advance_time(max(0.0, when - self.now()))


@contextlib.contextmanager
def model_world(emulator: Emulator, interval: float) -> Iterator[World]:
    """A project with TRAIN and TEST datasets, an output bucket, a recording wait handle and the handler's
    runtime (its EventBridge client counting its calls). ``emulator`` must be the one boto3 points at."""
    import boto3
    import botocore.session

    from bench.wait_handle import recording_handle
    from rekognition_datasets_handler.runtime import Runtime
    from rekognition_datasets_local.emulator.config import DELAY_FIELDS

    emulator.configure(
        **{
            **dict.fromkeys(DELAY_FIELDS.values(), 0.0),
            "version_start_delay": START_DELAY_S,
            "version_stop_delay": STOP_DELAY_S,
            "version_delete_delay": DELETE_DELAY_S,
        }
    )
    project_arn = create_project("bench-b9")
    rekognition = boto3.client("rekognition")
    for kind in ("TRAIN", "TEST"):
        body = "".join(classification_line(i) + "\n" for i in range(20)).encode()
        source = put_object("bench-b9-sources", f"{kind.lower()}.manifest", body)
        rekognition.create_dataset(
            ProjectArn=project_arn,
            DatasetType=kind,
            DatasetSource={"GroundTruthManifest": {"S3Object": {"Bucket": source["Bucket"], "Name": source["Key"]}}},
        )
    boto3.client("s3").create_bucket(Bucket=OUTPUT_BUCKET)
    eventbridge_calls: list[str] = []
    events = boto3.client("events")
    events.meta.events.register("before-call.eventbridge", lambda model, **_: eventbridge_calls.append(model.name))
    scheduler_ops = frozenset(botocore.session.get_session().get_service_model("scheduler").operation_names)
    runtime = Runtime.from_env()._replace(events_factory=lambda: events, function_arn=FUNCTION_ARN)
    with recording_handle(emulator.clock.now) as handle:
        tally = Tally(emulator.request_log, eventbridge_calls, scheduler_ops)
        yield World(emulator, project_arn, handle, runtime, tally, rekognition, interval)


# ----------------------------------------------------------------------------------------------------- driving
def _drive(world: World, request: dict[str, Any]) -> dict[str, Any]:
    """on_event, then is_complete at once and every query interval until complete; the request as answered."""
    from rekognition_datasets_handler.provider import is_complete, on_event

    request = {**request, **on_event(request, SimpleNamespace(invoked_function_arn=FUNCTION_ARN), world.runtime)}
    for poll in range(MAX_POLLS):
        if poll:
            world.emulator.advance_time(world.interval)
        answer = is_complete(request, None, world.runtime)
        if answer["IsComplete"]:
            return {**request, **{k: v for k, v in answer.items() if k == "PhysicalResourceId"}}
    raise BenchError(f"{request['ResourceType']} {request['RequestType']} not complete after {MAX_POLLS} polls")


def _version_props(world: World, name: str) -> dict[str, str]:
    """``Custom::RekognitionModelVersion`` properties of the version ``name`` (gated at 0.85, watched every minute)."""
    return {
        "ProjectArn": world.project_arn,
        "VersionName": name,
        "OutputBucket": OUTPUT_BUCKET,
        "OutputPrefix": "models/",
        "DataFingerprint": f"fp-{name}",
        "WaitHandle": world.handle.url,
        "MinF1Score": MIN_F1,
        "WatchMinutes": str(WATCH_MINUTES),
    }


def _train(world: World, name: str, training_s: float) -> tuple[str, float]:
    """Custom::RekognitionModelVersion Create of a ``training_s`` training; (version ARN, emulator time of it)."""
    from rekognition_datasets_handler.model_schema import MODEL_VERSION_RESOURCE_TYPE

    world.emulator.configure(training_delay=training_s)
    created_at = world.now()
    props = _version_props(world, name)
    request = event("Create", props, logical_id="Model", resource_type=MODEL_VERSION_RESOURCE_TYPE)
    return str(_drive(world, request)["PhysicalResourceId"]), created_at


def _watch(world: World, arn: str, first_firing: float, rate: float) -> tuple[int, float]:
    """Fire the version's watch rule as EventBridge would (first at ``first_firing``, then every ``rate``) until
    the handler signals; (firings, emulator time the wait handle received the signal)."""
    import json

    import boto3

    from rekognition_datasets_handler.provider import on_event
    from rekognition_datasets_handler.watch import rule_name

    (target,) = boto3.client("events").list_targets_by_rule(Rule=rule_name(arn))["Targets"]
    payload = json.loads(target["Input"])
    world.tally.mark()  # the bench's own read of the rule is not the handler's
    received = len(world.handle.signals)
    for firing in range(1, MAX_POLLS + 1):
        world.move_to(first_firing + (firing - 1) * rate)
        answer = on_event(payload, SimpleNamespace(invoked_function_arn=target["Arn"]), world.runtime)
        if answer.get("Watch") == "signalled":
            (signal,) = world.handle.signals[received:]
            if signal.body["Status"] != "SUCCESS":
                raise BenchError(f"the watch signalled {signal.body['Status']}: {signal.body['Reason']}")
            return firing, signal.at
        if answer.get("Watch") != "waiting":
            raise BenchError(f"the watch answered {answer}")
    raise BenchError(f"the watch did not signal after {MAX_POLLS} firings")


def _training_end(world: World, name: str) -> float:
    """The version's TrainingEndTimestamp (the bench's read: not counted)."""
    found = world.rekognition.describe_project_versions(ProjectArn=world.project_arn, VersionNames=[name])
    end = found["ProjectVersionDescriptions"][0]["TrainingEndTimestamp"].timestamp()
    world.tally.mark()
    return end


def sample_pipeline(world: World, name: str, training_s: float) -> tuple[int, float]:
    """The AWS sample's training loop against the emulator: CreateProjectVersion, DescribeProjectVersions at once,
    then again every ``SAMPLE_WAIT_S`` until settled; (reads, emulator time of the read that saw it settled).

    [infer] The sample reads ``ProjectVersionDescriptions[0]`` of the whole project; here the read names the
    version, since this project holds many (the same one call either way).
    """
    world.emulator.configure(training_delay=training_s)
    world.rekognition.create_project_version(
        ProjectArn=world.project_arn,
        VersionName=name,
        OutputConfig={"S3Bucket": OUTPUT_BUCKET, "S3KeyPrefix": "sample/"},
    )
    for read in range(1, MAX_POLLS + 1):
        if read > 1:
            world.emulator.advance_time(SAMPLE_WAIT_S)
        found = world.rekognition.describe_project_versions(ProjectArn=world.project_arn, VersionNames=[name])
        if found["ProjectVersionDescriptions"][0]["Status"] != "TRAINING_IN_PROGRESS":
            return read, world.now()
    raise BenchError(f"the sample's loop saw no end of training after {MAX_POLLS} reads")


# ----------------------------------------------------------------------------------------------------- lifecycle
@dataclass(frozen=True)
class Lifecycle:
    """One training lifecycle: the handler's calls and the minimum's, per step and service; the watch's firings
    and reads; the sample pipeline's reads on the same training."""

    training_minutes: int
    calls: dict[str, dict[str, Counter[str]]]
    minimum: dict[str, dict[str, Counter[str]]]
    firings: int
    sample_reads: int

    def total(self, service: str, *, minimum: bool = False) -> int:
        table = self.minimum if minimum else self.calls
        return sum(sum(step[service].values()) for step in table.values())

    def breakdown(self, service: str) -> str:
        """``step ours/minimum`` for each step."""
        return ", ".join(
            f"{step} {sum(self.calls[step][service].values())}/{sum(self.minimum[step][service].values())}"
            for step in STEPS
        )

    def excess(self, service: str) -> dict[str, int]:
        """Calls per operation over the whole lifecycle, ours minus the minimum (non-zero ones)."""
        ours, least = Counter[str](), Counter[str]()
        for step in STEPS:
            ours.update(self.calls[step][service])
            least.update(self.minimum[step][service])
        return {op: ours[op] - least[op] for op in sorted(set(ours) | set(least)) if ours[op] != least[op]}

    @property
    def watch_reads(self) -> int:
        return self.calls["training"]["rekognition"]["DescribeProjectVersions"]


def _polls(service_s: float, interval: float) -> int:
    return math.ceil(service_s / interval) + 1


def firings_needed(training_s: float, phase: float, rate: float) -> int:
    """Watch firings (each one DescribeProjectVersions) until one sees a ``training_s`` training settled."""
    return max(0, math.ceil((training_s - phase) / rate)) + 1


def minimum(training_s: float, phase: float, rate: float, interval: float) -> dict[str, dict[str, Counter[str]]]:
    """The fewest calls each step needs (see the module docstring), by service."""
    describe = "DescribeProjectVersions"
    rekognition = {
        "create": Counter({"CreateProjectVersion": 1}),
        "training": Counter({describe: firings_needed(training_s, phase, rate)}),
        "evaluation": Counter[str](),
        "serve": Counter({"StartProjectVersion": 1, describe: _polls(START_DELAY_S, interval)}),
        "stop": Counter({"StopProjectVersion": 1, describe: _polls(STOP_DELAY_S, interval)}),
        "delete": Counter({"DeleteProjectVersion": 1, describe: _polls(DELETE_DELAY_S, interval)}),
    }
    eventbridge = {
        "create": Counter({"PutRule": 1, "PutTargets": 1}),
        "training": Counter({"RemoveTargets": 1, "DeleteRule": 1}),
    }
    return {
        step: {
            "rekognition": rekognition[step],
            "eventbridge": eventbridge.get(step, Counter[str]()),
            "scheduler": Counter[str](),
        }
        for step in STEPS
    }


def lifecycle(world: World, training_minutes: int) -> Lifecycle:
    """The whole lifecycle of one version trained for ``training_minutes`` simulated minutes, counted per step."""
    from rekognition_datasets_handler.model_schema import (
        MODEL_EVALUATION_RESOURCE_TYPE,
        MODEL_SERVING_RESOURCE_TYPE,
        MODEL_VERSION_RESOURCE_TYPE,
    )

    rate, training_s = WATCH_MINUTES * 60.0, training_minutes * 60.0
    phase = rate / 2
    name = f"life-{training_minutes}"
    calls: dict[str, dict[str, Counter[str]]] = {}
    world.tally.mark()
    arn, created_at = _train(world, name, training_s)
    calls["create"] = world.tally.take()
    firings, _ = _watch(world, arn, created_at + phase, rate)
    calls["training"] = world.tally.take()
    evaluation = {"ProjectVersionArn": arn, "ProjectArn": world.project_arn, "MinF1Score": MIN_F1}
    _drive(world, event("Create", evaluation, logical_id="Evaluation", resource_type=MODEL_EVALUATION_RESOURCE_TYPE))
    calls["evaluation"] = world.tally.take()
    serving = {"ProjectVersionArn": arn, "ProjectArn": world.project_arn, "MinInferenceUnits": "1"}
    _drive(world, event("Create", serving, logical_id="Serving", resource_type=MODEL_SERVING_RESOURCE_TYPE))
    calls["serve"] = world.tally.take()
    stop = event("Delete", serving, logical_id="Serving", physical_id=arn, resource_type=MODEL_SERVING_RESOURCE_TYPE)
    _drive(world, stop)
    calls["stop"] = world.tally.take()
    version = _version_props(world, name)
    delete = event("Delete", version, logical_id="Model", physical_id=arn, resource_type=MODEL_VERSION_RESOURCE_TYPE)
    _drive(world, delete)
    calls["delete"] = world.tally.take()
    sample_reads, _ = sample_pipeline(world, f"sample-life-{training_minutes}", training_s)
    world.tally.mark()
    return Lifecycle(training_minutes, calls, minimum(training_s, phase, rate, world.interval), firings, sample_reads)


@dataclass(frozen=True)
class Delays:
    """Seconds from a training's end to the deploy learning of it: ours (the watch's signal) and the sample's."""

    ours: list[float]
    sample: list[float]


def delays(world: World, samples: int, seed: int = SEED) -> Delays:
    """``samples`` trainings of seeded random length, each watched by the handler (rule phase random too) and, on
    the same training time, by the sample's 900 s loop (alternating)."""
    rng = random.Random(seed)
    rate = WATCH_MINUTES * 60.0
    ours: list[float] = []
    sample: list[float] = []
    for index in range(samples):
        training_s = SHORTEST_TRAINING_S + rng.uniform(0.0, SAMPLE_WAIT_S)
        phase = rng.uniform(0.0, rate)
        arn, created_at = _train(world, f"delay-{index}", training_s)
        _, signalled_at = _watch(world, arn, created_at + phase, rate)
        ours.append(signalled_at - _training_end(world, f"delay-{index}"))
        _, seen_at = sample_pipeline(world, f"sample-{index}", training_s)
        sample.append(seen_at - _training_end(world, f"sample-{index}"))
    return Delays(ours, sample)


# ----------------------------------------------------------------------------------------------------- report
def figures(lifecycles: list[Lifecycle], measured: Delays) -> list[Figure]:
    """The table rows of one run."""
    rows: list[Figure] = []
    minutes = ", ".join(str(lc.training_minutes) for lc in lifecycles)
    for lc in lifecycles:
        ours, least = lc.total("rekognition"), lc.total("rekognition", minimum=True)
        rows.append(
            Figure(
                "B9",
                f"Rekognition calls, training lifecycle, {lc.training_minutes} min training",
                Stats.of("calls", [ours]),
                baseline=Stats.of("calls", [least]),
                baseline_label="minimum",
                note=f"per step ours/minimum: {lc.breakdown('rekognition')}; {lc.firings} watch firings",
            )
        )
    above = [lc.total("rekognition") - lc.total("rekognition", minimum=True) for lc in lifecycles]
    excess = ", ".join(f"{op} {n:+d}" for op, n in sorted(lifecycles[0].excess("rekognition").items()))
    rows.append(
        Figure(
            "B9",
            f"Rekognition calls above the minimum, per lifecycle ({minutes} min training)",
            Stats.of("calls", above),
            target="the same for every training time",
            verdict=verdict(len(set(above)) == 1),
            note=f"calls grow with training time only through the watch's reads; ours minus minimum: {excess}",
        )
    )
    per_firing = [lc.watch_reads / lc.firings for lc in lifecycles]
    others = sum(sum(lc.calls["training"]["rekognition"].values()) - lc.watch_reads for lc in lifecycles)
    rows.append(
        Figure(
            "B9",
            f"DescribeProjectVersions per watch firing ({minutes} min training)",
            Stats.of("calls", per_firing),
            target="1, and no other Rekognition call while training",
            verdict=verdict(set(per_firing) == {1.0} and others == 0),
        )
    )
    for service, label, least_label in (
        ("eventbridge", "EventBridge", "event-driven minimum"),
        ("scheduler", "Scheduler", "minimum (no auto-stop)"),
    ):
        counts = [lc.total(service) for lc in lifecycles]
        rows.append(
            Figure(
                "B9",
                f"{label} calls per lifecycle ({minutes} min training)",
                Stats.of("calls", counts),
                baseline=Stats.of("calls", [lifecycles[0].total(service, minimum=True)]),
                baseline_label=least_label,
                note=f"per step ours/minimum: {lifecycles[0].breakdown(service)}",
            )
        )
    longest = lifecycles[-1]
    hours = longest.training_minutes / 60
    rows.append(
        Figure(
            "B9",
            f"DescribeProjectVersions per hour of training ({longest.training_minutes} min training)",
            Stats.of("calls", [longest.watch_reads / hours]),
            baseline=Stats.of("calls", [longest.sample_reads / hours]),
            baseline_label="AWS sample, Wait 900 s",
            note=f"baseline: {SAMPLE_SOURCE}",
        )
    )
    rate = WATCH_MINUTES * 60.0
    rows.append(
        Figure(
            "B9",
            f"delay, training end to the deploy learning of it (WatchMinutes {WATCH_MINUTES})",
            Stats.of("s", measured.ours),
            target=f"max <= {rate:g} s (the rate); median about {rate / 2:g} s",
            verdict=verdict(max(measured.ours) <= rate),
            baseline=Stats.of("s", measured.sample),
            baseline_label="AWS sample, Wait 900 s",
            note=f"expected: ours median {rate / 2:g} s, max {rate:g} s; the sample's median 450 s, max 900 s",
        )
    )
    return rows


def run(settings: Settings) -> list[Figure]:
    from bench.emulated import running_emulator
    from rekognition_datasets_local.emulator import Clock

    _, template = default_stack(settings)
    interval, _ = waiter_retry(template)
    samples = settings.repeats(200, quick=20)
    with running_emulator(clock=Clock(frozen_at=1_800_000_000.0)) as emulator, model_world(emulator, interval) as world:
        lifecycles = [lifecycle(world, minutes) for minutes in TRAINING_MINUTES]
        measured = delays(world, samples)
    return figures(lifecycles, measured)
