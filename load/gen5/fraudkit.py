"""Helpers shared by the fraud typologies: start times, victims, premium number blocks, outcomes."""

from __future__ import annotations

import random

from .behaviour import ring, talk
from .numbering import digits
from .people import Person
from .sink import ANS, BUSY, FAIL, NOANS
from .world import World

H = 3600
DAY = 86400
MIN_HISTORY = 6 * H
VICTIM_KINDS = ("ordinary", "elderly", "student", "family_abroad", "business_traveller", "night_shift",
                "low_user")


def start_time(w: World, rng: random.Random, h0: float = 0.0, h1: float = 24.0, margin: float = 2 * H,
               workdays: int = 7) -> int:
    """A random moment at a local hour in [h0, h1) (h1 may exceed 24) on one of the first `workdays`
    days of a week, after 6 h of history and before the end."""
    hi = w.horizon - int(margin)
    for _ in range(100):
        d = rng.randrange(w.days)
        t = d * DAY + int(rng.uniform(h0, h1) * H)
        if MIN_HISTORY <= t < hi and d % 7 < workdays:
            return t
    return MIN_HISTORY + rng.randrange(max(1, min(2 * H, hi - MIN_HISTORY)))


def victim(w: World, rng: random.Random, used: set[int], min_calls: float = 1.0) -> Person:
    """A subscriber with history and contacts, not already used by another fraud."""
    for _ in range(500):
        kind = VICTIM_KINDS[rng.randrange(len(VICTIM_KINDS))]
        pool = w.by_kind.get(kind)
        if not pool:
            continue
        p = pool[rng.randrange(len(pool))]
        if p.idx in used or p.events or p.trips or p.r_call < min_calls or len(p.c_num) < 3:
            continue
        used.add(p.idx)
        return p
    for p in w.persons:
        if p.idx not in used:
            used.add(p.idx)
            return p
    raise RuntimeError("no victim left")


def premium_block(w: World, rng: random.Random, prefix: str, nd: int, n: int) -> list[str]:
    """n numbers of one international premium rate number range (they come in contiguous test blocks)."""
    tail = 2 if nd >= 5 else 1
    head = "+" + prefix + digits(rng, nd - tail)
    picks = rng.sample(range(10 ** tail), min(n, 10 ** tail))
    out = [f"{head}{k:0{tail}d}" for k in picks]
    w.book.used.update(out)
    return out


def scam_outcome(rng: random.Random, p_ans: float, careful: bool = False) -> tuple[int, int]:
    """A cold call by a fraud call centre: mostly refused, sometimes the victim stays on the line."""
    r = rng.random()
    if r < 0.06:
        return rng.randint(0, 2), FAIL
    if r < 0.13:
        return rng.randint(0, 3), BUSY
    if r < 0.13 + p_ans:
        q = rng.random()
        if careful:
            if q < 0.3:
                return rng.randint(5, 60), ANS
            return (talk(rng, 420, 0.6), ANS) if q < 0.8 else (talk(rng, 1800, 0.5), ANS)
        if q < 0.6:
            return rng.randint(3, 40), ANS
        return (talk(rng, 240, 0.6), ANS) if q < 0.9 else (talk(rng, 1500, 0.5), ANS)
    return ring(rng, 18, 40), NOANS


def one_ring(rng: random.Random) -> tuple[int, int]:
    """A wangiri call: hung up after about one ring."""
    r = rng.random()
    if r < 0.8:
        return rng.randint(0, 3), NOANS
    if r < 0.86:
        return rng.randint(0, 2), ANS
    if r < 0.9:
        return 0, BUSY
    return 0, FAIL


def robot(rng: random.Random, msg: int, ring_to: int, p_ans: float = 0.35) -> tuple[int, int]:
    """An automated call playing a recorded message; the dialler rings for a fixed time."""
    r = rng.random()
    if r < p_ans:
        q = rng.random()
        if q < 0.85:
            return msg + rng.randint(-1, 1), ANS
        if q < 0.95:
            return rng.randint(3, 15), ANS
        return talk(rng, 300, 0.7), ANS  # pressed 1, transferred to a live agent
    if r < p_ans + 0.04:
        return 0, BUSY
    if r < p_ans + 0.08:
        return 0, FAIL
    return ring_to + rng.randint(0, 1), NOANS
