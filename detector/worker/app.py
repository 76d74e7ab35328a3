"""The faust-streaming application: topics, tables, the batch path, producing, health and shutdown.

What faust does here: consumer-group membership and the co-partitioned assignment of every topic and
changelog (its ``PartitionAssignor``), table storage and recovery from changelog topics, offset commits,
the web server, signal handling and graceful stop.

What is ours, and why: faust delivers messages to agents one at a time, with two asyncio tasks and
several event-loop iterations per message (``Consumer._drain_messages`` -> ``wait_first`` -> conductor ->
stream).  Measured here: about 12,000 messages/s for an agent that does nothing, a quarter of the target.
So :class:`BatchConsumer` takes the records of the worker's four topics from the fetcher a topic-partition
list at a time (aiokafka's own record objects: no faust message, scheduler or unacked-set entry per record)
and hands each fetched batch to :meth:`Runtime.on_batch`; every other topic (the tables' changelogs during
recovery) still goes faust's way.  Output (alerts, rejects, internal events, changelog records) is produced
with librdkafka (confluent-kafka), whose ``produce`` costs microseconds.

Batches are grouped into *epochs* of at most ``Settings.state_flush_s``: the state an epoch changed is written to the
changelogs once per changed key when the epoch closes (in slices, between batches), and the input offsets of
the epoch are acked to faust's commit machinery, in bulk, only when everything the epoch produced (alerts,
rejects, internal events, state) has been delivered (at-least-once).  Table writes therefore bypass
``Table.__setitem__``: :class:`~detector.worker.tables.TableStore` keeps the value in a dict and writes the
changelog record itself, in the exact key/value format faust's recovery reads back (key UTF-8, value via the
table's registered codec); with ``store=rocksdb`` an acked epoch's records also go to faust's RocksDB
databases, with their changelog offsets (detector/worker/tables.py).
"""

from __future__ import annotations

import asyncio
import logging
import pickle
import ssl
import time
from collections import deque
from pathlib import Path
from typing import Any, Callable, Iterable

import faust
from faust.serializers import codecs
from faust.transport.drivers import aiokafka as faust_aiokafka
from faust.types import TP
from mode.utils.futures import notify

from ..admission import AdmissionConfig
from ..allowlist import Allowlist, AllowlistError
from ..metrics import Metrics
from ..pipeline import DetectorConfig
from ..settings import Settings
from .codec import CODECS, StateLayoutError
from ..metrics_export import record_counts
from .processor import BatchProcessor
from .tables import ROCKSDB_OPTIONS, RocksPartitions, RocksTableStore, TableStore, write_delivered

log = logging.getLogger("detector.worker")

#: Group session timeout and heartbeat come from Settings (session_timeout_s, heartbeat_s; defaults 10 s and
#: 1 s): short, so that a worker killed with SIGKILL is replaced within seconds (faust's default is 60 s).
#: How often (wall time) consumer lag, state size and health-derived gauges are refreshed in the metrics.
GAUGES_EVERY_S = 1.0
#: How often (wall time) the per-process learners (online model, destination rarity) are snapshotted.
LEARNER_SNAPSHOT_S = 3.0
#: Most batches whose output may be in flight at once before the worker waits for deliveries.
MAX_PENDING_BATCHES = 8
# Epochs: every ``Settings.state_flush_s`` (default 5 s of wall time) the state changed since the last flush
# is written to the changelogs, one record per changed key (a key changed by 30 batches in that time is
# written once, not 30 times).  Input offsets are acked only after the flush that covers them is delivered,
# so commits lag processing by up to this much plus the commit interval (1 s); alerts are produced at once.
#: Keys of sealed epochs written per record of a batch and per timer tick (20 ms): the writes of an epoch are
#: spread over the batches after it (a batch changes at most ~3 keys per record) instead of stalling the loop.
PERSIST_PER_RECORD = 4
PERSIST_PER_TICK = 1_000
#: store=rocksdb: keys on disk checked for expiry per timer tick, while a sweep round runs (~2 ms)
SWEEP_PER_TICK = 300
DELIVERY_TIMEOUT_S = 60.0


class WorkerError(RuntimeError):
    """The worker cannot run with these settings or this cluster (the message says why)."""


# -- table value codecs ------------------------------------------------------------------------------


class _StateCodec(codecs.Codec):
    """faust codec for one state class: what faust's recovery uses to read our changelog records."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self._codec = CODECS[name]

    def _dumps(self, obj: Any) -> bytes:
        return self._codec.dumps(obj)

    errors = 0  # records refused at recovery (another layout), reported as state_errors

    def _loads(self, s: bytes) -> Any:
        try:
            return self._codec.loads(s)
        except StateLayoutError as exc:
            _StateCodec.errors += 1
            log.warning("changelog record dropped at recovery: %s", exc)
            return None


for _name in CODECS:
    codecs.register(f"cdr-{_name}", _StateCodec(_name))


# -- the batch path through faust's consumer -----------------------------------------------------------


class _InFlight:
    """Stands in faust's unacked-message set for everything the worker has read and not yet acked.

    faust waits for that set to empty before a rebalance or a stop commits (``Consumer.wait_empty``); the
    worker acks whole batches by offset (:meth:`BatchConsumer.ack_offsets`), so instead of one entry per
    message the set holds this one object, "acked" when no batch is waiting for delivery or a state flush.
    """

    refcount = 0

    def __init__(self, busy: Callable[[], bool]) -> None:
        self._busy = busy

    @property
    def acked(self) -> bool:
        return not self._busy()

    def __repr__(self) -> str:
        return f"<worker batches in flight: {self._busy()}>"


class BatchConsumer(faust_aiokafka.Consumer):
    """faust's aiokafka consumer, with the worker's topics taken a fetched batch at a time.

    The batch topics skip faust's per-message path entirely: no ``ConsumerMessage`` per record, no
    round-robin scheduler, no unacked-set entry, no per-message ack.  The aiokafka records of each fetched
    topic-partition go, as the list aiokafka built, to ``batch_handler(by_kind, last_offsets)``; finished
    offsets come back through :meth:`ack_offsets`, into the same bookkeeping faust commits from.  Other
    topics (the tables' changelogs during recovery) still go faust's way, message by message.
    """

    batch_kinds: dict[str, str] = {}  # topic -> kind (cdrs, inbound, handset, site, evidence)
    #: records of the other topics (the changelogs, read by faust's recovery), per topic: set in build_app
    other_records: dict[str, int] = {}
    batch_handler: Callable[[dict[str, list[Any]], dict[Any, int]], Any] | None = None
    batch_timeout_s: float = 0.2

    async def _drain_messages(self, fetcher: Any) -> None:  # pragma: no cover - runs against a broker
        # Mirrors faust.transport.consumer.Consumer._drain_messages and .getmany, a topic-partition at a time.
        callback = self.callback
        consumer_should_stop = self._stopped.is_set
        fetcher_should_stop = fetcher._stopped.is_set
        get_read_offset = self._read_offset.get
        set_read_offset = self._read_offset.__setitem__
        acks_enabled_for = self.app.topics.acks_enabled_for
        kind_of = self.batch_kinds
        other = self.other_records
        handler = self.batch_handler
        to_message = self._to_message
        try:
            while not (consumer_should_stop() or fetcher_should_stop()):
                generation = self.app.consumer_generation_id
                await self.sleep(0)
                if self.should_stop:
                    break
                records, active = await self._wait_next_records(self.batch_timeout_s)
                if records is None or self.should_stop:
                    continue
                by_kind: dict[str, list[Any]] = {k: [] for k in set(kind_of.values())}
                last_offsets: dict[Any, int] = {}
                n = 0
                if records and not self.flow_active:
                    try:  # as faust's getmany: records fetched while the flow stopped are read again later
                        await self.perform_seek()
                    except Exception as exc:  # noqa: BLE001
                        self.log.warning("exception performing seek when flow not active %r", exc)
                    continue
                for tp, recs in records.items():
                    if not recs or (active is not None and tp not in active
                                    and tp not in self._buffered_partitions):
                        continue
                    self.app.monitor.track_tp_end_offset(tp, self.highwater(tp))
                    r_offset = get_read_offset(tp)
                    if r_offset is not None and recs[0].offset < r_offset:
                        recs = [r for r in recs if r.offset >= r_offset]  # already read (a seek back)
                        if not recs:
                            continue
                    first, last = recs[0].offset, recs[-1].offset
                    if acks_enabled_for(tp.topic):
                        if r_offset and first - r_offset > 1:
                            await self._add_gap(tp, r_offset + 1, first)
                        if last - first + 1 != len(recs):  # holes inside the batch (rare): as faust, per record
                            prev = first
                            for r in recs[1:]:
                                if r.offset - prev > 1:
                                    await self._add_gap(tp, prev + 1, r.offset)
                                prev = r.offset
                    set_read_offset(tp, last)
                    kind = kind_of.get(tp.topic)
                    if kind is not None:
                        by_kind[kind].extend(recs)
                        last_offsets[tp] = last
                        n += len(recs)
                    else:
                        other[tp.topic] = other.get(tp.topic, 0) + len(recs)
                        for record in recs:
                            await self.wait_first(callback(to_message(tp, record)), self.suspend_flow.wait())
                if handler is not None and (n or self.flow_active):
                    if n and generation != self.app.consumer_generation_id:
                        continue  # fetched before a rebalance: its partitions are read again
                    await handler(by_kind, last_offsets)
        except self.consumer_stopped_errors:
            if self.transport.app.should_stop:
                return
            raise
        except asyncio.CancelledError:
            if self.transport.app.should_stop:
                return
            raise

    def ack_offsets(self, tp: Any, offsets: Iterable[int]) -> int:
        """Ack finished offsets of one topic-partition in bulk (what ``ack(message)`` does per message)."""
        idx = self._acked_index[tp]
        new = set(offsets)
        new.difference_update(idx)
        committed = self._committed_offset[tp]
        if committed is not None and new and min(new) < committed:
            new = {o for o in new if o >= committed}
        if new:
            idx.update(new)
            self._acked[tp].extend(new)
            self._n_acked += len(new)
        notify(self._waiting_for_ack)
        return len(new)

    def _new_offset(self, tp: TP) -> int | None:
        """faust's ``Consumer._new_offset`` with the first run of consecutive acked offsets found by bisection
        (faust walks every offset with ``itertools.groupby``)."""
        acked = self._acked[tp]
        if not acked:
            return None
        gap_for_tp = self._gap[tp]
        if gap_for_tp:
            max_offset = max(acked)
            candidates = sorted(gap_for_tp.overlap(0, max_offset), key=lambda x: x.begin)
            if candidates:
                stuff_to_add: list[int] = []
                for entry in candidates:
                    stuff_to_add.extend(range(entry.begin, entry.end))
                new_max_offset = max(stuff_to_add[-1], max_offset + 1)
                acked.extend(stuff_to_add)
                gap_for_tp.chop(0, new_max_offset)
        acked[:] = sorted(set(acked))  # sorted and without repeats: the bisection below relies on both
        committed_offset = self._committed_offset[tp]
        if committed_offset and acked[0] - committed_offset > 1:
            return None
        # acked is sorted and (through _acked_index) free of repeats, so acked[i] - i never decreases: the
        # first run of consecutive offsets ends at the last i with acked[i] - i == acked[0].
        first = acked[0]
        lo, hi = 0, len(acked) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if acked[mid] - mid == first:
                lo = mid
            else:
                hi = mid - 1
        batch = acked[: lo + 1]
        del acked[: lo + 1]
        self._acked_index[tp].difference_update(batch)
        return batch[-1] + 1


class BatchTransport(faust_aiokafka.Transport):
    Consumer = BatchConsumer


class DetectorApp(faust.App):
    """faust.App with the batch consumer, and a stop that finishes the batch before faust commits."""

    runtime: "Runtime | None" = None

    def _new_transport(self) -> Any:
        return BatchTransport(self.conf.broker_consumer, self)

    async def on_stop(self) -> None:
        if self.runtime is not None:
            await self.runtime.drain("stop")
        await super().on_stop()


# -- delivery tracking ------------------------------------------------------------------------------------


class _Delivery:
    """One *epoch*: the batches processed between two state flushes, everything they (and the flush that
    closes the epoch) produced, and the input records to ack when all of that is delivered."""

    __slots__ = ("outstanding", "error", "offsets", "t0", "batches", "callback", "to_persist", "state_callback",
                 "state_offsets", "local", "state_upto")

    def __init__(self) -> None:
        self.outstanding = 0
        #: memory store: how many records the changelog producer had taken when this epoch's last one was produced
        #: (delivered once :attr:`Runtime.state_settled` reaches it; see :meth:`Runtime._state_barrier`)
        self.state_upto = 0
        self.error: str | None = None
        self.offsets: dict[tuple[str, int], list[int]] = {}  # finished input offsets per topic-partition
        self.t0 = time.monotonic()
        self.batches = 0
        self.callback = self._delivered  # one bound method for every message of the epoch
        #: state changes still to write for this epoch: (store, keys), written a slice at a time
        self.to_persist: deque[tuple[str, list[str]]] = deque()
        #: store=rocksdb: changelog records to write to the local databases once delivered, and the highest
        #: changelog offset delivered per (topic, partition) (noted by ``state_callback``)
        self.local: list[tuple[RocksPartitions, list[int], list[bytes], list[Any]]] = []
        self.state_offsets: dict[tuple[str, int], int] = {}
        self.state_callback = self._state_delivered

    @property
    def done(self) -> bool:
        return self.outstanding <= 0 and not self.to_persist

    def finished(self, records: list[Any]) -> None:
        """Note the offsets of finished input records (kept as ints, not the records)."""
        offsets = self.offsets
        for r in records:
            key = (r.topic, r.partition)
            offs = offsets.get(key)
            if offs is None:
                offsets[key] = [r.offset]
            else:
                offs.append(r.offset)

    def _delivered(self, err: Any, msg: Any) -> None:
        self.outstanding -= 1
        if err is not None and self.error is None:
            self.error = str(err)

    def _state_delivered(self, err: Any, msg: Any) -> None:
        """:meth:`_delivered`, noting the offset of a changelog record that is also written locally."""
        self._delivered(err, msg)
        if err is not None:
            return
        key = (msg.topic(), msg.partition())
        offset = msg.offset()
        if offset > self.state_offsets.get(key, -1):
            self.state_offsets[key] = offset


def librdkafka_config(s: Settings) -> dict[str, Any]:
    """confluent-kafka client settings from :class:`Settings` (the secret is revealed only here)."""
    conf: dict[str, Any] = {"bootstrap.servers": s.bootstrap_servers, "security.protocol": s.security_protocol}
    if s.security_protocol.startswith("SASL"):
        conf.update({"sasl.mechanism": s.sasl_mechanism, "sasl.username": s.sasl_username,
                     "sasl.password": s.sasl_password.reveal()})
    if s.security_protocol in ("SSL", "SASL_SSL"):
        if s.ssl_cafile:
            conf["ssl.ca.location"] = s.ssl_cafile
        if s.ssl_certfile:
            conf["ssl.certificate.location"] = s.ssl_certfile
        if s.ssl_keyfile:
            conf["ssl.key.location"] = s.ssl_keyfile
    return conf


def faust_credentials(s: Settings) -> Any:
    """faust's credentials object for the security settings (None for PLAINTEXT)."""
    context = None
    if s.security_protocol in ("SSL", "SASL_SSL"):
        context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=s.ssl_cafile or None)
        if s.ssl_certfile:
            context.load_cert_chain(s.ssl_certfile, s.ssl_keyfile or None)
    if s.security_protocol == "SSL":
        return faust.SSLCredentials(context)
    if s.security_protocol.startswith("SASL"):
        return faust.SASLCredentials(username=s.sasl_username, password=s.sasl_password.reveal(),
                                     mechanism=s.sasl_mechanism, ssl_context=context)
    return None


def _scrub(text: str, s: Settings) -> str:
    """``text`` with the SASL password masked (belt and braces: client errors should not carry it)."""
    secret = s.sasl_password.reveal()
    return text.replace(secret, "***") if secret else text


def connect_admin(s: Settings, timeout: float = 30.0) -> Any:
    """An AdminClient that has fetched cluster metadata, or :class:`WorkerError` saying why not.

    librdkafka retries a failed SASL handshake or a refused connection forever and ``list_topics`` only
    reports "Broker transport failure" at its timeout; its error callback carries the real cause.  So the
    metadata request is retried in 1 s slices and the first authentication error fails at once, with a
    message naming the user and mechanism (never the password).
    """
    from confluent_kafka import KafkaError
    from confluent_kafka.admin import AdminClient

    errors: list[Any] = []
    admin = AdminClient({**librdkafka_config(s), "log_level": 0, "error_cb": errors.append})
    deadline = time.monotonic() + timeout
    last = ""
    for _ in range(int(timeout) + 2):
        try:
            admin.list_topics(timeout=min(1.0, max(0.1, deadline - time.monotonic())))
            return admin
        except Exception as exc:  # noqa: BLE001 - KafkaException; the cause is in the error callback
            last = str(exc)
        admin.poll(0)
        for err in errors:
            if err.code() == KafkaError._AUTHENTICATION:
                who = (f"user {s.sasl_username!r}, mechanism {s.sasl_mechanism}"
                       if s.security_protocol.startswith("SASL") else "TLS client certificate")
                raise WorkerError(_scrub(
                    f"authentication to Kafka at {s.bootstrap_servers} failed ({s.security_protocol}, {who}): "
                    f"{err.str()}", s))
            if err.code() == KafkaError._SSL:
                raise WorkerError(_scrub(
                    f"TLS handshake with Kafka at {s.bootstrap_servers} failed ({s.security_protocol}, CA file "
                    f"{s.ssl_cafile or '(system default)'}): {err.str()}", s))
        if errors:
            last = errors[-1].str()
        if time.monotonic() >= deadline:
            break
    raise WorkerError(_scrub(f"cannot reach Kafka at {s.bootstrap_servers} ({s.security_protocol}) within "
                             f"{timeout:.0f}s: {last}", s))


def topic_names(s: Settings) -> dict[str, str]:
    """Kind -> topic name.  Internal topics are prefixed with the group id (= the faust app id)."""
    return {"cdrs": s.cdr_topic, "inbound": f"{s.group_id}-inbound", "handset": f"{s.group_id}-handset",
            "site": f"{s.group_id}-site", "evidence": f"{s.group_id}-evidence"}


TABLES = ("numbers", "handsets", "sites", "episodes", "learners")


def ensure_topics(s: Settings, timeout: float = 30.0) -> dict[str, int]:
    """Create every topic the worker uses, if missing, and wait until the cluster metadata shows them.

    faust would create its internal topics itself, but right before subscribing; a topic created that late
    can be missing from the metadata the group leader assigns from, and is then left unassigned until the
    next rebalance.  All of them get ``partitions`` partitions (co-partitioning); the changelogs are
    compacted.  An existing topic with another partition count is refused: the worker cannot be correct
    on it.  Returns topic -> partitions.
    """
    from confluent_kafka.admin import NewTopic

    n = s.partitions
    wanted: dict[str, dict[str, str]] = {s.cdr_topic: {}, s.alert_topic: {}, s.dlq_topic: {}}
    for kind, name in topic_names(s).items():
        if kind != "cdrs":
            wanted[name] = {"cleanup.policy": "delete", "retention.ms": str(7 * 86_400_000)}
    for table in TABLES:
        wanted[f"{s.group_id}-{table}-changelog"] = {"cleanup.policy": "compact"}
    admin = connect_admin(s, timeout)
    md = admin.list_topics(timeout=timeout)
    co_partitioned = set(wanted) - {s.alert_topic, s.dlq_topic}
    missing = []
    for name, config in wanted.items():
        t = md.topics.get(name)
        if t is not None and t.error is None:
            if name in co_partitioned and len(t.partitions) != n:
                raise WorkerError(
                    f"topic {name} has {len(t.partitions)} partitions but partitions={n}: the CDR topic, the "
                    "internal topics and the changelogs must all have the same count (co-partitioning)")
            continue
        missing.append(NewTopic(name, num_partitions=n, replication_factor=s.replication_factor, config=config))
    if missing:
        futures = admin.create_topics(missing, request_timeout=timeout)
        for name, fut in futures.items():
            try:
                fut.result(timeout=timeout)
            except Exception as exc:  # noqa: BLE001 - another worker may have created it first
                if "TOPIC_ALREADY_EXISTS" not in str(exc):
                    raise WorkerError(f"cannot create topic {name}: {exc}") from None
    deadline = time.monotonic() + timeout
    for _ in range(1_000):
        md = admin.list_topics(timeout=timeout)
        ready = {name: len(t.partitions) for name in wanted if (t := md.topics.get(name)) is not None
                 and t.error is None and t.partitions and all(p.leader >= 0 for p in t.partitions.values())}
        if len(ready) == len(wanted):
            return ready
        if time.monotonic() > deadline:
            break
        time.sleep(0.2)
    raise WorkerError(f"topics not ready after {timeout:.0f}s: {sorted(set(wanted) - set(ready))}")


# -- the runtime ------------------------------------------------------------------------------------------


def _produce_when_room(producer: Any, what: str, *args: Any) -> None:
    """``producer.produce(*args)`` once its full queue has room: served delivery reports free it.  Bounded:
    WorkerError after 100 s (10,000 polls of 10 ms)."""
    for _ in range(10_000):
        producer.poll(0.01)
        try:
            producer.produce(*args)
            return
        except BufferError:
            continue
    raise WorkerError(f"{what} queue full for 100 s")


class Runtime:
    """Glue between faust's consumer, the batch processor, the producer, metrics and health."""

    def __init__(self, app: DetectorApp, settings: Settings, tables: dict[str, Any], metrics: Metrics,
                 name: str, cfg: DetectorConfig | None = None, state_flush_s: float | None = None,
                 max_hold_s: float | None = None, allowlist: Allowlist | None = None) -> None:
        """``state_flush_s`` and ``max_hold_s`` default to the settings' ``state_flush_s``/``align_hold_s``;
        ``allowlist``: the numbers whose alerts the policy withholds (:func:`load_allowlist` reads the settings')."""
        state_flush_s = settings.state_flush_s if state_flush_s is None else state_flush_s
        max_hold_s = settings.align_hold_s if max_hold_s is None else max_hold_s
        from confluent_kafka import Producer

        self.app = app
        self.s = settings
        self.name = name
        self.topics = topic_names(settings)
        self.kind_of = {v: k for k, v in self.topics.items()}
        self.metrics = metrics
        producer_config = {
            **librdkafka_config(settings),
            "enable.idempotence": True,  # no duplicates or reordering on retries
            "linger.ms": 5,
            "batch.num.messages": 10_000,
            "queue.buffering.max.messages": 1_000_000,
            "compression.type": "none",  # aiokafka here decodes gzip only; loopback needs none
            "partitioner": "murmur2_random",
            "log_level": 4,
            "error_cb": self._on_client_error,
        }
        self.producer = Producer(producer_config)
        # The changelog records of the memory store (1.5 per CDR with 5 s epochs) go through a producer of their
        # own that reports failed deliveries only: a delivery report per record (a Message object and a Python
        # call each) was ~3 % of the main thread.  An epoch's records count as delivered once that producer's
        # queue has been empty after them (_state_barrier).  store=rocksdb needs each record's offset (the local
        # databases follow the changelogs up to it), so its records keep their reports, on the main producer.
        self.state_producer: Any = None if settings.store == "rocksdb" else Producer({
            **producer_config, "delivery.report.only.error": True, "on_delivery": self._state_failed})
        self.state_produced = 0  # records handed to state_producer
        self.state_settled = 0  # ... of which all are delivered (or their failure was reported)
        self.state_error: str | None = None  # the first failed delivery of state_producer
        self.tables = tables
        self.stores: dict[str, TableStore] = {
            name_: RocksTableStore(tables[name_], name_, self._produce_many, settings.state_cache_keys)
            if settings.store == "rocksdb" else TableStore(tables[name_], name_, self._produce_many)
            for name_ in CODECS}
        #: the learners table's RocksDB databases (None: memory store)
        self.learners_local = RocksPartitions(tables["learners"]) if settings.store == "rocksdb" else None
        self.local_writes = 0  # records written to the RocksDB databases (store=rocksdb)
        admission = AdmissionConfig(late_tolerance_s=settings.late_tolerance_s, max_ahead_s=settings.max_ahead_s)
        if cfg is None:
            cfg = DetectorConfig(home_utc_offset_min=settings.home_utc_offset_min)
        self.processor = BatchProcessor(settings.partitions, self.stores, cfg, admission, source=name,
                                        max_hold_s=max_hold_s, allowlist=allowlist)
        self.pending: deque[_Delivery] = deque()  # sealed epochs, oldest first, acked in order when delivered
        self.epoch = _Delivery()  # the open epoch: batches whose state changes are not flushed yet
        self.writing: _Delivery | None = None  # the sealed epoch whose state persist_some is writing now
        self.state_flush_s = state_flush_s
        # A partition with no records buffered holds the others back (Aligner) only while more than this many
        # of its records are on the broker: in live traffic every partition has a few records in flight at any
        # moment, which the next fetch brings anyway; waiting for them cost up to max_hold_s per record.
        self.align_slack = max(1, 2 * settings.batch_size // max(1, settings.partitions))
        self.state_flushes = 0
        self.state_writes = 0
        # Nothing is in flight for faust once the stop drained: what is left is not acked on purpose.
        self.in_flight = _InFlight(lambda: not self.stopping and bool(self.pending or self.epoch.offsets))
        self.dropped_at_stop = 0  # records fetched after the stop drained (left to the next owner)
        self.inflight: asyncio.Task[None] | None = None
        self.last_batch_at = time.monotonic()
        self.last_records_at = 0.0
        self.started_at = time.monotonic()
        self.batches = 0
        self.read_offsets: dict[int, int] = {}
        self.coverage: dict[str, dict[int, list[list[int]]]] = {}
        self.learners_restored = False
        self.learner_snapshots = 0
        self.last_snapshot = time.monotonic()
        self.stopping = False
        self.fatal: str | None = None
        self.gauges_at = 0.0
        self.left_to_next_owner = 0
        self.event_skew_s: float | None = None
        # Broker reachability as the producer sees it (librdkafka's error callback): for health and logs.
        self.broker_errors = 0
        self.broker_outages = 0
        self.broker_down_since: float | None = None
        self.broker_down_total_s = 0.0
        self.last_broker_error = ""

    # -- broker reachability -------------------------------------------------------------------------------
    def _on_client_error(self, err: Any) -> None:
        """librdkafka error callback (served by ``producer.poll``): transport errors mean the broker is gone."""
        from confluent_kafka import KafkaError

        self.broker_errors += 1
        self.last_broker_error = _scrub(err.str(), self.s)[:300]
        if err.code() in (KafkaError._ALL_BROKERS_DOWN, KafkaError._TRANSPORT) and self.broker_down_since is None:
            self.broker_down_since = time.monotonic()
            self.broker_outages += 1
            log.warning("broker unreachable (%s); retrying, nothing is committed until output is delivered",
                        self.last_broker_error)

    def _broker_back(self) -> None:
        if self.broker_down_since is not None:
            down = time.monotonic() - self.broker_down_since
            self.broker_down_total_s += down
            self.broker_down_since = None
            log.warning("broker reachable again after %.1f s", down)

    # -- producing --------------------------------------------------------------------------------------
    def _produce_raw(self, topic: str, partition: int, key: bytes | None, value: bytes | None,
                     d: _Delivery | None = None, cb: Callable[[Any, Any], None] | None = None) -> None:
        """Produce one message as part of epoch ``d`` (default: the open one); acked input waits for its
        delivery (``cb``: the epoch's delivery callback to use)."""
        d = d or self.epoch
        cb = cb or d.callback
        try:
            self.producer.produce(topic, value, key, partition, cb)  # positional: see _produce_many
        except BufferError:
            _produce_when_room(self.producer, "producer", topic, value, key, partition, cb)
        d.outstanding += 1

    def _produce_many(self, topic: str, partitions: list[int], keys: list[bytes], values: list[Any],
                      local: RocksPartitions | None = None) -> None:
        """Produce state records to ``topic`` (parallel lists) as part of the epoch whose state
        :meth:`persist_some` is writing (else the open one); ``local``: also write them to the table's RocksDB
        databases once the epoch is delivered."""
        d = self.writing or self.epoch
        if local is None and self.state_producer is not None:
            self._produce_state(d, topic, partitions, keys, values)
            return
        if local is None:
            cb = d.callback
        else:
            cb = d.state_callback
            d.local.append((local, partitions, keys, values))
        produce = self.producer.produce
        n = 0
        try:
            # Positional (topic, value, key, partition, on_delivery): confluent-kafka's produce() parses keyword
            # arguments per call, which cost ~0.2-0.5 us of a ~1.7 us message here; this loop runs once per
            # changed key per epoch.
            for partition, key, value in zip(partitions, keys, values):
                produce(topic, value, key, partition, cb)
                n += 1
        except BufferError:
            d.outstanding += n
            for partition, key, value in zip(partitions[n:], keys[n:], values[n:]):
                self._produce_raw(topic, partition, key, value, d, cb)
            return
        d.outstanding += n

    def _produce_state(self, d: _Delivery, topic: str, partitions: list[int], keys: list[bytes],
                       values: list[Any]) -> None:
        """:meth:`_produce_many` through the changelog producer: no delivery report unless a record fails."""
        sp = self.state_producer
        produce = sp.produce
        n = 0
        try:
            for partition, key, value in zip(partitions, keys, values):
                produce(topic, value, key, partition)  # positional, no callback: see _produce_many
                n += 1
        except BufferError:  # the queue is full: wait for room, record by record
            for partition, key, value in zip(partitions[n:], keys[n:], values[n:]):
                try:
                    _produce_when_room(sp, "changelog producer", topic, value, key, partition)
                except WorkerError:
                    self.state_produced += n
                    raise
                n += 1
        self.state_produced += n
        d.state_upto = self.state_produced

    def _state_failed(self, err: Any, msg: Any) -> None:
        """state_producer's delivery report, for failed records only (``delivery.report.only.error``)."""
        if self.state_error is None:
            self.state_error = f"{err} (changelog {msg.topic()} partition {msg.partition()})"

    def _state_barrier(self) -> None:
        """Note how many changelog records are settled: all of them once state_producer's queue is empty.

        ``len(producer)`` counts the records not yet delivered *and* the delivery reports not yet served (the
        client serves a report for every record in ``poll``, calling back only for failures), so an empty queue
        right after a ``poll`` means every record produced until then reached the broker or had its failure
        noted in ``state_error`` (checked after, so a failure is never missed).  Writes come in bursts (an
        epoch's keys over the batches after it seals, a learners snapshot every few seconds) and the queue
        empties between them; while it does not, epochs wait, at most MAX_PENDING_BATCHES of them, and then
        :meth:`_settle` produces nothing new until it has."""
        sp = self.state_producer
        if sp is None or self.state_settled == self.state_produced:
            return
        sp.poll(0)
        if len(sp) == 0:
            self.state_settled = self.state_produced
        if self.state_error is not None:
            self.fatal = f"producing the state changelog failed: {self.state_error}"
            log.error("%s; its offsets are not committed, the batch will be read again", self.fatal)
            raise WorkerError(self.fatal)

    def _produce_keyed(self, topic: str, key: bytes | None, value: bytes) -> None:
        self._produce_raw(topic, -1, key, value)  # -1: librdkafka's partitioner (murmur2 of the key)

    # -- the batch --------------------------------------------------------------------------------------
    async def on_batch(self, by_kind: dict[str, list[Any]], last_offsets: dict[Any, int]) -> None:
        """Called by :class:`BatchConsumer` for each fetched batch (possibly empty): records by kind (aiokafka's
        records) and the last offset read per topic-partition."""
        if self.fatal:
            raise WorkerError(self.fatal)
        if self.stopping:
            # Fetched after the stop drained: not processed, not acked, so not committed; the next owner of these
            # partitions reads them again.  Processing them now would re-arm faust's unacked set after the
            # drain cleared it, and faust's stop would wait for an epoch nobody flushes any more.
            n = sum(len(v) for v in by_kind.values())
            if n:
                self.dropped_at_stop += n
                log.info("stop: %d records fetched after the drain left to the next owner (%d in all)", n,
                         self.dropped_at_stop)
            return
        task = asyncio.ensure_future(self._batch(by_kind, last_offsets))
        self.inflight = task
        # Shielded: a stop or rebalance cancelling the fetcher lets the batch finish and be acked.
        await asyncio.shield(task)

    async def _batch(self, by_kind: dict[str, list[Any]], last_offsets: dict[Any, int]) -> None:
        t0 = time.perf_counter()
        consumer = self.app.consumer
        cdr_topic = self.topics["cdrs"]
        if last_offsets:
            for tp, last in last_offsets.items():
                if tp.topic == cdr_topic:
                    self.read_offsets[tp.partition] = last
            self.last_records_at = time.monotonic()
            self._broker_back()  # records fetched: the broker answers again
            consumer._unacked_messages.add(self.in_flight)  # faust waits for it before a rebalance commits
        assigned = [tp.partition for tp in consumer.assignment() if tp.topic == cdr_topic]

        slack = self.align_slack

        def lag(p: int) -> int | None:
            behind = self.lag(p, consumer)
            if behind is None:
                return 1
            return behind if behind > slack else 0

        try:
            res = self.processor.process_kinds(by_kind, lag, assigned, flush_state=False)
        except Exception as exc:
            # A bug, not bad input (bad input becomes a reject).  Nothing of this batch is acked, so it is read
            # again after a restart; stop rather than skip it silently.
            self.fatal = f"batch processing failed: {exc!r}"
            log.exception("batch processing failed; stopping the worker (the batch is not committed)")
            await self.app.crash(exc)
            raise
        alert_topic, dlq_topic, topics = self.s.alert_topic, self.s.dlq_topic, self.topics
        for key, value in res.alerts:
            self._produce_keyed(alert_topic, key, value)
        for key, value in res.dlq:
            self._produce_keyed(dlq_topic, key, value)
        for kind, partition, value in res.internal:
            self._produce_raw(topics[kind], partition, None, value)
        epoch = self.epoch
        epoch.finished(res.done)
        epoch.batches += 1
        if time.monotonic() - epoch.t0 >= self.state_flush_s:
            self.seal()
        if self.pending:
            self.persist_some(PERSIST_PER_RECORD * len(res.done) + PERSIST_PER_TICK)
        self.producer.poll(0)
        self._observe(res, t0)
        await self._settle(max_pending=MAX_PENDING_BATCHES)
        if self.processor.hot:
            self.trim()
        self._maybe_snapshot_learners(assigned)

    def seal(self) -> None:
        """Close the open epoch: take the keys its batches changed (written by :meth:`persist_some`, one
        changelog record per key, with their value at that time), queue it to be acked once all of that and
        everything else it produced is delivered, open the next."""
        epoch = self.epoch
        if (not epoch.offsets and not self.processor.unflushed and not epoch.outstanding
                and epoch.state_upto <= self.state_settled):
            epoch.t0 = time.monotonic()
            return
        epoch.to_persist.extend(self.processor.take_dirty())
        self.state_flushes += 1
        self.pending.append(epoch)
        self.epoch = _Delivery()

    def persist_some(self, budget: int | None = None) -> int:
        """Write up to ``budget`` (None: all) keys of the sealed epochs' state changes, oldest epoch first.

        In slices, so that a flush of tens of thousands of keys does not stall the event loop (and the alerts
        of the batches behind it) for a quarter of a second."""
        written = 0
        processor = self.processor
        try:
            for epoch in self.pending:
                todo = epoch.to_persist
                self.writing = epoch  # its records count toward it: its offsets wait for their delivery
                while todo:
                    name, keys = todo[0]
                    if budget is not None and len(keys) > budget - written:
                        take = budget - written
                        if take <= 0:
                            return written
                        processor.persist(name, keys[-take:])
                        del keys[-take:]
                        written += take
                    else:
                        processor.persist(name, keys)
                        written += len(keys)
                        todo.popleft()
        finally:
            self.writing = None
            self.state_writes += written
        return written

    def tick(self) -> None:
        """Timer: seal an epoch that is old enough (or at once while faust waits for acks to rebalance), ack
        what is delivered."""
        epoch = self.epoch
        if epoch.offsets or epoch.outstanding or self.processor.unflushed:
            consumer = self.app.consumer
            if time.monotonic() - epoch.t0 >= self.state_flush_s or not consumer.flow_active:
                self.seal()
        if self.pending:
            self.persist_some(None if not self.app.consumer.flow_active else PERSIST_PER_TICK)
        self.ack_delivered()
        if self.processor.hot:  # store=rocksdb
            self.processor.sweep(SWEEP_PER_TICK)
            self.trim()

    def trim(self) -> None:
        """store=rocksdb: evict cold keys beyond the cache bound, when no sealed epoch is in flight (then the
        value of every key not changed since is in RocksDB)."""
        if self.pending or self.writing is not None:
            return
        processor = self.processor
        for name in processor.hot:
            self.stores[name].evict(processor.dirty[name], processor.expired_before)  # type: ignore[attr-defined]

    def lag(self, p: int, consumer: Any = None) -> int | None:
        """Records of CDR partition ``p`` on the broker not yet read here (None: not known yet)."""
        consumer = consumer or self.app.consumer
        tp = TP(self.topics["cdrs"], p)
        try:
            hw = consumer.highwater(tp)
        except Exception:  # noqa: BLE001 - not fetched yet
            return None
        if hw is None:
            return None
        last = self.read_offsets.get(p)
        if last is not None:
            nxt = last + 1
        else:  # nothing read since assignment: faust's read offset is the committed one (next to read)
            nxt = consumer._read_offset.get(tp) or 0
        return max(0, hw - nxt)

    def _observe(self, res: Any, t0: float) -> None:
        m = self.metrics
        # Counted when done with (processed, rejected or duplicate), not when fetched: a record held back for
        # ordering and then left to the partition's next owner (rebalance, stop) is counted once, by that
        # owner, so consumed_total == processed_total + rejected_total + duplicate_total holds exactly.
        record_counts(m, res.counts)
        if res.processed:
            m.last_event_time(res.max_event_time)
            # Signed skew of the stream against this host's clock (negative: event times run ahead of it),
            # kept for health; the lag metric cannot go below 0 (its histogram starts at 1 s), the
            # last_event_timestamp gauge shows a stream running ahead.
            self.event_skew_s = time.time() - res.max_event_time
            m.event_lag(max(0.0, self.event_skew_s))
        for latency in res.latencies:
            m.alert_latency(latency)
        if res.scores:
            m.scores(res.scores)
        self.batches += 1
        self.last_batch_at = time.monotonic()
        m.batch_seconds(time.perf_counter() - t0)
        self.refresh_gauges()

    def refresh_gauges(self, force: bool = False) -> None:
        """Consumer lag per assigned partition and state size, at most every GAUGES_EVERY_S (wall time).

        Called after every batch (empty batches included: the consumer hands one over every
        ``batch_timeout_s`` even when nothing arrives) and by a timer, so the gauges move without anyone
        requesting /health -- and also while the broker is unreachable (lag then keeps its last value).
        """
        now = time.monotonic()
        if not force and now - self.gauges_at < GAUGES_EVERY_S:
            return
        self.gauges_at = now
        m = self.metrics
        for p in self._assigned_cdr_partitions():
            lag = self.lag(p)
            if lag is not None:
                m.consumer_lag(p, lag)
        m.state(len(self.stores["numbers"]), self.state_bytes())

    def rocksdb_bytes(self) -> int | None:
        """store=rocksdb: the memory RocksDB itself holds (memtables, block caches, table readers), all tables."""
        if self.learners_local is None:
            return None
        dbs = [st.local for st in self.stores.values() if st.local is not None] + [self.learners_local]
        return sum(local.memory() for local in dbs)

    def state_bytes(self) -> int:
        """Estimated serialized size of the state this process holds (numbers, handsets, episodes)."""
        return sum(store.approx_bytes() for store in self.stores.values())

    def ack_delivered(self) -> None:
        """Ack, in order, the epochs whose output is delivered (faust commits acked offsets)."""
        if not self.pending:
            return
        self.producer.poll(0)
        self._state_barrier()
        consumer = self.app.consumer
        while self.pending and self.pending[0].done and self.pending[0].state_upto <= self.state_settled:
            d = self.pending.popleft()
            if d.error is not None:
                self.fatal = f"producing a batch's output failed: {d.error}"
                log.error("%s; its offsets are not committed, the batch will be read again", self.fatal)
                raise WorkerError(self.fatal)
            if d.local:  # store=rocksdb: the epoch's changelog records are delivered, so now local too
                try:
                    self.local_writes += write_delivered(d.local, d.state_offsets)
                except Exception as exc:  # noqa: BLE001 - RocksDB I/O: stop before acking what it covers
                    self.fatal = f"writing the local state store failed: {exc!r}"
                    log.error("%s; its offsets are not committed, the batch will be read again", self.fatal)
                    raise WorkerError(self.fatal) from exc
            if d.offsets:
                self._broker_back()
            for (topic, partition), offs in d.offsets.items():
                consumer.ack_offsets(TP(topic, partition), offs)
                self._cover(topic, partition, offs)

    async def _settle(self, max_pending: int, timeout: float = DELIVERY_TIMEOUT_S) -> None:
        """Ack delivered epochs; wait while more than ``max_pending`` epochs are still in flight."""
        deadline = time.monotonic() + timeout
        while True:
            self.ack_delivered()
            if len(self.pending) <= max_pending:
                return
            self.persist_some(None if max_pending == 0 else PERSIST_PER_TICK)
            if time.monotonic() > deadline:
                self.fatal = f"output not delivered within {timeout:.0f}s"
                raise WorkerError(self.fatal)
            await asyncio.sleep(0.002)

    def _cover(self, topic: str, partition: int, offsets: list[int]) -> None:
        """Offsets processed, as intervals per topic partition (reported; the tests check coverage)."""
        spans = self.coverage.setdefault(topic, {}).setdefault(partition, [])
        offsets.sort()
        first, last = offsets[0], offsets[-1]
        if last - first + 1 == len(offsets):  # one run (the common case)
            runs = [(first, last)]
        else:
            runs = []
            start = prev = first
            for o in offsets[1:]:
                if o != prev + 1:
                    runs.append((start, prev))
                    start = o
                prev = o
            runs.append((start, prev))
        for a, b in runs:
            if spans and spans[-1][1] + 1 == a:
                spans[-1][1] = b
            else:
                spans.append([a, b])

    async def drain(self, why: str) -> None:
        """Finish the batch in flight, deliver everything, ack it (faust commits next)."""
        if self.stopping and why == "stop":
            return
        self.stopping = why == "stop"
        task = self.inflight
        if task is not None and not task.done():
            try:
                await asyncio.wait_for(asyncio.shield(task), timeout=DELIVERY_TIMEOUT_S)
            except Exception as exc:  # noqa: BLE001
                log.warning("batch in flight at %s did not finish: %r", why, exc)
        self._snapshot_learners(self._assigned_cdr_partitions())
        self.seal()
        self.persist_some(None)
        await asyncio.get_running_loop().run_in_executor(None, self.producer.flush, DELIVERY_TIMEOUT_S)
        if self.state_producer is not None:
            await asyncio.get_running_loop().run_in_executor(None, self.state_producer.flush, DELIVERY_TIMEOUT_S)
        try:
            await self._settle(max_pending=0)
        except WorkerError as exc:
            log.error("at %s: %s", why, exc)
            self.pending.clear()
            self.epoch = _Delivery()
        if why == "stop":
            # Held-back CDRs are not ours any more: uncounted here (the next owner counts them).
            self.left_to_next_owner += self.processor.revoke(list(self.processor.aligner.buffers))
            # Whatever is still tracked was not processed (held back for ordering, or a failed batch): it is
            # not acked, so not committed, and the next owner reads it again.  faust must not wait for it.
            self.app.consumer._unacked_messages.clear()
        log.info("%s: drained (held back for ordering, not acked: %d; left to the next owner at stop: %d)", why,
                 self.processor.held, self.left_to_next_owner)

    def _assigned_cdr_partitions(self) -> list[int]:
        try:
            return [tp.partition for tp in self.app.consumer.assignment() if tp.topic == self.topics["cdrs"]]
        except Exception:  # noqa: BLE001
            return []

    # -- rebalancing ------------------------------------------------------------------------------------
    async def on_revoked(self, revoked: set[TP]) -> None:
        await self.drain("rebalance")
        parts = [tp.partition for tp in revoked if tp.topic == self.topics["cdrs"]]
        dropped = self.processor.revoke(parts)
        for p in parts:
            self.read_offsets.pop(p, None)
            self.metrics.partitions_revoked([p])
        if dropped:
            log.info("rebalance: %d held-back CDRs of revoked partitions left to their next owner", dropped)
        self.metrics.assigned_partitions(0)

    async def on_assigned(self, assigned: set[TP]) -> None:
        parts = sorted(tp.partition for tp in assigned if tp.topic == self.topics["cdrs"])
        self.metrics.assigned_partitions(len(parts))
        for p in list(self.processor.admissions):
            if p not in parts:
                del self.processor.admissions[p]
        log.info("assigned CDR partitions %s", parts)

    async def on_recovered(self) -> None:
        """faust recovered the tables (before it resumes the input): the stores follow the assignment."""
        assigned = self._assigned_cdr_partitions()
        for store in self.stores.values():
            store.follow_assignment(assigned, self.processor.part)
        if not self.learners_restored:
            self._restore_learners(assigned)

    # -- the per-process learners -------------------------------------------------------------------------
    def _maybe_snapshot_learners(self, assigned: list[int]) -> None:
        if time.monotonic() - self.last_snapshot >= LEARNER_SNAPSHOT_S:
            self._snapshot_learners(assigned)

    def _snapshot_learners(self, assigned: list[int]) -> None:
        """The online model and destination-rarity learner, into every assigned partition's slot.

        pickle, because they are river objects; the table is written and read only by this application's
        workers (its changelog is an internal topic), never from outside.
        """
        self.last_snapshot = time.monotonic()
        caller = self.processor.stages.caller
        if not assigned or caller.model.seen == 0:
            return
        blob = pickle.dumps({"seen": caller.model.seen, "model": caller.model, "rarity": caller.rarity},
                            protocol=pickle.HIGHEST_PROTOCOL)
        table = self.tables["learners"]
        topic = table.changelog_topic.get_topic_name()
        keys = [f"p{p}".encode() for p in assigned]
        if self.learners_local is None:  # memory store
            table.data.data.update(dict.fromkeys(keys, blob))
            table.data._key_partition.update(zip(keys, assigned))
        self._produce_many(topic, assigned, keys, [blob] * len(keys), self.learners_local)
        self.learner_snapshots += 1

    def _restore_learners(self, assigned: list[int]) -> None:
        """A fresh process takes over the most experienced learners among its partitions' snapshots."""
        self.learners_restored = True
        caller = self.processor.stages.caller
        if caller.model.seen:
            return
        local = self.learners_local
        data = self.tables["learners"].data.data if local is None else {}
        best = None
        for p in assigned:
            key = f"p{p}".encode()
            blob = data.get(key) if local is None else local.get(p, key)
            if blob is None:
                continue
            try:
                snap = pickle.loads(blob)
            except Exception as exc:  # noqa: BLE001
                log.warning("learner snapshot p%d unreadable: %r", p, exc)
                continue
            if best is None or snap["seen"] > best["seen"]:
                best = snap
        if best is not None and best["model"].version == caller.model.version:
            caller.model = best["model"]
            caller.rarity = best["rarity"]
            log.info("learners restored from a snapshot (%d calls seen)", best["seen"])

    # -- health -----------------------------------------------------------------------------------------
    def health(self) -> dict[str, Any]:
        consumer = self.app.consumer
        try:
            assignment = consumer.assignment()
        except Exception:  # noqa: BLE001
            assignment = set()
        by_topic: dict[str, list[int]] = {}
        for tp in assignment:
            by_topic.setdefault(tp.topic, []).append(tp.partition)
        for v in by_topic.values():
            v.sort()
        cdr_topic = self.topics["cdrs"]
        lags: dict[str, int] = {}
        total = 0
        for p in by_topic.get(cdr_topic, []):
            lag = self.lag(p)
            if lag is not None:
                lags[str(p)] = lag
                total += lag
                self.metrics.consumer_lag(p, lag)
        age = time.monotonic() - self.last_batch_at
        assigned = len(by_topic.get(cdr_topic, []))
        keeping_up = age < max(10.0, 20 * self.s.batch_timeout_s)
        counts = self.processor.counts
        counts.state_errors = _StateCodec.errors + sum(st.load_errors for st in self.stores.values())
        stats = counts.to_dict()
        return {
            "status": "ok" if assigned and keeping_up and not self.fatal and self.broker_down_since is None
            else "degraded",
            "worker": self.name,
            "assigned_partitions": assigned,
            "assignment": by_topic,
            "tables_recovered": bool(getattr(self.app.tables, "actives_ready", False)),
            "last_batch_age_s": round(age, 3),
            "keeping_up": keeping_up,
            "lag": total,
            "lag_by_partition": lags,
            "event_time_skew_s": None if self.event_skew_s is None else round(self.event_skew_s, 1),
            "state_bytes": self.state_bytes(),
            "held_for_ordering": self.processor.held,
            "left_to_next_owner": self.left_to_next_owner,
            "pending_batches": len(self.pending) + (1 if self.epoch.offsets else 0),
            "state_flushes": self.state_flushes,
            "state_writes": self.state_writes,
            "learner_snapshots": self.learner_snapshots,
            "store": {"kind": self.s.store, "local_writes": self.local_writes,
                      "rocksdb_bytes": self.rocksdb_bytes(),
                      "changelog_records_read": dict(getattr(consumer, "other_records", {})),
                      **{name_: st.report() for name_, st in self.stores.items()}},
            "batches": self.batches,
            "counts": stats,
            "coverage": {t: {str(p): spans for p, spans in per.items()} for t, per in self.coverage.items()},
            "fatal": self.fatal,
            "broker": {
                "reachable": self.broker_down_since is None,
                "down_for_s": None if self.broker_down_since is None
                else round(time.monotonic() - self.broker_down_since, 1),
                "outages": self.broker_outages,
                "down_total_s": round(self.broker_down_total_s, 1),
                "errors": self.broker_errors,
                "last_error": self.last_broker_error,
            },
        }


def _value_type(serializer: str) -> type:
    """A stand-in value type that makes faust use ``serializer`` for a table's changelog values.

    faust picks a table's serializers from its key/value *types* (``_options.serializer``, else json) when
    the table is created, and builds the changelog topic from them.  The decoded value is returned as is.
    """

    class _Options:
        pass

    _Options.serializer = serializer  # type: ignore[attr-defined]

    def from_data(cls: type, data: Any, preferred_type: Any = None) -> Any:
        return data

    return type(f"Value[{serializer}]", (), {"_options": _Options, "from_data": classmethod(from_data)})


def _str_key_type() -> type:
    """A stand-in key type: the key's UTF-8 raw on the changelog (faust's "raw" codec), ``str`` in the table."""

    class _Options:
        serializer = "raw"

    def from_data(cls: type, data: Any, preferred_type: Any = None) -> Any:
        return data.decode() if isinstance(data, bytes) else data

    return type("Key[str]", (), {"_options": _Options, "from_data": classmethod(from_data)})


StrKey = _str_key_type()


def _table(app: DetectorApp, name: str, value_serializer: str, partitions: int, key_type: type = StrKey,
           rocks: bool = False) -> Any:
    """A table keyed by a number or IMEI (``str`` in memory, its UTF-8 raw on the changelog) with our codec's
    values; the learners table is keyed by bytes.  ``rocks``: faust's RocksDB store through rocksdict."""
    options = {"driver": "rocksdict", **ROCKSDB_OPTIONS} if rocks else None
    return app.Table(name, key_type=key_type, value_type=_value_type(value_serializer), partitions=partitions,
                     default=None, options=options)


def check_store(settings: Settings) -> None:
    """WorkerError unless the configured table store can be used (before anything connects)."""
    if settings.store == "rocksdb":
        try:
            import rocksdict  # noqa: F401
        except ImportError:
            raise WorkerError(
                "store=rocksdb needs the 'rocksdict' package, which is not installed here: pip install "
                "'cdr-detector[rocksdb]', or use store=memory (state is rebuilt from the changelog topics on "
                "start)") from None


def faust_settings(settings: Settings) -> dict[str, Any]:
    """faust's configuration for the worker's app (everything but the app id), one place for every value."""
    conf: dict[str, Any] = {
        "broker": [f"kafka://{b.strip()}" for b in settings.bootstrap_servers.split(",") if b.strip()],
        "broker_credentials": faust_credentials(settings),
        "store": "rocksdb://" if settings.store == "rocksdb" else "memory://",
        "datadir": str(settings.state_dir),
        "topic_partitions": settings.partitions,
        "topic_allow_declare": True,
        "table_standby_replicas": 0,
        "broker_session_timeout": settings.session_timeout_s,
        "broker_heartbeat_interval": settings.heartbeat_s,
        "broker_rebalance_timeout": 60.0,
        "broker_max_poll_records": settings.batch_size,
        "consumer_max_fetch_size": settings.fetch_partition_bytes,
        "broker_commit_interval": 1.0,
        "consumer_auto_offset_reset": "earliest",
        "stream_wait_empty": True,
        "web_enabled": settings.web_port > 0,
        "web_bind": settings.web_host,
        "web_port": settings.web_port or 6066,
        "web_host": settings.web_host,
        "key_serializer": "raw",
        "value_serializer": "raw",
        "producer_linger_ms": 5,
    }
    if settings.replication_factor > 0:
        conf["topic_replication_factor"] = settings.replication_factor
    return conf


def load_allowlist(settings: Settings) -> Allowlist | None:
    """The allowlist file the settings name (None if none); WorkerError naming the file and line if it is bad."""
    if not settings.allowlist:
        return None
    try:
        allowlist = Allowlist.read(Path(settings.allowlist))
    except AllowlistError as exc:
        raise WorkerError(str(exc)) from None
    log.info("allowlist %s: %d numbers, %d prefixes; their alerts are withheld", settings.allowlist,
             len(allowlist.numbers), len(allowlist.prefixes))
    warning = allowlist.broad_warning(settings.allowlist)
    if warning is not None:
        log.warning("allowlist %s", warning)
    return allowlist


def build_app(settings: Settings, name: str, cfg: DetectorConfig | None = None,
              metrics: Metrics | None = None, allowlist: Allowlist | None = None) -> DetectorApp:
    """The faust app for ``settings``: topics, tables, the batch path and the health page.  ``allowlist``: the
    settings' already read (:func:`load_allowlist`), else read here."""
    from prometheus_client import CollectorRegistry

    check_store(settings)
    n = settings.partitions
    app = DetectorApp(settings.group_id, **faust_settings(settings))
    names = topic_names(settings)
    for kind, topic_name in names.items():
        topic = app.topic(topic_name, partitions=n, internal=kind != "cdrs", key_type=bytes, value_type=bytes,
                          key_serializer="raw", value_serializer="raw")
        app.topics.add(topic)
    rocks = settings.store == "rocksdb"
    tables = {name_: _table(app, name_, f"cdr-{name_}", n, rocks=rocks) for name_ in CODECS}
    tables["learners"] = _table(app, "learners", "raw", n, key_type=bytes, rocks=rocks)
    metrics = metrics or Metrics(CollectorRegistry())
    if allowlist is None:
        allowlist = load_allowlist(settings)
    runtime = Runtime(app, settings, tables, metrics, name, cfg, allowlist=allowlist)
    app.runtime = runtime
    transport_consumer = BatchConsumer
    transport_consumer.batch_kinds = {topic_name: kind for kind, topic_name in names.items()}
    transport_consumer.other_records = {}
    transport_consumer.batch_handler = runtime.on_batch
    transport_consumer.batch_timeout_s = settings.batch_timeout_s

    @app.on_partitions_revoked.connect
    async def _revoked(sender: Any, revoked: set[TP], **kwargs: Any) -> None:
        await runtime.on_revoked(revoked)

    @app.on_partitions_assigned.connect
    async def _assigned(sender: Any, assigned: set[TP], **kwargs: Any) -> None:
        await runtime.on_assigned(assigned)

    @app.on_rebalance_complete.connect
    async def _recovered(sender: Any, **kwargs: Any) -> None:
        await runtime.on_recovered()

    @app.timer(0.02)
    async def _acks() -> None:
        # Deliveries complete in the background; ack them even when no batch comes (during a rebalance
        # faust waits for in-flight messages to be acked before it commits).
        runtime.tick()

    @app.timer(GAUGES_EVERY_S)
    async def _gauges() -> None:
        runtime.refresh_gauges()

    @app.page("/health")
    async def health(web: Any, request: Any) -> Any:
        body = runtime.health()
        return web.json(body, status=200 if body["status"] == "ok" else 503)

    return app
