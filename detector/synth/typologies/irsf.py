"""International revenue-share fraud: numbers pumping calls into premium ranges abroad.

Variants: compromised honest subscribers (history before, honest use goes on; same handset or a new one)
or fraudulently subscribed new SIMs; long back-to-back calls or many short repeated ones; one or several
simultaneous call chains per number (conference/forwarding abuse); several numbers hitting the same
destinations.  Often starts at night.  Destinations come from this world's randomised premium ranges.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ..events import ANSWERED, KIND_VOICE, MAX_TALK_S, NO_ANSWER
from ..numbering import make_imeis
from ..timing import DAY, HOUR, Rng
from .base import Activity, EventBatch, Scheme, SimBank, fraud_start_time

if TYPE_CHECKING:
    from ..world import World


@dataclass
class Irsf(Scheme):
    typology = "irsf"
    rows: np.ndarray | None = None  # population rows when compromised subscribers are used
    new_imei: np.ndarray | None = None  # handset the fraudster uses, when not the owner's
    attacker_cells: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int32))
    bank: SimBank | None = None
    dests: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    activity: Activity = field(default=None)  # type: ignore[assignment]
    chain_owner: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    next_t: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    favourite: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))

    @classmethod
    def plan(cls, world: World, rng: Rng, budget: int) -> Irsf:
        k = min(int(rng.integers(1, 5)), max(budget, 1))
        compromised = bool(rng.random() < 0.5)
        long_calls = bool(rng.random() < 0.6)
        parallel = bool(rng.random() < 0.3)
        rows = new_imei = bank = None
        attacker_cells = world.cells.random_home(rng, int(rng.integers(1, 3)))
        if compromised:
            rows = world.claim(
                rng, ("ordinary", "small_business", "night_shift", "international_caller"), k, min_daily=2.0
            )
            numbers = world.pop.number[rows]
            if rng.random() < 0.4:
                new_imei = make_imeis(rng, world.tacs.consumer(rng, k))
        else:
            modules = 1 if rng.random() < 0.3 else None
            bank = SimBank(
                world,
                rng,
                k,
                bulk=bool(rng.random() < 0.5),
                modules=modules,
                rotate_s=None,
                cells=world.cells.random_home(rng, int(rng.integers(1, 3))),
                mixed_models=True,
            )
            numbers = bank.numbers
        ranges = rng.choice(len(world.premium), size=min(int(rng.integers(1, 4)), len(world.premium)), replace=False)
        dests = np.concatenate(
            [
                world.premium[int(r)].draw(rng, int(rng.integers(1, 5)), sequential=bool(rng.random() < 0.5))
                for r in np.atleast_1d(ranges)
            ]
        )
        start = cls._maybe_at_night(world, rng, fraud_start_time(world, rng))
        activity = Activity.bursts(rng, world, start, per_day=(0, 2), minutes=(120, 900), night_share=0.6)
        chains_per = rng.integers(2, 4, k) if parallel else np.ones(k, dtype=np.int64)
        owner = np.repeat(np.arange(k), chains_per)
        params = {
            "numbers": k,
            "destinations": [f"+{d}" for d in dests.tolist()],
            "chains": int(chains_per.sum()),
            "talk_median_s": round(float(rng.uniform(900, 3_000) if long_calls else rng.uniform(20, 180)), 1),
            "talk_sigma": round(float(rng.uniform(0.3, 0.6)), 3),
            "gap_s": tuple(g / world.config.fraud_intensity for g in ((5, 120) if long_calls else (3, 40))),
            "p_answer": round(float(rng.uniform(0.85, 0.97)), 3),
            "new_handset": new_imei is not None,
            "bursts": len(activity.windows),
        }
        variant = (
            ("compromised" if compromised else "subscription")
            + ("+long_calls" if long_calls else "+short_repeated")
            + ("+parallel" if parallel else "")
        )
        return cls(
            world=world,
            variant=variant,
            labeled=numbers,
            fraud_start=activity.first,
            params=params,
            rows=rows,
            new_imei=new_imei,
            attacker_cells=attacker_cells,
            bank=bank,
            dests=dests,
            activity=activity,
            chain_owner=owner,
            next_t=np.full(len(owner), activity.first, dtype=np.int64) + rng.integers(0, 300, len(owner)),
            favourite=rng.integers(0, len(dests), len(owner)),
        )

    @staticmethod
    def _maybe_at_night(world: World, rng: Rng, start: int) -> int:
        """Most IRSF runs start when nobody is watching: move the start into the next local night."""
        if rng.random() >= 0.6:
            return start
        local = (start + world.home_offset_min * 60) % DAY
        night = start - local + 22 * HOUR + int(rng.uniform(0, 6 * HOUR))
        if night < start:
            night += DAY
        return night if night < world.end - 2 * HOUR else start

    def events(self, rng: Rng, t0: int, t1: int) -> EventBatch:
        p = self.params
        wa = np.array([a for a, _ in self.activity.windows], dtype=np.int64)
        wb = np.array([b for _, b in self.activity.windows], dtype=np.int64)
        owners: list[int] = []
        times: list[int] = []
        durs: list[int] = []
        answered: list[bool] = []
        dests: list[int] = []
        for c in range(len(self.chain_owner)):
            t = int(self.next_t[c])
            while t < t1:
                w = int(np.searchsorted(wb, t, side="right"))
                if w >= len(wa):
                    t = np.iinfo(np.int64).max
                    break
                if t < wa[w]:  # idle until the next burst
                    t = int(wa[w])
                    continue
                ok = bool(rng.random() < p["p_answer"])
                dur = (
                    int(min(MAX_TALK_S, rng.lognormal(np.log(p["talk_median_s"]), p["talk_sigma"])))
                    if ok
                    else int(rng.uniform(15, 45))
                )
                owners.append(int(self.chain_owner[c]))
                times.append(t)
                durs.append(dur)
                answered.append(ok)
                favourite = rng.random() < 0.7
                dests.append(int(self.dests[self.favourite[c] if favourite else int(rng.integers(0, len(self.dests)))]))
                t += dur + int(rng.uniform(*p["gap_s"]))
            self.next_t[c] = t
        if not times:
            return EventBatch.empty()
        who = np.array(owners, dtype=np.int64)
        t_arr = np.array(times, dtype=np.int64)
        cell: np.ndarray
        imei: np.ndarray
        off: np.ndarray | int
        if self.bank is not None:
            cell, imei, off = self.bank.attrs(rng, who, t_arr)
        else:
            assert self.rows is not None
            cell, imei, off = self.world.pop.caller_attrs(rng, self.rows[who], t_arr)
            if self.new_imei is not None:  # the SIM (or a clone) is in the fraudster's phone, elsewhere
                imei = self.new_imei[who]
                cell = self.attacker_cells[rng.integers(0, len(self.attacker_cells), len(who))]
        return EventBatch.build(
            t=t_arr,
            caller=self.labeled[who],
            callee=np.array(dests, dtype=np.int64),
            kind=KIND_VOICE,
            disp=np.where(answered, ANSWERED, NO_ANSWER),
            dur=np.array(durs),
            cell=cell,
            imei=imei,
            off=off,
        )
