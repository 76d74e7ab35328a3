"""deploy/prometheus: configs and rules pass promtool, and every alert is unit-tested both ways.

Needs Debian's promtool (`apt-get install -y prometheus`).  Without it the promtool tests fail under CI
(env CI set) and are skipped elsewhere; the structural checks run either way.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
PROM = ROOT / "deploy" / "prometheus"
CONFIGS = sorted(PROM.glob("prometheus*.yml"))
RULE_FILES = sorted((PROM / "rules").glob("*.yml"))
RULE_TESTS = sorted((PROM / "tests").glob("*.yml"))
JOB = "cdr-detector"


@pytest.fixture(scope="module")
def promtool() -> str:
    path = shutil.which("promtool")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("promtool not found: CI must `apt-get install -y prometheus`")
        pytest.skip("promtool not installed (apt-get install -y prometheus)")
    return path


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), capture_output=True, text=True, timeout=120, cwd=PROM)


def alerting_rules() -> list[dict]:
    return [r for path in RULE_FILES for g in yaml.safe_load(path.read_text())["groups"] for r in g["rules"] if "alert" in r]


def test_files_present() -> None:
    names = {p.name for p in CONFIGS}
    assert {"prometheus.yml", "prometheus-compose.yml", "prometheus-kubernetes.yml"} <= names
    assert {p.name for p in RULE_FILES} >= {"recording.yml", "alerts.yml"}
    assert RULE_TESTS


@pytest.mark.parametrize("config", [p for p in CONFIGS if p.name != "prometheus-kubernetes.yml"], ids=lambda p: p.name)
def test_check_config(promtool: str, config: Path) -> None:
    result = run(promtool, "check", "config", str(config))
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_kubernetes_config(promtool: str, tmp_path: Path) -> None:
    config = PROM / "prometheus-kubernetes.yml"
    result = run(promtool, "check", "config", str(config))
    if result.returncode == 0:
        return
    # Debian builds Prometheus without the Kubernetes service discovery, so its promtool rejects the
    # field itself.  Then check everything else: the same config with the SD swapped for a static target.
    assert "field kubernetes_sd_configs not found" in result.stdout + result.stderr, result.stdout + result.stderr
    data = yaml.safe_load(config.read_text())
    for scrape in data["scrape_configs"]:
        if "kubernetes_sd_configs" in scrape:
            for sd in scrape["kubernetes_sd_configs"]:
                assert sd["role"] in {"pod", "endpoints", "endpointslice", "service", "node", "ingress"}
            scrape["static_configs"] = [{"targets": ["127.0.0.1:9108"]}]
            del scrape["kubernetes_sd_configs"]
    data["rule_files"] = [str(PROM / f) for f in data.get("rule_files", [])]
    copy = tmp_path / "prometheus-kubernetes-static.yml"
    copy.write_text(yaml.safe_dump(data, sort_keys=False))
    result = run(promtool, "check", "config", str(copy))
    assert result.returncode == 0, result.stdout + result.stderr


def test_kubernetes_config_matches_the_manifests() -> None:
    """The pod SD keeps pods by the label and annotations that deploy/k8s/deployment.yaml sets."""
    text = (PROM / "prometheus-kubernetes.yml").read_text()
    deployment = yaml.safe_load((ROOT / "deploy" / "k8s" / "deployment.yaml").read_text())
    pod = deployment["spec"]["template"]["metadata"]
    assert pod["labels"]["app.kubernetes.io/name"] == "cdr-detector"
    assert "__meta_kubernetes_pod_label_app_kubernetes_io_name" in text
    assert pod["annotations"]["prometheus.io/scrape"] == "true"
    assert "__meta_kubernetes_pod_annotation_prometheus_io_port" in text
    namespaces = yaml.safe_load(text)["scrape_configs"][0]["kubernetes_sd_configs"][0]["namespaces"]["names"]
    assert deployment["metadata"]["namespace"] in namespaces


def test_check_rules(promtool: str) -> None:
    result = run(promtool, "check", "rules", *map(str, RULE_FILES))
    assert result.returncode == 0, result.stdout + result.stderr


def test_rule_unit_tests(promtool: str) -> None:
    result = run(promtool, "test", "rules", *map(str, RULE_TESTS))
    assert result.returncode == 0, result.stdout + result.stderr


def test_rule_unit_tests_fail_on_a_broken_rule(promtool: str, tmp_path: Path) -> None:
    """The unit tests are not vacuous: raising a threshold out of reach makes them fail."""
    (tmp_path / "rules").mkdir()
    (tmp_path / "tests").mkdir()
    for path in RULE_FILES:
        text = path.read_text()
        if path.name == "alerts.yml":
            text = text.replace("job:cdr_detector_reject_ratio:rate5m > 0.05", "job:cdr_detector_reject_ratio:rate5m > 5")
        (tmp_path / "rules" / path.name).write_text(text)
    for path in RULE_TESTS:
        (tmp_path / "tests" / path.name).write_text(path.read_text())
    result = subprocess.run(
        [promtool, "test", "rules", *[str(tmp_path / "tests" / p.name) for p in RULE_TESTS]],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode != 0
    assert "CdrDetectorRejectRatioHigh" in result.stdout + result.stderr


def test_every_alert_fires_and_stays_quiet_in_unit_tests() -> None:
    fires: set[str] = set()
    quiet: set[str] = set()
    for path in RULE_TESTS:
        for case in yaml.safe_load(path.read_text())["tests"]:
            for check in case.get("alert_rule_test") or []:
                (fires if check.get("exp_alerts") else quiet).add(check["alertname"])
    names = {r["alert"] for r in alerting_rules()}
    assert names - fires == set(), "alerts never shown to fire"
    assert names - quiet == set(), "alerts never shown to stay quiet"


def test_required_alerts_exist() -> None:
    names = {r["alert"] for r in alerting_rules()}
    assert {
        "CdrDetectorWorkerDown",
        "CdrDetectorConsumerLagGrowing",
        "CdrDetectorRejectRatioHigh",
        "CdrDetectorAlertStorm",
        "CdrDetectorNoCdrs",
        "CdrDetectorEventTimeLagHigh",
    } <= names


def test_alerts_are_well_formed() -> None:
    for rule in alerting_rules():
        assert re.fullmatch(r"CdrDetector[A-Z][A-Za-z]+", rule["alert"]), rule["alert"]
        assert rule["labels"]["severity"] in {"critical", "warning", "info"}, rule["alert"]
        assert {"summary", "description"} <= set(rule["annotations"]), rule["alert"]
        assert "for" in rule, rule["alert"]


def test_recording_rule_names_follow_convention() -> None:
    for path in RULE_FILES:
        for group in yaml.safe_load(path.read_text())["groups"]:
            for rule in group["rules"]:
                if "record" in rule:
                    assert re.fullmatch(r"[a-z_]+:cdr_detector_[a-z_]+:[a-z0-9_]+", rule["record"]), rule["record"]


def test_required_recordings_exist() -> None:
    recorded = {r["record"] for p in RULE_FILES for g in yaml.safe_load(p.read_text())["groups"] for r in g["rules"] if "record" in r}
    assert {
        "job:cdr_detector_records_processed:rate1m",  # throughput
        "job_typology:cdr_detector_alerts:rate5m",  # alert rate by typology
        "job:cdr_detector_cdr_to_alert_latency_seconds:p99_5m",  # p99 latency
        "job:cdr_detector_reject_ratio:rate5m",  # reject ratio
    } <= recorded


def test_configs_scrape_the_job_the_rules_select() -> None:
    for config in CONFIGS:
        data = yaml.safe_load(config.read_text())
        jobs = {s["job_name"] for s in data["scrape_configs"]}
        assert JOB in jobs, config.name
        for rule_file in data["rule_files"]:
            assert list(PROM.glob(rule_file)), (config.name, rule_file)
    for rule in alerting_rules():
        for job in re.findall(r'job="([^"]*)"', rule["expr"]):
            assert job == JOB, rule["alert"]
