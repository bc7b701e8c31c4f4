"""One failed recording leaves the process as it found it: later recordings see their own."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest
from pulumi.runtime.mocks import MockResourceArgs

from tests.test_cli import run_plan
from thrifty.offline.answers import OfflineMocks
from thrifty.offline.recording import Recording, record_program, record_stack


class RefusingMocks(OfflineMocks):
    """The offline answers, except that registering a resource named ``refused`` fails."""

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        if args.name == "refused":
            raise ValueError("the mock refuses 'refused'")
        return super().new_resource(args)


def good() -> None:
    aws.s3.Bucket("good")


def raises_at_top() -> None:
    aws.s3.Bucket("before-failure")
    raise RuntimeError("boom at the top")


def raises_in_apply() -> None:
    """The case that broke every later recording: an output that fails while others are
    still pending (they stayed in the SDK's process-wide set of outputs to wait for)."""
    pulumi.export("ratio", pulumi.Output.from_input(1).apply(lambda value: value / 0))


def raises_in_resource_apply() -> None:
    bucket = aws.s3.Bucket("with-failing-apply")
    pulumi.export("ratio", bucket.bucket.apply(lambda _: 1 / 0))


def raises_in_nested_apply() -> None:
    bucket = aws.s3.Bucket("outer")
    bucket.bucket.apply(lambda name: aws.s3.Bucket("inner", bucket=str(int(name))))


def registration_fails() -> None:
    aws.s3.Bucket("refused")
    aws.s3.Bucket("accepted")


FAILING: dict[str, tuple[Callable[[], None], type[BaseException]]] = {
    "top": (raises_at_top, RuntimeError),
    "apply": (raises_in_apply, ZeroDivisionError),
    "resource-apply": (raises_in_resource_apply, ZeroDivisionError),
    "nested-apply": (raises_in_nested_apply, ValueError),
    "registration": (registration_fails, ValueError),
}


def record(program: Callable[[], None], preview: bool) -> Recording:
    return record_program(
        program, preview=preview, raise_errors=False, mocks=RefusingMocks(preview=preview)
    )


def assert_good(recording: Recording) -> None:
    assert recording.error is None, repr(recording.error)
    assert [r.name for r in recording] == ["good"]


@pytest.mark.parametrize("preview", [True, False], ids=["preview", "up"])
@pytest.mark.parametrize("failure", sorted(FAILING))
def test_fail_then_good(failure: str, preview: bool) -> None:
    program, error_type = FAILING[failure]
    failed = record(program, preview)
    assert isinstance(failed.error, error_type), repr(failed.error)
    assert_good(record(good, preview))


@pytest.mark.parametrize("failure", sorted(FAILING))
def test_good_fail_good_fail_good(failure: str) -> None:
    program, error_type = FAILING[failure]
    for _ in range(2):
        assert_good(record(good, True))
        assert isinstance(record(program, True).error, error_type)
    assert_good(record(good, True))


def test_every_failure_in_a_row_then_good_in_both_modes() -> None:
    for preview in (True, False, True):
        for program, error_type in FAILING.values():
            assert isinstance(record(program, preview).error, error_type)
    assert_good(record(good, False))
    assert_good(record(good, True))


def test_what_was_registered_before_a_failure_is_kept() -> None:
    assert [r.name for r in record(raises_at_top, True)] == ["before-failure"]
    assert [r.name for r in record(registration_fails, True)] == ["accepted"]


def test_a_failed_run_logs_nothing_about_unobserved_futures(
    caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    """The failure is the program's error, once; asyncio's complaints about the outputs that
    failed with it (dozens of tracebacks) are not shown, as under the Pulumi CLI."""
    caplog.set_level(logging.WARNING, logger="asyncio")
    for program, _ in FAILING.values():
        record(program, True)
    gc.collect()
    assert not [r for r in caplog.records if r.name == "asyncio"]
    assert capfd.readouterr().err == ""


@pytest.fixture
def failing_project(tmp_path: Path) -> Path:
    project = tmp_path / "failing"
    (project / "helpers").mkdir(parents=True)
    (project / "Pulumi.yaml").write_text("name: failing\nruntime: python\n")
    (project / "Pulumi.dev.yaml").write_text("config:\n  aws:region: eu-west-1\n")
    (project / "helpers" / "__init__.py").write_text("")
    (project / "helpers" / "names.py").write_text("PREFIX = 'failing'\n")
    (project / "__main__.py").write_text(
        "import sys\n"
        "import pulumi\n"
        "import pulumi_aws as aws\n"
        "from helpers.names import PREFIX\n"
        "sys.path.append('extra')\n"
        "bucket = aws.s3.Bucket(PREFIX)\n"
        "pulumi.export('broken', bucket.bucket.apply(lambda name: name['no-such-key']))\n"
    )
    return project


def event_loop_of_this_thread() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_event_loop_policy().get_event_loop()
    except RuntimeError:
        return None


@pytest.fixture
def own_event_loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    previous = event_loop_of_this_thread()
    asyncio.set_event_loop(loop)
    yield loop
    asyncio.set_event_loop(previous)
    loop.close()


def test_a_failing_project_leaves_cwd_path_argv_modules_and_loop_as_they_were(
    failing_project: Path, own_event_loop: asyncio.AbstractEventLoop
) -> None:
    policy = asyncio.get_event_loop_policy()
    cwd, path, argv = os.getcwd(), list(sys.path), list(sys.argv)
    modules = set(sys.modules)
    recording = record_stack(failing_project, "dev", raise_errors=False)
    assert isinstance(recording.error, TypeError)
    assert [r.name for r in recording] == ["failing"]
    assert os.getcwd() == cwd
    assert sys.path == path and sys.argv == argv
    assert not {"helpers", "helpers.names"} & set(sys.modules)
    assert not [name for name in set(sys.modules) - modules if name.startswith("helpers")]
    assert asyncio.get_event_loop_policy() is policy
    assert policy.get_event_loop() is own_event_loop and not own_event_loop.is_closed()
    with pytest.raises(TypeError):
        record_stack(failing_project, "dev")
    assert os.getcwd() == cwd and sys.path == path and sys.argv == argv


def test_a_recording_does_not_set_an_event_loop_where_there_was_none() -> None:
    previous = event_loop_of_this_thread()
    asyncio.set_event_loop(None)
    try:
        record_program(good)
        with pytest.raises(RuntimeError):
            asyncio.get_event_loop_policy().get_event_loop()
    finally:
        asyncio.set_event_loop(previous)


def test_thrifty_plan_on_a_failing_program_prints_one_line_and_exits_3(
    failing_project: Path, tmp_path: Path
) -> None:
    result = run_plan(
        "--stack", "dev", "--project-dir", str(failing_project), "--no-policies", cwd=tmp_path
    )
    assert result.returncode == 3, result.stderr
    assert result.stderr.splitlines() == [
        "thrifty plan: the program of stack 'dev' failed: "
        "TypeError: string indices must be integers, not 'str'"
    ]
    assert result.stdout == ""
