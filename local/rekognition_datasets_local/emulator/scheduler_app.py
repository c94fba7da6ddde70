"""EventBridge Scheduler on the emulator's endpoint (requests signed for ``scheduler``, routed by ``EmulatorApp``).

Each REST request is matched to its operation by botocore's model (method + request URI), its URI, query and body
members are validated against that model and ``schedule_rules`` (which moto does not do), faults are applied as for
Rekognition, and only then does moto's scheduler backend, in this process, serve it. Calls are logged as
``scheduler:<Operation>`` so they never count as Rekognition calls.
"""

from __future__ import annotations

import functools
import io
import json
import re
import uuid
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import unquote

from werkzeug.wrappers import Request, Response

from rekognition_datasets_local.emulator.exceptions import RekognitionError, UnknownOperationException
from rekognition_datasets_local.emulator.schedule_rules import check_schedule
from rekognition_datasets_local.emulator.server import json_object
from rekognition_datasets_local.emulator.validation import parse_request, service_model

if TYPE_CHECKING:
    from collections.abc import Callable

    from botocore.model import OperationModel

    from rekognition_datasets_local.emulator.clock import Clock
    from rekognition_datasets_local.emulator.faults import Faults
    from rekognition_datasets_local.emulator.request_log import RequestLog

SERVICE: Final = "scheduler"
#: Prefix of the request log's operation names for Scheduler calls.
LOG_PREFIX = "scheduler:"
_CHECKED = frozenset({"CreateSchedule", "UpdateSchedule"})


@functools.cache
def routes() -> tuple[tuple[str, re.Pattern[str], OperationModel], ...]:
    """(method, path pattern, operation) for every Scheduler operation, from botocore's model."""
    model = service_model(SERVICE)
    found = []
    for name in model.operation_names:
        op = model.operation_model(name)
        path = op.http["requestUri"].split("?")[0]
        pattern = re.sub(
            r"\\\{(\w+)(\\\+)?\\\}", lambda m: f"(?P<{m.group(1)}>{'.+' if m.group(2) else '[^/]+'})", re.escape(path)
        )
        found.append((op.http["method"], re.compile(f"^{pattern}$"), op))
    return tuple(found)


def match(method: str, path: str) -> tuple[OperationModel, dict[str, str]]:
    """The operation ``method path`` calls and its URI members (by location name)."""
    for verb, pattern, op in routes():
        found = pattern.match(path) if verb == method else None
        if found is not None:
            return op, {k: unquote(v) for k, v in found.groupdict().items()}
    raise UnknownOperationException(f"No EventBridge Scheduler operation is {method} {path[:200]}.")


def request_params(op: OperationModel, uri: dict[str, str], query: dict[str, str], body: bytes) -> dict[str, Any]:
    """The operation's input as botocore's model names it: URI and query members, then the JSON body's."""
    params = json_object(body)
    shape = op.input_shape
    for name, member in shape.members.items() if shape is not None else ():
        location, wire = member.serialization.get("location"), member.serialization.get("name", name)
        value = uri.get(wire) if location == "uri" else query.get(wire) if location == "querystring" else None
        if value is not None:
            params[name] = int(value) if member.type_name == "integer" and value.isdigit() else value
    return params


class SchedulerApp:
    """The WSGI app in front of moto's scheduler app (created on first use; its backend is this process's)."""

    def __init__(self, faults: Faults, log: RequestLog, clock: Clock, saved: Callable[[str, str], None]) -> None:
        self._faults, self._log, self._clock = faults, log, clock
        #: Told (group, name) of each schedule CreateSchedule/UpdateSchedule saved.
        self._saved = saved
        self._moto: Any = None

    def __call__(self, environ: Any, start_response: Any) -> Any:
        request = Request(environ)
        body = request.get_data()
        name, params = "-", {}
        try:
            op, uri = match(request.method, request.path)
            name = op.name
            params = request_params(op, uri, dict(request.args), body)
            self._faults.check(name)
            parsed = parse_request(name, params, SERVICE)
            if name in _CHECKED:
                check_schedule(parsed)
        except RekognitionError as error:
            self._log.record(LOG_PREFIX + name, params, error.code, self._clock.now())
            return _error(error)(environ, start_response)
        environ["wsgi.input"], environ["CONTENT_LENGTH"] = io.BytesIO(body), str(len(body))
        outcome: list[str] = []

        def recording_start(status: str, headers: Any, *rest: Any) -> Any:
            codes = [v for k, v in headers if k.lower() == "x-amzn-errortype"]
            outcome.append("OK" if status.startswith("2") else (codes[0].split(":")[0] if codes else status))
            return start_response(status, headers, *rest)

        result = self._backend_app()(environ, recording_start)
        if name in _CHECKED and outcome == ["OK"]:
            self._saved(parsed.get("GroupName") or "default", parsed["Name"])
        self._log.record(LOG_PREFIX + name, params, outcome[0] if outcome else "-", self._clock.now())
        return result

    def _backend_app(self) -> Any:
        if self._moto is None:
            from moto.moto_server.werkzeug_app import create_backend_app

            self._moto = create_backend_app(SERVICE)
        return self._moto


def _error(error: RekognitionError) -> Response:
    """A REST-JSON error as Scheduler sends it (botocore reads the type header and ``message``)."""
    status = 429 if error.code == "ThrottlingException" else error.status
    response = Response(
        json.dumps({"message": error.message}),
        status=status,
        headers={"x-amzn-RequestId": str(uuid.uuid4()), "X-Amzn-ErrorType": error.code},
        content_type="application/json",
    )
    return response
