"""The CloudFormation custom-resource request, parsed and checked once."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, NamedTuple, cast

from rekognition_datasets_handler.errors import ProviderError
from rekognition_datasets_handler.schema import TAG_LOGICAL_ID, TAG_STACK_ID

RequestType = Literal["Create", "Update", "Delete"]
REQUEST_TYPES: tuple[str, ...] = ("Create", "Update", "Delete")
#: The key of on_event's result naming the step it took; the Provider framework merges that result into every
#: is_complete event, so polls know what on_event already proved (crhelper's polls go without it).
STEP_KEY = "DatasetProviderStep"


class Request(NamedTuple):
    """The parts of a CloudFormation event the reconcilers use (ResponseURL deliberately left out)."""

    request_type: RequestType
    resource_type: str
    stack_id: str
    logical_id: str
    request_id: str
    physical_id: str | None
    properties: Mapping[str, Any]
    old_properties: Mapping[str, Any] | None
    #: What on_event did to the dataset named by ``physical_id`` (``STEP_KEY``); None on the first call.
    step: str | None = None

    def owns(self, tags: Mapping[str, str]) -> bool:
        """True when ``tags`` (a resource's) carry this resource's identity: its stack id and logical id."""
        return tags.get(TAG_STACK_ID) == self.stack_id and tags.get(TAG_LOGICAL_ID) == self.logical_id

    def identity_tags(self) -> dict[str, str]:
        """The reserved tags that prove a resource this one's."""
        return {TAG_STACK_ID: self.stack_id, TAG_LOGICAL_ID: self.logical_id}


def _text(event: Mapping[str, Any], key: str, *, required: bool = True) -> str | None:
    value = event.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value:
        raise ProviderError(f"Malformed event: {key} must be a non-empty string.")
    return value


def _mapping(event: Mapping[str, Any], key: str, *, default_empty: bool) -> Mapping[str, Any] | None:
    value = event.get(key)
    if value is None:
        return {} if default_empty else None
    if not isinstance(value, Mapping):
        raise ProviderError(f"Malformed event: {key} must be an object.")
    return cast("Mapping[str, Any]", value)


def parse_request(event: object) -> Request:
    """Check the envelope of ``event``; raise ``ProviderError`` naming the first missing or bad key."""
    if not isinstance(event, Mapping):
        raise ProviderError("Malformed event: expected a JSON object.")
    request_type = event.get("RequestType")
    if request_type not in REQUEST_TYPES:
        raise ProviderError(f"Malformed event: RequestType must be Create, Update or Delete, got {request_type!r:.60}.")
    physical_id = _text(event, "PhysicalResourceId", required=request_type != "Create")
    old = _mapping(event, "OldResourceProperties", default_empty=False)
    if request_type == "Update" and old is None:
        raise ProviderError("Malformed event: OldResourceProperties is required on Update.")
    return Request(
        request_type=cast("RequestType", request_type),
        resource_type=str(_text(event, "ResourceType")),
        stack_id=str(_text(event, "StackId")),
        logical_id=str(_text(event, "LogicalResourceId")),
        request_id=str(_text(event, "RequestId")),
        physical_id=physical_id,
        properties=_mapping(event, "ResourceProperties", default_empty=True) or {},
        old_properties=old,
        step=event[STEP_KEY] if isinstance(event.get(STEP_KEY), str) else None,
    )
