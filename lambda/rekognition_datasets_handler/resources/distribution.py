"""``Custom::RekognitionDatasetDistribution``: split ~20% of the training entries into an empty test dataset."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any, NamedTuple

from botocore.exceptions import ClientError

from rekognition_datasets_handler import failures, service
from rekognition_datasets_handler.arns import parse_dataset_arn
from rekognition_datasets_handler.errors import ProviderError
from rekognition_datasets_handler.properties import check_keys, string_property
from rekognition_datasets_handler.retry import error_code, is_transient
from rekognition_datasets_handler.runtime import Outcome
from rekognition_datasets_handler.schema import (
    ATTR_TESTING_ENTRIES,
    ATTR_TESTING_LABELED_ENTRIES,
    ATTR_TRAINING_ENTRIES,
    ATTR_TRAINING_LABELED_ENTRIES,
    DISTRIBUTION_OPTIONAL_KEYS,
    DISTRIBUTION_REQUIRED_KEYS,
    TAG_SPLIT,
    TAG_SPLIT_KEY,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    from mypy_boto3_rekognition import RekognitionClient

    from rekognition_datasets_handler.events import Request
    from rekognition_datasets_handler.runtime import Runtime

DISTRIBUTION_KEYS = frozenset(DISTRIBUTION_REQUIRED_KEYS + DISTRIBUTION_OPTIONAL_KEYS)


class DistributionSpec(NamedTuple):
    """``Custom::RekognitionDatasetDistribution`` properties."""

    training_arn: str
    testing_arn: str
    training_fingerprint: str | None = None


def parse_distribution(props: Mapping[str, Any]) -> DistributionSpec:
    """Validate ``Custom::RekognitionDatasetDistribution`` properties."""
    check_keys(props, DISTRIBUTION_KEYS, "distribution")
    arns = []
    for key in ("TrainingDatasetArn", "TestingDatasetArn"):
        arn = str(string_property(props, key, required=True))
        if parse_dataset_arn(arn) is None:
            raise ProviderError(f"{key} must be a Rekognition dataset ARN, got {arn!r:.120}.")
        arns.append(arn)
    return DistributionSpec(
        training_arn=arns[0],
        testing_arn=arns[1],
        training_fingerprint=string_property(props, "TrainingFingerprint", required=False, max_len=256),
    )


def physical_id(spec: DistributionSpec) -> str:
    """Stable and short: derived from the two dataset ARNs."""
    digest = hashlib.sha256(f"{spec.training_arn}\n{spec.testing_arn}".encode()).hexdigest()[:20]
    return f"rekognition-distribution-{digest}"


def start(request: Request, runtime: Runtime) -> Outcome:
    """``on_event``: Delete has nothing to undo (the datasets' own resources delete them); else one step."""
    if request.request_type == "Delete":
        runtime.log.info("nothing to undo for a distribution", step="delete-noop")
        return Outcome(complete=True, physical_id=request.physical_id)
    spec = parse_distribution(request.properties)
    return runtime.budget.run("Distributing the dataset entries", lambda: _step(spec, runtime))


def poll(request: Request, runtime: Runtime) -> Outcome:
    """``is_complete``: one step."""
    if request.request_type == "Delete":
        return Outcome(complete=True, physical_id=request.physical_id)
    return _step(parse_distribution(request.properties), runtime)


def _check_pair(spec: DistributionSpec) -> None:
    train, test = parse_dataset_arn(spec.training_arn), parse_dataset_arn(spec.testing_arn)
    if train is None or test is None or train.dataset_type != "TRAIN" or test.dataset_type != "TEST":
        raise ProviderError("TrainingDatasetArn must be a TRAIN dataset and TestingDatasetArn a TEST dataset.")
    if (
        train.project_name != test.project_name
        or spec.training_arn.split(":project/")[0] != spec.testing_arn.split(":project/")[0]
    ):
        raise ProviderError("TrainingDatasetArn and TestingDatasetArn must belong to the same project.")


def _step(spec: DistributionSpec, runtime: Runtime) -> Outcome:
    _check_pair(spec)
    rek = runtime.clients.rekognition
    pid = physical_id(spec)
    train = service.read_dataset(rek, spec.training_arn)
    test = service.read_dataset(rek, spec.testing_arn)
    for name, dataset, arn in (("training", train, spec.training_arn), ("testing", test, spec.testing_arn)):
        if dataset is None:
            raise ProviderError(f"The {name} dataset {arn} does not exist.")
    assert train is not None and test is not None
    log = runtime.log.bind(dataset_arn=spec.testing_arn, training_status=train.status, testing_status=test.status)
    if train.status in service.IN_PROGRESS or test.status in service.IN_PROGRESS:
        log.info("waiting for the datasets", step="wait")
        return Outcome(complete=False, physical_id=pid)
    for dataset in (test, train):
        if dataset.status in service.FAILED:
            log.error("distribution failed", step="failed")
            raise failures.failure(rek, dataset, dataset.status)
    if test.stats.get("TotalEntries", 0) == 0:
        if train.stats.get("TotalEntries", 0) == 0:
            raise ProviderError(f"The training dataset {spec.training_arn} has no entries to distribute.")
        # Marked first: once entries have moved, the training dataset's own reconciler must know it holds
        # only part of its source (a removed split rebuilds it whole).
        key = {TAG_SPLIT_KEY: spec.training_fingerprint} if spec.training_fingerprint else {}
        rek.tag_resource(ResourceArn=spec.training_arn, Tags={TAG_SPLIT: "true", **key})
        if distribute(rek, spec.training_arn, spec.testing_arn):
            log.info("distributing entries", step="distribute")
        return Outcome(complete=False, physical_id=pid)
    log.info("distribution complete", step="complete")
    return Outcome(
        complete=True,
        physical_id=pid,
        data={
            ATTR_TRAINING_ENTRIES: str(train.stats.get("TotalEntries", 0)),
            ATTR_TESTING_ENTRIES: str(test.stats.get("TotalEntries", 0)),
            ATTR_TRAINING_LABELED_ENTRIES: str(train.stats.get("LabeledEntries", 0)),
            ATTR_TESTING_LABELED_ENTRIES: str(test.stats.get("LabeledEntries", 0)),
        },
    )


def distribute(rek: RekognitionClient, training_arn: str, testing_arn: str) -> bool:
    """DistributeDatasetEntries; False when another caller got there first (the other side of the pair, or the
    distribution, polled at the same time): a dataset is busy, or the TEST refused as not empty now holds entries."""
    try:
        rek.distribute_dataset_entries(Datasets=[{"Arn": training_arn}, {"Arn": testing_arn}])
    except ClientError as exc:
        if error_code(exc) in {"ResourceInUseException", "ResourceNotReadyException"}:
            return False
        if error_code(exc) == "InvalidParameterException" and _split_meanwhile(rek, testing_arn):
            return False
        if is_transient(exc):
            raise
        message = str(exc.response.get("Error", {}).get("Message", ""))[:300]
        raise ProviderError(f"DistributeDatasetEntries failed: {error_code(exc)}: {message}") from exc
    return True


def _split_meanwhile(rek: RekognitionClient, testing_arn: str) -> bool:
    """Whether the TEST dataset, read again, is being filled or holds entries (the split this caller saw as still
    to do has been started by another)."""
    test = service.read_dataset(rek, testing_arn)
    return test is not None and (test.status in service.IN_PROGRESS or test.stats.get("TotalEntries", 0) > 0)
