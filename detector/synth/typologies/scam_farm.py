"""Scam call farm: a room of SIMs calling many distinct people, mostly short or unanswered calls.

Variants: SIMs sharing a few handsets (rotated) or one cheap phone per SIM; fixed site or moving between a
few cells; optional smishing (SMS blasts); optional warm-up (SIMs aged with light human-looking use before
the campaign).  A few of the people rung call back later, and a few answered calls are long (victims).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ..timing import Rng
from .base import (
    ANSWERED,
    HOUR,
    KIND_SMS,
    KIND_VOICE,
    Activity,
    EventBatch,
    Scheme,
    SimBank,
    TargetPicker,
    answered_talk,
    callbacks,
    fraud_start_time,
    log_uniform,
    mark_unallocated,
    mixed_outcomes,
    warmup,
)

if TYPE_CHECKING:
    from ..world import World


@dataclass
class ScamFarm(Scheme):
    typology = "scam_farm"
    bank: SimBank = field(default=None)  # type: ignore[assignment]
    activity: Activity = field(default=None)  # type: ignore[assignment]
    targets: TargetPicker = field(default=None)  # type: ignore[assignment]
    rates: np.ndarray = field(default_factory=lambda: np.empty(0))
    friends: np.ndarray | None = None

    @classmethod
    def plan(cls, world: World, rng: Rng, budget: int) -> ScamFarm:
        sims = min(int(rng.integers(3, 16)), max(budget, 2))
        shared = bool(rng.random() < 0.65)
        moving = bool(rng.random() < 0.2)
        site = world.cells.random_home(rng, 1)
        cells = (
            world.cells.random_home(rng, int(rng.integers(3, 7)))
            if moving
            else world.cells.neighbour(rng.random(2), np.repeat(site, 2))[: int(rng.integers(1, 3))]
        )
        modules = int(rng.integers(1, max(2, sims // 3) + 1)) if shared else None
        rotate = int(rng.integers(20 * 60, 6 * HOUR)) if shared and rng.random() < 0.6 else None
        bank = SimBank(
            world,
            rng,
            sims,
            bulk=bool(rng.random() < 0.5),
            modules=modules,
            rotate_s=rotate,
            cells=cells,
            mixed_models=bool(rng.random() < 0.5),
        )
        start = fraud_start_time(world, rng)
        activity = Activity.draw(
            rng, world, start, shapes=("business", "extended", "personal", "flat"), flat_mix=(0.0, 0.4)
        )
        mode = str(rng.choice(["random", "sweep", "list"], p=[0.55, 0.2, 0.25]))
        targets = TargetPicker(
            world, rng, mode, p_home=float(rng.uniform(0.3, 0.8)), p_invalid=float(rng.uniform(0.03, 0.15))
        )
        smishing = bool(rng.random() < 0.3)
        warmed = bool(rng.random() < 0.3)
        rate = float(log_uniform(rng, 8, 80, 1)[0])
        params = {
            "sims": sims,
            "handsets": modules if shared else sims,
            "rotate_s": rotate,
            "cells": len(cells),
            "calls_per_sim_hour": round(rate, 1),
            "targets": targets.describe(),
            "p_answer": round(float(rng.uniform(0.15, 0.45)), 3),
            "talk_median_s": round(float(rng.uniform(6, 40)), 1),
            "p_victim": round(float(rng.uniform(0.03, 0.12)), 3),
            "victim_talk_median_s": round(float(rng.uniform(240, 1500)), 1),
            "sms_share": round(float(rng.uniform(0.3, 0.8) if smishing else rng.uniform(0.0, 0.05)), 3),
            "p_callback": round(float(rng.uniform(0.005, 0.03)), 4),
            "callback_delay_median_s": round(float(rng.uniform(1_200, 4 * HOUR)), 0),
            "warmup_per_day": round(float(rng.uniform(0.5, 3.0)), 2) if warmed else None,
        }
        variant = (
            ("shared_handsets" if shared else "phone_per_sim")
            + ("+moving" if moving else "")
            + ("+smishing" if smishing else "")
            + ("+warmed" if warmed else "")
        )
        return cls(
            world=world,
            variant=variant,
            labeled=bank.numbers,
            fraud_start=activity.first,
            params=params,
            bank=bank,
            activity=activity,
            targets=targets,
            rates=rate * world.config.fraud_intensity * rng.lognormal(0, 0.3, sims),
            friends=world.domestic.draw(rng, int(rng.integers(3, 9)))[0] if warmed else None,
        )

    def events(self, rng: Rng, t0: int, t1: int) -> EventBatch:
        p = self.params
        parts = [warmup(self.world, rng, self.bank, self.friends, p["warmup_per_day"], t0, t1, self.fraud_start)]
        sim, t = self.activity.arrivals(rng, self.rates, t0, t1)
        n = len(sim)
        callee, rung, allocated = self.targets.pick(rng, n)
        is_sms = rng.random(n) < p["sms_share"]
        disp, dur = mixed_outcomes(
            rng,
            is_sms,
            p_answer=p["p_answer"],
            talk_mu=np.log(p["talk_median_s"]),
            talk_sigma=0.9,
            p_busy=0.2,
            p_failed=0.05,
            ring_s=(10.0, 40.0),
        )
        victim = (disp == ANSWERED) & ~is_sms & (rng.random(n) < p["p_victim"])
        dur[victim] = answered_talk(rng, int(victim.sum()), p["victim_talk_median_s"], 0.6)
        mark_unallocated(disp, dur, allocated)
        parts.append(
            self.bank.calls(rng, sim, t, callee=callee, kind=np.where(is_sms, KIND_SMS, KIND_VOICE), disp=disp, dur=dur)
        )
        voice = ~is_sms & allocated
        parts.append(
            callbacks(
                self.world,
                rng,
                np.where(voice, rung, -1),
                t,
                self.bank.numbers[sim],
                p=p["p_callback"],
                delay_median_s=p["callback_delay_median_s"],
                p_answer=0.5,
                talk_median_s=45.0,
            )
        )
        return EventBatch.concat(parts)
