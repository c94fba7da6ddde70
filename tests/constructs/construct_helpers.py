"""Helpers for the construct tests: one App and Stack per test, templates and annotations to assert on."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import aws_cdk as cdk

if TYPE_CHECKING:
    from aws_cdk.assertions import Template

#: Skip the (slow) built-in CloudFormation validation plugin in unit tests; test_nag/test_cfn_lint keep it.
FAST_APP: dict[str, Any] = {"builtin_cloud_formation_validation": False}
ENV = cdk.Environment(account="123456789012", region="us-east-1")


def new_stack(context: dict[str, Any] | None = None, *, env: cdk.Environment | None = ENV) -> cdk.Stack:
    """A fresh App + Stack (fixed dummy environment, so ARNs show account and region)."""
    app = cdk.App(context=context, **FAST_APP)
    return cdk.Stack(app, "Test", env=env)


def statements(template: Template) -> list[dict[str, Any]]:
    """Every IAM statement of every AWS::IAM::Policy in the template."""
    found: list[dict[str, Any]] = []
    for policy in template.find_resources("AWS::IAM::Policy").values():
        found.extend(policy["Properties"]["PolicyDocument"]["Statement"])
    return found


def statements_with(template: Template, action: str) -> list[dict[str, Any]]:
    """The IAM statements that allow ``action``."""
    result = []
    for statement in statements(template):
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        if action in actions:
            result.append(statement)
    return result


def resources_of(statement: dict[str, Any]) -> list[Any]:
    """A statement's resources as a list."""
    resource = statement["Resource"]
    return resource if isinstance(resource, list) else [resource]


def dumps(value: Any) -> str:
    """Compact JSON (to search rendered intrinsics)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def resource_properties(template: Template, resource_type: str) -> list[dict[str, Any]]:
    """The Properties of every resource of a type, in template order."""
    return [r["Properties"] for r in template.find_resources(resource_type).values()]


def classification_line(bucket: str, key: str, label: str) -> str:
    """A valid image-level classification JSON line."""
    return json.dumps(
        {
            "source-ref": f"s3://{bucket}/{key}",
            label: 1,
            f"{label}-metadata": {
                "confidence": 1,
                "job-name": f"labeling-job/{label}",
                "class-name": label,
                "human-annotated": "yes",
                "creation-date": "2024-01-01T00:00:00.000Z",
                "type": "groundtruth/image-classification",
            },
        }
    )


def valid_lines(bucket: str = "example-images-bucket", prefix: str = "images/", count: int = 6) -> list[str]:
    """``count`` lines over two labels, images under ``prefix`` in ``bucket``."""
    return [
        classification_line(bucket, f"{prefix}{label}/{i}.png", label)
        for i in range(count // 2)
        for label in ("cat", "dog")
    ]
