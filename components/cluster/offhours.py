"""The workload-level off-hours route: scale workloads to zero at night, the autoscaler follows.

GKE and AKS have no native schedule for node pools. Instead, two CronJobs (in the working
hours' time zone) scale the Deployments and StatefulSets of the chosen namespaces to zero at
the end of the working day and restore them at its start; with no pods left, the cluster
autoscaler removes the empty nodes down to each pool's minimum. This is the guide's
"Automated Shutdown" script (``kubectl scale ... --replicas=0``) made safe to repeat: the
replica count is kept in an annotation so the morning job restores exactly what was running.

A workload labelled ``thrifty.io/off-hours=exempt`` is left alone. The job's service account
may only read and scale workloads in the listed namespaces (a RoleBinding per namespace).
"""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s
from pydantic import BaseModel, ConfigDict

from thrifty.cluster.spec import OFF_HOURS_LABEL, REPLICAS_ANNOTATION, ROLE_LABEL, OffHoursSpec
from thrifty.tags import CostTags

NAMESPACE = "thrifty-off-hours"
SERVICE_ACCOUNT = "off-hours"
KINDS = ("deployment", "statefulset")

_ANNOTATION_PATH = REPLICAS_ANNOTATION.replace(".", "\\.")

#: Scale every non-exempt workload with replicas > 0 to zero, remembering its replicas.
SCALE_DOWN_SCRIPT = f"""set -eu
for ns in $NAMESPACES; do
  for kind in {" ".join(KINDS)}; do
    kubectl get "$kind" -n "$ns" -l '{OFF_HOURS_LABEL}!=exempt' \\
      -o jsonpath='{{range .items[*]}}{{.metadata.name}} {{.spec.replicas}}{{"\\n"}}{{end}}' |
    while read -r name replicas; do
      [ -n "$name" ] && [ "${{replicas:-0}}" != "0" ] || continue
      kubectl annotate "$kind/$name" -n "$ns" --overwrite "{REPLICAS_ANNOTATION}=$replicas"
      kubectl scale "$kind/$name" -n "$ns" --replicas=0
    done
  done
done
"""

#: Restore every workload that the scale-down job annotated, then drop the annotation.
SCALE_UP_SCRIPT = f"""set -eu
for ns in $NAMESPACES; do
  for kind in {" ".join(KINDS)}; do
    kubectl get "$kind" -n "$ns" \\
      -o jsonpath='{{range .items[*]}}{{.metadata.name}} {{.metadata.annotations.{_ANNOTATION_PATH}}}{{"\\n"}}{{end}}' |
    while read -r name replicas; do
      [ -n "$name" ] && [ -n "${{replicas:-}}" ] || continue
      kubectl scale "$kind/$name" -n "$ns" --replicas="$replicas"
      kubectl annotate "$kind/$name" -n "$ns" "{REPLICAS_ANNOTATION}-"
    done
  done
done
"""  # noqa: E501  (the jsonpath is one argument)


class OffHoursScalerArgs(BaseModel):
    """The working hours and the tags the job's Kubernetes objects carry as labels."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    tags: CostTags
    off_hours: OffHoursSpec


class OffHoursScaler(pulumi.ComponentResource):
    """Two CronJobs and the least RBAC they need, in the cluster behind ``provider``."""

    def __init__(
        self,
        name: str,
        args: OffHoursScalerArgs,
        provider: k8s.Provider,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        labels = {**args.tags.kubernetes(), "app.kubernetes.io/managed-by": "thrifty"}
        off_hours = args.off_hours
        super().__init__("thrifty:cluster:OffHoursScaler", name, None, opts)
        child = pulumi.ResourceOptions(parent=self, provider=provider)

        namespace = k8s.core.v1.Namespace(
            f"{name}-ns", metadata={"name": NAMESPACE, "labels": labels}, opts=child
        )
        in_namespace = pulumi.ResourceOptions(
            parent=self, provider=provider, depends_on=[namespace]
        )
        k8s.core.v1.ServiceAccount(
            f"{name}-sa",
            metadata={"name": SERVICE_ACCOUNT, "namespace": NAMESPACE, "labels": labels},
            automount_service_account_token=True,
            opts=in_namespace,
        )
        role = k8s.rbac.v1.ClusterRole(
            f"{name}-role",
            metadata={"name": "thrifty-off-hours", "labels": labels},
            rules=[
                {
                    "apiGroups": ["apps"],
                    "resources": ["deployments", "statefulsets"],
                    "verbs": ["get", "list", "patch"],
                },
                {
                    "apiGroups": ["apps"],
                    "resources": ["deployments/scale", "statefulsets/scale"],
                    "verbs": ["get", "patch", "update"],
                },
            ],
            opts=child,
        )
        for target in off_hours.namespaces:
            k8s.rbac.v1.RoleBinding(
                f"{name}-{target}",
                metadata={"name": "thrifty-off-hours", "namespace": target, "labels": labels},
                role_ref={
                    "apiGroup": "rbac.authorization.k8s.io",
                    "kind": "ClusterRole",
                    "name": "thrifty-off-hours",
                },
                subjects=[
                    {"kind": "ServiceAccount", "name": SERVICE_ACCOUNT, "namespace": NAMESPACE}
                ],
                opts=pulumi.ResourceOptions(parent=self, provider=provider, depends_on=[role]),
            )
        self.scale_down = self._cron_job(
            name, "scale-down", off_hours.scale_down_cron, SCALE_DOWN_SCRIPT, args, labels,
            in_namespace,
        )  # fmt: skip
        self.scale_up = self._cron_job(
            name, "scale-up", off_hours.scale_up_cron, SCALE_UP_SCRIPT, args, labels,
            in_namespace,
        )  # fmt: skip
        self.register_outputs(
            {
                "timeZone": off_hours.time_zone,
                "scaleDown": off_hours.scale_down_cron,
                "scaleUp": off_hours.scale_up_cron,
            }
        )

    @staticmethod
    def _cron_job(
        name: str,
        action: str,
        schedule: str,
        script: str,
        args: OffHoursScalerArgs,
        labels: dict[str, str],
        opts: pulumi.ResourceOptions,
    ) -> k8s.batch.v1.CronJob:
        """One CronJob running ``script`` with kubectl; hardened and with bounded resources."""
        return k8s.batch.v1.CronJob(
            f"{name}-{action}",
            metadata={"name": f"off-hours-{action}", "namespace": NAMESPACE, "labels": labels},
            spec={
                "schedule": schedule,
                "timeZone": args.off_hours.time_zone,
                "concurrencyPolicy": "Forbid",
                "startingDeadlineSeconds": 3600,
                "successfulJobsHistoryLimit": 1,
                "failedJobsHistoryLimit": 3,
                "jobTemplate": {
                    "metadata": {"labels": labels},
                    "spec": {
                        "backoffLimit": 3,
                        "activeDeadlineSeconds": 900,
                        "ttlSecondsAfterFinished": 86400,
                        "template": {
                            "metadata": {"labels": labels},
                            "spec": _pod_spec(action, script, args.off_hours),
                        },
                    },
                },
            },
            opts=opts,
        )


def _pod_spec(action: str, script: str, off_hours: OffHoursSpec) -> dict[str, object]:
    """Runs on the on-demand system pool (never evicted by the night it is managing)."""
    return {
        "serviceAccountName": SERVICE_ACCOUNT,
        "restartPolicy": "OnFailure",
        "nodeSelector": {ROLE_LABEL: "system"},
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": 65534,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "containers": [
            {
                "name": action,
                "image": off_hours.image,
                "command": ["/bin/sh", "-c", script],
                "env": [
                    {"name": "NAMESPACES", "value": " ".join(off_hours.namespaces)},
                    {"name": "HOME", "value": "/tmp"},
                ],
                "resources": {
                    "requests": {"cpu": "50m", "memory": "64Mi"},
                    "limits": {"cpu": "200m", "memory": "128Mi"},
                },
                "securityContext": {
                    "allowPrivilegeEscalation": False,
                    "readOnlyRootFilesystem": True,
                    "capabilities": {"drop": ["ALL"]},
                },
                "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
            }
        ],
        "volumes": [{"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}}],
    }


__all__ = ["SCALE_DOWN_SCRIPT", "SCALE_UP_SCRIPT", "OffHoursScaler", "OffHoursScalerArgs"]
