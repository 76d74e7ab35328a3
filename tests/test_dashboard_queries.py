"""Every PromQL expression of the Grafana dashboard and the Prometheus rules parses and selects only
metrics that detector.metrics registers (or that the recording rules and Prometheus itself create)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml
from prometheus_client import CollectorRegistry

try:  # tests/ as a package (tests/__init__.py) or as rootdir-inserted plain directory
    from tests import promql_names
except ImportError:
    import promql_names  # type: ignore[no-redef]
from detector.metrics import Metrics

ROOT = Path(__file__).resolve().parents[1]
DASHBOARD_DIR = ROOT / "deploy" / "grafana" / "dashboards"
DASHBOARDS = sorted(DASHBOARD_DIR.glob("*.json"))
PROVISIONING = ROOT / "deploy" / "grafana" / "provisioning"
RULE_FILES = sorted((ROOT / "deploy" / "prometheus" / "rules").glob("*.yml"))


def _promtool() -> str:
    path = promql_names.promtool_path()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("promtool not found: CI must `apt-get install -y prometheus`")
        pytest.skip("promtool not installed (apt-get install -y prometheus)")
    return path


@pytest.fixture(scope="module")
def registered() -> set[str]:
    return promql_names.registered_metric_names(Metrics(CollectorRegistry()).registry)


@pytest.fixture(scope="module")
def dashboard_exprs() -> list[tuple[str, str]]:
    exprs: list[tuple[str, str]] = []
    for path in DASHBOARDS:
        exprs += [(f"{path.name}: {where}", expr) for where, expr in promql_names.exprs_from_dashboard(path)]
    return exprs


@pytest.fixture(scope="module")
def rule_exprs() -> list[tuple[str, str]]:
    return promql_names.exprs_from_rules(*RULE_FILES)


def test_files_exist(dashboard_exprs, rule_exprs) -> None:
    assert DASHBOARDS, "no dashboard JSON in deploy/grafana/dashboards"
    assert RULE_FILES, "no rule files in deploy/prometheus/rules"
    assert len(dashboard_exprs) >= 10
    assert len(rule_exprs) >= 10


def test_registered_names_include_suffixes(registered: set[str]) -> None:
    for name in (
        "cdr_detector_records_consumed_total",
        "cdr_detector_records_rejected_total",
        "cdr_detector_batch_duration_seconds_bucket",
        "cdr_detector_batch_duration_seconds_sum",
        "cdr_detector_batch_duration_seconds_count",
        "cdr_detector_worker_info",
        "cdr_detector_consumer_lag_messages",  # labelled, no child yet
    ):
        assert name in registered


def test_every_expression_parses(dashboard_exprs, rule_exprs) -> None:
    promtool = _promtool()
    result = promql_names.promtool_check_exprs(dashboard_exprs + rule_exprs, promtool)
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_check_catches_a_bad_expression() -> None:
    promtool = _promtool()
    result = promql_names.promtool_check_exprs([("bad", "sum(rate(x[5m])")], promtool)
    assert result.returncode != 0


def test_dashboard_metrics_are_registered(dashboard_exprs, registered: set[str]) -> None:
    known = registered | promql_names.recorded_names(*RULE_FILES) | promql_names.PROMETHEUS_SYNTHETIC
    assert promql_names.unknown_names(dashboard_exprs, known) == {}


def test_rule_metrics_are_registered(rule_exprs, registered: set[str]) -> None:
    known = registered | promql_names.recorded_names(*RULE_FILES) | promql_names.PROMETHEUS_SYNTHETIC
    assert promql_names.unknown_names(rule_exprs, known) == {}


def test_name_check_catches_a_typo(registered: set[str]) -> None:
    exprs = [("typo", 'sum(rate(cdr_detector_record_consumed_total{job="x"}[5m]))')]
    assert promql_names.unknown_names(exprs, registered) == {"typo": {"cdr_detector_record_consumed_total"}}


def test_every_exported_metric_is_shown_or_alerted_on(dashboard_exprs, rule_exprs) -> None:
    """No metric is exported for nobody: each family appears in the dashboard or a rule."""
    used = set().union(*(promql_names.metric_names_in_expr(e) for _, e in dashboard_exprs + rule_exprs))
    registry = Metrics(CollectorRegistry()).registry
    unused = []
    for family in registry.collect():
        family_names = promql_names.registered_metric_names(_single(family))
        if not family_names & used:
            unused.append(family.name)
    assert unused == []


class _single:
    def __init__(self, family) -> None:
        self.family = family

    def collect(self):
        return [self.family]


def test_recording_rules_used_by_the_dashboard_exist(dashboard_exprs) -> None:
    recorded = promql_names.recorded_names(*RULE_FILES)
    used = set().union(*(promql_names.metric_names_in_expr(e) for _, e in dashboard_exprs))
    assert {n for n in used if ":" in n} <= recorded


@pytest.mark.parametrize(
    "keyword",
    ["throughput", "lag", "latency", "alerts by typology", "reject reasons", "state", "worker health"],
)
def test_dashboard_has_required_panels(keyword: str) -> None:
    titles = []
    for path in DASHBOARDS:
        data = json.loads(path.read_text())
        titles += [p.get("title", "").lower() for p in _all_panels(data["panels"])]
    assert any(keyword in t for t in titles), (keyword, titles)


def _all_panels(panels):
    for p in panels:
        yield p
        yield from _all_panels(p.get("panels") or [])


def test_dashboard_structure() -> None:
    for path in DASHBOARDS:
        data = json.loads(path.read_text())
        assert data["uid"] and data["title"]
        panels = list(_all_panels(data["panels"]))
        ids = [p["id"] for p in panels]
        assert len(ids) == len(set(ids)), f"{path.name}: duplicate panel ids"
        for p in panels:
            grid = p["gridPos"]
            assert 0 <= grid["x"] and grid["x"] + grid["w"] <= 24, (path.name, p["title"])
            if p["type"] != "row":
                assert p.get("targets"), (path.name, p["title"])
                refs = [t["refId"] for t in p["targets"]]
                assert len(refs) == len(set(refs))


def test_dashboard_datasource_matches_provisioning() -> None:
    datasources = yaml.safe_load((PROVISIONING / "datasources" / "prometheus.yml").read_text())["datasources"]
    uids = {d["uid"] for d in datasources if d["type"] == "prometheus"}
    for path in DASHBOARDS:
        data = json.loads(path.read_text())
        variables = {v["name"]: v for v in data["templating"]["list"]}
        assert variables["datasource"]["current"]["value"] in uids
        for p in _all_panels(data["panels"]):
            for obj in [p, *p.get("targets", [])]:
                ds = obj.get("datasource")
                if ds is not None:
                    assert ds["type"] == "prometheus" and ds["uid"] in ({"${datasource}"} | uids), (path.name, p["title"])


def test_metric_name_extraction() -> None:
    f = promql_names.metric_names_in_expr
    assert f('histogram_quantile(0.99, sum by (le) (rate(a_bucket{le!="", job="$job"}[$__rate_interval])))') == {"a_bucket"}
    assert f("sum without (instance) (b) / on (job) group_left (x) c > bool 3") == {"b", "c"}
    assert f('{__name__="d", job="x"} offset 5m') == {"d"}
    assert f("time() - max(e_seconds) > Inf") == {"e_seconds"}
    assert f("max_over_time(f[1h:5m])") == {"f"}
    assert f('absent(up{job="cdr-detector"})') == {"up"}
    assert f("job:cdr_detector_alerts:rate5m * 60 > 100") == {"job:cdr_detector_alerts:rate5m"}


def test_exposed_metric_names_from_text(tmp_path) -> None:
    """The helper the running-worker test will use on a /metrics body."""
    m = Metrics(CollectorRegistry())
    m.consumed(1)
    path = tmp_path / "m.prom"
    m.write_textfile(path)
    names = promql_names.exposed_metric_names(path.read_text())
    assert "cdr_detector_records_consumed_total" in names
    assert "cdr_detector_model_score_bucket" in names
    assert "cdr_detector_consumer_lag_messages" in names
    assert names >= promql_names.registered_metric_names(m.registry) - {
        n for n in promql_names.registered_metric_names(m.registry) if n.endswith("_created")
    }
