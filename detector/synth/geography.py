"""Cells: the home network's cells grouped in location areas, plus a few cells per foreign network.

Cells are referred to by index into one table; the "MCC-MNC-LAC-CI" text is made once here.  Location
areas give "nearby" a meaning (a neighbour cell is in the same LAC), which is what separates an honest
commute or courier round from a SIM that jumps to another region after a swap.
"""

from __future__ import annotations

import numpy as np

from .numbering import PLANS, CountryPlan
from .timing import Rng

FOREIGN_CELLS_PER_COUNTRY = 12


class CellPlan:
    """Home cells (contiguous per LAC) followed by a fixed-size pool of cells per foreign plan."""

    def __init__(self, rng: Rng, home: CountryPlan, home_mnc: int, subscribers: int) -> None:
        n_lac = max(6, round(subscribers / 1_500))
        sizes = rng.integers(15, 60, n_lac)
        lac_codes = rng.choice(np.arange(1_000, 65_000), size=n_lac, replace=False)
        self.lac_start = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int32)
        self.n_home = int(self.lac_start[-1])
        self.lac_of = np.repeat(np.arange(n_lac, dtype=np.int32), sizes)
        cis = rng.choice(np.arange(10_000, 10_000 + 40 * self.n_home), size=self.n_home, replace=False)
        text = [
            f"{home.mcc}-{home_mnc:02d}-{lac_codes[lac]}-{ci}" for lac, ci in zip(self.lac_of.tolist(), cis.tolist())
        ]
        self.foreign_start = self.n_home
        for plan in PLANS:
            mnc = int(rng.integers(1, 99))
            lacs = rng.integers(100, 65_000, FOREIGN_CELLS_PER_COUNTRY)
            foreign_cis = rng.integers(1_000, 999_999, FOREIGN_CELLS_PER_COUNTRY)
            text += [f"{plan.mcc}-{mnc:02d}-{lac}-{ci}" for lac, ci in zip(lacs.tolist(), foreign_cis.tolist())]
        self.text = text
        # JSON fragments indexed by cell + 1, so NO_CELL (-1) maps to null.
        self.json = np.array(["null"] + [f'"{c}"' for c in text], dtype=object)

    @property
    def n_lac(self) -> int:
        return len(self.lac_start) - 1

    def random_home(self, rng: Rng, n: int) -> np.ndarray:
        return self.home_at(rng.random(n))

    def home_at(self, u: np.ndarray) -> np.ndarray:
        """The home cell at uniform position ``u`` in [0, 1) (lets callers choose where randomness comes from)."""
        return (np.asarray(u) * self.n_home).astype(np.int32)

    def neighbour(self, u: np.ndarray, cells: np.ndarray) -> np.ndarray:
        """A cell in the same location area as each given home cell, chosen by uniform ``u``."""
        lac = self.lac_of[cells]
        size = self.lac_start[lac + 1] - self.lac_start[lac]
        return (self.lac_start[lac] + (np.asarray(u) * size).astype(np.int32)).astype(np.int32)

    def in_other_lac(self, rng: Rng, cells: np.ndarray) -> np.ndarray:
        """A random home cell in a different location area (another town) for each given cell."""
        lac = self.lac_of[cells]
        other = (lac + rng.integers(1, self.n_lac, len(cells))) % self.n_lac
        size = self.lac_start[other + 1] - self.lac_start[other]
        return (self.lac_start[other] + (rng.random(len(cells)) * size).astype(np.int32)).astype(np.int32)

    def away_from(self, rng: Rng, *cells: int) -> np.ndarray:
        """One random home cell in a location area none of ``cells`` is in (a different town)."""
        taken = {int(self.lac_of[c]) for c in cells}
        free = [lac for lac in range(self.n_lac) if lac not in taken] or list(range(self.n_lac))
        lac = free[int(rng.integers(0, len(free)))]
        return np.array([rng.integers(self.lac_start[lac], self.lac_start[lac + 1])], dtype=np.int32)

    def foreign(self, u: np.ndarray, plan_idx: np.ndarray) -> np.ndarray:
        """A cell of a network in country ``PLANS[plan_idx]`` (for travellers abroad), chosen by uniform ``u``."""
        pick = (np.asarray(u) * FOREIGN_CELLS_PER_COUNTRY).astype(np.int32)
        return (self.foreign_start + np.asarray(plan_idx, dtype=np.int32) * FOREIGN_CELLS_PER_COUNTRY + pick).astype(
            np.int32
        )
