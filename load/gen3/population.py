"""Builds the individual subscribers (the crowd) with contact lists and personal variants."""

from __future__ import annotations

import math
import random

from . import numbering as nb
from .clock import HOUR_MS, START_MS
from .people import Crowd, Person
from .records import Labels

# Share of the individual subscribers per personal variant (the rest is "ordinary").
VARIANTS: dict[str, float] = {
    "night_shift": 0.014, "diaspora": 0.017, "traveller": 0.009, "new_handset": 0.009,
    "event_organiser": 0.0008,
}


class NumberPool:
    """Hands out unique on-net numbers."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def take(self) -> str:
        """A fresh on-net mobile number."""
        for _ in range(1000):
            n = nb.mobile(self.rng, onnet=True)
            if n not in self.used:
                self.used.add(n)
                return n
        raise RuntimeError("on-net numbering exhausted")

    def take_block(self, n: int) -> list[str]:
        """n consecutive fresh on-net numbers (a block bought in bulk)."""
        for _ in range(1000):
            nums = nb.block(nb.mobile(self.rng, onnet=True)[:-3] + "000", n)
            if not self.used.intersection(nums):
                self.used.update(nums)
                return nums
        raise RuntimeError("on-net numbering exhausted")

    def take_landline(self, std: str = "80") -> str:
        """A fresh landline number (business lines)."""
        for _ in range(1000):
            n = nb.landline(self.rng, std)
            if n not in self.used:
                self.used.add(n)
                return n
        raise RuntimeError("landline numbering exhausted")


def _person(rng: random.Random, pool: NumberPool) -> Person:
    city = rng.choice(nb.HOME_CITIES)
    home = nb.cell(rng, city)
    work = home if rng.random() < 0.3 else nb.cell(rng, city)
    return Person(
        number=pool.take(), city=city, home=home, work=work, imei=nb.imei(rng),
        style=0 if rng.random() < 0.55 else 1,
        rate_out=min(2.0, 0.2 * math.exp(rng.gauss(0, 0.6))),
        rate_in=min(1.5, 0.15 * math.exp(rng.gauss(0, 0.6))),
        rate_sms=min(0.5, 0.025 * math.exp(rng.gauss(0, 0.9))),
        flash=rng.uniform(0.05, 0.25) if rng.random() < 0.3 else 0.0,
    )


def _contacts(rng: random.Random, p: Person, people: list[Person], plain_by_city: dict[str, list[int]],
              plain: list[int]) -> None:
    n = max(3, min(80, int(14 * math.exp(rng.gauss(0, 0.6)))))
    a = rng.uniform(0.8, 1.6)
    total = 0.0
    local = plain_by_city.get(p.city) or plain
    for k in range(n):
        r = rng.random()
        if r < 0.55:
            ref = local[rng.randrange(len(local))] if rng.random() < 0.8 else plain[rng.randrange(len(plain))]
            if people[ref].number == p.number or people[ref].number in p.contacts:
                continue
            p.contacts.append(people[ref].number)
            p.refs.append(ref)
        else:
            p.contacts.append(nb.mobile(rng, onnet=False) if r < 0.93 else nb.landline(rng))
            p.refs.append(-1)
        total += 1.0 / (k + 1) ** a
        p.cum.append(total)


def build_crowd(rng: random.Random, n: int, hours: float, pool: NumberPool, labels: Labels,
                n_victims: int) -> tuple[Crowd, list[int]]:
    """n individual subscribers; returns the crowd and the takeover victims' indices."""
    end = START_MS + int(hours * HOUR_MS)
    people = [_person(rng, pool) for _ in range(n)]
    order = list(range(n))
    rng.shuffle(order)
    pos = 0
    for name, share in VARIANTS.items():
        k = max(1, round(n * share))
        for i in order[pos:pos + k]:
            _vary(rng, people[i], name, hours, end)
        pos += k
    victims = [i for i in order[pos:] if people[i].rate_out > 0.2][:n_victims]  # established, active
    moving = ("traveller", "new_handset", "event_organiser")
    special = set(victims) | {i for i in order[:pos] if people[i].profile in moving}
    plain = [i for i in range(n) if i not in special]
    plain_by_city: dict[str, list[int]] = {}
    for i in plain:
        plain_by_city.setdefault(people[i].city, []).append(i)
    for p in people:
        _contacts(rng, p, people, plain_by_city, plain)
        labels.honest(p.number, p.profile)
    return Crowd(people, plain, labels), victims


def _vary(rng: random.Random, p: Person, name: str, hours: float, end: int) -> None:
    p.profile = name
    span = hours * HOUR_MS
    if name == "night_shift":
        p.diurnal = "night"
        p.work = nb.cell(rng, p.city)
    elif name == "diaspora":
        p.foreign = [nb.in_range(rng, nb.HIGH_COST_RANGES if rng.random() < 0.25 else nb.DIASPORA_RANGES)
                     for _ in range(rng.randint(1, 3))]
        p.rate_intl = rng.uniform(0.04, 0.16)
    elif name == "traveller":
        t0 = START_MS + int(span * rng.uniform(0.1, 0.6))
        city = rng.choice(("BOM", "DEL", "BOM", "DXB", "LON", "BKK", "SIN"))
        p.trip = (t0, min(end, t0 + int(rng.uniform(6, 36) * HOUR_MS)), city)
    elif name == "new_handset":
        p.new_imei = (START_MS + int(span * rng.uniform(0.15, 0.85)), nb.imei(rng))
    elif name == "event_organiser":
        p.burst_at = START_MS + int(span * rng.uniform(0.2, 0.6))
