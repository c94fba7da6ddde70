"""Hand-written Provider-framework templates around the toy handler (no CDK synth needed)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rekognition_datasets_local.runner.assets import FileAsset

HANDLER_DIR = Path(__file__).with_name("toy_handler")
ASSET_BUCKET = "toy-assets-123456789012"
TOY_ASSET = FileAsset("toy", HANDLER_DIR, "zip", ASSET_BUCKET, "toy.zip")


def toy_function(handler: str, runtime: str, env: dict[str, Any]) -> dict[str, Any]:
    """A Lambda function running ``handler`` from the toy asset."""
    return {
        "Type": "AWS::Lambda::Function",
        "Properties": {
            "Code": {"S3Bucket": {"Fn::Sub": "toy-assets-${AWS::AccountId}"}, "S3Key": "toy.zip"},
            "Handler": handler,
            "Runtime": runtime,
            "Timeout": 30,
            "Role": {"Fn::GetAtt": ["HandlerRole", "Arn"]},
            "Environment": {"Variables": env},
        },
        "DependsOn": ["HandlerRole"],
    }


def toy_template(log: Path, resources: dict[str, Any], *, interval: int = 1, attempts: int = 3) -> dict[str, Any]:
    """A stack with a Provider (framework function + waiter) whose user functions are the toy handler."""
    definition = {
        "StartAt": "framework-isComplete-task",
        "States": {
            "framework-isComplete-task": {
                "End": True,
                "Retry": [
                    {
                        "ErrorEquals": ["States.ALL"],
                        "IntervalSeconds": interval,
                        "MaxAttempts": attempts,
                        "BackoffRate": 1,
                    }
                ],
                "Type": "Task",
                "Resource": "@@",
            }
        },
    }
    head, tail = json.dumps(definition, separators=(",", ":")).split("@@")
    return {
        "Parameters": {
            "BootstrapVersion": {
                "Type": "AWS::SSM::Parameter::Value<String>",
                "Default": "/cdk-bootstrap/hnb659fds/version",
            }
        },
        "Resources": {
            "HandlerRole": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {}}},
            "OnEvent": toy_function("toy.on_event", "python3.12", {"TOY_LOG": str(log)}),
            "IsComplete": toy_function("toy.is_complete", "python3.12", {"TOY_LOG": str(log)}),
            "Framework": toy_function(
                "framework.onEvent",
                "nodejs22.x",
                {
                    "USER_ON_EVENT_FUNCTION_ARN": {"Fn::GetAtt": ["OnEvent", "Arn"]},
                    "USER_IS_COMPLETE_FUNCTION_ARN": {"Fn::GetAtt": ["IsComplete", "Arn"]},
                    "WAITER_STATE_MACHINE_ARN": {"Ref": "Waiter"},
                },
            ),
            "Waiter": {
                "Type": "AWS::StepFunctions::StateMachine",
                "Properties": {
                    "DefinitionString": {"Fn::Join": ["", [head, {"Fn::GetAtt": ["IsComplete", "Arn"]}, tail]]}
                },
            },
            **resources,
        },
    }


def toy(name: str, **props: Any) -> dict[str, Any]:
    """A ``Custom::Toy`` resource served by the stack's provider."""
    return {
        "Type": "Custom::Toy",
        "Properties": {"ServiceToken": {"Fn::GetAtt": ["Framework", "Arn"]}, "Name": name, **props},
    }


def calls(log: Path) -> list[tuple[str, str, str]]:
    """(handler, RequestType, LogicalResourceId) of every toy call, in order."""
    if not log.exists():
        return []
    rows = [json.loads(line) for line in log.read_text().splitlines()]
    return [(r["kind"], r["event"]["RequestType"], r["event"]["LogicalResourceId"]) for r in rows]


def events(log: Path, kind: str = "on_event") -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in log.read_text().splitlines()]
    return [r["event"] for r in rows if r["kind"] == kind]
