"""Per-entity event plumbing shared by the legit and fraud behaviours.

An event is the tuple ``(t, record_type, caller, callee, duration_s, disposition, offset_min, cell, imei)``
with ``t`` integer UTC epoch seconds.  A behaviour yields *lists* of events: the first one is the primary
event (times non-decreasing across yields), the rest are follow-ups at the same time or later (callbacks,
replies, retries).  ``drive`` turns that into a time-ordered stream using a small local heap, so each
entity holds only its own pending follow-ups.
"""

from __future__ import annotations

import heapq
from typing import Iterable, Iterator

Event = tuple  # (t, rtype, caller, callee, dur, disp, off, cell, imei)


def drive(gid: int, batches: Iterable[list[Event]], t_end: int) -> Iterator[tuple]:
    """Time-ordered ``(t, gid, k, event)`` for one entity; events at or after ``t_end`` are dropped."""
    pending: list[tuple] = []
    k = 0
    for batch in batches:
        if not batch:
            continue
        t = batch[0][0]
        while pending and pending[0][0] <= t:
            item = heapq.heappop(pending)
            yield (item[0], gid, item[1], item[2])
        for ev in batch:
            if ev[0] < t_end:
                heapq.heappush(pending, (ev[0], k, ev))
                k += 1
    while pending:
        item = heapq.heappop(pending)
        yield (item[0], gid, item[1], item[2])
