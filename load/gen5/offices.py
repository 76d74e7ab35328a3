"""Business lines on the operator's SIP trunks (no cell, no IMEI): offices, hotels, call shops,
an import/export office calling many foreign numbers, and an international call-back service."""

from __future__ import annotations

import random

from .behaviour import HOURS, business, talk
from .numbering import FOREIGN
from .rand import cumulative, pick, rng_for, zipf
from .sink import ANS, NOANS, VOICE
from .world import World

H = 3600
DAY = 86400
CALLSHOP_CC = ("NG", "GH", "CM", "SN", "SO", "GN", "SL", "ET", "PK", "AF", "IQ", "SY", "VN", "TR", "RS",
               "BA", "XK", "MA", "EG", "IR", "LB", "IN")
TRADE_CC = ("CN", "TR", "US", "AE", "IN", "PL", "IT", "NG", "GH", "VN", "PK", "GB", "FR", "NL")
CALLBACK_CC = ("NG", "GH", "IN", "PK", "VN", "EG", "MA", "TR", "UA", "RU")
ASIA = ("CN", "VN", "IN", "PK", "AE")


def _lines(w: World, rng: random.Random, city: int, n: int, typology: str, variant: str) -> tuple[str, list[str]]:
    main, nums = w.book.did_block(rng, w.area(city), n)
    w.home.add(main)
    w.adopt(nums, typology, variant)
    w.label(main, typology, variant)
    return main, nums


class OfficePbx:
    """A company PBX: office-hours calls from many extensions, calls in to the main number."""

    VARIANTS = ("law_firm", "it_company", "logistics", "medical_lab", "agency")

    def __init__(self, w: World, rng: random.Random, idx: int) -> None:
        self.w, self.idx = w, idx
        self.city = w.city(rng)
        self.variant = self.VARIANTS[idx % len(self.VARIANTS)]
        self.main, self.dids = _lines(w, rng, self.city, rng.randint(10, 60), "office_pbx", self.variant)
        self.rate = rng.uniform(2.0, 6.0)

    def day(self, d: int) -> None:
        if d % 7 >= 5:
            return
        w, rng, base = self.w, rng_for(self.w.seed, "office", self.idx, d), d * DAY
        office = HOURS["office"]
        for did in self.dids:
            for _ in range(int(rng.expovariate(1.0 / self.rate))):
                t = base + office.sample(rng)
                if rng.random() < 0.03:
                    cc = ("AT", "CH", "NL", "FR", "GB", "US", "PL")[rng.randrange(7)]
                    w.rec(t, VOICE, did, w.book.foreign(rng, cc), *business(rng, 0.7, 240, 0.9))
                    continue
                num, _ = w.stranger(rng, self.city, p_home=0.2, p_fixed=0.2, p_biz=0.4)
                w.rec(t, VOICE, did, num, *business(rng, 0.7, 150, 0.9))
        for _ in range(int(len(self.dids) * rng.uniform(1.5, 3.5))):
            num, cp = w.stranger(rng, self.city, p_home=0.3, p_fixed=0.1, p_biz=0.4)
            callee = self.main if rng.random() < 0.4 else self.dids[rng.randrange(len(self.dids))]
            w.voice(base + office.sample(rng), num, cp, callee, *business(rng, 0.8, 150, 0.9))


class HotelPbx:
    """A hotel: guests call at any hour, a good share of it abroad."""

    def __init__(self, w: World, rng: random.Random, idx: int) -> None:
        self.w, self.idx = w, idx
        self.city = w.big_city(rng)
        self.main, self.dids = _lines(w, rng, self.city, rng.randint(5, 30), "hotel_pbx", "guest_rooms")
        self.rate = rng.randint(20, 100)

    def day(self, d: int) -> None:
        w, rng, base = self.w, rng_for(self.w.seed, "hotel", self.idx, d), d * DAY
        late = HOURS["late"]
        ccs = tuple(FOREIGN)
        for _ in range(self.rate):
            t = base + late.sample(rng)
            did = self.dids[rng.randrange(len(self.dids))]
            r = rng.random()
            if r < 0.4:
                num = w.book.foreign(rng, ccs[rng.randrange(len(ccs))])
            else:
                num, _ = w.stranger(rng, self.city, p_home=0.3, p_fixed=0.2, p_biz=0.3)
            w.rec(t, VOICE, did, num, *business(rng, 0.65, 240, 1.0))


class IntlOffice:
    """Import/export firm, expats' office or travel agency calling partners abroad (and called by them)."""

    VARIANTS = ("import_export", "expat_office", "travel_agency")

    def __init__(self, w: World, rng: random.Random, idx: int) -> None:
        self.w, self.idx = w, idx
        self.city = w.big_city(rng)
        variant = self.VARIANTS[idx % 3]
        self.main, self.lines = _lines(w, rng, self.city, rng.randint(2, 6), "intl_office", variant)
        ccs = TRADE_CC if variant != "expat_office" else ("TR", "SY", "UA", "AF", "IQ", "XK", "RS", "RO")
        self.partners = []
        for _ in range(rng.randint(20, 120)):
            num = w.book.foreign(rng, ccs[rng.randrange(len(ccs))])
            w.label(num, "foreign_contact", "business_partner")
            self.partners.append(num)
        self.cum = cumulative(zipf(len(self.partners), 0.9))
        self.rate = rng.randint(15, 60)

    def day(self, d: int) -> None:
        if d % 7 >= 5:
            return
        w, rng, base = self.w, rng_for(self.w.seed, "intl", self.idx, d), d * DAY
        for _ in range(self.rate):
            partner = self.partners[pick(rng, self.cum)]
            asia = any(partner.startswith("+" + FOREIGN[c][0][0][:2]) for c in ASIA)
            h = rng.uniform(8, 12) if asia else (rng.uniform(14, 18) if partner.startswith("+1") else rng.uniform(8, 18))
            t = base + int(h * H)
            line = self.lines[rng.randrange(len(self.lines))]
            w.rec(t, VOICE, line, partner, *business(rng, 0.68, 300, 0.9))
            if rng.random() < 0.3:
                w.rec(t + rng.randint(600, 4 * H), VOICE, partner, line, *business(rng, 0.8, 300, 0.9))


class CallShop:
    """A call shop: booths calling all over Africa, the Middle East and South Asia, every day until late."""

    def __init__(self, w: World, rng: random.Random, idx: int) -> None:
        self.w, self.idx = w, idx
        self.city = (0, 1, 4, 3)[idx % 4]
        self.main, self.booths = _lines(w, rng, self.city, rng.randint(2, 8), "call_shop", "booths")
        self.ccs = rng.sample(CALLSHOP_CC, rng.randint(6, 14))
        self.regulars: list[str] = []

    def day(self, d: int) -> None:
        w, rng, base = self.w, rng_for(self.w.seed, "callshop", self.idx, d), d * DAY
        for booth in self.booths:
            for _ in range(rng.randint(15, 50)):
                t = base + int(rng.uniform(10, 22) * H)
                if self.regulars and rng.random() < 0.2:
                    num = self.regulars[rng.randrange(len(self.regulars))]
                else:
                    num = w.book.foreign(rng, self.ccs[rng.randrange(len(self.ccs))])
                    self.regulars.append(num)
                w.rec(t, VOICE, booth, num, *business(rng, 0.55, 420, 0.8, p_fail=0.2))


class CallbackService:
    """International call-back: a customer abroad rings once, the service calls back and bridges onward."""

    def __init__(self, w: World, rng: random.Random, idx: int) -> None:
        self.w, self.idx = w, idx
        city = (4, 0)[idx % 2]
        self.num = w.book.fixed(rng, w.area(city))
        w.home.add(self.num)
        w.label(self.num, "callback_service", "ring_and_bridge")
        self.customers = []
        for _ in range(max(10, int(rng.randint(20, 100) * min(1.0, w.scale * 2)))):
            cc = CALLBACK_CC[rng.randrange(len(CALLBACK_CC))]
            num = w.book.foreign(rng, cc)
            w.label(num, "callback_customer", cc)
            self.customers.append(num)
        self.sessions = max(5, int(rng.randint(20, 80) * min(1.0, w.scale * 2)))

    def day(self, d: int) -> None:
        w, rng, base = self.w, rng_for(self.w.seed, "callback", self.idx, d), d * DAY
        ccs = tuple(FOREIGN)
        for _ in range(self.sessions):
            t = base + rng.randrange(DAY)
            cust = self.customers[rng.randrange(len(self.customers))]
            w.rec(t, VOICE, cust, self.num, rng.randint(1, 4), NOANS)
            t2 = t + rng.randint(15, 90)
            dur = talk(rng, 600, 0.8)
            w.rec(t2, VOICE, self.num, cust, dur, ANS)
            if rng.random() < 0.5:
                dest = w.book.foreign(rng, ccs[rng.randrange(len(ccs))])
            else:
                dest, _ = w.stranger(rng)
            w.rec(t2 + rng.randint(8, 25), VOICE, self.num, dest, max(1, dur - rng.randint(10, 30)),
                  ANS if rng.random() < 0.85 else NOANS)
