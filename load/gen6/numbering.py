"""Brazilian numbering plan, foreign ranges, cells and handsets.

Everything that turns "a person in Recife with a Samsung" into the strings a
switch writes lives here, so that the behaviour modules only deal with
choices ("an off-net mobile in the same area code") and never with formats.

Formats follow the Brazilian plan (Anatel): +55, two-digit area code (DDD),
mobile subscriber numbers of nine digits starting with 9, fixed lines of
eight digits starting 2-5, non-geographic 0300/0303/0800/4004 style numbers.
The home operator is MCC 724 / MNC 05; cells are written "724-05-LAC-CI".
"""

from __future__ import annotations

import bisect
import random
from typing import Sequence

HOME_PLMN = "724-05"

# Area codes (DDD) with rough population weights (millions of lines, not exact).
DDD_WEIGHTS: list[tuple[str, float]] = [
    ("11", 21.0), ("12", 2.5), ("13", 1.8), ("14", 1.5), ("15", 2.0), ("16", 1.6), ("17", 1.5),
    ("18", 1.0), ("19", 4.0), ("21", 12.0), ("22", 1.3), ("24", 1.2), ("27", 3.0), ("28", 0.5),
    ("31", 6.0), ("32", 1.5), ("33", 0.8), ("34", 1.6), ("35", 1.5), ("37", 0.7), ("38", 0.9),
    ("41", 3.8), ("42", 0.8), ("43", 1.5), ("44", 0.9), ("45", 0.8), ("46", 0.4), ("47", 2.2),
    ("48", 1.7), ("49", 0.7), ("51", 4.3), ("53", 0.9), ("54", 1.2), ("55", 0.8), ("61", 3.1),
    ("62", 3.5), ("63", 0.9), ("64", 0.9), ("65", 1.6), ("66", 0.8), ("67", 1.5), ("68", 0.5),
    ("69", 0.9), ("71", 4.2), ("73", 1.3), ("74", 0.9), ("75", 1.6), ("77", 1.2), ("79", 1.9),
    ("81", 4.6), ("82", 1.9), ("83", 2.1), ("84", 1.8), ("85", 4.5), ("86", 1.6), ("87", 1.0),
    ("88", 1.8), ("89", 0.7), ("91", 3.5), ("92", 2.8), ("93", 0.8), ("94", 0.9), ("95", 0.4),
    ("96", 0.5), ("97", 0.3), ("98", 2.8), ("99", 1.0),
]
DDDS = [d for d, _ in DDD_WEIGHTS]
BORDER_DDDS = ["45", "67", "55", "68", "69", "95"]  # Foz do Iguaçu, Corumbá, Uruguaiana, Acre, Rondônia, Roraima

# Foreign destinations ordinary people call: (country code, national mobile prefix, digits after prefix).
FOREIGN_MOBILE: dict[str, tuple[str, Sequence[str], int]] = {
    "PT": ("351", ["91", "92", "93", "96"], 7),
    "US": ("1", ["305", "407", "617", "973", "201", "508", "954", "713"], 7),
    "AR": ("54", ["911", "9351", "9341", "9261"], 7),
    "PY": ("595", ["981", "982", "983", "971", "991"], 6),
    "BO": ("591", ["7", "6"], 7),
    "JP": ("81", ["90", "80", "70"], 8),
    "IT": ("39", ["320", "333", "347", "389"], 7),
    "ES": ("34", ["6"], 8),
    "UY": ("598", ["91", "94", "99"], 6),
    "CL": ("56", ["9"], 8),
    "AO": ("244", ["92", "93", "94"], 7),
    "HT": ("509", ["3", "4"], 7),
    "VE": ("58", ["412", "414", "424"], 7),
    "UK": ("44", ["74", "75", "77", "78", "79"], 8),
    "DE": ("49", ["151", "160", "170", "176"], 8),
    "FR": ("33", ["6", "7"], 8),
    "CN": ("86", ["138", "139", "186"], 8),
    "IE": ("353", ["83", "85", "87"], 7),
}

# Ranges sold by international premium-rate number providers (IPRN) and used for
# IRSF and wangiri: satellite/international networks and small or high-tariff
# destinations. (country code + range prefix, digits after the range)
PREMIUM_RANGES: list[tuple[str, int]] = [
    ("88216", 7), ("88213", 7), ("8823", 8), ("88351", 7), ("8816", 8),  # international networks / satellite
    ("535", 7),        # Cuba mobile
    ("2522", 6),       # Somalia
    ("2241", 7),       # Guinea
    ("23276", 6),      # Sierra Leone
    ("2392", 5),       # Sao Tome
    ("67570", 5),      # Papua New Guinea
    ("6827", 4),       # Cook Islands
    ("68890", 3),      # Tuvalu
    ("6745", 4),       # Nauru
    ("37126", 6),      # Latvia (premium ranges resold)
    ("37069", 6),      # Lithuania
    ("3736", 7),       # Moldova
    ("38765", 6),      # Bosnia
    ("2225", 7),       # Mauritania
    ("21629", 6),      # Tunisia
    ("22507", 8),      # Cote d'Ivoire
    ("2693", 5),       # Comoros
    ("1284", 7),       # British Virgin Islands (+1, looks domestic to a US eye)
    ("1473", 7),       # Grenada
    ("1649", 7),       # Turks and Caicos
    ("44709", 7),      # UK personal numbering (070)
    ("96077", 5),      # Maldives
]

# Handset models: (name, 8-digit type allocation code, market weight, kind).
# TACs have the right shape (reporting-body prefixes 35/86/01) but are not
# checked against the GSMA database; they only need to be stable per model.
HANDSETS: list[tuple[str, str, float, str]] = [
    ("Samsung Galaxy A14", "35286011", 9.0, "phone"),
    ("Samsung Galaxy A54", "35096224", 5.0, "phone"),
    ("Samsung Galaxy A03", "35311765", 6.0, "phone"),
    ("Samsung Galaxy S23", "35177329", 1.5, "phone"),
    ("Motorola Moto G22", "35895312", 6.0, "phone"),
    ("Motorola Moto E22", "35902215", 4.0, "phone"),
    ("Motorola Moto G84", "35188841", 3.0, "phone"),
    ("Xiaomi Redmi Note 12", "86217406", 5.0, "phone"),
    ("Xiaomi Redmi 12C", "86475805", 3.0, "phone"),
    ("Apple iPhone 11", "35391610", 2.5, "phone"),
    ("Apple iPhone 13", "35466714", 2.0, "phone"),
    ("Apple iPhone 14", "35331472", 1.5, "phone"),
    ("LG K62", "35557211", 1.0, "phone"),
    ("Realme C35", "86894105", 1.0, "phone"),
    ("Positivo P26 feature phone", "35487905", 1.0, "feature"),
    ("Multilaser ZAPP", "35850908", 0.8, "feature"),
]
GSM_MODULES: list[tuple[str, str]] = [
    ("Quectel EC25 (gateway port)", "86715703"),
    ("Quectel M35 (gateway port)", "86252503"),
    ("SIMCom SIM800C", "86272003"),
    ("SIMCom SIM7600", "86147604"),
]
# A grey-market handset whose firmware carries one IMEI for every unit sold.
CLONED_IMEI_TAC = "35209900"


def luhn_digit(body: str) -> str:
    """Check digit of a 14-digit IMEI body (Luhn, as in 3GPP TS 23.003)."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def imei(tac: str, serial: int) -> str:
    """15-digit IMEI from a TAC and a 6-digit serial number."""
    body = f"{tac}{serial % 1000000:06d}"
    return body + luhn_digit(body)


class WeightedChoice:
    """Fast repeated weighted choice (cumulative weights + bisect)."""

    __slots__ = ("items", "cum", "total")

    def __init__(self, items: Sequence, weights: Sequence[float]):
        self.items = list(items)
        self.cum = []
        acc = 0.0
        for w in weights:
            acc += w
            self.cum.append(acc)
        self.total = acc

    def pick(self, rng: random.Random):
        return self.items[bisect.bisect_right(self.cum, rng.random() * self.total)]


DDD_CHOICE = WeightedChoice(DDDS, [w for _, w in DDD_WEIGHTS])
HANDSET_CHOICE = WeightedChoice([h for h in HANDSETS], [h[2] for h in HANDSETS])


class Numbering:
    """Hands out unique numbers, so that no number ever plays two roles by accident."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used: set[str] = set()
        self.imei_serial = rng.randrange(100000, 900000)

    def _fresh(self, make) -> str:
        for _ in range(1000):
            n = make()
            if n not in self.used:
                self.used.add(n)
                return n
        raise RuntimeError("numbering space exhausted")

    def mobile(self, ddd: str | None = None) -> str:
        """A Brazilian mobile number (+55 DDD 9XXXXXXXX)."""
        r = self.rng
        d = ddd or DDD_CHOICE.pick(r)
        return self._fresh(lambda: f"+55{d}9{r.choice('6789')}{r.randrange(10000000):07d}")

    def fixed(self, ddd: str | None = None, first: str | None = None) -> str:
        """A Brazilian fixed line (+55 DDD [2-5]XXXXXXX)."""
        r = self.rng
        d = ddd or DDD_CHOICE.pick(r)
        return self._fresh(lambda: f"+55{d}{first or r.choice('2345')}{r.randrange(10000000):07d}")

    def special(self, prefix: str, digits: int) -> str:
        """Non-geographic numbers: +55 0303 telemarketing, 0800 toll-free, 4004 capital-wide, short codes."""
        r = self.rng
        return self._fresh(lambda: f"+55{prefix}{r.randrange(10 ** digits):0{digits}d}")

    def foreign_mobile(self, country: str) -> str:
        cc, prefixes, n = FOREIGN_MOBILE[country]
        r = self.rng
        return self._fresh(lambda: f"+{cc}{r.choice(prefixes)}{r.randrange(10 ** n):0{n}d}")

    def premium_block(self, count: int, spread: int = 1) -> list[str]:
        """A block of numbers from one premium range, as an IPRN provider leases them (often consecutive)."""
        r = self.rng
        prefix, n = r.choice(PREMIUM_RANGES)
        base = r.randrange(10 ** n - count * spread - 1)
        out = []
        for i in range(count):
            num = f"+{prefix}{base + i * spread:0{n}d}"
            if num not in self.used:
                self.used.add(num)
                out.append(num)
        return out

    def handset_imei(self, tac: str | None = None) -> str:
        """A new handset identity (phone model drawn by market share unless a TAC is given)."""
        if tac is None:
            tac = HANDSET_CHOICE.pick(self.rng)[1]
        self.imei_serial += self.rng.randrange(1, 50)
        return imei(tac, self.imei_serial)

    def dual_sim_imeis(self) -> tuple[str, str]:
        """A dual-SIM phone has one IMEI per slot, normally consecutive serials."""
        tac = HANDSET_CHOICE.pick(self.rng)[1]
        self.imei_serial += self.rng.randrange(2, 50)
        return imei(tac, self.imei_serial), imei(tac, self.imei_serial + 1)

    def module_imeis(self, count: int) -> list[str]:
        """Per-port IMEIs of a multi-SIM GSM gateway (one radio module per port, one TAC)."""
        tac = self.rng.choice(GSM_MODULES)[1]
        self.imei_serial += self.rng.randrange(2, 50)
        base = self.imei_serial
        self.imei_serial += count
        return [imei(tac, base + i) for i in range(count)]


class Cells:
    """Cells per area code: "724-05-LAC-CI"; every DDD has its LACs and its cells."""

    def __init__(self, rng: random.Random, subscribers: int):
        self.by_ddd: dict[str, list[str]] = {}
        self.index: dict[str, int] = {}
        lac = 1000
        total_w = sum(w for _, w in DDD_WEIGHTS)
        for ddd, w in DDD_WEIGHTS:
            n_cells = max(12, int(subscribers / 20000 * 1500 * w / total_w) + 12)
            n_lacs = max(1, n_cells // 60)
            cells = []
            for i in range(n_cells):
                this_lac = lac + i % n_lacs
                ci = rng.randrange(1000, 65535) * 10 + rng.randrange(1, 4)  # sector 1-3
                cells.append(f"{HOME_PLMN}-{this_lac}-{ci}")
            lac += n_lacs + rng.randrange(1, 20)
            self.by_ddd[ddd] = cells
            for i, c in enumerate(cells):
                self.index[c] = i

    def pick(self, rng: random.Random, ddd: str) -> str:
        return rng.choice(self.by_ddd[ddd])

    def near(self, rng: random.Random, ddd: str, cell: str, spread: int = 6) -> str:
        """A cell close in the list to the given one: stands in for geographic neighbours."""
        cells = self.by_ddd[ddd]
        i = self.index.get(cell)
        if i is None or cells[i] != cell:
            return rng.choice(cells)
        return cells[max(0, min(len(cells) - 1, i + rng.randint(-spread, spread)))]
