"""Units of the emulator that need no server: clock, pagination tokens, the split, the request log."""

from __future__ import annotations

import json

import pytest

from rekognition_datasets_handler.manifest import ManifestValidator
from rekognition_datasets_local.emulator import Clock, Emulator, EmulatorConfig
from rekognition_datasets_local.emulator.distribution import split
from rekognition_datasets_local.emulator.exceptions import InvalidPaginationTokenException
from rekognition_datasets_local.emulator.pagination import paginate
from rekognition_datasets_local.emulator.request_log import summarise

from .manifests import classification, image


def test_frozen_clock_moves_only_when_advanced():
    clock = Clock(frozen_at=1000.0)

    clock.advance(2.5)

    assert clock.now() == 1002.5
    with pytest.raises(ValueError, match="only moves forward"):
        clock.advance(-1)
    clock.reset()
    assert clock.now() == 1000.0


def test_pagination_tokens_are_bound_to_arguments():
    items = list(range(5))
    page, token = paginate(items, {"DatasetArn": "a", "MaxResults": 2})
    rest, last = paginate(items, {"DatasetArn": "a", "MaxResults": 3, "NextToken": token})

    assert (page, rest, last) == ([0, 1], [2, 3, 4], None)
    with pytest.raises(InvalidPaginationTokenException):
        paginate(items, {"DatasetArn": "b", "NextToken": token})


def test_default_page_is_100():
    page, token = paginate(list(range(150)), {})

    assert len(page) == 100
    assert token is not None


def _entries(lines):
    validator = ManifestValidator()
    results = [validator.feed(json.dumps(line)) for line in lines]
    return {r.source_ref: r for r in results}


def test_split_never_takes_a_labels_last_training_image():
    # Each "pair" image carries both labels; "dog" has only two images, so one must stay in training.
    entries = _entries(
        [classification(image(f"cat{i}"), "cat") for i in range(8)]
        + [classification(image(f"pair{i}"), "cat", "dog") for i in range(2)]
    )

    train, test = split(entries)

    for label in ("cat", "dog"):
        assert any(label in r.labels for r in train.values())
        assert any(label in r.labels for r in test.values())
    assert len(test) == 2  # deterministic: entries are ranked by a hash of their source-ref


def test_split_fails_for_a_label_with_one_image():
    entries = _entries([classification(image("a"), "cat"), classification(image("b"), "cat", "dog")])

    assert split(entries) is None


def test_request_log_keeps_blob_sizes_not_contents():
    assert summarise({"Changes": {"GroundTruth": b"12345"}, "Tags": [{"GroundTruth": "QUJD"}]}) == {
        "Changes": {"GroundTruth": {"size": 5}},
        "Tags": [{"GroundTruth": {"size": 3}}],
    }


def test_config_refuses_negative_delays():
    with pytest.raises(ValueError, match="dataset_create_delay must be >= 0"):
        EmulatorConfig(dataset_create_delay=-1)


def test_instant_config_keeps_overrides():
    config = EmulatorConfig.instant(region="eu-west-1", project_delete_delay=2)

    assert (config.region, config.project_delete_delay, config.dataset_create_delay) == ("eu-west-1", 2, 0)


def test_urls_need_a_started_emulator():
    emulator = Emulator()

    with pytest.raises(RuntimeError, match="call start"):
        _ = emulator.rekognition_url
    with pytest.raises(RuntimeError, match="call start"):
        _ = emulator.s3_url


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.com"])
def test_emulator_serves_loopback_only(host):
    with pytest.raises(ValueError, match="loopback only"):
        Emulator(host=host)
