"""The GCP environment: foundation (labelled provider, project APIs) and what builds on it."""

from __future__ import annotations

from typing import Any

from thrifty.budget.gcp import GcpBudget
from thrifty.budget.spec import BudgetArgs
from thrifty.cluster.gcp import GkeCluster, GkeClusterArgs
from thrifty.config import EnvironmentConfig
from thrifty.foundation.gcp import GcpFoundation
from thrifty.foundation.spec import FoundationArgs
from thrifty.monitoring.factory import create_monitoring
from thrifty.network.gcp import gke_cluster_network
from thrifty.storage.factory import create_buckets
from thrifty.workload.factory import create_workloads


def build(config: EnvironmentConfig) -> dict[str, Any]:
    """Compose the GCP platform for one environment and return the stack outputs."""
    tags = config.cost_tags()
    foundation = GcpFoundation(
        "platform",
        FoundationArgs(tags=tags, region=config.region, gcp_project=config.gcp_project),
    )
    # Both are checked by EnvironmentConfig when cloud is gcp.
    assert config.gcp_project is not None and config.gcp_billing_account is not None
    GcpBudget(
        "budget",
        BudgetArgs(budget=config.budget, tags=tags),
        billing_account=config.gcp_billing_account,
        gcp_project=config.gcp_project,
        provider=foundation.provider,
    )
    buckets = create_buckets(
        config.storage,
        cloud="gcp",
        tags=tags,
        location=config.region,
        gcp_project=config.gcp_project,
        provider=foundation.provider,
    )
    outputs: dict[str, Any] = {"region": config.region, "project": config.gcp_project}
    if config.cluster is not None:
        network = gke_cluster_network(
            config.network,
            tags=tags,
            project=config.gcp_project,
            region=config.region,
            provider=foundation.provider,
        )
        cluster = GkeCluster(
            "cluster",
            GkeClusterArgs(
                tags=tags,
                cluster=config.cluster,
                caps=config.caps,
                off_hours=config.off_hours,
                owned_namespaces=list(config.namespaces),
                project=config.gcp_project,
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
