"""store=rocksdb without a broker: the worker's RocksDB-backed stores (faust's RocksDB store through rocksdict,
real databases in a temporary directory) under the in-process topology of tests/test_worker_unit.py.

With a cache of a few dozen keys per table, nearly every key a batch touches is read back from RocksDB,
evicted again after the batch, and expired on disk; the decisions and the final state must be exactly those of
plain dict stores.  The Kafka-level behaviour (restart, handover, changelog tails) is in
tests/test_worker_kafka.py."""

from __future__ import annotations

import collections
from pathlib import Path
from typing import Any

import pytest

from detector.pipeline import DetectorConfig
from detector.worker.codec import CODECS
from detector.worker.processor import BatchProcessor, DictStore
from detector.worker.tables import RocksTableStore, write_delivered
from tests.test_worker_unit import simulate

PARTITIONS = 4


def _rocks_stores(tmp: Path, cache_keys: int) -> dict[str, RocksTableStore]:
    """A RocksTableStore per table over faust's RocksDB store; "delivery" of a changelog record is immediate
    (the Kafka tests cover the real producer), so each flush reaches the databases at once, with offsets."""
    import faust

    from detector.worker.app import _table

    app = faust.App("unit-rocks", store="rocksdb://", datadir=str(tmp))
    offsets: collections.Counter[tuple[str, int]] = collections.Counter()

    def produce(topic: str, partitions: list[int], keys: list[bytes], values: list[Any], local: Any) -> None:
        reached = {}
        for p in partitions:
            offsets[(topic, p)] += 1
            reached[(topic, p)] = offsets[(topic, p)]
        write_delivered([(local, partitions, keys, values)], reached)

    stores = {}
    for name in CODECS:
        table = _table(app, name, f"cdr-{name}", PARTITIONS, rocks=True)
        for p in range(PARTITIONS):
            table.data._db_for_partition(p)  # what faust does when the partitions are assigned
        stores[name] = RocksTableStore(table, name, produce, cache_keys)
    return stores


def _state(bp: BatchProcessor) -> dict[str, dict[str, Any]]:
    """Every live key's state, by value (see test_worker_unit._serialized): the dict, plus what is only on disk."""
    out: dict[str, dict[str, Any]] = {}
    for name, store in bp.stores.items():
        values = {k: CODECS[name].dumps(v) for k, v in store.data.items()}
        if isinstance(store, RocksTableStore):
            for p in range(PARTITIONS):
                start = None
                for _ in range(10_000):
                    entries, start = store.local.scan(p, start, 1_000)  # type: ignore[union-attr]
                    for k, v in entries:
                        values.setdefault(k.decode(), v)
                    if start is None:
                        break
        out[name] = {k: CODECS[name].values_of(v) for k, v in values.items()}
    return out


@pytest.mark.parametrize("local_hops", [True, False])
def test_hot_rocksdb_stores_decide_exactly_as_dicts(tmp_path: Path, local_hops: bool) -> None:
    from detector.synth import GeneratorConfig, generate

    generate(GeneratorConfig(seed=11, subscribers=600, days=1.0, fraud_numbers=10), tmp_path / "s")
    lines = (tmp_path / "s" / "cdrs.jsonl").read_bytes().splitlines()
    cfg = DetectorConfig(idle_ttl_s=3 * 3_600.0, expire_every_s=1_800.0)  # expiry all day long
    cap = 40
    stores = _rocks_stores(tmp_path / "db", cap)
    peak = {name: 0 for name in stores}

    def after(bp: BatchProcessor) -> None:
        if bp.batches == 0:
            for store in stores.values():
                store.follow_assignment(list(range(PARTITIONS)), bp.part)
            return
        bp.sweep(50)  # expiry of keys on disk only, a slice per batch
        bp.flush_state()
        for name, store in stores.items():
            store.evict(bp.dirty[name], bp.expired_before)
            # Keys idle since before the last expiry pass stay until the next one (RocksTableStore.evict).
            idle = sum(v.last_activity() < bp.expired_before for v in store.data.values())
            peak[name] = max(peak[name], len(store.data) - idle)

    want, ref = simulate(lines, partitions=PARTITIONS, chunk=100, local_hops=local_hops, cfg=cfg)
    got, bp = simulate(lines, partitions=PARTITIONS, chunk=100, local_hops=local_hops, cfg=cfg,
                       stores=stores, after_batch=after)  # type: ignore[arg-type]
    assert ref.counts.expired > 1_000 and want
    key = [(a["alert_id"], a["number"], a["typology"], a["severity"], a["score"], a["reasons"]) for a in want]
    assert [(a["alert_id"], a["number"], a["typology"], a["severity"], a["score"], a["reasons"]) for a in got] == key
    numbers = stores["numbers"]
    print({name: st.report() | {"peak": peak[name]} for name, st in stores.items()})
    assert numbers.misses > 10 * len(ref.stores["numbers"].data) and numbers.loaded_keys > 1_000
    assert numbers.evicted > 1_000 and all(p <= cap for p in peak.values()), peak
    # The state left, in memory or on disk only, once the disk is swept for the last expiry pass.
    for _ in range(1_000):
        if not bp.sweep(10_000) and not any(st._sweep_todo for st in stores.values()):
            break
    bp.flush_state()
    assert _state(bp) == {name: {k: CODECS[name].values_of(CODECS[name].dumps(v)) for k, v in st.data.items()}
                          for name, st in ref.stores.items()}
    assert isinstance(ref.stores["numbers"], DictStore)
