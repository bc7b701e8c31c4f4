"""Every utilization file a user gives, read into one :class:`~.measure.Measurements`.

Each reader raises :class:`~.reading.InputError` naming the file, the place in it and what was
expected; nothing is read from a cluster.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from thrifty.rightsize.csv_input import read_csv_file
from thrifty.rightsize.measure import Measurements
from thrifty.rightsize.prometheus import read_prometheus_file
from thrifty.rightsize.vpa import VPA_SAFETY_MARGIN, read_vpa_file


@dataclass(frozen=True)
class InputFiles:
    """The files of one run: VPA lists, Prometheus responses, CSV tables."""

    vpa: Sequence[Path] = field(default_factory=tuple)
    prometheus: Sequence[Path] = field(default_factory=tuple)
    csv: Sequence[Path] = field(default_factory=tuple)

    def __bool__(self) -> bool:
        return bool(self.vpa or self.prometheus or self.csv)

    def names(self) -> list[str]:
        return [path.name for path in (*self.vpa, *self.prometheus, *self.csv)]


def read_inputs(
    files: InputFiles, *, as_of: datetime, vpa_safety_margin: float = VPA_SAFETY_MARGIN
) -> Measurements:
    """Read every file; a better source wins where two give the same figure."""
    measurements = Measurements()
    for path in files.prometheus:
        read_prometheus_file(path, measurements)
    for path in files.csv:
        read_csv_file(path, measurements)
    for path in files.vpa:
        read_vpa_file(path, measurements, as_of=as_of, safety_margin=vpa_safety_margin)
    return measurements


__all__ = ["InputFiles", "read_inputs"]
