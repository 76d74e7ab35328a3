"""Typology detectors: each turns a number's rolling features into a score in [0, 1] that explains itself.

Every rule is a product of soft ramps over scale-free quantities (shares of a number's own calls, its
regularity, its change against its own habit) and one volume ramp.  The ramp ends are domain knowledge, not
fits: a person rarely sustains more than ~10 calls an hour, one-ring lures go unanswered, honest busy
callers (couriers, call centres) move between cells or receive calls back.  What must separate fraud from
busy honest callers is therefore the *shape* of the traffic, which is what other generators' streams share.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from .features import HABIT, PUMP_SLACK_S, RECENT, TAU_H, TAU_M, NumberState
from .records import Reason, by_constructor
from .sketches import argmax, cv, max3, ramp, rate_per_hour

MIN_CALLS: Final = 8  # fewer calls than this are not scored (shares over a handful of calls are noise) ...
FAST_MIN_CALLS: Final = 5  # ... unless they come at FAST_RATE calls/hour or faster
OUTSIDE_FAST_MIN_CALLS: Final = 3  # ... from the third, for a number the radio network never carried (below)
RHYTHM_CALLS: Final = 6  # five gaps: a person dialling at random (exponential gaps) looks partly regular 1 time in 30
EVEN_GAPS_CV: Final = 0.35  # gaps between calls this even are partly a machine's (top of the rhythm's ramp)
SMS_BATCH_S: Final = 3_600.0  # a business's batch (reminders, a notice to members) goes out within the hour
ONE_MESSAGE_CV: Final = 0.25  # answered durations this even are partly one recorded message's (ditto)
MACHINE_GAP_CV: Final = 0.15  # gaps this even over four of them (1 person in 200 by chance) name a machine
NO_MESSAGE_S: Final = 5.0  # answered calls this short on average played no message: picked up as the ring ended
MACHINE_PACE: Final = 120.0  # calls/hour from one SIM: one every 30 s, ring and talk included; no one dials it by hand
FAST_RATE: Final = 40.0  # calls/hour over a number's first minutes: a call every 90 s, ring and talk included
HONEST_TALK: Final = 0.6  # share of an honest caller's answered calls that last a minute (a prior, not a fit)


def _mean(*xs: float) -> float:
    return sum(xs) / len(xs)


def _shrunk(share: float, n: float, prior: float, weight: float = 4.0) -> float:
    """A share measured over ``n`` calls, shrunk towards ``prior`` as if ``weight`` calls had shown it.

    Two unanswered calls out of two say little; twenty out of twenty say a lot.  Shrinking replaces waiting
    a fixed time or call count: the evidence is as strong as the calls behind it, no stronger.  The same
    arithmetic pools a number's share with its cohort's (``prior``), weighted by the cohort's calls.
    """
    return (share * n + prior * weight) / (n + weight)


def _rhythm(s: NumberState) -> tuple[float, float]:
    """(variation of the gaps between calls, of answered durations); 1.0 (no rhythm) below RHYTHM_CALLS of them."""
    gaps = cv(s.g_mean, s.g_sq) if s.kv >= RHYTHM_CALLS else 1.0
    return gaps, cv(s.d_mean, s.d_sq) if s.nd >= RHYTHM_CALLS else 1.0


def _cohort(s: NumberState, t: float) -> float:
    """How sure it is that the cold callers of this number's cell (the site stage) are one operation: three
    of them start to be, six are."""
    return ramp(s.at_site(t), 3.0, 6.0)


def _pooled_relay(s: NumberState, cohort: float) -> tuple[float, float]:
    """Shares of calls answered and of calls that became conversations (a minute or more): the number's own
    over its recent (at most ``RECENT``) calls, pooled with its cell's cohort of silent callers (as many of
    their calls as the cohort is sure to be one operation, ``cohort`` of :func:`_cohort`, up to 32)."""
    n = min(s.kv, RECENT)
    answered = 1.0 - s.f_unans
    pool = cohort * min(s.site_calls, 32.0)
    if pool <= 0.0:
        return answered, s.f_conv
    return (_shrunk(answered, n, s.site_ans / s.site_calls, pool),
            _shrunk(s.f_conv, n, s.site_conv / s.site_calls, pool))


def _machine_answers(s: NumberState, short_ans: float) -> float:
    """How much the answered calls sound like a machine's: hung up on within seconds, or all of one length
    (a recorded message).  Under two answers there is no length to compare, and nothing is held against it."""
    if s.nd < 2:
        return 1.0
    return max(ramp(short_ans, 0.15, 0.35), 1.0 - ramp(cv(s.d_mean, s.d_sq), 0.2, 0.5))


def _own_answers(s: NumberState, n_recent: float, talk: float, short: float) -> tuple[float, float, float]:
    """(answered calls behind them, share talked through a minute, share hung up within seconds) of the number's
    own calls.  The recent shares (``talk``, ``short``) hold its last ``RECENT`` calls, ``n_recent`` answers, a
    handful on a line most people do not pick up; a busy line's habit (``HABIT`` calls) holds a day of them, which
    a cell's first dozen calls of the morning must not outweigh.  The recent answers keep their own weight: a
    change still shows in them."""
    n_habit = min(s.kv, HABIT) * s.h_ans
    if n_habit <= n_recent:
        return n_recent, talk, short
    older = n_habit - n_recent
    return (n_habit, (talk * n_recent + s.h_conv / s.h_ans * older) / n_habit,
            (short * n_recent + s.h_short / s.h_ans * older) / n_habit)


def _sms_per_hour(s: NumberState, voice_rate: float) -> float:
    """Texts an hour, read from the voice rate and the recent share of texts among its records (the state keeps
    no rate of its own for texts): a share of 0.75 is three texts for each call."""
    share = s.f_sms if s.f_sms < 0.95 else 0.95
    return voice_rate * share / (1.0 - share)


def _texting_crowds(s: NumberState, voice_rate: float) -> float:
    """Texting strangers at a pace no person keeps, with (almost) nobody answering or calling back."""
    return ramp(_sms_per_hour(s, voice_rate), 20.0, 40.0) * ramp(s.f_new, 0.7, 0.9) * (
        _nothing_back(s.in_share))


def _nothing_back(in_share: float) -> float:
    """How sure "nothing comes back" is from an inbound share: sure under 2 % of its records, not at all from 8 %."""
    return 1.0 - ramp(in_share, 0.02, 0.08)


def _unreturned(s: NumberState) -> float:
    """Calls out since anyone last called or texted back: a dozen and a half start to say it, 45 do."""
    return ramp(s.unreturned, 15.0, 45.0)


def _failed(s: NumberState) -> float:
    """Calls to unallocated numbers: dialling at random or through a range."""
    return ramp(s.f_fail, 0.1, 0.25)


def _off_hours(s: NumberState) -> float:
    """Calls outside office hours (07-21 local), from one in ten."""
    return ramp(s.f_off, 0.1, 0.3)


def _rotating(s: NumberState) -> float:
    """The SIM moves between handsets call after call: a bank's slots."""
    return ramp(s.f_imei, 0.1, 0.3)


def _untaken(s: NumberState) -> str:
    """What an inbound share leaves out where the rules read it as none (:meth:`NumberState.taken_in_share`)."""
    return ", not one call in answered" if s.taken_in_share() < s.in_share else ""


def _support(*xs: float) -> float:
    """Noisy-OR of supporting evidence, each worth at most half: two strong signs make 0.75, one 0.5.

    An honest busy caller may show one fraud-like trait; it takes several independent ones to convict.
    """
    keep = 1.0
    for x in xs:
        keep *= 1.0 - 0.5 * x
    return 1.0 - keep


@dataclass(frozen=True, slots=True)
class RuleConfig:
    """Ramp ends shared by the rules.  Documented, overridable, and deliberately round numbers."""

    busy_lo: float = 4.0  # calls/hour where "busy" starts to count
    busy_hi: float = 16.0  # calls/hour that few people sustain by hand
    candidate_floor: float = 0.5  # below this a stage does not bother the policy

    def __reduce__(self) -> tuple[type, tuple[Any, ...]]:
        return by_constructor(self)


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


class NumberRules:
    """Scores one :class:`NumberState` for every typology that shows on the number itself."""

    __slots__ = ("cfg",)

    def __init__(self, cfg: RuleConfig | None = None) -> None:
        self.cfg = cfg or RuleConfig()

    def gate(self, s: NumberState, t: float, radio_known: bool = False, spoofed: bool = False) -> bool:
        """Cheap test: is there anything worth scoring?  Most ordinary calls stop here.

        ``radio_known``, ``spoofed``: as for :meth:`scores`."""
        if s.risky_rate > 1.0 or s.intl_rate > 2.0 or s.pump >= 2 or s.swapped_recently(t):
            return True
        if s.kv >= 3 and s.f_intl >= 0.5:  # calls that mostly cross a border (a foreign ringer, say): look early
            return True
        if s.kv >= FAST_MIN_CALLS and s.shared_handset(t) >= 4:
            # A SIM of a bank (handset stage): as busy as the bank, however slow itself, and worth a look as
            # early as a machine's pace: no phone a person owns carries four active SIMs.
            return True
        if s.kv >= 3 and s.k - s.kv >= 20 and _texting_crowds(s, rate_per_hour(s.rate_h, TAU_H, s.age(t))) > 0.0:
            # Texting crowds of strangers between a few calls: the texts are the volume (smishing ahead of calls).
            return True
        if spoofed and s.kv >= 2:  # claims to be one of our subscribers, yet came in from outside: from its 2nd call
            return True
        if radio_known and s.kv >= 5 and s.f_ovl >= 0.2 and s.never_on_radio():
            return True  # a line from outside carrying calls at once (scores: a dialler)
        if s.kv < MIN_CALLS:
            # A machine's pace (a call a minute or faster, from the first call on) is worth a look from the
            # fifth call: eight calls at that pace would cost minutes of a robocall or wangiri run.
            # A number the radio network never carried (no cell, no handset, where the stream names them for its
            # SIMs) came in from outside: a campaign that spoofs its caller IDs rotates through such numbers a
            # few calls each, so one at a machine's pace is looked at from its third call, not its fifth.
            outside = radio_known and s.never_on_radio()
            first = OUTSIDE_FAST_MIN_CALLS if outside else FAST_MIN_CALLS
            return s.kv >= first and rate_per_hour(s.rate_m, TAU_M, s.age(t)) >= FAST_RATE
        if s.unreturned >= 15:  # low and slow, but nobody has called back in a long while
            return True
        if s.f_ring >= 0.5:  # hanging up on ring after ring, however slowly: one-ring lures spread thin
            return True
        if s.at_site(t) >= 3:  # one of several cold callers in its cell: judged with them (site stage)
            return True
        return rate_per_hour(s.rate_h, TAU_H, s.age(t)) >= self.cfg.busy_lo

    def score(self, s: NumberState, t: float, ring_known: bool = True, radio_known: bool = False,
              spoofed: bool = False) -> tuple[str, float, list[Reason]]:
        """(typology, score, reasons) of the best-matching typology for an outbound-active number."""
        typology, value = self.best(s, self.scores(s, t, ring_known, radio_known, spoofed), t,
                                    radio_known and s.never_on_radio())
        if value < self.cfg.candidate_floor:
            return typology, value, []
        return typology, value, self._explain(typology, s, t, spoofed)

    def best(self, s: NumberState, scores: dict[str, float], t: float,
             off_radio: bool = False) -> tuple[str, float]:
        """The typology to name and its score: the highest score, except that a machine is named for what it is.
        A number with four even gaps (too few for the rhythm to count as evidence, enough to name a machine) is
        named a robocall.  A farm is people placing calls; a SIM calling at ``MACHINE_PACE`` or faster has a
        machine placing them: a robocall (a dialler, playing a message to whoever answers), or wangiri where its
        calls look more like lures (rings hung up on).  A "robocall" whose answered calls last a few seconds on
        average played no message to anyone: where its calls also look like lures it is named wangiri.  A "farm"
        the radio network never carried (``off_radio``: no SIM behind it, a trunk or a spoofed caller ID) whose
        answered calls sound like a machine's and are not conversations is a robocall too.  Naming never changes
        the score, so it changes no decision."""
        typology = argmax(scores)
        early = FAST_MIN_CALLS <= s.kv < RHYTHM_CALLS
        if early and typology != "robocall" and cv(s.g_mean, s.g_sq) < MACHINE_GAP_CV:
            return "robocall", scores[typology]
        if typology == "robocall" and s.nd and s.d_mean < NO_MESSAGE_S and scores["wangiri"] > 0.0:
            return "wangiri", scores[typology]
        if typology == "scam_farm" and rate_per_hour(s.rate_h, TAU_H, s.age(t)) >= MACHINE_PACE:
            return ("robocall" if scores["robocall"] >= scores["wangiri"] else "wangiri"), scores[typology]
        if typology == "scam_farm" and off_radio and s.nd >= 2 and s.f_unans < 0.95:
            answered = 1.0 - s.f_unans
            if s.f_conv < 0.2 * answered and _machine_answers(s, s.f_short / answered) >= 0.5:
                return "robocall", scores[typology]
        return typology, scores[typology]

    def scores(self, s: NumberState, t: float, ring_known: bool = True, radio_known: bool = False,
               spoofed: bool = False) -> dict[str, float]:
        """Every typology's score for an outbound-active number (diagnostics read all of them).

        Each typology is ``required x (floor + (1 - floor) x mean(supporting))``: the required evidence is
        what defines the typology (one ring for wangiri, a machine's rhythm for robocalls); the supporting
        evidence is what a variant may lack, so no single missing trait hides a fraud, and no single
        present trait convicts an honest busy caller.

        ``ring_known``: the stream writes ring times for unanswered calls (one ring can be told from a ring-out);
        ``radio_known``: it names cells and handsets for its subscribers' calls (a number without either is a
        fixed line).  Both are learned from the stream (:mod:`detector.numbering`).  ``spoofed``: the number claims
        one of this network's own mobile ranges, yet the radio network never carried it
        (:class:`detector.numbering.OwnRanges`).
        """
        cfg = self.cfg
        age = s.age(t)
        rate = rate_per_hour(s.rate_h, TAU_H, age)
        sims = s.shared_handset(t)
        shared = ramp(sims, 2.0, 4.0)  # a SIM bank's handset (or an honest GSM gateway)
        # A SIM in a bank is as busy as the bank: judge volume by the handset when it is shared.
        # A bank of many SIMs in one device is volume whatever each SIM's share of the calls (no person's
        # phone carries more than two or three).
        busy = max3(ramp(rate, cfg.busy_lo, cfg.busy_hi), shared * ramp(s.hs_rate, cfg.busy_lo, cfg.busy_hi),
                    ramp(sims, 4.0, 8.0))
        new = ramp(s.f_new, 0.5, 0.8)
        base = busy * new
        # Dozens of calls out and not one call or SMS back: what no honest number sees.  The count itself is
        # volume evidence for the typologies that live on it (SIM-box, farm), whatever the hourly rate.
        # (an honest number with even one call in ten returned has a 1-in-5 chance of 15 unreturned, 1% of 45)
        unreturned = _unreturned(s)
        silent_base = (1.0 - (1.0 - busy) * (1.0 - unreturned)) * new
        unans = s.f_unans
        answered = 1.0 - unans
        short_ans = s.f_short / answered if answered > 0.05 else 0.0  # answered, then hung up within 10 s
        own_talk = s.f_conv / answered if answered > 0.0 else 0.0  # answered, and talked through a minute or more
        # A number whose calls never name a cell or a handset, in a stream that names them for its SIMs: it came
        # in from outside the radio network (a fixed line, a trunk, another network, a spoofed caller ID).
        off_radio = radio_known and s.never_on_radio()
        ring_share = s.f_ring / unans if unans > 0.05 else 0.0  # unanswered calls that rang under 10 s
        # From abroad, where a one-ring lure is the scheme's own shape (wangiri, below), the share is read over the
        # calls that carry a ring time: a lure to a phone that was busy, or one the switch wrote as 0 s, is still a
        # lure.  A local number's busy, failed and 0 s calls count against its short rings: a dialler giving up
        # early on a list is no campaign.
        timed = s.f_lring + s.f_ring
        foreign = ramp(s.f_intl, 0.5, 0.9)
        if timed > 0.05:
            ring_share = max(ring_share, foreign * s.f_ring / timed)
        low_in = _nothing_back(s.in_share)
        failed = _failed(s)
        off = _off_hours(s)
        # A number seen with no cell at all (a stream without cell_id) gives no evidence of standing still.
        # Standing still is rarely changing cell, or changing back and forth among two or three: a fixed device
        # at a cell edge flips between neighbours call after call, but only something on the move keeps
        # turning up in cells it has never used (``places`` holds two bits per cell ever seen).
        static = max(1.0 - ramp(s.f_cell, 0.1, 0.3), 1.0 - ramp(s.places.bit_count(), 4.0, 8.0)) \
            if s.cell is not None else 0.0
        gap_cv, dur_cv = _rhythm(s)
        scores: dict[str, float] = {}

        # Wangiri: unanswered lures to many new numbers at a volume no person dials.  One ring (when the stream
        # carries ring times at all), a foreign caller, callbacks from the rung and number-range sweeps support.
        ring = ramp(ring_share, 0.7, 0.95) if ring_known else 0.0
        # Callbacks are the scheme only after one-ring lures: people also return a call centre's missed calls.
        callbacks = ramp(s.cb_rate, 1.0, 4.0) * ramp(ring_share, 0.3, 0.6) if ring_known else 0.0
        # A caller who lets its unanswered calls ring on is waiting for an answer, not luring a callback.
        # (Of the unanswered calls whose ring time the switch wrote: busy, failed and 0 s say nothing either way.)
        long_rings = ramp(s.f_lring / timed, 0.3, 0.6) if timed > 0.05 else 0.0
        # A campaign spread thin over many numbers, each ringing a few strangers an hour, is read by its count: a
        # dozen strangers and more rung once and hung up on is no one's way of calling, at any pace.  From abroad
        # half as many say as much: a one-ring lure from abroad is the scheme's own shape (the callback pays, at
        # a foreign rate), where a local number's short rings may be someone giving up early.
        lures = max(base, ramp(s.kv, 5.0 - 2.0 * foreign, 10.0 - 4.0 * foreign) * ring * new)
        scores["wangiri"] = lures * ramp(unans, 0.6, 0.85) * (1.0 - long_rings) * (0.2 + 0.8 * _support(
            ring, callbacks, ramp(rate, 40.0, 120.0), foreign, low_in, ramp(s.f_seq, 0.2, 0.5)))

        # Robocall: a machine's rhythm (regular gaps, or a recorded message's fixed length).
        # ... or a rate no one dials by hand (a call a minute, ring time and talk included, is a person's limit)
        # with messages played to the people who answer (a one-ring lure hangs up before anyone does).
        regular = max3(1.0 - ramp(gap_cv, 0.15, EVEN_GAPS_CV),
                       (1.0 - ramp(dur_cv, 0.1, ONE_MESSAGE_CV)) * ramp(answered, 0.3, 0.5),
                       ramp(rate, 60.0, 120.0) * ramp(answered, 0.15, 0.3))
        scores["robocall"] = base * regular * (
            0.6 + 0.4 * _support(ramp(s.f_seq, 0.2, 0.5), failed, low_in, ramp(short_ans, 0.2, 0.5)))
        if off_radio:
            # Calls from outside the radio network, to strangers.  Conversations on them say it is a line people
            # talk to (a business's fixed line, a call shop's booths, a night shift's trunk), where a campaign plays
            # a message or rings out.
            talked = ramp(own_talk, 0.5, 0.8)
            # A caller ID of our own mobile ranges (``spoofed``): someone presenting a subscriber's number he does
            # not hold.  Campaigns rotate through such numbers a few calls each, so the second stranger called says
            # it: no one's own phone reaches us without a cell.
            claimed = ramp(s.kv, 1.0, 2.0) if spoofed else 0.0
            # Several calls at once on one caller ID (a trunk, not a phone) that nobody calls back: a dialler.  An
            # office's trunk gets calls back.  A dialler is a robocall by what its answered calls sound like: a
            # recorded message (one length) or people hanging up on it.  A call centre's trunk, a delivery app's
            # masked number or a firm's PBX carries calls at once too, but people talk on it, for as long as they
            # need (a fifth of the answered calls going on a minute is more than a message's "press 1" gets).
            dialler = ramp(s.f_ovl, 0.2, 0.4) * ramp(s.kv, 4.0, 8.0) * low_in * _machine_answers(s, short_ans) * (
                1.0 - ramp(own_talk, 0.2, 0.4))
            outside = max(claimed, dialler) * ramp(s.f_new, 0.5, 0.8) * (1.0 - talked)
            scores["robocall"] = max(scores["robocall"],
                                     outside * (0.7 + 0.3 * _support(ramp(s.kv, 2.0, 6.0), regular)))

        # Scam farm: calls to strangers that rarely become conversations.  What separates it from an outbound
        # call centre (whose answered calls last minutes) and a courier (whose customers call back, on the
        # move) is the rest: nobody calls back, one place, hang-ups, dead numbers dialled, hours, a SIM bank.
        # Shares over a handful of calls are noise, so each is shrunk towards an honest caller's value by the
        # number of calls behind it instead of waiting a fixed time: strong evidence convicts within minutes.
        # "Conversation" is judged on the answered calls only: an outbound call centre's calls mostly ring out
        # too, but the ones that are answered last minutes.
        n = min(s.kv, RECENT)
        n_ans, talk_share, hang_share = _own_answers(s, n * answered, own_talk, short_ans)
        # A farm's SIMs share their cells: the answered cold calls of the cold callers around this one (the
        # site stage) are evidence about the same operation, worth as much as the cohort is sure to be one.
        cohort = _cohort(s, t)
        pool = cohort * min(s.site_ans, 32.0)
        if pool > 0.0:
            talk_share = _shrunk(talk_share, n_ans, s.site_conv / s.site_ans, pool)
            hang_share = _shrunk(hang_share, n_ans, s.site_short / s.site_ans, pool)
            n_ans += pool
        talk = _shrunk(talk_share, n_ans, HONEST_TALK, 2.0)
        no_talk = 1.0 - ramp(talk, 0.3, 0.6)
        # People who answer and hang up within seconds did not want the call, however long the others last
        # (a scam that works is a long call too).  An honest caller's answered calls are rarely that short.
        hang_ups = ramp(_shrunk(hang_share, n_ans, 0.05, 2.0), 0.15, 0.4)
        # Short calls that are not hang-ups are unwanted only from a number whose calls mostly go unanswered:
        # people pick up the courier they expect, and speak to it briefly.
        unwanted = max(no_talk * ramp(unans, 0.35, 0.55), hang_ups)
        rotating = _rotating(s)
        # A SIM hopping between the slots of a bank of many: no phone a person owns, whatever its calls sound
        # like.  Such a SIM calling strangers with nothing back is fraud either way; its answered calls say
        # which: conversations relayed for someone else (answered, and talked through: a SIM-box) or calls
        # the called did not want (a farm, even one whose victims talk a while).  Like a cohort, the bank also
        # stands for its fellow SIMs' silence in the SIM-box.
        bank = ramp(sims, 4.0, 8.0) * rotating
        answered_pool, conv_pool = _pooled_relay(s, cohort)
        relayed = ramp(answered_pool, 0.4, 0.6) * ramp(talk_share, 0.5, 0.7)
        unwanted = max(unwanted, bank * (1.0 - relayed))
        # A SIM that texts crowds of strangers between its calls, and hears nothing back from any of them, is
        # messaging people who did not ask (smishing ahead of the calls), whatever its answered calls sound like.
        # Honest senders of many texts either get answers (couriers, shops, organisers) or place no calls (bulk
        # senders: the texts' pace is read against the calls, so a number that only texts has none here).
        crowds = _texting_crowds(s, rate)
        unwanted = max(unwanted, crowds)
        quiet = ramp(n, 4.0, 16.0)  # "nobody calls back" needs calls out to be called back about
        # Calls back say someone is behind the number only once it has answered one: a box cannot take a call (the
        # relatives ringing back the local number they saw ring out, or get a stranger), a farm's burnt SIM may not,
        # and texts in, from a box's other SIMs as often as not, are no sign of a person.  An honest line answers
        # most calls in.
        taken_in = s.taken_in_share()
        low_in_sure = quiet * _nothing_back(taken_in)
        called_back = ramp(taken_in, 0.1, 0.3)  # people return its calls: what a scam number rarely gets
        # A SIM of a cohort is as busy as the cohort.
        # ... and so is a SIM texting crowds: its texts are its volume.
        farm_volume = max3(silent_base, cohort * ramp(s.site_rate, cfg.busy_lo, cfg.busy_hi) * new, crowds)
        # People dialling: gaps as even as a machine's (within 15-35%) name a robocall, whatever the calls say.
        machine = 1.0 - ramp(gap_cv, 0.15, EVEN_GAPS_CV)
        farm_rest = farm_volume * (1.0 - 0.5 * called_back) * (1.0 - 0.5 * machine) * (
            0.2 + 0.8 * _support(low_in_sure, static, ramp(hang_share, 0.15, 0.4), rotating, off, failed, shared,
                                 cohort))
        scores["scam_farm"] = farm_rest * unwanted

        # SIM-box: answered local calls at volume that nobody ever returns; no SMS.  An outbound call centre
        # looks the same on those counts, so the box itself must show: more SIMs in one device than an office
        # gateway holds, SIMs moved between a gateway's slots (IMEI changes), or hours no office keeps.  A box
        # that hides all three (one phone per SIM, or an office-sized gateway, in office hours) cannot be told
        # from a call centre by its calls and is left alone.
        # A SIM that hops between the slots of a shared bank is a box rotating its SIMs to dodge detection; one
        # that does that also sprinkles SMS and staged calls-in to look like a person, so having shown it, a
        # few of those no longer clear it (a person's phone neither shares its handset nor changes it daily).
        disguised = shared * rotating
        # A box's SIMs are one operation: what one SIM shows too thinly over its first calls, its cohort of
        # silent callers in the cell (the site stage) shows over theirs: how many calls are answered and talked
        # through (people answer the calls a box relays, made by someone who knew whom he called, far more
        # often than an outbound call centre's list dialling), and, from half its own sixteen calls, that nobody
        # calls back (which a bank its SIM rotates through says as well as a cohort does).  On a device of a
        # box's size (8-12 SIMs and more, beyond an office gateway's four) that holds by its fifth call: an
        # office's SIMs look as silent as a box's for their first calls of the day, until someone calls back.
        # So it does on a shared device calling outside office hours: an office gateway keeps office hours.
        box_sized = ramp(sims, 8.0, 12.0)  # no person's phone, nor an office's four-SIM gateway
        after_hours = ramp(s.f_off, 0.03, 0.1)  # a call or two in twenty outside office hours: no office's
        own_calls = max(ramp(n, 4.0, 8.0), max(box_sized, shared * after_hours) * ramp(n, 2.0, 5.0))
        quiet_pool = max(quiet, max(cohort, bank) * own_calls)
        no_in = quiet_pool * (1.0 - ramp(taken_in, 0.01 + 0.1 * disguised, 0.05 + 0.15 * disguised))
        never_in = max(unreturned, ramp(n, 8.0, 16.0) * (1.0 - ramp(taken_in, 0.0, 0.01)))  # not one back
        # The box itself: a device of a box's size, SIMs moved between slots, or hours no office keeps.  A
        # shared device of an office's size (a desk gateway's two to four SIMs) is a box only once it calls
        # outside office hours at all, a call or two in twenty: offices keep office hours; a relay follows its
        # callers abroad into the evening.
        box = max3(max(box_sized, shared * after_hours), ramp(s.f_imei, 0.02, 0.1), off)
        if off_radio:
            box = 0.0  # no cell, no handset, in a stream that names them: a fixed line or a PBX trunk, not a SIM
        # Texting is judged by how many of its recent records were SMS, not by their share: one SMS from the
        # days a SIM was being readied is a sixth of its first six records, and no texting habit.
        # A SIM that has shown it is in a box (rotating through a bank, or on a device of a box's size, which no
        # person's phone is) is not cleared by a couple of texts from the days it was readied.
        readied = max(disguised, box_sized)
        no_sms = 1.0 - ramp(s.sms_recent(), 1.0 + 1.6 * readied, 2.5 + 3.2 * readied)
        # The relayed call was wanted on both ends, so it is answered and then talked through: two in five calls
        # a minute long or more make a relay, one in five is the most list dialling gets (a call centre's agents
        # on desk gateways share a device and get nothing back as a box does, but few of their calls go on).
        relay = ramp(answered_pool, 0.4, 0.6) * ramp(conv_pool, 0.2, 0.4)
        box_calls = silent_base * no_in * relay * no_sms * (
            box * (0.5 + 0.5 * _support(never_in, static)))
        scores["simbox"] = max(box_calls, farm_rest * bank * relayed)  # ... or a bank's SIM, relaying

        # IRSF: repeated, long calls to high-cost destinations; a new habit, not an old one.
        risky_min = s.risky_s / 60.0
        # A young number has no habit to break: unknown, not novel (0.5), until its history says otherwise.
        novelty = max3(ramp(s.f_new, 0.3, 0.6), 1.0 - ramp(s.h_intl, 0.3, 0.6),
                       0.5 * (1.0 - ramp(s.kv, 30.0, 100.0)))
        support = 0.6 + 0.4 * _mean(novelty, ramp(s.f_off - s.h_off, 0.0, 0.3), ramp(answered, 0.5, 0.8))
        # Counts (calls in the last hour) say "enough calls"; their pace is read like the number's own call rate,
        # from its first minutes on: five calls in a fresh SIM's first quarter hour is a rate, not five an hour.
        known_risky = ramp(s.risky_rate, 1.5, 4.0) * max(ramp(risky_min, 10.0, 40.0),
                                                         ramp(rate_per_hour(s.risky_rate, TAU_H, age), 4.0, 10.0))
        # Fraudsters move to ranges no list names yet: the same shape to any foreign destination, at twice the
        # volume, is IRSF too (a diaspora caller makes one long call, not several an hour for hours).
        intl_min = s.intl_s / 60.0
        any_foreign = ramp(s.intl_rate, 3.0, 6.0) * max(ramp(intl_min, 40.0, 90.0),
                                                        ramp(rate_per_hour(s.intl_rate, TAU_H, age), 8.0, 16.0))
        # Low and slow: a few calls an hour, kept up for hours, nearly all abroad.  A diaspora caller rings
        # home a few times a day; twice that to high-cost ranges (four times to others) in a working day is not that.
        today = s.intl_calls_today(t)
        # ... or on the line abroad half the working day and more (six hours and up), over three calls and
        # more: a family call home is one long call, not a working day of them.  A SIM of a bank (four SIMs on
        # its device: subscription fraud pumps minutes from banks, people call home from their own phones) that
        # fills the line to high-cost ranges says so from its second or third call.
        sustained = max3(ramp(today, 4.0, 8.0) * ramp(s.f_risky, 0.25, 0.5),
                         ramp(today, 8.0, 16.0) * ramp(s.f_intl, 0.5, 0.8),
                         ramp(s.abroad_share_today(t), 0.4, 0.8) * max(
                             ramp(today, 3.0, 6.0), shared * ramp(today, 2.0, 3.0) * ramp(s.f_risky, 0.5, 0.8)))
        # Premium-rate fraud pumps a few leased ranges; calls abroad scattered over the world's numbering plans,
        # a new thousand-block nearly every call once there are several of them, are many people calling their
        # own (a call shop's booths, a firm's partners), however long and costly the calls.
        scattered = ramp(s.f_scat, 0.5, 0.8) * ramp(s.kv * s.f_intl, 4.0, 8.0)
        # ... or pumped: long calls abroad placed back to back, the next within two minutes of the last one's end,
        # three in a row (two hand-overs, ``NumberState.pump``): a line kept on the line abroad, which is what
        # IRSF sells, however slowly the calls come.  A family call home is one long call, or two.
        pumped = ramp(s.pump, 1.0, 2.0)
        scores["irsf"] = max(max3(known_risky, any_foreign, sustained), pumped) * support * (1.0 - 0.5 * scattered)

        # Takeover: a new handset in a new place on a number with history, then only strangers called.
        takeover = 0.0
        if s.swapped_recently(t) and s.post_n >= 1:
            # After a SIM swap the fraudster calls and texts strangers (or the victim's contacts), abroad,
            # while the bank's one-time codes pour in.  The swap alone is not enough: honest people buy phones.
            # Strangers: the habit baseline is unreliable in a young stream (every callee is "new" the first
            # time), so the share since the swap is judged against what people who kept their phone do: most
            # of their calls go to numbers they called before.  A number first called after the swap stays a
            # stranger when called again: the fraudster rings the victim's bank over and over, the owner his
            # own people.  A few codes by SMS an hour is not normal.
            # Strangers are news only to a number that had a circle: one that had called (or texted) three people
            # or more before the swap (with fewer, everyone it calls is a stranger, its owner's new phone's calls too).
            post_new = ramp(s.post_new / s.post_n, 0.5, 0.9) * ramp(s.post_n, 3.0, 6.0) * ramp(
                s.circle_before_swap(), 1.0, 3.0)
            # The swap is judged from its first call on: waiting for a second costs the victim its minutes.  One
            # call abroad is a habit as often as news, so it counts half until a second call says the same.
            abroad = ramp(s.post_intl / s.post_n, 0.1, 0.3) * ramp(s.post_n, 0.0, 2.0)
            # A new handset in another town, not a shop round the corner, is what a fraudster's swap looks like.
            # The swap and one sign alone come to 0.3 + 0.7 x 0.5, the alert threshold, which floating point leaves
            # a hair below it (0.6499999999999999): measured in session 18 (docs/detection.md), counting it as
            # reaching the threshold alerted on more honest new handsets than frauds.  A second sign convicts.
            takeover = 0.3 + 0.7 * _support(post_new, abroad, ramp(s.sms_received_last_hour(t), 1.0, 3.0),
                                            0.5 * off, 0.5 * s.swap_far)
        scores["takeover"] = takeover
        return scores

    def score_inbound(self, s: NumberState) -> tuple[str, float, list[Reason]]:
        """A premium number behind wangiri: many callbacks from people who were just rung, and no outbound."""
        cb = s.cb_rate
        ratio = cb / s.in_rate if s.in_rate > 0 else 0.0
        value = ramp(cb, 3.0, 8.0) * ramp(ratio, 0.2, 0.5) * ramp(s.in_share, 0.7, 0.9)
        if value < self.cfg.candidate_floor:
            return "wangiri", value, []
        return "wangiri", value, [
            Reason("callbacks_per_hour", cb, 3.0,
                   f"{cb:.1f} callbacks/hour from people rung by a one-ring call shortly before"),
            Reason("callback_share", ratio, 0.2, f"{_pct(ratio)} of inbound calls are such callbacks"),
            Reason("inbound_share", s.in_share, 0.7, f"{_pct(s.in_share)} of its traffic is inbound"),
        ]

    def score_sms_lure(self, s: NumberState, t: float) -> tuple[str, float, list[Reason]]:
        """A foreign number texting crowds of strangers in this network, none of whom answers: a lure to call a
        premium number back (wangiri by SMS) or smishing.  The caller stage asks only for foreign senders; an
        honest bulk sender (a bank, a shop) is a local number or a short code."""
        return self._texts_to_strangers("wangiri", s, t, 8.0, 24.0, "SMS from a foreign number to subscribers of this "
                                        "network")

    def score_sms_blast(self, s: NumberState, t: float) -> tuple[str, float, list[Reason]]:
        """A SIM of this network, on its radio network, that (nearly) only texts: crowds of strangers at a pace no
        person keeps, none of whom answers.  An SMS blaster's SIM (smishing: a fake bank's notice, a parcel fee),
        the texting end of a farm.  Honest bulk senders reach people through an SMS gateway (no cell, no handset),
        a machine's SIM (a meter, a tracker) texts the same server over and over, and people get answers.  A
        business's batch (a clinic's reminders, a club's notice) goes out in one sitting, so the texting is read
        once it has gone on for an hour (``SMS_BATCH_S``): a blaster's does, all day.  Texts are judged against
        calls where there are calls (``scores``: texting crowds); the caller stage asks here for SIMs with fewer
        than three."""
        return self._texts_to_strangers("scam_farm", s, t, 20.0, 40.0, "SMS from a SIM that places (almost) no calls",
                                        SMS_BATCH_S)

    def _texts_to_strangers(self, typology: str, s: NumberState, t: float, lo: float, hi: float, what: str,
                            sustained: float = 0.0) -> tuple[str, float, list[Reason]]:
        """Texts to strangers, ``lo``-``hi`` an hour since the number was first seen, nothing back; read once
        the number has been at it for ``sustained`` seconds."""
        if s.age(t) < sustained:
            return typology, 0.0, []
        sms = float(s.k - s.kv)
        per_hour = sms * 3_600.0 / max(s.age(t), 600.0)
        value = ramp(sms, 20.0, 50.0) * ramp(per_hour, lo, hi) * ramp(s.f_new, 0.7, 0.9) * (
            _nothing_back(s.in_share))
        if value < self.cfg.candidate_floor:
            return typology, value, []
        return typology, value, [
            Reason("sms_sent", sms, 20.0, f"{sms:.0f} {what}"),
            Reason("sms_per_hour", per_hour, lo, f"{per_hour:.0f} SMS/hour since it was first seen"),
            Reason("new_recipient_share", s.f_new, 0.7, f"{_pct(s.f_new)} of recent recipients never texted before"),
            Reason("inbound_share", s.in_share, 0.02, f"{_pct(s.in_share)} of its traffic is replies or calls back"),
        ]

    def _explain(self, typology: str, s: NumberState, t: float, spoofed: bool = False) -> list[Reason]:
        """The features that drove ``typology``'s score, each with its value and the baseline it was read against.

        What the typology requires is always said (its value may be what kept the score from going higher);
        supporting evidence only where it counted (past the start of its ramp in :meth:`scores`): an analyst
        reading "0 active SIMs on its handset" under a farm alert would take it for a reason."""
        cfg = self.cfg
        age = s.age(t)
        rate = rate_per_hour(s.rate_h, TAU_H, age)
        gap_cv, dur_cv = _rhythm(s)
        sims_now = s.shared_handset(t)
        calls_per_hour = Reason("calls_per_hour", rate, cfg.busy_lo,
                                f"{rate:.0f} calls/hour against {cfg.busy_lo:.0f}/hour for a busy person")
        vol = [calls_per_hour] if rate >= cfg.busy_lo else []
        new = Reason("new_callee_share", s.f_new, s.h_new,
                     f"{_pct(s.f_new)} of recent callees never called before (habit {_pct(s.h_new)})")
        unreturned = [Reason("unreturned_calls", float(s.unreturned), 15.0,
                             f"{s.unreturned} calls out since anyone last called or texted it")
                      ] if _unreturned(s) > 0.0 else []
        sims = [Reason("sims_on_handset", float(sims_now), 1.0, f"its handset carried {sims_now} active SIMs today")
                ] if sims_now > 2 else []
        rotation = [Reason("handset_change_share", s.f_imei, 0.0,
                           f"moves to another handset (IMEI) on {_pct(s.f_imei)} of calls")]
        site = [Reason("cold_callers_in_cell", float(s.at_site(t)), 1.0,
                       f"{s.at_site(t)} numbers in its cell called strangers with nothing back in the last hour")
                ] if _cohort(s, t) > 0.0 else []
        off_hours = [Reason("off_hours_share", s.f_off, 0.1, f"{_pct(s.f_off)} of calls outside 07-21 local")]
        sequential = [Reason("sequential_share", s.f_seq, 0.3, f"{_pct(s.f_seq)} of callees next to a recent one")
                      ] if s.f_seq > 0.2 else []
        if typology == "wangiri":
            return [*vol, new,
                    Reason("unanswered_share", s.f_unans, 0.6, f"{_pct(s.f_unans)} of calls unanswered"),
                    *([Reason("one_ring_share", s.f_ring, 0.5, f"{_pct(s.f_ring)} rang for under 10 s")]
                      if s.f_ring > 0.0 else []),
                    *([Reason("callbacks_per_hour", s.cb_rate, 2.0, f"{s.cb_rate:.1f} callbacks/hour from rung numbers")]
                      if s.cb_rate >= 1.0 else []),
                    *([Reason("international_share", s.f_intl, 0.5, f"{_pct(s.f_intl)} of its calls cross a border")]
                      if s.f_intl >= 0.5 else []),
                    *sequential]
        if typology == "robocall":
            gaps = cv(s.g_mean, s.g_sq) if s.kv >= FAST_MIN_CALLS else gap_cv  # what named it, from 4 gaps on
            return [calls_per_hour, new,
                    # its rhythm only where it is a machine's (a robocall named on its pace alone has none)
                    *([Reason("gap_cv", gaps, 0.45, f"gaps between calls vary by {_pct(gaps)} (machine-like)")]
                      if gaps < EVEN_GAPS_CV else []),
                    *([Reason("duration_cv", dur_cv, 0.3,
                              f"answered durations vary by {_pct(dur_cv)} (one recorded message)")]
                      if dur_cv < ONE_MESSAGE_CV else []),
                    *sequential,
                    *([Reason("calls_at_once_share", s.f_ovl, 0.0,
                              f"{_pct(s.f_ovl)} of its calls placed while another of them was still on (a line "
                              "carrying several calls: a dialler, not a phone)")]
                      if s.f_ovl >= 0.2 and s.never_on_radio() else []),  # as the rule reads it
                    *([Reason("spoofed_caller_id", 1.0, 0.0,
                              "a caller ID of this network's own mobile ranges that its radio network never carried "
                              "(no cell, no handset): presented by someone who does not hold it")] if spoofed else [])]
        if typology == "scam_farm":
            texts = _sms_per_hour(s, rate)
            crowds = [Reason("sms_to_strangers_per_hour", texts, 20.0,
                             f"~{texts:.0f} SMS/hour to strangers beside its calls ({_pct(s.f_sms)} of its records)")
                      ] if _texting_crowds(s, rate) > 0.0 else []
            return [*vol, *unreturned, new, *crowds,
                    Reason("unanswered_or_short", s.f_unans + s.f_short, 0.5,
                           f"{_pct(s.f_unans + s.f_short)} of calls unanswered or hung up within 10 s"),
                    *([Reason("failed_share", s.f_fail, 0.02, f"{_pct(s.f_fail)} of calls to unallocated numbers")]
                      if _failed(s) > 0.0 else []),
                    *([Reason("inbound_share", s.in_share, 0.05,
                              f"only {_pct(s.in_share)} of its traffic is inbound{_untaken(s)}")]
                      if _nothing_back(s.taken_in_share()) > 0.0 else []),
                    *(off_hours if _off_hours(s) > 0.0 else []),
                    *sims, *(rotation if _rotating(s) > 0.0 else []), *site]
        if typology == "simbox":
            answered, conversations = _pooled_relay(s, _cohort(s, t))
            return [*vol, *unreturned, new, *sims,
                    *(rotation if s.f_imei > 0.02 else []),  # where the box's own ramp starts
                    *(off_hours if s.f_off > 0.03 else []),  # ... and a shared device's hours no office keeps
                    Reason("answered_share", answered, 0.5,
                           f"{_pct(answered)} of its calls (with its cell's silent callers') answered"),
                    Reason("conversation_share", conversations, 0.2,
                           f"{_pct(conversations)} of its calls (pooled likewise) went on for a minute or more"),
                    *site,
                    Reason("inbound_share", s.in_share, 0.03, f"{_pct(s.in_share)} inbound traffic{_untaken(s)}"),
                    Reason("sms_recent", s.sms_recent(), 1.0,
                           f"{s.sms_recent():.0f} SMS among its last {min(s.k, RECENT)} records"),
                    *([Reason("cell_change_share", s.f_cell, 0.15, f"changes cell on {_pct(s.f_cell)} of calls")]
                      if s.f_cell < 0.3 else [])]
        if typology == "irsf":
            today = s.intl_calls_today(t)
            # the volume that named it: to high-cost ranges, else to anywhere abroad, else over a working day
            if s.risky_rate > 1.5:
                volume = [Reason("risky_calls_per_hour", s.risky_rate, 1.5,
                                 f"{s.risky_rate:.1f} calls/hour to high-cost destinations"),
                          Reason("risky_minutes_per_hour", s.risky_s / 60.0, 10.0,
                                 f"{s.risky_s / 60.0:.0f} min/hour to high-cost destinations")]
            elif s.intl_rate > 3.0:
                volume = [Reason("calls_abroad_per_hour", s.intl_rate, 3.0,
                                 f"{s.intl_rate:.1f} calls/hour abroad, {s.intl_s / 60.0:.0f} min/hour on them")]
            else:
                share = min(1.0, s.abroad_share_today(t))
                volume = [Reason("calls_abroad_today", today, 3.0,
                                 f"{today:.0f} calls abroad over the last working day, on the line abroad {_pct(share)} of it")]
            return [*volume,
                    Reason("international_share", s.f_intl, s.h_intl,
                           f"{_pct(s.f_intl)} international calls (habit {_pct(s.h_intl)})"),
                    *([Reason("back_to_back_calls_abroad", float(s.pump), 1.0,
                              f"{s.pump + 1} calls abroad in a row, each placed within "
                              f"{PUMP_SLACK_S / 60:.0f} min of the end of a long one before it")] if s.pump else []),
                    new]
        # takeover
        post_new = s.post_new / s.post_n if s.post_n else 0.0
        circle = s.circle_before_swap()
        codes = s.sms_received_last_hour(s.t_last)
        where = "in a location area it had never been in" if s.swap_far > 0.0 else "in a cell it had never used"
        return [Reason("new_handset_in_new_place", 1.0, 0.0,
                       f"a new handset (IMEI) {where}, on a number with history"),
                Reason("new_callee_share_since_swap", post_new, s.h_new,
                       f"{_pct(post_new)} of {s.post_n} calls since then went to numbers not called before the swap"),
                Reason("circle_before_swap", float(circle), 3.0,
                       f"it had called or texted {circle} different numbers before the swap"),
                *([Reason("sms_received_last_hour", codes, 2.0,
                          f"{codes:.0f} SMS received in the last hour (one-time codes?)")] if codes >= 1.0 else []),
                *([Reason("international_share_since_swap", s.post_intl / s.post_n, 0.1,
                          f"{s.post_intl} of {s.post_n} calls since then went abroad")] if s.post_intl else []),
                *(off_hours if _off_hours(s) > 0.0 else [])]
