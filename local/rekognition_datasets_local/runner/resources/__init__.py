"""One handler per resource type; ``handler_for`` picks it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rekognition_datasets_local.runner.resources.base import ResourceHandler
from rekognition_datasets_local.runner.resources.bucket import (
    AUTO_DELETE_TYPE,
    BUCKET_TYPE,
    AutoDeleteObjectsHandler,
    BucketHandler,
)
from rekognition_datasets_local.runner.resources.bucket_deployment import DEPLOYMENT_TYPE, BucketDeploymentHandler
from rekognition_datasets_local.runner.resources.custom import CustomResourceHandler
from rekognition_datasets_local.runner.resources.lambda_function import LambdaFunctionHandler
from rekognition_datasets_local.runner.resources.project import ProjectHandler
from rekognition_datasets_local.runner.resources.recorded import RecordedHandler
from rekognition_datasets_local.runner.resources.ssm_parameter import SsmParameterHandler
from rekognition_datasets_local.runner.resources.wait_condition import (
    CONDITION_TYPE,
    HANDLE_TYPE,
    WaitConditionHandleHandler,
    WaitConditionHandler,
)

PROJECT_TYPE = "AWS::Rekognition::Project"

_PROJECT = ProjectHandler()
_CUSTOM = CustomResourceHandler()
_RECORDED = RecordedHandler()
_FUNCTION = LambdaFunctionHandler()
#: Types emulated natively, checked before the generic custom-resource path (CDK's own Node.js/CLI providers).
_NATIVE: dict[str, ResourceHandler] = {
    BUCKET_TYPE: BucketHandler(),
    AUTO_DELETE_TYPE: AutoDeleteObjectsHandler(),
    DEPLOYMENT_TYPE: BucketDeploymentHandler(),
    "AWS::SSM::Parameter": SsmParameterHandler(),
    HANDLE_TYPE: WaitConditionHandleHandler(),
    CONDITION_TYPE: WaitConditionHandler(),
}

if TYPE_CHECKING:
    from collections.abc import Mapping

    from rekognition_datasets_local.runner.resources.base import Deployment


def is_custom(resource_type: str) -> bool:
    return resource_type.startswith("Custom::") or resource_type == "AWS::CloudFormation::CustomResource"


def handler_for(resource_type: str) -> ResourceHandler:
    """The handler of a resource type (types with nothing to emulate are recorded)."""
    if resource_type == PROJECT_TYPE:
        return _PROJECT
    if resource_type in _NATIVE:
        return _NATIVE[resource_type]
    if is_custom(resource_type):
        return _CUSTOM
    if resource_type == "AWS::Lambda::Function":
        return _FUNCTION
    return _RECORDED


def claimed_id(d: Deployment, resource_type: str, props: Mapping[str, Any]) -> str | None:
    """The physical id a create about to be sent will hold, when it is provably this create's (a free name)."""
    return _PROJECT.free_name(d, props) if resource_type == PROJECT_TYPE else None


__all__ = ["PROJECT_TYPE", "ResourceHandler", "claimed_id", "handler_for", "is_custom"]
