"""Fraud typologies: scam farms, wangiri, SIM boxes, IRSF, SIM-swap takeover, robocalls.

Each typology has several variants with randomised parameters; every
fraud number's label carries the moment its fraud began (first fraudulent
record, or the SIM swap for takeovers), always >= 6 h into the stream.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field

from .core import ANSWERED, BUSY, DAY, FAILED, HOUR, MIN, NO_ANSWER, lognorm, pick
from .numbering import IRSF_RANGES, WANGIRI_ORIGINS, digits
from .world import Sub, World


@dataclass
class FraudPlan:
    """Victims chosen before legitimate traffic is generated."""

    takeover: list[tuple[Sub, int, str]] = field(default_factory=list)
    stolen: list[tuple[Sub, int]] = field(default_factory=list)
    slow: list[tuple[Sub, int]] = field(default_factory=list)
    pbx: list[tuple[Sub, int]] = field(default_factory=list)


def _night_start(w: World, r: random.Random) -> int:
    """An onset between 21:00 and 03:00, at least 6 h into the stream."""
    H = w.clock.horizon
    cands = []
    for day in range(w.clock.days + 1):
        for h in (21, 22, 23, 24, 25, 26):
            t = day * DAY + h * HOUR
            if 6 * HOUR <= t <= H - 3 * HOUR:
                cands.append(t)
    if not cands:
        return w.fraud_start_window(r)
    return r.choice(cands) + r.randrange(HOUR)


def _start_in_hours(w: World, r: random.Random, h0: int, h1: int, tail_h: float = 5.0) -> int:
    """An onset inside local hours [h0, h1) (wrapping), >= 6 h in, <= horizon - tail_h."""
    for _ in range(500):
        t = w.fraud_start_window(r, 6.0, tail_h)
        if _hours_ok(t, h0, h1):
            return t
    return w.fraud_start_window(r, 6.0, tail_h)


def _free_neighbour(w: World, r: random.Random, base: str) -> str:
    """A spoofed caller ID sharing the first digits of base, held by nobody."""
    for _ in range(1000):
        x = base[:-5] + digits(r, 5)
        occ = w.num.occ.get(x[3:-3])
        if x not in w.num.used and (occ is None or not occ[int(x[-3:])]):
            w.num.used.add(x)
            return x
    return w.num.offnet_mobile()


def prepare(w: World, pbx: list[Sub]) -> FraudPlan:
    """Pick victims of takeover and IRSF (their owners stop at the onset)."""
    r = w.rand("fraud-plan")
    plan = FraudPlan()
    pool = [s for s in w.personal if s.profile in ("ordinary", "diaspora_family") and len(s.contacts) >= 5]
    r.shuffle(pool)
    n_to = max(4, round(16 * w.scale))
    variants = ["wallet_drain", "contacts_scam", "monetise", "delayed_contacts"]
    for i, s in enumerate(pool[:n_to]):
        t = w.fraud_start_window(r, 6.0, 5.0)
        s.legit_end = t
        plan.takeover.append((s, t, variants[i % len(variants)]))
    k = n_to
    for s in pool[k:k + max(1, round(5 * w.scale))]:
        t = _night_start(w, r) if r.random() < 0.7 else w.fraud_start_window(r)
        s.legit_end = t
        plan.stolen.append((s, t))
    k += max(1, round(5 * w.scale))
    for s in pool[k:k + max(1, round(4 * w.scale))]:
        plan.slow.append((s, _night_start(w, r)))
    cands = [s for s in pbx if s.p.get("variant", 0.0) != 1.0] or pbx
    r.shuffle(cands)
    for s in cands[:max(1, min(len(cands) // 2, round(2 * w.scale)))]:
        plan.pbx.append((s, _night_start(w, r)))
    return plan


class _Emitter:
    """Writes fraud records and remembers each number's first one."""

    def __init__(self, w: World, typology: str) -> None:
        self.w = w
        self.typ = typology
        self.first: dict[str, tuple[int, str]] = {}

    def own(self, numbers: list[str]) -> None:
        """Keep these numbers out of legitimate callback logic."""
        self.w.fraud_numbers.update(numbers)

    def add(self, variant: str, t: int, sms: bool, caller: str, callee: str, dur: float, disp: str,
            cell: str | None, imei: str | None) -> None:
        """Emit one fraudulent record."""
        if t < 0 or t >= self.w.clock.horizon:
            return
        self.w.sink.add(t, sms, caller, callee, dur, disp, cell, imei)
        f = self.first.get(caller)
        if f is None or t < f[0]:
            self.first[caller] = (t, variant)

    def label(self, fixed: dict[str, int] | None = None) -> None:
        """Register every number that produced fraud records."""
        for num, (t, variant) in self.first.items():
            start = t if fixed is None or num not in fixed else min(t, fixed[num])
            self.w.reg.fraud(num, self.typ, variant, start)


def _hours_ok(t: int, h0: int, h1: int) -> bool:
    h = (t % DAY) // HOUR
    return h0 <= h < h1 if h0 < h1 else (h >= h0 or h < h1)


# ---------------------------------------------------------------- scam farms
def scam_farms(w: World) -> None:
    """Rooms of SIMs cold-calling strangers (investment, loan, parcel scams)."""
    r = w.rand("scam_farm")
    em = _Emitter(w, "scam_farm")
    variants = ["rotating_handsets", "phone_per_sim", "slow", "smishing"]
    r.shuffle(variants)
    for fi in range(max(3, round(5 * w.scale))):
        variant = variants[fi % len(variants)]
        n = r.randint(5, 12)
        nums = w.num.alloc_run(n, r.choice((1, 2, 5))) if r.random() < 0.7 else [w.num.alloc_home() for _ in range(n)]
        em.own(nums)
        region = 0 if r.random() < 0.6 else w.geo.region()
        cells = [w.geo.cell(region)]
        cells.append(w.geo.near(cells[0], 1.0))
        if variant == "rotating_handsets":
            handsets = [w.imeis.any() for _ in range(max(2, n // r.randint(2, 4)))]
        elif variant == "smishing":
            handsets = [w.imeis.module() for _ in range(max(1, -(-n // 8)))]
        else:
            handsets = []
        own_imei = {x: (w.imeis.feature() if r.random() < 0.5 else w.imeis.phone()) for x in nums}
        h0, h1 = r.choice(((9, 18), (8, 20), (10, 22), (13, 23), (7, 17)))
        start = _start_in_hours(w, r, h0, h1 - 2, 6.0)
        churn = r.random() < 0.4
        if r.random() < 0.4:  # warm-up: SIMs text / call each other to look used
            for x in nums:
                for _ in range(r.randint(2, 8)):
                    t = start - r.randint(2 * HOUR, 20 * HOUR)
                    if t > 0:
                        y = r.choice(nums)
                        if y != x:
                            sms = r.random() < 0.7
                            w.sink.add(t, sms, x, y, 0.0 if sms else r.uniform(10, 90),
                                       ANSWERED, cells[0], own_imei[x])
                            w.reg.legit(x, "ordinary")
        p_ans = r.uniform(0.3, 0.55)
        med = r.uniform(25, 90)
        gap_mean = r.uniform(300, 900) if variant == "slow" else r.uniform(45, 180)
        for i, x in enumerate(nums):
            room = max(20 * MIN, (w.clock.horizon - 3 * HOUR - start) // n)
            t = start + (i * r.randint(10 * MIN, min(3 * HOUR, room)) if churn else r.randrange(20 * MIN))
            stop = t + int(r.uniform(3, 14) * HOUR) if churn else w.clock.horizon
            cell = r.choice(cells)
            imei = own_imei[x] if not handsets else r.choice(handsets)
            session_end = t + r.randint(30 * MIN, 2 * HOUR)
            hooked: list[str] = []
            while t < stop and t < w.clock.horizon:
                if not _hours_ok(t, h0, h1):
                    t += 20 * MIN + r.randrange(20 * MIN)
                    continue
                if handsets and t >= session_end and variant == "rotating_handsets":
                    imei = r.choice(handsets)
                    session_end = t + r.randint(30 * MIN, 2 * HOUR)
                if variant == "smishing" and r.random() < 0.93:
                    callee = w.stranger(r, 0.5, 0.0)
                    disp = FAILED if w.num.is_unallocated_home(callee) or r.random() < 0.03 else ANSWERED
                    em.add(variant, t, True, x, callee, 0.0, disp, cell, imei)
                    if r.random() < 0.01:
                        w.call_back(r, t + r.randint(5 * MIN, 2 * HOUR), callee, x, 0.2, 30, 1.0)
                    t += r.randint(8, 45)
                    continue
                if hooked and r.random() < 0.03:
                    callee = r.choice(hooked)
                    disp, dur = w.outcome(r, callee, 0.8, r.uniform(300, 900), 0.6)
                else:
                    callee = w.stranger(r, 0.5, 0.02)
                    disp, dur = w.outcome(r, callee, p_ans, med, 1.0)
                em.add(variant, t, False, x, callee, dur, disp, cell, imei)
                if disp == ANSWERED and dur > 120 and len(hooked) < 20:
                    hooked.append(callee)
                if disp != FAILED and r.random() < 0.025:
                    w.call_back(r, t + r.randint(5 * MIN, 4 * HOUR), callee, x, 0.2, 30, 1.0)
                t += int(dur) + int(r.expovariate(1.0 / gap_mean)) + 5
    em.label()


# ---------------------------------------------------------------- wangiri
def wangiri(w: World) -> None:
    """One-ring calls from premium foreign ranges; some victims call back."""
    r = w.rand("wangiri")
    em = _Emitter(w, "wangiri")
    variants = ["burst_sequential", "slow_rotating", "sms_lure", "burst_random"]
    r.shuffle(variants)
    targets = [s for s in w.subs if s.home is not None]
    for ci in range(max(3, round(4 * w.scale))):
        variant = variants[ci % len(variants)]
        origin = r.choice(WANGIRI_ORIGINS)
        n_callers = {"burst_sequential": (3, 6), "slow_rotating": (8, 14), "sms_lure": (2, 4),
                     "burst_random": (3, 6)}[variant]
        first = w.num.wangiri_number(origin)
        callers = [first] + [w.num.wangiri_number(origin, first if r.random() < 0.6 else None)
                             for _ in range(r.randint(*n_callers) - 1)]
        em.own(callers)
        premium = w.num.wangiri_number(origin, first) if variant == "sms_lure" or r.random() < 0.3 else None
        if premium:
            em.own([premium])
        cb_p = r.uniform(0.01, 0.06)
        if r.random() < 0.4:  # ring after midnight so the missed call waits till morning
            start = _start_in_hours(w, r, 0, 4)
        else:
            start = _start_in_hours(w, r, 8, 22)
        for k, x in enumerate(callers):
            t = start + k * r.randint(0, 40 * MIN)
            if variant == "burst_sequential":
                key = r.choice(w.num.blocks)
                lo = r.randrange(0, 400)
                dial = w.num.block_numbers(key, lo, lo + r.randint(150, 600))
                if r.random() < 0.5:
                    key2 = w.num.blocks[(w.num.blocks.index(key) + 1) % len(w.num.blocks)]
                    dial += w.num.block_numbers(key2, 0, r.randint(100, 400))
                gap = (1, 8)
            elif variant == "burst_random":
                dial = [r.choice(targets).number for _ in range(r.randint(150, 500))]
                gap = (3, 20)
            elif variant == "slow_rotating":
                dial = [r.choice(targets).number for _ in range(r.randint(10, 40))]
                gap = (5 * MIN, 50 * MIN)
            else:
                dial = [r.choice(targets).number for _ in range(r.randint(30, 100))]
                gap = (20, 120)
            for callee in dial:
                if t >= w.clock.horizon:
                    break
                s = w.by_number.get(callee)
                if s is None:
                    if w.num.is_unallocated_home(callee):
                        em.add(variant, t, False, x, callee, 0.0, FAILED, None, None)
                    t += r.randint(*gap)
                    continue
                sms = variant == "sms_lure" and r.random() < 0.6
                if sms:
                    em.add(variant, t, True, x, callee, 0.0, ANSWERED, None, None)
                else:
                    u = r.random()
                    if u < 0.04:
                        em.add(variant, t, False, x, callee, r.uniform(0.5, 2.5), ANSWERED, None, None)
                    elif u < 0.06:
                        em.add(variant, t, False, x, callee, r.uniform(0.0, 1.0), BUSY, None, None)
                    else:
                        em.add(variant, t, False, x, callee, round(r.uniform(0.0, 3.0), 1), NO_ANSWER, None, None)
                if r.random() < cb_p * (2.0 if sms else 1.0):
                    delay = int(lognorm(r, 20 * MIN, 1.2))
                    tc = t + delay
                    h = (tc % DAY) // HOUR
                    if h < 6:
                        tc = (tc // DAY) * DAY + r.randint(6 * HOUR, 10 * HOUR)
                    target = premium or x
                    for _ in range(1 if r.random() < 0.8 else r.randint(2, 3)):
                        if not w.active(s, tc):
                            break
                        w.emit_sub(s, tc, False, target, r.uniform(20, 420), ANSWERED, r)
                        tc += r.randint(3 * MIN, 2 * HOUR)
                t += r.randint(*gap)
    em.label()


# ---------------------------------------------------------------- SIM boxes
_TERM_W = [1.2, 0.9, 0.6, 0.4, 0.3, 0.4, 0.6, 0.8, 1.0, 1.1, 1.2, 1.2,
           1.1, 1.0, 1.0, 1.0, 1.1, 1.2, 1.3, 1.5, 1.7, 1.8, 1.8, 1.5]


def _sessions(r: random.Random, t: int, horizon: int, on_h: tuple[int, int],
              off_h: tuple[int, int]) -> list[tuple[int, int]]:
    """Alternating periods from ``t``: a SIM in its slot for ``on_h`` hours, then out of it for ``off_h``."""
    sessions = []
    while t < horizon:
        a = t
        t += r.randint(on_h[0] * HOUR, on_h[1] * HOUR)
        sessions.append((a, t))
        t += r.randint(off_h[0] * HOUR, off_h[1] * HOUR)
    return sessions


def simboxes(w: World) -> None:
    """SIM boxes terminating international calls as on-net local calls."""
    r = w.rand("simbox")
    em = _Emitter(w, "simbox")
    variants = ["classic", "rotating_bank", "imei_spoof_slow", "mobile"]
    r.shuffle(variants)
    targets: list[str] = []
    for s in w.personal:
        targets.append(s.number)
        if s.profile == "diaspora_family":
            targets.extend([s.number] * 4)
    wmax = max(_TERM_W)
    for bi in range(max(3, round(5 * w.scale))):
        variant = variants[bi % len(variants)]
        n = {"classic": (8, 16), "rotating_bank": (10, 16), "imei_spoof_slow": (5, 10), "mobile": (4, 8)}[variant]
        n_sims = r.randint(*n)
        nums = w.num.alloc_run(n_sims, r.choice((1, 1, 3))) if r.random() < 0.7 else [w.num.alloc_home() for _ in range(n_sims)]
        em.own(nums)
        region = 0 if r.random() < 0.5 else w.geo.region()
        cell0 = w.geo.cell(region)
        cells = [cell0, w.geo.near(cell0, 1.0)] if variant == "imei_spoof_slow" else [cell0]
        k_mod = r.choice((1, 2, 4)) if variant in ("classic", "mobile") else max(1, n_sims // 4)
        modules = [w.imeis.module() for _ in range(k_mod)]
        rate = {"classic": (6, 14), "rotating_bank": (5, 10), "imei_spoof_slow": (1.5, 4), "mobile": (4, 8)}[variant]
        p_ans = r.uniform(0.6, 0.8)
        med = r.uniform(120, 360)
        quiet = r.random() < 0.5  # switch off 02:00-07:00
        start = w.fraud_start_window(r, 6.0, 6.0)
        route: list[tuple[int, str]] = []
        if variant == "mobile":
            c, t = cell0, start - HOUR
            while t < w.clock.horizon:
                route.append((t, c))
                t += r.randint(20 * MIN, 60 * MIN)
                c = w.geo.near(c, 0.6)
        family = {x: [w.stranger(r, 0.6, 0.0) for _ in range(r.randint(2, 3))] for x in nums}
        for i, x in enumerate(nums):
            lam = r.uniform(*rate)
            seen: list[str] = []
            t = start + r.randrange(15 * MIN)
            if variant == "rotating_bank":
                sessions = _sessions(r, t, w.clock.horizon, (1, 3), (1, 4))
            elif variant == "imei_spoof_slow":
                sessions = _sessions(r, t, w.clock.horizon, (2, 6), (2, 8))
            else:
                sessions = [(t, w.clock.horizon)]
            for a, b in sessions:
                if variant == "classic" or variant == "mobile":
                    imei = modules[i % len(modules)]
                elif variant == "rotating_bank":
                    imei = r.choice(modules)
                else:
                    imei = w.imeis.any()
                cell = r.choice(cells)
                if variant == "imei_spoof_slow":  # human emulation
                    for _ in range(r.randint(0, 3)):
                        te = r.randint(a, max(a + 1, b - 1))
                        if r.random() < 0.5:
                            em.add(variant, te, True, x, r.choice(nums), 0.0, ANSWERED, cell, imei)
                        else:
                            fam = r.choice(family[x])
                            d, u = w.outcome(r, fam, 0.8, 90, 0.8)
                            em.add(variant, te, False, x, fam, u, d, cell, imei)
                t = a
                while True:
                    t += int(r.expovariate(lam / 3600.0)) + 1
                    if t >= b or t >= w.clock.horizon:
                        break
                    h = (t % DAY) // HOUR
                    if quiet and 2 <= h < 7:
                        continue
                    if r.random() > _TERM_W[h] / wmax:
                        continue
                    u = r.random()
                    if seen and u < 0.08:
                        callee = r.choice(seen)
                    elif u < 0.85:
                        callee = r.choice(targets)
                    else:
                        callee = w.num.offnet_mobile(register=False)
                    disp, dur = w.outcome(r, callee, p_ans, med, 0.9)
                    c = cell
                    if route:
                        j = max(0, min(len(route) - 1, sum(1 for q in route if q[0] <= t) - 1))
                        c = route[j][1]
                    em.add(variant, t, False, x, callee, dur, disp, c, imei)
                    if len(seen) < 50:
                        seen.append(callee)
                    if disp == ANSWERED and r.random() < 0.015:
                        o = w.by_number.get(callee)
                        tb = t + int(dur) + r.randint(MIN, 3 * HOUR)
                        if o is not None and w.active(o, tb):
                            w.emit_sub(o, tb, False, x, 0.0, r.choice((FAILED, FAILED, BUSY, NO_ANSWER)), r)
                    t += int(dur)
    em.label()


# ---------------------------------------------------------------- IRSF
def _iprn(w: World, r: random.Random) -> list[str]:
    """A block of consecutive international premium rate numbers."""
    pre, n = r.choice(IRSF_RANGES)
    base = f"+{pre}{digits(r, max(0, n - 2))}"
    lo = r.randrange(0, 80)
    return [f"{base}{i:02d}" for i in range(lo, lo + r.randint(5, 20))]


def irsf(w: World, plan: FraudPlan) -> None:
    """International revenue share fraud from compromised lines, hacked PBXs and fake subscriptions."""
    r = w.rand("irsf")
    em = _Emitter(w, "irsf")
    fixed: dict[str, int] = {}
    for s, t0 in plan.stolen:  # stolen handset / SIM: owner silent from t0
        ranges = [x for _ in range(r.randint(1, 3)) for x in _iprn(w, r)]
        same_phone = r.random() < 0.5
        imei = s.imei2 if (same_phone and s.imei_change <= t0) else (s.imei if same_phone else w.imeis.any())
        cell = w.geo.near(s.home, 0.5) if r.random() < 0.5 else w.geo.cell(w.geo.other_region(s.region))
        t = t0
        fixed[s.number] = t0
        for _ in range(r.randint(8, 40)):
            disp = ANSWERED if r.random() < 0.85 else r.choice((NO_ANSWER, FAILED))
            dur = min(3 * HOUR, lognorm(r, r.uniform(600, 2400), 0.6)) if disp == ANSWERED else 0.0
            em.add("stolen_line", t, False, s.number, r.choice(ranges), dur, disp, cell, imei)
            t += int(dur) + r.randint(10, 120)
            if r.random() < 0.1:
                cell = w.geo.near(cell, 0.8)
    for s, t0 in plan.slow:  # cloned SIM used a few times a night; owner keeps using the line
        ranges = _iprn(w, r)
        imei = w.imeis.any()
        cell = w.geo.cell(w.geo.other_region(s.region))
        t = t0
        fixed[s.number] = t0
        while t < w.clock.horizon:
            for _ in range(r.randint(2, 5)):
                disp = ANSWERED if r.random() < 0.9 else NO_ANSWER
                dur = lognorm(r, r.uniform(180, 480), 0.4) if disp == ANSWERED else r.uniform(20, 40)
                em.add("low_and_slow", t, False, s.number, r.choice(ranges), dur, disp, cell, imei)
                t += int(dur) + r.randint(5 * MIN, 40 * MIN)
            t += r.randint(18 * HOUR, 26 * HOUR)  # next night
    for s, t0 in plan.pbx:  # hacked PBX: many parallel channels to premium ranges
        ranges = [x for _ in range(r.randint(2, 4)) for x in _iprn(w, r)]
        chans = r.randint(5, 30)
        stop = t0 + int(r.uniform(3, 10) * HOUR)
        fixed[s.number] = t0
        for c in range(chans):
            t = t0 + (0 if c == 0 else r.randrange(20 * MIN))
            while t < stop:
                disp = ANSWERED if r.random() < 0.9 else r.choice((NO_ANSWER, BUSY, FAILED))
                dur = min(2 * HOUR, lognorm(r, r.uniform(600, 1800), 0.5)) if disp == ANSWERED else 0.0
                em.add("pbx_hack", t, False, s.number, r.choice(ranges), dur, disp, None, None)
                t += int(dur) + r.randint(2, 30)
    for _ in range(max(2, round(4 * w.scale))):  # subscription fraud: fresh SIMs, parallel via conference
        nums = w.num.alloc_run(r.randint(1, 3), 1)
        em.own(nums)
        region = w.geo.region()
        ranges = [x for _ in range(r.randint(1, 3)) for x in _iprn(w, r)]
        t0 = _night_start(w, r) if r.random() < 0.6 else w.fraud_start_window(r)
        for x in nums:
            imei = w.imeis.any()
            cell = w.geo.cell(region)
            par = r.choice((1, 1, 2, 3, 4))
            budget = r.randint(20, 80)
            for c in range(par):
                t = t0 + r.randrange(10 * MIN)
                for _ in range(budget // par):
                    disp = ANSWERED if r.random() < 0.85 else r.choice((NO_ANSWER, FAILED))
                    dur = min(2 * HOUR, lognorm(r, r.uniform(400, 1800), 0.6)) if disp == ANSWERED else 0.0
                    em.add("subscription_parallel" if par > 1 else "subscription", t, False, x,
                           r.choice(ranges), dur, disp, cell, imei)
                    t += int(dur) + r.randint(5, 300)
    em.label(fixed)


# ---------------------------------------------------------------- takeover
def takeovers(w: World, plan: FraudPlan) -> None:
    """SIM swap: the number moves to the fraudster's handset elsewhere, OTPs arrive."""
    r = w.rand("takeover")
    em = _Emitter(w, "takeover")
    fixed: dict[str, int] = {}
    for s, t0, variant in plan.takeover:
        fixed[s.number] = t0
        imei = w.imeis.any()
        if r.random() < 0.6:
            cell = w.geo.cell(w.geo.other_region(s.region))
        else:
            cell = w.geo.cell(s.region)
        # one-time passwords from banks / wallets
        senders = r.sample(w.a2p["bank"] + w.a2p["ewallet"], r.randint(1, 3))
        t = t0 + r.randint(3 * MIN, 40 * MIN)
        for _ in range(r.randint(2, 6)):
            w.emit_in(t, True, r.choice(senders), s.number, 0.0, ANSWERED, "a2p_sender")
            t += r.randint(30, 600)
        if r.random() < 0.4:
            t2 = t + r.randint(1 * HOUR, 6 * HOUR)
            for _ in range(r.randint(1, 3)):
                w.emit_in(t2, True, r.choice(senders), s.number, 0.0, ANSWERED, "a2p_sender")
                t2 += r.randint(30, 300)
        t += r.randint(1 * MIN, 20 * MIN)
        if variant == "delayed_contacts":
            t += int(r.uniform(1, 4) * HOUR)

        def out(tt: int, sms: bool, callee: str, p_ans: float = 0.7, med: float = 90.0) -> int:
            nonlocal cell
            if sms:
                em.add(variant, tt, True, s.number, callee, 0.0, ANSWERED, cell, imei)
                return tt
            d, u = w.outcome(r, callee, p_ans, med, 0.8)
            em.add(variant, tt, False, s.number, callee, u, d, cell, imei)
            if r.random() < 0.1:
                cell = w.geo.near(cell, 0.8)
            return tt + int(u)

        if variant == "wallet_drain":
            hotline = w.a2p["bank"][0]
            for _ in range(r.randint(1, 3)):
                t = out(t, False, hotline, 0.95, 180) + r.randint(2 * MIN, 30 * MIN)
            for _ in range(r.randint(1, 4)):
                t = out(t, True, w.num.offnet_mobile(register=False)) + r.randint(MIN, 20 * MIN)
        elif variant in ("contacts_scam", "delayed_contacts"):
            n_sms = r.randint(8, 40) if variant == "contacts_scam" else r.randint(5, 15)
            n_call = r.randint(3, 12) if variant == "contacts_scam" else r.randint(1, 5)
            span = int(r.uniform(1, 6) * HOUR)
            acts = [(t + r.randrange(span), True) for _ in range(n_sms)] + [(t + r.randrange(span), False) for _ in range(n_call)]
            acts.sort()
            cum = s.contacts_cum
            for ta, sms in acts:
                c = pick(r, s.contacts, cum) if r.random() < 0.4 else r.choice(s.contacts)
                out(ta, sms, c)
                if sms and r.random() < 0.3:
                    w.sms_back(ta + r.randint(60, 1800), c, s.number, r)
        else:  # monetise: premium international and strangers
            ranges = _iprn(w, r)
            for _ in range(r.randint(5, 20)):
                if r.random() < 0.6:
                    t = out(t, False, r.choice(ranges), 0.9, 900) + r.randint(10, 120)
                else:
                    t = out(t, r.random() < 0.4, w.stranger(r, 0.4, 0.0), 0.5, 40) + r.randint(30, 600)
    em.label(fixed)
    for s, t0, _v in plan.takeover:
        if s.number not in em.first:  # nothing outbound fitted in the window: still label the swap
            w.reg.fraud(s.number, "takeover", _v, t0)


# ---------------------------------------------------------------- robocalls
def robocalls(w: World) -> None:
    """Pre-recorded call blasting: range-scanning SIMs, spoofed off-net callers, random dialling."""
    r = w.rand("robocall")
    em = _Emitter(w, "robocall")
    targets = [s.number for s in w.subs if s.home is not None]

    def play(callee: str, p_ans: float, msg: float) -> tuple[str, float]:
        if w.num.is_unallocated_home(callee):
            return FAILED, 0.0
        o = w.by_number.get(callee)
        if o is None and callee.startswith("+63") and r.random() < 0.1:
            return FAILED, 0.0
        u = r.random()
        if u < p_ans:
            return ANSWERED, (r.uniform(1.5, 8) if r.random() < 0.65 else r.uniform(8, msg))
        if u < p_ans + 0.05:
            return BUSY, r.uniform(0, 2)
        return NO_ANSWER, r.uniform(12, 25)

    for _ in range(max(1, round(2 * w.scale))):  # range-scanning SIM groups on a dialler
        nums = w.num.alloc_run(r.randint(3, 5), 1)
        em.own(nums)
        region = w.geo.region()
        cell = w.geo.cell(region)
        module = w.imeis.module()
        shared = r.random() < 0.5
        h0, h1 = r.choice(((9, 20), (8, 21), (10, 19)))
        start = _start_in_hours(w, r, h0, h1 - 2)
        p_ans, msg = r.uniform(0.3, 0.5), r.uniform(15, 40)
        key_i = r.randrange(len(w.num.blocks))
        for x in nums:
            imei = module if shared else w.imeis.module()
            t = start + r.randrange(10 * MIN)
            pos = r.randrange(1000)
            ki = key_i
            key_i = (key_i + 1) % len(w.num.blocks)
            budget = r.randint(800, 3000)
            while t < w.clock.horizon and budget > 0:
                budget -= 1
                if not _hours_ok(t, h0, h1):
                    t += 30 * MIN
                    continue
                if pos >= 1000:
                    pos, ki = 0, (ki + 1) % len(w.num.blocks)
                callee = f"+63{w.num.blocks[ki]}{pos:03d}"
                pos += 1
                d, u = play(callee, p_ans, msg)
                em.add("sequential_sim", t, False, x, callee, u, d, cell, imei)
                t += int(u) + r.randint(2, 8)
    for g in range(max(3, round(8 * w.scale))):  # spoofed caller IDs arriving over interconnect
        neighbour = g % 2 == 1
        start = w.fraud_start_window(r, 6.0, 4.0)
        p_ans, msg = r.uniform(0.25, 0.45), r.uniform(15, 40)
        for _ in range(r.randint(1, 3)):  # rotation: each number used then dropped
            if neighbour:
                x = _free_neighbour(w, r, r.choice(targets))
                variant = "spoofed_neighbour"
            else:
                x = w.num.landline() if r.random() < 0.6 else w.num.offnet_mobile()
                variant = "spoofed_rotating"
            em.own([x])
            t = start
            for _c in range(r.randint(60, 300)):
                callee = r.choice(targets)
                d, u = play(callee, p_ans, msg)
                em.add(variant, t, False, x, callee, u, d, None, None)
                t += r.randint(3, 40)
            start = t + r.randint(MIN, 30 * MIN)
    for _ in range(max(2, round(3 * w.scale))):  # random dialling from a single SIM in office hours
        x = w.num.alloc_home()
        em.own([x])
        cell = w.geo.cell(w.geo.region())
        imei = w.imeis.module() if r.random() < 0.6 else w.imeis.phone()
        t = _start_in_hours(w, r, 8, 18)
        rate = r.uniform(60, 150)
        p_ans, msg = r.uniform(0.3, 0.5), r.uniform(15, 40)
        while t < w.clock.horizon:
            if not _hours_ok(t, 8, 20):
                t += 30 * MIN
                continue
            callee = w.stranger(r, 0.5, 0.1)
            d, u = play(callee, p_ans, msg)
            em.add("random_dialler", t, False, x, callee, u, d, cell, imei)
            t += int(u) + int(r.expovariate(rate / 3600.0)) + 1
    em.label()


def run(w: World, plan: FraudPlan) -> None:
    """Generate every fraud typology."""
    scam_farms(w)
    wangiri(w)
    simboxes(w)
    irsf(w, plan)
    takeovers(w, plan)
    robocalls(w)

