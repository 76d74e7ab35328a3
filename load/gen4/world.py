"""The home operator's world: subscribers, contacts, mobility and call outcomes."""
from __future__ import annotations

import bisect
import random
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from .core import (ANSWERED, BUSY, DAY, FAILED, HOUR, MIN, NEVER, NO_ANSWER, NULL, Clock,
                   Registry, Sink, lognorm, pick, zipf_cum)
from .numbering import (BUSINESS_WEIGHTS, DIASPORA_WEIGHTS, FOREIGN_MOBILE, SATELLITE_LEGIT, Geo,
                        Imeis, Numbering)


@dataclass(eq=False, slots=True)
class Sub:
    """One line of the home operator (phone, gateway port or PBX trunk)."""

    idx: int
    number: str
    profile: str
    region: int
    home: str | None
    imei: str | None
    work: str | None = None
    work_hours: tuple[int, int] = (8, 17)
    work_sat: bool = False
    imei2: str | None = None
    imei_change: int = NEVER
    travel_at: int = NEVER
    travel_home: str | None = None
    travel_work: str | None = None
    legit_end: int = NEVER
    answer_p: float = 0.75
    errands: list[tuple[int, int, str]] = field(default_factory=list)
    track_t: list[int] = field(default_factory=list)
    track_c: list[str] = field(default_factory=list)
    track_win: list[tuple[int, int]] = field(default_factory=list)
    contacts: list[str] = field(default_factory=list)
    contacts_cum: list[float] = field(default_factory=list)
    offnet: list[str] = field(default_factory=list)
    foreign: list[tuple[str, int]] = field(default_factory=list)
    p: dict[str, float] = field(default_factory=dict)
    twin: "Sub | None" = None  # second SIM in the same handset: shares place and IMEI


def is_mobile_ph(number: str) -> bool:
    """True for a Philippine mobile number (can send and receive SMS)."""
    return len(number) == 13 and number.startswith("+63")


PERSONAL_SHARES: tuple[tuple[str, float], ...] = (
    ("diaspora_family", 0.07), ("frequent_international", 0.01), ("seafarer_family", 0.008),
    ("traveller", 0.02), ("new_handset", 0.012), ("courier", 0.015), ("small_business", 0.03),
    ("load_retailer", 0.008), ("taxi_driver", 0.006),
)


class World:
    """Shared state of one generation run."""

    def __init__(self, seed: int, days: int, n_subs: int, tmp: Path) -> None:
        self.seed = seed
        self.n_target = n_subs
        self.scale = n_subs / 20000.0
        self.clock = Clock(days)
        self.sink = Sink(tmp, self.clock)
        self.reg = Registry()
        r = self.rand("numbering")
        self.num = Numbering(r, n_subs + 400 + int(2500 * self.scale))
        self.geo = Geo(self.rand("geo"))
        self.imeis = Imeis(self.rand("imei"))
        self.subs: list[Sub] = []
        self.by_number: dict[str, Sub] = {}
        self.personal: list[Sub] = []
        self.offnet_pool: list[list[str]] = []
        self.a2p: dict[str, list[str]] = {}
        self.fraud_numbers: set[str] = set()

    def rand(self, name: str) -> random.Random:
        """Independent deterministic stream for one component."""
        return random.Random((self.seed << 32) ^ zlib.crc32(name.encode()))

    # ---------------------------------------------------------------- lines
    def add_sub(self, profile: str, region: int, number: str | None = None,
                home: str | None = None, imei: str | None = None, variant: str = "") -> Sub:
        """Create and register a legitimate home-operator line."""
        s = Sub(len(self.subs), number or self.num.alloc_home(), profile, region, home, imei)
        self.subs.append(s)
        self.by_number[s.number] = s
        self.reg.legit(s.number, profile, variant)
        return s

    def build_people(self, n_people: int) -> None:
        """Create personal subscribers (ordinary and its variants) with contacts."""
        r = self.rand("people")
        geo = self.geo
        n_pairs = max(1, round(0.008 * n_people))
        for i in range(n_people - n_pairs):
            region = geo.region()
            s = self.add_sub("ordinary", region, home=geo.cell(region), imei=self.imeis.any())
            s.answer_p = min(0.95, max(0.35, r.gauss(0.74, 0.1)))
            if r.random() < 0.65:
                s.work = geo.near(s.home, 0.3) if r.random() < 0.8 else geo.cell(region)
                s.work_hours = (r.randint(6, 9), r.randint(16, 19))
                s.work_sat = r.random() < 0.3
            self.personal.append(s)
        # profile variants
        order = list(self.personal)
        r.shuffle(order)
        k = 0
        for name, share in PERSONAL_SHARES:
            cnt = max(1, round(share * n_people))
            for s in order[k:k + cnt]:
                s.profile = name
                self.reg.rows[s.number].typology = name
                self.reg.rows[s.number].variant = name
            k += cnt
        # people with a second SIM of the same network in the same (single-IMEI) handset
        for s in order[k:k + n_pairs]:
            s.profile = "dual_sim"
            self.reg.rows[s.number].typology = self.reg.rows[s.number].variant = "dual_sim"
            t = self.add_sub("dual_sim", s.region, home=s.home, imei=s.imei)
            t.twin = s
            t.answer_p = s.answer_p
            self.personal.append(t)
        # off-net population by region (popularity-skewed)
        for ri in range(len(geo.cells)):
            n_reg = sum(1 for s in self.personal if s.region == ri)
            self.offnet_pool.append([self.num.offnet_mobile() for _ in range(max(20, int(0.9 * n_reg)))])
        by_region: list[list[Sub]] = [[] for _ in geo.cells]
        for s in self.personal:
            by_region[s.region].append(s)
        pop_cum = [zipf_cum(len(lst), 0.6) if lst else [] for lst in by_region]
        for lst in by_region:
            r.shuffle(lst)
        off_cum = [zipf_cum(len(p), 0.5) for p in self.offnet_pool]
        contact_sets: dict[int, dict[str, None]] = {}
        for s in self.personal:
            n_c = int(min(120, max(3, lognorm(r, 14, 0.6))))
            onnet_share = r.uniform(0.4, 0.75)
            cs: dict[str, None] = {}
            for _ in range(n_c):
                u = r.random()
                if u < onnet_share:
                    reg = s.region if r.random() < 0.85 else geo.region()
                    lst = by_region[reg]
                    if not lst:
                        continue
                    c = lst[min(len(lst) - 1, bisect.bisect_left(pop_cum[reg], r.random()))]
                    if c is not s:
                        cs[c.number] = None
                elif u < onnet_share + 0.06:
                    cs[self.num.landline()] = None
                else:
                    reg = s.region if r.random() < 0.85 else geo.region()
                    cs[pick(r, self.offnet_pool[reg], off_cum[reg])] = None
            contact_sets[s.idx] = cs
        # reciprocity for on-net pairs
        for s in self.personal:
            for cn in list(contact_sets[s.idx]):
                o = self.by_number.get(cn)
                if o is not None and o.idx in contact_sets and r.random() < 0.6:
                    contact_sets[o.idx].setdefault(s.number, None)
        for s in self.personal:
            cl = list(contact_sets[s.idx])
            r.shuffle(cl)
            s.contacts = cl
            s.contacts_cum = zipf_cum(len(cl), r.uniform(0.7, 1.4))
            s.offnet = [c for c in cl if c not in self.by_number]
            self._foreign_contacts(r, s)

    def _foreign_contacts(self, r: random.Random, s: Sub) -> None:
        countries = list(DIASPORA_WEIGHTS)
        dw = list(DIASPORA_WEIGHTS.values())
        if s.profile == "diaspora_family":
            for c in r.choices(countries, dw, k=r.randint(1, 4)):
                s.foreign.append((self.num.foreign_mobile(c), FOREIGN_MOBILE[c][3]))
        elif s.profile == "frequent_international":
            bc = list(BUSINESS_WEIGHTS)
            for c in r.choices(bc, list(BUSINESS_WEIGHTS.values()), k=r.randint(3, 12)):
                s.foreign.append((self.num.foreign_mobile(c), FOREIGN_MOBILE[c][3]))
        elif s.profile == "seafarer_family":
            pre, n = r.choice(SATELLITE_LEGIT)
            s.foreign.append((self.num.range_number(pre, n, register=True), 0))
            if r.random() < 0.5:
                c = r.choices(countries, dw)[0]
                s.foreign.append((self.num.foreign_mobile(c), FOREIGN_MOBILE[c][3]))
        elif r.random() < 0.07:
            c = r.choices(countries, dw)[0]
            s.foreign.append((self.num.foreign_mobile(c), FOREIGN_MOBILE[c][3]))

    # ------------------------------------------------------------ location
    def plan_errands(self, s: Sub, r: random.Random) -> None:
        """Short trips away from home/work, 0-3 a day."""
        if s.home is None:
            return
        for day in range(self.clock.days):
            for _ in range(r.choice((0, 0, 1, 1, 1, 2, 3))):
                a = day * DAY + r.randint(7 * HOUR, 20 * HOUR)
                b = a + r.randint(30 * MIN, 4 * HOUR)
                s.errands.append((a, b, self.geo.near(s.home, 0.4)))
        s.errands.sort()

    def locate(self, s: Sub, t: int) -> tuple[str | None, str | None]:
        """Serving cell and IMEI of a legitimate line at t."""
        if s.twin is not None:
            return self.locate(s.twin, t)
        imei = s.imei2 if t >= s.imei_change else s.imei
        if s.home is None:
            return None, imei
        if s.track_win:
            for a, b in s.track_win:
                if a <= t < b:
                    i = bisect.bisect_right(s.track_t, t) - 1
                    return s.track_c[max(0, i)], imei
        for a, b, c in s.errands:
            if a <= t < b:
                return c, imei
            if a > t:
                break
        if t >= s.travel_at:
            home, work = s.travel_home, s.travel_work
        else:
            home, work = s.home, s.work
        if work is not None:
            day, sod = divmod(t, DAY)
            k = self.clock.kind(day)
            if (k == "wd" or (k == "sat" and s.work_sat)) and s.work_hours[0] * HOUR <= sod < s.work_hours[1] * HOUR:
                return work, imei
        return home, imei

    # ------------------------------------------------------------ records
    def emit_sub(self, s: Sub, t: int, sms: bool, callee: str, dur: float, disp: str,
                 r: random.Random | None = None) -> None:
        """Record made by a legitimate home line at its current place and handset."""
        cell, imei = self.locate(s, t)
        if r is not None and r.random() < 0.004:
            cell = NULL if r.random() < 0.5 else None
        self.sink.add(t, sms, s.number, callee, dur, disp, cell, imei)

    def emit_in(self, t: int, sms: bool, caller: str, callee: str, dur: float, disp: str,
                profile: str = "offnet_contact") -> None:
        """Inbound record from a number outside the home operator."""
        self.reg.legit(caller, profile)
        self.sink.add(t, sms, caller, callee, dur, disp, None, None)

    def active(self, s: Sub, t: int) -> bool:
        """True while the legitimate user still holds the line."""
        return t < s.legit_end

    def outcome(self, r: random.Random, callee: str, p_ans: float, med: float, sig: float,
                max_dur: float = 4 * HOUR) -> tuple[str, float]:
        """Disposition and duration (ring time for unanswered) of a call attempt."""
        o = self.by_number.get(callee)
        if o is None and self.num.is_unallocated_home(callee):
            return FAILED, 0.0
        if o is not None:
            p_ans *= o.answer_p / 0.75
        if r.random() < p_ans:
            return ANSWERED, min(max_dur, max(1.0, lognorm(r, med, sig)))
        u = r.random()
        if u < 0.68:
            ring = r.uniform(15, 45) if r.random() < 0.85 else r.uniform(1, 8)
            return NO_ANSWER, ring
        if u < 0.9:
            return BUSY, r.uniform(0, 3)
        return FAILED, 0.0

    def stranger(self, r: random.Random, p_home: float = 0.45, p_land: float = 0.2) -> str:
        """A domestic number the caller does not know."""
        u = r.random()
        if u < p_home and self.personal:
            return self.personal[r.randrange(len(self.personal))].number
        if u < p_home + p_land:
            return self.num.landline(register=False)
        return self.num.offnet_mobile(register=False)

    def call_back(self, r: random.Random, t: int, who: str, target: str, p_ans: float,
                  med: float, sig: float) -> None:
        """who calls target at t: on-net as its own record, else inbound."""
        s = self.by_number.get(who)
        disp, dur = self.outcome(r, target, p_ans, med, sig)
        if s is not None:
            if self.active(s, t):
                self.emit_sub(s, t, False, target, dur, disp, r)
        elif who in self.num.used or who in self.reg.rows:
            if who not in self.fraud_numbers:
                self.emit_in(t, False, who, target, dur, disp)
        elif not self.num.is_unallocated_home(who) and who not in self.fraud_numbers:
            self.num.used.add(who)
            self.emit_in(t, False, who, target, dur, disp)

    def sms_back(self, t: int, who: str, target: str, r: random.Random) -> None:
        """who texts target at t (on-net record or inbound)."""
        s = self.by_number.get(who)
        if s is not None:
            if self.active(s, t):
                self.emit_sub(s, t, True, target, 0.0, ANSWERED, r)
        elif (who not in self.fraud_numbers and is_mobile_ph(who)
              and not self.num.is_unallocated_home(who)):
            self.num.used.add(who)
            self.emit_in(t, True, who, target, 0.0, ANSWERED)

    def fraud_start_window(self, r: random.Random, lo_h: float = 6.0, tail_h: float = 4.0) -> int:
        """A fraud onset at least lo_h hours into the stream."""
        lo = int(lo_h * HOUR)
        hi = max(lo + HOUR, self.clock.horizon - int(tail_h * HOUR))
        return r.randrange(lo, hi)
