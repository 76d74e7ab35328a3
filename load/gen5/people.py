"""Home mobile subscribers: profiles, where they are (cells), which handset they use, whom they know."""

from __future__ import annotations

from dataclasses import dataclass

DAY = 86400


@dataclass(frozen=True)
class Prof:
    """A legitimate subscriber profile; rates are per day and get randomised per person."""

    name: str
    share: float
    call: float
    sms: float
    inc: float
    inc_sms: float
    dur: float
    sig: float
    wd: str
    we: str
    wef: float
    n_on: float
    n_off: float
    n_fix: float
    n_for: float
    foreign: str
    tac: str
    employed: float
    work: str = ""


PROFILES: tuple[Prof, ...] = (
    Prof("ordinary", 0.47, 3.4, 0.6, 2.0, 0.45, 80, 1.0, "day", "weekend", 0.8, 3, 9, 1.5, 0.3, "neigh", "smart", 0.7),
    Prof("student", 0.08, 2.2, 2.0, 1.4, 1.7, 70, 1.0, "late", "late", 1.0, 6, 13, 0.8, 0.3, "neigh", "smart", 0.0,
         "student"),
    Prof("elderly", 0.10, 1.8, 0.15, 1.5, 0.2, 180, 0.9, "elderly", "elderly", 1.0, 1.5, 3, 3, 0.1, "neigh",
         "feature", 0.0),
    Prof("low_user", 0.09, 0.5, 0.3, 0.7, 0.3, 60, 1.0, "day", "weekend", 0.8, 1.5, 4, 0.5, 0.1, "neigh", "cheap", 0.5),
    Prof("family_abroad", 0.06, 3.4, 0.5, 2.0, 0.4, 90, 1.0, "day", "weekend", 1.0, 3, 7, 1, 4, "diaspora", "smart",
         0.6),
    Prof("business_traveller", 0.025, 7.0, 1.0, 4.0, 0.7, 120, 1.0, "day", "weekend", 0.5, 3, 12, 3, 1.5, "business",
         "flagship", 1.0),
    Prof("handset_change", 0.015, 3.4, 0.6, 2.0, 0.45, 80, 1.0, "day", "weekend", 0.8, 3, 9, 1.5, 0.3, "neigh",
         "smart", 0.7),
    Prof("night_shift", 0.02, 2.8, 0.5, 1.6, 0.4, 80, 1.0, "night", "night", 1.0, 3, 8, 1.5, 0.3, "neigh", "smart",
         1.0),
    Prof("holiday_abroad", 0.01, 2.5, 0.8, 1.5, 0.5, 90, 1.0, "day", "weekend", 1.0, 3, 8, 1.5, 0.5, "neigh", "smart",
         0.0),
    Prof("sales_rep", 0.02, 4.0, 1.0, 3.0, 0.8, 150, 0.9, "office", "weekend", 0.3, 3, 10, 2, 0.5, "business",
         "smart", 1.0, "sales"),
    Prof("taxi_driver", 0.008, 2.0, 0.5, 2.0, 0.5, 60, 1.0, "taxi", "taxi", 1.0, 2, 6, 1, 0.8, "diaspora", "smart",
         1.0, "taxi"),
    Prof("tradesman", 0.015, 2.0, 0.8, 1.5, 0.5, 80, 1.0, "day", "weekend", 0.5, 3, 8, 1.5, 0.2, "neigh", "rugged",
         1.0, "tradesman"),
    Prof("courier", 0.01, 1.5, 0.5, 1.0, 0.4, 60, 1.0, "day", "weekend", 0.8, 2, 6, 0.5, 1.0, "diaspora", "rugged",
         1.0, "courier"),
    Prof("new_line", 0.004, 3.4, 0.7, 2.0, 0.45, 80, 1.0, "day", "weekend", 0.8, 3, 9, 1.0, 0.3, "neigh", "smart", 0.7),
)


class Person:
    """One home mobile subscriber (SIM) and their habits."""

    __slots__ = (
        "idx", "number", "prof", "variant", "city", "home", "home_idx", "errand", "work", "commute", "route",
        "leave", "shift_len", "workdays", "shift", "r_call", "r_sms", "r_in", "r_in_sms", "r_work",
        "c_num", "c_obj", "c_mul", "c_cum", "i_num", "i_mul", "i_cum", "imeis", "trips",
        "active_from", "active_until", "recv_until", "events", "bank", "cc", "depot",
    )

    def __init__(self, idx: int, number: str, prof: Prof, city: int) -> None:
        self.idx = idx
        self.number = number
        self.prof = prof
        self.variant = ""
        self.city = city
        self.home = ""
        self.home_idx = 0
        self.errand = ""
        self.work: str | None = None
        self.commute: list[str] = []
        self.route: list[str] = []
        self.leave = 8 * 3600
        self.shift_len = 0
        self.workdays = 5
        self.shift = 0
        self.r_call = self.r_sms = self.r_in = self.r_in_sms = self.r_work = 0.0
        self.c_num: list[str] = []
        self.c_obj: list[Person | None] = []
        self.c_mul: list[float] = []
        self.c_cum: list[float] = []
        self.i_num: list[str] = []
        self.i_mul: list[float] = []
        self.i_cum: list[float] = []
        self.imeis: list[tuple[int, str]] = []
        self.trips: list[tuple[int, int, list[str]]] = []
        self.active_from = 0
        self.active_until = 1 << 40
        self.recv_until = 1 << 40
        self.events: list[tuple[int, str]] = []
        self.bank = 0
        self.cc = ""
        self.depot = ""

    def at_work(self, t: int) -> bool:
        """Whether t falls inside one of this person's work shifts."""
        if self.shift_len <= 0:
            return False
        d, s = divmod(t, DAY)
        j = (self.idx * 7919 + d * 104729) % 1201 - 600
        a = self.leave + j
        off = (s - a) % DAY
        sd = d if s >= a else d - 1
        return off < self.shift_len and sd % 7 < self.workdays

    def cell_at(self, t: int) -> str:
        """Serving cell at t: trip, work (or route), commute, errand or home."""
        for a, b, cells in self.trips:
            if a <= t < b:
                return cells[(t - a) * len(cells) // (b - a)]
        d, s = divmod(t, DAY)
        if self.shift_len > 0:
            j = (self.idx * 7919 + d * 104729) % 1201 - 600
            a = self.leave + j
            off = (s - a) % DAY
            sd = d if s >= a else d - 1
            if off < self.shift_len:
                if sd % 7 < self.workdays:
                    if self.route:
                        return self.route[off * len(self.route) // self.shift_len]
                    if self.work is not None:
                        return self.work
            elif self.commute:
                if off < self.shift_len + 1800 and sd % 7 < self.workdays:
                    return self.commute[-1 - (off - self.shift_len) * len(self.commute) // 1800]
                if off >= DAY - 1800 and (sd + 1) % 7 < self.workdays:
                    return self.commute[(off - DAY + 1800) * len(self.commute) // 1800]
        if 32400 <= s < 75600 and (self.idx * 31 + d * 17 + (s // 3600) * 7) % 9 == 0:
            return self.errand
        return self.home

    def imei_at(self, t: int) -> str:
        imei = self.imeis[0][1]
        for t0, v in self.imeis:
            if t >= t0:
                imei = v
        return imei

    def add_contact(self, num: str, obj: Person | None, mul: float) -> None:
        self.c_num.append(num)
        self.c_obj.append(obj)
        self.c_mul.append(mul)
