"""Issue 13 item 13: rows taken from a baseline made with ``--no-mask`` are masked like fresh findings.

Family: every findings format a baseline can be (CSV, JSON Lines, Parquet, XLSX) × every kind of personal data
a finding carries (an individual mortgagee's name, a roster name, an identity or mobile number as operator id),
where the person is gone from this month's data, so only the baseline knows the name.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from regcheck.baseline import read_findings
from regcheck.masking import baseline_names

from .conftest import run_cli, write_canonical_csv
from .test_masking import MASKED, RAW, ROWS, ev, scan

pytest.importorskip("openpyxl")

NEXT_MONTH = [ev("R2", "accept", "2026-10-12 09:00:00", "P2")]  # none of last month's people
NEXT_ROSTER = (
    "operator_id,name,office_code,post,registrar,trained,training_hours,active_from,active_to,post_since\n"
    "P2,王小二,340104,受理,否,是,,,,2025-01-01\n"
)


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet", "xlsx"])
def test_a_no_mask_baseline_brings_no_clear_names_into_a_masked_run(tmp_path: Path, fmt: str) -> None:
    _c, _o, _e, first = scan(tmp_path, f"may.{fmt}", "-q", "--no-mask", rows=ROWS)
    assert all(raw in read_findings(first).to_csv() for raw in RAW)  # the baseline holds everything in clear
    log = write_canonical_csv(NEXT_MONTH, tmp_path / "june.csv")
    roster = tmp_path / "roster_june.csv"
    roster.write_text(NEXT_ROSTER, encoding="utf-8")
    report = tmp_path / "report.html"
    out = tmp_path / "june.csv.out.csv"
    code, _o, err = run_cli("scan", str(log), "-o", str(out), "--roster", str(roster), "--baseline", str(first),
                            "--report", str(report), "-q")  # fmt: skip
    assert code == 0, err
    got = pd.read_csv(out, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    resolved = got[got["status"] == "resolved"]
    assert set(resolved["finding_id"]) == set(read_findings(first)["finding_id"])  # last month's rows came back ...
    for text in (out.read_text(encoding="utf-8-sig"), report.read_text(encoding="utf-8")):
        for raw, masked in zip(RAW, MASKED, strict=True):
            assert raw not in text, raw  # ... masked like fresh findings
            assert masked in text, masked


def test_names_are_read_from_a_baseline_in_clear_but_not_from_a_masked_one() -> None:
    clear = pd.DataFrame(
        [
            ("MG006", None, "抵押权人张三丰为自然人（非金融机构），请复核",
             '{"mortgagee":"张三丰","mortgagee_type":"individual"}'),
            ("MG006", None, "抵押权人合肥小贷公司为非金融企业（非金融机构）",
             '{"mortgagee":"合肥小贷公司","mortgagee_type":"company"}'),
            ("SD002", "W1", "操作人W1（李四光）于2026-09-10办理受理环节不在人员名册中", "{}"),
            ("SD004", "P1", "P1（欧阳娜娜）自2015-01-01起在受理岗任职已11年", "{}"),
            ("SD004", "P9", "P9自2015-01-01起在本岗任职已11年", "{}"),
            ("TL001", "W1", "操作人W1（赵六）", "{}"),
        ],
        columns=["rule_id", "operator_id", "message", "evidence"],
    )  # fmt: skip
    assert baseline_names(clear) == sorted(["张三丰", "李四光", "欧阳娜娜"])
    masked = clear.replace({"张三丰": "张**", "李四光": "李**", "欧阳娜娜": "欧***"}, regex=True)
    assert baseline_names(masked) == []
    assert baseline_names(None) == [] and baseline_names(pd.DataFrame()) == []
