"""Kafka's murmur2 partitioner as a machine-int loop, for the mypyc-compiled build (setup.py lists this module).

Compiled, :func:`partition_of` costs ~0.1 us a key: less than the look-up in a million-key cache that the
interpreted build needs (:class:`detector.worker.codec.Partitioner`), which on a big state misses the CPU's
caches and was ~10 % of a worker's main thread with its upkeep (numpy for first-seen keys, clearing when full).
Interpreted this loop is slower than ``codec.murmur2_31`` (one ``struct`` call for the words), so the
interpreted build keeps that and the cache; tests/test_worker_unit.py checks both against aiokafka's murmur2.

Every product below is of two values under 2**32 and 2**31, so it fits an ``i64`` without overflow.
"""

from __future__ import annotations

from typing import Final

from mypy_extensions import i64

# True when the core runs mypyc-compiled (setup.py's modules, this one included, are compiled together):
# :class:`detector.worker.codec.Partitioner` then hashes every key here instead of caching partitions.
from .sketches import COMPILED

__all__ = ["COMPILED", "KeyPartitions", "murmur2_31_loop"]

_M: Final = 0x5BD1E995
_MASK32: Final = 0xFFFFFFFF


def murmur2_31_loop(data: bytes) -> i64:
    """``murmur2(data) & 0x7FFFFFFF`` as Kafka's Java client computes it, a byte at a time."""
    length: i64 = len(data)
    h: i64 = 0x9747B28C ^ length
    end: i64 = length & ~3
    i: i64 = 0
    while i < end:
        k: i64 = i64(data[i]) | (i64(data[i + 1]) << 8) | (i64(data[i + 2]) << 16) | (i64(data[i + 3]) << 24)
        k = (k * _M) & _MASK32
        k ^= k >> 24
        h = ((h * _M) & _MASK32) ^ ((k * _M) & _MASK32)
        i += 4
    rest: i64 = length - end
    if rest == 3:
        h ^= i64(data[end + 2]) << 16
    if rest >= 2:
        h ^= i64(data[end + 1]) << 8
    if rest >= 1:
        h = ((h ^ i64(data[end])) * _M) & _MASK32
    h ^= h >> 13
    h = (h * _M) & _MASK32
    h ^= h >> 15
    return h & 0x7FFFFFFF


class KeyPartitions:
    """Key (``str``, hashed as UTF-8) -> partition, computed each time (compiled: cheaper than a cache)."""

    def __init__(self, partitions: int) -> None:
        self.n: i64 = partitions

    def __call__(self, key: str) -> int:
        return murmur2_31_loop(key.encode()) % self.n

    def many(self, keys: list[str]) -> list[int]:
        n = self.n
        return [murmur2_31_loop(k.encode()) % n for k in keys]
