"""B8 smoke run: tiny folder and prefix stacks; checks what is read from them, never timings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bench.b8_scale import Synth

from bench import b8_scale

if TYPE_CHECKING:
    from pathlib import Path


def test_folder_and_prefix_synth_report_template_and_policy(tmp_path: Path) -> None:
    images = b8_scale.write_images(tmp_path / "images", 4)
    assert sorted(p.relative_to(images).as_posix() for p in images.rglob("*.png")) == [
        "cat/0.png",
        "cat/2.png",
        "dog/1.png",
        "dog/3.png",
    ]
    folder = b8_scale.synth("folder", images, tmp_path / "folder")
    prefix = b8_scale.synth("prefix", tmp_path, tmp_path / "prefix")
    bare = b8_scale.synth("bare", tmp_path, tmp_path / "bare")
    assert bare.template_bytes < folder.template_bytes
    assert bare.largest_policy < min(folder.largest_policy, prefix.largest_policy) <= 10_240


def test_largest_resolved_policy_sums_a_roles_inline_policies() -> None:
    statement = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": {"Fn::GetAtt": ["Bucket", "Arn"]}}
    document = {"Version": "2012-10-17", "Statement": [statement]}
    template = {
        "Resources": {
            "Role": {"Type": "AWS::IAM::Role", "Properties": {"Policies": [{"PolicyDocument": document}]}},
            "Extra": {
                "Type": "AWS::IAM::Policy",
                "Properties": {"PolicyDocument": document, "Roles": [{"Ref": "Role"}]},
            },
        }
    }
    one = b8_scale.largest_resolved_policy({"Resources": {"Role": template["Resources"]["Role"]}})
    assert one > len('{"Version":"2012-10-17"}')
    assert b8_scale.largest_resolved_policy(template) == 2 * one


def test_size_rows_meet_only_when_constant_per_source_type(tmp_path: Path) -> None:
    def result(size: int) -> Synth:
        return Synth(wall_s=1.0, template_bytes=size, largest_policy=size, outdir=tmp_path)

    steady = b8_scale._size_rows(
        {"bare": result(1), "folder 10": result(5), "folder 100": result(5), "prefix 9": result(7)}
    )
    assert [row.verdict for row in steady] == ["met", "met"]
    grown = b8_scale._size_rows({"bare": result(1), "folder 10": result(5), "folder 100": result(6)})
    assert [row.verdict for row in grown] == ["missed", "missed"]


def test_deploy_rows_count_polls_and_calls_through_the_cli(tmp_path: Path) -> None:
    per_size = {
        "bare": b8_scale.synth("bare", tmp_path, tmp_path / "bare"),
        "prefix 3": b8_scale.synth("prefix", tmp_path, tmp_path / "prefix", refresh="3"),
    }
    rows = {row.what: row for row in b8_scale._deploy_rows(per_size, (), (3,))}
    assert sorted(rows) == [
        "Rekognition calls, deploy, prefix 3 images",
        "S3 calls, deploy, prefix 3 images",
        "S3 list calls of the prefix, deploy, prefix 3 objects",
        "offline deploy (CLI), prefix 3 images",
    ]
    lists = rows["S3 list calls of the prefix, deploy, prefix 3 objects"]
    assert lists.value is not None and lists.value.median == 1
    assert lists.verdict == "met"
    rekognition = rows["Rekognition calls, deploy, prefix 3 images"]
    assert "CreateDataset 2" in rekognition.note
    assert "ListObjectsV2" in rows["S3 calls, deploy, prefix 3 images"].note
    polls = int(rows["offline deploy (CLI), prefix 3 images"].note.split("; ")[1].split()[0])
    assert polls >= 1


def test_prefix_list_calls_meet_only_at_one_per_thousand_objects() -> None:
    def deployed(lists: int) -> b8_scale.Deployed:
        return b8_scale.Deployed(seconds=1.0, rekognition={}, s3={}, source_lists=lists, polls=1, on_event=1)

    for lists, expected in ((3, "met"), (4, "missed")):
        rows = b8_scale._subject_rows("prefix 2500", 2_500, deployed(lists), deployed(0))
        assert rows[-1].verdict == expected
