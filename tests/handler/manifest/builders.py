"""Builders of manifest lines for the manifest-rule tests: valid by default, mutated per test."""

from __future__ import annotations

import json
from typing import Any

BUCKET = "custom-labels-bucket"

#: Verbatim examples from the Custom Labels developer guide (reference §3.1, §3.2, §3.4 E).
DOC_CLASSIFICATION = (
    '{"source-ref":"s3://custom-labels-console-us-east-1-nnnnnnnnnn/gt-job/manifest/IMG_1133.png",'
    '"TestCLConsoleBucket":0,"TestCLConsoleBucket-metadata":{"confidence":0.95,'
    '"job-name":"labeling-job/testclconsolebucket","class-name":"Echo Dot","human-annotated":"yes",'
    '"creation-date":"2020-04-15T20:17:23.433061","type":"groundtruth/image-classification"}}'
)
DOC_CLASSIFICATION_PRETTY = """{
    "source-ref": "s3://bucket/images/sunrise.png",
    "testdataset-classification_Sunrise": 1,
    "testdataset-classification_Sunrise-metadata": {
        "confidence": 1,
        "job-name": "labeling-job/testdataset-classification_Sunrise",
        "class-name": "Sunrise",
        "human-annotated": "yes",
        "creation-date": "2020-03-06T17:46:39.176",
        "type": "groundtruth/image-classification"
    }
}"""
DOC_DETECTION = (
    '{"source-ref": "s3://bucket/images/IMG_1186.png", "bounding-box": {"image_size": [{"width": 640, "height": 480, '
    '"depth": 3}], "annotations": [{ "class_id": 1,\t"top": 251,\t"left": 399, "width": 155, "height": 101}, '
    '{"class_id": 0, "top": 65, "left": 86, "width": 220,\t"height": 334}]}, "bounding-box-metadata": {"objects": '
    '[{ "confidence": 1}, {"confidence": 1}],\t"class-map": {"0": "Echo",\t"1": "Echo Dot"}, "type": '
    '"groundtruth/object-detection", "human-annotated": "yes",\t"creation-date": "2013-11-18T02:53:27", '
    '"job-name": "my job"}}'
)
DOC_DETECTION_CONSOLE = (
    '{"source-ref":"s3://bucket/image","BB":{"annotations":[{"left":1849,"top":1039,"width":422,"height":283,'
    '"class_id":0},{"left":1849,"top":1340,"width":443,"height":415,"class_id":1},{"left":2637,"top":1380,'
    '"width":676,"height":338,"class_id":2},{"left":2634,"top":1051,"width":673,"height":338,"class_id":3}],'
    '"image_size":[{"width":4000,"height":2667,"depth":3}]},"BB-metadata":{"job-name":"labeling-job/BB",'
    '"class-map":{"0":"comparator","1":"pot_resistor","2":"ir_phototransistor","3":"ir_led"},"human-annotated":"yes",'
    '"objects":[{"confidence":1},{"confidence":1},{"confidence":1},{"confidence":1}],'
    '"creation-date":"2021-06-22T10:11:18.006Z","type":"groundtruth/object-detection"}}'
)
DOC_MULTILABEL_GROUND_TRUTH = (
    '{"source-ref": "s3://AWSDOC-EXAMPLE-BUCKET/example_image.jpg","image-label-attribute-name":[1,0,8],'
    '"image-label-attribute-name-metadata":{"job-name":"labeling-job/image-label-attribute-name","class-map":'
    '{"1":"bicycle","0":"person","8":"clothing"},"human-annotated":"yes","creation-date":"2020-02-27T21:36:25.000201",'
    '"confidence-map":{"1":0.95,"0":0.77,"8":0.2},"type":"groundtruth/image-classification-multilabel"}}'
)
DOC_TOO_SMALL_BOX = """{
    "source-ref": "s3://bucket/Manifests/images/199940-1791.jpg",
    "bounding-box": {
        "image_size": [{ "width": 3000, "height": 3000, "depth": 3 }],
        "annotations": [
            { "class_id": 1, "top": 0, "left": 0, "width": 1, "height": 1 },
            { "class_id": 0, "top": 65, "left": 86, "width": 220, "height": 334 }
        ]
    },
    "bounding-box-metadata": {
        "objects": [ { "confidence": 1 }, { "confidence": 1 } ],
        "class-map": { "0": "Echo", "1": "Echo Dot" },
        "type": "groundtruth/object-detection", "human-annotated": "yes",
        "creation-date": "2019-11-20T02:57:28.288286", "job-name": "my job"
    }
}"""
DOC_WRONG_TYPE = """{
    "source-ref": "s3://bucket/test_normal_8.jpg",
    "BB": {
        "annotations": [
            { "left": 1768, "top": 1007, "width": 448, "height": 295, "class_id": 0 },
            { "left": 1794, "top": 1306, "width": 432, "height": 411, "class_id": 1 },
            { "left": 2568, "top": 1346, "width": 710, "height": 305, "class_id": 2 },
            { "left": 2571, "top": 1020, "width": 644, "height": 312, "class_id": 3 }
        ],
        "image_size": [ { "width": 4000, "height": 2667, "depth": 3 } ]
    },
    "BB-metadata": {
        "job-name": "labeling-job/BB",
        "class-map": { "0": "comparator", "1": "pot_resistor", "2": "ir_phototransistor", "3": "ir_led" },
        "human-annotated": "yes",
        "objects": [ { "confidence": 1 }, { "confidence": 1 }, { "confidence": 1 }, { "confidence": 1 } ],
        "creation-date": "2021-06-22T09:58:34.811Z",
        "type": "groundtruth/wrongtype"
    }
}"""


def one_line(text: str) -> str:
    """A pretty-printed documentation example as one JSON line."""
    return json.dumps(json.loads(text))


def classification(key: str = "img.jpg", label: str = "cat", attribute: str = "animal", **meta: Any) -> dict[str, Any]:
    """A valid image-level line; ``meta`` overrides metadata fields (``None`` removes one)."""
    metadata: dict[str, Any] = {
        "confidence": 1,
        "job-name": f"labeling-job/{attribute}",
        "class-name": label,
        "human-annotated": "yes",
        "creation-date": "2023-01-01T00:00:00.000Z",
        "type": "groundtruth/image-classification",
    }
    _override(metadata, meta)
    return {"source-ref": f"s3://{BUCKET}/{key}", attribute: 1, f"{attribute}-metadata": metadata}


def box(
    class_id: int = 0, top: float = 10, left: float = 10, width: float = 100, height: float = 100
) -> dict[str, Any]:
    return {"class_id": class_id, "top": top, "left": left, "width": width, "height": height}


def detection(
    key: str = "img.jpg",
    boxes: list[dict[str, Any]] | None = None,
    class_map: dict[str, str] | None = None,
    size: tuple[int, int] = (640, 480),
    attribute: str = "bounding-box",
    **meta: Any,
) -> dict[str, Any]:
    """A valid object-localization line (one box of class 0 "dog" by default)."""
    annotations = [box()] if boxes is None else boxes
    metadata: dict[str, Any] = {
        "objects": [{"confidence": 1} for _ in annotations],
        "class-map": {"0": "dog"} if class_map is None else class_map,
        "type": "groundtruth/object-detection",
        "human-annotated": "yes",
        "creation-date": "2023-01-01T00:00:00",
        "job-name": "labeling-job/boxes",
    }
    _override(metadata, meta)
    value = {"image_size": [{"width": size[0], "height": size[1], "depth": 3}], "annotations": annotations}
    return {"source-ref": f"s3://{BUCKET}/{key}", attribute: value, f"{attribute}-metadata": metadata}


def dumps(obj: object) -> str:
    return json.dumps(obj)


def _override(metadata: dict[str, Any], changes: dict[str, Any]) -> None:
    for name, value in changes.items():
        field = name.replace("_", "-")
        if value is None:
            metadata.pop(field, None)
        else:
            metadata[field] = value
