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
    """What happened to every message fed in."""

    consumed: int = 0
    processed: int = 0
    duplicates: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    alerts: Counter[tuple[str, str]] = field(default_factory=Counter)  # (typology, severity)

    @property
    def rejected_total(self) -> int:
        return sum(self.rejected.values())

    def by_typology(self) -> Counter[str]:
        out: Counter[str] = Counter()
        for (typology, _), n in self.alerts.items():
            out[typology] += n
        return out

    def balanced(self) -> bool:
        return self.consumed == self.processed + self.rejected_total + self.duplicates

    def to_dict(self) -> dict[str, object]:
        return {
            "consumed": self.consumed,
            "processed": self.processed,
            "duplicates": self.duplicates,
            "rejected": self.rejected_total,
            "rejected_by_reason": dict(sorted(self.rejected.items())),
            "alerts": sum(self.alerts.values()),
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
            self.counts.rejected[parsed.reason] += 1
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
                counts.rejected[reason] += 1
            data = raw.encode() if isinstance(raw, str) else raw
            return Reject(reason, detail, data, line)
        counts.processed += 1
        alerts = self.detector.process(cdr)
        for alert in alerts:
            counts.alerts[(alert.typology, alert.severity)] += 1
        return alerts
