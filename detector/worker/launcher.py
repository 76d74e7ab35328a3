"""Start and stop ``python -m detector worker`` as a subprocess: one launcher for the tests and the benchmarks.

Each process gets its own health port (and, if asked, metrics port) on 127.0.0.1, its own log file, state
directory and final report.  Every wait is bounded.  Only the standard library is imported here.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import IO, Any, Iterable

from ..localkafka import free_port

#: The directory that holds the ``detector`` package this launcher belongs to (the workers' PYTHONPATH).
PACKAGE_ROOT = Path(__file__).resolve().parents[2]


class WorkerProcess:
    """One ``python -m detector worker`` subprocess.

    ``metrics_port``: 0 turns the Prometheus endpoint off, ``None`` picks a free port.  ``extra`` flags come
    last, so they override the ones set here.  ``code_dir`` is where the worker imports ``detector`` from
    (default: this package's tree; the Kafka benchmark passes a build of the compiled core).
    """

    def __init__(self, bootstrap: str, out: Path, name: str, *, topic: str, group: str, alerts: str, dlq: str,
                 partitions: int, batch_size: int = 200, batch_timeout_s: float = 0.1,
                 metrics_port: int | None = 0, log_level: str = "info", extra: Iterable[str] = (),
                 code_dir: Path | None = None) -> None:
        self.name = name
        out.mkdir(parents=True, exist_ok=True)
        self.web_port = free_port()
        self.metrics_port = free_port() if metrics_port is None else metrics_port
        self.report = out / f"{name}.report.json"
        self.log_path = out / f"{name}.log"
        self.code_dir = code_dir or PACKAGE_ROOT
        self.args = [
            sys.executable, "-m", "detector", "worker", "--name", name,
            "--bootstrap-servers", bootstrap, "--cdr-topic", topic, "--alert-topic", alerts, "--dlq-topic", dlq,
            "--group-id", group, "--partitions", str(partitions), "--batch-size", str(batch_size),
            "--batch-timeout-s", str(batch_timeout_s), "--web-port", str(self.web_port),
            "--metrics-port", str(self.metrics_port), "--state-dir", str(out / f"{name}-state"),
            "--log-level", log_level, "--report", str(self.report), *extra,
        ]
        self.proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    def start(self) -> "WorkerProcess":
        env = {**os.environ, "PYTHONPATH": str(self.code_dir)}
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.args, stdout=self._log, stderr=subprocess.STDOUT, env=env,
                                     cwd=self.code_dir)
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None, "not started"
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def _get(self, url: str, timeout: float = 2.0) -> bytes | None:
        try:
            with urllib.request.urlopen(url, timeout=timeout) as r:
                return r.read()
        except urllib.error.HTTPError as exc:  # 503 while degraded: the body is still the health JSON
            return exc.read()
        except Exception:  # noqa: BLE001 - not up yet, or gone
            return None

    def health(self) -> dict[str, Any] | None:
        body = self._get(f"http://127.0.0.1:{self.web_port}/health")
        try:
            return json.loads(body) if body else None
        except ValueError:
            return None

    def metrics_text(self) -> str | None:
        if not self.metrics_port:
            return None
        body = self._get(f"http://127.0.0.1:{self.metrics_port}/metrics")
        return body.decode() if body is not None else None

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30.0) -> int | None:
        """Signal the worker (SIGTERM: clean stop), wait up to ``timeout`` s, then kill it.  Idempotent."""
        if self.proc is None:
            return None
        if self._log is None or self._log.closed:
            return self.proc.returncode
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self._log.close()
        return self.proc.returncode

    def final_report(self) -> dict[str, Any]:
        return json.loads(self.report.read_text())

    def log_tail(self, n: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""
