"""``Model``: a Rekognition Custom Labels model version trained from a project's declared datasets.

Training outlasts any custom resource, so the deploy waits for it with an ``AWS::CloudFormation::WaitCondition``
(up to 12 hours) that the handler's training watch signals; see ``rekognition_datasets_handler.model_schema``.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import TYPE_CHECKING, Final

import aws_cdk as cdk
import jsii
from aws_cdk import aws_iam as iam

from rekognition_datasets import perms
from rekognition_datasets._handler_policy import project_key
from rekognition_datasets.dataset import RETAINING, Dataset
from rekognition_datasets.dataset_type import DatasetType
from rekognition_datasets.errors import ValidationError
from rekognition_datasets.model_serving import ModelServing
from rekognition_datasets.project import Project, _ProjectBase
from rekognition_datasets.provider import DatasetProvider
from rekognition_datasets_handler import model_schema, schema

if TYPE_CHECKING:
    from collections.abc import Mapping

    from aws_cdk import aws_kms as kms
    from aws_cdk import aws_s3 as s3
    from aws_cdk.interfaces import aws_rekognition as rekognition_refs
    from constructs import Construct

    from rekognition_datasets.dataset import IDataset
    from rekognition_datasets.distribution import DatasetDistribution
    from rekognition_datasets.project import IProject

#: CloudFormation's longest wait (``AWS::CloudFormation::WaitCondition`` Timeout, seconds).
TRAINING_TIMEOUT_SECONDS: Final = 43200
DEFAULT_OUTPUT_PREFIX: Final = "rekognition-models/"
_VERSION_NAME_STEM = 40
_DESCRIPTION_MAX = 255
_OUTPUT_PREFIX_MAX = 1024
_NOT_NAME = re.compile(r"[^a-zA-Z0-9_.\-]")
_OUTPUT_REASON = (
    "Rekognition writes a training's output (evaluation summary, manifests) under the declared output prefix with "
    "the caller's permissions; its keys are chosen by the service."
)


@jsii.implements(cdk.ITaggable)
class Model(cdk.Resource):
    """A model version trained from the project's TRAIN and TEST datasets (``Custom::RekognitionModelVersion``).

    The deploy waits for the training through a wait condition, then ``Custom::RekognitionModelEvaluation`` reads
    the F1 score. New data (a dataset's source fingerprint, or ``retrain_token``), or any other change but tags,
    trains a new version under a new name with a new wait condition; the previous version is removed per the
    removal policy once the deploy is accepted, and stays (and keeps serving) when the deploy rolls back.

    :param project: the project that holds the datasets and the version.
    :param output_bucket: where Rekognition writes the training output (evaluation summary, manifests); the
        handler's role is granted ``s3:PutObject`` under ``output_prefix``.
    :param training_dataset: the project's TRAIN dataset (a ``Dataset`` of this app).
    :param testing_dataset: the project's TEST dataset.
    :param distribution: instead of the two datasets: a ``DatasetDistribution`` (the training waits for the split).
    :param output_prefix: key prefix of the training output, empty or ending with ``/``. Default:
        ``rekognition-models/``.
    :param min_f1_score: the F1 gate in [0, 1]: a version below it fails the deploy (with the score, the gate and
        the evaluation summary's location) and the stack rolls back. Default: no gate.
    :param version_description: the version's description (at most 255 characters).
    :param kms_key: a customer managed key for the trained model and its output.
    :param tags: tags for the version (``Tags.of(...)`` also applies); a tag change does not retrain.
    :param removal_policy: what happens to a version on removal or replacement. Default: DESTROY. A retained
        version makes DeleteProject fail, so it is only sensible in a retained project.
    :param retrain_token: any string; change it to train a new version from unchanged data.
    :param watch_interval: how often the handler checks the training (whole minutes). Default: one minute.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        project: rekognition_refs.IProjectRef,
        output_bucket: s3.IBucket,
        training_dataset: IDataset | None = None,
        testing_dataset: IDataset | None = None,
        distribution: DatasetDistribution | None = None,
        output_prefix: str = DEFAULT_OUTPUT_PREFIX,
        min_f1_score: float | None = None,
        version_description: str | None = None,
        kms_key: kms.IKey | None = None,
        tags: Mapping[str, str] | None = None,
        removal_policy: cdk.RemovalPolicy = cdk.RemovalPolicy.DESTROY,
        retrain_token: str | None = None,
        watch_interval: cdk.Duration | None = None,
    ) -> None:
        super().__init__(scope, id)
        #: The project that holds the version.
        self.project: IProject = Project.from_project_ref(self, "Project", project)
        train, test = self._datasets(training_dataset, testing_dataset, distribution)
        watch_minutes = _check_model_arguments(
            self, output_prefix, min_f1_score, version_description, tags, watch_interval
        )
        self._check_removal(removal_policy)
        provider = DatasetProvider.of(self)
        policy = provider._policy
        policy.cover_project(self.project, models=True)
        provider._allow_model_watch()
        policy.add_statement(
            perms.S3_OUTPUT_WRITE_ACTIONS,
            [output_bucket.arn_for_objects(f"{output_prefix}*")],
            wildcard_reason=_OUTPUT_REASON,
        )
        for key in (kms_key, output_bucket.encryption_key):
            if key is not None:
                policy.add_statement(perms.KMS_TRAINING_ACTIONS, [key.key_arn])
        stack = cdk.Stack.of(self)
        data_fingerprint = _digest(
            [stack.resolve(train.declared_fingerprint), stack.resolve(test.declared_fingerprint)]
            + ([retrain_token] if retrain_token is not None else [])
        )
        properties: model_schema.ModelVersionProperties = {
            "ProjectArn": self.project.project_arn,
            "VersionName": "",
            "OutputBucket": output_bucket.bucket_name,
            "OutputPrefix": output_prefix,
            "DataFingerprint": data_fingerprint,
            "WaitHandle": "",
        }
        if min_f1_score is not None:
            properties["MinF1Score"] = _decimal(min_f1_score)
        if watch_minutes is not None:
            properties["WatchMinutes"] = str(watch_minutes)
        if kms_key is not None:
            properties["KmsKeyId"] = kms_key.key_arn
        if version_description is not None:
            properties["VersionDescription"] = version_description
        # Everything but the handle and the tags decides which version this is: a change is a new version (the
        # handler's Update trains one), under a new name, waited for by a new condition (a wait condition cannot
        # be updated, and a handle keeps the signals it was sent).
        identity = _digest([self.node.path, stack.resolve(dict(properties))])
        #: The version name (unique in the project, derived from the data and the settings).
        self.version_name = f"{_NOT_NAME.sub('-', self.node.id)[:_VERSION_NAME_STEM]}-{identity[:16]}"
        properties["VersionName"] = self.version_name
        handle = cdk.CfnWaitConditionHandle(self, f"TrainingHandle{identity[:12]}")
        properties["WaitHandle"] = handle.ref
        self._initial_tags = dict(tags or {})
        self._tags: cdk.TagManager | None = None
        self._resource = cdk.CustomResource(
            self,
            "Resource",
            service_token=provider.service_token,
            resource_type=model_schema.MODEL_VERSION_RESOURCE_TYPE,
            properties=properties,
            removal_policy=removal_policy,
            service_timeout=provider.service_timeout,
        )
        self._resource.node.add_dependency(train, test, *([distribution] if distribution is not None else []))
        if isinstance(self.project, Project):
            self._resource.node.add_dependency(self.project._models_guard)
        #: The wait condition the deploy waits on until the training settles (signalled by the handler's watch).
        self.training = cdk.CfnWaitCondition(
            self, f"Training{identity[:12]}", handle=handle.ref, timeout=str(TRAINING_TIMEOUT_SECONDS), count=1
        )
        self.training.node.add_dependency(self._resource)
        evaluation: model_schema.ModelEvaluationProperties = {
            "ProjectVersionArn": self.version_arn,
            "ProjectArn": self.project.project_arn,
        }
        if min_f1_score is not None:
            evaluation["MinF1Score"] = _decimal(min_f1_score)
        self._evaluation = cdk.CustomResource(
            self,
            "Evaluation",
            service_token=provider.service_token,
            resource_type=model_schema.MODEL_EVALUATION_RESOURCE_TYPE,
            properties=evaluation,
            service_timeout=provider.service_timeout,
        )
        self._evaluation.node.add_dependency(self.training)
        if self._initial_tags:
            self._tag_manager()

    def _datasets(
        self, training: IDataset | None, testing: IDataset | None, distribution: DatasetDistribution | None
    ) -> tuple[Dataset, Dataset]:
        if distribution is not None:
            if training is not None or testing is not None:
                raise ValidationError(
                    self, "pass either distribution or training_dataset and testing_dataset, not both"
                )
            training, testing = distribution.training, distribution.testing
        if training is None or testing is None:
            raise ValidationError(
                self, "training_dataset and testing_dataset are required (or pass the distribution that splits them)"
            )
        for name, dataset, kind in (
            ("training_dataset", training, DatasetType.TRAIN),
            ("testing_dataset", testing, DatasetType.TEST),
        ):
            if not isinstance(dataset, Dataset):
                raise ValidationError(
                    self,
                    f"{name} must be a Dataset declared in this app (its data fingerprint decides when to retrain)",
                )
            if dataset.dataset_type is not kind:
                raise ValidationError(self, f"{name} ({dataset.node.path}) must be a DatasetType.{kind.value} dataset")
            if project_key(dataset.project) != project_key(self.project):
                raise ValidationError(
                    self,
                    f"{name} ({dataset.node.path}) is in another project; a model trains on its own project's datasets",
                )
        assert isinstance(training, Dataset) and isinstance(testing, Dataset)
        return training, testing

    def _check_removal(self, removal_policy: cdk.RemovalPolicy) -> None:
        if removal_policy not in RETAINING:
            return
        retained = isinstance(self.project, _ProjectBase) and self.project._removal_policy in (None, *RETAINING)
        if not retained:
            cdk.Annotations.of(self).add_warning_v2(
                "rekognition-datasets:retained-model-version",
                f"removal policy {removal_policy.name} keeps the model version when it is removed, and DeleteProject "
                "fails while the project holds versions, so destroying the stack will fail; retain the project too, "
                "or set auto_delete_models=True on the Project",
            )

    @property
    def tags(self) -> cdk.TagManager:
        """The version's tags (``Tags.of(...)`` reaches them; a change re-tags the version in place)."""
        return self._tag_manager()

    def _tag_manager(self) -> cdk.TagManager:
        if self._tags is None:
            self._tags = cdk.TagManager(cdk.TagType.MAP, model_schema.MODEL_VERSION_RESOURCE_TYPE, self._initial_tags)
            cfn = self._resource.node.default_child
            assert isinstance(cfn, cdk.CfnResource)
            cfn.add_property_override("Tags", self._tags.rendered_tags)
        return self._tags

    @property
    def resource(self) -> cdk.CustomResource:
        """The ``Custom::RekognitionModelVersion`` resource."""
        return self._resource

    @property
    def evaluation(self) -> cdk.CustomResource:
        """The ``Custom::RekognitionModelEvaluation`` resource (created once the training has settled)."""
        return self._evaluation

    @property
    def version_arn(self) -> str:
        """The model version's ARN."""
        return self._resource.get_att_string(model_schema.ATTR_PROJECT_VERSION_ARN)

    @property
    def f1_score(self) -> str:
        """The version's F1 score (from its evaluation)."""
        return self._evaluation.get_att_string(model_schema.ATTR_F1_SCORE)

    @property
    def evaluation_summary_uri(self) -> str:
        """``s3://bucket/key`` of the evaluation summary file."""
        return self._evaluation.get_att_string(model_schema.ATTR_EVALUATION_SUMMARY)

    def grant_detect_custom_labels(self, grantee: iam.IGrantable) -> iam.Grant:
        """Grant ``DetectCustomLabels`` with this version."""
        return iam.Grant.add_to_principal(
            grantee=grantee, actions=list(perms.DETECT_CUSTOM_LABELS_ACTIONS), resource_arns=[self.version_arn]
        )

    def serve(
        self,
        *,
        min_inference_units: int = 1,
        max_inference_units: int | None = None,
        auto_stop_after: cdk.Duration | None = None,
    ) -> ModelServing:
        """Start the version once it passed its evaluation, and stop it on removal (a ``ModelServing``, child
        ``"Serving"``); see ``ModelServing`` for the parameters."""
        return ModelServing(
            self,
            "Serving",
            model=self,
            min_inference_units=min_inference_units,
            max_inference_units=max_inference_units,
            auto_stop_after=auto_stop_after,
        )


def _check_model_arguments(
    scope: Model,
    output_prefix: str,
    min_f1_score: float | None,
    version_description: str | None,
    tags: Mapping[str, str] | None,
    watch_interval: cdk.Duration | None,
) -> int | None:
    """Fail on a wrong prop, naming it; returns the watch interval in minutes (None: the handler's default)."""
    if (
        not isinstance(output_prefix, str)
        or output_prefix.startswith("/")
        or (output_prefix and not output_prefix.endswith("/"))
        or len(output_prefix) > _OUTPUT_PREFIX_MAX
    ):
        raise ValidationError(
            scope,
            f"output_prefix {output_prefix!r} must be empty or a key prefix ending with '/' (not starting "
            f"with '/', at most {_OUTPUT_PREFIX_MAX} characters)",
        )
    if min_f1_score is not None and (
        isinstance(min_f1_score, bool) or not isinstance(min_f1_score, int | float) or not 0 <= min_f1_score <= 1
    ):
        raise ValidationError(scope, f"min_f1_score must be a number in [0, 1] (got {min_f1_score!r})")
    if version_description is not None and not 1 <= len(version_description) <= _DESCRIPTION_MAX:
        raise ValidationError(scope, f"version_description must be 1 to {_DESCRIPTION_MAX} characters long")
    reserved = [key for key in tags or {} if key.startswith(("aws:", schema.RESERVED_TAG_PREFIX))]
    if reserved:
        raise ValidationError(
            scope,
            f"tag key {reserved[0]!r} uses a reserved prefix ('aws:' or {schema.RESERVED_TAG_PREFIX!r}); rename it",
        )
    if watch_interval is None:
        return None
    seconds = watch_interval.to_seconds()
    if seconds < 60 or seconds % 60:
        raise ValidationError(scope, f"watch_interval must be a whole number of minutes, at least 1 (got {seconds} s)")
    return int(seconds // 60)


def _decimal(value: float) -> str:
    return f"{value:g}"


def _digest(parts: object) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
