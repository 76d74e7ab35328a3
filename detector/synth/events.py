"""Columnar CDR batches, the queue of events that belong to a later chunk, and call outcomes.

Generators produce numpy columns rather than dicts so an hour of a large world is a handful of array
operations; text (JSON) is made only at the very end, in :mod:`detector.synth.writer`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from .timing import Rng

KIND_VOICE, KIND_SMS = 0, 1
RECORD_TYPES = ("voice", "sms")
ANSWERED, BUSY, NO_ANSWER, FAILED = 0, 1, 2, 3
DISPOSITIONS = ("answered", "busy", "no_answer", "failed")
NO_CELL = -1
NO_IMEI = 0
MAX_TALK_S = 3 * 3_600  # switches cut very long calls; our longest are IRSF calls near this cap

_DTYPES: dict[str, Any] = {
    "t": np.int64,  # start, UTC epoch seconds
    "caller": np.int64,  # E.164 digits
    "callee": np.int64,
    "kind": np.int8,  # KIND_VOICE / KIND_SMS
    "disp": np.int8,  # index into DISPOSITIONS
    "dur": np.int32,  # seconds
    "cell": np.int32,  # index into the cell table, NO_CELL for callers outside the home network
    "imei": np.int64,  # NO_IMEI when unknown
    "off": np.int16,  # caller's UTC offset, minutes
}


@dataclass(slots=True)
class EventBatch:
    """A set of CDRs as aligned columns (see ``_DTYPES`` for meaning and units)."""

    t: np.ndarray
    caller: np.ndarray
    callee: np.ndarray
    kind: np.ndarray
    disp: np.ndarray
    dur: np.ndarray
    cell: np.ndarray
    imei: np.ndarray
    off: np.ndarray

    @classmethod
    def build(cls, **columns: Any) -> EventBatch:
        """Batch from columns where scalars broadcast to the common length (e.g. ``kind=KIND_SMS``)."""
        n = max((len(v) for v in columns.values() if np.ndim(v) > 0), default=0)
        missing = set(_DTYPES) - set(columns)
        if missing:
            raise TypeError(f"missing columns: {sorted(missing)}")
        out = {}
        for name, dtype in _DTYPES.items():
            value = np.asarray(columns[name], dtype=dtype)
            out[name] = np.full(n, value, dtype=dtype) if value.ndim == 0 else value
            if len(out[name]) != n:
                raise ValueError(f"column {name} has length {len(out[name])}, expected {n}")
        return cls(**out)

    @classmethod
    def empty(cls) -> EventBatch:
        return cls(**{name: np.empty(0, dtype=dtype) for name, dtype in _DTYPES.items()})

    @classmethod
    def concat(cls, batches: list[EventBatch]) -> EventBatch:
        batches = [b for b in batches if len(b)]
        if not batches:
            return cls.empty()
        if len(batches) == 1:
            return batches[0]
        return cls(**{f.name: np.concatenate([getattr(b, f.name) for b in batches]) for f in fields(cls)})

    def take(self, index: np.ndarray) -> EventBatch:
        """Rows selected by an index or boolean mask, as a new batch."""
        return EventBatch(**{f.name: getattr(self, f.name)[index] for f in fields(self)})

    def __len__(self) -> int:
        return len(self.t)


class PendingQueue:
    """Events generated early that start in a later chunk (callbacks, calls chained over an hour mark).

    Holding them here and releasing them only with their own chunk is what keeps the output globally
    sorted while each chunk is sorted on its own.  Its size is bounded by the longest deferral.
    """

    def __init__(self) -> None:
        self._batches: list[EventBatch] = []

    def push(self, batch: EventBatch) -> None:
        if len(batch):
            self._batches.append(batch)

    def pop_before(self, t1: int) -> EventBatch:
        """Remove and return every held event with start < t1."""
        held = EventBatch.concat(self._batches)
        due = held.t < t1
        self._batches = [held.take(~due)] if not due.all() else []
        return held.take(due)

    def __len__(self) -> int:
        return sum(len(b) for b in self._batches)


def voice_outcomes(
    rng: Rng,
    n: int,
    p_answer: np.ndarray | float,
    talk_mu: np.ndarray | float,
    talk_sigma: np.ndarray | float,
    *,
    p_busy: float = 0.3,
    p_failed: float = 0.07,
    ring_s: tuple[float, float] = (8.0, 40.0),
    p_quick_hangup: float = 0.12,
) -> tuple[np.ndarray, np.ndarray]:
    """Disposition and duration of ``n`` voice attempts.

    Answered: log-normal talk time.  Not answered: ``p_busy`` / ``p_failed`` of them are busy / failed and
    the rest ring until the caller gives up; ``p_quick_hangup`` of those ring only 1-6 s, so a one-ring call
    is not by itself a fraud tell.  Duration of an unanswered call is its ring time (busy 0-2 s, failed 0).
    """
    u = rng.random(n)
    answered = u < p_answer
    v = rng.random(n)
    disp = np.where(answered, ANSWERED, np.where(v < p_busy, BUSY, np.where(v < p_busy + p_failed, FAILED, NO_ANSWER)))
    talk = np.exp(talk_mu + talk_sigma * rng.standard_normal(n))
    ring = np.where(rng.random(n) < p_quick_hangup, rng.uniform(1.0, 6.0, n), rng.uniform(*ring_s, n))
    dur = np.select(
        [disp == ANSWERED, disp == NO_ANSWER, disp == BUSY],
        [np.clip(talk, 1.0, MAX_TALK_S), ring, rng.uniform(0.0, 2.5, n)],
        0.0,
    )
    return disp.astype(np.int8), dur.astype(np.int32)


def sms_outcomes(rng: Rng, n: int, p_failed: float = 0.012) -> tuple[np.ndarray, np.ndarray]:
    """SMS: "answered" means delivered; a few fail.  Duration is always 0."""
    disp = np.where(rng.random(n) < p_failed, FAILED, ANSWERED).astype(np.int8)
    return disp, np.zeros(n, dtype=np.int32)


def mixed_outcomes(rng: Rng, is_sms: np.ndarray, **voice: Any) -> tuple[np.ndarray, np.ndarray]:
    """Outcomes for a mix of SMS and voice rows; voice keyword arguments may be per-row arrays."""
    n = len(is_sms)
    disp, dur = voice_outcomes(rng, n, **voice)
    sms_disp, _ = sms_outcomes(rng, n)
    disp = np.where(is_sms, sms_disp, disp).astype(np.int8)
    dur = np.where(is_sms, 0, dur).astype(np.int32)
    return disp, dur
