"""Tests of stream admission: the event-time watermark and the bounded duplicate memory."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detector.admission import Admission, AdmissionConfig, DuplicateFilter, EventClock
from detector.records import REJECT_REASONS, Cdr

T0 = datetime(2024, 5, 1, 12, tzinfo=timezone.utc).timestamp()
CFG = AdmissionConfig()
HOUR = 3_600.0
DAY = 86_400.0
JUMP = CFG.jump_after  # consecutive agreeing far-ahead records that move the stream (50)


def cdr(cdr_id: str, t: float, duration: float = 30.0) -> Cdr:
    return Cdr(cdr_id, "+441632960001", "+441632960002", t, 0, duration, "answered")


def fed(adm: Admission, *records: tuple[str, float] | tuple[str, float, float],
        wall_now: float | None = None) -> list[str | None]:
    """Admit each (id, t) or (id, t, duration); the reject reason or None for each."""
    out = []
    for cdr_id, t, *duration in records:
        bad = adm.admit(cdr(cdr_id, t, *duration), wall_now)
        out.append(None if bad is None else bad[0])
    return out


# ------------------------------------------------------------------------------------ event time


def test_in_order_stream_is_admitted_and_watermark_is_the_maximum() -> None:
    adm = Admission()
    times = [T0 + 10 * i for i in range(50)]
    assert fed(adm, *[(f"c{i}", t) for i, t in enumerate(times)]) == [None] * 50
    assert adm.clock.watermark == times[-1]


def test_late_within_tolerance_is_admitted_without_moving_the_watermark_back() -> None:
    adm = Admission()
    assert fed(adm, ("a", T0), ("b", T0 - CFG.late_tolerance_s + 1), ("c", T0 - CFG.late_tolerance_s)) == [None] * 3
    assert adm.clock.watermark == T0


def test_late_beyond_tolerance_is_rejected_as_late() -> None:
    adm = Admission()
    late = ("b", T0 - CFG.late_tolerance_s - 0.001, 0.0)  # started and ended beyond the tolerance
    assert fed(adm, ("a", T0), late, ("c", T0 - DAY)) == [None, "late", "late"]
    assert adm.clock.watermark == T0
    bad = adm.admit(cdr("d", T0 - 2 * CFG.late_tolerance_s))
    assert bad is not None and bad[0] == "late" and "behind" in bad[1]


def test_a_long_call_written_when_it_ended_is_on_time() -> None:
    """A switch writes a call's record as the call ends: in such a feed a two-hour call abroad comes two hours
    after its start, behind every record written meanwhile.  It is on time if it ended within the tolerance;
    a call that also ended long ago is late.  Neither moves the watermark back."""
    adm = Admission()
    tol = CFG.late_tolerance_s
    assert fed(adm, ("a", T0), ("long", T0 - 2 * HOUR, 2 * HOUR - tol + 1.0), ("ended", T0 - 2 * HOUR, HOUR)) == [
        None, None, "late"]
    assert adm.clock.watermark == T0
    bad = adm.admit(cdr("again", T0 - 2 * HOUR, 60.0))
    assert bad is not None and bad[0] == "late" and "ended 119.0 min behind" in bad[1]


def test_ahead_within_tolerance_moves_the_watermark() -> None:
    adm = Admission()
    assert fed(adm, ("a", T0), ("b", T0 + CFG.late_tolerance_s), ("c", T0 + 2 * CFG.late_tolerance_s)) == [None] * 3
    assert adm.clock.watermark == T0 + 2 * CFG.late_tolerance_s


def test_ahead_within_max_ahead_is_admitted_but_moves_the_watermark_only_on_agreement() -> None:
    """One record hours ahead is processed, but the stream stays where it was until jump_after agree."""
    adm = Admission()
    assert fed(adm, ("a", T0), ("b", T0 + CFG.max_ahead_s)) == [None, None]
    assert adm.clock.watermark == T0
    ahead = T0 + 5 * HOUR
    assert fed(adm, *[(f"r{i}", ahead + i) for i in range(JUMP - 2)]) == [None] * (JUMP - 2)
    assert adm.clock.watermark == T0  # b and the 48 agree with each other, but are not yet enough
    assert fed(adm, ("last", ahead + JUMP)) == [None]
    # the run (b, r0..r47, last) moved it near its median (ahead + 24): b, a day ahead, did not decide
    assert adm.clock.watermark == ahead + JUMP


def test_far_ahead_is_out_of_range_and_does_not_move_the_watermark() -> None:
    adm = Admission()
    assert fed(adm, ("a", T0), ("b", T0 + CFG.max_ahead_s + 1), ("c", T0 + 365 * DAY)) == [
        None, "time_out_of_range", "time_out_of_range"
    ]
    assert adm.clock.watermark == T0
    # the stream carries on as if the bad records never happened
    assert fed(adm, ("d", T0 + 60), ("e", T0 - 60)) == [None, None]
    assert adm.clock.watermark == T0 + 60


def test_first_record_dated_2999_with_wall_clock_is_rejected_and_does_not_poison_the_clock() -> None:
    adm = Admission()
    t2999 = datetime(2999, 1, 1, tzinfo=timezone.utc).timestamp()
    bad = adm.admit(cdr("future", t2999), wall_now=T0)
    assert bad is not None and bad[0] == "time_out_of_range" and "wall clock" in bad[1]
    assert adm.clock.watermark is None
    assert len(adm.duplicates) == 0
    assert fed(adm, ("a", T0 - HOUR), ("b", T0 - HOUR + 5), wall_now=T0) == [None, None]
    assert adm.clock.watermark == T0 - HOUR + 5


def test_wall_clock_guard_applies_after_the_first_record_too() -> None:
    adm = Admission()
    near_wall = T0 + CFG.max_ahead_of_wall_s - 100
    assert fed(adm, ("a", near_wall), wall_now=T0) == [None]
    # within a day of the stream but beyond a week of the wall clock
    assert fed(adm, ("b", near_wall + 200), wall_now=T0) == ["time_out_of_range"]
    assert adm.clock.watermark == near_wall


def test_wall_clock_guard_can_be_disabled() -> None:
    adm = Admission(AdmissionConfig(max_ahead_of_wall_s=0))
    t2999 = datetime(2999, 1, 1, tzinfo=timezone.utc).timestamp()
    assert fed(adm, ("a", t2999), wall_now=T0) == [None]


def test_without_wall_clock_the_first_record_sets_the_watermark() -> None:
    clock = EventClock(CFG)
    assert clock.watermark is None
    assert clock.check(T0, None) is None
    assert clock.watermark == T0


def test_stale_first_record_does_not_poison_the_clock() -> None:
    """Regression: a stale FIRST record (2015, wall clock at 2024) became the watermark and the whole rest of
    the stream was rejected as time_out_of_range.  Now the current stream's first ``jump_after - 1`` records
    are refused (and counted), the ``jump_after``-th moves the watermark, and everything after is admitted."""
    adm = Admission()
    t2015 = datetime(2015, 1, 1, tzinfo=timezone.utc).timestamp()
    assert fed(adm, ("stale", t2015), wall_now=T0) == [None]
    times = [T0 - HOUR + 10 * i for i in range(100)]
    results = fed(adm, *[(f"c{i}", t) for i, t in enumerate(times)], wall_now=T0)
    assert results == ["time_out_of_range"] * (JUMP - 1) + [None] * (100 - JUMP + 1)
    assert adm.clock.watermark == times[-1]
    # the refused records were not remembered: a replay of them is admitted as far as tolerance allows
    assert fed(adm, ("c0", times[-1] - 60)) == [None]


def test_stream_resumes_after_a_gap_longer_than_max_ahead() -> None:
    """Regression: after a 25 h outage of the feed every later record was > max_ahead_s ahead of the stuck
    watermark, so the stream was rejected forever.  Now it resumes after ``jump_after`` records."""
    adm = Admission()
    assert fed(adm, *[(f"before{i}", T0 + 10 * i) for i in range(10)]) == [None] * 10
    resume = T0 + 25 * HOUR
    results = fed(adm, *[(f"after{i}", resume + 10 * i) for i in range(1_000)])
    assert results == ["time_out_of_range"] * (JUMP - 1) + [None] * (1_000 - JUMP + 1)
    assert adm.clock.watermark == resume + 10 * 999
    # after the jump the usual rules apply around the new watermark
    assert fed(adm, ("old", T0 + 100), ("ahead", resume + 10 * 999 + CFG.max_ahead_s + 1)) == [
        "late", "time_out_of_range"
    ]


def test_an_out_of_order_resumed_stream_also_jumps() -> None:
    """The run need not be sorted: records of the resumed stream agree within max_ahead_s of each other."""
    adm = Admission()
    fed(adm, ("a", T0))
    resume = T0 + 3 * DAY
    times = [resume + 60 * ((7 * i) % JUMP) for i in range(JUMP)]  # a permutation of one 50-minute span
    results = fed(adm, *[(f"r{i}", t) for i, t in enumerate(times)])
    assert results == ["time_out_of_range"] * (JUMP - 1) + [None]
    assert adm.clock.watermark == resume + 60 * 39  # the latest within 15 min of the median (24 min)


def test_isolated_far_ahead_records_never_move_the_clock() -> None:
    """A bad clock interleaved with the stream: every run is one record long, however many there are."""
    adm = Admission()
    fed(adm, ("a", T0))
    for i in range(3 * JUMP):
        assert fed(adm, (f"bad{i}", T0 + 2 * DAY + i), (f"ok{i}", T0 + 10 * i)) == ["time_out_of_range", None]
    assert adm.clock.watermark == T0 + 10 * (3 * JUMP - 1)


def test_a_run_interrupted_by_an_admitted_or_late_record_starts_over() -> None:
    for interruption, reason in (((T0 + 30), None), ((T0 - DAY), "late")):
        adm = Admission()
        fed(adm, ("a", T0))
        ahead = T0 + 2 * DAY
        assert fed(adm, *[(f"x{i}", ahead + i) for i in range(JUMP - 1)]) == ["time_out_of_range"] * (JUMP - 1)
        assert fed(adm, ("between", interruption)) == [reason]
        assert fed(adm, *[(f"y{i}", ahead + i) for i in range(JUMP - 1)]) == ["time_out_of_range"] * (JUMP - 1)
        assert adm.clock.watermark == max(T0, interruption)
        assert fed(adm, ("z", ahead)) == [None]
        assert adm.clock.watermark == ahead + JUMP - 2  # ahead+0..48 and ahead: all within 15 min of the median


def test_far_ahead_records_that_disagree_never_jump() -> None:
    """Records far ahead but each more than max_ahead_s from the run's earliest are not one stream."""
    adm = Admission()
    fed(adm, ("a", T0))
    results = fed(adm, *[(f"f{i}", T0 + (2 + 1.5 * i) * DAY) for i in range(3 * JUMP)])
    assert results == ["time_out_of_range"] * (3 * JUMP)
    assert adm.clock.watermark == T0


def test_jump_after_is_configurable() -> None:
    adm = Admission(AdmissionConfig(jump_after=3))
    fed(adm, ("a", T0))
    assert fed(adm, ("b", T0 + 2 * DAY), ("c", T0 + 2 * DAY + 5), ("d", T0 + 2 * DAY + 2)) == [
        "time_out_of_range", "time_out_of_range", None
    ]
    assert adm.clock.watermark == T0 + 2 * DAY + 5  # the latest of 0, 5, 2 within 15 min of their median


def test_a_run_beyond_the_wall_clock_guard_never_jumps() -> None:
    """The absolute guard is checked first: a feed of records dated 2999 cannot move the stream there."""
    adm = Admission()
    fed(adm, ("a", T0 - HOUR), wall_now=T0)
    t2999 = datetime(2999, 1, 1, tzinfo=timezone.utc).timestamp()
    assert fed(adm, *[(f"f{i}", t2999 + i) for i in range(3 * JUMP)], wall_now=T0) == ["time_out_of_range"] * (
        3 * JUMP)
    assert adm.clock.watermark == T0 - HOUR


@pytest.mark.parametrize("where", ["mid-stream", "first record"])
def test_one_record_hours_ahead_does_not_make_the_stream_late(where: str) -> None:
    """Regression: ONE record up to max_ahead_s ahead (a bad clock 20 h fast, or a first record within
    max_ahead_of_wall_s of the wall clock) was admitted and moved the watermark, and then every record of the
    real stream was 'late' until the stream caught up with it: up to a day of traffic rejected.  Now a step
    beyond the late tolerance needs jump_after agreeing records, and an unconfirmed first record can be
    overruled by jump_after agreeing late ones."""
    adm = Admission()
    if where == "mid-stream":
        assert fed(adm, *[(f"s{i}", T0 - HOUR + 10 * i) for i in range(100)], wall_now=T0) == [None] * 100
        assert fed(adm, ("fast", T0 + 20 * HOUR), wall_now=T0) == [None]
    else:
        assert fed(adm, ("fast", T0 + 3 * DAY), wall_now=T0) == [None]  # within a week of the wall clock
    results = fed(adm, *[(f"c{i}", T0 + 10 * i) for i in range(500)], wall_now=T0)
    assert results[-100:] == [None] * 100  # at most a few hundred records lost, not up to a day of traffic
    if where == "mid-stream":
        assert results == [None] * 500  # nothing lost at all: the fast record never moved the watermark
    else:
        assert results == ["late"] * (JUMP - 1) + [None] * (500 - JUMP + 1)  # the first record is overruled
    assert T0 <= adm.clock.watermark <= T0 + 10 * 499  # type: ignore[operator]


@settings(max_examples=300, deadline=None)
@given(st.floats(-3 * DAY, 3 * DAY, allow_nan=False), st.integers(0, 120), st.sampled_from([1.0, 10.0, 60.0]))
def test_one_record_anywhere_costs_the_stream_at_most_jump_after_records(
    offset: float, at: int, step: float
) -> None:
    """A steady stream with ONE record from a bad clock (anywhere from 3 days behind to 3 days ahead, at any
    position, the first included): the stream's own records are all admitted, except at most jump_after - 1
    of them when the bad record came first (they are what overrules it)."""
    adm = Admission()
    stream = [(f"c{i}", T0 + step * i) for i in range(300)]
    events = stream[:at] + [("bad", T0 + step * at + offset)] + stream[at:]
    results = dict(zip([e[0] for e in events], fed(adm, *events)))
    lost = sum(1 for cdr_id, _ in stream if results[cdr_id] is not None)
    assert lost == 0 or (at == 0 and abs(offset) > CFG.late_tolerance_s and lost <= JUMP - 1)
    assert adm.clock.watermark is not None and abs(adm.clock.watermark - stream[-1][1]) <= CFG.late_tolerance_s


def test_a_confirmed_watermark_never_moves_back() -> None:
    """Once jump_after records agreed with the watermark, a backlog of late records is refused, however long."""
    adm = Admission()
    assert fed(adm, *[(f"s{i}", T0 + i) for i in range(JUMP)]) == [None] * JUMP
    assert adm.clock.confirmed
    assert fed(adm, *[(f"old{i}", T0 - 2 * HOUR + i) for i in range(3 * JUMP)]) == ["late"] * (3 * JUMP)
    assert adm.clock.watermark == T0 + JUMP - 1


def test_an_unconfirmed_first_record_is_overruled_by_agreeing_late_records() -> None:
    adm = Admission()
    assert fed(adm, ("first", T0 + 5 * HOUR)) == [None]
    assert not adm.clock.confirmed
    late = [(f"s{i}", T0 + 10 * i) for i in range(JUMP)]
    assert fed(adm, *late) == ["late"] * (JUMP - 1) + [None]
    assert adm.clock.watermark == T0 + 10 * (JUMP - 1) and adm.clock.confirmed
    # late records that disagree with each other (each more than max_ahead_s from the latest) never move it
    adm = Admission()
    fed(adm, ("first", T0 + 20 * DAY))
    assert fed(adm, *[(f"d{i}", T0 + 1.5 * DAY * i) for i in range(3 * JUMP) if T0 + 1.5 * DAY * i < T0 + 19 * DAY]
               ) == ["late"] * 13
    assert adm.clock.watermark == T0 + 20 * DAY


# ------------------------------------------------------------------------------------ duplicates


def test_duplicate_is_detected_and_each_copy_counted_once() -> None:
    adm = Admission()
    assert fed(adm, ("a", T0), ("a", T0), ("b", T0 + 1), ("a", T0), ("a", T0 + 2)) == [
        None, "duplicate", None, "duplicate", "duplicate"
    ]
    bad = adm.admit(cdr("b", T0 + 1))
    assert bad is not None and bad[0] == "duplicate" and "'b'" in bad[1]
    assert len(adm.duplicates) == 2


def test_same_content_with_different_ids_is_not_a_duplicate() -> None:
    adm = Admission()
    assert fed(adm, ("a", T0), ("b", T0), ("c", T0)) == [None, None, None]


def test_rejected_records_are_not_remembered_as_seen() -> None:
    adm = Admission()
    assert fed(adm, ("a", T0), ("x", T0 + 2 * DAY), ("y", T0 - DAY)) == [None, "time_out_of_range", "late"]
    assert fed(adm, ("x", T0 + 1), ("y", T0 + 2)) == [None, None]


def test_duplicate_memory_is_bounded_oldest_forgotten_first() -> None:
    adm = Admission(AdmissionConfig(dedup_max_ids=3))
    assert fed(adm, ("a", T0), ("b", T0 + 1), ("c", T0 + 2), ("d", T0 + 3)) == [None] * 4
    assert len(adm.duplicates) == 3
    assert fed(adm, ("d", T0 + 3), ("c", T0 + 2), ("b", T0 + 1)) == ["duplicate"] * 3
    assert fed(adm, ("a", T0 + 4)) == [None]  # forgotten: admitted again
    assert len(adm.duplicates) == 3


def test_duplicate_memory_forgets_ids_beyond_the_horizon() -> None:
    cfg = AdmissionConfig(dedup_horizon_s=HOUR, late_tolerance_s=10 * HOUR)
    adm = Admission(cfg)
    assert fed(adm, ("a", T0), ("b", T0 + 30 * 60)) == [None, None]
    assert len(adm.duplicates) == 2  # both within the hour
    assert fed(adm, ("c", T0 + 2 * HOUR)) == [None]
    assert len(adm.duplicates) == 1  # a and b are both over an hour behind the watermark
    assert fed(adm, ("a", T0 + 1)) == [None]  # late but tolerated, and no longer remembered
    assert fed(adm, ("c", T0 + 2 * HOUR)) == ["duplicate"]


def test_duplicate_filter_directly() -> None:
    f = DuplicateFilter(AdmissionConfig(dedup_max_ids=2, dedup_horizon_s=100.0))
    assert "a" not in f
    f.remember("a", 0.0, 0.0)
    assert "a" in f and len(f) == 1
    f.remember("b", 50.0, 50.0)
    assert "a" in f and "b" in f and len(f) == 2
    f.remember("c", 200.0, 200.0)  # horizon 100: a (0) and b (50) go
    assert len(f) == 1 and "c" in f and "a" not in f and "b" not in f
    f.remember("d", 201.0, 201.0)
    f.remember("e", 202.0, 202.0)  # size limit 2: c, the oldest, goes
    assert len(f) == 2 and "c" not in f and "d" in f and "e" in f


def test_duplicate_filter_across_queue_compactions() -> None:
    """Forgetting stays oldest-first past the points where the queues drop their forgotten prefix."""
    f = DuplicateFilter(AdmissionConfig(dedup_max_ids=1_000, dedup_horizon_s=5_000.0))
    for i in range(20_000):
        f.remember(f"id{i}", float(i), float(i))
        if i % 997 == 0:
            assert len(f) == min(i + 1, 1_000) and f"id{max(i - 999, 0)}" in f and f"id{i - 1_000}" not in f
    assert len(f) == 1_000 and all(f"id{i}" in f for i in range(19_000, 20_000))
    f.remember("next", 30_000.0, 30_000.0)  # the horizon (25,000) forgets everything before it
    assert len(f) == 1 and "next" in f


def test_duplicates_are_recognised_before_the_event_time_checks() -> None:
    """A replayed copy is a duplicate whatever its time: late or far ahead, it is counted as 'duplicate'."""
    adm = Admission()
    assert fed(adm, ("a", T0), ("b", T0 + 600)) == [None, None]
    assert fed(adm, ("a", T0 - DAY), ("a", T0 + 3 * DAY), ("a", T0)) == ["duplicate"] * 3
    bad = adm.admit(cdr("a", T0 - DAY))
    assert bad is not None and bad[0] == "duplicate" and "already processed" in bad[1]
    assert adm.clock.watermark == T0 + 600


def test_duplicates_inside_a_run_neither_count_nor_break_it() -> None:
    """Duplicates never reach the clock: copies inside a run of far-ahead records leave the run as it is."""
    adm = Admission()
    fed(adm, ("a", T0))
    ahead = T0 + 2 * DAY
    for i in range(JUMP - 1):
        assert fed(adm, (f"r{i}", ahead + i), ("a", ahead + i)) == ["time_out_of_range", "duplicate"]
    assert fed(adm, ("last", ahead + JUMP)) == [None]
    assert adm.clock.watermark == ahead + JUMP


# ------------------------------------------------------------------------------------ invariants


EVENTS = st.lists(
    st.tuples(st.integers(0, 30).map(lambda i: f"id{i}"), st.floats(-2 * DAY, 3 * DAY, allow_nan=False),
              st.sampled_from([0.0, 30.0, 1_000.0, 2 * HOUR])),
    max_size=120,
)


@settings(max_examples=300, deadline=None)
@given(EVENTS, st.integers(1, 40), st.sampled_from([60.0, HOUR, 6 * HOUR]), st.integers(1, 4))
def test_admission_invariants(events: list[tuple[str, float, float]], max_ids: int, horizon: float,
                              jump: int) -> None:
    """Against the documented rules (EventClock's docstring), written out again independently: duplicates first
    (a duplicate never touches the clock); within the late tolerance of the watermark, admitted and followed
    up; further behind but ended within the tolerance, admitted without moving the watermark (a run of late
    records ends); further ahead, admitted up to max_ahead_s (refused beyond) without moving the watermark,
    unless it completes a run of ``jump_after`` consecutive ahead records within max_ahead_s of the run's
    earliest, which moves the watermark to the latest time of the run within the tolerance above its lower
    median; further behind, late, unless the watermark is unconfirmed (fewer than jump_after admitted near it
    since the first record) and the record completes such a run of late records (within max_ahead_s of the
    run's latest)."""
    cfg = AdmissionConfig(dedup_max_ids=max_ids, dedup_horizon_s=horizon, jump_after=jump)
    tol = cfg.late_tolerance_s
    adm = Admission(cfg)
    admitted: list[float] = []
    run: list[float] = []  # the current run
    run_ahead = True
    support = 0
    for cdr_id, dt, duration in events:
        t = T0 + dt
        wm = adm.clock.watermark
        was_seen = cdr_id in adm.duplicates
        bad = adm.admit(cdr(cdr_id, t, duration))
        reason = None if bad is None else bad[0]
        assert reason is None or reason in REJECT_REASONS
        if was_seen:
            assert reason == "duplicate"
            assert adm.clock.watermark == wm  # a duplicate never moves the clock
            continue
        assert reason != "duplicate"
        if wm is None:
            assert reason is None and adm.clock.watermark == t
            support = 1
        elif t < wm - tol <= t + duration:
            run = []
            assert reason is None and adm.clock.watermark == wm
        elif t > wm + tol or (t < wm - tol and support < jump):
            ahead = t > wm
            anchor = (min(run) if ahead else max(run)) if run else 0.0
            run = run + [t] if run and run_ahead == ahead and abs(t - anchor) <= cfg.max_ahead_s else [t]
            run_ahead = ahead
            if len(run) >= jump:
                median = sorted(run)[(len(run) - 1) // 2]
                assert reason is None and adm.clock.watermark == max(x for x in run if x <= median + tol)
                run, support = [], jump
            elif not ahead:
                assert reason == "late" and adm.clock.watermark == wm
            elif t > wm + cfg.max_ahead_s:
                assert reason == "time_out_of_range" and adm.clock.watermark == wm
            else:
                assert reason is None and adm.clock.watermark == wm  # admitted, the watermark waits
        elif t < wm - tol:
            run = []
            assert reason == "late" and adm.clock.watermark == wm
        else:
            run = []
            support = min(support + 1, jump)
            assert reason is None and adm.clock.watermark == max(wm, t)
        assert adm.clock.confirmed == (support >= jump)
        if reason is None:
            admitted.append(t)
            if t >= adm.clock.watermark - horizon:  # type: ignore[operator]
                assert cdr_id in adm.duplicates  # remembered at once (the size limit is at least 1)
        else:
            assert (cdr_id in adm.duplicates) == was_seen  # a refused record is not remembered
        assert len(adm.duplicates) <= max_ids
        if jump > 1 and wm is not None and adm.clock.watermark != wm:
            # no single record moves the watermark further than the tolerance: only a run does
            assert abs(adm.clock.watermark - wm) <= tol or reason is None and not run  # type: ignore[operator]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 20).map(str), st.floats(0, HOUR)), max_size=80))
def test_with_ample_memory_no_id_is_admitted_twice(events: list[tuple[str, float]]) -> None:
    adm = Admission()
    admitted: set[str] = set()
    for cdr_id, dt in events:
        bad = adm.admit(cdr(cdr_id, T0 + dt))
        if bad is None:
            assert cdr_id not in admitted
            admitted.add(cdr_id)
        elif cdr_id in admitted:
            assert bad[0] == "duplicate"  # duplicates are recognised before the late check
        else:
            assert bad[0] == "late"


def test_a_sparse_stream_catches_up_after_overruling_its_first_record() -> None:
    """Regression (found by the property test above): with one record a minute, setting the watermark to a
    run's median left it 25 minutes behind the stream, so every later record was again 'ahead' and the
    watermark trailed the stream run after run.  It now lands within the tolerance of the stream's front."""
    adm = Admission()
    assert fed(adm, ("bad", T0 + 3841)) == [None]
    stream = [(f"c{i}", T0 + 60 * i) for i in range(400)]
    assert fed(adm, *stream) == ["late"] * (JUMP - 1) + [None] * (400 - JUMP + 1)
    assert adm.clock.watermark == stream[-1][1]
