"""Separation of duties and staff (岗位) — checklist items 14, 15, 19, 25, 26.

SD001 needs only the log; SD002–SD004 need the staff roster (``--roster``,
loaded by :mod:`regcheck.sideinputs`) and are skipped with a notice without it.

The roster may hold several rows per operator (periods, e.g. a move between
offices). At a time t, an operator's rows *in effect* are those with
active_from <= date(t) <= active_to (blank = open-ended); all comparisons are by
calendar day, both ends inclusive.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from ..model import EventLog
from ..schema import ACTIVITIES
from .base import NoParams, empty_findings, findings, fmt_day, fmt_int, fmt_time, rule, text

# --- shared tables ------------------------------------------------------------------------


def _operator_rows(log: EventLog) -> pd.DataFrame:
    """Event rows with a (trimmed, non-empty) operator_id, in (event_time, input order)."""

    def build() -> pd.DataFrame:
        ev = log.events
        sub = ev.loc[ev["operator_id"].notna().to_numpy(), ["case", "activity", "event_time", "operator_id"]]
        return sub.assign(activity=sub["activity"].astype(str)).reset_index(drop=True)

    return log.memo("duties:operator_rows", build)


def _roster_status(log: EventLog, roster: pd.DataFrame) -> pd.DataFrame:
    """The roster's view of every operator row: one row per row of :func:`_operator_rows`.

    Columns: known (operator has a roster row), active (some row in effect at the
    event day), trained_active (some row in effect is trained), non_registrar
    (the registrar flag at that time is an explicit false: of the rows in effect
    if any, else of all the operator's rows; a blank flag is not false), hours
    (max training hours of the rows in effect), name,
    active_from / active_to (of the operator's first roster row, for messages).
    Computed on distinct (operator, day) pairs, then spread to the rows.
    """

    def build() -> tuple[pd.DataFrame, pd.DataFrame]:
        rows = _operator_rows(log)
        op_codes, ops = pd.factorize(rows["operator_id"])
        days = rows["event_time"].to_numpy(dtype="datetime64[ns]").astype("datetime64[D]").astype(np.int64)
        d0 = int(days.min()) if len(days) else 0
        span = int(days.max()) - d0 + 1 if len(days) else 1
        uniq, inverse = np.unique(op_codes.astype(np.int64) * span + (days - d0), return_inverse=True)
        pairs = pd.DataFrame(
            {
                "opi": uniq // span,
                "day": (uniq % span + d0).astype("datetime64[D]").astype("datetime64[ns]"),
                "pair": np.arange(len(uniq)),
            }
        )
        r = roster[["operator_id", "registrar", "trained", "training_hours", "active_from", "active_to"]]
        r = r.assign(opi=ops.get_indexer(r["operator_id"])).loc[lambda x: x["opi"] >= 0]
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
        status = per_pair.iloc[inverse.ravel()].reset_index(drop=True)
        # name and period of the operator's first roster row, for messages
        first = roster.drop_duplicates("operator_id")
        first = first.assign(opi=ops.get_indexer(first["operator_id"])).loc[lambda x: x["opi"] >= 0]
        for c in ("name", "active_from", "active_to"):
            by_op = pd.Series(first[c].to_numpy(), index=first["opi"].to_numpy()).reindex(range(len(ops)))
            status[c] = by_op.to_numpy()[op_codes]
        return roster, status

    _, status = log.memo(f"duties:roster_status:{id(roster)}", build)
    return status


def _first_per_case(rows: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """First row of each case (rows are in event order), rows per case, distinct operators per case."""
    g = rows.groupby("case", sort=True)
    first = g.head(1).set_index("case").sort_index()
    return first, g.size(), g["operator_id"].nunique()


def _case_cols(log: EventLog, cases: np.ndarray) -> pd.DataFrame:
    return log.cases.iloc[cases][["case_id", "office_code", *(["unit_id"] if "unit_id" in log.cases else [])]]


def _activity_zh(values: pd.Series) -> pd.Series:
    return values.astype(str).map(ACTIVITIES).fillna(values.astype(str)).reset_index(drop=True)


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

    Every accept row of a case is compared with every register row; blank
    operator_ids (self-service, system events) never match. One finding per
    case; where several operators did both, the one of the earliest such
    register row is reported, with that register row's time.
    """
    rows = _operator_rows(log)
    acc = rows.loc[(rows["activity"] == "accept").to_numpy(), ["case", "operator_id", "event_time"]]
    acc = acc.drop_duplicates(["case", "operator_id"]).rename(columns={"event_time": "t_accept_op"})
    reg = rows.loc[(rows["activity"] == "register").to_numpy(), ["case", "operator_id", "event_time"]]
    if acc.empty or reg.empty:
        return empty_findings()
    reg = reg.assign(_pos=np.arange(len(reg)))
    hit = reg.merge(acc, on=["case", "operator_id"], how="inner").sort_values("_pos", kind="stable")
    if hit.empty:
        return empty_findings()
    first, _, ops = _first_per_case(hit)
    c = _case_cols(log, first.index.to_numpy())
    op = text(first["operator_id"])
    return findings(
        key=c["case_id"],
        case_id=c["case_id"],
        office_code=c["office_code"],
        unit_id=c.get("unit_id"),
        operator_id=op,
        event_time=first["event_time"],
        message="操作人"
        + op
        + "既受理（"
        + fmt_time(first["t_accept_op"])
        + "）又登簿（"
        + fmt_time(first["event_time"])
        + "）本案件，受理与登簿未分离，请核查",
        evidence={
            "operator_id": op,
            "t_accept": first["t_accept_op"].to_numpy(),
            "t_register": first["event_time"].to_numpy(),
            "operators_both": ops.to_numpy(),
        },
    )


# --- SD002 --------------------------------------------------------------------------------


class RosterParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    min_training_hours: float | None = Field(
        None,
        ge=0,
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

    Every event row with a non-empty operator_id (any activity, queries too) is
    checked against the roster at its event day: the operator must have a row
    in effect (active_from <= day <= active_to, inclusive, blank = open) that is
    trained. Reasons, in this order: not in the roster at all (``unknown``); no
    row in effect (``inactive``: outside the active dates); rows in effect but
    none trained (``untrained``); with ``min_training_hours`` set, too few
    training hours on the rows in effect (``hours``). One finding
    per case, for its first offending row (event_time, input order), with the
    number of offending rows and operators of the case in the evidence.
    """
    rows = _operator_rows(log)
    if rows.empty:
        return empty_findings()
    st = _roster_status(log, roster)
    trained = st["trained_active"].to_numpy(dtype=bool)
    enough = np.ones(len(st), dtype=bool)
    if p.min_training_hours is not None:
        enough = (st["hours"] >= p.min_training_hours).fillna(False).to_numpy(dtype=bool)
    bad = ~(trained & enough)
    if not bad.any():
        return empty_findings()
    reason = np.select(
        [~st["known"].to_numpy(dtype=bool), ~st["active"].to_numpy(dtype=bool), ~trained],
        ["unknown", "inactive", "untrained"],
        "hours",
    )
    off = rows.assign(reason=reason, name=st["name"], active_from=st["active_from"], active_to=st["active_to"])
    off = off.loc[bad]
    first, n_rows, n_ops = _first_per_case(off)
    c = _case_cols(log, first.index.to_numpy())
    op = text(first["operator_id"])
    who = "操作人" + op + np.where(first["name"].notna().to_numpy(), "（" + text(first["name"]) + "）", "")
    when = "于" + fmt_time(first["event_time"]) + "办理" + _activity_zh(first["activity"]) + "环节"
    period = text(fmt_day(first["active_from"]), "不限") + "至" + text(fmt_day(first["active_to"]), "今")
    r = first["reason"].to_numpy()
    what = np.select(
        [r == "unknown", r == "inactive", r == "untrained"],
        ["不在人员名册中", "不在在岗期间（" + period + "）", "名册记载未经培训"],
        f"年度培训学时不足{p.min_training_hours or 0:g}学时",
    )
    more = np.where(n_rows.to_numpy() > 1, "；本案件共" + fmt_int(n_rows) + "条此类记录", "")
    return findings(
        key=c["case_id"],
        case_id=c["case_id"],
        office_code=c["office_code"],
        unit_id=c.get("unit_id"),
        operator_id=op,
        event_time=first["event_time"],
        message=who + when + "，但" + what + more + "，请核实人员身份与上岗资格",
        evidence={
            "reason": r,
            "activity": text(first["activity"]),
            "active_from": fmt_day(first["active_from"]).to_numpy(),
            "active_to": fmt_day(first["active_to"]).to_numpy(),
            "rows": n_rows.to_numpy(),
            "operators": n_ops.to_numpy(),
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

    The registrar flag at the time of the register row is that of the
    operator's roster rows in effect on that day (any of them true = a
    registrar), or, if none is in effect, of all the operator's rows (being
    outside the active dates is SD002's finding). Only an explicit false
    fires: a blank registrar cell is "not recorded". Operators missing from the
    roster are SD002's finding, not this rule's; blank operators are not
    checked. One finding per case, for its first such register row.
    """
    rows = _operator_rows(log)
    if rows.empty:
        return empty_findings()
    st = _roster_status(log, roster)
    bad = (
        (rows["activity"] == "register").to_numpy()
        & st["known"].to_numpy(dtype=bool)
        & st["non_registrar"].to_numpy(dtype=bool)
    )
    if not bad.any():
        return empty_findings()
    off = rows.assign(name=st["name"]).loc[bad]
    first, n_rows, _ = _first_per_case(off)
    c = _case_cols(log, first.index.to_numpy())
    op = text(first["operator_id"])
    who = "登簿人" + op + np.where(first["name"].notna().to_numpy(), "（" + text(first["name"]) + "）", "")
    return findings(
        key=c["case_id"],
        case_id=c["case_id"],
        office_code=c["office_code"],
        unit_id=c.get("unit_id"),
        operator_id=op,
        event_time=first["event_time"],
        message=who + "不是登记官，却于" + fmt_time(first["event_time"]) + "登簿，请核查登簿权限",
        evidence={"registrar": False, "register_rows": n_rows.to_numpy()},
    )


# --- SD004 --------------------------------------------------------------------------------


class RotationParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rotation_years: int = Field(5, ge=1, description="a post held longer than this many years is overdue for rotation")
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
    scope="global",
    example="""
    as-of 2026-09-30; roster: 340102-D1 post_since 2021-09-29  ->  SD004 340102:340102-D1
    post_since 2021-09-30 (exactly 5 years)  ->  no finding
    """,
)
def overdue_rotation(log: EventLog, p: RotationParams, roster: pd.DataFrame) -> pd.DataFrame:
    """关键岗位定期轮岗交流：同一岗位任职超过轮岗年限（默认5年）即提醒。

    Looks at the roster only, as of the scan's as-of day: staff in effect on
    that day (active_from <= as-of <= active_to, blank = open) with a
    post_since such that post_since + rotation_years (calendar years) is
    before the as-of day. Rows without post_since are not evaluated. One
    finding per (office_code, operator_id) of the roster — key
    ``office:operator`` — for the earliest post_since; event_time = as-of.
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
    who = op + np.where(r["name"].notna().to_numpy(), "（" + text(r["name"]) + "）", "")
    post = np.where(r["post"].notna().to_numpy(), text(r["post"]) + "岗", "本岗")
    return findings(
        key=office + ":" + op,
        office_code=r["_office"].where(r["_office"] != "", None),
        operator_id=op,
        event_time=day,
        message=who
        + "自"
        + fmt_day(r["post_since"])
        + "起在"
        + post
        + "任职已"
        + years.astype(str).reset_index(drop=True)
        + "年，超过"
        + str(p.rotation_years)
        + "年轮岗期限（"
        + fmt_day(r["due"])
        + "到期），请安排轮岗交流",
        evidence={
            "post": text(r["post"]),
            "post_since": fmt_day(r["post_since"]).to_numpy(),
            "rotation_due": fmt_day(r["due"]).to_numpy(),
            "years_in_post": years.to_numpy(),
            "rotation_years": p.rotation_years,
            "as_of": day.strftime("%Y-%m-%d"),
        },
    )
