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
