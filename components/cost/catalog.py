"""The pricing and instance catalog that policies, cluster components and the estimator share.

Plain Python + pydantic, no provider SDK: a policy pack or ``thrifty plan`` can size and price
resources offline. The data lives in ``thrifty/cost/data/catalog.json``; every price there cites a
source and an ``as_of`` date, and a price that no source gave is ``None`` (callers report it,
nothing here guesses).

Lookups:

- AWS and GCP instance types match exactly (their APIs only accept lowercase names).
- Azure VM sizes are case-insensitive in Azure, so they are matched case-insensitively.
- Storage tiers, control-plane tiers and disk types match case-insensitively, with ``-`` and
  ``_`` treated alike, and also accept the provider's API spelling (``STANDARD_IA``, ``Cool``,
  ``P10``) through aliases kept in the data file.
"""

from __future__ import annotations

import functools
import json
from datetime import date
from importlib import resources
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Cloud = Literal["aws", "gcp", "azure"]
Architecture = Literal["x86_64", "arm64"]
Category = Literal["general", "compute", "memory", "burstable", "gpu"]

CLOUDS: tuple[Cloud, ...] = get_args(Cloud)
DATA_FILE = "data/catalog.json"


class UnknownCloudError(ValueError):
    """Raised for a cloud name other than "aws", "gcp" or "azure" (a caller bug, not data)."""


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Source(_Model):
    """Where numbers came from: a URL, what that page is, and the date the numbers hold for."""

    id: str = Field(min_length=1)
    url: str = Field(pattern=r"^https?://")
    title: str = Field(min_length=1)
    publisher: str = Field(min_length=1)
    as_of: date
    used_for: str = Field(min_length=1)


class InstanceType(_Model):
    """One VM/instance size with its shape and reference-region list price (USD per hour)."""

    cloud: Cloud
    name: str = Field(min_length=1)
    family: str = Field(min_length=1)
    category: Category
    vcpus: int = Field(gt=0)
    memory_gib: float = Field(gt=0)
    gpus: int = Field(default=0, ge=0)
    gpu_model: str | None = None
    architecture: Architecture
    burstable: bool = False
    on_demand_hourly: float | None = Field(default=None, gt=0)
    spot_hourly: float | None = Field(default=None, gt=0)
    notes: str | None = None

    @model_validator(mode="after")
    def _gpu_model_iff_gpus(self) -> InstanceType:
        if (self.gpus > 0) != (self.gpu_model is not None):
            raise ValueError(f"{self.name}: gpu_model must be set exactly when gpus > 0")
        return self

    def on_demand_monthly(self, hours: float = 730.0) -> float | None:
        """On-demand cost for ``hours`` (default: a 730-hour month), or None when unpriced."""
        return None if self.on_demand_hourly is None else self.on_demand_hourly * hours

    def spot_discount(self) -> float | None:
        """Fraction saved by spot (0.6 = 60 % off), when both prices are known."""
        if self.on_demand_hourly is None or self.spot_hourly is None:
            return None
        return 1.0 - self.spot_hourly / self.on_demand_hourly


class StoragePrice(_Model):
    """Object-storage capacity price for one tier/class in the reference region."""

    cloud: Cloud
    tier: str
    price_per_gb_month: float = Field(gt=0)
    aliases: tuple[str, ...] = ()


class ControlPlanePrice(_Model):
    """Managed Kubernetes control-plane fee per cluster for one tier (0.0 for a free tier)."""

    cloud: Cloud
    tier: str
    hourly: float = Field(ge=0)
    aliases: tuple[str, ...] = ()

    def monthly(self, hours: float = 730.0) -> float:
        """Fee for ``hours`` (default: a 730-hour month)."""
        return self.hourly * hours


class DiskPrice(_Model):
    """Block-storage price: per GB-month, or per fixed-size disk tier (Azure Premium SSD)."""

    cloud: Cloud
    disk_type: str
    per_gb_month: float | None = Field(default=None, gt=0, alias="price_per_gb_month")
    fixed_size_gib: int | None = Field(default=None, gt=0)
    monthly_price: float | None = Field(default=None, gt=0)
    aliases: tuple[str, ...] = ()

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    @model_validator(mode="after")
    def _one_pricing_model(self) -> DiskPrice:
        tiered = self.fixed_size_gib is not None and self.monthly_price is not None
        if (self.per_gb_month is not None) == tiered:
            raise ValueError(
                f"{self.disk_type}: give either price_per_gb_month or fixed_size_gib+monthly_price"
            )
        return self

    @property
    def price_per_gb_month(self) -> float:
        """Per GB-month price; for a fixed-size tier, the tier price spread over its size."""
        if self.per_gb_month is not None:
            return self.per_gb_month
        assert self.monthly_price is not None and self.fixed_size_gib is not None
        return self.monthly_price / self.fixed_size_gib

    def monthly_cost(self, size_gib: float) -> float:
        """Monthly cost of one disk of ``size_gib``; a fixed tier bills its whole size."""
        if size_gib <= 0:
            raise ValueError(f"size_gib must be > 0, got {size_gib}")
        if self.per_gb_month is not None:
            return self.per_gb_month * size_gib
        assert self.monthly_price is not None and self.fixed_size_gib is not None
        if size_gib > self.fixed_size_gib:
            raise ValueError(
                f"{self.disk_type} is a {self.fixed_size_gib} GiB tier; {size_gib} GiB does not fit"
            )
        return self.monthly_price


class _Section(_Model):
    source: tuple[str, ...] = Field(min_length=1)
    as_of: date
    notes: tuple[str, ...] = ()


class _InstanceSection(_Section):
    items: tuple[dict[str, object], ...] = Field(min_length=1)


class _TierPrice(_Model):
    price_per_gb_month: float = Field(gt=0)
    aliases: tuple[str, ...] = ()


class _StorageSection(_Section):
    service: str
    tiers: dict[str, _TierPrice] = Field(min_length=1)


class _ControlTier(_Model):
    hourly: float = Field(ge=0)
    aliases: tuple[str, ...] = ()


class _ControlSection(_Section):
    service: str
    tiers: dict[str, _ControlTier] = Field(min_length=1)


class _DiskSection(_Section):
    service: str
    default_node_disk: str
    types: dict[str, dict[str, object]] = Field(min_length=1)


class CloudCatalog(_Model):
    """Everything known for one cloud, indexed for lookup."""

    cloud: Cloud
    reference_region: str
    instance_section: _InstanceSection
    storage_section: _StorageSection
    control_plane_section: _ControlSection
    block_storage_section: _DiskSection
    instances: dict[str, InstanceType]
    storage: dict[str, StoragePrice]
    control_plane: dict[str, ControlPlanePrice]
    disks: dict[str, DiskPrice]
    default_node_disk: str


class Catalog(_Model):
    """The whole catalog: sources plus one :class:`CloudCatalog` per cloud."""

    schema_version: int
    as_of: date
    currency: Literal["USD"]
    hours_per_month: int = Field(gt=0)
    notes: tuple[str, ...] = ()
    sources: dict[str, Source]
    clouds: dict[Cloud, CloudCatalog]

    @field_validator("clouds")
    @classmethod
    def _all_clouds(cls, value: dict[Cloud, CloudCatalog]) -> dict[Cloud, CloudCatalog]:
        missing = set(CLOUDS) - set(value)
        if missing:
            raise ValueError(f"catalog lacks clouds: {sorted(missing)}")
        return value


def _key(name: str) -> str:
    """Normalise a tier / disk-type name: case-insensitive, '-' and '_' alike."""
    return name.strip().casefold().replace("-", "_")


def _instance_key(cloud: Cloud, name: str) -> str:
    """Azure VM sizes are case-insensitive; AWS and GCP names are exact lowercase."""
    return name.casefold() if cloud == "azure" else name


def _index(names: dict[str, tuple[str, ...]], what: str) -> dict[str, str]:
    """Map every normalised name and alias to its canonical name; collisions are data bugs."""
    index: dict[str, str] = {}
    for canonical, aliases in names.items():
        for alias in (canonical, *aliases):
            key = _key(alias)
            if index.setdefault(key, canonical) != canonical:
                raise ValueError(f"{what}: '{alias}' names both {index[key]} and {canonical}")
    return index


def _build_cloud(cloud: Cloud, raw: dict[str, object]) -> CloudCatalog:
    inst = _InstanceSection.model_validate(raw["instance_types"])
    store = _StorageSection.model_validate(raw["object_storage"])
    ctrl = _ControlSection.model_validate(raw["control_plane"])
    disk = _DiskSection.model_validate(raw["block_storage"])

    instances: dict[str, InstanceType] = {}
    for item in inst.items:
        it = InstanceType.model_validate({**item, "cloud": cloud})
        key = _instance_key(cloud, it.name)
        if key in instances:
            raise ValueError(f"{cloud}: duplicate instance type {it.name}")
        instances[key] = it

    storage = {
        tier: StoragePrice(cloud=cloud, tier=tier, **p.model_dump())
        for tier, p in store.tiers.items()
    }
    control = {
        tier: ControlPlanePrice(cloud=cloud, tier=tier, **p.model_dump())
        for tier, p in ctrl.tiers.items()
    }
    disks = {
        name: DiskPrice.model_validate({**spec, "cloud": cloud, "disk_type": name})
        for name, spec in disk.types.items()
    }
    if disk.default_node_disk not in disks:
        raise ValueError(f"{cloud}: default_node_disk {disk.default_node_disk} has no price entry")

    return CloudCatalog(
        cloud=cloud,
        reference_region=str(raw["reference_region"]),
        instance_section=inst,
        storage_section=store,
        control_plane_section=ctrl,
        block_storage_section=disk,
        instances=instances,
        storage=storage,
        control_plane=control,
        disks=disks,
        default_node_disk=disk.default_node_disk,
    )


@functools.cache
def catalog() -> Catalog:
    """Load and validate the packaged catalog once; every section must cite a known source."""
    text = resources.files("thrifty.cost").joinpath(DATA_FILE).read_text(encoding="utf-8")
    raw = json.loads(text)
    sources = {s["id"]: Source.model_validate(s) for s in raw["sources"]}
    clouds = {cloud: _build_cloud(cloud, raw["clouds"][cloud]) for cloud in CLOUDS}
    for cloud, cc in clouds.items():
        sections = (
            cc.instance_section,
            cc.storage_section,
            cc.control_plane_section,
            cc.block_storage_section,
        )
        for section in sections:
            unknown = [s for s in section.source if s not in sources]
            if unknown:
                raise ValueError(f"{cloud}: section cites unknown sources {unknown}")
    return Catalog(
        schema_version=raw["schema_version"],
        as_of=raw["as_of"],
        currency=raw["currency"],
        hours_per_month=raw["hours_per_month"],
        notes=tuple(raw.get("notes", ())),
        sources=sources,
        clouds=clouds,
    )


@functools.cache
def _lookup_indexes(cloud: Cloud) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    cc = _cloud(cloud)
    return (
        _index({t: p.aliases for t, p in cc.storage.items()}, f"{cloud} storage tiers"),
        _index({t: p.aliases for t, p in cc.control_plane.items()}, f"{cloud} control plane"),
        _index({t: p.aliases for t, p in cc.disks.items()}, f"{cloud} disk types"),
    )


def _cloud(cloud: str) -> CloudCatalog:
    if cloud not in CLOUDS:
        raise UnknownCloudError(f"unknown cloud {cloud!r}; expected one of {', '.join(CLOUDS)}")
    return catalog().clouds[cloud]


def reference_region(cloud: Cloud) -> str:
    """The single region whose list prices the catalog holds for ``cloud``."""
    return _cloud(cloud).reference_region


def instance_type(cloud: Cloud, name: str) -> InstanceType | None:
    """The named instance type, or None if the catalog does not know it (never a guess)."""
    cc = _cloud(cloud)
    return cc.instances.get(_instance_key(cc.cloud, name))


def instance_types(cloud: Cloud) -> tuple[InstanceType, ...]:
    """All instance types of ``cloud`` in catalog order."""
    return tuple(_cloud(cloud).instances.values())


def _within(a: float, b: float, tolerance: float) -> bool:
    return abs(a - b) <= tolerance * max(a, b)


def same_shape(a: InstanceType, b: InstanceType, tolerance: float = 0.25) -> bool:
    """Whether ``a`` and ``b`` can stand in for each other in one spot pool.

    Same cloud, same architecture and GPU count, and vCPUs and memory each within
    ``tolerance`` of the larger of the two (0.25: 4 vs 5 vCPU passes, 4 vs 8 does not).
    The GPU model and burstability are not compared: callers that care check them.
    """
    if not 0 <= tolerance < 1:
        raise ValueError(f"tolerance must be in [0, 1), got {tolerance}")
    return (
        a.cloud == b.cloud
        and a.architecture == b.architecture
        and a.gpus == b.gpus
        and _within(a.vcpus, b.vcpus, tolerance)
        and _within(a.memory_gib, b.memory_gib, tolerance)
    )


def same_shape_as(
    cloud: Cloud, name: str, tolerance: float = 0.25
) -> tuple[InstanceType, ...] | None:
    """Catalog types of the same shape as ``name`` (itself included), or None if unknown."""
    base = instance_type(cloud, name)
    if base is None:
        return None
    return tuple(t for t in instance_types(cloud) if same_shape(base, t, tolerance))


def storage_price(cloud: Cloud, tier: str) -> StoragePrice | None:
    """Object-storage price of a tier (``"standard_ia"``, ``"STANDARD_IA"``, ``"Cool"`` ...)."""
    storage_index, _, _ = _lookup_indexes(_cloud(cloud).cloud)
    canonical = storage_index.get(_key(tier))
    return None if canonical is None else _cloud(cloud).storage[canonical]


def storage_tiers(cloud: Cloud) -> tuple[StoragePrice, ...]:
    """All object-storage tiers of ``cloud``, warmest first as listed in the data."""
    return tuple(_cloud(cloud).storage.values())


def control_plane_hourly(cloud: Cloud, tier: str = "standard") -> float | None:
    """Managed Kubernetes fee per cluster-hour for ``tier``, or None if not in the catalog."""
    _, control_index, _ = _lookup_indexes(_cloud(cloud).cloud)
    canonical = control_index.get(_key(tier))
    return None if canonical is None else _cloud(cloud).control_plane[canonical].hourly


def control_plane_price(cloud: Cloud, tier: str = "standard") -> ControlPlanePrice | None:
    """Like :func:`control_plane_hourly` but returns the full record."""
    _, control_index, _ = _lookup_indexes(_cloud(cloud).cloud)
    canonical = control_index.get(_key(tier))
    return None if canonical is None else _cloud(cloud).control_plane[canonical]


def disk_price(cloud: Cloud, disk_type: str) -> DiskPrice | None:
    """Block-storage price for ``disk_type`` (``"gp3"``, ``"pd-balanced"``, ``"P10"`` ...)."""
    _, _, disk_index = _lookup_indexes(_cloud(cloud).cloud)
    canonical = disk_index.get(_key(disk_type))
    return None if canonical is None else _cloud(cloud).disks[canonical]


def default_node_disk(cloud: Cloud) -> DiskPrice:
    """The disk type the cloud's managed Kubernetes puts under a node by default."""
    cc = _cloud(cloud)
    return cc.disks[cc.default_node_disk]


def sources() -> tuple[Source, ...]:
    """Every cited source, for reports that must show where a number came from."""
    return tuple(catalog().sources.values())


__all__ = [
    "CLOUDS",
    "Catalog",
    "Cloud",
    "CloudCatalog",
    "ControlPlanePrice",
    "DiskPrice",
    "InstanceType",
    "Source",
    "StoragePrice",
    "UnknownCloudError",
    "catalog",
    "control_plane_hourly",
    "control_plane_price",
    "default_node_disk",
    "disk_price",
    "instance_type",
    "instance_types",
    "reference_region",
    "same_shape",
    "same_shape_as",
    "sources",
    "storage_price",
    "storage_tiers",
]
