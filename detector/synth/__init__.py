"""Synthetic labeled CDR streams: an honest population with hard negatives plus planted fraud operations.

Used by ``cdr-detector generate``, by tests (small seeds), by load tests (10M+ CDRs streamed without
holding them) and to measure detection quality.  Modules, one job each:

- :mod:`.config`      GeneratorConfig and the CLI flags
- :mod:`.numbering`   E.164 plans, home number blocks, premium ranges, IMEIs
- :mod:`.geography`   cells and location areas
- :mod:`.timing`      diurnal curves, local time, Poisson arrivals, RFC 3339 text
- :mod:`.population`  honest profiles, per-subscriber parameters, contacts, handsets, travel
- :mod:`.traffic`     honest CDRs of a chunk
- :mod:`.typologies`  fraud operations, one module per typology
- :mod:`.world`       assembling the above from a config
- :mod:`.stream`      the chunked, sorted event-time loop and the labels
- :mod:`.writer`      cdrs.jsonl[.gz], labels.csv, manifest.json
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .config import TYPOLOGY_NAMES, GeneratorConfig, add_arguments, config_from_args
from .population import PROFILE_NAMES
from .stream import SyntheticStream
from .writer import LABEL_COLUMNS, generate


def iter_cdrs(config: GeneratorConfig) -> Iterator[dict[str, Any]]:
    """CDR dicts in event-time order, generated chunk by chunk (nothing is written or kept)."""
    return SyntheticStream(config).cdrs()


def iter_jsonl(config: GeneratorConfig) -> Iterator[bytes]:
    """cdrs.jsonl bytes, one event-time chunk of lines per item: the cheapest feed for a load test."""
    return SyntheticStream(config).jsonl_chunks()


def iter_lines(config: GeneratorConfig) -> Iterator[bytes]:
    """One JSON line (no newline) per CDR, in event-time order: e.g. one Kafka message each."""
    for chunk in SyntheticStream(config).jsonl_chunks():
        yield from chunk.splitlines()


def labels(config: GeneratorConfig) -> list[tuple[str, str, str, str]]:
    """The (number, label, typology, fraud_start) rows of labels.csv for ``config``, without the stream."""
    return SyntheticStream(config).labels()


__all__ = [
    "LABEL_COLUMNS",
    "PROFILE_NAMES",
    "TYPOLOGY_NAMES",
    "GeneratorConfig",
    "SyntheticStream",
    "add_arguments",
    "config_from_args",
    "generate",
    "iter_cdrs",
    "iter_jsonl",
    "iter_lines",
    "labels",
]
