"""Prometheus metrics: one object that bundles every metric the detector exports.

The object is built from a :class:`~prometheus_client.CollectorRegistry` and a name prefix and is passed to
the adapters (worker, replay) that call its domain-named methods; the core never imports it.  Tests build it
on a fresh registry each time, so nothing leaks between them (the pattern of faust's
``sensors/prometheus.py`` and client_python's own tests).

Names follow the Prometheus conventions: base units (seconds, bytes), ``_total`` on counters (added by
client_python), ``_info`` on the info metric.  With the default prefix the series are::

    cdr_detector_records_consumed_total                 counter
    cdr_detector_records_processed_total                counter
    cdr_detector_records_rejected_total{reason}         counter   reason in REJECT_REASONS
    cdr_detector_records_duplicate_total                counter
    cdr_detector_alerts_total{typology,severity}        counter   typology in TYPOLOGIES, severity in SEVERITIES
    cdr_detector_alerts_withheld_total{typology,severity} counter alerts of allowlisted numbers, made and not sent
    cdr_detector_batch_duration_seconds                 histogram
    cdr_detector_event_time_lag_seconds                 gauge     max (now - CDR start) of the latest batch
    cdr_detector_event_time_lag_distribution_seconds    histogram the same value, one observation per batch
    cdr_detector_consumer_lag_messages{partition}       gauge     partition in 0..max_partitions-1 or "other"
    cdr_detector_cdr_to_alert_latency_seconds           histogram wall time, triggering CDR arrival -> alert produced
    cdr_detector_tracked_numbers                        gauge
    cdr_detector_state_bytes                            gauge
    cdr_detector_model_score                            histogram buckets over [0, 1]
    cdr_detector_worker_info{version,model_version}     info
    cdr_detector_assigned_partitions                    gauge
    cdr_detector_last_event_timestamp_seconds           gauge     newest CDR start time processed, epoch seconds

Every label takes its values from a fixed set; anything outside it is counted under ``"other"``, so a bug or
hostile input can never create a series per phone number.

Serving: :meth:`Metrics.serve` starts client_python's HTTP server.  Its address defaults to ``127.0.0.1``
(:data:`DEFAULT_METRICS_ADDR`), safe on a developer machine; containers set it to ``0.0.0.0`` so that
Prometheus can reach them.  The port defaults to :data:`DEFAULT_METRICS_PORT` (9108).
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterable, Sequence
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info, start_http_server, write_to_textfile

from detector import __version__
from detector.records import REJECT_REASONS as _RECORD_REJECT_REASONS
from detector.records import SEVERITIES as _RECORD_SEVERITIES
from detector.records import TYPOLOGIES

DEFAULT_PREFIX = "cdr_detector"
#: Loopback by default: a developer's worker is not reachable from the network unless asked to.
#: Container images and Kubernetes manifests set ``0.0.0.0``.
DEFAULT_METRICS_ADDR = "127.0.0.1"
#: 9108 is free in the Prometheus default port allocation list and is what the deploy/ manifests use.
DEFAULT_METRICS_PORT = 9108

#: The label value every out-of-set value is mapped to.
OTHER = "other"

#: Reason codes of rejected records (owned by detector.records), always including the catch-all.
REJECT_REASONS: tuple[str, ...] = tuple(dict.fromkeys((*_RECORD_REJECT_REASONS, OTHER)))
#: Alert severities (owned by detector.records, as in schemas/alert.schema.json).
SEVERITIES: tuple[str, ...] = tuple(_RECORD_SEVERITIES)

#: Default upper bound on the ``partition`` label: partitions at or above it are reported as ``"other"``.
DEFAULT_MAX_PARTITIONS = 256

# Bucket boundaries, each chosen for the range it measures.
#: One batch of records through parse -> stages -> policy: 1 ms .. 30 s.
BATCH_SECONDS_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
#: CDR arrival to alert produced: includes batching windows and the repartition hops, so up to minutes.
ALERT_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)
#: Event-time lag: switches batch CDRs every few minutes and late files arrive hours late, so 1 s .. 1 day.
EVENT_LAG_BUCKETS = (1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0, 7200.0, 21600.0, 86400.0)
#: Model scores live in [0, 1]: twenty equal buckets of 0.05.
SCORE_BUCKETS = tuple(round(i * 0.05, 2) for i in range(1, 21))

_NAME_RE = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")


def _bounded(value: object, allowed: frozenset[str]) -> str:
    text = str(value)
    return text if text in allowed else OTHER


class Metrics:
    """All metrics of one detector process, registered on ``registry`` under ``prefix``.

    >>> from prometheus_client import CollectorRegistry
    >>> registry = CollectorRegistry()
    >>> m = Metrics(registry)
    >>> m.consumed(3); m.rejected("bad_time"); m.rejected("+447700900123")
    >>> registry.get_sample_value("cdr_detector_records_consumed_total")
    3.0
    >>> registry.get_sample_value("cdr_detector_records_rejected_total", {"reason": "other"})
    1.0
    """

    def __init__(
        self,
        registry: CollectorRegistry,
        prefix: str = DEFAULT_PREFIX,
        *,
        version: str = __version__,
        model_version: str = "unknown",
        max_partitions: int = DEFAULT_MAX_PARTITIONS,
    ) -> None:
        prefix = prefix.replace("-", "_").replace(".", "_")
        if not _NAME_RE.match(prefix):
            raise ValueError(f"invalid metric name prefix: {prefix!r}")
        if max_partitions < 1:
            raise ValueError("max_partitions must be at least 1")
        self.registry = registry
        self.prefix = prefix
        self.max_partitions = max_partitions
        self._reasons = frozenset(REJECT_REASONS)
        self._typologies = frozenset(TYPOLOGIES) | {OTHER}
        self._severities = frozenset(SEVERITIES) | {OTHER}
        self._last_event_time = -math.inf
        self._info_labels = {"version": __version__, "model_version": "unknown"}
        p = prefix
        r = registry

        self._consumed = Counter(f"{p}_records_consumed", "CDRs read from the input (topic or file), before parsing.", registry=r)
        self._processed = Counter(f"{p}_records_processed", "CDRs that passed validation and went through the stages.", registry=r)
        self._rejected = Counter(
            f"{p}_records_rejected", "Records rejected (sent to the dead-letter topic), by reason code.", ["reason"], registry=r
        )
        self._duplicates = Counter(f"{p}_records_duplicate", "CDRs skipped because their cdr_id was already seen.", registry=r)
        self._alerts = Counter(f"{p}_alerts", "Alerts emitted, by typology and severity.", ["typology", "severity"], registry=r)
        self._withheld = Counter(
            f"{p}_alerts_withheld",
            "Alerts made for numbers on the operator's allowlist and not sent, by typology and severity.",
            ["typology", "severity"],
            registry=r,
        )
        self._batch_seconds = Histogram(
            f"{p}_batch_duration_seconds", "Wall time to process one batch of CDRs.", buckets=BATCH_SECONDS_BUCKETS, registry=r
        )
        self._event_lag = Gauge(
            f"{p}_event_time_lag_seconds", "Largest (now - CDR start time) in the latest batch.", registry=r
        )
        self._event_lag_hist = Histogram(
            f"{p}_event_time_lag_distribution_seconds",
            "Per-batch largest (now - CDR start time).",
            buckets=EVENT_LAG_BUCKETS,
            registry=r,
        )
        self._consumer_lag = Gauge(
            f"{p}_consumer_lag_messages", "Messages between the committed offset and the end of the partition.", ["partition"], registry=r
        )
        self._alert_latency = Histogram(
            f"{p}_cdr_to_alert_latency_seconds",
            "Wall time from the triggering CDR's arrival to the alert's production.",
            buckets=ALERT_LATENCY_BUCKETS,
            registry=r,
        )
        self._tracked_numbers = Gauge(f"{p}_tracked_numbers", "Numbers with live state in this process.", registry=r)
        self._state_bytes = Gauge(f"{p}_state_bytes", "Approximate size of the per-number state in this process.", registry=r)
        self._score = Histogram(f"{p}_model_score", "Model anomaly scores, in [0, 1].", buckets=SCORE_BUCKETS, registry=r)
        self._info = Info(f"{p}_worker", "Detector and model versions.", registry=r)
        self._assigned = Gauge(f"{p}_assigned_partitions", "Input partitions assigned to this worker.", registry=r)
        self._last_event = Gauge(
            f"{p}_last_event_timestamp_seconds", "Start time (event time) of the newest CDR processed, epoch seconds.", registry=r
        )

        # Children made up front: every bounded series exists at 0 from the first scrape, so rate() and
        # increase() see the first increment, and the hot path skips the label lookup.
        self._rejected_children = {reason: self._rejected.labels(reason=reason) for reason in sorted(self._reasons)}
        self._alert_children = {
            (t, s): self._alerts.labels(typology=t, severity=s) for t in sorted(self._typologies) for s in sorted(self._severities)
        }
        self._withheld_children = {
            (t, s): self._withheld.labels(typology=t, severity=s) for t in sorted(self._typologies) for s in sorted(self._severities)
        }
        self.info(version=version, model_version=model_version)

    # -- counters --------------------------------------------------------------------------------------
    def consumed(self, n: int = 1) -> None:
        """``n`` records were read from the input."""
        self._consumed.inc(n)

    def processed(self, n: int = 1) -> None:
        """``n`` valid CDRs went through the stages."""
        self._processed.inc(n)

    def rejected(self, reason: str, n: int = 1) -> None:
        """``n`` records were rejected with ``reason``; a reason outside :data:`REJECT_REASONS` counts as ``other``."""
        child = self._rejected_children.get(reason)
        if child is None:
            child = self._rejected_children[OTHER]
        child.inc(n)

    def rejects(self, reasons: Iterable[str]) -> None:
        """Batch form of :meth:`rejected`: one increment per reason in ``reasons``."""
        counts: dict[str, int] = {}
        for reason in reasons:
            key = reason if reason in self._reasons else OTHER
            counts[key] = counts.get(key, 0) + 1
        for key, n in counts.items():
            self._rejected_children[key].inc(n)

    def duplicate(self, n: int = 1) -> None:
        """``n`` CDRs were skipped as already seen.

        Separate from :meth:`rejected`: an adapter that also sends duplicates to the dead-letter topic
        calls ``rejected("duplicate")`` as well, and they then count in the reject ratio.
        """
        self._duplicates.inc(n)

    def alert(self, typology: str, severity: str, n: int = 1) -> None:
        """``n`` alerts were emitted; out-of-set typology or severity counts as ``other``."""
        self._by_alert(self._alert_children, typology, severity).inc(n)

    def withheld(self, typology: str, severity: str, n: int = 1) -> None:
        """``n`` alerts of allowlisted numbers were made and not sent; labels bounded as in :meth:`alert`."""
        self._by_alert(self._withheld_children, typology, severity).inc(n)

    # -- timings and lags ------------------------------------------------------------------------------
    def batch_seconds(self, seconds: float) -> None:
        """One batch took ``seconds`` of wall time."""
        self._batch_seconds.observe(seconds)

    def event_lag(self, seconds: float) -> None:
        """The latest batch's largest ``now - start_time``: sets the gauge and observes the histogram."""
        self._event_lag.set(seconds)
        self._event_lag_hist.observe(seconds)

    def consumer_lag(self, partition: int, lag: float) -> None:
        """Consumer lag of one input partition, in messages.

        Partitions outside ``0 .. max_partitions - 1`` share the ``"other"`` series.
        """
        self._consumer_lag.labels(partition=self._partition_label(partition)).set(lag)

    def partitions_revoked(self, partitions: Iterable[int]) -> None:
        """Drop the lag series of partitions this worker no longer owns, so they do not go stale here."""
        for partition in partitions:
            label = self._partition_label(partition)
            try:
                self._consumer_lag.remove(label)
            except KeyError:
                pass

    def alert_latency(self, seconds: float) -> None:
        """Wall time from the triggering CDR's arrival to the alert's production."""
        self._alert_latency.observe(seconds)

    # -- state, scores, worker -------------------------------------------------------------------------
    def state(self, tracked_numbers: int, state_bytes: int) -> None:
        """Size of the per-number state held by this process."""
        self._tracked_numbers.set(tracked_numbers)
        self._state_bytes.set(state_bytes)

    def score(self, value: float) -> None:
        """One model score (cheap: one histogram observation)."""
        self._score.observe(value)

    def scores(self, values: Sequence[float]) -> None:
        """A batch of model scores."""
        observe = self._score.observe
        for value in values:
            observe(value)

    def assigned_partitions(self, n: int) -> None:
        """Number of input partitions currently assigned to this worker (0 while rebalancing)."""
        self._assigned.set(n)

    def last_event_time(self, epoch: float) -> None:
        """Start time of a processed CDR; the gauge keeps the newest one seen (records arrive out of order)."""
        if epoch > self._last_event_time:
            self._last_event_time = epoch
            self._last_event.set(epoch)

    def info(self, *, version: str | None = None, model_version: str | None = None) -> None:
        """Set the worker info labels; a value not given keeps its current one."""
        if version is not None:
            self._info_labels["version"] = str(version)
        if model_version is not None:
            self._info_labels["model_version"] = str(model_version)
        self._info.info(dict(self._info_labels))

    # -- export ----------------------------------------------------------------------------------------
    def serve(self, addr: str = DEFAULT_METRICS_ADDR, port: int = DEFAULT_METRICS_PORT) -> Any:
        """Serve ``/metrics`` over HTTP on ``addr:port`` in a daemon thread.

        Returns ``(server, thread)``; call ``server.shutdown()`` and ``server.server_close()`` to stop it.
        Port 0 picks a free port (read it from ``server.server_port``).
        """
        return start_http_server(port, addr=addr, registry=self.registry)

    def write_textfile(self, path: str | os.PathLike[str]) -> None:
        """Write every metric to ``path`` in the text exposition format read by node-exporter's textfile
        collector (written to a temporary file and renamed, so a reader never sees half a file)."""
        write_to_textfile(os.fspath(path), self.registry)

    # -- helpers ---------------------------------------------------------------------------------------
    def _by_alert(self, children: dict[tuple[str, str], Any], typology: str, severity: str) -> Any:
        child = children.get((typology, severity))
        if child is None:
            child = children[(_bounded(typology, self._typologies), _bounded(severity, self._severities))]
        return child

    def _partition_label(self, partition: int) -> str:
        try:
            p = int(partition)
        except (TypeError, ValueError):
            return OTHER
        return str(p) if 0 <= p < self.max_partitions else OTHER
