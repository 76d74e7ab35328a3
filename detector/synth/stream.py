"""The chunked event-time loop: honest traffic and fraud operations, one chunk (an hour) at a time.

Every generator only ever emits events at or after the chunk start; those that start after the chunk
end (a callback tomorrow) wait in a :class:`PendingQueue` until their own chunk.  Each chunk is sorted on
its own, and chunks are disjoint and in order, so the whole stream is sorted without ever being held.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from .config import GeneratorConfig
from .events import ANSWERED, DISPOSITIONS, RECORD_TYPES, EventBatch, PendingQueue
from .population import PROFILE_NAMES
from .timing import iso_utc
from .world import World, build_world, resolve_config


class SyntheticStream:
    """One generated world and its CDR stream; iterate :meth:`batches` or :meth:`cdrs` once."""

    def __init__(self, config: GeneratorConfig) -> None:
        self.config = resolve_config(config)
        self.world: World = build_world(self.config)
        self.id_prefix = f"s{self.config.seed}-"
        self.max_chunk = 0
        self.max_pending = 0
        self.count = 0
        self.self_calls_dropped = 0

    # ------------------------------------------------------------------ CDRs

    def batches(self) -> Iterator[EventBatch]:
        """Sorted columnar batches, one per chunk, in event-time order."""
        world, seed = self.world, self.config.seed
        pending = PendingQueue()
        step = self.config.chunk_seconds
        zero_unanswered = self.config.unanswered_duration == "zero"
        for chunk, t0 in enumerate(range(world.start, world.end, step)):
            t1 = min(t0 + step, world.end)
            parts = [world.legit.events(np.random.default_rng([seed, 3, chunk]), t0, t1)]
            for k, scheme in enumerate(world.schemes):
                parts.append(scheme.events(np.random.default_rng([seed, 4, chunk, k]), t0, t1))
            parts.append(pending.pop_before(t1))
            batch = EventBatch.concat(parts)
            if len(batch) and int(batch.t.min()) < t0:
                raise AssertionError("a generator emitted an event before its chunk: output would be unsorted")
            later = batch.t >= t1
            pending.push(batch.take(later & (batch.t < world.end)))
            keep = ~later & (batch.caller != batch.callee)  # a sweep may hit the dialer's own number: no self-calls
            self.self_calls_dropped += int((~later).sum() - keep.sum())
            batch = batch.take(keep)
            batch = batch.take(np.argsort(batch.t, kind="stable"))
            if zero_unanswered:
                batch.dur[batch.disp != ANSWERED] = 0
            self.max_chunk = max(self.max_chunk, len(batch))
            self.max_pending = max(self.max_pending, len(pending))
            self.count += len(batch)
            yield batch

    def cdrs(self) -> Iterator[dict[str, Any]]:
        """CDR dicts (the JSON objects of cdrs.jsonl) in event-time order."""
        from .writer import batch_dicts

        seq = 0
        for batch in self.batches():
            yield from batch_dicts(batch, seq, self.id_prefix, self.world.cells.text)
            seq += len(batch)

    def jsonl_chunks(self) -> Iterator[bytes]:
        """cdrs.jsonl content, one chunk of lines at a time (what the writer writes)."""
        from .writer import format_jsonl

        seq = 0
        for batch in self.batches():
            yield format_jsonl(batch, seq, self.id_prefix, self.world.cells.json)
            seq += len(batch)

    # ------------------------------------------------------------------ truth

    def labels(self) -> list[tuple[str, str, str, str]]:
        """(number, label, typology, fraud_start) rows: fraud numbers, then every honest subscriber."""
        rows: list[tuple[str, str, str, str]] = []
        seen: set[int] = set()
        for scheme in sorted(self.world.schemes, key=lambda s: (s.typology, s.fraud_start)):
            for number in scheme.labeled.tolist():
                if number not in seen:
                    seen.add(number)
                    rows.append((f"+{number}", "fraud", scheme.typology, iso_utc(scheme.fraud_start)))
        rows.sort(key=lambda r: (r[2], r[0]))
        pop = self.world.pop
        legit = [
            (f"+{num}", "legit", PROFILE_NAMES[prof], "")
            for num, prof in zip(pop.number.tolist(), pop.profile.tolist())
            if num not in seen
        ]
        legit.sort(key=lambda r: (r[2], r[0]))
        return rows + legit

    def summary(self) -> dict[str, Any]:
        """Manifest body describing the world (counts, operations, conventions); no timing."""
        world, config = self.world, self.config
        fraud_rows = [r for r in self.labels() if r[1] == "fraud"]
        numbers_by_typology: dict[str, int] = {}
        operations_by_typology: dict[str, int] = {}
        for row in fraud_rows:
            numbers_by_typology[row[2]] = numbers_by_typology.get(row[2], 0) + 1
        for scheme in world.schemes:
            operations_by_typology[scheme.typology] = operations_by_typology.get(scheme.typology, 0) + 1
        profiles = world.pop.profile_counts()
        for scheme in world.schemes:  # compromised subscribers are labeled fraud, not legit
            for pop_row in world.pop.index_of(scheme.labeled).tolist():
                if pop_row >= 0:
                    profiles[PROFILE_NAMES[world.pop.profile[pop_row]]] -= 1
        return {
            "generator": "detector.synth",
            "seed": config.seed,
            "parameters": config.to_dict(),
            "home_network": {
                "country_code": world.home.cc,
                "mcc": world.home.mcc,
                "mnc": config.home_mnc,
                "utc_offset_min": world.home_offset_min,
            },
            "start": iso_utc(world.start),
            "end": iso_utc(world.end),
            "subscribers": world.pop.n,
            "legit_by_profile": profiles,
            "fraud_numbers_by_typology": numbers_by_typology,
            "fraud_operations_by_typology": operations_by_typology,
            "fraud_operations": [s.describe() for s in world.schemes],
            "premium_ranges": [f"+{r.prefix}" for r in world.premium],
            "conventions": CONVENTIONS,
            "record_types": list(RECORD_TYPES),
            "dispositions": list(DISPOSITIONS),
        }


CONVENTIONS = {
    "duration_s": "answered voice: talk time; no_answer: ring time until the caller gave up (or 0 with "
    "unanswered_duration=zero); busy: 0-2 s; failed: 0; sms: 0",
    "sms_disposition": "answered = delivered, failed = not delivered",
    "cell_id_imei": "present when the caller is on a network we see (home subscribers, home fraud SIMs, "
    "inbound roamers); null for callers from other networks and abroad",
    "start_time": "integral seconds, caller's local UTC offset (home offset; the visited country's offset "
    "for travellers abroad; the origin country's for foreign callers)",
    "labels": "fraud rows: numbers that originate fraud traffic (plus callee-only revenue numbers when "
    "label_revenue_numbers); legit rows: every honest entity with its profile",
}
