"""The ``deploy``/``status``/``destroy`` commands on the e2e assembly, against the test emulator."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from rekognition_datasets_local.cli.main import main

if TYPE_CHECKING:
    from rekognition_datasets_local.emulator import Emulator
    from rekognition_datasets_local.runner.assembly import CloudAssembly

pytestmark = pytest.mark.e2e


def test_deploy_status_destroy_commands(
    assembly: CloudAssembly, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--assembly", str(assembly.directory), "--interval-factor", "0.001"]
    assert main(["deploy", *args, "Single"]) == 0
    out = capsys.readouterr().out
    assert "CREATE_COMPLETE              | AWS::CloudFormation::Stack | Single" in out
    assert "Datasets of Single:" in out and "TRAIN" in out
    assert main(["status"]) == 0
    assert "Single: CREATE_COMPLETE" in capsys.readouterr().out
    assert main(["destroy", *args, "Single"]) == 0
    assert "DELETE_COMPLETE              | AWS::CloudFormation::Stack | Single" in capsys.readouterr().out
    assert main(["status"]) == 0
    assert "no stacks deployed" in capsys.readouterr().out


def test_failed_deploy_prints_the_handler_reason_and_exits_non_zero(
    assembly: CloudAssembly, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["deploy", "--assembly", str(assembly.directory), "--interval-factor", "0.001", "BadManifest"])
    assert code == 1
    err = capsys.readouterr().err
    assert "BadManifest failed (ROLLBACK_COMPLETE)" in err
    assert "InvalidS3ObjectException: Unable to get object metadata from S3" in err
    assert "Logs: /aws/lambda/BadManifest-" in err
