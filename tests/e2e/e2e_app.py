"""The CDK app behind the end-to-end scenarios: every stack the lifecycle tests deploy, synthesized once.

Run as a CDK app (``CDK_OUTDIR`` set). Stacks named ``...V2`` are the next version of another stack and are
deployed under that stack's name. Manifests that must fail at deploy (not at synth) are read from the
``e2e-manifests`` bucket, which the tests fill in the emulator.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3_deployment

from rekognition_datasets import Dataset, DatasetDistribution, DatasetSource, DatasetType, Project
from rekognition_datasets_handler.manifest import classification_entry

IMAGES_BUCKET = "e2e-images"
MANIFEST_BUCKET = "e2e-manifests"


def line(name: str, label: str) -> dict[str, object]:
    """A classification manifest line for image ``name`` labelled ``label``."""
    return classification_entry(f"s3://{IMAGES_BUCKET}/images/{name}.jpg", [label])


def labelled(counts: dict[str, int], prefix: str = "") -> list[dict[str, object]]:
    return [line(f"{prefix}{label}-{i}", label) for label, count in counts.items() for i in range(count)]


def manifest_file(lines: list[dict[str, object]]) -> Path:
    with tempfile.NamedTemporaryFile("w", suffix=".manifest", delete=False) as handle:
        handle.write("".join(json.dumps(x) + "\n" for x in lines))
    return Path(handle.name)


V1 = {"rose": 10, "tulip": 10}
V2 = {"rose": 12, "tulip": 8, "daisy": 10}


def lifecycle(app: cdk.App, artifact: str, counts: dict[str, int], *, split: bool = True) -> None:
    stack = cdk.Stack(app, artifact, stack_name="Lifecycle")
    project = Project(stack, "Flowers", project_name="e2e-lifecycle")
    training = Dataset(
        stack, "Training", project=project, source=DatasetSource.from_manifest_file(manifest_file(labelled(counts)))
    )
    testing = Dataset(stack, "Testing", project=project, dataset_type=DatasetType.TEST)
    if split:
        DatasetDistribution(stack, "Split", training=training, testing=testing)


def moves(app: cdk.App, artifact: str, *, second: bool) -> None:
    stack = cdk.Stack(app, artifact, stack_name="Moves")
    projects = {name: Project(stack, name, project_name=f"e2e-moves-{name.lower()}") for name in ("A", "B", "C")}
    entries = DatasetSource.from_entries(labelled({"rose": 3, "tulip": 3}))
    Dataset(stack, "Mover", project=projects["B" if second else "A"], source=entries)
    Dataset(
        stack,
        "Typed",
        project=projects["C"],
        dataset_type=DatasetType.TEST if second else DatasetType.TRAIN,
        source=entries,
    )


def from_bucket(app: cdk.App, name: str, key: str, **kwargs: object) -> None:
    stack = cdk.Stack(app, name)
    project = Project(stack, "Project", project_name=f"e2e-{name.lower()}")
    bucket = s3.Bucket.from_bucket_name(stack, "Manifests", MANIFEST_BUCKET)
    Dataset(stack, "Training", project=project, source=DatasetSource.from_bucket(bucket, key), **kwargs)  # type: ignore[arg-type]


def typo(app: cdk.App, artifact: str, key: str) -> None:
    """A TRAIN dataset from ``e2e-manifests/<key>``; ``TypoV2`` mistypes the key of ``Typo``, ``TypoV3`` changes it."""
    stack = cdk.Stack(app, artifact, stack_name="Typo")
    project = Project(stack, "Project", project_name="e2e-typo")
    bucket = s3.Bucket.from_bucket_name(stack, "Manifests", MANIFEST_BUCKET)
    Dataset(stack, "Training", project=project, source=DatasetSource.from_bucket(bucket, key))


def single(app: cdk.App) -> None:
    stack = cdk.Stack(app, "Single")
    project = Project(stack, "Project", project_name="e2e-single")
    Dataset(stack, "Training", project=project, source=DatasetSource.from_entries(labelled({"rose": 4, "tulip": 4})))


def race(app: cdk.App) -> None:
    stack = cdk.Stack(app, "Race")
    project = Project(stack, "Project", project_name="e2e-race")
    Dataset(stack, "Slow", project=project, source=DatasetSource.from_entries(labelled({"rose": 4, "tulip": 4})))
    bucket = s3.Bucket.from_bucket_name(stack, "Manifests", MANIFEST_BUCKET)
    Dataset(
        stack,
        "Broken",
        project=project,
        dataset_type=DatasetType.TEST,
        source=DatasetSource.from_bucket(bucket, "missing.manifest"),
    )


def big_entries(app: cdk.App) -> None:
    stack = cdk.Stack(app, "BigEntries")
    project = Project(stack, "Project", project_name="e2e-big")
    lines = labelled({"rose": 9000, "tulip": 9000}, prefix="a-rather-long-image-name-to-make-each-line-larger-")
    Dataset(stack, "Training", project=project, source=DatasetSource.from_entries(lines))


def retained(app: cdk.App) -> None:
    stack = cdk.Stack(app, "Retained")
    project = Project(stack, "Project", project_name="e2e-retained", removal_policy=cdk.RemovalPolicy.RETAIN)
    Dataset(
        stack,
        "Training",
        project=project,
        source=DatasetSource.from_entries(labelled({"rose": 3, "tulip": 3})),
        removal_policy=cdk.RemovalPolicy.RETAIN,
    )


def many(app: cdk.App) -> None:
    stack = cdk.Stack(app, "Many")
    entries = DatasetSource.from_entries(labelled({"rose": 2, "tulip": 2}))
    for i in range(25):
        project = Project(stack, f"Project{i}", project_name=f"e2e-many-{i}")
        Dataset(stack, f"Train{i}", project=project, source=entries)
        Dataset(stack, f"Test{i}", project=project, dataset_type=DatasetType.TEST)


def warned(app: cdk.App) -> None:
    """A stack synth warns about: one inline entry has no label attribute (WARNING_UNANNOTATED_RECORD)."""
    stack = cdk.Stack(app, "Warned")
    project = Project(stack, "Project", project_name="e2e-warned")
    entries = [*labelled({"rose": 2, "tulip": 2}), {"source-ref": f"s3://{IMAGES_BUCKET}/images/bare.jpg"}]
    Dataset(stack, "Training", project=project, source=DatasetSource.from_entries(entries))


def declared(app: cdk.App) -> None:
    """A declared bucket (auto-deleted) holding a manifest that a BucketDeployment puts there, read by a dataset;
    and a declared bucket without auto-delete, which destroy cannot delete while it holds objects."""
    stack = cdk.Stack(app, "Declared")
    bucket = s3.Bucket(stack, "Manifests", removal_policy=cdk.RemovalPolicy.DESTROY, auto_delete_objects=True)
    folder = Path(tempfile.mkdtemp())
    (folder / "train.manifest").write_text("".join(json.dumps(x) + "\n" for x in labelled({"rose": 3, "tulip": 3})))
    upload = s3_deployment.BucketDeployment(
        stack,
        "Upload",
        sources=[s3_deployment.Source.asset(str(folder))],
        destination_bucket=bucket,
        destination_key_prefix="manifests",
        retain_on_delete=False,
    )
    project = Project(stack, "Project", project_name="e2e-declared")
    source = DatasetSource.from_bucket(upload.deployed_bucket, "manifests/train.manifest")
    Dataset(stack, "Training", project=project, source=source)
    kept = s3.Bucket(stack, "Kept", removal_policy=cdk.RemovalPolicy.DESTROY)
    cdk.CfnOutput(stack, "BucketName", value=bucket.bucket_name)
    cdk.CfnOutput(stack, "BucketDomain", value=bucket.bucket_regional_domain_name)
    cdk.CfnOutput(stack, "KeptName", value=kept.bucket_name)


def main() -> None:
    app = cdk.App()
    lifecycle(app, "Lifecycle", V1)
    lifecycle(app, "LifecycleV2", V2)
    lifecycle(app, "LifecycleUnsplit", V1, split=False)
    moves(app, "Moves", second=False)
    moves(app, "MovesV2", second=True)
    from_bucket(app, "BadManifest", "bad.manifest")
    from_bucket(app, "MaxErrors", "errors.manifest", max_error_entries=2)
    typo(app, "Typo", "good.manifest")
    typo(app, "TypoV2", "goood.manifest")
    typo(app, "TypoV3", "other.manifest")
    single(app)
    race(app)
    big_entries(app)
    retained(app)
    many(app)
    warned(app)
    declared(app)
    app.synth()


if __name__ == "__main__":
    main()
