"""The operator's allowlist: parsed strictly, applied by the policy, counted (never silently dropped) by the
replay and the worker alike, exported as a metric, and not saved with a replay's state."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from detector.allowlist import Allowlist, AllowlistError
from detector.cli import main
from detector.counts import Counts
from detector.policy import AlertPolicy, Episode
from detector.records import Candidate
from detector.replay import run_replay
from streams import replayed_alerts, small_world


@pytest.fixture(scope="module")
def stream(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_world(tmp_path_factory.mktemp("allow"), seed=5)


@pytest.fixture(scope="module")
def baseline(stream: Path, tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    alerts = replayed_alerts(stream, tmp_path_factory.mktemp("allow-base"))
    assert len({a["number"] for a in alerts}) >= 6, "the stream must alert on several numbers to test withholding"
    return alerts


def _without_wall_clock(alerts: list[dict]) -> list[dict]:
    return [{k: v for k, v in a.items() if k != "emitted_at"} for a in alerts]


# -- the file ---------------------------------------------------------------------------------------------
def test_numbers_prefixes_comments_and_spaces_are_read() -> None:
    allow = Allowlist.parse(["# ACME call centre (ticket 4711)", "", "+442071234567",
                             "  +44207123456*   # the DID block", "+49 30 1234 5678"])
    assert allow.numbers == {"+442071234567", "+493012345678"} and allow.prefixes == {"+44207123456"}
    assert allow.covers("+442071234567") and allow.covers("+442071234560") and allow.covers("+493012345678")
    assert not allow.covers("+44207123457") and not allow.covers("+4420712345")  # outside, and shorter
    assert not allow.covers("+4930123456780")  # an exact entry covers only itself
    assert not Allowlist().covers("+442071234567") and len(allow) == 3


@pytest.mark.parametrize("line", ["442071234567", "+44 20 x", "+", "+*", "*", "+1234567890123456",
                                  "+44207123456**", "+٤٤٢٠٧"])
def test_a_bad_line_is_an_error_naming_file_and_line(line: str) -> None:
    with pytest.raises(AllowlistError, match=r"^ops\.txt:3: expected \+digits"):
        Allowlist.parse(["# ok", "+442071234567", line], "ops.txt")


def test_an_unreadable_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(AllowlistError, match="cannot read"):
        Allowlist.read(tmp_path / "missing.txt")
    (tmp_path / "latin1.txt").write_bytes(b"+4420\xe9\n")
    with pytest.raises(AllowlistError, match="cannot read"):
        Allowlist.read(tmp_path / "latin1.txt")


@given(st.lists(st.from_regex(r"\+[0-9]{1,8}", fullmatch=True), max_size=6),
       st.lists(st.from_regex(r"\+[0-9]{1,6}", fullmatch=True), max_size=6),
       st.from_regex(r"\+[0-9]{1,12}", fullmatch=True))
def test_covers_is_exact_match_or_prefix(numbers: list[str], prefixes: list[str], number: str) -> None:
    allow = Allowlist(numbers, prefixes)
    assert allow.covers(number) == (number in numbers or any(number.startswith(p) for p in prefixes))


# -- the policy -------------------------------------------------------------------------------------------
def _candidate(number: str, score: float, t: float) -> Candidate:
    return Candidate(number, "scam_farm", score, t, 0, f"c{t:.0f}", 10, [], "caller")


def test_the_policy_marks_the_same_alerts_withheld_with_the_same_ids() -> None:
    """Episodes and escalations run as without the list; only the mark differs, so taking a number off the
    list lets its next escalation out and a counted alert is one that would have been sent."""
    plain, listed = AlertPolicy("m"), AlertPolicy("m", allowlist=Allowlist(prefixes=["+4477009"]))
    eps_a: dict[str, Episode] = {}
    eps_b: dict[str, Episode] = {}
    out_a, out_b = [], []
    for i, (number, score) in enumerate([("+447700900001", 0.7), ("+447700800001", 0.7), ("+447700900001", 0.72),
                                         ("+447700900001", 0.9), ("+447700800001", 0.96)]):
        out_a.append(plain.decide(eps_a, _candidate(number, score, 1e9 + 60 * i)))
        out_b.append(listed.decide(eps_b, _candidate(number, score, 1e9 + 60 * i)))
    assert [a is None for a in out_a] == [b is None for b in out_b] == [False, False, True, False, False]
    for a, b in zip(out_a, out_b):
        if a is not None and b is not None:
            assert (a.alert_id, a.severity, a.escalation) == (b.alert_id, b.severity, b.escalation)
            assert not a.withheld and b.withheld == b.number.startswith("+4477009")
    listed.allowlist = None  # taken off the list: the next escalation goes out
    later = listed.decide(eps_b, _candidate("+447700900001", 0.97, 1e9 + 600))
    assert later is not None and not later.withheld and later.escalation


# -- replay and worker ------------------------------------------------------------------------------------
def test_replay_withholds_and_counts_the_listed_numbers_alerts(stream: Path, baseline: list[dict],
                                                               tmp_path: Path) -> None:
    numbers = sorted({a["number"] for a in baseline})
    listed = set(numbers[::2])
    allow = tmp_path / "allow.txt"
    allow.write_text("# the even half\n" + "\n".join(sorted(listed)) + "\n")
    rc = main(["replay", str(stream / "cdrs.jsonl"), "--alerts", str(tmp_path / "a.jsonl"), "--report",
               str(tmp_path / "rep.json"), "--allowlist", str(allow), "--metrics-file", str(tmp_path / "m.prom"),
               "-q"])
    assert rc == 0
    sent = [json.loads(x) for x in (tmp_path / "a.jsonl").read_text().splitlines()]
    kept = [a for a in baseline if a["number"] not in listed]
    assert _without_wall_clock(sent) == _without_wall_clock(kept)  # the others' alerts are untouched
    rep = json.loads((tmp_path / "rep.json").read_text())
    assert rep["alerts"] == len(kept) and rep["alerts_withheld"] == len(baseline) - len(kept) > 0
    by_typology: dict[str, int] = {}
    for a in baseline:
        if a["number"] in listed:
            by_typology[a["typology"]] = by_typology.get(a["typology"], 0) + 1
    assert rep["alerts_withheld_by_typology"] == dict(sorted(by_typology.items()))
    prom = (tmp_path / "m.prom").read_text()
    exported = sum(float(line.rsplit(" ", 1)[1]) for line in prom.splitlines()
                   if line.startswith("cdr_detector_alerts_withheld_total{"))
    assert exported == rep["alerts_withheld"]


def test_a_prefix_that_covers_a_whole_range_is_warned_about(stream: Path, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    allow = Allowlist.parse(["+44*", "+4420712*", "+447700900123"])
    assert allow.broad() == ["+44"]
    path = tmp_path / "allow.txt"
    path.write_text("+4420712*\n+49301*\n")
    lines = (stream / "cdrs.jsonl").read_bytes().splitlines(keepends=True)[:100]
    (tmp_path / "in.jsonl").write_bytes(b"".join(lines))
    assert main(["replay", str(tmp_path / "in.jsonl"), "--alerts", str(tmp_path / "a.jsonl"), "--allowlist",
                 str(path), "-q"]) == 0
    err = capsys.readouterr().err
    assert "warning" in err and "+49301*" in err and "+4420712*" not in err


def test_replay_refuses_a_bad_allowlist(stream: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    allow = tmp_path / "allow.txt"
    allow.write_text("+442071234567\n0207 123 4567\n")
    rc = main(["replay", str(stream / "cdrs.jsonl"), "--alerts", str(tmp_path / "a.jsonl"), "--allowlist",
               str(allow), "-q"])
    assert rc == 2 and f"{allow}:2: expected" in capsys.readouterr().err
    assert not (tmp_path / "a.jsonl").exists()  # refused before anything ran


def test_a_resumed_replay_takes_the_allowlist_it_is_given(stream: Path, baseline: list[dict],
                                                          tmp_path: Path) -> None:
    """The list is the operator's of the day, not part of the saved decisions: a state saved with one list and
    resumed without it sends what the first run withheld, from then on."""
    lines = (stream / "cdrs.jsonl").read_bytes().splitlines(keepends=True)
    half = len(lines) // 2
    (tmp_path / "one.jsonl").write_bytes(b"".join(lines[:half]))
    (tmp_path / "two.jsonl").write_bytes(b"".join(lines[half:]))
    everyone = Allowlist(prefixes=[f"+{d}" for d in range(1, 10)])  # every number is listed
    state = tmp_path / "state.bin"
    first = run_replay(str(tmp_path / "one.jsonl"), tmp_path / "a.jsonl", state_path=state, show_progress=False,
                       allowlist=everyone)
    assert first.counts["alerts"] == 0 and first.counts["alerts_withheld"] > 0
    second = run_replay(str(tmp_path / "two.jsonl"), tmp_path / "a.jsonl", state_path=state, show_progress=False)
    sent = [json.loads(x) for x in (tmp_path / "a.jsonl").read_text().splitlines()]
    # (a resumed replay's counts run on from the saved ones: none withheld since, all sent are this run's)
    assert second.counts["alerts_withheld"] == first.counts["alerts_withheld"]
    assert len(sent) == second.counts["alerts"] > 0
    # What the one-pass replay sent for the second half's records (escalations of episodes the first half opened
    # and withheld included): the episodes ran on as without the list.
    second_ids = {json.loads(x)["cdr_id"] for x in lines[half:]}
    expected = [a for a in baseline if a["trigger_cdr_id"] in second_ids]
    assert _without_wall_clock(sent) == _without_wall_clock(expected)


def test_the_worker_withholds_and_counts_as_replay_does(stream: Path, baseline: list[dict]) -> None:
    """The worker's policy withholds the same way: its alerts with the list are its alerts without it, less the
    listed numbers', and those are counted."""
    from tests.test_worker_unit import simulate

    listed = set(sorted({a["number"] for a in baseline})[1::2])
    lines = (stream / "cdrs.jsonl").read_bytes().splitlines()
    plain, _ = simulate(lines, partitions=4, chunk=200, local_hops=True)
    sent, bp = simulate(lines, partitions=4, chunk=200, local_hops=True, allowlist=Allowlist(listed))
    kept = [a for a in plain if a["number"] not in listed]
    assert _without_wall_clock(sent) == _without_wall_clock(kept)
    assert sum(bp.counts.withheld.values()) == len(plain) - len(kept) > 0
    assert sum(bp.counts.alerts.values()) == len(kept)


def test_counts_add_and_report_withheld_alerts() -> None:
    total, batch = Counts(), Counts()
    batch.alert("wangiri", "high")
    batch.withhold("scam_farm", "low")
    batch.withhold("scam_farm", "high")
    total.add(batch)
    total.add(batch)
    d = total.to_dict()
    assert d["alerts"] == 2 and d["alerts_withheld"] == 4 and d["alerts_withheld_by_typology"] == {"scam_farm": 4}


def test_the_worker_setting_names_the_file_and_a_bad_one_stops_it(tmp_path: Path,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    from detector.settings import Settings
    from detector.worker.app import WorkerError, load_allowlist

    assert load_allowlist(Settings.load(None, {})) is None
    good = tmp_path / "ok.txt"
    good.write_text("+442071234567\n+4420712*\n")
    allow = load_allowlist(Settings.load(None, {"CDR_ALLOWLIST": str(good)}))
    assert allow is not None and allow.covers("+442071299999")
    assert not [r for r in caplog.records if r.levelname == "WARNING"]
    good.write_text("+4917*\n")
    load_allowlist(Settings.load(None, {"CDR_ALLOWLIST": str(good)}))
    assert any(r.levelname == "WARNING" and "+4917*" in r.getMessage() for r in caplog.records)
    bad = tmp_path / "bad.txt"
    bad.write_text("+442071234567\nACME\n")
    with pytest.raises(WorkerError, match=r"bad\.txt:2"):
        load_allowlist(Settings.load(None, {"CDR_ALLOWLIST": str(bad)}))


def test_the_worker_refuses_a_bad_allowlist_before_it_reaches_for_the_broker(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """No broker anywhere (port 1): the answer must be the file's bad line, at once, not a connection timeout."""
    bad = tmp_path / "bad.txt"
    bad.write_text("+442071234567\nACME Ltd\n")
    rc = main(["worker", "--allowlist", str(bad), "--bootstrap-servers", "127.0.0.1:1", "--state-dir",
               str(tmp_path / "state"), "--metrics-port", "0", "--web-port", "0"])
    assert rc == 2 and f"{bad}:2: expected" in capsys.readouterr().err
