"""Legitimate populations: people, businesses and outside callers.

Every profile draws its own parameters; several are deliberate hard
negatives (couriers, call centres with multi-SIM gateways, dispatchers,
clinic auto-diallers, PBX trunks, handset changes, travel, diaspora and
seafarer families calling abroad, load retailers texting many strangers).
"""
from __future__ import annotations

import bisect
import random
from dataclasses import dataclass

from .core import (ANSWERED, BUSY, DAY, FAILED, HOUR, MIN, NO_ANSWER, lognorm, pick,
                   poisson, profile, profile_from, times, zipf_cum)
from .numbering import BUSINESS_WEIGHTS, DIASPORA_WEIGHTS, ROAMING_MCC_MNC
from .world import Sub, World, is_mobile_ph

_ZIPF: dict[int, list[float]] = {}


def _zc(n: int) -> list[float]:
    c = _ZIPF.get(n)
    if c is None:
        c = _ZIPF[n] = zipf_cum(n, 1.0)
    return c


def _clip(x: float, lo: float, hi: float) -> float:
    return lo if x < lo else hi if x > hi else x


_JOINT: dict[tuple[int, int], list[float]] = {}


def joint_profile(tz: int, shift: int) -> list[float]:
    """Hours (Manila time) when both a Manila caller and a party at UTC+tz are awake."""
    key = (tz, shift)
    c = _JOINT.get(key)
    if c is None:
        from .core import PROFILES
        ph = PROFILES["personal_we"]
        ws = []
        for h in range(24):
            hf = (h - 8 + tz) % 24
            ws.append(ph[(h - shift) % 24] * ph[hf] + 0.02)
        c = _JOINT[key] = profile_from(ws)
    return c


# ---------------------------------------------------------------- primitives
def voice(w: World, r: random.Random, s: Sub, t: int, callee: str, p_ans: float, med: float,
          sig: float = 1.0, redial: float = 0.35, cb: float = 0.3) -> int:
    """A call by s with redial or callback after a miss; returns its end time."""
    disp, dur = w.outcome(r, callee, p_ans, med, sig)
    w.emit_sub(s, t, False, callee, dur, disp, r)
    end = t + int(dur)
    if disp in (NO_ANSWER, BUSY):
        if r.random() < redial:
            t2 = end + r.randint(20, 600)
            if w.active(s, t2):
                d2, u2 = w.outcome(r, callee, p_ans, med, sig)
                w.emit_sub(s, t2, False, callee, u2, d2, r)
        elif r.random() < cb:
            w.call_back(r, end + r.randint(60, 3600), callee, s.number, 0.85, med, sig)
    return end


def text(w: World, r: random.Random, s: Sub, t: int, callee: str, reply: float) -> None:
    """An SMS by s, maybe answered by the other party."""
    bad = w.num.is_unallocated_home(callee) or not (is_mobile_ph(callee) or callee[1:3] != "63")
    disp = FAILED if bad or r.random() < 0.01 else ANSWERED
    w.emit_sub(s, t, True, callee, 0.0, disp, r)
    if disp == ANSWERED and is_mobile_ph(callee) and r.random() < reply:
        t2 = t + int(lognorm(r, 90, 1.0)) + 5
        w.sms_back(t2, callee, s.number, r)
        if r.random() < reply * 0.6:
            t3 = t2 + int(lognorm(r, 80, 1.0)) + 5
            if w.active(s, t3):
                w.emit_sub(s, t3, True, callee, 0.0, ANSWERED, r)


def day_factor(w: World, day: int, we: float, sat: float | None = None, sun: float | None = None) -> float:
    """Volume multiplier of a day for a profile."""
    k = w.clock.kind(day)
    if k == "wd":
        return 1.0
    if k == "sat":
        return we if sat is None else sat
    return we if sun is None else sun


# ---------------------------------------------------------------- A2P senders
A2P_KINDS = (("bank", 3), ("ewallet", 2), ("delivery_app", 2), ("promo", 2), ("government", 1))


def setup_a2p(w: World) -> None:
    """Application-to-person SMS senders (OTP, notices, promos)."""
    for kind, n in A2P_KINDS:
        nums = [w.num.landline() for _ in range(n)]
        for x in nums:
            w.reg.legit(x, "a2p_sender", kind)
        w.a2p[kind] = nums


def a2p_traffic(w: World) -> None:
    """OTPs, delivery notices and promo blasts to subscribers."""
    r = w.rand("a2p")
    people = w.personal
    for day in range(w.clock.days):
        for s in people:
            n_otp = poisson(r, 0.18)
            for t in times(r, day, n_otp, profile("personal_wd")):
                if w.active(s, t):
                    snd = r.choice(w.a2p["bank"] + w.a2p["ewallet"])
                    w.emit_in(t, True, snd, s.number, 0.0, ANSWERED, "a2p_sender")
                    if r.random() < 0.3:
                        w.emit_in(t + r.randint(40, 300), True, snd, s.number, 0.0, ANSWERED, "a2p_sender")
            if r.random() < 0.06:
                t = day * DAY + r.randint(8 * HOUR, 20 * HOUR)
                if w.active(s, t):
                    w.emit_in(t, True, r.choice(w.a2p["delivery_app"]), s.number, 0.0, ANSWERED, "a2p_sender")
        for snd in w.a2p["promo"]:
            share = r.uniform(0.12, 0.3)
            t0 = day * DAY + r.randint(10 * HOUR, 17 * HOUR)
            span = r.randint(20 * MIN, 90 * MIN)
            for s in people:
                if r.random() < share:
                    t = t0 + r.randrange(span)
                    if w.active(s, t):
                        disp = ANSWERED if r.random() < 0.97 else FAILED
                        w.emit_in(t, True, snd, s.number, 0.0, disp, "a2p_sender")
        if r.random() < 0.5:  # weather / disaster advisory to a region
            snd = w.a2p["government"][0]
            reg = w.geo.region()
            t0 = day * DAY + r.randint(6 * HOUR, 19 * HOUR)
            for s in people:
                if s.region == reg and r.random() < 0.8:
                    t = t0 + r.randrange(40 * MIN)
                    if w.active(s, t):
                        w.emit_in(t, True, snd, s.number, 0.0, ANSWERED, "a2p_sender")


# ---------------------------------------------------------------- people
def setup_people(w: World) -> None:
    """Draw per-person parameters, errands, travel, handset changes and routes."""
    r = w.rand("people-setup")
    H = w.clock.horizon
    for s in w.personal:
        p = s.p
        p["voice"] = _clip(lognorm(r, 2.4, 0.75), 0.1, 30)
        p["sms"] = _clip(lognorm(r, 5.0, 0.95), 0.0, 90)
        p["stranger"] = r.uniform(0.02, 0.14)
        p["dur"] = r.uniform(35, 110)
        p["we"] = r.uniform(0.7, 1.35)
        p["shift"] = float(r.choice((-1, 0, 0, 0, 1, 1, 2)))
        share_off = len(s.offnet) / max(1, len(s.contacts))
        p["in_voice"] = p["voice"] * share_off * r.uniform(0.5, 1.1)
        p["in_sms"] = p["sms"] * share_off * r.uniform(0.4, 1.0)
        p["reply"] = r.uniform(0.2, 0.7)
        p["group"] = r.uniform(0.0, 0.12)
        p["intl"] = r.uniform(0.01, 0.06)
        p["intl_dur"] = r.uniform(3, 15) * 60
        p["scale"] = 1.0
        if s.twin is not None:  # the promo / data SIM: mostly texts
            p["voice"] *= 0.4
            p["scale"] = r.uniform(0.3, 0.8)
        if s.profile == "diaspora_family":
            p["intl"] = r.uniform(0.25, 1.2)
            p["intl_dur"] = r.uniform(6, 25) * 60
        elif s.profile == "frequent_international":
            p["intl"] = r.uniform(0.3, 1.2)
            p["intl_dur"] = r.uniform(2.5, 8) * 60
        elif s.profile == "seafarer_family":
            p["intl"] = r.uniform(0.15, 0.7)
            p["intl_dur"] = r.uniform(2, 6) * 60
        elif s.profile in ("courier", "taxi_driver"):
            p["scale"] = r.uniform(0.4, 0.8)
        elif s.profile in ("small_business", "load_retailer"):
            p["scale"] = r.uniform(0.6, 1.0)
            s.work = s.work or w.geo.near(s.home, 0.5)
            s.work_hours = (r.randint(6, 9), r.randint(18, 21))
            s.work_sat = True
        w.plan_errands(s, r)
        if s.profile == "traveller":
            s.travel_at = r.randint(3 * HOUR, max(4 * HOUR, H - 3 * HOUR))
            s.errands = [e for e in s.errands if e[1] < s.travel_at - HOUR]
            if r.random() < 0.25:
                c = r.choice(list(ROAMING_MCC_MNC))
                s.travel_home = w.geo.roaming_cell(c)
                p["roam"] = 1.0
                w.reg.rows[s.number].variant = "roaming_abroad"
            else:
                dest = w.geo.other_region(s.region)
                s.travel_home = w.geo.cell(dest)
                s.travel_work = w.geo.near(s.travel_home, 0.5) if r.random() < 0.4 else None
                w.reg.rows[s.number].variant = "domestic_trip"
            s.errands.append((s.travel_at - HOUR, s.travel_at, w.geo.near(s.home, 0.2)))
            s.errands.sort()
        elif s.profile == "new_handset":
            s.imei_change = r.randint(2 * HOUR, max(3 * HOUR, H - 2 * HOUR))
            s.imei2 = w.imeis.phone()
            if r.random() < 0.45:
                p["otp_after_change"] = 1.0
            if r.random() < 0.3:  # bought it at the mall
                s.errands.append((s.imei_change - HOUR, s.imei_change + HOUR, w.geo.near(s.home, 0.3)))
                s.errands.sort()
        elif s.profile in ("courier", "taxi_driver"):
            _routes(w, r, s)


def _routes(w: World, r: random.Random, s: Sub) -> None:
    """Daily moving routes for couriers and drivers."""
    p = s.p
    if s.profile == "courier":
        p["start"] = r.randint(7, 9) * HOUR + r.randrange(HOUR)
        p["end"] = r.randint(17, 21) * HOUR
        p["sunday"] = 1.0 if r.random() < 0.4 else 0.0
        step = (8 * MIN, 35 * MIN)
    else:
        if r.random() < 0.6:
            p["start"], p["end"] = r.randint(4, 7) * HOUR, r.randint(16, 19) * HOUR
        else:
            p["start"], p["end"] = r.randint(13, 16) * HOUR, r.randint(24, 27) * HOUR
        p["sunday"] = 1.0 if r.random() < 0.7 else 0.0
        step = (5 * MIN, 25 * MIN)
    for day in range(w.clock.days):
        if w.clock.kind(day) == "sun" and not p["sunday"]:
            continue
        a, b = day * DAY + int(p["start"]), day * DAY + int(p["end"])
        cell = w.geo.near(s.home, 0.5)
        t = a
        while t < b:
            s.track_t.append(t)
            s.track_c.append(cell)
            t += r.randint(*step)
            cell = w.geo.near(cell, 0.65)
        s.track_win.append((a, b))


def people_traffic(w: World) -> None:
    """Everyday calls and texts of all personal subscribers."""
    r = w.rand("people")
    for s in w.personal:
        for day in range(w.clock.days):
            _person_day(w, r, s, day)
        if "otp_after_change" in s.p:
            t = s.imei_change + r.randint(2 * MIN, 30 * MIN)
            snd = r.choice(w.a2p["ewallet"] + w.a2p["bank"])
            for _ in range(r.randint(1, 3)):
                w.emit_in(t, True, snd, s.number, 0.0, ANSWERED, "a2p_sender")
                t += r.randint(30, 400)


def _person_day(w: World, r: random.Random, s: Sub, day: int) -> None:
    p = s.p
    k = w.clock.kind(day)
    shift = int(p["shift"])
    prof = profile("personal_we" if k != "wd" else "personal_wd", shift)
    f = (p["we"] if k != "wd" else 1.0) * p["scale"]
    end = s.legit_end
    roam = "roam" in p
    for t in times(r, day, poisson(r, p["voice"] * f), prof):
        if t >= end:
            break
        if roam and t >= s.travel_at and r.random() < 0.6:
            continue  # roaming: fewer calls
        if r.random() < p["stranger"] or not s.contacts:
            callee = w.stranger(r)
        else:
            callee = pick(r, s.contacts, s.contacts_cum)
        voice(w, r, s, t, callee, 0.8, p["dur"])
    for t in times(r, day, poisson(r, p["sms"] * f), prof):
        if t >= end:
            break
        callee = w.stranger(r, 0.5, 0.0) if r.random() < 0.02 or not s.contacts else pick(r, s.contacts, s.contacts_cum)
        text(w, r, s, t, callee, p["reply"])
    if s.contacts and r.random() < p["group"] * f:  # forwarded greeting / chain text
        t = times(r, day, 1, prof)[0]
        n = min(len(s.contacts), r.randint(5, 25))
        for c in r.sample(s.contacts, n):
            if t >= end:
                break
            text(w, r, s, t, c, p["reply"] * 0.3)
            t += r.randint(3, 25)
    if s.offnet:
        cum = _zc(len(s.offnet))
        for t in times(r, day, poisson(r, p["in_voice"] * f), prof):
            if t >= end:
                break
            caller = pick(r, s.offnet, cum)
            disp, dur = w.outcome(r, s.number, 0.8, p["dur"], 1.0)
            w.emit_in(t, False, caller, s.number, dur, disp)
        for t in times(r, day, poisson(r, p["in_sms"] * f), prof):
            if t >= end:
                break
            caller = pick(r, s.offnet, cum)
            if is_mobile_ph(caller):
                w.emit_in(t, True, caller, s.number, 0.0, ANSWERED)
                if r.random() < p["reply"]:
                    t2 = t + int(lognorm(r, 90, 1.0)) + 5
                    if w.active(s, t2):
                        w.emit_sub(s, t2, True, caller, 0.0, ANSWERED, r)
    for num, tz in s.foreign:
        sat = num.startswith("+87") or num.startswith("+88")
        cum = joint_profile(tz, shift)
        for t in times(r, day, poisson(r, p["intl"] * f), cum):
            if t >= end:
                break
            pa = 0.45 if sat else 0.72
            disp, dur = w.outcome(r, num, pa, p["intl_dur"], 0.7)
            w.emit_sub(s, t, False, num, dur, disp, r)
            if disp != ANSWERED and r.random() < 0.4:
                t2 = t + r.randint(2 * MIN, 20 * MIN)
                d2, u2 = w.outcome(r, num, pa, p["intl_dur"], 0.7)
                if w.active(s, t2):
                    w.emit_sub(s, t2, False, num, u2, d2, r)
        n_in = poisson(r, p["intl"] * f * (0.3 if sat else r.uniform(0.6, 1.4)))
        for t in times(r, day, n_in, cum):
            if t >= end:
                break
            if not sat and r.random() < 0.15:  # "missed call" culture: ring once, get called back
                w.emit_in(t, False, num, s.number, r.uniform(0.5, 4.0), NO_ANSWER, "foreign_contact")
                t2 = t + r.randint(1 * MIN, 15 * MIN)
                if w.active(s, t2):
                    w.emit_sub(s, t2, False, num, min(4 * HOUR, lognorm(r, p["intl_dur"], 0.6)), ANSWERED, r)
                continue
            disp, dur = w.outcome(r, s.number, 0.85, p["intl_dur"], 0.7)
            w.emit_in(t, False, num, s.number, dur, disp, "foreign_contact")
        if not sat and r.random() < p["intl"] * f * 0.8:
            t = times(r, day, 1, cum)[0]
            if t < end:
                w.emit_in(t, True, num, s.number, 0.0, ANSWERED, "foreign_contact")
                if r.random() < 0.5 and w.active(s, t + 120):
                    w.emit_sub(s, t + r.randint(30, 900), True, num, 0.0, ANSWERED, r)


# ---------------------------------------------------------------- couriers & shops
def courier_traffic(w: World) -> None:
    """Delivery riders: many short calls to customers while moving."""
    r = w.rand("courier")
    for s in w.personal:
        if s.profile != "courier":
            continue
        calls_day = _clip(lognorm(r, 38, 0.45), 12, 130)
        p_ans = r.uniform(0.55, 0.85)
        med = r.uniform(18, 45)
        sms_p = r.uniform(0.1, 0.6)
        sat = r.uniform(0.7, 1.15)
        for a, b in s.track_win:
            day = a // DAY
            f = day_factor(w, day, sat, sat, 0.6)
            n = poisson(r, calls_day * f / 1.5)
            for t in sorted(r.randrange(a, b) for _ in range(n)):
                cust = w.stranger(r, 0.45, 0.02)
                if r.random() < 0.1:
                    w.call_back(r, t - r.randint(10 * MIN, 2 * HOUR), cust, s.number, 0.8, 40, 0.8)
                for attempt in range(r.choice((1, 2, 3))):
                    disp, dur = w.outcome(r, cust, p_ans, med, 0.8)
                    w.emit_sub(s, t, False, cust, dur, disp, r)
                    if disp == ANSWERED:
                        break
                    t += int(dur) + r.randint(40, 240)
                else:
                    if r.random() < sms_p:
                        text(w, r, s, t + 30, cust, 0.2)
                    if r.random() < 0.25:
                        w.call_back(r, t + r.randint(2 * MIN, 40 * MIN), cust, s.number, 0.8, 30, 0.8)


def shop_traffic(w: World) -> None:
    """Small-business owners and prepaid-load retailers."""
    r = w.rand("shops")
    for s in w.personal:
        if s.profile == "small_business":
            suppliers = [w.num.landline() if r.random() < 0.4 else w.stranger(r, 0.4, 0.0)
                         for _ in range(r.randint(4, 15))]
            customers = [w.stranger(r, 0.5, 0.05) for _ in range(r.randint(20, 80))]
            ccum = zipf_cum(len(customers), 0.8)
            scum = zipf_cum(len(suppliers), 1.0)
            calls = _clip(lognorm(r, 12, 0.5), 4, 40)
            sms = _clip(lognorm(r, 12, 0.6), 2, 60)
            med = r.uniform(50, 150)
            for day in range(w.clock.days):
                f = day_factor(w, day, 1.0, r.uniform(0.6, 1.1), r.uniform(0.0, 0.5))
                prof = profile("retail")
                for t in times(r, day, poisson(r, calls * f), prof):
                    u = r.random()
                    callee = (pick(r, suppliers, scum) if u < 0.35 else
                              pick(r, customers, ccum) if u < 0.75 else w.stranger(r, 0.45, 0.1))
                    voice(w, r, s, t, callee, 0.75, med, 0.9)
                for t in times(r, day, poisson(r, sms * f), prof):
                    text(w, r, s, t, pick(r, customers, ccum) if r.random() < 0.7 else w.stranger(r, 0.5, 0.0), 0.3)
                for t in times(r, day, poisson(r, calls * f * 0.6), prof):
                    c = pick(r, customers, ccum) if r.random() < 0.6 else w.stranger(r, 0.45, 0.05)
                    w.call_back(r, t, c, s.number, 0.8, med, 0.9)
        elif s.profile == "load_retailer":
            customers = [w.stranger(r, 0.6, 0.0) for _ in range(r.randint(50, 300))]
            ccum = zipf_cum(len(customers), 0.7)
            n_day = _clip(lognorm(r, 60, 0.5), 20, 180)
            for day in range(w.clock.days):
                f = day_factor(w, day, r.uniform(0.9, 1.3), None, r.uniform(0.5, 1.0))
                for t in times(r, day, poisson(r, n_day * f), profile("retail")):
                    c = pick(r, customers, ccum)
                    if r.random() < 0.5:
                        w.sms_back(t - r.randint(30, 600), c, s.number, r)
                    text(w, r, s, t, c, 0.15)


# ---------------------------------------------------------------- call centres
@dataclass
class _Centre:
    kind: str
    agents: list[Sub]
    hours: tuple[int, int]
    sat: str
    p_ans: float
    med: float
    cph: float
    sms: float
    cb: float


@dataclass
class _Company:
    lines: list[Sub]
    h24: bool
    jobs: float


class CallCentres:
    """Outbound telemarketing / collections / care teams, some on multi-SIM gateways."""

    KINDS = {  # kind: (p_answer range, duration median range)
        "telemarketing": ((0.3, 0.5), (45, 120)),
        "collections": ((0.35, 0.55), (80, 220)),
        "customer_care": ((0.6, 0.8), (110, 300)),
        "survey": ((0.3, 0.45), (150, 420)),
    }

    def __init__(self, w: World) -> None:
        self.w = w
        r = self.r = w.rand("call_centre")
        self.centres: list[_Centre] = []
        n = max(1, round(10 * w.scale))
        for _ in range(n):
            kind = r.choice(list(self.KINDS))
            n_agents = r.randint(8, 45) if w.scale >= 0.25 else r.randint(4, 10)
            region = 0 if r.random() < 0.6 else w.geo.region()
            cell = w.geo.cell(region)
            cells = [cell, w.geo.near(cell, 1.0)]
            numbers = w.num.alloc_run(n_agents, r.choice((1, 1, 2, 3)))
            gateway = r.random() < 0.5
            variant = kind + ("_gateway" if gateway else "_handsets")
            modules: list[str] = []
            ports = r.choice((2, 4, 4, 8, 8, 16))
            if gateway:
                modules = [w.imeis.module() for _ in range(-(-n_agents // ports))]
            agents = []
            for i, num in enumerate(numbers):
                imei = modules[i // ports] if gateway else w.imeis.phone()
                s = w.add_sub("call_centre", region, num, home=cells[0] if gateway else r.choice(cells),
                              imei=imei, variant=variant)
                s.answer_p = 0.6
                agents.append(s)
            self.centres.append(_Centre(
                kind, agents, r.choice(((8, 17), (9, 18), (8, 20), (10, 21), (7, 16))),
                r.choice(("off", "half", "full")), r.uniform(*self.KINDS[kind][0]),
                r.uniform(*self.KINDS[kind][1]), r.uniform(6, 14), r.uniform(0.0, 0.3),
                r.uniform(0.02, 0.08)))

    def run(self) -> None:
        """Generate the centres' traffic."""
        w, r = self.w, self.r
        for c in self.centres:
            agents = c.agents
            kind = c.kind
            debtors = [w.stranger(r, 0.5, 0.02) for _ in range(len(agents) * 30)] if kind == "collections" else []
            dcum = zipf_cum(len(debtors), 0.6) if debtors else []
            h0, h1 = c.hours
            for day in range(w.clock.days):
                k = w.clock.kind(day)
                if k == "sun" or (k == "sat" and c.sat == "off"):
                    continue
                end_h = h1 if k == "wd" or c.sat == "full" else min(h1, h0 + 4)
                for s in agents:
                    if r.random() < 0.06:
                        continue  # day off
                    t = day * DAY + h0 * HOUR + r.randrange(40 * MIN)
                    stop = day * DAY + end_h * HOUR - r.randrange(30 * MIN)
                    lunch = day * DAY + r.choice((11, 12, 13)) * HOUR
                    cph = c.cph * r.uniform(0.7, 1.3)
                    while t < stop:
                        if lunch <= t < lunch + HOUR:
                            t = lunch + HOUR + r.randrange(10 * MIN)
                            continue
                        callee = pick(r, debtors, dcum) if debtors and r.random() < 0.8 else w.stranger(r, 0.5, 0.03)
                        disp, dur = w.outcome(r, callee, c.p_ans, c.med, 0.9)
                        w.emit_sub(s, t, False, callee, dur, disp, r)
                        if disp == ANSWERED and r.random() < c.sms:
                            text(w, r, s, t + int(dur) + r.randint(10, 120), callee, 0.05)
                        if disp != FAILED and r.random() < c.cb:
                            w.call_back(r, t + r.randint(5 * MIN, 3 * HOUR), callee, s.number, 0.6, 120, 0.8)
                        t += int(dur) + int(r.expovariate(cph / 3600.0)) + r.randint(5, 60)


# ---------------------------------------------------------------- taxi dispatch
class TaxiDispatch:
    """Dispatch desks calling drivers and passengers, passengers booking by phone."""

    def __init__(self, w: World) -> None:
        self.w = w
        r = self.r = w.rand("taxi")
        self.companies: list[_Company] = []
        for _ in range(max(1, round(4 * w.scale))):
            region = 0 if r.random() < 0.5 else w.geo.region()
            cell = w.geo.cell(region)
            fixed_terminal = r.random() < 0.5
            lines = []
            for num in w.num.alloc_run(r.randint(2, 5), 1):
                s = w.add_sub("taxi_dispatch", region, num, home=cell,
                              imei=w.imeis.module() if fixed_terminal else w.imeis.phone())
                s.answer_p = 0.92
                lines.append(s)
            self.companies.append(_Company(lines, r.random() < 0.5, r.uniform(2, 7)))

    def run(self) -> None:
        """Generate dispatch traffic."""
        w, r = self.w, self.r
        drivers_all = [s for s in w.personal if s.profile == "taxi_driver"]
        for i, c in enumerate(self.companies):
            drivers = drivers_all[i::len(self.companies)] or w.personal[:5]
            dcum = zipf_cum(len(drivers), 0.8)
            lines = c.lines
            prof = profile("dispatch")
            for day in range(w.clock.days):
                for ln in lines:
                    n = poisson(r, c.jobs * 24 * day_factor(w, day, 1.15))
                    for t in times(r, day, n, prof):
                        hr = (t % DAY) // HOUR
                        if not c.h24 and hr < 5:
                            continue
                        if r.random() < 0.6:  # booking call from a passenger
                            pax = w.stranger(r, 0.5, 0.05)
                            w.call_back(r, t, pax, ln.number, 0.95, 50, 0.6)
                            t += r.randint(60, 240)
                        else:
                            pax = w.stranger(r, 0.5, 0.0)
                        drv = drivers[min(len(drivers) - 1, bisect.bisect_left(dcum, r.random()))]
                        if r.random() < 0.85:
                            disp, dur = w.outcome(r, drv.number, 0.92, 25, 0.6)
                            w.emit_sub(ln, t, False, drv.number, dur, disp, r)
                        if r.random() < 0.4:
                            text(w, r, ln, t + r.randint(30, 200), pax, 0.05)
                        if r.random() < 0.3:
                            voice(w, r, ln, t + r.randint(5 * MIN, 25 * MIN), pax, 0.8, 30, 0.6, 0.5, 0.0)
                        if r.random() < 0.25 and w.active(drv, t):
                            disp, dur = w.outcome(r, ln.number, 0.9, 30, 0.6)
                            w.emit_sub(drv, t + r.randint(10 * MIN, 40 * MIN), False, ln.number, dur, disp, r)
                        if r.random() < 0.15:
                            voice(w, r, drv, t + r.randint(3 * MIN, 20 * MIN), pax, 0.8, 30, 0.6, 0.3, 0.2)


# ---------------------------------------------------------------- clinics
class ClinicReminders:
    """Clinics' auto-diallers reading appointment reminders in office hours."""

    def __init__(self, w: World) -> None:
        self.w = w
        r = self.r = w.rand("clinic")
        self.lines: list[Sub] = []
        for _ in range(max(2, round(28 * w.scale))):
            region = w.geo.region()
            variant = "sms_then_call" if r.random() < 0.35 else "dialler"
            s = w.add_sub("clinic_reminder", region, home=w.geo.cell(region),
                          imei=w.imeis.module() if r.random() < 0.6 else w.imeis.phone(), variant=variant)
            s.answer_p = 0.7
            s.p.update({"sms_first": 1.0 if variant == "sms_then_call" else 0.0,
                        "msg": r.uniform(18, 40), "timeout": r.uniform(20, 32),
                        "p_ans": r.uniform(0.55, 0.8), "gap": r.uniform(4, 25),
                        "sat": 1.0 if r.random() < 0.5 else 0.0})
            s.p["runs"] = float(r.choice((1, 2, 2, 3)))
            self.lines.append(s)

    def run(self) -> None:
        """Generate the reminder runs."""
        w, r = self.w, self.r
        for s in self.lines:
            p = s.p
            carry: list[str] = []
            for day in range(w.clock.days):
                k = w.clock.kind(day)
                if k == "sun" or (k == "sat" and not p["sat"]):
                    continue
                starts = [9, 14, 16][: int(p["runs"])] if k == "wd" else [9]
                for h in starts:
                    t = day * DAY + h * HOUR + r.randrange(30 * MIN)
                    patients = carry + [w.stranger(r, 0.5, 0.03) for _ in range(r.randint(15, 90))]
                    carry = []
                    for pt in patients:
                        if p["sms_first"]:
                            text(w, r, s, t, pt, 0.1)
                            t += r.randint(2, 8)
                            if r.random() < 0.5:
                                continue
                        disp, dur = w.outcome(r, pt, p["p_ans"], p["msg"], 0.05)
                        if disp == ANSWERED and r.random() < 0.2:
                            dur = r.uniform(3, 12)  # hung up early
                        elif disp == NO_ANSWER:
                            dur = p["timeout"] + r.uniform(-0.5, 0.5)
                            if len(carry) < 40:
                                carry.append(pt)
                        w.emit_sub(s, t, False, pt, dur, disp, r)
                        if disp != FAILED and r.random() < 0.06:
                            w.call_back(r, t + r.randint(10 * MIN, 3 * HOUR), pt, s.number, 0.7, 60, 0.8)
                        t += int(dur) + int(p["gap"] * r.uniform(0.7, 1.3)) + 3


# ---------------------------------------------------------------- PBX trunks
class PbxTrunks:
    """Enterprise PBX trunks on fixed numbers (no cell, no IMEI)."""

    def __init__(self, w: World) -> None:
        self.w = w
        r = self.r = w.rand("pbx")
        self.trunks: list[Sub] = []
        self.partners: dict[str, list[str]] = {}
        for _ in range(max(2, round(13 * w.scale))):
            u = r.random()
            variant = "office" if u < 0.6 else "bpo_night" if u < 0.85 else "hotel"
            s = w.add_sub("pbx_trunk", 0 if r.random() < 0.7 else w.geo.region(),
                          number=w.num.home_fixed(), home=None, imei=None, variant=variant)
            s.answer_p = 0.9
            ch = {"office": (4, 20), "bpo_night": (10, 40), "hotel": (4, 12)}[variant]
            s.p.update({"channels": float(r.randint(*ch)), "per_ch": r.uniform(5, 16),
                        "intl": r.uniform(0.05, 0.15), "med": r.uniform(90, 240)})
            s.p["variant"] = {"office": 0.0, "bpo_night": 1.0, "hotel": 2.0}[variant]
            partners = [w.num.foreign_mobile(c) for c in r.choices(list(BUSINESS_WEIGHTS),
                        list(BUSINESS_WEIGHTS.values()), k=r.randint(5, 30))]
            self.partners[s.number] = partners
            self.trunks.append(s)

    def run(self) -> None:
        """Generate trunk traffic."""
        w, r = self.w, self.r
        for s in self.trunks:
            p = s.p
            v = int(p["variant"])
            partners = self.partners[s.number]
            pcum = zipf_cum(len(partners), 1.0)
            clients = [w.stranger(r, 0.35, 0.4) for _ in range(int(p["channels"] * 15))]
            ccum = zipf_cum(len(clients), 0.7)
            for day in range(w.clock.days):
                k = w.clock.kind(day)
                if v == 0:
                    f = day_factor(w, day, 0.0, 0.25, 0.03)
                    n = poisson(r, p["channels"] * p["per_ch"] * f)
                    ts = times(r, day, n, profile("office_wd" if k == "wd" else "office_sat"))
                elif v == 1:  # US daytime = Manila night
                    f = day_factor(w, day, 1.0, 0.8, 0.2)
                    n = poisson(r, p["channels"] * p["per_ch"] * 0.8 * f)
                    ts = sorted(day * DAY + 20 * HOUR + r.randrange(10 * HOUR) for _ in range(n))
                else:
                    n = poisson(r, p["channels"] * p["per_ch"] * 0.4)
                    ts = times(r, day, n, profile("personal_we"))
                for t in ts:
                    if v == 1:
                        callee = w.num.foreign_mobile("US", register=False) if r.random() < 0.9 else w.stranger(r)
                        disp, dur = w.outcome(r, callee, r.uniform(0.45, 0.6), r.uniform(240, 480), 0.8)
                    elif r.random() < p["intl"] * (2.0 if v == 2 else 1.0):
                        if v == 2:
                            cc = r.choices(list(DIASPORA_WEIGHTS), list(DIASPORA_WEIGHTS.values()))[0]
                            callee = w.num.foreign_mobile(cc, register=False)
                        else:
                            callee = pick(r, partners, pcum)
                        disp, dur = w.outcome(r, callee, 0.75, p["med"] * 1.5, 0.8)
                    else:
                        callee = pick(r, clients, ccum) if r.random() < 0.6 else w.stranger(r, 0.4, 0.3)
                        disp, dur = w.outcome(r, callee, 0.75, p["med"], 0.9)
                    w.emit_sub(s, t, False, callee, dur, disp)
                    if v != 1 and disp != FAILED and r.random() < 0.05:
                        w.call_back(r, t + r.randint(5 * MIN, 2 * HOUR), callee, s.number, 0.9, p["med"], 0.9)


# ---------------------------------------------------------------- outside businesses
def offnet_businesses(w: World) -> None:
    """Other networks' telemarketers and couriers calling our subscribers."""
    r = w.rand("offnet-biz")
    people = w.personal
    for _ in range(max(2, round(12 * w.scale))):
        num = w.num.landline() if r.random() < 0.5 else w.num.offnet_mobile()
        w.reg.legit(num, "offnet_telemarketer")
        per_day = r.uniform(15, 80)
        p_ans = r.uniform(0.3, 0.55)
        med = r.uniform(40, 150)
        for day in range(w.clock.days):
            k = w.clock.kind(day)
            f = day_factor(w, day, 0.0, 0.4, 0.0)
            for t in times(r, day, poisson(r, per_day * f), profile("office_wd" if k == "wd" else "office_sat")):
                s = people[r.randrange(len(people))]
                disp, dur = w.outcome(r, s.number, p_ans, med, 0.9)
                w.emit_in(t, False, num, s.number, dur, disp, "offnet_telemarketer")
    for _ in range(max(5, round(120 * w.scale))):
        num = w.num.offnet_mobile()
        w.reg.legit(num, "offnet_courier")
        for day in range(w.clock.days):
            if w.clock.kind(day) == "sun" and r.random() < 0.6:
                continue
            for t in times(r, day, r.randint(2, 14), profile("retail")):
                s = people[r.randrange(len(people))]
                for _a in range(r.choice((1, 1, 2))):
                    disp, dur = w.outcome(r, s.number, 0.75, 30, 0.8)
                    w.emit_in(t, False, num, s.number, dur, disp, "offnet_courier")
                    if disp == ANSWERED:
                        break
                    t += int(dur) + r.randint(30, 200)
                if r.random() < 0.3:
                    w.emit_in(t + 20, True, num, s.number, 0.0, ANSWERED, "offnet_courier")

