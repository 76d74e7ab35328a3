"""Records, the hourly sink that sorts and writes them, and the label registry.

Two switch styles exist, fixed per served subscriber:
style 0 writes whole seconds, integer durations, omits record_type for voice and
omits unknown cell/imei; unanswered calls have duration 0.
style 1 writes milliseconds, one-decimal durations, explicit record_type, null for
unknown cell/imei, an extra "msc" field, and the ring time as the duration of
unanswered calls.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO, NamedTuple

from .clock import rfc3339


class Rec(NamedTuple):
    """One CDR before formatting (t in epoch milliseconds)."""

    t: int
    sms: bool
    caller: str
    callee: str
    dur: float
    disp: str
    cell: str | None
    imei: str | None
    off: int
    style: int


@dataclass(slots=True)
class Label:
    """Ground truth for one number."""

    label: str
    typology: str
    fraud_start: int | None = None
    onnet: bool = False


class Labels:
    """number -> Label; fraud entries win over honest ones."""

    def __init__(self) -> None:
        self.by_number: dict[str, Label] = {}

    def honest(self, number: str, profile: str, onnet: bool = True) -> None:
        """Register an honest number (no-op when already known)."""
        if number not in self.by_number:
            self.by_number[number] = Label("legit", profile, None, onnet)

    def fraud(self, number: str, typology: str, start_ms: int, onnet: bool = True) -> None:
        """Register (or hijack) a number as fraud from start_ms."""
        self.by_number[number] = Label("fraud", typology, start_ms, onnet)


class Sink:
    """Collects one window's records, sorts them with the spill-over and writes them."""

    def __init__(self, out: IO[str], end_ms: int, seed: int) -> None:
        self.out = out
        self.end_ms = end_ms
        self.buf: list[tuple[int, int, Rec]] = []
        self.seq = 0
        self.written = 0
        self.prefix = f"KA{seed % 1000:03d}"
        self.callers: set[str] = set()
        self.last_t = -1

    def add(self, t: int, sms: bool, caller: str, callee: str, dur: float, disp: str,
            cell: str | None, imei: str | None, off: int, style: int) -> None:
        """Queue a record (dropped if it falls after the stream's end)."""
        if t >= self.end_ms or caller == callee:
            return
        if style == 0:
            t -= t % 1000
        self.seq += 1
        self.buf.append((t, self.seq, Rec(t, sms, caller, callee, dur, disp, cell, imei, off, style)))

    def flush(self, until_ms: int) -> None:
        """Write, in time order, every queued record before until_ms."""
        self.buf.sort(key=lambda x: (x[0], x[1]))
        cut = 0
        n = len(self.buf)
        while cut < n and self.buf[cut][0] < until_ms:
            cut += 1
        lines = []
        for t, _, rec in self.buf[:cut]:
            assert t >= self.last_t, "records must be generated at or after the window start"
            self.last_t = t
            self.written += 1
            self.callers.add(rec.caller)
            lines.append(self._line(rec))
        self.out.write("".join(lines))
        del self.buf[:cut]

    def _line(self, r: Rec) -> str:
        cid = f"{self.prefix}-{r.t // 3_600_000 % 100000:05d}-{self.written:08d}"
        if r.style == 0:
            dur = 0 if r.disp != "answered" else int(round(r.dur))
            parts = [f'{{"cdr_id":"{cid}","caller":"{r.caller}","callee":"{r.callee}"',
                     f',"start_time":"{rfc3339(r.t, r.off, False)}","duration_s":{dur}',
                     f',"disposition":"{r.disp}"']
            if r.sms:
                parts.append(',"record_type":"sms"')
            if r.cell is not None:
                parts.append(f',"cell_id":"{r.cell}"')
            if r.imei is not None:
                parts.append(f',"imei":"{r.imei}"')
            parts.append("}\n")
            return "".join(parts)
        dur_b = 0.0 if r.disp in ("busy", "failed") or r.sms else round(r.dur, 1)
        cell = "null" if r.cell is None else f'"{r.cell}"'
        imei = "null" if r.imei is None else f'"{r.imei}"'
        kind = '"sms"' if r.sms else "null" if r.t % 997 == 0 else '"voice"'
        msc = f"MSC-{r.cell.split('-')[2][:2]}" if r.cell else "MSC-GW"
        return (f'{{"cdr_id":"{cid}","record_type":{kind},"start_time":"{rfc3339(r.t, r.off, True)}"'
                f',"caller":"{r.caller}","callee":"{r.callee}","disposition":"{r.disp}"'
                f',"duration_s":{dur_b},"cell_id":{cell},"imei":{imei},"msc":"{msc}"}}\n')
