"""Call centres: outbound sales, debt collection, care callbacks, surveys and inbound hotlines.

Agents work from SIM phones, from multi-SIM GSM gateways (SIMs rotating over modules), from SIP trunks
(no cell, one DID per agent or one presented central number), or from another operator's trunk (we only
see their calls to our subscribers). Predictive diallers start calls on a tick grid, many at once.
"""

from __future__ import annotations

import heapq
import random

from .behaviour import HOURS, business, talk
from .people import Person
from .rand import rng_for
from .sink import ANS, BUSY, FAIL, NOANS, VOICE
from .world import World

H = 3600
KINDS = ("telemarketing", "debt_collection", "care_callback", "survey", "hotline")
MODES = ("sim_phones", "gsm_gateway", "sip_trunk", "offnet_trunk")
PACE = {"telemarketing": (25, 50), "debt_collection": (15, 30), "care_callback": (6, 12),
        "survey": (20, 40), "hotline": (2, 5)}
CALLBACK_P = {"telemarketing": 0.04, "debt_collection": 0.08, "care_callback": 0.2, "survey": 0.02, "hotline": 0.2}

Target = tuple[str, "Person | None"]


def _outcome(rng: random.Random, kind: str) -> tuple[int, int]:
    r = rng.random()
    if kind in ("telemarketing", "survey"):
        if r < 0.07:
            return rng.randint(0, 2), FAIL
        if r < 0.13:
            return rng.randint(0, 3), BUSY
        if r < 0.64:
            return rng.randint(14, 32), NOANS  # the dialler gives up early
        q = rng.random()
        if q < 0.12:
            return rng.randint(0, 3), ANS  # abandoned / silent call
        if q < 0.3:
            return rng.randint(2, 7), ANS  # answering machine detected
        if q < 0.75:
            return rng.randint(5, 45), ANS  # "no thanks"
        return (talk(rng, 200, 0.8) if kind == "telemarketing" else talk(rng, 720, 0.4)), ANS
    if kind == "debt_collection":
        return business(rng, 0.32, 150, 0.9, p_fail=0.1, p_busy=0.08)
    return business(rng, 0.68, 260, 0.7)


class CallCentre:
    """One centre; `day` simulates its lines as a queue of free agents."""

    def __init__(self, w: World, rng: random.Random, idx: int, kind: str, mode: str) -> None:
        self.w, self.idx, self.kind, self.mode = w, idx, kind, mode
        self.city = w.big_city(rng)
        geo = w.geo
        c = geo.random_cell(rng, self.city)
        self.cells = [geo.cells[c]] + ([geo.cells[geo.near(rng, c, 1)]] if rng.random() < 0.15 else [])
        n = max(4, round(rng.randint(10, 60) * min(1.0, 0.25 + w.scale)))
        variant = f"{kind}/{mode}"
        self.central: str | None = None
        if mode in ("sim_phones", "gsm_gateway"):
            nums = w.book.home_run(rng, n) if rng.random() < 0.6 else [w.book.home_mobile(rng) for _ in range(n)]
            w.adopt(nums, "call_centre", variant)
        else:
            main, nums = w.book.did_block(rng, w.area(self.city), n)
            if mode == "sip_trunk":
                w.home.update(nums)
                w.home.add(main)
            if rng.random() < 0.5:
                self.central = main
                w.label(main, "call_centre", variant + "/central_cli")
            for num in nums:
                w.label(num, "call_centre", variant)
        self.lines = nums
        self.imeis: list[str] = []
        self.rotate = 0
        if mode == "sim_phones":
            self.imeis = [w.imei.make(rng, "smart") for _ in nums]
        elif mode == "gsm_gateway":
            m = max(1, -(-n // rng.choice((4, 8, 16))))
            self.imeis = [w.imei.make(rng, "gateway") for _ in range(m)]
            self.rotate = rng.randint(2, 6) * H if rng.random() < 0.5 else 0
        self.hotline = ""
        if kind == "hotline":
            self.hotline = w.book.service(rng)
            w.home.add(self.hotline)
        self.open = int(rng.uniform(7.5, 9.5) * H)
        self.close = int(rng.uniform(17, 20.5) * H)
        self.saturday = rng.random() < 0.3
        self.tick = rng.choice((1, 2, 3, 5)) if kind in ("telemarketing", "survey", "debt_collection") else 0
        lo, hi = PACE[kind]
        self.gap = max(3.0, 3600.0 / rng.uniform(lo, hi) - 30.0)
        self.sorted_list = kind in ("telemarketing", "survey") and rng.random() < 0.35
        self.debtors: list[Target] = []
        if kind == "debt_collection":
            self.debtors = [self._fresh(rng) for _ in range(n * 12)]

    def _fresh(self, rng: random.Random) -> Target:
        w = self.w
        if self.mode == "offnet_trunk":
            q = w.person(rng)
            return q.number, q
        if rng.random() < 0.04:  # stale list entry: number no longer in service
            return "+49" + ("15", "16", "17")[rng.randrange(3)] + f"{rng.randrange(10 ** 9):09d}", None
        return w.stranger(rng, self.city if rng.random() < 0.5 else None, p_home=0.4, p_fixed=0.25)

    def _emit(self, t: int, i: int, callee: str, dur: int, disp: int) -> None:
        cli = self.central or self.lines[i]
        if self.mode == "sim_phones":
            self.w.sink.rec(t, VOICE, cli, callee, dur, disp, self.cells[i % len(self.cells)], self.imeis[i])
        elif self.mode == "gsm_gateway":
            m = len(self.imeis)
            mod = (i + (t // self.rotate) * 3) % m if self.rotate else i % m
            self.w.sink.rec(t, VOICE, cli, callee, dur, disp, self.cells[0], self.imeis[mod])
        else:
            self.w.rec(t, VOICE, cli, callee, dur, disp)

    def _inbound(self, rng: random.Random, base: int, open_: int, close: int) -> None:
        w = self.w
        office = HOURS["office"]
        for _ in range(int(len(self.lines) * rng.uniform(30, 60))):
            t = base + office.sample(rng)
            if not open_ <= t < close:
                continue
            cp: Person | None
            if rng.random() < 0.55:
                q = w.person(rng)
                num, cp = q.number, q
            else:
                num, cp = w.stranger(rng, p_home=0.0, p_fixed=0.3)
            r = rng.random()
            dur, disp = (talk(rng, 360, 0.7), ANS) if r < 0.88 else ((rng.randint(0, 3), BUSY) if r < 0.96
                                                                      else (rng.randint(0, 2), FAIL))
            w.voice(t, num, cp, self.hotline, dur, disp)

    def day(self, d: int) -> None:
        wd = d % 7
        if wd == 6 or (wd == 5 and not self.saturday):
            return
        w = self.w
        rng = rng_for(w.seed, "callcentre", self.idx, d)
        base = d * 86400
        open_ = base + self.open
        close = base + (self.close if wd < 5 else self.open + 5 * H)
        if self.kind == "hotline":
            self._inbound(rng, base, open_, close)
        heap: list[tuple[int, int, int, int]] = []
        for i in range(len(self.lines)):
            if rng.random() < 0.1:
                continue  # agent off today
            lunch = base + int(rng.uniform(11.5, 13.5) * H)
            heap.append((open_ + rng.randrange(5400), i, close - rng.randrange(7200), lunch))
        heapq.heapify(heap)
        dial: list[Target] = []
        if self.sorted_list:
            est = int(len(heap) * (close - open_) / (self.gap + 30))
            dial = sorted((self._fresh(rng) for _ in range(est)), key=lambda x: x[0])
        pos = 0
        p_cb = CALLBACK_P[self.kind]
        guard = 0
        while heap and guard < 400000:
            guard += 1
            t, i, end, lunch = heapq.heappop(heap)
            if t >= end:
                continue
            if lunch <= t < lunch + 2400:
                heapq.heappush(heap, (lunch + 2400 + rng.randrange(600), i, end, lunch))
                continue
            if self.tick:
                t = -(-t // self.tick) * self.tick
            if self.debtors:
                callee, cp = self.debtors[rng.randrange(len(self.debtors))]
            elif pos < len(dial):
                callee, cp = dial[pos]
                pos += 1
            else:
                callee, cp = self._fresh(rng)
            known = cp is not None or callee in w.sink.labels
            if known:
                dur, disp = _outcome(rng, "care_callback" if self.kind == "hotline" else self.kind)
            else:
                dur, disp = rng.randint(0, 2), FAIL  # number not in service
            self._emit(t, i, callee, dur, disp)
            if disp != ANS and known and rng.random() < p_cb:
                cli = self.central or self.lines[i]
                w.voice(t + dur + rng.randint(300, 4 * H), callee, cp, cli, *business(rng, 0.85, 90, 0.8))
            gap = self.gap if disp != ANS or dur < 60 else self.gap + rng.uniform(15, 90)
            heapq.heappush(heap, (t + dur + 1 + int(rng.expovariate(1.0 / gap)), i, end, lunch))
