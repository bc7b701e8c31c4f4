"""One reader of Prometheus durations for alert windows, retention and right-sizing windows."""

from __future__ import annotations

import pytest

from thrifty.budget.spec import CostAlertsConfig
from thrifty.durations import duration_seconds


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30s", 30), ("5m", 300), ("1h30m", 5400), ("35d", 35 * 86400), ("1w2d", 9 * 86400),
     ("250ms", 0.25), ("1y", 365 * 86400)],
)  # fmt: skip
def test_durations_read_as_prometheus_reads_them(text: str, seconds: float) -> None:
    assert duration_seconds(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["30m1h", "5m5m", "7 days", "", "1.5h", "5M"])
def test_prometheus_refuses_what_thrifty_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="largest first, each once"):
        duration_seconds(text)


def test_an_alert_window_out_of_order_is_refused_before_it_reaches_the_cluster() -> None:
    """Prometheus and the operator's CRD pattern refuse ``30m1h``; so does the config."""
    with pytest.raises(ValueError, match="'30m1h' is not a Prometheus duration"):
        CostAlertsConfig.model_validate({"computeFor": "30m1h"})
    assert CostAlertsConfig.model_validate({"computeFor": "1h30m"}).compute_for == "1h30m"
