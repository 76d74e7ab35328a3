"""IRSF is about calls that leave the home network's country: the network learns which country is home.

A foreign number ringing a home subscriber for hours is incoming traffic (the network is paid to terminate
it), however "international" it is from the caller's side; a home subscriber making the same calls abroad is
what IRSF looks like.  Run through the whole core, so the learning (:class:`DestinationRarity`) is included.
"""

from __future__ import annotations

from detector.numbering import DestinationRarity
from detector.pipeline import Detector
from detector.records import Cdr

T0 = 1_772_784_000.0
HOUR = 3_600.0


def _background(det: Detector, n: int = 2_000) -> None:
    """Ordinary home-network traffic (UK numbers calling UK numbers), so the detector learns what home is."""
    for i in range(n):
        det.process(Cdr(f"b{i}", f"+44770{i % 500:07d}", f"+44771{(i * 7919) % 10**7:07d}", T0 - 3 * HOUR + i,
                        0, 60.0, "answered", "voice", None, None))


def _long_calls(det: Detector, caller: str, callee: str) -> list[str]:
    """Five hour-long calls an hour for four hours: the shape of IRSF when the destination is abroad."""
    typologies = []
    for i in range(20):
        t = T0 + i * HOUR / 5
        for alert in det.process(Cdr(f"x{caller}{i}", caller, callee, t, 0, 3_000.0, "answered", "voice", None,
                                     None)):
            typologies.append(alert.typology)
    return typologies


def test_a_foreign_number_calling_home_subscribers_is_not_irsf() -> None:
    det = Detector()
    _background(det)
    assert "irsf" not in _long_calls(det, "+31612345678", "+447712345678")


def test_a_home_subscriber_making_the_same_calls_abroad_is() -> None:
    det = Detector()
    _background(det)
    assert "irsf" in _long_calls(det, "+447712345678", "+31612345678")


def test_home_is_learned_not_assumed() -> None:
    rarity = DestinationRarity()
    for _ in range(999):
        rarity.observe("44")
    assert not rarity.is_home("44")  # too few calls to know
    rarity.observe("44")
    for _ in range(200):  # a neighbour country with a sixth of the calls is still abroad
        rarity.observe("33")
    assert rarity.is_home("44") and not rarity.is_home("33") and not rarity.is_home("1")


def _texts(det: Detector, sender: str, n: int, gap_s: float, to: str = "+44771") -> list[str]:
    """``n`` SMS from ``sender`` to as many different numbers ``gap_s`` apart."""
    typologies = []
    for i in range(n):
        cdr = Cdr(f"s{sender}{i}", sender, f"{to}{(i * 104_729) % 10**7:07d}", T0 + i * gap_s, 0, 0.0, "answered",
                  "sms", None, None)
        typologies += [a.typology for a in det.process(cdr)]
    return typologies


def test_a_foreign_number_texting_crowds_of_subscribers_is_a_lure() -> None:
    det = Detector()
    _background(det)
    alerts = _texts(det, "+37369892196", 60, 60.0)  # an hour of SMS to strangers: alerted, escalating
    assert alerts and set(alerts) == {"wangiri"}


def test_the_same_texts_from_home_or_too_few_or_too_slow_are_not() -> None:
    det = Detector()
    _background(det)
    assert _texts(det, "+447700000999", 60, 60.0) == []  # a local bulk sender: a shop, a bank
    assert _texts(det, "+37369892197", 15, 60.0) == []  # a visitor texting friends
    assert _texts(det, "+37369892198", 60, 1_800.0) == []  # two a hour: nobody's campaign
    assert _texts(det, "+37369892199", 60, 60.0, to="+3736") == []  # texting home, from abroad
