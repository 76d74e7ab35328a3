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
from typing import Any, Callable, Iterator, Protocol

from .codec import CODECS, StateLayoutError

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

    def items(self, partition: int) -> Iterator[tuple[bytes, bytes]]:
        """Every (key, value) of a partition's database, without faust's offset record."""
        store = self.store
        return store._visible_items(store._db_for_partition(partition))

    def get(self, partition: int, key: bytes) -> bytes | None:
        db = self.store._dbs.get(partition)
        return None if db is None else db.get(key)

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
            self._forget(gone)
            self._produce(self.topic, [p for p, v in zip(partitions, values) if v is None],
                          [k.encode() for k in gone], [None] * len(gone), self.local)
            live = [i for i, v in enumerate(values) if v is not None]
            keys = [keys[i] for i in live]
            partitions = [partitions[i] for i in live]
            values = [values[i] for i in live]
        if not keys:
            return
        self._remember(keys, partitions)
        blobs = self.codec.dumps_all(values)
        kbytes = [k.encode() for k in keys]
        self.bytes_written += sum(map(len, blobs)) + sum(map(len, kbytes))
        self.values_written += len(blobs)
        self._produce(self.topic, partitions, kbytes, blobs, self.local)

    def _remember(self, keys: list[str], partitions: list[int]) -> None:
        """Note the keys' partitions in faust's store, so that faust drops them when a partition moves away."""
        self.table.data._key_partition.update(zip(keys, partitions))

    def _forget(self, keys: list[str]) -> None:
        pop = self.table.data._key_partition.pop
        for k in keys:
            pop(k, None)

    def follow_assignment(self, partitions: list[int], part: Partitioner) -> None:
        """The worker's partitions after a rebalance (faust's memory store follows them itself)."""

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
    """A :class:`TableStore` whose dict is loaded from the table's RocksDB partitions (``store=rocksdb``).

    The whole state of the assigned partitions is in the dict, as with the memory store: RocksDB makes a
    restart on the same state directory read the changelog's tail only; it does not bound memory.
    """

    def __init__(self, table: Any, name: str, produce: Produce) -> None:
        super().__init__(table, name, produce)
        self.local = RocksPartitions(table)
        self._data: dict[str, Any] = {}
        self.loaded: set[int] = set()  # partitions whose keys are in the dict
        self.loaded_keys = 0
        self.load_s = 0.0

    @property
    def data(self) -> dict[str, Any]:
        return self._data

    def _remember(self, keys: list[str], partitions: list[int]) -> None:
        pass

    def _forget(self, keys: list[str]) -> None:
        pass

    def follow_assignment(self, partitions: list[int], part: Partitioner) -> None:
        """Drop the keys of partitions that moved away, load the newly assigned ones from their databases."""
        wanted = set(partitions)
        gone = self.loaded - wanted
        if gone:
            data = self._data
            dead = [k for k in data if part(k) in gone]
            for k in dead:
                del data[k]
            self.loaded -= gone
        for p in sorted(wanted - self.loaded):
            self._load(p)

    def _load(self, partition: int) -> None:
        t0 = time.monotonic()
        data, loads = self._data, self.codec.loads
        n = 0
        for k, v in self.local.items(partition):  # type: ignore[union-attr]
            try:
                data[k.decode()] = loads(v)
            except StateLayoutError as exc:
                self.load_errors += 1
                log.warning("%s[%d]: local record dropped: %s", self.name, partition, exc)
                continue
            n += 1
        self.loaded.add(partition)
        self.loaded_keys += n
        dt = time.monotonic() - t0
        self.load_s += dt
        log.info("%s: partition %d: %d keys loaded from RocksDB in %.3f s", self.name, partition, n, dt)

    def report(self) -> dict[str, Any]:
        return {"keys": len(self._data), "loaded_keys": self.loaded_keys, "load_s": round(self.load_s, 3),
                "partitions": sorted(self.loaded)}
