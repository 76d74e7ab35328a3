"""Raw message in, alerts or a reject out: the loop every adapter (replay, worker, benchmarks) shares.

It owns the parser, the stream admission (event-time range, duplicates) and the detector, and keeps the
accounting that makes "never silently dropped" checkable: ``consumed == processed + rejected + duplicates``
at every moment.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from .admission import Admission, AdmissionConfig
from .parse import CdrParser
from .pipeline import Detector
from .records import Alert, Cdr, Reject


@dataclass(slots=True)
class Counts:
    """What happened to every message fed in: the one accounting object of replay and the worker.

    ``consumed == processed + rejected + duplicates (+ held)`` is checked by :meth:`balanced`; ``held`` is what a
    stream worker has read but holds back for event-time ordering (replay holds nothing).  The worker keeps one
    cumulative ``Counts`` and one per batch (what the batch finished), and exports the latter as metrics with
    :func:`detector.metrics_export.record_counts`, as replay exports its total.
    """

    consumed: int = 0
    processed: int = 0
    duplicates: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    alerts: Counter[tuple[str, str]] = field(default_factory=Counter)  # (typology, severity)

    @property
    def rejected_total(self) -> int:
        return sum(self.rejected.values())

    @property
    def alerts_total(self) -> int:
        return sum(self.alerts.values())

    def reject(self, reason: str) -> None:
        self.rejected[reason] += 1

    def alert(self, typology: str, severity: str) -> None:
        self.alerts[(typology, severity)] += 1

    def add(self, other: "Counts") -> None:
        """Add ``other``'s counts to these (a batch into a worker's total)."""
        self.consumed += other.consumed
        self.processed += other.processed
        self.duplicates += other.duplicates
        if other.rejected:
            self.rejected.update(other.rejected)
        if other.alerts:
            self.alerts.update(other.alerts)

    def by_typology(self) -> Counter[str]:
        out: Counter[str] = Counter()
        for (typology, _), n in self.alerts.items():
            out[typology] += n
        return out

    def balanced(self, held: int = 0) -> bool:
        return self.consumed == self.processed + self.rejected_total + self.duplicates + held

    def to_dict(self) -> dict[str, object]:
        return {
            "consumed": self.consumed,
            "processed": self.processed,
            "duplicates": self.duplicates,
            "rejected": self.rejected_total,
            "rejected_by_reason": dict(sorted(self.rejected.items())),
            "alerts": self.alerts_total,
            "alerts_by_typology": dict(sorted(self.by_typology().items())),
        }


class Engine:
    """Parse -> admit -> detect, with accounting.  No I/O: callers decide where alerts and rejects go."""

    def __init__(self, detector: Detector | None = None, admission: AdmissionConfig | None = None) -> None:
        self.detector = detector or Detector()
        self.parser = CdrParser()
        self.admission = Admission(admission)
        self.counts = Counts()

    def feed(self, raw: bytes | str, line: int | None = None, wall_now: float | None = None) -> list[Alert] | Reject:
        """One raw message.  Returns the alerts it caused, or the reject (duplicates are rejects too)."""
        self.counts.consumed += 1
        parsed = self.parser.parse(raw, line)
        if type(parsed) is Reject:
            self.counts.reject(parsed.reason)
            return parsed
        return self.feed_cdr(parsed, raw, line, wall_now, counted=True)

    def feed_cdr(self, cdr: Cdr, raw: bytes | str = b"", line: int | None = None, wall_now: float | None = None,
                 counted: bool = False) -> list[Alert] | Reject:
        """An already-parsed CDR (generators, tests); ``counted`` if :meth:`feed` already counted it."""
        counts = self.counts
        if not counted:
            counts.consumed += 1
        bad = self.admission.admit(cdr, wall_now)
        if bad is not None:
            reason, detail = bad
            if reason == "duplicate":
                counts.duplicates += 1
            else:
                counts.reject(reason)
            data = raw.encode() if isinstance(raw, str) else raw
            return Reject(reason, detail, data, line)
        counts.processed += 1
        alerts = self.detector.process(cdr)
        for alert in alerts:
            counts.alert(alert.typology, alert.severity)
        return alerts
