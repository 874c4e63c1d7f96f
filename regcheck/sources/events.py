"""From the rows of the standard tables to the canonical log (spec/sources.md §2–§5).

:func:`to_load` turns :class:`~regcheck.sources.RawRows` — what the message, table-file and
database readers produce — into the :class:`~regcheck.loaders.read.LoadResult` a flat log with
the same facts would give: the events run through the flat loader's own parsing
(:func:`regcheck.loaders.read.parse_columns`), so they are validated and typed identically.

Every row read ends in exactly one of four fates, counted per table as found
(``DJT_DJ_SL`` and ``DJT_DJ_SLSQ`` apart): **used** (it made an event or gave a case attribute),
**merged** (an identical duplicate of an earlier row of the same table and case, §2),
**rejected** (a rejects row names it: no YWH, no acceptance row for its case, a missing or
unreadable event time, an amount that is no number …) or **ignored** (a table regcheck does
not read). Hence, per table: ``read = used + merged + rejected + ignored``.

All work is on whole tables (pandas/Arrow): no Python loop over rows.
"""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..facts import SourceInfo
from ..loaders import values as V
from ..loaders.profile import Profile
from ..loaders.read import REJECT_COLUMNS, LoadResult, parse_columns
from ..schema import CANONICAL, REQUIRED
from . import FILE, MESSAGE_CASE, ORDER, ROW, RawRows

ACCEPT = "DJT_DJ_SLSQ"  # the newer name; DJT_DJ_SL (older) is read as it, its DJLX playing DJDL
ACCEPT_OLD = "DJT_DJ_SL"
REGISTER_BOOK = "DJF_DJ_DB"  # 登簿 (newer generation only): the register time when no right row has DJSJ
PARTIES = "ZTT_GY_QLR"
APPLICANTS = ("DJF_DJ_SQR", "DJF_DJ_SQ")
# event tables: activity, the time columns (first present wins), the operator column (sources.md §4)
EVENT_TABLES: dict[str, tuple[str, tuple[str, ...], str]] = {
    ACCEPT: ("accept", ("SLSJ",), "SLRY"),
    "DJF_DJ_SH": ("review", ("SHJSSJ", "SHKSSJ"), "SHRYXM"),
    REGISTER_BOOK: ("register", ("DBSJ",), "DBRYXM"),
    "DJF_DJ_SZ": ("certify", ("SZSJ",), "SZRY"),
    "DJF_DJ_FZ": ("issue", ("FZSJ",), "FZRY"),
    "DJF_DJ_SF": ("charge", ("SFRQ",), "SFRY"),
    "DJF_DJ_GD": ("archive", ("GDSJ",), "GDRY"),
}
# right tables in the order they decide business_type; any other QLF_*/QLT_* table with DJSJ after them
RIGHT_FIRST = ("QLF_QL_DYAQ", "QLF_QL_CFDJ", "QLF_QL_YYDJ", "QLF_QL_YGDJ")
RIGHT_NAMED = (*RIGHT_FIRST, "QLT_FW_FDCQ_YZ", "QLT_FW_FDCQ_DZ", "QLF_FW_FDCQ_DZ_XM", "QLF_QL_JSYDSYQ", "QLF_QL_ZXDJ")
AMOUNTS = {"QLF_QL_DYAQ": ("BDBZZQSE", "ZGZQSE"), "DJF_DJ_SF": ("SSJE",)}  # checked: a number or missing

# §2: vendor placeholders read as missing, besides the flat log's empty spellings
PLACEHOLDERS = V.MISSING_VALUES | {"/", "无", "-1"}
_PLACEHOLDER_TIME = r"^1900-01-01(?:[T ]00:00(?::00(?:\.0+)?)?)?(?:Z|[+-]\d{2}:?\d{2})?$"
_SUFFIX = r"-\d+$"  # RecFlowID of one of several messages of a case: YWH-n

# §5: DJLX codes -> business_type; FWYT codes -> use; QLXZ codes -> land nature
DJLX_TYPES = {"100": "first", "200": "transfer", "300": "change", "400": "cancel", "500": "correction",
              "600": "objection", "700": "prenotice", "800": "seal"}  # fmt: skip
_USE_CODES = {
    "residential": "10 11 111 112 12 13",
    "industrial": "20 21 23 24 25 26 27",
    "public": "22",
    "commercial": "30 31 32 33 34 35",
    "education": "41",
    "medical": "42",
    "office": "60",
    "other": "40 43 50 51 52 53 54 55 70 80 81 82 83 84",
}
FWYT_USES = {code: use for use, codes in _USE_CODES.items() for code in codes.split()}
QLXZ_NATURES = {**{str(c): "state" for c in range(100, 108)}, **{str(c): "collective" for c in range(200, 206)}}

USED, MERGED, REJECTED, IGNORED = "used", "merged", "rejected", "ignored"
COUNT_COLUMNS = ["table", "read", "used", "merged", "rejected", "ignored"]
NO_YWH = "no YWH"
NO_ACCEPTANCE = "no acceptance row for this case"
NO_TIME = "event time is empty"
_LACK_MESSAGES = ("queue_events", "priority", "event_seq", "open_cases", "approval_facts", "assessed_value",
                  "query_events", "duplicate_rows", "suspensions")  # fmt: skip
LACKS = {"messages": frozenset(_LACK_MESSAGES), "tables": frozenset({*_LACK_MESSAGES, "message_heads"})}
_META = (FILE, ROW, ORDER, MESSAGE_CASE)
_KEY, _TABLE, _FATE, _COL, _VAL, _WHY = "_key", "_table", "_fate", "_rcol", "_rval", "_why"
_KTEXT = "_ktext"  # the case key as text (YWH, else the message's case); _KEY: its int64 code, -1 = none


@cache
def standard_codes() -> pd.DataFrame:
    """regcheck/data/standard_codes.txt: dictionary, code, label (copied from the standard's code tables)."""
    text = files("regcheck.data").joinpath("standard_codes.txt").read_text(encoding="utf-8")
    rows = [line.split("|") for line in text.splitlines() if line and not line.startswith("#")]
    return pd.DataFrame(rows, columns=["dictionary", "code", "label"])


@cache
def _code_of_label(dictionary: str) -> dict[str, str]:
    """label -> code of one dictionary (codes map to themselves), for values written as labels; a label two
    codes share (QLXZ 家庭承包 is 106 and 201) maps to neither."""
    table = standard_codes()
    table = table[table["dictionary"] == dictionary]
    labels = table.drop_duplicates("label", keep=False)
    return {**dict(zip(labels["label"], labels["code"], strict=True)), **{c: c for c in table["code"]}}


@cache
def mortgagee_words() -> dict[str, tuple[str, ...]]:
    """regcheck/data/mortgagee_words.toml: the built-in bank and financial word lists."""
    data = tomllib.loads(files("regcheck.data").joinpath("mortgagee_words.toml").read_text(encoding="utf-8"))
    return {"bank": tuple(data["bank"]), "financial": tuple(data["financial"])}


@dataclass
class _Rows:
    """The cleaned tables of one source: name (DJT_DJ_SL read as DJT_DJ_SLSQ) -> rows, and the heads."""

    tables: dict[str, pd.DataFrame]
    heads: pd.DataFrame
    form: str


# --- cleaning ------------------------------------------------------------------------------


def _arrow_backed(values: pd.Series) -> bool:
    return isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow"


def arrow_text(values: pd.Series) -> pa.Array | pd.Series:
    """A text column for Arrow compute: its Arrow data when it is Arrow-backed (the readers' frames are),
    without a Python object per value, as one array (a frame concatenated from batches holds several chunks,
    which the callers would otherwise take value by value); any other Series as it is (converted by the callee)."""
    if not _arrow_backed(values):
        return values
    arr = pa.array(values.array)
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def clean_values(values: pd.Series) -> pd.Series:
    """Trimmed text; empty spellings, the vendor placeholders and 1900-01-01 (any time 00:00) -> missing (§2)."""
    clean = V.clean_strings(arrow_text(values), missing=PLACEHOLDERS)
    clean.index = values.index
    # only a value starting 1900-01-01 can be the placeholder time: the regex runs on those alone
    maybe = pc.fill_null(pc.starts_with(arrow_text(clean), "1900-01-01"), False).to_numpy(zero_copy_only=False)
    if not maybe.any():
        return clean
    placeholder = maybe.copy()
    placeholder[maybe] = clean[maybe].str.match(_PLACEHOLDER_TIME).fillna(False).to_numpy(dtype=bool)
    return clean.mask(placeholder) if placeholder.any() else clean


def _clean_table(found: str, frame: pd.DataFrame, form: str) -> pd.DataFrame:
    """One table's attribute columns cleaned (upper-case names), its provenance, its case key and fate."""
    frame = frame.rename(columns={c: str(c).upper() for c in frame.columns if c not in _META})
    attrs = [c for c in frame.columns if c not in _META]
    out = pd.DataFrame(
        {c: clean_values(frame[c]).reset_index(drop=True) for c in attrs}, index=pd.RangeIndex(len(frame))
    )
    if found == ACCEPT_OLD and "DJLX" in out.columns and "DJDL" not in out.columns:
        out = out.rename(columns={"DJLX": "DJDL"})
    out[FILE] = frame[FILE].astype(object).to_numpy() if FILE in frame else None
    out[ROW] = frame[ROW].to_numpy() if ROW in frame else np.arange(1, len(frame) + 1)
    out[ORDER] = frame[ORDER].to_numpy(dtype=np.int64) if ORDER in frame else np.arange(len(frame), dtype=np.int64)
    key = out["YWH"] if "YWH" in out.columns else V.null_strings(len(out))
    if form == "messages" and MESSAGE_CASE in frame.columns:
        key = key.fillna(clean_values(frame[MESSAGE_CASE]).reset_index(drop=True))
    n = len(out)
    fates = {_FATE: np.full(n, USED, dtype=object), **{c: np.full(n, None, dtype=object) for c in (_COL, _VAL, _WHY)}}
    return pd.concat([out, pd.DataFrame({_KTEXT: key.to_numpy(), _TABLE: found, **fates}, index=out.index)], axis=1)


def _is_right(name: str, frame: pd.DataFrame) -> bool:
    return name in RIGHT_NAMED or (name.startswith(("QLF_", "QLT_")) and "DJSJ" in frame.columns)


def _gather(raw: RawRows) -> _Rows:
    """The tables cleaned; both acceptance generations as one; tables regcheck does not read ignored."""
    by_name: dict[str, list[pd.DataFrame]] = {}
    for found, frame in raw.tables.items():
        name = found.upper()
        table = _clean_table(name, frame, raw.form)
        canon = ACCEPT if name == ACCEPT_OLD else name
        if not (canon in EVENT_TABLES or canon in (PARTIES, *APPLICANTS) or _is_right(canon, table)):
            table[_FATE] = IGNORED
        by_name.setdefault(canon, []).append(table)
    tables = {n: pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0] for n, parts in by_name.items()}
    heads = raw.heads.copy() if raw.heads is not None else pd.DataFrame()
    if len(heads):
        case = clean_values(heads["RecFlowID"]) if "RecFlowID" in heads else V.null_strings(len(heads))
        stripped = case.str.replace(_SUFFIX, "", regex=True)
        own = heads[MESSAGE_CASE] if MESSAGE_CASE in heads else pd.Series([None] * len(heads))
        heads[_KTEXT] = clean_values(own).fillna(stripped).to_numpy()
    _factorize_keys(tables, heads)
    return _Rows(tables, heads, raw.form)


def _factorize_keys(tables: dict[str, pd.DataFrame], heads: pd.DataFrame) -> None:
    """Case keys as int64 codes (-1: no key) over all tables and heads: joins and groups on integers."""
    frames = [*tables.values(), *([heads] if _KTEXT in heads.columns else [])]
    if not frames:
        return
    codes, _ = pd.factorize(pd.concat([f[_KTEXT] for f in frames], ignore_index=True), use_na_sentinel=True)
    start = 0
    for f in frames:
        f[_KEY] = codes[start : start + len(f)].astype(np.int64)
        start += len(f)


# --- fates -----------------------------------------------------------------------------------


def _reject(
    table: pd.DataFrame, mask: np.ndarray, column: pd.Series | str, values: pd.Series | None, reason: str
) -> None:
    """Reject the rows of ``mask`` still in use (the first reason a row meets is its reason)."""
    hit = mask & (table[_FATE] == USED).to_numpy()
    if not hit.any():
        return
    table.loc[hit, _FATE] = REJECTED
    table.loc[hit, _COL] = column
    table.loc[hit, _VAL] = "" if values is None else values[hit].astype(object).where(values[hit].notna(), "")
    table.loc[hit, _WHY] = reason


def _merge_duplicates(table: pd.DataFrame) -> None:
    """Identical rows of one case (same attribute values; provenance ignored) after the first are merged."""
    attrs = [c for c in table.columns if not c.startswith("_")]
    live = (table[_FATE] == USED).to_numpy() & (table[_KEY] >= 0).to_numpy()
    if live.sum() < 2:
        return
    sub = table.loc[live].sort_values(ORDER, kind="stable")
    dup = sub.duplicated(subset=[_KEY, *[a for a in attrs if a != _KTEXT]], keep="first")
    table.loc[dup[dup].index, _FATE] = MERGED


def _settle_membership(rows: _Rows) -> None:
    """Rows without a case (no YWH) and rows whose case has no acceptance row are rejected (§3)."""
    for table in rows.tables.values():
        _reject(table, (table[_KEY] < 0).to_numpy(), _col(table, "YWH"), None, NO_YWH)
    for table in rows.tables.values():
        _merge_duplicates(table)
    accept = rows.tables.get(ACCEPT)
    accepted = np.zeros(0, np.int64) if accept is None else accept.loc[accept[_FATE] != IGNORED, _KEY].to_numpy()
    for table in rows.tables.values():
        has = np.zeros(len(table) and int(table[_KEY].max()) + 2, dtype=bool)
        has[accepted[(accepted >= 0) & (accepted < len(has))]] = True
        key = table[_KEY].to_numpy()
        orphan = (key >= 0) & ~has[np.where(key >= 0, key, 0)] if len(table) else np.zeros(0, dtype=bool)
        _reject(table, orphan, _col(table, "YWH"), table[_KTEXT], NO_ACCEPTANCE)


def _col(table: pd.DataFrame, column: str) -> str:
    """``TABLE.COLUMN`` as the rejects file names a table's column (per row: the table as found)."""
    codes, tables = pd.factorize(table[_TABLE])  # a table or two: the name is built once per table, not per row
    names = np.array([f"{t}.{column}" for t in tables], dtype=object)
    return pd.Series(names[codes], index=table.index, dtype="str")  # type: ignore[return-value]


def _check_values(rows: _Rows, tz: str) -> dict[str, pd.Series]:
    """Event times (missing or unreadable: rejected) and amounts (no number: rejected); the parsed times."""
    times: dict[str, pd.Series] = {}
    for name, table in rows.tables.items():
        if name in EVENT_TABLES:
            text, column = _first_present(table, EVENT_TABLES[name][1])
            times[name] = _checked_time(table, text, column, tz, required=True)
        elif _is_right(name, table) and (table[_FATE] != IGNORED).all():
            text = table["DJSJ"] if "DJSJ" in table.columns else V.null_strings(len(table))
            times[name] = _checked_time(table, text, _col(table, "DJSJ"), tz, required=False)
        for column in AMOUNTS.get(name, ()):
            if column in table.columns:
                _, bad = scaled_amount(table[column], 6)
                _reject(table, bad, _col(table, column), table[column], "not a number (an amount)")
    return times


def _first_present(table: pd.DataFrame, columns: tuple[str, ...]) -> tuple[pd.Series, pd.Series]:
    """The first of ``columns`` present on each row (SHJSSJ, else SHKSSJ), and the column it came from."""
    text = V.null_strings(len(table))
    where = pd.Series(_col(table, columns[0]), index=table.index) if len(table) else pd.Series([], dtype=object)
    for column in reversed(columns):
        if column in table.columns:
            here = table[column].notna()
            text = table[column].where(here, text)
            where = where.where(~here.to_numpy(), _col(table, column))
    return text, where


def _checked_time(table: pd.DataFrame, text: pd.Series, column: pd.Series | str, tz: str, required: bool) -> pd.Series:
    parsed, bad, far = V.parse_times(text, tz)
    columns = column if isinstance(column, pd.Series) else pd.Series(column, index=table.index)
    for mask, reason in ((bad, "time not understood"), (far, V.OUT_OF_RANGE)):
        _reject(table, mask, columns, text, reason)
    if required:
        _reject(table, text.isna().to_numpy(), columns, text, NO_TIME)
    return parsed


def scaled_amount(text: pd.Series, digits: int) -> tuple[pd.Series, np.ndarray]:
    """Decimal text -> exact integer in units of 10**-digits (Int64), and the values that are no such number.

    ``1,234.5`` with digits 2 -> 123450. More decimals than ``digits`` (other than zeros) or more than
    12 integer digits make a value bad; exact integer arithmetic, no floating-point noise.
    """
    codes, uniques = pd.factorize(text.astype("str"), use_na_sentinel=True)  # amounts repeat: parse each once
    if len(uniques) < len(text):
        value, bad = scaled_amount(pd.Series(uniques, dtype="str"), digits)
        value = pd.Series(value.array.take(codes, allow_fill=True), index=text.index)
        return value, np.append(bad, False)[codes]
    plain = text.astype("str").str.replace(",", "", regex=False).str.replace("，", "", regex=False)
    parts = plain.str.extract(r"^(\d{1,12})(?:\.(\d*))?$")
    frac = parts[1].fillna("").str.rstrip("0")
    ok = parts[0].notna() & (frac.str.len() <= digits)
    whole = pd.to_numeric(parts[0].where(ok), errors="coerce").astype("Int64")
    fraction = pd.to_numeric(frac.where(ok).str.ljust(digits, "0").replace("", "0"), errors="coerce").astype("Int64")
    value = whole * 10**digits + fraction
    bad = (text.notna() & ~ok).to_numpy(dtype=bool)
    return value.where(ok.to_numpy(dtype=bool)), bad


def amount_text(units: pd.Series, digits: int) -> pd.Series:
    """An exact integer in units of 10**-digits -> its decimal text (123450, 2 -> ``1234.50``)."""
    present = units.notna()
    value = units.fillna(0).astype(np.int64)
    scale = 10**digits
    text = (value // scale).astype(str) + "." + (value % scale).astype(str).str.zfill(digits)
    return text.where(present.to_numpy(dtype=bool), None)


# --- case attributes (§5) ----------------------------------------------------------------------


def _used(table: pd.DataFrame | None, *columns: str) -> pd.DataFrame:
    """A table's rows in use, with ``columns`` (absent ones all missing), the key and provenance."""
    if table is None:
        return pd.DataFrame(columns=[_KEY, _KTEXT, ORDER, FILE, ROW, _TABLE, *columns])
    rows = table.loc[table[_FATE] == USED]
    out = rows[[_KEY, _KTEXT, ORDER, FILE, ROW, _TABLE]].copy()
    for c in columns:
        out[c] = rows[c] if c in rows.columns else None
    return out


def first_by_case(frame: pd.DataFrame, column: str, by: list[str]) -> pd.Series:
    """Per case key, the first non-missing ``column`` value in ``by`` order (a Series indexed by key)."""
    present = frame.loc[frame[column].notna().to_numpy() & (frame[_KEY] >= 0).to_numpy()]
    if present.empty:
        return pd.Series([], dtype=object)
    first = present.sort_values(by, kind="stable").drop_duplicates(_KEY, keep="first")
    return pd.Series(first[column].astype(object).to_numpy(), index=first[_KEY].to_numpy(dtype=np.int64))


def _coded(values: pd.Series, dictionary: str, mapping: dict[str, str] | None = None) -> pd.Series:
    """Codes or labels of a standard dictionary -> the code (or ``mapping`` of it); unknown -> missing."""
    code = values.astype(object).map(_code_of_label(dictionary))
    return code.map(mapping) if mapping is not None else code


def _rights(rows: _Rows, times: dict[str, pd.Series]) -> pd.DataFrame:
    """The used right rows of all right tables, with their rank (business_type precedence) and parsed DJSJ."""
    cols = ("DJLX", "BDCDYH", "GHYT", "QLXZ", "DBR", "JFYWH", "ZXYYYWH", "DYFS", "BDBZZQSE", "ZGZQSE", "DJSJ")
    parts = []
    for name, table in rows.tables.items():
        if name in times and name not in EVENT_TABLES:
            part = _used(table, *cols)
            part["_time"] = times[name][part.index]
            part["_canon"] = name
            part["_rank"] = RIGHT_FIRST.index(name) if name in RIGHT_FIRST else len(RIGHT_FIRST)
            part["_srctable"] = name
            part["_srcindex"] = part.index.to_numpy(dtype=np.int64)
            parts.append(part)
    if not parts:
        return pd.DataFrame(
            columns=[
                _KEY,
                _KTEXT,
                ORDER,
                FILE,
                ROW,
                _TABLE,
                *cols,
                "_time",
                "_canon",
                "_rank",
                "_srctable",
                "_srcindex",
            ]
        )
    return pd.concat(parts, ignore_index=True)


def _heads_first(rows: _Rows, column: str) -> pd.Series:
    heads = rows.heads
    if heads.empty or column not in heads.columns or _KEY not in heads.columns:
        return pd.Series([], dtype=object)
    frame = pd.DataFrame(
        {
            _KEY: heads[_KEY],
            ORDER: heads.get(ORDER, pd.RangeIndex(len(heads))),
            "v": clean_values(heads[column]).to_numpy(),
        }
    )
    return first_by_case(frame, "v", [ORDER])


def business_types(rows: _Rows, rights: pd.DataFrame) -> pd.Series:
    """business_type per case: by the case's first right table, then by its DJLX (§5)."""
    by = ["_rank", ORDER]
    accept = _used(rows.tables.get(ACCEPT), "DJDL")
    djlx = first_by_case(rights, "DJLX", by)
    djlx = djlx.combine_first(first_by_case(accept, "DJDL", [ORDER])).combine_first(_heads_first(rows, "RegType"))
    code = _coded(djlx, "DJLXZD")
    kind = code.map(DJLX_TYPES)
    table = first_by_case(rights, "_canon", by)
    keys = pd.Series(rights[_KEY].to_numpy(), index=rights.index)
    unseal = keys[(rights["_canon"] == "QLF_QL_CFDJ") & (rights["JFYWH"] == rights[_KTEXT])].unique()
    lifted = keys[(rights["_canon"] == "QLF_QL_YYDJ") & (rights["ZXYYYWH"] == rights[_KTEXT])].unique()
    table = table.reindex(kind.index.union(table.index))
    cancel = code.reindex(table.index) == "400"
    special = {
        "QLF_QL_DYAQ": pd.Series(np.where(cancel, "mortgage_cancel", "mortgage"), index=table.index),
        "QLF_QL_CFDJ": pd.Series(np.where(table.index.isin(unseal), "unseal", "seal"), index=table.index),
        "QLF_QL_YYDJ": pd.Series(
            np.where(cancel | table.index.isin(lifted), "objection_cancel", "objection"), index=table.index
        ),
        "QLF_QL_YGDJ": pd.Series("prenotice", index=table.index),
    }
    out = kind.reindex(table.index).astype(object)
    for name, value in special.items():
        out = out.where(table != name, value)
    return out


def _mortgagee(rows: _Rows, btype: pd.Series, profile: Profile) -> tuple[pd.Series, pd.Series]:
    """mortgagee (first ZTT_GY_QLR row by SXH of a mortgage case) and its type (QLRLX, then words)."""
    parties = _used(rows.tables.get(PARTIES), "QLRMC", "QLRLX", "SXH")
    mortgage = btype.index[btype.isin(["mortgage", "mortgage_cancel"]).to_numpy()]
    parties = parties.loc[parties[_KEY].isin(mortgage)].copy()
    parties["_sxh"] = pd.to_numeric(parties["SXH"], errors="coerce")
    parties["_who"] = parties["QLRMC"]
    first = parties.loc[parties["_who"].notna()].sort_values(["_sxh", ORDER], kind="stable", na_position="last")
    first = first.drop_duplicates(_KEY, keep="first")
    name = pd.Series(first["QLRMC"].astype(object).to_numpy(), index=first[_KEY].to_numpy())
    kind = pd.Series(first["QLRLX"].astype(object).to_numpy(), index=name.index)
    return name, mortgagee_type(name, _coded(kind, "QLRLXZD"), profile)


def mortgagee_type(name: pd.Series, qlrlx: pd.Series, profile: Profile) -> pd.Series:
    """QLRLX 1 -> individual; else bank / financial by the word lists (data + profile), else company."""
    words = mortgagee_words()
    bank = [*words["bank"], *profile.sources.bank_words]
    financial = [*words["financial"], *profile.sources.financial_words]
    text = name.astype("str")
    is_bank = text.str.contains("|".join(map(re.escape, bank)), regex=True).fillna(False).to_numpy(dtype=bool)
    is_fin = text.str.contains("|".join(map(re.escape, financial)), regex=True).fillna(False).to_numpy(dtype=bool)
    kind = np.where(is_bank, "bank", np.where(is_fin, "financial", "company"))
    out = pd.Series(kind, index=name.index, dtype=object).where(name.notna(), None)
    return out.where(qlrlx.reindex(name.index) != "1", "individual")


def _amounts(rows: _Rows) -> tuple[pd.Series, pd.Series]:
    """mortgage_amount (万元 × 10,000, exact) and fee_charged (sum of SSJE) per case, as decimal text."""
    dyaq = _used(rows.tables.get("QLF_QL_DYAQ"), "DYFS", "BDBZZQSE", "ZGZQSE")
    ceiling = (dyaq["DYFS"] == "2").to_numpy(dtype=bool) | dyaq["BDBZZQSE"].isna().to_numpy()
    dyaq["_wan"] = dyaq["ZGZQSE"].where(ceiling, dyaq["BDBZZQSE"])
    wan = first_by_case(dyaq, "_wan", [ORDER])
    units, _ = scaled_amount(pd.Series(wan.to_numpy(), dtype="str"), 6)  # 10**-6 万元 = 10**-2 yuan
    amount = pd.Series(amount_text(units, 2).to_numpy(), index=wan.index)
    fees = _used(rows.tables.get("DJF_DJ_SF"), "SSJE")
    paid, _ = scaled_amount(fees["SSJE"].astype("str"), 4)
    total = paid.groupby(fees[_KEY].to_numpy()).sum(min_count=1)
    fee = pd.Series(amount_text(total, 4).to_numpy(), index=total.index)
    return amount, fee.where(total.notna().to_numpy(), None)


def case_attributes(rows: _Rows, rights: pd.DataFrame, profile: Profile) -> pd.DataFrame:
    """The case attributes of §5 as text, one row per case key (index), canonical names as columns."""
    by = ["_rank", ORDER]
    accept = _used(rows.tables.get(ACCEPT), "QXDM")
    # any row of the case, a rejected one too (an acceptance row rejected for its time still names its office)
    every = [t.loc[t[_FATE] != IGNORED, [_KEY, ORDER, "QXDM"]] for t in rows.tables.values() if "QXDM" in t.columns]
    anywhere = pd.concat(every, ignore_index=True) if every else pd.DataFrame(columns=[_KEY, ORDER, "QXDM"])
    office = first_by_case(accept, "QXDM", [ORDER]).combine_first(_heads_first(rows, "AreaCode"))
    office = office.combine_first(first_by_case(anywhere, "QXDM", [ORDER]))
    unit = _heads_first(rows, "EstateNum").combine_first(first_by_case(rights, "BDCDYH", by))
    btype = business_types(rows, rights)
    mortgagee, mtype = _mortgagee(rows, btype, profile)
    amount, fee = _amounts(rows)
    columns = {
        "office_code": office,
        "unit_id": unit,
        "business_type": btype,
        "use_after": _coded(first_by_case(rights, "GHYT", by), "FWYTZD", FWYT_USES),
        "land_nature": _coded(first_by_case(rights, "QLXZ", by), "QLXZZD", QLXZ_NATURES),
        "mortgage_amount": amount,
        "mortgagee": mortgagee,
        "mortgagee_type": mtype,
        "fee_charged": fee,
    }
    keys = functools.reduce(pd.Index.union, (c.index for c in columns.values()), pd.Index([], dtype=object))
    return pd.DataFrame({name: col.reindex(keys) for name, col in columns.items()}, index=keys)


def party_data(rows: _Rows) -> tuple[str, ...]:
    """Names of natural persons among the parties, and every ID number and phone of a party table, for
    masking (issue 15 item 5): QLRMC/YWRMC of type 1 个人, any …XM (姓名) column, any …ZJH / …DH column."""
    found: list[pd.Series] = []
    for name in (PARTIES, *APPLICANTS):
        table = rows.tables.get(name)
        if table is None:
            continue
        for col in table.columns:
            if col.startswith("_"):
                continue
            if col.endswith(("ZJH", "DH", "XM")):
                found.append(table[col])
            elif col.endswith("MC") and col[:-2] + "LX" in table.columns:
                person = _coded(table[col[:-2] + "LX"], "QLRLXZD") == "1"
                found.append(table[col].where(person.to_numpy(dtype=bool)))
    if not found:
        return ()
    values = pd.concat([f.astype(object) for f in found], ignore_index=True).dropna().astype(str)
    values = pd.Series(values.unique(), dtype="str")  # names and numbers repeat: each once
    return tuple(sorted(set(values[values.str.len() >= 2])))


# --- events (§4) --------------------------------------------------------------------------------


def _event_rows(rows: _Rows, rights: pd.DataFrame, times: dict[str, pd.Series]) -> pd.DataFrame:
    """One text row per event: key, activity, time text, operator, step, provenance and source row."""
    parts = []
    for name, (activity, time_cols, operator) in EVENT_TABLES.items():
        table = rows.tables.get(name)
        if name == REGISTER_BOOK or table is None:
            continue
        part = _used(table, *time_cols, operator, "JDMC", "SXH")
        text, _ = _first_present(part, time_cols)
        parts.append(_events_of(part, activity, text, part[operator], name))
    parts.append(_register(rows, rights, times))
    events = pd.concat(parts, ignore_index=True)
    return _reviews_by_sxh(events)


def _events_of(part: pd.DataFrame, activity: str, time: pd.Series, operator: pd.Series, table: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            _KEY: part[_KEY].to_numpy(dtype=np.int64),
            _KTEXT: part[_KTEXT].astype(object).to_numpy(),
            "activity": activity,
            "event_time": _text_array(time),
            "operator_id": _text_array(operator),
            "step": _text_array(part["JDMC"]) if "JDMC" in part else None,
            "_sxh": pd.to_numeric(part["SXH"], errors="coerce").to_numpy() if "SXH" in part else np.nan,
            ORDER: part[ORDER].to_numpy(dtype=np.int64),
            FILE: part[FILE].to_numpy(),
            ROW: part[ROW].to_numpy(),
            "_srctable": table,
            "_srcindex": part.index.to_numpy(),
        }
    )


def _text_array(values: pd.Series) -> pd.api.extensions.ExtensionArray | np.ndarray:
    """A text column's values for a new frame: Arrow-backed text as it is (no Python object per value)."""
    return values.array if _arrow_backed(values) else values.astype(object).to_numpy()


def _register(rows: _Rows, rights: pd.DataFrame, times: dict[str, pd.Series]) -> pd.DataFrame:
    """One register event per case: its earliest DJSJ over the right rows, else DJF_DJ_DB's earliest DBSJ."""
    timed = rights.loc[rights["_time"].notna()].sort_values(["_time", ORDER], kind="stable")
    first = timed.drop_duplicates(_KEY, keep="first")
    right = _events_of(first.assign(JDMC=None), "register", first["DJSJ"], first["DBR"], "")
    right["_srctable"] = first["_srctable"].to_numpy()
    right["_srcindex"] = first["_srcindex"].to_numpy(dtype=np.int64)
    book = rows.tables.get(REGISTER_BOOK)
    if book is None:
        return right
    part = _used(book, "DBSJ", "DBRYXM")
    part["_time"] = times[REGISTER_BOOK][part.index]
    part = part.loc[~part[_KEY].isin(first[_KEY])].sort_values(["_time", ORDER], kind="stable")
    part = part.drop_duplicates(_KEY, keep="first")
    return pd.concat([right, _events_of(part, "register", part["DBSJ"], part["DBRYXM"], REGISTER_BOOK)])


def _reviews_by_sxh(events: pd.DataFrame) -> pd.DataFrame:
    """A case's review events take their input positions in SXH order (rows without SXH last, then as read)."""
    review = (events["activity"] == "review").to_numpy()
    if review.sum() < 2:
        return events
    sub = events.loc[review]
    slots = sub.sort_values([_KEY, ORDER], kind="stable")
    ranked = sub.sort_values([_KEY, "_sxh", ORDER], kind="stable", na_position="last")
    events.loc[ranked.index, ORDER] = slots[ORDER].to_numpy()
    return events


def input_order(events: pd.DataFrame) -> np.ndarray:
    """The events' positions in input order: cases in the order their first event's row was read; within a
    case by table (accept, review, register, certify, issue, charge, archive — a message's element order means
    nothing, §2, and the table form reads table by table), then in the order read (reviews by SXH)."""
    rank = pd.Index([a for a, _, _ in EVENT_TABLES.values()]).get_indexer(events["activity"])
    order = events[ORDER].to_numpy(dtype=np.int64)
    first = pd.Series(order).groupby(events[_KEY].to_numpy()).transform("min").to_numpy()
    return np.lexsort((order, rank, first))


# --- the load ---------------------------------------------------------------------------------


def _parse(events: pd.DataFrame, attributes: pd.DataFrame, profile: Profile) -> tuple[pd.DataFrame, list]:
    """The events' canonical text through the flat loader's parser: same checks, same dtypes."""
    text = {c: events[c] for c in ("activity", "event_time", "operator_id")}
    text["case_id"] = events[_KTEXT]
    text["step"] = events["step"]  # JDMC, normalised by the loader (初审 -> first_review …)
    raw = {c: pa.chunked_array([_as_arrow(v)]) for c, v in text.items()}
    keys = events[_KEY].to_numpy(dtype=np.int64)
    for name in attributes.columns:
        raw[name] = per_event(attributes[name], keys)
    frame, problems = parse_columns(raw, len(events), profile, list(CANONICAL))
    for name in REQUIRED:
        missing = frame[name].isna().to_numpy() & ~np.logical_or.reduce(
            [p[1] for p in problems if p[0] == name] or [np.zeros(len(frame), dtype=bool)]
        )
        if missing.any():
            problems.append((name, missing, pd.Series([""] * len(frame)), f"{name} is empty"))
    return frame, problems


def _as_arrow(values: pd.Series) -> pa.Array:
    """A text column as an Arrow string array (Arrow-backed text as it is)."""
    text = arrow_text(values)
    if isinstance(text, pa.Array):
        return text
    return pa.array(values.astype(object).to_numpy(), pa.string(), from_pandas=True)


def per_event(values: pd.Series, keys: np.ndarray) -> pa.ChunkedArray:
    """A value per case (indexed by case key) -> per event of case ``keys``, dictionary-encoded: each
    distinct value one Arrow string, the events its indices (the loader reads a dictionary as it is,
    without hashing every row). The dictionary holds only values some event takes, as a plain column's would."""
    codes, uniques = pd.factorize(values.astype(object), use_na_sentinel=True)
    index = values.index.to_numpy(dtype=np.int64)
    dense = np.full(int(max(index.max(initial=-1), keys.max(initial=-1))) + 1, -1, dtype=np.int64)
    dense[index] = codes
    idx = np.where(keys >= 0, dense[np.maximum(keys, 0)], -1)
    used = np.bincount(idx[idx >= 0], minlength=len(uniques)) > 0
    remap = np.append(np.cumsum(used) - 1, -1)  # old code -> code among the used values; -1 stays -1
    idx = remap[idx]
    dictionary = pa.array(np.asarray(uniques, dtype=object)[used], pa.string())
    indices = pa.array(idx.astype(np.int32), mask=idx < 0)
    return pa.chunked_array([pa.DictionaryArray.from_arrays(indices, dictionary)])


def _reject_events(rows: _Rows, events: pd.DataFrame, problems: list) -> np.ndarray:
    """Problems the parser found (an office code mangled …) reject the events' source rows."""
    bad = np.zeros(len(events), dtype=bool)
    for name, mask, shown, reason in problems:
        bad |= mask
        hits = pd.DataFrame(
            {
                "table": events["_srctable"].to_numpy()[mask],
                "index": events["_srcindex"].to_numpy(dtype=np.int64)[mask],
                "shown": shown.astype(object).to_numpy()[mask],
            }
        )
        for table, part in hits.groupby("table"):
            target = rows.tables[str(table)]
            hit = np.zeros(len(target), dtype=bool)
            hit[part["index"].to_numpy()] = True
            values = pd.Series(None, index=target.index, dtype=object)
            values.iloc[part["index"].to_numpy()] = part["shown"].to_numpy()
            _reject(target, hit, name, values, reason)
    return bad


def table_counts(rows: _Rows) -> pd.DataFrame:
    """Per table as found: read = used + merged + rejected + ignored."""
    if not rows.tables:
        return pd.DataFrame({c: pd.Series([], dtype=object if c == "table" else np.int64) for c in COUNT_COLUMNS})
    fates = pd.concat([t[[_TABLE, _FATE]] for t in rows.tables.values()], ignore_index=True)
    counts = pd.crosstab(fates[_TABLE], fates[_FATE]).reindex(columns=[USED, MERGED, REJECTED, IGNORED], fill_value=0)
    counts.insert(0, "read", counts.sum(axis=1))
    return (
        counts.rename_axis("table")
        .reset_index()
        .reindex(columns=COUNT_COLUMNS)
        .astype({c: np.int64 for c in COUNT_COLUMNS[1:]})
        .rename_axis(columns=None)
    )


def _rejects(raw: RawRows, rows: _Rows) -> pd.DataFrame:
    parts = [t.loc[t[_FATE] == REJECTED] for t in rows.tables.values()]
    rej = pd.concat(parts, ignore_index=True).sort_values([ORDER], kind="stable") if parts else pd.DataFrame()
    frame = pd.DataFrame(
        {
            "file": rej[FILE].astype(object).to_numpy() if len(rej) else [],
            "row": rej[ROW].to_numpy() if len(rej) else [],
            "column": rej[_COL].astype(object).to_numpy() if len(rej) else [],
            "value": V.reject_value(rej[_VAL]).to_numpy() if len(rej) else [],
            "reason": rej[_WHY].astype(object).to_numpy() if len(rej) else [],
        }
    )
    given = raw.rejects.reindex(columns=REJECT_COLUMNS)
    return pd.concat([given, frame], ignore_index=True) if len(given) else frame


def to_load(raw: RawRows, profile: Profile | None = None) -> tuple[LoadResult, pd.DataFrame]:
    """RawRows -> (the LoadResult a flat log with the same facts gives, rows read/used/merged/rejected per table)."""
    profile = profile or Profile()
    rows = _gather(raw)
    _settle_membership(rows)
    times = _check_values(rows, profile.options.timezone)
    rights = _rights(rows, times)
    attributes = case_attributes(rows, rights, profile)
    events = _event_rows(rows, rights, times)
    frame, problems = _parse(events, attributes, profile)
    bad = _reject_events(rows, events, problems)
    keep = np.flatnonzero(~bad)
    keep = keep[input_order(events.iloc[keep])]
    frame = frame.take(keep).reset_index(drop=True)
    files = list(dict.fromkeys([*raw.files, *_files_in_order(rows)]))
    frame["_file"] = pd.Index(files).get_indexer(events[FILE].to_numpy()[keep]).astype(np.int32)
    frame["_line"] = (
        pd.to_numeric(pd.Series(events[ROW].to_numpy()[keep]), errors="coerce").fillna(0).astype(np.int64).to_numpy()
    )
    frame["_row"] = np.arange(len(frame), dtype=np.int64)
    given = raw.rejects[["file", "row"]].drop_duplicates().shape[0] if len(raw.rejects) else 0
    heads = rows.heads.drop(columns=[_KEY, _KTEXT], errors="ignore").rename(columns={FILE: "file"})
    heads = heads if raw.form == "messages" else None  # the tables have no Head (LG005 is not checkable)
    source = SourceInfo(form=raw.form, lacks=LACKS.get(raw.form, frozenset()), heads=heads, parties=party_data(rows))
    result = LoadResult(
        events=frame,
        rejects=_rejects(raw, rows),
        files=files,
        rows_read=sum(len(t) for t in rows.tables.values()) + given,
        source=source,
    )
    return result, table_counts(rows)


def _files_in_order(rows: _Rows) -> list[str]:
    every = pd.concat([t[[FILE, ORDER]] for t in rows.tables.values()], ignore_index=True) if rows.tables else None
    if every is None or every.empty:
        return []
    return [str(f) for f in every.sort_values(ORDER, kind="stable")[FILE].dropna().unique()]
