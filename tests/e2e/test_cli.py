"""The ``deploy``/``status``/``destroy`` commands on the e2e assembly, against the test emulator."""

from __future__ import annotations

import subprocess
import sys
from typing import TYPE_CHECKING

import pytest

from rekognition_datasets_local.cli.main import main

if TYPE_CHECKING:
    from pathlib import Path

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
    # the function's last log lines, not a CloudWatch log group that does not exist offline
    assert "Logs: /aws/lambda/" not in err
    assert "log line(s) of /aws/lambda/BadManifest-" in err and '"step": "fail"' in err
    # AND the logs command prints the stack's function logs (kept in the emulator after the rollback)
    assert main(["logs", "BadManifest", "--function", "OnEvent", "--tail", "2"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("==> /aws/lambda/BadManifest-") and "OnEvent" in out[0]
    assert len(out) == 3 and "ProviderError: CreateDataset failed: InvalidS3ObjectException" in out[2]


def test_deploy_prints_synth_warnings_first(
    assembly: CloudAssembly, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a stack whose synth warned (an inline entry without labels) / WHEN deployed with the CLI
    args = ["--assembly", str(assembly.directory), "--interval-factor", "0.001"]
    assert main(["deploy", *args, "Warned"]) == 0
    captured = capsys.readouterr()
    # THEN the warning cdk synth prints is shown too (it used to vanish)
    assert "[Warning at /Warned/Training] inline entries:5: WARNING_UNANNOTATED_RECORD" in captured.err
    assert main(["destroy", *args, "Warned"]) == 0


def test_synth_errors_stop_the_deploy(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN an app whose assembly carries an error annotation, run through a shell with a variable (as cdk runs it)
    app = tmp_path / "app.py"
    app.write_text(_FAKE_APP)
    command = f"STACK_NAME=Fake {sys.executable} {app}"
    # WHEN deployed / THEN the error is printed and nothing is deployed
    assert main(["deploy", "--app", command, "--output", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "[Error at /Fake/Thing] broken wiring" in err
    assert "Found 1 error(s) in the synthesized app: nothing deployed" in err


#: A stand-in CDK app: writes a one-stack assembly whose name comes from the environment and that holds an error.
_FAKE_APP = """
import json, os, pathlib
out = pathlib.Path(os.environ["CDK_OUTDIR"])
name = os.environ["STACK_NAME"]
(out / "t.json").write_text(json.dumps({"Resources": {}}))
stack = {"type": "aws:cloudformation:stack", "properties": {"templateFile": "t.json"},
         "metadata": {f"/{name}/Thing": [{"type": "aws:cdk:error", "data": "broken wiring"}]}}
(out / "manifest.json").write_text(json.dumps({"version": "36.0.0", "artifacts": {name: stack}}))
"""


def test_validate_json_into_head_has_no_traceback(tmp_path: Path) -> None:
    # GIVEN a report larger than a pipe's buffer / WHEN piped into head / THEN no BrokenPipeError traceback
    manifest = tmp_path / "m.manifest"
    manifest.write_text("".join(f'{{"source-ref": "s3://b/{n}.jpg"}}\n' for n in range(3000)))
    command = f"{sys.executable} -m rekognition_datasets_local.cli.main validate --json {manifest} | head -c 10"
    run = subprocess.run(command, shell=True, capture_output=True, text=True, check=False)
    assert run.stdout == '{\n  "files'
    assert "Traceback" not in run.stderr and "BrokenPipeError" not in run.stderr


@pytest.mark.parametrize("command", ["validate", "emulator", "deploy", "destroy", "status", "logs"])
def test_help_shows_no_restructuredtext_markup(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    # the docstrings used as descriptions used to show ``literal`` markup in --help
    with pytest.raises(SystemExit):
        main([command, "--help"])
    assert "``" not in capsys.readouterr().out
