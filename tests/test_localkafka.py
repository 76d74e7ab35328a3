"""A real Kafka broker for the suite: detector.localkafka and tests/kafka_fixtures.py.

The ``kafka`` tests run against ``kafka_bootstrap`` (an external broker, testcontainers, or LocalKafka
from Maven jars) and prove that both client stacks the project uses speak to it: librdkafka
(confluent-kafka) and aiokafka under faust-streaming.  The ``dedicated_broker`` tests need a broker of
their own (kill/restart/pause, a SASL listener) and always use LocalKafka.

Every wait below is bounded in time and count; all traffic goes to 127.0.0.1 (or $CDR_KAFKA_BOOTSTRAP).
"""

from __future__ import annotations

import importlib
import json
import os
import signal
import socket
import stat
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from detector import localkafka
from detector.localkafka import LocalKafka, LocalKafkaError, fetch_jars


def _fixtures_module() -> Any:
    """tests/kafka_fixtures.py under whichever name it already has (``tests.kafka_fixtures`` when tests/
    is a package or the repo root is on sys.path, ``kafka_fixtures`` when pytest put tests/ itself on
    sys.path), else imported."""
    for name in ("tests.kafka_fixtures", "kafka_fixtures"):
        if name in sys.modules:
            return sys.modules[name]
    try:
        return importlib.import_module("tests.kafka_fixtures")
    except ImportError:
        return importlib.import_module("kafka_fixtures")


# Re-exported so this module works before/without the main conftest.  The session broker lives in a
# reference-counted, process-wide holder, so also importing the fixtures in conftest starts no second one.
_kf = _fixtures_module()
kafka_bootstrap = _kf.kafka_bootstrap
kafka_topic = _kf.kafka_topic
kafka_topic_factory = _kf.kafka_topic_factory
local_kafka_factory = _kf.local_kafka_factory
kafka_unavailable = _kf.kafka_unavailable
create_topic = _kf.create_topic

ck = pytest.importorskip("confluent_kafka")
from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition  # noqa: E402
from confluent_kafka.admin import AdminClient, ConfigResource  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


# --------------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------------


def produce(bootstrap: str, topic: str, records: Sequence[tuple[bytes | None, bytes]], **conf: Any) -> None:
    errors: list[KafkaError] = []
    p = Producer({"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 5, **conf})
    for key, value in records:
        p.produce(topic, key=key, value=value, on_delivery=lambda err, _m: err and errors.append(err))
    remaining = p.flush(30)
    assert remaining == 0, f"{remaining} records not delivered in 30 s"
    assert not errors, errors


def read_all(
    bootstrap: str, topic: str, *, timeout: float = 30.0, **conf: Any
) -> list[tuple[int, int, bytes | None, bytes]]:
    """(partition, offset, key, value) of every record, read from the beginning up to the end of
    every partition (assigned, no group join)."""
    admin = AdminClient({"bootstrap.servers": bootstrap, **conf})
    parts = sorted(admin.list_topics(topic=topic, timeout=10).topics[topic].partitions)
    c = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"reader-{uuid.uuid4().hex[:8]}",
            "enable.auto.commit": False,
            "enable.partition.eof": True,
            **conf,
        }
    )
    try:
        c.assign([TopicPartition(topic, p, ck.OFFSET_BEGINNING) for p in parts])
        out, at_eof = [], set()
        deadline = time.monotonic() + timeout
        for _ in range(100_000):
            if at_eof >= set(parts) or time.monotonic() > deadline:
                break
            for msg in c.consume(1000, 0.5):
                if msg.error():
                    if msg.error().code() == KafkaError._PARTITION_EOF:
                        at_eof.add(msg.partition())
                        continue
                    raise AssertionError(msg.error())
                out.append((msg.partition(), msg.offset(), msg.key(), msg.value()))
        assert at_eof >= set(parts), f"did not reach the end of {topic} in {timeout}s ({len(out)} read)"
        return out
    finally:
        c.close()


def consume_group(bootstrap: str, topic: str, group: str, n: int, *, timeout: float = 30.0) -> list[bytes]:
    """Join ``group`` (subscribe), take ``n`` records, commit synchronously, leave the group."""
    c = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": group,
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
            "session.timeout.ms": 6000,
        }
    )
    got: list[bytes] = []
    try:
        c.subscribe([topic])
        deadline = time.monotonic() + timeout
        for _ in range(100_000):
            if len(got) >= n or time.monotonic() > deadline:
                break
            msg = c.poll(0.5)
            if msg is None:
                continue
            assert not msg.error(), msg.error()
            got.append(msg.value())
            if len(got) == n:
                c.commit(message=msg, asynchronous=False)
        assert len(got) == n, f"group {group} got {len(got)}/{n} records from {topic} in {timeout}s"
        return got
    finally:
        c.close()


def committed(bootstrap: str, topic: str, group: str, partition: int = 0) -> int:
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group})
    try:
        return c.committed([TopicPartition(topic, partition)], timeout=10)[0].offset
    finally:
        c.close()


# --------------------------------------------------------------------------------------------------
# confluent-kafka (librdkafka) against kafka_bootstrap
# --------------------------------------------------------------------------------------------------


@pytest.mark.kafka
def test_produce_consume_round_trip(kafka_bootstrap: str, kafka_topic_factory: Callable[..., str]) -> None:
    topic = kafka_topic_factory(3)
    records = [(f"caller-{i % 7}".encode(), json.dumps({"i": i}).encode()) for i in range(60)]
    produce(kafka_bootstrap, topic, records)
    got = read_all(kafka_bootstrap, topic)
    assert sorted((k, v) for _p, _o, k, v in got) == sorted(records)
    assert {p for p, *_ in got} == {0, 1, 2}, "keys spread over the 3 partitions"
    # same key -> same partition, in order
    by_key: dict[bytes, set[int]] = {}
    for p, _o, k, _v in got:
        by_key.setdefault(k, set()).add(p)
    assert all(len(ps) == 1 for ps in by_key.values())


@pytest.mark.kafka
def test_consumer_group_commit_and_resume(kafka_bootstrap: str, kafka_topic: str) -> None:
    produce(kafka_bootstrap, kafka_topic, [(None, str(i).encode()) for i in range(10)])
    group = f"g-{uuid.uuid4().hex[:8]}"
    first = consume_group(kafka_bootstrap, kafka_topic, group, 4)
    assert first == [b"0", b"1", b"2", b"3"]
    assert committed(kafka_bootstrap, kafka_topic, group) == 4
    rest = consume_group(kafka_bootstrap, kafka_topic, group, 6)
    assert rest == [str(i).encode() for i in range(4, 10)], "a new member resumes at the committed offset"
    assert committed(kafka_bootstrap, kafka_topic, group) == 10


@pytest.mark.kafka
@pytest.mark.slow
def test_compacted_topic_is_compacted(kafka_bootstrap: str, kafka_topic_factory: Callable[..., str]) -> None:
    topic = kafka_topic_factory(
        1,
        prefix="compact",
        config={
            "cleanup.policy": "compact",
            "segment.ms": "200",
            "min.cleanable.dirty.ratio": "0.01",
            "delete.retention.ms": "100",
        },
    )
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    res = ConfigResource("topic", topic)
    assert admin.describe_configs([res])[res].result(timeout=10)["cleanup.policy"].value == "compact"

    records = [(f"k{i % 10}".encode(), f"v{i}".encode()) for i in range(200)]
    produce(kafka_bootstrap, topic, records)
    time.sleep(0.5)
    produce(kafka_bootstrap, topic, [(b"roll", b"x")])  # rolls the segment: the 200 become cleanable
    latest = {k: v for k, v in records}
    # The cleaner wakes every log.cleaner.backoff.ms (1 s on LocalKafka, 15 s by default elsewhere).
    deadline = time.monotonic() + 60
    got: list = []
    for _ in range(120):
        got = read_all(kafka_bootstrap, topic)
        if len(got) < 201 or time.monotonic() > deadline:
            break
        time.sleep(1.0)
    assert len(got) < 201, "log cleaner did not compact the topic within 60 s"
    seen = {}
    for _p, _o, k, v in got:
        seen[k] = v
    assert {k: seen[k] for k in latest} == latest, "compaction keeps the latest value of every key"


# --------------------------------------------------------------------------------------------------
# faust-streaming (aiokafka) against kafka_bootstrap
# --------------------------------------------------------------------------------------------------

FAUST_APP = textwrap.dedent(
    '''
    """Tiny faust app: declares (CreateTopics) a 3-partition topic and a table (compacted changelog),
    produces 3 records itself, consumes everything in a consumer group, writes what it saw to a file."""
    import json, os, sys

    import faust

    bootstrap, app_id, topic_name, n_expected, out_path = sys.argv[1:6]
    n_expected = int(n_expected)
    app = faust.App(
        app_id,
        broker=f"kafka://{bootstrap}",
        store="memory://",
        web_enabled=False,
        topic_replication_factor=1,
        topic_partitions=3,
        datadir=os.path.join(os.path.dirname(out_path), "faust-data"),
        broker_session_timeout=10,
        # faust creates the topic and subscribes at once; if the group's first assignment runs before the
        # broker's metadata lists the new topic ("Ignoring missing topic"), the consumer only sees it at its
        # next metadata refresh (aiokafka's default: 5 minutes): refresh every 2 s, so it rejoins in seconds.
        consumer_metadata_max_age_ms=2_000,
    )
    topic = app.topic(topic_name, key_serializer="raw", value_serializer="json", partitions=3, internal=True)
    counts = app.Table("counts", default=int, partitions=3)
    seen = []

    @app.agent(topic)
    async def consume(stream):
        async for key, value in stream.items():
            counts[key.decode()] += 1
            seen.append(value)
            if len(seen) >= n_expected:
                with open(out_path + ".tmp", "w") as fh:
                    json.dump({"values": seen, "counts": dict(counts.items())}, fh)
                os.replace(out_path + ".tmp", out_path)

    @app.task
    async def produce_some():
        for i in range(3):
            await topic.send(key=f"faust-{i % 2}".encode(), value={"from": "faust", "i": i})

    if __name__ == "__main__":
        faust.Worker(app, loglevel="info").execute_from_commandline()
    '''
)


@pytest.mark.kafka
@pytest.mark.slow
def test_faust_app_creates_topics_and_consumes(kafka_bootstrap: str, tmp_path: Path) -> None:
    run_id = uuid.uuid4().hex[:8]
    app_id, topic = f"faust-test-{run_id}", f"faust-in-{run_id}"
    changelog = f"{app_id}-counts-changelog"
    script, out, log = tmp_path / "app.py", tmp_path / "seen.json", tmp_path / "faust.log"
    script.write_text(FAUST_APP)
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    with open(log, "wb") as log_fh:
        proc = subprocess.Popen(
            [sys.executable, str(script), kafka_bootstrap, app_id, topic, "6", str(out)],
            cwd=tmp_path,
            stdin=subprocess.DEVNULL,
            stdout=log_fh,
            stderr=subprocess.STDOUT,
        )
    try:
        # faust creates the topic itself (CreateTopics, 3 partitions); then we add 3 records from
        # librdkafka, so the faust consumer reads records from both client stacks.
        deadline = time.monotonic() + 90
        for _ in range(1000):
            t = admin.list_topics(timeout=5).topics.get(topic)
            if t is not None and not t.error and len(t.partitions) == 3:
                break
            assert proc.poll() is None, f"faust exited early:\n{log.read_text()[-4000:]}"
            assert time.monotonic() < deadline, f"faust did not create {topic}:\n{log.read_text()[-4000:]}"
            time.sleep(0.2)
        produce(kafka_bootstrap, topic, [(f"ck-{i}".encode(), json.dumps({"from": "ck", "i": i}).encode()) for i in range(3)])
        for _ in range(1000):
            if out.exists():
                break
            assert proc.poll() is None, f"faust exited early:\n{log.read_text()[-4000:]}"
            assert time.monotonic() < deadline, f"faust did not consume 6 records:\n{log.read_text()[-4000:]}"
            time.sleep(0.2)
        seen = json.loads(out.read_text())
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)

    assert sorted((v["from"], v["i"]) for v in seen["values"]) == sorted(
        [("faust", i) for i in range(3)] + [("ck", i) for i in range(3)]
    )
    assert seen["counts"] == {"faust-0": 2, "faust-1": 1, "ck-0": 1, "ck-1": 1, "ck-2": 1}
    md = admin.list_topics(timeout=10)
    assert len(md.topics[changelog].partitions) == 3
    res = ConfigResource("topic", changelog)
    assert admin.describe_configs([res])[res].result(timeout=10)["cleanup.policy"].value == "compact"
    text = log.read_text(errors="replace")
    assert f"Topic '{topic}' created" in text or "created" in text


# --------------------------------------------------------------------------------------------------
# a dedicated LocalKafka: restart with the same data, pause/resume, SASL listener
# --------------------------------------------------------------------------------------------------

SASL_USERS = {"admin": "admin-secret", "alice": "alice-secret"}


def _sasl_properties() -> dict[str, str]:
    users = " ".join(f'user_{u}="{p}"' for u, p in SASL_USERS.items())
    return {
        "sasl.enabled.mechanisms": "PLAIN",
        "listener.name.sasl_plaintext.plain.sasl.jaas.config": (
            "org.apache.kafka.common.security.plain.PlainLoginModule required "
            f'username="admin" password="admin-secret" {users};'
        ),
    }


@pytest.fixture(scope="module")
def dedicated_broker() -> Iterator[LocalKafka]:
    broker = LocalKafka(
        partitions=2,
        extra_listeners={"SASL_PLAINTEXT": "SASL_PLAINTEXT"},
        server_properties=_sasl_properties(),
    )
    try:
        broker.start(timeout=120)
    except Exception as exc:  # noqa: BLE001
        broker.stop()
        kafka_unavailable(f"LocalKafka (Maven jars) failed: {type(exc).__name__}: {exc}")
    try:
        yield broker
    finally:
        broker.stop()
        assert not broker.is_running()


def _port_closed(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return False
    except OSError:
        return True


@pytest.mark.kafka
@pytest.mark.slow
def test_restart_keeps_data_and_offsets(dedicated_broker: LocalKafka) -> None:
    k = dedicated_broker
    bootstrap, port, run_dir = k.bootstrap, k.port, k.run_dir
    topic = f"restart-{uuid.uuid4().hex[:8]}"
    create_topic(bootstrap, 2, name=topic)
    before = [(f"k{i}".encode(), f"v{i}".encode()) for i in range(20)]
    produce(bootstrap, topic, before)
    group = f"g-{uuid.uuid4().hex[:8]}"
    single = f"single-{uuid.uuid4().hex[:8]}"
    create_topic(bootstrap, 1, name=single)
    produce(bootstrap, single, [(None, str(i).encode()) for i in range(10)])
    consume_group(bootstrap, single, group, 4)

    for graceful in (False, True):  # a crash (SIGKILL), then a clean stop (SIGTERM)
        k.kill(graceful=graceful)
        assert not k.is_running()
        assert _port_closed(port)
        time.sleep(1.0)  # later suites hold it down for 20 s; the mechanism is the same
        k.restart(timeout=120)
        assert (k.bootstrap, k.run_dir) == (bootstrap, run_dir), "same ports and data dir"
        got = read_all(bootstrap, topic)
        assert sorted((key, v) for _p, _o, key, v in got) == sorted(before), f"graceful={graceful}"
        assert committed(bootstrap, single, group) == 4, "committed offsets survive the restart"
    assert k.start_seconds is not None and k.start_seconds < 60
    # and it still takes writes and group work after the restarts
    produce(bootstrap, topic, [(b"after", b"restart")])
    assert consume_group(bootstrap, single, group, 6) == [str(i).encode() for i in range(4, 10)]


@pytest.mark.kafka
def test_pause_resume(dedicated_broker: LocalKafka) -> None:
    k = dedicated_broker
    admin = AdminClient({"bootstrap.servers": k.bootstrap})
    admin.list_topics(timeout=10)
    k.pause()
    try:
        t0 = time.monotonic()
        with pytest.raises(ck.KafkaException):
            AdminClient({"bootstrap.servers": k.bootstrap}).list_topics(timeout=1.5)
        assert time.monotonic() - t0 < 10
    finally:
        k.resume()
    assert 1 in admin.list_topics(timeout=15).brokers


@pytest.mark.kafka
def test_sasl_plaintext_listener(dedicated_broker: LocalKafka) -> None:
    k = dedicated_broker
    sasl = {
        "security.protocol": "SASL_PLAINTEXT",
        "sasl.mechanisms": "PLAIN",
        "sasl.username": "alice",
        "sasl.password": SASL_USERS["alice"],
    }
    bootstrap = k.bootstrap_for("SASL_PLAINTEXT")
    assert bootstrap != k.bootstrap
    topic = f"sasl-{uuid.uuid4().hex[:8]}"
    produce(bootstrap, topic, [(b"a", b"1"), (b"b", b"2")], **sasl)  # auto-created topic
    got = read_all(bootstrap, topic, **sasl)
    assert sorted(v for *_x, v in got) == [b"1", b"2"]
    errors: list[KafkaError] = []
    bad = Producer(
        {"bootstrap.servers": bootstrap, **sasl, "sasl.password": "wrong", "error_cb": errors.append}
    )
    deadline = time.monotonic() + 15
    for _ in range(100):
        if errors or time.monotonic() > deadline:
            break
        bad.poll(0.2)
    assert any(e.code() == KafkaError._AUTHENTICATION for e in errors), f"wrong password accepted? {errors}"


@pytest.mark.kafka
def test_start_failure_reports_log_tail() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        broker = LocalKafka(port=taken.getsockname()[1])
        try:
            broker.libs_dir = fetch_jars(version=broker.version)
        except LocalKafkaError as exc:  # no jars at all: not what this test is about
            kafka_unavailable(str(exc))
        try:
            with pytest.raises(LocalKafkaError) as info:
                broker.start(timeout=60)
        finally:
            broker.stop()
    msg = str(info.value)
    assert "exited with code" in msg and "Address already in use" in msg, msg
    assert not broker.is_running()


@pytest.mark.kafka
@pytest.mark.slow
def test_cli_run_prints_bootstrap_and_stops_on_sigterm(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "detector.localkafka", "run", "--partitions", "2", "--duration", "120"],
        cwd=REPO,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 120
        assert proc.stdout is not None
        for _ in range(200):
            line = proc.stdout.readline()
            if not line or time.monotonic() > deadline:
                break
            lines.append(line)
            if line.startswith("export CDR_KAFKA_BOOTSTRAP="):
                break
        assert lines and lines[-1].startswith("export CDR_KAFKA_BOOTSTRAP="), "".join(lines)
        bootstrap = lines[-1].strip().split("=", 1)[1]
        assert bootstrap.startswith("127.0.0.1:")
        assert 1 in AdminClient({"bootstrap.servers": bootstrap}).list_topics(timeout=10).brokers
        ready = next(line for line in lines if "(pid " in line)
        java_pid = int(ready.split("(pid ")[1].split(",")[0])
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
        for _ in range(100):
            if not Path(f"/proc/{java_pid}").exists():
                break
            time.sleep(0.1)
        assert not Path(f"/proc/{java_pid}").exists(), "the broker JVM is gone"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)


# --------------------------------------------------------------------------------------------------
# fetch_jars logic, with a fake mvn (no network, no broker)
# --------------------------------------------------------------------------------------------------

FAKE_MVN = """#!/bin/sh
# fake mvn: counts calls, writes two jars into -DoutputDirectory=..., or fails when asked
echo call >> "{calls}"
[ -f "{fail}" ] && {{ echo "[ERROR] simulated failure"; exit 1; }}
for a in "$@"; do case "$a" in -DoutputDirectory=*) out="${{a#-DoutputDirectory=}}";; esac; done
mkdir -p "$out" && touch "$out/kafka_2.13-{version}.jar" "$out/kafka-clients-{version}.jar"
"""


@pytest.fixture
def fake_mvn(tmp_path: Path) -> tuple[Path, Path, Path]:
    calls, fail = tmp_path / "calls", tmp_path / "fail"
    mvn = tmp_path / "mvn"
    mvn.write_text(FAKE_MVN.format(calls=calls, fail=fail, version=localkafka.KAFKA_VERSION))
    mvn.chmod(mvn.stat().st_mode | stat.S_IXUSR)
    return mvn, calls, fail


def _calls(path: Path) -> int:
    return len(path.read_text().splitlines()) if path.exists() else 0


def test_fetch_jars_is_idempotent_and_recovers(tmp_path: Path, fake_mvn: tuple[Path, Path, Path]) -> None:
    mvn, calls, fail = fake_mvn
    libs = tmp_path / "cache" / "libs"
    assert fetch_jars(libs, mvn=str(mvn)) == libs
    assert (libs / ".complete").is_file() and _calls(calls) == 1
    assert fetch_jars(libs, mvn=str(mvn)) == libs and _calls(calls) == 1, "complete cache: no mvn run"

    (libs / ".complete").unlink()  # a half-finished earlier run: jars but no marker
    assert fetch_jars(libs, mvn=str(mvn)) == libs and _calls(calls) == 2
    assert not list(libs.parent.glob(".libs.partial-*")), "no temp dirs left behind"

    (libs / "kafka-clients-{}.jar".format(localkafka.KAFKA_VERSION)).unlink()  # a jar went missing
    fail.touch()
    with pytest.raises(LocalKafkaError, match="simulated failure"):
        fetch_jars(libs, mvn=str(mvn))
    assert not (libs / ".complete").exists() or not localkafka._is_complete(libs, localkafka.KAFKA_VERSION)
    fail.unlink()
    assert fetch_jars(libs, mvn=str(mvn)) == libs and _calls(calls) == 4
    assert localkafka._is_complete(libs, localkafka.KAFKA_VERSION)


def test_fetch_jars_env_override_and_refuses_foreign_dirs(
    tmp_path: Path, fake_mvn: tuple[Path, Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    mvn, calls, _fail = fake_mvn
    monkeypatch.setenv("CDR_KAFKA_CACHE", str(tmp_path / "env-libs"))
    assert localkafka.default_cache_dir() == tmp_path / "env-libs"
    assert fetch_jars(mvn=str(mvn)) == tmp_path / "env-libs"
    monkeypatch.delenv("CDR_KAFKA_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert localkafka.default_cache_dir("9.9.9") == tmp_path / "xdg" / "cdr-detector" / "kafka-9.9.9" / "libs"

    foreign = tmp_path / "home-ish"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    with pytest.raises(LocalKafkaError, match="refusing"):
        fetch_jars(foreign, mvn=str(mvn))
    assert (foreign / "notes.txt").read_text() == "mine"


def test_pom_lists_broker_and_logging_backend() -> None:
    pom = localkafka._pom("4.1.2")
    assert "<artifactId>kafka_2.13</artifactId><version>4.1.2</version>" in pom
    assert "log4j-slf4j-impl" in pom and "reload4j" not in pom
    assert "slf4j-reload4j" in localkafka._pom("3.9.2")


def test_kafka_unavailable_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="never skips"):
        kafka_unavailable("nothing here")
    monkeypatch.setenv("CI", "")
    with pytest.raises(pytest.skip.Exception):
        kafka_unavailable("nothing here")


def test_kafka_local_script_runs_the_module() -> None:
    script = REPO / "deploy" / "kafka-local.sh"
    assert os.access(script, os.X_OK)
    out = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=60, check=False)
    assert out.returncode == 0 and "--partitions" in out.stdout, out.stdout + out.stderr
