"""Builds the home subscribers: homes, households, work places, contact lists, trips and handset changes."""

from __future__ import annotations

import random
from collections.abc import Callable

from .geo import CITIES
from .numbering import DIASPORA, NEIGHBOURS
from .people import PROFILES, Person, Prof
from .rand import cumulative, lognorm, pick, poisson, rng_for, zipf
from .world import World

H = 3600
VOICE_LEVEL = 1.3  # overall calling level (German mobile voice use, calls per subscriber per day)
BUSINESS_CC = ("GB", "US", "FR", "NL", "CH", "AT", "CN", "AE", "IT", "ES", "PL")
HOLIDAY_CC = ("ES", "IT", "AT", "CH", "FR", "TR", "HR", "GB", "US", "AE", "NL", "PL")
_DIASPORA_CUM = cumulative([w for _, w in DIASPORA])


def _variant(rng: random.Random, prof: Prof, p: Person) -> str:
    name = prof.name
    choices: dict[str, tuple[str, ...]] = {
        "elderly": ("landline_family", "alone", "care_home"),
        "business_traveller": ("domestic_trip", "abroad_trip", "no_trip"),
        "handset_change": ("upgrade", "loaner", "second_hand", "esim_transfer"),
        "night_shift": ("hospital", "logistics", "security"),
        "tradesman": ("plumber", "electrician", "roofer", "locksmith"),
        "new_line": ("new_contract", "port_in"),
        "low_user": ("prepaid", "second_sim"),
        "ordinary": ("adult",),
        "student": ("university",),
        "sales_rep": ("field_sales",),
        "taxi_driver": ("day_shift", "night_shift"),
    }
    if name in ("family_abroad", "holiday_abroad"):
        return p.cc
    if name == "courier":
        return ("parcel", "parcel", "parcel", "parcel", "express", "food_rider")[rng.randrange(6)]
    opts = choices.get(name, ("default",))
    return opts[rng.randrange(len(opts))]


def _work(w: World, rng: random.Random, p: Person) -> None:
    geo, prof, kind = w.geo, p.prof, p.prof.work
    if kind == "courier":
        depot = geo.random_cell(rng, p.city)
        p.depot = w.book.fixed(rng, w.area(p.city))
        w.label(p.depot, "business_line", "parcel_depot")
        if p.variant == "food_rider":
            p.leave, p.shift_len, p.workdays = 11 * H, 11 * H, 7
            p.r_work = lognorm(rng, 28, 0.3, 12, 60)
            p.route = geo.walk(rng, depot, rng.randint(25, 50))
        else:
            p.leave = int(rng.uniform(7.0, 8.3) * H)
            p.shift_len = int(rng.uniform(9.0, 10.5) * H)
            p.workdays = 6 if p.variant == "parcel" else 5
            p.r_work = lognorm(rng, 85 if p.variant == "parcel" else 45, 0.35, 35, 150)
            p.route = geo.walk(rng, depot, rng.randint(40, 90))
    elif kind == "tradesman":
        p.leave, p.shift_len = int(rng.uniform(6.8, 7.8) * H), int(rng.uniform(8.5, 10) * H)
        p.r_work = lognorm(rng, 14, 0.4, 5, 35)
        p.route = [geo.cells[geo.near(rng, p.home_idx, 6)] for _ in range(rng.randint(4, 9))]
    elif kind == "taxi":
        day = p.variant == "day_shift"
        p.leave = int(rng.uniform(6, 9) * H) if day else int(rng.uniform(17, 20) * H)
        p.shift_len, p.workdays = int(rng.uniform(9, 11) * H), 6
        p.r_work = lognorm(rng, 15, 0.4, 5, 40)
        p.route = geo.walk(rng, geo.random_cell(rng, p.city), rng.randint(25, 50))
    elif kind == "sales":
        p.leave, p.shift_len = int(rng.uniform(7.5, 8.8) * H), int(rng.uniform(8.5, 10) * H)
        p.r_work = lognorm(rng, 16, 0.4, 6, 40)
        other = geo.random_cell(rng, w.city(rng))
        p.route = geo.path(p.home_idx, other)[:12] + geo.walk(rng, other, rng.randint(6, 14))
    elif kind == "student":
        uni = geo.random_cell(rng, p.city)
        p.work = geo.cells[uni]
        p.leave, p.shift_len = int(rng.uniform(8.5, 11) * H), int(rng.uniform(4, 7) * H)
        p.commute = geo.path(p.home_idx, uni)
    elif prof.name == "night_shift" or rng.random() < prof.employed:
        city = p.city if rng.random() < 0.9 else w.city(rng)
        wc = geo.random_cell(rng, city)
        p.work = geo.cells[wc]
        if prof.name == "night_shift":
            p.leave, p.shift_len = int(rng.uniform(20.5, 22.5) * H), 8 * H + rng.randrange(1800)
        else:
            p.leave, p.shift_len = int(rng.uniform(6.5, 9.5) * H), int(rng.uniform(8, 9.5) * H)
        p.commute = geo.path(p.home_idx, wc)


def _households(w: World, rng: random.Random) -> None:
    for members in w.city_persons:
        order = members[:]
        rng.shuffle(order)
        i = 0
        while i < len(order):
            size = (1, 1, 2, 2, 2, 3, 3, 4)[rng.randrange(8)]
            grp = order[i:i + size]
            i += size
            for a in grp:
                a.home, a.home_idx = grp[0].home, grp[0].home_idx
                for b in grp:
                    if b is not a:
                        a.add_contact(b.number, b, 1.2)


def _friends(w: World, rng: random.Random) -> None:
    for p in w.persons:
        for _ in range(poisson(rng, p.prof.n_on)):
            q = w.person(rng, p.city if rng.random() < 0.85 else None)
            if q is p or q.number in p.c_num:
                continue
            p.add_contact(q.number, q, 1.0)
            q.add_contact(p.number, p, 1.0)


def _pooled_contacts(w: World, rng: random.Random, p: Person, count: int, stay: float, pools: list[list[str]],
                     reuse: float, new_number: Callable[[int], str], label: tuple[str, str], weight: float) -> None:
    """``count`` contacts of ``p`` outside the network, each in its own city with probability ``stay``: with
    probability ``reuse`` one already in that city's pool (shared with the neighbours), else a new number made
    by ``new_number(city)``, labelled and added to the pool."""
    for _ in range(count):
        city = p.city if rng.random() < stay else w.city(rng)
        pool = pools[city]
        if pool and rng.random() < reuse:
            num = pool[rng.randrange(len(pool))]
            if num in p.c_num:
                continue
        else:
            num = new_number(city)
            w.label(num, *label)
            pool.append(num)
        p.add_contact(num, None, weight)


def _outside(w: World, rng: random.Random) -> None:
    book = w.book
    for p in w.persons:
        prof = p.prof
        _pooled_contacts(w, rng, p, poisson(rng, prof.n_off), 0.85, w.offnet, 0.3,
                         lambda city: book.other_mobile(rng), ("offnet_mobile", "contact"), 1.0)
        _pooled_contacts(w, rng, p, poisson(rng, prof.n_fix), 0.8, w.fixed, 0.2,
                         lambda city: book.fixed(rng, w.area(city)), ("fixed_line", "household"), 1.4)
        n_for = poisson(rng, prof.n_for)
        if prof.foreign == "diaspora":
            n_for = max(2, n_for)
            if rng.random() < 0.03:  # a relative at sea, reachable on an Iridium phone
                num = book.make(rng, "8816", 8)
                w.label(num, "foreign_contact", "satellite")
                p.add_contact(num, None, 0.5)
        for _ in range(n_for):
            if prof.foreign == "diaspora" and rng.random() < 0.85:
                cc, mul = p.cc, 4.0
            elif prof.foreign == "business":
                cc, mul = BUSINESS_CC[rng.randrange(len(BUSINESS_CC))], 2.0
            else:
                cc, mul = NEIGHBOURS[rng.randrange(len(NEIGHBOURS))], 2.5
            num = book.foreign(rng, cc)
            w.label(num, "foreign_contact", cc)
            p.add_contact(num, None, mul)


def _finalise(rng: random.Random, p: Person) -> None:
    n = len(p.c_num)
    if n == 0:
        return
    fam = sum(1 for m in p.c_mul if m == 1.2)
    order = list(range(fam)) + rng.sample(range(fam, n), n - fam)
    if p.prof.foreign == "diaspora":  # relatives abroad are among the closest contacts
        order = order[:fam] + [k for k in order[fam:] if p.c_mul[k] >= 4.0] + \
            [k for k in order[fam:] if p.c_mul[k] < 4.0]
    p.c_num = [p.c_num[k] for k in order]
    p.c_obj = [p.c_obj[k] for k in order]
    p.c_mul = [p.c_mul[k] for k in order]
    weights = zipf(n, rng.uniform(0.8, 1.3))
    for k in range(n):
        if p.c_mul[k] == 1.2:
            weights[k] *= 2.0
    p.c_cum = cumulative(weights)
    ins = [k for k in range(n) if p.c_obj[k] is None]
    p.i_num = [p.c_num[k] for k in ins]
    p.i_mul = [p.c_mul[k] for k in ins]
    if ins:
        p.i_cum = cumulative([weights[k] for k in ins])
        share = p.i_cum[-1] / p.c_cum[-1]
        p.r_in *= 0.3 + share
        p.r_in_sms *= 0.3 + share
    else:
        p.r_in = p.r_in_sms = 0.0


def _specials(w: World, rng: random.Random, p: Person) -> None:
    geo, hz, name = w.geo, w.horizon, p.prof.name
    day = rng.randrange(w.days)
    if name == "handset_change":
        tc = min(hz - 2 * H, day * 86400 + int(rng.uniform(9, 20) * H))
        group = {"upgrade": "flagship", "loaner": "cheap", "second_hand": "smart", "esim_transfer": "flagship"}
        p.imeis.append((tc, w.imei.make(rng, group[p.variant])))
        if p.variant == "loaner":
            p.imeis.append((tc + rng.randint(6 * H, 30 * H), p.imeis[0][1]))
        p.events.append((tc + rng.randint(60, 1800), "otp_burst"))
    elif name == "new_line":
        p.active_from = rng.randint(2 * H, max(3 * H, hz - 4 * H))
        p.imeis[0] = (0, p.imeis[0][1])
        p.events.append((p.active_from + rng.randint(60, 900), "otp_burst"))
        p.events.append((p.active_from + rng.randint(300, 3600), "catch_up"))
    elif name == "business_traveller" and p.variant != "no_trip":
        dep = day * 86400 + int(rng.uniform(5.5, 9) * H)
        ret = dep + int(rng.uniform(20, 40) * H)
        if p.variant == "domestic_trip":
            dest = geo.random_cell(rng, w.city(rng))
            way = geo.path(p.home_idx, dest)
            stay = [geo.cells[dest], geo.cells[geo.near(rng, dest, 2)]] * 6
            travel = int(rng.uniform(2, 5) * H)
            p.trips = [(dep, dep + travel, way), (dep + travel, ret, stay),
                       (ret, ret + travel, way[::-1])]
        else:
            cc = BUSINESS_CC[rng.randrange(6)] if rng.random() < 0.8 else "AE"
            cells = w.geo.roam.get(cc, w.geo.roam["GB"])
            airport = [geo.cells[geo.random_cell(rng, p.city)]]
            p.trips = [(dep, dep + 2 * H, airport), (dep + 4 * H, ret, rng.sample(cells, 6))]
    elif name == "ordinary" and rng.random() < 0.02:  # flat or job hunting: a day of calls to strangers
        p.events.append((day * 86400 + int(rng.uniform(8.5, 11) * H), "search_burst"))
    elif name == "holiday_abroad":
        cells = w.geo.roam.get(p.cc, w.geo.roam["ES"])
        p.trips = [(0, hz, rng.sample(cells, rng.randint(3, 6)))]


def build_population(w: World) -> None:
    """Creates w.n home subscribers with contacts, and the off-net pools they draw from."""
    rng = rng_for(w.seed, "population")
    cum = cumulative([p.share for p in PROFILES])
    geo = w.geo
    for i in range(w.n):
        prof = PROFILES[pick(rng, cum)]
        city = w.city(rng)
        p = Person(i, "", prof, city)
        if prof.name == "family_abroad":
            p.cc = DIASPORA[pick(rng, _DIASPORA_CUM)][0]
        elif prof.name == "holiday_abroad":
            p.cc = HOLIDAY_CC[rng.randrange(len(HOLIDAY_CC))]
        elif prof.foreign == "diaspora":
            p.cc = DIASPORA[pick(rng, _DIASPORA_CUM)][0]
        p.variant = _variant(rng, prof, p)
        p.number = w.new_home(rng, prof.name, p.variant, ported=0.12)
        p.home_idx = geo.random_cell(rng, city)
        p.home = geo.cells[p.home_idx]
        p.errand = geo.cells[geo.near(rng, p.home_idx, 3)]
        p.shift = (-1, 0, 0, 0, 1)[rng.randrange(5)]
        p.r_call = lognorm(rng, prof.call * VOICE_LEVEL, 0.6, 0.05, 40)
        p.r_sms = lognorm(rng, prof.sms, 0.8, 0.02, 40)
        p.r_in = lognorm(rng, prof.inc * VOICE_LEVEL, 0.6, 0.05, 30)
        p.r_in_sms = lognorm(rng, prof.inc_sms, 0.8, 0.02, 30)
        tac = prof.tac if not (prof.tac == "feature" and rng.random() < 0.4) else "smart"
        p.imeis = [(0, w.imei.make(rng, tac))]
        p.bank = rng.randrange(len(w.a2p["bank_otp"]))
        w.persons.append(p)
        w.city_persons[city].append(p)
        w.by_kind.setdefault(prof.name, []).append(p)
    _households(w, rng)
    for p in w.persons:
        _work(w, rng, p)
    _friends(w, rng)
    _outside(w, rng)
    for p in w.persons:
        _finalise(rng, p)
        _specials(w, rng, p)
    for ci in range(len(CITIES)):
        for _ in range(max(3, int(len(w.city_persons[ci]) * 0.08))):
            num = w.book.fixed(rng, w.area(ci))
            w.label(num, "business_line", "smb")
            w.biz[ci].append(num)
    w.all_offnet = [n for pool in w.offnet for n in pool]
    w.all_fixed = [n for pool in w.fixed for n in pool]
    w.all_biz = [n for pool in w.biz for n in pool]
    if not w.all_offnet or not w.all_fixed:
        extra = [w.book.other_mobile(rng) for _ in range(5)] + [w.book.fixed(rng, "30") for _ in range(5)]
        for num in extra:
            w.label(num, "offnet_mobile" if num.startswith("+491") else "fixed_line", "contact")
        w.all_offnet += extra[:5]
        w.all_fixed += extra[5:]
