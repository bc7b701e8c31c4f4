"""The ``thrifty`` command. ``thrifty plan --stack dev`` records a stack offline, sends it through
the policy pack over gRPC as ``pulumi preview --policy-pack`` would, and reports both.

Exit codes: 0 the plan is clean; 1 a step found something that must fail CI (a mandatory
policy violation); 2 the stack cannot be planned (unknown stack, invalid config, not
a Pulumi project); 3 the program itself raised an error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from thrifty.config import ConfigError
from thrifty.offline.analyzer_client import PolicyPackError
from thrifty.offline.plan import plan_stack
from thrifty.offline.policy_step import PolicyOptions, add_policy_section
from thrifty.offline.project import ProjectError
from thrifty.offline.report import FORMATS, render

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
        default=Path.cwd(),
        help="directory holding Pulumi.yaml (default: the current directory)",
    )
    plan.add_argument("--format", "-f", choices=FORMATS, default="table", help="output format")
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
        "--policy-pack-config",
        type=Path,
        default=None,
        help="policy config JSON, as pulumi preview takes it (default: the pack's "
        "config/<env>.json for the stack's thrifty:environment, else the pack's defaults)",
    )
    return parser


def _plan(args: argparse.Namespace) -> int:
    try:
        plan = plan_stack(args.project_dir, args.stack)
    except (ProjectError, ConfigError) as error:
        print(f"thrifty plan: {error}", file=sys.stderr)
        return EXIT_UNPLANNABLE
    except Exception as error:  # any program error is reported as one line, not a traceback
        print(
            f"thrifty plan: the program of stack {args.stack!r} failed: "
            f"{type(error).__name__}: {error}",
            file=sys.stderr,
        )
        return EXIT_PROGRAM_ERROR
    if not args.no_policies:
        try:
            add_policy_section(
                plan,
                args.project_dir,
                PolicyOptions(pack_dir=args.policy_pack, config_file=args.policy_pack_config),
            )
        except (PolicyPackError, OSError, ValueError) as error:
            print(f"thrifty plan: the policy pack could not run: {error}", file=sys.stderr)
            return EXIT_UNPLANNABLE
    print(render(plan, args.format))
    return EXIT_FINDINGS if plan.failed else EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``thrifty`` console script."""
    args = _parser().parse_args(argv)
    if args.command == "plan":
        return _plan(args)
    return EXIT_UNPLANNABLE  # pragma: no cover - argparse rejects unknown commands


if __name__ == "__main__":
    raise SystemExit(main())
