"""What a resource handler is given (the deployment) and what it returns (the outcome)."""

from __future__ import annotations

import random
import string
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from rekognition_datasets_local.runner.errors import Cancelled, ResourceFailed

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from pathlib import Path

    from rekognition_datasets_local.runner.cfn_response import ResponseReceiver
    from rekognition_datasets_local.runner.clients import Clients
    from rekognition_datasets_local.runner.lambda_host import LambdaHost
    from rekognition_datasets_local.runner.state import ResourceState


@dataclass(frozen=True)
class RunnerConfig:
    """Knobs of a run. ``interval_factor`` scales every wait (provider query interval, service polls)."""

    interval_factor: float = 1.0
    #: Seconds between service polls for native resources (before scaling).
    poll_seconds: float = 1.0
    #: Times Lambda re-delivers an asynchronous event after the function's runtime died (Lambda's default: 2).
    redeliveries: int = 2


@dataclass(frozen=True)
class Outcome:
    """The result of a create or update: the physical id and the attributes ``Fn::GetAtt`` reads."""

    physical_id: str
    attributes: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class Deployment:
    """Everything a handler needs about the stack operation in progress."""

    stack_name: str
    stack_id: str
    account: str
    region: str
    clients: Clients
    host: LambdaHost
    code_cache: Path
    config: RunnerConfig
    resources: Mapping[str, ResourceState]
    note: Callable[[str, str], None]
    response_receiver: Callable[[], ResponseReceiver]
    cancel: threading.Event = field(default_factory=threading.Event)

    def wait(self, seconds: float) -> None:
        """Sleep ``seconds`` scaled by the interval factor; raises Cancelled if the operation was abandoned."""
        self.sleep(seconds * self.config.interval_factor)

    def sleep(self, seconds: float) -> None:
        """Sleep exactly ``seconds``; raises Cancelled if the operation was abandoned meanwhile."""
        if self.cancel.wait(seconds):
            raise Cancelled()

    def check_cancelled(self) -> None:
        if self.cancel.is_set():
            raise Cancelled()

    def generated_name(self, logical_id: str, max_length: int = 64, lower: bool = False) -> str:
        """A CloudFormation-style generated physical name: ``<stack>-<logicalId>-<RANDOMSUFFIX>``."""
        alphabet = string.ascii_lowercase + string.digits if lower else string.ascii_uppercase + string.digits
        suffix = "".join(random.choices(alphabet, k=12))
        head = f"{self.stack_name}-{logical_id}"[: max_length - 13]
        name = f"{head}-{suffix}"
        return name.lower() if lower else name

    def arn(self, service: str, resource: str, *, regional: bool = True, account: bool = True) -> str:
        return f"arn:aws:{service}:{self.region if regional else ''}:{self.account if account else ''}:{resource}"

    def resource_by_attribute(self, attribute: str, value: str) -> ResourceState | None:
        """The deployed resource whose attribute (or physical id, for ``Ref``) equals ``value``."""
        for resource in list(self.resources.values()):
            if resource.attributes.get(attribute) == value or (attribute == "Ref" and resource.physical_id == value):
                return resource
        return None


class ResourceHandler(Protocol):
    """Creates, updates and deletes one resource type."""

    def create(self, d: Deployment, logical_id: str, resource_type: str, props: Mapping[str, Any]) -> Outcome:
        """Create the resource; raise ResourceFailed with the reason on failure."""

    def update(self, d: Deployment, current: ResourceState, props: Mapping[str, Any]) -> Outcome:
        """Update in place (a different physical id in the outcome means the handler replaced it)."""

    def delete(self, d: Deployment, current: ResourceState) -> None:
        """Delete the resource; succeed when it is already gone."""

    def requires_replacement(self, old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
        """True when CloudFormation would replace (create new, delete old in cleanup) rather than update."""

    def attribute(self, current: ResourceState, name: str) -> Any:
        """``Fn::GetAtt`` for attributes not stored at create/update time; raise ResourceFailed if unknown."""


def missing_attribute(current: ResourceState, name: str) -> ResourceFailed:
    return ResourceFailed(f"Template error: resource {current.logical_id} does not support attribute {name}")
