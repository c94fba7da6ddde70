"""``AWS::CloudFormation::WaitConditionHandle`` and ``AWS::CloudFormation::WaitCondition``, as CloudFormation runs them.

A handle's physical id is a presigned S3 PUT URL, as on AWS: here into a versioned bucket of the emulator's S3 that
the runner owns, so every signal PUT to it is kept (one object version each). A wait condition reads its handle's
signals until ``Count`` distinct ``UniqueId`` s succeeded (a later signal with the same id overwrites an earlier
one), fails with the signal's Reason on a FAILURE, and times out after ``Timeout`` seconds (scaled like every
delay). Meanwhile the runner plays EventBridge: it fires the scheduled rules whose targets are the stack's Lambda
functions (e.g. a training watch that will signal the handle), on the scaled clock. Neither type can be updated.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import unquote, urlsplit

from botocore.exceptions import ClientError

from rekognition_datasets_local.runner.errors import Refused, ResourceFailed
from rekognition_datasets_local.runner.eventbridge import FIRING, DeadlineReached, PollingNeverEnded, ScheduledRules
from rekognition_datasets_local.runner.lambda_host import FunctionCrashed, FunctionError
from rekognition_datasets_local.runner.resources import functions
from rekognition_datasets_local.runner.resources.base import Deployment, Outcome, missing_attribute

if TYPE_CHECKING:
    from collections.abc import Mapping

    from mypy_boto3_s3 import S3Client

    from rekognition_datasets_local.runner.lambda_host import FunctionSpec
    from rekognition_datasets_local.runner.state import ResourceState

HANDLE_TYPE: Final = "AWS::CloudFormation::WaitConditionHandle"
CONDITION_TYPE: Final = "AWS::CloudFormation::WaitCondition"
#: The emulator bucket (versioned) that receives the signals.
SIGNALS_BUCKET: Final = "rekognition-datasets-runner-wait-signals"
#: CloudFormation's longest wait.
MAX_TIMEOUT_SECONDS: Final = 43200
#: How long a handle URL stays valid [infer: longer than the longest wait].
URL_EXPIRES_SECONDS: Final = 86400
#: Seconds between two reads of the signals (scaled), when no rule is due sooner.
CHECK_SECONDS: Final = 5.0
#: Bound on the watch invocations one wait makes (a watch that never signals ends at the timeout instead).
_MAX_INVOCATIONS: Final = MAX_TIMEOUT_SECONDS // 60 + 1
#: [infer] the documentation says "Updates aren't supported" for every property; the exact wording is ours.
_NOT_UPDATABLE = "Update of resource type {type} is not supported: it has no updatable properties"


def _refuse_update(current: ResourceState, props: Mapping[str, Any]) -> Outcome:
    if dict(props) != current.properties:
        raise Refused(_NOT_UPDATABLE.format(type=current.type), current.physical_id)
    return Outcome(current.physical_id, current.attributes)


def _location(url: str) -> tuple[str, str]:
    """(bucket, key) of a handle URL (path-style, as the runner presigns them)."""
    path = unquote(urlsplit(url).path).lstrip("/")
    bucket, _, key = path.partition("/")
    return bucket, key


def _ensure_bucket(s3: S3Client) -> None:
    try:
        s3.head_bucket(Bucket=SIGNALS_BUCKET)
    except ClientError:
        s3.create_bucket(Bucket=SIGNALS_BUCKET)
        s3.put_bucket_versioning(Bucket=SIGNALS_BUCKET, VersioningConfiguration={"Status": "Enabled"})


class WaitConditionHandleHandler:
    """Presigns a PUT URL for the handle's signals; deletes them with the handle."""

    def create(self, d: Deployment, logical_id: str, resource_type: str, props: Mapping[str, Any]) -> Outcome:
        _ensure_bucket(d.clients.s3)
        key = f"{d.stack_id}/{logical_id}/{uuid.uuid4().hex}"
        url = d.clients.presigning_s3().generate_presigned_url(
            "put_object", Params={"Bucket": SIGNALS_BUCKET, "Key": key}, ExpiresIn=URL_EXPIRES_SECONDS
        )
        return Outcome(url)

    def update(self, d: Deployment, current: ResourceState, props: Mapping[str, Any]) -> Outcome:
        return _refuse_update(current, props)

    def delete(self, d: Deployment, current: ResourceState) -> None:
        bucket, key = _location(current.physical_id)
        if bucket != SIGNALS_BUCKET or not key:
            return  # a made-up id (the create never answered): nothing was presigned
        s3 = d.clients.s3
        try:
            listing = s3.list_object_versions(Bucket=bucket, Prefix=key)
        except ClientError:
            return
        for version in listing.get("Versions", []):
            s3.delete_object(Bucket=bucket, Key=version["Key"], VersionId=version["VersionId"])

    def requires_replacement(self, old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
        return False

    def attribute(self, current: ResourceState, name: str) -> Any:
        raise missing_attribute(current, name)


class _Signals:
    """The signals PUT to one handle, read incrementally (each object version is fetched once)."""

    def __init__(self, s3: S3Client, url: str) -> None:
        self._s3 = s3
        self._bucket, self._key = _location(url)
        self._seen: dict[str, dict[str, Any] | None] = {}
        #: UniqueId -> its latest signal.
        self.latest: dict[str, dict[str, Any]] = {}

    def read(self) -> None:
        listing = self._s3.list_object_versions(Bucket=self._bucket, Prefix=self._key)
        versions = [v for v in listing.get("Versions", []) if v["Key"] == self._key]
        # oldest first, so that a later signal with the same UniqueId wins
        for version in sorted(versions, key=lambda v: (v["LastModified"], not v.get("IsLatest", False))):
            if version["VersionId"] in self._seen:
                continue
            body = self._s3.get_object(Bucket=self._bucket, Key=self._key, VersionId=version["VersionId"])["Body"]
            signal = _parse(body.read())
            self._seen[version["VersionId"]] = signal
            if signal is not None:
                self.latest[str(signal["UniqueId"])] = signal


def _parse(raw: bytes) -> dict[str, Any] | None:
    """A well-formed signal, or None [infer: CloudFormation ignores a body it cannot read as a signal]."""
    try:
        signal = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(signal, dict) or signal.get("Status") not in ("SUCCESS", "FAILURE") or "UniqueId" not in signal:
        return None
    return signal


class WaitConditionHandler:
    """Waits for ``Count`` success signals on the handle, firing the stack's scheduled rules meanwhile."""

    def create(self, d: Deployment, logical_id: str, resource_type: str, props: Mapping[str, Any]) -> Outcome:
        url = str(props.get("Handle") or "")
        handle = d.resource_by_attribute("Ref", url) if url else None
        if handle is None or handle.type != HANDLE_TYPE:
            raise ResourceFailed(f"{logical_id}: Handle must be the Ref of an {HANDLE_TYPE} of this stack")
        count, timeout = _count(props), _timeout(props)
        signals = _Signals(d.clients.s3, url)

        def settled() -> bool:
            signals.read()
            failed = [(uid, s) for uid, s in signals.latest.items() if s["Status"] == "FAILURE"]
            if failed:  # [infer] CloudFormation's wording of a failure signal, Reason quoted
                uid, signal = failed[0]
                raise ResourceFailed(
                    f"WaitCondition received failed message: '{signal.get('Reason', '')}' for uniqueId: {uid}", url
                )
            return _successes(signals) >= count

        with FIRING:
            rules = _stack_rules(d)
            try:
                rules.run(
                    _MAX_INVOCATIONS,
                    until=settled,
                    deadline=time.monotonic() + timeout * d.config.interval_factor,
                    check_seconds=CHECK_SECONDS,
                )
            except (DeadlineReached, PollingNeverEnded) as exc:
                # [infer] CloudFormation's wording of a wait condition that timed out
                raise ResourceFailed(
                    f"WaitCondition timed out. Received {_successes(signals)} conditions when expecting {count}", url
                ) from exc
        data = {uid: s.get("Data") for uid, s in signals.latest.items()}
        return Outcome(url, {"Data": json.dumps(data)})

    def update(self, d: Deployment, current: ResourceState, props: Mapping[str, Any]) -> Outcome:
        return _refuse_update(current, props)

    def delete(self, d: Deployment, current: ResourceState) -> None:
        return None

    def requires_replacement(self, old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
        return False

    def attribute(self, current: ResourceState, name: str) -> Any:
        raise missing_attribute(current, name)


def _successes(signals: _Signals) -> int:
    return sum(1 for signal in signals.latest.values() if signal["Status"] == "SUCCESS")


def _count(props: Mapping[str, Any]) -> int:
    raw = props.get("Count", 1)
    try:
        count = int(str(raw))
    except ValueError:
        count = 0
    if count < 1:
        raise ResourceFailed(f"Count must be a positive integer (got {raw!r})")
    return count


def _timeout(props: Mapping[str, Any]) -> float:
    raw = props.get("Timeout")
    try:
        timeout = int(str(raw))
    except ValueError:
        timeout = -1
    if not 0 < timeout <= MAX_TIMEOUT_SECONDS:
        raise ResourceFailed(f"Timeout must be an integer number of seconds in 1..{MAX_TIMEOUT_SECONDS} (got {raw!r})")
    return float(timeout)


def _stack_rules(d: Deployment) -> ScheduledRules:
    """EventBridge's firing of the rules that target this stack's functions, through the runner's Lambda host."""
    if d.clients.events is None:
        raise ResourceFailed("a wait condition needs EventBridge offline, but AWS_ENDPOINT_URL_EVENTS is not set")
    stack_functions = {
        str(r.attributes["Arn"]): r for r in list(d.resources.values()) if r.type == functions.FUNCTION_TYPE
    }
    by_name = {r.physical_id: r for r in stack_functions.values()}
    specs: dict[str, FunctionSpec] = {}

    def invoke(payload: dict[str, Any], name: str) -> None:
        if name not in specs:
            specs[name] = functions.spec(d, by_name[name])
        try:
            d.host.invoke(specs[name], payload)
        except (FunctionError, FunctionCrashed) as exc:
            # an asynchronous invocation: EventBridge does not wait for the outcome; the next firing tries again
            d.note(name, f"scheduled invocation failed: {exc}")

    return ScheduledRules(
        events=d.clients.events,
        handler=lambda payload, name: invoke(payload, name),
        context_factory=lambda name: name,
        time_scale=d.config.interval_factor,
        sleep=d.sleep,
        function_arns=frozenset(stack_functions),
    )
