"""The WSGI app of the CloudFormation API: form-encoded ``Action=`` requests in, XML out, errors as the service."""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from rekognition_datasets_local.cloudformation import protocol
from rekognition_datasets_local.cloudformation.errors import CloudFormationError, InvalidAction

if TYPE_CHECKING:
    from rekognition_datasets_local.cloudformation.service import CloudFormationService

_LOG = logging.getLogger(__name__)
_XML = "text/xml"


class CloudFormationApp:
    """Dispatches ``Action`` to the service's handler, parsing and serialising with botocore's model."""

    def __init__(self, service: CloudFormationService) -> None:
        self.service = service
        self._handlers = service.handlers()

    def __call__(self, environ: Any, start_response: Any) -> Any:
        return self.respond(Request(environ))(environ, start_response)

    def respond(self, request: Request) -> Response:
        request_id = str(uuid.uuid4())
        form = dict(request.form.items()) if request.method == "POST" else dict(request.args.items())
        action = form.get("Action", "")
        try:
            op = protocol.operation(action)
            if op is None:
                raise InvalidAction(f"Could not find operation {action} for version {form.get('Version', '')}")
            handler = self._handlers.get(action)
            if handler is None:
                raise InvalidAction(f"{action} is not supported by the offline CloudFormation API.")
            result = handler(protocol.parse_request(op, form))
            body, status = protocol.serialize_result(op, result, request_id), 200
        except CloudFormationError as error:
            body, status = protocol.serialize_error(error.code, error.message, request_id=request_id), error.status
        except Exception as error:  # the service's InternalFailure, never a dropped connection
            _LOG.exception("CloudFormation %s failed", action)
            message = f"{type(error).__name__}: {error}"
            body, status = (
                protocol.serialize_error("InternalFailure", message, sender=False, request_id=request_id),
                500,
            )
        return Response(body, status=status, content_type=_XML, headers={"x-amzn-RequestId": request_id})
