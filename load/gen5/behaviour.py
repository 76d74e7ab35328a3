"""Shared call-outcome models (answer, ring, voicemail) and diurnal activity curves."""

from __future__ import annotations

import random

from .rand import Hours, lognorm
from .sink import ANS, BUSY, FAIL, NOANS

W_DAY = (0.5, 0.25, 0.12, 0.08, 0.1, 0.3, 1.0, 2.4, 4.2, 5.2, 5.8, 6.0,
         5.6, 5.4, 5.7, 6.0, 6.4, 6.9, 6.6, 5.8, 4.8, 3.8, 2.5, 1.3)
W_WEEKEND = (0.9, 0.5, 0.3, 0.15, 0.1, 0.15, 0.4, 0.9, 2.0, 3.6, 5.0, 5.8,
             6.0, 5.6, 5.4, 5.5, 5.8, 6.0, 5.8, 5.5, 5.0, 4.2, 3.0, 1.8)
W_LATE = (2.0, 1.2, 0.6, 0.3, 0.1, 0.1, 0.3, 1.0, 2.0, 3.0, 3.8, 4.5,
          5.0, 5.2, 5.4, 5.6, 6.0, 6.4, 6.6, 6.8, 6.8, 6.2, 5.0, 3.5)
W_ELDERLY = (0.05, 0.02, 0.02, 0.02, 0.05, 0.2, 0.8, 2.0, 4.5, 6.5, 7.5, 7.2,
             5.5, 4.5, 5.5, 6.5, 6.8, 6.5, 5.8, 4.5, 3.0, 1.5, 0.5, 0.15)
W_NIGHT = (3.0, 3.0, 2.5, 2.0, 1.5, 1.0, 0.5, 0.3, 0.2, 0.1, 0.1, 0.2,
           1.0, 3.0, 4.5, 5.5, 6.0, 6.0, 6.0, 5.5, 5.0, 4.5, 4.0, 3.5)
W_OFFICE = (0, 0, 0, 0, 0, 0, 0.1, 0.8, 4.5, 6.5, 6.8, 6.5, 4.5, 5.0, 6.5, 6.5, 6.0, 4.5, 1.5, 0.4, 0.1, 0, 0, 0)
W_EVENING = (0.8, 0.4, 0.2, 0.1, 0.1, 0.1, 0.3, 0.8, 1.5, 2.0, 2.5, 3.0,
             3.2, 3.0, 3.0, 3.2, 3.8, 4.8, 6.0, 7.0, 7.5, 6.5, 4.5, 2.0)
W_TAXI = (3.0, 2.5, 2.0, 1.5, 1.5, 2.5, 4.0, 5.0, 4.5, 3.5, 3.0, 3.0,
          3.2, 3.0, 3.0, 3.2, 4.0, 4.5, 4.5, 4.5, 4.5, 4.5, 4.5, 4.0)

HOURS = {name: Hours(w) for name, w in (
    ("day", W_DAY), ("weekend", W_WEEKEND), ("late", W_LATE), ("elderly", W_ELDERLY),
    ("night", W_NIGHT), ("office", W_OFFICE), ("evening", W_EVENING), ("taxi", W_TAXI),
)}


def ring(rng: random.Random, lo: int = 15, hi: int = 42) -> int:
    """Ring time of an unanswered attempt."""
    return rng.randint(lo, hi)


def talk(rng: random.Random, median: float, sigma: float, hi: float = 14400.0) -> int:
    """Conversation length."""
    return int(lognorm(rng, median, sigma, 2.0, hi))


def personal(rng: random.Random, median: float, sigma: float, p_ans: float = 0.74,
             p_mailbox: float = 0.35) -> tuple[int, int]:
    """Outcome of a call between people: (duration, disposition); unanswered mobiles often hit a mailbox."""
    if rng.random() < p_ans:
        return talk(rng, median, sigma), ANS
    r = rng.random()
    if r < 0.13:
        return rng.randint(0, 4), BUSY
    if r < 0.22:
        return rng.randint(0, 3), FAIL
    if rng.random() < p_mailbox:
        return rng.randint(3, 45), ANS
    return ring(rng), NOANS


def business(rng: random.Random, p_ans: float, median: float, sigma: float,
             p_fail: float = 0.04, p_busy: float = 0.05) -> tuple[int, int]:
    """Outcome of a business call to a customer or stranger."""
    r = rng.random()
    if r < p_ans:
        return talk(rng, median, sigma), ANS
    if r < p_ans + p_busy:
        return rng.randint(0, 3), BUSY
    if r < p_ans + p_busy + p_fail:
        return rng.randint(0, 2), FAIL
    return ring(rng, 18, 40), NOANS
