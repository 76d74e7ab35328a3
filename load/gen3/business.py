"""Busy honest callers: delivery couriers, outbound call centres and taxi dispatch."""

from __future__ import annotations

import random

import numpy as np

from . import numbering as nb
from .base import Window, answer, lognormal, ring, times_in
from .clock import HOUR_MS, IST, MIN_MS, START_MS, is_business, local, weight
from .lines import Line, customer, from_outside
from .people import Crowd
from .population import NumberPool
from .records import Labels, Sink


class Courier:
    """Many short calls to many distinct customers from moving cells, on a day shift."""

    def __init__(self, rng: random.Random, pool: NumberPool, crowd: Crowd, labels: Labels) -> None:
        self.crowd, self.labels = crowd, labels
        self.line = Line(pool.take(), nb.imei(rng), None, rng.randrange(2))
        self.city = rng.choice(("BLR", "BLR", "BLR", "MYS"))
        self.line.cell = nb.cell(rng, self.city)
        self.shift = (rng.uniform(7.5, 10.0), rng.uniform(17.0, 21.0))
        self.day_off = rng.choice((6, 6, 6, 0, 2))
        self.rate = rng.uniform(7, 18)
        self.hub = nb.landline(rng, "80")
        labels.honest(self.line.number, "courier")

    def window(self, w: Window, rng: random.Random, nrng: np.random.Generator, sink: Sink) -> None:
        """Delivery attempts with retries, SMS notices and customers ringing back."""
        wd, hour = local(w.start)
        if wd == self.day_off or not (self.shift[0] <= hour < self.shift[1]):
            return
        ln = self.line
        for t in times_in(rng, w, self.rate):
            if rng.random() < 0.25:
                ln.cell = nb.near(rng, self.city, ln.cell or nb.cell(rng, self.city))
            if rng.random() < 0.04:
                ln.send(sink, rng, t, self.hub, lognormal(rng, 60, 0.6), "answered")
                continue
            cust = customer(self.crowd, rng)
            tt = t
            for attempt in range(3):
                disp = answer(rng, 0.68)
                ln.send(sink, rng, tt, cust, lognormal(rng, 35, 0.5) if disp == "answered" else ring(rng), disp)
                if disp == "answered":
                    break
                if rng.random() < 0.3:
                    ln.send(sink, rng, tt + rng.randrange(5_000, 30_000), cust, 0, "answered", sms=True)
                if rng.random() < 0.35:
                    back = tt + int(lognormal(rng, 600_000, 0.9, 3 * HOUR_MS))
                    from_outside(sink, self.crowd, self.labels, rng, back, cust, ln.number, ln.style,
                                 lognormal(rng, 40, 0.5), answer(rng, 0.8))
                    break
                tt += rng.randrange(2 * MIN_MS, 12 * MIN_MS)


class CallCentre:
    """One site of outbound agents (SIMs) dialling lead lists in business hours."""

    def __init__(self, rng: random.Random, pool: NumberPool, crowd: Crowd, labels: Labels,
                 n_agents: int, hours: float) -> None:
        self.crowd, self.labels = crowd, labels
        city = rng.choice(("BLR", "BLR", "MYS", "HUB"))
        cells = [nb.cell(rng, city) for _ in range(rng.randint(1, 2))]
        kind = rng.random()
        if kind < 0.3:
            numbers = [nb.telemarketer(rng) for _ in range(n_agents)]
        elif kind < 0.7:
            numbers = pool.take_block(n_agents)
        else:
            numbers = [pool.take() for _ in range(n_agents)]
        shared = rng.random() < 0.35  # agents' SIMs in desk gateways, 8 per module
        gw = [nb.imei(rng, rng.choice(nb.GATEWAY_TACS)) for _ in range(n_agents // 8 + 1)]
        style = rng.randrange(2)
        self.agents = [Line(n, gw[k // 8] if shared else nb.imei(rng), rng.choice(cells), style)
                       for k, n in enumerate(numbers)]
        self.next_t = [0] * n_agents
        self.p_answer = rng.uniform(0.3, 0.55)
        self.talk = rng.uniform(50, 150)
        close = rng.choice((18.5, 18.5, 20.0))
        self.shifts = [(rng.uniform(9.0, 10.25), close + rng.uniform(-0.5, 0.4)) for _ in self.agents]
        self.sequential = rng.random() < 0.35  # purchased list dialled in number order
        self.debt = [customer(crowd, rng, 0.4) for _ in range(300)] if rng.random() < 0.25 else []
        self.cursor = nb.mobile(rng)
        late = rng.random() < 0.35  # a new campaign on fresh SIMs, starting mid-stream
        self.start = START_MS + (int(hours * HOUR_MS * rng.uniform(0.3, 0.6)) if late else 0)
        for a in self.agents:
            labels.honest(a.number, "call_centre")

    def _lead(self, rng: random.Random) -> str:
        if self.debt:
            return self.debt[rng.randrange(len(self.debt))]
        if self.sequential:
            head, tail = self.cursor[:-5], int(self.cursor[-5:])
            self.cursor = f"{head}{(tail + rng.randint(1, 3)) % 100000:05d}"
            return self.cursor
        return customer(self.crowd, rng, 0.3)

    def window(self, w: Window, rng: random.Random, nrng: np.random.Generator, sink: Sink) -> None:
        """Each agent dials, talks, wraps up, takes breaks; a few leads call back."""
        if w.end <= self.start:
            return
        for k, a in enumerate(self.agents):
            t = max(w.start, self.next_t[k], self.start)
            for _ in range(2000):
                if t >= w.end:
                    break
                if not is_business(t, IST, *self.shifts[k]):
                    t += rng.randrange(5 * MIN_MS, 15 * MIN_MS)
                    continue
                if rng.random() < 0.02:  # a break
                    t += rng.randrange(5 * MIN_MS, 30 * MIN_MS)
                    continue
                lead = self._lead(rng)
                disp = answer(rng, self.p_answer)
                dur = lognormal(rng, self.talk, 0.8, 1800) if disp == "answered" else ring(rng)
                a.send(sink, rng, t, lead, dur, disp)
                if disp != "answered" and rng.random() < 0.04:
                    back = t + int(lognormal(rng, 1_800_000, 1.0, 5 * HOUR_MS))
                    from_outside(sink, self.crowd, self.labels, rng, back, lead, a.number, a.style,
                                 lognormal(rng, 60, 0.8), "answered")
                t += int(dur * 1000) + rng.randrange(8_000, 60_000)
            self.next_t[k] = t


class TaxiDispatch:
    """A dispatch desk: bookings ring in, drivers are called, customers get an SMS, day and night."""

    def __init__(self, rng: random.Random, pool: NumberPool, crowd: Crowd, labels: Labels) -> None:
        self.crowd, self.labels = crowd, labels
        cell = nb.cell(rng, "BLR")
        style = rng.randrange(2)
        self.desks = [Line(pool.take(), nb.imei(rng), cell, style) for _ in range(rng.randint(2, 3))]
        self.drivers = [nb.mobile(rng) for _ in range(rng.randint(30, 80))]
        self.regulars = [customer(crowd, rng) for _ in range(rng.randint(100, 300))]
        self.rate = rng.uniform(8, 30)
        for d in self.desks:
            labels.honest(d.number, "taxi")

    def window(self, w: Window, rng: random.Random, nrng: np.random.Generator, sink: Sink) -> None:
        """Bookings follow the day profile but never stop at night."""
        lam = self.rate * max(0.25, weight("day", (w.start + w.end) // 2))
        for t in times_in(rng, w, lam):
            desk = self.desks[rng.randrange(len(self.desks))]
            cust = self.regulars[rng.randrange(len(self.regulars))] if rng.random() < 0.5 else customer(self.crowd, rng)
            from_outside(sink, self.crowd, self.labels, rng, t, cust, desk.number, desk.style,
                         lognormal(rng, 45, 0.5), answer(rng, 0.93))
            t2 = t + rng.randrange(30_000, 180_000)
            for _ in range(rng.randint(1, 3)):
                drv = self.drivers[rng.randrange(len(self.drivers))]
                disp = answer(rng, 0.8)
                desk.send(sink, rng, t2, drv, lognormal(rng, 20, 0.4) if disp == "answered" else ring(rng), disp)
                t2 += rng.randrange(20_000, 90_000)
                if disp == "answered":
                    break
            if rng.random() < 0.7:
                desk.send(sink, rng, t2 + 5_000, cust, 0, "answered", sms=True)
            elif rng.random() < 0.5:
                desk.send(sink, rng, t2 + 5_000, cust, lognormal(rng, 25, 0.4), answer(rng, 0.8))
