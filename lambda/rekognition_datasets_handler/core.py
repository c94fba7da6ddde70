"""The one core both entry points share: parse the event, bind the log, run a reconciler step.

Every failure leaves here as a ``ProviderError`` with a short message; transient errors while polling mean
"not complete yet".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rekognition_datasets_handler.errors import ProviderError
from rekognition_datasets_handler.events import Request, parse_request
from rekognition_datasets_handler.resources import reconciler_for
from rekognition_datasets_handler.retry import describe_error, is_transient
from rekognition_datasets_handler.runtime import Outcome

if TYPE_CHECKING:
    from rekognition_datasets_handler.runtime import Runtime


def _bound(request: Request, runtime: Runtime) -> Runtime:
    return runtime.bind(
        request_id=request.request_id,
        logical_resource_id=request.logical_id,
        request_type=request.request_type,
        resource_type=request.resource_type,
    )


def start(event: object, runtime: Runtime) -> tuple[Request, Outcome]:
    """First call for a request (``on_event`` / crhelper ``create``/``update``/``delete``)."""
    return _run(event, runtime, first=True)


def poll(event: object, runtime: Runtime) -> tuple[Request, Outcome]:
    """A later call (``is_complete`` / crhelper ``poll_*``); transient errors mean not complete yet."""
    return _run(event, runtime, first=False)


def _run(event: object, runtime: Runtime, *, first: bool) -> tuple[Request, Outcome]:
    request = _parse(event, runtime)
    runtime = _bound(request, runtime)
    start_step, poll_step = reconciler_for(request.resource_type)
    try:
        return request, (start_step if first else poll_step)(request, runtime)
    except ProviderError as exc:
        runtime.log.error("request failed", step="fail", reason=str(exc))
        raise
    except Exception as exc:
        if not first and is_transient(exc):
            runtime.log.warning("transient error: not complete yet", step="transient", reason=describe_error(exc))
            return request, Outcome(complete=False, physical_id=request.physical_id)
        runtime.log.error("unexpected error", step="fail", reason=describe_error(exc)[:500])
        raise ProviderError(f"Unexpected error: {describe_error(exc)}") from exc


def _parse(event: object, runtime: Runtime) -> Request:
    try:
        return parse_request(event)
    except ProviderError as exc:
        runtime.log.error("malformed event", step="parse", reason=str(exc))
        raise
