"""Why a number alerted, or did not: its records through the detector, with what the rules made of each.

An analyst's two questions.  After an alert: what did the detector see, and when did it become sure?  After a
miss (a customer reported a number we never alerted on): how close did it come, and which evidence was
missing?  The stream goes through the same :class:`~detector.engine.Engine` as ``replay``, so the decisions
and alerts are the replay's own; for the numbers asked about, every record they made or received gives a
:class:`TraceRow`: the record, the features the rules read, every typology's score as the caller stage saw
it, the candidate the policy received and the alerts it raised.  Rows go out as they are made; nothing is
held but the numbers asked about and one summary each (with the rows that raised its alerts).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Final, Iterable

from .engine import Engine
from .features import TAU_H, TAU_M, NumberState
from .parse import format_time
from .records import Alert, Candidate, Cdr
from .sketches import cv, rate_per_hour

MAX_NUMBERS: Final = 100  # a trace is read by a person: a hundred numbers' records is already a long read


def trace_features(s: NumberState, t: float) -> dict[str, float]:
    """The features the rules read, in an analyst's units (calls/hour, shares of recent calls, counts)."""
    age = s.age(t)
    return {
        "calls": float(s.kv),
        "records": float(s.k),
        "calls_per_hour": rate_per_hour(s.rate_h, TAU_H, age),
        "calls_per_hour_10min": rate_per_hour(s.rate_m, TAU_M, age),
        "unanswered": s.f_unans,
        "hung_up_10s": s.f_short,
        "conversations": s.f_conv,
        "one_ring": s.f_ring,
        "failed": s.f_fail,
        "new_callees": s.f_new,
        "sequential_callees": s.f_seq,
        "international": s.f_intl,
        "high_risk": s.f_risky,
        "off_hours": s.f_off,
        "off_hours_habit": s.h_off,
        "sms_share": s.f_sms,
        "cell_changes": s.f_cell,
        "handset_changes": s.f_imei,
        "inbound_share": s.in_share,
        "calls_in_answered": float(s.in_taken),
        "unreturned_calls": float(s.unreturned),
        "gap_variation": cv(s.g_mean, s.g_sq),
        "duration_variation": cv(s.d_mean, s.d_sq),
        "sims_on_handset": float(s.shared_handset(t)),
        "cold_callers_in_cell": float(s.at_site(t)),
        "swapped_recently": 1.0 if s.swapped_recently(t) else 0.0,
        "swap_in_new_area": s.swap_far,
        "records_since_swap": float(s.post_n),
        "strangers_since_swap": float(s.post_new),
        "circle_before_swap": float(s.circle_before_swap()),
        "sms_received_last_hour": s.sms_received_last_hour(t),
    }


@dataclass(slots=True)
class TraceRow:
    """One record of a traced number and what the detector made of it."""

    number: str
    direction: str  # "out": the number made it; "in": the number received it
    cdr: Cdr
    features: dict[str, float]
    #: outbound only: whether the rules' gate let the state be scored, and every typology's score (the rules'
    #: view of the state the candidate was made from; texts are judged as texts, see ``CallerStage.process``)
    scored: bool = False
    scores: dict[str, float] = field(default_factory=dict)
    candidate: tuple[str, float] | None = None  # what the policy received (typology, score)
    alerts: list[Alert] = field(default_factory=list)

    @property
    def other_party(self) -> str:
        """The callee of a record the number made, the caller of one it received."""
        return self.cdr.callee if self.direction == "out" else self.cdr.caller

    def to_dict(self) -> dict[str, object]:
        c = self.cdr
        return {
            "number": self.number,
            "direction": self.direction,
            "time": format_time(c.start, c.utc_offset_min),
            "cdr_id": c.cdr_id,
            "record_type": c.record_type,
            "disposition": c.disposition,
            "duration_s": c.duration,
            "other_party": self.other_party,
            "cell_id": c.cell_id if self.direction == "out" else None,
            "imei": c.imei if self.direction == "out" else None,
            "features": {k: round(v, 4) for k, v in self.features.items()},
            "scored": self.scored,
            "scores": {k: round(v, 4) for k, v in self.scores.items()},
            "candidate": None if self.candidate is None else
            {"typology": self.candidate[0], "score": round(self.candidate[1], 4)},
            "alerts": [{"alert_id": a.alert_id, "severity": a.severity, "typology": a.typology,
                        "score": a.score, "escalation": a.escalation} for a in self.alerts],
        }

    def line(self) -> str:
        """One line for a terminal: when, what, the two highest scores, the candidate and any alert."""
        c = self.cdr
        head = (f"{format_time(c.start, c.utc_offset_min)} {self.number} {self.direction:3} {c.record_type:5} "
                f"{c.disposition:9} {c.duration:6.0f}s {'->' if self.direction == 'out' else '<-'} {self.other_party}")
        parts = [head]
        if self.direction == "out":
            f = self.features
            parts.append(f"calls {f['calls']:.0f} ({f['calls_per_hour']:.1f}/h) new {f['new_callees']:.0%} "
                         f"unans {f['unanswered']:.0%} in {f['inbound_share']:.0%}")
            top = sorted(self.scores.items(), key=lambda kv: -kv[1])[:2]
            parts.append("scored " + " ".join(f"{k} {v:.2f}" for k, v in top) if self.scored else "not scored")
        if self.candidate is not None:
            parts.append(f"candidate {self.candidate[0]} {self.candidate[1]:.2f}")
        parts.extend(f"ALERT {a.severity} {a.typology} {a.score:.3f}{' (escalation)' if a.escalation else ''}"
                     for a in self.alerts)
        return " | ".join(parts)


@dataclass(slots=True)
class NumberSummary:
    """What a trace found out about one number, for the closing lines."""

    records_out: int = 0
    records_in: int = 0
    best: dict[str, float] = field(default_factory=dict)  # each typology's highest score where it was scored
    first_candidate: TraceRow | None = None
    alerts: list[TraceRow] = field(default_factory=list)

    def add(self, row: TraceRow) -> None:
        if row.direction == "out":
            self.records_out += 1
            for k, v in (row.scores.items() if row.scored else ()):
                if v > self.best.get(k, 0.0):
                    self.best[k] = v
        else:
            self.records_in += 1
        if row.candidate is not None and self.first_candidate is None:
            self.first_candidate = row
        if row.alerts:
            self.alerts.append(row)


class NumberTrace:
    """Runs records through an :class:`Engine` and emits a :class:`TraceRow` for each record of the numbers
    asked about.  The engine decides exactly as it does in ``replay``: the trace only reads its state."""

    def __init__(self, engine: Engine, numbers: Iterable[str], emit: Callable[[TraceRow], None]) -> None:
        self.engine = engine
        self.numbers = frozenset(numbers)
        self.emit = emit
        self.summaries = {n: NumberSummary() for n in sorted(self.numbers)}
        self._rows: list[TraceRow] = []
        engine.detector.after_caller = self._after_caller

    def _after_caller(self, cdr: Cdr, cand: Candidate | None) -> None:
        """The caller stage has just run: the caller's state is as its candidate was made from it."""
        if cdr.caller in self.numbers:
            det = self.engine.detector
            scored, scores = det.stages.caller.diagnose(det.numbers, cdr)
            self._rows.append(TraceRow(cdr.caller, "out", cdr, trace_features(det.numbers[cdr.caller], cdr.start),
                                       scored, scores, None if cand is None else (cand.typology, cand.score)))
        if cdr.callee in self.numbers:
            self._rows.append(TraceRow(cdr.callee, "in", cdr, {}))  # features once the callee stage has run

    def feed(self, raw: bytes, line: int) -> None:
        """One raw record through the engine (rejects are counted there, as in ``replay``)."""
        out = self.engine.feed(raw, line)
        if not self._rows:
            return
        rows, self._rows = self._rows, []
        alerts = out if isinstance(out, list) else []
        for row in rows:
            if row.direction == "in":
                row.features = trace_features(self.engine.detector.numbers[row.number], row.cdr.start)
            row.alerts = [a for a in alerts if a.number == row.number]
            self.summaries[row.number].add(row)
            self.emit(row)

    def close(self) -> None:
        """Stop tracing: the engine runs on untraced."""
        self.engine.detector.after_caller = None


def summary_lines(number: str, s: NumberSummary, threshold: float) -> list[str]:
    """The closing lines for one number: what it did, how close it came, and what it alerted on, with why."""
    if not s.records_out and not s.records_in:
        return [f"{number}: no records in the stream"]
    lines = [f"{number}: {s.records_out} records out, {s.records_in} in"]
    if s.best:
        top = sorted(s.best.items(), key=lambda kv: -kv[1])[:3]
        lines.append("  highest scores: " + ", ".join(f"{k} {v:.2f}" for k, v in top)
                     + f" (alert threshold {threshold:.2f})")
    elif s.records_out:
        lines.append("  never scored: its calls were too few or too slow for the rules to look (their gate)")
    if s.first_candidate is not None:
        c = s.first_candidate
        assert c.candidate is not None
        lines.append(f"  first candidate: {c.candidate[0]} {c.candidate[1]:.2f} at "
                     f"{format_time(c.cdr.start, c.cdr.utc_offset_min)} (its call {c.features.get('calls', 0):.0f})")
    if not s.alerts:
        lines.append("  no alert")
    for row in s.alerts:
        for a in row.alerts:
            lines.append(f"  ALERT {a.severity} {a.typology} {a.score:.3f} at "
                         f"{format_time(row.cdr.start, row.cdr.utc_offset_min)} ({a.alert_id})")
            lines.extend(f"    - {r.text}" for r in a.reasons)
    return lines
