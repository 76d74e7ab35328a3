"""The worker's pure parts, without a broker: state codec round trips, packing, partitioning, and the batch
processor's topology against replay (an in-process stand-in for the Kafka hops)."""

from __future__ import annotations

import collections
import marshal
import struct
import time
import zlib
from operator import attrgetter
from pathlib import Path
from typing import Any, Callable

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detector.features import HandsetState, NumberState, SiteState, number_layout, state_fields
from detector.murmur import KeyPartitions, murmur2_31_loop
from detector.binfields import BIG_INT
from detector.statevalues import NUMBER_LAYOUT
from detector.policy import Episode
from detector.worker.codec import (
    CODECS,
    EPISODE_CODEC,
    HANDSET_CODEC,
    MARSHAL_VERSION,
    NUMBER_CODEC,
    SITE_CODEC,
    Partitioner,
    StateLayoutError,
    cdr_from_fields,
    murmur2_31,
    murmur2_31_many,
    pack,
    partition_for,
    unpack,
)
from detector.worker.processor import BatchProcessor, DictStore, InRecord


def _same(a: object, b: object) -> bool:
    return all(getattr(a, n) == getattr(b, n) for n in state_fields(type(a)))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 1e6), st.integers(10**9, 10**12 - 1), st.floats(0, 3600), st.booleans(),
                          st.booleans()), max_size=40))
def test_number_state_round_trips(calls: list[tuple[float, int, float, bool, bool]]) -> None:
    s = NumberState()
    t = 1.7e9
    for dt, callee, dur, answered, voice in calls:
        t += dt
        s.on_outbound(t, 60, callee, dur, answered, False, voice, False, False, "356938035643809", "234-1-2-3")
        s.on_inbound(t, callee, dur, answered, voice, answered)
    blob = NUMBER_CODEC.dumps(s)
    assert blob[:4] == NUMBER_CODEC.header_v2 and blob[1] == 2  # this build writes version 2
    back = NUMBER_CODEC.loads(blob)
    assert type(back) is NumberState and _same(s, back)
    # Version 1 (marshal of the field values: what every build before session 9 wrote, in marshal format 2, and
    # earlier builds in marshal's default format, with back-references) loads to the same state.
    for fmt in (MARSHAL_VERSION, marshal.version):
        old = NUMBER_CODEC.header + marshal.dumps(NUMBER_CODEC.get_all(s), fmt)
        assert _same(s, NUMBER_CODEC.loads(old))


#: A version-1 number record as the codec of main at 95411e7 (session 8) wrote it, for the state that
#: ``_golden_state`` builds: a changelog written before version 2 must still restore.  Re-recorded with the
#: version-1 writer when ``NumberState`` gained ``f_scat`` (session 13), ``tv_end``, ``f_ovl`` (session 14),
#: ``pump`` (session 15) and ``h_ans``, ``h_short``, ``h_conv`` (session 16): a record of an older layout is
#: refused at recovery (counted as a state error), whatever its version, as an older ``replay --state`` file is.
V1_RECORD = Path(__file__).with_name("data") / "number_state_v1.hex"
#: crc32 of the version-2 record of that state (pinned: see test_version_2_layout_is_pinned).
V2_CRC = 0x9A0317B1


def _golden_state() -> NumberState:
    s = NumberState()
    for i in range(40):
        s.on_outbound(1.7e9 + 60 * i, 60, 447700900000 + 7 * i, 30.0 * i, i % 2 == 0, False, True, i % 5 == 0,
                      False, "35000000000000" + str(i % 2), "234-15-1-" + str(i % 3))
    s.on_inbound(1.7e9 + 2500, 447700900003, 4.0, False, True, False)
    return s


def test_version_1_records_of_an_old_changelog_still_load() -> None:
    old = bytes.fromhex(V1_RECORD.read_text().strip())
    assert old[:4] == NUMBER_CODEC.header and old[1] == 1
    s = NUMBER_CODEC.loads(old)
    assert _same(s, _golden_state()) and s.k == 40 and s.bloom_cur.bit_length() > 64 and s.cell == "234-15-1-0"
    # Written again it is a version-2 record of the same state.
    assert NUMBER_CODEC.values_of(NUMBER_CODEC.dumps(s)) == NUMBER_CODEC.values_of(old)


def test_version_2_layout_is_pinned() -> None:
    """The bytes of a version-2 record: a change to the generator or the field list that changes them must come
    with a new record version or fingerprint (then update V2_CRC), else older changelogs would be misread."""
    blob = NUMBER_CODEC.dumps(_golden_state())
    assert blob[:3] == bytes((0xCD, 2, 1)) and zlib.crc32(blob) == V2_CRC, hex(zlib.crc32(blob))
    # Spot checks of the layout itself: header, then fields in state_fields order, areas (an int) first.
    assert struct.unpack_from("<q", blob, 4)[0] == _golden_state().areas


def test_generated_layout_is_the_state_layout() -> None:
    """detector/statevalues.py (generated, compiled with the core) must follow NumberState's fields and kinds,
    else the codec falls back to version 1 (slower)."""
    assert NUMBER_LAYOUT == number_layout(), "NumberState's fields changed: run scripts/gen_statevalues.py"
    assert tuple(n for n, _ in NUMBER_LAYOUT) == state_fields(NumberState)
    assert NUMBER_CODEC.binary


def test_stale_generated_layout_writes_version_1_and_refuses_version_2(monkeypatch: pytest.MonkeyPatch) -> None:
    import detector.worker.codec as codec

    monkeypatch.setattr(codec, "NUMBER_LAYOUT", NUMBER_LAYOUT[:-1] + ((NUMBER_LAYOUT[-1][0], "f"),))
    stale = codec._NumberCodec()
    assert not stale.binary and stale.header_v2 != NUMBER_CODEC.header_v2
    s = _golden_state()
    blob = stale.dumps(s)
    assert blob[:4] == NUMBER_CODEC.header and _same(stale.loads(blob), s) and stale.dumps_all([s]) == [blob]
    with pytest.raises(StateLayoutError):
        stale.loads(NUMBER_CODEC.dumps(s))
    with pytest.raises(StateLayoutError):
        stale.loads(stale.header_v2 + NUMBER_CODEC.dumps(s)[4:])


_KIND_VALUES = {
    "f": st.floats(allow_nan=True, allow_infinity=True),
    "i": st.one_of(st.integers(-2**63, 2**63), st.integers(-2**70, 2**520), st.sampled_from(
        [0, -1, BIG_INT, BIG_INT + 1, -BIG_INT - 1, -BIG_INT, 2**62, 2**62 - 1, -2**62, -2**62 - 1, 2**512 - 1])),
    "s": st.one_of(st.none(), st.text(max_size=40)),
}


def _bits(v: object) -> object:
    return struct.pack("<d", v) if isinstance(v, float) else (type(v), v)


@settings(max_examples=300, deadline=None)
@given(st.fixed_dictionaries({name: _KIND_VALUES[kind] for name, kind in NUMBER_LAYOUT}))
def test_number_record_round_trips_any_field_values(values: dict[str, Any]) -> None:
    """Every field of every kind, at the edges of a machine word and beyond (Bloom generations), NaN, -0.0,
    None and any text: version 2 gives back the same values bit for bit, and version 1 the same as version 2."""
    s = NumberState()
    for name, v in values.items():
        setattr(s, name, v)
    want = [_bits(getattr(s, n)) for n in state_fields(NumberState)]
    blob = NUMBER_CODEC.dumps(s)
    assert [_bits(getattr(NUMBER_CODEC.loads(blob), n)) for n in state_fields(NumberState)] == want
    assert NUMBER_CODEC.dumps_all([s, s]) == [blob, blob]
    old = NUMBER_CODEC.header + marshal.dumps(NUMBER_CODEC.get_all(s), MARSHAL_VERSION)
    assert [_bits(getattr(NUMBER_CODEC.loads(old), n)) for n in state_fields(NumberState)] == want


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_damaged_version_2_records_are_refused(data: st.DataObject) -> None:
    """A truncated or extended record is refused (StateLayoutError), never half-read; one with a length field
    overwritten is refused or read as some state of this layout, never crashes the reader."""
    s = _golden_state()
    s.imei = data.draw(st.one_of(st.none(), st.text(max_size=20)))
    blob = NUMBER_CODEC.dumps(s)
    cut = data.draw(st.integers(4, len(blob) - 1))
    with pytest.raises(StateLayoutError):
        NUMBER_CODEC.loads(blob[:cut])
    with pytest.raises(StateLayoutError):
        NUMBER_CODEC.loads(blob + data.draw(st.binary(min_size=1, max_size=9)))
    at = data.draw(st.integers(4, len(blob) - 4))
    bad = blob[:at] + data.draw(st.binary(min_size=4, max_size=4)) + blob[at + 4:]
    try:
        back = NUMBER_CODEC.loads(bad)
    except StateLayoutError:
        return
    assert type(back) is NumberState


def test_handset_site_and_episode_round_trip() -> None:
    h = HandsetState()
    for i in range(20):
        h.on_call(1.7e9 + i * 60, 447700900000 + i % 5, True)
    assert _same(h, HANDSET_CODEC.loads(HANDSET_CODEC.dumps(h)))
    c = SiteState()
    for i in range(40):
        c.on_call(1.7e9 + i * 60, 447700900000 + i % 7, i % 3 == 0, float(i % 90))
    back = SITE_CODEC.loads(SITE_CODEC.dumps(c))
    assert _same(c, back) and back.sims == c.sims and back.calls_per_hour() == c.calls_per_hour()
    e = Episode()
    e.episode, e.start_t, e.last_t, e.level, e.typology = 2, 1.0, 5.0, 1, "wangiri"
    assert _same(e, EPISODE_CODEC.loads(EPISODE_CODEC.dumps(e)))


def test_codec_refuses_other_layouts() -> None:
    blob = HANDSET_CODEC.dumps(HandsetState())
    with pytest.raises(StateLayoutError):
        NUMBER_CODEC.loads(blob)
    with pytest.raises(StateLayoutError):
        NUMBER_CODEC.loads(NUMBER_CODEC.header + b"garbage")


def test_pack_and_partitioner() -> None:
    kind, events = unpack(pack("inbound", "w/1", [[1, "a"], [2, "b"]]))
    assert kind == "inbound" and events == [[1, "a"], [2, "b"]]
    with pytest.raises(ValueError):
        unpack(b'{"v": 99}')
    # murmur2 as the Java client: the reference value of Kafka's own partitioner tests.
    assert partition_for("+447700900123", 8) == Partitioner(8)("+447700900123")
    from aiokafka.partitioner import murmur2

    assert murmur2(b"21") & 0xFFFFFFFF == -973932308 & 0xFFFFFFFF


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=80))
def test_fast_murmur2_is_kafkas(data: bytes) -> None:
    from aiokafka.partitioner import murmur2

    assert murmur2_31(data) == murmur2(data) & 0x7FFFFFFF
    assert murmur2_31_loop(data) == murmur2_31(data)  # the compiled build's loop (here interpreted)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.binary(max_size=24), max_size=120), st.integers(1, 4), st.integers(1, 12))
def test_batched_murmur2_is_the_same(keys: list[bytes], copies: int, partitions: int) -> None:
    # Enough keys of one length (repeated) to take the numpy path, and few of others for the one-by-one path.
    keys = keys * copies + [b"+4477009%05d" % i for i in range(len(keys))]
    assert murmur2_31_many(keys) == [murmur2_31(k) for k in keys]
    texts = [k.decode("latin-1") for k in keys]
    part = Partitioner(partitions)
    if texts:
        part(texts[0])  # one cached, the rest hashed together
    assert part.many(texts) == [murmur2_31(t.encode()) % partitions for t in texts]
    assert part.many(texts) == [part(t) for t in texts]
    assert KeyPartitions(partitions).many(texts) == part.many(texts)  # what a compiled build's Partitioner uses


def simulate(lines: list[bytes], partitions: int = 6, chunk: int = 60, check_dirty: bool = False,
             local_hops: bool = False, stores: dict[str, Any] | None = None, cfg: Any = None,
             after_batch: Callable[[BatchProcessor], None] | None = None,
             allowlist: Any = None) -> tuple[list[dict], BatchProcessor]:
    """The worker's topology in one process: per round, ``chunk`` CDRs per partition plus the internal
    messages the previous round produced (one hop = one round, as a fast broker would deliver them).
    ``local_hops``: one worker owning every partition applies the hops at once (no internal messages).
    ``stores``: the state stores (default: a :class:`DictStore` per table); ``after_batch``: called after each
    batch, its state flushed.

    ``check_dirty``: after every batch, every key whose serialized state changed must be among the keys the
    processor will persist (its dirty sets), since the stages change state objects in place."""
    stores = stores if stores is not None else {name: DictStore() for name in CODECS}
    bp = BatchProcessor(partitions, stores, cfg, allowlist=allowlist)
    if after_batch is not None:
        after_batch(bp)
    parts: dict[int, collections.deque[InRecord]] = collections.defaultdict(collections.deque)
    for line in lines:
        try:
            p = partition_for(orjson.loads(line)["caller"], partitions)
        except Exception:  # noqa: BLE001
            p = 0
        parts[p].append(InRecord("cdrs", p, len(parts[p]), line))
    pending: list[InRecord] = []
    alerts: list[dict] = []
    for _ in range(100_000):
        recs, pending = pending, []
        for p in range(partitions):
            for _ in range(min(chunk, len(parts[p]))):
                recs.append(parts[p].popleft())
        if not recs and not bp.held:
            break
        before = _serialized(stores) if check_dirty else None
        res = bp.process(recs, lag=lambda q: len(parts[q]), assigned=range(partitions), flush_state=not check_dirty,
                         local_hops=local_hops)
        assert not (local_hops and res.internal)
        if before is not None:
            after = _serialized(stores)
            for name in stores:
                changed = {k for k in before[name].keys() | after[name].keys()
                           if before[name].get(k) != after[name].get(k)}
                missed = changed - bp.dirty[name]
                assert not missed, f"{name}: changed but not persisted: {sorted(missed)[:5]}"
            bp.flush_state()
        alerts += [orjson.loads(a) for _, a in res.alerts]
        pending = [InRecord(k, p, 0, v) for k, p, v in res.internal]
        if after_batch is not None:
            after_batch(bp)
    return alerts, bp


def _serialized(stores: dict[str, DictStore]) -> dict[str, dict[str, object]]:
    """Each key's state as written to its changelog, decoded back to plain values: states are compared by value,
    not by bytes, so the check does not depend on the record's version or marshal format (records of formats 3+,
    which earlier builds wrote, reference shared objects depending on reference counts)."""
    return {name: {k: CODECS[name].values_of(CODECS[name].dumps(v)) for k, v in store.data.items()}
            for name, store in stores.items()}


@pytest.mark.parametrize("local_hops", [False, True])
def test_every_changed_key_is_persisted(tmp_path: Path, local_hops: bool) -> None:
    """The stages change state in place; the processor persists the keys it knows each stage changes.  Checked
    against the serialized state before and after every batch, expiry included, hops through the internal
    topics or applied locally."""
    from detector.synth import GeneratorConfig, generate

    generate(GeneratorConfig(seed=11, subscribers=400, days=1.0, fraud_numbers=8), tmp_path)
    lines = (tmp_path / "cdrs.jsonl").read_bytes().splitlines()
    alerts, bp = simulate(lines, partitions=4, chunk=150, check_dirty=True, local_hops=local_hops)
    assert bp.counts.processed == len(lines) and bp.counts.expired > 0 and alerts
    assert bp.unflushed == 0


@pytest.mark.parametrize("local_hops", [False, True])
def test_topology_matches_replay(tmp_path: Path, local_hops: bool) -> None:
    from detector.synth import GeneratorConfig, generate
    from tests.worker_helpers import compare, replay_alerts

    generate(GeneratorConfig(seed=7, subscribers=2_000, days=1.0, fraud_numbers=30), tmp_path)
    path = tmp_path / "cdrs.jsonl"
    lines = path.read_bytes().splitlines()
    bad = [b"not json", b'{"caller": "+447700900001"}']
    t0 = time.perf_counter()
    alerts, bp = simulate(lines[:500] + bad + lines[500:], local_hops=local_hops)
    c = compare(replay_alerts(path, tmp_path), alerts)
    print(f"in-process topology (local hops {local_hops}) vs replay:",
          {k: v for k, v in c.items() if not isinstance(v, list)}, f"{len(lines) / (time.perf_counter() - t0):,.0f} CDR/s")
    s = bp.counts
    assert s.consumed == len(lines) + 2 and s.processed == len(lines) and s.rejected_total == 2
    assert s.balanced(held=bp.held)
    assert c["common"] >= 0.9 * c["replay_numbers"] and c["common"] >= 0.85 * c["worker_numbers"], c
    assert c["typology_equal"] == c["common"], c


def test_latency_starts_when_the_cdr_reached_kafka() -> None:
    from detector.worker.processor import MAX_QUEUED_S, InRecord, _arrival

    now = 1_800_000_000.0

    def rec(ts: float | None) -> InRecord:
        return InRecord("cdrs", 0, 0, b"", None, ts)

    assert _arrival(rec(now - 2.5), now) == now - 2.5  # faust gives seconds
    assert _arrival(rec((now - 2.5) * 1000.0), now) == now - 2.5  # a raw client gives milliseconds
    assert _arrival(rec(None), now) == now
    assert _arrival(rec(now + 30.0), now) == now  # a producer clock ahead of ours: no negative latency
    assert _arrival(rec(now - MAX_QUEUED_S - 1.0), now) == now  # a replayed backlog is not latency


class _FakeConsumer:
    """The fields of faust's Consumer that ``ack`` / ``_new_offset`` use."""

    def __init__(self) -> None:
        from collections import defaultdict

        from intervaltree import IntervalTree

        self._acked: dict = defaultdict(list)
        self._acked_index: dict = defaultdict(set)
        self._gap: dict = defaultdict(IntervalTree)
        self._committed_offset: dict = defaultdict(lambda: None)
        self._n_acked = 0
        self._waiting_for_ack = None


@settings(max_examples=200, deadline=None)
@given(st.sets(st.integers(0, 300), max_size=120), st.one_of(st.none(), st.integers(0, 50)),
       st.lists(st.tuples(st.integers(0, 300), st.integers(1, 10)), max_size=3))
def test_bulk_acks_commit_what_faust_would(acked: set[int], committed: int | None,
                                           gaps: list[tuple[int, int]]) -> None:
    """BatchConsumer.ack_offsets + its bisecting _new_offset give faust's commit offset (faust.Consumer.ack per
    message + its _new_offset), gaps and an earlier commit included."""
    from faust.transport.consumer import Consumer as FaustConsumer
    from faust.types import TP

    from detector.worker.app import BatchConsumer

    tp = TP("t", 0)
    ours, theirs = _FakeConsumer(), _FakeConsumer()
    for c in (ours, theirs):  # as faust's _add_gap: merged intervals of offsets never read (so never acked)
        c._committed_offset[tp] = committed
        for start, n in gaps:
            c._gap[tp].addi(start, start + n)
        c._gap[tp].merge_overlaps()
    acked = {o for o in acked if not ours._gap[tp].overlaps(o)}
    order = sorted(acked, key=lambda o: (o * 7919) % 301)  # out of order, deterministically
    BatchConsumer.ack_offsets(ours, tp, order[: len(order) // 2])  # type: ignore[arg-type]
    BatchConsumer.ack_offsets(ours, tp, order[len(order) // 2:] + order[:3])  # repeats are ignored
    for o in order:
        if committed is None or o >= committed:
            if o not in theirs._acked_index[tp]:
                theirs._acked_index[tp].add(o)
                theirs._acked[tp].append(o)
    assert BatchConsumer._new_offset(ours, tp) == FaustConsumer._new_offset(theirs, tp)  # type: ignore[arg-type]
    assert sorted(ours._acked[tp]) == sorted(theirs._acked[tp])


def test_counts_are_one_object_for_replay_and_worker() -> None:
    from detector.engine import Counts
    from detector.worker.processor import WorkerCounts

    total, batch = WorkerCounts(), Counts(consumed=5, processed=3, duplicates=1)
    batch.reject("bad_number")
    batch.alert("wangiri", "high")
    total.add(batch)
    total.add(batch)
    assert total.balanced() and total.consumed == 10 and total.alerts_total == 2
    assert total.to_dict()["rejected_by_reason"] == {"bad_number": 2} and "expired" in total.to_dict()
    total.consumed += 4  # read, held back for ordering
    assert not total.balanced() and total.balanced(held=4)
    assert cdr_from_fields is not None


def test_home_utc_offset_setting_is_read_and_range_checked() -> None:
    """CDR_HOME_UTC_OFFSET_MIN (or --home-utc-offset-min) is read, range-checked, and the worker's detector
    reads UTC-logged records in it (see tests/test_detection.py for the decisions it changes)."""
    import argparse

    import pytest

    from detector.settings import Settings

    assert Settings.load(None, {}).home_utc_offset_min == 0
    parser = argparse.ArgumentParser()
    Settings.add_arguments(parser)
    assert Settings.load(parser.parse_args(["--home-utc-offset-min", "330"]), {}).home_utc_offset_min == 330
    assert Settings.load(None, {"CDR_HOME_UTC_OFFSET_MIN": "-360"}).home_utc_offset_min == -360
    with pytest.raises(ValueError, match="home_utc_offset_min"):
        Settings.load(None, {"CDR_HOME_UTC_OFFSET_MIN": "900"})


def test_fetch_size_setting_reaches_the_consumer_and_is_range_checked() -> None:
    """CDR_FETCH_PARTITION_BYTES sets faust's ``consumer_max_fetch_size`` (aiokafka's max_partition_fetch_bytes):
    the worker's default is 4 MiB, not faust's 1 MiB (fewer waits for the broker in a backlog: docs/benchmarks.md,
    session 10)."""
    import pytest

    import faust

    from detector.settings import Settings
    from detector.worker.app import faust_settings

    assert faust_settings(Settings.load(None, {}))["consumer_max_fetch_size"] == 4 * 2**20
    conf = faust_settings(Settings.load(None, {"CDR_FETCH_PARTITION_BYTES": "2097152"}))
    assert faust.App("t", **conf).conf.consumer_max_fetch_size == 2 * 2**20  # a name faust knows, not ignored
    with pytest.raises(ValueError, match="fetch_partition_bytes"):
        Settings.load(None, {"CDR_FETCH_PARTITION_BYTES": "1000"})


def test_memory_store_drops_the_keys_of_partitions_moved_away(tmp_path: Path) -> None:
    """faust's memory store, at the end of a recovery, drops the keys of partitions no longer assigned; the worker
    no longer notes each written key's partition for it (KeyPartitionView computes them): keys the stages created
    since the last recovery and keys recovered from a changelog alike are judged by their murmur2 partition."""
    import asyncio
    from types import SimpleNamespace

    import faust
    from faust.types import TP

    from detector.worker.app import _table
    from detector.worker.tables import KeyPartitionView, TableStore

    written: list[tuple[str, list[int], list[bytes]]] = []
    table = _table(faust.App("unit-memory", datadir=str(tmp_path)), "numbers", "cdr-numbers", 6)
    store = TableStore(table, "numbers", lambda topic, parts, keys, values, local: written.append((topic, parts, keys)))
    assert isinstance(table.data._key_partition, KeyPartitionView)
    keys = [f"+4477009{i:05d}" for i in range(300)]
    store.data.update((k, NumberState()) for k in keys[:200])  # created by the stages
    store.persist(keys[:100], [partition_for(k, 6) for k in keys[:100]], [store.data[k] for k in keys[:100]])
    assert sum(len(k) for _, _, k in written) == 100
    # Recovered from the changelog: faust notes each record's partition (here: nothing to note) and applies it.
    events = [SimpleNamespace(key=k.encode(), value=None, message=SimpleNamespace(partition=partition_for(k, 6),
                                                                                  value=b"x")) for k in keys[200:]]
    table.data.apply_changelog_batch(events, lambda b: b.decode(), lambda v: NumberState())
    assert set(store.data) == set(keys)
    kept = {0, 3, 4}
    asyncio.run(table.data.on_recovery_completed({TP("numbers-changelog", p) for p in kept}, set()))
    assert set(store.data) == {k for k in keys if partition_for(k, 6) in kept} and store.data


def _changelog_runtime(conf: dict[str, Any]) -> Any:
    """A Runtime with only what writing changelog records needs: the changelog producer (``conf``) and its counts."""
    from confluent_kafka import Producer

    from detector.worker.app import Runtime

    rt = Runtime.__new__(Runtime)
    rt.state_produced = rt.state_settled = 0
    rt.state_error = rt.fatal = None
    rt.state_producer = Producer({**conf, "delivery.report.only.error": True, "on_delivery": rt._state_failed,
                                  "log_level": 0})
    return rt


def test_a_changelog_record_that_fails_stops_the_worker() -> None:
    """Changelog records get no delivery report unless they fail (the real client's only-error reports); a
    failure is noticed by the barrier that settles an epoch's records, and stops the worker before its input is
    acked: here a broker that never answers and a 0.3 s message timeout."""
    from detector.worker.app import WorkerError, _Delivery

    rt = _changelog_runtime({"bootstrap.servers": "127.0.0.1:9", "message.timeout.ms": 300})
    d = _Delivery()
    rt._produce_state(d, "numbers-changelog", [0, 1, 0], [b"a", b"b", b"c"], [b"1", b"2", None])
    assert d.state_upto == rt.state_produced == 3
    rt._state_barrier()
    assert rt.state_settled == 0  # not delivered, not failed yet: the epoch waits
    with pytest.raises(WorkerError, match="changelog"):
        for _ in range(300):  # bounded: the failure is reported after ~0.3 s
            rt._state_barrier()
            time.sleep(0.02)
    assert rt.fatal and "numbers-changelog" in rt.fatal
