"""Utilization from any other tool, as a plain CSV file.

```
workload,container,cpu_p95,memory_p95,window
churn-predictor,churn-predictor,12m,75Mi,14d
```

``cpu_p95`` and ``memory_p95`` are Kubernetes quantities (``120m`` or ``0.12`` cores,
``180Mi`` or bytes), either may be empty when not measured; ``window`` is the time they cover,
as a Prometheus duration (``7d``, ``168h``, ``2w``). An optional ``namespace`` column narrows a
row to one namespace. The header line is required; columns may come in any order.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from thrifty.quantities import QuantityError, parse_quantity
from thrifty.rightsize.measure import ContainerKey, Measurements, Resource, Usage, parse_duration
from thrifty.rightsize.reading import InputError, looks_like

REQUIRED_COLUMNS = ("workload", "container", "cpu_p95", "memory_p95", "window")
OPTIONAL_COLUMNS = ("namespace",)
_FIGURES: tuple[tuple[str, Resource], ...] = (("cpu_p95", "cpu"), ("memory_p95", "memory"))


def read_csv_file(path: Path, measurements: Measurements) -> int:
    """Add every row of ``path`` to ``measurements``; returns how many rows were read."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as error:
        raise InputError(f"{path}: cannot be read: {error.strerror}") from None
    if not text.strip():
        raise InputError(
            f"{path}: file is empty (expected a header line: {','.join(REQUIRED_COLUMNS)})"
        )
    if text.lstrip()[:1] in ("{", "["):
        try:
            found = looks_like(json.loads(text))
        except json.JSONDecodeError:
            found = "JSON-like text"
        raise InputError(f"{path}: expected a CSV table, found {found}")
    reader = csv.DictReader(text.splitlines())
    header = [name.strip() for name in reader.fieldnames or []]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    unknown = [name for name in header if name not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if missing or unknown:
        raise InputError(
            f"{path}: line 1: expected the header {','.join(REQUIRED_COLUMNS)} (and optionally "
            f"namespace); missing {missing or 'none'}, unknown {unknown or 'none'}"
        )
    rows = 0
    for line, row in enumerate(reader, start=2):
        if None in row:
            raise InputError(f"{path}: line {line}: more cells than the header has columns")
        absent = [key.strip() for key, value in row.items() if key and value is None]
        if absent and any(value for value in row.values()):
            raise InputError(
                f"{path}: line {line}: {len(header) - len(absent)} cells, the header has "
                f"{len(header)} columns; missing {', '.join(absent)}"
            )
        cells = {key.strip(): (value or "").strip() for key, value in row.items() if key}
        if not any(cells.values()):
            continue
        _read_row(path, line, cells, measurements)
        rows += 1
    return rows


def _read_row(path: Path, line: int, cells: dict[str, str], measurements: Measurements) -> None:
    for column in ("workload", "container", "window"):
        if not cells.get(column):
            raise InputError(f"{path}: line {line}, column {column}: expected a value, empty")
    try:
        window = parse_duration(cells["window"])
    except ValueError as error:
        raise InputError(f"{path}: line {line}, column window: {error}") from None
    key = ContainerKey(cells["workload"], cells["container"], cells.get("namespace") or None)
    for column, resource in _FIGURES:
        if not cells.get(column):
            continue
        try:
            value = parse_quantity(cells[column], f"{path}: line {line}, column {column}")
        except QuantityError as error:
            raise InputError(str(error)) from None
        if value < 0:
            raise InputError(
                f"{path}: line {line}, column {column}: expected a usage >= 0, got "
                f"{cells[column]!r}"
            )
        measurements.add_usage(
            key,
            resource,
            Usage(value, "p95 from CSV", window, None, f"{path.name} line {line}", "csv"),
        )


__all__ = ["REQUIRED_COLUMNS", "read_csv_file"]
