"""Ordinary subscribers: contact lists, daily rhythm, mobility, handsets.

Most of what an operator sees is people calling the few people they always
call. The model: every subscriber has a contact list (on-net subscribers,
off-net mobiles and landlines) ranked by a Zipf law, a personal activity level,
a profile (typical, WhatsApp-era light user, heavy talker, elderly, texter,
professional on the road, receive-mostly prepaid), a home cell and often a work
cell, and a handset. Off-net contacts call them back (those calls are the
records without cell or IMEI). Handset life is modelled too because detectors
lean on IMEIs: dual-SIM phones (two IMEIs, consecutive serials, or one IMEI for
both slots in cheap models), grey-market phones that all carry one cloned
IMEI, people buying a new phone, borrowing one, travelling to another city.

Emigrant families, border towns and immigrants calling home are the
"international_caller" hard negative and are built here too, since they are
ordinary people with one unusual habit.
"""

from __future__ import annotations

import bisect
import random

from .numbering import BORDER_DDDS, CLONED_IMEI_TAC, DDD_CHOICE, DDDS, imei
from .world import (ANSWERED, BUSY, DAY, FAILED, HOUR, HOURS, NO_ANSWER, SMS, VOICE, World,
                    is_weekend, lognorm_s, poisson)

# name: (share, voice_out, sms_out, voice_in_offnet, sms_in_offnet, p_answer, median_s, sigma,
#        n_onnet, n_offnet, roam, hours)
PROFILES = {
    "typical":        (0.46, 6.0, 0.7, 4.0, 0.5, 0.70, 55, 1.1, 9, 14, 0.15, "weekday"),
    "whatsapp_light": (0.23, 1.2, 0.2, 1.3, 0.2, 0.66, 35, 1.0, 5, 8, 0.12, "weekday"),
    "heavy_talker":   (0.07, 18.0, 1.2, 10.0, 0.6, 0.74, 90, 1.2, 14, 22, 0.2, "weekday"),
    "elderly":        (0.07, 3.0, 0.1, 3.5, 0.1, 0.72, 130, 1.0, 5, 8, 0.05, "shop"),
    "sms_texter":     (0.04, 2.5, 12.0, 2.0, 6.0, 0.68, 40, 1.0, 8, 12, 0.15, "weekday"),
    "professional":   (0.06, 15.0, 2.5, 8.0, 1.5, 0.66, 70, 1.0, 12, 45, 0.6, "business"),
    "prepaid_minimal": (0.07, 0.4, 0.1, 1.2, 0.2, 0.60, 40, 1.0, 3, 5, 0.08, "weekday"),
}
PROFILE_NAMES = list(PROFILES)

# International habits: (share of subscribers, countries, calls/day, incoming/day, median s, home DDDs or None)
INTL_VARIANTS = {
    "emigrant_family_portugal": (0.009, ["PT"], 1.0, 0.9, 600, None),
    "emigrant_family_usa": (0.008, ["US"], 1.1, 1.0, 520, ["31", "33", "27", "11", "61"]),
    "dekasegi_family_japan": (0.003, ["JP"], 0.8, 0.6, 700, ["11", "14", "43", "44", "18", "41"]),
    "emigrant_family_europe": (0.004, ["IT", "ES", "UK", "IE", "DE", "FR"], 0.9, 0.7, 540, None),
    "border_town": (0.006, ["PY", "BO", "AR", "UY"], 3.5, 2.5, 90, BORDER_DDDS),
    "immigrant_in_brazil": (0.006, ["HT", "VE", "AO", "BO", "PY", "CN"], 1.4, 0.8, 420, ["11", "41", "47", "48", "95", "92", "51"]),
}


class Zipf:
    """Rank choice with P(rank k) ~ 1/k^a, cached per list length."""

    _cache: dict[tuple[int, float], list[float]] = {}

    @classmethod
    def pick(cls, rng: random.Random, n: int, a: float = 1.1) -> int:
        cum = cls._cache.get((n, a))
        if cum is None:
            cum, acc = [], 0.0
            for k in range(n):
                acc += 1.0 / (k + 1) ** a
                cum.append(acc)
            cls._cache[(n, a)] = cum
        return bisect.bisect_right(cum, rng.random() * cum[-1])


class Subscriber:
    """One home SIM owned by an ordinary person (or an international caller)."""

    __slots__ = ("number", "ddd", "profile", "typology", "variant", "act", "home", "work", "errands",
                 "imei", "imei_changes", "contacts", "offnet", "intl", "intl_rate", "intl_in", "intl_median",
                 "trip")

    def __init__(self, number: str, ddd: str, profile: str):
        self.number = number
        self.ddd = ddd
        self.profile = profile
        self.typology = "ordinary"
        self.variant = profile
        self.act = 1.0
        self.home = self.work = ""
        self.errands: list[str] = []
        self.imei = ""
        self.imei_changes: list[tuple[int, int, str]] = []  # (from, until, imei) overrides
        self.contacts: list[str] = []
        self.offnet: list[str] = []
        self.intl: list[str] = []
        self.intl_rate = self.intl_in = 0.0
        self.intl_median = 300
        self.trip: tuple[int, int, list[str]] | None = None

    def imei_at(self, t: int) -> str:
        for a, b, i in self.imei_changes:
            if a <= t < b:
                return i
        return self.imei

    def cell_at(self, rng: random.Random, t: int, weekend: bool, roam: float) -> str:
        """Where the phone is: trip city, work in office hours, errands, else home."""
        if self.trip is not None and self.trip[0] <= t < self.trip[1]:
            return rng.choice(self.trip[2])
        h = (t % DAY) // HOUR
        r = rng.random()
        if 7 <= h < 22 and r < roam:
            return rng.choice(self.errands)
        if self.work and not weekend and 8 <= h < 18 and r < 0.9:
            return self.work
        return self.home


def tag(s: Subscriber, extra: str) -> None:
    s.variant = f"{s.variant}/{extra}" if "/" not in s.variant else s.variant + "+" + extra


def build(w: World) -> None:
    """Create the subscriber base, contact graph, handsets and habits."""
    rng = w.stream("people-build")
    nums, cells = w.numbers, w.cells
    profile_pick = [(PROFILES[p][0], p) for p in PROFILE_NAMES]
    cum, acc = [], 0.0
    for share, _ in profile_pick:
        acc += share
        cum.append(acc)

    by_ddd: dict[str, list[Subscriber]] = {d: [] for d in DDDS}
    for _ in range(w.n_subscribers):
        ddd = DDD_CHOICE.pick(rng)
        prof = PROFILE_NAMES[min(len(cum) - 1, bisect.bisect_right(cum, rng.random() * acc))]
        s = Subscriber(nums.mobile(ddd), ddd, prof)
        s.act = rng.gammavariate(2.0, 0.5)  # mean 1, long right tail
        s.home = cells.pick(rng, ddd)
        if rng.random() < 0.6 and prof not in ("elderly", "prepaid_minimal"):
            s.work = cells.pick(rng, ddd)
        n_err = 20 if prof == "professional" else rng.randint(2, 6)
        s.errands = [cells.near(rng, ddd, s.home, 30) for _ in range(n_err)]
        s.imei = nums.handset_imei()
        w.subs.append(s)
        by_ddd[ddd].append(s)
        w.subs_by_ddd.setdefault(ddd, []).append(s)
        w.by_number[s.number] = s

    # Off-net pools per area: shared acquaintances (other operators hold ~70% of lines).
    pools: dict[str, list[str]] = {}
    for d in DDDS:
        n = max(4, len(by_ddd[d]) * 3)
        pools[d] = [nums.mobile(d) if rng.random() < 0.85 else nums.fixed(d) for _ in range(n)]
    for lst in pools.values():
        for n in lst:
            w.label(n, "legit", "offnet", "fixed" if n[5] in "2345" else "mobile")

    subs = w.subs
    for s in subs:
        p = PROFILES[s.profile]
        local = by_ddd[s.ddd]
        onnet: list[str] = []
        for _ in range(max(1, int(p[8] * rng.uniform(0.5, 1.5)))):
            other = rng.choice(local) if (rng.random() < 0.8 and len(local) > 1) else rng.choice(subs)
            if other is not s and other.number not in onnet:
                onnet.append(other.number)
                if s.number not in other.contacts:
                    other.contacts.append(s.number)
        for n in onnet:
            if n not in s.contacts:
                s.contacts.append(n)
        for _ in range(max(1, int(p[9] * rng.uniform(0.5, 1.5)))):
            d = s.ddd if rng.random() < 0.85 else DDD_CHOICE.pick(rng)
            if rng.random() < 0.5:
                n = rng.choice(pools[d])
            else:
                n = nums.fixed(d) if (rng.random() < (0.35 if s.profile == "elderly" else 0.1)) else nums.mobile(d)
                w.label(n, "legit", "offnet", "fixed" if n[5] in "2345" else "mobile")
            s.offnet.append(n)
            s.contacts.append(n)
    for s in subs:
        rng.shuffle(s.contacts)  # rank (closeness) is independent of the network

    _international(w, rng, by_ddd)
    _handsets(w, rng, by_ddd)
    for s in subs:
        w.label(s.number, "legit", s.typology, s.variant)


def _international(w: World, rng: random.Random, by_ddd: dict[str, list[Subscriber]]) -> None:
    """Pick the subscribers with family or business abroad."""
    for variant, (share, countries, rate, rate_in, median, ddds) in INTL_VARIANTS.items():
        pool = [s for d in (ddds or DDDS) for s in by_ddd[d] if s.typology == "ordinary"]
        want = int(round(share * w.n_subscribers))
        if not pool:
            continue
        for _ in range(want):
            s = rng.choice(pool)
            if s.typology != "ordinary":
                continue
            s.typology, s.variant = "international_caller", variant
            s.intl = [w.numbers.foreign_mobile(rng.choice(countries)) for _ in range(rng.randint(1, 5))]
            s.intl_rate = rate * rng.uniform(0.4, 2.0)
            s.intl_in = rate_in * rng.uniform(0.4, 2.0)
            s.intl_median = median
            for n in s.intl:
                w.label(n, "legit", "offnet_foreign", variant)


def _handsets(w: World, rng: random.Random, by_ddd: dict[str, list[Subscriber]]) -> None:
    """Dual-SIM owners, cloned-IMEI phones, new phones, borrowed phones, trips."""
    nums, cells, subs = w.numbers, w.cells, w.subs
    n = len(subs)
    # Dual SIM: a person with two home lines in one phone; they live in the same places.
    for _ in range(int(n * 0.02)):
        a, b = rng.choice(subs), rng.choice(by_ddd[rng.choice(DDDS)] or subs)
        if a is b or "/" in a.variant or "/" in b.variant:
            continue
        b.ddd, b.home, b.work, b.errands = a.ddd, a.home, a.work, a.errands
        if rng.random() < 0.2:
            a.imei = b.imei = nums.handset_imei()  # cheap model, one IMEI for both slots
        else:
            a.imei, b.imei = nums.dual_sim_imeis()
        tag(a, "dual_sim")
        tag(b, "dual_sim")
    # Grey-market phones sold with one cloned IMEI: many unrelated SIMs, one IMEI.
    for c in range(max(1, int(n / 4000))):
        cloned = imei(CLONED_IMEI_TAC, 123456 + c * 1111)
        ddd = rng.choice(["11", "21", "71", "81", "85", "91", "92"])
        for s in rng.sample(by_ddd[ddd], min(len(by_ddd[ddd]), rng.randint(5, 25))):
            if "/" not in s.variant:
                s.imei = cloned
                tag(s, "cloned_imei")
    # New phones, borrowed phones and trips, at random times over the whole span.
    for s in subs:
        r = rng.random()
        if r < 0.004 * w.days and "/" not in s.variant:
            t = rng.randrange(w.span)
            s.imei_changes.append((t, w.span + DAY, nums.handset_imei()))
            tag(s, "new_phone")
        elif r < 0.006 * w.days and "/" not in s.variant:
            t = rng.randrange(w.span)
            s.imei_changes.append((t, t + rng.randrange(2 * HOUR, 30 * HOUR), nums.handset_imei()))
            tag(s, "borrowed_phone")
        elif r < 0.016 * w.days:
            t = rng.randrange(w.span)
            d = DDD_CHOICE.pick(rng)
            if d != s.ddd:
                s.trip = (t, t + rng.randrange(6 * HOUR, 4 * DAY), [cells.pick(rng, d) for _ in range(rng.randint(2, 8))])
                tag(s, "traveller")


def _outcome(rng: random.Random, p_answer: float, median: float, sigma: float, cap: int = 7200) -> tuple[int, str]:
    """Duration and disposition of an ordinary call attempt (ring time when unanswered)."""
    r = rng.random()
    if r < p_answer:
        return lognorm_s(rng, median, sigma, cap), ANSWERED
    if r < p_answer + (1 - p_answer) * 0.7:
        return rng.randint(4, 40), NO_ANSWER
    if r < p_answer + (1 - p_answer) * 0.9:
        return 0, BUSY
    return 0, FAILED


NEVER = (-1, -1)


def day(w: World, d: int, out: list) -> None:
    """All ordinary traffic for one day: outgoing calls/SMS, and incoming from off-net contacts."""
    rng = w.stream("people", d)
    weekend = is_weekend(d)
    wk = 0.75 if weekend else 1.0
    services = w.services
    takeover = w.takeover_at
    append = out.append
    zpick = Zipf.pick
    for s in w.subs:
        p = PROFILES[s.profile]
        hrs = HOURS["weekend" if weekend else p[11]]
        act = s.act * rng.uniform(0.6, 1.4) * wk
        lost_from, lost_until = takeover.get(s.number, NEVER)
        num, roam, contacts = s.number, p[10], s.contacts
        nc = len(contacts)
        for _ in range(poisson(rng, p[1] * act)):
            t = hrs.sample(rng, d)
            if lost_from <= t < lost_until:
                continue
            if rng.random() < 0.08:
                callee = services.pick(rng)
            else:
                callee = contacts[zpick(rng, nc)]
            dur, disp = _outcome(rng, p[5], p[6], p[7])
            append((t, VOICE, num, callee, dur, disp, s.cell_at(rng, t, weekend, roam), s.imei_at(t)))
        for _ in range(poisson(rng, p[2] * act)):
            t = hrs.sample(rng, d)
            if lost_from <= t < lost_until:
                continue
            callee = contacts[zpick(rng, nc)]
            append((t, SMS, num, callee, 0, ANSWERED if rng.random() < 0.97 else FAILED,
                    s.cell_at(rng, t, weekend, roam), s.imei_at(t)))
        offnet = s.offnet
        no = len(offnet)
        for _ in range(poisson(rng, p[3] * act)):
            t = hrs.sample(rng, d)
            dur, disp = _outcome(rng, p[5], p[6], p[7])
            append((t, VOICE, offnet[zpick(rng, no)], num, dur, disp, None, None))
        for _ in range(poisson(rng, p[4] * act)):
            t = hrs.sample(rng, d)
            append((t, SMS, offnet[zpick(rng, no)], num, 0, ANSWERED, None, None))
        if s.intl:
            ev = HOURS["evening"]
            for _ in range(poisson(rng, s.intl_rate * (1.3 if weekend else 1.0))):
                t = ev.sample(rng, d)
                if lost_from <= t < lost_until:
                    continue
                dur, disp = _outcome(rng, 0.62, s.intl_median, 0.9, 10800)
                append((t, VOICE, num, rng.choice(s.intl), dur, disp, s.cell_at(rng, t, weekend, roam), s.imei_at(t)))
            for _ in range(poisson(rng, s.intl_in)):
                t = ev.sample(rng, d)
                dur, disp = _outcome(rng, 0.7, s.intl_median, 0.9, 10800)
                append((t, VOICE, rng.choice(s.intl), num, dur, disp, None, None))
