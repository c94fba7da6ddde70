"""The per-stack provider: singleton, timing, functions, IAM scoping, and the handler code asset."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Match, Template
from construct_helpers import ENV, FAST_APP, new_stack, resources_of, statements, statements_with

from constructs import Construct
from rekognition_datasets import Dataset, DatasetProvider, DatasetType, Project, ValidationError
from rekognition_datasets.bundling import handler_asset_hash, handler_code

HANDLER_DIR = Path(__file__).resolve().parents[2] / "lambda" / "dataset_provider"


def _stack_with_datasets(count: int) -> Template:
    stack = new_stack()
    for index in range(count):
        project = Project(stack, f"P{index // 2}") if index % 2 == 0 else stack.node.find_child(f"P{index // 2}")
        assert isinstance(project, Project)
        Dataset(
            stack, f"D{index}", project=project, dataset_type=DatasetType.TRAIN if index % 2 == 0 else DatasetType.TEST
        )
    return Template.from_stack(stack)


@pytest.fixture(scope="module")
def one_and_ten() -> tuple[Template, Template]:
    return _stack_with_datasets(1), _stack_with_datasets(10)


@pytest.mark.parametrize(
    "resource_type", ["AWS::Lambda::Function", "AWS::IAM::Role", "AWS::StepFunctions::StateMachine"]
)
def test_infrastructure_does_not_grow_with_datasets(one_and_ten: tuple[Template, Template], resource_type: str) -> None:
    one, ten = one_and_ten
    assert len(ten.find_resources("Custom::RekognitionDataset")) == 10
    assert len(one.find_resources(resource_type)) == len(ten.find_resources(resource_type)) > 0


def test_statements_grow_per_project_not_per_dataset(one_and_ten: tuple[Template, Template]) -> None:
    _, ten = one_and_ten
    (create,) = statements_with(ten, "rekognition:CreateDataset")[:1]
    assert len(statements_with(ten, "rekognition:CreateDataset")) == 5
    assert create["Resource"]["Fn::GetAtt"][1] == "Arn"
    (describe,) = statements_with(ten, "rekognition:DescribeProjects")
    assert describe["Resource"] == "*"
    assert describe["Action"] == "rekognition:DescribeProjects"


def _definition(template: Template) -> str:
    (machine,) = template.find_resources("AWS::StepFunctions::StateMachine").values()
    parts = machine["Properties"]["DefinitionString"]["Fn::Join"][1]
    return "".join(part if isinstance(part, str) else "<ref>" for part in parts)


def test_default_timing_fits_the_cloudformation_hour(one_and_ten: tuple[Template, Template]) -> None:
    one, _ = one_and_ten
    definition = _definition(one)
    assert '"IntervalSeconds":5' in definition
    assert '"MaxAttempts":600' in definition
    one.has_resource_properties("Custom::RekognitionDataset", {"ServiceTimeout": "3600"})


def test_configure_sets_interval_timeout_and_log_level() -> None:
    stack = new_stack()
    DatasetProvider.configure(
        stack, query_interval=cdk.Duration.seconds(30), total_timeout=cdk.Duration.minutes(25), log_level="debug"
    )
    Dataset(stack, "D", project=Project(stack, "P"))
    template = Template.from_stack(stack)
    definition = _definition(template)
    assert '"IntervalSeconds":30' in definition
    assert '"MaxAttempts":50' in definition
    template.has_resource_properties("Custom::RekognitionDataset", {"ServiceTimeout": str(300 + 1500 + 300)})
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {"Environment": {"Variables": {"LOG_LEVEL": "DEBUG", "REKOGNITION_DATASETS_CALL_BUDGET_SECONDS": "240"}}},
    )


def test_context_keys_give_the_defaults() -> None:
    stack = new_stack(
        {
            "rekognition-datasets:queryIntervalSeconds": 20,
            "rekognition-datasets:totalTimeoutSeconds": 600,
            "rekognition-datasets:logLevel": "warning",
        }
    )
    Dataset(stack, "D", project=Project(stack, "P"))
    template = Template.from_stack(stack)
    assert '"IntervalSeconds":20' in _definition(template)
    assert '"MaxAttempts":30' in _definition(template)
    template.has_resource_properties("AWS::Lambda::Function", {"Environment": {"Variables": {"LOG_LEVEL": "WARNING"}}})


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"query_interval": cdk.Duration.seconds(7), "total_timeout": cdk.Duration.seconds(100)}, "whole multiple"),
        ({"total_timeout": cdk.Duration.seconds(3010)}, "use at most 3000 s"),
        ({"log_level": "LOUD"}, "log level 'LOUD' is not one of"),
        ({"query_interval": cdk.Duration.seconds(0)}, "at least 1 second"),
    ],
)
def test_invalid_settings_fail(settings: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=re.escape(message)):
        DatasetProvider.configure(new_stack(), **settings)


def test_configure_after_creation_with_other_settings_fails() -> None:
    stack = new_stack()
    Dataset(stack, "D", project=Project(stack, "P"))
    assert DatasetProvider.configure(stack) is DatasetProvider.of(stack)
    with pytest.raises(ValidationError, match="configure it before declaring any dataset"):
        DatasetProvider.configure(stack, query_interval=cdk.Duration.seconds(15))


def test_provider_lives_under_the_stack_at_a_stable_path() -> None:
    stack = new_stack()
    nested = Construct(Construct(stack, "Deep"), "Deeper")
    Dataset(nested, "D", project=Project(stack, "P"))
    provider = DatasetProvider.of(stack)
    assert provider.node.path == "Test/RekognitionDatasetsProvider"
    assert DatasetProvider.of(nested) is provider


def test_handler_functions() -> None:
    stack = new_stack()
    Dataset(stack, "D", project=Project(stack, "P"))
    template = Template.from_stack(stack)
    for entry in ("on_event", "is_complete"):
        template.has_resource_properties(
            "AWS::Lambda::Function",
            {
                "Handler": f"dataset_provider.provider.{entry}",
                "Runtime": "python3.14",
                "Architectures": ["arm64"],
                "Timeout": 300,
                "LoggingConfig": {"LogGroup": Match.any_value()},
            },
        )
    python = [
        f
        for f in template.find_resources("AWS::Lambda::Function").values()
        if f["Properties"]["Runtime"] == "python3.14"
    ]
    assert len({json.dumps(f["Properties"]["Code"], sort_keys=True) for f in python}) == 1
    assert len({json.dumps(f["Properties"]["Role"], sort_keys=True) for f in python}) == 1


def test_handler_role_has_only_scoped_statements() -> None:
    stack = new_stack()
    Dataset(stack, "D", project=Project(stack, "P"))
    template = Template.from_stack(stack)
    role_id = stack.get_logical_id(DatasetProvider.of(stack).role.node.default_child)  # type: ignore[arg-type]
    policies = [
        p for p in template.find_resources("AWS::IAM::Policy").values() if {"Ref": role_id} in p["Properties"]["Roles"]
    ]
    star = [s for p in policies for s in p["Properties"]["PolicyDocument"]["Statement"] if "*" in resources_of(s)]
    assert [s["Action"] for s in star] == ["rekognition:DescribeProjects"]
    logs = [s for s in statements(template) if "logs:PutLogEvents" in s["Action"]]
    assert logs
    assert all("*" not in resources_of(s) for s in logs)


def test_asset_hash_follows_handler_files_only(tmp_path: Path) -> None:
    copy = tmp_path / "dataset_provider"
    shutil.copytree(HANDLER_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    original = handler_asset_hash(copy)
    assert handler_asset_hash(copy) == original
    (copy / "__pycache__").mkdir(exist_ok=True)
    (copy / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"compiled")
    assert handler_asset_hash(copy) == original
    (copy / "schema.py").write_text((copy / "schema.py").read_text() + "\n# changed\n")
    assert handler_asset_hash(copy) != original


def _code_key(handler_dir: Path, outdir: Path) -> str:
    app = cdk.App(outdir=str(outdir), **FAST_APP)
    stack = cdk.Stack(app, "Test", env=ENV)
    lambda_.Function(
        stack,
        "F",
        runtime=lambda_.Runtime.PYTHON_3_14,
        handler="dataset_provider.provider.on_event",
        code=handler_code(handler_dir),
    )
    (function,) = Template.from_stack(stack).find_resources("AWS::Lambda::Function").values()
    app.synth()
    key: str = function["Properties"]["Code"]["S3Key"]
    return key


def test_code_asset_key_follows_the_handler_and_bundles_crhelper(tmp_path: Path) -> None:
    copy = tmp_path / "dataset_provider"
    shutil.copytree(HANDLER_DIR, copy, ignore=shutil.ignore_patterns("__pycache__", "tests"))
    first = _code_key(copy, tmp_path / "out1")
    assert _code_key(copy, tmp_path / "out2") == first
    bundle = tmp_path / "out1" / f"asset.{first.removesuffix('.zip')}"
    assert (bundle / "dataset_provider" / "provider.py").is_file()
    assert (bundle / "crhelper" / "__init__.py").is_file()
    assert not list(bundle.rglob("__pycache__"))
    (copy / "provider.py").write_text((copy / "provider.py").read_text() + "\n# changed\n")
    assert _code_key(copy, tmp_path / "out3") != first
