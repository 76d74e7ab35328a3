"""Building blocks shared by the fraud schemes: activity windows, SIM banks, target pickers, callbacks.

Each typology module composes these with its own randomised parameters; nothing here knows about a
particular typology, so the schemes differ in behaviour, not in copy-pasted plumbing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from ..events import (
    ANSWERED,
    FAILED,
    KIND_SMS,
    KIND_VOICE,
    EventBatch,
    mixed_outcomes,
)
from ..numbering import imeis_from_serials, make_imeis
from ..timing import (
    DAY,
    HOUR,
    SHAPE_ID,
    Rng,
    diurnal_weight,
    iso_utc,
    local_hour,
    local_weekday,
    log_uniform,
    poisson_times,
)

if TYPE_CHECKING:
    from ..world import World


def fraud_start_time(world: World, rng: Rng) -> int:
    """When a scheme starts: after ``min_history_hours`` of normal history, early enough to be seen."""
    lo = world.start + int(world.config.min_history_hours * HOUR)
    hi = max(lo + HOUR, world.start + int(0.8 * (world.end - world.start)))
    return int(rng.uniform(lo, min(hi, world.end - HOUR)))


@dataclass(slots=True)
class Activity:
    """When an operation works: a diurnal curve in some local time, a weekend factor and hard windows."""

    shape: int
    shift_h: float
    flat_mix: float
    weekend: float
    offset_min: int
    windows: list[tuple[int, int]]

    @classmethod
    def draw(
        cls,
        rng: Rng,
        world: World,
        start: int,
        *,
        shapes: tuple[str, ...],
        flat_mix: tuple[float, float] = (0.0, 0.3),
        end: int | None = None,
        offset_min: int | None = None,
    ) -> Activity:
        """Random curve among ``shapes``, active from ``start`` to ``end`` (default: the end of the world)."""
        return cls(
            shape=SHAPE_ID[shapes[int(rng.integers(0, len(shapes)))]],
            shift_h=float(rng.normal(0.0, 1.5)),
            flat_mix=float(rng.uniform(*flat_mix)),
            weekend=float(rng.uniform(0.3, 1.2)),
            offset_min=world.home_offset_min if offset_min is None else offset_min,
            windows=[(start, world.end if end is None else end)],
        )

    @classmethod
    def bursts(
        cls,
        rng: Rng,
        world: World,
        start: int,
        per_day: tuple[int, int],
        minutes: tuple[float, float],
        *,
        night_share: float = 0.0,
        offset_min: int | None = None,
    ) -> Activity:
        """Flat activity in a few bursts a day from ``start``; ``night_share`` of bursts start 0-6 h local."""
        off = world.home_offset_min if offset_min is None else offset_min

        def burst(begin: int) -> tuple[int, int]:
            return begin, min(begin + int(rng.uniform(*minutes) * 60), world.end)

        windows = [burst(start)]  # the first burst opens the operation
        day0 = start - (start + off * 60) % DAY  # local midnight
        for day_start in range(day0, world.end, DAY):
            for _ in range(int(rng.integers(per_day[0], per_day[1] + 1))):
                night = rng.random() < night_share
                begin = day_start + int(rng.uniform(0, 6 * HOUR) if night else rng.uniform(6 * HOUR, DAY))
                if start < begin < world.end:
                    windows.append(burst(begin))
        windows.sort()
        merged: list[tuple[int, int]] = []  # overlapping bursts become one: windows stay disjoint and sorted
        for a, b in windows:
            if merged and a <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], b))
            else:
                merged.append((a, b))
        windows = merged
        return cls(SHAPE_ID["flat"], 0.0, 1.0, 1.0, off, windows)

    @classmethod
    def daily(cls, rng: Rng, world: World, start: int, hours: tuple[float, float], *, weekdays_only: bool) -> Activity:
        """The same local hours every (week)day from ``start``: an office-hours operation."""
        off = world.home_offset_min
        windows = []
        day0 = start - (start + off * 60) % DAY
        for day_start in range(day0, world.end, DAY):
            if weekdays_only and int(local_weekday(day_start, off)) >= 5:
                continue
            a, b = day_start + int(hours[0] * HOUR), day_start + int(hours[1] * HOUR)
            if b > start and a < world.end:
                windows.append((max(a, start), min(b, world.end)))
        return cls(SHAPE_ID["flat"], 0.0, 1.0, 1.0, off, windows)

    def active(self, t: np.ndarray) -> np.ndarray:
        """Whether each time lies in an active window."""
        out = np.zeros(len(t), dtype=bool)
        for a, b in self.windows:
            out |= (t >= a) & (t < b)
        return out

    def factor(self, t: int) -> float:
        """Relative activity at ``t`` (1 = the average hour)."""
        hour = local_hour(t, self.offset_min)
        weight = float(
            diurnal_weight(np.array([self.shape]), np.array([self.shift_h]), np.array([self.flat_mix]), hour)[0]
        )
        return weight * (self.weekend if int(local_weekday(t, self.offset_min)) >= 5 else 1.0)

    def spans(self, t0: int, t1: int) -> list[tuple[int, int]]:
        """Parts of [t0, t1) inside an active window."""
        return [(max(a, t0), min(b, t1)) for a, b in self.windows if a < t1 and b > t0]

    def arrivals(self, rng: Rng, rate_per_hour: np.ndarray, t0: int, t1: int) -> tuple[np.ndarray, np.ndarray]:
        """(entity, time) of Poisson arrivals of entities with the given mean hourly rates, inside windows.

        Sorted by time, so that targets handed out in order (a sweep through a number range) are dialled in
        that order.
        """
        parts = [
            poisson_times(rng, rate_per_hour * self.factor((a + b) // 2) / HOUR, a, b) for a, b in self.spans(t0, t1)
        ]
        if not parts:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        who, t = np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
        order = np.argsort(t, kind="stable")
        return who[order], t[order]

    @property
    def first(self) -> int:
        return self.windows[0][0] if self.windows else np.iinfo(np.int64).max


class SimBank:
    """The SIMs of one operation: new home numbers, the handsets (IMEIs) they sit in, the cells they use.

    ``modules`` IMEIs serve all SIMs: ``modules < sims`` means shared handsets (a SIM box or a farm's few
    phones).  With ``rotate_s`` the SIMs move round the module slots every ``rotate_s`` seconds, so each
    SIM shows several IMEIs and each IMEI several SIMs, as in real SIM boxes.
    """

    def __init__(
        self,
        world: World,
        rng: Rng,
        sims: int,
        *,
        bulk: bool,
        modules: int | None,
        rotate_s: int | None,
        cells: np.ndarray,
        mixed_models: bool = False,
    ) -> None:
        numbering = world.numbering
        if bulk:
            self.numbers = numbering.allocate_run(rng, sims)
        else:
            self.numbers = numbering.allocate(rng, sims, fresh=bool(rng.random() < 0.6))
        tacs = world.tacs
        if modules is None:  # one phone per SIM: one cheap model bought in bulk, or whatever phones were at hand
            model = tacs.consumer(rng, sims) if mixed_models else np.repeat(tacs.consumer(rng, 1), sims)
            self.imeis = make_imeis(rng, model)
        else:  # a multi-module device (modem TAC, consecutive serials) or a few shared phones
            tac = tacs.modem(rng) if rng.random() < 0.8 else int(tacs.consumer(rng, 1)[0])
            serial0 = int(rng.integers(0, 10**6 - modules))
            self.imeis = imeis_from_serials(np.full(modules, tac), serial0 + np.arange(modules))
        self.rotate_s = rotate_s
        self.cells = np.asarray(cells, dtype=np.int32)
        self.offset_min = world.home_offset_min

    def __len__(self) -> int:
        return len(self.numbers)

    def attrs(self, rng: Rng, sim: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
        """(cell, imei, offset) for SIMs ``sim`` originating at ``t``."""
        m = len(self.imeis)
        slot = (sim + (t // self.rotate_s if self.rotate_s else 0)) % m
        cell = self.cells[rng.integers(0, len(self.cells), len(sim))]
        return cell, self.imeis[slot], self.offset_min

    def calls(
        self, rng: Rng, sim: np.ndarray, t: np.ndarray, *, callee: np.ndarray, kind: Any, disp: Any, dur: Any
    ) -> EventBatch:
        """CDRs originated by SIMs ``sim`` at ``t``: caller number, cell, IMEI and offset come from the bank.

        The one way every scheme dialling from its own SIMs builds its records.  The cells are drawn here,
        after the caller has drawn callees and outcomes, which is the draw order the schemes always had.
        """
        cell, imei, off = self.attrs(rng, sim, t)
        return EventBatch.build(
            t=t, caller=self.numbers[sim], callee=callee, kind=kind, disp=disp, dur=dur, cell=cell, imei=imei, off=off
        )


class TargetPicker:
    """Whom a dialing operation rings.

    ``random``: random domestic numbers, ``p_home`` of them our subscribers, ``p_invalid`` unallocated.
    ``sweep``: consecutive numbers through the home number blocks (unallocated ones fail).
    ``list``: a bought/leaked list of our subscribers, worked through in order and then again.
    """

    def __init__(self, world: World, rng: Rng, mode: str, *, p_home: float = 0.5, p_invalid: float = 0.05) -> None:
        self.world = world
        self.mode = mode
        self.p_home = p_home
        self.p_invalid = p_invalid
        numbering = world.numbering
        self.pos = int(rng.integers(0, numbering.n_slots))
        self.step = int(rng.choice([1, 1, 1, 1, 2, 3, 10]))
        homes = world.pop.home_idx
        # drawn for every mode (not only "list") so that worlds stay the same for a seed across versions
        size = min(len(homes), max(1_000, int(len(homes) * rng.uniform(0.05, 0.3))))
        self.list = rng.choice(homes, size=size, replace=False)
        self.list_pos = 0

    def describe(self) -> dict[str, Any]:
        return {"mode": self.mode, "p_home": round(self.p_home, 3), "step": self.step if self.mode == "sweep" else None}

    def pick(self, rng: Rng, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(numbers, population row or -1, allocated?) of the next ``n`` targets."""
        world = self.world
        if self.mode == "sweep":
            numbering = world.numbering
            slots = (self.pos + self.step * np.arange(n)) % numbering.n_slots
            self.pos = int((self.pos + self.step * n) % numbering.n_slots)
            numbers = numbering.slot_number(slots)
            return numbers, world.pop.index_of(numbers), numbering.used[slots]
        if self.mode == "list":
            at = (self.list_pos + np.arange(n)) % len(self.list)
            self.list_pos = int((self.list_pos + n) % len(self.list))
            idx = self.list[at]
            return world.pop.number[idx], idx, np.ones(n, dtype=bool)
        numbers, idx = world.domestic.draw(rng, n, share=self.p_home)
        return numbers, idx, (idx >= 0) | (rng.random(n) >= self.p_invalid)


def mark_unallocated(disp: np.ndarray, dur: np.ndarray, allocated: np.ndarray) -> None:
    """Calls to unallocated numbers fail at once (in place)."""
    disp[~allocated] = FAILED
    dur[~allocated] = 0


def callbacks(
    world: World,
    rng: Rng,
    rung: np.ndarray,
    ring_t: np.ndarray,
    callee: np.ndarray | int,
    *,
    p: float,
    delay_median_s: float,
    p_answer: float,
    talk_median_s: float,
    talk_sigma: float = 0.8,
    p_repeat: float = 0.2,
) -> EventBatch:
    """Some rung subscribers call the number back later (curiosity), in their waking hours.

    ``rung`` are population rows (-1 for numbers that are not ours).  The callbacks usually start in a later
    chunk: the caller's stream holds them in its pending queue until then.
    """
    pop = world.pop
    chosen = (rung >= 0) & (rng.random(len(rung)) < p)
    idx = rung[chosen]
    callee = np.broadcast_to(np.asarray(callee, dtype=np.int64), rung.shape)[chosen]
    t = ring_t[chosen] + np.maximum(30, rng.lognormal(np.log(delay_median_s), 1.0, len(idx))).astype(np.int64)
    hour = local_hour(t, pop.offset_at(idx, t))
    asleep = hour < 7.0
    t[asleep] += ((7.0 - hour[asleep]) * HOUR + rng.uniform(0, 3 * HOUR, int(asleep.sum()))).astype(np.int64)
    again = rng.random(len(idx)) < p_repeat
    idx = np.concatenate([idx, idx[again]])
    callee = np.concatenate([callee, callee[again]])
    t = np.concatenate([t, t[again] + rng.integers(60, 1_800, int(again.sum()))])
    keep = pop.available(idx, t) & (t < world.end)
    idx, t, callee = idx[keep], t[keep], callee[keep]
    is_sms = np.zeros(len(idx), dtype=bool)
    disp, dur = mixed_outcomes(rng, is_sms, p_answer=p_answer, talk_mu=np.log(talk_median_s), talk_sigma=talk_sigma)
    cell, imei, off = pop.caller_attrs(rng, idx, t)
    return EventBatch.build(
        t=t, caller=pop.number[idx], callee=callee, kind=KIND_VOICE, disp=disp, dur=dur, cell=cell, imei=imei, off=off
    )


def warmup(
    world: World,
    rng: Rng,
    bank: SimBank,
    friends: np.ndarray | None,
    per_day: float | None,
    t0: int,
    t1: int,
    until: int,
) -> EventBatch:
    """Light, human-looking use of new SIMs before the operation starts (to age them past new-SIM rules).

    ``friends`` None means the operation was not warmed: nothing, and nothing drawn, so the schemes that
    may warm up call this unconditionally instead of each repeating the test.
    """
    t1 = min(t1, until)
    if friends is None or per_day is None or t1 <= t0:
        return EventBatch.empty()
    mid = (t0 + t1) // 2
    weight = diurnal_weight(
        np.array([SHAPE_ID["personal"]]), np.zeros(1), np.full(1, 0.1), local_hour(mid, bank.offset_min)
    )
    sim, t = poisson_times(rng, np.full(len(bank), per_day * float(weight[0]) / DAY), t0, t1)
    is_sms = rng.random(len(sim)) < 0.4
    disp, dur = mixed_outcomes(rng, is_sms, p_answer=0.8, talk_mu=np.log(60.0), talk_sigma=1.0)
    cell, imei, off = bank.attrs(rng, sim, t)
    callee = friends[rng.integers(0, len(friends), len(sim))]
    return EventBatch.build(
        t=t,
        caller=bank.numbers[sim],
        callee=callee,
        kind=np.where(is_sms, KIND_SMS, KIND_VOICE),
        disp=disp,
        dur=dur,
        cell=cell,
        imei=imei,
        off=off,
    )


@dataclass
class Scheme:
    """One fraud operation: who is labeled, when it starts, its randomised parameters, its CDRs per chunk."""

    typology: ClassVar[str] = ""
    world: World
    variant: str
    labeled: np.ndarray  # E.164 numbers (int64) labeled fraud
    fraud_start: int
    params: dict[str, Any] = field(default_factory=dict)
    revenue: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))  # callee-only fraud numbers

    def events(self, rng: Rng, t0: int, t1: int) -> EventBatch:
        raise NotImplementedError

    def describe(self) -> dict[str, Any]:
        """Manifest entry: what was planted, so a missed detection can be explained."""
        return {
            "typology": self.typology,
            "variant": self.variant,
            "fraud_start": iso_utc(self.fraud_start),
            "numbers": [f"+{n}" for n in self.labeled.tolist()],
            "revenue_numbers": [f"+{n}" for n in self.revenue.tolist()],
            "params": self.params,
        }


def answered_talk(rng: Rng, n: int, median_s: float, sigma: float) -> np.ndarray:
    """Log-normal talk times (seconds, >= 1)."""
    return np.maximum(1, rng.lognormal(np.log(median_s), sigma, n)).astype(np.int32)


__all__ = [
    "ANSWERED",
    "DAY",
    "HOUR",
    "KIND_SMS",
    "KIND_VOICE",
    "Activity",
    "EventBatch",
    "Scheme",
    "SimBank",
    "TargetPicker",
    "answered_talk",
    "callbacks",
    "fraud_start_time",
    "log_uniform",
    "mark_unallocated",
    "mixed_outcomes",
    "warmup",
]
