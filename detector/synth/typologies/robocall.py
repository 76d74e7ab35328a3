"""Robocall: an automated dialer placing calls at regular intervals with little jitter.

Variants: a recorded message (answered calls last the message length, or less when people hang up) or
silent calls (answered calls dropped in 0-3 s); one SIM or several in a gateway; sweep through number
ranges or random numbers; office hours on weekdays or random blocks of hours.  Unanswered calls ring for
the dialer's fixed timeout, another machine-like regularity.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ..events import ANSWERED, BUSY, KIND_VOICE, NO_ANSWER
from ..timing import Rng
from .base import Activity, EventBatch, Scheme, SimBank, TargetPicker, fraud_start_time, mark_unallocated

if TYPE_CHECKING:
    from ..world import World


@dataclass
class Robocall(Scheme):
    typology = "robocall"
    bank: SimBank = field(default=None)  # type: ignore[assignment]
    activity: Activity = field(default=None)  # type: ignore[assignment]
    targets: TargetPicker = field(default=None)  # type: ignore[assignment]
    interval: np.ndarray = field(default_factory=lambda: np.empty(0))
    next_t: np.ndarray = field(default_factory=lambda: np.empty(0))

    @classmethod
    def plan(cls, world: World, rng: Rng, budget: int) -> Robocall:
        k = min(int(rng.integers(1, 5)), max(budget, 1))
        gateway = bool(rng.random() < 0.5)
        bank = SimBank(
            world,
            rng,
            k,
            bulk=bool(rng.random() < 0.6),
            modules=1 if gateway else None,
            rotate_s=None,
            cells=world.cells.random_home(rng, 1),
        )
        message = bool(rng.random() < 0.6)
        length = float(rng.uniform(20, 60)) if message else 2.0
        timeout = int(rng.integers(15, 31))
        office = bool(rng.random() < 0.5)
        start = fraud_start_time(world, rng)
        hours = (float(rng.uniform(8, 10)), float(rng.uniform(16, 20)))
        activity = Activity.daily(rng, world, start, hours, weekdays_only=True) if office else None
        if activity is None or not activity.windows:
            activity = Activity.bursts(rng, world, start, per_day=(1, 3), minutes=(60, 360), night_share=0.15)
            office = False
        base = max(float(rng.uniform(20, 90)) / world.config.fraud_intensity, max(length, timeout) + 3.0)
        interval = base * rng.uniform(0.9, 1.1, k)
        mode = "sweep" if rng.random() < 0.6 else "random"
        targets = TargetPicker(
            world, rng, mode, p_home=float(rng.uniform(0.3, 0.7)), p_invalid=float(rng.uniform(0.05, 0.15))
        )
        params = {
            "dialers": k,
            "gateway": gateway,
            "interval_s": [round(float(x), 2) for x in interval],
            "jitter_sd_s": round(float(rng.uniform(0.1, 3.0)), 2),
            "message_s": round(length, 1),
            "timeout_s": timeout,
            "p_answer": round(float(rng.uniform(0.25, 0.55)), 3),
            "p_listen": round(float(rng.uniform(0.4, 0.8)), 3),
            "p_busy": round(float(rng.uniform(0.03, 0.1)), 3),
            "targets": targets.describe(),
            "schedule": "office_hours" if office else "random_blocks",
        }
        variant = (
            ("message" if message else "silent")
            + ("+gateway" if gateway else "")
            + ("+office_hours" if office else "+random_hours")
        )
        first = activity.first
        return cls(
            world=world,
            variant=variant,
            labeled=bank.numbers,
            fraud_start=first,
            params=params,
            bank=bank,
            activity=activity,
            targets=targets,
            interval=interval,
            next_t=first + rng.uniform(0, 1, k) * interval,
        )

    def _dial_times(self, rng: Rng, t0: int, t1: int) -> tuple[np.ndarray, np.ndarray]:
        """(dialer, time) of attempts in [t0, t1): a regular clock per dialer, kept across chunks."""
        jitter = self.params["jitter_sd_s"]
        whos, times = [], []
        for d, step in enumerate(self.interval):
            t = float(self.next_t[d])
            if t < t0:  # skip whole steps while idle (keeps the clock's phase)
                t += np.ceil((t0 - t) / step) * step
            n = max(0, int(np.ceil((t1 - t) / step)) + 2)
            ticks = t + np.concatenate([[0.0], np.cumsum(step + jitter * rng.standard_normal(n))])
            inside = ticks < t1
            self.next_t[d] = ticks[~inside][0] if (~inside).any() else ticks[-1] + step
            ticks = ticks[inside & (ticks >= t0)]
            whos.append(np.full(len(ticks), d))
            times.append(ticks.astype(np.int64))
        who, t_all = np.concatenate(whos), np.concatenate(times)
        order = np.argsort(t_all, kind="stable")
        who, t_all = who[order], t_all[order]
        active = self.activity.active(t_all)
        return who[active], t_all[active]

    def events(self, rng: Rng, t0: int, t1: int) -> EventBatch:
        p = self.params
        if not self.activity.spans(t0, t1):
            return EventBatch.empty()  # the clocks catch up (phase kept) on the next active chunk
        who, t = self._dial_times(rng, t0, t1)
        n = len(who)
        callee, _, allocated = self.targets.pick(rng, n)
        u = rng.random(n)
        disp = np.where(u < p["p_answer"], ANSWERED, np.where(u < p["p_answer"] + p["p_busy"], BUSY, NO_ANSWER))
        listen = rng.random(n) < p["p_listen"]
        message = p["message_s"]
        talk = np.where(listen, message + rng.uniform(-1, 1, n), rng.uniform(1, max(message, 3.0), n))
        ring = p["timeout_s"] + rng.integers(-1, 2, n)
        dur = np.select([disp == ANSWERED, disp == NO_ANSWER], [talk, ring], 0).astype(np.int32)
        disp = disp.astype(np.int8)
        mark_unallocated(disp, dur, allocated)
        return self.bank.calls(rng, who, t, callee=callee, kind=KIND_VOICE, disp=disp, dur=np.maximum(dur, 0))
