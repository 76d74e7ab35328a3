"""``cdr-detector produce FILE``: write a CDR JSON Lines file (``.gz`` ok, ``-`` for stdin) to the CDR topic.

Each line is one message keyed by its caller, partitioned with murmur2 (librdkafka's ``murmur2_random``,
the Java client's default), which is what the worker's co-partitioning expects.  The caller is cut out of
the line without parsing the JSON (a few hundred nanoseconds); a line whose caller cannot be found --
including lines that are not JSON at all -- is still produced, with a null key, so the worker's
dead-letter path sees it.  ``--rate N`` paces to N messages per second; without it, as fast as the broker
takes them.  The topic is created with the configured partition count if it does not exist.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from dataclasses import dataclass
from typing import IO, Any, Callable, Iterable

_CALLER = re.compile(rb'"caller"\s*:\s*"(\+[0-9]{3,15})"')


def caller_key(line: bytes) -> bytes | None:
    """The caller's number as bytes, or None when the line has no well-formed ``"caller"`` string."""
    m = _CALLER.search(line)
    return m.group(1) if m else None


@dataclass
class ProduceResult:
    produced: int = 0
    delivered: int = 0
    failed: int = 0
    null_keys: int = 0
    skipped_blank: int = 0
    elapsed_s: float = 0.0

    def summary(self) -> str:
        rate = self.produced / self.elapsed_s if self.elapsed_s > 0 else 0.0
        return (f"produce: {self.produced:,} messages in {self.elapsed_s:.1f} s ({rate:,.0f}/s): "
                f"{self.delivered:,} delivered, {self.failed:,} failed, {self.null_keys:,} without a caller "
                f"(null key), {self.skipped_blank:,} blank lines skipped")


def produce_when_room(producer: Any, topic: str, value: bytes, key: bytes | None,
                      on_delivery: Callable[[Any, Any], None] | None = None) -> None:
    """Produce one message, polling while librdkafka's local queue is full: back-pressure, bounded (a queue full
    for ~15 minutes is an error, never a dropped message)."""
    for _ in range(100_000):
        try:
            producer.produce(topic, value, key, on_delivery=on_delivery)
            return
        except BufferError:
            producer.poll(0.01)
    raise RuntimeError("producer queue stayed full for over 15 minutes")


def produce_lines(
    lines: Iterable[bytes],
    bootstrap_config: dict[str, object],
    topic: str,
    rate: float | None = None,
    progress: IO[str] | None = None,
    limit: int | None = None,
) -> ProduceResult:
    """Produce ``lines`` to ``topic``; return counts once every message is delivered (or failed)."""
    from confluent_kafka import Producer

    res = ProduceResult()

    def on_delivery(err: object, msg: object) -> None:
        if err is None:
            res.delivered += 1
        else:
            res.failed += 1

    producer = Producer({
        **bootstrap_config,
        "partitioner": "murmur2_random",  # = Java/aiokafka default: what the worker's co-partitioning assumes
        "linger.ms": 20,
        "batch.num.messages": 10_000,
        "queue.buffering.max.messages": 500_000,
        "enable.idempotence": True,
        "compression.type": "none",
        "log_level": 4,
    })
    start = time.perf_counter()
    next_report = start + 1.0
    produce = producer.produce
    poll = producer.poll
    for raw in lines:
        line = raw.rstrip(b"\r\n")
        if not line.strip():
            res.skipped_blank += 1
            continue
        key = caller_key(line)
        if key is None:
            res.null_keys += 1
        try:
            produce(topic, line, key, on_delivery=on_delivery)
        except BufferError:  # the queue is full: the slow path waits for room
            produce_when_room(producer, topic, line, key, on_delivery)
        res.produced += 1
        if not res.produced & 1023:
            poll(0)
        if rate:
            ahead = res.produced / rate - (time.perf_counter() - start)
            if ahead > 0:
                poll(min(ahead, 1.0))
                if ahead > 1.0:
                    time.sleep(ahead - 1.0)
        if progress is not None and not res.produced & 1023:
            now = time.perf_counter()
            if now >= next_report:
                next_report = now + 1.0
                progress.write(f"\rproduce: {res.produced:>12,} messages  "
                               f"{res.produced / (now - start):>10,.0f}/s")
                progress.flush()
        if limit is not None and res.produced >= limit:
            break
    remaining = producer.flush(120)
    res.elapsed_s = time.perf_counter() - start
    if remaining:
        res.failed += remaining
    if progress is not None:
        progress.write("\n" if res.produced >= 1024 else "")
    return res


def ensure_topic(config: dict[str, object], topic: str, partitions: int, timeout: float = 30.0) -> int:
    """Create ``topic`` if missing; return its partition count."""
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient({**config, "log_level": 3})
    md = admin.list_topics(timeout=timeout)
    t = md.topics.get(topic)
    if t is not None and t.error is None:
        return len(t.partitions)
    fut = admin.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=-1)],
                              request_timeout=timeout)[topic]
    try:
        fut.result(timeout=timeout)
    except Exception as exc:  # noqa: BLE001
        if "TOPIC_ALREADY_EXISTS" not in str(exc):
            raise
    return partitions


def add_subcommand(sub: argparse._SubParsersAction) -> None:
    from .settings import Settings

    p = sub.add_parser("produce", help="write a CDR JSON Lines file to the CDR topic (keyed by caller)",
                       description="Produce CDRs from a JSON Lines file (.gz ok, - for stdin) to the CDR topic, "
                                   "keyed by caller with the murmur2 partitioner.")
    p.add_argument("file", help="CDR file (JSON Lines, optionally gzip) or - for stdin")
    p.add_argument("--rate", type=float, default=None, help="messages per second (default: as fast as possible)")
    p.add_argument("--limit", type=int, default=None, help="stop after this many messages")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress line")
    Settings.add_arguments(p)
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .replay import open_lines
    from .settings import Settings
    from .worker.app import librdkafka_config

    try:
        settings = Settings.load(args)
    except ValueError as exc:
        print(f"cdr-detector produce: error: {exc}", file=sys.stderr)
        return 2
    if args.file != "-" and not Path(args.file).exists():
        print(f"cdr-detector produce: error: no such file: {args.file}", file=sys.stderr)
        return 2
    if args.rate is not None and args.rate <= 0:
        print("cdr-detector produce: error: --rate must be positive", file=sys.stderr)
        return 2
    config = librdkafka_config(settings)
    n = ensure_topic(config, settings.cdr_topic, settings.partitions)
    if n != settings.partitions:
        print(f"cdr-detector produce: warning: topic {settings.cdr_topic} has {n} partitions, not "
              f"{settings.partitions}", file=sys.stderr)
    progress = None if args.quiet or not sys.stderr.isatty() else sys.stderr
    res = produce_lines(open_lines(args.file), config, settings.cdr_topic, args.rate, progress, args.limit)
    print(res.summary(), file=sys.stderr)
    return 0 if res.failed == 0 else 1
