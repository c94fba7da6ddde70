"""The chaos test's CDK app: every variant of ``chaos_model.VARIANTS`` as one artifact of stack ``Chaos``.

Run as a CDK app (``CDK_OUTDIR`` set); synthesized once per test session. Local sources (manifest files, the
image folder) are written into a folder next to the output so their assets stay stable within a run.
"""

from __future__ import annotations

import os
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_s3 as s3

from rekognition_datasets import Dataset, DatasetDistribution, DatasetSource, DatasetType, Project

from .chaos_model import (
    MANIFEST_BUCKET,
    PROJECT_P,
    PROJECT_Q,
    STACK,
    TAG_KEY,
    VARIANTS,
    Variant,
    artifact,
    lines,
    manifest_text,
    write_image_folder,
)


class Sources:
    """Builds the ``DatasetSource`` a variant names, from files under ``root``."""

    def __init__(self, root: Path) -> None:
        self._root = root
        root.mkdir(parents=True, exist_ok=True)
        self._folder = write_image_folder(root / "images")

    def source(self, stack: cdk.Stack, kind: str, copied: Dataset | None = None) -> DatasetSource:
        name = kind.partition("-")[2]
        if kind == "empty":
            return DatasetSource.empty()
        if kind == "folder":
            return DatasetSource.from_image_folder(self._folder)
        if kind == "copy":
            assert copied is not None
            return DatasetSource.from_dataset(copied)
        if kind.startswith("entries-"):
            return DatasetSource.from_entries(lines(name))
        if kind.startswith("file-"):
            path = self._root / f"{name}.manifest"
            path.write_text(manifest_text(name))
            return DatasetSource.from_manifest_file(path)
        if kind.startswith("bucket-"):
            bucket = stack.node.try_find_child("Manifests") or s3.Bucket.from_bucket_name(
                stack, "Manifests", MANIFEST_BUCKET
            )
            return DatasetSource.from_bucket(bucket, f"{name}.manifest")  # type: ignore[arg-type]
        raise ValueError(f"unknown source kind {kind!r}")


def chaos_stack(app: cdk.App, index: int, variant: Variant, sources: Sources) -> None:
    stack = cdk.Stack(app, artifact(index), stack_name=STACK)
    if variant.tag:
        cdk.Tags.of(stack).add(TAG_KEY, variant.tag)
    project = Project(stack, "P", project_name=PROJECT_P)
    train = test = None
    if variant.train:
        train = Dataset(stack, "PTrain", project=project, source=sources.source(stack, variant.train))
    if variant.test:
        source = sources.source(stack, variant.test)
        test = Dataset(stack, "PTest", project=project, dataset_type=DatasetType.TEST, source=source)
    if variant.split:
        assert train is not None and test is not None
        DatasetDistribution(stack, "Split", training=train, testing=test)
    if variant.q:
        policy = cdk.RemovalPolicy.RETAIN if variant.q_retain else cdk.RemovalPolicy.DESTROY
        other = Project(stack, "Q", project_name=PROJECT_Q, removal_policy=policy)
        source = sources.source(stack, variant.q, copied=train)
        Dataset(stack, "QTrain", project=other, source=source, removal_policy=policy)


def main() -> None:
    app = cdk.App()
    sources = Sources(Path(os.environ["CDK_OUTDIR"]).parent / "chaos-sources")
    for index, variant in enumerate(VARIANTS):
        chaos_stack(app, index, variant, sources)
    app.synth()


if __name__ == "__main__":
    main()
