"""Nginx on f1-micro VMs (pulumi/examples gcp-py-instance-nginx), labelled by the provider.

Exercises: ``gcp.compute.get_image`` by family, the shared-core ``f1-micro`` the catalog must
size, and cost labels that come from ``gcp:defaultLabels`` in the stack file (no explicit
provider, no ``labels=`` on any resource). Default labels do not reach the boot disk a VM
creates: the first VM copies them into ``initialize_params.labels``, the second, as in the
example, does not, and its disk is billed unlabelled.
"""

import json

import pulumi
import pulumi_gcp as gcp
from pulumi_gcp import compute

default_labels = json.loads(gcp.config.default_labels or "{}")

network = compute.Network("poc")

firewall = compute.Firewall(
    "poc",
    network=network.self_link,
    allows=[
        compute.FirewallAllowArgs(protocol="tcp", ports=["22"]),
        compute.FirewallAllowArgs(protocol="tcp", ports=["80"]),
    ],
)

script = """#!/bin/bash
apt -y update
apt -y install nginx
"""

ubuntu = compute.get_image(family="ubuntu-2204-lts", project="ubuntu-os-cloud")
cos = compute.get_image(family="cos-stable", project="cos-cloud")

instance_addr = compute.Address("poc")
instance = compute.Instance(
    "poc",
    machine_type="f1-micro",
    boot_disk=compute.InstanceBootDiskArgs(
        initialize_params=compute.InstanceBootDiskInitializeParamsArgs(
            image=ubuntu.self_link, labels=default_labels
        ),
    ),
    network_interfaces=[
        compute.InstanceNetworkInterfaceArgs(
            network=network.id,
            access_configs=[
                compute.InstanceNetworkInterfaceAccessConfigArgs(nat_ip=instance_addr.address)
            ],
        )
    ],
    metadata_startup_script=script,
)

container_instance_addr = compute.Address("poc-container-instance")
container_instance = compute.Instance(
    "poc-container-instance",
    machine_type="f1-micro",
    boot_disk=compute.InstanceBootDiskArgs(
        initialize_params=compute.InstanceBootDiskInitializeParamsArgs(image=cos.self_link),
    ),
    metadata={
        "gce-container-declaration": (
            "spec:\n  containers:\n    - name: nginx\n"
            "      image: 'gcr.io/cloud-marketplace/google/nginx1:latest'\n"
            "  restartPolicy: Always\n"
        ),
    },
    network_interfaces=[
        compute.InstanceNetworkInterfaceArgs(
            network=network.id,
            access_configs=[
                compute.InstanceNetworkInterfaceAccessConfigArgs(
                    nat_ip=container_instance_addr.address
                )
            ],
        )
    ],
    service_account=compute.InstanceServiceAccountArgs(
        email="default",
        scopes=["https://www.googleapis.com/auth/devstorage.read_only"],
    ),
)

# The monthly budget of this project's spend.
project = gcp.organizations.get_project()
gcp.billing.Budget(
    "monthly-budget",
    billing_account="0A1B2C-3D4E5F-6A7B8C",
    display_name="storefront dev",
    amount={"specified_amount": {"currency_code": "USD", "units": "100"}},
    budget_filter={"projects": [f"projects/{project.number}"]},
    threshold_rules=[{"threshold_percent": 0.8}, {"threshold_percent": 1.0}],
)

pulumi.export("instance_name", instance.name)
pulumi.export("instance_external_ip", instance_addr.address)
pulumi.export("container_instance_external_ip", container_instance_addr.address)
