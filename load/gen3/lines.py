"""A served line (number + handset + place) and how it writes records."""

from __future__ import annotations

import random
from dataclasses import dataclass

from . import numbering as nb
from .clock import IST
from .people import Crowd
from .records import Labels, Sink


@dataclass(slots=True)
class Line:
    """An on-net number with its current handset, cell and switch style."""

    number: str
    imei: str | None
    cell: str | None
    style: int
    off: int = IST
    p_missing: float = 0.02

    def send(self, sink: Sink, rng: random.Random, t: int, callee: str, dur: float, disp: str,
             sms: bool = False) -> None:
        """Write a record originated by this line."""
        imei = None if rng.random() < self.p_missing else self.imei
        cell = None if rng.random() < self.p_missing * 0.7 else self.cell
        sink.add(t, sms, self.number, callee, dur, disp, cell, imei, self.off, self.style)


def from_outside(sink: Sink, crowd: Crowd, labels: Labels, rng: random.Random, t: int, caller: str,
                 callee: str, callee_style: int, dur: float, disp: str, sms: bool = False,
                 profile: str = "offnet_contact") -> None:
    """A record originated by someone else: a crowd member (with their handset) or off-net."""
    i = crowd.by_number.get(caller)
    if i is not None and i in crowd.plain_set:
        num, cell, imei, style, off = crowd.meta(i, t, rng)
        sink.add(t, sms, num, callee, dur, disp, cell, imei, off, style)
        return
    labels.honest(caller, profile, onnet=False)
    sink.add(t, sms, caller, callee, dur, disp, None, None, IST, callee_style)


def customer(crowd: Crowd, rng: random.Random, onnet_share: float = 0.5) -> str:
    """A customer: a static crowd member or an off-net mobile."""
    if rng.random() < onnet_share:
        return crowd.people[crowd.pick_plain(rng)].number
    return nb.mobile(rng, onnet=False)
