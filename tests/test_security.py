"""SECURITY.md, proved: no network, owner-only output files written only through the atomic writer, and
every text format safe to open in Excel/WPS (formula injection) with its encoding declared."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import socket
import zipfile
from pathlib import Path

import pytest

from .conftest import run_cli, write_canonical_csv

openpyxl = pytest.importorskip("openpyxl")

OFFICE = "340104"
FORMULAS = ["=1+2", "+86-10", "-R1", "@SUM(A1)", '=HYPERLINK("http://evil.example/","点这里")', "=cmd|' /C calc'!A0"]
RISKY = ("=", "+", "-", "@", "\t", "\r")


def hostile_rows() -> list[dict]:
    """LG002 (register before accept) for cases whose id, office and operator are formulas or markup."""
    rows = []
    for i, value in enumerate([*FORMULAS, "<script>alert(1)</script>", "</script><b>x</b>"]):
        office = value if i % 3 == 0 else OFFICE
        for activity, time in (("accept", "2026-09-08 10:00:00"), ("register", "2026-09-08 09:00:00")):
            rows.append({"case_id": value, "office_code": office, "activity": activity, "event_time": time,
                         "operator_id": FORMULAS[(i + 1) % len(FORMULAS)]})  # fmt: skip
    rows.append({"case_id": "R1", "office_code": OFFICE, "activity": "=2+3", "event_time": "2026-09-08 09:00:00"})
    return rows


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("hostile")
    log = write_canonical_csv(hostile_rows(), folder / "log.csv")
    out = {
        "csv": folder / "f.csv",
        "xlsx": folder / "f.xlsx",
        "jsonl": folder / "f.jsonl",
        "html": folder / "report.html",
        "rejects": folder / "rejects.csv",
    }
    for fmt in ("csv", "xlsx", "jsonl"):
        extra = ["--report", str(out["html"]), "--rejects", str(out["rejects"])] if fmt == "xlsx" else []
        code, _o, err = run_cli("scan", str(log), "-o", str(out[fmt]), "-q", *extra)
        assert code == 0, err
    return out


# --- formula injection and encoding, per format -------------------------------------------------


@pytest.mark.parametrize("name", ["csv", "rejects"])
def test_csv_files_are_utf8_with_bom_and_no_cell_is_a_formula(outputs: dict[str, Path], name: str) -> None:
    raw = outputs[name].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    cells = [c for row in csv.reader(io.StringIO(raw.decode("utf-8-sig"))) for c in row]
    assert cells and not [c for c in cells if c.startswith(RISKY)]
    assert any(c.startswith("'=") for c in cells)  # the formulas are there, neutralised


def test_xlsx_has_no_formula_cell_in_any_sheet(outputs: dict[str, Path]) -> None:
    wb = openpyxl.load_workbook(outputs["xlsx"])
    assert wb.sheetnames == ["问题清单", "汇总", "字段说明"]
    seen = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", (ws.title, c.coordinate, c.value)
                if isinstance(c.value, str):
                    assert not c.value.startswith(RISKY), (ws.title, c.coordinate, c.value)
                    seen += c.value.startswith("'=")
    assert seen >= 3  # findings case ids and operators, and the summary's office codes
    with zipfile.ZipFile(outputs["xlsx"]) as z:  # and no <f> element anywhere in the package
        assert not any(re.search(rb"<f[ >]", z.read(n)) for n in z.namelist() if n.endswith(".xml"))


def test_html_report_escapes_markup_and_neutralises_formulas(outputs: dict[str, Path]) -> None:
    html = outputs["html"].read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in html
    assert "<script>alert(1)</script>" not in html and "</script><b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", html)
    assert cells and not [c for c in cells if c.startswith(RISKY)]
    assert "&#x27;=1+2" in html  # the case id, neutralised as in the CSV
    # every </script> in the page closes one of its own three script elements
    assert html.count("</script>") == 3


def test_json_lines_keep_values_verbatim_as_valid_utf8_json(outputs: dict[str, Path]) -> None:
    """JSON Lines is a machine format (like Parquet): values are kept as they are, not prefixed with a quote.
    Excel/WPS do not open .jsonl files; Power Query imports JSON values as text, never as formulas."""
    raw = outputs["jsonl"].read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    records = [json.loads(line) for line in raw.decode("utf-8").splitlines()]
    assert {r["case_id"] for r in records if r["rule_id"] == "LG002"} >= set(FORMULAS)
    assert "日志" in raw.decode("utf-8") or "登簿" in raw.decode("utf-8")  # Chinese as UTF-8, not \u escapes


def test_the_sample_is_neutralised_too(tmp_path: Path) -> None:
    log = write_canonical_csv(hostile_rows(), tmp_path / "log.csv")
    for name in ("s.csv", "s.xlsx"):
        out = tmp_path / name
        code, _o, err = run_cli("sample", str(log), "--seed", "1", "--rate", "100%", "-o", str(out), "-q")
        assert code == 0, err
        if name.endswith(".csv"):
            cells = [c for row in csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))) for c in row]
        else:
            wb = openpyxl.load_workbook(out)
            cells = [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
        assert not [c for c in cells if c.startswith(RISKY)]


# --- files: owner-only, written atomically -------------------------------------------------------


def every_command(folder: Path) -> list[list[str]]:
    """Every command that writes files, each output format once."""
    log = write_canonical_csv(hostile_rows(), folder / "log.csv")
    roster = folder / "roster.csv"
    roster.write_text(
        "operator_id,name,office_code,post,registrar,trained,training_hours,active_from,active_to,post_since\n"
        f"W1,张三,{OFFICE},受理,否,是,,,,2015-01-01\n",
        encoding="utf-8",
    )
    scan = ["scan", str(log), "--roster", str(roster), "-q"]
    return [
        [*scan, "-o", str(folder / "f.xlsx"), "--rejects", str(folder / "r.csv"), "--report", str(folder / "r.html")],
        [*scan, "-o", str(folder / "f.csv")],
        [*scan, "-o", str(folder / "f.jsonl")],
        [*scan, "-o", str(folder / "f.parquet")],
        ["validate", str(log), "--rejects", str(folder / "v.csv")],
        ["sample", str(log), "--seed", "3", "-o", str(folder / "s.xlsx"), "-q"],
        ["sample", str(log), "--seed", "3", "-o", str(folder / "s.csv"), "-q"],
        ["generate", "--cases", "500", "--seed", "2", "-o", str(folder / "g.parquet")],
    ]


def partition_command(folder: Path) -> list[str]:
    return ["partition", str(folder / "log.csv"), "-o", str(folder / "dataset"), "-q"]


def test_every_output_is_owner_only_and_written_through_the_atomic_writer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    commands = every_command(tmp_path)
    inputs = set(os.listdir(tmp_path))
    renamed: list[str] = []
    real_replace = os.replace

    def replace(src, dst):
        renamed.append(os.path.basename(dst))
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    old = os.umask(0)  # even a permissive umask gives owner-only files
    try:
        for args in commands:
            code, _o, err = run_cli(*args)
            assert code in (0, 1), (args, err)
    finally:
        os.umask(old)
    written = set(os.listdir(tmp_path)) - inputs
    assert written == {
        "f.xlsx", "r.csv", "r.html", "f.csv", "f.jsonl", "f.parquet", "v.csv", "s.xlsx", "s.csv",
        "g.parquet", "g.labels.csv", "g.roster.csv", "g.approvals.csv",
    }  # fmt: skip
    assert written <= set(renamed)  # every file came into being by the atomic rename
    modes = {name: (tmp_path / name).stat().st_mode & 0o777 for name in written}
    assert modes == dict.fromkeys(written, 0o600)


def test_a_partitioned_dataset_is_an_owner_only_folder(tmp_path: Path) -> None:
    log = write_canonical_csv(hostile_rows(), tmp_path / "log.csv")
    old = os.umask(0)
    try:
        code, _o, err = run_cli("partition", str(log), "-o", str(tmp_path / "dataset"), "-q")
    finally:
        os.umask(old)
    assert code == 0, err
    assert (tmp_path / "dataset").stat().st_mode & 0o777 == 0o700


# --- no network ------------------------------------------------------------------------------------


def test_a_scan_makes_no_network_connection(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    attempts: list[str] = []

    def refuse(name: str):
        def no(*args, **kwargs):
            attempts.append(name)
            raise OSError(f"network disabled by the test ({name})")

        return no

    for name in ("socket", "create_connection", "getaddrinfo", "gethostbyname", "socketpair"):
        monkeypatch.setattr(socket, name, refuse(name))
    commands = [*every_command(tmp_path), partition_command(tmp_path)]
    for args in commands:
        code, _o, err = run_cli(*args)
        assert code in (0, 1), (args, err)
    assert attempts == []
    # and the report opened offline fetches nothing either: no remote script, style sheet or image
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=\"https?://", (tmp_path / "r.html").read_text("utf-8"))
