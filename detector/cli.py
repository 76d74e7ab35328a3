"""``cdr-detector``: the command line.  Each subcommand is a thin adapter over the core or a tool.

Subcommands import their heavy dependencies (faust, confluent-kafka) only when they run, so ``replay`` and
``--help`` start fast and work without a broker.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

from . import __version__

if TYPE_CHECKING:
    from .admission import AdmissionConfig
    from .pipeline import DetectorConfig


def _cmd_replay(args: argparse.Namespace) -> int:
    from .allowlist import Allowlist, AllowlistError
    from .pipeline import tune_gc_for_long_lived_state
    from .replay import run_replay

    tune_gc_for_long_lived_state()

    if args.input != "-" and not Path(args.input).exists():
        print(f"cdr-detector replay: error: no such file: {args.input}", file=sys.stderr)
        return 2
    try:
        allowlist = Allowlist.read(args.allowlist) if args.allowlist is not None else None
    except AllowlistError as exc:
        print(f"cdr-detector replay: error: {exc}", file=sys.stderr)
        return 2
    warning = allowlist.broad_warning(str(args.allowlist)) if allowlist is not None else None
    if warning is not None:
        print(f"cdr-detector replay: warning: {warning}", file=sys.stderr)
    admission, config = _stream_settings(args)
    try:
        result = run_replay(args.input, args.alerts, args.rejects, args.report, args.state, admission,
                            show_progress=False if args.quiet else None, config=config, allowlist=allowlist)
    except ValueError as exc:  # a state file that is not ours
        print(f"cdr-detector replay: error: {exc}", file=sys.stderr)
        return 2
    if args.metrics_file is not None:
        from .metrics_export import write_replay_metrics

        write_replay_metrics(result, args.metrics_file)
    return 0


def _add_stream_options(p: argparse.ArgumentParser) -> None:
    """How the stream is read, for every command that runs one through the detector (replay, explain)."""
    p.add_argument("--late-tolerance-s", type=float, default=900.0,
                   help="out-of-order records up to this far behind are processed (default 900)")
    p.add_argument("--max-ahead-s", type=float, default=86_400.0,
                   help="records this far ahead of the stream are rejected (default 86400)")
    p.add_argument("--home-utc-offset-min", type=int, default=0,
                   help="the network's UTC offset (minutes east), for records written in UTC: their hour of day "
                        "is read in it (default 0: every record as written)")


def _stream_settings(args: argparse.Namespace) -> tuple[AdmissionConfig, DetectorConfig]:
    """The admission and detector settings of :func:`_add_stream_options`."""
    from .admission import AdmissionConfig
    from .pipeline import DetectorConfig

    return (AdmissionConfig(late_tolerance_s=args.late_tolerance_s, max_ahead_s=args.max_ahead_s),
            DetectorConfig(home_utc_offset_min=args.home_utc_offset_min))


def _add_replay(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("replay", help="run CDRs from a JSON Lines file through the detector (no broker)",
                       description="Replay CDRs (JSON Lines, .gz or - for stdin) in event-time order; "
                                   "write one JSON alert per line.")
    p.add_argument("input", help="CDR file (JSON Lines, optionally gzip) or - for stdin")
    p.add_argument("--alerts", type=Path, required=True, help="where alerts go (JSON Lines)")
    p.add_argument("--rejects", type=Path, help="where rejected records go, with reason and line number")
    p.add_argument("--report", type=Path, help="JSON summary: counts, rates, state size")
    p.add_argument("--state", type=Path, help="resume from this state file if it exists; save to it at the end")
    p.add_argument("--metrics-file", type=Path, help="write Prometheus metrics (textfile format) at the end")
    _add_stream_options(p)
    p.add_argument("--allowlist", type=Path,
                   help="numbers and prefixes (+digits, +digits*; one a line, # comments) the operator vouches "
                        "for: their alerts are withheld and counted, their state kept (docs/allowlist.md)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress line")
    p.set_defaults(func=_cmd_replay)


def _add_explain(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("explain", help="why numbers alerted or did not: their records, features and scores",
                       description="Run a CDR stream through the detector (as replay does: the same decisions) "
                                   "and show, for each record the given numbers made or received, the features "
                                   "the rules read, every typology's score, the candidate and any alert; then "
                                   "a summary per number (how close it came, what it alerted on and why).")
    p.add_argument("input", help="CDR file (JSON Lines, optionally gzip) or - for stdin")
    p.add_argument("--number", action="append", required=True, metavar="E164",
                   help="a number to trace, as the CDRs write it (+ and digits); repeat for several (at most 100)")
    p.add_argument("--json", type=Path, help="also write every row, with all features and scores, as JSON Lines")
    p.add_argument("--summary-only", action="store_true", help="print only the summary per number")
    p.add_argument("--state", type=Path,
                   help="start from this state, saved by replay --state (read, never written): explain today's file "
                        "with what the detector learned of the numbers before it (the stream options are then "
                        "the state's)")
    _add_stream_options(p)
    p.set_defaults(func=_cmd_explain)


def _cmd_explain(args: argparse.Namespace) -> int:
    from contextlib import ExitStack

    import orjson

    from .engine import Engine
    from .explain import MAX_NUMBERS, NumberTrace, TraceRow, summary_lines
    from .parse import is_e164
    from .pipeline import Detector, load_state, tune_gc_for_long_lived_state
    from .replay import open_lines

    numbers = list(dict.fromkeys(args.number))
    bad = [n for n in numbers if not is_e164(n)]
    if bad:
        print(f"cdr-detector explain: error: not an E.164 number (+digits): {', '.join(bad)}", file=sys.stderr)
        return 2
    if len(numbers) > MAX_NUMBERS:
        print(f"cdr-detector explain: error: {len(numbers)} numbers; at most {MAX_NUMBERS}", file=sys.stderr)
        return 2
    for path in (args.input, args.state):
        if path is not None and path != "-" and not Path(path).exists():
            print(f"cdr-detector explain: error: no such file: {path}", file=sys.stderr)
            return 2
    tune_gc_for_long_lived_state()
    if args.state is not None:
        try:
            engine = load_state(args.state, Engine)
        except ValueError as exc:  # not a state file of ours
            print(f"cdr-detector explain: error: {exc}", file=sys.stderr)
            return 2
    else:
        admission, config = _stream_settings(args)
        engine = Engine(Detector(config), admission)
    c = engine.counts
    before = (c.consumed, c.processed, c.rejected_total, c.duplicates)  # a state's counts include its past
    out = sys.stdout
    with ExitStack() as stack:
        js = stack.enter_context(open(args.json, "wb")) if args.json is not None else None

        def emit(row: TraceRow) -> None:
            if not args.summary_only:
                out.write(row.line() + "\n")
            if js is not None:
                js.write(orjson.dumps(row.to_dict()) + b"\n")

        trace = NumberTrace(engine, numbers, emit)
        for lineno, raw in enumerate(open_lines(args.input), 1):
            trace.feed(raw[:-1] if raw.endswith(b"\n") else raw, lineno)
        trace.close()
    threshold = engine.detector.cfg.policy.alert_threshold
    for number, summary in trace.summaries.items():
        out.write("\n".join(summary_lines(number, summary, threshold)) + "\n")
    c = engine.counts
    print(f"explain: {c.consumed - before[0]:,} records read, {c.processed - before[1]:,} processed, "
          f"{c.rejected_total - before[2]:,} rejected, {c.duplicates - before[3]:,} duplicates", file=sys.stderr)
    return 0


def _add_generate(sub: argparse._SubParsersAction) -> None:
    from . import synth

    p = sub.add_parser("generate", help="write a labeled synthetic CDR stream",
                       description="Generate a labeled synthetic stream: DIR/cdrs.jsonl, DIR/labels.csv, "
                                   "DIR/manifest.json.")
    synth.add_arguments(p)

    def run(args: argparse.Namespace) -> int:
        cfg = synth.config_from_args(args)
        out = Path(args.out)
        manifest = synth.generate(cfg, out)
        print(f"generate: {manifest.get('cdrs', manifest.get('n_cdrs', '?'))} CDRs written to {out}",
              file=sys.stderr)
        return 0

    p.set_defaults(func=run)


def _add_evaluate(sub: argparse._SubParsersAction) -> None:
    from . import evaluate

    p = sub.add_parser("evaluate", help="score alerts against labels",
                       description="Precision, recall, false alarms per legitimate profile and time-to-detect "
                                   "per typology.")
    evaluate.add_arguments(p)
    p.set_defaults(func=evaluate.run)


def _add_demo(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="generate a stream, replay it and print the evaluation",
                       description="End to end without a broker: generate -> replay -> evaluate.")
    p.add_argument("--out", type=Path, default=Path("out/demo"), help="working directory (default out/demo)")
    p.add_argument("--seed", type=int, default=20_261_123, help="generator seed")
    p.add_argument("--subscribers", type=int, default=20_000, help="legitimate subscribers")
    p.add_argument("--days", type=float, default=2.0, help="days of traffic")
    p.set_defaults(func=_cmd_demo)


def _cmd_demo(args: argparse.Namespace) -> int:
    from . import evaluate, synth
    from .replay import run_replay

    out: Path = args.out
    print(f"demo: generating {args.subscribers:,} subscribers x {args.days:g} days into {out}", file=sys.stderr)
    synth.generate(synth.GeneratorConfig(seed=args.seed, subscribers=args.subscribers, days=args.days), out)
    run_replay(str(out / "cdrs.jsonl"), out / "alerts.jsonl", out / "rejects.jsonl", out / "report.json")
    ev = argparse.ArgumentParser()
    evaluate.add_arguments(ev)
    return evaluate.run(ev.parse_args(["--labels", str(out / "labels.csv"), "--alerts", str(out / "alerts.jsonl"),
                                       "--cdrs", str(out / "cdrs.jsonl"), "--json", str(out / "evaluation.json")]))


def _add_optional(sub: argparse._SubParsersAction, module: str, adder: str) -> None:
    """Subcommands whose modules may need services (Kafka) register themselves if importable."""
    import importlib

    try:
        mod = importlib.import_module(f".{module}", __package__)
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.startswith(__package__ or "detector"):
            return
        raise
    getattr(mod, adder)(sub)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cdr-detector", description="Streaming fraud detector for CDRs.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    adders: list[Callable[[argparse._SubParsersAction], None]] = [_add_replay, _add_explain, _add_generate,
                                                                   _add_evaluate, _add_demo]
    for add in adders:
        add(sub)
    _add_optional(sub, "worker", "add_subcommand")
    _add_optional(sub, "produce", "add_subcommand")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
