#!/usr/bin/env python3
"""Example app: train a Custom Labels model from the example images, gate it on F1, serve it, tear it down.

``make demo-models`` synthesizes it and runs it offline. The context key ``rekognition-datasets-models:minF1``
sets the F1 gate (default 0.5); the demo raises it to show a refused version rolling back.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import aws_cdk as cdk
from aws_cdk import aws_s3 as s3

from rekognition_datasets import Dataset, DatasetDistribution, DatasetSource, DatasetType, Model, Project

if TYPE_CHECKING:
    from constructs import Construct

IMAGES = Path(__file__).resolve().parent / "images"
MIN_F1_CONTEXT = "rekognition-datasets-models:minF1"


class RekognitionModelsExample(cdk.Stack):
    """A project whose datasets come from ``examples/images``, a model version gated on F1, served with one unit."""

    def __init__(self, scope: Construct, id: str) -> None:
        super().__init__(scope, id, description="Rekognition Custom Labels models as code: example")
        min_f1 = float(self.node.try_get_context(MIN_F1_CONTEXT) or 0.5)
        # auto_delete_models: `cdk destroy` also removes versions trained outside the stack (console, scripts)
        project = Project(self, "Shapes", auto_delete_models=True)
        training = Dataset(self, "Training", project=project, source=DatasetSource.from_image_folder(IMAGES))
        testing = Dataset(self, "Testing", project=project, dataset_type=DatasetType.TEST)
        split = DatasetDistribution(self, "Split", training=training, testing=testing)
        output = s3.Bucket(
            self,
            "TrainingOutput",
            enforce_ssl=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            server_access_logs_prefix="access-logs/",
            removal_policy=cdk.RemovalPolicy.DESTROY,
            auto_delete_objects=True,
        )
        model = Model(
            self, "Classifier", project=project, distribution=split, output_bucket=output, min_f1_score=min_f1
        )
        serving = model.serve(min_inference_units=1, auto_stop_after=cdk.Duration.hours(8))
        cdk.CfnOutput(self, "VersionArn", value=model.version_arn)
        cdk.CfnOutput(self, "F1Score", value=model.f1_score)
        cdk.CfnOutput(self, "EvaluationSummary", value=model.evaluation_summary_uri)
        cdk.CfnOutput(self, "AutoStopAt", value=serving.auto_stop_at)


def main() -> None:
    """Build the app and write the cloud assembly."""
    app = cdk.App()
    RekognitionModelsExample(app, "RekognitionModelsExample")
    app.synth()


if __name__ == "__main__":
    main()
