"""Metric names in PromQL, in Grafana dashboards, in Prometheus rule files and in /metrics output.

Helpers shared by the tests that check the operator-facing files against the metrics the code exports:
``test_dashboard_queries.py`` compares them with a registry built by :mod:`detector.metrics`; a test
against a running worker can compare them with the worker's own ``/metrics`` text
(:func:`exposed_metric_names`).  Plain functions, no pytest: ``from tests import promql_names`` (or ``import promql_names`` when tests/
is not a package).

The PromQL scanner is small and deliberately conservative: it finds the metric names of vector
selectors (``name{...}``, ``name[5m]``, ``{__name__="name"}``) and skips functions, aggregations, keywords,
label names, label values, durations and numbers.  It does not validate syntax; ``promtool check rules``
does that (:func:`promtool_check_exprs`).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

#: Series that Prometheus itself creates for every scrape target or rule (not exported by the worker).
PROMETHEUS_SYNTHETIC = frozenset(
    {
        "up",
        "scrape_duration_seconds",
        "scrape_samples_scraped",
        "scrape_samples_post_metric_relabeling",
        "scrape_series_added",
        "ALERTS",
        "ALERTS_FOR_STATE",
    }
)

AGGREGATORS = frozenset(
    {
        "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values", "bottomk", "topk",
        "quantile", "limitk", "limit_ratio",
    }
)
KEYWORDS = frozenset({"and", "or", "unless", "bool", "offset", "atan2", "inf", "nan"})
GROUPING = frozenset({"by", "without", "on", "ignoring", "group_left", "group_right"})

#: Values used for Grafana's built-in interval variables when an expression is checked outside Grafana.
GRAFANA_INTERVALS = {
    "__rate_interval": "5m",
    "__interval": "1m",
    "__range": "1h",
    "__range_s": "3600",
    "__range_ms": "3600000",
    "__interval_ms": "60000",
}

_TOKEN_RE = re.compile(
    r"""
    (?P<ws>\s+|\#[^\n]*)
  | (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)
  | (?P<duration>(?:\d+(?:ms|[smhdwy]))+(?![A-Za-z0-9_:]))
  | (?P<number>0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<ident>[A-Za-z_:][A-Za-z0-9_:]*)
  | (?P<op>=~|!~|!=|==|<=|>=|[-+*/%^<>=!,(){}\[\]@:])
    """,
    re.VERBOSE,
)
_GRAFANA_VAR_RE = re.compile(r"\$\{(\w+)(?::[^}]*)?\}|\$(\w+)|\[\[(\w+)(?::[^\]]*)?\]\]")
_LABEL_VALUES_RE = re.compile(r"^\s*(label_values|query_result|metrics|label_names)\s*\((.*)\)\s*$", re.DOTALL)


def _tokens(expr: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(expr):
        m = _TOKEN_RE.match(expr, pos)
        if m is None:
            raise ValueError(f"cannot scan PromQL at {pos}: {expr[pos:pos + 20]!r} in {expr!r}")
        pos = m.end()
        kind = m.lastgroup or ""
        if kind != "ws":
            out.append((kind, m.group()))
    return out


def _unquote(token: str) -> str:
    if token[0] == "`":
        return token[1:-1]
    return bytes(token[1:-1], "utf-8").decode("unicode_escape")


def metric_names_in_expr(expr: str) -> set[str]:
    """Metric names a PromQL expression selects.

    >>> sorted(metric_names_in_expr('sum by (job) (rate(a_total{job="x", le="+Inf"}[5m])) / on(job) b or {__name__="c"}'))
    ['a_total', 'b', 'c']
    """
    tokens = _tokens(substitute_grafana_variables(expr))
    names: set[str] = set()
    brace = bracket = 0
    i = 0
    n = len(tokens)

    def next_value(j: int) -> str | None:
        return tokens[j][1] if j < n else None

    while i < n:
        kind, value = tokens[i]
        if value == "{":
            brace += 1
        elif value == "}":
            brace -= 1
        elif value == "[":
            bracket += 1
        elif value == "]":
            bracket -= 1
        elif brace:
            # inside a selector's braces: only __name__="x" (or a quoted name alone) names a metric
            if kind == "ident" and value == "__name__" and next_value(i + 1) == "=" and i + 2 < n:
                if tokens[i + 2][0] == "string":
                    names.add(_unquote(tokens[i + 2][1]))
                i += 3
                continue
            if kind == "string" and tokens[i - 1][1] in ("{", ",") and next_value(i + 1) in (",", "}"):
                names.add(_unquote(value))
        elif bracket:
            pass
        elif kind == "ident":
            lower = value.lower()
            nxt = next_value(i + 1)
            if lower in GROUPING:
                if nxt == "(":  # skip the label list
                    depth = 0
                    i += 1
                    while i < n:
                        if tokens[i][1] == "(":
                            depth += 1
                        elif tokens[i][1] == ")":
                            depth -= 1
                            if depth == 0:
                                break
                        i += 1
            elif nxt == "(" or lower in KEYWORDS or (value in AGGREGATORS and nxt in GROUPING):
                pass  # function call, aggregation or keyword
            else:
                names.add(value)
        i += 1
    return names


def substitute_grafana_variables(expr: str, values: Mapping[str, str] | None = None) -> str:
    """Replace Grafana template variables so the expression is plain PromQL.

    Built-in interval variables become durations (:data:`GRAFANA_INTERVALS`); other variables take the
    value from ``values`` or become ``.+`` (they normally sit inside a label-matcher string).
    """
    values = values or {}

    def repl(m: re.Match[str]) -> str:
        name = m.group(1) or m.group(2) or m.group(3)
        if name in values:
            return values[name]
        if name in GRAFANA_INTERVALS:
            return GRAFANA_INTERVALS[name]
        return ".+"

    return _GRAFANA_VAR_RE.sub(repl, expr)


# -- where the expressions live -----------------------------------------------------------------------

def _walk_panels(panels: Iterable[Mapping[str, Any]]) -> Iterator[Mapping[str, Any]]:
    for panel in panels:
        yield panel
        yield from _walk_panels(panel.get("panels") or [])


def exprs_from_dashboard(dashboard: Mapping[str, Any] | str | Path) -> list[tuple[str, str]]:
    """``(where, expr)`` for every PromQL expression of a Grafana dashboard: panel targets (rows and
    nested panels included) and the metric selectors inside ``label_values(...)``-style variable queries.
    Expressions keep their Grafana variables; see :func:`substitute_grafana_variables`."""
    if not isinstance(dashboard, Mapping):
        dashboard = json.loads(Path(dashboard).read_text())
    found: list[tuple[str, str]] = []
    for panel in _walk_panels(dashboard.get("panels") or []):
        for target in panel.get("targets") or []:
            expr = target.get("expr")
            if expr:
                found.append((f"panel {panel.get('title')!r} target {target.get('refId')}", expr))
    for var in (dashboard.get("templating") or {}).get("list") or []:
        if var.get("type") != "query":
            continue
        query = var.get("query")
        if isinstance(query, Mapping):
            query = query.get("query")
        if not query:
            continue
        m = _LABEL_VALUES_RE.match(query)
        if m is None:
            found.append((f"variable {var.get('name')!r}", query))
            continue
        func, args = m.groups()
        if func in ("label_values", "label_names"):
            parts = _split_top_level_commas(args)
            if func == "label_values" and len(parts) == 2:
                found.append((f"variable {var.get('name')!r}", parts[0]))
            elif func == "label_names" and len(parts) == 1 and parts[0]:
                found.append((f"variable {var.get('name')!r}", parts[0]))
        elif func == "query_result":
            found.append((f"variable {var.get('name')!r}", args))
    return found


def _split_top_level_commas(text: str) -> list[str]:
    parts, depth, current, quote = [], 0, [], ""
    for ch in text:
        if quote:
            current.append(ch)
            if ch == quote:
                quote = ""
            continue
        if ch in "\"'`":
            quote = ch
        elif ch in "({[":
            depth += 1
        elif ch in ")}]":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
            continue
        current.append(ch)
    parts.append("".join(current).strip())
    return parts


def load_rule_groups(path: str | Path) -> list[Mapping[str, Any]]:
    return (yaml.safe_load(Path(path).read_text()) or {}).get("groups") or []


def exprs_from_rules(*paths: str | Path) -> list[tuple[str, str]]:
    """``(where, expr)`` for every recording and alerting rule in Prometheus rule files."""
    found: list[tuple[str, str]] = []
    for path in paths:
        for group in load_rule_groups(path):
            for rule in group.get("rules") or []:
                name = rule.get("record") or rule.get("alert")
                found.append((f"{Path(path).name} {name}", str(rule["expr"])))
    return found


def recorded_names(*paths: str | Path) -> set[str]:
    """Names of the series that the recording rules in ``paths`` create."""
    return {rule["record"] for path in paths for g in load_rule_groups(path) for rule in g.get("rules") or [] if "record" in rule}


# -- names the code exports ---------------------------------------------------------------------------

_SUFFIXES = {
    "counter": ("_total", "_created"),
    "histogram": ("_bucket", "_sum", "_count", "_created"),
    "gaugehistogram": ("_bucket", "_gsum", "_gcount"),
    "summary": ("", "_sum", "_count", "_created"),
    "info": ("_info",),
    "stateset": ("",),
    "gauge": ("",),
    "unknown": ("",),
}


def registered_metric_names(registry: Any) -> set[str]:
    """Every sample name a client_python registry can expose, whether or not it has samples yet
    (a labelled metric with no child still counts)."""
    names: set[str] = set()
    for family in registry.collect():
        for suffix in _SUFFIXES.get(family.type, ("",)):
            names.add(family.name + suffix)
        names.update(sample.name for sample in family.samples)
    return names


def exposed_metric_names(text: str) -> set[str]:
    """Sample names in a Prometheus text exposition (a worker's ``/metrics`` body or a textfile), plus the
    per-type names of families declared by ``# TYPE`` without samples."""
    from prometheus_client.parser import text_string_to_metric_families

    names: set[str] = set()
    for family in text_string_to_metric_families(text):
        for suffix in _SUFFIXES.get(family.type, ("",)):
            names.add(family.name + suffix)
        names.update(sample.name for sample in family.samples)
    return names


def unknown_names(exprs: Iterable[tuple[str, str]], known: set[str]) -> dict[str, set[str]]:
    """``{where: names}`` for each expression that references a metric outside ``known``."""
    problems: dict[str, set[str]] = {}
    for where, expr in exprs:
        missing = metric_names_in_expr(expr) - known
        if missing:
            problems[where] = missing
    return problems


# -- parsing with promtool ----------------------------------------------------------------------------

def promtool_path() -> str | None:
    return shutil.which("promtool")


def promtool_check_exprs(exprs: Iterable[tuple[str, str]], promtool: str | None = None) -> subprocess.CompletedProcess[str]:
    """Parse every expression with ``promtool check rules`` by writing each as a recording rule to a
    temporary rule file (promtool has no offline 'parse this query' command).  Grafana variables are
    substituted first.  Returns the completed process; ``returncode`` 0 means every expression parses."""
    promtool = promtool or promtool_path()
    if promtool is None:
        raise FileNotFoundError("promtool")
    rules = [
        {"record": f"check:expr_{i}", "expr": substitute_grafana_variables(expr), "labels": {"where": where[:200]}}
        for i, (where, expr) in enumerate(exprs)
    ]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "exprs.yml"
        path.write_text(yaml.safe_dump({"groups": [{"name": "exprs", "rules": rules}]}, sort_keys=False))
        return subprocess.run([promtool, "check", "rules", str(path)], capture_output=True, text=True, timeout=60)
