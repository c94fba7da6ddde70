"""Terminal content rules: a line the service silently drops (too long, not a JSON object, bad source-ref)."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, TypeAlias

from . import codes

if TYPE_CHECKING:
    from collections.abc import Callable

# [infer] bucket names of 3-63 characters; upper case and "_" are tolerated for legacy us-east-1 buckets.
# The key must be non-empty and name an object, not a folder.
_SOURCE_REF = re.compile(r"s3://[A-Za-z0-9][A-Za-z0-9._-]{1,61}[A-Za-z0-9]/.*[^/]")


#: A parsed line: (the JSON object, its source-ref, the terminal error code that drops the line). A plain tuple, not
#: a NamedTuple: its Python-level constructor would cost a measurable share of validating a large manifest.
Envelope: TypeAlias = tuple[dict[str, object] | None, str | None, str | None]


def parse_line(raw: str) -> Envelope:
    """Parse one line (with or without its line break) and check what makes the service drop it."""
    if len(raw) > codes.MAX_LINE_CHARS and len(raw.removesuffix("\n").removesuffix("\r")) > codes.MAX_LINE_CHARS:
        return None, None, codes.ERROR_JSON_LINE_TOO_LONG
    obj = _json_object(raw)
    if obj is None:
        return None, None, codes.ERROR_INVALID_JSON_LINE
    source_ref = obj.get("source-ref")
    if type(source_ref) is not str:  # the JSON parser makes no str subclasses
        code = codes.ERROR_MISSING_SOURCE_REF if "source-ref" not in obj else codes.ERROR_INVALID_SOURCE_REF_FORMAT
        return obj, None, code
    if _SOURCE_REF.fullmatch(source_ref) is None:
        return obj, source_ref, codes.ERROR_INVALID_SOURCE_REF_FORMAT
    return obj, source_ref, None


def _json_object(raw: str) -> dict[str, object] | None:
    """The line's JSON object, or None for blank, non-UTF-8, unparseable or non-object lines."""
    if not raw.isascii():
        try:
            raw.encode("utf-8")  # undecodable bytes arrive as lone surrogates (errors="surrogateescape")
        except UnicodeEncodeError:
            return None
    # As ``json.loads`` (whitespace around the value is allowed, nothing else; the line break is whitespace), minus
    # its Python-level wrappers: the C scanner is called directly.
    text = raw.strip(_JSON_WHITESPACE)
    try:
        value, end = _SCAN(text, 0)
    except (StopIteration, ValueError, RecursionError):  # StopIteration: no value at all
        return None
    if end != len(text) or type(value) is not dict:
        return None
    return value


def _reject_constant(name: str) -> object:
    """NaN and Infinity are not JSON."""
    raise ValueError(name)


_DECODER = json.JSONDecoder(parse_constant=_reject_constant)
#: what ``raw_decode`` calls (set by ``JSONDecoder.__init__``, missing from the type stubs)
_SCAN: Callable[[str, int], tuple[object, int]] = _DECODER.scan_once  # type: ignore[attr-defined]
_JSON_WHITESPACE = " \t\n\r"
