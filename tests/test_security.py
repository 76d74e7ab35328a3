"""Access: SASL (PLAIN, SCRAM-SHA-256) and TLS to the broker, secrets that never leak, loopback endpoints.

The broker tests start one dedicated LocalKafka with three listeners on 127.0.0.1: PLAINTEXT (the test's own
admin/producer), SASL_PLAINTEXT (PLAIN and SCRAM-SHA-256) and SSL (a certificate made here with openssl).
Workers run as subprocesses (``python -m detector worker``), concurrently, each with its own topics and
group; every wait is bounded.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import ssl
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from detector.metrics import DEFAULT_METRICS_ADDR
from detector.settings import Secret, Settings
from detector.worker.app import faust_credentials, librdkafka_config
from tests.worker_helpers import ROOT, WorkerProc, free_port, unique, wait_for

try:
    from tests.kafka_fixtures import local_kafka_factory  # noqa: F401
except ImportError:  # pragma: no cover - tests/ on sys.path instead of the repo root
    from kafka_fixtures import local_kafka_factory  # type: ignore[no-redef]  # noqa: F401

PASSWORD = "s3cr3t-Pl41n-pa55w0rd-7f1e"  # a value that cannot appear anywhere by accident
SCRAM_PASSWORD = "scr4m-pa55-9b2c-ffe1"
WRONG = "wr0ng-guess-44aa"
PARTITIONS = 2


# -- certificates -------------------------------------------------------------------------------------


def make_certs(d: Path) -> dict[str, Path]:
    """A throwaway CA and a broker certificate for 127.0.0.1 (SAN IP), unencrypted PKCS#8 keys, PEM."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl not installed")
    d.mkdir(parents=True, exist_ok=True)

    def run(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=d, check=True, capture_output=True, timeout=60)

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=cdr-test-ca",
        "-keyout", "ca.key", "-out", "ca.pem")
    run("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", "broker.key.rsa",
        "-out", "broker.csr")
    (d / "san.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    run("x509", "-req", "-in", "broker.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2",
        "-extfile", "san.ext", "-out", "broker.pem")
    run("pkcs8", "-topk8", "-nocrypt", "-in", "broker.key.rsa", "-out", "broker.key")
    (d / "broker.keystore.pem").write_text((d / "broker.key").read_text() + (d / "broker.pem").read_text())
    return {"ca": d / "ca.pem", "cert": d / "broker.pem", "key": d / "broker.key",
            "keystore": d / "broker.keystore.pem"}


# -- unit: the config mapping -----------------------------------------------------------------------------


def _settings(**kw: Any) -> Settings:
    return Settings(**kw)


def test_plaintext_maps_to_no_credentials() -> None:
    s = _settings()
    assert librdkafka_config(s) == {"bootstrap.servers": "127.0.0.1:9092", "security.protocol": "PLAINTEXT"}
    assert faust_credentials(s) is None


@pytest.mark.parametrize("mechanism", ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"])
def test_sasl_plaintext_reaches_both_clients(mechanism: str) -> None:
    from faust.transport.drivers.aiokafka import credentials_to_aiokafka_auth

    s = _settings(security_protocol="SASL_PLAINTEXT", sasl_mechanism=mechanism, sasl_username="alice",
                  sasl_password=Secret(PASSWORD))
    conf = librdkafka_config(s)
    assert conf["security.protocol"] == "SASL_PLAINTEXT"
    assert (conf["sasl.mechanism"], conf["sasl.username"], conf["sasl.password"]) == (mechanism, "alice", PASSWORD)
    assert not any(k.startswith("ssl.") for k in conf)
    auth = credentials_to_aiokafka_auth(faust_credentials(s))
    assert auth["security_protocol"] == "SASL_PLAINTEXT"
    assert auth["sasl_mechanism"] == mechanism
    assert (auth["sasl_plain_username"], auth["sasl_plain_password"]) == ("alice", PASSWORD)
    assert auth["ssl_context"] is None


@pytest.mark.parametrize("protocol", ["SSL", "SASL_SSL"])
def test_tls_files_reach_both_clients(protocol: str, tmp_path: Path) -> None:
    from faust.transport.drivers.aiokafka import credentials_to_aiokafka_auth

    certs = make_certs(tmp_path)
    extra = {"sasl_username": "alice", "sasl_password": Secret(PASSWORD)} if protocol == "SASL_SSL" else {}
    s = _settings(security_protocol=protocol, ssl_cafile=str(certs["ca"]), ssl_certfile=str(certs["cert"]),
                  ssl_keyfile=str(certs["key"]), **extra)
    conf = librdkafka_config(s)
    assert conf["security.protocol"] == protocol
    assert conf["ssl.ca.location"] == str(certs["ca"])
    assert conf["ssl.certificate.location"] == str(certs["cert"])
    assert conf["ssl.key.location"] == str(certs["key"])
    auth = credentials_to_aiokafka_auth(faust_credentials(s))
    assert auth["security_protocol"] == protocol
    ctx = auth["ssl_context"]
    assert isinstance(ctx, ssl.SSLContext)
    assert ctx.verify_mode == ssl.CERT_REQUIRED and ctx.check_hostname
    # The CA file was loaded into the context (the test CA is the only non-system one with this subject).
    assert any(dict(x[0] for x in c["subject"]).get("commonName") == "cdr-test-ca" for c in ctx.get_ca_certs())
    if protocol == "SASL_SSL":
        assert auth["sasl_plain_password"] == PASSWORD


def test_missing_ca_file_is_a_clear_error(tmp_path: Path) -> None:
    s = _settings(security_protocol="SSL", ssl_cafile=str(tmp_path / "nope.pem"))
    with pytest.raises(OSError):
        faust_credentials(s)


def test_secret_from_file_and_env_never_in_reprs(tmp_path: Path) -> None:
    f = tmp_path / "pw"
    f.write_text(PASSWORD + "\n")
    s = Settings.load(None, {"CDR_SECURITY_PROTOCOL": "SASL_PLAINTEXT", "CDR_SASL_USERNAME": "alice",
                             "CDR_SASL_PASSWORD_FILE": str(f)})
    assert s.sasl_password.reveal() == PASSWORD
    for text in (repr(s), str(s), json.dumps(s.public()), str(s.public())):
        assert PASSWORD not in text
    s2 = Settings.load(None, {"CDR_SECURITY_PROTOCOL": "SASL_PLAINTEXT", "CDR_SASL_USERNAME": "alice",
                              "CDR_SASL_PASSWORD": PASSWORD})
    assert s2.sasl_password.reveal() == PASSWORD and PASSWORD not in repr(s2)
    with pytest.raises(ValueError) as exc:
        Settings.load(None, {"CDR_SASL_PASSWORD_FILE": str(tmp_path / "missing")})
    assert "CDR_SASL_PASSWORD_FILE" in str(exc.value)


def test_endpoints_default_to_loopback_as_documented() -> None:
    s = Settings()
    assert s.metrics_addr == DEFAULT_METRICS_ADDR == "127.0.0.1"
    assert s.web_host == "127.0.0.1"
    doc = (ROOT / "docs" / "reliability.md").read_text()
    assert "metrics_addr" in doc and "web_host" in doc and "127.0.0.1" in doc


def test_metrics_endpoint_binds_the_configured_address() -> None:
    from prometheus_client import CollectorRegistry

    from detector.metrics import Metrics

    m = Metrics(CollectorRegistry())
    server, _thread = m.serve("127.0.0.1", 0)
    try:
        host, port = server.server_address[:2]
        assert host == "127.0.0.1"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
            assert b"cdr_detector_records_consumed_total" in r.read()
    finally:
        server.shutdown()
        server.server_close()


# -- against a broker that requires authentication ------------------------------------------------------


def _cdr_lines(n: int, tag: str) -> list[bytes]:
    t = time.time() - 60
    out = []
    for i in range(n):
        ts = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t + i))
        out.append(json.dumps({"cdr_id": f"{tag}-{i}", "record_type": "voice", "caller": f"+4477009{i:05d}",
                               "callee": "+447700955555", "start_time": ts, "duration_s": 30,
                               "disposition": "answered"}).encode())
    return out


def _listening_on(port: int) -> set[str]:
    """Local addresses with a listening TCP socket on ``port`` (from /proc/net/tcp)."""
    out = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        parts = line.split()
        local, state = parts[1], parts[3]
        addr, p = local.split(":")
        if state == "0A" and int(p, 16) == port:
            out.add(".".join(str(int(addr[i:i + 2], 16)) for i in (6, 4, 2, 0)))
    return out


@pytest.fixture(scope="module")
def secure_broker(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """One broker: PLAINTEXT (test's own), SASL_PLAINTEXT (PLAIN + SCRAM-SHA-256), SSL (test CA)."""
    from confluent_kafka.admin import AdminClient, ScramCredentialInfo, ScramMechanism, UserScramCredentialUpsertion

    from detector.localkafka import LocalKafka

    certs = make_certs(tmp_path_factory.mktemp("certs"))
    jaas = ('org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" '
            f'password="admin-pw" user_admin="admin-pw" user_alice="{PASSWORD}";')
    broker = LocalKafka(
        partitions=PARTITIONS,
        extra_listeners={"SASL_PLAINTEXT": "SASL_PLAINTEXT", "SSL": "SSL"},
        server_properties={
            "sasl.enabled.mechanisms": "PLAIN,SCRAM-SHA-256",
            "listener.name.sasl_plaintext.plain.sasl.jaas.config": jaas,
            "listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config":
                "org.apache.kafka.common.security.scram.ScramLoginModule required;",
            "listener.name.ssl.ssl.keystore.type": "PEM",
            "listener.name.ssl.ssl.keystore.location": str(certs["keystore"]),
            "listener.name.ssl.ssl.client.auth": "none",
        },
    )
    try:
        broker.start(timeout=120)
    except Exception as exc:  # noqa: BLE001
        broker.stop()
        try:
            from tests.kafka_fixtures import kafka_unavailable
        except ImportError:  # pragma: no cover
            from kafka_fixtures import kafka_unavailable  # type: ignore[no-redef]
        kafka_unavailable(f"secure LocalKafka failed: {type(exc).__name__}: {exc}")
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    upsert = UserScramCredentialUpsertion("bob", ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 4096),
                                          SCRAM_PASSWORD.encode())
    for fut in admin.alter_user_scram_credentials([upsert]).values():
        fut.result(timeout=30)
    yield {"broker": broker, "certs": certs}
    broker.stop()


def _secure_worker(broker: Any, tmp: Path, name: str, listener: str, extra: list[str]) -> tuple[WorkerProc, dict]:
    t = {"topic": unique(f"{name}-cdrs"), "alerts": unique(f"{name}-alerts"), "dlq": unique(f"{name}-dlq"),
         "group": unique(f"{name}-g")}
    w = WorkerProc(broker.bootstrap_for(listener), tmp, name, topic=t["topic"], group=t["group"], alerts=t["alerts"],
                   dlq=t["dlq"], partitions=PARTITIONS, extra=extra)
    return w, t


def _start_with_env(w: WorkerProc, monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> None:
    with monkeypatch.context() as m:
        for k in ("CDR_SASL_PASSWORD", "CDR_SASL_PASSWORD_FILE"):
            m.delenv(k, raising=False)
        for k, v in env.items():
            m.setenv(k, v)
        w.start()


@pytest.mark.kafka
def test_authenticated_workers_process_and_wrong_credentials_fail_fast(
        secure_broker: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from detector.produce import ensure_topic, produce_lines

    broker, certs = secure_broker["broker"], secure_broker["certs"]
    pw_file = tmp_path / "sasl-password"
    pw_file.write_text(PASSWORD + "\n")
    pw_file.chmod(0o600)
    scram_file = tmp_path / "scram-password"
    scram_file.write_text(SCRAM_PASSWORD)
    metrics_port = free_port()
    good = {
        # PLAIN, password from a file, metrics on 127.0.0.1
        "plain": (_secure_worker(broker, tmp_path, "plain", "SASL_PLAINTEXT", [
            "--security-protocol", "SASL_PLAINTEXT", "--sasl-mechanism", "PLAIN", "--sasl-username", "alice",
            "--metrics-addr", "127.0.0.1", "--metrics-port", str(metrics_port), "--web-host", "127.0.0.1"]),
            {"CDR_SASL_PASSWORD_FILE": str(pw_file)}),
        # SCRAM-SHA-256, password from the environment
        "scram": (_secure_worker(broker, tmp_path, "scram", "SASL_PLAINTEXT", [
            "--security-protocol", "SASL_PLAINTEXT", "--sasl-mechanism", "SCRAM-SHA-256", "--sasl-username", "bob"]),
            {"CDR_SASL_PASSWORD_FILE": str(scram_file)}),
        # TLS, the broker verified against the test CA
        "tls": (_secure_worker(broker, tmp_path, "tls", "SSL", [
            "--security-protocol", "SSL", "--ssl-cafile", str(certs["ca"])]), {}),
    }
    bad = {
        "plain-wrong": (_secure_worker(broker, tmp_path, "plainwrong", "SASL_PLAINTEXT", [
            "--security-protocol", "SASL_PLAINTEXT", "--sasl-mechanism", "PLAIN", "--sasl-username", "alice"]),
            {"CDR_SASL_PASSWORD": WRONG}),
        "scram-wrong": (_secure_worker(broker, tmp_path, "scramwrong", "SASL_PLAINTEXT", [
            "--security-protocol", "SASL_PLAINTEXT", "--sasl-mechanism", "SCRAM-SHA-256", "--sasl-username",
            "bob"]), {"CDR_SASL_PASSWORD": PASSWORD}),  # a real password, of another user: must not leak either
        "tls-untrusted": (_secure_worker(broker, tmp_path, "tlsbad", "SSL", [
            "--security-protocol", "SSL"]), {}),  # system CAs only: the self-signed broker is not trusted
    }
    # Topics made over PLAINTEXT by the test; 3 valid CDRs + 1 garbage message each.
    lines = {k: _cdr_lines(3, k) + [b"not json at all"] for k in good}
    for key, ((w, t), _env) in good.items():
        ensure_topic({"bootstrap.servers": broker.bootstrap}, t["topic"], PARTITIONS)
        assert produce_lines(lines[key], {"bootstrap.servers": broker.bootstrap}, t["topic"]).failed == 0
    t0 = time.monotonic()
    every = {**good, **bad}
    try:
        for (w, _t), env in every.values():
            _start_with_env(w, monkeypatch, env)
        # Wrong credentials: a clear error and a non-zero exit, well inside the 30 s connect timeout.
        for key, ((w, _t), _env) in bad.items():
            assert w.proc is not None
            code = w.proc.wait(timeout=60)
            took = time.monotonic() - t0
            text = w.log_path.read_text(errors="replace")
            print(f"{key}: exit {code} after {took:.1f}s: {text.strip().splitlines()[-1]}")
            assert code == 2, text[-2000:]
            if key == "tls-untrusted":
                assert "TLS handshake with Kafka at" in text, text[-2000:]
                assert re.search(r"certificate verify failed|SSL handshake failed", text), text[-2000:]
            else:
                assert "authentication to Kafka at" in text and "failed" in text, text[-2000:]
            assert "Traceback" not in text, text[-3000:]
            assert took < 45
        # Right credentials: every record goes through (3 processed, 1 rejected to the DLQ).
        for key, ((w, _t), _env) in good.items():
            def done(w: WorkerProc = w) -> bool:
                h = w.health()
                return h is not None and h["counts"]["consumed"] == 4 and h["counts"]["processed"] == 3
            wait_for(done, 90, f"{key} worker to process its records")
        plain = good["plain"][0][0]
        with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5) as r:
            metrics_text = r.read().decode()
        assert "cdr_detector_records_processed_total 3.0" in metrics_text
        assert _listening_on(metrics_port) == {"127.0.0.1"}
        assert _listening_on(plain.web_port) == {"127.0.0.1"}
        health_text = json.dumps(plain.health())
    except Exception:
        for (w, _t), _env in every.values():
            print(f"--- {w.name} ---\n{w.log_tail(30)}")
        raise
    finally:
        for (w, _t), _env in every.values():
            w.stop()
    # Secrets never in logs (stdout+stderr), metrics, health, or the final report.
    for (w, _t), _env in every.values():
        texts = [w.log_path.read_text(errors="replace")]
        if w.report.exists():
            texts.append(w.report.read_text())
        for text in texts:
            for secret in (PASSWORD, SCRAM_PASSWORD, WRONG):
                assert secret not in text, f"{w.name}: secret in output"
    for text in (metrics_text, health_text):
        for secret in (PASSWORD, SCRAM_PASSWORD):
            assert secret not in text
    # ...but the worker did log its settings, masked.
    assert "'sasl_password': \"Secret('***')\"" in good["plain"][0][0].log_path.read_text()


@pytest.mark.kafka
def test_unreachable_broker_is_a_clear_error_not_a_hang(tmp_path: Path) -> None:
    port = free_port()  # nothing listens there
    t0 = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "detector", "worker", "--bootstrap-servers", f"127.0.0.1:{port}", "--metrics-port",
         "0", "--web-port", "0", "--state-dir", str(tmp_path / "st")],
        capture_output=True, text=True, timeout=90, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    took = time.monotonic() - t0
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert f"cannot reach Kafka at 127.0.0.1:{port}" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert took < 60
