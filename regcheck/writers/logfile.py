"""Write an event log (not findings): Parquet, or CSV with canonical or Chinese headers.

Used by `regcheck generate` and for the sample data. The Chinese form (``zh=True``)
is what many platforms export: Chinese headers, Chinese enum labels, 是/否
booleans, GB18030 text.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..schema import BY_NAME, COLUMNS, ENUMS
from .atomic import atomic_path


def to_chinese(events: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(index=events.index)
    for col in COLUMNS:
        if col.name not in events.columns:
            continue
        s = events[col.name]
        if col.kind == "enum":
            labels = ENUMS[col.enum or ""]
            s = s.astype(object).map(lambda v, t=labels: t.get(v, v) if isinstance(v, str) else v)
        elif col.kind == "list":
            labels = ENUMS["change_kind"]
            s = s.astype(object).map(
                lambda v, t=labels: ";".join(t.get(i, i) for i in v.split(";")) if isinstance(v, str) else v
            )
        elif col.kind == "bool":
            s = s.astype(object).map(
                lambda v: {"true": "是", "false": "否", True: "是", False: "否"}.get(v, v) if pd.notna(v) else v
            )
        out[col.zh] = s
    return out


def _as_text(events: pd.DataFrame) -> pd.DataFrame:
    out = events.copy()
    for name in out.columns:
        col = BY_NAME.get(name)
        if col is not None and col.kind == "timestamp":
            out[name] = pd.to_datetime(out[name]).dt.strftime("%Y-%m-%d %H:%M:%S")
    return out


def write_log(events: pd.DataFrame, path: str | Path, zh: bool = False) -> None:
    path = Path(path)
    suffix = path.suffix.lower()
    with atomic_path(path) as tmp:
        if suffix in {".parquet", ".pq"}:
            frame = to_chinese(events) if zh else events
            frame.to_parquet(tmp, index=False)
        else:
            frame = _as_text(events)
            frame = to_chinese(frame) if zh else frame
            frame.to_csv(tmp, index=False, encoding="gb18030" if zh else "utf-8")
