"""The ``thrifty`` command. ``thrifty plan --stack dev`` records a stack offline as ``pulumi
preview`` would run it, sends it through the policy pack over gRPC as ``pulumi preview
--policy-pack`` would, estimates its monthly cost, and reports all three.

Exit codes: 0 the plan is clean; 1 a step found something that must fail CI (a mandatory
policy violation, a baseline cost over the monthly budget); 2 the stack cannot be planned
(unknown stack, invalid config or usage file, not a Pulumi project); 3 the program itself
raised an error.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from thrifty.config import ConfigError
from thrifty.cost.catalog import CATALOG_ENV, CatalogFileError, catalog, reset_catalog
from thrifty.cost.usage import UsageError
from thrifty.offline.analyzer_client import PolicyPackError
from thrifty.offline.answers import AnswersError
from thrifty.offline.compare import CompareError, compare_section, load_previous
from thrifty.offline.cost_step import CostOptions, add_cost_section
from thrifty.offline.plan import Plan, plan_stack
from thrifty.offline.policy_step import PolicyOptions, add_policy_section
from thrifty.offline.project import ProjectError, find_project_dir, load_project
from thrifty.offline.report import FORMATS, render
from thrifty.policies.cost_gate import BUDGET_ENVIRONMENT, USAGE_ENVIRONMENT
from thrifty.rightsize.options import add_parser as add_rightsize_parser
from thrifty.rightsize.options import run_from_args as run_rightsize

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_UNPLANNABLE = 2
EXIT_PROGRAM_ERROR = 3


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="thrifty", description="Cost discipline for Pulumi programs, offline."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    plan = commands.add_parser(
        "plan",
        help="record a stack offline and report what it would create",
        description="Run the stack's program under the SDK's mock engine (no cloud, no "
        "credentials, no Pulumi CLI) and report its resources and cost tags.",
    )
    plan.add_argument("--stack", "-s", required=True, help="stack name (Pulumi.<stack>.yaml)")
    plan.add_argument(
        "--project-dir",
        "-C",
        type=Path,
        default=None,
        help="directory holding Pulumi.yaml (default: the current directory or the nearest "
        "parent with one, as the Pulumi CLI finds it)",
    )
    plan.add_argument("--format", "-f", choices=FORMATS, default="table", help="output format")
    plan.add_argument(
        "--up",
        action="store_true",
        help="run the program as `pulumi up` would (computed outputs take the offline answers' "
        "values, else None) instead of as `pulumi preview` (computed outputs unknown)",
    )
    policies = plan.add_mutually_exclusive_group()
    policies.add_argument(
        "--policy-pack",
        type=Path,
        default=None,
        help="policy pack directory (default: thrifty's own pack, thrifty-guard)",
    )
    policies.add_argument(
        "--no-policies", action="store_true", help="skip the policy step (tree and tags only)"
    )
    plan.add_argument(
        "--catalog",
        type=Path,
        action="append",
        default=None,
        metavar="FILE",
        help="your own catalog file (JSON/YAML: your region's prices, negotiated rates, custom "
        f"instance types) over thrifty's; repeatable, later files win. Sets {CATALOG_ENV} for the "
        "plan and the policy pack it starts",
    )
    plan.add_argument(
        "--policy-pack-config",
        type=Path,
        default=None,
        help="policy config JSON, as pulumi preview takes it (default: the pack's "
        "config/<env>.json for the stack's thrifty:environment, else the pack's defaults)",
    )
    cost = plan.add_argument_group("cost estimate")
    cost.add_argument(
        "--usage",
        type=Path,
        default=None,
        metavar="FILE",
        help="usage file (YAML): stored GB, requests, egress, predictions, commitments; "
        f"sets {USAGE_ENVIRONMENT} for the policy pack too",
    )
    cost.add_argument(
        "--budget",
        type=_positive_usd,
        default=None,
        metavar="USD",
        help="monthly budget to hold the baseline to (default: the stack's budget resources); "
        f"sets {BUDGET_ENVIRONMENT} for the policy pack too",
    )
    cost.add_argument(
        "--compare-to",
        type=Path,
        default=None,
        metavar="OLD.json",
        help="an earlier 'thrifty plan --format json' output: adds the change per resource "
        "and in total",
    )
    cost.add_argument("--no-cost", action="store_true", help="skip the cost estimate")
    plan.add_argument(
        "--output",
        "-o",
        type=Path,
        default=None,
        metavar="FILE",
        help="write the report to FILE instead of standard output (e.g. with --format html)",
    )
    add_rightsize_parser(commands)
    return parser


def _positive_usd(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of USD") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r}: the budget must be a positive amount")
    return value


def _progress(message: str, command: str = "plan") -> None:
    """A progress line on stderr for a person at a terminal; CI logs stay quiet."""
    if sys.stderr.isatty():
        print(f"thrifty {command}: {message}", file=sys.stderr, flush=True)


def _use_catalog_files(files: list[Path]) -> None:
    """Point this process and the pack it starts (it inherits the environment) at ``files``."""
    os.environ[CATALOG_ENV] = os.pathsep.join(str(file.resolve()) for file in files)
    reset_catalog()
    catalog()  # a wrong file fails here, naming the file, the entry and the field


def _prepare_environment(args: argparse.Namespace) -> None:
    """Catalog, usage and budget for this process and the pack it starts (it inherits them).

    Bad files fail here, before the program runs, naming the file and the entry.
    """
    if args.catalog:
        _use_catalog_files(args.catalog)
    if args.usage is not None:
        from thrifty.cost import load_usage

        load_usage(args.usage)
        os.environ[USAGE_ENVIRONMENT] = str(args.usage.resolve())
    if args.budget is not None:
        os.environ[BUDGET_ENVIRONMENT] = repr(args.budget)


def _record(args: argparse.Namespace) -> Plan | int:
    _progress(f"recording stack {args.stack} ({'up' if args.up else 'preview'} semantics)")
    try:
        return plan_stack(args.project_dir, args.stack, preview=not args.up)
    except (ProjectError, ConfigError, AnswersError) as error:
        print(f"thrifty plan: {error}", file=sys.stderr)
        return EXIT_UNPLANNABLE
    except Exception as error:  # any program error is reported as one line, not a traceback
        print(
            f"thrifty plan: the program of stack {args.stack!r} failed: "
            f"{type(error).__name__}: {error}",
            file=sys.stderr,
        )
        return EXIT_PROGRAM_ERROR


def _plan(args: argparse.Namespace) -> int:
    if args.project_dir is None:
        args.project_dir = find_project_dir(Path.cwd())
    try:
        _prepare_environment(args)
        previous = load_previous(args.compare_to) if args.compare_to else None
    except (CatalogFileError, UsageError, CompareError, OSError) as error:
        print(f"thrifty plan: {error}", file=sys.stderr)
        return EXIT_UNPLANNABLE
    plan = _record(args)
    if isinstance(plan, int):
        return plan
    if not args.no_policies:
        _progress(f"running the policy pack over {len(plan.resources)} resources")
        try:
            add_policy_section(
                plan,
                args.project_dir,
                PolicyOptions(pack_dir=args.policy_pack, config_file=args.policy_pack_config),
            )
        except (PolicyPackError, OSError, ValueError) as error:
            print(f"thrifty plan: the policy pack could not run: {error}", file=sys.stderr)
            return EXIT_UNPLANNABLE
    if not args.no_cost:
        _progress("estimating the monthly cost")
        stack_config = load_project(args.project_dir).stack_config(args.stack)
        try:
            add_cost_section(plan, stack_config, CostOptions(args.usage, args.budget))
        except UsageError as error:
            print(f"thrifty plan: {error}", file=sys.stderr)
            return EXIT_UNPLANNABLE
        if previous is not None:
            compare_section(plan, previous, args.compare_to)
    report = render(plan, args.format)
    if args.output is not None:
        try:
            args.output.write_text(report + "\n", encoding="utf-8")
        except OSError as error:
            print(f"thrifty plan: cannot write {args.output}: {error.strerror}", file=sys.stderr)
            return EXIT_UNPLANNABLE
        _progress(f"wrote {args.output}")
    else:
        try:
            print(report, flush=True)
        except BrokenPipeError:  # `thrifty plan ... | head`: the reader has what it wanted
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return EXIT_FINDINGS if plan.failed else EXIT_OK


def _rightsize(args: argparse.Namespace) -> int:
    """``thrifty rightsize`` (:mod:`thrifty.rightsize`), from the project found as for plan."""
    if args.project_dir is None:
        args.project_dir = find_project_dir(Path.cwd())
    return run_rightsize(args, lambda message: _progress(message, "rightsize"))


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``thrifty`` console script."""
    args = _parser().parse_args(argv)
    if args.command == "plan":
        return _plan(args)
    if args.command == "rightsize":
        return _rightsize(args)
    return EXIT_UNPLANNABLE  # pragma: no cover - argparse rejects unknown commands


if __name__ == "__main__":
    raise SystemExit(main())
