"""Kubernetes: the provider's own invokes, and what the cluster fills in after ``pulumi up``.

``kubernetes:yaml:decode`` is what ``kubernetes.yaml.ConfigFile`` / ``ConfigGroup`` (v1) call
with a manifest's text; the provider answers ``{"result": [object, ...]}``, one object per
non-empty YAML document (the SDK reads ``result`` and expands ``kind: *List`` itself). It is a
pure function of its input, so offline it is answered for real.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml

from thrifty.offline.answers.cloud import ComputedOutputs, InvokeAnswer, OfflineCloud
from thrifty.offline.answers.values import text

#: The address a LoadBalancer Service gets (TEST-NET-3, RFC 5737: reserved for documentation).
LOAD_BALANCER_IP = "203.0.113.10"


def decode_yaml(cloud: OfflineCloud, args: Mapping[str, Any]) -> dict[str, Any]:
    """Every non-empty document of ``args["text"]`` (a YAML error names the invoke)."""
    try:
        documents = list(yaml.safe_load_all(text(args.get("text")) or ""))
    except yaml.YAMLError as error:
        raise ValueError(
            f"kubernetes:yaml:decode: the manifest is not valid YAML: {error}"
        ) from None
    return {"result": [document for document in documents if document]}


INVOKES: dict[str, InvokeAnswer] = {"kubernetes:yaml:decode": decode_yaml}


def _service_status(cloud: OfflineCloud, name: str, state: Mapping[str, Any]) -> dict[str, Any]:
    """A Service's ``status`` after ``pulumi up``: a LoadBalancer gets an ingress address.

    Programs read ``status.load_balancer.ingress[0].ip`` (GKE, AKS) or ``.hostname`` (EKS);
    both are given, so either reads a plausible value instead of crashing on None.
    """
    spec = state.get("spec")
    kind = spec.get("type") if isinstance(spec, Mapping) else None
    if kind != "LoadBalancer":
        return {"status": {"loadBalancer": {}}}
    hostname = f"{name}.offline.elb.{cloud.region}.example.com"
    return {
        "status": {"loadBalancer": {"ingress": [{"ip": LOAD_BALANCER_IP, "hostname": hostname}]}}
    }


#: Outputs specific Kubernetes kinds get after ``pulumi up``.
SPECIFIC: dict[str, ComputedOutputs] = {"kubernetes:core/v1:Service": _service_status}
