"""Template bodies as CreateChangeSet and GetTemplateSummary receive them: inline, or an S3 URL in the emulator."""

from __future__ import annotations

import json
import urllib.parse
from typing import TYPE_CHECKING, Any

from rekognition_datasets_local.cloudformation.errors import InsufficientCapabilities, ValidationError
from rekognition_datasets_local.runner import quotas
from rekognition_datasets_local.runner.errors import TemplateError
from rekognition_datasets_local.runner.template import Template
from rekognition_datasets_local.runner.yaml_template import load_yaml

if TYPE_CHECKING:
    from collections.abc import Collection, Mapping

    from mypy_boto3_s3 import S3Client

#: Name properties that make an IAM resource "named" (CAPABILITY_NAMED_IAM instead of CAPABILITY_IAM).
_IAM_NAMES = ("RoleName", "UserName", "GroupName", "ManagedPolicyName", "InstanceProfileName")


def template_text(params: Mapping[str, Any], s3: S3Client) -> str:
    """The template text of a request (``TemplateBody`` or ``TemplateURL``); exactly one must be given."""
    body, url = params.get("TemplateBody"), params.get("TemplateURL")
    if (body is None) == (url is None):
        raise ValidationError("Specify exactly one of TemplateBody or TemplateURL.")
    return str(body) if body is not None else _download(str(url), s3)


def _download(url: str, s3: S3Client) -> str:
    """Read ``https://s3.<region>.amazonaws.com/<bucket>/<key>`` (or a virtual-hosted or emulator URL)."""
    parsed = urllib.parse.urlparse(url)
    host, path = parsed.hostname or "", urllib.parse.unquote(parsed.path.lstrip("/"))
    if ".s3." in host or host.endswith(".s3.amazonaws.com"):
        bucket, key = host.split(".s3", 1)[0], path
    else:
        bucket, _, key = path.partition("/")
    if parsed.scheme not in ("http", "https") or not bucket or not key:
        raise ValidationError(f"TemplateURL must be an Amazon S3 URL that points to an object: {url}")
    try:
        data: bytes = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except s3.exceptions.ClientError as exc:
        raise ValidationError(
            f"TemplateURL {url}: s3://{bucket}/{key} cannot be read from the emulator's S3 ({exc})"
        ) from None
    return data.decode("utf-8")


def parse_template(text: str, *, uploaded: bool = True) -> Template:
    """The template (JSON or YAML), refused as CloudFormation refuses it: a malformed one is a ``Template format
    error``, one over a quota names it. ``uploaded``: it came by TemplateURL (the 1 MB size quota applies)."""
    try:
        body = json.loads(text) if text.lstrip().startswith("{") else load_yaml(text)
        if not isinstance(body, dict):
            raise TemplateError("the template is not a JSON or YAML object")
        template = Template.from_dict(body, size=len(text.encode("utf-8")), uploaded=uploaded)
    except (ValueError, TemplateError) as exc:
        raise ValidationError(f"Template format error: {exc}") from None
    try:
        quotas.check_template(template)
    except TemplateError as exc:
        raise ValidationError(str(exc)) from None
    return template


def required_capability(template: Template) -> str | None:
    """CAPABILITY_NAMED_IAM for named IAM resources, CAPABILITY_IAM for other IAM resources, else None."""
    iam = [r for r in template.resources.values() if r.type.startswith("AWS::IAM::")]
    if any(name in r.properties for r in iam for name in _IAM_NAMES):
        return "CAPABILITY_NAMED_IAM"
    return "CAPABILITY_IAM" if iam else None


def check_capabilities(template: Template, granted: Collection[str]) -> None:
    """Refuse, as CloudFormation does, a template whose IAM resources were not acknowledged."""
    needed = required_capability(template)
    if needed is None or needed in granted or (needed == "CAPABILITY_IAM" and "CAPABILITY_NAMED_IAM" in granted):
        return
    raise InsufficientCapabilities(f"Requires capabilities : [{needed}]")


def parameter_declarations(template: Template) -> list[dict[str, Any]]:
    """The template's parameters as ``ParameterDeclaration`` shapes."""
    declared = []
    for name, spec in template.parameters.items():
        item: dict[str, Any] = {"ParameterKey": name, "ParameterType": str(spec.get("Type", "String"))}
        if "Default" in spec:
            item["DefaultValue"] = str(spec["Default"])
        item["NoEcho"] = str(spec.get("NoEcho", "false")).lower() == "true"
        if "Description" in spec:
            item["Description"] = str(spec["Description"])
        if "AllowedValues" in spec:
            item["ParameterConstraints"] = {"AllowedValues": [str(v) for v in spec["AllowedValues"]]}
        declared.append(item)
    return declared
