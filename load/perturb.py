"""Rewrite a labeled CDR stream the way another generator or switch might have written it, to check that
detection does not hinge on one generator's conventions.

    python load/perturb.py --input out/heldout --out out/heldout-seqimei --variant sequential-imei
    python load/detection_report.py --seed 424242 --perturb sequential-imei   # generate, perturb, evaluate

Variants (each keeps every record's meaning; the labels are copied unchanged):

* ``sequential-imei``: every IMEI becomes one TAC and a running serial, in order of first appearance (a device
  keeps its IMEI; phones met one after another get consecutive serials), as a generator that numbers devices
  with a counter, or a network that sells phones from one batch, would write them.
* ``no-cell``: ``cell_id`` and ``imei`` dropped (both are optional in the schema).
* ``utc``: ``start_time`` rewritten in UTC (``Z``): a switch that logs UTC for a network in another zone.
* ``no-sms``: SMS records dropped (a voice-only CDR feed).
* ``end-order``: the records reordered by the time each call ended (start + duration), as a switch writes them
  (a record is written when its call ends), instead of by start: a two-hour call comes two hours after its start.

Lines that are not JSON objects pass through untouched, so a stream's deliberately broken records stay broken
(in ``end-order``, where they stood among the records that ended before them).
"""

from __future__ import annotations

import argparse
import heapq
import shutil
import sys
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import orjson

STREAM_FILES = ("labels.csv", "labels.evaluate.csv", "manifest.json", "premium_numbers.csv")  # copied as they are
_TAC = "35123456"  # one type allocation code for every rewritten device


class SequentialImeis:
    """IMEI -> TAC + running six-digit serial + check digit 0, in order of first appearance."""

    def __init__(self) -> None:
        self.serial_of: dict[str, str] = {}

    def __call__(self, record: dict[str, Any]) -> dict[str, Any] | None:
        imei = record.get("imei")
        if isinstance(imei, str) and imei:
            new = self.serial_of.get(imei)
            if new is None:
                new = self.serial_of[imei] = f"{_TAC}{len(self.serial_of) % 1_000_000:06d}0"
            record["imei"] = new
        return record


def _no_cell(record: dict[str, Any]) -> dict[str, Any] | None:
    record.pop("cell_id", None)
    record.pop("imei", None)
    return record


def _utc(record: dict[str, Any]) -> dict[str, Any] | None:
    text = record.get("start_time")
    if isinstance(text, str):
        try:
            when = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            return record  # a broken time stays broken: the parser must still reject it
        if when.tzinfo is not None:
            record["start_time"] = when.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
    return record


def _no_sms(record: dict[str, Any]) -> dict[str, Any] | None:
    return None if record.get("record_type") == "sms" else record


Rewrite = Callable[[dict[str, Any]], dict[str, Any] | None]
#: Variant -> a factory of its per-record rewrite (None from a rewrite drops the record); a factory, because
#: ``sequential-imei`` keeps a table per stream.
_REWRITES: dict[str, Callable[[], Rewrite]] = {
    "sequential-imei": SequentialImeis,
    "no-cell": lambda: _no_cell,
    "utc": lambda: _utc,
    "no-sms": lambda: _no_sms,
}
VARIANTS = (*_REWRITES, "end-order")


def rewriter(variant: str) -> Rewrite:
    """The per-record rewrite of ``variant`` (None from it drops the record)."""
    factory = _REWRITES.get(variant)
    if factory is None:
        raise ValueError(f"unknown variant {variant!r}; one of {', '.join(VARIANTS)}")
    return factory()


def _ended_at(record: object) -> tuple[float, float] | None:
    """(start, end) of a record in epoch seconds, or None when its time or duration cannot be read."""
    if not isinstance(record, dict):
        return None
    text, duration = record.get("start_time"), record.get("duration_s")
    if not isinstance(text, str) or isinstance(duration, bool) or not isinstance(duration, (int, float)):
        return None
    try:
        start = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00")).timestamp()
    except (ValueError, OverflowError, OSError):
        return None
    return start, start + max(0.0, float(duration))


def end_order(lines: Iterable[bytes]) -> Iterator[bytes]:
    """Lines of a stream in start order, reordered by the time each call ended (see ``end-order``).

    Streaming: a record waits in a heap until the stream has reached its end (every later record starts, and
    so ends, no earlier), so memory holds the calls still in progress.  A line whose time cannot be read keeps
    its place after the records that ended by the last start read.  Ties keep the input order.
    """
    heap: list[tuple[float, int, bytes]] = []
    now = float("-inf")
    for seq, line in enumerate(lines):
        line = line if line.endswith(b"\n") else line + b"\n"
        try:
            times = _ended_at(orjson.loads(line))
        except orjson.JSONDecodeError:
            times = None
        if times is not None:
            now = max(now, times[0])
        while heap and heap[0][0] <= now:
            yield heapq.heappop(heap)[2]
        heapq.heappush(heap, (times[1] if times is not None else now, seq, line))
    while heap:
        yield heapq.heappop(heap)[2]


def perturb_lines(lines: Iterable[bytes], variant: str) -> Iterator[bytes]:
    """Rewrite JSON Lines; lines that are not JSON objects pass through as they are."""
    if variant == "end-order":
        yield from end_order(lines)
        return
    rewrite = rewriter(variant)
    for line in lines:
        try:
            record = orjson.loads(line)
        except orjson.JSONDecodeError:
            record = None
        if not isinstance(record, dict):
            yield line if line.endswith(b"\n") else line + b"\n"
            continue
        out = rewrite(record)
        if out is not None:
            yield orjson.dumps(out) + b"\n"


def perturb_dir(src: Path, dst: Path, variant: str) -> int:
    """Write ``dst``/cdrs.jsonl from ``src``/cdrs.jsonl and copy the label files; return records written."""
    dst.mkdir(parents=True, exist_ok=True)
    written = 0
    with (src / "cdrs.jsonl").open("rb") as fin, (dst / "cdrs.jsonl").open("wb") as fout:
        for out in perturb_lines(fin, variant):
            fout.write(out)
            written += 1
    for name in STREAM_FILES:
        if (src / name).exists() and src.resolve() != dst.resolve():
            shutil.copyfile(src / name, dst / name)
    return written


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--input", type=Path, required=True, help="directory with cdrs.jsonl and labels")
    ap.add_argument("--out", type=Path, required=True, help="directory to write the rewritten stream to")
    ap.add_argument("--variant", choices=VARIANTS, required=True)
    args = ap.parse_args(argv)
    if args.input.resolve() == args.out.resolve():
        ap.error("--out must differ from --input")
    n = perturb_dir(args.input, args.out, args.variant)
    print(f"{n} lines written to {args.out / 'cdrs.jsonl'} ({args.variant})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
