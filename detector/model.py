"""The online model: river's Half-Space Trees over a number's feature vector, calibrated as it learns.

Cold start, no labels, no pre-trained weights: the trees learn what the population's numbers look like from
a deterministic sample of the stream, and a number's anomaly score is read against running quantiles of the
scores the model gives that same population.  The model never decides an alert alone; it sharpens the
typology rules' evidence (see :class:`~detector.stages.CallerStage`).

Scoring a tree ensemble costs ~50 us, twenty times a whole CDR's budget, so the model learns from one
outbound call in ``learn_every`` and scores only numbers that a rule already found interesting.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import asdict, dataclass

from river import anomaly, stats

from .features import TAU_H, TAU_M, NumberState
from .sketches import cv, ramp, rate_per_hour

_LOG_MAX_RATE = math.log1p(1000.0)  # 1000 calls/hour: the top of the volume axis


@dataclass(frozen=True, slots=True)
class ModelConfig:
    """Half-Space Trees settings (river's defaults are n_trees=10, height=8, window_size=250)."""

    n_trees: int = 10
    height: int = 8
    window_size: int = 250
    learn_every: int = 64  # one outbound voice call in 64 teaches the model
    seed: int = 7

    @property
    def version(self) -> str:
        digest = hashlib.blake2b(repr(sorted(asdict(self).items())).encode(), digest_size=4).hexdigest()
        return f"hst-2-{digest}"  # hst-2: the vector gained the 10-minute burst


def number_vector(s: NumberState, t: float) -> dict[str, float]:
    """A number's features scaled to [0, 1], the range Half-Space Trees split on by default."""
    age = s.age(t)
    rate = rate_per_hour(s.rate_h, TAU_H, age)
    burst = rate_per_hour(s.rate_m, TAU_M, age)  # the minutes horizon: a burst before the hour shows it
    return {
        "volume": min(1.0, math.log1p(rate) / _LOG_MAX_RATE),
        "burst": min(1.0, math.log1p(burst) / _LOG_MAX_RATE),
        "unanswered": s.f_unans,
        "short": s.f_short,
        "one_ring": s.f_ring,
        "new_callees": s.f_new,
        "sequential": s.f_seq,
        "international": s.f_intl,
        "risky": s.f_risky,
        "off_hours": s.f_off,
        "failed": s.f_fail,
        "cell_changes": s.f_cell,
        "sms": s.f_sms,
        "inbound": s.in_share,
        "gap_cv": min(1.0, 0.5 * cv(s.g_mean, s.g_sq)),
        "duration_cv": min(1.0, 0.5 * cv(s.d_mean, s.d_sq)),
    }


class AnomalyModel:
    """Learns from a sample of numbers; scores one number as evidence in [0, 1] against the population."""

    def __init__(self, cfg: ModelConfig | None = None) -> None:
        self.cfg = cfg or ModelConfig()
        self.version = self.cfg.version
        self.hst = anomaly.HalfSpaceTrees(
            n_trees=self.cfg.n_trees, height=self.cfg.height, window_size=self.cfg.window_size, seed=self.cfg.seed
        )
        self.q_mid = stats.Quantile(0.5)
        self.q_high = stats.Quantile(0.99)
        self.seen = 0
        self.learned = 0

    def observe(self, s: NumberState, t: float) -> None:
        """Called on every outbound voice call; learns from a deterministic one-in-``learn_every`` sample."""
        self.seen += 1
        if self.seen % self.cfg.learn_every:
            return
        x = number_vector(s, t)
        raw = self.hst.score_one(x)  # scored before it is learned from, as river's protocol wants
        self.hst.learn_one(x)
        self.learned += 1
        if raw > 0.0:
            self.q_mid.update(raw)
            self.q_high.update(raw)

    def evidence(self, s: NumberState, t: float) -> float:
        """0 for a number as typical as the population's median, 1 at or beyond its 99th percentile."""
        lo = self.q_mid.get()
        hi = self.q_high.get()
        if lo is None or hi is None or hi <= lo:
            return 0.0  # still warming up: the model abstains
        return ramp(self.hst.score_one(number_vector(s, t)), lo, hi)
