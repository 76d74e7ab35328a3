"""IoT / M2M SIMs: alarm panels, lift emergency phones, vending machines, smart meters, fleet trackers.

Installations often get consecutive numbers, sit in one cell, use the same module TAC, and all call or
text one platform number on a fixed schedule."""

from __future__ import annotations

import random

from .rand import rng_for
from .sink import ANS, NOANS, SMS, VOICE
from .world import World

H = 3600
DAY = 86400
VARIANTS = ("alarm_panel", "lift_emergency", "vending", "smart_meter", "fleet_tracker")
WEIGHTS = (0.3, 0.2, 0.2, 0.15, 0.15)


class IotFleet:
    """One installation (a building, an operator's vending estate, a haulier's trucks)."""

    def __init__(self, w: World, rng: random.Random, idx: int) -> None:
        self.w, self.idx = w, idx
        r, k = rng.random(), 0
        while k < len(WEIGHTS) - 1 and r >= WEIGHTS[k]:
            r -= WEIGHTS[k]
            k += 1
        self.variant = VARIANTS[k]
        n = rng.randint(1, 20) if self.variant in ("lift_emergency", "alarm_panel", "smart_meter") else rng.randint(3, 15)
        self.city = w.city(rng)
        self.nums = w.book.home_run(rng, n) if n > 1 and rng.random() < 0.7 else \
            [w.book.home_mobile(rng) for _ in range(n)]
        w.adopt(self.nums, "iot_m2m", self.variant)
        self.imeis = [w.imei.make(rng, "module") for _ in range(n)]
        c = w.geo.random_cell(rng, self.city)
        self.cells = [w.geo.cells[c if rng.random() < 0.8 or self.variant == "lift_emergency"
                                  else w.geo.near(rng, c, 2)] for _ in range(n)]
        if self.variant in ("alarm_panel", "lift_emergency"):
            self.target = w.book.fixed(rng, w.area(w.big_city(rng)))  # monitoring / service centre
        elif rng.random() < 0.3:
            self.target = w.book.foreign(rng, ("NL", "GB", "FR")[rng.randrange(3)])
        else:
            self.target = w.book.other_mobile(rng)
        self.platform = w.book.other_mobile(rng)
        w.label(self.platform, "iot_platform", self.variant)
        self.phase = [rng.randrange(DAY) for _ in range(n)]
        self.period = rng.choice((3600, 7200, 10800)) if self.variant == "vending" else rng.choice((600, 900, 1800))
        self.hb = rng.choice((0, 6 * H, 12 * H, 24 * H))
        self.every = rng.choice((1, 1, 3))
        self.routes = [w.geo.path(w.geo.random_cell(rng, self.city), w.geo.random_cell(rng, w.city(rng)))
                       for _ in range(n)] if self.variant == "fleet_tracker" else []

    def _rec(self, i: int, t: int, rtype: int, dur: int, disp: int, cell: str | None = None) -> None:
        self.w.sink.rec(t, rtype, self.nums[i], self.target, dur, disp, cell or self.cells[i], self.imeis[i])

    def day(self, d: int) -> None:
        w, rng, base = self.w, rng_for(self.w.seed, "iot", self.idx, d), d * DAY
        v = self.variant
        for i in range(len(self.nums)):
            ph = self.phase[i]
            if v in ("alarm_panel", "lift_emergency"):
                if (d + i) % self.every == 0:
                    t = base + (ph % (4 * H) + 2 * H if v == "alarm_panel" else ph % (8 * H) + 8 * H)
                    self._rec(i, t + rng.randint(-30, 30), VOICE, rng.randint(12, 25) if v == "alarm_panel"
                              else rng.randint(8, 15), ANS)
                if v == "alarm_panel" and self.hb:
                    for k in range(DAY // self.hb):
                        self._rec(i, base + (ph + k * self.hb) % DAY + rng.randint(0, 20), SMS, 0, ANS)
                if rng.random() < 0.004:
                    t = base + rng.randrange(DAY)
                    self._rec(i, t, VOICE, rng.randint(20, 120), ANS if rng.random() < 0.9 else NOANS)
            elif v == "vending":
                for k in range(DAY // self.period):
                    t = base + (ph + k * self.period) % DAY
                    if 6 * H <= t - base < 23 * H:
                        self._rec(i, t + rng.randint(-20, 20), SMS, 0, ANS)
            elif v == "smart_meter":
                self._rec(i, base + H + ph % (3 * H) + rng.randint(-60, 60), SMS, 0, ANS)
            else:
                if d % 7 >= 6:
                    continue
                route = self.routes[i]
                start, span = base + 6 * H + ph % 3600, 13 * H
                for k in range(span // self.period):
                    off = k * self.period + rng.randint(0, 30)
                    self._rec(i, start + off, SMS, 0, ANS, route[off * len(route) // span])
            if rng.random() < 0.05:
                w.sink.rec(base + rng.randrange(DAY), SMS, self.platform, self.nums[i], 0, ANS)
