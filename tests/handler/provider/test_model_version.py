"""``Custom::RekognitionModelVersion`` and its watch: create/adopt/refuse, the signal, update and delete paths."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import TYPE_CHECKING, Any

import pytest

from rekognition_datasets_handler.crhelper_handler import handler as crhelper_handler
from rekognition_datasets_handler.model_schema import WATCH_EVENT_KEY, WATCH_RULE_PREFIX
from rekognition_datasets_handler.schema import TAG_LOGICAL_ID, TAG_STACK_ID
from rekognition_datasets_handler.watch import rule_name

from .cfn import OTHER_STACK_ID, STACK_ID, run
from .model_helpers import (
    FUNCTION_ARN,
    OUTPUT_BUCKET,
    WaitHandle,
    fire_watch,
    out_of_band,
    rules,
    version_event,
    version_props,
    watch_rule_input,
)

if TYPE_CHECKING:
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_rekognition import RekognitionClient

    from rekognition_datasets_handler.runtime import Runtime
    from rekognition_datasets_local.emulator import Emulator


def describe(rek: RekognitionClient, project: str, name: str = "v1") -> dict[str, Any]:
    (found,) = rek.describe_project_versions(ProjectArn=project, VersionNames=[name])["ProjectVersionDescriptions"]
    return dict(found)


def created(project: str, handle: WaitHandle, runtime: Runtime, **extra: Any) -> str:
    response = run(version_event("Create", version_props(project, handle.url(), **extra)), runtime)
    assert response.status == "SUCCESS", response.reason
    return str(response.physical_id)


def summary_uri(rek: RekognitionClient, project: str, name: str = "v1") -> str:
    s3_object = describe(rek, project, name)["EvaluationResult"]["Summary"]["S3Object"]
    return f"s3://{s3_object['Bucket']}/{s3_object['Name']}"


# ------------------------------------------------------------------------------------------------------ create
def test_create_trains_tags_watches_and_answers_at_once(
    project: str,
    handle: WaitHandle,
    model_runtime: Runtime,
    emulator: Emulator,
    events: EventBridgeClient,
    rekognition: RekognitionClient,
) -> None:
    emulator.configure(training_delay=3600)
    props = version_props(project, handle.url(), Tags={"team": "vision"}, MinF1Score="0.8", WatchMinutes="5")
    response = run(version_event("Create", props), model_runtime)
    assert response.status == "SUCCESS", response.reason
    arn = str(response.physical_id)
    assert response.data == {"ProjectVersionArn": arn, "VersionName": "v1"}
    assert describe(rekognition, project)["Status"] == "TRAINING_IN_PROGRESS"  # nothing waited for the training
    (call,) = emulator.request_log.entries("CreateProjectVersion")
    assert call.params["OutputConfig"] == {"S3Bucket": OUTPUT_BUCKET, "S3KeyPrefix": "models/"}
    assert "TrainingData" not in call.params and "TestingData" not in call.params
    assert rekognition.list_tags_for_resource(ResourceArn=arn)["Tags"] == {
        "team": "vision",
        TAG_STACK_ID: STACK_ID,
        TAG_LOGICAL_ID: "Model",
    }
    rule = rule_name(arn)
    assert rule.startswith(WATCH_RULE_PREFIX) and len(rule) <= 64
    assert events.describe_rule(Name=rule)["ScheduleExpression"] == "rate(5 minutes)"
    assert watch_rule_input(events, rule)[WATCH_EVENT_KEY] == {
        "ProjectVersionArn": arn,
        "ProjectArn": project,
        "VersionName": "v1",
        "WaitHandle": handle.url(),
        "RuleName": rule,
        "MinF1Score": "0.8",
    }


def test_a_redelivered_create_adopts_its_own_version(
    project: str, handle: WaitHandle, model_runtime: Runtime, emulator: Emulator, rekognition: RekognitionClient
) -> None:
    request = version_event("Create", version_props(project, handle.url()))
    first, second = run(request, model_runtime), run(request, model_runtime)
    assert first.status == second.status == "SUCCESS", second.reason
    assert first.physical_id == second.physical_id
    assert emulator.request_log.count("CreateProjectVersion", outcome="ResourceInUseException") == 1
    assert len(rekognition.describe_project_versions(ProjectArn=project)["ProjectVersionDescriptions"]) == 1


def test_a_create_refuses_a_version_it_did_not_make(
    project: str,
    handle: WaitHandle,
    model_runtime: Runtime,
    rekognition: RekognitionClient,
    events: EventBridgeClient,
) -> None:
    foreign = out_of_band(rekognition, project, "v1", OTHER_STACK_ID)
    response = run(version_event("Create", version_props(project, handle.url())), model_runtime)
    assert response.status == "FAILED"
    assert f"already holds a model version named v1 ({foreign}) that this stack's Model did not create" in (
        response.reason
    )
    assert rules(events) == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"MinF1Score": "1.5"}, "MinF1Score must be a decimal between 0 and 1"),
        ({"WatchMinutes": "0"}, "WatchMinutes must be a whole number of minutes, 1 to 1440"),
        ({"OutputPrefix": "models"}, "OutputPrefix must be empty or a key prefix ending with '/'"),
        ({"VersionName": "v 1"}, "VersionName must be 1-255 letters, digits, _ . -"),
        ({"WaitHandle": "ftp://x"}, "WaitHandle must be the wait condition handle's URL"),
        ({"OutputBucket": "Bad Bucket"}, "OutputBucket must be an S3 bucket name"),
        ({"Tags": {"rekognition-datasets:x": "1"}}, "is reserved"),
        ({"Extra": "1"}, "Unknown model version property 'Extra'"),
    ],
)
def test_bad_properties_fail_naming_the_field(
    project: str, handle: WaitHandle, model_runtime: Runtime, emulator: Emulator, change: dict[str, Any], message: str
) -> None:
    response = run(version_event("Create", {**version_props(project, handle.url()), **change}), model_runtime)
    assert response.status == "FAILED"
    assert message in response.reason
    assert emulator.request_log.count("CreateProjectVersion") == 0


def test_create_rides_out_throttling(
    project: str, handle: WaitHandle, model_runtime: Runtime, emulator: Emulator, events: EventBridgeClient
) -> None:
    emulator.faults.throttle_next(2, "CreateProjectVersion")
    arn = created(project, handle, model_runtime)
    assert emulator.request_log.count("CreateProjectVersion", outcome="ThrottlingException") == 2
    assert rules(events) == [rule_name(arn)]


def test_a_create_the_service_refuses_fails_with_its_message(
    project: str, handle: WaitHandle, model_runtime: Runtime, rekognition: RekognitionClient
) -> None:
    other = rekognition.create_project(ProjectName="empty")["ProjectArn"]
    response = run(version_event("Create", version_props(other, handle.url())), model_runtime)
    assert response.status == "FAILED"
    assert "CreateProjectVersion failed: InvalidParameterException: The project needs a TRAIN and a TEST" in (
        response.reason
    )


# ------------------------------------------------------------------------------------------------------- watch
def test_watch_waits_while_training_then_signals_success_and_removes_its_rule(
    project: str,
    handle: WaitHandle,
    model_runtime: Runtime,
    emulator: Emulator,
    events: EventBridgeClient,
    rekognition: RekognitionClient,
) -> None:
    emulator.configure(training_delay=600)
    arn = created(project, handle, model_runtime, MinF1Score="0.85")
    rule = rule_name(arn)
    assert fire_watch(events, rule, model_runtime) == {"Watch": "waiting"}
    assert handle.signals == [] and rules(events) == [rule]
    emulator.advance_time(600)
    result = fire_watch(events, rule, model_runtime)
    assert result["Watch"] == "signalled" and result["Status"] == "SUCCESS"
    (signal,) = handle.signals
    assert signal.path == "/handle?X-Amz-Signature=secret"
    assert signal.content_type == ""
    assert signal.body == {
        "Status": "SUCCESS",
        "Reason": "Model version v1 trained (F1 score 0.9).",
        "UniqueId": "v1",
        "Data": json.dumps({"F1Score": "0.9", "EvaluationSummary": summary_uri(rekognition, project)}),
    }
    assert rules(events) == []


def test_training_failure_signals_failure_with_the_status_message(
    project: str, handle: WaitHandle, model_runtime: Runtime, emulator: Emulator, events: EventBridgeClient
) -> None:
    emulator.configure(training_failures={"*": "The training data has too few images of rose."})
    arn = created(project, handle, model_runtime)
    fire_watch(events, rule_name(arn), model_runtime)
    assert handle.bodies() == [
        {
            "Status": "FAILURE",
            "Reason": "Training of v1 failed: The training data has too few images of rose.",
            "UniqueId": "v1",
            "Data": "{}",
        }
    ]
    assert rules(events) == []


@pytest.mark.parametrize(("f1", "status"), [(0.71, "FAILURE"), (0.85, "SUCCESS"), (0.97, "SUCCESS")])
def test_the_f1_gate(
    project: str,
    handle: WaitHandle,
    model_runtime: Runtime,
    emulator: Emulator,
    events: EventBridgeClient,
    rekognition: RekognitionClient,
    f1: float,
    status: str,
) -> None:
    emulator.configure(training_f1=f1)
    arn = created(project, handle, model_runtime, MinF1Score="0.85")
    fire_watch(events, rule_name(arn), model_runtime)
    (body,) = handle.bodies()
    assert body["Status"] == status
    summary = summary_uri(rekognition, project)
    if status == "FAILURE":
        assert body["Reason"] == f"F1 score 0.71 is below min_f1_score 0.85 (evaluation summary {summary})"
    assert json.loads(body["Data"]) == {"F1Score": str(f1), "EvaluationSummary": summary}


def test_a_vanished_version_signals_failure_naming_it(
    project: str, handle: WaitHandle, model_runtime: Runtime, events: EventBridgeClient, rekognition: RekognitionClient
) -> None:
    arn = created(project, handle, model_runtime)
    rekognition.delete_project_version(ProjectVersionArn=arn)
    rekognition.describe_project_versions(ProjectArn=project)  # DELETING -> gone
    fire_watch(events, rule_name(arn), model_runtime)
    (body,) = handle.bodies()
    assert body["Status"] == "FAILURE" and body["UniqueId"] == "v1"
    assert body["Reason"] == f"Model version {arn} no longer exists (deleted outside the stack?)."


def test_an_undelivered_signal_keeps_the_rule_and_a_repeat_is_harmless(
    project: str, handle: WaitHandle, model_runtime: Runtime, events: EventBridgeClient
) -> None:
    arn = created(project, handle, model_runtime)
    rule = rule_name(arn)
    payload = watch_rule_input(events, rule)
    handle.status = 500
    assert fire_watch(events, rule, model_runtime) == {"Watch": "retry", "Reason": "the wait handle answered HTTP 500"}
    assert rules(events) == [rule]
    handle.status = 200
    assert fire_watch(events, rule, model_runtime)["Watch"] == "signalled"
    assert rules(events) == []
    # A duplicate invocation (EventBridge delivers at least once) signals the same UniqueId again: it overwrites.
    from rekognition_datasets_handler.provider import on_event

    assert on_event(payload, None, model_runtime)["Watch"] == "signalled"
    assert [b["UniqueId"] for b in handle.bodies()] == ["v1", "v1", "v1"]


def test_watch_errors_from_the_service_mean_try_again(
    project: str, handle: WaitHandle, model_runtime: Runtime, emulator: Emulator, events: EventBridgeClient
) -> None:
    arn = created(project, handle, model_runtime)
    emulator.faults.internal_error_next(1, "DescribeProjectVersions")
    result = fire_watch(events, rule_name(arn), model_runtime)
    assert result["Watch"] == "retry" and "InternalServerError" in result["Reason"]
    assert handle.signals == [] and rules(events) == [rule_name(arn)]
    assert fire_watch(events, rule_name(arn), model_runtime)["Watch"] == "signalled"


@pytest.mark.parametrize(
    "watch",
    [
        "not an object",
        {"ProjectVersionArn": "x"},
        {"ProjectVersionArn": "a", "ProjectArn": "b", "WaitHandle": "c", "RuleName": "rekognition-model-watch-x"},
    ],
)
def test_a_malformed_watch_event_is_logged_not_acted_on(
    model_runtime: Runtime, events: EventBridgeClient, watch: object
) -> None:
    from rekognition_datasets_handler.provider import on_event

    result = on_event({WATCH_EVENT_KEY: watch}, None, model_runtime)
    assert result["Watch"] == "error" and result["Reason"].startswith("Malformed watch event")


def test_the_crhelper_entry_runs_the_watch(
    project: str, handle: WaitHandle, model_runtime: Runtime, events: EventBridgeClient
) -> None:
    arn = created(project, handle, model_runtime)
    crhelper_handler(watch_rule_input(events, rule_name(arn)), None)
    assert [b["Status"] for b in handle.bodies()] == ["SUCCESS"]
    assert rules(events) == []


def test_a_dataset_cold_start_does_not_import_the_model_modules() -> None:
    code = (
        "import sys, rekognition_datasets_handler.provider, rekognition_datasets_handler.crhelper_handler; "
        "print(sorted(m for m in sys.modules if 'model_' in m or m.endswith(('.watch', '.gate', '.wait_signal'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['rekognition_datasets_handler.model_schema']"


def test_the_watch_targets_the_invoked_function_from_the_lambda_context(
    project: str, handle: WaitHandle, runtime: Runtime, events: EventBridgeClient
) -> None:
    from rekognition_datasets_handler.provider import on_event

    from .test_crhelper import LambdaContext

    request = version_event("Create", version_props(project, handle.url()))
    arn = on_event(request, LambdaContext(invoked_function_arn=FUNCTION_ARN), runtime)["PhysicalResourceId"]
    watch_rule_input(events, rule_name(arn))  # asserts the target is FUNCTION_ARN


def test_without_a_function_arn_create_fails_before_training(
    project: str, handle: WaitHandle, runtime: Runtime, emulator: Emulator, events: EventBridgeClient
) -> None:
    response = run(version_event("Create", version_props(project, handle.url())), runtime)
    assert response.status == "FAILED"
    assert "The handler's own function ARN is unknown (no Lambda context)" in response.reason
    assert emulator.request_log.count("CreateProjectVersion") == 0
    assert rules(events) == []


def test_a_handler_that_may_not_put_its_watch_rule_trains_nothing(
    project: str, handle: WaitHandle, model_runtime: Runtime, emulator: Emulator, events: EventBridgeClient
) -> None:
    from botocore.stub import Stubber

    stubber = Stubber(events)
    stubber.add_client_error("put_rule", "AccessDeniedException", "not authorized to perform: events:PutRule")
    with stubber:
        response = run(
            version_event("Create", version_props(project, handle.url())),
            model_runtime._replace(events_factory=lambda: events),
        )
    assert response.status == "FAILED"
    assert "AccessDeniedException" in response.reason
    assert emulator.request_log.count("CreateProjectVersion") == 0


def test_a_handler_that_may_not_target_its_watch_rule_trains_nothing_and_leaves_no_rule(
    project: str, handle: WaitHandle, model_runtime: Runtime, emulator: Emulator, events: EventBridgeClient
) -> None:
    """The target is put before CreateProjectVersion: once a version is made, nothing can fail the request (an
    Update's rollback would leave that version behind, training and billed)."""
    from botocore.stub import Stubber

    real = model_runtime.events
    stubber = Stubber(events)
    stubber.add_response("put_rule", {"RuleArn": "arn:aws:events:us-east-1:123456789012:rule/x"})
    stubber.add_client_error("put_targets", "AccessDeniedException", "not authorized to perform: events:PutTargets")
    stubber.add_response("remove_targets", {"FailedEntryCount": 0, "FailedEntries": []})
    stubber.add_response("delete_rule", {})
    with stubber:
        response = run(
            version_event("Create", version_props(project, handle.url())),
            model_runtime._replace(events_factory=lambda: events),
        )
    assert response.status == "FAILED"
    assert "AccessDeniedException" in response.reason
    assert emulator.request_log.count("CreateProjectVersion") == 0
    stubber.assert_no_pending_responses()
    assert real.list_rules()["Rules"] == []


def test_when_the_arn_cannot_be_named_to_the_watch_the_watch_finds_the_version_by_name(
    project: str,
    handle: WaitHandle,
    model_runtime: Runtime,
    emulator: Emulator,
    events: EventBridgeClient,
    rekognition: RekognitionClient,
) -> None:
    """The second PutTargets (the new ARN) fails after the version exists: the request still succeeds, and the
    watch, named the version only, waits while it trains and signals once it settles."""
    emulator.configure(training_delay=3600)
    real = model_runtime.events
    calls: list[str] = []

    def put_targets(**kwargs: Any) -> Any:
        calls.append(json.loads(kwargs["Targets"][0]["Input"])[WATCH_EVENT_KEY].get("ProjectVersionArn", ""))
        if len(calls) > 1:
            raise real.exceptions.LimitExceededException(
                {"Error": {"Code": "LimitExceededException", "Message": "too many"}}, "PutTargets"
            )
        return real.put_targets(**kwargs)

    class Events:
        def __getattr__(self, name: str) -> Any:
            return put_targets if name == "put_targets" else getattr(real, name)

    response = run(
        version_event("Create", version_props(project, handle.url())),
        model_runtime._replace(events_factory=lambda: Events()),
    )
    assert response.status == "SUCCESS", response.reason
    arn = str(response.physical_id)
    assert calls[0] == "" and calls[1] == arn
    rule = rule_name(arn)
    assert "ProjectVersionArn" not in watch_rule_input(events, rule)[WATCH_EVENT_KEY]
    assert fire_watch(events, rule, model_runtime) == {"Watch": "waiting"}
    assert handle.signals == []
    emulator.advance_time(3600)
    assert fire_watch(events, rule, model_runtime)["Watch"] == "signalled"
    (signal,) = handle.signals
    assert signal.body["Status"] == "SUCCESS" and signal.body["UniqueId"] == "v1"
    assert rules(events) == []
