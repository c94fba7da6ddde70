"""Helpers for the construct tests: one App and Stack per test, templates and annotations to assert on."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aws_cdk as cdk

from rekognition_datasets_handler.manifest import classification_entry

if TYPE_CHECKING:
    from aws_cdk.assertions import Template

#: Skip the (slow) built-in CloudFormation validation plugin in unit tests; test_nag/test_cfn_lint keep it.
FAST_APP: dict[str, Any] = {"builtin_cloud_formation_validation": False}
ENV = cdk.Environment(account="123456789012", region="us-east-1")
EXAMPLE_IMAGES = Path(__file__).resolve().parents[2] / "examples" / "images"


def new_stack(context: dict[str, Any] | None = None, *, env: cdk.Environment | None = ENV) -> cdk.Stack:
    """A fresh App + Stack (fixed dummy environment, so ARNs show account and region)."""
    app = cdk.App(context=context, **FAST_APP)
    return cdk.Stack(app, "Test", env=env)


def nag_checked_stack() -> tuple[cdk.App, cdk.Stack]:
    """A fresh App (cdk-nag's AwsSolutions checks on: a finding fails ``app.synth()``) and its Stack."""
    from cdk_nag import AwsSolutionsChecks

    app = cdk.App(**FAST_APP)
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app, cdk.Stack(app, "Test", env=ENV)


def statements(template: Template) -> list[dict[str, Any]]:
    """Every IAM statement of every AWS::IAM::Policy in the template."""
    found: list[dict[str, Any]] = []
    for policy in template.find_resources("AWS::IAM::Policy").values():
        found.extend(policy["Properties"]["PolicyDocument"]["Statement"])
    return found


def statements_with(template: Template, action: str) -> list[dict[str, Any]]:
    """The IAM statements that allow ``action``."""
    result = []
    for statement in statements(template):
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        if action in actions:
            result.append(statement)
    return result


def resources_of(statement: dict[str, Any]) -> list[Any]:
    """A statement's resources as a list."""
    resource = statement["Resource"]
    return resource if isinstance(resource, list) else [resource]


def dumps(value: Any) -> str:
    """Compact JSON (to search rendered intrinsics)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def resource_properties(template: Template, resource_type: str) -> list[dict[str, Any]]:
    """The Properties of every resource of a type, in template order."""
    return [r["Properties"] for r in template.find_resources(resource_type).values()]


def classification_line(bucket: str, key: str, label: str) -> str:
    """A valid image-level classification JSON line."""
    return json.dumps(classification_entry(f"s3://{bucket}/{key}", [label]))


def valid_lines(bucket: str = "example-images-bucket", prefix: str = "images/", count: int = 6) -> list[str]:
    """``count`` lines over two labels, images under ``prefix`` in ``bucket``."""
    return [
        classification_line(bucket, f"{prefix}{label}/{i}.png", label)
        for i in range(count // 2)
        for label in ("cat", "dog")
    ]


def build_every_source_stack(app: cdk.App, work_dir: Path) -> cdk.Stack:
    """A stack that uses every DatasetSource factory, a distribution, and an imported project."""
    from aws_cdk import aws_s3 as s3

    from rekognition_datasets import Dataset, DatasetDistribution, DatasetSource, DatasetType, Project

    stack = cdk.Stack(app, "EverySource", env=ENV)
    manifest = work_dir / "train.manifest"
    manifest.write_text("\n".join(valid_lines()) + "\n")
    data = s3.Bucket(
        stack,
        "Data",
        encryption=s3.BucketEncryption.KMS,
        enforce_ssl=True,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        server_access_logs_prefix="access-logs/",
    )
    a, b, c = (Project(stack, name) for name in ("A", "B", "C"))
    train_a = Dataset(
        stack,
        "TrainA",
        project=a,
        source=DatasetSource.from_bucket(data, "train.manifest", version="3", images_prefix="images/"),
    )
    Dataset(stack, "TestA", project=a, dataset_type=DatasetType.TEST, source=DatasetSource.from_manifest_file(manifest))
    Dataset(stack, "TrainB", project=b, source=DatasetSource.from_entries(valid_lines(prefix="more/")))
    Dataset(stack, "TestB", project=b, dataset_type=DatasetType.TEST, source=DatasetSource.from_dataset(train_a))
    train_c = Dataset(stack, "TrainC", project=c, source=DatasetSource.from_image_folder(EXAMPLE_IMAGES))
    test_c = Dataset(stack, "TestC", project=c, dataset_type=DatasetType.TEST, source=DatasetSource.empty())
    DatasetDistribution(stack, "SplitC", training=train_c, testing=test_c)
    imported = Project.from_project_arn(
        stack, "Imported", "arn:aws:rekognition:us-east-1:123456789012:project/elsewhere/1690474772815"
    )
    other = Dataset.from_dataset_arn(
        stack, "OtherDataset", "arn:aws:rekognition:us-east-1:123456789012:project/other/dataset/train/1690476084535"
    )
    Dataset(stack, "TrainImported", project=imported, source=DatasetSource.from_dataset(other))
    return stack


def example_stack_class() -> type[cdk.Stack]:
    """``RekognitionDatasetsExample`` from the repository's ``app.py`` (loaded by path: it is not a package)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("example_app", EXAMPLE_IMAGES.parents[1] / "app.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    stack_class: type[cdk.Stack] = module.RekognitionDatasetsExample
    return stack_class
