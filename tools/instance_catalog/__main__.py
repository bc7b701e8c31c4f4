"""``python -m tools.instance_catalog``: rebuild the per-cloud instance files."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from tools.instance_catalog import aws, azure, gcp
from tools.instance_catalog.common import CloudData, write

BUILDERS: dict[str, Callable[[Path], CloudData]] = {
    "aws": aws.build,
    "gcp": gcp.build,
    "azure": azure.build,
}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tools.instance_catalog", description=__doc__)
    parser.add_argument(
        "--mirrors",
        type=Path,
        required=True,
        help="folder of bare clones named <owner>+<name>/repo",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("components/cost/data/instances"),
        help="output folder (default: %(default)s)",
    )
    parser.add_argument(
        "clouds", nargs="*", help=f"clouds to rebuild (default: {' '.join(BUILDERS)})"
    )
    args = parser.parse_args()
    unknown = sorted(set(args.clouds) - set(BUILDERS))
    if unknown:
        parser.error(f"unknown clouds {unknown}; expected some of {', '.join(BUILDERS)}")
    args.out.mkdir(parents=True, exist_ok=True)
    for cloud in args.clouds or BUILDERS:
        data = BUILDERS[cloud](args.mirrors)
        priced = sum(row.on_demand_hourly is not None for row in data.rows)
        path = write(data, args.out)
        print(f"{cloud}: {len(data.rows)} types ({priced} priced) -> {path}")


if __name__ == "__main__":
    main()
