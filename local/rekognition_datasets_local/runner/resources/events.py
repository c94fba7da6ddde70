"""The CloudFormation custom-resource request, built exactly as CloudFormation sends it."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

MISSING_PHYSICAL_ID_MARKER = "AWSCDK::CustomResourceProviderFramework::MISSING_PHYSICAL_ID"


def stringify(value: Any) -> Any:
    """CloudFormation turns every leaf of ResourceProperties into a string (``3`` -> ``"3"``, true -> ``"true"``)."""
    if isinstance(value, Mapping):
        return {str(k): stringify(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [stringify(v) for v in value if v is not None]
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def request(
    *,
    request_type: str,
    stack_id: str,
    logical_id: str,
    resource_type: str,
    properties: Mapping[str, Any],
    response_url: str | None = None,
    physical_id: str | None = None,
    old_properties: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A Create/Update/Delete event; ``properties`` are the resolved template properties (ServiceToken included)."""
    request_id = str(uuid.uuid4())
    url = response_url or (
        "https://cloudformation-custom-resource-response-local.s3.amazonaws.com/"
        + quote(f"{stack_id}|{logical_id}|{request_id}", safe="")
        + "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=7200"
    )
    event: dict[str, Any] = {
        "RequestType": request_type,
        "ServiceToken": str(properties.get("ServiceToken", "")),
        "ResponseURL": url,
        "StackId": stack_id,
        "RequestId": request_id,
        "LogicalResourceId": logical_id,
        "ResourceType": resource_type,
        "ResourceProperties": stringify(properties),
    }
    if physical_id is not None:
        event["PhysicalResourceId"] = physical_id
    if old_properties is not None:
        event["OldResourceProperties"] = stringify(old_properties)
    return event


def success_body(event: Mapping[str, Any], physical_id: str, data: Mapping[str, Any]) -> bytes:
    """The SUCCESS response body the Provider framework PUTs to the ResponseURL for ``event``."""
    body = {
        "Status": "SUCCESS",
        "Reason": "SUCCESS",
        "StackId": event["StackId"],
        "RequestId": event["RequestId"],
        "PhysicalResourceId": physical_id,
        "LogicalResourceId": event["LogicalResourceId"],
        "Data": data,
    }
    return json.dumps(body).encode()
