"""Opaque NextToken pagination, bound to the request's other arguments (like moto's paginator)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from typing import TYPE_CHECKING, Any, TypeVar

from rekognition_datasets_local.emulator.exceptions import InvalidPaginationTokenException

if TYPE_CHECKING:
    from collections.abc import Sequence

T = TypeVar("T")

#: ``MaxResults`` when the request gives none (every paginated dataset operation documents 100).
DEFAULT_PAGE_SIZE = 100
_PAGING_ARGS = frozenset({"NextToken", "MaxResults"})


def paginate(items: Sequence[T], params: dict[str, Any]) -> tuple[list[T], str | None]:
    """The page of ``items`` that ``params`` (NextToken, MaxResults) asks for, and the next token or ``None``."""
    start = _decode(params["NextToken"], _fingerprint(params)) if "NextToken" in params else 0
    end = start + int(params.get("MaxResults", DEFAULT_PAGE_SIZE))
    next_token = _encode(end, _fingerprint(params)) if end < len(items) else None
    return list(items[start:end]), next_token


def paged(member: str, items: Sequence[Any], params: dict[str, Any]) -> dict[str, Any]:
    """``{member: <the page params ask for>}``, with ``NextToken`` when more follow."""
    page, token = paginate(items, params)
    return {member: page, "NextToken": token} if token is not None else {member: page}


def _fingerprint(params: dict[str, Any]) -> str:
    bound = {key: value for key, value in params.items() if key not in _PAGING_ARGS}
    return hashlib.sha256(json.dumps(bound, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _encode(offset: int, fingerprint: str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"offset": offset, "args": fingerprint}).encode()).decode()


def _decode(token: str, fingerprint: str) -> int:
    try:
        state = json.loads(base64.urlsafe_b64decode(token.encode()))
        offset = state["offset"]
        bound = state["args"]
    except (binascii.Error, ValueError, TypeError, KeyError):
        raise InvalidPaginationTokenException() from None
    if bound != fingerprint or not isinstance(offset, int) or offset < 0:
        raise InvalidPaginationTokenException()
    return offset
