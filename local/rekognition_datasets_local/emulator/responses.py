"""One method per operation: read the (validated) parameters, call the backend, shape the JSON reply."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rekognition_datasets_local.emulator import content
from rekognition_datasets_local.emulator.exceptions import UnknownOperationException
from rekognition_datasets_local.emulator.model_responses import MODEL_OPERATIONS, ModelResponse
from rekognition_datasets_local.emulator.pagination import paged, paginate

if TYPE_CHECKING:
    from rekognition_datasets_local.emulator.backend import RekognitionBackend

Handler = Callable[[dict[str, Any]], dict[str, Any]]

#: The dataset operations the emulator serves.
DATASET_OPERATIONS = frozenset(
    {
        "CreateProject",
        "DescribeProjects",
        "DeleteProject",
        "CreateDataset",
        "DescribeDataset",
        "UpdateDatasetEntries",
        "DeleteDataset",
        "DistributeDatasetEntries",
        "ListDatasetEntries",
        "ListDatasetLabels",
        "TagResource",
        "UntagResource",
        "ListTagsForResource",
    }
)
#: The operations the emulator serves; any other Rekognition operation is an UnknownOperationException.
OPERATIONS = DATASET_OPERATIONS | MODEL_OPERATIONS


def _snake(operation: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", operation).lower()


class RekognitionResponse:
    """The emulated operations over one backend: the dataset API here, the model API in ``ModelResponse``."""

    def __init__(self, backend: RekognitionBackend) -> None:
        self.backend = backend
        self.models = ModelResponse(backend.models)

    def handler(self, operation: str) -> Handler:
        if operation not in OPERATIONS:
            raise UnknownOperationException(f"Operation {operation} is not supported by this emulator.")
        method: Handler = getattr(self.models if operation in MODEL_OPERATIONS else self, _snake(operation))
        return method

    def create_project(self, params: dict[str, Any]) -> dict[str, Any]:
        arn = self.backend.create_project(
            params["ProjectName"], params.get("Feature"), params.get("AutoUpdate"), params.get("Tags", {})
        )
        return {"ProjectArn": arn}

    def describe_projects(self, params: dict[str, Any]) -> dict[str, Any]:
        projects = self.backend.describe_projects(params.get("ProjectNames"), params.get("Features"))
        return paged("ProjectDescriptions", projects, params)

    def delete_project(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"Status": self.backend.delete_project(params["ProjectArn"])}

    def create_dataset(self, params: dict[str, Any]) -> dict[str, Any]:
        arn = self.backend.create_dataset(
            params["ProjectArn"], params["DatasetType"], params.get("DatasetSource"), params.get("Tags", {})
        )
        return {"DatasetArn": arn}

    def describe_dataset(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"DatasetDescription": self.backend.describe_dataset(params["DatasetArn"])}

    def update_dataset_entries(self, params: dict[str, Any]) -> dict[str, Any]:
        self.backend.update_dataset_entries(params["DatasetArn"], params["Changes"]["GroundTruth"])
        return {}

    def delete_dataset(self, params: dict[str, Any]) -> dict[str, Any]:
        self.backend.delete_dataset(params["DatasetArn"])
        return {}

    def distribute_dataset_entries(self, params: dict[str, Any]) -> dict[str, Any]:
        self.backend.distribute_dataset_entries([d["Arn"] for d in params["Datasets"]])
        return {}

    def list_dataset_entries(self, params: dict[str, Any]) -> dict[str, Any]:
        wanted = content.EntryFilter(
            frozenset(params.get("ContainsLabels", ())),
            params.get("Labeled"),
            params.get("HasErrors"),
            params.get("SourceRefContains"),
        )
        page, token = paginate(self.backend.list_entries(params["DatasetArn"], wanted), params)
        return _with_token({"DatasetEntries": [content.render(e) for e in page]}, token)

    def list_dataset_labels(self, params: dict[str, Any]) -> dict[str, Any]:
        labels = self.backend.list_labels(params["DatasetArn"])
        page, token = paginate(labels, params)
        descriptions = [
            {"LabelName": name, "LabelStats": _label_stats(entries, boxes)} for name, entries, boxes in page
        ]
        return _with_token({"DatasetLabelDescriptions": descriptions}, token)

    def tag_resource(self, params: dict[str, Any]) -> dict[str, Any]:
        self.backend.tag_resource(params["ResourceArn"], params["Tags"])
        return {}

    def untag_resource(self, params: dict[str, Any]) -> dict[str, Any]:
        self.backend.untag_resource(params["ResourceArn"], params["TagKeys"])
        return {}

    def list_tags_for_resource(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"Tags": dict(self.backend.tags_of(params["ResourceArn"]))}


def _label_stats(entries: int, boxes: int) -> dict[str, int]:
    # The official example leaves BoundingBoxCount out for classification-only labels.
    return {"EntryCount": entries, "BoundingBoxCount": boxes} if boxes else {"EntryCount": entries}


def _with_token(body: dict[str, Any], token: str | None) -> dict[str, Any]:
    return {**body, "NextToken": token} if token is not None else body
