"""The console-format line builder produces lines the rules accept, with the labels given."""

from __future__ import annotations

import json

from rekognition_datasets_handler.manifest import GENERATED_CREATION_DATE, ManifestValidator, classification_entry


def test_classification_entry_is_a_valid_multi_label_line() -> None:
    entry = classification_entry("s3://images-bucket/a/cat.png", ["cat", "indoor"])
    result = ManifestValidator().feed(json.dumps(entry))
    assert result.errors == () and result.warnings == ()
    assert result.labels == frozenset({"cat", "indoor"})
    assert entry["cat-metadata"] == {
        "confidence": 1,
        "job-name": "labeling-job/cat",
        "class-name": "cat",
        "human-annotated": "yes",
        "creation-date": GENERATED_CREATION_DATE,
        "type": "groundtruth/image-classification",
    }


def test_classification_entry_without_labels_is_an_unannotated_record() -> None:
    entry = classification_entry("s3://images-bucket/a/x.png", [])
    assert entry == {"source-ref": "s3://images-bucket/a/x.png"}
    assert [w.code for w in ManifestValidator().feed(json.dumps(entry)).warnings] == ["WARNING_UNANNOTATED_RECORD"]
