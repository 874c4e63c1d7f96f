"""The HTML trend report (issue 17): self-contained, Chinese first, rendered in headless Chromium.

The Trend is built here from a small month-by-month table (regcheck/trend.py's columns): two offices over
three months, office 340102's operator W2 drifting (its rate rises while the others' stay) and its on-time
rate falling, with the warnings that story carries as a findings table has them.
"""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regcheck.calendar import WorkCalendar
from regcheck.findings import finding_id
from regcheck.period import parse_period
from regcheck.rules import REGISTRY
from regcheck.schema import FINDING_COLUMNS
from regcheck.trend import CATEGORY_COLUMNS, SEVERITY_COLUMNS, TREND_COLUMNS, Trend
from regcheck.writers.trend_html import WARN_MARK, evidence_words, render, write_trend_report

from ._chromium import A4_LANDSCAPE_PX
from .conftest import read_findings_csv, run_cli
from .test_report import HOSTILE, without_scripts

MONTHS = ("2026-09", "2026-10", "2026-11")


def row(level: str, office: str, operator: str, month: str, handled: int, found: int, timed: int, late: int) -> dict:
    """One row of the trend table: `found` findings (all 作风, medium) on `handled` cases, `late` of `timed`."""
    r = dict.fromkeys(TREND_COLUMNS, 0)
    r.update(level=level, office_code=office, operator_id=operator, month=month, cases_handled=handled)
    r.update(cases_accepted=handled // 2, cases_registered=handled // 2, cases_timed=timed, events=4 * handled)
    r.update(cases_on_time=timed - late, findings=found)
    r[CATEGORY_COLUMNS["作风"]] = r[SEVERITY_COLUMNS["medium"]] = found
    r["rate"] = 100 * found / handled if handled else float("nan")
    r["on_time_rate"] = (timed - late) / timed if timed else float("nan")
    return r


def make_trend(rows: list[dict], months: tuple[str, ...] = MONTHS) -> Trend:
    table = pd.DataFrame(rows, columns=list(TREND_COLUMNS))
    table = table.sort_values(["level", "office_code", "operator_id", "month"], kind="stable").reset_index(drop=True)
    return Trend(
        months=tuple(parse_period(m) for m in months),
        table=table,
        findings=pd.DataFrame(columns=["rule_id", "office_code", "operator_id", "event_time", "month"]),
        daily=pd.DataFrame({"office_code": [], "date": pd.to_datetime([]), "events": []}),
        calendar=WorkCalendar(),
    )


def story(operators: tuple[str, ...] = ("W1", "W2", "W3"), offices: tuple[str, ...] = ("340102", "340103")) -> Trend:
    """Office 1's second operator drifts (rates 4 → 20 → 30) and its lateness grows; office 2 is steady."""
    rows = []
    for o_i, office in enumerate(offices):
        for m_i, month in enumerate(MONTHS):
            found = []
            for p_i, op in enumerate(operators):
                drift = o_i == 0 and p_i == 1
                n = (2, 10, 15)[m_i] if drift else 2 + p_i % 2
                rows.append(row("operator", office, f"{op}", month, 50, n, 20, 0))
                found.append(n)
            late = (1, 3, 6)[m_i] if o_i == 0 else 1
            rows.append(row("office", office, "", month, 50 * len(operators), sum(found), 60, late))
    return make_trend(rows)


def warning(rule: str, office: str, operator: str, message: str, evidence: dict) -> dict:
    w = dict.fromkeys(FINDING_COLUMNS, "")
    key = REGISTRY[rule].key.format(office_code=office, operator_id=operator, case_id="")  # as the rule keys it
    w.update(finding_id=finding_id(rule, key), rule_id=rule, title=REGISTRY[rule].title)
    w.update(severity="medium", category="廉政", basis="15", office_code=office, operator_id=operator)
    w.update(event_time=pd.Timestamp("2026-11-30 23:59:59"), message=message, evidence=json.dumps(evidence))
    w["status"] = None
    return w


def warnings(*rows: dict) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=list(FINDING_COLUMNS))


def drift_warnings(office: str = "340102", operator: str = "W2") -> pd.DataFrame:
    """WR001 on the drifting operator (its evidence as the rule writes it: all three months' rates, the two it
    stood out in), WR003 on its office."""
    rates = dict(zip(MONTHS, (4.0, 20.0, 30.0), strict=True))
    evidence = {"months": "2026-10,2026-11", "rates": rates, "medians": dict.fromkeys(MONTHS, 4.0), "ratio": 3.0}
    return warnings(
        warning("WR001", office, operator, f"经办人{operator}问题率连续偏高", evidence),
        warning("WR003", office, "", "按时办结率连续3个月下降", {"on_time_rates": [0.983, 0.95, 0.9]}),
    )


def write(tmp: Path, trend: Trend, w: pd.DataFrame) -> tuple[Path, str]:
    out = tmp / "trend.html"
    write_trend_report(trend, w, out)
    return out, out.read_text(encoding="utf-8")


def page_data(html: str) -> dict:
    block = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', html, re.S)
    assert block is not None
    return json.loads(block[1])


def marked_in_tables(html: str) -> set[tuple[int, str, str]]:
    """(office block, operator, month) of every cell the plain heat tables mark."""
    out = set()
    for i, block in enumerate(re.split(r'<div class="office" id="office-\d+">', html)[1:]):
        heat = block[block.index('class="heat"') :] if 'class="heat"' in block else ""
        months = re.findall(r'<th class="n">(\d{4}-\d{2})</th>', heat)
        for tr in re.findall(r"<tr><td>(.*?)</tr>", heat, re.S):
            op = re.sub(r"</?b>", "", tr.split("</td>", 1)[0])
            cells = re.findall(r'<td class="n( warned)?">', tr)
            out |= {(i, op, months[j]) for j, c in enumerate(cells) if c}
    return out


# -- the page ------------------------------------------------------------------------------------------------


def test_self_contained_chinese_first_with_the_story(tmp_path: Path) -> None:
    _, html = write(tmp_path, story(), drift_warnings())
    assert html.startswith("<!DOCTYPE html>") and '<html lang="zh-CN">' in html
    markup = without_scripts(html)
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", markup, flags=re.I)
    assert "<link" not in markup and "@import" not in markup and html.count("<script") == 3
    assert "<h1>不动产登记趋势预警报告</h1>" in html and "2026-09 至 2026-11（3 个月）" in html
    for sid in ("summary", "warnings", "offices"):
        assert f'id="{sid}"' in html
    values = {k: v for v, k in re.findall(r'<div class="v">([^<]*)</div><div class="k">([^<]*)</div>', html)}
    assert values["月份 months"] == "3" and values["登记机构 offices"] == "2" and values["经办人 operators"] == "6"
    assert values["预警 warnings"] == "2"
    table = html[html.index('id="warnings-table"') : html.index('id="offices"')]
    assert table.count("<tr>") == 1 + 2 and "经办人W2问题率连续偏高" in table
    words = (
        "months：2026-10,2026-11；rates：2026-09 4、2026-10 20、2026-11 30；medians：2026-09 4、2026-10 4、2026-11 4"
    )
    assert words + "；ratio：3" in table  # the evidence in words
    first = html[html.index('id="office-0"') : html.index('id="office-1"')]
    assert "WR003 持续超期：按时办结率连续3个月下降" in first  # the office's own warning under it
    data = page_data(html)
    assert data["months"] == list(MONTHS) and [o["office"] for o in data["offices"]] == ["340102", "340103"]
    assert data["offices"][0]["rate"] == [4.0, 9.33, 12.67]  # (2+2+2, 2+10+2, 2+15+2) / 150
    assert data["offices"][0]["on_time"] == [98.3, 95.0, 90.0]
    assert marked_in_tables(html) == {(0, "W2", "2026-10"), (0, "W2", "2026-11")}
    colours = {(c["rate"], c["colour"]) for o in data["offices"] for c in o["cells"]}  # one scale for all offices
    assert len(dict(colours)) == len(colours) == 4 and dict(colours)[30.0] == "#e8590c"  # rates 4, 6, 20, 30


def test_nothing_to_warn_reads_sensibly(tmp_path: Path) -> None:
    _, html = write(tmp_path, story(), warnings())
    assert "本期无预警 — no warnings in this range" in html and marked_in_tables(html) == set()
    assert '<div class="v">0</div><div class="k">预警 warnings</div>' in html
    _, html = write(tmp_path, make_trend([]), warnings())
    assert "本期无机构数据 — no office in the range" in html and page_data(html)["offices"] == []
    office_only = [row("office", "340109", "", m, 0, 0, 0, 0) for m in MONTHS]  # no case handled, none timed
    _, html = write(tmp_path, make_trend(office_only), warnings())
    assert "无经办人数据 — no operator rows" in html
    assert page_data(html)["offices"][0]["rate"] == [None, None, None]


def test_a_masked_operator_is_marked_where_the_table_has_it() -> None:
    """The warnings are masked (a roster name in an operator id: 张三丰 → 张**), the trend table is not: the warned
    cells are found by the warning's finding id, from the rule's key; a warning of a rule the registry does not
    know is matched by its operator id as it is."""
    trend = story(operators=("W1", "张三丰", "W3"))
    masked = drift_warnings(operator="张三丰").assign(operator_id=lambda w: w["operator_id"].replace("张三丰", "张**"))
    html = render(trend, masked)
    assert marked_in_tables(html) == {(0, "张三丰", "2026-10"), (0, "张三丰", "2026-11")}
    unknown = drift_warnings(operator="W3").assign(rule_id="XX001", finding_id="")
    assert marked_in_tables(render(trend, unknown)) == {(0, "W3", "2026-10"), (0, "W3", "2026-11")}


def test_evidence_in_words() -> None:
    assert evidence_words('{"share": 0.123456, "windows": ["2026-10-01", "2026-10-08"], "n": 12000}') == (
        "share：0.12；windows：2026-10-01、2026-10-08；n：12,000"
    )
    assert evidence_words("not json") == "not json" and evidence_words(None) == ""


@settings(max_examples=60, deadline=None)
@given(
    marks=st.sets(st.tuples(st.sampled_from(("340102", "340103")), st.sampled_from(("W1", "W2", "W3")))),
    months=st.lists(st.sets(st.sampled_from(MONTHS), max_size=3), min_size=6, max_size=6),
    listed=st.booleans(),
)
def test_the_heat_map_marks_exactly_the_warned_cells(marks: set, months: list, listed: bool) -> None:
    """Any set of operators warned, each naming any months of the range, in its ``months`` (the others' rates
    beside them) or only as the keys of its rates; none: the month it is dated."""
    rows, expected = [], set()
    for (office, op), named in zip(sorted(marks), months, strict=False):
        if listed:
            evidence = {"months": ",".join(sorted(named)), "rates": dict.fromkeys(MONTHS, 25.0), "ratio": 3}
        else:
            evidence = {"rates": dict.fromkeys(sorted(named), 25.0), "ratio": 3}
        rows.append(warning("WR001", office, op, "偏高", evidence))
        expected |= {(office, op, m) for m in named or {"2026-11"}}
    html = render(story(), warnings(*rows))
    offices = ("340102", "340103")
    assert marked_in_tables(html) == {(offices.index(o), op, m) for o, op, m in expected}
    data = page_data(html)
    charted = {
        (o["office"], o["operators"][c["y"]], data["months"][c["x"]])
        for o in data["offices"]
        for c in o["cells"]
        if c["warned"]
    }
    assert charted == expected


# -- in Chromium ----------------------------------------------------------------------------------------------

CHART_SERIES = (
    "Array.from(document.querySelectorAll('.chart')).map(function (el) {"
    "  var c = echarts.getInstanceByDom(el);"
    "  return [el.id, c ? c.getOption().series.length : 0, el.querySelectorAll('svg path, svg rect').length]; })"
)
MARKED_SHAPES = (  # the heat cells drawn with the warning outline, per heat map
    "Array.from(document.querySelectorAll('.trend-heat')).map(function (el) {"
    "  return Array.from(el.querySelectorAll('svg path')).filter(function (p) {"
    "    return (p.getAttribute('stroke') || '').toLowerCase() === '" + WARN_MARK + "'; }).length; })"
)
HEAT_TIPS = (  # show the tooltip of every heat cell of an office (OFFICE: its index), return their text
    "(function () { var el = document.getElementById('trend-heat-OFFICE'), c = echarts.getInstanceByDom(el), out = [];"
    "  c.getOption().series.forEach(function (s, m) { s.data.forEach(function (_, i) {"
    "    c.dispatchAction({ type: 'showTip', seriesIndex: m, dataIndex: i });"
    "    var tip = el.querySelector('div[style*=\"z-index\"]'); out.push(tip ? tip.textContent : ''); }); });"
    "  return out; })()"
)


def drawn(browser, path: Path, charts: int) -> dict[str, list[int]]:
    browser.open(path)
    assert browser.wait_until("document.documentElement.dataset.charts") == str(charts)
    shapes = {cid: [series, n] for cid, series, n in browser.evaluate(CHART_SERIES)}
    assert len(shapes) == charts and all(n > 5 for _, n in shapes.values()), shapes
    return shapes


def test_trend_report_renders_in_chromium(tmp_path: Path, browser) -> None:
    path, _ = write(tmp_path, story(), drift_warnings())
    shapes = drawn(browser, path, 4)
    assert {cid: s for cid, (s, _) in shapes.items()} == {
        "trend-lines-0": 2,
        "trend-heat-0": 3,  # a segment per month
        "trend-lines-1": 2,
        "trend-heat-1": 3,
    }
    assert browser.evaluate(MARKED_SHAPES) == [2, 0]  # W2's October and November, in office 340102 only
    lines = browser.evaluate(
        "echarts.getInstanceByDom(document.getElementById('trend-lines-0')).getOption().series"
        ".map(function (s) { return s.data; })"
    )
    assert lines[1] == [98.3, 95.0, 90.0]
    assert browser.evaluate("document.querySelectorAll('td.warned').length") == 2
    assert browser.errors() == []


def test_empty_pages_render_without_errors(tmp_path: Path, browser) -> None:
    path, _ = write(tmp_path, make_trend([]), warnings())
    drawn(browser, path, 0)
    assert browser.errors() == []
    office_only = [row("office", "340109", "", m, 0, 0, 0, 0) for m in MONTHS]
    path, _ = write(tmp_path, make_trend(office_only), warnings())
    drawn(browser, path, 1)
    assert browser.errors() == []


def test_many_offices_open_at_once_and_print_whole(tmp_path: Path, browser) -> None:
    """Charts are drawn a few offices at a time after the page opens; printing draws the rest first."""
    offices = tuple(f"34{i:04d}" for i in range(30))
    path, _ = write(tmp_path, story(offices=offices), warnings())
    browser.open(path)  # the load event: the first offices drawn, not necessarily all
    assert browser.evaluate("document.getElementById('trend-heat-0').querySelectorAll('svg path').length") > 5
    printed = browser.evaluate(
        "window.dispatchEvent(new Event('beforeprint'));"
        "[document.documentElement.dataset.charts, document.querySelectorAll('.chart svg').length]"
    )
    assert printed == ["60", 60]
    assert browser.errors() == []


def check_hostile(browser, tmp: Path, h: str) -> None:
    office, op = f"3401{h}02", f"W{h}2"
    trend = story(operators=("W1", op, "W3"), offices=(office, "340103"))
    path, html = write(tmp, trend, drift_warnings(office, op))
    offices = [o["office"] for o in page_data(html)["offices"]]
    assert sorted(offices) == sorted([office, "340103"])  # the value itself, through JSON intact
    i = offices.index(office)
    drawn(browser, path, 4)
    assert browser.evaluate(MARKED_SHAPES) == [2 * (i == 0), 2 * (i == 1)]
    tips = browser.evaluate(HEAT_TIPS.replace("OFFICE", str(i)))
    assert len(tips) == 9 and sum(t.startswith(op + "2026-") for t in tips) == 3, tips  # W1 + 2026 holds W12
    assert browser.evaluate("[typeof window.pwned, document.querySelectorAll('img').length]") == ["undefined", 0]
    assert browser.evaluate("document.scripts.length") == 3
    assert browser.errors() == []
    heat = browser.evaluate(f"document.querySelector('#office-{i} table.heat').textContent")
    listed = browser.evaluate("document.querySelector('#warnings-table').textContent")
    assert op in heat and op in listed and office in listed


@pytest.mark.parametrize("h", list(HOSTILE.values()), ids=list(HOSTILE))
def test_hostile_ids_are_escaped_and_every_chart_drawn(tmp_path: Path, browser, h: str) -> None:
    check_hostile(browser, tmp_path, h)


@settings(max_examples=15, deadline=None)
@given(h=st.text(st.characters(exclude_categories=("Cs", "Cc")), min_size=1, max_size=12))
def test_any_text_in_office_and_operator_ids_leaves_every_chart_drawn(browser, h: str) -> None:
    """Any text but control characters (HTML parsing turns CR and NUL into other characters: the page shows
    them as a browser shows them, which is not the text itself)."""
    with tempfile.TemporaryDirectory() as tmp:
        check_hostile(browser, Path(tmp), h)


def test_prints_on_a4_landscape(tmp_path: Path, browser) -> None:
    months = tuple(f"2026-{m:02d}" for m in range(1, 13))
    rows = [row("office", "340102", "", m, 600, 30, 100, 4) for m in months]
    rows += [row("operator", "340102", f"W{i:03d}", m, 20, i % 7, 5, 0) for i in range(30) for m in months]
    w = warnings(warning("WR001", "340102", "W006", "偏高", {"rates": {"2026-11": 30.0, "2026-12": 30.0}}))
    path, _ = write(tmp_path, make_trend(rows, months), w)
    browser.open(path)
    boxes = browser.as_printed()
    assert [b[4] for b in boxes if b[0] == "heat"] == [30]
    for cls, right, wider, taller, _ in boxes:
        assert right <= A4_LANDSCAPE_PX and wider <= 0 and taller <= 0, (cls, right, wider, taller)
    assert browser.pdf_page_size() == (842, 595)  # A4, landscape
    assert browser.errors() == []


def test_one_stand_in_does_not_wash_the_colours_out() -> None:
    """A stand-in with one case and one finding (rate 100) takes the darkest colour; the scale is the others'."""
    rows = [row("operator", "340102", f"W{i:02d}", "2026-11", 50, i % 6, 0, 0) for i in range(40)]
    rows.append(row("operator", "340102", "X", "2026-11", 1, 1, 0, 0))
    data = page_data(render(make_trend(rows, ("2026-11",)), warnings()))
    colour = {data["offices"][0]["operators"][c["y"]]: c["colour"] for c in data["offices"][0]["cells"]}
    assert colour["X"] == colour["W05"] == "#e8590c"  # 100 and 10, the highest of the others: both darkest
    assert len({colour[f"W{i:02d}"] for i in range(6)}) == 6


# -- end to end: regcheck trend … --report -------------------------------------------------------------------


def test_trend_command_writes_the_report(tmp_path: Path, browser) -> None:
    """A generated log, six months: the report of `regcheck trend --report` draws every office, outlines the
    months each WR001 warning names (as the warnings file has them), and lists every warning."""
    log = tmp_path / "gen.parquet"
    code, _, err = run_cli("generate", "--cases", "3000", "--seed", "11", "--offices", "3", "-o", str(log))
    assert code == 0, err
    side = [f"--{n}={tmp_path / f'gen.{n}.csv'}" for n in ("roster", "approvals")]
    report, found = tmp_path / "trend.html", tmp_path / "warnings.csv"
    code, _, err = run_cli(
        "trend", str(log), "--from", "2026-04", "--to", "2026-09", "-o", str(tmp_path / "trend.csv"),
        "--warnings", str(found), "--report", str(report), "-q", *side,
    )  # fmt: skip
    assert code == 0, err
    w = read_findings_csv(found)
    drift = w.loc[w["rule_id"] == "WR001"]
    assert len(drift) >= 1  # the generated log has a drifting operator in these months
    expected = {
        (str(r.office_code), str(r.operator_id), m)
        for r in drift.itertuples()
        for m in json.loads(r.evidence)["months"].split(",")
    }
    html = report.read_text(encoding="utf-8")
    data = page_data(html)
    offices = [o["office"] for o in data["offices"]]
    assert data["months"] == [f"2026-{m:02d}" for m in range(4, 10)] and len(offices) == 3
    assert {(offices[i], op, m) for i, op, m in marked_in_tables(html)} == expected
    shapes = drawn(browser, report, 6)
    assert all(series == 2 for cid, (series, _) in shapes.items() if cid.startswith("trend-lines"))
    assert sum(browser.evaluate(MARKED_SHAPES)) == len(expected)
    assert browser.evaluate("document.querySelectorAll('#warnings-table tbody tr').length") == len(w)
    assert browser.errors() == []


@pytest.mark.parametrize("no_mask", [False, True])
def test_the_trend_report_says_when_personal_data_is_not_masked(tmp_path: Path, no_mask: bool) -> None:
    """`regcheck trend --no-mask --report` puts the scan report's notice on top; a masked run does not."""
    log = tmp_path / "gen.parquet"
    code, _, err = run_cli("generate", "--cases", "600", "--seed", "3", "-o", str(log))
    assert code == 0, err
    report = tmp_path / "trend.html"
    args = ["trend", str(log), "--from", "2026-08", "--to", "2026-09", "-o", str(tmp_path / "t.csv"), "-q"]
    code, _, err = run_cli(*args, "--report", str(report), *(["--no-mask"] if no_mask else []))
    assert code == 0, err
    assert ("个人信息未脱敏（--no-mask）" in report.read_text(encoding="utf-8")) is no_mask
