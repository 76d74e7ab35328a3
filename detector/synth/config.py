"""Configuration of the synthetic CDR generator and its command-line flags.

One frozen dataclass holds everything that changes the output; the same seed and config give the same
bytes.  The CLI hook (:func:`add_arguments` / :func:`config_from_args`) maps flags one-to-one onto it.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, fields
from pathlib import Path

TYPOLOGY_NAMES: tuple[str, ...] = ("scam_farm", "wangiri", "simbox", "irsf", "takeover", "robocall")
UNANSWERED_DURATION = ("ring", "zero")


@dataclass(frozen=True, slots=True)
class GeneratorConfig:
    """Parameters of one synthetic world and its CDR stream.

    seed: everything random derives from it.
    subscribers: honest entities (home SIMs plus a few inbound roamers); fraud SIMs come on top.
    days: length of the stream; start: its beginning, local home time unless an offset is given.
    country_code / utc_offset_min / home_mnc: the home network (offset None = the country's standard time).
    fraud_per_1000 / fraud_numbers: fraud budget in labeled numbers, per 1000 subscribers or absolute.
    fraud_intensity: multiplies the call rates of fraud operations; below 1 gives "low and slow" fraud.
    typologies: which fraud typologies to plant.
    min_history_hours: honest history before any fraud starts.
    target_cdrs: if set, ``subscribers`` is recomputed so that about this many CDRs are made.
    unanswered_duration: "ring" (duration_s of an unanswered call is its ring time) or "zero".
    label_revenue_numbers: also label callee-only fraud numbers (wangiri premium callback numbers).
    gzip / gzip_level: write cdrs.jsonl.gz.  chunk_seconds: event-time chunk generated at once.
    """

    seed: int = 1
    subscribers: int = 20_000
    days: float = 2.0
    start: str = "2026-03-06T00:00:00"  # a Friday: a working day and a weekend day by default
    country_code: str = "44"
    utc_offset_min: int | None = None
    home_mnc: int = 15
    fraud_per_1000: float = 6.0
    fraud_numbers: int | None = None
    fraud_intensity: float = 1.0
    typologies: tuple[str, ...] = TYPOLOGY_NAMES
    min_history_hours: float = 6.0
    target_cdrs: int | None = None
    unanswered_duration: str = "ring"
    label_revenue_numbers: bool = False
    gzip: bool = False
    gzip_level: int = 3
    chunk_seconds: int = 3_600

    def __post_init__(self) -> None:
        """Fail early with a sentence rather than deep inside numpy."""
        if self.subscribers < 50:
            raise ValueError("subscribers must be at least 50")
        if self.days <= 0:
            raise ValueError("days must be positive")
        if self.min_history_hours < 0 or self.min_history_hours + 2 > self.days * 24:
            raise ValueError("min_history_hours must leave at least 2 hours of fraud within the days")
        unknown = set(self.typologies) - set(TYPOLOGY_NAMES)
        if unknown:
            raise ValueError(f"unknown typologies {sorted(unknown)}; known: {', '.join(TYPOLOGY_NAMES)}")
        if self.unanswered_duration not in UNANSWERED_DURATION:
            raise ValueError(f"unanswered_duration must be one of {UNANSWERED_DURATION}")
        if self.chunk_seconds < 60:
            raise ValueError("chunk_seconds must be at least 60")
        if self.target_cdrs is not None and self.target_cdrs < 1_000:
            raise ValueError("target_cdrs must be at least 1000")
        if self.fraud_intensity <= 0:
            raise ValueError("fraud_intensity must be positive")
        if not 0 <= self.gzip_level <= 9:
            raise ValueError("gzip_level must be 0-9")

    @property
    def fraud_budget(self) -> int:
        """Labeled fraud numbers to aim for."""
        if self.fraud_numbers is not None:
            return self.fraud_numbers
        return round(self.fraud_per_1000 * self.subscribers / 1_000)

    def to_dict(self) -> dict[str, object]:
        return {f.name: (list(v) if isinstance(v := getattr(self, f.name), tuple) else v) for f in fields(self)}


def add_arguments(parser: argparse.ArgumentParser, *, include_out: bool = True) -> None:
    """Add the generator's flags (and ``--out`` unless the caller defines it) to ``parser``."""
    d = GeneratorConfig()
    if include_out:
        parser.add_argument("--out", type=Path, required=True, help="output directory (created if missing)")
    parser.add_argument("--seed", type=int, default=d.seed, help=f"random seed (default {d.seed})")
    parser.add_argument(
        "--subscribers",
        type=int,
        default=d.subscribers,
        help=f"honest subscribers in the world (default {d.subscribers})",
    )
    parser.add_argument("--days", type=float, default=d.days, help=f"days of traffic (default {d.days})")
    parser.add_argument(
        "--start", default=d.start, help=f"start, RFC 3339; without offset it is home local time (default {d.start})"
    )
    parser.add_argument("--country-code", default=d.country_code, help=f"home country code (default {d.country_code})")
    parser.add_argument(
        "--utc-offset-min",
        type=int,
        default=None,
        help="home network UTC offset in minutes (default: the country's standard time)",
    )
    parser.add_argument(
        "--mnc", dest="home_mnc", type=int, default=d.home_mnc, help=f"home network MNC (default {d.home_mnc})"
    )
    parser.add_argument(
        "--fraud-per-1000",
        type=float,
        default=d.fraud_per_1000,
        help=f"labeled fraud numbers per 1000 subscribers (default {d.fraud_per_1000})",
    )
    parser.add_argument(
        "--fraud-numbers", type=int, default=None, help="labeled fraud numbers in total (overrides --fraud-per-1000)"
    )
    parser.add_argument(
        "--fraud-intensity",
        type=float,
        default=d.fraud_intensity,
        help="multiply fraud call rates, e.g. 0.3 for low-and-slow fraud (default 1.0)",
    )
    parser.add_argument(
        "--typologies",
        default=",".join(d.typologies),
        help=f"comma-separated fraud typologies to plant (default all: {','.join(d.typologies)})",
    )
    parser.add_argument(
        "--min-history-hours",
        type=float,
        default=d.min_history_hours,
        help=f"honest history before any fraud starts (default {d.min_history_hours})",
    )
    parser.add_argument(
        "--target-cdrs",
        type=int,
        default=None,
        help="size the world (subscribers) for about this many CDRs over --days, e.g. 10000000",
    )
    parser.add_argument(
        "--unanswered-duration",
        choices=UNANSWERED_DURATION,
        default=d.unanswered_duration,
        help="duration_s of unanswered calls: ring time (default) or zero",
    )
    parser.add_argument(
        "--label-revenue-numbers",
        action="store_true",
        help="also label callee-only fraud numbers (wangiri premium callback numbers)",
    )
    parser.add_argument("--gzip", action="store_true", help="write cdrs.jsonl.gz instead of cdrs.jsonl")
    parser.add_argument("--gzip-level", type=int, default=d.gzip_level, help=f"gzip level (default {d.gzip_level})")
    parser.add_argument(
        "--chunk-seconds",
        type=int,
        default=d.chunk_seconds,
        help=f"event-time span generated and sorted at once (default {d.chunk_seconds})",
    )


def config_from_args(args: argparse.Namespace) -> GeneratorConfig:
    """The config described by parsed flags (see :func:`add_arguments`)."""
    return GeneratorConfig(
        seed=args.seed,
        subscribers=args.subscribers,
        days=args.days,
        start=args.start,
        country_code=str(args.country_code).lstrip("+"),
        utc_offset_min=args.utc_offset_min,
        home_mnc=args.home_mnc,
        fraud_per_1000=args.fraud_per_1000,
        fraud_numbers=args.fraud_numbers,
        fraud_intensity=args.fraud_intensity,
        typologies=tuple(t.strip() for t in args.typologies.split(",") if t.strip()),
        min_history_hours=args.min_history_hours,
        target_cdrs=args.target_cdrs,
        unanswered_duration=args.unanswered_duration,
        label_revenue_numbers=args.label_revenue_numbers,
        gzip=args.gzip,
        gzip_level=args.gzip_level,
        chunk_seconds=args.chunk_seconds,
    )
