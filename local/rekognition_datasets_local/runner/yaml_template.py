"""Load YAML templates, turning CloudFormation's short-form tags (``!Ref``, ``!GetAtt``...) into long form."""

from __future__ import annotations

from typing import Any

import yaml  # type: ignore[import-untyped]

from rekognition_datasets_local.runner.errors import TemplateError


class _CfnLoader(yaml.SafeLoader):  # type: ignore[misc]
    """SafeLoader that knows the ``!Tag`` shorthands."""


def _construct(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = tag_suffix if tag_suffix in ("Ref", "Condition") else f"Fn::{tag_suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if name == "Fn::GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


_CfnLoader.add_multi_constructor("!", _construct)


def load_yaml(text: str) -> dict[str, Any]:
    """Parse a YAML CloudFormation template into the JSON form."""
    try:
        body = yaml.load(text, Loader=_CfnLoader)
    except yaml.YAMLError as exc:
        raise TemplateError(f"the template is not valid YAML: {exc}") from exc
    if not isinstance(body, dict):
        raise TemplateError("the template must be a mapping")
    return body
