"""pytest fixtures for tests that need a real Kafka broker.

Use from the main conftest with ``from tests.kafka_fixtures import *`` (or ``pytest_plugins``).

``kafka_bootstrap`` (session) yields a ``"host:port"`` bootstrap string, from the first of:

1. ``$CDR_KAFKA_BOOTSTRAP`` -- an external broker someone runs (e.g. ``deploy/kafka-local.sh``);
2. a testcontainers Kafka container, only if a Docker daemon answers a ping within a few seconds;
3. :class:`detector.localkafka.LocalKafka` -- Apache Kafka from Maven Central jars (needs java + mvn).

If none can be had the test is skipped with the reasons -- except when ``$CI`` is set (``CI=true``),
where it fails instead: CI must never pass by skipping the Kafka tests.

The broker is started once per session.  The backend is held in a module-level, reference-counted
holder, so importing these fixtures into more than one place (conftest and a test module) still starts
one broker.

Also here: ``create_topic()`` / ``kafka_topic_factory`` for uniquely named topics (tests don't collide on
a shared or external broker) and ``local_kafka_factory`` for tests that need their own broker to stop,
restart or reconfigure (always LocalKafka: an external broker cannot be restarted by a test).
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest

__all__ = [
    "create_topic",
    "delete_topics",
    "kafka_bootstrap",
    "kafka_topic",
    "kafka_topic_factory",
    "kafka_unavailable",
    "local_kafka_factory",
]

DOCKER_PING_TIMEOUT_S = 3
BROKER_START_TIMEOUT_S = 120.0


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def kafka_unavailable(reason: str) -> None:
    """Skip the test -- or fail it when ``$CI`` is set, since CI must run the Kafka tests."""
    if _in_ci():
        pytest.fail(f"no Kafka broker for the tests (CI never skips these): {reason}", pytrace=False)
    pytest.skip(f"no Kafka broker: {reason}")


# --------------------------------------------------------------------------------------------------
# backends
# --------------------------------------------------------------------------------------------------


def _docker_reachable() -> tuple[bool, str]:
    try:
        import docker  # type: ignore[import-untyped]
    except ImportError:
        return False, "docker SDK not installed"
    try:
        client = docker.from_env(timeout=DOCKER_PING_TIMEOUT_S)
        try:
            client.ping()
        finally:
            with contextlib.suppress(Exception):
                client.close()
        return True, ""
    except Exception as exc:  # noqa: BLE001 - any failure means "no usable Docker"
        return False, f"no Docker daemon ({type(exc).__name__}: {str(exc)[:200]})"


@contextlib.contextmanager
def _testcontainers_kafka() -> Iterator[str]:
    from testcontainers.community.kafka import KafkaContainer  # type: ignore[import-untyped]

    # Confluent Platform 7.9 = Apache Kafka 3.9; testcontainers' KafkaContainer is written for cp-kafka.
    image = os.environ.get("CDR_KAFKA_IMAGE", "confluentinc/cp-kafka:7.9.0")
    container = KafkaContainer(image).with_kraft()
    container.start(timeout=int(BROKER_START_TIMEOUT_S))
    try:
        yield container.get_bootstrap_server()
    finally:
        container.stop()


class _Holder:
    """The session's broker, shared by every copy of the fixture, stopped when the last one releases."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.refs = 0
        self.bootstrap: str | None = None
        self.failure: str | None = None
        self.kind: str | None = None
        self._stack: contextlib.ExitStack | None = None

    def acquire(self) -> str:
        with self.lock:
            if self.failure is not None:
                raise _Unavailable(self.failure)
            if self.bootstrap is None:
                try:
                    self._open()
                except _Unavailable as exc:
                    self.failure = str(exc)
                    raise
            self.refs += 1
            assert self.bootstrap is not None
            return self.bootstrap

    def release(self) -> None:
        with self.lock:
            self.refs -= 1
            if self.refs <= 0 and self._stack is not None:
                stack, self._stack = self._stack, None
                self.bootstrap = None
                self.refs = 0
                stack.close()

    def _open(self) -> None:
        env = os.environ.get("CDR_KAFKA_BOOTSTRAP", "").strip()
        if env:
            self.bootstrap, self.kind = env, "external ($CDR_KAFKA_BOOTSTRAP)"
            self._stack = contextlib.ExitStack()
            return
        reasons = []
        ok, why = _docker_reachable()
        if ok:
            stack = contextlib.ExitStack()
            try:
                self.bootstrap = stack.enter_context(_testcontainers_kafka())
                self.kind, self._stack = "testcontainers", stack
                return
            except Exception as exc:  # noqa: BLE001
                stack.close()
                reasons.append(f"testcontainers Kafka failed: {type(exc).__name__}: {exc}")
        else:
            reasons.append(why)
        broker = None
        try:
            from detector.localkafka import LocalKafka

            broker = LocalKafka(partitions=1)
            broker.start(timeout=BROKER_START_TIMEOUT_S)
        except Exception as exc:  # noqa: BLE001 - LocalKafkaError, missing java/mvn, OSError...
            if broker is not None:
                with contextlib.suppress(Exception):
                    broker.stop()
            reasons.append(f"LocalKafka (Maven jars) failed: {type(exc).__name__}: {exc}")
            raise _Unavailable("; ".join(reasons)) from exc
        stack = contextlib.ExitStack()
        stack.callback(broker.stop)
        self.bootstrap, self.kind, self._stack = broker.bootstrap, "LocalKafka", stack


class _Unavailable(Exception):
    pass


# One holder per process even if this file is imported under two names ("tests.kafka_fixtures" when
# tests/ is a package or the repo root is on sys.path, "kafka_fixtures" when pytest puts tests/ itself
# on sys.path): two copies must not start two brokers.
_OTHER_COPY = sys.modules.get("kafka_fixtures" if __name__ == "tests.kafka_fixtures" else "tests.kafka_fixtures")
_HOLDER: _Holder = getattr(_OTHER_COPY, "_HOLDER", None) or _Holder()


@pytest.fixture(scope="session")
def kafka_bootstrap() -> Iterator[str]:
    """Bootstrap servers of a running Kafka broker, for the whole session (see module docstring)."""
    try:
        bootstrap = _HOLDER.acquire()
    except _Unavailable as exc:
        kafka_unavailable(str(exc))
        raise AssertionError("unreachable") from exc
    try:
        yield bootstrap
    finally:
        _HOLDER.release()


# --------------------------------------------------------------------------------------------------
# topics
# --------------------------------------------------------------------------------------------------


def create_topic(
    bootstrap: str,
    partitions: int = 1,
    *,
    name: str | None = None,
    prefix: str = "test",
    config: Mapping[str, str] | None = None,
    timeout: float = 30.0,
) -> str:
    """Create a topic (unique name unless ``name`` is given) and wait until all its partitions have a
    leader in the metadata; return its name."""
    from confluent_kafka.admin import AdminClient, NewTopic  # type: ignore[import-untyped]

    topic = name or f"{prefix}-{uuid.uuid4().hex[:12]}"
    admin = AdminClient({"bootstrap.servers": bootstrap})
    futures = admin.create_topics(
        [NewTopic(topic, num_partitions=partitions, replication_factor=1, config=dict(config or {}))],
        operation_timeout=timeout,
        request_timeout=timeout,
    )
    futures[topic].result(timeout=timeout)
    deadline = time.monotonic() + timeout
    for _ in range(1000):
        md = admin.list_topics(topic=topic, timeout=5)
        t = md.topics.get(topic)
        if (
            t is not None
            and t.error is None
            and len(t.partitions) == partitions
            and all(p.leader >= 0 for p in t.partitions.values())
        ):
            return topic
        if time.monotonic() > deadline:
            break
        time.sleep(0.1)
    raise TimeoutError(f"topic {topic} has no leaders for all {partitions} partitions after {timeout}s")


def delete_topics(bootstrap: str, topics: list[str], timeout: float = 10.0) -> None:
    """Best-effort delete (for cleanup on shared/external brokers)."""
    if not topics:
        return
    from confluent_kafka.admin import AdminClient

    admin = AdminClient({"bootstrap.servers": bootstrap})
    for fut in admin.delete_topics(topics, operation_timeout=timeout, request_timeout=timeout).values():
        with contextlib.suppress(Exception):
            fut.result(timeout=timeout)


@pytest.fixture
def kafka_topic_factory(kafka_bootstrap: str) -> Iterator[Callable[..., str]]:
    """``make(partitions=1, *, prefix="test", config=None) -> name``; topics are deleted afterwards."""
    made: list[str] = []

    def make(partitions: int = 1, *, prefix: str = "test", config: Mapping[str, str] | None = None) -> str:
        topic = create_topic(kafka_bootstrap, partitions, prefix=prefix, config=config)
        made.append(topic)
        return topic

    yield make
    delete_topics(kafka_bootstrap, made)


@pytest.fixture
def kafka_topic(kafka_topic_factory: Callable[..., str]) -> str:
    """A fresh, uniquely named topic with one partition."""
    return kafka_topic_factory(1)


# --------------------------------------------------------------------------------------------------
# dedicated brokers
# --------------------------------------------------------------------------------------------------


@pytest.fixture
def local_kafka_factory() -> Iterator[Callable[..., Any]]:
    """``start(**LocalKafka kwargs) -> LocalKafka``: a broker of the test's own (to kill, restart,
    pause, or configure with extra listeners/properties); all are stopped after the test."""
    from detector.localkafka import LocalKafka

    started: list[LocalKafka] = []

    def start(timeout: float = BROKER_START_TIMEOUT_S, **kwargs: Any) -> LocalKafka:
        broker = LocalKafka(**kwargs)
        started.append(broker)
        try:
            broker.start(timeout=timeout)
        except Exception as exc:  # noqa: BLE001
            kafka_unavailable(f"LocalKafka (Maven jars) failed: {type(exc).__name__}: {exc}")
        return broker

    try:
        yield start
    finally:
        for broker in started:
            broker.stop()
