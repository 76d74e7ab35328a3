"""The accounting of every message fed to the core: one object for replay and the worker.

Kept apart from :mod:`detector.engine` (compiled with mypyc) so that it stays an ordinary Python class the
worker can subclass (:class:`detector.worker.processor.WorkerCounts`); ``detector.engine.Counts`` is this.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .records import Alert


@dataclass(slots=True)
class Counts:
    """What happened to every message fed in: the one accounting object of replay and the worker.

    ``consumed == processed + rejected + duplicates (+ held)`` is checked by :meth:`balanced`; ``held`` is what a
    stream worker has read but holds back for event-time ordering (replay holds nothing).  The worker keeps one
    cumulative ``Counts`` and one per batch (what the batch finished), and exports the latter as metrics with
    :func:`detector.metrics_export.record_counts`, as replay exports its total.
    """

    consumed: int = 0
    processed: int = 0
    duplicates: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    alerts: Counter[tuple[str, str]] = field(default_factory=Counter)  # (typology, severity)
    #: alerts made for numbers on the operator's allowlist and not sent (detector.allowlist), likewise keyed
    withheld: Counter[tuple[str, str]] = field(default_factory=Counter)

    @property
    def rejected_total(self) -> int:
        return sum(self.rejected.values())

    @property
    def alerts_total(self) -> int:
        return sum(self.alerts.values())

    def reject(self, reason: str) -> None:
        self.rejected[reason] += 1

    def alert(self, typology: str, severity: str) -> None:
        self.alerts[(typology, severity)] += 1

    def withhold(self, typology: str, severity: str) -> None:
        self.withheld[(typology, severity)] += 1

    def record(self, alert: "Alert") -> bool:
        """Count ``alert`` as sent, or as withheld if the policy marked it so (the number is on the operator's
        allowlist); whether it is to be sent.  The one place replay and the worker decide it."""
        if alert.withheld:
            self.withhold(alert.typology, alert.severity)
            return False
        self.alert(alert.typology, alert.severity)
        return True

    def add(self, other: "Counts") -> None:
        """Add ``other``'s counts to these (a batch into a worker's total)."""
        self.consumed += other.consumed
        self.processed += other.processed
        self.duplicates += other.duplicates
        if other.rejected:
            self.rejected.update(other.rejected)
        if other.alerts:
            self.alerts.update(other.alerts)
        if other.withheld:
            self.withheld.update(other.withheld)

    def by_typology(self, withheld: bool = False) -> Counter[str]:
        """Alerts sent (or ``withheld``) by typology."""
        out: Counter[str] = Counter()
        for (typology, _), n in (self.withheld if withheld else self.alerts).items():
            out[typology] += n
        return out

    def balanced(self, held: int = 0) -> bool:
        return self.consumed == self.processed + self.rejected_total + self.duplicates + held

    def to_dict(self) -> dict[str, object]:
        return {
            "consumed": self.consumed,
            "processed": self.processed,
            "duplicates": self.duplicates,
            "rejected": self.rejected_total,
            "rejected_by_reason": dict(sorted(self.rejected.items())),
            "alerts": self.alerts_total,
            "alerts_by_typology": dict(sorted(self.by_typology().items())),
            "alerts_withheld": sum(self.withheld.values()),
            "alerts_withheld_by_typology": dict(sorted(self.by_typology(withheld=True).items())),
        }
