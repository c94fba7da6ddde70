"""The model (ProjectVersion) operations: read the (validated) parameters, call the model backend, shape the reply."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rekognition_datasets_local.emulator.pagination import paged

if TYPE_CHECKING:
    from rekognition_datasets_local.emulator.model_backend import ModelBackend

#: The model operations the emulator serves.
MODEL_OPERATIONS = frozenset(
    {
        "CreateProjectVersion",
        "DescribeProjectVersions",
        "StartProjectVersion",
        "StopProjectVersion",
        "DeleteProjectVersion",
        "DetectCustomLabels",
    }
)


class ModelResponse:
    """One method per model operation."""

    def __init__(self, models: ModelBackend) -> None:
        self.models = models

    def create_project_version(self, params: dict[str, Any]) -> dict[str, Any]:
        arn = self.models.create_project_version(params["ProjectArn"], params["VersionName"], params)
        return {"ProjectVersionArn": arn}

    def describe_project_versions(self, params: dict[str, Any]) -> dict[str, Any]:
        versions = self.models.describe_project_versions(params["ProjectArn"], params.get("VersionNames"))
        return paged("ProjectVersionDescriptions", versions, params)

    def start_project_version(self, params: dict[str, Any]) -> dict[str, Any]:
        status = self.models.start_project_version(
            params["ProjectVersionArn"], params["MinInferenceUnits"], params.get("MaxInferenceUnits")
        )
        return {"Status": status}

    def stop_project_version(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"Status": self.models.stop_project_version(params["ProjectVersionArn"])}

    def delete_project_version(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"Status": self.models.delete_project_version(params["ProjectVersionArn"])}

    def detect_custom_labels(self, params: dict[str, Any]) -> dict[str, Any]:
        labels = self.models.detect_custom_labels(
            params["ProjectVersionArn"], params["Image"], params.get("MinConfidence"), params.get("MaxResults")
        )
        return {"CustomLabels": labels}
