"""The resolution scope of one stack operation: pseudo parameters, parameters, conditions and live resources."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rekognition_datasets_local.runner.errors import TemplateError
from rekognition_datasets_local.runner.intrinsics import NO_VALUE, Resolver
from rekognition_datasets_local.runner.resources import handler_for

if TYPE_CHECKING:
    from collections.abc import Mapping

    from rekognition_datasets_local.runner.state import ResourceState
    from rekognition_datasets_local.runner.template import Template


class StackScope:
    """Implements :class:`rekognition_datasets_local.runner.intrinsics.Scope` over a stack's current resources."""

    def __init__(
        self,
        template: Template,
        *,
        stack_name: str,
        stack_id: str,
        account: str,
        region: str,
        parameters: Mapping[str, Any],
        resources: Mapping[str, ResourceState],
    ) -> None:
        self._template = template
        self._resources = resources
        self._parameters = parameters
        self._conditions: dict[str, bool] = {}
        self._pseudo: dict[str, Any] = {
            "AWS::AccountId": account,
            "AWS::Region": region,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": stack_name,
            "AWS::StackId": stack_id,
            "AWS::NotificationARNs": [],
            "AWS::NoValue": NO_VALUE,
        }
        self.resolver = Resolver(self)

    def ref(self, name: str) -> Any:
        if name in self._pseudo:
            return self._pseudo[name]
        if name in self._parameters:
            return self._parameters[name]
        if name in self._resources:
            return self._resources[name].physical_id
        if name in self._template.resources:
            raise TemplateError(f"Ref {name}: the resource is not deployed (yet)")
        raise TemplateError(f"Ref {name}: no such parameter, pseudo parameter or resource")

    def get_att(self, logical_id: str, attribute: str) -> Any:
        resource = self._resources.get(logical_id)
        if resource is None:
            raise TemplateError(f"Fn::GetAtt {logical_id}.{attribute}: no such deployed resource")
        if attribute in resource.attributes:
            return resource.attributes[attribute]
        return handler_for(resource.type).attribute(resource, attribute)

    def condition(self, name: str) -> bool:
        if name not in self._conditions:
            if name not in self._template.conditions:
                raise TemplateError(f"condition {name} is not defined")
            value = self.resolver.resolve(self._template.conditions[name])
            if not isinstance(value, bool):
                raise TemplateError(f"condition {name} does not resolve to a boolean")
            self._conditions[name] = value
        return self._conditions[name]

    def mapping(self, name: str, top: str, second: str) -> Any:
        try:
            return self._template.mappings[name][top][second]
        except KeyError as exc:
            raise TemplateError(f"Fn::FindInMap: {name}/{top}/{second} is not in the Mappings") from exc

    def included(self, logical_id: str) -> bool:
        """False for resources whose Condition is false."""
        condition = self._template.resources[logical_id].condition
        return condition is None or self.condition(condition)
