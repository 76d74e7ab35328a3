"""Tests of the edge parser: CdrParser.parse / from_dict, TimeParser and format_time.

Every reject reason the parser can produce is reached by a concrete bad input; the cached fast time path is
checked against :func:`datetime.fromisoformat`; hypothesis feeds arbitrary bytes, text and JSON objects; and
the parser is compared with ``schemas/cdr.schema.json`` in both directions, and on the concrete records where
they once disagreed (``SETTLED``).  The fast path of the parser (the common exact shape, the time and number
caches) is checked against the general path on every input hypothesis can make.
"""

from __future__ import annotations

import copy
import re
import string
from datetime import datetime, timedelta, timezone
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from detector.parse import (
    _FORBIDDEN_CHARS,
    MAX_DURATION_S,
    MAX_EPOCH,
    MAX_MESSAGE_BYTES,
    MIN_EPOCH,
    CdrParser,
    TimeParser,
    format_time,
)
from detector.records import DISPOSITIONS, RECORD_TYPES, REJECT_REASONS, Cdr, Reject
from detector.schemas import load_schema
from detector.sketches import _ascii_digits_loop, ascii_digits
from tests.samples import GOOD_CDR as GOOD

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
FAST = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

GOOD_START = datetime(2024, 5, 1, 13, 15, 3, 250_000, tzinfo=timezone.utc).timestamp()
REQUIRED = ("cdr_id", "caller", "callee", "start_time", "duration_s", "disposition")
DROP = object()  # marks a key to delete in record()
# Reasons only the stream-level admission gives (or nobody): the parser must never produce them.
NOT_FROM_PARSER = {"late", "duplicate", "misrouted", "other"}  # stream-level or worker-level reasons

CDR_VALIDATOR = Draft202012Validator(load_schema("cdr"), format_checker=Draft202012Validator.FORMAT_CHECKER)
RFC3339 = re.compile(load_schema("cdr")["$defs"]["rfc3339"]["pattern"])


def record(**changes: Any) -> dict[str, Any]:
    out = copy.deepcopy(GOOD)
    for key, value in changes.items():
        if value is DROP:
            out.pop(key, None)
        else:
            out[key] = value
    return out


def raw(**changes: Any) -> bytes:
    return orjson.dumps(record(**changes))


def parse(data: bytes | str) -> Cdr | Reject:
    return CdrParser().parse(data)


def reference_time(s: str) -> tuple[float, int]:
    """What the parser should return for an RFC 3339 string, computed the slow, obvious way."""
    dt = datetime.fromisoformat(s)
    off = dt.utcoffset()
    assert off is not None
    return (dt - EPOCH).total_seconds(), int(off.total_seconds() // 60)


def expected_time(s: str) -> tuple[float, int]:
    """reference_time() extended to what fromisoformat refuses but RFC 3339 allows: 'z', second 60."""
    s = s[:-1] + "Z" if s.endswith("z") else s
    if s[17:19] == "60":
        epoch, off = reference_time(s[:17] + "59" + s[19:])
        return epoch + 1, off  # exact: 59 -> 60 adds one whole second to a float holding the same fraction
    return reference_time(s)


def rfc3339(dt: datetime, offset_min: int, zulu: bool = False, frac: str = "") -> str:
    """Format the wall time ``dt`` (naive) with an offset, the way a producer would."""
    if zulu:
        assert offset_min == 0
        tail = "Z"
    else:
        sign = "-" if offset_min < 0 else "+"
        tail = f"{sign}{abs(offset_min) // 60:02d}:{abs(offset_min) % 60:02d}"
    return f"{dt:%Y-%m-%dT%H:%M:%S}{frac}{tail}"


# ------------------------------------------------------------------------------------ good input


def test_good_record_parses_to_exact_fields() -> None:
    cdr = parse(raw())
    assert isinstance(cdr, Cdr)
    assert cdr.cdr_id == "c-000001"
    assert cdr.caller == "+8613800138000" and cdr.callee == "+441632960123"
    assert cdr.start == GOOD_START
    assert cdr.utc_offset_min == 480
    assert cdr.duration == 42.5 and type(cdr.duration) is float
    assert cdr.disposition == "answered" and cdr.answered
    assert cdr.record_type == "voice"
    assert cdr.cell_id == "460-00-1234-56789" and cdr.imei == "490154203237518"


def test_optional_fields_missing_or_null_take_defaults() -> None:
    for value in (DROP, None):
        cdr = parse(raw(record_type=value, cell_id=value, imei=value))
        assert isinstance(cdr, Cdr)
        assert (cdr.record_type, cdr.cell_id, cdr.imei) == ("voice", None, None)


def test_integer_duration_becomes_float_and_sms_is_kept() -> None:
    cdr = parse(raw(duration_s=0, record_type="sms", disposition="failed"))
    assert isinstance(cdr, Cdr)
    assert cdr.duration == 0.0 and type(cdr.duration) is float
    assert cdr.record_type == "sms" and not cdr.answered


def test_unknown_extra_fields_are_accepted_and_ignored() -> None:
    extra = {"switch_id": "MSC-7", "charge": {"amount": 1.2, "currency": "EUR"}, "tags": [1, None, "x"], "": 0}
    cdr = parse(raw(**extra))
    assert isinstance(cdr, Cdr)
    assert cdr == parse(raw())


@pytest.mark.parametrize(
    "start_time, expected_offset",
    [
        ("2024-05-01T13:15:03.250Z", 0),  # Z
        ("2024-05-01T13:15:03.25Z", 0),  # fewer fraction digits
        ("2024-05-01T13:15:03.250000Z", 0),  # microseconds
        ("2024-05-01T21:15:03.250+08:00", 480),
        ("2024-05-01T07:45:03.250-05:30", -330),
        ("2024-05-01T13:15:03.250+00:00", 0),
        ("2024-05-01t13:15:03.250Z", 0),  # lower-case t is RFC 3339
        ("2024-05-01T13:15:03.250z", 0),  # and so is lower-case z
        ("2024-05-01T13:15:03.250-00:00", 0),  # -00:00: UTC, local offset unknown (RFC 3339 4.3)
        ("2024-05-01T13:15:03.250000999Z", 0),  # nanoseconds: kept to the microsecond (truncated)
    ],
)
def test_fractional_seconds_and_offsets_accepted(start_time: str, expected_offset: int) -> None:
    cdr = parse(raw(start_time=start_time))
    assert isinstance(cdr, Cdr), cdr
    assert cdr.start == pytest.approx(GOOD_START, abs=1e-6)
    assert cdr.utc_offset_min == expected_offset


def test_time_range_is_on_the_local_date_2000_to_9999_12_30() -> None:
    """The range is a rule on the date as written (the schema's pattern can state it): 2000-01-01 .. 9999-12-30."""
    ok = parse(raw(start_time="2000-01-01T00:00:00Z"))
    assert isinstance(ok, Cdr) and ok.start == MIN_EPOCH
    # 00:59:59 local at +01:00 is still 1999 in UTC, but its date is 2000-01-01: accepted
    ok = parse(raw(start_time="2000-01-01T00:59:59+01:00"))
    assert isinstance(ok, Cdr) and ok.start == MIN_EPOCH - 1
    # 23:00 at -01:00 is 2000-01-01T00:00Z, but its date is 1999-12-31: refused
    bad = parse(raw(start_time="1999-12-31T23:00:00-01:00"))
    assert isinstance(bad, Reject) and bad.reason == "time_out_of_range"
    last = parse(raw(start_time="9999-12-30T23:59:59.999+23:59"))
    assert isinstance(last, Cdr)
    for s in ("9999-12-31T00:00:00+23:59", "9999-12-31T00:00:00-23:59"):
        bad = parse(raw(start_time=s))
        assert isinstance(bad, Reject) and bad.reason == "time_out_of_range"


def test_duration_limits_are_inclusive() -> None:
    assert isinstance(parse(raw(duration_s=MAX_DURATION_S)), Cdr)
    assert isinstance(parse(raw(duration_s=int(MAX_DURATION_S))), Cdr)
    assert isinstance(parse(raw(duration_s=-0.0)), Cdr)


def test_message_exactly_at_size_limit_is_accepted() -> None:
    base = len(raw(pad=""))
    at_limit = raw(pad="x" * (MAX_MESSAGE_BYTES - base))
    assert len(at_limit) == MAX_MESSAGE_BYTES
    assert isinstance(parse(at_limit), Cdr)
    over = raw(pad="x" * (MAX_MESSAGE_BYTES - base + 1))
    rej = parse(over)
    assert isinstance(rej, Reject) and rej.reason == "too_large"


# ------------------------------------------------------------------------------------ every reject reason

DEEP_ARRAYS = b"[" * 5000 + b"]" * 5000
DEEP_IN_FIELD = orjson.dumps(record(extra=None)).replace(b"null", b'{"x":' * 2000 + b"1" + b"}" * 2000)
NAN_LITERAL = raw(duration_s=123456).replace(b"123456", b"NaN")
INF_LITERAL = raw(duration_s=123456).replace(b"123456", b"Infinity")
NEG_INF_LITERAL = raw(duration_s=123456).replace(b"123456", b"-Infinity")
HUGE_EXPONENT = raw(duration_s=123456).replace(b"123456", b"1e400")
BAD_UTF8_IN_VALUE = raw(cdr_id="c-AAA").replace(b"AAA", b"\xff\xfe\xfd")
TRUNCATED_UTF8 = raw(cdr_id="c-AAA").replace(b"AAA", b"\xc3")
OVERLONG_UTF8 = raw(cdr_id="c-AAA").replace(b"AAA", b"\xc0\xaf")
ENCODED_SURROGATE = raw(cdr_id="c-AAA").replace(b"AAA", b"\xed\xa0\x80")
LATIN1 = raw(cdr_id="c-AAA").replace(b"AAA", "café".encode("latin-1"))

REJECT_CASES: list[tuple[str, bytes, str]] = [
    # malformed_json
    ("not json", b"this is not json", "malformed_json"),
    ("empty", b"", "malformed_json"),
    ("whitespace", b"   \n", "malformed_json"),
    ("truncated", raw()[:-10], "malformed_json"),
    ("trailing garbage", raw() + b"{", "malformed_json"),
    ("two documents", raw() + raw(), "malformed_json"),
    ("single quotes", raw().replace(b'"', b"'"), "malformed_json"),
    ("NaN literal", NAN_LITERAL, "malformed_json"),
    ("Infinity literal", INF_LITERAL, "malformed_json"),
    ("-Infinity literal", NEG_INF_LITERAL, "malformed_json"),
    ("number overflowing to inf", HUGE_EXPONENT, "malformed_json"),
    ("5000 nested arrays", DEEP_ARRAYS, "malformed_json"),
    ("2000 nested objects in an extra field", DEEP_IN_FIELD, "malformed_json"),
    # encoding
    ("invalid UTF-8 bytes", BAD_UTF8_IN_VALUE, "encoding"),
    ("truncated UTF-8 sequence", TRUNCATED_UTF8, "encoding"),
    ("overlong UTF-8", OVERLONG_UTF8, "encoding"),
    ("UTF-8 encoded surrogate", ENCODED_SURROGATE, "encoding"),
    ("latin-1", LATIN1, "encoding"),
    ("lone 0xff", b"\xff", "encoding"),
    # too_large
    ("huge message", raw(pad="x" * 20_000), "too_large"),
    ("huge garbage", b"\x00" * (MAX_MESSAGE_BYTES + 1), "too_large"),
    ("10 MB", b"[" * 10_000_000, "too_large"),
    # not_an_object
    ("array", b"[]", "not_an_object"),
    ("array of record", b"[" + raw() + b"]", "not_an_object"),
    ("string", b'"cdr"', "not_an_object"),
    ("number", b"42", "not_an_object"),
    ("null", b"null", "not_an_object"),
    ("true", b"true", "not_an_object"),
    # missing_field
    *[(f"{k} missing", raw(**{k: DROP}), "missing_field") for k in REQUIRED],
    *[(f"{k} null", raw(**{k: None}), "missing_field") for k in REQUIRED],
    ("empty object", b"{}", "missing_field"),
    # wrong_type
    ("duration as string", raw(duration_s="42"), "wrong_type"),
    ("duration true", raw(duration_s=True), "wrong_type"),
    ("duration false", raw(duration_s=False), "wrong_type"),
    ("duration list", raw(duration_s=[42]), "wrong_type"),
    ("duration object", raw(duration_s={"s": 42}), "wrong_type"),
    ("start_time as epoch number", raw(start_time=1714569303), "wrong_type"),
    ("start_time as object", raw(start_time={"t": 1}), "wrong_type"),
    ("cdr_id number", raw(cdr_id=123), "wrong_type"),
    ("cdr_id bool", raw(cdr_id=True), "wrong_type"),
    ("cdr_id empty", raw(cdr_id=""), "wrong_type"),
    ("cdr_id of 257 chars", raw(cdr_id="c" * 257), "wrong_type"),
    ("cdr_id with a tab", raw(cdr_id="c\t1"), "wrong_type"),
    ("cdr_id with a newline", raw(cdr_id="c1\n"), "wrong_type"),
    ("cdr_id with NUL", raw(cdr_id="c\x001"), "wrong_type"),
    ("cdr_id with DEL", raw(cdr_id="c\x7f"), "wrong_type"),
    ("cdr_id with a C1 control", raw(cdr_id="c\x851"), "wrong_type"),
    ("cdr_id with an ANSI escape", raw(cdr_id="c\x1b[31m1"), "wrong_type"),
    ("cdr_id with a bidi override", raw(cdr_id="c\u202e1"), "wrong_type"),
    ("cdr_id with a zero-width space", raw(cdr_id="c\u200b1"), "wrong_type"),
    ("cdr_id with a line separator", raw(cdr_id="c\u20281"), "wrong_type"),
    ("cdr_id with a BOM", raw(cdr_id="\ufeffc1"), "wrong_type"),
    # bad_number
    *[
        (f"{field} {label}", raw(**{field: value}), "bad_number")
        for field in ("caller", "callee")
        for label, value in [
            ("no plus", "8613800138000"),
            ("letters", "+86abc0138000"),
            ("leading 0", "+0441632960123"),
            ("too long", "+1234567890123456"),
            ("too short", "+12"),
            ("only plus", "+"),
            ("spaces", "+86 138 0013 8000"),
            ("dashes", "+44-1632-960123"),
            ("double plus", "++441632960123"),
            ("arabic-indic digits", "+٤٤١٦٣٢٩٦٠١٢٣"),
            ("as integer", 8613800138000),
            ("as bool", True),
            ("as list", ["+441632960123"]),
        ]
    ],
    # bad_time
    *[
        (f"start_time {value!r}", raw(start_time=value), "bad_time")
        for value in [
            "2024-05-01T21:15:03+0800",  # ISO 8601 forms that RFC 3339 does not allow
            "2024-05-01T21:15:03+08",
            "2024-05-01T21:15:03+08:00:30",
            "2024-05-01 21:15:03+08:00",
            "2024-05-01T21:15+08:00",
            "2024-05-01T21.5+08:00",
            "2024-05-01T2115+08:00",
            "2024-05-01T21:15:03 +08:00",
            "2024-W18-3T21:15:03+08:00",
            "2024-05-01T21:15:03,5+08:00",
            "2024-05-01T211503+08:00",
            "2024-05-01T21:15:03.+08:00",
            "2024-05-01T21:15:03.1234567890Z",  # more than 9 fraction digits
            "20240501T211503Z",
            "2024-05-01T21:15:03+8:00",
            "2024-05-01T21:15:03+08:60",
            "2024-05-01T21:15:03Z\n",  # a trailing newline
            "2023-02-29T00:00:00Z",  # not a leap year
            "2100-02-29T00:00:00Z",  # nor is 2100
            "2024-04-31T00:00:00Z",
            "2024-00-10T00:00:00Z",
            "2024-05-00T00:00:00Z",
            "２０２４-05-01T21:15:03Z",  # full-width digits
            "2024-05-01T21:15:03",  # no offset
            "2024-05-01T21:15:03.250",  # no offset, fraction
            "2024-05-01",
            "21:15:03+08:00",
            "yesterday",
            "",
            "2024-13-01T00:00:00Z",
            "2024-02-30T00:00:00Z",
            "2024-05-01T25:00:00Z",
            "2024-05-01T21:61:00Z",
            "2024-05-01T21:15:61Z",
            "2024-05-01T21:15:99+08:00",
            "2024-05-01T21:15:0x+08:00",
            "2024-05-01T21:15:٠٣+08:00",  # non-ASCII digits in the seconds
            "2024-05-01T21:15:03+24:00",
            "2024-05-01X21:15:03+08:00",
            "Wed, 01 May 2024 21:15:03 +0800",
            "1714569303",
            "2024-05-01T21:15:03+08:00" + " " * 30,
        ]
    ],
    # time_out_of_range
    ("year 1970", raw(start_time="1970-01-01T00:00:00Z"), "time_out_of_range"),
    ("year 1999", raw(start_time="1999-12-31T23:59:59Z"), "time_out_of_range"),
    ("year 0001", raw(start_time="0001-01-01T00:00:00Z"), "time_out_of_range"),
    ("year 10000 in UTC", raw(start_time="9999-12-31T23:59:59-05:00"), "time_out_of_range"),
    ("last day of 9999 in UTC", raw(start_time="9999-12-31T00:00:01Z"), "time_out_of_range"),
    ("last day of 9999 at +14:00", raw(start_time="9999-12-31T10:00:00+14:00"), "time_out_of_range"),
    ("1999 at -01:00 (2000 in UTC)", raw(start_time="1999-12-31T23:00:00-01:00"), "time_out_of_range"),
    # bad_duration
    ("negative duration", raw(duration_s=-1), "bad_duration"),
    ("slightly negative duration", raw(duration_s=-0.001), "bad_duration"),
    ("duration over two days", raw(duration_s=MAX_DURATION_S + 0.001), "bad_duration"),
    ("absurd duration", raw(duration_s=1e300), "bad_duration"),
    ("huge integer duration", raw(duration_s=2**63 - 1), "bad_duration"),
    ("huge negative integer duration", raw(duration_s=-(2**63)), "bad_duration"),
    # bad_enum
    ("unknown disposition", raw(disposition="dropped"), "bad_enum"),
    ("upper-case disposition", raw(disposition="ANSWERED"), "bad_enum"),
    ("empty disposition", raw(disposition=""), "bad_enum"),
    ("numeric disposition", raw(disposition=1), "bad_enum"),
    ("bool disposition", raw(disposition=True), "bad_enum"),
    ("unknown record_type", raw(record_type="mms"), "bad_enum"),
    ("numeric record_type", raw(record_type=1), "bad_enum"),
    # bad_field
    ("imei too short", raw(imei="4901542032375"), "bad_field"),
    ("imei too long", raw(imei="49015420323751800"), "bad_field"),
    ("imei letters", raw(imei="49015420323751X"), "bad_field"),
    ("imei empty", raw(imei=""), "bad_field"),
    ("imei integer", raw(imei=490154203237518), "bad_field"),
    ("imei unicode digits", raw(imei="٤٩٠١٥٤٢٠٣٢٣٧٥١٨"), "bad_field"),
    ("cell_id integer", raw(cell_id=460), "bad_field"),
    ("cell_id empty", raw(cell_id=""), "bad_field"),
    ("cell_id too long", raw(cell_id="c" * 65), "bad_field"),
    ("cell_id control char", raw(cell_id="460-00\n1234"), "bad_field"),
    ("cell_id bidi override", raw(cell_id="460-00\u202e1234"), "bad_field"),
    ("cell_id object", raw(cell_id={"lac": 1}), "bad_field"),
]


@pytest.mark.parametrize("data, reason", [(d, r) for _, d, r in REJECT_CASES], ids=[i for i, _, _ in REJECT_CASES])
def test_bad_input_is_rejected_with_reason(data: bytes, reason: str) -> None:
    result = CdrParser().parse(data, line=7)
    assert isinstance(result, Reject), result
    assert result.reason == reason, result.detail
    assert result.reason in REJECT_REASONS
    assert result.detail and len(result.detail) <= 400
    assert result.line == 7
    assert result.raw == data


def test_every_parser_reason_has_a_concrete_case() -> None:
    covered = {reason for _, _, reason in REJECT_CASES}
    assert covered == set(REJECT_REASONS) - NOT_FROM_PARSER


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf"), -1e-9, 1e308])
def test_non_finite_duration_from_dict(value: float) -> None:
    result = CdrParser().from_dict(record(duration_s=value))
    assert isinstance(result, Reject) and result.reason == "bad_duration"


@pytest.mark.parametrize("value", [10**400, -(10**400), 2**1024, int(MAX_DURATION_S) + 1])
def test_from_dict_huge_integer_duration_is_rejected_not_raised(value: int) -> None:
    """Regression: an int beyond float range used to raise OverflowError in float(duration)."""
    result = CdrParser().from_dict(record(duration_s=value))
    assert isinstance(result, Reject) and result.reason == "bad_duration"
    assert len(result.detail) <= 400  # the 400-digit value is not echoed whole


def test_from_dict_matches_parse() -> None:
    p = CdrParser()
    assert p.from_dict(record()) == p.parse(raw())
    result = p.from_dict(record(duration_s="1"), b"raw", 3)
    assert isinstance(result, Reject) and (result.reason, result.raw, result.line) == ("wrong_type", b"raw", 3)


def test_reject_detail_does_not_echo_huge_values() -> None:
    result = parse(raw(caller="+" + "9" * 5000))
    assert isinstance(result, Reject) and result.reason == "bad_number"
    assert len(result.detail) < 200


def test_str_input_is_accepted_and_reject_raw_is_utf8() -> None:
    assert isinstance(parse(raw().decode()), Cdr)
    text = raw(cdr_id="é", duration_s=-5).decode()
    result = parse(text)
    assert isinstance(result, Reject) and result.reason == "bad_duration"
    assert result.raw == text.encode("utf-8")


@pytest.mark.parametrize("text", ['{"cdr_id": "\ud800"}', '{"cdr_id": "\udcff"}', "\udfff"])
def test_str_with_lone_surrogate_is_rejected_not_raised(text: str) -> None:
    """Regression: a lone surrogate in str input used to raise UnicodeEncodeError in _reject."""
    result = parse(text)
    assert isinstance(result, Reject) and result.reason == "encoding"
    # the kept raw is valid UTF-8 that shows the surrogate escaped (it cannot be encoded as itself)
    assert result.raw == text.encode("utf-8", "backslashreplace")
    result.raw.decode("utf-8")


def test_size_limit_counts_bytes_for_str_input() -> None:
    """Regression: for str input the limit used to count characters, so ~64 KB of UTF-8 got through."""
    text = raw(pad="\U0001f600" * 16_000).decode()
    assert len(text) <= MAX_MESSAGE_BYTES < len(text.encode("utf-8"))
    result = parse(text)
    assert isinstance(result, Reject) and result.reason == "too_large"
    assert str(len(text.encode("utf-8"))) in result.detail  # the detail reports bytes, not characters


def test_str_message_exactly_at_the_byte_limit_is_accepted() -> None:
    base = len(raw(pad=""))
    n, rest = divmod(MAX_MESSAGE_BYTES - base, 4)
    at_limit = raw(pad="\U0001f600" * n + "x" * rest).decode()
    assert len(at_limit.encode("utf-8")) == MAX_MESSAGE_BYTES
    assert isinstance(parse(at_limit), Cdr)
    over = raw(pad="\U0001f600" * n + "x" * (rest + 1)).decode()
    rej = parse(over)
    assert isinstance(rej, Reject) and rej.reason == "too_large"


# ------------------------------------------------------------------------------------ TimeParser

OFFSETS = st.integers(-(23 * 60 + 59), 23 * 60 + 59)
VALID_WALL = st.datetimes(min_value=datetime(2000, 1, 2), max_value=datetime(9998, 12, 30)).map(
    lambda d: d.replace(microsecond=0)
)


@st.composite
def rfc3339_strings(draw: st.DrawFn, fraction: bool = False) -> str:
    wall = draw(VALID_WALL)
    off = draw(OFFSETS | st.just(0))
    zulu = off == 0 and draw(st.booleans())
    frac = ""
    if fraction:
        frac = "." + draw(st.text(string.digits, min_size=1, max_size=6))
    return rfc3339(wall, off, zulu, frac)


@FAST
@given(rfc3339_strings())
def test_fast_time_path_agrees_with_fromisoformat(s: str) -> None:
    tp = TimeParser()
    assert tp.parse(s) == reference_time(s)
    assert tp.parse(s) == reference_time(s)  # second time from the cache


@FAST
@given(rfc3339_strings(fraction=True))
def test_fractional_time_path_agrees_with_fromisoformat(s: str) -> None:
    assert TimeParser().parse(s) == reference_time(s)


#: Fractional times the compiled parser once put one ULP off fromisoformat (mypyc's int / int converted
#: ``whole * 10**6 + micros`` to a float first, inexact past 2**53 microseconds, ~2255): found by hypothesis in
#: the two tests above only now and then, so pinned here; the first is 2**53 microseconds and a bit.
FAR_FRACTIONS = ["2255-06-05T23:47:34.740993Z", "2256-10-09T23:22:50.723985-08:00", "2541-01-01T00:00:00.00001+00:00",
                 "2541-03-28T05:18:20.208550-08:00", "6537-11-21T06:11:44.206442+05:30", "9999-08-16T22:11:03.268626Z"]


@pytest.mark.parametrize("s", FAR_FRACTIONS)
def test_far_future_fractional_times_agree_with_fromisoformat(s: str) -> None:
    assert TimeParser().parse(s) == reference_time(s) == TimeParser._slow(s)
    cdr = CdrParser().from_dict(record(start_time=s))
    assert isinstance(cdr, Cdr) and (cdr.start, cdr.utc_offset_min) == reference_time(s)


@FAST
@given(
    st.lists(
        st.tuples(
            st.sampled_from([datetime(2024, 5, 1, 21, 15), datetime(2024, 5, 1, 21, 16), datetime(2031, 1, 1, 0, 0),
                             datetime(2024, 2, 29, 23, 59)]),
            st.integers(0, 59),
            st.sampled_from([0, 480, -330, 60, 845]),
            st.booleans(),
        ),
        min_size=1,
        max_size=60,
    ),
    st.integers(1, 4),
)
def test_time_cache_stays_bounded_and_correct_when_cleared(
    stamps: list[tuple[datetime, int, int, bool]], max_entries: int
) -> None:
    """Few distinct minutes, a tiny cache: hits, misses and clears all give fromisoformat's answer."""
    tp = TimeParser(max_entries=max_entries)
    for minute, sec, off, zulu in stamps:
        s = rfc3339(minute.replace(second=sec), off, zulu and off == 0)
        assert tp.parse(s) == reference_time(s)
        assert len(tp._cache) <= max_entries


def test_time_cache_is_bounded_over_many_minutes() -> None:
    tp = TimeParser(max_entries=100)
    start = datetime(2024, 1, 1)
    for i in range(1_000):
        s = rfc3339(start + timedelta(minutes=i, seconds=i % 60), 60)
        assert tp.parse(s) == reference_time(s)
        assert len(tp._cache) <= 100


ISO_TAILS = ["Z", "z", "+08:00", "-05:30", "+00:00", "+24:00", "+08:60", "", "+0800", "+08", ".5Z", ".25+08:00",
             ".1234Z", ".12+08", ",5Z", "+08:00:30", "Z ", "+8:00", "-00:00"]


@FAST
@given(
    st.integers(1990, 2100), st.integers(0, 13), st.integers(0, 32), st.integers(0, 25), st.integers(0, 61),
    st.integers(0, 99), st.sampled_from(ISO_TAILS), st.sampled_from("Tt X"),
)
def test_fast_and_slow_time_paths_agree_on_iso_like_strings(
    year: int, month: int, day: int, hour: int, minute: int, second: int, tail: str, sep: str
) -> None:
    """The cache is an optimisation: it must never change which strings are accepted or their value.

    Out-of-range fields (month 13, day 32, hour 25, second 60 or 99, offset +24:00) exercise cache misses that
    fail, and cache hits that must fail too.
    """
    s = f"{year:04d}-{month:02d}-{day:02d}{sep}{hour:02d}:{minute:02d}:{second:02d}{tail}"
    tp = TimeParser()
    expected = TimeParser._slow(s)
    assert tp.parse(s) == expected
    assert tp.parse(s) == expected  # and again, from the cache


@pytest.mark.parametrize("s", ["2024-05-01T21:15:60+08:00", "2024-05-01T21:15:60Z", "2016-12-31T23:59:60Z",
                               "2016-12-31T23:59:60.5Z", "2016-12-31T23:59:60z"])
def test_second_60_is_a_leap_second_read_as_the_next_minute(s: str) -> None:
    """RFC 3339 allows second 60 (a leap second); like POSIX time it is read as the next minute's :00.

    The same on both paths, whether or not the minute is already cached (the parser used to refuse it, as
    ``datetime.fromisoformat`` does, while the schema allowed it).
    """
    frac = 0.5 if ".5" in s else 0.0
    next_minute = reference_time(s[:17] + "00" + s[19:].replace(".5", "").replace("z", "Z"))[0] + 60
    expected = (next_minute + frac, reference_time(s[:17] + "00" + s[19:].replace("z", "Z"))[1])
    assert TimeParser._slow(s) == expected
    tp = TimeParser()
    assert tp.parse(s) == expected
    assert tp.parse(s[:17] + "00" + s[19:]) is not None  # caches the minute
    assert tp.parse(s) == expected  # and a cache hit agrees
    result = parse(raw(start_time=s))
    assert isinstance(result, Cdr) and result.start == expected[0]


@pytest.mark.parametrize("sec", ["61", "75", "99", "6x", "٦٠", "-1", "+1", " 1"])
def test_seconds_past_60_or_not_two_ascii_digits_are_refused_on_every_path(sec: str) -> None:
    for tail in ("+08:00", "Z"):
        s = f"2024-05-01T21:15:{sec}{tail}"
        tp = TimeParser()
        assert tp.parse(s) is None
        assert tp.parse(f"2024-05-01T21:15:00{tail}") is not None  # the minute is now cached
        assert tp.parse(s) is None
        assert TimeParser._slow(s) is None


# ------------------------------------------------------------------------------------ format_time

# Event times a stream can carry: 2000..2200.  (Beyond ~2242 a float epoch no longer holds microseconds
# exactly and format_time's millisecond truncation can lose 1 ms; see the report, not tested.)
YEAR_2200 = datetime(2200, 1, 1, tzinfo=timezone.utc).timestamp()
# (from a day after MIN_EPOCH: the range is on the local date, so 2000-01-01T00:00Z is 1999 at negative offsets)
REALISTIC_EPOCH_MS = st.integers((int(MIN_EPOCH) + 86_400) * 1000, int(YEAR_2200) * 1000)
REALISTIC_WALL = st.datetimes(min_value=datetime(2000, 1, 2), max_value=datetime(2199, 12, 30))


@FAST
@given(REALISTIC_EPOCH_MS, OFFSETS)
def test_format_time_round_trips_through_the_parser(ms: int, off: int) -> None:
    epoch = ms / 1000
    s = format_time(epoch, off)
    assert RFC3339.fullmatch(s), s
    assert TimeParser().parse(s) == (epoch, off)


@FAST
@given(REALISTIC_WALL, OFFSETS, st.integers(0, 999_999))
def test_parse_then_format_preserves_the_instant(wall: datetime, off: int, micros: int) -> None:
    s = rfc3339(wall.replace(microsecond=0), off, frac=f".{micros:06d}")
    epoch, parsed_off = TimeParser().parse(s)  # type: ignore[misc]
    again = TimeParser().parse(format_time(epoch, parsed_off))
    assert again is not None
    assert again[1] == parsed_off == off
    # format_time keeps milliseconds (truncated): the instant comes back at most 1 ms early, never late
    assert 0.0 <= epoch - again[0] < 1e-3
    assert again[0] == reference_time(rfc3339(wall.replace(microsecond=0), off, frac=f".{micros // 1000:03d}"))[0]


def test_format_time_known_values() -> None:
    assert format_time(GOOD_START, 480) == "2024-05-01T21:15:03.250+08:00"
    assert format_time(MIN_EPOCH) == "2000-01-01T00:00:00+00:00"
    assert format_time(MIN_EPOCH, -330) == "1999-12-31T18:30:00-05:30"


def test_every_accepted_time_can_be_formatted() -> None:
    """Regression: '9999-12-31T23:59:59-05:00' (year 10000 in UTC) used to be accepted, and format_time then
    raised ValueError('year 10000 is out of range'), so an alert on such a record crashed alert_to_dict.

    TimeParser still reads it (it is RFC 3339); the record is refused as time_out_of_range (local date
    9999-12-31).  The last accepted local time, 9999-12-30T23:59:59, formats back in UTC and in its own offset
    whatever the offset.
    """
    s = "9999-12-31T23:59:59-05:00"
    parsed = TimeParser().parse(s)
    assert parsed is not None and parsed[0] > MAX_EPOCH
    result = parse(raw(start_time=s))
    assert isinstance(result, Reject) and result.reason == "time_out_of_range"
    for off in (-(23 * 60 + 59), -300, 0, 480, 23 * 60 + 59):
        s = rfc3339(datetime(9999, 12, 30, 23, 59, 59), off)  # whole seconds: a float this far out holds ~30 us
        last = parse(raw(start_time=s))
        assert isinstance(last, Cdr) and last.utc_offset_min == off
        assert format_time(last.start, off) == s
        assert TimeParser().parse(format_time(last.start)) == (last.start, 0)
        first = parse(raw(start_time=rfc3339(datetime(2000, 1, 1), off)))
        assert isinstance(first, Cdr)
        assert TimeParser().parse(format_time(first.start, off)) == (first.start, off)
        assert TimeParser().parse(format_time(first.start)) == (first.start, 0)


@FAST
@given(st.datetimes(min_value=datetime(9999, 12, 27), max_value=datetime(9999, 12, 31, 23, 59, 59)),
       st.sampled_from(["", ".5", ".999"]), OFFSETS)
def test_accepted_records_near_the_top_of_the_range_can_be_formatted(wall: datetime, frac: str, off: int) -> None:
    """Any instant the parser accepts (here: the last days before 10000 written at any offset) formats back."""
    s = rfc3339(wall.replace(microsecond=0), off, frac=frac)
    result = parse(raw(start_time=s))
    assert isinstance(result, (Cdr, Reject))
    if isinstance(result, Reject):
        assert result.reason == "time_out_of_range" and wall.date() == datetime(9999, 12, 31).date()
        return
    assert wall.date() < datetime(9999, 12, 31).date()
    for fmt_off in (off, 0):
        again = TimeParser().parse(format_time(result.start, fmt_off))
        assert again is not None and again[1] == fmt_off
        # milliseconds kept, truncated; this far out a float epoch holds ~30 us, so allow one more ms (see
        # REALISTIC_EPOCH_MS above: exact round trips are only checked up to 2200)
        assert 0.0 <= result.start - again[0] < 2e-3


# ------------------------------------------------------------------------------------ robustness

JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
)
JSON_VALUES = st.recursive(
    JSON_SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
FIELD_NAMES = st.sampled_from([*GOOD, "extra"]) | st.text(max_size=8)


def check_result(result: object, data: bytes | None = None) -> None:
    assert isinstance(result, (Cdr, Reject))
    if isinstance(result, Reject):
        assert result.reason in REJECT_REASONS and result.reason not in NOT_FROM_PARSER
        assert isinstance(result.detail, str) and result.detail
        if data is not None:
            assert result.raw == data


@FAST
@given(st.binary(max_size=400))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    check_result(CdrParser().parse(data), data)


@FAST
@given(st.text(max_size=400))
def test_arbitrary_text_never_raises(text: str) -> None:
    check_result(CdrParser().parse(text), text.encode("utf-8"))


@FAST
@given(st.dictionaries(FIELD_NAMES, JSON_VALUES | st.integers(), max_size=12))
def test_arbitrary_objects_never_raise(obj: dict[str, Any]) -> None:
    check_result(CdrParser().from_dict(obj))
    try:
        data = orjson.dumps(obj)
    except TypeError:  # integers beyond 64 bits cannot be JSON-encoded by orjson
        return
    check_result(CdrParser().parse(data), data)


@FAST
@given(st.lists(st.sampled_from([b"{", b"}", b"[", b"]", b'"', b":", b",", b"1", b"-", b"e", b"\\", b"\xff",
                                 b"\x00", b"null", b"NaN", b'"cdr_id"', b" "]), max_size=60))
def test_json_like_garbage_never_raises(parts: list[bytes]) -> None:
    data = b"".join(parts)
    check_result(CdrParser().parse(data), data)


# ------------------------------------------------------------------------------------ parser vs schema

E164 = st.from_regex(r"\+[1-9][0-9]{2,14}", fullmatch=True)
# Characters the id rule refuses (the schema's $defs.text lists the same); everything else is allowed,
# unassigned code points, private use and non-ASCII spaces included.
FORBIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ud800-\udfff]")
ID_CHARS = st.characters(codec="utf-8").filter(lambda c: FORBIDDEN.match(c) is None)
PRINTABLE_ID = st.text(ID_CHARS, min_size=1, max_size=256) | st.text(string.printable.strip() + " ", min_size=1,
                                                                    max_size=256)


@st.composite
def schema_valid_cdrs(draw: st.DrawFn) -> dict[str, Any]:
    """Records valid under cdr.schema.json (any of them: parser and schema are meant to agree everywhere)."""
    wall = draw(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(9999, 12, 30, 23, 59, 59)))
    off = draw(OFFSETS)
    frac = draw(st.sampled_from(["", ".5", ".250", ".123456", ".1234567", ".000000001"]))
    t_sep = draw(st.sampled_from("Tt"))
    start = rfc3339(wall.replace(microsecond=0), off, off == 0 and draw(st.booleans()), frac)
    start = start[:10] + t_sep + start[11:]
    if start.endswith("Z") and draw(st.booleans()):
        start = start[:-1] + "z"
    if draw(st.integers(0, 9)) == 0:
        start = start[:17] + "60" + start[19:]  # a leap second
    rec: dict[str, Any] = {
        "cdr_id": draw(PRINTABLE_ID),
        "caller": draw(E164),
        "callee": draw(E164),
        "start_time": start,
        "duration_s": draw(st.integers(0, int(MAX_DURATION_S)) | st.floats(0, MAX_DURATION_S)),
        "disposition": draw(st.sampled_from(DISPOSITIONS)),
    }
    optional = {
        "record_type": st.sampled_from([*RECORD_TYPES, None]),
        "cell_id": st.none() | st.text(string.ascii_letters + string.digits + "-_ ", min_size=1, max_size=64)
        | st.text(ID_CHARS, min_size=1, max_size=64),
        "imei": st.none() | st.from_regex(r"[0-9]{14,16}", fullmatch=True),
    }
    for key, strategy in optional.items():
        if draw(st.booleans()):
            rec[key] = draw(strategy)
    for key, value in draw(st.dictionaries(st.text(max_size=10).filter(lambda k: k not in GOOD), JSON_VALUES,
                                           max_size=3)).items():
        rec[key] = value
    return rec


@FAST
@given(schema_valid_cdrs())
def test_schema_valid_records_parse(rec: dict[str, Any]) -> None:
    assert CDR_VALIDATOR.is_valid(rec), list(CDR_VALIDATOR.iter_errors(rec))
    data = orjson.dumps(rec)
    cdr = CdrParser().parse(data)
    assert isinstance(cdr, Cdr), (cdr.reason, cdr.detail)  # type: ignore[union-attr]
    assert (cdr.cdr_id, cdr.caller, cdr.callee, cdr.disposition) == (
        rec["cdr_id"], rec["caller"], rec["callee"], rec["disposition"]
    )
    assert cdr.duration == float(rec["duration_s"])
    assert (cdr.start, cdr.utc_offset_min) == expected_time(rec["start_time"])
    assert cdr.record_type == (rec.get("record_type") or "voice")
    assert cdr.cell_id == rec.get("cell_id") and cdr.imei == rec.get("imei")


NEAR_MISS = {
    "cdr_id": st.text(max_size=300),
    "caller": st.from_regex(r"\+?[0-9]{0,17}", fullmatch=True),
    "callee": st.from_regex(r"\+?[0-9a]{0,17}", fullmatch=True),
    "start_time": st.from_regex(RFC3339.pattern, fullmatch=True) | rfc3339_strings(fraction=True),
    "duration_s": st.floats(-10, 2 * MAX_DURATION_S) | st.integers(-10, 10**6) | st.text(string.digits, max_size=4),
    "disposition": st.sampled_from([*DISPOSITIONS, "ANSWERED", "", "ok"]),
    "record_type": st.sampled_from([*RECORD_TYPES, None, "mms", 1]),
    "cell_id": st.none() | st.text(max_size=70) | st.integers(-1000, 1000),
    "imei": st.none() | st.from_regex(r"[0-9x]{12,18}", fullmatch=True),
}


@FAST
@given(schema_valid_cdrs(), st.data())
def test_accepted_records_validate_against_schema(rec: dict[str, Any], data: st.DataObject) -> None:
    """Mutate a valid record field by field; whatever the parser accepts, the schema must accept too."""
    for key in data.draw(st.lists(st.sampled_from(sorted(NEAR_MISS)), max_size=4, unique=True)):
        choice = data.draw(st.sampled_from(["near", "json", "drop"]))
        if choice == "drop":
            rec.pop(key, None)
        elif choice == "json":
            rec[key] = data.draw(JSON_VALUES)
        else:
            rec[key] = data.draw(NEAR_MISS[key])
    encoded = orjson.dumps(rec)
    result = CdrParser().parse(encoded)
    check_result(result, encoded)
    if isinstance(result, Cdr):
        assert CDR_VALIDATOR.is_valid(rec), [e.message for e in CDR_VALIDATOR.iter_errors(rec)]


# Concrete records on which parser and schema once gave different verdicts, each with the verdict both give now
# (True: valid).  Decided by the contract: RFC 3339 with an offset (lower-case z and leap seconds are RFC 3339;
# ISO 8601 forms outside it are not), E.164 ('+', a non-zero country code, digits), identifiers without
# control characters, and the local-date range (2000-01-01 .. 9999-12-30) written into the schema's pattern.
SETTLED: list[tuple[str, dict[str, Any], bool]] = [
    # the schema was looser than the parser: the schema now says what the parser checks
    ("cdr_id with a tab", {"cdr_id": "c\t1"}, False),
    ("cdr_id of 257 chars", {"cdr_id": "c" * 257}, False),
    ("cdr_id of 256 chars", {"cdr_id": "c" * 256}, True),
    ("caller with a 0 after +", {"caller": "+0441632960123"}, False),
    ("year 10000 in UTC", {"start_time": "9999-12-31T23:59:59-05:00"}, False),
    ("after 9999-12-31T00:00Z", {"start_time": "9999-12-31T12:00:00Z"}, False),
    ("year 1999", {"start_time": "1999-12-31T23:59:59Z"}, False),
    ("30 February", {"start_time": "2024-02-30T21:15:03Z"}, False),
    ("29 February 2023", {"start_time": "2023-02-29T21:15:03Z"}, False),
    ("29 February 2024", {"start_time": "2024-02-29T21:15:03Z"}, True),
    ("29 February 2000", {"start_time": "2000-02-29T21:15:03Z"}, True),
    ("29 February 2100", {"start_time": "2100-02-29T21:15:03Z"}, False),
    ("31 April", {"start_time": "2024-04-31T21:15:03Z"}, False),
    ("empty cell_id", {"cell_id": ""}, False),
    ("cell_id of 65 chars", {"cell_id": "c" * 65}, False),
    ("cell_id with a newline", {"cell_id": "460-00\n1234"}, False),
    ("E.164 with a trailing newline", {"caller": "+441632960123\n"}, False),
    ("imei with a trailing newline", {"imei": "490154203237518\n"}, False),
    ("time with a trailing newline", {"start_time": "2024-05-01T21:15:03Z\n"}, False),
    # the parser was stricter than RFC 3339: it now reads these
    ("lower-case z offset", {"start_time": "2024-05-01T21:15:03z"}, True),
    ("leap second with fraction", {"start_time": "2016-12-31T23:59:60.5Z"}, True),
    ("leap second", {"start_time": "2016-12-31T23:59:60Z"}, True),
    ("second 60 at any minute", {"start_time": "2024-05-01T21:15:60+08:00"}, True),
    # the parser took ISO 8601 forms that RFC 3339 does not allow: it now refuses them
    ("basic offset +0800", {"start_time": "2024-05-01T21:15:03+0800"}, False),
    ("hour-only offset +08", {"start_time": "2024-05-01T21:15:03+08"}, False),
    ("offset with seconds", {"start_time": "2024-05-01T21:15:03+08:00:30"}, False),
    ("space separator", {"start_time": "2024-05-01 21:15:03+08:00"}, False),
    ("no seconds", {"start_time": "2024-05-01T21:15+08:00"}, False),
    ("fractional hour", {"start_time": "2024-05-01T21.5+08:00"}, False),
    ("hhmm without seconds", {"start_time": "2024-05-01T2115+08:00"}, False),
    ("space before the offset", {"start_time": "2024-05-01T21:15:03 +08:00"}, False),
    ("ISO week date", {"start_time": "2024-W18-3T21:15:03+08:00"}, False),
    ("comma decimal", {"start_time": "2024-05-01T21:15:03,5+08:00"}, False),
    ("basic time format", {"start_time": "2024-05-01T211503+08:00"}, False),
    ("dot without fraction digits", {"start_time": "2024-05-01T21:15:03.+08:00"}, False),
    ("ten fraction digits", {"start_time": "2024-05-01T21:15:03.1234567890+08:00"}, False),
    ("nine fraction digits", {"start_time": "2024-05-01T21:15:03.123456789+08:00"}, True),
    # identifiers: the rule is a fixed list of refused characters, not Python's str.isprintable
    ("cdr_id with a no-break space", {"cdr_id": "c\u00a01"}, True),
    ("cdr_id with a private-use character", {"cdr_id": "c\ue0001"}, True),
    ("cdr_id with a bidi override", {"cdr_id": "c\u202e1"}, False),
    ("cdr_id with a C1 control", {"cdr_id": "c\x851"}, False),
]


@pytest.mark.parametrize("changes, valid", [(c, v) for _, c, v in SETTLED], ids=[i for i, _, _ in SETTLED])
def test_parser_and_schema_agree(changes: dict[str, Any], valid: bool) -> None:
    rec = record(**changes)
    result = CdrParser().parse(orjson.dumps(rec))
    check_result(result)
    assert CDR_VALIDATOR.is_valid(rec) == valid
    assert isinstance(result, Cdr) == valid, result


# ------------------------------------------------------------------------------------ fast path vs general path

FAST_SHAPE: dict[str, Any] = {**GOOD, "start_time": "2024-05-01T21:15:03+08:00", "duration_s": 42}
NEAR_FAST = {
    "cdr_id": st.sampled_from(["c-1", "", "c" * 256, "c" * 257, "c\t1", "c\u00a01", "c\u202e1", "\x7f"])
    | st.text(max_size=8),
    "caller": st.sampled_from(["+441632960123", "+0441632960123", "+12", "+123", "+1234567890123456", "+44١"])
    | st.from_regex(r"\+?[0-9a]{0,17}", fullmatch=True),
    "callee": E164 | st.sampled_from(["441632960123", "+441632960123\n", ""]),
    "start_time": st.sampled_from(["2024-05-01T21:15:60+08:00", "2024-05-01T21:15:61+08:00", "1999-12-31T23:59:59Z",
                                   "9999-12-31T00:00:00+01:00", "9999-12-30T23:59:59+01:00", "2024-05-01T21:15:03z",
                                   "2024-05-01T21:15:٠٣+08:00", "2024-05-01T21:15:03+08:0x", "2024-02-30T00:00:00Z"])
    | st.from_regex(r"20[0-9]{2}-[01][0-9]-[0-3][0-9][Tt ][0-2][0-9]:[0-6][0-9]:[0-6][0-9]([Zz]|[+-][0-2][0-9]:[0-6][0-9])",
                    fullmatch=True),
    "duration_s": st.sampled_from([0, -0.0, 172_800, 172_801, 172_800.5, -1, True, None, "1", 2**70, float("nan")])
    | st.floats(-1, 2e5),
    "disposition": st.sampled_from([*DISPOSITIONS, "Answered", "", None, 1]),
    "record_type": st.sampled_from([*RECORD_TYPES, None, "mms", 0, DROP]),
    "cell_id": st.sampled_from([None, "", "c" * 64, "c" * 65, "a\nb", "\u00e9", DROP, 5]),
    "imei": st.sampled_from([None, "1" * 14, "1" * 16, "1" * 13, "1" * 17, "١" * 15, "1" * 14 + "x", DROP, 1]),
}


def general(obj: dict[str, Any]) -> Cdr | Reject:
    """The general path alone, on a fresh parser (empty caches)."""
    return CdrParser()._validate(obj, b"", None)


@FAST
@given(st.lists(st.fixed_dictionaries({}, optional=NEAR_FAST), min_size=1, max_size=12))
def test_fast_path_and_general_path_agree_on_near_misses_of_the_common_shape(changes: list[dict[str, Any]]) -> None:
    """One parser (caches warming up across the list) against the general path on a fresh parser each time:
    the same Cdr with the same values, or the same reject with the same detail."""
    p = CdrParser()
    for change in changes:
        rec = record(**{**FAST_SHAPE, **change})
        assert p.from_dict(rec) == general(rec), rec
        assert p.from_dict(rec) == general(rec), rec  # and again, with whatever the first call cached


@FAST
@given(st.lists(schema_valid_cdrs(), min_size=1, max_size=8))
def test_fast_path_and_general_path_agree_on_valid_records(recs: list[dict[str, Any]]) -> None:
    p = CdrParser()
    for rec in recs:
        expected = general(rec)
        assert isinstance(expected, Cdr)
        assert p.from_dict(rec) == expected
        assert p.parse(orjson.dumps(rec)) == expected


@FAST
@given(st.dictionaries(FIELD_NAMES, JSON_VALUES | st.integers(), max_size=12))
def test_fast_path_and_general_path_agree_on_arbitrary_objects(obj: dict[str, Any]) -> None:
    p = CdrParser()
    p.from_dict(record())  # warm the caches
    assert p.from_dict(obj) == general(obj)


class _Watched(dict):  # type: ignore[type-arg]
    """A record that notes the keys read with ``get()``.  The general path, ``_validate``, reads every field so,
    starting with ``cdr_id``; the fast path reads the required fields by subscription and only the optional
    ones with ``get()`` (compiled, its ``get`` is mypyc's dict primitive, which does not call this override)."""

    def __init__(self, rec: dict[str, Any], seen: list[str]) -> None:
        super().__init__(rec)
        self.seen = seen

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        self.seen.append(key)
        return super().get(key, default)


def test_the_common_shape_takes_the_fast_path() -> None:
    """Guard against a fast path that silently never fires (its agreement with the general path would then
    be vacuous): a record of the common shape is decided without the general path reading it.

    Watched through the record, not by subclassing CdrParser: an interpreted class cannot subclass a
    compiled one, and compiled code calls ``_validate`` directly, so this runs on both builds."""
    p = CdrParser()
    seen: list[str] = []
    for i in range(100):
        rec = record(**{**FAST_SHAPE, "cdr_id": f"c-{i}", "start_time": f"2024-05-01T21:{i % 60:02d}:{i % 61:02d}+08:00"})
        assert isinstance(p.from_dict(_Watched(rec, seen)), Cdr)
    assert "cdr_id" not in seen
    # the watch itself works: a record the fast path refuses is read by the general path
    assert isinstance(p.from_dict(_Watched(record(caller="+0441632960123"), seen)), Reject)
    assert seen.count("cdr_id") == 1


@given(st.text(max_size=20) | st.from_regex(r"\+[0-9]{1,17}", fullmatch=True))
def test_ascii_digits_is_isdigit_and_isascii(text: str) -> None:
    """The E.164 and IMEI checks use sketches.ascii_digits (compiled, a machine-int loop): the loop and the
    build's own choice are checked here against the slice and the two str methods they replace."""
    for start in (0, 2):
        expected = text[start:].isdigit() and text[start:].isascii()
        assert ascii_digits(text, start) == expected
        assert _ascii_digits_loop(text, start) == expected


def test_printable_text_has_no_forbidden_character() -> None:
    """The fast path accepts a cdr_id or cell_id on ``isprintable()`` alone, ASCII or not: sound only while no
    character ``_FORBIDDEN_CHARS`` refuses (all in the BMP) is printable."""
    forbidden = [chr(c) for c in range(0x10000) if _FORBIDDEN_CHARS.match(chr(c))]
    assert len(forbidden) > 200 and not any(c.isprintable() for c in forbidden)


TIME_LIKE = st.from_regex(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{0,10})?([Zz]|[+-][0-9]{2}:?[0-9]{2})?",
    fullmatch=True,
) | rfc3339_strings(fraction=True) | rfc3339_strings()


@FAST
@given(st.lists(TIME_LIKE, min_size=1, max_size=30), st.integers(1, 3))
def test_time_caches_agree_with_the_general_path(stamps: list[str], max_entries: int) -> None:
    """Both cache levels (whole strings, minutes), tiny so that they clear, against _slow on every string."""
    tp = TimeParser(max_entries=max_entries, max_exact=max_entries)
    for s in stamps * 2:
        expected = TimeParser._slow(s)
        assert tp.parse(s) == expected, s
        checked = tp.parse_checked(s)
        assert (checked is None) == (expected is None)
        in_range = tp.in_range(s)
        if expected is None:
            assert in_range is None
        else:
            assert checked is not None and checked[:2] == expected
            assert in_range == (expected if checked[2] else None)
            local_date = s[:10]
            assert checked[2] == ("2000-01-01" <= local_date <= "9999-12-30")
        assert len(tp._cache) <= max_entries and len(tp._exact) <= max_entries
