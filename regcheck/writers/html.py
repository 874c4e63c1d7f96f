"""The HTML report (``--report FILE.html``): one self-contained file a supervisor opens offline.

Government intranets have no internet, so nothing is fetched: the styles, the data
and the chart library are inside the file. Charts are drawn by Apache ECharts
(Apache-2.0, an Apache Software Foundation project with Chinese as its default
locale), copied from its npm package into ``writers/assets/`` by
``scripts/vendor-echarts.sh`` and embedded inline; they render as SVG. Every figure
a chart shows is also in a table, so the report reads the same where scripts are
blocked, and prints (A4 landscape).

The page is a set of Jinja2 templates (``writers/templates/``, autoescape on): one
per section, each fed by a context builder below. The charts' data reaches the
page's script only through ``tojson``, with U+2028/U+2029 escaped as well, so no
value from the log (an office code ``<!--<script>``) can end the script or the page.

Sections (Chinese first): summary cards; the input read (rows, rejects and their
reasons, files); findings per office and per rule; on-time rate per office;
working days taken against the limit; the most overdue cases; the zero-report
(offices and rules without findings, listed explicitly as the monthly 零报告
needs); suppressions to look at; the full findings table.
"""

from __future__ import annotations

import colorsys
import json
import math
import re
from collections.abc import Iterable
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd
from markupsafe import Markup

from .. import __version__
from ..baseline import STATUS_ZH, STATUSES
from ..schema import SEVERITIES, SEVERITY_ZH
from ..summary import Summary, Timeliness, business_label
from . import for_text, neutralise
from .atomic import atomic_path

MAX_TABLE_ROWS = 20_000  # findings listed in the report; the findings file has them all
TOP_REJECT_REASONS = 10
SEVERITY_COLOUR = {
    "critical": "#b71c1c",
    "high": "#e8590c",
    "medium": "#f2b705",
    "low": "#4a90d9",
    "info": "#9e9e9e",
}
# One colour per time limit (working days), the same in every report; other limits get a hue of their own.
LIMIT_COLOUR = {
    1: "#7b1fa2",
    2: "#00838f",
    3: "#5d4037",
    5: "#1d4e89",
    7: "#6d8b00",
    10: "#c2185b",
    15: "#455a64",
    20: "#ef6c00",
    30: "#2e7d32",
}
DIST_RANGE = 10  # working days before/after the limit shown one by one; beyond that, grouped
RATE_AXIS_FLOORS = (0, 50, 80, 90, 95, 98, 99, 99.5)  # where the on-time axis may start (percent)


# -- the template environment ----------------------------------------------------------------


def script_json(obj: Any, **kwargs: Any) -> str:
    """JSON for a ``<script>`` block (the ``tojson`` policy): Chinese kept as is, U+2028/U+2029 escaped.

    Jinja2's ``tojson`` then escapes ``<``, ``>``, ``&`` and ``'``; NaN is refused (JSON.parse rejects it).
    """
    text = json.dumps(obj, ensure_ascii=False, allow_nan=False, **kwargs)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def cell(value: Any) -> str:
    """A table cell's text: blanks for missing values, and neutralised like the CSV for Excel/WPS.

    Excel/WPS run "=…" cells of an opened .html, so formulas get a leading quote; autoescape does the HTML.
    """
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(neutralise(str(value)))


def pct(value: Any) -> str:
    return "—" if value is None or pd.isna(value) else f"{float(value):.1%}"


def number(value: Any) -> str:
    return f"{int(value):,}"


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("regcheck.writers", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.policies["json.dumps_function"] = script_json
    env.policies["json.dumps_kwargs"] = {}
    env.filters.update(cell=cell, pct=pct, num=number)
    env.globals.update(severity_zh=SEVERITY_ZH, status_zh={k: STATUS_ZH[k] for k in STATUSES})
    return env


@cache
def _echarts() -> Markup:
    """The chart library as the text of a ``<script>`` element (nothing in it may end or comment the element)."""
    text = resources.files("regcheck.writers").joinpath("assets/echarts.min.js").read_text(encoding="utf-8")
    text = re.sub(r"</(script)", r"<\\/\1", text, flags=re.I).replace("<!--", "<\\u0021--")
    return Markup(text)


# -- context builders, one per section -----------------------------------------------------


def _header(s: Summary, title: str) -> dict[str, Any]:
    return {
        "title": title,
        "period": f"期间 {s.period.label}" if s.period else "全部数据",
        "as_of": s.as_of.strftime("%Y-%m-%d %H:%M") if s.as_of is not None and pd.notna(s.as_of) else "—",
        "version": __version__,
        "masked": s.masked,
    }


def _cards(s: Summary) -> list[dict[str, str]]:
    on_time, timed = s.on_time_total()
    sev = s.severity_counts()
    month = f"本期 {s.period.label} " if s.period else ""
    cards = [
        ("问题总数 findings", f"{len(s.current):,}", ""),
        ("严重 critical", f"{sev['critical']:,}", "critical"),
        ("高 high", f"{sev['high']:,}", "high"),
        ("中 / 低 / 提示", f"{sev['medium']:,} / {sev['low']:,} / {sev['info']:,}", ""),
        (f"{month}检查案件 cases", f"{s.cases:,}", ""),
        ("登记机构 offices", f"{len(s.offices):,}", ""),
        ("按时办结率 on-time", pct(on_time / timed if timed else None), "good"),
        (f"{month}未计时案件 incomplete", f"{int(s.incomplete.sum()):,}", ""),
    ]
    if s.baseline:
        st = s.status_totals()
        cards += [(f"{STATUS_ZH[k]} {k}", f"{st[k]:,}", "critical" if k == "new" else "") for k in st]
    if s.suppressions.suppressed:
        cards.append(("已豁免 suppressed", f"{s.suppressions.suppressed:,}", ""))
    return [{"key": k, "value": v, "cls": cls} for k, v, cls in cards]


def _inputs(s: Summary) -> dict[str, Any]:
    """Rows read, rejected, blank and set aside, the config used, the top reject reasons, the files read."""
    reasons = [
        (f"{r['column']}: {r['reason']}" if r.get("column") else str(r["reason"]), int(r["rows"]))
        for r in s.intake.reasons
    ]
    return {
        "rows_read": s.rows_read,
        "rows_rejected": s.rows_rejected,
        "rows_after_period": s.rows_after_period,
        "rows_blank": s.intake.rows_blank,
        "has_intake": True,
        "config": s.intake.config,
        "ignored": list(s.intake.ignored),
        "reasons": reasons[:TOP_REJECT_REASONS],
        "rejects_path": s.rejects_path,
        "files": [str(f) for f in s.files_read],
    }


def _by_office(s: Summary) -> dict[str, Any]:
    m = s.matrix()
    titles = {r.id: r.title for r in s.ran}
    rows = [
        {"office": office, "total": int(row.sum()), "counts": [int(v) for v in row]} for office, row in m.iterrows()
    ]
    return {"rules": [{"id": c, "title": titles.get(c, "")} for c in m.columns], "rows": rows}


def _by_rule(s: Summary) -> dict[str, Any]:
    br = s.by_rule()
    basis = {r.id: r.basis_text.replace(";", "、") for r in s.ran}
    rows = [dict(r._asdict(), basis=basis.get(r.rule_id, "")) for r in br.itertuples(index=False)]
    return {"rows": rows, "chart_height": max(200, 26 * int((br["count"] > 0).sum()) + 60)}


def _on_time(s: Summary) -> dict[str, Any]:
    rows = s.by_office()[["office_code", "timed", "on_time", "on_time_rate", "incomplete"]]
    return {"rows": rows.to_dict(orient="records"), "period": s.period.label if s.period else None}


def _overdue(s: Summary) -> list[dict[str, Any]]:
    over = s.overdue()
    return [
        {
            "case_id": r["case_id"],
            "office_code": r["office_code"],
            "business_type": business_label(r["business_type"]) or "（未填）",
            "accepted": pd.Timestamp(r["t_accept"]).strftime("%Y-%m-%d") if pd.notna(r["t_accept"]) else "",
            "open": bool(r["open"]),
            "elapsed": int(r["elapsed"]),
            "limit": int(r["limit"]),
            "over": int(r["over"]),
        }
        for r in over.to_dict(orient="records")
    ]


def _zero(s: Summary) -> dict[str, Any]:
    m = s.matrix()
    return {
        "offices": s.zero_offices(),
        "rules": s.zero_rules(),
        "per_office": [(office, [c for c in m.columns if not row[c]]) for office, row in m.iterrows()],
    }


def _notes(s: Summary) -> dict[str, Any]:
    sup = s.suppressions
    return {
        "expired": [(x.describe(), n) for x, n in sup.expired],
        "unused": [x.describe() for x in sup.unused],
        "skipped": [(r.id, why) for r, why in s.skipped],
        "not_checkable": [(r.id, why) for r, why in s.not_checkable],
    }


def _findings(s: Summary) -> dict[str, Any]:
    """The findings table's cells as text, neutralised like the CSV (vectorised: up to 20,000 rows)."""
    f = s.findings
    cols = ["severity", "rule_id", "title", "office_code", "case_id", "unit_id", "operator_id", "event_time", "message"]
    shown = f.head(MAX_TABLE_ROWS)[[*cols, "status"] if s.baseline else cols].copy()
    shown["event_time"] = pd.to_datetime(shown["event_time"]).dt.strftime("%Y-%m-%d %H:%M")
    text = for_text(shown)
    columns = [text[c].tolist() for c in text.columns]  # lists and zip: DataFrame.to_dict is slower by far
    rows = [dict(zip(text.columns, values, strict=True)) for values in zip(*columns, strict=True)]
    return {"rows": rows, "total": len(f), "limit": MAX_TABLE_ROWS, "baseline": s.baseline}


# -- the charts' data ---------------------------------------------------------------------------


def limit_colour(limit: int) -> str:
    """The colour of a time limit: fixed for the common limits, a hue of its own (golden angle) for others."""
    if limit in LIMIT_COLOUR:
        return LIMIT_COLOUR[limit]
    r, g, b = colorsys.hls_to_rgb((limit * 0.381966) % 1.0, 0.42, 0.55)
    return f"#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}"


def rate_axis_min(rates: Iterable[float | None]) -> float:
    """Where the on-time axis starts (percent): zoomed to the data, so 98.6 % and 99.7 % look different.

    The lowest floor that leaves half the data's spread (at least one point) below the lowest bar.
    """
    known = [100 * float(r) for r in rates if r is not None and not pd.isna(r)]
    if not known:
        return 0
    lo, hi = min(known), max(known)
    margin = max(hi - lo, 1.0) / 2
    return max(f for f in RATE_AXIS_FLOORS if f <= max(lo - margin, 0))


def _distribution(timing: Timeliness) -> dict[str, Any]:
    """Ended timed cases by (elapsed − limit), one bar per working day, stacked by limit."""
    ended = timing.ended
    buckets = list(range(-DIST_RANGE, DIST_RANGE + 1))
    labels = [
        f"≤{b}" if b == -DIST_RANGE else f"≥+{b}" if b == DIST_RANGE else (f"+{b}" if b > 0 else str(b))
        for b in buckets
    ]
    series = []
    for limit in sorted(int(x) for x in ended["limit"].unique()):
        rows = ended.loc[ended["limit"].to_numpy() == limit]
        counts = rows["cases"].groupby(rows["over"].clip(-DIST_RANGE, DIST_RANGE).to_numpy()).sum()
        series.append(
            {
                "name": f"时限{limit}个工作日",
                "colour": limit_colour(limit),
                "data": [int(counts.get(b, 0)) for b in buckets],
            }
        )
    return {"labels": labels, "series": series, "limit_index": buckets.index(0)}


def chart_data(s: Summary) -> dict[str, Any]:
    """Everything the page's script draws, as plain JSON values (embedded with ``tojson``)."""
    bo = s.by_office()
    br = s.by_rule()
    f = s.current
    sev_by_office = (
        pd.crosstab(f["office_code"].fillna("").astype(str), f["severity"]) if len(f) else pd.DataFrame()
    ).reindex(index=bo["office_code"].tolist(), columns=list(SEVERITIES), fill_value=0)
    rates = [None if pd.isna(r) else float(r) for r in bo["on_time_rate"]]
    return {
        "offices": bo["office_code"].astype(str).tolist(),
        "severity": [
            {
                "key": sev,
                "name": SEVERITY_ZH[sev],
                "colour": SEVERITY_COLOUR[sev],
                "data": [int(x) for x in sev_by_office[sev].fillna(0).tolist()],
            }
            for sev in reversed(SEVERITIES)
        ],
        "rules": [
            {"id": r.rule_id, "title": r.title, "count": int(r.count), "colour": SEVERITY_COLOUR[r.severity]}
            for r in br.loc[br["count"] > 0].sort_values(["count", "rule_id"], ascending=[True, False]).itertuples()
        ],
        "on_time": [{"office": str(o), "rate": r} for o, r in zip(bo["office_code"], rates, strict=True)],
        "on_time_min": rate_axis_min(rates),
        "distribution": _distribution(s.timing),
    }


# -- the page -----------------------------------------------------------------------------------


def context(s: Summary, title: str) -> dict[str, Any]:
    return {
        "header": _header(s, title),
        "cards": _cards(s),
        "inputs": _inputs(s),
        "by_office": _by_office(s),
        "by_rule": _by_rule(s),
        "on_time": _on_time(s),
        "overdue": _overdue(s),
        "zero": _zero(s),
        "notes": _notes(s),
        "findings": _findings(s),
        "data": chart_data(s),
        "echarts": _echarts(),
    }


def render(s: Summary, title: str = "不动产登记日志合规检查报告") -> str:
    return environment().get_template("report.html.j2").render(context(s, title))


def write_report(summary: Summary, path: str | Path) -> None:
    """Write the report atomically."""
    text = render(summary)
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


__all__ = ["chart_data", "environment", "limit_colour", "rate_axis_min", "render", "script_json", "write_report"]
