"""``--baseline PREVIOUS``: the problem ledger carried from run to run (挂账销号, checklist item 18).

Findings are matched on ``finding_id`` (a hash of the rule and the finding's key,
the same in every run). Against the previous findings file:

* ``new`` 新增 — not in the baseline;
* ``open`` 未销号 — in the baseline and still found;
* ``resolved`` 已销号 — in the baseline, gone now: the baseline row comes back with this status.

Baseline rows already marked ``resolved`` were closed last time and are not carried
again. Baseline rows of rules that did not run this time (``--select TL003`` on a
monthly baseline) are left out: nothing was re-checked, so nothing is closed.
With ``--period``, findings of earlier months that the baseline carries and that are
still found stay in the report as ``open`` (a ledger lists a problem until it is
closed); new findings outside the month are not reported. Suppressed findings count
as gone.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from . import findings as F
from .errors import InputError
from .loaders.read import read_table_file
from .period import Period
from .schema import FINDING_COLUMNS, FINDING_HEADERS_ZH, SEVERITY_ZH

STATUS_ZH = {"new": "新增", "open": "未销号", "resolved": "已销号"}
STATUSES = tuple(STATUS_ZH)
_BY_LABEL = {  # the Chinese labels a workbook shows -> codes
    "status": {zh: code for code, zh in STATUS_ZH.items()},
    "severity": {zh: code for code, zh in SEVERITY_ZH.items()},
}


def read_findings(path: str | Path) -> pd.DataFrame:
    """A findings file of an earlier run in any supported format (CSV, Parquet, JSON Lines, XLSX)."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such baseline file")
    suffix = p.suffix.lower()
    if suffix in {".jsonl", ".ndjson", ".json"}:
        try:
            raw = pd.read_json(p, lines=True, dtype=False) if p.stat().st_size else pd.DataFrame()
        except ValueError as exc:
            raise InputError(f"{p}: not a JSON Lines findings file ({str(exc).splitlines()[0]})") from None
    elif suffix == ".xlsx":
        raw = _read_xlsx(p)
    else:
        raw = read_table_file(p)
    if "finding_id" not in raw.columns:
        raise InputError(f"{p}: not a findings file (no finding_id column)")
    return _normalise(raw)


def _read_xlsx(p: Path) -> pd.DataFrame:
    import openpyxl  # a dependency, imported only when an XLSX baseline is read

    try:
        wb = openpyxl.load_workbook(p, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a bad file
        raise InputError(f"{p}: cannot read the workbook ({exc})") from None
    from .writers.xlsx import FINDINGS_SHEET

    # "findings": the sheet of the earlier, English layout
    sheet = next((n for n in (FINDINGS_SHEET, "findings") if n in wb.sheetnames), None)
    ws = wb[sheet] if sheet else wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    header = [str(h) if h is not None else "" for h in next(rows, None) or ()]
    if "finding_id" not in header:  # the hidden row of field codes was deleted: read the Chinese headers
        by_zh = {zh: code for code, zh in FINDING_HEADERS_ZH.items()}
        header = [by_zh.get(h.strip(), h) for h in header]
    width = len(header)
    data = [tuple(r[:width]) + (None,) * (width - len(r)) for r in rows]  # empty trailing cells are not stored
    wb.close()
    frame = pd.DataFrame(data, columns=header)
    if "finding_id" in frame.columns:  # the Chinese header row under the field codes is no finding
        frame = frame.loc[frame["finding_id"].astype(object) != FINDING_HEADERS_ZH["finding_id"]]
    return frame


def _unneutralise(s: pd.Series) -> pd.Series:
    """Undo the writers' formula-injection quote ('=x -> =x) so ids and messages compare equal."""
    text = s.astype(object)
    if not text.notna().any():
        return text
    quoted = text.str.match(r"'[=+\-@\t\r]").fillna(False).astype(bool)
    return text.where(~quoted, text.str[1:])


def _normalise(raw: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(index=raw.index)
    for col in FINDING_COLUMNS:
        if col not in raw.columns:
            out[col] = None
            continue
        if col == "event_time":
            out[col] = pd.to_datetime(raw[col].replace("", None), errors="coerce")
            continue
        s = raw[col].astype(object).where(raw[col].notna(), None)
        s = s.map(lambda v: None if v is None or (isinstance(v, str) and not v.strip()) else str(v).strip())
        out[col] = _unneutralise(s)
    out["status"] = out["status"].replace(_BY_LABEL["status"]).map(lambda v: v.lower() if isinstance(v, str) else None)
    out["severity"] = out["severity"].replace(_BY_LABEL["severity"])  # the XLSX shows 严重 … 提示
    out = out[out["finding_id"].notna()]
    return out.reset_index(drop=True)


def diff(current: pd.DataFrame, baseline: pd.DataFrame, ran: Iterable[str]) -> pd.DataFrame:
    """Current findings with status new/open, plus the baseline's findings that are gone as resolved rows."""
    ran_ids = set(ran)
    base = baseline.loc[baseline["status"].fillna("").to_numpy() != "resolved"]
    if base["rule_id"].notna().any():
        base = base.loc[base["rule_id"].isin(ran_ids).to_numpy()]
    base = base.drop_duplicates("finding_id")
    cur = current.copy()
    cur["status"] = np.where(cur["finding_id"].isin(base["finding_id"]).to_numpy(), "open", "new")
    gone = base.loc[~base["finding_id"].isin(cur["finding_id"]).to_numpy()].copy()
    gone["status"] = "resolved"
    if gone.empty:
        return cur
    if cur.empty:
        return F.sort_findings(gone[list(FINDING_COLUMNS)].reset_index(drop=True))
    combined = pd.concat([cur, gone[list(FINDING_COLUMNS)]], ignore_index=True)
    return F.sort_findings(combined)


def report_rows(findings: pd.DataFrame, period: Period | None, with_baseline: bool) -> pd.DataFrame:
    """The rows a run reports: the month's findings, plus carried (open) and resolved ledger rows."""
    if period is None or findings.empty:
        return findings
    keep = period.contains(findings["event_time"])
    if with_baseline:
        keep = keep | findings["status"].isin(["open", "resolved"]).to_numpy()
    return findings.loc[keep].reset_index(drop=True)


def status_counts(findings: pd.DataFrame) -> pd.DataFrame:
    """Per office: new / open / resolved counts (offices as index)."""
    if findings.empty or findings["status"].isna().all():
        return pd.DataFrame(columns=list(STATUSES), dtype=int)
    office = findings["office_code"].fillna("").astype(str)
    table = pd.crosstab(office, findings["status"])
    return table.reindex(columns=list(STATUSES), fill_value=0).astype(int)


__all__ = ["STATUSES", "STATUS_ZH", "diff", "read_findings", "report_rows", "status_counts"]
