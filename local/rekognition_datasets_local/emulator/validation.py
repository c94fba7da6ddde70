"""Request validation against botocore's service models (Rekognition, and the emulated Scheduler), the way the
services do it.

boto3 only checks required members, types and minimums client-side; the service also rejects over-long values,
patterns, enums and maximums with ``ValidationException`` (``1 validation error detected: Value '…' at '…' failed to
satisfy constraint: …``). Member paths are lowerCamelCase, list members ``name.N.member`` (1-based), as AWS
renders them. Blobs arrive base64-encoded and come back decoded.
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
import unicodedata
from typing import Any

import botocore.session
from botocore.model import ListShape, MapShape, OperationModel, ServiceModel, Shape, StructureShape

from rekognition_datasets_local.emulator.exceptions import (
    SerializationException,
    UnknownOperationException,
    ValidationException,
)

#: Longest value quoted in a validation message (the service quotes it whole; we keep messages readable).
_MAX_QUOTED = 100
_UNICODE_CLASS = re.compile(r"\\p\{([A-Z])\}")
#: Code points scanned for ``\\p{X}`` classes: planes 4-16 hold no letters, numbers or separators (Unicode 15).
_LAST_CATEGORISED = 0x3FFFF


@functools.cache
def service_model(service: str = "rekognition") -> ServiceModel:
    """botocore's model of ``service`` (loaded once)."""
    return botocore.session.get_session().get_service_model(service)


def operation_model(operation: str, service: str = "rekognition") -> OperationModel:
    model = service_model(service)
    if operation not in model.operation_names:
        raise UnknownOperationException(f"Operation {operation} is not supported by the {model.service_id} service.")
    return model.operation_model(operation)


def parse_request(operation: str, params: dict[str, Any], service: str = "rekognition") -> dict[str, Any]:
    """Validate ``params`` for ``operation`` of ``service``; returns them with blobs decoded. Raises
    ``ValidationException``."""
    shape = operation_model(operation, service).input_shape
    errors: list[str] = []
    parsed = _structure(shape, params, "", errors) if shape is not None else {}
    if errors:
        noun = "error" if len(errors) == 1 else "errors"
        raise ValidationException(f"{len(errors)} validation {noun} detected: {'; '.join(errors)}")
    return parsed


def _structure(shape: StructureShape, value: Any, path: str, errors: list[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise SerializationException(f"Expected a structure at '{path or 'request'}'.")
    parsed: dict[str, Any] = {}
    for name in shape.required_members:
        if value.get(name) is None:
            errors.append(f"Value null at '{_join(path, name)}' failed to satisfy constraint: Member must not be null")
    for name, member in shape.members.items():
        if value.get(name) is not None:
            parsed[name] = _value(member, value[name], _join(path, name), errors)
    return parsed


def _value(shape: Shape, value: Any, path: str, errors: list[str]) -> Any:
    kind = shape.type_name
    if isinstance(shape, StructureShape):
        return _structure(shape, value, path, errors)
    if isinstance(shape, ListShape):
        _expect(value, list, path)
        _length(shape, value, len(value), path, errors)
        return [_value(shape.member, item, f"{path}.{i}.member", errors) for i, item in enumerate(value, 1)]
    if isinstance(shape, MapShape):
        _expect(value, dict, path)
        _length(shape, value, len(value), path, errors)
        _map_constraints(shape, value, path, errors)
        return dict(value)
    if kind == "string":
        _expect(value, str, path)
        errors.extend(_failures(_quote(value), path, _string(shape, value)))
        return value
    if kind == "blob":
        data = _decode_blob(value, path)
        quoted = f"java.nio.HeapByteBuffer[pos=0 lim={len(data)} cap={len(data)}]"
        errors.extend(_failures(f"'{quoted}'", path, _bounded(shape, len(data), "length")))
        return data
    if kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise SerializationException(f"Expected a number at '{path}'.")
        errors.extend(_failures(f"'{value}'", path, _bounded(shape, value, "value")))
        return value
    if kind == "boolean":
        _expect(value, bool, path)
    return value


def _failures(quoted: str, path: str, constraints: list[str]) -> list[str]:
    return [f"Value {quoted} at '{path}' failed to satisfy constraint: {c}" for c in constraints]


def _map_constraints(shape: MapShape, value: dict[Any, Any], path: str, errors: list[str]) -> None:
    for side, items in (("keys", value.keys()), ("value", value.values())):
        member = shape.key if side == "keys" else shape.value
        failed = sorted({c for item in items for c in _string(member, _expect(item, str, path))})
        if failed:
            errors.append(
                f"Value {_quote(value)} at '{path}' failed to satisfy constraint: "
                f"Map {side} must satisfy constraint: [{', '.join(failed)}]"
            )


def _string(shape: Shape, value: str) -> list[str]:
    problems = _bounded(shape, len(value), "length")
    pattern = shape.metadata.get("pattern")
    if pattern is not None and compiled_pattern(pattern).fullmatch(value) is None:
        problems.append(f"Member must satisfy regular expression pattern: {pattern}")
    enum = shape.metadata.get("enum")
    if enum and value not in enum:
        problems.append(f"Member must satisfy enum value set: [{', '.join(enum)}]")
    return problems


def _bounded(shape: Shape, number: int, what: str) -> list[str]:
    """The model's min/max constraints on a length or a value, in the service's wording."""
    problems = []
    if "min" in shape.metadata and number < shape.metadata["min"]:
        problems.append(f"Member must have {what} greater than or equal to {shape.metadata['min']}")
    if "max" in shape.metadata and number > shape.metadata["max"]:
        problems.append(f"Member must have {what} less than or equal to {shape.metadata['max']}")
    return problems


def _length(shape: Shape, value: Any, length: int, path: str, errors: list[str]) -> None:
    errors.extend(_failures(_quote(value), path, _bounded(shape, length, "length")))


def _expect(value: Any, kind: type, path: str) -> Any:
    if not isinstance(value, kind):
        raise SerializationException(f"Expected a {kind.__name__} at '{path}'.")
    return value


def _decode_blob(value: Any, path: str) -> bytes:
    try:
        return base64.b64decode(_expect(value, str, path), validate=True)
    except binascii.Error:
        raise SerializationException(f"The value at '{path}' is not valid base64.") from None


def _join(path: str, name: str) -> str:
    member = name[:1].lower() + name[1:]
    return f"{path}.{member}" if path else member


def _quote(value: Any) -> str:
    """The value as the (Java) service renders it: strings bare, lists ``[a, b]``, maps ``{k=v}``."""
    if isinstance(value, list):
        text = "[" + ", ".join(str(v) for v in value) + "]"
    elif isinstance(value, dict):
        text = "{" + ", ".join(f"{k}={v}" for k, v in value.items()) + "}"
    else:
        text = str(value)
    return "'" + (text if len(text) <= _MAX_QUOTED else text[:_MAX_QUOTED] + "...") + "'"


@functools.cache
def compiled_pattern(pattern: str) -> re.Pattern[str]:
    """The model's (Java) pattern for Python's ``re``: ``\\p{L}``-style classes become explicit ranges."""
    return re.compile(_UNICODE_CLASS.sub(lambda m: _category_ranges(m.group(1)), pattern))


@functools.cache
def _category_ranges(major: str) -> str:
    """A character-class body matching every code point whose Unicode category starts with ``major``."""
    ranges: list[tuple[int, int]] = []
    for code in range(_LAST_CATEGORISED + 1):
        if unicodedata.category(chr(code))[0] == major:
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1] = (ranges[-1][0], code)
            else:
                ranges.append((code, code))
    return "".join(re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in ranges)
