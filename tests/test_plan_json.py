"""``thrifty plan --format json``: findings as data, and the JSON Schema the package ships.

Every reference stack's document and the bad stack's validate against the schema; documents
broken one way each do not (so the schema is not vacuous); a finding's kind (violation, not
checkable, unknown during preview) is told from what a real pack sends over gRPC.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.conftest import REFERENCE_STACKS, REPO_ROOT
from tests.test_cli import run_plan
from thrifty.offline.analyzer_client import ENFORCEMENT_LEVELS, analyze_recording
from thrifty.offline.plan import Plan, PlanSection, plan_recording
from thrifty.offline.policy_step import FINDING_KINDS, policy_section
from thrifty.offline.recording import record_program
from thrifty.offline.report import JSON_SCHEMA_FILE, json_schema, render_json

tomllib = pytest.importorskip("tomllib")

BAD_STACK = REPO_ROOT / "tests" / "fixtures" / "bad_stack"
PACK_DIR = REPO_ROOT / "policies"
Document = dict[str, Any]


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def problems(validator: jsonschema.Draft202012Validator, document: Document) -> list[str]:
    return [f"{error.json_path}: {error.message}" for error in validator.iter_errors(document)]


def plan_json(*args: str) -> tuple[int, Document]:
    result = run_plan(*args, "--format", "json")
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, json.loads(result.stdout)


@pytest.fixture(scope="module")
def bad_document() -> Document:
    returncode, document = plan_json("--stack", "dev", "-C", str(BAD_STACK))
    assert returncode == 1
    return document


# --- The schema --------------------------------------------------------------------------------


#: Keywords whose subschemas restate fields described elsewhere (conditions, alternatives).
CONSTRAINTS = frozenset({"if", "then", "else", "not", "allOf", "anyOf", "oneOf"})


def test_the_schema_is_draft_2020_12_with_an_id_and_describes_every_field() -> None:
    schema = json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"]

    def undescribed(node: object, path: str) -> list[str]:
        missing: list[str] = []
        if isinstance(node, dict):
            for key, child in (node.get("properties") or {}).items():
                if "description" not in child and "$ref" not in child:
                    missing.append(f"{path}.{key}")
            for key, child in node.items():
                if key not in CONSTRAINTS:
                    missing += undescribed(child, f"{path}.{key}")
        return missing

    assert undescribed(schema, "$") == []


def test_the_schema_enums_match_the_code() -> None:
    finding = json_schema()["$defs"]["finding"]["properties"]
    assert tuple(finding["level"]["enum"]) == ENFORCEMENT_LEVELS
    assert tuple(finding["kind"]["enum"]) == FINDING_KINDS


def test_the_schema_ships_as_package_data() -> None:
    document = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    patterns = document["tool"]["setuptools"]["package-data"]["thrifty.offline"]
    package_dir = REPO_ROOT / "components" / "offline"
    shipped = {path for pattern in patterns for path in package_dir.glob(pattern)}
    assert package_dir / JSON_SCHEMA_FILE in shipped


# --- Real documents validate -------------------------------------------------------------------


@pytest.mark.parametrize("stack", REFERENCE_STACKS)
def test_every_reference_stack_plan_validates(
    validator: jsonschema.Draft202012Validator, stack: str
) -> None:
    _, document = plan_json("--stack", stack)  # exit codes: tests/test_cli.py
    assert problems(validator, document) == []


def test_the_bad_stack_plan_validates_and_carries_findings_as_records(
    validator: jsonschema.Draft202012Validator, bad_document: Document
) -> None:
    assert problems(validator, bad_document) == []
    findings = bad_document["sections"]["Policies"]["data"]["findings"]
    public = [
        f
        for f in findings
        if f["policy"] == "public-or-unencrypted-storage" and f["name"] == "bad-public-bucket"
    ]
    assert public == [
        {
            "policy": "public-or-unencrypted-storage",
            "level": "mandatory",
            "severity": "critical",
            "kind": "violation",
            "urn": "urn:pulumi:dev::bad-stack::pulumi:pulumi:Stack$aws:s3/bucket:Bucket"
            "::bad-public-bucket",
            "type": "aws:s3/bucket:Bucket",
            "name": "bad-public-bucket",
            "message": public[0]["message"],
        }
    ]
    assert "acl 'public-read'" in public[0]["message"]
    stack_level = [f for f in findings if f["urn"] is None]
    assert stack_level and {f["policy"] for f in stack_level} == {"budget-present"}
    assert all(f["type"] is None and f["name"] is None for f in stack_level)
    levels = [f["level"] for f in findings]
    assert levels == sorted(levels, key=lambda level: level != "mandatory"), "mandatory first"


def test_each_finding_is_one_text_line_of_the_section(bad_document: Document) -> None:
    section = bad_document["sections"]["Policies"]
    assert len(section["lines"]) == 1 + len(section["data"]["findings"])
    assert "[mandatory] public-or-unencrypted-storage: aws:s3/bucket:Bucket bad-public-bucket:" in (
        "\n".join(section["lines"])
    )


def preview_program() -> None:
    import pulumi_aws as aws

    bucket = aws.s3.Bucket("site", tags={"project": "p"})
    acl = bucket.bucket_domain_name.apply(lambda _: "public-read")  # unknown during preview
    aws.s3.BucketObjectv2("page", bucket=bucket.id, key="index.html", acl=acl)
    aws.s3.BucketPolicy("policy", bucket=bucket.id, policy="{not json")


@pytest.fixture(scope="module")
def preview_plan() -> Plan:
    """The preview plan of a small program, with its policy section, built in-process."""
    config = {"aws:region": "us-east-1"}
    recording = record_program(preview_program, project="site", config=config, preview=True)
    plan = plan_recording(recording)
    analysis = analyze_recording(recording, PACK_DIR, stack_config=config)
    plan.sections.append(policy_section(analysis, plan, None))
    return plan


def test_unknown_and_not_checkable_findings_are_told_apart(
    validator: jsonschema.Draft202012Validator, preview_plan: Plan
) -> None:
    document = json.loads(render_json(preview_plan))
    assert problems(validator, document) == []
    exposure = {
        f["name"]: f
        for f in document["sections"]["Policies"]["data"]["findings"]
        if f["policy"] == "public-or-unencrypted-storage"
    }
    assert exposure["page"]["kind"] == "unknown" and exposure["page"]["level"] == "advisory"
    assert exposure["page"]["type"] == "aws:s3/bucketObjectv2:BucketObjectv2"
    assert exposure["policy"]["kind"] == "not-checkable"
    assert exposure["policy"]["level"] == "mandatory"
    assert "policy is not valid JSON" in exposure["policy"]["message"]
    assert "site" not in exposure


# --- Broken documents do not -------------------------------------------------------------------


def _tagged(document: Document) -> Document:
    """The first root resource that is custom and taggable."""
    return next(node for node in document["resources"] if node.get("taggable"))


def _findings(document: Document) -> list[Document]:
    findings: list[Document] = document["sections"]["Policies"]["data"]["findings"]
    return findings


BREAKAGES: dict[str, Callable[[Document], None]] = {
    "missing failed": lambda d: d.pop("failed"),
    "unknown top-level key": lambda d: d.update(extra=1),
    "failed as text": lambda d: d.update(failed="yes"),
    "summary count negative": lambda d: d["summary"].update(resources=-1),
    "untagged not a URN": lambda d: d["summary"]["untagged"].append("bucket"),
    "resource without urn": lambda d: _tagged(d).pop("urn"),
    "custom resource without taggable": lambda d: _tagged(d).pop("taggable"),
    "taggable resource without tags": lambda d: _tagged(d).pop("tags"),
    "tag value not a string": lambda d: _tagged(d)["tags"].update(project=1),
    "unknown key on a resource": lambda d: _tagged(d).update(colour="red"),
    "component with tags": lambda d: d["resources"].append(
        {
            "type": "x:y:Z",
            "name": "z",
            "urn": "urn:pulumi:s::p::x:y:Z::z",
            "custom": False,
            "tags": {},
        }
    ),
    "section without lines": lambda d: d["sections"]["Policies"].pop("lines"),
    "policies without findings": lambda d: d["sections"]["Policies"]["data"].pop("findings"),
    "finding level unknown": lambda d: _findings(d)[0].update(level="fatal"),
    "finding kind unknown": lambda d: _findings(d)[0].update(kind="warning"),
    "finding without message": lambda d: _findings(d)[0].pop("message"),
    "stack finding with a type": lambda d: next(f for f in _findings(d) if f["urn"] is None).update(
        type="aws:s3/bucket:Bucket"
    ),
    "resource finding without a name": lambda d: next(
        f for f in _findings(d) if f["urn"] is not None
    ).update(name=None),
    "generic section with an extra key": lambda d: d["sections"].update(
        Costs={"summary": "", "lines": [], "data": {}, "failed": False, "total": 3}
    ),
    "message severity unknown": lambda d: d["messages"].append(
        {"severity": "loud", "message": "x"}
    ),
}


@pytest.mark.parametrize("breakage", sorted(BREAKAGES))
def test_a_broken_document_fails_validation(
    validator: jsonschema.Draft202012Validator, bad_document: Document, breakage: str
) -> None:
    assert problems(validator, bad_document) == []
    broken = copy.deepcopy(bad_document)
    BREAKAGES[breakage](broken)
    assert problems(validator, broken), f"{breakage} was accepted"


def test_a_new_section_validates_without_a_schema_change(
    validator: jsonschema.Draft202012Validator, preview_plan: Plan
) -> None:
    """A later step (costs, ...) adds a section with data of its own shape."""
    extended = copy.copy(preview_plan)
    extended.sections = [
        *preview_plan.sections,
        PlanSection(title="Costs", lines=["$12.00/month"], data={"total": {"usd": 12.0}}),
    ]
    document = json.loads(render_json(extended))
    assert document["sections"]["Costs"]["data"] == {"total": {"usd": 12.0}}
    assert problems(validator, document) == []


def test_json_schema_reads_the_shipped_file() -> None:
    shipped = Path(REPO_ROOT / "components" / "offline" / JSON_SCHEMA_FILE).read_text()
    assert json_schema() == json.loads(shipped)
