"""Command line: parse options, call the library, map errors to exit codes.

Exit codes (spec/output.md): 0 scan completed, nothing at or above --fail-on;
1 findings at or above --fail-on; 2 usage error or unreadable input (one line
on stderr); 3 internal error.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.table import Table

from . import __version__, allocator, api  # noqa: F401 (allocator: before pyarrow is loaded)
from . import findings as F
from .config import load_config
from .docs import explain_lines
from .errors import InputError
from .loaders import load_profile
from .masking import Masker
from .progress import ScanProgress
from .rules import REGISTRY
from .schema import SEVERITIES
from .sources.route import DB_ENV
from .summary import top_reasons
from .terminal import json_text, plain, safe
from .writers import FORMATS, write_table
from .writers.atomic import one_commit
from .writers.paths import check_paths

Fn = TypeVar("Fn", bound=Callable[..., Any])


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


Decorator = Callable[[Fn], Fn]

AS_OF_HELP = (
    "Cut-off time for open cases; later rows are set aside (default: with --period the month's end, "
    "else the latest event in the input)."
)
NO_MASK_HELP = "Write names, ID and mobile numbers unmasked (authorised use only; the summary says so)."
RECURSIVE_HELP = "Read the subfolders of a folder too (office_code=… dataset folders are always read)."


def _options(*decorators: Decorator) -> Decorator:
    """Several click options as one decorator; --help lists them in the order given."""

    def apply(fn: Fn) -> Fn:
        for decorator in reversed(decorators):
            fn = decorator(fn)
        return fn

    return apply


# --- option groups (one declaration per option; the commands pick the groups they take) ---------

profile_option = click.option(
    "--profile", "profile_path", type=click.Path(dir_okay=False), help="Header/value profile (TOML)."
)
delimiter_option = click.option(
    "--delimiter", help="CSV field separator: ';', '|', tab … (default ','; a profile's [options] delimiter)."
)
recursive_option = click.option("-r", "--recursive", is_flag=True, help=RECURSIVE_HELP)
config_option = click.option(
    "--config", "config_path", type=click.Path(dir_okay=False), help="Config (default: ./regcheck.toml)."
)
no_mask_option = click.option("--no-mask", "no_mask", is_flag=True, help=NO_MASK_HELP)


def input_options(fn: Fn) -> Fn:
    """INPUT… and how it is read: the log files, folders or globs, --profile, --delimiter, -r."""
    return _options(
        click.argument("inputs", nargs=-1, required=True), profile_option, delimiter_option, recursive_option
    )(fn)


def source_options(fn: Fn) -> Fn:
    """INPUT… as any source (a flat log, access messages, standard-table files), or --db URL [--db-schema]."""
    return _options(
        click.argument("inputs", nargs=-1, required=False),
        profile_option,
        delimiter_option,
        recursive_option,
        click.option(
            "--db",
            "db_url",
            metavar="URL",
            help=f"Read the standard tables from a database (SQLAlchemy URL, e.g. sqlite:///reg.db; "
            f"or set {DB_ENV}); SELECT only, the password is never shown.",
        ),
        click.option("--db-schema", "db_schema", metavar="NAME", help="The database schema holding the tables."),
    )(fn)


def rejects_option(help: str = "Write rejected rows here (CSV).") -> Decorator:
    return click.option("--rejects", "rejects_path", type=click.Path(dir_okay=False), help=help)


def side_file_options(fn: Fn) -> Fn:
    """The files the rules read beside the log: --calendar, --roster, --approvals."""
    return _options(
        click.option("--calendar", "calendar_path", type=click.Path(dir_okay=False), help="Working-day overrides CSV."),
        click.option("--roster", "roster_path", help="Staff roster (CSV/Parquet) for SD002–SD004."),
        click.option("--approvals", "approvals_path", help="Approval registry (CSV/Parquet) for AP005."),
    )(fn)


def side_input_options(fn: Fn) -> Fn:
    """What the rules read beside the log: --as-of, --calendar, --roster, --approvals."""
    return _options(click.option("--as-of", "as_of", help=AS_OF_HELP), side_file_options)(fn)


def selection_options(select_help: str = "Rule ids or prefixes to run, comma-separated (default: all).") -> Decorator:
    """Which rules run: --config, --select, --ignore."""
    return _options(
        config_option,
        click.option("--select", multiple=True, help=select_help),
        click.option("--ignore", multiple=True, help="Rule ids or prefixes to leave out."),
    )


def period_option(help: str) -> Decorator:
    return click.option("--period", help=help)


def output_option(help: str, default: str | None = None) -> Decorator:
    """-o: a file with a default name, or (no default) required."""
    given: dict[str, Any] = {"default": default, "show_default": True} if default is not None else {"required": True}
    return click.option("-o", "--output", help=help, **given)


def output_options(help: str, default: str) -> Decorator:
    """Where the table goes and in which format: -o, --format."""
    return _options(
        output_option(help, default),
        click.option(
            "--format", "fmt", type=click.Choice(FORMATS), help="Output format (default: from the extension)."
        ),
    )


def report_option(help: str) -> Decorator:
    return click.option("--report", "report_path", type=click.Path(dir_okay=False), help=help)


def quiet_option(help: str) -> Decorator:
    return click.option("-q", "--quiet", is_flag=True, help=help)


def summary_format_option(help: str | None = None) -> Decorator:
    return click.option(
        "--summary-format", type=click.Choice(["text", "json"]), default="text", show_default=True, help=help
    )


def _warn(kind: str, text: str) -> None:
    """The library's notes and warnings, one line each on stderr."""
    click.echo(f"regcheck: {kind}: {plain(text)}", err=True)


@main.command()
@source_options
@output_options("Findings file; '-' = CSV to stdout.", "findings.csv")
@selection_options()
@side_input_options
@rejects_option()
@click.option(
    "--fail-on",
    type=click.Choice(SEVERITIES),
    help="Exit 1 when a finding at or above this severity is found.",
)
@quiet_option("No summary or progress (for scheduled jobs).")
@period_option(
    "Report this month (YYYY-MM) as it stood at its end: earlier rows are history, later rows are set aside."
)
@click.option("--baseline", "baseline_path", help="Findings of an earlier run: status new/open, gone ones resolved.")
@report_option("Write the HTML report here.")
@summary_format_option("Summary on the terminal, or JSON on stdout for schedulers (stderr with -o -).")
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
@no_mask_option
def scan(fail_on: str | None, quiet: bool, summary_format: str, **options: Any) -> None:
    """Load INPUT… (CSV/Parquet files, folders, globs; access messages; standard tables) as one log, run the
    rules, write findings.

    An office_code=… dataset (`regcheck partition`) is scanned one office at a time; the findings
    are those of a whole-file scan (README, "Beyond one machine").
    """
    output = options["output"]
    console = Console(stderr=(output == "-"))
    outcome = api.scan(**options, console=console, show=not quiet and console.is_terminal, warn=_warn)
    if summary_format == "json":
        click.echo(json_text(outcome.summary.json_text()), err=output == "-")
    elif not quiet:
        outcome.summary.print_text(console)
        if options["report_path"]:
            console.print(f"报告已写入 report written to {safe(options['report_path'])}", highlight=False)
    if fail_on and F.count_at_or_above(outcome.current, fail_on):
        sys.exit(1)


@main.command()
@source_options
@click.option("--from", "first", required=True, metavar="YYYY-MM", help="The range's first month.")
@click.option("--to", "last", required=True, metavar="YYYY-MM", help="The range's last month (the warnings' month).")
@output_options("Trend table (office × month, operator × month); XLSX also holds the warnings.", "trend.xlsx")
@click.option(
    "--warnings", "warnings_path", type=click.Path(dir_okay=False), help="Write the warnings here (as scan's -o)."
)
@report_option("Write the HTML trend report here.")
@selection_options("Rule ids or prefixes: the findings counted and the warnings run (default: all).")
@side_file_options
@rejects_option()
@quiet_option("No summary or progress (for scheduled jobs).")
@no_mask_option
def trend(quiet: bool, **options: Any) -> None:
    """Check each month of --from … --to as `scan --period` does, in one read of INPUT…; write the office ×
    month and operator × month trend table and the trend warnings (WR001–WR003).

    INPUT is read whole (no --engine or --partition-by): run it per office folder for a province.
    """
    from .trend import summary_lines

    console = Console(stderr=options["output"] == "-")
    outcome = api.trend(**options, console=console, show=not quiet and console.is_terminal, warn=_warn)
    if not quiet:
        for line in summary_lines(outcome.trend, outcome.warnings, outcome.ran, outcome.suppressed):
            console.print(safe(line), highlight=False)


@main.command()
@source_options
@rejects_option()
@no_mask_option
def validate(
    inputs: tuple[str, ...],
    profile_path: str | None,
    rejects_path: str | None,
    no_mask: bool,
    recursive: bool,
    delimiter: str | None,
    db_url: str | None,
    db_schema: str | None,
) -> None:
    """Check headers, types and values of INPUT… without running rules (exit 1 if rows are rejected).

    For access messages and standard tables, says per table what was read, used and rejected.
    """
    source = api.classify(inputs, db_url, db_schema)
    logs, inputs = inputs, api.input_files(inputs, recursive, _warn) if source.is_log else source.paths
    check_paths({"--rejects": rejects_path}, api.reads(None, profile=profile_path), logs, inputs)
    console = Console()
    with ScanProgress(console, console.is_terminal) as bar:
        loaded, tables = api.load_input(source, inputs, profile_path, None, bar, delimiter)
    if rejects_path:
        masker = None if no_mask else Masker.from_data(loaded.events, source=loaded.source)
        write_table(masker.rejects(loaded.rejects) if masker else loaded.rejects, rejects_path, "csv")
    cases = loaded.events["case_id"].nunique() if len(loaded.events) else 0
    console.print(
        f"{len(loaded.files)} 个文件 files · 读取 rows {loaded.rows_read:,} · 可用 accepted "
        f"{len(loaded.events):,} · 拒收 rejected {loaded.rows_rejected:,} · "
        + (f"空行 blank {loaded.rows_blank:,} · " if loaded.rows_blank else "")
        + f"案件 cases {cases:,}",
        highlight=False,
    )
    if tables is not None:
        _print_frame(console, "各表 per table / message kind", tables)
    if len(loaded.rejects):
        table = Table(title="拒收原因 / reasons")
        table.add_column("列 column")
        table.add_column("原因 reason")
        table.add_column("行数 rows", justify="right")
        for r in top_reasons(loaded.rejects, 20):
            table.add_row(safe(r["column"]), safe(r["reason"]), f"{r['rows']:,}")
        console.print(table)
        sys.exit(1)


def _print_frame(console: Console, title: str, frame: Any) -> None:
    """A small frame (counts per table) as a terminal table, numbers right-aligned with separators."""
    table = Table(title=title)
    numeric = [c for c in frame.columns if frame[c].dtype.kind in "iu"]
    for c in frame.columns:
        table.add_column(str(c), justify="right" if c in numeric else "left")
    for row in frame.itertuples(index=False):
        table.add_row(*(f"{v:,}" if c in numeric else safe(v) for c, v in zip(frame.columns, row, strict=True)))
    console.print(table)


@main.command()
@source_options
@output_option("Dataset folder to write (new or empty).")
@rejects_option("Rows left out: malformed CSV rows; for messages and tables, the rows the mapping rejected.")
@quiet_option("No summary line.")
def partition(
    inputs: tuple[str, ...],
    output: str,
    profile_path: str | None,
    rejects_path: str | None,
    quiet: bool,
    delimiter: str | None,
    recursive: bool,
    db_url: str | None,
    db_schema: str | None,
):
    """Write INPUT… as a Parquet dataset with one folder per office: DATASET/office_code=XXXXXX/part-N.parquet.

    Every row of a case goes to the folder of the case's office (its first row's office_code), in
    input order, as it is (same headers and values; scan it with the same --profile).
    `regcheck scan DATASET` then reads one office at a time (README, "Beyond one machine").
    Access messages and standard tables are parsed once and written as their events.
    """
    from .partition import write_dataset
    from .sources.dataset import write_source_dataset

    source = api.classify(inputs, db_url, db_schema)
    files = api.input_files(inputs, recursive, _warn) if source.is_log else source.paths
    check_paths({"-o": output, "--rejects": rejects_path}, api.reads(None, profile=profile_path), inputs, files, "-o")
    profile = load_profile(profile_path, delimiter)
    with one_commit():
        if source.is_log:
            report = write_dataset(files, output, profile)
        else:
            report = write_source_dataset(source, output, profile)
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
@config_option
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
@output_option("Log file to write (.parquet or .csv).")
@click.option("--zh", is_flag=True, help="Chinese headers and labels (CSV in GB18030), as many platforms export.")
@click.option(
    "--format",
    "form",
    type=click.Choice(["log", "access", "tables"]),
    default="log",
    show_default=True,
    help="log: a flat event log; access: a zip of access messages (接入报文, -o x.zip); "
    "tables: the standard tables as CSV files (-o FOLDER).",
)
@click.option(
    "--months",
    type=click.IntRange(min=1),
    default=None,
    help="The drift scenario (issue 17): N whole months ending 2026-10, drifting operators, a late office and "
    "holiday crowding, labelled for WR001–WR003 too (flat logs only).",
)
def generate(cases: int, seed: int, offices: int, output: str, zh: bool, form: str, months: int | None) -> None:
    """A realistic synthetic log with injected violations, and its ground-truth labels.

    Writes OUTPUT, and beside it OUTPUT-stem.labels.csv (rule_id, key), .roster.csv and .approvals.csv
    (with --format access/tables: .labels.csv and .roster.csv; with --months: .labels.csv only).
    """
    from .generate import generate as make
    from .writers.logfile import write_log

    if months is not None and form != "log":
        raise InputError("generate: --months writes a flat event log; leave out --format access/tables")
    if form != "log":
        _generate_access(cases, seed, offices, output, form)
        return
    out = Path(output)
    if out.suffix.lower() not in {".parquet", ".pq", ".csv"}:
        raise InputError(f"{output}: use a .parquet or .csv name")
    stem = out.with_suffix("")
    beside = {name: Path(f"{stem}.{name}.csv") for name in ("labels", "roster", "approvals")}
    check_paths({"-o": output, **{f"the {name} file beside -o,": str(p) for name, p in beside.items()}})
    try:
        gen = make(cases, seed, offices=offices, months=months)
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


def _generate_access(cases: int, seed: int, offices: int, output: str, form: str) -> None:
    """generate --format access|tables: registered cases as access messages (zip) or table files, with labels."""
    from .generate.access import generate_access
    from .generate.accessio import AccessOutput

    out = Path(output)
    if form == "access" and out.suffix.lower() != ".zip":
        raise InputError(f"{output}: --format access writes a zip archive; use a .zip name")
    stem = out.with_suffix("") if form == "access" else out
    beside = {name: Path(f"{stem}.{name}.csv") for name in ("labels", "roster")}
    check_paths({"-o": output, **{f"the {name} file beside -o,": str(p) for name, p in beside.items()}})
    try:
        acc = AccessOutput(generate_access(cases, seed, offices=offices))
    except ValueError as exc:
        raise InputError(f"generate: {exc}") from None
    with one_commit():
        what = f"{acc.write_zip(out):,} messages" if form == "access" else f"{acc.write_tables(out):,} table rows"
        labels = acc.labels(messages=form == "access")
        write_table(labels, str(beside["labels"]), "csv")
        write_table(acc.roster, str(beside["roster"]), "csv")
    summary = f"{what}, {cases:,} cases, {len(labels):,} labels"
    click.echo(plain(summary + " → " + ", ".join(map(str, [out, *beside.values()]))))


@main.command()
@input_options
@click.option("--rate", default="5%", show_default=True, help="Share of each stratum drawn at random (5% or 0.05).")
@click.option("--seed", type=int, required=True, help="Random seed: the same seed and log give the same sample.")
@click.option("--min-per-stratum", type=click.IntRange(min=0), default=1, show_default=True, help="Least per stratum.")
@output_options("Sample file; '-' = CSV to stdout.", "sample.csv")
@period_option("Sample the cases accepted in this month (YYYY-MM).")
@selection_options("Rules whose high/critical findings add cases (default: all).")
@side_input_options
@summary_format_option()
@quiet_option("No summary.")
def sample(summary_format: str, quiet: bool, **options: Any) -> None:
    """The monthly quality-supervision sample (item 19): stratified by office × business type, reproducible.

    Every case with a high or critical finding is included on top of the random draw.
    """
    import json

    from .sampling import print_summary, summary_json

    output = options["output"]
    console = Console(stderr=(output == "-"))
    drawn = api.sample(**options, console=console, show=not quiet and console.is_terminal, warn=_warn)
    if summary_format == "json":
        click.echo(json_text(json.dumps(summary_json(drawn), ensure_ascii=False, indent=2)), err=output == "-")
    elif not quiet:
        print_summary(console, drawn, output)


if __name__ == "__main__":  # pragma: no cover
    main()
