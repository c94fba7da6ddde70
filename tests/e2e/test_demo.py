"""The README's main job (``make demo``): the CDK CLI bootstraps, deploys, updates, destroys; nothing is left."""

from __future__ import annotations

import io

import pytest

from rekognition_datasets_local.runner import demo, demo_models
from rekognition_datasets_local.runner.output import Printer


@pytest.mark.e2e
def test_demo_deploys_updates_and_destroys_leaving_nothing() -> None:
    # GIVEN the demo with its own embedded emulator, its output captured
    stream = io.StringIO()
    # WHEN it runs
    code = demo.run(Printer(stream))
    # THEN it succeeds, splits 15 images 12/3, converges to 10 images split 8/2 after the update, and leaves nothing
    output = stream.getvalue()
    assert code == 0, output
    assert "Split: 12 training + 3 testing entries (20% in test); images in both datasets: 0" in output
    assert "Split: 8 training + 2 testing entries (20% in test); images in both datasets: 0" in output
    # the CDK CLI's own progress display, through bootstrap, deploy, update and destroy
    for command in ("cdk bootstrap", "cdk deploy", "cdk destroy --force"):
        assert f"$ {command} " in output
    stack_lines = [line for line in output.splitlines() if "| AWS::CloudFormation::Stack" in line]
    for status in ("CREATE_COMPLETE", "UPDATE_COMPLETE", "DELETE_COMPLETE"):
        assert any(f"| {status} " in line for line in stack_lines), status
    assert "Rekognition projects: 0 []" in output
    # the runner's state: the bootstrap stack's only (moto's S3 is shared by every emulator of this process)
    (state_line,) = [line for line in output.splitlines() if "S3 bucket rekognition-datasets-runner-state" in line]
    assert "'CDKToolkit'" in state_line and "RekognitionDatasetsExample" not in state_line


@pytest.mark.e2e
def test_models_demo_trains_gates_serves_and_destroys() -> None:
    stream = io.StringIO()
    code = demo_models.run(Printer(stream))
    output = stream.getvalue()
    assert code == 0, output
    # the first version passed its gate and serves; the strict gate refused the second; the first still serves
    (before, after) = [line for line in output.splitlines() if line.startswith("  Classifier-")]
    assert before == after and ": RUNNING, F1 0.9, inference units 1" in before
    assert "F1 score 0.9 is below min_f1_score 0.95 (evaluation summary s3://" in output
    assert "Model versions in the project: 1" in output
    assert "Rekognition projects left: 0" in output
