"""Identifiers and headers (issue 12 items 4 and 6, issue 13 items 6 and 7): ids a spreadsheet turned into
numbers, ids written so that Excel/WPS keep them as text, header synonyms, repeated header lines, blank rows,
the field separator, and a config that is not UTF-8. README "输入 / input" has the decisions.
"""

from __future__ import annotations

import csv
import itertools
import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from regcheck.loaders import load
from regcheck.schema import COLUMNS

from .conftest import run_cli

SETTINGS = settings(
    max_examples=12,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
HEADER = ["case_id", "office_code", "activity", "event_time", "operator_id"]
REASON = "identifier mangled by a spreadsheet ({how}): re-export as text"


def write_csv(path: Path, rows: list[list[str]], header: list[str] = HEADER, sep: str = ",") -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, delimiter=sep, lineterminator="\n").writerows([header, *rows])
    return path


def case_rows(ids: list[str]) -> list[list[str]]:
    """An accept and a register row per case (register before accept: one LG002 finding per case)."""
    out = []
    for k, cid in enumerate(ids):
        day = 1 + k % 28
        out.append([cid, "340102", "accept", f"2026-09-{day:02d} 10:00:00", "W1"])
        out.append([cid, "340102", "register", f"2026-09-{day:02d} 09:00:00", "D1"])
    return out


real_id = st.builds(
    lambda office, seq, extra: f"{office}2026{seq:05d}{extra}",
    st.sampled_from(["340102", "340103", "110105"]),
    st.integers(1, 99_999),
    st.text("0123456789", min_size=2, max_size=3),  # real case ids have 17+ digits
).filter(lambda s: set(s[15:]) != {"0"})  # a column of ids all ending in zeros is what a spreadsheet leaves


def excel_scientific(cid: str) -> str:
    return f"{float(cid):.5E}"  # 3.40102E+16, as Excel's General format shows and saves it


def python_float(cid: str) -> str:
    return repr(float(cid))  # 3.4010220260100004e+16


def no_sign_exponent(cid: str) -> str:
    return repr(float(cid)).replace("e+", "e")  # 3.4010220260100004e16


def comma_decimal(cid: str) -> str:
    return excel_scientific(cid).replace(".", ",")  # a European-locale spreadsheet


def decimal_point(cid: str) -> str:
    return f"{cid}.0"  # a float written back as text


SPELLINGS = {
    excel_scientific: "scientific notation",
    python_float: "scientific notation",
    no_sign_exponent: "scientific notation",
    comma_decimal: "scientific notation",
    decimal_point: "decimal number",
}


@SETTINGS
@given(
    good=st.lists(real_id, min_size=3, max_size=6, unique=True),
    bad=st.lists(real_id, min_size=1, max_size=2, unique=True),
    spell=st.sampled_from(list(SPELLINGS)),
)
def test_a_mangled_identifier_is_rejected_row_by_row_with_the_reason(tmp_path_factory, good, bad, spell) -> None:
    tmp = tmp_path_factory.mktemp("mangled")
    bad = [b for b in bad if b not in good] or ["34010220260100002"]
    mangled = [spell(b) for b in bad]
    log = write_csv(tmp / "log.csv", case_rows(good + mangled))
    # --no-mask: an 18-digit id shown in the rejects file looks like a resident ID number to the masker
    rejects = str(tmp / "rej.csv")
    code, _, err = run_cli("scan", str(log), "-o", str(tmp / "f.csv"), "--rejects", rejects, "--quiet", "--no-mask")
    assert code == 0, err
    rej = pd.read_csv(tmp / "rej.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert set(rej["reason"]) == {REASON.format(how=SPELLINGS[spell])}
    assert set(rej["value"]) == set(mangled)
    assert sorted(rej["row"].astype(int)) == list(range(2 + 2 * len(good), 2 + 2 * len(good) + 2 * len(mangled)))
    found = pd.read_csv(tmp / "f.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert set(found["case_id"].str.strip()) == set(good)  # the good cases are still checked


@SETTINGS
@given(ids=st.lists(real_id, min_size=3, max_size=8, unique=True), spell=st.sampled_from(list(SPELLINGS)))
def test_a_file_of_mostly_mangled_identifiers_is_exit_2_saying_so(tmp_path_factory, ids, spell) -> None:
    tmp = tmp_path_factory.mktemp("mostly")
    mangled = [spell(i) for i in ids]
    log = write_csv(tmp / "log.csv", case_rows(mangled[:-1] + ids[-1:]))
    code, _, err = run_cli("scan", str(log), "-o", str(tmp / "f.csv"), "--quiet")
    assert code == 2
    line = err.strip()
    assert "\n" not in line and line.startswith("regcheck: error: ")
    assert f"rows hold identifiers mangled by a spreadsheet (row 2: case_id {mangled[0]!r}" in line
    assert "re-export the file with case_id, unit_id and office_code as text" in line
    assert not (tmp / "f.csv").exists()


@SETTINGS
@given(ids=st.lists(st.integers(10**16, 10**18 - 1), min_size=2, max_size=40, unique=True))
def test_ids_rounded_to_15_digits_by_a_spreadsheet_are_exit_2(tmp_path_factory, ids) -> None:
    """3,000 cases rounded to 15 significant digits used to become a handful of cases, '100% on time'."""
    tmp = tmp_path_factory.mktemp("rounded")
    rounded = [
        str(int(f"{i:.14e}".replace("e+", "e").split("e")[0].replace(".", "")) * 10 ** (len(str(i)) - 15)) for i in ids
    ]
    assert all(r[15:] == "0" * (len(r) - 15) for r in rounded)
    if sum(len(r) - 15 for r in set(rounded)) < 3:  # one 17-digit id ending in 00 can be real
        rounded.append("340102202601000000")
    log = write_csv(tmp / "log.csv", case_rows(rounded))
    code, _, err = run_cli("scan", str(log), "-o", str(tmp / "f.csv"), "--quiet")
    assert code == 2, err
    assert "rounded to 15 digits" in err


@SETTINGS
@given(
    ids=st.lists(real_id, min_size=1, max_size=8, unique=True),
    extra=st.sampled_from(
        ["2026E001", "34010220260100100", "340102001001GB00001F00010001", "YWH-2026-0001", "1e5", "0340102202601"]
    ),
)
def test_real_identifiers_are_never_taken_for_mangled_ones(tmp_path_factory, ids, extra) -> None:
    """Ids of 17-28 digits, letters, or one id ending in 00 among others: all accepted as they are."""
    tmp = tmp_path_factory.mktemp("real")
    ids = [i for i in ids if i != extra] + [extra]
    result = load([write_csv(tmp / "log.csv", case_rows(ids))])
    assert result.rejects.empty
    assert set(result.events["case_id"].astype(str)) == set(ids)


def test_one_id_ending_in_00_is_a_real_id(tmp_path: Path) -> None:
    result = load([write_csv(tmp_path / "log.csv", case_rows(["34010220260100100"]))])
    assert result.rejects.empty and len(result.events) == 2


@pytest.mark.parametrize("column", ["case_id", "office_code"])
def test_a_float_identifier_column_in_parquet_is_mangled_by_definition(tmp_path: Path, column: str) -> None:
    frame = pd.DataFrame(case_rows(["34010220260100002", "34010220260100003"]), columns=HEADER)
    frame[column] = frame[column].astype("float64")
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), tmp_path / "log.parquet")
    code, _, err = run_cli("scan", str(tmp_path / "log.parquet"), "-o", str(tmp_path / "f.csv"), "--quiet")
    assert code == 2
    assert f"4 of 4 rows hold identifiers mangled by a spreadsheet (row 2: {column}" in err
    assert "stored as floating-point numbers" in err


def test_an_int64_identifier_column_in_parquet_keeps_every_digit(tmp_path: Path) -> None:
    frame = pd.DataFrame(case_rows(["34010220260100002", "340102202601000017"]), columns=HEADER)
    frame["case_id"] = frame["case_id"].astype("int64")
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), tmp_path / "log.parquet")
    result = load([tmp_path / "log.parquet"])
    assert result.rejects.empty
    assert set(result.events["case_id"].astype(str)) == {"34010220260100002", "340102202601000017"}


# --- ids in the CSV findings ------------------------------------------------------------------


@SETTINGS
@given(ids=st.lists(real_id, min_size=1, max_size=4, unique=True))
def test_csv_findings_keep_long_ids_as_text_for_excel_and_a_baseline_reads_them_back(tmp_path_factory, ids) -> None:
    tmp = tmp_path_factory.mktemp("csvids")
    log = write_csv(tmp / "log.csv", case_rows(ids))
    out = tmp / "f.csv"
    assert run_cli("scan", str(log), "-o", str(out), "--quiet", "--select", "LG002")[0] == 0
    text = out.read_text(encoding="utf-8-sig")
    for cid in ids:
        assert f",{cid}\t," in text  # a trailing tab: Excel/WPS open the cell as text, not 3.4E+16
    assert ",340102," in text and "340102\t" not in text  # a 6-digit office code opens unchanged
    raw = pd.read_csv(out, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert set(raw["case_id"].str.rstrip("\t")) == set(ids)
    # the next month's run against this file as its baseline: the same findings are "open", none "new"
    again = tmp / "g.csv"
    assert run_cli("scan", str(log), "-o", str(again), "--quiet", "--select", "LG002", "--baseline", str(out))[0] == 0
    status = pd.read_csv(again, dtype=str, keep_default_na=False, encoding="utf-8-sig")["status"]
    assert set(status) == {"open"}


# --- headers ----------------------------------------------------------------------------------


@SETTINGS
@given(col=st.sampled_from(COLUMNS), zh_first=st.booleans())
def test_a_canonical_header_and_its_chinese_synonym_together_are_exit_2_naming_both(
    tmp_path_factory, col, zh_first
) -> None:
    tmp = tmp_path_factory.mktemp("syn")
    header = list(HEADER) if col.name in HEADER else [*HEADER, col.name]
    at = header.index(col.name)
    header.insert(at if zh_first else at + 1, col.zh)
    rows = [
        [
            r[HEADER.index(h)] if h in HEADER else (r[HEADER.index(col.name)] if col.name in HEADER else "")
            for h in header
        ]
        for r in case_rows(["C1"])
    ]
    log = write_csv(tmp / "log.csv", rows, header)
    code, _, err = run_cli("scan", str(log), "-o", str(tmp / "f.csv"), "--quiet")
    assert code == 2
    first, second = sorted([col.name, col.zh], key=header.index)
    assert f"the headers {first!r} and {second!r} are both column {col.name}" in err


def test_a_header_and_a_profile_constant_for_one_column_are_exit_2(tmp_path: Path) -> None:
    profile = tmp_path / "p.toml"
    profile.write_text('[constants]\noffice_code = "340103"\n', encoding="utf-8")
    log = write_csv(tmp_path / "log.csv", case_rows(["C1"]))
    code, _, err = run_cli("scan", str(log), "--profile", str(profile), "-o", str(tmp_path / "f.csv"))
    assert code == 2
    assert "column office_code is both the header 'office_code' and the profile's constant '340103'" in err


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[columns]\ncase_id = "YWH"\nunit_id = "YWH"\n', "the header 'YWH' is mapped to both case_id and unit_id"),
        ('[columns]\noffice_code = "JG"\n[constants]\noffice_code = "340102"\n', "office_code is both a [columns]"),
    ],
)
def test_a_profile_with_two_sources_for_one_column_is_exit_2(tmp_path: Path, toml: str, message: str) -> None:
    profile = tmp_path / "p.toml"
    profile.write_text(toml, encoding="utf-8")
    log = write_csv(tmp_path / "log.csv", case_rows(["C1"]))
    code, _, err = run_cli("scan", str(log), "--profile", str(profile), "-o", str(tmp_path / "f.csv"))
    assert code == 2 and message in err


PERMUTATIONS = list(itertools.permutations(range(len(HEADER))))


@SETTINGS
@given(order=st.sampled_from(PERMUTATIONS), before=st.integers(1, 3), after=st.integers(1, 3))
def test_a_repeated_header_line_switches_nothing_silently(tmp_path_factory, order, before, after) -> None:
    """Two exports concatenated: a repeat in the same order is skipped, another order is exit 2 naming the row."""
    tmp = tmp_path_factory.mktemp("repeat")
    first = case_rows([f"A{k}" for k in range(before)])
    second = case_rows([f"B{k}" for k in range(after)])
    header2 = [HEADER[i] for i in order]
    lines = [",".join(HEADER), *(",".join(r) for r in first), ",".join(header2)]
    lines += [",".join(r[i] for i in order) for r in second]
    log = tmp / "log.csv"
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp / "f.csv"
    code, _, err = run_cli("scan", str(log), "-o", str(out), "--rejects", str(tmp / "r.csv"), "--quiet")
    if list(order) == sorted(order):
        assert code == 0, err
        assert pd.read_csv(tmp / "r.csv").empty
        result = load([log])
        assert result.rows_read == 2 * (before + after)  # the repeated header is not a row
        assert set(result.events["case_id"].astype(str)) == {f"A{k}" for k in range(before)} | {
            f"B{k}" for k in range(after)
        }
    else:
        assert code == 2
        assert f"row {2 + 2 * before} repeats the header line with other columns or another column order" in err
        assert not out.exists()


def test_a_repeated_header_with_other_columns_is_exit_2(tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    rows = case_rows(["C1"])
    text = ",".join(HEADER) + "\n" + ",".join(rows[0]) + "\n" + ",".join([*HEADER, "备注"]) + "\n"
    log.write_text(text + ",".join([*rows[1], "x"]) + "\n", encoding="utf-8")
    code, _, err = run_cli("scan", str(log), "-o", str(tmp_path / "f.csv"))
    assert code == 2 and "row 3 repeats the header line" in err


# --- blank rows, separators, config encoding --------------------------------------------------


@SETTINGS
@given(blank=st.lists(st.sampled_from(["", ",,,,", " , ,\t, ,", "NULL,,,,"]), min_size=1, max_size=4))
def test_blank_rows_are_counted_as_blank_not_rejected(tmp_path_factory, blank) -> None:
    tmp = tmp_path_factory.mktemp("blank")
    rows = [",".join(r) for r in case_rows(["C1", "C2"])]
    bad = "C3,340102,accept,not a time,W1"
    log = tmp / "log.csv"
    log.write_text("\n".join([",".join(HEADER), rows[0], *blank, *rows[1:], bad]) + "\n", encoding="utf-8")
    result = load([log])
    assert result.rows_blank == len(blank)
    assert len(result.events) == 4 and result.rows_read == 4 + 1 + len(blank)
    # only the bad row is rejected, under its row number as a spreadsheet shows it (blank rows count)
    assert result.rejects[["row", "column"]].values.tolist() == [[2 + 4 + len(blank), "event_time"]]


@pytest.mark.parametrize(("sep", "flag"), [(";", "';'"), ("\t", "tab"), ("|", "'|'")])
def test_a_missing_column_names_the_headers_found_and_the_likely_delimiter(tmp_path: Path, sep: str, flag: str) -> None:
    log = write_csv(tmp_path / "log.csv", case_rows(["C1"]), sep=sep)
    code, _, err = run_cli("scan", str(log), "-o", str(tmp_path / "f.csv"))
    assert code == 2
    assert f"the headers found are {sep.join(HEADER)!r}" in err
    assert f"the fields look separated by {flag}: add --delimiter {flag}" in err
    code, _, err = run_cli("scan", str(log), "-o", str(tmp_path / "f.csv"), "--delimiter", flag.strip("'"), "--quiet")
    assert code == 0, err
    assert run_cli("validate", str(log), "--delimiter", flag.strip("'"))[0] == 0


def test_a_missing_column_lists_the_headers_found(tmp_path: Path) -> None:
    log = write_csv(tmp_path / "log.csv", [r[1:] for r in case_rows(["C1"])], HEADER[1:])
    code, _, err = run_cli("scan", str(log), "-o", str(tmp_path / "f.csv"))
    assert code == 2
    assert "required column case_id (业务号) is missing; the headers found are 'office_code', 'activity'" in err
    assert "--delimiter" not in err


@pytest.mark.parametrize("encoding", ["gbk", "utf-16"])
def test_a_config_that_is_not_utf8_says_save_it_as_utf8(tmp_path: Path, monkeypatch, encoding: str) -> None:
    (tmp_path / "regcheck.toml").write_text('ignore = ["MG006"]  # 本地不检查\n', encoding=encoding)
    log = write_csv(tmp_path / "log.csv", case_rows(["C1"]))
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli("scan", str(log), "-o", str(tmp_path / "f.csv"))
    assert code == 2
    assert "the file is not UTF-8 text; save regcheck.toml as UTF-8" in err


# --- the summary says what went in ------------------------------------------------------------


def test_the_summary_names_the_config_its_ignored_rules_blank_rows_and_the_top_reject_reasons(
    tmp_path: Path, monkeypatch
) -> None:
    rows = [",".join(r) for r in case_rows(["C1", "C2"])]
    bad = ["C3,340102,accept,not a time,W1", "C4,340102,accept,bad time,W1", "C5,340102,飞行,2026-09-01 10:00:00,W1"]
    log = tmp_path / "log.csv"
    log.write_text("\n".join([",".join(HEADER), *rows, ",,,,", *bad]) + "\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli("scan", str(log), "-o", str(tmp_path / "f.csv"))
    assert code == 0, err
    assert "配置 config: 无 no regcheck.toml" in out
    assert "空行 blank rows: 1" in out
    assert "拒收 rejected 3 行 rows — 用 --rejects FILE 列出 list them with --rejects FILE" in out
    assert out.index("2  event_time: time not understood") < out.index("1  activity: not a known activity value")

    (tmp_path / "regcheck.toml").write_text('ignore = ["MG006", "IQ"]\n', encoding="utf-8")
    code, out, err = run_cli("scan", str(log), "-o", str(tmp_path / "f.csv"), "--rejects", "rej.csv")
    assert code == 0, err
    assert f"配置 config: {tmp_path / 'regcheck.toml'} · 不检查 ignores MG006, IQ" in out
    assert "拒收 rejected 3 行 rows — 见 listed in rej.csv" in out
    code, out, err = run_cli("scan", str(log), "-o", str(tmp_path / "f.csv"), "--summary-format", "json")
    summary = json.loads(out)
    assert summary["config"] == str(tmp_path / "regcheck.toml") and summary["ignored_by_config"] == ["MG006", "IQ"]
    assert summary["rows_blank"] == 1 and summary["rows_read"] == 8 and summary["rows_rejected"] == 3
    assert summary["reject_reasons"][0] == {"column": "event_time", "reason": "time not understood", "rows": 2}


def test_blank_rows_do_not_hide_that_every_other_row_was_rejected(tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    log.write_text(",".join(HEADER) + "\nC1,340102,accept,never,W1\n\n,,,,\n", encoding="utf-8")
    code, _, err = run_cli("scan", str(log), "-o", str(tmp_path / "f.csv"))
    assert code == 2 and "all 1 rows were rejected" in err


def test_validate_counts_blank_rows_and_exits_0_when_no_row_is_rejected(tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    log.write_text(",".join(HEADER) + "\nC1,340102,accept,2026-09-01 09:00:00,W1\n,,,,\n\n", encoding="utf-8")
    code, out, _ = run_cli("validate", str(log))
    assert code == 0
    assert "拒收 rejected 0 · 空行 blank 2" in out


def test_mostly_mangled_names_the_right_row_when_blank_rows_come_first(tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    rows = [",".join(r) for r in case_rows(["3.40104E+16"])]
    log.write_text("\n".join([",".join(HEADER), ",,,,", "", *rows]) + "\n", encoding="utf-8")
    code, _, err = run_cli("scan", str(log), "-o", str(tmp_path / "f.csv"))
    assert code == 2
    assert "2 of 2 rows hold identifiers mangled by a spreadsheet (row 4: case_id '3.40104E+16'" in err


@pytest.mark.parametrize("sep", [",", ";"])
def test_a_partitioned_scan_counts_blank_rows_and_reads_the_delimiter_like_a_whole_scan(
    tmp_path: Path, sep: str
) -> None:
    rows = [*case_rows(["C1"]), ["", "", "", "", ""], *[[r[0], "340103", *r[2:]] for r in case_rows(["C2"])]]
    log = tmp_path / "log.csv"
    lines = [sep.join(HEADER), *(sep.join(r) for r in rows), "", "C3;340103;accept;never;W1".replace(";", sep)]
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    summaries, findings = [], []
    for k, extra in enumerate([(), ("--partition-by", "office_code")]):
        out = tmp_path / f"f{k}.csv"
        code, stdout, err = run_cli(
            "scan", str(log), "-o", str(out), "--delimiter", sep, "--summary-format", "json", *extra
        )
        assert code == 0, err
        summaries.append({key: json.loads(stdout)[key] for key in ("rows_read", "rows_rejected", "rows_blank")})
        findings.append(out.read_bytes())
    assert summaries[0] == summaries[1] == {"rows_read": 7, "rows_rejected": 1, "rows_blank": 2}
    assert findings[0] == findings[1]


def test_regcheck_partition_names_the_likely_delimiter_and_takes_it(tmp_path: Path) -> None:
    log = write_csv(tmp_path / "log.csv", case_rows(["C1"]), sep=";")
    code, _, err = run_cli("partition", str(log), "-o", str(tmp_path / "ds"))
    assert code == 2 and "the fields look separated by ';': add --delimiter ';'" in err
    code, out, err = run_cli("partition", str(log), "-o", str(tmp_path / "ds"), "--delimiter", ";")
    assert code == 0, err
    assert out.startswith("2 rows of 1 file(s) → 1 office partitions")
