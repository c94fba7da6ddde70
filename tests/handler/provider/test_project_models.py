"""``Custom::RekognitionProjectModels``: refuse a teardown that would strand versions, or delete them all."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rekognition_datasets_handler.model_schema import PROJECT_MODELS_RESOURCE_TYPE
from rekognition_datasets_handler.resources import project_models

from .cfn import event, run
from .model_helpers import out_of_band

if TYPE_CHECKING:
    import pytest
    from mypy_boto3_rekognition import RekognitionClient

    from rekognition_datasets_handler.runtime import Runtime
    from rekognition_datasets_local.emulator import Emulator


def guard(request_type: str, project: str, auto_delete: str, **kwargs: Any) -> dict[str, Any]:
    props = {"ProjectArn": project, "AutoDeleteModels": auto_delete}
    return event(request_type, props, logical_id="ProjectModels", resource_type=PROJECT_MODELS_RESOURCE_TYPE, **kwargs)


def delete(project: str, auto_delete: str, runtime: Runtime, emulator: Emulator, tick: float = 0) -> Any:
    request = guard("Delete", project, auto_delete, physical_id=project_models.physical_id(project))
    return run(request, runtime, max_polls=200, tick=(lambda: emulator.advance_time(tick)) if tick else None)


def statuses(rek: RekognitionClient, project: str) -> dict[str, str]:
    found = rek.describe_project_versions(ProjectArn=project)["ProjectVersionDescriptions"]
    return {v["ProjectVersionArn"].split("/")[-2]: v["Status"] for v in found}


def every_state(rek: RekognitionClient, project: str, emulator: Emulator) -> dict[str, str]:
    """Out-of-band versions in every state a teardown meets."""
    emulator.configure(training_failures={"broken": "The manifest has no labels."}, start_failures={"failed": "No."})
    for name in ("stopped", "running", "failed", "broken", "completed", "starting"):
        out_of_band(rek, project, name)
    rek.describe_project_versions(ProjectArn=project)  # the trainings end
    for name in ("stopped", "running", "failed"):
        rek.start_project_version(ProjectVersionArn=_arn(rek, project, name), MinInferenceUnits=1)
    rek.describe_project_versions(ProjectArn=project)
    rek.stop_project_version(ProjectVersionArn=_arn(rek, project, "stopped"))
    emulator.configure(version_start_delay=300, training_delay=300)
    rek.start_project_version(ProjectVersionArn=_arn(rek, project, "starting"), MinInferenceUnits=1)
    out_of_band(rek, project, "training")
    return statuses(rek, project)


def _arn(rek: RekognitionClient, project: str, name: str) -> str:
    (found,) = rek.describe_project_versions(ProjectArn=project, VersionNames=[name])["ProjectVersionDescriptions"]
    return found["ProjectVersionArn"]


def test_create_and_update_call_nothing(project: str, runtime: Runtime, emulator: Emulator) -> None:
    emulator.request_log.clear()
    created = run(guard("Create", project, "false"), runtime)
    assert created.status == "SUCCESS", created.reason
    assert created.physical_id == project_models.physical_id(project)
    old = {"ProjectArn": project, "AutoDeleteModels": "false"}
    updated = run(guard("Update", project, "true", old=old, physical_id=created.physical_id), runtime)
    assert updated.status == "SUCCESS" and updated.physical_id == created.physical_id
    assert emulator.request_log.count() == 0


def test_delete_of_a_project_without_versions_succeeds(project: str, runtime: Runtime, emulator: Emulator) -> None:
    response = delete(project, "false", runtime, emulator)
    assert response.status == "SUCCESS", response.reason


def test_delete_refuses_naming_the_versions_and_the_option(
    project: str, runtime: Runtime, emulator: Emulator, rekognition: RekognitionClient
) -> None:
    for i in range(7):
        out_of_band(rekognition, project, f"v{i}")
    response = delete(project, "false", runtime, emulator)
    assert response.status == "FAILED"
    assert response.polls == 0  # at once, from on_event
    assert (
        "Project flowers holds model versions v6, v5, v4, v3, v2 (…and 2 more); delete them or set "
        "auto_delete_models=True on the Project."
    ) in response.reason
    assert len(statuses(rekognition, project)) == 7
    assert emulator.request_log.count("DeleteProjectVersion") == emulator.request_log.count("StopProjectVersion") == 0


def test_delete_refuses_versions_in_every_state_and_touches_none(
    project: str, runtime: Runtime, emulator: Emulator, rekognition: RekognitionClient
) -> None:
    before = every_state(rekognition, project, emulator)
    response = delete(project, "false", runtime, emulator)
    assert response.status == "FAILED" and "holds model versions" in response.reason
    assert statuses(rekognition, project) == before


def test_auto_delete_removes_versions_in_every_state(
    project: str, runtime: Runtime, emulator: Emulator, rekognition: RekognitionClient
) -> None:
    assert every_state(rekognition, project, emulator) == {
        "stopped": "STOPPED",
        "running": "RUNNING",
        "failed": "FAILED",
        "broken": "TRAINING_FAILED",
        "completed": "TRAINING_COMPLETED",
        "starting": "STARTING",
        "training": "TRAINING_IN_PROGRESS",
    }
    emulator.request_log.clear()
    response = delete(project, "true", runtime, emulator, tick=60)
    assert response.status == "SUCCESS", response.reason
    assert statuses(rekognition, project) == {}
    stopped = {e.params["ProjectVersionArn"].split("/")[-2] for e in emulator.request_log.entries("StopProjectVersion")}
    assert stopped == {"running", "starting"}
    refused = emulator.request_log.count("DeleteProjectVersion", outcome="ResourceInUseException")
    assert refused == 0  # a training is waited for, never sent to DeleteProjectVersion


def test_auto_delete_works_in_bounded_steps(
    project: str, runtime: Runtime, emulator: Emulator, rekognition: RekognitionClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(7):
        out_of_band(rekognition, project, f"v{i}")
    monkeypatch.setattr(project_models, "MAX_ACTIONS_PER_STEP", 2)
    response = delete(project, "true", runtime, emulator)
    assert response.status == "SUCCESS", response.reason
    assert statuses(rekognition, project) == {}
    assert response.polls >= 3  # 2 deletes per call: on_event, then the polls


def test_auto_delete_pages_through_the_versions(
    project: str, runtime: Runtime, emulator: Emulator, rekognition: RekognitionClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(5):
        out_of_band(rekognition, project, f"v{i}")
    monkeypatch.setattr(project_models.model_service, "PAGE_SIZE", 2)
    monkeypatch.setattr(project_models.model_service.versions_page, "__defaults__", (2,))
    response = delete(project, "true", runtime, emulator)
    assert response.status == "SUCCESS", response.reason
    assert statuses(rekognition, project) == {}
    assert any("NextToken" in e.params for e in emulator.request_log.entries("DescribeProjectVersions"))


def test_auto_delete_rides_out_throttling_and_internal_errors(
    project: str, runtime: Runtime, emulator: Emulator, rekognition: RekognitionClient
) -> None:
    for i in range(3):
        out_of_band(rekognition, project, f"v{i}")
    emulator.faults.throttle_next(2, "DeleteProjectVersion")
    emulator.faults.internal_error_next(1, "DescribeProjectVersions")
    response = delete(project, "true", runtime, emulator)
    assert response.status == "SUCCESS", response.reason
    assert statuses(rekognition, project) == {}


def test_a_guard_whose_project_is_gone_succeeds(project: str, runtime: Runtime, emulator: Emulator) -> None:
    gone = project.replace("/flowers/", "/tulips/")
    assert delete(gone, "false", runtime, emulator).status == "SUCCESS"


def test_bad_properties_fail_naming_the_field(project: str, runtime: Runtime) -> None:
    response = run(guard("Create", project, "yes"), runtime)
    assert response.status == "FAILED"
    assert "AutoDeleteModels must be 'true' or 'false'" in response.reason
