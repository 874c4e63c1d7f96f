"""Separation of duties and staff (岗位) — checklist items 14, 15, 19, 25, 26.

SD001 needs only the log, SD005 its review steps (``step``); SD002–SD004 need the staff roster (``--roster``,
loaded by :mod:`regcheck.sideinputs`) and are skipped with a notice without it.

The roster may hold several rows per operator (periods, e.g. a move between
offices). At a time t, an operator's rows *in effect* are those with
active_from <= date(t) <= active_to (blank = open-ended); all comparisons are by
calendar day, both ends inclusive.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from ..model import EventLog
from ..schema import ACTIVITIES, STEPS, step_code
from ..sideinputs import by_id_then_name
from .base import (
    NoParams,
    case_findings,
    codes,
    empty_findings,
    findings,
    fmt_day,
    fmt_int,
    fmt_time,
    no_rows,
    number,
    rule,
    template,
    text,
    zh_labels,
)

# --- shared tables ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Events:
    """The event columns the SD rules read, as arrays over all rows in (event_time, input order)."""

    case: np.ndarray  # index into log.cases
    act: np.ndarray  # activity code: index into ``activities``
    time: np.ndarray  # event_time, datetime64
    op: np.ndarray  # operator code: index into ``operators``; -1 = blank operator_id
    activities: pd.Index
    operators: pd.Index

    def is_activity(self, name: str) -> np.ndarray:
        code = self.activities.get_indexer([name])[0]
        return self.act == code if code >= 0 else np.zeros(len(self.act), dtype=bool)

    def activity(self, at: np.ndarray) -> pd.Series:
        """The activity text of the rows at ``at``."""
        return pd.Series(self.activities.take(self.act[at]))

    def operator(self, at: np.ndarray) -> pd.Series:
        """The operator_id text of the rows at ``at`` (rows with an operator)."""
        return text(self.operators.take(self.op[at]))


def _events(log: EventLog) -> _Events:
    def build() -> _Events:
        ev = log.events
        op, operators = codes(ev["operator_id"])
        act, activities = codes(ev["activity"])
        return _Events(
            case=ev["case"].to_numpy(),
            act=act,
            time=ev["event_time"].to_numpy(),
            op=op,
            activities=activities,
            operators=operators,
        )

    return log.memo("duties:events", build)


@dataclass(frozen=True)
class _RosterStatus:
    """The roster's view of every event row with an operator, at its event day.

    An operator's roster status can change only on an active_from day or the
    day after an active_to, so each operator's days fall into a few segments of
    constant status. ``segments`` holds, per segment: known (operator has a
    roster row), active (some row in effect at the event day), trained_active
    (some row in effect is trained), non_registrar (the registrar flag at that
    time is an explicit false: of the rows in effect if any, else of all the
    operator's rows; a blank flag is not false), hours (max training hours of
    the rows in effect). Rows without an operator have segments of their own,
    with known false. ``by_operator`` holds, per operator code, name,
    active_from and active_to of the operator's first roster row, for messages.
    """

    slot: np.ndarray  # per event row: (operator code + 1) * width + day offset
    starts: np.ndarray  # the sorted slots where a segment starts
    table: np.ndarray | None  # segment of every slot, when that table is small enough
    segments: pd.DataFrame
    by_operator: pd.DataFrame

    def segment(self, at: np.ndarray | None = None) -> np.ndarray:
        """The segment of the event rows at ``at`` (default: of all rows)."""
        slot = self.slot if at is None else self.slot[at]
        if self.table is not None:
            return self.table[slot]
        return np.searchsorted(self.starts, slot, side="right") - 1

    def per_row(self, values: np.ndarray) -> np.ndarray:
        """Per-segment ``values`` spread to all event rows."""
        if self.table is not None:
            return values[self.table][self.slot]
        return values[self.segment()]


def _roster_status(log: EventLog, roster: pd.DataFrame) -> _RosterStatus:
    def build() -> tuple[pd.DataFrame, _RosterStatus]:
        ev = _events(log)
        n_ops = len(ev.operators)
        per_day = np.timedelta64(1, "D") // np.timedelta64(1, np.datetime_data(ev.time.dtype)[0])
        slot = ev.time.view(np.int64) // per_day  # the event day (as astype datetime64[D])
        d0, d1 = (int(slot[0]), int(slot[-1])) if len(slot) else (0, 0)  # rows are in time order
        width = d1 - d0 + 2  # day offsets 0 .. d1 - d0 + 1: segment starts clipped to the log's days
        slot += width - d0
        slot += np.multiply(ev.op, width, dtype=np.int64)
        keyed = by_id_then_name(roster)
        r = keyed[["operator_id", "registrar", "trained", "training_hours", "active_from", "active_to"]]
        r = r.assign(opi=ev.operators.get_indexer(r["operator_id"])).loc[lambda x: x["opi"] >= 0]
        block = (r["opi"].to_numpy(dtype=np.int64) + 1) * width
        starts = [np.arange(n_ops + 1, dtype=np.int64) * width]  # a segment from the first day, per operator
        for col, after in (("active_from", 0), ("active_to", 1)):
            day = r[col].to_numpy().astype("datetime64[D]")
            has = ~np.isnat(day)
            starts.append(block[has] + np.clip(day[has].astype(np.int64) + after - d0, 0, width - 1))
        seg_start = np.unique(np.concatenate(starts))
        table = None
        size = (n_ops + 1) * width
        if size <= max(len(slot), 1 << 20):  # a lookup table of all slots beats a binary search per row
            table = np.zeros(size, dtype=np.int64)
            table[seg_start[1:]] = 1
            table = np.cumsum(table, out=table)
        # the status of each segment is that of its first day
        pairs = pd.DataFrame(
            {
                "opi": seg_start // width - 1,
                "day": (seg_start % width + d0).astype("datetime64[D]").astype("datetime64[ns]"),
                "pair": np.arange(len(seg_start)),
            }
        )
        m = pairs.merge(r, on="opi", how="inner")
        active = (m["active_from"].isna() | (m["active_from"] <= m["day"])) & (
            m["active_to"].isna() | (m["day"] <= m["active_to"])
        )
        active = active.to_numpy(dtype=bool)
        reg = m["registrar"].astype("boolean")
        reg_true = reg.fillna(False).to_numpy(dtype=bool)
        reg_false = (~reg).fillna(False).to_numpy(dtype=bool)
        m = m.assign(
            active=active,
            trained_active=active & m["trained"].to_numpy(dtype=bool),
            true_active=active & reg_true,
            false_active=active & reg_false,
            true_any=reg_true,
            false_any=reg_false,
            hours_active=m["training_hours"].where(active),
        )
        flags = ["active", "trained_active", "true_active", "false_active", "true_any", "false_any"]
        g = m.groupby("pair", sort=True)
        agg = g[flags].any().join(g["hours_active"].max().rename("hours"))
        per_pair = pd.DataFrame(index=pd.RangeIndex(len(pairs)))
        per_pair["known"] = per_pair.index.isin(agg.index)
        agg = agg.reindex(per_pair.index)
        a = {f: agg[f].fillna(False).to_numpy(dtype=bool) for f in flags}
        per_pair["active"] = a["active"]
        per_pair["trained_active"] = a["trained_active"]
        # an explicit registrar = false (no true) on the rows in effect, or on all rows when none is in effect
        per_pair["non_registrar"] = np.where(
            a["active"], a["false_active"] & ~a["true_active"], a["false_any"] & ~a["true_any"]
        )
        per_pair["hours"] = agg["hours"].astype("float64")
        # name and period of the operator's first roster row, for messages
        first = keyed.drop_duplicates("operator_id")
        first = first.assign(opi=ev.operators.get_indexer(first["operator_id"])).loc[lambda x: x["opi"] >= 0]
        by_op = pd.DataFrame(index=pd.RangeIndex(n_ops))
        for c in ("name", "active_from", "active_to"):
            by_op[c] = pd.Series(first[c].to_numpy(), index=first["opi"].to_numpy()).reindex(by_op.index)
        status = _RosterStatus(slot=slot, starts=seg_start, table=table, segments=per_pair, by_operator=by_op)
        return roster, status

    _, status = log.memo(f"duties:roster_status:{id(roster)}", build)
    return status


def _per_case(log: EventLog, ev: _Events, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Of the event rows ``rows`` (with an operator): the cases they fall in (sorted), each case's first
    of them (a position in events), its number of them and of their distinct operators."""
    first = log.first_row(rows)
    cases = np.flatnonzero(first >= 0)
    case, op = ev.case[rows], ev.op[rows]
    width = int(op.max()) + 1
    n_ops = np.unique(np.unique(case * width + op) // width, return_counts=True)[1]
    return cases, first[cases], np.bincount(case, minlength=log.n_cases)[cases], n_ops


def _name_note(name: pd.Series) -> np.ndarray:
    """The roster's name in brackets, as in 操作人W1（张三）, where it gives one; else empty."""
    return np.where(name.notna().to_numpy(), template("（{name}）", name=name), "")


# --- SD001 --------------------------------------------------------------------------------


@rule(
    "SD001",
    "受理登簿同一人",
    "same person accepted and registered",
    severity="high",
    category="廉政",
    basis=(14,),
    fires_on="one non-empty operator_id on both an accept and a register row of a case "
    "(any accept row, any register row); one finding per case",
    columns=("operator_id",),
    example="""
    case 34010220260500001: accept by 340102-W1, review by 340102-R1, register by 340102-W1  ->  SD001
    accept by W1 after 补正 re-accept by W2, register by W2  ->  SD001 (every accept row counts)
    """,
)
def same_person_accept_register(log: EventLog, p: NoParams) -> pd.DataFrame:
    """受理与登簿应由不同人员办理（岗位分离、相互制约）：同一操作人既受理又登簿同一案件即报。

    ## What it does
    案件的每个受理行与每个登簿行比较操作人，同一非空操作人既受理又登簿，即报；每个案件一条。
    Every accept row of a case is compared with every register row; one non-empty operator_id on
    both fires. One finding per case; where several operators did both, the one of the earliest
    such register row is reported.

    ## Why it matters
    受理、审核、登簿岗位分离、相互制约，是防止一人包办、权力寻租的基本措施（清单第14项廉政风险点）。
    Separating acceptance from registration is the basic check against one person pushing a case
    through alone (checklist item 14, integrity risk points).

    ## Exempt
    操作人为空（自助设备、系统事件）的行从不匹配；只有受理或只有登簿的案件不比较。
    Blank operator_ids (self-service, system events) never match; a case with only one of the two steps
    is not compared.

    ## Dated at
    该操作人最早的那次登簿时间。
    The time of that operator's earliest register row of the case.
    """
    ev = _events(log)
    has_op = ev.op >= 0
    acc = np.flatnonzero(ev.is_activity("accept") & has_op)
    reg = np.flatnonzero(ev.is_activity("register") & has_op)
    if not len(acc) or not len(reg):
        return empty_findings()
    # (case, operator) as one integer; the first accept row of each pair gives t_accept
    width = len(ev.operators)
    acc_keys, acc_first = np.unique(ev.case[acc] * width + ev.op[acc], return_index=True)
    reg_keys = ev.case[reg] * width + ev.op[reg]
    at = np.searchsorted(acc_keys, reg_keys).clip(max=len(acc_keys) - 1)
    hit = acc_keys[at] == reg_keys
    if not hit.any():
        return empty_findings()
    hits = reg[hit]  # register rows with an accept row of their case and operator, in event order
    cases, at_register, _, ops = _per_case(log, ev, hits)
    t_register = ev.time[at_register]
    t_accept = ev.time[acc[acc_first[at[hit][np.searchsorted(hits, at_register)]]]]
    op = ev.operator(at_register)
    return case_findings(
        log,
        cases,
        operator_id=op,
        event_time=t_register,
        message=template(
            "操作人{op}既受理（{accepted}）又登簿（{registered}）本案件，受理与登簿未分离，请核查",
            op=op,
            accepted=fmt_time(t_accept),
            registered=fmt_time(t_register),
        ),
        evidence={
            "operator_id": op,
            "t_accept": t_accept,
            "t_register": t_register,
            "operators_both": ops,
        },
    )


# --- SD002 --------------------------------------------------------------------------------


class RosterParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    min_training_hours: float | None = number(
        None,
        ge=0,
        le=8760,
        description="also count an operator as untrained when the training hours of the roster row in effect "
        "are below this (item 25 asks 40 a year); default: only the trained flag counts",
    )


@rule(
    "SD002",
    "非在册人员操作",
    "operator not in roster",
    severity="high",
    category="廉政",
    basis=(25, 26),
    fires_on="with --roster: a row's operator is unknown, untrained, or outside active_from..active_to at the "
    "event time; every row with a non-empty operator_id is checked; one finding per case",
    params=RosterParams,
    columns=("operator_id",),
    needs=("roster",),
    example="""
    roster: 340102-W9 active_to 2026-06-30; log: 340102-W9 accepts a case on 2026-09-08  ->  SD002 (不在岗)
    log operator 340102-X1, not in the roster at all  ->  SD002 (不在名册)
    """,
)
def operator_not_in_roster(log: EventLog, p: RosterParams, roster: pd.DataFrame) -> pd.DataFrame:
    """只有在册、在岗且经过培训的人员才能办理登记业务（先培训、再上岗；人员信息库全覆盖）。

    ## What it does
    提供 --roster 时，每个有操作人的行（任何环节，
    含查询）按事件当天核对名册：须有当天有效（active_from ≤ 日 ≤ active_to，空为不限）且已培训的记录。
    With --roster: every event row with a non-empty operator_id (any activity, queries too) is
    checked against the roster at its event day: the operator must have a row in effect
    (active_from <= day <= active_to, inclusive, blank = open) that is trained. Reasons, in this
    order: not in the roster at all (``unknown``); no row in effect (``inactive``); rows in effect
    but none trained (``untrained``); with ``min_training_hours`` set, too few training hours on
    the rows in effect (``hours``). One finding per case, with the number of offending rows and
    operators of the case in the evidence.

    ## Why it matters
    登记人员须先培训后上岗，并纳入人员信息库（清单第25、26项）；名册外人员操作，可能是账号外借或冒用。
    Staff must be trained before taking a post and be in the staff database (checklist items 25
    and 26); an operator outside the roster may be a lent or misused account.

    ## Exempt
    没有 --roster 时不检查；操作人为空的行不检查。
    Not checked without --roster; rows with a blank operator_id are not checked.

    ## Dated at
    案件第一条违规行（按时间、输入顺序）的时间；操作人为该行操作人。
    The case's first offending row (event_time, input order); the operator is that row's.
    """
    ev = _events(log)
    has_op = ev.op >= 0
    if not has_op.any():
        return empty_findings()
    st = _roster_status(log, roster)
    seg = st.segments
    ok = seg["trained_active"].to_numpy(dtype=bool)
    if p.min_training_hours is not None:
        ok = ok & (seg["hours"] >= p.min_training_hours).fillna(False).to_numpy(dtype=bool)
    bad = np.flatnonzero(has_op & ~st.per_row(ok))
    if not len(bad):
        return empty_findings()
    cases, at, n_rows, n_ops = _per_case(log, ev, bad)
    status = seg.iloc[st.segment(at)]
    trained = status["trained_active"].to_numpy(dtype=bool)
    r = np.select(
        [~status["known"].to_numpy(dtype=bool), ~status["active"].to_numpy(dtype=bool), ~trained],
        ["unknown", "inactive", "untrained"],
        "hours",
    )
    staff = st.by_operator.iloc[ev.op[at]]
    op = ev.operator(at)
    activity = ev.activity(at)
    time = ev.time[at]
    period = template(
        "不在在岗期间（{start}至{end}）",
        start=text(fmt_day(staff["active_from"]), "不限"),
        end=text(fmt_day(staff["active_to"]), "今"),
    )
    what = np.select(
        [r == "unknown", r == "inactive", r == "untrained"],
        ["不在人员名册中", period, "名册记载未经培训"],
        f"年度培训学时不足{p.min_training_hours or 0:g}学时",
    )
    return case_findings(
        log,
        cases,
        operator_id=op,
        event_time=time,
        message=template(
            "操作人{op}{name}于{time}办理{activity}环节，但{what}{more}，请核实人员身份与上岗资格",
            op=op,
            name=_name_note(staff["name"]),
            time=fmt_time(time),
            activity=zh_labels(activity, ACTIVITIES),
            what=what,
            more=np.where(n_rows > 1, template("；本案件共{n}条此类记录", n=fmt_int(n_rows)), ""),
        ),
        evidence={
            "reason": r,
            "activity": text(activity),
            "active_from": fmt_day(staff["active_from"]).to_numpy(),
            "active_to": fmt_day(staff["active_to"]).to_numpy(),
            "rows": n_rows,
            "operators": n_ops,
        },
    )


# --- SD003 --------------------------------------------------------------------------------


@rule(
    "SD003",
    "非登记官登簿",
    "registered by non-registrar",
    severity="high",
    category="业务",
    basis=(14,),
    fires_on="with --roster: a register row whose operator is in the roster with registrar flag false; "
    "one finding per case",
    columns=("operator_id",),
    needs=("roster",),
    example="""
    roster: 340102-W1 registrar=否; log: register by 340102-W1  ->  SD003
    register by an operator missing from the roster  ->  SD002, not SD003
    """,
)
def registered_by_non_registrar(log: EventLog, p: NoParams, roster: pd.DataFrame) -> pd.DataFrame:
    """登簿须由登记官办理：名册中登记官标志为否的人员登簿即报。

    ## What it does
    提供 --roster 时，登簿行的操作人在名册中登记官标志为否，即报；标志取登簿当天有效的记录（任一为是即为登记官），
    当天无有效记录时取该人所有记录。每个案件一条。
    With --roster: a register row whose operator's registrar flag is false. The flag is that of the
    operator's roster rows in effect on that day (any of them true = a registrar), or, if none is
    in effect, of all the operator's rows (being outside the active dates is SD002's finding).
    One finding per case, for its first such register row.

    ## Why it matters
    登簿是登记官的法定职责，非登记官登簿等于无权登记（清单第14项）。
    Entering the register is the registrar's legal duty; a register row by anyone else is a
    registration without authority (checklist item 14).

    ## Exempt
    没有 --roster 时不检查；登记官一栏为空视为“未记录”，不报；名册外人员是SD002的发现；操作人为空不检查。
    Not checked without --roster. Only an explicit false fires: a blank registrar cell is "not
    recorded". Operators missing from the roster are SD002's finding; blank operators are not
    checked.

    ## Dated at
    该案件第一个此类登簿行的时间；操作人为该登簿人。
    The case's first such register row; the operator is who did it.
    """
    ev = _events(log)
    register = ev.is_activity("register") & (ev.op >= 0)
    if not register.any():
        return empty_findings()
    st = _roster_status(log, roster)
    seg = st.segments
    registrar_no = seg["known"].to_numpy(dtype=bool) & seg["non_registrar"].to_numpy(dtype=bool)
    bad = np.flatnonzero(register & st.per_row(registrar_no))
    if not len(bad):
        return empty_findings()
    cases, at, n_rows, _ = _per_case(log, ev, bad)
    op = ev.operator(at)
    when = ev.time[at]
    return case_findings(
        log,
        cases,
        operator_id=op,
        event_time=when,
        message=template(
            "登簿人{op}{name}不是登记官，却于{time}登簿，请核查登簿权限",
            op=op,
            name=_name_note(st.by_operator["name"].iloc[ev.op[at]]),
            time=fmt_time(when),
        ),
        evidence={"registrar": False, "register_rows": n_rows},
    )


# --- SD004 --------------------------------------------------------------------------------


class RotationParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rotation_years: int = number(
        5, ge=1, le=50, description="a post held longer than this many years is overdue for rotation"
    )
    posts: list[str] | None = Field(
        None, description="only these posts (岗位, as the roster spells them) count as key posts; default: all posts"
    )


@rule(
    "SD004",
    "关键岗位超期未轮岗",
    "overdue post rotation",
    severity="low",
    category="廉政",
    basis=(15,),
    fires_on="with --roster: a staff member active at as-of whose post_since is more than 5 years before as-of "
    "(post_since + 5 years < date(as-of)); one finding per office and operator",
    params=RotationParams,
    needs=("roster",),
    grouping="global",
    projection=no_rows,
    key="{office_code}:{operator_id}",
    example="""
    as-of 2026-09-30; roster: 340102-D1 post_since 2021-09-29  ->  SD004 340102:340102-D1
    post_since 2021-09-30 (exactly 5 years)  ->  no finding
    """,
)
def overdue_rotation(log: EventLog, p: RotationParams, roster: pd.DataFrame) -> pd.DataFrame:
    """关键岗位定期轮岗交流：同一岗位任职超过轮岗年限（默认5年）即提醒。

    ## What it does
    只看名册：截至本次检查的 as-of 日仍在岗、且任现岗位起始日加轮岗年限早于 as-of 日的人员，即报；每个（登记机构，
    操作人）一条，键为 ``office:operator``，取最早的任职日。
    Looks at the roster only, as of the scan's as-of day: staff in effect on that day (active_from
    <= as-of <= active_to, blank = open) with a post_since such that post_since + rotation_years
    (calendar years) is before the as-of day. One finding per (office_code, operator_id) of the
    roster — key ``office:operator`` — for the earliest post_since; ``posts`` narrows it to key
    posts.

    ## Why it matters
    关键岗位长期不轮岗容易形成利益关系，须预警并定期轮岗交流（清单第15项）。
    A key post held for too long breeds cosy relationships; the checklist asks for early warning
    and regular rotation (checklist item 15).

    ## Exempt
    没有 --roster 时不检查；没有任职日期的记录、已离岗人员、恰好满年限的不报；设置 ``posts`` 时其他岗位不报。
    Not checked without --roster. Rows without post_since, staff not in effect at as-of, exactly
    rotation_years to the day, and, with ``posts`` set, other posts.

    ## Dated at
    as-of 当日零点（本次检查截止时间所在的那一天）。
    The day of the scan's as-of (midnight of its cut-off day); the operator is the staff member.
    """
    if pd.isna(log.as_of) or roster.empty:
        return empty_findings()
    day = pd.Timestamp(log.as_of).normalize()
    r = roster
    active = (r["active_from"].isna() | (r["active_from"] <= day)) & (r["active_to"].isna() | (day <= r["active_to"]))
    sel = active & r["post_since"].notna()
    if p.posts is not None:
        sel &= r["post"].isin(p.posts)
    r = r.loc[sel.to_numpy(dtype=bool)]
    due = r["post_since"] + pd.DateOffset(years=p.rotation_years)
    r = r.assign(due=due).loc[(due < day).to_numpy(dtype=bool)]
    if r.empty:
        return empty_findings()
    office = text(r["office_code"])
    r = r.assign(_office=office.to_numpy()).sort_values(["_office", "operator_id", "post_since"], kind="stable")
    r = r.drop_duplicates(["_office", "operator_id"])
    office = text(r["_office"])
    op = text(r["operator_id"])
    years = ((day - r["post_since"]).dt.days / 365.25).round(1)
    post = np.where(r["post"].notna().to_numpy(), template("{post}岗", post=r["post"]), "本岗")
    return findings(
        key=template("{office}:{op}", office=office, op=op),
        office_code=r["_office"].where(r["_office"] != "", None),
        operator_id=op,
        event_time=day,
        message=template(
            "{op}{name}自{since}起在{post}任职已{years}年，超过{limit}年轮岗期限（{due}到期），请安排轮岗交流",
            op=op,
            name=_name_note(r["name"]),
            since=fmt_day(r["post_since"]),
            post=post,
            years=years.astype(str),
            limit=p.rotation_years,
            due=fmt_day(r["due"]),
        ),
        evidence={
            "post": text(r["post"]),
            "post_since": fmt_day(r["post_since"]).to_numpy(),
            "rotation_due": fmt_day(r["due"]).to_numpy(),
            "years_in_post": years.to_numpy(),
            "rotation_years": p.rotation_years,
            "as_of": day.strftime("%Y-%m-%d"),
        },
    )


# --- SD005 --------------------------------------------------------------------------------

_STEP_CODES = tuple(STEPS)  # first_review, second_review, approve: bit 1 << position
# per bit mask of two or more steps: "复审、核定两个审核" (the steps in STEPS order)
_STEP_SETS = {
    m: "、".join(STEPS[c] for i, c in enumerate(_STEP_CODES) if m >> i & 1) + ("两个" if m.bit_count() == 2 else "三个")
    for m in range(8)
    if m.bit_count() >= 2
}


def _review_steps(log: EventLog) -> np.ndarray:
    """Per event row: the position in STEPS of its step on a review row with an operator; -1 otherwise."""
    ev = log.events
    if "step" not in ev.columns:
        return np.full(len(ev), -1, dtype=np.int64)
    code, names = codes(ev["step"])
    # per distinct name (step_code is idempotent: steps normalised on load, or written by another source)
    where = {c: i for i, c in enumerate(_STEP_CODES)}
    per_name = np.array([where.get(step_code(str(n)), -1) for n in names] + [-1], dtype=np.int64)
    e = _events(log)
    return np.where(e.is_activity("review") & (e.op >= 0), per_name[code], -1)


@rule(
    "SD005",
    "审核环节同一人",
    "one person at two review steps",
    severity="high",
    category="廉政",
    basis=(14,),
    fires_on="review rows of a case with two or more distinct steps among first_review (初审), second_review (复审) "
    "and approve (核定/审批/审定), one non-empty operator_id on both; one finding per case",
    columns=("operator_id", "step"),
    facts=("step",),
    example="""
    review step 初审 by A, review step 核定 by A                  ->  SD005
    review step 初审 by A, review step 复审 by B, 核定 by B        ->  SD005 (B)
    review step 初审 by A, review step 初审 by A (returned, redone) ->  nothing (same step)
    review step 初审 by A, review without step by A               ->  nothing
    """,
)
def same_person_two_review_steps(log: EventLog, p: NoParams) -> pd.DataFrame:
    """初审、复审、核定应由不同人员把关：同一操作人办理同一案件两个不同审核环节即报。

    ## What it does
    比较案件审核行的节点名称（初审、复审、核定/审批/审定）：同一非空操作人办理了两个及以上不同的审核环节，即报；每个案件一条。
    Compares the steps of a case's review rows (节点名称 ``step``: first_review 初审, second_review
    复审, approve 核定/审批/审定): one non-empty operator_id on two or more distinct steps fires. One
    finding per case; where several operators did so, the one who came to hold a second step first
    is reported. The evidence names the operator and every step that operator took.

    ## Why it matters
    审核分级把关、相互制约是防止一人包办的基本措施（清单第14项廉政风险点）；初审与核定出自同一人，复核就形同虚设。
    Reviewing in separate steps by separate people is the check against one person pushing a case
    through (checklist item 14, integrity risk points); a first review and an approval by the same
    person make the second look a formality.

    ## Exempt
    同一环节重复办理（退回后重办）不算两个环节；没有节点名称或节点名称不是这三个环节的审核行、操作人为空的行不比较；
    日志没有节点名称列时不适用。
    The same step done twice (returned and redone) is one step. Review rows without a step, with
    another step name, or with a blank operator are not compared; a log without the ``step``
    column is not checkable.

    ## Dated at
    两行中较晚的一行：该操作人第二个审核环节的最早一行。
    The later of the two rows: the operator's earliest row of the second step they took.
    """
    step = _review_steps(log)
    rows = np.flatnonzero(step >= 0)
    if not len(rows):
        return empty_findings()
    ev = _events(log)
    pair = ev.case[rows] * len(ev.operators) + ev.op[rows]
    # the first row (event order) of each (case, operator, step); then each pair's steps in time order
    triple, first = np.unique(pair * 4 + step[rows], return_index=True)
    at, pair, bit = rows[first], triple // 4, 1 << (triple % 4)
    order = np.lexsort((at, pair))
    at, pair, bit = at[order], pair[order], bit[order]
    start = np.flatnonzero(np.r_[True, pair[1:] != pair[:-1]])
    group = np.repeat(np.arange(len(start)), np.diff(np.r_[start, len(pair)]))
    second = np.flatnonzero(np.arange(len(pair)) - start[group] == 1)
    if not len(second):
        return empty_findings()
    mask = np.bitwise_or.reduceat(bit, start)[group[second]]
    later, earlier = at[second], at[start[group[second]]]
    # per case, the operator who held a second step first (rows are in event order)
    case = ev.case[later]
    pick = np.lexsort((later, case))
    pick = pick[np.r_[True, case[pick][1:] != case[pick][:-1]]]
    later, earlier, mask = later[pick], earlier[pick], mask[pick]
    op = ev.operator(later)
    t_earlier, t_later = ev.time[earlier], ev.time[later]
    return case_findings(
        log,
        ev.case[later],
        operator_id=op,
        event_time=t_later,
        message=template(
            "操作人{op}办理了本案件{steps}审核环节（{t_earlier}、{t_later}），审核环节未分离，请核查",
            op=op,
            steps=pd.Series([_STEP_SETS[m] for m in mask.tolist()], dtype=object),
            t_earlier=fmt_time(t_earlier),
            t_later=fmt_time(t_later),
        ),
        evidence={
            "operator_id": op,
            "steps": [[c for i, c in enumerate(_STEP_CODES) if m >> i & 1] for m in mask.tolist()],
            "t_earlier": t_earlier,
            "t_later": t_later,
        },
    )
