"""Who lives in the synthetic world: honest subscriber profiles, their parameters, contacts, phones, places.

Every subscriber gets its own parameters drawn from wide, overlapping per-profile ranges (rates, clocks,
answer rates, call lengths, contact-list size and skew), so profiles differ in distribution, never by a
single clean threshold.  Hard negatives (couriers, call centres, taxi dispatch, diaspora callers, small
businesses, night-shift workers, inbound roamers) are ordinary rows of the same tables.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .geography import CellPlan
from .numbering import (
    COMMON_DESTINATIONS,
    DIASPORA_DESTINATIONS,
    PLAN_OFFSETS,
    CountryPlan,
    HomeNumbering,
    TacPool,
    imeis_from_serials,
    make_imeis,
    numbers_in_countries,
    plan_indices,
)
from .timing import DAY, HOUR, SHAPE_ID, Rng, local_hour, local_weekday, log_uniform

Range = tuple[float, float]


@dataclass(frozen=True, slots=True, kw_only=True)
class ProfileSpec:
    """Ranges from which each subscriber of a profile draws its own parameters (rates are per day)."""

    name: str
    share: Range  # fraction of subscribers; "ordinary" takes whatever is left
    shape: str  # diurnal shape (see timing.SHAPE_NAMES)
    shift_mean_h: float = 0.0
    shift_sd_h: float = 1.2
    flat_mix: Range = (0.03, 0.15)
    voice_per_day: Range
    sms_per_day: Range
    contacts: Range
    zipf: Range = (0.7, 1.5)
    p_ext: Range = (0.25, 0.6)  # contacts outside the home network ...
    p_foreign: Range = (0.0, 0.08)  # ... of which abroad
    foreign_boost: Range = (1.0, 1.0)  # weight multiplier of foreign contacts (diaspora)
    p_answer: Range = (0.62, 0.92)
    talk_median_s: Range = (35.0, 200.0)
    talk_sigma: Range = (0.8, 1.3)
    intl_talk_mult: Range = (1.2, 3.0)
    p_customer: Range = (0.0, 0.0)  # outbound share to random customers
    customer_in: Range = (0.0, 0.0)  # inbound calls per day from random customers
    service_in: Range = (0.05, 0.8)  # inbound per day from service numbers (notifications, OTPs)
    p_service: Range = (0.01, 0.05)  # outbound share to service numbers (shops, banks, doctors)
    weekend: Range = (0.8, 1.2)
    work_start_h: Range = (7.0, 10.0)
    work_len_h: Range = (7.0, 10.0)
    p_weekend_work: float = 0.1
    cell_stay: Range = (0.72, 0.93)
    mobile: bool = False
    day_sigma: Range = (0.2, 0.5)
    travel_per_day: float = 0.004
    handset_change_per_day: float = 0.002


PROFILES: tuple[ProfileSpec, ...] = (
    ProfileSpec(
        name="ordinary",
        share=(0.0, 0.0),
        shape="personal",
        voice_per_day=(0.3, 9.0),
        sms_per_day=(0.2, 12.0),
        contacts=(5, 80),
    ),
    ProfileSpec(
        name="night_shift",
        share=(0.02, 0.05),
        shape="personal",
        shift_mean_h=10.0,
        shift_sd_h=1.5,
        voice_per_day=(0.5, 7.0),
        sms_per_day=(0.3, 8.0),
        contacts=(5, 60),
        work_start_h=(19.0, 23.0),
        work_len_h=(7.0, 10.0),
        p_weekend_work=0.3,
    ),
    ProfileSpec(
        name="small_business",
        share=(0.02, 0.04),
        shape="business",
        shift_sd_h=0.8,
        flat_mix=(0.05, 0.2),
        voice_per_day=(6.0, 40.0),
        sms_per_day=(1.0, 12.0),
        contacts=(25, 150),
        zipf=(0.4, 1.0),
        p_ext=(0.4, 0.7),
        p_foreign=(0.0, 0.1),
        p_answer=(0.6, 0.85),
        talk_median_s=(40.0, 240.0),
        p_customer=(0.15, 0.45),
        customer_in=(3.0, 25.0),
        weekend=(0.15, 0.7),
        p_weekend_work=0.4,
    ),
    ProfileSpec(
        name="courier",
        share=(0.004, 0.01),
        shape="extended",
        shift_sd_h=0.7,
        voice_per_day=(30.0, 150.0),
        sms_per_day=(20.0, 200.0),
        contacts=(5, 30),
        p_answer=(0.5, 0.8),
        talk_median_s=(15.0, 70.0),
        talk_sigma=(0.6, 1.0),
        p_customer=(0.85, 0.97),
        customer_in=(8.0, 45.0),
        weekend=(0.2, 1.0),
        p_weekend_work=0.5,
        work_start_h=(6.5, 9.0),
        work_len_h=(8.0, 11.0),
        mobile=True,
        travel_per_day=0.001,
    ),
    ProfileSpec(
        name="call_centre",
        share=(0.004, 0.01),
        shape="business",
        shift_sd_h=0.5,
        flat_mix=(0.005, 0.03),
        voice_per_day=(60.0, 300.0),
        sms_per_day=(0.05, 5.0),
        contacts=(3, 15),
        p_answer=(0.3, 0.65),
        talk_median_s=(80.0, 320.0),
        talk_sigma=(0.6, 1.1),
        p_customer=(0.9, 0.99),
        customer_in=(10.0, 90.0),
        p_service=(0.0, 0.01),
        weekend=(0.0, 0.5),
        work_start_h=(8.0, 10.0),
        work_len_h=(8.0, 10.0),
        p_weekend_work=0.3,
        cell_stay=(0.97, 0.995),
        travel_per_day=0.0,
        handset_change_per_day=0.0005,
    ),
    ProfileSpec(
        name="taxi_dispatch",
        share=(0.0005, 0.0015),
        shape="extended",
        flat_mix=(0.1, 0.4),
        voice_per_day=(60.0, 250.0),
        sms_per_day=(1.0, 30.0),
        contacts=(2, 6),
        zipf=(0.2, 0.6),
        p_answer=(0.8, 0.95),
        talk_median_s=(10.0, 50.0),
        talk_sigma=(0.5, 0.9),
        p_customer=(0.05, 0.25),
        customer_in=(40.0, 200.0),
        weekend=(0.8, 1.3),
        p_weekend_work=1.0,
        work_start_h=(0.0, 0.0),
        work_len_h=(24.0, 24.0),
        cell_stay=(0.97, 0.995),
        travel_per_day=0.0,
    ),
    ProfileSpec(
        name="taxi_driver",
        share=(0.002, 0.006),
        shape="extended",
        voice_per_day=(4.0, 25.0),
        sms_per_day=(1.0, 10.0),
        contacts=(5, 40),
        p_customer=(0.15, 0.4),
        customer_in=(2.0, 12.0),
        weekend=(0.8, 1.3),
        p_weekend_work=0.7,
        work_start_h=(6.0, 16.0),
        work_len_h=(8.0, 12.0),
        mobile=True,
    ),
    ProfileSpec(
        name="international_caller",
        share=(0.02, 0.05),
        shape="evening",
        voice_per_day=(1.0, 8.0),
        sms_per_day=(0.5, 8.0),
        contacts=(5, 50),
        p_ext=(0.3, 0.7),
        p_foreign=(0.25, 0.7),
        foreign_boost=(3.0, 12.0),
        intl_talk_mult=(4.0, 15.0),
        p_answer=(0.7, 0.93),
        talk_median_s=(40.0, 180.0),
        travel_per_day=0.008,
    ),
    ProfileSpec(
        name="inbound_roamer",
        share=(0.003, 0.008),
        shape="personal",
        voice_per_day=(1.0, 8.0),
        sms_per_day=(1.0, 10.0),
        contacts=(5, 40),
        p_ext=(0.85, 0.98),
        p_foreign=(0.85, 0.98),
        intl_talk_mult=(1.0, 2.0),
        travel_per_day=0.0,
        handset_change_per_day=0.0,
    ),
)
PROFILE_NAMES: tuple[str, ...] = tuple(p.name for p in PROFILES)
PROFILE_ID: dict[str, int] = {name: i for i, name in enumerate(PROFILE_NAMES)}


class WeightedRows:
    """Per-row weighted choice lists (CSR layout), sampled for many rows at once.

    The trick: keys are ``row + cumulative share within row``, globally increasing, so one searchsorted
    finds a weighted pick for every requested row together.
    """

    def __init__(self, row: np.ndarray, weight: np.ndarray, n_rows: int, **columns: np.ndarray) -> None:
        order = np.argsort(row, kind="stable")
        row = row[order]
        weight = weight[order].astype(np.float64)
        counts = np.bincount(row, minlength=n_rows)
        self.off = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        cum = np.cumsum(weight)
        before = np.concatenate([[0.0], cum])[self.off[:-1]]
        self.total = np.bincount(row, weights=weight, minlength=n_rows)
        safe_total = np.where(self.total > 0, self.total, 1.0)
        self.key = row + (cum - before[row]) / safe_total[row]
        self.columns = {name: values[order] for name, values in columns.items()}

    def sample(self, rng: Rng, rows: np.ndarray) -> np.ndarray:
        """Position (into ``columns``) of one weighted pick per requested row; -1 where a row is empty."""
        rows = np.asarray(rows, dtype=np.int64)
        if len(rows) == 0:
            return np.empty(0, dtype=np.int64)
        pos = np.searchsorted(self.key, rows + rng.random(len(rows)), side="right")
        end = self.off[rows + 1]
        pos = np.minimum(pos, end - 1)
        return np.where(end > self.off[rows], pos, -1)


def hash_uniform(a: np.ndarray, b: np.ndarray, salt: int) -> np.ndarray:
    """Deterministic uniforms in [0, 1) from integer keys (splitmix64 finaliser), vectorised."""
    with np.errstate(over="ignore"):
        x = np.asarray(a, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
        x ^= np.asarray(b, dtype=np.uint64) + np.uint64(0x632BE59BD9B4E019 + salt)
        x ^= x >> np.uint64(30)
        x *= np.uint64(0xBF58476D1CE4E5B9)
        x ^= x >> np.uint64(27)
        x *= np.uint64(0x94D049BB133111EB)
        x ^= x >> np.uint64(31)
    return (x >> np.uint64(11)).astype(np.float64) / float(1 << 53)


def _draw(rng: Rng, bounds: Range, n: int, *, log: bool = False) -> np.ndarray:
    lo, hi = bounds
    if hi <= lo:
        return np.full(n, lo, dtype=np.float64)
    return log_uniform(rng, lo, hi, n) if log else rng.uniform(lo, hi, n)


class Population:
    """All honest subscribers (home SIMs and inbound roamers) as aligned parameter arrays.

    Fraud entities that are not compromised honest subscribers live in their schemes instead; compromised
    ones (takeover, IRSF) are rows here whose behaviour a scheme changes after ``fraud_start``.
    """

    def __init__(
        self,
        rng: Rng,
        *,
        n: int,
        home: CountryPlan,
        home_offset_min: int,
        numbering: HomeNumbering,
        cells: CellPlan,
        tacs: TacPool,
        start: int,
        end: int,
        mix_rng: Rng,
    ) -> None:
        """``mix_rng`` draws only the profile shares, so a world's mix does not depend on its size."""
        self.n = n
        self.home_offset_min = home_offset_min
        self.cells = cells
        self.start, self.end = start, end
        self.profile = self._assign_profiles(rng, mix_rng, n)
        self.salt = int(rng.integers(0, 2**31))  # keys the where-am-I hash to this world
        self._draw_parameters(rng)
        self.is_roamer = self.profile == PROFILE_ID["inbound_roamer"]
        self.home_idx = np.flatnonzero(~self.is_roamer)
        self._allocate_numbers(rng, home, numbering)
        self._place(rng, cells)
        self._equip(rng, tacs)
        self._travel(rng, home)
        self.active_end = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)  # takeover cuts the owner off
        self._build_contacts(rng, home, numbering)

    # ------------------------------------------------------------------ construction steps

    def _assign_profiles(self, rng: Rng, mix_rng: Rng, n: int) -> np.ndarray:
        # small worlds still get every hard-negative profile (a site needs a few agents, a fleet a few drivers)
        floor = {"call_centre": 5, "taxi_driver": 6} if n >= 300 else {}
        counts = [
            max(floor.get(spec.name, 1 if n >= 300 else 0), round(mix_rng.uniform(*spec.share) * n))
            for spec in PROFILES[1:]
        ]
        others = sum(counts)
        if others >= n:
            raise ValueError(f"too few subscribers ({n}) for the profile mix")
        profile = np.repeat(np.arange(len(PROFILES), dtype=np.int8), [n - others, *counts])
        return rng.permutation(profile)

    def _draw_parameters(self, rng: Rng) -> None:
        n = self.n
        f32 = np.float32
        self.voice_rate = np.zeros(n, f32)
        self.sms_rate = np.zeros(n, f32)
        self.shape = np.zeros(n, np.int8)
        self.shift_h = np.zeros(n, f32)
        self.flat_mix = np.zeros(n, f32)
        self.p_answer = np.zeros(n, f32)
        self.talk_mu = np.zeros(n, f32)
        self.talk_sigma = np.zeros(n, f32)
        self.intl_mult = np.zeros(n, f32)
        self.p_customer = np.zeros(n, f32)
        self.customer_in = np.zeros(n, f32)
        self.service_in = np.zeros(n, f32)
        self.p_service = np.zeros(n, f32)
        self.weekend = np.zeros(n, f32)
        self.work_start = np.zeros(n, f32)
        self.work_len = np.zeros(n, f32)
        self.works_weekend = np.zeros(n, bool)
        self.cell_stay = np.zeros(n, f32)
        self.mobile = np.zeros(n, bool)
        self.day_sigma = np.zeros(n, f32)
        self.n_contacts = np.zeros(n, np.int64)
        self.zipf = np.zeros(n, f32)
        self.p_ext = np.zeros(n, f32)
        self.p_foreign = np.zeros(n, f32)
        self.foreign_boost = np.zeros(n, f32)
        self.p_busy = rng.uniform(0.15, 0.45, n).astype(f32)
        self.recip = rng.uniform(0.4, 1.2, n).astype(f32)  # how much outside contacts call back
        for pid, spec in enumerate(PROFILES):
            idx = np.flatnonzero(self.profile == pid)
            k = len(idx)
            if k == 0:
                continue
            self.voice_rate[idx] = _draw(rng, spec.voice_per_day, k, log=True)
            self.sms_rate[idx] = _draw(rng, spec.sms_per_day, k, log=True)
            self.shape[idx] = SHAPE_ID[spec.shape]
            self.shift_h[idx] = spec.shift_mean_h + spec.shift_sd_h * rng.standard_normal(k)
            self.flat_mix[idx] = _draw(rng, spec.flat_mix, k)
            self.p_answer[idx] = _draw(rng, spec.p_answer, k)
            self.talk_mu[idx] = np.log(_draw(rng, spec.talk_median_s, k, log=True))
            self.talk_sigma[idx] = _draw(rng, spec.talk_sigma, k)
            self.intl_mult[idx] = _draw(rng, spec.intl_talk_mult, k, log=True)
            self.p_customer[idx] = _draw(rng, spec.p_customer, k)
            self.customer_in[idx] = _draw(rng, spec.customer_in, k, log=spec.customer_in[0] > 0)
            self.service_in[idx] = _draw(rng, spec.service_in, k, log=True)
            self.p_service[idx] = _draw(rng, spec.p_service, k)
            self.weekend[idx] = _draw(rng, spec.weekend, k)
            self.work_start[idx] = _draw(rng, spec.work_start_h, k)
            self.work_len[idx] = _draw(rng, spec.work_len_h, k)
            self.works_weekend[idx] = rng.random(k) < spec.p_weekend_work
            self.cell_stay[idx] = _draw(rng, spec.cell_stay, k)
            self.mobile[idx] = spec.mobile
            self.day_sigma[idx] = _draw(rng, spec.day_sigma, k)
            self.n_contacts[idx] = np.round(_draw(rng, spec.contacts, k, log=True)).astype(np.int64)
            self.zipf[idx] = _draw(rng, spec.zipf, k)
            self.p_ext[idx] = _draw(rng, spec.p_ext, k)
            self.p_foreign[idx] = _draw(rng, spec.p_foreign, k)
            self.foreign_boost[idx] = _draw(rng, spec.foreign_boost, k, log=True)

    def _allocate_numbers(self, rng: Rng, home: CountryPlan, numbering: HomeNumbering) -> None:
        self.number = np.zeros(self.n, dtype=np.int64)
        homes = self.home_idx
        fresh = rng.random(len(homes)) < rng.uniform(0.03, 0.08)  # recent honest activations
        self.number[homes[~fresh]] = numbering.allocate(rng, int((~fresh).sum()))
        self.number[homes[fresh]] = numbering.allocate(rng, int(fresh.sum()), fresh=True)
        roamers = np.flatnonzero(self.is_roamer)
        countries = plan_indices(tuple(c for c in COMMON_DESTINATIONS + DIASPORA_DESTINATIONS if c != home.cc))
        self.anchor = np.full(self.n, -1, dtype=np.int16)  # country an entity is tied to abroad
        self.anchor[roamers] = rng.choice(countries, len(roamers))
        self.number[roamers] = numbers_in_countries(rng, self.anchor[roamers])
        diaspora = np.flatnonzero(self.profile == PROFILE_ID["international_caller"])
        diaspora_plans = plan_indices(tuple(c for c in DIASPORA_DESTINATIONS if c != home.cc))
        self.anchor[diaspora] = rng.choice(diaspora_plans, len(diaspora))
        self._sorted_numbers = np.argsort(self.number)
        # present window: roamers are here for days, everyone else always
        self.present_start = np.full(self.n, np.iinfo(np.int64).min // 2, dtype=np.int64)
        self.present_end = np.full(self.n, np.iinfo(np.int64).max // 2, dtype=np.int64)
        arrive = rng.uniform(self.start - 5 * DAY, self.end - 2 * HOUR, len(roamers)).astype(np.int64)
        self.present_start[roamers] = arrive
        self.present_end[roamers] = arrive + log_uniform(rng, DAY, 14 * DAY, len(roamers)).astype(np.int64)
        # honest SIMs activated during the window (no history, like fraud SIMs) and a little churn
        new = homes[fresh][rng.random(int(fresh.sum())) < 0.4]
        self.present_start[new] = rng.uniform(self.start, self.end, len(new)).astype(np.int64)
        gone = homes[rng.random(len(homes)) < 0.003]
        self.present_end[gone] = rng.uniform(self.start, self.end, len(gone)).astype(np.int64)

    def _place(self, rng: Rng, cells: CellPlan) -> None:
        n = self.n
        self.home_cell = cells.random_home(rng, n)
        commute = rng.random(n) < 0.7
        self.work_cell = np.where(
            commute, cells.in_other_lac(rng, self.home_cell), cells.neighbour(rng.random(n), self.home_cell)
        )
        # call centres: agents of one site share the site's cell (or its 2-3 sectors)
        self.site = np.full(n, -1, dtype=np.int32)
        agents = rng.permutation(np.flatnonzero(self.profile == PROFILE_ID["call_centre"]))
        self.sites: list[np.ndarray] = []
        pos = 0
        while pos < len(agents):
            size = int(rng.integers(5, 41))
            members = agents[pos : pos + size]
            pos += size
            site_cell = cells.random_home(rng, 1)[0]
            sectors = site_cell + np.arange(int(rng.integers(1, 4)))
            sectors = np.minimum(sectors, cells.lac_start[cells.lac_of[site_cell] + 1] - 1)
            self.home_cell[members] = site_cell
            self.work_cell[members] = rng.choice(sectors, len(members))
            self.site[members] = len(self.sites)
            self.sites.append(members)
        dispatch = np.flatnonzero(self.profile == PROFILE_ID["taxi_dispatch"])
        self.work_cell[dispatch] = self.home_cell[dispatch]
        # mobile workers: a round of cells over 1-4 location areas, one cell every few minutes
        mobile = np.flatnonzero(self.mobile)
        lengths = rng.integers(12, 50, len(mobile))
        self.route_off = np.zeros(n + 1, dtype=np.int64)
        self.route_len = np.zeros(n, dtype=np.int64)
        self.route_len[mobile] = lengths
        self.route_off[1:] = np.cumsum(self.route_len)
        anchor = np.repeat(self.work_cell[mobile], lengths)
        hop = rng.random(len(anchor)) < 0.3
        route = cells.neighbour(rng.random(len(anchor)), anchor)
        route[hop] = cells.in_other_lac(rng, anchor[hop])
        self.route_cells = route
        self.dwell_s = rng.integers(3 * 60, 25 * 60, n)
        self.route_phase = rng.integers(0, 1_000, n)

    def _equip(self, rng: Rng, tacs: TacPool) -> None:
        n = self.n
        self.imei = make_imeis(rng, tacs.consumer(rng, n))
        # dual-SIM phones and family handsets: two subscribers, one IMEI (an honest shared IMEI)
        pairs = rng.choice(self.home_idx, size=2 * int(0.006 * len(self.home_idx)), replace=False).reshape(-1, 2)
        self.imei[pairs[:, 1]] = self.imei[pairs[:, 0]]
        # call-centre sites run on GSM gateways sometimes: a few IMEIs for all agents of the site
        for members in self.sites:
            if rng.random() < 0.2:
                modules = int(rng.integers(1, max(2, len(members) // 4) + 1))
                tac = tacs.modem(rng)
                serial0 = int(rng.integers(0, 10**6 - modules))
                gateway = imeis_from_serials(np.full(modules, tac), serial0 + np.arange(modules))
                self.imei[members] = gateway[np.arange(len(members)) % modules]
        # honest handset changes during the window
        rate = np.array([p.handset_change_per_day for p in PROFILES])[self.profile]
        days = (self.end - self.start) / DAY
        change = rng.random(n) < 1 - np.exp(-rate * days)
        self.imei2 = make_imeis(rng, tacs.consumer(rng, n))
        self.imei2[pairs[:, 1]] = self.imei2[pairs[:, 0]]
        self.imei_change_t = np.where(
            change, rng.uniform(self.start, self.end, n).astype(np.int64), np.iinfo(np.int64).max
        ).astype(np.int64)
        self.imei_change_t[pairs[:, 1]] = self.imei_change_t[pairs[:, 0]]

    def _travel(self, rng: Rng, home: CountryPlan) -> None:
        n = self.n
        rate = np.array([p.travel_per_day for p in PROFILES])[self.profile]
        lead = 3 * DAY
        days = (self.end - self.start + lead) / DAY
        travels = rng.random(n) < 1 - np.exp(-rate * days)
        common = plan_indices(tuple(c for c in COMMON_DESTINATIONS if c != home.cc))
        dest = rng.choice(common, n).astype(np.int16)
        visit_family = (self.anchor >= 0) & (rng.random(n) < 0.6)
        dest[visit_family] = self.anchor[visit_family]
        begin = rng.uniform(self.start - lead, self.end, n).astype(np.int64)
        length = log_uniform(rng, 6 * HOUR, 10 * DAY, n).astype(np.int64)
        never = np.iinfo(np.int64).max
        self.travel_start = np.where(travels, begin, never).astype(np.int64)
        self.travel_end = np.where(travels, begin + length, never).astype(np.int64)
        self.travel_plan = dest

    def _build_contacts(self, rng: Rng, home: CountryPlan, numbering: HomeNumbering) -> None:
        """Contact lists: mostly home subscribers within a community, edges mostly reciprocated."""
        n = self.n
        homes = self.home_idx
        k = np.clip(self.n_contacts, 1, None)
        row = np.repeat(np.arange(n), k)
        is_ext = rng.random(len(row)) < self.p_ext[row]
        # home contacts: communities of 30-300 over a random order of home subscribers
        order = rng.permutation(homes)
        size = int(rng.integers(30, 300))
        rank_of = np.empty(n, dtype=np.int64)
        rank_of[order] = np.arange(len(order))
        rank_of[self.is_roamer] = rng.integers(0, len(order), int(self.is_roamer.sum()))
        hrow = row[~is_ext]
        base = (rank_of[hrow] // size) * size
        local = rng.random(len(hrow)) < 0.75
        pick = np.where(local, base + rng.integers(0, size, len(hrow)), rng.integers(0, len(order), len(hrow)))
        target = order[np.minimum(pick, len(order) - 1)]
        target = np.where(target == hrow, order[(pick + 1) % len(order)], target)
        # reciprocity: most friendships go both ways, which is how honest inbound traffic arises
        back = rng.random(len(hrow)) < 0.7
        src = np.concatenate([hrow, target[back]])
        dst = np.concatenate([target, hrow[back]])
        boost = np.ones(len(src))
        src, dst, boost = self._taxi_edges(rng, src, dst, boost)
        key, first = np.unique(src * n + dst, return_index=True)
        src, dst, boost = key // n, key % n, boost[first]
        # outside contacts: other domestic operators, or abroad (own country for roamers and diaspora)
        erow = row[is_ext]
        foreign = rng.random(len(erow)) < self.p_foreign[erow]
        ext_num = numbering.random_other_domestic(rng, len(erow), fixed_share=0.15)
        ext_plan = np.full(len(erow), -1, dtype=np.int16)
        common = plan_indices(tuple(c for c in COMMON_DESTINATIONS if c != home.cc))
        anchored = self.anchor[erow] >= 0
        fplan = np.where(anchored & (rng.random(len(erow)) < 0.9), self.anchor[erow], rng.choice(common, len(erow)))
        ext_plan[foreign] = fplan[foreign]
        ext_num[foreign] = numbers_in_countries(rng, ext_plan[foreign])
        # assemble: every contact row gets a Zipf weight by a random rank
        all_row = np.concatenate([src, erow])
        all_num = np.concatenate([self.number[dst], ext_num])
        all_home = np.concatenate([dst, np.full(len(erow), -1)]).astype(np.int64)
        all_plan = np.concatenate([np.full(len(src), -1, dtype=np.int16), ext_plan])
        all_boost = np.concatenate([boost, np.where(foreign, self.foreign_boost[erow], 1.0)])
        # a random rank per contact (ties allowed) gives Zipf-like weights without sorting millions of rows
        counts = np.bincount(all_row, minlength=n)
        rank = np.floor(rng.random(len(all_row)) * counts[all_row])
        weight = (rank + 1.0) ** -self.zipf[all_row].astype(np.float64) * all_boost
        self.contacts = WeightedRows(all_row, weight, n, number=all_num, home=all_home, plan=all_plan)
        ext = all_home < 0
        self.ext_contacts = WeightedRows(all_row[ext], weight[ext], n, number=all_num[ext], plan=all_plan[ext])
        self.ext_share = np.where(
            self.contacts.total > 0, self.ext_contacts.total / np.maximum(self.contacts.total, 1e-12), 0.0
        )

    def _taxi_edges(
        self, rng: Rng, src: np.ndarray, dst: np.ndarray, boost: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Dispatchers and their drivers call each other a lot: strong edges both ways."""
        dispatch = np.flatnonzero(self.profile == PROFILE_ID["taxi_dispatch"])
        drivers = rng.permutation(np.flatnonzero(self.profile == PROFILE_ID["taxi_driver"]))
        if len(dispatch) == 0 or len(drivers) == 0:
            return src, dst, boost
        fleet = rng.integers(0, len(dispatch), len(drivers))
        extra = rng.random(len(drivers)) < 0.15  # some drivers work for two companies
        pairs_d = np.concatenate([dispatch[fleet], dispatch[rng.integers(0, len(dispatch), int(extra.sum()))]])
        pairs_v = np.concatenate([drivers, drivers[extra]])
        strength = rng.uniform(5, 40, len(pairs_d))
        return (
            np.concatenate([src, pairs_d, pairs_v]),
            np.concatenate([dst, pairs_v, pairs_d]),
            np.concatenate([boost, strength, strength]),
        )

    # ------------------------------------------------------------------ queries used while streaming

    def index_of(self, numbers: np.ndarray) -> np.ndarray:
        """Population row of each number, -1 when the number is not one of ours."""
        numbers = np.asarray(numbers, dtype=np.int64)
        sorted_numbers = self.number[self._sorted_numbers]
        pos = np.clip(np.searchsorted(sorted_numbers, numbers), 0, self.n - 1)
        return np.where(sorted_numbers[pos] == numbers, self._sorted_numbers[pos], -1)

    def offset_at(self, idx: np.ndarray, t: np.ndarray | int) -> np.ndarray:
        """Local UTC offset (minutes) of subscribers at time t: home, or where they travel."""
        away = (t >= self.travel_start[idx]) & (t < self.travel_end[idx])
        return np.where(away, PLAN_OFFSETS[self.travel_plan[idx]], self.home_offset_min).astype(np.int16)

    def caller_attrs(self, rng: Rng, idx: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(cell, imei, offset) of home subscribers ``idx`` originating at times ``t``.

        Where someone is away from home/work is drawn per person and half hour (a hash, not ``rng``), so
        calls made close together come from the same place, as they do in life.
        """
        del rng  # positions are a function of (subscriber, time): repeatable across chunks and call sites
        off = self.offset_at(idx, t)
        hour = local_hour(t, off)
        weekday = local_weekday(t, off)
        at_work = (((hour - self.work_start[idx]) % 24.0) < self.work_len[idx]) & (
            (weekday < 5) | self.works_weekend[idx]
        )
        base = np.where(at_work, self.work_cell[idx], self.home_cell[idx])
        slot = t // 1_800
        u = hash_uniform(idx, slot, self.salt + 1)
        cell = base.copy()
        moved = u >= self.cell_stay[idx]
        cell[moved] = self.cells.neighbour(hash_uniform(idx[moved], slot[moved], self.salt + 2), base[moved])
        far = u >= 1.0 - (1.0 - self.cell_stay[idx]) * 0.15
        cell[far] = self.cells.home_at(hash_uniform(idx[far], slot[far], self.salt + 3))
        rounds = self.mobile[idx] & at_work
        if rounds.any():
            ri = idx[rounds]
            step = (t[rounds] // self.dwell_s[ri] + self.route_phase[ri]) % np.maximum(self.route_len[ri], 1)
            cell[rounds] = self.route_cells[self.route_off[ri] + step]
        away = (t >= self.travel_start[idx]) & (t < self.travel_end[idx])
        if away.any():
            cell[away] = self.cells.foreign(
                hash_uniform(idx[away], t[away] // 10_800, self.salt + 4), self.travel_plan[idx[away]]
            )
        imei = np.where(t >= self.imei_change_t[idx], self.imei2[idx], self.imei[idx])
        return cell.astype(np.int32), imei, off

    def available(self, idx: np.ndarray, t: np.ndarray | int) -> np.ndarray:
        """Whether subscribers can originate at ``t`` (present in the network, not cut off by a SIM swap)."""
        return (t >= self.present_start[idx]) & (t < self.present_end[idx]) & (t < self.active_end[idx])

    def profile_counts(self) -> dict[str, int]:
        counts = np.bincount(self.profile, minlength=len(PROFILES))
        return {name: int(c) for name, c in zip(PROFILE_NAMES, counts)}
