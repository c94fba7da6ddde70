"""``Custom::*`` and ``AWS::CloudFormation::CustomResource``: send CloudFormation's requests to the ServiceToken.

A Provider-framework token runs the user's on_event/is_complete; a plain Python Lambda token (crhelper) is
invoked with a real ResponseURL and answers by PUT; a token naming another runtime's function (CDK's own
Node.js providers) cannot run offline and is recorded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rekognition_datasets_local.runner.errors import Refused, ResourceFailed
from rekognition_datasets_local.runner.resources import events, functions, plain_lambda, provider_framework
from rekognition_datasets_local.runner.resources.base import Deployment, Outcome

if TYPE_CHECKING:
    from collections.abc import Mapping

    from rekognition_datasets_local.runner.state import ResourceState


def _send(d: Deployment, event: dict[str, Any]) -> Outcome:
    function = functions.function_by_arn(d, event["ServiceToken"])
    if provider_framework.is_framework(function):
        return provider_framework.run(d, function, event)
    if str(function.properties.get("Runtime", "")).startswith("python"):
        return plain_lambda.run(d, function, event)
    d.note(event["LogicalResourceId"], f"{function.properties.get('Runtime')} provider not run offline; recorded")
    return Outcome(str(event.get("PhysicalResourceId") or event["RequestId"]))


class CustomResourceHandler:
    """Sends Create/Update/Delete requests to the resource's ServiceToken."""

    def create(self, d: Deployment, logical_id: str, resource_type: str, props: Mapping[str, Any]) -> Outcome:
        return _send(d, self._event(d, "Create", logical_id, resource_type, props))

    def update(self, d: Deployment, current: ResourceState, props: Mapping[str, Any]) -> Outcome:
        if props.get("ServiceToken") != current.properties.get("ServiceToken"):
            raise Refused("Modifying service token is not allowed.", current.physical_id)
        return _send(
            d,
            self._event(d, "Update", current.logical_id, current.type, props, current.physical_id, current.properties),
        )

    def delete(self, d: Deployment, current: ResourceState) -> None:
        event = self._event(d, "Delete", current.logical_id, current.type, current.properties, current.physical_id)
        _send(d, event)

    @staticmethod
    def _event(
        d: Deployment,
        request_type: str,
        logical_id: str,
        resource_type: str,
        props: Mapping[str, Any],
        physical_id: str | None = None,
        old_props: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        if not props.get("ServiceToken"):
            raise ResourceFailed(f"{logical_id}: ServiceToken is required", physical_id)
        return events.request(
            request_type=request_type,
            stack_id=d.stack_id,
            logical_id=logical_id,
            resource_type=resource_type,
            properties=props,
            physical_id=physical_id,
            old_properties=old_props,
        )

    def requires_replacement(self, old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
        return False

    def attribute(self, current: ResourceState, name: str) -> Any:
        raise provider_framework.attribute_error(name)
