"""Side inputs: the staff roster (``--roster``) and the approval registry (``--approvals``).

Both are small tables, CSV (UTF-8, UTF-8 with BOM, GB18030) or Parquet, with
the canonical English headers or the Chinese ones of spec/input.md. Cells are
parsed with the same value parsers as the log (trimming, ``是/否``, every date
form), then every row is validated against its pydantic model
(:class:`regcheck.schema.RosterEntry`, :class:`regcheck.schema.ApprovalEntry`).

Unlike the log, a side table is all or nothing: one malformed row stops the
scan with an :class:`~regcheck.errors.InputError` naming the file, the row (as a
spreadsheet shows it: the header is row 1) and the field — a roster with a row
silently dropped would turn into false "operator not in roster" findings.
Rows whose cells are all blank (trailing rows of a spreadsheet) are skipped.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import BaseModel, TypeAdapter, ValidationError

from .errors import InputError
from .loaders import read_table_file
from .loaders import values as V
from .schema import APPROVAL_COLUMNS, ROSTER_COLUMNS, ApprovalEntry, Column, RosterEntry, column_label

# Flags whose blank cell means "no"; other flags stay missing (pandas ``boolean``).
_BLANK_IS_FALSE = {"trained"}

_REASONS = {
    "bool": "not a boolean (true/false, 1/0, 是/否, Y/N)",
    "date": "date not understood",
    "decimal": "not a number",
}


def load_roster(path: str | Path) -> pd.DataFrame:
    """The staff roster: one row per staff member (or per period of one), canonical columns.

    Columns: operator_id, name, office_code, post (str, missing = NaN), registrar
    (pandas ``boolean``, blank = NA: not recorded), trained (bool, blank = False),
    training_hours (float), active_from, active_to, post_since (datetime64 at
    midnight, missing = NaT).
    """
    return _load(path, ROSTER_COLUMNS, RosterEntry)


def by_id_then_name(roster: pd.DataFrame) -> pd.DataFrame:
    """The roster's rows keyed so that an operator_id matches a roster operator_id, and failing that a name.

    Access messages and standard tables name their staff (SLRY, SHRYXM, DBR …: spec/sources.md §4),
    while a roster keys them by id: each row whose name is no roster operator_id is repeated under
    its name. Two people of one name on a roster are then both that name's rows (a flat log that
    records ids is not affected: its ids match first).
    """
    names = roster["name"].astype("string").str.strip() if "name" in roster.columns else None
    if names is None:
        return roster
    by_name = names.notna() & (names != "") & ~names.isin(roster["operator_id"].astype("string"))
    extra = roster.loc[by_name.to_numpy()].assign(operator_id=names[by_name].astype(object))
    return pd.concat([roster, extra], ignore_index=True) if len(extra) else roster


def load_approvals(path: str | Path) -> pd.DataFrame:
    """The approval registry: approval_no, issuer, parcel_code (str), approval_date (datetime64)."""
    return _load(path, APPROVAL_COLUMNS, ApprovalEntry)


def parse_roster(raw: pd.DataFrame, name: str = "roster") -> pd.DataFrame:
    """An in-memory roster (text or typed cells, English or Chinese headers) -> the frame of :func:`load_roster`."""
    return _parse(name, raw, ROSTER_COLUMNS, RosterEntry)


def parse_approvals(raw: pd.DataFrame, name: str = "approvals") -> pd.DataFrame:
    """An in-memory approval registry -> the frame of :func:`load_approvals`."""
    return _parse(name, raw, APPROVAL_COLUMNS, ApprovalEntry)


def _load(path: str | Path, spec: tuple[Column, ...], model: type[BaseModel]) -> pd.DataFrame:
    return _parse(str(path), read_table_file(path), spec, model)


def _parse(name: str, raw: pd.DataFrame, spec: tuple[Column, ...], model: type[BaseModel]) -> pd.DataFrame:
    chosen = _map_headers(name, list(raw.columns), spec)
    n = len(raw)
    cleaned: dict[str, pd.Series] = {}
    for col in spec:
        if col.name in chosen:
            # in a number column "NaN" is no number (rejected like "inf"), not a blank cell
            missing = V.NUMBER_MISSING if col.kind == "decimal" else V.MISSING_VALUES
            cleaned[col.name] = V.clean_strings(_as_text(raw[chosen[col.name]]).reset_index(drop=True), missing)
        else:
            cleaned[col.name] = pd.Series(np.full(n, np.nan, dtype=object)).astype("str")
    rows = np.arange(2, n + 2, dtype=np.int64)  # spreadsheet numbering: the header is row 1
    blank = np.logical_and.reduce([s.isna().to_numpy() for s in cleaned.values()]) if cleaned else np.zeros(0, bool)
    keep = ~blank
    parsed: dict[str, pd.Series] = {}
    problems: list[tuple[int, int, str, str, str]] = []  # (row, field order, field, value, reason)
    for order, col in enumerate(spec):
        clean = cleaned[col.name]
        if col.kind == "bool":
            values, bad = V.parse_bool(clean)
            if col.name in _BLANK_IS_FALSE:
                values = values.fillna(False).astype(bool)
        elif col.kind == "date":
            values, bad, far = V.parse_times(clean)
            values = values.dt.normalize()
            _first_problem(problems, far & keep, rows, order, col.name, clean, _OUT_OF_RANGE)
        elif col.kind == "decimal":
            values, bad = V.parse_decimal(clean)
        else:
            values, bad = clean, np.zeros(n, dtype=bool)
        parsed[col.name] = values
        _first_problem(problems, bad & keep, rows, order, col.name, clean, _REASONS.get(col.kind, ""))
    if problems:
        row, _, field, value, reason = min(problems)
        raise InputError(f"{name}: row {row}: {field}: {reason} ({value!r})")
    frame = pd.DataFrame(parsed).loc[keep].reset_index(drop=True)
    _validate(name, frame, rows[keep], model)
    return frame


_OUT_OF_RANGE = f"{V.OUT_OF_RANGE} ({V.TIME_RANGE_TEXT})"


def _first_problem(
    problems: list[tuple[int, int, str, str, str]],
    bad: np.ndarray,
    rows: np.ndarray,
    order: int,
    field: str,
    clean: pd.Series,
    reason: str,
) -> None:
    """Record the first bad row of a column (the error names the earliest problem of the file)."""
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        problems.append((int(rows[i]), order, field, str(clean.iloc[i]), reason))


def _map_headers(name: str, headers: list[str], spec: tuple[Column, ...]) -> dict[str, str]:
    """Canonical column -> header in the file (English canonical, case-insensitive, or Chinese)."""
    lookup: dict[str, str] = {}
    for col in spec:
        lookup[col.name.lower()] = col.name
        lookup[col.zh] = col.name
    chosen: dict[str, str] = {}
    for h in headers:
        canon = lookup.get(str(h).strip().replace("\ufeff", "").lower())
        if canon is None:
            continue  # unknown extra columns are kept out and ignored
        if canon in chosen:
            raise InputError(f"{name}: the columns {chosen[canon]!r} and {h!r} both give {_label(canon, spec)}")
        chosen[canon] = h
    for col in spec:
        if col.required and col.name not in chosen:
            raise InputError(f"{name}: required column {col.name} ({col.zh}) is missing")
    return chosen


def _label(canon: str, spec: tuple[Column, ...]) -> str:
    for col in spec:
        if col.name == canon:
            return f"{col.name} ({col.zh})"
    return column_label(canon)


def _as_text(values: pd.Series) -> pd.Series:
    """Any column (Parquet may be typed: bool, dates, numbers) as text, missing kept missing."""
    if pd.api.types.is_datetime64_any_dtype(values):
        text = values.dt.strftime("%Y-%m-%d %H:%M:%S")
        return text.astype(object).where(values.notna(), None)
    return values.astype(object).where(values.notna(), None).astype("str")


def _validate(name: str, frame: pd.DataFrame, rows: np.ndarray, model: type[BaseModel]) -> None:
    """Every row against the pydantic model; the first failure -> InputError (file, row, field)."""
    records = frame.astype(object).where(frame.notna(), None).to_dict("records")
    try:
        TypeAdapter(list[model]).validate_python(records)  # type: ignore[valid-type]
    except ValidationError as exc:
        err = min(exc.errors(), key=lambda e: (int(e["loc"][0]), str(e["loc"][1:])))
        row = int(rows[int(err["loc"][0])])
        fields = [str(x) for x in err["loc"][1:]]
        where = f"{fields[0]}: " if fields else ""
        cell = records[int(err["loc"][0])].get(fields[0]) if fields else None
        if fields and cell is None:
            raise InputError(f"{name}: row {row}: {where}blank, but a value is required") from None
        value = f" ({cell!s})" if fields else ""
        raise InputError(f"{name}: row {row}: {where}{_plain(err['msg'])}{value}") from None


def _plain(msg: str) -> str:
    for prefix in ("Value error, ", "Assertion failed, "):
        msg = msg.removeprefix(prefix)
    return msg[:1].lower() + msg[1:]


__all__ = ["load_approvals", "load_roster", "parse_approvals", "parse_roster"]
