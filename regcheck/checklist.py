"""The checklist the rules enforce, as data: 《不动产登记队伍作风常态化建设措施清单（重点工作任务）》.

``regcheck/data/checklist.csv`` holds items 5–26 as the province issued them (item, 工作任务 task,
工作要求 requirement). A rule's ``basis`` names its items; ``regcheck explain`` quotes their text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib.resources import files


@dataclass(frozen=True)
class ChecklistItem:
    item: int
    task: str  # 工作任务
    requirement: str  # 工作要求


@cache
def checklist() -> dict[int, ChecklistItem]:
    """Item number -> its text."""
    text = files("regcheck.data").joinpath("checklist.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(io.StringIO(text))
    return {int(r["item"]): ChecklistItem(int(r["item"]), r["task"], r["requirement"]) for r in rows}


def quote(items: Iterable[int]) -> list[str]:
    """The lines ``explain`` prints under the basis: each item's task and requirement."""
    table = checklist()
    out = []
    for n in items:
        entry = table.get(n)
        if entry is None:
            out.append(f"  第{n}项：（清单中无此项）")
            continue
        out += [f"  第{n}项：{entry.task}", f"    工作要求：{entry.requirement}"]
    return out


__all__ = ["ChecklistItem", "checklist", "quote"]
