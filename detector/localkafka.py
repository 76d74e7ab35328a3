"""A real Apache Kafka broker (KRaft, one node) started from Maven Central jars, for tests and people.

No Docker needed: ``fetch_jars`` resolves ``org.apache.kafka:kafka_2.13`` and a logging backend with Maven
into a cache directory, and :class:`LocalKafka` runs ``kafka.Kafka`` from there with ``java -cp``, on
127.0.0.1 only, with a fresh data directory per run.

Which version, and why (``KAFKA_VERSION``)
------------------------------------------
Kafka 4.1.2, the newest patch of the 4.1 line.  It has to be spoken in full by both client stacks of
this project, and was tested here with both (``tests/test_localkafka.py``, ``docs/kafka-local.md``):

* aiokafka 0.14 under faust-streaming 0.15.3.  Kafka 4.0 removed old request versions (KIP-896), e.g.
  CreateTopics v0-1, which faust sends when aiokafka < 0.13 (``CreateTopicsRequest[1]``).  aiokafka
  >= 0.13 (pinned in pyproject) negotiates every request from the broker's ApiVersions answer instead;
  against 4.1.2 every one of its 34 request types has a common version (CreateTopics v3, Fetch v11,
  Produce v7, JoinGroup v5, OffsetCommit v3, ...).  A faust worker creates its topic and its compacted
  table changelog with CreateTopics, produces, joins the group, consumes and commits.
* librdkafka 2.16 (confluent-kafka 2.16): admin create/describe, produce, consume, consumer-group
  commits, compacted topics (the cleaner really compacts) and a SASL/PLAIN listener work.
* Why 4.x rather than 3.9.2 (which also passes the same tests): 4.x is the maintained line, and 3.9
  is the last 3.x release.  Why 4.1 rather than 4.0 or the newest (4.4.0,
  which also passes): a line past its .0 with two patch releases, newer than the 4.0.0 that faust's own
  (non-blocking) CI runs against; aiokafka's own CI stops at Kafka 2.8.
  ``$CDR_KAFKA_VERSION`` runs another version without editing code (3.9.2, 4.1.2 and 4.4.0 pass the
  whole of tests/test_localkafka.py here).

4.x brokers need Java 17+ (installed on these machines).  Logging: the broker jars bring slf4j-api 1.7
(and, on 4.x, log4j-core) but no slf4j binding; without ``log4j-slf4j-impl`` (4.x) or ``slf4j-reload4j``
(3.x) the broker logs nothing at all, so ``fetch_jars`` adds it.

The module imports only the standard library at top level; ``confluent_kafka`` is used, when importable,
for a metadata request in the readiness check.

Command line::

    python -m detector.localkafka fetch                 # download the jars into the cache
    python -m detector.localkafka run --port 9092       # a broker in the foreground until Ctrl-C
"""

from __future__ import annotations

import argparse
import atexit
import base64
import contextlib
import errno
import fcntl
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import weakref
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any

__all__ = [
    "KAFKA_VERSION",
    "SCALA_VERSION",
    "LocalKafka",
    "LocalKafkaError",
    "artifacts",
    "default_cache_dir",
    "fetch_jars",
    "main",
]

KAFKA_VERSION = "4.1.2"
"""Apache Kafka broker version run by :class:`LocalKafka` (why: see the module docstring)."""

SCALA_VERSION = "2.13"

# Logging backends.  The broker jars bring slf4j-api 1.7 and (4.x) log4j-api/log4j-core but no slf4j
# binding, so without one of these the broker logs nothing at all (SLF4J falls back to NOP).
_LOG4J2_VERSION = "2.25.3"  # = the log4j-core that kafka-server 4.1.2 depends on
_SLF4J_VERSION = "1.7.36"
_RELOAD4J_VERSION = "1.2.25"
_DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1"
_MARKER = ".complete"
_LOOPBACK = "127.0.0.1"


class LocalKafkaError(RuntimeError):
    """Fetching the jars or starting/stopping the broker failed; the message carries the evidence."""


# --------------------------------------------------------------------------------------------------
# Jars
# --------------------------------------------------------------------------------------------------


def _major(version: str) -> int:
    return int(version.split(".", 1)[0])


def artifacts(version: str = KAFKA_VERSION) -> list[tuple[str, str, str]]:
    """Maven coordinates (group, artifact, version) resolved at runtime scope for ``version``."""
    arts = [("org.apache.kafka", f"kafka_{SCALA_VERSION}", version)]
    if _major(version) >= 4:
        arts += [
            ("org.apache.logging.log4j", "log4j-slf4j-impl", _LOG4J2_VERSION),
            ("org.apache.logging.log4j", "log4j-api", _LOG4J2_VERSION),
            ("org.apache.logging.log4j", "log4j-core", _LOG4J2_VERSION),
        ]
    else:
        arts += [
            ("org.slf4j", "slf4j-reload4j", _SLF4J_VERSION),
            ("ch.qos.reload4j", "reload4j", _RELOAD4J_VERSION),
        ]
    return arts


def default_cache_dir(version: str = KAFKA_VERSION) -> Path:
    """``$CDR_KAFKA_CACHE`` if set, else ``~/.cache/cdr-detector/kafka-<version>/libs``.

    ``$CDR_KAFKA_CACHE`` names the jar directory itself; the marker file in it records which version
    it holds, so pointing it at a directory of another version makes :func:`fetch_jars` refetch.
    """
    env = os.environ.get("CDR_KAFKA_CACHE")
    if env:
        return Path(env).expanduser()
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "cdr-detector" / f"kafka-{version}" / "libs"


def _pom(version: str) -> str:
    deps = "\n".join(
        f"    <dependency><groupId>{g}</groupId><artifactId>{a}</artifactId>"
        f"<version>{v}</version></dependency>"
        for g, a, v in artifacts(version)
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<!-- throwaway pom written by detector.localkafka.fetch_jars -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.cdr-detector</groupId>
  <artifactId>kafka-jars</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
{deps}
  </dependencies>
</project>
"""


def _marker_header(version: str) -> str:
    coords = " ".join(f"{g}:{a}:{v}" for g, a, v in artifacts(version))
    return f"kafka {version}\n{coords}\n"


def _is_complete(libs: Path, version: str) -> bool:
    marker = libs / _MARKER
    try:
        text = marker.read_text()
    except OSError:
        return False
    if not text.startswith(_marker_header(version)):
        return False
    names = text[len(_marker_header(version)) :].split()
    return bool(names) and all((libs / n).is_file() for n in names)


def _replaceable(libs: Path) -> bool:
    """Only ever delete a directory that holds nothing but what fetch_jars puts there."""
    if not libs.exists():
        return True
    if not libs.is_dir():
        return False
    return all(p.name == _MARKER or p.suffix == ".jar" for p in libs.iterdir())


@contextlib.contextmanager
def _file_lock(path: Path, timeout: float) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as fh:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() > deadline:
                    raise LocalKafkaError(f"timed out after {timeout:.0f}s waiting for lock {path}") from exc
                time.sleep(0.5)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.splitlines()[-lines:])


def fetch_jars(
    cache_dir: Path | None = None,
    *,
    version: str = KAFKA_VERSION,
    timeout: float = 900.0,
    mvn: str | None = None,
) -> Path:
    """Make ``cache_dir`` (default :func:`default_cache_dir`) hold the broker's runtime jars; return it.

    Runs ``mvn -B -q dependency:copy-dependencies -DincludeScope=runtime`` on a throwaway pom into a
    temporary sibling directory, then moves it into place and writes a marker file listing the jars.
    Idempotent (a complete directory is returned untouched), safe against a half-finished earlier run
    (no marker -> fetched again) and against concurrent callers (a file lock).
    """
    libs = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir(version)
    libs = libs.absolute()
    if _is_complete(libs, version):
        return libs
    parent = libs.parent
    with _file_lock(parent / f".{libs.name}.lock", timeout):
        if _is_complete(libs, version):
            return libs
        if not _replaceable(libs):
            raise LocalKafkaError(f"{libs} holds files other than jars; refusing to overwrite it")
        mvn = mvn or shutil.which("mvn")
        if not mvn:
            raise LocalKafkaError("mvn (Apache Maven) is not on PATH; it is needed to fetch the Kafka jars")
        # Leftovers of runs that died half-way (we hold the lock, so nobody is using them).
        for stale in parent.glob(f".{libs.name}.partial-*"):
            shutil.rmtree(stale, ignore_errors=True)
        work = Path(tempfile.mkdtemp(prefix=f".{libs.name}.partial-", dir=parent))
        try:
            (work / "pom.xml").write_text(_pom(version))
            out = work / "libs"
            cmd = [
                mvn,
                "-B",
                "-q",
                "-f",
                str(work / "pom.xml"),
                f"{_DEPENDENCY_PLUGIN}:copy-dependencies",
                "-DincludeScope=runtime",
                f"-DoutputDirectory={out}",
            ]
            try:
                proc = subprocess.run(
                    cmd,
                    cwd=work,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    text=True,
                    timeout=timeout,
                    check=False,
                )
            except subprocess.TimeoutExpired as exc:
                raise LocalKafkaError(f"mvn did not finish within {timeout:.0f}s: {' '.join(cmd)}") from exc
            if proc.returncode != 0:
                raise LocalKafkaError(
                    f"mvn exited with {proc.returncode}: {' '.join(cmd)}\n{_tail(proc.stdout)}"
                )
            jars = sorted(p.name for p in out.glob("*.jar"))
            main_jar = f"kafka_{SCALA_VERSION}-{version}.jar"
            if main_jar not in jars:
                raise LocalKafkaError(f"mvn succeeded but {main_jar} is not in {out}: {jars}")
            if libs.exists():
                shutil.rmtree(libs)
            os.replace(out, libs)
            tmp_marker = libs / f"{_MARKER}.tmp"
            tmp_marker.write_text(_marker_header(version) + "\n".join(jars) + "\n")
            os.replace(tmp_marker, libs / _MARKER)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return libs


# --------------------------------------------------------------------------------------------------
# Broker
# --------------------------------------------------------------------------------------------------


def free_ports(n: int) -> list[int]:
    """``n`` distinct free TCP ports on 127.0.0.1 (held open together so they differ)."""
    socks = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind((_LOOPBACK, 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def free_port() -> int:
    """One free TCP port on 127.0.0.1 (for a worker's metrics or health endpoint in tests and benchmarks)."""
    return free_ports(1)[0]


def _tcp_open(port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((_LOOPBACK, port), timeout=timeout):
            return True
    except OSError:
        return False


def _cluster_id() -> str:
    """A Kafka cluster id (22 chars, URL-safe base64 of a random UUID, as ``kafka-storage random-uuid``)."""
    for _ in range(100):
        cid = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cid.startswith("-"):
            return cid
    raise AssertionError("unreachable")


def _prop_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _java_binary(java: str | None) -> str:
    if java:
        return java
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").is_file():
        return str(Path(home) / "bin" / "java")
    found = shutil.which("java")
    if not found:
        raise LocalKafkaError("java is not on PATH (Kafka 4.x needs Java 17+)")
    return found


def _die_with_parent() -> None:  # runs in the child between fork and exec
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception:  # noqa: BLE001 - best effort: not Linux, no ctypes
        pass


_LOG4J2_CONFIG = """\
status = warn
name = localkafka
appender.out.type = Console
appender.out.name = OUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.out.ref = OUT
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.zk.name = org.apache.zookeeper
logger.zk.level = WARN
"""

_LOG4J1_CONFIG = """\
log4j.rootLogger=INFO, out
log4j.appender.out=org.apache.log4j.ConsoleAppender
log4j.appender.out.layout=org.apache.log4j.PatternLayout
log4j.appender.out.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.org.apache.zookeeper=WARN
"""

_LIVE: weakref.WeakSet[LocalKafka] = weakref.WeakSet()


@atexit.register
def _kill_leftovers() -> None:
    for broker in list(_LIVE):
        with contextlib.suppress(Exception):
            broker.stop(timeout=10.0)


class LocalKafka:
    """One Apache Kafka broker in KRaft combined mode (broker + controller, ``node.id=1``) on 127.0.0.1.

    >>> with LocalKafka(partitions=3) as kafka:      # doctest: +SKIP
    ...     produce_to(kafka.bootstrap)

    ``start()`` fetches the jars if needed, formats a fresh data directory in a new temporary run
    directory and waits until the broker answers a metadata request.  ``stop()`` stops it (SIGTERM, then
    SIGKILL) and removes the run directory.  ``kill()`` + ``restart()`` stop it and start it again on the
    same ports and data (records and committed offsets survive); ``pause()``/``resume()`` freeze it with
    SIGSTOP/SIGCONT (connections stay open but nothing answers).

    ``server_properties`` are added to / override the generated ``server.properties``; in their values
    ``{port}``, ``{controller_port}``, ``{run_dir}`` and ``{<listener>_port}`` (lower case, one per
    ``extra_listeners`` entry) are replaced.  ``extra_listeners`` maps listener names to security
    protocols, e.g. ``{"SASL_PLAINTEXT": "SASL_PLAINTEXT"}``; each gets its own free port (see
    :attr:`listener_ports` and :meth:`bootstrap_for`) and is advertised on 127.0.0.1.
    """

    def __init__(
        self,
        *,
        port: int | None = None,
        controller_port: int | None = None,
        partitions: int = 1,
        server_properties: Mapping[str, object] | None = None,
        extra_listeners: Mapping[str, str] | None = None,
        jvm_args: Sequence[str] = (),
        heap: str = "512m",
        version: str | None = None,
        libs_dir: Path | None = None,
        run_dir: Path | None = None,
        keep_run_dir: bool = False,
        java: str | None = None,
        die_with_parent: bool = True,
    ) -> None:
        if partitions < 1:
            raise ValueError("partitions must be >= 1")
        self.version = version or os.environ.get("CDR_KAFKA_VERSION") or KAFKA_VERSION
        self.partitions = partitions
        self.server_properties = dict(server_properties or {})
        self.extra_listeners = {k.upper(): v for k, v in (extra_listeners or {}).items()}
        self.jvm_args = list(jvm_args)
        self.heap = heap
        self.libs_dir = Path(libs_dir) if libs_dir is not None else None
        self.keep_run_dir = keep_run_dir
        self.die_with_parent = die_with_parent
        self._java = java
        self._given_run_dir = Path(run_dir) if run_dir is not None else None
        self._port = port
        self._controller_port = controller_port
        self._listener_ports: dict[str, int] = {}
        self.run_dir: Path | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._log_fh: IO[bytes] | None = None
        self._formatted = False
        self._paused = False
        self.start_seconds: float | None = None
        """Wall time of the last successful start()/restart(), JVM launch to ready."""

    # ---------------------------------------------------------------- properties
    @property
    def port(self) -> int:
        if self._port is None:
            raise LocalKafkaError("not started")
        return self._port

    @property
    def controller_port(self) -> int:
        if self._controller_port is None:
            raise LocalKafkaError("not started")
        return self._controller_port

    @property
    def bootstrap(self) -> str:
        """``"127.0.0.1:PORT"`` of the PLAINTEXT listener."""
        return f"{_LOOPBACK}:{self.port}"

    @property
    def listener_ports(self) -> dict[str, int]:
        """Port of every client listener, by listener name (PLAINTEXT and the extra ones)."""
        return {"PLAINTEXT": self.port, **self._listener_ports}

    def bootstrap_for(self, listener: str) -> str:
        return f"{_LOOPBACK}:{self.listener_ports[listener.upper()]}"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    @property
    def log_path(self) -> Path:
        if self.run_dir is None:
            raise LocalKafkaError("not started")
        return self.run_dir / "broker.log"

    def is_running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def rss_bytes(self) -> int | None:
        """Resident memory of the broker JVM (Linux /proc), or None."""
        if not self.is_running():
            return None
        try:
            for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        except OSError:
            return None
        return None

    def failure_report(self, tail_lines: int = 40) -> str:
        """The ERROR/FATAL lines of the current run (the cause, which a shutdown may push out of the
        tail) followed by the tail of the broker log."""
        try:
            data = self.log_path.read_bytes()
        except (OSError, LocalKafkaError):
            return "(no broker log)"
        run = data.decode("utf-8", "replace").rsplit("\n==== localkafka: ", 1)[-1]
        errors = [
            ln
            for ln in run.splitlines()
            if " ERROR " in ln or " FATAL " in ln or ln.startswith("Caused by: ")
        ][:20]
        head = ("errors in the log:\n" + "\n".join(errors) + "\n") if errors else ""
        return f"{head}last lines of the log:\n{_tail(run, tail_lines)}"

    def log_tail(self, lines: int = 60) -> str:
        try:
            data = self.log_path.read_bytes()[-200_000:]
        except (OSError, LocalKafkaError):
            return "(no broker log)"
        return _tail(data.decode("utf-8", "replace"), lines)

    # ---------------------------------------------------------------- lifecycle
    def __enter__(self) -> LocalKafka:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self, timeout: float = 90.0) -> LocalKafka:
        """Fetch jars if needed, format a fresh data dir, launch the broker, wait until it answers."""
        if self.is_running():
            raise LocalKafkaError(f"already running (pid {self.pid})")
        self._java = _java_binary(self._java)  # fail before making anything
        if self.libs_dir is None:
            self.libs_dir = fetch_jars(version=self.version)
        self._choose_ports()
        if self._given_run_dir is not None:
            self.run_dir = self._given_run_dir
            self.run_dir.mkdir(parents=True, exist_ok=True)
        else:
            self.run_dir = Path(tempfile.mkdtemp(prefix="cdr-kafka-"))
        (self.run_dir / "data").mkdir(exist_ok=True)
        self._write_configs()
        _LIVE.add(self)
        try:
            self._format(timeout=min(timeout, 120.0))
            self._launch_and_wait(timeout)
        except BaseException:
            self._terminate(10.0)
            self._close_log()
            raise
        return self

    def restart(self, timeout: float = 90.0) -> LocalKafka:
        """Start again after :meth:`kill` on the same ports, run directory and data."""
        if self.run_dir is None or not self._formatted:
            raise LocalKafkaError("restart() needs a broker that was started before")
        if self.is_running():
            raise LocalKafkaError(f"still running (pid {self.pid}); kill() it first")
        _LIVE.add(self)
        try:
            self._launch_and_wait(timeout)
        except BaseException:
            self._terminate(10.0)
            self._close_log()
            raise
        return self

    def kill(self, graceful: bool = False, timeout: float = 30.0) -> None:
        """Stop the broker process but keep its run directory and ports, for :meth:`restart`.

        ``graceful=False`` is SIGKILL (a crash); ``graceful=True`` is SIGTERM and a bounded wait.
        """
        if graceful:
            self._terminate(timeout)
        elif self._proc is not None:
            if self._paused:
                self._signal(signal.SIGCONT)
            self._signal(signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._proc.wait(timeout=timeout)
        self._paused = False
        self._close_log()

    def pause(self) -> None:
        """SIGSTOP the broker: sockets stay open, nothing is answered (a hung broker)."""
        if not self.is_running():
            raise LocalKafkaError("not running")
        self._signal(signal.SIGSTOP)
        self._paused = True

    def resume(self) -> None:
        if self._paused:
            self._signal(signal.SIGCONT)
            self._paused = False

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM, wait up to ``timeout``, then SIGKILL; remove the run directory unless kept."""
        self._terminate(timeout)
        self._close_log()
        _LIVE.discard(self)
        if (
            self.run_dir is not None
            and self._given_run_dir is None
            and not self.keep_run_dir
            and not os.environ.get("CDR_KAFKA_KEEP_RUN_DIR")
        ):
            shutil.rmtree(self.run_dir, ignore_errors=True)
            self.run_dir = None
            self._formatted = False

    # ---------------------------------------------------------------- internals
    def _choose_ports(self) -> None:
        wanted = 2 + len(self.extra_listeners)
        free = iter(free_ports(wanted))
        if self._port is None:
            self._port = next(free)
        if self._controller_port is None:
            self._controller_port = next(free)
        for name in self.extra_listeners:
            if name not in self._listener_ports:
                p = next(free)
                while p in (self._port, self._controller_port):
                    p = next(free)
                self._listener_ports[name] = p
        ports = [self._port, self._controller_port, *self._listener_ports.values()]
        if len(set(ports)) != len(ports):
            raise LocalKafkaError(f"port clash: {ports}")

    def _base_properties(self) -> dict[str, str]:
        assert self.run_dir is not None
        port, cport = self.port, self.controller_port
        listeners = [f"PLAINTEXT://{_LOOPBACK}:{port}", f"CONTROLLER://{_LOOPBACK}:{cport}"]
        advertised = [f"PLAINTEXT://{_LOOPBACK}:{port}"]
        protomap = ["CONTROLLER:PLAINTEXT", "PLAINTEXT:PLAINTEXT"]
        for name, proto in self.extra_listeners.items():
            p = self._listener_ports[name]
            listeners.append(f"{name}://{_LOOPBACK}:{p}")
            advertised.append(f"{name}://{_LOOPBACK}:{p}")
            protomap.append(f"{name}:{proto}")
        props = {
            "process.roles": "broker,controller",
            "node.id": "1",
            "controller.quorum.voters": f"1@{_LOOPBACK}:{cport}",
            "listeners": ",".join(listeners),
            "advertised.listeners": ",".join(advertised),
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            "listener.security.protocol.map": ",".join(protomap),
            "log.dirs": str(self.run_dir / "data"),
            "num.partitions": str(self.partitions),
            "default.replication.factor": "1",
            "min.insync.replicas": "1",
            "offsets.topic.replication.factor": "1",
            "offsets.topic.num.partitions": "1",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "transaction.state.log.num.partitions": "1",
            "group.initial.rebalance.delay.ms": "0",
            "auto.create.topics.enable": "true",
            "delete.topic.enable": "true",
            # The cleaner's dedupe buffer lives on the heap (default 128 MiB); 8 MiB fits ~350k keys
            # per cleaning pass, plenty for test and demo changelogs.
            "log.cleaner.dedupe.buffer.size": str(8 * 1024 * 1024),
            "log.cleaner.threads": "1",
            "log.cleaner.backoff.ms": "1000",
            # After a crash (SIGKILL) the restarted node finds its old registration still live and
            # waits for the broker session to expire (DUPLICATE_BROKER_REGISTRATION): 9 s by default
            # -> a 12-15 s restart.  4 s brings that to ~6 s and is still far above any pause here.
            "broker.heartbeat.interval.ms": "1000",
            "broker.session.timeout.ms": "4000",
            "num.network.threads": "2",
            "num.io.threads": "4",
            "num.recovery.threads.per.data.dir": "1",
            "log.retention.hours": "24",
        }
        if _major(self.version) >= 4:
            props.update(
                {
                    "share.coordinator.state.topic.replication.factor": "1",
                    "share.coordinator.state.topic.min.isr": "1",
                    "share.coordinator.state.topic.num.partitions": "1",
                }
            )
        return props

    def _substitute(self, value: object) -> str:
        assert self.run_dir is not None
        text = str(value)
        subs = {
            "{port}": str(self.port),
            "{controller_port}": str(self.controller_port),
            "{run_dir}": str(self.run_dir),
        }
        for name, p in self._listener_ports.items():
            subs[f"{{{name.lower()}_port}}"] = str(p)
        for k, v in subs.items():
            text = text.replace(k, v)
        return text

    def _write_configs(self) -> None:
        assert self.run_dir is not None
        props = self._base_properties()
        for k, v in self.server_properties.items():
            props[str(k)] = self._substitute(v)
        lines = [f"# generated by detector.localkafka (Kafka {self.version})"]
        lines += [f"{k}={_prop_escape(v)}" for k, v in props.items()]
        (self.run_dir / "server.properties").write_text("\n".join(lines) + "\n")
        if _major(self.version) >= 4:
            (self.run_dir / "log4j2.properties").write_text(_LOG4J2_CONFIG)
        else:
            (self.run_dir / "log4j.properties").write_text(_LOG4J1_CONFIG)

    def _java_cmd(self, main_class: str, *args: str, heap: str | None = None) -> list[str]:
        assert self.run_dir is not None and self.libs_dir is not None
        if _major(self.version) >= 4:
            log_opt = f"-Dlog4j2.configurationFile={self.run_dir / 'log4j2.properties'}"
        else:
            log_opt = f"-Dlog4j.configuration=file:{self.run_dir / 'log4j.properties'}"
        return [
            _java_binary(self._java),
            f"-Xmx{heap or self.heap}",
            "-Xms64m",
            "-XX:+UseG1GC",
            "-XX:MaxGCPauseMillis=20",
            "-XX:InitiatingHeapOccupancyPercent=35",
            "-XX:+ExplicitGCInvokesConcurrent",
            "-Djava.awt.headless=true",
            log_opt,
            f"-Dkafka.logs.dir={self.run_dir / 'logs'}",
            *self.jvm_args,
            "-cp",
            str(self.libs_dir / "*"),
            main_class,
            *args,
        ]

    def _format(self, timeout: float) -> None:
        assert self.run_dir is not None
        cmd = self._java_cmd(
            "kafka.tools.StorageTool",
            "format",
            "-t",
            _cluster_id(),
            "-c",
            str(self.run_dir / "server.properties"),
            "--ignore-formatted",
            heap="256m",
        )
        try:
            proc = subprocess.run(
                cmd,
                cwd=self.run_dir,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise LocalKafkaError(f"kafka storage format did not finish within {timeout:.0f}s") from exc
        out = proc.stdout.decode("utf-8", "replace")
        (self.run_dir / "format.log").write_text(out)
        if proc.returncode != 0:
            raise LocalKafkaError(f"kafka storage format exited with {proc.returncode}:\n{_tail(out)}")
        self._formatted = True

    def _signal(self, sig: int) -> None:
        if self._proc is not None and self._proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._proc.pid, sig)

    def _launch_and_wait(self, timeout: float) -> None:
        assert self.run_dir is not None
        cmd = self._java_cmd("kafka.Kafka", str(self.run_dir / "server.properties"))
        self._log_fh = open(self.log_path, "ab")  # noqa: SIM115 - closed in _close_log
        self._log_fh.write(f"\n==== localkafka: {' '.join(cmd)}\n".encode())
        self._log_fh.flush()
        t0 = time.monotonic()
        self._proc = subprocess.Popen(
            cmd,
            cwd=self.run_dir,
            stdin=subprocess.DEVNULL,
            stdout=self._log_fh,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C in a terminal reaches us, and we stop the broker cleanly
            preexec_fn=_die_with_parent if self.die_with_parent and sys.platform == "linux" else None,
        )
        self._wait_ready(t0 + timeout, timeout)
        self.start_seconds = time.monotonic() - t0

    def _wait_ready(self, deadline: float, timeout: float) -> None:
        admin_client: Any = None
        try:
            from confluent_kafka.admin import AdminClient

            admin_client = AdminClient
        except ImportError:  # stdlib fallback: TCP connect + the broker's own "started" line
            pass
        admin = None
        attempts = 0
        while True:
            attempts += 1
            assert self._proc is not None
            code = self._proc.poll()
            if code is not None:
                raise LocalKafkaError(
                    f"Kafka broker exited with code {code} while starting "
                    f"(log {self.log_path}):\n{self.failure_report()}"
                )
            now = time.monotonic()
            if now > deadline or attempts > 100_000:
                raise LocalKafkaError(
                    f"Kafka broker not ready after {timeout:.0f}s (log {self.log_path}):\n"
                    f"{self.failure_report()}"
                )
            if _tcp_open(self.port):
                if admin_client is None:
                    if "Kafka Server started" in self.log_tail(400):
                        return
                else:
                    if admin is None:
                        admin = admin_client({"bootstrap.servers": self.bootstrap, "log_level": 2})
                    with contextlib.suppress(Exception):
                        md = admin.list_topics(timeout=max(0.5, min(3.0, deadline - now)))
                        if 1 in md.brokers:
                            return
            time.sleep(0.2)

    def _terminate(self, timeout: float) -> None:
        proc = self._proc
        if proc is None:
            return
        if proc.poll() is None:
            if self._paused:
                self._signal(signal.SIGCONT)
                self._paused = False
            self._signal(signal.SIGTERM)
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(timeout=10.0)

    def _close_log(self) -> None:
        if self._log_fh is not None:
            with contextlib.suppress(OSError):
                self._log_fh.close()
            self._log_fh = None


# --------------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------------


def _parse_set(items: Sequence[str]) -> dict[str, str]:
    props = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise SystemExit(f"--set wants KEY=VALUE, got {item!r}")
        props[key.strip()] = value
    return props


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m detector.localkafka",
        description="Apache Kafka (KRaft, one node, 127.0.0.1) from Maven Central jars, without Docker.",
    )
    parser.add_argument(
        "--version",
        default=os.environ.get("CDR_KAFKA_VERSION") or KAFKA_VERSION,
        help=f"Kafka version (default $CDR_KAFKA_VERSION or {KAFKA_VERSION})",
    )
    parser.add_argument("--cache", type=Path, default=None, help="jar directory (default $CDR_KAFKA_CACHE "
                        "or ~/.cache/cdr-detector/kafka-<version>/libs)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("fetch", help="download the broker jars into the cache (idempotent)")
    run = sub.add_parser("run", help="run a broker in the foreground until Ctrl-C / SIGTERM")
    run.add_argument("--port", type=int, default=None, help="PLAINTEXT port (default: a free one)")
    run.add_argument("--controller-port", type=int, default=None, help="controller port (default: free)")
    run.add_argument("--partitions", type=int, default=1, help="num.partitions for auto-created topics")
    run.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                     help="extra server property (repeatable)")
    run.add_argument("--heap", default="512m", help="JVM -Xmx (default 512m)")
    run.add_argument("--run-dir", type=Path, default=None,
                     help="keep config, log and data here (default: a temp dir removed on exit)")
    run.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for readiness")
    run.add_argument("--duration", type=float, default=0.0,
                     help="stop by itself after this many seconds (default 0: until Ctrl-C/SIGTERM)")
    args = parser.parse_args(argv)

    if args.command == "fetch":
        t0 = time.monotonic()
        libs = fetch_jars(args.cache, version=args.version)
        n = len(list(libs.glob("*.jar")))
        print(f"{n} jars for Kafka {args.version} in {libs} ({time.monotonic() - t0:.1f}s)", flush=True)
        return 0

    stop = threading.Event()

    def _on_signal(signum: int, _frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    libs = fetch_jars(args.cache, version=args.version)
    kafka = LocalKafka(
        port=args.port,
        controller_port=args.controller_port,
        partitions=args.partitions,
        server_properties=_parse_set(args.set),
        heap=args.heap,
        version=args.version,
        libs_dir=libs,
        run_dir=args.run_dir,
    )
    try:
        kafka.start(timeout=args.timeout)
    except LocalKafkaError as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        return 1
    try:
        print(
            f"Kafka {args.version} ready in {kafka.start_seconds:.1f}s: bootstrap {kafka.bootstrap} "
            f"(pid {kafka.pid}, log {kafka.log_path}). Ctrl-C to stop.",
            flush=True,
        )
        print(f"export CDR_KAFKA_BOOTSTRAP={kafka.bootstrap}", flush=True)
        deadline = time.monotonic() + args.duration if args.duration > 0 else None
        while not stop.is_set():
            if not kafka.is_running():
                print(f"broker exited unexpectedly:\n{kafka.failure_report()}", file=sys.stderr, flush=True)
                return 1
            if deadline is not None and time.monotonic() > deadline:
                break
            stop.wait(0.5)
    finally:
        print("stopping Kafka ...", flush=True)
        kafka.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
