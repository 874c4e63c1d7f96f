"""What a scan reads (issue 12 item 5, issue 13 items 4 and 16 and its minor items) and the progress bar (item 9).

Folders are read without their subfolders unless ``--recursive`` (office_code=… dataset folders always);
every file passed over is named; two files with the same bytes are exit 2; nested Parquet columns are
exit 2 and binary values that are not UTF-8 are rejected rows; FIFOs, devices and UTF-32 are named as
what they are. The bar is tested by forcing a terminal (rich reads ``FORCE_COLOR``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import regcheck.loaders.memory
from regcheck.engine import columns_needed, select_rules
from regcheck.loaders.read import survey
from regcheck.schema import CANONICAL

from .conftest import REPO, run_cli

HEADER = "case_id,office_code,activity,event_time,operator_id\n"


def log_text(tag: str, cases: int = 3) -> str:
    """A small valid log; ``tag`` makes the bytes of two logs differ."""
    rows = "".join(
        f"{tag}{i},340102,accept,2026-09-0{1 + i % 8} 10:00:00,W{i}\n"
        f"{tag}{i},340102,register,2026-09-0{1 + i % 8} 11:00:00,D{i}\n"
        for i in range(cases)
    )
    return HEADER + rows


def scan_json(*args: str) -> tuple[int, dict, str]:
    code, out, err = run_cli("scan", *args, "--summary-format", "json")
    return code, (json.loads(out) if code in (0, 1) else {}), err


# --- folders ------------------------------------------------------------------------------------


def folder(tmp_path: Path) -> Path:
    d = tmp_path / "exports"
    (d / "2025").mkdir(parents=True)
    (d / "a.csv").write_text(log_text("A"), encoding="utf-8")
    (d / "b.CSV").write_text(log_text("B"), encoding="utf-8")
    (d / "_partial.csv").write_text(log_text("P"), encoding="utf-8")
    (d / ".~lock.a.csv").write_text(log_text("L"), encoding="utf-8")
    (d / "notes.txt").write_text("exported by the platform\n", encoding="utf-8")
    (d / "2025" / "old.csv").write_text(log_text("O"), encoding="utf-8")
    return d


def test_a_folder_is_read_without_subfolders_and_every_file_passed_over_is_named(tmp_path: Path) -> None:
    d = folder(tmp_path)
    code, summary, err = scan_json(str(d), "-o", str(tmp_path / "f.csv"), "-q")
    assert code == 0, err
    assert summary["files_read"] == [str(d / "a.csv"), str(d / "b.CSV")]
    assert summary["rows_read"] == 12
    notes = [line for line in err.splitlines() if line.startswith("regcheck: note: skipped ")]
    assert len(notes) == 4, err
    for name, why in (
        ("_partial.csv", "starts with '_'"),
        (".~lock.a.csv", "starts with '.'"),
        ("notes.txt", "neither .csv nor .parquet"),
        ("2025/", "--recursive"),
    ):
        assert any(str(d / name.rstrip("/")) in n and why in n for n in notes), (name, err)


def test_recursive_reads_subfolders_but_still_passes_over_hidden_files(tmp_path: Path) -> None:
    d = folder(tmp_path)
    code, summary, err = scan_json(str(d), "--recursive", "-o", str(tmp_path / "f.csv"), "-q")
    assert code == 0, err
    assert summary["files_read"] == [str(d / "2025" / "old.csv"), str(d / "a.csv"), str(d / "b.CSV")]
    assert "2025" not in err and "_partial.csv" in err and ".~lock.a.csv" in err and "notes.txt" in err


def test_the_terminal_summary_counts_the_files_read(tmp_path: Path) -> None:
    code, out, _err = run_cli("scan", str(folder(tmp_path)), "-o", str(tmp_path / "f.csv"))
    assert code == 0 and "读取文件 files read: 2" in out


@pytest.mark.parametrize("command", ["validate", "sample", "partition"])
def test_validate_sample_and_partition_read_folders_the_same_way(tmp_path: Path, command: str) -> None:
    d = folder(tmp_path)
    extra = {"sample": ["--seed", "1", "-o", str(tmp_path / "s.csv")], "partition": ["-o", str(tmp_path / "ds")]}
    for flags, rows in (([], 12), (["--recursive"], 18)):
        if command == "partition":
            extra["partition"] = ["-o", str(tmp_path / f"ds{len(flags)}")]
        code, out, err = run_cli(command, str(d), *flags, *extra.get(command, []))
        assert code == 0, err
        assert "_partial.csv" in err and "notes.txt" in err
        if command == "validate":
            assert f"{2 + len(flags)} 个文件 files" in out and f"rows {rows}" in out
        if command == "partition":
            assert f"{rows} rows of {2 + len(flags)} file(s)" in out


def test_a_glob_names_the_non_data_files_it_matches(tmp_path: Path) -> None:
    d = folder(tmp_path)
    code, summary, err = scan_json(str(d / "*"), "-o", str(tmp_path / "f.csv"), "-q")
    assert code == 0, err
    assert str(d / "notes.txt") in err
    assert str(d / "2025" / "old.csv") in summary["files_read"]  # a folder the glob matched is read


def test_a_text_file_named_on_the_command_line_is_read(tmp_path: Path) -> None:
    path = tmp_path / "export.txt"
    path.write_text(log_text("T"), encoding="utf-8")
    code, summary, err = scan_json(str(path), "-o", str(tmp_path / "f.csv"), "-q")
    assert code == 0 and summary["rows_read"] == 6, err


def test_a_folder_of_only_passed_over_files_says_what_it_passed_over(tmp_path: Path) -> None:
    d = tmp_path / "exports"
    d.mkdir()
    (d / "_tmp.csv").write_text(log_text("X"), encoding="utf-8")
    code, _out, err = run_cli("scan", str(d), "-o", str(tmp_path / "f.csv"), "-q")
    assert code == 2 and "holds no .csv or .parquet file" in err and "_tmp.csv" in err


def test_two_files_with_identical_content_are_exit_2_naming_both(tmp_path: Path) -> None:
    d = tmp_path / "exports"
    (d / "again").mkdir(parents=True)
    (d / "2026-09.csv").write_text(log_text("A"), encoding="utf-8")
    (d / "again" / "copy.csv").write_text(log_text("A"), encoding="utf-8")
    (d / "2026-10.csv").write_text(log_text("B"), encoding="utf-8")  # same size, other bytes: fine
    code, _out, err = run_cli("scan", str(d), "--recursive", "-o", str(tmp_path / "f.csv"), "-q")
    assert code == 2 and err.count("\n") == 1, err
    assert str(d / "2026-09.csv") in err and str(d / "again" / "copy.csv") in err and "identical" in err
    assert not (tmp_path / "f.csv").exists()
    code, _out, err = run_cli("scan", str(d / "2026-09.csv"), str(d / "again" / "copy.csv"), "-o", "-", "-q")
    assert code == 2 and "identical" in err


def test_header_only_files_may_be_identical(tmp_path: Path) -> None:
    for name in ("a.csv", "b.csv"):
        (tmp_path / name).write_text(HEADER, encoding="utf-8")
    found = survey([str(tmp_path)])
    assert [f.path.name for f in found.files] == ["a.csv", "b.csv"]


def test_a_partitioned_dataset_is_still_read_per_office_without_recursive(tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    log.write_text(log_text("A") + "Z1,340103,accept,2026-09-02 10:00:00,W9\n", encoding="utf-8")
    assert run_cli("partition", str(log), "-o", str(tmp_path / "ds"))[0] == 0
    (tmp_path / "ds" / "_SUCCESS").write_text("", encoding="utf-8")  # what Spark leaves beside a dataset
    whole = scan_json(str(log), "-o", str(tmp_path / "w.csv"), "-q")
    split = scan_json(str(tmp_path / "ds"), "-o", str(tmp_path / "s.csv"), "-q")
    assert whole[0] == split[0] == 0, split[2]
    assert (tmp_path / "w.csv").read_bytes() == (tmp_path / "s.csv").read_bytes()
    assert len(split[1]["files_read"]) == 2 and all("office_code=" in f for f in split[1]["files_read"])
    assert "_SUCCESS" in split[2] and "_regcheck_dataset.json" not in split[2]


# --- not a regular file, UTF-32 -----------------------------------------------------------------


def test_a_device_is_not_a_regular_file(tmp_path: Path) -> None:
    code, _out, err = run_cli("scan", "/dev/zero", "-o", str(tmp_path / "f.csv"), "-q")
    assert code == 2 and "/dev/zero: not a regular file (a device)" in err and "no such" not in err


def test_a_fifo_is_not_a_regular_file_and_is_never_opened(tmp_path: Path) -> None:
    fifo = tmp_path / "export.csv"
    os.mkfifo(fifo)  # opening it would block forever: the check must come first
    code, _out, err = run_cli("scan", str(fifo), "-o", str(tmp_path / "f.csv"), "-q")
    assert code == 2 and "not a regular file (a named pipe)" in err
    d = tmp_path / "d"
    d.mkdir()
    os.mkfifo(d / "pipe.csv")
    (d / "a.csv").write_text(log_text("A"), encoding="utf-8")
    code, _out, err = run_cli("scan", str(d), "-o", str(tmp_path / "f.csv"), "-q")
    assert code == 0 and "pipe.csv (not a regular file)" in err


@pytest.mark.parametrize("encoding", ["utf-32", "utf-32-be"])
def test_utf32_is_called_utf32(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "u.csv"
    text = log_text("U")
    path.write_bytes(text.encode(encoding) if encoding == "utf-32" else b"\x00\x00\xfe\xff" + text.encode(encoding))
    code, _out, err = run_cli("scan", str(path), "-o", str(tmp_path / "f.csv"), "-q")
    assert code == 2 and "UTF-32 text is not supported" in err and "UTF-16" not in err


# --- long values, memory ------------------------------------------------------------------------


def test_a_value_longer_than_a_read_block_is_read_whole(tmp_path: Path) -> None:
    """A quoted cell over pyarrow's 16 MB block (with newlines and commas in it) no longer stops the scan."""
    path = tmp_path / "long.csv"
    big = '"' + "扫描件,\n" * (3 << 20) + '"'  # 30 MB
    path.write_text(
        "case_id,office_code,activity,event_time,operator_id,mortgagee\n"
        + "".join(f"L{i},340102,accept,2026-09-01 10:00:00,W{i},{big if i == 1 else 'x'}\n" for i in range(3)),
        encoding="utf-8",
    )
    code, summary, err = scan_json(str(path), "-o", str(tmp_path / "f.csv"), "-q")
    assert code == 0 and summary["rows_read"] == 3 and summary["rows_rejected"] == 0, err


def test_memory_of_a_small_parquet_file_of_huge_values_counts_their_uncompressed_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "log.parquet"
    n, width = 40, 1 << 20
    table = pa.table(
        {
            "case_id": [f"C{i}" for i in range(n)],
            "office_code": ["340102"] * n,
            "activity": ["accept"] * n,
            "event_time": ["2026-09-01 10:00:00"] * n,
            "mortgagee": [f"{i:04d}" + "0" * width for i in range(n)],  # 40 MB that compress to a few KB
        }
    )
    pq.write_table(table, path, use_dictionary=False, compression="zstd")
    on_disk, need = regcheck.loaders.memory.estimate([path], ["parquet"])
    assert on_disk < 1 << 20 and need >= n * width
    monkeypatch.setattr(regcheck.loaders.memory, "available_memory", lambda: 20 << 20)
    code, _out, err = run_cli("scan", str(path), "-o", str(tmp_path / "f.csv"), "-q")
    assert code == 2 and "regcheck partition" in err


# --- nested and binary Parquet columns (hypothesis: any column, any nested type) ----------------


def sample_table(rows: int = 120) -> pa.Table:
    """The first rows of the sample log, every column as text (as an export would hold it)."""
    table = pq.read_table(REPO / "sample_data" / "logs.parquet").slice(0, rows)
    return pa.table({name: table.column(name).cast(pa.string()) for name in table.column_names})


NESTED = {
    "list<int64>": lambda n: pa.array([[1, 2]] * n),
    "large_list<string>": lambda n: pa.array([["a"]] * n, pa.large_list(pa.string())),
    "fixed_size_list<float>": lambda n: pa.array([[1.0, 2.0]] * n, pa.list_(pa.float64(), 2)),
    "struct": lambda n: pa.array([{"a": 1, "b": "x"}] * n),
    "map<string,int>": lambda n: pa.array([[("k", 1)]] * n, pa.map_(pa.string(), pa.int64())),
    "list<struct>": lambda n: pa.array([[{"a": 1}]] * n),
}


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(column=st.sampled_from(CANONICAL), kind=st.sampled_from(sorted(NESTED)))
def test_a_nested_parquet_column_is_exit_2_naming_it(tmp_path: Path, column: str, kind: str) -> None:
    table = sample_table()
    nested = NESTED[kind](table.num_rows)
    at = table.schema.get_field_index(column)
    table = table.set_column(at, column, nested) if at >= 0 else table.append_column(column, nested)
    path = tmp_path / "nested.parquet"
    pq.write_table(table, path)
    code, _out, err = run_cli("scan", str(path), "-o", str(tmp_path / "f.csv"), "-q")
    if column not in columns_needed(select_rules()):  # no rule reads it, so the scan leaves it unread
        assert code == 0, err
        code, _out, err = run_cli("validate", str(path))  # validate reads every column
    assert code == 2 and err.count("\n") == 1 and "internal error" not in err, err
    assert f"column {column!r} holds nested Parquet values" in err


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    column=st.sampled_from(CANONICAL),
    bad=st.sets(st.integers(0, 119), min_size=1, max_size=8),
    junk=st.binary(min_size=1, max_size=6).filter(lambda b: not _utf8(b)),
)
def test_binary_values_that_are_not_utf8_reject_their_rows(tmp_path: Path, column: str, bad: set, junk: bytes):
    table = sample_table()
    if table.schema.get_field_index(column) < 0:
        table = table.append_column(column, pa.array([None] * table.num_rows, pa.string()))
    values = [None if v is None else v.encode() for v in table.column(column).to_pylist()]
    for i in bad:
        values[i] = junk
    table = table.set_column(table.schema.get_field_index(column), column, pa.array(values, pa.binary()))
    path, rejects = tmp_path / "binary.parquet", tmp_path / "r.csv"
    pq.write_table(table, path)
    if column in columns_needed(select_rules()):
        code, _out, err = run_cli("scan", str(path), "-o", str(tmp_path / "f.csv"), "--rejects", str(rejects), "-q")
        assert code in (0, 1) and "error" not in err, err
    else:  # no rule reads it, so the scan leaves it unread: validate reads every column
        code, _out, err = run_cli("validate", str(path), "--rejects", str(rejects))
        assert code == 1 and "error" not in err, err
    got = pacsv.read_csv(rejects, convert_options=pacsv.ConvertOptions(column_types={"row": pa.int64()}))
    binary = got.filter(pa.compute.equal(got.column("reason"), "not UTF-8 text (binary Parquet value)"))
    assert sorted(binary.column("row").to_pylist()) == sorted(i + 2 for i in bad)
    assert set(binary.column("column").to_pylist()) == {column}


def _utf8(b: bytes) -> bool:
    try:
        b.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def test_binary_text_columns_read_as_text(tmp_path: Path) -> None:
    table = sample_table()
    as_bytes = pa.table({n: table.column(n).cast(pa.binary()) for n in table.column_names})
    pq.write_table(as_bytes, tmp_path / "b.parquet")
    pq.write_table(table, tmp_path / "s.parquet")
    for name in ("b", "s"):
        assert run_cli("scan", str(tmp_path / f"{name}.parquet"), "-o", str(tmp_path / f"{name}.csv"), "-q")[0] == 0
    assert (tmp_path / "b.csv").read_bytes() == (tmp_path / "s.csv").read_bytes()


# --- the progress bar ---------------------------------------------------------------------------


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")  # rich: a terminal, whatever the output is
    monkeypatch.setenv("COLUMNS", "160")


def sample_log(tmp_path: Path) -> Path:
    path = tmp_path / "log.parquet"
    pq.write_table(sample_table(2000), path)
    return path


def test_on_a_terminal_the_scan_shows_bytes_rows_then_rules(tmp_path: Path, terminal: None) -> None:
    from regcheck.loaders import load
    from regcheck.rules import REGISTRY

    log = sample_log(tmp_path)
    code, out, err = run_cli("scan", str(log), "-o", str(tmp_path / "f.csv"))
    assert code == 0, err
    assert "读取 reading" in out and "100%" in out and "2,000 行 rows" in out
    lacks = load([log]).source.lacks  # rules the log cannot feed are not checkable, not run
    ran = sum(  # no --roster/--approvals; a scan runs no trend warning
        1 for r in REGISTRY.values() if not r.needs and not r.facts & lacks and r.grouping != "months"
    )
    assert f"{ran}/{ran} 规则 rules" in out
    assert "\x1b[2K" in out  # drawn and cleared (transient), not left in the output


def test_a_partitioned_scan_shows_offices_bytes_and_rows(tmp_path: Path, terminal: None) -> None:
    assert run_cli("partition", str(sample_log(tmp_path)), "-o", str(tmp_path / "ds"))[0] == 0
    code, out, err = run_cli("scan", str(tmp_path / "ds"), "-o", str(tmp_path / "f.csv"))
    assert code == 0, err
    offices = len(list((tmp_path / "ds").glob("office_code=*")))
    assert f"{offices}/{offices} 机构 offices · 2,000 行 rows" in out and "100%" in out


@pytest.mark.parametrize("command", ["scan", "sample", "validate"])
def test_no_bar_under_quiet_or_without_a_terminal(tmp_path: Path, command: str, monkeypatch: pytest.MonkeyPatch):
    log = sample_log(tmp_path)
    extra = {"scan": ["-o", str(tmp_path / "f.csv")], "sample": ["--seed", "1", "-o", str(tmp_path / "s.csv")]}
    code, out, err = run_cli(command, str(log), *extra.get(command, []))  # not a terminal
    assert code == 0 and "行 rows" not in out + err and "\x1b[" not in out + err
    if command == "validate":
        return  # validate has no --quiet
    monkeypatch.setenv("FORCE_COLOR", "1")
    code, out, err = run_cli(command, str(log), *extra[command], "--quiet")
    assert code == 0 and "行 rows" not in out + err and "规则 rules" not in out + err


def test_the_documented_shell_completion_works() -> None:
    from click.testing import CliRunner

    from regcheck.cli import main

    runner = CliRunner()
    script = runner.invoke(main, [], prog_name="regcheck", env={"_REGCHECK_COMPLETE": "bash_source"})
    assert script.exit_code == 0 and "_regcheck_completion()" in script.output
    env = {"_REGCHECK_COMPLETE": "bash_complete", "COMP_WORDS": "regcheck scan --rec", "COMP_CWORD": "2"}
    words = runner.invoke(main, [], prog_name="regcheck", env=env)
    assert "--recursive" in words.output
    assert 'eval "$(_REGCHECK_COMPLETE=bash_source regcheck)"' in (REPO / "README.md").read_text(encoding="utf-8")
