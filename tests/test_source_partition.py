"""`regcheck partition` of access messages, streamed (issue 15): read in parts, spilled by hash bucket of the
case, mapped a bucket at a time, written office by office — and still exactly the whole-source mapping.

The archive is the generator's (duplicated rows, cases sent as several messages, resent messages, acceptance
rows without a time, GBK files), with two documents refused whole appended. Whatever the batch and bucket
sizes, the dataset holds the events of the whole-source mapping in its input order, the partition run reports
its rejects, rows read, files and per-table counts, `_heads.parquet` holds every head, and a scan of the
dataset finds what a scan of the archive finds, byte for byte.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import zipfile
from collections import defaultdict
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from regcheck.partition import LINE_COLUMN, MARKER
from regcheck.schema import CANONICAL
from regcheck.sources.dataset import HEADS, write_source_dataset
from regcheck.sources.route import classify, load_source

from .conftest import run_cli

SEED, CASES = 5, 240


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("stream")
    out = folder / "messages.zip"
    code, _out, err = run_cli(
        "generate", "--format", "access", "--cases", str(CASES), "--seed", str(SEED), "-o", str(out)
    )
    assert code == 0, err
    with zipfile.ZipFile(out, "a") as zf:  # two documents refused whole: not XML, and cut off
        zf.writestr("zz/Biz000000000000000001.xml", "case_id,office_code\nC1,340102\n")
        zf.writestr("zz/Biz000000000000000002.xml", "<Message><Head><BizMsgID>1</BizMsgID></Head><Data>")
    return out


@pytest.fixture(scope="module")
def whole(archive: Path):
    """The whole-source mapping: the LoadResult and the per-table counts."""
    return load_source(classify([str(archive)]))


def _events(root: Path) -> pd.DataFrame:
    """Every office's events, in the order their `_source_line` gives, as text."""
    parts = [pq.read_table(p).to_pandas() for p in sorted(root.glob("office_code=*/*.parquet"))]
    frame = pd.concat(parts, ignore_index=True).sort_values(LINE_COLUMN, kind="stable")
    assert frame[LINE_COLUMN].tolist() == list(range(2, len(frame) + 2))  # one flat log's rows, none twice
    return _text(frame.drop(columns=[LINE_COLUMN]))


def _text(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[[c for c in CANONICAL if c in frame.columns]].astype(str).reset_index(drop=True)


@pytest.mark.parametrize(("batch", "buckets"), [(1, 1), (7, 5), (40, 64), (100_000, 3)])
def test_a_streamed_partition_is_the_whole_mapping(
    archive: Path, whole, tmp_path: Path, batch: int, buckets: int
) -> None:
    loaded, tables = whole
    root = tmp_path / "dataset"
    report = write_source_dataset(classify([str(archive)]), root, batch=batch, buckets=buckets)
    pd.testing.assert_frame_equal(_events(root), _text(loaded.events))
    pd.testing.assert_frame_equal(report.rejects.reset_index(drop=True), loaded.rejects.reset_index(drop=True))
    pd.testing.assert_frame_equal(report.tables, tables)
    assert report.rows_read == loaded.rows_read
    assert report.files == loaded.files
    assert report.rows_written == len(loaded.events)
    heads = pd.read_parquet(root / HEADS)
    pd.testing.assert_frame_equal(heads, loaded.source.heads.reset_index(drop=True))
    marker = json.loads((root / MARKER).read_text(encoding="utf-8"))
    assert marker["source"]["read"] == loaded.files and marker["source"]["form"] == "messages"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".regcheck")]  # scratch removed


def _reviews_reordered(archive: Path, out: Path) -> Path:
    """The archive with every case's review rows (DJF_DJ_SH) numbered against the order they are read in (SXH
    reversed, across messages where a case was sent as several) and the first one read given a start time
    that is no time: a row rejected after the mapping reorders the case's reviews by SXH."""
    texts: dict[str, tuple[str, str]] = {}
    with zipfile.ZipFile(archive) as zf:
        for name in sorted(zf.namelist()):
            raw = zf.read(name)
            for encoding in ("utf-8", "gb18030"):
                try:
                    texts[name] = (raw.decode(encoding), encoding)
                    break
                except UnicodeDecodeError:
                    continue
    reviews: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for name, (text, _enc) in texts.items():
        for row in re.findall(r"<DJF_DJ_SH [^>]*/>", text):
            reviews[re.search(r'YWH="([^"]+)"', row).group(1)].append((name, row))
    for rows in (r for r in reviews.values() if len(r) > 1):
        for i, (name, row) in enumerate(rows):
            new = re.sub(r'SXH="\d*"', f'SXH="{len(rows) - i}"', row)
            new = re.sub(r'SHKSSJ="[^"]*"', 'SHKSSJ="not a time"', new) if i == 0 else new
            texts[name] = (texts[name][0].replace(row, new, 1), texts[name][1])
    with zipfile.ZipFile(out, "w") as zf:
        for name, (text, encoding) in texts.items():
            zf.writestr(name, text.encode(encoding))
    return out


def test_reviews_reordered_by_sxh_and_rejected_stream_as_the_whole_mapping(archive: Path, tmp_path: Path) -> None:
    """A case's reviews take their places by SXH before the rows are checked, so a rejected review row sits in
    another row's place; its case's rows may be in several messages with other cases' rows between. The
    streamed partition still gives the whole mapping's events, rejects (with the line each was read on) and
    counts."""
    source = classify([str(_reviews_reordered(archive, tmp_path / "reordered.zip"))])
    loaded, tables = load_source(source)
    reviews = loaded.rejects.loc[loaded.rejects["column"] == "DJF_DJ_SH.SHKSSJ"]
    assert len(reviews) >= 10 and set(reviews["value"]) == {"not a time"}
    root = tmp_path / "dataset"
    report = write_source_dataset(source, root, batch=7, buckets=5)  # cases cut across batches and buckets
    pd.testing.assert_frame_equal(_events(root), _text(loaded.events))
    pd.testing.assert_frame_equal(report.rejects.reset_index(drop=True), loaded.rejects.reset_index(drop=True))
    pd.testing.assert_frame_equal(report.tables, tables)


def _scan(tmp: Path, name: str, *inputs: str) -> bytes:
    out = tmp / f"{name}.csv"
    code, _out, err = run_cli("scan", *inputs, "-o", str(out), "--quiet")
    assert code in (0, 1), err
    return out.read_bytes()


def test_a_dataset_partitioned_in_many_buckets_scans_as_the_archive(archive: Path, tmp_path: Path) -> None:
    root = tmp_path / "dataset"
    write_source_dataset(classify([str(archive)]), root, batch=9, buckets=7)
    assert _scan(tmp_path, "dataset", str(root)) == _scan(tmp_path, "archive", str(archive))


def test_partition_reports_the_rejects_of_the_whole_mapping(archive: Path, whole, tmp_path: Path) -> None:
    loaded, _tables = whole
    rejects = tmp_path / "rejects.csv"
    code, out, err = run_cli("partition", str(archive), "-o", str(tmp_path / "ds"), "--rejects", str(rejects))
    assert code == 0, err
    got = pd.read_csv(rejects, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert len(got) == len(loaded.rejects) and {"not XML", "malformed XML"} <= {r.split(" (")[0] for r in got["reason"]}
    assert f"{len(loaded.rejects):,} rejected rows left out" in out


def test_a_failed_partition_leaves_nothing(archive: Path, tmp_path: Path) -> None:
    """A cut-off archive is exit 2: no dataset, no scratch files beside it."""
    cut = tmp_path / "cut.zip"
    data = archive.read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    code, _out, err = run_cli("partition", str(cut), "-o", str(tmp_path / "ds"))
    assert code == 2 and err.startswith("regcheck: error:") and err.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cut.zip"]
    shutil.rmtree(tmp_path / "ds", ignore_errors=True)


def _outputs(tmp: Path, *args: str) -> dict[str, object]:
    """Findings and rejects (bytes) and the JSON summary of a scan, without the keys that name the inputs."""
    tmp.mkdir(parents=True, exist_ok=True)
    out, rejects = tmp / "findings.csv", tmp / "rejects.csv"
    code, stdout, err = run_cli("scan", *args, "-o", str(out), "--rejects", str(rejects), "--summary-format", "json")
    assert code in (0, 1), err
    summary = {k: v for k, v in json.loads(stdout).items() if k not in ("output", "files_read")}
    return {"findings": out.read_bytes(), "rejects": rejects.read_bytes(), "summary": summary}


@pytest.mark.parametrize(
    "split",
    [("--partition-by", "office_code"), ("--engine", "dask", "--workers", "2")],
    ids=["partition-by", "dask"],
)
def test_a_source_scanned_by_office_is_the_whole_scan(
    archive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, split: tuple[str, ...]
) -> None:
    """--partition-by office_code and --engine dask on messages: the archive is partitioned into a temporary
    folder (removed afterwards) and scanned by office — the findings, rejects and summary of the whole scan."""
    if "dask" in split:
        pytest.importorskip("distributed")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    whole = _outputs(tmp_path / "whole", str(archive))
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    got = _outputs(tmp_path / "split", str(archive), *split)
    assert got["findings"] == whole["findings"]
    assert got["rejects"] == whole["rejects"]
    assert got["summary"] == whole["summary"]
    assert not list(scratch.glob("regcheck-*"))  # the temporary dataset is gone (Dask keeps its own scratch)


def test_a_source_is_not_sent_to_a_remote_scheduler(archive: Path, tmp_path: Path) -> None:
    """Its dataset would be written on this machine, out of the workers' reach: partition it first."""
    args = ("--engine", "dask", "--scheduler", "tcp://127.0.0.1:1", "-o", str(tmp_path / "f.csv"))
    code, _out, err = run_cli("scan", str(archive), *args)
    assert code == 2 and "regcheck partition" in err and err.count("\n") == 1
    assert not (tmp_path / "f.csv").exists()
