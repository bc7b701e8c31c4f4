"""Compute Engine machine types in us-central1: gcloud's machine-type list and Karpenter-GCP prices.

Shapes: ``tools/machinetyperegion.csv`` of Cyclenerd/google-cloud-pricing-cost-calculator, an
export of ``gcloud compute machine-types list`` (vCPUs, shared-core flag, memory in GB as gcloud
prints it, that is ``memoryMb / 1024``: GiB) per region. GPUs: the same project's ``build/gcp.yml``,
which lists the GPUs each accelerator-optimized machine type carries (and the fractional vCPU of
shared-core types). Prices: cloudpilot-ai/karpenter-provider-gcp ``initial-prices.json`` (on-demand
and Spot, per machine type, attached GPUs included), generated from the Cloud Billing Catalog.

Left out, and listed in the notes: obsolete types (they cannot be created), TPU hosts (their
accelerators are not GPUs and no source counts them), and GPU types whose GPUs no source lists.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tools.instance_catalog.common import CloudData, Pin, Row, Source, gib, list_files

REGION = "us-central1"
CALCULATOR = "Cyclenerd/google-cloud-pricing-cost-calculator"
SHAPES = Pin(CALCULATOR, "dac31281f2a4575f0a8bff20ac04fc71a5ff2190", "tools/machinetyperegion.csv")
GPUS = Pin(CALCULATOR, "dac31281f2a4575f0a8bff20ac04fc71a5ff2190", "build/gcp.yml")
PRICES = Pin(
    "cloudpilot-ai/karpenter-provider-gcp",
    "373e2baa9665c864d29ae686dfadbc0dd97d8bb8",
    "pkg/providers/pricing/initial-prices.json",
)
SHAPE_SOURCE = "gcp-gcloud-machine-types-2026-08-17"
GPU_SOURCE = "gcp-calculator-machine-gpus-2026-07-22"
PRICE_SOURCE = "gcp-karpenter-gcp-prices-2026-08-03"

#: The GPU keys of gcp.yml and the GPU each names.
GPU_MODELS = {
    "l4": "NVIDIA L4",
    "rtx6000": "NVIDIA RTX PRO 6000",
    "a100": "NVIDIA A100 40GB",
    "a100-80gb": "NVIDIA A100 80GB",
    "h100-80gb": "NVIDIA H100 80GB",
    "h100-80gb-mega": "NVIDIA H100 80GB Mega",
}
GPU_FAMILIES = frozenset({"a2", "a3", "a4", "a4x", "g2", "g4"})
TPU_FAMILIES = frozenset({"ct3", "ct3p", "ct5l", "ct5lp", "ct5p", "ct6e", "tpu7x"})
SERIES_REPO = "Cyclenerd/google-cloud-compute-machine-types"
SERIES_COMMIT = "6df0dc708acd757a325024ea0508e1b32850533d"
SERIES_DIR = "instances/series"
SERIES_SOURCE = "gcp-machine-series-2026-03-22"
#: CPU platforms of Google's Arm machine series (every Arm series has a series file).
ARM_PLATFORMS = frozenset({"Google Axion", "Ampere Altra"})
#: Series without a series file, by the purpose Google's machine-family docs give them.
FALLBACK_PURPOSE = {
    "h4d": "Compute-optimized",
    "x4": "Memory-optimized",
    "m4n": "Memory-optimized",
    "g4": "Accelerator-optimized",
}
PURPOSE_CATEGORY = {
    "Compute-optimized": "compute",
    "Memory-optimized": "memory",
    "Storage-optimized": "storage",
    "Accelerator-optimized": "accelerated",
}
_MEMORY_SUFFIXES = ("highmem", "megamem", "ultramem", "hypermem")
_FIELD = re.compile(r"(series|family|cpuPlatform)\s*=\s*'([^']*)'")


@dataclass(frozen=True)
class Series:
    """A machine series as the series file describes it."""

    purpose: str
    cpu_platform: str | None


def read_series(mirrors: Path) -> dict[str, Series]:
    """``{series: Series}`` from the ``instances/series/*.sql`` files (first UPDATE block)."""
    found: dict[str, Series] = {}
    for path in list_files(mirrors, SERIES_REPO, SERIES_COMMIT, SERIES_DIR, ".sql"):
        fields = dict(_FIELD.findall(Pin(SERIES_REPO, SERIES_COMMIT, path).read(mirrors)))
        found.setdefault(fields["series"], Series(fields["family"], fields["cpuPlatform"]))
    return found


def _category(name: str, series: Series, shared: bool, gpus: int) -> str:
    kind = name.split("-")[1] if "-" in name else ""
    if gpus:
        return "gpu"
    if shared:
        return "burstable"
    if series.purpose != "General-purpose":
        return PURPOSE_CATEGORY[series.purpose]
    if kind == "highcpu":
        return "compute"
    if kind.startswith(_MEMORY_SUFFIXES):
        return "memory"
    return "general"


def _gpus(spec: dict[str, Any]) -> tuple[int, str | None, str | None]:
    """(count, model, note) from a gcp.yml machine entry; a GPU share counts as one GPU."""
    found = [(key, float(spec[key])) for key in GPU_MODELS if key in spec]
    if not found:
        return 0, None, None
    ((key, count),) = found
    if count < 1:
        note = f"a {count:g} share of one {GPU_MODELS[key]} (counted as 1 GPU)"
        return 1, GPU_MODELS[key], note
    return int(count), GPU_MODELS[key], None


def build(mirrors: Path) -> CloudData:
    """Every machine type gcloud lists in us-central1 that a source describes fully."""
    table = csv.DictReader(io.StringIO(SHAPES.read(mirrors)), delimiter=";")
    machines = [row for row in table if row["ZONE"] == REGION]
    specs: dict[str, dict[str, Any]] = yaml.safe_load(GPUS.read(mirrors))["compute"]["instance"]
    region_prices = json.loads(PRICES.read(mirrors))["prices"][REGION]
    on_demand: dict[str, float] = region_prices["on_demand"]
    spot: dict[str, float] = region_prices["spot"]
    series = read_series(mirrors)
    rows: list[Row] = []
    skipped: dict[str, list[str]] = {"obsolete": [], "TPU host": [], "GPUs not listed": []}
    for machine in machines:
        name = machine["NAME"]
        family = name.split("-")[0]
        if machine["DEPRECATED"] == "OBSOLETE":
            skipped["obsolete"].append(name)
            continue
        if family in TPU_FAMILIES:
            skipped["TPU host"].append(name)
            continue
        spec = specs.get(name, {})
        gpus, model, gpu_note = _gpus(spec)
        if family in GPU_FAMILIES and not gpus:
            skipped["GPUs not listed"].append(name)
            continue
        shared = machine["SHARED_CPU"] == "True"
        described = series.get(family) or Series(
            FALLBACK_PURPOSE.get(family, "General-purpose"), None
        )
        notes = [gpu_note] if gpu_note else []
        if shared:
            sustained = f"{spec['cpu']:g} vCPU sustained" if "cpu" in spec else "bursts"
            notes.append(f"shared-core: {machine['CPUS']} vCPUs that burst, {sustained}")
        if machine["DEPRECATED"]:
            notes.append("deprecated by Google (still listed by gcloud)")
        price = on_demand.get(name)
        spot_price = spot.get(name)
        if price is None:
            notes.append(f"no {REGION} on-demand price in the price file")
        if price is not None and spot_price is not None and spot_price >= price:
            notes.append("the price file's Spot price is not below on-demand, so it is not used")
            spot_price = None
        rows.append(
            Row(
                name=name,
                family=family,
                category=_category(name, described, shared, gpus),
                vcpus=int(machine["CPUS"]),
                memory_gib=gib(float(machine["MEMORY_GB"])),
                gpus=gpus,
                gpu_model=model,
                architecture="arm64" if described.cpu_platform in ARM_PLATFORMS else "x86_64",
                burstable=shared,
                on_demand_hourly=price,
                spot_hourly=spot_price if price is not None else None,
                shape_source=GPU_SOURCE if gpus else SHAPE_SOURCE,
                price_source=PRICE_SOURCE if price is not None else None,
                notes="; ".join(notes) or None,
            )
        )
    sources = (
        Source(
            SERIES_SOURCE,
            f"https://github.com/{SERIES_REPO}/tree/{SERIES_COMMIT}/{SERIES_DIR}",
            "Cyclenerd/google-cloud-compute-machine-types instances/series/*.sql (machine "
            "family and CPU platform per series, each citing cloud.google.com docs)",
            "Cyclenerd",
            "2026-03-22",
            "category (machine family) and architecture",
        ),
        Source(
            SHAPE_SOURCE,
            SHAPES.url,
            "Cyclenerd/google-cloud-pricing-cost-calculator tools/machinetyperegion.csv "
            "(`gcloud compute machine-types list` export, rows for us-central1)",
            "Cyclenerd (gcloud export of the Compute Engine API)",
            "2026-08-17",
            "vCPUs, shared-core flag and memory (gcloud MEMORY_GB = memoryMb/1024, GiB)",
        ),
        Source(
            GPU_SOURCE,
            GPUS.url,
            "Cyclenerd/google-cloud-pricing-cost-calculator build/gcp.yml, compute.instance",
            "Cyclenerd",
            "2026-07-22",
            "GPUs per accelerator-optimized machine type (model and count) and the sustained "
            "vCPU share of shared-core types; vCPUs/memory of GPU types match the gcloud "
            "export",
        ),
        Source(
            PRICE_SOURCE,
            PRICES.url,
            "cloudpilot-ai/karpenter-provider-gcp pkg/providers/pricing/initial-prices.json, "
            "region us-central1, keys on_demand and spot",
            "CloudPilot AI (Karpenter GCP provider), generated from the Cloud Billing Catalog",
            "2026-08-03",
            "Compute Engine on-demand and Spot USD/hour per machine type (attached GPUs "
            "included), us-central1",
        ),
    )
    notes = [
        "Every machine type gcloud lists in us-central1, except: "
        + "; ".join(f"{why}: {', '.join(names)}" for why, names in skipped.items() if names),
        "Architecture: arm64 where the series file names an Arm CPU platform (Google Axion, "
        "Ampere Altra), else x86_64; every Arm series Google sells has a series file.",
        "Category: the series file's machine family (compute-, memory-, storage-, accelerator-"
        "optimized; h4d compute, x4/m4n memory, g4 accelerator per Google's machine-family "
        "docs where no series file exists); general-purpose types by suffix (highcpu compute, "
        "highmem/megamem/ultramem/hypermem memory, else general); shared-core burstable.",
        "Spot prices change up to once every 30 days; the value is the one in the price file.",
    ]
    return CloudData("gcp", REGION, "2026-08-03", sources, tuple(notes), tuple(rows))
