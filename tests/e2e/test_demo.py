"""The README's main job (``make demo``) end to end: deploy, update, destroy, nothing left."""

from __future__ import annotations

import io

import pytest

from rekognition_datasets_local.runner import demo
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
    assert "UPDATE_COMPLETE              | AWS::CloudFormation::Stack" in output
    assert "Rekognition projects: 0 []" in output
    assert "rekognition-datasets-runner-state: 0 stack state objects" in output
