"""What the broker's CPU costs per record, by producer setting: produce, then fetch, of CDR lines (loopback).

    python load/broker_cost.py --input cdrs.jsonl [--records 500000] [--rounds 2] [--out result.json]

Starts one :class:`detector.localkafka.LocalKafka` (8 partitions, as the benchmarks), measures its idle CPU, then
for each producer setting (compression none / lz4 and ``linger.ms`` 5 / 20 / 100; ``--settings`` to choose)
produces ``--records`` lines of the stream to a fresh topic with confluent-kafka (keyed by caller, murmur2, as
the driver does) and reads them back with a confluent-kafka consumer.  Broker CPU = utime + stime of the JVM from
/proc over each step, divided by the records: microseconds per record produced and per record fetched; the
client's own CPU beside it.  A warm-up round runs first (the JVM compiles its hot paths) and is not reported;
the settings then run ``--rounds`` times in alternating order (forward, backward, ...), so drift of the
machine's load and of the JIT does not favour one.  Every wait is bounded.  Not a worker benchmark: the worker's
own producer sends smaller, burstier batches (its changelog writes between batches).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from itertools import islice
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_kafka import cpu_seconds  # noqa: E402

from detector.localkafka import LocalKafka  # noqa: E402
from detector.produce import caller_key, ensure_topic, produce_when_room  # noqa: E402


def step(bootstrap: str, broker_pid: int, lines: list[bytes], keys: list[bytes | None], compression: str,
         linger_ms: int) -> dict[str, float]:
    from confluent_kafka import Consumer, Producer, TopicPartition

    topic = f"bc-{compression}-{linger_ms}-{os.urandom(4).hex()}"
    ensure_topic({"bootstrap.servers": bootstrap}, topic, 8)
    p = Producer({"bootstrap.servers": bootstrap, "partitioner": "murmur2_random", "linger.ms": linger_ms,
                  "batch.num.messages": 10_000, "queue.buffering.max.messages": 500_000,
                  "enable.idempotence": True, "compression.type": compression, "log_level": 3})
    me = os.getpid()
    b0, c0, t0 = cpu_seconds(broker_pid), cpu_seconds(me), time.monotonic()
    for line, key in zip(lines, keys):
        produce_when_room(p, topic, line, key)
    left = p.flush(60)
    b1, c1, t1 = cpu_seconds(broker_pid), cpu_seconds(me), time.monotonic()
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": topic, "enable.auto.commit": False, "log_level": 3})
    c.assign([TopicPartition(topic, i, 0) for i in range(8)])
    got = 0
    deadline = time.monotonic() + 120
    while got < len(lines) and time.monotonic() < deadline:
        got += len(c.consume(10_000, timeout=0.5))
    b2, c2, t2 = cpu_seconds(broker_pid), cpu_seconds(me), time.monotonic()
    c.close()
    n = len(lines)
    assert b0 is not None and b1 is not None and b2 is not None and c0 is not None and c1 is not None and c2 is not None
    return {"produce_broker_us": round(1e6 * (b1 - b0) / n, 2), "produce_client_us": round(1e6 * (c1 - c0) / n, 2),
            "produce_s": round(t1 - t0, 2), "fetch_broker_us": round(1e6 * (b2 - b1) / n, 2),
            "fetch_client_us": round(1e6 * (c2 - c1) / n, 2), "fetch_s": round(t2 - t1, 2),
            "not_delivered": left, "read": got, "loadavg": round(os.getloadavg()[0], 2)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--input", type=Path, required=True, help="CDR file (JSON lines)")
    ap.add_argument("--records", type=int, default=500_000)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--settings", default="none/5,none/20,none/100,lz4/20", help="compression/linger.ms, comma separated")
    ap.add_argument("--out", type=Path)
    a = ap.parse_args(argv)
    with a.input.open("rb") as fh:
        lines = [ln.rstrip(b"\r\n") for ln in islice(fh, a.records)]
    keys = [caller_key(ln) for ln in lines]
    settings = [(s.split("/")[0], int(s.split("/")[1])) for s in a.settings.split(",") if s.strip()]
    out: dict[str, object] = {"records": len(lines), "bytes_per_record": round(sum(map(len, lines)) / len(lines)),
                              "loadavg_start": os.getloadavg(), "steps": []}
    with LocalKafka(partitions=8, heap="1g") as kafka:
        pid = kafka.pid
        assert pid is not None
        time.sleep(5)
        b0, t0 = cpu_seconds(pid), time.monotonic()
        time.sleep(10)
        b1 = cpu_seconds(pid)
        out["idle_broker_cores"] = round(((b1 or 0) - (b0 or 0)) / (time.monotonic() - t0), 4)
        print(f"idle broker: {out['idle_broker_cores']} cores", file=sys.stderr, flush=True)
        step(kafka.bootstrap, pid, lines, keys, "none", 20)  # warm-up: the JIT, the page cache
        for r in range(a.rounds):
            for comp, linger in (settings if r % 2 == 0 else list(reversed(settings))):
                res = {"compression": comp, "linger_ms": linger, "round": r,
                       **step(kafka.bootstrap, pid, lines, keys, comp, linger)}
                print(json.dumps(res), file=sys.stderr, flush=True)
                out["steps"].append(res)  # type: ignore[union-attr]
    out["loadavg_end"] = os.getloadavg()
    text = json.dumps(out, indent=1)
    if a.out:
        a.out.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
