"""AWS CDK constructs for Amazon Rekognition Custom Labels projects and datasets."""

from rekognition_datasets.dataset import Dataset, IDataset
from rekognition_datasets.dataset_type import DatasetType
from rekognition_datasets.distribution import DatasetDistribution
from rekognition_datasets.errors import ValidationError
from rekognition_datasets.model import Model
from rekognition_datasets.model_serving import ModelServing
from rekognition_datasets.project import IProject, Project
from rekognition_datasets.provider import DatasetProvider
from rekognition_datasets.settings import ProviderSettings
from rekognition_datasets.source import DatasetSource

__all__ = [
    "Dataset",
    "DatasetDistribution",
    "DatasetProvider",
    "DatasetSource",
    "DatasetType",
    "IDataset",
    "IProject",
    "Model",
    "ModelServing",
    "Project",
    "ProviderSettings",
    "ValidationError",
]
