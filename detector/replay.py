"""The embedded replay: JSON Lines CDRs from a file or stdin through the core, alerts to a file.

A file adapter only: reading (plain, ``.gz``, ``-``), writing alerts and rejects, progress on a terminal,
the summary, and state save/restore.  Decisions are the :class:`~detector.engine.Engine`'s.
"""

from __future__ import annotations

import gzip
import sys
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Callable, Final, Iterator, cast

import orjson

from .admission import AdmissionConfig
from .allowlist import Allowlist
from .codec import alert_to_dict, reject_to_dict
from .counts import Counts
from .engine import Engine
from .pipeline import Detector, DetectorConfig, load_state, save_state
from .records import Reject


_BRACE: Final = 0x7B  # b"{"[0]: a line starting with it is not blank, so it skips the strip() (a method call)


def open_lines(path: str) -> Iterator[bytes]:
    """Lines of ``path`` (``-`` for stdin; gzip detected by its magic bytes, not only by ``.gz``)."""
    if path == "-":
        stream: IO[bytes] = sys.stdin.buffer
        head = stream.peek(2)[:2] if hasattr(stream, "peek") else b""  # type: ignore[attr-defined]
        if head == b"\x1f\x8b":
            yield from gzip.GzipFile(fileobj=stream)
        else:
            yield from stream
        return
    with open(path, "rb") as raw:
        gzipped = raw.read(2) == b"\x1f\x8b"
        raw.seek(0)
        if gzipped:
            with gzip.GzipFile(fileobj=raw) as unzipped:
                yield from unzipped
        else:
            yield from raw


@dataclass
class ReplayResult:
    counts: dict[str, object]
    raw_counts: Counts
    elapsed_s: float
    rate: float
    tracked_numbers: int
    state_bytes_in_memory: float
    state_bytes_serialized: float
    model_version: str

    def to_dict(self) -> dict[str, object]:
        return {
            **self.counts,
            "elapsed_s": round(self.elapsed_s, 3),
            "records_per_s": round(self.rate, 1),
            "tracked_numbers": self.tracked_numbers,
            "state_bytes_per_number_in_memory": round(self.state_bytes_in_memory, 1),
            "state_bytes_per_number_serialized": round(self.state_bytes_serialized, 1),
            "model_version": self.model_version,
        }


class Progress:
    """Records/s and alerts so far on a terminal, at most twice a second; silent when not a terminal."""

    def __init__(self, stream: IO[str], enabled: bool) -> None:
        self.stream = stream
        self.enabled = enabled
        self.start = time.perf_counter()
        self.next = self.start + 0.5

    def tick(self, records: int, alerts: int) -> None:
        now = time.perf_counter()
        if now < self.next:
            return
        self.next = now + 0.5
        rate = records / max(now - self.start, 1e-9)
        self.stream.write(f"\r{records:>12,} records  {rate:>10,.0f}/s  {alerts:>8,} alerts")
        self.stream.flush()

    def done(self) -> None:
        if self.enabled:
            self.stream.write("\n")


def replay(
    lines: Iterator[bytes],
    write_alert: Callable[[bytes], object],
    write_reject: Callable[[bytes], object] | None,
    engine: Engine,
    progress: Progress | None = None,
    wall_clock: Callable[[], float] = time.time,
) -> ReplayResult:
    """Run ``lines`` through ``engine``; alerts and rejects go to the writers as JSON lines."""
    start = time.perf_counter()
    dumps = orjson.dumps
    counts = engine.counts
    n_alerts = 0
    wall_now = wall_clock()
    tick = progress.tick if progress is not None and progress.enabled else None
    for lineno, raw in enumerate(lines, 1):
        if raw.endswith(b"\n"):
            raw = raw[:-1]
        if not (raw and raw[0] == _BRACE) and not raw.strip():
            # A blank line is not a record, but it is counted, so the totals still add up.
            counts.consumed += 1
            counts.rejected["malformed_json"] += 1
            if write_reject is not None:
                write_reject(dumps(reject_to_dict(Reject("malformed_json", "blank line", raw, lineno))) + b"\n")
            continue
        out = engine.feed(raw, lineno, wall_now)  # compiled: a direct call (a bound method is a vectorcall)
        if isinstance(out, Reject):
            if write_reject is not None:
                write_reject(dumps(reject_to_dict(out)) + b"\n")
        elif out:
            now = wall_clock()
            for alert in out:
                write_alert(dumps(alert_to_dict(alert, now)) + b"\n")
            n_alerts += len(out)
        if tick is not None and not lineno & 4095:
            wall_now = wall_clock()
            tick(lineno, n_alerts)
        elif not lineno & 65535:
            wall_now = wall_clock()
    elapsed = time.perf_counter() - start
    det = engine.detector
    mem, ser = det.state_bytes()
    return ReplayResult(
        counts=counts.to_dict(),
        raw_counts=counts,
        elapsed_s=elapsed,
        rate=counts.consumed / elapsed if elapsed > 0 else 0.0,
        tracked_numbers=det.tracked(),
        state_bytes_in_memory=mem,
        state_bytes_serialized=ser,
        model_version=det.model_version,
    )


def run_replay(
    input_path: str,
    alerts_path: Path,
    rejects_path: Path | None = None,
    report_path: Path | None = None,
    state_path: Path | None = None,
    admission: AdmissionConfig | None = None,
    show_progress: bool | None = None,
    summary_stream: IO[str] | None = None,
    config: DetectorConfig | None = None,
    allowlist: Allowlist | None = None,
) -> ReplayResult:
    """The ``replay`` command: files in, files out, state resumed from and saved to ``state_path`` (a resumed
    state keeps the ``config`` it was saved with; the ``allowlist`` is always the one given)."""
    if state_path is not None and state_path.exists():
        engine = load_state(state_path, Engine)
    else:
        engine = Engine(Detector(config), admission)
    engine.detector.use_allowlist(allowlist)
    err = summary_stream or sys.stderr
    enabled = err.isatty() if show_progress is None else show_progress
    with ExitStack() as stack:
        alerts_out = stack.enter_context(open(alerts_path, "ab" if state_path and state_path.exists() else "wb"))
        rejects_out = stack.enter_context(open(rejects_path, "wb")) if rejects_path else None
        progress = Progress(err, enabled)
        result = replay(open_lines(input_path), alerts_out.write, rejects_out.write if rejects_out else None,
                        engine, progress)
        progress.done()
    if state_path is not None:
        save_state(engine, state_path)
    if report_path is not None:
        report_path.write_bytes(orjson.dumps(result.to_dict(), option=orjson.OPT_INDENT_2))
    _summary(result, err)
    return result


def _summary(result: ReplayResult, out: IO[str]) -> None:
    c = result.counts
    out.write(
        f"replay: {c['consumed']:,} records in {result.elapsed_s:.1f} s ({result.rate:,.0f}/s): "
        f"{c['processed']:,} processed, {c['rejected']:,} rejected, {c['duplicates']:,} duplicates, "
        f"{c['alerts']:,} alerts\n"
    )
    by_reason = cast("dict[str, int]", c["rejected_by_reason"])
    by_typology = cast("dict[str, int]", c["alerts_by_typology"])
    if by_reason:
        reasons = ", ".join(f"{k} {v:,}" for k, v in by_reason.items())
        out.write(f"replay: rejected by reason: {reasons}\n")
    if by_typology:
        typ = ", ".join(f"{k} {v:,}" for k, v in by_typology.items())
        out.write(f"replay: alerts by typology: {typ}\n")
    withheld = cast("dict[str, int]", c["alerts_withheld_by_typology"])
    if withheld:
        typ = ", ".join(f"{k} {v:,}" for k, v in withheld.items())
        out.write(f"replay: {c['alerts_withheld']:,} alerts withheld (numbers on the allowlist): {typ}\n")
    out.write(
        f"replay: {result.tracked_numbers:,} numbers tracked, "
        f"{result.state_bytes_in_memory:,.0f} B/number in memory, "
        f"{result.state_bytes_serialized:,.0f} B/number serialized\n"
    )
