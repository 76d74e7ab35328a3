"""Replay's metrics: the same series a worker exports, written once at the end as a textfile.

node-exporter's textfile collector picks the file up, so a nightly replay shows in the same dashboards as
the live workers.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .counts import Counts
from .metrics import Metrics

if TYPE_CHECKING:
    from .replay import ReplayResult


def record_counts(metrics: Metrics, counts: Counts) -> None:
    """Add counts to ``metrics``: replay's total at the end, a worker's batch (what it finished) per batch."""
    if counts.consumed:
        metrics.consumed(counts.consumed)
    if counts.processed:
        metrics.processed(counts.processed)
    for reason, n in counts.rejected.items():
        metrics.rejected(reason, n)
    if counts.duplicates:
        metrics.duplicate(counts.duplicates)
    for (typology, severity), n in counts.alerts.items():
        metrics.alert(typology, severity, n)
    for (typology, severity), n in counts.withheld.items():
        metrics.withheld(typology, severity, n)


def write_replay_metrics(result: "ReplayResult", path: Path) -> None:
    from prometheus_client import CollectorRegistry

    metrics = Metrics(CollectorRegistry(), model_version=result.model_version)
    record_counts(metrics, result.raw_counts)
    metrics.state(result.tracked_numbers, int(result.state_bytes_in_memory * result.tracked_numbers))
    metrics.write_textfile(path)
