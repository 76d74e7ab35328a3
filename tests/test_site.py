"""The site stage: cold callers that share a cell pool their evidence (a farm of slow SIMs shows as one).

Streams are built by hand from the definitions (a room of SIMs ringing strangers; a call centre's lines whose
calls become conversations), and run through the whole core (:class:`Detector`), so the hop from the caller
stage to the site stage and back is what is tested.
"""

from __future__ import annotations

import heapq

from detector.features import SITE_ACTIVE_S, SITE_MAX_SIMS, SiteState
from detector.pipeline import Detector
from detector.records import Cdr

T0 = 1_772_784_000.0  # a Friday, 08:00 UTC
HOUR = 3_600.0


def test_site_counts_cold_callers_active_within_the_hour_and_stays_bounded() -> None:
    site = SiteState()
    for i in range(5):
        assert site.on_call(T0 + i, 1000 + i, False, 20.0) == i + 1
    # an hour later only the new caller is active; the old ones still weigh in the decayed counts
    assert site.on_call(T0 + SITE_ACTIVE_S + 10, 2000, True, 5.0) == 1
    assert 1.0 < site.calls < 6.0 and site.ans == 1.0 and site.short == 1.0 and site.conv == 0.0
    for i in range(3 * SITE_MAX_SIMS):
        site.on_call(T0 + 2 * SITE_ACTIVE_S + i, 3000 + i, i % 2 == 0, 120.0)
    assert len(site.sims) == SITE_MAX_SIMS
    assert site.conv > 0.0 and site.calls_per_hour() > 0.0


def _room(sims: int, per_hour: float, hours: float, *, talk_s: float, answered_of_10: int, shared_cell: bool,
          prefix: str = "+4477009", callbacks: bool = False) -> list[Cdr]:
    """``sims`` numbers each calling strangers ``per_hour`` times an hour; ``answered_of_10`` calls in ten are
    answered and last ``talk_s``, the rest ring out after 25 s.  One cell for all, or one cell each.
    ``callbacks``: one call in five is returned five minutes later.  Each number has a phone of its own, with
    IMEIs far apart (consecutive IMEIs in one cell would be one gateway's modules: see ``features.HandsetState``)."""
    out: list[tuple[float, int, Cdr]] = []
    n = 0
    for k in range(sims):
        caller = f"{prefix}{k:05d}"
        cell = "234-15-100-1" if shared_cell else f"234-15-{200 + k}-1"
        t = T0 + k * 97.0
        i = 0
        while t < T0 + hours * HOUR:
            answered = (i * 3) % 10 < answered_of_10
            callee = f"+44771{(k * 7919 + i * 104729) % 10**7:07d}"
            n += 1
            out.append((t, n, Cdr(f"c{n}", caller, callee, t, 0, talk_s if answered else 25.0,
                                  "answered" if answered else "no_answer", "voice", cell, f"35693803{(k * 7919) % 10**7:07d}")))
            if callbacks and i % 5 == 4:
                n += 1
                out.append((t + 300.0, n, Cdr(f"c{n}", callee, caller, t + 300.0, 0, 60.0, "answered", "voice",
                                              "234-15-900-9", None)))
            t += HOUR / per_hour * (0.5 + ((i * 37 + k * 11) % 11) / 10)
            i += 1
    return [c for _, _, c in heapq.nsmallest(len(out), out)]


def _alerted(cdrs: list[Cdr]) -> dict[str, str]:
    det = Detector()
    first: dict[str, str] = {}
    for cdr in cdrs:
        for alert in det.process(cdr):
            first.setdefault(alert.number, alert.typology)
    return first


def test_slow_farm_sims_sharing_a_cell_convict_together() -> None:
    """Eight SIMs at four calls an hour each: too few for any one of them, enough for the room."""
    together = _alerted(_room(8, 4.0, 3.0, talk_s=6.0, answered_of_10=3, shared_cell=True))
    apart = _alerted(_room(8, 4.0, 3.0, talk_s=6.0, answered_of_10=3, shared_cell=False))
    assert len(together) >= 6 and set(together.values()) == {"scam_farm"}, together
    assert len(apart) < len(together) / 2, apart


def test_call_centre_lines_in_one_cell_whose_calls_are_conversations_stay_quiet() -> None:
    """The same room, the same ring-outs, at five times the rate, but answered calls last minutes."""
    assert _alerted(_room(8, 20.0, 3.0, talk_s=240.0, answered_of_10=3, shared_cell=True)) == {}


def test_couriers_leaving_one_depot_stay_quiet() -> None:
    """Eight couriers in the depot's cell: short calls to strangers, but mostly answered, some returned."""
    assert _alerted(_room(8, 12.0, 3.0, talk_s=30.0, answered_of_10=8, shared_cell=True, callbacks=True)) == {}
