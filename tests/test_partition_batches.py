"""`regcheck partition` reads its input in batches (issue 16: a province's year in bounded memory).

Its first pass keeps, per case, the first accepted row's (time, input position) and office, merged batch by
batch. Whatever the batch size, the dataset is the same — rows per folder, their order, `_source_line` — and so
is the report; and every row is where rules.md puts it: an accepted row in the office of its case's first
accepted row in (event_time, input order), a rejected row in its own office (or the default partition).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from regcheck import partition
from regcheck.partition import DEFAULT_PARTITION, LINE_COLUMN, write_dataset

from .conftest import run_cli

OFFICES = ("340101", "340102", "340103", "")  # "" : a rejected row (office_code is required)
BAD = (None, None, None, "case", "activity", "time")  # what makes a row rejected, if anything

ROW = st.tuples(
    st.integers(0, 5),  # case
    st.sampled_from(OFFICES),
    st.integers(0, 3),  # minute: many ties in time
    st.sampled_from(BAD),
)


def _cells(case: int, office: str, minute: int, bad: str | None) -> dict[str, str]:
    return {
        "case_id": "" if bad == "case" else f"案C{case}",
        "office_code": office,
        "activity": "bogus" if bad == "activity" else "accept",
        "event_time": "not a time" if bad == "time" else f"2024-03-01 09:0{minute}:00",
    }


def _write(
    rows: list[tuple], folder: Path, kind: str, cut: int, ragged: int | None, encoding: str = "utf-8"
) -> list[Path]:
    """The rows as one or two files (split at ``cut``, the second's columns reversed); a CSV may carry a
    malformed line before row ``ragged``."""
    paths = []
    for k, chunk in enumerate((rows[:cut], rows[cut:])):
        if not chunk and k:
            continue
        columns = ["case_id", "office_code", "activity", "event_time"]
        frame = pd.DataFrame([_cells(*r) for r in chunk], columns=columns[:: 1 - 2 * k])  # never two equal files
        path = folder / f"log{k}.{kind}"
        if kind == "parquet":
            pq.write_table(pa.Table.from_pandas(frame.astype(str), preserve_index=False), path)
        else:
            lines = frame.to_csv(index=False).splitlines()
            if ragged is not None and k == 0:
                lines.insert(1 + min(ragged, len(chunk)), "C9,340101,accept,2024-03-01 09:00:00,extra")
            path.write_text("\n".join(lines) + "\n", encoding=encoding)
        paths.append(path)
    return paths


def _dataset(root: Path) -> dict[str, pd.DataFrame]:
    """Each folder's rows, its part files read in name order."""
    out = {}
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        parts = []
        for f in sorted(folder.glob("*.parquet")):
            frame = pq.read_table(f).to_pandas()
            frame.insert(0, "_file", int(f.stem.split("-")[1]))
            parts.append(frame)
        out[folder.name.split("=", 1)[1]] = pd.concat(parts, ignore_index=True)
    return out


def _expected_folder(rows: list[tuple], cut: int) -> list[str]:
    """rules.md's placement, row by row, without regcheck."""
    first: dict[int, tuple] = {}
    for i, (case, office, minute, bad) in enumerate(rows):
        if bad is None and office:
            first[case] = min(first.get(case, (minute, i, office)), (minute, i, office))
    return [
        first[case][2] if bad is None and office else office or DEFAULT_PARTITION for case, office, minute, bad in rows
    ]


def _partition(paths: list[Path], out: Path, batch: int, held: int) -> tuple[partition.PartitionReport, dict]:
    """``batch``: rows per batch read (and per row group written); ``held``: rows held for the part files."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(partition, "BATCH_ROWS", batch)
        mp.setattr(partition, "HELD", held)
        report = write_dataset([str(p) for p in paths], out)
    return report, _dataset(out)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(ROW, min_size=1, max_size=40),
    kind=st.sampled_from(["csv", "parquet"]),
    cut_at=st.floats(0, 1),
    ragged=st.one_of(st.none(), st.integers(0, 40)),
    batch=st.integers(1, 7),
    held=st.integers(1, 12),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "gbk"]),
)
def test_a_small_batch_gives_the_dataset_and_report_of_one_batch(
    rows: list[tuple], kind: str, cut_at: float, ragged: int | None, batch: int, held: int, encoding: str
) -> None:
    cut = max(1, round(cut_at * len(rows)))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        paths = _write(rows, folder, kind, cut, ragged if kind == "csv" else None, encoding)
        one_report, one = _partition(paths, folder / "one", 1 << 17, 1 << 20)
        small_report, small = _partition(paths, folder / "small", batch, held)
    assert one.keys() == small.keys()
    for office, frame in one.items():
        pd.testing.assert_frame_equal(frame, small[office], check_dtype=True)
    for name in ("rows_read", "rows_written", "per_office", "files", "cross_office_cases"):
        assert getattr(one_report, name) == getattr(small_report, name), name
    pd.testing.assert_frame_equal(one_report.rejects, small_report.rejects)
    # and where every row went is rules.md's placement: (file, input row) -> folder
    placed = {
        (int(f), int(line)): office
        for office, frame in small.items()
        for f, line in zip(frame["_file"], frame[LINE_COLUMN], strict=True)
    }
    lines = [(0, 2 + i + (kind == "csv" and ragged is not None and i >= min(ragged, cut))) for i in range(cut)]
    lines += [(1, 2 + i) for i in range(len(rows) - cut)]
    assert [placed[k] for k in lines] == _expected_folder(rows, cut)
    spans = pd.DataFrame([r for r in rows if r[3] is None and r[1]], columns=["case", "office", "m", "b"])
    assert small_report.cross_office_cases == int((spans.groupby("case")["office"].nunique() > 1).sum())


@pytest.mark.parametrize("kind", ["parquet", "csv"])
def test_partition_never_reads_a_file_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    """Both passes stream the file: a read of the whole file (its memory grows with the log) is never made."""
    rows = [(c % 7, OFFICES[c % 3], c % 4, None) for c in range(500)]
    (log,) = _write(rows, tmp_path, kind, len(rows), 10 if kind == "csv" else None)

    def whole(*_args, **_kwargs):
        raise AssertionError("the whole file read at once")

    monkeypatch.setattr(pq.ParquetFile, "read", whole)
    monkeypatch.setattr(pacsv, "read_csv", whole)
    monkeypatch.setattr(partition, "BATCH_ROWS", 64)
    monkeypatch.setattr(partition, "HELD", 100)
    code, out, err = run_cli("partition", str(log), "-o", str(tmp_path / "ds"))
    assert code == 0, err
    assert out.startswith("500 rows of 1 file(s) → 3 office partitions")
    lines = pd.concat(_dataset(tmp_path / "ds").values())[LINE_COLUMN]
    assert sorted(lines) == [n for n in range(2, 503) if n != 12 or kind == "parquet"][:500]


def test_part_files_hold_row_groups_of_a_batch_not_one_per_batch_and_office(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows are held per office until a batch's worth is there: the row groups (whose footers a writer holds in
    memory until it closes) do not multiply with batches times offices."""
    rows = [(c, OFFICES[c % 3], c % 4, None) for c in range(3000)]  # every batch holds rows of all 3 offices
    (log,) = _write(rows, tmp_path, "parquet", len(rows), None)
    monkeypatch.setattr(partition, "BATCH_ROWS", 100)
    monkeypatch.setattr(partition, "HELD", 250)
    code, _out, err = run_cli("partition", str(log), "-o", str(tmp_path / "ds"))
    assert code == 0, err
    for part in (tmp_path / "ds").glob("office_code=*/*.parquet"):
        meta = pq.ParquetFile(part).metadata
        assert meta.num_rows == 1000 and meta.num_row_groups <= 12, (part, meta.num_row_groups)  # not 30


def test_a_parquet_file_is_read_a_row_group_at_a_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One batch reader over a whole Parquet file holds on to what it read (2 GiB over a 10M-case log): both
    passes open a reader per row group, and the dataset is the same as when the file is one row group."""
    rows = [(c % 11, OFFICES[c % 3], c % 4, None) for c in range(400)]
    frame = pd.DataFrame([_cells(*r) for r in rows])
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), tmp_path / "one.parquet")
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), tmp_path / "many.parquet", row_group_size=30)
    monkeypatch.setattr(partition, "BATCH_ROWS", 64)
    groups: list[list[int] | None] = []
    real = pq.ParquetFile.iter_batches

    def iter_batches(self, *args, **kwargs):
        groups.append(kwargs.get("row_groups"))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(pq.ParquetFile, "iter_batches", iter_batches)
    assert run_cli("partition", str(tmp_path / "one.parquet"), "-o", str(tmp_path / "a"))[0] == 0
    assert run_cli("partition", str(tmp_path / "many.parquet"), "-o", str(tmp_path / "b"))[0] == 0
    assert groups and all(g is not None and len(g) == 1 for g in groups)
    assert len(groups) == 2 * (1 + 14)  # two passes of each file: 1 and 14 row groups
    a, b = _dataset(tmp_path / "a"), _dataset(tmp_path / "b")
    assert a.keys() == b.keys() and all(a[k].equals(b[k]) for k in a)
