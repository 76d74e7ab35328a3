"""detector.evaluate: hand-computed scores on small label/alert sets, bars, bad input, properties."""

from __future__ import annotations

import argparse
import gzip
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from detector.evaluate import (
    EXAMPLES,
    UNLABELED,
    Bars,
    EvaluationInputError,
    EvaluationReport,
    LabelRow,
    Summary,
    add_arguments,
    check_bars,
    evaluate,
    format_text,
    quantile,
    read_alerts,
    read_labels,
    run,
)
from detector.records import TYPOLOGIES

T0 = datetime(2024, 5, 1, tzinfo=UTC)
E0 = T0.timestamp()


def at(minutes: float) -> str:
    """RFC 3339 time ``minutes`` after T0, written with a +02:00 offset to exercise offset handling."""
    return (T0 + timedelta(minutes=minutes)).astimezone(timezone(timedelta(hours=2))).isoformat()


def fraud(number: str, typology: str, start_min: float = 0.0) -> LabelRow:
    return LabelRow(number, "fraud", typology, E0 + start_min * 60)


def legit(number: str, profile: str) -> LabelRow:
    return LabelRow(number, "legit", profile)


def alert(number: str, typology: str, minutes: float) -> dict[str, Any]:
    return {"number": number, "typology": typology, "detected_at": at(minutes), "score": 0.9}


LABELS = [
    fraud("+100001", "wangiri"),
    fraud("+100002", "wangiri"),
    fraud("+100003", "wangiri"),  # never alerted
    fraud("+200001", "simbox", start_min=60),
    fraud("+200002", "simbox"),  # alerted before its fraud_start: early
    legit("+300001", "courier"),
    legit("+300002", "courier"),
    legit("+400001", "ordinary"),
    legit("+400002", "ordinary"),
    legit("+400003", "ordinary"),
    legit("+400004", "ordinary"),
]

ALERTS = [
    alert("+100001", "wangiri", 2),
    alert("+100001", "wangiri", 10),  # duplicate for the same number: still one true positive
    alert("+100002", "robocall", 4),  # first alert has the wrong typology...
    alert("+100002", "wangiri", 6),  # ...a later one the right one
    alert("+200001", "simbox", 80),
    alert("+200001", "anomaly", 75),  # later in the file but earlier in time: this is the first alert
    alert("+200002", "simbox", -5),
    alert("+300001", "wangiri", 0),  # courier false alarm
    alert("+400001", "anomaly", 0),  # ordinary false alarm
    alert("+999999", "irsf", 0),  # not in the labels
]

CDR_TIMES = {
    "+100001": [E0 - 60, E0, E0 + 60, E0 + 120, E0 + 180],  # in [start, 2 min]: 3 (trigger included)
    "+100002": [E0 + 300, E0 + 30, E0 + 240],  # unsorted on purpose; in [start, 4 min]: 2
    "+200001": [E0 + 3599, E0 + 4500],  # start 60 min, first alert 75 min: 1
    "+200002": [E0 - 600, E0 - 300],  # early: 0
}


def pair(summary: Summary | None) -> tuple[float | None, float | None]:
    """(median, p90), for pytest.approx, which compares tuples but not dataclasses."""
    assert summary is not None
    return summary.median, summary.p90


@pytest.fixture
def report() -> EvaluationReport:
    return evaluate(LABELS, ALERTS, CDR_TIMES)


# ------------------------------------------------------------------------------------ overall


def test_precision_and_recall_by_number(report: EvaluationReport) -> None:
    assert report.alerts == 10
    assert report.alerted_numbers == 7
    assert report.true_positives == 4
    assert report.false_positives == 3
    assert report.fraud_numbers == 5
    assert report.legit_numbers == 6
    assert report.precision == pytest.approx(4 / 7)
    assert report.recall == pytest.approx(4 / 5)


def test_per_typology_detection_and_accuracy(report: EvaluationReport) -> None:
    assert list(report.typologies) == ["wangiri", "simbox"]  # TYPOLOGIES order, only labelled ones
    wangiri, simbox = report.typologies["wangiri"], report.typologies["simbox"]
    assert (wangiri.count, wangiri.detected, wangiri.missed_numbers) == (3, 2, ["+100003"])
    assert wangiri.recall == pytest.approx(2 / 3)
    assert wangiri.typology_accuracy_first == pytest.approx(0.5)
    assert wangiri.typology_accuracy_any == pytest.approx(1.0)
    assert (simbox.count, simbox.detected, simbox.recall) == (2, 2, 1.0)
    assert simbox.typology_accuracy_first == pytest.approx(0.5)  # +200001's first alert said anomaly
    assert simbox.typology_accuracy_any == pytest.approx(1.0)


def test_time_to_detect_minutes_with_early_alert(report: EvaluationReport) -> None:
    wangiri, simbox = report.typologies["wangiri"], report.typologies["simbox"]
    assert pair(wangiri.ttd_minutes) == pytest.approx((3.0, 3.8))  # [2, 4]
    assert (wangiri.early, wangiri.early_numbers) == (0, [])
    assert pair(simbox.ttd_minutes) == pytest.approx((7.5, 13.5))  # [15, 0 early]
    assert (simbox.early, simbox.early_numbers) == (1, ["+200002"])


def test_time_to_detect_calls(report: EvaluationReport) -> None:
    assert pair(report.typologies["wangiri"].ttd_calls) == pytest.approx((2.5, 2.9))
    assert pair(report.typologies["simbox"].ttd_calls) == pytest.approx((0.5, 0.9))


def test_time_to_detect_from_the_numbers_own_first_call(report: EvaluationReport) -> None:
    """From each number's first outbound record at or after its fraud_start: +100001 2.0 (its call at the
    start), +100002 3.5 (first call at 30 s, alert at 4 min); +200001 0.0 (it first called at 75 min, the
    alert's minute); +200002 has no call since its start and is left out."""
    assert pair(report.typologies["wangiri"].ttd_own_minutes) == pytest.approx((2.75, 3.35))
    assert pair(report.typologies["simbox"].ttd_own_minutes) == pytest.approx((0.0, 0.0))


def test_records_in_the_first_minutes_of_every_labelled_number_found_or_not(report: EvaluationReport) -> None:
    """What a detection within 5 (30) minutes of fraud_start has to go on: +100001 4 records in [start, +5 min]
    (the one before its start left out), +100002 3 (the one at exactly +5 min counts), +100003 none (never
    alerted, counted all the same); +200001 none in 5 min and 1 in 30 (its start is at 60 min, its record a
    second before is not its), +200002 none."""
    wangiri, simbox = report.typologies["wangiri"], report.typologies["simbox"]
    assert pair(wangiri.records_first_5_min) == pytest.approx((3.0, 3.8))
    assert pair(wangiri.records_first_30_min) == pytest.approx((3.0, 3.8))
    assert pair(simbox.records_first_5_min) == pytest.approx((0.0, 0.0))
    assert pair(simbox.records_first_30_min) == pytest.approx((0.5, 0.9))
    assert report.to_dict()["typologies"]["simbox"]["records_first_30_min"]["median"] == pytest.approx(0.5)


def test_time_to_detect_calls_is_null_without_cdrs() -> None:
    report = evaluate(LABELS, ALERTS, None)
    assert report.typologies["wangiri"].ttd_calls is None
    assert report.typologies["wangiri"].ttd_own_minutes is None
    assert report.to_dict()["typologies"]["wangiri"]["ttd_calls"] is None


def test_false_alarms_per_profile_and_unlabeled(report: EvaluationReport) -> None:
    assert list(report.profiles) == ["courier", "ordinary", UNLABELED]
    courier, ordinary, unlabeled = (report.profiles[p] for p in ("courier", "ordinary", UNLABELED))
    assert (courier.count, courier.false_alarms, courier.false_alarm_numbers) == (2, 1, ["+300001"])
    assert courier.false_alarm_rate == pytest.approx(0.5)
    assert (ordinary.count, ordinary.false_alarms) == (4, 1)
    assert ordinary.false_alarm_rate == pytest.approx(0.25)
    assert (unlabeled.count, unlabeled.false_alarms, unlabeled.false_alarm_rate) == (1, 1, None)


def test_the_text_names_numbers_to_look_at(report: EvaluationReport) -> None:
    """Missed fraud and false alarms by number, a few of each, so an analyst can run ``explain`` on them."""
    text = format_text(report)
    assert "missed wangiri: +100003" in text and "false alarm courier: +300001" in text
    many = evaluate([fraud(f"+1{i:05d}", "robocall") for i in range(EXAMPLES + 2)], [])
    line = next(x for x in format_text(many).splitlines() if x.strip().startswith("missed robocall:"))
    assert len(line.split(":")[1].split()) == EXAMPLES + 1 and line.endswith(" ...")  # five, then "..."
    assert "numbers to look at" not in format_text(evaluate([fraud("+1", "wangiri")], [alert("+1", "wangiri", 1)]))


def test_duplicate_alerts_counted_once() -> None:
    labels = [fraud("+1", "wangiri"), legit("+2", "ordinary")]
    alerts = [alert("+1", "wangiri", 1)] * 5 + [alert("+2", "wangiri", 1)] * 5
    report = evaluate(labels, alerts)
    assert (report.alerts, report.alerted_numbers, report.precision) == (10, 2, 0.5)
    assert report.profiles["ordinary"].false_alarms == 1


def test_tie_on_detected_at_keeps_input_order() -> None:
    labels = [fraud("+1", "wangiri")]
    report = evaluate(labels, [alert("+1", "robocall", 1), alert("+1", "wangiri", 1)])
    assert report.typologies["wangiri"].typology_accuracy_first == 0.0


def test_no_alerts_no_labels_gives_none_not_a_division_error() -> None:
    report = evaluate([], [])
    assert (report.precision, report.recall, report.typologies, report.profiles) == (None, None, {}, {})
    report = evaluate([fraud("+1", "irsf")], [])
    assert report.precision is None and report.recall == 0.0
    stats = report.typologies["irsf"]
    assert stats.ttd_minutes == Summary(None, None) and stats.typology_accuracy_first is None


def test_quantile_linear_interpolation() -> None:
    assert quantile([], 0.5) is None
    assert quantile([7.0], 0.9) == 7.0
    assert quantile([4.0, 1.0, 3.0, 2.0], 0.5) == pytest.approx(2.5)
    assert quantile(list(map(float, range(11))), 0.9) == pytest.approx(9.0)


# ------------------------------------------------------------------------------------ bars


def test_default_bars_fail_on_hand_built_set(report: EvaluationReport) -> None:
    failures = check_bars(report)
    assert len(failures) == 3, failures
    assert any(f.startswith("precision 0.571") for f in failures)
    assert any("recall of wangiri 0.667" in f for f in failures)
    assert any("profile courier" in f for f in failures)


def test_ttd_bar_fast_and_slow_typologies() -> None:
    labels = [fraud("+1", "robocall"), fraud("+2", "irsf")]
    slow = evaluate(labels, [alert("+1", "robocall", 6), alert("+2", "irsf", 29)])
    assert check_bars(slow) == ["median time to detect robocall 6.0 min > 5.0 min"]
    assert check_bars(slow, Bars(max_median_ttd_fast_min=6.0)) == []
    slower = evaluate(labels, [alert("+1", "robocall", 5), alert("+2", "irsf", 31)])
    assert check_bars(slower) == ["median time to detect irsf 31.0 min > 30.0 min"]


def test_bars_pass_on_perfect_detection() -> None:
    labels = [fraud(f"+1{i}", t) for i, t in enumerate(TYPOLOGIES)] + [
        legit("+21", "courier"),
        legit("+22", "call_centre"),
        legit("+23", "taxi_dispatch"),
    ]
    alerts = [alert(f"+1{i}", t, 1) for i, t in enumerate(TYPOLOGIES)]
    assert check_bars(evaluate(labels, alerts)) == []


def test_any_alert_on_call_centre_fails_even_with_high_precision() -> None:
    labels = [fraud(f"+1{i}", "wangiri") for i in range(100)] + [legit("+2", "call_centre")]
    alerts = [alert(f"+1{i}", "wangiri", 1) for i in range(100)] + [alert("+2", "wangiri", 1)]
    report = evaluate(labels, alerts)
    assert report.precision is not None and report.precision > 0.99
    assert check_bars(report) == ["1 number(s) alerted in profile call_centre, which must have none"]


def test_no_detection_fails_recall_only() -> None:
    assert check_bars(evaluate([fraud("+1", "takeover")], [])) == ["recall of takeover 0.000 < 0.95"]


# ------------------------------------------------------------------------------------ files and CLI


def write_labels(path: Path, rows: list[str]) -> Path:
    path.write_text("number,label,typology,fraud_start\n" + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


def write_jsonl(path: Path, lines: list[bytes]) -> Path:
    data = b"".join(line + b"\n" for line in lines)
    if path.suffix == ".gz":
        path.write_bytes(gzip.compress(data))
    else:
        path.write_bytes(data)
    return path


def cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return run(parser.parse_args(argv))


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    labels = write_labels(
        tmp_path / "labels.csv",
        [
            f"+100001,fraud,wangiri,{at(0)}",
            f"+100002,fraud,scam_farm,{at(0)}",
            "+300001,legit,courier,",
            "+400001,legit,ordinary,",
        ],
    )
    alerts = write_jsonl(
        tmp_path / "alerts.jsonl",
        [orjson.dumps(alert("+100001", "wangiri", 3)), b"", orjson.dumps(alert("+999", "anomaly", 1))],
    )

    def cdr(caller: str, minutes: float) -> bytes:
        return orjson.dumps(
            {"cdr_id": "c", "caller": caller, "callee": "+44123", "start_time": at(minutes), "duration_s": 1}
        )

    cdrs = write_jsonl(
        tmp_path / "cdrs.jsonl.gz",
        [cdr("+100001", -1), cdr("+100001", 1), cdr("+44123", 2), b"{broken", cdr("+100001", 3), cdr("+100001", 4)],
    )
    return {"labels": labels, "alerts": alerts, "cdrs": cdrs, "json": tmp_path / "report.json"}


def test_cli_text_and_json_file(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--labels", str(files["labels"]), "--alerts", str(files["alerts"]), "--cdrs", str(files["cdrs"])]
    assert cli(argv + ["--json", str(files["json"])]) == 0
    out, err = capsys.readouterr()
    assert "typology" in out and "wangiri" in out and "unlabeled" in out and "bars failed" in out
    assert "1 unparsable line(s)" in err
    document = orjson.loads(files["json"].read_bytes())
    assert document["precision"] == 0.5 and document["recall"] == 0.5
    assert document["typologies"]["wangiri"]["ttd_minutes"] == {"median": 3.0, "p90": 3.0}
    assert document["typologies"]["wangiri"]["ttd_calls"] == {"median": 2.0, "p90": 2.0}
    assert document["typologies"]["scam_farm"]["missed_numbers"] == ["+100002"]
    assert document["profiles"]["unlabeled"]["false_alarm_numbers"] == ["+999"]
    assert document["bars"]["passed"] is False


def test_cli_json_stdout_and_check_bars_exit_code(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--labels", str(files["labels"]), "--alerts", str(files["alerts"]), "--format", "json"]
    assert cli(argv + ["--check-bars"]) == 1
    document = orjson.loads(capsys.readouterr().out)
    assert document["typologies"]["wangiri"]["ttd_calls"] is None
    assert document["bars"]["failures"]


def test_cli_check_bars_passes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    labels = write_labels(tmp_path / "l.csv", [f"+1,fraud,irsf,{at(0)}", "+2,legit,courier,"])
    alerts = write_jsonl(tmp_path / "a.jsonl.gz", [orjson.dumps(alert("+1", "irsf", 10))])
    assert cli(["--labels", str(labels), "--alerts", str(alerts), "--check-bars"]) == 0
    assert "bars: all passed" in capsys.readouterr().out


# ------------------------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (f"+1,frud,wangiri,{at(0)}", "label must be 'fraud' or 'legit'"),
        ("+1,fraud,wangiri,", "fraud row needs a fraud_start"),
        (f"+1,fraud,phishing,{at(0)}", "fraud typology must be one of"),
        (f"+1,legit,courier,{at(0)}", "legit row must have an empty fraud_start"),
        ("+1,fraud,wangiri,2024-05-01T00:00:00", "no UTC offset"),
        ("+1,fraud,wangiri,last tuesday", "not an RFC 3339 date-time"),
        ("+1,legit", "too few fields"),
        ("+1,legit,courier,,extra", "too many fields"),
        (",legit,courier,", "number is empty"),
        (f"+1,courier,wangiri,{at(0)}", "label must be 'fraud' or 'legit'"),
    ],
)
def test_malformed_label_row_names_its_line(tmp_path: Path, row: str, message: str) -> None:
    path = write_labels(tmp_path / "labels.csv", ["+9,legit,ordinary,", row])
    with pytest.raises(EvaluationInputError) as caught:
        read_labels(path)
    assert "labels.csv line 3: " in str(caught.value) and message in str(caught.value)
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    ("row", "label", "typology"),
    [
        ("+1,legit,courier,", "legit", "courier"),
        ("+1,courier,,", "legit", "courier"),  # the label column names the honest profile
        ("+1,call_centre,call_centre,", "legit", "call_centre"),
        ("+1,legit,,", "legit", "unspecified"),
        ("+1,Legit,,", "legit", "unspecified"),
        (f"+1,wangiri,,{at(0)}", "fraud", "wangiri"),  # the label column names the fraud
        (f"+1,FRAUD,irsf,{at(0)}", "fraud", "irsf"),
    ],
)
def test_other_generators_label_conventions_are_read(tmp_path: Path, row: str, label: str, typology: str) -> None:
    (got,) = read_labels(write_labels(tmp_path / "labels.csv", [row]))
    assert (got.label, got.typology) == (label, typology)


def test_labels_header_and_duplicates(tmp_path: Path) -> None:
    bad_header = tmp_path / "h.csv"
    bad_header.write_text("number,label,profile\n+1,legit,courier\n", encoding="utf-8")
    with pytest.raises(EvaluationInputError, match=r"h.csv line 1: header lacks column\(s\) typology, fraud_start"):
        read_labels(bad_header)
    twice = write_labels(tmp_path / "d.csv", ["+1,legit,courier,", "+2,legit,courier,", "+1,legit,ordinary,"])
    with pytest.raises(EvaluationInputError, match=r"labels line 4: number \+1 is labelled twice \(first on line 2\)"):
        evaluate(read_labels(twice), [])


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (b"{not json", "not valid JSON"),
        (b"[1, 2]", "alert must be a JSON object"),
        (b'{"typology": "wangiri", "detected_at": "2024-05-01T00:00:00Z"}', "alert has no 'number' string"),
        (b'{"number": "+1", "typology": "fraud", "detected_at": "2024-05-01T00:00:00Z"}', "alert typology must be"),
        (b'{"number": "+1", "typology": "wangiri"}', "alert has no 'detected_at' string"),
        (b'{"number": "+1", "typology": "wangiri", "detected_at": "2024-05-01T00:00:00"}', "no UTC offset"),
    ],
)
def test_malformed_alert_line_names_its_line(tmp_path: Path, line: bytes, message: str) -> None:
    path = write_jsonl(tmp_path / "alerts.jsonl", [orjson.dumps(alert("+1", "wangiri", 0)), b"   ", line])
    with pytest.raises(EvaluationInputError) as caught:
        list(read_alerts(path))
    assert "alerts.jsonl line 3: " in str(caught.value) and message in str(caught.value)


def test_malformed_alert_dict_names_its_position() -> None:
    with pytest.raises(EvaluationInputError, match="alert #2: alert has no 'number' string"):
        evaluate([], [alert("+1", "wangiri", 0), {"typology": "wangiri"}])


def test_cli_bad_input_exit_2_without_traceback(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    files["alerts"].write_bytes(orjson.dumps(alert("+1", "wangiri", 0)) + b"\n{oops\n")
    assert cli(["--labels", str(files["labels"]), "--alerts", str(files["alerts"])]) == 2
    out, err = capsys.readouterr()
    assert "alerts.jsonl line 2: not valid JSON" in err and "Traceback" not in err and out == ""
    assert cli(["--labels", str(files["labels"]) + ".missing", "--alerts", str(files["alerts"])]) == 2
    assert "No such file" in capsys.readouterr().err


# ------------------------------------------------------------------------------------ properties

label_specs = st.lists(
    st.tuples(st.booleans(), st.sampled_from(TYPOLOGIES), st.sampled_from(["ordinary", "courier", "taxi_dispatch"])),
    max_size=15,
)
alert_specs = st.lists(st.tuples(st.integers(0, 20), st.sampled_from(TYPOLOGIES), st.integers(-120, 600)), max_size=30)


def build(
    labels_spec: list[tuple[bool, str, str]], alerts_spec: list[tuple[int, str, int]]
) -> tuple[list[LabelRow], list[dict[str, Any]]]:
    """Numbers +1000..: the first len(labels_spec) are labelled, the rest of the alert range unlabeled."""
    labels = [
        fraud(f"+{1000 + i}", typology) if is_fraud else legit(f"+{1000 + i}", profile)
        for i, (is_fraud, typology, profile) in enumerate(labels_spec)
    ]
    alerts = [alert(f"+{1000 + n}", typology, minutes) for n, typology, minutes in alerts_spec]
    return labels, alerts


@given(label_specs, alert_specs)
def test_precision_and_recall_in_unit_interval(
    labels_spec: list[tuple[bool, str, str]], alerts_spec: list[tuple[int, str, int]]
) -> None:
    labels, alerts = build(labels_spec, alerts_spec)
    report = evaluate(labels, alerts)
    assert report.precision is None or 0.0 <= report.precision <= 1.0
    assert report.recall is None or 0.0 <= report.recall <= 1.0
    assert (report.precision is None) == (not alerts)
    for stats in report.typologies.values():
        assert 0.0 <= stats.recall <= 1.0
        assert stats.ttd_minutes.median is None or stats.ttd_minutes.median >= 0.0


@given(label_specs, alert_specs, st.sampled_from(TYPOLOGIES), st.integers(-120, 600))
def test_alert_on_unlabeled_number_never_raises_precision(
    labels_spec: list[tuple[bool, str, str]], alerts_spec: list[tuple[int, str, int]], typology: str, minutes: int
) -> None:
    labels, alerts = build(labels_spec, alerts_spec)
    before = evaluate(labels, alerts).precision
    after = evaluate(labels, alerts + [alert("+5550000", typology, minutes)]).precision
    assert after is not None
    assert after <= (before if before is not None else 0.0)


def test_cli_truncated_gzip_exit_2(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    truncated = files["cdrs"].with_name("cut.jsonl.gz")
    truncated.write_bytes(files["cdrs"].read_bytes()[:-12])
    argv = ["--labels", str(files["labels"]), "--alerts", str(files["alerts"]), "--cdrs", str(truncated)]
    assert cli(argv) == 2
    assert "error:" in capsys.readouterr().err
