"""Load driver: replay a CDR stream into the CDR topic at a fixed rate, a ramp, or as fast as possible.

    python load/driver.py --bootstrap 127.0.0.1:9092 --topic cdrs --input cdrs.jsonl --rate 20000
    python load/driver.py --bootstrap ... --generate --target-cdrs 10000000 --ramp 5000:50000:120
    python load/driver.py --bootstrap ... --input cdrs.jsonl.gz --count 1000000 --duration 60 --summary out.json

The stream is a JSON Lines file (``.gz`` or ``-`` ok, read line by line) or, with ``--generate``, made on the
fly by :func:`detector.synth.iter_lines` chunk by chunk, so 10M+ CDRs never sit in memory.  Producing is
:func:`detector.produce.produce_lines` (murmur2 partitioner keyed by caller, idempotent librdkafka producer:
what the worker's co-partitioning requires); this module only paces the lines it hands over, bounds them in
count and time, and reports.  Pacing is open-loop: message i is due at the time the schedule says, whatever
the broker does; if the producer cannot keep up, the achieved rate shows it.

Every run is bounded: ``--count`` (default: the whole stream) and ``--duration`` (default 600 s; a ramp
lasts its own duration).  A progress line goes to a terminal; the final summary is a JSON object (stdout, and
``--summary FILE``): sent, delivered, errors, achieved rate, duration, schedule.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any, Callable, Iterable, Iterator

if __package__ in (None, ""):  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from detector.produce import ensure_topic, produce_lines  # noqa: E402

#: Default time bound of one run (seconds).
DEFAULT_DURATION_S = 600.0
#: Pacing granularity: the clock is read once per this many messages.
PACE_EVERY = 64


@dataclass(frozen=True)
class Schedule:
    """When message i is due.  ``mode``: ``fast`` (no pacing), ``fixed`` (``rate``), ``ramp`` (``start_rate`` ->
    ``end_rate`` linearly over ``ramp_s`` seconds, then stop)."""

    mode: str = "fast"
    rate: float | None = None
    start_rate: float | None = None
    end_rate: float | None = None
    ramp_s: float | None = None

    @staticmethod
    def fixed(rate: float) -> "Schedule":
        if not rate > 0:
            raise ValueError("rate must be positive")
        return Schedule("fixed", rate=float(rate))

    @staticmethod
    def ramp(start_rate: float, end_rate: float, seconds: float) -> "Schedule":
        if start_rate < 0 or end_rate < 0 or start_rate + end_rate <= 0 or seconds <= 0:
            raise ValueError("ramp needs rates >= 0 (not both 0) and a positive duration")
        return Schedule("ramp", start_rate=float(start_rate), end_rate=float(end_rate), ramp_s=float(seconds))

    def due(self, i: int) -> float:
        """Seconds after the start at which message ``i`` (0-based) is due; ``inf`` past the end of a ramp."""
        if self.mode == "fast":
            return 0.0
        if self.mode == "fixed":
            return i / self.rate  # type: ignore[operator]
        r0, r1, d = self.start_rate, self.end_rate, self.ramp_s
        assert r0 is not None and r1 is not None and d is not None
        # messages sent by t: n(t) = r0 t + (r1 - r0) t^2 / (2 d); solve n(t) = i for t.
        a = (r1 - r0) / (2 * d)
        if abs(a) < 1e-12:
            t = i / r0
        else:
            disc = r0 * r0 + 4 * a * i
            if disc < 0:
                return math.inf
            t = (-r0 + math.sqrt(disc)) / (2 * a)
        return t if 0 <= t <= d else math.inf

    def rate_at(self, t: float) -> float | None:
        if self.mode == "fixed":
            return self.rate
        if self.mode == "ramp":
            assert self.start_rate is not None and self.end_rate is not None and self.ramp_s is not None
            return self.start_rate + (self.end_rate - self.start_rate) * min(1.0, t / self.ramp_s)
        return None

    def describe(self) -> str:
        if self.mode == "fixed":
            return f"fixed {self.rate:,.0f}/s"
        if self.mode == "ramp":
            return f"ramp {self.start_rate:,.0f}->{self.end_rate:,.0f}/s over {self.ramp_s:g}s"
        return "as fast as possible"


@dataclass
class DriverSummary:
    topic: str
    schedule: dict[str, Any]
    sent: int = 0
    delivered: int = 0
    errors: int = 0
    null_keys: int = 0
    duration_s: float = 0.0  # first message handed over -> last delivery report
    send_s: float = 0.0  # first -> last message handed over (the paced part)
    achieved_rate: float = 0.0  # sent / send_s
    stopped_by: str = "end of stream"  # or "count", "duration", "end of ramp"
    late_max_s: float = 0.0  # worst lag of the sender behind its schedule (open loop: > 0 = could not keep up)
    started_at: float = 0.0  # epoch seconds
    samples: list[list[float]] = field(default_factory=list)  # [seconds since start, messages handed over]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def line(self) -> str:
        return (f"driver: {self.sent:,} sent to {self.topic} in {self.send_s:.1f} s ({self.achieved_rate:,.0f}/s, "
                f"{self.schedule['description']}), {self.delivered:,} delivered, {self.errors:,} errors, "
                f"stopped by {self.stopped_by}, behind schedule at most {self.late_max_s:.2f} s")


class _Paced:
    """The lines, paced by a :class:`Schedule` and bounded by count and time; counts as it goes."""

    def __init__(self, lines: Iterable[bytes], schedule: Schedule, count: int | None, duration_s: float,
                 progress: IO[str] | None, on_sample: Callable[[float, int], None] | None,
                 sample_every_s: float) -> None:
        self.lines = lines
        self.schedule = schedule
        self.count = count
        self.duration_s = duration_s
        self.progress = progress
        self.on_sample = on_sample
        self.sample_every_s = sample_every_s
        self.handed = 0
        self.t0 = 0.0
        self.t_last = 0.0
        self.late_max = 0.0
        self.stopped_by = "end of stream"
        self.samples: list[list[float]] = []

    def __iter__(self) -> Iterator[bytes]:
        sched = self.schedule
        paced = sched.mode != "fast"
        perf = time.perf_counter
        self.t0 = t0 = perf()
        next_sample = t0
        next_report = t0 + 1.0
        count = self.count
        i = 0
        for line in self.lines:
            if count is not None and i >= count:
                self.stopped_by = "count"
                break
            if not i % PACE_EVERY:
                now = perf()
                if now - t0 >= self.duration_s:
                    self.stopped_by = "duration"
                    break
                if paced:
                    due = sched.due(i)
                    if due == math.inf:
                        self.stopped_by = "end of ramp"
                        break
                    wait = due - (now - t0)
                    if wait > 0:
                        time.sleep(min(wait, max(0.0, self.duration_s - (now - t0))))
                        now = perf()
                    elif -wait > self.late_max:
                        self.late_max = -wait
                if now >= next_sample:
                    next_sample = now + self.sample_every_s
                    self.samples.append([round(now - t0, 3), i])
                    if self.on_sample is not None:
                        self.on_sample(now - t0, i)
                if self.progress is not None and now >= next_report:
                    next_report = now + 1.0
                    target = sched.rate_at(now - t0)
                    self.progress.write(f"\rdriver: {i:>12,} sent  {i / max(now - t0, 1e-9):>10,.0f}/s"
                                        + (f"  (target now {target:,.0f}/s)" if target else "") + "   ")
                    self.progress.flush()
            i += 1
            self.handed = i
            yield line
        self.t_last = perf()
        self.samples.append([round(self.t_last - t0, 3), self.handed])
        if self.progress is not None:
            self.progress.write("\n")


def drive(
    lines: Iterable[bytes],
    kafka_config: dict[str, Any],
    topic: str,
    schedule: Schedule = Schedule(),
    *,
    count: int | None = None,
    duration_s: float = DEFAULT_DURATION_S,
    progress: IO[str] | None = None,
    on_sample: Callable[[float, int], None] | None = None,
    sample_every_s: float = 0.5,
) -> DriverSummary:
    """Produce ``lines`` to ``topic`` on ``schedule``, at most ``count`` lines and ``duration_s`` seconds.

    Blank lines are skipped by the producer (not counted as sent).  Returns when every message is delivered
    or failed (the producer's flush is bounded by 120 s).
    """
    if duration_s <= 0:
        raise ValueError("duration_s must be positive")
    paced = _Paced(lines, schedule, count, duration_s, progress, on_sample, sample_every_s)
    started = time.time()
    res = produce_lines(paced, kafka_config, topic, rate=None, progress=None)
    send_s = max(paced.t_last - paced.t0, 1e-9)
    return DriverSummary(
        topic=topic,
        schedule={**asdict(schedule), "description": schedule.describe()},
        sent=res.produced,
        delivered=res.delivered,
        errors=res.failed,
        null_keys=res.null_keys,
        duration_s=round(res.elapsed_s, 3),
        send_s=round(send_s, 3),
        achieved_rate=round(res.produced / send_s, 1),
        stopped_by=paced.stopped_by,
        late_max_s=round(paced.late_max, 3),
        started_at=started,
        samples=paced.samples,
    )


def generated_lines(target_cdrs: int, seed: int = 1, days: float = 2.0, **kw: Any) -> Iterator[bytes]:
    """CDR lines made on the fly by the project's generator (one event-time chunk in memory at a time)."""
    from detector import synth

    return synth.iter_lines(synth.GeneratorConfig(seed=seed, days=days, target_cdrs=target_cdrs, **kw))


def file_lines(path: str) -> Iterator[bytes]:
    from detector.replay import open_lines

    return open_lines(path)


def parse_ramp(text: str) -> Schedule:
    try:
        a, b, c = (float(x) for x in text.split(":"))
    except ValueError:
        raise argparse.ArgumentTypeError("--ramp wants START:END:SECONDS, e.g. 5000:50000:120") from None
    try:
        return Schedule.ramp(a, b, c)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bootstrap", default="127.0.0.1:9092", help="Kafka bootstrap servers")
    ap.add_argument("--topic", default="cdrs", help="CDR topic (default cdrs)")
    ap.add_argument("--partitions", type=int, default=8, help="partitions if the topic must be created (default 8)")
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--input", help="JSON Lines CDR file (.gz ok, - for stdin)")
    src.add_argument("--generate", action="store_true", help="generate the stream on the fly (detector.synth)")
    ap.add_argument("--target-cdrs", type=int, default=1_000_000, help="with --generate: about this many CDRs")
    ap.add_argument("--seed", type=int, default=1, help="with --generate: generator seed")
    ap.add_argument("--days", type=float, default=2.0, help="with --generate: days of event time")
    pace = ap.add_mutually_exclusive_group()
    pace.add_argument("--rate", type=float, help="fixed rate, messages per second")
    pace.add_argument("--ramp", type=parse_ramp, help="START:END:SECONDS, a linear ramp of the rate (then stop)")
    ap.add_argument("--count", type=int, default=None, help="stop after this many messages")
    ap.add_argument("--duration", type=float, default=DEFAULT_DURATION_S,
                    help=f"stop after this many seconds (default {DEFAULT_DURATION_S:g})")
    ap.add_argument("--summary", type=Path, help="also write the JSON summary here")
    ap.add_argument("-q", "--quiet", action="store_true", help="no progress line")
    args = ap.parse_args(argv)

    if args.rate is not None and args.rate <= 0:
        ap.error("--rate must be positive")
    if args.count is not None and args.count < 0:
        ap.error("--count must be >= 0")
    if args.duration <= 0:
        ap.error("--duration must be positive")
    schedule = Schedule.fixed(args.rate) if args.rate else (args.ramp or Schedule())
    if args.input:
        if args.input != "-" and not Path(args.input).exists():
            ap.error(f"no such file: {args.input}")
        lines = file_lines(args.input)
    else:
        lines = generated_lines(args.target_cdrs, args.seed, args.days)
    config = {"bootstrap.servers": args.bootstrap}
    ensure_topic(config, args.topic, args.partitions)
    progress = None if args.quiet or not sys.stderr.isatty() else sys.stderr
    summary = drive(lines, config, args.topic, schedule, count=args.count, duration_s=args.duration,
                    progress=progress)
    print(summary.line(), file=sys.stderr)
    body = summary.to_dict()
    if args.summary:
        args.summary.parent.mkdir(parents=True, exist_ok=True)
        args.summary.write_text(json.dumps(body, indent=2))
    print(json.dumps({k: v for k, v in body.items() if k != "samples"}))
    return 0 if summary.errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
