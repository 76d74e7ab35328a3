"""India (+91) numbering plan, foreign ranges, handset identities and cell ids.

The home operator is a Karnataka mobile operator (MCC-MNC 404-45). Numbers are
national-significant numbers of 10 digits after +91: mobiles start 6-9,
landlines are STD code + subscriber number, toll-free is 1800 + 7 digits and
registered telemarketers use the 140 series.
"""

from __future__ import annotations

import random

ONNET_SERIES: tuple[str, ...] = (
    "98450", "98860", "99000", "99001", "97410", "81230", "70220", "63600", "88610", "96320",
    "90080", "74110", "80500", "95350", "62360",
)
OFFNET_SERIES: tuple[str, ...] = (
    "98200", "91670", "82910", "77380", "90040", "99860", "70190", "89510", "62830", "94480",
    "97390", "73490", "88840", "93420", "60050", "85270",
)
SPOOF_SERIES: tuple[str, ...] = ("79750", "81470", "99450", "63990")
# STD codes for landlines (national number = code + subscriber digits, 10 in all).
STD_CODES: tuple[str, ...] = ("80", "821", "824", "836", "22", "11", "44", "40", "33", "20")

# Foreign destinations used honestly (diaspora, travel): country code, prefixes, remaining digits.
DIASPORA_RANGES: tuple[tuple[str, tuple[str, ...], int], ...] = (
    ("971", ("50", "52", "55", "56", "58"), 7),  # UAE mobile
    ("966", ("50", "53", "55", "59"), 7),  # Saudi Arabia
    ("974", ("33", "55", "66", "77"), 6),  # Qatar
    ("965", ("50", "60", "65", "99"), 6),  # Kuwait
    ("968", ("92", "95", "99"), 6),  # Oman
    ("1", ("408", "732", "647", "416", "281"), 7),  # USA / Canada
    ("44", ("7700", "7911", "7440"), 6),  # UK mobile
    ("61", ("4",), 8),  # Australia
    ("65", ("8", "9"), 7),  # Singapore
    ("977", ("98",), 8),  # Nepal
    ("880", ("17", "18", "19"), 8),  # Bangladesh
    ("94", ("77", "71"), 7),  # Sri Lanka
)
# Honest but high-cost destinations (families in these countries exist too).
HIGH_COST_RANGES: tuple[tuple[str, tuple[str, ...], int], ...] = (
    ("252", ("61", "63", "90"), 7),  # Somalia
    ("53", ("5",), 7),  # Cuba
    ("232", ("76", "77"), 6),  # Sierra Leone
    ("960", ("7", "9"), 6),  # Maldives
    ("234", ("803", "806"), 7),  # Nigeria
    ("225", ("07", "05"), 8),  # Cote d'Ivoire
)
# Premium / revenue-share ranges abused by IRSF and wangiri.
PREMIUM_RANGES: tuple[tuple[str, tuple[str, ...], int], ...] = (
    ("882", ("16", "37", "47"), 8),  # international networks
    ("881", ("6", "8"), 8),  # satellite
    ("252", ("90", "68"), 7),  # Somalia special ranges
    ("247", ("4",), 4),  # Ascension
    ("290", ("6",), 4),  # St Helena
    ("675", ("70", "71"), 6),  # Papua New Guinea
    ("686", ("7",), 7),  # Kiribati
    ("53", ("52",), 6),  # Cuba
    ("371", ("90",), 6),  # Latvia premium
    ("44", ("70",), 8),  # UK personal numbering
    ("381", ("69",), 6),  # Serbia
    ("232", ("30",), 6),  # Sierra Leone
    ("225", ("0789",), 6),  # Cote d'Ivoire
    ("373", ("69", "79"), 6),  # Moldova
    ("222", ("4",), 7),  # Mauritania
    ("269", ("3",), 6),  # Comoros
)

# TACs (first 8 digits of an IMEI) by rough handset family.
TACS: tuple[str, ...] = (
    "35332811", "35875310", "86769204", "86089104", "35946410", "35407115", "86473605",
    "35290611", "86888804", "35622514", "86176406", "35384110", "86537505", "35174420",
)
GATEWAY_TACS: tuple[str, ...] = ("86281000", "35599808", "86106803")  # GSM gateway modules

HOME_MCCMNC = "404-45"
# city key -> (MCC-MNC, first LAC, number of LACs, cells per LAC, UTC offset minutes)
CITIES: dict[str, tuple[str, int, int, int, int]] = {
    "BLR": (HOME_MCCMNC, 1101, 40, 60, 330),
    "MYS": (HOME_MCCMNC, 2201, 8, 40, 330),
    "MLR": (HOME_MCCMNC, 3301, 6, 40, 330),
    "HUB": (HOME_MCCMNC, 4401, 6, 40, 330),
    "BOM": ("404-92", 5101, 20, 40, 330),  # national roaming
    "DEL": ("404-10", 6101, 20, 40, 330),
    "DXB": ("424-02", 301, 10, 30, 240),  # international roaming
    "LON": ("234-15", 7001, 10, 30, 0),
    "BKK": ("520-03", 1201, 10, 30, 420),
    "SIN": ("525-01", 42, 10, 30, 480),
}
HOME_CITIES: tuple[str, ...] = ("BLR", "BLR", "BLR", "BLR", "BLR", "BLR", "MYS", "MLR", "HUB")


def mobile(rng: random.Random, onnet: bool | None = None) -> str:
    """A random +91 mobile number, on-net, off-net or either (None)."""
    if onnet is None:
        onnet = rng.random() < 0.45
    series = rng.choice(ONNET_SERIES if onnet else OFFNET_SERIES)
    return f"+91{series}{rng.randrange(100000):05d}"


def spoofed(rng: random.Random) -> str:
    """A mobile-looking number from a series no subscriber or contact uses (spoofed caller ID)."""
    return f"+91{rng.choice(SPOOF_SERIES)}{rng.randrange(100000):05d}"


def landline(rng: random.Random, std: str | None = None) -> str:
    """A +91 landline: STD code then subscriber digits to 10 national digits."""
    code = std or rng.choice(STD_CODES)
    rest = 10 - len(code)
    first = rng.choice("2345")
    return f"+91{code}{first}{rng.randrange(10 ** (rest - 1)):0{rest - 1}d}"


def tollfree(rng: random.Random) -> str:
    """A +91 1800 toll-free number."""
    return f"+911800{rng.randrange(10**7):07d}"


def telemarketer(rng: random.Random) -> str:
    """A registered-telemarketer 140-series number."""
    return f"+91140{rng.randrange(10**7):07d}"


def in_range(rng: random.Random, ranges: tuple[tuple[str, tuple[str, ...], int], ...]) -> str:
    """A number inside one of the given foreign ranges."""
    cc, prefixes, rest = rng.choice(ranges)
    return f"+{cc}{rng.choice(prefixes)}{rng.randrange(10**rest):0{rest}d}"


def block(start: str, n: int, step: int = 1) -> list[str]:
    """n consecutive numbers from start (a bulk-bought block range)."""
    head, tail = start[:-5], int(start[-5:])
    return [f"{head}{(tail + i * step) % 100000:05d}" for i in range(n)]


def luhn_digit(body: str) -> str:
    """Luhn check digit for a 14-digit IMEI body."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            d -= 9 if d > 9 else 0
        total += d
    return str((10 - total % 10) % 10)


def imei(rng: random.Random, tac: str | None = None) -> str:
    """A handset identity: mostly 15-digit IMEI, some 14 (no check digit) or 16 (IMEISV)."""
    body = (tac or rng.choice(TACS)) + f"{rng.randrange(10**6):06d}"
    r = rng.random()
    if r < 0.04:
        return body
    if r < 0.10:
        return body + f"{rng.randrange(1, 99):02d}"
    return body + luhn_digit(body)


def cell(rng: random.Random, city: str, lac: int | None = None) -> str:
    """A serving cell MCC-MNC-LAC-CI in the city (optionally in a given LAC)."""
    mccmnc, lac0, nlac, ncell, _ = CITIES[city]
    if lac is None:
        lac = lac0 + rng.randrange(nlac)
    ci = (lac * 37 + rng.randrange(ncell) * 101) % 65000 + 100
    return f"{mccmnc}-{lac}-{ci}"


def near(rng: random.Random, city: str, cell_id: str) -> str:
    """A cell in the same or a neighbouring LAC (someone moving around town)."""
    _, lac0, nlac, _, _ = CITIES[city]
    lac = int(cell_id.split("-")[2]) + rng.choice((-1, 0, 0, 0, 1))
    return cell(rng, city, min(max(lac, lac0), lac0 + nlac - 1))


def city_offset(city: str) -> int:
    """UTC offset (minutes) of the city."""
    return CITIES[city][4]
