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
ROLE = "thrifty-off-hours"
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

    scale_down: k8s.batch.v1.CronJob
    scale_up: k8s.batch.v1.CronJob

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

        def meta(object_name: str, namespace: str | None = None) -> k8s.meta.v1.ObjectMetaArgs:
            return k8s.meta.v1.ObjectMetaArgs(name=object_name, namespace=namespace, labels=labels)

        namespace = k8s.core.v1.Namespace(f"{name}-ns", metadata=meta(NAMESPACE), opts=child)
        in_namespace = pulumi.ResourceOptions(
            parent=self, provider=provider, depends_on=[namespace]
        )
        k8s.core.v1.ServiceAccount(
            f"{name}-sa", metadata=meta(SERVICE_ACCOUNT, NAMESPACE), opts=in_namespace
        )
        role = k8s.rbac.v1.ClusterRole(
            f"{name}-role",
            metadata=meta(ROLE),
            rules=[
                k8s.rbac.v1.PolicyRuleArgs(
                    api_groups=["apps"],
                    resources=["deployments", "statefulsets"],
                    verbs=["get", "list", "patch"],
                ),
                k8s.rbac.v1.PolicyRuleArgs(
                    api_groups=["apps"],
                    resources=["deployments/scale", "statefulsets/scale"],
                    verbs=["get", "patch", "update"],
                ),
            ],
            opts=child,
        )
        for target in off_hours.namespaces:
            k8s.rbac.v1.RoleBinding(
                f"{name}-{target}",
                metadata=meta(ROLE, target),
                role_ref=k8s.rbac.v1.RoleRefArgs(
                    api_group="rbac.authorization.k8s.io", kind="ClusterRole", name=ROLE
                ),
                subjects=[
                    k8s.rbac.v1.SubjectArgs(
                        kind="ServiceAccount", name=SERVICE_ACCOUNT, namespace=NAMESPACE
                    )
                ],
                opts=pulumi.ResourceOptions(parent=self, provider=provider, depends_on=[role]),
            )
        jobs = {
            action: k8s.batch.v1.CronJob(
                f"{name}-{action}",
                metadata=meta(f"off-hours-{action}", NAMESPACE),
                spec=_cron_job_spec(action, schedule, script, off_hours, labels),
                opts=in_namespace,
            )
            for action, schedule, script in (
                ("scale-down", off_hours.scale_down_cron, SCALE_DOWN_SCRIPT),
                ("scale-up", off_hours.scale_up_cron, SCALE_UP_SCRIPT),
            )
        }
        self.scale_down, self.scale_up = jobs["scale-down"], jobs["scale-up"]
        self.register_outputs(
            {
                "timeZone": off_hours.time_zone,
                "scaleDown": off_hours.scale_down_cron,
                "scaleUp": off_hours.scale_up_cron,
            }
        )


def _cron_job_spec(
    action: str, schedule: str, script: str, off_hours: OffHoursSpec, labels: dict[str, str]
) -> k8s.batch.v1.CronJobSpecArgs:
    """One run of ``script`` per ``schedule``, never two at once, never retried for long."""
    return k8s.batch.v1.CronJobSpecArgs(
        schedule=schedule,
        time_zone=off_hours.time_zone,
        concurrency_policy="Forbid",
        starting_deadline_seconds=3600,
        successful_jobs_history_limit=1,
        failed_jobs_history_limit=3,
        job_template=k8s.batch.v1.JobTemplateSpecArgs(
            metadata=k8s.meta.v1.ObjectMetaArgs(labels=labels),
            spec=k8s.batch.v1.JobSpecArgs(
                backoff_limit=3,
                active_deadline_seconds=900,
                ttl_seconds_after_finished=86400,
                template=k8s.core.v1.PodTemplateSpecArgs(
                    metadata=k8s.meta.v1.ObjectMetaArgs(labels=labels),
                    spec=_pod_spec(action, script, off_hours),
                ),
            ),
        ),
    )


def _pod_spec(action: str, script: str, off_hours: OffHoursSpec) -> k8s.core.v1.PodSpecArgs:
    """Runs on the on-demand system pool (never evicted by the night it is managing),
    as nobody, read-only, with bounded resources."""
    return k8s.core.v1.PodSpecArgs(
        service_account_name=SERVICE_ACCOUNT,
        restart_policy="OnFailure",
        node_selector={ROLE_LABEL: "system"},
        security_context=k8s.core.v1.PodSecurityContextArgs(
            run_as_non_root=True,
            run_as_user=65534,
            seccomp_profile=k8s.core.v1.SeccompProfileArgs(type="RuntimeDefault"),
        ),
        containers=[
            k8s.core.v1.ContainerArgs(
                name=action,
                image=off_hours.image,
                command=["/bin/sh", "-c", script],
                env=[
                    k8s.core.v1.EnvVarArgs(name="NAMESPACES", value=" ".join(off_hours.namespaces)),
                    k8s.core.v1.EnvVarArgs(name="HOME", value="/tmp"),
                ],
                resources=k8s.core.v1.ResourceRequirementsArgs(
                    requests={"cpu": "50m", "memory": "64Mi"},
                    limits={"cpu": "200m", "memory": "128Mi"},
                ),
                security_context=k8s.core.v1.SecurityContextArgs(
                    allow_privilege_escalation=False,
                    read_only_root_filesystem=True,
                    capabilities=k8s.core.v1.CapabilitiesArgs(drop=["ALL"]),
                ),
                volume_mounts=[k8s.core.v1.VolumeMountArgs(name="tmp", mount_path="/tmp")],
            )
        ],
        volumes=[
            k8s.core.v1.VolumeArgs(
                name="tmp", empty_dir=k8s.core.v1.EmptyDirVolumeSourceArgs(size_limit="64Mi")
            )
        ],
    )


__all__ = ["SCALE_DOWN_SCRIPT", "SCALE_UP_SCRIPT", "OffHoursScaler", "OffHoursScalerArgs"]
