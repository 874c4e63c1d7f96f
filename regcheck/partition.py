"""Lay a log out as a Hive-partitioned Parquet dataset, one folder per office: ``office_code=XXXXXX/part-N.parquet``.

``regcheck partition INPUT… -o DATASET`` (and ``regcheck scan --partition-by office_code``,
which does the same into a temporary folder) so that a scan can read one office at a time.

What goes where:

* A row goes to the folder of its **case's office** — the office_code of the case's first
  row in (event_time, input order), rules.md's definition — so every row of a case lands in
  one partition even when its rows carry two office codes. A row that a scan would reject
  for a required column (empty case_id, unknown activity, unreadable time …) goes to the
  folder of its own office_code, or to ``office_code=__HIVE_DEFAULT_PARTITION__`` when that
  is empty, and is rejected again, with the same reason, by the scan.
* The rows are copied **as they are** (the input's own headers and raw values, Parquet
  types kept, CSV cells as text), in input order: input file *i* becomes ``part-i.parquet``
  in each folder it has rows for, so a folder read in name order is in input order. The
  scan therefore parses them exactly as it parses the input (use the same ``--profile``).
* Each row carries ``_source_line`` — its row number in the input file, as rejects count
  them (header = 1) — and each part file the input path in its Parquet metadata
  (``regcheck.source``, ``regcheck.source_index``), so a partitioned scan reports rejects
  against the original file and breaks ``first row`` ties across offices in input order.
* Malformed CSV rows (wrong number of fields) cannot be placed; they are counted and
  returned as rejects (a whole-file scan rejects them too).

Memory: the first pass keeps case_id, office_code and event_time of every row (to find
each case's office); the second pass streams the rows in batches.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from .errors import InputError
from .loaders.profile import Profile
from .loaders.read import (
    REJECT_COLUMNS,
    SourceFile,
    _csv_record_lines,
    csv_parse_options,
    detect_encoding,
    discover,
    missing_column,
    parse_columns,
    read_csv_table,
    read_parquet_table,
)
from .schema import REQUIRED
from .writers.atomic import atomic_dir, cannot_write

PARTITION_KEY = "office_code"
DEFAULT_PARTITION = "__HIVE_DEFAULT_PARTITION__"
LINE_COLUMN = "_source_line"
META_SOURCE = b"regcheck.source"
META_INDEX = b"regcheck.source_index"
MARKER = "_regcheck_dataset.json"
BATCH_ROWS = 1 << 17


@dataclass
class PartitionReport:
    root: Path
    rows_read: int = 0  # rows of the input, malformed CSV rows included
    rows_written: int = 0
    per_office: dict[str, int] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)  # input files, in order
    rejects: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=REJECT_COLUMNS))  # malformed rows
    cross_office_cases: int = 0  # cases whose rows carry more than one office_code
    tables: pd.DataFrame | None = None  # a message or table source: rows read/used/merged/rejected per table

    def line(self) -> str:
        extra = f", {len(self.rejects):,} rejected rows left out" if len(self.rejects) else ""
        moved = f", {self.cross_office_cases:,} cases span two offices" if self.cross_office_cases else ""
        return (
            f"{self.rows_written:,} rows of {len(self.files)} file(s) → {len(self.per_office)} office partitions "
            f"in {self.root}{extra}{moved}"
        )


def partition_dir(root: Path, office: str) -> Path:
    return root / f"{PARTITION_KEY}={quote(office, safe='')}"


def part_name(index: int, n_files: int) -> str:
    """``part-0.parquet`` … zero-padded so that name order is input order."""
    return f"part-{index:0{len(str(max(n_files - 1, 0)))}d}.parquet"


def _wanted_required(profile: Profile, chosen: dict[str, str], path: Path) -> Callable[[list[str]], list[str]]:
    def wanted(headers: list[str]) -> list[str]:
        for h, canon in profile.resolve(path, headers).items():
            if canon in REQUIRED and canon not in chosen:
                chosen[canon] = h
        return list(chosen.values())

    return wanted


def _constants(src: SourceFile, profile: Profile) -> dict[str, str]:
    """Canonical constants of a file: the profile's, beaten by the file's Hive folders (as the loader does)."""
    out = dict(profile.constants)
    for key, val in src.constants.items():
        canon = profile.header_map([key]).get(key)
        if canon:
            out[canon] = val
    return out


@dataclass
class _Scanned:
    """Pass 1 of one input file."""

    n: int  # table rows (malformed CSV rows not counted)
    lines: np.ndarray  # row number of each table row (header = 1)
    accepted: np.ndarray  # bool: required columns parse
    case_id: pd.Series  # of every row (NaN where missing)
    office: pd.Series  # of every row
    time: np.ndarray  # datetime64[ns], NaT where not parsed
    ragged: pd.DataFrame  # rejects for malformed CSV rows


def _scan_required(src: SourceFile, profile: Profile) -> _Scanned:
    chosen: dict[str, str] = {}
    wanted = _wanted_required(profile, chosen, src.path)
    ragged: list[dict] = []
    if src.kind == "parquet":
        table, headers = read_parquet_table(src.path, wanted)
    else:
        table, headers, ragged = read_csv_table(src.path, wanted, profile.options.delimiter)
    n = table.num_rows
    consts = _constants(src, profile)
    raw: dict[str, pa.ChunkedArray | str] = {}
    for canon in REQUIRED:
        if canon in chosen:
            raw[canon] = table.column(chosen[canon])
        elif canon in consts:
            raw[canon] = consts[canon]
    missing = [c for c in REQUIRED if c not in raw]
    if missing:
        raise InputError(missing_column(src.path, missing[0], headers, profile))
    frame, problems = parse_columns(raw, n, profile, REQUIRED)
    ok = np.ones(n, dtype=bool)
    for name in REQUIRED:
        ok &= frame[name].notna().to_numpy()
    for _name, bad, _orig, _reason in problems:
        ok &= ~bad
    lines = np.arange(2, n + 2, dtype=np.int64)
    if ragged:
        lines = _csv_record_lines(n, ragged)
    rag = pd.DataFrame(
        {
            "file": str(src.path),
            "row": [-1 if p["row"] is None else p["row"] for p in ragged],
            "column": "",
            "value": [p["value"] for p in ragged],
            "reason": [p["reason"] for p in ragged],
        },
        columns=REJECT_COLUMNS,
    )
    return _Scanned(
        n=n,
        lines=lines,
        accepted=ok,
        case_id=frame["case_id"],
        office=frame["office_code"],
        time=frame["event_time"].to_numpy(dtype="datetime64[ns]"),
        ragged=rag,
    )


def case_offices(scans: Sequence[_Scanned]) -> tuple[pd.Series, int]:
    """case_id -> office of its first accepted row in (event_time, input order); and how many cases span offices."""
    frames = []
    for i, s in enumerate(scans):
        idx = np.flatnonzero(s.accepted)
        frames.append(
            pd.DataFrame(
                {
                    "case_id": s.case_id.to_numpy(dtype=object)[idx],
                    "office": s.office.to_numpy(dtype=object)[idx],
                    "time": s.time[idx],
                    "file": np.full(len(idx), i, dtype=np.int32),
                    "row": idx.astype(np.int64),
                }
            )
        )
    if not frames:
        return pd.Series(dtype=object), 0
    rows = pd.concat(frames, ignore_index=True)
    spanning = int((rows.groupby("case_id", sort=False)["office"].nunique() > 1).sum()) if len(rows) else 0
    rows = rows.sort_values(["time", "file", "row"], kind="stable")
    first = rows.drop_duplicates("case_id", keep="first")
    return pd.Series(first["office"].to_numpy(), index=pd.Index(first["case_id"].to_numpy())), spanning


def _labels(s: _Scanned, offices: pd.Series) -> np.ndarray:
    """Partition of each table row (object array of office codes)."""
    own = s.office.to_numpy(dtype=object)
    own = np.where(pd.isna(own), DEFAULT_PARTITION, own)
    if not len(offices) or not s.accepted.any():
        return own
    mapped = offices.reindex(pd.Index(s.case_id.to_numpy(dtype=object))).to_numpy(dtype=object)
    return np.where(s.accepted & pd.notna(mapped), mapped, own)


def _batches(src: SourceFile, delimiter: str = ",") -> tuple[pa.Schema | None, object]:
    """Stream the file's rows (all columns) in batches, in input order; malformed CSV rows skipped."""
    if src.kind == "parquet":
        pf = pq.ParquetFile(src.path)
        return pf.schema_arrow, pf.iter_batches(batch_size=BATCH_ROWS)
    encoding = detect_encoding(src.path)
    pyenc = "utf8" if encoding == "utf-8" else encoding
    with src.path.open("r", encoding=encoding, newline="") as fh:
        headers = next(csv.reader(fh, delimiter=delimiter))
    reader = pacsv.open_csv(
        src.path,
        read_options=pacsv.ReadOptions(encoding=pyenc, block_size=1 << 22, use_threads=False),
        parse_options=csv_parse_options(delimiter, lambda _row: "skip"),
        convert_options=pacsv.ConvertOptions(
            column_types={h: pa.string() for h in headers},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    return reader.schema, reader


def write_dataset(
    inputs: Sequence[str | os.PathLike[str]],
    root: str | os.PathLike[str],
    profile: Profile | None = None,
    on_file: Callable[[Path, int], None] | None = None,
    source: Mapping[str, Any] | None = None,
    beside: Mapping[str, pd.DataFrame] | None = None,
) -> PartitionReport:
    """Write ``root/office_code=XXXXXX/part-N.parquet`` from the inputs (see the module doc).

    ``source``: what the marker records about a message or table source (regcheck/sources/dataset.py);
    ``beside``: frames written as ``root/NAME`` with the partitions (e.g. the message heads).
    """
    profile = profile or Profile()
    out = new_root(root)
    sources = discover(inputs)
    scans = [_scan_required(src, profile) for src in sources]
    offices, spanning = case_offices(scans)
    report = PartitionReport(root=out, files=[str(s.path) for s in sources], cross_office_cases=spanning)
    # the dataset holds the whole log (names, ids): an owner-only folder, like every output (SECURITY.md),
    # written beside ``out`` and renamed into place when whole (a failed run leaves no partial dataset)
    with atomic_dir(out) as stage:
        for i, (src, scan) in enumerate(zip(sources, scans, strict=True)):
            labels = _labels(scan, offices)
            report.rows_read += scan.n + len(scan.ragged)
            _write_file(src, i, len(sources), scan, labels, stage, report, profile.options.delimiter)
            if on_file:
                on_file(src.path, scan.n)
        report.rejects = pd.concat([s.ragged for s in scans], ignore_index=True) if scans else report.rejects
        for name, frame in (beside or {}).items():
            frame.to_parquet(stage / name, index=False)
        write_marker(stage, report.files, report.rows_written, source)
    return report


def new_root(root: str | os.PathLike[str]) -> Path:
    """The dataset folder to write: new, or an empty folder (exit 2 otherwise)."""
    out = Path(root)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise InputError(f"{out}: already exists and is not an empty folder; choose a new -o")
    return out


def write_marker(stage: Path, files: Sequence[str], rows: int, source: Mapping[str, Any] | None = None) -> None:
    """``_regcheck_dataset.json``: the layout, the files partitioned, the rows written, and (for a message or
    table source) what the source is and lacks."""
    marker = {"partitioned_by": PARTITION_KEY, "files": list(files), "rows": rows}
    (stage / MARKER).write_text(
        json.dumps(
            {**marker, "source": dict(source)} if source else marker,
            ensure_ascii=False,
            indent=2,
        ),
        encoding="utf-8",
    )


def _write_file(
    src: SourceFile,
    index: int,
    n_files: int,
    scan: _Scanned,
    labels: np.ndarray,
    out: Path,
    report: PartitionReport,
    delimiter: str = ",",
) -> None:
    schema, batches = _batches(src, delimiter)
    extra = {k: v for k, v in src.constants.items() if schema is None or k not in schema.names}
    meta = {META_SOURCE: str(src.path).encode(), META_INDEX: str(index).encode()}
    writers: dict[str, pq.ParquetWriter] = {}
    name = part_name(index, n_files)
    start = 0
    try:
        for batch in batches:  # type: ignore[attr-defined]
            table = pa.Table.from_batches([batch])
            n = table.num_rows
            for key, val in extra.items():
                table = table.append_column(key, pa.array([val] * n, type=pa.string()))
            table = table.append_column(LINE_COLUMN, pa.array(scan.lines[start : start + n], type=pa.int64()))
            lab = labels[start : start + n]
            codes, uniques = pd.factorize(pd.Series(lab, dtype=object), sort=True)
            for k, office in enumerate(uniques):
                office = str(office)
                part = table.take(pa.array(np.flatnonzero(codes == k)))
                try:
                    if office not in writers:
                        folder = partition_dir(out, office)
                        folder.mkdir(parents=True, exist_ok=True)
                        schema_m = part.schema.with_metadata({**(part.schema.metadata or {}), **meta})
                        writers[office] = pq.ParquetWriter(folder / name, schema_m)
                    writers[office].write_table(part.replace_schema_metadata(writers[office].schema.metadata))
                except OSError as exc:  # a write failure (disk full), not the input's
                    raise cannot_write(report.root, exc) from None
                report.per_office[office] = report.per_office.get(office, 0) + part.num_rows
                report.rows_written += part.num_rows
            start += n
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputError(f"{src.path}: cannot read it again while partitioning ({str(exc).splitlines()[0]})") from None
    finally:
        for w in writers.values():
            w.close()
    if start != scan.n:
        raise InputError(f"{src.path}: changed while it was being partitioned ({start} rows, expected {scan.n})")


__all__ = ["DEFAULT_PARTITION", "LINE_COLUMN", "PARTITION_KEY", "PartitionReport", "write_dataset"]
