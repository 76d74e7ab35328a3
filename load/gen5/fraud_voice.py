"""Fraud that rings people: scam call farms, wangiri (one-ring) campaigns and robocalls."""

from __future__ import annotations

import random

from .behaviour import business, talk
from .fraudkit import H, DAY, one_ring, premium_block, robot, scam_outcome, start_time, victim
from .numbering import IRSF_RANGES, WANGIRI_RANGES, digits
from .people import Person
from .rand import poisson, rng_for
from .sink import ANS, FAIL, NOANS, SMS, VOICE
from .world import World

Target = tuple[str, "Person | None"]


class ScamFarm:
    """A fraud call centre: fake bank / police / tech support, 'Hallo Mama' family scams."""

    VARIANTS = ("handset_per_sim", "sim_bank", "sim_shuffle", "careful", "smishing_first", "spoof_rotate")

    def __init__(self, w: World, rng: random.Random, idx: int, variant: str) -> None:
        self.w, self.idx, self.v = w, idx, variant
        self.city = w.big_city(rng)
        geo = w.geo
        c = geo.random_cell(rng, self.city)
        self.t0 = start_time(w, rng, 9, 16.5, workdays=6)
        self.h0, self.h1 = rng.uniform(8.5, 10), rng.uniform(17, 20)
        self.careful = variant == "careful"
        self.sims: list[tuple[str, int, int]] = []
        self.clis: list[str] = []
        if variant == "spoof_rotate":
            area = w.area(self.city)
            for _ in range(rng.randint(30, 100)):
                if rng.random() < 0.4:  # fake police: a local number ending in 110
                    num = "+49" + area + str(rng.randint(2, 9)) + digits(rng, 6 - len(area)) + "110"
                    if not w.book.take(num):
                        continue
                else:
                    num = w.book.fixed(rng, area) if rng.random() < 0.5 else w.book.other_mobile(rng)
                self.clis.append(num)
            self.per_day = max(40, int(rng.randint(300, 1000) * min(1.0, w.scale * 2)))
            return
        n = rng.randint(5, 8) if self.careful else rng.randint(5, 30)
        nums = w.book.home_run(rng, n) if rng.random() < 0.3 else [w.book.home_mobile(rng) for _ in range(n)]
        w.home.update(nums)
        for i, num in enumerate(nums):
            if i < max(3, int(n * rng.uniform(0.6, 1.0))):
                s = self.t0 + rng.randint(0, 1800)
            else:  # replacements for SIMs that get blocked
                s = start_time(w, rng, 9, 16, workdays=6)
                s = max(s, self.t0 + 2 * H)
            e = s + int(rng.uniform(8, 40) * H) if rng.random() < 0.4 else w.horizon
            self.sims.append((num, s, e))
            w.label(num, "scam_farm", variant, s)
        grp = "smart" if self.careful else "cheap"
        self.imeis = [w.imei.make(rng, grp) for _ in nums]
        self.gw = [w.imei.make(rng, "gateway") for _ in range(rng.randint(2, 4))]
        self.pool = [w.imei.make(rng, "cheap") for _ in range(rng.randint(3, 8))]
        if self.careful:
            self.cells = [geo.cells[geo.random_cell(rng, self.city)] for _ in range(rng.randint(3, 5))]
        else:
            self.cells = [geo.cells[c]] + ([geo.cells[geo.near(rng, c, 1)]] if rng.random() < 0.3 else [])
        rate = {"handset_per_sim": (6, 14), "sim_bank": (10, 20), "sim_shuffle": (6, 14), "careful": (1, 3),
                "smishing_first": (3, 8)}[variant]
        self.rate = rng.uniform(*rate)
        self.hooked: list[Target] = []

    def _device(self, i: int, t: int) -> tuple[str, str]:
        v = self.v
        cell = self.cells[i % len(self.cells)]
        if v in ("sim_bank", "smishing_first"):
            return cell, self.gw[(i + t // 1800) % len(self.gw)]
        if v == "sim_shuffle":
            return cell, self.pool[(i * 31 + (t // 3600) * 17) % len(self.pool)]
        return cell, self.imeis[i]

    def _target(self, rng: random.Random) -> Target:
        w = self.w
        r = rng.random()
        elderly = w.by_kind.get("elderly")
        if r < 0.35 and elderly:
            q = elderly[rng.randrange(len(elderly))]
            return q.number, q
        if r < 0.55:
            return w.all_fixed[rng.randrange(len(w.all_fixed))], None
        return w.stranger(rng, self.city if rng.random() < 0.4 else None, p_home=0.45, p_fixed=0.1)

    def _spoof_day(self, rng: random.Random, base: int) -> None:
        w = self.w
        k = 0
        uses = 0
        for _ in range(self.per_day):
            t = base + int(rng.uniform(self.h0, self.h1) * H)
            if t < self.t0:
                continue
            if uses <= 0:
                k, uses = (k + 1) % len(self.clis), rng.randint(1, 4)
            uses -= 1
            cli = self.clis[k]
            q = w.person(rng)
            dur, disp = scam_outcome(rng, 0.33)
            w.sink.rec(t, VOICE, cli, q.number, dur, disp)
            w.sink.fraud_from(cli, "scam_farm", self.v, t)

    def _blast(self, rng: random.Random, i: int, num: str, t: int) -> int:
        w = self.w
        for _ in range(rng.randint(100, 400)):
            callee, cp = w.stranger(rng, p_home=0.6, p_fixed=0.0)
            cell, imei = self._device(i, t)
            w.sink.rec(t, SMS, num, callee, 0, ANS if rng.random() < 0.97 else FAIL, cell, imei)
            if rng.random() < 0.04:
                t2 = t + rng.randint(120, 3600)
                if rng.random() < 0.6:
                    w.party(t2, SMS, callee, cp, num, 0, ANS)
                else:
                    w.voice(t2, callee, cp, num, talk(rng, 300, 0.7), ANS)
                self.hooked.append((callee, cp))
            t += rng.randint(3, 20)
        return t

    def day(self, d: int) -> None:
        if d % 7 == 6:
            return
        w, base = self.w, d * DAY
        rng = rng_for(w.seed, "scamfarm", self.idx, d)
        if self.v == "spoof_rotate":
            self._spoof_day(rng, base)
            return
        for i, (num, s, e) in enumerate(self.sims):
            lo = max(s, base + int(self.h0 * H) + rng.randint(-900, 900))
            hi = min(e, base + int(self.h1 * H))
            if lo >= hi:
                continue
            t = lo
            if self.v == "smishing_first" and base <= s < base + DAY:
                t = self._blast(rng, i, num, t)
            gap = max(20.0, 3600.0 / self.rate - 60.0)
            guard = 0
            while t < hi and guard < 3000:
                guard += 1
                if 12.5 * H <= t - base < 13.25 * H:
                    t = base + int(13.25 * H) + rng.randrange(600)
                    continue
                if self.hooked and rng.random() < (0.4 if self.careful or self.v == "smishing_first" else 0.05):
                    callee, cp = self.hooked[rng.randrange(len(self.hooked))]
                    dur, disp = scam_outcome(rng, 0.7, careful=True)
                else:
                    callee, cp = self._target(rng)
                    dur, disp = scam_outcome(rng, 0.6 if self.careful else 0.33, careful=self.careful)
                cell, imei = self._device(i, t)
                w.sink.rec(t, VOICE, num, callee, dur, disp, cell, imei)
                if disp == ANS and dur > 300:
                    self.hooked.append((callee, cp))
                elif disp != ANS and rng.random() < 0.08:
                    w.voice(t + dur + rng.randint(300, 7200), callee, cp, num, *business(rng, 0.9, 60, 0.8))
                t += dur + 5 + int(rng.expovariate(1.0 / gap))


class Wangiri:
    """One-ring calls that make people call back expensive numbers."""

    VARIANTS = ("burst_foreign", "slow_spread", "sequential_sweep", "hijacked_home", "sms_lure")

    def __init__(self, w: World, rng: random.Random, idx: int, variant: str, used: set[int]) -> None:
        self.w, self.idx, self.v = w, idx, variant
        pre, nd = WANGIRI_RANGES[rng.randrange(len(WANGIRI_RANGES))]
        self.p_cb = rng.uniform(0.01, 0.05)
        size = min(1.0, max(0.05, w.scale))
        self.victims: list[Person] = []
        self.windows: list[tuple[int, int, int]] = []  # start, length, calls
        if variant == "slow_spread":
            head = "+" + pre + digits(rng, nd - 2)
            first = rng.randrange(0, 60)
            self.clis = [f"{head}{k:02d}" for k in range(first, first + rng.randint(15, 40))]
            w.book.used.update(self.clis)
            self.t0 = start_time(w, rng, 8, 20)
            self.per_cli = (5, 40)
        elif variant == "hijacked_home":
            self.t0 = start_time(w, rng, 18, 27)
            self.victims = [victim(w, rng, used) for _ in range(rng.randint(2, 4))]
            self.clis = [p.number for p in self.victims]
            for p in self.victims:
                p.active_until = self.t0
                w.label(p.number, "wangiri", variant, self.t0)
            self.gw = w.imei.make(rng, "gateway")
            self.cell = w.cell(rng, w.big_city(rng))
            r = IRSF_RANGES[rng.randrange(len(IRSF_RANGES))]
            self.prem = premium_block(w, rng, r[0], r[1], 3)
            self.windows = [(self.t0, int(rng.uniform(2, 6) * H), int(rng.randint(200, 600) * size) + 20)]
        else:
            self.clis = [w.book.make(rng, pre, nd) for _ in range(rng.randint(1, 3) if variant != "sms_lure"
                                                                  else rng.randint(2, 6))]
            hours = ((18, 22), (0.5, 5), (7, 9), (19, 23))[rng.randrange(4)]
            self.t0 = start_time(w, rng, *hours)
            t = self.t0
            for _ in range(rng.randint(1, 3)):
                if t >= w.horizon:
                    break
                calls = int(rng.randint(300, 1500) * size) + 20
                self.windows.append((t, int(rng.uniform(0.25, 1.0) * H), calls))
                t += int(rng.uniform(5, 20) * H)
            if variant == "sms_lure":
                r = IRSF_RANGES[rng.randrange(len(IRSF_RANGES))]
                self.prem = premium_block(w, rng, r[0], r[1], 2)
        if variant == "sequential_sweep":
            self.blocks = rng.sample(w.book.blocks, min(len(w.book.blocks), rng.randint(1, 2)))
        self.by_number = {p.number: p for p in w.persons} if variant == "sequential_sweep" else {}

    def _callback(self, rng: random.Random, t: int, q: Person, dest: str, via: str | None = None) -> None:
        w = self.w
        for _ in range(2 if rng.random() < 0.25 else 1):
            t += 20 + int(min(6 * H, rng.expovariate(1 / 1800)))
            dur, disp = (talk(rng, 60, 0.9, 1200), ANS) if rng.random() < 0.85 else (rng.randint(15, 30), NOANS)
            if via is None:
                w.mob(q, t, VOICE, dest, dur, disp)
            elif w.mob(q, t, VOICE, via, dur, disp) and disp == ANS:
                w.sink.rec(t + 1, VOICE, via, dest, dur, ANS)  # call-forwarding leg to the premium number

    def day(self, d: int) -> None:
        w, base = self.w, d * DAY
        rng = rng_for(w.seed, "wangiri", self.idx, d)
        label = w.sink.fraud_from
        if self.v == "slow_spread":
            for cli in self.clis:
                for _ in range(rng.randint(*self.per_cli)):
                    t = base + int(rng.uniform(8, 22) * H)
                    if t < self.t0:
                        continue
                    self._ring_once(rng, t, cli)
            return
        for t0, length, calls in self.windows:
            if not base <= t0 < base + DAY:
                continue
            if self.v == "sequential_sweep":
                self._sweep(rng, t0, calls)
                continue
            if self.v == "sms_lure":
                for k in range(calls):
                    t = t0 + k * length // calls
                    cli = self.clis[k % len(self.clis)]
                    q = w.person(rng)
                    w.sink.rec(t, SMS, cli, q.number, 0, ANS)
                    label(cli, "wangiri", self.v, t)
                    if rng.random() < self.p_cb:
                        self._callback(rng, t, q, self.prem[rng.randrange(len(self.prem))])
                continue
            for k in range(calls):
                t = t0 + k * length // calls + rng.randint(0, 2)
                cli = self.clis[k % len(self.clis)]
                if self.v == "hijacked_home":
                    num, cp = w.stranger(rng, p_home=0.5, p_fixed=0.0)
                    dur, disp = one_ring(rng)
                    w.sink.rec(t, VOICE, cli, num, dur, disp, self.cell, self.gw)
                    if disp == NOANS and cp is not None and rng.random() < self.p_cb * 2:
                        self._callback(rng, t, cp, self.prem[rng.randrange(len(self.prem))], via=cli)
                    continue
                self._ring_once(rng, t, cli)

    def _ring_once(self, rng: random.Random, t: int, cli: str) -> None:
        """One one-ring lure from ``cli`` to a random subscriber, and maybe the victim's callback to it."""
        w = self.w
        q = w.person(rng)
        dur, disp = one_ring(rng)
        w.sink.rec(t, VOICE, cli, q.number, dur, disp)
        w.sink.fraud_from(cli, "wangiri", self.v, t)
        if disp == NOANS and rng.random() < self.p_cb:
            self._callback(rng, t, q, cli)

    def _sweep(self, rng: random.Random, t0: int, calls: int) -> None:
        w = self.w
        t = t0
        k = 0
        for block in self.blocks:
            start = rng.randrange(0, 500)
            for suffix in range(start, min(1000, start + calls)):
                num = f"{block}{suffix:03d}"
                cli = self.clis[k % len(self.clis)]
                k += 1
                q = self.by_number.get(num)
                if q is None:
                    w.sink.rec(t, VOICE, cli, num, 0, FAIL)  # unallocated number in our range
                else:
                    dur, disp = one_ring(rng)
                    w.sink.rec(t, VOICE, cli, num, dur, disp)
                    if disp == NOANS and rng.random() < self.p_cb:
                        self._callback(rng, t, q, cli)
                w.sink.fraud_from(cli, "wangiri", self.v, t)
                t += rng.randint(1, 4)


class Robocall:
    """Automated diallers playing a recorded message."""

    VARIANTS = ("sequential_range", "spoof_rotate", "neighbour_spoof", "slow_drip", "press_one_foreign")

    def __init__(self, w: World, rng: random.Random, idx: int, variant: str) -> None:
        self.w, self.idx, self.v = w, idx, variant
        self.msg = rng.randint(15, 40)
        self.ring_to = rng.choice((20, 25, 30))
        self.t0 = start_time(w, rng, 9, 16, workdays=6)
        self.h0, self.h1 = rng.uniform(8.5, 10), rng.uniform(18, 20.5)
        size = min(1.0, max(0.05, w.scale * 2))
        self.cell = self.imei = ""
        self.clis: list[str] = []
        if variant == "sequential_range":
            city = w.city(rng)
            _, dids = w.book.did_block(rng, w.area(city), rng.randint(3, 10))
            self.clis = dids[: rng.randint(1, 3)]
            w.home.update(self.clis)
            self.channels = rng.randint(8, 30)
            self.blocks = rng.sample(w.book.blocks, min(len(w.book.blocks), 3))
            self.per_day = int(rng.randint(1500, 5000) * size)
            self.cursor = rng.randrange(300)
            self.by_number = {p.number: p for p in w.persons}
        elif variant == "spoof_rotate":
            for _ in range(rng.randint(40, 150)):
                self.clis.append(w.book.home_mobile(rng) if rng.random() < 0.5 else w.book.other_mobile(rng))
            self.per_day = int(rng.randint(800, 3000) * size)
        elif variant == "neighbour_spoof":
            self.per_day = int(rng.randint(80, 250) * size) + 10
        elif variant == "slow_drip":
            num = w.book.home_mobile(rng)
            w.home.add(num)
            self.clis = [num]
            self.cell = w.cell(rng, w.city(rng))
            self.imei = w.imei.make(rng, "gateway" if rng.random() < 0.5 else "cheap")
            self.gap = rng.randint(120, 600)
            w.label(num, "robocall", variant, self.t0)
        else:
            for _ in range(rng.randint(3, 10)):
                cc = ("GB", "US", "NL", "FR", "CH", "AT")[rng.randrange(6)]
                self.clis.append(w.book.foreign(rng, cc))
            self.msg = rng.randint(30, 45)
            self.per_day = int(rng.randint(300, 1200) * size)

    def _times(self, rng: random.Random, base: int, n: int) -> list[int]:
        lo = max(self.t0, base + int(self.h0 * H))
        hi = base + int(self.h1 * H)
        if lo >= hi:
            return []
        return sorted(rng.randrange(lo, hi) for _ in range(n))

    def day(self, d: int) -> None:
        if d % 7 == 6:
            return
        w, base = self.w, d * DAY
        rng = rng_for(w.seed, "robocall", self.idx, d)
        v = self.v
        if v == "sequential_range":
            self._sequential(rng, base)
        elif v == "slow_drip":
            t = max(self.t0, base + int(self.h0 * H))
            guard = 0
            while t < base + self.h1 * H and guard < 2000:
                guard += 1
                num, _ = w.stranger(rng, p_home=0.4, p_fixed=0.3)
                dur, disp = robot(rng, self.msg, self.ring_to, 0.3)
                w.sink.rec(t, VOICE, self.clis[0], num, dur, disp, self.cell, self.imei)
                t += dur + int(self.gap * rng.uniform(0.92, 1.08))
        elif v == "neighbour_spoof":
            uses, cli = 0, ""
            for t in self._times(rng, base, self.per_day):
                q = w.person(rng)
                if uses <= 0 or not cli:
                    cli = q.number[:-4] + digits(rng, 4)
                    if not w.book.take(cli):
                        continue
                    uses = rng.randint(1, 3)
                uses -= 1
                w.sink.rec(t, VOICE, cli, q.number, *robot(rng, self.msg, self.ring_to, 0.45))
                w.sink.fraud_from(cli, "robocall", v, t)
        else:
            uses, k = 0, 0
            for t in self._times(rng, base, self.per_day):
                if uses <= 0:
                    k, uses = rng.randrange(len(self.clis)), rng.randint(1, 5)
                uses -= 1
                q = w.person(rng)
                w.sink.rec(t, VOICE, self.clis[k], q.number, *robot(rng, self.msg, self.ring_to))
                w.sink.fraud_from(self.clis[k], "robocall", v, t)

    def _sequential(self, rng: random.Random, base: int) -> None:
        w = self.w
        lo = max(self.t0, base + int(self.h0 * H))
        hi = base + int(self.h1 * H)
        if lo >= hi:
            return
        chans = [lo + rng.randrange(5) for _ in range(self.channels)]
        n = 0
        while n < self.per_day and self.cursor < 1000 * len(self.blocks):
            c = n % self.channels
            t = chans[c]
            if t >= hi:
                return
            block, suffix = self.blocks[self.cursor // 1000], self.cursor % 1000
            self.cursor += 1
            num = f"{block}{suffix:03d}"
            cli = self.clis[n % len(self.clis)]
            n += 1
            if num in self.by_number or num in w.home:
                dur, disp = robot(rng, self.msg, self.ring_to)
            else:
                dur, disp = 0, FAIL
            w.sink.rec(t, VOICE, cli, num, dur, disp)
            w.sink.fraud_from(cli, "robocall", self.v, t)
            chans[c] = t + dur + rng.randint(2, 4)
