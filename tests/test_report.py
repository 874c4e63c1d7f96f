"""The HTML report: self-contained, Chinese first, zero-report explicit; rendered in headless Chromium.

The browser test needs Debian's ``chromium`` (installed by .ci/run) and skips with a message
without it. ``REGCHECK_SCREENSHOT=1 pytest tests/test_report.py`` also refreshes docs/report.png
from a generated log.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regcheck.summary import Intake, Summary
from regcheck.writers import html as html_writer
from regcheck.writers.html import environment, limit_colour, rate_axis_min

from ._chromium import A4_LANDSCAPE_PX
from ._monthly import base_rows, ev, write_log
from .conftest import REPO, run_cli

SECTIONS = ("summary", "input", "by-office", "by-rule", "on-time", "distribution", "overdue", "zero", "findings")


def make_report(tmp: Path, rows: list[dict] | None = None, *args: str) -> tuple[Path, str]:
    out = tmp / "report.html"
    code, _, err = run_cli(
        "scan", str(write_log(tmp / "log.csv", rows)), "-o", str(tmp / "f.csv"), "-q", "--report", str(out), *args
    )
    assert code == 0, err
    return out, out.read_text(encoding="utf-8")


def without_scripts(html: str) -> str:
    return re.sub(r"<script\b.*?</script>", "", html, flags=re.S)


def test_self_contained_and_chinese_first(tmp_path: Path) -> None:
    _, html = make_report(tmp_path)
    assert html.startswith("<!DOCTYPE html>") and '<html lang="zh-CN">' in html
    markup = without_scripts(html)
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", markup, flags=re.I)
    assert "<link" not in markup and "@import" not in markup
    assert "echarts" in html and html.count("<script") == 3  # data, the embedded library, the page's code
    for sid in SECTIONS:
        assert f'id="{sid}"' in html
    assert "<h1>不动产登记日志合规检查报告</h1>" in html


def test_zero_report_lists_offices_and_rules(tmp_path: Path) -> None:
    _, html = make_report(tmp_path)
    zero = html[html.index('id="zero"') : html.index('id="findings"')]
    assert "<li>340104</li>" in zero  # the office without findings
    assert "340102" not in zero.split("rules with zero findings")[0]
    assert "<li>AP001 缺少批准文件</li>" in zero and "TL001" not in zero.split("per office")[0]


def test_tables_carry_the_figures(tmp_path: Path) -> None:
    _, html = make_report(tmp_path)
    findings = html[html.index('id="findings-table"') :]
    assert findings.count("<tr>") == 1 + 3  # header + three findings
    assert "超期未办结" in findings and "A1" in findings
    data = json.loads(re.search(r'<script type="application/json" id="report-data">(.*?)</script>', html, re.S)[1])
    assert data["offices"] == ["340102", "340103", "340104"]
    assert [r["rate"] for r in data["on_time"]] == [0.5, 1.0, 1.0]
    assert sum(sum(s["data"]) for s in data["distribution"]["series"]) == 4  # ended timed cases
    overdue = html[html.index('id="overdue"') : html.index('id="zero"')]
    # both 4 working days over: the tie goes by case id; A1 is still open, A2 ended late
    assert overdue.index("<td>A1</td>") < overdue.index("<td>A2</td>")
    assert overdue.count("<tr>") == 1 + 2 and "在办" in overdue and "已办结" in overdue and "转移登记" in overdue


def test_values_are_escaped(tmp_path: Path) -> None:
    rows = [*base_rows(), ev("<img src=x onerror=alert(1)>", "340104", "register", "2026-11-05 12:00:00", "D4")]
    _, html = make_report(tmp_path, rows)
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_ledger_and_period_in_report(tmp_path: Path) -> None:
    base = tmp_path / "b.csv"
    assert run_cli("scan", str(write_log(tmp_path / "m.csv")), "-o", str(base), "-q", "--period", "2026-10")[0] == 0
    _, html = make_report(tmp_path, None, "--period", "2026-11", "--baseline", str(base))
    assert "期间 2026-11" in html
    assert "未销号 open" in html and "台账状态" in html
    assert 'class="status-new">新增' in html and 'class="status-open">未销号' in html


def test_report_renders_in_chromium(tmp_path: Path, browser) -> None:
    path, _ = make_report(tmp_path)
    browser.open(path)
    assert browser.wait_until("document.documentElement.dataset.charts") == "4"
    shapes = browser.evaluate(
        "Array.from(document.querySelectorAll('.chart')).map(function (el) {"
        "  return el.querySelectorAll('svg path, svg rect').length; })"
    )
    assert len(shapes) == 4 and all(n > 5 for n in shapes), shapes
    bars = browser.evaluate("document.querySelectorAll('#chart-office svg path').length")
    assert bars >= 3
    counts = browser.evaluate(
        "[document.querySelectorAll('#findings-table tbody tr').length,"
        " document.querySelectorAll('table.matrix tbody tr').length,"
        " document.querySelectorAll('table.ontime tbody tr').length,"
        " document.querySelectorAll('#zero ul.zero li').length > 10]"
    )
    assert counts == [3, 3, 3, True]
    # the filter box narrows the findings table
    visible = browser.evaluate(
        "(function () { var box = document.getElementById('filter'); box.value = 'LG003';"
        " box.dispatchEvent(new Event('input'));"
        " return Array.from(document.querySelectorAll('#findings-table tbody tr'))"
        "   .filter(function (r) { return r.style.display !== 'none'; }).length; })()"
    )
    assert visible == 1
    assert browser.errors() == []


@pytest.mark.skipif(
    not os.environ.get("REGCHECK_SCREENSHOT"), reason="set REGCHECK_SCREENSHOT=1 to refresh docs/report.png"
)
def test_screenshot_for_the_readme(tmp_path: Path, browser) -> None:
    log = tmp_path / "gen.parquet"
    code, _, err = run_cli("generate", "--cases", "3000", "--seed", "11", "--offices", "5", "-o", str(log))
    assert code == 0, err
    side = [f"--{n}={tmp_path / f'gen.{n}.csv'}" for n in ("roster", "approvals")]
    report = tmp_path / "report.html"
    code, _, err = run_cli("scan", str(log), "-o", str(tmp_path / "f.csv"), "-q", "--report", str(report), *side)
    assert code == 0, err
    browser.open(report)
    assert browser.wait_until("document.documentElement.dataset.charts") == "4"
    (REPO / "docs").mkdir(exist_ok=True)
    browser.screenshot(REPO / "docs" / "report.png", height=3300)
    assert browser.errors() == []


# -- what went in (issue 12 item 8) ---------------------------------------------------------------


def report_data(html: str) -> dict:
    block = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', html, re.S)
    assert block is not None
    return json.loads(block[1])


def summary_carries(monkeypatch, **fields: object) -> None:
    """The scan's Summary gets these attributes just before the report is written."""
    write = html_writer.write_report

    def write_with(summary: Summary, path: str | Path) -> None:
        for name, value in fields.items():
            setattr(summary, name, value)
        write(summary, path)

    monkeypatch.setattr(html_writer, "write_report", write_with)


def test_input_section_counts_rows_and_says_where_the_rejects_are(tmp_path: Path) -> None:
    rows = [*base_rows(), ev("X1", "340104", "accept", "not a time", "W9")]
    _, html = make_report(tmp_path, rows)
    section = html[html.index('id="input"') : html.index('id="by-office"')]
    assert "读取 rows read <b>13</b> 行" in section and "拒收 rejected <b>1</b> 行" in section
    assert "--rejects FILE" in section
    _, html = make_report(tmp_path, rows, "--rejects", str(tmp_path / "rej.csv"))
    section = html[html.index('id="input"') : html.index('id="by-office"')]
    assert str(tmp_path / "rej.csv") in section and "--rejects FILE" not in section


def test_input_section_lists_reject_reasons_and_files_the_summary_carries(tmp_path: Path, monkeypatch) -> None:
    """The files read come from the scan's Summary (`files_read`); the intake (config, ignored rules, blank rows,
    reasons) and rows after the period are set on the scan's own Summary just before it is written, to show the
    top-ten cut and the order (the scan's own intake: test_input_section_shows_what_the_scan_took_in)."""
    _, html = make_report(tmp_path)
    section = html[html.index('id="input"') : html.index('id="by-office"')]
    assert "top reject reasons" not in section and "after the period" not in section  # nothing to say: nothing said
    assert f'files read (1)</small></h3>\n  <ol class="files">\n    <li>{tmp_path / "log.csv"}</li>' in section
    reasons = [{"column": "event_time", "reason": "reason 12", "rows": 12}]
    reasons += [{"column": "", "reason": f"reason {i}", "rows": i} for i in range(11, 0, -1)]
    intake = Intake(config="/srv/regcheck/regcheck.toml", ignored=["MG006"], rows_blank=3, reasons=reasons)
    summary_carries(monkeypatch, intake=intake, rows_after_period=7)
    _, html = make_report(tmp_path)
    section = html[html.index('id="input"') : html.index('id="by-office"')]
    listed = re.findall(r"<tr><td>(reason \d+)</td><td class=\"n\">(\d+)</td></tr>", section)
    assert listed == [(f"reason {i}", str(i)) for i in range(11, 2, -1)]  # the top ten, as the summary orders them
    assert "<tr><td>event_time: reason 12</td>" in section
    assert "期后 after the period <b>7</b> 行" in section and "空行 blank rows <b>3</b> 行" in section
    assert "配置 config: /srv/regcheck/regcheck.toml" in section and "不检查 ignores MG006" in section


def test_input_section_shows_what_the_scan_took_in(tmp_path: Path) -> None:
    """The scan's own intake reaches the report: the config and the rules it ignores, blank rows, reject reasons."""
    log = write_log(tmp_path / "log.csv", [*base_rows(), ev("X1", "340104", "accept", "not a time", "W9")])
    header = log.read_text(encoding="utf-8").splitlines()[0]
    with log.open("a", encoding="utf-8") as f:
        f.write("," * header.count(",") + "\n")  # a blank row: every cell empty
    config = tmp_path / "regcheck.toml"
    config.write_text('ignore = ["MG006"]\n', encoding="utf-8")
    out = tmp_path / "report.html"
    code, _, err = run_cli(
        "scan", str(log), "-o", str(tmp_path / "f.csv"), "-q", "--config", str(config), "--report", str(out)
    )
    assert code == 0, err
    html = out.read_text(encoding="utf-8")
    section = html[html.index('id="input"') : html.index('id="by-office"')]
    assert f"配置 config: {config}" in section and "不检查 ignores MG006" in section
    assert "空行 blank rows <b>1</b> 行" in section and "拒收 rejected <b>1</b> 行" in section
    assert "<tr><td>event_time (操作时间): " in section or "<tr><td>event_time: " in section


def test_period_report_names_the_month_on_its_case_counts(tmp_path: Path) -> None:
    _, html = make_report(tmp_path, None, "--period", "2026-11")
    cards = html[html.index('id="summary"') : html.index('id="input"')]
    assert "本期 2026-11 检查案件 cases" in cards and "本期 2026-11 未计时案件 incomplete" in cards
    _, html = make_report(tmp_path)
    assert "本期" not in html[html.index('id="summary"') : html.index('id="input"')]


# -- the on-time axis and the limit colours (issue 12 item 8) -----------------------------------------


def test_on_time_axis_starts_where_the_rates_differ() -> None:
    assert rate_axis_min([0.986, 0.997]) == 98
    assert rate_axis_min([0.5, 1.0]) == 0
    assert rate_axis_min([1.0, None, 1.0]) == 99.5
    assert rate_axis_min([None]) == 0 and rate_axis_min([]) == 0


@given(st.lists(st.floats(0, 1), min_size=1, max_size=30))
def test_on_time_axis_never_cuts_off_a_bar(rates: list[float]) -> None:
    low = rate_axis_min(rates)
    assert 0 <= low < 100 * min(rates) or low == 0


def cases_with_rate(office: str, n: int, late: int, start: int) -> list[dict]:
    """n transfer cases of one office, `late` of them registered 14 working days after acceptance."""
    rows = []
    for i in range(n):
        case = f"{office}-{start + i}"
        end = "2026-11-20 10:00:00" if i < late else "2026-11-03 10:00:00"
        rows += [ev(case, office, "accept", "2026-11-02 09:00:00", "W1"), ev(case, office, "register", end, "D1")]
    return rows


def test_on_time_bars_of_986_and_997_percent_look_different(tmp_path: Path, browser) -> None:
    rows = cases_with_rate("340201", 140, 2, 0) + cases_with_rate("340202", 333, 1, 0)  # 98.57 %, 99.70 %
    path, html = make_report(tmp_path, rows)
    assert [r["rate"] for r in report_data(html)["on_time"]] == [0.9857, 0.997]
    browser.open(path)
    assert browser.wait_until("document.documentElement.dataset.charts") == "4"
    heights = browser.evaluate(
        "Array.from(document.querySelectorAll('#chart-ontime svg path'))"
        ".filter(function (p) { return (p.getAttribute('fill') || '').toLowerCase() === '#2e7d32'; })"
        ".map(function (p) { return p.getBBox().height; })"
    )
    assert len(heights) == 2, heights
    assert heights[1] > 2 * heights[0] > 0, heights  # from 0 %, they would differ by 1 %
    assert browser.errors() == []


def test_each_limit_keeps_its_colour_across_reports(tmp_path: Path) -> None:
    _, one = make_report(tmp_path)  # transfer and mortgage: 5 working days
    cfg = tmp_path / "regcheck.toml"
    cfg.write_text("[limits]\nmortgage = 1\ntransfer = 3\n", encoding="utf-8")
    _, other = make_report(tmp_path, None, "--config", str(cfg))  # 1 and 3 working days
    colours = {}
    for html in (one, other):
        for series in report_data(html)["distribution"]["series"]:
            colours.setdefault(series["name"], set()).add(series["colour"])
    assert set(colours) >= {"时限5个工作日", "时限1个工作日", "时限3个工作日"}
    assert all(len(c) == 1 for c in colours.values()), colours
    assert len({limit_colour(n) for n in range(1, 61)}) == 60


# -- hostile values (issue 13 item 15) ---------------------------------------------------------------

HOSTILE = {
    "comment-script": "<!--<script>",
    "end-script": "</script><script>alert(1)</script>",
    "cdata-end": "]]>",
    "line-separators": "a\u2028b\u2029c",
    "quotes": "\"'`",
    "backslashes": "\\\\u2028\\",
    "rtl-marks": "\u202eRTL\u200f\u202b",
    "very-long": "长" * 3000 + "<",
    "formula-and-markup": '=HYPERLINK("x")&<b>&amp;',
    "template-syntax": "{{ 7*7 }}{% raw %}${x}",
    "markup-with-handler": '<img src=x onerror="window.pwned=1">',
}
_SCRIPT_SAFE = re.compile("[<>&'\u2028\u2029]")


@settings(max_examples=200)
@given(st.recursive(st.text() | st.integers() | st.none(), lambda c: st.lists(c) | st.dictionaries(st.text(), c)))
def test_tojson_leaves_nothing_that_ends_or_splits_a_script(value) -> None:
    out = environment().from_string("{{ v|tojson }}").render(v=value)
    assert not _SCRIPT_SAFE.search(out), out
    assert json.loads(out) == value


def hostile_log(tmp: Path, h: str) -> tuple[Path, Path]:
    """The monthly log with `h` in every identifier, an operator finding (SD001) and a rejected row;
    a config whose suppressions carry it. The log file is named with it too."""
    office = h if h.strip() == h else f"3401{h}04"
    rows = []
    for r in base_rows():
        r = dict(r, case_id=f"{r['case_id']}{h}{r['case_id']}", operator_id=f"W{h}{r['operator_id']}")
        r["office_code"] = office if r["office_code"] == "340104" else f"{r['office_code']}{h}"
        r["unit_id"] = f"U{h}1"
        rows.append(r)
    same = f"W{h}S"  # accepts and registers: SD001, its message naming the operator
    rows += [
        ev(f"S{h}", office, "accept", "2026-11-02 09:00:00", same),
        ev(f"S{h}", office, "register", "2026-11-03 09:00:00", same),
    ]
    rows.append(ev(f"R{h}", office, "accept", h, "W1"))  # rejected: the time is not understood
    name = re.sub(r"[/\x00]", "_", h)[:60] or "_"
    log = write_log(tmp / f"{name}.csv", rows)
    q = json.dumps
    cfg = tmp / "regcheck.toml"
    cfg.write_text(
        "\n".join(
            f"[[suppress]]\nrule = {q(rule)}\n{key} = {q(value)}\nreason = {q(h)}\n"
            f"approved_by = {q(h)}\nexpires = {exp}\n"
            for rule, key, value, exp in (
                ("LG003", "case_id", f"B2{h}B2", "2099-12-31"),  # suppresses
                ("TL001", "case_id", f"A2{h}A2", "2020-01-01"),  # expired
                ("QJ", "office_code", f"{h}x", "2099-12-31"),  # unused
            )
        ),
        encoding="utf-8",
    )
    return log, cfg


SHOW_OFFICE_TIPS = (  # ECharts writes tooltips as HTML: show the one of every office, return their text
    "(function () { var c = echarts.getInstanceByDom(document.getElementById('chart-office')), out = [];"
    "  c.getOption().xAxis[0].data.forEach(function (_, i) {"
    "    c.dispatchAction({ type: 'showTip', seriesIndex: 0, dataIndex: i });"
    "    out.push(document.querySelector('#chart-office div[style*=\"z-index\"]').textContent); });"
    "  return out; })()"
)
CHART_SHAPES = (
    "Array.from(document.querySelectorAll('.chart')).map(function (el) {"
    "  return [el.id, el.querySelectorAll('svg path, svg rect').length]; })"
)


@pytest.mark.parametrize("h", list(HOSTILE.values()), ids=list(HOSTILE))
def test_hostile_values_in_every_field_leave_every_chart_drawn(tmp_path: Path, browser, monkeypatch, h: str) -> None:
    log, cfg = hostile_log(tmp_path, h)
    intake = Intake(config=h, ignored=[], rows_blank=0, reasons=[{"column": h, "reason": h, "rows": 1}])
    summary_carries(monkeypatch, intake=intake)  # the file name: the scan's own files_read
    report = tmp_path / "report.html"
    code, _, err = run_cli(
        "scan", str(log), "-o", str(tmp_path / "f.csv"), "-q", "--report", str(report), "--config", str(cfg)
    )
    assert code == 0, err
    html = report.read_text(encoding="utf-8")
    data = report_data(html)
    assert (h if h.strip() == h else f"3401{h}04") in data["offices"]  # the value itself, through JSON intact
    browser.open(report)
    assert browser.wait_until("document.documentElement.dataset.charts") == "4"
    shapes = dict(browser.evaluate(CHART_SHAPES))
    assert set(shapes) == {"chart-office", "chart-rule", "chart-ontime", "chart-dist"}
    assert all(n > 5 for n in shapes.values()), shapes
    tips = browser.evaluate(SHOW_OFFICE_TIPS)
    assert len(tips) == 3 and all(h in tip for tip in tips), tips
    assert browser.evaluate("[typeof window.pwned, document.querySelectorAll('img').length]") == ["undefined", 0]
    assert browser.errors() == []
    for where in ("#findings-table", "#zero", "#notes", "#input"):
        inner = browser.evaluate(f"document.querySelector('{where}').textContent")
        assert h in inner or (h.startswith("=") and "'" + h in inner), where
    assert log.name in browser.evaluate("document.querySelector('#input ol.files').textContent")
    assert browser.evaluate("document.scripts.length") == 3
    rules = browser.evaluate(
        "Array.from(document.querySelectorAll('#findings-table tbody tr')).map(function (r) {"
        "  return r.cells[1].textContent; })"
    )
    assert Counter(rules) == {"SD001": 1, "TL001": 1, "TL002": 1}  # LG003 suppressed; TL001's suppression expired
    assert browser.evaluate("document.querySelectorAll('table.matrix tbody tr').length") == 3


# -- the page in Chromium: fonts and print (issue 12 item 8) -----------------------------------------

PLATFORM_FONTS = ("Microsoft YaHei", "PingFang SC", "Hiragino Sans GB", "Noto Sans CJK SC", "WenQuanYi Micro Hei")


def test_page_and_charts_declare_cjk_fonts_of_every_platform(tmp_path: Path, browser) -> None:
    path, _ = make_report(tmp_path)
    browser.open(path)
    assert browser.wait_until("document.documentElement.dataset.charts") == "4"
    body = browser.evaluate("getComputedStyle(document.body).fontFamily")
    assert all(f'"{font}"' in body or font in body for font in PLATFORM_FONTS), body
    fonts = browser.evaluate(
        "Array.from(document.querySelectorAll('.chart svg text')).map(function (t) {"
        "  return getComputedStyle(t).fontFamily; })"
    )
    assert len(fonts) > 20 and set(fonts) == {body}, set(fonts)


def test_office_by_rule_table_prints_in_full_on_a4_landscape(tmp_path: Path, browser) -> None:
    rows = base_rows()
    for i in range(40):  # 43 offices: taller than the screen's scroll box
        rows += cases_with_rate(f"3402{i:02d}", 1, 1, 0)
    path, _ = make_report(tmp_path, rows)
    browser.open(path)
    boxes = browser.as_printed()
    matrix = [b for b in boxes if b[0] == "matrix"]
    assert matrix and matrix[0][4] == 43
    for cls, right, wider, taller, _ in boxes:
        assert right <= A4_LANDSCAPE_PX and wider <= 0 and taller <= 0, (cls, right, wider, taller)
    assert browser.pdf_page_size() == (842, 595)  # A4, landscape


@pytest.mark.parametrize("h", list(HOSTILE.values()), ids=list(HOSTILE))
def test_a_hostile_rule_id_in_a_suppression_never_reaches_the_report(tmp_path: Path, h: str) -> None:
    cfg = tmp_path / "regcheck.toml"
    cfg.write_text(
        f'[[suppress]]\nrule = {json.dumps(h)}\ncase_id = "A1"\nreason = "r"\napproved_by = "x"\n'
        "expires = 2099-12-31\n",
        encoding="utf-8",
    )
    report = tmp_path / "report.html"
    code, _, err = run_cli(
        "scan",
        str(write_log(tmp_path / "log.csv")),
        "-o",
        str(tmp_path / "f.csv"),
        "-q",
        "--report",
        str(report),
        "--config",
        str(cfg),
    )
    assert code == 2 and err.startswith("regcheck: error:") and err.strip().count("\n") == 0, err
    assert not report.exists()
