"""A CloudFormation template as the runner reads it: resources, parameters, conditions, outputs."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rekognition_datasets_local.runner.errors import TemplateError

if TYPE_CHECKING:
    from pathlib import Path

#: CDK's bootstrap version parameter (an SSM parameter type) resolves to this without an SSM service.
BOOTSTRAP_VERSION = "30"
_BOOTSTRAP_PARAMETER = re.compile(r"^/cdk-bootstrap/[^/]+/version$")


@dataclass(frozen=True)
class ResourceDef:
    """One entry of the template's ``Resources`` section."""

    logical_id: str
    type: str
    properties: Mapping[str, Any]
    depends_on: tuple[str, ...] = ()
    deletion_policy: str = "Delete"
    update_replace_policy: str = "Delete"
    condition: str | None = None

    @classmethod
    def from_dict(cls, logical_id: str, body: Mapping[str, Any]) -> ResourceDef:
        if not isinstance(body, Mapping) or not isinstance(body.get("Type"), str):
            raise TemplateError(f"Resources.{logical_id}: needs a Type string")
        depends = body.get("DependsOn", ())
        return cls(
            logical_id=logical_id,
            type=body["Type"],
            properties=body.get("Properties") or {},
            depends_on=(depends,) if isinstance(depends, str) else tuple(depends),
            deletion_policy=body.get("DeletionPolicy", "Delete"),
            update_replace_policy=body.get("UpdateReplacePolicy", "Delete"),
            condition=body.get("Condition"),
        )

    @property
    def retained(self) -> bool:
        """True when stack deletion (or removal from the template) must leave the resource alone."""
        return self.deletion_policy in ("Retain", "RetainExceptOnCreate")


@dataclass(frozen=True)
class Template:
    """The parts of a template the runner acts on (``Rules`` are checked by CloudFormation only; ignored here)."""

    resources: Mapping[str, ResourceDef]
    parameters: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    conditions: Mapping[str, Any] = field(default_factory=dict)
    mappings: Mapping[str, Any] = field(default_factory=dict)
    outputs: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    body: Mapping[str, Any] = field(default_factory=dict)
    #: Bytes of the body as sent to CloudFormation (None: measured as CDK writes templates, JSON indented by 1).
    size: int | None = None
    #: True when the body reaches CloudFormation by TemplateURL (uploaded to S3), False when inline (TemplateBody).
    uploaded: bool = False

    @classmethod
    def from_dict(cls, body: Mapping[str, Any], *, size: int | None = None, uploaded: bool = False) -> Template:
        resources = body.get("Resources")
        if not isinstance(resources, Mapping) or not resources:
            raise TemplateError("the template has no Resources")
        return cls(
            resources={lid: ResourceDef.from_dict(lid, r) for lid, r in resources.items()},
            parameters=body.get("Parameters") or {},
            conditions=body.get("Conditions") or {},
            mappings=body.get("Mappings") or {},
            outputs=body.get("Outputs") or {},
            body=body,
            size=size,
            uploaded=uploaded,
        )

    @classmethod
    def from_file(cls, path: Path, *, uploaded: bool = False) -> Template:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
        if path.suffix in (".yaml", ".yml"):
            from rekognition_datasets_local.runner.yaml_template import load_yaml

            return cls.from_dict(load_yaml(text), size=len(raw), uploaded=uploaded)
        return cls.from_dict(json.loads(text), size=len(raw), uploaded=uploaded)

    @property
    def size_bytes(self) -> int:
        """The body's size in bytes as CloudFormation receives it."""
        if self.size is not None:
            return self.size
        return len(json.dumps(self.body, indent=1, ensure_ascii=False).encode())

    def parameter_values(self, overrides: Mapping[str, str] | None = None) -> dict[str, Any]:
        """Each parameter's value: the override, else its default (SSM parameter types resolved as CDK's)."""
        values: dict[str, Any] = {}
        for name, spec in self.parameters.items():
            value = (overrides or {}).get(name, spec.get("Default"))
            if value is None:
                raise TemplateError(f"parameter {name} has no Default: pass a value for it")
            ptype = str(spec.get("Type", "String"))
            if ptype.startswith("AWS::SSM::Parameter::Value"):
                if not _BOOTSTRAP_PARAMETER.match(str(value)):
                    raise TemplateError(f"parameter {name}: SSM parameter {value} is not available offline")
                value = BOOTSTRAP_VERSION
            if ptype == "CommaDelimitedList" or ptype.startswith("List<"):
                value = value if isinstance(value, list) else [v.strip() for v in str(value).split(",")]
            values[name] = value
        return values
