"""The facts a rule may need and a source may lack (issue 14 item 1, issue 15 item 3).

A rule declares the facts it needs (``@rule(..., facts=(...))``); a source says which facts it
cannot supply (:class:`SourceInfo.lacks`). A rule needing a fact its source lacks is *not
checkable* there: it is not run, and every summary names it with the reason
``不适用：数据源无<label>`` — never a silent zero (spec/sources.md §6).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

# fact id -> (Chinese label, English label), as the summaries print them after "数据源无" / "the source has no".
FACTS: dict[str, tuple[str, str]] = {
    "queue_events": ("排队叫号记录", "queue events (ticket/call)"),
    "priority": ("优先办理标记", "priority marks"),
    "event_seq": ("日志序号", "event_seq"),
    "open_cases": ("未登簿办件的办结/退件/撤回记录", "cases that end without registration"),
    "approval_facts": ("审批文件与变更事项", "approval documents and change facts"),
    "assessed_value": ("评估价值", "assessed values"),
    "query_events": ("查询记录", "query rows"),
    "step": ("节点名称", "review steps (step)"),
    "duplicate_rows": ("原始重复行（报文重复行按设计合并）", "duplicate rows (merged by design)"),
    "message_heads": ("接入报文头", "access-message heads"),
    "suspensions": ("中止记录", "suspensions"),
}

Form = Literal["log", "messages", "tables"]

# Facts a flat event log carries as a column of its own: the log lacks the fact when no input file has the
# column (a column not in schema.CANONICAL is never found, so adding it there makes the fact available).
FACT_COLUMNS: dict[str, str] = {"event_seq": "event_seq", "step": "step"}
# Facts a flat event log never carries: only access messages have a Head (LG005).
NOT_IN_FLAT_LOGS: frozenset[str] = frozenset({"message_heads"})


def flat_log_lacks(present: Iterable[str]) -> frozenset[str]:
    """The facts a flat log whose files hold the canonical columns ``present`` cannot supply."""
    have = set(present)
    return NOT_IN_FLAT_LOGS | {fact for fact, column in FACT_COLUMNS.items() if column not in have}


@dataclass(frozen=True)
class SourceInfo:
    """What kind of source a log came from, and what it cannot tell.

    ``form``: "log" (the flat event log of spec/input.md), "messages" (access-message XML) or
    "tables" (the standard tables, from files or a database). ``heads``: XML only, one row per
    message read (columns ``file`` and the Head fields, BizMsgID … as text) — LG005 reads it.
    """

    form: Form = "log"
    lacks: frozenset[str] = frozenset()
    heads: pd.DataFrame | None = field(default=None, compare=False)
    # messages and tables: the parties' names (natural persons), ID numbers and phones — masking hides them
    parties: tuple[str, ...] = field(default=(), compare=False)


def not_checkable_reason(fact: str) -> str:
    """The words the summaries print for a rule whose fact ``fact`` the source lacks."""
    zh, en = FACTS[fact]
    return f"不适用：数据源无{zh} (not checkable: the source has no {en})"
