"""E.164 numbering facts: country codes, destinations known for revenue-share fraud, and learned rarity.

The static list is industry knowledge (ranges repeatedly named in GSMA/CFCA IRSF reports), not a fit to our
data.  Because fraudsters move to whatever range pays, :class:`DestinationRarity` adds what the stream itself
says: a destination almost nobody in this network calls is suspicious when a number suddenly calls it a lot.
"""

from __future__ import annotations

from typing import Final

# ITU-T E.164 country codes of one and two digits; all others are three digits.
_ONE_DIGIT: Final = frozenset("17")
_TWO_DIGIT: Final = frozenset(
    "20 27 30 31 32 33 34 36 39 40 41 43 44 45 46 47 48 49 51 52 53 54 55 56 57 58 "
    "60 61 62 63 64 65 66 81 82 84 86 90 91 92 93 94 95 98".split()
)

# Country codes (and satellite/international networks) over-represented in IRSF case reports.
HIGH_RISK_CODES: Final = frozenset(
    "53 93 216 220 222 224 231 232 235 239 245 246 252 261 263 269 291 370 371 375 381 382 387 "
    "670 674 675 677 678 682 683 686 688 690 691 692 870 881 882 883 960".split()
)


def _sliced_country_code(number: str) -> str:
    """:func:`country_code` by string slicing (any string; it builds the table below)."""
    d1 = number[1]
    if d1 in _ONE_DIGIT:
        return d1
    d2 = number[1:3]
    if d2 in _TWO_DIGIT:
        return d2
    return number[1:4]


# The country code of every three-digit prefix, one shared string each: no slice per call, and the string's
# hash (the rarity counts and the risk list look it up) is computed once.
_CODE_OF_PREFIX: Final[tuple[str, ...]] = tuple(_sliced_country_code(f"+{p:03d}") for p in range(1000))


def country_code(number: str) -> str:
    """The country code of an E.164 string ("+4479..." -> "44").  This is hot: one table look-up."""
    if len(number) >= 4:
        d1 = ord(number[1]) - 48
        d2 = ord(number[2]) - 48
        d3 = ord(number[3]) - 48
        if 0 <= d1 <= 9 and 0 <= d2 <= 9 and 0 <= d3 <= 9:
            return _CODE_OF_PREFIX[d1 * 100 + d2 * 10 + d3]
    return _sliced_country_code(number)


class DestinationRarity:
    """Share of all calls in the stream that go to each country code, learned as it goes.

    Memory is bounded by the number of country codes (a few hundred).  ``is_rare`` is only trusted once
    ``min_calls`` calls have been seen, so a cold start flags nothing.
    """

    __slots__ = ("counts", "total", "rare_share", "min_calls")

    def __init__(self, rare_share: float = 0.0005, min_calls: int = 20_000) -> None:
        self.counts: dict[str, int] = {}
        self.total = 0
        self.rare_share = rare_share
        self.min_calls = min_calls

    def observe(self, cc: str) -> None:
        counts = self.counts
        counts[cc] = counts.get(cc, 0) + 1
        self.total += 1

    def is_rare(self, cc: str) -> bool:
        total = self.total
        return total >= self.min_calls and self.counts.get(cc, 0) < self.rare_share * total

    def is_home(self, cc: str) -> bool:
        """The network's own country: a fifth or more of all calls go there (once 1,000 calls were seen)."""
        total = self.total
        return total >= 1_000 and self.counts.get(cc, 0) >= 0.2 * total

    def is_risky(self, cc: str) -> bool:
        """Known high-risk range, or a destination this network almost never calls."""
        return cc in HIGH_RISK_CODES or self.is_rare(cc)


class RingConvention:
    """Whether this stream's unanswered calls carry their ring time in ``duration_s``.

    Many switches write 0 s for every unanswered call; then "rang under 10 s" says nothing, and a one-ring
    lure cannot be told from a call that rang out by duration alone.  Learned from the stream: ring times
    are trusted once ``min_calls`` unanswered calls were seen and at least ``min_share`` had a duration.
    """

    __slots__ = ("unanswered", "timed", "min_calls", "min_share")

    def __init__(self, min_calls: int = 1_000, min_share: float = 0.05) -> None:
        self.unanswered = 0
        self.timed = 0
        self.min_calls = min_calls
        self.min_share = min_share

    def observe(self, duration: float) -> None:
        self.unanswered += 1
        if duration > 0.0:
            self.timed += 1

    def known(self) -> bool:
        n = self.unanswered
        return n >= self.min_calls and self.timed >= self.min_share * n
