"""A load-balanced nginx service on Fargate (pulumi/examples aws-py-fargate).

Exercises: the default VPC and subnet lookups, and cost tags that come only from the stack
file's ``aws:defaultTags`` (no explicit provider, no ``tags=`` anywhere): every taggable resource
is tagged, and the stack's budget is scoped to the ``project`` tag, so the plan is clean.
"""

import json

import pulumi_aws as aws
from pulumi import ResourceOptions, export

cluster = aws.ecs.Cluster("cluster")

default_vpc = aws.ec2.get_vpc(default=True)
default_vpc_subnets = aws.ec2.get_subnets(
    filters=[{"name": "vpc-id", "values": [default_vpc.id]}],
)

group = aws.ec2.SecurityGroup(
    "web-secgrp",
    vpc_id=default_vpc.id,
    description="Enable HTTP access",
    ingress=[{"protocol": "tcp", "from_port": 80, "to_port": 80, "cidr_blocks": ["0.0.0.0/0"]}],
    egress=[{"protocol": "-1", "from_port": 0, "to_port": 0, "cidr_blocks": ["0.0.0.0/0"]}],
)

alb = aws.lb.LoadBalancer("app-lb", security_groups=[group.id], subnets=default_vpc_subnets.ids)

atg = aws.lb.TargetGroup(
    "app-tg", port=80, protocol="HTTP", target_type="ip", vpc_id=default_vpc.id
)

wl = aws.lb.Listener(
    "web",
    load_balancer_arn=alb.arn,
    port=80,
    default_actions=[{"type": "forward", "target_group_arn": atg.arn}],
)

role = aws.iam.Role(
    "task-exec-role",
    assume_role_policy=json.dumps(
        {
            "Version": "2008-10-17",
            "Statement": [
                {
                    "Sid": "",
                    "Effect": "Allow",
                    "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    ),
)

rpa = aws.iam.RolePolicyAttachment(
    "task-exec-policy",
    role=role.name,
    policy_arn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
)

task_definition = aws.ecs.TaskDefinition(
    "app-task",
    family="fargate-task-definition",
    cpu="256",
    memory="512",
    network_mode="awsvpc",
    requires_compatibilities=["FARGATE"],
    execution_role_arn=role.arn,
    container_definitions=json.dumps(
        [
            {
                "name": "my-app",
                "image": "nginx",
                "portMappings": [{"containerPort": 80, "hostPort": 80, "protocol": "tcp"}],
            }
        ]
    ),
)

service = aws.ecs.Service(
    "app-svc",
    cluster=cluster.arn,
    desired_count=3,
    launch_type="FARGATE",
    task_definition=task_definition.arn,
    network_configuration={
        "assign_public_ip": True,
        "subnets": default_vpc_subnets.ids,
        "security_groups": [group.id],
    },
    load_balancers=[
        {"target_group_arn": atg.arn, "container_name": "my-app", "container_port": 80}
    ],
    opts=ResourceOptions(depends_on=[wl]),
)

# The monthly budget of the project's spend (the cost-allocation tag "project").
budget = aws.budgets.Budget(
    "monthly-budget",
    budget_type="COST",
    limit_amount="200",
    limit_unit="USD",
    time_unit="MONTHLY",
    cost_filters=[{"name": "TagKeyValue", "values": ["user:project$storefront"]}],
    notifications=[
        {
            "comparison_operator": "GREATER_THAN",
            "threshold": 80,
            "threshold_type": "PERCENTAGE",
            "notification_type": "ACTUAL",
            "subscriber_email_addresses": ["web-team@company.com"],
        }
    ],
)

export("url", alb.dns_name)
