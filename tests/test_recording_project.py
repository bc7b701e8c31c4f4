"""A project's program runs as the Pulumi CLI runs it: directory, sys.path, argv and config."""

from __future__ import annotations

import json
import os
import sys
import textwrap
from pathlib import Path

import pytest

from thrifty.offline.project import ProjectError, load_project
from thrifty.offline.recording import Recording, record_stack

#: A program that reports where it runs, as stack outputs.
REPORTING_PROGRAM = """\
import os
import sys
import pulumi
import pulumi_aws as aws

with open("www/index.html") as page:
    content = page.read()
bucket = aws.s3.Bucket("site")
# Read again in an apply, which runs after the program's top level has returned.
late = bucket.bucket.apply(lambda _: open("www/index.html").read())
aws.s3.BucketObject("index", bucket="site", content=late)
pulumi.export("cwd", os.getcwd())
pulumi.export("argv", list(sys.argv))
pulumi.export("path0", sys.path[0])
pulumi.export("file", __file__)
pulumi.export("content", content)
"""


def write_project(root: Path, project_yaml: str, files: dict[str, str]) -> Path:
    """A project in ``root``: ``Pulumi.yaml``, a ``dev`` stack and the given files."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "Pulumi.yaml").write_text(textwrap.dedent(project_yaml))
    for name, text in {"Pulumi.dev.yaml": "config: {}\n", **files}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


def recorded_ok(project: Path, stack: str = "dev") -> Recording:
    recording = record_stack(project, stack, raise_errors=False)
    assert recording.error is None, repr(recording.error)
    return recording


def test_a_directory_main_runs_in_that_directory_from_anywhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = write_project(
        tmp_path / "site",
        "name: site\nruntime: python\nmain: infra/\n",
        {"infra/__main__.py": REPORTING_PROGRAM, "infra/www/index.html": "<h1>hi</h1>"},
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    recording = recorded_ok(project)
    infra = str((project / "infra").resolve())
    assert recording.outputs["cwd"] == infra
    assert recording.outputs["argv"] == ["."]
    assert recording.outputs["path0"] == "."
    assert recording.outputs["file"] == os.path.join(infra, "__main__.py")
    assert recording.outputs["content"] == "<h1>hi</h1>"
    (index,) = recording.of_type("aws:s3/bucketObject:BucketObject")
    assert index.inputs["content"] == "<h1>hi</h1>"
    assert os.getcwd() == str(elsewhere)


def test_a_file_main_runs_in_its_directory_with_its_name_as_argv(tmp_path: Path) -> None:
    project = write_project(
        tmp_path / "site",
        "name: site\nruntime: python\nmain: infra/app.py\n",
        {"infra/app.py": REPORTING_PROGRAM, "infra/www/index.html": "<p>file</p>"},
    )
    recording = recorded_ok(project)
    assert recording.outputs["cwd"] == str((project / "infra").resolve())
    assert recording.outputs["argv"] == ["app.py"]
    assert recording.outputs["content"] == "<p>file</p>"
    # run_path adds nothing to sys.path for a file: the program's directory is not on it.
    assert recording.outputs["path0"] != "."


def test_a_file_main_cannot_import_its_neighbours_as_under_pulumi(tmp_path: Path) -> None:
    """pulumi/pulumi#7360: with ``main: infra.py`` sibling imports fail under the CLI too."""
    project = write_project(
        tmp_path / "p",
        "name: p\nruntime: python\nmain: infra.py\n",
        {"infra.py": "import neighbour\n", "neighbour.py": "X = 1\n"},
    )
    recording = record_stack(project, "dev", raise_errors=False)
    assert isinstance(recording.error, ModuleNotFoundError)
    assert "neighbour" in str(recording.error)


def test_no_main_runs_the_root_and_imports_its_modules(tmp_path: Path) -> None:
    project = write_project(
        tmp_path / "root",
        "name: root\nruntime: python\n",
        {
            "__main__.py": "import pulumi\nfrom lib.naming import NAME\npulumi.export('n', NAME)\n",
            "lib/__init__.py": "",
            "lib/naming.py": "NAME = 'from-root'\n",
        },
    )
    assert recorded_ok(project).outputs == {"n": "from-root"}


def test_two_projects_with_a_module_of_the_same_name_each_import_their_own(
    tmp_path: Path,
) -> None:
    program = "import pulumi\nimport naming\npulumi.export('n', naming.NAME)\n"
    first = write_project(
        tmp_path / "first",
        "name: first\nruntime: python\n",
        {"__main__.py": program, "naming.py": "NAME = 'first'\n"},
    )
    second = write_project(
        tmp_path / "second",
        "name: second\nruntime: python\nmain: src\n",
        {"src/__main__.py": program, "src/naming.py": "NAME = 'second'\n"},
    )
    for _ in range(2):
        assert recorded_ok(first).outputs == {"n": "first"}
        assert recorded_ok(second).outputs == {"n": "second"}
    assert "naming" not in sys.modules


def test_paths_a_program_adds_are_removed_with_its_modules(tmp_path: Path) -> None:
    project = write_project(
        tmp_path / "p",
        "name: p\nruntime: python\n",
        {
            "__main__.py": "import sys\nsys.path.insert(0, '../shared')\nimport shared_lib\n",
            "../shared/shared_lib.py": "VALUE = 1\n",
        },
    )
    path = list(sys.path)
    recorded_ok(project)
    assert sys.path == path
    assert "shared_lib" not in sys.modules


@pytest.mark.parametrize(
    ("main", "message"),
    [
        ("missing/", r"project 'main' could not be read: .*missing does not exist"),
        ("empty/", r"unable to find main python program `__main__.py` in .*empty"),
    ],
)
def test_a_main_without_a_program_is_a_project_error(
    tmp_path: Path, main: str, message: str
) -> None:
    project = write_project(tmp_path / "p", f"name: p\nruntime: python\nmain: {main}\n", {})
    (project / "empty").mkdir()
    with pytest.raises(ProjectError, match=message):
        record_stack(project, "dev")


def test_pulumi_yml_and_its_stack_files_are_read(tmp_path: Path) -> None:
    root = tmp_path / "yml"
    root.mkdir()
    (root / "Pulumi.yml").write_text("name: yml\nruntime: python\nstackConfigDir: stacks\n")
    (root / "stacks").mkdir()
    (root / "stacks" / "Pulumi.dev.yml").write_text("config:\n  yml:colour: blue\n")
    (root / "__main__.py").write_text(
        "import pulumi\npulumi.export('colour', pulumi.Config().require('colour'))\n"
    )
    project = load_project(root)
    assert project.stacks() == ["dev"]
    assert recorded_ok(root).outputs == {"colour": "blue"}


def test_a_text_config_is_the_deprecated_stack_config_dir(tmp_path: Path) -> None:
    root = write_project(tmp_path / "p", "name: p\nruntime: python\nconfig: settings\n", {})
    (root / "settings").mkdir()
    (root / "settings" / "Pulumi.prod.yaml").write_text("config:\n  p:size: large\n")
    assert load_project(root).stack_config("prod") == {"p:size": "large"}
    both = write_project(
        tmp_path / "q", "name: q\nruntime: python\nconfig: a\nstackConfigDir: b\n", {}
    )
    with pytest.raises(ProjectError, match="use only 'stackConfigDir'"):
        load_project(both)


PROJECT_CONFIG = """\
name: shop
runtime: python
config:
  greeting: hello
  replicas:
    type: integer
    default: 2
  zones:
    type: array
    items:
      type: string
    default: [a, b]
  flags:
    type: object
    default: {beta: true}
  debug:
    type: boolean
  aws:region: eu-central-1
  gcp:project:
    value: shop-offline
"""


def test_project_defaults_fill_what_the_stack_leaves_out_and_the_stack_wins(
    tmp_path: Path,
) -> None:
    project = write_project(
        tmp_path / "shop",
        PROJECT_CONFIG,
        {"Pulumi.dev.yaml": "config:\n  shop:debug: 'true'\n  replicas: 5\n"},
    )
    assert load_project(project).stack_config("dev") == {
        "shop:debug": "true",
        "shop:replicas": "5",
        "shop:greeting": "hello",
        "shop:zones": json.dumps(["a", "b"]),
        "shop:flags": json.dumps({"beta": True}),
        "aws:region": "eu-central-1",
        "gcp:project": "shop-offline",
    }


def test_a_program_requires_a_value_given_only_in_pulumi_yaml(tmp_path: Path) -> None:
    project = write_project(
        tmp_path / "shop",
        PROJECT_CONFIG,
        {
            "Pulumi.dev.yaml": "config:\n  shop:debug: false\n",
            "__main__.py": """\
                import pulumi
                config = pulumi.Config()
                pulumi.export("greeting", config.require("greeting"))
                pulumi.export("replicas", config.require_int("replicas"))
                pulumi.export("zones", config.require_object("zones"))
                pulumi.export("debug", config.require_bool("debug"))
                pulumi.export("region", pulumi.Config("aws").require("region"))
            """,
        },
    )
    assert recorded_ok(project).outputs == {
        "greeting": "hello",
        "replicas": 2,
        "zones": ["a", "b"],
        "debug": False,
        "region": "eu-central-1",
    }


def test_a_project_key_without_default_must_be_set_by_the_stack(tmp_path: Path) -> None:
    project = write_project(tmp_path / "shop", PROJECT_CONFIG, {})
    with pytest.raises(ProjectError, match=r"Stack 'dev' is missing configuration value 'debug'"):
        load_project(project).stack_config("dev")


@pytest.mark.parametrize(
    ("stack_config", "message"),
    [
        ("  shop:debug: maybe\n", r"key 'debug' must be of type 'boolean' \(got 'maybe'\)"),
        ("  debug: true\n  replicas: 2.5\n", r"'replicas' must be of type 'integer'"),
        ("  debug: true\n  zones: [a, 3]\n", r"'zones' must be of type 'array<string>'"),
        ("  debug: true\n  flags: [1]\n", r"'flags' must be of type 'object'"),
    ],
)
def test_stack_values_are_checked_against_declared_types(
    tmp_path: Path, stack_config: str, message: str
) -> None:
    project = write_project(
        tmp_path / "shop", PROJECT_CONFIG, {"Pulumi.dev.yaml": "config:\n" + stack_config}
    )
    with pytest.raises(ProjectError, match=message):
        load_project(project).stack_config("dev")


def test_a_secret_key_must_be_encrypted_in_the_stack(tmp_path: Path) -> None:
    declared = "name: s\nruntime: python\nconfig:\n  token:\n    type: string\n    secret: true\n"
    plain = write_project(
        tmp_path / "plain", declared, {"Pulumi.dev.yaml": "config:\n  token: x\n"}
    )
    with pytest.raises(ProjectError, match="'token' must be encrypted as it's secret"):
        load_project(plain).stack_config("dev")
    secure = write_project(
        tmp_path / "secure",
        declared,
        {"Pulumi.dev.yaml": "config:\n  token:\n    secure: v1:abc\n"},
    )
    assert load_project(secure).stack_config("dev") == {"s:token": "v1:abc"}
    defaulted = write_project(tmp_path / "defaulted", declared + "    default: plain\n", {})
    with pytest.raises(ProjectError, match="'token' must be encrypted as it's secret"):
        load_project(defaulted).stack_config("dev")


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("  a:\n    default: 1\n    value: 2\n", "config key 'a': cannot have both"),
        ("  a:\n    type: array\n", "config key 'a': declares an array but not the type"),
        ("  a:\n    type: integer\n    default: many\n", r"default 'many' is not of .*'integer'"),
        ("  a:\n    type: list\n", r"type 'list' is not one of \['string'"),
        ("  aws:region:\n    type: string\n", "not namespaced by the project and cannot have"),
        ("  aws:region:\n    default: x\n", "use 'value' instead"),
        ("  aws:region:\n    description: d\n", "'aws:region': is namespaced by another"),
        ("  a:\n    typo: 1\n", r"unknown attribute\(s\) \['typo'\]"),
    ],
)
def test_invalid_project_config_is_a_clear_error(tmp_path: Path, config: str, message: str) -> None:
    project = write_project(tmp_path / "p", "name: p\nruntime: python\nconfig:\n" + config, {})
    with pytest.raises(ProjectError, match=message):
        load_project(project)
