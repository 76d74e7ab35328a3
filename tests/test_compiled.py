"""The mypyc-compiled core decides exactly as the pure-Python core (same alerts, same ids, same scores).

Production images compile the hot modules (setup.py); tests and editable installs run the .py files.  This
test builds the compiled core (or reuses the build scripts/compiled_tests.py made of the same sources, see
load/native_build.py) and replays one stream through both.  scripts/compiled_tests.py runs the core's unit
tests on that build.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from streams import small_world

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "load"))
from native_build import cached_build  # noqa: E402

REPLAY = (
    "import sys; from pathlib import Path; import detector.features as f; "
    "print(f.__file__, file=sys.stderr); from detector.replay import run_replay; "
    "run_replay(sys.argv[1], Path(sys.argv[2]), None, None, show_progress=False)"
)


@pytest.fixture(scope="module")
def native() -> Path:
    """The compiled core of the current sources, built once (.cache/native/, reused while up to date)."""
    return cached_build()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_world(tmp_path_factory.mktemp("world"), seed=23, subscribers=2_000, fraud_numbers=30)


def _env(path: Path | None) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    if path is not None:
        env["PYTHONPATH"] = str(path)
    return env


@pytest.mark.slow
def test_compiled_core_gives_the_same_alerts(tmp_path: Path, native: Path, world: Path) -> None:
    runs = {}
    for name, path in (("pure", None), ("compiled", native)):
        out = tmp_path / f"{name}.jsonl"
        proc = subprocess.run([sys.executable, "-c", REPLAY, str(world / "cdrs.jsonl"), str(out)], env=_env(path),
                              capture_output=True, text=True, timeout=300, cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
        assert proc.stderr.splitlines()[0].endswith(".so" if path else ".py"), proc.stderr
        runs[name] = [(a["alert_id"], a["number"], a["typology"], a["score"], a["severity"])
                      for a in map(json.loads, out.read_text().splitlines())]
    assert runs["pure"], "no alert at all: the comparison would prove nothing"
    assert runs["compiled"] == runs["pure"]


STATE_DUMP = (
    "import sys; from detector.features import NumberState, HandsetState; "
    "from detector.worker.codec import NUMBER_CODEC, HANDSET_CODEC; "
    "s = NumberState(); "
    "[s.on_outbound(1.7e9 + 60 * i, 60, 447700900000 + i, 30.0 * i, i % 2 == 0, False, True, i % 5 == 0, False, "
    "'35000000000000' + str(i % 2), '234-15-1-' + str(i % 3)) for i in range(40)]; "
    "s.on_inbound(1.7e9 + 2500, 447700900003, 4.0, False, True, False); "
    "h = HandsetState(); [h.on_call(1.7e9 + i, 447700900000 + i % 3, True) for i in range(10)]; "
    "print(NUMBER_CODEC.dumps(s).hex()); print(HANDSET_CODEC.dumps(h).hex())"
)


@pytest.mark.slow
def test_pure_and_compiled_workers_read_each_others_state(tmp_path: Path, native: Path) -> None:
    """A rolling upgrade mixes pure and compiled workers on one changelog: the bytes must be the same."""
    dumps = {}
    for name, path in (("pure", None), ("compiled", native)):
        proc = subprocess.run([sys.executable, "-c", STATE_DUMP], env=_env(path), capture_output=True, text=True,
                              timeout=120, cwd=path or tmp_path)
        assert proc.returncode == 0, proc.stderr
        dumps[name] = proc.stdout.split()
    from detector.features import state_fields
    from detector.worker.codec import HANDSET_CODEC, NUMBER_CODEC

    # A number record (version 2, a fixed binary layout) is the same bytes; a handset record (marshal) has the same
    # header (layout fingerprint) and field values, its bytes may differ, as marshal marks objects that happen to
    # be shared in one process and not in the other.
    assert dumps["pure"][0] == dumps["compiled"][0] and bytes.fromhex(dumps["pure"][0])[1] == 2
    for i, codec in enumerate((NUMBER_CODEC, HANDSET_CODEC)):
        pure, compiled = (codec.loads(bytes.fromhex(dumps[k][i])) for k in ("pure", "compiled"))
        for name in state_fields(codec.cls):
            assert getattr(pure, name) == getattr(compiled, name), name
    s = NUMBER_CODEC.loads(bytes.fromhex(dumps["compiled"][0]))
    assert s.kv == 40 and s.in_rate > 0.0
    assert len(HANDSET_CODEC.loads(bytes.fromhex(dumps["compiled"][1])).sims) == 3


PARTITIONS = (
    "import sys, random; import detector.murmur as m; from detector.worker.codec import Partitioner; "
    "from aiokafka.partitioner import murmur2; print(m.__file__, file=sys.stderr); rnd = random.Random(7); "
    "data = [bytes(rnd.randrange(256) for _ in range(rnd.randrange(40))) for _ in range(3000)]; "
    "assert all(m.murmur2_31_loop(d) == murmur2(d) & 0x7FFFFFFF for d in data); "
    "keys = [d.decode('latin-1') for d in data] + ['+4477009%05d' % i for i in range(3000)]; "
    "p = Partitioner(7); assert p.many(keys) == [p(k) for k in keys] == [p.cached(k) for k in keys] "
    "== [(murmur2(k.encode()) & 0x7FFFFFFF) % 7 for k in keys]; print('ok')"
)


@pytest.mark.slow
def test_compiled_partitioner_is_kafkas(native: Path) -> None:
    """The compiled build hashes every key with :mod:`detector.murmur`'s machine-int loop (no cache): the same
    partitions as aiokafka's murmur2, for any bytes (products near 2**63 would overflow an ``i64`` unnoticed)."""
    proc = subprocess.run([sys.executable, "-c", PARTITIONS], env=_env(native), capture_output=True, text=True,
                          timeout=120, cwd=native)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.splitlines()[0].endswith(".so"), proc.stderr
    assert proc.stdout.split() == ["ok"]


WORKER = (
    "import sys, json; sys.path.append(sys.argv[2]); import detector.features as f; "
    "print(f.__file__, file=sys.stderr); from tests.test_worker_unit import simulate; "
    "alerts, bp = simulate(open(sys.argv[1], 'rb').read().splitlines(), partitions=4, chunk=200, local_hops=True); "
    "print(json.dumps([[a['alert_id'], a['number'], a['typology'], a['severity']] for a in alerts]))"
)


@pytest.mark.slow
def test_compiled_core_in_the_worker_gives_the_same_alerts(native: Path, world: Path) -> None:
    """The worker's batch path (stores, episodes, hops) over the compiled core decides as over the pure one.

    A per-batch store view once relied on an overridden ``dict.__getitem__`` that compiled code bypasses: the
    compiled worker lost every number's episode and alerted ~10x more than replay, while this pure-Python
    suite stayed green.  This runs the in-process worker topology on both builds."""
    repo = str(Path(__file__).resolve().parent.parent)
    runs = {}
    for name, path in (("pure", None), ("compiled", native)):
        proc = subprocess.run([sys.executable, "-c", WORKER, str(world / "cdrs.jsonl"), repo], env=_env(path),
                              capture_output=True, text=True, timeout=600, cwd=path or repo)
        assert proc.returncode == 0, proc.stderr
        assert proc.stderr.splitlines()[0].endswith(".so" if path else ".py"), proc.stderr
        runs[name] = json.loads(proc.stdout.splitlines()[-1])
    assert runs["pure"], "no alert at all: the comparison would prove nothing"
    assert runs["compiled"] == runs["pure"]


RESUME = (
    "import sys; from pathlib import Path; import detector.features as f; "
    "print(f.__file__, file=sys.stderr); from detector.replay import run_replay; "
    "run_replay(sys.argv[1], Path(sys.argv[2]), None, None, show_progress=False, state_path=Path(sys.argv[3]))"
)


@pytest.mark.slow
def test_compiled_replay_resumes_from_its_saved_state(tmp_path: Path, native: Path, world: Path) -> None:
    """``replay --state`` on the compiled core: a stream cut in two, the second half resumed from the state the
    first saved, gives the alerts of one uninterrupted replay (a compiled stage or frozen config once saved a
    state it could not load)."""
    lines = (world / "cdrs.jsonl").read_bytes().splitlines(keepends=True)
    half = len(lines) // 2
    (tmp_path / "a.jsonl").write_bytes(b"".join(lines[:half]))
    (tmp_path / "b.jsonl").write_bytes(b"".join(lines[half:]))
    state = tmp_path / "state.pkl"
    got: list[str] = []
    for part in ("a", "b"):
        out = tmp_path / f"alerts-{part}.jsonl"
        proc = subprocess.run([sys.executable, "-c", RESUME, str(tmp_path / f"{part}.jsonl"), str(out), str(state)],
                              env=_env(native), capture_output=True, text=True, timeout=300, cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
        assert proc.stderr.splitlines()[0].endswith(".so"), proc.stderr
        got += [json.loads(line)["alert_id"] for line in out.read_text().splitlines()]
    whole = tmp_path / "whole.jsonl"
    proc = subprocess.run([sys.executable, "-c", REPLAY, str(world / "cdrs.jsonl"), str(whole)], env=_env(native),
                          capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    expected = [json.loads(line)["alert_id"] for line in whole.read_text().splitlines()]
    assert got == expected and expected
