"""An Update whose first delivery rebuilt the dataset and was lost while the new import ran (then fails)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rekognition_datasets_handler.provider import is_complete, on_event

from .cfn import event, run
from .conftest import lines

if TYPE_CHECKING:
    from collections.abc import Callable

    from mypy_boto3_rekognition import RekognitionClient

    from rekognition_datasets_handler.runtime import Runtime
    from rekognition_datasets_local.emulator import Emulator

IMPORT_SECONDS = 30.0


def first_delivery_left_an_import_running(
    project_arn: str,
    runtime: Runtime,
    put_object: Callable[..., dict[str, str]],
    emulator: Emulator,
    rekognition: RekognitionClient,
) -> tuple[dict[str, Any], dict[str, Any], str]:
    """(old properties, new properties, the ARN CloudFormation knows): the slot holds the new source's dataset,
    CREATE_IN_PROGRESS for ``IMPORT_SECONDS``, and its import will fail."""
    old = {
        "ProjectArn": project_arn,
        "DatasetType": "TRAIN",
        "Source": {"Type": "manifest", **put_object(lines({"rose": 4}), key="a.manifest")},
    }
    created = run(event("Create", old), runtime)
    assert created.status == "SUCCESS", created.reason
    arn = str(created.physical_id)
    new = {**old, "Source": {"Type": "manifest", **put_object(lines({"tulip": 5}), key="b.manifest")}}
    emulator.configure(dataset_create_delay=IMPORT_SECONDS)
    emulator.faults.fail_next(project_arn, "Injected: the first delivery's import failed")
    request = event("Update", new, old=old, physical_id=arn)
    merged = {**request, **on_event(request, None, runtime)}
    for _ in range(10):  # polls until the new import runs; then the delivery is lost
        if is_complete(merged, None, runtime)["IsComplete"]:
            raise AssertionError("the update finished before its import ran")
        (project,) = rekognition.describe_projects()["ProjectDescriptions"]
        running = [d for d in project.get("Datasets", []) if d["Status"] == "CREATE_IN_PROGRESS"]
        if running and running[0]["DatasetArn"] != arn:
            break
    else:
        raise AssertionError("the new import never started")
    emulator.configure(dataset_create_delay=0)  # the rebuild after the failure completes at once
    return old, new, arn
