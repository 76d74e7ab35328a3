"""``explain``: a number's records through the detector with what the rules made of each.  The trace must be the
replay's own decisions (same alerts, same ids), cover every record of the numbers asked about, and show the
candidate each alert was raised on; the command refuses what it cannot trace."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest

from detector.cli import main
from detector.engine import Engine
from detector.explain import MAX_NUMBERS, NumberTrace, TraceRow, summary_lines
from detector.policy import PolicyConfig
from detector.replay import open_lines, run_replay
from streams import replayed_alerts, small_world


@pytest.fixture(scope="module")
def stream(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_world(tmp_path_factory.mktemp("explain"), seed=7)


@pytest.fixture(scope="module")
def replayed(stream: Path, tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    alerts = replayed_alerts(stream, tmp_path_factory.mktemp("explain-replay"))
    assert len({a["number"] for a in alerts}) >= 4, "the stream must alert on several numbers"
    return alerts


@pytest.fixture(scope="module")
def chosen(stream: Path, replayed: list[dict]) -> list[str]:
    """Three numbers that alerted and the busiest caller that did not."""
    alerted = list(dict.fromkeys(a["number"] for a in replayed))[:3]
    callers = Counter(json.loads(line)["caller"] for line in (stream / "cdrs.jsonl").open())
    quiet = next(n for n, _ in callers.most_common() if n not in {a["number"] for a in replayed})
    return [*alerted, quiet]


@pytest.fixture(scope="module")
def traced(stream: Path, chosen: list[str]) -> tuple[list[TraceRow], NumberTrace]:
    rows: list[TraceRow] = []
    trace = NumberTrace(Engine(), chosen, rows.append)
    for lineno, raw in enumerate(open_lines(str(stream / "cdrs.jsonl")), 1):
        trace.feed(raw.rstrip(b"\n"), lineno)
    trace.close()
    return rows, trace


def test_the_trace_raises_the_replays_alerts(replayed: list[dict], chosen: list[str],
                                             traced: tuple[list[TraceRow], NumberTrace]) -> None:
    rows, _ = traced
    got = [(a.alert_id, a.severity, a.typology, a.score) for r in rows for a in r.alerts]
    want = [(a["alert_id"], a["severity"], a["typology"], a["score"]) for a in replayed if a["number"] in chosen]
    assert got == want and got


def test_tracing_changes_no_decision(replayed: list[dict], traced: tuple[list[TraceRow], NumberTrace]) -> None:
    _, trace = traced
    assert trace.engine.counts.to_dict()["alerts"] == len(replayed)
    assert trace.engine.detector.after_caller is None  # closed: the engine runs on untraced


def test_every_record_of_a_number_is_a_row(stream: Path, chosen: list[str],
                                           traced: tuple[list[TraceRow], NumberTrace]) -> None:
    rows, trace = traced
    want: Counter[tuple[str, str]] = Counter()
    for line in (stream / "cdrs.jsonl").open():
        r = json.loads(line)
        if r["caller"] in chosen:
            want[(r["caller"], "out")] += 1
        if r["callee"] in chosen:
            want[(r["callee"], "in")] += 1
    assert Counter((r.number, r.direction) for r in rows) == want
    for n in chosen:
        s = trace.summaries[n]
        assert (s.records_out, s.records_in) == (want[(n, "out")], want[(n, "in")])


def test_each_alert_stands_on_a_candidate_over_the_threshold(traced: tuple[list[TraceRow], NumberTrace]) -> None:
    rows, _ = traced
    threshold = PolicyConfig().alert_threshold
    caller_alerts = [r for r in rows if r.alerts and r.direction == "out"]
    assert caller_alerts
    for r in caller_alerts:
        assert r.scored and r.candidate is not None and r.candidate[1] >= threshold
        assert r.candidate[0] == r.alerts[0].typology
        # the candidate is the rules' best score, read from the same state the row shows
        assert r.candidate[1] == pytest.approx(max(r.scores.values()))
    for r in rows:
        if r.candidate is not None and r.direction == "out":
            assert r.scored


def test_rows_carry_features_and_serialise(traced: tuple[list[TraceRow], NumberTrace]) -> None:
    rows, _ = traced
    out = next(r for r in rows if r.direction == "out" and r.cdr.record_type == "voice")
    d = json.loads(json.dumps(out.to_dict()))
    assert d["features"]["calls"] >= 1 and 0.0 <= d["features"]["unanswered"] <= 1.0
    assert set(d["scores"]) == {"wangiri", "robocall", "scam_farm", "simbox", "irsf", "takeover"}
    assert d["other_party"] == out.cdr.callee
    assert datetime.fromisoformat(d["time"]).timestamp() == pytest.approx(out.cdr.start, abs=1.0)
    inbound = [r for r in rows if r.direction == "in"]
    assert inbound and all(r.features and not r.scores and r.to_dict()["cell_id"] is None for r in inbound)
    assert " out " in out.line() and out.line().startswith(d["time"])


def test_summaries_say_how_close_and_why(chosen: list[str], traced: tuple[list[TraceRow], NumberTrace]) -> None:
    rows, trace = traced
    threshold = PolicyConfig().alert_threshold
    for n in chosen[:3]:
        text = "\n".join(summary_lines(n, trace.summaries[n], threshold))
        assert "ALERT" in text and "    - " in text  # the alert and its reasons
    quiet = "\n".join(summary_lines(chosen[3], trace.summaries[chosen[3]], threshold))
    assert "no alert" in quiet
    ever_scored = any(r.scored for r in rows if r.number == chosen[3])
    assert ("highest scores" in quiet) == ever_scored and ("never scored" in quiet) == (not ever_scored)
    assert summary_lines("+440000000000", type(trace.summaries[chosen[0]])(), threshold) == [
        "+440000000000: no records in the stream"]


def test_the_command_prints_rows_and_summaries_and_writes_json(
        stream: Path, chosen: list[str], replayed: list[dict], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "trace.jsonl"
    rc = main(["explain", str(stream / "cdrs.jsonl"), "--number", chosen[0], "--number", "+440000000000",
               "--json", str(out)])
    assert rc == 0
    printed = capsys.readouterr().out
    assert f"{chosen[0]}: " in printed and "+440000000000: no records in the stream" in printed
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert lines and {x["number"] for x in lines} == {chosen[0]}
    assert [a["alert_id"] for x in lines for a in x["alerts"]] == [
        a["alert_id"] for a in replayed if a["number"] == chosen[0]]
    assert sum(1 for x in printed.splitlines() if x.startswith("20")) == len(lines)
    main(["explain", str(stream / "cdrs.jsonl"), "--number", chosen[0], "--summary-only"])
    assert not any(x.startswith("20") for x in capsys.readouterr().out.splitlines())


@pytest.mark.parametrize("args, message", [
    (["--number", "447700900123"], "not an E.164 number"),
    (["--number", "+44 7700"], "not an E.164 number"),
    ([x for i in range(MAX_NUMBERS + 1) for x in ("--number", f"+4477009{i:05d}")], f"at most {MAX_NUMBERS}"),
])
def test_the_command_refuses_what_it_cannot_trace(stream: Path, args: list[str], message: str,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", str(stream / "cdrs.jsonl"), *args]) == 2
    assert message in capsys.readouterr().err


def test_a_saved_state_is_where_the_trace_starts(stream: Path, chosen: list[str], replayed: list[dict],
                                                 tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """explain --state goes on from a replay's saved state, exactly as the replay would, and leaves it as it was."""
    lines = (stream / "cdrs.jsonl").read_bytes().splitlines(keepends=True)
    cut = len(lines) // 2
    (tmp_path / "one.jsonl").write_bytes(b"".join(lines[:cut]))
    (tmp_path / "two.jsonl").write_bytes(b"".join(lines[cut:]))
    state = tmp_path / "state.pkl"
    run_replay(str(tmp_path / "one.jsonl"), tmp_path / "a.jsonl", state_path=state, show_progress=False)
    saved = state.read_bytes()
    first = {a["alert_id"] for a in map(json.loads, (tmp_path / "a.jsonl").read_text().splitlines())}
    out = tmp_path / "trace.jsonl"
    assert main(["explain", str(tmp_path / "two.jsonl"), "--state", str(state), "--json", str(out),
                 *[x for n in chosen for x in ("--number", n)]]) == 0
    got = [a["alert_id"] for row in map(json.loads, out.read_text().splitlines()) for a in row["alerts"]]
    want = [a["alert_id"] for a in replayed if a["number"] in chosen and a["alert_id"] not in first]
    assert got == want and got and state.read_bytes() == saved
    assert f"explain: {len(lines) - cut:,} records read" in capsys.readouterr().err
    assert main(["explain", str(tmp_path / "two.jsonl"), "--state", str(tmp_path / "a.jsonl"),
                 "--number", chosen[0]]) == 2  # not a state file


def test_the_help_states_the_limit(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["explain", "--help"])
    assert f"at most {MAX_NUMBERS}" in " ".join(capsys.readouterr().out.split())


def test_a_missing_file_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", str(tmp_path / "nope.jsonl"), "--number", "+447700900123"]) == 2
    assert "no such file" in capsys.readouterr().err
