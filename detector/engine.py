"""Raw message in, alerts or a reject out: the loop every adapter (replay, worker, benchmarks) shares.

It owns the parser, the stream admission (event-time range, duplicates) and the detector, and keeps the
accounting that makes "never silently dropped" checkable: ``consumed == processed + rejected + duplicates``
at every moment.
"""

from __future__ import annotations

from .admission import Admission, AdmissionConfig
from .counts import Counts
from .parse import CdrParser
from .pipeline import Detector
from .records import Alert, Cdr, Reject


class Engine:
    """Parse -> admit -> detect, with accounting.  No I/O: callers decide where alerts and rejects go."""

    def __init__(self, detector: Detector | None = None, admission: AdmissionConfig | None = None) -> None:
        self.detector = detector or Detector()
        self.parser = CdrParser()
        self.admission = Admission(admission)
        self.counts = Counts()

    def feed(self, raw: bytes | str, line: int | None = None, wall_now: float | None = None) -> list[Alert] | Reject:
        """One raw message.  Returns the alerts it caused (less any withheld by the allowlist, which are counted),
        or the reject (duplicates are rejects too)."""
        self.counts.consumed += 1
        parsed = self.parser.parse(raw, line)
        if isinstance(parsed, Reject):
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
        if not alerts:
            return alerts
        return [alert for alert in alerts if counts.record(alert)]
