"""XLSX output: findings sheet (frozen header, filter, widths, severity colours) and summary sheet."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from regcheck.schema import FINDING_COLUMNS
from regcheck.writers.xlsx import SEVERITY_STYLE, Sheet, write_workbook

from ._monthly import write_log
from .conftest import run_cli

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


def test_both_sheets(workbook) -> None:
    assert workbook.sheetnames == ["findings", "summary"]


def test_findings_sheet(workbook) -> None:
    ws = workbook["findings"]
    data = rows(ws)
    assert data[0] == list(FINDING_COLUMNS)
    # severity first: TL002 (critical) A1, TL001 (high) A2, LG003 (info) B2
    assert [(r[1], r[7], r[3]) for r in data[1:]] == [
        ("TL002", "A1", "critical"),
        ("TL001", "A2", "high"),
        ("LG003", "B2", "info"),
    ]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:N{len(data)}"
    assert isinstance(data[1][FINDING_COLUMNS.index("event_time")], dt.datetime)
    widths = {k: v.width for k, v in ws.column_dimensions.items()}
    assert widths["L"] >= 40  # message
    sev = FINDING_COLUMNS.index("severity")
    for r in ws.iter_rows(min_row=2):
        fill = r[sev].fill.fgColor.rgb
        assert fill.endswith(SEVERITY_STYLE[r[sev].value][0])
    assert ws.cell(row=1, column=1).font.bold


def test_summary_sheet(workbook) -> None:
    data = rows(workbook["summary"])
    head = data[0]
    table = {r[0]: dict(zip(head, r, strict=True)) for r in data[1:]}
    assert list(table) == ["340102", "340103", "340104", "合计 total"]
    assert table["340102"]["findings"] == 2 and table["340102"]["TL001"] == 1 and table["340102"]["TL002"] == 1
    assert table["340103"]["LG003"] == 1 and table["340103"]["incomplete"] == 1
    assert table["340104"]["findings"] == 0 and table["340104"]["on_time_rate"] == 1
    assert table["340102"]["timed"] == 2 and table["340102"]["on_time"] == 1 and table["340102"]["on_time_rate"] == 0.5
    assert table["合计 total"]["findings"] == 3 and table["合计 total"]["on_time_rate"] == 0.75
    assert {"TL001", "TL002", "TL003", "LG003", "AP001"} <= set(head)  # every rule that ran, zeros included
    ws = workbook["summary"]
    rate_col = head.index("on_time_rate") + 1
    assert ws.cell(row=2, column=rate_col).number_format == "0.0%"
    assert ws.freeze_panes == "A2"


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
    assert rows(wb["findings"]) == [list(FINDING_COLUMNS)]
    assert [r[0] for r in rows(wb["summary"])][1:] == ["340102", "340103", "340104", "合计 total"]
