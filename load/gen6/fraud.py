"""Fraud: scam_farm, wangiri, simbox, irsf, takeover, robocall.

Every campaign starts at a random time some hours into the stream (so each
number, or the network, has history first) and draws its parameters at
random. fraud_start is the moment that number's fraud begins: the first SIM
activation for dedicated fraud SIMs (its first record is at or after it), the
hijack for numbers with an honest past (SIM swap, hacked PBX, stolen M2M SIM).

Typologies and variants (see README.md for the reasoning):

scam_farm  prison_fake_kidnapping   phones inside a prison, SIMs replaced when blocked, same IMEIs
           fake_bank_central        SIM bank in an apartment calling as the bank's "central"
           fake_bank_sms_callback   SMS blasts "compra aprovada, ligue..." + a number victims call
           whatsapp_impersonation   "oi mãe, troquei de número": SMS to leaked contact lists
wangiri    one_ring_burst           foreign premium numbers ring our subscribers 1-4 s, in range order
           low_and_slow             a few numbers ringing random subscribers all day
           sms_lure                 foreign SMS asking to call a premium number back
simbox     static_box               gateway SIMs at one cell terminating international calls on-net
           human_mimic              spoofed phone IMEIs, a few cells, sleep, fake social graph
           rotating_sims            SIM server: every SIM lives a few hours behind fixed ports
irsf       subscription_fraud_sims  fresh SIMs pumping long calls to premium ranges at night
           hacked_pbx               a company's SIP trunk dialling premium ranges in parallel at night
           stolen_m2m_sim           SIM taken out of an alarm panel, used in a phone for premium calls
takeover   sim_swap_bank            number moves to a new handset elsewhere; bank OTPs; calls to bank
           sim_swap_contacts        takeover to get the WhatsApp code, then contacts asked for money
           stolen_phone             same IMEI jumps away, OTPs, then SIM in another phone, line blocked
robocall   sequential_trunk         SIP trunk dialling consecutive numbers, recorded message
           spoofed_cli              off-net dialler rotating "neighbour" caller IDs
           gsm_gateway_robocall     gateway SIMs dialling a list, fixed-length message
"""

from __future__ import annotations

import random

from .common import Targets, dial, random_mobile, voice, windows
from .numbering import DDD_CHOICE, DDDS, HANDSETS
from .world import (ANSWERED, BUSY, DAY, FAILED, HOUR, HOURS, NO_ANSWER, SMS, VOICE, World, lognorm_s,
                    poisson)

DAYTIME = [(8.0, 12.5), (13.5, 22.0)]
BUSINESS = [(9.0, 12.0), (13.0, 19.0)]
NIGHT = [(0.0, 6.5), (21.0, 24.0)]
ALLDAY = [(0.0, 24.0)]
SIMBOX_HOURS = [(7.0, 24.0), (0.0, 1.5)]


class Campaign:
    """A fraud operation: builds its numbers up front, emits one day at a time."""

    typology = ""

    def fraud(self, w: World, number: str, variant: str, start: int) -> None:
        w.label(number, "fraud", self.typology, variant, start)

    def day(self, w: World, d: int, out: list, rng: random.Random) -> None:  # pragma: no cover
        raise NotImplementedError


class Sim:
    """One SIM's fraudulent life: number, active interval, cell(s), handset."""

    __slots__ = ("number", "t0", "t1", "cells", "imei")

    def __init__(self, number: str, t0: int, t1: int, cells: list[str], imei: str | None):
        self.number, self.t0, self.t1, self.cells, self.imei = number, t0, t1, cells, imei


def sim_chain(camp: Campaign, w: World, rng: random.Random, variant: str, start: int, life_h: tuple[float, float],
              gap_min: tuple[float, float], make_number, cells: list[str], imei: str | None,
              max_sims: int = 12) -> list[Sim]:
    """A port (phone or gateway slot) whose SIMs are blocked one after another and replaced."""
    sims = []
    t = start
    for _ in range(max_sims):
        if t >= w.span - HOUR:
            break
        t1 = min(w.span, t + int(rng.uniform(*life_h) * HOUR))
        num = make_number()
        camp.fraud(w, num, variant, t)
        sims.append(Sim(num, t, t1, cells, imei))
        t = t1 + int(rng.uniform(*gap_min) * 60)
    return sims


def intl_receivers(w: World) -> list[str]:
    """Our subscribers who receive calls from abroad: what a SIM box terminates."""
    return [s.number for s in w.subs if s.typology == "international_caller"] or [w.subs[0].number]


# ---------------------------------------------------------------------- scam farms

class ScamFarm(Campaign):
    typology = "scam_farm"

    def __init__(self, w: World, rng: random.Random, variant: str):
        self.variant = variant
        nums = w.numbers
        self.ddd = rng.choice(["11", "21", "14", "15", "16", "17", "18", "81", "71", "62"])
        self.targets = Targets(w, None if rng.random() < 0.6 else rng.sample(DDDS, 6), onnet_share=0.3, dead_share=0.12)
        self.callback: list[Sim] = []
        start = w.fraud_start_time(rng, "business")
        self.sims: list[Sim] = []
        if variant == "prison_fake_kidnapping":
            cell = w.cells.pick(rng, self.ddd)
            cells = [cell, w.cells.near(rng, self.ddd, cell, 1)]
            for _ in range(rng.randint(3, 6)):  # phones smuggled in; each burns SIMs from anywhere
                phone = nums.handset_imei(rng.choice(HANDSETS[-4:])[1])
                self.sims += sim_chain(self, w, rng, variant, start + rng.randrange(0, 3 * HOUR), (3, 14), (10, 120),
                                       lambda: nums.mobile(DDD_CHOICE.pick(rng)), cells, phone)
            self.spans, self.answer, self.talk, self.gap = DAYTIME, 0.35, (420, 1.0), (20, 240)
            self.accomplices = [nums.mobile(self.ddd) for _ in range(2)]
        elif variant in ("fake_bank_central", "fake_bank_sms_callback"):
            city = rng.choice(["11", "21", "31", "41", "61"])
            cell = w.cells.pick(rng, city)
            n = rng.choice([8, 8, 16]) if variant == "fake_bank_central" else rng.randint(4, 8)
            imeis = nums.module_imeis(n) if rng.random() < 0.6 else [nums.handset_imei() for _ in range(n)]
            for i in range(n):
                self.sims += sim_chain(self, w, rng, variant, start + rng.randrange(0, HOUR), (10, 40), (30, 300),
                                       lambda: nums.mobile(DDD_CHOICE.pick(rng)), [cell], imeis[i], max_sims=3)
            if variant == "fake_bank_sms_callback":  # the "central" victims ring back
                central = nums.mobile(city)
                self.fraud(w, central, variant, start)
                self.callback = [Sim(central, start, w.span, [w.cells.near(rng, city, cell, 3)], nums.handset_imei())]
            self.spans, self.answer, self.talk, self.gap = BUSINESS, 0.3, (600, 0.8), (10, 90)
            self.accomplices = [nums.mobile(city)]
        else:  # whatsapp_impersonation
            city = rng.choice(["11", "21", "31", "71", "81"])
            cells = [w.cells.pick(rng, city) for _ in range(3)]
            for i in range(rng.randint(4, 9)):
                t0 = start + rng.randrange(0, 10 * HOUR)
                self.sims += sim_chain(self, w, rng, variant, t0, (8, 30), (60, 600),
                                       lambda: nums.mobile(city), cells, nums.handset_imei(), max_sims=2)
            self.spans, self.answer, self.talk, self.gap = DAYTIME, 0.4, (90, 0.8), (300, 1800)
            self.accomplices = [nums.mobile(city)]

    def day(self, w, d, out, rng):
        subs = w.by_number
        for sim in self.sims:
            emit = voice(out, sim.number, sim.cells[0], sim.imei)
            if self.variant == "whatsapp_impersonation":
                for a, b in windows(d, self.spans, sim.t0, sim.t1):
                    t = a
                    for _ in range(400):  # leaked contact list, texted one by one
                        t += rng.randint(20, 180)
                        if t >= b:
                            break
                        callee = self.targets.pick(rng)[0]
                        cell = rng.choice(sim.cells)
                        out.append((t, SMS, sim.number, callee, 0, ANSWERED, cell, sim.imei))
                        victim = subs.get(callee)
                        if victim is not None and rng.random() < 0.12:  # relative replies or calls
                            tv = t + rng.randint(60, 1800)
                            if tv < (d + 1) * DAY:
                                rt = VOICE if rng.random() < 0.5 else SMS
                                dur, disp = (rng.randint(10, 30), NO_ANSWER) if rt == VOICE else (0, ANSWERED)
                                out.append((tv, rt, callee, sim.number, dur, disp,
                                            victim.cell_at(rng, tv, False, 0.15), victim.imei_at(tv)))
                    dial(rng, a + 1800, b, self.targets.pick, self.answer, self.talk, 0.3, (900, 3600), emit, max_calls=10)
                continue
            if self.variant == "fake_bank_sms_callback":
                for a, b in windows(d, self.spans, sim.t0, sim.t1):
                    t = a
                    for _ in range(3000):
                        t += rng.randint(3, 25)
                        if t >= b:
                            break
                        callee = self.targets.pick(rng)[0]
                        out.append((t, SMS, sim.number, callee, 0, ANSWERED, sim.cells[0], sim.imei))
                        victim = subs.get(callee)
                        if victim is not None and rng.random() < 0.03 and self.callback:
                            c = self.callback[0]
                            tv = t + rng.randint(60, 3600)
                            if c.t0 <= tv < min(c.t1, (d + 1) * DAY):
                                out.append((tv, VOICE, callee, c.number, lognorm_s(rng, 500, 0.9, 5400), ANSWERED,
                                            victim.cell_at(rng, tv, False, 0.15), victim.imei_at(tv)))
                continue
            for a, b in windows(d, self.spans, sim.t0, sim.t1):
                dial(rng, a + rng.randint(0, 600), b, self.targets.pick, self.answer, self.talk, 0.5, self.gap, emit,
                     max_calls=600)
            if sim.t0 < (d + 1) * DAY and sim.t1 > d * DAY and rng.random() < 0.7:  # reporting to the outside
                t = max(sim.t0, d * DAY) + rng.randint(0, 3 * HOUR)
                if t < min(sim.t1, (d + 1) * DAY):
                    emit(t, rng.choice(self.accomplices), lognorm_s(rng, 90, 0.8, 1200), ANSWERED)
        for c in self.callback:  # the central calls a few victims back
            emit = voice(out, c.number, c.cells[0], c.imei)
            for a, b in windows(d, self.spans, c.t0, c.t1):
                dial(rng, a + rng.randint(0, 3600), b, self.targets.pick, 0.5, (500, 0.8), 0.2, (1800, 5400), emit,
                     max_calls=20)


# ---------------------------------------------------------------------- wangiri

class Wangiri(Campaign):
    typology = "wangiri"

    def __init__(self, w: World, rng: random.Random, variant: str):
        self.variant = variant
        nums = w.numbers
        self.start = w.fraud_start_time(rng, "weekday")
        n = rng.randint(4, 8) if variant == "one_ring_burst" else rng.randint(2, 4)
        spread = 1 if rng.random() < 0.6 else rng.randint(2, 50)
        self.numbers = nums.premium_block(n, spread) if variant != "low_and_slow" else \
            [x for _ in range(n) for x in nums.premium_block(1)]
        for x in self.numbers:
            self.fraud(w, x, variant, self.start)
        self.premium_back = nums.premium_block(3) if variant == "sms_lure" else self.numbers
        if variant == "one_ring_burst":
            ddds = rng.sample(["11", "21", "31", "41", "51", "61", "71", "81", "85", "19"], 3)
            self.victims = sorted((s for s in w.subs if s.ddd in ddds), key=lambda s: s.number)
            k = min(len(self.victims), int(rng.uniform(0.25, 0.8) * len(self.victims)))
            first = rng.randrange(0, max(1, len(self.victims) - k))
            self.victims = self.victims[first:first + k]
            self.duration = int(rng.uniform(1.0, 4.0) * HOUR)
        else:
            self.victims = rng.sample(w.subs, min(len(w.subs), int(rng.uniform(150, 600) * w.scale) + 10))
            self.duration = int(rng.uniform(10, 30) * HOUR)
        self.callback_p = rng.uniform(0.02, 0.07)

    def day(self, w, d, out, rng):
        lo, hi = max(self.start, d * DAY), min(self.start + self.duration, (d + 1) * DAY, w.span)
        if lo >= hi:
            return
        todo = self.victims
        span = self.duration
        # victims are reached in list order across the campaign; find the ones for this day's slice
        i0 = int(len(todo) * (lo - self.start) / span)
        i1 = int(len(todo) * (hi - self.start) / span)
        chunk = todo[i0:i1]
        if self.variant != "one_ring_burst":
            chunk = rng.sample(chunk, len(chunk))
        for k, v in enumerate(chunk):
            t = lo + int((hi - lo) * k / max(1, len(chunk))) + rng.randint(0, 20)
            h = (t % DAY) // HOUR
            if self.variant == "low_and_slow" and not (8 <= h < 23):
                continue
            caller = self.numbers[k % len(self.numbers)] if self.variant == "one_ring_burst" else rng.choice(self.numbers)
            if self.variant == "sms_lure":
                out.append((t, SMS, caller, v.number, 0, ANSWERED, None, None))
            else:
                ring = rng.randint(1, 4)
                disp = NO_ANSWER if rng.random() < 0.93 else ANSWERED
                out.append((t, VOICE, caller, v.number, ring if disp == NO_ANSWER else 1, disp, None, None))
            if rng.random() < self.callback_p * (0.6 if 0 <= h < 7 else 1.0):
                for _ in range(1 if rng.random() < 0.8 else 2):  # some try twice
                    tb = t + int(rng.expovariate(1 / 1800)) + 20
                    if tb >= (d + 1) * DAY:
                        break
                    lost = w.takeover_at.get(v.number)
                    if lost and lost[0] <= tb < lost[1]:
                        break
                    back = self.premium_back[0] if self.variant == "sms_lure" else caller
                    r = rng.random()
                    dur, disp = (lognorm_s(rng, 75, 0.9, 1800), ANSWERED) if r < 0.85 else (0, FAILED)
                    out.append((tb, VOICE, v.number, back, dur, disp, v.cell_at(rng, tb, False, 0.15), v.imei_at(tb)))
                    t = tb + dur


# ---------------------------------------------------------------------- SIM boxes

class SimBox(Campaign):
    typology = "simbox"

    def __init__(self, w: World, rng: random.Random, variant: str):
        self.variant = variant
        nums = w.numbers
        self.ddd = rng.choice(["11", "21", "31", "41", "45", "61", "71", "81", "85", "92"])
        start = w.fraud_start_time(rng)
        home = [w.cells.pick(rng, self.ddd)]
        self.receivers = intl_receivers(w)
        self.anyone = Targets(w, None, onnet_share=0.8, dead_share=0.03)
        self.sims: list[Sim] = []
        if variant == "static_box":
            ports = rng.choice([8, 16, 16, 32])
            imeis = nums.module_imeis(ports)
            for i in range(ports):
                self.sims += sim_chain(self, w, rng, variant, start + rng.randrange(0, 1200), (16, 60), (5, 60),
                                       lambda: nums.mobile(self.ddd), home, imeis[i], max_sims=3)
        elif variant == "rotating_sims":
            ports = rng.choice([4, 8])
            imeis = nums.module_imeis(ports)
            cells = home + [w.cells.near(rng, self.ddd, home[0], 2)]
            for i in range(ports):
                self.sims += sim_chain(self, w, rng, variant, start + rng.randrange(0, 3600), (3, 9), (1, 20),
                                       lambda: nums.mobile(DDD_CHOICE.pick(rng)), cells, imeis[i], max_sims=4)
        else:  # human_mimic: each SIM has its own "phone" IMEI and the box is moved between sites
            cells = [w.cells.pick(rng, self.ddd) for _ in range(rng.randint(2, 4))]
            for _ in range(rng.randint(8, 16)):
                self.sims += sim_chain(self, w, rng, variant, start + rng.randrange(0, 4 * HOUR), (30, 80), (60, 240),
                                       lambda: nums.mobile(self.ddd), cells, nums.handset_imei(), max_sims=2)
        self.answer = rng.uniform(0.5, 0.65)

    def pick(self, rng: random.Random) -> tuple[str, bool]:
        if rng.random() < 0.45:
            return rng.choice(self.receivers), True
        return self.anyone.pick(rng)

    def day(self, w, d, out, rng):
        if self.variant == "human_mimic":
            friends = [s.number for s in self.sims]
            for k, sim in enumerate(self.sims):
                site = sim.cells[(d + k) % len(sim.cells)]  # the box is moved between sites from day to day
                lo, hi = max(sim.t0, d * DAY), min(sim.t1, (d + 1) * DAY)
                if lo >= hi:
                    continue
                for _ in range(poisson(rng, rng.uniform(35, 70))):
                    t = HOURS["weekday"].sample(rng, d)
                    if not lo <= t < hi:
                        continue
                    cell = site if rng.random() < 0.8 else rng.choice(sim.cells)
                    r = rng.random()
                    if r < 0.06:  # fake social life: texts and calls between the box's own SIMs
                        out.append((t, SMS, sim.number, rng.choice(friends), 0, ANSWERED, cell, sim.imei))
                        continue
                    callee, alive = self.pick(rng)
                    if not alive:
                        dur, disp = 0, FAILED
                    elif rng.random() < self.answer:
                        dur, disp = lognorm_s(rng, 140, 1.0, 3600), ANSWERED
                    else:
                        dur, disp = rng.randint(10, 35), NO_ANSWER
                    out.append((t, VOICE, sim.number, callee, dur, disp, cell, sim.imei))
            return
        for sim in self.sims:
            emit_cells = sim.cells
            for a, b in windows(d, SIMBOX_HOURS, sim.t0, sim.t1):
                emit = voice(out, sim.number, rng.choice(emit_cells), sim.imei)
                dial(rng, a + rng.randint(0, 300), b, self.pick, self.answer, (150, 0.9), 0.08, (3, 40), emit,
                     max_calls=800, ring=(20, 45))


# ---------------------------------------------------------------------- IRSF

class IRSF(Campaign):
    typology = "irsf"

    def __init__(self, w: World, rng: random.Random, variant: str):
        self.variant = variant
        nums = w.numbers
        self.start = w.fraud_start_time(rng, "night")
        self.ranges = [nums.premium_block(rng.randint(10, 60)) for _ in range(rng.randint(1, 3))]
        self.lines: list[tuple[Sim, int]] = []  # (sim, parallel channels)
        if variant == "subscription_fraud_sims":
            ddd = DDD_CHOICE.pick(rng)
            cell = w.cells.pick(rng, ddd)
            for _ in range(rng.randint(3, 6)):
                num = nums.mobile(ddd)
                t0 = self.start + rng.randrange(0, HOUR)
                self.fraud(w, num, variant, t0)
                self.lines.append((Sim(num, t0, min(w.span, t0 + int(rng.uniform(3, 14) * HOUR)), [cell],
                                       nums.handset_imei()), 1))
        elif variant == "hacked_pbx":
            pbx = rng.choice([p for p in w.pbxs if w.labels[p.number][0] == "legit"])
            self.fraud(w, pbx.number, variant, self.start)
            self.lines.append((Sim(pbx.number, self.start, min(w.span, self.start + int(rng.uniform(4, 10) * HOUR)),
                                   [None], None), rng.randint(4, 15)))
        else:  # stolen_m2m_sim
            dev = rng.choice([m for m in w.m2m if w.labels[m.number][0] == "legit" and m.stop_at > w.span])
            dev.stop_at = self.start - rng.randint(1, 6) * HOUR
            self.fraud(w, dev.number, variant, self.start)
            cells = [w.cells.pick(rng, dev.ddd) for _ in range(2)]
            self.lines.append((Sim(dev.number, self.start, min(w.span, self.start + int(rng.uniform(6, 20) * HOUR)),
                                   cells, nums.handset_imei()), 1))

    def pick(self, rng: random.Random) -> tuple[str, bool]:
        return rng.choice(rng.choice(self.ranges)), True

    def day(self, w, d, out, rng):
        for sim, channels in self.lines:
            emit = voice(out, sim.number, sim.cells[0], sim.imei)
            spans = ALLDAY if self.variant == "hacked_pbx" else NIGHT
            if self.variant != "hacked_pbx" and rng.random() < 0.3:
                spans = ALLDAY  # some do not wait for the night
            for _ in range(channels):
                for a, b in windows(d, spans, sim.t0, sim.t1):
                    a += rng.randint(0, 300)
                    if a < b and sim.t0 >= d * DAY and a - sim.t0 < 600 and rng.random() < 0.7:
                        emit(a, self.pick(rng)[0], rng.randint(20, 60), ANSWERED)  # test call first
                        a += 90
                    dial(rng, a, b, self.pick, 0.85, (1500, 0.5), 0.05, (2, 30), emit, max_calls=300)


# ---------------------------------------------------------------------- takeover

class Takeover(Campaign):
    typology = "takeover"

    def __init__(self, w: World, rng: random.Random, variant: str, gang_phones: list[str], gang_ddd: str):
        self.variant = variant
        pool = [s for s in w.subs if s.typology == "ordinary" and s.profile in ("typical", "heavy_talker", "professional",
                                                                               "elderly") and "/" not in s.variant
                and s.number not in w.takeover_at]
        self.victim = v = rng.choice(pool)
        self.t = w.fraud_start_time(rng, "shop" if variant != "stolen_phone" else "evening")
        self.until = min(w.span + DAY, self.t + int(rng.uniform(3, 30) * HOUR))
        w.takeover_at[v.number] = (self.t, self.until)
        self.fraud(w, v.number, variant, self.t)
        self.phone = rng.choice(gang_phones)
        far = gang_ddd if gang_ddd != v.ddd else "21"
        if variant == "stolen_phone":  # thieves stay in town, hand the phone on
            self.cells = [w.cells.near(rng, v.ddd, v.home, 40) for _ in range(3)]
            self.switch = self.t + rng.randint(20 * 60, 2 * HOUR)
            v.imei_changes.append((self.until, w.span + DAY, w.numbers.handset_imei()))  # owner's new phone
        else:
            self.cells = [w.cells.pick(rng, far) for _ in range(2)]
            self.switch = self.t
        banks = w.a2p.get("bank_otp", [])
        apps = w.a2p.get("app_verification", [])
        self.otp = (rng.sample(banks, min(len(banks), rng.randint(1, 3))) if variant != "sim_swap_contacts"
                    else apps[:1] + rng.sample(banks, 1))
        self.centrals = [n for n, wgt in w.service_numbers if n.startswith(("+554004", "+554003", "+553003"))]

    def day(self, w, d, out, rng):
        v = self.victim
        lo, hi = max(self.t, d * DAY), min(self.until, (d + 1) * DAY)
        if lo >= hi:
            return
        num = v.number

        def dev(t: int) -> tuple[str, str]:
            if t < self.switch:
                return rng.choice(self.cells), v.imei
            return rng.choice(self.cells), self.phone

        t = lo
        if lo == self.t:  # the first hour: one-time codes arrive, the bank is called
            for code in self.otp:
                for _ in range(rng.randint(1, 4)):
                    t += rng.randint(30, 600)
                    if t < hi:
                        out.append((t, SMS, code, num, 0, ANSWERED, None, None))
            for _ in range(rng.randint(0, 2) if self.variant != "sim_swap_bank" else rng.randint(1, 3)):
                t += rng.randint(60, 900)
                if t < hi and self.centrals:
                    cell, imei = dev(t)
                    out.append((t, VOICE, num, rng.choice(self.centrals), lognorm_s(rng, 300, 0.7, 3600), ANSWERED,
                                cell, imei))
        if self.variant in ("sim_swap_contacts", "stolen_phone"):
            contacts = v.contacts
            n = rng.randint(8, 35)
            for c in rng.sample(contacts, min(n, len(contacts))):  # "preciso de um Pix urgente"
                tc = max(lo, self.switch) + rng.randint(0, 3 * HOUR)
                if tc >= hi:
                    continue
                cell, imei = dev(tc)
                if rng.random() < 0.6:
                    out.append((tc, SMS, num, c, 0, ANSWERED, cell, imei))
                else:
                    r = rng.random()
                    dur, disp = (lognorm_s(rng, 80, 0.7, 900), ANSWERED) if r < 0.6 else (rng.randint(8, 30), NO_ANSWER)
                    out.append((tc, VOICE, num, c, dur, disp, cell, imei))
        else:
            for _ in range(poisson(rng, 3)):
                tc = lo + rng.randrange(hi - lo)
                cell, imei = dev(tc)
                out.append((tc, VOICE, num, random_mobile(rng, DDD_CHOICE.pick(rng)), lognorm_s(rng, 60, 0.8, 900),
                            ANSWERED, cell, imei))


# ---------------------------------------------------------------------- robocalls

class Robocall(Campaign):
    typology = "robocall"

    def __init__(self, w: World, rng: random.Random, variant: str):
        self.variant = variant
        nums = w.numbers
        self.start = w.fraud_start_time(rng, "business")
        self.end = min(w.span, self.start + int(rng.uniform(8, 40) * HOUR))
        self.msg = rng.randint(18, 45)  # length of the recorded message
        self.sims: list[Sim] = []
        if variant == "sequential_trunk":
            ddd = rng.choice(["11", "21", "31", "41", "51", "71", "81"])
            for _ in range(rng.randint(1, 2)):
                num = nums.fixed(ddd, rng.choice("34"))
                self.fraud(w, num, variant, self.start)
                self.sims.append(Sim(num, self.start, self.end, [None], None))
            self.channels = rng.randint(1, 3)
            self.next = {s.number: (rng.choice(["11", "21", "31", "41"]), rng.randrange(60000000, 99000000))
                         for s in self.sims}
        elif variant == "spoofed_cli":  # enters by interconnect: no cell, no IMEI, caller IDs of the victim's area
            self.rate = rng.uniform(600, 1800) * w.scale + 50
            self.cli_by_ddd: dict[str, list[str]] = {}
            for ddd in rng.sample(["11", "21", "31", "41", "51", "61", "71", "81", "85"], 6):
                self.cli_by_ddd[ddd] = []
                for _ in range(rng.randint(2, 5)):
                    n = nums.mobile(ddd)
                    self.fraud(w, n, variant, self.start)
                    self.cli_by_ddd[ddd].append(n)
            self.victims = [s for s in w.subs if s.ddd in self.cli_by_ddd] or w.subs[:1]
            self.channels = 0
        else:  # gsm_gateway_robocall
            ddd = rng.choice(["11", "21", "31", "41", "62"])
            cell = w.cells.pick(rng, ddd)
            ports = rng.choice([4, 8])
            imeis = nums.module_imeis(ports)
            for i in range(ports):
                self.sims += sim_chain(self, w, rng, variant, self.start + rng.randrange(0, 600), (10, 30), (10, 60),
                                       lambda: nums.mobile(ddd), [cell], imeis[i], max_sims=2)
            self.targets = Targets(w, None, onnet_share=0.3, dead_share=0.1)
            self.channels = 1

    def seq_pick(self, number: str):
        def pick(rng: random.Random) -> tuple[str, bool]:
            ddd, n = self.next[number]
            n += 1 if rng.random() < 0.9 else rng.randint(2, 5)
            self.next[number] = (ddd, n)
            return f"+55{ddd}9{n:08d}", rng.random() < 0.65
        return pick

    def day(self, w, d, out, rng):
        spans = [(9.0, 21.0)] if self.variant != "sequential_trunk" else [(8.0, 20.0)]
        if self.variant == "spoofed_cli":
            for a, b in windows(d, spans, self.start, self.end):
                n = int(self.rate * (b - a) / (12 * HOUR))
                for k in range(n):
                    t = a + int((b - a) * k / max(1, n)) + rng.randint(0, 30)
                    v = rng.choice(self.victims)
                    cli = rng.choice(self.cli_by_ddd[v.ddd])
                    r = rng.random()
                    if r < 0.4:
                        dur, disp = (self.msg + rng.randint(0, 3)) if rng.random() < 0.4 else rng.randint(1, 10), ANSWERED
                    elif r < 0.9:
                        dur, disp = rng.randint(10, 30), NO_ANSWER
                    else:
                        dur, disp = 0, BUSY
                    out.append((t, VOICE, cli, v.number, dur, disp, None, None))
            return
        for sim in self.sims:
            emit = voice(out, sim.number, sim.cells[0], sim.imei)
            pick = self.seq_pick(sim.number) if self.variant == "sequential_trunk" else self.targets.pick
            for _ in range(self.channels):
                for a, b in windows(d, spans, sim.t0, sim.t1):
                    dial(rng, a + rng.randint(0, 120), b, pick, 0.4, (self.msg, 0.05), 0.55, (1, 6), emit,
                         max_calls=3000, ring=(12, 25))


def build(w: World) -> list[Campaign]:
    """Randomised campaigns; counts scale with the subscriber base but keep a floor per variant."""
    rng = w.stream("fraud-build")
    n = w.hard_count
    camps: list[Campaign] = []
    # SIM swaps come first: they reserve victims the other campaigns then avoid hurting.
    gang_ddd = rng.choice(["11", "21"])
    gang_phones = [w.numbers.handset_imei() for _ in range(rng.randint(2, 4))]
    for variant, base in [("sim_swap_bank", 7), ("sim_swap_contacts", 6), ("stolen_phone", 5)]:
        camps += [Takeover(w, rng, variant, gang_phones, gang_ddd) for _ in range(n(base, rng, 4))]
    for variant, base in [("prison_fake_kidnapping", 2), ("fake_bank_central", 1), ("fake_bank_sms_callback", 1),
                          ("whatsapp_impersonation", 1)]:
        camps += [ScamFarm(w, rng, variant) for _ in range(n(base, rng))]
    for variant, base in [("one_ring_burst", 2), ("low_and_slow", 3), ("sms_lure", 2)]:
        camps += [Wangiri(w, rng, variant) for _ in range(n(base, rng))]
    for variant, base in [("static_box", 1), ("human_mimic", 1), ("rotating_sims", 1)]:
        camps += [SimBox(w, rng, variant) for _ in range(n(base, rng))]
    for variant, base in [("subscription_fraud_sims", 2), ("hacked_pbx", 3), ("stolen_m2m_sim", 4)]:
        camps += [IRSF(w, rng, variant) for _ in range(n(base, rng))]
    for variant, base in [("sequential_trunk", 2), ("spoofed_cli", 1), ("gsm_gateway_robocall", 1)]:
        camps += [Robocall(w, rng, variant) for _ in range(n(base, rng))]
    return camps


def day(w: World, camps: list[Campaign], d: int, out: list) -> None:
    rng = w.stream("fraud", d)
    for c in camps:
        c.day(w, d, out, rng)
