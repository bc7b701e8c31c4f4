"""The storefront on EKS, with its assets bucket (mixed AWS + Kubernetes).

Exercises: a kubeconfig made of the cluster's computed ``endpoint`` and
``certificate_authority`` (unknown during preview), AWS cost tags that come only from
``aws:defaultTags`` in the stack file, launch template tag specifications filled from
``aws.get_default_tags()`` (default tags do not reach the instances a node group launches),
Kubernetes labels on the workload and its Pods, and an assets bucket with lifecycle rules.
Nothing here should be flagged.
"""

import json

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s
from kubeconfig import generate_kube_config

K8S_LABELS = {
    "project": "storefront",
    "environment": "development",
    "team": "web-team",
    "cost-center": "engineering",
    "owner": "web-team_at_company.com",
}


def service_role(name: str, service: str, policies: list[str]) -> aws.iam.Role:
    role = aws.iam.Role(
        name,
        assume_role_policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Action": "sts:AssumeRole",
                        "Principal": {"Service": service},
                        "Effect": "Allow",
                    }
                ],
            }
        ),
    )
    for index, policy in enumerate(policies):
        aws.iam.RolePolicyAttachment(
            f"{name}-{index}", role=role.name, policy_arn=f"arn:aws:iam::aws:policy/{policy}"
        )
    return role


eks_role = service_role("eks-iam-role", "eks.amazonaws.com", ["AmazonEKSClusterPolicy"])
node_role = service_role(
    "ec2-nodegroup-iam-role",
    "ec2.amazonaws.com",
    ["AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonEC2ContainerRegistryReadOnly"],
)

vpc = aws.ec2.get_vpc(default=True)
subnets = aws.ec2.get_subnets(filters=[{"name": "vpc-id", "values": [vpc.id]}])

eks_cluster = aws.eks.Cluster(
    "eks-cluster",
    role_arn=eks_role.arn,
    vpc_config={"public_access_cidrs": ["0.0.0.0/0"], "subnet_ids": subnets.ids},
)

# Default tags tag the template itself, not what it launches: copy them into its tag
# specifications so the nodes and their volumes are tagged too.
default_tags = aws.get_default_tags()
node_template = aws.ec2.LaunchTemplate(
    "spot-nodes",
    metadata_options={"http_tokens": "required", "http_put_response_hop_limit": 1},
    tag_specifications=[
        {"resource_type": "instance", "tags": default_tags.tags},
        {"resource_type": "volume", "tags": default_tags.tags},
    ],
)
aws.eks.NodeGroup(
    "spot-nodes",
    cluster_name=eks_cluster.name,
    node_role_arn=node_role.arn,
    subnet_ids=subnets.ids,
    capacity_type="SPOT",
    instance_types=["t3.large", "t3a.large", "m5.large"],
    scaling_config={"min_size": 1, "desired_size": 1, "max_size": 3},
    launch_template={"id": node_template.id, "version": node_template.latest_version.apply(str)},
)

assets = aws.s3.Bucket("storefront-assets")
aws.s3.BucketPublicAccessBlock(
    "storefront-assets",
    bucket=assets.id,
    block_public_acls=True,
    block_public_policy=True,
    ignore_public_acls=True,
    restrict_public_buckets=True,
)
aws.s3.BucketLifecycleConfiguration(
    "storefront-assets",
    bucket=assets.id,
    rules=[
        {
            "id": "tiering",
            "status": "Enabled",
            "filter": {},
            "transitions": [{"days": 30, "storage_class": "STANDARD_IA"}],
        }
    ],
)

k8s_provider = k8s.Provider("eks", kubeconfig=generate_kube_config(eks_cluster))
app_labels = {"app": "storefront"}
namespace = k8s.core.v1.Namespace(
    "storefront",
    metadata={"labels": K8S_LABELS},
    opts=pulumi.ResourceOptions(provider=k8s_provider),
)
deployment = k8s.apps.v1.Deployment(
    "storefront",
    metadata={"namespace": namespace.metadata.name, "labels": {**K8S_LABELS, **app_labels}},
    spec={
        "replicas": 2,
        "selector": {"match_labels": app_labels},
        "template": {
            "metadata": {"labels": {**K8S_LABELS, **app_labels}},
            "spec": {
                "containers": [
                    {
                        "name": "storefront",
                        "image": "nginx:1.27",
                        "env": [{"name": "ASSETS_BUCKET", "value": assets.bucket}],
                        "resources": {
                            "requests": {"cpu": "250m", "memory": "256Mi"},
                            "limits": {"cpu": "500m", "memory": "512Mi"},
                        },
                    }
                ]
            },
        },
    },
    opts=pulumi.ResourceOptions(provider=k8s_provider),
)
k8s.core.v1.Service(
    "storefront",
    metadata={"namespace": namespace.metadata.name, "labels": K8S_LABELS},
    spec={"selector": app_labels, "ports": [{"port": 80, "target_port": 80}]},
    opts=pulumi.ResourceOptions(provider=k8s_provider),
)

aws.budgets.Budget(
    "monthly-budget",
    budget_type="COST",
    limit_amount="300",
    limit_unit="USD",
    time_unit="MONTHLY",
    cost_filters=[{"name": "TagKeyValue", "values": ["user:project$storefront"]}],
)

pulumi.export("kubeconfig", pulumi.Output.secret(generate_kube_config(eks_cluster)))
pulumi.export("assets_bucket", assets.bucket)
