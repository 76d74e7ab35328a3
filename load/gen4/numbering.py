"""Philippine numbering plan (+63), foreign ranges, radio geography and IMEIs.

The home operator is a Philippine mobile network (MCC-MNC 515-02).  Its
subscribers live in 1000-number blocks under its own mobile prefixes, about
half of each block allocated, so range-dialling robots and one-ring
campaigns also hit unallocated numbers.
"""
from __future__ import annotations

import random
from collections.abc import Callable

CC = "63"
HOME_MCC_MNC = "515-02"

HOME_MOBILE_PREFIXES: tuple[str, ...] = (
    "905", "906", "915", "916", "917", "926", "927", "935", "936", "945",
    "953", "954", "955", "956", "965", "966", "967", "975", "977", "995",
    "996", "997",
)
OFFNET_MOBILE_PREFIXES: tuple[str, ...] = (
    "907", "908", "909", "910", "912", "918", "919", "920", "921", "928",
    "929", "930", "938", "939", "946", "947", "948", "949", "950", "951",
    "961", "998", "999", "991", "992", "993", "994", "895", "896", "897",
)
# (area code, subscriber digits, leading digit of the subscriber number)
LANDLINE_AREAS: tuple[tuple[str, int, str], ...] = (
    ("2", 8, "8"), ("2", 8, "8"), ("2", 8, "8"), ("32", 7, "2"), ("32", 7, "4"),
    ("82", 7, "2"), ("88", 7, "8"), ("33", 7, "3"), ("44", 7, "9"),
    ("45", 7, "9"), ("74", 7, "4"), ("49", 7, "5"), ("46", 7, "4"),
)
HOME_FIXED_AREA = ("2", 8, "7")  # the home operator's fixed / enterprise range

# country -> (country code, mobile prefixes, digits after prefix, UTC offset h)
FOREIGN_MOBILE: dict[str, tuple[str, tuple[str, ...], int, int]] = {
    "SA": ("966", ("50", "53", "54", "55", "56", "58", "59"), 7, 3),
    "AE": ("971", ("50", "52", "54", "55", "56", "58"), 7, 4),
    "QA": ("974", ("3", "5", "6", "7"), 7, 3),
    "KW": ("965", ("5", "6", "9"), 7, 3),
    "HK": ("852", ("5", "6", "9"), 7, 8),
    "SG": ("65", ("8", "9"), 7, 8),
    "JP": ("81", ("70", "80", "90"), 8, 9),
    "TW": ("886", ("9",), 8, 8),
    "KR": ("82", ("10",), 8, 9),
    "CN": ("86", ("13", "15", "18"), 9, 8),
    "IT": ("39", ("320", "328", "333", "338", "347", "348", "366"), 7, 1),
    "UK": ("44", ("74", "75", "77", "78", "79"), 8, 0),
    "US": ("1", ("212", "213", "310", "415", "702", "808", "206", "312", "469", "916"), 7, -8),
    "CA": ("1", ("647", "416", "604", "778", "204", "403"), 7, -6),
    "AU": ("61", ("4",), 8, 11),
}
DIASPORA_WEIGHTS: dict[str, float] = {
    "SA": 0.19, "AE": 0.17, "US": 0.13, "HK": 0.07, "SG": 0.07, "QA": 0.07,
    "KW": 0.05, "JP": 0.04, "TW": 0.04, "IT": 0.03, "UK": 0.03, "CA": 0.06,
    "AU": 0.03, "KR": 0.02,
}
BUSINESS_WEIGHTS: dict[str, float] = {
    "US": 0.25, "SG": 0.15, "HK": 0.12, "JP": 0.1, "CN": 0.1, "AU": 0.08,
    "AE": 0.06, "UK": 0.06, "KR": 0.04, "TW": 0.04,
}
# One-ring (wangiri) origins: (country code, prefixes, digits after prefix)
WANGIRI_ORIGINS: tuple[tuple[str, tuple[str, ...], int], ...] = (
    ("216", ("2", "4", "5", "9"), 7),      # Tunisia
    ("222", ("2", "3", "4"), 7),           # Mauritania
    ("225", ("01", "05", "07"), 8),        # Cote d'Ivoire
    ("232", ("76", "77", "30"), 6),        # Sierra Leone
    ("243", ("81", "82", "97"), 7),        # DR Congo
    ("252", ("61", "90"), 7),              # Somalia
    ("375", ("29", "33", "44"), 7),        # Belarus
    ("373", ("6", "7"), 7),                # Moldova
    ("383", ("44", "45", "49"), 6),        # Kosovo
    ("269", ("3",), 6),                    # Comoros
    ("224", ("62", "66"), 7),              # Guinea
    ("261", ("32", "33", "34"), 7),        # Madagascar
    ("44", ("70",), 8),                    # UK personal numbering (premium-like)
)
# High-cost ranges abused for IRSF: (prefix after '+', digits after prefix)
IRSF_RANGES: tuple[tuple[str, int], ...] = (
    ("8816", 8), ("8817", 8), ("88213", 6), ("88216", 7), ("8823", 7),
    ("870", 9), ("535", 7), ("2526", 7), ("2327", 6), ("2246", 7),
    ("2399", 6), ("37181", 5), ("37190", 5), ("6889", 4), ("6745", 6),
    ("6825", 4), ("6834", 3), ("6902", 3), ("2203", 6), ("6757", 7),
    ("2473", 3), ("2902", 3), ("677", 5), ("2634", 7),
)
# Legitimate satellite numbers (seafarers at sea)
SATELLITE_LEGIT: tuple[tuple[str, int], ...] = (("8707", 8), ("8816", 8), ("8817", 8))

# Radio geography: (region, population weight, number of LACs)
REGIONS: tuple[tuple[str, float, int], ...] = (
    ("NCR", 0.40, 14), ("Calabarzon", 0.13, 7), ("Central Luzon", 0.10, 6),
    ("Cebu", 0.13, 6), ("Davao", 0.09, 5), ("Western Visayas", 0.07, 4),
    ("Northern Luzon", 0.08, 4),
)
ROAMING_MCC_MNC: dict[str, str] = {
    "SA": "420-01", "AE": "424-02", "HK": "454-00", "SG": "525-01",
    "JP": "440-10", "US": "310-260", "QA": "427-01", "TW": "466-92",
}


def digits(r: random.Random, n: int) -> str:
    """n random decimal digits."""
    return "".join(r.choice("0123456789") for _ in range(n))


class Numbering:
    """Allocates unique numbers: home blocks, off-net, landline, foreign."""

    BLOCK = 1000

    def __init__(self, r: random.Random, capacity: int) -> None:
        self.r = r
        self.used: set[str] = set()
        n_blocks = max(2, -(-capacity * 2 // self.BLOCK))
        keys: list[str] = []
        seen: set[str] = set()
        while len(keys) < n_blocks:
            k = r.choice(HOME_MOBILE_PREFIXES) + digits(r, 4)
            if k not in seen:
                seen.add(k)
                keys.append(k)
        keys.sort()
        self.blocks = keys
        self.occ: dict[str, bytearray] = {k: bytearray(self.BLOCK) for k in keys}

    def _home(self, key: str, pos: int) -> str:
        return f"+{CC}{key}{pos:03d}"

    def alloc_home(self) -> str:
        """A random free home mobile number."""
        r = self.r
        while True:
            k = r.choice(self.blocks)
            pos = r.randrange(self.BLOCK)
            if not self.occ[k][pos]:
                self.occ[k][pos] = 1
                n = self._home(k, pos)
                self.used.add(n)
                return n

    def alloc_run(self, n: int, max_step: int = 1) -> list[str]:
        """n home numbers bought as a batch: consecutive or nearly so."""
        r = self.r
        bi = r.randrange(len(self.blocks))
        pos = r.randrange(self.BLOCK)
        out: list[str] = []
        guard = 0
        while len(out) < n and guard < 50 * self.BLOCK:
            guard += 1
            if pos >= self.BLOCK:
                bi = (bi + 1) % len(self.blocks)
                pos = 0
            k = self.blocks[bi]
            if not self.occ[k][pos]:
                self.occ[k][pos] = 1
                num = self._home(k, pos)
                self.used.add(num)
                out.append(num)
            pos += r.randint(1, max_step)
        while len(out) < n:
            out.append(self.alloc_home())
        return out

    def block_numbers(self, key: str, lo: int, hi: int) -> list[str]:
        """Numbers of one home block from lo to hi (allocated or not)."""
        return [self._home(key, p) for p in range(lo, min(hi, self.BLOCK))]

    def is_unallocated_home(self, number: str) -> bool:
        """True for a number inside a home block that nobody holds."""
        occ = self.occ.get(number[3:-3]) if number.startswith("+" + CC) else None
        return occ is not None and not occ[int(number[-3:])]

    def unallocated_home(self) -> str:
        """A number in a home block that is not in service."""
        r = self.r
        while True:
            k = r.choice(self.blocks)
            pos = r.randrange(self.BLOCK)
            if not self.occ[k][pos]:
                return self._home(k, pos)

    def _fresh(self, make: Callable[[], str], register: bool) -> str:
        for _ in range(1000):
            n = make()
            if n not in self.used:
                if register:
                    self.used.add(n)
                return n
        raise RuntimeError("number space exhausted")

    def offnet_mobile(self, register: bool = True) -> str:
        """A mobile number of another Philippine operator."""
        r = self.r
        return self._fresh(lambda: f"+{CC}{r.choice(OFFNET_MOBILE_PREFIXES)}{digits(r, 7)}", register)

    def landline(self, register: bool = True) -> str:
        """A Philippine fixed-line number (Manila 8 digits, provinces 7)."""
        r = self.r

        def mk() -> str:
            area, n, lead = r.choice(LANDLINE_AREAS)
            return f"+{CC}{area}{lead}{digits(r, n - 1)}"
        return self._fresh(mk, register)

    def home_fixed(self) -> str:
        """An enterprise fixed number of the home operator (PBX trunks)."""
        r = self.r
        area, n, lead = HOME_FIXED_AREA
        return self._fresh(lambda: f"+{CC}{area}{lead}{digits(r, n - 1)}", True)

    def foreign_mobile(self, country: str, register: bool = True) -> str:
        """A mobile number abroad."""
        r = self.r
        cc, prefixes, n, _tz = FOREIGN_MOBILE[country]

        def mk() -> str:
            tail = str(r.randint(2, 9)) + digits(r, n - 1) if cc == "1" else digits(r, n)
            return f"+{cc}{r.choice(prefixes)}{tail}"
        return self._fresh(mk, register)

    def wangiri_number(self, origin: tuple[str, tuple[str, ...], int], base: str | None = None) -> str:
        """A number in a one-ring origin range; near base when given."""
        r = self.r
        cc, prefixes, n = origin
        if base is not None:
            return self._fresh(lambda: base[:-2] + digits(r, 2), True)
        return self._fresh(lambda: f"+{cc}{r.choice(prefixes)}{digits(r, n)}", True)

    def range_number(self, prefix: str, n: int, register: bool = False) -> str:
        """A number under +prefix with n more digits."""
        r = self.r
        return self._fresh(lambda: f"+{prefix}{digits(r, n)}", register)


class Geo:
    """Regions, LACs and cells of the home network."""

    def __init__(self, r: random.Random) -> None:
        self.r = r
        self.weights = [w for _, w, _ in REGIONS]
        self.cells: list[list[list[str]]] = []
        self.where: dict[str, tuple[int, int]] = {}
        used_ci: set[int] = set()
        for ri, (_name, _w, n_lac) in enumerate(REGIONS):
            lacs: list[list[str]] = []
            for li in range(n_lac):
                lac = 10000 + ri * 1200 + li * 37 + r.randrange(30)
                cells: list[str] = []
                for _ in range(r.randint(25, 70)):
                    ci = r.randrange(10000, 65535)
                    while ci in used_ci:
                        ci = r.randrange(10000, 65535)
                    used_ci.add(ci)
                    c = f"{HOME_MCC_MNC}-{lac}-{ci}"
                    cells.append(c)
                    self.where[c] = (ri, li)
                lacs.append(cells)
            self.cells.append(lacs)

    def region(self) -> int:
        """A region drawn by population."""
        return self.r.choices(range(len(REGIONS)), self.weights)[0]

    def cell(self, region: int) -> str:
        """A random cell of a region."""
        lacs = self.cells[region]
        return self.r.choice(self.r.choice(lacs))

    def near(self, cell: str | None, p_same_lac: float = 0.8) -> str:
        """A cell close to cell: same LAC or a neighbouring one."""
        if cell is None:
            raise ValueError("line without a home cell")
        ri, li = self.where[cell]
        lacs = self.cells[ri]
        if self.r.random() >= p_same_lac:
            li = max(0, min(len(lacs) - 1, li + self.r.choice((-1, 1))))
        return self.r.choice(lacs[li])

    def other_region(self, region: int) -> int:
        """A region different from region."""
        return self.r.choice([i for i in range(len(REGIONS)) if i != region])

    def roaming_cell(self, country: str) -> str:
        """A cell of a foreign network (subscriber roaming)."""
        mm = ROAMING_MCC_MNC.get(country, "424-02")
        return f"{mm}-{self.r.randrange(100, 9999)}-{self.r.randrange(1000, 65535)}"


def luhn(body: str) -> str:
    """Luhn check digit for a 14-digit IMEI body."""
    total = 0
    for i, ch in enumerate(body):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


class Imeis:
    """Unique IMEIs from type-allocation-code pools."""

    def __init__(self, r: random.Random) -> None:
        self.r = r
        self.used: set[str] = set()
        self.phones = [p + digits(r, 6) for p in ("35", "35", "35", "86", "86", "01") for _ in range(12)]
        self.features = ["35" + digits(r, 6) for _ in range(6)] + ["86" + digits(r, 6) for _ in range(4)]
        self.modules = ["86" + digits(r, 6) for _ in range(5)] + ["35" + digits(r, 6) for _ in range(3)]

    def _make(self, tac: str) -> str:
        while True:
            body = tac + digits(self.r, 6)
            imei = body + luhn(body)
            if imei not in self.used:
                self.used.add(imei)
                return imei

    def phone(self) -> str:
        """A smartphone IMEI."""
        return self._make(self.r.choice(self.phones))

    def feature(self) -> str:
        """A cheap feature phone IMEI."""
        return self._make(self.r.choice(self.features))

    def module(self) -> str:
        """A GSM module IMEI (gateways, fixed-cellular terminals, boxes)."""
        return self._make(self.r.choice(self.modules))

    def any(self) -> str:
        """A smartphone (mostly) or feature phone IMEI."""
        return self.feature() if self.r.random() < 0.15 else self.phone()
