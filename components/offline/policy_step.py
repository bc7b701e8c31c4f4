"""``thrifty plan``'s policy step: send the recorded stack through a policy pack over gRPC.

The pack runs as its own process and is spoken to exactly as ``pulumi preview --policy-pack``
does (see :mod:`thrifty.offline.analyzer_client`), so what the offline plan reports is what
CI's preview reports. By default the step uses thrifty's own pack (``thrifty.policies``) with the
config file of the stack's environment; any other pack directory and config file may be given.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from thrifty.offline.analyzer_client import Analysis, Violation, analyze_recording
from thrifty.offline.plan import Plan, PlanSection
from thrifty.offline.project import load_project

#: ``thrifty:environment`` -> the bundled ``--policy-pack-config`` file name.
ENVIRONMENT_CONFIG_FILES = {
    "development": "dev.json",
    "staging": "staging.json",
    "production": "production.json",
}


def bundled_pack_dir() -> Path:
    """The directory of thrifty's own pack as installed (``PulumiPolicy.yaml`` ships in it)."""
    import thrifty.policies

    return Path(thrifty.policies.__file__).resolve().parent


@dataclass(frozen=True)
class PolicyOptions:
    """Which pack and config the plan uses; None means thrifty's pack / the env's config."""

    pack_dir: Path | None = None
    config_file: Path | None = None


def default_config_file(pack_dir: Path, stack_config: dict[str, object]) -> Path | None:
    """The pack's config file for the stack's ``thrifty:environment``, if it ships one."""
    environment = str(stack_config.get("thrifty:environment", ""))
    name = ENVIRONMENT_CONFIG_FILES.get(environment)
    candidate = pack_dir / "config" / name if name else None
    return candidate if candidate is not None and candidate.is_file() else None


def _line(violation: Violation, names: dict[str, str]) -> str:
    where = names.get(violation.urn, violation.urn or "stack")
    detail = " ".join(violation.detail.split())
    return f"[{violation.enforcement_level}] {violation.policy_name}: {where}: {detail}"


def policy_section(analysis: Analysis, plan: Plan, config_file: Path | None) -> PlanSection:
    """A plan section listing every violation, mandatory first; failed when any is mandatory."""
    names = {r.urn: f"{r.type} {r.name}" for r in plan.resources}
    ordered = sorted(analysis.violations, key=lambda v: (not v.mandatory, v.policy_name, v.urn))
    mandatory = len(analysis.mandatory)
    advisory = len(analysis.violations) - mandatory
    header = (
        f"pack {analysis.info.name} {analysis.info.version}, "
        f"config {config_file.name if config_file else 'pack defaults'}: "
        f"{mandatory} mandatory, {advisory} advisory"
    )
    return PlanSection(
        title="Policies",
        lines=[header, *(_line(violation, names) for violation in ordered)],
        data={
            "pack": analysis.info.name,
            "config": str(config_file) if config_file else None,
            "violations": [
                {
                    "policy": v.policy_name,
                    "level": v.enforcement_level,
                    "urn": v.urn,
                    "message": v.detail,
                }
                for v in ordered
            ],
        },
        failed=mandatory > 0,
        summary=f"policies {mandatory} mandatory, {advisory} advisory",
    )


def add_policy_section(plan: Plan, project_dir: str | Path, options: PolicyOptions) -> Analysis:
    """Run the pack over the plan's recording and append its section to the plan."""
    stack_config = load_project(project_dir).stack_config(plan.recording.stack)
    pack_dir = options.pack_dir or bundled_pack_dir()
    config_file = options.config_file or default_config_file(pack_dir, stack_config)
    analysis = analyze_recording(
        plan.recording, pack_dir, config_file, stack_config=stack_config
    )
    plan.sections.append(policy_section(analysis, plan, config_file))
    return analysis
