"""Where actors put records (one bucket per day, sorted when written) and number labels."""

from __future__ import annotations

FRAUD_TYPES = ("scam_farm", "wangiri", "simbox", "irsf", "takeover", "robocall")
VOICE, SMS = 0, 1
ANS, BUSY, NOANS, FAIL = 0, 1, 2, 3
DISPOSITIONS = ("answered", "busy", "no_answer", "failed")

Event = tuple[int, int, str, str, int, int, "str | None", "str | None"]


class Label:
    """What a number is: a legit profile or a fraud typology (with the moment its fraud began)."""

    __slots__ = ("typology", "variant", "start")

    def __init__(self, typology: str, variant: str, start: int | None) -> None:
        self.typology = typology
        self.variant = variant
        self.start = start

    @property
    def fraud(self) -> bool:
        return self.typology in FRAUD_TYPES


class Sink:
    """Collects events per day; events for days already written are dropped and counted."""

    def __init__(self, days: int) -> None:
        self.horizon = days * 86400
        self.buckets: list[list[Event]] = [[] for _ in range(days)]
        self.floor = 0
        self.dropped = 0
        self.labels: dict[str, Label] = {}

    def rec(self, t: float, rtype: int, a: str, b: str, dur: float, disp: int,
            cell: str | None = None, imei: str | None = None) -> None:
        ti = int(t)
        if self.floor <= ti < self.horizon:
            self.buckets[ti // 86400].append((ti, rtype, a, b, max(0, int(dur)), disp, cell, imei))
        elif ti < self.floor:
            self.dropped += 1

    def take(self, day: int) -> list[Event]:
        events = self.buckets[day]
        self.buckets[day] = []
        self.floor = (day + 1) * 86400
        return events

    def label(self, num: str, typology: str, variant: str, start: int | None = None) -> None:
        self.labels[num] = Label(typology, variant, start)

    def fraud_from(self, num: str, typology: str, variant: str, t: int) -> None:
        """Marks num as fraud from t on, keeping the earliest start if already marked."""
        old = self.labels.get(num)
        if old is not None and old.typology == typology and old.start is not None and old.start <= t:
            return
        self.labels[num] = Label(typology, variant, t)
