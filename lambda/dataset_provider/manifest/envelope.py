"""Terminal content rules: a line the service silently drops (too long, not a JSON object, bad source-ref)."""

from __future__ import annotations

import json
import re
from typing import NamedTuple

from . import codes

# [infer] bucket names of 3-63 characters; upper case and "_" are tolerated for legacy us-east-1 buckets.
# The key must be non-empty and name an object, not a folder.
_SOURCE_REF = re.compile(r"s3://[A-Za-z0-9][A-Za-z0-9._-]{1,61}[A-Za-z0-9]/.*[^/]")


class Envelope(NamedTuple):
    """A parsed line: the JSON object and its source-ref, or the terminal error code that drops it (a tuple: cheap)."""

    obj: dict[str, object] | None = None
    source_ref: str | None = None
    terminal_code: str | None = None


def parse_line(text: str) -> Envelope:
    """Parse one line (without its newline) and check what makes the service drop it."""
    if len(text) > codes.MAX_LINE_CHARS:
        return Envelope(terminal_code=codes.ERROR_JSON_LINE_TOO_LONG)
    obj = _json_object(text)
    if obj is None:
        return Envelope(terminal_code=codes.ERROR_INVALID_JSON_LINE)
    if "source-ref" not in obj:
        return Envelope(obj, terminal_code=codes.ERROR_MISSING_SOURCE_REF)
    source_ref = obj["source-ref"]
    if not isinstance(source_ref, str):
        return Envelope(obj, terminal_code=codes.ERROR_INVALID_SOURCE_REF_FORMAT)
    if _SOURCE_REF.fullmatch(source_ref) is None:
        return Envelope(obj, source_ref, terminal_code=codes.ERROR_INVALID_SOURCE_REF_FORMAT)
    return Envelope(obj, source_ref)


def _json_object(text: str) -> dict[str, object] | None:
    """The line's JSON object, or None for blank, non-UTF-8, unparseable or non-object lines."""
    if not text.isascii():
        try:
            text.encode("utf-8")  # undecodable bytes arrive as lone surrogates (errors="surrogateescape")
        except UnicodeEncodeError:
            return None
    # As ``json.loads`` (whitespace around the value is allowed, nothing else), minus its Python-level wrapper.
    text = text.strip(_JSON_WHITESPACE)
    try:
        value, end = _DECODER.raw_decode(text)
    except (ValueError, RecursionError):
        return None
    if end != len(text):
        return None
    return value if isinstance(value, dict) else None


def _reject_constant(name: str) -> object:
    """NaN and Infinity are not JSON."""
    raise ValueError(name)


_DECODER = json.JSONDecoder(parse_constant=_reject_constant)
_JSON_WHITESPACE = " \t\n\r"
