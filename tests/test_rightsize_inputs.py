"""Reading utilization files: VPA lists, Prometheus API responses, CSV; and their mistakes.

The fixtures in ``tests/fixtures/rightsize/`` are shaped as the tools print them:
- ``vpa.json``: ``kubectl get vpa -A -o json`` (a ``List`` with ``metadata.resourceVersion``,
  4-space indented, keys sorted as kubectl's JSON printer writes unstructured objects), items
  with the fields of kubernetes/autoscaler's ``vertical-pod-autoscaler/pkg/apis/
  autoscaling.k8s.io/v1/types.go`` (55c37cd) and quantities as the recommender writes them
  (``163m``, ``681574400``, ``262144k``);
- ``prometheus/*.json``: ``/api/v1/query_range`` and ``/api/v1/query`` responses as Prometheus
  writes them (``docs/querying/api.md`` and ``util/jsonutil/marshal.go`` at d15adb9: compact
  JSON, whole-second timestamps as integers, values as strings).
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from pathlib import Path

import promql_parser
import pytest

from tests.conftest import REPO_ROOT
from thrifty.rightsize.csv_input import read_csv_file
from thrifty.rightsize.measure import DAY, ContainerKey, Measurements, parse_duration
from thrifty.rightsize.prometheus import KINDS, read_prometheus_file
from thrifty.rightsize.reading import InputError
from thrifty.rightsize.vpa import read_vpa_file

FIXTURE = REPO_ROOT / "tests" / "fixtures" / "rightsize"
PROMETHEUS = FIXTURE / "prometheus"
AS_OF = datetime(2026, 5, 8, tzinfo=timezone.utc)
MIB = 2**20
CHURN = ContainerKey("churn-predictor", "churn-predictor", "ml")


def write(tmp_path: Path, name: str, content: object) -> Path:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


# --------------------------------------------------------------------------- VPA


def test_a_vpa_list_gives_each_container_its_p90_and_age() -> None:
    measurements = Measurements()
    assert read_vpa_file(FIXTURE / "vpa.json", measurements, as_of=AS_OF) == 4
    churn = measurements.containers[CHURN]
    # uncappedTarget 163m / 1.15 (the recommender's safety margin) = 141.7m; 30 days old.
    assert churn.usage["cpu"].value == pytest.approx(0.163 / 1.15)
    assert churn.usage["memory"].value == pytest.approx(681574400 / 1.15)
    assert churn.usage["cpu"].window == 30 * DAY
    assert churn.usage["cpu"].samples is None
    assert churn.usage["cpu"].source == (
        "vpa.json items[0].status.recommendation.containerRecommendations[0].uncappedTarget.cpu"
    )
    assert churn.vpa is not None and churn.vpa.target == {"cpu": "163m", "memory": "681574400"}
    reports = measurements.containers[ContainerKey("reports", "reports", "ml")]
    assert reports.usage["cpu"].window == 3 * DAY
    # "262144k" (the recommender's canonical form) is 262,144,000 bytes.
    assert reports.vpa is not None and reports.vpa.lower_bound["memory"] == "262144k"


def test_a_single_vpa_object_and_one_without_recommendation(tmp_path: Path) -> None:
    document = json.loads((FIXTURE / "vpa.json").read_text())
    single = document["items"][1]
    measurements = Measurements()
    assert read_vpa_file(write(tmp_path, "one.json", single), measurements, as_of=AS_OF) == 1
    pending = dict(document["items"][0], status={})
    path = write(tmp_path, "pending.json", {"kind": "List", "items": [pending]})
    assert read_vpa_file(path, measurements, as_of=AS_OF) == 0
    assert measurements.notes == [
        f"{path}: VPA ml/churn-predictor (for Deployment ml/churn-predictor) has no "
        "recommendation yet (status.recommendation is empty)"
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"kind": "List", "items": [', r"bad\.json: line 1 column 28: not valid JSON"),
        ({"kind": "Deployment"}, r"bad\.json: kind: expected List .* got 'Deployment'"),
        (
            {"kind": "List", "items": [{"kind": "VerticalPodAutoscaler", "metadata": {}}]},
            r"bad\.json: items\[0\]\.metadata\.namespace: expected text, missing",
        ),
    ],
)
def test_a_bad_vpa_file_names_file_place_and_expectation(
    tmp_path: Path, content: object, message: str
) -> None:
    with pytest.raises(InputError, match=message):
        read_vpa_file(write(tmp_path, "bad.json", content), Measurements(), as_of=AS_OF)


def test_a_bad_vpa_quantity_and_a_future_vpa_are_named(tmp_path: Path) -> None:
    document = json.loads((FIXTURE / "vpa.json").read_text())
    item = document["items"][0]
    item["status"]["recommendation"]["containerRecommendations"][0]["target"]["cpu"] = "lots"
    path = write(tmp_path, "bad.json", document)
    with pytest.raises(
        InputError,
        match=r"items\[0\]\.status\.recommendation\.containerRecommendations\[0\]\.target\.cpu "
        r"should be a quantity such as 500m or 512Mi, got 'lots'",
    ):
        read_vpa_file(path, Measurements(), as_of=AS_OF)
    with pytest.raises(InputError, match=r"creationTimestamp: .* is after .*; give --as-of"):
        read_vpa_file(
            FIXTURE / "vpa.json", Measurements(), as_of=datetime(2026, 1, 1, tzinfo=timezone.utc)
        )


# --------------------------------------------------------------------------- Prometheus


def test_the_fixtures_are_shaped_as_prometheus_writes_them() -> None:
    for path in PROMETHEUS.glob("*.json"):
        text = path.read_text()
        assert ": " not in text and ", " not in text, path  # compact, as the API writes
        document = json.loads(text)
        assert list(document) == ["status", "data"] and document["status"] == "success"
        assert list(document["data"]) == ["resultType", "result"]
        for series in document["data"]["result"]:
            pairs = series.get("values") or [series["value"]]
            assert all(isinstance(t, int) and isinstance(v, str) for t, v in pairs)
            assert list(series["metric"]) == sorted(series["metric"])  # labels sorted


def test_a_matrix_gives_the_p95_window_and_sample_count() -> None:
    measurements = Measurements()
    assert read_prometheus_file(PROMETHEUS / "cpu.json", measurements) == 3
    cpu = measurements.containers[CHURN].usage["cpu"]
    # 169 hourly samples: 106 at 40m, 55 at 150m, 8 spikes at 900m; rank 0.95 x 168 = 159.6
    # falls between the 160th and 161st smallest, both 150m.
    assert cpu.value == pytest.approx(0.150)
    assert (cpu.window, cpu.samples) == (7 * DAY, 169)
    assert cpu.statistic == "p95 of 169 samples"
    assert cpu.source == "cpu.json data.result[0]"
    read_prometheus_file(PROMETHEUS / "node-memory.json", measurements)
    assert measurements.pools["system"].usage["memory"].value == pytest.approx(0.20)


def test_throttling_and_oom_kills_are_signals() -> None:
    measurements = Measurements()
    read_prometheus_file(PROMETHEUS / "throttling.json", measurements)
    read_prometheus_file(PROMETHEUS / "oom.json", measurements)
    scorer = measurements.containers[ContainerKey("scorer", "scorer", "ml")]
    assert scorer.throttled is not None and scorer.throttled.value == pytest.approx(0.35)
    assert scorer.oom_killed is not None and scorer.oom_killed.window is None


def test_plain_selectors_nan_samples_and_pooled_pods(tmp_path: Path) -> None:
    pod = {"__name__": "container_memory_working_set_bytes", "container": "api", "namespace": "a"}
    document = {
        "status": "success",
        "data": {
            "resultType": "matrix",
            "result": [
                {"metric": {**pod, "pod": "api-1"}, "values": [[0, "1"], [60, "NaN"], [120, "3"]]},
                {"metric": {**pod, "pod": "api-2"}, "values": [[0, "2"], [180, "+Inf"]]},
                {
                    "metric": {
                        "__name__": "kube_pod_container_status_last_terminated_reason",
                        "container": "api",
                        "namespace": "a",
                        "reason": "Completed",
                    },
                    "values": [[0, "1"]],
                },
            ],
        },
    }
    measurements = Measurements()
    read_prometheus_file(write(tmp_path, "mixed.json", document), measurements)
    memory = measurements.containers[ContainerKey("api", "api", "a")].usage["memory"]
    # Finite samples of both pods pooled: 1, 3, 2 -> p95 = 2 + 0.9 x (3 - 2) = 2.9; window 0-120.
    assert (memory.value, memory.samples, memory.window) == (pytest.approx(2.9), 3, 120)
    assert measurements.containers[ContainerKey("api", "api", "a")].oom_killed is None
    assert "'Completed' is not an OOM kill" in measurements.notes[0]


def test_an_instant_vector_has_no_window(tmp_path: Path) -> None:
    document = {
        "status": "success",
        "data": {
            "resultType": "vector",
            "result": [
                {
                    "metric": {"container": "api", "namespace": "a", "thrifty_metric": "cpu"},
                    "value": [1778198400, "0.2"],
                }
            ],
        },
    }
    measurements = Measurements()
    read_prometheus_file(write(tmp_path, "now.json", document), measurements)
    cpu = measurements.containers[ContainerKey("api", "api", "a")].usage["cpu"]
    assert (cpu.window, cpu.statistic) == (None, "an instant value")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            {"status": "error", "errorType": "bad_data", "error": "parse error"},
            r"the query failed in Prometheus \(bad_data: parse error\)",
        ),
        (
            {"status": "success", "data": {"resultType": "scalar", "result": [0, "1"]}},
            r"data\.resultType: expected \"vector\" or \"matrix\"",
        ),
        (
            {"status": "success", "data": {"resultType": "vector", "result": [{"metric": {}}]}},
            r"data\.result\[0\]\.metric: cannot tell what this series measures",
        ),
        (
            {
                "status": "success",
                "data": {
                    "resultType": "matrix",
                    "result": [
                        {"metric": {"thrifty_metric": "cpu", "namespace": "a"}, "values": []}
                    ],
                },
            },
            r"data\.result\[0\]\.metric\.container: a cpu series needs its container label",
        ),
        (
            {
                "status": "success",
                "data": {
                    "resultType": "matrix",
                    "result": [
                        {
                            "metric": {"thrifty_metric": "node_cpu", "pool": "x"},
                            "values": [[0, "0.1"]],
                        }
                    ],
                },
            },
            r"a node_cpu series needs the pool label \(label_thrifty_io_pool or thrifty_io_pool\)",
        ),
        (
            {
                "status": "success",
                "data": {
                    "resultType": "matrix",
                    "result": [
                        {
                            "metric": {
                                "thrifty_metric": "memory",
                                "namespace": "a",
                                "container": "b",
                            },
                            "values": [[0, "0.1"], [60, "lots"]],
                        }
                    ],
                },
            },
            r"data\.result\[0\]\.values\[1\]: the value 'lots' is not a number",
        ),
        ("<html>", r"line 1 column 1: not valid JSON"),
    ],
)
def test_a_bad_prometheus_file_names_file_place_and_expectation(
    tmp_path: Path, content: object, message: str
) -> None:
    with pytest.raises(InputError, match=r"bad\.json: .*" + message):
        read_prometheus_file(write(tmp_path, "bad.json", content), Measurements())


# --------------------------------------------------------------------------- CSV


def test_a_csv_gives_figures_with_their_window(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "usage.csv",
        "workload,container,cpu_p95,memory_p95,window,namespace\n"
        "churn-predictor,churn-predictor,150m,600Mi,14d,ml\n"
        "feature-api,feature-api,0.045,,7d,\n",
    )
    measurements = Measurements()
    assert read_csv_file(path, measurements) == 2
    churn = measurements.containers[CHURN]
    assert churn.usage["cpu"].value == pytest.approx(0.150)
    assert churn.usage["memory"].value == 600 * MIB
    assert churn.usage["memory"].window == 14 * DAY
    assert churn.usage["memory"].source == "usage.csv line 2"
    api = measurements.containers[ContainerKey("feature-api", "feature-api", None)]
    assert set(api.usage) == {"cpu"}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("workload,cpu\napi,1\n", r"line 1: expected the header workload,container,cpu_p95"),
        (
            "workload,container,cpu_p95,memory_p95,window\napi,api,lots,1Gi,7d\n",
            r"line 2, column cpu_p95 should be a quantity such as 500m or 512Mi, got 'lots'",
        ),
        (
            "workload,container,cpu_p95,memory_p95,window\napi,api,1,1Gi,a week\n",
            r"line 2, column window: 'a week' is not a duration such as 7d",
        ),
        (
            "workload,container,cpu_p95,memory_p95,window\napi,,1,1Gi,7d\n",
            r"line 2, column container: expected a value, empty",
        ),
    ],
)
def test_a_bad_csv_names_line_column_and_expectation(
    tmp_path: Path, content: str, message: str
) -> None:
    with pytest.raises(InputError, match=r"bad\.csv: " + message):
        read_csv_file(write(tmp_path, "bad.csv", content), Measurements())


def test_better_sources_win() -> None:
    measurements = Measurements()
    read_vpa_file(FIXTURE / "vpa.json", measurements, as_of=AS_OF)
    read_prometheus_file(PROMETHEUS / "cpu.json", measurements)
    # Prometheus (samples counted) replaces the VPA's estimate, whatever the reading order.
    assert measurements.containers[CHURN].usage["cpu"].kind == "prometheus"


def test_durations() -> None:
    assert parse_duration("7d") == 7 * DAY
    assert parse_duration("1w2d12h") == 9.5 * DAY
    with pytest.raises(ValueError, match="is not a duration"):
        parse_duration("7 days")


def test_an_empty_csv_and_a_short_row_say_what_is_missing(tmp_path: Path) -> None:
    for text in ("", "\n  \n"):
        with pytest.raises(InputError) as empty:
            read_csv_file(write(tmp_path, "empty.csv", text), Measurements())
        assert str(empty.value) == (
            f"{tmp_path / 'empty.csv'}: file is empty (expected a header line: "
            "workload,container,cpu_p95,memory_p95,window)"
        )
    short = write(tmp_path, "short.csv", "workload,container,cpu_p95,memory_p95,window\napi,api\n")
    with pytest.raises(InputError) as error:
        read_csv_file(short, Measurements())
    assert str(error.value) == (
        f"{short}: line 2: 2 cells, the header has 5 columns; missing cpu_p95, memory_p95, window"
    )


def test_a_file_given_as_the_wrong_kind_says_what_it_is(tmp_path: Path) -> None:
    prometheus = PROMETHEUS / "cpu.json"
    with pytest.raises(InputError) as as_vpa:
        read_vpa_file(prometheus, Measurements(), as_of=AS_OF)
    assert str(as_vpa.value) == (
        f"{prometheus}: kind: expected List (kubectl get vpa -A -o json) or "
        "VerticalPodAutoscaler, found a Prometheus API response (give it with --prometheus)"
    )
    vpa = FIXTURE / "vpa.json"
    with pytest.raises(InputError) as as_prometheus:
        read_prometheus_file(vpa, Measurements())
    assert str(as_prometheus.value) == (
        f"{vpa}: expected a Prometheus API response (status and data), found "
        "VerticalPodAutoscaler objects (give them with --vpa)"
    )
    as_csv = write(tmp_path, "cpu.csv", prometheus.read_text())
    with pytest.raises(InputError) as csv_error:
        read_csv_file(as_csv, Measurements())
    assert str(csv_error.value) == (
        f"{as_csv}: expected a CSV table, found a Prometheus API response (give it with "
        "--prometheus)"
    )


def test_a_pool_series_may_say_the_instance_type_it_was_measured_on(tmp_path: Path) -> None:
    def series(pool: str, instance_type: str, label: str) -> dict[str, object]:
        return {
            "metric": {"label_thrifty_io_pool": pool, label: instance_type,
                       "thrifty_metric": "node_memory"},
            "values": [[1746057600 + 3600 * i, "0.2"] for i in range(169)],
        }  # fmt: skip

    document = {
        "status": "success",
        "data": {
            "resultType": "matrix",
            "result": [
                series("system", "t3.large", "label_node_kubernetes_io_instance_type"),
                series("system", "t3a.large", "node_kubernetes_io_instance_type"),
            ],
        },
    }
    measurements = Measurements()
    read_prometheus_file(write(tmp_path, "node.json", document), measurements)
    assert measurements.pools["system"].measured_on == {"t3.large", "t3a.large"}
    assert measurements.pools["system"].usage["memory"].value == pytest.approx(0.2)
    # The fixtures' queries keep no type: nothing is claimed.
    plain = Measurements()
    read_prometheus_file(PROMETHEUS / "node-memory.json", plain)
    assert all(not pool.measured_on for pool in plain.pools.values())


# --------------------------------------------------------------------------- README queries


def readme_queries() -> list[str]:
    text = (REPO_ROOT / "README.md").read_text()
    section = text[text.index("## Right-sizing (`thrifty rightsize`)") :]
    section = section[: section.index("\n## ", 1)]
    return re.findall(r"```promql\n(.*?)\n```", section, re.S)


def test_every_readme_query_parses_and_labels_one_kind() -> None:
    queries = readme_queries()
    assert len(queries) == 6
    kinds = []
    for query in queries:
        expression = promql_parser.parse(query)  # raises on a syntax error
        assert isinstance(expression, promql_parser.Call)
        assert expression.func.name == "label_replace"
        kinds.append(re.findall(r'"thrifty_metric", "(\w+)"', query)[0])
    assert sorted(kinds) == sorted(KINDS)
