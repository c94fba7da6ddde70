"""Resource types with nothing to emulate (IAM, Lambda, Step Functions, logs, policies, CDK metadata...).

They are accepted and recorded: the physical id is the declared name or a CloudFormation-style generated one,
and ``Ref``/``Fn::GetAtt`` give plausible values so the rest of the template resolves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rekognition_datasets_local.runner.resources.base import Deployment, Outcome

if TYPE_CHECKING:
    from collections.abc import Mapping

    from rekognition_datasets_local.runner.state import ResourceState

#: Type -> property holding the physical name (a change replaces the resource).
_NAME_PROPERTY = {
    "AWS::Lambda::Function": "FunctionName",
    "AWS::IAM::Role": "RoleName",
    "AWS::IAM::Policy": "PolicyName",
    "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
    "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::StepFunctions::StateMachine": "StateMachineName",
    "AWS::Events::Rule": "Name",
    "AWS::SQS::Queue": "QueueName",
    "AWS::SNS::Topic": "TopicName",
}
#: Type -> ARN template ({n} = name) for ``Fn::GetAtt X.Arn`` (and ``Ref`` where Ref is the ARN).
_ARN = {
    "AWS::Lambda::Function": ("lambda", "function:{n}", True),
    "AWS::IAM::Role": ("iam", "role/{n}", False),
    "AWS::IAM::ManagedPolicy": ("iam", "policy/{n}", False),
    "AWS::Logs::LogGroup": ("logs", "log-group:{n}:*", True),
    "AWS::StepFunctions::StateMachine": ("states", "stateMachine:{n}", True),
    "AWS::Events::Rule": ("events", "rule/{n}", True),
    "AWS::SQS::Queue": ("sqs", "{n}", True),
    "AWS::SNS::Topic": ("sns", "{n}", True),
}
_REF_IS_ARN = frozenset({"AWS::StepFunctions::StateMachine", "AWS::SNS::Topic", "AWS::IAM::ManagedPolicy"})
_MAX_NAME = {
    "AWS::Lambda::Function": 64,
    "AWS::IAM::Role": 64,
    "AWS::StepFunctions::StateMachine": 80,
}


def _arn(d: Deployment, resource_type: str, name: str) -> str:
    service, resource, regional = _ARN.get(resource_type, (_service(resource_type), "{n}", True))
    return d.arn(service, resource.format(n=name), regional=regional)


def _service(resource_type: str) -> str:
    parts = resource_type.split("::")
    return parts[1].lower() if len(parts) > 1 else "cloudformation"


class RecordedHandler:
    """Records the resource without calling any service."""

    def create(self, d: Deployment, logical_id: str, resource_type: str, props: Mapping[str, Any]) -> Outcome:
        name_property = _NAME_PROPERTY.get(resource_type)
        name = props.get(name_property) if name_property else None
        if not isinstance(name, str):
            name = d.generated_name(logical_id, _MAX_NAME.get(resource_type, 128))
        arn = _arn(d, resource_type, name)
        physical_id = arn if resource_type in _REF_IS_ARN else name
        attributes: dict[str, Any] = {"Arn": arn}
        if resource_type == "AWS::StepFunctions::StateMachine":
            attributes["Name"] = name
        if resource_type == "AWS::IAM::Role":
            attributes["RoleId"] = "AROA" + name.upper().replace("-", "")[:17]
        return Outcome(physical_id, attributes)

    def update(self, d: Deployment, current: ResourceState, props: Mapping[str, Any]) -> Outcome:
        return Outcome(current.physical_id, current.attributes)

    def delete(self, d: Deployment, current: ResourceState) -> None:
        return None

    def requires_replacement(self, old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
        return any(old.get(p) != new.get(p) for p in _NAME_PROPERTY.values() if p in old or p in new)

    def attribute(self, current: ResourceState, name: str) -> Any:
        return f"{current.physical_id}.{name}"
