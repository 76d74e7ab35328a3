"""Stream-level admission of parsed CDRs: event-time sanity and duplicate suppression.

A record can be well formed and still be wrong for this stream: dated 2999 in last month's file, hours
behind what the stream has already passed, or a replayed copy of a record already processed.  These checks
need a little history, so they live here rather than in the stateless parser.  Both are bounded in memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from .records import Cdr, by_constructor


@dataclass(frozen=True, slots=True)
class AdmissionConfig:
    """Tolerances for event time and duplicates (all in seconds of event time)."""

    late_tolerance_s: float = 900.0  # out-of-order records up to 15 min behind the watermark are processed
    max_ahead_s: float = 86_400.0  # a record a day ahead of the stream is a bad clock, not the future
    max_ahead_of_wall_s: float = 7 * 86_400.0  # absolute guard for the very first records (0 disables)
    dedup_horizon_s: float = 6 * 3_600.0  # duplicates are looked for this far back in event time
    dedup_max_ids: int = 1_000_000  # and among at most this many ids, oldest forgotten first
    jump_after: int = 50  # this many consecutive records agreeing on a time far off move the stream there

    def __reduce__(self) -> tuple[type, tuple[Any, ...]]:
        return by_constructor(self)


class EventClock:
    """The stream's watermark: where the stream is in event time.

    Event time drives every feature, so no single timestamp may move the watermark far: a step that would
    make the records at the current watermark late (more than ``late_tolerance_s``) is taken only on
    agreement, when ``jump_after`` consecutive records say so.  In detail, for a record at ``t`` against the
    watermark ``wm`` (after the wall-clock guard, which refuses anything ``max_ahead_of_wall_s`` past the wall
    clock):

    * ``wm - late_tolerance_s <= t <= wm + late_tolerance_s``: admitted; the watermark follows it up.
    * ``t > wm + late_tolerance_s``: ahead.  Admitted if ``t <= wm + max_ahead_s``, refused
      (``time_out_of_range``) beyond; either way the watermark stays.  Consecutive ahead records that lie
      within ``max_ahead_s`` of the earliest of them form a run; the ``jump_after``-th record of a run is
      admitted and moves the watermark to the run's latest time within ``late_tolerance_s`` of its median
      (a feed gap, a stale record that set the watermark, the stream moving on: the stream itself, not one
      record of it, see :func:`_run_watermark`).
    * ``t < wm - late_tolerance_s``: admitted if the call ended within ``late_tolerance_s`` of the watermark
      (see :meth:`check`; the watermark stays), else refused as ``late``.  Only while the watermark is
      unconfirmed (set by the stream's first record and not yet agreed with by ``jump_after`` records),
      consecutive late records that lie within ``max_ahead_s`` of the latest of them also form a run, whose
      ``jump_after``-th record moves the watermark back to it in the same way: a first record from a fast
      clock cannot make the whole stream late.  A confirmed watermark never moves back.

    A record of the other kind (or a late one, for an ahead run) ends a run.  Memory: the current run's times
    (at most ``jump_after`` floats).
    """

    __slots__ = ("watermark", "_cfg", "_run", "_run_ahead", "_run_anchor", "_support")

    def __init__(self, cfg: AdmissionConfig | None = None) -> None:  # default: a compiled class unpickles
        self._cfg = cfg or AdmissionConfig()
        self.watermark: float | None = None
        self._run: list[float] = []  # times of the current run of ahead (or, unconfirmed, late) records
        self._run_ahead = True  # which kind the run is
        self._run_anchor = 0.0  # earliest time of an ahead run, latest of a late run
        self._support = 0  # records admitted near the watermark since the first record (confirmed at jump_after)

    @property
    def confirmed(self) -> bool:
        """Whether the watermark has been agreed with (it then never moves back)."""
        return self._support >= self._cfg.jump_after

    def check(self, t: float, wall_now: float | None, duration: float = 0.0) -> tuple[str, str] | None:
        """Admit (None) or refuse (reason, detail) a record that started at ``t`` and lasted ``duration``.

        Lateness is judged on the record's end as well as its start: a switch writes a call's record when the
        call ends, so a feed in the order records were written has each call behind the stream by its own
        length (a two-hour call abroad arrives two hours after its start, on time).  Only a record that both
        started and ended more than ``late_tolerance_s`` behind the watermark is late.  The watermark itself
        follows starts (event time is the start of a call everywhere else).
        """
        cfg = self._cfg
        wm = self.watermark
        if wall_now is not None and cfg.max_ahead_of_wall_s > 0 and t > wall_now + cfg.max_ahead_of_wall_s:
            return "time_out_of_range", f"event time is {(t - wall_now) / 86400:.1f} days ahead of the wall clock"
        if wm is None:
            self.watermark = t
            self._support = 1
            return None
        tol = cfg.late_tolerance_s
        if wm - tol <= t <= wm + tol:  # the common case: near the watermark
            if self._run:
                self._run.clear()
            if self._support < cfg.jump_after:
                self._support += 1
            if t > wm:
                self.watermark = t
            return None
        if t > wm:
            if self._join_run(t, True):
                return None
            if t > wm + cfg.max_ahead_s:
                return "time_out_of_range", f"event time is {(t - wm) / 3600:.1f} h ahead of the stream"
            return None  # admitted; the watermark waits for agreement
        if t + duration >= wm - tol:  # started long ago, ended within the tolerance: written as it ended
            if self._run:
                self._run.clear()
            return None
        if self._support < cfg.jump_after:
            if self._join_run(t, False):
                return None
        elif self._run:
            self._run.clear()
        return "late", (f"event time is {(wm - t) / 60:.1f} min behind the stream and the call ended "
                        f"{(wm - t - duration) / 60:.1f} min behind it (tolerance {tol / 60:g} min)")

    def _join_run(self, t: float, ahead: bool) -> bool:
        """Add ``t`` to the current run (or start one); True when the run moved the watermark."""
        cfg = self._cfg
        run = self._run
        if run and self._run_ahead == ahead and abs(t - self._run_anchor) <= cfg.max_ahead_s:
            run.append(t)
            if ahead:
                if t < self._run_anchor:
                    self._run_anchor = t
            elif t > self._run_anchor:
                self._run_anchor = t
        else:
            run.clear()
            run.append(t)
            self._run_ahead = ahead
            self._run_anchor = t
        if len(run) < cfg.jump_after:
            return False
        self.watermark = _run_watermark(sorted(run), cfg.late_tolerance_s)
        self._support = cfg.jump_after
        run.clear()
        return True


def _run_watermark(ordered: list[float], tol: float) -> float:
    """Where a completed run puts the watermark: its latest time within ``tol`` above its (lower) median.

    The median keeps any minority of the run (a bad clock inside it) from deciding; taking the latest time
    near it, rather than the median itself, keeps a progressing stream from lagging half a run behind (and so
    from staying in the ahead zone run after run when its records are sparse).
    """
    limit = ordered[(len(ordered) - 1) // 2] + tol
    i = len(ordered) - 1
    while ordered[i] > limit:
        i -= 1
    return ordered[i]


_MIN_COMPACT: Final = 4_096  # forgotten entries the queues keep before dropping them (amortised: half of them)


class DuplicateFilter:
    """Remembers recent ``cdr_id`` values so that a replayed record is counted once, not processed twice.

    A set of the ids plus two parallel lists (ids and times, in the order remembered) used as queues from
    ``_head`` on, for forgetting the oldest: per record one set probe to check, one to add and one to drop the
    oldest.  (An ``OrderedDict`` did the same with ~6 hash look-ups and an iterator per record: ~8% of the
    compiled replay; ``deque`` queues cost a generic method call per append, pop and peek, where lists have
    compiled primitives.)  The lists drop their forgotten prefix once it is half of them.
    """

    __slots__ = ("_seen", "_ids", "_times", "_head", "_cfg")

    def __init__(self, cfg: AdmissionConfig | None = None) -> None:  # default: see EventClock
        self._cfg = cfg or AdmissionConfig()
        self._seen: set[str] = set()
        self._ids: list[str] = []  # remembered ids, oldest first, from _head on
        self._times: list[float] = []  # ... and the event time each was remembered at
        self._head = 0  # entries before it are forgotten

    def __contains__(self, cdr_id: str) -> bool:
        return cdr_id in self._seen

    def remember(self, cdr_id: str, t: float, watermark: float) -> None:
        """Remember an admitted ``cdr_id``; forget the oldest beyond the horizon or the size limit.

        An id already remembered keeps its place and its first time (:meth:`Admission.admit` never remembers
        one twice).
        """
        seen = self._seen
        ids = self._ids
        times = self._times
        n = len(seen)
        seen.add(cdr_id)  # one probe: the size says whether it was new
        if len(seen) != n:
            ids.append(cdr_id)
            times.append(t)
        horizon = watermark - self._cfg.dedup_horizon_s
        limit = self._cfg.dedup_max_ids
        head = self._head
        live = len(ids) - head
        while live and (times[head] < horizon or live > limit):
            seen.discard(ids[head])
            head += 1
            live -= 1
        if head >= _MIN_COMPACT and 2 * head >= len(ids):
            del ids[:head]
            del times[:head]
            head = 0
        self._head = head

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
        bad = self.clock.check(cdr.start, wall_now, cdr.duration)
        if bad is not None:
            return bad
        self.duplicates.remember(cdr.cdr_id, cdr.start, self.clock.watermark or cdr.start)
        return None
