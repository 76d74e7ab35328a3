"""Wangiri ("one ring and cut"): ring many subscribers for a second or two, bill the ones who call back.

Variants: a foreign ringer (only the attempts that reach our subscribers are in our CDRs); a home SIM as
ringer; callbacks to a different premium number than the ringer.  Targets are a sweep through number
blocks, random subscribers, or a leaked list.  Bursts of 20 min to 3 h, often at night.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ..events import NO_ANSWER, NO_CELL, NO_IMEI
from ..timing import Rng
from .base import (
    ANSWERED,
    KIND_VOICE,
    Activity,
    EventBatch,
    Scheme,
    SimBank,
    TargetPicker,
    callbacks,
    fraud_start_time,
    log_uniform,
    mark_unallocated,
)

if TYPE_CHECKING:
    from ..world import World


@dataclass
class Wangiri(Scheme):
    typology = "wangiri"
    ringers: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    premium: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    bank: SimBank | None = None
    ringer_offset: int = 0
    activity: Activity = field(default=None)  # type: ignore[assignment]
    targets: TargetPicker = field(default=None)  # type: ignore[assignment]

    @classmethod
    def plan(cls, world: World, rng: Rng, budget: int) -> Wangiri:
        variant = str(rng.choice(["foreign_ringer", "home_sim_ringer", "premium_callback"], p=[0.5, 0.25, 0.25]))
        k = min(int(rng.integers(1, 4)), max(budget, 1))
        premium_range = world.premium[int(rng.integers(0, len(world.premium)))]
        bank = None
        if variant == "home_sim_ringer":
            bank = SimBank(
                world,
                rng,
                k,
                bulk=bool(rng.random() < 0.5),
                modules=None,
                rotate_s=None,
                cells=world.cells.random_home(rng, 1),
            )
            ringers, offset = bank.numbers, world.home_offset_min
        else:
            ringers = premium_range.draw(rng, k, sequential=bool(rng.random() < 0.5))
            offset = premium_range.utc_offset_min
        premium = premium_range.draw(rng, int(rng.integers(1, 3))) if variant == "premium_callback" else ringers
        start = fraud_start_time(world, rng)
        activity = Activity.bursts(
            rng, world, start, per_day=(1, 4), minutes=(20, 180), night_share=float(rng.uniform(0.2, 0.7))
        )
        mode = str(rng.choice(["sweep", "random", "list"], p=[0.45, 0.25, 0.3]))
        targets = TargetPicker(world, rng, mode, p_home=1.0, p_invalid=0.0)
        params = {
            "ringers": k,
            "ringer_country_offset_min": offset,
            "calls_per_hour": round(float(log_uniform(rng, 60, 900, 1)[0]) * world.config.fraud_intensity, 1),
            "targets": targets.describe(),
            "p_pickup": round(float(rng.uniform(0.01, 0.05)), 3),
            "p_callback": round(float(rng.uniform(0.005, 0.06)), 4),
            "callback_delay_median_s": round(float(rng.uniform(300, 7_200)), 0),
            "callback_p_answer": round(float(rng.uniform(0.75, 0.95)), 3),
            "callback_talk_median_s": round(float(rng.uniform(60, 400)), 1),
            "bursts": len(activity.windows),
        }
        revenue = premium if variant == "premium_callback" else np.empty(0, dtype=np.int64)
        labeled = np.concatenate([ringers, revenue]) if world.config.label_revenue_numbers else ringers
        return cls(
            world=world,
            variant=variant,
            labeled=labeled,
            fraud_start=activity.first,
            params=params,
            revenue=revenue,
            ringers=ringers,
            premium=premium,
            bank=bank,
            ringer_offset=offset,
            activity=activity,
            targets=targets,
        )

    def events(self, rng: Rng, t0: int, t1: int) -> EventBatch:
        p = self.params
        k = len(self.ringers)
        which, t = self.activity.arrivals(rng, np.full(k, p["calls_per_hour"] / k), t0, t1)
        n = len(which)
        callee, rung, allocated = self.targets.pick(rng, n)
        picked_up = rng.random(n) < p["p_pickup"]
        disp = np.where(picked_up, ANSWERED, NO_ANSWER).astype(np.int8)
        dur = rng.integers(0, 4, n).astype(np.int32)  # one ring: 0-3 s either way
        mark_unallocated(disp, dur, allocated)
        if self.bank is not None:  # the ringers are the bank's SIMs
            rings = self.bank.calls(rng, which, t, callee=callee, kind=KIND_VOICE, disp=disp, dur=dur)
        else:  # a foreign ringer: we see neither its cell nor its handset
            rings = EventBatch.build(
                t=t,
                caller=self.ringers[which],
                callee=callee,
                kind=KIND_VOICE,
                disp=disp,
                dur=dur,
                cell=NO_CELL,
                imei=NO_IMEI,
                off=self.ringer_offset,
            )
        # callbacks go to the ringer, or in the premium variant to one of the premium numbers
        target = self.premium[which % len(self.premium)]
        back = callbacks(
            self.world,
            rng,
            np.where(allocated, rung, -1),
            t,
            target,
            p=p["p_callback"],
            delay_median_s=p["callback_delay_median_s"],
            p_answer=p["callback_p_answer"],
            talk_median_s=p["callback_talk_median_s"],
            talk_sigma=0.7,
            p_repeat=0.25,
        )
        return EventBatch.concat([rings, back])
