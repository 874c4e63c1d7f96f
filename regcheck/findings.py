"""The findings table: metadata columns, stable ids and ordering (spec/output.md)."""

from __future__ import annotations

import hashlib

import pandas as pd

from .rules.base import Rule
from .schema import FINDING_COLUMNS, SEVERITIES

SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}


def finding_id(rule_id: str, key: str) -> str:
    """Stable id: the same violation has the same id in every run, whatever the row order."""
    return hashlib.sha1(f"{rule_id}\x1f{key}".encode()).hexdigest()[:16]


def finding_ids(rule_id: str, keys: pd.Series) -> list[str]:
    """:func:`finding_id` of each key, the keys taken as Python strings (not one by one out of Arrow)."""
    return [finding_id(rule_id, k) for k in keys.to_numpy(dtype=object)]


def empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in FINDING_COLUMNS})


def assemble(parts: list[tuple[Rule, pd.DataFrame]]) -> pd.DataFrame:
    """Add the rule metadata and ids to each rule's raw findings; sort."""
    frames = []
    for r, raw in parts:
        if raw.empty:
            continue
        f = raw.copy()
        f["rule_id"] = r.id
        f["title"] = r.title
        f["severity"] = r.severity
        f["category"] = r.category
        f["basis"] = r.basis_text
        f["finding_id"] = finding_ids(r.id, f["key"])
        f["status"] = None
        frames.append(f)
    if not frames:
        return empty()
    out = pd.concat(frames, ignore_index=True)
    return sort_findings(out)[list(FINDING_COLUMNS)]


def sort_findings(f: pd.DataFrame) -> pd.DataFrame:
    """Severity (highest first), office, case, rule — then time and id, so the order is total."""
    rank = f["severity"].map(SEVERITY_RANK).fillna(-1).astype(int)
    order = pd.DataFrame(
        {
            "_sev": -rank,
            "_office": f["office_code"].fillna("").astype(str),
            "_case": f["case_id"].fillna("").astype(str),
            "_rule": f["rule_id"].astype(str),
            "_time": pd.to_datetime(f["event_time"]).astype("datetime64[ns]").fillna(pd.Timestamp.min),
            "_id": f["finding_id"].astype(str),
        }
    )
    idx = order.sort_values(list(order.columns), kind="stable").index
    return f.loc[idx].reset_index(drop=True)


def count_at_or_above(f: pd.DataFrame, severity: str) -> int:
    rank = SEVERITY_RANK[severity]
    return int((f["severity"].map(SEVERITY_RANK).to_numpy() >= rank).sum()) if len(f) else 0


__all__ = ["assemble", "count_at_or_above", "empty", "finding_id", "finding_ids", "sort_findings"]
