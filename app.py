#!/usr/bin/env python3
"""Example app: a Custom Labels project, a TRAIN dataset from committed images, an empty TEST dataset, a split.

Synthesizes without AWS credentials (environment-agnostic stack): ``make synth``, or ``npx cdk synth`` with the
venv active (cdk.json runs ``python3 app.py``). The training images come from ``examples/images`` unless the
context key ``rekognition-datasets-example:images`` names another folder
(``npx cdk synth -c rekognition-datasets-example:images=/path/to/images``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import aws_cdk as cdk

from rekognition_datasets import Dataset, DatasetDistribution, DatasetSource, DatasetType, Project

if TYPE_CHECKING:
    from constructs import Construct

IMAGES = Path(__file__).resolve().parent / "examples" / "images"
IMAGES_CONTEXT = "rekognition-datasets-example:images"


class RekognitionDatasetsExample(cdk.Stack):
    """A label per folder under the images folder (``examples/images``: three, five 64x64 PNGs each), split 80/20."""

    def __init__(self, scope: Construct, id: str) -> None:
        super().__init__(scope, id, description="Rekognition Custom Labels datasets as code: example")
        images = Path(self.node.try_get_context(IMAGES_CONTEXT) or IMAGES)
        project = Project(self, "Shapes")
        training = Dataset(
            self,
            "Training",
            project=project,
            dataset_type=DatasetType.TRAIN,
            source=DatasetSource.from_image_folder(images),
        )
        testing = Dataset(self, "Testing", project=project, dataset_type=DatasetType.TEST)
        DatasetDistribution(self, "Split", training=training, testing=testing)
        cdk.CfnOutput(self, "ProjectArn", value=project.project_arn)
        cdk.CfnOutput(self, "TrainingDatasetArn", value=training.dataset_arn)
        cdk.CfnOutput(self, "TestingDatasetArn", value=testing.dataset_arn)
        cdk.CfnOutput(self, "TrainingEntries", value=training.total_entries)
        cdk.CfnOutput(self, "TestingEntries", value=testing.total_entries)


def main() -> None:
    """Build the app and write the cloud assembly."""
    app = cdk.App()
    RekognitionDatasetsExample(app, "RekognitionDatasetsExample")
    app.synth()


if __name__ == "__main__":
    main()
