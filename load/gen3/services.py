"""Other honest high-volume numbers: small businesses, enterprise GSM gateways,
A2P (bank OTP / alert) senders and missed-call services."""

from __future__ import annotations

import random

import numpy as np

from . import numbering as nb
from .base import Window, answer, lognormal, ring, times_in
from .clock import HOUR_MS, IST, is_business, local
from .lines import Line, customer, from_outside
from .people import Crowd
from .population import NumberPool
from .records import Labels, Sink


class SmallBusiness:
    """A clinic, shop or restaurant: many inbound calls from many callers, morning reminder SMS."""

    def __init__(self, rng: random.Random, pool: NumberPool, crowd: Crowd, labels: Labels) -> None:
        self.crowd, self.labels = crowd, labels
        city = rng.choice(nb.HOME_CITIES)
        if rng.random() < 0.3:  # fixed line on the operator's network: no handset, no cell
            self.line = Line(pool.take_landline({"BLR": "80", "MYS": "821", "MLR": "824", "HUB": "836"}[city]),
                             None, None, rng.randrange(2), p_missing=0.0)
        else:
            self.line = Line(pool.take(), nb.imei(rng), nb.cell(rng, city), rng.randrange(2))
        self.regulars = [customer(crowd, rng) for _ in range(rng.randint(50, 400))]
        self.rate_in = rng.uniform(3, 15)
        self.rate_out = rng.uniform(0.5, 2.5)
        self.reminders = rng.random() < 0.4
        self.open = (rng.uniform(8, 11), rng.uniform(18, 22.5))
        labels.honest(self.line.number, "small_business")

    def window(self, w: Window, rng: random.Random, nrng: np.random.Generator, sink: Sink) -> None:
        """Opening hours only (Sunday too for some); reminders go out at opening time."""
        wd, hour = local(w.start)
        if not (self.open[0] - 1 <= hour < self.open[1]):
            return
        ln = self.line
        for t in times_in(rng, w, self.rate_in):
            cust = self.regulars[rng.randrange(len(self.regulars))] if rng.random() < 0.3 else customer(self.crowd, rng)
            disp = answer(rng, 0.8)
            from_outside(sink, self.crowd, self.labels, rng, t, cust, ln.number, ln.style,
                         lognormal(rng, 70, 0.7) if disp == "answered" else ring(rng), disp)
            if disp != "answered" and rng.random() < 0.5:
                ln.send(sink, rng, t + rng.randrange(60_000, 1_200_000), cust, lognormal(rng, 60, 0.6),
                        answer(rng, 0.75))
        for t in times_in(rng, w, self.rate_out):
            ln.send(sink, rng, t, self.regulars[rng.randrange(len(self.regulars))], lognormal(rng, 90, 0.8),
                    answer(rng, 0.75))
        if self.reminders and int(hour) == int(self.open[0]) and wd < 6:
            t = w.start + rng.randrange(HOUR_MS // 2)
            for _ in range(rng.randint(10, 40)):
                t += rng.randrange(3_000, 20_000)
                ln.send(sink, rng, t, customer(self.crowd, rng), 0, "answered", sms=True)


class EnterpriseGateway:
    """An office routing outbound calls through a GSM gateway: SIMs sharing module IMEIs."""

    def __init__(self, rng: random.Random, pool: NumberPool, crowd: Crowd, labels: Labels) -> None:
        self.crowd, self.labels = crowd, labels
        cell = nb.cell(rng, "BLR")
        n = rng.randint(4, 8)
        mods = [nb.imei(rng, rng.choice(nb.GATEWAY_TACS)) for _ in range(2)]
        style = rng.randrange(2)
        self.sims = [Line(num, mods[k // 4], cell, style) for k, num in enumerate(pool.take_block(n))]
        self.clients = [customer(crowd, rng, 0.4) for _ in range(rng.randint(150, 400))]
        self.cum = np.cumsum(1.0 / np.arange(1, len(self.clients) + 1) ** 0.9)
        self.rate = rng.uniform(5, 14)
        for s in self.sims:
            labels.honest(s.number, "enterprise_gateway")

    def _client(self, rng: random.Random) -> str:
        k = int(np.searchsorted(self.cum, rng.random() * self.cum[-1]))
        return self.clients[min(k, len(self.clients) - 1)]

    def window(self, w: Window, rng: random.Random, nrng: np.random.Generator, sink: Sink) -> None:
        """Weekday office hours; clients call back on the same SIMs."""
        if not is_business(w.start, IST, 9.0, 19.0, saturday=False):
            return
        for s in self.sims:
            for t in times_in(rng, w, self.rate):
                disp = answer(rng, 0.75)
                s.send(sink, rng, t, self._client(rng), lognormal(rng, 120, 0.9) if disp == "answered" else ring(rng),
                       disp)
            for t in times_in(rng, w, self.rate * 0.2):
                from_outside(sink, self.crowd, self.labels, rng, t, self._client(rng), s.number, s.style,
                             lognormal(rng, 100, 0.8), answer(rng, 0.85))


class A2PSender:
    """Bank OTP and alert SMS to many subscribers; also the OTP source for new handsets."""

    def __init__(self, rng: random.Random, crowd: Crowd, labels: Labels, number: str, per_hour: float,
                 scheduled: list[tuple[int, str]]) -> None:
        self.crowd, self.number, self.per_hour = crowd, number, per_hour
        self.scheduled = sorted(scheduled)
        labels.honest(number, "a2p_sender", onnet=False)

    def window(self, w: Window, rng: random.Random, nrng: np.random.Generator, sink: Sink) -> None:
        """Random alerts (daytime heavy) plus OTPs scheduled for handset changes."""
        _, hour = local(w.start)
        lam = self.per_hour * (1.0 if 7 <= hour < 23 else 0.15)
        for t in times_in(rng, w, lam):
            p = self.crowd.people[self.crowd.pick_plain(rng)]
            sink.add(t, True, self.number, p.number, 0, "answered", None, None, IST, p.style)
        for t, callee in self.scheduled:
            if w.start <= t < w.end:
                style = self.crowd.people[self.crowd.by_number[callee]].style
                for k in range(rng.randint(1, 2)):
                    sink.add(t + k * rng.randrange(30_000, 200_000), True, self.number, callee, 0, "answered",
                             None, None, IST, style)


class MissedCallService:
    """A toll-free 'give a missed call' number: rejects the call, answers by SMS seconds later."""

    def __init__(self, rng: random.Random, crowd: Crowd, labels: Labels, per_hour: float) -> None:
        self.crowd, self.per_hour = crowd, per_hour
        self.number = nb.tollfree(rng)
        labels.honest(self.number, "missed_call_service", onnet=False)

    def window(self, w: Window, rng: random.Random, nrng: np.random.Generator, sink: Sink) -> None:
        """Callers drop a missed call; the service texts each of them back."""
        _, hour = local(w.start)
        lam = self.per_hour * (1.0 if 8 <= hour < 23 else 0.1)
        for t in times_in(rng, w, lam):
            i = self.crowd.pick_plain(rng)
            num, cell, imei, style, off = self.crowd.meta(i, t, rng)
            sink.add(t, False, num, self.number, 0, rng.choice(("busy", "failed", "no_answer")), cell, imei, off, style)
            sink.add(t + rng.randrange(2_000, 25_000), True, self.number, num, 0, "answered", None, None, IST, style)
