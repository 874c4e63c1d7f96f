"""XLSX output (openpyxl): 问题清单 (findings), 汇总 (summary) and 字段说明 sheets.

The workbook is for people: Chinese sheet names, Chinese column headers, and severity,
ledger status and business type as their Chinese labels. The canonical codes stay
machine-readable: row 1 of a sheet with Chinese headers is a hidden row of the canonical
column names (``--baseline`` reads the workbook back through it), and the 字段说明 sheet
lists every column's code and the codes behind its labels.

Each sheet: bold header row, frozen under the header, an autofilter over the
table, column widths from the content (CJK characters count double), times as
real date-time cells, rates as percentages. The severity cell of every finding
is coloured (严重 dark red … 提示 grey). Text cells are neutralised against
formula injection like the CSV writer's, and characters XML cannot hold are
dropped. Written in openpyxl's streaming (write-only) mode.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError
from ..schema import FINDING_HEADERS_ZH, SEVERITY_ZH
from . import neutralise

MAX_ROWS = 1_048_576  # Excel's row limit (header rows included)
MAX_WIDTH = 60
MAX_CELL = 32_767  # Excel's limit on the characters of one cell
TRUNCATED = "…[truncated]"

# severity -> (fill, font colour)
SEVERITY_STYLE: dict[str, tuple[str, str]] = {
    "critical": ("C00000", "FFFFFF"),
    "high": ("F4B183", "7F0000"),
    "medium": ("FFE699", "7F6000"),
    "low": ("DDEBF7", "1F3864"),
    "info": ("EDEDED", "404040"),
}
HEADER_FILL = "D9E1F2"
FINDINGS_SHEET = "问题清单"
SUMMARY_SHEET = "汇总"
LEGEND_SHEET = "字段说明"


@dataclass
class Sheet:
    name: str
    frame: pd.DataFrame
    severity_column: str | None = None  # colour this column's cells by severity
    percent_columns: Sequence[str] = field(default_factory=tuple)
    widths: dict[str, int] = field(default_factory=dict)  # fixed widths by column name
    headers: Mapping[str, str] = field(default_factory=dict)  # column -> Chinese header (a hidden code row above)
    labels: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # column -> code -> label shown

    def shown(self) -> pd.DataFrame:
        """The frame as people read it: labelled columns as their labels (a value without one stays)."""
        if not self.labels:
            return self.frame
        out = self.frame.copy()
        for col, table in self.labels.items():
            if col in out.columns:
                raw = out[col].astype(object)
                out[col] = raw.map(table).where(lambda v: v.notna(), raw)
        return out


def _display_width(value: str) -> int:
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in value)


def _column_values(s: pd.Series) -> list[Any]:
    """Python values openpyxl can store: datetimes, numbers, neutralised text, None."""
    if pd.api.types.is_datetime64_any_dtype(s):
        arr = s.dt.to_pydatetime() if hasattr(s.dt, "to_pydatetime") else s
        return [v if isinstance(v, dt.datetime) and not pd.isna(v) else None for v in np.asarray(arr, dtype=object)]
    if pd.api.types.is_bool_dtype(s):
        return [None if pd.isna(v) else bool(v) for v in s.astype(object)]
    if pd.api.types.is_integer_dtype(s):
        return [None if pd.isna(v) else int(v) for v in s.astype(object)]
    if pd.api.types.is_float_dtype(s):
        return [None if pd.isna(v) else float(v) for v in s.astype(object)]
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    out: list[Any] = []
    for v in s.astype(object):
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NaT or v is pd.NA:
            out.append(None)
        elif isinstance(v, str):
            out.append(_fit(neutralise(ILLEGAL_CHARACTERS_RE.sub("", v))))
        elif isinstance(v, dt.datetime | dt.date | int | float | bool):
            out.append(v)
        else:
            out.append(_fit(neutralise(ILLEGAL_CHARACTERS_RE.sub("", str(v)))))
    return out


def _fit(text: Any) -> Any:
    """Excel holds at most 32,767 characters in a cell (a longer one makes it call the file damaged)."""
    if isinstance(text, str) and len(text) > MAX_CELL:
        return text[: MAX_CELL - len(TRUNCATED)] + TRUNCATED
    return text


def _widths(sheet: Sheet, columns: list[list[Any]]) -> list[float]:
    out = []
    for name, values in zip(sheet.frame.columns, columns, strict=True):
        if name in sheet.widths:
            out.append(sheet.widths[name])
            continue
        sample = values[:2000]
        longest = _display_width(str(sheet.headers.get(name, name)))
        for v in sample:
            if isinstance(v, dt.datetime):
                w = 19
            elif v is None:
                w = 0
            else:
                w = _display_width(str(v))
            longest = max(longest, w)
        out.append(min(MAX_WIDTH, longest + 2))
    return out


def _write_sheet(wb: Any, sheet: Sheet) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    frame = sheet.frame
    if len(frame) > MAX_ROWS - (2 if sheet.headers else 1):  # the hidden code row and the header take two
        raise InputError(f"{len(frame):,} rows do not fit in one XLSX sheet; write CSV or Parquet instead")
    ws = wb.create_sheet(sheet.name)
    names = [str(c) for c in frame.columns]
    shown = sheet.shown()
    columns = [_column_values(shown[c]) for c in frame.columns]
    for i, w in enumerate(_widths(sheet, columns), start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    top = 2 if sheet.headers else 1  # the header row people see
    ws.freeze_panes = f"A{top + 1}"
    last = get_column_letter(max(1, len(names)))
    ws.auto_filter.ref = f"A{top}:{last}{len(frame) + top}"
    if sheet.headers:  # above the filter's range, so sorting never moves it
        ws.row_dimensions[1].hidden = True
        ws.append(names)

    bold = Font(bold=True)
    head_fill = PatternFill("solid", fgColor=HEADER_FILL)
    header = []
    for name in names:
        cell = WriteOnlyCell(ws, value=sheet.headers.get(name, name))
        cell.font = bold
        cell.fill = head_fill
        cell.alignment = Alignment(vertical="center")
        header.append(cell)
    ws.append(header)

    sev_idx = names.index(sheet.severity_column) if sheet.severity_column in names else None
    sev_codes = frame[sheet.severity_column].tolist() if sev_idx is not None else []
    pct_idx = {names.index(c) for c in sheet.percent_columns if c in names}
    styles = {
        s: (PatternFill("solid", fgColor=fill), Font(color=font, bold=s in ("critical", "high")))
        for s, (fill, font) in SEVERITY_STYLE.items()
    }
    for n, row in enumerate(zip(*columns, strict=True) if columns else ()):
        if sev_idx is None and not pct_idx:
            ws.append(row)
            continue
        values: list[Any] = list(row)
        if sev_idx is not None and sev_codes[n] in styles:
            cell = WriteOnlyCell(ws, value=values[sev_idx])
            cell.fill, cell.font = styles[sev_codes[n]]
            values[sev_idx] = cell
        for i in pct_idx:
            cell = WriteOnlyCell(ws, value=values[i])
            cell.number_format = "0.0%"
            values[i] = cell
        ws.append(values)


def write_workbook(path: str | Path, sheets: Iterable[Sheet]) -> None:
    """Write the sheets to ``path`` (the caller makes it atomic)."""
    import openpyxl  # imported when a workbook is written: most scans write CSV

    wb = openpyxl.Workbook(write_only=True)
    for sheet in sheets:
        _write_sheet(wb, sheet)
    wb.save(str(path))


def legend_sheet(sheets: Iterable[Sheet]) -> Sheet:
    """字段说明: for every column with a Chinese header, its canonical code and the codes behind its labels."""
    rows = []
    for sheet in sheets:
        for col in sheet.frame.columns:
            if col not in sheet.headers:
                continue
            table = sheet.labels.get(col, {})
            values = "；".join(f"{label}={code}" for code, label in table.items() if code)
            rows.append({"工作表": sheet.name, "列名": sheet.headers[col], "字段代码": str(col), "取值代码": values})
    note = "第1行（隐藏）为字段代码，供程序读取（regcheck scan --baseline）；请勿删除"
    rows.append({"工作表": "", "列名": "", "字段代码": "", "取值代码": note})
    return Sheet(LEGEND_SHEET, pd.DataFrame(rows, columns=["工作表", "列名", "字段代码", "取值代码"]))


def findings_sheets(findings: pd.DataFrame, summary: pd.DataFrame | None) -> list[Sheet]:
    from ..baseline import STATUS_ZH
    from ..summary import SHEET_HEADERS_ZH

    sheets = [
        Sheet(
            FINDINGS_SHEET,
            findings,
            severity_column="severity",
            widths={"message": MAX_WIDTH, "evidence": 40},
            headers=FINDING_HEADERS_ZH,
            labels={"severity": SEVERITY_ZH, "status": STATUS_ZH},
        )
    ]
    if summary is not None:
        sheets.append(Sheet(SUMMARY_SHEET, summary, percent_columns=("on_time_rate",), headers=SHEET_HEADERS_ZH))
    return [*sheets, legend_sheet(sheets)]


__all__ = [
    "FINDINGS_SHEET",
    "LEGEND_SHEET",
    "SEVERITY_STYLE",
    "SUMMARY_SHEET",
    "Sheet",
    "findings_sheets",
    "legend_sheet",
    "write_workbook",
]
