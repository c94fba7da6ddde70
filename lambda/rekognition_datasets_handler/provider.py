"""CDK Provider framework entry points: ``on_event`` and ``is_complete`` (asynchronous provider).

Thin: parse, dispatch to the per-resource reconcilers (a model watch rule's invocation to ``watch``), shape the
framework's response. Raising means FAILED; the framework answers CloudFormation (this module never PUTs to the
ResponseURL).
"""

from __future__ import annotations

from typing import Any

from rekognition_datasets_handler import core
from rekognition_datasets_handler.events import STEP_KEY
from rekognition_datasets_handler.model_schema import WATCH_EVENT_KEY
from rekognition_datasets_handler.runtime import Runtime


def on_event(event: dict[str, Any], context: object, runtime: Runtime | None = None) -> dict[str, Any]:
    """Start (or adopt) the work for a Create/Update/Delete; returns the PhysicalResourceId. A model watch rule's
    invocation (``WATCH_EVENT_KEY``) runs the training watch instead."""
    runtime = (runtime or Runtime.from_env()).with_context(context)
    if isinstance(event, dict) and WATCH_EVENT_KEY in event:
        from rekognition_datasets_handler import watch

        return watch.run(event, runtime)
    request, outcome = core.start(event, runtime)
    if request.request_type == "Delete":
        result = {"PhysicalResourceId": request.physical_id}
    else:
        result = {"PhysicalResourceId": outcome.physical_id or request.physical_id or request.request_id}
    return {**result, STEP_KEY: outcome.step} if outcome.step else result


def is_complete(event: dict[str, Any], context: object, runtime: Runtime | None = None) -> dict[str, Any]:
    """One reconcile step; ``{"IsComplete": True, "Data": ...}`` when done (Data only then)."""
    request, outcome = core.poll(event, runtime or Runtime.from_env())
    if not outcome.complete:
        return {"IsComplete": False}
    result: dict[str, Any] = {"IsComplete": True, "Data": dict(outcome.data)}
    if request.request_type != "Delete" and outcome.physical_id:
        result["PhysicalResourceId"] = outcome.physical_id
    return result
