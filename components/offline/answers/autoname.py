"""Auto-naming: the physical name a provider gives a resource the program did not name.

The engine asks the provider to ``Check`` a resource's inputs before it previews or creates
it, and ``Check`` fills in the auto-name, so the name is known in ``pulumi preview`` while ids,
ARNs and endpoints are not. Each provider picks the property and the shape of the name:

- AWS and GCP (Terraform-bridged): every resource with an input called ``name`` gets
  ``<logical name>-<7 random hex>`` (``SetAutonaming(255, "-")`` and ``AutoName``, whose
  ``Randlen`` is 7, in pulumi-terraform-bridge ``pkg/tfbridge/info``; pulumi-aws
  ``provider/autonaming.go``, pulumi-gcp ``provider/resources.go``). A few AWS resources name
  another property: ``aws:s3/bucket:Bucket`` auto-names ``bucket``, lower-cased
  (``AutoNameTransform("bucket", 63, strings.ToLower)``) and ``aws:ec2/keyPair:KeyPair``
  ``keyName`` (pulumi-aws ``provider/resources.go``). With ``<property>Prefix`` set the
  provider builds the name itself, so it stays unknown here.
- azure-native: the resource's own name in its ARM path (``accountName``,
  ``publicIpAddressName``), ``<logical name><8 random hex>`` with no separator (pulumi-azure-native
  ``provider/pkg/provider/autonaming_test.go``: ``test614742c2`` for ``test``); which argument
  that is comes from the SDK (:func:`thrifty.offline.answers.sdk.azure_name_argument`).
- Kubernetes: ``metadata.name`` = ``<logical name>-<8 random chars>`` unless ``metadata.name``
  or ``metadata.generateName`` is set (pulumi-kubernetes ``provider/pkg/metadata/naming.go``,
  ``AssignNameIfAutonamable`` with ``NewUniqueName``'s default length 8; it also annotates
  the object ``pulumi.com/autonamed: "true"``).

The "random" part here is a hash of the type and logical name, so two plans agree.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from thrifty.offline.answers.sdk import azure_name_argument
from thrifty.offline.answers.values import mapping, plain, stable_hex
from thrifty.taggable import sdk_arguments


@dataclass(frozen=True)
class AutonameRule:
    """Where a provider writes the auto-name, and how it builds it."""

    path: tuple[str, ...]
    separator: str
    random_length: int
    lowercase: bool = False


#: The annotation pulumi-kubernetes puts on every object it auto-named (metadata/annotations.go).
_K8S_AUTONAMED = "pulumi.com/autonamed"

_BRIDGED = AutonameRule(("name",), "-", 7)

_AWS_SPECIAL: dict[str, AutonameRule] = {
    "aws:s3/bucket:Bucket": AutonameRule(("bucket",), "-", 7, lowercase=True),
    "aws:s3/bucketV2:BucketV2": AutonameRule(("bucket",), "-", 7, lowercase=True),
    "aws:ec2/keyPair:KeyPair": AutonameRule(("keyName",), "-", 7),
}


@functools.cache
def autoname_rule(type_token: str) -> AutonameRule | None:
    """The auto-naming rule of a resource type, or None when its provider names nothing."""
    package = type_token.split(":", 1)[0]
    if package == "aws" and type_token in _AWS_SPECIAL:
        return _AWS_SPECIAL[type_token]
    if package in ("aws", "gcp"):
        return _BRIDGED if "name" in sdk_arguments(type_token) else None
    if package == "azure-native":
        argument = azure_name_argument(type_token)
        return AutonameRule((argument,), "", 8) if argument else None
    if package == "kubernetes":
        arguments = sdk_arguments(type_token)
        if "metadata" in arguments or (not arguments and _custom_resource(type_token)):
            return AutonameRule(("metadata", "name"), "-", 8)
    return None


def _custom_resource(type_token: str) -> bool:
    """A custom resource's token (``kubernetes:autoscaling.k8s.io/v1:VerticalPodAutoscaler``)
    is made at run time and listed in no SDK, yet the provider names it like any object
    (pulumi-kubernetes ``metadata.AssignNameIfAutonamable``). Its API group has a dot; SDK
    types with dotted groups (``helm.sh/v3:Release``) are known and answered above."""
    parts = type_token.split(":")
    return len(parts) == 3 and "." in parts[1].split("/", 1)[0]


def autonamed(type_token: str, name: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
    """The properties auto-naming adds to ``inputs`` (``{}`` when the program named it, the
    name depends on an unknown value, or the type is not auto-named)."""
    rule = autoname_rule(type_token)
    if rule is None:
        return {}
    physical = f"{name}{rule.separator}{stable_hex(type_token, name, length=rule.random_length)}"
    if rule.lowercase:
        physical = physical.lower()
    head = rule.path[0]
    if len(rule.path) == 1:
        if head in inputs or f"{head}Prefix" in inputs:
            return {}
        return {head: physical}
    if head in inputs and plain(inputs[head]) is None:
        return {}  # the whole metadata block is unknown: so is its name
    block = mapping(inputs.get(head))
    if "name" in block or "generateName" in block:
        return {}
    annotations = {**mapping(block.get("annotations")), _K8S_AUTONAMED: "true"}
    return {head: {**block, "name": physical, "annotations": annotations}}
