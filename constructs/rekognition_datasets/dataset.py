"""``Dataset``: a ``Custom::RekognitionDataset`` served by the stack's single provider."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

import aws_cdk as cdk
import jsii
from aws_cdk import aws_iam as iam
from aws_cdk.interfaces import aws_rekognition as rekognition_refs

from rekognition_datasets import perms
from rekognition_datasets._handler_policy import project_key
from rekognition_datasets.dataset_type import DatasetType
from rekognition_datasets.errors import ValidationError
from rekognition_datasets.lazy import lazy_string
from rekognition_datasets.project import Project, _ProjectBase
from rekognition_datasets.provider import DatasetProvider
from rekognition_datasets.source import DatasetSource
from rekognition_datasets_handler import schema

if TYPE_CHECKING:
    from collections.abc import Mapping

    from constructs import Construct

    from rekognition_datasets.project import IProject

RETAINING = (cdk.RemovalPolicy.RETAIN, cdk.RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE, cdk.RemovalPolicy.SNAPSHOT)


class IDataset(cdk.IResource, rekognition_refs.IDatasetRef, Protocol):
    """A Rekognition Custom Labels dataset, declared in this app or imported.

    A CDK resource (``node``, ``stack``, ``env``...) that is also aws-cdk-lib's ``IDatasetRef``.
    """

    @property
    def dataset_arn(self) -> str:
        """The dataset ARN."""
        ...

    @property
    def source_fingerprint(self) -> str:
        """Identifies the dataset's content source; copies (``DatasetSource.from_dataset``) follow it."""
        ...

    def grant_read(self, grantee: iam.IGrantable) -> iam.Grant:
        """Grant describing the dataset and listing its entries and labels."""
        ...


@jsii.implements(rekognition_refs.IDatasetRef)
class _DatasetBase(cdk.Resource):
    @property
    def dataset_arn(self) -> str:
        raise NotImplementedError

    @property
    def source_fingerprint(self) -> str:
        raise NotImplementedError

    @property
    def dataset_ref(self) -> rekognition_refs.DatasetReference:
        """A reference to this dataset (aws-cdk-lib's ``IDatasetRef``)."""
        return rekognition_refs.DatasetReference(dataset_arn=self.dataset_arn)

    def grant_read(self, grantee: iam.IGrantable) -> iam.Grant:
        return iam.Grant.add_to_principal(
            grantee=grantee, actions=list(perms.DATASET_READ_ACTIONS), resource_arns=[self.dataset_arn]
        )


class _ImportedDataset(_DatasetBase):
    def __init__(self, scope: Construct, id: str, dataset_arn: str) -> None:
        super().__init__(scope, id)
        self._arn = dataset_arn

    @property
    def dataset_arn(self) -> str:
        return self._arn

    @property
    def source_fingerprint(self) -> str:
        return self._arn


@jsii.implements(cdk.ITaggable)
class Dataset(_DatasetBase):
    """A Rekognition Custom Labels dataset (``Custom::RekognitionDataset``, child ``"Resource"``).

    :param project: the project that holds the dataset (one TRAIN and one TEST dataset per project): a
        ``Project``, an imported one, or any aws-cdk-lib ``IProjectRef`` such as an ``aws_rekognition.CfnProject``.
    :param dataset_type: ``DatasetType.TRAIN`` or ``DatasetType.TEST``. Default: TRAIN.
    :param source: where the entries come from. Default: ``DatasetSource.empty()``.
    :param tags: tags for the dataset. Default: none (``Tags.of(...)`` also applies).
    :param removal_policy: Default: ``RemovalPolicy.DESTROY``, unlike CDK's usual RETAIN for stateful resources:
        a retained dataset makes DeleteProject fail, so ``cdk destroy`` of its project would fail. RETAIN is
        only allowed in a project that is retained too.
    :param max_error_entries: fail the deploy when the dataset has more entries with errors than this.
        Default: no limit (errors are reported in the ``error_entries`` attribute).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        project: rekognition_refs.IProjectRef,
        dataset_type: DatasetType = DatasetType.TRAIN,
        source: DatasetSource | None = None,
        tags: Mapping[str, str] | None = None,
        removal_policy: cdk.RemovalPolicy = cdk.RemovalPolicy.DESTROY,
        max_error_entries: int | None = None,
    ) -> None:
        super().__init__(scope, id)
        #: The project that holds the dataset (the ``IProject`` of the reference passed as ``project``).
        self.project: IProject = Project.from_project_ref(self, "Project", project)
        self._check_arguments(self.project, dataset_type, removal_policy, max_error_entries, tags)
        #: TRAIN or TEST.
        self.dataset_type = dataset_type
        self._initial_tags = dict(tags or {})
        self._tags: cdk.TagManager | None = None
        provider = DatasetProvider.of(scope)
        self._claim_slot(provider)
        provider._policy.cover_project(self.project)
        bound = (source or DatasetSource.empty())._bind(self, provider._policy)
        #: Whether the declared source adds entries (false for ``DatasetSource.empty()``).
        self.has_source_entries = bound.has_entries
        #: The source fingerprint as declared at synth (a distribution re-splits when it changes).
        self.declared_fingerprint = bound.fingerprint
        properties: schema.DatasetProperties = {
            "ProjectArn": self.project.project_arn,
            "DatasetType": dataset_type.value,
            "Source": bound.properties,
            "SourceFingerprint": bound.fingerprint,
        }
        if max_error_entries is not None:
            properties["MaxErrorEntries"] = str(max_error_entries)
        self._resource = cdk.CustomResource(
            self,
            "Resource",
            service_token=provider.service_token,
            resource_type=schema.DATASET_RESOURCE_TYPE,
            properties=properties,
            removal_policy=removal_policy,
            service_timeout=provider.service_timeout,
        )
        if isinstance(self.project, Project) and self.project.stack is self.stack:
            # the project's models guard is deleted before its datasets (and after its models); a project of
            # another stack outlives this one's datasets anyway
            self.project._models_guard.node.add_dependency(self._resource)
        self._split: tuple[str, str] | None = None
        if self._initial_tags:
            self._tag_manager()

    def _check_arguments(
        self,
        project: IProject,
        dataset_type: DatasetType,
        removal_policy: cdk.RemovalPolicy,
        max_error_entries: int | None,
        tags: Mapping[str, str] | None,
    ) -> None:
        if not isinstance(dataset_type, DatasetType):
            raise ValidationError(
                self, f"dataset_type {dataset_type!r} is not a DatasetType; use DatasetType.TRAIN or DatasetType.TEST"
            )
        if isinstance(project, _ProjectBase):
            if not project._arn_known:
                raise ValidationError(
                    self,
                    "the project was imported by name, so its ARN is unknown; import it with "
                    "Project.from_project_arn to declare datasets in it",
                )
            if project._removal_policy is cdk.RemovalPolicy.DESTROY and removal_policy in RETAINING:
                raise ValidationError(
                    self,
                    f"removal policy {removal_policy.name} keeps the dataset while its project is destroyed, and "
                    "DeleteProject fails while the project has datasets; use RemovalPolicy.DESTROY for the "
                    "dataset or retain the project as well",
                )
        reserved = [key for key in tags or {} if key.startswith(("aws:", schema.RESERVED_TAG_PREFIX))]
        if reserved:
            raise ValidationError(
                self,
                f"tag key {reserved[0]!r} uses a reserved prefix ('aws:' or {schema.RESERVED_TAG_PREFIX!r}); rename it",
            )
        if max_error_entries is not None and (isinstance(max_error_entries, bool) or max_error_entries < 0):
            raise ValidationError(self, f"max_error_entries must be a non-negative integer (got {max_error_entries!r})")

    def _claim_slot(self, provider: DatasetProvider) -> None:
        slot = (project_key(self.project), self.dataset_type.value)
        holder = provider._dataset_slots.get(slot)
        if holder is not None:
            raise ValidationError(
                self,
                f"the project already has a {self.dataset_type.value} dataset ({holder.node.path}); a project holds "
                "one TRAIN and one TEST dataset: remove one, change its dataset_type, or use another project",
            )
        provider._dataset_slots[slot] = self

    @property
    def tags(self) -> cdk.TagManager:
        """The dataset's tags (``Tags.of(...)`` reaches them; rendered into the ``Tags`` property)."""
        return self._tag_manager()

    def _tag_manager(self) -> cdk.TagManager:
        """Create the tag manager on first use (tags in props, ``Tags.of``, or ``tags``): untagged datasets skip it."""
        if self._tags is None:
            self._tags = cdk.TagManager(cdk.TagType.MAP, schema.DATASET_RESOURCE_TYPE, self._initial_tags)
            self._set_property("Tags", self._tags.rendered_tags)  # rendered at synth, absent while empty
        return self._tags

    @staticmethod
    def from_dataset_arn(scope: Construct, id: str, dataset_arn: str) -> IDataset:
        """Import a dataset made elsewhere (for ``DatasetSource.from_dataset`` or grants)."""
        return _ImportedDataset(scope, id, dataset_arn)

    @staticmethod
    def from_dataset_ref(scope: Construct, id: str, dataset: rekognition_refs.IDatasetRef) -> IDataset:
        """The ``IDataset`` of any aws-cdk-lib dataset reference (e.g. an ``aws_rekognition.CfnDataset``).

        A dataset of this library is returned as it is; any other is imported by its ARN.
        """
        if isinstance(dataset, _DatasetBase):
            return dataset
        return _ImportedDataset(scope, id, dataset.dataset_ref.dataset_arn)

    @property
    def resource(self) -> cdk.CustomResource:
        """The underlying custom resource."""
        return self._resource

    @property
    def dataset_arn(self) -> str:
        return self._resource.get_att_string(schema.ATTR_DATASET_ARN)

    @property
    def source_fingerprint(self) -> str:
        return self._resource.get_att_string(schema.ATTR_SOURCE_FINGERPRINT)

    @property
    def status(self) -> str:
        """``DescribeDataset`` status after the deploy (e.g. ``CREATE_COMPLETE``)."""
        return self._resource.get_att_string(schema.ATTR_STATUS)

    @property
    def status_message(self) -> str:
        """``DescribeDataset`` status message after the deploy."""
        return self._resource.get_att_string(schema.ATTR_STATUS_MESSAGE)

    @property
    def total_entries(self) -> str:
        """Number of entries; for a dataset split by a ``DatasetDistribution``, the count after the split."""
        return self._stat(schema.ATTR_TOTAL_ENTRIES, 0)

    @property
    def labeled_entries(self) -> str:
        """Number of labeled entries; after a split when a ``DatasetDistribution`` splits the dataset."""
        return self._stat(schema.ATTR_LABELED_ENTRIES, 1)

    @property
    def total_labels(self) -> str:
        """Number of distinct labels."""
        return self._resource.get_att_string(schema.ATTR_TOTAL_LABELS)

    @property
    def error_entries(self) -> str:
        """Number of entries with at least one error."""
        return self._resource.get_att_string(schema.ATTR_ERROR_ENTRIES)

    def _stat(self, attribute: str, split_index: int) -> str:
        def produce() -> str:
            if self._split is not None:
                return self._split[split_index]
            return self._resource.get_att_string(attribute)

        return lazy_string(produce)

    def _attach_split(self, entries: str, labeled_entries: str) -> None:
        """Report entry counts from a distribution that splits this dataset (they change with the split)."""
        self._split = (entries, labeled_entries)

    def _set_property(self, name: str, value: object) -> None:
        cfn = self._resource.node.default_child
        assert isinstance(cfn, cdk.CfnResource)
        cfn.add_property_override(name, value)
