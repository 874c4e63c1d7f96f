"""Fees (收费) — checklist items 5 and 13: the standard registration fee per case.

The fee table of 发改价格规〔2016〕2559号 is configuration (:class:`FeeParams`):
the default is rules.md's table, and local exemptions (小微企业, 保障性住房 …)
are added there, by business type or by case id. Both rules compare the
case's fee_charged (first non-empty value over its rows) with the same
standard, computed once per parameter set.
"""

from __future__ import annotations

from typing import Annotated, Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..errors import quote
from ..model import EventLog
from ..schema import BUSINESS_TYPES, USES, enum_lookup
from .base import case_categorical, case_findings, empty_findings, number, per_category, rule, template, text, zh_labels

MAX_FEE = 1_000_000  # yuan: a registration fee beyond this is a typo (1e308 and inf are config errors)
EPS = 1e-6  # fees are compared as decimals: 80.00 == 80, 80.01 != 80 (float noise aside)


def _codes(values: list[str], enum: str, what: str) -> list[str]:
    lookup = enum_lookup(enum)
    out = []
    for v in values:
        code = lookup.get(str(v).strip()) or lookup.get(str(v).strip().lower())
        if code is None:
            raise ValueError(f"{quote(v)} is not a {what} (codes: {', '.join(enum_lookup(enum).values())})")
        out.append(code)
    return out


class FeeTable(BaseModel):
    """The fee table (``[fees]`` in regcheck.toml, shared by FE001 and FE002).

    Business types, uses and change kinds may be codes or Chinese labels. Any
    other use (code or label) given as a key sets the fee of that use:
    ``commercial = 600`` or ``住宅 = 80``.
    """

    model_config = ConfigDict(extra="forbid")

    residential: float = number(80.0, ge=0, le=MAX_FEE, description="standard fee (yuan) when use_after is 住宅")
    homestead: float = number(0.0, ge=0, le=MAX_FEE, description="standard fee when use_after is 宅基地 (工本费 only)")
    other: float = number(550.0, ge=0, le=MAX_FEE, description="standard fee for any other or blank use_after (非住宅)")
    by_use: dict[str, Annotated[float, Field(ge=0, le=MAX_FEE, allow_inf_nan=False)]] = Field(
        default_factory=dict, description="fees of further uses, by use code or label"
    )
    free_types: list[str] = Field(
        default_factory=lambda: [
            "seal",
            "unseal",
            "cancel",
            "mortgage_cancel",
            "objection_cancel",
            "prenotice",
            "query",
        ],
        description="business types registered free of charge (standard 0)",
    )
    halved_types: list[str] = Field(
        default_factory=lambda: ["correction", "objection"], description="business types charged half the fee"
    )
    halved_change_kinds: list[str] = Field(
        default_factory=lambda: ["split", "merge"],
        description="a `change` case whose change_kind has one of these is charged half the fee",
    )
    exempt_types: list[str] = Field(
        default_factory=list, description="local exemptions: business types whose fee is waived (standard 0)"
    )
    exempt_case_ids: list[str] = Field(
        default_factory=list,
        description="local exemptions: cases whose fee is waived (standard 0), e.g. 保障性住房, 小微企业",
    )

    @model_validator(mode="before")
    @classmethod
    def _use_keys(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        lookup = enum_lookup("use")
        out: dict[str, Any] = {}
        by_use = dict(data.get("by_use") or {})
        for key, value in data.items():
            code = None if key in cls.model_fields else lookup.get(str(key).strip())
            if code in ("residential", "homestead"):
                out[code] = value
            elif code is not None:
                by_use[code] = value
            else:
                out[key] = value
        if by_use:
            out["by_use"] = by_use
        return out

    @field_validator("by_use")
    @classmethod
    def _uses(cls, v: dict[str, float]) -> dict[str, float]:
        if any(f < 0 for f in v.values()):
            raise ValueError("fees must not be negative")
        return dict(zip(_codes(list(v), "use", "use"), v.values(), strict=True))

    @field_validator("free_types", "halved_types", "exempt_types")
    @classmethod
    def _types(cls, v: list[str]) -> list[str]:
        return _codes(v, "business_type", "business type")

    @field_validator("halved_change_kinds")
    @classmethod
    def _kinds(cls, v: list[str]) -> list[str]:
        return _codes(v, "change_kind", "change kind")

    @field_validator("exempt_case_ids", mode="before")
    @classmethod
    def _ids(cls, v: Any) -> Any:
        return [str(s).strip() for s in v] if isinstance(v, list) else v

    def fee_by_use(self) -> dict[str, float]:
        return {"residential": self.residential, "homestead": self.homestead, **self.by_use}


class FeeParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    fees: FeeTable = Field(
        default_factory=FeeTable, description=f"the fee table ([fees] in regcheck.toml; each fee 0–{MAX_FEE:,} yuan)"
    )


def fee_table(log: EventLog, p: FeeParams) -> pd.DataFrame:
    """Cases with fee_charged and business_type: standard fee and why (index = case)."""
    return log.memo(f"fee:standard:{p.fees.model_dump_json()}", lambda: _fee_table(log, p.fees))


def _fee_table(log: EventLog, p: FeeTable) -> pd.DataFrame:
    c = log.cases
    bt = case_categorical(c, "business_type")
    idx = np.flatnonzero(c["fee_charged"].notna().to_numpy() & (bt.codes >= 0))
    bt = bt[idx]
    use = case_categorical(c, "use_after")[idx]
    # per category, then taken by code (the last entry for a missing value)
    by_use = p.fee_by_use()
    base = np.array([by_use.get(u, p.other) for u in use.categories] + [p.other], dtype="float64")[use.codes]

    def is_type(types: list[str]) -> np.ndarray:
        return per_category(bt, bt.categories.isin(types))

    halved_kind = np.zeros(len(idx), dtype=bool)
    for kind in p.halved_change_kinds:
        halved_kind |= c[f"ck_{kind}"].to_numpy(dtype=bool)[idx]
    halved = is_type(p.halved_types) | (is_type(["change"]) & halved_kind)
    free = is_type(p.free_types)
    exempt_case = np.zeros(log.n_cases, dtype=bool)
    if p.exempt_case_ids:
        pos = log.case_ids.get_indexer(p.exempt_case_ids)
        exempt_case[pos[pos >= 0]] = True
    exempt = is_type(p.exempt_types) | exempt_case[idx]
    standard = np.where(free | exempt, 0.0, np.where(halved, base / 2, base))
    return pd.DataFrame(
        {
            "business_type": bt,
            "use_after": use,
            "fee": c["fee_charged"].to_numpy(dtype="float64")[idx],
            "base": base,
            "halved": halved & ~(free | exempt),
            "free": free,
            "exempt": exempt & ~free,
            "standard": standard,
        },
        index=idx,
    )


def _standard_unknown(log: EventLog, t: pd.DataFrame) -> np.ndarray:
    """Fee table rows whose standard FE001 cannot tell on this source (sources.md §6, FE001's Exempt)."""
    unknown = np.zeros(len(t), dtype=bool)
    if "approval_facts" in log.source.lacks:  # no change_kind: a split or merge (halved) cannot be told
        unknown |= (t["business_type"] == "change").to_numpy(dtype=bool)
    if log.source.form != "log":  # use from FWYT codes: 其它 lumps uses with other standards (宅基地)
        use = t["use_after"]
        unknown |= (use.isna() | (use == "other")).to_numpy(dtype=bool)
    return unknown


def _charged_at(log: EventLog, f: pd.DataFrame) -> pd.Series:
    """When the findings on the fee table rows ``f`` are dated: the charge, else the acceptance, else
    the case's first activity."""
    c = log.cases.iloc[f.index.to_numpy()]
    t_first = c.filter(regex=r"^t_").drop(columns=["t_end"]).min(axis=1)
    return c["t_charge"].fillna(c["t_accept"]).fillna(t_first)


def _yuan(values: pd.Series | np.ndarray) -> pd.Series:
    """80.0 -> '80', 40.5 -> '40.5', 12.34 -> '12.34' (up to 4 decimals)."""
    s = pd.Series(np.asarray(values, dtype="float64")).round(4)
    return s.map("{:.4f}".format).str.rstrip("0").str.rstrip(".")


def _evidence(f: pd.DataFrame) -> dict:
    return {
        "fee_charged": np.round(f["fee"].to_numpy(dtype=float), 2),  # money: yuan to the fen, as written
        "standard": np.round(f["standard"].to_numpy(dtype=float), 2),
        "base_fee": np.round(f["base"].to_numpy(dtype=float), 2),
        "halved": f["halved"].to_numpy(),
        "free": f["free"].to_numpy(),
        "exempt": f["exempt"].to_numpy(),
        "business_type": text(f["business_type"]),
        "use_after": text(f["use_after"]),
    }


@rule(
    "FE001",
    "收费不符标准",
    "fee differs from standard",
    severity="medium",
    category="业务",
    basis=(5, 13),
    fires_on="case with fee_charged and business_type: standard > 0 and fee_charged ≠ standard "
    "(as decimals: 80.00 = 80)",
    params=FeeParams,
    columns=("fee_charged", "business_type", "use_after", "change_kind"),
    example="""
    transfer, use_after residential, fee_charged 550  ->  FE001 (standard 80)
    correction, residential, 40  ->  fine (80 halved);  change with split, commercial, 275  ->  fine
    """,
)
def fee_differs(log: EventLog, p: FeeParams) -> pd.DataFrame:
    """实收登记费应与收费标准一致（发改价格规〔2016〕2559号）：多收、少收均报。

    ## What it does
    按收费标准计算应收额：免费业务为0；其余按现用途（住宅80元，宅基地0元，其他或为空550元），更正、
    异议及含分割合并的变更减半，地方减免（配置）为0。标准大于0而实收不等（按小数比较，80.00 = 80），即报。
    Standard: free types 0; otherwise by use_after (住宅 80, 宅基地 0, other or blank 550), halved
    for 更正/异议 and for a `change` with split or merge; local exemptions (config) 0. Fires when
    the standard is above 0 and fee_charged differs from it (as decimals: 80.00 = 80).

    ## Why it matters
    收费标准须公示并严格执行（清单第5、13项，发改价格规〔2016〕2559号）；多收是乱收费，少收可能是人情减免或截留。
    Fees must be published and charged as set (checklist items 5 and 13); charging more is an
    illegal charge, charging less may be a favour or money kept aside.

    ## Exempt
    缺少实收金额或业务类型的案件不评估；标准为0却收费是FE002的发现。数据源没有变更事项（接入报文、标准表）时，
    变更登记不评估（分割、合并减半，数据源不说明是哪一种）；用途取自房屋用途代码（接入报文、标准表）时，
    用途为“其他”或为空的不评估（房屋用途“其它”包括宅基地等另有标准的用途）。
    Cases without fee_charged or business_type are not evaluated. A standard of 0 charged more is
    FE002's finding. On a source without change facts (access messages, standard tables: the
    ``approval_facts`` it lacks), `change` cases are not evaluated (a split or merge halves the
    fee, and the source does not say which); on a source whose use comes from the FWYT codes
    (form messages or tables), nor are cases whose use is `other` or missing (FWYT 其它 covers
    uses with other standards, such as 宅基地).

    ## Dated at
    收费时间，无则受理时间，再无则案件最早环节的时间。
    The charge time, else the acceptance, else the case's earliest activity.
    """
    t = fee_table(log, p)
    differs = (t["standard"] > 0).to_numpy() & (np.abs(t["fee"] - t["standard"]) > EPS).to_numpy()
    f = t.loc[differs & ~_standard_unknown(log, t)]
    if f.empty:
        return empty_findings()
    diff = (f["fee"] - f["standard"]).to_numpy()
    return case_findings(
        log,
        f.index,
        event_time=_charged_at(log, f),
        message=template(
            "{business}（{use}）收费标准{standard}元{halved}，实收{fee}元，{more}{diff}元，请核查收费",
            business=zh_labels(f["business_type"], BUSINESS_TYPES),
            use=zh_labels(f["use_after"], USES, "用途未填"),
            standard=_yuan(f["standard"]),
            halved=np.where(f["halved"].to_numpy(), "（减半）", ""),
            fee=_yuan(f["fee"]),
            more=np.where(diff > 0, "多收", "少收"),
            diff=_yuan(np.abs(diff)),
        ),
        evidence=_evidence(f),
    )


@rule(
    "FE002",
    "免费业务收费",
    "fee on a free service",
    severity="high",
    category="作风",
    basis=(13,),
    fires_on="case with fee_charged and business_type: standard = 0 and fee_charged > 0",
    params=FeeParams,
    columns=("fee_charged", "business_type", "use_after", "change_kind"),
    example="""
    mortgage_cancel charged 80  ->  FE002;  first registration of a homestead charged 10  ->  FE002
    """,
)
def fee_on_free_service(log: EventLog, p: FeeParams) -> pd.DataFrame:
    """免费业务（查封、注销、预告等）或宅基地、地方减免案件收取登记费，属违规收费。

    ## What it does
    与FE001同一标准；标准为0而实收大于0，即报。
    Same standard as FE001; fires when it is 0 and fee_charged is above 0.

    ## Why it matters
    查封、注销、预告等业务及宅基地、地方减免案件不收登记费，收了就是违规收费（清单第5、13项“六个严禁”）。
    Seals, cancellations, pre-notices and the like, homesteads and locally exempted cases pay no
    registration fee; charging one is an illegal charge (checklist items 5 and 13).

    ## Exempt
    实收为0、缺少实收金额或业务类型的案件不报；标准大于0的是FE001的范围。
    Cases charged 0, or without fee_charged or business_type; a standard above 0 is FE001's.

    ## Dated at
    收费时间，无则受理时间，再无则案件最早环节的时间。
    The charge time, else the acceptance, else the case's earliest activity.
    """
    t = fee_table(log, p)
    f = t.loc[(t["standard"] <= 0).to_numpy() & (t["fee"] > EPS).to_numpy()]
    if f.empty:
        return empty_findings()
    business = zh_labels(f["business_type"], BUSINESS_TYPES)
    use = zh_labels(f["use_after"], USES, "用途未填")
    why = np.where(
        f["free"].to_numpy(),
        template("{business}为免费业务", business=business),
        np.where(
            f["exempt"].to_numpy(),
            template("{business}属地方减免范围", business=business),
            template("{business}（{use}）只收工本费，不收登记费", business=business, use=use),
        ),
    )
    return case_findings(
        log,
        f.index,
        event_time=_charged_at(log, f),
        message=template("{why}，却实收登记费{fee}元，请核查并退还", why=why, fee=_yuan(f["fee"])),
        evidence=_evidence(f),
    )
