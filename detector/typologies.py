"""Typology detectors: each turns a number's rolling features into a score in [0, 1] that explains itself.

Every rule is a product of soft ramps over scale-free quantities (shares of a number's own calls, its
regularity, its change against its own habit) and one volume ramp.  The ramp ends are domain knowledge, not
fits: a person rarely sustains more than ~10 calls an hour, one-ring lures go unanswered, honest busy
callers (couriers, call centres) move between cells or receive calls back.  What must separate fraud from
busy honest callers is therefore the *shape* of the traffic, which is what other generators' streams share.
"""

from __future__ import annotations

from dataclasses import dataclass

from .features import TAU_H, NumberState
from .records import Reason
from .sketches import cv, ramp, rate_per_hour

MIN_CALLS = 6  # fewer calls than this say nothing about shape


@dataclass(frozen=True, slots=True)
class RuleConfig:
    """Ramp ends shared by the rules.  Documented, overridable, and deliberately round numbers."""

    busy_lo: float = 10.0  # calls/hour where "busy" starts to count
    busy_hi: float = 30.0  # calls/hour that no person sustains by hand
    candidate_floor: float = 0.5  # below this a stage does not bother the policy


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


class NumberRules:
    """Scores one :class:`NumberState` for every typology that shows on the number itself."""

    __slots__ = ("cfg",)

    def __init__(self, cfg: RuleConfig | None = None) -> None:
        self.cfg = cfg or RuleConfig()

    def gate(self, s: NumberState, t: float) -> bool:
        """Cheap test: is there anything worth scoring?  Most ordinary calls stop here."""
        if s.kv < MIN_CALLS:
            return False
        if s.risky_rate > 1.0 or (s.imei_t >= 0.0 and t - s.imei_t < 43_200.0):
            return True
        return rate_per_hour(s.rate_h, TAU_H, s.age(t)) >= self.cfg.busy_lo

    def score(self, s: NumberState, t: float) -> tuple[str, float, list[Reason]]:
        """(typology, score, reasons) of the best-matching typology for an outbound-active number."""
        cfg = self.cfg
        rate = rate_per_hour(s.rate_h, TAU_H, s.age(t))
        busy = ramp(rate, cfg.busy_lo, cfg.busy_hi)
        new = s.f_new
        unans = s.f_unans
        static = 1.0 - ramp(s.f_cell, 0.15, 0.35)
        scores: dict[str, float] = {}

        # Wangiri: one-ring lures to many new numbers; callbacks make it certain.
        ring_share = s.f_ring / unans if unans > 0 else 0.0
        w = ramp(unans, 0.6, 0.85) * ramp(new, 0.5, 0.8)
        wangiri = busy * w * (0.7 + 0.3 * ramp(ring_share, 0.5, 0.9))
        wangiri += (1.0 - wangiri) * w * ramp(s.cb_rate, 2.0, 6.0)
        scores["wangiri"] = wangiri

        # Robocall: a machine's rhythm (regular gaps or a recorded message's fixed length), new callees.
        gap_cv = cv(s.g_mean, s.g_sq) if s.kv >= 8 else 1.0
        dur_cv = cv(s.d_mean, s.d_sq) if s.nd >= 8 else 1.0
        regular = max(1.0 - ramp(gap_cv, 0.2, 0.45), (1.0 - ramp(dur_cv, 0.1, 0.3)) * ramp(1.0 - unans, 0.3, 0.6))
        scanning = ramp(s.f_seq, 0.3, 0.6)
        scores["robocall"] = busy * ramp(new, 0.5, 0.8) * max(regular, 0.7 * scanning)

        # Scam farm: many new people, mostly unanswered or hung up, from one place, nobody calls back.
        low_in = 1.0 - ramp(s.in_share, 0.15, 0.3)
        scores["scam_farm"] = (
            busy * ramp(new, 0.6, 0.85) * static * low_in * ramp(unans + s.f_short, 0.4, 0.7)
        )

        # SIM-box: answered local calls at volume, never an SMS, never an inbound call, never moving.
        scores["simbox"] = (
            busy * ramp(new, 0.5, 0.8) * static
            * (1.0 - ramp(s.in_share, 0.03, 0.1))
            * (1.0 - ramp(s.f_sms, 0.03, 0.1))
            * (1.0 - ramp(unans, 0.5, 0.75))
        )

        # IRSF: repeated, long calls to high-cost destinations, unlike this number's habit.
        risky_min = s.risky_s / 60.0
        novelty = max(ramp(new, 0.3, 0.6), 1.0 - ramp(s.h_intl, 0.3, 0.6), ramp(s.f_night - s.h_night, 0.2, 0.4))
        scores["irsf"] = (
            ramp(s.risky_rate, 1.5, 4.0) * max(ramp(risky_min, 10.0, 40.0), ramp(s.risky_rate, 4.0, 10.0)) * novelty
        )

        # Takeover: a new handset in a new place on a number with history, then new behaviour.
        takeover = 0.0
        if s.imei_t >= 0.0 and t - s.imei_t < 43_200.0 and s.imei_t - s.t_first > 21_600.0:
            moved = 1.0 if s.area_t >= 0.0 and abs(s.area_t - s.imei_t) < 10_800.0 else 0.5
            change = max(ramp(new - s.h_new, 0.25, 0.5), ramp(s.f_intl - s.h_intl, 0.3, 0.6))
            takeover = moved * change
        scores["takeover"] = takeover

        typology = max(scores, key=scores.__getitem__)
        value = scores[typology]
        if value < cfg.candidate_floor:
            return typology, value, []
        return typology, value, self._explain(typology, s, rate, gap_cv, dur_cv)

    def score_inbound(self, s: NumberState) -> tuple[str, float, list[Reason]]:
        """A premium number behind wangiri: many callbacks from people who were just rung, and no outbound."""
        cb = s.cb_rate
        ratio = cb / s.in_rate if s.in_rate > 0 else 0.0
        value = ramp(cb, 3.0, 8.0) * ramp(ratio, 0.2, 0.5) * ramp(s.in_share, 0.7, 0.9)
        if value < self.cfg.candidate_floor:
            return "wangiri", value, []
        return "wangiri", value, [
            Reason("callbacks_per_hour", cb, 3.0,
                   f"{cb:.1f} callbacks/hour from people rung by a one-ring call shortly before"),
            Reason("callback_share", ratio, 0.2, f"{_pct(ratio)} of inbound calls are such callbacks"),
            Reason("inbound_share", s.in_share, 0.7, f"{_pct(s.in_share)} of its traffic is inbound"),
        ]

    def _explain(self, typology: str, s: NumberState, rate: float, gap_cv: float, dur_cv: float) -> list[Reason]:
        cfg = self.cfg
        vol = Reason("calls_per_hour", rate, cfg.busy_lo,
                     f"{rate:.0f} calls/hour against {cfg.busy_lo:.0f}/hour for a busy person")
        new = Reason("new_callee_share", s.f_new, s.h_new,
                     f"{_pct(s.f_new)} of recent callees never called before (habit {_pct(s.h_new)})")
        if typology == "wangiri":
            return [vol, new,
                    Reason("unanswered_share", s.f_unans, 0.6, f"{_pct(s.f_unans)} of calls unanswered"),
                    Reason("one_ring_share", s.f_ring, 0.5, f"{_pct(s.f_ring)} rang for under 10 s"),
                    Reason("callbacks_per_hour", s.cb_rate, 2.0, f"{s.cb_rate:.1f} callbacks/hour from rung numbers")]
        if typology == "robocall":
            return [vol, new,
                    Reason("gap_cv", gap_cv, 0.45, f"gaps between calls vary by {_pct(gap_cv)} (machine-like)"),
                    Reason("duration_cv", dur_cv, 0.3, f"answered durations vary by {_pct(dur_cv)}"),
                    Reason("sequential_share", s.f_seq, 0.3, f"{_pct(s.f_seq)} of callees next to a recent one")]
        if typology == "scam_farm":
            return [vol, new,
                    Reason("unanswered_or_short", s.f_unans + s.f_short, 0.4,
                           f"{_pct(s.f_unans + s.f_short)} of calls unanswered or hung up within 10 s"),
                    Reason("cell_change_share", s.f_cell, 0.15, f"changes cell on {_pct(s.f_cell)} of calls"),
                    Reason("inbound_share", s.in_share, 0.15, f"only {_pct(s.in_share)} of its traffic is inbound")]
        if typology == "simbox":
            return [vol, new,
                    Reason("inbound_share", s.in_share, 0.03, f"{_pct(s.in_share)} inbound traffic"),
                    Reason("sms_share", s.f_sms, 0.03, f"{_pct(s.f_sms)} SMS"),
                    Reason("cell_change_share", s.f_cell, 0.15, f"changes cell on {_pct(s.f_cell)} of calls")]
        if typology == "irsf":
            return [Reason("risky_calls_per_hour", s.risky_rate, 1.5,
                           f"{s.risky_rate:.1f} calls/hour to high-cost destinations"),
                    Reason("risky_minutes_per_hour", s.risky_s / 60.0, 10.0,
                           f"{s.risky_s / 60.0:.0f} min/hour to high-cost destinations"),
                    Reason("international_share", s.f_intl, s.h_intl,
                           f"{_pct(s.f_intl)} international calls (habit {_pct(s.h_intl)})"),
                    new]
        # takeover
        return [Reason("handset_changed_h_ago", 0.0, 0.0, "handset (IMEI) changed on a number with history"),
                Reason("area_changed", 1.0 if s.area_t >= 0 else 0.0, 0.0,
                       "location area changed around the handset change"),
                new,
                Reason("international_share", s.f_intl, s.h_intl,
                       f"{_pct(s.f_intl)} international calls (habit {_pct(s.h_intl)})")]


class HandsetRules:
    """A handset with many active SIMs at volume is a SIM-box or a farm's phone, whoever the SIMs are."""

    __slots__ = ("cfg",)

    def __init__(self, cfg: RuleConfig | None = None) -> None:
        self.cfg = cfg or RuleConfig()

    def score(self, sims: int, rate_h: float) -> tuple[float, list[Reason]]:
        value = ramp(sims, 2.0, 4.0) * ramp(rate_h, self.cfg.busy_lo, self.cfg.busy_hi)
        if value < self.cfg.candidate_floor:
            return value, []
        return value, [
            Reason("sims_on_handset", float(sims), 2.0, f"{sims} SIMs used this handset in the last day"),
            Reason("handset_calls_per_hour", rate_h, self.cfg.busy_lo, f"the handset makes {rate_h:.0f} calls/hour"),
        ]
