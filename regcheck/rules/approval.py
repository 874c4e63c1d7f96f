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
from .base import (
    NoParams,
    case_categorical,
    case_findings,
    empty_findings,
    fmt_day,
    fmt_int,
    rule,
    template,
    text,
    zh_labels,
)

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


def _str_or_none(series: pd.Series) -> np.ndarray:
    arr = series.to_numpy(dtype=object)
    return np.where(pd.isna(arr), None, arr)


def _recode(values: pd.Categorical, mapped: pd.Index) -> pd.Categorical:
    """``values`` with category i replaced by ``mapped[i]`` (missing stays missing). The new categories
    are sorted, so their codes order as the text does."""
    codes, uniques = pd.factorize(mapped, sort=True)
    return pd.Categorical.from_codes(np.append(codes, -1)[values.codes], categories=uniques)


def approval_table(log: EventLog) -> pd.DataFrame:
    """Per case (index = case): the approval facts the AP rules share, computed once per log.

    The text columns (use_before, use_after, approval_no, approval_no_norm) are categoricals:
    numbers are normalised once per distinct value.
    """

    def build() -> pd.DataFrame:
        c = log.cases
        n = len(c)
        before, after = case_categorical(c, "use_before"), case_categorical(c, "use_after")
        # after's codes in before's categories (-1: a value before never takes)
        after_as_before = np.append(before.categories.get_indexer(after.categories), -1)[after.codes]
        uses_differ = (before.codes >= 0) & (after.codes >= 0) & (after_as_before != before.codes)
        flags = {k: c[f"ck_{k}"].to_numpy(dtype=bool) if f"ck_{k}" in c else np.zeros(n, bool) for k in CHANGE_KINDS}
        requiring = flags["use_change"] | flags["split"] | flags["merge"] | uses_differ
        raw_no = case_categorical(c, "approval_no")
        norm = [normalise_approval_number(str(u)) for u in raw_no.categories]
        return pd.DataFrame(
            {
                "requiring": requiring,
                "registered": c["t_register"].notna().to_numpy(),
                "uses_differ": uses_differ,
                "use_before": before,
                "use_after": after,
                "approval_no": raw_no,
                "approval_no_norm": _recode(raw_no, pd.Index(norm, dtype="str")),
                **{f"ck_{k}": v for k, v in flags.items()},
            }
        )

    return log.memo("approval_table", build)


def _matter(a: pd.DataFrame) -> pd.Series:
    """What makes each case approval-requiring, in words: 用途变更（工业→商服）、分割、合并."""
    differ = a["uses_differ"].to_numpy()
    zh_uses = template(
        "用途变更（{before}→{after}）", before=zh_labels(a["use_before"], USES), after=zh_labels(a["use_after"], USES)
    )
    use = np.where(differ, zh_uses, "")
    use = np.where(~differ & a["ck_use_change"].to_numpy(), "用途变更", use)
    parts = pd.DataFrame(
        {
            "use": use,
            "split": np.where(a["ck_split"].to_numpy(), "分割", ""),
            "merge": np.where(a["ck_merge"].to_numpy(), "合并", ""),
        }
    )
    joined = template("{use}、{split}、{merge}", use=parts["use"], split=parts["split"], merge=parts["merge"])
    return joined.str.replace(r"、+", "、", regex=True).str.strip("、")


def _when(log: EventLog, idx: np.ndarray) -> np.ndarray:
    """Time of a case-level finding: t_register if registered, else the case's first row."""
    reg = log.cases["t_register"].to_numpy(dtype="datetime64[ns]")[idx]
    unregistered = np.isnat(reg)
    first = log.first_row()[idx[unregistered]]
    reg[unregistered] = log.events["event_time"].to_numpy(dtype="datetime64[ns]")[first]
    return reg


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
    facts=("approval_facts",),
    example="""
    change, change_kind split, approval_no blank, registered 2026-09-10  ->  AP001
    """,
)
def missing_approval(log: EventLog, p: NoParams) -> pd.DataFrame:
    """已登簿的用途变更、分割、合并案件没有批准文号：以登记代替审批。

    ## What it does
    需审批的案件（变更事项含用途变更、分割或合并，或原用途与现用途都有且不同）已登簿，批准文号却为空，即报。
    A registered approval-requiring case — change_kind contains use_change, split or merge, or
    use_before and use_after are both present and differ — whose approval_no is blank (a number
    that is blank after trimming counts as missing).

    ## Why it matters
    用途变更、分割、合并须先取得批准文件，不得以登记代替审批（清单第11项）；没有批准文号就登簿是违法登记。
    Use changes, splits and merges need an approval document first, and registration must not
    replace approval (checklist item 11); registering without one is an unlawful registration.

    ## Exempt
    未登簿的案件不报（审核中的申请仍可能补齐批准文件）；不需审批的案件不报。
    Cases not registered (an application still in review may yet get its approval) and cases that
    need no approval.

    ## Dated at
    首次登簿时间；操作人为登簿人。
    The case's first register time; the operator is who did that register row.
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
        at="register",
        message=template(
            "本案涉及{matter}，于{day}登簿但未录入批准文号，属以登记代替审批，请调取规划/自然资源主管部门的批准文件核查",
            matter=matter,
            day=fmt_day(c["t_register"]),
        ),
        evidence={
            "matter": matter,
            "change_kind": text(c.get("change_kind")),
            "use_before": _str_or_none(f["use_before"]),
            "use_after": _str_or_none(f["use_after"]),
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
    facts=("approval_facts",),
    example="""
    use_change, approval dated 2026-09-11, registered 2026-09-10 15:00  ->  AP002 (1 day after)
    approval dated on the registration day  ->  no finding
    """,
)
def approval_after_registration(log: EventLog, p: NoParams) -> pd.DataFrame:
    """批准日期晚于登簿日期：先登簿、后补批。

    ## What it does
    已登簿且有批准文号的需审批案件，批准日期晚于首次登簿日期，即报；证据中给出晚了几天。
    A registered approval-requiring case with an approval_no whose approval_date is after the date
    of its first register row (compared by date), with the days late in the evidence.

    ## Why it matters
    批准文件应在登簿之前取得；先登簿后补批同样是以登记代替审批（清单第11项）。
    The approval must come before registration; registering first and approving afterwards is
    registration replacing approval all the same (checklist item 11).

    ## Exempt
    批准日期与登簿同一天不算晚；有文号无日期的既不算缺失（AP001）也不算晚；未登簿、无文号的案件不报。
    An approval dated on the registration day is not late. A number without a date is neither
    missing (AP001) nor late. Unregistered cases and cases without a number (AP001's finding).

    ## Dated at
    首次登簿时间；操作人为登簿人。
    The case's first register time; the operator is who did that register row.
    """
    a = approval_table(log)
    c = log.cases
    if "approval_date" not in c:
        return empty_findings()
    carry = np.flatnonzero((a["requiring"] & a["registered"] & a["approval_no"].notna()).to_numpy())
    reg_day = c["t_register"].to_numpy(dtype="datetime64[ns]")[carry].astype("datetime64[D]")
    appr_day = c["approval_date"].to_numpy(dtype="datetime64[ns]")[carry].astype("datetime64[D]")
    late = ~np.isnat(appr_day) & (appr_day > reg_day)
    idx = carry[late]
    if not len(idx):
        return empty_findings()
    f = c.iloc[idx]
    days_late = (appr_day[late] - reg_day[late]).astype(np.int64)
    return case_findings(
        log,
        idx,
        at="register",
        message=template(
            "批准文号{number}的批准日期{approved}晚于登簿日期{registered}（晚{days}天），属先登簿后补批，请核查",
            number=_str_or_none(a["approval_no"].iloc[idx]),
            approved=fmt_day(f["approval_date"]),
            registered=fmt_day(f["t_register"]),
            days=fmt_int(days_late),
        ),
        evidence={
            "approval_no": _str_or_none(a["approval_no"].iloc[idx]),
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
    facts=("approval_facts",),
    example="""
    transfer, use_before industrial, use_after commercial, no change_kind  ->  AP003
    """,
)
def undeclared_use_change(log: EventLog, p: NoParams) -> pd.DataFrame:
    """原用途与现用途不一致，但变更事项未申报“用途变更”：借其他登记隐性改变用途。

    ## What it does
    原用途与现用途都有且不同，变更事项却没有“用途变更”，即报；不论是否已登簿。
    Any case whose use_before and use_after are both present and differ while change_kind lacks
    use_change, registered or not (the mismatch is visible from acceptance on).

    ## Why it matters
    借转移、变更等其他登记悄悄改变用途，可以绕开用途变更的审批（清单第11项）。
    Changing the use under cover of another registration (a transfer, a change of name) slips past
    the approval a use change needs (checklist item 11).

    ## Exempt
    用途一致、任一用途为空、或已申报用途变更的案件不报。
    Cases whose uses agree, where either use is blank, or that declare use_change.

    ## Dated at
    已登簿的为首次登簿时间，否则为案件第一行的时间。
    The first register time if the case is registered, else the time of the case's first row.
    """
    a = approval_table(log)
    c = log.cases
    declared = c["ck_use_change"].to_numpy(dtype=bool) if "ck_use_change" in c else np.zeros(len(c), bool)
    idx = np.flatnonzero(a["uses_differ"].to_numpy() & ~declared)
    if not len(idx):
        return empty_findings()
    f = c.iloc[idx]
    g = a.iloc[idx]
    before = pd.Series(_str_or_none(g["use_before"]))
    after = pd.Series(_str_or_none(g["use_after"]))
    business = zh_labels(f["business_type"], BUSINESS_TYPES, "未知") if "business_type" in f else "未知"
    return case_findings(
        log,
        idx,
        at="register",
        event_time=_when(log, idx),
        message=template(
            "原用途{before}与现用途{after}不一致，但变更事项未申报用途变更（业务类型：{business}），"
            "请核查是否借登记隐性改变土地用途",
            before=zh_labels(before, USES),
            after=zh_labels(after, USES),
            business=business,
        ),
        evidence={
            "use_before": before.to_numpy(),
            "use_after": after.to_numpy(),
            "business_type": f.get("business_type"),
            "change_kind": text(f.get("change_kind")),
            "registered": g["registered"].to_numpy(),
        },
    )


def approval_projection(log: EventLog) -> np.ndarray:
    """AP004's rows in a partitioned scan: of each case carrying an approval number, the rows that decide
    its office, first time, unit_id, approval_no, t_register and register operator."""
    c, ev = log.cases, log.events
    if "approval_no" not in c or not len(ev):
        return np.zeros(0, dtype=np.int64)
    carries = c["approval_no"].notna().to_numpy()[ev["case"].to_numpy()]
    masks = [carries, carries & (ev["activity"] == "register").to_numpy()]
    masks += [carries & ev[col].notna().to_numpy() for col in ("unit_id", "approval_no") if col in ev]
    picks = np.concatenate([log.first_row(m) for m in masks])
    return picks[picks >= 0]


@rule(
    "AP004",
    "批准文件跨宗地复用",
    "approval reused across parcels",
    severity="high",
    category="廉政",
    basis=(11,),
    fires_on="the same normalised approval number on cases of ≥ 2 different parcels: every case carrying it",
    columns=_APPROVAL_COLUMNS,
    facts=("approval_facts",),
    grouping="global",
    projection=approval_projection,
    example="""
    合自然资规〔2026〕12号 on parcel 340104003001GB00012 and on parcel 340104005002GB00040  ->  AP004 on both
    """,
)
def approval_reused(log: EventLog, p: NoParams) -> pd.DataFrame:
    """同一批准文号出现在两个及以上不同宗地的案件上：批准文件被挪用或伪造。

    ## What it does
    同一批准文号（去空白、NFKC、转大写后比较）出现在两个及以上不同宗地（不动产单元号前19位）的案件上，
    每个带此文号的案件都报；跨登记机构比较。
    The same normalised approval number (trimmed, NFKC, upper-cased) on cases of two or more
    different parcels (parcel = first 19 characters of unit_id): every case carrying it is
    reported. Looks at every case, across offices; a case without unit_id adds no parcel but is
    reported too once its number is reused.

    ## Why it matters
    一份批准文件只批一宗地；跨宗地复用说明批准文件被挪用或伪造（清单第11项）。
    An approval covers one parcel; the same number on another parcel means the document was
    borrowed or forged (checklist item 11).

    ## Exempt
    同一宗地的多个单元（如分割后的各部分）引用同一文号不算复用；无文号的案件不参与。
    Several units of one parcel (the halves of a split) citing one approval are no reuse; cases
    without a number take no part.

    ## Dated at
    已登簿的为首次登簿时间，否则为案件第一行的时间。
    The first register time if the case is registered, else the time of the case's first row.
    """
    a = approval_table(log)
    number = a["approval_no_norm"].array
    carriers = np.flatnonzero(number.codes >= 0)
    if not len(carriers):
        return empty_findings()
    units = case_categorical(log.cases, "unit_id")[carriers].remove_unused_categories()
    parcel = _recode(units, units.categories.str.slice(0, PARCEL_LENGTH))
    # codes of sorted categories: code order is text order
    num, par = number.codes[carriers].astype(np.int64), parcel.codes.astype(np.int64)
    # the distinct (number, parcel) pairs, sorted; per number: how many parcels, the first and the last
    width = len(parcel.categories) + 1
    pair_num, pair_par = np.divmod(np.unique(num[par >= 0] * width + par[par >= 0]), width)
    numbers, starts, counts = np.unique(pair_num, return_index=True, return_counts=True)
    size, first, last = (np.zeros(len(number.categories), dtype=np.int64) for _ in range(3))
    size[numbers] = counts
    first[numbers] = pair_par[starts]
    last[numbers] = pair_par[starts + counts - 1]
    reused = size[num] >= 2
    if not reused.any():
        return empty_findings()
    idx = carriers[reused]
    k = num[reused]
    n_parcels = size[k]
    n_cases = np.bincount(num, minlength=len(number.categories))[k]
    names = np.append(parcel.categories.to_numpy(dtype=object), None)  # code -1 -> None
    listed = template(
        "{first}、{last}{more}", first=names[first[k]], last=names[last[k]], more=np.where(n_parcels > 2, "等", "")
    )
    number_text = number.categories.to_numpy(dtype=object)[k]
    return case_findings(
        log,
        idx,
        at="register",
        event_time=_when(log, idx),
        message=template(
            "批准文号{number}同时用于{parcels}个宗地（{listed}）的{cases}个案件，请核查批准文件是否被跨宗地复用",
            number=_str_or_none(a["approval_no"].iloc[idx]),
            parcels=fmt_int(n_parcels),
            listed=listed,
            cases=fmt_int(n_cases),
        ),
        evidence={
            "approval_no": _str_or_none(a["approval_no"].iloc[idx]),
            "approval_no_normalised": number_text,
            "parcel": names[par[reused]],
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
    facts=("approval_facts",),
    example="""
    --approvals lists 合自然资规〔2026〕12号; a registered split cites 合自然资规〔2026〕99号  ->  AP005
    """,
)
def approval_not_in_registry(log: EventLog, p: NoParams, approvals: pd.DataFrame) -> pd.DataFrame:
    """批准文号在批准文件库（--approvals）中查无此号：批准文件可能伪造或录入错误。

    ## What it does
    提供 --approvals 时，已登簿、需审批且有批准文号的案件，其文号不在批准文件库中，即报。
    With --approvals: a registered approval-requiring case — the cases AP001/AP002 look at — whose
    approval number is not in the registry. Numbers on both sides are compared after trimming,
    NFKC and upper-casing; only the number is matched (not the issuer, date or parcel).

    ## Why it matters
    库中查无此号的批准文件可能是伪造或录错的，以此登簿等于没有审批（清单第11项）。
    An approval number the registry does not know may be forged or mistyped; registering on it is
    registering without approval (checklist item 11).

    ## Exempt
    没有 --approvals 时不检查；文号为空的是AP001的发现；未登簿或不需审批的案件不报。
    Not checked without --approvals. A blank number is AP001's finding; unregistered cases and
    cases needing no approval are not checked.

    ## Dated at
    首次登簿时间；操作人为登簿人。
    The case's first register time; the operator is who did that register row.
    """
    a = approval_table(log)
    known = normalise_approval_numbers(approvals["approval_no"]) if "approval_no" in approvals else np.array([])
    known_set = pd.Index(known[pd.notna(known)]).unique()
    carry = (a["requiring"] & a["registered"] & a["approval_no"].notna()).to_numpy()
    number = a["approval_no_norm"].array
    known_code = np.append(known_set.get_indexer(number.categories), -1)[number.codes]  # code -1 -> -1
    hit = carry & (known_code < 0)
    idx = np.flatnonzero(hit)
    if not len(idx):
        return empty_findings()
    return case_findings(
        log,
        idx,
        at="register",
        message=template(
            "批准文号{number}在批准文件库（共{size}个文号）中查无此号，请向批准机关核实批准文件真伪",
            number=_str_or_none(a["approval_no"].iloc[idx]),
            size=f"{len(known_set)}",
        ),
        evidence={
            "approval_no": _str_or_none(a["approval_no"].iloc[idx]),
            "approval_no_normalised": _str_or_none(a["approval_no_norm"].iloc[idx]),
            "registry_size": len(known_set),
        },
    )
