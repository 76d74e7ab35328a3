"""Clock and diurnal profiles, the record sink and the label registry."""
from __future__ import annotations

import bisect
import csv
import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TextIO

MIN = 60
HOUR = 3600
DAY = 86400
NEVER = 1 << 40

UTC_OFFSET = "+08:00"
TZ = timezone(timedelta(hours=8))
START = datetime(2025, 11, 14, tzinfo=TZ)  # a Friday, local midnight (Asia/Manila)

ANSWERED = "answered"
BUSY = "busy"
NO_ANSWER = "no_answer"
FAILED = "failed"
NULL = "~"  # marks a field written as JSON null


class Clock:
    """Stream time: integer seconds since START, local wall-clock helpers."""

    def __init__(self, days: int) -> None:
        self.days = days
        self.horizon = days * DAY
        ds = [START + timedelta(days=d) for d in range(days + 1)]
        self.dates = [d.strftime("%Y-%m-%d") for d in ds]
        self.weekdays = [d.weekday() for d in ds]

    def fmt(self, t: int) -> str:
        """RFC 3339 local time of t."""
        d, rest = divmod(t, DAY)
        h, rest = divmod(rest, HOUR)
        m, s = divmod(rest, MIN)
        return f"{self.dates[d]}T{h:02d}:{m:02d}:{s:02d}{UTC_OFFSET}"

    def kind(self, day: int) -> str:
        """'wd' for Monday-Friday, 'sat' or 'sun'."""
        wd = self.weekdays[day]
        return "sat" if wd == 5 else "sun" if wd == 6 else "wd"


def _cum(ws: list[float]) -> list[float]:
    tot = sum(ws)
    acc = 0.0
    out = []
    for w in ws:
        acc += w / tot
        out.append(acc)
    out[-1] = 1.0
    return out


PROFILES: dict[str, list[float]] = {
    "personal_wd": [0.35, 0.18, 0.1, 0.07, 0.08, 0.25, 0.7, 1.3, 1.6, 1.7, 1.8, 1.9,
                    2.0, 1.8, 1.7, 1.7, 1.8, 2.0, 2.3, 2.5, 2.4, 2.0, 1.4, 0.8],
    "personal_we": [0.6, 0.35, 0.2, 0.1, 0.08, 0.12, 0.35, 0.7, 1.1, 1.5, 1.8, 2.0,
                    2.0, 1.9, 1.8, 1.8, 1.9, 2.1, 2.4, 2.6, 2.6, 2.3, 1.7, 1.1],
    "office_wd": [0.01, 0.01, 0.01, 0.01, 0.01, 0.02, 0.05, 0.4, 1.6, 2.0, 2.0, 1.6,
                  0.9, 1.7, 2.0, 1.9, 1.6, 0.8, 0.25, 0.08, 0.04, 0.02, 0.01, 0.01],
    "office_sat": [0.01, 0.01, 0.01, 0.01, 0.01, 0.02, 0.05, 0.4, 1.5, 2.0, 2.0, 1.5,
                   0.5, 0.3, 0.3, 0.2, 0.1, 0.05, 0.03, 0.02, 0.01, 0.01, 0.01, 0.01],
    "retail": [0.05, 0.02, 0.01, 0.01, 0.02, 0.2, 0.8, 1.4, 1.7, 1.8, 1.8, 1.7,
               1.6, 1.6, 1.7, 1.7, 1.8, 1.9, 1.8, 1.5, 1.1, 0.6, 0.25, 0.1],
    "dispatch": [0.4, 0.25, 0.2, 0.2, 0.4, 1.0, 1.8, 2.2, 1.9, 1.4, 1.2, 1.2,
                 1.3, 1.2, 1.2, 1.4, 1.8, 2.2, 2.2, 1.8, 1.4, 1.1, 0.8, 0.6],
    "night": [2.0, 2.2, 2.2, 2.0, 1.6, 1.0, 0.5, 0.3, 0.2, 0.2, 0.2, 0.2,
              0.2, 0.2, 0.2, 0.2, 0.2, 0.3, 0.4, 0.6, 0.8, 1.1, 1.5, 1.8],
}
_CUM_CACHE: dict[tuple[str, int], list[float]] = {}


def profile(name: str, shift: int = 0) -> list[float]:
    """Cumulative hour-of-day distribution, rolled later by shift hours."""
    key = (name, shift)
    c = _CUM_CACHE.get(key)
    if c is None:
        base = PROFILES[name]
        rolled = [base[(h - shift) % 24] for h in range(24)]
        c = _cum(rolled)
        _CUM_CACHE[key] = c
    return c


def profile_from(ws: list[float]) -> list[float]:
    """Cumulative distribution from 24 raw weights."""
    return _cum(ws)


def times(r: random.Random, day: int, n: int, cum: list[float]) -> list[int]:
    """n sorted event times on day drawn from a cumulative hour profile."""
    base = day * DAY
    out = [base + bisect.bisect_left(cum, r.random()) * HOUR + r.randrange(HOUR) for _ in range(n)]
    out.sort()
    return out


def poisson(r: random.Random, lam: float) -> int:
    """A Poisson draw (Knuth for small means, normal approximation above)."""
    if lam <= 0:
        return 0
    if lam > 40:
        return max(0, int(round(r.gauss(lam, math.sqrt(lam)))))
    limit = math.exp(-lam)
    k = 0
    p = r.random()
    while p > limit:
        k += 1
        p *= r.random()
    return k


def lognorm(r: random.Random, median: float, sigma: float) -> float:
    """A log-normal draw given its median."""
    return median * math.exp(r.gauss(0.0, sigma))


def zipf_cum(n: int, a: float) -> list[float]:
    """Cumulative Zipf(a) weights over ranks 1..n."""
    return _cum([1.0 / (i + 1) ** a for i in range(n)])


def pick(r: random.Random, items: list[str], cum: list[float]) -> str:
    """Item drawn by cumulative weights."""
    return items[min(len(items) - 1, bisect.bisect_left(cum, r.random()))]


class Sink:
    """Collects records into time buckets on disk, merges them sorted."""

    def __init__(self, tmp: Path, clock: Clock) -> None:
        self.clock = clock
        self.horizon = clock.horizon
        self.span = HOUR * max(1, -(-self.horizon // (HOUR * 240)))
        n = -(-self.horizon // self.span)
        tmp.mkdir(parents=True, exist_ok=True)
        self.paths = [tmp / f"bucket{i:04d}.tsv" for i in range(n)]
        self.files: list[TextIO] = [open(p, "w", encoding="ascii", buffering=1 << 16) for p in self.paths]
        self.seq = 0
        self.dropped = 0
        self.callers: set[str] = set()

    def add(self, t: int, sms: bool, caller: str, callee: str, dur: float, disp: str,
            cell: str | None, imei: str | None) -> None:
        """Queue one record (dropped when outside the stream window)."""
        if t < 0 or t >= self.horizon:
            self.dropped += 1
            return
        self.seq += 1
        self.callers.add(caller)
        d = "0" if sms else f"{dur:.1f}"
        self.files[t // self.span].write(
            f"{t}\t{self.seq}\t{'s' if sms else 'v'}\t{caller}\t{callee}\t{d}\t{disp}\t{cell or ''}\t{imei or ''}\n")

    def merge(self, out: Path, dirty: "DirtyHook | None" = None) -> int:
        """Write all records sorted by (time, insertion order); returns count."""
        for f in self.files:
            f.close()
        n = 0
        fmt = self.clock.fmt
        with open(out, "w", encoding="ascii") as fo:
            for p in self.paths:
                with open(p, encoding="ascii") as fi:
                    rows = [ln.rstrip("\n").split("\t") for ln in fi]
                rows.sort(key=lambda x: (int(x[0]), int(x[1])))
                buf: list[str] = []
                for x in rows:
                    n += 1
                    cid = f"PHG{n:011d}"
                    line = (f'{{"cdr_id":"{cid}","record_type":"{"sms" if x[2] == "s" else "voice"}",'
                            f'"caller":"{x[3]}","callee":"{x[4]}","start_time":"{fmt(int(x[0]))}",'
                            f'"duration_s":{x[5]},"disposition":"{x[6]}"')
                    if x[7] == NULL:
                        line += ',"cell_id":null'
                    elif x[7]:
                        line += f',"cell_id":"{x[7]}"'
                    if x[8] == NULL:
                        line += ',"imei":null'
                    elif x[8]:
                        line += f',"imei":"{x[8]}"'
                    line += "}"
                    buf.append(line)
                    if dirty is not None:
                        buf.extend(dirty(line))
                fo.write("\n".join(buf))
                if buf:
                    fo.write("\n")
                p.unlink()
        return n


class DirtyHook:
    """Callable returning bad lines to insert after a good one."""

    def __call__(self, line: str) -> list[str]:  # pragma: no cover - interface
        raise NotImplementedError


@dataclass
class Label:
    """Ground truth for one number."""

    number: str
    label: str
    typology: str
    variant: str
    fraud_start: int | None


class Registry:
    """Labels of every number that may appear as a caller."""

    def __init__(self) -> None:
        self.rows: dict[str, Label] = {}

    def legit(self, number: str, profile: str, variant: str = "") -> None:
        """Register a legitimate number (first registration wins)."""
        if number not in self.rows:
            self.rows[number] = Label(number, "legit", profile, variant or profile, None)

    def fraud(self, number: str, typology: str, variant: str, start: int) -> None:
        """Mark a number fraudulent from start (keeps the earliest start)."""
        old = self.rows.get(number)
        if old is not None and old.label == "fraud" and old.fraud_start is not None:
            start = min(start, old.fraud_start)
        self.rows[number] = Label(number, "fraud", typology, variant, start)

    def write(self, out_dir: Path, clock: Clock, callers: set[str], always: set[str]) -> list[Label]:
        """Write labels.csv (and labels_detail.csv); return the written rows."""
        missing = [c for c in callers if c not in self.rows]
        if missing:
            raise RuntimeError(f"callers without label: {sorted(missing)[:5]}")
        keep = sorted((callers | always) & self.rows.keys())
        rows = [self.rows[k] for k in keep]
        with open(out_dir / "labels.csv", "w", newline="", encoding="ascii") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["number", "label", "typology", "fraud_start"])
            for lb in rows:
                w.writerow([lb.number, lb.label, lb.typology,
                            clock.fmt(lb.fraud_start) if lb.fraud_start is not None else ""])
        with open(out_dir / "labels_detail.csv", "w", newline="", encoding="ascii") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["number", "label", "typology", "variant", "fraud_start"])
            for lb in rows:
                w.writerow([lb.number, lb.label, lb.typology, lb.variant,
                            clock.fmt(lb.fraud_start) if lb.fraud_start is not None else ""])
        return rows
