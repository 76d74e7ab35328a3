"""SIM box (interconnect bypass): international calls terminated as local calls from a rack of SIMs.

Several SIMs in one or few multi-module devices (shared IMEIs, consecutive serials) at one fixed site,
making answered calls of normal length to many of our subscribers, with no SMS and almost no inbound.
Variants: raw (24/7, flat) or human-mimicking (diurnal, aged SIMs, a trickle of SMS and of calls between
its own SIMs); SIMs rotating through the module slots or pinned to them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ..timing import Rng
from .base import (
    HOUR,
    KIND_SMS,
    KIND_VOICE,
    Activity,
    EventBatch,
    Scheme,
    SimBank,
    fraud_start_time,
    log_uniform,
    mixed_outcomes,
    warmup,
)

if TYPE_CHECKING:
    from ..world import World


@dataclass
class SimBox(Scheme):
    typology = "simbox"
    bank: SimBank = field(default=None)  # type: ignore[assignment]
    activity: Activity = field(default=None)  # type: ignore[assignment]
    rates: np.ndarray = field(default_factory=lambda: np.empty(0))
    pool: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))  # who the traffic is for
    friends: np.ndarray | None = None

    @classmethod
    def plan(cls, world: World, rng: Rng, budget: int) -> SimBox:
        sims = min(int(rng.integers(4, 33)), max(budget, 2))
        modules = int(rng.integers(1, max(1, sims // 2) + 1))  # fewer modules than SIMs: they share
        rotating = bool(rng.random() < 0.6)
        rotate = int(rng.integers(30 * 60, 8 * HOUR)) if rotating else None
        site = world.cells.random_home(rng, 1)
        cells = (
            site
            if rng.random() < 0.75
            else np.minimum(site + np.arange(int(rng.integers(2, 4))), world.cells.n_home - 1)
        )
        bank = SimBank(world, rng, sims, bulk=bool(rng.random() < 0.6), modules=modules, rotate_s=rotate, cells=cells)
        mimic = bool(rng.random() < 0.4)
        start = fraud_start_time(world, rng)
        if mimic:
            activity = Activity.draw(rng, world, start, shapes=("personal", "extended", "evening"), flat_mix=(0.1, 0.4))
        else:
            activity = Activity.draw(rng, world, start, shapes=("flat", "personal"), flat_mix=(0.5, 1.0))
        pool, _ = world.domestic.draw(rng, int(log_uniform(rng, 200, 5_000, 1)[0]), share=float(rng.uniform(0.5, 0.9)))
        rate = float(log_uniform(rng, 6, 40, 1)[0])
        params = {
            "sims": sims,
            "modules": modules,
            "rotate_s": rotate,
            "cells": len(cells),
            "calls_per_sim_hour": round(rate, 1),
            "callee_pool": len(pool),
            "p_answer": round(float(rng.uniform(0.55, 0.8)), 3),
            "talk_median_s": round(float(rng.uniform(60, 240)), 1),
            "talk_sigma": round(float(rng.uniform(0.6, 1.1)), 3),
            "sms_share": round(float(rng.uniform(0.005, 0.02)), 4) if mimic else 0.0,
            "p_internal": round(float(rng.uniform(0.01, 0.03)), 3) if mimic else 0.0,
            "warmup_per_day": round(float(rng.uniform(0.5, 3.0)), 2) if mimic else None,
        }
        variant = ("human_mimic" if mimic else "raw") + ("+rotating" if rotating else "+pinned")
        return cls(
            world=world,
            variant=variant,
            labeled=bank.numbers,
            fraud_start=activity.first,
            params=params,
            bank=bank,
            activity=activity,
            rates=rate * world.config.fraud_intensity * rng.lognormal(0, 0.25, sims),
            pool=pool,
            friends=world.domestic.draw(rng, int(rng.integers(3, 9)))[0] if mimic else None,
        )

    def events(self, rng: Rng, t0: int, t1: int) -> EventBatch:
        p = self.params
        parts = [warmup(self.world, rng, self.bank, self.friends, p["warmup_per_day"], t0, t1, self.fraud_start)]
        sim, t = self.activity.arrivals(rng, self.rates, t0, t1)
        n = len(sim)
        callee = self.pool[rng.integers(0, len(self.pool), n)]
        internal = rng.random(n) < p["p_internal"]  # mimicry: its SIMs call each other now and then
        other = (sim[internal] + rng.integers(1, max(len(self.bank), 2), int(internal.sum()))) % len(self.bank)
        callee[internal] = self.bank.numbers[other]
        is_sms = rng.random(n) < p["sms_share"]
        disp, dur = mixed_outcomes(
            rng,
            is_sms,
            p_answer=p["p_answer"],
            talk_mu=np.log(p["talk_median_s"]),
            talk_sigma=p["talk_sigma"],
            p_busy=0.35,
            p_failed=0.04,
        )
        parts.append(
            self.bank.calls(rng, sim, t, callee=callee, kind=np.where(is_sms, KIND_SMS, KIND_VOICE), disp=disp, dur=dur)
        )
        return EventBatch.concat(parts)
