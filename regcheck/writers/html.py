"""The HTML report (``--report FILE.html``): one self-contained file a supervisor opens offline.

Government intranets have no internet, so nothing is fetched: the styles, the data
and the chart library are inside the file. Charts are drawn by Apache ECharts
(Apache-2.0, an Apache Software Foundation project with Chinese as its default
locale), copied from its npm package into ``writers/assets/`` by
``scripts/vendor-echarts.sh`` and embedded inline; they render as SVG. Every figure
a chart shows is also in a table, so the report reads the same where scripts are
blocked, and prints.

Sections (Chinese first): summary cards; findings per office and per rule; on-time
rate per office; working days taken against the limit; the most overdue cases;
the zero-report (offices and rules without findings, listed explicitly as the
monthly 零报告 needs); suppressions to look at; the full findings table.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from html import escape
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import __version__
from ..baseline import STATUS_ZH
from ..schema import BUSINESS_TYPES, SEVERITIES, SEVERITY_ZH
from ..summary import Summary
from . import neutralise
from .atomic import atomic_path

MAX_TABLE_ROWS = 20_000  # findings listed in the report; the findings file has them all
SEVERITY_COLOUR = {
    "critical": "#b71c1c",
    "high": "#e8590c",
    "medium": "#f2b705",
    "low": "#4a90d9",
    "info": "#9e9e9e",
}
DIST_RANGE = 10  # working days before/after the limit shown one by one; beyond that, grouped


def _echarts() -> str:
    return resources.files("regcheck.writers").joinpath("assets/echarts.min.js").read_text(encoding="utf-8")


def _e(value: Any) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
        return ""
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d %H:%M")
    # escaped for HTML, and neutralised like the CSV for Excel/WPS, which run "=…" cells of an opened .html
    return escape(str(neutralise(str(value))))


def _pct(value: Any) -> str:
    return "—" if value is None or pd.isna(value) else f"{float(value):.1%}"


def _table(headers: list[str], rows: list[list[str]], cls: str = "", empty: str = "无", num: Iterable[int] = ()) -> str:
    """An HTML table; ``num`` = indices of right-aligned numeric columns."""
    if not rows:
        return f'<p class="empty">{escape(empty)}</p>'
    right = set(num)

    def attr(i: int) -> str:
        return ' class="n"' if i in right else ""

    head = "".join(f"<th{attr(i)}>{h}</th>" for i, h in enumerate(headers))
    body = "\n".join("<tr>" + "".join(f"<td{attr(i)}>{c}</td>" for i, c in enumerate(r)) + "</tr>" for r in rows)
    table = f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>\n{body}\n</tbody></table>'
    return f'<div class="scroll">{table}</div>'


def _sev(s: str) -> str:
    return f'<span class="sev sev-{escape(s)}">{SEVERITY_ZH.get(s, escape(s))}</span>'


def _btype(code: Any) -> str:
    return escape(BUSINESS_TYPES.get(code, str(code))) if isinstance(code, str) and code else "（未填）"


def _distribution(timing: pd.DataFrame) -> dict[str, Any]:
    """Ended timed cases by (elapsed − limit), one bar per working day, stacked by limit."""
    ended = timing.loc[~timing["open"].to_numpy()]
    buckets = list(range(-DIST_RANGE, DIST_RANGE + 1))
    labels = [
        f"≤{b}" if b == -DIST_RANGE else f"≥+{b}" if b == DIST_RANGE else (f"+{b}" if b > 0 else str(b))
        for b in buckets
    ]
    series = []
    for limit in sorted(ended["limit"].unique().tolist()):
        over = ended.loc[ended["limit"].to_numpy() == limit, "over"].clip(-DIST_RANGE, DIST_RANGE)
        counts = over.value_counts()
        series.append({"name": f"时限{int(limit)}个工作日", "data": [int(counts.get(b, 0)) for b in buckets]})
    return {"labels": labels, "series": series, "limit_index": buckets.index(0)}


def _data(s: Summary) -> dict[str, Any]:
    bo = s.by_office()
    br = s.by_rule()
    m = s.matrix()
    f = s.current
    sev_by_office = (
        pd.crosstab(f["office_code"].fillna("").astype(str), f["severity"]) if len(f) else pd.DataFrame()
    ).reindex(index=bo["office_code"].tolist(), columns=list(SEVERITIES), fill_value=0)
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
        "on_time": [
            {"office": str(r["office_code"]), "rate": None if pd.isna(r["on_time_rate"]) else float(r["on_time_rate"])}
            for r in bo.to_dict(orient="records")
        ],
        "distribution": _distribution(s.timing),
        "matrix_rules": list(m.columns),
    }


def _json_script(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False).replace("</", "<\\/")


CSS = """
:root { --ink:#1f2933; --muted:#5f6b7a; --line:#d9dee5; --bg:#f5f7fa; --accent:#1d4e89; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--ink);
  font: 14px/1.6 "Microsoft YaHei","PingFang SC","Noto Sans CJK SC","Source Han Sans SC",
    "WenQuanYi Micro Hei",sans-serif; }
header { background:var(--accent); color:#fff; padding:20px 32px; }
header h1 { margin:0; font-size:24px; }
header p { margin:4px 0 0; opacity:.85; }
nav { background:#fff; border-bottom:1px solid var(--line); padding:8px 32px; position:sticky; top:0; z-index:5; }
nav a { color:var(--accent); margin-right:18px; text-decoration:none; white-space:nowrap; }
main { padding:16px 32px 40px; max-width:1400px; margin:0 auto; }
section { background:#fff; border:1px solid var(--line); border-radius:6px; padding:16px 20px; margin:16px 0; }
h2 { font-size:18px; margin:0 0 12px; color:var(--accent); }
h2 small, h3 small { color:var(--muted); font-weight:normal; font-size:13px; margin-left:8px; }
h3 { font-size:15px; margin:16px 0 8px; }
.cards { display:grid; grid-template-columns:repeat(auto-fill,minmax(170px,1fr)); gap:12px; }
.card { border:1px solid var(--line); border-radius:6px; padding:12px 14px; background:#fbfcfd; }
.card .v { font-size:26px; font-weight:bold; }
.card .k { color:var(--muted); font-size:13px; }
.card.critical .v { color:#b71c1c; } .card.high .v { color:#e8590c; } .card.good .v { color:#2e7d32; }
.chart { width:100%; height:340px; min-width:0; }
.two { display:grid; grid-template-columns:minmax(0,1fr) minmax(0,1fr); gap:16px; align-items:start; }
@media (max-width: 1000px) { .two { grid-template-columns:minmax(0,1fr); } }
.scroll { overflow:auto; max-height:640px; border:1px solid var(--line); }
table { border-collapse:collapse; width:100%; font-size:13px; }
th, td { border-bottom:1px solid var(--line); padding:5px 8px; text-align:left; vertical-align:top; }
th { background:#eef2f7; position:sticky; top:0; z-index:1; white-space:nowrap; }
td.n, th.n { text-align:right; font-variant-numeric:tabular-nums; }
.z { color:#b0b8c4; }
tr:hover td { background:#f6f9fc; }
.sev { display:inline-block; padding:0 6px; border-radius:3px; color:#fff; font-size:12px; white-space:nowrap; }
.sev-critical { background:#b71c1c; } .sev-high { background:#e8590c; }
.sev-medium { background:#f2b705; color:#3d2e00; }
.sev-low { background:#4a90d9; } .sev-info { background:#9e9e9e; }
.status-new { color:#b71c1c; } .status-open { color:#e8590c; } .status-resolved { color:#2e7d32; }
.empty { color:var(--muted); }
.zero { display:flex; flex-wrap:wrap; gap:6px; padding:0; list-style:none; }
.zero li { border:1px solid #b7dfb9; background:#eef8ee; border-radius:4px; padding:2px 8px; }
.note { color:var(--muted); font-size:13px; }
.warn { color:#8a4b00; }
input[type=search] { width:320px; padding:5px 8px; border:1px solid var(--line); border-radius:4px; margin-bottom:8px; }
footer { color:var(--muted); text-align:center; font-size:12px; padding:16px; }
@media print { nav { display:none; } .scroll { max-height:none; overflow:visible; } section { break-inside:avoid; } }
"""

INIT_JS = r"""
(function () {
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var charts = [];
  function make(id, option) {
    var el = document.getElementById(id);
    if (!el || typeof echarts === 'undefined') { return; }
    var chart = echarts.init(el, null, { renderer: 'svg' });
    option.animation = false;
    chart.setOption(option);
    charts.push(chart);
  }
  var grid = { left: 56, right: 24, top: 40, bottom: 56, containLabel: true };
  make('chart-office', {
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    legend: { top: 0 },
    grid: grid,
    xAxis: { type: 'category', data: data.offices, axisLabel: { rotate: data.offices.length > 12 ? 45 : 0 } },
    yAxis: { type: 'value', name: '问题数', minInterval: 1 },
    series: data.severity.map(function (s) {
      return { name: s.name, type: 'bar', stack: 'sev', data: s.data, itemStyle: { color: s.colour } };
    })
  });
  make('chart-rule', {
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    grid: { left: 24, right: 40, top: 16, bottom: 24, containLabel: true },
    xAxis: { type: 'value', name: '问题数', minInterval: 1 },
    yAxis: { type: 'category', data: data.rules.map(function (r) { return r.id + ' ' + r.title; }) },
    series: [{ type: 'bar', name: '问题数', label: { show: true, position: 'right' },
      data: data.rules.map(function (r) { return { value: r.count, itemStyle: { color: r.colour } }; }) }]
  });
  make('chart-ontime', {
    tooltip: { trigger: 'axis', valueFormatter: function (v) { return v == null ? '—' : v + '%'; } },
    grid: grid,
    xAxis: { type: 'category', data: data.on_time.map(function (r) { return r.office; }),
      axisLabel: { rotate: data.on_time.length > 12 ? 45 : 0 } },
    yAxis: { type: 'value', name: '按时办结率 %', min: 0, max: 100 },
    series: [{ type: 'bar', name: '按时办结率', label: { show: true, position: 'top', formatter: '{c}%' },
      itemStyle: { color: '#2e7d32' },
      data: data.on_time.map(function (r) { return r.rate == null ? null : Math.round(r.rate * 1000) / 10; }) }]
  });
  var d = data.distribution;
  make('chart-dist', {
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    legend: { top: 0 },
    grid: grid,
    xAxis: { type: 'category', data: d.labels, name: '用时 − 时限（工作日）', nameLocation: 'middle', nameGap: 28 },
    yAxis: { type: 'value', name: '案件数', minInterval: 1 },
    series: d.series.map(function (s, i) {
      var out = { name: s.name, type: 'bar', stack: 'dist', data: s.data };
      if (i === 0) {
        out.markArea = { silent: true, itemStyle: { color: 'rgba(183,28,28,0.08)' },
          data: [[{ xAxis: d.labels[d.limit_index + 1], name: '超期' }, { xAxis: d.labels[d.labels.length - 1] }]] };
      }
      return out;
    })
  });
  window.addEventListener('resize', function () { charts.forEach(function (c) { c.resize(); }); });
  document.documentElement.setAttribute('data-charts', String(charts.length));

  var box = document.getElementById('filter');
  if (box) {
    var rows = document.querySelectorAll('#findings-table tbody tr');
    box.addEventListener('input', function () {
      var q = box.value.trim().toLowerCase();
      for (var i = 0; i < rows.length; i++) {
        rows[i].style.display = !q || rows[i].textContent.toLowerCase().indexOf(q) >= 0 ? '' : 'none';
      }
    });
  }
})();
"""


def render(s: Summary, title: str = "不动产登记日志合规检查报告") -> str:
    bo = s.by_office()
    br = s.by_rule()
    on_time, timed = s.on_time_total()
    sev = s.severity_counts()
    cur = s.current
    period = f"期间 {s.period.label}" if s.period else "全部数据"
    as_of = s.as_of.strftime("%Y-%m-%d %H:%M") if s.as_of is not None and pd.notna(s.as_of) else "—"

    cards = [
        ("问题总数 findings", f"{len(cur):,}", ""),
        ("严重 critical", f"{sev['critical']:,}", "critical"),
        ("高 high", f"{sev['high']:,}", "high"),
        ("中 / 低 / 提示", f"{sev['medium']:,} / {sev['low']:,} / {sev['info']:,}", ""),
        ("检查案件 cases", f"{s.cases:,}", ""),
        ("登记机构 offices", f"{len(s.offices):,}", ""),
        ("按时办结率 on-time", _pct(on_time / timed if timed else None), "good"),
        ("未计时案件 incomplete", f"{int(s.incomplete.sum()):,}", ""),
    ]
    if s.baseline:
        st = s.status_totals()
        cards += [(f"{STATUS_ZH[k]} {k}", f"{st[k]:,}", "critical" if k == "new" else "") for k in st]
    if s.suppressions.suppressed:
        cards.append(("已豁免 suppressed", f"{s.suppressions.suppressed:,}", ""))
    cards_html = "".join(
        f'<div class="card {cls}"><div class="v">{escape(v)}</div><div class="k">{escape(k)}</div></div>'
        for k, v, cls in cards
    )

    # office x rule matrix
    m = s.matrix()
    rules_by_id = {r.id: r for r in s.ran}
    m_head = ["机构 office", "合计"] + [
        f'<span title="{escape(rules_by_id[c].title)}">{escape(c)}</span>' for c in m.columns
    ]
    m_rows = []
    for office, row in m.iterrows():
        total = int(row.sum())
        m_rows.append(
            [_e(office), f"<b>{total:,}</b>"] + [f"{int(v):,}" if v else '<span class="z">0</span>' for v in row]
        )

    rule_rows = [
        [
            _e(r.rule_id),
            _e(r.title),
            _sev(r.severity),
            _e(r.category),
            _e(rules_by_id[r.rule_id].basis_text.replace(";", "、")),
            f"{int(r.count):,}",
        ]
        for r in br.itertuples()
    ]

    ot_rows = [
        [_e(r["office_code"]), f"{r['timed']:,}", f"{r['on_time']:,}", _pct(r["on_time_rate"]), f"{r['incomplete']:,}"]
        for r in bo.to_dict(orient="records")
    ]

    over = s.overdue()
    over_rows = [
        [
            _e(r["case_id"]),
            _e(r["office_code"]),
            _btype(r["business_type"]),
            _e(pd.Timestamp(r["t_accept"]).strftime("%Y-%m-%d") if pd.notna(r["t_accept"]) else ""),
            "在办" if r["open"] else "已办结",
            f"{int(r['elapsed'])}",
            f"{int(r['limit'])}",
            f"<b>{int(r['over'])}</b>",
        ]
        for r in over.to_dict(orient="records")
    ]

    zero_off = s.zero_offices()
    zero_rules = s.zero_rules()
    zero_html = (
        "<h3>无问题的登记机构 <small>offices with zero findings</small></h3>"
        + (
            '<ul class="zero">' + "".join(f"<li>{_e(o)}</li>" for o in zero_off) + "</ul>"
            if zero_off
            else '<p class="empty">无（每个机构均有问题记录）</p>'
        )
        + "<h3>未发现问题的检查项 <small>rules with zero findings</small></h3>"
        + (
            '<ul class="zero">' + "".join(f"<li>{_e(r.id)} {_e(r.title)}</li>" for r in zero_rules) + "</ul>"
            if zero_rules
            else '<p class="empty">无（每条规则均有问题记录）</p>'
        )
        + "<h3>各机构零报告项 <small>per office: rules with zero findings</small></h3>"
        + _table(
            ["机构 office", "零问题检查项 rules with zero findings"],
            [[_e(office), "、".join(_e(c) for c in m.columns if not row[c]) or "—"] for office, row in m.iterrows()],
        )
    )

    sup = s.suppressions
    sup_items = [f"<li class='warn'>已过期 expired（{n} 条不再豁免）：{_e(x.describe())}</li>" for x, n in sup.expired]
    sup_items += [f"<li class='warn'>未匹配 unused：{_e(x.describe())}</li>" for x in sup.unused]
    skipped = [f"<li>跳过 skipped {_e(r.id)}：{_e(why)}</li>" for r, why in s.skipped]
    notes_html = ""
    if sup_items or skipped:
        notes_html = (
            '<section id="notes"><h2>需注意 <small>suppressions and skipped rules</small></h2><ul>'
            + "".join(sup_items + skipped)
            + "</ul></section>"
        )

    f = s.findings
    shown = f.head(MAX_TABLE_ROWS)
    f_head = ["级别", "规则", "名称", "机构", "业务号", "不动产单元号", "操作人", "时间", "问题描述"]
    if s.baseline:
        f_head.append("台账状态")
    f_rows = []
    for r in shown.to_dict(orient="records"):
        row = [
            _sev(r["severity"]),
            _e(r["rule_id"]),
            _e(r["title"]),
            _e(r["office_code"]),
            _e(r["case_id"]),
            _e(r["unit_id"]),
            _e(r["operator_id"]),
            _e(pd.Timestamp(r["event_time"]) if pd.notna(r["event_time"]) else None),
            _e(r["message"]),
        ]
        if s.baseline:
            st = r.get("status") or ""
            row.append(f'<span class="status-{escape(st)}">{escape(STATUS_ZH.get(st, st))}</span>')
        f_rows.append(row)
    more = (
        f'<p class="note">仅列出前 {MAX_TABLE_ROWS:,} 条，共 {len(f):,} 条；完整清单见问题文件。</p>'
        if len(f) > MAX_TABLE_ROWS
        else ""
    )

    data = _data(s)
    period_note = "；仅统计本期办结的案件" if s.period else ""
    overdue_html = _table(
        ["业务号", "机构", "业务类型", "受理日期", "状态", "用时", "时限", "超期工作日"],
        over_rows,
        "overdue",
        "无超期案件",
        num=(5, 6, 7),
    )
    rules_html = _table(["规则", "名称", "级别", "类别", "依据（清单条目）", "问题数"], rule_rows, "rules", num=(5,))
    ontime_html = _table(
        ["机构 office", "计时办结 timed", "按时 on time", "按时办结率 rate", "未计时 incomplete"],
        ot_rows,
        "ontime",
        num=(1, 2, 3, 4),
    )
    matrix_html = _table(m_head, m_rows, "matrix", "无登记机构", num=range(1, len(m_head)))
    chart_lib = _echarts().replace("</script", "<\\/script")
    unmasked = (
        ""
        if s.masked
        else "\n  <p><b>个人信息未脱敏（--no-mask）：姓名、身份证号、手机号原样显示，仅限授权使用。</b>"
        " Personal data NOT masked — authorised use only.</p>"
    )
    body = f"""
<header>
  <h1>{escape(title)}</h1>
  <p>Registration audit-log compliance report · {escape(period)} · 数据截至 as-of {escape(as_of)}
     · regcheck {__version__}</p>{unmasked}
</header>
<nav>
  <a href="#summary">概览</a><a href="#by-office">各机构</a><a href="#by-rule">各规则</a>
  <a href="#on-time">按时办结</a><a href="#distribution">用时分布</a><a href="#overdue">超期案件</a>
  <a href="#zero">零报告</a><a href="#findings">问题清单</a>
</nav>
<main>
<section id="summary"><h2>概览 <small>summary</small></h2><div class="cards">{cards_html}</div></section>

<section id="by-office">
  <h2>一、各机构问题分布 <small>findings per office and rule</small></h2>
  <div class="chart" id="chart-office" role="img" aria-label="各机构问题数（按级别）"></div>
  {matrix_html}
</section>

<section id="by-rule">
  <h2>二、各检查项问题数 <small>findings per rule</small></h2>
  <div class="two">
    <div class="chart" id="chart-rule" role="img" aria-label="各规则问题数（有问题的规则）"
         style="height:{max(200, 26 * int((br["count"] > 0).sum()) + 60)}px"></div>
    <div>{rules_html}</div>
  </div>
</section>

<section id="on-time">
  <h2>三、按时办结率 <small>on-time rate per office</small></h2>
  <p class="note">按时办结率 = 已办结且计时的案件中，用时（扣除中止）不超过时限的比例{period_note}。
     未计时：无受理记录（办理早于所读数据）的案件。</p>
  <div class="chart" id="chart-ontime" role="img" aria-label="各机构按时办结率"></div>
  {ontime_html}
</section>

<section id="distribution">
  <h2>四、办理用时与时限 <small>working days taken against the limit</small></h2>
  <p class="note">横轴为用时减时限的工作日数：0 表示恰在期限日办结，正数为超期天数（红色区域），负数为提前。</p>
  <div class="chart" id="chart-dist" role="img" aria-label="办理用时相对时限的分布"></div>
</section>

<section id="overdue">
  <h2>五、超期最多的案件 <small>top overdue cases</small></h2>
  {overdue_html}
</section>

<section id="zero"><h2>六、零报告 <small>zero-report</small></h2>{zero_html}</section>
{notes_html}
<section id="findings">
  <h2>七、问题清单 <small>all findings ({len(f):,})</small></h2>
  <input type="search" id="filter" placeholder="筛选：输入机构、业务号、规则或关键词" aria-label="筛选问题">
  {more}{_table(f_head, f_rows, "findings", "本期未发现问题")}
</section>
</main>
<footer>由 regcheck {__version__} 生成 · 图表 Apache ECharts（Apache License 2.0）· 本文件离线可用</footer>
"""
    body = body.replace('class="findings"', 'class="findings" id="findings-table"', 1)
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)} {escape(period)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        f"{body}\n"
        f'<script type="application/json" id="report-data">{_json_script(data)}</script>\n'
        f"<script>{chart_lib}</script>\n"
        f"<script>{INIT_JS}</script>\n</body>\n</html>\n"
    )


def write_report(summary: Summary, path: str | Path) -> None:
    """Write the report atomically."""
    text = render(summary)
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


__all__ = ["render", "write_report"]
