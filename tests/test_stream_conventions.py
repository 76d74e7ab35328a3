"""What a stream's records carry is learned from the stream: ring times, and cells and handsets.

A SIM-box is SIMs in radio devices.  In a network whose subscribers' calls name their cell and handset, a
number whose calls never do is a fixed line or a PBX trunk, however much its traffic looks like a box's; in a
stream that names neither, that absence says nothing.  Run through the whole core.
"""

from __future__ import annotations

from detector.numbering import OwnRanges, RadioConvention, RingConvention
from detector.pipeline import Detector
from detector.records import Cdr

T0 = 1_772_784_000.0  # a Friday, 08:00 UTC
HOUR = 3_600.0


def test_a_convention_is_trusted_once_enough_records_carry_it() -> None:
    radio, rings = RadioConvention(), RingConvention()
    for i in range(999):
        radio.observe(i % 4 == 0)  # a quarter of the calls name a cell (the rest come in from other networks)
        rings.observe(i % 10 == 0)  # a tenth of the unanswered calls with a ring time
    assert not radio.known() and not rings.known()  # too few records yet
    radio.observe(True)
    rings.observe(False)
    assert radio.known() and rings.known()
    quiet = RadioConvention()
    for _ in range(2_000):
        quiet.observe(False)
    assert not quiet.known()


def _background(det: Detector, radio: bool, n: int = 2_000) -> None:
    """Ordinary subscribers' calls, with or without their cell and handset."""
    for i in range(n):
        det.process(Cdr(f"b{i}", f"+44770{i % 500:07d}", f"+44771{(i * 7919) % 10**7:07d}", T0 - 9 * HOUR + i,
                        0, 60.0, "answered", "voice", f"234-15-{i % 40}-1" if radio else None,
                        f"35693803{i % 500:06d}1" if radio else None))


def _night_trunk(det: Detector) -> list[str]:
    """A number calling strangers from 01:00, nine an hour, three in four answered and talked through,
    nothing back, never with a cell or a handset: a night-shift call centre's PBX trunk."""
    typologies = []
    for i in range(40):
        t = T0 - 7 * HOUR + i * HOUR / 9
        answered = i % 4 != 3
        cdr = Cdr(f"p{i}", "+442079460000", f"+44772{(i * 7919) % 10**7:07d}", t, 0,
                  120.0 + 10 * (i % 7) if answered else 25.0, "answered" if answered else "no_answer", "voice",
                  None, None)
        typologies += [a.typology for a in det.process(cdr)]
    return typologies


def test_a_number_without_cell_or_handset_is_no_simbox_where_the_stream_names_them() -> None:
    named, unnamed = Detector(), Detector()
    _background(named, radio=True)
    _background(unnamed, radio=False)
    assert "simbox" not in _night_trunk(named)
    assert "simbox" in _night_trunk(unnamed)  # the same traffic where no call names a cell: judged as before


def _dial(det: Detector, cdr_id: str, caller: str, callee: str, t: float, duration: float, disposition: str,
          radio: bool) -> list[str]:
    """One voice call through the detector, from a SIM (its cell and handset named) or not; the typologies of
    the alerts it caused."""
    cdr = Cdr(cdr_id, caller, callee, t, 0, duration, disposition, "voice", "234-15-7-1" if radio else None,
              "356938030000011" if radio else None)
    return [a.typology for a in det.process(cdr)]


def _three_quick_calls(det: Detector, caller: str, radio: bool) -> list[str]:
    """Three strangers rung within a minute, a recorded message of 22 s played to those who answer."""
    typologies = []
    for i, (disposition, duration) in enumerate((("answered", 22.0), ("no_answer", 30.0), ("answered", 22.0))):
        typologies += _dial(det, f"q{caller}{i}", caller, f"+44773{(i * 7919 + 17) % 10**7:07d}", T0 + 600 + 30.0 * i,
                            duration, disposition, radio)
    return typologies


def test_a_number_from_outside_the_radio_network_at_a_machines_pace_is_judged_from_its_third_call() -> None:
    """A robocall campaign that spoofs its caller IDs rotates through numbers a few calls each; such calls
    come in from outside the radio network.  Where the stream names cells and handsets for its own SIMs, a
    number with neither, dialling at a machine's pace, is scored from its third call; a SIM (which shows its
    cell) and any number in a stream without cells still wait for their fifth."""
    named, unnamed = Detector(), Detector()
    _background(named, radio=True)
    _background(unnamed, radio=False)
    assert "robocall" in _three_quick_calls(named, "+447400000001", radio=False)
    assert _three_quick_calls(named, "+447400000002", radio=True) == []
    assert _three_quick_calls(unnamed, "+447400000003", radio=False) == []


def test_own_ranges_are_the_ranges_nearly_every_first_call_of_came_with_a_radio() -> None:
    ranges = OwnRanges(min_numbers=200, min_share=0.99)
    for i in range(199):
        ranges.observe(f"+4477001{i:05d}", carried=True)
    assert not ranges.is_own("+447700199999")  # too few numbers yet
    ranges.observe("+447700100199", carried=True)
    assert ranges.is_own("+447700199999") and not ranges.is_own("+447710199999")
    ranges.observe("+447700100200", carried=False)
    ranges.observe("+447700100201", carried=False)
    assert ranges.is_own("+447700199999")  # 200 of 202: still 99 %
    ranges.observe("+447700100202", carried=False)
    assert not ranges.is_own("+447700199999")  # 200 of 203: a range that also holds numbers living elsewhere
    for i in range(5_000):  # fixed lines and callers from other networks: never a range of ours, and no memory
        ranges.observe(f"+4420{i:08d}", carried=False)
    assert set(ranges.numbers) == {"+44770"} and not ranges.is_own("+442000000001")


def _two_strangers(det: Detector, caller: str, radio: bool, duration: float = 27.0) -> list[str]:
    """Two strangers called twenty minutes apart, each answered with a message of ``duration`` seconds."""
    typologies = []
    for i in range(2):
        typologies += _dial(det, f"s{caller}{i}", caller, f"+44774{(i * 7919 + 31) % 10**7:07d}", T0 + 1_200.0 * i,
                            duration, "answered", radio)
    return typologies


def test_a_caller_id_of_our_own_mobile_ranges_that_the_radio_never_carried_is_spoofed() -> None:
    """A robocall campaign presents caller IDs of the network's own subscribers, a few calls each, coming in
    over interconnect: no cell, no handset.  Where every number of that range that called came with a radio,
    such a number calling a second stranger is named; a subscriber calling from its phone, a number of a range
    that also holds fixed lines, the same calls in a stream that names no cells, and a line people talk to
    are not."""
    named, unnamed = Detector(), Detector()
    _background(named, radio=True)  # 500 subscribers of +44770..., each first seen with a cell and a handset
    _background(unnamed, radio=False)
    assert "robocall" in _two_strangers(named, "+447700009001", radio=False)
    assert _two_strangers(named, "+447700009002", radio=True) == []
    assert _two_strangers(named, "+447790009003", radio=False) == []  # not a range the radio carries
    assert _two_strangers(unnamed, "+447700009004", radio=False) == []
    assert _two_strangers(named, "+447700009005", radio=False, duration=240.0) == []  # conversations
    alerts = [a for i in range(2) for a in named.process(Cdr(f"x{i}", "+447700009006", f"+44774000000{i}",
                                                             T0 + 60.0 * i, 0, 27.0, "answered", "voice", None, None))]
    assert alerts and any(r.feature == "spoofed_caller_id" for r in alerts[0].reasons), alerts


def _pairs_of_calls(det: Detector, caller: str, apart: float, radio: bool = False, answered: bool = False) -> list[str]:
    """Sixteen strangers rung in pairs ``apart`` seconds apart, a pair every ten minutes; 30 s rings unanswered
    (or, ``answered``, conversations of one to four minutes)."""
    typologies = []
    for i in range(16):
        t = T0 + 600.0 * (i // 2) + apart * (i % 2)
        typologies += _dial(det, f"d{caller}{i}", caller, f"+44775{(i * 7919 + 101) % 10**7:07d}", t,
                            60.0 + 47.0 * (i % 4) if answered else 30.0, "answered" if answered else "no_answer",
                            radio)
    return typologies


def test_a_line_from_outside_carrying_calls_at_once_to_strangers_is_a_dialler() -> None:
    """A phone holds one call at a time.  A caller ID from outside the radio network that places a call while
    its last is still ringing, over and over, to strangers nobody hears back from, is a dialler (a campaign
    rotating caller IDs from other networks' ranges, which no range check can call spoofed).  The same calls one
    after the other, from a SIM, or talked through (a call shop's booths, a night shift's trunk) are not."""
    det = Detector()
    _background(det, radio=True)
    assert "robocall" in _pairs_of_calls(det, "+447990000001", apart=5.0)
    caller = det.stages.caller
    typology, _, reasons = caller.rules.score(det.numbers["+447990000001"], T0 + 4_300.0, caller.rings.known(),
                                              caller.radio.known())
    assert typology == "robocall" and "calls_at_once_share" in {r.feature for r in reasons}
    assert _pairs_of_calls(det, "+447990000002", apart=40.0) == []  # the same calls, one after the other
    assert _pairs_of_calls(det, "+447990000003", apart=5.0, radio=True) == []
    sim = det.numbers["+447990000003"]  # the same calls from a SIM: no claim about a line it is not
    assert sim.f_ovl >= 0.2
    assert "calls_at_once_share" not in {r.feature for r in caller.rules._explain("robocall", sim, T0 + 4_300.0)}
    assert _pairs_of_calls(det, "+447990000004", apart=5.0, answered=True) == []


def _line_at_once(det: Detector, caller: str, answered_s: tuple[float, ...]) -> list[str]:
    """Sixteen strangers rung in pairs 2 s apart, a pair every ten minutes, three in four answered (for the
    ``answered_s`` seconds in turn), the rest ringing out after 30 s; nobody calls back."""
    typologies = []
    for i in range(16):
        answered = i % 4 != 3
        typologies += _dial(det, f"m{caller}{i}", caller, f"+44776{(i * 7919 + 211) % 10**7:07d}",
                            T0 + 600.0 * (i // 2) + 2.0 * (i % 2),
                            answered_s[i % len(answered_s)] if answered else 30.0,
                            "answered" if answered else "no_answer", radio=False)
    return typologies


def test_a_dialler_is_told_by_what_its_answered_calls_sound_like() -> None:
    """Calls at once from outside the radio network are a dialler's, and also a delivery app's masked number's
    or a call centre's trunk's.  A robocall plays one recorded message or is hung up on within seconds; the
    others' answered calls are people talking, each for as long as they need."""
    det = Detector()
    _background(det, radio=True)
    assert "robocall" in _line_at_once(det, "+447990000011", (22.0, 23.0, 22.0))  # one message
    assert "robocall" in _line_at_once(det, "+447990000012", (6.0, 8.0, 7.0, 41.0))  # hung up on
    assert _line_at_once(det, "+447990000013", (14.0, 48.0, 31.0, 55.0, 22.0, 40.0)) == []  # a masked number
    assert _line_at_once(det, "+447990000014", (95.0, 20.0, 240.0, 70.0)) == []  # agents talking


def _cold_caller(det: Detector, caller: str, radio: bool) -> list[str]:
    """Sixty strangers, one every three minutes or so (irregular), two in five answered and hung up on within
    seconds, nothing back: a farm's calls from a SIM."""
    typologies = []
    hang_ups = (4.0, 6.0, 3.0, 8.0, 5.0, 12.0)
    k = 0
    for i in range(60):
        answered = i % 5 in (0, 3)
        duration = hang_ups[k % len(hang_ups)] if answered else 30.0
        k += answered
        typologies += _dial(det, f"c{caller}{i}", caller, f"+44777{(i * 7919 + 13) % 10**7:07d}",
                            T0 + 180.0 * i + 108.0 * ((i * 37) % 11) / 10, duration,
                            "answered" if answered else "no_answer", radio)
    return typologies


def test_a_farm_shaped_caller_without_a_sim_is_named_a_robocall() -> None:
    """A farm is people on SIMs.  The same calls from a number the radio network never carried (a trunk, a
    spoofed caller ID), answered only to be hung up on, are a dialler's: named a robocall (naming only)."""
    det = Detector()
    _background(det, radio=True)
    assert set(_cold_caller(det, "+447990000031", radio=True)) == {"scam_farm"}
    assert set(_cold_caller(det, "+447990000032", radio=False)) == {"robocall"}
