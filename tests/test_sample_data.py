"""The README's first command, and the sample log in its two forms."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from .conftest import REPO, run_cli

SAMPLE = REPO / "sample_data"


def test_parquet_and_chinese_gb18030_csv_give_identical_findings(tmp_path: Path) -> None:
    outs = []
    for name in ("logs.parquet", "logs_zh.csv"):
        out = tmp_path / f"{name}.findings.csv"
        code, _, err = run_cli("scan", str(SAMPLE / name), "-o", str(out), "--quiet")
        assert code == 0, err
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
    found = pd.read_csv(tmp_path / "logs.parquet.findings.csv", encoding="utf-8-sig")
    assert len(found) > 100 and found["finding_id"].is_unique


def test_zh_csv_is_gb18030_with_chinese_headers() -> None:
    raw = (SAMPLE / "logs_zh.csv").read_bytes()
    try:
        raw.decode("utf-8")
        utf8 = True
    except UnicodeDecodeError:
        utf8 = False
    assert not utf8
    assert raw.decode("gb18030").startswith("日志序号,业务号,登记机构代码,环节,操作时间")


def test_readme_first_command_writes_findings_csv_in_the_working_directory(tmp_path: Path) -> None:
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        code, out, err = run_cli("scan", str(SAMPLE / "logs.parquet"))
    finally:
        os.chdir(cwd)
    assert code == 0, err
    assert (tmp_path / "findings.csv").read_bytes().startswith("\ufeff".encode())
    assert "findings.csv" in out
