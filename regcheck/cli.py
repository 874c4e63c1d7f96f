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
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from . import __version__
from . import findings as F
from .calendar import WorkCalendar, read_override
from .engine import columns_needed, run, select_rules
from .errors import InputError
from .loaders import load, load_profile
from .loaders.values import clean_strings, parse_timestamps
from .model import EventLog
from .rules import REGISTRY
from .schema import SEVERITIES, SEVERITY_ZH
from .writers import FORMATS, write_table

PROGRESS_BYTES = 20 * 1024 * 1024  # show a progress bar from this input size on


class RegcheckGroup(click.Group):
    """Maps InputError to exit 2 with one line, anything unexpected to exit 3."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except InputError as exc:
            click.echo(f"regcheck: error: {exc}", err=True)
            ctx.exit(2)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except MemoryError:
            click.echo("regcheck: error: out of memory; split the input by office with `regcheck partition`", err=True)
            ctx.exit(2)
        except Exception as exc:
            if os.environ.get("REGCHECK_DEBUG"):
                traceback.print_exc()
            click.echo(
                f"regcheck: internal error: {type(exc).__name__}: {exc} (set REGCHECK_DEBUG=1 for details)",
                err=True,
            )
            ctx.exit(3)


@click.group(cls=RegcheckGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="regcheck")
def main() -> None:
    """regcheck — 不动产登记日志合规检查 / compliance checks on registration audit logs."""


def _input_size(inputs: tuple[str, ...]) -> int:
    total = 0
    for item in inputs:
        p = Path(item)
        if p.is_file():
            total += p.stat().st_size
        elif p.is_dir():
            total += sum(f.stat().st_size for f in p.rglob("*") if f.is_file())
    return total


def _parse_as_of(value: str | None) -> pd.Timestamp | None:
    if not value:
        return None
    parsed, bad = parse_timestamps(clean_strings(pd.Series([value])))
    if bad.any() or parsed.isna().all():
        raise InputError(f"--as-of {value!r}: not a date or time (e.g. 2026-09-30 or 2026-09-30 18:00)")
    return pd.Timestamp(parsed.iloc[0])


def _calendar(path: str | None) -> WorkCalendar:
    return WorkCalendar(read_override(path) if path else None)


def _load_log(
    inputs: tuple[str, ...],
    profile_path: str | None,
    columns: set[str] | None,
    console: Console,
    quiet: bool,
):
    profile = load_profile(profile_path)
    show = not quiet and console.is_terminal and _input_size(inputs) >= PROGRESS_BYTES
    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,} 行"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not show,
    ) as progress:
        task = progress.add_task("读取日志", total=None)

        def on_file(path: Path, rows: int) -> None:
            progress.update(task, advance=rows, description=f"读取 {path.name}")

        return load(inputs, profile, columns, on_file=on_file)


@main.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option("-o", "--output", default="findings.csv", show_default=True, help="Findings file; '-' = CSV to stdout.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), help="Output format (default: from the extension).")
@click.option("--select", multiple=True, help="Rule ids or prefixes to run, comma-separated (default: all).")
@click.option("--ignore", multiple=True, help="Rule ids or prefixes to leave out.")
@click.option("--as-of", "as_of", help="Cut-off time for open cases (default: latest event in the input).")
@click.option("--profile", "profile_path", type=click.Path(dir_okay=False), help="Header/value profile (TOML).")
@click.option("--calendar", "calendar_path", type=click.Path(dir_okay=False), help="Working-day overrides CSV.")
@click.option("--rejects", "rejects_path", type=click.Path(dir_okay=False), help="Write rejected rows here (CSV).")
@click.option(
    "--fail-on",
    type=click.Choice(SEVERITIES),
    help="Exit 1 when a finding at or above this severity is found.",
)
@click.option("-q", "--quiet", is_flag=True, help="No summary or progress (for scheduled jobs).")
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
    fail_on: str | None,
    quiet: bool,
) -> None:
    """Load INPUT… (CSV/Parquet files, folders, globs) as one log, run the rules, write findings."""
    console = Console(stderr=(output == "-"))
    rules = select_rules(select, ignore)
    calendar = _calendar(calendar_path)
    cutoff = _parse_as_of(as_of)
    loaded = _load_log(inputs, profile_path, columns_needed(rules), console, quiet)
    log = EventLog(loaded.events, as_of=cutoff, calendar=calendar)
    result = run(log, rules)
    write_table(result.findings, output, fmt)
    if rejects_path:
        write_table(loaded.rejects, rejects_path, "csv")
    if not quiet:
        _summary(console, result, loaded, log, output, rejects_path)
    if fail_on and F.count_at_or_above(result.findings, fail_on):
        sys.exit(1)


def _summary(console: Console, result, loaded, log: EventLog, output: str, rejects_path: str | None) -> None:
    f = result.findings
    table = Table(title="regcheck 检查结果 / findings", show_lines=False)
    for col, justify in (("规则", "left"), ("名称", "left"), ("级别", "left"), ("数量", "right")):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    counts = f.groupby("rule_id").size() if len(f) else pd.Series(dtype=int)
    for r in result.ran:
        n = int(counts.get(r.id, 0))
        table.add_row(r.id, r.title, f"{SEVERITY_ZH[r.severity]} {r.severity}", f"{n:,}")
    console.print(table)
    sev = F.severity_counts(f)
    console.print(
        "按级别: " + "  ".join(f"{SEVERITY_ZH[s]} {s} {n:,}" for s, n in sev.items()),
        highlight=False,
    )
    offices = log.events["office_code"].nunique() if len(log.events) else 0
    console.print(
        f"读取 rows read {loaded.rows_read:,} · 拒收 rejected {loaded.rows_rejected:,} · "
        f"案件 cases {log.n_cases:,} · 机构 offices {offices:,} · 问题 findings {len(f):,}",
        highlight=False,
    )
    for r, why in result.skipped:
        console.print(f"跳过 skipped {r.id}: {why}", highlight=False)
    if loaded.rows_rejected and not rejects_path:
        console.print(f"[yellow]{loaded.rows_rejected:,} 行被拒收；用 --rejects FILE 查看原因[/yellow]")
    if output != "-":
        console.print(f"结果已写入 findings written to {output}", highlight=False)


@main.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option("--profile", "profile_path", type=click.Path(dir_okay=False), help="Header/value profile (TOML).")
@click.option("--rejects", "rejects_path", type=click.Path(dir_okay=False), help="Write rejected rows here (CSV).")
def validate(inputs: tuple[str, ...], profile_path: str | None, rejects_path: str | None) -> None:
    """Check headers, types and values of INPUT… without running rules (exit 1 if rows are rejected)."""
    console = Console()
    loaded = _load_log(inputs, profile_path, None, console, False)
    if rejects_path:
        write_table(loaded.rejects, rejects_path, "csv")
    cases = loaded.events["case_id"].nunique() if len(loaded.events) else 0
    console.print(
        f"{len(loaded.files)} 个文件 files · 读取 rows {loaded.rows_read:,} · 可用 accepted "
        f"{len(loaded.events):,} · 拒收 rejected {loaded.rows_rejected:,} · 案件 cases {cases:,}",
        highlight=False,
    )
    if len(loaded.rejects):
        reasons = loaded.rejects.groupby(["column", "reason"]).size().sort_values(ascending=False)
        table = Table(title="拒收原因 / reasons")
        table.add_column("列 column")
        table.add_column("原因 reason")
        table.add_column("行数 rows", justify="right")
        for (col, reason), n in reasons.head(20).items():
            table.add_row(str(col), str(reason), f"{n:,}")
        console.print(table)
        sys.exit(1)


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
def explain(rule_id: str) -> None:
    """What RULE_ID checks, why (basis), its parameters and defaults, and an example."""
    r = REGISTRY.get(rule_id.strip().upper())
    if r is None:
        raise InputError(f"no rule {rule_id!r}; `regcheck rules` lists them")
    out = [
        f"{r.id}  {r.title} / {r.title_en}",
        f"级别 severity: {SEVERITY_ZH[r.severity]} {r.severity}    类别 category: {r.category}",
        f"依据 basis: 措施清单第 {r.basis_text.replace(';', '、')} 项 (checklist item {r.basis_text})",
        f"触发条件 fires on: {r.fires_on}",
    ]
    if r.needs:
        out.append("需要 needs: " + ", ".join(f"--{n}" for n in sorted(r.needs)))
    out += ["", r.doc]
    fields = r.params.model_fields
    out.append("")
    if fields:
        out.append("参数 parameters (default):")
        for name, info in fields.items():
            desc = f" — {info.description}" if info.description else ""
            out.append(f"  {name} = {info.get_default(call_default_factory=True)!r}{desc}")
    else:
        out.append("参数 parameters: none")
    if r.example:
        out += ["", "示例 example:", *("  " + line for line in r.example.splitlines())]
    click.echo("\n".join(out))


if __name__ == "__main__":  # pragma: no cover
    main()
