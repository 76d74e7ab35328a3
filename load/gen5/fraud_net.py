"""Fraud that abuses the network or an account: SIM boxes, IRSF, SIM swap / account takeover."""

from __future__ import annotations

import random

from .behaviour import business, talk
from .fraudkit import H, DAY, premium_block, scam_outcome, start_time, victim
from .numbering import IRSF_RANGES, LOW_SLOW_RANGES
from .people import Person
from .rand import Hours, poisson, rng_for
from .sink import ANS, FAIL, NOANS, SMS, VOICE
from .world import World

Target = tuple[str, "Person | None"]
# when international calls towards Germany are made (diaspora evenings, Africa/Asia daytime)
INTL = Hours((1.0, 0.6, 0.4, 0.3, 0.3, 0.5, 1.0, 2.0, 3.0, 4.0, 4.5, 5.0,
              5.0, 5.0, 5.0, 5.5, 6.0, 6.5, 7.0, 7.5, 7.5, 7.0, 5.0, 3.0))


class SimBox:
    """A SIM box terminating international calls as local mobile calls (bypass fraud)."""

    VARIANTS = ("static_gateway", "imei_rotation", "human_like", "office_hours", "migrating")

    def __init__(self, w: World, rng: random.Random, idx: int, variant: str) -> None:
        self.w, self.idx, self.v = w, idx, variant
        human = variant == "human_like"
        n = rng.randint(6, 12) if human else rng.randint(8, 32)
        self.t0 = start_time(w, rng, 8, 15, workdays=5) if variant == "office_hours" else start_time(w, rng, 0, 24)
        nums = w.book.home_run(rng, n) if rng.random() < 0.4 else [w.book.home_mobile(rng) for _ in range(n)]
        w.home.update(nums)
        self.sims: list[tuple[str, int, int]] = []
        for i, num in enumerate(nums):
            s = self.t0 + rng.randint(0, 2400)
            if rng.random() < 0.2 and w.horizon - s > 8 * H:  # replacement SIM, swapped in later
                s += rng.randint(4 * H, w.horizon - s - 2 * H)
            e = s + int(rng.uniform(6, 30) * H) if rng.random() < 0.25 else w.horizon
            self.sims.append((num, s, e))
            w.label(num, "simbox", variant, s)
        city = w.big_city(rng) if rng.random() < 0.7 else w.city(rng)
        nb = rng.randint(2, 3) if variant == "migrating" else 1
        self.cells = [w.cell(rng, city if b == 0 else w.city(rng)) for b in range(nb)]
        m = max(1, n // rng.choice((4, 8)))
        self.modules = [[w.imei.make(rng, "gateway") for _ in range(m)] for _ in range(nb)]
        self.own = [w.imei.make(rng, "smart") for _ in nums] if human else []
        self.junk = [w.imei.junk(rng) for _ in range(20)] if variant == "imei_rotation" else []
        lo, hi = {"human_like": (0.8, 1.6), "office_hours": (3, 6)}.get(variant, (3, 8))
        self.rate = rng.uniform(lo, hi)
        self.move = rng.randint(4, 10) * H
        self.callees: list[Target] = []
        self.accomplices: list[str] = []
        if human:
            for _ in range(rng.randint(2, 5)):
                self.accomplices.append(w.book.other_mobile(rng))

    def _device(self, rng: random.Random, i: int, t: int) -> tuple[str, str]:
        v = self.v
        if v == "human_like":
            return self.cells[0], self.own[i]
        if v == "imei_rotation":
            imei = self.w.imei.junk(rng) if rng.random() < 0.3 else self.junk[rng.randrange(len(self.junk))]
            return self.cells[0], imei
        box = (i + t // self.move) % len(self.cells) if v == "migrating" else 0
        mods = self.modules[box]
        return self.cells[box], mods[i % len(mods)]

    def _callee(self, rng: random.Random) -> Target:
        w = self.w
        if self.callees and rng.random() < 0.35:
            return self.callees[rng.randrange(len(self.callees))]
        diaspora = w.by_kind.get("family_abroad")
        if diaspora and rng.random() < 0.15:
            q = diaspora[rng.randrange(len(diaspora))]
            tgt: Target = (q.number, q)
        else:
            tgt = w.stranger(rng, p_home=0.3, p_fixed=0.2)
        self.callees.append(tgt)
        return tgt

    def day(self, d: int) -> None:
        w, base = self.w, d * DAY
        if self.v == "office_hours" and d % 7 >= 5:
            return
        rng = rng_for(w.seed, "simbox", self.idx, d)
        for i, (num, s, e) in enumerate(self.sims):
            lo, hi = max(s, base), min(e, base + DAY)
            if self.v == "office_hours":
                lo, hi = max(lo, base + 8 * H), min(hi, base + 18 * H)
            elif self.v == "human_like":
                lo, hi = max(lo, base + 8 * H), min(hi, base + 22 * H)
            if lo >= hi:
                continue
            n = poisson(rng, self.rate * (hi - lo) / H)
            if self.v in ("office_hours", "human_like"):
                times = sorted(rng.randrange(lo, hi) for _ in range(n))
            else:
                times = sorted(t for t in (base + INTL.sample(rng) for _ in range(int(n * DAY / (hi - lo))))
                               if lo <= t < hi)
            free = lo
            for t in times:
                t = max(t, free)
                if t >= hi:
                    break
                callee, _ = self._callee(rng)
                dur, disp = business(rng, 0.72, 200, 0.9, p_fail=0.05, p_busy=0.06)
                cell, imei = self._device(rng, i, t)
                w.sink.rec(t, VOICE, num, callee, dur, disp, cell, imei)
                free = t + dur + rng.randint(3, 40)
            if self.v == "human_like":
                self._cover(rng, i, num, lo, hi)

    def _cover(self, rng: random.Random, i: int, num: str, lo: int, hi: int) -> None:
        """Cover traffic: texts and calls among the box's SIMs and with accomplices."""
        w = self.w
        others = [x[0] for x in self.sims if x[0] != num]
        for _ in range(poisson(rng, 3)):
            t = rng.randrange(lo, hi)
            dest = others[rng.randrange(len(others))] if others and rng.random() < 0.5 else \
                self.accomplices[rng.randrange(len(self.accomplices))]
            cell, imei = self._device(rng, i, t)
            w.sink.rec(t, SMS, num, dest, 0, ANS, cell, imei)
        for _ in range(poisson(rng, 2)):
            t = rng.randrange(lo, hi)
            acc = self.accomplices[rng.randrange(len(self.accomplices))]
            w.sink.rec(t, VOICE, acc, num, talk(rng, 120, 0.8), ANS)
            w.sink.fraud_from(acc, "simbox", "accomplice", t)


class Irsf:
    """International revenue share fraud: long calls to premium ranges that pay the fraudster."""

    VARIANTS = ("pbx_hack", "stolen_sim", "cloned_sim", "subscription", "low_and_slow")

    def __init__(self, w: World, rng: random.Random, idx: int, variant: str, used: set[int]) -> None:
        self.w, self.idx, self.v = w, idx, variant
        ridx = LOW_SLOW_RANGES[rng.randrange(3)] if variant == "low_and_slow" else rng.randrange(len(IRSF_RANGES))
        pre, nd, _ = IRSF_RANGES[ridx]
        self.dests = premium_block(w, rng, pre, nd, rng.randint(5, 50))
        self.person: Person | None = None
        self.clis: list[str] = []
        self.windows: list[tuple[int, int]] = []
        self.cell = self.imei = ""
        if variant == "pbx_hack":
            office = w.offices[idx % len(w.offices)]
            t0 = start_time(w, rng, 22, 28, margin=H)
            cand = [office.main] + office.dids
            self.clis = rng.sample(cand, min(len(cand), rng.randint(1, 4)))
            self.channels = rng.randint(4, 30)
            self.cut = 3600 if rng.random() < 0.5 else 0
            self.windows = [(t0, int(rng.uniform(2, 7) * H))]
            if rng.random() < 0.5 and t0 + DAY < w.horizon - H:
                self.windows.append((t0 + DAY + rng.randint(-3600, 3600), int(rng.uniform(2, 7) * H)))
            for cli in self.clis:
                w.label(cli, "irsf", variant, t0)
        elif variant in ("stolen_sim", "cloned_sim"):
            p = victim(w, rng, used)
            self.person = p
            self.clis = [p.number]
            if variant == "stolen_sim":
                t0 = start_time(w, rng, 10, 23.5)
                p.active_until = t0
                self.imei = p.imeis[-1][1] if rng.random() < 0.5 else w.imei.make(rng, "cheap")
                self.cell = w.cell(rng, p.city if rng.random() < 0.6 else w.city(rng))
                self.windows = [(t0 + rng.randint(600, 7200), int(rng.uniform(3, 12) * H))]
            else:
                t0 = start_time(w, rng, 23, 27)
                self.imei = w.imei.make(rng, "cheap")
                roam = list(w.geo.roam.values())
                self.cell = roam[rng.randrange(len(roam))][0] if rng.random() < 0.5 else w.cell(rng, w.city(rng))
                t = t0
                while t < w.horizon - H:
                    self.windows.append((t, int(rng.uniform(2, 6) * H)))
                    t += DAY + rng.randint(-3600, 3600)
            w.label(p.number, "irsf", variant, self.windows[0][0] if variant == "cloned_sim" else t0)
        elif variant == "subscription":
            t0 = start_time(w, rng, 0, 24)
            k = rng.randint(1, 4)
            self.clis = [w.book.home_mobile(rng) for _ in range(k)]
            w.home.update(self.clis)
            shared = rng.random() < 0.6
            one = w.imei.make(rng, "cheap")
            self.imeis = [one if shared else w.imei.make(rng, "cheap") for _ in range(k)]
            self.cell = w.cell(rng, w.big_city(rng))
            self.windows = [(t0 + j * rng.randint(60, 900), w.horizon) for j in range(k)]
            for cli, (s, _) in zip(self.clis, self.windows):
                w.label(cli, "irsf", variant, s)
        else:  # low_and_slow: an office line or malware on a subscriber's own handset
            t0 = start_time(w, rng, 9, 16, workdays=5)
            if rng.random() < 0.5:
                office = w.offices[-1 - idx % len(w.offices)]
                self.clis = [office.dids[rng.randrange(len(office.dids))]]
            else:
                p = victim(w, rng, used)
                self.person = p
                self.clis = [p.number]
            self.windows = [(t0, w.horizon)]
            w.label(self.clis[0], "irsf", variant, t0)

    def _call(self, rng: random.Random, t: int, cli: str, hold: float, cell: str | None, imei: str | None) -> int:
        dest = self.dests[rng.randrange(len(self.dests))]
        r = rng.random()
        if r < 0.82:
            dur, disp = int(min(7200, talk(rng, hold, 0.6))), ANS
            if self.v == "pbx_hack" and self.cut:
                dur = min(dur, self.cut)
        elif r < 0.95:
            dur, disp = 0, FAIL
        else:
            dur, disp = rng.randint(20, 40), NOANS
        self.w.sink.rec(t, VOICE, cli, dest, dur, disp, cell, imei)
        return dur

    def day(self, d: int) -> None:
        w, base = self.w, d * DAY
        rng = rng_for(w.seed, "irsf", self.idx, d)
        v = self.v
        if v == "pbx_hack":
            for ws, length in self.windows:
                if not base <= ws < base + DAY:
                    continue
                for c in range(self.channels):
                    t, guard = ws + rng.randint(0, 600), 0
                    cli = self.clis[c % len(self.clis)]
                    while t < ws + length and guard < 200:
                        guard += 1
                        t += self._call(rng, t, cli, 1500, None, None) + rng.randint(1, 8)
        elif v in ("stolen_sim", "cloned_sim"):
            for ws, length in self.windows:
                if not base <= ws < base + DAY:
                    continue
                t, guard = ws, 0
                n_max = rng.randint(5, 30)
                while t < ws + length and guard < n_max:
                    guard += 1
                    t += self._call(rng, t, self.clis[0], 1200, self.cell, self.imei) + rng.randint(10, 120)
        elif v == "subscription":
            for j, cli in enumerate(self.clis):
                s = self.windows[j][0]
                lo = max(s, base)
                if lo >= base + DAY:
                    continue
                t = lo
                if base <= s < base + DAY:
                    for _ in range(rng.randint(0, 2)):  # test calls before the real traffic
                        num, _ = w.stranger(rng)
                        w.sink.rec(t, VOICE, cli, num, rng.randint(5, 40), ANS, self.cell, self.imeis[j])
                        t += rng.randint(60, 600)
                guard = 0
                while t < base + DAY and guard < rng.randint(10, 40):
                    guard += 1
                    t += self._call(rng, t, cli, 1500, self.cell, self.imeis[j]) + rng.randint(30, 900)
        else:
            s = self.windows[0][0]
            if base + DAY <= s or d % 7 >= 5:
                return
            for _ in range(rng.randint(1, 4)):
                t = base + int(rng.uniform(9, 17.5) * H)
                if t < s:
                    continue
                dest = self.dests[rng.randrange(len(self.dests))]
                dur = int(rng.uniform(300, 1200))
                if self.person is not None:
                    w.mob(self.person, t, VOICE, dest, dur, ANS)
                else:
                    w.sink.rec(t, VOICE, self.clis[0], dest, dur, ANS)


class Takeover:
    """SIM swap / port-out: someone else now holds the victim's number."""

    VARIANTS = ("bank_drain", "contact_scam", "stranger_calls", "quiet", "port_out", "esim_swap")

    def __init__(self, w: World, rng: random.Random, idx: int, variant: str, used: set[int]) -> None:
        self.w, self.idx, self.v = w, idx, variant
        p = victim(w, rng, used, min_calls=1.5)
        self.p = p
        self.ts = start_time(w, rng, 7, 23.5, margin=3 * H)
        p.active_until = self.ts
        if variant == "port_out":
            p.recv_until = self.ts
        w.label(p.number, "takeover", variant, self.ts)
        esim = variant == "esim_swap"
        self.imei = w.imei.make(rng, "flagship" if esim else ("cheap" if rng.random() < 0.6 else "smart"))
        city = p.city if esim or rng.random() < 0.4 else w.city(rng)
        self.cell = w.cell(rng, city)
        self.cell2 = w.cell(rng, city)

    def _sms_in(self, t: int, src: str) -> None:
        self.w.sink.rec(t, SMS, src, self.p.number, 0, ANS)

    def _out(self, t: int, rtype: int, dest: str, dur: int, disp: int, rng: random.Random) -> None:
        cell = self.cell if rng.random() < 0.8 else self.cell2
        self.w.sink.rec(t, rtype, self.p.number, dest, dur, disp, cell, self.imei)

    def _codes(self, rng: random.Random, t: int, lo: int, hi: int) -> int:
        w, p = self.w, self.p
        banks = w.a2p["bank_otp"]
        second = banks[(p.bank + 1 + rng.randrange(len(banks) - 1)) % len(banks)]
        for k in range(rng.randint(lo, hi)):
            t += rng.randint(30, 600)
            r = rng.random()
            src = banks[p.bank % len(banks)] if r < 0.6 else (second if r < 0.8 else
                                                                 w.a2p["global_2fa"][rng.randrange(4)])
            self._sms_in(t, src)
        return t

    def day(self, d: int) -> None:
        w, p, ts, v = self.w, self.p, self.ts, self.v
        if not d * DAY <= ts < (d + 1) * DAY:
            return
        rng = rng_for(w.seed, "takeover", self.idx)
        if v == "port_out":
            self._sms_in(ts - rng.randint(600, 3600), w.a2p["operator"][0])
            friends = [(n, o) for n, o in zip(p.c_num, p.c_obj) if o is not None]
            t = ts + rng.randint(1800, 4 * H)
            for _ in range(rng.randint(2, 8)):
                if not friends:
                    break
                num, _ = friends[rng.randrange(len(friends))]
                rtype = SMS if rng.random() < 0.5 else VOICE
                dur, disp = (0, ANS) if rtype == SMS else business(rng, 0.7, 120, 0.8)
                w.sink.rec(t, rtype, p.number, num, dur, disp)
                t += rng.randint(120, 1800)
            return
        t = self._codes(rng, ts + rng.randint(120, 1800), 1 if v in ("quiet", "contact_scam") else 2,
                        3 if v in ("quiet", "contact_scam", "stranger_calls") else 6)
        if v in ("bank_drain", "esim_swap"):
            for _ in range(rng.randint(0, 2)):
                t += rng.randint(60, 900)
                self._out(t, VOICE, w.services[rng.randrange(len(w.services))], talk(rng, 240, 0.7), ANS, rng)
        if v == "contact_scam":
            mob = [(n, o) for n, o in zip(p.c_num, p.c_obj) if n.startswith("+491") or not n.startswith("+49")]
            for _ in range(rng.randint(5, 20)):
                if not mob:
                    break
                num, obj = mob[rng.randrange(len(mob))]
                t += rng.randint(30, 900)
                self._out(t, SMS, num, 0, ANS, rng)
                if rng.random() < 0.4:
                    w.party(t + rng.randint(30, 1800), SMS, num, obj, p.number, 0, ANS)
                if rng.random() < 0.3:
                    self._out(t + rng.randint(60, 600), VOICE, num, *business(rng, 0.7, 120, 0.8), rng)
        elif v in ("stranger_calls", "esim_swap"):
            for _ in range(rng.randint(10, 40) if v == "stranger_calls" else rng.randint(1, 3)):
                t += rng.randint(60, 1800)
                num, _ = w.stranger(rng, p_home=0.4, p_fixed=0.3)
                self._out(t, VOICE, num, *scam_outcome(rng, 0.4), rng)
