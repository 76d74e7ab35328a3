"""Honest but busy numbers: the hard negatives an operator's fraud team sees every day.

Each actor is a small class with a day() method. They are labelled "legit"
with their own typology, so a detector's false positives can be read by kind:

courier            motoboys and parcel vans: many short calls, many cells, callbacks
call_centre        agents' SIM phones, multi-SIM GSM gateways, SIP trunks, 0303 telemarketing,
                   other operators' trunks calling our subscribers
debt_collection    predictive diallers that retry the same debtors all day
taxi_dispatch      radio-taxi centrals and their drivers
small_shop         pharmacies, salons, restaurants, hardware stores
clinic             SMS and voice appointment reminders, reception phones
a2p_sms            bank one-time codes, app verification codes, retail blasts (short codes)
m2m                alarm communicators and vehicle trackers (module IMEIs)
number_masking     delivery/ride apps' proxy numbers (no cell, very many counterparts)
enterprise_pbx     office and hotel PBXs on SIP trunks, some calling abroad
"""

from __future__ import annotations

import random

from .common import Targets, dial, voice, windows
from .numbering import DDD_CHOICE, WeightedChoice
from .world import (ANSWERED, DAY, FAILED, HOUR, HOURS, NO_ANSWER, SMS, VOICE, World, is_weekend,
                    lognorm_s, poisson, weekday)

BIG_CITIES = ["11", "21", "31", "41", "51", "61", "71", "81", "85", "62", "19", "27", "48", "91", "92"]

OFFICE = [(8.5, 12.0), (13.0, 18.0)]
OFFICE_SAT = [(9.0, 13.0)]


class Actor:
    """Something that makes calls. day() appends that day's records to out."""

    def day(self, w: World, d: int, out: list, rng: random.Random) -> None:  # pragma: no cover
        raise NotImplementedError


def _subs_in(w: World, ddd: str) -> list:
    return w.subs_by_ddd.get(ddd) or w.subs


class Courier(Actor):
    """A motoboy or van driver: calls each customer before arriving, moves all day, gets callbacks."""

    def __init__(self, w: World, rng: random.Random, variant: str):
        self.variant = variant
        self.ddd = rng.choice(BIG_CITIES)
        self.number = w.numbers.mobile(self.ddd)
        self.imei = w.numbers.handset_imei()
        self.route = [w.cells.pick(rng, self.ddd) for _ in range(rng.randint(25, 60))]
        self.base = rng.choice(self.route)
        self.rate = rng.uniform(25, 70) if variant == "motoboy" else rng.uniform(30, 90)
        self.customers = Targets(w, [self.ddd], onnet_share=0.3, dead_share=0.03)
        self.friends = [s.number for s in rng.sample(_subs_in(w, self.ddd), min(6, len(_subs_in(w, self.ddd))))]
        w.label(self.number, "legit", "courier", variant)

    def day(self, w, d, out, rng):
        if weekday(d) == 6 and self.variant == "parcel_van":
            return
        hrs = HOURS["evening"] if self.variant == "motoboy" else HOURS["business"]
        n = poisson(rng, self.rate * (0.8 if is_weekend(d) else 1.0))
        pos = rng.randrange(len(self.route))
        times = sorted(hrs.sample(rng, d) for _ in range(n))
        for t in times:
            pos = max(0, min(len(self.route) - 1, pos + rng.randint(-3, 3)))
            cell = self.route[pos]
            callee, alive = self.customers.pick(rng)
            r = rng.random()
            if not alive:
                dur, disp = 0, FAILED
            elif r < 0.62:
                dur, disp = lognorm_s(rng, 25, 0.7, 600), ANSWERED
            elif r < 0.9:
                dur, disp = rng.randint(8, 30), NO_ANSWER
            else:
                dur, disp = 0, "busy"
            out.append((t, VOICE, self.number, callee, dur, disp, cell, self.imei))
            if disp != ANSWERED and alive and rng.random() < 0.45:   # the customer calls back
                tb = t + rng.randint(30, 900)
                if tb < (d + 1) * DAY:
                    cb = w.by_number.get(callee)
                    if cb is not None:
                        out.append((tb, VOICE, callee, self.number, lognorm_s(rng, 30, 0.6, 400), ANSWERED,
                                    cb.cell_at(rng, tb, False, 0.2), cb.imei_at(tb)))
                    else:
                        callee = w.offnet_caller(self.ddd, "courier_customer")
                        out.append((tb, VOICE, callee, self.number, lognorm_s(rng, 30, 0.6, 400), ANSWERED, None, None))
            if rng.random() < 0.25:
                out.append((t + rng.randint(60, 300), SMS, self.number, callee, 0, ANSWERED, cell, self.imei))
        for _ in range(poisson(rng, 4)):
            t = HOURS["weekday"].sample(rng, d)
            out.append((t, VOICE, self.number, rng.choice(self.friends), lognorm_s(rng, 60, 1.0, 3600), ANSWERED,
                        self.base, self.imei))


class OutboundCentre(Actor):
    """Outbound calling operation (call centre, telemarketing, debt collection).

    setup is how the lines reach the network: "agent_sims" (one smartphone SIM per
    agent), "gsm_gateway" (a box of SIMs, one module IMEI per port, one cell),
    "sip_trunk" / "prefix_0303" (fixed or 0303 numbers, no cell, no IMEI,
    many channels), "offnet_trunk" (another operator's customer calling ours:
    only the calls to our subscribers are seen).
    """

    def __init__(self, w: World, rng: random.Random, typology: str, setup: str):
        self.typology, self.setup = typology, setup
        self.ddd = rng.choice(BIG_CITIES[:8])
        nums = w.numbers
        if setup in ("agent_sims", "gsm_gateway"):
            n_lines = rng.randint(6, 14) if setup == "agent_sims" else rng.choice([8, 16, 32])
            self.lines = [nums.mobile(self.ddd) for _ in range(n_lines)]
            self.cell = w.cells.pick(rng, self.ddd)
            self.imeis = ([nums.handset_imei() for _ in self.lines] if setup == "agent_sims"
                          else nums.module_imeis(n_lines))
            self.channels = 1
        else:
            if setup == "prefix_0303":
                self.lines = [nums.special("303", 7) for _ in range(rng.randint(1, 3))]
            elif setup == "offnet_trunk":
                self.lines = [nums.fixed(self.ddd, "3") for _ in range(rng.randint(1, 4))]
            else:
                self.lines = [nums.fixed(self.ddd, rng.choice("34")) for _ in range(rng.randint(1, 3))]
            self.cell = None
            self.imeis = [None] * len(self.lines)
            self.channels = rng.randint(3, 8)
        national = rng.random() < 0.5
        onnet = 1.0 if setup == "offnet_trunk" else 0.3
        self.targets = Targets(w, None if national else [self.ddd], onnet_share=onnet, dead_share=0.1)
        self.p_answer = rng.uniform(0.18, 0.4)
        self.retry = typology == "debt_collection"
        self.debtors = [self.targets.pick(rng) for _ in range(rng.randint(2000, 5000))] if self.retry else []
        for n in self.lines:
            w.label(n, "legit", typology, setup)

    def day(self, w, d, out, rng):
        wd = weekday(d)
        spans = [(8.0, 12.0), (13.0, 20.0)] if self.retry else OFFICE
        if wd == 5:
            spans = OFFICE_SAT
        elif wd == 6:
            return
        pick = self.targets.pick
        if self.retry:
            debtors = self.debtors
            # the worst debtors are retried many times a day, the rest now and then
            pick = lambda r: debtors[min(len(debtors) - 1, int(r.random() ** 3 * len(debtors)))]  # noqa: E731
        if self.setup == "offnet_trunk":
            gap = (60, 400)  # we only see the share of its calls that land on our network
        elif self.channels > 1:
            gap = (3, 25)      # predictive dialler on a trunk
        elif self.setup == "agent_sims":
            gap = (30, 180)    # a person dialling by hand, with notes between calls
        else:
            gap = (10, 60)     # gateway ports fed by an autodialler
        for line, imei in zip(self.lines, self.imeis):
            emit = voice(out, line, self.cell, imei)
            for _ in range(self.channels):
                for a, b in windows(d, spans):
                    a += rng.randint(0, 900)
                    dial(rng, a, b, pick, self.p_answer, (150, 0.8), 0.35, gap, emit, max_calls=2000)


class TaxiCentral(Actor):
    """A radio-taxi central (a few SIM lines at one place, round the clock) with its drivers."""

    def __init__(self, w: World, rng: random.Random):
        self.ddd = rng.choice(BIG_CITIES)
        nums = w.numbers
        self.cell = w.cells.pick(rng, self.ddd)
        self.lines = [nums.mobile(self.ddd) for _ in range(rng.randint(2, 4))]
        self.imeis = [nums.handset_imei() for _ in self.lines]
        self.drivers = []
        for _ in range(rng.randint(8, 20)):
            num = nums.mobile(self.ddd)
            self.drivers.append((num, nums.handset_imei(), [w.cells.pick(rng, self.ddd) for _ in range(30)]))
            w.label(num, "legit", "taxi_dispatch", "driver")
        self.customers = Targets(w, [self.ddd], onnet_share=0.3, dead_share=0.02)
        self.callers = [s for s in _subs_in(w, self.ddd)]
        for n in self.lines:
            w.label(n, "legit", "taxi_dispatch", "radio_taxi_central")
        w.service_numbers.append((self.lines[0], 3.0))

    def day(self, w, d, out, rng):
        flat = HOURS["flat"]
        for line, imei in zip(self.lines, self.imeis):
            for _ in range(poisson(rng, rng.uniform(60, 160))):
                t = flat.sample(rng, d) if rng.random() < 0.3 else HOURS["weekday"].sample(rng, d)
                if rng.random() < 0.6:
                    callee = rng.choice(self.drivers)[0]
                    dur = lognorm_s(rng, 20, 0.6, 300)
                else:
                    callee = self.customers.pick(rng)[0]
                    dur = lognorm_s(rng, 30, 0.6, 300)
                disp = ANSWERED if rng.random() < 0.8 else NO_ANSWER
                out.append((t, VOICE, line, callee, dur if disp == ANSWERED else rng.randint(5, 25), disp, self.cell, imei))
        # customers ring the central (off-net ones are records; on-net ones carry their cell)
        for _ in range(poisson(rng, 90)):
            t = HOURS["weekday"].sample(rng, d)
            if rng.random() < 0.35 and self.callers:
                s = rng.choice(self.callers)
                out.append((t, VOICE, s.number, rng.choice(self.lines), lognorm_s(rng, 35, 0.5, 300), ANSWERED,
                            s.cell_at(rng, t, False, 0.3), s.imei_at(t)))
            else:
                c = w.offnet_caller(self.ddd, "taxi_customer")
                out.append((t, VOICE, c, rng.choice(self.lines), lognorm_s(rng, 35, 0.5, 300), ANSWERED, None, None))
        for num, imei, route in self.drivers:
            pos = rng.randrange(len(route))
            for _ in range(poisson(rng, rng.uniform(12, 40))):
                t = HOURS["weekday"].sample(rng, d)
                pos = max(0, min(len(route) - 1, pos + rng.randint(-4, 4)))
                callee = rng.choice(self.lines) if rng.random() < 0.4 else self.customers.pick(rng)[0]
                r = rng.random()
                dur, disp = (lognorm_s(rng, 25, 0.6, 400), ANSWERED) if r < 0.75 else (rng.randint(5, 30), NO_ANSWER)
                out.append((t, VOICE, num, callee, dur, disp, route[pos], imei))


class Shop(Actor):
    """A small business phone: suppliers, customers, delivery confirmations; people call it."""

    def __init__(self, w: World, rng: random.Random, variant: str):
        self.variant = variant
        self.ddd = DDD_CHOICE.pick(rng)
        self.number = w.numbers.mobile(self.ddd)
        self.imei = w.numbers.handset_imei()
        self.cell = w.cells.pick(rng, self.ddd)
        self.targets = Targets(w, [self.ddd], onnet_share=0.3, dead_share=0.02)
        self.suppliers = [w.numbers.fixed(rng.choice(["11", self.ddd])) for _ in range(rng.randint(3, 10))]
        self.rate = rng.uniform(10, 40)
        w.label(self.number, "legit", "small_shop", variant)
        w.service_numbers.append((self.number, 1.0))

    def day(self, w, d, out, rng):
        if weekday(d) == 6 and self.variant != "restaurant_delivery":
            return
        hrs = HOURS["evening"] if self.variant == "restaurant_delivery" else HOURS["shop"]
        for _ in range(poisson(rng, self.rate)):
            t = hrs.sample(rng, d)
            callee = rng.choice(self.suppliers) if rng.random() < 0.2 else self.targets.pick(rng)[0]
            r = rng.random()
            dur, disp = (lognorm_s(rng, 60, 0.9, 1800), ANSWERED) if r < 0.7 else (rng.randint(5, 35), NO_ANSWER)
            out.append((t, VOICE, self.number, callee, dur, disp, self.cell, self.imei))
            if self.variant == "beauty_salon" and rng.random() < 0.5:
                out.append((t + 40, SMS, self.number, callee, 0, ANSWERED, self.cell, self.imei))
        for _ in range(poisson(rng, self.rate * 0.6)):  # off-net customers calling in
            t = hrs.sample(rng, d)
            c = w.offnet_caller(self.ddd, "shop_customer")
            out.append((t, VOICE, c, self.number, lognorm_s(rng, 60, 0.8, 900), ANSWERED, None, None))


class Clinic(Actor):
    """Appointment reminders: an SMS batch from a phone/modem, an IVR on a trunk, or a receptionist."""

    def __init__(self, w: World, rng: random.Random, variant: str):
        self.variant = variant
        self.ddd = rng.choice(BIG_CITIES)
        nums = w.numbers
        if variant == "voice_reminders":
            self.number, self.cell, self.imei = nums.fixed(self.ddd, "3"), None, None
        else:
            self.number = nums.mobile(self.ddd)
            self.cell = w.cells.pick(rng, self.ddd)
            self.imei = nums.module_imeis(1)[0] if variant == "sms_reminders" and rng.random() < 0.5 else nums.handset_imei()
        self.patients = [Targets(w, [self.ddd], 0.3, 0.0).pick(rng)[0] for _ in range(rng.randint(800, 3000))]
        self.size = rng.uniform(60, 250)
        w.label(self.number, "legit", "clinic", variant)
        w.service_numbers.append((self.number, 0.5))

    def day(self, w, d, out, rng):
        if is_weekend(d):
            return
        n = poisson(rng, self.size)
        todays = rng.sample(self.patients, min(n, len(self.patients)))
        if self.variant == "sms_reminders":
            t = d * DAY + int(rng.uniform(7.0, 9.5) * HOUR)
            for p in todays:
                out.append((t, SMS, self.number, p, 0, ANSWERED if rng.random() < 0.96 else FAILED, self.cell, self.imei))
                t += rng.randint(4, 15)
        elif self.variant == "voice_reminders":
            it = iter(todays)
            emit = voice(out, self.number, None, None)
            pick = lambda r: (next(it, r.choice(self.patients)), True)  # noqa: E731
            for a, b in windows(d, [(9.0, 11.5), (14.0, 17.0)]):
                for _ in range(3):  # IVR channels
                    dial(rng, a, b, pick, 0.55, (28, 0.2), 0.4, (2, 10), emit, max_calls=len(todays) // 3 + 1)
        else:
            emit = voice(out, self.number, self.cell, self.imei)
            it = iter(todays[: max(1, len(todays) // 4)])
            pick = lambda r: (next(it, r.choice(self.patients)), True)  # noqa: E731
            for a, b in windows(d, [(8.0, 11.0), (14.0, 16.5)]):
                dial(rng, a, b, pick, 0.6, (60, 0.5), 0.1, (60, 300), emit, max_calls=200)


class A2P(Actor):
    """Short-code senders (other operators' or aggregators' platforms): OTPs, alerts, blasts."""

    def __init__(self, w: World, rng: random.Random, variant: str, name: str):
        self.variant, self.name = variant, name
        self.number = w.numbers.special(rng.choice(["27", "28", "29"]), 3)
        self.rate = {"bank_otp": 0.12, "app_verification": 0.05, "retail_marketing": 0.0, "operator_promo": 0.0}[variant]
        w.label(self.number, "legit", "a2p_sms", variant)
        w.a2p.setdefault(variant, []).append(self.number)

    def day(self, w, d, out, rng):
        subs = w.subs
        if self.variant in ("retail_marketing", "operator_promo"):
            if rng.random() < 0.6:
                t = d * DAY + int(rng.uniform(10, 19) * HOUR)
                for s in rng.sample(subs, min(len(subs), int(len(subs) * rng.uniform(0.03, 0.12)))):
                    out.append((t, SMS, self.number, s.number, 0, ANSWERED, None, None))
                    t += rng.randint(0, 2)
            return
        hrs = HOURS["weekday"]
        for _ in range(poisson(rng, self.rate * len(subs))):
            t = hrs.sample(rng, d)
            out.append((t, SMS, self.number, rng.choice(subs).number, 0, ANSWERED, None, None))


class M2M(Actor):
    """SIMs in machines: alarm panels that phone the monitoring centre, trackers texting positions."""

    def __init__(self, w: World, rng: random.Random, variant: str, centre: str):
        self.variant = variant
        self.ddd = DDD_CHOICE.pick(rng)
        self.number = w.numbers.mobile(self.ddd)
        self.imei = w.numbers.module_imeis(1)[0]
        self.centre = centre
        self.cell = w.cells.pick(rng, self.ddd)
        self.route = [w.cells.pick(rng, self.ddd) for _ in range(rng.randint(10, 40))]
        self.period = rng.choice([4, 6, 12, 24]) * HOUR if variant == "alarm_panel" else rng.choice([15, 20, 30, 60]) * 60
        self.phase = rng.randrange(self.period)
        self.stop_at = w.span + DAY  # a SIM stolen from the device stops reporting (fraud.py)
        w.label(self.number, "legit", "m2m", variant)
        w.m2m.append(self)

    def day(self, w, d, out, rng):
        t = d * DAY + self.phase % self.period
        pos = rng.randrange(len(self.route))
        for _ in range(2000):
            if t >= min((d + 1) * DAY, self.stop_at):
                break
            if self.variant == "alarm_panel":
                if rng.random() < 0.5:
                    out.append((t, VOICE, self.number, self.centre, rng.randint(8, 20), ANSWERED, self.cell, self.imei))
                else:
                    out.append((t, SMS, self.number, self.centre, 0, ANSWERED, self.cell, self.imei))
            else:
                h = (t % DAY) // HOUR
                if 6 <= h < 22 or rng.random() < 0.1:  # ignition off at night: few reports
                    pos = max(0, min(len(self.route) - 1, pos + rng.randint(-2, 2)))
                    out.append((t, SMS, self.number, self.centre, 0, ANSWERED, self.route[pos], self.imei))
            t += self.period + rng.randint(-30, 30)
        if self.variant == "alarm_panel" and rng.random() < 0.05:  # a real alarm event
            t = HOURS["flat"].sample(rng, d)
            out.append((t, VOICE, self.number, self.centre, rng.randint(20, 90), ANSWERED, self.cell, self.imei))


class MaskingProxy(Actor):
    """A delivery/ride app's proxy number: bridges couriers and customers, hundreds of counterparts, no cell."""

    def __init__(self, w: World, rng: random.Random, variant: str):
        self.variant = variant
        self.ddd = rng.choice(BIG_CITIES[:6])
        self.number = w.numbers.fixed(self.ddd, "4")
        self.targets = Targets(w, [self.ddd], onnet_share=0.3, dead_share=0.01)
        self.rate = rng.uniform(120, 400)
        w.label(self.number, "legit", "number_masking", variant)

    def day(self, w, d, out, rng):
        hrs = HOURS["evening"] if self.variant == "delivery_app_proxy" else HOURS["weekday"]
        for _ in range(poisson(rng, self.rate)):
            t = hrs.sample(rng, d)
            r = rng.random()
            dur, disp = (lognorm_s(rng, 35, 0.7, 600), ANSWERED) if r < 0.72 else (rng.randint(5, 30), NO_ANSWER)
            out.append((t, VOICE, self.number, self.targets.pick(rng)[0], dur, disp, None, None))


class PBX(Actor):
    """A company or hotel PBX on a SIP trunk: office-hours calls, some abroad."""

    def __init__(self, w: World, rng: random.Random, variant: str):
        self.variant = variant
        self.ddd = DDD_CHOICE.pick(rng)
        self.number = w.numbers.fixed(self.ddd, "3")
        self.targets = Targets(w, None if rng.random() < 0.3 else [self.ddd], onnet_share=0.3, dead_share=0.02)
        self.rate = rng.uniform(30, 200)
        self.abroad = [w.numbers.foreign_mobile(rng.choice(["US", "PT", "AR", "DE", "CN", "ES"]))
                       for _ in range(rng.randint(1, 8))]
        self.p_abroad = 0.15 if variant == "hotel_trunk" else rng.uniform(0.0, 0.05)
        w.label(self.number, "legit", "enterprise_pbx", variant)
        w.service_numbers.append((self.number, 1.0))

    def day(self, w, d, out, rng):
        if is_weekend(d) and self.variant != "hotel_trunk":
            return
        hrs = HOURS["weekday"] if self.variant == "hotel_trunk" else HOURS["business"]
        for _ in range(poisson(rng, self.rate)):
            t = hrs.sample(rng, d)
            callee = rng.choice(self.abroad) if rng.random() < self.p_abroad else self.targets.pick(rng)[0]
            r = rng.random()
            dur, disp = (lognorm_s(rng, 120, 1.0, 5400), ANSWERED) if r < 0.7 else (rng.randint(5, 35), NO_ANSWER)
            out.append((t, VOICE, self.number, callee, dur, disp, None, None))


def build(w: World) -> list[Actor]:
    """Create the business population (counts scale with the subscriber base)."""
    rng = w.stream("business-build")
    actors: list[Actor] = []
    n = w.hard_count
    for variant, base in [("motoboy", 45), ("parcel_van", 25)]:
        actors += [Courier(w, rng, variant) for _ in range(n(base, rng))]
    for typ, setup, base in [("call_centre", "agent_sims", 3), ("call_centre", "gsm_gateway", 2),
                             ("call_centre", "sip_trunk", 3), ("call_centre", "offnet_trunk", 4),
                             ("telemarketing", "prefix_0303", 3), ("telemarketing", "gsm_gateway", 1),
                             ("debt_collection", "sip_trunk", 2), ("debt_collection", "agent_sims", 2)]:
        actors += [OutboundCentre(w, rng, typ, setup) for _ in range(n(base, rng))]
    actors += [TaxiCentral(w, rng) for _ in range(n(5, rng))]
    for variant, base in [("pharmacy_delivery", 30), ("beauty_salon", 30), ("restaurant_delivery", 30), ("hardware_store", 20)]:
        actors += [Shop(w, rng, variant) for _ in range(n(base, rng))]
    for variant, base in [("sms_reminders", 8), ("voice_reminders", 5), ("reception", 10)]:
        actors += [Clinic(w, rng, variant) for _ in range(n(base, rng))]
    for variant, names in [("bank_otp", ["itau", "bradesco", "bb", "caixa", "nubank", "santander", "inter"]),
                           ("app_verification", ["whatsapp", "ifood", "uber", "mercadolivre", "google"]),
                           ("retail_marketing", ["magalu", "casasbahia", "drogasil"]),
                           ("operator_promo", ["home_operator"])]:
        actors += [A2P(w, rng, variant, name) for name in names]
    centres = [w.numbers.fixed(rng.choice(BIG_CITIES), "3") for _ in range(4)]
    for variant, base in [("alarm_panel", 80), ("vehicle_tracker", 30)]:
        actors += [M2M(w, rng, variant, rng.choice(centres)) for _ in range(n(base, rng))]
    for variant, base in [("delivery_app_proxy", 6), ("ride_hailing_proxy", 4)]:
        actors += [MaskingProxy(w, rng, variant) for _ in range(n(base, rng))]
    for variant, base in [("office_trunk", 30), ("hotel_trunk", 8)]:
        actors += [PBX(w, rng, variant) for _ in range(n(base, rng))]
    # Numbers ordinary people ring besides their contacts: toll-free lines, bank centrals, shops.
    for _ in range(40):
        w.service_numbers.append((w.numbers.special("800", 7), 2.0))
    for _ in range(15):
        w.service_numbers.append((w.numbers.special(rng.choice(["4004", "4003", "3003"]), 4), 3.0))
    w.pbxs = [a for a in actors if isinstance(a, PBX)]
    return actors


def day(w: World, actors: list[Actor], d: int, out: list) -> None:
    rng = w.stream("business", d)
    for a in actors:
        a.day(w, d, out, rng)


def services(w: World) -> WeightedChoice:
    return WeightedChoice([n for n, _ in w.service_numbers], [x for _, x in w.service_numbers])
