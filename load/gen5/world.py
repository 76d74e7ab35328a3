"""The shared world: cells, number book, home subscribers, off-net pools, A2P senders, record helpers."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

from .devices import ImeiMaker
from .geo import BIG_CITIES, CITIES, Geo
from .numbering import NumberBook
from .rand import cumulative, pick, rng_for
from .sink import VOICE, Sink

if TYPE_CHECKING:
    from .people import Person


class World:
    """Everything actors share; visibility rule: a record exists if caller or callee is a home number."""

    def __init__(self, seed: int, days: int, subscribers: int) -> None:
        self.seed = seed
        self.days = days
        self.horizon = days * 86400
        self.n = subscribers
        self.scale = subscribers / 20000.0
        self.sink = Sink(days)
        rng = rng_for(seed, "world")
        self.geo = Geo(rng)
        self.book = NumberBook(rng, subscribers + int(2500 * self.scale) + 400)
        self.imei = ImeiMaker()
        self.home: set[str] = set()
        self.persons: list[Person] = []
        self.city_persons: list[list[Person]] = [[] for _ in CITIES]
        self.by_kind: dict[str, list[Person]] = {}
        self.offnet: list[list[str]] = [[] for _ in CITIES]
        self.fixed: list[list[str]] = [[] for _ in CITIES]
        self.biz: list[list[str]] = [[] for _ in CITIES]
        self.all_offnet: list[str] = []
        self.all_fixed: list[str] = []
        self.all_biz: list[str] = []
        self.city_cum = cumulative([c[2] for c in CITIES])
        self.big_cum = cumulative([CITIES[i][2] for i in BIG_CITIES])
        self.a2p: dict[str, list[str]] = {}
        self.services: list[str] = []
        self.offices: list[Any] = []  # OfficePbx actors, set by build_business
        self._senders(rng)

    # -- setup helpers -------------------------------------------------------------------------
    def _senders(self, rng: random.Random) -> None:
        book = self.book
        plan = (("bank_otp", 6), ("global_2fa", 4), ("parcel_notice", 3), ("appointment_sms", 2))
        for variant, n in plan:
            nums = []
            for k in range(n):
                if variant == "global_2fa":
                    num = book.foreign(rng, ("GB", "US", "NL", "FR")[k % 4])
                else:
                    num = book.other_mobile(rng)
                self.label(num, "a2p_sms", variant)
                nums.append(num)
            self.a2p[variant] = nums
        op = book.home_mobile(rng)
        self.home.add(op)
        self.label(op, "a2p_sms", "operator_service")
        self.a2p["operator"] = [op]
        self.services = [book.service(rng) for _ in range(8)]
        self.services += [book.fixed(rng, area) for area in ("69", "69", "89", "221", "40", "211")]

    def label(self, num: str, typology: str, variant: str, start: int | None = None) -> None:
        self.sink.label(num, typology, variant, start)

    def city(self, rng: random.Random) -> int:
        return pick(rng, self.city_cum)

    def big_city(self, rng: random.Random) -> int:
        return BIG_CITIES[pick(rng, self.big_cum)]

    def area(self, city: int) -> str:
        return CITIES[city][1]

    def new_home(self, rng: random.Random, typology: str, variant: str, ported: float = 0.0) -> str:
        num = self.book.home_mobile(rng, ported)
        self.home.add(num)
        self.label(num, typology, variant)
        return num

    def adopt(self, nums: list[str], typology: str, variant: str) -> None:
        """Registers already-allocated numbers as home numbers with a label."""
        for num in nums:
            self.home.add(num)
            self.label(num, typology, variant)

    def cell(self, rng: random.Random, city: int) -> str:
        return self.geo.cells[self.geo.random_cell(rng, city)]

    # -- picking parties -------------------------------------------------------------------------
    def person(self, rng: random.Random, city: int | None = None) -> Person:
        lst = self.city_persons[city] if city is not None and self.city_persons[city] else self.persons
        return lst[rng.randrange(len(lst))]

    def stranger(self, rng: random.Random, city: int | None = None, p_home: float = 0.35,
                 p_fixed: float = 0.2, p_biz: float = 0.0) -> tuple[str, Person | None]:
        """Someone the caller does not know: a home subscriber, a landline, a business or an off-net mobile."""
        if city is None or rng.random() < 0.1:
            city = self.city(rng)
        r = rng.random()
        if r < p_home:
            q = self.person(rng, city)
            return q.number, q
        r -= p_home
        if r < p_fixed:
            lst = self.fixed[city] or self.all_fixed
        elif r < p_fixed + p_biz:
            lst = self.biz[city] or self.all_biz
        else:
            lst = self.offnet[city] or self.all_offnet
        return lst[rng.randrange(len(lst))], None

    # -- emitting ----------------------------------------------------------------------------------
    def rec(self, t: float, rtype: int, a: str, b: str, dur: float, disp: int) -> None:
        """A record without cell/IMEI, kept only if the home switch sees it."""
        if a in self.home or b in self.home:
            self.sink.rec(t, rtype, a, b, dur, disp)

    def mob(self, p: Person, t: float, rtype: int, b: str, dur: float, disp: int) -> bool:
        """A home mobile subscriber's outbound record (with cell and IMEI) if their SIM is in service."""
        ti = int(t)
        if p.active_from <= ti < p.active_until:
            self.sink.rec(ti, rtype, p.number, b, dur, disp, p.cell_at(ti), p.imei_at(ti))
            return True
        return False

    def party(self, t: float, rtype: int, num: str, p: Person | None, b: str, dur: float, disp: int) -> bool:
        """A record from num (a Person if a home mobile, else a plain number)."""
        if p is not None:
            return self.mob(p, t, rtype, b, dur, disp)
        self.rec(t, rtype, num, b, dur, disp)
        return True

    def voice(self, t: float, num: str, p: Person | None, b: str, dur: float, disp: int) -> bool:
        return self.party(t, VOICE, num, p, b, dur, disp)
