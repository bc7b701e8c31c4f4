"""The two Helm releases: kube-prometheus-stack (Prometheus Operator, Prometheus, Alertmanager,
Grafana, kube-state-metrics, node-exporter) and OpenCost, pinned and sized.

The values are built by pure functions (:func:`prometheus_stack_values`,
:func:`opencost_values`); every key they set exists in the pinned chart's ``values.yaml``
(``tests/fixtures/charts/*.keys.txt`` lists them, with the commit they were read at). Facts the
wiring relies on, read in prometheus-community/helm-charts @
ea930baeebeba39f56d6b44e351f23b2a072a600 (kube-prometheus-stack 88.5.3) and
opencost/opencost-helm-chart @ a1287bff55c89735d22ebfc0f87bea152bfa4ed4 (opencost 2.5.17):

- ``templates/prometheus/prometheus.yaml``: with ``ruleSelectorNilUsesHelmValues`` (and the
  ServiceMonitor / PodMonitor equivalents) true and no explicit selector, Prometheus selects
  objects labelled ``release: <Helm release name>``, in every namespace (empty
  ``ruleNamespaceSelector``). thrifty sets these values explicitly and labels its
  PrometheusRule, OpenCost's ServiceMonitor and the services' PodMonitor with
  :data:`SELECTOR_LABELS`.
- ``templates/_helpers.tpl`` ``kube-prometheus-stack.fullname``: ``fullnameOverride``
  (truncated to 26 characters) names every object; ``templates/prometheus/service.yaml``
  names the Prometheus Service ``<fullname>-prometheus``, port ``prometheus.service.port``
  (9090). OpenCost's ``opencost.prometheusServerEndpoint`` (``_helpers.tpl``) builds
  ``http://<serviceName>.<namespaceName>.svc.<clusterName>:<port>`` from
  ``opencost.prometheus.internal``.
- Grafana's dashboard sidecar (grafana-community/helm-charts ``charts/grafana/templates/
  _pod.tpl`` @ 864f7794683680e5100a38670e103c4fa6e37e29, chart 12.11.1) watches ConfigMaps
  with label ``sidecar.dashboards.label`` = ``labelValue``; kube-prometheus-stack sets
  ``grafana_dashboard`` / ``"1"`` and ``searchNamespace: ALL``, thrifty sets the same values
  explicitly (:data:`DASHBOARD_LABEL`). Its Prometheus datasource has uid ``prometheus``
  (``grafana.sidecar.datasources.uid``).
- OpenCost's ``opencost.exporter.resources`` and ``opencost.ui.resources`` are passed through
  whole (``templates/deployment.yaml``: ``toYaml .Values.opencost.exporter.resources``).
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from thrifty.monitoring.spec import MonitoringSpec
from thrifty.workload.spec import ContainerResources

PROMETHEUS_STACK_CHART = "kube-prometheus-stack"
PROMETHEUS_STACK_REPO = "https://prometheus-community.github.io/helm-charts"
OPENCOST_CHART = "opencost"
OPENCOST_REPO = "https://opencost.github.io/opencost-helm-chart"
#: The Helm release names (fixed: the rule selector and the service names derive from them).
PROMETHEUS_STACK_RELEASE = "kube-prometheus-stack"
OPENCOST_RELEASE = "opencost"
#: What Prometheus' rule / ServiceMonitor / PodMonitor selectors match.
SELECTOR_LABELS = {"release": PROMETHEUS_STACK_RELEASE}
#: ``fullnameOverride``: the prefix of the chart's objects.
PROMETHEUS_STACK_FULLNAME = PROMETHEUS_STACK_RELEASE
PROMETHEUS_SERVICE = f"{PROMETHEUS_STACK_FULLNAME}-prometheus"
PROMETHEUS_PORT = 9090
#: The label Grafana's dashboard sidecar picks ConfigMaps up by.
DASHBOARD_LABEL = ("grafana_dashboard", "1")
#: The uid of the Prometheus datasource kube-prometheus-stack provisions in Grafana.
DATASOURCE_UID = "prometheus"


def resources(container: ContainerResources) -> dict[str, dict[str, str]]:
    """A container's requests and limits as Kubernetes ResourceRequirements."""
    return {"requests": container.requests.as_dict(), "limits": container.limits.as_dict()}


def prometheus_stack_values(spec: MonitoringSpec, labels: dict[str, str]) -> dict[str, Any]:
    """kube-prometheus-stack values: retention and volume, requests and limits, the selectors,
    the dashboard sidecar. ``labels`` (the cost labels) go on every object and Prometheus' pod."""
    sized = spec.resources
    return {
        "fullnameOverride": PROMETHEUS_STACK_FULLNAME,
        "commonLabels": labels,
        "prometheusOperator": {
            "resources": resources(sized.operator),
            "prometheusConfigReloader": {"resources": resources(sized.config_reloader)},
        },
        "prometheus": {
            "service": {"port": PROMETHEUS_PORT},
            "prometheusSpec": {
                "retention": spec.retention,
                "retentionSize": spec.retention_size(),
                "storageSpec": {
                    "volumeClaimTemplate": {
                        "spec": {
                            "accessModes": ["ReadWriteOnce"],
                            "resources": {"requests": {"storage": f"{spec.storage_gib}Gi"}},
                        }
                    }
                },
                "resources": resources(sized.prometheus),
                "podMetadata": {"labels": labels},
                "ruleSelectorNilUsesHelmValues": True,
                "serviceMonitorSelectorNilUsesHelmValues": True,
                "podMonitorSelectorNilUsesHelmValues": True,
            },
        },
        "alertmanager": {
            "alertmanagerSpec": {
                "resources": resources(sized.alertmanager),
                "podMetadata": {"labels": labels},
            }
        },
        "kubelet": {"serviceMonitor": {"cAdvisor": True}},
        "grafana": {
            "resources": resources(sized.grafana),
            "sidecar": {
                "resources": resources(sized.grafana_sidecar),
                "dashboards": {
                    "enabled": True,
                    "label": DASHBOARD_LABEL[0],
                    "labelValue": DASHBOARD_LABEL[1],
                    "searchNamespace": "ALL",
                },
                "datasources": {"uid": DATASOURCE_UID},
            },
        },
        "kube-state-metrics": {"resources": resources(sized.kube_state_metrics)},
        "prometheus-node-exporter": {"resources": resources(sized.node_exporter)},
    }


def opencost_values(
    spec: MonitoringSpec, labels: dict[str, str], cluster_id: str
) -> dict[str, Any]:
    """OpenCost values: query the chart's Prometheus, be scraped by it (ServiceMonitor with the
    selector label), requests and limits, the cost labels on its pod."""
    sized = spec.resources
    return {
        "podLabels": labels,
        "opencost": {
            "exporter": {"defaultClusterId": cluster_id, "resources": resources(sized.opencost)},
            "ui": {"enabled": True, "resources": resources(sized.opencost_ui)},
            "prometheus": {
                "internal": {
                    "enabled": True,
                    "serviceName": PROMETHEUS_SERVICE,
                    "namespaceName": spec.namespace,
                    "port": PROMETHEUS_PORT,
                }
            },
            "metrics": {
                "serviceMonitor": {"enabled": True, "additionalLabels": dict(SELECTOR_LABELS)}
            },
        },
    }


def helm_release(
    resource_name: str,
    *,
    release: str,
    chart: str,
    repo: str,
    version: str,
    namespace: pulumi.Input[str],
    values: dict[str, Any],
    opts: pulumi.ResourceOptions,
) -> k8s.helm.v3.Release:
    """A Helm release of ``chart`` at exactly ``version`` from ``repo``, named ``release``
    (fixed, not auto-named: selectors and service names derive from it)."""
    return k8s.helm.v3.Release(
        resource_name,
        name=release,
        chart=chart,
        version=version,
        repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=repo),
        namespace=namespace,
        values=values,
        opts=opts,
    )


__all__ = [
    "DASHBOARD_LABEL",
    "DATASOURCE_UID",
    "OPENCOST_CHART",
    "OPENCOST_RELEASE",
    "OPENCOST_REPO",
    "PROMETHEUS_SERVICE",
    "PROMETHEUS_STACK_CHART",
    "PROMETHEUS_STACK_RELEASE",
    "PROMETHEUS_STACK_REPO",
    "SELECTOR_LABELS",
    "helm_release",
    "opencost_values",
    "prometheus_stack_values",
    "resources",
]
