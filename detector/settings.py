"""All runtime configuration in one typed, frozen object, read from environment variables and CLI flags.

Precedence: a CLI flag beats an environment variable beats the documented default.  Every field names its
environment variable (``CDR_`` + the field name in capitals) and its flag (``--field-name``), so
``cdr-detector worker --help`` is the reference.  Secrets are :class:`Secret`: they print as ``'***'`` in
logs, reprs and error messages, and can be read from a file (``*_FILE`` variables) instead of the
environment.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import Any, Literal, Mapping, get_args, get_origin, get_type_hints

ENV_PREFIX = "CDR_"


class Secret:
    """A string that never shows itself: ``repr``/``str`` give ``'***'``; ``reveal()`` gives the value."""

    __slots__ = ("_value",)

    def __init__(self, value: str = "") -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "Secret('***')" if self._value else "Secret('')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


def _opt(default: Any, help: str, **kw: Any) -> Any:
    return field(default=default, metadata={"help": help, **kw})


@dataclass(frozen=True)
class Settings:
    """Worker and replay settings.  Defaults are safe for a developer's machine (loopback only)."""

    bootstrap_servers: str = _opt("127.0.0.1:9092", "Kafka bootstrap servers, comma separated")
    cdr_topic: str = _opt("cdrs", "topic of incoming CDRs, keyed by calling number")
    alert_topic: str = _opt("cdr-alerts", "topic alerts are written to, keyed by number")
    dlq_topic: str = _opt("cdrs-dlq", "dead-letter topic for rejected records (original bytes + reason)")
    group_id: str = _opt("cdr-detector", "consumer group (and faust app id) shared by all workers")
    partitions: int = _opt(8, "partitions of the CDR topic and of the internal repartition topics")
    replication_factor: int = _opt(-1, "replication factor of topics the worker creates (-1: the broker's default)")
    session_timeout_s: float = _opt(10.0, "consumer-group session timeout: how fast a dead worker's partitions move")
    heartbeat_s: float = _opt(1.0, "consumer-group heartbeat interval (well under the session timeout)")
    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = _opt(
        "PLAINTEXT", "how clients talk to the broker")
    sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] = _opt("PLAIN", "SASL mechanism")
    sasl_username: str = _opt("", "SASL user name")
    sasl_password: Secret = _opt(Secret(), "SASL password (or CDR_SASL_PASSWORD_FILE: a file holding it)")
    ssl_cafile: str = _opt("", "CA bundle (PEM) to verify the broker")
    ssl_certfile: str = _opt("", "client certificate (PEM) for mutual TLS")
    ssl_keyfile: str = _opt("", "client key (PEM) for mutual TLS")
    store: Literal["memory", "rocksdb"] = _opt("memory", "faust table store; rocksdb for large state")
    state_cache_keys: int = _opt(500_000, "store=rocksdb: most keys of each table kept decoded in memory, the "
                                 "rest read from RocksDB when a record needs them (0: no bound)")
    state_dir: Path = _opt(Path("./cdr-detector-data"), "directory for local state (RocksDB, faust data)")
    batch_size: int = _opt(2_000, "CDRs processed per batch")
    batch_timeout_s: float = _opt(0.2, "longest wait to fill a batch, seconds")
    fetch_partition_bytes: int = _opt(4_194_304, "most bytes one fetch brings of each partition (the consumer "
                                      "asks again only when a fetch's records are used up: larger means fewer "
                                      "waits for the broker in a backlog, more memory per partition)")
    state_flush_s: float = _opt(5.0, "wall seconds between changelog writes of the state a worker changed "
                                     "(longer: fewer writes; offsets are committed only after the write)")
    align_hold_s: float = _opt(2.0, "wall seconds a CDR may wait for slower partitions of its worker before it "
                                    "is processed anyway (event-time order across partitions)")
    metrics_addr: str = _opt("127.0.0.1", "address the Prometheus endpoint binds (0.0.0.0 in containers)")
    metrics_port: int = _opt(9108, "port of the Prometheus endpoint (0: off)")
    web_host: str = _opt("127.0.0.1", "address the health endpoint binds (0.0.0.0 in containers)")
    web_port: int = _opt(6066, "port of the health endpoint (faust web)")
    log_level: Literal["debug", "info", "warn", "error"] = _opt("info", "log level")
    late_tolerance_s: float = _opt(900.0, "records this far behind the stream (by start, or by end: a switch "
                                          "writes a long call as it ends) are still processed")
    max_ahead_s: float = _opt(86_400.0, "records this far ahead of the stream are rejected")
    allowlist: str = _opt("", "file of numbers and prefixes (+digits, +digits*; one a line, # comments) the "
                              "operator vouches for: their alerts are withheld and counted "
                              "(cdr_detector_alerts_withheld_total), their state kept; empty: none")
    home_utc_offset_min: int = _opt(0, "the network's UTC offset in minutes, for records written in UTC "
                                       "(offset 0): their hour of day (off-hours, night habit) is read in it; "
                                       "0 = every record as written")

    def __post_init__(self) -> None:
        if self.partitions < 1:
            raise ValueError("partitions must be >= 1")
        if not -720 <= self.home_utc_offset_min <= 840:
            raise ValueError("home_utc_offset_min must be within -720..840 (UTC-12:00 .. UTC+14:00)")
        if self.batch_size < 1:
            raise ValueError("batch_size must be >= 1")
        if self.fetch_partition_bytes < 65_536:
            raise ValueError("fetch_partition_bytes must be >= 65536 (a fetch must hold a whole record batch)")
        if self.replication_factor == 0 or self.replication_factor < -1:
            raise ValueError("replication_factor must be -1 (broker default) or >= 1")
        if self.state_flush_s <= 0 or self.align_hold_s < 0:
            raise ValueError("state_flush_s must be > 0 and align_hold_s >= 0")
        if not 0 < self.heartbeat_s < self.session_timeout_s:
            raise ValueError("heartbeat_s must be > 0 and below session_timeout_s")
        for name in ("metrics_port", "web_port"):
            port = getattr(self, name)
            if not 0 <= port <= 65_535:
                raise ValueError(f"{name} must be a TCP port, got {port}")
        if self.security_protocol.startswith("SASL") and not self.sasl_username:
            raise ValueError(f"security_protocol {self.security_protocol} needs sasl_username")

    @staticmethod
    def env_name(name: str) -> str:
        return ENV_PREFIX + name.upper()

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        """One ``--flag`` per field, defaulting to None so that unset flags fall back to env and defaults."""
        hints = get_type_hints(cls)
        group = parser.add_argument_group("settings (flag > environment variable > default)")
        for f in fields(cls):
            kind = hints[f.name]
            choices = list(get_args(kind)) if get_origin(kind) is Literal else None
            default = f.default if f.default is not MISSING else None
            shown = "***" if kind is Secret else default
            group.add_argument(
                "--" + f.name.replace("_", "-"), dest=f.name, default=None, choices=choices,
                metavar=None if choices else f.name.upper(),
                help=f"{f.metadata.get('help', '')} [env {cls.env_name(f.name)}; default {shown}]",
            )

    @classmethod
    def load(cls, args: argparse.Namespace | None = None, env: Mapping[str, str] | None = None) -> "Settings":
        """Build settings from flags, then environment, then defaults; raise ValueError naming a bad one."""
        env = os.environ if env is None else env
        hints = get_type_hints(cls)
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = getattr(args, f.name, None) if args is not None else None
            source = "--" + f.name.replace("_", "-")
            if raw is None:
                source = cls.env_name(f.name)
                raw = env.get(source)
            if raw is None and hints[f.name] is Secret:
                file_var = cls.env_name(f.name) + "_FILE"
                if env.get(file_var):
                    source = file_var
                    try:
                        raw = Path(env[file_var]).read_text().strip()
                    except OSError as exc:
                        raise ValueError(f"{file_var}: cannot read the secret file ({exc.strerror})") from None
            if raw is None:
                continue
            values[f.name] = _convert(f.name, hints[f.name], raw, source)
        return cls(**values)

    def public(self) -> dict[str, Any]:
        """Settings safe to log (secrets masked)."""
        return {f.name: (repr(v) if isinstance(v := getattr(self, f.name), Secret) else
                         str(v) if isinstance(v, Path) else v) for f in fields(self)}


def _convert(name: str, kind: Any, raw: Any, source: str) -> Any:
    if not isinstance(raw, str):
        return raw
    try:
        if kind is int:
            return int(raw)
        if kind is float:
            return float(raw)
        if kind is Path:
            return Path(raw)
        if kind is Secret:
            return Secret(raw)
        if get_origin(kind) is Literal:
            allowed = get_args(kind)
            if raw not in allowed:
                raise ValueError(f"must be one of {', '.join(allowed)}")
            return raw
        return raw
    except ValueError as exc:
        shown = "***" if kind is Secret else repr(raw)
        raise ValueError(f"{source}: bad value {shown} for {name}: {exc}") from None
