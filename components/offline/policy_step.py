"""``thrifty plan``'s policy step: send the recorded stack through a policy pack over gRPC.

The pack runs as its own process and is spoken to exactly as ``pulumi preview --policy-pack``
does (see :mod:`thrifty.offline.analyzer_client`), so what the offline plan reports is what
CI's preview reports. By default the step uses thrifty's own pack (``thrifty.policies``) with the
config file of the stack's environment; any other pack directory and config file may be given.
Each diagnostic becomes a record (policy, level, severity, kind, URN, the resource's type and
name from the recording, message): the section's lines are printed from the records, and
``--format json`` carries them as data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from thrifty.offline.analyzer_client import Analysis, Violation, analyze_recording
from thrifty.offline.plan import Plan, PlanSection
from thrifty.offline.project import load_project
from thrifty.offline.recording import Recording

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


#: How a finding is to be read: a broken rule, a value the pack could not judge, or a value
#: that only deployment will tell (pulumi_policy reports those as "can't run policy ...").
FINDING_KINDS = ("violation", "not-checkable", "unknown")


def finding_kind(violation: Violation) -> str:
    """``unknown``, ``not-checkable`` or ``violation``, read from the diagnostic's text.

    The wire has no field for it. pulumi_policy words a policy that met a value unknown during
    preview as "can't run policy '<name>' from policy pack '<pack>' during preview: ..."; a rule
    that could not judge a value (thrifty's wrapper) says "not checkable: ...". Anything else is
    a violation.
    """
    message = violation.message
    if message.startswith("can't run policy") and "during preview" in message:
        return "unknown"
    return "not-checkable" if violation.not_checkable else "violation"


def _type_and_name(urn: str, recording: Recording) -> tuple[str | None, str | None]:
    """The resource's type and name: from the recording, else from the URN itself."""
    if not urn:
        return None, None
    resource = recording.get(urn)
    if resource is not None:
        return resource.type, resource.name
    parts = urn.split("::", 3)  # urn:pulumi:<stack>::<project>::<parent$...$type>::<name>
    if len(parts) < 4:
        return None, None
    return parts[2].rsplit("$", 1)[-1], parts[3]


def finding_record(violation: Violation, recording: Recording) -> dict[str, Any]:
    """One finding as data (the ``findings`` items of ``--format json``)."""
    resource_type, name = _type_and_name(violation.urn, recording)
    return {
        "policy": violation.policy_name,
        "level": violation.enforcement_level,
        "severity": violation.severity or None,
        "kind": finding_kind(violation),
        "urn": violation.urn or None,
        "type": resource_type,
        "name": name,
        "message": violation.detail,
    }


def _line(record: Mapping[str, Any]) -> str:
    where = f"{record['type']} {record['name']}" if record["type"] else record["urn"] or "stack"
    detail = " ".join(str(record["message"]).split())
    return f"[{record['level']}] {record['policy']}: {where}: {detail}"


def policy_section(analysis: Analysis, plan: Plan, config_file: Path | None) -> PlanSection:
    """A plan section listing every finding, mandatory first; failed when any is mandatory."""
    ordered = sorted(analysis.violations, key=lambda v: (not v.mandatory, v.policy_name, v.urn))
    records = [finding_record(violation, plan.recording) for violation in ordered]
    mandatory = len(analysis.mandatory)
    advisory = len(analysis.violations) - mandatory
    header = (
        f"pack {analysis.info.name} {analysis.info.version}, "
        f"config {config_file.name if config_file else 'pack defaults'}: "
        f"{mandatory} mandatory, {advisory} advisory"
    )
    return PlanSection(
        title="Policies",
        lines=[header, *(_line(record) for record in records)],
        data={
            "pack": analysis.info.name,
            "version": analysis.info.version,
            "config": str(config_file) if config_file else None,
            "findings": records,
        },
        failed=mandatory > 0,
        summary=f"policies {mandatory} mandatory, {advisory} advisory",
    )


def add_policy_section(plan: Plan, project_dir: str | Path, options: PolicyOptions) -> Analysis:
    """Run the pack over the plan's recording and append its section to the plan."""
    stack_config = load_project(project_dir).stack_config(plan.recording.stack)
    pack_dir = options.pack_dir or bundled_pack_dir()
    config_file = options.config_file or default_config_file(pack_dir, stack_config)
    # The pack hears the run's semantics, as the engine tells it (a preview, unless --up).
    analysis = analyze_recording(
        plan.recording,
        pack_dir,
        config_file,
        stack_config=stack_config,
        dry_run=plan.recording.preview,
    )
    plan.sections.append(policy_section(analysis, plan, config_file))
    return analysis
