"""Shared test helpers: where the spec lives, and running the real CLI in-process."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from regcheck.cli import main
from regcheck.schema import CANONICAL
from regcheck.writers import ID_COLUMNS

REPO = Path(__file__).resolve().parents[1]


def shared_dir() -> Path:
    """The project's shared/ folder: beside the checkout (as CI lays it), or $REGCHECK_SHARED."""
    env = os.environ.get("REGCHECK_SHARED")
    if env:
        return Path(env)
    for cand in (REPO.parent / "shared", REPO / "shared"):
        if cand.is_dir():
            return cand
    pytest.skip("shared/ (spec examples, public data) not found beside the checkout; set REGCHECK_SHARED")


def write_canonical_csv(rows: list[dict], path: Path, encoding: str = "utf-8") -> Path:
    """Rows with canonical names -> a CSV with all 25 canonical columns, blanks as empty cells."""
    frame = pd.DataFrame([{c: r.get(c, "") for c in CANONICAL} for r in rows], columns=list(CANONICAL))
    frame.to_csv(path, index=False, encoding=encoding)
    return path


def run_cli(*args: str) -> tuple[int, str, str]:
    runner = CliRunner()
    result = runner.invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def scan_findings(path: Path, tmp: Path, *extra: str) -> pd.DataFrame:
    out = tmp / "findings.csv"
    code, _stdout, stderr = run_cli("scan", str(path), "-o", str(out), "--quiet", *extra)
    assert code == 0, stderr
    return read_findings_csv(out)


def read_findings_csv(path: Path) -> pd.DataFrame:
    """A findings CSV as an importing program reads it: ids that end in a tab (kept as text for Excel, README
    "输出 / output") without it."""
    found = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    for col in ID_COLUMNS:
        if col in found.columns:
            found[col] = found[col].str.removesuffix("\t")
    return found
