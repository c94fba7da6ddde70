"""``ModelServing``: run a model version with inference units (``Custom::RekognitionModelServing``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import aws_cdk as cdk
from constructs import Construct

from rekognition_datasets.errors import ValidationError
from rekognition_datasets.provider import DatasetProvider
from rekognition_datasets_handler import model_schema

if TYPE_CHECKING:
    from rekognition_datasets.model import Model


class ModelServing(Construct):
    """Starts ``model``'s version once its evaluation passed (and waits until it runs); stops it on removal.

    A retrained version is a replacement: the new version starts, then the cleanup stops the old one. New units
    stop and restart the same version. A running model bills every hour, idle or not: ``auto_stop_after`` puts a
    one-time EventBridge Scheduler schedule that stops it (a redeploy that changes nothing does not restart it).

    :param model: the model whose version to serve.
    :param min_inference_units: inference units to start with (at least 1). Default: 1.
    :param max_inference_units: the autoscaling ceiling (at least ``min_inference_units``). Default: no
        autoscaling.
    :param auto_stop_after: stop the version this long after it started (whole minutes). Default: never.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        model: Model,
        min_inference_units: int = 1,
        max_inference_units: int | None = None,
        auto_stop_after: cdk.Duration | None = None,
    ) -> None:
        super().__init__(scope, id)
        minutes = _check_serving_arguments(self, min_inference_units, max_inference_units, auto_stop_after)
        provider = DatasetProvider.of(self)
        properties: model_schema.ModelServingProperties = {
            "ProjectVersionArn": model.version_arn,
            "ProjectArn": model.project.project_arn,
            "MinInferenceUnits": str(min_inference_units),
        }
        if max_inference_units is not None:
            properties["MaxInferenceUnits"] = str(max_inference_units)
        if minutes is not None:
            role = provider._auto_stop_role_for(model.project.model_version_arn_pattern)
            properties["AutoStopAfterMinutes"] = str(minutes)
            properties["SchedulerRoleArn"] = role.role_arn
        self._resource = cdk.CustomResource(
            self,
            "Resource",
            service_token=provider.service_token,
            resource_type=model_schema.MODEL_SERVING_RESOURCE_TYPE,
            properties=properties,
            service_timeout=provider.service_timeout,
        )
        self._resource.node.add_dependency(model.evaluation)

    @property
    def resource(self) -> cdk.CustomResource:
        """The ``Custom::RekognitionModelServing`` resource."""
        return self._resource

    @property
    def auto_stop_at(self) -> str:
        """When the auto-stop schedule stops the version (UTC, ``yyyy-mm-ddThh:mm:ss``; only with
        ``auto_stop_after``)."""
        return self._resource.get_att_string(model_schema.ATTR_AUTO_STOP_AT)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_serving_arguments(
    scope: Construct, min_units: int, max_units: int | None, auto_stop_after: cdk.Duration | None
) -> int | None:
    """Fail on a wrong prop, naming it; returns the auto-stop delay in minutes."""
    if not _is_int(min_units) or min_units < 1:
        raise ValidationError(scope, f"min_inference_units must be an integer >= 1 (got {min_units!r})")
    if max_units is not None and (not _is_int(max_units) or max_units < min_units):
        raise ValidationError(
            scope, f"max_inference_units must be an integer >= min_inference_units ({min_units}) (got {max_units!r})"
        )
    if auto_stop_after is None:
        return None
    seconds = auto_stop_after.to_seconds()
    if seconds < 60 or seconds % 60:
        raise ValidationError(scope, f"auto_stop_after must be a whole number of minutes, at least 1 (got {seconds} s)")
    return int(seconds // 60)
