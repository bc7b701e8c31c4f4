"""``thrifty rightsize``'s command line: its options, their checks, and the run.

The ``thrifty`` command (:mod:`thrifty.offline.cli`) adds this subcommand with
:func:`add_parser` and hands the parsed options to :func:`run_from_args`. Thresholds are given
in percent (``--cpu-threshold 30``); a value argparse cannot read exits with code 2, as every
bad input does.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timezone
from pathlib import Path

from thrifty.quantities import QuantityError, parse_quantity
from thrifty.rightsize.command import EXIT_BAD_INPUT, Progress, Request, run
from thrifty.rightsize.inputs import InputFiles
from thrifty.rightsize.measure import DAY, parse_duration
from thrifty.rightsize.report import FORMATS
from thrifty.rightsize.rules import Settings, SettingsError


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``rightsize`` and its options to the ``thrifty`` command's subcommands."""
    rightsize = commands.add_parser(
        "rightsize",
        help="turn measured utilization into the stack-file change that saves money",
        description="Read VPA objects, Prometheus responses or a CSV of measured usage, apply "
        "the right-sizing rules to the stack's workloads and node pools, price every change "
        "with the estimator, check the changed stack with config validation and the policy "
        "pack, and show the change as a diff of Pulumi.<stack>.yaml (--write applies it). "
        "Exit codes: 0 done; 1 the change fails a check (nothing written); 2 bad input; "
        "3 the program raised.",
    )
    rightsize.add_argument("--stack", "-s", required=True, help="stack name (Pulumi.<stack>.yaml)")
    rightsize.add_argument(
        "--project-dir", "-C", type=Path, default=None, help="directory holding Pulumi.yaml"
    )
    inputs = rightsize.add_argument_group("utilization files (at least one)")
    for flag, what in (
        ("--vpa", "`kubectl get vpa -A -o json` output"),
        ("--prometheus", "a saved /api/v1/query or /api/v1/query_range response (README queries)"),
        ("--csv", "a CSV: workload,container,cpu_p95,memory_p95,window"),
    ):
        inputs.add_argument(
            flag, type=Path, action="append", default=[], metavar="FILE", help=f"{what}; repeatable"
        )
    rules = rightsize.add_argument_group("rules")
    rules.add_argument(
        "--cpu-threshold",
        type=_percent,
        default=30.0,
        metavar="PCT",
        help="oversized below this %% of the CPU request (default 30)",
    )
    rules.add_argument(
        "--memory-threshold",
        type=_percent,
        default=40.0,
        metavar="PCT",
        help="oversized below this %% of the memory request (default 40)",
    )
    rules.add_argument(
        "--headroom",
        type=_percent,
        default=15.0,
        metavar="PCT",
        help="added to the measured high percentile (default 15)",
    )
    rules.add_argument(
        "--min-window",
        type=_duration,
        default=7 * DAY,
        metavar="DURATION",
        help="the least time a figure must cover, e.g. 7d, 168h (default 7d)",
    )
    rules.add_argument(
        "--min-samples",
        type=_count,
        default=168,
        metavar="N",
        help="the least samples a Prometheus figure must count (default 168)",
    )
    rules.add_argument(
        "--cpu-floor",
        type=_quantity,
        default=Settings.cpu_floor,
        metavar="QUANTITY",
        help="no CPU request goes below this (default 10m)",
    )
    rules.add_argument(
        "--memory-floor",
        type=_quantity,
        default=Settings.memory_floor,
        metavar="QUANTITY",
        help="no memory request goes below this (default 32Mi)",
    )
    rules.add_argument(
        "--as-of",
        type=_timestamp,
        default=None,
        metavar="TIME",
        help="when the VPA list was taken, RFC 3339 (default now); a VPA's window is its age then",
    )
    rightsize.add_argument("--format", "-f", choices=FORMATS, default="table", help="output format")
    rightsize.add_argument(
        "--write",
        action="store_true",
        help="apply the change to the stack file when it passes the checks",
    )
    rightsize.add_argument(
        "--output",
        "-o",
        type=Path,
        default=None,
        metavar="FILE",
        help="write the report to FILE instead of standard output",
    )


def _percent(text: str) -> float:
    try:
        value = float(text.strip().removesuffix("%"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a percentage such as 30") from None
    if not 0 <= value <= 1000:
        raise argparse.ArgumentTypeError(f"{text!r}: a percentage between 0 and 1000")
    return value


def _duration(text: str) -> float:
    try:
        return parse_duration(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _count(text: str) -> int:
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    return int(text)


def _quantity(text: str) -> float:
    try:
        value = parse_quantity(text, repr(text))
    except QuantityError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r}: a floor must be more than 0")
    return value


def _timestamp(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an RFC 3339 time such as 2026-05-08T12:00:00Z"
        ) from None
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r}: give a time zone, e.g. 2026-05-08T12:00:00Z")
    return value


def run_from_args(args: argparse.Namespace, progress: Progress) -> int:
    """Build the request from the parsed options and run the command; returns its exit code."""
    try:
        settings = Settings(
            cpu_threshold=args.cpu_threshold / 100,
            memory_threshold=args.memory_threshold / 100,
            headroom=args.headroom / 100,
            min_window=args.min_window,
            min_samples=args.min_samples,
            cpu_floor=args.cpu_floor,
            memory_floor=args.memory_floor,
        )
    except SettingsError as error:
        print(f"thrifty rightsize: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    request = Request(
        stack=args.stack,
        project_dir=args.project_dir,
        files=InputFiles(vpa=args.vpa, prometheus=args.prometheus, csv=args.csv),
        settings=settings,
        as_of=args.as_of or datetime.now(timezone.utc),
        fmt=args.format,
        write=args.write,
        output=args.output,
    )
    return run(request, progress)


__all__ = ["add_parser", "run_from_args"]
