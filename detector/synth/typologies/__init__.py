"""Fraud typologies planted in the synthetic world, one module per typology.

:func:`plan_schemes` splits the fraud-number budget over the requested typologies with random shares
(every typology gets at least one operation) and lets each typology draw operations until its share is
spent, so the mix, sizes and variants differ from seed to seed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..timing import Rng
from .base import Scheme
from .irsf import Irsf
from .robocall import Robocall
from .scam_farm import ScamFarm
from .simbox import SimBox
from .takeover import Takeover
from .wangiri import Wangiri

if TYPE_CHECKING:
    from ..world import World

SCHEMES: dict[str, type[Scheme]] = {
    "scam_farm": ScamFarm,
    "wangiri": Wangiri,
    "simbox": SimBox,
    "irsf": Irsf,
    "takeover": Takeover,
    "robocall": Robocall,
}
FRAUD_TYPOLOGIES: tuple[str, ...] = tuple(SCHEMES)


def plan_schemes(world: World, rng: Rng, budget: int, typologies: tuple[str, ...]) -> list[Scheme]:
    """Operations for about ``budget`` labeled numbers in total, each typology at least one operation."""
    if not typologies or budget <= 0:
        return []
    shares = rng.dirichlet(np.full(len(typologies), 4.0))
    quotas = np.maximum(1, np.round(shares * budget)).astype(int)
    schemes: list[Scheme] = []
    for typology, quota in zip(typologies, quotas):
        used = 0
        while used < quota:
            scheme = SCHEMES[typology].plan(world, rng, int(quota - used))  # type: ignore[attr-defined]
            schemes.append(scheme)
            used += max(1, len(scheme.labeled))
    return schemes


__all__ = ["FRAUD_TYPOLOGIES", "SCHEMES", "Scheme", "plan_schemes"]
