"""``regcheck partition`` on a message or table source: parse once, scan many times.

The source is mapped to events (regcheck/sources/events.py) and the events are written as the
canonical flat log, laid out by office like any ``regcheck partition`` dataset
(regcheck/partition.py). The marker records the source's form and the facts it lacks, and the
message heads go beside the partitions (``_heads.parquet``), so that a scan of the dataset —
whole, one office at a time, or on Dask — runs and sets aside the same rules as a scan of the
source itself. The rows the mapping rejected are reported by the partition run (``--rejects``);
the dataset holds the rows that were used.

**Access messages are streamed** (a province's quarter is a million messages, more than memory):

1. *Spill.* The archive is read in parts of about ``batch`` messages (``iter_messages``); each
   part's rows are written to scratch Parquet by **bucket** — a hash of the row's case key (its
   YWH, else its message's case: what the mapping groups by) — so every row and every message
   head of a case lands in one bucket.
2. *Map.* Each bucket is mapped alone (``to_load``). The mapping decides everything per case
   (duplicates, acceptance, times, attributes, events), so a bucket maps exactly as its cases do
   in the whole source; what is decided over the whole source is put back: the columns a table
   has (a column present anywhere is present in every bucket), the events' input order (cases in
   the order of their first event's row — ``_order`` runs on over the whole source), the rejects'
   order (file-level rejects first, then by ``_order``), and the per-table counts (summed). The
   mapped events are spilled again by office.
3. *Write.* Each office's events are sorted into that input order and written as its partition.

Memory holds one part, one bucket, or one office at a time. Standard tables (files, a database)
are mapped whole: they are a database's tables, not an archive of millions of files.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import InputError
from ..facts import SourceInfo
from ..loaders.read import REJECT_COLUMNS
from ..partition import (
    LINE_COLUMN,
    MARKER,
    META_INDEX,
    META_SOURCE,
    PartitionReport,
    new_root,
    part_name,
    partition_dir,
    write_dataset,
    write_marker,
)
from ..schema import CANONICAL
from ..writers.atomic import atomic_dir, cannot_write
from . import FILE, MESSAGE_CASE, ORDER, ROW, RawRows
from .events import LACKS
from .route import Source, load_source

if TYPE_CHECKING:
    from ..loaders.profile import Profile

HEADS = "_heads.parquet"
BATCH = 25_000  # messages per part read from the archive (memory: about 10 KB a message)
BUCKET_BYTES = 32 << 20  # input bytes per bucket (a zipped message is about 1 KB; mapping one: about 25 KB)
MAX_BUCKETS = 512
_PROVENANCE = (FILE, ROW, ORDER, MESSAGE_CASE)  # the order the reader puts them in, after the attributes
_INTEGER = (ROW, ORDER)
_FIRST, _POS, _BUCKET = "_case_first", "_pos", "_bucket"  # a mapped event's place in the whole source's order


def write_source_dataset(
    source: Source, root: str | Path, profile: Profile | None = None, *, batch: int = BATCH, buckets: int = 0
) -> PartitionReport:
    """Write the events of a message/table/database source as an office-partitioned dataset at ``root``.

    Messages are streamed (module doc): ``batch`` messages read at a time, ``buckets`` hash buckets of
    cases mapped one at a time (0: from the input's size).
    """
    if source.kind != "messages":
        return _write_whole(source, root, profile)
    out = new_root(root)
    with tempfile.TemporaryDirectory(prefix=".regcheck-spill-", dir=out.parent) as tmp:
        spill = _Spill(Path(tmp), buckets or _buckets_for(source.paths))
        for raw in _iter_messages(source, batch):
            spill.add(raw)
        if not any(spill.tables.values()) and not spill.rejects:
            raise InputError(f"{source.label()}: no access messages or standard-table rows found")
        mapped = _Mapped(Path(tmp) / "mapped")
        for k in range(spill.buckets):
            raw = spill.bucket(k)
            if raw is not None:
                mapped.add(k, raw, profile)
        report = PartitionReport(root=out, files=list(dict.fromkeys(spill.files)))
        info = {"form": "messages", "lacks": sorted(LACKS["messages"]), "read": report.files}
        with atomic_dir(out) as stage:
            mapped.write(stage, report, source.label())
            spill.write_heads(stage / HEADS)
            write_marker(stage, [], report.rows_written, info)
    report.rows_read = mapped.rows_read + spill.given_rows()
    report.rejects = spill.given_rejects(mapped.rejects())
    report.tables = mapped.counts()
    return report


def _iter_messages(source: Source, batch: int) -> Iterator[RawRows]:
    from .messages import iter_messages

    return iter_messages(list(source.paths), batch)


def _write_whole(source: Source, root: str | Path, profile: Profile | None) -> PartitionReport:
    """Table files and databases: mapped whole, the events written through a scratch flat log."""
    loaded, tables = load_source(source, profile)
    info = loaded.source
    events = loaded.events[[c for c in CANONICAL if c in loaded.events.columns]]
    marker = {"form": info.form, "lacks": sorted(info.lacks), "read": loaded.files}
    beside = {HEADS: info.heads} if info.heads is not None and len(info.heads) else {}
    with tempfile.TemporaryDirectory(prefix=".regcheck-events-", dir=Path(root).parent) as tmp:
        flat = Path(tmp) / "events.parquet"
        events.to_parquet(flat, index=False)  # a scratch file, read back at once: not an output (no atomic_path)
        report = write_dataset([flat], root, None, source=marker, beside=beside)
    report.files = loaded.files
    report.rows_read = loaded.rows_read
    report.rejects = loaded.rejects
    report.tables = tables
    return report


def _buckets_for(paths: tuple[str, ...]) -> int:
    """Buckets enough that one holds about BUCKET_BYTES of the input (zipped or not)."""
    total = 0
    for path in map(Path, paths):
        if path.is_dir():
            total += sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
        elif path.is_file():
            total += path.stat().st_size
    return int(min(MAX_BUCKETS, max(1, -(-total // BUCKET_BYTES))))


# --- 1. spill ---------------------------------------------------------------------------------


def _case_keys(frame: pd.DataFrame, own: str, fallback: str | None) -> pd.Series:
    """Each row's case key as the mapping reads it: ``own`` (YWH; a message's case for a head), else
    ``fallback`` (the message's case; a head's RecFlowID without its ``-n``) — cleaned as the mapping cleans."""
    from ..loaders.values import null_strings
    from .events import clean_values
    from .messages import message_case

    key = clean_values(frame[own]) if own in frame.columns else null_strings(len(frame)).set_axis(frame.index)
    if fallback in frame.columns:
        other = clean_values(frame[fallback])
        if fallback != MESSAGE_CASE:
            other = other.map(message_case, na_action="ignore")
        key = key.fillna(other)
    return key


def _buckets_of(keys: pd.Series, n: int) -> np.ndarray:
    """Bucket of each row: a hash of its case key (rows without one: bucket 0, where they are rejected)."""
    if n == 1:
        return np.zeros(len(keys), dtype=np.int64)
    hashed = pd.util.hash_pandas_object(keys.astype(object), index=False).to_numpy()
    return np.where(keys.notna().to_numpy(), (hashed % np.uint64(n)).astype(np.int64), 0)


def _arrow(frame: pd.DataFrame) -> pa.Table:
    """A RawRows frame as Arrow: attribute and provenance text as strings, _row and _order as int64."""
    types = [pa.int64() if c in _INTEGER else pa.string() for c in frame.columns]
    schema = pa.schema(list(zip(map(str, frame.columns), types, strict=True)))
    return pa.Table.from_pandas(frame, schema=schema, preserve_index=False).replace_schema_metadata(None)


class _Writers:
    """Scratch Parquet files written a part at a time: one per (bucket, table) and schema seen."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.open: dict[tuple[int, str], pq.ParquetWriter] = {}
        self.files: dict[tuple[int, str], list[Path]] = {}

    def write(self, bucket: int, name: str, table: pa.Table) -> None:
        key = (bucket, name)
        writer = self.open.get(key)
        if writer is not None and not writer.schema.equals(table.schema):
            writer.close()  # a part with other columns: a new file (the reader takes the union)
            writer = None
        if writer is None:
            path = self.folder / f"b{bucket}" / f"{name}.{len(self.files.get(key, ()))}.parquet"
            path.parent.mkdir(parents=True, exist_ok=True)
            writer = self.open[key] = pq.ParquetWriter(path, table.schema)
            self.files.setdefault(key, []).append(path)
        try:
            writer.write_table(table)
        except OSError as exc:
            raise cannot_write(self.folder, exc) from None

    def close(self) -> None:
        for writer in self.open.values():
            writer.close()
        self.open.clear()

    def read(self, bucket: int, name: str, columns: list[str]) -> pa.Table | None:
        """Everything written for (bucket, name), with exactly ``columns`` (absent ones null), or None."""
        self.close()
        paths = self.files.get((bucket, name))
        if not paths:
            return None
        table = pa.concat_tables([pq.read_table(p) for p in paths], promote_options="default")
        cols = [
            table[c] if c in table.column_names else pa.nulls(len(table), pa.int64() if c in _INTEGER else pa.string())
            for c in columns
        ]
        return pa.table(dict(zip(columns, cols, strict=True)))


def _ordered(seen: list[str], new: list[str], attributes: tuple[str, ...]) -> list[str]:
    """The columns of a table over the whole source: attributes in ``attributes`` order (then as first seen),
    the provenance columns last, as the reader lays out one table."""
    union = seen + [c for c in new if c not in seen]
    rank = {c: i for i, c in enumerate(attributes)}
    attrs = sorted((c for c in union if c not in _PROVENANCE), key=lambda c: rank.get(c, len(rank)))
    return attrs + [c for c in _PROVENANCE if c in union]


@dataclass
class _Spill:
    """Pass 1: the parts of the archive, spilled by bucket; what is known of the whole source."""

    folder: Path
    buckets: int
    tables: dict[str, list[str]] = field(default_factory=dict)  # table as found -> its columns, source-wide
    heads: list[str] = field(default_factory=list)  # the heads' columns, source-wide
    rejects: list[pd.DataFrame] = field(default_factory=list)  # whole documents refused, in read order
    files: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.writers = _Writers(self.folder)

    def add(self, raw: RawRows) -> None:
        from .messages import table_columns

        for name, frame in raw.tables.items():
            self.tables[name] = _ordered(self.tables.get(name, []), list(frame.columns), table_columns(name) or ())
            self._spill(name, frame, _buckets_of(_case_keys(frame, "YWH", MESSAGE_CASE), self.buckets))
        if len(raw.heads):
            self.heads = _ordered(self.heads, list(raw.heads.columns), ())
            keys = _case_keys(raw.heads, MESSAGE_CASE, "RecFlowID")
            self._spill(HEADS, raw.heads, _buckets_of(keys, self.buckets))
            self.writers.write(-1, HEADS, _arrow(raw.heads))  # all heads, in order: the dataset's _heads.parquet
        if len(raw.rejects):
            self.rejects.append(raw.rejects)
        self.files += raw.files

    def _spill(self, name: str, frame: pd.DataFrame, bucket: np.ndarray) -> None:
        table = _arrow(frame)
        order = np.argsort(bucket, kind="stable")
        counts = np.bincount(bucket, minlength=self.buckets)
        start = 0
        for k in np.flatnonzero(counts):
            self.writers.write(int(k), name, table.take(pa.array(order[start : start + counts[k]])))
            start += counts[k]

    def bucket(self, k: int) -> RawRows | None:
        """The rows of bucket ``k`` as RawRows, each table with the source-wide columns; None when it has none."""
        tables = {}
        for name, columns in self.tables.items():
            table = self.writers.read(k, name, columns)
            if table is not None and len(table):
                tables[name] = table.to_pandas()
        if not tables:
            return None
        heads = self.writers.read(k, HEADS, self.heads)
        return RawRows("messages", tables, heads.to_pandas() if heads is not None else pd.DataFrame())

    def write_heads(self, path: Path) -> None:
        """Every head read, in read order, as the whole-source mapping reports them (FILE named ``file``)."""
        heads = self.writers.read(-1, HEADS, self.heads)
        if heads is not None and len(heads):
            pq.write_table(heads.rename_columns([c if c != FILE else "file" for c in heads.column_names]), path)

    def given_rows(self) -> int:
        """Documents refused whole count as rows read (once per file and line), as in the whole-source load."""
        if not self.rejects:
            return 0
        return int(pd.concat(self.rejects, ignore_index=True)[["file", "row"]].drop_duplicates().shape[0])

    def given_rejects(self, rows: pd.DataFrame) -> pd.DataFrame:
        """The documents refused whole, in read order, then the rows the mapping rejected."""
        if not self.rejects:
            return rows
        given = pd.concat(self.rejects, ignore_index=True).reindex(columns=REJECT_COLUMNS)
        return pd.concat([given, rows], ignore_index=True)


# --- 2. map, 3. write ---------------------------------------------------------------------------


def _with_order_as_row(raw: RawRows) -> pd.Series:
    """Put each row's ``_order`` in its ``_row`` (so the mapping's rejects and events say where in the whole
    source a row was read); returns the lines to put back, by ``_order``."""
    lines = []
    for frame in raw.tables.values():
        lines.append(pd.Series(frame[ROW].to_numpy(), index=frame[ORDER].to_numpy()))
        frame[ROW] = frame[ORDER]
    return pd.concat(lines)


def _case_first(events: pd.DataFrame) -> np.ndarray:
    """Per event, the source-wide ``_order`` of its case's first event (the mapping sorts cases by it; a
    case's events are consecutive), from ``_line``, which holds the events' ``_order`` here."""
    case = events["case_id"].to_numpy(dtype=object)
    starts = np.flatnonzero(np.r_[True, case[1:] != case[:-1]]) if len(case) else np.zeros(0, np.int64)
    first = np.minimum.reduceat(events["_line"].to_numpy(np.int64), starts) if len(starts) else starts
    return np.repeat(first, np.diff(np.r_[starts, len(case)]))


class _Mapped:
    """Pass 2: each bucket mapped; its events spilled by office with their place in the source's order."""

    def __init__(self, folder: Path) -> None:
        self.writers = _Writers(folder)
        self.offices: set[str] = set()
        self.keys: list[np.ndarray] = []  # per bucket: the case-first order of each event, in bucket order
        self.bucket_of: dict[int, int] = {}  # bucket -> its index in keys
        self.rows_read = 0
        self.tables: list[pd.DataFrame] = []
        self.rejected: list[pd.DataFrame] = []
        self.categorical: set[str] = set()

    def add(self, k: int, raw: RawRows, profile: Profile | None) -> None:
        from .events import to_load

        lines = _with_order_as_row(raw)
        loaded, counts = to_load(raw, profile)
        self.rows_read += loaded.rows_read
        self.tables.append(counts)
        rej = loaded.rejects
        self.rejected.append(rej.assign(_order=rej["row"].to_numpy(np.int64), row=lines.loc[rej["row"]].to_numpy()))
        events = loaded.events
        first = _case_first(events)
        self.bucket_of[k] = len(self.keys)
        self.keys.append(first)
        frame = events[[c for c in CANONICAL if c in events.columns]]
        self.categorical |= {c for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)}
        frame = frame.assign(**{_BUCKET: len(self.keys) - 1, _POS: np.arange(len(frame), dtype=np.int64)})
        office = frame["office_code"].astype(str).to_numpy()
        for code in pd.unique(office):
            self.offices.add(code)
            part = frame.loc[office == code]
            self.writers.write(0, _office_key(code), _plain(pa.Table.from_pandas(part, preserve_index=False)))

    def ranks(self) -> list[np.ndarray]:
        """Per bucket, each event's position in the whole source's input order."""
        first = np.concatenate(self.keys) if self.keys else np.zeros(0, np.int64)
        pos = np.concatenate([np.arange(len(k)) for k in self.keys]) if self.keys else first
        rank = np.empty(len(first), dtype=np.int64)
        rank[np.lexsort((pos, first))] = np.arange(len(first))
        return np.split(rank, np.cumsum([len(k) for k in self.keys])[:-1])

    def write(self, stage: Path, report: PartitionReport, label: str) -> None:
        """Each office's events in input order, as ``office_code=X/part-0.parquet`` (``_source_line`` = the
        event's row in the whole source's events, as a flat log of them would number it)."""
        ranks = self.ranks()
        self.writers.close()
        meta = {META_SOURCE: label.encode(), META_INDEX: b"0"}
        for code in sorted(self.offices):
            table = self.writers.read(0, _office_key(code), self._columns(code))
            frame = table.to_pandas() if table is not None else pd.DataFrame()
            rank = np.concatenate([ranks[b][p] for b, p in _grouped(frame[_BUCKET].to_numpy(), frame[_POS].to_numpy())])
            frame = frame.iloc[np.argsort(rank, kind="stable")].drop(columns=[_BUCKET, _POS])
            for c in self.categorical & set(frame.columns):
                frame[c] = frame[c].astype("category")
            out = pa.Table.from_pandas(frame.reset_index(drop=True), preserve_index=False)
            out = out.append_column(LINE_COLUMN, pa.array(np.sort(rank) + 2, pa.int64()))
            folder = partition_dir(stage, code)
            try:
                folder.mkdir(parents=True, exist_ok=True)
                pq.write_table(
                    out.replace_schema_metadata({**(out.schema.metadata or {}), **meta}), folder / part_name(0, 1)
                )
            except OSError as exc:
                raise cannot_write(report.root, exc) from None
            report.per_office[code] = len(frame)
            report.rows_written += len(frame)

    def _columns(self, code: str) -> list[str]:
        paths = self.writers.files.get((0, _office_key(code)), [])
        return pq.read_schema(paths[0]).names if paths else []

    def rejects(self) -> pd.DataFrame:
        """The rows the mapping rejected, over all buckets, in the order the whole-source mapping gives."""
        found = [r for r in self.rejected if len(r)] or self.rejected[:1]  # an empty frame's dtypes are not text
        rej = pd.concat(found, ignore_index=True) if found else pd.DataFrame(columns=REJECT_COLUMNS)
        if rej.empty:
            return rej.drop(columns=["_order"], errors="ignore")
        return rej.sort_values("_order", kind="stable").drop(columns=["_order"]).reset_index(drop=True)

    def counts(self) -> pd.DataFrame:
        """Rows read/used/merged/rejected/ignored per table, summed over the buckets."""
        counts = pd.concat(self.tables, ignore_index=True)
        return counts.groupby("table", sort=True).sum().reset_index().astype({c: np.int64 for c in counts.columns[1:]})


def _plain(table: pa.Table) -> pa.Table:
    """Dictionary columns as their values (buckets' dictionaries differ), without pandas metadata."""
    fields = [pa.field(f.name, f.type.value_type) if pa.types.is_dictionary(f.type) else f for f in table.schema]
    return table.cast(pa.schema(fields))


def _office_key(code: str) -> str:
    return "office-" + code.encode().hex()  # a file name whatever the code holds


def _grouped(bucket: np.ndarray, pos: np.ndarray) -> Iterator[tuple[int, np.ndarray]]:
    """(bucket, positions) runs, in row order (the rows of one bucket are consecutive)."""
    starts = np.flatnonzero(np.r_[True, bucket[1:] != bucket[:-1]]) if len(bucket) else []
    ends = [*starts[1:], len(bucket)] if len(bucket) else []
    for s, e in zip(starts, ends, strict=True):
        yield int(bucket[s]), pos[s:e]


def dataset_source(root: str | Path) -> SourceInfo | None:
    """The SourceInfo a dataset's marker records, or None for a dataset of a flat log."""
    root = Path(root)
    try:
        marker = json.loads((root / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    found = marker.get("source")
    if not isinstance(found, dict):
        return None
    heads = pd.read_parquet(root / HEADS) if (root / HEADS).exists() else None
    return SourceInfo(form=found["form"], lacks=frozenset(found.get("lacks", ())), heads=heads)


__all__ = ["BATCH", "HEADS", "dataset_source", "write_source_dataset"]
