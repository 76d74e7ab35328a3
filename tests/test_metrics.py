"""detector.metrics: every method on a fresh registry, bounded labels, the exports."""

from __future__ import annotations

import urllib.request

import pytest
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families

from detector import __version__
from detector.metrics import REJECT_REASONS, SCORE_BUCKETS, SEVERITIES, Metrics
from detector.records import TYPOLOGIES

P = "cdr_detector"


@pytest.fixture
def registry() -> CollectorRegistry:
    return CollectorRegistry()


@pytest.fixture
def metrics(registry: CollectorRegistry) -> Metrics:
    return Metrics(registry, version="1.2.3", model_version="hst-7")


def value(registry: CollectorRegistry, name: str, labels: dict[str, str] | None = None) -> float | None:
    return registry.get_sample_value(name, labels or {})


def series(registry: CollectorRegistry, name: str) -> list[dict[str, str]]:
    return [s.labels for fam in registry.collect() for s in fam.samples if s.name == name]


def test_counters(metrics: Metrics, registry: CollectorRegistry) -> None:
    metrics.consumed(5)
    metrics.consumed()
    metrics.processed(4)
    metrics.duplicate()
    metrics.duplicate(2)
    assert value(registry, f"{P}_records_consumed_total") == 6
    assert value(registry, f"{P}_records_processed_total") == 4
    assert value(registry, f"{P}_records_duplicate_total") == 3


def test_rejected_by_reason(metrics: Metrics, registry: CollectorRegistry) -> None:
    metrics.rejected("bad_time")
    metrics.rejected("bad_time", 2)
    metrics.rejected("malformed_json")
    metrics.rejects(["encoding", "encoding", "nonsense"])
    name = f"{P}_records_rejected_total"
    assert value(registry, name, {"reason": "bad_time"}) == 3
    assert value(registry, name, {"reason": "malformed_json"}) == 1
    assert value(registry, name, {"reason": "encoding"}) == 2
    assert value(registry, name, {"reason": "other"}) == 1
    # every known reason exists from the start, at 0
    assert value(registry, name, {"reason": "too_large"}) == 0
    assert {s["reason"] for s in series(registry, name)} == set(REJECT_REASONS)


def test_reject_reasons_are_the_documented_codes() -> None:
    assert set(REJECT_REASONS) >= {
        "malformed_json", "not_an_object", "missing_field", "wrong_type", "bad_number", "bad_time", "bad_enum",
        "bad_duration", "time_out_of_range", "too_large", "encoding", "duplicate", "other",
    }


def test_unknown_reasons_collapse_into_one_series(metrics: Metrics, registry: CollectorRegistry) -> None:
    for i in range(10_000):
        metrics.rejected(f"+4477009{i:05d}")
    metrics.rejects(f"reason-{i}" for i in range(10_000))
    name = f"{P}_records_rejected_total"
    assert value(registry, name, {"reason": "other"}) == 20_000
    assert len(series(registry, name)) == len(REJECT_REASONS)


def test_alerts_by_typology_and_severity(metrics: Metrics, registry: CollectorRegistry) -> None:
    metrics.alert("wangiri", "high")
    metrics.alert("wangiri", "high")
    metrics.alert("simbox", "critical")
    metrics.alert("+447700900123", "high")
    metrics.alert("irsf", "apocalyptic")
    metrics.alert("wangiri", "high", 5)  # a batch's worth at once
    name = f"{P}_alerts_total"
    assert value(registry, name, {"typology": "wangiri", "severity": "high"}) == 7
    assert value(registry, name, {"typology": "simbox", "severity": "critical"}) == 1
    assert value(registry, name, {"typology": "other", "severity": "high"}) == 1
    assert value(registry, name, {"typology": "irsf", "severity": "other"}) == 1
    assert value(registry, name, {"typology": "robocall", "severity": "low"}) == 0


def test_alert_labels_bounded(metrics: Metrics, registry: CollectorRegistry) -> None:
    for i in range(5_000):
        metrics.alert(f"t{i}", f"s{i}")
    labels = series(registry, f"{P}_alerts_total")
    assert len(labels) == (len(TYPOLOGIES) + 1) * (len(SEVERITIES) + 1)
    assert value(registry, f"{P}_alerts_total", {"typology": "other", "severity": "other"}) == 5_000


def test_batch_seconds_histogram(metrics: Metrics, registry: CollectorRegistry) -> None:
    metrics.batch_seconds(0.003)
    metrics.batch_seconds(0.2)
    name = f"{P}_batch_duration_seconds"
    assert value(registry, f"{name}_count") == 2
    assert value(registry, f"{name}_sum") == pytest.approx(0.203)
    assert value(registry, f"{name}_bucket", {"le": "0.005"}) == 1
    assert value(registry, f"{name}_bucket", {"le": "+Inf"}) == 2


def test_event_lag_gauge_and_histogram(metrics: Metrics, registry: CollectorRegistry) -> None:
    metrics.event_lag(120.0)
    metrics.event_lag(7.5)
    assert value(registry, f"{P}_event_time_lag_seconds") == 7.5
    assert value(registry, f"{P}_event_time_lag_distribution_seconds_count") == 2
    assert value(registry, f"{P}_event_time_lag_distribution_seconds_bucket", {"le": "15.0"}) == 1


def test_consumer_lag_per_partition(metrics: Metrics, registry: CollectorRegistry) -> None:
    metrics.consumer_lag(0, 10)
    metrics.consumer_lag(3, 250)
    metrics.consumer_lag(3, 200)
    name = f"{P}_consumer_lag_messages"
    assert value(registry, name, {"partition": "0"}) == 10
    assert value(registry, name, {"partition": "3"}) == 200
    metrics.partitions_revoked([3, 99])
    assert value(registry, name, {"partition": "3"}) is None
    assert value(registry, name, {"partition": "0"}) == 10


def test_consumer_lag_partition_label_bounded(registry: CollectorRegistry) -> None:
    m = Metrics(registry, max_partitions=8)
    for p in range(1_000):
        m.consumer_lag(p, p)
    m.consumer_lag(-1, 5)
    labels = {s["partition"] for s in series(registry, f"{P}_consumer_lag_messages")}
    assert labels == {str(p) for p in range(8)} | {"other"}


def test_alert_latency(metrics: Metrics, registry: CollectorRegistry) -> None:
    metrics.alert_latency(0.04)
    metrics.alert_latency(3.0)
    name = f"{P}_cdr_to_alert_latency_seconds"
    assert value(registry, f"{name}_count") == 2
    assert value(registry, f"{name}_bucket", {"le": "0.05"}) == 1
    assert value(registry, f"{name}_sum") == pytest.approx(3.04)


def test_state(metrics: Metrics, registry: CollectorRegistry) -> None:
    metrics.state(tracked_numbers=1234, state_bytes=5_000_000)
    assert value(registry, f"{P}_tracked_numbers") == 1234
    assert value(registry, f"{P}_state_bytes") == 5_000_000
    metrics.state(10, 100)
    assert value(registry, f"{P}_tracked_numbers") == 10


def test_scores(metrics: Metrics, registry: CollectorRegistry) -> None:
    metrics.score(0.01)
    metrics.scores([0.5, 0.97, 1.0])
    metrics.scores([])
    name = f"{P}_model_score"
    assert value(registry, f"{name}_count") == 4
    assert value(registry, f"{name}_bucket", {"le": "0.05"}) == 1
    assert value(registry, f"{name}_bucket", {"le": "0.5"}) == 2
    assert value(registry, f"{name}_bucket", {"le": "0.95"}) == 2
    assert value(registry, f"{name}_bucket", {"le": "1.0"}) == 4
    assert SCORE_BUCKETS[0] > 0 and SCORE_BUCKETS[-1] == 1.0


def test_worker_info(metrics: Metrics, registry: CollectorRegistry) -> None:
    name = f"{P}_worker_info"
    assert value(registry, name, {"version": "1.2.3", "model_version": "hst-7"}) == 1
    metrics.info(model_version="hst-8")
    assert value(registry, name, {"version": "1.2.3", "model_version": "hst-8"}) == 1
    assert len(series(registry, name)) == 1


def test_worker_info_defaults(registry: CollectorRegistry) -> None:
    Metrics(registry)
    assert value(registry, f"{P}_worker_info", {"version": __version__, "model_version": "unknown"}) == 1


def test_assigned_partitions_and_last_event_time(metrics: Metrics, registry: CollectorRegistry) -> None:
    metrics.assigned_partitions(4)
    assert value(registry, f"{P}_assigned_partitions") == 4
    metrics.last_event_time(1_700_000_100.0)
    metrics.last_event_time(1_700_000_000.0)  # out of order: the newest is kept
    assert value(registry, f"{P}_last_event_timestamp_seconds") == 1_700_000_100.0


def test_prefix(registry: CollectorRegistry) -> None:
    m = Metrics(registry, prefix="fraud-eu.west")
    m.consumed(2)
    assert registry.get_sample_value("fraud_eu_west_records_consumed_total") == 2
    with pytest.raises(ValueError):
        Metrics(CollectorRegistry(), prefix="9bad")


def test_two_instances_on_separate_registries_do_not_clash() -> None:
    a, b = CollectorRegistry(), CollectorRegistry()
    Metrics(a).consumed(1)
    Metrics(b).consumed(2)
    assert a.get_sample_value(f"{P}_records_consumed_total") == 1
    assert b.get_sample_value(f"{P}_records_consumed_total") == 2


def _exercise(m: Metrics) -> None:
    m.consumed(3)
    m.processed(2)
    m.rejected("bad_enum")
    m.duplicate()
    m.alert("wangiri", "medium")
    m.batch_seconds(0.01)
    m.event_lag(30)
    m.consumer_lag(1, 7)
    m.alert_latency(0.2)
    m.state(5, 512)
    m.scores([0.2, 0.9])
    m.assigned_partitions(2)
    m.last_event_time(1_700_000_000)


def test_write_textfile_parses(tmp_path, metrics: Metrics) -> None:
    _exercise(metrics)
    path = tmp_path / "cdr_detector.prom"
    metrics.write_textfile(path)
    text = path.read_text()
    families = {f.name: f for f in text_string_to_metric_families(text)}
    assert families[f"{P}_records_consumed"].type == "counter"
    assert families[f"{P}_model_score"].type == "histogram"
    assert families[f"{P}_worker_info"].type == "gauge"  # the text format has no info type
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value for f in families.values() for s in f.samples}
    assert samples[(f"{P}_records_consumed_total", ())] == 3
    assert samples[(f"{P}_records_rejected_total", (("reason", "bad_enum"),))] == 1
    assert samples[(f"{P}_consumer_lag_messages", (("partition", "1"),))] == 7
    assert samples[(f"{P}_last_event_timestamp_seconds", ())] == 1_700_000_000
    assert not list(tmp_path.glob("*.tmp*")), "temporary file left behind"


def test_serve_on_loopback(metrics: Metrics) -> None:
    _exercise(metrics)
    server, thread = metrics.serve("127.0.0.1", 0)
    try:
        port = server.server_port
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as resp:
            body = resp.read().decode()
        names = {s.name for f in text_string_to_metric_families(body) for s in f.samples}
        assert f"{P}_records_processed_total" in names
        assert f"{P}_worker_info" in names
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
