"""The training watch: an EventBridge rule invokes the handler until the version settles, then signals the deploy.

``put_rule`` makes the rule (named from the version's ARN without its creation time), ``put_target`` points it at
the handler itself with an input under ``WATCH_EVENT_KEY``: first naming the version (put before
CreateProjectVersion, so nothing can fail once training is billed), then, best effort, its ARN. ``run`` is one
watch invocation: not created yet or still training → nothing; settled → PUT the wait handle's signal (SUCCESS, or
FAILURE with the service's StatusMessage or the F1 gate's message) and delete the rule. A repeated invocation
signals again with the same UniqueId, which overwrites: harmless.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any, Literal

from botocore.exceptions import ClientError

from rekognition_datasets_handler.errors import ProviderError
from rekognition_datasets_handler.gate import gate_failure, parse_min_f1
from rekognition_datasets_handler.model_schema import WATCH_EVENT_KEY, WATCH_RULE_PREFIX
from rekognition_datasets_handler.model_service import (
    TRAINED,
    TRAINING,
    TRAINING_FAILED,
    describe_version,
    parse_version_arn,
    versions_named,
)
from rekognition_datasets_handler.retry import describe_error, error_code, is_transient
from rekognition_datasets_handler.wait_signal import send_signal, signal_body

if TYPE_CHECKING:
    from mypy_boto3_events import EventBridgeClient

    from rekognition_datasets_handler.model_properties import ModelVersionSpec
    from rekognition_datasets_handler.model_service import Version
    from rekognition_datasets_handler.runtime import Runtime

TARGET_ID = "watch"


def rule_name(version_arn: str) -> str:
    """The watch rule's name: the prefix the handler's IAM policy is scoped to, and a hash of the version's ARN
    without its creation time (``version_key``), so the rule can be put before the version exists."""
    return WATCH_RULE_PREFIX + hashlib.sha256(version_arn.rpartition("/")[0].encode()).hexdigest()[:24]


def version_key(spec: ModelVersionSpec) -> str:
    """The declared version's ARN up to its creation time: ``...:project/<project>/version/<name>/``."""
    return _version_key(spec.project_arn, spec.version_name)


def _version_key(project_arn: str, version_name: str) -> str:
    return f"{project_arn.rpartition('/')[0]}/version/{version_name}/"


def put_rule(events: EventBridgeClient, spec: ModelVersionSpec) -> str:
    """Put (or overwrite) the declared version's watch rule, without a target yet; returns its name. Put before
    CreateProjectVersion: a handler that may not watch fails before any training is billed."""
    name = rule_name(version_key(spec))
    unit = "minute" if spec.watch_minutes == 1 else "minutes"
    events.put_rule(
        Name=name,
        ScheduleExpression=f"rate({spec.watch_minutes} {unit})",
        State="ENABLED",
        Description=f"Watches the training of {version_key(spec)}"[:512],
    )
    return name


def put_target(
    events: EventBridgeClient, function_arn: str, spec: ModelVersionSpec, version_arn: str | None = None
) -> None:
    """Point the version's watch rule at the handler ``function_arn`` itself, with the watch's input: the version's
    ARN once known, else its name (the watch looks it up, and waits while it does not exist yet)."""
    watch = watch_event(spec, version_arn)
    events.put_targets(
        Rule=watch[WATCH_EVENT_KEY]["RuleName"],
        Targets=[{"Id": TARGET_ID, "Arn": function_arn, "Input": json.dumps(watch)}],
    )


def watch_event(spec: ModelVersionSpec, version_arn: str | None = None) -> dict[str, dict[str, str]]:
    """The event the watch rule invokes the handler with (``run`` takes it)."""
    watch: dict[str, str] = {
        "ProjectArn": spec.project_arn,
        "VersionName": spec.version_name,
        "WaitHandle": spec.wait_handle,
        "RuleName": rule_name(version_key(spec)),
    }
    if version_arn is not None:
        watch["ProjectVersionArn"] = version_arn
    if spec.min_f1 is not None:
        watch["MinF1Score"] = f"{spec.min_f1:g}"
    return {WATCH_EVENT_KEY: watch}


def delete_watch(events: EventBridgeClient, name: str) -> None:
    """Remove the rule's target and the rule (a rule already gone is fine)."""
    try:
        events.remove_targets(Rule=name, Ids=[TARGET_ID])
        events.delete_rule(Name=name)
    except ClientError as exc:
        if error_code(exc) != "ResourceNotFoundException":
            raise


def _payload(event: dict[str, Any]) -> dict[str, str]:
    watch = event.get(WATCH_EVENT_KEY)
    keys = ("ProjectArn", "VersionName", "WaitHandle", "RuleName")
    if not isinstance(watch, dict) or not all(isinstance(watch.get(k), str) and watch[k] for k in keys):
        raise ProviderError(f"Malformed watch event: {WATCH_EVENT_KEY} needs {', '.join(keys)}.")
    key = _version_key(watch["ProjectArn"], watch["VersionName"])
    arn = watch.get("ProjectVersionArn")
    if arn is not None and (not isinstance(arn, str) or not arn.startswith(key) or not parse_version_arn(arn)):
        raise ProviderError(
            "Malformed watch event: ProjectVersionArn is not a version of ProjectArn named VersionName."
        )
    if watch["RuleName"] != rule_name(key):
        raise ProviderError("Malformed watch event: RuleName is not the version's watch rule.")
    return {k: v for k, v in watch.items() if isinstance(v, str)}


def verdict(
    version: Version | None, arn: str, min_f1: float | None
) -> tuple[Literal["SUCCESS", "FAILURE"], str] | None:
    """The signal a version's state calls for, or None while it trains."""
    if version is None:
        return "FAILURE", f"Model version {arn} no longer exists (deleted outside the stack?)."
    if version.status == TRAINING:
        return None
    if version.status == TRAINING_FAILED:
        return "FAILURE", f"Training of {version.name} failed: {version.status_message or 'no StatusMessage'}"
    if version.status not in TRAINED:
        return "FAILURE", f"Model version {version.name} is {version.status}, not trained."
    failure = gate_failure(version, min_f1)
    if failure is not None:
        return "FAILURE", failure
    return "SUCCESS", f"Model version {version.name} trained (F1 score {version.f1_score})."


def run(event: dict[str, Any], runtime: Runtime) -> dict[str, str]:
    """One watch invocation; returns what it did (``Watch``: waiting, signalled, retry or error)."""
    try:
        watch = _payload(event)
        min_f1 = parse_min_f1(watch)
    except ProviderError as exc:
        runtime.log.error("malformed watch event", step="watch", reason=str(exc))
        return {"Watch": "error", "Reason": str(exc)}
    rek = runtime.clients.rekognition
    arn = watch.get("ProjectVersionArn")
    log = runtime.log.bind(version_arn=arn, version_name=watch["VersionName"], rule=watch["RuleName"])
    try:
        if arn is None:  # put before CreateProjectVersion answered: look the version up by its name
            named = versions_named(rek, watch["ProjectArn"], watch["VersionName"])
            if not named:
                log.info("not created yet", step="watch-wait")
                return {"Watch": "waiting"}
            arn = named[0].arn
        version = describe_version(rek, watch["ProjectArn"], arn)
        decided = verdict(version, arn, min_f1)
        if decided is None:
            log.info("still training", step="watch-wait")
            return {"Watch": "waiting"}
        status, reason = decided
        data = {"F1Score": str(version.f1_score)} if version and version.f1_score is not None else {}
        if version and version.summary_uri:
            data["EvaluationSummary"] = version.summary_uri
        parsed = parse_version_arn(arn)
        unique_id = version.name if version else parsed.version_name if parsed else arn
        problem = send_signal(watch["WaitHandle"], signal_body(status, reason, unique_id, data))
        if problem is not None:
            log.warning("signal not delivered: trying again next time", step="watch-signal", reason=problem)
            return {"Watch": "retry", "Reason": problem}
        log.info("signalled the wait handle", step="watch-signal", status=status, reason=reason)
        delete_watch(runtime.events, watch["RuleName"])
    except Exception as exc:
        if not isinstance(exc, ClientError) and not is_transient(exc):
            raise
        level = log.warning if is_transient(exc) else log.error
        level("watch failed: trying again next time", step="watch", reason=describe_error(exc))
        return {"Watch": "retry", "Reason": describe_error(exc)}
    return {"Watch": "signalled", "Status": status, "Reason": reason}
