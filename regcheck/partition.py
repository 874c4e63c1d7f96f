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

Memory: both passes read the input in batches of ``BATCH_ROWS`` rows (Parquet batches, CSV blocks
cut to that size). The first pass
keeps, per *case*, its id (as bytes), the time, input position and office of its first
accepted row and whether its rows carry two offices — merged batch by batch, never a row — and
one flag per row (accepted); the second pass looks each batch's case ids up to place its rows.
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
from .loaders import values as V
from .loaders.profile import Profile
from .loaders.read import (
    REJECT_COLUMNS,
    SourceFile,
    _check_duplicates,
    _check_flat,
    _is_text,
    _parquet_error,
    _read_header,
    csv_convert_options,
    csv_parse_options,
    detect_encoding,
    discover,
    missing_column,
    parse_columns,
    read_csv_table,
)
from .loaders.text import inspect_text
from .schema import REQUIRED
from .writers.atomic import atomic_dir, cannot_write

PARTITION_KEY = "office_code"
DEFAULT_PARTITION = "__HIVE_DEFAULT_PARTITION__"
LINE_COLUMN = "_source_line"
META_SOURCE = b"regcheck.source"
META_INDEX = b"regcheck.source_index"
MARKER = "_regcheck_dataset.json"
BATCH_ROWS = 1 << 17
HELD = 8 * BATCH_ROWS  # rows held for the part files at most (a row group per office and BATCH_ROWS rows)


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
    """Pass 1 of one input file: what pass 2 needs to place its rows (no per-row values kept but one flag)."""

    n: int  # table rows (malformed CSV rows not counted)
    base: int  # input position of its first row (rows of the earlier files)
    chosen: dict[str, str]  # canonical required column -> the file's header
    consts: dict[str, str]  # canonical constants (profile, Hive folders)
    accepted: np.ndarray  # bool per table row: its required columns parse
    skipped: np.ndarray  # record numbers of the malformed CSV rows (sorted), for the row numbers of the others
    ragged: pd.DataFrame  # rejects for malformed CSV rows


class _Offices:
    """Office codes seen, as small integers (a province has hundreds of offices, not millions)."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self._index: dict[str, int] = {}

    def codes(self, values: pd.Series) -> np.ndarray:
        """int32 code per value (the values are office codes of accepted rows: never missing)."""
        cat = pd.Categorical(values)
        for name in map(str, cat.categories):
            if name not in self._index:
                self._index[name] = len(self.names)
                self.names.append(name)
        lookup = np.asarray([self._index[str(c)] for c in cat.categories], dtype=np.int32)
        return lookup[cat.codes]


@dataclass
class _Cases:
    """Cases sorted by ``key`` (their id as fixed-width bytes): the first accepted row — its (event_time,
    input position) and office — and whether the case's accepted rows carry more than one office."""

    key: np.ndarray  # S<width>, sorted, unique
    time: np.ndarray  # int64 ns
    pos: np.ndarray  # int64: input position (files in order, rows in order)
    office: np.ndarray  # int32 code (_Offices)
    multi: np.ndarray  # bool

    def __len__(self) -> int:
        return len(self.key)


def id_bytes(ids: pd.Index | pd.Series | np.ndarray) -> np.ndarray:
    """Case ids as a fixed-width bytes array (UTF-8 and a 0x01 terminator, so that numpy's dropping of trailing
    NUL bytes cannot make two ids equal), built from Arrow's buffers without a Python loop over the ids."""
    arr = pa.array(np.asarray(ids, dtype=object), type=pa.large_string())
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64)[arr.offset : arr.offset + len(arr) + 1]
    data = np.frombuffer(arr.buffers()[2], dtype=np.uint8) if arr.buffers()[2] is not None else np.zeros(0, np.uint8)
    lengths = np.diff(offsets)
    width = int(lengths.max(initial=0)) + 1
    out = np.zeros((len(arr), width), dtype=np.uint8)
    rows = np.repeat(np.arange(len(arr)), lengths)
    cols = np.arange(len(rows)) - np.repeat(offsets[:-1] - offsets[0], lengths)
    out[rows, cols] = data[offsets[0] : offsets[-1]]
    out[np.arange(len(arr)), lengths] = 1
    return out.view(f"S{width}").ravel()


def _widen(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    width = max(a.dtype.itemsize, b.dtype.itemsize)
    return a.astype(f"S{width}", copy=False), b.astype(f"S{width}", copy=False)


def _batch_cases(case_id: pd.Series, office: np.ndarray, time: np.ndarray, pos: np.ndarray) -> _Cases:
    """The cases of one batch's accepted rows (given in input order)."""
    cat = pd.Categorical(case_id)
    codes = cat.codes.astype(np.int64)
    order = np.lexsort((time, codes))  # stable: equal times stay in input order
    codes, office = codes[order], office[order]
    first = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]]) if len(codes) else np.zeros(0, np.int64)
    multi = np.minimum.reduceat(office, first) != np.maximum.reduceat(office, first) if len(first) else first > 0
    key = id_bytes(cat.categories[codes[first]])
    by_key = np.argsort(key, kind="stable")
    pick = first[by_key]
    return _Cases(key[by_key], time[order][pick], pos[order][pick], office[pick], multi[by_key])


def _merge(a: _Cases, b: _Cases) -> _Cases:
    """Two sets of cases as one: the earlier first row wins, and a case is multi-office if its sides differ."""
    akey, bkey = _widen(a.key, b.key)
    at = np.searchsorted(akey, bkey)
    found = at < len(akey)
    found[found] = akey[at[found]] == bkey[found]
    i, j = at[found], np.flatnonzero(found)
    earlier = (b.time[j] < a.time[i]) | ((b.time[j] == a.time[i]) & (b.pos[j] < a.pos[i]))
    multi = a.multi.copy()
    multi[i] |= b.multi[j] | (a.office[i] != b.office[j])
    time, pos, office = a.time.copy(), a.pos.copy(), a.office.copy()
    time[i[earlier]], pos[i[earlier]], office[i[earlier]] = b.time[j[earlier]], b.pos[j[earlier]], b.office[j[earlier]]
    new, where = np.flatnonzero(~found), at[~found]
    return _Cases(
        np.insert(akey, where, bkey[new]),
        np.insert(time, where, b.time[new]),
        np.insert(pos, where, b.pos[new]),
        np.insert(office, where, b.office[new]),
        np.insert(multi, where, b.multi[new]),
    )


class _CaseMap:
    """Every case's first accepted row and office, merged batch by batch: runs of cases, each sorted by id, a run
    merged into the one before it when it has grown to half that one's size (so each case is merged O(log n) times).
    Memory: per case its id's bytes and 21 bytes, never the rows."""

    def __init__(self) -> None:
        self.runs: list[_Cases] = []
        self.offices = _Offices()

    def add(self, cases: _Cases) -> None:
        self.runs.append(cases)
        while len(self.runs) > 1 and 2 * len(self.runs[-1]) >= len(self.runs[-2]):
            last = self.runs.pop()
            self.runs[-1] = _merge(self.runs[-1], last)

    def done(self) -> _Cases:
        while len(self.runs) > 1:
            last = self.runs.pop()
            self.runs[-1] = _merge(self.runs[-1], last)
        if not self.runs:
            empty = np.zeros(0, np.int64)
            return _Cases(np.zeros(0, "S1"), empty, empty, empty.astype(np.int32), empty.astype(bool))
        return self.runs[0]


def _required_batches(src: SourceFile, profile: Profile, chosen: dict[str, str]) -> tuple[Any, list[str], list[dict]]:
    """The file's required columns in batches of at most BATCH_ROWS rows, its headers and its malformed CSV rows
    (a list filled as the batches are read)."""
    wanted = _wanted_required(profile, chosen, src.path)
    if src.kind != "parquet":
        return _csv_required(src.path, wanted, profile.options.delimiter)
    try:
        pf = pq.ParquetFile(src.path)
        headers = list(pf.schema_arrow.names)
        _check_duplicates(src.path, headers)
        columns = wanted(headers)
        for f in pf.schema_arrow:
            if f.name in columns:
                _check_flat(src.path, f)
        # office, activity as dictionaries (few values); case ids as plain text (mostly distinct)
        text = [f.name for f in pf.schema_arrow if f.name in columns and f.name != chosen.get("case_id")]
        text = [n for n in text if _is_text(pf.schema_arrow.field(n).type)]
        pf = pq.ParquetFile(src.path, read_dictionary=text or None)
        batches = _row_groups(pf, columns)
    except (pa.ArrowInvalid, pa.ArrowException, OSError) as exc:
        raise _parquet_error(src.path, exc) from None
    return _reading(src.path, batches, _parquet_error), headers, []


def _row_groups(pf: pq.ParquetFile, columns: list[str] | None = None) -> Any:
    """A Parquet file's rows in batches, a row group at a time: one reader over the whole file holds on to what it
    has read (+2.3 MB per batch of gen2's log, 2 GiB at 10M cases); a reader per row group does not."""
    for group in range(pf.metadata.num_row_groups):
        yield from pf.iter_batches(batch_size=BATCH_ROWS, row_groups=[group], columns=columns)


def _csv_required(
    path: Path, wanted: Callable[[list[str]], list[str]], delimiter: str
) -> tuple[Any, list[str], list[dict]]:
    """A CSV file's required columns, streamed in blocks by one reader (which numbers the malformed rows) as the
    second pass reads it; a file cut in the middle of a character is read whole as the loader reads it."""
    info = inspect_text(path)
    if info.size < path.stat().st_size:
        table, headers, ragged = read_csv_table(path, wanted, delimiter)
        return (table.slice(k, BATCH_ROWS) for k in range(0, table.num_rows, BATCH_ROWS)), headers, ragged
    headers = _read_header(path, info.encoding, delimiter)
    _check_duplicates(path, headers)
    keep = wanted(headers)
    ragged: list[dict] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        number = None if row.number is None else int(row.number)
        ragged.append({"row": number, "reason": f"expected {row.expected_columns} fields, found {row.actual_columns}"})
        ragged[-1]["value"] = V.visible(row.text or "")[:200]
        return "skip"

    def cannot(_path: Path, exc: Exception) -> InputError:
        return InputError(
            f"{path}: cannot read the CSV ({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})"
        )

    try:
        reader = pacsv.open_csv(
            path,
            read_options=pacsv.ReadOptions(
                encoding="utf8" if info.encoding == "utf-8" else info.encoding, block_size=1 << 22, use_threads=False
            ),
            parse_options=csv_parse_options(delimiter, on_invalid),
            convert_options=csv_convert_options(headers, keep),
        )
    except (pa.ArrowInvalid, pa.ArrowKeyError, UnicodeDecodeError, OSError) as exc:
        raise cannot(path, exc) from None
    return _reading(path, (t for b in reader for t in _cut(b)), cannot), headers, ragged


def _cut(batch: pa.RecordBatch) -> Any:
    """A batch as batches of at most BATCH_ROWS rows (a CSV block holds more)."""
    for k in range(0, batch.num_rows, BATCH_ROWS):
        yield batch.slice(k, BATCH_ROWS)


def _reading(path: Path, batches: Any, error: Callable[[Path, Exception], InputError]) -> Any:
    """The batches as tables; a read error as ``error``'s one-line InputError."""
    try:
        yield from (pa.Table.from_batches([b]) for b in batches)
    except (pa.ArrowInvalid, pa.ArrowException, UnicodeDecodeError, OSError) as exc:
        raise error(path, exc) from None


def _raw(table: pa.Table, chosen: dict[str, str], consts: dict[str, str], names: Sequence[str]) -> dict[str, Any]:
    """What parse_columns reads for ``names``: the file's column, else the constant."""
    return {c: table.column(chosen[c]) if c in chosen else consts[c] for c in names if c in chosen or c in consts}


def _scan_required(src: SourceFile, profile: Profile, base: int, cases: _CaseMap) -> _Scanned:
    """Pass 1 of one file, batch by batch: which rows are accepted; each case's first accepted row to ``cases``."""
    chosen: dict[str, str] = {}
    batches, headers, ragged = _required_batches(src, profile, chosen)
    consts = _constants(src, profile)
    missing = [c for c in REQUIRED if c not in chosen and c not in consts]
    if missing:
        raise InputError(missing_column(src.path, missing[0], headers, profile))
    accepted: list[np.ndarray] = []
    n = 0
    for table in batches:
        frame, problems = parse_columns(_raw(table, chosen, consts, REQUIRED), table.num_rows, profile, REQUIRED)
        ok = np.ones(table.num_rows, dtype=bool)
        for name in REQUIRED:
            ok &= frame[name].notna().to_numpy()
        for _name, bad, _orig, _reason in problems:
            ok &= ~bad
        idx = np.flatnonzero(ok)
        if len(idx):
            office = cases.offices.codes(frame["office_code"].iloc[idx])
            time = frame["event_time"].to_numpy(dtype="datetime64[ns]")[idx].view(np.int64)
            cases.add(_batch_cases(frame["case_id"].iloc[idx], office, time, base + n + idx))
        accepted.append(ok)
        n += table.num_rows
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
    skipped = np.sort(np.asarray([p["row"] for p in ragged if p["row"] is not None], dtype=np.int64))
    flags = np.concatenate(accepted) if accepted else np.zeros(0, dtype=bool)
    return _Scanned(n=n, base=base, chosen=chosen, consts=consts, accepted=flags, skipped=skipped, ragged=rag)


def _lines(scan: _Scanned, start: int, n: int) -> np.ndarray:
    """Row numbers (header = 1) of table rows start … start+n, past the malformed CSV rows skipped before them
    (as loaders.read._csv_record_lines numbers them)."""
    rows = np.arange(start + 2, start + n + 2, dtype=np.int64)
    if not len(scan.skipped):
        return rows
    at = scan.skipped - np.arange(len(scan.skipped))  # table row (+2) before which each skipped record sits
    return rows + np.searchsorted(at, rows, side="right")


def _labels(
    scan: _Scanned, table: pa.Table, start: int, profile: Profile, cases: _Cases, names: list[str]
) -> np.ndarray:
    """Partition of each row of a batch (object array of office codes): an accepted row its case's office,
    another row its own office_code or the default partition."""
    n = table.num_rows
    frame, _ = parse_columns(
        _raw(table, scan.chosen, scan.consts, ("case_id", "office_code")), n, profile, ("case_id", "office_code")
    )
    own = frame["office_code"].to_numpy(dtype=object)
    own = np.where(pd.isna(own), DEFAULT_PARTITION, own)
    ok = scan.accepted[start : start + n]
    if not ok.any() or not len(cases):
        return own
    cat = pd.Categorical(frame["case_id"].where(ok))
    known, keys = _widen(cases.key, id_bytes(cat.categories))
    at = np.minimum(np.searchsorted(known, keys), len(known) - 1)
    hit = known[at] == keys
    office = np.where(hit, np.asarray(names, dtype=object)[cases.office[at]], None)
    mapped = office[cat.codes] if len(office) else np.full(n, None, dtype=object)
    use = ok & (cat.codes >= 0) & pd.notna(mapped)
    return np.where(use, mapped, own)


def _batches(src: SourceFile, delimiter: str = ",") -> tuple[pa.Schema | None, object]:
    """Stream the file's rows (all columns) in batches, in input order; malformed CSV rows skipped."""
    if src.kind == "parquet":
        pf = pq.ParquetFile(src.path)
        return pf.schema_arrow, _row_groups(pf)
    encoding = detect_encoding(src.path)
    pyenc = "utf8" if encoding == "utf-8" else encoding
    with src.path.open("r", encoding=encoding, newline="") as fh:
        headers = next(csv.reader(fh, delimiter=delimiter))
    reader = pacsv.open_csv(
        src.path,
        read_options=pacsv.ReadOptions(encoding=pyenc, block_size=1 << 22, use_threads=False),
        parse_options=csv_parse_options(delimiter, lambda _row: "skip"),
        convert_options=csv_convert_options(headers),
    )
    return reader.schema, reader


def _slices(batches: Any) -> Any:
    """The batches read again, as tables of at most BATCH_ROWS rows."""
    for batch in batches:
        yield from (pa.Table.from_batches([b]) for b in _cut(batch))


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
    cases, scans, base = _CaseMap(), [], 0
    for src in sources:
        scans.append(_scan_required(src, profile, base, cases))
        base += scans[-1].n
    names, found = cases.offices.names, cases.done()
    report = PartitionReport(root=out, files=[str(s.path) for s in sources], cross_office_cases=int(found.multi.sum()))
    # the dataset holds the whole log (names, ids): an owner-only folder, like every output (SECURITY.md),
    # written beside ``out`` and renamed into place when whole (a failed run leaves no partial dataset)
    with atomic_dir(out) as stage:
        for i, (src, scan) in enumerate(zip(sources, scans, strict=True)):
            report.rows_read += scan.n + len(scan.ragged)
            _write_file(src, i, len(sources), (scan, found, names), stage, report, profile)
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


class _Parts:
    """One input file's part files, one per office: rows held per office and written as row groups of about
    BATCH_ROWS rows. (A row group per batch and office would make the footers, which a writer holds until it
    is closed, grow with the log: about 100,000 row groups for 10M cases over 100 offices; and the scan would
    read them one by one.) At most HELD rows are held in all, the office holding most written first."""

    def __init__(self, out: Path, name: str, meta: dict[bytes, bytes], report: PartitionReport) -> None:
        self.out, self.name, self.meta, self.report = out, name, meta, report
        self.writers: dict[str, pq.ParquetWriter] = {}
        self.held: dict[str, list[pa.Table]] = {}
        self.rows: dict[str, int] = {}

    def add(self, office: str, part: pa.Table) -> None:
        self.held.setdefault(office, []).append(part)
        self.rows[office] = self.rows.get(office, 0) + part.num_rows
        self.report.per_office[office] = self.report.per_office.get(office, 0) + part.num_rows
        self.report.rows_written += part.num_rows
        if self.rows[office] >= BATCH_ROWS:
            self._write(office)
        while sum(self.rows.values()) > HELD:
            self._write(max(self.rows, key=self.rows.__getitem__))

    def _write(self, office: str) -> None:
        table = pa.concat_tables(self.held.pop(office))
        del self.rows[office]
        try:
            if office not in self.writers:
                folder = partition_dir(self.out, office)
                folder.mkdir(parents=True, exist_ok=True)
                schema = table.schema.with_metadata({**(table.schema.metadata or {}), **self.meta})
                self.writers[office] = pq.ParquetWriter(folder / self.name, schema)
            self.writers[office].write_table(table.replace_schema_metadata(self.writers[office].schema.metadata))
        except OSError as exc:  # a write failure (disk full), not the input's
            raise cannot_write(self.report.root, exc) from None

    def close(self, whole: bool) -> None:
        """Write what is held (``whole``: the file was read to its end) and close every part file."""
        try:
            for office in sorted(self.held) if whole else ():
                self._write(office)
        finally:
            for w in self.writers.values():
                w.close()


def _write_file(
    src: SourceFile,
    index: int,
    n_files: int,
    place: tuple[_Scanned, _Cases, list[str]],
    out: Path,
    report: PartitionReport,
    profile: Profile,
) -> None:
    scan, cases, names = place
    schema, batches = _batches(src, profile.options.delimiter)
    extra = {k: v for k, v in src.constants.items() if schema is None or k not in schema.names}
    meta = {META_SOURCE: str(src.path).encode(), META_INDEX: str(index).encode()}
    parts = _Parts(out, part_name(index, n_files), meta, report)
    start, whole = 0, False
    try:
        for table in _slices(batches):
            n = table.num_rows
            lab = _labels(scan, table, start, profile, cases, names)
            for key, val in extra.items():
                table = table.append_column(key, pa.array([val] * n, type=pa.string()))
            table = table.append_column(LINE_COLUMN, pa.array(_lines(scan, start, n), type=pa.int64()))
            codes, uniques = pd.factorize(pd.Series(lab, dtype=object), sort=True)
            order = np.argsort(codes, kind="stable")  # each office's rows, in input order
            bounds = np.searchsorted(codes[order], np.arange(len(uniques) + 1))
            for k, office in enumerate(uniques):
                parts.add(str(office), table.take(pa.array(order[bounds[k] : bounds[k + 1]])))
            start += n
        whole = True
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputError(f"{src.path}: cannot read it again while partitioning ({str(exc).splitlines()[0]})") from None
    finally:
        parts.close(whole)
    if start != scan.n:
        raise InputError(f"{src.path}: changed while it was being partitioned ({start} rows, expected {scan.n})")


__all__ = ["DEFAULT_PARTITION", "LINE_COLUMN", "PARTITION_KEY", "PartitionReport", "write_dataset"]
