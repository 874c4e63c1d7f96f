"""The optional ``step`` column (节点名称) and SD005, one person at two review steps (sources.md §4, §6)."""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from regcheck.engine import run
from regcheck.loaders import load
from regcheck.model import EventLog
from regcheck.rules import REGISTRY
from regcheck.schema import STEP_SPELLINGS, STEPS, step_code

from .conftest import scan_findings, write_canonical_csv

OFFICE = "340121"


def review(case: str, day: int, op: str, step: str = "") -> dict:
    return {
        "case_id": case,
        "office_code": OFFICE,
        "activity": "review",
        "event_time": f"2026-01-{day:02d} 10:00:00",
        "operator_id": op,
        "step": step,
    }


def accept(case: str) -> dict:
    return {"case_id": case, "office_code": OFFICE, "activity": "accept", "event_time": "2026-01-02 09:00:00"}


# sources.md §6, SD005's worked cases, word for word
WORKED = [
    ("review step 初审 by A, review step 核定 by A", [("初审", "A"), ("核定", "A")], "A"),
    ("review step 初审 by A, review step 复审 by B, 核定 by B", [("初审", "A"), ("复审", "B"), ("核定", "B")], "B"),
    ("review step 初审 by A, review step 初审 by A (returned, redone)", [("初审", "A"), ("初审", "A")], None),
    ("review step 初审 by A, review without step by A", [("初审", "A"), ("", "A")], None),
]


def sd005(found: pd.DataFrame) -> pd.DataFrame:
    return found[found["rule_id"] == "SD005"].reset_index(drop=True)


@pytest.mark.parametrize(("text", "steps", "who"), WORKED, ids=[w[0] for w in WORKED])
def test_sd005_worked_cases_on_a_flat_log(text: str, steps: list[tuple[str, str]], who: str | None, tmp_path: Path):
    rows = [accept("C1")] + [review("C1", 5 + i, op, step) for i, (step, op) in enumerate(steps)]
    found = sd005(scan_findings(write_canonical_csv(rows, tmp_path / "log.csv"), tmp_path))
    if who is None:
        assert found.empty, text
        return
    assert found[["case_id", "operator_id"]].values.tolist() == [["C1", who]], text
    # dated at the later of the two rows: the operator's second step
    assert found.loc[0, "event_time"] == f"2026-01-{5 + len(steps) - 1:02d} 10:00:00"
    evidence = json.loads(found.loc[0, "evidence"])
    assert evidence["operator_id"] == who
    assert evidence["steps"] == ["first_review", "approve"] if who == "A" else ["second_review", "approve"]
    message = found.loc[0, "message"]
    assert message.startswith(f"操作人{who}办理了本案件") and "核定" in message
    assert not re.search(r"[a-z_]{3,}", message), message  # no English code in the message


def test_sd005_one_finding_per_case_naming_who_held_a_second_step_first(tmp_path: Path) -> None:
    rows = [accept("C1"), review("C1", 5, "A", "初审"), review("C1", 6, "B", "复审"), review("C1", 7, "B", "审定")]
    rows += [review("C1", 8, "A", "审批"), review("C1", 9, "A", "复审")]  # A: first, approve, second — later
    found = sd005(scan_findings(write_canonical_csv(rows, tmp_path / "log.csv"), tmp_path))
    assert found[["case_id", "operator_id", "event_time"]].values.tolist() == [["C1", "B", "2026-01-07 10:00:00"]]


def test_sd005_three_steps_by_one_person_name_all_three(tmp_path: Path) -> None:
    rows = [accept("C1"), review("C1", 5, "A", "初审"), review("C1", 6, "A", "复审"), review("C1", 7, "A", "核定")]
    found = sd005(scan_findings(write_canonical_csv(rows, tmp_path / "log.csv"), tmp_path))
    assert json.loads(found.loc[0, "evidence"])["steps"] == ["first_review", "second_review", "approve"]
    assert "初审、复审、核定三个审核环节" in found.loc[0, "message"]
    assert found.loc[0, "event_time"] == "2026-01-06 10:00:00"  # A held two steps from the second row on


def test_step_only_counts_on_review_rows_with_an_operator(tmp_path: Path) -> None:
    rows = [accept("C1"), review("C1", 5, "A", "初审"), {**review("C1", 6, "A", "核定"), "activity": "register"}]
    rows += [accept("C2"), review("C2", 5, "", "初审"), review("C2", 6, "", "核定")]
    assert sd005(scan_findings(write_canonical_csv(rows, tmp_path / "log.csv"), tmp_path)).empty


def test_step_chinese_header_and_profile_mapping(tmp_path: Path) -> None:
    """节点名称 is the zh header; a profile maps another header and other step names."""
    rows = [accept("C1"), review("C1", 5, "A", "初审"), review("C1", 6, "A", "核定")]
    frame = pd.DataFrame(rows).fillna("")
    zh = tmp_path / "zh.csv"
    frame.rename(columns={"step": "节点名称"}).to_csv(zh, index=False)
    assert sd005(scan_findings(zh, tmp_path))["case_id"].tolist() == ["C1"]

    vendor = tmp_path / "vendor.csv"
    frame.assign(step=frame["step"].replace({"初审": "一审", "核定": "终审"})).rename(columns={"step": "JDMC"}).to_csv(
        vendor, index=False
    )
    profile = tmp_path / "vendor.toml"
    profile.write_text(
        '[columns]\nstep = "JDMC"\n\n[values.step]\n"一审" = "初审"\n"终审" = "审定"\n', encoding="utf-8"
    )
    assert sd005(scan_findings(vendor, tmp_path))["case_id"].tolist() == []  # 一审/终审 mean nothing by themselves
    assert sd005(scan_findings(vendor, tmp_path, "--profile", str(profile)))["case_id"].tolist() == ["C1"]


def test_step_values_are_normalised_on_load(tmp_path: Path) -> None:
    names = ["初审", " 复审 ", "核定", "审批", "审定\u3000", "退回补正", "first_review", "Approve", ""]
    rows = [review("C1", 5, "A", name) for name in names]
    loaded = load([write_canonical_csv(rows, tmp_path / "log.csv")], columns=["step"])
    got = loaded.events.sort_values("_row")["step"].astype(object).where(lambda s: s.notna(), None).tolist()
    want = ["first_review", "second_review", "approve", "approve", "approve", "退回补正", "first_review", "Approve"]
    assert got == [*want, None]
    assert loaded.rejects.empty


def test_step_code_is_idempotent_and_knows_every_spelling() -> None:
    for name, code in STEP_SPELLINGS.items():
        assert code in STEPS and step_code(name) == code and step_code(code) == code
    assert step_code(" 其他 ") == "其他"


# --- a family of logs: SD005 against a direct reading of sources.md §6 ---------------------------

SPELLINGS = ["初审", "复审", "核定", "审批", "审定", "first_review", "退回", ""]


def expected_sd005(rows: list[tuple[int, str, str]]) -> dict[str, str]:
    """case -> operator: per case, the operator who first came to hold two distinct steps (rows in time order)."""
    held: dict[tuple[str, str], set[str]] = {}
    out: dict[str, str] = {}
    for case, step, op in rows:
        code = step_code(step)
        if not op or code not in STEPS:
            continue
        steps = held.setdefault((f"C{case}", op), set())
        steps.add(code)
        if len(steps) >= 2:
            out.setdefault(f"C{case}", op)
    return out


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(st.integers(0, 3), st.sampled_from(SPELLINGS), st.sampled_from(["A", "B", "C", ""])),
        min_size=1,
        max_size=14,
    )
)
def test_sd005_agrees_with_the_spec_on_any_review_history(rows: list[tuple[int, str, str]]) -> None:
    events = [
        {**review(f"C{c}", 1, op, step), "event_time": f"2026-01-05 10:{i:02d}:00"}
        for i, (c, step, op) in enumerate(rows)
    ]
    with tempfile.TemporaryDirectory() as tmp:
        loaded = load([write_canonical_csv(events, Path(tmp) / "log.csv")], columns=REGISTRY["SD005"].columns)
    f = run(EventLog(loaded.events), [REGISTRY["SD005"]]).findings
    assert dict(zip(f["case_id"], f["operator_id"], strict=True)) == expected_sd005(rows)
