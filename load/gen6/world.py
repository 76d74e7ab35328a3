"""Shared world state: clock, hourly rhythms, random streams, the label registry.

Time inside the generator is an integer number of seconds since Monday
00:00:00 local time (UTC-03:00; Brazil has had no daylight saving since 2019),
which keeps sorting and arithmetic cheap; it becomes RFC 3339 text only when
written. Each module gets its own random stream per day (seeded from a string,
which Python hashes with SHA-512, so PYTHONHASHSEED does not matter), so that
adding records in one module does not reshuffle every other module.
"""

from __future__ import annotations

import bisect
import math
import random
from datetime import date, timedelta
from typing import Callable

from .numbering import Cells, Numbering

DAY = 86400
HOUR = 3600
START_DATE = date(2024, 3, 4)  # a Monday
UTC_OFFSET = "-03:00"

VOICE = "voice"
SMS = "sms"
ANSWERED, BUSY, NO_ANSWER, FAILED = "answered", "busy", "no_answer", "failed"

# Hourly weights, index = local hour. Shapes follow the usual mobile traffic
# curve: a night trough, a morning ramp, a lunch plateau, an evening peak.
H_WEEKDAY = [0.25, 0.12, 0.07, 0.06, 0.07, 0.2, 0.8, 2.2, 4.0, 5.0, 5.6, 5.6, 5.0, 5.0, 5.5, 5.6,
             5.6, 5.9, 6.3, 6.2, 5.3, 4.2, 2.6, 1.0]
H_WEEKEND = [0.6, 0.3, 0.15, 0.1, 0.08, 0.1, 0.3, 0.9, 2.0, 3.5, 4.6, 5.0, 5.2, 4.8, 4.6, 4.6,
             4.8, 5.0, 5.4, 5.5, 5.2, 4.5, 3.0, 1.5]
H_BUSINESS = [0, 0, 0, 0, 0, 0, 0, 0.3, 3.5, 6, 6.5, 6.2, 3.0, 3.5, 6, 6.2, 6.0, 5.2, 1.5, 0.3, 0, 0, 0, 0]
H_SHOP = [0, 0, 0, 0, 0, 0, 0, 0.5, 3, 5, 5.5, 5.5, 4.5, 4.5, 5, 5, 5, 4.5, 3, 1.5, 0.6, 0.2, 0, 0]
H_EVENING = [0.8, 0.3, 0.1, 0.05, 0.05, 0.1, 0.4, 1.0, 1.5, 1.6, 1.8, 1.8, 2.0, 1.8, 1.7, 1.8,
             2.0, 2.6, 3.6, 4.6, 5.2, 5.0, 3.8, 2.0]
H_FLAT = [1.0] * 24
H_NIGHT = [6, 6, 6, 6, 5, 3, 1, 0.3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0.5, 1.5, 3, 4.5, 5.5]


class Hours:
    """Weighted hour-of-day sampler with uniform seconds inside the hour."""

    __slots__ = ("cum", "total")

    def __init__(self, weights: list[float]):
        self.cum = []
        acc = 0.0
        for w in weights:
            acc += w
            self.cum.append(acc)
        self.total = acc

    def sample(self, rng: random.Random, day: int) -> int:
        h = bisect.bisect_right(self.cum, rng.random() * self.total)
        return day * DAY + min(h, 23) * HOUR + int(rng.random() * HOUR)


HOURS = {name: Hours(w) for name, w in [
    ("weekday", H_WEEKDAY), ("weekend", H_WEEKEND), ("business", H_BUSINESS), ("shop", H_SHOP),
    ("evening", H_EVENING), ("flat", H_FLAT), ("night", H_NIGHT)]}


def weekday(day: int) -> int:
    """0 = Monday ... 6 = Sunday (day 0 is a Monday)."""
    return day % 7


def is_weekend(day: int) -> bool:
    return weekday(day) >= 5


def day_date(day: int) -> date:
    return START_DATE + timedelta(days=day)


def poisson(rng: random.Random, lam: float) -> int:
    """Poisson draw (Knuth for small means, rounded normal for large ones)."""
    if lam <= 0:
        return 0
    if lam > 40:
        return max(0, int(rng.gauss(lam, math.sqrt(lam)) + 0.5))
    limit = math.exp(-lam)
    p = 1.0
    for k in range(400):
        p *= rng.random()
        if p < limit:
            return k
    return 400


def lognorm_s(rng: random.Random, median: float, sigma: float, cap: int) -> int:
    """A call length in whole seconds, log-normal around a median, at least 1 s."""
    return max(1, min(cap, int(rng.lognormvariate(math.log(median), sigma) + 0.5)))


class World:
    """Everything the behaviour modules share: numbers, cells, labels, subscribers, streams."""

    def __init__(self, seed: int, days: int, subscribers: int):
        self.seed = seed
        self.days = days
        self.n_subscribers = subscribers
        self.scale = subscribers / 20000.0
        self.span = days * DAY
        self.rng = self.stream("world")
        self.numbers = Numbering(self.stream("numbering"))
        self.cells = Cells(self.stream("cells"), subscribers)
        # number -> [label, typology, variant, fraud_start seconds or None]
        self.labels: dict[str, list] = {}
        self.subs: list = []            # ordinary home subscribers (people.Subscriber)
        self.by_number: dict[str, object] = {}
        self.takeover_at: dict[str, tuple[int, int]] = {}   # number -> (from, until) its owner has lost it
        self.subs_by_ddd: dict[str, list] = {}
        self.service_numbers: list[tuple[str, float]] = []   # numbers people ring besides contacts
        self.services = None                                 # WeightedChoice over service_numbers
        self.a2p: dict[str, list[str]] = {}                  # variant -> short codes
        self.pbxs: list = []
        self.m2m: list = []

    def offnet_caller(self, ddd: str, variant: str) -> str:
        """A fresh off-net number that is about to call one of ours (labelled, never reused by accident)."""
        n = self.numbers.mobile(ddd)
        self.labels[n] = ["legit", "offnet", variant, None]
        return n

    def stream(self, name: str, day: int | None = None) -> random.Random:
        """An independent, reproducible random stream for one module (and day)."""
        return random.Random(f"gen6/{self.seed}/{name}/{day}")

    def label(self, number: str, label: str, typology: str, variant: str, fraud_start: int | None = None) -> None:
        self.labels[number] = [label, typology, variant, fraud_start]

    def hard_count(self, base: float, rng: random.Random, minimum: int = 1) -> int:
        """How many of some actor to create: scaled by population, never below a floor."""
        return max(minimum, int(round(base * self.scale * rng.uniform(0.85, 1.15))))

    def fraud_start_time(self, rng: random.Random, hours: str | None = None, earliest_h: float = 6.0) -> int:
        """A start some hours into the stream (history first), optionally moved into a preferred hour band."""
        lo = int(earliest_h * HOUR)
        hi = max(lo + HOUR, self.span - 8 * HOUR)
        t = rng.randrange(lo, hi)
        if hours is not None:
            for _ in range(200):
                hh = (t % DAY) // HOUR
                if HOURS[hours].cum[hh] - (HOURS[hours].cum[hh - 1] if hh else 0) > 0.5:
                    break
                t += HOUR
            if t >= self.span - HOUR:
                t = lo + (t % DAY) % HOUR  # fall back to the first day's band
                for _ in range(48):
                    hh = (t % DAY) // HOUR
                    if HOURS[hours].cum[hh] - (HOURS[hours].cum[hh - 1] if hh else 0) > 0.5:
                        break
                    t += HOUR
        return t


Emit = Callable[..., None]
