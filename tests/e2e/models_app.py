"""The CDK app behind the model scenarios: versions of stack ``Models`` (train, retrain, a strict gate, teardown).

Run as a CDK app (``CDK_OUTDIR`` set). Every artifact deploys as stack ``Models``; the emulator decides the F1
score a training reaches and whether it fails (``EmulatorConfig.training_f1`` / ``training_failures``).
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_s3 as s3

from e2e.e2e_app import V1, V2, labelled, manifest_file
from rekognition_datasets import Dataset, DatasetDistribution, DatasetSource, DatasetType, Model, Project

PROJECT = "e2e-models"
#: The bucket the tests create in the emulator for the training output.
OUTPUT_BUCKET = "e2e-model-output"
GATE = 0.5
STRICT_GATE = 0.95


def models(
    app: cdk.App,
    artifact: str,
    counts: dict[str, int],
    *,
    gate: float = GATE,
    auto_delete_models: bool = False,
    serve: bool = True,
) -> None:
    stack = cdk.Stack(app, artifact, stack_name="Models")
    project = Project(stack, "Flowers", project_name=PROJECT, auto_delete_models=auto_delete_models)
    training = Dataset(
        stack, "Training", project=project, source=DatasetSource.from_manifest_file(manifest_file(labelled(counts)))
    )
    testing = Dataset(stack, "Testing", project=project, dataset_type=DatasetType.TEST)
    split = DatasetDistribution(stack, "Split", training=training, testing=testing)
    output = s3.Bucket.from_bucket_name(stack, "Output", OUTPUT_BUCKET)
    model = Model(stack, "Classifier", project=project, output_bucket=output, distribution=split, min_f1_score=gate)
    if serve:
        model.serve(min_inference_units=1)
    cdk.CfnOutput(stack, "VersionArn", value=model.version_arn)
    cdk.CfnOutput(stack, "F1Score", value=model.f1_score)


def main() -> None:
    app = cdk.App()
    models(app, "ModelsV1", V1)
    models(app, "ModelsV2", V2)
    models(app, "ModelsStrict", V1, gate=STRICT_GATE)
    models(app, "ModelsUnserved", V1, serve=False)
    models(app, "ModelsV2Unserved", V2, serve=False)
    models(app, "ModelsAutoDelete", V1, auto_delete_models=True, serve=False)
    app.synth()


if __name__ == "__main__":
    main()
