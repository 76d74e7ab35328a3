"""Deterministic randomness: seed derivation, Poisson counts, log-normal sizes, weighted picks, hours."""

from __future__ import annotations

import math
import random
import zlib
from bisect import bisect_right
from itertools import accumulate
from typing import Sequence

_MASK = (1 << 64) - 1


def _splitmix(x: int) -> int:
    x = (x + 0x9E3779B97F4A7C15) & _MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
    return x ^ (x >> 31)


def derive(*parts: int | str) -> int:
    """A 64-bit integer depending only on the parts (strings via CRC-32, never the salted hash())."""
    h = 0x5EED5
    for part in parts:
        v = zlib.crc32(part.encode()) if isinstance(part, str) else part
        h = _splitmix(h ^ (v & _MASK))
    return h


def rng_for(*parts: int | str) -> random.Random:
    """An independent random stream for one actor (and usually one day)."""
    return random.Random(derive(*parts))


def poisson(rng: random.Random, lam: float) -> int:
    """A Poisson count (Knuth below 30, normal approximation above); bounded."""
    if lam <= 0.0:
        return 0
    if lam > 30.0:
        return max(0, int(rng.gauss(lam, math.sqrt(lam)) + 0.5))
    limit = math.exp(-lam)
    k = 0
    prod = rng.random()
    while prod > limit and k < 200:
        k += 1
        prod *= rng.random()
    return k


def lognorm(rng: random.Random, median: float, sigma: float, lo: float = 1.0, hi: float = 1e9) -> float:
    """A log-normal draw with the given median, clipped to [lo, hi]."""
    return min(hi, max(lo, median * math.exp(rng.gauss(0.0, sigma))))


def cumulative(weights: Sequence[float]) -> list[float]:
    """Running sums, for pick()."""
    return list(accumulate(weights))


def pick(rng: random.Random, cum: Sequence[float]) -> int:
    """An index drawn with the weights whose running sums are cum."""
    i = bisect_right(cum, rng.random() * cum[-1])
    return i if i < len(cum) else len(cum) - 1


def zipf(n: int, a: float) -> list[float]:
    """Zipf weights 1/(rank+1)^a."""
    return [1.0 / (k + 1) ** a for k in range(n)]


class Hours:
    """Draws a second of the day from 24 hourly weights, optionally shifted by whole hours."""

    __slots__ = ("cum",)

    def __init__(self, weights: Sequence[float]) -> None:
        if len(weights) != 24:
            raise ValueError("24 hourly weights expected")
        self.cum = cumulative(weights)

    def sample(self, rng: random.Random, shift: int = 0) -> int:
        h = (pick(rng, self.cum) + shift) % 24
        return h * 3600 + rng.randrange(3600)
