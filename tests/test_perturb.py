"""load/perturb.py: each rewrite keeps what a record means and changes only the convention it is written in."""

from __future__ import annotations

import orjson

from detector.parse import CdrParser
from detector.records import Cdr
from load.perturb import perturb_lines

LINES = [
    b'{"cdr_id":"a","caller":"+441111111111","callee":"+442222222222","start_time":"2026-03-06T09:15:00+05:30",'
    b'"duration_s":60,"disposition":"answered","cell_id":"234-15-1-1","imei":"356938035643809"}\n',
    b'{"cdr_id":"b","record_type":"sms","caller":"+441111111112","callee":"+442222222222",'
    b'"start_time":"2026-03-06T09:16:00.250+05:30","duration_s":0,"disposition":"answered",'
    b'"cell_id":"234-15-1-2","imei":"490154203237518"}\n',
    b'{"cdr_id":"c","caller":"+441111111111","callee":"+443333333333","start_time":"2026-03-06T09:17:00+05:30",'
    b'"duration_s":5,"disposition":"no_answer","cell_id":"234-15-1-1","imei":"356938035643809"}\n',
    b'{not json\n',
]


def _parsed(lines: list[bytes]) -> list[Cdr]:
    parser = CdrParser()
    return [c for c in (parser.parse(line) for line in lines) if isinstance(c, Cdr)]


def test_sequential_imei_keeps_each_device_and_numbers_them_in_order() -> None:
    out = list(perturb_lines(LINES, "sequential-imei"))
    assert out[-1] == LINES[-1]  # a broken line stays as it was
    imeis = [c.imei for c in _parsed(out)]
    assert imeis[0] == imeis[2] != imeis[1]  # the same device keeps one IMEI
    assert int(imeis[1][:14]) == int(imeis[0][:14]) + 1  # the next device met gets the next serial


def test_utc_rewrite_keeps_the_instant() -> None:
    before, after = _parsed(LINES), _parsed(list(perturb_lines(LINES, "utc")))
    assert [c.start for c in after] == [c.start for c in before]
    assert all(c.utc_offset_min == 0 for c in after) and before[0].utc_offset_min == 330
    assert orjson.loads(list(perturb_lines(LINES[:1], "utc"))[0])["start_time"] == "2026-03-06T03:45:00Z"


def test_no_cell_no_imei_and_no_sms() -> None:
    assert all(c.cell_id is None and c.imei is None for c in _parsed(list(perturb_lines(LINES, "no-cell"))))
    kept = _parsed(list(perturb_lines(LINES, "no-imei")))
    assert all(c.imei is None for c in kept) and [c.cell_id for c in kept] == [c.cell_id for c in _parsed(LINES)]
    kept = _parsed(list(perturb_lines(LINES, "no-sms")))
    assert [c.cdr_id for c in kept] == ["a", "c"]


def test_end_order_writes_each_record_when_its_call_ended() -> None:
    """A switch writes a record as its call ends: a two-hour call comes after the calls that began and ended
    during it; a broken line stays where it was among the records that had ended by then."""
    def line(cdr_id: str, start: str, duration: int) -> bytes:
        return (b'{"cdr_id":"%s","caller":"+441111111111","callee":"+442222222222","start_time":"%s",'
                b'"duration_s":%d,"disposition":"answered"}\n' % (cdr_id.encode(), start.encode(), duration))
    lines = [line("long", "2026-03-06T09:00:00+00:00", 7_200), line("short", "2026-03-06T09:10:00+00:00", 60),
             b"{not json\n", line("sms", "2026-03-06T09:30:00Z", 0)]
    out = list(perturb_lines(lines, "end-order"))
    assert sorted(out) == sorted(lines)
    assert [orjson.loads(x)["cdr_id"] if x != lines[2] else "broken" for x in out] == ["broken", "short", "sms", "long"]
    ends = [c.start + c.duration for c in _parsed(out)]
    assert ends == sorted(ends)


def test_partial_records_cut_a_long_call_into_hourly_records_in_start_order() -> None:
    """A switch writes a call longer than an hour as hourly partial records: same parties, each starting as the
    last one ends, the parts adding up to the call; other records and broken lines as they were, in start order."""
    long_call = (b'{"cdr_id":"a","caller":"+441111111111","callee":"+33222222222","start_time":'
                 b'"2026-03-06T09:00:00+01:00","duration_s":9000,"disposition":"answered","cell_id":"234-15-1-1"}\n')
    out = list(perturb_lines([LINES[0], LINES[3], LINES[2], long_call], "partial-records"))
    parts = [c for c in _parsed(out) if c.cdr_id.startswith("a.")]
    assert [(c.cdr_id, c.duration) for c in parts] == [("a.1", 3_600.0), ("a.2", 3_600.0), ("a.3", 1_800.0)]
    assert [c.start - parts[0].start for c in parts] == [0.0, 3_600.0, 7_200.0]
    assert {(c.caller, c.callee, c.cell_id, c.utc_offset_min) for c in parts} == {
        ("+441111111111", "+33222222222", "234-15-1-1", 60)}
    assert LINES[3] in out and LINES[2] in out  # a short call and a broken line pass through
    starts = [c.start for c in _parsed(out)]
    assert starts == sorted(starts)
