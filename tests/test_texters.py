"""SIMs that (nearly) only text: an SMS blaster's SIM against a business's batch, a machine's SIM, a gateway.

Smishing farms push thousands of texts a day through SIMs in phones or modems; honest bulk senders go through
SMS gateways (no cell, no handset) or send one batch in a sitting, and a machine's SIM texts its server.  Run
through the whole core, so the caller stage's routing of texts is included.
"""

from __future__ import annotations

from detector.pipeline import Detector
from detector.records import Cdr

T0 = 1_772_784_000.0  # a Friday, 08:00 UTC
HOUR = 3_600.0


def _background(det: Detector, n: int = 2_000) -> None:
    """Ordinary subscribers' calls, naming their cell and handset."""
    for i in range(n):
        det.process(Cdr(f"b{i}", f"+44770{i % 500:07d}", f"+44771{(i * 7919) % 10**7:07d}", T0 - 9 * HOUR + i,
                        0, 60.0, "answered", "voice", f"234-15-{i % 40}-1", f"35693803{i % 500:06d}1"))


def _texts(det: Detector, sender: str, n: int, gap_s: float, *, start: float = T0, radio: bool = True,
           same_recipient: bool = False, replies_every: int = 0) -> list[tuple[float, str]]:
    """``n`` SMS ``gap_s`` apart from ``sender`` to as many strangers (or one server); every ``replies_every``-th
    recipient texts back a minute later.  The (time, typology) of the alerts."""
    alerts = []
    for i in range(n):
        t = start + i * gap_s
        to = "+447718000001" if same_recipient else f"+44771{(i * 104_729 + 3) % 10**7:07d}"
        cdr = Cdr(f"s{sender}{start}{i}", sender, to, t, 0, 0.0, "answered", "sms",
                  "234-15-9-1" if radio else None, "356938039999991" if radio else None)
        alerts += [(a.detected_at, a.typology) for a in det.process(cdr)]
        if replies_every and i % replies_every == 0:
            det.process(Cdr(f"r{sender}{start}{i}", to, sender, t + 60.0, 0, 0.0, "answered", "sms", None, None))
    return alerts


def test_a_sim_texting_strangers_all_day_is_a_blaster() -> None:
    det = Detector()
    _background(det)
    alerts = _texts(det, "+447700100001", 600, 15.0)  # 240 an hour for two and a half hours, nothing back
    assert alerts and {typology for _, typology in alerts} == {"scam_farm"}
    assert alerts[0][0] >= T0 + HOUR  # a batch goes out within the hour: a blaster keeps on


def test_batches_machines_gateways_and_answered_texts_are_not() -> None:
    det = Detector()
    _background(det)
    for day in range(2):  # a clinic's reminders, 200 in half an hour each morning
        assert _texts(det, "+447700100002", 200, 9.0, start=T0 + day * 24 * HOUR) == []
    assert _texts(det, "+447700100003", 600, 15.0, same_recipient=True) == []  # a meter texting its server
    assert _texts(det, "+447700100004", 600, 15.0, radio=False) == []  # an SMS gateway
    assert _texts(det, "+447700100005", 600, 15.0, replies_every=8) == []  # people answer it
