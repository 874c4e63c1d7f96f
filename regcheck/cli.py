"""Command line: parse options, call the library, map errors to exit codes.

Exit codes (spec/output.md): 0 scan completed, nothing at or above --fail-on;
1 findings at or above --fail-on; 2 usage error or unreadable input (one line
on stderr); 3 internal error.
"""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path
from typing import Any

import click
import pandas as pd
from rich.console import Console
from rich.table import Table

from . import __version__
from . import findings as F
from .calendar import WorkCalendar, read_override
from .config import find_config, load_config
from .docs import explain_lines
from .engine import columns_needed, run, select_rules
from .errors import InputError
from .loaders import load, load_profile
from .loaders.read import survey
from .loaders.values import OUT_OF_RANGE, TIME_RANGE_TEXT, clean_strings, parse_times
from .masking import Masker
from .model import EventLog
from .progress import ScanProgress, input_bytes
from .rules import REGISTRY
from .schema import SEVERITIES
from .sideinputs import load_approvals, load_roster
from .summary import Intake, top_reasons
from .terminal import json_text, plain, safe
from .writers import FORMATS, choose_format, write_table
from .writers.atomic import one_commit
from .writers.paths import check_paths

AS_OF_HELP = (
    "Cut-off time for open cases; later rows are set aside (default: with --period the month's end, "
    "else the latest event in the input)."
)
NO_MASK_HELP = "Write names, ID and mobile numbers unmasked (authorised use only; the summary says so)."
delimiter_option = click.option(
    "--delimiter", help="CSV field separator: ';', '|', tab … (default ','; a profile's [options] delimiter)."
)


class RegcheckGroup(click.Group):
    """Maps InputError to exit 2 with one line, anything unexpected to exit 3."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except InputError as exc:
            click.echo(f"regcheck: error: {plain(exc)}", err=True)
            ctx.exit(2)
        except click.ClickException as exc:  # click's own messages quote file names too
            exc.message = plain(exc.message)
            raise
        except (click.exceptions.Exit, click.Abort):
            raise
        except MemoryError:
            click.echo("regcheck: error: out of memory; split the input by office with `regcheck partition`", err=True)
            ctx.exit(2)
        except Exception as exc:
            if os.environ.get("REGCHECK_DEBUG"):
                traceback.print_exc()
            click.echo(
                f"regcheck: internal error: {type(exc).__name__}: {plain(exc)} (set REGCHECK_DEBUG=1 for details)",
                err=True,
            )
            ctx.exit(3)


@click.group(cls=RegcheckGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="regcheck")
def main() -> None:
    """regcheck — 不动产登记日志合规检查 / compliance checks on registration audit logs."""


RECURSIVE_HELP = "Read the subfolders of a folder too (office_code=… dataset folders are always read)."


def _input_files(inputs: tuple[str, ...], recursive: bool) -> tuple[str, ...]:
    """Folders and globs as the files they hold; every file or folder passed over is named on stderr."""
    from .distributed import is_url

    if any(is_url(str(i)) for i in inputs):  # a remote dataset: listed by its file system (distributed.py)
        return inputs
    found = survey(inputs, recursive)
    for line in found.skipped:
        click.echo(f"regcheck: note: skipped {plain(line)}", err=True)
    return tuple(str(f.path) for f in found.files)


def _stop_if_no_rows(inputs: tuple[str, ...], rows_read: int) -> None:
    """A header and no data rows: exit 2 rather than an empty scan (a false 零报告)."""
    if not rows_read:
        raise InputError(f"{', '.join(inputs)}: no data rows (only the header), nothing to check")


def _reads(config_path: str | None, **options: str | None) -> dict[str, str | None]:
    """The side files a command reads, by option (for check_paths); the config also when found in ./."""
    reads = {"--" + name.replace("_", "-"): path for name, path in options.items()}
    found = find_config(config_path)
    reads["--config"] = str(found) if found else None
    return reads


def _stop_if_all_rejected(
    rows_read: int, rejects: pd.DataFrame, rejects_path: str | None, masker: Masker | None, blank: int = 0
):
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


def _parse_as_of(value: str | None) -> pd.Timestamp | None:
    if not value:
        return None
    parsed, bad, far = parse_times(clean_strings(pd.Series([value])))
    if far.any():
        raise InputError(f"--as-of {value!r}: {OUT_OF_RANGE} ({TIME_RANGE_TEXT})")
    if bad.any() or parsed.isna().all():
        raise InputError(f"--as-of {value!r}: not a date or time (e.g. 2026-09-30 or 2026-09-30 18:00)")
    return pd.Timestamp(parsed.iloc[0])


def _calendar(path: str | None) -> WorkCalendar:
    return WorkCalendar(read_override(path) if path else None)


def _load_log(
    inputs: tuple[str, ...],
    profile_path: str | None,
    columns: set[str] | None,
    bar: ScanProgress,
    delimiter: str | None = None,
):
    """The files (already expanded by :func:`_input_files`) as one log, the bar following the bytes read."""
    profile = load_profile(profile_path, delimiter)
    bar.reading(input_bytes(inputs))
    return load(inputs, profile, columns, progress=bar.read)


def _cut_log(loaded: Any, month: Any, cutoff: pd.Timestamp | None, calendar: WorkCalendar) -> tuple[EventLog, dict]:
    """The loaded rows up to the cut-off as an EventLog, and the row counts for the summary."""
    from .period import cut_loaded

    events, cut, times = cut_loaded(loaded, month, cutoff)
    log = EventLog(events, as_of=cut.as_of, calendar=calendar, rejected_seqs=loaded.rejected_seqs)
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


@main.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option("-o", "--output", default="findings.csv", show_default=True, help="Findings file; '-' = CSV to stdout.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), help="Output format (default: from the extension).")
@click.option("--select", multiple=True, help="Rule ids or prefixes to run, comma-separated (default: all).")
@click.option("--ignore", multiple=True, help="Rule ids or prefixes to leave out.")
@click.option("--as-of", "as_of", help=AS_OF_HELP)
@click.option("--profile", "profile_path", type=click.Path(dir_okay=False), help="Header/value profile (TOML).")
@click.option("--calendar", "calendar_path", type=click.Path(dir_okay=False), help="Working-day overrides CSV.")
@click.option("--rejects", "rejects_path", type=click.Path(dir_okay=False), help="Write rejected rows here (CSV).")
@click.option("--roster", "roster_path", help="Staff roster (CSV/Parquet) for SD002–SD004.")
@click.option("--approvals", "approvals_path", help="Approval registry (CSV/Parquet) for AP005.")
@click.option(
    "--fail-on",
    type=click.Choice(SEVERITIES),
    help="Exit 1 when a finding at or above this severity is found.",
)
@click.option("-q", "--quiet", is_flag=True, help="No summary or progress (for scheduled jobs).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Config (default: ./regcheck.toml).")
@click.option(
    "--period",
    help="Report this month (YYYY-MM) as it stood at its end: earlier rows are history, later rows are set aside.",
)
@click.option("--baseline", "baseline_path", help="Findings of an earlier run: status new/open, gone ones resolved.")
@click.option("--report", "report_path", type=click.Path(dir_okay=False), help="Write the HTML report here.")
@click.option(
    "--summary-format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Summary on the terminal, or JSON on stdout for schedulers (stderr with -o -).",
)
@click.option(
    "--engine",
    type=click.Choice(["local", "dask"]),
    default="local",
    show_default=True,
    help="local: this machine; dask: one task per office on a Dask cluster (pip install -e '.[dask]').",
)
@click.option(
    "--partition-by",
    "partition_by",
    type=click.Choice(["auto", "office_code", "none"]),
    default="auto",
    show_default=True,
    help="Scan one office at a time: auto = when INPUT is an office_code=… dataset (`regcheck partition`); "
    "office_code = any input; none = whole.",
)
@click.option("--scheduler", help="A running Dask scheduler, tcp://HOST:PORT (--engine dask).")
@click.option("--workers", type=click.IntRange(min=1), help="Processes of the local Dask cluster (default: CPUs).")
@click.option("--no-mask", "no_mask", is_flag=True, help=NO_MASK_HELP)
@delimiter_option
@click.option("-r", "--recursive", is_flag=True, help=RECURSIVE_HELP)
def scan(
    inputs: tuple[str, ...],
    output: str,
    fmt: str | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    as_of: str | None,
    profile_path: str | None,
    calendar_path: str | None,
    rejects_path: str | None,
    roster_path: str | None,
    approvals_path: str | None,
    fail_on: str | None,
    quiet: bool,
    config_path: str | None,
    period: str | None,
    baseline_path: str | None,
    report_path: str | None,
    summary_format: str,
    engine: str,
    partition_by: str,
    scheduler: str | None,
    workers: int | None,
    no_mask: bool,
    delimiter: str | None,
    recursive: bool,
) -> None:
    """Load INPUT… (CSV/Parquet files, folders, globs) as one log, run the rules, write findings.

    An office_code=… dataset (`regcheck partition`) is scanned one office at a time; the findings
    are those of a whole-file scan (README, "Beyond one machine").
    """
    from .baseline import read_findings
    from .distributed import run_partitioned
    from .period import parse_period, short_of_period
    from .pipeline import conclude

    logs, inputs = inputs, _input_files(inputs, recursive)
    check_paths(
        {"-o": output, "--rejects": rejects_path, "--report": report_path},
        _reads(config_path, baseline=baseline_path, roster=roster_path, approvals=approvals_path,
               calendar=calendar_path, profile=profile_path),
        logs, inputs,
    )  # fmt: skip
    console = Console(stderr=(output == "-"))
    cfg = load_config(config_path)
    rules = select_rules(*cfg.rule_selection(select, ignore))
    month = parse_period(period)
    previous = read_findings(baseline_path) if baseline_path else None
    calendar = _calendar(calendar_path)
    cutoff = _parse_as_of(as_of)
    side = {
        "roster": load_roster(roster_path) if roster_path else None,
        "approvals": load_approvals(approvals_path) if approvals_path else None,
    }
    choose_format(output, fmt)  # an unknown extension fails before the log is read, not after the scan
    split = run_partitioned(
        inputs,
        rules,
        engine=engine,
        partition_by=partition_by,
        scheduler=scheduler,
        workers=workers,
        params=cfg.params,
        side=side,
        profile=load_profile(profile_path, delimiter),
        calendar=calendar,
        as_of=cutoff,
        period=month,
        console=console,
        show=not quiet and console.is_terminal,
    )
    if split is not None:
        for warning in split.warnings:
            click.echo(f"regcheck: warning: {plain(warning)}", err=True)
        log, result, rejects, blank = None, split.result, split.rejects, split.rows_blank
        counts = {"rows_read": split.rows_read, "rows_rejected": split.rows_rejected, "facts": split.facts}
        counts["rows_after_period"] = split.rows_after_period
    else:
        with ScanProgress(console, not quiet and console.is_terminal) as bar:
            loaded = _load_log(inputs, profile_path, columns_needed(rules), bar, delimiter)
            log, counts = _cut_log(loaded, month, cutoff, calendar)
            result = run(log, rules, params=cfg.params, side=side, progress=bar)
        rejects, blank = loaded.rejects, loaded.rows_blank
    masker = (
        None if no_mask else split.masker(side["roster"]) if split else Masker.from_data(log.events, side["roster"])
    )
    _stop_if_no_rows(inputs, counts["rows_read"] - blank)
    _stop_if_all_rejected(counts["rows_read"], rejects, rejects_path, masker, blank)
    outcome = conclude(
        result,
        log,
        cfg,
        period=month,
        baseline=previous,
        output=output,
        rejects_path=rejects_path,
        masker=masker,
        **counts,
    )
    outcome.summary.intake = Intake(
        config=str(cfg.path) if cfg.path else None, ignored=cfg.ignore, rows_blank=blank, reasons=top_reasons(rejects)
    )
    outcome.summary.files_read = list(inputs)
    short = short_of_period(month, outcome.summary.as_of, cutoff is not None)
    if short:
        click.echo(f"regcheck: warning: {short}", err=True)
    rejects = masker.rejects(rejects) if masker else rejects
    _write_outputs(outcome.summary, outcome.findings, output, fmt, rejects, rejects_path, report_path)
    if summary_format == "json":
        click.echo(json_text(outcome.summary.json_text()), err=output == "-")
    elif not quiet:
        outcome.summary.print_text(console)
        if report_path:
            console.print(f"报告已写入 report written to {safe(report_path)}", highlight=False)
    if fail_on and F.count_at_or_above(outcome.current, fail_on):
        sys.exit(1)


@main.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option("--profile", "profile_path", type=click.Path(dir_okay=False), help="Header/value profile (TOML).")
@click.option("--rejects", "rejects_path", type=click.Path(dir_okay=False), help="Write rejected rows here (CSV).")
@click.option("--no-mask", "no_mask", is_flag=True, help=NO_MASK_HELP)
@click.option("-r", "--recursive", is_flag=True, help=RECURSIVE_HELP)
@delimiter_option
def validate(
    inputs: tuple[str, ...],
    profile_path: str | None,
    rejects_path: str | None,
    no_mask: bool,
    recursive: bool,
    delimiter: str | None,
) -> None:
    """Check headers, types and values of INPUT… without running rules (exit 1 if rows are rejected)."""
    logs, inputs = inputs, _input_files(inputs, recursive)
    check_paths({"--rejects": rejects_path}, _reads(None, profile=profile_path), logs, inputs)
    console = Console()
    with ScanProgress(console, console.is_terminal) as bar:
        loaded = _load_log(inputs, profile_path, None, bar, delimiter)
    if rejects_path:
        masker = None if no_mask else Masker.from_data(loaded.events)
        write_table(masker.rejects(loaded.rejects) if masker else loaded.rejects, rejects_path, "csv")
    cases = loaded.events["case_id"].nunique() if len(loaded.events) else 0
    console.print(
        f"{len(loaded.files)} 个文件 files · 读取 rows {loaded.rows_read:,} · 可用 accepted "
        f"{len(loaded.events):,} · 拒收 rejected {loaded.rows_rejected:,} · "
        + (f"空行 blank {loaded.rows_blank:,} · " if loaded.rows_blank else "")
        + f"案件 cases {cases:,}",
        highlight=False,
    )
    if len(loaded.rejects):
        table = Table(title="拒收原因 / reasons")
        table.add_column("列 column")
        table.add_column("原因 reason")
        table.add_column("行数 rows", justify="right")
        for r in top_reasons(loaded.rejects, 20):
            table.add_row(safe(r["column"]), safe(r["reason"]), f"{r['rows']:,}")
        console.print(table)
        sys.exit(1)


@main.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option("-o", "--output", required=True, help="Dataset folder to write (new or empty).")
@click.option("--profile", "profile_path", type=click.Path(dir_okay=False), help="Header/value profile (TOML).")
@click.option("--rejects", "rejects_path", type=click.Path(dir_okay=False), help="Malformed CSV rows (not written).")
@click.option("-q", "--quiet", is_flag=True, help="No summary line.")
@delimiter_option
@click.option("-r", "--recursive", is_flag=True, help=RECURSIVE_HELP)
def partition(
    inputs: tuple[str, ...],
    output: str,
    profile_path: str | None,
    rejects_path: str | None,
    quiet: bool,
    delimiter: str | None,
    recursive: bool,
):
    """Write INPUT… as a Parquet dataset with one folder per office: DATASET/office_code=XXXXXX/part-N.parquet.

    Every row of a case goes to the folder of the case's office (its first row's office_code), in
    input order, as it is (same headers and values; scan it with the same --profile).
    `regcheck scan DATASET` then reads one office at a time (README, "Beyond one machine").
    """
    from .partition import write_dataset

    files = _input_files(inputs, recursive)
    check_paths({"-o": output, "--rejects": rejects_path}, _reads(None, profile=profile_path), inputs, files, "-o")
    with one_commit():
        report = write_dataset(files, output, load_profile(profile_path, delimiter))
        if rejects_path:
            write_table(report.rejects, rejects_path, "csv")
    if not quiet:
        click.echo(plain(report.line()))


@main.command(name="rules")
def rules_cmd() -> None:
    """List the rules: id, severity, category, title."""
    console = Console()
    table = Table(title="regcheck rules")
    for col in ("id", "级别 severity", "类别", "依据 basis", "名称 title"):
        table.add_column(col)
    for rid in sorted(REGISTRY):
        r = REGISTRY[rid]
        needs = f" (需 {', '.join(sorted(r.needs))})" if r.needs else ""
        table.add_row(r.id, r.severity, r.category, r.basis_text, f"{r.title} {r.title_en}{needs}")
    console.print(table)


@main.command()
@click.argument("rule_id")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Config (default: ./regcheck.toml).")
def explain(rule_id: str, config_path: str | None) -> None:
    """What RULE_ID checks, why (basis), its parameters (effective under the config), and an example."""
    r = REGISTRY.get(rule_id.strip().upper())
    if r is None:
        raise InputError(f"no rule {rule_id!r}; `regcheck rules` lists them")
    click.echo("\n".join(plain(line) for line in explain_lines(r, load_config(config_path))))


@main.command()
@click.option("--cases", type=click.IntRange(min=1), default=5000, show_default=True, help="Number of cases.")
@click.option("--seed", type=int, default=1, show_default=True, help="Random seed (same seed, same log).")
@click.option("--offices", type=click.IntRange(min=1), default=4, show_default=True, help="Registration offices.")
@click.option("-o", "--output", required=True, help="Log file to write (.parquet or .csv).")
@click.option("--zh", is_flag=True, help="Chinese headers and labels (CSV in GB18030), as many platforms export.")
def generate(cases: int, seed: int, offices: int, output: str, zh: bool) -> None:
    """A realistic synthetic log with injected violations, and its ground-truth labels.

    Writes OUTPUT, and beside it OUTPUT-stem.labels.csv (rule_id, key), .roster.csv and .approvals.csv.
    """
    from .generate import generate as make
    from .writers.logfile import write_log

    out = Path(output)
    if out.suffix.lower() not in {".parquet", ".pq", ".csv"}:
        raise InputError(f"{output}: use a .parquet or .csv name")
    stem = out.with_suffix("")
    beside = {name: Path(f"{stem}.{name}.csv") for name in ("labels", "roster", "approvals")}
    check_paths({"-o": output, **{f"the {name} file beside -o,": str(p) for name, p in beside.items()}})
    try:
        gen = make(cases, seed, offices=offices)
    except ValueError as exc:  # e.g. too few cases for the fixed scenarios
        raise InputError(f"generate: {exc}") from None
    written = [out]
    with one_commit():
        write_log(gen.events, out, zh=zh)
        for name, frame in (("labels", gen.labels), ("roster", gen.roster), ("approvals", gen.approvals)):
            if frame is not None:
                write_table(frame, str(beside[name]), "csv")
                written.append(beside[name])
    summary = f"{len(gen.events):,} events, {cases:,} cases, {len(gen.labels):,} labels"
    click.echo(plain(summary + " → " + ", ".join(map(str, written))))


@main.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option("--rate", default="5%", show_default=True, help="Share of each stratum drawn at random (5% or 0.05).")
@click.option("--seed", type=int, required=True, help="Random seed: the same seed and log give the same sample.")
@click.option("--min-per-stratum", type=click.IntRange(min=0), default=1, show_default=True, help="Least per stratum.")
@click.option("-o", "--output", default="sample.csv", show_default=True, help="Sample file; '-' = CSV to stdout.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), help="Output format (default: from the extension).")
@click.option("--period", help="Sample the cases accepted in this month (YYYY-MM).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Config (default: ./regcheck.toml).")
@click.option("--select", multiple=True, help="Rules whose high/critical findings add cases (default: all).")
@click.option("--ignore", multiple=True, help="Rule ids or prefixes to leave out.")
@click.option("--as-of", "as_of", help=AS_OF_HELP)
@click.option("--profile", "profile_path", type=click.Path(dir_okay=False), help="Header/value profile (TOML).")
@click.option("--calendar", "calendar_path", type=click.Path(dir_okay=False), help="Working-day overrides CSV.")
@click.option("--roster", "roster_path", help="Staff roster (CSV/Parquet) for SD002–SD004.")
@click.option("--approvals", "approvals_path", help="Approval registry (CSV/Parquet) for AP005.")
@click.option("--summary-format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("-q", "--quiet", is_flag=True, help="No summary.")
@delimiter_option
@click.option("-r", "--recursive", is_flag=True, help=RECURSIVE_HELP)
def sample(
    inputs: tuple[str, ...],
    rate: str,
    seed: int,
    min_per_stratum: int,
    output: str,
    fmt: str | None,
    period: str | None,
    config_path: str | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    as_of: str | None,
    profile_path: str | None,
    calendar_path: str | None,
    roster_path: str | None,
    approvals_path: str | None,
    summary_format: str,
    quiet: bool,
    delimiter: str | None,
    recursive: bool,
) -> None:
    """The monthly quality-supervision sample (item 19): stratified by office × business type, reproducible.

    Every case with a high or critical finding is included on top of the random draw.
    """
    import json

    from .config import apply_suppressions
    from .period import cut_loaded, in_period, parse_period, short_of_period
    from .sampling import draw, parse_rate, print_summary, summary_json, write_sample

    logs, inputs = inputs, _input_files(inputs, recursive)
    check_paths(
        {"-o": output},
        _reads(config_path, roster=roster_path, approvals=approvals_path, calendar=calendar_path, profile=profile_path),
        logs,
        inputs,
    )
    console = Console(stderr=(output == "-"))
    share = parse_rate(rate)
    month = parse_period(period)
    cfg = load_config(config_path)
    rules = select_rules(*cfg.rule_selection(select, ignore))
    side = {
        "roster": load_roster(roster_path) if roster_path else None,
        "approvals": load_approvals(approvals_path) if approvals_path else None,
    }
    choose_format(output, fmt)  # an unknown extension fails before the log is read, not after the scan
    with ScanProgress(console, not quiet and console.is_terminal) as bar:
        loaded = _load_log(inputs, profile_path, columns_needed(rules) | {"business_type"}, bar, delimiter)
        _stop_if_no_rows(inputs, loaded.rows_read - loaded.rows_blank)
        _stop_if_all_rejected(loaded.rows_read, loaded.rejects, None, None, loaded.rows_blank)
        events, cut, _times = cut_loaded(loaded, month, _parse_as_of(as_of))
        log = EventLog(events, as_of=cut.as_of, calendar=_calendar(calendar_path), rejected_seqs=loaded.rejected_seqs)
        result = run(log, rules, params=cfg.params, side=side, progress=bar)
    short = short_of_period(month, cut.as_of, cut.given)
    if short:
        click.echo(f"regcheck: warning: {short}", err=True)
    found, _ = apply_suppressions(result.findings, cfg.suppressions, log.as_of, [r.id for r in result.ran])
    drawn = draw(log, in_period(found, month), share, seed, min_per_stratum, month)
    write_sample(drawn, output, fmt)
    if summary_format == "json":
        click.echo(json_text(json.dumps(summary_json(drawn), ensure_ascii=False, indent=2)), err=output == "-")
    elif not quiet:
        print_summary(console, drawn, output)


if __name__ == "__main__":  # pragma: no cover
    main()
