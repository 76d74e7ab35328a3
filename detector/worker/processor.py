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
* ``evidence`` (keyed by number): :meth:`CallerStage.on_handset` on the caller's ``NumberState``.

Candidates come only from the caller and callee stages, i.e. from the partition that owns the number, so the
policy (keyed by number, state in the ``episodes`` table) runs right there, in the same loop.

Every topic has the same partition count and the same key (a number, or an IMEI for ``handset``), so
partition p of every topic and of every table's changelog belongs to one worker, and one sequential
loop owns every read-modify-write of a number's state: the caller and callee stages never race.

Per batch each touched key's state is loaded once (:class:`BatchView`), the core runs on it, and each
touched key is written back once.  CDR partitions are merged by event time before the caller stage
(:class:`Aligner`), so partitions consumed at different speeds do not skew event time between numbers.
"""

from __future__ import annotations

import heapq
import logging
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, MutableMapping, Protocol

import orjson

from ..admission import Admission, AdmissionConfig
from ..codec import alert_to_json, reject_to_dict
from ..parse import CdrParser
from ..pipeline import DetectorConfig, Stages, build_stages
from ..records import Alert, Candidate, Cdr, Reject
from .codec import Partitioner, cdr_fields, cdr_from_fields, pack, unpack

log = logging.getLogger(__name__)

KINDS = ("cdrs", "inbound", "handset", "evidence")
MAX_HOLD_S = 2.0  # wall seconds a CDR may wait for slower partitions before it is processed anyway


class StateStore(Protocol):
    """Where one kind of state lives: a faust table in the worker, a dict in tests."""

    def get(self, key: str) -> Any | None: ...

    def put(self, key: str, partition: int, value: Any) -> None: ...

    def delete(self, key: str, partition: int) -> None: ...

    def items(self) -> Iterable[tuple[str, Any]]: ...


class DictStore:
    """A :class:`StateStore` over a dict, remembering every write (for tests and the simulator)."""

    def __init__(self) -> None:
        self.data: dict[str, Any] = {}
        self.writes = 0
        self.partitions: dict[str, int] = {}

    def get(self, key: str) -> Any | None:
        return self.data.get(key)

    def put(self, key: str, partition: int, value: Any) -> None:
        self.data[key] = value
        self.partitions[key] = partition
        self.writes += 1

    def delete(self, key: str, partition: int) -> None:
        self.data.pop(key, None)
        self.writes += 1

    def items(self) -> Iterable[tuple[str, Any]]:
        return list(self.data.items())


class BatchView(dict):  # type: ignore[type-arg]
    """The per-batch state map the stages see: loads a key from the store on first ``get``, keeps it.

    Every key in the view at the end of the batch was read or created by a stage, and is written back
    once.  (Stages only use ``get`` and ``[]=``, see :mod:`detector.stages`.)
    """

    __slots__ = ("_load",)

    def __init__(self, load: Callable[[str], Any | None]) -> None:
        super().__init__()
        self._load = load

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        try:
            return self[key]
        except KeyError:
            value = self._load(key)
            if value is None:
                return default
            self[key] = value
            return value


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
class Stats:
    """What happened in the worker so far.  ``consumed == processed + rejected + duplicates + held``."""

    consumed: int = 0
    processed: int = 0
    duplicates: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    alerts: Counter[tuple[str, str]] = field(default_factory=Counter)
    internal_in: int = 0
    internal_bad: int = 0
    expired: int = 0
    state_errors: int = 0

    @property
    def rejected_total(self) -> int:
        return sum(self.rejected.values())

    def to_dict(self) -> dict[str, Any]:
        by_typology: Counter[str] = Counter()
        for (typology, _), n in self.alerts.items():
            by_typology[typology] += n
        return {
            "consumed": self.consumed,
            "processed": self.processed,
            "duplicates": self.duplicates,
            "rejected": self.rejected_total,
            "rejected_by_reason": dict(sorted(self.rejected.items())),
            "alerts": sum(self.alerts.values()),
            "alerts_by_typology": dict(sorted(by_typology.items())),
            "internal_messages": self.internal_in,
            "internal_bad": self.internal_bad,
            "expired": self.expired,
            "state_errors": self.state_errors,
        }


@dataclass(slots=True)
class BatchResult:
    """What one batch asks the adapter to produce, and which input records it finished."""

    alerts: list[tuple[bytes, bytes]] = field(default_factory=list)  # (key = number, alert JSON)
    dlq: list[tuple[bytes | None, bytes]] = field(default_factory=list)  # (original key, reject JSON)
    internal: list[tuple[str, int, bytes]] = field(default_factory=list)  # (kind, partition, packed events)
    done: list[Any] = field(default_factory=list)  # tokens to ack once everything above is delivered
    latencies: list[float] = field(default_factory=list)  # CDR arrival -> alert, wall seconds
    alert_labels: list[tuple[str, str]] = field(default_factory=list)  # (typology, severity) per alert
    rejects: list[str] = field(default_factory=list)  # reason per rejected record (duplicates excluded)
    scores: list[float] = field(default_factory=list)  # the online model's evidence in [0, 1], per candidate
    consumed: int = 0
    processed: int = 0
    duplicates: int = 0
    max_event_time: float = 0.0


class Aligner:
    """Merges the CDR partitions of one worker by event time.

    A partition whose records are buffered, or that still has records on the broker (``lag > 0``), holds
    back records of other partitions that are later than its newest buffered one; a caught-up partition
    holds back nothing (so a live stream is not delayed).  Nothing waits longer than ``max_hold_s`` of
    wall time, so a stalled partition cannot stop the others.
    """

    def __init__(self, max_hold_s: float = MAX_HOLD_S) -> None:
        self.max_hold_s = max_hold_s
        self.buffers: dict[int, deque[tuple[Cdr, InRecord, float]]] = {}

    def __len__(self) -> int:
        return sum(len(b) for b in self.buffers.values())

    def push(self, partition: int, cdr: Cdr, rec: InRecord, now: float) -> None:
        buf = self.buffers.get(partition)
        if buf is None:
            buf = self.buffers[partition] = deque()
        buf.append((cdr, rec, now))

    def drop(self, partitions: Iterable[int]) -> int:
        """Forget buffered records of revoked partitions (their new owner reads them again)."""
        n = 0
        for p in partitions:
            buf = self.buffers.pop(p, None)
            if buf:
                n += len(buf)
        return n

    def release(self, lag: Callable[[int], int | None], assigned: Iterable[int], now: float,
                flush: bool = False) -> list[tuple[Cdr, InRecord, float]]:
        """Records that may be processed now, in event-time order (ties: partition, then offset)."""
        frontier = float("inf")
        if not flush:
            for p in assigned:
                buf = self.buffers.get(p)
                if buf:
                    t = buf[-1][0].start
                else:
                    behind = lag(p)
                    if not behind:
                        continue
                    t = float("-inf")  # records on the broker not yet fetched: wait for them (bounded)
                if t < frontier:
                    frontier = t
        out: list[tuple[Cdr, InRecord, float]] = []
        oldest_allowed = now - self.max_hold_s
        for buf in self.buffers.values():
            while buf and (buf[0][0].start <= frontier or buf[0][2] <= oldest_allowed):
                out.append(buf.popleft())
        if len(out) > 1:
            out.sort(key=_order)
        return out


def _order(item: tuple[Cdr, InRecord, float]) -> tuple[float, int, int]:
    return item[0].start, item[1].partition, item[1].offset


class BatchProcessor:
    """The detection step of one worker.  Not thread-safe; one per process."""

    def __init__(
        self,
        partitions: int,
        stores: MutableMapping[str, StateStore],
        cfg: DetectorConfig | None = None,
        admission: AdmissionConfig | None = None,
        source: str = "worker",
        wall_clock: Callable[[], float] = time.time,
        max_hold_s: float = MAX_HOLD_S,
    ) -> None:
        self.cfg = cfg or DetectorConfig()
        self.stages: Stages = build_stages(self.cfg)
        self.partitions = partitions
        self.part = Partitioner(partitions)
        self.stores = stores
        self.admission_cfg = admission or AdmissionConfig()
        self.admissions: dict[int, Admission] = {}
        self.parser = CdrParser()
        self.aligner = Aligner(max_hold_s)
        self.stats = Stats()
        self.source = source
        self.batches = 0
        self.clock = wall_clock
        self.event_time = float("-inf")  # newest CDR start processed here
        self.next_expiry = -1.0

    # -- assignment -------------------------------------------------------------------------------------
    def revoke(self, partitions: Iterable[int]) -> int:
        """Partitions went to another worker: drop what is buffered for them (not acked, so not lost)."""
        ps = list(partitions)
        for p in ps:
            self.admissions.pop(p, None)
        dropped = self.aligner.drop(ps)
        self.stats.consumed -= dropped  # the new owner consumes (and counts) them again
        return dropped

    @property
    def held(self) -> int:
        return len(self.aligner)

    # -- the batch ------------------------------------------------------------------------------------
    def process(
        self,
        records: list[InRecord],
        lag: Callable[[int], int | None] = lambda p: 0,
        assigned: Iterable[int] | None = None,
        flush: bool = False,
    ) -> BatchResult:
        """Run one batch.  ``lag(p)``: messages of CDR partition p still on the broker (for the aligner)."""
        now = self.clock()
        res = BatchResult()
        self.batches += 1
        st = self.stages
        numbers = BatchView(self._loader("numbers"))
        handsets = BatchView(self._loader("handsets"))
        episodes = BatchView(self._loader("episodes"))
        out_inbound: dict[int, list[Any]] = {}
        out_handset: dict[int, list[Any]] = {}
        out_evidence: dict[int, list[Any]] = {}
        cdr_recs: list[InRecord] = []
        evidence_recs: list[InRecord] = []
        inbound_recs: list[InRecord] = []
        handset_recs: list[InRecord] = []
        for rec in records:
            kind = rec.kind
            if kind == "cdrs":
                cdr_recs.append(rec)
            elif kind == "inbound":
                inbound_recs.append(rec)
            elif kind == "handset":
                handset_recs.append(rec)
            elif kind == "evidence":
                evidence_recs.append(rec)
            else:
                raise ValueError(f"unknown record kind {kind!r}")

        scores = res.scores

        def decide(cand: Candidate, ts: float) -> None:
            scores.append(cand.model_evidence)
            alert = st.policy.decide(episodes, cand)
            if alert is not None:
                self._emit(alert, ts, now, res)

        # 1. Handset evidence about numbers of this partition (older than anything below).
        on_handset = st.caller.on_handset
        for rec in evidence_recs:
            for ev in self._events(rec, res):
                on_handset(numbers, ev[0], ev[1], ev[2], ev[3])

        # 2. Inbound events: the callee stage, then the policy.
        callee_process = st.callee.process
        for rec in inbound_recs:
            for ev in self._events(rec, res):
                cdr = cdr_from_fields(ev)
                cand = callee_process(numbers, cdr, bool(ev[10]))
                if cand is not None:
                    decide(cand, ev[11])

        # 3. Handset events: the handset stage; its evidence goes back to the caller's partition.
        handset_process = st.handset.process
        part = self.part
        for rec in handset_recs:
            for ev in self._events(rec, res):
                cdr = cdr_from_fields(ev)
                sims, rate = handset_process(handsets, cdr)
                if sims:
                    out_evidence.setdefault(part(cdr.caller), []).append([cdr.caller, cdr.start, sims, rate])

        # 4. CDRs: parse and admit in partition order, merge partitions by event time, caller stage.
        parse = self.parser.parse
        stats = self.stats
        for rec in cdr_recs:
            res.consumed += 1
            raw = rec.value
            if raw is None:
                self._reject(Reject("malformed_json", "message without a value (tombstone)", b""), rec, res)
                continue
            parsed = parse(raw)
            if type(parsed) is Reject:
                self._reject(parsed, rec, res)
                continue
            cdr: Cdr = parsed  # type: ignore[assignment]
            p = rec.partition
            if part(cdr.caller) != p:
                self._reject(Reject(
                    "misrouted",
                    f"misrouted: caller {cdr.caller} belongs to partition {part(cdr.caller)}, not {p} "
                    "(the topic must be keyed by caller with the murmur2 partitioner)", raw), rec, res)
                continue
            adm = self.admissions.get(p)
            if adm is None:
                adm = self.admissions[p] = Admission(self.admission_cfg)
            bad = adm.admit(cdr, now)
            if bad is not None:
                reason, detail = bad
                if reason == "duplicate":
                    res.duplicates += 1
                    res.dlq.append((rec.key, self._dlq_bytes(Reject(reason, detail, raw), rec)))
                    res.done.append(rec.token)
                else:
                    self._reject(Reject(reason, detail, raw), rec, res)
                continue
            self.aligner.push(p, cdr, rec, _arrival(rec, now))

        if assigned is None:
            assigned = set(self.aligner.buffers)
        released = self.aligner.release(lag, assigned, now, flush)
        caller_process = st.caller.process
        max_t = self.event_time
        for cdr, rec, arrived in released:
            cand, callback = caller_process(numbers, cdr)
            if cand is not None:
                decide(cand, arrived)
            fields = cdr_fields(cdr)
            out_inbound.setdefault(part(cdr.callee), []).append(fields + [callback, arrived])
            if cdr.imei is not None:
                out_handset.setdefault(part(cdr.imei), []).append(fields + [arrived])
            if cdr.start > max_t:
                max_t = cdr.start
            res.done.append(rec.token)
        res.processed = len(released)
        self.event_time = max_t
        if released:
            res.max_event_time = max_t

        # 5. Idle state expires by event time, as in replay.
        if released and max_t >= self.next_expiry:
            self._expire(max_t, numbers, handsets, episodes)

        # 6. Write back every touched key once; pack the internal events per destination partition.
        self._write_back("numbers", numbers)
        self._write_back("handsets", handsets)
        self._write_back("episodes", episodes)
        src = f"{self.source}/{self.batches}"
        for kind, outs in (("inbound", out_inbound), ("handset", out_handset), ("evidence", out_evidence)):
            for dest, events in outs.items():
                res.internal.append((kind, dest, pack(kind, src, events)))
        for rec in evidence_recs:
            res.done.append(rec.token)
        for rec in inbound_recs:
            res.done.append(rec.token)
        for rec in handset_recs:
            res.done.append(rec.token)

        stats.consumed += res.consumed
        stats.processed += res.processed
        stats.duplicates += res.duplicates
        for reason in res.rejects:
            stats.rejected[reason] += 1
        for label in res.alert_labels:
            stats.alerts[label] += 1
        return res

    # -- helpers ----------------------------------------------------------------------------------------
    def _loader(self, name: str) -> Callable[[str], Any | None]:
        store = self.stores[name]
        get = store.get

        def load(key: str) -> Any | None:
            try:
                return get(key)
            except ValueError as exc:  # a record of another layout: start afresh, loudly
                self.stats.state_errors += 1
                log.warning("%s[%r]: unreadable state dropped (%s)", name, key, exc)
                return None

        return load

    def _write_back(self, name: str, view: BatchView) -> None:
        if not view:
            return
        put = self.stores[name].put
        part = self.part
        for key, value in view.items():
            put(key, part(key), value)

    def _events(self, rec: InRecord, res: BatchResult) -> list[Any]:
        self.stats.internal_in += 1
        try:
            kind, events = unpack(rec.value)
            if kind != rec.kind:
                raise ValueError(f"a {kind!r} message on the {rec.kind!r} topic")
        except ValueError as exc:
            # Our own topics: a bad message is a bug or a foreign writer.  Skip it, loudly.
            self.stats.internal_bad += 1
            log.error("%s[%d]@%d: not an internal message of ours (%s); skipped", rec.topic or rec.kind,
                      rec.partition, rec.offset, exc)
            return []
        return events

    def _emit(self, alert: Alert, ts: float, now: float, res: BatchResult) -> None:
        res.alerts.append((alert.number.encode(), alert_to_json(alert, now)))
        res.alert_labels.append((alert.typology, alert.severity))
        res.latencies.append(max(0.0, now - ts))

    def _dlq_bytes(self, rej: Reject, rec: InRecord) -> bytes:
        rej.source = {"topic": rec.topic or rec.kind, "partition": rec.partition, "offset": rec.offset}
        if rec.timestamp is not None:
            rej.source["timestamp"] = rec.timestamp
        return orjson.dumps(reject_to_dict(rej))

    def _reject(self, rej: Reject, rec: InRecord, res: BatchResult) -> None:
        if rec.value is not None and not rej.raw:
            rej.raw = rec.value
        res.dlq.append((rec.key, self._dlq_bytes(rej, rec)))
        res.rejects.append(rej.reason)
        res.done.append(rec.token)

    def _expire(self, now: float, numbers: BatchView, handsets: BatchView, episodes: BatchView) -> None:
        """:meth:`detector.pipeline.Detector.expire`, over the stores of this worker's partitions."""
        if self.next_expiry < 0.0:
            self.next_expiry = now + self.cfg.expire_every_s
            return
        self.next_expiry = now + self.cfg.expire_every_s
        horizon = now - self.cfg.idle_ttl_s
        n = 0
        for name, view in (("numbers", numbers), ("handsets", handsets), ("episodes", episodes)):
            store = self.stores[name]
            dead = [k for k, v in store.items()
                    if k not in view and v is not None and v.last_activity() < horizon]
            dead += [k for k, v in view.items() if v.last_activity() < horizon]
            for k in dead:
                view.pop(k, None)
                store.delete(k, self.part(k))
            n += len(dead)
        self.stats.expired += n


def iter_kinds() -> Iterator[str]:
    return iter(KINDS)
