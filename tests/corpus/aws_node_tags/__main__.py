"""EKS node groups and Auto Scaling groups whose tags do or do not reach their instances.

Every resource carries the five cost tags itself. What is billed, though, is the EC2 instances
and volumes the groups launch, and those get tags only from a launch template's
``tag_specifications`` (a managed node group's own ``tags`` stay on the node group) or from
Auto Scaling group tags with ``propagate_at_launch``:

- ``tagged-nodes``: launch template with tag specifications for instances and volumes (reaches);
- ``untagged-nodes``: launch template without tag specifications (does not reach);
- ``default-nodes``: no launch template; EKS makes one without tags (does not reach);
- ``workers-propagated``: ASG tags with ``propagate_at_launch=True`` (reaches);
- ``workers-not-propagated``: ASG tags with ``propagate_at_launch=False`` (does not reach).

Also exercises the ASG ``tags=[{key, value, propagate_at_launch}]`` list form and lookups.
"""

import json

import pulumi
import pulumi_aws as aws

TAGS = {
    "project": "storefront",
    "environment": "development",
    "team": "web-team",
    "cost-center": "engineering",
    "owner": "web-team@company.com",
}
SPOT_TYPES = ["t3.medium", "t3a.medium", "t2.medium"]


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


cluster_role = service_role("cluster-role", "eks.amazonaws.com", ["AmazonEKSClusterPolicy"])
node_role = service_role(
    "node-role",
    "ec2.amazonaws.com",
    [
        "AmazonEKSWorkerNodePolicy",
        "AmazonEKS_CNI_Policy",
        "AmazonEC2ContainerRegistryReadOnly",
    ],
)

vpc = aws.ec2.get_vpc(default=True)
subnets = aws.ec2.get_subnets(filters=[{"name": "vpc-id", "values": [vpc.id]}])

cluster = aws.eks.Cluster(
    "platform",
    role_arn=cluster_role.arn,
    vpc_config={"subnet_ids": subnets.ids},
    tags=TAGS,
)


def node_group(name: str, template: aws.ec2.LaunchTemplate | None) -> aws.eks.NodeGroup:
    return aws.eks.NodeGroup(
        name,
        cluster_name=cluster.name,
        node_role_arn=node_role.arn,
        subnet_ids=subnets.ids,
        capacity_type="SPOT",
        instance_types=SPOT_TYPES,
        scaling_config={"min_size": 0, "desired_size": 1, "max_size": 3},
        launch_template=(
            {"id": template.id, "version": template.latest_version.apply(str)}
            if template is not None
            else None
        ),
        tags=TAGS,
    )


tagged_template = aws.ec2.LaunchTemplate(
    "tagged-nodes",
    metadata_options={"http_tokens": "required", "http_put_response_hop_limit": 1},
    tag_specifications=[
        {"resource_type": "instance", "tags": TAGS},
        {"resource_type": "volume", "tags": TAGS},
    ],
    tags=TAGS,
)
node_group("tagged-nodes", tagged_template)

untagged_template = aws.ec2.LaunchTemplate(
    "untagged-nodes",
    metadata_options={"http_tokens": "required", "http_put_response_hop_limit": 1},
    tags=TAGS,
)
node_group("untagged-nodes", untagged_template)

node_group("default-nodes", None)

ami = aws.ec2.get_ami(
    most_recent=True,
    owners=["amazon"],
    filters=[{"name": "name", "values": ["al2023-ami-2023.*-x86_64"]}],
)
workers_template = aws.ec2.LaunchTemplate(
    "workers", image_id=ami.id, instance_type="t3.small", tags=TAGS
)


def workers(name: str, propagate: bool) -> aws.autoscaling.Group:
    return aws.autoscaling.Group(
        name,
        min_size=0,
        max_size=2,
        vpc_zone_identifiers=subnets.ids,
        launch_template={"id": workers_template.id, "version": "$Latest"},
        tags=[
            {"key": key, "value": value, "propagate_at_launch": propagate}
            for key, value in TAGS.items()
        ],
    )


workers("workers-propagated", True)
workers("workers-not-propagated", False)

aws.budgets.Budget(
    "monthly-budget",
    budget_type="COST",
    limit_amount="500",
    limit_unit="USD",
    time_unit="MONTHLY",
    cost_filters=[{"name": "TagKeyValue", "values": ["user:project$storefront"]}],
    tags=TAGS,
)

pulumi.export("cluster_endpoint", cluster.endpoint)
