"""Calls per lifecycle: reads are spent only where a decision needs them.

A busy dataset costs one DescribeDataset a poll; tags are read once a dataset has settled, unless on_event's step
(``STEP_KEY``, merged into every is_complete event by the Provider framework) already proved what they hold.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

import pytest

from rekognition_datasets_handler.errors import ProviderError
from rekognition_datasets_handler.events import STEP_KEY
from rekognition_datasets_handler.provider import is_complete, on_event
from rekognition_datasets_handler.runtime import Runtime
from rekognition_datasets_handler.schema import TAG_ENTRIES_PROGRESS, TAG_FINGERPRINT

from .cfn import event, exists, run
from .conftest import growing_entries, line, lines

if TYPE_CHECKING:
    from collections.abc import Callable

    from mypy_boto3_rekognition import RekognitionClient

    from rekognition_datasets_local.emulator import Emulator

STEP = 5  # seconds of emulator time between polls (the Provider's default query interval)


def props(project_arn: str, source: dict[str, Any]) -> dict[str, Any]:
    return {"ProjectArn": project_arn, "DatasetType": "TRAIN", "Source": source}


def calls(emulator: Emulator) -> list[str]:
    """The Rekognition operations called, consecutive repeats collapsed to ``Name*n``."""
    collapsed: list[str] = []
    last, count = "", 0
    for entry in [*emulator.request_log.entries(), None]:
        name = entry.operation if entry else ""
        if name == last:
            count += 1
            continue
        if last:
            collapsed.append(f"{last}*{count}" if count > 1 else last)
        last, count = name, 1
    return collapsed


def slow(emulator: Emulator) -> Callable[[], None]:
    """From now on every transition takes 10 s; the returned tick moves the clock by one query interval."""
    emulator.configure(dataset_create_delay=10, dataset_update_delay=10, dataset_delete_delay=10)
    return lambda: emulator.advance_time(STEP)


def make_busy(emulator: Emulator, rekognition_client: RekognitionClient, arn: str) -> None:
    """An out-of-band UpdateDatasetEntries keeps ``arn`` UPDATE_IN_PROGRESS for 10 s of emulator time."""
    emulator.configure(dataset_update_delay=10)
    entry = (json.dumps(line("rose-0", "tulip")) + "\n").encode()
    rekognition_client.update_dataset_entries(DatasetArn=arn, Changes={"GroundTruth": entry})


def test_create_polls_with_one_describe_and_never_reads_back_its_own_tags(
    project_arn: str, runtime: Runtime, emulator: Emulator, put_object: Any
) -> None:
    source = {"Type": "manifest", **put_object(lines({"rose": 3}))}
    emulator.request_log.clear()
    response = run(event("Create", props(project_arn, source)), runtime, tick=slow(emulator))
    assert response.status == "SUCCESS", response.reason
    assert calls(emulator) == ["CreateDataset", f"DescribeDataset*{response.polls}"]
    assert response.data["TotalEntries"] == "3"


@pytest.mark.parametrize(
    "declared",
    [{"DatasetType": "TRAIN", "Distributed": "true", "SourceFingerprint": "k1"}, {"ResetOnTrainingFingerprint": "k1"}],
    ids=["distributed-train", "test-of-a-split"],
)
def test_a_dataset_of_a_split_pair_spends_one_describe_projects_to_look_for_its_partner(
    declared: dict[str, str], project_arn: str, runtime: Runtime, emulator: Emulator, put_object: Any
) -> None:
    source = {"Type": "manifest", **put_object(lines({"rose": 3}))} if "Distributed" in declared else {"Type": "empty"}
    properties = {**props(project_arn, source), "DatasetType": "TEST", **declared}
    emulator.request_log.clear()
    response = run(event("Create", properties), runtime, tick=slow(emulator))
    assert response.status == "SUCCESS", response.reason
    assert calls(emulator) == ["CreateDataset", f"DescribeDataset*{response.polls}", "DescribeProjects"]


def test_a_poll_without_the_step_reads_the_tags_once_the_dataset_settles(
    project_arn: str, runtime: Runtime, emulator: Emulator
) -> None:
    request = event("Create", props(project_arn, {"Type": "empty"}))
    tick = slow(emulator)
    emulator.request_log.clear()
    result = on_event(request, None, runtime)
    assert result[STEP_KEY] == "created"
    merged = {**request, "PhysicalResourceId": result["PhysicalResourceId"]}  # as crhelper polls: no step
    polls = 0
    while True:
        tick()
        polls += 1
        if is_complete(merged, None, runtime)["IsComplete"]:
            break
    assert calls(emulator) == ["CreateDataset", f"DescribeDataset*{polls}", "ListTagsForResource"]


def test_entries_create_proves_its_progress_from_the_status_for_a_single_chunk(
    project_arn: str,
    runtime: Runtime,
    emulator: Emulator,
    put_object: Any,
    rekognition_client: RekognitionClient,
) -> None:
    source = {"Type": "entries", **put_object(lines({"rose": 4}), key="e.jsonl")}
    emulator.request_log.clear()
    response = run(event("Create", props(project_arn, source)), runtime, tick=slow(emulator))
    assert response.status == "SUCCESS", response.reason
    assert calls(emulator) == [
        "CreateDataset",
        "DescribeDataset*2",  # CREATE_IN_PROGRESS, then CREATE_COMPLETE: nothing applied yet
        "UpdateDatasetEntries",
        "TagResource",
        "DescribeDataset*2",  # UPDATE_IN_PROGRESS, then UPDATE_COMPLETE: the one chunk is applied
    ]
    tags = rekognition_client.list_tags_for_resource(ResourceArn=str(response.physical_id))["Tags"]
    assert tags[TAG_ENTRIES_PROGRESS] == f"{response.data['SourceFingerprint']}:done"
    assert response.data["TotalEntries"] == "4"


def test_entries_create_in_several_chunks_reads_the_progress_after_each(
    project_arn: str, runtime: Runtime, emulator: Emulator, put_object: Any
) -> None:
    source = {"Type": "entries", **put_object(lines({"rose": 6}), key="e.jsonl")}
    small = Runtime(log=runtime.log, budget=runtime.budget, chunk_bytes=700)  # a few lines per chunk
    response = run(event("Create", props(project_arn, source)), small, tick=slow(emulator))
    assert response.status == "SUCCESS", response.reason
    updates = emulator.request_log.count("UpdateDatasetEntries")
    assert updates >= 3 and response.data["TotalEntries"] == "6"
    assert emulator.request_log.count("ListTagsForResource") == updates  # after every chunk but before the first


def test_rebuild_reads_the_old_tags_deletes_by_the_physical_id_and_proves_the_new_dataset_ours(
    project_arn: str, runtime: Runtime, emulator: Emulator, put_object: Any
) -> None:
    old = props(project_arn, {"Type": "manifest", **put_object(lines({"rose": 3}))})
    created = run(event("Create", old), runtime)
    new = props(project_arn, {"Type": "manifest", **put_object(lines({"rose": 3, "tulip": 2}))})
    emulator.request_log.clear()
    updated = run(event("Update", new, old=old, physical_id=created.physical_id), runtime, tick=slow(emulator))
    assert updated.status == "SUCCESS", updated.reason
    assert updated.physical_id != created.physical_id and updated.data["TotalEntries"] == "5"
    assert calls(emulator) == [
        "ListTagsForResource",  # the old dataset is ours, and not already on the new source (a rollback's no-op)
        "DeleteDataset",  # once the new source is proven buildable (S3 reads, not counted here)
        "DescribeProjects*2",  # DELETE_IN_PROGRESS, then an empty slot
        "CreateDataset",
        "DescribeProjects*2",  # CREATE_IN_PROGRESS, then CREATE_COMPLETE
        "DescribeDataset",  # stats for the attributes
        "ListTagsForResource",  # the new dataset is the one this request created
    ]


def test_rebuild_refuses_a_foreign_dataset_that_took_the_emptied_slot(
    project_arn: str,
    runtime: Runtime,
    emulator: Emulator,
    put_object: Any,
    rekognition_client: RekognitionClient,
) -> None:
    old = props(project_arn, {"Type": "manifest", **put_object(lines({"rose": 3}))})
    created = run(event("Create", old), runtime)
    new = props(project_arn, {"Type": "manifest", **put_object(lines({"tulip": 2}))})
    request = event("Update", new, old=old, physical_id=created.physical_id)
    merged = {**request, **on_event(request, None, runtime)}
    assert merged[STEP_KEY] == "rebuilding"
    emulator.advance_time(60)  # the old dataset is gone...
    theirs = rekognition_client.create_dataset(ProjectArn=project_arn, DatasetType="TRAIN")["DatasetArn"]
    emulator.advance_time(60)  # ...and someone else's settled in its slot before the next poll
    with pytest.raises(ProviderError, match=re.escape(theirs)):
        is_complete(merged, None, runtime)
    assert exists(rekognition_client, theirs)


def test_rebuild_of_a_busy_dataset_waits_for_it_then_converges(
    project_arn: str,
    runtime: Runtime,
    emulator: Emulator,
    put_object: Any,
    rekognition_client: RekognitionClient,
) -> None:
    old = props(project_arn, {"Type": "manifest", **put_object(lines({"rose": 3}))})
    created = str(run(event("Create", old), runtime).physical_id)
    make_busy(emulator, rekognition_client, created)
    new = props(project_arn, {"Type": "manifest", **put_object(lines({"tulip": 2}))})
    request = event("Update", new, old=old, physical_id=created)
    result = on_event(request, None, runtime)
    assert STEP_KEY not in result  # the delete was refused: the polls take the full step
    response = run(request, runtime, tick=slow(emulator))
    assert response.status == "SUCCESS", response.reason
    assert response.data["TotalEntries"] == "2" and not exists(rekognition_client, created)


def test_upsert_sends_in_on_event_and_records_the_new_source_in_one_tag_call(
    project_arn: str,
    runtime: Runtime,
    emulator: Emulator,
    put_object: Any,
    rekognition_client: RekognitionClient,
) -> None:
    old_source, new_source = growing_entries(put_object)
    old, new = props(project_arn, old_source), props(project_arn, new_source)
    created = run(event("Create", old), runtime)
    emulator.request_log.clear()
    updated = run(event("Update", new, old=old, physical_id=created.physical_id), runtime, tick=slow(emulator))
    assert updated.status == "SUCCESS", updated.reason
    assert updated.physical_id == created.physical_id and updated.data["TotalEntries"] == "7"
    assert calls(emulator) == [
        "UpdateDatasetEntries",
        "TagResource",
        f"DescribeDataset*{updated.polls}",
    ]
    tags = rekognition_client.list_tags_for_resource(ResourceArn=str(created.physical_id))["Tags"]
    fingerprint = updated.data["SourceFingerprint"]
    assert tags[TAG_FINGERPRINT] == fingerprint and tags[TAG_ENTRIES_PROGRESS] == f"{fingerprint}:done"


def test_upsert_of_a_busy_dataset_records_the_new_source_and_the_polls_send_it(
    project_arn: str,
    runtime: Runtime,
    emulator: Emulator,
    put_object: Any,
    rekognition_client: RekognitionClient,
) -> None:
    old_source, new_source = growing_entries(put_object)
    old, new = props(project_arn, old_source), props(project_arn, new_source)
    created = str(run(event("Create", old), runtime).physical_id)
    make_busy(emulator, rekognition_client, created)
    request = event("Update", new, old=old, physical_id=created)
    result = on_event(request, None, runtime)
    assert STEP_KEY not in result
    tags = rekognition_client.list_tags_for_resource(ResourceArn=created)["Tags"]
    assert tags[TAG_ENTRIES_PROGRESS] == f"{tags[TAG_FINGERPRINT]}:0"
    response = run(request, runtime, tick=slow(emulator))
    assert response.status == "SUCCESS", response.reason
    assert response.physical_id == created and response.data["TotalEntries"] == "7"


def test_delete_by_arn_deletes_at_once_then_polls_with_one_describe(
    project_arn: str,
    runtime: Runtime,
    emulator: Emulator,
    rekognition_client: RekognitionClient,
) -> None:
    created = run(event("Create", props(project_arn, {"Type": "empty"})), runtime)
    emulator.request_log.clear()
    deleted = run(
        event("Delete", props(project_arn, {"Type": "empty"}), physical_id=created.physical_id),
        runtime,
        tick=slow(emulator),
    )
    assert deleted.status == "SUCCESS", deleted.reason
    assert calls(emulator) == ["DeleteDataset", f"DescribeDataset*{deleted.polls}"]
    assert not exists(rekognition_client, str(created.physical_id))


def test_upsert_of_a_dataset_deleted_behind_our_back_creates_it_again(
    project_arn: str,
    runtime: Runtime,
    emulator: Emulator,
    put_object: Any,
) -> None:
    old_source, new_source = growing_entries(put_object)
    old, new = props(project_arn, old_source), props(project_arn, new_source)
    created = str(run(event("Create", old), runtime).physical_id)
    emulator.faults.delete_dataset(created)
    response = run(event("Update", new, old=old, physical_id=created), runtime)
    assert response.status == "SUCCESS", response.reason
    assert response.physical_id != created and response.data["TotalEntries"] == "7"


def test_a_rebuild_redelivered_after_its_polls_created_the_new_dataset_adopts_it(
    project_arn: str, runtime: Runtime, emulator: Emulator, put_object: Any, rekognition_client: RekognitionClient
) -> None:
    old = props(project_arn, {"Type": "manifest", **put_object(lines({"rose": 3}))})
    created = str(run(event("Create", old), runtime).physical_id)
    new = props(project_arn, {"Type": "manifest", **put_object(lines({"tulip": 2}))})
    request = event("Update", new, old=old, physical_id=created)
    first = run(request, runtime)  # the first delivery's waiter finished the rebuild...
    emulator.request_log.clear()
    again = run(request, runtime)  # ...and Lambda delivers the same on_event again
    assert first.status == again.status == "SUCCESS", again.reason
    assert again.physical_id == first.physical_id != created
    assert emulator.request_log.count("CreateDataset") == 0
    assert exists(rekognition_client, str(first.physical_id))
