"""Score a detector's alerts against ground-truth labels: precision, recall, time to detect, false alarms.

Counted by number, not by alert: an analyst works a number, so ten alerts on one fraudster are one true
positive and ten alerts on one courier are one false alarm.  The pure :func:`evaluate` does the arithmetic;
the readers around it turn files into its inputs and stop at the first malformed line with an
:class:`EvaluationInputError` naming that line, so a bad file gives a message, not a traceback.
"""

from __future__ import annotations

import argparse
import bisect
import csv
import gzip
import io
import math
import sys
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any, Literal

import orjson

from detector.records import TYPOLOGIES

UNLABELED = "unlabeled"
"""Profile of numbers that were alerted but appear nowhere in the labels: all false positives."""

LABEL_COLUMNS: tuple[str, ...] = ("number", "label", "typology", "fraud_start")
LABELS: tuple[str, ...] = ("fraud", "legit")


class EvaluationInputError(ValueError):
    """Malformed labels, alerts or CDR file; ``str()`` names where (file and line) and what is wrong."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where}: {problem}")
        self.where = where
        self.problem = problem


# --------------------------------------------------------------------------------------------- inputs


def parse_time(text: str) -> float:
    """RFC 3339 date-time to UTC epoch seconds; an offset is required because naive times are ambiguous."""
    try:
        moment = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        raise ValueError(f"not an RFC 3339 date-time: {text!r}") from None
    if moment.tzinfo is None:
        raise ValueError(f"date-time has no UTC offset: {text!r}")
    return moment.timestamp()


@dataclass(frozen=True, slots=True)
class LabelRow:
    """Ground truth for one number.

    ``typology`` is the fraud typology of a fraud row and the legit profile (ordinary, courier, ...) of a
    legit row; ``fraud_start`` is UTC epoch seconds, set exactly for fraud rows; ``line`` is where the row
    came from, for error messages.
    """

    number: str
    label: Literal["fraud", "legit"]
    typology: str
    fraud_start: float | None = None
    line: int | None = None

    def __post_init__(self) -> None:
        """Reject inconsistent rows at construction, so evaluate() never sees one."""
        if not self.number:
            raise ValueError("number is empty")
        if self.label not in LABELS:
            raise ValueError(f"label must be 'fraud' or 'legit', got {self.label!r}")
        if not self.typology:
            raise ValueError("typology (fraud typology or legit profile) is empty")
        if self.label == "fraud":
            if self.typology not in TYPOLOGIES:
                raise ValueError(f"fraud typology must be one of {', '.join(TYPOLOGIES)}; got {self.typology!r}")
            if self.fraud_start is None:
                raise ValueError("fraud row needs a fraud_start")
        elif self.fraud_start is not None:
            raise ValueError("legit row must have an empty fraud_start")


@dataclass(frozen=True, slots=True)
class _Alert:
    """The three fields of an alert the evaluation uses."""

    number: str
    typology: str
    detected_at: float


def _alert_view(alert: Any, where: str) -> _Alert:
    """Check and extract what evaluation needs from one alert; the rest of the alert is not our business."""
    if not isinstance(alert, Mapping):
        raise EvaluationInputError(where, f"alert must be a JSON object, got {type(alert).__name__}")
    number = alert.get("number")
    if not isinstance(number, str) or not number:
        raise EvaluationInputError(where, "alert has no 'number' string")
    typology = alert.get("typology")
    if typology not in TYPOLOGIES:
        raise EvaluationInputError(where, f"alert typology must be one of {', '.join(TYPOLOGIES)}; got {typology!r}")
    detected_at = alert.get("detected_at")
    if not isinstance(detected_at, str):
        raise EvaluationInputError(where, "alert has no 'detected_at' string")
    try:
        when = parse_time(detected_at)
    except ValueError as exc:
        raise EvaluationInputError(where, f"detected_at: {exc}") from None
    return _Alert(number=number, typology=typology, detected_at=when)


def _open_text(path: Path) -> IO[str]:
    """Open a possibly gzipped text file; the suffix decides, as for the replay input."""
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8-sig", newline="")
    return path.open("r", encoding="utf-8-sig", newline="")


def _open_binary(path: Path) -> io.BufferedIOBase:
    """Open a possibly gzipped file for line-wise JSON parsing (orjson takes bytes)."""
    if path.suffix == ".gz":
        return gzip.open(path, "rb")
    return path.open("rb")


def _normalise_label(label: str, typology: str) -> tuple[str, str]:
    """Accept the label conventions other generators use, as (fraud|legit, typology or profile).

    ``fraud,<typology>`` and ``legit,<profile>`` are ours; ``<profile>,`` (the label column naming the honest
    profile, typology empty) and ``<typology>,`` (the label naming the fraud) are read the same way.  An honest
    row with no profile at all is profile ``unspecified``.
    """
    low = label.lower()
    if low in ("fraud", "legit"):
        if low == "legit" and not typology:
            return low, "unspecified"
        return low, typology
    if low in TYPOLOGIES and not typology:
        return "fraud", low
    if label and (not typology or typology == label):
        return "legit", label
    return label, typology  # e.g. a profile label with a fraud typology: LabelRow says what is wrong


def _label_from_csv(row: Mapping[str | None, Any], source: Path, line: int) -> LabelRow:
    """One CSV row to a LabelRow, or an error that says what is wrong with it."""
    where = f"{source} line {line}"
    if None in row:
        raise EvaluationInputError(where, f"too many fields (expected {len(LABEL_COLUMNS)})")
    values: dict[str, str] = {}
    for column in LABEL_COLUMNS:
        value = row.get(column)
        if value is None:
            raise EvaluationInputError(where, f"too few fields (expected {len(LABEL_COLUMNS)})")
        values[column] = value.strip()
    try:
        start = parse_time(values["fraud_start"]) if values["fraud_start"] else None
    except ValueError as exc:
        raise EvaluationInputError(where, f"fraud_start: {exc}") from None
    label, typology = _normalise_label(values["label"], values["typology"])
    try:
        return LabelRow(values["number"], label, typology, start, line)  # type: ignore[arg-type]
    except ValueError as exc:
        raise EvaluationInputError(where, str(exc)) from None


def read_labels(path: Path) -> list[LabelRow]:
    """Read labels.csv (header: number,label,typology,fraud_start; extra columns are ignored)."""
    rows: list[LabelRow] = []
    with _open_text(path) as handle:
        reader = csv.DictReader(handle)
        try:
            header = reader.fieldnames or []
            missing = [column for column in LABEL_COLUMNS if column not in header]
            if missing:
                raise EvaluationInputError(f"{path} line 1", f"header lacks column(s) {', '.join(missing)}")
            for row in reader:
                rows.append(_label_from_csv(row, path, reader.line_num))
        except csv.Error as exc:
            raise EvaluationInputError(f"{path} line {reader.line_num}", f"bad CSV: {exc}") from None
        except UnicodeDecodeError as exc:
            raise EvaluationInputError(str(path), f"not UTF-8 text: {exc}") from None
    return rows


def read_alerts(path: Path) -> Iterator[dict[str, Any]]:
    """Stream alerts.jsonl (one alert per line, blank lines skipped), checking each line as it is read."""
    with _open_binary(path) as handle:
        for line_no, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            where = f"{path} line {line_no}"
            try:
                alert = orjson.loads(raw)
            except orjson.JSONDecodeError as exc:
                raise EvaluationInputError(where, f"not valid JSON: {exc}") from None
            _alert_view(alert, where)
            yield alert


def read_cdr_times(path: Path, numbers: Collection[str]) -> tuple[dict[str, list[float]], int]:
    """Stream a CDR file once and keep the start times of outbound records of ``numbers`` only.

    Every outbound record counts, voice and sms alike (records the number originated).  Lines that do not
    parse are skipped and counted, not fatal: CDR test data holds deliberately broken records for the
    parser's reject path.  Returns (times by number, skipped line count).
    """
    times: dict[str, list[float]] = {}
    skipped = 0
    with _open_binary(path) as handle:
        for raw in handle:
            if not raw.strip():
                continue
            try:
                record = orjson.loads(raw)
                if not isinstance(record, dict):
                    raise TypeError("not a JSON object")
                caller = record.get("caller")
                if isinstance(caller, str) and caller in numbers:
                    times.setdefault(caller, []).append(parse_time(record["start_time"]))
            except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
                skipped += 1
    return times, skipped


# --------------------------------------------------------------------------------------------- report


@dataclass(frozen=True, slots=True)
class Summary:
    """Median and 90th percentile (linear interpolation, as numpy's default); None when there is no value."""

    median: float | None
    p90: float | None


@dataclass(frozen=True, slots=True)
class TypologyStats:
    """How one fraud typology was detected; ttd_calls and ttd_own_minutes are None when no CDRs were given.

    ``ttd_minutes`` counts from the label's fraud_start, which for an operation of many numbers (a farm's SIMs)
    is the operation's start: a SIM that first dials twenty minutes later cannot be found sooner.
    ``ttd_own_minutes`` counts from the number's own first outbound record at or after fraud_start, so the
    two together say how much of a slow detection is the detector and how much the number's own late start.
    ``records_first_5_min`` / ``records_first_30_min``: outbound records (voice and SMS) of every labelled
    number of the typology, found or not, in its first 5 / 30 minutes from fraud_start: what a detection within
    the issue's time-to-detect bars has to go on (a SIM that makes one call in five minutes is judged on one call).
    """

    count: int
    detected: int
    recall: float
    typology_accuracy_first: float | None
    typology_accuracy_any: float | None
    early: int
    ttd_minutes: Summary
    ttd_calls: Summary | None
    ttd_own_minutes: Summary | None
    records_first_5_min: Summary | None = None
    records_first_30_min: Summary | None = None
    missed_numbers: list[str] = field(default_factory=list)
    early_numbers: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ProfileStats:
    """False alarms in one legit profile; the rate is None for 'unlabeled', which has no denominator."""

    count: int
    false_alarms: int
    false_alarm_rate: float | None
    false_alarm_numbers: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class EvaluationReport:
    """Everything the evaluation found; precision or recall is None when its denominator is zero."""

    precision: float | None
    recall: float | None
    alerts: int
    alerted_numbers: int
    true_positives: int
    false_positives: int
    fraud_numbers: int
    legit_numbers: int
    typologies: dict[str, TypologyStats]
    profiles: dict[str, ProfileStats]

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able dict (the --json output)."""
        return asdict(self)


@dataclass(slots=True)
class _NumberAlerts:
    """All alerts of one number, reduced to the first one and the set of typologies seen."""

    first: _Alert
    typologies: set[str]


def quantile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolation quantile (numpy's default), written out so the tests can compute it by hand."""
    if not values:
        return None
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _summary(values: Sequence[float]) -> Summary:
    return Summary(median=quantile(values, 0.5), p90=quantile(values, 0.9))


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def _index_labels(labels: Iterable[LabelRow]) -> dict[str, LabelRow]:
    """Labels by number; a number labelled twice is an error because its truth would be ambiguous."""
    truth: dict[str, LabelRow] = {}
    for row in labels:
        previous = truth.get(row.number)
        if previous is not None:
            where = f"labels line {row.line}" if row.line is not None else "labels"
            raise EvaluationInputError(where, f"number {row.number} is labelled twice (first on line {previous.line})")
        truth[row.number] = row
    return truth


def _group_alerts(alerts: Iterable[Mapping[str, Any]]) -> tuple[dict[str, _NumberAlerts], int]:
    """Alerts by number, keeping the earliest by detected_at (input order breaks ties); also the count."""
    grouped: dict[str, _NumberAlerts] = {}
    count = 0
    for count, raw in enumerate(alerts, start=1):
        alert = _alert_view(raw, f"alert #{count}")
        seen = grouped.get(alert.number)
        if seen is None:
            grouped[alert.number] = _NumberAlerts(first=alert, typologies={alert.typology})
            continue
        seen.typologies.add(alert.typology)
        if alert.detected_at < seen.first.detected_at:
            seen.first = alert
    return grouped, count


def _calls_between(times: Sequence[float], start: float, end: float) -> int:
    """Number of sorted ``times`` in [start, end]; the triggering CDR (at ``end``) counts."""
    if end < start:
        return 0
    return bisect.bisect_right(times, end) - bisect.bisect_left(times, start)


def _typology_stats(
    rows: Sequence[LabelRow], grouped: Mapping[str, _NumberAlerts], cdr_times: Mapping[str, Sequence[float]] | None
) -> TypologyStats:
    """Detection, typology accuracy and time to detect for the fraud rows of one typology."""
    minutes: list[float] = []
    calls: list[float] = []
    own: list[float] = []
    first_right = any_right = 0
    missed: list[str] = []
    early: list[str] = []
    in_5: list[float] = []
    in_30: list[float] = []
    for row in rows:
        times = sorted(cdr_times.get(row.number, ())) if cdr_times is not None else []
        if cdr_times is not None and row.fraud_start is not None:
            in_5.append(float(_calls_between(times, row.fraud_start, row.fraud_start + 300.0)))
            in_30.append(float(_calls_between(times, row.fraud_start, row.fraud_start + 1800.0)))
        hit = grouped.get(row.number)
        if hit is None:
            missed.append(row.number)
            continue
        start = row.fraud_start
        assert start is not None, "LabelRow guarantees a fraud_start on fraud rows"
        first_right += hit.first.typology == row.typology
        any_right += row.typology in hit.typologies
        if hit.first.detected_at < start:
            early.append(row.number)
        minutes.append(max(0.0, hit.first.detected_at - start) / 60.0)
        if cdr_times is not None:
            calls.append(float(_calls_between(times, start, hit.first.detected_at)))
            first = bisect.bisect_left(times, start)
            if first < len(times):  # a number with no outbound record since fraud_start has no own start
                own.append(max(0.0, hit.first.detected_at - times[first]) / 60.0)
    detected = len(minutes)
    return TypologyStats(
        count=len(rows),
        detected=detected,
        recall=detected / len(rows),
        typology_accuracy_first=_ratio(first_right, detected),
        typology_accuracy_any=_ratio(any_right, detected),
        early=len(early),
        ttd_minutes=_summary(minutes),
        ttd_calls=_summary(calls) if cdr_times is not None else None,
        ttd_own_minutes=_summary(own) if cdr_times is not None else None,
        records_first_5_min=_summary(in_5) if cdr_times is not None else None,
        records_first_30_min=_summary(in_30) if cdr_times is not None else None,
        missed_numbers=sorted(missed),
        early_numbers=sorted(early),
    )


def _profile_stats(truth: Mapping[str, LabelRow], grouped: Mapping[str, _NumberAlerts]) -> dict[str, ProfileStats]:
    """False alarms per legit profile, sorted by name, with the 'unlabeled' pseudo-profile last if any."""
    members: dict[str, list[str]] = {}
    for row in truth.values():
        if row.label == "legit":
            members.setdefault(row.typology, []).append(row.number)
    profiles: dict[str, ProfileStats] = {}
    for profile in sorted(members):
        alarmed = sorted(number for number in members[profile] if number in grouped)
        profiles[profile] = ProfileStats(
            len(members[profile]), len(alarmed), len(alarmed) / len(members[profile]), alarmed
        )
    unlabeled = sorted(number for number in grouped if number not in truth)
    if unlabeled:
        profiles[UNLABELED] = ProfileStats(len(unlabeled), len(unlabeled), None, unlabeled)
    return profiles


def evaluate(
    labels: Iterable[LabelRow],
    alerts: Iterable[Mapping[str, Any]],
    cdr_times: Mapping[str, Sequence[float]] | None = None,
) -> EvaluationReport:
    """Score ``alerts`` against ``labels``; ``cdr_times`` (outbound start times by number) enables TTD in calls.

    The first alert of a number is its earliest by detected_at.  An alert before fraud_start counts as a
    detection with TTD 0 and is listed as "early" (it may be luck or a label that starts too late).
    """
    truth = _index_labels(labels)
    grouped, alert_count = _group_alerts(alerts)
    fraud_by_typology: dict[str, list[LabelRow]] = {}
    for row in truth.values():
        if row.label == "fraud":
            fraud_by_typology.setdefault(row.typology, []).append(row)
    fraud_count = sum(len(rows) for rows in fraud_by_typology.values())
    true_positives = sum(1 for number in grouped if number in truth and truth[number].label == "fraud")
    typologies = {
        typology: _typology_stats(fraud_by_typology[typology], grouped, cdr_times)
        for typology in TYPOLOGIES
        if typology in fraud_by_typology
    }
    return EvaluationReport(
        precision=_ratio(true_positives, len(grouped)),
        recall=_ratio(true_positives, fraud_count),
        alerts=alert_count,
        alerted_numbers=len(grouped),
        true_positives=true_positives,
        false_positives=len(grouped) - true_positives,
        fraud_numbers=fraud_count,
        legit_numbers=len(truth) - fraud_count,
        typologies=typologies,
        profiles=_profile_stats(truth, grouped),
    )


def evaluate_files(labels_path: Path, alerts_path: Path, cdrs_path: Path | None = None) -> EvaluationReport:
    """evaluate() on files: labels first (to know the fraud numbers), then alerts and CDRs streamed once."""
    labels = read_labels(labels_path)
    cdr_times: dict[str, list[float]] | None = None
    if cdrs_path is not None:
        fraud_numbers = {row.number for row in labels if row.label == "fraud"}
        cdr_times, skipped = read_cdr_times(cdrs_path, fraud_numbers)
        if skipped:
            print(f"note: {skipped} unparsable line(s) in {cdrs_path} skipped", file=sys.stderr)
    return evaluate(labels, read_alerts(alerts_path), cdr_times)


# --------------------------------------------------------------------------------------------- bars


@dataclass(frozen=True, slots=True)
class Bars:
    """Acceptance bars; the defaults are the project's release bars."""

    min_precision: float = 0.95
    min_recall_per_typology: float = 0.95
    zero_alert_profiles: tuple[str, ...] = ("courier", "call_centre")
    fast_typologies: tuple[str, ...] = ("scam_farm", "wangiri", "robocall")
    max_median_ttd_fast_min: float = 5.0
    max_median_ttd_other_min: float = 30.0


def check_bars(report: EvaluationReport, bars: Bars = Bars()) -> list[str]:
    """One sentence per failed bar; empty means all passed.

    No alerts at all (precision None) does not fail the precision bar, the recall bars catch it.  A typology
    with no detection fails recall only; its median TTD does not exist, so it is not reported twice.
    """
    failures: list[str] = []
    if report.precision is not None and report.precision < bars.min_precision:
        failures.append(f"precision {report.precision:.3f} < {bars.min_precision}")
    for typology, stats in report.typologies.items():
        if stats.recall < bars.min_recall_per_typology:
            failures.append(f"recall of {typology} {stats.recall:.3f} < {bars.min_recall_per_typology}")
        limit = bars.max_median_ttd_fast_min if typology in bars.fast_typologies else bars.max_median_ttd_other_min
        median = stats.ttd_minutes.median
        if median is not None and median > limit:
            failures.append(f"median time to detect {typology} {median:.1f} min > {limit} min")
    for profile in bars.zero_alert_profiles:
        stats_p = report.profiles.get(profile)
        if stats_p is not None and stats_p.false_alarms:
            failures.append(f"{stats_p.false_alarms} number(s) alerted in profile {profile}, which must have none")
    return failures


# --------------------------------------------------------------------------------------------- output


EXAMPLES = 5  # numbers named per missed typology and per alarmed profile in the text report (all in --json)


def _fmt(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def format_text(report: EvaluationReport) -> str:
    """Fixed-width tables for a terminal or a CI log."""
    lines = [
        (
            f"precision {_fmt(report.precision)}  recall {_fmt(report.recall)}  "
            f"alerts {report.alerts}  alerted numbers {report.alerted_numbers} "
            f"({report.true_positives} fraud, {report.false_positives} not)  "
            f"labelled fraud {report.fraud_numbers}  legit {report.legit_numbers}"
        ),
        "",
        (
            f"{'typology':<12}{'count':>7}{'detected':>9}{'recall':>8}{'typ_first':>10}{'typ_any':>8}{'early':>6}"
            f"{'ttd_min_med':>12}{'ttd_min_p90':>12}{'ttd_calls_med':>14}{'ttd_calls_p90':>14}{'ttd_own_med':>12}"
            f"{'rec_5min_med':>13}{'rec_30min_med':>14}"
        ),
    ]
    for typology, s in report.typologies.items():
        calls = s.ttd_calls or Summary(None, None)
        own = s.ttd_own_minutes or Summary(None, None)
        lines.append(
            f"{typology:<12}{s.count:>7}{s.detected:>9}{_fmt(s.recall):>8}{_fmt(s.typology_accuracy_first):>10}"
            f"{_fmt(s.typology_accuracy_any):>8}{s.early:>6}{_fmt(s.ttd_minutes.median, 1):>12}"
            f"{_fmt(s.ttd_minutes.p90, 1):>12}{_fmt(calls.median, 1):>14}{_fmt(calls.p90, 1):>14}"
            f"{_fmt(own.median, 1):>12}{_fmt((s.records_first_5_min or Summary(None, None)).median, 1):>13}"
            f"{_fmt((s.records_first_30_min or Summary(None, None)).median, 1):>14}"
        )
    lines += ["", f"{'profile':<24}{'count':>7}{'false_alarms':>14}{'rate':>8}"]
    for profile, p in report.profiles.items():
        lines.append(f"{profile:<24}{p.count:>7}{p.false_alarms:>14}{_fmt(p.false_alarm_rate):>8}")
    examples = [(f"missed {t}", s.missed_numbers) for t, s in report.typologies.items() if s.missed_numbers]
    examples += [(f"false alarm {p_}", p.false_alarm_numbers) for p_, p in report.profiles.items()
                 if p.false_alarm_numbers]
    if examples:
        lines += ["", f"numbers to look at (up to {EXAMPLES} of each; why: cdr-detector explain CDRS --number N):"]
        lines += [f"  {what}: {' '.join(numbers[:EXAMPLES])}" + (" ..." if len(numbers) > EXAMPLES else "")
                  for what, numbers in examples]
    return "\n".join(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``cdr-detector evaluate``."""
    parser.add_argument("--labels", type=Path, required=True, help="labels.csv: number,label,typology,fraud_start")
    parser.add_argument("--alerts", type=Path, required=True, help="alerts.jsonl[.gz] written by the detector")
    parser.add_argument("--cdrs", type=Path, help="cdrs.jsonl[.gz], for time to detect in calls (else null)")
    parser.add_argument("--json", dest="json_out", type=Path, help="also write the JSON report to this file")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="what to print on stdout")
    parser.add_argument("--check-bars", action="store_true", help="exit 1 if any acceptance bar fails")


def run(args: argparse.Namespace) -> int:
    """0 on success, 1 if --check-bars and a bar fails, 2 on unreadable or malformed input."""
    try:
        report = evaluate_files(args.labels, args.alerts, args.cdrs)
        failures = check_bars(report)
        document = report.to_dict() | {"bars": {"passed": not failures, "failures": failures}}
        encoded = orjson.dumps(document, option=orjson.OPT_INDENT_2)
        if args.json_out is not None:
            args.json_out.write_bytes(encoded + b"\n")
    except (EvaluationInputError, OSError, EOFError) as exc:  # EOFError: truncated .gz
        print(f"cdr-detector evaluate: error: {exc}", file=sys.stderr)
        return 2
    if args.format == "json":
        sys.stdout.write(encoded.decode() + "\n")
    else:
        print(format_text(report))
        print()
        print("bars: all passed" if not failures else "bars failed:\n  " + "\n  ".join(failures))
    return 1 if args.check_bars and failures else 0
