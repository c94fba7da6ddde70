"""A Provider-framework handler for the runner's tests: logs every call, behaves as its properties say."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def _log(kind: str, event: dict[str, Any]) -> None:
    with Path(os.environ["TOY_LOG"]).open("a") as log:
        log.write(json.dumps({"kind": kind, "event": event}) + "\n")


def _calls(kind: str, request_id: str) -> int:
    rows = [json.loads(line) for line in Path(os.environ["TOY_LOG"]).read_text().splitlines()]
    return sum(1 for r in rows if r["kind"] == kind and r["event"]["RequestId"] == request_id)


def on_event(event: dict[str, Any], context: Any) -> dict[str, Any] | None:
    _log("on_event", event)
    props = event["ResourceProperties"]
    if "Import" in props:
        __import__(props["Import"])
    if props.get("TouchS3") == "true":
        import boto3

        boto3.client("s3").list_buckets()
    if props.get("FailOn") == event["RequestType"]:
        raise RuntimeError(f"toy refuses {event['RequestType']}")
    if event["RequestType"] == "Create" or props.get("Replace") == "true":
        return {"PhysicalResourceId": f"toy-{props['Name']}"}
    if props.get("ChangeIdOnDelete") == "true" and event["RequestType"] == "Delete":
        return {"PhysicalResourceId": "something-else"}
    return None


def is_complete(event: dict[str, Any], context: Any) -> dict[str, Any]:
    _log("is_complete", event)
    props = event["ResourceProperties"]
    if props.get("FailPollOn") == event["RequestType"]:
        raise RuntimeError("toy poll failed")
    if props.get("DataWhileIncomplete") == "true":
        return {"IsComplete": False, "Data": {"x": "1"}}
    polls = int(props.get("Polls", "0"))
    if event["RequestType"] != "Delete" and _calls("is_complete", event["RequestId"]) <= polls:
        return {"IsComplete": False}
    remaining = str(context.get_remaining_time_in_millis() > 0)
    data = {"Echo": props["Name"], "Remaining": remaining}
    if "Pad" in props:
        data["Pad"] = "x" * int(props["Pad"])
    return {"IsComplete": True, "Data": data}


def answer(event: dict[str, Any], context: Any) -> None:
    """A plain custom-resource function (no framework, like crhelper): PUTs its response to the ResponseURL."""
    import urllib.request

    _log("answer", event)
    props = event["ResourceProperties"]
    body = {
        "Status": "SUCCESS",
        "Reason": "OK",
        "PhysicalResourceId": event.get("PhysicalResourceId") or f"plain-{props['Name']}",
        "StackId": event["StackId"],
        "RequestId": event["RequestId"],
        "LogicalResourceId": event["LogicalResourceId"],
        "Data": {"Pad": "x" * int(props.get("Pad", "0"))},
    }
    request = urllib.request.Request(event["ResponseURL"], data=json.dumps(body).encode(), method="PUT")
    urllib.request.urlopen(request, timeout=10).close()
