"""Off hours on every cloud: scale workloads to zero at night, the cluster autoscaler follows.

The guide's "Automated Shutdown" script (``kubectl scale ... --replicas=0`` from cron) made safe
to repeat and least-privileged. Two CronJobs (in the working hours' time zone) scale the
Deployments and StatefulSets of the chosen namespaces to zero at the end of the working day and
restore them at its start. With no pods left, the cluster autoscaler removes the empty nodes
down to each pool's minimum; in the morning the restored pods are pending and the autoscaler
adds nodes for them. So the order is always right: workloads go before their nodes and nodes
come before their workloads, on EKS, GKE and AKS alike, with no cloud-side schedule to race.

Replica counts are remembered in one ConfigMap (:data:`MEMORY`, key
``<namespace>.<kind>.<name>``) in the job's own namespace, never on the workloads, so the
job's service account needs no ``patch`` on Deployments (which would let it rewrite pod
templates). It may:

- read Deployments and StatefulSets (``get``, ``list``) and use their ``scale`` subresource
  (``get``, ``update``) in the listed namespaces (a ClusterRole bound by a RoleBinding per
  namespace, never cluster-wide). A RoleBinding needs its namespace: one the program itself
  creates later (``owned_namespaces``) is bound by :meth:`OffHoursScaler.bind`, after it;
- ``get`` and ``patch`` that one ConfigMap (a Role limited by ``resourceNames``). ``create``
  cannot be limited to a name, so Pulumi creates the ConfigMap (without ``data``, which the
  job owns; see :func:`_memory`).

Those are exactly the API calls kubectl makes for the scripts below (kubectl's ``scale`` and
``patch`` GET the object first; ``scale --current-replicas`` GETs and PUTs the scale
subresource: kubectl ``pkg/scale/scale.go``, cli-runtime ``resource/builder.go``).

Safe to repeat: a workload is scaled down only after its count is remembered, and only with
``--current-replicas`` (so a count that changed meanwhile is not lost); one already at zero is
skipped, so a second scale-down never overwrites the memory with zeros. The scale-up restores
a workload that is still at zero to exactly the remembered count and then forgets it; one that
someone scaled during the night (or that is gone) is left as it is and forgotten too. Failures
leave the workload running (or the memory in place) and fail the Job, whose retries repeat
the run safely. A workload labelled ``thrifty.io/off-hours=exempt`` is never touched. A
HorizontalPodAutoscaler stops acting on a target scaled to zero and resumes when it is scaled
back (Kubernetes docs, "Implicit maintenance-mode deactivation").
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
from pydantic import BaseModel, ConfigDict, Field

from thrifty.cluster.spec import OFF_HOURS_LABEL, ROLE_LABEL, OffHoursSpec
from thrifty.tags import CostTags

NAMESPACE = "thrifty-off-hours"
SERVICE_ACCOUNT = "off-hours"
#: The ClusterRole (read and scale workloads), bound only in the listed namespaces.
ROLE = "thrifty-off-hours"
#: The ConfigMap that remembers replica counts, and the Role that may read and patch it.
MEMORY = "off-hours-replicas"
MEMORY_ROLE = "thrifty-off-hours-memory"
KINDS = ("deployment", "statefulset")

#: What the job may do in each listed namespace: find workloads, read and set their scale.
SCALE_RULES: tuple[dict[str, Any], ...] = (
    {"apiGroups": ["apps"], "resources": ["deployments", "statefulsets"], "verbs": ["get", "list"]},
    {
        "apiGroups": ["apps"],
        "resources": ["deployments/scale", "statefulsets/scale"],
        "verbs": ["get", "update"],
    },
)
#: What the job may do in its own namespace: read and patch its memory, nothing else.
MEMORY_RULES: tuple[dict[str, Any], ...] = (
    {
        "apiGroups": [""],
        "resources": ["configmaps"],
        "resourceNames": [MEMORY],
        "verbs": ["get", "patch"],
    },
)

#: kubectl output: one ``<name> <replicas>`` line per workload (kubectl JSONPath).
WORKLOADS_JSONPATH = r'{range .items[*]}{.metadata.name} {.spec.replicas}{"\n"}{end}'
#: kubectl output: one ``<key> <replicas>`` line per remembered workload (Go template).
MEMORY_TEMPLATE = r'{{range $key, $count := .data}}{{$key}} {{$count}}{{"\n"}}{{end}}'

_SCALE_DOWN = r"""set -u
failed=0
for ns in $NAMESPACES; do
  for kind in @KINDS@; do
    if ! running=$(kubectl get "$kind" -n "$ns" -l '@SELECTOR@' \
        -o 'jsonpath=@WORKLOADS@'); then
      failed=1
      continue
    fi
    printf '%s\n' "$running" | {
      status=0
      while read -r name replicas; do
        [ -n "$name" ] && [ "${replicas:-0}" != 0 ] || continue
        # Remember first: a workload goes to zero only once its count is kept.
        kubectl patch configmap @MEMORY@ -n @NAMESPACE@ --type=merge \
          -p "{\"data\":{\"$ns.$kind.$name\":\"$replicas\"}}" &&
          kubectl scale "$kind/$name" -n "$ns" --current-replicas="$replicas" --replicas=0 ||
          status=1
      done
      exit "$status"
    } || failed=1
  done
done
exit "$failed"
"""

_SCALE_UP = r"""set -u
remembered=$(kubectl get configmap @MEMORY@ -n @NAMESPACE@ \
  -o 'go-template=@MEMORY_TEMPLATE@') || exit 1
printf '%s\n' "$remembered" | {
  status=0
  while read -r key replicas; do
    [ -n "$key" ] || continue
    ns=${key%%.*} rest=${key#*.}
    kind=${rest%%.*} name=${rest#*.}
    case "$kind" in
      @KIND_PATTERN@) ;;
      *) echo "unknown entry $key" >&2; status=1; continue ;;
    esac
    if ! now=$(kubectl get "$kind" "$name" -n "$ns" --ignore-not-found \
        -o 'jsonpath={.spec.replicas}'); then
      status=1
      continue
    fi
    if [ "$now" = 0 ]; then
      kubectl scale "$kind/$name" -n "$ns" --current-replicas=0 --replicas="$replicas" ||
        { status=1; continue; }
    else
      echo "$kind/$name in $ns is at ${now:-nothing (gone)}, not 0: left as it is"
    fi
    kubectl patch configmap @MEMORY@ -n @NAMESPACE@ --type=merge \
      -p "{\"data\":{\"$key\":null}}" || status=1
  done
  exit "$status"
}
"""


def _script(template: str) -> str:
    """``template`` with thrifty's names filled in (``@NAME@`` placeholders)."""
    values = {
        "@KINDS@": " ".join(KINDS),
        "@KIND_PATTERN@": "|".join(KINDS),
        "@SELECTOR@": f"{OFF_HOURS_LABEL}!=exempt",
        "@WORKLOADS@": WORKLOADS_JSONPATH,
        "@MEMORY_TEMPLATE@": MEMORY_TEMPLATE,
        "@MEMORY@": MEMORY,
        "@NAMESPACE@": NAMESPACE,
    }
    for placeholder, value in values.items():
        template = template.replace(placeholder, value)
    return template


#: Scale every non-exempt running workload to zero, its replica count remembered first.
SCALE_DOWN_SCRIPT = _script(_SCALE_DOWN)
#: Restore every remembered workload that is still at zero, then forget it.
SCALE_UP_SCRIPT = _script(_SCALE_UP)


class OffHoursScalerArgs(BaseModel):
    """The working hours and the tags the job's Kubernetes objects carry as labels."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    tags: CostTags
    off_hours: OffHoursSpec
    owned_namespaces: list[str] = Field(
        default_factory=list,
        description="Namespaces the program creates after this component: not bound here, "
        "but by whoever creates them, once they exist (OffHoursScaler.bind).",
    )


class OffHoursScaler(pulumi.ComponentResource):
    """Two CronJobs, their memory and the least RBAC they need, in the cluster behind
    ``provider`` (see the module docs).

    The job is bound (a RoleBinding to the scaling ClusterRole) in each namespace of
    ``offHours.namespaces`` here, except in ``owned_namespaces``: those do not exist yet, so
    their creator calls :meth:`bind` with the Namespace, and the binding comes after it
    (``create_workloads`` does this for the namespaces it guards).
    """

    scale_down: k8s.batch.v1.CronJob
    scale_up: k8s.batch.v1.CronJob
    memory: k8s.core.v1.ConfigMap
    #: The namespaces whose workloads the job scales (``offHours.namespaces``).
    namespaces: tuple[str, ...]
    #: The RoleBinding of each namespace bound so far.
    bindings: dict[str, k8s.rbac.v1.RoleBinding]

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

        def meta(object_name: str, namespace: str | None = None) -> k8s.meta.v1.ObjectMetaArgs:
            return k8s.meta.v1.ObjectMetaArgs(name=object_name, namespace=namespace, labels=labels)

        def after(*resources: pulumi.Resource) -> pulumi.ResourceOptions:
            return pulumi.ResourceOptions(parent=self, provider=provider, depends_on=[*resources])

        namespace = k8s.core.v1.Namespace(f"{name}-ns", metadata=meta(NAMESPACE), opts=after())
        account = k8s.core.v1.ServiceAccount(
            f"{name}-sa", metadata=meta(SERVICE_ACCOUNT, NAMESPACE), opts=after(namespace)
        )
        self.memory = _memory(name, meta(MEMORY, NAMESPACE), after(namespace))
        role = k8s.rbac.v1.ClusterRole(
            f"{name}-role", metadata=meta(ROLE), rules=_rules(SCALE_RULES), opts=after()
        )
        self._name, self._labels, self._provider, self._role = name, labels, provider, role
        self.namespaces = tuple(off_hours.namespaces)
        self.bindings = {}
        for target in self.namespaces:
            if target not in args.owned_namespaces:
                self.bind(target)
        memory_role = k8s.rbac.v1.Role(
            f"{name}-memory-role",
            metadata=meta(MEMORY_ROLE, NAMESPACE),
            rules=_rules(MEMORY_RULES),
            opts=after(namespace),
        )
        memory_binding = _binding(
            f"{name}-memory",
            meta(MEMORY_ROLE, NAMESPACE),
            "Role",
            MEMORY_ROLE,
            after(memory_role),
        )
        jobs = {
            action: k8s.batch.v1.CronJob(
                f"{name}-{action}",
                metadata=meta(f"off-hours-{action}", NAMESPACE),
                spec=_cron_job_spec(action, schedule, script, off_hours, labels),
                opts=after(account, self.memory, memory_binding, *self.bindings.values()),
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
                "namespaces": list(off_hours.namespaces),
            }
        )

    def bind(
        self, namespace: str, after: Sequence[pulumi.Resource] = ()
    ) -> k8s.rbac.v1.RoleBinding:
        """Let the job scale the workloads of ``namespace`` (one of ``offHours.namespaces``):
        the RoleBinding to the scaling ClusterRole, created after ``after`` (the Namespace,
        when the program creates it). The one place that binds the role."""
        if namespace not in self.namespaces:
            raise ValueError(
                f"namespace {namespace!r} is not one of offHours.namespaces "
                f"({', '.join(self.namespaces)}); the off-hours job scales only those"
            )
        if namespace in self.bindings:
            raise ValueError(f"the off-hours job is already bound in namespace {namespace!r}")
        binding = _binding(
            f"{self._name}-{namespace}",
            k8s.meta.v1.ObjectMetaArgs(name=ROLE, namespace=namespace, labels=self._labels),
            "ClusterRole",
            ROLE,
            pulumi.ResourceOptions(
                parent=self, provider=self._provider, depends_on=[self._role, *after]
            ),
        )
        self.bindings[namespace] = binding
        return binding

    @property
    def unbound(self) -> tuple[str, ...]:
        """The namespaces still waiting for :meth:`bind` (owned ones not created yet)."""
        return tuple(namespace for namespace in self.namespaces if namespace not in self.bindings)


def _rules(rules: tuple[dict[str, Any], ...]) -> list[k8s.rbac.v1.PolicyRuleArgs]:
    return [
        k8s.rbac.v1.PolicyRuleArgs(
            api_groups=rule["apiGroups"],
            resources=rule["resources"],
            resource_names=rule.get("resourceNames"),
            verbs=rule["verbs"],
        )
        for rule in rules
    ]


def _binding(
    name: str,
    metadata: k8s.meta.v1.ObjectMetaArgs,
    kind: str,
    role: str,
    opts: pulumi.ResourceOptions,
) -> k8s.rbac.v1.RoleBinding:
    """Binds ``role`` to the job's service account, in the binding's namespace only."""
    return k8s.rbac.v1.RoleBinding(
        name,
        metadata=metadata,
        role_ref=k8s.rbac.v1.RoleRefArgs(
            api_group="rbac.authorization.k8s.io", kind=kind, name=role
        ),
        subjects=[
            k8s.rbac.v1.SubjectArgs(
                kind="ServiceAccount", name=SERVICE_ACCOUNT, namespace=NAMESPACE
            )
        ],
        opts=opts,
    )


def _memory(
    name: str, metadata: k8s.meta.v1.ObjectMetaArgs, opts: pulumi.ResourceOptions
) -> k8s.core.v1.ConfigMap:
    """The ConfigMap the jobs keep replica counts in; its ``data`` is theirs, not Pulumi's.

    Pulumi declares no ``data``, so under server-side apply its field manager never owns a
    key and an update leaves the job's keys alone, and ``pulumi refresh`` prunes the live
    object to the declared inputs (no drift). ``ignore_changes`` covers the one case where
    Pulumi's inputs could hold ``data`` (an imported object): with SSA the provider then drops
    a field another manager owns from its apply, with client-side apply it keeps the live
    value (pulumi-kubernetes ``provider/pkg/await/await.go``, ``handleSSAIgnoreFields``).
    """
    return k8s.core.v1.ConfigMap(
        f"{name}-memory",
        metadata=metadata,
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(ignore_changes=["data"])),
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


__all__ = [
    "MEMORY",
    "MEMORY_RULES",
    "NAMESPACE",
    "SCALE_DOWN_SCRIPT",
    "SCALE_RULES",
    "SCALE_UP_SCRIPT",
    "OffHoursScaler",
    "OffHoursScalerArgs",
]
