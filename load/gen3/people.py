"""Individual subscribers: ordinary people and their personal variants.

Variants (profile names in labels.csv): ordinary, night_shift, diaspora,
traveller (other city or roaming abroad with the foreign UTC offset),
new_handset (new IMEI mid-stream, sometimes with a bank OTP), event_organiser
(one-day burst of invitations). Takeover victims are ordinary people whose own
outbound stops at the swap (the takeover actor continues on the number).
"""

from __future__ import annotations

import bisect
import random
from dataclasses import dataclass, field

import numpy as np

from . import numbering as nb
from .base import Window, answer, lognormal, ring
from .clock import HOUR_MS, IST, MIN_MS, local, weight
from .records import Labels, Sink


@dataclass(slots=True)
class Person:
    """Static description of one subscriber plus their few schedule changes."""

    number: str
    city: str
    home: str
    work: str
    imei: str
    style: int
    profile: str = "ordinary"
    diurnal: str = "day"
    rate_out: float = 0.25
    rate_in: float = 0.18
    rate_sms: float = 0.03
    rate_intl: float = 0.0
    flash: float = 0.0
    contacts: list[str] = field(default_factory=list)
    cum: list[float] = field(default_factory=list)
    refs: list[int] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)
    new_imei: tuple[int, str] | None = None
    trip: tuple[int, int, str] | None = None
    stop_at: int | None = None
    resume_at: int | None = None
    burst_at: int | None = None
    seen: int = 0


class Crowd:
    """All individual subscribers; generates their own calls, SMS and inbound from contacts."""

    def __init__(self, people: list[Person], plain: list[int], labels: Labels) -> None:
        self.people = people
        self.plain = plain  # indices whose handset and places never change (safe as callers)
        self.plain_set = set(plain)
        self.labels = labels
        self.by_number = {p.number: i for i, p in enumerate(people)}
        self.otp_senders: list[str] = []
        n = len(people)
        self.rates = np.zeros((4, n))
        for i, p in enumerate(people):
            self.rates[:, i] = (p.rate_out, p.rate_in, p.rate_sms, p.rate_intl)
        self.night = np.array([p.diurnal == "night" for p in people])
        self.bursters = [i for i, p in enumerate(people) if p.burst_at is not None]

    # --- where a person is and what handset they use ---------------------------------------
    def cell_at(self, p: Person, t: int, rng: random.Random) -> str:
        """Serving cell at t: trip city, work by day on weekdays, otherwise home."""
        if p.trip is not None and p.trip[0] <= t < p.trip[1]:
            return nb.cell(rng, p.trip[2])
        wd, hour = local(t)
        if p.diurnal == "night":
            base = p.work if (hour >= 21 or hour < 7) else p.home
        else:
            base = p.work if (wd < 5 and 9.5 <= hour < 18.5) else p.home
        return nb.near(rng, p.city, base) if rng.random() < 0.1 else base

    def meta(self, i: int, t: int, rng: random.Random) -> tuple[str, str | None, str | None, int, int]:
        """(number, cell, imei, style, offset) of person i as the calling party at t."""
        p = self.people[i]
        p.seen += 1
        imei: str | None = p.imei
        if p.new_imei is not None and t >= p.new_imei[0]:
            imei = p.new_imei[1]
        off = IST
        if p.trip is not None and p.trip[0] <= t < p.trip[1]:
            off = nb.city_offset(p.trip[2])
        cell: str | None = self.cell_at(p, t, rng)
        if rng.random() < 0.02:
            imei = None
        if rng.random() < 0.015:
            cell = None
        return p.number, cell, imei, p.style, off

    def pick_plain(self, rng: random.Random) -> int:
        """A random static subscriber."""
        return self.plain[rng.randrange(len(self.plain))]

    # --- the window ------------------------------------------------------------------------
    def window(self, w: Window, rng: random.Random, nrng: np.random.Generator, sink: Sink) -> None:
        """Draw per-person counts for the window, then the records."""
        mid = (w.start + w.end) // 2
        hours = (w.end - w.start) / HOUR_MS
        wt = np.where(self.night, weight("night", mid), weight("day", mid)) * hours
        counts = nrng.poisson(self.rates * wt)
        active = np.nonzero(counts.sum(axis=0))[0]
        for i in active.tolist():
            p = self.people[i]
            n_out, n_in, n_sms, n_intl = (int(x) for x in counts[:, i])
            for _ in range(n_out):
                self._outbound(i, p, _t(rng, w), rng, sink)
            for _ in range(n_in):
                self._inbound(p, _t(rng, w), rng, sink)
            for _ in range(n_sms):
                self._sms(i, p, _t(rng, w), rng, sink)
            for _ in range(n_intl):
                self._intl(i, p, _t(rng, w), rng, sink)
        for i in self.bursters:
            p = self.people[i]
            if p.burst_at is not None and w.start <= p.burst_at < w.end:
                self._burst(i, p, p.burst_at, rng, sink)

    def _own(self, p: Person, t: int) -> bool:
        return p.stop_at is None or t < p.stop_at or (p.resume_at is not None and t >= p.resume_at)

    def _contact(self, p: Person, rng: random.Random) -> int:
        return min(bisect.bisect_left(p.cum, rng.random() * p.cum[-1]), len(p.cum) - 1)

    def _call(self, t: int, caller: tuple[str, str | None, str | None, int, int], callee: str,
              p_ans: float, median: float, rng: random.Random, sink: Sink) -> str:
        num, cell, imei, style, off = caller
        disp = answer(rng, p_ans)
        dur = lognormal(rng, median, 1.0) if disp == "answered" else ring(rng)
        sink.add(t, False, num, callee, dur, disp, cell, imei, off, style)
        return disp

    def _outbound(self, i: int, p: Person, t: int, rng: random.Random, sink: Sink) -> None:
        if not self._own(p, t):
            return
        me = self.meta(i, t, rng)
        if rng.random() < 0.07:  # a shop, a service, a number read off a poster
            r = rng.random()
            callee = nb.mobile(rng) if r < 0.6 else nb.landline(rng) if r < 0.85 else nb.tollfree(rng)
            self._call(t, me, callee, 0.7, 60, rng, sink)
            return
        k = self._contact(p, rng)
        callee, ref = p.contacts[k], p.refs[k]
        if k < 3 and rng.random() < p.flash:  # a deliberate missed call: "call me back"
            sink.add(t, False, me[0], callee, rng.uniform(0.5, 3.0), "no_answer", me[1], me[2], me[4], me[3])
            if rng.random() < 0.85:
                self._callback(p, callee, ref, t + rng.randrange(20_000, 300_000), rng, sink, 0.95)
            return
        disp = self._call(t, me, callee, 0.72, 75, rng, sink)
        if disp != "answered":
            if rng.random() < 0.3:
                self._call(t + rng.randrange(60_000, 400_000), self.meta(i, t, rng), callee, 0.6, 75, rng, sink)
            elif rng.random() < 0.5:
                self._callback(p, callee, ref, t + int(lognormal(rng, 600_000, 1.0, 7_200_000)), rng, sink, 0.85)

    def _callback(self, p: Person, caller: str, ref: int, t: int, rng: random.Random, sink: Sink,
                  p_ans: float) -> None:
        """The contact rings p back."""
        if ref >= 0:
            self._call(t, self.meta(ref, t, rng), p.number, p_ans, 80, rng, sink)
        else:
            self.labels.honest(caller, "offnet_contact", onnet=False)
            self._call(t, (caller, None, None, p.style, IST), p.number, p_ans, 80, rng, sink)

    def _inbound(self, p: Person, t: int, rng: random.Random, sink: Sink) -> None:
        k = self._contact(p, rng)
        caller, ref = p.contacts[k], p.refs[k]
        if ref >= 0:
            who = self.meta(ref, t, rng)
        else:
            self.labels.honest(caller, "offnet_contact", onnet=False)
            who = (caller, None, None, p.style, IST)
        disp = self._call(t, who, p.number, 0.72, 75, rng, sink)
        if disp != "answered" and self._own(p, t) and rng.random() < 0.55:
            t2 = t + int(lognormal(rng, 420_000, 1.0, 7_200_000))
            i = self.by_number[p.number]
            self._call(t2, self.meta(i, t2, rng), caller, 0.85, 80, rng, sink)

    def _sms(self, i: int, p: Person, t: int, rng: random.Random, sink: Sink) -> None:
        k = self._contact(p, rng)
        other, ref = p.contacts[k], p.refs[k]
        if rng.random() < 0.5 and self._own(p, t):
            me = self.meta(i, t, rng)
            sink.add(t, True, me[0], other, 0, "answered", me[1], me[2], me[4], me[3])
            if ref >= 0 and rng.random() < 0.4:
                t2 = t + rng.randrange(30_000, 900_000)
                them = self.meta(ref, t2, rng)
                sink.add(t2, True, them[0], p.number, 0, "answered", them[1], them[2], them[4], them[3])
        elif ref >= 0:
            them = self.meta(ref, t, rng)
            sink.add(t, True, them[0], p.number, 0, "answered", them[1], them[2], them[4], them[3])
        else:
            self.labels.honest(other, "offnet_contact", onnet=False)
            sink.add(t, True, other, p.number, 0, "answered", None, None, IST, p.style)

    def _intl(self, i: int, p: Person, t: int, rng: random.Random, sink: Sink) -> None:
        """Diaspora traffic: long calls abroad, and relatives ringing in (sometimes missed)."""
        rel = p.foreign[rng.randrange(len(p.foreign))]
        if rng.random() < 0.6 and self._own(p, t):
            disp = self._call(t, self.meta(i, t, rng), rel, 0.7, 900, rng, sink)
            if disp != "answered" and rng.random() < 0.4:
                t2 = t + rng.randrange(2 * MIN_MS, 40 * MIN_MS)
                self.labels.honest(rel, "diaspora_relative", onnet=False)
                self._call(t2, (rel, None, None, p.style, IST), p.number, 0.9, 900, rng, sink)
            return
        self.labels.honest(rel, "diaspora_relative", onnet=False)
        disp = self._call(t, (rel, None, None, p.style, IST), p.number, 0.65, 700, rng, sink)
        if disp != "answered" and self._own(p, t) and rng.random() < 0.6:
            t2 = t + int(lognormal(rng, 300_000, 1.0, 3 * HOUR_MS))
            self._call(t2, self.meta(i, t2, rng), rel, 0.9, 900, rng, sink)

    def _burst(self, i: int, p: Person, t0: int, rng: random.Random, sink: Sink) -> None:
        """Event organiser: invitations by SMS to many numbers, then calls and replies."""
        guests = [nb.mobile(rng) for _ in range(rng.randint(50, 140))] + p.contacts[:20]
        t = t0
        for g in guests:
            t += rng.randrange(5_000, 60_000)
            me = self.meta(i, t, rng)
            sink.add(t, True, me[0], g, 0, "answered", me[1], me[2], me[4], me[3])
            if rng.random() < 0.25:
                self.labels.honest(g, "offnet_contact", onnet=False)
                t2 = t + int(lognormal(rng, 1_800_000, 1.0, 6 * HOUR_MS))
                self._call(t2, (g, None, None, p.style, IST), p.number, 0.8, 90, rng, sink)
        for _ in range(rng.randint(25, 70)):
            t += rng.randrange(60_000, 600_000)
            g = guests[rng.randrange(len(guests))]
            self._call(t, self.meta(i, t, rng), g, 0.7, 100, rng, sink)


def _t(rng: random.Random, w: Window) -> int:
    return w.start + rng.randrange(w.end - w.start)
