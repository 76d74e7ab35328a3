"""Cities with a grid of cells each (MCC-MNC-LAC-CI), an intercity corridor, and roaming cells abroad."""

from __future__ import annotations

import math
import random

HOME_PLMN = "262-03"

# name, area code (fixed lines), relative population, rural (bigger cells)
CITIES: tuple[tuple[str, str, float, bool], ...] = (
    ("Berlin", "30", 37.0, False), ("Hamburg", "40", 19.0, False), ("München", "89", 15.0, False),
    ("Köln", "221", 11.0, False), ("Frankfurt", "69", 7.7, False), ("Stuttgart", "711", 6.3, False),
    ("Düsseldorf", "211", 6.2, False), ("Leipzig", "341", 6.0, False), ("Dortmund", "231", 5.9, False),
    ("Essen", "201", 5.8, False), ("Bremen", "421", 5.7, False), ("Dresden", "351", 5.6, False),
    ("Hannover", "511", 5.4, False), ("Nürnberg", "911", 5.2, False), ("Duisburg", "203", 5.0, False),
    ("Bochum", "234", 3.6, False), ("Bonn", "228", 3.3, False), ("Münster", "251", 3.2, False),
    ("Augsburg", "821", 3.0, False), ("Kiel", "431", 2.5, False),
    ("Uckermark", "3984", 3.0, True), ("Emsland", "5931", 4.0, True), ("Allgäu", "8321", 4.0, True),
    ("Eifel", "6551", 3.0, True), ("Erzgebirge", "3733", 3.5, True), ("Altmark", "3931", 2.5, True),
    ("Schwarzwald", "7721", 4.0, True),
)
BIG_CITIES = (0, 1, 2, 3, 4, 5, 6)

ROAMING_PLMN = {
    "AT": "232-01", "CH": "228-01", "FR": "208-01", "IT": "222-10", "ES": "214-07", "NL": "204-08",
    "PL": "260-02", "TR": "286-02", "GB": "234-15", "US": "310-260", "AE": "424-02", "HR": "219-01",
}
TOTAL_CELLS = 3000


class Geo:
    """All cells of the home network as strings, with grid coordinates per city."""

    def __init__(self, rng: random.Random) -> None:
        self.cells: list[str] = []
        self.city_of: list[int] = []
        self.base: list[int] = []
        self.width: list[int] = []
        self.count: list[int] = []
        weights = [c[2] * (0.6 if c[3] else 1.0) for c in CITIES]
        total = sum(weights)
        lac = rng.randrange(1000, 3000)
        site = rng.randrange(1000, 5000)
        for ci, w in enumerate(weights):
            n = max(24, round(TOTAL_CELLS * w / total))
            width = max(4, math.ceil(math.sqrt(n)))
            n = width * math.ceil(n / width)
            lac_w = math.ceil(width / 6)
            self.base.append(len(self.cells))
            self.width.append(width)
            self.count.append(n)
            for k in range(n):
                x, y = k % width, k // width
                cell_lac = lac + (y // 6) * lac_w + x // 6
                ci_code = (site + k // 3) * 10 + k % 3 + 1
                self.cells.append(f"{HOME_PLMN}-{cell_lac}-{ci_code}")
                self.city_of.append(ci)
            lac += lac_w * (math.ceil(n / width) // 6 + 1) + rng.randrange(3, 40)
            site += n // 3 + rng.randrange(20, 400)
        lac += 50
        self.corridor = [f"{HOME_PLMN}-{lac + k // 12}-{(site + k) * 10 + 1}" for k in range(240)]
        self.roam: dict[str, list[str]] = {}
        for cc, plmn in ROAMING_PLMN.items():
            r_lac = rng.randrange(100, 60000)
            self.roam[cc] = [f"{plmn}-{r_lac + k // 10}-{rng.randrange(1000, 99999)}" for k in range(40)]

    def random_cell(self, rng: random.Random, city: int) -> int:
        return self.base[city] + rng.randrange(self.count[city])

    def near(self, rng: random.Random, cell: int, radius: int) -> int:
        """A cell within `radius` grid steps of `cell` in the same city."""
        city = self.city_of[cell]
        b, w, n = self.base[city], self.width[city], self.count[city]
        k = cell - b
        x = min(w - 1, max(0, k % w + rng.randint(-radius, radius)))
        y = min((n - 1) // w, max(0, k // w + rng.randint(-radius, radius)))
        return b + min(n - 1, y * w + x)

    def path(self, a: int, b: int) -> list[str]:
        """Cells passed on the way from a to b (grid line inside a city, corridor between cities)."""
        ca, cb = self.city_of[a], self.city_of[b]
        if ca != cb:
            start = (ca * 37 + cb * 11) % (len(self.corridor) - 30)
            hop = self.corridor[start:start + 8 + (ca + cb) % 20]
            return [self.cells[a]] + hop + [self.cells[b]]
        base, w = self.base[ca], self.width[ca]
        ax, ay = (a - base) % w, (a - base) // w
        bx, by = (b - base) % w, (b - base) // w
        steps = max(abs(bx - ax), abs(by - ay), 1)
        out: list[str] = []
        for s in range(steps + 1):
            x = ax + round((bx - ax) * s / steps)
            y = ay + round((by - ay) * s / steps)
            c = self.cells[min(base + self.count[ca] - 1, base + y * w + x)]
            if not out or out[-1] != c:
                out.append(c)
        return out

    def walk(self, rng: random.Random, start: int, steps: int) -> list[str]:
        """A delivery-style route: mostly neighbouring cells, sometimes a jump across town."""
        out = [self.cells[start]]
        cur = start
        for _ in range(max(0, steps - 1)):
            cur = self.near(rng, cur, 1) if rng.random() < 0.85 else self.near(rng, cur, 4)
            out.append(self.cells[cur])
        return out
