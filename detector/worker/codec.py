"""Bytes on the worker's own topics: table values (state records) and the packed internal events.

State records
-------------
Table values are the core's ``__slots__`` classes (:class:`NumberState`, :class:`HandsetState`,
:class:`SiteState`, :class:`Episode`).  Each is written as a 4-byte header (magic, codec version, class tag, layout
fingerprint) followed by its fields in :func:`~detector.features.state_fields` order:

* version 1 (handsets, sites, episodes; numbers before session 9): :mod:`marshal` of the tuple of the slot
  values;
* version 2 (numbers, since session 9): a fixed binary layout, each field by its kind (f64, i64, length and
  UTF-8), written and read by :mod:`detector.statevalues` (generated, compiled with the core): a number is
  written once per epoch in which it changed, ~1.5 records per CDR, and marshal of its 74 values (boxed from
  the compiled object first) was a quarter of the worker's main thread.  Version-1 number records, from an
  older build or an old changelog, still load (rolling upgrade, restore).

* Why not JSON: the Bloom generations are 512-bit integers and ``sims`` is a dict keyed by int; marshal
  keeps both exactly (and floats bit for bit), about 3x faster than pickle and half its size here.
* Why not pickle: unpickling runs code named by the bytes.  marshal builds only plain values (it can
  still be crashed by hostile bytes, like any C decoder), and these topics are written only by workers
  of this application.  Only read changelogs you wrote.
* The layout fingerprint is a hash of the class's slot names (version 2: names and kinds): a state written by
  a build whose record had other fields is refused (:class:`StateLayoutError`) instead of being mixed with the
  new layout (the worker then starts that key afresh and counts it).

Internal events
---------------
The repartition topics carry *packed* messages: one Kafka message per (batch, destination partition),
holding a list of events, so a 2,000-CDR batch costs a handful of internal messages instead of 4,000.
They are JSON (orjson): small, safe to decode, readable with ``kafka-console-consumer``.  The destination
partition is chosen explicitly with the same murmur2 hash the CDR topic's producers use (see
:func:`partition_for`), so an event for number X lands in the partition that owns X's state.
"""

from __future__ import annotations

import marshal
import struct
import zlib
from itertools import repeat
from operator import attrgetter
from typing import Any, Callable, Iterable

import orjson

from ..features import HandsetState, NumberState, SiteState, number_layout, state_fields
from ..policy import Episode
from ..records import Cdr
from ..statevalues import NUMBER_LAYOUT, number_decode, number_encode
from ..murmur import COMPILED as MURMUR_COMPILED, KeyPartitions

MAGIC = 0xCD
CODEC_VERSION = 1
#: The version of the number record this build writes (:class:`_NumberCodec`; version 1 still loads).
NUMBER_VERSION = 2
PACK_VERSION = 1
#: marshal format 2 (binary floats, no back-references): formats 3+ look up every object shared elsewhere in the
#: process (small ints, float constants) in a hashtable built per call, ~20 % of the encoding time here and
#: bytes that depend on reference counts.  Any format decodes to the same values (``marshal.loads`` reads all).
MARSHAL_VERSION = 2


class StateLayoutError(ValueError):
    """A stored state record does not match this build's class layout (or is not a state record)."""


def _fingerprint(cls: type) -> int:
    return zlib.crc32(" ".join(state_fields(cls)).encode()) & 0xFF


class _SlotCodec:
    """Encode/decode one ``__slots__`` class as (header, marshal(tuple of slot values)): version 1."""

    __slots__ = ("cls", "tag", "header", "slots", "get_all", "new")

    def __init__(self, cls: type, tag: int) -> None:
        self.cls = cls
        self.tag = tag
        self.slots: tuple[str, ...] = state_fields(cls)  # the same for the pure and the compiled class
        self.header = bytes((MAGIC, CODEC_VERSION, tag, _fingerprint(cls)))  # of version 1
        #: the tuple of an object's field values, in ``slots`` order
        self.get_all: Callable[[Any], tuple[Any, ...]] = attrgetter(*self.slots)
        self.new = cls.__new__

    def dumps(self, obj: Any) -> bytes:
        return self.header + marshal.dumps(self.get_all(obj), MARSHAL_VERSION)

    def dumps_all(self, objs: Iterable[Any]) -> list[bytes]:
        """:meth:`dumps` of each (one call for a flush of thousands of keys)."""
        # Chained maps: the loop runs in C, no Python frame per object (~0.1 us of a ~1.5 us record).
        return list(map(self.header.__add__, map(marshal.dumps, map(self.get_all, objs), repeat(MARSHAL_VERSION))))

    def loads(self, data: bytes) -> Any:
        if data[:4] != self.header:
            raise StateLayoutError(
                f"not a {self.cls.__name__} record of this layout (header {data[:4].hex()}, "
                f"expected {self.header.hex()})")
        try:
            values = marshal.loads(data[4:])
        except (EOFError, ValueError, TypeError) as exc:
            raise StateLayoutError(f"corrupt {self.cls.__name__} record: {exc}") from None
        if type(values) is not tuple or len(values) != len(self.slots):
            raise StateLayoutError(f"corrupt {self.cls.__name__} record: wrong number of fields")
        obj = self.new(self.cls)
        for name, value in zip(self.slots, values):
            object.__setattr__(obj, name, value)
        return obj

    def values_of(self, data: bytes) -> tuple[Any, ...]:
        """The field values of a record, in ``slots`` order (to compare states by value, whatever the version)."""
        return self.get_all(self.loads(data))


class _NumberCodec(_SlotCodec):
    """:class:`NumberState` records: writes version 2 (:mod:`detector.statevalues`), reads versions 2 and 1.

    While the generated layout is stale (``NumberState``'s fields or their kinds changed and
    scripts/gen_statevalues.py was not rerun; a unit test fails then) it writes version 1 and refuses version 2:
    the generated reader would misread the fields."""

    __slots__ = ("header_v2", "binary")

    def __init__(self) -> None:
        super().__init__(NumberState, 1)
        self.binary = number_layout() == NUMBER_LAYOUT
        layout = " ".join(f"{name}:{kind}" for name, kind in NUMBER_LAYOUT)
        self.header_v2 = bytes((MAGIC, NUMBER_VERSION, self.tag, zlib.crc32(layout.encode()) & 0xFF))

    def dumps(self, obj: Any) -> bytes:
        return number_encode(obj, self.header_v2) if self.binary else super().dumps(obj)

    def dumps_all(self, objs: Iterable[Any]) -> list[bytes]:
        if not self.binary:
            return super().dumps_all(objs)
        return list(map(number_encode, objs, repeat(self.header_v2)))  # the loop in C, no frame per state

    def loads(self, data: bytes) -> Any:
        if data[:4] != self.header_v2 or not self.binary:
            return super().loads(data)  # version 1, or refused there with the expected header
        try:
            return number_decode(data, 4)
        except (IndexError, ValueError, OverflowError) as exc:  # UnicodeDecodeError is a ValueError
            raise StateLayoutError(f"corrupt NumberState record: {exc}") from None


NUMBER_CODEC = _NumberCodec()
HANDSET_CODEC = _SlotCodec(HandsetState, 2)
EPISODE_CODEC = _SlotCodec(Episode, 3)
SITE_CODEC = _SlotCodec(SiteState, 4)
CODECS: dict[str, _SlotCodec] = {"numbers": NUMBER_CODEC, "handsets": HANDSET_CODEC, "episodes": EPISODE_CODEC,
                                 "sites": SITE_CODEC}


# -- partitioning -----------------------------------------------------------------------------------


_M = 0x5BD1E995
_WORDS = [struct.Struct(f"<{n}I") for n in range(64)]


def murmur2_31(data: bytes) -> int:
    """``murmur2(data) & 0x7FFFFFFF`` exactly as Kafka's Java client (and ``aiokafka.partitioner.murmur2``)
    computes it, about 3x faster: the 4-byte words come from one ``struct`` call, masks only where needed."""
    length = len(data)
    h = 0x9747B28C ^ length
    n4 = length >> 2
    if n4:
        words = _WORDS[n4].unpack_from(data) if n4 < 64 else struct.unpack_from(f"<{n4}I", data)
        for k in words:
            k = (k * _M) & 0xFFFFFFFF
            k ^= k >> 24
            h = ((h * _M) & 0xFFFFFFFF) ^ ((k * _M) & 0xFFFFFFFF)
    rest = length & 3
    if rest:
        base = length & ~3
        if rest == 3:
            h ^= data[base + 2] << 16
        if rest >= 2:
            h ^= data[base + 1] << 8
        h = ((h ^ data[base]) * _M) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * _M) & 0xFFFFFFFF
    h ^= h >> 15
    return h & 0x7FFFFFFF


#: Below this many keys of one length, :func:`murmur2_31_many` hashes them one by one (numpy's per-call cost
#: is ~1 us per operation and a word takes ~8 of them; pure Python is ~2 us a key).
_VECTOR_MIN = 16


def murmur2_31_many(keys: list[bytes]) -> list[int]:
    """:func:`murmur2_31` of each key, the keys of one length hashed together with numpy (uint32 arithmetic wraps
    modulo 2**32 as the Java client's ints do): ~0.2 us a key instead of ~2 in a batch of first-seen numbers."""
    import numpy as np

    out = [0] * len(keys)
    by_len: dict[int, list[int]] = {}
    for i, k in enumerate(keys):
        by_len.setdefault(len(k), []).append(i)
    m = np.uint32(_M)
    for length, idx in by_len.items():
        if len(idx) < _VECTOR_MIN:
            for i in idx:
                out[i] = murmur2_31(keys[i])
            continue
        data = np.frombuffer(b"".join([keys[i] for i in idx]), dtype=np.uint8).reshape(len(idx), length)
        h = np.full(len(idx), 0x9747B28C ^ length, dtype=np.uint32)
        n4 = length >> 2
        if n4:
            words = np.ascontiguousarray(data[:, : 4 * n4]).view("<u4")
            for j in range(n4):
                k = words[:, j] * m
                k ^= k >> np.uint32(24)
                k *= m
                h *= m
                h ^= k
        rest = length & 3
        if rest:
            base = length & ~3
            if rest == 3:
                h ^= data[:, base + 2].astype(np.uint32) << np.uint32(16)
            if rest >= 2:
                h ^= data[:, base + 1].astype(np.uint32) << np.uint32(8)
            h ^= data[:, base].astype(np.uint32)
            h *= m
        h ^= h >> np.uint32(13)
        h *= m
        h ^= h >> np.uint32(15)
        h &= np.uint32(0x7FFFFFFF)
        for i, v in zip(idx, h.tolist()):
            out[i] = v
    return out


class Partitioner:
    """Key -> partition exactly as Kafka's Java client, aiokafka and librdkafka's ``murmur2_random`` do.

    The CDR topic's producers must partition this way (it is the Java client's default; librdkafka's
    default ``consistent_random`` is *not* it, so ``cdr-detector produce`` sets ``murmur2_random``).
    Compiled (:data:`detector.murmur.COMPILED`), every key is hashed by the machine-int loop of
    :mod:`detector.murmur`, cheaper than any cache on a big state; interpreted, a bounded cache makes the
    pure-Python murmur2 (about 2 us) a dict look-up for keys seen recently.
    """

    __slots__ = ("n", "_cache", "_max", "cached", "_hashed")

    def __init__(self, partitions: int, cache_size: int = 1_000_000) -> None:
        self.n = partitions
        self._cache: dict[str, int] = {}
        self._max = cache_size
        self._hashed = KeyPartitions(partitions) if MURMUR_COMPILED else None
        #: ``cached(key)``: the partition if already known, else None (one C call; hot loops try it first).
        #: Compiled: always known.
        self.cached: Callable[[str], int | None] = self._cache.get if self._hashed is None else self._hashed

    def __call__(self, key: str) -> int:
        if self._hashed is not None:
            return self._hashed(key)
        p = self._cache.get(key)
        if p is None:
            p = murmur2_31(key.encode()) % self.n
            if len(self._cache) >= self._max:
                self._cache.clear()
            self._cache[key] = p
        return p

    def many(self, keys: list[str]) -> list[int]:
        """The partition of each key; interpreted, the keys not cached yet are hashed together
        (:func:`murmur2_31_many`)."""
        if self._hashed is not None:
            return self._hashed.many(keys)
        parts: list[int | None] = list(map(self._cache.get, keys))  # map: no Python frame per key
        if None in parts:
            missing = [i for i, p in enumerate(parts) if p is None]
            n = self.n
            if len(self._cache) + len(missing) > self._max:
                self._cache.clear()
            cache = self._cache
            for i, h in zip(missing, murmur2_31_many([keys[i].encode() for i in missing])):
                parts[i] = p = h % n
                cache[keys[i]] = p
        return parts  # type: ignore[return-value]


def partition_for(key: str, partitions: int) -> int:
    return murmur2_31(key.encode()) % partitions


# -- packed internal events -------------------------------------------------------------------------
# A CDR travels as the list of its fields (the order of Cdr's fields), plus what the hop needs:
#   inbound (to the callee's partition):   [*cdr, callback, ts]
#   handset (to the IMEI's partition):     [*cdr, ts]
#   site (to the cell's partition):        [*cdr, ts]            (cold calls only; see CallerStage.is_cold)
#   evidence (to the caller's partition):  [number, t, active SIMs on its handset, their calls/hour]
#                                       or [number, t, cold callers in its cell, their calls/hour, calls,
#                                           answered, hung up, conversations]          (from the site stage)
# ``ts`` is the wall time the triggering CDR reached the worker, for the CDR -> alert latency metric.


def cdr_fields(c: Cdr) -> list[Any]:
    return [c.cdr_id, c.caller, c.callee, c.start, c.utc_offset_min, c.duration, c.disposition, c.record_type,
            c.cell_id, c.imei]


def cdr_from_fields(f: list[Any]) -> Cdr:
    return Cdr(f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9])


def pack(kind: str, source: str, events: list[Any]) -> bytes:
    """One internal message: ``{"v": 1, "kind": ..., "src": "<worker>/<batch>", "events": [...]}``."""
    return orjson.dumps({"v": PACK_VERSION, "kind": kind, "src": source, "events": events})


def unpack(data: bytes | None) -> tuple[str, list[Any]]:
    """(kind, events) of a packed message; ValueError if it is not one of ours."""
    if data is None:
        raise ValueError("empty internal message")
    obj = orjson.loads(data)
    if type(obj) is not dict or obj.get("v") != PACK_VERSION or type(obj.get("events")) is not list:
        raise ValueError("not a packed internal message of version 1")
    return str(obj.get("kind")), obj["events"]
