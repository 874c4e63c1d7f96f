"""Mortgage (抵押) — checklist item 12: mortgage registration by law, prohibited situations checked.

Every rule looks at registered ``mortgage`` cases at their t_register (first
``register`` row). The state of the unit at time t comes from the registered
cases on the same unit_id strictly before t, each counted at its own
t_register: seals and unseals (轮候查封 stack), objections and their
cancellations, earlier mortgages. That history is built once per log
(:func:`unit_history`) and queried with binary searches — O(n log n) overall,
no per-case loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from ..model import EventLog
from ..schema import LAND_NATURES, MORTGAGEE_TYPES, USES
from .base import (
    NoParams,
    case_categorical,
    case_findings,
    empty_findings,
    fmt_int,
    fmt_time,
    number,
    per_category,
    rule,
    template,
    text,
    zh_labels,
)

HISTORY_TYPES = ("seal", "unseal", "objection", "objection_cancel", "mortgage")

Use = Literal["residential", "commercial", "industrial", "office", "education", "medical", "elderly_care",
              "homestead", "public", "other"]  # fmt: skip
MortgageeType = Literal["bank", "financial", "company", "individual"]


# -- the unit history, built once --------------------------------------------------------------


@dataclass(frozen=True)
class UnitHistory:
    """Registered seal/unseal/objection/objection_cancel/mortgage cases per unit, sorted by (unit, t_register).

    Each registration is encoded as ``unit * stride + rank(t_register)`` where
    rank is the position of its time among the distinct registration times:
    one sorted int64 array per business type, so "how many of kind K on unit u
    before t" is two ``np.searchsorted`` calls for any number of queries.
    """

    unit_of: np.ndarray  # code in cases.unit_id (a categorical) -> unit in the history, -1 if none
    times: np.ndarray  # sorted distinct registration times, datetime64[ns]
    keys: dict[str, np.ndarray]  # business type -> sorted encoded (unit, time)
    at: dict[str, np.ndarray]  # business type -> t_register, aligned with keys
    case: dict[str, np.ndarray]  # business type -> case index, aligned with keys

    @property
    def stride(self) -> int:
        return len(self.times) + 1

    def unit_codes(self, codes: np.ndarray) -> np.ndarray:
        """Units in the history of unit_id codes of cases.unit_id (-1: missing or not in the history)."""
        return np.append(self.unit_of, -1)[codes]

    def _span(self, kind: str, unit: np.ndarray, t: np.ndarray, inclusive: bool) -> tuple[np.ndarray, np.ndarray]:
        """[start, stop) positions in ``keys[kind]`` of the unit's registrations before t (or at t if inclusive)."""
        rank = np.searchsorted(self.times, t, side="right" if inclusive else "left")
        base = unit.astype(np.int64) * self.stride
        keys = self.keys[kind]
        return np.searchsorted(keys, base, side="left"), np.searchsorted(keys, base + rank, side="left")

    def count(self, kind: str, unit: np.ndarray, t: np.ndarray, *, inclusive: bool = False) -> np.ndarray:
        """Registrations of ``kind`` on each unit strictly before t (``inclusive``: at or before t)."""
        start, stop = self._span(kind, unit, t, inclusive)
        return np.where(unit >= 0, stop - start, 0)

    def last_before(self, kind: str, unit: np.ndarray, t: np.ndarray) -> np.ndarray:
        """Position (in ``at[kind]``/``case[kind]``) of the unit's latest registration strictly before t; -1 if none."""
        start, stop = self._span(kind, unit, t, inclusive=False)
        return np.where((unit >= 0) & (stop > start), stop - 1, -1)

    def first_after(self, kind: str, unit: np.ndarray, t: np.ndarray) -> np.ndarray:
        """Position of the unit's earliest registration strictly after t; -1 if none."""
        _, stop = self._span(kind, unit, t, inclusive=True)
        end = np.searchsorted(self.keys[kind], (unit.astype(np.int64) + 1) * self.stride, side="left")
        return np.where((unit >= 0) & (stop < end), stop, -1)


def unit_history(log: EventLog) -> UnitHistory:
    """The unit history of the log (memoised)."""

    def build() -> UnitHistory:
        c = log.cases
        btype = case_categorical(c, "business_type")
        unit_id = case_categorical(c, "unit_id")
        kind_code = dict(zip(HISTORY_TYPES, btype.categories.get_indexer(list(HISTORY_TYPES)), strict=True))
        t = c["t_register"].to_numpy(dtype="datetime64[ns]")
        in_history = np.isin(btype.codes, [k for k in kind_code.values() if k >= 0])
        idx = np.flatnonzero(~np.isnat(t) & (unit_id.codes >= 0) & in_history)
        # units numbered in order of first appearance: case order, which keeps the searches of
        # registered_mortgages (in case order) close together in memory
        unit, first = pd.factorize(unit_id.codes[idx])
        unit_of = np.full(len(unit_id.categories), -1, dtype=np.int64)
        unit_of[first] = np.arange(len(first))
        times = np.sort(t[idx])
        times = times[np.append(True, times[1:] != times[:-1])[: len(times)]]  # distinct; faster than np.unique
        key = unit.astype(np.int64) * (len(times) + 1) + np.searchsorted(times, t[idx])
        kind_of = btype.codes[idx]
        keys, at, case = {}, {}, {}
        for kind, code in kind_code.items():  # five business types, not a loop over cases
            m = np.flatnonzero(kind_of == code) if code >= 0 else np.zeros(0, dtype=np.int64)
            order = m[np.argsort(key[m], kind="stable")]
            keys[kind] = key[order]
            at[kind] = t[idx[order]]
            case[kind] = idx[order]
        return UnitHistory(unit_of, times, keys, at, case)

    return log.memo("unit_history", build)


@dataclass(frozen=True)
class Mortgages:
    idx: np.ndarray  # case index of each registered mortgage case
    unit: np.ndarray  # unit in the history, -1 without unit_id
    t: np.ndarray  # t_register


def registered_mortgages(log: EventLog) -> Mortgages:
    def build() -> Mortgages:
        c = log.cases
        btype = case_categorical(c, "business_type")
        code = btype.categories.get_indexer(["mortgage"])[0]
        is_mortgage = btype.codes == code if code >= 0 else np.zeros(len(c), dtype=bool)
        idx = np.flatnonzero(is_mortgage & c["t_register"].notna().to_numpy())
        return Mortgages(
            idx=idx,
            unit=unit_history(log).unit_codes(case_categorical(c, "unit_id").codes[idx]),
            t=c["t_register"].to_numpy(dtype="datetime64[ns]")[idx],
        )

    return log.memo("registered_mortgages", build)


# -- helpers for findings ----------------------------------------------------------------------


def _values(values: pd.Categorical) -> np.ndarray:
    """The values as an object array, NaN where missing (a few rows: the findings)."""
    return np.asarray(values, dtype=object)


def _fmt_number(values: np.ndarray, decimals: int) -> pd.Series:
    """1300000.0 -> '1300000', 1000000.01 -> '1000000.01' (vectorised)."""
    s = pd.Series(np.char.mod(f"%.{decimals}f", np.asarray(values, dtype=float)))
    if decimals:
        s = s.str.rstrip("0").str.removesuffix(".")
    return s


def _case_ids(log: EventLog, pos: np.ndarray, cases: np.ndarray) -> np.ndarray:
    if not len(cases):
        return np.full(len(pos), None, dtype=object)
    ids = log.cases["case_id"].take(cases[np.maximum(pos, 0)]).to_numpy(dtype=object)
    return np.where(pos >= 0, ids, None)


def _times(pos: np.ndarray, at: np.ndarray) -> np.ndarray:
    if not len(at):
        return np.full(len(pos), np.datetime64("NaT"), "datetime64[ns]")
    return np.where(pos >= 0, at[np.maximum(pos, 0)], np.datetime64("NaT"))


_BASE_COLUMNS = ("business_type", "operator_id")


# -- rules -------------------------------------------------------------------------------------


@rule(
    "MG001",
    "查封期间抵押",
    "mortgage on sealed unit",
    severity="critical",
    category="业务",
    basis=(12,),
    fires_on="registered mortgage: count(seal) > count(unseal) registered on the unit strictly before its t_register",
    columns=_BASE_COLUMNS,
    grouping="unit",
    example="""
    seal registered 09-07, seal 09-08, unseal 09-09, mortgage registered 09-10 (2 > 1)  ->  MG001
    unseal registered at the mortgage's own second does not count yet  ->  MG001
    """,
)
def mortgage_on_sealed_unit(log: EventLog, p: NoParams) -> pd.DataFrame:
    """单元处于查封状态时办理了抵押登记（民法典第三百九十九条：依法被查封的财产不得抵押）。

    ## What it does
    抵押登簿时，同一单元此前已登簿的查封多于解封（轮候查封按次数累计），即报。
    A registered mortgage on a unit that was sealed at its t_register: more seal than unseal cases
    registered on the same unit_id strictly before it. Several courts may seal one unit in turn
    (轮候查封): the unit stays sealed while more seals than unseals were registered.

    ## Why it matters
    依法被查封的财产不得抵押（民法典第三百九十九条）；查封期间办理抵押是违法登记（清单第11、12项）。
    Sealed property may not be mortgaged (Civil Code art. 399); registering the mortgage anyway is
    an unlawful registration (checklist items 11 and 12).

    ## Exempt
    未登簿的抵押申请不报；与抵押同一秒登簿的查封、解封不计。
    Mortgage applications not registered; seals and unseals registered at the same second as the
    mortgage do not count.

    ## Dated at
    抵押登簿时间。
    The time the mortgage was registered (its t_register); the operator is who registered it.
    """
    h, m = unit_history(log), registered_mortgages(log)
    seals = h.count("seal", m.unit, m.t)
    unseals = h.count("unseal", m.unit, m.t)
    hit = seals > unseals
    if not hit.any():
        return empty_findings()
    unit, t = m.unit[hit], m.t[hit]
    last = h.last_before("seal", unit, t)
    last_case = _case_ids(log, last, h.case["seal"])
    last_time = _times(last, h.at["seal"])
    n_seal, n_unseal = seals[hit], unseals[hit]
    return case_findings(
        log,
        m.idx[hit],
        at="register",
        message=template(
            "抵押登簿时该单元已登记查封{seals}次、解封{unseals}次，仍处于查封状态（最近一次查封于{last}登簿，"
            "业务号{case}），查封期间不得办理抵押登记，请核查",
            seals=fmt_int(n_seal),
            unseals=fmt_int(n_unseal),
            last=fmt_time(last_time),
            case=last_case,
        ),
        evidence={
            "seals": n_seal,
            "unseals": n_unseal,
            "last_seal_case": last_case,
            "last_seal_time": last_time,
        },
    )


class CollateralParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    prohibited_uses: list[Use] = Field(
        default=["homestead", "education", "medical", "elderly_care"],
        description="用途 (use_after) that may never be mortgaged: 宅基地, 教育, 医疗卫生, 养老 (民法典第399条)",
    )
    collective_prohibited_uses: list[Use] = Field(
        default=["residential"],
        description="uses that may not be mortgaged on collective (集体) land",
    )


@rule(
    "MG002",
    "禁止抵押财产",
    "prohibited collateral",
    severity="critical",
    category="业务",
    basis=(12,),
    fires_on="registered mortgage: use_after ∈ {homestead, education, medical, elderly_care}, "
    "or land_nature = collective and use_after = residential",
    params=CollateralParams,
    columns=(*_BASE_COLUMNS, "use_after", "land_nature"),
    example="""
    mortgage on use_after homestead  ->  MG002
    mortgage on collective land, use_after residential  ->  MG002; collective commercial  ->  no finding
    """,
)
def prohibited_collateral(log: EventLog, p: CollateralParams) -> pd.DataFrame:
    """以依法禁止抵押的财产办理了抵押登记：宅基地、学校医院养老机构等公益设施、集体土地上的住宅。

    ## What it does
    已登簿的抵押，其现用途属于禁止抵押的用途（默认：宅基地、教育、医疗、养老），或集体土地上的住宅，即报。
    A registered mortgage whose use_after is a prohibited use (default homestead, education,
    medical, elderly_care), or whose land_nature is collective and use_after is residential.

    ## Why it matters
    民法典第三百九十九条规定宅基地、集体所有土地使用权（法律另有规定除外）及学校、医院、养老机构等公益设施不得抵押；
    登记机构应审查禁止抵押情形（清单第12项）。
    The Civil Code (art. 399) forbids mortgaging homestead land, collectively owned land use rights
    (unless a law allows it) and public-interest facilities such as schools, hospitals and elderly
    care; the office must check for these before registering (checklist item 12).

    ## Exempt
    未登簿的抵押申请、用途为空的案件不报；用途清单可在配置中调整。
    Mortgage applications not registered, and cases with a blank use_after; the lists of uses are
    parameters.

    ## Dated at
    抵押登簿时间。
    The time the mortgage was registered (its t_register); the operator is who registered it.
    """
    m = registered_mortgages(log)
    use = case_categorical(log.cases, "use_after")[m.idx]
    land = case_categorical(log.cases, "land_nature")[m.idx]
    banned = per_category(use, use.categories.isin(p.prohibited_uses))
    collective = per_category(land, land.categories == "collective") & per_category(
        use, use.categories.isin(p.collective_prohibited_uses)
    )
    hit = banned | collective
    if not hit.any():
        return empty_findings()
    use, land = _values(use[hit]), _values(land[hit])
    use_zh = zh_labels(use, USES)
    why = np.where(
        banned[hit],
        template("抵押财产用途为{use}，属依法不得抵押的财产", use=use_zh),
        template("抵押财产为集体土地上的{use}，集体土地上的{use}不得抵押", use=use_zh),
    )
    return case_findings(
        log,
        m.idx[hit],
        at="register",
        message=template("{why}（民法典第三百九十九条），请核查登簿依据", why=why),
        evidence={
            "use_after": use,
            "land_nature": land,
            "land_nature_zh": zh_labels(land, LAND_NATURES),
        },
    )


class ObjectionParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    objection_hours: int = number(
        360,
        ge=0,
        le=87_600,
        description="hours after its registration during which an objection blocks a mortgage (15 × 24, 民法典第220条)",
    )


@rule(
    "MG003",
    "异议期间抵押",
    "mortgage during objection",
    severity="high",
    category="业务",
    basis=(12,),
    fires_on="registered mortgage at t: an objection registered on the unit at t_o < t with t − t_o ≤ 15 × 24 hours "
    "and no objection_cancel registered in (t_o, t)",
    params=ObjectionParams,
    columns=_BASE_COLUMNS,
    grouping="unit",
    example="""
    objection registered 09-01 10:00, mortgage registered 09-16 10:00 (exactly 360 h)  ->  MG003
    mortgage at 09-16 11:00 (361 h)  ->  no finding; objection_cancel registered 09-03  ->  no finding
    """,
)
def mortgage_during_objection(log: EventLog, p: ObjectionParams) -> pd.DataFrame:
    """异议登记后15日内（未注销异议）办理了抵押登记：权属有争议的财产抵押存在风险。

    ## What it does
    抵押登簿时刻t，同一单元在t之前15×24小时内登簿了异议且其后到t之间没有注销异议，即报。
    A registered mortgage at t on a unit with an objection registered at t_o < t, t − t_o within
    objection_hours (15 × 24), and no objection_cancel registered in (t_o, t). It is enough to look
    at the latest objection registered strictly before t: if it is older than the window, so is
    every earlier one, and a cancellation after it is after every earlier one too.

    ## Why it matters
    异议登记期间权属有争议，此时抵押可能损害真正权利人，属于应审查的风险情形（清单第12项）。
    While an objection stands the ownership is disputed; a mortgage then may harm the true owner
    and is one of the situations the office must check (checklist item 12).

    ## Exempt
    异议已注销、异议早于15日窗口、未登簿的抵押不报；在t_o或t同一时刻登簿的注销不在开区间内，不算注销。
    Objections cancelled before the mortgage, objections older than the window, and unregistered
    mortgages. A cancellation registered at t_o itself or at t is not in the open interval (t_o, t),
    so it does not clear the objection.

    ## Dated at
    抵押登簿时间。
    The time the mortgage was registered (its t_register); the operator is who registered it.
    """
    h, m = unit_history(log), registered_mortgages(log)
    obj = h.last_before("objection", m.unit, m.t)
    t_o = _times(obj, h.at["objection"])
    cancel = h.last_before("objection_cancel", m.unit, m.t)
    t_c = _times(cancel, h.at["objection_cancel"])
    elapsed = m.t - t_o
    within = (obj >= 0) & (elapsed <= np.timedelta64(p.objection_hours, "h"))
    cancelled = (cancel >= 0) & (t_c > t_o)
    hit = within & ~cancelled
    if not hit.any():
        return empty_findings()
    hours = elapsed[hit] / np.timedelta64(1, "h")
    obj_case = _case_ids(log, obj[hit], h.case["objection"])
    return case_findings(
        log,
        m.idx[hit],
        at="register",
        message=template(
            "该单元于{objected}登记异议（业务号{case}），异议登记后{hours}小时（未超过{limit}小时）且未注销异议"
            "即办理抵押登簿，请核查异议期间办理抵押的依据",
            objected=fmt_time(t_o[hit]),
            case=obj_case,
            hours=_fmt_number(hours, 1),
            limit=p.objection_hours,
        ),
        evidence={
            "objection_case": obj_case,
            "objection_time": t_o[hit],
            "hours_elapsed": np.round(hours, 2),
            "objection_hours": p.objection_hours,
        },
    )


@rule(
    "MG004",
    "抵押金额超评估价",
    "amount above value",
    severity="medium",
    category="业务",
    basis=(12,),
    fires_on="registered mortgage: mortgage_amount > assessed_value, both > 0",
    columns=(*_BASE_COLUMNS, "mortgage_amount", "assessed_value"),
    facts=("assessed_value",),
    example="""
    mortgage_amount 1300000, assessed_value 1000000  ->  MG004; equal amounts  ->  no finding
    """,
)
def amount_above_value(log: EventLog, p: NoParams) -> pd.DataFrame:
    """抵押金额高于评估价值：超额抵押，可能虚增评估或违规融资。

    ## What it does
    已登簿的抵押，抵押金额大于评估价值（两者都大于0），即报。
    A registered mortgage whose mortgage_amount is above its assessed_value, both above 0.

    ## Why it matters
    超额抵押意味着担保不足，常见于虚增评估或违规融资；登记机构不得为违法融资办理登记（清单第12项）。
    A mortgage above the property's value is under-secured — a sign of an inflated valuation or
    of illegal financing, which the office must not register (checklist item 12).

    ## Exempt
    金额或评估价缺失或为0的案件不比较；金额等于评估价不报；未登簿的抵押不报。
    Missing or zero values are not compared; an amount equal to the value is fine; unregistered
    mortgages are not checked.

    ## Dated at
    抵押登簿时间。
    The time the mortgage was registered (its t_register); the operator is who registered it.
    """
    m = registered_mortgages(log)
    c = log.cases
    if "mortgage_amount" not in c or "assessed_value" not in c:
        return empty_findings()
    amount = c["mortgage_amount"].to_numpy(dtype=float)[m.idx]
    value = c["assessed_value"].to_numpy(dtype=float)[m.idx]
    with np.errstate(invalid="ignore"):
        hit = (amount > 0) & (value > 0) & (amount > value)
    if not hit.any():
        return empty_findings()
    a, v = amount[hit], value[hit]
    return case_findings(
        log,
        m.idx[hit],
        at="register",
        message=template(
            "抵押金额{amount}元高于评估价值{value}元（高出{excess}元），请核查评估报告及抵押合同，排查超额抵押",
            amount=_fmt_number(a, 2),
            value=_fmt_number(v, 2),
            excess=_fmt_number(a - v, 2),
        ),
        evidence={
            "mortgage_amount": np.round(a, 2),  # money: yuan to the fen, as written
            "assessed_value": np.round(v, 2),
            "excess": np.round(a - v, 2),
            "ratio": np.round(a / v, 4),
        },
    )


class RapidMortgageParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    window_days: int = number(30, ge=1, le=3660, description="look-back window (t − window_days × 24 h, t]")
    min_mortgages: int = number(
        3, ge=1, le=10_000, description="registered mortgages on the unit in the window (the case included) that fire"
    )


@rule(
    "MG005",
    "短期频繁抵押",
    "rapid re-mortgage",
    severity="medium",
    category="廉政",
    basis=(12,),
    fires_on="registered mortgage at t: ≥ 3 registered mortgages on the unit with t_register in (t − 30 days, t], "
    "the case itself and others registered at t included",
    params=RapidMortgageParams,
    columns=_BASE_COLUMNS,
    grouping="unit",
    example="""
    mortgages on one unit registered 09-01, 09-11, 09-21  ->  MG005 on the 09-21 one
    09-08 10:00, 09-22, 10-08 10:00 (first exactly 30 days before)  ->  no finding
    """,
)
def rapid_remortgage(log: EventLog, p: RapidMortgageParams) -> pd.DataFrame:
    """同一单元短期内多次抵押登记：可能存在违规融资、套取贷款。

    ## What it does
    抵押登簿时刻t，同一单元在(t − 30日, t]内登簿的抵押（含本案件）达到3件，即报。
    A registered mortgage at t on a unit with at least min_mortgages (3) registered mortgages whose
    t_register is in (t − window_days × 24 h, t], the case itself and others registered at t
    included.

    ## Why it matters
    同一单元短期反复抵押，可能是违规融资、套取贷款，是抵押登记应审查的风险信号（清单第12项）。
    Repeated mortgages on one unit within weeks point to illegal financing or loan fraud, a risk
    the office must look at (checklist item 12).

    ## Exempt
    窗口左端开区间：恰好30日前登簿的抵押不计；未登簿的抵押不计。
    The window is open on the left: a mortgage registered exactly window_days before does not
    count; unregistered mortgages do not count. Mortgages registered at the same second as the
    case count (each of them sees the others).

    ## Dated at
    抵押登簿时间。
    The time the mortgage was registered (its t_register); the operator is who registered it.
    """
    h, m = unit_history(log), registered_mortgages(log)
    start = m.t - np.timedelta64(p.window_days, "D")
    n = h.count("mortgage", m.unit, m.t, inclusive=True) - h.count("mortgage", m.unit, start, inclusive=True)
    hit = (m.unit >= 0) & (n >= p.min_mortgages)
    if not hit.any():
        return empty_findings()
    first = h.first_after("mortgage", m.unit[hit], start[hit])
    first_time = _times(first, h.at["mortgage"])
    first_case = _case_ids(log, first, h.case["mortgage"])
    return case_findings(
        log,
        m.idx[hit],
        at="register",
        message=template(
            "该单元{days}天内（{start}之后至本次登簿）已登记抵押{n}次（含本次，最早一次{first}，业务号{case}），"
            "请核查是否存在违规融资",
            days=p.window_days,
            start=fmt_time(start[hit]),
            n=fmt_int(n[hit]),
            first=fmt_time(first_time),
            case=first_case,
        ),
        evidence={
            "mortgages_in_window": n[hit],
            "window_days": p.window_days,
            "window_start": start[hit],
            "first_in_window_case": first_case,
            "first_in_window_time": first_time,
        },
    )


class MortgageeParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    non_financial_types: list[MortgageeType] = Field(
        default=["company", "individual"],
        description="mortgagee_type values flagged as non-financial mortgagees (非金融企业, 自然人)",
    )


@rule(
    "MG006",
    "非金融机构抵押权人",
    "non-financial mortgagee",
    severity="low",
    category="廉政",
    basis=(12,),
    fires_on="registered mortgage: mortgagee_type ∈ {company, individual}",
    params=MortgageeParams,
    columns=(*_BASE_COLUMNS, "mortgagee", "mortgagee_type"),
    example="""
    mortgagee 张某, mortgagee_type individual  ->  MG006; bank or financial  ->  no finding
    """,
)
def non_financial_mortgagee(log: EventLog, p: MortgageeParams) -> pd.DataFrame:
    """抵押权人为非金融企业或自然人：不违法，但是非法集资、套路贷的风险信号，需复核。

    ## What it does
    已登簿的抵押，抵押权人类型为非金融企业或自然人（可配置），即报（低级别）。
    A registered mortgage whose mortgagee_type is one of non_financial_types (default company,
    individual).

    ## Why it matters
    向非金融机构或个人抵押本身不违法，但常与非法集资、套路贷相关；登记机构不得为违法融资办理登记，
    应复核（清单第12项）。
    Mortgaging to a company or a private person is lawful, but it is where illegal fund-raising
    and predatory lending (套路贷) show up; the office must not register illegal financing and
    should review these (checklist item 12).

    ## Exempt
    抵押权人类型为空或为金融机构的案件不报；未登簿的抵押不报。
    Mortgagees of a financial type or of blank type; unregistered mortgages.

    ## Dated at
    抵押登簿时间。
    The time the mortgage was registered (its t_register); the operator is who registered it.
    """
    m = registered_mortgages(log)
    c = log.cases
    if "mortgagee_type" not in c:
        return empty_findings()
    kind = case_categorical(c, "mortgagee_type")[m.idx]
    hit = per_category(kind, kind.categories.isin(p.non_financial_types))
    if not hit.any():
        return empty_findings()
    kind = _values(kind[hit])
    who = text(c["mortgagee"].take(m.idx[hit]), "（未录入）") if "mortgagee" in c else "（未录入）"
    return case_findings(
        log,
        m.idx[hit],
        at="register",
        message=template(
            "抵押权人{who}为{kind}（非金融机构），请复核借款合同，排查非法集资、套路贷等违规融资",
            who=who,
            kind=zh_labels(kind, MORTGAGEE_TYPES),
        ),
        evidence={"mortgagee": who, "mortgagee_type": kind},
    )
