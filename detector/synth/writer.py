"""Text output: CDR JSON lines, labels.csv and manifest.json, written chunk by chunk.

JSON lines are made by string formatting from the numpy columns: every field is a number, a fixed word,
or digits/"+-:T" text that needs no escaping, which is several times faster than building dicts and
serialising them; :func:`batch_dicts` gives the same records as dicts for in-process consumers.
"""

from __future__ import annotations

import csv
import gzip
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np
import orjson

from .config import GeneratorConfig
from .events import DISPOSITIONS, RECORD_TYPES, EventBatch
from .stream import SyntheticStream
from .timing import iso_utc, rfc3339

LABEL_COLUMNS = ("number", "label", "typology", "fraud_start")
_RECORD_TYPE = np.array(RECORD_TYPES, dtype=object)
_DISPOSITION = np.array(DISPOSITIONS, dtype=object)


def _imei_text(imei: np.ndarray) -> list[str | None]:
    return [f"{m:015d}" if m else None for m in imei.tolist()]


def _record_fields(batch: EventBatch, first_seq: int, cells: list[Any], imeis: list[Any]) -> Iterator[tuple[Any, ...]]:
    """(seq, record_type, caller, callee, start_time, duration_s, disposition, cell, imei) per record.

    Shared by :func:`format_jsonl` and :func:`batch_dicts` so the text and the dicts cannot drift apart;
    only the cell and IMEI renderings differ (JSON text vs Python values), so the caller passes those in.
    """
    return zip(
        range(first_seq, first_seq + len(batch)),
        _RECORD_TYPE[batch.kind].tolist(),
        batch.caller.tolist(),
        batch.callee.tolist(),
        rfc3339(batch.t, batch.off).tolist(),
        batch.dur.tolist(),
        _DISPOSITION[batch.disp].tolist(),
        cells,
        imeis,
    )


def format_jsonl(batch: EventBatch, first_seq: int, id_prefix: str, cell_json: np.ndarray) -> bytes:
    """JSON lines for a sorted batch; record ``i`` gets cdr_id ``{id_prefix}{first_seq + i:010d}``."""
    if not len(batch):
        return b""
    cells = cell_json[batch.cell + 1].tolist()
    imeis = [f'"{m:015d}"' if m else "null" for m in batch.imei.tolist()]
    lines = [
        f'{{"cdr_id":"{id_prefix}{seq:010d}","record_type":"{k}","caller":"+{a}","callee":"+{b}",'
        f'"start_time":"{ts}","duration_s":{d},"disposition":"{dp}","cell_id":{c},"imei":{m}}}\n'
        for seq, k, a, b, ts, d, dp, c, m in _record_fields(batch, first_seq, cells, imeis)
    ]
    return "".join(lines).encode()


def batch_dicts(batch: EventBatch, first_seq: int, id_prefix: str, cell_text: Sequence[str]) -> list[dict[str, Any]]:
    """The records of a batch as dicts, equal to the parsed lines of :func:`format_jsonl`."""
    cells = [cell_text[c] if c >= 0 else None for c in batch.cell.tolist()]
    return [
        {
            "cdr_id": f"{id_prefix}{seq:010d}",
            "record_type": k,
            "caller": f"+{a}",
            "callee": f"+{b}",
            "start_time": ts,
            "duration_s": d,
            "disposition": dp,
            "cell_id": c,
            "imei": m,
        }
        for seq, k, a, b, ts, d, dp, c, m in _record_fields(batch, first_seq, cells, _imei_text(batch.imei))
    ]


def write_labels(path: Path, rows: Sequence[tuple[str, str, str, str]]) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(LABEL_COLUMNS)
        writer.writerows(rows)


def _open_cdrs(out_dir: Path, config: GeneratorConfig) -> tuple[Path, IO[bytes]]:
    if config.gzip:
        path = out_dir / "cdrs.jsonl.gz"
        return path, gzip.open(path, "wb", compresslevel=config.gzip_level)  # type: ignore[return-value]
    path = out_dir / "cdrs.jsonl"
    return path, path.open("wb", buffering=1 << 20)


def generate(config: GeneratorConfig, out_dir: Path, progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Write cdrs.jsonl[.gz], labels.csv and manifest.json into ``out_dir``; return the manifest.

    ``progress`` is called after each chunk with the number of CDRs written so far.
    """
    began = time.perf_counter()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stream = SyntheticStream(config)
    built = time.perf_counter()
    labels = stream.labels()
    write_labels(out_dir / "labels.csv", labels)
    by_type = np.zeros(len(RECORD_TYPES), dtype=np.int64)
    by_disp = np.zeros(len(DISPOSITIONS), dtype=np.int64)
    first = last = None
    seq = 0
    path, handle = _open_cdrs(out_dir, config)
    with handle:
        for batch in stream.batches():
            if not len(batch):
                continue
            handle.write(format_jsonl(batch, seq, stream.id_prefix, stream.world.cells.json))
            seq += len(batch)
            by_type += np.bincount(batch.kind, minlength=len(RECORD_TYPES))
            by_disp += np.bincount(batch.disp, minlength=len(DISPOSITIONS))
            first = int(batch.t[0]) if first is None else first
            last = int(batch.t[-1])
            if progress is not None:
                progress(seq)
    elapsed = time.perf_counter() - began
    manifest = stream.summary()
    manifest.update(
        {
            "cdrs": seq,
            "cdrs_by_record_type": dict(zip(RECORD_TYPES, by_type.tolist())),
            "cdrs_by_disposition": dict(zip(DISPOSITIONS, by_disp.tolist())),
            "first_event": iso_utc(first) if first is not None else None,
            "last_event": iso_utc(last) if last is not None else None,
            "labels": {"rows": len(labels), "fraud": sum(r[1] == "fraud" for r in labels)},
            "files": {"cdrs": path.name, "labels": "labels.csv", "manifest": "manifest.json"},
            "run": {
                "seconds": round(elapsed, 2),
                "world_build_seconds": round(built - began, 2),
                "cdrs_per_second": round(seq / max(elapsed, 1e-9)),
                "max_chunk_cdrs": stream.max_chunk,
                "max_pending_cdrs": stream.max_pending,
                "self_calls_dropped": stream.self_calls_dropped,
            },
        }
    )
    (out_dir / "manifest.json").write_bytes(orjson.dumps(manifest, option=orjson.OPT_INDENT_2) + b"\n")
    return manifest
