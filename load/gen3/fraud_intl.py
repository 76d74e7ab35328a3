"""International and account fraud: wangiri, IRSF and SIM-swap takeover."""

from __future__ import annotations

import random

import numpy as np

from . import numbering as nb
from .base import Window, answer, lognormal, ring, times_in
from .clock import HOUR_MS, IST, MIN_MS, START_MS, is_business, local
from .fraud_farm import FraudBase
from .lines import Line, customer, from_outside
from .people import Crowd
from .population import NumberPool
from .records import Labels, Sink


class Wangiri(FraudBase):
    """One-ring calls (or SMS lures) from premium foreign numbers; some victims call back."""

    typology = "wangiri"

    def __init__(self, rng: random.Random, crowd: Crowd, labels: Labels, n: int, hours: float) -> None:
        super().__init__(labels, crowd, START_MS + int(hours * HOUR_MS * rng.uniform(0.1, 0.7)))
        first = nb.in_range(rng, nb.PREMIUM_RANGES)
        self.sources = nb.block(first, n, rng.choice((1, 1, 7, 13))) if rng.random() < 0.6 else \
            [nb.in_range(rng, nb.PREMIUM_RANGES) for _ in range(n)]
        self.slow = rng.random() < 0.25  # low rate over a whole day
        self.rate = rng.uniform(4, 20) if self.slow else rng.uniform(60, 400)
        self.spell = (hours * HOUR_MS * rng.uniform(0.05, 0.15)) if self.slow else rng.uniform(0.5, 3) * HOUR_MS
        self.concurrent = rng.random() < 0.4  # all sources at once, else one after the other
        self.ring = rng.choice(("zero", "zero", "short", "short"))
        self.pickup = rng.uniform(0.0, 0.15)
        self.sms = rng.random() < 0.25
        self.p_back = rng.uniform(0.03, 0.10)

    def _active(self, t: int) -> list[str]:
        if t < self.start:
            return []
        k = int((t - self.start) // self.spell)
        if self.concurrent:
            return self.sources if k == 0 else []
        return [self.sources[k]] if k < len(self.sources) else []

    def window(self, w: Window, rng: random.Random, nrng: np.random.Generator, sink: Sink) -> None:
        """Rings to subscribers; a share of them dial the premium number back."""
        for t in times_in(rng, w, self.rate * len(self.sources if self.concurrent else [0])):
            active = self._active(t)
            if not active:
                continue
            src = active[rng.randrange(len(active))]
            self.mark(src, t, onnet=False)
            if rng.random() < 0.2:  # a number that does not exist or is switched off
                sink.add(t, False, src, nb.mobile(rng), 0, rng.choice(("failed", "no_answer")), None, None, IST, 1)
                continue
            i = self.crowd.pick_plain(rng)
            victim = self.crowd.people[i]
            if self.sms and rng.random() < 0.5:
                sink.add(t, True, src, victim.number, 0, "answered", None, None, IST, victim.style)
            elif rng.random() < self.pickup:
                sink.add(t, False, src, victim.number, rng.uniform(0.5, 2.5), "answered", None, None, IST,
                         victim.style)
            else:
                dur = 0.0 if self.ring == "zero" else rng.uniform(1.5, 3.5)
                sink.add(t, False, src, victim.number, dur, "no_answer", None, None, IST, victim.style)
            if rng.random() < self.p_back:
                tb = t + int(lognormal(rng, 20 * MIN_MS, 1.3, 6 * HOUR_MS)) + 20_000
                for _ in range(1 if rng.random() < 0.8 else 2):
                    num, cell, imei, style, off = self.crowd.meta(i, tb, rng)
                    sink.add(tb, False, num, src, lognormal(rng, 90, 0.8, 1800), answer(rng, 0.9), cell, imei,
                             off, style)
                    tb += rng.randrange(MIN_MS, 30 * MIN_MS)


class Irsf(FraudBase):
    """Calls to premium international ranges: bursts, low-and-slow, or a hacked business line."""

    typology = "irsf"

    def __init__(self, rng: random.Random, pool: NumberPool, crowd: Crowd, labels: Labels, variant: str,
                 hours: float) -> None:
        super().__init__(labels, crowd, START_MS + int(hours * HOUR_MS * rng.uniform(0.15, 0.75)))
        self.variant = variant
        city = rng.choice(nb.HOME_CITIES)
        if variant == "pbx":
            self.line = Line(pool.take_landline("80"), None, None, rng.randrange(2), p_missing=0.0)
            labels.honest(self.line.number, "small_business")
            _, hour = local(self.start)
            self.start += int(((24 - hour) % 24 + rng.uniform(0, 4)) * HOUR_MS)  # the night after
        else:
            self.line = Line(pool.take(), nb.imei(rng), nb.cell(rng, city), rng.randrange(2))
        cc, prefixes, rest = rng.choice(nb.PREMIUM_RANGES)
        head = f"+{cc}{rng.choice(prefixes)}"
        self.dests = [f"{head}{rng.randrange(10**rest):0{rest}d}" for _ in range(rng.randint(1, 6))]
        if variant == "burst":
            self.rate, self.legs, self.spell = rng.uniform(8, 40), rng.randint(1, 4), rng.uniform(1, 4) * HOUR_MS
        else:
            self.rate, self.legs, self.spell = rng.uniform(0.5, 3), 1, rng.uniform(12, 30) * HOUR_MS
        self.talk = rng.uniform(600, 1500) if variant != "slow" else rng.uniform(200, 900)
        self.regulars = [customer(crowd, rng) for _ in range(40)]

    def window(self, w: Window, rng: random.Random, nrng: np.random.Generator, sink: Sink) -> None:
        """Premium calls in the fraud spell; business or personal cover traffic otherwise."""
        ln = self.line
        cover = 1.5 if self.variant == "pbx" and is_business(w.start) else 0.3 if self.variant == "slow" else 0.0
        for t in times_in(rng, w, cover):
            ln.send(sink, rng, t, self.regulars[rng.randrange(40)], lognormal(rng, 90, 0.8), answer(rng, 0.75))
        if self.variant == "pbx" and is_business(w.start):
            for t in times_in(rng, w, 3.0):
                from_outside(sink, self.crowd, self.labels, rng, t, self.regulars[rng.randrange(40)], ln.number,
                             ln.style, lognormal(rng, 80, 0.7), answer(rng, 0.8))
        if w.end <= self.start or w.start >= self.start + self.spell:
            return
        for t in times_in(rng, w, self.rate):
            if not self.start <= t < self.start + self.spell:
                continue
            self.mark(ln.number, t)
            for leg in range(self.legs):
                disp = answer(rng, 0.9)
                dur = lognormal(rng, self.talk, 0.6, 3600) if disp == "answered" else ring(rng)
                ln.send(sink, rng, t + leg * rng.randrange(1_000, 20_000), rng.choice(self.dests), dur, disp)


class Takeover(FraudBase):
    """SIM swap on an established subscriber: new handset and places, OTPs, then abuse."""

    typology = "takeover"

    def __init__(self, rng: random.Random, crowd: Crowd, labels: Labels, victim: int, banks: list[str],
                 hours: float) -> None:
        super().__init__(labels, crowd, START_MS + int(hours * HOUR_MS * rng.uniform(0.3, 0.7)))
        self.planned, self.swapped = self.start, False
        self.stream_end = START_MS + int(hours * HOUR_MS)
        self.end = self.stream_end
        self.p = crowd.people[victim]
        self.variant = rng.choice(("bank", "intl", "spray", "contacts"))
        self.restore = rng.uniform(2, 10) * HOUR_MS if rng.random() < 0.3 else 0.0
        away = rng.choice(("BOM", "DEL", self.p.city))
        self.line = Line(self.p.number, nb.imei(rng), nb.cell(rng, away), self.p.style)
        self.city = away
        self.banks = banks
        self.ivr = [nb.tollfree(rng) for _ in range(3)]
        self.rate = {"bank": 2.0, "intl": 5.0, "spray": 20.0, "contacts": 6.0}[self.variant] * rng.uniform(0.6, 1.6)

    def window(self, w: Window, rng: random.Random, nrng: np.random.Generator, sink: Sink) -> None:
        """OTPs arrive right after the swap; then the fraudster uses the number."""
        if not self.swapped:
            if w.end >= self.planned and self.p.seen >= 3:  # the victim has an honest history
                self.swapped = True
                self.start = w.end + rng.randrange(5 * MIN_MS, 50 * MIN_MS)
                self.p.stop_at = self.start
                if self.restore:
                    self.p.resume_at = self.start + int(self.restore)
                    self.end = min(self.stream_end, self.p.resume_at)
            return
        if w.end <= self.start or w.start >= self.end:
            return
        ln, p = self.line, self.p
        if w.start <= self.start < w.end:
            self.mark(p.number, self.start)
            t = self.start + rng.randrange(MIN_MS, 20 * MIN_MS)
            for _ in range(rng.randint(1, 4)):
                sink.add(t, True, rng.choice(self.banks), p.number, 0, "answered", None, None, IST, p.style)
                t += rng.randrange(20_000, 10 * MIN_MS)
        for t in times_in(rng, w, self.rate):
            if not self.start + 5 * MIN_MS <= t < self.end:
                continue
            if rng.random() < 0.2:
                ln.cell = nb.near(rng, self.city, ln.cell or nb.cell(rng, self.city))
            r = rng.random()
            if self.variant == "spray" and r < 0.8:
                ln.send(sink, rng, t, nb.mobile(rng), 0, "answered", sms=True)
            elif self.variant == "contacts" and r < 0.8:
                k = rng.randrange(len(p.contacts))
                ln.send(sink, rng, t, p.contacts[k], lognormal(rng, 120, 0.7) if r < 0.5 else 0, "answered",
                        sms=r >= 0.5)
            elif self.variant == "intl" and r < 0.7:
                disp = answer(rng, 0.85)
                ln.send(sink, rng, t, nb.in_range(rng, nb.PREMIUM_RANGES if r < 0.5 else nb.HIGH_COST_RANGES),
                        lognormal(rng, 600, 0.8, 3600) if disp == "answered" else ring(rng), disp)
            elif r < 0.85:
                ln.send(sink, rng, t, rng.choice(self.ivr), lognormal(rng, 240, 0.6), "answered")
            else:
                disp = answer(rng, 0.6)
                ln.send(sink, rng, t, nb.mobile(rng), lognormal(rng, 90, 0.8) if disp == "answered" else ring(rng),
                        disp)
