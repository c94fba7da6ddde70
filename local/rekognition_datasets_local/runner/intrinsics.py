"""Resolve CloudFormation intrinsic functions: one small resolver per function, registered in ``INTRINSICS``."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from rekognition_datasets_local.runner.errors import TemplateError


class _NoValue:
    """``AWS::NoValue``: removes the property or list item that holds it."""

    def __repr__(self) -> str:
        return "AWS::NoValue"


NO_VALUE = _NoValue()

_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")


class Scope(Protocol):
    """What a template can reference while it is being resolved."""

    def ref(self, name: str) -> Any:
        """Value of ``Ref``: a pseudo parameter, a parameter, or a resource's physical id."""

    def get_att(self, logical_id: str, attribute: str) -> Any:
        """Value of ``Fn::GetAtt``."""

    def condition(self, name: str) -> bool:
        """Value of a named condition."""

    def mapping(self, name: str, top: str, second: str) -> Any:
        """Value of ``Fn::FindInMap``."""


Intrinsic = Callable[["Resolver", Any], Any]


class Resolver:
    """Resolves a template value against a :class:`Scope`."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope

    def resolve(self, value: Any) -> Any:
        """The value with every intrinsic replaced; ``AWS::NoValue`` items dropped."""
        if isinstance(value, Mapping):
            if len(value) == 1:
                ((key, arg),) = value.items()
                if key in INTRINSICS:
                    return INTRINSICS[key](self, arg)
            out = {k: self.resolve(v) for k, v in value.items()}
            return {k: v for k, v in out.items() if v is not NO_VALUE}
        if isinstance(value, list):
            return [item for item in (self.resolve(v) for v in value) if item is not NO_VALUE]
        return value

    def resolve_str(self, value: Any, where: str) -> str:
        resolved = self.resolve(value)
        if isinstance(resolved, bool) or not isinstance(resolved, str | int | float):
            raise TemplateError(f"{where} must resolve to a string, got {resolved!r}")
        return str(resolved).lower() if isinstance(resolved, bool) else str(resolved)


def _args(name: str, arg: Any, count: int) -> list[Any]:
    if not isinstance(arg, list) or len(arg) != count:
        raise TemplateError(f"{name} takes a list of {count} arguments, got {arg!r}")
    return arg


def _ref(r: Resolver, arg: Any) -> Any:
    if not isinstance(arg, str):
        raise TemplateError(f"Ref takes a name, got {arg!r}")
    return r.scope.ref(arg)


def _get_att(r: Resolver, arg: Any) -> Any:
    if isinstance(arg, str):
        arg = arg.split(".", 1)
    logical_id, attribute = _args("Fn::GetAtt", arg, 2)
    return r.scope.get_att(logical_id, r.resolve_str(attribute, "Fn::GetAtt attribute"))


def _join(r: Resolver, arg: Any) -> str:
    delimiter, items = _args("Fn::Join", arg, 2)
    values = r.resolve(items)
    if not isinstance(values, list):
        raise TemplateError(f"Fn::Join needs a list of values, got {values!r}")
    return str(delimiter).join(_scalar(v, "Fn::Join") for v in values)


def _scalar(value: Any, where: str) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str | int | float):
        return str(value)
    raise TemplateError(f"{where}: cannot use {value!r} as a string")


def _sub(r: Resolver, arg: Any) -> str:
    text, variables = (arg, {}) if isinstance(arg, str) else _args("Fn::Sub", arg, 2)
    local = {k: r.resolve(v) for k, v in dict(variables).items()}

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.startswith("!"):
            return "${" + name[1:] + "}"
        if name in local:
            return _scalar(local[name], "Fn::Sub")
        if "." in name and not name.startswith("AWS::"):
            logical_id, attribute = name.split(".", 1)
            return _scalar(r.scope.get_att(logical_id, attribute), "Fn::Sub")
        return _scalar(r.scope.ref(name), "Fn::Sub")

    return _SUB_VARIABLE.sub(replace, str(text))


def _select(r: Resolver, arg: Any) -> Any:
    index, items = _args("Fn::Select", arg, 2)
    values = r.resolve(items)
    position = int(r.resolve(index))
    if not isinstance(values, list) or not 0 <= position < len(values):
        raise TemplateError(f"Fn::Select index {position} is out of range for {values!r}")
    return values[position]


def _split(r: Resolver, arg: Any) -> list[str]:
    delimiter, source = _args("Fn::Split", arg, 2)
    return r.resolve_str(source, "Fn::Split source").split(str(delimiter))


def _if(r: Resolver, arg: Any) -> Any:
    name, when_true, when_false = _args("Fn::If", arg, 3)
    return r.resolve(when_true if r.scope.condition(name) else when_false)


def _equals(r: Resolver, arg: Any) -> bool:
    left, right = (r.resolve(v) for v in _args("Fn::Equals", arg, 2))
    return bool(_scalar(left, "Fn::Equals") == _scalar(right, "Fn::Equals"))


def _not(r: Resolver, arg: Any) -> bool:
    (value,) = _args("Fn::Not", arg, 1)
    return not _truth(r, value)


def _and(r: Resolver, arg: Any) -> bool:
    return all(_truth(r, v) for v in arg)


def _or(r: Resolver, arg: Any) -> bool:
    return any(_truth(r, v) for v in arg)


def _truth(r: Resolver, value: Any) -> bool:
    resolved = r.resolve(value)
    if not isinstance(resolved, bool):
        raise TemplateError(f"a condition must be a boolean, got {resolved!r}")
    return resolved


def _condition(r: Resolver, arg: Any) -> bool:
    return r.scope.condition(str(arg))


def _find_in_map(r: Resolver, arg: Any) -> Any:
    name, top, second = (r.resolve_str(v, "Fn::FindInMap") for v in _args("Fn::FindInMap", arg, 3))
    return r.scope.mapping(name, top, second)


def _base64(r: Resolver, arg: Any) -> str:
    return base64.b64encode(r.resolve_str(arg, "Fn::Base64").encode()).decode()


def _get_azs(r: Resolver, arg: Any) -> list[str]:
    region = r.resolve(arg) or r.scope.ref("AWS::Region")
    return [f"{region}{zone}" for zone in "abc"]


def _import_value(r: Resolver, arg: Any) -> Any:
    raise TemplateError(f"Fn::ImportValue {r.resolve(arg)!r}: cross-stack exports are not supported offline")


#: Intrinsic function name -> resolver.
INTRINSICS: dict[str, Intrinsic] = {
    "Ref": _ref,
    "Fn::GetAtt": _get_att,
    "Fn::Join": _join,
    "Fn::Sub": _sub,
    "Fn::Select": _select,
    "Fn::Split": _split,
    "Fn::If": _if,
    "Fn::Equals": _equals,
    "Fn::Not": _not,
    "Fn::And": _and,
    "Fn::Or": _or,
    "Condition": _condition,
    "Fn::FindInMap": _find_in_map,
    "Fn::Base64": _base64,
    "Fn::GetAZs": _get_azs,
    "Fn::ImportValue": _import_value,
}
