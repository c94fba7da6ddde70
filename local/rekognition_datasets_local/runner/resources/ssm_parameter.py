"""``AWS::SSM::Parameter``: a real parameter in the emulator's SSM (moto), e.g. CDK's bootstrap version."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from rekognition_datasets_local.runner.errors import ResourceFailed
from rekognition_datasets_local.runner.resources.base import Deployment, Outcome, missing_attribute

if TYPE_CHECKING:
    from collections.abc import Mapping

    from rekognition_datasets_local.runner.state import ResourceState

#: Properties whose change replaces the parameter (``Name``); the others update it in place.
_REPLACING = ("Name",)


class SsmParameterHandler:
    """Puts, overwrites and deletes the parameter; ``Fn::GetAtt`` gives ``Type`` and ``Value``."""

    def create(self, d: Deployment, logical_id: str, resource_type: str, props: Mapping[str, Any]) -> Outcome:
        name = props.get("Name")
        if not isinstance(name, str):
            name = "CFN-" + d.generated_name(logical_id, 2048)
        self._put(d, name, props, overwrite=False)
        return Outcome(name, {"Type": props.get("Type"), "Value": props.get("Value")})

    def update(self, d: Deployment, current: ResourceState, props: Mapping[str, Any]) -> Outcome:
        self._put(d, current.physical_id, props, overwrite=True)
        return Outcome(current.physical_id, {"Type": props.get("Type"), "Value": props.get("Value")})

    def delete(self, d: Deployment, current: ResourceState) -> None:
        ssm = d.clients.ssm()
        try:
            ssm.delete_parameter(Name=current.physical_id)
        except ssm.exceptions.ParameterNotFound:
            return
        except (ClientError, BotoCoreError) as exc:
            raise ResourceFailed(f"SSM DeleteParameter {current.physical_id}: {exc}") from exc

    def requires_replacement(self, old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
        return any(old.get(p) != new.get(p) for p in _REPLACING)

    def attribute(self, current: ResourceState, name: str) -> Any:
        raise missing_attribute(current, name)

    @staticmethod
    def _put(d: Deployment, name: str, props: Mapping[str, Any], *, overwrite: bool) -> None:
        for required in ("Type", "Value"):
            if not isinstance(props.get(required), str):
                raise ResourceFailed(f"Properties validation failed: required key [{required}] not found")
        extra = {k: props[k] for k in ("Description", "AllowedPattern", "Tier", "DataType") if k in props}
        try:
            d.clients.ssm().put_parameter(
                Name=name, Value=props["Value"], Type=props["Type"], Overwrite=overwrite, **extra
            )
        except (ClientError, BotoCoreError) as exc:
            raise ResourceFailed(f"SSM PutParameter {name}: {exc}") from exc
