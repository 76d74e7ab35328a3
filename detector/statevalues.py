"""Slot values of a :class:`~detector.features.NumberState` as one tuple, read natively under mypyc.

The worker's changelog codec (:mod:`detector.worker.codec`) writes a state as the tuple of its slot values in
:func:`~detector.features.state_fields` order.  ``operator.attrgetter`` over 60 names does a generic attribute
look-up per slot (~2 us a state on the compiled core, the largest part of persisting state); this function,
compiled with the core, reads the fields directly.  It must list exactly :data:`NUMBER_FIELDS`: the codec uses
it only while ``NUMBER_FIELDS == state_fields(NumberState)`` (else it falls back to ``attrgetter``), and
tests/test_worker_unit.py checks both.
"""

from __future__ import annotations

from .features import NumberState

NUMBER_FIELDS: tuple[str, ...] = (
    "area", "area_t", "bloom_cur", "bloom_n", "bloom_prev", "c1", "c2", "c3",
    "cb_rate", "cell", "d_mean", "d_sq", "f_cell", "f_conv", "f_fail", "f_imei",
    "f_intl", "f_new", "f_off", "f_ring", "f_risky", "f_seq", "f_short", "f_sms",
    "f_unans", "g_mean", "g_sq", "h_intl", "h_new", "h_off", "hs_rate", "hs_sims",
    "hs_t", "imei", "imei_t", "in_rate", "in_share", "in_sms", "in_sms_t", "in_t",
    "intl_d", "intl_dt", "intl_rate", "intl_s", "k", "kv", "nd", "post_intl",
    "post_n", "post_new", "rate_h", "rate_m", "risky_rate", "risky_s", "rung_by", "rung_t",
    "swap_t", "t_first", "t_last", "tv_last", "unreturned",
)


def number_values(s: NumberState) -> tuple[object, ...]:
    """``attrgetter(*NUMBER_FIELDS)(s)``, compiled."""
    return (
        s.area, s.area_t, s.bloom_cur, s.bloom_n, s.bloom_prev, s.c1,
        s.c2, s.c3, s.cb_rate, s.cell, s.d_mean, s.d_sq,
        s.f_cell, s.f_conv, s.f_fail, s.f_imei, s.f_intl, s.f_new,
        s.f_off, s.f_ring, s.f_risky, s.f_seq, s.f_short, s.f_sms,
        s.f_unans, s.g_mean, s.g_sq, s.h_intl, s.h_new, s.h_off,
        s.hs_rate, s.hs_sims, s.hs_t, s.imei, s.imei_t, s.in_rate,
        s.in_share, s.in_sms, s.in_sms_t, s.in_t, s.intl_d, s.intl_dt,
        s.intl_rate, s.intl_s, s.k, s.kv, s.nd, s.post_intl,
        s.post_n, s.post_new, s.rate_h, s.rate_m, s.risky_rate, s.risky_s,
        s.rung_by, s.rung_t, s.swap_t, s.t_first, s.t_last, s.tv_last,
        s.unreturned,
    )
