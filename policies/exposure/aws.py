"""AWS: where data rests unencrypted or is open to anyone, judged from pulumi-aws 7.x props.

A resource is flagged when its props leave data unencrypted where the provider's default is
unencrypted, or grant access to anyone. Provider defaults the checks rely on, with their sources
(the SDK docstrings are pulumi-aws 7.51's, under ``pulumi_aws/<module>``):

- S3: canned ``acl`` values and ACL grants to the AllUsers / AuthenticatedUsers groups on buckets
  (``Bucket``, ``BucketV2``, ``BucketAcl``, ``BucketAclV2``) and objects (``BucketObject``,
  ``BucketObjectv2``, ``ObjectCopy``); incomplete public access blocks; bucket policies open to
  anyone. ``authenticated-read`` is public: the AuthenticatedUsers group is every AWS account
  (https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html, "Amazon S3 predefined
  groups"). Objects are not judged for encryption: since 5 January 2023 S3 encrypts every new
  object with SSE-S3 (https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingServerSideEncryption.html).
- EBS volumes, instances' ``rootBlockDevice`` / ``ebsBlockDevices`` (also on spot instance
  requests and launch configurations) and launch templates' ``blockDeviceMappings[].ebs``:
  ``encrypted`` "Defaults to `false`" (SDK, ``ec2/_inputs.py``). A volume is still encrypted when
  the account turned on EBS encryption by default for the Region, or when it is made from an
  encrypted snapshot (an AMI's, for a root volume); a program sees neither
  (https://docs.aws.amazon.com/ebs/latest/userguide/ebs-encryption.html,
  https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_EnableEbsEncryptionByDefault.html),
  so the finding says so and asks for ``encrypted``. Not flagged: a device created from a
  ``snapshotId`` (its encryption is the snapshot's, and the provider refuses ``encrypted`` with
  ``snapshotId``: "Cannot be used with `snapshot_id`"), mappings without ``ebs`` (instance
  store), launch templates without mappings and instances started from a ``launchTemplate``
  without a ``rootBlockDevice`` (the disks are the template's, judged on the template).
- RDS: ``storageEncrypted`` "The default is `false`" for instances (SDK ``rds/instance.py``; AWS:
  "By default, it isn't encrypted", CreateDBInstance StorageEncrypted,
  https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/rds/aws.sdk.kotlin.services.rds.model/-create-db-instance-request/storage-encrypted.html
  ) and "`false` for `provisioned` `engine_mode` and `true` for `serverless`" for clusters (SDK
  ``rds/cluster.py``); an Aurora Serverless v1 cluster volume "is always encrypted"
  (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-serverless.html).
  Replicas and restores (``replicateSourceDb``, ``replicationSourceIdentifier``,
  ``snapshotIdentifier``, ``restoreToPointInTime``) take their source's encryption and are not
  flagged. ``publiclyAccessible`` defaults to ``false`` on instances and cluster instances (SDK);
  on a Multi-AZ DB cluster (engine ``mysql`` / ``postgres``) it "defaults to `true` when
  `db_subnet_group_name` is not set or is `default`" (SDK; CreateDBCluster PubliclyAccessible,
  https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/rds/aws.sdk.kotlin.services.rds.model/-create-db-cluster-request/-builder/publicly-accessible.html
  ). Aurora clusters have no public setting of their own: their instances do.
- EFS: only ``encrypted: true`` "creates an encrypted file system", and the setting cannot be
  changed later (https://docs.aws.amazon.com/efs/latest/ug/encryption-at-rest.html).
- ElastiCache replication groups: ``atRestEncryptionEnabled`` "When `engine` is `redis`,
  default is `false`. When `engine` is `valkey`, default is `true`", ``engine`` "Default is
  `redis`" (SDK ``elasticache/replication_group.py``; AWS agrees, CreateReplicationGroup
  AtRestEncryptionEnabled); ``transitEncryptionEnabled`` "Default: false"
  (https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/elasticache/aws.sdk.kotlin.services.elasticache.model/-create-replication-group-request/-builder/transit-encryption-enabled.html),
  and ``transitEncryptionMode: preferred`` still accepts unencrypted connections (SDK).
- OpenSearch (and legacy Elasticsearch) domains: ``encryptAtRest.enabled`` and
  ``nodeToNodeEncryption.enabled`` default to false when the block is absent; ``enforceHttps``
  "Defaults to `true`" inside ``domainEndpointOptions`` (SDK ``opensearch/_inputs.py``). Without
  the block the provider sends no endpoint options (terraform-provider-aws
  ``internal/service/opensearch/domain.go``: the block is optional, the default lives inside
  it), AWS documents no default for EnforceHTTPS, and such domains accept plain HTTP (for
  example https://github.com/ustaxcourt/ef-cms/issues/10271): an absent block is flagged.
- SNS topics are unencrypted unless ``kmsMasterKeyId`` names a key
  (https://docs.aws.amazon.com/sns/latest/dg/sns-server-side-encryption.html). SQS queues are
  encrypted with SSE-SQS by default since October 2022
  (https://aws.amazon.com/about-aws/whats-new/2022/10/amazon-sqs-announces-server-side-encryption-ssq-managed-sse-sqs-default/),
  and the provider sends ``sqsManagedSseEnabled`` only when it is set
  (https://github.com/hashicorp/terraform-provider-aws/pull/27335): only
  ``sqsManagedSseEnabled: false`` without ``kmsMasterKeyId`` is unencrypted.
- ECR repository and registry policies: an open statement (see
  :func:`~thrifty.policies.exposure.common.open_statements`) that allows pushing, deleting or
  changing images or the policy is flagged as anyone may overwrite the images; an open statement
  that only reads is flagged too, differently worded: a private repository's images become
  public, which is an exposure (ECR Public exists for images meant to be public). Registry
  policies accept every ECR action
  (https://docs.aws.amazon.com/AmazonECR/latest/userguide/registry-permissions.html). Image tag
  mutability is not this rule's business.
- Public sharing: ``AmiLaunchPermission`` with ``group: "all"``; RDS snapshots and their copies
  with ``"all"`` in ``sharedAccounts`` ("Use `all` to make the snapshot public", SDK). The
  provider sends ``SnapshotCreateVolumePermission.accountId`` as the EC2 API's UserId and has no
  ``group`` (terraform-provider-aws ``ebs_snapshot_create_volume_permission.go``), so it cannot
  make an EBS snapshot public; an ``accountId`` of ``"all"`` still asks for it and is flagged.
"""

from __future__ import annotations

from collections.abc import Mapping
from fnmatch import fnmatchcase
from typing import Any

from thrifty.policies.core import (
    MISSING,
    get_bool,
    get_str,
    get_str_list,
    lookup,
    objects,
)
from thrifty.policies.exposure.common import Check, OpenStatement, open_statements

# --- S3 ----------------------------------------------------------------------------------------

#: S3 canned ACLs that grant access beyond the owner's account, and to whom.
S3_PUBLIC_ACLS: dict[str, str] = {
    "public-read": "grants READ to everyone (the AllUsers group)",
    "public-read-write": "grants READ and WRITE to everyone (the AllUsers group)",
    "authenticated-read": "grants READ to every AWS account (the AuthenticatedUsers group)",
}
#: S3 predefined group URIs (``http://acs.amazonaws.com/groups/global/<name>``) and who they are.
_S3_PUBLIC_GROUPS = {
    "acs.amazonaws.com/groups/global/AllUsers": "everyone",
    "acs.amazonaws.com/groups/global/AuthenticatedUsers": "every AWS account",
}
_PUBLIC_ACCESS_FLAGS = (
    "blockPublicAcls",
    "blockPublicPolicy",
    "ignorePublicAcls",
    "restrictPublicBuckets",
)


def _s3_canned_acl(props: Mapping[str, Any]) -> list[str]:
    acl = get_str(props, "acl")
    if acl not in S3_PUBLIC_ACLS:
        return []
    return [f"acl {acl!r} {S3_PUBLIC_ACLS[acl]}; set acl to 'private' (or leave it unset)"]


def _s3_grants(path: str, uri_key: str) -> Check:
    """A check of the grants listed at ``path``, each naming its grantee group at ``uri_key``."""

    def check(props: Mapping[str, Any]) -> list[str]:
        problems = []
        for item_path, _ in objects(props, path):
            uri = get_str(props, f"{item_path}.{uri_key}") or ""  # full path in any reason
            who = next((who for group, who in _S3_PUBLIC_GROUPS.items() if uri.endswith(group)), "")
            if who:
                problems.append(
                    f"{item_path}.{uri_key} {uri!r} grants access to {who}; "
                    "remove the grant or name a specific account"
                )
        return problems

    return check


def _s3_public_access_block(props: Mapping[str, Any]) -> list[str]:
    off = [flag for flag in _PUBLIC_ACCESS_FLAGS if not get_bool(props, flag, default=False)]
    if not off:
        return []
    return [f"public access block leaves {', '.join(off)} off; set each to true"]


def _s3_bucket_policy(props: Mapping[str, Any]) -> list[str]:
    return [
        f"policy {statement.label} allows anyone ({statement.who}) without a condition; "
        "name the principals or add a Condition"
        for statement in open_statements(props)
    ]


# --- Shared helpers ----------------------------------------------------------------------------


def _not_true(props: Mapping[str, Any], path: str) -> str:
    """How the boolean at ``path`` falls short of true ("is false", "is not set"), or ""."""
    if get_bool(props, path) is True:
        return ""
    value = lookup(props, path)
    if value is MISSING:
        return "is not set"
    return f"is {value!r}" if isinstance(value, str) else "is false"


def _present(props: Mapping[str, Any], key: str) -> bool:
    """``key`` is given (an unknown value counts: the program sets it)."""
    return props.get(key) not in (None, "")


def _must_be_true(path: str, what: str) -> Check:
    """A check that ``path`` is true where the provider's default is false."""

    def check(props: Mapping[str, Any]) -> list[str]:
        state = _not_true(props, path)
        return [f"{path} {state}: {what}; set {path} to true"] if state else []

    return check


# --- EC2 block devices -------------------------------------------------------------------------

_EBS_DEFAULT = (
    "the volume is unencrypted unless the account turned on EBS encryption by default or its "
    "snapshot is encrypted, which a program cannot see"
)


def _root_block_device(props: Mapping[str, Any]) -> list[str]:
    if lookup(props, "rootBlockDevice") is MISSING:
        if _present(props, "launchTemplate"):
            return []  # the root volume is the template's, judged on the template
        return [
            "rootBlockDevice is not set: the root volume is encrypted only if the AMI's snapshot "
            "is or the account turned on EBS encryption by default, which a program cannot see; "
            "set rootBlockDevice.encrypted to true"
        ]
    state = _not_true(props, "rootBlockDevice.encrypted")
    if not state:
        return []
    return [
        f"rootBlockDevice.encrypted {state}: {_EBS_DEFAULT}; set rootBlockDevice.encrypted to true"
    ]


def _device_problem(props: Mapping[str, Any], device: str, ebs: str, fix: str) -> list[str]:
    """The problem of the EBS volume at ``ebs`` (of the device mapping at ``device``), if any.

    Encrypted volumes and volumes made from a snapshot (encrypted as the snapshot is) pass.
    """
    state = _not_true(props, f"{ebs}.encrypted")
    if not state or _present(lookup(props, ebs), "snapshotId"):
        return []
    name = get_str(props, f"{device}.deviceName")
    named = f" ({name})" if name else ""
    return [f"{ebs}.encrypted {state}{named}: {_EBS_DEFAULT}; set {ebs}.encrypted to {fix}"]


def _ebs_block_devices(props: Mapping[str, Any]) -> list[str]:
    problems: list[str] = []
    for path, device in objects(props, "ebsBlockDevices"):
        if device.get("noDevice") is not True:  # noDevice suppresses the device altogether
            problems.extend(_device_problem(props, path, path, "true"))
    return problems


def _launch_template_devices(props: Mapping[str, Any]) -> list[str]:
    problems: list[str] = []
    for path, _ in objects(props, "blockDeviceMappings"):
        if lookup(props, f"{path}.ebs") is not MISSING:  # without: instance store, no device
            # The SDK types this flag as text: "true" / "false".
            problems.extend(_device_problem(props, path, f"{path}.ebs", "'true'"))
    return problems


# --- Databases and file systems ----------------------------------------------------------------


def _restored(props: Mapping[str, Any], sources: tuple[str, ...]) -> bool:
    return any(_present(props, source) for source in sources)


def _rds_instance_storage(props: Mapping[str, Any]) -> list[str]:
    state = _not_true(props, "storageEncrypted")
    if not state or _restored(
        props, ("replicateSourceDb", "snapshotIdentifier", "restoreToPointInTime")
    ):
        return []
    return [
        f"storageEncrypted {state}: RDS stores the database and its backups unencrypted; "
        "set storageEncrypted to true"
    ]


def _rds_cluster_storage(props: Mapping[str, Any]) -> list[str]:
    state = _not_true(props, "storageEncrypted")
    if not state or _restored(
        props, ("replicationSourceIdentifier", "snapshotIdentifier", "restoreToPointInTime")
    ):
        return []
    if get_str(props, "engineMode") == "serverless":
        return []  # Aurora Serverless v1 volumes are always encrypted
    return [
        f"storageEncrypted {state}: the cluster volume and its backups are unencrypted "
        "(the default for provisioned clusters); set storageEncrypted to true"
    ]


def _publicly_accessible(props: Mapping[str, Any]) -> list[str]:
    if get_bool(props, "publiclyAccessible", default=False) is not True:
        return []
    return [
        "publiclyAccessible is true: the database gets a public address reachable from the "
        "internet (as far as its security groups allow); set publiclyAccessible to false"
    ]


def _rds_cluster_public(props: Mapping[str, Any]) -> list[str]:
    engine = get_str(props, "engine", required=True) or ""
    if engine.startswith("aurora"):
        return []  # Aurora's instances carry publiclyAccessible
    accessible = get_bool(props, "publiclyAccessible")
    if accessible is None:
        subnet_group = get_str(props, "dbSubnetGroupName")
        if subnet_group in (None, "", "default"):
            return [
                "publiclyAccessible is not set and dbSubnetGroupName is "
                f"{'not set' if not subnet_group else repr(subnet_group)}: RDS makes a Multi-AZ "
                "DB cluster public then; set publiclyAccessible to false"
            ]
        return []
    return _publicly_accessible(props)


_EFS_ENCRYPTED = _must_be_true("encrypted", "the file system is stored unencrypted")


def _elasticache_at_rest(props: Mapping[str, Any]) -> list[str]:
    state = _not_true(props, "atRestEncryptionEnabled")
    if not state:
        return []
    engine = get_str(props, "engine") or "redis"
    if state == "is not set" and engine == "valkey":
        return []  # Valkey replication groups encrypt at rest by default
    return [
        f"atRestEncryptionEnabled {state} (engine {engine!r}): backups and data written to disk "
        "are unencrypted; set atRestEncryptionEnabled to true"
    ]


def _elasticache_in_transit(props: Mapping[str, Any]) -> list[str]:
    state = _not_true(props, "transitEncryptionEnabled")
    if state:
        return [
            f"transitEncryptionEnabled {state}: clients and replicas talk in plain text; "
            "set transitEncryptionEnabled to true"
        ]
    if get_str(props, "transitEncryptionMode") == "preferred":
        return [
            "transitEncryptionMode 'preferred' still accepts unencrypted connections; "
            "set transitEncryptionMode to 'required' once clients use TLS"
        ]
    return []


_DOMAIN_AT_REST = _must_be_true(
    "encryptAtRest.enabled", "indices, logs and automated snapshots are stored unencrypted"
)
_DOMAIN_NODE_TO_NODE = _must_be_true(
    "nodeToNodeEncryption.enabled", "traffic between the domain's nodes is plain text"
)


def _domain_https(props: Mapping[str, Any]) -> list[str]:
    if lookup(props, "domainEndpointOptions") is MISSING:
        return [
            "domainEndpointOptions is not set: the provider sends no endpoint options and the "
            "domain accepts plain HTTP; set domainEndpointOptions.enforceHttps to true"
        ]
    if get_bool(props, "domainEndpointOptions.enforceHttps", default=True):
        return []
    return [
        "domainEndpointOptions.enforceHttps is false: the domain accepts plain HTTP; "
        "set domainEndpointOptions.enforceHttps to true"
    ]


# --- Messaging ---------------------------------------------------------------------------------


def _sns_topic(props: Mapping[str, Any]) -> list[str]:
    if get_str(props, "kmsMasterKeyId"):
        return []
    return [
        "kmsMasterKeyId is not set: SNS stores messages unencrypted; set kmsMasterKeyId to a "
        "KMS key ('alias/aws/sns', or a customer managed key whose policy lets the publishing "
        "AWS services use it)"
    ]


def _sqs_queue(props: Mapping[str, Any]) -> list[str]:
    if get_str(props, "kmsMasterKeyId") or get_bool(props, "sqsManagedSseEnabled") is not False:
        return []
    return [
        "sqsManagedSseEnabled is false and kmsMasterKeyId is not set: the queue stores messages "
        "unencrypted; remove sqsManagedSseEnabled (SSE-SQS is the default) or set it to true"
    ]


# --- ECR ---------------------------------------------------------------------------------------

#: ECR actions that add, overwrite or delete images, or change who may (lower case).
ECR_WRITE_ACTIONS = frozenset(
    {
        "ecr:putimage",
        "ecr:initiatelayerupload",
        "ecr:uploadlayerpart",
        "ecr:completelayerupload",
        "ecr:batchdeleteimage",
        "ecr:deleterepository",
        "ecr:setrepositorypolicy",
        "ecr:deleterepositorypolicy",
        "ecr:putlifecyclepolicy",
        "ecr:deletelifecyclepolicy",
        "ecr:replicateimage",
        "ecr:createrepository",
        "ecr:batchimportupstreamimage",
    }
)


def _writes(statement: OpenStatement) -> list[str]:
    """The statement's actions that may change images (``NotAction`` allows nearly all)."""
    if statement.not_action:
        return [f"every action except {list(statement.actions)}"]
    return [
        action
        for action in statement.actions
        if any(
            fnmatchcase(write, action.lower().replace("[", "[[]")) for write in ECR_WRITE_ACTIONS
        )
    ]


def _ecr_policy(props: Mapping[str, Any]) -> list[str]:
    problems = []
    for statement in open_statements(props):
        writes = _writes(statement)
        if writes:
            problems.append(
                f"policy {statement.label} lets anyone ({statement.who}) push or delete images "
                f"({', '.join(writes)}) without a condition; name the accounts in Principal or "
                "add a Condition (e.g. aws:PrincipalOrgID)"
            )
        else:
            problems.append(
                f"policy {statement.label} lets anyone ({statement.who}) pull images "
                f"({', '.join(statement.actions) or 'no action'}) without a condition: the "
                "private images become public; name the accounts in Principal, add a Condition, "
                "or publish public images through ECR Public"
            )
    return problems


# --- Public sharing ----------------------------------------------------------------------------


def _snapshot_volume_permission(props: Mapping[str, Any]) -> list[str]:
    account = get_str(props, "accountId") or ""
    if account.lower() != "all":
        return []
    return [
        f"accountId {account!r} asks to share the snapshot with every AWS account; "
        "set accountId to the one account that needs it"
    ]


def _ami_launch_permission(props: Mapping[str, Any]) -> list[str]:
    group = get_str(props, "group") or ""
    if group.lower() != "all":
        return []
    return [
        f"group {group!r} makes the AMI public: any AWS account can launch it and copy its "
        "snapshots; remove group and set accountId, organizationArn or organizationalUnitArn"
    ]


def _rds_snapshot_shared(props: Mapping[str, Any]) -> list[str]:
    if "all" not in (account.lower() for account in get_str_list(props, "sharedAccounts")):
        return []
    return [
        "sharedAccounts includes 'all': the snapshot is public and any AWS account can restore "
        "it; list the account IDs that need it instead"
    ]


# --- Which checks apply to which type ----------------------------------------------------------

_S3_ACL_GRANTS = _s3_grants("accessControlPolicy.grants", "grantee.uri")
_S3_COPY_GRANTS = _s3_grants("grants", "uri")
_EBS_VOLUME = _must_be_true("encrypted", _EBS_DEFAULT)
_INSTANCE_DISKS = (_root_block_device, _ebs_block_devices)
_DOMAIN = (_DOMAIN_AT_REST, _DOMAIN_NODE_TO_NODE, _domain_https)

#: Resource type -> the checks that apply to it, one concern each.
CHECKS: dict[str, tuple[Check, ...]] = {
    "aws:s3/bucket:Bucket": (_s3_canned_acl,),
    "aws:s3/bucketV2:BucketV2": (_s3_canned_acl,),
    "aws:s3/bucketAcl:BucketAcl": (_s3_canned_acl, _S3_ACL_GRANTS),
    "aws:s3/bucketAclV2:BucketAclV2": (_s3_canned_acl, _S3_ACL_GRANTS),
    "aws:s3/bucketObject:BucketObject": (_s3_canned_acl,),
    "aws:s3/bucketObjectv2:BucketObjectv2": (_s3_canned_acl,),
    "aws:s3/objectCopy:ObjectCopy": (_s3_canned_acl, _S3_COPY_GRANTS),
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": (_s3_public_access_block,),
    "aws:s3/bucketPolicy:BucketPolicy": (_s3_bucket_policy,),
    "aws:ebs/volume:Volume": (_EBS_VOLUME,),
    "aws:ec2/instance:Instance": _INSTANCE_DISKS,
    "aws:ec2/spotInstanceRequest:SpotInstanceRequest": _INSTANCE_DISKS,
    "aws:ec2/launchConfiguration:LaunchConfiguration": _INSTANCE_DISKS,
    "aws:ec2/launchTemplate:LaunchTemplate": (_launch_template_devices,),
    "aws:rds/instance:Instance": (_rds_instance_storage, _publicly_accessible),
    "aws:rds/cluster:Cluster": (_rds_cluster_storage, _rds_cluster_public),
    "aws:rds/clusterInstance:ClusterInstance": (_publicly_accessible,),
    "aws:efs/fileSystem:FileSystem": (_EFS_ENCRYPTED,),
    "aws:elasticache/replicationGroup:ReplicationGroup": (
        _elasticache_at_rest,
        _elasticache_in_transit,
    ),
    "aws:opensearch/domain:Domain": _DOMAIN,
    "aws:elasticsearch/domain:Domain": _DOMAIN,
    "aws:sns/topic:Topic": (_sns_topic,),
    "aws:sqs/queue:Queue": (_sqs_queue,),
    "aws:ecr/repositoryPolicy:RepositoryPolicy": (_ecr_policy,),
    "aws:ecr/registryPolicy:RegistryPolicy": (_ecr_policy,),
    "aws:ec2/snapshotCreateVolumePermission:SnapshotCreateVolumePermission": (
        _snapshot_volume_permission,
    ),
    "aws:ec2/amiLaunchPermission:AmiLaunchPermission": (_ami_launch_permission,),
    "aws:rds/snapshot:Snapshot": (_rds_snapshot_shared,),
    "aws:rds/snapshotCopy:SnapshotCopy": (_rds_snapshot_shared,),
    "aws:rds/clusterSnapshot:ClusterSnapshot": (_rds_snapshot_shared,),
    "aws:rds/clusterSnapshotCopy:ClusterSnapshotCopy": (_rds_snapshot_shared,),
}
