"""--baseline: the problem ledger (挂账销号) — new / open / resolved, in every findings format."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from regcheck.baseline import diff, read_findings
from regcheck.findings import finding_id

from ._monthly import base_rows, ev, write_log
from .conftest import run_cli, scan_findings


def next_month_rows() -> list[dict]:
    """A2 corrected (its late registration was a data error: registered on time); a new late case A4."""
    rows = [r for r in base_rows() if r["case_id"] != "A2"]
    rows += [
        ev("A2", "340102", "accept", "2026-10-08 09:00:00", "W1"),
        ev("A2", "340102", "register", "2026-10-12 15:00:00", "D1"),
        ev("A4", "340103", "accept", "2026-10-12 09:00:00", "W3"),
        ev("A4", "340103", "register", "2026-10-30 09:00:00", "D3"),
    ]
    return rows


def statuses(found: pd.DataFrame) -> set[tuple[str, str, str]]:
    return set(zip(found["rule_id"], found["case_id"], found["status"], strict=True))


EXPECTED = {
    ("TL002", "A1", "open"),  # in the baseline, still there
    ("LG003", "B2", "open"),
    ("TL001", "A4", "new"),
    ("TL001", "A2", "resolved"),  # in the baseline, gone now
}


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet", "xlsx"])
def test_new_open_resolved_from_any_format(tmp_path: Path, fmt: str) -> None:
    before = tmp_path / f"before.{fmt}"
    code, _, err = run_cli("scan", str(write_log(tmp_path / "m1.csv")), "-o", str(before), "-q")
    assert code == 0, err
    found = scan_findings(write_log(tmp_path / "m2.csv", next_month_rows()), tmp_path, "--baseline", str(before))
    assert statuses(found) == EXPECTED
    resolved = found[found["status"] == "resolved"].iloc[0]
    assert resolved["finding_id"] == finding_id("TL001", "A2")
    assert "超出时限" in resolved["message"]  # the baseline row comes back as it was


def test_resolved_rows_are_not_carried_again_and_fail_on_ignores_them(tmp_path: Path) -> None:
    m1, m2 = write_log(tmp_path / "m1.csv"), write_log(tmp_path / "m2.csv", next_month_rows())
    assert run_cli("scan", str(m1), "-o", str(tmp_path / "b1.csv"), "-q")[0] == 0
    assert (
        run_cli("scan", str(m2), "-o", str(tmp_path / "b2.csv"), "-q", "--baseline", str(tmp_path / "b1.csv"))[0] == 0
    )
    found = scan_findings(m2, tmp_path, "--baseline", str(tmp_path / "b2.csv"))
    assert statuses(found) == {("TL002", "A1", "open"), ("LG003", "B2", "open"), ("TL001", "A4", "open")}
    # only resolved rows at or above high: --fail-on judges standing findings
    code, _, _ = run_cli(
        "scan",
        str(m2),
        "-o",
        str(tmp_path / "x.csv"),
        "-q",
        "--select",
        "TL001",
        "--baseline",
        str(tmp_path / "b1.csv"),
        "--fail-on",
        "high",
    )
    assert code == 1  # A4 is new and high
    fixed = [r for r in next_month_rows() if r["case_id"] != "A4"]
    code, _, _ = run_cli(
        "scan",
        str(write_log(tmp_path / "m3.csv", fixed)),
        "-o",
        str(tmp_path / "y.csv"),
        "-q",
        "--select",
        "TL001",
        "--baseline",
        str(tmp_path / "b1.csv"),
        "--fail-on",
        "high",
    )
    assert code == 0  # the only TL001 row left is A2's resolved one


def test_rules_not_run_are_not_resolved(tmp_path: Path) -> None:
    m1 = write_log(tmp_path / "m1.csv")
    assert run_cli("scan", str(m1), "-o", str(tmp_path / "b.csv"), "-q")[0] == 0
    found = scan_findings(m1, tmp_path, "--select", "TL002", "--baseline", str(tmp_path / "b.csv"))
    assert statuses(found) == {("TL002", "A1", "open")}


def test_period_keeps_open_ledger_rows_of_earlier_months(tmp_path: Path) -> None:
    m1 = write_log(tmp_path / "m1.csv")
    assert run_cli("scan", str(m1), "-o", str(tmp_path / "oct.csv"), "-q", "--period", "2026-10")[0] == 0
    found = scan_findings(m1, tmp_path, "--period", "2026-11", "--baseline", str(tmp_path / "oct.csv"))
    # A2 (October) is still in the data: carried as open, not closed by the month filter. October as it
    # stood at its end warned about A1 (TL003); in November the warning gives way to TL002: resolved
    assert statuses(found) == {
        ("TL001", "A2", "open"),
        ("TL003", "A1", "resolved"),
        ("TL002", "A1", "new"),
        ("LG003", "B2", "new"),
    }


def test_summary_counts_per_office(tmp_path: Path) -> None:
    assert run_cli("scan", str(write_log(tmp_path / "m1.csv")), "-o", str(tmp_path / "b.csv"), "-q")[0] == 0
    code, out, err = run_cli(
        "scan",
        str(write_log(tmp_path / "m2.csv", next_month_rows())),
        "-o",
        str(tmp_path / "f.csv"),
        "--baseline",
        str(tmp_path / "b.csv"),
        "--summary-format",
        "json",
    )
    assert code == 0, err
    s = json.loads(out)
    per_office = {o["office_code"]: o["status"] for o in s["by_office"]}
    assert per_office == {
        "340102": {"new": 0, "open": 1, "resolved": 1},
        "340103": {"new": 1, "open": 1, "resolved": 0},
        "340104": {"new": 0, "open": 0, "resolved": 0},
    }
    assert s["status"] == {"new": 1, "open": 2, "resolved": 1}
    assert s["findings"] == 3  # standing findings; the resolved row is not one
    code, out, _ = run_cli(
        "scan", str(tmp_path / "m2.csv"), "-o", str(tmp_path / "f.csv"), "--baseline", str(tmp_path / "b.csv")
    )
    assert "台账 ledger: 新增 new 1 未销号 open 2 已销号 resolved 1" in " ".join(out.split())


BAD_BASELINES = [
    ("missing.csv", None, "no such baseline file"),
    ("nofid.csv", "rule_id,case_id\nTL001,A1\n", "no finding_id column"),
    ("broken.jsonl", "{not json\n", "not a JSON Lines findings file"),
]


@pytest.mark.parametrize(("name", "content", "expected"), BAD_BASELINES)
def test_bad_baseline_is_exit_2(tmp_path: Path, name: str, content: str | None, expected: str) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_text(content, encoding="utf-8")
    code, _, err = run_cli(
        "scan", str(write_log(tmp_path / "m.csv")), "-o", str(tmp_path / "f.csv"), "--baseline", str(path)
    )
    assert code == 2
    assert expected in err and len(err.strip().splitlines()) == 1


def test_neutralised_cells_compare_equal(tmp_path: Path) -> None:
    path = tmp_path / "b.csv"
    path.write_text("finding_id,rule_id,case_id,message,status\n'=abc,TL001,'-X,'+1 day,\n", encoding="utf-8-sig")
    base = read_findings(path)
    assert base.loc[0, "finding_id"] == "=abc" and base.loc[0, "case_id"] == "-X"
    cur = base.iloc[0:0].copy()
    out = diff(cur, base, ["TL001"])
    assert list(out["status"]) == ["resolved"] and out.loc[0, "message"] == "+1 day"
