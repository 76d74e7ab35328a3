"""Time in the synthetic world: diurnal shapes, local calendar, Poisson arrivals, RFC 3339 text.

All event times are integral UTC epoch seconds (int64); local time only matters for *when* people are
active (night is night where the caller is) and for the offset written into ``start_time``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import numpy as np

Rng = np.random.Generator

DAY = 86_400
HOUR = 3_600
_EPOCH_WEEKDAY = 3  # 1970-01-01 was a Thursday (Monday = 0)


def _normalised(values: list[float]) -> np.ndarray:
    arr = np.asarray(values, dtype=np.float64)
    return arr / arr.mean()


SHAPE_NAMES: tuple[str, ...] = ("personal", "business", "evening", "flat", "extended")
SHAPES = np.stack(
    [
        # personal: quiet night, morning ramp, lunch, evening peak
        _normalised(
            [
                0.12,
                0.06,
                0.04,
                0.03,
                0.04,
                0.10,
                0.30,
                0.65,
                0.90,
                1.0,
                1.05,
                1.1,
                1.15,
                1.1,
                1.05,
                1.05,
                1.1,
                1.2,
                1.35,
                1.4,
                1.3,
                1.05,
                0.7,
                0.35,
            ]
        ),
        # business: office hours with a lunch dip, almost nothing at night
        _normalised(
            [
                0.01,
                0.01,
                0.01,
                0.01,
                0.01,
                0.02,
                0.08,
                0.45,
                1.1,
                1.5,
                1.6,
                1.55,
                1.2,
                1.4,
                1.55,
                1.5,
                1.35,
                1.0,
                0.45,
                0.15,
                0.06,
                0.03,
                0.02,
                0.01,
            ]
        ),
        # evening: people who phone mostly after work
        _normalised(
            [
                0.2,
                0.1,
                0.05,
                0.03,
                0.03,
                0.05,
                0.15,
                0.3,
                0.45,
                0.55,
                0.6,
                0.65,
                0.75,
                0.7,
                0.7,
                0.75,
                0.85,
                1.1,
                1.5,
                1.9,
                2.1,
                1.9,
                1.2,
                0.5,
            ]
        ),
        # flat: machines, 24/7
        _normalised([1.0] * 24),
        # extended: long service hours (taxis, couriers): 6-23
        _normalised(
            [
                0.08,
                0.05,
                0.03,
                0.03,
                0.05,
                0.2,
                0.6,
                1.0,
                1.2,
                1.25,
                1.25,
                1.3,
                1.3,
                1.3,
                1.25,
                1.25,
                1.3,
                1.35,
                1.3,
                1.2,
                1.0,
                0.8,
                0.5,
                0.2,
            ]
        ),
    ]
)
SHAPE_ID: dict[str, int] = {name: i for i, name in enumerate(SHAPE_NAMES)}


def diurnal_weight(shape: np.ndarray, shift_h: np.ndarray, flat_mix: np.ndarray, hour: np.ndarray) -> np.ndarray:
    """Activity weight (mean 1 over a day) at local ``hour`` for entities with the given shape parameters.

    ``shift_h`` moves the curve (early birds, night owls, night shifts); ``flat_mix`` blends in a constant
    so no entity is ever strictly silent at any hour: overlapping distributions, not clean tells.
    """
    h = (np.asarray(hour, dtype=np.float64) - shift_h) % 24.0
    lo = np.floor(h).astype(np.int64)
    frac = h - lo
    base = SHAPES[shape, lo % 24] * (1.0 - frac) + SHAPES[shape, (lo + 1) % 24] * frac
    return (1.0 - flat_mix) * base + flat_mix


def local_hour(t: np.ndarray | int, offset_min: np.ndarray | int) -> np.ndarray:
    """Local hour of day (float) at UTC epoch ``t`` for a UTC offset in minutes."""
    local = np.asarray(t, dtype=np.int64) + np.asarray(offset_min, dtype=np.int64) * 60
    return (local % DAY) / HOUR


def local_weekday(t: np.ndarray | int, offset_min: np.ndarray | int) -> np.ndarray:
    """Local weekday (Monday = 0) at UTC epoch ``t``."""
    local = np.asarray(t, dtype=np.int64) + np.asarray(offset_min, dtype=np.int64) * 60
    return (local // DAY + _EPOCH_WEEKDAY) % 7


def parse_start(text: str, home_offset_min: int) -> int:
    """Start of the world as UTC epoch seconds; a naive time is local time of the home network."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone(timedelta(minutes=home_offset_min)))
    return int(moment.timestamp())


def iso_utc(t: float) -> str:
    """RFC 3339 UTC text of an epoch time ("2026-03-02T14:05:09Z")."""
    return datetime.fromtimestamp(int(t), tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def offset_suffix(offset_min: int) -> str:
    """ "+01:00"-style suffix for an offset in minutes."""
    sign = "-" if offset_min < 0 else "+"
    hours, minutes = divmod(abs(int(offset_min)), 60)
    return f"{sign}{hours:02d}:{minutes:02d}"


def rfc3339(t: np.ndarray, offset_min: np.ndarray) -> np.ndarray:
    """Vectorised RFC 3339 text with the given offsets: the instant is ``t``, the wall clock is local."""
    local = (np.asarray(t, dtype=np.int64) + np.asarray(offset_min, dtype=np.int64) * 60).astype("datetime64[s]")
    text = np.datetime_as_string(local, unit="s")
    offsets, inverse = np.unique(offset_min, return_inverse=True)
    suffixes = np.array([offset_suffix(int(o)) for o in offsets])
    return np.strings.add(text, suffixes[inverse])


def poisson_times(
    rng: Rng, rate_per_s: np.ndarray, t0: np.ndarray | int, t1: np.ndarray | int
) -> tuple[np.ndarray, np.ndarray]:
    """Arrivals of independent Poisson processes with constant rates over [t0, t1) each.

    Returns (entity index, integral epoch second) of every arrival, unsorted.  Rates are taken constant
    within a chunk (an hour), which is where the diurnal curve is evaluated.
    """
    span = np.maximum(np.asarray(t1, dtype=np.int64) - np.asarray(t0, dtype=np.int64), 0)
    span = np.broadcast_to(span, np.shape(rate_per_s))
    counts = rng.poisson(np.maximum(rate_per_s, 0.0) * span)
    idx = np.repeat(np.arange(len(counts)), counts)
    start = np.broadcast_to(np.asarray(t0, dtype=np.int64), np.shape(rate_per_s))
    times = start[idx] + (rng.random(len(idx)) * span[idx]).astype(np.int64)
    return idx, times


def log_uniform(rng: Rng, lo: float, hi: float, n: int) -> np.ndarray:
    """Draws spread evenly in log space: rates vary by factors, not by fixed amounts."""
    return np.exp(rng.uniform(np.log(lo), np.log(hi), n))
