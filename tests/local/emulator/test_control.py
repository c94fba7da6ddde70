"""``EmulatorControl``: another process's handle on a running emulator."""

from __future__ import annotations

import pytest

from rekognition_datasets_local.emulator.control import ControlError, EmulatorControl


@pytest.fixture
def control(emulator):
    return EmulatorControl(emulator.rekognition_url)


def test_arm_read_and_clear_the_request_log(client, control):
    control.arm("throttle_next", count=1, operation="CreateProject")

    with pytest.raises(client.exceptions.ThrottlingException):
        client.create_project(ProjectName="p")
    client.create_project(ProjectName="p")
    logged = control.requests()
    control.clear_requests()

    assert [(r["operation"], r["outcome"]) for r in logged] == [
        ("CreateProject", "ThrottlingException"),
        ("CreateProject", "OK"),
    ]
    assert control.requests() == []


def test_advance_and_reset(client, emulator, control):
    emulator.configure(project_create_delay=60)
    client.create_project(ProjectName="p")

    control.advance(60)
    status = client.describe_projects()["ProjectDescriptions"][0]["Status"]
    control.reset()

    assert status == "CREATED"
    assert client.describe_projects()["ProjectDescriptions"] == []


def test_refusals_and_unreachable_emulators_raise_control_error(control):
    with pytest.raises(ControlError, match="refused POST faults: 'fault' must be one of"):
        control.arm("explode")
    with pytest.raises(ControlError, match="cannot reach the emulator"):
        EmulatorControl("http://127.0.0.1:9", timeout=2).reset()


def test_configure_sets_trainings_until_reset(client, emulator, control, trainable, output):
    control.configure(training_delay=60, training_f1=0.5, training_failures={"bad": "no luck"})
    for name in ("good", "bad"):
        client.create_project_version(ProjectArn=trainable, VersionName=name, OutputConfig=output)

    control.advance(60)
    described = client.describe_project_versions(ProjectArn=trainable)["ProjectVersionDescriptions"]
    control.reset()

    assert [(d["Status"], d.get("StatusMessage"), d.get("EvaluationResult", {}).get("F1Score")) for d in described] == [
        ("TRAINING_FAILED", "no luck", None),
        ("TRAINING_COMPLETED", "The model is ready to run.", 0.5),
    ]
    assert (emulator.config.training_f1, emulator.config.training_failures) == (0.9, {})


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"training_f1": 1.5}, "between 0 and 1"),
        ({"training_speed": 2}, "training_speed"),
        ({"training_delay": -1}, ">= 0"),
    ],
)
def test_configure_refuses_bad_fields_and_values(control, changes, message):
    with pytest.raises(ControlError, match=f"refused POST configure: .*{message}"):
        control.configure(**changes)
