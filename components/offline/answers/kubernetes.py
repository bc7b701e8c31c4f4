"""Kubernetes: the provider's own invokes that programs reach through the SDK's helpers.

``kubernetes:yaml:decode`` is what ``kubernetes.yaml.ConfigFile`` / ``ConfigGroup`` (v1) call
with a manifest's text; the provider answers ``{"result": [object, ...]}``, one object per
non-empty YAML document (the SDK reads ``result`` and expands ``kind: *List`` itself). It is a
pure function of its input, so offline it is answered for real.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml

from thrifty.offline.answers.cloud import InvokeAnswer, OfflineCloud
from thrifty.offline.answers.values import text


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
