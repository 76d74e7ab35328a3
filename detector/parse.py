"""Parse and validate raw CDR bytes into :class:`~detector.records.Cdr` once, at the edge.

Every failure becomes a :class:`~detector.records.Reject` with a reason from ``REJECT_REASONS``, never an
exception: a worker must survive any byte sequence a producer can put on a topic.  The parser is pure (no
clock, no I/O); stream-level checks that need history (event-time range, duplicates) live in
:mod:`detector.admission`.
"""

from __future__ import annotations

import math
from datetime import datetime, timezone
from typing import Any

import orjson

from .records import DISPOSITIONS, RECORD_TYPES, Cdr, Reject

MAX_MESSAGE_BYTES = 16_384  # a CDR is ~300 bytes; anything 50x larger is an attack or a bug
MAX_DURATION_S = 2 * 86_400.0  # switches cut calls at 24 h at most; allow margin for clock-split records
MIN_EPOCH = 946_684_800.0  # 2000-01-01: no CDR stream predates this; 1970 means a zeroed clock
MAX_EPOCH = 253_402_214_400.0  # 9999-12-31T00:00Z: later instants cannot be written back as RFC 3339
_MAX_ID_LEN = 256
_MAX_FIELD_LEN = 64
_DISPOSITIONS = frozenset(DISPOSITIONS)
_RECORD_TYPES = frozenset(RECORD_TYPES)
_REQUIRED = ("cdr_id", "caller", "callee", "start_time", "duration_s", "disposition")
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


class TimeParser:
    """RFC 3339 -> (UTC epoch seconds, offset minutes), cached by minute.

    Parsing datetimes dominates a naive parser.  Records of one minute and offset share everything but the
    seconds, so the prefix is parsed once with :func:`datetime.fromisoformat` and cached; the cache is
    cleared when it grows past ``max_entries`` so memory stays bounded on any input.
    """

    __slots__ = ("_cache", "_max_entries")

    def __init__(self, max_entries: int = 65_536) -> None:
        self._cache: dict[str, tuple[float, int]] = {}
        self._max_entries = max_entries

    def parse(self, s: str) -> tuple[float, int] | None:
        """Return ``(epoch_seconds, utc_offset_minutes)`` or None when ``s`` is not RFC 3339 with offset."""
        # Fast path: "YYYY-MM-DDTHH:MM:SS+HH:MM" (25 chars) or "...SSZ" (20 chars).
        n = len(s)
        if (n == 25 or n == 20) and s[16] == ":" and s[13] == ":":
            sec = s[17:19]
            if sec.isdigit() and sec.isascii():
                key = s[:16] + s[19:]
                hit = self._cache.get(key)
                if hit is None:
                    hit = self._slow(s[:16] + ":00" + s[19:])
                    if hit is None:
                        return None
                    if len(self._cache) >= self._max_entries:
                        self._cache.clear()
                    self._cache[key] = hit
                secs = int(sec)
                if secs > 59:  # leap seconds are refused, as datetime.fromisoformat refuses them
                    return None
                return hit[0] + secs, hit[1]
        return self._slow(s)

    @staticmethod
    def _slow(s: str) -> tuple[float, int] | None:
        if len(s) > 40 or len(s) < 20 or not s.isascii() or s[10] not in "Tt ":
            return None
        try:
            dt = datetime.fromisoformat(s)
        except ValueError:
            return None
        off = dt.utcoffset()
        if off is None:  # RFC 3339 requires an offset; a naive time is ambiguous
            return None
        return (dt - _EPOCH).total_seconds(), int(off.total_seconds() // 60)


def _is_e164(v: str) -> bool:
    return (
        4 <= len(v) <= 16
        and v[0] == "+"
        and v[1:].isdigit()
        and v[1:].isascii()
        and v[1] != "0"
    )


class CdrParser:
    """Validate one message into a :class:`Cdr` or a :class:`Reject` with a reason code."""

    __slots__ = ("_times",)

    def __init__(self) -> None:
        self._times = TimeParser()

    def parse(self, raw: bytes | str, line: int | None = None) -> Cdr | Reject:
        size = len(raw.encode("utf-8", "surrogatepass")) if isinstance(raw, str) else len(raw)
        if size > MAX_MESSAGE_BYTES:
            return _reject("too_large", f"message of {size} bytes exceeds {MAX_MESSAGE_BYTES}", raw, line)
        try:
            obj = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            msg = str(exc)
            reason = "encoding" if "UTF-8" in msg or "utf-8" in msg or "surrogate" in msg else "malformed_json"
            return _reject(reason, msg[:200], raw, line)
        if type(obj) is not dict:
            return _reject("not_an_object", f"expected a JSON object, got {type(obj).__name__}", raw, line)
        return self.from_dict(obj, raw, line)

    def from_dict(self, obj: dict[str, Any], raw: bytes | str = b"", line: int | None = None) -> Cdr | Reject:
        """Validate an already-decoded object (used by generators and tests, and by :meth:`parse`)."""
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
        if type(cdr_id) is not str or not cdr_id or len(cdr_id) > _MAX_ID_LEN or not cdr_id.isprintable():
            return _reject("wrong_type", "cdr_id must be a non-empty printable string of <= 256 chars", raw, line)
        if type(caller) is not str or not _is_e164(caller):
            return _reject("bad_number", f"caller {_show(caller)} is not E.164 ('+' and 3-15 digits)", raw, line)
        if type(callee) is not str or not _is_e164(callee):
            return _reject("bad_number", f"callee {_show(callee)} is not E.164 ('+' and 3-15 digits)", raw, line)
        if type(start_time) is not str:
            return _reject("wrong_type", f"start_time must be a string, got {type(start_time).__name__}", raw, line)
        parsed = self._times.parse(start_time)
        if parsed is None:
            return _reject("bad_time", f"start_time {_show(start_time)} is not RFC 3339 with offset", raw, line)
        start, offset = parsed
        if start < MIN_EPOCH:
            return _reject("time_out_of_range", f"start_time {_show(start_time)} is before 2000", raw, line)
        if start > MAX_EPOCH:
            return _reject("time_out_of_range", f"start_time {_show(start_time)} is after 9999", raw, line)
        if type(duration) is int:
            if not 0 <= duration <= MAX_DURATION_S:  # before float(): a 400-digit int would overflow it
                return _reject("bad_duration", f"duration_s {_show(duration)} outside [0, {MAX_DURATION_S:g}]",
                               raw, line)
            duration = float(duration)
        elif type(duration) is not float:
            return _reject("wrong_type", f"duration_s must be a number, got {type(duration).__name__}", raw, line)
        if not (0.0 <= duration <= MAX_DURATION_S) or math.isnan(duration):
            return _reject("bad_duration", f"duration_s {duration!r} outside [0, {MAX_DURATION_S:g}]", raw, line)
        if type(disposition) is not str or disposition not in _DISPOSITIONS:
            return _reject("bad_enum", f"disposition {_show(disposition)} not one of {list(DISPOSITIONS)}", raw, line)
        record_type = get("record_type")
        if record_type is None:
            record_type = "voice"
        elif type(record_type) is not str or record_type not in _RECORD_TYPES:
            return _reject("bad_enum", f"record_type {_show(record_type)} not one of {list(RECORD_TYPES)}", raw, line)
        cell_id = get("cell_id")
        if cell_id is not None and (
            type(cell_id) is not str or not 0 < len(cell_id) <= _MAX_FIELD_LEN or not cell_id.isprintable()
        ):
            return _reject("bad_field", f"cell_id {_show(cell_id)} must be a short printable string", raw, line)
        imei = get("imei")
        if imei is not None and (
            type(imei) is not str or not 14 <= len(imei) <= 16 or not imei.isdigit() or not imei.isascii()
        ):
            return _reject("bad_field", f"imei {_show(imei)} must be 14-16 digits", raw, line)
        return Cdr(
            cdr_id,
            caller,
            callee,
            start,
            offset,
            duration,
            disposition,
            record_type,
            cell_id or None,
            imei or None,
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
    from datetime import timedelta

    tz = timezone(timedelta(minutes=offset_min))
    dt = datetime.fromtimestamp(epoch, tz)
    if dt.microsecond:
        return dt.isoformat(timespec="milliseconds")
    return dt.isoformat(timespec="seconds")
