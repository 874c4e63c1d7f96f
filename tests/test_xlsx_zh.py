"""The XLSX in Chinese where people read it (issue 12 item 7): sheet names, headers, severity and ledger
status as labels, the canonical codes in a hidden row (and 字段说明); CSV stays canonical; and the workbook
still reads back as a --baseline."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from regcheck.baseline import STATUS_ZH, read_findings
from regcheck.schema import FINDING_COLUMNS, FINDING_HEADERS_ZH, SEVERITIES, SEVERITY_ZH

from ._monthly import write_log
from .conftest import run_cli, scan_findings
from .test_baseline import EXPECTED, next_month_rows, statuses

openpyxl = pytest.importorskip("openpyxl")

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"


@pytest.fixture(scope="module")
def sample_scan(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The sample log scanned with every rule, as CSV and as XLSX."""
    tmp = tmp_path_factory.mktemp("xlsx_zh")
    out = {"csv": tmp / "f.csv", "xlsx": tmp / "f.xlsx"}
    for path in out.values():
        code, _, err = run_cli("scan", str(SAMPLE / "logs.parquet"), "-o", str(path), "-q")
        assert code == 0, err
    return out


def test_xlsx_shows_chinese_while_csv_stays_canonical(sample_scan: dict[str, Path]) -> None:
    csv = pd.read_csv(sample_scan["csv"], dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert list(csv.columns) == list(FINDING_COLUMNS)
    assert set(csv["severity"]) <= set(SEVERITIES)
    ws = openpyxl.load_workbook(sample_scan["xlsx"], read_only=True)["问题清单"]
    data = list(ws.iter_rows(values_only=True))
    assert list(data[0]) == list(FINDING_COLUMNS)  # the hidden row of field codes
    assert list(data[1]) == [FINDING_HEADERS_ZH[c] for c in FINDING_COLUMNS]
    assert all(re.search(r"[\u4e00-\u9fff]", h) for h in data[1])  # every header people see is Chinese
    width = len(FINDING_COLUMNS)  # a read-only sheet leaves out empty trailing cells (status)
    book = pd.DataFrame([r + (None,) * (width - len(r)) for r in data[2:]], columns=list(FINDING_COLUMNS))
    assert book["finding_id"].tolist() == csv["finding_id"].tolist()
    assert book["severity"].tolist() == csv["severity"].map(SEVERITY_ZH).tolist()
    assert book["message"].tolist() == csv["message"].tolist()
    assert book["evidence"].tolist() == csv["evidence"].tolist()  # figures stay machine-readable


def test_xlsx_status_in_chinese_and_the_ledger_carries_over_xlsx(tmp_path: Path) -> None:
    """Month 1 → month 2 → month 3, each month's XLSX the next month's baseline: labels read back as codes."""
    m1 = tmp_path / "m1.xlsx"
    assert run_cli("scan", str(write_log(tmp_path / "l1.csv")), "-o", str(m1), "-q")[0] == 0
    m2 = tmp_path / "m2.xlsx"
    log2 = write_log(tmp_path / "l2.csv", next_month_rows())
    assert run_cli("scan", str(log2), "-o", str(m2), "-q", "--baseline", str(m1))[0] == 0
    ws = openpyxl.load_workbook(m2, read_only=True)["问题清单"]
    shown = [r[FINDING_COLUMNS.index("status")] for r in list(ws.iter_rows(values_only=True))[2:]]
    assert sorted(shown) == sorted(STATUS_ZH[s] for _r, _c, s in EXPECTED)
    back = read_findings(m2)
    assert statuses(back) == EXPECTED  # 新增/未销号/已销号 read back as new/open/resolved
    assert set(back["severity"]) <= set(SEVERITIES)
    # month 3 against month 2's workbook: the resolved row is not carried again; codes in the CSV
    found = scan_findings(log2, tmp_path, "--baseline", str(m2))
    assert statuses(found) == {("TL002", "A1", "open"), ("LG003", "B2", "open"), ("TL001", "A4", "open")}
    assert set(found["severity"]) <= set(SEVERITIES) and set(found["status"]) <= set(STATUS_ZH)


def test_a_resolved_row_from_an_xlsx_baseline_comes_back_with_codes(tmp_path: Path) -> None:
    before = tmp_path / "before.xlsx"
    assert run_cli("scan", str(write_log(tmp_path / "m1.csv")), "-o", str(before), "-q")[0] == 0
    found = scan_findings(write_log(tmp_path / "m2.csv", next_month_rows()), tmp_path, "--baseline", str(before))
    resolved = found[found["status"] == "resolved"].iloc[0]
    assert (resolved["rule_id"], resolved["severity"]) == ("TL001", "high")  # not 高


def test_an_xlsx_baseline_without_its_hidden_code_row_still_reads(tmp_path: Path) -> None:
    """Someone deleted the hidden row 1: the Chinese headers are read instead."""
    before = tmp_path / "before.xlsx"
    assert run_cli("scan", str(write_log(tmp_path / "m1.csv")), "-o", str(before), "-q")[0] == 0
    wb = openpyxl.load_workbook(before)
    wb["问题清单"].delete_rows(1)
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)
    assert statuses(read_findings(edited)) == statuses(read_findings(before))
    found = scan_findings(write_log(tmp_path / "m2.csv", next_month_rows()), tmp_path, "--baseline", str(edited))
    assert statuses(found) == EXPECTED


def test_a_workbook_written_before_the_chinese_sheets_still_reads_as_baseline(tmp_path: Path) -> None:
    """Last month's findings.xlsx may be of the earlier layout: a 'findings' sheet, codes as headers and values."""
    before = tmp_path / "before.csv"
    assert run_cli("scan", str(write_log(tmp_path / "m1.csv")), "-o", str(before), "-q")[0] == 0
    table = pd.read_csv(before, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "findings"
    ws.append(list(table.columns))
    for row in table.itertuples(index=False):
        ws.append(list(row))
    old = tmp_path / "old.xlsx"
    wb.save(old)
    found = scan_findings(write_log(tmp_path / "m2.csv", next_month_rows()), tmp_path, "--baseline", str(old))
    assert statuses(found) == EXPECTED


def test_the_hidden_code_row_counts_against_excels_row_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from regcheck.errors import InputError
    from regcheck.writers import xlsx

    monkeypatch.setattr(xlsx, "MAX_ROWS", 4)  # a sheet of 4 rows: header + 3, or code row + header + 2
    frame = pd.DataFrame({"severity": ["high", "low", "info"]})
    xlsx.write_workbook(tmp_path / "plain.xlsx", [xlsx.Sheet("t", frame)])
    with pytest.raises(InputError, match="do not fit in one XLSX sheet"):
        xlsx.write_workbook(tmp_path / "zh.xlsx", [xlsx.Sheet("t", frame, headers={"severity": "级别"})])
    xlsx.write_workbook(tmp_path / "zh.xlsx", [xlsx.Sheet("t", frame[:2], headers={"severity": "级别"})])
    rows = list(openpyxl.load_workbook(tmp_path / "zh.xlsx")["t"].iter_rows(values_only=True))
    assert rows == [("severity",), ("级别",), ("high",), ("low",)]
