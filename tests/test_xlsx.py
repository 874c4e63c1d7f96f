"""XLSX output: 问题清单 findings sheet (Chinese headers over a hidden row of field codes, frozen header,
filter, widths, severity colours), 汇总 summary sheet and 字段说明 legend."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from regcheck.baseline import STATUS_ZH
from regcheck.rules import REGISTRY
from regcheck.schema import FINDING_COLUMNS, FINDING_HEADERS_ZH, SEVERITY_ZH
from regcheck.writers.xlsx import SEVERITY_STYLE, Sheet, write_workbook

from ._monthly import write_log
from .conftest import flat_log_rules, run_cli

openpyxl = pytest.importorskip("openpyxl")


@pytest.fixture(scope="module")
def workbook(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("xlsx")
    out = tmp / "findings.xlsx"
    code, _, err = run_cli("scan", str(write_log(tmp / "log.csv")), "-o", str(out), "-q")
    assert code == 0, err
    return openpyxl.load_workbook(out)


def rows(ws) -> list[list]:
    return [[c.value for c in r] for r in ws.iter_rows()]


def test_the_sheets_have_chinese_names(workbook) -> None:
    assert workbook.sheetnames == ["问题清单", "汇总", "字段说明"]


def test_findings_sheet(workbook) -> None:
    ws = workbook["问题清单"]
    data = rows(ws)
    assert data[0] == list(FINDING_COLUMNS)  # the field codes, hidden, for programs (--baseline)
    assert ws.row_dimensions[1].hidden and not ws.row_dimensions[2].hidden
    assert data[1] == [FINDING_HEADERS_ZH[c] for c in FINDING_COLUMNS]  # the header people see
    assert data[1][:4] == ["问题编号", "规则编号", "问题名称", "级别"]
    # severity first: TL002 (critical) A1, TL001 (high) A2, LG003 (info) B2 — shown as 严重/高/提示
    assert [(r[1], r[7], r[3]) for r in data[2:]] == [
        ("TL002", "A1", "严重"),
        ("TL001", "A2", "高"),
        ("LG003", "B2", "提示"),
    ]
    assert ws.freeze_panes == "A3"
    assert ws.auto_filter.ref == f"A2:N{len(data)}"  # the filter's header is the Chinese row
    assert isinstance(data[2][FINDING_COLUMNS.index("event_time")], dt.datetime)
    widths = {k: v.width for k, v in ws.column_dimensions.items()}
    assert widths["L"] >= 40  # message
    sev = FINDING_COLUMNS.index("severity")
    by_label = {zh: code for code, zh in SEVERITY_ZH.items()}
    for r in ws.iter_rows(min_row=3):
        fill = r[sev].fill.fgColor.rgb
        assert fill.endswith(SEVERITY_STYLE[by_label[r[sev].value]][0])
    assert ws.cell(row=2, column=1).font.bold


def test_summary_sheet(workbook) -> None:
    data = rows(workbook["汇总"])
    head = data[0]  # the hidden row of field codes
    assert data[1][:6] == ["登记机构代码", "问题数", "计时案件", "按时办结", "按时办结率", "未计时"]
    table = {r[0]: dict(zip(head, r, strict=True)) for r in data[2:]}
    assert list(table) == ["340102", "340103", "340104", "合计 total"]
    assert table["340102"]["findings"] == 2 and table["340102"]["TL001"] == 1 and table["340102"]["TL002"] == 1
    assert table["340103"]["LG003"] == 1 and table["340103"]["incomplete"] == 1
    assert table["340104"]["findings"] == 0 and table["340104"]["on_time_rate"] == 1
    assert table["340102"]["timed"] == 2 and table["340102"]["on_time"] == 1 and table["340102"]["on_time_rate"] == 0.5
    assert table["合计 total"]["findings"] == 3 and table["合计 total"]["on_time_rate"] == 0.75
    ran = {r for r in flat_log_rules() if not REGISTRY[r].needs}  # no --roster, no --approvals
    assert ran <= set(head)  # every rule that ran, zeros included
    ws = workbook["汇总"]
    rate_col = head.index("on_time_rate") + 1
    assert ws.cell(row=3, column=rate_col).number_format == "0.0%"
    assert ws.freeze_panes == "A3"


def test_legend_sheet_gives_every_code(workbook) -> None:
    data = rows(workbook["字段说明"])
    assert data[0] == ["工作表", "列名", "字段代码", "取值代码"]
    findings = {r[2]: r for r in data[1:] if r[0] == "问题清单"}
    assert list(findings) == list(FINDING_COLUMNS)
    assert findings["severity"][3] == "；".join(f"{zh}={code}" for code, zh in SEVERITY_ZH.items())
    assert findings["status"][3] == "；".join(f"{zh}={code}" for code, zh in STATUS_ZH.items())
    assert {r[2] for r in data[1:] if r[0] == "汇总"} >= {"office_code", "findings", "on_time_rate"}


def test_text_cells_neutralised(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "message": ['=HYPERLINK("http://x")', "+1", "-2 天", "@SUM(A1)", "正常", None, "bad\x07char"],
            "n": [1, 2, 3, 4, 5, 6, 7],
        }
    )
    out = tmp_path / "t.xlsx"
    write_workbook(out, [Sheet("t", frame)])
    ws = openpyxl.load_workbook(out)["t"]
    values = [ws.cell(row=i, column=1).value for i in range(2, 9)]
    assert values == ['\'=HYPERLINK("http://x")', "'+1", "'-2 天", "'@SUM(A1)", "正常", None, "badchar"]
    assert all(ws.cell(row=i, column=1).data_type != "f" for i in range(2, 9))
    assert [ws.cell(row=i, column=2).value for i in range(2, 9)] == [1, 2, 3, 4, 5, 6, 7]


def test_empty_findings_still_two_sheets(tmp_path: Path) -> None:
    out = tmp_path / "f.xlsx"
    code, _, err = run_cli("scan", str(write_log(tmp_path / "log.csv")), "-o", str(out), "-q", "--select", "MG")
    assert code == 0, err
    wb = openpyxl.load_workbook(out)
    assert rows(wb["问题清单"]) == [list(FINDING_COLUMNS), [FINDING_HEADERS_ZH[c] for c in FINDING_COLUMNS]]
    assert [r[0] for r in rows(wb["汇总"])][2:] == ["340102", "340103", "340104", "合计 total"]
