"""The Azure environment: foundation (provider, tagged resource group) and what builds on it."""

from __future__ import annotations

from typing import Any

from thrifty.budget.azure import AzureBudget
from thrifty.budget.spec import BudgetArgs
from thrifty.cluster.azure import AksCluster, AksClusterArgs
from thrifty.config import EnvironmentConfig
from thrifty.foundation.azure import AzureFoundation
from thrifty.foundation.spec import FoundationArgs
from thrifty.storage.factory import create_buckets


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
    AzureBudget(
        "budget",
        BudgetArgs(budget=config.budget, tags=tags),
        subscription_id=config.azure_subscription_id,
        resource_group_name=foundation.resource_group_name,
        provider=foundation.provider,
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
    if config.cluster is not None:
        cluster = AksCluster(
            "cluster",
            AksClusterArgs(
                tags=tags,
                cluster=config.cluster,
                caps=config.caps,
                off_hours=config.off_hours,
                resource_group_name=foundation.resource_group_name,
                location=config.region,
            ),
            provider=foundation.provider,
        )
        outputs.update(clusterName=cluster.cluster.name, kubeconfig=cluster.kubeconfig)
    outputs["buckets"] = {name: bucket.url for name, bucket in buckets.items()}
    return outputs
