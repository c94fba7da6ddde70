"""The WSGI app (AWS JSON 1.1 dispatch, the one place errors are serialised, the control endpoint) and its server.

``POST /`` with ``X-Amz-Target: RekognitionService.<Operation>`` runs an operation. ``/_emulator/...`` lets
another process read the request log, arm faults, move the clock and reset the state:

- ``GET /_emulator/requests`` → ``{"requests": [{operation, params, outcome, timestamp}, ...]}``
- ``DELETE /_emulator/requests`` clears the log
- ``POST /_emulator/faults`` with ``{"fault": <Faults method>, ...its keyword arguments}``
- ``POST /_emulator/advance`` with ``{"seconds": N}``
- ``POST /_emulator/configure`` with ``EmulatorConfig`` fields to replace (``{"training_f1": 0.7}``) until reset
- ``POST /_emulator/reset``
"""

from __future__ import annotations

import json
import threading
import uuid
from typing import TYPE_CHECKING, Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from rekognition_datasets_local.emulator.exceptions import (
    RekognitionError,
    SerializationException,
    UnknownOperationException,
)
from rekognition_datasets_local.emulator.validation import parse_request

if TYPE_CHECKING:
    from collections.abc import Callable

    from rekognition_datasets_local.emulator.clock import Clock
    from rekognition_datasets_local.emulator.faults import Faults
    from rekognition_datasets_local.emulator.request_log import RequestLog
    from rekognition_datasets_local.emulator.responses import RekognitionResponse

JSON_CONTENT_TYPE = "application/x-amz-json-1.1"
TARGET_PREFIX = "RekognitionService"
CONTROL_PREFIX = "/_emulator/"
#: ``Faults`` methods the control endpoint may call.
CONTROL_FAULTS = frozenset(
    {"throttle_next", "throttle_fraction", "internal_error_next", "fail_next", "slow", "delete_dataset", "clear"}
)


class EmulatorApp:
    """The emulator's WSGI application."""

    def __init__(
        self,
        responses: RekognitionResponse,
        faults: Faults,
        log: RequestLog,
        clock: Clock,
        reset: Callable[[], None],
        configure: Callable[..., Any],
    ) -> None:
        self.responses = responses
        self.faults = faults
        self.log = log
        self.clock = clock
        self.reset = reset
        self.configure = configure
        #: Other services' WSGI apps, by the service name requests are signed for (``mount``).
        self.mounts: dict[str, Any] = {}

    def mount(self, service: str, app: Any) -> None:
        """Serve requests signed for ``service`` (SigV4 credential scope) with the WSGI ``app``."""
        self.mounts[service] = app

    def __call__(self, environ: Any, start_response: Any) -> Any:
        request = Request(environ)
        mounted = self.mounts.get(signed_service(request.headers.get("Authorization", "")))
        if mounted is not None:
            return mounted(environ, start_response)
        response = self._control(request) if request.path.startswith(CONTROL_PREFIX) else self._operation(request)
        return response(environ, start_response)

    def _operation(self, request: Request) -> Response:
        prefix, _, operation = request.headers.get("X-Amz-Target", "").partition(".")
        raw: dict[str, Any] = {}
        params: dict[str, Any] | None = None
        try:
            if request.method != "POST" or prefix != TARGET_PREFIX or not operation:
                raise UnknownOperationException(f"Send POST / with X-Amz-Target: {TARGET_PREFIX}.<Operation>.")
            handler = self.responses.handler(operation)
            raw = _json_body(request)
            self.faults.check(operation)
            params = parse_request(operation, raw)
            response = _json_response(200, handler(params))
            outcome = "OK"
        except RekognitionError as error:
            response = _error_response(error)
            outcome = error.code
        self.log.record(operation or "-", params if params is not None else raw, outcome, self.clock.now())
        return response

    def _control(self, request: Request) -> Response:
        action = (request.method, request.path.removeprefix(CONTROL_PREFIX))
        try:
            if action == ("GET", "requests"):
                return _json_response(200, {"requests": [e.to_dict() for e in self.log.entries()]})
            if action == ("DELETE", "requests"):
                self.log.clear()
            elif action == ("POST", "faults"):
                self._arm(_json_body(request))
            elif action == ("POST", "advance"):
                self.clock.advance(float(_json_body(request).get("seconds", 0)))
            elif action == ("POST", "reset"):
                self.reset()
            elif action == ("POST", "configure"):
                self.configure(**_json_body(request))
            else:
                return _json_response(404, {"error": f"no control action {action[0]} {request.path}"})
        except (RekognitionError, ValueError, TypeError) as error:
            return _json_response(400, {"error": str(error)})
        return _json_response(200, {})

    def _arm(self, body: dict[str, Any]) -> None:
        name = body.pop("fault", None)
        if name not in CONTROL_FAULTS:
            raise ValueError(f"'fault' must be one of {sorted(CONTROL_FAULTS)}, got {name!r}")
        getattr(self.faults, name)(**body)


def signed_service(authorization: str) -> str:
    """The service of a SigV4 ``Authorization`` header (``Credential=KEY/DATE/REGION/SERVICE/aws4_request``)."""
    _, _, credential = authorization.partition("Credential=")
    parts = credential.split(",", 1)[0].split("/")
    return parts[3] if len(parts) >= 5 else ""


def _json_body(request: Request) -> dict[str, Any]:
    return json_object(request.get_data())


def json_object(data: bytes) -> dict[str, Any]:
    """A request body that must be a JSON object (empty means ``{}``); ``SerializationException`` otherwise."""
    try:
        body = json.loads(data) if data else {}
    except ValueError:
        raise SerializationException("The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise SerializationException("The request body must be a JSON object.")
    return body


def _json_response(status: int, body: dict[str, Any]) -> Response:
    headers = {"x-amzn-RequestId": str(uuid.uuid4())}
    return Response(json.dumps(body), status=status, headers=headers, content_type=JSON_CONTENT_TYPE)


def _error_response(error: RekognitionError) -> Response:
    body = {"__type": error.code, "Code": error.code, "Message": error.message, "Logref": str(uuid.uuid4())}
    response = _json_response(error.status, body)
    response.headers["X-Amzn-ErrorType"] = error.code
    return response


class _QuietHandler(WSGIRequestHandler):
    """Keep-alive connections, and no access log line per request."""

    protocol_version = "HTTP/1.1"

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None


class ThreadedServer:
    """Serves a WSGI app on ``host:port`` (0 picks a free port) from a daemon thread."""

    def __init__(self, app: Any, host: str, port: int) -> None:
        self._server: BaseWSGIServer = make_server(host, port, app, threaded=True, request_handler=_QuietHandler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="rekognition-emulator", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self._server.host}:{self._server.server_port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join()
        self._server.server_close()
