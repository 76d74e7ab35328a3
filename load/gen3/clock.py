"""Stream clock: start instant, local time, diurnal weights and RFC 3339 formatting."""

from __future__ import annotations

import calendar
import time

# Friday 2026-01-16 00:00 IST (+05:30): the stream covers a weekday and a weekend.
START_MS: int = (calendar.timegm((2026, 1, 16, 0, 0, 0, 0, 0, 0)) - 330 * 60) * 1000
IST = 330
HOUR_MS = 3_600_000
MIN_MS = 60_000

_DAY = (0.15, 0.08, 0.05, 0.04, 0.05, 0.15, 0.4, 0.8, 1.2, 1.5, 1.7, 1.7,
        1.6, 1.5, 1.5, 1.5, 1.6, 1.8, 2.0, 2.0, 1.8, 1.4, 0.9, 0.4)
_WEEKEND = (0.3, 0.15, 0.08, 0.05, 0.05, 0.08, 0.2, 0.4, 0.8, 1.2, 1.5, 1.7,
            1.7, 1.6, 1.5, 1.5, 1.6, 1.8, 2.0, 2.0, 1.9, 1.6, 1.1, 0.6)
_NIGHT = _DAY[12:] + _DAY[:12]
_EVENING = (0.6, 0.3, 0.1, 0.05, 0.05, 0.1, 0.3, 0.5, 0.6, 0.7, 0.8, 0.9,
            1.0, 1.0, 1.0, 1.1, 1.3, 1.6, 2.0, 2.3, 2.4, 2.2, 1.6, 1.0)
_BUSINESS = tuple(1.0 if 9 <= h < 19 else 0.0 for h in range(24))


def _norm(w: tuple[float, ...]) -> tuple[float, ...]:
    m = sum(w) / 24
    return tuple(x / m for x in w)


PROFILES: dict[str, tuple[tuple[float, ...], tuple[float, ...]]] = {
    "day": (_norm(_DAY), _norm(_WEEKEND)),
    "night": (_norm(_NIGHT), _norm(_NIGHT)),
    "evening": (_norm(_EVENING), _norm(_EVENING)),
    "business": (_norm(_BUSINESS), tuple(0.0 for _ in range(24))),
}


def local(t_ms: int, off_min: int = IST) -> tuple[int, float]:
    """(weekday 0=Monday, hour of day as float) in the given UTC offset."""
    s = t_ms / 1000 + off_min * 60
    days = int(s // 86400)
    return (days + 3) % 7, (s - days * 86400) / 3600


def weight(profile: str, t_ms: int, off_min: int = IST) -> float:
    """Relative activity (mean 1 over a day) of a diurnal profile at an instant."""
    wd, hour = local(t_ms, off_min)
    week, weekend = PROFILES[profile]
    table = weekend if wd >= 5 else week
    return table[int(hour) % 24]


def is_business(t_ms: int, off_min: int = IST, start: float = 9.5, end: float = 18.5,
                saturday: bool = True) -> bool:
    """Within office hours (Mon-Fri, optionally Saturday)?"""
    wd, hour = local(t_ms, off_min)
    if wd == 6 or (wd == 5 and not saturday):
        return False
    return start <= hour < end


_prefix_cache: dict[tuple[int, int], str] = {}


def offset_text(off_min: int, zulu: bool) -> str:
    """'+05:30', '-03:00', or 'Z' for UTC when the switch writes it so."""
    if off_min == 0 and zulu:
        return "Z"
    sign = "+" if off_min >= 0 else "-"
    a = abs(off_min)
    return f"{sign}{a // 60:02d}:{a % 60:02d}"


def rfc3339(t_ms: int, off_min: int, millis: bool) -> str:
    """RFC 3339 text of an instant in a local offset, whole seconds or milliseconds."""
    local_s, ms = divmod(t_ms + off_min * MIN_MS, 1000)
    minute, sec = divmod(local_s, 60)
    key = (minute, off_min)
    head = _prefix_cache.get(key)
    if head is None:
        if len(_prefix_cache) > 4096:
            _prefix_cache.clear()
        head = time.strftime("%Y-%m-%dT%H:%M:", time.gmtime(minute * 60))
        _prefix_cache[key] = head
    frac = f".{ms:03d}" if millis else ""
    return f"{head}{sec:02d}{frac}{offset_text(off_min, not millis)}"
