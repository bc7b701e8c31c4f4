"""The guestbook (pulumi/examples kubernetes-py-guestbook, components version).

Exercises: a Service whose labels are its Deployment's ``metadata.labels`` and whose selector
is read back from the Deployment's ``spec`` (outputs of created objects), the frontend IP read
from ``status.load_balancer.ingress[0]`` (unknown until the load balancer exists), a file read
beside the program, and a ConfigMap and a Secret (they schedule nothing and claim no storage:
no cost labels are needed on them).
"""

import pulumi
from pulumi_kubernetes.core.v1 import ConfigMap, Secret
from service_deployment import ServiceDeployment

config = pulumi.Config()
isMinikube = config.get_bool("isMinikube")

with open("redis.conf", encoding="utf-8") as conf:
    redis_config = ConfigMap("redis-config", data={"redis.conf": conf.read()})
redis_password = Secret(
    "redis-password", string_data={"password": config.require_secret("redisPassword")}
)

ServiceDeployment("redis-leader", image="redis", ports=[6379])
ServiceDeployment("redis-replica", image="pulumi/guestbook-redis-replica", ports=[6379])
frontend = ServiceDeployment(
    "frontend",
    image="pulumi/guestbook-php-redis",
    replicas=3,
    ports=[80],
    allocate_ip_address=True,
    is_minikube=isMinikube,
)

pulumi.export("frontend_ip", frontend.ip_address)
