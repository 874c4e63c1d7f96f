"""Log integrity (日志) — checklist item 20: the log trail itself must be whole and plausible."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..model import EventLog
from .base import NoParams, empty_findings, findings, fmt_int, fmt_time, rule, text


@rule(
    "LG001",
    "日志序号缺口",
    "log sequence gap",
    severity="critical",
    category="数据",
    basis=(20,),
    fires_on="per office, missing event_seq values between its min and max; one finding per gap",
    columns=("event_seq",),
    example="""
    office 340102 has event_seq 1001, 1002, 1004  ->  LG001 340102:1003 (1 row missing)
    """,
)
def log_sequence_gap(log: EventLog, p: NoParams) -> pd.DataFrame:
    """日志序号（平台流水号）按登记机构严格递增，中间缺号意味着日志行被删除。

    Each run of consecutive missing numbers is one finding, keyed by the
    office and the first missing number. Rows without event_seq are ignored.
    """
    ev = log.events
    has = ev["event_seq"].notna().to_numpy()
    if not has.any():
        return empty_findings()
    office_code, offices = pd.factorize(ev["office_code"][has])
    offices = np.asarray(offices, dtype=object)
    seq_all = ev["event_seq"].to_numpy(dtype=np.float64)[has].astype(np.int64)
    time_all = ev["event_time"].to_numpy()[has]
    # sort by (office, seq, time) on integer keys; of a repeated (office, seq) keep the earliest row
    order = np.lexsort((time_all.view(np.int64), seq_all, office_code))
    oc, seq, when = office_code[order], seq_all[order], time_all[order]
    first = np.ones(len(oc), dtype=bool)
    first[1:] = (oc[1:] != oc[:-1]) | (seq[1:] != seq[:-1])
    oc, seq, when = oc[first], seq[first], when[first]
    gap = np.zeros(len(oc), dtype=bool)
    gap[1:] = (oc[1:] == oc[:-1]) & (seq[1:] - seq[:-1] > 1)
    at = np.flatnonzero(gap)
    g = pd.DataFrame({"office_code": offices[oc[at]], "event_seq": seq[at], "event_time": when[at]})
    before = pd.Series(seq[at - 1])
    first_missing = before + 1
    last_missing = g["event_seq"] - 1
    count = last_missing - first_missing + 1
    office = text(g["office_code"])
    return findings(
        key=office + ":" + fmt_int(first_missing),
        office_code=office,
        event_time=g["event_time"],
        message="日志序号"
        + fmt_int(first_missing)
        + np.where(count.to_numpy() > 1, "至" + fmt_int(last_missing), "")
        + "缺失（共"
        + fmt_int(count)
        + "条），请核查日志是否被删除",
        evidence={
            "first_missing": first_missing.to_numpy(),
            "last_missing": last_missing.to_numpy(),
            "missing": count.to_numpy(),
            "seq_before": before.to_numpy(),
            "seq_after": g["event_seq"].to_numpy(),
        },
    )


@rule(
    "LG002",
    "环节顺序异常",
    "impossible order",
    severity="high",
    category="数据",
    basis=(20,),
    fires_on="t_register < t_accept, or t_call < t_ticket (first times of the case)",
    example="""
    accept 2026-09-08 14:10, register 2026-09-08 09:30  ->  LG002 (登簿早于受理)
    """,
)
def impossible_order(log: EventLog, p: NoParams) -> pd.DataFrame:
    """登簿时间早于受理时间，或叫号时间早于取号时间：日志时间被改动或补录的迹象。"""
    c = log.cases
    reg = (c["t_register"] < c["t_accept"]).fillna(False).to_numpy(dtype=bool)
    call = (c["t_call"] < c["t_ticket"]).fillna(False).to_numpy(dtype=bool)
    hit = reg | call
    f = c.loc[hit]
    reg_f, call_f = reg[hit], call[hit]
    msg_reg = "登簿时间" + fmt_time(f["t_register"]) + "早于受理时间" + fmt_time(f["t_accept"])
    msg_call = "叫号时间" + fmt_time(f["t_call"]) + "早于取号时间" + fmt_time(f["t_ticket"])
    message = np.where(reg_f & call_f, msg_reg + "；" + msg_call, np.where(reg_f, msg_reg, msg_call))
    return findings(
        key=f["case_id"],
        case_id=f["case_id"],
        office_code=f["office_code"],
        unit_id=f.get("unit_id"),
        event_time=np.where(reg_f, f["t_register"].to_numpy(), f["t_call"].to_numpy()),
        message=pd.Series(message) + "，请核查日志",
        evidence={
            "t_accept": f["t_accept"].to_numpy(),
            "t_register": f["t_register"].to_numpy(),
            "t_ticket": f["t_ticket"].to_numpy(),
            "t_call": f["t_call"].to_numpy(),
        },
    )


@rule(
    "LG003",
    "记录不完整",
    "incomplete case history",
    severity="info",
    category="数据",
    basis=(20,),
    fires_on="a register or complete event but no accept in the input",
    example="""
    case with rows review, register and no accept  ->  LG003 (history starts mid-case)
    """,
)
def incomplete_history(log: EventLog, p: NoParams) -> pd.DataFrame:
    """案件有登簿或办结记录却没有受理记录：日志不完整（或导出范围从案件中途开始），无法计时。"""
    c = log.cases
    done = c["t_register"].notna() | c["t_complete"].notna()
    f = c.loc[(done & c["t_accept"].isna()).to_numpy()]
    when = f[["t_register", "t_complete"]].min(axis=1)
    return findings(
        key=f["case_id"],
        case_id=f["case_id"],
        office_code=f["office_code"],
        unit_id=f.get("unit_id"),
        event_time=when,
        message=pd.Series(["有登簿/办结记录但缺少受理记录，无法核查办理时限，请补全日志"] * len(f)),
        evidence={"t_register": f["t_register"].to_numpy(), "t_complete": f["t_complete"].to_numpy()},
    )


@rule(
    "LG004",
    "重复事件",
    "duplicate event",
    severity="low",
    category="数据",
    basis=(20,),
    fires_on="rows equal in case_id, activity, event_time and operator_id; one finding per case",
    columns=("operator_id",),
    example="""
    two register rows of one case at 2026-09-08 10:00:00 by 340102-D1  ->  LG004
    """,
)
def duplicate_event(log: EventLog, p: NoParams) -> pd.DataFrame:
    """同一案件中环节、时间、操作人完全相同的重复日志行（比较前已去除首尾空白并完成值映射）。"""
    ev = log.events
    # equal rows = equal integer keys (case, activity code, time, operator code; blank operators are equal)
    case = ev["case"].to_numpy()
    act, _ = pd.factorize(ev["activity"], use_na_sentinel=True)
    op, _ = pd.factorize(ev["operator_id"], use_na_sentinel=True)
    when = ev["event_time"].to_numpy().view(np.int64)
    order = np.lexsort((op, when, act, case))
    same = (
        (case[order][1:] == case[order][:-1])
        & (act[order][1:] == act[order][:-1])
        & (when[order][1:] == when[order][:-1])
        & (op[order][1:] == op[order][:-1])
    )
    dup = np.zeros(len(case), dtype=bool)
    dup[order[1:][same]] = True
    dup[order[:-1][same]] = True
    if not dup.any():
        return empty_findings()
    d = ev.loc[dup, ["case", "event_time", "activity"]]  # events order: first = earliest duplicate row
    per_case = d.groupby("case", sort=True).agg(
        rows=("event_time", "size"), event_time=("event_time", "first"), activity=("activity", "first")
    )
    c = log.cases.iloc[per_case.index.to_numpy()]
    return findings(
        key=c["case_id"],
        case_id=c["case_id"],
        office_code=c["office_code"],
        unit_id=c.get("unit_id"),
        event_time=per_case["event_time"].to_numpy(),
        message="存在"
        + fmt_int(per_case["rows"])
        + "条完全相同的重复日志行（首个环节："
        + text(per_case["activity"])
        + "）",
        evidence={"duplicate_rows": per_case["rows"].to_numpy(), "activity": text(per_case["activity"])},
    )
