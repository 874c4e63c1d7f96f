"""Rules a source cannot feed are *not checkable* there (issue 14 item 1, issue 15 item 3, spec/sources.md §6).

A rule declares the facts it needs (``@rule(facts=...)``); a source says which it lacks
(``SourceInfo.lacks``). Such a rule is not run, and the terminal summary, the JSON summary and the
HTML report name it with ``不适用：数据源无…`` — apart from rules skipped for a missing side input,
and never as a silent zero.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest
from rich.console import Console

from regcheck import facts
from regcheck.config import Config
from regcheck.engine import run, select_rules
from regcheck.facts import SourceInfo, not_checkable_reason
from regcheck.loaders import load
from regcheck.model import EventLog
from regcheck.pipeline import conclude
from regcheck.rules import REGISTRY
from regcheck.rules.base import rule
from regcheck.schema import REQUIRED
from regcheck.writers.html import render

from .conftest import run_cli, write_canonical_csv

ROWS = [
    {"case_id": "C1", "office_code": "340102", "activity": "accept", "event_time": "2026-09-07 09:00:00",
     "business_type": "transfer", "operator_id": "W1"},
    {"case_id": "C1", "office_code": "340102", "activity": "register", "event_time": "2026-09-15 10:00:00",
     "operator_id": "W1"},
    {"case_id": "C2", "office_code": "340102", "activity": "accept", "event_time": "2026-09-08 09:00:00",
     "business_type": "transfer", "operator_id": "W2"},
]  # fmt: skip

# What an access-message source cannot tell (spec/sources.md §5–§6); LG005's message heads it has.
MESSAGE_LACKS = frozenset(
    {"queue_events", "priority", "open_cases", "approval_facts", "assessed_value", "query_events", "event_seq"}
    | {"duplicate_rows", "suspensions"}
)


# spec/sources.md §6, transcribed: "+" runs on access messages and the standard tables, "-" not checkable.
SECTION_6 = {
    "TL001": "+", "TL002": "-", "TL003": "-", "QJ001": "-", "QJ002": "-", "QJ003": "-", "QJ004": "-",
    "AP001": "-", "AP002": "-", "AP003": "-", "AP004": "-", "AP005": "-", "MG001": "+", "MG002": "+",
    "MG003": "+", "MG004": "-", "MG005": "+", "MG006": "+", "SD001": "+", "SD002": "+", "SD003": "+",
    "SD004": "+", "SD005": "+", "IQ001": "-", "IQ002": "-", "IQ003": "-", "FE001": "+", "FE002": "+",
    "LG001": "-", "LG002": "+", "LG003": "+", "LG004": "-", "LG005": "+",
}  # fmt: skip


def _required_only(tmp_path: Path) -> Path:
    """A flat log with the required columns only: no event_seq (nor step) column."""
    path = tmp_path / "log.csv"
    pd.DataFrame([{c: r.get(c, "") for c in REQUIRED} for r in ROWS]).to_csv(path, index=False)
    return path


def _scan_json(log: Path, tmp_path: Path, *extra: str) -> tuple[dict, str]:
    report = tmp_path / "report.html"
    code, stdout, err = run_cli(
        "scan", str(log), "-o", str(tmp_path / "f.csv"), "--report", str(report), "--summary-format", "json", *extra
    )
    assert code in (0, 1), err
    return json.loads(stdout), report.read_text(encoding="utf-8")


def test_a_flat_log_lacks_message_heads_and_the_columns_it_does_not_have(tmp_path: Path) -> None:
    assert load([_required_only(tmp_path)]).source.lacks == {"message_heads", "event_seq", "step"}
    full = load([write_canonical_csv(ROWS, tmp_path / "full.csv")]).source  # event_seq present, even blank
    assert full.form == "log" and "event_seq" not in full.lacks and "message_heads" in full.lacks


def test_a_fact_is_available_once_its_column_is_in_the_schema(tmp_path: Path, monkeypatch) -> None:
    """The lacks follow the fact -> column table: a `step` column, once canonical, makes `step` available."""
    monkeypatch.setitem(facts.FACT_COLUMNS, "step", "query_basis")  # a canonical column standing in for `step`
    log = write_canonical_csv(ROWS, tmp_path / "log.csv")
    assert "step" not in load([log]).source.lacks
    assert "step" in load([_required_only(tmp_path)]).source.lacks


def test_lg001_on_a_log_without_event_seq_is_not_checkable_not_a_zero(tmp_path: Path) -> None:
    summary, html = _scan_json(_required_only(tmp_path), tmp_path)
    reason = not_checkable_reason("event_seq")
    assert {"rule_id": "LG001", "reason": reason} in summary["not_checkable"]
    assert reason.startswith("不适用：数据源无日志序号")
    assert "LG001" not in summary["zero_report"]["rules"]  # not a clean zero
    assert "LG001" not in {r["rule_id"] for r in summary["by_rule"]}
    assert "LG001" not in {s["rule_id"] for s in summary["skipped"]}  # skipped is for side inputs
    assert f"LG001：{reason}" in html
    code, stdout, _ = run_cli("scan", str(_required_only(tmp_path)), "-o", str(tmp_path / "g.csv"))
    assert code in (0, 1) and f"LG001 {REGISTRY['LG001'].title}: {reason}" in stdout.replace("\n", "")


def test_the_same_log_with_an_event_seq_column_runs_lg001(tmp_path: Path) -> None:
    summary, _ = _scan_json(write_canonical_csv(ROWS, tmp_path / "log.csv"), tmp_path)
    # a flat log never has access-message heads: only the rules needing them are set aside (LG005)
    heads_only = {r.id for r in REGISTRY.values() if "message_heads" in r.facts}
    assert {n["rule_id"] for n in summary["not_checkable"]} == heads_only
    assert "LG001" in summary["zero_report"]["rules"]


def test_a_rule_needing_step_is_not_checkable_on_a_flat_log(tmp_path: Path) -> None:
    """Any rule declaring `step` (SD005 is one) is set aside on a log without a step column."""

    @rule("XX901", "审核环节同一人", "one person at two steps", severity="high", category="廉政", basis=(14,),
          fires_on="test", facts=("step",), example="x")  # fmt: skip
    def _steps(log: EventLog, p: object) -> pd.DataFrame:
        """测试规则。

        ## What it does
        x
        ## Why it matters
        x
        ## Exempt
        x
        ## Dated at
        x
        """
        raise AssertionError("a rule that is not checkable must not run")

    try:
        summary, html = _scan_json(_required_only(tmp_path), tmp_path, "--select", "XX901")
    finally:
        del REGISTRY["XX901"]
    reason = not_checkable_reason("step")
    assert summary["not_checkable"] == [{"rule_id": "XX901", "reason": reason}]
    assert "数据源无节点名称" in reason and f"XX901：{reason}" in html


def _message_run(tmp_path: Path):
    loaded = load([write_canonical_csv(ROWS, tmp_path / "log.csv")])
    log = EventLog(loaded.events, source=SourceInfo(form="messages", lacks=MESSAGE_LACKS))
    return log, run(log, select_rules())


def test_a_message_source_does_not_run_the_rules_it_cannot_feed(tmp_path: Path) -> None:
    _log, result = _message_run(tmp_path)
    set_aside = {r.id: why for r, why in result.not_checkable}
    assert set(set_aside) == {r.id for r in REGISTRY.values() if r.facts & MESSAGE_LACKS}
    assert {r for r, on_messages in SECTION_6.items() if r in REGISTRY and on_messages == "-"} == set(set_aside)
    assert not set(set_aside) & {r.id for r in result.ran}
    assert not set(set_aside) & {r.id for r, _ in result.skipped}  # AP005 lacks approval facts before --approvals
    assert set_aside["QJ001"] == not_checkable_reason("priority")  # the first fact lacked, by name
    assert set_aside["TL002"].startswith("不适用：数据源无未登簿办件")
    assert set(result.findings["rule_id"]) <= {r.id for r in result.ran}


def test_a_message_source_names_them_in_text_json_and_html(tmp_path: Path) -> None:
    log, result = _message_run(tmp_path)
    summary = conclude(result, log, Config()).summary
    listed = {e["rule_id"]: e["reason"] for e in summary.to_json()["not_checkable"]}
    assert listed == {r.id: why for r, why in result.not_checkable}
    assert all(why.startswith("不适用：数据源无") for why in listed.values())
    out = io.StringIO()
    summary.print_text(Console(file=out, width=400))
    text = out.getvalue()
    html = render(summary)
    for rule_id, why in listed.items():
        assert f"{rule_id} {REGISTRY[rule_id].title}: {why}" in text
        assert f"{rule_id}：{why}" in html
        assert f"跳过 skipped {rule_id}" not in text


@pytest.mark.parametrize("lacks", [frozenset(), frozenset({"approval_facts"})])
def test_a_rule_without_its_side_input_is_skipped_only_when_checkable(tmp_path: Path, lacks: frozenset) -> None:
    loaded = load([write_canonical_csv(ROWS, tmp_path / "log.csv")])
    result = run(EventLog(loaded.events, source=SourceInfo(lacks=lacks)), [REGISTRY["AP005"]])
    skipped, set_aside = [r.id for r, _ in result.skipped], [r.id for r, _ in result.not_checkable]
    assert (skipped, set_aside) == (([], ["AP005"]) if lacks else (["AP005"], []))
