"""The metrics the cost rules read, and which exporter produces each one (with the source).

Every metric a recording rule, an alert or a dashboard query reads is either in
:data:`SOURCE_METRICS` or recorded by one of thrifty's own rules (``thrifty:*``); the tests hold
the rules to that. A metric that nothing exports is how the guide's original alerts
(``compute_cost_per_hour``, ``storage_cost_total``) could never fire.

Sources, checked with the repositories' own code and documentation:

[OPENCOST]  github.com/opencost/opencost ``pkg/costmodel/metrics.go`` @
            5f6533303e3850c8635796a74bb22802d16e9090 (v1.112.0-9): the GaugeVecs
            ``node_cpu_hourly_cost`` ("hourly cost for each cpu on this node"),
            ``node_ram_hourly_cost`` ("hourly cost for each gb of ram on this node"),
            ``node_total_hourly_cost`` ("Total node cost per hour"), all labelled instance,
            node, instance_type, region, provider_id, arch; ``pv_hourly_cost`` ("Cost per GB
            per hour on a persistent disk", labels volumename, persistentvolume, provider_id);
            ``container_cpu_allocation`` and ``container_memory_allocation_bytes`` (labels
            namespace, pod, container, instance, node). Listed as OpenCost's generated
            metrics at opencost.io/docs/integrations/metrics. OpenCost's own cluster queries
            (``pkg/costmodel/cluster.go`` ``queryTotal``, same commit) price storage as
            ``pv_hourly_cost * kube_persistentvolume_capacity_bytes / 1024 / 1024 / 1024``
            joined on ``persistentvolume``, and nodes as ``sum(avg(node_total_hourly_cost)
            by (node))``; the RAM price is per GiB (``/ 1024 / 1024 / 1024`` in
            ``queryClusterRAM``).
[KSM]       github.com/kubernetes/kube-state-metrics @ c92fe0c5ce02d3b52abf54490e00db6c706f2ba5
            (v2.20.0-11): ``docs/metrics/storage/persistentvolume-metrics.md``
            ``kube_persistentvolume_capacity_bytes`` (label persistentvolume);
            ``docs/metrics/workload/pod-metrics.md`` ``kube_pod_container_resource_requests``
            (labels resource, unit, container, pod, namespace, node; cpu in cores, memory in
            bytes) and ``kube_pod_status_phase`` (labels pod, namespace, phase). OpenCost
            stops exporting its own ``kube_persistentvolume_capacity_bytes`` unless told to
            emit KSM v1 metrics (``pkg/metrics/kubemetrics.go``), so kube-state-metrics (part
            of kube-prometheus-stack) is where it comes from.
[CADVISOR]  github.com/google/cadvisor ``docs/storage/prometheus.md`` @
            6a0c4f2539a8b1c11215804dee404c06fe3e0218: ``container_cpu_usage_seconds_total``
            (counter, seconds) and ``container_memory_working_set_bytes`` (gauge, bytes), served
            by the kubelet's ``/metrics/cadvisor`` endpoint, which kube-prometheus-stack
            scrapes (``kubelet.serviceMonitor.cAdvisor``).
[SERVICE]   The prediction counter the service itself exports (``thrifty:monitoring``
            ``predictionsMetric``, default ``predictions_total``), scraped through a PodMonitor.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Exporter = Literal["opencost", "kube-state-metrics", "cadvisor", "service"]
#: Prefix of every metric thrifty's recording rules produce.
RECORDED_PREFIX = "thrifty:"


@dataclass(frozen=True)
class SourceMetric:
    """A metric an exporter produces: its name, who exports it and where that is written."""

    name: str
    exporter: Exporter
    source: str
    #: Whether the cost figures are wrong without it (an alert fires when it is absent).
    cost_input: bool


SOURCE_METRICS: dict[str, SourceMetric] = {
    metric.name: metric
    for metric in (
        SourceMetric("node_total_hourly_cost", "opencost", "[OPENCOST]", cost_input=True),
        SourceMetric("node_cpu_hourly_cost", "opencost", "[OPENCOST]", cost_input=True),
        SourceMetric("node_ram_hourly_cost", "opencost", "[OPENCOST]", cost_input=True),
        SourceMetric("pv_hourly_cost", "opencost", "[OPENCOST]", cost_input=True),
        SourceMetric("container_cpu_allocation", "opencost", "[OPENCOST]", cost_input=True),
        SourceMetric(
            "container_memory_allocation_bytes", "opencost", "[OPENCOST]", cost_input=True
        ),
        SourceMetric(
            "kube_persistentvolume_capacity_bytes", "kube-state-metrics", "[KSM]", cost_input=True
        ),
        SourceMetric(
            "kube_pod_container_resource_requests", "kube-state-metrics", "[KSM]", cost_input=False
        ),
        SourceMetric("kube_pod_status_phase", "kube-state-metrics", "[KSM]", cost_input=False),
        SourceMetric(
            "container_cpu_usage_seconds_total", "cadvisor", "[CADVISOR]", cost_input=False
        ),
        SourceMetric(
            "container_memory_working_set_bytes", "cadvisor", "[CADVISOR]", cost_input=False
        ),
    )
}


def service_metric(name: str) -> SourceMetric:
    """The service's own counter (its name is configurable)."""
    return SourceMetric(name, "service", "[SERVICE]", cost_input=False)


__all__ = ["RECORDED_PREFIX", "SOURCE_METRICS", "Exporter", "SourceMetric", "service_metric"]
