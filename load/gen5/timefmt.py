"""Stream clock: seconds since Monday 2025-01-13 00:00 local (CET, +01:00) to RFC 3339 strings."""

from __future__ import annotations

from datetime import date, timedelta

START_DATE = date(2025, 1, 13)  # a Monday in winter: the offset stays +01:00 until 30 March
OFFSET = "+01:00"
DAY = 86400
MAX_DAYS = 70


class Clock:
    """Formats stream seconds as local RFC 3339 times with a precomputed time-of-day table."""

    def __init__(self, days: int) -> None:
        self._dates = [(START_DATE + timedelta(days=d)).isoformat() for d in range(days + 1)]
        self._tod = [
            f"T{h:02d}:{m:02d}:{s:02d}{OFFSET}" for h in range(24) for m in range(60) for s in range(60)
        ]

    def fmt(self, t: int) -> str:
        d, s = divmod(int(t), DAY)
        return self._dates[d] + self._tod[s]


def weekday(day: int) -> int:
    """0 = Monday for stream day `day`."""
    return day % 7
