"""The datasets of a deployed stack, read back from the service, as a table (after ``deploy`` and ``status``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from rekognition_datasets_handler.schema import ATTR_DATASET_ARN, CREATE_FAILED_MARKER, DATASET_RESOURCE_TYPE

if TYPE_CHECKING:
    from mypy_boto3_rekognition import RekognitionClient

    from rekognition_datasets_local.runner.output import Printer
    from rekognition_datasets_local.runner.state import StackState

HEADERS = ("Dataset", "Type", "Status", "Entries", "Labeled", "Labels", "Errors", "ARN")


@dataclass(frozen=True)
class DatasetRow:
    """One dataset as the service describes it now."""

    logical_id: str
    dataset_type: str
    arn: str
    status: str
    entries: int
    labeled: int
    labels: int
    errors: int

    def cells(self) -> tuple[str, ...]:
        counts = (self.entries, self.labeled, self.labels, self.errors)
        return (self.logical_id, self.dataset_type, self.status, *(str(c) for c in counts), self.arn)


def dataset_rows(rekognition: RekognitionClient, state: StackState) -> list[DatasetRow]:
    """Describe every dataset resource of the stack (a dataset that no longer exists shows as MISSING)."""
    rows = []
    for lid, resource in sorted(state.resources.items()):
        if resource.type != DATASET_RESOURCE_TYPE or resource.physical_id == CREATE_FAILED_MARKER:
            continue
        arn = str(resource.attributes.get(ATTR_DATASET_ARN) or resource.physical_id)
        dataset_type = str(resource.properties.get("DatasetType", ""))
        try:
            description = rekognition.describe_dataset(DatasetArn=arn)["DatasetDescription"]
        except ClientError:
            rows.append(DatasetRow(lid, dataset_type, arn, "MISSING", 0, 0, 0, 0))
            continue
        stats = description.get("DatasetStats", {})
        rows.append(
            DatasetRow(
                lid,
                dataset_type,
                arn,
                str(description.get("Status", "")),
                stats.get("TotalEntries", 0),
                stats.get("LabeledEntries", 0),
                stats.get("TotalLabels", 0),
                stats.get("ErrorEntries", 0),
            )
        )
    return rows


def print_datasets(printer: Printer, rekognition: RekognitionClient, state: StackState) -> list[DatasetRow]:
    """Print the stack's outputs and dataset table; returns the rows."""
    if state.outputs:
        printer.line("\nOutputs:")
        for name, value in sorted(state.outputs.items()):
            printer.line(f"{state.stack_name}.{name} = {value}")
    rows = dataset_rows(rekognition, state)
    if rows:
        printer.line(f"\nDatasets of {state.stack_name}:")
        printer.table(HEADERS, [row.cells() for row in rows])
    return rows
