"""Stream-level admission of parsed CDRs: event-time sanity and duplicate suppression.

A record can be well formed and still be wrong for this stream: dated 2999 in last month's file, hours
behind what the stream has already passed, or a replayed copy of a record already processed.  These checks
need a little history, so they live here rather than in the stateless parser.  Both are bounded in memory.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from .records import Cdr


@dataclass(frozen=True, slots=True)
class AdmissionConfig:
    """Tolerances for event time and duplicates (all in seconds of event time)."""

    late_tolerance_s: float = 900.0  # out-of-order records up to 15 min behind the watermark are processed
    max_ahead_s: float = 86_400.0  # a record a day ahead of the stream is a bad clock, not the future
    max_ahead_of_wall_s: float = 7 * 86_400.0  # absolute guard for the very first records (0 disables)
    dedup_horizon_s: float = 6 * 3_600.0  # duplicates are looked for this far back in event time
    dedup_max_ids: int = 1_000_000  # and among at most this many ids, oldest forgotten first
    jump_after: int = 50  # this many consecutive records agreeing on a time far ahead move the stream there


class EventClock:
    """The stream's watermark: the highest event time admitted so far.

    Event time drives every feature, so one absurd timestamp must not move it.  A record is refused when it
    is more than ``max_ahead_s`` ahead of the watermark (or of the wall clock, for the first records of a
    stream) or more than ``late_tolerance_s`` behind it.
    """

    __slots__ = ("watermark", "_cfg", "_ahead_t", "_ahead_n")

    def __init__(self, cfg: AdmissionConfig) -> None:
        self._cfg = cfg
        self.watermark: float | None = None
        self._ahead_t = 0.0  # the earliest of the current run of consecutive far-ahead records
        self._ahead_n = 0  # how long that run is

    def check(self, t: float, wall_now: float | None) -> tuple[str, str] | None:
        cfg = self._cfg
        wm = self.watermark
        if wall_now is not None and cfg.max_ahead_of_wall_s > 0 and t > wall_now + cfg.max_ahead_of_wall_s:
            return "time_out_of_range", f"event time is {(t - wall_now) / 86400:.1f} days ahead of the wall clock"
        if wm is None:
            self.watermark = t
            return None
        if t > wm + cfg.max_ahead_s:
            # One record from the future is a bad clock; a run of them that agree with each other is the
            # stream itself moving on (a feed gap, or a stale first record that set the watermark).  The run's
            # records are rejected (and counted) until it is long enough to move the watermark.
            if self._ahead_n and abs(t - self._ahead_t) <= cfg.max_ahead_s:
                self._ahead_n += 1
                self._ahead_t = min(self._ahead_t, t)
            else:
                self._ahead_n = 1
                self._ahead_t = t
            if self._ahead_n >= cfg.jump_after:
                self.watermark = t
                self._ahead_n = 0
                return None
            return "time_out_of_range", f"event time is {(t - wm) / 3600:.1f} h ahead of the stream"
        self._ahead_n = 0
        if t < wm - cfg.late_tolerance_s:
            return "late", f"event time is {(wm - t) / 60:.1f} min behind the stream (tolerance {cfg.late_tolerance_s / 60:g} min)"
        if t > wm:
            self.watermark = t
        return None


class DuplicateFilter:
    """Remembers recent ``cdr_id`` values so that a replayed record is counted once, not processed twice."""

    __slots__ = ("_seen", "_cfg")

    def __init__(self, cfg: AdmissionConfig) -> None:
        self._cfg = cfg
        self._seen: OrderedDict[str, float] = OrderedDict()

    def __contains__(self, cdr_id: str) -> bool:
        return cdr_id in self._seen

    def remember(self, cdr_id: str, t: float, watermark: float) -> None:
        """Remember an admitted ``cdr_id``; forget the oldest beyond the horizon or the size limit."""
        seen = self._seen
        seen[cdr_id] = t
        horizon = watermark - self._cfg.dedup_horizon_s
        limit = self._cfg.dedup_max_ids
        while seen:
            oldest_t = next(iter(seen.values()))
            if oldest_t < horizon or len(seen) > limit:
                seen.popitem(last=False)
            else:
                break

    def __len__(self) -> int:
        return len(self._seen)


class Admission:
    """Duplicate check, then event-time check.  Returns a (reason, detail) pair to reject, or None."""

    __slots__ = ("clock", "duplicates")

    def __init__(self, cfg: AdmissionConfig | None = None) -> None:
        cfg = cfg or AdmissionConfig()
        self.clock = EventClock(cfg)
        self.duplicates = DuplicateFilter(cfg)

    def admit(self, cdr: Cdr, wall_now: float | None = None) -> tuple[str, str] | None:
        # Duplicates first: a replayed copy is a duplicate whatever its time, and is counted once as such.
        if cdr.cdr_id in self.duplicates:
            return "duplicate", f"cdr_id {cdr.cdr_id[:40]!r} already processed"
        bad = self.clock.check(cdr.start, wall_now)
        if bad is not None:
            return bad
        self.duplicates.remember(cdr.cdr_id, cdr.start, self.clock.watermark or cdr.start)
        return None
