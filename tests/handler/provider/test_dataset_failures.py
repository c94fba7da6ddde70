"""Terminal failures: the service's message, sampled entry errors, short responses, nothing left behind."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rekognition_datasets_handler.provider import is_complete, on_event
from rekognition_datasets_handler.schema import TAG_SPLIT

from .cfn import event, run
from .conftest import line, lines

if TYPE_CHECKING:
    from collections.abc import Callable

    from mypy_boto3_rekognition import RekognitionClient

    from rekognition_datasets_handler.runtime import Runtime
    from rekognition_datasets_local.emulator import Emulator


def props(project_arn: str, source: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"ProjectArn": project_arn, "DatasetType": "TRAIN", "Source": source, **extra}


def test_terminal_manifest_error_fails_with_the_service_message(
    project_arn: str,
    runtime: Runtime,
    put_object: Callable[..., dict[str, str]],
    emulator: Emulator,
    rekognition_client: RekognitionClient,
) -> None:
    content = lines({"rose": 3}) + lines({"tulip": 3}, bucket="another-bucket")
    request = event("Create", props(project_arn, {"Type": "manifest", **put_object(content)}))
    response = run(request, runtime)
    assert response.status == "FAILED"
    assert "CREATE_FAILED" in response.reason and "multiple S3 buckets" in response.reason
    assert len(response.body(request).encode()) < 4096
    # the rollback Delete (isComplete failed, so it carries the real ARN) removes the failed dataset
    assert response.physical_id is not None and "/dataset/train/" in response.physical_id
    cleanup = run(event("Delete", request["ResourceProperties"], physical_id=response.physical_id), runtime)
    assert cleanup.status == "SUCCESS"
    assert rekognition_client.describe_projects(ProjectNames=["flowers"])["ProjectDescriptions"][0]["Datasets"] == []


def test_error_entries_over_the_maximum_fail_with_entry_error_codes(
    project_arn: str, runtime: Runtime, put_object: Callable[..., dict[str, str]]
) -> None:
    broken = [line(f"broken-{i}", "rose", rose="not-a-number") for i in range(4)]
    source = {"Type": "manifest", **put_object(lines({"rose": 40}) + broken)}
    request = event("Create", props(project_arn, source, MaxErrorEntries="2"))
    response = run(request, runtime)
    assert response.status == "FAILED"
    assert "has 4 entries with errors (MaxErrorEntries 2)" in response.reason
    assert "ERROR_INVALID_LABEL_ATTRIBUTE_FORMAT (broken-" in response.reason
    assert len(response.body(request).encode()) < 4096


def test_error_entries_within_the_maximum_succeed(
    project_arn: str, runtime: Runtime, put_object: Callable[..., dict[str, str]]
) -> None:
    broken = [line("broken", "rose", rose="not-a-number")]
    source = {"Type": "manifest", **put_object(lines({"rose": 10}) + broken)}
    response = run(event("Create", props(project_arn, source, MaxErrorEntries="1")), runtime)
    assert response.status == "SUCCESS", response.reason
    assert response.data["ErrorEntries"] == "1"


def test_huge_service_message_still_fits_the_response(project_arn: str, runtime: Runtime, emulator: Emulator) -> None:
    emulator.faults.fail_next(project_arn, "X" * 20_000)
    request = event("Create", props(project_arn, {"Type": "empty"}))
    response = run(request, runtime)
    assert response.status == "FAILED"
    assert len(response.body(request).encode()) < 4096


def test_entries_line_the_service_would_drop_fails_before_sending(
    project_arn: str, runtime: Runtime, put_object: Callable[..., dict[str, str]], emulator: Emulator
) -> None:
    source = {
        "Type": "entries",
        **put_object(b'{"source-ref": "s3://provider-test-images/x.jpg"}\nnot json\n', key="e.jsonl"),
    }
    response = run(event("Create", props(project_arn, source)), runtime)
    assert response.status == "FAILED"
    assert "ERROR_INVALID_JSON_LINE" in response.reason and "line 2" in response.reason
    assert emulator.request_log.count("UpdateDatasetEntries") == 0


def test_failed_on_event_create_leaves_nothing_behind(
    project_arn: str, runtime: Runtime, emulator: Emulator, rekognition_client: RekognitionClient
) -> None:
    # GIVEN our dataset from a first delivery that ended CREATE_FAILED
    emulator.faults.fail_next(project_arn, "Injected service error.")
    request = event("Create", props(project_arn, {"Type": "empty"}))
    on_event(request, None, runtime)
    # WHEN the re-delivered Create fails in on_event (so the framework answers with the CREATE_FAILED marker,
    # whose Delete never reaches the handler)
    response = run(request, runtime)
    # THEN on_event deleted what it had created before failing
    assert response.status == "FAILED" and "Injected service error." in response.reason
    assert response.physical_id == "AWSCDK::CustomResourceProviderFramework::CREATE_FAILED"
    assert emulator.request_log.count("DeleteDataset", "OK") == 1
    assert rekognition_client.describe_projects(ProjectNames=["flowers"])["ProjectDescriptions"][0]["Datasets"] == []


def test_a_missing_manifest_names_its_bucket_key_and_version(
    project_arn: str, runtime: Runtime, put_object: Callable[..., dict[str, str]]
) -> None:
    source = {"Type": "manifest", **put_object(lines({"rose": 3}))}
    source["Key"] = "no/such.manifest"
    source["Version"] = "v-does-not-exist"
    response = run(event("Create", props(project_arn, source)), runtime)
    assert response.status == "FAILED"
    assert "InvalidS3ObjectException" in response.reason
    assert f"(manifest s3://{source['Bucket']}/no/such.manifest (version v-does-not-exist))" in response.reason


def test_a_rollback_after_a_kill_rebuilds_the_failed_dataset_the_interrupted_update_left_in_progress(
    project_arn: str,
    runtime: Runtime,
    put_object: Callable[..., dict[str, str]],
    emulator: Emulator,
    rekognition_client: RekognitionClient,
) -> None:
    # GIVEN a split TRAIN whose split is being removed: the update deleted it and created it whole (same
    # fingerprint) with an import that will fail, and the runner was killed before that Update answered
    split = props(project_arn, {"Type": "manifest", **put_object(lines({"rose": 5}))}, Distributed="true")
    old_arn = str(run(event("Create", split), runtime).physical_id)
    rekognition_client.tag_resource(ResourceArn=old_arn, Tags={TAG_SPLIT: "true"})
    whole = {k: v for k, v in split.items() if k != "Distributed"}
    emulator.configure(dataset_create_delay=10, dataset_delete_delay=1)
    emulator.faults.fail_next("*", "chaos: the import failed")
    interrupted = event("Update", whole, old=split, physical_id=old_arn)
    merged = {**interrupted, **on_event(interrupted, None, runtime)}
    emulator.advance_time(2)  # the old dataset is gone
    assert not is_complete(merged, None, runtime)["IsComplete"]  # this poll created the new one
    (project,) = rekognition_client.describe_projects()["ProjectDescriptions"]
    (created,) = project["Datasets"]
    assert created["DatasetArn"] != old_arn and created["Status"] == "CREATE_IN_PROGRESS"
    # WHEN the next deploy rolls the interrupted update back (the runner knows only the old physical id)
    emulator.configure(dataset_create_delay=1)
    rollback_request = event("Update", split, old=whole, physical_id=old_arn)
    rollback = run(rollback_request, runtime, tick=lambda: emulator.advance_time(5))
    # THEN the dataset the interrupted update left failing is rebuilt, not reported as the rollback's failure
    assert rollback.status == "SUCCESS", rollback.reason
    assert rollback.data["TotalEntries"] == "5"
