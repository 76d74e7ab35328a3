"""Where the worker's table state lives: faust's memory store (``store=memory``) or RocksDB (``store=rocksdb``).

Either way the stages work on a plain ``dict`` keyed by ``str`` holding the decoded state objects (the
compiled core needs a real ``dict``: see docs/worker.md), and the worker writes each changed key's value to
the table's changelog itself, once per epoch (:class:`TableStore`).  The stores differ in what survives a
restart:

* memory: faust's memory store *is* the dict; a restart reads every changelog partition from the start.
* rocksdb: the dict is ours, loaded from faust's RocksDB database of each partition when the partition is
  assigned (after faust's recovery has applied the changelog's tail to it) and dropped when it moves away.
  A database is written only with changelog records already *delivered*, a partition's records of an epoch
  in one write batch together with the changelog offset they reach (:class:`RocksPartitions`), so it is
  always a prefix of the changelog and faust's recovery reads only what came after that offset.  The
  changelog stays the source of truth (another worker taking the partition over reads it).
"""

from __future__ import annotations

import logging
import time
from itertools import islice
from typing import Any, Callable, Protocol

from .codec import CODECS, Partitioner as KeyPartitioner, StateLayoutError

log = logging.getLogger("detector.worker")

#: RocksDB settings per database (one per table and partition): faust's defaults (64 MiB write buffers x 3,
#: a 2 GiB block cache) are sized for one big table, not 5 tables x a few partitions per worker.  At most
#: ``write_buffer_size * max_write_buffer_number + block_cache_size`` = 6 MiB of RocksDB memory per database.
ROCKSDB_OPTIONS: dict[str, int] = {"write_buffer_size": 2 << 20, "max_write_buffer_number": 2,
                                   "block_cache_size": 2 << 20}

#: (local copy or None, partitions, keys, values): what :meth:`TableStore.persist` hands the producer.
Produce = Callable[[str, list[int], list[bytes], list[Any], "RocksPartitions | None"], None]


class Partitioner(Protocol):
    def __call__(self, key: str) -> int: ...


class KeyPartitionView:
    """Stands in for faust's memory store's key -> partition map (``Store._key_partition``) of a table the worker
    writes: there a key's changelog partition is always the murmur2 partition of the key (:class:`TableStore`
    writes it so), so it is computed when faust asks instead of being stored on every changelog write (one dict
    write per record, ~2 % of the worker's main thread).

    faust reads the map only at the end of a recovery (``on_recovery_completed``: the keys of partitions no longer
    assigned are dropped from the store); it notes each recovered record's partition and forgets deleted keys,
    which here is nothing to do.  So every key in the store is judged by its partition, also keys created since
    the last recovery, which faust's own map knew only once written to the changelog."""

    def __init__(self, data: dict[str, Any], partitions: int) -> None:
        self._data = data
        self._part = KeyPartitioner(partitions)

    def items(self) -> list[tuple[str, int]]:
        keys = list(self._data)
        return list(zip(keys, self._part.many(keys)))

    def __setitem__(self, key: str, partition: int) -> None:
        """faust's recovery noting a record's partition: the key's own (the worker wrote it there)."""

    def pop(self, key: str, default: Any = None) -> Any:
        return default


class RocksPartitions:
    """faust's RocksDB store of one table (a database per partition), written with delivered changelog records.

    :meth:`write` puts an epoch's records of each partition and the highest changelog offset delivered for
    that partition into one write batch: the database is always the changelog up to that offset, which is
    what faust's recovery assumes when it starts reading there (``Store.persisted_offset``).
    """

    def __init__(self, table: Any) -> None:
        self.table = table
        self._topic: str | None = None

    @property
    def store(self) -> Any:
        """faust's ``faust.stores.rocksdb.Store`` of the table."""
        return self.table.data

    @property
    def topic(self) -> str:
        if self._topic is None:
            self._topic = self.table.changelog_topic.get_topic_name()
        return self._topic

    def get(self, partition: int, key: bytes) -> bytes | None:
        db = self.store._dbs.get(partition)
        return None if db is None else db.get(key)

    def get_many(self, partition: int, keys: list[bytes]) -> list[bytes | None]:
        """Values of ``keys`` (None: absent) from one partition's database, in one multi-get."""
        db = self.store._dbs.get(partition)
        return [None] * len(keys) if db is None else db.get(keys)

    def scan(self, partition: int, start: bytes | None, limit: int) -> tuple[list[tuple[bytes, bytes]], bytes | None]:
        """Up to ``limit`` (key, value) of a partition from ``start`` on (None: the first), without faust's
        offset record, and the key to continue from (None: the end).  No iterator outlives the call."""
        db = self.store._dbs.get(partition)
        if db is None:
            return [], None
        it = db.iter()
        if start is None:
            it.seek_to_first()
        else:
            it.seek(start)
        out: list[tuple[bytes, bytes]] = []
        offset_key = self.store.offset_key
        for _ in range(limit):
            if not it.valid():
                return out, None
            k = it.key()
            if k != offset_key:
                out.append((k, it.value()))
            it.next()
        return out, (it.key() if it.valid() else None)

    def memory(self) -> int:
        """Bytes RocksDB itself holds for the open databases: memtables, block caches, table readers."""
        total = 0
        for db in list(self.store._dbs.values()):
            for prop in ("rocksdb.cur-size-all-mem-tables", "rocksdb.block-cache-usage",
                         "rocksdb.estimate-table-readers-mem"):
                total += int(db.property_int_value(prop) or 0)
        return total

    def estimate_keys(self, partition: int) -> int:
        db = self.store._dbs.get(partition)
        return 0 if db is None else int(db.property_int_value("rocksdb.estimate-num-keys") or 0)

    def write(self, records: list[tuple[list[int], list[bytes], list[bytes | None]]],
              offsets: dict[tuple[str, int], int]) -> int:
        """Write delivered records ((partitions, keys, values) lists; value None: delete) with their partitions'
        changelog offsets; partitions no longer open here (revoked) are skipped whole.  Returns records written."""
        from rocksdict import WriteBatch

        batches: dict[int, Any] = {}
        counts: dict[int, int] = {}
        for partitions, keys, values in records:
            for p, k, v in zip(partitions, keys, values):
                wb = batches.get(p)
                if wb is None:
                    wb = batches[p] = WriteBatch(raw_mode=True)
                    counts[p] = 0
                if v is None:
                    wb.delete(k)
                else:
                    wb.put(k, v)
                counts[p] += 1
        store, topic = self.store, self.topic
        written = 0
        for p, wb in batches.items():
            db = store._dbs.get(p)
            offset = offsets.get((topic, p))
            if db is None:
                continue  # revoked: its next owner reads the changelog
            if offset is None:  # cannot happen: an epoch is acked only when all its records are delivered
                log.error("%s[%d]: records delivered without an offset; not written locally", topic, p)
                continue
            wb.put(store.offset_key, str(offset).encode())
            db.write(wb)
            written += counts[p]
        return written


def write_delivered(writes: list[tuple[RocksPartitions, list[int], list[bytes], list[bytes | None]]],
                    offsets: dict[tuple[str, int], int]) -> int:
    """An acked epoch's local writes, grouped by table (see :meth:`RocksPartitions.write`)."""
    by_table: dict[RocksPartitions, list[tuple[list[int], list[bytes], list[bytes | None]]]] = {}
    for local, partitions, keys, values in writes:
        by_table.setdefault(local, []).append((partitions, keys, values))
    return sum(local.write(records, offsets) for local, records in by_table.items())


class TableStore:
    """A :class:`~detector.worker.processor.StateStore` over a faust table's memory store, writing the
    changelog itself (see detector/worker/app.py).  Values live decoded in the store's dict, keyed by ``str``
    (the table's key type; on the changelog the key is its UTF-8)."""

    #: the table's RocksDB databases, written once the records are delivered (None: memory store)
    local: RocksPartitions | None = None
    load_errors = 0  # records of another layout skipped when loading from RocksDB (reported as state_errors)

    def __init__(self, table: Any, name: str, produce: Produce) -> None:
        self.table = table
        self.name = name
        self.codec = CODECS[name]
        self._produce = produce
        self._topic: str | None = None
        self.bytes_written = 0  # serialized bytes of every value written (for the state-size estimate)
        self.values_written = 0
        if hasattr(table.data, "_key_partition"):  # faust's memory store (its RocksDB store keeps no such map)
            table.data._key_partition = KeyPartitionView(table.data.data, table.partitions)

    @property
    def topic(self) -> str:
        if self._topic is None:
            self._topic = self.table.changelog_topic.get_topic_name()
        return self._topic

    @property
    def data(self) -> dict[str, Any]:
        return self.table.data.data  # faust's memory store: cleared in place by faust, never replaced

    def persist(self, keys: list[str], partitions: list[int], values: list[Any | None]) -> None:
        """Write each key's value to the changelog (value None: a tombstone).  Parallel lists."""
        if None in values:  # deletes among them (expiry): split them off
            gone = [k for k, v in zip(keys, values) if v is None]
            self._produce(self.topic, [p for p, v in zip(partitions, values) if v is None],
                          [k.encode() for k in gone], [None] * len(gone), self.local)
            live = [i for i, v in enumerate(values) if v is not None]
            keys = [keys[i] for i in live]
            partitions = [partitions[i] for i in live]
            values = [values[i] for i in live]
        if not keys:
            return
        blobs = self.codec.dumps_all(values)
        kbytes = list(map(str.encode, keys))
        self.bytes_written += sum(map(len, blobs)) + sum(map(len, kbytes))
        self.values_written += len(blobs)
        self._produce(self.topic, partitions, kbytes, blobs, self.local)

    def follow_assignment(self, partitions: list[int], part: Partitioner) -> None:
        """The worker's partitions after a rebalance (faust's memory store follows them itself, through
        :class:`KeyPartitionView`)."""

    def report(self) -> dict[str, Any]:
        return {"keys": len(self.data)}

    def __len__(self) -> int:
        return len(self.data)

    def approx_bytes(self) -> int:
        """Serialized size of what the store holds: live keys x mean serialized size of the values written
        (the codec computes the bytes anyway; no per-key bookkeeping)."""
        if not self.values_written:
            return 0
        return int(len(self.data) * self.bytes_written / self.values_written)


class RocksTableStore(TableStore):
    """A :class:`TableStore` over the table's RocksDB partitions, keeping at most ``cache_keys`` keys decoded in
    its dict (``store=rocksdb``; a :class:`~detector.worker.processor.HotStore`).

    The processor hands :meth:`fetch` every key a batch will touch before the stages run; a key not in the
    dict is read from its partition's database (one multi-get per partition) and decoded.  :meth:`evict` trims
    the dict back to ``cache_keys`` keys, never a dirty one and only when no sealed epoch is in flight (so the
    value of every key it drops is in RocksDB); keys not fetched since the previous eviction go first.  A value
    idle since before the last expiry pass is not loaded but deleted: the pass over the dict would have deleted
    it (a key that idle is never evicted after a pass), and :meth:`sweep` finds such keys among those only on
    disk, a slice at a time.  So the dict holds at most ``cache_keys`` keys plus what changed since the last
    eviction (about one epoch) plus keys idle since before the last pass; ``cache_keys`` 0: no bound.
    """

    def __init__(self, table: Any, name: str, produce: Produce, cache_keys: int = 0) -> None:
        super().__init__(table, name, produce)
        self.local = RocksPartitions(table)
        self.cache_keys = cache_keys
        self._data: dict[str, Any] = {}
        self.owned: set[int] = set()  # partitions of this worker (swept; their keys kept in the dict)
        self.touched: set[str] = set()  # keys fetched since the last eviction
        self.misses = 0  # keys looked up in RocksDB
        self.loaded_keys = 0  # keys found there and decoded
        self.load_s = 0.0
        self.evicted = 0
        self.peak_keys = 0  # most keys in the dict seen by an eviction
        self._sweep_todo: list[int] = []  # partitions left in this sweep round
        self._sweep_from: bytes | None = None  # next key of the partition being swept
        self._sweep_horizon = float("-inf")

    @property
    def data(self) -> dict[str, Any]:
        return self._data

    def follow_assignment(self, partitions: list[int], part: Partitioner) -> None:
        """Drop the keys of partitions that moved away (their values are in their databases and changelogs)."""
        gone = self.owned - set(partitions)
        if gone:
            data = self._data
            for k in [k for k in data if part(k) in gone]:
                del data[k]
        self.owned = set(partitions)
        self._sweep_todo = []
        self._sweep_from = None

    def fetch(self, keys: set[str], part: Partitioner, horizon: float) -> list[str]:
        """Load the keys that are not in the dict from RocksDB; return the ones expired (idle since before
        ``horizon``), which are left out."""
        data = self._data
        self.touched |= keys
        missing = [k for k in keys if k not in data]
        if not missing:
            return []
        t0 = time.perf_counter()
        self.misses += len(missing)
        by_partition: dict[int, list[str]] = {}
        for k in missing:  # a key of another worker's partition: no database open here, nothing found
            by_partition.setdefault(part(k), []).append(k)
        dead: list[str] = []
        loads = self.codec.loads
        for p, ks in by_partition.items():
            for k, v in zip(ks, self.local.get_many(p, [k.encode() for k in ks])):  # type: ignore[union-attr]
                if v is None:
                    continue
                obj = self._decode(p, v)
                if obj is None:
                    continue
                if obj.last_activity() < horizon:
                    dead.append(k)
                    continue
                data[k] = obj
                self.loaded_keys += 1
        self.load_s += time.perf_counter() - t0
        return dead

    def _decode(self, partition: int, blob: bytes) -> Any:
        try:
            return self.codec.loads(blob)
        except StateLayoutError as exc:
            self.load_errors += 1
            log.warning("%s[%d]: local record dropped: %s", self.name, partition, exc)
            return None

    def evict(self, dirty: set[str], horizon: float) -> int:
        """Past ``cache_keys`` keys, trim the dict to 90 % of it (call only when no sealed epoch is in flight;
        ``dirty``: keys changed since, kept).  Keys not fetched since the last eviction go first, oldest in the
        dict first; if the hot set alone is too large, the oldest of it too.

        A key idle since before ``horizon`` (the last expiry pass's) stays: it was created or kept after that
        pass, which did not judge it, and on disk :meth:`fetch` and :meth:`sweep` would take it for expired; the
        next pass over the dict judges it."""
        data = self._data
        cap = self.cache_keys
        if cap <= 0 or len(data) <= cap:
            if len(self.touched) > 2 * len(data) + 10_000:  # keys looked up and never stored (absent)
                self.touched = set()
            return 0
        self.peak_keys = max(self.peak_keys, len(data))
        excess = len(data) - (cap - cap // 10)
        touched, self.touched = self.touched, set()

        def evictable(k: str, v: Any) -> bool:
            return k not in dirty and v.last_activity() >= horizon

        victims = list(islice((k for k, v in data.items() if k not in touched and evictable(k, v)), excess))
        if len(victims) < excess:
            chosen = set(victims)
            victims += islice((k for k, v in data.items() if k not in chosen and evictable(k, v)),
                              excess - len(victims))
        for k in victims:
            del data[k]
        self.evicted += len(victims)
        return len(victims)

    def sweep(self, horizon: float, budget: int) -> list[str]:
        """Check up to ``budget`` keys that are on disk only; return those idle since before ``horizon``.

        A round goes through every owned partition once per expiry pass (a new horizon starts a new one).  A
        candidate's value is read again before it is declared dead (the round's iterator may be older)."""
        if horizon != self._sweep_horizon:
            self._sweep_horizon = horizon
            self._sweep_todo = sorted(self.owned)
            self._sweep_from = None
        dead: list[str] = []
        data = self._data
        local = self.local
        assert local is not None
        while budget > 0 and self._sweep_todo:
            p = self._sweep_todo[0]
            entries, nxt = local.scan(p, self._sweep_from, budget)
            budget -= max(1, len(entries))
            for kb, v in entries:
                k = kb.decode()
                if k in data:
                    continue  # in memory: the expiry pass over the dict judges it
                obj = self._decode(p, v)
                if obj is None or obj.last_activity() >= horizon:
                    continue
                fresh = local.get(p, kb)
                obj = None if fresh is None else self._decode(p, fresh)
                if obj is not None and obj.last_activity() < horizon:
                    dead.append(k)
            if nxt is None:
                self._sweep_todo.pop(0)
                self._sweep_from = None
            else:
                self._sweep_from = nxt
        return dead

    def disk_keys(self) -> int | None:
        """RocksDB's estimate of the keys in the owned partitions' databases (deleted keys not compacted away
        yet included); None once faust closed them (at stop)."""
        local = self.local
        assert local is not None
        if not local.store._dbs:
            return None
        return sum(local.estimate_keys(p) for p in self.owned)

    def __len__(self) -> int:
        """Keys of this table here: in memory or only on disk (RocksDB's estimate)."""
        return max(len(self._data), self.disk_keys() or 0)

    def approx_bytes(self) -> int:
        if not self.values_written:
            return 0
        return int(len(self) * self.bytes_written / self.values_written)

    def report(self) -> dict[str, Any]:
        return {"keys": len(self._data), "cache_keys": self.cache_keys, "disk_keys": self.disk_keys(),
                "misses": self.misses, "loaded_keys": self.loaded_keys, "load_s": round(self.load_s, 3),
                "evicted": self.evicted, "peak_keys": max(self.peak_keys, len(self._data)),
                "partitions": sorted(self.owned)}
