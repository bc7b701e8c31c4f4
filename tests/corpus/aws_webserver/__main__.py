"""A web server on the smallest previous-generation instance (pulumi/examples aws-py-webserver).

Exercises: an invoke with filters (``aws.ec2.get_ami``), a ``t2.micro`` the catalog must size,
a file read relative to the program directory, and exports of outputs only AWS computes.
"""

import pulumi
import pulumi_aws as aws

size = "t2.micro"

ami = aws.ec2.get_ami(
    most_recent=True,
    owners=["amazon"],
    filters=[{"name": "name", "values": ["amzn2-ami-hvm-*"]}],
)

group = aws.ec2.SecurityGroup(
    "web-secgrp",
    description="Enable HTTP access",
    ingress=[{"protocol": "tcp", "from_port": 80, "to_port": 80, "cidr_blocks": ["0.0.0.0/0"]}],
)

# Relative to the program directory, as the Pulumi CLI runs the program there.
with open("user_data.sh", encoding="utf-8") as script:
    user_data = script.read()

server = aws.ec2.Instance(
    "web-server-www",
    instance_type=size,
    vpc_security_group_ids=[group.id],
    user_data=user_data,
    ami=ami.id,
)

pulumi.export("public_ip", server.public_ip)
pulumi.export("public_dns", server.public_dns)
