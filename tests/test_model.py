"""The online model: its feature vector, cold start, calibration against the population, determinism."""

from __future__ import annotations

import numpy as np

from detector.features import NumberState
from detector.model import AnomalyModel, ModelConfig, number_vector

T0 = 1_772_784_000.0


def person(rng: np.random.Generator, calls: int, gap_s: float, answered_p: float, talk_s: float) -> NumberState:
    s = NumberState()
    t = T0
    contacts = [447_711_000_000 + 17 * i for i in range(8)]
    for _ in range(calls):
        t += float(rng.exponential(gap_s))
        answered = bool(rng.random() < answered_p)
        s.on_outbound(t, 0, contacts[int(rng.integers(0, 8))], talk_s if answered else 20.0, answered, False,
                      True, False, False, "356938035643809", "234-15-100-1")
    return s


def test_vector_is_scaled_to_the_unit_interval_and_sees_bursts() -> None:
    s = person(np.random.default_rng(1), 20, 4 * 3_600.0, 0.8, 120.0)
    t = s.t_last
    for i in range(6):  # then six calls in three minutes
        t += 30.0
        s.on_outbound(t, 0, 447_799_000_000 + 977 * i, 0.0, False, False, True, False, False, None, None)
    v = number_vector(s, t)
    assert all(0.0 <= x <= 1.0 for x in v.values()), v
    assert v["burst"] > v["volume"] > 0.0, v


def test_model_abstains_until_calibrated_then_ranks_the_extreme_higher() -> None:
    rng = np.random.default_rng(7)
    model = AnomalyModel(ModelConfig(learn_every=1, window_size=50))
    odd = NumberState()
    t = T0
    for i in range(40):  # a number ringing strangers every 40 s, nobody answering
        t += 40.0
        odd.on_outbound(t, 0, 447_799_000_000 + 7_919 * i, 5.0, False, i % 5 == 0, True, True, True, None, None)
    assert model.evidence(odd, t) == 0.0  # nothing learned: no opinion
    population = [person(rng, int(rng.integers(10, 30)), 3 * 3_600.0, 0.8, 150.0) for _ in range(400)]
    for s in population:
        model.observe(s, s.t_last)
    typical = float(np.median([model.evidence(s, s.t_last) for s in population[:100]]))
    assert model.evidence(odd, t) > max(0.5, typical), (model.evidence(odd, t), typical)


def test_same_stream_same_evidence() -> None:
    def run() -> list[float]:
        rng = np.random.default_rng(3)
        model = AnomalyModel(ModelConfig(learn_every=2))
        out = []
        for _ in range(300):
            s = person(rng, 12, 3_600.0, 0.7, 90.0)
            model.observe(s, s.t_last)
            out.append(model.evidence(s, s.t_last))
        return out

    assert run() == run()
