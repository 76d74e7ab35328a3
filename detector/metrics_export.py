"""Replay's metrics: the same series a worker exports, written once at the end as a textfile.

node-exporter's textfile collector picks the file up, so a nightly replay shows in the same dashboards as
the live workers.
"""

from __future__ import annotations

from pathlib import Path

from prometheus_client import CollectorRegistry

from .engine import Counts
from .metrics import Metrics
from .replay import ReplayResult


def record_counts(metrics: Metrics, counts: Counts) -> None:
    """Add an engine's counts to ``metrics`` (used by replay at the end and by workers per batch)."""
    metrics.consumed(counts.consumed)
    metrics.processed(counts.processed)
    for reason, n in counts.rejected.items():
        metrics.rejected(reason, n)
    metrics.duplicate(counts.duplicates)
    for (typology, severity), n in counts.alerts.items():
        for _ in range(n):
            metrics.alert(typology, severity)


def write_replay_metrics(result: ReplayResult, path: Path) -> None:
    metrics = Metrics(CollectorRegistry(), model_version=result.model_version)
    record_counts(metrics, result.raw_counts)
    metrics.state(result.tracked_numbers, int(result.state_bytes_in_memory * result.tracked_numbers))
    metrics.write_textfile(path)
