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
    if "ToyWatch" in event:
        return _watch(event["ToyWatch"])
    _log("on_event", event)
    props = event["ResourceProperties"]
    if "WatchHandle" in props and event["RequestType"] != "Delete":
        _put_watch(props, context.invoked_function_arn)
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


def _put_watch(props: dict[str, Any], function_arn: str) -> None:
    """Put a rate(1 minute) rule that invokes this function, which signals the handle after ``SignalAfter`` runs."""
    import boto3

    rule = f"toy-watch-{props['Name']}"
    watch = {k: props[k] for k in ("WatchHandle", "SignalStatus", "SignalAfter", "Name") if k in props}
    events = boto3.client("events")
    events.put_rule(Name=rule, ScheduleExpression="rate(1 minute)", State="ENABLED")
    events.put_targets(
        Rule=rule,
        Targets=[{"Id": "1", "Arn": function_arn, "Input": json.dumps({"ToyWatch": {**watch, "Rule": rule}})}],
    )


def _watch(watch: dict[str, Any]) -> None:
    """One firing: log it; at the ``SignalAfter``-th, PUT the signal (twice: a re-delivery) and delete the rule."""
    import urllib.request

    import boto3

    with Path(os.environ["TOY_LOG"]).open("a") as log:
        log.write(json.dumps({"kind": "watch", "event": {"RequestType": "Watch", "LogicalResourceId": watch["Rule"]}}))
        log.write("\n")
    rows = [json.loads(line) for line in Path(os.environ["TOY_LOG"]).read_text().splitlines()]
    fired = sum(1 for r in rows if r["kind"] == "watch" and r["event"]["LogicalResourceId"] == watch["Rule"])
    if fired < int(watch.get("SignalAfter", "1")):
        return
    status = watch.get("SignalStatus", "SUCCESS")
    body = {
        "Status": status,
        "Reason": f"toy says {status}",
        "UniqueId": watch["Name"],
        "Data": f"data-{watch['Name']}",
    }
    for _ in range(2):
        request = urllib.request.Request(
            watch["WatchHandle"], data=json.dumps(body).encode(), method="PUT", headers={"Content-Type": ""}
        )
        urllib.request.urlopen(request, timeout=10).close()
    events = boto3.client("events")
    events.remove_targets(Rule=watch["Rule"], Ids=["1"])
    events.delete_rule(Name=watch["Rule"])
