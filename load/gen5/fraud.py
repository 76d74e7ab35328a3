"""Creates the fraud operations: several instances per typology, variants rotated from a random offset."""

from __future__ import annotations

from typing import Any

from .fraud_net import Irsf, SimBox, Takeover
from .fraud_voice import Robocall, ScamFarm, Wangiri
from .rand import rng_for
from .world import World

# instances per typology at the default size (20 000 subscribers); at least one each at any size
PLAN = {"scam_farm": 6, "wangiri": 5, "simbox": 5, "irsf": 7, "takeover": 12, "robocall": 5}


def build_fraud(w: World) -> list[Any]:
    """All fraud actors; victims (existing subscribers) are never shared between operations."""
    rng = rng_for(w.seed, "fraud")
    used: set[int] = set()
    actors: list[Any] = []

    def count(name: str) -> int:
        return max(1, round(PLAN[name] * w.scale))

    def variants(names: tuple[str, ...], n: int) -> list[str]:
        off = rng.randrange(len(names))
        return [names[(off + i) % len(names)] for i in range(n)]

    for i, v in enumerate(variants(ScamFarm.VARIANTS, count("scam_farm"))):
        actors.append(ScamFarm(w, rng, i, v))
    for i, v in enumerate(variants(Wangiri.VARIANTS, count("wangiri"))):
        actors.append(Wangiri(w, rng, i, v, used))
    for i, v in enumerate(variants(SimBox.VARIANTS, count("simbox"))):
        actors.append(SimBox(w, rng, i, v))
    irsf = ("pbx_hack", "pbx_hack", "stolen_sim", "cloned_sim", "subscription", "low_and_slow", "low_and_slow")
    n_irsf = count("irsf")
    for i in range(n_irsf):
        v = irsf[i] if n_irsf >= len(irsf) else irsf[rng.randrange(len(irsf))]
        actors.append(Irsf(w, rng, i, v, used))
    for i, v in enumerate(variants(Takeover.VARIANTS, count("takeover"))):
        actors.append(Takeover(w, rng, i, v, used))
    for i, v in enumerate(variants(Robocall.VARIANTS, count("robocall"))):
        actors.append(Robocall(w, rng, i, v))
    return actors
