"""Auto-stop: the one-time schedule a served version gets, firing on the emulator's clock, and its removal."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.stub import Stubber

from rekognition_datasets_handler.auto_stop import STOP_TARGET, put, remove, schedule_name
from rekognition_datasets_handler.errors import ProviderError
from rekognition_datasets_handler.model_schema import ATTR_AUTO_STOP_AT
from rekognition_datasets_handler.provider import on_event

from .cfn import run
from .serving_helpers import ROLE, props, serving, status, train

if TYPE_CHECKING:
    from collections.abc import Callable

    from mypy_boto3_rekognition import RekognitionClient
    from mypy_boto3_scheduler import EventBridgeSchedulerClient

    from rekognition_datasets_handler.runtime import Runtime
    from rekognition_datasets_local.emulator import Emulator

    Reader = Callable[[], str]


@pytest.fixture
def arn(rekognition_client: RekognitionClient, project_arn: str, put_object: Callable[..., dict[str, str]]) -> str:
    return train(rekognition_client, project_arn, put_object, "v1")[0]


@pytest.fixture
def scheduler(emulator: Emulator) -> EventBridgeSchedulerClient:
    return boto3.client("scheduler")


@pytest.fixture
def served(arn: str, runtime: Runtime) -> str:
    """``arn``, served with a 30-minute auto-stop."""
    assert run(serving("Create", arn, **auto_stop(30)), runtime).status == "SUCCESS"
    return arn


@pytest.fixture
def v1_status(rekognition_client: RekognitionClient, project_arn: str) -> Reader:
    """Reads the status of the version v1."""
    return lambda: status(rekognition_client, project_arn, "v1")


def auto_stop(minutes: int) -> dict[str, str]:
    return {"AutoStopAfterMinutes": str(minutes), "SchedulerRoleArn": ROLE}


def schedule(scheduler: EventBridgeSchedulerClient, arn: str) -> dict[str, Any] | None:
    try:
        return dict(scheduler.get_schedule(Name=schedule_name(arn)))
    except scheduler.exceptions.ResourceNotFoundException:
        return None


def test_a_running_version_gets_a_one_time_schedule_that_stops_it(
    scheduler: EventBridgeSchedulerClient, arn: str, runtime: Runtime
) -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    made = run(serving("Create", arn, **auto_stop(30)), runtime)
    after = datetime.now(UTC)

    stop_at = datetime.fromisoformat(made.data[ATTR_AUTO_STOP_AT])
    made_schedule = schedule(scheduler, arn)
    assert made.status == "SUCCESS"
    assert before + timedelta(minutes=30) <= stop_at <= after + timedelta(minutes=30)
    assert made_schedule is not None
    assert made_schedule["ScheduleExpression"] == f"at({stop_at.replace(tzinfo=None).isoformat()})"
    assert (made_schedule["ScheduleExpressionTimezone"], made_schedule["ActionAfterCompletion"]) == ("UTC", "DELETE")
    assert made_schedule["FlexibleTimeWindow"] == {"Mode": "OFF"}
    target = made_schedule["Target"]
    assert (target["Arn"], target["RoleArn"], json.loads(target["Input"])) == (
        STOP_TARGET,
        ROLE,
        {"ProjectVersionArn": arn},
    )


def test_the_schedule_fires_on_the_emulator_clock_and_deletes_itself(
    emulator: Emulator, scheduler: EventBridgeSchedulerClient, served: str, v1_status: Reader, runtime: Runtime
) -> None:
    arn = served
    emulator.advance_time(29 * 60)
    emulator.scheduler.fire_due()
    early = v1_status()

    emulator.advance_time(2 * 60)
    emulator.scheduler.fire_due()

    assert early == "RUNNING"
    assert v1_status() == "STOPPED"
    assert schedule(scheduler, arn) is None
    assert emulator.request_log.count("StopProjectVersion", "OK") == 1
    # a later Delete of the resource finds nothing left to do
    assert run(serving("Delete", arn, **auto_stop(30), physical_id=arn), runtime).status == "SUCCESS"


def test_delete_removes_the_schedule_and_stops_the_version(
    scheduler: EventBridgeSchedulerClient, served: str, v1_status: Reader, runtime: Runtime
) -> None:
    arn = served

    deleted = run(serving("Delete", arn, **auto_stop(30), physical_id=arn), runtime)

    assert deleted.status == "SUCCESS"
    assert schedule(scheduler, arn) is None
    assert v1_status() == "STOPPED"


def test_an_update_reschedules_and_dropping_auto_stop_removes_the_schedule(
    emulator: Emulator, scheduler: EventBridgeSchedulerClient, arn: str, runtime: Runtime
) -> None:
    first = run(serving("Create", arn, **auto_stop(30)), runtime)
    longer = run(serving("Update", arn, **auto_stop(90), old=props(arn, **auto_stop(30)), physical_id=arn), runtime)
    longer_schedule = schedule(scheduler, arn)
    dropped = run(serving("Update", arn, old=props(arn, **auto_stop(90)), physical_id=arn), runtime)

    assert (first.status, longer.status, dropped.status) == ("SUCCESS", "SUCCESS", "SUCCESS")
    gap = datetime.fromisoformat(longer.data[ATTR_AUTO_STOP_AT]) - datetime.fromisoformat(first.data[ATTR_AUTO_STOP_AT])
    assert timedelta(minutes=60) <= gap <= timedelta(minutes=61)
    assert longer_schedule is not None
    assert dropped.data[ATTR_AUTO_STOP_AT] == ""
    assert schedule(scheduler, arn) is None
    assert emulator.request_log.count("StartProjectVersion") == 1, "a schedule change does not restart the model"


def test_a_redelivered_create_leaves_one_schedule(
    emulator: Emulator, scheduler: EventBridgeSchedulerClient, arn: str, runtime: Runtime
) -> None:
    request = serving("Create", arn, **auto_stop(30))
    assert run(request, runtime).status == "SUCCESS"

    again = run(request, runtime)

    assert again.status == "SUCCESS"
    assert schedule(scheduler, arn) is not None
    assert [s["Name"] for s in scheduler.list_schedules()["Schedules"]] == [schedule_name(arn)]
    assert emulator.request_log.count("scheduler:CreateSchedule", "ConflictException") == 1


def test_a_throttled_create_schedule_is_retried_by_the_next_poll(
    emulator: Emulator, scheduler: EventBridgeSchedulerClient, arn: str, runtime: Runtime
) -> None:
    request = serving("Create", arn, **auto_stop(30))
    on_event(request, None, runtime)
    emulator.faults.throttle_next(1, "CreateSchedule")

    made = run(request, runtime)

    assert (made.status, made.polls) == ("SUCCESS", 2)
    assert schedule(scheduler, arn) is not None
    assert emulator.request_log.count("scheduler:CreateSchedule", "ThrottlingException") == 1


ARN = "arn:aws:rekognition:us-east-1:123456789012:project/flowers/version/v1/1700000000000"


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("ValidationException", "EventBridge Scheduler CreateSchedule failed: ValidationException: role not assumable"),
        ("ServiceQuotaExceededException", "CreateSchedule failed: ServiceQuotaExceededException"),
    ],
)
def test_a_refused_schedule_fails_with_the_service_words(code: str, expected: str) -> None:
    client = boto3.client("scheduler", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stub:
        stub.add_client_error("create_schedule", code, "role not assumable")

        with pytest.raises(ProviderError) as raised:
            put(client, ARN, ROLE, 5, datetime.now(UTC))

    assert expected in str(raised.value)


def test_a_conflict_on_delete_fails_clearly() -> None:
    client = boto3.client("scheduler", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stub:
        stub.add_client_error("delete_schedule", "ConflictException", "being updated")

        with pytest.raises(ProviderError, match="DeleteSchedule failed: ConflictException: being updated"):
            remove(client, ARN)
