"""Off hours, one mechanism on every cloud (EKS, GKE, AKS).

The CronJobs' scripts run with the real ``kubectl`` against a small fake Kubernetes API server
that enforces the RBAC the component records, so every call the scripts make is proven
allowed and every grant proven used; the role is checked to grant nothing beyond scaling; the
scripts' kubectl commands are also read statically against the same rules; the reference
stacks get the jobs and their memory on every cloud and no Auto Scaling group schedule on
AWS; the estimator counts one night per pool.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import threading
from collections.abc import Callable, Iterator
from copy import deepcopy
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pulumi
import pulumi_kubernetes as k8s
import pytest

from thrifty.cluster.offhours import (
    KINDS,
    MEMORY,
    NAMESPACE,
    SCALE_DOWN_SCRIPT,
    SCALE_UP_SCRIPT,
    SERVICE_ACCOUNT,
    OffHoursScaler,
    OffHoursScalerArgs,
)
from thrifty.cluster.spec import OffHoursSpec
from thrifty.config import validate_environment_config
from thrifty.cost import CostInput, estimate
from thrifty.offline.cost_step import cost_inputs
from thrifty.offline.project import load_project
from thrifty.offline.recording import RecordedResource, Recording, record_program, record_stack
from thrifty.tags import CostTags

ROOT = Path(__file__).resolve().parents[1]
SHELL = shutil.which("sh")
KUBECTL = shutil.which("kubectl")
RBAC = "kubernetes:rbac.authorization.k8s.io/v1"
CRON_JOB = "kubernetes:batch/v1:CronJob"
DEV_STACKS = ("dev", "gcp-dev", "azure-dev")
TAGS = CostTags.model_validate(
    {
        "project": "churn-predictor",
        "environment": "development",
        "team": "ml-team",
        "cost-center": "engineering",
        "owner": "ml-team@company.com",
    }
)
#: kubectl's singular resource names for what the scripts touch: (API group, resource).
RESOURCES = {
    "deployment": ("apps", "deployments"),
    "statefulset": ("apps", "statefulsets"),
    "configmap": ("", "configmaps"),
}
#: A request the static reading cannot pin down: any name, any listed namespace.
ANY = "*"

needs_shell = pytest.mark.skipif(SHELL is None, reason="needs a POSIX shell")
needs_kubectl = pytest.mark.skipif(
    SHELL is None or KUBECTL is None, reason="needs a POSIX shell and kubectl"
)


# --------------------------------------------------------------------------- RBAC


@dataclass(frozen=True)
class Access:
    """One API request as RBAC sees it (``resource`` may be ``<resource>/<subresource>``)."""

    verb: str
    group: str
    resource: str
    name: str = ""


Rules = dict[str, list[dict[str, Any]]]


def rule_allows(rule: dict[str, Any], access: Access) -> bool:
    """Kubernetes RBAC's rule match (``pkg/apis/rbac/v1/evaluation_helpers.go``)."""

    def has(field: str, value: str) -> bool:
        return value in rule.get(field, []) or "*" in rule.get(field, [])

    names = rule.get("resourceNames") or []
    return (
        has("verbs", access.verb)
        and has("apiGroups", access.group)
        and has("resources", access.resource)
        and (not names or (access.name != ANY and access.name in names))
    )


def allowed(rules: Rules, namespace: str, access: Access) -> bool:
    return any(rule_allows(rule, access) for rule in rules.get(namespace, []))


def granted(recording: Recording) -> Rules:
    """The rules the job's service account holds, per namespace, from the recorded RBAC."""
    roles = {
        (r.inputs["metadata"].get("namespace", ""), r.inputs["metadata"]["name"]): r.inputs
        for r in [*recording.of_type(f"{RBAC}:Role"), *recording.of_type(f"{RBAC}:ClusterRole")]
    }
    account = {"kind": "ServiceAccount", "name": SERVICE_ACCOUNT, "namespace": NAMESPACE}
    rules: Rules = {}
    assert not recording.of_type(f"{RBAC}:ClusterRoleBinding")  # nothing cluster-wide
    for binding in recording.of_type(f"{RBAC}:RoleBinding"):
        if account not in binding.inputs["subjects"]:
            continue
        namespace = binding.inputs["metadata"]["namespace"]
        ref = binding.inputs["roleRef"]
        role = roles[("" if ref["kind"] == "ClusterRole" else namespace, ref["name"])]
        rules.setdefault(namespace, []).extend(role["rules"])
    return rules


def grants(rules: Rules) -> set[tuple[str, Access]]:
    """Every (namespace kind, access) a set of rules allows, one verb / resource / name each.

    Namespaces are ``job`` (the job's own) or ``target`` (one of the listed namespaces, which
    must all hold the same rules)."""
    per_target = {
        json.dumps(found, sort_keys=True) for ns, found in rules.items() if ns != NAMESPACE
    }
    assert len(per_target) == 1, "every listed namespace holds the same rules"
    atoms = set()
    for where, found in (("job", rules[NAMESPACE]), ("target", json.loads(per_target.pop()))):
        for rule in found:
            for group in rule["apiGroups"]:
                for resource in rule["resources"]:
                    for verb in rule["verbs"]:
                        for name in rule.get("resourceNames") or [ANY]:
                            atoms.add((where, Access(verb, group, resource, name)))
    return atoms


def scaler_recording(namespaces: list[str]) -> Recording:
    """The OffHoursScaler alone, for ``namespaces``, recorded under the mock engine."""

    def program() -> None:
        provider = k8s.Provider("k8s", kubeconfig="apiVersion: v1")
        hours = OffHoursSpec(
            time_zone="Europe/Berlin", start="08:00", end="18:00", namespaces=namespaces
        )
        OffHoursScaler("off", OffHoursScalerArgs(tags=TAGS, off_hours=hours), provider=provider)

    return record_program(program)


# --------------------------------------------------------------------------- fake API server

_DISCOVERY: dict[str, Any] = {
    "/version": {"major": "1", "minor": "32", "gitVersion": "v1.32.0"},
    "/api": {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": []},
    "/apis": {
        "kind": "APIGroupList",
        "apiVersion": "v1",
        "groups": [
            {
                "name": "apps",
                "versions": [{"groupVersion": "apps/v1", "version": "v1"}],
                "preferredVersion": {"groupVersion": "apps/v1", "version": "v1"},
            }
        ],
    },
    "/api/v1": {
        "kind": "APIResourceList",
        "groupVersion": "v1",
        "resources": [
            {
                "name": "configmaps",
                "singularName": "configmap",
                "namespaced": True,
                "kind": "ConfigMap",
                "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"],
                "shortNames": ["cm"],
            }
        ],
    },
    "/apis/apps/v1": {
        "kind": "APIResourceList",
        "groupVersion": "apps/v1",
        "resources": [
            entry
            for plural, kind in (("deployments", "Deployment"), ("statefulsets", "StatefulSet"))
            for entry in (
                {
                    "name": plural,
                    "singularName": kind.lower(),
                    "namespaced": True,
                    "kind": kind,
                    "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"],
                },
                {
                    "name": f"{plural}/scale",
                    "singularName": "",
                    "namespaced": True,
                    "group": "autoscaling",
                    "version": "v1",
                    "kind": "Scale",
                    "verbs": ["get", "patch", "update"],
                },
            )
        ],
    },
}
_VERBS = {"PUT": "update", "PATCH": "patch", "POST": "create", "DELETE": "delete"}
_CONFIGMAP_KEY = re.compile(r"[-._a-zA-Z0-9]{1,253}")


def _status(code: int, reason: str, message: str) -> dict[str, Any]:
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch (``null`` removes a key)."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


class FakeApiServer:
    """Just enough of the Kubernetes API for the scripts: discovery, Deployments and
    StatefulSets (list with a label selector, get, the scale subresource with resourceVersion
    preconditions), ConfigMaps (get, merge patch). Every namespaced request is authorized
    against ``rules`` first (403 otherwise) and logged."""

    def __init__(self, rules: Rules) -> None:
        self.rules = rules
        self.objects: dict[tuple[str, str, str], dict[str, Any]] = {}
        self.log: list[tuple[str, Access, bool]] = []
        self.after_list: Callable[[], None] | None = None
        self._version = 0
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length)) if length else None
                with server._lock:
                    code, answer = server.handle(self.command, self.path, body)
                data = json.dumps(answer).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_PUT = do_PATCH = do_POST = do_DELETE = _serve

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> FakeApiServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def kubeconfig(self, path: Path) -> Path:
        host, port = self.httpd.server_address[:2]
        cluster = {"name": "fake", "cluster": {"server": f"http://{host!s}:{port}"}}
        config = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [cluster],
            "users": [{"name": "off-hours", "user": {}}],
            "contexts": [{"name": "fake", "context": {"cluster": "fake", "user": "off-hours"}}],
            "current-context": "fake",
        }
        path.write_text(json.dumps(config))
        return path

    # state ---------------------------------------------------------------------------------

    def _next_version(self) -> str:
        self._version += 1
        return str(self._version)

    def add(self, kind: str, namespace: str, name: str, replicas: int, **labels: str) -> None:
        resource = RESOURCES[kind][1]
        self.objects[(resource, namespace, name)] = {
            "apiVersion": "apps/v1",
            "kind": {"deployment": "Deployment", "statefulset": "StatefulSet"}[kind],
            "metadata": {
                "name": name,
                "namespace": namespace,
                "labels": labels,
                "resourceVersion": self._next_version(),
            },
            "spec": {"replicas": replicas},
        }

    def add_memory(self, data: dict[str, str] | None = None) -> None:
        self.objects[("configmaps", NAMESPACE, MEMORY)] = {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": MEMORY, "namespace": NAMESPACE, "resourceVersion": "1"},
            **({"data": dict(data)} if data else {}),
        }

    def replicas(self) -> dict[str, int]:
        return {
            f"{ns}/{resource}/{name}": obj["spec"]["replicas"]
            for (resource, ns, name), obj in sorted(self.objects.items())
            if resource != "configmaps"
        }

    def set_replicas(self, kind: str, namespace: str, name: str, replicas: int) -> None:
        obj = self.objects[(RESOURCES[kind][1], namespace, name)]
        obj["spec"]["replicas"] = replicas
        obj["metadata"]["resourceVersion"] = self._next_version()

    def memory(self) -> dict[str, str]:
        data: dict[str, str] = self.objects[("configmaps", NAMESPACE, MEMORY)].get("data", {})
        return data

    # API -----------------------------------------------------------------------------------

    def handle(self, method: str, raw: str, body: Any) -> tuple[int, Any]:
        url = urlsplit(raw)
        if url.path in _DISCOVERY:
            return 200, _DISCOVERY[url.path]
        parts = url.path.strip("/").split("/")
        group, rest = ("", parts[2:]) if parts[0] == "api" else (parts[1], parts[3:])
        if len(rest) < 3 or rest[0] != "namespaces":
            return 404, _status(404, "NotFound", f"no route {url.path}")
        namespace, resource, name = rest[1], rest[2], (rest[3] if len(rest) > 3 else "")
        subresource = rest[4] if len(rest) > 4 else ""
        verb = _VERBS.get(method) or ("get" if name else "list")
        access = Access(verb, group, f"{resource}/{subresource}" if subresource else resource, name)
        ok = allowed(self.rules, namespace, access)
        self.log.append((namespace, access, ok))
        if not ok:
            what = f"{access.resource}.{group}" if group else access.resource
            return 403, _status(403, "Forbidden", f"{what} {name!r} is forbidden ({verb})")
        if verb == "list":
            return 200, self._list(resource, namespace, parse_qs(url.query))
        obj = self.objects.get((resource, namespace, name))
        if obj is None:
            return 404, _status(404, "NotFound", f'{resource}.{group} "{name}" not found')
        if subresource == "scale":
            return self._scale(obj, verb, body)
        if verb == "get" and not subresource:
            return 200, obj
        if (resource, verb) == ("configmaps", "patch"):
            data = merge_patch(obj, body).get("data") or {}
            bad = [key for key in data if not _CONFIGMAP_KEY.fullmatch(key)]
            if bad:
                return 422, _status(422, "Invalid", f"invalid ConfigMap keys {bad}")
            obj["data"] = data
            obj["metadata"]["resourceVersion"] = self._next_version()
            return 200, obj
        return 405, _status(405, "MethodNotAllowed", f"{method} {url.path} is not served here")

    def _list(self, resource: str, namespace: str, query: dict[str, list[str]]) -> Any:
        selector = query.get("labelSelector", [""])[0]
        terms = [term.split("!=", 1) for term in selector.split(",") if term]
        assert all(len(term) == 2 for term in terms), f"unsupported selector {selector!r}"
        items = [
            obj
            for (kind, ns, _), obj in sorted(self.objects.items())
            if (kind, ns) == (resource, namespace)
            and all(obj["metadata"]["labels"].get(key) != value for key, value in terms)
        ]
        answer = {"apiVersion": "v1", "kind": "List", "metadata": {}, "items": deepcopy(items)}
        if self.after_list is not None:
            self.after_list()
        return answer

    def _scale(self, obj: dict[str, Any], verb: str, body: Any) -> tuple[int, Any]:
        meta = obj["metadata"]
        if verb == "update":
            expected = body["metadata"].get("resourceVersion")
            if expected and expected != meta["resourceVersion"]:
                return 409, _status(409, "Conflict", "the object has been modified")
            # autoscaling/v1 ScaleSpec.replicas is omitempty: 0 arrives as a missing key.
            obj["spec"]["replicas"] = body.get("spec", {}).get("replicas", 0)
            meta["resourceVersion"] = self._next_version()
        elif verb != "get":
            return 405, _status(405, "MethodNotAllowed", f"{verb} on scale is not served here")
        scale = {
            "apiVersion": "autoscaling/v1",
            "kind": "Scale",
            "metadata": {k: meta[k] for k in ("name", "namespace", "resourceVersion")},
            "spec": {"replicas": obj["spec"]["replicas"]},
            "status": {"replicas": obj["spec"]["replicas"]},
        }
        return 200, scale


@pytest.fixture(scope="module")
def team_rules() -> Rules:
    """The recorded component's RBAC for the namespaces the scenarios use."""
    return granted(scaler_recording(["default", "team-a"]))


@pytest.fixture
def api(team_rules: Rules) -> Iterator[FakeApiServer]:
    with FakeApiServer(team_rules) as server:
        server.add_memory()
        yield server


def run(script: str, api: FakeApiServer, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """Run ``script`` as the CronJob does (``/bin/sh -c``) with kubectl pointed at ``api``."""
    assert SHELL is not None
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "KUBECONFIG": str(api.kubeconfig(tmp_path / "kubeconfig")),
        "NAMESPACES": "default team-a",
    }
    return subprocess.run(
        [SHELL, "-c", script], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def populate(api: FakeApiServer) -> dict[str, int]:
    api.add("deployment", "default", "web", 3)
    api.add("deployment", "default", "idle", 0)
    api.add("deployment", "default", "keep", 2, **{"thrifty.io/off-hours": "exempt"})
    api.add("statefulset", "default", "db", 1)
    api.add("deployment", "team-a", "api", 2)
    api.add("deployment", "other", "stranger", 4)  # not a listed namespace
    return api.replicas()


# --------------------------------------------------------------------------- the scripts, run


@needs_kubectl
def test_scale_down_twice_then_up_restores_exactly_what_ran(
    api: FakeApiServer, tmp_path: Path
) -> None:
    day = populate(api)
    first = run(SCALE_DOWN_SCRIPT, api, tmp_path)
    assert first.returncode == 0, first.stderr
    scaled = ("default/deployments/web", "default/statefulsets/db", "team-a/deployments/api")
    night = {**day, **dict.fromkeys(scaled, 0)}
    assert api.replicas() == night  # idle, exempt and unlisted workloads untouched
    remembered = {
        "default.deployment.web": "3",
        "default.statefulset.db": "1",
        "team-a.deployment.api": "2",
    }
    assert api.memory() == remembered
    second = run(SCALE_DOWN_SCRIPT, api, tmp_path)
    assert second.returncode == 0, second.stderr
    assert api.memory() == remembered  # a repeat never overwrites the counts with zeros
    assert api.replicas() == night
    morning = run(SCALE_UP_SCRIPT, api, tmp_path)
    assert morning.returncode == 0, morning.stderr
    assert api.replicas() == day
    assert api.memory() == {}
    again = run(SCALE_UP_SCRIPT, api, tmp_path)
    assert again.returncode == 0, again.stderr
    assert api.replicas() == day
    # Every request was allowed by the recorded RBAC and none left the listed namespaces.
    assert all(ok for _, _, ok in api.log), [entry for entry in api.log if not entry[2]]
    assert {ns for ns, _, _ in api.log} == {"default", "team-a", NAMESPACE}
    # ... and every grant was used: the role holds nothing the scripts do not need.
    used = {("job" if ns == NAMESPACE else "target", access) for ns, access, _ in api.log}
    assert {(where, generic(access)) for where, access in used} == grants(api.rules)


def generic(access: Access) -> Access:
    """``access`` as a grant covers it: a workload's name is any name, the memory's is its."""
    name = MEMORY if access.name == MEMORY else ANY
    return Access(access.verb, access.group, access.resource, name)


@needs_kubectl
def test_a_count_that_changes_meanwhile_is_not_lost(api: FakeApiServer, tmp_path: Path) -> None:
    api.add("deployment", "default", "web", 3)
    # An autoscaler grows `web` right after the job listed it (at 3).
    api.after_list = lambda: api.set_replicas("deployment", "default", "web", 4)
    failed = run(SCALE_DOWN_SCRIPT, api, tmp_path)
    assert failed.returncode != 0
    assert "Expected replicas to be 3, was 4" in failed.stderr  # kubectl's precondition
    assert api.replicas() == {"default/deployments/web": 4}  # still running, not at 0
    api.after_list = None
    retry = run(SCALE_DOWN_SCRIPT, api, tmp_path)  # the Job's retry
    assert retry.returncode == 0, retry.stderr
    assert api.memory() == {"default.deployment.web": "4"}
    assert api.replicas() == {"default/deployments/web": 0}
    assert run(SCALE_UP_SCRIPT, api, tmp_path).returncode == 0
    assert api.replicas() == {"default/deployments/web": 4}


@needs_kubectl
def test_scale_up_leaves_what_changed_overnight_and_forgets_it(
    api: FakeApiServer, tmp_path: Path
) -> None:
    populate(api)
    assert run(SCALE_DOWN_SCRIPT, api, tmp_path).returncode == 0
    api.set_replicas("deployment", "team-a", "api", 1)  # someone needed it at night
    del api.objects[("deployments", "default", "web")]  # deleted at night
    morning = run(SCALE_UP_SCRIPT, api, tmp_path)
    assert morning.returncode == 0, morning.stderr
    assert api.replicas()["team-a/deployments/api"] == 1
    assert api.replicas()["default/statefulsets/db"] == 1
    assert "deployment/api in team-a is at 1, not 0: left as it is" in morning.stdout
    assert "deployment/web in default is at nothing (gone)" in morning.stdout
    assert api.memory() == {}


@needs_kubectl
def test_what_cannot_be_restored_stays_remembered_and_fails_the_job(
    api: FakeApiServer, tmp_path: Path
) -> None:
    api.add("deployment", "default", "web", 0)
    api.add("deployment", "other", "stranger", 0)  # a namespace the job may not touch
    entries = {
        "default.deployment.web": "2",
        "other.deployment.stranger": "4",
        "default.secret.token": "1",  # not a workload kind: never asked for
    }
    api.add_memory(entries)
    morning = run(SCALE_UP_SCRIPT, api, tmp_path)
    assert morning.returncode != 0
    assert "unknown entry default.secret.token" in morning.stderr
    assert api.replicas() == {"default/deployments/web": 2, "other/deployments/stranger": 0}
    assert api.memory() == {k: v for k, v in entries.items() if k != "default.deployment.web"}
    assert not [access for _, access, _ in api.log if "secret" in access.resource]


@needs_kubectl
def test_nothing_to_do_is_not_an_error(api: FakeApiServer, tmp_path: Path) -> None:
    for script in (SCALE_DOWN_SCRIPT, SCALE_UP_SCRIPT):
        result = run(script, api, tmp_path)
        assert result.returncode == 0, result.stderr
    assert [access.verb for _, access, _ in api.log] == ["list"] * 4 + ["get"]


@needs_shell
def test_scripts_are_valid_posix_shell() -> None:
    assert SHELL is not None
    for script in (SCALE_DOWN_SCRIPT, SCALE_UP_SCRIPT):
        subprocess.run([SHELL, "-n", "-c", script], check=True, timeout=10)
        assert "pipefail" not in script and "[[" not in script  # POSIX sh, busybox included


# --------------------------------------------------------------------------- static reading


def kubectl_commands(script: str) -> list[list[str]]:
    """Every kubectl command line in ``script`` (continuations joined), as argv."""
    text = script.replace("\\\n", " ")
    commands = []
    for found in re.finditer(r"\bkubectl ", text):
        lexer = shlex.shlex(text[found.start() :], posix=True, punctuation_chars="();<>|&\n")
        lexer.whitespace = " \t"
        lexer.whitespace_split = True
        lexer.commenters = ""
        argv = []
        for token in lexer:
            if set(token) <= set("();<>|&\n"):
                break
            argv.append(token)
        commands.append(argv)
    return commands


def requests_of(argv: list[str]) -> list[tuple[str, Access]]:
    """The API requests kubectl makes for ``argv``, as (namespace kind, access).

    From kubectl's source: ``get`` with a name GETs it, without one LISTs; ``patch`` and
    ``scale`` build their objects with cli-runtime's resource builder, which GETs each named
    object first (``requireObject`` defaults to true: ``RetrieveLazy``); ``scale`` with
    ``--current-replicas`` GETs and PUTs the scale subresource, without it PATCHes it
    (``pkg/scale/scale.go``, ``ScaleSimple``)."""
    assert argv[0] == "kubectl"
    command, args = argv[1], argv[2:]
    positional: list[str] = []
    flags: dict[str, str] = {}
    index = 0
    while index < len(args):
        arg = args[index]
        if arg in ("-n", "-l", "-o", "-p"):
            flags[arg], index = args[index + 1], index + 2
            continue
        if arg.startswith("--"):
            key, _, value = arg.partition("=")
            flags[key] = value
        else:
            positional.append(arg)
        index += 1
    if len(positional) == 1 and "/" in positional[0]:
        positional = positional[0].split("/", 1)
    kind, name = positional[0], (positional[1] if len(positional) > 1 else "")
    where = "job" if flags["-n"] == NAMESPACE else "target"
    assert where == "job" or flags["-n"] == "$ns", argv
    name = ANY if name.startswith("$") else name
    found: list[tuple[str, Access]] = []
    for each in KINDS if kind == "$kind" else (kind,):
        group, resource = RESOURCES[each]
        if command == "get":
            found.append((where, Access("get" if name else "list", group, resource, name)))
        elif command == "patch":
            found += [(where, Access(v, group, resource, name)) for v in ("get", "patch")]
        elif command == "scale":
            found.append((where, Access("get", group, resource, name)))
            verbs = ("get", "update") if "--current-replicas" in flags else ("patch",)
            found += [(where, Access(v, group, f"{resource}/scale", name)) for v in verbs]
        else:
            raise AssertionError(f"no known API requests for kubectl {command}")
    return found


def test_static_kubectl_calls_match_the_rbac_both_ways(team_rules: Rules) -> None:
    commands = [c for s in (SCALE_DOWN_SCRIPT, SCALE_UP_SCRIPT) for c in kubectl_commands(s)]
    assert len(commands) == 7
    wanted = {request for argv in commands for request in requests_of(argv)}
    for where, access in wanted:
        namespace = NAMESPACE if where == "job" else "team-a"
        assert allowed(team_rules, namespace, access), (where, access)
    assert {(where, generic(access)) for where, access in wanted} == grants(team_rules)


@needs_kubectl
def test_the_static_reading_predicts_kubectl(api: FakeApiServer, tmp_path: Path) -> None:
    """The request table in :func:`requests_of` is what kubectl really sends."""
    populate(api)
    for script in (SCALE_DOWN_SCRIPT, SCALE_UP_SCRIPT):
        assert run(script, api, tmp_path).returncode == 0
    seen = {("job" if ns == NAMESPACE else "target", generic(a)) for ns, a, _ in api.log}
    commands = [c for s in (SCALE_DOWN_SCRIPT, SCALE_UP_SCRIPT) for c in kubectl_commands(s)]
    predicted = {(w, generic(a)) for argv in commands for w, a in requests_of(argv)}
    assert seen == predicted


# --------------------------------------------------------------------------- the role


FORBIDDEN_VERBS = {"create", "delete", "deletecollection", "escalate", "bind", "impersonate"}
SCALE_SUBRESOURCES = {"deployments/scale", "statefulsets/scale"}
WORKLOADS = {"deployments", "statefulsets"}


def assert_only_scaling(recording: Recording, namespaces: list[str]) -> None:
    roles = [*recording.of_type(f"{RBAC}:Role"), *recording.of_type(f"{RBAC}:ClusterRole")]
    off_hours = [r for r in roles if r.inputs["metadata"]["name"].startswith("thrifty-off-hours")]
    assert len(off_hours) == 2
    for role in off_hours:
        for rule in role.inputs["rules"]:
            verbs, resources = set(rule["verbs"]), set(rule["resources"])
            assert "*" not in verbs | resources | set(rule["apiGroups"]), rule
            assert not verbs & FORBIDDEN_VERBS, rule
            assert not rule.get("nonResourceURLs"), rule
            assert "secrets" not in resources, rule
            assert resources <= WORKLOADS | SCALE_SUBRESOURCES | {"configmaps"}, rule
            if resources & WORKLOADS:  # the workloads themselves: read only
                assert verbs <= {"get", "list"}, rule
            if resources & SCALE_SUBRESOURCES:
                assert verbs <= {"get", "update", "patch"}, rule
            if "configmaps" in resources:  # only the memory, in the job's own namespace
                assert rule.get("resourceNames") == [MEMORY], rule
                assert role.inputs["metadata"].get("namespace") == NAMESPACE, rule
                assert verbs <= {"get", "update", "patch"}, rule
    assert not recording.of_type(f"{RBAC}:ClusterRoleBinding")
    bindings = [
        b for b in recording.of_type(f"{RBAC}:RoleBinding")
        if b.inputs["roleRef"]["name"].startswith("thrifty-off-hours")
    ]  # fmt: skip
    assert {b.inputs["metadata"]["namespace"] for b in bindings} == {*namespaces, NAMESPACE}
    for binding in bindings:
        account = {"kind": "ServiceAccount", "name": SERVICE_ACCOUNT, "namespace": NAMESPACE}
        assert binding.inputs["subjects"] == [account]


def test_the_role_grants_nothing_beyond_scaling() -> None:
    assert_only_scaling(scaler_recording(["default", "team-a"]), ["default", "team-a"])


# --------------------------------------------------------------------------- binding order

OWNED = ["team-a"]


def owned_recording(bind: Callable[[OffHoursScaler, k8s.core.v1.Namespace], None]) -> Recording:
    """A scaler over ``default`` and ``team-a``, which the program creates after it (owned)."""

    def program() -> None:
        provider = k8s.Provider("k8s", kubeconfig="apiVersion: v1")
        hours = OffHoursSpec(
            time_zone="Europe/Berlin", start="08:00", end="18:00", namespaces=["default", *OWNED]
        )
        args = OffHoursScalerArgs(tags=TAGS, off_hours=hours, owned_namespaces=OWNED)
        scaler = OffHoursScaler("off", args, provider=provider)
        assert scaler.unbound == ("team-a",) and set(scaler.bindings) == {"default"}
        namespace = k8s.core.v1.Namespace(
            "team-a", metadata={"name": "team-a"}, opts=pulumi.ResourceOptions(provider=provider)
        )
        bind(scaler, namespace)

    return record_program(program, raise_errors=False)


def binding_in(recording: Recording, namespace: str) -> RecordedResource:
    (binding,) = [
        b for b in recording.of_type(f"{RBAC}:RoleBinding")
        if b.inputs["metadata"]["namespace"] == namespace
    ]  # fmt: skip
    return binding


def test_an_owned_namespace_is_bound_after_it_exists() -> None:
    recording = owned_recording(lambda scaler, namespace: scaler.bind("team-a", after=[namespace]))
    assert recording.error is None
    (namespace,) = [
        n for n in recording.of_type("kubernetes:core/v1:Namespace") if n.name == "team-a"
    ]  # fmt: skip
    (scaler,) = recording.of_type("thrifty:cluster:OffHoursScaler")
    (role,) = recording.of_type(f"{RBAC}:ClusterRole")
    late, early = binding_in(recording, "team-a"), binding_in(recording, "default")
    assert {namespace.urn, role.urn} <= set(late.dependencies)
    assert namespace.urn not in early.dependencies
    # The same binding as one made with the scaler: same parent, name and role.
    assert late.parent == early.parent == scaler.urn
    assert late.name == "off-team-a"
    assert late.inputs["roleRef"] == early.inputs["roleRef"]
    assert late.inputs["subjects"] == early.inputs["subjects"]
    assert_only_scaling(recording, ["default", *OWNED])


@pytest.mark.parametrize(
    ("bind", "message"),
    [
        (
            lambda scaler, namespace: scaler.bind("web", after=[namespace]),
            "namespace 'web' is not one of offHours.namespaces (default, team-a); "
            "the off-hours job scales only those",
        ),
        (
            lambda scaler, namespace: scaler.bind("default"),
            "the off-hours job is already bound in namespace 'default'",
        ),
    ],
)
def test_bind_refuses_a_namespace_it_does_not_scale_or_has_bound(
    bind: Callable[[OffHoursScaler, k8s.core.v1.Namespace], None], message: str
) -> None:
    recording = owned_recording(bind)
    assert isinstance(recording.error, ValueError)
    assert str(recording.error) == message


def dev_platform(owned: bool) -> Recording:
    """The dev stack's cluster and workloads, the cluster told (or not) which namespaces the
    program creates."""
    config = validate_environment_config(load_project(ROOT).stack_config("dev"), stack="dev")
    assert config.cluster is not None and config.off_hours is not None

    def program() -> None:
        from thrifty.cluster.aws import EksCluster, EksClusterArgs
        from thrifty.foundation.aws import AwsFoundation
        from thrifty.foundation.spec import FoundationArgs
        from thrifty.workload.factory import create_workloads

        tags = config.cost_tags()
        foundation = AwsFoundation("platform", FoundationArgs(tags=tags, region=config.region))
        cluster = EksCluster(
            "cluster",
            EksClusterArgs(
                tags=tags,
                cluster=config.cluster,
                caps=config.caps,
                off_hours=config.off_hours,
                region=config.region,
                owned_namespaces=list(config.namespaces) if owned else [],
            ),
            provider=foundation.provider,
        )
        create_workloads(config.workloads, config.namespaces, tags=tags, cluster=cluster)

    return record_program(program, stack="dev")


def test_create_workloads_binds_its_namespaces_after_creating_them() -> None:
    recording = dev_platform(owned=True)
    (guardrails,) = recording.of_type("thrifty:workload:NamespaceGuardrails")
    (namespace,) = [
        n for n in recording.of_type("kubernetes:core/v1:Namespace")
        if n.parent == guardrails.urn
    ]  # fmt: skip
    binding = binding_in(recording, "ml")
    assert namespace.urn in binding.dependencies
    (scaler,) = recording.of_type("thrifty:cluster:OffHoursScaler")
    assert binding.parent == scaler.urn
    assert not [m for m in recording.messages if m.severity == "warning"]


def test_a_namespace_the_cluster_bound_itself_is_a_warning() -> None:
    recording = dev_platform(owned=False)
    binding = binding_in(recording, "ml")
    namespaces = {n.urn for n in recording.of_type("kubernetes:core/v1:Namespace")}
    assert not namespaces & set(binding.dependencies)  # the race create_workloads warns of
    (warning,) = [m.message for m in recording.messages if m.severity == "warning"]
    assert "namespace 'ml' itself" in warning and "owned_namespaces" in warning


# --------------------------------------------------------------------------- reference stacks


@pytest.fixture(scope="module")
def dev_stacks() -> dict[str, Recording]:
    return {stack: record_stack(ROOT, stack) for stack in DEV_STACKS}


@pytest.mark.parametrize("stack", DEV_STACKS)
def test_every_cloud_runs_the_same_jobs(stack: str, dev_stacks: dict[str, Recording]) -> None:
    recording = dev_stacks[stack]
    config = validate_environment_config(load_project(ROOT).stack_config(stack), stack=stack)
    hours = config.off_hours
    assert hours is not None
    jobs = {job.inputs["metadata"]["name"]: job for job in recording.of_type(CRON_JOB)}
    scripts = {"off-hours-scale-down": SCALE_DOWN_SCRIPT, "off-hours-scale-up": SCALE_UP_SCRIPT}
    assert set(jobs) == set(scripts)
    (memory,) = [
        c for c in recording.of_type("kubernetes:core/v1:ConfigMap")
        if c.inputs["metadata"]["name"] == MEMORY
    ]  # fmt: skip
    assert memory.inputs["metadata"]["namespace"] == NAMESPACE
    assert "data" not in memory.inputs and memory.ignore_changes == ("data",)
    bindings = recording.of_type(f"{RBAC}:RoleBinding")
    namespaces = {n.urn for n in recording.of_type("kubernetes:core/v1:Namespace")}
    # Bound with the jobs, or (a namespace the program creates) after that namespace exists.
    bound_first = {b.urn for b in bindings if not namespaces & set(b.dependencies)}
    assert {b.inputs["metadata"]["namespace"] for b in bindings} == {*hours.namespaces, NAMESPACE}
    for name, job in jobs.items():
        spec = job.inputs["spec"]
        assert spec["timeZone"] == hours.time_zone and spec["concurrencyPolicy"] == "Forbid"
        pod = spec["jobTemplate"]["spec"]["template"]["spec"]
        (container,) = pod["containers"]
        assert container["command"] == ["/bin/sh", "-c", scripts[name]]
        assert {"name": "NAMESPACES", "value": " ".join(hours.namespaces)} in container["env"]
        assert pod["nodeSelector"] == {"thrifty.io/role": "system"}
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert container["securityContext"]["allowPrivilegeEscalation"] is False
        # The job starts only once its memory and its permissions exist.
        assert {memory.urn, *bound_first} <= set(job.dependencies)
    assert_only_scaling(recording, list(hours.namespaces))


def test_eks_has_no_auto_scaling_schedule_to_drift(dev_stacks: dict[str, Recording]) -> None:
    """Issue 12 item 11 is moot: nothing but the autoscaler resizes an EKS node group now."""
    recording = dev_stacks["dev"]
    assert not recording.of_type("aws:autoscaling/schedule:Schedule")
    groups = recording.of_type("aws:eks/nodeGroup:NodeGroup")
    assert groups
    for group in groups:
        assert group.ignore_changes == ("scalingConfig.desiredSize",)


# --------------------------------------------------------------------------- the estimate


def test_the_jobs_set_the_night_of_every_eks_pool(dev_stacks: dict[str, Recording]) -> None:
    result = estimate(cost_inputs(dev_stacks["dev"]))
    pools = [item for item in result.items if item.type == "aws:eks/nodeGroup:NodeGroup"]
    assert {item.name for item in pools} == {"cluster-system", "cluster-spot"}
    for item in pools:
        assert item.reason.startswith("off-hours jobs ('0 18 * * 1,2,3,4,5' down"), item.reason
    (down,) = [item for item in result.items if item.name == "cluster-off-hours-scale-down"]
    assert down.reason.endswith("applied to cluster-spot's and cluster-system's baselines")


def _res(type_: str, name: str, props: dict[str, Any], parent: str = "") -> CostInput:
    return CostInput(
        type=type_, name=name, urn=f"urn:pulumi:t::p::{type_}::{name}", props=props, parent=parent
    )


def test_two_mechanisms_on_one_pool_count_one_night() -> None:
    cluster = _res("thrifty:cluster:EksCluster", "cluster", {})
    group = _res(
        "aws:eks/nodeGroup:NodeGroup",
        "workers",
        {
            "nodeGroupName": "workers",
            "scalingConfig": {"minSize": 1, "maxSize": 4, "desiredSize": 1},
            "instanceTypes": ["m5.large"],
            "diskSize": 20,
        },
        parent=cluster.urn,
    )
    actions = [
        _res(
            "aws:autoscaling/schedule:Schedule",
            f"workers-{action}",
            {
                "autoscalingGroupName": "eks-workers-1234",
                "recurrence": cron,
                "minSize": size,
                "maxSize": top,
                "desiredCapacity": size,
            },
            parent=cluster.urn,
        )
        for action, cron, size, top in (("down", "0 18 * * 1-5", 0, 0), ("up", "0 8 * * 1-5", 1, 4))
    ]
    jobs = [
        _res(
            CRON_JOB,
            f"off-{action}",
            {
                "metadata": {
                    "name": f"off-hours-scale-{action}",
                    "labels": {"app.kubernetes.io/managed-by": "thrifty"},
                },
                "spec": {"schedule": cron},
            },
            parent=cluster.urn,
        )
        for action, cron in (("down", "0 18 * * 1-5"), ("up", "0 8 * * 1-5"))
    ]
    both = estimate([cluster, group, *actions, *jobs])
    alone = estimate([cluster, group, *actions])
    item = both.item(group.urn)
    assert item.baseline == pytest.approx(alone.item(group.urn).baseline)
    assert item.reason.count("of 168 h a week") == 1
    assert "118.0 of 168 h a week at 0 node(s)" in item.reason  # the actions' explicit size
    for job in jobs:
        reason = both.item(job.urn).reason
        assert "workers already follows scheduled actions" in reason, reason
        assert "one night is counted per pool" in reason
