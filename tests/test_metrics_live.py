"""The operator-facing files against a *running* worker: its /metrics, a real Prometheus, its health page.

One worker subprocess (``python -m detector worker``, started with tests/worker_helpers.py) reads a small
synthetic stream from the session's Kafka broker (127.0.0.1).  Then:

1. every metric name that the Grafana dashboard and the Prometheus rules select is in the worker's /metrics;
2. Debian's ``prometheus`` scrapes the worker every second with the rules of deploy/prometheus loaded, and its
   HTTP API sees ``up == 1`` and a non-zero processing rate;
3. the health page answers JSON on the paths that the deploy/ manifests probe.

Every wait is bounded in time and count.  Run with
``.venv/bin/python -m pytest tests/test_metrics_live.py -q`` (needs java + mvn or ``$CDR_KAFKA_BOOTSTRAP`` for
the broker, and ``apt-get install -y prometheus`` for test 2; both skip locally / fail under ``$CI``).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests import promql_names
from tests.test_deploy_manifests import HEALTH_PATHS
from tests.worker_helpers import WorkerProc, free_port, produce_file, unique, wait_for

try:
    from tests.kafka_fixtures import kafka_bootstrap  # noqa: F401
except ImportError:  # pragma: no cover - tests/ on sys.path instead of the repo root
    from kafka_fixtures import kafka_bootstrap  # type: ignore[no-redef]  # noqa: F401

pytestmark = pytest.mark.kafka

ROOT = Path(__file__).resolve().parents[1]
DASHBOARDS = sorted((ROOT / "deploy" / "grafana" / "dashboards").glob("*.json"))
RULE_FILES = sorted((ROOT / "deploy" / "prometheus" / "rules").glob("*.yml"))
PARTITIONS = 3
JOB = "cdr-detector"  # the job name the rules and the dashboard select on
PROCESS_TIMEOUT_S = 60.0
PROMETHEUS_TIMEOUT_S = 60.0



def _get(url: str, timeout: float = 3.0) -> tuple[int, bytes, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read(), r.headers.get("Content-Type", "")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), exc.headers.get("Content-Type", "")


def _sample(text: str, name: str) -> float | None:
    from prometheus_client.parser import text_string_to_metric_families

    total = None
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name:
                total = (total or 0.0) + s.value
    return total


def _generate(out: Path, seed: int, start: str) -> Path:
    from detector.synth import GeneratorConfig, generate

    generate(GeneratorConfig(seed=seed, subscribers=1500, days=1.0, fraud_numbers=20, start=start), out)
    return out / "cdrs.jsonl"


class Live:
    def __init__(self, bootstrap: str, worker: WorkerProc, metrics_port: int, topic: str, first: Path,
                 second: Path, produced: int, before_health: str, processed: float, seconds: float) -> None:
        self.bootstrap = bootstrap
        self.worker = worker
        self.metrics_port = metrics_port
        self.topic = topic
        self.first = first
        self.second = second
        self.produced = produced
        self.before_health = before_health  # /metrics text once processed, before any /health request
        self.processed = processed
        self.seconds = seconds

    @property
    def metrics_url(self) -> str:
        return f"http://127.0.0.1:{self.metrics_port}/metrics"

    def metrics_text(self) -> str:
        status, body, _ = _get(self.metrics_url)
        assert status == 200
        return body.decode()


@pytest.fixture(scope="module")
def live(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Any:  # noqa: F811
    from detector.produce import ensure_topic

    tmp = tmp_path_factory.mktemp("metrics-live")
    first = _generate(tmp / "day1", seed=11, start="2026-03-06T00:00:00")
    # A second, later day (no 'late' rejects, new cdr_ids) for test 2 to produce while Prometheus watches.
    second = _generate(tmp / "day2", seed=12, start="2026-03-07T00:00:00")
    n = sum(1 for _ in first.open("rb"))
    topics = {"topic": unique("ml-cdrs"), "alerts": unique("ml-alerts"), "dlq": unique("ml-dlq"),
              "group": unique("ml-g")}
    ensure_topic({"bootstrap.servers": kafka_bootstrap}, topics["topic"], PARTITIONS)
    metrics_port = free_port()
    worker = WorkerProc(kafka_bootstrap, tmp, "ml0", topic=topics["topic"], group=topics["group"],
                        alerts=topics["alerts"], dlq=topics["dlq"], partitions=PARTITIONS,
                        extra=["--metrics-addr", "127.0.0.1", "--metrics-port", str(metrics_port),
                               "--web-host", "127.0.0.1"])
    t0 = time.monotonic()
    worker.start()
    try:
        produced = produce_file(kafka_bootstrap, first, topics["topic"], PARTITIONS)
        assert produced == n

        def done() -> str | None:
            if not worker.alive():
                raise RuntimeError(f"worker exited early:\n{worker.log_tail()}")
            try:
                status, body, _ = _get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=2)
            except OSError:
                return None
            text = body.decode()
            value = _sample(text, "cdr_detector_records_processed_total") or 0.0
            rejected = _sample(text, "cdr_detector_records_rejected_total") or 0.0
            duplicate = _sample(text, "cdr_detector_records_duplicate_total") or 0.0
            return text if status == 200 and value + rejected + duplicate >= n else None

        text = wait_for(done, PROCESS_TIMEOUT_S, f"the worker to process {n} CDRs (via /metrics)")
        seconds = time.monotonic() - t0
        print(f"worker processed {n} CDRs in {seconds:.1f}s from start (incl. group join)")
        yield Live(kafka_bootstrap, worker, metrics_port, topics["topic"], first, second, produced, text,
                   _sample(text, "cdr_detector_records_processed_total") or 0.0, seconds)
    except Exception:
        print(f"--- worker log ---\n{worker.log_tail()}")
        raise
    finally:
        worker.stop(signal.SIGTERM, timeout=30)


# -- 1. names ------------------------------------------------------------------------------------------


def _referenced() -> list[tuple[str, str]]:
    exprs: list[tuple[str, str]] = []
    for path in DASHBOARDS:
        exprs += [(f"{path.name}: {w}", e) for w, e in promql_names.exprs_from_dashboard(path)]
    return exprs + promql_names.exprs_from_rules(*RULE_FILES)


def _worker_names_referenced() -> set[str]:
    recorded = promql_names.recorded_names(*RULE_FILES)
    names = set().union(*(promql_names.metric_names_in_expr(e) for _, e in _referenced()))
    return names - recorded - promql_names.PROMETHEUS_SYNTHETIC


def test_processed_every_record(live: Live) -> None:
    assert live.processed > 0.9 * live.produced, (live.processed, live.produced)


def test_dashboard_and_rule_metrics_are_exported_by_the_worker(live: Live) -> None:
    assert DASHBOARDS and RULE_FILES
    known = (promql_names.exposed_metric_names(live.before_health) | promql_names.recorded_names(*RULE_FILES)
             | promql_names.PROMETHEUS_SYNTHETIC)
    missing = promql_names.unknown_names(_referenced(), known)
    assert missing == {}, f"referenced but not in the worker's /metrics: {sorted(set().union(*missing.values()))}"


def _sample_names(text: str) -> set[str]:
    from prometheus_client.parser import text_string_to_metric_families

    return {s.name for f in text_string_to_metric_families(text) for s in f.samples}


@pytest.mark.parametrize("name", sorted(_worker_names_referenced()))
def test_referenced_series_have_samples_without_probes(live: Live, name: str) -> None:
    """Not just the declared family: the worker exports samples of it (scraped before any /health call)."""
    assert name in _sample_names(live.before_health)


def test_consumer_lag_series_appear_after_a_health_request(live: Live) -> None:
    assert live.worker.health() is not None
    assert "cdr_detector_consumer_lag_messages" in _sample_names(live.metrics_text())


# -- 2. a real Prometheus ------------------------------------------------------------------------------


def _prometheus_binary() -> str:
    path = shutil.which("prometheus")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("prometheus not found: CI must `apt-get install -y prometheus`")
        pytest.skip("prometheus not installed (apt-get install -y prometheus)")
    return path


def _query(port: int, expr: str) -> list[dict[str, Any]]:
    url = f"http://127.0.0.1:{port}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    status, body, _ = _get(url, timeout=3)
    data = json.loads(body)
    assert status == 200 and data["status"] == "success", (status, data)
    return data["data"]["result"]


def _value(result: list[dict[str, Any]]) -> float:
    return sum(float(r["value"][1]) for r in result)


def test_prometheus_scrapes_the_worker_and_sees_throughput(live: Live, tmp_path: Path) -> None:
    binary = _prometheus_binary()
    port = free_port()
    config = {
        "global": {"scrape_interval": "1s", "scrape_timeout": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(p) for p in RULE_FILES],
        "scrape_configs": [
            {"job_name": JOB, "static_configs": [{"targets": [f"127.0.0.1:{live.metrics_port}"]}]},
        ],
    }
    config_path = tmp_path / "prometheus.yml"
    config_path.write_text(yaml.safe_dump(config))
    log_path = tmp_path / "prometheus.log"
    log = open(log_path, "wb")
    t0 = time.monotonic()
    proc = subprocess.Popen(
        [binary, f"--config.file={config_path}", f"--storage.tsdb.path={tmp_path / 'data'}",
         f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"],
        stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path,
    )
    producer: threading.Thread | None = None
    try:
        def up() -> float | None:
            if proc.poll() is not None:
                raise RuntimeError(f"prometheus exited {proc.returncode}:\n{log_path.read_text()[-3000:]}")
            try:
                result = _query(port, f'up{{job="{JOB}"}}')
            except (OSError, ValueError):
                return None
            return _value(result) if result else None

        assert wait_for(up, 30, "the first scrape of the worker") == 1.0
        first_scrape = time.monotonic() - t0

        # New CDRs (the next day) while Prometheus watches, so the rate over the last seconds is not zero.
        produced: list[int] = []
        producer = threading.Thread(
            target=lambda: produced.append(produce_file(live.bootstrap, live.second, live.topic, PARTITIONS)),
            daemon=True)
        producer.start()

        rate_expr = f'sum(rate(cdr_detector_records_processed_total{{job="{JOB}"}}[30s]))'

        def rate() -> float | None:
            value = _value(_query(port, rate_expr))
            return value if value > 0 else None

        rate_value = wait_for(rate, PROMETHEUS_TIMEOUT_S, f"a non-zero {rate_expr} in Prometheus", interval=1.0)
        seen = time.monotonic() - t0
        recorded = wait_for(lambda: _value(_query(port, f'job:cdr_detector_records_processed:rate1m{{job="{JOB}"}}')),
                            20, "the throughput recording rule to be non-zero", interval=1.0)
        rules = json.loads(_get(f"http://127.0.0.1:{port}/api/v1/rules")[1])["data"]["groups"]
        health = {r["name"]: r["health"] for g in rules for r in g["rules"]}
        print(f"prometheus: first scrape after {first_scrape:.1f}s, {rate_expr} = {rate_value:.0f}/s "
              f"after {seen:.1f}s; job:cdr_detector_records_processed:rate1m = {recorded:.0f}/s; {len(health)} rules loaded")
        assert health, "no rules loaded from deploy/prometheus/rules"
        assert all(h != "err" for h in health.values()), {n: h for n, h in health.items() if h == "err"}
        assert _value(_query(port, f'up{{job="{JOB}"}}')) == 1.0
        producer.join(timeout=30)
        assert not producer.is_alive() and produced and produced[0] > 0
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        log.close()
        if producer is not None:
            producer.join(timeout=30)
    assert proc.returncode == 0, f"prometheus did not stop cleanly ({proc.returncode}):\n{log_path.read_text()[-2000:]}"


# -- 3. the health page ----------------------------------------------------------------------------------


def test_health_page_answers_json_on_the_probed_paths(live: Live) -> None:
    base = f"http://127.0.0.1:{live.worker.web_port}"
    for probe, path in HEALTH_PATHS.items():
        status, body, content_type = _get(base + path)
        assert status in (200, 503), (probe, path, status, body[:200])
        assert "json" in content_type, (probe, path, content_type)
        data = json.loads(body)
        assert {"status", "assigned_partitions", "lag"} <= set(data), (probe, path, data)
    # after the stream is processed, one worker owning every partition is healthy
    status, body, _ = _get(base + "/health")
    data = json.loads(body)
    assert status == 200 and data["status"] == "ok", data
    assert data["assigned_partitions"] == PARTITIONS


def test_the_worker_serves_no_other_health_page(live: Live) -> None:
    """A probe on a path the worker does not serve gets 404 (faust's default), never a false 'healthy'."""
    assert set(HEALTH_PATHS.values()) == {"/health"}
    for path in ("/ready", "/readyz", "/healthz", "/live"):
        status, _, _ = _get(f"http://127.0.0.1:{live.worker.web_port}{path}")
        assert status == 404, (path, status)


def test_model_scores_are_observed(live: Live) -> None:
    assert (_sample(live.before_health, "cdr_detector_model_score_count") or 0.0) > 0
