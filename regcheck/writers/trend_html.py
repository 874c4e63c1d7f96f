"""The HTML trend report (``regcheck trend … --report trend.html``, issue 17): offices and operators by month.

One self-contained page in the scan report's frame (``_page.html.j2``: its styles, CJK fonts, print CSS,
ECharts inline, ``charts.js``), from the same Jinja2 environment (autoescape on, data for the script only
through ``tojson``). Chinese first, English beside. Sections:

* 概览 summary: the range, offices, operators, warnings by rule (every trend warning rule, zeros included);
* 预警清单 the warnings list: rule, office, operator, date, message and the evidence in words;
* 各机构趋势 per office: a line chart of the rate (findings per 100 cases handled) and the on-time rate by
  month; an operator × month heat map of rates, the cells of warned operators' months outlined; and the same
  figures as plain tables (for print, and for readers without scripts), warned cells marked ⚠.

What it shows is what it is given: the trend table's operator ids as the table has them, the warnings as
written to the findings table (masked by the caller, like the scan report's findings).

A warning marks heat-map cells when it names an operator: the cells of that office × operator in the months
its evidence names (any ``YYYY-MM`` of the range, as a key or a value; without one, the month it is dated).
A warning without an operator is listed under its office.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import pandas as pd

from .. import __version__
from ..findings import finding_id
from ..rules import REGISTRY
from ..trend import Trend
from .atomic import atomic_path
from .html import _echarts as echarts_script
from .html import cell, environment, pct, rate_axis_min

# the heat map's colours: no rate (no case handled), then from a rate of 0 to the office's highest rate
HEAT_BLANK = "#f5f7fa"
HEAT_RAMP = ((0xF4, 0xF9, 0xEC), (0xF2, 0xB7, 0x05), (0xE8, 0x59, 0x0C))
HEAT_TOP_QUANTILE = 0.95  # the darkest colour from this quantile of the operator rates up (heat_top)
WARN_MARK = "#b71c1c"  # the outline of a warned heat-map cell (the critical colour of the scan report)
_MONTH = re.compile(r"(?<![\d-])\d{4}-(?:0[1-9]|1[0-2])(?![\d-])")  # 2026-10, not in 2026-10-01
TABLE_COLUMNS = ("cases_handled", "cases_accepted", "cases_registered", "events", "findings")


# -- the warnings ---------------------------------------------------------------------------------------------


def _plain(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return {True: "是", False: "否", None: "—"}[value]
    if isinstance(value, float):
        return "—" if math.isnan(value) else f"{value:,.2f}".rstrip("0").rstrip(".")
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _words(value: Any, top: bool = True) -> str:
    """A JSON value as a line of text: ``key：value；…`` at the top, ``key value、…`` inside."""
    if isinstance(value, dict):
        sep, pair = ("；", "{}：{}") if top else ("、", "{} {}")
        return sep.join(pair.format(k, _words(v, False)) for k, v in value.items())
    if isinstance(value, list):
        return "、".join(_words(v, False) for v in value)
    return _plain(value)


def evidence_words(evidence: Any) -> str:
    """A finding's evidence (a JSON object as text) in words; text that is not JSON as it is."""
    if evidence is None or (isinstance(evidence, float) and math.isnan(evidence)):
        return ""
    try:
        value = json.loads(evidence) if isinstance(evidence, str) else evidence
    except ValueError:
        return str(evidence)
    return _words(value)


def _json(evidence: Any) -> Any:
    try:
        return json.loads(evidence) if isinstance(evidence, str) else evidence
    except ValueError:
        return None


def _named_months(evidence: Any, months: set[str]) -> set[str]:
    """The months of the range an evidence names: those of its ``months`` entry (WR001: the months the operator
    stood out in), or else any it names, as a key or in a value, at any depth."""
    value = _json(evidence)
    if isinstance(value, dict) and "months" in value:
        value = value["months"]
    found: set[str] = set()
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, dict):
            stack += [*v.keys(), *v.values()]
        elif isinstance(v, list):
            stack += v
        elif isinstance(v, str):
            found |= set(_MONTH.findall(v)) & months
    return found


def _warned_operator(w: dict[str, Any], operators: list[str]) -> str:
    """The table's operator a warning is about: the one whose finding id (from the rule's key, its @rule
    declaration) is the warning's, as the warning's operator_id may be masked; else its operator_id as it is."""
    rule, fid = REGISTRY.get(_text(w.get("rule_id"))), _text(w.get("finding_id"))
    if rule is not None and fid:
        for op in operators:
            if finding_id(rule.id, rule.key_of({**w, "operator_id": op})) == fid:
                return op
    return _text(w.get("operator_id"))


def warned_cells(warnings: pd.DataFrame, table: pd.DataFrame, months: list[str]) -> set[tuple[str, str, str]]:
    """(office, operator, month) of every warning about an operator: the months its evidence names (or the month
    it is dated), the operator as the trend table has it."""
    known = set(months)
    ops = table.loc[table["level"] == "operator"] if len(table) else table
    operators = ops.groupby(ops["office_code"].astype(str))["operator_id"].agg(list).to_dict() if len(ops) else {}
    cells: set[tuple[str, str, str]] = set()
    for w in warnings.to_dict(orient="records"):  # warnings: a handful per office, not events
        if not _text(w.get("operator_id")):
            continue
        office = _text(w.get("office_code"))
        named = _named_months(w.get("evidence"), known)
        if not named and pd.notna(w.get("event_time")):
            named = {pd.Timestamp(w["event_time"]).strftime("%Y-%m")} & known
        operator = _warned_operator(w, [str(o) for o in operators.get(office, [])])
        cells |= {(office, operator, m) for m in named}
    return cells


def _text(value: Any) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def _warning_rows(warnings: pd.DataFrame) -> list[dict[str, str]]:
    rows = []
    for w in warnings.to_dict(orient="records"):
        when = pd.Timestamp(w["event_time"]).strftime("%Y-%m-%d") if pd.notna(w.get("event_time")) else ""
        row = {c: cell(w.get(c)) for c in ("rule_id", "title", "office_code", "operator_id", "message")}
        rows.append(
            {
                **row,
                "severity": _text(w.get("severity")),
                "date": when,
                "evidence": cell(evidence_words(w.get("evidence"))),
            }
        )
    return rows


def _by_rule(warnings: pd.DataFrame) -> list[dict[str, Any]]:
    """Every trend warning rule of the registry (zeros too), then any other rule the warnings carry."""
    counts = warnings["rule_id"].astype(str).value_counts() if len(warnings) else pd.Series(dtype=int)
    ids = [r.id for r in REGISTRY.values() if r.grouping == "months"]
    ids += sorted(set(counts.index) - set(ids))
    titles = dict(zip(warnings.get("rule_id", []), warnings.get("title", []), strict=False))
    return [
        {
            "id": i,
            "title": REGISTRY[i].title if i in REGISTRY else titles.get(i, ""),
            "title_en": REGISTRY[i].title_en if i in REGISTRY else "",
            "count": int(counts.get(i, 0)),
        }
        for i in ids
    ]


# -- per office -----------------------------------------------------------------------------------------------


def _rate(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else round(float(value), 2)


def _office_rows(rows: pd.DataFrame, months: list[str]) -> list[dict[str, Any]]:
    by_month = rows.set_index("month").reindex(months)
    out = []
    for month, r in by_month.iterrows():
        known = pd.notna(r["events"])
        out.append(
            {
                "month": month,
                **{c: f"{int(r[c]):,}" if known else "—" for c in (*TABLE_COLUMNS, "cases_timed", "cases_on_time")},
                "rate": _plain(_rate(r["rate"])),
                "on_time_rate": pct(r["on_time_rate"]),
            }
        )
    return out


def heat_colour(rate: float | None, top: float) -> str:
    """The colour of a rate on the heat map's ramp (0 … ``top``), blank without a rate."""
    if rate is None:
        return HEAT_BLANK
    pos = min(max(rate / top, 0.0), 1.0) * (len(HEAT_RAMP) - 1) if top > 0 else 0.0
    i = min(int(pos), len(HEAT_RAMP) - 2)
    a, b = HEAT_RAMP[i], HEAT_RAMP[i + 1]
    return "#" + "".join(f"{round(x + (y - x) * (pos - i)):02x}" for x, y in zip(a, b, strict=True))


def _heat(
    ops: pd.DataFrame, office: str, months: list[str], marked: set[tuple[str, str, str]], top: float
) -> dict[str, Any]:
    """The operator × month rates of one office (operators as the table orders them), the warned cells, and
    their colours on one scale for every office (0 … ``top``: :func:`heat_top`)."""
    grid = ops.pivot(index="operator_id", columns="month", values="rate").reindex(columns=months)
    grid = grid.reindex(pd.unique(ops["operator_id"]))
    operators = [str(o) for o in grid.index]
    cells, rows = [], []
    for y, op in enumerate(operators):
        row = []
        for x, m in enumerate(months):
            rate = _rate(grid.iat[y, x])
            warned = (office, op, m) in marked
            if rate is not None or warned:
                cells.append({"x": x, "y": y, "rate": rate, "warned": warned})
            row.append({"text": _plain(rate) if rate is not None else "", "warned": warned})
        rows.append({"operator": cell(op), "warned": any(c["warned"] for c in row), "cells": row})
    for c in cells:
        c["colour"] = heat_colour(c["rate"], top)
    return {"operators": operators, "cells": cells, "rows": rows}


def heat_top(table: pd.DataFrame) -> float:
    """The top of the heat maps' colour scale: the 95th percentile of the operator rates (at least 1), so that a
    stand-in with one case and one finding (a rate of 100) does not wash every other cell out; higher rates
    take the darkest colour."""
    rates = table.loc[table["level"] == "operator", "rate"].dropna() if len(table) else pd.Series(dtype=float)
    return max(_rate(rates.quantile(HEAT_TOP_QUANTILE)) or 0.0, 1.0) if len(rates) else 1.0


def _offices(trend: Trend, warnings: pd.DataFrame, months: list[str]) -> tuple[list[dict], list[dict]]:
    """Per office: the page's blocks (tables, its warnings without an operator) and the charts' data."""
    t = trend.table
    marked = warned_cells(warnings, t, months)
    office_warnings = warnings.loc[warnings["operator_id"].fillna("").astype(str) == ""] if len(warnings) else warnings
    blocks, charts = [], []
    top = heat_top(t)
    by_office = t.groupby(t["office_code"].astype(str), sort=False) if len(t) else []
    for i, (office, mine) in enumerate(by_office):
        level = mine.loc[mine["level"] == "office"]
        ops = mine.loc[mine["level"] == "operator"]
        heat = _heat(ops, office, months, marked, top)
        by_month = level.set_index("month").reindex(months)
        rates = [_rate(v) for v in by_month["rate"]]
        on_time = [None if pd.isna(v) else round(100 * float(v), 1) for v in by_month["on_time_rate"]]
        charts.append(
            {
                "office": office,
                "rate": rates,
                "on_time": on_time,
                "on_time_min": rate_axis_min(by_month["on_time_rate"]),
                "operators": heat["operators"],
                "cells": heat["cells"],
            }
        )
        own = (
            office_warnings.loc[office_warnings["office_code"].astype(str) == office]
            if len(office_warnings)
            else office_warnings
        )
        blocks.append(
            {
                "index": i,
                "office": cell(office),
                "months": _office_rows(level, months),
                "heat": heat["rows"],
                "warned": sum(c["warned"] for c in heat["cells"]),
                "warnings": [f"{r['rule_id']} {r['title']}：{r['message']}" for r in _warning_rows(own)],
            }
        )
    return blocks, charts


# -- the page -------------------------------------------------------------------------------------------------


def _header(trend: Trend, title: str, masked: bool) -> dict[str, Any]:
    months = [p.label for p in trend.months]
    span = f"{months[0]} 至 {months[-1]}（{len(months)} 个月）" if months else "无月份"
    return {"title": title, "period": span, "version": __version__, "masked": masked}


def _cards(trend: Trend, warnings: pd.DataFrame, by_rule: list[dict[str, Any]]) -> list[dict[str, str]]:
    t = trend.table
    ops = t.loc[t["level"] == "operator", ["office_code", "operator_id"]].drop_duplicates() if len(t) else t
    cards = [
        ("月份 months", f"{len(trend.months):,}", ""),
        ("登记机构 offices", f"{t['office_code'].nunique() if len(t) else 0:,}", ""),
        ("经办人 operators", f"{len(ops):,}", ""),
        ("预警 warnings", f"{len(warnings):,}", "critical" if len(warnings) else "good"),
    ]
    cards += [(f"{r['id']} {r['title']}", f"{r['count']:,}", "high" if r["count"] else "") for r in by_rule]
    return [{"key": k, "value": v, "cls": cls} for k, v, cls in cards]


def context(trend: Trend, warnings: pd.DataFrame, title: str, masked: bool = True) -> dict[str, Any]:
    months = [p.label for p in trend.months]
    by_rule = _by_rule(warnings)
    blocks, charts = _offices(trend, warnings, months)
    return {
        "header": _header(trend, title, masked),
        "cards": _cards(trend, warnings, by_rule),
        "by_rule": by_rule,
        "warnings": _warning_rows(warnings),
        "months": months,
        "offices": blocks,
        "heat_top": _plain(heat_top(trend.table)),
        "data": {"months": months, "offices": charts, "mark": WARN_MARK},
        "echarts": echarts_script(),
    }


def render(trend: Trend, warnings: pd.DataFrame, title: str = "不动产登记趋势预警报告", masked: bool = True) -> str:
    return environment().get_template("trend.html.j2").render(context(trend, warnings, title, masked))


def write_trend_report(trend: Trend, warnings: pd.DataFrame, path: str | Path, *, masked: bool = True) -> None:
    """Write the trend report atomically. ``warnings``: the trend warnings as written to the findings table
    (spec/output.md's columns, masked); ``masked=False`` (``--no-mask``) puts the scan report's notice on top."""
    text = render(trend, warnings, masked=masked)
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


__all__ = ["evidence_words", "render", "warned_cells", "write_trend_report"]
