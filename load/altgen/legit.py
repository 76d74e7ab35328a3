"""Legitimate population: subscribers, contact lists, profiles and their behaviours."""

from __future__ import annotations

import bisect
import math
import random
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Iterator

from .world import (
    COUNTRIES, DIASPORA_WEIGHTS, HOME_CC, HOME_MNCS, REGIONS, ROAMING_WEIGHTS, SHAPES, CellPlan, Numbering,
    Region, Shape, imei, local_hour_weekday, nhpp, weighted_choice,
)

# Operators that put the ringing time of unanswered calls into duration_s; the others write 0.
RING_RECORDING_MNCS = frozenset({"050", "140"})


@dataclass
class Sub:
    idx: int
    number: str
    region: Region
    mnc: str
    profile: str
    imei: str
    home_cell: str
    work_cell: str
    other_cells: list[str]
    contacts: list[str] = field(default_factory=list)
    cum_weights: list[float] = field(default_factory=list)
    # behaviour parameters
    per_day: float = 5.0
    sms_share: float = 0.2
    p_contact: float = 0.88
    dur_mu: float = 4.3
    dur_sigma: float = 1.0
    p_answer: float = 0.74
    shape: Shape | None = None
    # changes over time
    imei2: str | None = None
    imei_change_t: float = math.inf
    roam: tuple[float, float, str] | None = None  # start, end, country key
    travel: tuple[float, Region] | None = None  # from time t the subscriber is in another home region
    stop_t: float = math.inf  # the owner stops using the line (SIM swapped away)
    responsive: bool = True  # calls back / replies to messages
    extra: dict = field(default_factory=dict)

    @property
    def records_ring(self) -> bool:
        return self.mnc in RING_RECORDING_MNCS


class Population:
    """All subscribers and the lookup tables behaviours need."""

    def __init__(self, rng: random.Random, numbering: Numbering, cells: CellPlan, subscribers: int,
                 start: float, end: float) -> None:
        self.rng = rng
        self.numbering = numbering
        self.cells = cells
        self.start = start
        self.end = end
        self.subs: list[Sub] = []
        self.by_number: dict[str, Sub] = {}
        self.reserved: set[int] = set()  # indices used by fraud (takeover victims etc.)
        self.foreign_callers: dict[str, int] = {}  # relatives abroad who call in -> their UTC offset
        mnc_weights = [rng.uniform(0.5, 1.5) for _ in HOME_MNCS]
        mnc_weights[0] *= 2.5  # one dominant operator
        region_w = [r.weight for r in REGIONS]
        for i in range(subscribers):
            region = rng.choices(REGIONS, region_w)[0]
            mnc = rng.choices(HOME_MNCS, mnc_weights)[0]
            cl = cells.of(region, mnc)
            sub = Sub(
                idx=i, number=numbering.mx(region), region=region, mnc=mnc, profile="ordinary",
                imei=imei(rng), home_cell=rng.choice(cl), work_cell=rng.choice(cl),
                other_cells=rng.sample(cl, min(len(cl), rng.randint(1, 6))),
            )
            self.subs.append(sub)
            self.by_number[sub.number] = sub
        self._contacts()

    # -- contact lists: households and workplaces inside a region, friends mostly local -------------------
    def _contacts(self) -> None:
        rng = self.rng
        by_region: dict[str, list[Sub]] = {}
        for s in self.subs:
            by_region.setdefault(s.region.name, []).append(s)
        circles: dict[int, list[tuple[str, float]]] = {s.idx: [] for s in self.subs}
        for members in by_region.values():
            for kind, lo, hi, weight in (("family", 2, 6, 6.0), ("work", 3, 18, 1.5)):
                order = members[:]
                rng.shuffle(order)
                i = 0
                while i < len(order):
                    size = rng.randint(lo, hi)
                    group = order[i:i + size]
                    i += size
                    for a in group:
                        for b in group:
                            if a is not b:
                                circles[a.idx].append((b.number, weight * rng.uniform(0.3, 1.7)))
        all_subs = self.subs
        for s in self.subs:
            local = by_region[s.region.name]
            friends = rng.randint(2, 14)
            for _ in range(friends):
                other = rng.choice(local) if rng.random() < 0.8 else rng.choice(all_subs)
                if other is not s:
                    circles[s.idx].append((other.number, rng.paretovariate(1.3)))
            for _ in range(rng.randint(0, 4)):  # off-net mobiles and landlines (shops, doctor, school)
                circles[s.idx].append((self.offnet(s.region), rng.uniform(0.2, 1.0)))
            if rng.random() < 0.12:
                circles[s.idx].append((self.numbering.foreign(COUNTRIES[weighted_choice(rng, DIASPORA_WEIGHTS)]),
                                       rng.uniform(0.3, 2.0)))
            pairs = circles[s.idx]
            # one "favourite" contact takes a big share of the traffic (partner, mother)
            if pairs:
                j = rng.randrange(len(pairs))
                pairs[j] = (pairs[j][0], pairs[j][1] + rng.uniform(4, 15))
            s.contacts = [p[0] for p in pairs]
            s.cum_weights = list(accumulate(p[1] for p in pairs))

    def offnet(self, region: Region) -> str:
        """A number outside the population (other operator, landline); not registered, never calls."""
        rng = self.rng
        area = rng.choice(region.area_codes)
        return "+" + HOME_CC + area + "".join(str(rng.randrange(10)) for _ in range(10 - len(area)))

    def pick(self, rng: random.Random, profiles: tuple[str, ...] = ("ordinary",), exclude_reserved: bool = True) -> Sub:
        while True:
            s = self.subs[rng.randrange(len(self.subs))]
            if s.profile in profiles and not (exclude_reserved and s.idx in self.reserved):
                return s


# ------------------------------------------------------------------------------------------------------------
# context of a subscriber at time t: offset, cell, imei


def ctx(sub: Sub, t: float, rng: random.Random, cells: CellPlan) -> tuple[int, str | None, str]:
    handset = sub.imei2 if (sub.imei2 is not None and t >= sub.imei_change_t) else sub.imei
    if sub.roam is not None and sub.roam[0] <= t < sub.roam[1]:
        country = COUNTRIES[sub.roam[2]]
        pool = cells.foreign[sub.roam[2]]
        return country.offset_min, pool[(sub.idx + int(rng.random() * 3)) % len(pool)], handset
    region = sub.region
    if sub.travel is not None and t >= sub.travel[0]:
        region = sub.travel[1]
        cl = cells.of(region, sub.mnc)
        return region.offset_min, cl[(sub.idx * 7 + int(rng.random() * 4)) % len(cl)], handset
    route = sub.extra.get("route")
    if route is not None:  # on the move all day
        leg = sub.extra["leg_s"]
        return region.offset_min, route[int((t - sub.extra["t0"]) // leg) % len(route)], handset
    if rng.random() < 0.025:
        return region.offset_min, None, handset  # VoWiFi / IMS: no serving cell in the record
    h, wd = local_hour_weekday(t, region.offset_min)
    u = rng.random()
    if wd < 5 and 9 <= h < 18 and sub.profile != "night_shift":
        cell = sub.work_cell if u < 0.8 else rng.choice(sub.other_cells)
    else:
        cell = sub.home_cell if u < 0.85 else rng.choice(sub.other_cells)
    return region.offset_min, cell, handset


def _answered_dur(rng: random.Random, mu: float, sigma: float, cap: float = 5400) -> int:
    return max(1, min(int(cap), int(rng.lognormvariate(mu, sigma))))


def _unanswered(rng: random.Random, sub: Sub, p_answer: float) -> tuple[str, int]:
    """Disposition and duration of a voice attempt (answered duration filled by the caller)."""
    u = rng.random()
    if u < p_answer:
        return "answered", -1
    u = (u - p_answer) / (1 - p_answer)
    if u < 0.62:
        return "no_answer", (int(rng.uniform(12, 42)) if sub.records_ring else 0)
    if u < 0.88:
        return "busy", 0
    return "failed", 0


class Legit:
    """Behaviours of legitimate profiles; each returns batches for ``entity.drive``."""

    def __init__(self, pop: Population, start: float, end: float) -> None:
        self.pop = pop
        self.cells = pop.cells
        self.start = start
        self.end = end

    def ev(self, rng, sub: Sub, t: float, callee: str, rtype: str, dur: int, disp: str) -> tuple:
        off, cell, handset = ctx(sub, t, rng, self.cells)
        return (int(t), rtype, sub.number, callee, dur, disp, off, cell, handset)

    def _voice(self, rng, sub: Sub, t: float, callee: str, mu: float, sigma: float, p_answer: float) -> tuple:
        disp, dur = _unanswered(rng, sub, p_answer)
        if disp == "answered":
            dur = _answered_dur(rng, mu, sigma)
        return self.ev(rng, sub, t, callee, "voice", dur, disp)

    def _sms(self, rng, sub: Sub, t: float, callee: str) -> tuple:
        return self.ev(rng, sub, t, callee, "sms", 0, "answered" if rng.random() > 0.01 else "failed")

    def _contact(self, rng, sub: Sub) -> str:
        x = rng.random() * sub.cum_weights[-1]
        return sub.contacts[bisect.bisect_right(sub.cum_weights, x) if x < sub.cum_weights[-1] else -1]

    def _stranger(self, rng, sub: Sub) -> str:
        if rng.random() < 0.45:
            return self.pop.subs[rng.randrange(len(self.pop.subs))].number
        return self.pop.offnet(sub.region if rng.random() < 0.8 else rng.choice(REGIONS))

    def _reactions(self, rng, sub: Sub, ev: tuple) -> list[tuple]:
        """Callbacks, retries and SMS replies caused by one event."""
        out: list[tuple] = []
        t, rtype, _, callee, _, disp = ev[:6]
        other = self.pop.by_number.get(callee)
        if other is not None and (not other.responsive or t >= other.stop_t):
            other = None
        if rtype == "voice" and disp in ("no_answer", "busy"):
            if other is not None and rng.random() < 0.45:
                t2 = t + 20 + rng.expovariate(1 / 1200)
                if t2 < other.stop_t:
                    out.append(self._voice(rng, other, t2, sub.number, other.dur_mu, other.dur_sigma, 0.85))
            elif rng.random() < 0.3:
                out.append(self._voice(rng, sub, t + rng.uniform(45, 900), callee, sub.dur_mu, sub.dur_sigma,
                                       sub.p_answer))
        elif rtype == "sms" and other is not None and rng.random() < 0.55:
            a, b = other, sub
            tt = t
            for _ in range(rng.randint(1, 5)):
                tt += rng.uniform(8, 600)
                if tt >= a.stop_t:
                    break
                out.append(self._sms(rng, a, tt, b.number))
                a, b = b, a
                if rng.random() < 0.35:
                    break
        return out

    # -- generic person ------------------------------------------------------------------------------------
    def person(self, sub: Sub, rng: random.Random) -> Iterator[list[tuple]]:
        shape = sub.shape
        intl = sub.extra.get("intl")  # international caller: list of (number, weight)
        end = min(self.end, sub.stop_t)

        def intensity(t: float) -> float:
            off = ctx_offset(sub, t)
            return shape.at(t, off)

        for t in nhpp(rng, max(self.start, sub.extra.get("active_from", self.start)), end, sub.per_day, intensity,
                      shape.peak):
            roaming = sub.roam is not None and sub.roam[0] <= t < sub.roam[1]
            if intl and rng.random() < sub.extra["p_intl"]:
                callee = intl[rng.randrange(len(intl))]
                if rng.random() < 0.12:
                    ev = self._sms(rng, sub, t, callee)
                else:
                    ev = self._voice(rng, sub, t, callee, sub.extra["intl_mu"], 0.8, 0.8)
                batch = [ev]
                off = self.pop.foreign_callers.get(callee)
                if off is not None and rng.random() < 0.4:  # the relative calls back later (inbound from abroad)
                    t2 = t + 60 + rng.expovariate(1 / 10800)
                    if rng.random() < 0.7:
                        disp, dur = "answered", _answered_dur(rng, sub.extra["intl_mu"], 0.8)
                    else:
                        disp, dur = rng.choice(("no_answer", "no_answer", "busy")), 0
                    batch.append((int(t2), "voice", callee, sub.number, dur, disp, off, None, None))
                yield batch
                continue
            if roaming and rng.random() < 0.25:
                callee = self.pop.numbering.foreign(COUNTRIES[sub.roam[2]]) if rng.random() < 0.3 else \
                    self._contact(rng, sub)  # local taxi/hotel vs home
            elif rng.random() < sub.p_contact:
                callee = self._contact(rng, sub)
            else:
                callee = self._stranger(rng, sub)
            if rng.random() < sub.sms_share:
                ev = self._sms(rng, sub, t, callee)
            else:
                ev = self._voice(rng, sub, t, callee, sub.dur_mu, sub.dur_sigma, sub.p_answer)
            yield [ev] + self._reactions(rng, sub, ev)

    # -- courier: many short calls to customers while moving across many cells ------------------------------
    def courier(self, sub: Sub, rng: random.Random) -> Iterator[list[tuple]]:
        shape = sub.shape
        customers: list[str] = []
        for t in nhpp(rng, self.start, self.end, sub.per_day, lambda t: shape.at(t, sub.region.offset_min),
                      shape.peak):
            u = rng.random()
            if u < 0.15:
                callee = self._contact(rng, sub)  # depot, family
            elif u < 0.35 and customers:
                callee = rng.choice(customers[-8:])  # calling back the same customer
            else:
                callee = self._stranger(rng, sub)
                customers.append(callee)
            if rng.random() < sub.sms_share:
                yield [self._sms(rng, sub, t, callee)]
            else:
                ev = self._voice(rng, sub, t, callee, 3.3, 0.6, 0.68)
                yield [ev] + self._reactions(rng, sub, ev)

    # -- call centre line: many calls from one building, office hours ---------------------------------------
    def call_centre(self, sub: Sub, rng: random.Random) -> Iterator[list[tuple]]:
        shape = sub.shape
        cell_main, cell_alt = sub.extra["cells"]
        t = self.start
        for t in nhpp(rng, self.start, self.end, sub.per_day, lambda t: shape.at(t, sub.region.offset_min),
                      shape.peak):
            if rng.random() < 0.1 and sub.extra["book"]:
                callee = rng.choice(sub.extra["book"])  # follow-up with an existing customer
            else:
                callee = self._stranger(rng, sub)
            disp, dur = _unanswered(rng, sub, sub.p_answer)
            if disp == "answered":
                dur = int(rng.lognormvariate(sub.dur_mu, 0.9)) + 5
            cell = cell_main if rng.random() < 0.93 else cell_alt
            batch = [(int(t), "voice", sub.number, callee, min(dur, 7200), disp, sub.region.offset_min, cell,
                      sub.imei)]
            customer = self.pop.by_number.get(callee)
            if customer is not None and customer.responsive and rng.random() < sub.extra["p_back"]:
                t2 = t + 60 + rng.expovariate(1 / 5400)  # "you called me?" / returning a missed call
                if t2 < customer.stop_t:
                    batch.append(self._voice(rng, customer, t2, sub.number, 4.6, 0.9, 0.8))
            yield batch

    # -- taxi dispatch: drivers (fixed pool) and customers, around the clock --------------------------------
    def taxi(self, sub: Sub, rng: random.Random) -> Iterator[list[tuple]]:
        shape = sub.shape
        drivers = sub.extra["drivers"]
        cell = sub.home_cell
        for t in nhpp(rng, self.start, self.end, sub.per_day, lambda t: shape.at(t, sub.region.offset_min),
                      shape.peak):
            if rng.random() < 0.7:
                callee = drivers[int(rng.triangular(0, len(drivers), 0))]
                if rng.random() < 0.3:
                    yield [(int(t), "sms", sub.number, callee, 0, "answered", sub.region.offset_min, cell, sub.imei)]
                    continue
                disp, dur = _unanswered(rng, sub, 0.88)
                dur = int(rng.uniform(6, 45)) if disp == "answered" else dur
            else:
                callee = self._stranger(rng, sub)  # "your taxi is outside"
                disp, dur = _unanswered(rng, sub, 0.7)
                dur = int(rng.uniform(5, 30)) if disp == "answered" else dur
            yield [(int(t), "voice", sub.number, callee, dur, disp, sub.region.offset_min, cell, sub.imei)]

    # -- hotline: calls back people who called in (many distinct callees, some international) ---------------
    def hotline(self, sub: Sub, rng: random.Random) -> Iterator[list[tuple]]:
        shape = sub.shape
        inbound = nhpp(rng, self.start, self.end, sub.per_day * sub.extra["inbound_ratio"],
                       lambda t: shape.at(t, sub.region.offset_min), shape.peak)
        next_in = next(inbound, None)
        for t in nhpp(rng, self.start, self.end, sub.per_day, lambda t: shape.at(t, sub.region.offset_min),
                      shape.peak):
            while next_in is not None and next_in <= t:
                caller = self.pop.subs[rng.randrange(len(self.pop.subs))]
                if caller.responsive and next_in < caller.stop_t:
                    yield [self._voice(rng, caller, next_in, sub.number, 5.0, 0.8, 0.7)]
                next_in = next(inbound, None)
            if rng.random() < 0.06:
                callee = self.pop.numbering.foreign(COUNTRIES[weighted_choice(rng, DIASPORA_WEIGHTS)])
            else:
                callee = self._stranger(rng, sub)
            if rng.random() < 0.2:
                yield [(int(t), "sms", sub.number, callee, 0, "answered", sub.region.offset_min, sub.home_cell,
                        sub.imei)]
                continue
            disp, dur = _unanswered(rng, sub, 0.62)
            if disp == "answered":
                dur = _answered_dur(rng, 5.2, 0.8)
            yield [(int(t), "voice", sub.number, callee, dur, disp, sub.region.offset_min, sub.home_cell, sub.imei)]

    # -- bulk SMS sender (delivery notices, appointment reminders): many SMS to distinct numbers ------------
    def bulk_sms(self, sub: Sub, rng: random.Random) -> Iterator[list[tuple]]:
        shape = sub.shape
        for t in nhpp(rng, self.start, self.end, sub.per_day, lambda t: shape.at(t, sub.region.offset_min),
                      shape.peak):
            callee = self.pop.subs[rng.randrange(len(self.pop.subs))].number if rng.random() < 0.6 else \
                self.pop.offnet(rng.choice(REGIONS))
            disp = "answered" if rng.random() < 0.96 else "failed"
            yield [(int(t), "sms", sub.number, callee, 0, disp, sub.region.offset_min, None, None)]


def ctx_offset(sub: Sub, t: float) -> int:
    if sub.roam is not None and sub.roam[0] <= t < sub.roam[1]:
        return COUNTRIES[sub.roam[2]].offset_min
    if sub.travel is not None and t >= sub.travel[0]:
        return sub.travel[1].offset_min
    return sub.region.offset_min


# ------------------------------------------------------------------------------------------------------------
# assigning profiles


def _person_params(rng: random.Random, sub: Sub, shape_name: str | None = None) -> None:
    sub.per_day = min(40.0, rng.lognormvariate(math.log(5.5), 0.6))
    sub.sms_share = rng.betavariate(1.5, 4.5)
    sub.p_contact = rng.uniform(0.78, 0.96)
    sub.dur_mu = rng.uniform(3.6, 5.0)
    sub.dur_sigma = rng.uniform(0.7, 1.2)
    sub.p_answer = rng.uniform(0.62, 0.85)
    name = shape_name or rng.choices(("standard", "early", "evening"), (0.55, 0.2, 0.25))[0]
    sub.shape = Shape(SHAPES[name], weekend=rng.uniform(0.7, 1.25), sunday=rng.uniform(0.5, 1.0),
                      shift=rng.choice((-1, 0, 0, 0, 1)))


def assign_profiles(pop: Population, rng: random.Random, start: float, end: float) -> dict[str, int]:
    """Give every subscriber a profile and its parameters; returns counts per profile."""
    n = len(pop.subs)
    scale = n / 20000
    order = list(range(n))
    rng.shuffle(order)
    cursor = 0

    def take(k: int) -> list[Sub]:
        nonlocal cursor
        out = [pop.subs[i] for i in order[cursor:cursor + k]]
        cursor += k
        return out

    horizon = end - start
    # business lines first (they come in groups)
    for _ in range(max(1, round(rng.uniform(3, 5) * scale))):
        lines = take(rng.randint(6, 18))
        if not lines:
            break
        region = lines[0].region
        cl = pop.cells.of(region, lines[0].mnc)
        cells = rng.sample(cl, 2)
        book = [pop.offnet(region) for _ in range(rng.randint(20, 80))]
        per_day = rng.uniform(70, 220)
        block = pop.numbering.mx_block(region, len(lines))  # lines are a block of DIDs
        for s, number in zip(lines, block):
            del pop.by_number[s.number]
            s.number = number
            pop.by_number[number] = s
        for s in lines:
            s.profile = "call_centre"
            s.region, s.mnc = region, lines[0].mnc
            s.per_day = per_day * rng.uniform(0.7, 1.3)
            s.p_answer = rng.uniform(0.3, 0.5)
            s.dur_mu = rng.uniform(4.0, 5.3)
            s.shape = Shape(SHAPES["business"], weekend=rng.uniform(0.0, 0.45), sunday=0.0,
                            shift=rng.choice((0, 0, 1)))
            s.extra = {"cells": cells, "book": book, "p_back": rng.uniform(0.03, 0.12)}
    for _ in range(max(1, round(rng.uniform(5, 9) * scale))):
        for s in take(rng.randint(1, 3)):
            s.profile = "taxi_dispatch"
            s.per_day = rng.uniform(50, 160)
            s.shape = Shape(SHAPES["taxi"], weekend=rng.uniform(0.9, 1.4))
            s.extra = {"drivers": [pop.subs[rng.randrange(n)].number if rng.random() < 0.7 else pop.offnet(s.region)
                                   for _ in range(rng.randint(15, 60))]}
    for s in take(max(1, round(rng.uniform(6, 12) * scale))):
        s.profile = "hotline"
        s.per_day = rng.uniform(30, 120)
        s.extra = {"inbound_ratio": rng.uniform(1.5, 4.0)}
        s.shape = Shape(SHAPES["business"], weekend=rng.uniform(0.3, 0.9), shift=rng.choice((0, 1, 2)))
    for s in take(max(1, round(rng.uniform(2, 4) * scale))):
        s.profile = "bulk_sms"
        s.per_day = rng.uniform(150, 900)
        s.shape = Shape(SHAPES[rng.choice(("business", "standard", "flat"))], weekend=rng.uniform(0.4, 1.0))
    for s in take(round(n * rng.uniform(0.006, 0.01))):
        s.profile = "courier"
        _person_params(rng, s)
        s.per_day = rng.uniform(22, 75)
        s.sms_share = rng.uniform(0.05, 0.3)
        s.shape = Shape(SHAPES["courier"], weekend=rng.uniform(0.3, 1.0), sunday=rng.uniform(0.0, 0.3))
        cl = pop.cells.of(s.region, s.mnc)
        s.extra = {"route": rng.sample(cl, min(len(cl), rng.randint(10, 30))), "leg_s": rng.uniform(600, 2400),
                   "t0": start + rng.uniform(0, 3600)}
    for s in take(round(n * rng.uniform(0.01, 0.015))):
        s.profile = "small_business"
        _person_params(rng, s, "business")
        s.per_day = rng.uniform(10, 40)
        s.p_contact = rng.uniform(0.55, 0.8)
        s.shape = Shape(SHAPES["business"], weekend=rng.uniform(0.2, 0.8), sunday=0.1)
        if rng.random() < 0.3:
            s.extra = {"intl": [pop.numbering.foreign(COUNTRIES[k]) for k in
                                rng.sample(("us_east", "us_west", "china", "spain", "colombia", "canada"), 2)],
                       "p_intl": rng.uniform(0.03, 0.12), "intl_mu": 5.0}
    for s in take(round(n * rng.uniform(0.025, 0.035))):
        s.profile = "international_caller"
        _person_params(rng, s, "evening")
        keys = [weighted_choice(rng, DIASPORA_WEIGHTS) for _ in range(rng.randint(1, 3))]
        intl = []
        for k in keys:
            for _ in range(rng.randint(1, 3)):
                number = pop.numbering.foreign(COUNTRIES[k])
                intl.append(number)
                pop.foreign_callers[number] = COUNTRIES[k].offset_min
        s.extra = {"intl": intl, "p_intl": rng.uniform(0.3, 0.7), "intl_mu": rng.uniform(5.5, 6.8)}
    for s in take(round(n * rng.uniform(0.015, 0.025))):
        s.profile = "roaming"
        _person_params(rng, s)
        a = start + rng.uniform(-0.5, 0.6) * horizon
        s.roam = (a, a + rng.uniform(0.4, 2.0) * horizon, weighted_choice(rng, ROAMING_WEIGHTS))
    for s in take(round(n * rng.uniform(0.03, 0.05))):
        s.profile = "texter"
        _person_params(rng, s, "evening")
        s.per_day *= rng.uniform(2, 5)
        s.sms_share = rng.uniform(0.7, 0.95)
    for s in take(round(n * rng.uniform(0.015, 0.025))):
        s.profile = "night_shift"
        _person_params(rng, s, "night")
    for s in take(round(n * rng.uniform(0.004, 0.007))):
        s.profile = "handset_upgrade"
        _person_params(rng, s)
        s.imei2 = imei(rng)
        s.imei_change_t = start + rng.uniform(0.15, 0.85) * horizon
    for s in take(round(n * rng.uniform(0.005, 0.01))):
        s.profile = "new_subscriber"  # activated inside the window: no history, new handset, calls at once
        _person_params(rng, s)
        s.extra = {"active_from": start + rng.uniform(0.05, 0.9) * horizon}
        s.per_day *= rng.uniform(1.0, 2.0)  # telling everybody the new number
        s.responsive = False  # nobody can reach them before activation; keep it simple
    duals = take(2 * round(n * rng.uniform(0.005, 0.01)))
    for a, b in zip(duals[0::2], duals[1::2]):
        # one dual-SIM phone, two lines (personal + work): one IMEI per slot, consecutive serials
        tac = a.imei[:8]
        serial = int(a.imei[8:14])
        b.imei = imei(rng, tac, serial + 1)
        b.region = a.region  # same place; the second line is often on another operator, so other cells
        if b.mnc == a.mnc:
            b.home_cell, b.work_cell, b.other_cells = a.home_cell, a.work_cell, a.other_cells
        else:
            cl = pop.cells.of(a.region, b.mnc)
            b.home_cell, b.work_cell, b.other_cells = rng.choice(cl), rng.choice(cl), rng.sample(cl, 3)
        for x in (a, b):
            x.profile = "dual_sim"
            _person_params(rng, x)
    for s in pop.subs:
        if s.profile == "ordinary":
            _person_params(rng, s)
            if rng.random() < 0.01:  # domestic trip (possibly to another time zone), same handset
                s.travel = (start + rng.uniform(0.1, 0.9) * horizon, rng.choice(REGIONS))
            if rng.random() < 0.1:
                s.responsive = False
    counts: dict[str, int] = {}
    for s in pop.subs:
        if s.profile in ("call_centre", "taxi_dispatch", "hotline", "bulk_sms"):
            s.responsive = False  # nobody's personal phone: no callbacks or SMS replies from these lines
        counts[s.profile] = counts.get(s.profile, 0) + 1
    return counts


def behaviour(legit: Legit, sub: Sub):
    return {
        "courier": legit.courier, "call_centre": legit.call_centre, "taxi_dispatch": legit.taxi,
        "hotline": legit.hotline, "bulk_sms": legit.bulk_sms,
    }.get(sub.profile, legit.person)
