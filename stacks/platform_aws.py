"""The AWS environment: foundation (tagged provider, resource group) and what builds on it."""

from __future__ import annotations

from typing import Any

from thrifty.budget.aws import AwsBudget
from thrifty.budget.spec import BudgetArgs
from thrifty.cluster.aws import EksCluster, EksClusterArgs
from thrifty.config import EnvironmentConfig
from thrifty.foundation.aws import AwsFoundation
from thrifty.foundation.spec import FoundationArgs
from thrifty.monitoring.factory import create_monitoring
from thrifty.network.aws import eks_cluster_network
from thrifty.storage.factory import create_buckets
from thrifty.workload.factory import create_workloads


def build(config: EnvironmentConfig) -> dict[str, Any]:
    """Compose the AWS platform for one environment and return the stack outputs."""
    tags = config.cost_tags()
    foundation = AwsFoundation("platform", FoundationArgs(tags=tags, region=config.region))
    budget = AwsBudget(
        "budget", BudgetArgs(budget=config.budget, tags=tags), provider=foundation.provider
    )
    buckets = create_buckets(
        config.storage,
        cloud="aws",
        tags=tags,
        provider=foundation.provider,
    )
    outputs: dict[str, Any] = {
        "region": config.region,
        "resourceGroupArn": foundation.resource_group.arn,
        "budgets": {period: b.name for period, b in budget.budgets.items()},
    }
    if config.cluster is not None:
        network = eks_cluster_network(
            config.network, tags=tags, region=config.region, provider=foundation.provider
        )
        cluster = EksCluster(
            "cluster",
            EksClusterArgs(
                tags=tags,
                cluster=config.cluster,
                caps=config.caps,
                off_hours=config.off_hours,
                owned_namespaces=list(config.namespaces),
                region=config.region,
                **network,
            ),
            provider=foundation.provider,
        )
        outputs.update(clusterName=cluster.cluster.name, kubeconfig=cluster.kubeconfig)
        create_workloads(config.workloads, config.namespaces, tags=tags, cluster=cluster)
        create_monitoring(
            config.monitoring,
            budget=config.budget,
            tags=tags,
            provider=cluster.kubernetes_provider,
        )
    outputs["buckets"] = {name: bucket.url for name, bucket in buckets.items()}
    return outputs
