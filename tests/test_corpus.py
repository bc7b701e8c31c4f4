"""Issue 9's corpus: real-world Pulumi programs that ``thrifty plan`` must plan, rightly judged.

Each directory under ``tests/corpus`` is a small program in the style of (mostly adapted from)
``pulumi/examples``; each exercises one or more of the ten ways issue 9 found ``thrifty plan``
failing on public programs (numbered here as in the issue):

1. computed outputs read by the program (preview semantics);
2. files read relative to the program directory (planned from elsewhere);
3. a failing program breaking later recordings in the same process;
4. lookups without answers, and the Auto Scaling group ``tags`` list;
5. provider default tags from the stack file (counted as tagged);
6. small and previous-generation instance sizes (sized, not "unknown");
7. public objects (flagged);
8. cost tags only on what appears on a bill (not on objects, IAM roles, Secrets, ConfigMaps);
9. tags where the bill sees them (nested labels, launch templates, ``propagateAtLaunch``);
10. findings as structured records in ``--format json``.

Every program is planned once per session by the ``thrifty`` console script, as a user runs
it, from a different working directory (``--project-dir``), with thrifty's policy pack at its
defaults (the programs set no ``thrifty:environment``). The expectations below come from the
rules (README's policy table) and the issue, not from a plan's output. Cloud facts behind them:

- IAM roles cost nothing: "IAM is an Amazon Web Services service that you can use with no
  additional charge" (https://docs.amazonaws.cn/en_us/quick/latest/userguide/iam.md).
- An EKS managed node group's own tags stay on the node group; its instances and volumes are
  tagged only by its launch template's tag specifications
  (https://docs.aws.amazon.com/eks/latest/userguide/launch-templates.html,
  https://gitlab.com/gitlab-org/gitlab-environment-toolkit/-/issues/699).
- ``aws.get_default_tags()`` returns "the default tags configured on the provider"
  (https://www.pulumi.com/registry/packages/aws/api-docs/getdefaulttags/).
- GKE nodes carry ``node_config.resource_labels`` ("The GCP labels (key/value pairs) to be
  applied to each node", pulumi_gcp 10.x ``NodePoolNodeConfigArgs``); a VM's labels do not
  reach the boot disk it creates (hashicorp/terraform-provider-google#8861); GKE cost
  allocation exports Pod labels (https://gitlab.com/gitlab-org/gitlab-runner/-/issues/38359).
- Azure charges dynamic public IPs attached to a running VM by the hour
  (https://azure.microsoft.com/en-us/pricing/details/ip-addresses/).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO_ROOT
from tests.test_cli import thrifty_command

CORPUS = Path(__file__).resolve().parent / "corpus"

#: Stands for "whichever policy judges cost tags": item 9 may be judged by ``required-tags`` or
#: by a rule of its own (the issue leaves the name to the implementation; both contain "tag").
TAG_RULE = "<a cost-tag rule>"
#: Stands for the rules that size instance types: too big, or not known to the catalog.
SIZE_RULE = "<a sizing rule>"
_RULE_GROUPS: dict[str, Callable[[str], bool]] = {
    TAG_RULE: lambda policy: "tag" in policy,
    SIZE_RULE: lambda policy: policy in ("oversized-instances", "unknown-instance-types"),
}
PLAN_TIMEOUT_SECONDS = 240


@dataclass(frozen=True)
class Expect:
    """A finding, matched on policy and resource (and, when reported, on level, kind, text)."""

    policy: str
    name: str | None  # None: a stack-level finding (no resource)
    type: str | None = None  # the type token, where the name alone is ambiguous
    level: str = "mandatory"
    kind: str = "violation"
    says: tuple[str, ...] = ()  # fragments of the message (case, spaces, "_" and "-" ignored)

    def same_resource(self, record: Mapping[str, Any]) -> bool:
        policy = str(record["policy"])
        group = _RULE_GROUPS.get(self.policy)
        policy_matches = group(policy) if group else policy == self.policy
        return (
            policy_matches
            and record["name"] == self.name
            and (self.type is None or record["type"] == self.type)
        )

    def matches(self, record: Mapping[str, Any]) -> bool:
        text = _normalised(str(record["message"]))
        return (
            self.same_resource(record)
            and record["level"] == self.level
            and record["kind"] == self.kind
            and all(_normalised(fragment) in text for fragment in self.says)
        )


def _normalised(text: str) -> str:
    return re.sub(r"[\s_\-]", "", text.lower())


@dataclass(frozen=True)
class Case:
    """One corpus program and what its plan must show."""

    program: str
    items: tuple[int, ...]  # the items it exercises
    exit_code: int
    counts: Mapping[str, int]  # every recorded type (components included) -> how many
    findings: tuple[Expect, ...] = ()
    absent: tuple[Expect, ...] = ()  # no finding of this policy on this resource, at any level
    untagged: frozenset[str] | None = None  # exactly these names in summary.untagged (if set)
    needs_tags: frozenset[str] = frozenset()  # names summary.untagged must include
    free: frozenset[str] = frozenset()  # names summary.untagged must not include
    stack: str = "dev"


BUDGET = "budget-present"
PUBLIC = "public-or-unencrypted-storage"
LIFECYCLE = "storage-lifecycle"
CONTAINERS = "container-resources"
TAGS = "required-tags"

CASES: tuple[Case, ...] = (
    Case(
        "aws_webserver",
        items=(2, 4, 6),
        exit_code=1,
        counts={"aws:ec2/instance:Instance": 1, "aws:ec2/securityGroup:SecurityGroup": 1},
        findings=(
            Expect(TAGS, "web-server-www"),
            Expect(BUDGET, None, says=("aws",)),
        ),
        # t2.micro: 1 vCPU, 1 GiB, far below every cap; any finding (even "not checkable") is wrong.
        absent=(Expect(SIZE_RULE, "web-server-www"),),
        needs_tags=frozenset({"web-server-www"}),
    ),
    Case(
        "aws_s3_folder",
        items=(2, 7, 8),
        exit_code=1,
        counts={
            "aws:s3/bucket:Bucket": 1,
            "aws:s3/bucketWebsiteConfiguration:BucketWebsiteConfiguration": 1,
            "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": 1,
            "aws:s3/bucketObject:BucketObject": 2,
            "aws:s3/bucketPolicy:BucketPolicy": 1,
        },
        findings=(
            Expect(PUBLIC, "index.html", says=("acl", "public-read")),
            Expect(PUBLIC, "style.css", says=("acl", "public-read")),
            Expect(PUBLIC, "public-access-block", says=("blockPublicAcls",)),
            # The policy embeds the bucket's name, unknown until the bucket exists.
            Expect(PUBLIC, "bucket-policy", level="advisory", kind="unknown"),
            Expect(TAGS, "s3-website-bucket"),
            Expect(LIFECYCLE, "s3-website-bucket"),
            Expect(BUDGET, None, says=("aws",)),
        ),
        # Item 8: S3 object tags are billed per tag themselves and the object's storage is
        # billed to its bucket; objects need no cost tags.
        absent=(Expect(TAGS, "index.html"), Expect(TAGS, "style.css")),
        untagged=frozenset({"s3-website-bucket"}),
    ),
    Case(
        "aws_static_website",
        items=(1, 2, 4),
        exit_code=1,
        counts={
            "aws:s3/bucket:Bucket": 1,
            "aws:s3/bucketWebsiteConfiguration:BucketWebsiteConfiguration": 1,
            "aws:s3/bucketObject:BucketObject": 2,
            "pulumi:providers:aws": 1,
            "aws:acm/certificate:Certificate": 1,
            "aws:route53/record:Record": 2,
            "aws:acm/certificateValidation:CertificateValidation": 1,
            "aws:cloudfront/distribution:Distribution": 1,
        },
        findings=(
            Expect(TAGS, "www.example.com-content"),
            Expect(TAGS, "cdn"),
            Expect(LIFECYCLE, "www.example.com-content"),
            Expect(BUDGET, None, says=("aws",)),
        ),
        absent=(
            Expect(TAGS, "index.html"),
            Expect(TAGS, "404.html"),
            Expect(PUBLIC, "index.html"),  # no ACL: private
            Expect(PUBLIC, "404.html"),
        ),
        needs_tags=frozenset({"www.example.com-content", "cdn"}),
        free=frozenset({"index.html", "404.html"}),
    ),
    Case(
        "aws_fargate",
        items=(4, 5, 8),
        exit_code=0,  # tagged by aws:defaultTags alone, budget scoped to the project
        counts={
            "aws:ecs/cluster:Cluster": 1,
            "aws:ec2/securityGroup:SecurityGroup": 1,
            "aws:lb/loadBalancer:LoadBalancer": 1,
            "aws:lb/targetGroup:TargetGroup": 1,
            "aws:lb/listener:Listener": 1,
            "aws:iam/role:Role": 1,
            "aws:iam/rolePolicyAttachment:RolePolicyAttachment": 1,
            "aws:ecs/taskDefinition:TaskDefinition": 1,
            "aws:ecs/service:Service": 1,
            "aws:budgets/budget:Budget": 1,
        },
        absent=(Expect(TAGS, "app-svc"), Expect(TAGS, "app-lb"), Expect(BUDGET, None)),
        untagged=frozenset(),
    ),
    Case(
        "aws_lambda_api",
        items=(2, 4, 8),
        exit_code=1,
        counts={
            "aws:dynamodb/table:Table": 1,
            "aws:iam/role:Role": 1,
            "aws:iam/rolePolicy:RolePolicy": 1,
            "aws:lambda/function:Function": 1,
            "aws:apigatewayv2/api:Api": 1,
            "aws:apigatewayv2/integration:Integration": 1,
            "aws:apigatewayv2/route:Route": 1,
            "aws:apigatewayv2/stage:Stage": 1,
            "aws:lambda/permission:Permission": 1,
        },
        findings=(
            Expect(TAGS, "mylambda"),
            Expect(TAGS, "counterTable"),
            Expect(BUDGET, None, says=("aws",)),
        ),
        # Item 8: IAM is offered at no additional charge; a role appears on no bill.
        absent=(Expect(TAGS, "mylambda-role"),),
        needs_tags=frozenset({"mylambda", "counterTable"}),
        free=frozenset({"mylambda-role"}),
    ),
    Case(
        "aws_node_tags",
        items=(4, 9),
        exit_code=1,
        counts={
            "aws:iam/role:Role": 2,
            "aws:iam/rolePolicyAttachment:RolePolicyAttachment": 4,
            "aws:eks/cluster:Cluster": 1,
            "aws:ec2/launchTemplate:LaunchTemplate": 3,
            "aws:eks/nodeGroup:NodeGroup": 3,
            "aws:autoscaling/group:Group": 2,
            "aws:budgets/budget:Budget": 1,
        },
        findings=(
            # A node group and its template share a name here: the finding may sit on either.
            Expect(TAG_RULE, "untagged-nodes", says=("tagSpecifications",)),
            Expect(TAG_RULE, "default-nodes", says=("launch template",)),
            Expect(
                TAG_RULE,
                "workers-not-propagated",
                type="aws:autoscaling/group:Group",
                says=("propagateAtLaunch",),
            ),
            # Plain Auto Scaling groups run on-demand; the program's tags say development.
            Expect("spot-for-non-production", "workers-propagated", level="advisory"),
            Expect("spot-for-non-production", "workers-not-propagated", level="advisory"),
        ),
        absent=(
            Expect(TAG_RULE, "tagged-nodes"),
            Expect(TAG_RULE, "workers-propagated"),
            Expect(TAG_RULE, "platform"),
            Expect(TAG_RULE, "cluster-role"),
            Expect(TAG_RULE, "node-role"),
            Expect(SIZE_RULE, "workers"),
            Expect(SIZE_RULE, "tagged-nodes"),
            Expect(BUDGET, None),
        ),
    ),
    Case(
        "gcp_gke",
        items=(1, 6, 9),
        exit_code=1,
        counts={
            "gcp:container/cluster:Cluster": 1,
            "gcp:container/nodePool:NodePool": 2,
            "gcp:sql/databaseInstance:DatabaseInstance": 2,
            "pulumi:providers:kubernetes": 1,
            "kubernetes:apps/v1:Deployment": 1,
            "kubernetes:core/v1:Service": 1,
        },
        findings=(
            Expect(TAG_RULE, "gke-cluster", says=("resourceLabels",)),
            # Kubernetes node labels never reach the VMs' bill; resource labels do.
            Expect(TAG_RULE, "k8s-labels-pool", says=("resourceLabels",)),
            Expect(TAG_RULE, "reports-db", says=("settings.userLabels",)),
            # GKE cost allocation exports Pod labels; the Deployment's own labels stay on it.
            Expect(TAG_RULE, "canary", says=("spec.template.metadata.labels",)),
            Expect(CONTAINERS, "canary"),  # nginx without requests or limits
            Expect(BUDGET, None, says=("gcp",)),
        ),
        absent=(
            Expect(TAG_RULE, "labelled-pool"),
            Expect(TAG_RULE, "orders-db"),
            Expect(TAG_RULE, "ingress"),  # a LoadBalancer Service, labelled
            Expect(SIZE_RULE, "labelled-pool"),  # n1-standard-1
            Expect(SIZE_RULE, "k8s-labels-pool"),
        ),
        untagged=frozenset({"gke-cluster", "k8s-labels-pool", "reports-db", "canary"}),
    ),
    Case(
        "gcp_functions",
        items=(2, 7, 8),
        exit_code=1,
        counts={
            "gcp:storage/bucket:Bucket": 1,
            "gcp:storage/bucketObject:BucketObject": 2,
            "gcp:storage/objectACL:ObjectACL": 1,
            "gcp:cloudfunctions/function:Function": 1,
            "gcp:cloudfunctions/functionIamMember:FunctionIamMember": 1,
        },
        findings=(
            Expect(PUBLIC, "landing_page_public", says=("predefinedAcl", "publicRead")),
            Expect(TAGS, "eta_demo_bucket"),
            Expect(TAGS, "eta_demo_function"),
            Expect(LIFECYCLE, "eta_demo_bucket"),
            Expect(BUDGET, None, says=("gcp",)),
        ),
        absent=(
            Expect(TAGS, "eta_demo_object"),
            Expect(TAGS, "landing_page"),
            Expect(PUBLIC, "eta_demo_object"),
        ),
        needs_tags=frozenset({"eta_demo_bucket", "eta_demo_function"}),
        free=frozenset({"eta_demo_object", "landing_page"}),
    ),
    Case(
        "gcp_instance_nginx",
        items=(4, 5, 6, 9),
        exit_code=1,
        counts={
            "gcp:compute/network:Network": 1,
            "gcp:compute/firewall:Firewall": 1,
            "gcp:compute/address:Address": 2,
            "gcp:compute/instance:Instance": 2,
            "gcp:billing/budget:Budget": 1,
        },
        findings=(
            # Default labels reach the VM's labels, not the boot disk it creates.
            Expect(TAG_RULE, "poc-container-instance", says=("bootDisk.initializeParams.labels",)),
        ),
        absent=(
            Expect(SIZE_RULE, "poc", type="gcp:compute/instance:Instance"),  # f1-micro
            Expect(SIZE_RULE, "poc-container-instance"),
            Expect(TAG_RULE, "poc"),  # labelled by gcp:defaultLabels, its disk by a copy
            Expect(BUDGET, None),
        ),
        untagged=frozenset({"poc-container-instance"}),
    ),
    Case(
        "azure_webserver",
        items=(1, 4, 6),
        exit_code=1,
        counts={
            "azure-native:resources:ResourceGroup": 1,
            "azure-native:network:NetworkSecurityGroup": 1,
            "azure-native:network:VirtualNetwork": 1,
            "azure-native:network:PublicIPAddress": 1,
            "azure-native:network:NetworkInterface": 1,
            "azure-native:compute:VirtualMachine": 1,
        },
        findings=(
            Expect(TAGS, "server-vm"),
            Expect(TAGS, "server-ip"),  # public IPv4 addresses are billed by the hour
            Expect(BUDGET, None, says=("azure",)),
        ),
        absent=(Expect(SIZE_RULE, "server-vm"),),  # Standard_A1_v2: 1 vCPU, 2 GiB
        needs_tags=frozenset({"server-vm", "server-ip"}),
    ),
    Case(
        "azure_static_website",
        items=(1, 2, 7),
        exit_code=1,
        counts={
            "azure-native:resources:ResourceGroup": 1,
            "azure-native:cdn:Profile": 1,
            "azure-native:storage:StorageAccount": 1,
            "azure-native:cdn:Endpoint": 1,
            "azure-native:storage:StorageAccountStaticWebsite": 1,
            "azure-native:storage:BlobContainer": 1,
            "azure-native:storage:Blob": 3,
        },
        findings=(
            Expect(PUBLIC, "storageaccount", says=("allowBlobPublicAccess",)),
            # An Azure blob has no access setting of its own: it is public exactly when its
            # container is, so the finding names the container and what it exposes.
            Expect(PUBLIC, "downloads", says=("publicAccess", "blob")),
            Expect(TAGS, "storageaccount"),
            Expect(LIFECYCLE, "storageaccount"),
            Expect(BUDGET, None, says=("azure",)),
        ),
        absent=(Expect(TAGS, "brochure"), Expect(TAGS, "index_html")),
        needs_tags=frozenset({"storageaccount"}),
    ),
    Case(
        "azure_aks",
        items=(1, 6),
        exit_code=1,
        counts={
            "azure-native:resources:ResourceGroup": 1,
            "azure-native:containerservice:ManagedCluster": 1,
            "pulumi:providers:kubernetes": 1,
            "kubernetes:apps/v1:Deployment": 1,
        },
        findings=(
            Expect(TAGS, "azure-native-aks"),
            Expect(TAGS, "hello"),
            Expect(BUDGET, None, says=("azure",)),
        ),
        absent=(
            Expect(SIZE_RULE, "azure-native-aks"),  # Standard_DS2_v2: 2 vCPU, 7 GiB
            Expect(CONTAINERS, "hello"),  # requests and limits within the caps
        ),
        needs_tags=frozenset({"azure-native-aks", "hello"}),
    ),
    Case(
        "k8s_guestbook",
        items=(1, 2, 8),
        exit_code=1,
        counts={
            "k8sx:component:ServiceDeployment": 3,
            "kubernetes:apps/v1:Deployment": 3,
            "kubernetes:core/v1:Service": 3,
            "kubernetes:core/v1:ConfigMap": 1,
            "kubernetes:core/v1:Secret": 1,
        },
        findings=tuple(
            Expect(policy, name, type="kubernetes:apps/v1:Deployment")
            for name in ("redis-leader", "redis-replica", "frontend")
            for policy in (TAGS, CONTAINERS)  # no labels; requests without limits
        ),
        # Item 8: a ConfigMap or Secret schedules nothing and claims no storage.
        absent=(
            Expect(TAGS, "redis-config"),
            Expect(TAGS, "redis-password"),
            Expect(BUDGET, None),  # Kubernetes alone: no cloud bill to budget
        ),
        needs_tags=frozenset({"redis-leader", "redis-replica", "frontend"}),
        free=frozenset({"redis-config", "redis-password"}),
    ),
    Case(
        "mixed_eks_app",
        items=(1, 5, 9),
        exit_code=0,
        counts={
            "aws:iam/role:Role": 2,
            "aws:iam/rolePolicyAttachment:RolePolicyAttachment": 4,
            "aws:eks/cluster:Cluster": 1,
            "aws:ec2/launchTemplate:LaunchTemplate": 1,
            "aws:eks/nodeGroup:NodeGroup": 1,
            "aws:s3/bucket:Bucket": 1,
            "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": 1,
            "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": 1,
            "aws:budgets/budget:Budget": 1,
            "pulumi:providers:kubernetes": 1,
            "kubernetes:core/v1:Namespace": 1,
            "kubernetes:apps/v1:Deployment": 1,
            "kubernetes:core/v1:Service": 1,
        },
        absent=(Expect(TAG_RULE, "spot-nodes"), Expect(BUDGET, None)),
        untagged=frozenset(),
    ),
)


# --- Planning each program once ---------------------------------------------------------------


@dataclass
class PlanRun:
    """One ``thrifty plan --format json`` subprocess and what it printed."""

    returncode: int
    stdout: str
    stderr: str
    document: dict[str, Any] | None = field(default=None)


def run_plan(program: str, stack: str, cwd: Path) -> PlanRun:
    """Plan a corpus program from ``cwd`` (never the program's own directory)."""
    result = subprocess.run(
        [
            *thrifty_command(),
            "plan",
            "--stack",
            stack,
            "--project-dir",
            str(CORPUS / program),
            "--format",
            "json",
        ],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=PLAN_TIMEOUT_SECONDS,
        check=False,
    )
    document = None
    if result.returncode in (0, 1) and result.stdout.strip():
        document = json.loads(result.stdout)
    return PlanRun(result.returncode, result.stdout, result.stderr, document)


@pytest.fixture(scope="module")
def plans(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[tuple[str, str], PlanRun]]:
    """Plans by (program, stack), each made on first use; all from one foreign directory."""
    elsewhere = tmp_path_factory.mktemp("elsewhere")

    class Plans(dict[tuple[str, str], PlanRun]):
        def __missing__(self, key: tuple[str, str]) -> PlanRun:
            run = run_plan(*key, cwd=elsewhere)
            self[key] = run
            return run

    yield Plans()


def findings_of(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The policy findings of a ``--format json`` document (item 10: records, not text)."""
    policies = document["sections"].get("Policies")
    assert policies is not None, "the plan has no Policies section"
    records = policies["data"].get("findings")
    assert isinstance(records, list), (
        f"item 10: the Policies section carries no 'findings' records: {sorted(policies['data'])}"
    )
    return records


def resource_nodes(nodes: list[Mapping[str, Any]]) -> Iterator[Mapping[str, Any]]:
    """Every node of the JSON resource tree."""
    for node in nodes:
        yield node
        yield from resource_nodes(node.get("children", []))


def urn_name(urn: str) -> str:
    return urn.rsplit("::", 1)[-1]


def describe(records: list[Mapping[str, Any]]) -> str:
    return "\n".join(
        f"  [{r['level']}/{r['kind']}] {r['policy']}: {r['type']} {r['name']}: {r['message']}"
        for r in records
    )


# --- The programs -----------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=[case.program for case in CASES])
def test_corpus_program_plans_with_the_right_findings(
    case: Case, plans: dict[tuple[str, str], PlanRun]
) -> None:
    run = plans[(case.program, case.stack)]
    assert "Traceback" not in run.stderr and "Exception ignored" not in run.stderr, run.stderr
    document = run.document
    assert document is not None, f"items {case.items}: exit {run.returncode}: {run.stderr}"
    records = findings_of(document)
    report = describe(records)
    assert run.returncode == case.exit_code, (
        f"items {case.items}: exit {run.returncode}, expected {case.exit_code}; "
        f"stderr: {run.stderr!r}; findings:\n{report}"
    )
    assert document["failed"] is (case.exit_code == 1)

    # The program recorded whole: every resource of every type it declares.
    counts = Counter(node["type"] for node in resource_nodes(document["resources"]))
    assert dict(counts) == dict(case.counts)
    assert document["summary"]["resources"] == sum(case.counts.values())

    for expected in case.findings:
        assert any(expected.matches(record) for record in records), (
            f"missing {expected}\nreported:\n{report}"
        )
    for unwanted in case.absent:
        wrong = [record for record in records if unwanted.same_resource(record)]
        assert not wrong, f"unexpected finding(s) for {unwanted}:\n{describe(wrong)}"
    # The programs are well-formed: every value is known and valid, or unknown until deployment.
    unjudged = [record for record in records if record["kind"] == "not-checkable"]
    assert not unjudged, f"values the pack could not judge:\n{describe(unjudged)}"

    untagged = {urn_name(urn) for urn in document["summary"]["untagged"]}
    if case.untagged is not None:
        assert untagged == set(case.untagged)
    assert set(case.needs_tags) <= untagged
    assert not untagged & set(case.free), f"counted as untagged: {untagged & set(case.free)}"


@pytest.mark.parametrize("case", CASES, ids=[case.program for case in CASES])
def test_corpus_findings_are_structured_records(
    case: Case, plans: dict[tuple[str, str], PlanRun]
) -> None:
    """Item 10: each finding is a record naming its policy, level, resource and message, and
    the document validates against the JSON Schema thrifty ships."""
    document = plans[(case.program, case.stack)].document
    assert document is not None, f"{case.program} did not plan"
    import jsonschema

    from thrifty.offline.report import json_schema  # the schema ships with item 10

    jsonschema.validate(document, json_schema())
    recorded = {node["urn"]: node for node in resource_nodes(document["resources"])}
    for record in findings_of(document):
        assert {"policy", "level", "urn", "type", "name", "message", "kind"} <= set(record)
        assert record["level"] in ("mandatory", "advisory")
        assert record["kind"] in ("violation", "not-checkable", "unknown")
        if record["urn"]:
            node = recorded[record["urn"]]
            assert (record["type"], record["name"]) == (node["type"], node["name"])
        else:
            assert record["type"] is None and record["name"] is None


# --- Failing programs (item 3) ----------------------------------------------------------------

FAILING = CORPUS / "failing"
#: Stack -> (exception type, message fragment) the failing program raises.
FAILURES: dict[str, tuple[type[BaseException], str]] = {
    "toplevel": (RuntimeError, "corpus program failed at the top level"),
    "apply": (ValueError, "corpus program failed inside an apply on 'known'"),
    "invoke": (Exception, "corpus:index:noSuchLookup"),
}


@pytest.mark.parametrize("stack", sorted(FAILURES))
def test_failing_program_fails_in_one_message(
    stack: str, plans: dict[tuple[str, str], PlanRun]
) -> None:
    """Exit 3 and the error as one message, no traceback; the error's own text (a missing
    answer's how-to-add snippet) may span lines, the CLI's part does not."""
    run = plans[("failing", stack)]
    assert run.returncode == 3, run.stderr
    assert run.stdout == ""
    assert "Traceback" not in run.stderr and "Exception ignored" not in run.stderr, run.stderr
    first, *rest = run.stderr.splitlines()
    assert first.startswith("thrifty plan: ") and FAILURES[stack][1] in first, run.stderr
    assert not [line for line in rest if line.startswith("thrifty plan: ")], run.stderr
    if stack != "invoke":
        assert rest == [], run.stderr


GOOD = CORPUS / "k8s_guestbook"


def snapshot(recording: Any) -> list[list[Any]]:
    """What must come back whole: each resource's identity, inputs and provider, by URN."""
    return sorted(
        [r.urn, r.type, r.name, r.parent, r.custom, r.inputs, r.provider]
        for r in recording.resources
    )


_SNAPSHOT_SCRIPT = (
    "import json, sys\n"
    "from tests.test_corpus import snapshot\n"
    "from thrifty.offline.recording import record_stack\n"
    "print(json.dumps(snapshot(record_stack(sys.argv[1], 'dev', preview=True))))\n"
)


@pytest.fixture(scope="module")
def good_baseline() -> list[list[Any]]:
    """The good program's resources, recorded in a fresh process that never saw a failure."""
    result = subprocess.run(
        [sys.executable, "-c", _SNAPSHOT_SCRIPT, str(GOOD)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=PLAN_TIMEOUT_SECONDS,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    baseline: list[list[Any]] = json.loads(result.stdout)
    guestbook = next(case for case in CASES if case.program == GOOD.name)
    assert len(baseline) == sum(guestbook.counts.values())
    return baseline


@pytest.mark.parametrize(
    "sequence",
    [
        ("toplevel", "good"),
        ("good", "apply", "good"),
        ("invoke", "good"),
        ("toplevel", "apply", "invoke", "good"),
    ],
    ids=lambda sequence: "-".join(sequence),
)
def test_good_program_records_whole_after_a_failing_one(
    sequence: tuple[str, ...], good_baseline: list[list[Any]]
) -> None:
    """Item 3: in one process, a failing program never spoils the recordings after it."""
    from thrifty.offline.recording import record_stack

    cwd, path = os.getcwd(), list(sys.path)
    for step in sequence:
        if step == "good":
            recording = record_stack(GOOD, "dev", preview=True)
            assert snapshot(recording) == good_baseline
        else:
            error_type, fragment = FAILURES[step]
            with pytest.raises(error_type, match=re.escape(fragment)):
                record_stack(FAILING, step, preview=True)
        assert os.getcwd() == cwd and sys.path == path, f"{step} left the process changed"
