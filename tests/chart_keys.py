"""A Helm chart version's documented values keys, for the tests that check the values thrifty
sets on its Helm releases (the charts themselves cannot be downloaded when the tests run).

The keys are read from ``tests/fixtures/charts/<chart>-<version>.keys.txt``, written by
``tests/fixtures/charts/flatten_values.py`` from the chart's ``values.yaml`` at a cited commit.
Shared by the monitoring charts' tests and the cluster add-ons' tests.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

CHARTS = Path(__file__).resolve().parent / "fixtures" / "charts"
#: The first line of every keys file: where its values.yaml was read.
SOURCE = re.compile(
    r"^# github\.com/(?P<repo>[\w.-]+/[\w.-]+) (?P<path>\S+/values\.yaml) "
    r"@ (?P<commit>[0-9a-f]{40}) \(Chart\.yaml version (?P<version>[\w.+-]+)"
)


@dataclass(frozen=True)
class ChartKeys:
    """A chart version's documented values keys (see tests/fixtures/charts/flatten_values.py)."""

    name: str
    version: str
    source: re.Match[str]
    keys: frozenset[str]
    #: Maps whose contents the chart passes through: any key below them is accepted.
    open: frozenset[str]
    dependencies: Mapping[str, str]

    def unknown(self, values: Mapping[str, Any], prefix: str = "") -> Iterator[str]:
        """Every path set in ``values`` that this chart (or its subcharts) does not document."""
        for key, value in values.items():
            path = f"{prefix}{key}"
            if self._open(path):
                continue
            if path in self.keys:
                if isinstance(value, Mapping):
                    yield from self.unknown(value, f"{path}.")
                continue
            top, _, rest = path.partition(".")
            if top in self.dependencies and rest:
                subchart = chart_keys(top, self.dependencies[top])
                yield from (f"{top}.{sub}" for sub in subchart.unknown({rest: value}))
            else:
                yield path

    def _open(self, path: str) -> bool:
        parts = path.split(".")
        return any(".".join(parts[:end]) in self.open for end in range(1, len(parts) + 1))


@cache
def chart_keys(name: str, version: str) -> ChartKeys:
    """The keys of chart ``name`` at ``version``, from its keys file."""
    lines = (CHARTS / f"{name}-{version}.keys.txt").read_text().splitlines()
    source = SOURCE.match(lines[0])
    assert source, f"{name}-{version}.keys.txt: first line must cite repo, path and commit"
    dependencies = dict(
        line.removeprefix("# dependency: ").split(" ", 1)
        for line in lines
        if line.startswith("# dependency: ")
    )
    entries = [line.split(" ") for line in lines if line and not line.startswith("#")]
    return ChartKeys(
        name,
        version,
        source,
        frozenset(entry[0] for entry in entries),
        frozenset(entry[0] for entry in entries if entry[1:] in (["{}"], ["*"])),
        dependencies,
    )


def key_files() -> set[tuple[str, str]]:
    """``(chart, version)`` of every keys file in tests/fixtures/charts."""
    files: set[tuple[str, str]] = set()
    for path in CHARTS.glob("*.keys.txt"):
        name, version = path.name.removesuffix(".keys.txt").rsplit("-", 1)
        files.add((name, version))
    return files


__all__ = ["CHARTS", "SOURCE", "ChartKeys", "chart_keys", "key_files"]
