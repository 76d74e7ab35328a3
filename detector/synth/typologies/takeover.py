"""Takeover (SIM swap / account takeover) of an honest subscriber with history.

At ``fraud_start`` the owner's SIM stops (their honest outbound traffic ends; their contacts still call
the number), and the number reappears in a new handset (new IMEI, usually another model) in another
area.  What follows depends on the variant: ``quiet`` (bank OTP SMS, a call to the bank, little else),
``loud`` (plus international calls and SMS to many new numbers), ``contacts_scam`` (plus messages and
calls to the victim's own contacts asking for money).  The opening burst is planned in advance; the
attacker's later low-level use is drawn chunk by chunk.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ..events import ANSWERED, KIND_SMS, KIND_VOICE, NO_CELL, NO_IMEI, EventBatch, mixed_outcomes
from ..numbering import (
    COMMON_DESTINATIONS,
    PLAN_INDEX,
    RISKY_DESTINATIONS,
    make_imeis,
    numbers_in_countries,
    plan_indices,
)
from ..timing import HOUR, Rng
from .base import Activity, Scheme, fraud_start_time, log_uniform

if TYPE_CHECKING:
    from ..world import World


@dataclass
class Takeover(Scheme):
    typology = "takeover"
    row: int = -1
    imei: int = 0
    cells: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int32))
    opening: EventBatch = field(default_factory=EventBatch.empty)
    activity: Activity = field(default=None)  # type: ignore[assignment]

    @classmethod
    def plan(cls, world: World, rng: Rng, budget: int) -> Takeover:
        pop = world.pop
        row = int(
            world.claim(
                rng,
                ("ordinary", "night_shift", "international_caller", "small_business"),
                1,
                stay_home=True,
                min_daily=4.0,
            )[0]
        )
        start = fraud_start_time(world, rng)
        pop.active_end[row] = start
        variant = str(rng.choice(["quiet", "loud", "contacts_scam"], p=[0.4, 0.35, 0.25]))
        imei = int(make_imeis(rng, world.tacs.consumer(rng, 1))[0])
        away = world.cells.away_from(rng, pop.home_cell[row], pop.work_cell[row])
        cells = np.concatenate(
            [away, world.cells.neighbour(rng.random(2), np.repeat(away, 2))[: int(rng.integers(0, 3))]]
        )
        tau = float(rng.uniform(1, 8)) * HOUR
        params = {
            "otp_sms": int(rng.integers(2, 13)),
            "bank_calls": int(rng.integers(1, 5)),
            "intl_calls": int(rng.integers(1, 9)) if variant == "loud" else 0,
            "new_number_sms": int(rng.integers(5, 41)) if variant == "loud" else int(rng.integers(0, 4)),
            "contacts_hit": int(rng.integers(5, 21)) if variant == "contacts_scam" else 0,
            "burst_hours": round(tau / HOUR, 2),
            "later_per_hour": round(float(log_uniform(rng, 0.05, 1.5, 1)[0]) * world.config.fraud_intensity, 3),
            "imei": f"{imei:015d}",
        }
        scheme = cls(
            world=world,
            variant=variant,
            labeled=pop.number[[row]],
            fraud_start=start,
            params=params,
            row=row,
            imei=imei,
            cells=cells.astype(np.int32),
            activity=Activity.draw(rng, world, start + int(tau), shapes=("personal", "evening")),
        )
        scheme.opening = scheme._plan_opening(rng, tau)
        return scheme

    def _attacker(self, rng: Rng, t: np.ndarray, callee: np.ndarray, is_sms: np.ndarray, **voice: float) -> EventBatch:
        """CDRs originated by the attacker's handset from the victim's number."""
        disp, dur = mixed_outcomes(rng, is_sms, **voice)
        return EventBatch.build(
            t=t,
            caller=self.labeled[0],
            callee=callee,
            kind=np.where(is_sms, KIND_SMS, KIND_VOICE),
            disp=disp,
            dur=dur,
            cell=self.cells[rng.integers(0, len(self.cells), len(t))],
            imei=self.imei,
            off=self.world.home_offset_min,
        )

    def _plan_opening(self, rng: Rng, tau: float) -> EventBatch:
        world, p, start = self.world, self.params, self.fraud_start
        pop = world.pop

        def when(n: int, spread: float) -> np.ndarray:
            return start + np.sort(rng.exponential(spread, n)).astype(np.int64) + rng.integers(60, 900)

        banks = world.services.banks()
        senders = banks[rng.integers(0, len(banks), int(rng.integers(1, 4)))]
        otp_t = when(p["otp_sms"], tau / 3)
        otp = EventBatch.build(
            t=otp_t,
            caller=senders[rng.integers(0, len(senders), len(otp_t))],
            callee=self.labeled[0],
            kind=KIND_SMS,
            disp=ANSWERED,
            dur=0,
            cell=NO_CELL,
            imei=NO_IMEI,
            off=world.home_offset_min,
        )
        parts = [otp]
        bank_t = when(p["bank_calls"], tau / 2)
        parts.append(
            self._attacker(
                rng,
                bank_t,
                senders[rng.integers(0, len(senders), len(bank_t))],
                np.zeros(len(bank_t), bool),
                p_answer=0.9,
                talk_mu=np.log(300.0),
                talk_sigma=0.7,
            )
        )
        if p["intl_calls"]:
            places = plan_indices(RISKY_DESTINATIONS + COMMON_DESTINATIONS)
            risky = rng.random(p["intl_calls"]) < 0.5
            where = np.where(
                risky,
                PLAN_INDEX[RISKY_DESTINATIONS[int(rng.integers(0, len(RISKY_DESTINATIONS)))]],
                rng.choice(places, p["intl_calls"]),
            )
            t = when(p["intl_calls"], tau)
            parts.append(
                self._attacker(
                    rng,
                    t,
                    numbers_in_countries(rng, where.astype(np.int16)),
                    np.zeros(len(t), bool),
                    p_answer=0.8,
                    talk_mu=np.log(400.0),
                    talk_sigma=1.0,
                )
            )
        if p["new_number_sms"]:
            t = when(p["new_number_sms"], tau)
            parts.append(
                self._attacker(
                    rng,
                    t,
                    world.domestic.draw(rng, len(t))[0],
                    rng.random(len(t)) < 0.8,
                    p_answer=0.7,
                    talk_mu=np.log(60.0),
                    talk_sigma=1.0,
                )
            )
        if p["contacts_hit"]:
            lo, hi = pop.contacts.off[self.row], pop.contacts.off[self.row + 1]
            friends = pop.contacts.columns["number"][lo:hi]
            if len(friends):
                hit = friends[rng.integers(0, len(friends), p["contacts_hit"])]
                t = when(len(hit), tau / 2)
                parts.append(
                    self._attacker(
                        rng, t, hit, rng.random(len(t)) < 0.7, p_answer=0.75, talk_mu=np.log(120.0), talk_sigma=0.8
                    )
                )
        opening = EventBatch.concat(parts)
        return opening.take(np.argsort(opening.t, kind="stable"))

    def events(self, rng: Rng, t0: int, t1: int) -> EventBatch:
        due = (self.opening.t >= t0) & (self.opening.t < t1)
        opening = self.opening.take(due)
        _, t = self.activity.arrivals(rng, np.array([self.params["later_per_hour"]]), t0, t1)
        is_sms = rng.random(len(t)) < 0.5
        later = self._attacker(
            rng, t, self.world.domestic.draw(rng, len(t))[0], is_sms, p_answer=0.7, talk_mu=np.log(90.0), talk_sigma=1.0
        )
        return EventBatch.concat([opening, later])
