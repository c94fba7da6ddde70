"""B2: Rekognition API calls per dataset lifecycle (create, update, delete; manifest and entries sources)."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bench.emulated import create_project, event, fingerprint, put_object, running_emulator
from bench.manifests import classification_line
from bench.measure import BenchError
from bench.report import Figure, Stats, verdict
from bench.stacks import default_stack, waiter_retry

if TYPE_CHECKING:
    from collections.abc import Mapping

    from bench.settings import Settings
    from rekognition_datasets_local.emulator import Emulator

TITLE = "API calls per lifecycle"
CREATE_DELAY_S = 30.0
UPDATE_DELAY_S = 30.0
DELETE_DELAY_S = 10.0
MAX_POLLS = 500
BUCKET = "bench-b2-sources"

#: The fewest calls each lifecycle needs (one chunk of entries), and the service time it inherently waits for.
MINIMUM: dict[tuple[str, str], tuple[dict[str, int], float]] = {
    ("create", "manifest"): ({"CreateDataset": 1, "DescribeDataset": 1}, CREATE_DELAY_S),
    ("create", "entries"): (
        {"CreateDataset": 1, "DescribeDataset": 2, "UpdateDatasetEntries": 1},
        CREATE_DELAY_S + UPDATE_DELAY_S,
    ),
    ("update", "manifest"): (
        {"DeleteDataset": 1, "DescribeDataset": 2, "CreateDataset": 1},
        DELETE_DELAY_S + CREATE_DELAY_S,
    ),
    ("update", "entries"): ({"UpdateDatasetEntries": 1, "DescribeDataset": 1}, UPDATE_DELAY_S),
    ("delete", "manifest"): ({"DeleteDataset": 1, "DescribeDataset": 1}, DELETE_DELAY_S),
    ("delete", "entries"): ({"DeleteDataset": 1, "DescribeDataset": 1}, DELETE_DELAY_S),
}

METHOD = (
    "The real handler (`rekognition_datasets_handler.provider.on_event`, then `is_complete` until complete, "
    "in-process) runs "
    "each lifecycle of one TRAIN dataset against the emulator, as the Provider framework would: the first "
    "`is_complete` right after `on_event`, each next one after the stack's default query interval (read from the "
    "synthesized waiter state machine), which here moves the emulator's frozen clock instead of sleeping. Service "
    f"times: create {CREATE_DELAY_S:g} s, update {UPDATE_DELAY_S:g} s, delete {DELETE_DELAY_S:g} s. Lifecycles: "
    "create from a 20-line manifest (a `manifest` source) or 20 entries (`entries`); update to a new manifest "
    "version (a rebuild: the service cannot remove entries) or to entries that add 5 lines (an upsert); delete. "
    "Counted: every Rekognition call in the emulator's request log during the lifecycle (S3 reads of the source "
    "are not counted). Minimum: create/manifest = CreateDataset + DescribeDataset; create/entries = CreateDataset "
    "+ DescribeDataset + UpdateDatasetEntries + DescribeDataset; update/manifest = DeleteDataset + DescribeDataset "
    "+ CreateDataset + DescribeDataset; update/entries = UpdateDatasetEntries + DescribeDataset; delete = "
    "DeleteDataset + DescribeDataset. Allowed = minimum + ceil(service time / query interval). Deterministic "
    "(frozen clock), so one run each."
)


@dataclass(frozen=True)
class Lifecycle:
    """Calls one lifecycle made, by operation, and how many polls it took."""

    phase: str
    source: str
    calls: Counter[str]
    polls: int

    @property
    def total(self) -> int:
        return sum(self.calls.values())


def _drive(emulator: Emulator, request: dict[str, Any], interval: float) -> tuple[dict[str, Any], Counter[str], int]:
    """on_event, then is_complete every ``interval`` seconds of emulator time; the calls it made."""
    from rekognition_datasets_handler.provider import is_complete, on_event

    emulator.request_log.clear()
    request = {**request, **on_event(request, None)}
    for poll in range(1, MAX_POLLS + 1):
        if poll > 1:
            emulator.advance_time(interval)
        answer = is_complete(request, None)
        if answer["IsComplete"]:
            request.update({k: v for k, v in answer.items() if k == "PhysicalResourceId"})
            calls = Counter(entry.operation for entry in emulator.request_log.entries())
            return request, calls, poll
    raise BenchError(f"{request['RequestType']} not complete after {MAX_POLLS} polls")


def _source(kind: str, key: str, lines: int) -> dict[str, str]:
    body = "".join(classification_line(i) + "\n" for i in range(lines)).encode()
    return {"Type": kind, **put_object(BUCKET, key, body)}


def _properties(project_arn: str, source: Mapping[str, str]) -> dict[str, Any]:
    source_fingerprint = fingerprint(source)
    return {
        "ProjectArn": project_arn,
        "DatasetType": "TRAIN",
        "Source": dict(source),
        "SourceFingerprint": source_fingerprint,
    }


def lifecycles(emulator: Emulator, interval: float) -> list[Lifecycle]:
    """Create, update and delete a dataset of each source kind through the handler; the calls of each.

    ``emulator`` must be the one this process's boto3 environment points at; its delays are set here.
    """
    emulator.configure(
        dataset_create_delay=CREATE_DELAY_S, dataset_update_delay=UPDATE_DELAY_S, dataset_delete_delay=DELETE_DELAY_S
    )
    results: list[Lifecycle] = []
    for kind in ("manifest", "entries"):
        project_arn = create_project(f"bench-b2-{kind}")
        first = _properties(project_arn, _source(kind, f"{kind}-v1.jsonl", 20))
        second = _properties(project_arn, _source(kind, f"{kind}-v2.jsonl", 25 if kind == "entries" else 20))
        logical_id = f"Dataset{kind.title()}"
        created, calls, polls = _drive(emulator, event("Create", first, logical_id=logical_id), interval)
        results.append(Lifecycle("create", kind, calls, polls))
        physical_id = created["PhysicalResourceId"]
        update = event("Update", second, logical_id=logical_id, physical_id=physical_id, old=first)
        updated, calls, polls = _drive(emulator, update, interval)
        results.append(Lifecycle("update", kind, calls, polls))
        delete = event("Delete", second, logical_id=logical_id, physical_id=updated["PhysicalResourceId"])
        _, calls, polls = _drive(emulator, delete, interval)
        results.append(Lifecycle("delete", kind, calls, polls))
    return results


def run(settings: Settings) -> list[Figure]:
    _, template = default_stack(settings)
    interval, _ = waiter_retry(template)
    from rekognition_datasets_local.emulator import Clock

    # A frozen clock: only the simulated query intervals move it, so the counts are exact and repeatable.
    with running_emulator(clock=Clock(frozen_at=1_800_000_000.0)) as emulator:
        results = lifecycles(emulator, float(interval))
    figures: list[Figure] = []
    for lifecycle in results:
        minimum, service_time = MINIMUM[(lifecycle.phase, lifecycle.source)]
        least = sum(minimum.values())
        allowed = least + math.ceil(service_time / interval)
        breakdown = ", ".join(f"{op} {n}" for op, n in sorted(lifecycle.calls.items()))
        figures.append(
            Figure(
                "B2",
                f"API calls, {lifecycle.phase} ({lifecycle.source} source)",
                Stats.of("calls", [lifecycle.total]),
                target=f"<= {allowed} (minimum {least} + 1 per {interval} s of {service_time:g} s service time)",
                verdict=verdict(lifecycle.total <= allowed),
                baseline=Stats.of("calls", [least]),
                baseline_label="minimum",
                note=f"{breakdown}; {lifecycle.polls} is_complete polls",
            )
        )
    return figures
