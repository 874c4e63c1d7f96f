"""Findings (spec/output.md): stable ids, ordering, CSV safety, formats, stdout, atomic writes, exit codes."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import hashlib
import io
import json
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from regcheck.rules import REGISTRY
from regcheck.schema import FINDING_COLUMNS, SEVERITIES
from regcheck.writers.atomic import TMP_MARK

from .conftest import run_cli, scan_findings, write_canonical_csv

OFFICE = "340102"


def read_csv_findings(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def scan(log: Path, out: Path | str, *extra: str) -> tuple[int, str, str]:
    """Scan with the log-integrity rules only: these tests are about findings files, not rules."""
    return run_cli("scan", str(log), "-o", str(out), "--select", "LG", *extra)


def leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if TMP_MARK in p.name]


def row(case: str, office: str, activity: str, time: str, **extra: str) -> dict[str, str]:
    return {"case_id": case, "office_code": office, "activity": activity, "event_time": f"2026-09-{time}", **extra}


# A log with findings of several severities in two offices.
MIXED = [
    # office 340103: a sequence gap (LG001, critical, no case) and a register before accept (LG002, high)
    row("B2", "340103", "accept", "08 10:00:00", event_seq="1"),
    row("B2", "340103", "register", "08 09:00:00", event_seq="2"),
    row("B1", "340103", "register", "09 09:00:00", event_seq="5"),
    # office 340102: LG002 on A2, LG003 (info) on A1, LG004 (low) on A3
    row("A2", OFFICE, "accept", "08 11:00:00"),
    row("A2", OFFICE, "register", "08 10:30:00"),
    row("A1", OFFICE, "complete", "08 12:00:00"),
    row("A3", OFFICE, "review", "08 13:00:00", operator_id="R1"),
    row("A3", OFFICE, "review", "08 13:00:00", operator_id="R1"),
]


def test_findings_are_sorted_by_severity_office_case_rule(tmp_path: Path) -> None:
    found = scan_findings(write_canonical_csv(MIXED, tmp_path / "log.csv"), tmp_path)
    assert found.columns.tolist() == list(FINDING_COLUMNS)
    lg = found[found["rule_id"].str.startswith("LG")]
    assert lg[["rule_id", "office_code", "case_id"]].values.tolist() == [
        ["LG001", "340103", ""],
        ["LG002", OFFICE, "A2"],
        ["LG002", "340103", "B2"],
        ["LG004", OFFICE, "A3"],
        ["LG003", OFFICE, "A1"],
        ["LG003", "340103", "B1"],
    ]
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    keys = [(-rank[s], o, c, r) for s, o, c, r in found[["severity", "office_code", "case_id", "rule_id"]].values]
    assert keys == sorted(keys)
    assert found["finding_id"].is_unique


def test_finding_id_is_a_hash_of_rule_and_key_whatever_else_is_in_the_log(tmp_path: Path) -> None:
    small = scan_findings(write_canonical_csv(MIXED, tmp_path / "small.csv"), tmp_path)
    other = [
        {"case_id": f"X{i}", "office_code": "340104", "activity": "accept", "event_time": f"2026-09-0{i} 09:00:00"}
        for i in range(1, 8)
    ]
    big = scan_findings(write_canonical_csv(other + MIXED, tmp_path / "big.csv"), tmp_path)
    small = small[small["rule_id"].str.startswith("LG")]
    big = big[big["rule_id"].str.startswith("LG")]
    assert small["finding_id"].tolist() == big["finding_id"].tolist()
    lg2 = small[small["rule_id"] == "LG002"].iloc[0]
    want = hashlib.sha1(f"LG002\x1f{lg2['case_id']}".encode()).hexdigest()[:16]
    assert lg2["finding_id"] == want
    lg1 = small[small["rule_id"] == "LG001"].iloc[0]
    assert lg1["finding_id"] == hashlib.sha1(b"LG001\x1f340103:3").hexdigest()[:16]


# --- stable under row permutation ---------------------------------------------------------------

ACTIVITIES = ["accept", "review", "register", "complete", "ticket", "call", "suspend", "resume", "withdraw"]


@st.composite
def small_logs(draw) -> list[dict[str, str]]:
    n_rows = draw(st.integers(min_value=2, max_value=14))
    minutes = draw(st.lists(st.integers(0, 20 * 24 * 60), min_size=n_rows, max_size=n_rows, unique=True))
    seqs = draw(st.lists(st.integers(1, 40), min_size=n_rows, max_size=n_rows, unique=True))
    base = dt.datetime(2026, 9, 1, 8, 0)
    rows = []
    for minute, seq in zip(minutes, seqs, strict=True):
        rows.append(
            {
                "event_seq": str(seq),
                "case_id": draw(st.sampled_from(["C1", "C2", "C3", "=C4"])),
                "office_code": draw(st.sampled_from(["340102", "340103"])),
                "activity": draw(st.sampled_from(ACTIVITIES)),
                "event_time": (base + dt.timedelta(minutes=minute)).strftime("%Y-%m-%d %H:%M:%S"),
                "operator_id": draw(st.sampled_from(["", "W1", "R1"])),
                "business_type": draw(st.sampled_from(["", "transfer", "mortgage", "first"])),
                "unit_id": draw(st.sampled_from(["", "340102001002GB00001F00010002"])),
            }
        )
    if draw(st.booleans()):
        rows.append(dict(rows[0]))  # an exact duplicate row (LG004)
    return rows


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=small_logs(), data=st.data())
def test_findings_file_is_identical_under_row_permutation(tmp_path: Path, rows: list[dict], data) -> None:
    shuffled = data.draw(st.permutations(rows))
    files = []
    for name, order in (("a", rows), ("b", shuffled)):
        log = write_canonical_csv(order, tmp_path / f"{name}.csv")
        out = tmp_path / f"{name}.findings.csv"
        code, _out, err = run_cli("scan", str(log), "-o", str(out), "-q")
        assert code == 0, err
        files.append(out.read_bytes())
    assert files[0] == files[1]


# --- CSV: BOM and formula injection -------------------------------------------------------------


def test_csv_has_a_bom_and_neutralises_formulas(tmp_path: Path) -> None:
    rows = []
    for case, op in (("=1+2", "@SUM(A1)"), ("+86-10", "-R1"), ("@case", "=op"), ("\tT1", "+R2")):
        rows += [
            {"case_id": case, "office_code": OFFICE, "activity": "accept", "event_time": "2026-09-08 10:00:00",
             "operator_id": op},
            {"case_id": case, "office_code": OFFICE, "activity": "register", "event_time": "2026-09-08 09:00:00",
             "operator_id": op},
        ]  # fmt: skip
    log = write_canonical_csv(rows, tmp_path / "log.csv")
    out = tmp_path / "findings.csv"
    code, _out, err = run_cli("scan", str(log), "-o", str(out), "-q")
    assert code == 0, err
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and raw.count(b"\xef\xbb\xbf") == 1
    cells = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    header, body = cells[0], cells[1:]
    lg2 = [dict(zip(header, r, strict=True)) for r in body if r[header.index("rule_id")] == "LG002"]
    # "\tT1" is trimmed by the loader (a tab is whitespace), so it is no formula any more
    assert sorted(r["case_id"] for r in lg2) == ["'+86-10", "'=1+2", "'@case", "T1"]
    assert not [c for row in body for c in row if c[:1] and c[0] in "=+-@\t\r"]
    if "SD001" in REGISTRY:
        sd = {r[header.index("case_id")]: r[header.index("operator_id")] for r in body if r[1] == "SD001"}
        assert sd["'=1+2"] == "'@SUM(A1)" and sd["'+86-10"] == "'-R1" and sd["T1"] == "'+R2"
    # machine formats keep the values as they are
    pq_out = tmp_path / "findings.parquet"
    assert scan(log, pq_out, "-q")[0] == 0
    assert "=1+2" in set(pd.read_parquet(pq_out)["case_id"])


# a cell: empty or missing, formula starts, quotes, commas, line breaks, tabs, digits (ids), CJK, full-width
_CELL = st.one_of(
    st.none(),
    st.text(alphabet=st.sampled_from(list("=+-@\t\r\n\",' 0123456789aX张三１\u3000;")), max_size=14),
    st.from_regex(r"0?[0-9]{10,14}", fullmatch=True),
)


@st.composite
def text_frames(draw: st.DrawFn) -> pd.DataFrame:
    """Frames shaped like findings: text columns (object or str dtype, ids among them), one time column."""
    n = draw(st.integers(0, 12))
    names = draw(st.sampled_from([["case_id", "message", "office_code"], ["a,b", 'say "x"', "unit_id", "evidence"]]))
    frame = pd.DataFrame({c: pd.Series(draw(st.lists(_CELL, min_size=n, max_size=n)), dtype=object) for c in names})
    if draw(st.booleans()):
        frame[names[0]] = frame[names[0]].astype("str")
    seconds = draw(st.lists(st.one_of(st.none(), st.integers(-(2**31), 2**32)), min_size=n, max_size=n))
    frame["event_time"] = pd.to_datetime(pd.Series(seconds, dtype="float64") * 1e9 + 123456, unit="ns")
    return frame


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(frame=text_frames(), rows=st.sampled_from([1, 2, 5, 65_536]))
def test_csv_of_text_columns_is_what_pandas_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, frame: pd.DataFrame, rows: int
) -> None:
    """The findings CSV of text and time columns is built with Arrow's string kernels, byte for byte what
    pandas (Python's csv module) writes after the same neutralising and id marking; written ``rows`` rows at
    a time, the file is the same."""
    from regcheck import writers

    expected = "\ufeff" + writers.ids_as_text(writers.for_text(frame)).to_csv(index=False, lineterminator="\r\n")
    with monkeypatch.context() as m:
        m.setattr(pd.DataFrame, "to_csv", lambda *a, **k: pytest.fail("pandas wrote the CSV"))
        m.setattr(writers, "CSV_ROWS", rows)
        writers.write_table(frame, str(tmp_path / "f.csv"))
    assert (tmp_path / "f.csv").read_bytes() == expected.encode("utf-8")


def test_csv_written_in_parts_is_the_whole_tables(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A table written a few rows at a time, where only some parts hold a number in a text column (pandas
    writes those parts, Arrow the others), is the CSV pandas writes of the whole table."""
    from regcheck import writers

    frame = pd.DataFrame(
        {
            "case_id": pd.Series(["012", None, "=1+2", 'a "b"', "x,y", "340102202600000001"], dtype=object),
            "message": pd.Series(["一", "二", 3, "四\n五", None, "-6"], dtype=object),
        }
    )
    expected = "\ufeff" + writers.ids_as_text(writers.for_text(frame)).to_csv(index=False, lineterminator="\r\n")
    monkeypatch.setattr(writers, "CSV_ROWS", 2)
    writers.write_table(frame, str(tmp_path / "f.csv"))
    assert (tmp_path / "f.csv").read_bytes() == expected.encode("utf-8")


@settings(max_examples=100, deadline=None)
@given(rule_id=st.sampled_from(sorted(REGISTRY)), keys=st.lists(st.text(max_size=30), max_size=20))
def test_finding_ids_of_a_column_are_each_keys_id(rule_id: str, keys: list[str]) -> None:
    """The ids of a column of keys (pandas' text or Python objects) are the ids of each key alone."""
    from regcheck.findings import finding_id, finding_ids

    want = [finding_id(rule_id, k) for k in keys]
    assert finding_ids(rule_id, pd.Series(keys, dtype="str")) == want
    assert finding_ids(rule_id, pd.Series(keys, dtype=object)) == want


# --- formats ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "fmt", "kind"),
    [
        ("f.csv", None, "csv"),
        ("f.parquet", None, "parquet"),
        ("f.pq", None, "parquet"),
        ("f.jsonl", None, "jsonl"),
        ("f.ndjson", None, "jsonl"),
        ("f.out", "jsonl", "jsonl"),
        ("f.dat", "parquet", "parquet"),
        ("f.csv", "jsonl", "jsonl"),
    ],
)
def test_output_format_from_extension_or_format_option(
    tmp_path: Path, mixed_findings: pd.DataFrame, name: str, fmt: str | None, kind: str
) -> None:
    log = write_canonical_csv(MIXED, tmp_path / "log.csv")
    want = mixed_findings
    out = tmp_path / name
    code, _out, err = scan(log, out, "-q", *(["--format", fmt] if fmt else []))
    assert code == 0, err
    if kind == "csv":
        got = read_csv_findings(out)
    elif kind == "parquet":
        got = pd.read_parquet(out)
        assert pd.api.types.is_datetime64_any_dtype(got["event_time"])
    else:
        lines = out.read_text(encoding="utf-8").splitlines()
        got = pd.DataFrame([json.loads(line) for line in lines])
        assert "日志序号" in out.read_text(encoding="utf-8")  # UTF-8, not \\u escapes
    assert got.columns.tolist() == list(FINDING_COLUMNS)
    assert got["finding_id"].tolist() == want["finding_id"].tolist()


@pytest.fixture(scope="module")
def mixed_findings(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    folder = tmp_path_factory.mktemp("mixed")
    log = write_canonical_csv(MIXED, folder / "log.csv")
    assert scan(log, folder / "reference.csv", "-q")[0] == 0
    found = read_csv_findings(folder / "reference.csv")
    assert len(found) == 6
    return found


def test_unknown_output_extension_is_exit_2(tmp_path: Path) -> None:
    log = write_canonical_csv(MIXED, tmp_path / "log.csv")
    code, _out, err = scan(log, tmp_path / "f.txt", "-q")
    assert code == 2 and "--format" in err and err.count("\n") == 1
    assert not (tmp_path / "f.txt").exists()


def test_dash_writes_csv_to_stdout_and_the_summary_to_stderr(tmp_path: Path, mixed_findings: pd.DataFrame) -> None:
    log = write_canonical_csv(MIXED, tmp_path / "log.csv")
    code, out, err = scan(log, "-")
    assert code == 0
    got = pd.read_csv(io.StringIO(out), dtype=str, keep_default_na=False)
    assert got["finding_id"].tolist() == mixed_findings["finding_id"].tolist()
    assert "LG002" in err and "rows read" in err
    code, out, err = scan(log, "-", "--quiet")
    assert code == 0 and out.startswith("finding_id,") and err == ""


def test_quiet_prints_nothing(tmp_path: Path) -> None:
    rows = [*MIXED, {"case_id": "", "office_code": OFFICE, "activity": "accept", "event_time": "bad"}]
    log = write_canonical_csv(rows, tmp_path / "log.csv")
    code, out, err = scan(log, tmp_path / "f.csv", "--quiet")
    assert (code, out, err) == (0, "", "")
    code, out, _err = scan(log, tmp_path / "f.csv")
    assert code == 0 and "rejected 1" in " ".join(out.split())


# --- exit codes -----------------------------------------------------------------------------------

HIGH_ONLY = [
    {"case_id": "H1", "office_code": OFFICE, "activity": "accept", "event_time": "2026-09-08 10:00:00"},
    {"case_id": "H1", "office_code": OFFICE, "activity": "register", "event_time": "2026-09-08 09:00:00"},
]


@pytest.mark.parametrize(
    ("fail_on", "code"),
    [(None, 0), ("info", 1), ("medium", 1), ("high", 1), ("critical", 0)],
)
def test_fail_on(tmp_path: Path, fail_on: str | None, code: int) -> None:
    log = write_canonical_csv(HIGH_ONLY, tmp_path / "log.csv")
    out = tmp_path / "f.csv"
    got, _stdout, err = scan(log, out, "-q", *(["--fail-on", fail_on] if fail_on else []))
    assert got == code, err
    found = read_csv_findings(out)  # written whatever the exit code
    assert found["severity"].tolist() == ["high"] and found["rule_id"].tolist() == ["LG002"]


def test_internal_error_is_exit_3_with_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(log, p):
        raise RuntimeError("something unexpected")

    monkeypatch.setitem(REGISTRY, "LG002", dataclasses.replace(REGISTRY["LG002"], func=boom))
    log = write_canonical_csv(HIGH_ONLY, tmp_path / "log.csv")
    code, _out, err = scan(log, tmp_path / "f.csv", "-q")
    assert code == 3
    assert err.count("\n") == 1 and "internal error" in err and "something unexpected" in err
    assert "Traceback" not in err


# --- atomic writes ------------------------------------------------------------------------------


def test_successful_write_leaves_no_temporary_file(tmp_path: Path) -> None:
    log = write_canonical_csv(MIXED, tmp_path / "log.csv")
    for name in ("f.csv", "f.parquet", "f.jsonl", "f.csv"):  # the last one replaces an existing file
        assert scan(log, tmp_path / name, "--rejects", str(tmp_path / "r.csv"), "-q")[0] == 0
        assert leftovers(tmp_path) == []


@pytest.mark.parametrize("name", ["f.csv", "f.jsonl", "f.parquet"])
def test_failure_during_the_write_keeps_the_previous_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    log = write_canonical_csv(MIXED, tmp_path / "log.csv")
    out = tmp_path / name
    assert scan(log, out, "-q")[0] == 0
    before = out.read_bytes()

    real_write_bytes = Path.write_bytes

    def half_then_fail(path: Path) -> None:
        real_write_bytes(Path(path), before[: len(before) // 2])  # bytes reach the disk, then the disk is full
        raise OSError(28, "No space left on device")

    def csv_half_then_fail(_df: pd.DataFrame, stream) -> None:  # the CSV is written in parts to an open file
        stream.write(before[: len(before) // 2])
        raise OSError(28, "No space left on device")

    def failing(real):  # JSON Lines is written as text
        def write(self: Path, *args, **kwargs):
            if TMP_MARK in self.name:
                half_then_fail(self)
            return real(self, *args, **kwargs)

        return write

    monkeypatch.setattr(Path, "write_text", failing(Path.write_text))
    monkeypatch.setattr(Path, "write_bytes", failing(Path.write_bytes))
    monkeypatch.setattr("regcheck.writers.write_csv", csv_half_then_fail)
    monkeypatch.setattr(pd.DataFrame, "to_parquet", lambda self, path, *a, **k: half_then_fail(path))
    other = write_canonical_csv(HIGH_ONLY, tmp_path / "other.csv")
    code, _out, err = scan(other, out, "-q")
    assert code == 2 and err.count("\n") == 1 and f"{out}: cannot write it: the disk is full" in err
    assert out.read_bytes() == before
    assert leftovers(tmp_path) == []
