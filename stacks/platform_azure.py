"""The Azure environment: foundation (provider, tagged resource group) and what builds on it."""

from __future__ import annotations

from typing import Any

import pulumi

from thrifty.budget.azure import AzureBudget
from thrifty.budget.spec import BudgetArgs
from thrifty.cluster.azure import AksCluster, AksClusterArgs
from thrifty.config import EnvironmentConfig
from thrifty.foundation.azure import AzureFoundation
from thrifty.foundation.spec import FoundationArgs
from thrifty.monitoring.factory import create_monitoring
from thrifty.network.azure import aks_cluster_network
from thrifty.storage.factory import create_buckets
from thrifty.workload.factory import create_workloads


def build(config: EnvironmentConfig) -> dict[str, Any]:
    """Compose the Azure platform for one environment and return the stack outputs."""
    tags = config.cost_tags()
    foundation = AzureFoundation(
        "platform",
        FoundationArgs(
            tags=tags,
            region=config.region,
            azure_subscription_id=config.azure_subscription_id,
        ),
    )
    buckets = create_buckets(
        config.storage,
        cloud="azure",
        tags=tags,
        location=config.region,
        resource_group_name=foundation.resource_group_name,
        provider=foundation.provider,
    )
    outputs: dict[str, Any] = {
        "location": config.region,
        "resourceGroup": foundation.resource_group_name,
    }
    # The budget covers AKS's node resource group too: its VMs, disks and IPs live there.
    node_groups: list[pulumi.Input[str]] = []
    if config.cluster is not None:
        network = aks_cluster_network(
            config.network,
            tags=tags,
            resource_group_name=foundation.resource_group_name,
            location=config.region,
            provider=foundation.provider,
        )
        cluster = AksCluster(
            "cluster",
            AksClusterArgs(
                tags=tags,
                cluster=config.cluster,
                caps=config.caps,
                off_hours=config.off_hours,
                owned_namespaces=list(config.namespaces),
                resource_group_name=foundation.resource_group_name,
                location=config.region,
                **network,
            ),
            provider=foundation.provider,
        )
        node_groups.append(cluster.cluster.node_resource_group)
        outputs.update(clusterName=cluster.cluster.name, kubeconfig=cluster.kubeconfig)
        create_workloads(config.workloads, config.namespaces, tags=tags, cluster=cluster)
        create_monitoring(
            config.monitoring,
            budget=config.budget,
            tags=tags,
            provider=cluster.kubernetes_provider,
        )
    AzureBudget(
        "budget",
        BudgetArgs(budget=config.budget, tags=tags),
        subscription_id=config.azure_subscription_id,
        resource_group_name=foundation.resource_group_name,
        additional_resource_groups=node_groups,
        provider=foundation.provider,
    )
    outputs["buckets"] = {name: bucket.url for name, bucket in buckets.items()}
    return outputs
