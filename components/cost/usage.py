"""The usage file: the figures a program cannot know, in the spirit of Infracost's usage file.

```yaml
predictionsPerMonth: 2000000          # cost per prediction = total / this
resources:                            # keyed by logical name or URN (a URN wins)
  data-lake:
    storageGb: 5000                   # stored volume at steady state
    monthlyIngestGb: 400              # optional: sets the age window when nothing expires
    storageClasses: {STANDARD: 20%, STANDARD_IA: 30%, DEEP_ARCHIVE: 50%}   # optional override
    monthlyRequests: {put: 100000, get: 2000000}     # or {writes: ..., reads: ...}
    monthlyTransitions: {STANDARD_IA: 50000}          # lifecycle transition requests per class
    retrievalGb: {STANDARD_IA: 20}                    # data read back from classes with a fee
    egressGb: 100                     # data transfer out to the internet
  nat: {dataProcessedGb: 800}         # NAT gateways and load balancers
  web-alb: {capacityUnits: 2}         # average LCU / NLCU per hour (AWS ALB, NLB)
  cloud-nat: {assignedVms: 6}         # VMs using a Cloud NAT gateway
  cluster-base: {averageNodes: 4}     # pools: average nodes in working hours (baseline)
  batch-vm: {hoursPerMonth: 200}      # instances, pools: hours running per month (baseline)
commitments:
  - resource: cluster-base            # a resource (name or URN) or an instance family
    kind: reserved                    # reserved | savings-plan | committed-use | reservation
    term: 1y                          # 1y | 3y
    payment: no-upfront               # no-upfront | partial-upfront | all-upfront (AWS)
    share: 50%                        # share of the on-demand usage covered, 0..1 or 0%..100%
  - family: n2
    kind: committed-use
    term: 3y
    share: 1
```

Every key is checked: an unknown key, a negative figure or a share above 100% is an error that
names the file, the key path, the value and what is allowed, so a typo never prices silently
at zero. Usage figures change the baseline only; the ceiling stays the 24x7 maximum.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel

CommitmentKind = Literal["reserved", "savings-plan", "committed-use", "reservation"]
Term = Literal["1y", "3y"]
Payment = Literal["no-upfront", "partial-upfront", "all-upfront"]


class UsageError(ValueError):
    """The usage file cannot be read or holds values that are not allowed."""


def _fraction(value: object) -> object:
    """``40%`` or ``0.4`` -> 0.4 (range checked by the field)."""
    if isinstance(value, str) and value.strip().endswith("%"):
        try:
            return float(value.strip()[:-1]) / 100
        except ValueError:
            raise ValueError(f"{value!r} is not a percentage like 40%") from None
    return value


Fraction = Annotated[float, BeforeValidator(_fraction), Field(ge=0, le=1)]
Amount = Annotated[float, Field(ge=0, allow_inf_nan=False)]


class _Strict(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, alias_generator=to_camel, populate_by_name=True
    )


class Requests(_Strict):
    """Requests per month: ``get``/``put`` (S3 words) or ``reads``/``writes``."""

    get: Amount | None = None
    put: Amount | None = None
    reads: Amount | None = None
    writes: Amount | None = None

    @model_validator(mode="after")
    def _one_vocabulary(self) -> Requests:
        if self.get is not None and self.reads is not None:
            raise ValueError("give either get or reads, not both")
        if self.put is not None and self.writes is not None:
            raise ValueError("give either put or writes, not both")
        return self

    @property
    def read_count(self) -> float:
        return self.get if self.get is not None else (self.reads or 0.0)

    @property
    def write_count(self) -> float:
        return self.put if self.put is not None else (self.writes or 0.0)


class ResourceUsage(_Strict):
    """What one resource stores, moves and runs; every figure is per month."""

    storage_gb: Amount | None = None
    monthly_ingest_gb: Amount | None = None
    storage_classes: dict[str, Fraction] | None = None
    monthly_requests: Requests | None = None
    monthly_transitions: dict[str, Amount] | None = None
    retrieval_gb: dict[str, Amount] | None = None
    egress_gb: Amount | None = None
    data_processed_gb: Amount | None = None
    capacity_units: Amount | None = None
    assigned_vms: Annotated[int, Field(ge=0)] | None = None
    hours_per_month: Annotated[float, Field(gt=0, le=744)] | None = None
    average_nodes: Amount | None = None

    @field_validator("storage_classes")
    @classmethod
    def _whole(cls, value: dict[str, float] | None) -> dict[str, float] | None:
        if value is not None and abs(sum(value.values()) - 1) > 1e-6:
            total = round(sum(value.values()) * 100, 4)
            raise ValueError(f"the shares must add up to 100%, they add up to {total}%")
        return value


class Commitment(_Strict):
    """Part of the on-demand usage of a resource or of an instance family is committed."""

    resource: str | None = Field(default=None, min_length=1)
    family: str | None = Field(default=None, min_length=1)
    kind: CommitmentKind
    term: Term
    payment: Payment = "no-upfront"
    share: Fraction = 1.0

    @model_validator(mode="after")
    def _one_target(self) -> Commitment:
        if (self.resource is None) == (self.family is None):
            raise ValueError("give exactly one of resource (a name or URN) or family")
        return self


class Usage(_Strict):
    """A whole usage file."""

    predictions_per_month: Annotated[float, Field(gt=0)] | None = None
    resources: dict[str, ResourceUsage] = Field(default_factory=dict)
    commitments: tuple[Commitment, ...] = ()

    def for_resource(self, name: str, urn: str) -> ResourceUsage | None:
        """The entry for a resource: by URN first, then by logical name."""
        return self.resources.get(urn) or self.resources.get(name)


def _location(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "(top level)"


def _allowed(loc: tuple[int | str, ...]) -> str:
    """The keys allowed where an unknown key was found (its parent's model)."""
    parent = loc[:-1]
    model: type[_Strict] = Usage
    if parent[:1] == ("resources",) and len(parent) >= 2:
        model = Requests if parent[2:3] == ("monthlyRequests",) else ResourceUsage
    elif parent[:1] == ("commitments",):
        model = Commitment
    names = sorted(field.alias or name for name, field in model.model_fields.items())
    return ", ".join(names)


def parse_usage(document: object, source: str = "usage") -> Usage:
    """Validate a loaded usage document; every problem is listed with its key path."""
    if document is None:
        return Usage()
    if not isinstance(document, Mapping):
        raise UsageError(
            f"{source}: the usage file must be a mapping, got {type(document).__name__}"
        )
    try:
        return Usage.model_validate(document)
    except ValidationError as error:
        problems = []
        for item in error.errors():
            value: Any = item.get("input")
            shown = "" if item["type"] == "missing" else f" (got {value!r})"
            message = item["msg"]
            if item["type"] == "extra_forbidden":
                message = f"unknown key; allowed here: {_allowed(item['loc'])}"
            problems.append(f"  {_location(item['loc'])}: {message}{shown}")
        raise UsageError(f"{source}: invalid usage file:\n" + "\n".join(problems)) from None


def load_usage(path: str | Path) -> Usage:
    """Read and validate a YAML usage file; errors name the file, key, value and what's allowed."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as error:
        raise UsageError(f"{file}: cannot read the usage file: {error.strerror or error}") from None
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise UsageError(f"{file}: not valid YAML: {error}") from None
    return parse_usage(document, str(file))


__all__ = [
    "Commitment",
    "CommitmentKind",
    "Payment",
    "Requests",
    "ResourceUsage",
    "Term",
    "Usage",
    "UsageError",
    "load_usage",
    "parse_usage",
]
