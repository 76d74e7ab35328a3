"""The replay adapter and the CLI: files, stdin, gzip, rejects, report, metrics file, state resume."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from detector.cli import build_parser, main
from detector.replay import run_replay
from streams import small_world


@pytest.fixture(scope="module")
def stream(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_world(tmp_path_factory.mktemp("stream"), seed=5)


def _alert_keys(path: Path) -> list[tuple[str, str, str]]:
    return [(a["alert_id"], a["number"], a["typology"]) for a in map(json.loads, path.read_text().splitlines())]


def test_every_subcommand_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name in sub.choices:  # type: ignore[union-attr]
        with pytest.raises(SystemExit) as exc:
            main([name, "--help"])
        assert exc.value.code == 0
        assert "usage:" in capsys.readouterr().out


def test_bad_lines_go_to_rejects_with_line_numbers(tmp_path: Path, stream: Path) -> None:
    good = (stream / "cdrs.jsonl").read_bytes().splitlines()[:200]
    bad = [b"{not json", b"[1,2]", b'{"cdr_id":"x"}', b"", good[5]]  # the last is a duplicate
    src = tmp_path / "in.jsonl"
    src.write_bytes(b"\n".join(good + bad) + b"\n")
    rc = main(["replay", str(src), "--alerts", str(tmp_path / "a.jsonl"), "--rejects", str(tmp_path / "r.jsonl"),
               "--report", str(tmp_path / "rep.json"), "-q"])
    assert rc == 0
    rejects = [json.loads(x) for x in (tmp_path / "r.jsonl").read_text().splitlines()]
    assert [(r["line"], r["reason"]) for r in rejects] == [
        (201, "malformed_json"), (202, "not_an_object"), (203, "missing_field"), (204, "malformed_json"),
        (205, "duplicate"),
    ]
    rep = json.loads((tmp_path / "rep.json").read_text())
    assert rep["consumed"] == 205 and rep["processed"] == 200 and rep["rejected"] == 4 and rep["duplicates"] == 1


def test_gzip_and_stdin_give_the_same_alerts(tmp_path: Path, stream: Path) -> None:
    plain = stream / "cdrs.jsonl"
    gz = tmp_path / "cdrs.jsonl.gz"
    gz.write_bytes(gzip.compress(plain.read_bytes()))
    run_replay(str(plain), tmp_path / "a1.jsonl", show_progress=False)
    run_replay(str(gz), tmp_path / "a2.jsonl", show_progress=False)
    with open(plain, "rb") as fh:
        subprocess.run([sys.executable, "-m", "detector", "replay", "-", "--alerts", str(tmp_path / "a3.jsonl"),
                        "-q"], stdin=fh, check=True, timeout=120)
    first = _alert_keys(tmp_path / "a1.jsonl")
    assert first, "the stream has fraud; replay found none"
    assert first == _alert_keys(tmp_path / "a2.jsonl") == _alert_keys(tmp_path / "a3.jsonl")


def test_state_resume_gives_the_same_alerts_as_one_run(tmp_path: Path, stream: Path) -> None:
    lines = (stream / "cdrs.jsonl").read_bytes().splitlines(keepends=True)
    half = len(lines) // 2
    (tmp_path / "p1.jsonl").write_bytes(b"".join(lines[:half]))
    (tmp_path / "p2.jsonl").write_bytes(b"".join(lines[half:]))
    run_replay(str(stream / "cdrs.jsonl"), tmp_path / "whole.jsonl", show_progress=False)
    state = tmp_path / "state.bin"
    run_replay(str(tmp_path / "p1.jsonl"), tmp_path / "resumed.jsonl", state_path=state, show_progress=False)
    assert state.exists()
    run_replay(str(tmp_path / "p2.jsonl"), tmp_path / "resumed.jsonl", state_path=state, show_progress=False)
    assert _alert_keys(tmp_path / "resumed.jsonl") == _alert_keys(tmp_path / "whole.jsonl")


def test_foreign_state_file_is_a_clear_error(tmp_path: Path, stream: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bogus = tmp_path / "state.bin"
    bogus.write_bytes(b"definitely not a pickle")
    rc = main(["replay", str(stream / "cdrs.jsonl"), "--alerts", str(tmp_path / "a.jsonl"), "--state", str(bogus),
               "-q"])
    assert rc == 2
    assert "not a detector state file" in capsys.readouterr().err


def test_missing_input_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["replay", str(tmp_path / "nope.jsonl"), "--alerts", str(tmp_path / "a.jsonl")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_metrics_file_has_the_worker_series(tmp_path: Path, stream: Path) -> None:
    prom = tmp_path / "replay.prom"
    assert main(["replay", str(stream / "cdrs.jsonl"), "--alerts", str(tmp_path / "a.jsonl"),
                 "--metrics-file", str(prom), "-q"]) == 0
    samples = {s.name: s.value for fam in text_string_to_metric_families(prom.read_text()) for s in fam.samples
               if not s.labels}
    n = sum(1 for _ in open(stream / "cdrs.jsonl", "rb"))
    assert samples["cdr_detector_records_consumed_total"] == n
    assert samples["cdr_detector_records_processed_total"] == n
    assert samples["cdr_detector_tracked_numbers"] > 0
