"""The standard tables as per-table CSV/Parquet files (spec/sources.md §1, §3) -> :class:`RawRows`.

A folder holding ``DJT_DJ_SLSQ`` or ``DJT_DJ_SL`` (``.csv`` or ``.parquet``, any letter case) is a
table folder: each table one file ``<TABLE>.csv|.parquet``. Table and column names are matched
without regard to case and come out UPPER-case; values come out as text, as written: CSV cells as
they stand (encodings as the flat loader detects them), typed Parquet and database values turned
into text by :func:`arrow_text` / :func:`python_text` (times ``YYYY-MM-DDTHH:MM:SS``, integers
without ``.0``, decimals with their scale). An empty value is ``None``, whatever the form.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ..errors import InputError
from ..loaders.read import (
    REJECT_COLUMNS,
    _is_regular,
    _read_header,
    detect_encoding,
    read_csv_table,
    read_parquet_table,
)
from ..loaders.text import inspect_text, last_line
from . import FILE, MESSAGE_CASE, ORDER, ROW, RawRows

TZ = "Asia/Shanghai"
ACCEPTANCE = ("DJT_DJ_SLSQ", "DJT_DJ_SL")  # the two generations' acceptance table; one must be present
# The tables of sources.md §3 regcheck reads (DJF_DJ_SQR/DJF_DJ_SQ, parties' applications, are left out).
NAMED = (
    *ACCEPTANCE,
    *("DJF_DJ_SH", "DJF_DJ_DB", "DJF_DJ_SZ", "DJF_DJ_FZ", "DJF_DJ_SF", "DJF_DJ_GD", "ZTT_GY_QLR"),
    *("QLF_QL_DYAQ", "QLF_QL_CFDJ", "QLF_QL_YYDJ", "QLF_QL_YGDJ", "QLT_FW_FDCQ_YZ", "QLT_FW_FDCQ_DZ"),
    *("QLF_FW_FDCQ_DZ_XM", "QLF_QL_JSYDSYQ", "QLF_QL_ZXDJ"),
)
RIGHT_PREFIXES = ("QLF_", "QLT_")  # any other right table is read when it has a DJSJ column
TABLE_SUFFIXES = (".csv", ".parquet")


def wanted_table(name: str, columns: Iterable[str]) -> bool:
    """A table regcheck reads: one of §3's (any case), or another ``QLF_*``/``QLT_*`` table with DJSJ."""
    upper = name.upper()
    if upper in NAMED:
        return True
    return upper.startswith(RIGHT_PREFIXES) and "DJSJ" in {c.upper() for c in columns}


def upper_columns(where: str, columns: list[str]) -> dict[str, str]:
    """UPPER-case name -> the column as named; a column without a name (a CSV line's trailing comma)
    holds no attribute and is left out; two names that differ only in case are an InputError."""
    seen: dict[str, str] = {}
    for c in columns:
        key = str(c).strip().upper()
        if not key:
            continue
        if key in seen:
            raise InputError(f"{where}: columns {seen[key]!r} and {c!r} are the same name in another letter case")
        seen[key] = str(c)
    return seen


# --- values to text ------------------------------------------------------------------------


def _empty_to_null(text: pa.Array) -> pa.Array:
    return pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)


def _time_text(arr: pa.Array) -> pa.Array:
    """Timestamps as ``YYYY-MM-DDTHH:MM:SS`` (a fraction only where there is one); with a time zone:
    in Asia/Shanghai, with its offset (``+08:00``)."""
    unit, tz = arr.type.unit, arr.type.tz
    if tz is not None:
        arr = arr.cast(pa.timestamp(unit, TZ))
    whole = pc.cast(arr, pa.timestamp("s", tz=arr.type.tz), safe=False)
    exact = pc.equal(pc.cast(whole, arr.type), arr)
    text = pc.if_else(exact, pc.strftime(whole, "%Y-%m-%dT%H:%M:%S"), pc.strftime(arr, "%Y-%m-%dT%H:%M:%S"))
    if tz is not None:
        offset = pc.replace_substring_regex(pc.strftime(arr, "%z"), r"^([+-]\d\d)(\d\d)$", r"\1:\2")
        text = pc.binary_join_element_wise(text, offset, "")
    return text


def arrow_text(values: pa.Array | pa.ChunkedArray, where: str = "") -> pa.Array:
    """A typed Arrow column as the text of RawRows (string array, ``None`` for null and empty)."""
    arr = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    typ = arr.type
    if pa.types.is_dictionary(typ):
        arr = arr.cast(typ.value_type)
        typ = arr.type
    if pa.types.is_null(typ):
        return pa.nulls(len(arr), pa.string())
    if pa.types.is_timestamp(typ):
        text = _time_text(arr)
    elif pa.types.is_date(typ):
        text = pc.cast(arr, pa.string())
    elif pa.types.is_floating(typ):
        text = pc.cast(pc.if_else(pc.is_nan(arr), pa.scalar(None, typ), arr), pa.string())
    elif pa.types.is_nested(typ):
        raise InputError(f"{where}: nested values ({typ}); regcheck reads one value per cell — export it flat")
    else:
        try:
            text = pc.cast(arr, pa.string())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            raise InputError(f"{where}: cannot read the values as text ({str(exc).splitlines()[0]})") from None
    return _empty_to_null(text)


def _one_text(value: object) -> str | None:
    """One database value as text, where a column mixes types (SQLite) or holds decimals."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    if isinstance(value, float):
        return None if value != value else (str(int(value)) if value.is_integer() else repr(value))
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = pd.Timestamp(value).tz_convert(TZ).to_pydatetime()
        return value.isoformat(timespec="microseconds" if value.microsecond else "seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).decode("utf-8", errors="backslashreplace") or None
    return str(value)


def python_text(values: list[object] | np.ndarray, where: str = "") -> pa.Array:
    """A database column's values (Python objects) as text: through Arrow when the column has one
    type (the common case), else value by distinct value."""
    objects = np.asarray(values, dtype=object)
    try:
        arr = pa.array(objects, from_pandas=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
        arr = None
    # decimals keep each value's own scale; bytes that are not UTF-8 are shown escaped, not refused
    if arr is not None and not (pa.types.is_decimal(arr.type) or pa.types.is_binary(arr.type)):
        return arrow_text(arr, where)
    codes, uniques = pd.factorize(pd.Series(objects), use_na_sentinel=True)
    texts = np.array([_one_text(u) for u in uniques] + [None], dtype=object)
    return pa.array(texts[codes], type=pa.string())


def text_frame(columns: dict[str, pa.Array]) -> pd.DataFrame:
    """Text columns -> a frame of ``str``/``None`` (object dtype), as RawRows holds them."""
    n = len(next(iter(columns.values()))) if columns else 0
    frame = pd.DataFrame(index=pd.RangeIndex(n))
    for name, col in columns.items():  # object dtype: str or None, not pandas' inferred string dtype
        frame[name] = pd.Series(np.asarray(col.to_numpy(zero_copy_only=False), dtype=object), dtype=object)
    return frame


def with_provenance(frame: pd.DataFrame, file: str, rows: np.ndarray, first_order: int) -> pd.DataFrame:
    """The provenance columns of RawRows added to one table's frame (table form: no message case)."""
    frame[FILE] = file
    frame[ROW] = rows.astype(np.int64)
    frame[ORDER] = np.arange(first_order, first_order + len(frame), dtype=np.int64)
    frame[MESSAGE_CASE] = None
    return frame


# --- table files ---------------------------------------------------------------------------


def _table_files(path: Path) -> dict[str, Path]:
    """UPPER-case table name -> its file, for the ``.csv``/``.parquet`` files of a folder."""
    found: dict[str, Path] = {}
    for p in sorted(path.iterdir()):
        if not (p.suffix.lower() in TABLE_SUFFIXES and _is_regular(p)):
            continue
        name = p.stem.upper()
        if name in found:
            raise InputError(f"{found[name]} and {p} are both table {name}; keep one")
        found[name] = p
    return found


def is_table_dir(path: str | Path) -> bool:
    """A folder holding a file ``DJT_DJ_SLSQ`` or ``DJT_DJ_SL`` (``.csv``/``.parquet``, any case)."""
    p = Path(path)
    if not p.is_dir():
        return False
    try:
        return any(
            q.suffix.lower() in TABLE_SUFFIXES and q.stem.upper() in ACCEPTANCE and _is_regular(q) for q in p.iterdir()
        )
    except OSError:
        return False


def _read_csv(path: Path) -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame]:
    """A table CSV: its frame of text, each row's data-row number (1-based), and its rejects: rows
    with a wrong number of fields, and the last row of a file cut off in the middle of it."""
    table, headers, ragged = read_csv_table(path, lambda hs: hs)
    names = upper_columns(str(path), headers)
    frame = text_frame({n: arrow_text(table.column(h), f"{path}: {h}") for n, h in names.items()})
    record = sorted(p["row"] for p in ragged if p["row"] is not None)  # record numbers, header = 1
    rows = np.arange(1, len(frame) + len(record) + 1, dtype=np.int64)
    if record:
        rows = rows[~np.isin(rows, np.asarray(record, dtype=np.int64) - 1)][: len(frame)]
    bad = [
        {**p, "row": -1 if p["row"] is None else p["row"] - 1, "column": ""} for p in ragged if p["value"].strip()
    ]  # an empty line is no row
    info = inspect_text(path)
    if info.cut:  # never use what is left of a cut-off last row (as the flat loader)
        last = len(frame) + len(record)
        cut = [p for p in bad if p["row"] == last]
        for p in cut:
            p["reason"] = f"{info.cut} ({p['reason']})"
        if not cut and len(frame) and rows[-1] == last:
            bad.append({"row": last, "column": "", "value": last_line(path, info), "reason": info.cut})
            frame, rows = frame.iloc[:-1], rows[:-1]
    blank = frame.isna().all(axis=1).to_numpy() if len(frame.columns) else np.zeros(len(frame), dtype=bool)
    if blank.any():  # an empty line (or one of empty cells only) is no row: neither read nor rejected
        frame, rows = frame.loc[~blank], rows[~blank]
    rejects = pd.DataFrame([{"file": str(path), **p} for p in bad], columns=REJECT_COLUMNS)
    return frame.reset_index(drop=True), rows, rejects


def _read_parquet(path: Path) -> pd.DataFrame:
    table, headers = read_parquet_table(path, lambda hs: hs, dictionary=False)
    names = upper_columns(str(path), headers)
    return text_frame({n: arrow_text(table.column(h), f"{path}: {h}") for n, h in names.items()})


def _headers_of(path: Path) -> list[str]:
    if path.suffix.lower() == ".parquet":
        try:
            return list(pq.ParquetFile(path).schema_arrow.names)
        except (pa.ArrowException, OSError) as exc:
            raise InputError(f"{path}: cannot read the Parquet file ({str(exc).splitlines()[0]})") from None
    return _read_header(path, detect_encoding(path))


def read_table_files(path: str | Path) -> RawRows:
    """A table folder -> RawRows (form "tables"): the tables regcheck reads, in name order.

    Files that are no table regcheck reads are counted in ``skipped``; rows a CSV cannot split
    (a wrong number of fields) are ``rejects`` rows with their data-row number.
    """
    folder = Path(path)
    if not is_table_dir(folder):
        raise InputError(f"{folder}: no DJT_DJ_SLSQ or DJT_DJ_SL table (.csv or .parquet) in this folder")
    out = RawRows(form="tables")
    rejects: list[pd.DataFrame] = []
    order = 0
    skipped = sum(1 for p in folder.iterdir() if p.suffix.lower() not in TABLE_SUFFIXES or not _is_regular(p))
    for name, file in sorted(_table_files(folder).items()):
        if not wanted_table(name, [] if name in NAMED else _headers_of(file)):
            skipped += 1
            continue
        if file.suffix.lower() == ".parquet":
            frame = _read_parquet(file)
            rows = np.arange(1, len(frame) + 1, dtype=np.int64)
        else:
            frame, rows, bad = _read_csv(file)
            rejects.append(bad)
        out.tables[name] = with_provenance(frame, str(file), rows, order)
        out.files.append(str(file))
        order += len(frame)
    out.skipped = skipped
    nonempty = [r for r in rejects if len(r)]
    if nonempty:
        out.rejects = pd.concat(nonempty, ignore_index=True)
    return out
