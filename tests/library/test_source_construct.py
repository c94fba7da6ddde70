"""DatasetSource factories: rendered Source/fingerprint, synth-time manifest checks, and the handler's reads."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Annotations, Match, Template
from cdk_nag import AwsSolutionsChecks
from construct_helpers import (
    ENV,
    FAST_APP,
    classification_line,
    new_stack,
    resource_properties,
    statements_with,
    valid_lines,
)

from rekognition_datasets import Dataset, DatasetSource, Project, ValidationError

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "images"
EXAMPLE_PNGS = sorted(EXAMPLES.rglob("*.png"))
EXAMPLE_PNG = EXAMPLE_PNGS[0]
ASSET_BUCKET = "cdk-hnb659fds-assets-123456789012-us-east-1"


def _dataset_properties(stack: cdk.Stack) -> dict[str, Any]:
    (properties,) = resource_properties(Template.from_stack(stack), "Custom::RekognitionDataset")
    return properties


def _object_read_resources(template: Template) -> list[str]:
    return [json.dumps(s["Resource"], sort_keys=True) for s in statements_with(template, "s3:GetObject")]


def test_empty_source_is_the_default() -> None:
    stack = new_stack()
    Dataset(stack, "D", project=Project(stack, "P"), source=DatasetSource.empty())
    properties = _dataset_properties(stack)
    assert properties["Source"] == {"Type": "empty"}
    assert properties["SourceFingerprint"] == "empty"


def test_from_bucket_with_version_kms_and_image_prefix() -> None:
    stack = new_stack()
    manifests = s3.Bucket(stack, "Manifests", encryption=s3.BucketEncryption.KMS)
    images = s3.Bucket(stack, "Images")
    source = DatasetSource.from_bucket(
        manifests, "train/output.manifest", version="v1", images_bucket=images, images_prefix="photos/"
    )
    Dataset(stack, "D", project=Project(stack, "P"), source=source)
    template = Template.from_stack(stack)
    properties = _dataset_properties(stack)
    manifests_id = stack.get_logical_id(manifests.node.default_child)  # type: ignore[arg-type]
    assert properties["Source"] == {
        "Type": "manifest",
        "Bucket": {"Ref": manifests_id},
        "Key": "train/output.manifest",
        "Version": "v1",
    }
    assert properties["SourceFingerprint"] == {
        "Fn::Join": ["", ["s3://", {"Ref": manifests_id}, "/train/output.manifest?versionId=v1"]]
    }
    (manifest_read,) = statements_with(template, "s3:GetObjectVersion")
    assert manifest_read["Action"] == ["s3:GetObject", "s3:GetObjectVersion"]
    assert "/train/output.manifest" in json.dumps(manifest_read["Resource"])
    assert any("/photos/*" in r and "Images" in r for r in _object_read_resources(template))
    (decrypt,) = statements_with(template, "kms:Decrypt")
    manifests_key = manifests.encryption_key
    assert manifests_key is not None
    assert decrypt["Resource"] == stack.resolve(manifests_key.key_arn)


def test_from_bucket_defaults_read_the_whole_manifest_bucket_for_images_and_no_kms() -> None:
    stack = new_stack()
    bucket = s3.Bucket.from_bucket_name(stack, "Data", "my-data-bucket")
    Dataset(stack, "D", project=Project(stack, "P"), source=DatasetSource.from_bucket(bucket, "m.manifest"))
    template = Template.from_stack(stack)
    properties = _dataset_properties(stack)
    assert properties["Source"] == {"Type": "manifest", "Bucket": "my-data-bucket", "Key": "m.manifest"}
    assert properties["SourceFingerprint"] == "s3://my-data-bucket/m.manifest"
    resources = _object_read_resources(template)
    assert any(r.endswith(':s3:::my-data-bucket/m.manifest"]]}') for r in resources)
    assert any(r.endswith(':s3:::my-data-bucket/*"]]}') for r in resources)
    assert statements_with(template, "kms:Decrypt") == []
    assert statements_with(template, "s3:GetObjectVersion") == []


def test_from_manifest_file_uploads_an_asset_and_scopes_image_reads(tmp_path: Path) -> None:
    manifest = tmp_path / "train.manifest"
    manifest.write_text("\n".join(valid_lines(prefix="photos/2024/")) + "\n")
    stack = new_stack()
    Dataset(stack, "D", project=Project(stack, "P"), source=DatasetSource.from_manifest_file(manifest))
    properties = _dataset_properties(stack)
    fingerprint = properties["SourceFingerprint"]
    assert properties["Source"]["Type"] == "manifest"
    assert properties["Source"]["Key"] == f"{fingerprint}.manifest"
    assert properties["Source"]["Bucket"] == ASSET_BUCKET
    resources = _object_read_resources(Template.from_stack(stack))
    assert any(f"/{fingerprint}.manifest" in r for r in resources)
    assert any(r.endswith(':s3:::example-images-bucket/photos/2024/*"]]}') for r in resources)


def test_manifest_file_fingerprint_follows_its_content(tmp_path: Path) -> None:
    manifest = tmp_path / "train.manifest"
    fingerprints = []
    for lines in (valid_lines(), valid_lines(), valid_lines(count=8)):
        manifest.write_text("\n".join(lines) + "\n")
        stack = new_stack()
        Dataset(stack, "D", project=Project(stack, "P"), source=DatasetSource.from_manifest_file(manifest))
        fingerprints.append(_dataset_properties(stack)["SourceFingerprint"])
    assert fingerprints[0] == fingerprints[1] != fingerprints[2]


def test_manifest_errors_fail_synth_with_file_line_and_code(tmp_path: Path) -> None:
    manifest = tmp_path / "bad.manifest"
    manifest.write_text("\n".join([*valid_lines(count=8), "{not json"]) + "\n")
    stack = new_stack()
    with pytest.raises(ValidationError) as raised:
        Dataset(stack, "D", project=Project(stack, "P"), source=DatasetSource.from_manifest_file(manifest))
    message = str(raised.value)
    assert message.startswith("Test/D: ")
    assert f"{manifest}:9: ERROR_INVALID_JSON_LINE: " in message


def test_manifest_training_errors_become_warnings(tmp_path: Path) -> None:
    manifest = tmp_path / "one-label.manifest"
    manifest.write_text("\n".join(classification_line("example-images-bucket", f"a/{i}.png", "cat") for i in range(4)))
    stack = new_stack()
    Dataset(stack, "D", project=Project(stack, "P"), source=DatasetSource.from_manifest_file(manifest))
    warnings = Annotations.from_stack(stack).find_warning(
        "/Test/D", Match.string_like_regexp("ERROR_MANIFEST_TOO_FEW_LABELS")
    )
    assert len(warnings) == 1


def test_missing_manifest_file_fails(tmp_path: Path) -> None:
    stack = new_stack()
    with pytest.raises(ValidationError, match="does not exist"):
        Dataset(stack, "D", project=Project(stack, "P"), source=DatasetSource.from_manifest_file(tmp_path / "x"))


def test_from_entries_accepts_dicts_and_json_lines(tmp_path: Path) -> None:
    lines = valid_lines(count=4)
    entries: list[Any] = [json.loads(lines[0]), lines[1], json.loads(lines[2]), lines[3]]
    app = cdk.App(outdir=str(tmp_path / "out"), **FAST_APP)
    stack = cdk.Stack(app, "Test", env=ENV)
    Dataset(stack, "D", project=Project(stack, "P"), source=DatasetSource.from_entries(entries))
    properties = _dataset_properties(stack)
    fingerprint = properties["SourceFingerprint"]
    assert properties["Source"]["Type"] == "entries"
    assert properties["Source"]["Key"] == f"{fingerprint}.jsonl"
    assert "ImageBucket" not in properties["Source"]
    app.synth()
    written = (tmp_path / "out" / f"asset.{fingerprint}.jsonl").read_text().splitlines()
    assert [json.loads(line) for line in written] == [json.loads(line) for line in lines]


def test_inline_entry_errors_fail_synth() -> None:
    stack = new_stack()
    entries = [*valid_lines(count=8), {"source-ref": "not-an-s3-uri"}]
    with pytest.raises(ValidationError, match="inline entries:9: ERROR_INVALID_SOURCE_REF_FORMAT"):
        Dataset(stack, "D", project=Project(stack, "P"), source=DatasetSource.from_entries(entries))


@pytest.mark.parametrize(
    ("entries", "named"),
    [
        ([1, 2], "entry 0 is int 1; entry 1 is int 2"),
        ([None], "entry 0 is NoneType None"),
        ([b'{"source-ref": "s3://b/k"}'], "entry 0 is bytes"),
        ([[{"source-ref": "s3://b/k"}]], "entry 0 is list"),
    ],
)
def test_entries_of_a_wrong_type_name_the_index_and_the_expected_type(entries: list[Any], named: str) -> None:
    # GIVEN entries that are neither dicts nor JSON strings (they used to raise a raw TypeError/ValueError)
    stack = new_stack()
    # WHEN bound / THEN a ValidationError names the entry and what it should be
    with pytest.raises(ValidationError, match=r"must be a dict or a JSON string") as raised:
        Dataset(stack, "D", project=Project(stack, "P"), source=DatasetSource.from_entries(entries))
    assert named in str(raised.value)


def test_one_json_lines_text_is_split_into_entries() -> None:
    # GIVEN one JSON Lines string (it used to be iterated per character, one error per character)
    stack = new_stack()
    text = "\n".join(valid_lines(count=8)) + "\n\n"
    Dataset(stack, "D", project=Project(stack, "P"), source=DatasetSource.from_entries(text))
    # THEN it is accepted as one entry per line, like the list of those lines
    other = new_stack()
    Dataset(other, "D", project=Project(other, "P"), source=DatasetSource.from_entries(valid_lines(count=8)))
    assert _dataset_properties(stack)["SourceFingerprint"] == _dataset_properties(other)["SourceFingerprint"]


def test_no_inline_entries_fails() -> None:
    stack = new_stack()
    with pytest.raises(ValidationError, match=r"use DatasetSource\.empty\(\)"):
        Dataset(stack, "D", project=Project(stack, "P"), source=DatasetSource.from_entries([]))


def _image_folder(root: Path) -> Path:
    relatives = ("cat/1.png", "cat/2.png", "cat/tabby/3.png", "dog/1.png", "dog/2.png", "root.png")
    for relative, image in zip(relatives, EXAMPLE_PNGS, strict=False):
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(image, target)
    (root / "dog" / "notes.txt").write_text("not an image")
    (root / ".hidden").mkdir()
    (root / ".hidden" / "x.png").write_text("ignored")
    return root


def test_from_image_folder_labels_by_immediate_child_folder(tmp_path: Path) -> None:
    folder = _image_folder(tmp_path / "images")
    app = cdk.App(outdir=str(tmp_path / "out"), **FAST_APP)
    stack = cdk.Stack(app, "Test", env=ENV)
    Dataset(stack, "D", project=Project(stack, "P"), source=DatasetSource.from_image_folder(folder))
    properties = _dataset_properties(stack)
    assert properties["Source"]["Type"] == "entries"
    assert properties["Source"]["ImageBucket"] == ASSET_BUCKET
    app.synth()
    fingerprint = properties["SourceFingerprint"]
    entries = [json.loads(line) for line in (tmp_path / "out" / f"asset.{fingerprint}.jsonl").read_text().splitlines()]
    labels = sorted(next((k for k in e if k.endswith("-metadata")), "-")[: -len("-metadata")] for e in entries)
    assert labels == ["", "cat", "cat", "cat", "dog", "dog"]
    refs = [e["source-ref"] for e in entries]
    assert all(ref.startswith("s3://rekognition-datasets-image-bucket/") and ref.endswith(".png") for ref in refs)
    cat = next(e for e in entries if "cat" in e)
    assert cat["cat-metadata"]["class-name"] == "cat"
    assert cat["cat-metadata"]["type"] == "groundtruth/image-classification"
    # One read per image object (exact keys), plus the entries object.
    reads = _object_read_resources(Template.from_stack(stack))
    assert sum(ref.rsplit("/", 1)[1] in " ".join(reads) for ref in refs) == len(refs)
    warnings = Annotations.from_stack(stack).find_warning("/Test/D", Match.string_like_regexp("notes.txt"))
    assert len(warnings) == 1


def test_image_folder_hash_is_stable_and_follows_the_images(tmp_path: Path) -> None:
    folder = _image_folder(tmp_path / "images")
    fingerprints = []
    for change in (False, False, True):
        if change:
            shutil.copy(EXAMPLE_PNGS[-1], folder / "cat" / "1.png")
        stack = new_stack()
        Dataset(stack, "D", project=Project(stack, "P"), source=DatasetSource.from_image_folder(folder))
        fingerprints.append(_dataset_properties(stack)["SourceFingerprint"])
    assert fingerprints[0] == fingerprints[1] != fingerprints[2]


def test_image_named_png_that_is_not_one_fails(tmp_path: Path) -> None:
    (tmp_path / "cat").mkdir()
    (tmp_path / "cat" / "fake.png").write_text("text")
    stack = new_stack()
    with pytest.raises(ValidationError, match="content is not one"):
        Dataset(stack, "D", project=Project(stack, "P"), source=DatasetSource.from_image_folder(tmp_path))


def test_folder_without_images_fails(tmp_path: Path) -> None:
    stack = new_stack()
    with pytest.raises(ValidationError, match="no PNG or JPEG images"):
        Dataset(stack, "D", project=Project(stack, "P"), source=DatasetSource.from_image_folder(tmp_path))


def test_identical_images_become_one_entry_with_all_labels(tmp_path: Path) -> None:
    folder = tmp_path / "images"
    for relative, image in (("cat/a.png", 0), ("dog/b.png", 0), ("dog/c.png", 1), ("cat/d.png", 2)):
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(EXAMPLE_PNGS[image], folder / relative)
    app = cdk.App(outdir=str(tmp_path / "out"), **FAST_APP)
    stack = cdk.Stack(app, "Test", env=ENV)
    Dataset(stack, "D", project=Project(stack, "P"), source=DatasetSource.from_image_folder(folder))
    fingerprint = _dataset_properties(stack)["SourceFingerprint"]
    app.synth()
    entries = [json.loads(line) for line in (tmp_path / "out" / f"asset.{fingerprint}.jsonl").read_text().splitlines()]
    assert len(entries) == 3
    assert sum(1 for e in entries if "cat" in e and "dog" in e) == 1
    warnings = Annotations.from_stack(stack).find_warning("/Test/D", Match.string_like_regexp("cat/a.png, dog/b.png"))
    assert len(warnings) == 1


def test_line_warnings_become_warning_annotations() -> None:
    stack = new_stack()
    entries = [*valid_lines(count=6), {"source-ref": "s3://example-images-bucket/images/unlabeled.png"}]
    Dataset(stack, "D", project=Project(stack, "P"), source=DatasetSource.from_entries(entries))
    warnings = Annotations.from_stack(stack).find_warning(
        "/Test/D", Match.string_like_regexp("inline entries:7: WARNING_UNANNOTATED_RECORD: ")
    )
    assert len(warnings) == 1


def test_large_image_folders_are_read_by_extension_not_object_by_object(tmp_path: Path) -> None:
    from rekognition_datasets.source import MAX_EXACT_IMAGE_GRANTS

    for index in range(MAX_EXACT_IMAGE_GRANTS + 1):
        label = ("cat", "dog")[index % 2]
        (tmp_path / "cat" / label).mkdir(parents=True, exist_ok=True)
        (tmp_path / "cat" / label / f"{index}.png").write_bytes(b"\x89PNG\r\n\x1a\n" + index.to_bytes(4, "big"))
    app = cdk.App(outdir=str(tmp_path / "out"), **FAST_APP)
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    stack = cdk.Stack(app, "Test", env=ENV)
    Dataset(stack, "D", project=Project(stack, "P"), source=DatasetSource.from_image_folder(tmp_path / "cat"))
    app.synth()  # the library acknowledges the by-extension wildcard (cdk-nag would fail synth otherwise)
    reads = _object_read_resources(Template.from_stack(stack))
    image_reads = [r for r in reads if ".png" in r]
    assert len(image_reads) == 1
    assert image_reads[0].endswith(f':s3:::{ASSET_BUCKET}/*.png"]]}}')
