"""Writing: records to JSON Lines one day at a time, optional dirt, labels, manifest.

Records are formatted by hand (not json.dumps) because every field is known
to be JSON-safe (digits, '+', '-', ASCII identifiers) and this is the hot path.
Dirty lines are derived from clean ones with their own random stream and only
inserted between clean lines, so --dirty never changes a clean line, their
order, or the labels.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from typing import IO

from .world import DAY, UTC_OFFSET, World, day_date


def time_strings(d: int) -> list[str]:
    """RFC 3339 text for every second of day d (local time, -03:00)."""
    ds = day_date(d).isoformat()
    return [f"{ds}T{h:02d}:{m:02d}:{s:02d}{UTC_OFFSET}" for h in range(24) for m in range(60) for s in range(60)]


def rfc3339(w: World, t: int) -> str:
    d, r = divmod(t, DAY)
    return f"{day_date(d).isoformat()}T{r // 3600:02d}:{r % 3600 // 60:02d}:{r % 60:02d}{UTC_OFFSET}"


def format_day(records: list[tuple], d: int) -> list[str]:
    """Sorted records of day d as JSON lines (with their newline)."""
    ts = time_strings(d)
    base = d * DAY
    prefix = f"72405-{day_date(d):%Y%m%d}-"
    lines = []
    app = lines.append
    for i, (t, rt, caller, callee, dur, disp, cell, imei) in enumerate(records):
        s = (f'{{"cdr_id":"{prefix}{i:07d}","record_type":"{rt}","caller":"{caller}","callee":"{callee}",'
             f'"start_time":"{ts[t - base]}","duration_s":{dur},"disposition":"{disp}"')
        if cell is not None:
            s += f',"cell_id":"{cell}"'
        if imei is not None:
            s += f',"imei":"{imei}"'
        app(s + "}\n")
    return lines


DIRT_KINDS = ["malformed_json", "missing_field", "wrong_type", "negative_duration", "absurd_duration",
              "unknown_enum", "unparseable_time", "year_2999", "duplicate_id", "out_of_order"]


def _dirty_line(rng: random.Random, kind: str, line: str, earlier: str, j: int) -> str:
    rec = json.loads(line)
    rec["cdr_id"] = f"{rec['cdr_id']}-x{j}"
    if kind == "malformed_json":
        s = json.dumps(rec, separators=(",", ":"))
        return rng.choice([s[: rng.randint(5, len(s) - 2)], s.replace('"', "'", 4), s + ",", "{" + s, s.replace(":", "=", 1)])
    if kind == "missing_field":
        del rec[rng.choice(["cdr_id", "caller", "callee", "start_time", "duration_s", "disposition"])]
    elif kind == "wrong_type":
        f = rng.choice(["duration_s", "caller", "callee", "cdr_id", "imei", "cell_id", "disposition"])
        if f == "duration_s":
            rec[f] = str(rec[f])
        elif f in ("caller", "callee"):
            rec[f] = int(rec[f][1:])
        elif f == "cdr_id":
            rec[f] = rng.randrange(10 ** 9)
        elif f == "imei":
            rec[f] = int(rec.get("imei") or "356938035643809")
        elif f == "cell_id":
            rec[f] = 72405
        else:
            rec[f] = [rec[f]]
    elif kind == "negative_duration":
        rec["duration_s"] = -rng.randint(1, 3600)
    elif kind == "absurd_duration":
        rec["duration_s"] = rng.choice([172801, 999999, 10 ** 9, 1e300])
    elif kind == "unknown_enum":
        if rng.random() < 0.5:
            rec["disposition"] = rng.choice(["CANCELLED", "congestion", "ANSWERED", "rejected", ""])
        else:
            rec["record_type"] = rng.choice(["mms", "data", "VOICE", "ussd"])
    elif kind == "unparseable_time":
        st = rec["start_time"]
        rec["start_time"] = rng.choice([st.replace("T", " "), st[:19], st[:16] + st[19:], st.replace("-03:00", "-0300"),
                                        f"{st[8:10]}/{st[5:7]}/{st[:4]} {st[11:19]}", st[:11] + "25:61:00-03:00",
                                        st[:5] + "02-30" + st[10:], "yesterday"])
    elif kind == "year_2999":
        rec["start_time"] = "2999" + rec["start_time"][4:]
    elif kind == "duplicate_id":
        if rng.random() < 0.5:
            return line.rstrip("\n")  # the same record delivered twice
        rec["cdr_id"] = rec["cdr_id"].rsplit("-x", 1)[0]
        rec["duration_s"] = rec["duration_s"] + rng.randint(1, 30)  # same id, different content
    elif kind == "out_of_order":
        rec = json.loads(earlier)  # a record from minutes ago delivered late (a valid record)
        rec["cdr_id"] = f"{rec['cdr_id']}-late{j}"
    return json.dumps(rec, separators=(",", ":"))


def write_day(fh: IO[str], lines: list[str], times: list[int], dirt_rng: random.Random | None,
              dirt: Counter, rate: float = 0.002) -> None:
    """Write the day's clean lines, with dirty lines slipped in between when asked."""
    if dirt_rng is None or not lines:
        fh.writelines(lines)
        return
    k = int(round(len(lines) * rate))
    at = sorted(dirt_rng.sample(range(1, len(lines)), min(k, len(lines) - 1)))
    prev = 0
    for j, pos in enumerate(at):
        fh.writelines(lines[prev:pos])
        prev = pos
        kind = dirt_rng.choice(DIRT_KINDS)
        src = lines[pos - 1]
        earlier = src
        if kind == "out_of_order":  # find a record 2-10 minutes older than here
            target = times[pos - 1] - dirt_rng.randint(120, 600)
            lo, hi = 0, pos - 1
            for _ in range(40):
                if lo >= hi:
                    break
                mid = (lo + hi) // 2
                if times[mid] < target:
                    lo = mid + 1
                else:
                    hi = mid
            earlier = lines[lo]
            if times[lo] >= times[pos - 1] - 60:
                kind = "duplicate_id"
        fh.write(_dirty_line(dirt_rng, kind, src, earlier, j) + "\n")
        dirt[kind] += 1
    fh.writelines(lines[prev:])
