"""Approvals for use change, split and merge (审批) — checklist item 11.

用途变更、分割、合并须先取得批准文件再登记，登记不得代替审批。

Shared definitions (spec/rules.md "Common definitions"):

* *approval-requiring case*: change_kind contains ``use_change``, ``split`` or
  ``merge``, or use_before and use_after are both present and differ;
* approval numbers are compared after trimming (U+3000 included), Unicode
  NFKC (full-width → half-width) and upper-casing — done once per distinct
  value (:func:`normalise_approval_numbers`);
* *parcel* (宗地) = the first 19 characters of unit_id.

AP001, AP002 and AP005 look at registered approval-requiring cases at their
first ``register`` row; AP003 and AP004 look at every case.
"""

from __future__ import annotations

import unicodedata

import numpy as np
import pandas as pd

from ..model import EventLog
from ..schema import BUSINESS_TYPES, CHANGE_KINDS, USES
from .base import NoParams, empty_findings, findings, fmt_day, fmt_int, rule, text

PARCEL_LENGTH = 19  # GB/T 37346: 6 county + 6 cadastral zone + 7 parcel


# -- shared helpers ----------------------------------------------------------------------------


def normalise_approval_number(value: str) -> str | None:
    """One approval number as compared: trimmed, NFKC, upper-cased; blank -> None."""
    out = unicodedata.normalize("NFKC", value.strip()).strip().upper()
    return out or None


def normalise_approval_numbers(values: pd.Series | np.ndarray | list) -> np.ndarray:
    """Vectorised :func:`normalise_approval_number`: the work is done on the distinct values only.

    Missing and blank values give None. Returns an object array aligned with ``values``.
    """
    codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
    mapped = np.array([normalise_approval_number(str(u)) for u in uniques] + [None], dtype=object)
    return mapped[codes]  # code -1 (missing) picks the trailing None


def first_row_operator(log: EventLog, activity: str) -> np.ndarray:
    """operator_id of each case's first row of ``activity`` (rows in (event_time, input order)); None if none."""

    def build() -> np.ndarray:
        out = np.full(log.n_cases, None, dtype=object)
        if "operator_id" not in log.events.columns:
            return out
        rows = log.activity_rows(activity)
        if rows.empty:
            return out
        first = ~rows["case"].duplicated(keep="first").to_numpy()
        op = rows["operator_id"].to_numpy(dtype=object)[first]
        out[rows["case"].to_numpy()[first]] = np.where(pd.isna(op), None, op)
        return out

    return log.memo(f"first_operator:{activity}", build)


def case_findings(
    log: EventLog,
    idx: np.ndarray,
    message: pd.Series | str,
    evidence: dict[str, object],
    event_time: object = None,
) -> pd.DataFrame:
    """Findings on cases ``idx`` (positions in log.cases), keyed by case_id; the operator is who did
    the case's first register row; the time is t_register unless ``event_time`` is given."""
    c = log.cases.iloc[idx]
    return findings(
        key=c["case_id"],
        case_id=c["case_id"],
        office_code=c["office_code"],
        unit_id=c.get("unit_id"),
        operator_id=first_row_operator(log, "register")[idx],
        event_time=c["t_register"] if event_time is None else event_time,
        message=message,
        evidence=evidence,
    )


def case_first_time(log: EventLog) -> np.ndarray:
    """Time of each case's first row (datetime64[ns])."""

    def build() -> np.ndarray:
        ev = log.events
        case = ev["case"].to_numpy()
        first = ~pd.Series(case).duplicated(keep="first").to_numpy()
        out = np.full(log.n_cases, np.datetime64("NaT"), dtype="datetime64[ns]")
        out[case[first]] = ev["event_time"].to_numpy(dtype="datetime64[ns]")[first]
        return out

    return log.memo("case_first_time", build)


def _str_or_none(series: pd.Series) -> np.ndarray:
    arr = series.to_numpy(dtype=object)
    return np.where(pd.isna(arr), None, arr)


def approval_table(log: EventLog) -> pd.DataFrame:
    """Per case (index = case): the approval facts the AP rules share, computed once per log."""

    def build() -> pd.DataFrame:
        c = log.cases
        n = len(c)
        before = _str_or_none(c["use_before"]) if "use_before" in c else np.full(n, None, dtype=object)
        after = _str_or_none(c["use_after"]) if "use_after" in c else np.full(n, None, dtype=object)
        uses_differ = pd.notna(before) & pd.notna(after) & (before != after)
        flags = {k: c[f"ck_{k}"].to_numpy(dtype=bool) if f"ck_{k}" in c else np.zeros(n, bool) for k in CHANGE_KINDS}
        requiring = flags["use_change"] | flags["split"] | flags["merge"] | uses_differ
        raw_no = c["approval_no"] if "approval_no" in c else pd.Series([None] * n, dtype=object)
        norm = normalise_approval_numbers(raw_no)
        unit = c["unit_id"] if "unit_id" in c else pd.Series([None] * n, dtype="str")
        parcel = unit.astype("str").str.slice(0, PARCEL_LENGTH)
        return pd.DataFrame(
            {
                "requiring": requiring,
                "registered": c["t_register"].notna().to_numpy(),
                "uses_differ": uses_differ,
                "use_before": before,
                "use_after": after,
                "approval_no": _str_or_none(raw_no),
                "approval_no_norm": norm,
                "parcel": _str_or_none(parcel),
                **{f"ck_{k}": v for k, v in flags.items()},
            }
        )

    return log.memo("approval_table", build)


def _matter(a: pd.DataFrame) -> pd.Series:
    """What makes each case approval-requiring, in words: 用途变更（工业→商服）、分割、合并."""
    zh_before = text(a["use_before"].map(USES))
    zh_after = text(a["use_after"].map(USES))
    differ = a["uses_differ"].to_numpy()
    use = np.where(differ, "用途变更（" + zh_before + "→" + zh_after + "）", "")
    use = np.where(~differ & a["ck_use_change"].to_numpy(), "用途变更", use)
    parts = pd.DataFrame(
        {
            "use": use,
            "split": np.where(a["ck_split"].to_numpy(), "分割", ""),
            "merge": np.where(a["ck_merge"].to_numpy(), "合并", ""),
        }
    )
    joined = parts["use"] + "、" + parts["split"] + "、" + parts["merge"]
    return joined.str.replace(r"、+", "、", regex=True).str.strip("、")


def _when(log: EventLog, idx: np.ndarray) -> np.ndarray:
    """Time of a case-level finding: t_register if registered, else the case's first row."""
    reg = log.cases["t_register"].to_numpy(dtype="datetime64[ns]")[idx]
    return np.where(np.isnat(reg), case_first_time(log)[idx], reg)


# -- rules -------------------------------------------------------------------------------------

_APPROVAL_COLUMNS = ("business_type", "use_before", "use_after", "change_kind", "approval_no", "operator_id")


@rule(
    "AP001",
    "缺少批准文件",
    "missing approval",
    severity="critical",
    category="业务",
    basis=(11,),
    fires_on="registered approval-requiring case (use_change/split/merge, or use_before ≠ use_after) "
    "with blank approval_no",
    columns=_APPROVAL_COLUMNS,
    example="""
    change, change_kind split, approval_no blank, registered 2026-09-10  ->  AP001
    """,
)
def missing_approval(log: EventLog, p: NoParams) -> pd.DataFrame:
    """已登簿的用途变更、分割、合并案件没有批准文号：以登记代替审批。

    Approval-requiring: change_kind contains use_change, split or merge, or
    use_before and use_after are both present and differ. Only registered
    cases are checked (an application still in review may yet get its
    approval). A number that is blank after trimming counts as missing.
    """
    a = approval_table(log)
    hit = (a["requiring"] & a["registered"] & a["approval_no"].isna()).to_numpy()
    idx = np.flatnonzero(hit)
    if not len(idx):
        return empty_findings()
    c = log.cases.iloc[idx]
    f = a.iloc[idx]
    matter = _matter(f)
    return case_findings(
        log,
        idx,
        message="本案涉及"
        + matter
        + "，于"
        + fmt_day(c["t_register"])
        + "登簿但未录入批准文号，属以登记代替审批，请调取规划/自然资源主管部门的批准文件核查",
        evidence={
            "matter": matter,
            "change_kind": text(c.get("change_kind")),
            "use_before": f["use_before"].to_numpy(),
            "use_after": f["use_after"].to_numpy(),
            "t_register": c["t_register"].to_numpy(),
        },
    )


@rule(
    "AP002",
    "批准晚于登簿",
    "approval after registration",
    severity="high",
    category="业务",
    basis=(11,),
    fires_on="registered approval-requiring case: approval_no present, approval_date present "
    "and > date(first register)",
    columns=(*_APPROVAL_COLUMNS, "approval_date"),
    example="""
    use_change, approval dated 2026-09-11, registered 2026-09-10 15:00  ->  AP002 (1 day after)
    approval dated on the registration day  ->  no finding
    """,
)
def approval_after_registration(log: EventLog, p: NoParams) -> pd.DataFrame:
    """批准日期晚于登簿日期：先登簿、后补批。

    Compared by date with the first register row; an approval dated on the
    registration day is not late. A number without a date is neither missing
    (AP001) nor late.
    """
    a = approval_table(log)
    c = log.cases
    if "approval_date" not in c:
        return empty_findings()
    reg_day = c["t_register"].dt.normalize()
    appr_day = c["approval_date"].dt.normalize()
    late = (appr_day > reg_day).fillna(False).to_numpy(dtype=bool)
    hit = a["requiring"].to_numpy() & a["registered"].to_numpy() & a["approval_no"].notna().to_numpy() & late
    idx = np.flatnonzero(hit)
    if not len(idx):
        return empty_findings()
    f = c.iloc[idx]
    days_late = ((appr_day.iloc[idx] - reg_day.iloc[idx]).dt.days).to_numpy()
    return case_findings(
        log,
        idx,
        message="批准文号"
        + text(a["approval_no"].iloc[idx])
        + "的批准日期"
        + fmt_day(f["approval_date"])
        + "晚于登簿日期"
        + fmt_day(f["t_register"])
        + "（晚"
        + fmt_int(days_late)
        + "天），属先登簿后补批，请核查",
        evidence={
            "approval_no": a["approval_no"].to_numpy()[idx],
            "approval_date": fmt_day(f["approval_date"]),
            "register_date": fmt_day(f["t_register"]),
            "days_late": days_late,
        },
    )


@rule(
    "AP003",
    "隐性用途变更",
    "undeclared use change",
    severity="high",
    category="业务",
    basis=(11,),
    fires_on="any case: use_before and use_after both present and different, change_kind lacks use_change",
    columns=_APPROVAL_COLUMNS,
    example="""
    transfer, use_before industrial, use_after commercial, no change_kind  ->  AP003
    """,
)
def undeclared_use_change(log: EventLog, p: NoParams) -> pd.DataFrame:
    """原用途与现用途不一致，但变更事项未申报“用途变更”：借其他登记隐性改变用途。

    Evaluated on every case, registered or not (the mismatch is visible from
    acceptance on).
    """
    a = approval_table(log)
    c = log.cases
    declared = c["ck_use_change"].to_numpy(dtype=bool) if "ck_use_change" in c else np.zeros(len(c), bool)
    idx = np.flatnonzero(a["uses_differ"].to_numpy() & ~declared)
    if not len(idx):
        return empty_findings()
    f = c.iloc[idx]
    g = a.iloc[idx]
    zh_before = g["use_before"].map(USES).fillna(g["use_before"])
    zh_after = g["use_after"].map(USES).fillna(g["use_after"])
    business = text(f["business_type"].astype(object).map(BUSINESS_TYPES), "未知") if "business_type" in f else "未知"
    return case_findings(
        log,
        idx,
        event_time=_when(log, idx),
        message="原用途"
        + text(zh_before)
        + "与现用途"
        + text(zh_after)
        + "不一致，但变更事项未申报用途变更（业务类型："
        + business
        + "），请核查是否借登记隐性改变土地用途",
        evidence={
            "use_before": g["use_before"].to_numpy(),
            "use_after": g["use_after"].to_numpy(),
            "business_type": f.get("business_type"),
            "change_kind": text(f.get("change_kind")),
            "registered": g["registered"].to_numpy(),
        },
    )


@rule(
    "AP004",
    "批准文件跨宗地复用",
    "approval reused across parcels",
    severity="high",
    category="廉政",
    basis=(11,),
    fires_on="the same normalised approval number on cases of ≥ 2 different parcels: every case carrying it",
    columns=_APPROVAL_COLUMNS,
    scope="global",
    example="""
    合自然资规〔2026〕12号 on parcel 340104003001GB00012 and on parcel 340104005002GB00040  ->  AP004 on both
    """,
)
def approval_reused(log: EventLog, p: NoParams) -> pd.DataFrame:
    """同一批准文号出现在两个及以上不同宗地的案件上：批准文件被挪用或伪造。

    Numbers are compared after trimming, NFKC and upper-casing. Parcel =
    first 19 characters of unit_id; a case without unit_id adds no parcel but
    is reported too once its number is reused. Several units of one parcel
    (the halves of a split) citing one approval are no reuse. Looks at every
    case, across offices.
    """
    a = approval_table(log)
    has_no = a["approval_no_norm"].notna().to_numpy()
    if not has_no.any():
        return empty_findings()
    with_no = a.loc[has_no, ["approval_no_norm", "parcel"]]
    parcels = with_no.dropna(subset=["parcel"]).drop_duplicates().sort_values(["approval_no_norm", "parcel"])
    per_number = parcels.groupby("approval_no_norm", sort=False)["parcel"].agg(["size", "first", "last"])
    reused = per_number[per_number["size"] >= 2]
    if reused.empty:
        return empty_findings()
    idx = np.flatnonzero(has_no & a["approval_no_norm"].isin(reused.index).to_numpy())
    number = a["approval_no_norm"].to_numpy()[idx]
    n_parcels = reused["size"].reindex(number).to_numpy()
    n_cases = with_no["approval_no_norm"].value_counts().reindex(number).to_numpy()
    listed = (reused["first"] + "、" + reused["last"]).reindex(number)
    listed = np.where(n_parcels > 2, listed + "等", listed)
    return case_findings(
        log,
        idx,
        event_time=_when(log, idx),
        message="批准文号"
        + text(a["approval_no"].iloc[idx])
        + "同时用于"
        + fmt_int(n_parcels)
        + "个宗地（"
        + text(listed)
        + "）的"
        + fmt_int(n_cases)
        + "个案件，请核查批准文件是否被跨宗地复用",
        evidence={
            "approval_no": a["approval_no"].to_numpy()[idx],
            "approval_no_normalised": number,
            "parcel": a["parcel"].to_numpy()[idx],
            "parcels": n_parcels,
            "cases": n_cases,
        },
    )


@rule(
    "AP005",
    "批准文件不在库",
    "approval not in registry",
    severity="high",
    category="廉政",
    basis=(11,),
    fires_on="with --approvals: registered approval-requiring case whose approval_no is not in the registry",
    columns=_APPROVAL_COLUMNS,
    needs=("approvals",),
    example="""
    --approvals lists 合自然资规〔2026〕12号; a registered split cites 合自然资规〔2026〕99号  ->  AP005
    """,
)
def approval_not_in_registry(log: EventLog, p: NoParams, approvals: pd.DataFrame) -> pd.DataFrame:
    """批准文号在批准文件库（--approvals）中查无此号：批准文件可能伪造或录入错误。

    Evaluated on the cases AP001/AP002 look at — registered approval-requiring
    cases — that carry an approval number (a blank number is AP001's
    finding). Numbers on both sides are compared after trimming, NFKC and
    upper-casing; only the number is matched (not the issuer, date or parcel).
    """
    a = approval_table(log)
    known = normalise_approval_numbers(approvals["approval_no"]) if "approval_no" in approvals else np.array([])
    known_set = pd.Index(known[pd.notna(known)]).unique()
    carry = a["requiring"] & a["registered"] & a["approval_no"].notna()
    hit = (carry & ~a["approval_no_norm"].isin(known_set)).to_numpy()
    idx = np.flatnonzero(hit)
    if not len(idx):
        return empty_findings()
    return case_findings(
        log,
        idx,
        message="批准文号"
        + text(a["approval_no"].iloc[idx])
        + "在批准文件库（共"
        + fmt_int(np.full(len(idx), len(known_set)))
        + "个文号）中查无此号，请向批准机关核实批准文件真伪",
        evidence={
            "approval_no": a["approval_no"].to_numpy()[idx],
            "approval_no_normalised": a["approval_no_norm"].to_numpy()[idx],
            "registry_size": len(known_set),
        },
    )
