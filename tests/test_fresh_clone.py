"""A clone of this repository alone passes its tests and runs the README's commands (issue 12, items 1–2).

`.ci/run` proves it end to end (a fresh clone in a temporary folder, nothing beside it); these
tests keep the pieces true between CI runs.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pandas as pd

from regcheck.rules import REGISTRY
from regcheck.schema import APPROVAL_COLUMNS, COLUMNS, ENUMS, ROSTER_COLUMNS

from .conftest import EXAMPLES, RECEIPT, REPO, run_cli

# What a user's clone does not have: the team's shared/ folder beside the checkout.
SHARED_REF = re.compile(r"\.\./shared|/work/shared|shared_dir\(|REGCHECK_SHARED|shared/(spec|data|seeds)/")


def _texts() -> list[Path]:
    files = [REPO / "README.md", REPO / "SECURITY.md", REPO / ".ci" / "run"]
    files += sorted((REPO / "tests").glob("*.py")) + sorted((REPO / "docs").glob("*.md"))
    return files + sorted((REPO / "profiles").glob("*.toml")) + sorted((REPO / "regcheck").rglob("*.py"))


def test_nothing_reads_the_teams_shared_folder() -> None:
    offenders = [
        f"{path.relative_to(REPO)}:{n}"
        for path in _texts()
        if path != Path(__file__).resolve()
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if SHARED_REF.search(line)
    ]
    assert offenders == []


def test_every_rule_family_has_its_worked_examples_in_the_repository() -> None:
    families = {json.loads(p.read_text(encoding="utf-8"))["family"]: p for p in EXAMPLES.glob("*.json")}
    expected = {
        rid
        for p in families.values()
        for case in json.loads(p.read_text("utf-8"))["cases"]
        for rid, _ in case["expect"]
    }
    assert len(families) == 8 and RECEIPT.stat().st_size > 100_000
    assert expected <= set(REGISTRY), sorted(expected - set(REGISTRY))


def test_readme_links_only_files_that_exist_in_the_repository() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    links = re.findall(r"\]\(([^)#:]+)\)", readme)
    assert "docs/input.md" in links
    assert [link for link in links if not (REPO / link).exists()] == []


def test_openpyxl_is_a_dependency_not_an_extra() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert any(dep.startswith("openpyxl") for dep in project["dependencies"])


def test_readme_side_input_example_writes_xlsx_and_report(tmp_path: Path) -> None:
    data = REPO / "sample_data"
    out, report = tmp_path / "findings.xlsx", tmp_path / "report.html"
    code, _out, err = run_cli(
        "scan", str(data / "logs.parquet"), "--roster", str(data / "logs.roster.csv"),
        "--approvals", str(data / "logs.approvals.csv"), "--report", str(report), "-o", str(out), "--quiet",
    )  # fmt: skip
    assert code == 0, err
    assert len(pd.read_excel(out, sheet_name=0)) > 0 and report.stat().st_size > 0


def test_docs_input_lists_every_column_and_code_the_loader_knows() -> None:
    doc = (REPO / "docs" / "input.md").read_text(encoding="utf-8")
    cells = {cell.strip(" `*") for line in doc.splitlines() for cell in line.split("|")}
    for col in COLUMNS:
        assert {col.name, col.zh} <= cells, col.name
    for col in ROSTER_COLUMNS + APPROVAL_COLUMNS:
        assert f"{col.name} {col.zh}" in doc, col.name
    for table in ENUMS.values():
        for code, label in table.items():
            assert f"`{code}` {label}" in doc or {code, label} <= cells, code
