"""``DatasetDistribution``: split a TRAIN dataset into its project's empty TEST dataset (80/20)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import aws_cdk as cdk
from constructs import Construct

from rekognition_datasets._handler_policy import project_key
from rekognition_datasets.dataset import Dataset
from rekognition_datasets.dataset_type import DatasetType
from rekognition_datasets.errors import ValidationError
from rekognition_datasets.provider import DatasetProvider
from rekognition_datasets_handler import schema

if TYPE_CHECKING:
    from rekognition_datasets.dataset import IDataset


class DatasetDistribution(Construct):
    """A ``Custom::RekognitionDatasetDistribution`` that moves 20% of ``training`` into ``testing``.

    Wiring: ``testing`` is rebuilt empty whenever the training source's fingerprint changes
    (``ResetOnTrainingFingerprint``), ``training`` is rebuilt rather than upserted on any source change
    (``Distributed``), and this resource re-splits on the same change (``TrainingFingerprint``). So after every
    deploy the two datasets hold a fresh split, never overlapping, and both datasets' ``total_entries`` and
    ``labeled_entries`` report the counts after the split. A rollback sends this resource no event: the two
    datasets then finish the split themselves (the handler's ``resources/resplit.py``).

    :param training: the TRAIN dataset to split (declared in this app, with a source).
    :param testing: the TEST dataset of the same project, declared without a source (it starts empty).
    """

    def __init__(self, scope: Construct, id: str, *, training: IDataset, testing: IDataset) -> None:
        super().__init__(scope, id)
        train, test = self._check(training, testing)
        #: The TRAIN dataset it splits.
        self.training: Dataset = train
        #: The TEST dataset it fills.
        self.testing: Dataset = test
        provider = DatasetProvider.of(self)
        fingerprint = train.declared_fingerprint
        test._set_property("ResetOnTrainingFingerprint", fingerprint)
        train._set_property("Distributed", "true")
        properties: schema.DistributionProperties = {
            "TrainingDatasetArn": train.dataset_arn,
            "TestingDatasetArn": test.dataset_arn,
            "TrainingFingerprint": fingerprint,
        }
        self._resource = cdk.CustomResource(
            self,
            "Resource",
            service_token=provider.service_token,
            resource_type=schema.DISTRIBUTION_RESOURCE_TYPE,
            properties=properties,
            service_timeout=provider.service_timeout,
        )
        train._attach_split(self.training_entries, self.training_labeled_entries)
        test._attach_split(self.testing_entries, self.testing_labeled_entries)

    def _check(self, training: IDataset, testing: IDataset) -> tuple[Dataset, Dataset]:
        if not isinstance(training, Dataset) or not isinstance(testing, Dataset):
            raise ValidationError(
                self, "training and testing must be Dataset constructs declared in this app (not imported datasets)"
            )
        if training.dataset_type is not DatasetType.TRAIN:
            raise ValidationError(self, f"training ({training.node.path}) must be a DatasetType.TRAIN dataset")
        if testing.dataset_type is not DatasetType.TEST:
            raise ValidationError(self, f"testing ({testing.node.path}) must be a DatasetType.TEST dataset")
        if project_key(training.project) != project_key(testing.project):
            raise ValidationError(
                self,
                f"training ({training.node.path}) and testing ({testing.node.path}) are in different projects; "
                "a distribution splits within one project: declare both datasets with the same project",
            )
        if testing.has_source_entries:
            raise ValidationError(
                self,
                f"testing ({testing.node.path}) has its own source, but a distribution fills it from training; "
                "declare the TEST dataset without a source (or DatasetSource.empty())",
            )
        for dataset in (training, testing):
            if dataset._split is not None:
                raise ValidationError(self, f"{dataset.node.path} is already split by another DatasetDistribution")
        return training, testing

    @property
    def training_entries(self) -> str:
        """Entries left in the training dataset after the split."""
        return self._resource.get_att_string(schema.ATTR_TRAINING_ENTRIES)

    @property
    def testing_entries(self) -> str:
        """Entries moved into the testing dataset."""
        return self._resource.get_att_string(schema.ATTR_TESTING_ENTRIES)

    @property
    def training_labeled_entries(self) -> str:
        """Labeled entries left in the training dataset."""
        return self._resource.get_att_string(schema.ATTR_TRAINING_LABELED_ENTRIES)

    @property
    def testing_labeled_entries(self) -> str:
        """Labeled entries in the testing dataset."""
        return self._resource.get_att_string(schema.ATTR_TESTING_LABELED_ENTRIES)
