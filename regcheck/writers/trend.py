"""The trend table of `regcheck trend` (-o): CSV/Parquet/JSON Lines as the findings writers write a table; XLSX
with Chinese headers, the on-time rate as a percentage, and the trend warnings on a second sheet (预警)."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from ..trend import LEVEL_ZH, TREND_HEADERS_ZH
from . import choose_format, write_table
from .atomic import atomic_path

TREND_SHEET = "趋势"
WARNINGS_SHEET = "预警"


def write_trend_table(table: pd.DataFrame, warnings: pd.DataFrame, path: str, fmt: str | None = None) -> str:
    """Write the table (atomically); an XLSX workbook carries the warnings too."""
    fmt = choose_format(path, fmt)
    if fmt != "xlsx" or path == "-":
        return write_table(table, path, fmt)
    from .xlsx import Sheet, findings_sheets, legend_sheet, write_workbook

    table_sheet = Sheet(
        TREND_SHEET, table, percent_columns=("on_time_rate",), headers=TREND_HEADERS_ZH, labels={"level": LEVEL_ZH}
    )
    sheets = [table_sheet, replace(findings_sheets(warnings, None)[0], name=WARNINGS_SHEET)]
    with atomic_path(path) as tmp:
        write_workbook(tmp, [*sheets, legend_sheet(sheets)])
    return fmt


__all__ = ["TREND_SHEET", "WARNINGS_SHEET", "write_trend_table"]
