"""Helpers shared by the business and fraud actors: targets, windows, diallers."""

from __future__ import annotations

import random
from typing import Callable

from .numbering import DDD_CHOICE
from .world import ANSWERED, BUSY, DAY, FAILED, HOUR, NO_ANSWER, VOICE, World, lognorm_s


def random_mobile(rng: random.Random, ddd: str) -> str:
    """Any Brazilian mobile number in an area, allocated or not (dialling lists are messy)."""
    return f"+55{ddd}9{rng.choice('6789')}{rng.randrange(10000000):07d}"


class Targets:
    """Draws callees the way a bought or leaked list would: some on-net, most off-net, some dead."""

    def __init__(self, w: World, ddds: list[str] | None = None, onnet_share: float = 0.3, dead_share: float = 0.08):
        self.w = w
        self.ddds = ddds
        self.onnet = [s for s in w.subs if ddds is None or s.ddd in ddds] or w.subs
        self.onnet_share = onnet_share
        self.dead_share = dead_share

    def pick(self, rng: random.Random) -> tuple[str, bool]:
        """(number, alive)."""
        r = rng.random()
        if r < self.onnet_share:
            return rng.choice(self.onnet).number, True
        ddd = rng.choice(self.ddds) if self.ddds else DDD_CHOICE.pick(rng)
        return random_mobile(rng, ddd), r < 1 - self.dead_share


def windows(d: int, spans: list[tuple[float, float]], lo: int = 0, hi: int = 10 ** 9) -> list[tuple[int, int]]:
    """Day d's working windows (local hours) as global seconds, clipped to [lo, hi)."""
    out = []
    for a, b in spans:
        s, e = max(lo, d * DAY + int(a * HOUR)), min(hi, d * DAY + int(b * HOUR))
        if e > s:
            out.append((s, e))
    return out


def dial(rng: random.Random, start: int, end: int, pick: Callable[[random.Random], tuple[str, bool]],
         p_answer: float, talk: tuple[float, float], quick_hangup: float, gap: tuple[int, int],
         emit: Callable[[int, str, int, str], None], max_calls: int = 5000, ring: tuple[int, int] = (15, 35)) -> int:
    """One line dialling back to back between start and end: returns the number of attempts.

    An answered call is either hung up quickly (the callee refuses) or becomes a
    conversation of log-normal length; unanswered attempts ring for a while;
    dead numbers fail at once. The next attempt follows after a wrap-up gap.
    """
    t = start
    for n in range(max_calls):
        if t >= end:
            return n
        callee, alive = pick(rng)
        if not alive:
            dur, disp = 0, FAILED
        else:
            r = rng.random()
            if r < p_answer:
                dur = rng.randint(2, 20) if rng.random() < quick_hangup else lognorm_s(rng, talk[0], talk[1], 5400)
                disp = ANSWERED
            elif r < p_answer + (1 - p_answer) * 0.75:
                dur, disp = rng.randint(*ring), NO_ANSWER
            elif r < p_answer + (1 - p_answer) * 0.93:
                dur, disp = 0, BUSY
            else:
                dur, disp = 0, FAILED
        emit(t, callee, dur, disp)
        t += dur + rng.randint(2, 6) + rng.randint(*gap)
    return max_calls


def voice(out: list, caller: str, cell: str | None, imei: str | None) -> Callable[[int, str, int, str], None]:
    """An emit function for one line (fixed cell and handset)."""
    app = out.append

    def emit(t: int, callee: str, dur: int, disp: str) -> None:
        app((t, VOICE, caller, callee, dur, disp, cell, imei))
    return emit
