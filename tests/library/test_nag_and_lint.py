"""cdk-nag (AwsSolutions, v3) and cfn-lint on the example stack and on a stack using every source."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import aws_cdk as cdk
import pytest
from cdk_nag import AwsSolutionsChecks
from construct_helpers import FAST_APP, build_every_source_stack, example_stack_class

RekognitionDatasetsExample = example_stack_class()


def _nag_app(outdir: Path) -> cdk.App:
    app = cdk.App(outdir=str(outdir), **FAST_APP)
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app


def _violations(outdir: Path) -> list[str]:
    report = json.loads((outdir / "validation-report.json").read_text())
    return [v["ruleName"] for plugin in report["pluginReports"] for v in plugin.get("violations", [])]


@pytest.fixture(scope="module")
def example_assembly(tmp_path_factory: pytest.TempPathFactory) -> Path:
    outdir = tmp_path_factory.mktemp("example")
    app = _nag_app(outdir)
    RekognitionDatasetsExample(app, "RekognitionDatasetsExample")
    try:
        app.synth()
    except RuntimeError as error:  # the report names every unacknowledged finding
        pytest.fail(f"{error}: {_violations(outdir)}")
    return outdir


def test_example_stack_has_no_unacknowledged_nag_finding(example_assembly: Path) -> None:
    assert _violations(example_assembly) == []
    assert (example_assembly / "RekognitionDatasetsExample.template.json").is_file()


def test_every_source_stack_has_no_unacknowledged_nag_finding(tmp_path: Path) -> None:
    outdir = tmp_path / "out"
    app = _nag_app(outdir)
    build_every_source_stack(app, tmp_path)
    try:
        app.synth()
    except RuntimeError as error:
        pytest.fail(f"{error}: {_violations(outdir)}")
    assert _violations(outdir) == []


def test_a_new_wildcard_in_user_code_is_still_reported(tmp_path: Path) -> None:
    from aws_cdk import aws_iam as iam

    outdir = tmp_path / "out"
    app = _nag_app(outdir)
    stack = RekognitionDatasetsExample(app, "RekognitionDatasetsExample")
    role = iam.Role(stack, "UserRole", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    role.add_to_policy(iam.PolicyStatement(actions=["s3:GetObject"], resources=["*"]))
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    assert _violations(outdir) == ["AwsSolutions-IAM5[Resource::*]"]


def test_example_template_passes_cfn_lint(example_assembly: Path) -> None:
    cfn_lint = Path(sys.executable).with_name("cfn-lint")
    result = subprocess.run(
        [str(cfn_lint), str(example_assembly / "RekognitionDatasetsExample.template.json")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode & 2 == 0, result.stdout + result.stderr


def test_models_example_stack_has_no_unacknowledged_nag_finding(tmp_path: Path) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "models_app", Path(__file__).parents[2] / "examples" / "models_app.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    outdir = tmp_path / "out"
    app = _nag_app(outdir)
    module.RekognitionModelsExample(app, "RekognitionModelsExample")
    try:
        app.synth()
    except RuntimeError as error:
        pytest.fail(f"{error}: {_violations(outdir)}")
    assert _violations(outdir) == []
