"""Assemble a synthetic world from a config: numbering, cells, population, services, fraud operations.

Each component draws from its own seeded stream, so e.g. adding a fraud operation does not reshuffle the
honest population.  :func:`resolve_config` turns ``target_cdrs`` into a subscriber count.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

from .config import GeneratorConfig
from .geography import CellPlan
from .numbering import CountryPlan, HomeNumbering, NumberRange, TacPool, home_plan, premium_ranges
from .population import PROFILE_ID, Population
from .timing import DAY, Rng, parse_start
from .traffic import DomesticPool, LegitTraffic, ServiceDirectory
from .typologies import Scheme, plan_schemes


def fraud_cdrs_per_number(days: float) -> float:
    """CDRs (incl. callbacks) per labeled fraud number over ``days``, measured over seeds; only for sizing.

    About 200 a day over the first two days; later days add less, as some operations end (bursts,
    takeovers) while others go on.
    """
    return 200.0 * min(days, 2.0) + 120.0 * max(days - 2.0, 0.0)


@dataclass
class World:
    """Everything the stream needs; built once, then only schemes' and the traffic's clocks move."""

    config: GeneratorConfig
    home: CountryPlan
    home_offset_min: int
    start: int
    end: int
    numbering: HomeNumbering
    cells: CellPlan
    tacs: TacPool
    pop: Population
    services: ServiceDirectory
    domestic: DomesticPool
    premium: list[NumberRange]
    legit: LegitTraffic
    schemes: list[Scheme] = field(default_factory=list)
    claimed: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))

    def claim(
        self, rng: Rng, profiles: tuple[str, ...], k: int, *, stay_home: bool = False, min_daily: float = 0.0
    ) -> np.ndarray:
        """Pick ``k`` honest subscribers of the given profiles to be compromised (each at most once).

        ``min_daily`` (outbound CDRs a day) keeps victims to people with a visible history to change from.
        """
        pop = self.pop
        ok = np.isin(pop.profile, [PROFILE_ID[p] for p in profiles]) & ~self.claimed & ~pop.is_roamer
        ok &= pop.voice_rate + pop.sms_rate >= min_daily
        ok &= (pop.present_start <= self.start) & (pop.present_end >= self.end)  # with history, still here
        if stay_home:
            ok &= (pop.travel_end < self.start) | (pop.travel_start > self.end)
        candidates = np.flatnonzero(ok)
        if len(candidates) < k:
            raise ValueError("not enough honest subscribers to compromise; raise --subscribers or lower the fraud rate")
        picked = rng.choice(candidates, size=k, replace=False)
        self.claimed[picked] = True
        return picked


def build_world(config: GeneratorConfig) -> World:
    """The world of ``config`` (``target_cdrs`` must already be resolved into ``subscribers``)."""
    seed = config.seed
    home = home_plan(config.country_code)
    offset = home.utc_offset_min if config.utc_offset_min is None else config.utc_offset_min
    start = parse_start(config.start, offset)
    end = start + round(config.days * DAY)
    rng = np.random.default_rng([seed, 0])
    numbering = HomeNumbering(rng, home, config.subscribers, reserve=2 * config.fraud_budget + 50)
    cells = CellPlan(rng, home, config.home_mnc, config.subscribers)
    tacs = TacPool(rng)
    pop = Population(
        rng,
        n=config.subscribers,
        home=home,
        home_offset_min=offset,
        numbering=numbering,
        cells=cells,
        tacs=tacs,
        start=start,
        end=end,
        mix_rng=np.random.default_rng([seed, 5]),
    )
    services = ServiceDirectory(rng, home, numbering, config.subscribers)
    domestic = DomesticPool(pop, numbering, market_share=float(rng.uniform(0.25, 0.45)))
    world = World(
        config=config,
        home=home,
        home_offset_min=offset,
        start=start,
        end=end,
        numbering=numbering,
        cells=cells,
        tacs=tacs,
        pop=pop,
        services=services,
        domestic=domestic,
        premium=premium_ranges(rng, int(rng.integers(6, 13))),
        legit=LegitTraffic(pop, services, domestic, seed, start),
        claimed=np.zeros(pop.n, dtype=bool),
    )
    world.schemes = plan_schemes(world, np.random.default_rng([seed, 1]), config.fraud_budget, config.typologies)
    return world


def resolve_config(config: GeneratorConfig) -> GeneratorConfig:
    """Replace ``subscribers`` by the count that gives about ``target_cdrs`` CDRs (no-op without a target).

    A probe world (honest only) gives expected honest CDRs per subscriber-day from its drawn rates; fraud
    adds a measured amount per labeled number.  The result is within a few percent of the target.
    """
    if config.target_cdrs is None:
        return config
    probe_config = dataclasses.replace(config, subscribers=20_000, target_cdrs=None, typologies=())
    probe = build_world(probe_config)
    per_sub = probe.legit.expected_count(probe.start, probe.end) / probe_config.subscribers
    fraud_per_sub = config.fraud_per_1000 / 1_000 * fraud_cdrs_per_number(config.days)
    fixed = 0.0
    if config.fraud_numbers is not None:
        fraud_per_sub, fixed = 0.0, config.fraud_numbers * fraud_cdrs_per_number(config.days)
    subscribers = max(300, round((config.target_cdrs - fixed) / (per_sub + fraud_per_sub)))
    return dataclasses.replace(config, subscribers=subscribers)
