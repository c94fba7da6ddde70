"""Helpers of the model resource tests: a trainable project, a local wait handle, model events and the watch."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from rekognition_datasets_handler.model_schema import (
    MODEL_VERSION_RESOURCE_TYPE,
    WATCH_EVENT_KEY,
)
from rekognition_datasets_handler.provider import on_event
from rekognition_datasets_handler.schema import TAG_LOGICAL_ID, TAG_STACK_ID

from .cfn import event
from .conftest import lines

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_rekognition import RekognitionClient

    from rekognition_datasets_handler.runtime import Runtime

OUTPUT_BUCKET = "provider-test-output"
FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:DatasetsStack-ModelHandler-Fn1"


@dataclass
class Signal:
    """One PUT the wait handle received."""

    path: str
    content_type: str | None
    body: dict[str, Any]


@dataclass
class WaitHandle:
    """A local stand-in for a wait condition handle's presigned URL: records every PUT, answers ``status``."""

    signals: list[Signal] = field(default_factory=list)
    status: int = 200
    server: ThreadingHTTPServer | None = None

    def url(self, name: str = "handle") -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}/{name}?X-Amz-Signature=secret"

    def bodies(self) -> list[dict[str, Any]]:
        return [s.body for s in self.signals]


def serve_wait_handle() -> Iterator[WaitHandle]:
    """Run a ``WaitHandle`` on 127.0.0.1 for the duration of the generator."""
    handle = WaitHandle()

    class Handler(BaseHTTPRequestHandler):
        def do_PUT(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            handle.signals.append(Signal(self.path, self.headers.get("Content-Type"), json.loads(body)))
            self.send_response(handle.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    handle.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=handle.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield handle
    finally:
        handle.server.shutdown()
        handle.server.server_close()
        thread.join()


def trainable_project(rek: RekognitionClient, put_object: Callable[..., dict[str, str]], name: str = "flowers") -> str:
    """A project with a TRAIN and a TEST dataset of two labels (instant transitions)."""
    arn = rek.create_project(ProjectName=name)["ProjectArn"]
    rek.describe_projects(ProjectNames=[name])
    for kind, key in (("TRAIN", "train.manifest"), ("TEST", "test.manifest")):
        source = put_object(lines({"rose": 4, "tulip": 4}, prefix=kind.lower()), key=f"{name}/{key}")
        rek.create_dataset(
            ProjectArn=arn,
            DatasetType=kind,
            DatasetSource={"GroundTruthManifest": {"S3Object": {"Bucket": source["Bucket"], "Name": source["Key"]}}},
        )
    rek.describe_projects(ProjectNames=[name])
    return arn


def version_props(project_arn: str, handle: str, name: str = "v1", **extra: Any) -> dict[str, Any]:
    """``Custom::RekognitionModelVersion`` properties."""
    return {
        "ProjectArn": project_arn,
        "VersionName": name,
        "OutputBucket": OUTPUT_BUCKET,
        "OutputPrefix": "models/",
        "DataFingerprint": f"fp-{name}",
        "WaitHandle": handle,
        **extra,
    }


def version_event(request_type: str, props: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    return event(request_type, props, logical_id="Model", resource_type=MODEL_VERSION_RESOURCE_TYPE, **kwargs)


def watch_rule_input(events: EventBridgeClient, rule: str) -> dict[str, Any]:
    """The input the watch rule ``rule`` would invoke the handler with (it must target the handler)."""
    (target,) = events.list_targets_by_rule(Rule=rule)["Targets"]
    assert target["Arn"] == FUNCTION_ARN
    payload: dict[str, Any] = json.loads(target["Input"])
    assert set(payload) == {WATCH_EVENT_KEY}
    return payload


def fire_watch(events: EventBridgeClient, rule: str, runtime: Runtime) -> dict[str, Any]:
    """Invoke the handler as the rule's target does (through ``provider.on_event``)."""
    return on_event(watch_rule_input(events, rule), None, runtime)


def rules(events: EventBridgeClient) -> list[str]:
    return [r["Name"] for r in events.list_rules()["Rules"]]


def out_of_band(rek: RekognitionClient, project: str, name: str, stack_id: str | None = None) -> str:
    """A version trained outside the handler (tagged as the ``stack_id`` stack's ``Model`` when given)."""
    tags = {TAG_STACK_ID: stack_id, TAG_LOGICAL_ID: "Model"} if stack_id else {}
    return rek.create_project_version(
        ProjectArn=project, VersionName=name, OutputConfig={"S3Bucket": OUTPUT_BUCKET}, Tags=tags
    )["ProjectVersionArn"]
