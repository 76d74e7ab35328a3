"""Entity stages: each owns the state of one kind of key and turns CDRs into candidates.

A stage takes its state store as an argument (a plain ``dict`` in replay, the ``dict`` behind a faust table in
the worker) so the same code runs in both.  Typed ``dict`` rather than ``MutableMapping``: mypyc then reads it
with its dict primitives instead of a method call per look-up.  Stages never read each other's stores: what one
needs from another travels with the record (the caller stage's ``callback`` flag, handed to the callee stage),
which is what lets the worker repartition between them.
"""

from __future__ import annotations

from typing import Final, Protocol

from .features import HandsetState, NumberState, SiteState, device_spot, handset_key
from .numbering import DestinationRarity, OwnRanges, RadioConvention, RingConvention, country_code
from .records import Candidate, Cdr, Reason
from .typologies import NumberRules

SMS_LURE_MIN: Final = 20  # SMS sent before a texter is looked at (a foreign sender's lures, an SMS blaster)
TEXTER_MAX_CALLS: Final = 3  # from three calls on, texts are judged against the calls (NumberRules.gate)


class NumberModel(Protocol):
    """What the caller stage needs of the online model (:class:`detector.model.AnomalyModel`).

    A protocol rather than an import, so this module stays free of river and can be compiled (mypyc).
    """

    def observe(self, s: NumberState, t: float) -> None: ...

    def evidence(self, s: NumberState, t: float) -> float: ...


class CallerStage:
    """Keyed by the calling number: outbound features, typology rules, the online model."""

    name = "caller"

    def __init__(self, rules: NumberRules, model: NumberModel, rarity: DestinationRarity | None = None,
                 home_utc_offset_min: int = 0) -> None:
        self.rules = rules
        self.model = model
        self.rarity = rarity or DestinationRarity()
        self.rings = RingConvention()
        self.radio = RadioConvention()
        self.ranges = OwnRanges()
        self.home_offset = home_utc_offset_min  # local time of records written in UTC (DetectorConfig)

    def on_handset(self, store: dict[str, NumberState], number: str, t: float, sims: int,
                   rate: float) -> None:
        """Handset evidence routed back to the number (see :class:`HandsetStage`)."""
        s = store.get(number)
        if s is not None:
            s.on_handset(t, sims, rate)

    def on_site(self, store: dict[str, NumberState], number: str, t: float,
                ev: tuple[int, float, float, float, float, float]) -> None:
        """Site evidence routed back to the number (see :class:`SiteStage`)."""
        s = store.get(number)
        if s is not None:
            s.on_site(t, ev[0], ev[1], ev[2], ev[3], ev[4], ev[5])

    def is_cold(self, store: dict[str, NumberState], cdr: Cdr) -> bool:
        """Whether this voice call (already through :meth:`process`) is a cold call, for the site stage."""
        if cdr.cell_id is None or cdr.record_type != "voice":
            return False
        s = store.get(cdr.caller)
        return s is not None and s.is_cold()

    def process(self, store: dict[str, NumberState], cdr: Cdr) -> tuple[Candidate | None, bool]:
        """Update the caller's state; return (candidate or None, whether this call is a callback after a ring)."""
        number = cdr.caller
        s = store.get(number)
        if s is None:
            s = NumberState()
            store[number] = s
        callee = cdr.callee
        voice = cdr.record_type == "voice"
        cc_to = country_code(callee)
        intl = cc_to != country_code(number)
        risky = False
        abroad = intl
        carried = cdr.cell_id is not None or cdr.imei is not None  # the radio network carried it
        if voice:
            rarity = self.rarity
            rarity.observe(cc_to)
            if cdr.disposition != "answered":
                self.rings.observe(cdr.duration > 0.0)
            self.radio.observe(carried)
            if s.kv == 0:  # the number's first call
                self.ranges.observe(number, carried)
            if intl:
                risky = rarity.is_risky(cc_to)
                abroad = not rarity.is_home(cc_to)
        t = cdr.start
        callback = s.on_outbound(
            t, cdr.utc_offset_min or self.home_offset, cdr.callee_key, cdr.duration, cdr.disposition == "answered",
            cdr.disposition == "failed", voice, intl, risky, cdr.imei, cdr.cell_id, abroad,
        )
        if not voice and not s.swapped_recently(t):
            if s.k - s.kv >= SMS_LURE_MIN:
                if intl and self.rarity.is_home(cc_to) and not self.rarity.is_home(country_code(number)):
                    return self._texts(s, cdr, False), callback  # from abroad into this network
                if s.kv < TEXTER_MAX_CALLS and carried:
                    return self._texts(s, cdr, True), callback  # a SIM that (nearly) only texts
            return None, callback
        if voice:
            self.model.observe(s, t)
        rules = self.rules
        radio_known = self.radio.known()
        spoofed = self._spoofed(s, number, radio_known)
        if not rules.gate(s, t, radio_known, spoofed):
            return None, callback
        # NumberRules.score() without its reasons: the best typology and its score.  Reasons and the model's
        # evidence (a tree ensemble's score: more than the rest of the record) are what most candidates never
        # need, so the policy asks for them through complete() when they can change its answer.
        typology, score = rules.best(s, rules.scores(s, t, self.rings.known(), radio_known, spoofed), t,
                                     radio_known and s.never_on_radio())
        if score < rules.cfg.candidate_floor:
            return None, callback
        return Candidate(number, typology, score, t, cdr.utc_offset_min, cdr.cdr_id, s.k, [], self.name, 0.0,
                         True), callback

    def diagnose(self, store: dict[str, NumberState], cdr: Cdr) -> tuple[bool, dict[str, float]]:
        """(whether :meth:`process` scored this record of the caller's, every typology's score) as the rules read
        the caller's state now: for ``explain``, which shows what the rules made of a number record by record.
        A text is scored only on a number just swapped to a new handset (others' texts are judged as texts)."""
        number = cdr.caller
        s = store[number]
        t = cdr.start
        radio_known = self.radio.known()
        spoofed = self._spoofed(s, number, radio_known)
        rules = self.rules
        scored = (cdr.record_type == "voice" or s.swapped_recently(t)) and rules.gate(s, t, radio_known, spoofed)
        return scored, rules.scores(s, t, self.rings.known(), radio_known, spoofed)

    def _spoofed(self, s: NumberState, number: str, radio_known: bool) -> bool:
        """A caller ID of this network's own mobile ranges that its radio network never carried (no cell, no
        handset on any call, in a stream that names them): it came in from outside claiming to be a subscriber."""
        return radio_known and s.never_on_radio() and self.ranges.is_own(number)

    def _texts(self, s: NumberState, cdr: Cdr, own_sim: bool) -> Candidate | None:
        """A texter's candidate, complete (reasons now: such senders are rare, unlike calls): a foreign sender's
        lures, or (``own_sim``) a SIM of this network that only texts."""
        rules = self.rules
        if own_sim:
            typology, score, reasons = rules.score_sms_blast(s, cdr.start)
        else:
            typology, score, reasons = rules.score_sms_lure(s, cdr.start)
        if score < rules.cfg.candidate_floor:
            return None
        return Candidate(cdr.caller, typology, score, cdr.start, cdr.utc_offset_min, cdr.cdr_id, s.k, reasons,
                         self.name)

    def complete(self, store: dict[str, NumberState], c: Candidate) -> None:
        """Fill in a pending candidate's reasons and model evidence, from its number's state as it was made.

        Call it before that state changes again (the policy runs right after this stage in replay and worker).
        """
        s = store[c.number]
        t = c.t
        radio_known = self.radio.known()
        typology, _, reasons = self.rules.score(s, t, self.rings.known(), radio_known,
                                                self._spoofed(s, c.number, radio_known))
        if typology != c.typology:
            raise RuntimeError(f"state of {c.number} changed between its candidate and complete()")
        # The rules decide; the online model ranks.  Its evidence raises the severity of a candidate the rules
        # already made, never creates one: a model per worker must not make workers disagree on decisions.
        evidence = self.model.evidence(s, t)
        if evidence > 0.0:
            reasons.append(Reason("model_anomaly", evidence, 0.0,
                                  f"online model places this number beyond {100 * (0.5 + evidence / 2):.0f}% "
                                  "of the population's recent behaviour"))
        c.reasons = reasons
        c.model_evidence = evidence
        c.pending = False


class CalleeStage:
    """Keyed by the called number: inbound share, one-ring lures received, callbacks to premium numbers."""

    name = "callee"

    def __init__(self, rules: NumberRules) -> None:
        self.rules = rules

    def process(self, store: dict[str, NumberState], cdr: Cdr, callback: bool) -> Candidate | None:
        number = cdr.callee
        s = store.get(number)
        if s is None:
            s = NumberState()
            store[number] = s
        answered = cdr.disposition == "answered"
        s.on_inbound(cdr.start, cdr.caller_key, cdr.duration, answered, cdr.record_type == "voice", callback)
        if not (callback and answered and s.cb_rate >= 3.0):
            return None
        typology, score, reasons = self.rules.score_inbound(s)
        if score < self.rules.cfg.candidate_floor:
            return None
        return Candidate(number, typology, score, cdr.start, cdr.utc_offset_min, cdr.cdr_id, s.k, reasons, self.name)


class HandsetStage:
    """Keyed by serial block (:func:`handset_key` of the IMEI): how many SIMs use one device.  A SIM bank (SIM-box,
    farm) shows here, but so does an honest dual-SIM phone or a call centre's GSM gateway, so the stage does
    not accuse: it reports the count back to the number (keyed by number, like a candidate) as evidence for the
    caller stage to weigh."""

    name = "handset"

    def process(self, store: dict[str, HandsetState], cdr: Cdr) -> tuple[int, float]:
        """Update the handset; return (active SIMs, calls/hour) when >= 2 SIMs (evidence for ``cdr.caller``),
        else (0, 0)."""
        imei = cdr.imei
        if imei is None:
            return 0, 0.0
        key = handset_key(imei)
        h = store.get(key)
        if h is None:
            h = HandsetState()
            store[key] = h
        sims = h.on_call(cdr.start, cdr.caller_key, cdr.record_type == "voice", device_spot(imei, cdr.cell_id))
        return (sims, h.calls_per_hour()) if sims >= 2 else (0, 0.0)


class SiteStage:
    """Keyed by cell: the cold calls of every SIM there.  A farm's SIMs share their cells, so what each SIM
    shows too thinly (how people react to its calls, its volume) shows in minutes for all of them together.
    Like the handset stage it does not accuse: an outbound call centre is a site of cold callers too, whose
    calls become conversations.  It reports the pool back to the number (keyed by number) as evidence."""

    name = "site"

    def process(self, store: dict[str, SiteState],
                cdr: Cdr) -> tuple[int, float, float, float, float, float] | None:
        """Count a cold call (the caller stage said so); return (cold callers active, cold calls/hour, cold
        calls, answered, hung up, conversations) when >= 2 cold callers share the cell, else None."""
        cell = cdr.cell_id
        if cell is None:
            return None
        h = store.get(cell)
        if h is None:
            h = SiteState()
            store[cell] = h
        sims = h.on_call(cdr.start, cdr.caller_key, cdr.disposition == "answered", cdr.duration)
        if sims < 2:
            return None
        return sims, h.calls_per_hour(), h.calls, h.ans, h.short, h.conv
