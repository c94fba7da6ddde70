"""One handler per resource type; ``handler_for`` picks it."""

from __future__ import annotations

from rekognition_datasets_local.runner.resources.base import ResourceHandler
from rekognition_datasets_local.runner.resources.custom import CustomResourceHandler
from rekognition_datasets_local.runner.resources.lambda_function import LambdaFunctionHandler
from rekognition_datasets_local.runner.resources.project import ProjectHandler
from rekognition_datasets_local.runner.resources.recorded import RecordedHandler
from rekognition_datasets_local.runner.resources.ssm_parameter import SsmParameterHandler

PROJECT_TYPE = "AWS::Rekognition::Project"

_PROJECT = ProjectHandler()
_CUSTOM = CustomResourceHandler()
_RECORDED = RecordedHandler()
_FUNCTION = LambdaFunctionHandler()
_SSM_PARAMETER = SsmParameterHandler()


def is_custom(resource_type: str) -> bool:
    return resource_type.startswith("Custom::") or resource_type == "AWS::CloudFormation::CustomResource"


def handler_for(resource_type: str) -> ResourceHandler:
    """The handler of a resource type (types with nothing to emulate are recorded)."""
    if resource_type == PROJECT_TYPE:
        return _PROJECT
    if is_custom(resource_type):
        return _CUSTOM
    if resource_type == "AWS::Lambda::Function":
        return _FUNCTION
    if resource_type == "AWS::SSM::Parameter":
        return _SSM_PARAMETER
    return _RECORDED


__all__ = ["PROJECT_TYPE", "ResourceHandler", "handler_for", "is_custom"]
