"""Findings writers: CSV (UTF-8 BOM, injection-safe), Parquet, JSON Lines, XLSX (writers/xlsx.py)."""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

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
    """The CSV (no BOM) as text; see :func:`write_csv`."""
    return to_csv_bytes(df).decode("utf-8")


def to_csv_bytes(df: pd.DataFrame) -> bytes:
    """The CSV (no BOM) as bytes; see :func:`write_csv`."""
    out = io.BytesIO()
    write_csv(df, out)
    return out.getvalue()


CSV_ROWS = 65_536  # rows made into CSV and written at a time: a big table is never held whole as CSV text


def write_csv(df: pd.DataFrame, out: BinaryIO) -> None:
    """The CSV as UTF-8 (no BOM) to ``out``, :data:`CSV_ROWS` rows at a time: :func:`for_text` and
    :func:`ids_as_text`, written as pandas (Python's csv module) writes it — CRLF lines, a cell quoted when it
    holds a comma, a quote or a line break."""
    for start in range(0, max(len(df), 1), CSV_ROWS):
        out.write(_csv_lines(df.iloc[start : start + CSV_ROWS], header=start == 0))


def _csv_lines(df: pd.DataFrame, header: bool) -> bytes:
    """Rows as CSV lines (after the header line if asked). Rows of text and time columns are built with
    Arrow's string kernels, byte for byte what pandas writes; any others are written by pandas."""
    cells = _arrow_cells(df) if len(df.columns) > 1 else None
    if cells is None:
        buf = io.StringIO()
        ids_as_text(for_text(df)).to_csv(buf, index=False, header=header, lineterminator="\r\n")
        return buf.getvalue().encode("utf-8")
    head_bytes = b""
    if header:
        names = _csv_quoted(pa.array([str(c) for c in df.columns], type=_TEXT)).to_pylist()
        head_bytes = (",".join(names) + "\r\n").encode("utf-8")
    if not len(df):
        return head_bytes
    lines = pc.binary_join_element_wise(*(_csv_quoted(c) for c in cells), _text(","))
    lines = pc.binary_join_element_wise(lines, _text(""), _text("\r\n"))
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int64)[lines.offset : lines.offset + len(lines) + 1]
    return head_bytes + lines.buffers()[2][int(offsets[0]) : int(offsets[-1])].to_pybytes()


_TEXT = pa.large_string()
_ID_LIKE = r"^(?:\p{Nd}{12,}|0\p{Nd}+)$"  # _NUMBER_LIKE in RE2: \d of Python's str patterns is any Unicode digit


def _text(value: str) -> pa.Scalar:
    return pa.scalar(value, type=_TEXT)


def _arrow_cells(df: pd.DataFrame) -> list[pa.Array] | None:
    """Each column as :func:`for_text` and :func:`ids_as_text` make it, as Arrow text; None when a column
    holds numbers (pandas formats those) or values other than text."""
    out = []
    for col in df.columns:
        values = df[col]
        if pd.api.types.is_datetime64_any_dtype(values):
            values = values.dt.strftime("%Y-%m-%d %H:%M:%S").astype(object).where(values.notna(), "")
        elif pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            return None
        elif values.dtype == object and pd.api.types.infer_dtype(values, skipna=True) not in ("string", "empty"):
            return None  # numbers, booleans, bytes … in a text column: their text is Python's str()
        try:
            text = pa.array(values, type=_TEXT, from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            return None
        if isinstance(text, pa.ChunkedArray):  # a column of pandas' Arrow-backed text
            text = text.combine_chunks()
        text = pc.fill_null(text, _text(""))
        text = _where(pc.match_substring_regex(text, r"^[=+\-@\t\r]"), text, "'", "")
        if col in ID_COLUMNS:
            text = _where(pc.match_substring_regex(text, _ID_LIKE), text, "", "\t")
        out.append(text)
    return out


def _csv_quoted(text: pa.Array) -> pa.Array:
    """Cells as Python's csv module writes them (QUOTE_MINIMAL, line terminator CRLF)."""
    needs = pc.match_substring_regex(text, '[,"\r\n]')
    if pc.any(needs).as_py():
        text = _where(needs, pc.replace_substring(text, '"', '""'), '"', '"', otherwise=text)
    return text


def _where(mask: pa.Array, text: pa.Array, before: str, after: str, otherwise: pa.Array | None = None) -> pa.Array:
    """``before + text + after`` where ``mask`` holds, else ``otherwise`` (default ``text``); the kernels run
    only when some cell needs them, and the choice only when not every one does."""
    otherwise = text if otherwise is None else otherwise
    some = pc.any(mask).as_py()
    if not some:
        return otherwise
    wrapped = pc.binary_join_element_wise(_text(before), text, _text(after), _text(""))
    return wrapped if pc.all(mask).as_py() else pc.if_else(mask, wrapped, otherwise)


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
            with open(tmp, "wb") as out:
                out.write(b"\xef\xbb\xbf")
                write_csv(df, out)
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
