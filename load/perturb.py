"""Rewrite a labeled CDR stream the way another generator or switch might have written it, to check that
detection does not hinge on one generator's conventions.

    python load/perturb.py --input out/heldout --out out/heldout-seqimei --variant sequential-imei
    python load/detection_report.py --seed 424242 --perturb sequential-imei   # generate, perturb, evaluate

Variants (each keeps every record's meaning; the labels are copied unchanged):

* ``sequential-imei``: every IMEI becomes one TAC and a running serial, in order of first appearance (a device
  keeps its IMEI; phones met one after another get consecutive serials), as a generator that numbers devices
  with a counter, or a network that sells phones from one batch, would write them.
* ``no-cell``: ``cell_id`` and ``imei`` dropped (both are optional in the schema).
* ``no-imei``: ``imei`` dropped, ``cell_id`` kept (a switch whose records name no handset).
* ``utc``: ``start_time`` rewritten in UTC (``Z``): a switch that logs UTC for a network in another zone.
* ``no-sms``: SMS records dropped (a voice-only CDR feed).
* ``end-order``: the records reordered by the time each call ended (start + duration), as a switch writes them
  (a record is written when its call ends), instead of by start: a two-hour call comes two hours after its start.
* ``partial-records``: every answered call longer than an hour cut into hourly partial records (the same
  parties, each starting as the last one ends, ids ``<cdr_id>.1``, ``.2``, ...), as switches write long calls.

Lines that are not JSON objects pass through untouched, so a stream's deliberately broken records stay broken
(in ``end-order`` and ``partial-records``, where they stood among the records written before them).
"""

from __future__ import annotations

import argparse
import heapq
import shutil
import sys
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta, timezone
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


def _no_imei(record: dict[str, Any]) -> dict[str, Any] | None:
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
    "no-imei": lambda: _no_imei,
    "utc": lambda: _utc,
    "no-sms": lambda: _no_sms,
}


def rewriter(variant: str) -> Rewrite:
    """The per-record rewrite of ``variant`` (None from it drops the record)."""
    factory = _REWRITES.get(variant)
    if factory is None:
        raise ValueError(f"unknown per-record variant {variant!r}; one of {', '.join(_REWRITES)}")
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


Pieces = tuple[float | None, list[tuple[float | None, bytes]]]  # a line's start, and what it becomes (time, line)


def _in_time_order(lines: Iterable[bytes], expand: Callable[[bytes], Pieces]) -> Iterator[bytes]:
    """Lines of a stream in start order, each turned by ``expand`` into pieces written at times no earlier than
    its start, emitted in the order of those times (ties in input order).

    Streaming: a piece waits in a heap until the stream has reached its time (every later line starts, and so
    writes, no earlier), so memory holds what is still in progress.  A piece without a time (a line that cannot
    be read) keeps its place after the pieces due by the last start read.
    """
    heap: list[tuple[float, int, bytes]] = []
    now = float("-inf")
    seq = 0
    for line in lines:
        start, pieces = expand(line if line.endswith(b"\n") else line + b"\n")
        if start is not None:
            now = max(now, start)
        while heap and heap[0][0] <= now:
            yield heapq.heappop(heap)[2]
        for when, piece in pieces:
            heapq.heappush(heap, (now if when is None else when, seq, piece))
            seq += 1
    while heap:
        yield heapq.heappop(heap)[2]


def _loads(line: bytes) -> object:
    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError:
        return None


def _at_its_end(line: bytes) -> Pieces:
    """``end-order``: a record is written when its call ends."""
    times = _ended_at(_loads(line))
    return (None, [(None, line)]) if times is None else (times[0], [(times[1], line)])


PARTIAL_S = 3_600  # ``partial-records``: the switch's cut for long calls


def _in_partials(line: bytes) -> Pieces:
    """``partial-records``: an answered call longer than PARTIAL_S becomes one record per PARTIAL_S of it, each
    starting as the last one ends, with the same parties, cell and handset (ids ``<cdr_id>.1``, ``.2``, ...)."""
    record = _loads(line)
    times = _ended_at(record)
    if times is None:
        return None, [(None, line)]
    start, end = times
    assert isinstance(record, dict)
    cdr_id, duration = record.get("cdr_id"), record["duration_s"]
    if (record.get("record_type") or "voice") != "voice" or record.get("disposition") != "answered" \
            or not isinstance(cdr_id, str) or end - start <= PARTIAL_S:
        return start, [(start, line)]
    when = datetime.fromisoformat(str(record["start_time"]).replace("Z", "+00:00").replace("z", "+00:00"))
    pieces: list[tuple[float | None, bytes]] = []
    offset = 0
    while offset < duration:
        part = dict(record, cdr_id=f"{cdr_id}.{len(pieces) + 1}", duration_s=min(PARTIAL_S, duration - offset),
                    start_time=(when + timedelta(seconds=offset)).isoformat())
        pieces.append((start + offset, orjson.dumps(part) + b"\n"))
        offset += PARTIAL_S
    return start, pieces


def end_order(lines: Iterable[bytes]) -> Iterator[bytes]:
    """Lines of a stream in start order, reordered by the time each call ended (see ``end-order``)."""
    return _in_time_order(lines, _at_its_end)


def partial_records(lines: Iterable[bytes]) -> Iterator[bytes]:
    """Lines of a stream in start order with its long calls cut into partial records (see ``partial-records``)."""
    return _in_time_order(lines, _in_partials)


#: Variants that move or cut records (streaming, in time order) rather than rewrite them one by one.
_ORDERINGS: dict[str, Callable[[Iterable[bytes]], Iterator[bytes]]] = {
    "end-order": end_order,
    "partial-records": partial_records,
}
VARIANTS = (*_REWRITES, *_ORDERINGS)


def perturb_lines(lines: Iterable[bytes], variant: str) -> Iterator[bytes]:
    """Rewrite JSON Lines; lines that are not JSON objects pass through as they are."""
    if variant in _ORDERINGS:
        yield from _ORDERINGS[variant](lines)
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
