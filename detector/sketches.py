"""Small fixed-size statistics the per-number state is built from.

Each is a pure function over a few floats so the hot loop in :mod:`detector.features` can inline the state
into ``__slots__`` without an object per statistic (an object per feature per number would triple memory).
"""

from __future__ import annotations

import math
import types
import zlib
from typing import Final

from mypy_extensions import i64


def _probe() -> None:
    """Only there to tell a compiled build from an interpreted one (see :data:`COMPILED`)."""


#: True when this module runs mypyc-compiled (the modules of setup.py's list are compiled together): a few hot
#: helpers then loop over characters in machine ints, which is faster there than a builtin call and much
#: slower interpreted.
COMPILED: Final = not isinstance(_probe, types.FunctionType)

_MASK64: Final = (1 << 64) - 1
_GOLDEN: Final = 0x9E3779B97F4A7C15  # 2^64 / golden ratio: Fibonacci hashing spreads consecutive numbers evenly

BLOOM_BITS: Final = 512  # two generations of 512 bits each: ~5% false "seen" at the rotation point
BLOOM_ROTATE: Final = 64  # distinct items per generation; memory of the last 64..128 distinct callees


def number_key(number: str) -> int:
    """A stable integer for an E.164 string (digits as an int: stable across processes, unlike hash()).
    Interpreted, ``int()``, which reads the leading '+' as a sign (no slice); compiled, the same value from a
    machine-int loop (:func:`_digits_value`)."""
    if COMPILED:
        return _digits_value(number)
    return int(number)


def _digits_value(number: str) -> i64:
    """``int(number)`` for '+' and up to 18 ASCII digits (a validated E.164 string), as a machine-int loop:
    compiled, a third of ``int()``'s cost."""
    value: i64 = 0
    n: i64 = len(number)
    i: i64 = 1
    while i < n:
        value = value * 10 + (ord(number[i]) - 48)
        i += 1
    return value


def ascii_digits(text: str, start: i64) -> bool:
    """Whether every character of ``text`` from ``start`` on is an ASCII digit ('0'-'9').  Compiled, a
    machine-int loop (:func:`_ascii_digits_loop`: no slice, no two method calls); interpreted, the builtins
    (the loop is slower there)."""
    if COMPILED:
        return _ascii_digits_loop(text, start)
    tail = text[start:]
    return tail.isdigit() and tail.isascii()


def _ascii_digits_loop(text: str, start: i64) -> bool:
    """:func:`ascii_digits` as a loop over character codes (nothing after ``start`` is no digits, as for
    ``str.isdigit``)."""
    n: i64 = len(text)
    if start >= n:
        return False
    i = start
    while i < n:
        c = ord(text[i])
        if c < 48 or c > 57:
            return False
        i += 1
    return True


_BIT: Final[tuple[int, ...]] = tuple(1 << p for p in range(BLOOM_BITS))  # shared single-bit masks: no shift per call
_KEY_MAX: Final = (1 << 62) - 1  # the largest int compiled code holds unboxed (``1 << 62`` is a boxed int)
_M21: Final = (1 << 21) - 1
_G0: Final = _GOLDEN & _M21  # _GOLDEN in 21-bit limbs, for _golden_top
_G1: Final = (_GOLDEN >> 21) & _M21
_G2: Final = (_GOLDEN >> 42) & _M21
_G3: Final = _GOLDEN >> 63


def _golden_top(key: int) -> int:
    """Bits 46..63 of ``(key * _GOLDEN) & _MASK64`` for 0 <= key < 2**62, by 21-bit limbs: every intermediate
    stays below 2**62, so compiled code never leaves machine integers (the product itself has ~110 bits)."""
    k0 = key & _M21
    k1 = (key >> 21) & _M21
    k2 = key >> 42
    c = k0 * _G0
    c = (c >> 21) + k0 * _G1 + k1 * _G0
    c = (c >> 21) + k0 * _G2 + k1 * _G1 + k2 * _G0
    limb2 = c & _M21  # bits 42..62
    c = (c >> 21) + k0 * _G3 + k1 * _G2 + k2 * _G1
    return (limb2 >> 4) | ((c & 1) << 17)


def bloom_bits(key: int) -> int:
    """The two bit positions of ``key`` as a mask (k=2 hashes from one multiplicative hash)."""
    if 0 <= key <= _KEY_MAX:  # comparing with a boxed ``1 << 62`` took the slow path
        top = _golden_top(key)  # h >> 46
        return _BIT[top >> 9] | _BIT[top & 511]
    h = (key * _GOLDEN) & _MASK64
    return (1 << (h >> 55)) | (1 << ((h >> 46) & 511))


_CRC32: Final = zlib.crc32  # bound once: ``zlib.crc32(...)`` in compiled code is a module attribute look-up per call


def text_crc(text: str) -> int:
    """CRC-32 of ``text`` as UTF-8: a stable hash of an identifier (the same in every process)."""
    return _CRC32(text.encode())


def place_bits(cell: str) -> int:
    """Two bits of 62 for a cell id (k=2 from CRC-32: stable across processes, unlike hash()).

    62 bits keep the filter an unboxed int in compiled code; a person's dozen cells fill a third of it (~10%
    false "seen before"; areas have a filter of their own), a courier's round saturates it, which only makes a
    swap harder to claim.
    """
    h = text_crc(cell)
    return (1 << (h % 62)) | (1 << ((h >> 16) % 62))


def ramp(x: float, lo: float, hi: float) -> float:
    """0 below ``lo``, 1 above ``hi``, linear between: soft evidence instead of a hard threshold."""
    if x <= lo:
        return 0.0
    if x >= hi:
        return 1.0
    return (x - lo) / (hi - lo)


def max3(a: float, b: float, c: float) -> float:
    """``max(a, b, c)`` (the same value, NaN and signed zeros included): compiled, a two-argument ``max`` is
    one comparison, where the builtin called with three parses them like any call (~1,200 instructions)."""
    return max(max(a, b), c)


def argmax(scores: dict[str, float]) -> str:
    """``max(scores, key=scores.__getitem__)``: the first key with the highest value.  Compiled, a loop; the
    builtin with ``key=`` parses keywords and calls a bound method per key."""
    best = ""
    top = 0.0
    first = True
    for name, value in scores.items():
        if first or value > top:
            best, top, first = name, value, False
    if first:
        raise ValueError("argmax() of an empty dict")
    return best


def cv(mean: float, mean_sq: float) -> float:
    """Coefficient of variation from running first and second moments (0 = perfectly regular)."""
    if mean <= 0.0:
        return 0.0
    var = mean_sq - mean * mean
    return math.sqrt(var) / mean if var > 0.0 else 0.0


def rate_per_hour(decayed: float, tau: float, age: float) -> float:
    """Calls per hour from a count decayed with time constant ``tau``, read at the moment of a call.

    The count ``c <- c*exp(-dt/tau) + 1`` includes the call just made, so it reads ``1 + rate*tau`` in the
    steady state and ``1 + rate*tau*(1-exp(-age/tau))`` for a number first seen ``age`` seconds ago; removing
    that call and dividing by the window factor gives the rate from the first minutes on.  ``age`` is floored
    at a minute so two calls in a second do not read as thousands per hour.
    """
    age = max(age, 60.0)
    return max(decayed - 1.0, 0.0) * 3600.0 / (tau * (1.0 - math.exp(-age / tau)))
