"""Fraud typologies with randomised parameters.

Each ``plan_*`` function draws the campaign-level parameters, registers the fraud numbers (with
``fraud_start`` = time of their first fraudulent record) and returns ``(behaviour, label rows, campaign
description)``; behaviours are generators of event batches for ``entity.drive``.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Callable, Iterator

from .legit import Legit, Population, Sub, ctx
from .world import (
    COUNTRIES, GATEWAY_TACS, REGIONS, SHAPES, TACS, Region, Shape, imei, local_hour_weekday, nhpp,
)

RING_MNCS = frozenset({"050", "140"})


@dataclass
class FraudNumber:
    number: str
    typology: str
    fraud_start: int
    offset_min: int


Behaviour = Callable[[], Iterator[list[tuple]]]


def _window(h0: float, h1: float, offset_min: int, weekend: float = 1.0):
    """Intensity that is 1 between local hours h0 and h1 (h1 may pass midnight), else 0."""

    def f(t: float) -> float:
        local = (t + offset_min * 60) % 86400 / 3600
        inside = (h0 <= local < h1) if h1 <= 24 else (local >= h0 or local < h1 - 24)
        if not inside:
            return 0.0
        _, wd = local_hour_weekday(t, offset_min)
        return weekend if wd >= 5 else 1.0

    return f


def _next_inside(t: float, f, step: float = 300.0, limit: float = 3 * 86400) -> float:
    """First time >= t where intensity ``f`` is positive (coarse scan)."""
    u = t
    while f(u) <= 0 and u - t < limit:
        u += step
    return u


class Fraud:
    def __init__(self, pop: Population, legit: Legit, rng: random.Random, start: float, end: float) -> None:
        self.pop = pop
        self.legit = legit
        self.rng = rng
        self.start = start
        self.end = end
        self.horizon = end - start
        self.numbering = pop.numbering
        self.cells = pop.cells

    def target(self, rng: random.Random, p_pop: float = 0.6) -> str:
        if rng.random() < p_pop:
            return self.pop.subs[rng.randrange(len(self.pop.subs))].number
        return self.pop.offnet(rng.choice(REGIONS))

    def returned_call(self, srng: random.Random, callee: str, number: str, t: float, p: float,
                      p_answer: float = 0.5) -> list[tuple]:
        """A person who missed a call from ``number`` sometimes calls it back ("who is this?")."""
        person = self.pop.by_number.get(callee)
        if person is None or not person.responsive or srng.random() >= p:
            return []
        t2 = t + 60 + srng.expovariate(1 / 3600)
        if t2 >= person.stop_t or t2 < person.extra.get("active_from", 0):
            return []
        off, cell, handset = ctx(person, t2, srng, self.cells)
        disp, dur = ("answered", srng.randint(5, 120)) if srng.random() < p_answer else ("no_answer", 0)
        return [(int(t2), "voice", person.number, number, dur, disp, off, cell, handset)]

    def when(self, lo: float, hi: float) -> float:
        return self.start + self.rng.uniform(lo, hi) * self.horizon

    # ----------------------------------------------------------------------------------------------------
    def scam_farm(self, seed: str) -> tuple[list[tuple[FraudNumber, Behaviour]], dict]:
        """SIM bank ringing people to defraud them; often low-and-slow, IMEIs rotate between SIMs."""
        rng = self.rng
        region = rng.choice(REGIONS)
        mnc = rng.choice(("020", "030", "050", "140"))
        k = rng.randint(6, 16)
        numbers = self.numbering.mx_block(region, k) if rng.random() < 0.5 else [self.numbering.mx(region)
                                                                                  for _ in range(k)]
        cells = rng.sample(self.cells.of(region, mnc), rng.randint(1, 3))
        handsets = rng.choice(("rotating", "gateway", "phones"))
        tac = rng.choice(GATEWAY_TACS)
        serial = rng.randrange(900_000)
        pool = [imei(rng) for _ in range(rng.randint(2, max(2, k // 2)))]
        slow = rng.random() < 0.6
        per_day = rng.uniform(6, 30) if slow else rng.uniform(50, 160)
        h0 = rng.uniform(8, 11)
        h1 = rng.uniform(17, 22.5)
        p_answer = rng.uniform(0.2, 0.5)
        sms = rng.uniform(0.2, 0.6) if rng.random() < 0.3 else 0.0
        p_pop = rng.uniform(0.3, 0.8)
        records_ring = mnc in RING_MNCS
        p_back = rng.uniform(0.02, 0.15)
        online = self.when(0.1, 0.6)
        intensity = _window(h0, h1, region.offset_min, weekend=rng.uniform(0.2, 1.0))
        desc = dict(typology="scam_farm", region=region.name, sims=k, handsets=handsets, slow=slow,
                    per_day=round(per_day, 1), hours=[round(h0, 1), round(h1, 1)], p_answer=round(p_answer, 2),
                    sms_share=round(sms, 2), cells=len(cells))
        out = []
        for i, number in enumerate(numbers):
            srng = random.Random(f"{seed}:{i}")
            start = _next_inside(online + srng.uniform(0, 0.25) * self.horizon, intensity)
            if start >= self.end:
                continue
            own = imei(srng, tac, serial + i) if handsets == "gateway" else imei(srng)
            later = imei(srng)
            switch = start + srng.uniform(0.1, 0.6) * self.horizon
            history = [self.start + srng.uniform(0, 1) * (start - self.start) for _ in range(srng.randint(0, 5))]
            history.sort()

            def run(number=number, srng=srng, start=start, own=own, later=later, switch=switch,
                    history=history) -> Iterator[list[tuple]]:
                friends = [self.pop.offnet(region) for _ in range(2)]
                for t in history:  # SIM activation / test calls
                    yield [(int(t), "voice", number, srng.choice(friends + [n for n in numbers[:3] if n != number]), srng.randint(5, 90),
                            "answered", region.offset_min, cells[0], own)]
                first = True
                for t in _chain([start], nhpp(srng, start + 1, self.end, per_day * srng.uniform(0.6, 1.4),
                                                intensity, 1.0)):
                    if handsets == "rotating":
                        h = srng.choice(pool)
                    elif handsets == "phones":
                        h = own if t < switch else later
                    else:
                        h = own
                    callee = self.target(srng, p_pop)
                    cell = srng.choice(cells)
                    if srng.random() < sms and not first:
                        yield [(int(t), "sms", number, callee, 0, "answered", region.offset_min, cell, h)]
                        continue
                    first = False
                    u = srng.random()
                    if u < p_answer:
                        dur = srng.randint(2, 25) if srng.random() < 0.55 else int(srng.lognormvariate(5.4, 0.7))
                        disp = "answered"
                    elif u < p_answer + (1 - p_answer) * 0.7:
                        disp, dur = "no_answer", (srng.randint(15, 40) if records_ring else 0)
                    elif u < p_answer + (1 - p_answer) * 0.9:
                        disp, dur = "busy", 0
                    else:
                        disp, dur = "failed", 0
                    batch = [(int(t), "voice", number, callee, min(dur, 5400), disp, region.offset_min, cell, h)]
                    if disp != "answered":
                        batch += self.returned_call(srng, callee, number, t, p_back)
                    yield batch

            out.append((FraudNumber(number, "scam_farm", int(start), region.offset_min), run))
        return out, desc

    # ----------------------------------------------------------------------------------------------------
    WANGIRI_ORIGINS = (  # cc + leading digits, total digit count (without "+")
        ("21629", 11), ("22245", 11), ("22507", 13), ("23177", 11), ("24381", 12), ("37529", 12),
        ("37125", 11), ("88017", 13), ("9477", 11), ("37369", 11), ("38761", 11), ("38344", 11),
        ("447418", 12), ("4857", 11), ("88216", 13), ("67575", 11), ("26134", 12), ("99470", 12),
    )

    def wangiri(self, seed: str) -> tuple[list[tuple[FraudNumber, Behaviour]], dict, list[str]]:
        """One-ring calls; a few victims call the premium number back."""
        rng = self.rng
        foreign = rng.random() < 0.65
        k = rng.randint(3, 8)
        region = rng.choice(REGIONS)
        mnc = rng.choice(("020", "030", "050", "140"))
        if foreign:
            origins = rng.sample(self.WANGIRI_ORIGINS, rng.randint(1, 3))
            numbers = []
            for i in range(k):
                pre, total = origins[i % len(origins)]
                numbers.append(self.numbering.raw(pre, total))
            offsets = [rng.choice((0, 60, 120, 180, 240, 330)) for _ in numbers]
        else:
            numbers = self.numbering.mx_block(region, k)
            offsets = [region.offset_min] * k
        cells = rng.sample(self.cells.of(region, mnc), 2)
        ring = rng.choice(("zero", "short", "mixed"))
        mode = rng.choice(("bursts", "trickle"))
        separate_premium = rng.random() < 0.3  # callback number differs from the ringing number (SMS lure)
        premium = [self.numbering.raw(rng.choice(self.IRSF_RANGES)[0], 12) for _ in range(rng.randint(1, 2))] \
            if separate_premium else []
        sms_lure = separate_premium and rng.random() < 0.5
        p_again = rng.choice((0.0, rng.uniform(0.05, 0.3)))
        p_cb = rng.uniform(0.01, 0.07)
        p_pop = rng.uniform(0.35, 0.9)
        sequential = rng.random() < 0.5
        target_region = rng.choice(REGIONS)
        night = rng.random() < 0.5
        desc = dict(typology="wangiri", foreign=foreign, ringers=k, ring=ring, mode=mode, callback_rate=round(p_cb, 3),
                    separate_premium=separate_premium, sms_lure=sms_lure, ring_again=round(p_again, 2),
                    sequential_targets=sequential, night=night)
        campaign_start = self.when(0.08, 0.65)
        nightwin = _window(rng.uniform(21, 23.5), rng.uniform(29, 31), target_region.offset_min)
        out = []
        for i, number in enumerate(numbers):
            srng = random.Random(f"{seed}:{i}")
            start = campaign_start + srng.uniform(0, 0.15) * self.horizon
            if night:
                start = _next_inside(start, nightwin, step=120)
            if start >= self.end:
                continue
            own_imei = imei(srng, rng.choice(GATEWAY_TACS)) if not foreign else None
            off = offsets[i]

            def times(srng=srng, start=start) -> Iterator[float]:
                t = start
                if mode == "bursts":
                    while t < self.end:
                        size = srng.randint(25, 260)
                        span = srng.uniform(300, 3600)
                        for j in range(size):
                            yield t + span * j / size + (srng.uniform(0, span / size) if j else 0)
                        t += span + srng.uniform(1800, 6 * 3600)
                        if night:
                            t = _next_inside(t, nightwin)
                else:
                    rate = srng.uniform(8, 45) / 3600
                    while t < self.end:
                        yield t
                        t += srng.expovariate(rate)
                        if night and nightwin(t) <= 0:
                            t = _next_inside(t, nightwin, step=120)

            def run(number=number, srng=srng, off=off, own_imei=own_imei, times=times) -> Iterator[list[tuple]]:
                walk = int(self.pop.offnet(target_region)[3:])
                for t in times():
                    if sequential and srng.random() > p_pop:
                        walk += srng.randint(1, 4)
                        callee = "+52" + str(walk)
                    else:
                        callee = self.target(srng, p_pop)
                    if ring == "zero":
                        disp, dur = "no_answer", 0
                    elif ring == "short":
                        disp, dur = "no_answer", srng.randint(1, 5)
                    else:
                        u = srng.random()
                        disp, dur = (("failed", 0) if u < 0.25 else ("answered", srng.randint(1, 2)) if u < 0.3
                                     else ("no_answer", srng.randint(0, 3)))
                    cell = None if foreign else srng.choice(cells)
                    if sms_lure:  # "please call me back urgently" + the premium number in the text
                        batch = [(int(t), "sms", number, callee, 0, "answered" if srng.random() < 0.93 else "failed",
                                  off, cell, own_imei)]
                    else:
                        batch = [(int(t), "voice", number, callee, dur, disp, off, cell, own_imei)]
                        if srng.random() < p_again:  # the same target rung again a little later
                            batch.append((int(t + srng.uniform(40, 1800)), "voice", number, callee, dur, disp, off,
                                          cell, own_imei))
                    victim = self.pop.by_number.get(callee)
                    if victim is not None and victim.responsive and srng.random() < p_cb:
                        dest = srng.choice(premium) if premium else number
                        tcb = t + 30 + srng.expovariate(1 / 2400)
                        for _ in range(1 if srng.random() < 0.75 else 2):
                            if tcb >= victim.stop_t:
                                break
                            voff, vcell, vimei = ctx(victim, tcb, srng, self.cells)
                            batch.append((int(tcb), "voice", victim.number, dest,
                                          int(srng.lognormvariate(4.6, 0.8)) + 5, "answered", voff, vcell, vimei))
                            tcb += srng.uniform(120, 3600)
                    yield batch

            out.append((FraudNumber(number, "wangiri", int(start), off), run))
        return out, desc, premium

    # ----------------------------------------------------------------------------------------------------
    def simbox(self, seed: str) -> tuple[list[tuple[FraudNumber, Behaviour]], dict]:
        """Interconnect bypass: international calls terminated as local calls from a bank of local SIMs."""
        rng = self.rng
        region = rng.choice(REGIONS)
        mnc = rng.choice(("020", "030", "050", "140"))
        k = rng.randint(4, 14)
        numbers = self.numbering.mx_block(region, k) if rng.random() < 0.4 else [self.numbering.mx(region)
                                                                                  for _ in range(k)]
        mobile = rng.random() < 0.25
        cells = rng.sample(self.cells.of(region, mnc), rng.randint(3, 5) if mobile else rng.randint(1, 2))
        handsets = rng.choice(("gateway", "gateway", "rotating", "phones"))
        tac = rng.choice(GATEWAY_TACS)
        serial = rng.randrange(900_000)
        pool = [imei(rng, tac) for _ in range(max(2, k // 2))]
        mimic = rng.random() < 0.55
        per_day = rng.uniform(12, 45) if mimic else rng.uniform(60, 220)
        shape = Shape(SHAPES[rng.choice(("standard", "evening", "business"))], weekend=rng.uniform(0.3, 1.1),
                      shift=rng.choice((-1, 0, 1))) if mimic else None
        flat = _window(rng.uniform(6, 9), rng.uniform(22, 24.5), region.offset_min)
        p_answer = rng.uniform(0.5, 0.78)
        dur_mu = math.log(rng.uniform(60, 260))
        p_repeat = rng.uniform(0.05, 0.35)
        aged = rng.random() < 0.6
        p_back = rng.uniform(0.03, 0.2)
        records_ring = mnc in RING_MNCS
        online = self.when(0.12, 0.6)
        desc = dict(typology="simbox", region=region.name, sims=k, mimic=mimic, per_day=round(per_day, 1),
                    cells=len(cells), handsets=handsets, aged=aged, p_answer=round(p_answer, 2))
        out = []

        def intensity(t: float) -> float:
            return shape.at(t, region.offset_min) if shape is not None else flat(t)

        peak = shape.peak if shape is not None else 1.0
        for i, number in enumerate(numbers):
            srng = random.Random(f"{seed}:{i}")
            start = online + srng.uniform(0, 3 * 3600)
            if mimic:
                start = _next_inside(start, lambda t: 1.0 if shape.at(t, region.offset_min) > 0.8 else 0.0)
            else:
                start = _next_inside(start, flat)
            if start >= self.end:
                continue
            own = imei(srng, tac, serial + i) if handsets == "gateway" else imei(srng)

            def run(number=number, srng=srng, start=start, own=own) -> Iterator[list[tuple]]:
                if aged:  # SIM "ageing": a little human-looking traffic before termination starts
                    pals = [self.pop.offnet(region) for _ in range(3)] + [n for n in numbers if n != number][:3]
                    for t in nhpp(srng, self.start, start, srng.uniform(1, 5), lambda t: 1.0, 1.0):
                        rt = "sms" if srng.random() < 0.4 else "voice"
                        yield [(int(t), rt, number, srng.choice(pals), 0 if rt == "sms" else srng.randint(20, 300),
                                "answered", region.offset_min, srng.choice(cells), own)]
                recent: list[str] = []
                for t in _chain([start], nhpp(srng, start + 1, self.end, per_day * srng.uniform(0.7, 1.3),
                                                intensity, peak)):
                    h = srng.choice(pool) if handsets == "rotating" else own
                    cell = srng.choice(cells)
                    if mimic and srng.random() < 0.04:
                        yield [(int(t), "sms", number, srng.choice([n for n in numbers if n != number]), 0, "answered",
                                region.offset_min, cell, h)]
                        continue
                    if recent and srng.random() < p_repeat:
                        callee = srng.choice(recent[-20:])
                    else:
                        callee = self.target(srng, 0.5)
                        recent.append(callee)
                    u = srng.random()
                    if u < p_answer:
                        disp, dur = "answered", max(3, min(5400, int(srng.lognormvariate(dur_mu, 0.9))))
                    elif u < p_answer + (1 - p_answer) * 0.6:
                        disp, dur = "no_answer", (srng.randint(20, 45) if records_ring else 0)
                    elif u < p_answer + (1 - p_answer) * 0.85:
                        disp, dur = "busy", 0
                    else:
                        disp, dur = "failed", 0
                    batch = [(int(t), "voice", number, callee, dur, disp, region.offset_min, cell, h)]
                    if disp != "answered":  # the relative's call showed a local number; some ring it back
                        batch += self.returned_call(srng, callee, number, t, p_back, p_answer=0.1)
                    yield batch

            out.append((FraudNumber(number, "simbox", int(start), region.offset_min), run))
        return out, desc

    # ----------------------------------------------------------------------------------------------------
    IRSF_RANGES = (  # premium / high-cost ranges: (cc + leading digits, total digits)
        ("5352", 10), ("25290", 12), ("22462", 12), ("23230", 11), ("23177", 11), ("2207", 10),
        ("6757", 11), ("6777", 10), ("6787", 10), ("6867", 11), ("68890", 10), ("2399", 10), ("9607", 10),
        ("37190", 11), ("370900", 11), ("43930", 12), ("4470", 12), ("39899", 12), ("48708", 11),
        ("32905", 11), ("34905", 11), ("88213", 13), ("88351", 13), ("38765", 11), ("37290", 11),
        ("7809", 11), ("99460", 12), ("2359", 11), ("21690", 11), ("1809", 11), ("1876", 11), ("1473", 11),
        ("1268", 11), ("26377", 12), ("8801", 13), ("5005", 8), ("35490", 10), ("41906", 11),
    )

    def irsf(self, seed: str) -> tuple[list[tuple[FraudNumber, Behaviour]], dict]:
        rng = self.rng
        variant = rng.choices(("hijacked", "fresh", "pbx"), (0.45, 0.3, 0.25))[0]
        if variant == "fresh":
            region = rng.choice(REGIONS)
            mnc = rng.choice(("020", "030", "050", "140"))
            number = self.numbering.mx(region)
            sub = None
            cell = rng.choice(self.cells.of(region, mnc))
            handset = imei(rng)
            offset = region.offset_min
        else:
            sub = self.pop.pick(rng, ("small_business",) if variant == "pbx" else ("ordinary", "texter", "night_shift"))
            self.pop.reserved.add(sub.idx)
            number, offset, region = sub.number, sub.region.offset_min, sub.region
            cell, handset = sub.home_cell, (sub.imei if variant == "pbx" or rng.random() < 0.6 else imei(rng))
        ranges = rng.sample(self.IRSF_RANGES, rng.randint(2, 5))
        dests: list[str] = []
        for pre, total in ranges:
            base = int(pre + "".join(str(rng.randrange(10)) for _ in range(total - len(pre))))
            for _ in range(rng.randint(2, 12)):
                base += rng.randint(1, 9)
                s = str(base)
                if len(s) == total:
                    dests.append("+" + s)
        if not dests:
            dests = ["+" + ranges[0][0] + "0" * (ranges[0][1] - len(ranges[0][0]))]
        slow = rng.random() < 0.35
        rate = rng.uniform(0.8, 4) if slow else rng.uniform(8, 70)  # calls per hour
        length = rng.uniform(6, 30) if slow else rng.uniform(0.7, 8)  # hours
        at_night = rng.random() < 0.6
        start = self.when(0.2, 0.85)
        if at_night:  # move to the next local night/weekend-ish hour
            start = _next_inside(start, _window(rng.uniform(21, 23.5), rng.uniform(25, 29), offset))
        if start >= self.end - 600:
            start = self.when(0.2, 0.8)
        dur_mu = math.log(rng.uniform(400, 2400))
        cap = rng.choice((3600, 3599, 7200, 1800, 5400))
        desc = dict(typology="irsf", variant=variant, ranges=[p for p, _ in ranges], slow=slow,
                    calls_per_hour=round(rate, 1), hours=round(length, 1), night=at_night, cap=cap)
        srng = random.Random(seed)

        def run() -> Iterator[list[tuple]]:
            if variant == "fresh":  # a little history: the fraudster tests the line
                for t in sorted(self.start + srng.uniform(0, 1) * (start - self.start) for _ in range(srng.randint(1, 6))):
                    yield [(int(t), "voice", number, self.pop.offnet(region), srng.randint(5, 120), "answered",
                            offset, cell, handset)]
            t = start
            stop = start + length * 3600
            while t < min(stop, self.end):
                u = srng.random()
                if u < 0.08:
                    disp, dur = "failed", 0
                elif u < 0.14:
                    disp, dur = "no_answer", 0
                else:
                    disp, dur = "answered", min(cap, int(srng.lognormvariate(dur_mu, 0.6)))
                    if srng.random() < 0.25:
                        dur = cap  # runs until the switch cuts it
                yield [(int(t), "voice", number, srng.choice(dests), dur, disp, offset, cell, handset)]
                t += srng.expovariate(rate / 3600) * (0.3 if srng.random() < 0.2 else 1.0)

        return [(FraudNumber(number, "irsf", int(start), offset), run)], desc

    # ----------------------------------------------------------------------------------------------------
    def takeover(self, seed: str) -> tuple[list[tuple[FraudNumber, Behaviour]], dict]:
        """SIM swap: the owner's line moves to a new handset in a new place, then new destinations."""
        rng = self.rng
        sub = self.pop.pick(rng, ("ordinary", "texter", "international_caller", "night_shift"))
        self.pop.reserved.add(sub.idx)
        swap = self.when(0.25, 0.85)
        sub.stop_t = swap
        moved = rng.random() < 0.45
        region = rng.choice(REGIONS) if moved else sub.region
        cells = rng.sample(self.cells.of(region, sub.mnc), 2)
        cells = [c for c in cells if c not in (sub.home_cell, sub.work_cell)] or cells
        new_imei = imei(rng, rng.choice(TACS + GATEWAY_TACS))
        variant = rng.choices(("bank", "contacts", "intl", "quiet"), (0.35, 0.25, 0.2, 0.2))[0]
        n_events = rng.randint(1, 3) if variant == "quiet" else rng.randint(4, 30)
        gap = rng.uniform(120, 2400)
        banks = [self.pop.offnet(REGIONS[0]) for _ in range(rng.randint(1, 3))] + \
                ["+52800" + "".join(str(rng.randrange(10)) for _ in range(7))]
        foreign = [self.numbering.foreign(COUNTRIES[rng.choice(list(COUNTRIES))]) for _ in range(rng.randint(1, 4))]
        desc = dict(typology="takeover", variant=variant, moved_region=moved, events=n_events,
                    gap_s=int(gap), victim_profile=sub.profile)
        srng = random.Random(seed)

        def run() -> Iterator[list[tuple]]:
            t = swap
            for j in range(n_events):
                if variant == "bank":
                    callee = srng.choice(banks) if srng.random() < 0.7 else self.pop.offnet(region)
                elif variant == "contacts":
                    callee = srng.choice(sub.contacts) if (sub.contacts and srng.random() < 0.6) \
                        else self.pop.offnet(region)
                elif variant == "intl":
                    callee = srng.choice(foreign)
                else:
                    callee = srng.choice(banks + foreign)
                rt = "sms" if srng.random() < (0.55 if variant == "contacts" else 0.3) else "voice"
                if rt == "sms":
                    disp, dur = "answered", 0
                else:
                    disp = "answered" if srng.random() < 0.75 else "no_answer"
                    dur = int(srng.lognormvariate(4.8, 0.9)) if disp == "answered" else 0
                yield [(int(t), rt, sub.number, callee, dur, disp, region.offset_min, srng.choice(cells), new_imei)]
                t += srng.expovariate(1 / gap) + 5

        return [(FraudNumber(sub.number, "takeover", int(swap), region.offset_min), run)], desc

    # ----------------------------------------------------------------------------------------------------
    def robocall(self, seed: str) -> tuple[list[tuple[FraudNumber, Behaviour]], dict]:
        rng = self.rng
        region = rng.choice(REGIONS)
        k = rng.randint(1, 4)
        trunk = rng.random() < 0.5
        if trunk and rng.random() < 0.5:
            numbers = ["+52800" + "".join(str(rng.randrange(10)) for _ in range(7)) for _ in range(k)]
            self.numbering.used.update(numbers)
        else:
            numbers = [self.numbering.mx(region) for _ in range(k)]
        mnc = rng.choice(("020", "030", "050", "140"))
        cell = rng.choice(self.cells.of(region, mnc))
        mean_gap = rng.uniform(4, 60)
        shape_k = rng.uniform(0.8, 6)  # gamma shape: small = very jittery
        h0, h1 = rng.uniform(8, 11), rng.uniform(17, 21)
        msg = rng.uniform(12, 60)
        p_answer = rng.uniform(0.15, 0.4)
        sequential = rng.random() < 0.5
        target_region = rng.choice(REGIONS)
        ring = rng.random() < 0.5
        p_back = rng.uniform(0.0, 0.06)
        start0 = self.when(0.1, 0.7)
        intensity = _window(h0, h1, region.offset_min, weekend=rng.choice((0.0, 0.5, 1.0)))
        desc = dict(typology="robocall", numbers=k, trunk=trunk, mean_gap_s=round(mean_gap, 1),
                    gamma_shape=round(shape_k, 2), hours=[round(h0, 1), round(h1, 1)], message_s=round(msg),
                    sequential=sequential)
        out = []
        for i, number in enumerate(numbers):
            srng = random.Random(f"{seed}:{i}")
            start = _next_inside(start0 + srng.uniform(0, 7200), intensity, step=60)
            if start >= self.end:
                continue
            handset = None if trunk else imei(srng, rng.choice(GATEWAY_TACS))
            my_cell = None if trunk else cell
            gap = mean_gap * srng.uniform(0.7, 1.3)

            def run(number=number, srng=srng, start=start, handset=handset, my_cell=my_cell, gap=gap):
                walk = int(self.pop.offnet(target_region)[3:])
                t = start
                while t < self.end:
                    if intensity(t) <= 0:
                        t = _next_inside(t, intensity, step=120)
                        continue
                    if sequential and srng.random() < 0.8:
                        walk += srng.randint(1, 3)
                        callee = "+52" + str(walk)
                    else:
                        callee = self.target(srng, 0.5)
                    u = srng.random()
                    if u < (0.15 if sequential else 0.05):
                        disp, dur = "failed", 0
                    elif u < 0.2 + p_answer:
                        disp, dur = "answered", max(1, int(msg * (1.0 if srng.random() < 0.3 else srng.uniform(0.1, 1))))
                    elif u < 0.9:
                        disp, dur = "no_answer", (srng.randint(15, 30) if ring else 0)
                    else:
                        disp, dur = "busy", 0
                    batch = [(int(t), "voice", number, callee, dur, disp, region.offset_min, my_cell, handset)]
                    if disp == "no_answer":
                        batch += self.returned_call(srng, callee, number, t, p_back)
                    yield batch
                    t += srng.gammavariate(shape_k, gap / shape_k)
                    if srng.random() < 0.004:
                        t += srng.uniform(600, 5400)  # operator pauses the campaign

            out.append((FraudNumber(number, "robocall", int(start), region.offset_min), run))
        return out, desc


def _chain(first, rest):
    yield from first
    yield from rest
