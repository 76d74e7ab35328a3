"""Static world of the alternative generator: numbering, regions, cells, handsets, diurnal shapes.

Home country is Mexico (+52, MCC 334) with four time zones; roaming users show the visited country's
cells and UTC offset.  Everything random here is drawn from an explicit ``random.Random``.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field

HOME_CC = "52"
HOME_MCC = "334"
HOME_MNCS = ("020", "030", "050", "140")  # share of subscribers per operator is random per run


@dataclass(frozen=True)
class Region:
    name: str
    area_codes: tuple[str, ...]
    offset_min: int  # UTC offset in November (no DST in these zones, Baja follows US winter time)
    weight: float
    cells: int  # cells per operator


REGIONS: tuple[Region, ...] = (
    Region("cdmx", ("55", "56"), -360, 0.33, 90),
    Region("guadalajara", ("33",), -360, 0.13, 50),
    Region("monterrey", ("81",), -360, 0.11, 50),
    Region("puebla", ("222",), -360, 0.06, 30),
    Region("merida", ("999",), -360, 0.05, 25),
    Region("tijuana", ("664",), -480, 0.08, 35),
    Region("mexicali", ("686",), -480, 0.03, 20),
    Region("hermosillo", ("662",), -420, 0.05, 25),
    Region("culiacan", ("667",), -420, 0.05, 25),
    Region("cancun", ("998",), -300, 0.06, 30),
    Region("chetumal", ("983",), -300, 0.02, 12),
)


@dataclass(frozen=True)
class Country:
    cc: str
    nsn_len: int  # national significant number length
    mcc: str
    mncs: tuple[str, ...]
    offset_min: int
    mobile_prefixes: tuple[str, ...]


# Countries for international calls and roaming (offsets as in late November).
COUNTRIES: dict[str, Country] = {
    "us_east": Country("1", 10, "310", ("260", "410"), -300, ("212", "305", "404", "713", "917")),
    "us_west": Country("1", 10, "311", ("480", "490"), -480, ("213", "310", "408", "619", "702")),
    "guatemala": Country("502", 8, "704", ("01", "03"), -360, ("3", "4", "5")),
    "honduras": Country("504", 8, "708", ("01", "02"), -360, ("3", "9")),
    "salvador": Country("503", 8, "706", ("01", "04"), -360, ("7",)),
    "colombia": Country("57", 10, "732", ("101", "103"), -300, ("300", "310", "315", "320")),
    "venezuela": Country("58", 10, "734", ("04", "06"), -240, ("412", "414", "424")),
    "cuba": Country("53", 8, "368", ("01",), -300, ("5",)),
    "spain": Country("34", 9, "214", ("01", "07"), 60, ("6", "7")),
    "germany": Country("49", 11, "262", ("01", "02"), 60, ("151", "160", "176")),
    "china": Country("86", 11, "460", ("00", "01"), 480, ("13", "15", "18")),
    "japan": Country("81", 10, "440", ("10", "20"), 540, ("80", "90")),
    "canada": Country("1", 10, "302", ("220", "720"), -300, ("416", "514", "647")),
    "haiti": Country("509", 8, "372", ("01",), -300, ("3", "4")),
    "peru": Country("51", 9, "716", ("06", "10"), -300, ("9",)),
    "argentina": Country("54", 10, "722", ("07", "34"), -180, ("911", "351")),
}

# Where migrants' relatives live / where business goes: weights for international callers.
DIASPORA_WEIGHTS: dict[str, float] = {
    "us_east": 0.22, "us_west": 0.25, "guatemala": 0.1, "honduras": 0.07, "salvador": 0.05,
    "colombia": 0.06, "venezuela": 0.06, "cuba": 0.05, "spain": 0.04, "haiti": 0.02, "canada": 0.03,
    "china": 0.02, "peru": 0.02, "argentina": 0.01,
}
ROAMING_WEIGHTS: dict[str, float] = {
    "us_east": 0.2, "us_west": 0.3, "spain": 0.12, "colombia": 0.08, "guatemala": 0.07, "canada": 0.08,
    "germany": 0.05, "japan": 0.04, "argentina": 0.03, "peru": 0.03,
}

# Handset type allocation codes (8 digits); the generator draws its own, these just look plausible.
TACS: tuple[str, ...] = tuple(
    f"{a}{b:06d}" for a, b in (
        ("35", 209811), ("35", 332110), ("86", 412305), ("86", 771203), ("35", 881507), ("35", 467812),
        ("86", 154006), ("35", 990420), ("86", 620019), ("35", 114377), ("35", 734008), ("86", 309951),
    )
)
# Cheap modules used in gateways / SIM boxes.
GATEWAY_TACS: tuple[str, ...] = ("86283304", "86729502", "35495110", "86107208")


def luhn_digit(body: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def imei(rng: random.Random, tac: str | None = None, serial: int | None = None) -> str:
    tac = tac or rng.choice(TACS)
    serial = rng.randrange(1_000_000) if serial is None else serial % 1_000_000
    body = f"{tac}{serial:06d}"
    return body + luhn_digit(body)


def weighted_choice(rng: random.Random, weights: dict[str, float]) -> str:
    keys = list(weights)
    return rng.choices(keys, [weights[k] for k in keys])[0]


class Numbering:
    """Hands out unique E.164 numbers."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def _fresh(self, make) -> str:
        while True:
            n = make()
            if n not in self.used:
                self.used.add(n)
                return n

    def mx(self, region: Region, prefix: str | None = None) -> str:
        rng = self.rng

        def make() -> str:
            area = rng.choice(region.area_codes)
            head = area + (prefix or "")
            return "+" + HOME_CC + head + "".join(str(rng.randrange(10)) for _ in range(10 - len(head)))

        return self._fresh(make)

    def mx_block(self, region: Region, count: int) -> list[str]:
        """``count`` numbers from one consecutive block (bulk purchase), with small random gaps."""
        rng = self.rng
        area = rng.choice(region.area_codes)
        while True:
            base = int(area + "".join(str(rng.randrange(10)) for _ in range(10 - len(area))))
            out: list[str] = []
            cur = base
            for _ in range(count):
                cur += rng.choice((1, 1, 1, 2, 3, 7))
                out.append("+" + HOME_CC + str(cur))
            if not any(n in self.used for n in out) and all(len(n) == 13 for n in out):
                self.used.update(out)
                return out

    def foreign(self, country: Country) -> str:
        rng = self.rng

        def make() -> str:
            head = rng.choice(country.mobile_prefixes)
            return "+" + country.cc + head + "".join(str(rng.randrange(10)) for _ in range(country.nsn_len - len(head)))

        return self._fresh(make)

    def raw(self, cc_and_prefix: str, total_digits: int) -> str:
        """A number starting with ``cc_and_prefix`` (digits only) with ``total_digits`` digits in all."""
        rng = self.rng

        def make() -> str:
            return "+" + cc_and_prefix + "".join(
                str(rng.randrange(10)) for _ in range(total_digits - len(cc_and_prefix)))

        return self._fresh(make)


class CellPlan:
    """Cell identities MCC-MNC-LAC-CI per region and operator."""

    def __init__(self, rng: random.Random) -> None:
        self.cells: dict[tuple[str, str], list[str]] = {}
        for r_i, region in enumerate(REGIONS):
            for mnc in HOME_MNCS:
                lac_base = 1000 + 700 * r_i + rng.randrange(300)
                cells = []
                for c in range(region.cells):
                    lac = lac_base + c // 12
                    ci = rng.randrange(10000, 65535)
                    cells.append(f"{HOME_MCC}-{mnc}-{lac}-{ci}")
                self.cells[(region.name, mnc)] = cells
        self.foreign: dict[str, list[str]] = {}
        for key, country in COUNTRIES.items():
            self.foreign[key] = [
                f"{country.mcc}-{rng.choice(country.mncs)}-{rng.randrange(100, 60000)}-{rng.randrange(1000, 99999)}"
                for _ in range(15)
            ]

    def of(self, region: Region, mnc: str) -> list[str]:
        return self.cells[(region.name, mnc)]


# Diurnal shapes: 24 local-hour weights (mean is normalised away).  Mexican rhythm: late lunch, long evening.
SHAPES: dict[str, tuple[float, ...]] = {
    "standard": (0.25, 0.12, 0.06, 0.04, 0.04, 0.08, 0.25, 0.6, 1.0, 1.2, 1.3, 1.35, 1.4, 1.5, 1.7, 1.5,
                 1.2, 1.25, 1.45, 1.7, 1.8, 1.6, 1.1, 0.6),
    "early": (0.08, 0.04, 0.03, 0.03, 0.1, 0.5, 1.1, 1.6, 1.7, 1.6, 1.5, 1.4, 1.4, 1.5, 1.3, 1.2,
              1.1, 1.1, 1.0, 0.9, 0.7, 0.45, 0.25, 0.12),
    "evening": (0.6, 0.35, 0.15, 0.08, 0.05, 0.05, 0.1, 0.25, 0.5, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.1,
                1.1, 1.3, 1.6, 2.0, 2.3, 2.4, 2.0, 1.3),
    "night": (1.6, 1.5, 1.3, 1.1, 0.8, 0.5, 0.3, 0.2, 0.15, 0.15, 0.2, 0.3, 0.5, 0.7, 0.8, 0.9,
              1.0, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.7),
    "business": (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.02, 0.2, 0.9, 1.6, 1.8, 1.8, 1.5, 1.0, 0.9, 1.4,
                 1.7, 1.6, 1.1, 0.5, 0.15, 0.05, 0.0, 0.0),
    "courier": (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.05, 0.4, 1.3, 1.8, 1.9, 1.8, 1.6, 1.4, 1.3, 1.6,
                1.8, 1.7, 1.3, 0.8, 0.35, 0.1, 0.0, 0.0),
    "taxi": (0.5, 0.35, 0.25, 0.2, 0.3, 0.8, 1.5, 1.9, 1.6, 1.1, 0.9, 0.9, 1.0, 1.1, 1.2, 1.3,
             1.4, 1.7, 1.9, 1.7, 1.4, 1.2, 1.0, 0.8),
    "flat": tuple([1.0] * 24),
}

EPOCH_WEEKDAY = 3  # 1970-01-01 was a Thursday (Monday = 0)


def local_hour_weekday(t: float, offset_min: int) -> tuple[int, int]:
    local = int(t) + offset_min * 60
    days = local // 86400
    return (local % 86400) // 3600, (days + EPOCH_WEEKDAY) % 7


def rfc3339(t: int, offset_min: int) -> str:
    tm = time.gmtime(t + offset_min * 60)
    sign = "+" if offset_min >= 0 else "-"
    o = abs(offset_min)
    return (f"{tm.tm_year:04d}-{tm.tm_mon:02d}-{tm.tm_mday:02d}T{tm.tm_hour:02d}:{tm.tm_min:02d}:{tm.tm_sec:02d}"
            f"{sign}{o // 60:02d}:{o % 60:02d}")


@dataclass
class Shape:
    """A diurnal/weekly intensity: hourly weights normalised to mean 1, a weekend factor, an hour shift."""

    weights: tuple[float, ...]
    weekend: float = 1.0
    sunday: float | None = None
    shift: int = 0
    _norm: list[float] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        mean = sum(self.weights) / 24
        self._norm = [self.weights[(h - self.shift) % 24] / mean for h in range(24)]

    @property
    def peak(self) -> float:
        return max(self._norm) * max(1.0, self.weekend, self.sunday or 0.0)

    def at(self, t: float, offset_min: int) -> float:
        h, wd = local_hour_weekday(t, offset_min)
        w = self._norm[h]
        if wd == 6 and self.sunday is not None:
            return w * self.sunday
        if wd >= 5:
            return w * self.weekend
        return w


def nhpp(rng: random.Random, t0: float, t1: float, per_day: float, intensity, peak: float):
    """Event times of a non-homogeneous Poisson process by thinning; ``intensity(t) <= peak``."""
    if per_day <= 0 or peak <= 0:
        return
    lam = per_day / 86400.0 * peak
    t = t0
    while True:
        t += rng.expovariate(lam)
        if t >= t1:
            return
        if rng.random() * peak < intensity(t):
            yield t
