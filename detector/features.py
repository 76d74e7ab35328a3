"""Rolling per-entity state, updated one CDR at a time in event time.

:class:`NumberState` is everything the detector remembers about one telephone number, both as a caller
(outbound calls and SMS) and as a callee (inbound calls, callbacks).  :class:`HandsetState` is what it
remembers about one IMEI.  Both are fixed-size: a few dozen floats and two 512-bit Bloom generations, so
memory per tracked number is bounded whatever the number does.

Ratios are exponentially weighted over the number's own recent calls (``A_FAST``: about the last 16, so a
change of behaviour shows within a handful of calls) and over its habit (``A_SLOW``: about the last 128).
Volumes are counts decayed in event time.  Both are bias-corrected, so a SIM first seen a minute ago reads
its true rate instead of zero.
"""

from __future__ import annotations

import math
from typing import Final

from .sketches import BLOOM_ROTATE, bloom_bits, place_bits, rate_per_hour, text_crc

TAU_M: Final = 600.0  # 10-minute volume: reacts within minutes
TAU_H: Final = 3_600.0  # hourly volume: what "busy" means
TAU_D: Final = 21_600.0  # a working day's memory: fraud kept low and slow still adds up over hours
A_FAST: Final = 1.0 / 16  # recent behaviour: ~16 calls
RECENT: Final = 16  # records 'recent' means: 1 / A_FAST
A_SLOW: Final = 1.0 / 128  # habit: ~128 calls, to compare recent behaviour against
HABIT: Final = 128  # records 'habit' means: 1 / A_SLOW
A_IN: Final = 1.0 / 32  # inbound share of all events
SHORT_S: Final = 10.0  # an answered call under 10 s is a hang-up, not a conversation
CONV_S: Final = 60.0  # an answered call of a minute or more is a conversation: what honest calls mostly become
PUMP_LONG_S: Final = 600.0  # a call abroad of ten minutes or more ...
PUMP_SLACK_S: Final = 120.0  # ... and the next call abroad placed within two minutes of its end: back to back
CONTINUED_S: Final = 0.5  # a record to the same callee starting the very second the last one ended continues it
# (a switch that cuts a long call into partial records): no new call was placed.  A dialler redialling takes a
# second or more (gen5's hacked PBX pumps a premium number 1-2 s after each hang-up).
OVERLAP_SLACK_S: Final = 1.0  # start times and durations are written to the second: a call starting within a
# second of the previous one's end is the next call, not a second one at once
RING_S: Final = 10.0  # an unanswered call that rang under 10 s is a "one-ring" (wangiri lure)
CALLBACK_WINDOW_S: Final = 7_200.0  # a call to whoever rang you within 2 h is a callback
SEQ_SPAN: Final = 100  # callees within 100 of a recent callee: scanning a number range
SCATTER_BLOCK: Final = 1_000  # a number block of a thousand: a leased premium range, or one exchange's lines
WORK_START_H: Final = 7  # 07:00-21:00 local time is when honest businesses call
WORK_END_H: Final = 21
SWAP_WINDOW_S: Final = 10_800.0  # a new handset, then a place the number was never seen in within 3 h: a "swap"
HANDSET_MAX_SIMS: Final = 16  # SIMs remembered per handset (the most recent); a SIM bank shows long before 16
HANDSET_SIM_TTL_S: Final = 86_400.0  # a SIM unseen on a handset for a day no longer counts as on it
SWAP_ACTIVE_S: Final = 43_200.0  # a swap is news for 12 h
SWAP_MIN_HISTORY_S: Final = 3_600.0  # ... on a number seen calling out at least 1 h before (else it is just new)
SITE_MAX_SIMS: Final = 32  # cold callers remembered per cell (the most recent)
SITE_ACTIVE_S: Final = 3_600.0  # a cold caller seen in a cell within the hour is active there
COLD_IN_SHARE: Final = 0.05  # below this share of inbound traffic a number "gets nothing back"


class NumberState:
    """Rolling features of one number.  Plain floats in slots: the hot loop reads and writes them directly."""

    __slots__ = (
        "t_first", "t_last", "tv_last", "tv_end", "k", "kv",
        "rate_m", "rate_h",
        "f_unans", "f_short", "f_conv", "f_ring", "f_lring", "f_fail", "f_new", "f_seq", "f_intl", "f_risky", "f_off", "f_cell",
        "f_scat", "f_ovl", "pump", "f_sms", "f_imei", "h_new", "h_intl", "h_off", "h_ans", "h_short", "h_conv",
        "g_mean", "g_sq", "d_mean", "d_sq", "nd",
        "risky_rate", "risky_s", "intl_rate", "intl_s", "intl_d", "intl_ds", "intl_dt",
        "in_t", "in_rate", "in_share", "in_taken", "unreturned", "cb_rate", "rung_t", "rung_by", "in_sms", "in_sms_t",
        "bloom_cur", "bloom_prev", "bloom_n", "c1", "c2", "c3",
        "imei", "imei_t", "cell", "places", "areas", "home_t", "away_t", "swap_t", "swap_far", "post_n", "post_new", "post_intl",
        "post_seen",
        "hs_sims", "hs_t", "hs_rate",
        "site_sims", "site_t", "site_rate", "site_calls", "site_ans", "site_short", "site_conv",
    )  # fmt: skip

    def __init__(self) -> None:
        self.t_first = -1.0  # first outbound event; -1 = never called out
        self.t_last = 0.0  # last outbound event (call or SMS)
        self.tv_last = 0.0  # last outbound voice call: volumes and gaps are about calls
        self.tv_end = 0.0  # when the latest-ending of its calls ended (start + duration)
        self.k = 0  # outbound events (voice + sms)
        self.kv = 0  # outbound voice calls
        self.rate_m = self.rate_h = 0.0
        self.f_unans = self.f_short = self.f_conv = self.f_ring = self.f_lring = self.f_fail = self.f_new = self.f_seq = 0.0
        self.f_intl = self.f_risky = self.f_off = self.f_cell = self.f_sms = self.f_imei = 0.0
        self.f_scat = 0.0  # calls abroad to a thousand-block none of the last three callees was in
        self.f_ovl = 0.0  # calls placed while another of its calls was still on: a line carrying several at once
        self.pump = 0  # long calls abroad in a row, each placed back to back after the last (PUMP_SLACK_S)
        self.h_new = self.h_intl = self.h_off = 0.0
        # Answered calls, hung up within seconds, talked through (``A_SLOW``): the number's own record of how
        # people take its calls, a day of a busy line's calls where the recent shares hold a handful of answers.
        self.h_ans = self.h_short = self.h_conv = 0.0
        self.g_mean = self.g_sq = self.d_mean = self.d_sq = 0.0
        self.nd = 0
        self.risky_rate = self.risky_s = 0.0  # calls/hour and talk seconds/hour to high-risk destinations
        self.intl_rate = self.intl_s = 0.0  # ... and to any destination abroad (outside the home country)
        self.intl_d = 0.0  # calls abroad over a working day (TAU_D), decayed lazily from intl_dt
        self.intl_ds = 0.0  # ... and their talk seconds
        self.intl_dt = 0.0
        self.in_t = 0.0
        self.in_rate = self.in_share = self.cb_rate = 0.0
        self.in_taken = 0  # calls in that it answered (counted to 255): someone is behind the SIM
        self.unreturned = 0  # calls made since anyone last called or texted this number
        self.rung_t = -1.0
        self.in_sms = 0.0  # SMS received, decayed over an hour: one-time codes arrive in bursts
        self.in_sms_t = 0.0
        self.rung_by = 0
        self.bloom_cur = self.bloom_prev = 0
        self.bloom_n = 0
        self.c1 = self.c2 = self.c3 = 0
        self.imei: str | None = None
        self.imei_t = -1.0  # when the handset last changed on a number seen in places before (-1: never)
        self.cell: str | None = None
        self.places = 0  # cells this number has been seen in (a 62-bit Bloom filter, see ``place_bits``)
        self.areas = 0  # ... and their location areas (another filter: together they would fill one)
        self.home_t = -1.0  # last seen in one of those places
        self.away_t = -1.0  # last seen in a place it had never been before
        self.swap_t = -1.0  # when a new handset turned up in a new place (possible SIM swap); -1: never
        self.swap_far = 0.0  # 1.0: ... in a location area (the cell id less its last part) it had never been in
        self.post_n = 0  # outbound events since that swap, and how many went to strangers / abroad
        self.post_new = 0  # (a stranger: a number it had not called before the swap, however often since)
        self.post_intl = 0
        self.post_seen = 0  # the strangers called since the swap (a Bloom filter like the callee memory's)
        self.hs_sims = 0  # SIMs active on this number's handset, as last reported by the handset stage
        self.hs_t = -1.0
        self.hs_rate = 0.0  # ... and how many calls/hour that handset makes with all its SIMs
        self.site_sims = 0  # cold callers active in this number's cell, as last reported by the site stage
        self.site_t = -1.0
        self.site_rate = 0.0  # ... their cold calls/hour together, and of those (decayed counts) how many
        self.site_calls = 0.0  # ... their cold calls (decayed count), of which how many
        self.site_ans = self.site_short = self.site_conv = 0.0  # were answered, hung up at once, conversations

    # -- outbound -------------------------------------------------------------------------------------
    def on_outbound(
        self, t: float, offset_min: int, callee_key: int, duration: float, answered: bool, failed: bool,
        voice: bool, intl: bool, risky: bool, imei: str | None, cell: str | None, abroad: bool | None = None,
    ) -> bool:
        """Update from a call or SMS this number made.  Returns True when it is a callback after a ring.

        ``intl``: the callee's country is not the caller's.  ``abroad`` (default: ``intl``): the call leaves
        the network's home country, the traffic IRSF lives on; a foreign visitor or caller ringing home-network
        numbers is ``intl`` but not ``abroad``."""
        k = self.k
        first = k == 0
        if first:
            self.t_first = t
        self.k = k + 1

        # Callee memory: new callee?  Two Bloom generations = memory of the last 64..128 distinct callees.
        bits = bloom_bits(callee_key)
        new = (self.bloom_cur & bits) != bits and (self.bloom_prev & bits) != bits
        if new:
            self.bloom_cur |= bits
            n = self.bloom_n + 1
            if n >= BLOOM_ROTATE:
                self.bloom_prev = self.bloom_cur
                self.bloom_cur = 0
                n = 0
            self.bloom_n = n
        callback = self.rung_t >= 0.0 and t - self.rung_t <= CALLBACK_WINDOW_S and (
            callee_key == self.rung_by or new
        )
        self.in_share -= A_IN * self.in_share

        # Handset and place.
        imeichg = 0.0
        if imei is not None:
            if self.imei is not None and imei != self.imei:
                imeichg = 1.0
                if self.places:  # news about a swap only on a number seen in places before: else none is new
                    self.imei_t = t
            self.imei = imei
        cellchg = 0.0
        swapped = self.swap_t >= 0.0 and t - self.swap_t < SWAP_ACTIVE_S
        learn = learn_area = 0  # a place seen for the first time (and its area), learned unless a swap is open
        far = False  # ... and it is in an area never seen either
        if cell is not None:
            # Known places: an honest owner with a new phone uses it where he always is; a SIM swapped into a
            # fraudster's handset turns up somewhere the number has never been.  While a swap is open the
            # fraudster's places are not learned, and the owner's old places still tell him apart.  A call
            # from the same cell as the last one, on the same handset, is where that one was (a visit to a new
            # place stays new); a new handset where the old one just was is the owner's.
            if cell == self.cell and not imeichg:
                if self.home_t >= self.away_t:
                    self.home_t = t
                else:
                    self.away_t = t
            else:
                if self.cell is not None and cell != self.cell:
                    cellchg = 1.0
                self.cell = cell
                pb = place_bits(cell)
                area = place_bits(cell.rsplit("-", 1)[0])  # its location area
                # Seen before only if its area was too: the filter's bits can collide, an area never seen cannot
                # hold a cell that was.
                if (self.places & pb) == pb and (self.areas & area) == area:
                    self.home_t = t
                    if swapped and imei is not None:
                        self.swap_t = -1.0  # the new handset is back where the owner lives: his own new phone
                        swapped = False
                else:
                    self.away_t = t
                    learn = pb
                    learn_area = area  # learned with it
                    far = (self.areas & area) != area
        imei_t = self.imei_t
        if (imeichg or cellchg) and imei_t >= 0.0 and self.home_t < imei_t <= self.away_t and (
            self.away_t - imei_t <= SWAP_WINDOW_S and imei_t - self.t_first >= SWAP_MIN_HISTORY_S
        ) and self.swap_t < imei_t and not swapped:
            self.swap_t = t
            self.swap_far = 1.0 if far else 0.0
            self.post_n = self.post_new = self.post_intl = self.post_seen = 0
        elif learn and not swapped:
            self.places |= learn
            self.areas |= learn_area
        if self.swap_t >= 0.0:
            self.post_n += 1
            if new:
                self.post_new += 1
                self.post_seen |= bits
            elif (self.post_seen & bits) == bits:  # the fraudster calling the victim's bank again and again
                self.post_new += 1
            if intl:
                self.post_intl += 1

        a = 1.0 / (k + 1)
        if a < A_FAST:
            a = A_FAST
        self.f_sms += a * ((0.0 if voice else 1.0) - self.f_sms)
        x_new = 1.0 if new else 0.0
        self.f_new += a * (x_new - self.f_new)
        h = 1.0 / (k + 1)
        if h < A_SLOW:
            h = A_SLOW
        self.h_new += h * (x_new - self.h_new)
        self.f_cell += a * (cellchg - self.f_cell)
        self.f_imei += a * (imeichg - self.f_imei)
        if not voice:
            if t > self.t_last:
                self.t_last = t
            return callback

        # Voice call features.
        leaves = intl if abroad is None else abroad  # the call leaves the home country (see ``abroad``)
        kv = self.kv
        self.kv = kv + 1
        self.unreturned += 1
        prev = self.tv_last  # the start of its last call
        dt = t - prev if kv else 0.0
        if dt < 0.0:
            dt = 0.0  # out-of-order within tolerance: treat as simultaneous, and keep the later time
        else:
            self.tv_last = t
        a = 1.0 / (kv + 1)
        if a < A_FAST:
            a = A_FAST
        h = 1.0 / (kv + 1)
        if h < A_SLOW:
            h = A_SLOW
        # A call abroad placed within PUMP_SLACK_S of the end of a long call abroad (the last call was abroad if
        # the last call abroad started when it did): a line kept on the line abroad.  Any other call ends the run;
        # the next partial record of the same call (same callee, from the very second the last one ended) is no call.
        end = self.tv_end
        if leaves and kv and self.intl_dt == prev \
                and end - prev >= PUMP_LONG_S and 0.0 <= t - end <= PUMP_SLACK_S:
            if callee_key != self.c1 or t - end > CONTINUED_S:
                self.pump += 1
        else:
            self.pump = 0
        # A phone holds one call at a time; a trunk or a dialler places the next before the last has ended.
        self.f_ovl += a * ((1.0 if kv and t < end - OVERLAP_SLACK_S else 0.0) - self.f_ovl)
        if t + duration > end:
            self.tv_end = t + duration
        em = math.exp(-dt / TAU_M)
        eh = math.exp(-dt / TAU_H)
        self.rate_m = self.rate_m * em + 1.0
        self.rate_h = self.rate_h * eh + 1.0
        if kv:
            ag = 1.0 / kv if kv < 16 else A_FAST
            self.g_mean += ag * (dt - self.g_mean)
            self.g_sq += ag * (dt * dt - self.g_sq)
        self.f_unans += a * ((0.0 if answered else 1.0) - self.f_unans)
        self.f_short += a * ((1.0 if answered and duration < SHORT_S else 0.0) - self.f_short)
        self.f_conv += a * ((1.0 if answered and duration >= CONV_S else 0.0) - self.f_conv)
        self.h_ans += h * ((1.0 if answered else 0.0) - self.h_ans)
        self.h_short += h * ((1.0 if answered and duration < SHORT_S else 0.0) - self.h_short)
        self.h_conv += h * ((1.0 if answered and duration >= CONV_S else 0.0) - self.h_conv)
        # 0 s is no ring time recorded (many switches write 0 for every unanswered call), not a one-ring.
        self.f_ring += a * ((1.0 if not answered and 0.0 < duration < RING_S else 0.0) - self.f_ring)
        self.f_lring += a * ((1.0 if not answered and duration >= RING_S else 0.0) - self.f_lring)  # let it ring
        self.f_fail += a * ((1.0 if failed else 0.0) - self.f_fail)
        if answered:
            nd = self.nd + 1
            self.nd = nd
            ad = 1.0 / nd if nd < 16 else A_FAST
            self.d_mean += ad * (duration - self.d_mean)
            self.d_sq += ad * (duration * duration - self.d_sq)
        c1 = self.c1
        if intl:
            # Premium-rate fraud pumps a few leased ranges; people abroad (a call shop's customers' families, a
            # firm's partners) are scattered over the world's numbering plans.
            block = callee_key // SCATTER_BLOCK
            near = (c1 != 0 and c1 // SCATTER_BLOCK == block) or (self.c2 != 0 and self.c2 // SCATTER_BLOCK == block) \
                or (self.c3 != 0 and self.c3 // SCATTER_BLOCK == block)
            self.f_scat += a * ((0.0 if near else 1.0) - self.f_scat)
        seq = 1.0 if (
            (c1 and 0 < abs(callee_key - c1) <= SEQ_SPAN)
            or (self.c2 and 0 < abs(callee_key - self.c2) <= SEQ_SPAN)
            or (self.c3 and 0 < abs(callee_key - self.c3) <= SEQ_SPAN)
        ) else 0.0
        self.c3 = self.c2
        self.c2 = c1
        self.c1 = callee_key
        self.f_seq += a * (seq - self.f_seq)
        x = 1.0 if intl else 0.0
        self.f_intl += a * (x - self.f_intl)
        self.h_intl += h * (x - self.h_intl)
        self.risky_rate *= eh
        self.risky_s *= eh
        self.intl_rate *= eh
        self.intl_s *= eh
        if leaves:
            self.intl_rate += 1.0
            self.intl_s += duration
            self.intl_d = self.decayed(self.intl_d, self.intl_dt, t, TAU_D) + 1.0
            self.intl_ds = self.decayed(self.intl_ds, self.intl_dt, t, TAU_D) + duration
            if t > self.intl_dt:
                self.intl_dt = t
        if risky:
            self.f_risky += a * (1.0 - self.f_risky)
            self.risky_rate += 1.0
            self.risky_s += duration
        else:
            self.f_risky -= a * self.f_risky
        hour = ((t + offset_min * 60) % 86_400.0) // 3600.0
        x = 1.0 if hour < WORK_START_H or hour >= WORK_END_H else 0.0
        self.f_off += a * (x - self.f_off)
        self.h_off += h * (x - self.h_off)
        if t > self.t_last:
            self.t_last = t
        return callback

    # -- inbound --------------------------------------------------------------------------------------
    def on_inbound(self, t: float, caller_key: int, duration: float, answered: bool, voice: bool,
                   callback: bool) -> None:
        """Update from a call this number received.  ``callback``: the caller was recently rung by someone."""
        self.in_share += A_IN * (1.0 - self.in_share)
        if answered and voice and self.in_taken < 255:
            self.in_taken += 1
        self.unreturned = 0
        if not voice:
            dt = t - self.in_sms_t
            if dt < 0.0:
                dt = 0.0
            else:
                self.in_sms_t = t
            self.in_sms = self.in_sms * math.exp(-dt / TAU_H) + 1.0
            return
        dt = t - self.in_t
        if dt < 0.0:
            dt = 0.0
        else:
            self.in_t = t
        eh = math.exp(-dt / TAU_H)
        self.in_rate = self.in_rate * eh + 1.0
        self.cb_rate = self.cb_rate * eh + (1.0 if callback and answered else 0.0)
        if not answered and duration < RING_S:
            self.rung_t = t
            self.rung_by = caller_key

    def on_handset(self, t: float, sims: int, rate: float) -> None:
        """Evidence from the handset stage: this number's handset carries ``sims`` active SIMs making
        ``rate`` calls/hour together."""
        self.hs_sims = sims
        self.hs_t = t
        self.hs_rate = rate

    def on_site(self, t: float, sims: int, rate: float, calls: float, ans: float, short: float, conv: float) -> None:
        """Evidence from the site stage: ``sims`` cold callers (this one included) in this number's cell make
        ``rate`` cold calls/hour; of their ``calls`` (decayed counts) ``ans`` were answered, ``short`` hung up
        within ``SHORT_S``, ``conv`` conversations."""
        self.site_sims = sims
        self.site_t = t
        self.site_rate = rate
        self.site_calls = calls
        self.site_ans = ans
        self.site_short = short
        self.site_conv = conv

    def at_site(self, t: float) -> int:
        """Cold callers reported in this number's cell within the last hour, else 0."""
        return self.site_sims if self.site_t >= 0.0 and t - self.site_t < SITE_ACTIVE_S else 0

    def never_on_radio(self) -> bool:
        """No call of it ever named a cell or a handset: in a stream that names them for its SIMs, a number that
        came in from outside the radio network (a fixed line, a trunk, another network, a spoofed caller ID)."""
        return self.cell is None and self.imei is None

    def is_cold(self) -> bool:
        """Calling strangers with nothing back: what every SIM of a farm does (and an honest cold caller)."""
        return self.kv >= 2 and self.f_new >= 0.5 and self.in_share < COLD_IN_SHARE and self.unreturned >= 2

    def last_activity(self) -> float:
        """Event time this number was last seen, calling or called: idle state expires from here."""
        return max(self.t_last, self.in_t)

    def intl_calls_today(self, t: float) -> float:
        """Foreign calls over the last working day (decayed with ``TAU_D``)."""
        return self.decayed(self.intl_d, self.intl_dt, t, TAU_D)

    def abroad_share_today(self, t: float) -> float:
        """Share of the last working day spent on calls abroad (age-corrected like ``rate_per_hour``)."""
        window = TAU_D * (1.0 - math.exp(-max(self.age(t), 3_600.0) / TAU_D))
        return self.decayed(self.intl_ds, self.intl_dt, t, TAU_D) / window

    def sms_received_last_hour(self, t: float) -> float:
        return self.decayed(self.in_sms, self.in_sms_t, t, TAU_H)

    def circle_before_swap(self) -> int:
        """How many numbers it had called or texted before its open swap (about: the callee memory's distinct
        entries, less the strangers it reached since, two filter bits each)."""
        known = self.bloom_n + (BLOOM_ROTATE if self.bloom_prev else 0)
        return known - self.post_seen.bit_count() // 2

    def taken_in_share(self) -> float:
        """The inbound share, once the number has answered a call in; 0 before: calls in that nobody took and
        texts in say nothing of a person behind the SIM (a box's relatives ringing back, its own SIMs' texts)."""
        return self.in_share if self.in_taken else 0.0

    def swapped_recently(self, t: float) -> bool:
        """A new handset in a new place in the last 12 h (see ``swap_t``)."""
        return self.swap_t >= 0.0 and t - self.swap_t < SWAP_ACTIVE_S

    def sms_recent(self) -> float:
        """SMS among its last (at most) sixteen records: a count, since one SMS in a young number's first few
        records is a large share and no texting habit."""
        return self.f_sms * min(self.k, RECENT)

    def shared_handset(self, t: float) -> int:
        """Active SIMs on this number's handset if reported within the last day, else 0."""
        return self.hs_sims if self.hs_t >= 0.0 and t - self.hs_t < 86_400.0 else 0

    # -- reading --------------------------------------------------------------------------------------
    def age(self, t: float) -> float:
        return t - self.t_first if self.t_first >= 0.0 else 0.0

    def decayed(self, value: float, since: float, t: float, tau: float) -> float:
        """``value`` recorded at ``since`` as seen at ``t``."""
        dt = t - since
        return value * math.exp(-dt / tau) if dt > 0.0 else value


def state_fields(cls: type) -> tuple[str, ...]:
    """The per-instance fields of a state class, in a canonical (sorted) order that is the same for the
    pure-Python classes (``__slots__``) and their mypyc-compiled builds (``__mypyc_attrs__``): codecs that
    serialise state field by field use it, so a pure and a compiled worker read each other's changelogs."""
    names: tuple[str, ...] = tuple(getattr(cls, "__slots__", ()) or getattr(cls, "__mypyc_attrs__", ()))
    return tuple(sorted(n for n in names if not n.startswith("__")))


def number_layout() -> tuple[tuple[str, str], ...]:
    """Each :class:`NumberState` field (:func:`state_fields` order) and its kind, from a fresh state's value:
    ``f`` float, ``i`` int, ``s`` str or None.  The changelog's binary record of a number follows it
    (:mod:`detector.statevalues`, generated from it), so a field that changes kind changes the record's layout
    fingerprint instead of being misread."""
    s = NumberState()
    kinds: dict[type, str] = {float: "f", int: "i", type(None): "s"}
    return tuple((name, kinds[type(getattr(s, name))]) for name in state_fields(NumberState))


def _remember(sims: dict[int, float], key: int, t: float, cap: int) -> int | None:
    """Note ``key`` seen at ``t`` in a dict kept in recency order (insertion order), forgetting the oldest
    beyond ``cap``: bounded memory of who used a handset or a cell.  Returns the key forgotten, if any."""
    if key in sims:
        if len(sims) == 1:  # already the most recent (a phone's one SIM): no re-insertion, no table growth
            sims[key] = t
            return None
        del sims[key]  # re-insert to keep insertion order = recency order
    sims[key] = t
    if len(sims) > cap:
        oldest = next(iter(sims))
        del sims[oldest]
        return oldest
    return None


def _seen_since(sims: dict[int, float], horizon: float) -> int:
    """How many of the remembered keys were seen at or after ``horizon``."""
    active = 0
    for seen in sims.values():
        if seen >= horizon:
            active += 1
    return active


def handset_key(imei: str) -> str:
    """The block of ten serials an IMEI belongs to (TAC and serial less its last digit): the handset stage's
    key, so a multi-module gateway's modules (consecutive serials) share one state (see :class:`HandsetState`).
    An IMEI too short to be one is kept as it is."""
    return imei[:13] if len(imei) >= 14 else imei


def device_spot(imei: str, cell: str | None) -> int:
    """Which device of its serial block a call came from (the serial's last digit) and, when the record says,
    from which cell (a CRC-32 of its id; 0: unknown), packed in one int for :meth:`HandsetState.on_call`.
    The check digit and an IMEISV's software version (digits 15-16) name the same device."""
    digit = ord(imei[13]) - 48 if len(imei) >= 14 else 0
    if cell is None:
        return digit
    return ((text_crc(cell) | 1) << 4) | (digit & 15)


class HandsetState:
    """Which SIMs use one device and how much they call: SIM-boxes and call farms show here.

    Keyed by a block of ten consecutive serials (:func:`handset_key`).  A multi-module GSM gateway (a SIM-box,
    a farm's bank) carries one IMEI per module with consecutive serials, so its SIMs would hide one per
    "phone" if each IMEI were a device.  But phones are also sold, and written into records, with consecutive
    serials: in a network whose subscribers' IMEIs run in sequence every ten strangers share a block.  A
    gateway stands in one place, its modules in one cell; strangers with neighbouring serials do not.  So the
    SIMs counted for a call are those on the same device (same serial) or, across the block, in the same
    cell: a box's SIMs count wherever they call from, a gateway's modules where they stand together, and
    strangers only with themselves.

    Keeps at most ``HANDSET_MAX_SIMS`` SIMs (the most recent); a SIM unseen for ``HANDSET_SIM_TTL_S`` no longer
    counts, so a second-hand phone with a new owner does not read as a SIM-box.
    """

    __slots__ = ("sims", "spots", "rate_h", "t_first", "t_last")

    def __init__(self) -> None:
        self.sims: dict[int, float] = {}  # SIM (number_key) -> last seen, in recency order
        self.spots: dict[int, int] = {}  # SIM -> its last call's device and cell (:func:`device_spot`)
        self.rate_h = 0.0
        self.t_first = -1.0
        self.t_last = 0.0

    def last_activity(self) -> float:
        return self.t_last

    def calls_per_hour(self) -> float:
        """Calls per hour of all its SIMs together, corrected for a handset first seen minutes ago."""
        return rate_per_hour(self.rate_h, TAU_H, self.t_last - self.t_first) if self.t_first >= 0.0 else 0.0

    def on_call(self, t: float, caller_key: int, voice: bool, spot: int = 0) -> int:
        """Update from an outbound event from ``spot`` (:func:`device_spot`; 0: the block's first device, no
        cell); return how many SIMs were active in the last day on its device or, across the serial block, in
        its cell."""
        sims = self.sims
        spots = self.spots
        spots[caller_key] = spot
        forgotten = _remember(sims, caller_key, t, HANDSET_MAX_SIMS)
        if forgotten is not None:
            del spots[forgotten]
        if voice:
            if self.t_first < 0.0:
                self.t_first = self.t_last = t
            dt = t - self.t_last
            if dt < 0.0:
                dt = 0.0
            else:
                self.t_last = t
            self.rate_h = self.rate_h * math.exp(-dt / TAU_H) + 1.0
        horizon = t - HANDSET_SIM_TTL_S
        device = spot & 15
        place = spot >> 4
        on_device = in_cell = 0
        for sim, seen in sims.items():
            if seen >= horizon:
                other = spots.get(sim, -1)
                if other >= 0:
                    if other & 15 == device:
                        on_device += 1
                    if place and other >> 4 == place:
                        in_cell += 1
        return on_device if on_device >= in_cell else in_cell


class SiteState:
    """Cold calls (to strangers, with nothing back) made from one cell: the SIMs of a farm pool evidence here.

    One SIM of a farm makes a few calls an hour, too few to judge within minutes how people take its calls;
    its dozen sister SIMs in the same cell make enough.  Only cold calls count, so the honest traffic of a
    busy cell neither dilutes the pool nor costs memory: at most ``SITE_MAX_SIMS`` SIMs and five floats.
    """

    __slots__ = ("sims", "t_first", "t_last", "calls", "ans", "short", "conv")

    def __init__(self) -> None:
        self.sims: dict[int, float] = {}
        self.t_first = -1.0
        self.t_last = 0.0
        self.calls = self.ans = self.short = self.conv = 0.0  # decayed over TAU_H

    def last_activity(self) -> float:
        return self.t_last

    def calls_per_hour(self) -> float:
        """Cold calls per hour from this cell, corrected for a cell first seen minutes ago."""
        return rate_per_hour(self.calls, TAU_H, self.t_last - self.t_first) if self.t_first >= 0.0 else 0.0

    def on_call(self, t: float, caller_key: int, answered: bool, duration: float) -> int:
        """Count one cold call; return how many cold callers were active in this cell in the last hour."""
        if self.t_first < 0.0:
            self.t_first = self.t_last = t
        dt = t - self.t_last
        if dt < 0.0:
            dt = 0.0
        else:
            self.t_last = t
        e = math.exp(-dt / TAU_H)
        self.calls = self.calls * e + 1.0
        self.ans *= e
        self.short *= e
        self.conv *= e
        if answered:
            self.ans += 1.0
            if duration < SHORT_S:
                self.short += 1.0
            elif duration >= CONV_S:
                self.conv += 1.0
        sims = self.sims
        _remember(sims, caller_key, t, SITE_MAX_SIMS)
        return _seen_since(sims, t - SITE_ACTIVE_S)
