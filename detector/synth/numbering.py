"""E.164 numbering for the synthetic world: country plans, home number blocks, premium ranges, IMEIs.

Numbers are carried as int64 holding the E.164 digits without the "+", so generation stays vectorised and
a sweep across a number block (wangiri, robocall) is plain integer arithmetic.  The plans are simplified
but realistic (real country codes, MCCs, mobile prefixes, lengths, UTC offsets without DST) so that any
detector that parses country codes or keeps a risky-prefix list sees what it would see on a real network.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .timing import Rng


@dataclass(frozen=True, slots=True)
class CountryPlan:
    """Numbering of one country (or international network such as +881 satellite)."""

    cc: str
    name: str
    mcc: int
    utc_offset_min: int
    nsn_len: int
    mobile_prefixes: tuple[str, ...]
    fixed_prefixes: tuple[str, ...] = ()


def _p(cc: str, name: str, mcc: int, off_h: float, nsn: int, mobile: str, fixed: str = "") -> CountryPlan:
    return CountryPlan(cc, name, mcc, int(off_h * 60), nsn, tuple(mobile.split()), tuple(fixed.split()))


PLANS: tuple[CountryPlan, ...] = (
    # Ordinary destinations and possible home countries.
    _p("44", "GB", 234, 0, 10, "71 73 74 75 77 78 79", "20 121 131 141 161 113 117 118 151"),
    _p("1", "US", 310, -5, 10, "212 312 415 646 713 305 617 202 404 503", "212 312 415 202"),
    _p("33", "FR", 208, 1, 9, "6 7", "1 2 3 4 5"),
    _p("49", "DE", 262, 1, 11, "151 152 157 160 162 170 171 172 173 175 176 177 178 179", "30 40 89 69 221"),
    _p("34", "ES", 214, 1, 9, "6 7", "91 93 95 96"),
    _p("39", "IT", 222, 1, 10, "32 33 34 35 36 38 39", "02 06 011"),
    _p("48", "PL", 260, 1, 9, "50 51 53 57 60 66 69 72 73 78 79 88", "22 12 61"),
    _p("353", "IE", 272, 0, 9, "83 85 86 87 89", "1 21 91"),
    _p("31", "NL", 204, 1, 9, "6", "20 10 30"),
    _p("90", "TR", 286, 3, 10, "50 53 54 55", "212 312 232"),
    _p("40", "RO", 226, 2, 9, "72 73 74 75 76 77 78", "21 31"),
    _p("351", "PT", 268, 0, 9, "91 92 93 96", "21 22"),
    _p("61", "AU", 505, 10, 9, "4", "2 3 7 8"),
    _p("27", "ZA", 655, 2, 9, "60 71 72 73 74 76 78 79 82 83 84", "11 21 31"),
    _p("55", "BR", 724, -3, 11, "119 219 319 419", "11 21"),
    _p("86", "CN", 460, 8, 11, "13 15 18", "10 21"),
    # Diaspora destinations.
    _p("91", "IN", 404, 5.5, 10, "6 7 8 9", "11 22 33 80"),
    _p("92", "PK", 410, 5, 10, "30 31 32 33 34", "21 42 51"),
    _p("880", "BD", 470, 6, 10, "13 15 16 17 18 19", "2"),
    _p("234", "NG", 621, 1, 10, "70 80 81 90 91", "1 9"),
    _p("233", "GH", 620, 0, 9, "20 24 26 27 50 54 55", "30"),
    _p("254", "KE", 639, 3, 9, "7 11", "20"),
    _p("63", "PH", 515, 8, 10, "9", "2"),
    _p("212", "MA", 604, 1, 9, "6 7", "5"),
    _p("20", "EG", 602, 2, 10, "10 11 12 15", "2 3"),
    _p("237", "CM", 624, 1, 9, "6", "2"),
    _p("221", "SN", 608, 0, 9, "7", "33"),
    # Ranges frequently abused for revenue-share fraud (also called honestly by diaspora).
    _p("252", "SO", 637, 3, 8, "61 62 90 7", "1"),
    _p("216", "TN", 605, 1, 8, "2 5 9", "7"),
    _p("53", "CU", 368, -5, 8, "5", "7"),
    _p("225", "CI", 612, 0, 10, "01 05 07", "27"),
    _p("232", "SL", 619, 0, 8, "25 30 33 76 77 88", "22"),
    _p("243", "CD", 630, 1, 9, "8 9", "1"),
    _p("242", "CG", 629, 1, 9, "04 05 06", "22"),
    _p("222", "MR", 609, 0, 8, "2 3 4", "45"),
    _p("269", "KM", 654, 3, 7, "3", "7"),
    _p("239", "ST", 626, 0, 7, "9", "2"),
    _p("241", "GA", 628, 1, 8, "6 7", "1"),
    _p("371", "LV", 247, 2, 8, "2", "6"),
    _p("370", "LT", 246, 2, 8, "6", "5"),
    _p("675", "PG", 537, 10, 8, "7", "3"),
    _p("677", "SB", 540, 11, 7, "7 8", "2"),
    _p("678", "VU", 541, 11, 7, "5 7", "2"),
    _p("682", "CK", 548, -10, 5, "5 7", "2"),
    _p("688", "TV", 553, 12, 6, "9", "2"),
    _p("691", "FM", 550, 10, 7, "9", "3"),
    _p("960", "MV", 472, 5, 7, "7 9", "3"),
    _p("248", "SC", 633, 4, 7, "2", "4"),
    _p("220", "GM", 607, 0, 7, "7 9", "4"),
    _p("224", "GN", 611, 0, 9, "6", "3"),
    _p("231", "LR", 618, 0, 8, "77 88", "3"),
    _p("235", "TD", 622, 1, 8, "6 9", "2"),
    _p("263", "ZW", 648, 2, 9, "71 77 78", "24"),
    _p("355", "AL", 276, 1, 9, "67 68 69", "4"),
    _p("372", "EE", 248, 2, 8, "5", "6"),
    _p("423", "LI", 295, 1, 9, "7", "2"),
    _p("509", "HT", 372, -5, 8, "3 4", "2"),
    _p("592", "GY", 738, -4, 7, "6", "2"),
    # International networks: satellite and global numbering.  No local time: UTC.
    _p("881", "SAT", 901, 0, 9, "6 7", ""),
    _p("882", "INTL", 901, 0, 10, "16 13 34 37", ""),
    _p("883", "INTL", 901, 0, 10, "14 51", ""),
    _p("870", "INMARSAT", 901, 0, 9, "77 76", ""),
)
PLAN_INDEX: dict[str, int] = {p.cc: i for i, p in enumerate(PLANS)}
PLAN_OFFSETS = np.array([p.utc_offset_min for p in PLANS], dtype=np.int16)

COMMON_DESTINATIONS = ("1", "33", "49", "34", "39", "48", "353", "31", "90", "40", "351", "61", "86", "91", "27", "55")
DIASPORA_DESTINATIONS = (
    "91",
    "92",
    "880",
    "234",
    "233",
    "254",
    "63",
    "212",
    "20",
    "237",
    "221",
    "48",
    "40",
    "90",
    "252",
    "216",
    "53",
    "225",
    "243",
    "232",
    "263",
    "355",
)
RISKY_DESTINATIONS = (
    "881",
    "882",
    "883",
    "870",
    "252",
    "216",
    "53",
    "225",
    "232",
    "243",
    "242",
    "222",
    "269",
    "239",
    "241",
    "371",
    "370",
    "675",
    "677",
    "678",
    "682",
    "688",
    "691",
    "960",
    "248",
    "220",
    "224",
    "231",
    "235",
    "263",
    "355",
    "372",
    "423",
    "509",
    "592",
)
"""Where premium (revenue-share) ranges are drawn from; deliberately wider than any one detector's list."""


def home_plan(country_code: str) -> CountryPlan:
    """The plan of the home country; an unknown code gets a generic plan so any code works."""
    if country_code in PLAN_INDEX:
        return PLANS[PLAN_INDEX[country_code]]
    if not country_code.isdigit() or not 1 <= len(country_code) <= 3:
        raise ValueError(f"country code must be 1-3 digits, got {country_code!r}")
    return CountryPlan(country_code, "HOME", 999, 0, 12 - len(country_code), ("6", "7", "9"), ("2", "3"))


def plan_indices(codes: tuple[str, ...]) -> np.ndarray:
    """Indices into PLANS of the given country codes (skipping unknown ones)."""
    return np.array([PLAN_INDEX[c] for c in codes if c in PLAN_INDEX], dtype=np.int16)


def random_numbers(rng: Rng, plan: CountryPlan, n: int, *, fixed: bool = False) -> np.ndarray:
    """``n`` random valid-looking numbers of ``plan`` (mobile unless ``fixed``)."""
    prefixes = plan.fixed_prefixes if fixed and plan.fixed_prefixes else plan.mobile_prefixes
    which = rng.integers(0, len(prefixes), n)
    out = np.empty(n, dtype=np.int64)
    for k, prefix in enumerate(prefixes):
        mask = which == k
        rest = plan.nsn_len - len(prefix)
        out[mask] = int(plan.cc + prefix) * 10**rest + rng.integers(0, 10**rest, int(mask.sum()))
    return out


def numbers_in_countries(rng: Rng, plan_idx: np.ndarray) -> np.ndarray:
    """One random mobile number per element, in the country ``PLANS[plan_idx[i]]``."""
    out = np.empty(len(plan_idx), dtype=np.int64)
    for p in np.unique(plan_idx):
        mask = plan_idx == p
        out[mask] = random_numbers(rng, PLANS[int(p)], int(mask.sum()))
    return out


@dataclass(frozen=True, slots=True)
class NumberRange:
    """A contiguous range of numbers sharing a prefix, e.g. a premium range ``+88216xxxxxx``."""

    prefix: str
    length: int
    utc_offset_min: int

    def draw(self, rng: Rng, n: int, *, sequential: bool = False) -> np.ndarray:
        """``n`` distinct-ish numbers in the range; ``sequential`` gives a consecutive run."""
        rest = self.length - len(self.prefix)
        base = int(self.prefix) * 10**rest
        if sequential:
            first = int(rng.integers(0, 10**rest - n))
            return base + first + np.arange(n, dtype=np.int64)
        return base + rng.integers(0, 10**rest, n)


def premium_ranges(rng: Rng, k: int) -> list[NumberRange]:
    """``k`` "hot" revenue-share ranges for this world: risky countries plus random sub-prefixes."""
    chosen = rng.choice(len(RISKY_DESTINATIONS), size=min(k, len(RISKY_DESTINATIONS)), replace=False)
    out = []
    for c in chosen:
        plan = PLANS[PLAN_INDEX[RISKY_DESTINATIONS[int(c)]]]
        stems = plan.mobile_prefixes + plan.fixed_prefixes
        stem = stems[int(rng.integers(0, len(stems)))]
        extra = "".join(str(d) for d in rng.integers(0, 10, int(rng.integers(1, 3))))
        length = len(plan.cc) + plan.nsn_len
        prefix = (plan.cc + stem + extra)[: length - 3]
        out.append(NumberRange(prefix, length, plan.utc_offset_min))
    return out


class HomeNumbering:
    """The home operator's number blocks and which slots are in use.

    Numbers come in blocks of 10,000 like real allocations, filled at a random density, so that a sweep
    through a block hits both subscribers and unallocated numbers.  A few "fresh" blocks hold recent
    activations: bulk-bought fraud SIMs come from there, but so do honest new subscribers.
    """

    BLOCK = 10_000

    def __init__(self, rng: Rng, plan: CountryPlan, subscribers: int, reserve: int) -> None:
        self.plan = plan
        density = float(rng.uniform(0.3, 0.7))
        n_old = max(2, int(np.ceil(subscribers / (density * self.BLOCK))))
        n_fresh = int(np.ceil(3 * (0.08 * subscribers + reserve) / self.BLOCK)) + 1  # mostly empty
        n_blocks = n_old + n_fresh
        prefixes = plan.mobile_prefixes
        ids: set[int] = set()
        block_ids: list[int] = []
        while len(block_ids) < n_blocks:
            prefix = prefixes[int(rng.integers(0, len(prefixes)))]
            rest = plan.nsn_len - len(prefix) - 4
            if rest < 1:
                raise ValueError(f"national number too short for 10,000-number blocks in +{plan.cc}")
            block = int(plan.cc + prefix) * 10**rest + int(rng.integers(0, 10**rest))
            if block not in ids:
                ids.add(block)
                block_ids.append(block)
        self.block_id = np.array(block_ids, dtype=np.int64)  # number // BLOCK
        self.n_old = n_old
        self.used = np.zeros(n_blocks * self.BLOCK, dtype=bool)
        self._sorted_blocks = np.sort(self.block_id)
        self._block_order = np.argsort(self.block_id)

    @property
    def n_slots(self) -> int:
        return len(self.used)

    def slot_number(self, slots: np.ndarray) -> np.ndarray:
        """Slot index -> E.164 number."""
        slots = np.asarray(slots, dtype=np.int64)
        return self.block_id[slots // self.BLOCK] * self.BLOCK + slots % self.BLOCK

    def allocate(self, rng: Rng, n: int, *, fresh: bool = False) -> np.ndarray:
        """``n`` random free numbers (from old blocks, or from fresh ones)."""
        lo = self.n_old * self.BLOCK if fresh else 0
        hi = self.n_slots if fresh else self.n_old * self.BLOCK
        free = lo + np.flatnonzero(~self.used[lo:hi])
        slots = rng.choice(free, size=n, replace=False)
        self.used[slots] = True
        return self.slot_number(slots)

    def allocate_run(self, rng: Rng, n: int) -> np.ndarray:
        """``n`` consecutive free numbers in a fresh block, like a bulk SIM purchase."""
        lo = self.n_old * self.BLOCK
        free = (~self.used[lo:]).astype(np.int64)
        window = np.convolve(free, np.ones(n, dtype=np.int64), mode="valid")
        starts = np.flatnonzero(window == n)
        starts = starts[(starts % self.BLOCK) <= self.BLOCK - n]  # a run does not straddle two blocks
        if len(starts) == 0:
            return self.allocate(rng, n, fresh=True)
        first = lo + int(starts[int(rng.integers(0, len(starts)))])
        slots = np.arange(first, first + n)
        self.used[slots] = True
        return self.slot_number(slots)

    def is_home(self, numbers: np.ndarray) -> np.ndarray:
        """Whether each number falls inside one of the home blocks."""
        blocks = np.asarray(numbers, dtype=np.int64) // self.BLOCK
        pos = np.clip(np.searchsorted(self._sorted_blocks, blocks), 0, len(self._sorted_blocks) - 1)
        return self._sorted_blocks[pos] == blocks

    def random_other_domestic(self, rng: Rng, n: int, *, fixed_share: float = 0.0) -> np.ndarray:
        """Domestic numbers of other operators (or fixed lines): outside the home blocks."""
        out = random_numbers(rng, self.plan, n)
        if fixed_share > 0 and self.plan.fixed_prefixes:
            fixed = rng.random(n) < fixed_share
            out[fixed] = random_numbers(rng, self.plan, int(fixed.sum()), fixed=True)
        clash = self.is_home(out)
        while clash.any():
            out[clash] = random_numbers(rng, self.plan, int(clash.sum()))
            clash = self.is_home(out)
        return out


# --------------------------------------------------------------------------------------------- IMEIs


def _luhn_check(body: np.ndarray) -> np.ndarray:
    """Luhn check digit of 14-digit IMEI bodies (every second digit from the right doubled)."""
    total = np.zeros(len(body), dtype=np.int64)
    rest = body.copy()
    for position in range(14):
        digit = rest % 10
        rest //= 10
        if position % 2 == 0:  # rightmost body digit is doubled
            digit = digit * 2
            digit = digit // 10 + digit % 10
        total += digit
    return (10 - total % 10) % 10


def make_tacs(rng: Rng, n: int) -> np.ndarray:
    """A pool of 8-digit type allocation codes (handset models); real ones mostly start 35 or 86."""
    heads = rng.choice(np.array([35, 86, 1, 99, 49]), size=n, p=[0.62, 0.25, 0.06, 0.04, 0.03])
    return heads * 10**6 + rng.integers(0, 10**6, n)


class TacPool:
    """Handset models: consumer phones with skewed popularity, and a few GSM modem models.

    Modems sit in SIM boxes and dialers but also in honest call-centre gateways, so a modem TAC is a hint,
    not a verdict.
    """

    def __init__(self, rng: Rng, consumer: int = 400, modems: int = 8) -> None:
        self.consumer_tacs = make_tacs(rng, consumer)
        self.modem_tacs = make_tacs(rng, modems)

    def consumer(self, rng: Rng, n: int) -> np.ndarray:
        """``n`` phone models, popular ones far more often (Zipf)."""
        return self.consumer_tacs[np.minimum(rng.zipf(1.3, n) - 1, len(self.consumer_tacs) - 1)]

    def modem(self, rng: Rng) -> int:
        """One modem model (for all modules of one device)."""
        return int(self.modem_tacs[int(rng.integers(0, len(self.modem_tacs)))])


def make_imeis(rng: Rng, tacs: np.ndarray) -> np.ndarray:
    """One random 15-digit IMEI (TAC + serial + Luhn) per TAC given."""
    return imeis_from_serials(tacs, rng.integers(0, 10**6, len(tacs)))


def imeis_from_serials(tacs: np.ndarray, serials: np.ndarray) -> np.ndarray:
    """IMEIs for given TACs and 6-digit serials; consecutive serials model one multi-module device."""
    body = np.asarray(tacs, dtype=np.int64) * 10**6 + np.asarray(serials, dtype=np.int64) % 10**6
    return body * 10 + _luhn_check(body)
