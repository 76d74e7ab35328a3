"""The worker's batch step, without Kafka: records in, state writes and messages to produce out.

One :class:`BatchProcessor` per worker process.  The Kafka adapter (:mod:`.app`) hands it, per batch, the
messages fetched from the four co-partitioned topics it owns and the state stores (faust tables); tests
hand it lists and dict stores.  The flow is :meth:`detector.pipeline.Detector.process`, cut at the two
places where a CDR's effects belong to another key:

* ``cdrs`` (keyed by caller): parse, admit, caller stage on the caller's :class:`NumberState`, its candidate
  to the policy; then an *inbound* event (carrying the caller stage's callback flag) to the callee's
  partition and a *handset* event to the IMEI's partition.
* ``inbound`` (keyed by callee): callee stage on the callee's ``NumberState``, candidate to the policy.
* ``handset`` (keyed by IMEI): handset stage; what it finds (active SIMs on the handset, their call rate)
  is evidence about the caller, so it goes to the caller's partition on the ``evidence`` topic.
* ``site`` (keyed by cell, cold calls only): site stage; what it finds (cold callers in the cell and how
  people take their calls) is evidence about the caller too, on the ``evidence`` topic.
* ``evidence`` (keyed by number): :meth:`CallerStage.on_handset` or :meth:`CallerStage.on_site` on the
  caller's ``NumberState``.

Candidates come only from the caller and callee stages, i.e. from the partition that owns the number, so the
policy (keyed by number, state in the ``episodes`` table) runs right there, in the same loop.

Every topic has the same partition count and the same key (a number, or an IMEI for ``handset``), so
partition p of every topic and of every table's changelog belongs to one worker, and one sequential
loop owns every read-modify-write of a number's state: the caller and callee stages never race.

The stages work on the stores' dicts directly (the live state objects); the processor notes which keys each
stage changed, and :meth:`BatchProcessor.flush_state` persists each changed key once, however many batches
changed it since the previous flush (the Kafka adapter flushes at most every ``state_flush_s`` and always
before the offsets of those batches are committed).  CDR partitions are merged by event time before the caller
stage (:class:`Aligner`), so partitions consumed at different speeds do not skew event time between numbers.
A store that keeps only hot keys in memory (:class:`HotStore`, ``store=rocksdb``) is handed the keys a batch
touches before its stages run.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any, Callable, Iterable, Iterator, MutableMapping, Protocol, runtime_checkable

import orjson

from ..admission import Admission, AdmissionConfig
from ..allowlist import Allowlist
from ..codec import alert_to_json, reject_to_dict
from ..counts import Counts
from ..features import handset_key
from ..parse import CdrParser
from ..pipeline import DetectorConfig, Stages, build_stages
from ..records import Alert, Candidate, Cdr, Reject
from .codec import Partitioner, cdr_fields, cdr_from_fields, pack, unpack

log = logging.getLogger(__name__)

KINDS = ("cdrs", "inbound", "handset", "site", "evidence")
SITE_EVIDENCE = 8  # fields of a site evidence event (a handset one has 4): see codec.py
MAX_HOLD_S = 2.0  # wall seconds a CDR may wait for slower partitions before it is processed anyway


class StateStore(Protocol):
    """Where one kind of state lives: a faust table in the worker, a dict in tests.

    ``data`` holds the live values keyed by number (or IMEI); the stages read and change them in place.
    ``persist`` makes keys' current values durable (``None``: the key was deleted); the processor passes it
    each key changed since the last :meth:`BatchProcessor.flush_state` once, not once per change.
    """

    data: dict[str, Any]

    def persist(self, keys: list[str], partitions: list[int], values: list[Any | None]) -> None:
        """Make each key's value durable (parallel lists); value None: the key was deleted."""


@runtime_checkable
class HotStore(Protocol):
    """A :class:`StateStore` whose ``data`` holds only recently used keys; the rest is on disk.

    The stages need every key they touch in ``data`` (the compiled core reads a real ``dict``), and they touch
    only the keys of the batch's own records, so the processor hands :meth:`fetch` those keys before running
    them, and :meth:`sweep` expires what is on disk only.
    """

    data: dict[str, Any]

    def persist(self, keys: list[str], partitions: list[int], values: list[Any | None]) -> None: ...

    def fetch(self, keys: set[str], part: Callable[[str], int], horizon: float) -> list[str]:
        """Load the keys not in ``data`` that exist on disk; return those found idle since before ``horizon``
        (expired: left out, to be deleted)."""

    def sweep(self, horizon: float, budget: int) -> list[str]:
        """Up to ``budget`` more keys on disk (not in ``data``) checked; those idle since before ``horizon``."""


class DictStore:
    """A :class:`StateStore` over a dict, remembering every persisted write (for tests and the benchmarks)."""

    def __init__(self) -> None:
        self.data: dict[str, Any] = {}
        self.writes = 0
        self.partitions: dict[str, int] = {}

    def persist(self, keys: list[str], partitions: list[int], values: list[Any | None]) -> None:
        self.partitions.update(zip(keys, partitions))
        self.writes += len(keys)


@dataclass(slots=True)
class InRecord:
    """One consumed message, transport-neutral.  ``token`` is what the adapter acks (a faust message)."""

    kind: str
    partition: int
    offset: int
    value: bytes | None
    key: bytes | None = None
    timestamp: float | None = None
    token: Any = None
    topic: str = ""


MAX_QUEUED_S = 3_600.0  # a record older than this on the broker is a replay, not latency to report


def _arrival(rec: InRecord, now: float) -> float:
    """When the CDR reached Kafka (the message timestamp: seconds from faust, milliseconds from a raw client),
    so CDR-to-alert latency includes time queued on the broker; the read time when the message has none or it
    is implausible (clock skew, a replayed backlog)."""
    ts = rec.timestamp
    if ts is None or ts <= 0:
        return now
    t = ts / 1000.0 if ts > 1e11 else float(ts)
    return t if now - MAX_QUEUED_S <= t <= now else now


@dataclass(slots=True)
class WorkerCounts(Counts):
    """The engine's :class:`~detector.engine.Counts` (``consumed == processed + rejected + duplicates + held``)
    plus what only the worker has: its internal topics, expiry and unreadable state records."""

    internal_in: int = 0
    internal_bad: int = 0
    expired: int = 0
    state_errors: int = 0

    def to_dict(self) -> dict[str, Any]:
        out = Counts.to_dict(self)
        out.update({"internal_messages": self.internal_in, "internal_bad": self.internal_bad,
                    "expired": self.expired, "state_errors": self.state_errors})
        return out


@dataclass(slots=True)
class BatchResult:
    """What one batch asks the adapter to produce, and which input records it finished."""

    alerts: list[tuple[bytes, bytes]] = field(default_factory=list)  # (key = number, alert JSON)
    dlq: list[tuple[bytes | None, bytes]] = field(default_factory=list)  # (original key, reject JSON)
    internal: list[tuple[str, int, bytes]] = field(default_factory=list)  # (kind, partition, packed events)
    done: list[Any] = field(default_factory=list)  # records to ack once everything above is delivered
    latencies: list[float] = field(default_factory=list)  # CDR arrival -> alert, wall seconds
    scores: list[float] = field(default_factory=list)  # the online model's evidence in [0, 1], per candidate
    #: What this batch finished: ``consumed`` = processed + rejected + duplicates of this batch (records held
    #: back are counted by the batch that releases them), alerts by (typology, severity).
    counts: Counts = field(default_factory=Counts)
    max_event_time: float = 0.0

    @property
    def processed(self) -> int:
        return self.counts.processed

    @property
    def duplicates(self) -> int:
        return self.counts.duplicates


class Aligner:
    """Merges the CDR partitions of one worker by event time.

    A partition whose records are buffered, or that still has records on the broker (``lag > 0``), holds
    back records of other partitions that are later than its newest buffered one; a caught-up partition
    holds back nothing (so a live stream is not delayed).  Nothing waits longer than ``max_hold_s`` of
    wall time, so a stalled partition cannot stop the others.
    """

    def __init__(self, max_hold_s: float = MAX_HOLD_S) -> None:
        self.max_hold_s = max_hold_s
        #: partition -> (event time, CDR, record, arrival wall time), in offset order
        self.buffers: dict[int, deque[tuple[float, Cdr, Any, float]]] = {}

    def __len__(self) -> int:
        return sum(len(b) for b in self.buffers.values())

    def push(self, partition: int, cdr: Cdr, rec: Any, now: float) -> None:
        buf = self.buffers.get(partition)
        if buf is None:
            buf = self.buffers[partition] = deque()
        buf.append((cdr.start, cdr, rec, now))

    def drop(self, partitions: Iterable[int]) -> int:
        """Forget buffered records of revoked partitions (their new owner reads them again)."""
        n = 0
        for p in partitions:
            buf = self.buffers.pop(p, None)
            if buf:
                n += len(buf)
        return n

    def release(self, lag: Callable[[int], int | None], assigned: Iterable[int], now: float,
                flush: bool = False) -> list[tuple[float, Cdr, Any, float]]:
        """Records that may be processed now, in event-time order (ties: partition, then offset)."""
        frontier = float("inf")
        if not flush:
            for p in assigned:
                buf = self.buffers.get(p)
                if buf:
                    t = buf[-1][0]
                else:
                    behind = lag(p)
                    if not behind:
                        continue
                    t = float("-inf")  # records on the broker not yet fetched: wait for them (bounded)
                if t < frontier:
                    frontier = t
        out: list[tuple[float, Cdr, Any, float]] = []
        oldest_allowed = now - self.max_hold_s
        everything = frontier == float("inf")
        for p in sorted(self.buffers):
            buf = self.buffers[p]
            if not buf:
                continue
            if everything:  # flushing, or every partition caught up: the whole buffer goes
                out.extend(buf)
                buf.clear()
                continue
            append, popleft = out.append, buf.popleft
            while buf and (buf[0][0] <= frontier or buf[0][3] <= oldest_allowed):
                append(popleft())
        if len(out) > 1:
            # Stable sort by event time over partitions taken in order, each in offset order: ties keep
            # (partition, offset) order without building a key tuple per record.
            out.sort(key=_start)
        return out


_start = itemgetter(0)


class BatchProcessor:
    """The detection step of one worker.  Not thread-safe; one per process.

    State changes are persisted by :meth:`flush_state`: once per key changed since the previous flush.  The
    caller decides when (the Kafka adapter: at most every ``state_flush_s`` and before offsets are committed;
    :meth:`process` flushes itself with ``flush_state=True``, the default for tests and benchmarks).
    """

    def __init__(
        self,
        partitions: int,
        stores: MutableMapping[str, StateStore],
        cfg: DetectorConfig | None = None,
        admission: AdmissionConfig | None = None,
        source: str = "worker",
        wall_clock: Callable[[], float] = time.time,
        max_hold_s: float = MAX_HOLD_S,
        allowlist: Allowlist | None = None,
    ) -> None:
        self.cfg = cfg or DetectorConfig()
        self.stages: Stages = build_stages(self.cfg, allowlist)
        self.partitions = partitions
        self.part = Partitioner(partitions)
        self.stores = stores
        self.admission_cfg = admission or AdmissionConfig()
        self.admissions: dict[int, Admission] = {}
        self.parser = CdrParser()
        self.aligner = Aligner(max_hold_s)
        self.counts = WorkerCounts()
        self.source = source
        self.batches = 0
        self.clock = wall_clock
        self.event_time = float("-inf")  # newest CDR start processed here
        self.next_expiry = -1.0
        #: keys changed (or deleted) since the last flush, per store; the values are read at flush time
        self.dirty: dict[str, set[str]] = {name: set() for name in stores}
        #: stores that keep only hot keys in memory (:class:`HotStore`): the batch's keys are fetched first
        self.hot: list[str] = [name for name, st in stores.items() if isinstance(st, HotStore)]
        #: the last expiry pass's horizon: state idle since before it is expired (what a hot store loads too)
        self.expired_before = float("-inf")

    # -- assignment -------------------------------------------------------------------------------------
    def revoke(self, partitions: Iterable[int]) -> int:
        """Partitions went to another worker: drop what is buffered for them (not acked, so not lost)."""
        ps = list(partitions)
        for p in ps:
            self.admissions.pop(p, None)
        dropped = self.aligner.drop(ps)
        self.counts.consumed -= dropped  # the new owner consumes (and counts) them again
        return dropped

    @property
    def held(self) -> int:
        return len(self.aligner)

    @property
    def unflushed(self) -> int:
        """Keys changed since the last :meth:`flush_state`."""
        return sum(len(d) for d in self.dirty.values())

    # -- the batch ------------------------------------------------------------------------------------
    def process(
        self,
        records: list[InRecord],
        lag: Callable[[int], int | None] = lambda p: 0,
        assigned: Iterable[int] | None = None,
        flush: bool = False,
        flush_state: bool = True,
        local_hops: bool = True,
    ) -> BatchResult:
        """Run one batch of :class:`InRecord`.  ``lag(p)``: messages of CDR partition p still on the broker (for
        the aligner); ``flush`` releases everything the aligner holds; ``flush_state`` persists state changes;
        ``local_hops``: see :meth:`process_kinds`."""
        by_kind: dict[str, list[Any]] = {k: [] for k in KINDS}
        for rec in records:
            lst = by_kind.get(rec.kind)
            if lst is None:
                raise ValueError(f"unknown record kind {rec.kind!r}")
            lst.append(rec)
        return self.process_kinds(by_kind, lag, assigned, flush, flush_state, local_hops)

    def process_kinds(
        self,
        by_kind: dict[str, list[Any]],
        lag: Callable[[int], int | None] = lambda p: 0,
        assigned: Iterable[int] | None = None,
        flush: bool = False,
        flush_state: bool = True,
        local_hops: bool = True,
    ) -> BatchResult:
        """Run one batch, records already split by kind (``cdrs``, ``inbound``, ``handset``, ``evidence``).

        A record is anything with ``partition``, ``offset``, ``value``, ``key``, ``timestamp`` and ``topic``
        attributes (:class:`InRecord`, or the Kafka client's own record); it comes back in ``done`` when
        finished.

        ``local_hops``: an event for a partition in ``assigned`` (this worker owns partition p of every topic,
        co-partitioning) is applied here at once, in replay's order (caller stage, callee stage, handset stage
        and its evidence, then the policy), instead of a round trip through the internal topic; only events
        for other workers' partitions are packed.  Same atomicity: its state changes and the CDR's offset are
        acked in the same epoch.
        """
        now = self.clock()
        if assigned is not None:
            assigned = list(assigned)  # read twice below
        res = BatchResult()
        counts = res.counts
        self.batches += 1
        st = self.stages
        numbers = self.stores["numbers"].data
        handsets = self.stores["handsets"].data
        sites = self.stores["sites"].data
        episodes = self.stores["episodes"].data
        dirty_numbers = self.dirty["numbers"]
        dirty_handsets = self.dirty["handsets"]
        dirty_sites = self.dirty["sites"]
        dirty_episodes = self.dirty["episodes"]
        out_inbound: dict[int, list[Any]] = {}
        out_handset: dict[int, list[Any]] = {}
        out_site: dict[int, list[Any]] = {}
        out_evidence: dict[int, list[Any]] = {}
        cdr_recs = by_kind.get("cdrs") or ()
        evidence_recs = by_kind.get("evidence") or ()
        inbound_recs = by_kind.get("inbound") or ()
        handset_recs = by_kind.get("handset") or ()
        site_recs = by_kind.get("site") or ()
        done = res.done
        scores = res.scores
        decide_ = st.policy.decide
        threshold = st.policy.cfg.alert_threshold

        # 0. Unpack the internal events, and parse, admit and merge the CDRs (nothing here reads or changes
        #    state), so that a store keeping only hot keys in memory can fetch every key the stages touch first.
        evidence_evs = [ev for rec in evidence_recs for ev in self._events(rec, "evidence")]
        inbound_evs = [ev for rec in inbound_recs for ev in self._events(rec, "inbound")]
        handset_evs = [ev for rec in handset_recs for ev in self._events(rec, "handset")]
        site_evs = [ev for rec in site_recs for ev in self._events(rec, "site")]
        part = self.part
        part_of = part.cached
        parse = self.parser.parse
        push = self.aligner.push
        admissions = self.admissions
        n_cdrs = len(cdr_recs)
        # Parsed first, then the callers' partitions in one call (Partitioner.many: compiled, one machine-int loop
        # a key; interpreted, the callers not cached yet, a fifth of a backlog's, hashed together with numpy).
        parsed_all = [None if rec.value is None else parse(rec.value) for rec in cdr_recs]
        caller_parts = part.many([c.caller for c in parsed_all if type(c) is Cdr])  # type: ignore[union-attr]
        next_part = iter(caller_parts).__next__
        for rec, parsed in zip(cdr_recs, parsed_all):
            raw = rec.value
            if parsed is None:
                self._reject(Reject("malformed_json", "message without a value (tombstone)", b""), rec, res)
                continue
            if type(parsed) is Reject:
                self._reject(parsed, rec, res)
                continue
            cdr: Cdr = parsed  # type: ignore[assignment]
            p = rec.partition
            caller = cdr.caller
            cp = next_part()
            if cp != p:
                self._reject(Reject(
                    "misrouted",
                    f"misrouted: caller {caller} belongs to partition {cp}, not {p} "
                    "(the topic must be keyed by caller with the murmur2 partitioner)", raw), rec, res)
                continue
            adm = admissions.get(p)
            if adm is None:
                adm = admissions[p] = Admission(self.admission_cfg)
            bad = adm.admit(cdr, now)
            if bad is not None:
                reason, detail = bad
                if reason == "duplicate":
                    counts.duplicates += 1
                    res.dlq.append((rec.key, self._dlq_bytes(Reject(reason, detail, raw), rec)))
                    done.append(rec)
                else:
                    self._reject(Reject(reason, detail, raw), rec, res)
                continue
            push(p, cdr, rec, _arrival(rec, now))

        if assigned is None:
            assigned = set(self.aligner.buffers)
        released = self.aligner.release(lag, assigned, now, flush)
        if self.hot:
            self._fetch(evidence_evs, inbound_evs, handset_evs, site_evs, released)

        complete_ = st.caller.complete

        def complete(cand: Candidate) -> None:
            complete_(numbers, cand)

        def decide(cand: Candidate, ts: float) -> None:
            if cand.score >= threshold:  # below it the policy neither reads nor changes the episode
                dirty_episodes.add(cand.number)
            alert = decide_(episodes, cand, complete)
            if not cand.pending:  # the model's evidence, where the policy needed it (or the stage gave it)
                scores.append(cand.model_evidence)
            if alert is not None:
                self._emit(alert, ts, now, res)

        # Which keys each stage changes (so which are persisted): the caller stage the caller's number, the
        # callee stage the callee's, the handset stage the IMEI's, on_handset the number's (if it exists), the
        # policy the candidate's number (from the alert threshold on).  tests/test_worker_unit.py checks it.
        # 1. Handset evidence about numbers of this partition (older than anything below).
        on_handset = st.caller.on_handset
        on_site = st.caller.on_site

        def apply_evidence(ev: list[Any]) -> None:
            """An evidence event ``[number, t, *payload]`` (see codec.py) applied to the number, if tracked."""
            number = ev[0]
            if number in numbers:
                if len(ev) == SITE_EVIDENCE:
                    on_site(numbers, number, ev[1], (ev[2], ev[3], ev[4], ev[5], ev[6], ev[7]))
                else:
                    on_handset(numbers, number, ev[1], ev[2], ev[3])
                dirty_numbers.add(number)

        for ev in evidence_evs:
            apply_evidence(ev)

        # 2. Inbound events: the callee stage, then the policy.
        callee_process = st.callee.process
        for ev in inbound_evs:
            cdr = cdr_from_fields(ev)
            cand = callee_process(numbers, cdr, bool(ev[10]))
            dirty_numbers.add(cdr.callee)
            if cand is not None:
                decide(cand, ev[11])

        # 3. Handset events: the handset stage; its evidence goes back to the caller's partition.
        handset_process = st.handset.process
        # partitions whose hops are applied here (see local_hops above)
        local: frozenset[int] = frozenset(assigned) if local_hops and assigned is not None else frozenset()
        # Every partition ours (one worker): every hop is local, so no partition to look up per hop (the keys
        # written are partitioned when persisted).
        all_local = len(local) >= self.partitions
        def evidence_back(ev: list[Any]) -> None:
            """Evidence about the caller (``[number, t, *payload]``): applied here when the number's partition
            is ours, else packed for the worker that owns it."""
            caller = ev[0]
            p = part_of(caller)
            if p is None:
                p = part(caller)
            if p in local:
                apply_evidence(ev)
            else:
                out_evidence.setdefault(p, []).append(ev)

        for ev in handset_evs:
            cdr = cdr_from_fields(ev)
            sims, rate = handset_process(handsets, cdr)
            if cdr.imei is not None:
                dirty_handsets.add(handset_key(cdr.imei))
            if sims:
                evidence_back([cdr.caller, cdr.start, sims, rate])

        # 3b. Site events (cold calls, keyed by cell): the site stage; its evidence goes back like the handset's.
        site_process = st.site.process
        for ev in site_evs:
            cdr = cdr_from_fields(ev)
            found = site_process(sites, cdr)
            if cdr.cell_id is not None:
                dirty_sites.add(cdr.cell_id)
            if found is not None:
                evidence_back([cdr.caller, cdr.start, *found])

        # 4. CDRs (parsed, admitted and merged above): the caller stage and the hops.
        caller_process = st.caller.process
        is_cold = st.caller.is_cold
        max_t = self.event_time
        for t, cdr, rec, arrived in released:
            cand, callback = caller_process(numbers, cdr)
            cold = is_cold(numbers, cdr)
            if cand is not None:  # now, before the callee and handset stages change state (see Detector.process)
                decide(cand, arrived)
            caller = cdr.caller
            dirty_numbers.add(caller)
            fields = None  # the CDR's fields, built once if a hop needs them; with_ts: plus its arrival time
            with_ts = None
            callee = cdr.callee
            if all_local:
                p = -1
            else:
                p = part_of(callee)
                if p is None:
                    p = part(callee)
            cand_in = None
            if all_local or p in local:
                cand_in = callee_process(numbers, cdr, callback)
                dirty_numbers.add(callee)
            else:
                fields = cdr_fields(cdr)
                ev = fields + [callback, arrived]
                lst = out_inbound.get(p)
                if lst is None:
                    out_inbound[p] = [ev]
                else:
                    lst.append(ev)
            imei = cdr.imei
            if imei is not None:
                imei = handset_key(imei)  # the handset stage's key: partitions and state follow it
                if not all_local:
                    p = part_of(imei)
                    if p is None:
                        p = part(imei)
                if all_local or p in local:
                    sims, rate = handset_process(handsets, cdr)
                    dirty_handsets.add(imei)
                    if sims and caller in numbers:  # evidence for the caller: its partition is this CDR's, ours
                        on_handset(numbers, caller, t, sims, rate)
                else:
                    if with_ts is None:
                        with_ts = (fields or cdr_fields(cdr)) + [arrived]
                    lst = out_handset.get(p)
                    if lst is None:
                        out_handset[p] = [with_ts]
                    else:
                        lst.append(with_ts)
            if cold:
                cell = cdr.cell_id
                if not all_local:
                    p = part_of(cell)
                    if p is None:
                        p = part(cell)
                if all_local or p in local:
                    found = site_process(sites, cdr)
                    dirty_sites.add(cell)
                    if found is not None and caller in numbers:
                        on_site(numbers, caller, t, found)
                else:
                    if with_ts is None:
                        with_ts = (fields or cdr_fields(cdr)) + [arrived]
                    out_site.setdefault(p, []).append(with_ts)
            if cand_in is not None:
                decide(cand_in, arrived)
            if t > max_t:
                max_t = t
            done.append(rec)
        counts.processed = len(released)
        self.event_time = max_t
        if released:
            res.max_event_time = max_t

        # 5. Idle state expires by event time, as in replay.
        if released and max_t >= self.next_expiry:
            self._expire(max_t)

        # 6. Pack the internal events per destination partition; persist state if asked.
        src = f"{self.source}/{self.batches}"
        for kind, outs in (("inbound", out_inbound), ("handset", out_handset), ("site", out_site),
                           ("evidence", out_evidence)):
            for dest, events in outs.items():
                res.internal.append((kind, dest, pack(kind, src, events)))
        done.extend(evidence_recs)
        done.extend(inbound_recs)
        done.extend(handset_recs)
        done.extend(site_recs)
        if flush_state:
            self.flush_state()

        counts.consumed = counts.processed + counts.rejected_total + counts.duplicates
        total = self.counts
        total.add(counts)
        total.consumed += n_cdrs - counts.consumed  # the total counts what was read, held-back records included
        return res

    def flush_state(self) -> int:
        """Persist every key changed since the last flush (its current value, or a delete); return how many."""
        n = 0
        for name, keys in self.take_dirty():
            self.persist(name, keys)
            n += len(keys)
        return n

    def take_dirty(self) -> list[tuple[str, list[str]]]:
        """The keys changed since the last flush, per store, and forget them (for a caller that persists them
        later, in pieces, with :meth:`persist`: the value written is the key's value at that time)."""
        out = []
        for name, keys in self.dirty.items():
            if keys:
                out.append((name, list(keys)))
                keys.clear()
        return out

    def persist(self, name: str, keys: Iterable[str]) -> None:
        """Persist the current value of ``keys`` of store ``name`` (a delete for a key no longer there)."""
        keys = list(keys)
        # Keys the partitioner has not seen yet (callees and IMEIs when every hop is local) are hashed together.
        parts = self.part.many(keys)
        store = self.stores[name]
        store.persist(keys, parts, list(map(store.data.get, keys)))  # map: no Python frame per key

    # -- hot stores ---------------------------------------------------------------------------------------
    def _fetch(self, evidence: list[Any], inbound: list[Any], handset: list[Any], site: list[Any],
               released: list[tuple[float, Cdr, Any, float]]) -> None:
        """Have the hot stores load every key this batch's stages may touch (see :class:`HotStore`): the
        evidence's numbers, the callers and callees (numbers and episodes), IMEIs and cells.  Keys of other
        workers' partitions are the stores' to skip.  Fields of the packed events: codec.cdr_fields."""
        numbers = {ev[0] for ev in evidence}
        numbers.update(ev[2] for ev in inbound)
        handsets = {handset_key(ev[9]) for ev in handset if ev[9] is not None}  # the handset stage's key
        sites = {ev[8] for ev in site}
        numbers.update(ev[1] for ev in handset)
        numbers.update(ev[1] for ev in site)
        for _, cdr, _, _ in released:
            numbers.add(cdr.caller)
            numbers.add(cdr.callee)
            if cdr.imei is not None:
                handsets.add(handset_key(cdr.imei))
            sites.add(cdr.cell_id)  # type: ignore[arg-type]
        sites.discard(None)  # type: ignore[arg-type]
        wanted = {"numbers": numbers, "episodes": numbers, "handsets": handsets, "sites": sites}
        for name in self.hot:
            dead = self.stores[name].fetch(wanted[name], self.part, self.expired_before)  # type: ignore[attr-defined]
            if dead:
                self.dirty[name].update(dead)  # expired while on disk: deleted at the next flush
                self.counts.expired += len(dead)

    def sweep(self, budget: int) -> int:
        """Expire up to ``budget`` more keys per hot store that are on disk only (the pass over ``data`` in
        :meth:`_expire` does not see them); return how many expired."""
        n = 0
        for name in self.hot:
            dead = self.stores[name].sweep(self.expired_before, budget)  # type: ignore[attr-defined]
            if dead:
                self.dirty[name].update(dead)
                n += len(dead)
        self.counts.expired += n
        return n

    # -- helpers ----------------------------------------------------------------------------------------
    def _events(self, rec: Any, expected: str) -> list[Any]:
        self.counts.internal_in += 1
        try:
            kind, events = unpack(rec.value)
            if kind != expected:
                raise ValueError(f"a {kind!r} message on the {expected!r} topic")
        except ValueError as exc:
            # Our own topics: a bad message is a bug or a foreign writer.  Skip it, loudly.
            self.counts.internal_bad += 1
            log.error("%s[%d]@%d: not an internal message of ours (%s); skipped", rec.topic or expected,
                      rec.partition, rec.offset, exc)
            return []
        return events

    def _emit(self, alert: Alert, ts: float, now: float, res: BatchResult) -> None:
        if not res.counts.record(alert):  # withheld: the number is on the operator's allowlist (counted)
            return
        res.alerts.append((alert.number.encode(), alert_to_json(alert, now)))
        res.latencies.append(max(0.0, now - ts))

    def _dlq_bytes(self, rej: Reject, rec: Any) -> bytes:
        rej.source = {"topic": rec.topic or "cdrs", "partition": rec.partition,
                      "offset": rec.offset}
        if rec.timestamp is not None:
            rej.source["timestamp"] = rec.timestamp
        return orjson.dumps(reject_to_dict(rej))

    def _reject(self, rej: Reject, rec: Any, res: BatchResult) -> None:
        if rec.value is not None and not rej.raw:
            rej.raw = rec.value
        res.dlq.append((rec.key, self._dlq_bytes(rej, rec)))
        res.counts.reject(rej.reason)
        res.done.append(rec)

    def _expire(self, now: float) -> None:
        """:meth:`detector.pipeline.Detector.expire`, over the stores of this worker's partitions.

        One pass over each store's dict, no copy of it; only the dead keys are collected.
        """
        if self.next_expiry < 0.0:
            self.next_expiry = now + self.cfg.expire_every_s
            return
        self.next_expiry = now + self.cfg.expire_every_s
        horizon = now - self.cfg.idle_ttl_s
        self.expired_before = horizon
        n = 0
        for name, store in self.stores.items():
            data = store.data
            dead = [k for k, v in data.items() if v is None or v.last_activity() < horizon]
            dirty = self.dirty[name]
            for k in dead:
                del data[k]
                dirty.add(k)  # persisted as a delete at the next flush
            n += len(dead)
        self.counts.expired += n


def iter_kinds() -> Iterator[str]:
    return iter(KINDS)
