"""Fraud from SIM farms: scam call farms, SIM-box bypass gateways and robocallers.

Every fraud number is registered in labels.csv at its first fraudulent record
(fraud_start), so reserve SIMs that never got used are not listed.
"""

from __future__ import annotations

import random

import numpy as np

from . import numbering as nb
from .base import Window, answer, lognormal, ring
from .clock import HOUR_MS, IST, MIN_MS, START_MS, is_business, local, weight
from .lines import Line, customer, from_outside
from .people import Crowd
from .population import NumberPool
from .records import Labels, Sink


class FraudBase:
    """Common bookkeeping: label on first use, start time, end of the stream."""

    typology = ""

    def __init__(self, labels: Labels, crowd: Crowd, start: int) -> None:
        self.labels, self.crowd, self.start = labels, crowd, start
        self.marked: set[str] = set()

    def mark(self, number: str, t: int, onnet: bool = True) -> None:
        """Record the number's fraud start at its first fraudulent record."""
        if number not in self.marked:
            self.marked.add(number)
            self.labels.fraud(number, self.typology, t, onnet)


def _targets(rng: random.Random, crowd: Crowd, mode: str, cursor: list[str]) -> str:
    if mode == "sequential":
        head, tail = cursor[0][:-5], int(cursor[0][-5:])
        cursor[0] = f"{head}{(tail + 1) % 100000:05d}"
        return cursor[0]
    if mode == "leaked":
        return crowd.people[crowd.pick_plain(rng)].number
    return nb.mobile(rng)


class ScamFarm(FraudBase):
    """Several SIMs calling many strangers from one site (or a van), SIMs burnt and replaced."""

    typology = "scam_farm"

    def __init__(self, rng: random.Random, pool: NumberPool, crowd: Crowd, labels: Labels, n: int,
                 hours: float) -> None:
        super().__init__(labels, crowd, START_MS + int(hours * HOUR_MS * rng.uniform(0.12, 0.7)))
        self.city = rng.choice(("BLR", "BLR", "MYS", "MLR", "HUB"))
        numbers = pool.take_block(n * 2) if rng.random() < 0.5 else [pool.take() for _ in range(n * 2)]
        self.reserve = numbers[n:]
        rotate = rng.random() < 0.4  # SIMs hop between a few handsets
        self.handsets = [nb.imei(rng) for _ in range(max(2, n // 2) if rotate else n)]
        self.rotate = rotate
        self.moving = rng.random() < 0.3
        site = nb.cell(rng, self.city)
        style = rng.randrange(2)
        self.sims = [Line(num, self.handsets[k % len(self.handsets)], site, style) for k, num in enumerate(numbers[:n])]
        self.talker = rng.random() < 0.35  # keeps victims on the line for minutes
        self.p_answer = rng.uniform(0.2, 0.5)
        self.pitch = rng.uniform(240, 600) if self.talker else rng.uniform(20, 50)
        self.gap = rng.uniform(20, 90) if not self.talker else rng.uniform(30, 180)
        self.mode = rng.choice(("random", "random", "sequential", "leaked"))
        self.cursor = [nb.mobile(rng)]
        self.sms_share = rng.choice((0.0, 0.0, 0.1, 0.3))
        self.burn = rng.randint(60, 250) if rng.random() < 0.5 else 10**9
        opening, closing = rng.uniform(8, 10.5), rng.uniform(18, 22)
        self.hours = [(opening + rng.uniform(0, 0.5), closing + rng.uniform(-0.5, 0.5)) for _ in range(n)]
        self.used = [0] * n
        self.next_t = [self.start + rng.randrange(30 * MIN_MS) for _ in range(n)]

    def window(self, w: Window, rng: random.Random, nrng: np.random.Generator, sink: Sink) -> None:
        """Each SIM dials strangers back to back while the farm works."""
        if w.end <= self.start:
            return
        for k, s in enumerate(self.sims):
            t = max(w.start, self.start, self.next_t[k])
            if self.rotate:
                s.imei = self.handsets[rng.randrange(len(self.handsets))]
            if self.moving:
                s.cell = nb.near(rng, self.city, s.cell or nb.cell(rng, self.city))
            for _ in range(3000):
                if t >= w.end:
                    break
                _, hour = local(t)
                if not (self.hours[k][0] <= hour < self.hours[k][1]):
                    t += rng.randrange(5 * MIN_MS, 15 * MIN_MS)
                    continue
                if self.used[k] >= self.burn and self.reserve:
                    s.number, self.used[k] = self.reserve.pop(), 0
                self.used[k] += 1
                self.mark(s.number, t)
                victim = _targets(rng, self.crowd, self.mode, self.cursor)
                if rng.random() < self.sms_share:
                    s.send(sink, rng, t, victim, 0, "answered", sms=True)
                    t += rng.randrange(3_000, 20_000)
                    continue
                disp = answer(rng, self.p_answer)
                dur = lognormal(rng, self.pitch, 0.8, 3600) if disp == "answered" else ring(rng)
                s.send(sink, rng, t, victim, dur, disp)
                if disp != "answered" and rng.random() < 0.04:
                    back = t + int(lognormal(rng, 900_000, 1.0, 4 * HOUR_MS))
                    from_outside(sink, self.crowd, self.labels, rng, back, victim, s.number, s.style,
                                 lognormal(rng, 30, 0.8), answer(rng, 0.7))
                t += int(dur * 1000) + int(lognormal(rng, self.gap, 0.7, 1200) * 1000)
            self.next_t[k] = t


class SimBox(FraudBase):
    """A bypass gateway: international calls terminated as local mobile calls."""

    typology = "simbox"

    def __init__(self, rng: random.Random, pool: NumberPool, crowd: Crowd, labels: Labels, n: int,
                 hours: float) -> None:
        super().__init__(labels, crowd, START_MS + int(hours * HOUR_MS * rng.uniform(0.1, 0.6)))
        numbers = pool.take_block(n * 2) if rng.random() < 0.4 else [pool.take() for _ in range(n * 2)]
        self.reserve = numbers[n:] if rng.random() < 0.5 else []
        self.imei_mode = rng.choice(("shared", "shared", "rotating", "per_sim"))
        slots = rng.choice((4, 8, 16))
        tac = rng.choice(nb.GATEWAY_TACS) if self.imei_mode != "per_sim" else None
        self.pool_imeis = [nb.imei(rng, tac) for _ in range(max(1, n // slots) if self.imei_mode == "shared"
                                                                else rng.randint(4, 32) if self.imei_mode == "rotating"
                                                                else n)]
        city = rng.choice(("BLR", "BLR", "MLR", "HUB"))
        cells = [nb.cell(rng, city) for _ in range(rng.randint(1, 3))]
        style = rng.randrange(2)
        self.sims = [Line(num, self.pool_imeis[k % len(self.pool_imeis)], rng.choice(cells), style,
                          p_missing=rng.choice((0.02, 0.02, 0.1)))
                     for k, num in enumerate(numbers[:n])]
        self.office = rng.random() < 0.25
        self.human = rng.random() < 0.4  # SMS and inbound trickle to look like people
        self.rate = rng.uniform(5, 16)
        self.p_answer = rng.uniform(0.6, 0.8)
        self.talk = rng.uniform(120, 300)
        self.burn = rng.randint(80, 300)
        self.families: list[str] = []
        self.used = [0] * n
        self.next_t = [self.start + rng.randrange(30 * MIN_MS) for _ in range(n)]

    def _callee(self, rng: random.Random) -> str:
        if self.families and rng.random() < 0.25:
            return self.families[rng.randrange(len(self.families))]
        c = customer(self.crowd, rng, 0.45) if rng.random() < 0.9 else nb.landline(rng)
        if len(self.families) < 5000:
            self.families.append(c)
        return c

    def window(self, w: Window, rng: random.Random, nrng: np.random.Generator, sink: Sink) -> None:
        """Each SIM carries one call at a time, at a rate following the callers' evenings."""
        if w.end <= self.start:
            return
        for k, s in enumerate(self.sims):
            t = max(w.start, self.start, self.next_t[k])
            for _ in range(3000):
                if t >= w.end:
                    break
                if self.office and not is_business(t, IST, 9.0, 18.0):
                    t += rng.randrange(5 * MIN_MS, 15 * MIN_MS)
                    continue
                if self.used[k] >= self.burn and self.reserve:
                    s.number, self.used[k] = self.reserve.pop(), 0
                if self.imei_mode == "rotating":
                    s.imei = self.pool_imeis[rng.randrange(len(self.pool_imeis))]
                self.used[k] += 1
                self.mark(s.number, t)
                disp = answer(rng, self.p_answer)
                dur = lognormal(rng, self.talk, 0.9, 3600) if disp == "answered" else ring(rng)
                s.send(sink, rng, t, self._callee(rng), dur, disp)
                if self.human and rng.random() < 0.03:
                    s.send(sink, rng, t + int(dur * 1000) + 2000, nb.mobile(rng), 0, "answered", sms=True)
                if self.human and rng.random() < 0.02:
                    other = self.sims[rng.randrange(len(self.sims))]
                    other.send(sink, rng, t + 5000, s.number, lognormal(rng, 40, 0.5), "answered")
                lam = self.rate * max(0.1, weight("evening", t)) if not self.office else self.rate
                t += int(dur * 1000) + int(rng.expovariate(lam) * HOUR_MS)
            self.next_t[k] = t


class Robocall(FraudBase):
    """Automated dialling: very regular gaps, one message length, sequential or random targets."""

    typology = "robocall"

    def __init__(self, rng: random.Random, pool: NumberPool, crowd: Crowd, labels: Labels, n: int,
                 hours: float) -> None:
        super().__init__(labels, crowd, START_MS + int(hours * HOUR_MS * rng.uniform(0.1, 0.75)))
        kind = rng.choice(("sim", "voip", "spoofed"))
        if kind == "sim":
            modem = nb.imei(rng, rng.choice(nb.GATEWAY_TACS))
            cell = nb.cell(rng, "BLR")
            self.clis = [Line(num, modem, cell, rng.randrange(2)) for num in pool.take_block(n)]
        elif kind == "voip":
            std = rng.choice(("80", "22", "11"))
            self.clis = [Line(pool.take_landline(std), None, None, 1, p_missing=0.0) for _ in range(n)]
        else:
            self.clis = [Line(nb.spoofed(rng), None, None, rng.randrange(2), p_missing=0.0) for _ in range(n)]
        self.onnet = kind != "spoofed"
        self.gap = rng.uniform(2.0, 12.0)
        self.loose = rng.random() < 0.3  # subtle: jittered gaps
        self.msg = rng.uniform(12, 40)
        self.timeout = rng.choice((18.0, 20.0, 25.0, 30.0))
        self.p_answer = rng.uniform(0.25, 0.55)
        self.mode = rng.choice(("sequential", "sequential", "random", "leaked"))
        self.cursor = [nb.mobile(rng)]
        self.session_end = 0
        self.total = hours * HOUR_MS * rng.uniform(0.08, 0.25)  # minutes of dialling in all
        self.t = 0
        self.k = 0

    def window(self, w: Window, rng: random.Random, nrng: np.random.Generator, sink: Sink) -> None:
        """Sessions of round-robin dialling across the CLIs, paced by the dialler's clock."""
        if w.end <= self.start or self.total <= 0:
            return
        t = max(w.start, self.start, self.t)
        for _ in range(50_000):
            if t >= w.end or self.total <= 0:
                break
            _, hour = local(t)
            if not 8 <= hour < 21:
                t += 30 * MIN_MS
                continue
            if t >= self.session_end:
                t += rng.randrange(0, 90 * MIN_MS) if self.session_end else 0
                self.session_end = t + rng.randrange(20 * MIN_MS, 120 * MIN_MS)
                continue
            cli = self.clis[self.k % len(self.clis)]
            self.k += 1
            self.mark(cli.number, t, self.onnet)
            disp = answer(rng, self.p_answer)
            if disp == "answered":
                dur = self.msg + rng.uniform(-0.6, 0.6) if rng.random() < 0.6 else rng.uniform(1.0, self.msg)
            else:
                dur = self.timeout if disp == "no_answer" else 0.0
            cli.send(sink, rng, t, _targets(rng, self.crowd, self.mode, self.cursor), dur, disp)
            step = self.gap * (rng.uniform(0.5, 1.5) if self.loose else rng.uniform(0.98, 1.02))
            t += int(step * 1000)
            self.total -= step * 1000
        self.t = t
