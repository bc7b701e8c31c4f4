"""What every cloud's builder shares: pinned source files, the row model, the compact writer.

The output format is the one :mod:`thrifty.cost.catalog` reads: a header (cloud, reference
region, sources, notes) and ``items`` as arrays in ``columns`` order, which keeps a few thousand
rows small and quick to parse. Rows are validated with thrifty's own ``InstanceType`` model
before anything is written, so a bad source fails the build instead of the catalog's loader.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import astuple, dataclass, fields
from pathlib import Path
from typing import Any

from thrifty.cost.catalog import INSTANCE_COLUMNS, InstanceType


def _git(mirrors: Path, repo: str, *args: str) -> str:
    git_dir = mirrors / repo.replace("/", "+") / "repo"
    result = subprocess.run(
        ["git", f"--git-dir={git_dir}", *args], capture_output=True, check=False
    )
    if result.returncode != 0:
        message = result.stderr.decode(errors="replace").strip()
        raise SystemExit(f"git {' '.join(args)} in {repo}: {message}")
    return result.stdout.decode("utf-8")


@dataclass(frozen=True)
class Pin:
    """One file at one commit of a public GitHub repository."""

    repo: str
    commit: str
    path: str

    @property
    def url(self) -> str:
        """Where anyone can read exactly this version of the file."""
        return f"https://github.com/{self.repo}/blob/{self.commit}/{self.path}"

    def read(self, mirrors: Path) -> str:
        """The file's text, from the bare clone ``<mirrors>/<owner>+<name>/repo``."""
        return _git(mirrors, self.repo, "show", f"{self.commit}:{self.path}")


def list_files(mirrors: Path, repo: str, commit: str, folder: str, suffix: str) -> list[str]:
    """Paths of the files directly in ``folder`` at ``commit`` whose names end in ``suffix``."""
    listing = _git(mirrors, repo, "ls-tree", "--name-only", commit, f"{folder}/")
    return sorted(path for path in listing.splitlines() if path.endswith(suffix))


@dataclass(frozen=True)
class Source:
    """A cited source, in the catalog's ``sources`` shape."""

    id: str
    url: str
    title: str
    publisher: str
    as_of: str
    used_for: str

    def as_dict(self) -> dict[str, str]:
        return {field.name: getattr(self, field.name) for field in fields(self)}


@dataclass(frozen=True)
class Row:
    """One instance size; field order is the file's ``columns`` order."""

    name: str
    family: str
    category: str
    vcpus: int
    memory_gib: float
    gpus: int
    gpu_model: str | None
    architecture: str
    burstable: bool
    on_demand_hourly: float | None
    spot_hourly: float | None
    shape_source: str
    price_source: str | None
    notes: str | None


def _check_columns() -> None:
    names = tuple(field.name for field in fields(Row))
    if names != INSTANCE_COLUMNS:
        raise SystemExit(f"Row fields {names} differ from the catalog's columns {INSTANCE_COLUMNS}")


@dataclass(frozen=True)
class CrossCheck:
    """An independent source's prices for a few types: the build stops if the data disagrees."""

    source: Source
    #: ``{type: (USD per hour, relative tolerance)}``
    prices: dict[str, tuple[float, float]]


@dataclass(frozen=True)
class CloudData:
    """Everything one cloud's file holds."""

    cloud: str
    reference_region: str
    as_of: str
    sources: tuple[Source, ...]
    notes: tuple[str, ...]
    rows: tuple[Row, ...]
    cross_checks: tuple[CrossCheck, ...] = ()

    @property
    def all_sources(self) -> tuple[Source, ...]:
        return (*self.sources, *(check.source for check in self.cross_checks))


def gib(value: float) -> float:
    """Memory in GiB, rounded so float noise does not reach the file."""
    return round(value, 4)


def validate(data: CloudData) -> None:
    """Every row through thrifty's model; unique names; every cited source declared."""
    _check_columns()
    ids = {source.id for source in data.all_sources}
    by_name = {row.name: row for row in data.rows}
    for check in data.cross_checks:
        for name, (price, tolerance) in check.prices.items():
            found = by_name[name].on_demand_hourly
            if found is None or abs(found - price) > tolerance * price:
                raise SystemExit(f"{data.cloud}: {name} is {found}; {check.source.id} says {price}")
    seen: set[str] = set()
    for row in data.rows:
        key = row.name.casefold() if data.cloud == "azure" else row.name
        if key in seen:
            raise SystemExit(f"{data.cloud}: duplicate instance type {row.name}")
        seen.add(key)
        for cited in (row.shape_source, row.price_source):
            if cited is not None and cited not in ids:
                raise SystemExit(f"{data.cloud}: {row.name} cites undeclared source {cited}")
        if (row.on_demand_hourly is None) != (row.price_source is None):
            raise SystemExit(f"{data.cloud}: {row.name}: a price needs a source and vice versa")
        fields_ = dict(zip(INSTANCE_COLUMNS, astuple(row), strict=True))
        InstanceType.model_validate({**fields_, "cloud": data.cloud})


def write(data: CloudData, out_dir: Path) -> Path:
    """Write ``<out_dir>/<cloud>.json``: one row per line, so diffs stay readable."""
    validate(data)
    header: dict[str, Any] = {
        "schema_version": 1,
        "cloud": data.cloud,
        "reference_region": data.reference_region,
        "as_of": data.as_of,
        "generated_by": "python -m tools.instance_catalog (see tools/instance_catalog)",
        "source": [source.id for source in data.all_sources],
        "notes": list(data.notes),
        "sources": [source.as_dict() for source in data.all_sources],
        "columns": list(INSTANCE_COLUMNS),
    }
    head = json.dumps(header, indent=1, ensure_ascii=False)[:-2]
    rows = ",\n".join(
        json.dumps(list(astuple(row)), ensure_ascii=False, separators=(",", ":"))
        for row in sorted(data.rows, key=lambda r: (r.family, r.vcpus, r.memory_gib, r.name))
    )
    path = out_dir / f"{data.cloud}.json"
    path.write_text(f'{head},\n "items": [\n{rows}\n ]\n}}\n', encoding="utf-8")
    return path
