"""One day in the life of a home subscriber: calls and texts with contacts, replies, errands, work calls."""

from __future__ import annotations

import random

from .behaviour import HOURS, business, personal, ring, talk
from .people import Person
from .rand import pick, poisson, rng_for
from .sink import ANS, NOANS, SMS, VOICE
from .world import World

DAY = 86400


def _is_fixed_de(num: str) -> bool:
    return num.startswith("+49") and not num.startswith("+491")


def call_contact(w: World, rng: random.Random, p: Person, t: int, num: str, obj: Person | None,
                 mul: float, callback: bool = True) -> None:
    """p calls someone they know; a missed call is often returned."""
    p_ans = 0.62 if _is_fixed_de(num) else 0.72
    if obj is not None and not obj.active_from <= t < obj.active_until:
        # the SIM is not theirs any more (swap, theft) or not yet live: nobody who knows p answers
        dur, disp = (ring(rng), NOANS) if rng.random() < 0.7 else (rng.randint(3, 30), ANS)
    else:
        dur, disp = personal(rng, p.prof.dur * mul, p.prof.sig, p_ans)
    if not w.mob(p, t, VOICE, num, dur, disp) or not callback:
        return
    if (disp != ANS or dur < 40) and rng.random() < 0.5:
        t2 = t + dur + 30 + min(4 * 3600, int(rng.expovariate(1 / 900)))
        d2, s2 = personal(rng, p.prof.dur * mul, p.prof.sig, 0.85)
        w.voice(t2, num, obj, p.number, d2, s2)


def sms_thread(w: World, rng: random.Random, t: int, a: str, ap: Person | None, b: str,
               bp: Person | None) -> None:
    """A text and the back-and-forth that follows."""
    if _is_fixed_de(b):
        return
    p_reply = 0.65
    for _ in range(8):
        if not w.party(t, SMS, a, ap, b, 0, ANS):
            return
        if rng.random() > p_reply:
            return
        p_reply *= 0.75
        t += 10 + min(3600, int(rng.expovariate(1 / 150)))
        a, ap, b, bp = b, bp, a, ap


def _errands(w: World, rng: random.Random, p: Person, base: int, hrs_shift: int) -> None:
    if rng.random() < 0.06:  # customer hotline, long hold
        t = base + HOURS["office"].sample(rng)
        num = w.services[rng.randrange(len(w.services))]
        if rng.random() < 0.9:
            w.mob(p, t, VOICE, num, talk(rng, 420, 0.8, 5400), ANS)
        else:
            w.mob(p, t, VOICE, num, rng.randint(0, 3), 1)
    biz = w.biz[p.city] or w.all_biz
    for _ in range(poisson(rng, 0.3)):  # doctor, shop, restaurant
        t = base + HOURS["office"].sample(rng)
        w.mob(p, t, VOICE, biz[rng.randrange(len(biz))], *business(rng, 0.8, 70, 0.8))
    if p.c_cum and rng.random() < 0.02:  # 'Anklingeln': ring once as a signal, get called back
        k = pick(rng, p.c_cum)
        t = base + HOURS["day"].sample(rng, hrs_shift)
        if w.mob(p, t, VOICE, p.c_num[k], rng.randint(1, 4), NOANS) and rng.random() < 0.6:
            w.voice(t + rng.randint(10, 300), p.c_num[k], p.c_obj[k], p.number, talk(rng, 60, 0.8), ANS)


def _a2p(w: World, rng: random.Random, p: Person, base: int) -> None:
    day_h = HOURS["day"]
    for key, rate in (("bank_otp", 0.12), ("global_2fa", 0.08), ("parcel_notice", 0.1)):
        for _ in range(poisson(rng, rate)):
            t = base + day_h.sample(rng)
            if p.active_from <= t < p.recv_until:
                senders = w.a2p[key]
                src = senders[p.bank % len(senders)] if key == "bank_otp" else senders[rng.randrange(len(senders))]
                w.sink.rec(t, SMS, src, p.number, 0, ANS)


def otp_burst(w: World, rng: random.Random, p: Person, t: int) -> None:
    """Verification codes after a new phone or a new line: messenger, bank app, mail provider."""
    for _ in range(rng.randint(1, 4)):
        key = "global_2fa" if rng.random() < 0.6 else "bank_otp"
        senders = w.a2p[key]
        src = senders[p.bank % len(senders)] if key == "bank_otp" else senders[rng.randrange(len(senders))]
        t += rng.randint(5, 600)
        if t < p.recv_until:
            w.sink.rec(t, SMS, src, p.number, 0, ANS)


def catch_up(w: World, rng: random.Random, p: Person, t: int) -> None:
    """A new line telling friends and family the new number."""
    if not p.c_cum:
        return
    for _ in range(rng.randint(3, 8)):
        t += rng.randint(60, 2400)
        k = pick(rng, p.c_cum)
        if rng.random() < 0.5:
            sms_thread(w, rng, t, p.number, p, p.c_num[k], p.c_obj[k])
        else:
            call_contact(w, rng, p, t, p.c_num[k], p.c_obj[k], p.c_mul[k])


def _work(w: World, rng: random.Random, p: Person, d: int) -> None:
    kind = p.prof.work
    if kind == "student" or d % 7 >= p.workdays:
        return
    a = d * DAY + p.leave + (p.idx * 7919 + d * 104729) % 1201 - 600
    span = p.shift_len
    n = poisson(rng, p.r_work)
    if kind == "courier":
        food = p.variant == "food_rider"
        for t in sorted(a + rng.randrange(span) for _ in range(n)):
            num, cp = w.stranger(rng, p.city, p_home=0.33, p_fixed=0.06)
            dur, disp = business(rng, 0.62, 25 if food else 35, 0.5)
            if not w.mob(p, t, VOICE, num, dur, disp) or disp == ANS:
                continue
            if rng.random() < 0.2 and not _is_fixed_de(num):
                w.mob(p, t + dur + rng.randint(5, 60), SMS, num, 0, ANS)
            if rng.random() < 0.3:
                w.voice(t + dur + rng.randint(60, 2400), num, cp, p.number, *business(rng, 0.85, 30, 0.5))
        for _ in range(rng.randint(1, 4)):
            w.mob(p, a + rng.randrange(span), VOICE, p.depot, talk(rng, 90, 0.7), ANS)
        for _ in range(poisson(rng, n * 0.08)):
            num, cp = w.stranger(rng, p.city, p_home=0.33, p_fixed=0.06)
            w.voice(a + rng.randrange(span), num, cp, p.number, *business(rng, 0.75, 30, 0.5))
        return
    if kind == "tradesman":
        out_args, in_rate = (0.3, 0.25, 0.15, 0.78, 100.0), 0.6
    elif kind == "taxi":
        out_args, in_rate = (0.35, 0.05, 0.0, 0.7, 25.0), 0.3
    else:  # sales
        out_args, in_rate = (0.1, 0.1, 0.6, 0.65, 200.0), 0.3
    p_home, p_fixed, p_biz, p_ans, med = out_args
    for _ in range(n):
        t = a + rng.randrange(span)
        num, cp = w.stranger(rng, p.city, p_home=p_home, p_fixed=p_fixed, p_biz=p_biz)
        dur, disp = business(rng, p_ans, med, 0.8)
        if w.mob(p, t, VOICE, num, dur, disp) and disp != ANS and rng.random() < 0.4:
            w.voice(t + dur + rng.randint(120, 5400), num, cp, p.number, *business(rng, 0.8, med, 0.8))
    for _ in range(poisson(rng, n * in_rate)):
        num, cp = w.stranger(rng, p.city, p_home=p_home, p_fixed=p_fixed, p_biz=p_biz)
        w.voice(a + rng.randrange(span), num, cp, p.number, *business(rng, 0.72, med, 0.8))


def search_burst(w: World, rng: random.Random, p: Person, t: int) -> None:
    """Flat or job hunting: many short calls to landlords, agencies and shops never called before."""
    for _ in range(rng.randint(10, 30)):
        t += rng.randint(60, 1500)
        num, cp = w.stranger(rng, p.city, p_home=0.2, p_fixed=0.3, p_biz=0.3)
        dur, disp = business(rng, 0.6, 120, 0.9)
        if w.mob(p, t, VOICE, num, dur, disp) and disp != ANS and rng.random() < 0.4:
            w.voice(t + dur + rng.randint(300, 7200), num, cp, p.number, *business(rng, 0.85, 150, 0.8))


EVENTS = {"otp_burst": otp_burst, "catch_up": catch_up, "search_burst": search_burst}


def person_day(w: World, p: Person, d: int) -> None:
    """Generates day d of subscriber p."""
    base, end = d * DAY, (d + 1) * DAY
    if p.active_from >= end or (p.active_until <= base and p.recv_until <= base):
        return
    rng = rng_for(w.seed, "p", p.idx, d)
    prof = p.prof
    we = d % 7 >= 5
    hrs = HOURS[prof.we if we else prof.wd]
    f = prof.wef if we else 1.0
    if p.active_until > base and p.c_cum:
        for _ in range(poisson(rng, p.r_call * f)):
            k = pick(rng, p.c_cum)
            call_contact(w, rng, p, base + hrs.sample(rng, p.shift), p.c_num[k], p.c_obj[k], p.c_mul[k])
        for _ in range(poisson(rng, p.r_sms * f)):
            k = pick(rng, p.c_cum)
            sms_thread(w, rng, base + hrs.sample(rng, p.shift), p.number, p, p.c_num[k], p.c_obj[k])
        _errands(w, rng, p, base, p.shift)
        if prof.work and p.shift_len > 0:
            _work(w, rng, p, d)
    if p.recv_until > base and p.i_cum:
        for _ in range(poisson(rng, p.r_in * f)):
            t = base + hrs.sample(rng, p.shift)
            if not p.active_from <= t < p.recv_until:
                continue
            k = pick(rng, p.i_cum)
            num = p.i_num[k]
            if t >= p.active_until:
                dur, disp = ring(rng), NOANS
            else:
                dur, disp = personal(rng, prof.dur * p.i_mul[k], prof.sig)
            w.sink.rec(t, VOICE, num, p.number, dur, disp)
            if (disp != ANS or dur < 40) and rng.random() < 0.45:
                t2 = t + dur + 30 + min(4 * 3600, int(rng.expovariate(1 / 900)))
                w.mob(p, t2, VOICE, num, *personal(rng, prof.dur * p.i_mul[k], prof.sig, 0.85))
        for _ in range(poisson(rng, p.r_in_sms * f)):
            t = base + hrs.sample(rng, p.shift)
            if p.active_from <= t < p.recv_until:
                k = pick(rng, p.i_cum)
                sms_thread(w, rng, t, p.i_num[k], None, p.number, p)
    _a2p(w, rng, p, base)
    for t, kind in p.events:
        if base <= t < end:
            EVENTS[kind](w, rng, p, t)
