"""A project's own offline answers: ``thrifty-answers.yaml`` and the ``thrifty:answers`` hook."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pulumi.runtime.mocks import MockCallArgs

from thrifty.offline.answers import ANSWERS_FILE, AnswersError, OfflineMocks, UserAnswers
from thrifty.offline.recording import Recording, record_stack

PROGRAM = """
import json
import pulumi
import pulumi_aws as aws

ami = aws.ec2.get_ami(owners=["amazon"], most_recent=True)
other = aws.ec2.get_ami(owners=["self"])
widget = pulumi.runtime.invoke("acme:index/getWidget:getWidget", {"size": "L"}).value
db = aws.rds.Instance("db", instance_class="db.t4g.micro", allocated_storage=20, engine="postgres")
aws.ssm.Parameter(
    "facts",
    type="String",
    insecure_value=db.endpoint.apply(
        lambda endpoint: json.dumps(
            {"ami": ami.image_id, "name": ami.name, "other": other.image_id,
             "widget": widget["colour"], "endpoint": endpoint}
        )
    ),
)
"""

ANSWERS = """
invokes:
  "aws:ec2/getAmi:getAmi":
    - when: {owners: ["amazon"]}
      answer: {imageId: ami-0123456789abcdef0}
    - answer: {imageId: ami-0fedcba9876543210}
  "acme:index/getWidget:getWidget":
    answer: {colour: teal}
resources:
  "aws:rds/instance:Instance":
    endpoint: by-type:5432
"""


def make_project(root: Path, answers: str | None, config: dict[str, str] | None = None) -> Path:
    (root / "Pulumi.yaml").write_text("name: answered\nruntime: python\n")
    (root / "__main__.py").write_text(PROGRAM)
    stack = {"config": {"aws:region": "eu-west-1", **(config or {})}}
    (root / "Pulumi.dev.yaml").write_text(json.dumps(stack))
    if answers is not None:
        (root / ANSWERS_FILE).write_text(answers)
    return root


def facts(recording: Recording) -> dict[str, str]:
    (parameter,) = recording.of_type("aws:ssm/parameter:Parameter")
    return json.loads(parameter.inputs["insecureValue"])


def test_the_answers_file_beside_pulumi_yaml_answers_invokes_and_resources(tmp_path: Path) -> None:
    recording = record_stack(make_project(tmp_path, ANSWERS), "dev", preview=False)
    assert facts(recording) == {
        "ami": "ami-0123456789abcdef0",  # the entry whose "when" matches
        "name": facts(recording)["name"],  # the rest of the SDK-derived answer is kept
        "other": "ami-0fedcba9876543210",  # the entry without "when"
        "widget": "teal",  # a token no SDK declares, answered by the project
        "endpoint": "by-type:5432",
    }
    assert facts(recording)["name"].startswith("ami-")


def test_a_logical_names_entry_wins_over_its_types_and_applies_in_preview(tmp_path: Path) -> None:
    answers = ANSWERS + "  db:\n    endpoint: by-name:5432\n"
    recording = record_stack(make_project(tmp_path, answers), "dev", preview=True)
    assert facts(recording)["endpoint"] == "by-name:5432"


HOOK = """
def answer(request):
    if request.kind == "invoke" and request.token == "acme:index/getWidget:getWidget":
        return {"colour": "from-hook-" + request.args["size"]}
    if request.kind == "resource" and request.name == "db":
        return {"endpoint": "hook:%s" % ("preview" if request.preview else "up")}
    return None
"""


def test_a_python_hook_named_in_config_answers_after_the_file(tmp_path: Path) -> None:
    project = make_project(tmp_path, ANSWERS, {"thrifty:answers": "hooks/answers.py:answer"})
    (tmp_path / "hooks").mkdir()
    (tmp_path / "hooks" / "answers.py").write_text(HOOK)
    found = facts(record_stack(project, "dev", preview=False))
    assert found["widget"] == "from-hook-L" and found["endpoint"] == "hook:up"
    assert found["ami"] == "ami-0123456789abcdef0"  # the hook returned None: the file's


def test_a_hook_that_returns_something_else_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "bad.py").write_text("def answer(request):\n    return ['not', 'a', 'map']\n")
    answers = UserAnswers.load(tmp_path, {"thrifty:answers": "bad.py:answer"})
    with pytest.raises(AnswersError, match=r"thrifty:answers: the hook returned list for invoke"):
        answers.invoke("aws:index/getRegion:getRegion", {}, preview=True)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("no-function-here", r"'no-function-here' is not 'module:function'"),
        ("missing.py:answer", r"cannot load 'missing.py'"),
        ("thrifty_no_such_module:answer", r"cannot load 'thrifty_no_such_module'"),
        ("json:not_there", r"'json' has no function 'not_there'"),
    ],
)
def test_a_bad_hook_name_fails_before_the_program_runs(
    tmp_path: Path, spec: str, message: str
) -> None:
    project = make_project(tmp_path, None, {"thrifty:answers": spec})
    (project / "__main__.py").write_text("raise SystemExit('the program must not run')\n")
    with pytest.raises(AnswersError, match=message):
        record_stack(project, "dev")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("invokes: [1, 2]\n", r"invokes: Input should be a valid dictionary"),
        (
            'invokes:\n  "aws:ec2/getAmi:getAmi":\n    - answer: ami-1\n',
            r'invokes\."aws:ec2/getAmi:getAmi"\[0\]\.answer: Input should be a valid dictionary'
            r".*got 'ami-1'",
        ),
        (
            'invokes:\n  "aws:ec2/getAmi:getAmi":\n    - when: {a: 1}\n',
            r'invokes\."aws:ec2/getAmi:getAmi"\[0\]\.answer: Field required',
        ),
        ("resource:\n  x: {}\n", r"resource: Extra inputs are not permitted"),
        ("resources:\n  db: 5\n", r"resources\.db: Input should be a valid dictionary"),
        ("- just\n- a list\n", r"expected a mapping at the top level"),
        ("invokes: {a: [}\n", r"not valid YAML"),
    ],
)
def test_an_invalid_answers_file_names_the_file_the_key_and_what_is_allowed(
    tmp_path: Path, text: str, message: str
) -> None:
    project = make_project(tmp_path, text)
    (project / "__main__.py").write_text("raise SystemExit('the program must not run')\n")
    with pytest.raises(AnswersError) as raised:
        record_stack(project, "dev")
    assert str(tmp_path / ANSWERS_FILE) in str(raised.value)
    assert raised.match(message)
    if "YAML" not in message:
        assert "allowed: top-level keys 'invokes'" in str(raised.value)


def test_the_missing_answer_error_points_at_this_projects_file(tmp_path: Path) -> None:
    mocks = OfflineMocks.from_config({}, project_root=tmp_path)
    with pytest.raises(LookupError, match=str(tmp_path / ANSWERS_FILE)):
        mocks.call(MockCallArgs("acme:index/getWidget:getWidget", {}, ""))


def test_no_file_and_no_hook_means_no_project_answers(tmp_path: Path) -> None:
    answers = UserAnswers.load(tmp_path, {})
    assert answers.invoke("aws:index/getRegion:getRegion", {}, preview=True) is None
    assert answers.resource("aws:s3/bucket:Bucket", "b", {}, preview=True) == {}


def test_the_readme_example_is_a_valid_answers_file(tmp_path: Path) -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    section = readme[readme.index(f"`{ANSWERS_FILE}` beside `Pulumi.yaml`") :]
    example = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    (tmp_path / ANSWERS_FILE).write_text(example)
    answers = UserAnswers.load(tmp_path, {})
    amazon = answers.invoke("aws:ec2/getAmi:getAmi", {"owners": ["amazon"]}, preview=True)
    assert amazon == {"imageId": "ami-0123456789abcdef0"}
    assert answers.invoke("aws:ec2/getAmi:getAmi", {"owners": ["self"]}, preview=True) is None
    endpoint = answers.resource("aws:rds/instance:Instance", "db", {}, preview=True)
    assert endpoint == {"endpoint": "db.internal:5432"}
