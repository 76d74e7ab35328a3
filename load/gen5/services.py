"""Local services with fraud-like traits: surgery reminder diallers, mass notification, taxi and food
dispatch, and TV-vote / radio phone-in spikes."""

from __future__ import annotations

import random

from .behaviour import HOURS, business, talk
from .people import Person
from .rand import rng_for
from .sink import ANS, BUSY, FAIL, NOANS, SMS, VOICE
from .world import World

H = 3600
DAY = 86400
Target = tuple[str, "Person | None"]


def _targets(w: World, rng: random.Random, city: int, n: int, p_home: float) -> list[Target]:
    seen: dict[str, Target] = {}
    for _ in range(n):
        num, cp = w.stranger(rng, city, p_home=p_home, p_fixed=0.15)
        seen[num] = (num, cp)
    return list(seen.values())


def _size(w: World, lo: int, hi: int, rng: random.Random) -> int:
    return max(20, int(rng.randint(lo, hi) * min(1.0, w.scale * 2)))


class Surgery:
    """A doctor's surgery or pharmacy: reminder calls with a recorded message, SMS reminders, patients calling in."""

    VARIANTS = ("gp_reminder_calls", "dentist_sms", "pharmacy", "clinic_ivr")

    def __init__(self, w: World, rng: random.Random, idx: int) -> None:
        self.w, self.idx = w, idx
        self.city = w.city(rng)
        self.variant = self.VARIANTS[idx % 4]
        self.num = w.book.fixed(rng, w.area(self.city))
        if rng.random() < 0.6:
            w.home.add(self.num)
        w.label(self.num, "surgery", self.variant)
        senders = w.a2p["appointment_sms"]
        self.sms_num = senders[idx % len(senders)]
        self.patients = _targets(w, rng, self.city, _size(w, 200, 1200, rng), 0.5)
        self.msg = rng.randint(20, 38)
        self.ring = rng.choice((25, 30, 35))
        self.batch = int(rng.uniform(15.5, 18) * H)
        self.channels = rng.choice((1, 2, 4))
        self.staff = rng.randint(4, 20)
        self.inbound = rng.randint(20, 90)

    def day(self, d: int) -> None:
        if d % 7 >= 5:
            return
        w, rng, base = self.w, rng_for(self.w.seed, "surgery", self.idx, d), d * DAY
        pts = self.patients
        if self.variant in ("gp_reminder_calls", "clinic_ivr"):
            chans = [base + self.batch + rng.randrange(60) for _ in range(self.channels)]
            for k in range(rng.randint(10, 60)):
                c = k % self.channels
                num, _ = pts[rng.randrange(len(pts))]
                r = rng.random()
                if r < 0.62:
                    dur, disp = self.msg + rng.randint(-1, 1), ANS
                elif r < 0.7:
                    dur, disp = rng.randint(2, 10), ANS
                elif r < 0.75:
                    dur, disp = 0, BUSY
                else:
                    dur, disp = self.ring, NOANS
                w.rec(chans[c], VOICE, self.num, num, dur, disp)
                chans[c] += dur + rng.randint(2, 5)
        else:
            t = base + int(rng.uniform(9, 10.5) * H)
            for _ in range(rng.randint(10, 50)):
                num, _ = pts[rng.randrange(len(pts))]
                if num.startswith("+491"):
                    w.rec(t, SMS, self.sms_num, num, 0, ANS)
                t += rng.randint(1, 20)
        office = HOURS["office"]
        for _ in range(rng.randint(self.staff // 2, self.staff)):
            num, _ = pts[rng.randrange(len(pts))]
            w.rec(base + office.sample(rng), VOICE, self.num, num, *business(rng, 0.7, 90, 0.8))
        for _ in range(rng.randint(self.inbound // 2, self.inbound)):
            t = base + office.sample(rng)
            num, cp = pts[rng.randrange(len(pts))]
            busy = 0.45 if (t - base) // H == 8 else 0.1
            dur, disp = (0, BUSY) if rng.random() < busy else (talk(rng, 80, 0.7), ANS)
            w.voice(t, num, cp, self.num, dur, disp)


class MassNotify:
    """School / municipal / utility notification system: one number calls thousands in minutes."""

    VARIANTS = ("school_closure", "municipal_alert", "utility_outage")

    def __init__(self, w: World, rng: random.Random, idx: int) -> None:
        self.w, self.idx = w, idx
        self.variant = self.VARIANTS[idx % 3]
        self.city = w.city(rng)
        self.num = w.book.fixed(rng, w.area(self.city))
        if rng.random() < 0.6:
            w.home.add(self.num)
        w.label(self.num, "mass_notification", self.variant)
        n = max(30, int(rng.randint(400, 3000) * min(1.0, w.scale)))
        self.recips = _targets(w, rng, self.city, n, 0.6)
        self.msg = rng.randint(30, 55)
        self.channels = rng.randint(30, 200)
        self.sms = rng.random() < 0.5
        self.fires: list[int] = []
        for d in range(w.days):
            if rng.random() < 0.35 or (idx == 0 and d == w.days - 1 and not self.fires):
                if self.variant == "school_closure":
                    h = rng.uniform(6.0, 6.8)
                elif self.variant == "municipal_alert":
                    h = rng.uniform(10, 16)
                else:
                    h = rng.uniform(8, 20)
                self.fires.append(d * DAY + int(h * H))

    def day(self, d: int) -> None:
        w = self.w
        for t0 in self.fires:
            if not d * DAY <= t0 < (d + 1) * DAY:
                continue
            rng = rng_for(w.seed, "notify", self.idx, d)
            for i, (num, _) in enumerate(self.recips):
                t = t0 + (i // self.channels) * (self.msg + 8) + rng.randint(0, 5)
                r = rng.random()
                if r < 0.55:
                    dur, disp = self.msg + rng.randint(-1, 1), ANS
                elif r < 0.6:
                    dur, disp = rng.randint(2, 12), ANS
                elif r < 0.64:
                    dur, disp = 0, BUSY
                elif r < 0.67:
                    dur, disp = rng.randint(0, 1), FAIL
                else:
                    dur, disp = 30, NOANS
                w.rec(t, VOICE, self.num, num, dur, disp)
                if disp == NOANS and rng.random() < 0.6:
                    w.rec(t + rng.randint(600, 900), VOICE, self.num, num, *((self.msg, ANS) if rng.random() < 0.4
                                                                               else (30, NOANS)))
                if self.sms and num.startswith("+491"):
                    w.rec(t0 + i // 50, SMS, self.num, num, 0, ANS)


class Dispatch:
    """Taxi dispatch (orders in, automated 'your taxi is here' callbacks out) or a restaurant / food platform."""

    def __init__(self, w: World, rng: random.Random, idx: int, taxi: bool) -> None:
        self.w, self.idx, self.taxi = w, idx, taxi
        self.city = w.big_city(rng)
        self.mobile = not taxi and rng.random() < 0.6
        if self.mobile:
            self.num = w.new_home(rng, "delivery_dispatch", "restaurant_phone")
            self.cell = w.cell(rng, self.city)
            self.imei = w.imei.make(rng, "smart")
        else:
            self.num = w.book.fixed(rng, w.area(self.city))
            w.home.add(self.num)
            w.label(self.num, "taxi_dispatch" if taxi else "delivery_dispatch",
                    ("auto_callback" if rng.random() < 0.6 else "operator") if taxi else "platform_line")
        self.auto = taxi and w.sink.labels[self.num].variant == "auto_callback"
        scale = max(0.05, min(1.0, w.scale))
        self.orders = int(rng.randint(150, 600) * scale) if taxi else int(rng.randint(20, 80) * scale) + 5
        self.beep = rng.randint(7, 10)

    def _out(self, t: int, callee: str, dur: int, disp: int) -> None:
        if self.mobile:
            self.w.sink.rec(t, VOICE, self.num, callee, dur, disp, self.cell, self.imei)
        else:
            self.w.rec(t, VOICE, self.num, callee, dur, disp)

    def day(self, d: int) -> None:
        w, rng, base = self.w, rng_for(self.w.seed, "dispatch", self.idx, d), d * DAY
        hours = HOURS["taxi" if self.taxi else "evening"]
        for _ in range(self.orders):
            t = base + hours.sample(rng)
            num, cp = w.stranger(rng, self.city, p_home=0.45, p_fixed=0.2 if self.taxi else 0.05)
            w.voice(t, num, cp, self.num, *((talk(rng, 40, 0.5), ANS) if rng.random() < 0.92 else (0, BUSY)))
            if self.auto:
                t2 = t + rng.randint(300, 1200)
                self._out(t2, num, *((self.beep + rng.randint(0, 1), ANS) if rng.random() < 0.8 else (25, NOANS)))
            elif not self.taxi and rng.random() < 0.3:
                self._out(t + rng.randint(900, 3000), num, *business(rng, 0.7, 30, 0.5))


class MassCallIn:
    """TV vote (0137 mass-call number) or radio phone-in contest: thousands of our subscribers call at once."""

    def __init__(self, w: World, rng: random.Random, idx: int, kind: str, day: int) -> None:
        self.w, self.idx, self.kind = w, idx, kind
        if kind == "tv_vote":
            self.callee = w.book.make(rng, "49137", 7)
            self.t0 = day * DAY + int(rng.uniform(21.5, 22.3) * H)
            self.window = rng.randint(300, 900)
            self.frac = rng.uniform(0.01, 0.04)
        else:
            self.callee = w.book.fixed(rng, w.area(w.big_city(rng)))
            self.t0 = day * DAY + int(rng.uniform(7.0, 9.0) * H)
            self.window = rng.randint(60, 240)
            self.frac = rng.uniform(0.003, 0.012)

    def day(self, d: int) -> None:
        if not d * DAY <= self.t0 < (d + 1) * DAY:
            return
        w = self.w
        rng = rng_for(w.seed, "callin", self.idx, d)
        k = max(5, int(len(w.persons) * self.frac))
        tv = self.kind == "tv_vote"
        winner = rng.randrange(k)
        for j in range(k):
            q = w.persons[rng.randrange(len(w.persons))]
            t = self.t0 + int(min(self.window, rng.expovariate(3.0 / self.window)))
            for _ in range(rng.randint(1, 3) if tv else rng.randint(1, 15)):
                r = rng.random()
                if tv:
                    dur, disp = ((rng.randint(3, 8), ANS) if r < 0.45 else (0, BUSY) if r < 0.85 else (0, FAIL))
                elif j == winner:
                    dur, disp = rng.randint(120, 300), ANS
                else:
                    dur, disp = ((rng.randint(0, 1), BUSY) if r < 0.85 else (0, FAIL) if r < 0.95
                                 else (rng.randint(5, 20), ANS))
                w.mob(q, t, VOICE, self.callee, dur, disp)
                if disp == ANS:
                    break
                t += rng.randint(3, 30)
