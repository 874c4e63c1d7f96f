"""Canonical columns, enumerations and their Chinese labels (spec/input.md).

Everything the loaders, the rules and the writers agree on lives here, as data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

Kind = Literal["int", "str", "enum", "timestamp", "bool", "date", "decimal", "list"]


@dataclass(frozen=True)
class Column:
    name: str  # canonical English name
    zh: str  # Chinese header of the built-in ``zh`` profile
    kind: Kind
    required: bool = False
    enum: str | None = None  # name of the enumeration in ENUMS for enum/list kinds
    case_attribute: bool = False  # repeated on rows; first non-empty value per case wins


# The 26 columns of the export, in the order of spec/input.md (``step``, issue 15, with the event columns).
COLUMNS: tuple[Column, ...] = (
    Column("event_seq", "日志序号", "int"),
    Column("case_id", "业务号", "str", required=True),
    Column("office_code", "登记机构代码", "str", required=True),
    Column("activity", "环节", "enum", required=True, enum="activity"),
    Column("event_time", "操作时间", "timestamp", required=True),
    Column("operator_id", "操作人", "str"),
    Column("queue_id", "队列", "str"),
    Column("window_id", "窗口号", "str"),
    Column("priority", "优先办理", "bool", case_attribute=True),
    Column("priority_reason", "优先原因", "str", case_attribute=True),
    Column("suspend_reason", "中止原因", "str"),
    Column("query_basis", "查询依据", "str"),
    Column("step", "节点名称", "str"),
    Column("business_type", "业务类型", "enum", enum="business_type", case_attribute=True),
    Column("unit_id", "不动产单元号", "str", case_attribute=True),
    Column("land_nature", "土地性质", "enum", enum="land_nature", case_attribute=True),
    Column("use_before", "原用途", "enum", enum="use", case_attribute=True),
    Column("use_after", "用途", "enum", enum="use", case_attribute=True),
    Column("change_kind", "变更事项", "list", enum="change_kind", case_attribute=True),
    Column("approval_no", "批准文号", "str", case_attribute=True),
    Column("approval_date", "批准日期", "date", case_attribute=True),
    Column("mortgagee", "抵押权人", "str", case_attribute=True),
    Column("mortgagee_type", "抵押权人类型", "enum", enum="mortgagee_type", case_attribute=True),
    Column("mortgage_amount", "抵押金额", "decimal", case_attribute=True),
    Column("assessed_value", "评估价值", "decimal", case_attribute=True),
    Column("fee_charged", "实收登记费", "decimal", case_attribute=True),
)

BY_NAME: dict[str, Column] = {c.name: c for c in COLUMNS}
CANONICAL: tuple[str, ...] = tuple(c.name for c in COLUMNS)
REQUIRED: tuple[str, ...] = tuple(c.name for c in COLUMNS if c.required)
CASE_ATTRIBUTES: tuple[str, ...] = tuple(c.name for c in COLUMNS if c.case_attribute)
ZH_HEADERS: dict[str, str] = {c.zh: c.name for c in COLUMNS}

# Enumerations: canonical code -> Chinese label.
ACTIVITIES: dict[str, str] = {
    "book": "预约",
    "ticket": "取号",
    "call": "叫号",
    "accept": "受理",
    "review": "审核",
    "register": "登簿",
    "certify": "缮证",
    "issue": "发证",
    "charge": "收费",
    "suspend": "中止",
    "resume": "恢复",
    "reject": "不予登记",
    "withdraw": "撤回",
    "complete": "办结",
    "query": "查询",
    "archive": "归档",
}
BUSINESS_TYPES: dict[str, str] = {
    "first": "首次登记",
    "transfer": "转移登记",
    "change": "变更登记",
    "cancel": "注销登记",
    "correction": "更正登记",
    "objection": "异议登记",
    "objection_cancel": "注销异议登记",
    "prenotice": "预告登记",
    "seal": "查封登记",
    "unseal": "解封登记",
    "mortgage": "抵押权登记",
    "mortgage_cancel": "抵押权注销登记",
    "query": "查询",
}
USES: dict[str, str] = {
    "residential": "住宅",
    "commercial": "商服",
    "industrial": "工业",
    "office": "办公",
    "education": "教育",
    "medical": "医疗卫生",
    "elderly_care": "养老",
    "homestead": "宅基地",
    "public": "公共设施",
    "other": "其他",
}
LAND_NATURES: dict[str, str] = {"state": "国有", "collective": "集体"}
MORTGAGEE_TYPES: dict[str, str] = {
    "bank": "银行",
    "financial": "其他金融机构",
    "company": "非金融企业",
    "individual": "自然人",
}
CHANGE_KINDS: dict[str, str] = {"use_change": "用途变更", "split": "分割", "merge": "合并"}
# Review steps (``step``, 节点名称): the three SD005 compares, code -> Chinese label. Not an enumeration:
# any other step name is kept as written (trimmed); STEP_SPELLINGS are the names normalised to a code.
STEPS: dict[str, str] = {"first_review": "初审", "second_review": "复审", "approve": "核定"}
STEP_SPELLINGS: dict[str, str] = {
    "初审": "first_review",
    "复审": "second_review",
    "核定": "approve",
    "审批": "approve",
    "审定": "approve",
}

ENUMS: dict[str, dict[str, str]] = {
    "activity": ACTIVITIES,
    "business_type": BUSINESS_TYPES,
    "use": USES,
    "land_nature": LAND_NATURES,
    "mortgagee_type": MORTGAGEE_TYPES,
    "change_kind": CHANGE_KINDS,
}

TRUE_VALUES = frozenset({"true", "1", "是", "y", "yes", "t"})
FALSE_VALUES = frozenset({"false", "0", "否", "n", "no", "f"})
MISSING_VALUES = frozenset({"", "null", "none", "nan", "nat"})

SEVERITIES: tuple[str, ...] = ("info", "low", "medium", "high", "critical")
SEVERITY_ZH: dict[str, str] = {
    "info": "提示",
    "low": "低",
    "medium": "中",
    "high": "高",
    "critical": "严重",
}
CATEGORIES: tuple[str, ...] = ("作风", "业务", "廉政", "数据")

# Findings table columns, in the order of spec/output.md.
FINDING_COLUMNS: tuple[str, ...] = (
    "finding_id",
    "rule_id",
    "title",
    "severity",
    "category",
    "basis",
    "office_code",
    "case_id",
    "unit_id",
    "operator_id",
    "event_time",
    "message",
    "evidence",
    "status",
)


# Findings columns as people read them (the XLSX headers); the table's own names stay canonical.
FINDING_HEADERS_ZH: dict[str, str] = {
    "finding_id": "问题编号",
    "rule_id": "规则编号",
    "title": "问题名称",
    "severity": "级别",
    "category": "类别",
    "basis": "依据（清单条目）",
    **{c: BY_NAME[c].zh for c in ("office_code", "case_id", "unit_id", "operator_id")},
    "event_time": "发生时间",
    "message": "问题描述",
    "evidence": "证据",
    "status": "台账状态",
}


def enum_lookup(enum: str) -> dict[str, str]:
    """Accepted spelling (code, Chinese label, lower-cased code) -> canonical code."""
    table = ENUMS[enum]
    out: dict[str, str] = {}
    for code, zh in table.items():
        out[code] = code
        out[code.lower()] = code
        out[zh] = code
    return out


def step_code(name: str) -> str:
    """A review step name (节点名称) as regcheck keeps it: trimmed, and 初审 -> ``first_review``, 复审 ->
    ``second_review``, 核定/审批/审定 -> ``approve``; any other name as written (spec/sources.md §4).
    Apply it to distinct values (a categorical's categories), not per row."""
    trimmed = name.strip()
    return STEP_SPELLINGS.get(trimmed, trimmed)


def column_label(name: str) -> str:
    """``event_time (操作时间)`` — how messages name a column for people."""
    col = BY_NAME.get(name)
    return f"{name} ({col.zh})" if col else name


# --- Side tables (spec/input.md, "Optional side inputs") ----------------------------------
# ``required`` here means the header must be present; which cells may be blank is the
# business of the row models below. Loaded by regcheck/sideinputs.py.

ROSTER_COLUMNS: tuple[Column, ...] = (
    Column("operator_id", "人员编号", "str", required=True),
    Column("name", "姓名", "str"),
    Column("office_code", "登记机构代码", "str"),
    Column("post", "岗位", "str"),
    Column("registrar", "登记官", "bool", required=True),
    Column("trained", "已培训", "bool", required=True),
    Column("training_hours", "年度学时", "decimal"),
    Column("active_from", "入岗日期", "date"),
    Column("active_to", "离岗日期", "date"),
    Column("post_since", "本岗起始日期", "date"),
)
APPROVAL_COLUMNS: tuple[Column, ...] = (
    Column("approval_no", "批准文号", "str", required=True),
    Column("issuer", "批准机关", "str"),
    Column("approval_date", "批准日期", "date"),
    Column("parcel_code", "宗地代码", "str"),
)


class RosterEntry(BaseModel):
    """One staff member (or one period of a staff member) in the roster (``--roster``).

    An operator may have several rows (e.g. a move between offices): each row is
    one period ``active_from``..``active_to`` (inclusive days; blank = open-ended).
    A blank ``trained`` cell means "not trained" (training before taking a post
    must be on record); a blank ``registrar`` cell is "not recorded": only an
    explicit false makes a register row SD003's finding.
    """

    model_config = ConfigDict(extra="forbid")

    operator_id: str = Field(min_length=1, description="人员编号 — the operator_id the log carries")
    name: str | None = Field(None, description="姓名")
    office_code: str | None = Field(None, description="登记机构代码")
    post: str | None = Field(None, description="岗位")
    registrar: bool | None = Field(None, description="登记官: appointed to enter cases in the register (登簿)")
    trained: bool = Field(False, description="已培训: passed the training required before taking a post")
    training_hours: float | None = Field(None, ge=0, description="年度学时: training hours this year")
    active_from: dt.date | None = Field(None, description="入岗日期: first day in the post (blank = always)")
    active_to: dt.date | None = Field(None, description="离岗日期: last day in the post (blank = still active)")
    post_since: dt.date | None = Field(None, description="本岗起始日期: since when the current post is held")

    @model_validator(mode="after")
    def _period(self) -> RosterEntry:
        if self.active_from and self.active_to and self.active_to < self.active_from:
            raise PydanticCustomError(
                "period",
                "active_to: {to} is before active_from {frm}",
                {"to": str(self.active_to), "frm": str(self.active_from)},
            )
        return self


class ApprovalEntry(BaseModel):
    """One approval document in the approval registry (``--approvals``)."""

    model_config = ConfigDict(extra="forbid")

    approval_no: str = Field(min_length=1, description="批准文号 (compared after trimming, NFKC and upper-casing)")
    issuer: str | None = Field(None, description="批准机关")
    approval_date: dt.date | None = Field(None, description="批准日期")
    parcel_code: str | None = Field(None, description="宗地代码: the 19-character parcel code the approval covers")
