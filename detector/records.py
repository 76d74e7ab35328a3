"""Typed records that cross the core's boundary: the parsed CDR, the reject, the alert.

Everything after the parser trusts a :class:`Cdr`; everything that fails parsing becomes a
:class:`Reject` with a stable reason code, so nothing is dropped without being counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Final, Literal

from .sketches import number_key


def by_constructor(obj: Any) -> tuple[type, tuple[Any, ...]]:
    """``__reduce__`` of a frozen config dataclass: pickle it by its constructor arguments.  The default
    restores slots one by one, which a mypyc-compiled frozen class refuses ("cannot assign to field"), so a
    compiled replay could save its ``--state`` but not resume from it."""
    return type(obj), tuple(getattr(obj, f.name) for f in fields(obj))


RecordType = Literal["voice", "sms"]
Disposition = Literal["answered", "busy", "no_answer", "failed"]
Typology = Literal["scam_farm", "wangiri", "simbox", "irsf", "takeover", "robocall", "anomaly"]

RECORD_TYPES: Final[tuple[str, ...]] = ("voice", "sms")
DISPOSITIONS: Final[tuple[str, ...]] = ("answered", "busy", "no_answer", "failed")
TYPOLOGIES: tuple[str, ...] = ("scam_farm", "wangiri", "simbox", "irsf", "takeover", "robocall", "anomaly")
SEVERITIES: tuple[str, ...] = ("low", "medium", "high", "critical")

# Why a record was rejected.  A bounded set, so it can be a metric label.
REJECT_REASONS: tuple[str, ...] = (
    "malformed_json",  # not JSON at all, NaN/Infinity literals, nesting too deep
    "encoding",  # bytes that are not UTF-8
    "too_large",  # a message over the size limit (huge strings, padding attacks)
    "not_an_object",  # valid JSON but not an object
    "missing_field",  # a required field absent or null
    "wrong_type",  # e.g. a number sent as a string, a bool where a number belongs
    "bad_number",  # caller/callee not E.164
    "bad_time",  # start_time not RFC 3339 with an offset
    "bad_enum",  # disposition/record_type outside the documented values
    "bad_duration",  # negative, NaN or absurdly long
    "bad_field",  # optional field present but malformed (imei, cell_id)
    "time_out_of_range",  # far ahead of the stream (or wall clock), or before 2000
    "late",  # behind the stream's watermark by more than the tolerance
    "duplicate",  # a cdr_id already processed
    "misrouted",  # on a partition that does not own its caller (a producer not keying by caller with murmur2)
    "other",
)


@dataclass(slots=True)
class Cdr:
    """One validated call-detail record.

    ``start`` is the event time in UTC epoch seconds; ``utc_offset_min`` is the record's own offset, kept
    so that "night" means night where the subscriber is.
    """

    cdr_id: str
    caller: str
    callee: str
    start: float
    utc_offset_min: int
    duration: float
    disposition: str
    record_type: str = "voice"
    cell_id: str | None = None
    imei: str | None = None
    # Derived, not fields of the record (not compared, shown or sent): the numbers as ints, made once here
    # because four stages need them for every record (each was an ``int()`` of a slice, up to three times).
    caller_key: int = field(init=False, repr=False, compare=False)
    callee_key: int = field(init=False, repr=False, compare=False)

    # Written out rather than generated: mypyc compiles this one, while the dataclass-made __init__ runs as
    # interpreted bytecode (one Cdr per record: ~3% of the compiled replay).
    def __init__(self, cdr_id: str, caller: str, callee: str, start: float, utc_offset_min: int, duration: float,
                 disposition: str, record_type: str = "voice", cell_id: str | None = None,
                 imei: str | None = None) -> None:
        self.cdr_id = cdr_id
        self.caller = caller
        self.callee = callee
        self.start = start
        self.utc_offset_min = utc_offset_min
        self.duration = duration
        self.disposition = disposition
        self.record_type = record_type
        self.cell_id = cell_id
        self.imei = imei
        self.caller_key = number_key(caller)
        self.callee_key = number_key(callee)

    @property
    def answered(self) -> bool:
        return self.disposition == "answered"


@dataclass(slots=True)
class Reject:
    """A record that could not be used, with a machine-readable reason and a human-readable detail."""

    reason: str
    detail: str
    raw: bytes
    line: int | None = None
    source: dict[str, object] = field(default_factory=dict)


@dataclass(slots=True)
class Reason:
    """One feature that drove a decision, with the baseline it was compared to, in an analyst's words."""

    feature: str
    value: float
    baseline: float
    text: str

    def to_dict(self) -> dict[str, object]:
        return {"feature": self.feature, "value": round(self.value, 4), "baseline": round(self.baseline, 4),
                "text": self.text}


@dataclass(slots=True)
class Candidate:
    """A stage's claim that a number looks like a typology, with its evidence.  The policy decides."""

    number: str
    typology: str
    score: float
    t: float
    offset_min: int
    cdr_id: str
    calls_seen: int
    reasons: list[Reason]
    stage: str
    model_evidence: float = 0.0  # the online model's anomaly evidence in [0, 1]: raises severity only
    #: True while ``reasons`` and ``model_evidence`` are not filled in yet: the stage that made the candidate
    #: fills them in when the policy asks (:meth:`detector.stages.CallerStage.complete`), which it does only
    #: when they can matter (most candidates of an ongoing episode change nothing).
    pending: bool = False


@dataclass(slots=True)
class Alert:
    """What operations teams receive: one per number per episode, again only on escalation."""

    alert_id: str
    number: str
    detected_at: float
    offset_min: int
    score: float
    severity: str
    typology: str
    reasons: list[Reason]
    trigger_cdr_id: str
    model_version: str
    episode: int
    calls_seen: int
    escalation: bool = False
    #: the number is on the operator's allowlist: the alert is counted, not sent (detector.allowlist)
    withheld: bool = False
