"""Honest traffic of the population, one event-time chunk at a time.

Four flows per subscriber, each a Poisson process whose rate follows the subscriber's own diurnal curve,
weekday/weekend factor and a per-day mood factor: outbound (to contacts, customers or services), inbound
from outside contacts, inbound from customers (businesses), inbound from services (notifications, OTPs).
Calls between two home subscribers exist once, generated from the caller's side.
"""

from __future__ import annotations

import numpy as np

from .events import KIND_SMS, KIND_VOICE, NO_CELL, NO_IMEI, EventBatch, mixed_outcomes
from .numbering import PLAN_OFFSETS, CountryPlan, HomeNumbering
from .population import Population
from .timing import DAY, HOUR, Rng, diurnal_weight, local_hour, local_weekday, poisson_times


class ServiceDirectory:
    """Domestic service numbers (shops, doctors, utilities, banks) with skewed popularity.

    The first ``n_banks`` entries are banks: honest subscribers get OTP-like SMS from them too, which is
    what makes a takeover's burst of bank messages hard rather than trivial to spot.
    """

    def __init__(self, rng: Rng, plan: CountryPlan, numbering: HomeNumbering, subscribers: int) -> None:
        size = max(150, subscribers // 60)
        self.numbers = numbering.random_other_domestic(rng, size, fixed_share=0.8)
        self.n_banks = int(rng.integers(8, 20))
        weight = (np.arange(size) + 1.0) ** -rng.uniform(0.8, 1.2)
        weight[: self.n_banks] *= 3.0
        self._cum = np.cumsum(weight / weight.sum())

    def pick(self, rng: Rng, n: int) -> np.ndarray:
        pos = np.minimum(np.searchsorted(self._cum, rng.random(n)), len(self.numbers) - 1)
        return self.numbers[pos]

    def banks(self) -> np.ndarray:
        return self.numbers[: self.n_banks]


class DomesticPool:
    """Random domestic numbers as customers or strangers: ours with the market share, else other networks."""

    def __init__(self, pop: Population, numbering: HomeNumbering, market_share: float) -> None:
        self.pop = pop
        self.numbering = numbering
        self.market_share = market_share

    def draw(self, rng: Rng, n: int, share: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(numbers, population row or -1) of ``n`` random domestic parties; ``share`` of them ours."""
        ours = rng.random(n) < (self.market_share if share is None else share)
        idx = np.full(n, -1, dtype=np.int64)
        idx[ours] = rng.choice(self.pop.home_idx, int(ours.sum()))
        numbers = self.numbering.random_other_domestic(rng, n, fixed_share=0.2)
        numbers[ours] = self.pop.number[idx[ours]]
        return numbers, idx


class LegitTraffic:
    """Generates the honest CDRs of one chunk for the whole population."""

    def __init__(
        self, pop: Population, services: ServiceDirectory, domestic: DomesticPool, seed: int, start: int
    ) -> None:
        self.pop = pop
        self.services = services
        self.domestic = domestic
        self.seed = seed
        self.start = start
        self._day: tuple[int, np.ndarray] | None = None
        rate = pop.voice_rate + pop.sms_rate
        self.sms_share = np.where(rate > 0, pop.sms_rate / np.maximum(rate, 1e-9), 0.0)

    def _day_factor(self, t: int) -> np.ndarray:
        """Per-subscriber activity of the day (mean 1): some days people just call more."""
        day = (t - self.start) // DAY
        if self._day is None or self._day[0] != day:
            rng = np.random.default_rng([self.seed, 2, int(day) + 1_000])
            sigma = self.pop.day_sigma.astype(np.float64)
            self._day = (day, rng.lognormal(-(sigma**2) / 2, sigma))
        return self._day[1]

    def _rate_scale(self, t0: int, t1: int) -> np.ndarray:
        """Per-subscriber multiplier of daily rates into per-second rates for this chunk."""
        pop = self.pop
        mid = (t0 + t1) // 2
        every = np.arange(pop.n)
        off = pop.offset_at(every, mid)
        weight = diurnal_weight(pop.shape, pop.shift_h, pop.flat_mix, local_hour(mid, off))
        weight *= np.where(local_weekday(mid, off) >= 5, pop.weekend, 1.0)
        return weight * self._day_factor(mid) * pop.available(every, mid) / DAY

    def events(self, rng: Rng, t0: int, t1: int) -> EventBatch:
        pop = self.pop
        scale = self._rate_scale(t0, t1)
        return EventBatch.concat(
            [
                self._outbound(rng, (pop.voice_rate + pop.sms_rate) * scale, t0, t1),
                self._inbound_contacts(
                    rng, (pop.voice_rate + pop.sms_rate) * pop.ext_share * pop.recip * scale, t0, t1
                ),
                self._inbound_strangers(rng, pop.customer_in * scale, t0, t1, sms_share=0.08, services=False),
                self._inbound_strangers(rng, pop.service_in * scale, t0, t1, sms_share=0.75, services=True),
            ]
        )

    def _outbound(self, rng: Rng, rate: np.ndarray, t0: int, t1: int) -> EventBatch:
        pop = self.pop
        idx, t = poisson_times(rng, rate, t0, t1)
        keep = pop.available(idx, t)
        idx, t = idx[keep], t[keep]
        n = len(idx)
        is_sms = rng.random(n) < self.sms_share[idx]
        u = rng.random(n)
        customer = u < pop.p_customer[idx]
        service = ~customer & (u < pop.p_customer[idx] + pop.p_service[idx])
        callee = np.zeros(n, dtype=np.int64)
        foreign = np.zeros(n, dtype=bool)
        pos = pop.contacts.sample(rng, idx)
        contact = ~customer & ~service & (pos >= 0)
        callee[contact] = pop.contacts.columns["number"][pos[contact]]
        foreign[contact] = pop.contacts.columns["plan"][pos[contact]] >= 0
        callee[service] = self.services.pick(rng, int(service.sum()))
        stranger = ~contact & ~service
        callee[stranger], _ = self.domestic.draw(rng, int(stranger.sum()))
        own = callee == pop.number[idx]
        callee[own], _ = self.domestic.draw(rng, int(own.sum()))
        talk_mu = pop.talk_mu[idx] + np.log(pop.intl_mult[idx]) * foreign + 0.7 * service
        p_answer = pop.p_answer[idx] * np.where(stranger, 0.85, 1.0)
        disp, dur = mixed_outcomes(
            rng, is_sms, p_answer=p_answer, talk_mu=talk_mu, talk_sigma=pop.talk_sigma[idx], p_busy=pop.p_busy[idx]
        )
        cell, imei, off = pop.caller_attrs(rng, idx, t)
        return EventBatch.build(
            t=t,
            caller=pop.number[idx],
            callee=callee,
            kind=np.where(is_sms, KIND_SMS, KIND_VOICE),
            disp=disp,
            dur=dur,
            cell=cell,
            imei=imei,
            off=off,
        )

    def _inbound_contacts(self, rng: Rng, rate: np.ndarray, t0: int, t1: int) -> EventBatch:
        """Outside contacts (other networks, abroad) calling our subscribers; no cell or IMEI of theirs."""
        pop = self.pop
        idx, t = poisson_times(rng, rate, t0, t1)
        pos = pop.ext_contacts.sample(rng, idx)
        keep = pos >= 0
        idx, t, pos = idx[keep], t[keep], pos[keep]
        plan = pop.ext_contacts.columns["plan"][pos]
        off = np.where(plan >= 0, PLAN_OFFSETS[np.maximum(plan, 0)], pop.home_offset_min)
        is_sms = rng.random(len(idx)) < self.sms_share[idx]
        talk_mu = pop.talk_mu[idx] + np.log(pop.intl_mult[idx]) * (plan >= 0)
        disp, dur = mixed_outcomes(
            rng, is_sms, p_answer=pop.p_answer[idx], talk_mu=talk_mu, talk_sigma=pop.talk_sigma[idx]
        )
        return EventBatch.build(
            t=t,
            caller=pop.ext_contacts.columns["number"][pos],
            callee=pop.number[idx],
            kind=np.where(is_sms, KIND_SMS, KIND_VOICE),
            disp=disp,
            dur=dur,
            cell=NO_CELL,
            imei=NO_IMEI,
            off=off,
        )

    def _inbound_strangers(
        self, rng: Rng, rate: np.ndarray, t0: int, t1: int, *, sms_share: float, services: bool
    ) -> EventBatch:
        """Customers (some of them our own subscribers) or service numbers contacting our subscribers."""
        pop = self.pop
        idx, t = poisson_times(rng, rate, t0, t1)
        n = len(idx)
        if services:
            caller, caller_idx = self.services.pick(rng, n), np.full(n, -1)
        else:
            caller, caller_idx = self.domestic.draw(rng, n)
        ours = caller_idx >= 0
        keep = ~ours.copy()
        keep[ours] = pop.available(caller_idx[ours], t[ours]) & (caller_idx[ours] != idx[ours])
        idx, t, caller, caller_idx, ours = idx[keep], t[keep], caller[keep], caller_idx[keep], ours[keep]
        n = len(idx)
        cell = np.full(n, NO_CELL, dtype=np.int32)
        imei = np.full(n, NO_IMEI, dtype=np.int64)
        off = np.full(n, pop.home_offset_min, dtype=np.int16)
        cell[ours], imei[ours], off[ours] = pop.caller_attrs(rng, caller_idx[ours], t[ours])
        is_sms = rng.random(n) < sms_share
        talk_mu = pop.talk_mu[idx] - (0.5 if services else 0.0)
        disp, dur = mixed_outcomes(
            rng, is_sms, p_answer=pop.p_answer[idx], talk_mu=talk_mu, talk_sigma=pop.talk_sigma[idx]
        )
        return EventBatch.build(
            t=t,
            caller=caller,
            callee=pop.number[idx],
            kind=np.where(is_sms, KIND_SMS, KIND_VOICE),
            disp=disp,
            dur=dur,
            cell=cell,
            imei=imei,
            off=off,
        )

    def expected_count(self, t0: int, t1: int) -> float:
        """Expected honest CDRs in [t0, t1), hour by hour (used to size a world for a target CDR count)."""
        pop = self.pop
        per_day = (pop.voice_rate + pop.sms_rate) * (1 + pop.ext_share * pop.recip) + pop.customer_in + pop.service_in
        total = 0.0
        for a in range(t0, t1, HOUR):
            b = min(a + HOUR, t1)
            total += float(np.sum(per_day * self._rate_scale(a, b))) * (b - a)
        return total
