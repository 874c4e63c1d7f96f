"""Findings writers: CSV (UTF-8 BOM, injection-safe), Parquet, JSON Lines, XLSX (writers/xlsx.py)."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pandas as pd

from ..errors import InputError
from .atomic import atomic_path

FORMATS = ("csv", "parquet", "jsonl", "xlsx")
_BY_SUFFIX = {
    ".csv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".xlsx": "xlsx",
}
# Cells starting with these are formulas to Excel/WPS (or become one after a tab/CR).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# identifiers Excel/WPS would open as a number: 12+ digits (shown as 3.4E+16, digits after the 15th
# lost) or a leading zero (dropped); such a cell gets a trailing tab, which makes it text to both
ID_COLUMNS = ("case_id", "unit_id", "office_code")
_NUMBER_LIKE = r"\d{12,}|0\d+"


def choose_format(path: str, fmt: str | None) -> str:
    if fmt:
        return fmt
    if path == "-":
        return "csv"
    suffix = Path(path).suffix.lower()
    if suffix in _BY_SUFFIX:
        return _BY_SUFFIX[suffix]
    raise InputError(f"{path}: cannot tell the output format from the name; use --format ({', '.join(FORMATS)})")


def neutralise(value: object) -> object:
    """Prefix a quote to text Excel would run as a formula (OWASP CSV injection)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def for_text(df: pd.DataFrame) -> pd.DataFrame:
    """Times as text, every text cell neutralised — for CSV and other spreadsheet-bound formats."""
    out = df.copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.strftime("%Y-%m-%d %H:%M:%S").astype(object).where(out[col].notna(), "")
        elif pd.api.types.is_numeric_dtype(out[col]) and not pd.api.types.is_bool_dtype(out[col]):
            continue  # numbers are not formulas (a negative number stays a number)
        else:
            text = out[col].astype(object).where(out[col].notna(), "").astype(str)
            risky = text.str[:1].isin(_FORMULA_START)
            out[col] = text.where(~risky, "'" + text)
    return out


def ids_as_text(df: pd.DataFrame) -> pd.DataFrame:
    """Identifier cells that a spreadsheet would turn into numbers end in a tab (README, "输出 / output")."""
    for col in ID_COLUMNS:
        if col in df.columns and len(df):
            text = df[col].astype(str)
            like = text.str.fullmatch(_NUMBER_LIKE).fillna(False).to_numpy(dtype=bool)
            df[col] = text.where(~like, text + "\t")
    return df


def to_csv_text(df: pd.DataFrame) -> str:
    buf = io.StringIO()
    ids_as_text(for_text(df)).to_csv(buf, index=False, lineterminator="\r\n")
    return buf.getvalue()


def write_table(df: pd.DataFrame, path: str, fmt: str | None = None, summary: pd.DataFrame | None = None) -> str:
    """Write findings (or rejects) atomically. ``path == '-'`` writes CSV to stdout.

    ``summary`` becomes the XLSX summary sheet (other formats carry the findings only).
    """
    fmt = choose_format(path, fmt)
    if path == "-":
        sys.stdout.write(to_csv_text(df))
        sys.stdout.flush()
        return fmt
    with atomic_path(path) as tmp:
        if fmt == "csv":
            tmp.write_text(to_csv_text(df), encoding="utf-8-sig", newline="")
        elif fmt == "parquet":
            df.to_parquet(tmp, index=False)
        elif fmt == "jsonl":
            out = df.copy()
            for col in out.columns:
                if pd.api.types.is_datetime64_any_dtype(out[col]):
                    out[col] = out[col].dt.strftime("%Y-%m-%d %H:%M:%S")
            text = out.to_json(orient="records", lines=True, force_ascii=False) if len(out) else ""
            tmp.write_text(text, encoding="utf-8")
        elif fmt == "xlsx":
            from .xlsx import findings_sheets, write_workbook

            write_workbook(tmp, findings_sheets(df, summary))
        else:
            raise InputError(f"unknown output format {fmt!r}; use one of {', '.join(FORMATS)}")
    return fmt
