"""EC2 instance types in us-east-1: Karpenter's generated price table and instance-type docs.

Prices: ``zz_generated.pricing_aws.go`` (Karpenter generates it from the AWS Price List API:
on-demand, Linux, shared tenancy). Shapes: Karpenter's generated instance-type reference, whose
labels carry vCPUs, memory (MiB), architecture, GPUs and accelerators as EC2's
DescribeInstanceTypes reports them. The newest reference comes first; older ones only fill in
types that are still priced but that newer references no longer list (p3, g3, p2, ...).

A type in the newest reference without a us-east-1 price is kept with a null price (it is sold
elsewhere); a priced type that no reference describes is left out and listed in the notes.
"""

from __future__ import annotations

import re
from pathlib import Path

from tools.instance_catalog.common import CloudData, CrossCheck, Pin, Row, Source, gib

REPO = "aws/karpenter-provider-aws"
REGION = "us-east-1"
PRICES = Pin(
    REPO,
    "6fc13b5236fd04fd16ff3f9dc7490d0813994099",
    "pkg/providers/pricing/zz_generated.pricing_aws.go",
)
_DOCS = "website/content/en/docs/reference/instance-types.md"
#: Newest first: (pin, source id, as_of).
SHAPES: tuple[tuple[Pin, str, str], ...] = (
    (
        Pin(REPO, "692ccdd0629e488300821443f0fa0bc3c3e08047", _DOCS),
        "aws-karpenter-instance-types-2026-07-11",
        "2026-07-11",
    ),
    (
        Pin(REPO, "2be95547983a8948b7172aa66bf92c905fbbf001", _DOCS),
        "aws-karpenter-instance-types-2026-06-10",
        "2026-06-10",
    ),
    (
        Pin(REPO, "325a4b92e91a16809040990675160d9e61bc564b", _DOCS),
        "aws-karpenter-instance-types-2023-10-30",
        "2023-10-30",
    ),
    (
        Pin(
            REPO,
            "e32165881d4fd46758650471258992d9b9a96715",
            "website/content/en/v0.30/concepts/instance-types.md",
        ),
        "aws-karpenter-instance-types-v0.30-2023-12-01",
        "2023-12-01",
    ),
)
PRICE_SOURCE = "aws-karpenter-prices-us-east-1-2026-07-20"

#: Karpenter's ``instance-category`` label (the family's letters) to thrifty's category.
CATEGORIES = {
    "a": "general",
    "m": "general",
    "mac": "general",
    "c": "compute",
    "hpc": "compute",
    "r": "memory",
    "x": "memory",
    "z": "memory",
    "u": "memory",
    "t": "burstable",
    "i": "storage",
    "d": "storage",
    "h": "storage",
    "im": "storage",
    "is": "storage",
    "g": "accelerated",
    "p": "accelerated",
    "gr": "accelerated",
    "inf": "accelerated",
    "trn": "accelerated",
    "dl": "accelerated",
    "f": "accelerated",
    "vt": "accelerated",
}
CROSS_CHECK = CrossCheck(
    Source(
        "aws-ec2-factualminds-2026",
        "https://www.factualminds.com/blog/amazon-ec2-on-demand-pricing-instance-families-2026/",
        "Amazon EC2 On-Demand Pricing: Instance Families, Regional Multipliers, and the Graviton "
        "Crossover (2026)",
        "FactualMinds blog",
        "2026-06-17",
        "cross-check only: m7g.large $0.0816/hr and g5.xlarge $1.006/hr in us-east-1",
    ),
    {"m7g.large": (0.0816, 0.0), "g5.xlarge": (1.006, 0.0)},
)
_MANUFACTURERS = {
    "nvidia": "NVIDIA",
    "amd": "AMD",
    "aws": "AWS",
    "qualcomm": "Qualcomm",
    "xilinx": "Xilinx",
    "habana": "Habana",
}

_PRICE = re.compile(r'"([a-z0-9-]+\.[a-z0-9-]+)":\s*([0-9.]+)')
_TYPE = re.compile(r"^### `([^`]+)`$")
_LABEL = re.compile(r"^ \|([a-z0-9./-]+)\|([^|]*)\|$")


def parse_prices(text: str) -> dict[str, float]:
    """``{type: USD per hour}`` for us-east-1 from the generated Go map."""
    start = text.index(f'"{REGION}": {{')
    end = text.index("\n\t},", start)
    return {name: float(price) for name, price in _PRICE.findall(text[start:end])}


def parse_shapes(text: str) -> dict[str, dict[str, str]]:
    """``{type: {label: value}}`` from a generated instance-types reference page."""
    shapes: dict[str, dict[str, str]] = {}
    labels: dict[str, str] | None = None
    for line in text.splitlines():
        heading = _TYPE.match(line)
        if heading:
            labels = shapes.setdefault(heading.group(1), {})
            continue
        label = _LABEL.match(line)
        if label and labels is not None:
            labels[label.group(1).removeprefix("karpenter.k8s.aws/")] = label.group(2)
    return shapes


def _device(labels: dict[str, str], kind: str) -> str:
    maker = labels[f"instance-{kind}-manufacturer"]
    name = labels[f"instance-{kind}-name"].replace("-", " ").upper()
    return f"{_MANUFACTURERS.get(maker, maker)} {name}"


def _row(name: str, labels: dict[str, str], shape_source: str, price: float | None) -> Row:
    letters = labels["instance-category"]
    if letters not in CATEGORIES:
        raise SystemExit(f"aws: {name}: unknown instance-category {letters!r}; map it")
    gpus = int(labels.get("instance-gpu-count", "0"))
    category = "gpu" if gpus else CATEGORIES[letters]
    notes: list[str] = []
    if "instance-accelerator-count" in labels:
        count = labels["instance-accelerator-count"]
        notes.append(f"{count} x {_device(labels, 'accelerator')} accelerator(s), not GPUs")
    if price is None:
        notes.append(
            f"no {REGION} on-demand Linux price in the price table: not sold on demand in {REGION}"
        )
    return Row(
        name=name,
        family=labels["instance-family"],
        category=category,
        vcpus=int(labels["instance-cpu"]),
        memory_gib=gib(int(labels["instance-memory"]) / 1024),
        gpus=gpus,
        gpu_model=_device(labels, "gpu") if gpus else None,
        architecture={"amd64": "x86_64", "arm64": "arm64"}[labels["kubernetes.io/arch"]],
        burstable=letters == "t",
        on_demand_hourly=price,
        spot_hourly=None,
        shape_source=shape_source,
        price_source=PRICE_SOURCE if price is not None else None,
        notes="; ".join(notes) or None,
    )


def build(mirrors: Path) -> CloudData:
    """All current EC2 types with a shape, priced where the us-east-1 table has them."""
    prices = parse_prices(PRICES.read(mirrors))
    references = [(parse_shapes(pin.read(mirrors)), sid) for pin, sid, _ in SHAPES]
    newest, _ = references[0]
    rows: list[Row] = []
    unshaped: list[str] = []
    for name in sorted(set(prices) | set(newest)):
        found = next(((shapes[name], sid) for shapes, sid in references if name in shapes), None)
        if found is None:
            unshaped.append(name)
            continue
        rows.append(_row(name, found[0], found[1], prices.get(name)))
    used = {row.shape_source for row in rows}
    sources = [
        Source(
            PRICE_SOURCE,
            PRICES.url,
            "aws/karpenter-provider-aws zz_generated.pricing_aws.go, InitialOnDemandPricesAWS"
            " (header: 'generated at 2026-07-20T13:44:30Z for us-east-1')",
            "AWS (Karpenter project), generated from the AWS Price List API",
            "2026-07-20",
            "EC2 on-demand Linux shared-tenancy USD/hour, us-east-1",
        ),
        *(
            Source(
                sid,
                pin.url,
                f"aws/karpenter-provider-aws {pin.path} (generated instance-type reference)",
                "AWS (Karpenter project), generated from EC2 DescribeInstanceTypes",
                as_of,
                "vCPUs, memory (instance-memory label, MiB), architecture, GPU and accelerator"
                " count and model",
            )
            for pin, sid, as_of in SHAPES
            if sid in used
        ),
    ]
    notes = [
        "Every type in Karpenter's current instance-type reference, plus older types that are "
        "still priced in us-east-1 and described by an earlier reference (shape_source says "
        "which).",
        "Category from Karpenter's instance-category label: a/m/mac general, c/hpc compute, "
        "r/x/z/u memory, t burstable, i/d/h/im/is storage, g/p/gr/inf/trn/dl/f/vt accelerated "
        "('gpu' when the type has GPUs).",
        "spot_hourly is null: AWS spot prices vary by zone and hour; no stored source.",
    ]
    if unshaped:
        notes.append(
            "Priced in us-east-1 but described by no reference, so left out: " + ", ".join(unshaped)
        )
    return CloudData(
        "aws", REGION, "2026-07-20", tuple(sources), tuple(notes), tuple(rows), (CROSS_CHECK,)
    )
