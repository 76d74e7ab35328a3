"""``python -m detector.synth --out DIR ...``: the generator without the main CLI (same flags)."""

from __future__ import annotations

import argparse
import sys
import time

from . import add_arguments, config_from_args, generate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m detector.synth", description="Generate a labeled synthetic CDR stream."
    )
    add_arguments(parser)
    args = parser.parse_args(argv)
    began = time.perf_counter()

    def progress(n: int) -> None:
        print(f"\r{n:,} CDRs  {n / max(time.perf_counter() - began, 1e-9):,.0f}/s", end="", file=sys.stderr, flush=True)

    manifest = generate(config_from_args(args), args.out, progress=progress)
    print(file=sys.stderr)
    run = manifest["run"]
    print(
        f"{manifest['cdrs']:,} CDRs, {manifest['labels']['fraud']} fraud numbers, "
        f"{run['seconds']} s ({run['cdrs_per_second']:,} CDRs/s) -> {args.out}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
