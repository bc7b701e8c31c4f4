"""Azure VM sizes: the cluster-autoscaler's SKU list and Karpenter-Azure's eastus prices.

Shapes: ``azure_instance_types.go`` of the Kubernetes cluster-autoscaler, generated from
``az vm list-skus`` (every virtual-machine SKU: family, vCPUs, memory, GPUs, architecture). Its
generator truncates fractional ``MemoryGB`` to whole GiB (``int64(memoryGB) * 1024``), so the few
sizes with fractional memory are corrected from Microsoft's size pages (the correction must floor
to the listed value, or the build stops). The SKU API omits the GPU count of AMD GPU sizes and
gives no GPU model at all; both come from Microsoft's size pages, per SKU family.

Prices: ``zz_generated.pricing.go`` of Azure/karpenter-provider-azure (Azure Retail Prices API,
Consumption, Linux), eastus. Its generator keeps one of several meters per size in an unordered
map, so some sizes get a Windows or other non-Linux rate in some snapshots and the Linux rate in
others. A price is therefore used only for families whose prices never flip back and forth across
the pinned snapshots; a family that does gets no prices, with a note.
"""

from __future__ import annotations

import re
from itertools import pairwise
from pathlib import Path

from tools.instance_catalog.common import CloudData, CrossCheck, Pin, Row, Source, gib

REGION = "eastus"
SHAPES = Pin(
    "kubernetes/autoscaler",
    "03e49d9cb822bfdbc769cde771124f695f3f5619",
    "cluster-autoscaler/cloudprovider/azure/azure_instance_types.go",
)
SHAPE_SOURCE = "azure-cluster-autoscaler-skus-2026-03-17"
_PRICE_FILE = "pkg/providers/pricing/zz_generated.pricing.go"
#: Newest first: (commit, source id, generated-at date).
PRICE_SNAPSHOTS = (
    ("2b431da153a6a92b705c18046512c60b1631b682", "azure-karpenter-prices-2026-06-18", "2026-06-18"),
    ("4185d876b47195a9d280511d021d721160f8dbd3", "azure-karpenter-prices-2026-04-02", "2026-04-02"),
    ("30a2a7dc5ef0af29dea780fe9f2ac27a9100b950", "azure-karpenter-prices-2025-06-03", "2025-06-03"),
    ("fe55ae4b918250afb0fcf9f149a813358190fae4", "azure-karpenter-prices-2025-05-16", "2025-05-16"),
    ("fe0ca6dde348da05808e95b0f386129bddeb461d", "azure-karpenter-prices-2024-12-13", "2024-12-13"),
)
PRICE_REPO = "Azure/karpenter-provider-azure"

_DOCS = "MicrosoftDocs/azure-compute-docs"
_SIZES = "articles/virtual-machines/sizes"
#: Microsoft size pages read for the corrections below: id -> (pin, title, as_of).
DOC_PAGES: dict[str, tuple[Pin, str, str]] = {
    "azure-docs-bv1-series": (
        Pin(
            _DOCS,
            "28da8f72862f76ddba8ed207df00384ffff76c9e",
            f"{_SIZES}/general-purpose/bv1-series.md",
        ),
        "Bv1 sizes series (B1ls: 1 vCPU, 0.5 GB)",
        "2026-03-10",
    ),
    "azure-docs-dv2-series": (
        Pin(
            _DOCS,
            "2e4af98705e2ace519e313d40c5de3c3c7cc45a7",
            f"{_SIZES}/general-purpose/dv2-series.md",
        ),
        "Dv2 sizes series (D1_v2: 1 vCPU, 3.5 GB)",
        "2026-03-10",
    ),
    "azure-docs-dsv2-series": (
        Pin(
            _DOCS,
            "17c1b3ba618ab2af9af24ef9c9dcc6d02e3f16fd",
            f"{_SIZES}/general-purpose/dsv2-series.md",
        ),
        "Dsv2 sizes series (DS1_v2: 1 vCPU, 3.5 GB)",
        "2024-07-29",
    ),
    "azure-docs-m-series": (
        Pin(
            _DOCS,
            "2e4af98705e2ace519e313d40c5de3c3c7cc45a7",
            f"{_SIZES}/memory-optimized/m-series.md",
        ),
        "M sizes series (M8ms 218.75 GiB, M16ms 437.5 GiB; constrained-core sizes of these)",
        "2026-03-10",
    ),
    "azure-docs-previous-gen": (
        Pin(
            "MicrosoftDocs/azure-docs",
            "092fdbcf3965f2f7bb321bf0bcdfe46220115609",
            "articles/virtual-machines/sizes-previous-gen.md",
        ),
        "Previous generations of virtual machine sizes (D1, DS1: 1 vCPU, 3.5 GiB)",
        "2020-02-20",
    ),
    "azure-docs-gpu-series": (
        Pin(
            _DOCS, "99ed1c2a9eb55b9785397a40fb5cf666179104c5", f"{_SIZES}/gpu-accelerated/includes"
        ),
        "GPU size series includes: ncv3-, nvv3-, nvv4-, nvadsa10v5-, ngadsv620-, "
        "nvadsv710-v5-, ndmi300xv5-series-specs.md, ndv2-series-summary.md (and "
        "fpga-accelerated/includes/np-series-specs.md); model names in the other GPU sizes' "
        "names (T4, A10, A100, H100, H200)",
        "2025-02-11",
    ),
}
#: Sizes whose memory the SKU list truncates: size -> (GiB, doc page id).
MEMORY_CORRECTIONS: dict[str, tuple[float, str]] = {
    "Standard_B1ls": (0.5, "azure-docs-bv1-series"),
    "Standard_D1_v2": (3.5, "azure-docs-dv2-series"),
    "Standard_DS1_v2": (3.5, "azure-docs-dsv2-series"),
    "Standard_D1": (3.5, "azure-docs-previous-gen"),
    "Standard_DS1": (3.5, "azure-docs-previous-gen"),
    "Standard_M8ms": (218.75, "azure-docs-m-series"),
    "Standard_M8-2ms": (218.75, "azure-docs-m-series"),
    "Standard_M8-4ms": (218.75, "azure-docs-m-series"),
    "Standard_M16ms": (437.5, "azure-docs-m-series"),
    "Standard_M16-4ms": (437.5, "azure-docs-m-series"),
    "Standard_M16-8ms": (437.5, "azure-docs-m-series"),
}
#: GPU model per SKU family, and the GPU count where the SKU API omits it (AMD GPUs).
GPU_FAMILIES: dict[str, tuple[str, int | None]] = {
    "Standard NCASv3_T4 Family": ("NVIDIA T4", None),
    "standardNCSv3Family": ("NVIDIA V100", None),
    "StandardNCADSA100v4Family": ("NVIDIA A100 80GB", None),
    "StandardNCADSA10v4Family": ("NVIDIA A10", None),
    "StandardNVADSA10v5Family": ("NVIDIA A10", None),
    "StandardNCadsH100v5Family": ("NVIDIA H100", None),
    "StandardNCCads2023Family": ("NVIDIA H100", None),
    "Standard NDASv4_A100 Family": ("NVIDIA A100 40GB", None),
    "standard NDAMSv4_A100Family": ("NVIDIA A100 80GB", None),
    "standardNDSH100v5Family": ("NVIDIA H100", None),
    "standardNDISRH200V5Family": ("NVIDIA H200", None),
    "standardNDSv2Family": ("NVIDIA V100 32GB", None),
    "standardNVSv3Family": ("NVIDIA M60", None),
    "standardNVSv2Family": ("NVIDIA M60", None),
    "standardNVSv4Family": ("AMD Radeon Instinct MI25", None),
    "standardNDISv5MI300XFamily": ("AMD Instinct MI300X", 8),
    "StandardNGADSV620v1Family": ("AMD Radeon PRO V620", 1),
    "StandardNVadsV710v5Family": ("AMD Radeon Pro V710", 1),
    "standardNPSFamily": ("AMD Alveo U250 FPGA", None),
}
#: The letters that start a size name (after ``Standard_``) and Azure's family for them
#: (learn.microsoft.com/azure/virtual-machines/sizes/overview).
CATEGORIES = {
    "A": "general",
    "D": "general",
    "DS": "general",
    "DC": "general",
    "B": "burstable",
    "F": "compute",
    "FX": "compute",
    "H": "compute",
    "HB": "compute",
    "HC": "compute",
    "HX": "compute",
    "E": "memory",
    "EC": "memory",
    "M": "memory",
    "G": "memory",
    "GS": "memory",
    "L": "storage",
    "NC": "accelerated",
    "ND": "accelerated",
    "NG": "accelerated",
    "NV": "accelerated",
    "NP": "accelerated",
    "NCC": "accelerated",
}

CROSS_CHECK = CrossCheck(
    Source(
        "azure-vm-learningbro",
        "https://learningbro.com/courses/azure-vms-and-compute/lessons/"
        "azure-pricing-pay-as-you-go-reserved-spot-vms",
        "Azure pricing: pay-as-you-go, reserved, spot VMs (illustrative Linux/hr table)",
        "LearningBro",
        "2026-11-27",
        "cross-check only: D4s_v5 ~$0.19 and E8s_v5 ~$0.50 per hour (rounded, so within 2 %)",
    ),
    {"Standard_D4s_v5": (0.19, 0.02), "Standard_E8s_v5": (0.50, 0.02)},
)

_SKU = re.compile(
    r'InstanceType: "([^"]+)",\s*SkuFamily:\s*"([^"]*)",\s*VCPU:\s*(\d+),\s*'
    r'MemoryMb:\s*(\d+),\s*GPU:\s*(\d+),\s*Architecture:\s*"([^"]+)"'
)
_PRICE = re.compile(r'"([^"]+)":\s*([0-9.]+)')
_CONSTRAINED = re.compile(r"^Standard_[A-Z]+\d+-(\d+)")


def parse_prices(text: str) -> dict[str, float]:
    """``{size: USD per hour}`` for eastus from the generated Go file."""
    start = text.index(f'initialOnDemandPrices["{REGION}"]')
    end = text.index("\n\t}", start)
    return {name: float(price) for name, price in _PRICE.findall(text[start:end])}


def _flips(series: list[float]) -> bool:
    """Whether a price sequence changes direction (up then down, or down then up)."""
    steps = [b - a for a, b in pairwise(series) if b != a]
    return any((x > 0) != (y > 0) for x, y in pairwise(steps))


def _family_name(sku_family: str) -> str:
    return re.sub(r"(?i)^standard\s*|\s*family$", "", sku_family).replace(" ", "")


def _category(name: str, gpus: int) -> str:
    letters = re.match(r"Standard_([A-Z]+)", name)
    if letters is None or letters.group(1) not in CATEGORIES:
        raise SystemExit(f"azure: {name}: unknown size letters; map them in CATEGORIES")
    category = CATEGORIES[letters.group(1)]
    return "gpu" if gpus and category == "accelerated" else category


def build(mirrors: Path) -> CloudData:
    """Every VM size in the SKU list, priced where eastus prices are trustworthy."""
    skus = _SKU.findall(SHAPES.read(mirrors))
    snapshots = [
        parse_prices(Pin(PRICE_REPO, commit, _PRICE_FILE).read(mirrors))
        for commit, _, _ in PRICE_SNAPSHOTS
    ]
    latest = snapshots[0]
    unstable = {
        family
        for name, family, *_ in skus
        if _flips([prices[name] for prices in reversed(snapshots) if name in prices])
    }
    rows: list[Row] = []
    cited = {SHAPE_SOURCE, PRICE_SNAPSHOTS[0][1]}
    for name, sku_family, vcpus, memory_mb, api_gpus, arch in skus:
        notes: list[str] = []
        memory = int(memory_mb) / 1024
        shape_source = SHAPE_SOURCE
        if name in MEMORY_CORRECTIONS:
            memory, shape_source = MEMORY_CORRECTIONS[name]
            if int(memory) != int(memory_mb) // 1024:
                raise SystemExit(f"azure: {name}: correction {memory} does not floor to the list")
            notes.append("memory from Microsoft's size page (the SKU list truncates it)")
        gpus, model = int(api_gpus), None
        if sku_family in GPU_FAMILIES:
            model, count = GPU_FAMILIES[sku_family]
            gpus = count if count is not None else gpus
            if shape_source == SHAPE_SOURCE:
                shape_source = "azure-docs-gpu-series"
        if gpus and model is None:
            raise SystemExit(f"azure: {name}: {gpus} GPU(s) of an unmapped family {sku_family}")
        constrained = _CONSTRAINED.match(name)
        if constrained:
            notes.append(
                f"constrained-core size: {constrained.group(1)} active vCPUs, billed "
                f"and sized as {vcpus}"
            )
        price = latest.get(name)
        if price is not None and sku_family in unstable:
            notes.append(
                "no price: the source's snapshots flip between meters for this family "
                "(some rows are Windows rates)"
            )
            price = None
        elif price is None:
            notes.append(f"no {REGION} pay-as-you-go Linux price in the source")
        cited.add(shape_source)
        rows.append(
            Row(
                name=name,
                family=_family_name(sku_family),
                category=_category(name, gpus),
                vcpus=int(vcpus),
                memory_gib=gib(memory),
                gpus=gpus,
                gpu_model=model if gpus else None,
                architecture={"amd64": "x86_64", "arm64": "arm64"}[arch],
                burstable=name.startswith("Standard_B"),
                on_demand_hourly=price,
                spot_hourly=None,
                shape_source=shape_source,
                price_source=PRICE_SNAPSHOTS[0][1] if price is not None else None,
                notes="; ".join(notes) or None,
            )
        )
    sources = [
        Source(
            SHAPE_SOURCE,
            SHAPES.url,
            "kubernetes/autoscaler cluster-autoscaler azure_instance_types.go (generated "
            "from `az vm list-skus`)",
            "Kubernetes SIG Autoscaling",
            "2026-03-17",
            "Azure VM sizes: SKU family, vCPUs, memory (whole GiB), GPU count, architecture",
        ),
        *(
            Source(
                sid,
                Pin(PRICE_REPO, commit, _PRICE_FILE).url,
                f"Azure/karpenter-provider-azure {_PRICE_FILE}, initialOnDemandPrices"
                f'["{REGION}"] (header: generated at {as_of})',
                "Microsoft (Karpenter Azure provider), generated from the Azure Retail Prices API",
                as_of,
                "eastus pay-as-you-go Linux USD/hour"
                if index == 0
                else "earlier snapshot, used only to detect families whose prices flip between "
                "meters",
            )
            for index, (commit, sid, as_of) in enumerate(PRICE_SNAPSHOTS)
        ),
        *(
            Source(
                sid,
                pin.url,
                title,
                "Microsoft Learn",
                as_of,
                "fractional memory the SKU list truncates; GPU models and AMD GPU counts",
            )
            for sid, (pin, title, as_of) in DOC_PAGES.items()
            if sid in cited
        ),
    ]
    notes = [
        "Every virtual-machine size in the SKU list; sizes priced in eastus but missing from "
        "it (retired classic A0-A11, H, NC/NV promos; sizes newer than the list) are not here.",
        "Families without prices because the price source flips between meters: "
        + ", ".join(sorted(_family_name(family) for family in unstable)),
        "GPU counts follow the SKU API, which counts a GPU share (e.g. 1/6 of an A10) as one "
        "GPU; NP sizes carry FPGAs, which the API reports as GPUs.",
        "Category by the size's leading letters (A/B/D/DC general or burstable, F/FX/H* "
        "compute, E/EC/M/G memory, L storage, N* GPU).",
        "spot_hourly is null: no stored source for eastus spot prices.",
    ]
    return CloudData(
        "azure",
        REGION,
        PRICE_SNAPSHOTS[0][2],
        tuple(sources),
        tuple(notes),
        tuple(rows),
        (CROSS_CHECK,),
    )
