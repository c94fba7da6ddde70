"""The emulated EventBridge Scheduler: shapes checked like the service, and due at() schedules that stop a model."""

from __future__ import annotations

import json
import time

import boto3
import pytest

from rekognition_datasets_local.emulator.schedule_rules import STOP_TARGET

from .conftest import error_of

ROLE = "arn:aws:iam::123456789012:role/stopper"


@pytest.fixture
def scheduler(emulator):
    return boto3.client("scheduler")


@pytest.fixture
def running(client, trainable, output):
    arn = client.create_project_version(ProjectArn=trainable, VersionName="v1", OutputConfig=output)[
        "ProjectVersionArn"
    ]
    client.describe_project_versions(ProjectArn=trainable)  # TRAINING_COMPLETED
    client.start_project_version(ProjectVersionArn=arn, MinInferenceUnits=1)
    return arn


def _status(client, project):
    return client.describe_project_versions(ProjectArn=project, VersionNames=["v1"])["ProjectVersionDescriptions"][0][
        "Status"
    ]


def _at(emulator, minutes):
    return "at(" + time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(emulator.clock.now() + minutes * 60)) + ")"


def _stop_schedule(scheduler, arn, expression, name="stop-v1", **extra):
    target = {"Arn": STOP_TARGET, "RoleArn": ROLE, "Input": json.dumps({"ProjectVersionArn": arn})}
    return scheduler.create_schedule(
        Name=name, ScheduleExpression=expression, FlexibleTimeWindow={"Mode": "OFF"}, Target=target, **extra
    )


def _names(scheduler):
    return [s["Name"] for s in scheduler.list_schedules()["Schedules"]]


def test_a_due_schedule_stops_the_model_and_deletes_itself(emulator, scheduler, client, trainable, running):
    _stop_schedule(scheduler, running, _at(emulator, 30), ActionAfterCompletion="DELETE")
    emulator.advance_time(29 * 60)
    early = (emulator.scheduler.fire_due(), _status(client, trainable))

    emulator.advance_time(2 * 60)
    emulator.scheduler.fire_due()

    assert early == (0, "RUNNING")
    assert _status(client, trainable) == "STOPPED"
    assert _names(scheduler) == []
    assert [(e.params, e.outcome) for e in emulator.request_log.entries("StopProjectVersion")] == [
        ({"ProjectVersionArn": running}, "OK")
    ]


def test_time_moved_before_a_schedule_is_made_does_not_make_it_fire_early(
    emulator, scheduler, client, trainable, running
):
    emulator.advance_time(2 * 3600)  # e.g. a training waited out
    in_30_minutes = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(time.time() + 30 * 60))  # as a client writes it
    _stop_schedule(scheduler, running, f"at({in_30_minutes})", ActionAfterCompletion="DELETE")

    emulator.scheduler.fire_due()
    early = _status(client, trainable)
    emulator.advance_time(31 * 60)
    emulator.scheduler.fire_due()

    assert (early, _status(client, trainable)) == ("RUNNING", "STOPPED")


def test_the_background_thread_fires_without_being_asked(emulator, scheduler, client, trainable, running):
    _stop_schedule(scheduler, running, _at(emulator, 10), ActionAfterCompletion="DELETE")

    emulator.advance_time(11 * 60)
    deadline = time.monotonic() + 10
    while _names(scheduler) and time.monotonic() < deadline:
        time.sleep(0.02)

    assert _names(scheduler) == []
    assert _status(client, trainable) == "STOPPED"


def test_a_kept_schedule_runs_once(emulator, scheduler, client, trainable, running):
    _stop_schedule(scheduler, running, _at(emulator, 1), ActionAfterCompletion="NONE")
    emulator.advance_time(120)

    emulator.scheduler.fire_due()
    client.start_project_version(ProjectVersionArn=running, MinInferenceUnits=1)
    emulator.scheduler.fire_due()

    assert _names(scheduler) == ["stop-v1"]
    assert _status(client, trainable) == "RUNNING"
    assert emulator.request_log.count("StopProjectVersion") == 1


def test_the_time_zone_of_the_expression_is_honoured(emulator, scheduler, client, trainable, running):
    local = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(emulator.clock.now() + 9 * 3600 + 60))
    _stop_schedule(scheduler, running, f"at({local})", ScheduleExpressionTimezone="Asia/Tokyo")  # UTC+9, no DST

    emulator.scheduler.fire_due()
    early = _status(client, trainable)
    emulator.advance_time(120)
    emulator.scheduler.fire_due()

    assert (early, _status(client, trainable)) == ("RUNNING", "STOPPED")


def test_a_throttled_stop_is_retried_on_the_next_tick(emulator, scheduler, client, trainable, running):
    _stop_schedule(scheduler, running, _at(emulator, 1), ActionAfterCompletion="DELETE")
    emulator.faults.throttle_next(1, "StopProjectVersion")
    emulator.advance_time(120)

    for _ in range(2):  # the throttled attempt, then the retry (unless the background thread made them first)
        emulator.scheduler.fire_due()

    assert _status(client, trainable) == "STOPPED"
    assert [e.outcome for e in emulator.request_log.entries("StopProjectVersion")] == ["ThrottlingException", "OK"]


def test_a_stop_the_service_refuses_ends_the_run(emulator, scheduler, client, trainable, running):
    client.stop_project_version(ProjectVersionArn=running)
    client.describe_project_versions(ProjectArn=trainable)  # STOPPED
    _stop_schedule(scheduler, running, _at(emulator, 1), ActionAfterCompletion="DELETE")
    emulator.advance_time(120)

    emulator.scheduler.fire_due()

    assert _names(scheduler) == []
    assert emulator.request_log.entries("StopProjectVersion")[-1].outcome == "ResourceInUseException"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"Target": {"Arn": "arn:aws:scheduler:::aws-sdk:rekognition:deleteProjectVersion"}}, "universal target"),
        ({"Target": {"Arn": "arn:aws:lambda:us-east-1:123456789012:function:f"}}, "does not run the target"),
        ({"Target": {"Input": "not json"}}, "must be a StopProjectVersion request"),
        ({"Target": {"Input": json.dumps({"ProjectVersionArn": "a", "Extra": 1})}}, "StopProjectVersion request"),
        ({"ScheduleExpression": "at(2030-13-01T00:00:00)"}, "Invalid Schedule Expression"),
        ({"ScheduleExpression": "in 5 minutes"}, "Invalid Schedule Expression in 5 minutes"),
        ({"ScheduleExpressionTimezone": "Mars/Olympus"}, "Invalid ScheduleExpressionTimezone"),
        ({"FlexibleTimeWindow": {"Mode": "FLEXIBLE"}}, "MaximumWindowInMinutes is required"),
        ({"Name": "x" * 65}, "at 'name' failed to satisfy constraint: Member must have length less than or equal"),
        ({"Target": {"RoleArn": "stopper"}}, "at 'target.roleArn' failed to satisfy constraint"),
        ({"ActionAfterCompletion": "KEEP"}, "at 'actionAfterCompletion' failed to satisfy constraint"),
    ],
)
def test_what_the_service_refuses_is_refused(emulator, scheduler, change, message):
    request = {
        "Name": "stop-v1",
        "ScheduleExpression": "at(2030-01-01T00:00:00)",
        "FlexibleTimeWindow": {"Mode": "OFF"},
        "Target": {"Arn": STOP_TARGET, "RoleArn": ROLE, "Input": json.dumps({"ProjectVersionArn": "arn"})},
    }
    for key, value in change.items():
        request[key] = {**request[key], **value} if isinstance(value, dict) and key == "Target" else value

    with pytest.raises(scheduler.exceptions.ValidationException) as raised:
        scheduler.create_schedule(**request)

    assert error_of(raised)["Code"] == "ValidationException"
    assert message in error_of(raised)["Message"]
    assert _names(scheduler) == []


def test_the_usual_errors_come_through(scheduler, emulator):
    _stop_schedule(scheduler, "arn", "at(2030-01-01T00:00:00)")

    with pytest.raises(scheduler.exceptions.ConflictException):
        _stop_schedule(scheduler, "arn", "at(2030-01-01T00:00:00)")
    scheduler.delete_schedule(Name="stop-v1")
    with pytest.raises(scheduler.exceptions.ResourceNotFoundException):
        scheduler.get_schedule(Name="stop-v1")
    assert [(e.operation, e.outcome) for e in emulator.request_log.entries()] == [
        ("scheduler:CreateSchedule", "OK"),
        ("scheduler:CreateSchedule", "ConflictException"),
        ("scheduler:DeleteSchedule", "OK"),
        ("scheduler:GetSchedule", "ResourceNotFoundException"),
    ]


def test_faults_apply_to_scheduler_calls(emulator, scheduler, monkeypatch):
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    emulator.faults.throttle_next(1, "CreateSchedule")
    throttled = boto3.client("scheduler")

    with pytest.raises(throttled.exceptions.ThrottlingException):
        _stop_schedule(throttled, "arn", "at(2030-01-01T00:00:00)")
    _stop_schedule(throttled, "arn", "at(2030-01-01T00:00:00)")

    assert _names(scheduler) == ["stop-v1"]


def test_reset_forgets_the_schedules(emulator, scheduler):
    _stop_schedule(scheduler, "arn", "at(2030-01-01T00:00:00)")

    emulator.reset()

    assert _names(scheduler) == []


def test_the_environment_points_scheduler_at_the_emulator(emulator):
    assert emulator.env()["AWS_ENDPOINT_URL_SCHEDULER"] == emulator.rekognition_url
