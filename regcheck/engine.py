"""Select rules, run them over an EventLog, gather the findings."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from pydantic import BaseModel

from . import findings as F
from .errors import InputError
from .facts import not_checkable_reason
from .model import EventLog
from .progress import ScanProgress
from .rules import REGISTRY, Rule
from .schema import REQUIRED
from .threads import map_in_threads

SIDE_INPUT_OPTION = {"roster": "--roster", "approvals": "--approvals"}


def _split(values: Iterable[str] | None) -> list[str]:
    out: list[str] = []
    for v in values or ():
        out.extend(x.strip().upper() for x in str(v).split(",") if x.strip())
    return out


def select_rules(
    select: Iterable[str] | None = None, ignore: Iterable[str] | None = None, *, trend: bool = False
) -> list[Rule]:
    """Rules chosen by id or prefix (``TL``, ``QJ00``, ``ALL``), minus the ignored ones.

    A scan runs the rules over one log; the trend warnings (grouping ``months``) read the month-by-month
    table of `regcheck trend` and are chosen only with ``trend=True`` (the trend command runs both kinds).
    """
    sel, ign = _split(select), _split(ignore)
    ids = sorted(REGISTRY)
    for token in sel + ign:
        if token != "ALL" and not any(i.startswith(token) for i in ids):
            raise InputError(f"no rule matches {token!r}; `regcheck rules` lists them")
    for token in sel if not trend else ():
        if token != "ALL" and all(REGISTRY[i].grouping == "months" for i in ids if i.startswith(token)):
            raise InputError(f"{token} 是趋势预警：用 regcheck trend / {token} is a trend warning: use regcheck trend")
    chosen = [i for i in ids if not sel or "ALL" in sel or any(i.startswith(t) for t in sel)]
    chosen = [i for i in chosen if not any(i.startswith(t) for t in ign if t != "ALL")]
    return [REGISTRY[i] for i in chosen if trend or REGISTRY[i].grouping != "months"]


def columns_needed(rules: Iterable[Rule]) -> set[str]:
    cols = set(REQUIRED)
    for r in rules:
        cols |= set(r.columns)
    # case attributes every rule may print in its findings
    cols |= {"unit_id"}
    return cols


@dataclass
class RunResult:
    findings: pd.DataFrame
    ran: list[Rule]
    skipped: list[tuple[Rule, str]] = field(default_factory=list)  # a side input not given
    not_checkable: list[tuple[Rule, str]] = field(default_factory=list)  # a fact the source lacks


def not_checkable(rules: Iterable[Rule], lacks: Iterable[str]) -> tuple[list[Rule], list[tuple[Rule, str]]]:
    """(the rules whose facts the source has, the others with ``不适用：数据源无…``, naming the first fact lacked)."""
    lacking = set(lacks)
    kept: list[Rule] = []
    out: list[tuple[Rule, str]] = []
    for r in rules:
        missing = sorted(r.facts & lacking)
        if missing:
            out.append((r, not_checkable_reason(missing[0])))
        else:
            kept.append(r)
    return kept, out


def runnable(
    rules: Iterable[Rule], side: Mapping[str, Any] | None, lacks: Iterable[str] = ()
) -> tuple[dict[str, Any], list[Rule], list[tuple[Rule, str]], list[tuple[Rule, str]]]:
    """(the side inputs given, the rules to run, those skipped for a side input, those not checkable on a
    source that ``lacks`` facts they need) — a rule that is not checkable is not also reported skipped."""
    given = {k: v for k, v in (side or {}).items() if v is not None}
    checkable, set_aside = not_checkable(rules, lacks)
    ran: list[Rule] = []
    skipped: list[tuple[Rule, str]] = []
    for r in checkable:
        missing = [n for n in sorted(r.needs) if n not in given]
        if missing:
            skipped.append((r, f"needs {SIDE_INPUT_OPTION.get(missing[0], missing[0])} FILE"))
        else:
            ran.append(r)
    return given, ran, skipped, set_aside


class _RulesLeft:
    """The rules not finished yet, so that what only finished ones needed can go (peak memory).

    What is freed when a rule ends: only while some rule has not started yet, so the tables of the
    families that end last stay for the caller (the summary reads the time-limit table)."""

    def __init__(self, rules: list[Rule]) -> None:
        self._left = list(rules)
        self._not_started = len(rules)
        self._lock = threading.Lock()

    def start(self) -> None:
        with self._lock:
            self._not_started -= 1

    def done(self, rule: Rule) -> list[Rule] | None:
        """The rules still running or to run once ``rule`` ended, if one is yet to start; else None."""
        with self._lock:
            self._left.remove(rule)
            return list(self._left) if self._not_started else None


def run(
    log: EventLog,
    rules: Iterable[Rule],
    params: Mapping[str, BaseModel] | None = None,
    side: Mapping[str, Any] | None = None,
    progress: ScanProgress | None = None,
    keep_columns: Iterable[str] | None = None,
) -> RunResult:
    """Run the rules (those whose side inputs are given and whose facts the log's source has) on threads;
    ``progress`` counts them done. A rule family's memoised tables are freed when its last rule ended;
    with ``keep_columns`` (the columns the caller still reads), so are the events' columns no rule left
    to run reads."""
    params = params or {}
    side, ran, skipped, set_aside = runnable(rules, side, log.source.lacks)
    families = {r.family for r in ran}
    # rules only read the log (shared tables are built once, under EventLog.memo's lock)
    if progress is not None:
        progress.rules(len(ran))

    left = _RulesLeft(ran)

    def one(r: Rule) -> pd.DataFrame:
        left.start()
        out = r.run(log, params.get(r.id), **side)
        rules_left = left.done(r)
        if rules_left is not None:
            log.release(families - {x.family for x in rules_left})
            if keep_columns is not None:
                log.keep_columns(columns_needed(rules_left) | set(keep_columns))
        if progress is not None:
            progress.rule_done()
        return out

    found = map_in_threads(one, ran)
    findings = F.assemble(list(zip(ran, found, strict=True)))
    return RunResult(findings=findings, ran=ran, skipped=skipped, not_checkable=set_aside)
