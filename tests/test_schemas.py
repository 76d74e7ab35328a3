"""Contract tests of the CDR and alert JSON Schemas, and of the packaged copy matching schemas/."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from detector.records import DISPOSITIONS, RECORD_TYPES, TYPOLOGIES
from detector.schemas import SCHEMA_NAMES, load_schema, schema_filename
from tests.samples import GOOD_CDR

REPO = Path(__file__).resolve().parents[1]

GOOD_ALERT: dict[str, Any] = {
    "alert_id": "a-8613800138000-1",
    "number": "+8613800138000",
    "detected_at": "2024-05-01T13:15:03Z",
    "emitted_at": "2024-05-01T13:15:04.101Z",
    "score": 0.97,
    "severity": "high",
    "typology": "wangiri",
    "reasons": [
        {
            "feature": "short_call_ratio",
            "value": 0.93,
            "baseline": 0.12,
            "text": "93% of calls in the last hour lasted under 3 s, against 12% for similar numbers.",
        }
    ],
    "trigger_cdr_id": "c-000001",
    "model_version": "2024.05.0",
    "episode": 1,
    "calls_seen": 118,
}

CDR_REQUIRED = ("cdr_id", "caller", "callee", "start_time", "duration_s", "disposition")
ALERT_REQUIRED = tuple(GOOD_ALERT)


def validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(load_schema(name), format_checker=Draft202012Validator.FORMAT_CHECKER)


def with_(record: dict[str, Any], **changes: Any) -> dict[str, Any]:
    out = copy.deepcopy(record)
    out.update(changes)
    return out


def without(record: dict[str, Any], key: str) -> dict[str, Any]:
    out = copy.deepcopy(record)
    del out[key]
    return out


# ------------------------------------------------------------------------------------ packaging


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_packaged_copy_is_byte_identical_to_schemas_dir(name: str) -> None:
    canonical = (REPO / "schemas" / schema_filename(name)).read_bytes()
    packaged = (REPO / "detector" / "_schemas" / schema_filename(name)).read_bytes()
    assert packaged == canonical, "run: cp schemas/*.schema.json detector/_schemas/"


def test_no_stray_schema_files() -> None:
    canonical = sorted(p.name for p in (REPO / "schemas").glob("*.json"))
    packaged = sorted(p.name for p in (REPO / "detector" / "_schemas").glob("*.json"))
    assert canonical == packaged == sorted(schema_filename(n) for n in SCHEMA_NAMES)


def test_load_schema_returns_fresh_dicts_and_rejects_unknown_names() -> None:
    first = load_schema("cdr")
    first["title"] = "mutated"
    assert load_schema("cdr")["title"] != "mutated"
    with pytest.raises(ValueError, match="unknown schema"):
        load_schema("nope")


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_schema_is_valid_2020_12(name: str) -> None:
    schema = load_schema(name)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


def test_enums_match_records_constants() -> None:
    cdr, alert = load_schema("cdr"), load_schema("alert")
    assert tuple(cdr["properties"]["disposition"]["enum"]) == DISPOSITIONS
    assert tuple(v for v in cdr["properties"]["record_type"]["enum"] if v is not None) == RECORD_TYPES
    assert tuple(alert["properties"]["typology"]["enum"]) == TYPOLOGIES


# ------------------------------------------------------------------------------------ CDR


def test_good_cdr_validates() -> None:
    validator("cdr").validate(GOOD_CDR)


@pytest.mark.parametrize(
    "optional", [{"record_type": None}, {"cell_id": None}, {"imei": None}, {"record_type": "sms"}, {"duration_s": 0}]
)
def test_cdr_optional_and_nullable_fields(optional: dict[str, Any]) -> None:
    validator("cdr").validate(with_(GOOD_CDR, **optional))


@pytest.mark.parametrize("key", ["record_type", "cell_id", "imei"])
def test_cdr_optional_fields_may_be_missing(key: str) -> None:
    validator("cdr").validate(without(GOOD_CDR, key))


@pytest.mark.parametrize("key", CDR_REQUIRED)
def test_cdr_missing_required_field_fails(key: str) -> None:
    assert not validator("cdr").is_valid(without(GOOD_CDR, key))


def test_cdr_extra_fields_allowed() -> None:
    validator("cdr").validate(with_(GOOD_CDR, switch_id="MSC-7", charge={"amount": 1.2}))


@pytest.mark.parametrize(
    "bad",
    [
        {"record_type": "mms"},
        {"disposition": "dropped"},
        {"disposition": None},
        {"cdr_id": ""},
        {"caller": "8613800138000"},
        {"caller": "+86 138 0013 8000"},
        {"callee": "+12"},
        {"callee": "+1234567890123456"},
        {"callee": "+44abc"},
        {"start_time": "2024-05-01T21:15:03"},
        {"start_time": "2024-05-01"},
        {"start_time": "yesterday"},
        {"duration_s": -1},
        {"duration_s": 172800.5},
        {"duration_s": "42"},
        {"imei": "4901542032375"},
        {"imei": "49015420323751800"},
        {"imei": "49015420323751X"},
        {"cell_id": 460},
        {"cell_id": ""},
        {"cell_id": "c" * 65},
        {"cdr_id": "c" * 257},
        {"cdr_id": "c\t1"},
        {"cdr_id": "c\u202e1"},
        {"caller": "+0441632960123"},
        {"caller": "+441632960123\n"},
        {"imei": "490154203237518\n"},
        {"start_time": "2024-05-01T21:15:03Z\n"},
        {"start_time": "2024-05-01T21:15:03+0800"},
        {"start_time": "2024-05-01 21:15:03+08:00"},
        {"start_time": "2023-02-29T21:15:03Z"},
        {"start_time": "1999-12-31T23:59:59Z"},
        {"start_time": "9999-12-31T00:00:00Z"},
    ],
)
def test_cdr_bad_values_fail(bad: dict[str, Any]) -> None:
    assert not validator("cdr").is_valid(with_(GOOD_CDR, **bad))


@pytest.mark.parametrize(
    "good",
    [
        {"start_time": "2024-05-01t21:15:03z"},
        {"start_time": "2016-12-31T23:59:60Z"},
        {"start_time": "2024-02-29T21:15:03.123456789-05:30"},
        {"start_time": "2000-01-01T00:00:00Z"},
        {"start_time": "9999-12-30T23:59:59+23:59"},
        {"cdr_id": "c" * 256},
        {"cdr_id": "appel-\u00e9t\u00e9 \u00a0\U0001f600"},
        {"cell_id": "c" * 64},
    ],
)
def test_cdr_good_edge_values_validate(good: dict[str, Any]) -> None:
    validator("cdr").validate(with_(GOOD_CDR, **good))


def test_cdr_duration_limit_is_inclusive() -> None:
    validator("cdr").validate(with_(GOOD_CDR, duration_s=86400 * 2))


@pytest.mark.parametrize("number", ["+123", "+123456789012345"])
def test_e164_length_bounds(number: str) -> None:
    validator("cdr").validate(with_(GOOD_CDR, caller=number))


# ------------------------------------------------------------------------------------ alert


def test_good_alert_validates() -> None:
    validator("alert").validate(GOOD_ALERT)
    validator("alert").validate(with_(GOOD_ALERT, escalation=True, calls_seen=0, score=0, episode=3))


@pytest.mark.parametrize("key", ALERT_REQUIRED)
def test_alert_missing_required_field_fails(key: str) -> None:
    assert not validator("alert").is_valid(without(GOOD_ALERT, key))


@pytest.mark.parametrize("key", ["feature", "value", "baseline", "text"])
def test_alert_reason_missing_field_fails(key: str) -> None:
    reasons = [without(GOOD_ALERT["reasons"][0], key)]
    assert not validator("alert").is_valid(with_(GOOD_ALERT, reasons=reasons))


@pytest.mark.parametrize(
    "bad",
    [
        {"severity": "urgent"},
        {"typology": "fraud"},
        {"number": "0044123456"},
        {"number": "+44-1632-960123"},
        {"score": 1.01},
        {"score": -0.1},
        {"episode": 0},
        {"episode": 1.5},
        {"calls_seen": -1},
        {"reasons": []},
        {"reasons": [{"feature": "x", "value": "high", "baseline": 0.1, "text": "t"}]},
        {"detected_at": "2024-05-01 13:15:03"},
        {"emitted_at": "not a time"},
        {"escalation": "yes"},
        {"alert_id": ""},
        {"unexpected": 1},
    ],
)
def test_alert_bad_values_fail(bad: dict[str, Any]) -> None:
    assert not validator("alert").is_valid(with_(GOOD_ALERT, **bad))
