"""``cdr-detector worker``: the detector as a Kafka stream worker on faust-streaming.

Start one or more with the same settings (same group id) and they share the CDR topic's partitions; each
one's state (numbers, handsets, alert episodes) lives in faust tables backed by changelog topics, so it moves
with its partitions when workers come and go.  Design and guarantees: ``docs/worker.md``.

This module only registers the subcommand; faust and confluent-kafka are imported when it runs.
"""

from __future__ import annotations

import argparse
import logging
import os
import socket
import sys
from pathlib import Path
from typing import Any

__all__ = ["add_subcommand", "run"]


def add_subcommand(sub: argparse._SubParsersAction) -> None:
    from ..settings import Settings

    p = sub.add_parser(
        "worker", help="consume CDRs from Kafka, produce alerts (faust-streaming worker)",
        description="Run a stream worker: CDRs from the CDR topic (keyed by caller), alerts to the alert topic, "
                    "rejected records to the dead-letter topic.  Run several with the same --group-id to share "
                    "the work.  SIGTERM/SIGINT stop it cleanly (finish the batch, deliver, commit, leave the "
                    "group).")
    Settings.add_arguments(p)
    p.add_argument("--name", default=None, help="this worker's name in logs and health (default host:pid)")
    p.add_argument("--report", type=Path, default=None,
                   help="write the final health/counts JSON here when the worker stops")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..settings import Settings

    try:
        settings = Settings.load(args)
    except ValueError as exc:
        print(f"cdr-detector worker: error: {exc}", file=sys.stderr)
        return 2
    name = args.name or f"{socket.gethostname()}:{os.getpid()}"
    from .app import WorkerError
    from .runner import run_worker

    try:
        return run_worker(settings, name, getattr(args, "report", None))
    except WorkerError as exc:
        logging.getLogger("detector.worker").error("%s", exc)
        print(f"cdr-detector worker: error: {exc}", file=sys.stderr)
        return 2


def _unused(*_: Any) -> None:  # pragma: no cover - keeps Any imported for type comments
    return None
