"""Parse and validate raw CDR bytes into :class:`~detector.records.Cdr` once, at the edge.

Every failure becomes a :class:`~detector.records.Reject` with a reason from ``REJECT_REASONS``, never an
exception: a worker must survive any byte sequence a producer can put on a topic.  The parser is pure (no
clock, no I/O); stream-level checks that need history (event-time range, duplicates) live in
:mod:`detector.admission`.

What is accepted is exactly what ``schemas/cdr.schema.json`` accepts (``tests/test_parse.py`` checks both
directions); the schema's patterns and this module's checks are two spellings of the same rules:

* ``cdr_id``: 1-256 characters, none of them a control, line-separator, zero-width or bidi-override character
  (``_FORBIDDEN_CHARS``); ``cell_id``: the same rule, 1-64 characters.
* ``caller``/``callee``: E.164, ``+`` then 3-15 ASCII digits, the first not 0.
* ``start_time``: RFC 3339 with an offset, nothing else: ``YYYY-MM-DD``, ``T`` or ``t``, ``hh:mm:ss`` (second 60,
  a leap second, counts as the next minute's :00 as POSIX time does), an optional fraction of 1-9 digits
  (kept to the microsecond, truncated), then ``Z``, ``z`` or ``+hh:mm``/``-hh:mm`` (hours 00-23).  The
  calendar date must exist.  ISO 8601 forms RFC 3339 does not allow (``+0800``, ``+08``, a space separator,
  week dates, ``,5``, no seconds ...) are ``bad_time``.
* the record's local date must lie in 2000-01-01 .. 9999-12-30 (``time_out_of_range`` otherwise): 1970 means
  a zeroed clock, and every accepted instant can be written back as RFC 3339 in its own offset and in UTC.
* ``duration_s``: a JSON number in [0, 172800]; ``disposition`` and ``record_type``: the listed values
  (``record_type`` missing or null means voice); ``imei``: 14-16 ASCII digits.  Unknown extra fields are
  ignored.

Speed: most records have the same shape (every required field a string of the expected kind, printable
identifiers, a time already seen or of the layout ``YYYY-MM-DDThh:mm:ss+hh:mm``).  :meth:`CdrParser.from_dict`
checks that shape with a few comparisons, slices and dictionary look-ups (a cache of whole time strings, then a
per-minute cache of the time prefix, see :class:`TimeParser`) and builds the ``Cdr``; any record not of that
shape, valid or not, goes to the general path, which decides it and names the reason.  Both paths accept the
same records with the same values (property-tested); the fast path only decides sooner.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Any, Final, cast

import orjson

from .records import DISPOSITIONS, RECORD_TYPES, Cdr, Reject
from .sketches import ascii_digits

MAX_MESSAGE_BYTES: Final = 16_384  # a CDR is ~300 bytes; anything 50x larger is an attack or a bug
MAX_DURATION_S: Final = 2 * 86_400.0  # switches cut calls at 24 h at most; allow margin for clock-split records
_MAX_DURATION_INT: Final = int(MAX_DURATION_S)  # an int duration is compared as an int: compiled, a comparison
# with the float bound converts the int first, and a 400-digit one overflows (OverflowError, not a reject)
# The accepted range of a record's LOCAL wall time (checked on the date fields, see _parse_rfc3339), here as
# seconds since 1970-01-01T00:00 of that wall clock (equal to epoch seconds for a record written in UTC):
MIN_EPOCH: Final = 946_684_800.0  # from 2000-01-01T00:00 local: no CDR stream predates this; 1970 means a zeroed clock
MAX_EPOCH: Final = 253_402_214_400.0  # to before 9999-12-31T00:00 local: every accepted instant formats in any offset
_LOADS: Final = orjson.loads  # bound once: ``orjson.loads(...)`` in compiled code is a module attribute look-up per call
_MAX_ID_LEN: Final = 256
_MAX_FIELD_LEN: Final = 64
_REQUIRED: Final = ("cdr_id", "caller", "callee", "start_time", "duration_s", "disposition")
#: Characters refused in cdr_id and cell_id (the schema's pattern lists the same): C0 and C1 controls and DEL,
#: zero-width and bidi formatting characters, the Unicode line/paragraph separators, the byte-order mark, and
#: lone surrogates (only reachable through :meth:`CdrParser.from_dict`; JSON input with one is ``encoding``).
# (a raw string: the regex reads the escapes, so the source holds no surrogate, which mypyc cannot compile)
_FORBIDDEN_CHARS: Final = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ud800-\udfff]")
_RFC3339: Final = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{1,9}))?"
    r"(?:[Zz]|([+-])([0-9]{2}):([0-9]{2}))"
)
_SECONDS: Final[dict[str, int]] = {f"{s:02d}": s for s in range(61)}  # "00".."60" -> value (60: a leap second)
_DAYS_IN_MONTH: Final = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_LAST_DATE: Final = (9999, 12, 30)  # the last local date accepted


_EXACT_MICROS: Final = 2**53  # up to this many microseconds (~2255), an int count converts to a float exactly


def _seconds(whole: int, micros: int) -> float:
    """``whole + micros / 10**6`` correctly rounded: the int division ``timedelta.total_seconds()`` does, so a
    fractional time is the float ``datetime.fromisoformat(s).timestamp()`` gives (tests compare them).

    Compiled, mypyc divides two machine ints by converting each to a float first: past 2**53 microseconds
    the dividend is already rounded, and the quotient can be one ULP off Python's exactly rounded ``int / int``
    (a quarter of the fractional times after ~2255 were).  Below that bound both operands are exact and
    the one float division rounds once, as Python's does; above it the division is made on Python ints.
    """
    total = whole * 1_000_000 + micros
    if -_EXACT_MICROS <= total <= _EXACT_MICROS:
        return total / 1_000_000
    return cast(Any, total) / 1_000_000  # a boxed int: PyNumber_TrueDivide, correctly rounded in both builds


def _days_from_civil(y: int, m: int, d: int) -> int:
    """Days from 1970-01-01 to the proleptic Gregorian date y-m-d (H. Hinnant's algorithm; exact, no datetime)."""
    if m <= 2:
        y -= 1
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (m - 3 if m > 2 else m + 9) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146_097 + doe - 719_468


def _parse_rfc3339(s: str) -> tuple[int, int, int, bool, int] | None:
    """The general path: ``(whole_seconds_utc, microseconds, offset_min, in_range, second)`` or None.

    ``whole_seconds_utc`` counts a leap second (:60) as the next minute's :00; ``in_range`` is the local-date
    rule (2000-01-01 .. 9999-12-30); ``second`` is the seconds field as written (for the cache).
    """
    if len(s) > 40 or not s.isascii():
        return None
    m = _RFC3339.fullmatch(s)
    if m is None:
        return None
    g = m.groups()
    year = int(g[0])
    month = int(g[1])
    day = int(g[2])
    hour = int(g[3])
    minute = int(g[4])
    second = int(g[5])
    if not 1 <= month <= 12 or day < 1 or hour > 23 or minute > 59 or second > 60:
        return None
    dim = _DAYS_IN_MONTH[month]
    if month == 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0):
        dim = 29
    if day > dim:
        return None
    offset = 0
    if g[7] is not None:
        oh = int(g[8])
        om = int(g[9])
        if oh > 23 or om > 59:
            return None
        offset = oh * 60 + om
        if g[7] == "-":
            offset = -offset
    frac = g[6]
    micros = int((frac + "00000")[:6]) if frac is not None else 0
    in_range = year >= 2000 and (year, month, day) <= _LAST_DATE
    whole = _days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - offset * 60
    return whole, micros, offset, in_range, second


class TimeParser:
    """RFC 3339 -> (UTC epoch seconds, offset minutes), cached in two bounded levels.

    1. Whole strings already seen whose local date is in range -> (epoch, offset): in a stream most records
       share their second with another record (~80% of look-ups hit with a few thousand entries).
    2. For the two common exact layouts (``YYYY-MM-DDThh:mm:ss+hh:mm``, 25 characters, and ``...ssZ``, 20),
       the string without its seconds -> (epoch of the minute, offset, local date in range); the seconds are
       then one dictionary look-up.  Only valid strings of those layouts are stored, so a key found implies the
       rest of the string is valid (``...ss.ffffZ``, also 25 characters, is never stored).

    Every other string (fractions, other lengths, anything malformed) takes the general path,
    :func:`_parse_rfc3339`.  Each cache is cleared when it grows past its limit, so memory stays bounded on
    any input, and what is cached never changes an answer.
    """

    __slots__ = ("_cache", "_max_entries", "_exact", "_max_exact")

    def __init__(self, max_entries: int = 65_536, max_exact: int = 4_096) -> None:
        self._cache: dict[str, tuple[int, int, bool]] = {}
        self._max_entries = max_entries
        self._exact: dict[str, tuple[float, int]] = {}
        self._max_exact = max_exact

    def parse(self, s: str) -> tuple[float, int] | None:
        """Return ``(epoch_seconds, utc_offset_minutes)`` or None when ``s`` is not RFC 3339 with offset."""
        hit = self._exact.get(s)
        if hit is not None:
            return hit
        got = self.parse_checked(s)
        if got is None:
            return None
        return got[0], got[1]

    def in_range(self, s: str) -> tuple[float, int] | None:
        """``(epoch_seconds, utc_offset_minutes)`` when ``s`` is RFC 3339 AND its local date is accepted, else
        None (the record is then refused; :meth:`parse_checked` says why)."""
        hit = self._exact.get(s)
        if hit is not None:
            return hit
        got = self.parse_checked(s)
        if got is None or not got[2]:
            return None
        value = (got[0], got[1])
        exact = self._exact
        if len(exact) >= self._max_exact:
            exact.clear()
        exact[s] = value
        return value

    def parse_checked(self, s: str) -> tuple[float, int, bool] | None:
        """``(epoch_seconds, utc_offset_minutes, local_date_in_range)`` or None (level 2, then the general path)."""
        n = len(s)
        if n == 25 or n == 20:
            hit = self._cache.get(s[:17] + s[19:])
            if hit is not None:
                sec = _SECONDS.get(s[17:19])
                if sec is None:
                    return None
                return float(hit[0] + sec), hit[1], hit[2]
        return self.parse_general(s)

    def parse_general(self, s: str) -> tuple[float, int, bool] | None:
        """The uncached path (which also fills the minute cache for the common layouts)."""
        p = _parse_rfc3339(s)
        if p is None:
            return None
        whole, micros, offset, in_range, second = p
        n = len(s)
        if n == 20 or (n == 25 and s[19] != "."):  # not '...ss.ffffZ': its key would hide the fraction
            cache = self._cache
            if len(cache) >= self._max_entries:
                cache.clear()
            cache[s[:17] + s[19:]] = (whole - second, offset, in_range)
        if micros:
            return _seconds(whole, micros), offset, in_range
        return float(whole), offset, in_range

    @staticmethod
    def _slow(s: str) -> tuple[float, int] | None:
        """The general path alone, no cache (the reference the cached paths are tested against)."""
        p = _parse_rfc3339(s)
        if p is None:
            return None
        return _seconds(p[0], p[1]), p[2]


def _one_of(value: str, choices: tuple[str, ...]) -> str | None:
    """The element of ``choices`` equal to ``value`` (the interned constant, so later tests are identity
    checks), or None: a few string comparisons instead of hashing a fresh string for a dict look-up."""
    for choice in choices:
        if value == choice:
            return choice
    return None


def is_e164(v: str) -> bool:
    """'+' and 3-15 ASCII digits, the first not 0; by character codes: compiled code makes a string comparison
    (``"1" <= v[1]``) a generic call."""
    return 4 <= len(v) <= 16 and ord(v[0]) == 43 and 49 <= ord(v[1]) <= 57 and ascii_digits(v, 2)


def _is_text(v: str, max_len: int) -> bool:
    """1..max_len characters, none in ``_FORBIDDEN_CHARS`` (ASCII is checked without the regex)."""
    if not 0 < len(v) <= max_len:
        return False
    if v.isascii():
        return v.isprintable()
    return _FORBIDDEN_CHARS.search(v) is None


class CdrParser:
    """Validate one message into a :class:`Cdr` or a :class:`Reject` with a reason code.

    Holds the bounded caches of its :class:`TimeParser`; results never depend on what is cached.
    """

    __slots__ = ("_times",)

    def __init__(self) -> None:
        self._times = TimeParser()

    def parse(self, raw: bytes | str, line: int | None = None) -> Cdr | Reject:
        if type(raw) is bytes:
            size = len(raw)
        elif isinstance(raw, str):
            size = len(raw.encode("utf-8", "surrogatepass"))
        else:
            size = len(raw)
        if size > MAX_MESSAGE_BYTES:
            return _reject("too_large", f"message of {size} bytes exceeds {MAX_MESSAGE_BYTES}", raw, line)
        try:
            obj = _LOADS(raw)
        except orjson.JSONDecodeError as exc:
            msg = str(exc)
            reason = "encoding" if "UTF-8" in msg or "utf-8" in msg or "surrogate" in msg else "malformed_json"
            return _reject(reason, msg[:200], raw, line)
        if type(obj) is not dict:
            return _reject("not_an_object", f"expected a JSON object, got {type(obj).__name__}", raw, line)
        return self.from_dict(obj, raw, line)

    def from_dict(self, obj: dict[str, Any], raw: bytes | str = b"", line: int | None = None) -> Cdr | Reject:
        """Validate an already-decoded object (used by generators and tests, and by :meth:`parse`)."""
        # Fast path: the common shape, decided with few operations.  Anything else, valid or not, goes to
        # _validate(), which accepts the same records with the same values and names the reason otherwise.
        try:
            cdr_id = obj["cdr_id"]
            caller = obj["caller"]
            callee = obj["callee"]
            start_time = obj["start_time"]
            duration = obj["duration_s"]
            disposition = obj["disposition"]
        except KeyError:
            return self._validate(obj, raw, line)
        if (
            type(cdr_id) is str
            and type(caller) is str
            and type(callee) is str
            and type(start_time) is str
            and type(disposition) is str
            and 0 < len(cdr_id) <= _MAX_ID_LEN
            and cdr_id.isprintable()  # printable implies no _FORBIDDEN_CHARS (tests check): ASCII or not, valid
            and is_e164(caller)
            and is_e164(callee)
        ):
            t = self._times.in_range(start_time)
            disp = _one_of(disposition, DISPOSITIONS)
            if type(duration) is int:
                dur = float(duration) if 0 <= duration <= _MAX_DURATION_INT else -1.0
            elif type(duration) is float:
                dur = duration if 0.0 <= duration <= MAX_DURATION_S else -1.0
            else:
                dur = -1.0
            if t is not None and disp is not None and dur >= 0.0:
                record_type = obj.get("record_type")  # obj.get(...) each time: mypyc's dict primitive
                cell_id = obj.get("cell_id")
                imei = obj.get("imei")
                rtype = "voice" if record_type is None else (
                    _one_of(record_type, RECORD_TYPES) if type(record_type) is str else None)
                if (
                    rtype is not None
                    and (cell_id is None or (type(cell_id) is str and 0 < len(cell_id) <= _MAX_FIELD_LEN
                                             and cell_id.isprintable()))
                    and (imei is None or (type(imei) is str and 14 <= len(imei) <= 16 and ascii_digits(imei, 0)))
                ):
                    return Cdr(cdr_id, caller, callee, t[0], t[1], dur, disp, rtype, cell_id, imei)
        return self._validate(obj, raw, line)

    def _validate(self, obj: dict[str, Any], raw: bytes | str, line: int | None) -> Cdr | Reject:
        """The general path: every check in order; the first failure is the reject's reason."""
        get = obj.get
        cdr_id = get("cdr_id")
        caller = get("caller")
        callee = get("callee")
        start_time = get("start_time")
        duration = get("duration_s")
        disposition = get("disposition")
        if cdr_id is None or caller is None or callee is None or start_time is None or duration is None or (
            disposition is None
        ):
            name = next(n for n in _REQUIRED if obj.get(n) is None)
            return _reject("missing_field", f"required field {name!r} is missing or null", raw, line)
        if type(cdr_id) is not str or not _is_text(cdr_id, _MAX_ID_LEN):
            return _reject("wrong_type", "cdr_id must be a string of 1-256 characters without control characters",
                           raw, line)
        if type(caller) is not str or not is_e164(caller):
            return _reject("bad_number", f"caller {_show(caller)} is not E.164 ('+' and 3-15 digits, not 0 first)",
                           raw, line)
        if type(callee) is not str or not is_e164(callee):
            return _reject("bad_number", f"callee {_show(callee)} is not E.164 ('+' and 3-15 digits, not 0 first)",
                           raw, line)
        if type(start_time) is not str:
            return _reject("wrong_type", f"start_time must be a string, got {type(start_time).__name__}", raw, line)
        parsed = self._times.parse_checked(start_time)
        if parsed is None:
            return _reject("bad_time", f"start_time {_show(start_time)} is not RFC 3339 with offset", raw, line)
        start, offset, in_range = parsed
        if not in_range:
            return _reject("time_out_of_range",
                           f"start_time {_show(start_time)} is outside 2000-01-01 .. 9999-12-30 (local date)",
                           raw, line)
        if type(duration) is int:
            if not 0 <= duration <= _MAX_DURATION_INT:  # before float(): a 400-digit int would overflow it
                return _reject("bad_duration", f"duration_s {_show(duration)} outside [0, {MAX_DURATION_S:g}]",
                               raw, line)
            duration = float(duration)
        elif type(duration) is not float:
            return _reject("wrong_type", f"duration_s must be a number, got {type(duration).__name__}", raw, line)
        if not 0.0 <= duration <= MAX_DURATION_S:  # NaN fails both comparisons
            return _reject("bad_duration", f"duration_s {duration!r} outside [0, {MAX_DURATION_S:g}]", raw, line)
        disp = _one_of(disposition, DISPOSITIONS) if type(disposition) is str else None
        if disp is None:
            return _reject("bad_enum", f"disposition {_show(disposition)} not one of {list(DISPOSITIONS)}", raw, line)
        record_type = get("record_type")
        if record_type is None:
            rtype = "voice"
        else:
            got = _one_of(record_type, RECORD_TYPES) if type(record_type) is str else None
            if got is None:
                return _reject("bad_enum", f"record_type {_show(record_type)} not one of {list(RECORD_TYPES)}",
                               raw, line)
            rtype = got
        cell_id = get("cell_id")
        if cell_id is not None and (type(cell_id) is not str or not _is_text(cell_id, _MAX_FIELD_LEN)):
            return _reject("bad_field", f"cell_id {_show(cell_id)} must be 1-64 characters without control "
                           "characters", raw, line)
        imei = get("imei")
        if imei is not None and (
            type(imei) is not str or not 14 <= len(imei) <= 16 or not ascii_digits(imei, 0)
        ):
            return _reject("bad_field", f"imei {_show(imei)} must be 14-16 digits", raw, line)
        return Cdr(
            cdr_id,
            caller,
            callee,
            start,
            offset,
            duration,
            disp,
            rtype,
            cell_id,
            imei,
        )


def _show(value: object) -> str:
    """A short, safe rendering of a bad value for an error message (never the whole of a huge field)."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _reject(reason: str, detail: str, raw: bytes | str, line: int | None) -> Reject:
    data = raw.encode("utf-8", "backslashreplace") if isinstance(raw, str) else bytes(raw)
    return Reject(reason, detail, data, line)


def format_time(epoch: float, offset_min: int = 0) -> str:
    """Epoch seconds -> RFC 3339 in the given offset (the inverse of :meth:`TimeParser.parse`)."""
    tz = timezone(timedelta(minutes=offset_min))
    dt = datetime.fromtimestamp(epoch, tz)
    if dt.microsecond:
        return dt.isoformat(timespec="milliseconds")
    return dt.isoformat(timespec="seconds")
