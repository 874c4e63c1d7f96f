"""The bad-input corpus (docs/reliability.md): every class of damaged or hostile input gives either a clean
scan with its rejected rows counted and listed with a reason, or exit 2 with one clear line — never a
traceback (exit 3), never a silently dropped row.

The files are generated here (deterministically), not stored: garbage bytes, cut files and mixed
encodings are easier to read as the code that makes them.
"""

from __future__ import annotations

import io
import json
import random
import zipfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import regcheck.api
import regcheck.loaders.memory
import regcheck.loaders.read
from regcheck.loaders import load

from .conftest import run_cli

HEADER = "case_id,office_code,activity,event_time,operator_id\n"
ROWS = (
    "C1,340102,accept,2026-09-08 10:00:00,W1\n"
    "C1,340102,register,2026-09-08 09:00:00,D1\n"  # LG002: registered before accepted
    "C2,340102,accept,2026-09-09 10:00:00,W2\n"
)
ZH_ROWS = (
    "C1,340102,受理,2026-09-08 10:00:00,张三丰\n"
    "C1,340102,登簿,2026-09-08 09:00:00,李四光\n"
    "C2,340102,受理,2026-09-09 10:00:00,王五六\n"
)
FIVE_MB = 5_000_000
OFFSETS = (
    HEADER + "T1,340102,accept,2026-09-08T02:00:00Z,W1\n"
    "T1,340102,review,2026-09-08 11:00:00,R1\n"
    "T1,340102,register,2026-09-08T12:00:00+08:00,D1\n"
    "T1,340102,certify,2026-09-07T23:00:00-05:00,C1\n"
    "T1,340102,issue,2026-09-08 13:00:00+25:00,I1\n"
)


def garbage(seed: int, n: int = 4096) -> bytes:
    return random.Random(seed).randbytes(n)


def good_parquet() -> bytes:
    frame = pd.read_csv(io.StringIO(HEADER + ROWS), dtype=str)
    buf = io.BytesIO()
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), buf)
    return buf.getvalue()


def xlsx_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
    return buf.getvalue()


def gbk_names(lines: int) -> bytes:
    """A genuine GB18030 export: English headers, three-character Chinese names (the hardest case for
    telling GB18030 from UTF-8: a short GB18030 line is sometimes valid UTF-8 by accident)."""
    rnd = random.Random(11)
    hanzi = [bytes([a, b]).decode("gb2312") for a in range(0xB0, 0xD7) for b in range(0xA1, 0xFF)]
    body = "".join(
        f"G{i},340102,accept,2026-09-08 10:00:00,{''.join(rnd.choice(hanzi) for _ in range(3))}\n" for i in range(lines)
    )
    return (HEADER + body).encode("gb18030")


# --- exit 2 with one line -----------------------------------------------------------------------

Builder = Callable[[], bytes]
UNREADABLE: list[tuple[str, str, Builder, list[str]]] = [
    # (id, file name, bytes, fragments of the one-line error)
    ("empty file", "empty.csv", lambda: b"", ["the file is empty"]),
    # issue 12: never "all clean" on nothing — an empty findings file would read as a clean 零报告
    ("header only", "header.csv", lambda: HEADER.encode(), ["no data rows (only the header)"]),
    ("header only, Parquet", "header.parquet", lambda: good_parquet_empty(), ["no data rows (only the header)"]),
    ("byte-order mark only", "bom.csv", lambda: b"\xef\xbb\xbf", ["the file is empty"]),
    ("blank first line", "blank.csv", lambda: b"\n\n" + ROWS.encode(), ["header line"]),
    ("binary garbage named .csv", "garbage.csv", lambda: garbage(1), ["neither UTF-8 nor GB18030", "line 1"]),
    ("binary garbage named .parquet", "garbage.parquet", lambda: garbage(2), ["cannot read the Parquet file"]),
    ("Parquet magic then garbage", "magic.csv", lambda: b"PAR1" + garbage(3), ["cannot read the Parquet file"]),
    ("truncated Parquet (half)", "half.parquet", lambda: good_parquet()[: len(good_parquet()) // 2], ["Parquet"]),
    ("truncated Parquet (footer cut)", "footer.parquet", lambda: good_parquet()[:-10], ["Parquet"]),
    ("Parquet of 4 bytes", "tiny.parquet", lambda: b"PAR1", ["Parquet"]),
    ("XLSX workbook named .csv", "book.csv", xlsx_bytes, ["ZIP archive", "save the sheet as CSV"]),
    ("XLS workbook named .csv", "old.csv", lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + garbage(4), ["97-2003"]),
    ("UTF-16 text", "utf16.csv", lambda: (HEADER + ROWS).encode("utf-16"), ["UTF-16"]),
    ("NUL bytes in the header", "nulhead.csv", lambda: b"case_id\x00,office_code\n" + ROWS.encode(), ["NUL"]),
    ("duplicated header", "dup.csv", lambda: (HEADER.strip() + ",case_id\n").encode(), ["'case_id' appears twice"]),
    (
        "duplicated header after trimming",
        "dup2.csv",
        lambda: b"case_id, case_id ,office_code,activity,event_time\n",
        ["'case_id' appears twice"],
    ),
    (
        "UTF-8 rows then GBK rows",
        "utf8_gbk.csv",
        lambda: (HEADER + ZH_ROWS).encode() + "C3,340102,受理,2026-09-10 10:00:00,赵六七\n".encode("gb18030"),
        ["mixed text encodings", "line 2 is UTF-8", "line 5 at byte"],
    ),
    (
        "GBK rows then UTF-8 rows",
        "gbk_utf8.csv",
        lambda: (HEADER + ZH_ROWS).encode("gb18030") + "C3,340102,受理,2026-09-10 10:00:00,赵六七\n".encode(),
        ["mixed text encodings", "line 5 is UTF-8", "line 2 at byte"],
    ),
    (
        "UTF-8 with a BOM and a GBK row",
        "bom_gbk.csv",
        lambda: b"\xef\xbb\xbf" + (HEADER + ROWS).encode() + "C3,340102,受理,x,y\n".encode("gb18030"),
        ["byte-order mark", "line 5"],
    ),
    (
        "UTF-8 with one Latin-1 byte",
        "latin1.csv",
        lambda: (HEADER + ZH_ROWS).encode() + b"C4,340102,accept,2026-09-10 10:00:00,Jos\xe9\n",
        ["mixed text encodings", "line 5 at byte"],
    ),
    (
        "a quote opened mid-file and never closed",
        "quote.csv",
        lambda: (HEADER + 'C0,340102,accept,2026-09-07 10:00:00,"W0\n' + ROWS).encode(),
        ["quoted value opened on line 2 is never closed", "4 lines"],
    ),
]


@pytest.mark.parametrize(("name", "make", "fragments"), [c[1:] for c in UNREADABLE], ids=[c[0] for c in UNREADABLE])
def test_unreadable_file_is_exit_2_with_one_line(tmp_path: Path, name: str, make: Builder, fragments: list[str]):
    path = tmp_path / name
    path.write_bytes(make())
    out = tmp_path / "findings.csv"
    code, _out, err = run_cli("scan", str(path), "-o", str(out), "-q")
    assert code == 2, err
    assert err.startswith(f"regcheck: error: {path}: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in err
    assert not out.exists()


# --- a clean scan, the bad rows rejected with a reason and counted ------------------------------

DAMAGED: list[tuple[str, str, Builder, int, list[tuple[int, str, str]]]] = [
    # (id, file name, bytes, rows read, rejects as (row, column, fragment of the reason))
    (
        "CSV cut mid-row",
        "cut.csv",
        lambda: (HEADER + ROWS + "C3,340102,acc").encode(),
        4,
        [(5, "", "expected 5 fields, found 3")],
    ),
    (
        "CSV cut in the middle of a character",
        "cutchar.csv",
        lambda: (HEADER + ZH_ROWS).encode()[:-5],
        3,
        [(4, "", "the file ends in the middle of a character")],
    ),
    (
        "CSV cut inside a quoted value",
        "cutquote.csv",
        lambda: (HEADER + ROWS + 'C3,340102,accept,2026-09-10 10:00:00,"W3 and som').encode(),
        4,
        [(5, "", "the file ends inside a quoted value")],
    ),
    (
        "CSV cut inside the quoted last field of a short row",
        "cutquote2.csv",
        lambda: (HEADER + ROWS + 'C3,340102,"acc').encode(),
        4,
        [(5, "", "the file ends inside a quoted value")],
    ),
    (
        "NUL bytes in a field",
        "nul.csv",
        lambda: (HEADER + ROWS).encode() + b"C3,340102,accept,2026-09-10 10:00:00,W\x003\n",
        4,
        [(5, "operator_id", "NUL byte")],
    ),
    (
        "a zero-filled tail (a crash while the file was written)",
        "zeros.csv",
        lambda: (HEADER + ROWS).encode() + b"\x00" * 512,
        4,
        [(5, "", "expected 5 fields, found 1")],
    ),
    (
        "ragged rows",
        "ragged.csv",
        lambda: (HEADER + ROWS + "C3,340102\nC4,340102,accept,2026-09-10 10:00:00,W4,extra,more\n").encode(),
        5,
        [(5, "", "expected 5 fields, found 2"), (6, "", "expected 5 fields, found 7")],
    ),
    (
        "a field of several megabytes in a rejected column",
        "bigtime.csv",
        lambda: (HEADER + ROWS + "C3,340102,accept," + "9" * FIVE_MB + ",W3\n").encode(),
        4,
        [(5, "event_time", "time not understood")],
    ),
    (
        "Excel serial dates, one implausible",
        "excel.csv",
        lambda: (HEADER + "C1,340102,accept,46273.375,W1\nC1,340102,register,12345,D1\n").encode(),
        2,
        [(3, "event_time", "time not understood")],
    ),
    (
        "timestamps with and without offsets, one impossible offset",
        "offsets.csv",
        lambda: OFFSETS.encode(),
        5,
        [(6, "event_time", "time not understood")],
    ),
    ("old Mac line endings (CR only)", "cr.csv", lambda: (HEADER + ROWS).replace("\n", "\r").encode(), 3, []),
    ("Windows line endings", "crlf.csv", lambda: (HEADER + ROWS).replace("\n", "\r\n").encode(), 3, []),
    ("a genuine GB18030 file with short Chinese names", "gbk.csv", lambda: gbk_names(5000), 5000, []),
]


def good_parquet_empty() -> bytes:
    buf = io.BytesIO()
    pq.write_table(pa.Table.from_pandas(pd.read_csv(io.StringIO(HEADER), dtype=str), preserve_index=False), buf)
    return buf.getvalue()


@pytest.mark.parametrize(("name", "make", "read", "expected"), [c[1:] for c in DAMAGED], ids=[c[0] for c in DAMAGED])
def test_damaged_rows_are_rejected_with_a_reason_and_the_scan_goes_on(
    tmp_path: Path, name: str, make: Builder, read: int, expected: list[tuple[int, str, str]]
) -> None:
    path = tmp_path / name
    path.write_bytes(make())
    out, rejects = tmp_path / "findings.csv", tmp_path / "rejects.csv"
    code, stdout, err = run_cli(
        "scan", str(path), "-o", str(out), "--rejects", str(rejects), "-q", "--summary-format", "json"
    )
    assert code == 0, err
    summary = json.loads(stdout)
    got = pd.read_csv(rejects, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert [(int(r), c) for r, c in zip(got["row"], got["column"], strict=True)] == [(r, c) for r, c, _ in expected]
    for reason, (_r, _c, fragment) in zip(got["reason"], expected, strict=True):
        assert fragment in reason
    assert (got["value"].str.len() <= 300).all()  # a huge rejected value is shortened, never copied whole
    # nothing dropped silently: every row read is accepted or rejected
    loaded = load([str(path)])
    assert summary["rows_read"] == loaded.rows_read == read
    assert summary["rows_rejected"] == loaded.rows_rejected == len({r for r, _, _ in expected})
    assert len(loaded.events) + loaded.rows_rejected == loaded.rows_read
    assert out.exists()


def test_a_huge_rejected_value_is_shortened_and_says_how_long_it_was(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_text(HEADER + "C3,340102,accept," + "9" * FIVE_MB + ",W3\n", encoding="utf-8")
    value = load([str(path)]).rejects["value"].iloc[0]
    assert value.startswith("9" * 200) and value.endswith(f"({FIVE_MB} characters)") and len(value) < 250


def test_a_field_of_several_megabytes_is_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_text(HEADER + ROWS + f"C3,340102,accept,2026-09-10 10:00:00,{'w' * FIVE_MB}\n", encoding="utf-8")
    events = load([str(path)]).events
    assert events["operator_id"].str.len().max() == FIVE_MB and len(events) == 4


def test_a_field_of_several_megabytes_fits_an_xlsx_cell_cut_and_marked(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    huge = "K" * FIVE_MB  # a case id: LG002 reports it
    path = tmp_path / "big.csv"
    path.write_text(
        HEADER + f"{huge},340102,accept,2026-09-08 10:00:00,W1\n{huge},340102,register,2026-09-08 09:00:00,D1\n"
    )
    for name in ("f.xlsx", "f.csv"):
        code, _out, err = run_cli(
            "scan", str(path), "-o", str(tmp_path / name), "--report", str(tmp_path / "r.html"), "-q"
        )
        assert code == 0, err
    sheet = openpyxl.load_workbook(tmp_path / "f.xlsx")["问题清单"]
    header = [c.value for c in sheet[1]]  # the hidden row of field codes; row 2 is the Chinese header
    cell = sheet.cell(row=3, column=header.index("case_id") + 1).value
    assert len(cell) == 32_767 and cell.startswith("KKK") and cell.endswith("…[truncated]")
    found = pd.read_csv(tmp_path / "f.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert found["case_id"].str.len().tolist() == [FIVE_MB]  # the CSV keeps it whole


def test_excel_serial_dates_are_read_as_local_times(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_text(HEADER + "C1,340102,accept,46273.375,W1\nC1,340102,register,46274,D1\n", encoding="utf-8")
    times = load([str(path)]).events["event_time"].astype(str).tolist()
    assert times == ["2026-09-08 09:00:00", "2026-09-09 00:00:00"]


def test_offsets_are_converted_to_local_time_and_naive_times_are_local(tmp_path: Path) -> None:
    path = tmp_path / "offsets.csv"
    path.write_text(OFFSETS, encoding="utf-8")
    events = load([str(path)]).events
    assert events["event_time"].astype(str).tolist() == [
        "2026-09-08 10:00:00",  # 02:00Z
        "2026-09-08 11:00:00",  # no offset: local
        "2026-09-08 12:00:00",  # +08:00
        "2026-09-08 12:00:00",  # 23:00-05:00 the day before
    ]


def test_unsorted_events_give_the_findings_of_the_sorted_log(tmp_path: Path) -> None:
    lines = (HEADER + ROWS).splitlines(keepends=True)
    body = [*lines[1:], "C2,340102,register,2026-09-09 09:00:00,D2\n", "C2,340102,certify,2026-09-10 09:00:00,C2\n"]
    ordered = sorted(body, key=lambda line: line.split(",")[3])
    found = []
    for name, rows in (("unsorted.csv", list(reversed(body))), ("sorted.csv", ordered)):
        path = tmp_path / name
        path.write_text(HEADER + "".join(rows), encoding="utf-8")
        out = tmp_path / f"{name}.findings.csv"
        assert run_cli("scan", str(path), "-o", str(out), "-q")[0] == 0
        found.append(pd.read_csv(out, dtype=str, keep_default_na=False, encoding="utf-8-sig"))
    assert sorted(found[0].loc[found[0]["rule_id"] == "LG002", "case_id"]) == ["C1", "C2"]
    pd.testing.assert_frame_equal(found[0], found[1])


def test_every_row_rejected_is_exit_2_and_the_rejects_are_written(tmp_path: Path) -> None:
    path = tmp_path / "all_bad.csv"
    path.write_text(HEADER + "C1,340102,accept,never,W1\n,340102,accept,2026-09-08 10:00:00,W1\nC3,x\n", "utf-8")
    out, rejects = tmp_path / "findings.csv", tmp_path / "rejects.csv"
    code, _out, err = run_cli("scan", str(path), "-o", str(out), "--rejects", str(rejects), "-q")
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err
    assert "all 3 rows were rejected" in err and "row 2, event_time: time not understood" in err
    assert str(rejects) in err
    assert not out.exists()  # no empty findings file that would read as a clean 零报告
    got = pd.read_csv(rejects, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert got["row"].tolist() == ["2", "3", "4"]
    code, _out, err = run_cli("scan", str(path), "-o", str(out), "-q")
    assert code == 2 and "add --rejects FILE" in err
    code, _out, err = run_cli("sample", str(path), "--seed", "1", "-o", str(tmp_path / "s.csv"), "-q")
    assert code == 2 and "all 3 rows were rejected" in err and not (tmp_path / "s.csv").exists()


def test_a_log_of_only_some_rejected_rows_is_no_error(tmp_path: Path) -> None:
    path = tmp_path / "some_bad.csv"
    path.write_text(HEADER + ROWS + "C9,340102,accept,never,W1\n", encoding="utf-8")
    code, stdout, err = run_cli("scan", str(path), "-o", str(tmp_path / "f.csv"), "-q", "--summary-format", "json")
    assert code == 0, err
    assert (json.loads(stdout)["rows_read"], json.loads(stdout)["rows_rejected"]) == (4, 1)


# --- resource limits ----------------------------------------------------------------------------


def test_a_file_larger_than_the_memory_is_refused_before_reading_with_the_way_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "huge.csv"
    path.write_text(HEADER + ROWS * 1000, encoding="utf-8")
    size = path.stat().st_size
    monkeypatch.setattr(regcheck.loaders.memory, "available_memory", lambda: size)  # less than 4x the file
    read: list[Path] = []
    real = regcheck.loaders.read._load_one
    monkeypatch.setattr(regcheck.loaders.read, "_load_one", lambda src, *a: read.append(src.path) or real(src, *a))
    code, _out, err = run_cli("scan", str(path), "-o", str(tmp_path / "f.csv"), "-q")
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err
    assert str(path) in err and "regcheck partition" in err and "--engine local" in err
    assert read == []  # refused before a byte was parsed
    monkeypatch.setattr(regcheck.loaders.memory, "available_memory", lambda: 8 * size)
    assert run_cli("scan", str(path), "-o", str(tmp_path / "f.csv"), "-q")[0] == 0


def test_parquet_memory_is_estimated_from_the_row_count_in_its_footer(tmp_path: Path) -> None:
    path = tmp_path / "log.parquet"
    path.write_bytes(good_parquet())
    on_disk, need = regcheck.loaders.memory.estimate([path], ["parquet"])
    assert on_disk == path.stat().st_size
    assert need == max(3 * regcheck.loaders.memory.PARQUET_ROW_BYTES, 4 * on_disk)


def test_the_memory_probe_reads_the_kernel(monkeypatch: pytest.MonkeyPatch) -> None:
    avail = regcheck.loaders.memory.available_memory()
    assert avail is None or avail > 0
    monkeypatch.setenv("REGCHECK_NO_MEMORY_CHECK", "1")
    monkeypatch.setattr(regcheck.loaders.memory, "available_memory", lambda: 1)
    regcheck.loaders.memory.check_memory([Path(__file__)], ["csv"])  # skipped: no error


@pytest.mark.parametrize("where", ["load", "run"])
def test_running_out_of_memory_is_exit_2_with_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str):
    def exhausted(*_a, **_k):
        raise MemoryError

    monkeypatch.setattr(regcheck.api, where, exhausted)
    path = tmp_path / "log.csv"
    path.write_text(HEADER + ROWS, encoding="utf-8")
    code, _out, err = run_cli("scan", str(path), "-o", str(tmp_path / "f.csv"), "-q")
    assert code == 2 and err.count("\n") == 1 and "out of memory" in err and "regcheck partition" in err
