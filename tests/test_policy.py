"""The alert policy: one alert per number per episode, again only on escalation, stable ids."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detector.policy import AlertPolicy, Episode, PolicyConfig, alert_id
from detector.records import SEVERITIES, TYPOLOGIES, Alert, Candidate, Reason

T0 = datetime(2024, 5, 1, tzinfo=timezone.utc).timestamp()
CFG = PolicyConfig()
NUMBER = "+2321234567"


def cand(score: float, t: float, number: str = NUMBER, typology: str = "wangiri", cdr_id: str = "c1",
         evidence: float = 0.0) -> Candidate:
    reasons = [Reason("unanswered_share", 0.9, 0.6, "90% of calls unanswered")]
    return Candidate(number, typology, score, t, 60, cdr_id, 42, reasons, "caller", model_evidence=evidence)


def boosted(score: float, evidence: float, cfg: PolicyConfig = CFG) -> float:
    return score + (1.0 - score) * cfg.model_weight * evidence


def run(seq: list[Candidate], cfg: PolicyConfig | None = None) -> list[Alert | None]:
    policy = AlertPolicy("hst-1-test", cfg)
    store: dict[str, Episode] = {}
    return [policy.decide(store, c) for c in seq]


def test_below_threshold_no_alert_and_no_state() -> None:
    policy = AlertPolicy("v")
    store: dict[str, Episode] = {}
    assert policy.decide(store, cand(CFG.alert_threshold - 1e-9, T0)) is None
    assert policy.decide(store, cand(0.0, T0)) is None
    assert store == {}


def test_first_qualifying_candidate_alerts_with_episode_one() -> None:
    (alert,) = run([cand(CFG.alert_threshold, T0, cdr_id="trigger")])
    assert alert is not None
    assert alert.episode == 1 and not alert.escalation
    assert alert.severity == "low"
    assert alert.number == NUMBER and alert.typology == "wangiri"
    assert alert.detected_at == T0 and alert.offset_min == 60
    assert alert.trigger_cdr_id == "trigger" and alert.calls_seen == 42
    assert alert.model_version == "hst-1-test"
    assert alert.reasons and alert.reasons[0].feature == "unanswered_share"
    assert alert.alert_id == alert_id(NUMBER, T0, 0)


def test_repeated_candidates_of_the_same_severity_do_not_alert_again() -> None:
    alerts = run([cand(0.75, T0 + 60 * i) for i in range(20)])
    assert alerts[0] is not None and alerts[0].severity == "medium"
    assert alerts[1:] == [None] * 19


def test_lower_severity_inside_an_episode_does_not_alert() -> None:
    alerts = run([cand(0.9, T0), cand(0.65, T0 + 60), cand(0.75, T0 + 120)])
    assert alerts[0] is not None and alerts[1:] == [None, None]


def test_escalation_alerts_again_with_a_new_id() -> None:
    alerts = run([cand(0.65, T0), cand(0.66, T0 + 60), cand(0.9, T0 + 120), cand(0.99, T0 + 180)])
    first, same, high, critical = alerts
    assert first is not None and same is None and high is not None and critical is not None
    assert [a.severity for a in (first, high, critical)] == ["low", "high", "critical"]
    assert not first.escalation and high.escalation and critical.escalation
    assert len({first.alert_id, high.alert_id, critical.alert_id}) == 3
    assert first.episode == high.episode == critical.episode == 1


def test_new_episode_after_quiet_period_has_a_new_id() -> None:
    quiet = CFG.quiet_s
    alerts = run([cand(0.9, T0), cand(0.9, T0 + quiet), cand(0.9, T0 + 2 * quiet + 1)])
    first, same_episode, second = alerts
    assert first is not None and same_episode is None  # exactly quiet_s later: still the same episode
    assert second is not None
    assert second.episode == 2 and not second.escalation
    assert second.alert_id != first.alert_id
    assert second.severity == first.severity


def test_quiet_is_measured_from_the_last_qualifying_candidate() -> None:
    """Candidates that keep coming keep the episode open, however long it lasts in total."""
    step = CFG.quiet_s / 2
    alerts = run([cand(0.9, T0 + step * i) for i in range(10)])
    assert alerts[0] is not None and alerts[1:] == [None] * 9


def test_below_threshold_candidates_do_not_extend_an_episode() -> None:
    quiet = CFG.quiet_s
    alerts = run([cand(0.9, T0), cand(0.1, T0 + quiet), cand(0.9, T0 + quiet + 60)])
    assert alerts[2] is not None and alerts[2].episode == 2


def test_numbers_have_independent_episodes() -> None:
    alerts = run([cand(0.9, T0, "+441632960001"), cand(0.9, T0, "+441632960002"), cand(0.9, T0 + 1, "+441632960001")])
    a, b, again = alerts
    assert a is not None and b is not None and again is None
    assert a.episode == b.episode == 1 and a.alert_id != b.alert_id


def test_out_of_order_candidate_does_not_move_the_episode_back() -> None:
    policy = AlertPolicy("v")
    store: dict[str, Episode] = {}
    policy.decide(store, cand(0.9, T0 + 600))
    policy.decide(store, cand(0.9, T0))
    assert store[NUMBER].last_t == T0 + 600 and store[NUMBER].start_t == T0 + 600


def test_alert_id_is_deterministic_for_the_same_input_sequence() -> None:
    seq = [cand(s, T0 + 97 * i, n) for i, (s, n) in enumerate(
        [(0.66, "+441632960001"), (0.8, "+441632960002"), (0.9, "+441632960001"), (0.97, "+441632960001"),
         (0.9, "+441632960002")]
    )]
    seq.append(cand(0.7, T0 + 3 * CFG.quiet_s, "+441632960001"))
    first = [a.alert_id if a else None for a in run(seq)]
    second = [a.alert_id if a else None for a in run(seq)]
    assert first == second
    ids = [i for i in first if i]
    assert len(ids) == len(set(ids)) == 6  # low, medium, high, critical, high, then a new episode


def test_alert_id_depends_on_number_start_and_level_only() -> None:
    base = alert_id(NUMBER, T0, 1)
    assert base == alert_id(NUMBER, T0, 1)
    assert len({base, alert_id(NUMBER, T0, 2), alert_id(NUMBER, T0 + 1, 1), alert_id("+441632960001", T0, 1)}) == 4
    assert alert_id(NUMBER, T0, 1) == alert_id(NUMBER, T0 + 1e-4, 1)  # millisecond resolution


@pytest.mark.parametrize(
    "score, severity",
    [(CFG.alert_threshold, "low"), (0.6999, "low"), (0.7, "medium"), (0.8499, "medium"), (0.85, "high"), (0.95, "critical"),
     (1.0, "critical"), (1.3, "critical")],
)
def test_severity_edges(score: float, severity: str) -> None:
    (alert,) = run([cand(score, T0)])
    assert alert is not None and alert.severity == severity
    assert 0.0 <= alert.score <= 1.0


def test_custom_threshold_and_quiet() -> None:
    cfg = PolicyConfig(alert_threshold=0.3, severity_edges=(0.5, 0.6, 0.7), quiet_s=60.0)
    alerts = run([cand(0.35, T0), cand(0.55, T0 + 10), cand(0.55, T0 + 200)], cfg)
    assert [a.severity if a else None for a in alerts] == ["low", "medium", "medium"]
    assert [a.episode if a else None for a in alerts] == [1, 1, 2]


def test_model_evidence_never_creates_an_alert() -> None:
    policy = AlertPolicy("v")
    store: dict[str, Episode] = {}
    assert policy.decide(store, cand(CFG.alert_threshold - 0.01, T0, evidence=1.0)) is None
    assert store == {}


def test_model_evidence_raises_severity_and_score() -> None:
    plain, ranked = run([cand(0.66, T0)])[0], run([cand(0.66, T0, evidence=1.0)])[0]
    assert plain is not None and ranked is not None
    assert plain.severity == "low" and plain.score == 0.66
    assert ranked.score == round(boosted(0.66, 1.0), 4)
    assert SEVERITIES.index(ranked.severity) > SEVERITIES.index(plain.severity)


def test_rising_model_evidence_escalates_within_the_episode() -> None:
    alerts = run([cand(0.66, T0, evidence=0.0), cand(0.66, T0 + 60, evidence=0.0), cand(0.66, T0 + 120, evidence=1.0)])
    assert alerts[0] is not None and alerts[1] is None
    assert alerts[2] is not None and alerts[2].escalation and alerts[2].episode == 1


def test_zero_model_weight_ignores_the_model() -> None:
    cfg = PolicyConfig(model_weight=0.0)
    (alert,) = run([cand(0.66, T0, evidence=1.0)], cfg)
    assert alert is not None and alert.score == 0.66 and alert.severity == "low"


CANDIDATES = st.lists(
    st.tuples(
        st.sampled_from(["+441632960001", "+441632960002", "+8613800138000"]),
        st.floats(0.0, 1.2),
        st.floats(0.0, 4 * CFG.quiet_s),  # time step
        st.sampled_from(TYPOLOGIES),
        st.sampled_from([0.0, 0.0, 0.3, 1.0]),  # model evidence
    ),
    max_size=60,
)


@settings(max_examples=100, deadline=None)
@given(CANDIDATES)
def test_policy_invariants(steps: list[tuple[str, float, float, str, float]]) -> None:
    t = T0
    seq = []
    for i, (number, score, dt, typology, evidence) in enumerate(steps):
        t += dt
        seq.append(cand(score, t, number, typology, f"c{i}", evidence))
    alerts = run(seq)
    assert [a.alert_id if a else None for a in alerts] == [a.alert_id if a else None for a in run(seq)]
    last_level: dict[tuple[str, int], int] = {}
    last_episode: dict[str, int] = {}
    last_t: dict[str, float] = {}
    ids = set()
    for c, a in zip(seq, alerts):
        if c.score < CFG.alert_threshold:
            assert a is None
            continue
        prev_t = last_t.get(c.number)
        opens = prev_t is None or c.t - prev_t > CFG.quiet_s
        last_t[c.number] = c.t
        if a is None:
            assert not opens  # a new episode always alerts
            continue
        assert a.number == c.number and a.typology == c.typology and a.trigger_cdr_id == c.cdr_id
        assert a.severity in SEVERITIES and 0.0 <= a.score <= 1.0
        b = boosted(c.score, c.model_evidence)
        assert a.score == round(min(1.0, b), 4)
        assert a.severity == SEVERITIES[sum(b >= edge for edge in CFG.severity_edges)]
        assert a.alert_id not in ids
        ids.add(a.alert_id)
        ep = last_episode.get(c.number, 0)
        if opens:
            assert a.episode == ep + 1 and not a.escalation
        else:
            assert a.episode == ep and a.escalation
            assert SEVERITIES.index(a.severity) > last_level[(c.number, ep)]
        last_episode[c.number] = a.episode
        last_level[(c.number, a.episode)] = SEVERITIES.index(a.severity)


@settings(max_examples=150, deadline=None)
@given(CANDIDATES)
def test_pending_candidates_decide_as_complete_ones(steps: list[tuple[str, float, float, str, float]]) -> None:
    """A pending candidate (reasons and model evidence filled in by the stage only when the policy asks) gets the
    same decision, alert and episode as the same candidate made complete, and is completed only when it can alert."""
    t = T0
    eager, lazy, full = [], [], {}
    for i, (number, score, dt, typology, evidence) in enumerate(steps):
        t += dt
        eager.append(cand(score, t, number, typology, f"c{i}", evidence))
        c = cand(score, t, number, typology, f"c{i}")
        c.reasons, c.pending = [], True
        lazy.append(c)
        full[f"c{i}"] = eager[-1]
    completed = []

    def complete(c: Candidate) -> None:
        completed.append(c.cdr_id)
        c.reasons, c.model_evidence, c.pending = full[c.cdr_id].reasons, full[c.cdr_id].model_evidence, False

    policy = AlertPolicy("hst-1-test")
    store: dict[str, Episode] = {}
    got = [policy.decide(store, c, complete) for c in lazy]
    assert got == run(eager)
    assert all(a is None or a.trigger_cdr_id in completed for a in got)
    assert all(c.score >= CFG.alert_threshold for c in lazy if c.cdr_id in completed)
    with pytest.raises(ValueError):
        fresh = cand(0.99, T0)
        fresh.pending = True
        policy.decide({}, fresh)
