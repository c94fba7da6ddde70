"""The AWS Query protocol, driven by botocore's CloudFormation model: form parameters in, XML out.

Requests are parsed against the operation's input shape (``Name.member.N`` lists, ``Name.entry.N.key`` maps,
typed scalars; required members, enums and lengths checked as the service does); results are serialised from
the output shape, so the wire format is the one botocore and the AWS SDKs parse.
"""

from __future__ import annotations

import datetime
import functools
import re
import uuid
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

import botocore.session

from rekognition_datasets_local.cloudformation.errors import ValidationError

if TYPE_CHECKING:
    from collections.abc import Mapping

    from botocore.model import OperationModel, ServiceModel, Shape

NAMESPACE = "http://cloudformation.amazonaws.com/doc/2010-05-15/"


@functools.cache
def service_model() -> ServiceModel:
    """botocore's model of the CloudFormation API."""
    return botocore.session.get_session().get_service_model("cloudformation")


def operation(name: str) -> OperationModel | None:
    """The operation's model, or None when CloudFormation has no such action."""
    model = service_model()
    return model.operation_model(name) if name in model.operation_names else None


# -- requests ------------------------------------------------------------------------------------------------


def parse_request(op: OperationModel, form: Mapping[str, str]) -> dict[str, Any]:
    """The operation's parameters from the form fields; raises ValidationError as the service does."""
    shape = op.input_shape
    if shape is None:
        return {}
    problems: list[str] = []
    params = _parse_structure(shape, form, "", problems)
    if problems:
        count = len(problems)
        raise ValidationError(f"{count} validation error{'s' if count > 1 else ''} detected: " + "; ".join(problems))
    return params


def _parse(shape: Shape, form: Mapping[str, str], prefix: str, problems: list[str]) -> Any:
    if shape.type_name == "structure":
        return _parse_structure(shape, form, prefix + ".", problems)
    if shape.type_name == "list":
        return _parse_list(shape, form, prefix, problems)
    if shape.type_name == "map":
        return _parse_map(shape, form, prefix, problems)
    raw = form.get(prefix)
    return None if raw is None else _scalar(shape, raw, prefix, problems)


def _member_name(name: str) -> str:
    return name[:1].lower() + name[1:]


def _parse_structure(shape: Shape, form: Mapping[str, str], prefix: str, problems: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, member in shape.members.items():  # type: ignore[attr-defined]
        key = prefix + member.serialization.get("name", name)
        value = _parse(member, form, key, problems)
        if value is not None:
            out[name] = value
            _check(member, value, name, problems)
    for name in shape.required_members:
        if name not in out:
            problems.append(
                f"Value null at '{_member_name(name)}' failed to satisfy constraint: Member must not be null"
            )
    return out


def _parse_list(shape: Shape, form: Mapping[str, str], prefix: str, problems: list[str]) -> list[Any] | None:
    member = shape.member  # type: ignore[attr-defined]
    base = prefix if shape.serialization.get("flattened") else prefix + ".member"
    if form.get(prefix) == "":  # an explicitly empty list
        return []
    items: list[Any] = []
    index = 1
    while True:
        key = f"{base}.{index}"
        if not any(k == key or k.startswith(key + ".") for k in form):
            break
        items.append(_parse(member, form, key, problems))
        index += 1
    return items if items else None


def _parse_map(shape: Shape, form: Mapping[str, str], prefix: str, problems: list[str]) -> dict[str, Any] | None:
    out: dict[str, Any] = {}
    index = 1
    while f"{prefix}.entry.{index}.key" in form:
        key = form[f"{prefix}.entry.{index}.key"]
        out[key] = _parse(shape.value, form, f"{prefix}.entry.{index}.value", problems)  # type: ignore[attr-defined]
        index += 1
    return out or None


def _scalar(shape: Shape, raw: str, where: str, problems: list[str]) -> Any:
    kind = shape.type_name
    if kind == "boolean":
        if raw not in ("true", "false"):
            problems.append(f"Value '{raw}' at '{where}' failed to satisfy constraint: Member must be a boolean")
            return None
        return raw == "true"
    if kind in ("integer", "long"):
        try:
            return int(raw)
        except ValueError:
            problems.append(f"Value '{raw}' at '{where}' failed to satisfy constraint: Member must be a number")
            return None
    if kind == "timestamp":
        try:
            return datetime.datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            problems.append(f"Value '{raw}' at '{where}' failed to satisfy constraint: Member must be a timestamp")
            return None
    return raw


def _check(shape: Shape, value: Any, name: str, problems: list[str]) -> None:
    """The enum, length and pattern constraints of the model (as the service reports them)."""
    where = _member_name(name)
    metadata = shape.metadata
    enum = getattr(shape, "enum", None)
    if enum and isinstance(value, str) and value not in enum:
        problems.append(
            f"Value '{value}' at '{where}' failed to satisfy constraint: Member must satisfy enum value set: "
            f"[{', '.join(enum)}]"
        )
    if isinstance(value, str | list):
        low, high = metadata.get("min"), metadata.get("max")
        prefix = f"Value at '{where}' failed to satisfy constraint: Member must have length"
        if low is not None and len(value) < low:
            problems.append(f"{prefix} greater than or equal to {low}")
        elif high is not None and len(value) > high:
            problems.append(f"{prefix} less than or equal to {high}")
    pattern = metadata.get("pattern")
    if pattern and isinstance(value, str) and not _matches(pattern, value):
        problems.append(
            f"Value '{value}' at '{where}' failed to satisfy constraint: Member must satisfy regular expression "
            f"pattern: {pattern}"
        )


def _matches(pattern: str, value: str) -> bool:
    try:
        return re.fullmatch(pattern, value) is not None
    except re.error:  # a Java-only construct: the service checks it, we cannot
        return True


# -- responses -----------------------------------------------------------------------------------------------


def serialize_result(op: OperationModel, result: Mapping[str, Any], request_id: str | None = None) -> str:
    """The XML body of a successful response."""
    request_id = request_id or str(uuid.uuid4())
    inner = ""
    shape = op.output_shape
    if shape is not None:
        wrapper = shape.serialization.get("resultWrapper", f"{op.name}Result")
        inner = f"<{wrapper}>{_members(shape, result)}</{wrapper}>"
    return (
        f'<{op.name}Response xmlns="{NAMESPACE}">{inner}'
        f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata></{op.name}Response>"
    )


def serialize_error(code: str, message: str, *, sender: bool = True, request_id: str | None = None) -> str:
    """The XML body of an error response."""
    kind = "Sender" if sender else "Receiver"
    return (
        f'<ErrorResponse xmlns="{NAMESPACE}"><Error><Type>{kind}</Type><Code>{escape(code)}</Code>'
        f"<Message>{escape(message)}</Message></Error><RequestId>{request_id or uuid.uuid4()}</RequestId>"
        "</ErrorResponse>"
    )


def _members(shape: Shape, value: Mapping[str, Any]) -> str:
    parts = []
    members = shape.members  # type: ignore[attr-defined]
    unknown = set(value) - set(members)
    if unknown:
        raise KeyError(f"{shape.name} has no member {sorted(unknown)}")
    for name, member in members.items():
        if value.get(name) is not None:
            parts.append(_element(member, member.serialization.get("name", name), value[name]))
    return "".join(parts)


def _element(shape: Shape, tag: str, value: Any) -> str:
    kind = shape.type_name
    if kind == "structure":
        return f"<{tag}>{_members(shape, value)}</{tag}>"
    if kind == "list":
        member = shape.member  # type: ignore[attr-defined]
        if shape.serialization.get("flattened"):
            return "".join(_element(member, tag, item) for item in value)
        name = member.serialization.get("name", "member")
        return f"<{tag}>{''.join(_element(member, name, item) for item in value)}</{tag}>"
    if kind == "map":
        entries = "".join(
            f"<entry>{_element(shape.key, 'key', k)}{_element(shape.value, 'value', v)}</entry>"  # type: ignore[attr-defined]
            for k, v in value.items()
        )
        return f"<{tag}>{entries}</{tag}>"
    return f"<{tag}>{escape(_text(kind, value))}</{tag}>"


def _text(kind: str, value: Any) -> str:
    if kind == "boolean":
        return "true" if value else "false"
    if kind == "timestamp":
        assert isinstance(value, datetime.datetime)
        return value.astimezone(datetime.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return str(value)
