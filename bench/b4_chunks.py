"""B4: bytes per UpdateDatasetEntries call when the handler applies 1, 20 and 100 MiB of entries."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from bench.emulated import create_project, event, fingerprint, put_object, running_emulator
from bench.manifests import write_entries
from bench.measure import BenchError
from bench.report import Figure, Stats, verdict

if TYPE_CHECKING:
    from pathlib import Path

    from bench.settings import Settings
    from rekognition_datasets_local.emulator import Emulator

TITLE = "bytes per UpdateDatasetEntries call"
LIMIT_BYTES = 5 * 1024 * 1024
FILL_TARGET = 0.95
FULL_SIZES_MIB = (1, 20, 100)
QUICK_SIZES_MIB = (1, 6)
MAX_POLLS = 2000
METHOD = (
    "A JSON Lines object of generated detection entries (8 boxes each, about 1 KiB a line) of at least 1, 20 and "
    "100 MiB is put in the emulator's S3; the real handler (`rekognition_datasets_handler.provider.on_event`, then "
    "`is_complete` until complete, in-process) creates a TRAIN dataset with an `entries` source from it, against "
    "an emulator whose transitions complete on the next request. The `GroundTruth` size of every "
    "UpdateDatasetEntries call is read from the emulator's request log (blobs are logged as their byte size). "
    "Baseline: the 5 MiB (5,242,880-byte) limit; the ratio is the median call's fill. One run per size: the "
    "sizes are deterministic."
)


def apply_entries(emulator: Emulator, path: Path, name: str) -> tuple[list[int], int, float]:
    """Create a dataset from the entries in ``path`` through the handler, against ``emulator`` (the one boto3's
    environment points at, with instant transitions); returns each UpdateDatasetEntries blob size, the number of
    is_complete polls, and the wall seconds of the whole create."""
    from rekognition_datasets_handler.provider import is_complete, on_event

    emulator.request_log.clear()
    start = time.perf_counter()
    source = {"Type": "entries", **put_object("bench-entries", f"{name}.jsonl", path.read_bytes())}
    properties = {
        "ProjectArn": create_project(f"bench-b4-{name}"),
        "DatasetType": "TRAIN",
        "Source": source,
        "SourceFingerprint": fingerprint(source),
    }
    request = event("Create", properties, logical_id="Entries")
    request.update(on_event(request, None))
    for poll in range(1, MAX_POLLS + 1):  # noqa: B007 (the count is reported)
        if is_complete(request, None)["IsComplete"]:
            break
    else:
        raise BenchError(f"{name}: not complete after {MAX_POLLS} polls")
    seconds = time.perf_counter() - start
    calls = emulator.request_log.entries("UpdateDatasetEntries")
    failed = sorted({call.outcome for call in calls if call.outcome != "OK"})
    if failed:
        raise BenchError(f"{name}: UpdateDatasetEntries failed: {', '.join(failed)}")
    sizes = [int(call.params["Changes"]["GroundTruth"]["size"]) for call in calls]
    if not sizes or sum(sizes) < path.stat().st_size:
        raise BenchError(f"{name}: {sum(sizes)} bytes sent for a {path.stat().st_size}-byte entries object")
    return sizes, poll, seconds


def run(settings: Settings) -> list[Figure]:
    from rekognition_datasets_local.emulator import EmulatorConfig

    figures: list[Figure] = []
    for mib in QUICK_SIZES_MIB if settings.quick else FULL_SIZES_MIB:
        path = settings.workdir / f"entries-{mib}mib.jsonl"
        lines = write_entries(path, mib * 1024 * 1024)
        # A fresh emulator per size: it keeps every entry in memory.
        with running_emulator(EmulatorConfig.instant()) as emulator:
            sizes, polls, seconds = apply_entries(emulator, path, f"{mib}mib")
        all_but_last = sizes[:-1]
        filled = all(size >= FILL_TARGET * LIMIT_BYTES for size in all_but_last)
        figures.append(
            Figure(
                "B4",
                f"bytes per UpdateDatasetEntries call, {mib} MiB of entries ({lines:,} lines)",
                Stats.of("bytes", sizes),
                target=f"every call but the last >= {FILL_TARGET:.0%} of 5 MiB",
                verdict=verdict(filled),
                baseline=Stats.of("bytes", [LIMIT_BYTES]),
                baseline_label="the 5 MiB limit",
                note=(
                    f"{len(sizes)} calls, last {sizes[-1]:,} bytes, smallest but last "
                    f"{min(all_but_last, default=0):,} bytes; {polls} is_complete polls, {seconds:.1f} s in all"
                ),
            )
        )
    return figures
