"""The runner refuses what AWS refuses: template, IAM policy, Lambda environment and custom response quotas.

Each quota is met exactly by one template (which passes) and exceeded by one unit by another (which fails with
the service's message, the quota's name, its limit and the measured value).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from rekognition_datasets_local.runner import quotas
from rekognition_datasets_local.runner.assembly import StackArtifact
from rekognition_datasets_local.runner.engine import Engine, StackFailed
from rekognition_datasets_local.runner.errors import ResourceFailed, TemplateError
from rekognition_datasets_local.runner.template import Template

from .runner_toy import toy, toy_function, toy_template

if TYPE_CHECKING:
    from pathlib import Path

    from rekognition_datasets_local.runner.state import StackState

pytestmark = pytest.mark.usefixtures("emulator")

BUCKET = "quota-data-bucket"
ROLE = "quota-role"
#: A resource with nothing to emulate (recorded): the cheapest filler.
HANDLE: dict[str, Any] = {"Type": "AWS::CloudFormation::WaitConditionHandle"}
DATA: dict[str, Any] = {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": BUCKET}}
ROLE_RESOURCE: dict[str, Any] = {
    "Type": "AWS::IAM::Role",
    "Properties": {"RoleName": ROLE, "AssumeRolePolicyDocument": {}},
}


def deploy(engine: Engine, resources: dict[str, Any], **sections: Any) -> StackState:
    return engine.deploy("Quotas", Template.from_dict({"Resources": resources, **sections}))


def compact(value: Any) -> int:
    return len(json.dumps(value, separators=(",", ":")))


# -- documents whose RESOLVED size is exact -----------------------------------------------------------------


def document(chars: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """(a policy document with intrinsics, the document IAM receives) where the latter is ``chars`` long."""

    def shaped(resource: Any) -> dict[str, Any]:
        return {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": resource}],
        }

    pad = "k" * (chars - compact(shaped(f"arn:aws:s3:::{BUCKET}/")))
    template = shaped({"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::", {"Ref": "Data"}, f"/{pad}"]]})
    resolved = shaped(f"arn:aws:s3:::{BUCKET}/{pad}")
    assert compact(resolved) == chars
    return template, resolved


def managed_policy(chars: int, **props: Any) -> dict[str, Any]:
    return {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": document(chars)[0], **props}}


def inline_policy(chars: int, **extra: Any) -> dict[str, Any]:
    return {
        "Type": "AWS::IAM::Policy",
        "Properties": {"PolicyName": "inline", "PolicyDocument": document(chars)[0], "Roles": [{"Ref": "Role"}]},
        **extra,
    }


# -- template quotas: validation errors, nothing touched ----------------------------------------------------


def padded_file(path: Path, size: int) -> Path:
    """A one-resource JSON template of exactly ``size`` bytes (whitespace counts toward the template size)."""
    text = json.dumps({"Resources": {"H": HANDLE}})
    path.write_text(text + " " * (size - len(text)))
    return path


@pytest.mark.parametrize(
    ("uploaded", "limit", "message"),
    [
        (True, 1_048_576, "Template may not exceed 1048576 bytes in size."),
        (False, 51_200, "Member must have length less than or equal to 51200"),
    ],
)
def test_template_body_size_is_refused_before_anything_is_touched(
    engine: Engine, tmp_path: Path, uploaded: bool, limit: int, message: str
) -> None:
    # GIVEN a template one byte over the quota of the way it reaches CloudFormation
    over = Template.from_file(padded_file(tmp_path / "over.json", limit + 1), uploaded=uploaded)
    # WHEN it is deployed THEN CloudFormation's validation error names the quota, limit and measured size
    with pytest.raises(TemplateError) as refused:
        engine.deploy("Quotas", over)
    assert message in str(refused.value)
    assert f"{limit + 1:,} bytes, limit {limit:,}" in str(refused.value)
    # AND no stack exists and no event was printed (the API call itself was refused)
    assert engine.store.load("Quotas") is None
    assert engine.printer.events == []
    # AND a template of exactly the quota deploys
    exact = Template.from_file(padded_file(tmp_path / "exact.json", limit), uploaded=uploaded)
    assert engine.deploy("Quotas", exact).status == "CREATE_COMPLETE"


def test_a_cdk_stack_template_counts_as_uploaded_and_a_dict_is_measured_as_cdk_writes_it(tmp_path: Path) -> None:
    path = padded_file(tmp_path / "Stack.template.json", 60_000)
    artifact = StackArtifact("Stack", "Stack", path, None, ())
    assert artifact.template().uploaded
    assert artifact.template().size_bytes == 60_000
    body = {"Resources": {"H": HANDLE}}
    assert Template.from_dict(body).size_bytes == len(json.dumps(body, indent=1))


@pytest.mark.parametrize(
    ("section", "limit", "entry"),
    [
        ("Resources", 500, HANDLE),
        ("Outputs", 200, {"Value": "v"}),
        ("Parameters", 200, {"Type": "String", "Default": "d"}),
        ("Mappings", 200, {"k": {"k": "v"}}),
    ],
)
def test_template_section_counts_are_refused_one_over_the_quota(
    engine: Engine, section: str, limit: int, entry: dict[str, Any]
) -> None:
    def body(count: int) -> dict[str, Any]:
        entries = {f"E{i}": entry for i in range(count)}
        return {"Resources": entries} if section == "Resources" else {"Resources": {"H": HANDLE}, section: entries}

    quotas.check_template(Template.from_dict(body(limit)))
    with pytest.raises(TemplateError) as refused:
        engine.deploy("Quotas", Template.from_dict(body(limit + 1)))
    noun = section.lower()
    assert f"Template format error: Number of {noun}, {limit + 1}, is greater than maximum allowed, {limit}" in str(
        refused.value
    )
    assert f"per template: {limit + 1:,} {noun}, limit {limit:,}" in str(refused.value)
    assert engine.store.load("Quotas") is None


# -- IAM: the resource fails with IAM's message, on the resolved document -----------------------------------


def test_a_managed_policy_over_6144_resolved_characters_fails_its_resource(engine: Engine) -> None:
    with pytest.raises(StackFailed) as failed:
        deploy(engine, {"Data": DATA, "Policy": managed_policy(6_145)})
    reason = failed.value.failures["Policy"]
    assert reason.startswith("Cannot exceed quota for PolicySize: 6144")
    assert "IAM managed policy size: 6,145 characters, limit 6,144; PolicyDocument of managed policy Policy" in reason
    assert failed.value.status == "ROLLBACK_COMPLETE"
    assert ("Policy", "CREATE_FAILED", reason) in engine.printer.events
    assert deploy(engine, {"Data": DATA, "Policy": managed_policy(6_144)}).status == "CREATE_COMPLETE"


def test_the_policy_is_measured_resolved_not_as_written() -> None:
    # the template's Fn::Join is longer than the ARN it resolves to: counting it unresolved would be wrong
    written, resolved = document(6_144)
    assert quotas.policy_size(resolved) == 6_144
    assert quotas.policy_size(written) != 6_144


def test_whitespace_does_not_count_toward_a_policy_string() -> None:
    _, resolved = document(6_144)
    pretty = json.dumps(resolved, indent=4)
    assert len(pretty) > 6_144
    quotas.check_resource({}, "Policy", "AWS::IAM::ManagedPolicy", {"PolicyDocument": pretty})


def test_inline_policies_of_one_role_over_10240_characters_together_fail_the_policy(engine: Engine) -> None:
    # GIVEN a role with a 5,000-character inline policy, and an AWS::IAM::Policy attached to it
    role = {**ROLE_RESOURCE, "Properties": {**ROLE_RESOURCE["Properties"], "Policies": []}}
    role["Properties"]["Policies"] = [{"PolicyName": "own", "PolicyDocument": document(5_000)[1]}]

    def stack(attached: int) -> dict[str, Any]:
        return {"Data": DATA, "Role": role, "Attached": inline_policy(attached)}

    # WHEN together they are one character over THEN the attached policy fails with IAM's message
    with pytest.raises(StackFailed) as failed:
        deploy(engine, stack(5_241))
    reason = failed.value.failures["Attached"]
    assert reason.startswith(f"Maximum policy size of 10240 bytes exceeded for role {ROLE}")
    assert "10,241 characters, limit 10,240" in reason
    # AND exactly at the quota the stack deploys
    assert deploy(engine, stack(5_240)).status == "CREATE_COMPLETE"


def test_a_role_whose_own_inline_policies_exceed_10240_characters_fails(engine: Engine) -> None:
    def role(chars: int) -> dict[str, Any]:
        policies = [{"PolicyName": f"p{i}", "PolicyDocument": document(chars // 2)[0]} for i in range(2)]
        return {**ROLE_RESOURCE, "Properties": {**ROLE_RESOURCE["Properties"], "Policies": policies}}

    with pytest.raises(StackFailed) as failed:
        deploy(engine, {"Data": DATA, "Role": role(10_242)})
    reason = failed.value.failures["Role"]
    assert "IAM role inline policy size (all inline policies of the role): 10,242 characters" in reason
    assert deploy(engine, {"Data": DATA, "Role": role(10_240)}).status == "CREATE_COMPLETE"


def test_more_than_10_managed_policies_on_a_role_fail_the_one_that_makes_eleven(engine: Engine) -> None:
    # GIVEN a role with 9 managed policy ARNs, then two of the stack's managed policies attached to it (in order)
    arns = [f"arn:aws:iam::aws:policy/Managed{i}" for i in range(9)]
    role = {**ROLE_RESOURCE, "Properties": {**ROLE_RESOURCE["Properties"], "ManagedPolicyArns": arns}}

    def stack(attached: int) -> dict[str, Any]:
        resources: dict[str, Any] = {"Data": DATA, "Role": role}
        for i in range(attached):
            depends = {"DependsOn": [f"M{i - 1}"]} if i else {}
            resources[f"M{i}"] = {**managed_policy(200, Roles=[{"Ref": "Role"}]), **depends}
        return resources

    with pytest.raises(StackFailed) as failed:
        deploy(engine, stack(2))
    assert list(failed.value.failures) == ["M1"]
    assert failed.value.failures["M1"].startswith("Cannot exceed quota for PoliciesPerRole: 10")
    assert "IAM managed policies per role: 11 policies, limit 10" in failed.value.failures["M1"]
    assert deploy(engine, stack(1)).status == "CREATE_COMPLETE"


def test_a_role_with_eleven_managed_policy_arns_fails() -> None:
    props = {"RoleName": ROLE, "ManagedPolicyArns": [f"arn:aws:iam::aws:policy/P{i}" for i in range(11)]}
    with pytest.raises(ResourceFailed, match="PoliciesPerRole: 10"):
        quotas.check_resource({}, "Role", "AWS::IAM::Role", props)
    quotas.check_resource({}, "Role", "AWS::IAM::Role", {**props, "ManagedPolicyArns": props["ManagedPolicyArns"][:10]})


# -- Lambda environment ------------------------------------------------------------------------------------


def test_lambda_environment_over_4096_resolved_bytes_fails_the_function(engine: Engine) -> None:
    def function(size: int) -> dict[str, Any]:
        base = compact({"BUCKET": BUCKET, "PAD": ""})
        body = toy_function("index.handler", "nodejs22.x", {"BUCKET": {"Ref": "Data"}, "PAD": "v" * (size - base)})
        del body["DependsOn"], body["Properties"]["Role"]
        return body

    with pytest.raises(StackFailed) as failed:
        deploy(engine, {"Data": DATA, "Function": function(4_097)})
    reason = failed.value.failures["Function"]
    assert reason.startswith("Lambda was unable to configure your environment variables")
    assert "Lambda environment variables size: 4,097 bytes, limit 4,096" in reason
    assert deploy(engine, {"Data": DATA, "Function": function(4_096)}).status == "CREATE_COMPLETE"


# -- custom resource responses ----------------------------------------------------------------------------


def test_a_response_body_over_4096_bytes_is_refused() -> None:
    quotas.check_custom_response(b"x" * 4_096, "A", None)
    with pytest.raises(ResourceFailed, match=r"^Response object is too long\. .*4,097 bytes, limit 4,096"):
        quotas.check_custom_response(b"x" * 4_097, "A", "id")


@pytest.mark.parametrize("pad", [3_500, 4_200])
def test_a_provider_framework_response_over_4096_bytes_fails_the_resource(
    engine: Engine, tmp_path: Path, pad: int
) -> None:
    template = Template.from_dict(toy_template(tmp_path / "toy.log", {"A": toy("a", Pad=pad)}))
    if pad < 4_096 - 500:
        assert engine.deploy("Toy", template).resources["A"].attributes["Pad"] == "x" * pad
        return
    with pytest.raises(StackFailed) as failed:
        engine.deploy("Toy", template)
    assert failed.value.failures["A"].startswith("Response object is too long. [")


@pytest.mark.parametrize("pad", [3_500, 4_200])
def test_a_response_a_plain_function_puts_over_4096_bytes_fails_the_resource(
    engine: Engine, tmp_path: Path, pad: int
) -> None:
    plain = toy_function("toy.answer", "python3.12", {"TOY_LOG": str(tmp_path / "toy.log")})
    resources = {
        "HandlerRole": ROLE_RESOURCE,
        "Plain": plain,
        "A": {"Type": "Custom::Plain", "Properties": {"ServiceToken": {"Fn::GetAtt": ["Plain", "Arn"]}, "Name": "a"}},
    }
    resources["A"]["Properties"]["Pad"] = pad
    if pad < 4_096 - 500:
        assert deploy(engine, resources).resources["A"].attributes["Pad"] == "x" * pad
        return
    with pytest.raises(StackFailed) as failed:
        deploy(engine, resources)
    assert failed.value.failures["A"].startswith("Response object is too long. [")
