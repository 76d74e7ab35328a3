"""Creates the legitimate organisations that are not plain subscribers."""

from __future__ import annotations

from typing import Any

from .callcentre import KINDS, MODES, CallCentre
from .iot import IotFleet
from .offices import CallbackService, CallShop, HotelPbx, IntlOffice, OfficePbx
from .rand import rng_for
from .services import Dispatch, MassCallIn, MassNotify, Surgery
from .world import World


def _n(w: World, base: float, lo: int = 1) -> int:
    return max(lo, round(base * w.scale))


def build_business(w: World) -> list[Any]:
    """All business actors; office PBXs are also kept on the world for the PBX-hacking fraud."""
    rng = rng_for(w.seed, "business")
    actors: list[Any] = []
    n_cc = _n(w, 9, 2)
    for i in range(n_cc):
        kind = KINDS[i % len(KINDS)] if i < len(KINDS) else KINDS[rng.randrange(4)]
        mode = MODES[(i * 3 + rng.randrange(2)) % len(MODES)] if i >= len(MODES) else MODES[i]
        actors.append(CallCentre(w, rng, i, kind, mode))
    actors += [Surgery(w, rng, i) for i in range(_n(w, 20))]
    actors += [MassNotify(w, rng, i) for i in range(_n(w, 3))]
    actors += [Dispatch(w, rng, i, taxi=True) for i in range(_n(w, 4))]
    actors += [Dispatch(w, rng, 100 + i, taxi=False) for i in range(_n(w, 8))]
    actors.append(MassCallIn(w, rng, 0, "tv_vote", 0))
    actors.append(MassCallIn(w, rng, 1, "radio_contest", min(1, w.days - 1)))
    actors += [IntlOffice(w, rng, i) for i in range(_n(w, 5))]
    actors += [CallShop(w, rng, i) for i in range(_n(w, 3))]
    actors += [CallbackService(w, rng, i) for i in range(_n(w, 2))]
    actors += [HotelPbx(w, rng, i) for i in range(_n(w, 4))]
    offices = [OfficePbx(w, rng, i) for i in range(_n(w, 15, 3))]
    w.offices = offices
    actors += offices
    actors += [IotFleet(w, rng, i) for i in range(_n(w, 70, 3))]
    return actors
