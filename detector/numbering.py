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


class StreamConvention:
    """Whether this stream's records carry something optional, learned from the stream itself: trusted once
    ``min_calls`` records were seen and at least ``min_share`` of them carried it.  What a field's absence
    means depends on it: in a stream that never writes it, nothing."""

    __slots__ = ("seen", "carried", "min_calls", "min_share")

    def __init__(self, min_calls: int, min_share: float) -> None:
        self.seen = 0
        self.carried = 0
        self.min_calls = min_calls
        self.min_share = min_share

    def observe(self, carried: bool) -> None:
        self.seen += 1
        if carried:
            self.carried += 1

    def known(self) -> bool:
        n = self.seen
        return n >= self.min_calls and self.carried >= self.min_share * n


class RingConvention(StreamConvention):
    """Whether this stream's unanswered calls carry their ring time in ``duration_s`` (observe each
    unanswered call with ``duration > 0``).

    Many switches write 0 s for every unanswered call; then "rang under 10 s" says nothing, and a one-ring
    lure cannot be told from a call that rang out by duration alone.
    """

    __slots__ = ()

    def __init__(self, min_calls: int = 1_000, min_share: float = 0.05) -> None:
        super().__init__(min_calls, min_share)


class RadioConvention(StreamConvention):
    """Whether this stream's calls say where and on what they were made (observe each voice call with
    "has a cell_id or an IMEI").

    A SIM-box is SIMs in radio devices.  In a stream that names cells and handsets for its subscribers' calls,
    a number whose calls never carry either is a fixed line or a PBX trunk, whatever its traffic looks like;
    in a stream that names neither, that absence says nothing.  A fifth of the calls suffices: calls coming in
    from other networks and from abroad carry neither.
    """

    __slots__ = ()

    def __init__(self, min_calls: int = 1_000, min_share: float = 0.2) -> None:
        super().__init__(min_calls, min_share)


def number_range(number: str) -> str:
    """The block a number was allocated from: its country code and the first three national digits
    ("+4917612345678" -> "+49176"), the granularity at which regulators hand ranges to operators."""
    return number[:len(country_code(number)) + 4]


class OwnRanges:
    """This network's own mobile ranges, learned from the stream: the number ranges in which nearly every number
    that first called came with a cell or a handset (the radio network carried it).

    A caller ID from such a range whose calls never carry either did not come from the radio network: it came in
    over interconnect claiming to be one of our subscribers, which is what spoofed caller IDs do (a robocall
    campaign rotating through numbers a few calls each).  Where a range also holds numbers that live elsewhere
    (numbers ported to other networks, fixed lines, another operator's block) too many of its numbers call
    without a radio and the range is not trusted: ``min_share`` of at least ``min_numbers`` numbers.  Memory is
    bounded by the ranges the radio network carries: a range is only created by a number that came with a radio.
    """

    __slots__ = ("numbers", "carried", "min_numbers", "min_share")

    def __init__(self, min_numbers: int = 200, min_share: float = 0.99) -> None:
        self.numbers: dict[str, int] = {}
        self.carried: dict[str, int] = {}
        self.min_numbers = min_numbers
        self.min_share = min_share

    def observe(self, number: str, carried: bool) -> None:
        """A number's first call: whether it came with a cell or a handset."""
        key = number_range(number)
        seen = self.numbers.get(key)
        if seen is None:
            if not carried:
                return
            seen = 0
        self.numbers[key] = seen + 1
        if carried:
            self.carried[key] = self.carried.get(key, 0) + 1

    def is_own(self, number: str) -> bool:
        """Whether ``number`` lies in a range the radio network carries nearly always."""
        key = number_range(number)
        seen = self.numbers.get(key, 0)
        return seen >= self.min_numbers and self.carried.get(key, 0) >= self.min_share * seen
