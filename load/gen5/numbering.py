"""German and foreign numbering plans, premium (IRSF) ranges, and a book of unique numbers."""

from __future__ import annotations

import random

# Home operator (Telefónica-like) mobile prefixes after +49: (prefix, digits that follow, weight)
HOME_PREFIXES: tuple[tuple[str, int, float], ...] = (
    ("49176", 8, 40.0), ("49179", 7, 22.0), ("49177", 8, 8.0), ("49178", 8, 8.0),
    ("491590", 7, 8.0), ("491573", 7, 5.0), ("491578", 7, 4.0), ("49163", 7, 5.0),
)
# Other German mobile networks (Telekom-, Vodafone-like); also used for numbers ported in to us
OTHER_MOBILE: tuple[tuple[str, int, float], ...] = (
    ("49151", 8, 20.0), ("49160", 7, 8.0), ("49170", 7, 8.0), ("49171", 8, 10.0), ("49175", 8, 6.0),
    ("49152", 8, 14.0), ("49162", 7, 6.0), ("49172", 8, 10.0), ("49173", 8, 6.0), ("49174", 8, 4.0),
)
FOREIGN: dict[str, tuple[tuple[str, int], ...]] = {
    "TR": (("905", 9), ("90212", 7)), "PL": (("485", 8), ("486", 8), ("487", 8), ("4822", 7)),
    "IT": (("393", 9), ("3906", 8)), "UA": (("38050", 7), ("38067", 7), ("38097", 7), ("38093", 7)),
    "SY": (("9639", 8),), "RO": (("407", 8),), "RU": (("79", 9),), "XK": (("3834", 7),),
    "AF": (("937", 8),), "IQ": (("9647", 9),), "GR": (("3069", 8),),
    "AT": (("43664", 7), ("43676", 7), ("43699", 8), ("431", 7)), "FR": (("336", 8), ("337", 8), ("331", 8)),
    "ES": (("346", 8),), "NL": (("316", 8), ("3120", 7)), "CH": (("4179", 7), ("4178", 7), ("4144", 7)),
    "GB": (("447", 9), ("4420", 8)), "US": (("1212", 7), ("1415", 7), ("1646", 7), ("1312", 7)),
    "CN": (("8613", 9), ("8615", 9), ("8618", 9), ("8621", 8)), "AE": (("9715", 8), ("9714", 7)),
    "HR": (("3859", 8),), "RS": (("3816", 8),), "BA": (("3876", 7),), "VN": (("849", 8),),
    "IN": (("919", 9),), "NG": (("23480", 8), ("23470", 8)), "GH": (("2332", 8),), "CM": (("2376", 8),),
    "PK": (("923", 9),), "SN": (("2217", 8),), "MA": (("2126", 8),), "EG": (("2010", 8),),
    "IR": (("989", 9),), "DK": (("452", 7),), "BE": (("324", 8),), "CZ": (("4206", 8), ("4207", 8)),
    "HU": (("3620", 7), ("3630", 7)), "SO": (("25261", 7),), "GN": (("22462", 7),), "SL": (("23276", 6),),
    "ET": (("2519", 8),), "LB": (("9613", 6),), "TN": (("2162", 7),), "AL": (("3556", 8),),
}
NEIGHBOURS = ("AT", "PL", "TR", "IT", "NL", "FR", "CH", "ES", "HR", "RO", "GR", "CZ", "DK", "BE", "HU", "GB")
DIASPORA = (("TR", 34.0), ("SY", 12.0), ("UA", 12.0), ("PL", 10.0), ("RO", 6.0), ("RU", 5.0), ("XK", 5.0),
            ("AF", 4.0), ("IQ", 4.0), ("IT", 4.0), ("HR", 2.0), ("RS", 2.0))
# High-cost / international premium ranges abused for IRSF: (prefix, digits that follow, name)
IRSF_RANGES: tuple[tuple[str, int, str], ...] = (
    ("8816", 8, "iridium"), ("88216", 8, "thuraya"), ("88213", 7, "intl_network"), ("2399", 6, "sao_tome"),
    ("6757", 7, "png"), ("6785", 6, "vanuatu"), ("6867", 7, "kiribati"), ("6907", 3, "tokelau"),
    ("2224", 7, "mauritania"), ("25290", 6, "somalia"), ("37190", 6, "latvia_premium"),
    ("370900", 5, "lithuania_premium"), ("4470", 8, "uk_personal"), ("5352", 6, "cuba"), ("7940", 7, "abkhazia"),
)
LOW_SLOW_RANGES = (10, 11, 12)  # indices into IRSF_RANGES that look like ordinary European numbers
# Origins of wangiri one-ring calls: (prefix, digits that follow)
WANGIRI_RANGES: tuple[tuple[str, int], ...] = (
    ("2162", 7), ("2224", 7), ("22507", 8), ("23276", 6), ("25261", 7), ("3712", 7), ("3556", 8),
    ("8816", 8), ("6757", 7), ("2399", 6), ("2637", 8), ("88216", 8),
)
SERVICE_PREFIXES: tuple[tuple[str, int], ...] = (("49800", 7), ("491801", 6), ("491806", 6), ("49180", 7))


def digits(rng: random.Random, n: int) -> str:
    """n random decimal digits (leading zeros allowed)."""
    return f"{rng.randrange(10 ** n):0{n}d}" if n > 0 else ""


def _weighted(rng: random.Random, table: tuple[tuple[str, int, float], ...]) -> tuple[str, int]:
    r = rng.random() * sum(w for _, _, w in table)
    for pre, nd, w in table:
        r -= w
        if r < 0:
            return pre, nd
    return table[-1][0], table[-1][1]


class NumberBook:
    """Hands out unique E.164 numbers; home mobile numbers come from dense blocks of 1000."""

    def __init__(self, rng: random.Random, home_lines: int) -> None:
        self.used: set[str] = set()
        self.blocks: list[str] = []
        for _ in range(max(6, home_lines // 550 + 1)):
            pre, nd = _weighted(rng, HOME_PREFIXES)
            self.blocks.append("+" + pre + digits(rng, nd - 3))

    def take(self, num: str) -> bool:
        """Claims num if free."""
        if num in self.used:
            return False
        self.used.add(num)
        return True

    def make(self, rng: random.Random, prefix: str, nd: int, first_min: int = 0) -> str:
        """A fresh '+prefix' number with nd more digits (first of them >= first_min)."""
        for _ in range(200):
            rest = digits(rng, nd)
            if first_min and nd and int(rest[0]) < first_min:
                rest = str(first_min + rng.randrange(10 - first_min)) + rest[1:]
            num = "+" + prefix + rest
            if self.take(num):
                return num
        raise RuntimeError(f"number range +{prefix} exhausted")

    def home_mobile(self, rng: random.Random, ported: float = 0.0) -> str:
        if rng.random() < ported:
            return self.other_mobile(rng)
        for _ in range(200):
            num = self.blocks[rng.randrange(len(self.blocks))] + digits(rng, 3)
            if self.take(num):
                return num
        raise RuntimeError("home blocks exhausted")

    def home_run(self, rng: random.Random, n: int) -> list[str]:
        """n consecutive free numbers in one home block (a corporate or prepaid batch)."""
        for _ in range(100):
            block = self.blocks[rng.randrange(len(self.blocks))]
            start = rng.randrange(0, 1000 - n)
            nums = [f"{block}{k:03d}" for k in range(start, start + n)]
            if not any(x in self.used for x in nums):
                self.used.update(nums)
                return nums
        return [self.home_mobile(rng) for _ in range(n)]

    def other_mobile(self, rng: random.Random) -> str:
        pre, nd = _weighted(rng, OTHER_MOBILE)
        return self.make(rng, pre, nd)

    def fixed(self, rng: random.Random, area: str) -> str:
        n = 10 - len(area) + (1 if len(area) >= 3 and rng.random() < 0.3 else 0)
        return self.make(rng, "49" + area, max(5, n), first_min=2)

    def did_block(self, rng: random.Random, area: str, n: int) -> tuple[str, list[str]]:
        """A business direct-dial-in range: (main number ending in 0, n extension numbers)."""
        ext = 2 if n < 90 else 3
        for _ in range(100):
            base = "+49" + area + str(rng.randint(2, 9)) + digits(rng, 9 - len(area) - ext)
            main = base + "0" * ext
            first = rng.randrange(1, 10 ** ext - n)
            nums = [f"{base}{k:0{ext}d}" for k in range(first, first + n)]
            if main not in self.used and not any(x in self.used for x in nums):
                self.used.add(main)
                self.used.update(nums)
                return main, nums
        raise RuntimeError("no free DID block")

    def foreign(self, rng: random.Random, cc: str) -> str:
        plans = FOREIGN[cc]
        pre, nd = plans[rng.randrange(len(plans))]
        return self.make(rng, pre, nd)

    def service(self, rng: random.Random) -> str:
        pre, nd = SERVICE_PREFIXES[rng.randrange(len(SERVICE_PREFIXES))]
        return self.make(rng, pre, nd, first_min=1)
