"""The PodMonitor that makes Prometheus scrape the services' own metrics (the prediction
counter cost per prediction is computed from).

A ``PodMonitor`` (``monitoring.coreos.com/v1``, the Prometheus Operator's CRD) over every
namespace, selecting the pods by label and scraping their named port. It carries the selector
label the chart's Prometheus picks PodMonitors up by
(:data:`thrifty.monitoring.charts.SELECTOR_LABELS`).
"""

from __future__ import annotations

from typing import Any

from thrifty.monitoring.spec import ServiceScrape

API_VERSION = "monitoring.coreos.com/v1"
KIND = "PodMonitor"


def pod_monitor_manifest(
    name: str, namespace: str, labels: dict[str, str], scrape: ServiceScrape
) -> dict[str, Any]:
    """The PodMonitor object: pods matching ``scrape.pod_labels`` in any namespace."""
    return {
        "apiVersion": API_VERSION,
        "kind": KIND,
        "metadata": {"name": name, "namespace": namespace, "labels": labels},
        "spec": {
            "namespaceSelector": {"any": True},
            "selector": {"matchLabels": dict(scrape.pod_labels)},
            "podMetricsEndpoints": [{"port": scrape.port, "path": scrape.path}],
        },
    }


__all__ = ["API_VERSION", "KIND", "pod_monitor_manifest"]
