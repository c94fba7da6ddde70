"""cdk-nag (v3) acknowledgements for what this library creates, each with its reason.

cdk-nag reports one finding per wildcard resource, named after the resource flattened the way its
``flattenCfnReference`` does (``Fn::GetAtt`` -> ``<Logical.Attr>``, ``Ref`` -> ``<Logical>``, joins
concatenated). ``resource_finding`` computes that name so the library can acknowledge exactly the findings it
causes, and nothing else.
"""

from __future__ import annotations

import json
from typing import Any

import aws_cdk as cdk

_PACK = "AwsSolutions"


def _flatten(node: Any) -> str:
    if node is None:
        return ""
    if isinstance(node, str):
        return node.replace("${", "<").replace("}", ">")
    if isinstance(node, dict) and len(node) == 1:
        ((key, value),) = node.items()
        if key == "Fn::Join":
            delimiter, items = value
            return str(delimiter).join(_flatten(item) for item in items)
        if key in ("Fn::Sub", "Fn::ImportValue"):
            return _flatten(value)
        if key == "Fn::GetAtt":
            return f"<{_flatten(value[0])}.{_flatten(value[1])}>"
        if key == "Ref":
            return f"<{_flatten(value)}>"
    return json.dumps(node, separators=(",", ":"))


def resource_finding(resolved: Any) -> str:
    """The IAM5 finding id for a wildcard resource, given in its resolved form (``Stack.resolve``)."""
    return f"{_PACK}-IAM5[Resource::{_flatten(resolved)}]"


def acknowledge(validations: cdk.Validations, finding: str, reason: str) -> None:
    """Acknowledge ``finding`` (e.g. ``AwsSolutions-SF1``) where ``validations`` (``Validations.of(scope)``) applies."""
    validations.acknowledge(cdk.Acknowledgment(id=f"{_PACK}::{finding}", reason=reason))
