"""An AKS cluster (pulumi/examples azure-py-aks, with a managed identity instead of an AD app).

Exercises: the previous-generation ``Standard_DS2_v2`` the catalog must size, and a kubeconfig
decoded from ``list_managed_cluster_user_credentials_output`` (its inputs are the cluster's
computed name) that a Kubernetes provider then uses.
"""

import base64

import pulumi
import pulumi_kubernetes as k8s
from pulumi_azure_native import containerservice, resources

config = pulumi.Config()
managed_cluster_name = config.get("managedClusterName") or "azure-native-aks"

resource_group = resources.ResourceGroup("azure-native-py-aks")

managed_cluster = containerservice.ManagedCluster(
    managed_cluster_name,
    resource_group_name=resource_group.name,
    agent_pool_profiles=[
        {
            "count": 3,
            "max_pods": 110,
            "mode": "System",
            "name": "agentpool",
            "node_labels": {},
            "os_disk_size_gb": 30,
            "os_type": "Linux",
            "type": "VirtualMachineScaleSets",
            "vm_size": "Standard_DS2_v2",
        }
    ],
    enable_rbac=True,
    identity={"type": "SystemAssigned"},
    linux_profile={
        "admin_username": "testuser",
        "ssh": {"public_keys": [{"key_data": config.require("sshPublicKey")}]},
    },
    dns_prefix=resource_group.name,
)

creds = containerservice.list_managed_cluster_user_credentials_output(
    resource_group_name=resource_group.name, resource_name=managed_cluster.name
)
kubeconfig = creds.kubeconfigs[0].value.apply(lambda enc: base64.b64decode(enc).decode())

aks = k8s.Provider("aks", kubeconfig=kubeconfig)
app_labels = {"app": "hello"}
k8s.apps.v1.Deployment(
    "hello",
    spec={
        "replicas": 2,
        "selector": {"match_labels": app_labels},
        "template": {
            "metadata": {"labels": app_labels},
            "spec": {
                "containers": [
                    {
                        "name": "hello",
                        "image": "mcr.microsoft.com/azuredocs/aks-helloworld:v1",
                        "resources": {
                            "requests": {"cpu": "100m", "memory": "128Mi"},
                            "limits": {"cpu": "250m", "memory": "256Mi"},
                        },
                    }
                ]
            },
        },
    },
    opts=pulumi.ResourceOptions(provider=aks),
)

pulumi.export("kubeconfig", pulumi.Output.secret(kubeconfig))
