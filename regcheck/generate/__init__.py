"""Synthetic registration audit logs with injected violations and ground-truth labels.

``generate(cases, seed)`` builds a realistic log of several registration offices
(2025-01 .. Sat 2026-10-10, a 调休 make-up working day, which is the export's
cut-off and so the as-of of a default scan), a staff roster and an approval
registry, and the exact set of findings a to-the-letter implementation of
spec/rules.md produces on it with default settings.

How the labels stay exact:

* The background is clean by construction: hall tickets are called in ticket
  order within each queue; every case is reviewed a fixed number of working
  days (per business type) after it entered the processing queue, so no case
  entering more than 24 hours later is reviewed first; cases finish within
  their limits; accept and register are done by different people; every
  operator is in the roster, trained and active; query staff stay under 50
  queries a day; fees follow the fee table; approvals precede registration;
  seals, objections and their releases live on their own units.
* Violations are injected at small rates (see ``RATES``; at least one or two
  of each per seed), plus a few fixed cases: positives (open cases at the
  as-of for TL002/TL003, three mortgages within 30 days) and near-misses that
  must not fire (registered on the limit day; across National Day 2026 and the
  make-up Saturday 10-10; open on the make-up Saturday; mortgage the day after
  an unseal and 16 days after an objection; a same-parcel split sharing one
  approval; an approval dated on the registration day, written with
  full-width digits; 50 queries in a day; queries at 08:00:00 / 18:00:00 and
  on make-up days; collective commercial collateral; an unregistered company
  mortgage; a departed clerk on his last day and a new one on her first;
  post_since exactly 5 years before the as-of; justified priority jumps).
* The labels are then computed, vectorised, from the generated cases and rows
  (first times, queue positions, unit histories, working-day counts), so every
  side effect of an injection is labelled too. tests/oracle.py checks them
  against an independent per-case implementation of the spec.

Everything is vectorised with numpy (loops run over offices, rules, business
types or a handful of fixed cases only): a million cases (~8.6 million rows)
take about 30 s of CPU time. The output is deterministic per seed.

Layout: ``timeline.py`` is the base (units, the plan of case blocks, every slot's time, uses);
one module per rule family (``timelimit``, ``queue``, ``approval``, ``mortgage``, ``duties``,
``query``, ``fee``, ``integrity``) holds that family's injection ``RATES``, fixed cases, injections
and labels; ``labels.py`` assembles the labels and ``frame.py`` the rows and the events frame.
A new rule's scenario goes into its family's module. The steps run in a fixed order (see
``generate()`` and the orchestrating methods: ``plan``, ``near_misses``, ``attributes``,
``labels``), because every draw comes from one random stream: add new draws after the existing
ones of a step, or every seed's log changes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .approval import RATES as AP_RATES
from .approval import ApprovalCases
from .common import (
    OFFICE_CODES,
    SLOT,
    _Calendar,
    _Cases,
)
from .drift import generate_drift
from .duties import RATES as SD_RATES
from .duties import DutyCases
from .fee import RATES as FE_RATES
from .fee import FeeCases
from .frame import FrameBuilder
from .integrity import RATES as LG_RATES
from .integrity import IntegrityCases
from .labels import LabelBuilder
from .mortgage import RATES as MG_RATES
from .mortgage import MortgageCases
from .query import RATES as IQ_RATES
from .query import QueryCases
from .queue import RATES as QJ_RATES
from .queue import QueueCases
from .timelimit import RATES as TL_RATES
from .timelimit import TimeLimitCases
from .timeline import TimelineCases

__all__ = ["RATES", "Generated", "generate"]


@dataclass
class Generated:
    events: pd.DataFrame  # one row per event, the canonical columns in order
    labels: pd.DataFrame  # rule_id, key, note; sorted, no duplicates
    roster: pd.DataFrame | None  # staff roster (input.md "Staff roster")
    approvals: pd.DataFrame | None  # approval registry


# per-case injections, as a share of the eligible background cases; each family keeps its own
RATES: dict[str, float] = {
    **TL_RATES,
    **QJ_RATES,
    **AP_RATES,
    **MG_RATES,
    **SD_RATES,
    **IQ_RATES,
    **FE_RATES,
    **LG_RATES,
}


class _Generator(
    TimelineCases,
    TimeLimitCases,
    QueueCases,
    ApprovalCases,
    MortgageCases,
    DutyCases,
    QueryCases,
    FeeCases,
    IntegrityCases,
    LabelBuilder,
    FrameBuilder,
):
    """The generator's state; the steps live in one mixin per concern (see generate())."""

    def __init__(self, cases: int, seed: int, offices: int) -> None:
        if cases < 500:
            raise ValueError("generate needs at least 500 cases (the fixed near-miss scenarios take ~70)")
        if not 1 <= offices <= len(OFFICE_CODES):
            raise ValueError(f"offices must be between 1 and {len(OFFICE_CODES)}")
        self.n_target = cases
        self.rng = np.random.default_rng(seed)
        self.n_off = offices
        self.offices = np.array(OFFICE_CODES[:offices], dtype="T")
        self.cal = _Calendar()
        self.cb = _Cases()
        self.story_counter = 0
        self.unit_counter = np.zeros(offices, dtype=np.int64)
        self.pool_size = max(100, int(1.6 * cases / offices))
        self.notes: dict[str, str] = {}

    def inject_times(self) -> None:
        """TL001 / TL002 / TL003 (timelimit), then LG002 / LG003 (integrity): changes to times (after the timeline)."""
        registered = self.t[:, SLOT["reg"]] >= 0
        self.inject_timelimits()
        self.inject_integrity_times(registered)

    def attributes(self) -> None:
        """Case attributes: the base uses, then each family's values and injections (in this order: the draws)."""
        self.base_attributes()
        self.priority_attributes()
        self.approval_attributes()
        self.mortgage_attributes()
        self.fee_attributes()


def generate(cases: int, seed: int, offices: int = 4, months: int | None = None) -> Generated:
    """A synthetic log of about ``cases`` cases with injected violations and their labels; with ``months``,
    the drift scenario of ``drift.py`` (N months of drifting operators and offices, no roster or registry)."""
    if months is not None:
        events, labels = generate_drift(cases, seed, offices, months)
        return Generated(events=events, labels=labels, roster=None, approvals=None)
    g = _Generator(cases, seed, offices)
    g.plan()
    g.build_cases()
    g.timeline()
    g.inject_times()
    g.attributes()
    g.operators()
    g.queries()
    g.rows()
    g.as_of = int(g.ev["time"].max())
    roster = g.roster()
    g.case_ids_final()
    labels = g.labels()
    events = g.frame()
    return Generated(events=events, labels=labels, roster=roster, approvals=g.registry())
