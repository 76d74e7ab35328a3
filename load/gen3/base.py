"""Shared pieces: the window an actor fills, the actor protocol and random helpers."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from .records import Sink


@dataclass(frozen=True, slots=True)
class Window:
    """One generation window [start, end) in epoch milliseconds."""

    index: int
    start: int
    end: int


class Actor(Protocol):
    """Anything that writes records for a window (and short follow-ups after it)."""

    def window(self, w: Window, rng: random.Random, nrng: np.random.Generator, sink: Sink) -> None:
        """Emit this window's records; every record must be at or after w.start."""


def lognormal(rng: random.Random, median: float, sigma: float, cap: float = 14400.0) -> float:
    """A lognormal draw by its median, capped."""
    return min(cap, median * math.exp(rng.gauss(0.0, sigma)))


def poisson(rng: random.Random, lam: float) -> int:
    """A Poisson draw (Knuth for small means, normal approximation above 30)."""
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, int(round(rng.gauss(lam, math.sqrt(lam)))))
    limit, k, p = math.exp(-lam), 0, 1.0
    while k < 200:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1
    return k


def times_in(rng: random.Random, w: Window, lam: float) -> list[int]:
    """Poisson(lam) uniform instants inside the window, sorted."""
    n = poisson(rng, lam)
    return sorted(w.start + rng.randrange(w.end - w.start) for _ in range(n))


def answer(rng: random.Random, p_answer: float) -> str:
    """Disposition of a call attempt given its answer probability."""
    r = rng.random()
    if r < p_answer:
        return "answered"
    r = (r - p_answer) / max(1e-9, 1 - p_answer)
    if r < 0.68:
        return "no_answer"
    if r < 0.9:
        return "busy"
    return "failed"


def ring(rng: random.Random) -> float:
    """Ring time of an unanswered honest call (seconds); a few hang up at once."""
    if rng.random() < 0.06:
        return rng.uniform(0.5, 4.0)
    return rng.uniform(8.0, 45.0)
