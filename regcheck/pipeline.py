"""What happens to a run's findings before they are written: suppressions, ledger, period, summary.

    rules' findings ─ suppressions (config) ─ baseline diff (new/open/resolved) ─ --period ─ reported rows
                                                                                      └─ Summary

The baseline diff sees every finding of the run (not just the month's), so a
problem of an earlier month that is still there stays ``open`` instead of being
closed by the period filter.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

import pandas as pd

from . import baseline as B
from .config import Config, SuppressionReport, apply_suppressions
from .engine import RunResult
from .model import EventLog
from .period import Period
from .summary import LogFacts, Summary, build_summary

if TYPE_CHECKING:
    from .masking import Masker


@dataclass
class Outcome:
    findings: pd.DataFrame  # the rows to write (with --baseline: resolved rows too)
    summary: Summary
    suppressions: SuppressionReport

    @property
    def current(self) -> pd.DataFrame:
        """Standing findings (what --fail-on judges): the resolved ledger rows left out."""
        return self.summary.current


def conclude(
    result: RunResult,
    log: EventLog | None,
    config: Config,
    *,
    period: Period | None = None,
    baseline: pd.DataFrame | None = None,
    rows_read: int = 0,
    rows_rejected: int = 0,
    rows_after_period: int = 0,
    output: str | None = None,
    rejects_path: str | None = None,
    facts: LogFacts | None = None,
    masker: Masker | None = None,
) -> Outcome:
    """``facts`` stands in for ``log`` after a partitioned scan (regcheck/distributed.py).

    ``masker``: personal data masked in the reported rows (so in every file and the report); None = --no-mask.
    """
    ran = [r.id for r in result.ran]
    as_of = facts.as_of if facts is not None else log.as_of  # type: ignore[union-attr]
    kept, report = apply_suppressions(result.findings, config.suppressions, as_of, ran)
    if baseline is not None:
        kept = B.diff(kept, baseline, ran)
    rows = B.report_rows(kept, period, with_baseline=baseline is not None)
    if masker is not None:  # rows taken from the baseline too, even one written with --no-mask
        rows = masker.with_baseline(baseline).findings(rows)
    summarise = facts.summary if facts is not None else partial(build_summary, log=log, params=config.params)
    summary = summarise(
        findings=rows,
        ran=result.ran,
        period=period,
        baseline=baseline is not None,
        rows_read=rows_read,
        rows_rejected=rows_rejected,
        skipped=result.skipped,
        not_checkable=result.not_checkable,
        suppressions=report,
        output=output,
        rejects_path=rejects_path,
    )
    summary.masked = masker is not None
    summary.rows_after_period = rows_after_period
    return Outcome(findings=rows, summary=summary, suppressions=report)


__all__ = ["Outcome", "conclude"]
