"""Check a boto3 response against the operation's output shape in botocore's model, strictly.

botocore parses whatever the server sends and never checks it; this walks the parsed response and reports every
member the model does not declare, every required member missing, and every type, enum, length, range and
pattern violation.
"""

from __future__ import annotations

import datetime
from typing import Any

from botocore.model import ListShape, MapShape, Shape, StructureShape

from rekognition_datasets_local.emulator.validation import compiled_pattern, service_model


def assert_matches_output(operation: str, response: dict[str, Any]) -> None:
    """Fail with every way ``response`` (minus ResponseMetadata) breaks ``operation``'s output shape."""
    shape = service_model().operation_model(operation).output_shape
    assert shape is not None
    body = {key: value for key, value in response.items() if key != "ResponseMetadata"}
    assert shape_errors(shape, body, operation) == []


def shape_errors(shape: Shape, value: Any, path: str) -> list[str]:
    """Every violation of ``shape`` by ``value`` (a parsed response), each naming its path."""
    if isinstance(shape, StructureShape):
        if not isinstance(value, dict):
            return [f"{path}: expected a structure, got {value!r}"]
        errors = [f"{path}.{name}: not in {shape.name}" for name in value if name not in shape.members]
        errors += [f"{path}.{name}: required, missing" for name in shape.required_members if name not in value]
        for name, member in shape.members.items():
            if name in value:
                errors += shape_errors(member, value[name], f"{path}.{name}")
        return errors
    if isinstance(shape, ListShape):
        if not isinstance(value, list):
            return [f"{path}: expected a list, got {value!r}"]
        errors = _range(shape, len(value), path)
        for i, item in enumerate(value):
            errors += shape_errors(shape.member, item, f"{path}[{i}]")
        return errors
    if isinstance(shape, MapShape):
        if not isinstance(value, dict):
            return [f"{path}: expected a map, got {value!r}"]
        errors = _range(shape, len(value), path)
        for key, item in value.items():
            errors += shape_errors(shape.key, key, f"{path} key") + shape_errors(shape.value, item, f"{path}[{key}]")
        return errors
    return _scalar(shape, value, path)


_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "long": (int,),
    "float": (int, float),
    "double": (int, float),
    "boolean": (bool,),
    "timestamp": (datetime.datetime,),
    "blob": (bytes,),
}


def _scalar(shape: Shape, value: Any, path: str) -> list[str]:
    expected = _TYPES[shape.type_name]
    if not isinstance(value, expected) or (isinstance(value, bool) and bool not in expected):
        return [f"{path}: expected a {shape.type_name}, got {value!r}"]
    if shape.type_name == "string":
        errors = _range(shape, len(value), path)
        enum = shape.metadata.get("enum")
        if enum and value not in enum:
            errors.append(f"{path}: {value!r} not in {shape.name}'s enum")
        pattern = shape.metadata.get("pattern")
        if pattern and compiled_pattern(pattern).fullmatch(value) is None:
            errors.append(f"{path}: {value!r} does not match {pattern}")
        return errors
    if shape.type_name in ("integer", "long", "float", "double"):
        return _range(shape, value, path)
    return []


def _range(shape: Shape, number: float, path: str) -> list[str]:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if (low is not None and number < low) or (high is not None and number > high):
        return [f"{path}: {number} outside [{low}, {high}] of {shape.name}"]
    return []
