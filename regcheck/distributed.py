"""Partitioned scans: one office at a time on this machine, or as tasks on a Dask cluster.

A partitioned scan gives exactly the findings of a whole-file scan (same rows, same ids):

1. **as-of** is defined over the whole input (rules.md), so unless ``--as-of`` is given it is
   computed first: a cheap pass reads the required columns of every partition and takes the
   latest event_time. (A scan also rejects rows for bad values in other columns; if the
   latest row was one of those, the partitions are scanned again with the corrected as-of.)
2. **Per office** (every grouping but ``global``, declared by ``@rule(grouping=...)``): each
   partition — the rows of the cases of one office (``regcheck partition`` puts every row of a
   case in the folder of the case's office) — is loaded alone and the office rules run on it.
   Peak memory follows the largest office.
3. **Global** rules (grouping ``global``: AP004 compares approval numbers across offices, IQ003
   counts an operator's queries across offices, SD004 reads the roster at as-of) run once
   on a small projection gathered from every partition: for AP004 the rows that decide the
   case attributes it reads (first row, first non-empty unit_id and approval_no, first
   register row) of the cases that carry an approval number; for IQ003 the query rows with
   an operator; for SD004 none — each declared with the rule (``@rule(projection=...)``). A global
   rule without a projection gets every row.
4. **Cross-partition groups** the office split would cut are detected and recomputed
   exactly from the rows involved (a second, targeted pass): LG001 counts sequences per
   *row* office_code, so a case whose rows carry two office codes puts rows of one office in
   another's partition; the queue rules group cases by the case's office (a dataset not
   written by ``regcheck partition`` may scatter an office); MG001/MG003/MG005 read the
   history of a unit, which may appear in cases of two offices. A case whose rows lie in two
   partitions cannot be repaired (its attributes are per case): the scan warns.
5. Findings, rejects, row counts and the summary's per-office figures are merged; input
   order — the tie-breaker of "the first row" — is the input file and row recorded by
   ``regcheck partition`` (``_source_line``), so ties across offices break as in the input.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
from pydantic import BaseModel
from rich.console import Console

from . import findings as F
from .calendar import WorkCalendar
from .engine import RunResult, columns_needed, run, runnable
from .errors import InputError
from .facts import SourceInfo
from .loaders import load
from .loaders.profile import Profile
from .loaders.read import (
    DATA_SUFFIXES,
    REJECT_COLUMNS,
    concat_events,
    discover,
    hive_keys,
    order_rejects,
    rejected_seq_frame,
)
from .masking import Masker, person_names
from .model import EventLog, give_back_memory
from .partition import LINE_COLUMN, MARKER, META_INDEX, META_SOURCE, PARTITION_KEY
from .period import Cut, Period, TimeFacts, check_cut, cut_for, merge_time_facts, time_facts, top_size
from .progress import input_bytes, progress_bar
from .rules import REGISTRY, Rule
from .schema import REQUIRED
from .summary import LogFacts, Timeliness, log_facts

ROW_SHIFT = 40  # _row = source file index << 40 | source row (a file of up to 10^12 rows)
NO_SOURCE = 1 << 52  # partitions without _source_line: after every recorded source, in partition order


def grouped(rule_ids: Iterable[str], grouping: str) -> tuple[str, ...]:
    """The rules of ``rule_ids`` declared with ``grouping`` (``@rule(grouping=...)``): the office split
    can cut the groups of "row_office", "case_office" and "unit" rules (see the module doc)."""
    return tuple(i for i in rule_ids if REGISTRY[i].grouping == grouping)


log_ = logging.getLogger(__name__)


# --- partitions -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Part:
    index: int
    key: str  # the office_code of the folder
    files: tuple[str, ...]  # local paths or fsspec URLs, in read (= input) order


def is_url(text: str) -> bool:
    return "://" in text and not Path(text).exists()


def office_partitions(inputs: Sequence[str], profile: Profile | None = None) -> list[Part] | None:
    """The inputs as office partitions when they are a dataset written by ``regcheck partition``, else None.

    Such a dataset has ``office_code=`` folders and ``_regcheck_dataset.json`` beside them. Another
    tool's Hive dataset may put the rows of one case into two folders, so it is read whole (or, with
    ``--partition-by office_code``, partitioned again).
    """
    profile = profile or Profile()
    remote = any(is_url(str(i)) for i in inputs)
    files = _remote_files(inputs) if remote else [str(s.path) for s in discover(inputs)]
    groups: dict[str, list[str]] = {}
    roots: set[str] = set()
    for f in files:
        scheme, sep, path = f.rpartition("://")
        parts = path.split("/") if remote else list(Path(f).parts)
        at = next(
            (
                i
                for i, seg in enumerate(parts[:-1])
                if "=" in seg and profile.header_map([hive_key(seg)]).get(hive_key(seg)) == PARTITION_KEY
            ),
            None,
        )
        if at is None:
            return None
        office = hive_keys(Path(path))[hive_key(parts[at])]
        roots.add(scheme + sep + "/".join(parts[:at]) if remote else str(Path(*parts[:at])))
        groups.setdefault(office, []).append(f)
    if not all(_has_marker(r) for r in roots):
        return None
    return [Part(i, k, tuple(groups[k])) for i, k in enumerate(sorted(groups))]


def hive_key(segment: str) -> str:
    from urllib.parse import unquote

    return unquote(segment.partition("=")[0])


def _has_marker(root: str) -> bool:
    if is_url(root):
        import fsspec

        fs, path = fsspec.core.url_to_fs(root)
        return bool(fs.exists(f"{path.rstrip('/')}/{MARKER}"))
    return Path(root, MARKER).is_file()


def _remote_files(inputs: Sequence[str]) -> list[str]:
    try:
        import fsspec
    except ImportError:  # pragma: no cover - fsspec comes with dask
        raise InputError("URL inputs need fsspec (pip install -e '.[dask]')") from None
    out: list[str] = []
    for url in inputs:
        try:
            fs, root = fsspec.core.url_to_fs(str(url))
            found = fs.find(root) if fs.isdir(root) else [root]
        except (ImportError, ValueError) as exc:
            raise InputError(f"{url}: {exc}") from None
        except OSError as exc:
            raise InputError(f"{url}: cannot list it ({exc})") from None
        keep = []
        for p in sorted(found):
            rel = p[len(root) :].strip("/") if p.startswith(root) else p
            if Path(p).suffix.lower() in DATA_SUFFIXES and not any(s.startswith((".", "_")) for s in rel.split("/")):
                keep.append(fs.unstrip_protocol(p))
        if not keep:
            raise InputError(f"{url}: holds no .csv or .parquet file")
        out += keep
    return out


@contextlib.contextmanager
def _local_files(files: Sequence[str]) -> Iterator[tuple[list[str], dict[str, str]]]:
    """Local paths of the files (URLs copied to a temporary folder, Hive folders kept); local -> given name."""
    if not any(is_url(f) for f in files):
        yield list(files), {f: f for f in files}
        return
    import fsspec

    tmp = tempfile.mkdtemp(prefix="regcheck-part-")
    try:
        local: list[str] = []
        for i, url in enumerate(files):
            keys = hive_keys(Path(url.split("://", 1)[-1]))
            folder = Path(tmp, str(i), *(f"{k}={v}" for k, v in keys.items()))
            folder.mkdir(parents=True, exist_ok=True)
            dest = folder / Path(url.split("://", 1)[-1]).name
            with fsspec.open(url, "rb") as src, dest.open("wb") as out:
                shutil.copyfileobj(src, out, 1 << 22)
            local.append(str(dest))
        yield local, dict(zip(local, files, strict=True))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# --- what every task needs --------------------------------------------------------------------


@dataclass
class Spec:
    office_rules: tuple[str, ...]
    global_rules: tuple[str, ...]
    params: dict[str, BaseModel]
    side: dict[str, Any]
    profile: Profile
    calendar: WorkCalendar
    columns: frozenset[str]
    period: Period | None = None
    source: SourceInfo | None = None  # a dataset of a message or table source: what its marker records


@dataclass
class Loaded:
    events: pd.DataFrame
    rejects: pd.DataFrame  # file/row of the original input where recorded; plus _order for merging
    rows_read: int
    rows_blank: int = 0
    origins: list[tuple[str, np.ndarray | None]] = field(default_factory=list)  # per file: input, source lines
    rejected_seqs: pd.DataFrame = field(default_factory=lambda: rejected_seq_frame([]))  # for LG001
    source: SourceInfo = field(default_factory=SourceInfo)  # what the partition's files cannot tell

    def where(self, i: int) -> str:
        """The original file and row of the events' row ``i``."""
        name, lines = self.origins[int(self.events["_file"].iat[i])]
        line = int(self.events["_line"].iat[i])
        return f"{name} row {int(lines[line - 2]) if lines is not None else line}"


def _source_info(path: str) -> tuple[str | None, int, np.ndarray | None]:
    """(original input path, its index, _source_line per row) recorded by ``regcheck partition``."""
    try:
        pf = pq.ParquetFile(path)
    except Exception:  # a CSV partition file, or unreadable (the loader said so already)
        return None, 0, None
    meta = pf.schema_arrow.metadata or {}
    if LINE_COLUMN not in pf.schema_arrow.names or META_INDEX not in meta:
        return None, 0, None
    lines = pf.read(columns=[LINE_COLUMN]).column(0).to_numpy(zero_copy_only=False).astype(np.int64)
    return meta[META_SOURCE].decode(), int(meta[META_INDEX]), lines


def load_part(part: Part, spec: Spec, columns: Iterable[str] | None) -> Loaded:
    """Load one partition; ``_row`` = global input order, rejects against the original input."""
    with _local_files(part.files) as (paths, shown):
        loaded = load(paths, spec.profile, set(columns) if columns is not None else None)
        ev = loaded.events
        rej = loaded.rejects.copy()
        rej["_order"] = np.zeros(len(rej), dtype=np.int64)
        row = ev["_row"].to_numpy(dtype=np.int64).copy()
        fno = ev["_file"].to_numpy() if "_file" in ev else np.zeros(len(ev), dtype=np.int32)
        line = ev["_line"].to_numpy(dtype=np.int64) if "_line" in ev else row + 2
        origins: list[tuple[str, np.ndarray | None]] = []
        for k, path in enumerate(paths):
            source, index, lines = _source_info(path)
            origins.append((source or shown[path], lines))
            here = fno == k
            in_rej = (rej["file"] == path).to_numpy()
            if lines is None:
                base = NO_SOURCE + (part.index << ROW_SHIFT)
                row[here] = base + row[here]
                rej.loc[in_rej, "_order"] = base + (k << 32) + rej.loc[in_rej, "row"].astype(np.int64)
                rej.loc[in_rej, "file"] = shown[path]
                continue
            row[here] = (index << ROW_SHIFT) + lines[line[here] - 2]
            r = rej.loc[in_rej, "row"].to_numpy(dtype=np.int64)
            src_rows = np.where(r >= 2, lines[np.clip(r - 2, 0, max(len(lines) - 1, 0))], r)
            rej.loc[in_rej, "row"] = src_rows
            rej.loc[in_rej, "_order"] = (index << ROW_SHIFT) + src_rows
            rej.loc[in_rej, "file"] = source
        ev["_row"] = row
    return Loaded(
        events=ev,
        rejects=rej,
        rows_read=loaded.rows_read,
        origins=origins,
        rejected_seqs=loaded.rejected_seqs,
        rows_blank=loaded.rows_blank,
        source=loaded.source,
    )


def latest_time(part: Part, spec: Spec) -> tuple[pd.Timestamp, int]:
    """The cheap pass for as-of: the latest event and the number of rows, from the required columns only."""
    ev = load_part(part, spec, REQUIRED).events
    return (pd.Timestamp(ev["event_time"].max()) if len(ev) else pd.NaT), len(ev)


# --- one partition --------------------------------------------------------------------------


@dataclass
class PartResult:
    index: int
    key: str
    findings: pd.DataFrame  # office-scope findings, with ids
    projection: pd.DataFrame  # rows for the global rules
    rejects: pd.DataFrame
    rows_read: int
    times: TimeFacts  # the partition's event times: set aside, in the period, the latest (regcheck/period.py)
    summary: LogFacts  # the per-office figures of this partition (offices, timing, incomplete, cases)
    row_offices: list[str]
    case_offices: list[str]
    unit_hashes: np.ndarray
    case_hashes: np.ndarray
    person_names: list[str] = field(default_factory=list)  # for masking (regcheck/masking.py)
    rows_blank: int = 0
    # event_seq/event_time of rejected rows whose office_code is unreadable: present in every office (LG001)
    unplaced_seqs: pd.DataFrame = field(default_factory=lambda: rejected_seq_frame([]))
    lacks: frozenset[str] = frozenset()  # the facts this partition's source lacks (regcheck/facts.py)


def _hash(values: Any) -> np.ndarray:
    arr = pd.Series(values, dtype=object).dropna().to_numpy(dtype=object)
    return np.unique(pd.util.hash_array(arr.astype(str).astype(object))) if len(arr) else np.zeros(0, np.uint64)


def _rows_of(log: EventLog, positions: np.ndarray, columns: Iterable[str] | None = None) -> pd.DataFrame:
    """The log's rows at ``positions`` (each once, in log order); only ``columns`` (and ``_row``) if given.

    A text column keeps only the values of these rows as its categories: the rows are gathered with other
    partitions' (the categories merged), and an office's case ids and units would otherwise come along whole
    for a few of its rows (10M cases: +2 GiB merging the global rules' rows)."""
    pos = np.unique(positions)
    names = [c for c in log.events.columns if c != "case" and (columns is None or c in columns or c == "_row")]
    rows = log.events[names].iloc[pos].reset_index(drop=True)
    for name in names:
        if isinstance(rows[name].dtype, pd.CategoricalDtype):
            rows[name] = rows[name].cat.remove_unused_categories()
    return rows


def global_projection(log: EventLog, rule_ids: Sequence[str]) -> pd.DataFrame:
    """The rows the global rules need, with the columns they read (as ``--select`` of them would load):
    an office's projection is gathered with every other office's, so what it carries is held for the whole scan."""
    every = np.arange(len(log.events), dtype=np.int64)
    picks = [every if REGISTRY[r].projection is None else REGISTRY[r].projection(log) for r in rule_ids]
    positions = np.concatenate(picks) if picks else np.zeros(0, dtype=np.int64)
    return _rows_of(log, positions, columns_needed([REGISTRY[r] for r in rule_ids]))


def scan_part(part: Part, spec: Spec, cut: Cut, top: int) -> PartResult:
    loaded = load_part(part, spec, spec.columns)
    events, times = time_facts(loaded.events, cut, spec.period, top, loaded.where)
    source = spec.source or loaded.source
    log = EventLog(events, as_of=cut.as_of, calendar=spec.calendar, rejected_seqs=loaded.rejected_seqs, source=source)
    seqs = loaded.rejected_seqs
    placed = seqs["office_code"].notna().to_numpy()
    rules = [REGISTRY[r] for r in spec.office_rules]
    res = run(log, rules, spec.params, spec.side)
    c = log.cases
    facts = log_facts(log, spec.params, spec.period)
    unit = c["unit_id"] if "unit_id" in c else pd.Series(dtype=object)
    result = PartResult(
        index=part.index,
        key=part.key,
        findings=res.findings,
        projection=global_projection(log, spec.global_rules),
        rejects=loaded.rejects,
        rows_read=loaded.rows_read,
        rows_blank=loaded.rows_blank,
        times=times,
        summary=facts,
        # a rejected row's event_seq counts for its office too: an office split over partitions by such rows is cut
        row_offices=sorted(
            set(log.events["office_code"].dropna().astype(str).unique()) | set(seqs.loc[placed, "office_code"])
        ),
        case_offices=sorted(c["office_code"].dropna().astype(str).unique().tolist()),
        unit_hashes=_hash(unit),
        case_hashes=_hash(log.case_ids),
        person_names=person_names(log.events, source=log.source),
        unplaced_seqs=seqs.loc[~placed].reset_index(drop=True),
        lacks=source.lacks,
    )
    # the office's log is freed here; its pages go back to the OS, so the results kept office after office
    # are not laid out among the freed blocks of the logs before them (a 10M-case dataset scan grew by GiBs)
    del log, loaded, events, res, c, unit
    give_back_memory()
    return result


@dataclass(frozen=True)
class Repair:
    """Groups the office split cut: offices by row, offices by case, unit hashes."""

    row_offices: frozenset[str] = frozenset()
    case_offices: frozenset[str] = frozenset()
    units: frozenset[int] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.row_offices or self.case_offices or self.units)


def repair_rows(part: Part, spec: Spec, cut: Cut, repair: Repair) -> dict[str, pd.DataFrame]:
    """Second pass: the rows of one partition that belong to a cut group, per kind."""
    loaded = load_part(part, spec, spec.columns)
    ev = loaded.events
    log = EventLog(ev.loc[~cut.after(ev["event_time"])], as_of=cut.as_of, calendar=spec.calendar, source=spec.source)
    ev, c = log.events, log.cases
    case = ev["case"].to_numpy()
    out: dict[str, pd.DataFrame] = {}
    if repair.row_offices:
        out["row_office"] = _rows_of(log, np.flatnonzero(ev["office_code"].isin(repair.row_offices).to_numpy()))
        seqs = loaded.rejected_seqs
        out["row_office_rejected"] = seqs.loc[seqs["office_code"].isin(repair.row_offices).to_numpy()]
    if repair.case_offices:
        hit = c["office_code"].isin(repair.case_offices).to_numpy()
        out["case_office"] = _rows_of(log, np.flatnonzero(hit[case]))
    if repair.units and "unit_id" in c:
        unit = c["unit_id"].to_numpy(dtype=object)
        known = pd.notna(unit)
        hashes = np.zeros(len(c), dtype=np.uint64)
        if known.any():
            hashes[known] = pd.util.hash_array(unit[known].astype(str).astype(object))
        hit = known & np.isin(hashes, np.fromiter(repair.units, dtype=np.uint64))
        out["unit"] = _rows_of(log, np.flatnonzero(hit[case]))
    return out


# --- executors ------------------------------------------------------------------------------


class Executor:
    """Runs ``fn(item, *args)`` for every item, in order, with a progress bar."""

    def __init__(self, console: Console | None = None, show: bool = False) -> None:
        self.console = console or Console(stderr=True)
        self.show = show

    def map(self, label: str, fn: Callable[..., Any], items: Sequence[Any], *args: Any) -> list[Any]:
        out = []
        with _Tasks(self.console, self.show, label, items) as tasks:
            for i, item in enumerate(items):
                out.append(fn(item, *args))
                tasks.done(i, out[-1])
        return out

    def close(self) -> None:
        pass


class _Tasks:
    """The progress of one map over office partitions: % of the partitions' bytes, offices done, rows read."""

    def __init__(self, console: Console, show: bool, label: str, items: Sequence[Any]) -> None:
        sizes = [input_bytes(item.files) if isinstance(item, Part) else 0 for item in items]
        self.weights = sizes if sum(sizes) else [1] * len(items)  # remote files: offices, not bytes
        self.show, self.n, self.finished, self.rows = show, len(items), 0, 0
        self.bar = progress_bar(console, show)
        self.task = self.bar.add_task(label, total=max(sum(self.weights), 1), detail=self._detail())

    def _detail(self) -> str:
        rows = f" · {self.rows:,} 行 rows" if self.rows else ""
        return f"{self.finished}/{self.n} 机构 offices{rows}"

    def __enter__(self) -> _Tasks:
        if self.show:
            self.bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.show:
            self.bar.stop()

    def done(self, index: int, result: Any) -> None:
        self.finished += 1
        self.rows += int(getattr(result, "rows_read", 0) or 0)
        self.bar.update(self.task, advance=self.weights[index], detail=self._detail())


class DaskExecutor(Executor):
    """The same map as Dask tasks; progress from the cluster (tasks as they complete)."""

    def __init__(self, client: Any, console: Console | None = None, show: bool = False, own: Any = None) -> None:
        super().__init__(console, show)
        self.client = client
        self.own = own  # a LocalCluster this executor started

    def map(self, label: str, fn: Callable[..., Any], items: Sequence[Any], *args: Any) -> list[Any]:
        from distributed import as_completed

        if not items:
            return []
        shared = [self.client.scatter(a, broadcast=True, hash=False) if isinstance(a, Spec) else a for a in args]
        futures = [self.client.submit(fn, item, *shared, pure=False) for item in items]
        position = {f.key: i for i, f in enumerate(futures)}
        with _Tasks(self.console, self.show, label, items) as tasks:
            for fut in as_completed(futures):
                tasks.done(position[fut.key], fut.result() if self.show else None)
        return self.client.gather(futures)

    def close(self) -> None:
        self.client.close()
        if self.own is not None:
            self.own.close()


def dask_executor(
    scheduler: str | None, workers: int | None, console: Console | None = None, show: bool = False
) -> DaskExecutor:
    """A client of the scheduler at ``scheduler``, or of a LocalCluster of ``workers`` processes."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise InputError("--engine dask needs Dask: pip install -e '.[dask]'") from None
    if scheduler:
        try:
            return DaskExecutor(Client(scheduler, timeout="20s"), console, show)
        except (OSError, TimeoutError) as exc:
            raise InputError(f"--scheduler {scheduler}: cannot reach the Dask scheduler ({exc})") from None
    n = workers or max(1, os.cpu_count() or 1)
    cluster = LocalCluster(
        n_workers=n,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=logging.ERROR,
    )
    return DaskExecutor(Client(cluster), console, show, own=cluster)


# --- the whole scan -------------------------------------------------------------------------


@dataclass
class PartitionedScan:
    result: RunResult
    facts: LogFacts
    rejects: pd.DataFrame
    rows_read: int
    warnings: list[str] = field(default_factory=list)
    person_names: list[str] = field(default_factory=list)
    rows_blank: int = 0
    rows_after_period: int = 0
    source: SourceInfo | None = None  # a dataset of messages or tables (its marker's record)

    def masker(self, roster: pd.DataFrame | None = None) -> Masker:
        """What ``Masker.from_data(events, roster, source)`` gives for the whole log (names are per case)."""
        return Masker(sorted(set(self.person_names) | set(person_names(None, roster, self.source))))

    @property
    def rows_rejected(self) -> int:
        return 0 if self.rejects.empty else int(self.rejects[["file", "row"]].drop_duplicates().shape[0])


def _concat_events(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Rows gathered from several partitions as one events frame (typed even when empty)."""
    full = [f for f in frames if len(f)]
    if not full:
        return frames[0]
    out = concat_events(full)
    twice = out.duplicated("_row").to_numpy()
    return out.loc[~twice].reset_index(drop=True) if twice.any() else out


def _taken(results: Sequence[PartResult], name: str) -> list[pd.DataFrame]:
    """The frames ``name`` (findings, projection) of the results, each result left with an empty one: the
    caller's list is their only reference, so they are freed once it is merged (a 10M-case scan's findings
    and projections are GiBs, and would otherwise be held twice while merged)."""
    frames = []
    for r in results:
        frames.append(getattr(r, name))
        setattr(r, name, frames[-1].iloc[:0].copy())  # a copy: a slice, even empty, holds the whole frame
    return frames


def _global_findings(results: Sequence[PartResult], spec: Spec, as_of: pd.Timestamp | None) -> pd.DataFrame:
    """The global rules' findings, run on the rows the offices projected for them, gathered."""
    if not spec.global_rules:
        return F.empty()
    rows = _concat_events(_taken(results, "projection"))
    glog = EventLog(rows, as_of=as_of, calendar=spec.calendar, source=spec.source, consume=True)
    return run(glog, [REGISTRY[i] for i in spec.global_rules], spec.params, spec.side).findings


def _merge_findings(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    if not frames:
        return F.empty()
    return F.sort_findings(pd.concat(frames, ignore_index=True))


def _cut(values: Iterable[Iterable[Any]]) -> set[Any]:
    """Values seen in more than one partition."""
    counts: dict[Any, int] = {}
    for vs in values:
        for v in set(vs):
            counts[v] = counts.get(v, 0) + 1
    return {v for v, n in counts.items() if n > 1}


def _shared(arrays: Sequence[np.ndarray]) -> np.ndarray:
    arrays = [a for a in arrays if len(a)]
    if not arrays:
        return np.zeros(0, dtype=np.uint64)
    allv = np.concatenate(arrays)
    values, counts = np.unique(allv, return_counts=True)
    return values[counts > 1]


def _merge_facts(results: Sequence[PartResult], as_of: pd.Timestamp) -> LogFacts:
    inc = [r.summary.incomplete for r in results if len(r.summary.incomplete)]
    return LogFacts(
        as_of=as_of,
        offices=sorted({o for r in results for o in r.summary.offices}),
        timing=Timeliness.merged([r.summary.timing for r in results]),
        incomplete=pd.concat(inc).groupby(level=0).sum() if inc else pd.Series(dtype=int),
        cases=sum(r.summary.cases for r in results),
        # the message heads are the dataset's, whole, in every partition: each counts the same
        message_ids_not_counted=results[0].summary.message_ids_not_counted,
    )


def _dataset_source(parts: Sequence[Part]) -> SourceInfo | None:
    """What the marker of a dataset written from access messages or standard tables records (its form, the
    facts it lacks, the message heads; regcheck/sources/dataset.py); None for a flat log's dataset."""
    from .sources.dataset import dataset_source

    first = parts[0].files[0] if parts and parts[0].files else None
    if first is None or is_url(first):
        return None
    return dataset_source(Path(first).parent.parent)  # DATASET/office_code=…/part-N.parquet


def scan_partitions(
    parts: Sequence[Part],
    rules: Sequence[Rule],
    *,
    params: Mapping[str, BaseModel] | None = None,
    side: Mapping[str, Any] | None = None,
    profile: Profile | None = None,
    calendar: WorkCalendar | None = None,
    as_of: pd.Timestamp | None = None,
    period: Period | None = None,
    columns: Iterable[str] | None = None,
    executor: Executor | None = None,
    extra_rejects: pd.DataFrame | None = None,
    extra_rows: int = 0,
) -> PartitionedScan:
    """Scan office partitions and merge: the findings of a whole-file scan of the same rows."""
    if not parts:
        raise InputError("no partition to scan")
    executor = executor or Executor()
    side, ran, _skipped, _set_aside = runnable(rules, side)  # the facts lacked are known once partitions are read
    spec = Spec(
        office_rules=tuple(r.id for r in ran if r.grouping != "global"),
        global_rules=tuple(r.id for r in ran if r.grouping == "global"),
        params=dict(params or {}),
        side=dict(side),
        profile=profile or Profile(),
        calendar=calendar or WorkCalendar(),
        columns=frozenset(columns if columns is not None else columns_needed(rules)),
        period=period,
        source=_dataset_source(parts),
    )
    top, latest = 0, None
    if as_of is None:
        passed = executor.map("as-of 截止时间", latest_time, list(parts), spec)
        known = [t for t, _n in passed if pd.notna(t)]
        latest = max(known) if known else None
        top = top_size(sum(n for _t, n in passed))  # the cheap pass reads at least the rows the scan keeps
    cut = cut_for(period, as_of, latest)
    results: list[PartResult] = executor.map("按机构检查 offices", scan_part, list(parts), spec, cut, top)
    if as_of is None:
        true = [r.times.last for r in results if pd.notna(r.times.last)]
        true_cut = cut_for(period, None, max(true) if true else None)
        if true_cut != cut:  # the latest row was rejected for a column the cheap pass does not read
            cut = true_cut
            results = executor.map("按机构检查 offices", scan_part, list(parts), spec, cut, top)
    times = merge_time_facts([r.times for r in results], top)
    check_cut(times, cut, period)
    as_of = cut.as_of
    as_of_ts = pd.Timestamp(as_of) if as_of is not None else pd.NaT
    # a fact is lacking when no partition has it, as a whole-file scan reads the union of the files' columns;
    # a partition lacking a fact others have did not run the rules needing it (and its rows feed them nothing)
    _side, ran, skipped, set_aside = runnable(rules, side, frozenset.intersection(*(r.lacks for r in results)))
    checkable = {r.id for r in ran}
    spec.office_rules = tuple(i for i in spec.office_rules if i in checkable)
    spec.global_rules = tuple(i for i in spec.global_rules if i in checkable)

    warnings: list[str] = []
    split_cases = _shared([r.case_hashes for r in results])
    if len(split_cases):
        warnings.append(
            f"{len(split_cases):,} cases have rows in more than one partition; their findings may differ from "
            "a whole-file scan — write the dataset with `regcheck partition`, which keeps each case together"
        )
    # the global rules first, so that the offices' projections are freed before their findings are gathered
    found = _merge_findings([_global_findings(results, spec, as_of), *_taken(results, "findings")])
    unplaced = rejected_seq_frame([r.unplaced_seqs for r in results])
    repair = Repair(
        row_offices=frozenset(_cut(r.row_offices for r in results) | _gaps_over(found, unplaced))
        if grouped(spec.office_rules, "row_office")
        else frozenset(),
        case_offices=frozenset(_cut(r.case_offices for r in results))
        if grouped(spec.office_rules, "case_office")
        else frozenset(),
        units=frozenset(int(h) for h in _shared([r.unit_hashes for r in results]))
        if grouped(spec.office_rules, "unit")
        else frozenset(),
    )

    if repair:
        found = _repair(found, parts, results, spec, cut, repair, executor, unplaced)

    extra = [extra_rejects] if extra_rejects is not None and len(extra_rejects) else []
    rejects = pd.concat([*extra, *(r.rejects for r in results)], ignore_index=True)
    if rejects.empty:
        rejects = pd.DataFrame(columns=REJECT_COLUMNS)
    else:
        rejects = order_rejects(rejects, "_order")[REJECT_COLUMNS]
    result = RunResult(findings=found, ran=ran, skipped=skipped, not_checkable=set_aside)
    give_back_memory()  # what merging freed, before the findings are masked and written
    return PartitionedScan(
        result=result,
        facts=_merge_facts(results, as_of_ts),
        rejects=rejects,
        rows_read=extra_rows + sum(r.rows_read for r in results),
        warnings=warnings,
        person_names=sorted({n for r in results for n in r.person_names}),
        rows_blank=sum(r.rows_blank for r in results),
        rows_after_period=times.after,
        source=spec.source,
    )


def _repair(
    found: pd.DataFrame,
    parts: Sequence[Part],
    results: Sequence[PartResult],
    spec: Spec,
    cut: Cut,
    repair: Repair,
    executor: Executor,
    unplaced: pd.DataFrame,
) -> pd.DataFrame:
    """Recompute the findings of the cut groups from all their rows, and replace them.

    ``unplaced``: the numbers of rejected rows without a readable office_code (present in every office).
    """
    units = np.fromiter(repair.units, dtype=np.uint64)
    involved = [
        p
        for p, r in zip(parts, results, strict=True)
        if set(r.row_offices) & repair.row_offices
        or set(r.case_offices) & repair.case_offices
        or (len(units) and np.isin(r.unit_hashes, units).any())
    ]
    pieces = executor.map("跨机构复核 cross-office", repair_rows, involved, spec, cut, repair)
    keep = np.ones(len(found), dtype=bool)
    fresh: list[pd.DataFrame] = []
    kinds = (
        ("row_office", "office_code", repair.row_offices),
        ("case_office", "office_code", repair.case_offices),
        ("unit", "case_id", None),
    )
    for kind, column, values in kinds:
        rows = [p[kind] for p in pieces if kind in p]
        ids = grouped(spec.office_rules, kind)
        if not rows or not ids:
            continue
        rejected = [p[f"{kind}_rejected"] for p in pieces if f"{kind}_rejected" in p]
        seqs = rejected_seq_frame([*rejected, unplaced]) if kind == "row_office" else None
        flog = EventLog(
            _concat_events(rows), as_of=cut.as_of, calendar=spec.calendar, rejected_seqs=seqs, source=spec.source
        )
        if values is None:  # the cases on the shared units
            values = set(flog.cases["case_id"].astype(str))
        got = run(flog, [REGISTRY[i] for i in ids], spec.params, spec.side).findings
        mine = got["rule_id"].isin(ids).to_numpy() & got[column].astype(str).isin(values).to_numpy()
        fresh.append(got.loc[mine])
        keep &= ~(found["rule_id"].isin(ids).to_numpy() & found[column].astype(str).isin(values).to_numpy())
    return _merge_findings([found.loc[keep], *fresh])


def _gaps_over(found: pd.DataFrame, unplaced: pd.DataFrame) -> set[str]:
    """Offices with an LG001 gap that a number of ``unplaced`` falls in (a partition without those rows
    reported it: the repair recomputes the office's gaps with every such number)."""
    gaps = found.loc[(found["rule_id"] == "LG001").to_numpy()]
    if not len(unplaced) or not len(gaps):
        return set()
    evidence = pd.DataFrame([json.loads(e) for e in gaps["evidence"]])
    seq = np.unique(unplaced["event_seq"].to_numpy(dtype=np.int64))
    first, last = evidence["first_missing"].to_numpy(np.int64), evidence["last_missing"].to_numpy(np.int64)
    inside = np.searchsorted(seq, last, "right") > np.searchsorted(seq, first, "left")
    return set(gaps["office_code"].astype(str).to_numpy()[inside])


def run_partitioned(
    inputs: Sequence[str],
    rules: Sequence[Rule],
    *,
    engine: str = "local",
    partition_by: str = "auto",
    scheduler: str | None = None,
    workers: int | None = None,
    params: Mapping[str, BaseModel] | None = None,
    side: Mapping[str, Any] | None = None,
    profile: Profile | None = None,
    calendar: WorkCalendar | None = None,
    as_of: pd.Timestamp | None = None,
    period: Period | None = None,
    columns: Iterable[str] | None = None,
    console: Console | None = None,
    show: bool = False,
    extra_rejects: pd.DataFrame | None = None,
    extra_rows: int = 0,
) -> PartitionedScan | None:
    """``regcheck scan`` with --engine/--partition-by: None means "scan the input whole" (the default path).

    A dataset written by ``regcheck partition`` (``office_code=`` folders) is scanned one office at a
    time; any other input is first laid out that way in a temporary folder (``--partition-by
    office_code``, or always with ``--engine dask`` on a local cluster).
    """
    if engine not in ("local", "dask"):
        raise InputError(f"--engine {engine}: use local or dask")
    if engine != "dask" and (scheduler or workers):
        raise InputError("--scheduler and --workers go with --engine dask")
    if scheduler and workers:
        raise InputError("--workers starts a local cluster; with --scheduler the cluster has its own workers")
    if partition_by == "none":
        if engine == "dask":
            raise InputError("--engine dask scans office partitions; leave out --partition-by none")
        return None
    profile = profile or Profile()
    parts = office_partitions(inputs, profile)
    if parts is None and partition_by == "auto" and engine == "local":
        return None
    if parts is None and scheduler:
        raise InputError(
            "--scheduler: the workers read the input themselves; write it with `regcheck partition` to storage "
            "they can reach (a shared folder or an s3:// / hdfs:// URL) and scan that dataset"
        )
    executor: Executor = (
        dask_executor(scheduler, workers, console, show) if engine == "dask" else Executor(console, show)
    )
    try:
        with contextlib.ExitStack() as stack:
            extra = extra_rejects  # rows a source's mapping left out of the dataset written for this scan
            if parts is None:
                from .partition import write_dataset

                tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="regcheck-")))
                report = write_dataset(inputs, tmp / "dataset", profile)
                parts = office_partitions([str(tmp / "dataset")], profile) or []
                index = {f: i for i, f in enumerate(report.files)}
                extra = report.rejects.assign(
                    _order=[
                        (index[f] << ROW_SHIFT) + max(int(r), 0)
                        for f, r in zip(report.rejects["file"], report.rejects["row"], strict=True)
                    ]
                )
                extra_rows = len(report.rejects)
            return scan_partitions(
                parts,
                rules,
                params=params,
                side=side,
                profile=profile,
                calendar=calendar,
                as_of=as_of,
                period=period,
                columns=columns,
                executor=executor,
                extra_rejects=extra,
                extra_rows=extra_rows,
            )
    finally:
        executor.close()


__all__ = [
    "DaskExecutor",
    "Executor",
    "Part",
    "PartitionedScan",
    "dask_executor",
    "office_partitions",
    "run_partitioned",
    "scan_partitions",
]
