"""A GKE cluster with a canary deployment (pulumi/examples gcp-py-gke), and labels that nest.

Exercises: a kubeconfig made from the cluster's computed ``endpoint`` and ``master_auth``, the
load balancer IP read from ``status.load_balancer.ingress[0].ip`` (both unknown until the cloud
answers), and cost labels that only count where they are billed: a node pool's
``node_config.resource_labels`` (its Compute Engine VMs), not ``node_config.labels`` (Kubernetes
node labels); a Cloud SQL instance's ``settings.user_labels``; a Deployment's Pod template
labels (what GKE cost allocation exports), not the Deployment object's own labels.
"""

from pulumi import Config, Output, ResourceOptions, export, get_project, get_stack
from pulumi_gcp import container, sql
from pulumi_gcp.config import project, zone
from pulumi_kubernetes import Provider
from pulumi_kubernetes.apps.v1 import Deployment, DeploymentSpecArgs
from pulumi_kubernetes.core.v1 import (
    ContainerArgs,
    PodSpecArgs,
    PodTemplateSpecArgs,
    Service,
    ServicePortArgs,
    ServiceSpecArgs,
)
from pulumi_kubernetes.meta.v1 import LabelSelectorArgs, ObjectMetaArgs

# The cost labels as GCP and Kubernetes accept them (no "@" or "." in GCP label values).
GCP_LABELS = {
    "project": "storefront",
    "environment": "development",
    "team": "web-team",
    "cost-center": "engineering",
    "owner": "web-team_at_company_dot_com",
}
K8S_LABELS = {**GCP_LABELS, "owner": "web-team_at_company.com"}
OAUTH_SCOPES = [
    "https://www.googleapis.com/auth/compute",
    "https://www.googleapis.com/auth/devstorage.read_only",
    "https://www.googleapis.com/auth/logging.write",
    "https://www.googleapis.com/auth/monitoring",
]

config = Config(None)
NODE_COUNT = config.get_int("node_count") or 1
NODE_MACHINE_TYPE = config.get("node_machine_type") or "n1-standard-1"

# No resource_labels here: GKE would copy them to every node of the cluster.
k8s_cluster = container.Cluster(
    "gke-cluster",
    location=zone,
    initial_node_count=1,
    remove_default_node_pool=True,
    deletion_protection=False,
)

# The VMs of this pool carry the cost labels: GKE puts resource_labels on them.
container.NodePool(
    "labelled-pool",
    cluster=k8s_cluster.name,
    location=zone,
    node_count=NODE_COUNT,
    node_config={
        "machine_type": NODE_MACHINE_TYPE,
        "spot": True,
        "oauth_scopes": OAUTH_SCOPES,
        "resource_labels": GCP_LABELS,
    },
)

# Kubernetes node labels only: the VMs (what is billed) carry none of them.
container.NodePool(
    "k8s-labels-pool",
    cluster=k8s_cluster.name,
    location=zone,
    node_count=NODE_COUNT,
    node_config={
        "machine_type": NODE_MACHINE_TYPE,
        "spot": True,
        "oauth_scopes": OAUTH_SCOPES,
        "labels": K8S_LABELS,
    },
)

sql.DatabaseInstance(
    "orders-db",
    database_version="POSTGRES_15",
    region="us-central1",
    deletion_protection=False,
    settings={"tier": "db-f1-micro", "user_labels": GCP_LABELS},
)
sql.DatabaseInstance(
    "reports-db",
    database_version="POSTGRES_15",
    region="us-central1",
    deletion_protection=False,
    settings={"tier": "db-f1-micro"},
)

k8s_info = Output.all(k8s_cluster.name, k8s_cluster.endpoint, k8s_cluster.master_auth)
k8s_config = k8s_info.apply(
    lambda info: """apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: {0}
    server: https://{1}
  name: {2}
contexts:
- context:
    cluster: {2}
    user: {2}
  name: {2}
current-context: {2}
kind: Config
preferences: {{}}
users:
- name: {2}
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: gke-gcloud-auth-plugin
      provideClusterInfo: true
""".format(
        info[2]["cluster_ca_certificate"],
        info[1],
        f"{project}_{zone}_{info[0]}",
    )
)

k8s_provider = Provider("gke_k8s", kubeconfig=k8s_config)

labels = {"app": f"canary-{get_project()}-{get_stack()}"}
canary = Deployment(
    "canary",
    metadata=ObjectMetaArgs(labels={**K8S_LABELS, **labels}),
    spec=DeploymentSpecArgs(
        selector=LabelSelectorArgs(match_labels=labels),
        replicas=1,
        template=PodTemplateSpecArgs(
            metadata=ObjectMetaArgs(labels=labels),
            spec=PodSpecArgs(containers=[ContainerArgs(name="nginx", image="nginx")]),
        ),
    ),
    opts=ResourceOptions(provider=k8s_provider),
)

ingress = Service(
    "ingress",
    metadata=ObjectMetaArgs(labels=K8S_LABELS),
    spec=ServiceSpecArgs(type="LoadBalancer", selector=labels, ports=[ServicePortArgs(port=80)]),
    opts=ResourceOptions(provider=k8s_provider),
)

export("kubeconfig", k8s_config)
export("ingress_ip", ingress.status.apply(lambda status: status.load_balancer.ingress[0].ip))
