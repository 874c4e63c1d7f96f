"""The library behind the commands: ``scan(...)`` whole-file or by office partition, and the steps it shares.

``regcheck.cli`` parses options, calls these and maps errors to exit codes; whatever a command
says on the terminal besides its summary (notes, warnings) comes back through ``warn``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd
from rich.console import Console

from .calendar import WorkCalendar, read_override
from .config import find_config, load_config
from .engine import columns_needed, run, select_rules
from .errors import InputError
from .loaders import load, load_profile
from .loaders.read import survey
from .loaders.values import OUT_OF_RANGE, TIME_RANGE_TEXT, clean_strings, parse_times
from .masking import PERSON_COLUMNS, Masker
from .model import EventLog
from .pipeline import Outcome
from .progress import ScanProgress, input_bytes
from .sideinputs import load_approvals, load_roster
from .sources.route import KIND_WORDS, Source, classify, load_source
from .summary import Intake, log_facts, top_reasons
from .writers import choose_format, write_table
from .writers.atomic import one_commit
from .writers.paths import check_paths

if TYPE_CHECKING:
    from .sampling import SampleResult

Warn = Callable[[str, str], None]  # (kind: "note" | "warning", text)


def _silent(_kind: str, _text: str) -> None:
    """The default ``warn``: say nothing."""


def input_files(inputs: Sequence[str], recursive: bool, warn: Warn = _silent) -> tuple[str, ...]:
    """Folders and globs as the files they hold; every file or folder passed over is named through ``warn``."""
    from .distributed import is_url

    if any(is_url(str(i)) for i in inputs):  # a remote dataset: listed by its file system (distributed.py)
        return tuple(inputs)
    found = survey(inputs, recursive)
    for line in found.skipped:
        warn("note", f"skipped {line}")
    return tuple(str(f.path) for f in found.files)


def stop_if_no_rows(inputs: Sequence[str], rows_read: int) -> None:
    """A header and no data rows: exit 2 rather than an empty scan (a false 零报告)."""
    if not rows_read:
        raise InputError(f"{', '.join(inputs)}: no data rows (only the header), nothing to check")


def reads(config_path: str | None, **options: str | None) -> dict[str, str | None]:
    """The side files a command reads, by option (for check_paths); the config also when found in ./."""
    found_reads = {"--" + name.replace("_", "-"): path for name, path in options.items()}
    found = find_config(config_path)
    found_reads["--config"] = str(found) if found else None
    return found_reads


def stop_if_all_rejected(
    rows_read: int, rejects: pd.DataFrame, rejects_path: str | None, masker: Masker | None, blank: int = 0
) -> None:
    """Rows were read but none could be used: exit 2 rather than a clean-looking empty scan (a false 零报告).

    ``blank``: rows with every cell empty, among ``rows_read``; they are neither used nor rejected.
    """
    if not rows_read or rejects.empty or rejects[["file", "row"]].drop_duplicates().shape[0] < rows_read - blank:
        return
    if rejects_path:
        write_table(masker.rejects(rejects) if masker else rejects, rejects_path, "csv")
    first = rejects.iloc[0]
    where = f"{first['file']} row {first['row']}" + (f", {first['column']}" if first["column"] else "")
    see = f"the reasons are in {rejects_path}" if rejects_path else "add --rejects FILE for the reasons"
    raise InputError(
        f"all {rows_read - blank:,} rows were rejected, nothing to check (first: {where}: {first['reason']}); {see}"
    )


def parse_as_of(value: str | None) -> pd.Timestamp | None:
    """--as-of as a time, or None when not given."""
    if not value:
        return None
    parsed, bad, far = parse_times(clean_strings(pd.Series([value])))
    if far.any():
        raise InputError(f"--as-of {value!r}: {OUT_OF_RANGE} ({TIME_RANGE_TEXT})")
    if bad.any() or parsed.isna().all():
        raise InputError(f"--as-of {value!r}: not a date or time (e.g. 2026-09-30 or 2026-09-30 18:00)")
    return pd.Timestamp(parsed.iloc[0])


def work_calendar(path: str | None) -> WorkCalendar:
    """The working-day calendar, with --calendar's overrides."""
    return WorkCalendar(read_override(path) if path else None)


def side_inputs(roster_path: str | None, approvals_path: str | None) -> dict[str, Any]:
    """--roster and --approvals as the rules' side inputs (None when not given)."""
    return {
        "roster": load_roster(roster_path) if roster_path else None,
        "approvals": load_approvals(approvals_path) if approvals_path else None,
    }


def load_log(
    inputs: tuple[str, ...],
    profile_path: str | None,
    columns: set[str] | None,
    bar: ScanProgress,
    delimiter: str | None = None,
):
    """The files (already expanded by :func:`input_files`) as one log, the bar following the bytes read."""
    profile = load_profile(profile_path, delimiter)
    bar.reading(input_bytes(inputs))
    return load(inputs, profile, columns, progress=bar.read)


def load_input(
    source: Source,
    files: Sequence[str],
    profile_path: str | None,
    columns: set[str] | None,
    bar: ScanProgress,
    delimiter: str | None = None,
    window: tuple[None, pd.Timestamp] | None = None,
) -> tuple[Any, pd.DataFrame | None]:
    """INPUT… as one log: a flat log's files (:func:`load_log`), or a message, table-file or database source
    (:func:`load_source`, with its per-table counts; ``window``: the database's --period push-down)."""
    if source.is_log:
        return load_log(tuple(files), profile_path, columns, bar, delimiter), None
    return load_source(source, load_profile(profile_path, delimiter), window)


def cut_log(
    loaded: Any, month: Any, cutoff: pd.Timestamp | None, calendar: WorkCalendar, *, consume: bool = True
) -> tuple[EventLog, dict]:
    """The loaded rows up to the cut-off as an EventLog, and the row counts for the summary. ``consume``: the log
    takes the loaded rows over (one scan); False keeps them for another cut (`regcheck trend`, month by month)."""
    from .period import cut_loaded

    events, cut, times = cut_loaded(loaded, month, cutoff)
    if consume:
        loaded.events = loaded.events.iloc[:0].copy()  # the log takes the rows over (a copy: a slice is a view)
    seqs, source = loaded.rejected_seqs, loaded.source
    log = EventLog(events, as_of=cut.as_of, calendar=calendar, rejected_seqs=seqs, source=source, consume=consume)
    counts = {"rows_read": loaded.rows_read, "rows_rejected": loaded.rows_rejected, "rows_after_period": times.after}
    return log, counts


def _write_outputs(
    summary: Any,
    findings: pd.DataFrame,
    output: str,
    fmt: str | None,
    rejects: pd.DataFrame,
    rejects_path: str | None,
    report_path: str | None,
) -> None:
    """Findings, rejects (already masked) and the HTML report: into place together, or none of them."""
    sheet = summary.sheet() if choose_format(output, fmt) == "xlsx" else None
    with one_commit():
        write_table(findings, output, fmt, summary=sheet)
        if rejects_path:
            write_table(rejects, rejects_path, "csv")
        if report_path:
            from .writers.html import write_report

            write_report(summary, report_path)


@dataclass
class _Scanned:
    """What a scan found before its findings are concluded: whole-file (``log``) or partitioned (``split``)."""

    result: Any
    log: EventLog | None
    split: Any
    rejects: pd.DataFrame
    blank: int
    counts: dict[str, Any]


def _scan_rows(
    source: Source,
    files: tuple[str, ...],
    rules: list,
    side: dict[str, Any],
    cfg: Any,
    opts: dict[str, Any],
    warn: Warn,
) -> _Scanned:
    """The rules run on the input: a flat log by office partition when it is one (or asked for), else whole;
    a message, table-file or database source whole, or by office when asked for (:func:`_scan_source_split`)."""
    console, show = opts["console"], opts["show"]
    if source.is_log:
        split = _scan_split(files, rules, side, cfg, opts)
    else:
        split = _scan_source_split(source, rules, side, cfg, opts) if _splits(opts) else None
    if split is not None:
        for warning in split.warnings:
            warn("warning", warning)
        counts = {"rows_read": split.rows_read, "rows_rejected": split.rows_rejected, "facts": split.facts}
        counts["rows_after_period"] = split.rows_after_period
        return _Scanned(split.result, None, split, split.rejects, split.rows_blank, counts)
    with ScanProgress(console, show) as bar:
        loaded, _tables = load_input(
            source, files, opts["profile_path"], columns_needed(rules), bar, opts["delimiter"], _window(opts)
        )
        log, counts = cut_log(loaded, opts["month"], opts["cutoff"], opts["calendar"])
        result = run(log, rules, params=cfg.params, side=side, progress=bar, keep_columns=PERSON_COLUMNS)
    return _Scanned(result, log, None, loaded.rejects, loaded.rows_blank, counts)


def _scan_split(
    files: tuple[str, ...], rules: list, side: dict[str, Any], cfg: Any, opts: dict[str, Any], **extra: Any
) -> Any:
    """A flat log scanned by office partition (distributed.py), or None: scan it whole."""
    from .distributed import run_partitioned

    return run_partitioned(
        files, rules, engine=opts["engine"], partition_by=opts["partition_by"], scheduler=opts["scheduler"],
        workers=opts["workers"], params=cfg.params, side=side,
        profile=load_profile(opts["profile_path"], opts["delimiter"]), calendar=opts["calendar"],
        as_of=opts["cutoff"], period=opts["month"], console=opts["console"], show=opts["show"], **extra,
    )  # fmt: skip


def _splits(opts: dict[str, Any]) -> bool:
    """--engine dask or --partition-by office_code: scan one office at a time."""
    return opts["engine"] != "local" or opts["partition_by"] == "office_code"


def _scan_source_split(source: Source, rules: list, side: dict[str, Any], cfg: Any, opts: dict[str, Any]) -> Any:
    """A message, table-file or database source scanned by office: written as a dataset (`regcheck partition`,
    streamed for messages) into a temporary folder — removed afterwards, also on an error or Ctrl-C — and that
    dataset scanned; the rows the mapping rejected come first among the rejects, and count as rows read."""
    import tempfile
    from pathlib import Path

    import numpy as np

    from .sources.dataset import write_source_dataset

    with tempfile.TemporaryDirectory(prefix="regcheck-") as tmp:
        root = Path(tmp) / "dataset"
        report = write_source_dataset(source, root, load_profile(opts["profile_path"], opts["delimiter"]))
        rejects = report.rejects.assign(_order=np.arange(len(report.rejects), dtype=np.int64) - len(report.rejects))
        extra_rows = report.rows_read - report.rows_written
        return _scan_split((str(root),), rules, side, cfg, opts, extra_rejects=rejects, extra_rows=extra_rows)


def _window(opts: dict[str, Any]) -> tuple[None, pd.Timestamp] | None:
    """--period push-down for a database: the cases accepted (or registered) before the month's end (or
    a later --as-of). Earlier months are the history the rules need (a unit's seals and mortgages, clocks
    started before the month) and are read; later cases only have rows after the cut, set aside anyway."""
    month, cutoff = opts["month"], opts["cutoff"]
    if month is None:
        return None
    return None, month.end if cutoff is None else max(month.end, cutoff + pd.Timedelta(seconds=1))


def _stop_if_split(source: Source, opts: dict[str, Any]) -> None:
    """A message, table-file or database source is partitioned on this machine for a split scan: exit 2 for a
    --scheduler, whose workers could not read that temporary dataset."""
    if not source.is_log and opts["scheduler"]:
        raise InputError(
            f"--scheduler: the workers read the input themselves; write {KIND_WORDS[source.kind]} with "
            "`regcheck partition INPUT -o DATASET` to storage they can reach and scan that dataset"
        )


def scan(
    inputs: Sequence[str],
    *,
    output: str = "findings.csv",
    fmt: str | None = None,
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    as_of: str | None = None,
    profile_path: str | None = None,
    calendar_path: str | None = None,
    rejects_path: str | None = None,
    roster_path: str | None = None,
    approvals_path: str | None = None,
    config_path: str | None = None,
    period: str | None = None,
    baseline_path: str | None = None,
    report_path: str | None = None,
    engine: str = "local",
    partition_by: str = "auto",
    scheduler: str | None = None,
    workers: int | None = None,
    db_url: str | None = None,
    db_schema: str | None = None,
    no_mask: bool = False,
    delimiter: str | None = None,
    recursive: bool = False,
    console: Console | None = None,
    show: bool = False,
    warn: Warn = _silent,
) -> Outcome:
    """``regcheck scan``: load INPUT… (whole, or one office at a time), run the rules, write the outputs.

    The keywords are the command's options (README); returns the concluded findings and summary.
    """
    from .baseline import read_findings
    from .period import parse_period, short_of_period
    from .pipeline import conclude

    source = classify(inputs, db_url, db_schema)
    logs, files = inputs, input_files(inputs, recursive, warn) if source.is_log else source.paths
    check_paths(
        {"-o": output, "--rejects": rejects_path, "--report": report_path},
        reads(config_path, baseline=baseline_path, roster=roster_path, approvals=approvals_path,
              calendar=calendar_path, profile=profile_path),
        logs, files,
    )  # fmt: skip
    cfg = load_config(config_path)
    rules = select_rules(*cfg.rule_selection(select, ignore))
    month = parse_period(period)
    previous = read_findings(baseline_path) if baseline_path else None
    calendar = work_calendar(calendar_path)
    cutoff = parse_as_of(as_of)
    side = side_inputs(roster_path, approvals_path)
    choose_format(output, fmt)  # an unknown extension fails before the log is read, not after the scan
    opts = {"engine": engine, "partition_by": partition_by, "scheduler": scheduler, "workers": workers,
            "profile_path": profile_path, "delimiter": delimiter, "calendar": calendar, "cutoff": cutoff,
            "month": month, "console": console or Console(stderr=True), "show": show}  # fmt: skip
    _stop_if_split(source, opts)
    found = _scan_rows(source, files, rules, side, cfg, opts, warn)
    split, log = found.split, found.log
    masker = (
        None
        if no_mask
        else split.masker(side["roster"])
        if split
        else Masker.from_data(log.events, side["roster"], log.source)
    )
    stop_if_no_rows(files, found.counts["rows_read"] - found.blank)
    stop_if_all_rejected(found.counts["rows_read"], found.rejects, rejects_path, masker, found.blank)
    if log is not None:  # what the summary needs of the log, then the log goes before the findings are written
        found.counts["facts"] = log_facts(log, cfg.params, month)
        found.log = log = None
    outcome = conclude(found.result, log, cfg, period=month, baseline=previous, output=output,
                       rejects_path=rejects_path, masker=masker, **found.counts)  # fmt: skip
    outcome.summary.intake = Intake(
        config=str(cfg.path) if cfg.path else None,
        ignored=cfg.ignore,
        rows_blank=found.blank,
        reasons=top_reasons(found.rejects),
    )
    outcome.summary.files_read = list(files) if source.kind != "db" else [source.label()]
    short = short_of_period(month, outcome.summary.as_of, cutoff is not None)
    if short:
        warn("warning", short)
    rejects = masker.rejects(found.rejects) if masker else found.rejects
    _write_outputs(outcome.summary, outcome.findings, output, fmt, rejects, rejects_path, report_path)
    return outcome


@dataclass
class TrendOutcome:
    """What `regcheck trend` computed: the :class:`~regcheck.trend.Trend` and its warnings, concluded like a
    scan's findings (finding_id, the config's suppressions, masked unless --no-mask)."""

    trend: Any
    warnings: pd.DataFrame
    ran: list
    suppressed: int = 0
    rows_rejected: int = 0


def trend_rules(cfg: Any, select: Sequence[str], ignore: Sequence[str]) -> tuple[list, list]:
    """(the scan rules whose findings the table counts, the trend warnings to run) under --select/--ignore and
    the config: a selection naming only warnings (``--select WR001``) counts the findings of every scan rule."""
    chosen = select_rules(*cfg.rule_selection(select, ignore), trend=True)
    scans = [r for r in chosen if r.grouping != "months"]
    if not scans:
        scans = select_rules(None, cfg.rule_selection((), ignore)[1])
    return scans, [r for r in chosen if r.grouping == "months"]


def _month_parts(loaded: Any, months: Sequence[Any], rules: list, side: dict[str, Any], cfg: Any, calendar: Any,
                 warn: Warn) -> list:  # fmt: skip
    """Each month as `scan --period MONTH` checks it (the loaded rows cut as of the month's end, the rules run,
    the month's findings after the config's suppressions), counted for the trend table."""
    from .baseline import report_rows
    from .config import apply_suppressions
    from .summary import limits_in_force
    from .trend import month_part

    times = loaded.events["event_time"]
    limits = limits_in_force(cfg.params)
    active = [m for m in months if m.contains(times).any()]
    if not active:
        first, last = pd.Timestamp(times.min()), pd.Timestamp(times.max())
        raise InputError(
            f"no events in {months[0].label}–{months[-1].label}: the data runs from {first:%Y-%m-%d} to {last:%Y-%m-%d}"
        )
    parts = []
    for month in months:
        if month not in active:
            warn("note", f"no events in {month.label}: its rows are zeros")
            continue
        log, _counts = cut_log(loaded, month, None, calendar, consume=False)
        result = run(log, rules, params=cfg.params, side=side)
        kept, _ = apply_suppressions(result.findings, cfg.suppressions, log.as_of, [r.id for r in result.ran])
        parts.append(month_part(log, report_rows(kept, month, False), month, limits))
    return parts


def run_warnings(built: Any, rules: list, cfg: Any, masker: Masker | None) -> tuple[pd.DataFrame, int]:
    """The trend warnings over the Trend: assembled (finding_id), the config's suppressions applied (as of the
    last month's end), masked; and how many were suppressed."""
    from . import findings as F
    from .config import apply_suppressions

    found = F.assemble([(r, r.run(built, cfg.params.get(r.id))) for r in rules])
    kept, report = apply_suppressions(found, cfg.suppressions, built.months[-1].last_second, [r.id for r in rules])
    return (masker.findings(kept) if masker else kept), report.suppressed


def trend(
    inputs: Sequence[str],
    *,
    first: str,
    last: str,
    output: str = "trend.xlsx",
    fmt: str | None = None,
    warnings_path: str | None = None,
    report_path: str | None = None,
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    profile_path: str | None = None,
    calendar_path: str | None = None,
    rejects_path: str | None = None,
    roster_path: str | None = None,
    approvals_path: str | None = None,
    config_path: str | None = None,
    db_url: str | None = None,
    db_schema: str | None = None,
    no_mask: bool = False,
    delimiter: str | None = None,
    recursive: bool = False,
    console: Console | None = None,
    show: bool = False,
    warn: Warn = _silent,
) -> TrendOutcome:
    """``regcheck trend``: load INPUT… once, check each month of --from … --to as `scan --period` does, build the
    trend table, run the trend warnings, write the outputs (README, "每月趋势 / Monthly trends")."""
    from .trend import build_trend, month_range

    source = classify(inputs, db_url, db_schema)
    files = input_files(inputs, recursive, warn) if source.is_log else source.paths
    check_paths(
        {"-o": output, "--warnings": warnings_path, "--rejects": rejects_path, "--report": report_path},
        reads(config_path, roster=roster_path, approvals=approvals_path, calendar=calendar_path, profile=profile_path),
        inputs, files,
    )  # fmt: skip
    months = month_range(first, last)
    cfg = load_config(config_path)
    rules, warning_rules = trend_rules(cfg, select, ignore)
    calendar = work_calendar(calendar_path)
    side = side_inputs(roster_path, approvals_path)
    for path, given in ((output, fmt), (warnings_path, None)):
        if path:
            choose_format(path, given)  # an unknown extension fails before the log is read
    with ScanProgress(console or Console(stderr=True), show) as bar:
        columns = columns_needed(rules) | {"business_type", "operator_id"}
        loaded, _ = load_input(source, files, profile_path, columns, bar, delimiter, (None, months[-1].end))
    masker = None if no_mask else Masker.from_data(loaded.events, side["roster"], loaded.source)
    stop_if_no_rows(files, loaded.rows_read - loaded.rows_blank)
    stop_if_all_rejected(loaded.rows_read, loaded.rejects, rejects_path, masker, loaded.rows_blank)
    built = build_trend(months, _month_parts(loaded, months, rules, side, cfg, calendar, warn), calendar)
    warnings, suppressed = run_warnings(built, warning_rules, cfg, masker)
    rejects = masker.rejects(loaded.rejects) if masker else loaded.rejects
    _write_trend(built, warnings, output, fmt, warnings_path, rejects, rejects_path, report_path, masker is not None)
    if len(warnings) and not warnings_path and choose_format(output, fmt) != "xlsx":
        warn("note", f"{len(warnings)} warnings are not in {output} (the table only): add --warnings FILE")
    return TrendOutcome(built, warnings, warning_rules, suppressed, loaded.rows_rejected)


def _write_trend(built: Any, warnings: pd.DataFrame, output: str, fmt: str | None, warnings_path: str | None,
                 rejects: pd.DataFrame, rejects_path: str | None, report_path: str | None,
                 masked: bool) -> None:  # fmt: skip
    """The trend table (XLSX: the warnings on a second sheet), the warnings, rejects and the HTML trend report
    (``masked``: False under --no-mask, which the report says on top): into place together, or none of them."""
    from .writers.trend import write_trend_table

    with one_commit():
        write_trend_table(built.table, warnings, output, fmt)
        if warnings_path:
            write_table(warnings, warnings_path)
        if rejects_path:
            write_table(rejects, rejects_path, "csv")
        if report_path:
            from .writers.trend_html import write_trend_report

            write_trend_report(built, warnings, report_path, masked=masked)


def sample(
    inputs: Sequence[str],
    *,
    seed: int,
    rate: str = "5%",
    min_per_stratum: int = 1,
    output: str = "sample.csv",
    fmt: str | None = None,
    period: str | None = None,
    config_path: str | None = None,
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    as_of: str | None = None,
    profile_path: str | None = None,
    calendar_path: str | None = None,
    roster_path: str | None = None,
    approvals_path: str | None = None,
    delimiter: str | None = None,
    recursive: bool = False,
    console: Console | None = None,
    show: bool = False,
    warn: Warn = _silent,
) -> SampleResult:
    """``regcheck sample``: load INPUT… whole, run the rules, draw the stratified sample and write it.

    The keywords are the command's options (README); returns the drawn sample.
    """
    from .config import apply_suppressions
    from .period import in_period, parse_period, short_of_period
    from .sampling import draw, parse_rate, write_sample

    logs, files = inputs, input_files(inputs, recursive, warn)
    check_paths(
        {"-o": output},
        reads(config_path, roster=roster_path, approvals=approvals_path, calendar=calendar_path, profile=profile_path),
        logs,
        files,
    )
    share = parse_rate(rate)
    month = parse_period(period)
    cfg = load_config(config_path)
    rules = select_rules(*cfg.rule_selection(select, ignore))
    side = side_inputs(roster_path, approvals_path)
    choose_format(output, fmt)  # an unknown extension fails before the log is read, not after the scan
    with ScanProgress(console or Console(stderr=True), show) as bar:
        loaded = load_log(files, profile_path, columns_needed(rules) | {"business_type"}, bar, delimiter)
        stop_if_no_rows(files, loaded.rows_read - loaded.rows_blank)
        stop_if_all_rejected(loaded.rows_read, loaded.rejects, None, None, loaded.rows_blank)
        cutoff = parse_as_of(as_of)
        log, _counts = cut_log(loaded, month, cutoff, work_calendar(calendar_path))
        result = run(log, rules, params=cfg.params, side=side, progress=bar)
    short = short_of_period(month, log.as_of, cutoff is not None)
    if short:
        warn("warning", short)
    found, _ = apply_suppressions(result.findings, cfg.suppressions, log.as_of, [r.id for r in result.ran])
    drawn = draw(log, in_period(found, month), share, seed, min_per_stratum, month)
    write_sample(drawn, output, fmt)
    return drawn


__all__ = [
    "classify",
    "input_files",
    "load_input",
    "load_log",
    "load_source",
    "parse_as_of",
    "reads",
    "sample",
    "scan",
    "side_inputs",
    "stop_if_all_rejected",
    "stop_if_no_rows",
    "trend",
    "work_calendar",
]  # fmt: skip
