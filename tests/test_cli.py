"""The command line (spec/output.md "Commands", "Exit codes"): rules, explain, and the exit-2 cases."""

from __future__ import annotations

import random
from pathlib import Path

import pandas as pd
import pytest

from regcheck.rules import REGISTRY
from regcheck.schema import CANONICAL, SEVERITY_ZH

from .conftest import run_cli, write_canonical_csv

ROWS = [
    {"case_id": "C1", "office_code": "340102", "activity": "accept", "event_time": "2026-09-07 09:00:00"},
    {"case_id": "C1", "office_code": "340102", "activity": "register", "event_time": "2026-09-08 10:00:00"},
]


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "240")  # rich tables: no wrapping of ids and titles


def test_rules_lists_every_registered_rule() -> None:
    code, out, _err = run_cli("rules")
    assert code == 0
    lines = out.splitlines()
    for rid, r in REGISTRY.items():
        (line,) = [x for x in lines if f" {rid} " in x]
        assert r.severity in line and r.category in line and r.title in line, line
    assert len(REGISTRY) >= 4


@pytest.mark.parametrize("rule_id", sorted(REGISTRY))
def test_explain_prints_title_basis_parameters_and_example(rule_id: str) -> None:
    r = REGISTRY[rule_id]
    code, out, _err = run_cli("explain", rule_id.lower())
    assert code == 0
    assert out.startswith(f"{r.id}  {r.title} / {r.title_en}")
    assert f"{SEVERITY_ZH[r.severity]} {r.severity}" in out
    assert r.basis_text.replace(";", "、") in out and r.fires_on in out
    for name, info in r.params.model_fields.items():
        assert f"  {name} = " in out
        if isinstance(info.default, int | float | str):
            assert f"  {name} = {info.default!r}" in out
    if not r.params.model_fields:
        assert "参数 parameters: none" in out
    if r.example:
        assert r.example.splitlines()[0].strip() in out


def test_explain_lg001_in_full() -> None:
    code, out, _err = run_cli("explain", "LG001")
    assert code == 0
    for text in (
        "日志序号缺口",
        "log sequence gap",
        "严重 critical",
        "第 20 项",
        "参数 parameters: none",
        "340102:1003",
    ):
        assert text in out


# --- exit 2: one line, no traceback -------------------------------------------------------------


def garbage(path: Path) -> Path:
    rnd = random.Random(20260907)
    path.write_bytes(bytes([0x81, 0x30, 0xFF, 0xFE, 0x00]) + bytes(rnd.randrange(256) for _ in range(4000)))
    return path


def undecodable(path: Path) -> Path:
    path.write_bytes(b"case_id,office_code,activity,event_time\n" + b"C1,340102,\xff\xff\xff,x\n")
    return path


def truncated_parquet(path: Path) -> Path:
    good = path.with_name("good.parquet")
    pd.DataFrame([{c: r.get(c) for c in CANONICAL} for r in ROWS]).to_parquet(good)
    data = good.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def without(column: str):
    def make(path: Path) -> Path:
        pd.DataFrame([{c: r.get(c, "") for c in CANONICAL if c != column} for r in ROWS]).to_csv(path, index=False)
        return path

    return make


def ok_log(path: Path) -> Path:
    return write_canonical_csv(ROWS, path)


def empty_file(path: Path) -> Path:
    path.write_bytes(b"")
    return path


def zh_without_office(path: Path) -> Path:
    path.write_text("业务号,环节,操作时间\nC1,受理,2026-09-07 09:00:00\n", encoding="gb18030")
    return path


def header_only_twice(path: Path) -> Path:
    path.write_text("case_id,case_id,office_code,activity,event_time\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("name", "make", "extra", "fragments"),
    [
        ("missing.csv", None, (), ["missing.csv", "no such file"]),
        ("garbage.csv", garbage, (), ["garbage.csv"]),
        ("bad.csv", undecodable, (), ["bad.csv", "neither UTF-8 nor GB18030"]),
        ("empty.csv", empty_file, (), ["empty.csv", "empty"]),
        ("cut.parquet", truncated_parquet, (), ["cut.parquet", "Parquet"]),
        ("no_office.csv", without("office_code"), (), ["no_office.csv", "office_code (登记机构代码)"]),
        ("no_time.csv", without("event_time"), (), ["no_time.csv", "event_time (操作时间)"]),
        ("zh.csv", zh_without_office, (), ["zh.csv", "office_code (登记机构代码)"]),
        ("twice.csv", header_only_twice, (), ["twice.csv", "'case_id' appears twice"]),
        ("ok.csv", ok_log, ("--select", "XY"), ["'XY'"]),
        ("ok.csv", ok_log, ("--ignore", "LG009"), ["'LG009'"]),
        ("ok.csv", ok_log, ("--as-of", "soon"), ["--as-of", "soon"]),
        ("ok.csv", ok_log, ("--profile", "nope.toml"), ["nope.toml"]),
    ],
)
def test_unusable_input_is_exit_2_with_one_line(
    tmp_path: Path, name: str, make, extra: tuple[str, ...], fragments: list[str]
) -> None:
    path = tmp_path / name
    if make is not None:
        make(path)
    code, _out, err = run_cli("scan", str(path), *extra, "-o", str(tmp_path / "f.csv"), "-q")
    assert code == 2, err
    assert err.startswith("regcheck: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in err
    assert not (tmp_path / "f.csv").exists()


def test_one_bad_file_among_several_names_that_file(tmp_path: Path) -> None:
    good = write_canonical_csv(ROWS, tmp_path / "good.csv")
    bad = truncated_parquet(tmp_path / "bad.parquet")
    code, _out, err = run_cli("scan", str(good), str(bad), "-o", str(tmp_path / "f.csv"), "-q")
    assert code == 2 and "bad.parquet" in err and "good.csv" not in err


def test_explain_unknown_rule_is_exit_2() -> None:
    code, _out, err = run_cli("explain", "XX999")
    assert code == 2 and "XX999" in err and err.count("\n") == 1


def test_select_and_ignore_by_id_or_prefix(tmp_path: Path) -> None:
    rows = [*ROWS, {**ROWS[1], "activity": "register", "case_id": "C2", "event_time": "2026-09-08 08:00:00"}]
    rows.append({**rows[-1], "activity": "accept", "event_time": "2026-09-08 09:00:00"})
    rows.append({"case_id": "C3", "office_code": "340102", "activity": "complete", "event_time": "2026-09-09 09:00"})
    log = write_canonical_csv(rows, tmp_path / "log.csv")
    out = tmp_path / "f.csv"
    fires = {"C2": "LG002", "C3": "LG003"}  # C2 registered before accepted; C3 completed, never accepted
    expected = {("LG", ""): {"C2", "C3"}, ("LG002", ""): {"C2"}, ("lg", "lg003"): {"C2"}}
    for (select, ignore), cases in expected.items():
        args = ["--select", select] + (["--ignore", ignore] if ignore else [])
        code, _o, err = run_cli("scan", str(log), *args, "-o", str(out), "-q")
        assert code == 0, err
        found = pd.read_csv(out, dtype=str, encoding="utf-8-sig")
        assert set(zip(found["rule_id"], found["case_id"], strict=True)) == {(fires[c], c) for c in cases}


def test_a_log_of_headers_only_is_exit_2_not_an_empty_clean_report(tmp_path: Path) -> None:
    """Issue 12 item 4: an empty findings file would read as a clean 零报告, so nothing to check is an error."""
    log = tmp_path / "empty.csv"
    log.write_text(",".join(CANONICAL) + "\n", encoding="utf-8")
    out = tmp_path / "f.csv"
    for command in (["scan", str(log), "-o", str(out)], ["sample", str(log), "--seed", "1", "-o", str(out)]):
        code, _out, err = run_cli(*command, "-q")
        assert code == 2, err
        assert err == f"regcheck: error: {log}: no data rows (only the header), nothing to check\n"
        assert not out.exists()
