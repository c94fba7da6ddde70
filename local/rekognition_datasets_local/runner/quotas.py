"""AWS quotas the runner enforces, refused the way CloudFormation, IAM and Lambda refuse them.

Template quotas are validation errors: CloudFormation refuses the CreateStack/UpdateStack call itself, so
``check_template`` raises before any resource is touched. IAM and Lambda quotas fail the resource whose request
IAM or Lambda refuses (``check_resource``, on the resolved properties, before the request); the custom resource
response quota fails the custom resource (``check_custom_response``). Every message starts with the service's own
text and ends naming the quota, its limit, the measured value and where it applies.

Measurement: IAM does not count whitespace, so a policy is counted as compact JSON of the resolved document
(characters); Lambda measures the variables as compact JSON (``String measured: {...}``); CloudFormation counts
bytes of the template body and of the response body.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rekognition_datasets_local.runner.errors import ResourceFailed, TemplateError

if TYPE_CHECKING:
    from rekognition_datasets_local.runner.state import ResourceState
    from rekognition_datasets_local.runner.template import Template


@dataclass(frozen=True)
class Quota:
    """One service quota: its name, limit and unit."""

    name: str
    limit: int
    unit: str

    def exceeded(self, message: str, measured: int, where: str) -> str:
        """The service's ``message`` followed by what was measured against which quota, and where."""
        return f"{message} [{self.name}: {measured:,} {self.unit}, limit {self.limit:,}; {where}]"

    def validate(self, measured: int, message: str, where: str) -> None:
        """Refuse the template (TemplateError) with :meth:`exceeded` when ``measured`` is over the limit."""
        if measured > self.limit:
            raise TemplateError(self.exceeded(message, measured, where))

    def enforce(self, measured: int, message: str, where: str, physical_id: str | None = None) -> None:
        """Fail the resource (ResourceFailed) with :meth:`exceeded` when ``measured`` is over the limit."""
        if measured > self.limit:
            raise ResourceFailed(self.exceeded(message, measured, where), physical_id)


#: A template passed by TemplateURL (what ``cdk deploy`` does with a synthesized stack).
TEMPLATE_URL_BODY = Quota("CloudFormation template body size in S3", 1_048_576, "bytes")
#: A template passed inline as TemplateBody (a plain template deployed without an S3 bucket).
TEMPLATE_BODY = Quota("CloudFormation template body size in a request", 51_200, "bytes")
RESOURCES = Quota("CloudFormation resources per template", 500, "resources")
OUTPUTS = Quota("CloudFormation outputs per template", 200, "outputs")
PARAMETERS = Quota("CloudFormation parameters per template", 200, "parameters")
MAPPINGS = Quota("CloudFormation mappings per template", 200, "mappings")
MANAGED_POLICY_SIZE = Quota("IAM managed policy size", 6_144, "characters")
ROLE_INLINE_POLICY_SIZE = Quota("IAM role inline policy size (all inline policies of the role)", 10_240, "characters")
MANAGED_POLICIES_PER_ROLE = Quota("IAM managed policies per role", 10, "policies")
CUSTOM_RESOURCE_RESPONSE = Quota("CloudFormation custom resource response size", 4_096, "bytes")
LAMBDA_ENVIRONMENT = Quota("Lambda environment variables size", 4_096, "bytes")

_ROLE = "AWS::IAM::Role"
_POLICY = "AWS::IAM::Policy"
_MANAGED_POLICY = "AWS::IAM::ManagedPolicy"
_FUNCTION = "AWS::Lambda::Function"
_WHITESPACE = re.compile(r"\s+")


# -- template (validation errors: nothing is touched) -------------------------------------------------------


def check_template(template: Template) -> None:
    """Raise TemplateError when CloudFormation would refuse the template before creating anything."""
    if template.uploaded:
        # [infer] CloudFormation's wording for a TemplateURL over the limit
        TEMPLATE_URL_BODY.validate(
            template.size_bytes,
            f"Template may not exceed {TEMPLATE_URL_BODY.limit} bytes in size.",
            "the stack's template",
        )
    else:
        TEMPLATE_BODY.validate(
            template.size_bytes,
            "1 validation error detected: Value at 'templateBody' failed to satisfy constraint: "
            f"Member must have length less than or equal to {TEMPLATE_BODY.limit}",
            "the stack's template, passed inline: upload it to S3 (TemplateURL) to get the 1 MB quota",
        )
    sections = (
        (RESOURCES, "resources", template.body.get("Resources")),
        (OUTPUTS, "outputs", template.body.get("Outputs")),
        (PARAMETERS, "parameters", template.body.get("Parameters")),
        (MAPPINGS, "mappings", template.body.get("Mappings")),
    )
    for quota, noun, section in sections:
        count = len(section) if isinstance(section, Mapping) else 0
        # [infer] the resources wording is CloudFormation's; the other sections are read as the same
        quota.validate(
            count,
            f"Template format error: Number of {noun}, {count}, is greater than maximum allowed, {quota.limit}",
            f"the template's {noun.capitalize()} section",
        )


# -- resources (the resource's request is refused) ----------------------------------------------------------


def check_resource(
    deployed: Mapping[str, ResourceState], logical_id: str, resource_type: str, props: Mapping[str, Any]
) -> None:
    """Raise ResourceFailed when IAM or Lambda would refuse creating/updating this resource with ``props``.

    ``deployed`` is the stack's current resources (to count the other policies attached to the same role).
    """
    if resource_type == _FUNCTION:
        _check_environment(logical_id, props)
    elif resource_type in (_ROLE, _POLICY, _MANAGED_POLICY):
        _check_iam(_IamView(deployed, logical_id, resource_type, props))


def _check_environment(logical_id: str, props: Mapping[str, Any]) -> None:
    variables = (props.get("Environment") or {}).get("Variables") or {}
    measured = json.dumps({str(k): str(v) for k, v in variables.items()}, separators=(",", ":"), ensure_ascii=False)
    LAMBDA_ENVIRONMENT.enforce(
        len(measured.encode()),
        "Lambda was unable to configure your environment variables because the environment variables "
        "you have provided exceeded the 4KB limit.",
        f"Environment.Variables of function {logical_id}",
    )


def policy_size(document: Any) -> int:
    """A policy document's size as IAM counts it: characters of its JSON, whitespace excluded."""
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            return len(_WHITESPACE.sub("", document))
    # [infer] whitespace inside strings (rare in policies) is counted: the reading that fails safe
    return len(json.dumps(document, separators=(",", ":"), ensure_ascii=False))


@dataclass(frozen=True)
class _Iam:
    """One IAM resource of the stack, as it is or as it is about to be."""

    logical_id: str
    type: str
    physical_id: str | None
    props: Mapping[str, Any]

    def roles(self) -> list[str]:
        return [str(r) for r in self.props.get("Roles") or []]


class _IamView:
    """The stack's IAM resources with the pending one in place of its deployed version."""

    def __init__(
        self, deployed: Mapping[str, ResourceState], logical_id: str, resource_type: str, props: Mapping[str, Any]
    ) -> None:
        previous = deployed.get(logical_id)
        self.pending = _Iam(logical_id, resource_type, previous.physical_id if previous else None, props)
        self.others = [
            _Iam(r.logical_id, r.type, r.physical_id, r.properties)
            for r in list(deployed.values())
            if r.logical_id != logical_id and r.type in (_ROLE, _POLICY, _MANAGED_POLICY)
        ]

    def everything(self) -> list[_Iam]:
        return [*self.others, self.pending]

    def role(self, name: str) -> _Iam | None:
        return next((r for r in self.everything() if r.type == _ROLE and self.role_name(r) == name), None)

    def role_name(self, role: _Iam) -> str | None:
        return str(role.props.get("RoleName") or role.physical_id or "") or None

    def attached(self, resource_type: str, name: str | None) -> list[_Iam]:
        """The policies of ``resource_type`` whose ``Roles`` name the role."""
        return [p for p in self.everything() if p.type == resource_type and name is not None and name in p.roles()]

    def inline_size(self, role: _Iam | None, name: str | None) -> int:
        own = sum(policy_size(p.get("PolicyDocument")) for p in (role.props.get("Policies") or [])) if role else 0
        return own + sum(policy_size(p.props.get("PolicyDocument")) for p in self.attached(_POLICY, name))

    def managed_count(self, role: _Iam | None, name: str | None) -> int:
        arns = {str(a) for a in (role.props.get("ManagedPolicyArns") or [])} if role else set()
        attached = self.attached(_MANAGED_POLICY, name)
        return len(arns | {p.physical_id or f"pending:{p.logical_id}" for p in attached})


def _check_iam(view: _IamView) -> None:
    pending = view.pending
    if pending.type == _MANAGED_POLICY:
        MANAGED_POLICY_SIZE.enforce(
            policy_size(pending.props.get("PolicyDocument")),
            f"Cannot exceed quota for PolicySize: {MANAGED_POLICY_SIZE.limit} (Service: Iam, Status Code: 409)",
            f"PolicyDocument of managed policy {pending.logical_id}",
        )
    for name, role in _roles_concerned(view):
        label = name or pending.logical_id
        if pending.type in (_ROLE, _POLICY):
            ROLE_INLINE_POLICY_SIZE.enforce(
                view.inline_size(role, name),
                # [infer] IAM's LimitExceeded wording for PutRolePolicy
                f"Maximum policy size of {ROLE_INLINE_POLICY_SIZE.limit} bytes exceeded for role {label} "
                "(Service: Iam, Status Code: 409)",
                f"inline policies of role {label} (Role.Policies and AWS::IAM::Policy on it)",
            )
        if pending.type in (_ROLE, _MANAGED_POLICY):
            MANAGED_POLICIES_PER_ROLE.enforce(
                view.managed_count(role, name),
                f"Cannot exceed quota for PoliciesPerRole: {MANAGED_POLICIES_PER_ROLE.limit} "
                "(Service: Iam, Status Code: 409)",
                f"managed policies of role {label} (ManagedPolicyArns and AWS::IAM::ManagedPolicy Roles)",
            )


def _roles_concerned(view: _IamView) -> Iterable[tuple[str | None, _Iam | None]]:
    """(role name, the role's resource if in this stack) for every role the pending resource affects."""
    pending = view.pending
    if pending.type == _ROLE:
        return [(view.role_name(pending), pending)]
    return [(name, view.role(name)) for name in pending.roles()]


# -- custom resource responses ------------------------------------------------------------------------------


def check_custom_response(body: bytes, logical_id: str, physical_id: str | None) -> None:
    """Raise ResourceFailed when the response body a custom resource sent CloudFormation is over 4,096 bytes."""
    CUSTOM_RESOURCE_RESPONSE.enforce(
        len(body), "Response object is too long.", f"the response for custom resource {logical_id}", physical_id
    )
