"""generate(): builds the world and its actors, then writes the stream day by day."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from .daily import person_day
from .dirty import Dirt
from .timefmt import MAX_DAYS, Clock
from .world import World
from .writer import Writer, manifest, variant_counts, write_labels, write_manifest
from .population import build_population

GENERATOR = "gen5-1"


class Actor(Protocol):
    def day(self, d: int) -> None: ...


def build_actors(w: World) -> list[Actor]:
    """Businesses and fraud operations (each with its own random stream)."""
    from .business import build_business
    from .fraud import build_fraud

    actors: list[Actor] = []
    actors += build_business(w)
    actors += build_fraud(w)
    return actors


def generate(out_dir: str | Path, seed: int, days: int = 2, subscribers: int = 20000,
             dirty: bool = False) -> dict[str, Any]:
    """Writes cdrs.jsonl, labels.csv, labels_detail.csv and manifest.json into out_dir; returns the manifest."""
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"days must be 1..{MAX_DAYS}")
    if subscribers < 100:
        raise ValueError("subscribers must be at least 100")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    w = World(seed, days, subscribers)
    build_population(w)
    actors = build_actors(w)
    clock = Clock(days)
    dirt = Dirt(seed, clock.fmt) if dirty else None
    writer = Writer(out / "cdrs.jsonl", clock, dirt)
    try:
        for d in range(days):
            for p in w.persons:
                person_day(w, p, d)
            for a in actors:
                a.day(d)
            writer.write(w.sink.take(d))
    finally:
        writer.close()
    labels = w.sink.labels
    counts = write_labels(out, labels, writer.callers, clock)
    meta = {
        "generator": GENERATOR, "seed": seed, "days": days, "subscribers": subscribers, "dirty": dirty,
        "start": clock.fmt(0), "end": clock.fmt(days * 86400 - 1), "home_plmn": "262-03",
        "late_events_dropped": w.sink.dropped,
    }
    data = manifest(meta, writer, counts, variant_counts(labels, writer.callers), dirt)
    write_manifest(out, data)
    return data
