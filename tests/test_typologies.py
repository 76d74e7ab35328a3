"""Typology rules on hand-built call histories: each fraud shape convicts, its honest look-alike does not.

The histories are written from the definitions (what a SIM-box, a farm, a courier do), not from the generator,
so they check the rules' reasoning rather than their fit to one stream.
"""

from __future__ import annotations

import math

import pytest

from detector.features import TAU_D, NumberState
from detector.typologies import NumberRules

T0 = 1_772_784_000.0  # a Friday, 08:00 UTC
HOUR = 3_600.0
THRESHOLD = 0.65  # PolicyConfig.alert_threshold
RULES = NumberRules()


class Caller:
    """Feeds one number's calls to a NumberState the way CallerStage/CalleeStage would."""

    def __init__(self, imei: str | None = "356938035643809", cell: str | None = "234-15-100-1") -> None:
        self.s = NumberState()
        self.imei = imei
        self.cell = cell
        self.t = T0
        self.next_callee = 447_700_000_000

    def stranger(self) -> int:
        self.next_callee += 7_919  # spread out: not a sequential sweep
        return self.next_callee

    def call(self, gap: float, callee: int | None = None, *, duration: float, answered: bool,
             intl: bool = False, risky: bool = False, voice: bool = True) -> None:
        self.t += gap
        self.s.on_outbound(self.t, 0, self.stranger() if callee is None else callee, duration, answered, False,
                           voice, intl, risky, self.imei, self.cell)

    def called(self, gap: float = 0.0, *, voice: bool = True, answered: bool = True) -> None:
        self.t += gap
        self.s.on_inbound(self.t, 447_800_000_001, 90.0 if answered else 25.0, answered, voice, False)

    def scores(self) -> dict[str, float]:
        return RULES.scores(self.s, self.t, ring_known=True)


def farm_sim(calls: int = 30, per_hour: float = 12.0, talk_s: float = 15.0) -> Caller:
    """Strangers rung from one place, 70% ring out after ~25 s, the rest hang up within seconds."""
    c = Caller()
    for i in range(calls):
        answered = i % 10 in (0, 4, 7)
        c.call(HOUR / per_hour * (0.4 + 1.2 * ((i * 37) % 11) / 10), duration=talk_s if answered else 25.0,
               answered=answered)  # irregular gaps: people dialling, not a machine
    return c


def test_scam_farm_sim_convicts() -> None:
    sc = farm_sim().scores()
    assert sc["scam_farm"] >= THRESHOLD, sc
    assert max(sc, key=sc.__getitem__) == "scam_farm", sc


def test_call_centre_agent_with_the_same_volume_and_ring_outs_stays_quiet() -> None:
    """Same strangers, same 70% unanswered, but answered calls last minutes and customers call back."""
    c = Caller()
    for i in range(30):
        answered = i % 10 in (0, 4, 7)
        c.call(HOUR / 12, duration=180.0 if answered else 25.0, answered=answered)
        if i % 6 == 5:
            c.called(60.0)
    sc = c.scores()
    assert max(sc.values()) < THRESHOLD, sc
    assert sc["scam_farm"] < farm_sim().scores()["scam_farm"] / 2, sc


def test_calls_back_a_farm_never_answers_clear_it_less_than_answered_ones() -> None:
    """Victims ringing back a burnt SIM that never picks up are no relationship; calls back it takes are."""
    def farm(taken: bool) -> float:
        c = Caller()
        for i in range(30):
            c.call(HOUR / 12, duration=15.0 if i % 3 == 0 else 0.0, answered=i % 3 == 0)
            if i % 4 == 3:
                c.called(60.0, answered=taken)
        return c.scores()["scam_farm"]

    assert farm(False) > 1.4 * farm(True), (farm(False), farm(True))


def test_talk_is_judged_on_answered_calls_only() -> None:
    """A farm whose few answered calls are quick hang-ups scores higher than one whose answered calls talk."""
    quick = farm_sim(talk_s=12.0).scores()["scam_farm"]
    talking = farm_sim(talk_s=240.0).scores()["scam_farm"]
    assert quick >= THRESHOLD > talking, (quick, talking)


def bank_sim(calls: int, sims: int, rotating: bool, *, talk_s: float, per_hour: float = 12.0,
             answered: tuple[int, ...] = (0, 4, 7)) -> Caller:
    """A SIM on a handset that carries ``sims`` SIMs (the handset stage's report), moving between four of its
    slots call after call when ``rotating``; irregular gaps (people behind it, not a machine).  Call ``i`` is
    answered when ``i % 10`` is in ``answered``."""
    c = Caller()
    for i in range(calls):
        if rotating:
            c.imei = f"35693803564380{i % 4}"
        c.s.on_handset(c.t, sims, 30.0)
        picked_up = i % 10 in answered
        c.call(HOUR / per_hour * (0.4 + 1.2 * ((i * 37) % 11) / 10),
               duration=talk_s + 10 * (i % 7) if picked_up else 25.0, answered=picked_up)
    return c


def test_a_sim_rotating_through_a_bank_is_a_farm_even_when_its_victims_talk() -> None:
    """Victims who stay on the line clear a farm's calls (see above), not the bank its SIM hops through."""
    sc = bank_sim(30, 10, True, talk_s=240.0).scores()
    assert sc["scam_farm"] >= THRESHOLD, sc
    assert max(sc, key=sc.__getitem__) == "scam_farm", sc
    for sims, rotating in ((0, True), (10, False)):  # the same calls from a person's phone, or a fixed slot
        alone = bank_sim(30, sims, rotating, talk_s=240.0).scores()
        assert max(alone.values()) < THRESHOLD, (sims, rotating, alone)


def test_a_banks_sim_relaying_conversations_is_named_a_simbox_from_its_tenth_call() -> None:
    """Answered, talked-through calls from a rotating bank's SIM: a SIM-box, named so, before its own silence
    (nobody calling back) has had the calls to show."""
    relayed = (0, 1, 2, 4, 5, 6, 8, 9)  # people answer calls placed by someone who knew whom he called
    sc = bank_sim(10, 10, True, talk_s=120.0, per_hour=9.0, answered=relayed).scores()
    assert sc["simbox"] >= THRESHOLD, sc
    assert max(sc, key=sc.__getitem__) == "simbox", sc
    alone = bank_sim(10, 0, True, talk_s=120.0, per_hour=9.0, answered=relayed).scores()
    assert alone["simbox"] < THRESHOLD, alone


def test_courier_short_calls_on_the_move_with_customers_calling_back_stays_quiet() -> None:
    c = Caller()
    for i in range(40):
        c.cell = f"234-15-{100 + i // 2}-{i % 7}"
        c.call(HOUR / 14, duration=20.0 if i % 3 else 25.0, answered=i % 3 != 0)
        if i % 4 == 3:
            c.called(120.0)
    sc = c.scores()
    assert max(sc.values()) < THRESHOLD, sc


def dialler(ring_s: float) -> Caller:
    """A number range dialled in order at 60 calls an hour, 9 in 10 unanswered after ``ring_s`` of ringing."""
    c = Caller()
    for i in range(40):
        answered = i % 10 == 0
        c.call(HOUR / 60, 447_700_100_000 + 3 * i, duration=120.0 if answered else ring_s, answered=answered)
    return c


def test_one_ring_sweep_is_wangiri_but_a_dialler_that_lets_it_ring_is_not() -> None:
    """Wangiri hangs up before anyone can answer; a list dialler waits for an answer (its rings last)."""
    lure = dialler(3.0).scores()
    assert lure["wangiri"] >= THRESHOLD, lure
    patient = dialler(30.0).scores()
    assert patient["wangiri"] < THRESHOLD / 2, patient


def one_ring_lures(calls: int, ring_s: float, foreign: bool = False) -> Caller:
    """A local (or ``foreign``: no cell, no handset) number ringing a stranger every twenty minutes or so, never
    answered, after ``ring_s``."""
    c = Caller(imei=None, cell=None) if foreign else Caller()
    for i in range(calls):
        c.call(HOUR / 3 * (0.4 + 1.2 * ((i * 37) % 11) / 10), duration=ring_s, answered=False, intl=foreign)
    return c


def test_one_ring_lures_spread_thin_are_wangiri_by_their_count() -> None:
    """A campaign spread over many numbers, each a few calls an hour: too slow to be a volume, but a dozen
    strangers rung once and hung up on is no one's way of calling.  Three such calls are not a campaign, and
    calls left to ring wait for an answer."""
    lures = one_ring_lures(12, 2.0)
    assert RULES.gate(lures.s, lures.t) and lures.scores()["wangiri"] >= THRESHOLD, lures.scores()
    assert one_ring_lures(3, 2.0).scores()["wangiri"] < THRESHOLD
    assert one_ring_lures(12, 25.0).scores()["wangiri"] < THRESHOLD


def test_one_ring_lures_from_abroad_are_wangiri_from_fewer_of_them() -> None:
    """A one-ring lure from abroad is the scheme's own shape (the callback is what pays, at a foreign rate), so
    half a dozen strangers rung once from abroad say what a dozen from a local number do; two do not."""
    assert one_ring_lures(6, 2.0, foreign=True).scores()["wangiri"] >= THRESHOLD
    assert one_ring_lures(6, 2.0).scores()["wangiri"] < THRESHOLD
    assert one_ring_lures(2, 2.0, foreign=True).scores()["wangiri"] < THRESHOLD


def test_lures_from_abroad_are_read_over_the_calls_with_a_ring_time() -> None:
    """A lure campaign from abroad whose every third call finds the phone busy or is written with 0 s: those
    calls say nothing about the ringing, so the rest (all one ring) make it wangiri.  From a local number the
    busy and 0 s calls still count against its short rings (a list dialler giving up early)."""
    def lures(foreign: bool) -> float:
        c = Caller(imei=None, cell=None) if foreign else Caller()
        for i in range(12):
            c.call(HOUR / 3 * (0.4 + 1.2 * ((i * 37) % 11) / 10), duration=0.0 if i % 3 == 2 else 2.0,
                   answered=False, intl=foreign)
        return c.scores()["wangiri"]

    assert lures(foreign=True) >= THRESHOLD > lures(foreign=False)


def test_quick_rings_from_abroad_whose_answered_call_played_nothing_are_named_wangiri() -> None:
    """Three quick calls from abroad, two hung up on the first ring: the middle one, picked up for a second (the
    ring ended as the callee answered), played no message, so the lures are named wangiri though the pace scores as a
    robocall; had that call played a 25-second message it would be a robocall.  The score is the same."""
    def calls(answered_s: float) -> Caller:
        c = Caller(imei=None, cell=None)
        for i in range(3):
            c.call(20.0 + 7 * i, duration=answered_s if i == 1 else 2.0, answered=i == 1, intl=True)
        return c
    lure, message = calls(1.0), calls(25.0)
    sc = lure.scores()
    assert max(sc, key=sc.__getitem__) == "robocall" and sc["wangiri"] > 0.0, sc
    assert RULES.best(lure.s, sc, lure.t) == ("wangiri", sc["robocall"])
    sc = message.scores()
    assert RULES.best(message.s, sc, message.t) == ("robocall", sc["robocall"])


def test_courier_answered_short_calls_nobody_returns_are_not_a_farm() -> None:
    """Short calls to strangers, hardly anyone calling back, but people pick up: they expect the courier."""
    c = Caller()
    for i in range(40):
        c.cell = f"234-15-{100 + i // 4}-1"
        c.call(HOUR / 15, duration=35.0 if i % 5 else 25.0, answered=i % 5 != 0)
    sc = c.scores()
    assert sc["scam_farm"] < THRESHOLD, sc


def test_unreturned_counts_calls_since_anyone_called_back() -> None:
    c = Caller()
    for _ in range(5):
        c.call(60.0, duration=30.0, answered=True)
    c.call(60.0, duration=0.0, answered=True, voice=False)  # an SMS sent is not a call made
    assert c.s.unreturned == 5
    c.called(10.0, voice=False)  # an SMS received is a sign of life from someone
    assert c.s.unreturned == 0
    c.call(60.0, duration=30.0, answered=True)
    assert c.s.unreturned == 1


def simbox(calls: int, inbound_every: int = 0, rotating: bool = True, *, taken: bool = True,
           voice_in: bool = True) -> Caller:
    """Answered calls of normal length to strangers at ~9/h, from one place; optional calls back (answered
    unless not ``taken``; texts in unless ``voice_in``).  A box moves its SIMs between a gateway's module slots
    (the IMEI changes every few calls)."""
    c = Caller()
    for i in range(calls):
        if rotating:
            c.imei = f"35693803564380{(i // 3) % 4}"
        c.call(HOUR / 9, duration=120.0 + 10 * (i % 7), answered=i % 4 != 3)
        if inbound_every and i % inbound_every == inbound_every - 1:
            c.called(30.0, answered=taken, voice=voice_in)
    return c


def test_simbox_never_called_back_convicts_at_a_modest_hourly_rate() -> None:
    sc = simbox(60).scores()
    assert sc["simbox"] >= THRESHOLD, sc


def test_calls_back_that_nobody_answers_do_not_clear_a_box() -> None:
    """A box cannot take a call: the relatives ringing back the local number they saw, and texts from its other
    SIMs, reach no one.  Calls back it answers are someone behind the SIM, and clear it as before."""
    def box(**kw: bool) -> float:
        c = simbox(40, inbound_every=8, **kw)  # a call back every eighth call ...
        for i in range(24):  # ... then a stretch with nothing back
            c.imei = f"35693803564380{(i // 3) % 4}"
            c.call(HOUR / 9, duration=120.0 + 10 * (i % 7), answered=i % 4 != 3)
        return c.scores()["simbox"]

    taken, rung, texted = box(), box(taken=False), box(voice_in=False)
    assert taken < 0.1 and rung > 0.4 and texted > 0.4, (taken, rung, texted)


def test_one_sms_from_the_days_a_sim_was_readied_does_not_hide_its_box() -> None:
    """Texting like a person clears a SIM-box's calls; one SMS sent hours before the box went to work does not."""
    def box(first_sms: int, sms_every: int) -> float:
        c = Caller()
        for _ in range(first_sms):
            c.call(60.0, duration=0.0, answered=True, voice=False)
        c.t += 6 * HOUR
        for i in range(24):
            c.imei = f"35693803564380{(i // 3) % 4}"
            c.call(HOUR / 9 * (0.4 + 1.2 * ((i * 37) % 11) / 10), duration=120.0 + 10 * (i % 7),
                   answered=i % 4 != 3)
            if sms_every and i % sms_every == 0:
                c.call(30.0, duration=0.0, answered=True, voice=False)
        return c.scores()["simbox"]

    silent = box(0, 0)
    assert silent > 0.4
    assert box(1, 0) > 0.9 * silent
    assert box(0, 4) < 0.1  # an SMS every fourth call


def test_one_phone_in_office_hours_is_not_called_a_simbox() -> None:
    """Without the box (shared or rotating handsets, round-the-clock hours) this is an outbound call centre."""
    sc = simbox(60, rotating=False).scores()
    assert sc["simbox"] < 0.5, sc


def test_a_fixed_line_is_not_a_simbox_where_the_stream_names_cells_and_handsets() -> None:
    """Calls to strangers through the night, answered and talked through, nothing back: a box's traffic, and
    what a night-shift call centre's PBX trunk sends.  Its calls carry no cell and no IMEI; in a stream whose
    subscribers' calls do, that is a fixed line, not SIMs in a box.  In a stream that names neither, it is
    judged as before."""
    c = Caller(imei=None, cell=None)
    c.t = T0 - 7 * HOUR  # 01:00
    for i in range(40):
        c.call(HOUR / 9, duration=120.0 + 10 * (i % 7), answered=i % 4 != 3)
    without_radio = RULES.scores(c.s, c.t, ring_known=True, radio_known=False)
    with_radio = RULES.scores(c.s, c.t, ring_known=True, radio_known=True)
    assert without_radio["simbox"] >= THRESHOLD, without_radio
    assert with_radio["simbox"] == 0.0, with_radio


def desk_gateway_sim(answer_every: int, talk_s: tuple[float, float], sims: int = 8, evening: int = 0) -> Caller:
    """A SIM in one module of a ``sims``-SIM gateway (fixed IMEI), ~9 calls/h to strangers from 08:00, nothing
    back; every ``answer_every``-th call rings out, the answered ones alternate between two lengths.  Its last
    ``evening`` calls are made after 21:00 (the others in office hours)."""
    c = Caller()
    for i in range(40):
        answered = i % answer_every != answer_every - 1
        if i == 40 - evening:
            c.t = T0 + 13.5 * HOUR
        c.call(HOUR / 9 * (0.4 + 1.2 * ((i * 37) % 11) / 10), duration=talk_s[i % 2] if answered else 25.0,
               answered=answered)
        c.s.on_handset(c.t, sims, 9.0 * sims)
    return c


def test_agents_on_a_desk_gateway_are_not_a_simbox_but_relayed_conversations_are() -> None:
    """Sharing a device and getting nothing back, a call centre's agents look like a box's SIMs; what tells
    them apart is how many calls go on: a relay's calls were wanted on both ends."""
    agent = desk_gateway_sim(2, (30.0, 90.0), evening=4).scores()  # half answered, half of those a minute or more
    relay = desk_gateway_sim(4, (120.0, 240.0), evening=4).scores()  # three in four answered and talked through
    assert agent["simbox"] < 0.5 * THRESHOLD, agent
    assert relay["simbox"] >= THRESHOLD, relay


def test_an_office_sized_gateway_in_office_hours_is_not_a_box_a_box_sized_one_is() -> None:
    """Relayed-looking conversations from an eight-SIM gateway that keeps office hours: an office's desk gateway
    (customer care calls go on too) as likely as a box, so not convicted; the same SIM on a sixteen-SIM device
    (no office's), or on the eight-SIM one once it calls into the evening, is a box."""
    office = desk_gateway_sim(4, (120.0, 240.0)).scores()
    evening = desk_gateway_sim(4, (120.0, 240.0), evening=2).scores()
    rack = desk_gateway_sim(4, (120.0, 240.0), sims=16).scores()
    assert office["simbox"] < THRESHOLD, office
    assert evening["simbox"] >= THRESHOLD, evening
    assert rack["simbox"] >= THRESHOLD, rack


def test_same_traffic_with_people_calling_back_stays_quiet() -> None:
    sc = simbox(60, inbound_every=5).scores()
    assert max(sc.values()) < THRESHOLD, sc


def test_irsf_low_and_slow_convicts_over_hours() -> None:
    c = Caller()
    for _ in range(14):  # ~2.5 calls an hour to a high-cost range, ~4 minutes each, for 5-6 hours
        c.call(HOUR / 2.5, callee=88_216_000_000 + 1, duration=240.0, answered=True, intl=True, risky=True)
    sc = c.scores()
    assert sc["irsf"] >= THRESHOLD, sc
    assert c.s.intl_calls_today(c.t) == pytest.approx(
        sum(math.exp(-k * (HOUR / 2.5) / TAU_D) for k in range(14)), rel=1e-9)


def booths(scattered: bool) -> Caller:
    """A shop's line: twelve calls to high-cost destinations, ~six an hour, 5-7 minutes each; its customers each
    calling their own family (``scattered`` over the world's numbering plans) or the same calls into one
    thousand-block, as a leased premium range is."""
    c = Caller()
    for i in range(12):
        callee = 234_803_000_000 + i * 7_919_113 if scattered else 882_160_004_000 + (i * 37) % 1_000
        c.call(HOUR / 6, callee=callee, duration=300.0 + 10.0 * i, answered=True, intl=True, risky=True)
    return c


def test_calls_abroad_scattered_over_many_ranges_are_a_call_shop_not_irsf() -> None:
    """Premium-rate fraud pumps a few leased ranges; a call shop's customers call their own families, a new
    number block nearly every call.  The same calls into one block convict."""
    pumped, shop = booths(scattered=False).scores(), booths(scattered=True).scores()
    assert pumped["irsf"] >= THRESHOLD > shop["irsf"], (pumped, shop)


def fresh_sim_calling_a_premium_number(calls: int) -> Caller:
    """A new SIM's first calls, every ~3 minutes, two minutes each, to one number in a high-cost range."""
    c = Caller()
    for _ in range(calls):
        c.call(180.0, callee=67_536_782_382, duration=120.0, answered=True, intl=True, risky=True)
    return c


def test_a_fresh_sims_burst_to_a_premium_number_is_irsf_from_its_pace_not_an_hour_of_it() -> None:
    """Five calls in a SIM's first quarter hour are ~20 an hour: the pace is read from its first minutes, as a
    number's own call rate is, not as five calls spread over an hour.  A redial (two calls) is not a pace."""
    burst, redial = fresh_sim_calling_a_premium_number(5), fresh_sim_calling_a_premium_number(2)
    assert burst.s.risky_rate < 5.0  # the count alone: five calls in the last hour, less their decay
    assert burst.scores()["irsf"] >= THRESHOLD, burst.scores()
    assert redial.scores()["irsf"] < 0.5, redial.scores()


def texting_sim(calls: int, texts_per_call: int, replies: int = 0) -> Caller:
    """A fresh SIM, one of five cold callers in its cell, that texts strangers between calls to strangers, two in
    three of whom answer and talk from a minute to twenty-five (the scam working; the cell's other cold callers'
    calls too), a call every ~3 minutes at irregular gaps; ``replies``: that many texts or calls back, spread over the run."""
    c = Caller()
    for i in range(calls):
        for _ in range(texts_per_call):
            c.call(5.0 + 10.0 * ((i * 13) % 7), duration=0.0, answered=True, voice=False)
        answered = i % 3 != 2
        c.call(150.0 * (0.2 + 1.6 * ((i * 37) % 11) / 10), duration=(40.0 + 1_400.0 * ((i * 7) % 5) / 4)
               if answered else 25.0, answered=answered)
        c.s.on_site(c.t, 5, 60.0, 30.0, 20.0, 1.0, 15.0)  # the site stage's report: answered, talked through
        if replies and i % max(1, calls // replies) == 0:
            c.called(30.0, voice=i % 2 == 0)
    return c


def test_a_sim_texting_crowds_of_strangers_between_its_calls_is_a_farm_from_its_first_calls() -> None:
    """Smishing beside the calls: 4 texts for each call (~50 an hour to people never contacted), nobody answering
    any of them.  Its calls are mostly answered and long, so without the texts nothing marks them unwanted, and
    fewer than eight calls would not even be looked at."""
    assert RULES.gate(texting_sim(5, 4).s, texting_sim(5, 4).t), "20 texts to strangers open the gate at call 5"
    assert max(texting_sim(n, 4).scores()["scam_farm"] for n in range(5, 9)) >= THRESHOLD
    for n in range(5, 9):  # the same calls without the texts
        quiet = texting_sim(n, 0)
        assert quiet.scores()["scam_farm"] < 0.5, (n, quiet.scores())
    assert not RULES.gate(texting_sim(7, 0).s, texting_sim(7, 0).t)


def test_a_busy_texter_who_hears_back_or_places_no_calls_is_not_a_farm() -> None:
    """A courier or a shop texting customers gets answers and calls back; a bulk sender places no calls."""
    for n in (8, 12, 20):
        answered = texting_sim(n, 4, replies=n // 2)  # one reply or call back for every two calls
        assert answered.scores()["scam_farm"] < 0.5, (n, answered.scores())
    bulk = Caller()
    for _ in range(60):
        bulk.call(60.0, duration=0.0, answered=True, voice=False)
    assert max(bulk.scores().values(), default=0.0) < 0.5, bulk.scores()


def test_diaspora_caller_ringing_home_a_few_times_a_day_stays_quiet() -> None:
    c = Caller()
    for _ in range(3):
        c.call(4 * HOUR, callee=88_216_000_000 + 1, duration=1_500.0, answered=True, intl=True, risky=True)
        for _ in range(2):
            c.call(HOUR, duration=120.0, answered=True)
    sc = c.scores()
    assert sc["irsf"] < 0.5, sc


def with_contacts(hours: int, people: int = 5) -> tuple[Caller, list[int]]:
    """``hours`` of ordinary use: a call an hour to one of ``people`` contacts, one in three calling back."""
    c = Caller()
    contacts = [447_711_000_000 + 13 * i for i in range(people)]
    for i in range(hours):
        c.call(HOUR, contacts[i % people], duration=150.0, answered=True)
        if i % 3 == 0:
            c.called(600.0)
    return c, contacts


def swapped(contacts_after: bool, otp_sms: int, banks: int = 0, people: int = 5) -> Caller:
    """A day of ordinary use with ``people`` contacts, then a new handset in another area within the hour, then six
    calls: to those contacts, to strangers, or (``banks``) to that many numbers over and over."""
    c, contacts = with_contacts(15, people)
    c.imei, c.cell = "490154203237518", "234-15-900-1"
    c.call(HOUR, contacts[0], duration=60.0, answered=True)
    for _ in range(otp_sms):
        c.called(60.0, voice=False)
    for i in range(6):
        callee = contacts[i % people] if contacts_after else 448_000_000_000 + 7 * (i % banks) if banks else None
        c.call(300.0, callee, duration=90.0, answered=True)
    return c


def test_takeover_strangers_and_one_time_codes_after_a_swap_convicts() -> None:
    c = swapped(contacts_after=False, otp_sms=3)
    assert c.s.swapped_recently(c.t)
    sc = c.scores()
    assert sc["takeover"] >= THRESHOLD, sc


def test_after_a_swap_calling_two_new_numbers_over_and_over_is_calling_strangers() -> None:
    """The fraudster rings the victim's bank again and again: each call after the first is to a number the
    owner never called, however familiar it has become to the new handset."""
    c = swapped(contacts_after=False, otp_sms=0, banks=2)
    assert c.s.post_new == 6 and c.s.post_n == 7
    sc = c.scores()
    assert sc["takeover"] >= THRESHOLD, sc


def test_new_phone_calling_old_contacts_stays_quiet() -> None:
    c = swapped(contacts_after=True, otp_sms=0)
    assert c.s.swapped_recently(c.t)
    sc = c.scores()
    assert max(sc.values()) < THRESHOLD, sc


def first_call_after_a_swap(otp_sms: int, intl: bool) -> Caller:
    """A working day of ordinary use with five contacts, ``otp_sms`` SMS received, then (before 21:00) the first
    call from a new handset in another area: to a number called before (or one abroad)."""
    c, contacts = with_contacts(10)
    for _ in range(otp_sms):
        c.called(300.0, voice=False)
    c.imei, c.cell = "490154203237518", "234-15-900-1"
    c.call(300.0, 33_123_456_789 if intl else contacts[0], duration=60.0, answered=True, intl=intl)
    assert c.s.swapped_recently(c.t) and c.s.post_n == 1
    return c


def test_a_swap_with_one_time_codes_pouring_in_convicts_at_its_first_call() -> None:
    """Codes by SMS, then a new handset in another town: the first call need not wait for a second."""
    sc = first_call_after_a_swap(otp_sms=3, intl=False).scores()
    assert sc["takeover"] >= THRESHOLD, sc


def test_one_call_abroad_from_a_new_phone_in_another_town_is_not_yet_a_takeover() -> None:
    """People who phone abroad buy phones and travel too: one call abroad counts half until a second says it."""
    sc = first_call_after_a_swap(otp_sms=0, intl=True).scores()
    assert sc["takeover"] < THRESHOLD, sc


def test_takeover_from_another_town_needs_less_besides() -> None:
    """The same strangers after the swap weigh more when the new handset is in an area the number never was."""
    far = swapped(contacts_after=False, otp_sms=0)
    near = swapped(contacts_after=False, otp_sms=0)
    near.s.swap_far = 0.0  # the same calls, from a new cell in the owner's own area
    assert far.s.swap_far == 1.0
    assert far.scores()["takeover"] > near.scores()["takeover"]


@pytest.mark.parametrize(("gap_s", "calls", "looked_at"), [
    (60.0, 5, True),  # a call a minute: a machine's pace, worth scoring from the fifth call
    (60.0, 4, False),  # four calls say nothing yet
    (600.0, 5, False),  # five calls in most of an hour: a person, wait for eight
])
def test_gate_opens_early_only_at_a_machines_pace(gap_s: float, calls: int, looked_at: bool) -> None:
    c = Caller()
    for _ in range(calls):
        c.call(gap_s, duration=0.0, answered=False)
    assert RULES.gate(c.s, c.t) is looked_at


def test_a_slow_sim_on_a_shared_handset_is_looked_at() -> None:
    """Eight slow calls are nothing from a phone of one's own, but a SIM of a bank is judged with the bank."""
    c = Caller()
    for _ in range(8):
        c.call(1_800.0, duration=0.0, answered=False)
    assert not RULES.gate(c.s, c.t)
    c.s.hs_sims, c.s.hs_t, c.s.hs_rate = 12, c.t, 40.0  # the handset stage's report: twelve SIMs on its handset
    assert RULES.gate(c.s, c.t)


def test_a_banks_sim_is_looked_at_from_its_fifth_call() -> None:
    """Five slow calls: nothing from a phone of one's own, nor from one of its cell's cold callers on a dual-SIM
    phone; a SIM of a bank (four SIMs and more on its handset) is worth scoring now, not at the eighth call."""
    c = Caller()
    for _ in range(5):
        c.call(900.0, duration=0.0, answered=False)
    assert not RULES.gate(c.s, c.t)
    c.s.on_handset(c.t, 6, 20.0)  # a bank, in no cohort of its cell
    assert RULES.gate(c.s, c.t)
    c.s.on_site(c.t, 4, 20.0, 20.0, 5.0, 2.0, 1.0)
    c.s.on_handset(c.t, 2, 20.0)  # a cohort member on a dual-SIM phone: no bank, wait for the eighth call
    assert not RULES.gate(c.s, c.t)


def box_cohort_sim(sims: int, calls: int, start: float = T0, texts: int = 0) -> Caller:
    """A SIM among ten silent callers in its cell (their calls mostly answered and talked through) on a handset
    of ``sims`` SIMs, ~8 calls/h of two to three minutes to strangers from ``start`` on, nothing back; ``texts``
    SMS sent the evening before (while the SIM was being readied)."""
    c = Caller()
    c.t = start - 12 * HOUR
    for _ in range(texts):
        c.call(60.0, duration=0.0, answered=True, voice=False)
    c.t = start
    for i in range(calls):
        c.call(HOUR / 8 * (0.4 + 1.2 * ((i * 37) % 11) / 10), duration=150.0 + 20 * (i % 3), answered=i % 4 != 3)
        c.s.on_handset(c.t, sims, 60.0)
        c.s.on_site(c.t, 10, 60.0, 40.0, 28.0, 1.0, 22.0)
    return c


def test_a_box_sized_device_lets_its_cohort_speak_for_a_sims_first_calls() -> None:
    """Nobody calls back: a SIM's own first calls say little, its cohort's say it for it once the device is
    a box's size; an office gateway's four SIMs look as silent for their first calls of the day, so they wait
    (and in office hours, an office-sized gateway is not taken for a box at all)."""
    box, office = box_cohort_sim(12, 5).scores(), box_cohort_sim(4, 5).scores()
    assert box["simbox"] >= THRESHOLD, box
    assert office["simbox"] < 0.5 * THRESHOLD, office
    assert box_cohort_sim(4, 8).scores()["simbox"] < THRESHOLD  # ... nor after eight silent calls of its own
    assert box_cohort_sim(4, 8, start=T0 - 5 * HOUR).scores()["simbox"] >= THRESHOLD  # ... unless at night


def test_a_shared_device_calling_strangers_through_the_night_is_judged_like_a_box_sized_one() -> None:
    """An office gateway keeps office hours: four SIMs on one device relaying calls to strangers at three in
    the morning are a box's, and its cohort speaks for a SIM's first calls as for a box-sized device."""
    night, day = box_cohort_sim(4, 5, start=T0 - 5 * HOUR).scores(), box_cohort_sim(4, 5).scores()
    assert night["simbox"] >= THRESHOLD > day["simbox"], (night, day)
    alone = box_cohort_sim(1, 5, start=T0 - 5 * HOUR).scores()  # a person's own phone at night: no box
    assert alone["simbox"] < THRESHOLD, alone


def test_two_texts_from_its_readying_do_not_hide_a_sim_of_a_box_sized_device() -> None:
    """No phone a person owns carries twelve SIMs: having shown that, a SIM's couple of texts from the evening it
    was readied no longer clear it, as they do not clear a SIM rotating through a bank.  An office gateway's
    SIM (four on the device) that texts as often is still given the benefit of the doubt."""
    box, office = box_cohort_sim(12, 8, texts=2).scores(), box_cohort_sim(4, 8, texts=2).scores()
    assert box["simbox"] >= THRESHOLD > office["simbox"], (box, office)
    assert box_cohort_sim(12, 8, texts=6).scores()["simbox"] < THRESHOLD  # ... texting like a person does


def test_irsf_on_the_line_abroad_hour_after_hour_convicts_on_any_range() -> None:
    """Long calls to an ordinary foreign range (on no high-cost list), one after another, for hours, from a line
    that used to call at home."""
    c = Caller()
    for i in range(10):
        c.call(HOUR, 447_711_000_000 + i % 4, duration=150.0, answered=True)
    for i in range(15):  # 35 minutes of every 40, for ten hours
        c.call(2_400.0, callee=24_811_000_000 + i % 2, duration=2_100.0, answered=True, intl=True)
    sc = c.scores()
    assert sc["irsf"] >= THRESHOLD, sc
    minutes = 35.0 * sum(math.exp(-k * 2_400.0 / TAU_D) for k in range(15))
    assert c.s.abroad_share_today(c.t) == pytest.approx(minutes * 60.0 / (TAU_D * (1 - math.exp(-c.s.age(c.t) / TAU_D))))


def test_one_long_call_home_a_night_stays_quiet() -> None:
    """A family call of three hours is as many minutes abroad, in one call: not a shift on the line."""
    c = Caller()
    for _ in range(2):
        for _ in range(3):
            c.call(HOUR, duration=120.0, answered=True)
        c.call(HOUR, callee=24_811_000_000, duration=3 * HOUR, answered=True, intl=True)
    sc = c.scores()
    assert sc["irsf"] < THRESHOLD, sc


def four_long_calls_to_a_premium_range(sims_on_handset: int) -> Caller:
    """A fresh SIM's first calls: four calls of 40 minutes to a high-cost range abroad, five minutes apart (placed
    within two minutes of the last one's end they are pumped, whatever the device: see
    test_long_calls_abroad_placed_back_to_back_are_irsf_from_the_third)."""
    c = Caller()
    for i in range(4):
        c.call(2_700.0, callee=88_216_000_000 + i % 2, duration=2_400.0, answered=True, intl=True, risky=True)
        if sims_on_handset > 1:
            c.s.on_handset(c.t, sims_on_handset, 8.0)
    return c


def test_a_bank_sims_first_long_calls_to_a_premium_range_are_irsf() -> None:
    """Subscription fraud pumps minutes from SIMs in a bank: on a device of four SIMs, four calls that fill the
    line to a high-cost range are enough; from a phone of one's own they are someone's long calls, not yet."""
    bank, own = four_long_calls_to_a_premium_range(4).scores(), four_long_calls_to_a_premium_range(1).scores()
    assert bank["irsf"] >= THRESHOLD, bank
    assert own["irsf"] < THRESHOLD, own


def test_a_dialler_with_a_machines_even_gaps_is_named_a_robocall_not_a_farm() -> None:
    """The same unwanted calls to strangers, six of them: at a person's uneven gaps a farm, at a machine's a robocall."""
    def caller(gaps: list[float]) -> dict[str, float]:
        c = Caller()
        for i, gap in enumerate(gaps):
            c.call(gap, duration=2.0 if i % 2 else 25.0, answered=bool(i % 2))
        return c.scores()

    even = caller([36.0, 36.0, 37.0, 35.0, 36.0, 36.0])
    uneven = caller([20.0, 70.0, 15.0, 55.0, 30.0, 46.0])
    assert max(even, key=even.__getitem__) == "robocall", even
    assert uneven["scam_farm"] > uneven["robocall"], uneven


def test_busy_and_failed_calls_do_not_hide_that_the_rung_ones_rang_long() -> None:
    """A dialler whose unanswered calls ring 25 s, among busy and failed ones (0 s: no ring time), is no
    one-ring lure however many of its calls fail."""
    c = Caller()
    for i in range(10):
        c.s.on_outbound(c.t + 60.0 * (i + 1), 0, c.stranger(), 25.0 if i % 3 == 0 else 0.0, False, i % 3 == 2,
                        True, False, False, c.imei, c.cell)
    c.t += 600.0
    assert c.scores()["wangiri"] < 0.1, c.scores()


def test_five_evenly_spaced_calls_are_named_a_robocall_without_changing_the_score() -> None:
    """Four even gaps are too few for rhythm to count as evidence, enough to name what alerts: a machine."""
    c = Caller()
    for i in range(5):
        c.call(36.0, duration=2.0 if i % 2 else 25.0, answered=bool(i % 2))
    sc = c.scores()
    typology, value = RULES.best(c.s, sc, c.t)
    assert typology == "robocall" and value == max(sc.values()) and max(sc, key=sc.__getitem__) != "robocall", sc
    assert RULES.score(c.s, c.t)[:2] == (typology, value)


def test_a_farm_shaped_sim_at_a_pace_no_person_dials_is_named_a_robocall_without_changing_the_score() -> None:
    """Strangers rung with irregular gaps, a third answered for a few seconds: people at 30 calls an hour (a
    farm), a machine at 150 (a call every 24 s, ring and talk included), though the farm still scores highest."""
    people = farm_sim(per_hour=30.0)
    sc = people.scores()
    assert RULES.best(people.s, sc, people.t) == ("scam_farm", sc["scam_farm"]), sc
    machine = farm_sim(per_hour=150.0)
    sc = machine.scores()
    assert max(sc, key=sc.__getitem__) == "scam_farm" and sc["robocall"] > 0.0, sc
    assert RULES.best(machine.s, sc, machine.t) == ("robocall", sc["scam_farm"]), sc
    assert RULES.score(machine.s, machine.t)[:2] == ("robocall", sc["scam_farm"])


def test_long_calls_abroad_placed_back_to_back_are_irsf_from_the_third() -> None:
    """Forty-minute calls abroad, each placed a minute after the last one ended: a line kept on the line abroad
    (what IRSF sells) by its third call, however slow its pace.  The same calls with twenty minutes between
    them are a person's, as they were for every call before."""
    def calls(pause: float) -> Caller:
        c = Caller()
        for i in range(3):
            c.call(2_400.0 + pause if i else 0.0, duration=2_400.0, answered=True, intl=True)
        return c
    pumped, paced = calls(60.0), calls(1_200.0)
    assert pumped.s.pump == 2 and paced.s.pump == 0
    assert RULES.gate(pumped.s, pumped.t)
    sc = pumped.scores()
    assert sc["irsf"] >= THRESHOLD and RULES.best(pumped.s, sc, pumped.t)[0] == "irsf", sc
    reasons = {r.feature: r for r in RULES.score(pumped.s, pumped.t)[2]}
    assert reasons["back_to_back_calls_abroad"].value == 2.0
    assert "3 calls abroad in a row" in reasons["back_to_back_calls_abroad"].text
    assert max(paced.scores().values()) < THRESHOLD, paced.scores()


def test_strangers_after_a_swap_are_news_only_to_a_number_that_had_a_circle() -> None:
    """A number that had called one person before its new phone has nobody to be a stranger to: six new numbers
    from a new phone in another town is then what its owner's new phone does as often as a fraudster."""
    circle = swapped(contacts_after=False, otp_sms=0)
    lone = swapped(contacts_after=False, otp_sms=0, people=1)
    assert circle.s.circle_before_swap() == 5 and lone.s.circle_before_swap() == 1
    assert lone.s.swapped_recently(lone.t) and lone.s.post_new == circle.s.post_new == 6
    assert circle.scores()["takeover"] >= THRESHOLD > lone.scores()["takeover"], (circle.scores(), lone.scores())
    coded = swapped(contacts_after=False, otp_sms=3, people=1)  # ... unless the bank's codes pour in
    assert coded.scores()["takeover"] >= THRESHOLD, coded.scores()
    typology, _, reasons = RULES.score(circle.s, circle.t)
    assert typology == "takeover" and {r.feature: r.value for r in reasons}["circle_before_swap"] == 5.0


def test_a_robocall_named_on_its_pace_is_not_explained_as_machine_like_gaps() -> None:
    """The reasons an analyst reads name a rhythm only where the gaps are even: a dialler at 120 calls an hour
    with uneven gaps and messages of different lengths is a robocall by its pace, not by its rhythm."""
    def reasons(gaps: list[float], talk: list[float]) -> dict[str, str]:
        c = Caller()
        for i in range(24):
            c.call(gaps[i % len(gaps)], duration=talk[i % len(talk)], answered=i % 3 != 2)
        typology, _, why = RULES.score(c.s, c.t)
        assert typology == "robocall", (typology, c.scores())
        return {r.feature: r.text for r in why}

    paced = reasons([10.0, 50.0, 20.0, 40.0], [12.0, 30.0, 6.0, 45.0])
    assert "gap_cv" not in paced and "duration_cv" not in paced and "calls_per_hour" in paced, paced
    even = reasons([30.0], [22.0])
    assert "machine-like" in even["gap_cv"] and "one recorded message" in even["duration_cv"], even


def _outbound_floor_line(days: int) -> Caller:
    """A call-centre agent's line, ``days`` working days of it: a stranger every two minutes or so for eight hours,
    one in four answered, and of those five in six talked through (one to five minutes), the rest hung up
    within seconds; nobody calls back.  Its cell's other agents do the same (the site stage's report)."""
    c = Caller()
    for day in range(days):
        c.t = T0 + 24 * HOUR * day - 120.0
        for i in range(240):
            answered = i % 4 == 1
            talked = answered and i % 24 != 1
            c.call(120.0 * (0.5 + ((i * 37) % 11) / 10), duration=(60.0 + 29.0 * (i % 9)) if talked
                   else (4.0 if answered else 25.0), answered=answered)  # people dialling: irregular gaps
            c.s.on_site(c.t, 14, 400.0, 120.0, 32.0, 5.0, 26.0)  # the floor: answered, hung up, talked
    return c


def test_a_busy_lines_own_day_outweighs_its_cells_first_calls_of_the_morning() -> None:
    """A cell's pooled answers judge a new SIM's first calls (a farm starts up in minutes).  Next morning a call
    centre's floor restarts and its first dozen answered calls may happen to be hang-ups: a line with a day of
    its own answers, most of them conversations, is judged by those, not by the floor's first minutes.
    A SIM with no record of its own is still judged by its cell."""
    line = _outbound_floor_line(days=1)
    assert max(line.scores().values()) < THRESHOLD
    line.t = T0 + 24 * HOUR
    for i in range(4):  # its first calls of the morning ring out; its cell's first answers were hang-ups
        line.call(60.0, duration=25.0, answered=False)
        line.s.on_site(line.t, 14, 30.0, 14.0, 12.0, 4.0, 2.5)
    assert line.scores()["scam_farm"] < THRESHOLD, line.scores()
    for pooled in (True, False):  # a new SIM's ten calls, answered ones of 40 s: its cell says what they are
        fresh = Caller()
        fresh.t = line.t - 1_200.0
        for i in range(10):
            fresh.call(120.0 * (0.5 + ((i * 37) % 11) / 10), duration=25.0 if i % 3 else 40.0, answered=i % 3 == 0)
            if pooled:
                fresh.s.on_site(fresh.t, 14, 30.0, 14.0, 12.0, 4.0, 2.5)
        assert (fresh.scores()["scam_farm"] >= THRESHOLD) == pooled, fresh.scores()


def test_reasons_name_only_the_supporting_evidence_that_counted() -> None:
    """A farm alert's reasons keep what a farm is (strangers, unwanted calls) and add supporting evidence only
    where its ramp counted it: no "0 active SIMs on its handset" or "moves handset on 0% of calls" for a SIM in
    a phone of its own, while a SIM of a bank shows both."""
    def reasons(c: Caller) -> dict[str, float]:
        typology, score, why = RULES.score(c.s, c.t)
        assert typology == "scam_farm" and score >= THRESHOLD, (typology, c.scores())
        return {r.feature: r.value for r in why}

    own = reasons(farm_sim())
    assert {"new_callee_share", "unanswered_or_short", "inbound_share"} <= own.keys(), own
    assert "sims_on_handset" not in own and "handset_change_share" not in own and "failed_share" not in own, own
    banked = farm_sim()
    banked.s.on_handset(banked.t, 9, 40.0)
    banked.s.f_imei = 0.4  # hopping between the bank's slots
    shown = reasons(banked)
    assert shown["sims_on_handset"] == 9.0 and shown["handset_change_share"] == 0.4, shown
