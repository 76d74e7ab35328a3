"""Serialisation of the core's outputs (alerts, rejects) to the JSON documented in schemas/.

One place, used by the replay's files and the worker's topics alike, so both write the same bytes.
"""

from __future__ import annotations

import time

import orjson

from .parse import format_time
from .records import Alert, Reject

MAX_RAW_IN_REJECT = 4_096  # a reject carries the start of the original message, not a 10 MB copy of it


def alert_to_dict(alert: Alert, emitted_at: float | None = None) -> dict[str, object]:
    return {
        "alert_id": alert.alert_id,
        "number": alert.number,
        "detected_at": format_time(alert.detected_at, alert.offset_min),
        "emitted_at": format_time(time.time() if emitted_at is None else emitted_at),
        "score": alert.score,
        "severity": alert.severity,
        "typology": alert.typology,
        "reasons": [r.to_dict() for r in alert.reasons],
        "trigger_cdr_id": alert.trigger_cdr_id,
        "model_version": alert.model_version,
        "episode": alert.episode,
        "calls_seen": alert.calls_seen,
        "escalation": alert.escalation,
    }


def alert_to_json(alert: Alert, emitted_at: float | None = None) -> bytes:
    return orjson.dumps(alert_to_dict(alert, emitted_at))


def reject_to_dict(rej: Reject) -> dict[str, object]:
    raw = rej.raw[:MAX_RAW_IN_REJECT]
    out: dict[str, object] = {
        "reason": rej.reason,
        "detail": rej.detail,
        "raw": raw.decode("utf-8", "backslashreplace"),
        "raw_truncated": len(rej.raw) > MAX_RAW_IN_REJECT,
    }
    if rej.line is not None:
        out["line"] = rej.line
    if rej.source:
        out["source"] = rej.source
    return out
