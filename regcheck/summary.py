"""The run summary: counts per rule and office, ledger status, on-time rate, zero-report.

One :class:`Summary` feeds the terminal (grouped like ruff's ``--statistics``),
the JSON summary for schedulers (``--summary-format json``), the XLSX summary
sheet and the HTML report, so they always agree.

On-time rate (按时办结率) of an office = share of its timed, ended cases whose
elapsed working days are within the limit of their business type, using the time
limits in force (TL001's parameters under the config). With ``--period``, only cases
that ended in that month count.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel
from rich.console import Console
from rich.table import Table

from . import __version__
from .baseline import STATUS_ZH, STATUSES
from .config import SuppressionReport
from .loaders.values import as_text
from .model import EventLog
from .period import Period, cases_in_period, incomplete_cases
from .rules import REGISTRY, Rule
from .rules.integrity import message_ids_not_counted
from .rules.timelimit import DEFAULT_LIMITS, timed_cases
from .schema import BUSINESS_TYPES, SEVERITIES, SEVERITY_ZH
from .terminal import plain, safe

TOP_OVERDUE = 20
TOP_REASONS = 5


def top_reasons(rejects: pd.DataFrame, n: int = TOP_REASONS) -> list[dict[str, Any]]:
    """The most frequent reject reasons: column, reason and how many rejects lines give it."""
    if rejects.empty:
        return []
    counts = rejects.groupby(["column", "reason"]).size().sort_values(ascending=False, kind="stable")
    return [{"column": str(c), "reason": str(r), "rows": int(k)} for (c, r), k in counts.head(n).items()]


@dataclass
class Intake:
    """What went in (README "每月检查"): the config used, the rules it ignores, blank rows, reject reasons."""

    config: str | None = None  # the regcheck.toml used; None = none (defaults)
    ignored: list[str] = field(default_factory=list)  # rule ids or prefixes the config ignores
    rows_blank: int = 0  # rows whose every cell is empty: neither used nor rejected
    reasons: list[dict[str, Any]] = field(default_factory=list)  # top_reasons() of the rejects

    def to_json(self) -> dict[str, Any]:
        return {
            "config": self.config,
            "ignored_by_config": self.ignored,
            "rows_blank": self.rows_blank,
            "reject_reasons": self.reasons,
        }

    def lines(self, rows_rejected: int, rejects_path: str | None) -> list[str]:
        config = (
            f"配置 config: {self.config}" if self.config else "配置 config: 无 no regcheck.toml（默认参数 defaults）"
        )
        if self.ignored:
            config += f" · 不检查 ignores {', '.join(self.ignored)}"
        out = [config]
        if self.rows_blank:
            out.append(f"空行 blank rows: {self.rows_blank:,}（整行为空，未计入检查 / every cell empty, not checked）")
        if rows_rejected:
            where = (
                f"见 listed in {rejects_path}"
                if rejects_path
                else "用 --rejects FILE 列出 list them with --rejects FILE"
            )
            out.append(f"拒收 rejected {rows_rejected:,} 行 rows — {where}; 主要原因 top reasons:")
            out += [f"  {r['rows']:>8,}  {r['column'] or '—'}: {r['reason']}" for r in self.reasons]
        return out


# Column headers of the XLSX summary sheet (Summary.sheet); the rule columns keep their ids.
SHEET_HEADERS_ZH: dict[str, str] = {
    "office_code": "登记机构代码",
    "findings": "问题数",
    **STATUS_ZH,
    "timed": "计时案件",
    "on_time": "按时办结",
    "on_time_rate": "按时办结率",
    "incomplete": "未计时",
}


def limits_in_force(params: Mapping[str, BaseModel] | None = None) -> dict[str, int | None]:
    """The time-limit table of the timed rules (TL001 first) under the config, else rules.md's defaults."""
    params = params or {}
    holders = [rid for rid in sorted(REGISTRY) if "limits" in REGISTRY[rid].params.model_fields]
    for rid in sorted(holders, key=lambda r: (r != "TL001", r)):
        p = params.get(rid) or REGISTRY[rid].params()
        return {str(getattr(k, "value", k)): v for k, v in dict(p.limits).items()}
    return dict(DEFAULT_LIMITS)


def timeliness(log: EventLog, limits: Mapping[str, int | None], period: Period | None = None) -> pd.DataFrame:
    """Timed cases with ``over`` = elapsed − limit; with a period: ended in the month, or still open."""
    t = timed_cases(log, dict(limits))
    out = pd.DataFrame(
        {
            "case_id": as_text(t["case_id"]).array,
            "office_code": as_text(t["office_code"]).array,
            "business_type": as_text(t["business_type"]).array,
            "t_accept": t["t_accept"].to_numpy(),
            "end_day": t["end_day"].to_numpy(),
            "open": t["open"].to_numpy(dtype=bool),
            "elapsed": t["elapsed"].to_numpy(dtype=np.int64),
            "limit": t["limit"].to_numpy(dtype=np.int64),
            "suspended": t["suspended"].to_numpy(dtype=np.int64),
            "deadline": t["deadline"].to_numpy(),
        }
    )
    out["over"] = out["elapsed"] - out["limit"]
    if period is not None:
        end = pd.to_datetime(out["end_day"])
        ended_in = ~out["open"] & (end >= period.start) & (end < period.end)
        out = out.loc[(ended_in | out["open"]).to_numpy()]
    return out.reset_index(drop=True)


@dataclass(frozen=True)
class Timeliness:
    """What the summary reads of the timed cases (:func:`timeliness`): the ended ones counted per office, time
    limit and days over the limit, and the overdue ones (over > 0, ended or still open) row by row.

    A digest, not a row per case: a partitioned scan keeps one per office and adds them up (:meth:`merged`),
    so what it holds until the end grows with the offices and the overdue cases, not with every case."""

    ended: pd.DataFrame  # office_code, limit, over, cases: the ended timed cases counted
    overdue_rows: pd.DataFrame  # the timeliness() rows with over > 0

    @classmethod
    def of(cls, timing: pd.DataFrame) -> Timeliness:
        """The digest of :func:`timeliness`'s rows."""
        ended = timing.loc[~timing["open"].to_numpy(), list(_ENDED_KEYS)]
        counts = ended.groupby(list(_ENDED_KEYS), sort=True, dropna=False).size().rename("cases").reset_index()
        return cls(counts, timing.loc[(timing["over"] > 0).to_numpy()].reset_index(drop=True))

    @classmethod
    def merged(cls, parts: list[Timeliness]) -> Timeliness:
        """The digest of the union of the parts' cases (each case in one part)."""
        if len(parts) == 1:
            return parts[0]
        ended = pd.concat([p.ended for p in parts], ignore_index=True)
        counts = ended.groupby(list(_ENDED_KEYS), sort=True, dropna=False)["cases"].sum().reset_index()
        return cls(counts, pd.concat([p.overdue_rows for p in parts], ignore_index=True))

    def per_office(self) -> pd.DataFrame:
        """Per office_code: ``timed`` (ended timed cases) and ``on_time`` (of those, over ≤ 0)."""
        e = self.ended
        on_time = e["cases"].where((e["over"] <= 0).to_numpy(), 0)
        out = pd.DataFrame({"timed": e["cases"], "on_time": on_time}).groupby(e["office_code"].to_numpy()).sum()
        return out.astype(np.int64)

    def totals(self) -> tuple[int, int]:
        """(on time, timed) over every office."""
        e = self.ended
        return int(e.loc[(e["over"] <= 0).to_numpy(), "cases"].sum()), int(e["cases"].sum())

    def overdue(self, n: int) -> pd.DataFrame:
        """The ``n`` cases most over their limit (then by case_id)."""
        t = self.overdue_rows
        return t.sort_values(["over", "case_id"], ascending=[False, True], kind="stable").head(n).reset_index(drop=True)


_ENDED_KEYS = ("office_code", "limit", "over")


@dataclass
class Summary:
    findings: pd.DataFrame  # the reported rows (resolved ledger rows included)
    ran: list[Rule]
    offices: list[str]
    timing: Timeliness  # of timeliness()'s rows
    incomplete: pd.Series  # per office: cases whose history starts before the data
    rows_read: int = 0
    rows_rejected: int = 0
    rows_after_period: int = 0  # set aside: dated after as-of (the month's end with --period)
    cases: int = 0  # with --period: the cases with an event in the month
    as_of: pd.Timestamp | None = None
    period: Period | None = None
    baseline: bool = False
    skipped: list[tuple[Rule, str]] = field(default_factory=list)
    not_checkable: list[tuple[Rule, str]] = field(default_factory=list)  # 不适用：数据源无… (regcheck/facts.py)
    suppressions: SuppressionReport = field(default_factory=SuppressionReport)
    output: str | None = None
    rejects_path: str | None = None
    masked: bool = True  # personal data masked in the written files (False: --no-mask)
    intake: Intake = field(default_factory=Intake)  # what went in: config, ignored rules, blank rows, reasons
    files_read: list[str] = field(default_factory=list)  # the input files, in read order (folders expanded)
    message_ids_not_counted: int | None = None  # access messages: BizMsgIDs LG005 could not count; None: no heads

    # -- tables ---------------------------------------------------------------------------

    @property
    def current(self) -> pd.DataFrame:
        """Findings still standing (not the resolved ledger rows)."""
        f = self.findings
        if f.empty or not self.baseline:
            return f
        return f.loc[f["status"].to_numpy() != "resolved"]

    def by_rule(self) -> pd.DataFrame:
        """Every rule that ran, with its count; sorted like ruff --statistics (count, then id)."""
        f = self.current
        counts = f.groupby("rule_id").size() if len(f) else pd.Series(dtype=int)
        rows = [
            {
                "rule_id": r.id,
                "title": r.title,
                "severity": r.severity,
                "category": r.category,
                "count": int(counts.get(r.id, 0)),
            }
            for r in self.ran
        ]
        table = pd.DataFrame(rows, columns=["rule_id", "title", "severity", "category", "count"])
        return table.sort_values(["count", "rule_id"], ascending=[False, True], kind="stable").reset_index(drop=True)

    def matrix(self) -> pd.DataFrame:
        """Office × rule counts of the standing findings (all offices, all rules that ran)."""
        f = self.current
        rules = [r.id for r in self.ran]
        m = pd.crosstab(f["office_code"].fillna("").astype(str), f["rule_id"]) if len(f) else pd.DataFrame()
        index = sorted(set(self.offices) | set(m.index))
        return m.reindex(index=index, columns=rules, fill_value=0).fillna(0).astype(int)

    def by_office(self) -> pd.DataFrame:
        f = self.current
        index = sorted(set(self.offices) | set(f["office_code"].dropna().astype(str)) if len(f) else self.offices)
        out = pd.DataFrame(index=pd.Index(index, name="office_code"))
        sev = pd.crosstab(f["office_code"].fillna("").astype(str), f["severity"]) if len(f) else pd.DataFrame()
        out["findings"] = sev.sum(axis=1).reindex(index, fill_value=0).astype(int) if len(sev) else 0
        for s in reversed(SEVERITIES):
            out[s] = sev[s].reindex(index, fill_value=0).astype(int) if s in sev.columns else 0
        if self.baseline:
            f_all = self.findings
            st = pd.crosstab(f_all["office_code"].fillna("").astype(str), f_all["status"]) if len(f_all) else None
            for s in STATUSES:
                out[s] = st[s].reindex(index, fill_value=0).astype(int) if st is not None and s in st.columns else 0
        timed = self.timing.per_office()
        out["timed"] = timed["timed"].reindex(index, fill_value=0).astype(int)
        out["on_time"] = timed["on_time"].reindex(index, fill_value=0).astype(int)
        out["on_time_rate"] = (out["on_time"] / out["timed"].where(out["timed"] > 0)).round(4)
        out["incomplete"] = self.incomplete.reindex(index, fill_value=0).astype(int)
        return out.reset_index()

    def severity_counts(self) -> dict[str, int]:
        f = self.current
        counts = f["severity"].value_counts() if len(f) else pd.Series(dtype=int)
        return {s: int(counts.get(s, 0)) for s in reversed(SEVERITIES)}

    def status_totals(self) -> dict[str, int]:
        if not self.baseline or self.findings.empty:
            return {s: 0 for s in STATUSES} if self.baseline else {}
        counts = self.findings["status"].value_counts()
        return {s: int(counts.get(s, 0)) for s in STATUSES}

    def on_time_total(self) -> tuple[int, int]:
        return self.timing.totals()

    def overdue(self, n: int = TOP_OVERDUE) -> pd.DataFrame:
        return self.timing.overdue(n)

    def zero_offices(self) -> list[str]:
        bo = self.by_office()
        return bo.loc[bo["findings"] == 0, "office_code"].astype(str).tolist()

    def zero_rules(self) -> list[Rule]:
        br = self.by_rule()
        zero = set(br.loc[br["count"] == 0, "rule_id"])
        return [r for r in self.ran if r.id in zero]

    # -- output ---------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        on_time, timed = self.on_time_total()
        offices = []
        for row in self.by_office().to_dict(orient="records"):
            rate = row.pop("on_time_rate")
            entry = {
                "office_code": row["office_code"],
                "findings": row["findings"],
                "by_severity": {s: row[s] for s in reversed(SEVERITIES)},
                "timed_cases": row["timed"],
                "on_time": row["on_time"],
                "on_time_rate": None if pd.isna(rate) else float(rate),
                "incomplete_cases": row["incomplete"],
            }
            if self.baseline:
                entry["status"] = {s: row[s] for s in STATUSES}
            offices.append(entry)
        return {
            "regcheck": __version__,
            "as_of": self.as_of.strftime("%Y-%m-%d %H:%M:%S")
            if self.as_of is not None and pd.notna(self.as_of)
            else None,
            "period": self.period.label if self.period else None,
            "files_read": self.files_read,
            "rows_read": self.rows_read,
            "rows_rejected": self.rows_rejected,
            "rows_after_period": self.rows_after_period,
            "cases": self.cases,
            "offices": len(self.offices),
            "findings": len(self.current),
            "by_severity": self.severity_counts(),
            "status": self.status_totals() if self.baseline else None,
            "timed_cases": timed,
            "on_time": on_time,
            "on_time_rate": round(on_time / timed, 4) if timed else None,
            "incomplete_cases": int(self.incomplete.sum()),
            "by_rule": self.by_rule().to_dict(orient="records"),
            "by_office": offices,
            "zero_report": {
                "offices": self.zero_offices(),
                "rules": [r.id for r in self.zero_rules()],
            },
            "skipped": [{"rule_id": r.id, "reason": why} for r, why in self.skipped],
            "not_checkable": [{"rule_id": r.id, "reason": why} for r, why in self.not_checkable],
            "suppressions": self.suppressions.to_json(),
            "output": self.output,
            "masked": self.masked,
            "message_ids_not_counted": self.message_ids_not_counted,
            **self.intake.to_json(),
        }

    def json_text(self) -> str:
        return json.dumps(self.to_json(), ensure_ascii=False, indent=2, default=_json_default)

    def sheet(self) -> pd.DataFrame:
        """The XLSX summary sheet: one row per office (and a total), rules as columns."""
        bo = self.by_office().set_index("office_code")
        m = self.matrix()
        cols = ["findings", *(s for s in STATUSES if self.baseline), "timed", "on_time", "on_time_rate", "incomplete"]
        table = bo[cols].join(m, how="outer").fillna(0)
        table["on_time_rate"] = bo["on_time_rate"].reindex(table.index)
        total = table.drop(columns=["on_time_rate"]).sum(numeric_only=True).astype(object)  # ints stay ints
        on_time, timed = self.on_time_total()
        total["on_time_rate"] = round(on_time / timed, 4) if timed else np.nan
        table.loc["合计 total"] = total
        table = table.reset_index().rename(columns={"index": "office_code"})
        for c in table.columns:
            if c not in ("office_code", "on_time_rate"):
                table[c] = table[c].astype(int)
        return table

    def print_text(self, console: Console) -> None:
        """The terminal summary: per rule (ruff --statistics order), per office, then the notes."""
        table = Table(title="regcheck 检查结果 / findings", show_lines=False)
        for col, justify in (("数量", "right"), ("规则", "left"), ("级别", "left"), ("名称", "left")):
            table.add_column(col, justify=justify)  # type: ignore[arg-type]
        for row in self.by_rule().itertuples():
            style = "dim" if row.count == 0 else None
            table.add_row(
                f"{row.count:,}", row.rule_id, f"{SEVERITY_ZH[row.severity]} {row.severity}", row.title, style=style
            )
        console.print(table)
        sev = self.severity_counts()
        console.print("按级别: " + "  ".join(f"{SEVERITY_ZH[s]} {s} {n:,}" for s, n in sev.items()), highlight=False)

        bo = self.by_office()
        if len(bo) > 1 or self.baseline:
            ot = Table(title="按机构 / per office")
            heads = ["机构", "问题", *(f"{STATUS_ZH[s]}" for s in STATUSES if self.baseline), "按时办结率", "未计时"]
            for h in heads:
                ot.add_column(h, justify="left" if h == "机构" else "right")
            for r in bo.to_dict(orient="records"):
                rate = "—" if pd.isna(r["on_time_rate"]) else f"{r['on_time_rate']:.1%} ({r['on_time']}/{r['timed']})"
                cells = [
                    safe(r["office_code"]),
                    f"{r['findings']:,}",
                    *(f"{r[s]:,}" for s in STATUSES if self.baseline),
                ]
                ot.add_row(*cells, rate, f"{r['incomplete']:,}")
            console.print(ot)

        on_time, timed = self.on_time_total()
        rate = f"{on_time / timed:.1%} ({on_time:,}/{timed:,})" if timed else "—"
        period = f"期间 period {self.period.label} · " if self.period else ""
        if self.files_read:
            console.print(f"读取文件 files read: {len(self.files_read):,}", highlight=False)
        console.print(
            f"{period}读取 rows read {self.rows_read:,} · 拒收 rejected {self.rows_rejected:,} · "
            + (f"期后 after the period {self.rows_after_period:,} · " if self.rows_after_period else "")
            + f"案件 cases {self.cases:,} · 机构 offices {len(self.offices):,} · 问题 findings {len(self.current):,} · "
            f"按时办结率 on-time {rate}",
            highlight=False,
        )
        if self.baseline:
            st = self.status_totals()
            console.print(
                "台账 ledger: " + "  ".join(f"{STATUS_ZH[s]} {s} {st[s]:,}" for s in STATUSES), highlight=False
            )
        n_incomplete = int(self.incomplete.sum())
        if n_incomplete:
            console.print(
                f"未计时 incomplete: {n_incomplete:,} 个案件的记录早于所读数据（无受理记录），未计算时限",
                highlight=False,
            )
        zo = self.zero_offices()
        if zo and self.offices:
            console.print(
                f"零报告 zero-report: 无问题机构 {len(zo)} 个: {safe(', '.join(zo[:20]))}{' …' * (len(zo) > 20)}",
                highlight=False,
            )
        for r, why in self.skipped:
            console.print(f"跳过 skipped {r.id}: {safe(why)}", highlight=False)
        for r, why in self.not_checkable:
            console.print(f"{r.id} {safe(r.title)}: {safe(why)}", highlight=False)
        if self.message_ids_not_counted:
            console.print(
                f"报文编号 BizMsgID: {self.message_ids_not_counted:,} 个不是18位数字加后缀，LG005未计入 / "
                "not 18 digits plus a suffix, not counted by LG005",
                highlight=False,
            )
        sup = self.suppressions
        if sup.suppressed:
            console.print(f"已豁免 suppressed: {sup.suppressed:,} 条", highlight=False)
        for s, n in sup.expired:
            console.print(
                f"[yellow]豁免已过期 expired suppression ({n} 条不再豁免): {safe(s.describe())}[/yellow]",
                highlight=False,
            )
        for s in sup.unused:
            console.print(f"[yellow]豁免未匹配 unused suppression: {safe(s.describe())}[/yellow]", highlight=False)
        for line in self.intake.lines(self.rows_rejected, self.rejects_path):
            style = "yellow" if line.startswith("拒收") else None
            console.print(plain(line), style=style, highlight=False, markup=False, soft_wrap=True)
        if self.output and self.output != "-":
            console.print(f"结果已写入 findings written to {safe(self.output)}", highlight=False)
        if not self.masked:
            console.print(
                "[yellow]个人信息未脱敏 personal data NOT masked (--no-mask)：姓名、身份证号、手机号原样写出，"
                "仅限授权使用[/yellow]",
                highlight=False,
            )


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return None if np.isnan(obj) else float(obj)
    if isinstance(obj, pd.Timestamp):
        return obj.strftime("%Y-%m-%d %H:%M:%S")
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


@dataclass
class LogFacts:
    """What the summary needs from the log (of a whole scan, or merged over the partitions)."""

    as_of: pd.Timestamp
    offices: list[str]
    timing: Timeliness
    incomplete: pd.Series
    cases: int
    message_ids_not_counted: int | None = None  # access messages only (LG005)

    def summary(
        self,
        *,
        findings: pd.DataFrame,
        ran: list[Rule],
        period: Period | None = None,
        baseline: bool = False,
        rows_read: int = 0,
        rows_rejected: int = 0,
        skipped: list[tuple[Rule, str]] | None = None,
        suppressions: SuppressionReport | None = None,
        output: str | None = None,
        rejects_path: str | None = None,
        not_checkable: list[tuple[Rule, str]] | None = None,
    ) -> Summary:
        return Summary(
            findings=findings,
            ran=list(ran),
            offices=self.offices,
            timing=self.timing,
            incomplete=self.incomplete,
            rows_read=rows_read,
            rows_rejected=rows_rejected,
            cases=self.cases,
            as_of=self.as_of,
            period=period,
            baseline=baseline,
            skipped=list(skipped or []),
            not_checkable=list(not_checkable or []),
            suppressions=suppressions or SuppressionReport(),
            output=output,
            rejects_path=rejects_path,
            message_ids_not_counted=self.message_ids_not_counted,
        )


def log_facts(log: EventLog, params: Mapping[str, BaseModel] | None = None, period: Period | None = None) -> LogFacts:
    """Offices, timing, incomplete histories and the case count of a log.

    With a period, offices, cases and incomplete histories are those of the cases with an event in
    the month (an office without one is not in the zero-report); timing: see :func:`timeliness`.
    """
    active = cases_in_period(log, period)
    cases = log.cases if active.all() else log.cases.loc[active]
    offices = sorted(cases["office_code"].dropna().astype(str).unique().tolist()) if len(cases) else []
    inc = incomplete_cases(cases) if len(cases) else pd.Series(dtype=bool)
    incomplete = (
        cases.loc[inc.to_numpy(), "office_code"].astype(str).value_counts() if len(cases) else pd.Series(dtype=int)
    )
    timing = timeliness(log, limits_in_force(params), period) if log.n_cases else timeliness_empty()
    return LogFacts(
        as_of=log.as_of,
        offices=offices,
        timing=Timeliness.of(timing),
        incomplete=incomplete,
        cases=int(active.sum()),
        message_ids_not_counted=message_ids_not_counted(log),
    )


def build_summary(
    *,
    findings: pd.DataFrame,
    log: EventLog,
    ran: list[Rule],
    params: Mapping[str, BaseModel] | None = None,
    period: Period | None = None,
    baseline: bool = False,
    rows_read: int = 0,
    rows_rejected: int = 0,
    skipped: list[tuple[Rule, str]] | None = None,
    suppressions: SuppressionReport | None = None,
    output: str | None = None,
    rejects_path: str | None = None,
    not_checkable: list[tuple[Rule, str]] | None = None,
) -> Summary:
    """The summary of a whole scan: the :func:`log_facts` of its log with the findings and run details."""
    return log_facts(log, params, period).summary(
        findings=findings,
        ran=ran,
        period=period,
        baseline=baseline,
        rows_read=rows_read,
        rows_rejected=rows_rejected,
        skipped=skipped,
        suppressions=suppressions,
        output=output,
        rejects_path=rejects_path,
        not_checkable=not_checkable,
    )


def timeliness_empty() -> pd.DataFrame:
    cols = ["case_id", "office_code", "business_type", "t_accept", "end_day", "open", "elapsed", "limit"]
    out = pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    for c in ("elapsed", "limit", "suspended", "over"):
        out[c] = pd.Series(dtype=np.int64)
    out["open"] = pd.Series(dtype=bool)
    return out


def business_label(code: Any) -> str:
    return f"{BUSINESS_TYPES.get(code, code)}" if isinstance(code, str) else ""


__all__ = [
    "Intake",
    "LogFacts",
    "Summary",
    "Timeliness",
    "build_summary",
    "limits_in_force",
    "log_facts",
    "timeliness",
    "top_reasons",
]
