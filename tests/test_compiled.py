"""The mypyc-compiled core decides exactly as the pure-Python core (same alerts, same ids, same scores).

Production images compile the hot modules (setup.py); tests and editable installs run the .py files.  This
test builds the compiled core into a scratch directory and replays one stream through both.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from detector import synth

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "load"))
from native_build import build_compiled  # noqa: E402

REPLAY = (
    "import sys; from pathlib import Path; import detector.features as f; "
    "print(f.__file__, file=sys.stderr); from detector.replay import run_replay; "
    "run_replay(sys.argv[1], Path(sys.argv[2]), None, None, show_progress=False)"
)


@pytest.mark.slow
def test_compiled_core_gives_the_same_alerts(tmp_path: Path) -> None:
    world = tmp_path / "world"
    synth.generate(synth.GeneratorConfig(seed=23, subscribers=2_000, days=1.0, fraud_numbers=30,
                                         min_history_hours=4.0), world)
    native = build_compiled(tmp_path / "native")
    runs = {}
    for name, path in (("pure", None), ("compiled", native)):
        env = dict(os.environ)
        env.pop("PYTHONPATH", None)
        if path is not None:
            env["PYTHONPATH"] = str(path)
        out = tmp_path / f"{name}.jsonl"
        proc = subprocess.run([sys.executable, "-c", REPLAY, str(world / "cdrs.jsonl"), str(out)], env=env,
                              capture_output=True, text=True, timeout=300, cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
        assert proc.stderr.splitlines()[0].endswith(".so" if path else ".py"), proc.stderr
        runs[name] = [(a["alert_id"], a["number"], a["typology"], a["score"], a["severity"])
                      for a in map(json.loads, out.read_text().splitlines())]
    assert runs["pure"], "no alert at all: the comparison would prove nothing"
    assert runs["compiled"] == runs["pure"]
