"""The monthly quality-supervision sample (质量监管岗 按比例抽查, checklist item 19).

Population: the accepted cases of the log (with ``--period``: accepted in that
month). Strata: office × business type (a blank type is a stratum of its own).

* **random** — from each stratum of N cases, n = max(min_per_stratum, round(rate × N))
  cases (half rounds up), at most the cases there are, drawn among the cases that
  are not already in for a finding;
* **finding** — on top, every case with a ``high`` or ``critical`` finding (after
  suppressions; with ``--period``, findings of the month), whether or not it is in
  the population.

Reproducible: the draw ranks the cases of a stratum by a keyed hash of
(seed, case_id), so the same seed and the same cases give the same sample whatever
the row order of the files, and adding a case to one stratum leaves the draw of
the others unchanged.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import pandas as pd

from .errors import InputError
from .model import EventLog
from .period import Period
from .schema import BUSINESS_TYPES, BY_NAME, SEVERITY_ZH

FINDING_SEVERITIES = ("high", "critical")
SAMPLE_COLUMNS = ("case_id", "office_code", "business_type", "reason", "note")
STRATA_COLUMNS = ("office_code", "business_type", "population", "random", "finding", "sampled", "sample_rate")
REASON_ZH = {"random": "随机抽取", "finding": "存在高风险问题"}
BUSINESS_TYPE_LABELS = {**BUSINESS_TYPES, "": "（未填）"}  # a blank type is a stratum of its own
# XLSX headers of the sample and strata sheets (the files' own columns stay canonical)
HEADERS_ZH = {
    **{c: BY_NAME[c].zh for c in ("case_id", "office_code", "business_type")},
    "reason": "抽取原因",
    "note": "说明",
    "population": "案件数",
    "random": "随机抽取",
    "finding": "问题件",
    "sampled": "抽取合计",
    "sample_rate": "抽取比例",
}


def parse_rate(text: str | float) -> Fraction:
    """``5%``, ``5 %``, ``0.05`` or ``1/20`` → 1/20 (exact, so 5% of 10 is exactly one half)."""
    raw = str(text).strip()
    try:
        rate = Fraction(raw[:-1].strip()) / 100 if raw.endswith("%") else Fraction(raw)
    except (ValueError, ZeroDivisionError):
        raise InputError(f"--rate {text!r}: a share such as 5% or 0.05") from None
    if not 0 < rate <= 1:
        raise InputError(f"--rate {text!r}: must be above 0% and at most 100%")
    return rate


def quota(population: np.ndarray, rate: Fraction, min_per_stratum: int) -> np.ndarray:
    """Random draws per stratum: max(min_per_stratum, round-half-up(rate × N)), at most N."""
    n = np.asarray(population, dtype=np.int64)
    rounded = (2 * rate.numerator * n + rate.denominator) // (2 * rate.denominator)
    return np.minimum(n, np.maximum(min_per_stratum, rounded))


def _hash_rank_key(case_ids: pd.Series, seed: int) -> np.ndarray:
    key = hashlib.sha256(f"regcheck-sample:{seed}".encode()).hexdigest()[:16]
    return pd.util.hash_pandas_object(case_ids.astype(str).reset_index(drop=True), index=False, hash_key=key).to_numpy()


@dataclass
class SampleResult:
    sample: pd.DataFrame  # SAMPLE_COLUMNS
    strata: pd.DataFrame  # STRATA_COLUMNS
    rate: Fraction
    seed: int
    min_per_stratum: int

    @property
    def totals(self) -> dict[str, int]:
        reason = self.sample["reason"].value_counts()
        return {
            "population": int(self.strata["population"].sum()),
            "random": int(reason.get("random", 0)),
            "finding": int(reason.get("finding", 0)),
            "sampled": len(self.sample),
        }


def stratified_sample(
    cases: pd.DataFrame,
    finding_rules: pd.DataFrame,
    rate: Fraction,
    seed: int,
    min_per_stratum: int = 1,
) -> SampleResult:
    """The draw itself, on plain tables.

    ``cases``: case_id, office_code, business_type, population (bool) — one row per case.
    ``finding_rules``: case_id, rule_id, severity of the high/critical findings to include.
    """
    if min_per_stratum < 0:
        raise InputError("--min-per-stratum must be 0 or more")
    c = cases.reset_index(drop=True)
    c = c.assign(
        case_id=c["case_id"].astype(str),
        office_code=c["office_code"].astype(object).where(c["office_code"].notna(), "").astype(str),
        business_type=c["business_type"].astype(object).where(c["business_type"].notna(), "").astype(str),
    )
    flagged = finding_rules.loc[finding_rules["case_id"].notna()]
    flagged = flagged.assign(case_id=flagged["case_id"].astype(str))
    flagged = flagged.loc[flagged["case_id"].isin(c["case_id"]).to_numpy()]
    why = (
        flagged.drop_duplicates(["case_id", "rule_id"])
        .sort_values(["case_id", "rule_id"])
        .assign(label=lambda d: d["rule_id"].astype(str) + "(" + d["severity"].map(SEVERITY_ZH).fillna("") + ")")
        .groupby("case_id")["label"]
        .agg(";".join)
    )
    has_finding = c["case_id"].isin(why.index).to_numpy()
    pop = c.loc[c["population"].to_numpy(dtype=bool)]
    size = pop.groupby(["office_code", "business_type"], sort=True).size().rename("population")
    want = pd.Series(quota(size.to_numpy(), rate, min_per_stratum), index=size.index, name="quota")

    candidates = c.loc[c["population"].to_numpy(dtype=bool) & ~has_finding]
    candidates = candidates.assign(_h=_hash_rank_key(candidates["case_id"], seed))
    candidates = candidates.sort_values(["office_code", "business_type", "_h", "case_id"], kind="stable")
    rank = candidates.groupby(["office_code", "business_type"], sort=False).cumcount().to_numpy()
    limit = want.reindex(pd.MultiIndex.from_frame(candidates[["office_code", "business_type"]])).to_numpy()
    drawn = candidates.loc[rank < limit, ["case_id", "office_code", "business_type"]].assign(reason="random")

    found = c.loc[has_finding, ["case_id", "office_code", "business_type"]].assign(reason="finding")
    sample = pd.concat([found, drawn], ignore_index=True)
    note = sample["reason"].map(REASON_ZH)
    rules = sample["case_id"].map(why).astype(object).fillna("")  # all-missing maps to float64
    sample["note"] = np.where(sample["reason"] == "finding", note + "：" + rules, note)
    sample = sample.sort_values(["office_code", "business_type", "reason", "case_id"], kind="stable")
    sample = sample.reset_index(drop=True)[list(SAMPLE_COLUMNS)]

    counts = (
        sample.groupby(["office_code", "business_type", "reason"]).size().unstack("reason", fill_value=0)
        if len(sample)
        else None
    )
    keys = size.index.union(counts.index) if counts is not None else size.index
    strata = pd.DataFrame(index=keys)
    strata["population"] = size.reindex(keys, fill_value=0).astype(int)
    for reason in ("random", "finding"):
        has = counts is not None and reason in counts.columns
        strata[reason] = counts[reason].reindex(keys, fill_value=0).astype(int) if has else 0
    strata["sampled"] = strata["random"] + strata["finding"]
    strata["sample_rate"] = (strata["sampled"] / strata["population"].where(strata["population"] > 0)).round(4)
    strata = strata.reset_index()
    strata.columns = list(STRATA_COLUMNS)
    return SampleResult(sample=sample, strata=strata, rate=rate, seed=seed, min_per_stratum=min_per_stratum)


def draw(
    log: EventLog,
    findings: pd.DataFrame,
    rate: Fraction,
    seed: int,
    min_per_stratum: int = 1,
    period: Period | None = None,
) -> SampleResult:
    """The sample of a scanned log: population from the log, finding cases from ``findings``."""
    c = log.cases
    accepted = c["t_accept"].notna()
    if period is not None:
        accepted &= pd.Series(period.contains(c["t_accept"]), index=c.index)
    btype = c["business_type"] if "business_type" in c.columns else pd.Series([None] * len(c))
    cases = pd.DataFrame(
        {
            "case_id": c["case_id"].to_numpy(),
            "office_code": c["office_code"].to_numpy(),
            "business_type": btype.astype(object).to_numpy(),
            "population": accepted.to_numpy(dtype=bool),
        }
    )
    high = findings.loc[findings["severity"].isin(FINDING_SEVERITIES).to_numpy(), ["case_id", "rule_id", "severity"]]
    return stratified_sample(cases, high, rate, seed, min_per_stratum)


def strata_for_people(strata: pd.DataFrame) -> pd.DataFrame:
    """The strata table with the business type's Chinese name beside its code."""
    out = strata.copy()
    out.insert(2, "business_type_zh", out["business_type"].map(BUSINESS_TYPE_LABELS).fillna("（未填）"))
    return out


def write_sample(result: SampleResult, path: str, fmt: str | None = None) -> str:
    """The sample in any findings format; XLSX (抽查样本) gets the strata (分层统计) as a second sheet."""
    from .writers import choose_format, write_table
    from .writers.atomic import atomic_path

    fmt = choose_format(path, fmt)
    if fmt == "xlsx" and path != "-":
        from .writers.xlsx import Sheet, legend_sheet, write_workbook

        labels = {"business_type": BUSINESS_TYPE_LABELS, "reason": REASON_ZH}
        sheets = [
            Sheet("抽查样本", result.sample, widths={"note": 50}, headers=HEADERS_ZH, labels=labels),
            Sheet("分层统计", result.strata, percent_columns=("sample_rate",), headers=HEADERS_ZH, labels=labels),
        ]
        with atomic_path(path) as tmp:
            write_workbook(tmp, [*sheets, legend_sheet(sheets)])
        return fmt
    return write_table(result.sample, path, fmt)


def summary_json(result: SampleResult) -> dict[str, object]:
    return {
        "rate": f"{float(result.rate):.4%}",
        "seed": result.seed,
        "min_per_stratum": result.min_per_stratum,
        **result.totals,
        "strata": [
            {**row, "sample_rate": None if pd.isna(row["sample_rate"]) else float(row["sample_rate"])}
            for row in result.strata.to_dict(orient="records")
        ],
    }


def print_summary(console: object, result: SampleResult, output: str | None) -> None:
    """The sampling summary on the terminal: one line per stratum, then the totals."""
    from rich.table import Table

    from .terminal import safe

    table = Table(title="抽样汇总 / sampling summary")
    for col in ("机构", "业务类型", "案件数", "随机", "问题件", "抽取", "比例"):
        table.add_column(col, justify="left" if col in ("机构", "业务类型") else "right")
    for row in strata_for_people(result.strata).to_dict(orient="records"):
        rate = "—" if pd.isna(row["sample_rate"]) else f"{row['sample_rate']:.1%}"
        table.add_row(
            safe(row["office_code"]),
            f"{row['business_type_zh']} {row['business_type']}".strip(),
            f"{row['population']:,}",
            f"{row['random']:,}",
            f"{row['finding']:,}",
            f"{row['sampled']:,}",
            rate,
        )
    console.print(table)  # type: ignore[attr-defined]
    t = result.totals
    console.print(  # type: ignore[attr-defined]
        f"抽取 sampled {t['sampled']:,} 件：随机 random {t['random']:,}（比例 {float(result.rate):.2%}，"
        f"每层至少 {result.min_per_stratum}，种子 seed {result.seed}）+ 高风险问题 finding {t['finding']:,}；"
        f"总体 population {t['population']:,} 件，{len(result.strata):,} 层 strata",
        highlight=False,
    )
    if output and output != "-":
        console.print(f"样本已写入 sample written to {safe(output)}", highlight=False)  # type: ignore[attr-defined]


__all__ = [
    "SampleResult",
    "draw",
    "parse_rate",
    "print_summary",
    "quota",
    "stratified_sample",
    "summary_json",
    "write_sample",
]
