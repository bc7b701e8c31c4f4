"""The workload-level off-hours route: the CronJobs' shell scripts, run with a stand-in kubectl
that logs its calls and answers ``get`` from fixtures, scale down what runs (remembering the
replicas), skip what is exempt or already at zero, and restore exactly what they scaled."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from thrifty.cluster.offhours import SCALE_DOWN_SCRIPT, SCALE_UP_SCRIPT
from thrifty.offline.recording import record_stack

ROOT = Path(__file__).resolve().parents[1]
SHELL = shutil.which("sh")

FAKE_KUBECTL = """#!/bin/sh
# Log every call; answer `get <kind> -n <namespace> ...` from $FAKE_DIR/get-<kind>-<namespace>.
printf '%s\\n' "$*" >> "$KUBECTL_LOG"
if [ "$1" = "get" ]; then
  cat "$FAKE_DIR/get-$2-$4" 2>/dev/null || true
fi
"""


def run(script: str, tmp_path: Path, answers: dict[str, str], namespaces: str) -> list[str]:
    """Run ``script`` as the CronJob does (``/bin/sh -c``) and return kubectl's calls."""
    assert SHELL is not None
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    kubectl = bin_dir / "kubectl"
    kubectl.write_text(FAKE_KUBECTL)
    kubectl.chmod(0o755)
    for name, text in answers.items():
        (tmp_path / f"get-{name}").write_text(text)
    log = tmp_path / "calls.log"
    log.write_text("")
    env = {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "NAMESPACES": namespaces,
        "KUBECTL_LOG": str(log),
        "FAKE_DIR": str(tmp_path),
        "HOME": str(tmp_path),
    }
    subprocess.run([SHELL, "-c", script], env=env, check=True, timeout=30)
    return log.read_text().splitlines()


@pytest.mark.skipif(SHELL is None, reason="needs a POSIX shell")
def test_scale_down_remembers_replicas_and_skips_idle_workloads(tmp_path: Path) -> None:
    calls = run(
        SCALE_DOWN_SCRIPT,
        tmp_path,
        {
            "deployment-default": "web 3\nidle 0\n",
            "statefulset-default": "db 1\n",
            "deployment-team-a": "api 2\n",
        },
        "default team-a",
    )
    gets = [call for call in calls if call.startswith("get ")]
    assert len(gets) == 4  # two kinds in two namespaces
    assert all("-l thrifty.io/off-hours!=exempt" in call for call in gets)
    assert all("-o jsonpath={range .items[*]}{.metadata.name} {.spec.replicas}" in c for c in gets)
    changes = [call for call in calls if not call.startswith("get ")]
    assert changes == [
        "annotate deployment/web -n default --overwrite thrifty.io/working-hours-replicas=3",
        "scale deployment/web -n default --replicas=0",
        "annotate statefulset/db -n default --overwrite thrifty.io/working-hours-replicas=1",
        "scale statefulset/db -n default --replicas=0",
        "annotate deployment/api -n team-a --overwrite thrifty.io/working-hours-replicas=2",
        "scale deployment/api -n team-a --replicas=0",
    ]


@pytest.mark.skipif(SHELL is None, reason="needs a POSIX shell")
def test_scale_up_restores_only_what_was_scaled_down(tmp_path: Path) -> None:
    calls = run(
        SCALE_UP_SCRIPT,
        tmp_path,
        # `worker` has no annotation: it was not running at night's start, so it stays as is.
        {"deployment-default": "web 3\nworker \n", "statefulset-default": "db 1\n"},
        "default",
    )
    gets = [call for call in calls if call.startswith("get ")]
    assert all(
        "{.metadata.annotations.thrifty\\.io/working-hours-replicas}" in call for call in gets
    )
    changes = [call for call in calls if not call.startswith("get ")]
    assert changes == [
        "scale deployment/web -n default --replicas=3",
        "annotate deployment/web -n default thrifty.io/working-hours-replicas-",
        "scale statefulset/db -n default --replicas=1",
        "annotate statefulset/db -n default thrifty.io/working-hours-replicas-",
    ]


@pytest.mark.skipif(SHELL is None, reason="needs a POSIX shell")
def test_nothing_to_do_is_not_an_error(tmp_path: Path) -> None:
    assert [c for c in run(SCALE_DOWN_SCRIPT, tmp_path, {}, "default") if "get" not in c] == []


def test_cron_jobs_run_these_scripts_with_least_privilege() -> None:
    recording = record_stack(ROOT, "azure-dev")
    jobs = {
        job.inputs["metadata"]["name"]: job.inputs
        for job in recording.of_type("kubernetes:batch/v1:CronJob")
    }
    scripts = {"off-hours-scale-down": SCALE_DOWN_SCRIPT, "off-hours-scale-up": SCALE_UP_SCRIPT}
    assert set(jobs) == set(scripts)
    for name, job in jobs.items():
        pod = job["spec"]["jobTemplate"]["spec"]["template"]["spec"]
        (container,) = pod["containers"]
        assert container["command"] == ["/bin/sh", "-c", scripts[name]]
        assert {"name": "NAMESPACES", "value": "default"} in container["env"]
        assert container["securityContext"]["allowPrivilegeEscalation"] is False
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert container["resources"]["limits"] and container["resources"]["requests"]
        assert job["spec"]["concurrencyPolicy"] == "Forbid"
    (role,) = recording.of_type("kubernetes:rbac.authorization.k8s.io/v1:ClusterRole")
    verbs = {verb for rule in role.inputs["rules"] for verb in rule["verbs"]}
    assert verbs == {"get", "list", "patch", "update"}  # never create or delete
    resources = {res for rule in role.inputs["rules"] for res in rule["resources"]}
    assert resources == {
        "deployments", "statefulsets", "deployments/scale", "statefulsets/scale"
    }  # fmt: skip
    # A ClusterRole, but bound per namespace: the job cannot touch other namespaces.
    assert not recording.of_type("kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding")


def test_scripts_are_valid_posix_shell() -> None:
    if SHELL is None:
        pytest.skip("needs a POSIX shell")
    for script in (SCALE_DOWN_SCRIPT, SCALE_UP_SCRIPT):
        subprocess.run([SHELL, "-n", "-c", script], check=True, timeout=10)
        assert shlex.split(script)  # balanced quoting
