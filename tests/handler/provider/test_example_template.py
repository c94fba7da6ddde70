"""The crhelper example template: valid CloudFormation, wired to this package's handler and property schema."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path
from typing import Any

from rekognition_datasets_handler.properties import parse_dataset
from rekognition_datasets_handler.schema import DATASET_RESOURCE_TYPE
from rekognition_datasets_local.runner.yaml_template import load_yaml

TEMPLATE = Path(__file__).parents[3] / "examples" / "crhelper-template.yaml"
PROJECT_ARN = "arn:aws:rekognition:us-east-1:123456789012:project/crhelper-example/1700000000000"


def resolved(value: Any) -> Any:
    """Stand-ins for the intrinsics the dataset properties use."""
    if isinstance(value, dict) and set(value) == {"Fn::GetAtt"}:
        return PROJECT_ARN
    if isinstance(value, dict) and set(value) == {"Ref"}:
        return "example-bucket" if value["Ref"] == "ManifestBucket" else "manifests/train.manifest"
    if isinstance(value, dict):
        return {k: resolved(v) for k, v in value.items()}
    return value


def test_template_passes_cfn_lint_without_errors() -> None:
    result = subprocess.run(
        [str(Path(sys.executable).parent / "cfn-lint"), str(TEMPLATE)], capture_output=True, text=True, check=False
    )
    assert result.returncode & 2 == 0, result.stdout  # 4 = warnings only (W3002: Code is a local path to package)


def test_handler_and_dataset_properties_match_the_package() -> None:
    resources = load_yaml(TEMPLATE.read_text())["Resources"]
    function = resources["ProviderFunction"]["Properties"]
    module, _, attribute = function["Handler"].rpartition(".")
    assert callable(getattr(importlib.import_module(module), attribute))
    assert function["Runtime"] == "python3.14"
    datasets = {name: r for name, r in resources.items() if r["Type"] == DATASET_RESOURCE_TYPE}
    assert set(datasets) == {"TrainingDataset", "TestingDataset"}
    specs = {name: parse_dataset(resolved(r["Properties"])) for name, r in datasets.items()}
    assert specs["TrainingDataset"].source.type == "manifest" and specs["TestingDataset"].source.type == "empty"
    assert all(
        r["Properties"]["ServiceToken"] == {"Fn::GetAtt": ["ProviderFunction", "Arn"]} for r in datasets.values()
    )
