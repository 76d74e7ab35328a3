"""The alert policy: candidates from every stage in, at most one alert per number per episode out.

Keyed by number.  An episode starts with the first candidate over the threshold and lasts while candidates
keep coming; it ends after ``quiet_s`` of event time without one, and the next qualifying candidate opens a
new episode with a new alert.  Inside an episode the number alerts again only when its severity escalates.
Alert ids are a hash of (number, episode start, severity), so a replay or a restarted worker that re-emits an
alert emits the same id and downstream can drop the copy.  A number on the operator's allowlist goes through
the same episodes; its alerts are made and marked ``withheld``, for the edges to count instead of sending.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Callable

from .allowlist import Allowlist
from .records import SEVERITIES, Alert, Candidate, by_constructor


@dataclass(frozen=True, slots=True)
class PolicyConfig:
    """Thresholds of the alert decision."""

    alert_threshold: float = 0.65  # rule evidence needed to alert: two independent strong signs
    model_weight: float = 0.5  # share of the remaining distance to 1 the model's evidence may add to the score
    severity_edges: tuple[float, float, float] = (0.7, 0.85, 0.95)  # medium, high, critical from here
    quiet_s: float = 6 * 3_600.0  # an episode ends after 6 h of event time with no qualifying candidate

    def __reduce__(self) -> tuple[type, tuple[Any, ...]]:
        return by_constructor(self)


class Episode:
    """Per-number policy state: which episode, when evidence was last seen, what was already said."""

    __slots__ = ("episode", "start_t", "last_t", "level", "typology")

    def __init__(self) -> None:
        self.episode = 0
        self.start_t = -1.0  # event time the episode opened: part of the alert id, so ids never repeat
        self.last_t = -1.0
        self.level = -1  # index into SEVERITIES of the last alert in this episode (-1: none)
        self.typology = ""

    def last_activity(self) -> float:
        return self.last_t


def alert_id(number: str, episode_start: float, level: int) -> str:
    """Stable across replays and restarts; unique even after an idle number's state has expired."""
    return hashlib.blake2b(f"{number}|{episode_start:.3f}|{level}".encode(), digest_size=10).hexdigest()


class AlertPolicy:
    """Decides, from one candidate at a time, whether operators hear about a number."""

    __slots__ = ("cfg", "model_version", "allowlist")

    def __init__(self, model_version: str, cfg: PolicyConfig | None = None,
                 allowlist: Allowlist | None = None) -> None:
        self.cfg = cfg or PolicyConfig()
        self.model_version = model_version
        #: numbers the operator vouches for (:mod:`detector.allowlist`): operator configuration, not a decision
        #: setting, so not part of the config saved with a state; a resumed replay takes the one it is given.
        self.allowlist = allowlist

    def severity(self, score: float) -> int:
        level = 0
        for edge in self.cfg.severity_edges:
            if score >= edge:
                level += 1
        return level

    def decide(self, store: dict[str, Episode], c: Candidate,
               complete: Callable[[Candidate], None] | None = None) -> Alert | None:
        """Update the number's episode from candidate ``c``; return an alert if one is due (``withheld`` if the
        number is on the allowlist: due, and counted, but not for operators).

        A ``pending`` candidate is completed with ``complete`` (reasons, model evidence) only when an alert can
        be due: call this before the number's state changes again.
        """
        cfg = self.cfg
        if c.score < cfg.alert_threshold:
            return None
        ep = store.get(c.number)
        if ep is None:
            ep = store[c.number] = Episode()
        if ep.last_t < 0.0 or c.t - ep.last_t > cfg.quiet_s:
            ep.episode += 1
            ep.start_t = c.t
            ep.level = -1
        if c.t > ep.last_t:
            ep.last_t = c.t
        # The model's evidence (in [0, 1]) can only raise a score in [0, 1], at most to this: when even that does
        # not raise the severity past what this episode already said, nothing is due whatever the model says.
        if c.score <= 1.0 and self.severity(c.score + (1.0 - c.score) * cfg.model_weight) <= ep.level:
            return None
        if c.pending:
            if complete is None:
                raise ValueError("a pending candidate needs the stage's complete()")
            complete(c)
        score = c.score + (1.0 - c.score) * cfg.model_weight * c.model_evidence
        level = self.severity(score)
        if level <= ep.level:
            return None
        escalation = ep.level >= 0
        ep.level = level
        ep.typology = c.typology
        return Alert(
            alert_id=alert_id(c.number, ep.start_t, level),
            number=c.number,
            detected_at=c.t,
            offset_min=c.offset_min,
            score=round(min(1.0, score), 4),
            severity=SEVERITIES[level],
            typology=c.typology,
            reasons=c.reasons,
            trigger_cdr_id=c.cdr_id,
            model_version=self.model_version,
            episode=ep.episode,
            calls_seen=c.calls_seen,
            escalation=escalation,
            withheld=self.allowlist is not None and self.allowlist.covers(c.number),
        )
