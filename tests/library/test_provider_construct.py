"""The per-stack provider: singleton, timing, functions, IAM scoping, and the handler code asset."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Match, Template
from construct_helpers import (
    ENV,
    FAST_APP,
    dumps,
    nag_checked_stack,
    new_stack,
    resources_of,
    statements,
    statements_with,
)
from constructs import Construct

from rekognition_datasets import Dataset, DatasetProvider, DatasetType, Project, ProviderSettings, ValidationError
from rekognition_datasets.bundling import handler_asset_hash, handler_code

HANDLER_DIR = Path(__file__).resolve().parents[2] / "lambda" / "rekognition_datasets_handler"


def _stack_with_datasets(count: int) -> Template:
    stack = new_stack()
    for index in range(count):
        project = Project(stack, f"P{index // 2}") if index % 2 == 0 else stack.node.find_child(f"P{index // 2}")
        assert isinstance(project, Project)
        Dataset(
            stack, f"D{index}", project=project, dataset_type=DatasetType.TRAIN if index % 2 == 0 else DatasetType.TEST
        )
    return Template.from_stack(stack)


MANY = 200
_PER_DATASET_TYPES = frozenset(
    {"AWS::Rekognition::Project", "Custom::RekognitionDataset", "Custom::RekognitionProjectModels"}
)


@pytest.fixture(scope="module")
def one_and_many() -> tuple[Template, Template]:
    return _stack_with_datasets(1), _stack_with_datasets(MANY)


def _provider_resources(template: Template) -> dict[str, dict[str, Any]]:
    resources: dict[str, dict[str, Any]] = template.to_json()["Resources"]
    return {k: v for k, v in resources.items() if v["Type"] not in _PER_DATASET_TYPES}


def test_provider_resources_and_policies_do_not_grow_with_datasets(one_and_many: tuple[Template, Template]) -> None:
    one, many = one_and_many
    assert len(many.find_resources("Custom::RekognitionDataset")) == MANY
    assert one.find_resources("AWS::IAM::ManagedPolicy") == {}
    types = sorted(r["Type"] for r in _provider_resources(many).values())
    assert types.count("AWS::Lambda::Function") >= 2
    assert types.count("AWS::IAM::Role") >= 1
    assert _provider_resources(one).keys() == _provider_resources(many).keys()
    assert one.find_resources("AWS::IAM::Policy") == many.find_resources("AWS::IAM::Policy")


def test_stack_projects_share_two_pattern_statements(one_and_many: tuple[Template, Template]) -> None:
    _, many = one_and_many
    (create,) = statements_with(many, "rekognition:CreateDataset")
    assert ":project/Test-*/*" in dumps(create["Resource"])
    (manage,) = statements_with(many, "rekognition:UpdateDatasetEntries")
    assert ":project/Test-*/dataset/*" in dumps(manage["Resource"])
    (describe,) = statements_with(many, "rekognition:DescribeProjects")
    assert describe["Resource"] == "*"
    assert describe["Action"] == "rekognition:DescribeProjects"


def test_other_projects_are_listed_in_two_shared_statements() -> None:
    stack = new_stack()
    imported = Project.from_project_arn(
        stack, "I", "arn:aws:rekognition:us-east-1:123456789012:project/ext/1690474772815"
    )
    projects = [Project(stack, "G"), Project(stack, "N", project_name="shapes"), imported]
    projects.append(Project(stack, "Prefixed", project_name="Test-mine"))
    for index, project in enumerate(projects):
        Dataset(stack, f"D{index}", project=project)
    template = Template.from_stack(stack)
    create = [dumps(s["Resource"]) for s in statements_with(template, "rekognition:CreateDataset")]
    assert len(create) == 2
    (pattern,) = [r for r in create if ":project/Test-*/*" in r]
    (listed,) = [r for r in create if r != pattern]
    assert _logical_id(projects[1]) in listed
    assert ":project/ext/1690474772815" in listed
    assert _logical_id(projects[0]) not in listed
    assert _logical_id(projects[3]) not in listed
    manage = [dumps(s["Resource"]) for s in statements_with(template, "rekognition:UpdateDatasetEntries")]
    assert len(manage) == 2
    assert any("project/ext/*" in r and _logical_id(projects[1]) in r for r in manage)


def _named_projects_policy(count: int) -> tuple[str, list[str], list[str]]:
    """The handler policy of a stack whose ``count`` datasets each use a project named by the user."""
    app, stack = nag_checked_stack()
    for index in range(count):
        Dataset(stack, f"D{index}", project=Project(stack, f"P{index}", project_name=f"team-{index}"))
    app.synth()  # every wildcard acknowledged (cdk-nag would fail synth otherwise)
    template = Template.from_stack(stack)
    create = [dumps(r) for s in statements_with(template, "rekognition:CreateDataset") for r in resources_of(s)]
    manage = [dumps(r) for s in statements_with(template, "rekognition:UpdateDatasetEntries") for r in resources_of(s)]
    return dumps(template.find_resources("AWS::IAM::Policy")), create, manage


def test_named_projects_beyond_the_listed_bound_share_account_wide_statements() -> None:
    from rekognition_datasets._handler_policy import MAX_LISTED_GRANTS

    _, few_create, _ = _named_projects_policy(MAX_LISTED_GRANTS)
    assert len(few_create) == MAX_LISTED_GRANTS
    assert not any(":project/*/*" in r for r in few_create)
    bounded, create, manage = _named_projects_policy(MAX_LISTED_GRANTS + 1)
    many, _, _ = _named_projects_policy(150)  # a project, its models guard and a dataset: 150 fit in one stack
    assert len(bounded) == len(many)
    assert any(r.endswith(':project/*/*"]]}') for r in create)
    assert any(r.endswith(':project/*/dataset/*"]]}') for r in manage)
    assert len(create) == len(manage) == MAX_LISTED_GRANTS + 1


def _logical_id(project: Project | Any) -> str:
    return str(project.stack.get_logical_id(project.node.default_child))


@pytest.mark.parametrize("path", ["My-Stack", "Stage/Inner"])
def test_generated_names_follow_the_stack_name(path: str) -> None:
    app = cdk.App(**FAST_APP)
    scope: Construct = app
    *stages, name = path.split("/")
    for stage in stages:
        scope = cdk.Stage(scope, stage)
    stack = cdk.Stack(scope, name, env=ENV)
    project = Project(Construct(stack, "Deep"), "P")
    Dataset(stack, "D", project=project)
    prefix = re.sub("[^A-Za-z0-9]", "", stack.stack_name) + "-"
    assert project._declared_name.startswith(prefix)
    (create,) = statements_with(Template.from_stack(stack), "rekognition:CreateDataset")
    assert f":project/{prefix}*/*" in dumps(create["Resource"])


def test_a_generated_project_of_another_stack_is_listed() -> None:
    stack = new_stack()
    other = cdk.Stack(stack.node.scope, "Other", env=ENV)  # type: ignore[arg-type]
    Dataset(stack, "D", project=Project(other, "P"))
    (create,) = statements_with(Template.from_stack(stack), "rekognition:CreateDataset")
    assert ":project/Test-*" not in dumps(create["Resource"])
    assert "ExportsOutputFnGetAtt" in dumps(create["Resource"])


def _definition(template: Template) -> str:
    (machine,) = template.find_resources("AWS::StepFunctions::StateMachine").values()
    parts = machine["Properties"]["DefinitionString"]["Fn::Join"][1]
    return "".join(part if isinstance(part, str) else "<ref>" for part in parts)


def test_default_timing_fits_the_cloudformation_hour(one_and_many: tuple[Template, Template]) -> None:
    one, _ = one_and_many
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
                "Handler": f"rekognition_datasets_handler.provider.{entry}",
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
    copy = tmp_path / "rekognition_datasets_handler"
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
        handler="rekognition_datasets_handler.provider.on_event",
        code=handler_code(handler_dir),
    )
    (function,) = Template.from_stack(stack).find_resources("AWS::Lambda::Function").values()
    app.synth()
    key: str = function["Properties"]["Code"]["S3Key"]
    return key


def test_code_asset_key_follows_the_handler_and_bundles_crhelper(tmp_path: Path) -> None:
    copy = tmp_path / "rekognition_datasets_handler"
    shutil.copytree(HANDLER_DIR, copy, ignore=shutil.ignore_patterns("__pycache__", "tests"))
    first = _code_key(copy, tmp_path / "out1")
    assert _code_key(copy, tmp_path / "out2") == first
    bundle = tmp_path / "out1" / f"asset.{first.removesuffix('.zip')}"
    assert (bundle / "rekognition_datasets_handler" / "provider.py").is_file()
    assert (bundle / "crhelper" / "__init__.py").is_file()
    assert not list(bundle.rglob("__pycache__"))
    (copy / "provider.py").write_text((copy / "provider.py").read_text() + "\n# changed\n")
    assert _code_key(copy, tmp_path / "out3") != first


def test_provider_public_surface_is_small() -> None:
    public = {name for name in vars(DatasetProvider) if not name.startswith("_")}
    assert public == {"of", "configure", "service_token", "service_timeout", "role"}
    provider = DatasetProvider.of(new_stack())
    assert provider.settings == ProviderSettings()
    assert isinstance(provider.role, iam.Role)
