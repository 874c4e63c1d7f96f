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
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .approval import ApprovalCases
from .common import (
    BANKS,
    CK_MERGE,
    CK_SPLIT,
    COMPANIES,
    DAY,
    FINANCIAL,
    FREE,
    HALVED,
    OFFICE_CITY,
    OFFICE_CODES,
    OPEN,
    PERSONS,
    RATES,
    REASONS,
    SLOT,
    B,
    T,
    U,
    _Calendar,
    _Cases,
    _cat,
    _count,
    _pick,
)
from .duties import DutyCases
from .frame import FrameBuilder
from .labels import LabelBuilder
from .mortgage import MortgageCases
from .query import QueryCases
from .queue import QueueCases
from .timelimit import TimeLimitCases
from .timeline import TimelineCases

__all__ = ["RATES", "Generated", "generate"]


@dataclass
class Generated:
    events: pd.DataFrame  # one row per event, the canonical columns in order
    labels: pd.DataFrame  # rule_id, key, note; sorted, no duplicates
    roster: pd.DataFrame | None  # staff roster (input.md "Staff roster")
    approvals: pd.DataFrame | None  # approval registry


class _Generator(
    TimelineCases,
    TimeLimitCases,
    QueueCases,
    ApprovalCases,
    MortgageCases,
    DutyCases,
    QueryCases,
    LabelBuilder,
    FrameBuilder,
):
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

    # ------------------------------------------------------------ attributes

    def attributes(self) -> None:
        c, rng, n = self.c, self.rng, self.n
        bt = c["bt"]
        t = self.t
        S = SLOT
        bg = c["tag"] == T["background"]
        registered = t[:, S["reg"]] >= 0
        mortgage = bt == B["mortgage"]
        # uses and land from the unit (pool units: regular or special)
        unit_hash = (c["unit"] // 10000) * 7 + (c["unit"] % 10000)
        regular = np.array([0] * 14 + [1] * 3 + [3] * 2 + [2])  # residential, commercial, office, industrial
        use = regular[unit_hash % 20]
        sp = c["special_use"]
        special = c["special"]
        use = np.where(special, sp, use)
        land = np.where(special & np.isin(sp, [U["homestead"], U["commercial"]]), 1, 0)
        use_after = np.where(c["use_after"] >= 0, c["use_after"], use)
        land = np.where(c["land"] >= 0, c["land"], land)
        # objections and cancellations need not name a use; queries never
        no_use = np.isin(bt, [B["objection"], B["objection_cancel"], B["query"]]) & (rng.random(n) < 0.5)
        use_after = np.where(no_use | (bt == B["query"]), -1, use_after)
        land = np.where(bt == B["query"], -1, land)
        use_before = c["use_before"].copy()
        same = bg & (bt == B["transfer"]) & (rng.random(n) < 0.1)
        use_before[same] = use_after[same]
        ck = c["ck"].copy()
        # priority: justified green channel, explicit false, unjustified (QJ003)
        prio, reason = c["prio"].copy(), c["reason"].copy()
        hall_bg = bg & self.hall
        green = _pick(rng, hall_bg, _count(0.01, int(hall_bg.sum())), self.taken)
        prio[green] = 1
        reason[green] = rng.integers(0, len(REASONS), len(green))
        late_reason = np.zeros(n, dtype=bool)
        late_reason[green[(rng.random(len(green)) < 0.3) & (t[green, S["rev1"]] >= 0)]] = True
        false = bg & (prio < 0) & (rng.random(n) < 0.05)
        prio[false] = 0
        qj3 = _pick(rng, hall_bg, _count(RATES["QJ003"], int(hall_bg.sum())), self.taken)
        prio[qj3] = 1
        reason[qj3] = -1
        self.late_reason = late_reason
        # --- approvals
        approval = c["approval"].copy()  # approval-story id, -1 none
        # AP003 (a): transfer whose uses differ, no change_kind, no approval
        el = bg & (bt == B["transfer"]) & ~special & (use_before < 0)
        idx = _pick(rng, el, _count(RATES["AP003"], int((bt == B["transfer"]).sum())), self.taken)
        use_before[idx] = U["industrial"]
        use_after[idx] = U["commercial"]
        # AP003 (b): split whose uses differ without use_change
        story = approval >= 0
        splits = story & (ck == CK_SPLIT) & (c["tag"] == T["approval_story"])
        first_of_story = np.zeros(n, dtype=bool)
        sid = np.where(story, approval, -1)
        order = np.lexsort((np.arange(n), sid))
        fs = np.ones(n, dtype=bool)
        fs[1:] = sid[order][1:] != sid[order][:-1]
        first_of_story[order[fs]] = True
        idx = _pick(rng, splits & first_of_story, max(1, int(0.1 * (splits & first_of_story).sum())))
        use_before[idx] = U["industrial"]
        use_after[idx] = U["commercial"]
        # approval numbers: one per approval story; issued 5-120 days before the earliest acceptance
        n_story = self.story_counter
        acc_day = np.where(t[:, S["accept"]] >= 0, t[:, S["accept"]], self.cal.abs(c["a_wd"], np.full(n, OPEN)))
        earliest = np.full(n_story, np.iinfo(np.int64).max)
        np.minimum.at(earliest, approval[story], acc_day[story])
        ok_story = earliest < np.iinfo(np.int64).max
        approved_abs = np.where(ok_story, earliest - self.rng.integers(5, 120, n_story) * DAY, 0)
        year = (approved_abs // DAY).astype("datetime64[D]").astype("datetime64[Y]").astype(int) + 1970
        order = np.lexsort((np.arange(n_story), year))
        seq = np.empty(n_story, dtype=np.int64)
        ys = year[order]
        start = np.r_[0, np.flatnonzero(ys[1:] != ys[:-1]) + 1]
        seq[order] = np.arange(n_story) - np.repeat(start, np.diff(np.r_[start, n_story])) + 1
        prefix = np.where(rng.random(n_story) < 0.7, "合自然资规〔", "皖规批〔").astype("T")
        number = _cat(prefix, year.astype("T"), "〕", seq.astype("T"), "号")
        issuer = np.where(
            np.strings.startswith(prefix, "合"), f"{OFFICE_CITY}自然资源和规划局", "安徽省自然资源厅"
        ).astype("T")
        a_date = (approved_abs // DAY).astype("datetime64[D]")
        # fixed near-miss: approval dated on the registration day
        nm = self.approval_on_reg_day
        carriers = np.flatnonzero(approval == nm)
        a_date[nm] = (t[carriers[0], S["reg"]] // DAY).astype("datetime64[D]")
        # per case: approval id (index into the numbers), written form, date
        appr = approval.copy()
        written_fw = np.zeros(n, dtype=bool)
        written_fw[carriers] = True
        date_missing = np.zeros(n, dtype=bool)
        st = (c["tag"] == T["approval_story"]) & first_of_story
        reg_st = st & registered
        ap_taken = np.zeros(n, dtype=bool)  # approval stories are not background: own bookkeeping
        # AP001: registered without number (some keep a date)
        ap1 = _pick(rng, reg_st, _count(RATES["AP001"], int(st.sum())), ap_taken)
        self.ap_blank = ap1
        # AP002: approval dated after registration (story-wide: all carriers get the late date)
        ap2 = _pick(rng, reg_st, _count(RATES["AP002"], int(st.sum())), ap_taken)
        late = (t[ap2, S["reg"]] // DAY).astype("datetime64[D]") + rng.integers(1, 30, len(ap2))
        a_date[approval[ap2]] = late
        # no approval_date at all (not AP001, not AP002)
        nod = _pick(rng, st, max(1, int(0.03 * st.sum())), ap_taken)
        date_missing[np.isin(approval, approval[nod])] = True
        # AP005: a number not in the registry (fabricated)
        ap5 = _pick(rng, reg_st, _count(RATES["AP005"], int(st.sum())), ap_taken)
        in_registry = np.ones(n_story + len(ap5), dtype=bool)
        fake = n_story + np.arange(len(ap5))
        in_registry[fake] = False
        fake_no = _cat(
            np.array(["合规批字〔"] * len(ap5), dtype="T"),
            year[approval[ap5]].astype("T"),
            "〕第",
            (1 + np.arange(len(ap5))).astype("T"),
            "号",
        )
        number = np.concatenate([number, fake_no])
        a_date = np.concatenate([a_date, a_date[approval[ap5]]])
        remap = np.arange(n_story)
        remap[approval[ap5]] = fake
        appr = np.where(approval >= 0, remap[np.clip(approval, 0, None)], -1)
        # AP004: reuse another parcel's number (30 % written with full-width digits)
        donors = np.flatnonzero(st & ~np.isin(np.arange(n), ap1))
        el = st & np.isin(np.arange(n), np.concatenate([ap1, ap2, ap5]), invert=True) & ~np.isin(appr, appr[ap5])
        ap4 = _pick(rng, el, _count(RATES["AP004"], int(st.sum())), ap_taken)
        if len(donors) > 1 and len(ap4):
            donor = rng.choice(donors, len(ap4))
            bad = appr[donor] == appr[ap4]
            donor[bad] = donors[(np.searchsorted(donors, donor[bad]) + 1) % len(donors)]
            appr[ap4] = appr[donor]
            written_fw[ap4[rng.random(len(ap4)) < 0.3]] = True
        appr[np.isin(np.arange(n), ap1)] = -1
        # an unreferenced approval-requiring split story loses its number on all parts only via ap1 (first part)
        self.approval_number = number
        self.approval_issuer = np.concatenate([issuer, np.array(["合肥市规划委员会"] * len(ap5), dtype="T")])
        self.approval_date = a_date
        self.in_registry = in_registry
        self.appr = appr
        self.appr_fw = written_fw
        self.appr_date_missing = date_missing | (appr < 0) & (rng.random(n) < 0.5)
        # --- mortgages
        bank = rng.random(n) < 0.85
        mtype = np.where(mortgage, np.where(bank, 0, 1), -1)
        mortgagee = np.where(bank, rng.integers(0, len(BANKS), n), rng.integers(0, len(FINANCIAL), n))
        value = np.round(rng.uniform(3e5, 5e6, n), -2)
        amount = np.round(value * rng.uniform(0.3, 0.8, n), -2)
        mg_bg = bg & mortgage
        mg_reg = mg_bg & registered
        idx = _pick(rng, mg_reg & ~c["special"], _count(RATES["MG002"], int(mg_reg.sum())), self.taken)
        kind = rng.integers(0, 5, len(idx))
        use_after[idx] = np.array([U["homestead"], U["education"], U["medical"], U["elderly_care"], U["residential"]])[
            kind
        ]
        land[idx] = np.where(kind == 4, 1, np.where(kind == 0, 1, 0))
        idx = _pick(rng, mg_reg, _count(RATES["MG004"], int(mg_reg.sum())), self.taken)
        amount[idx] = np.where(rng.random(len(idx)) < 0.5, value[idx] + 0.01, np.round(value[idx] * 1.2, -2))
        idx = _pick(rng, mg_reg, _count(RATES["MG006"], int(mg_reg.sum())), self.taken)
        mtype[idx] = rng.integers(2, 4, len(idx))
        # near-miss: an unregistered company mortgage
        idx = _pick(rng, mg_bg & ~registered, 2, self.taken)
        mtype[idx] = 2
        names = np.array(BANKS + FINANCIAL + COMPANIES + PERSONS, dtype="T")
        mname = np.select(
            [mtype == 0, mtype == 1, mtype == 2, mtype == 3],
            [
                mortgagee % len(BANKS),
                len(BANKS) + mortgagee % len(FINANCIAL),
                len(BANKS) + len(FINANCIAL) + mortgagee % len(COMPANIES),
                len(BANKS) + len(FINANCIAL) + len(COMPANIES) + mortgagee % len(PERSONS),
            ],
            -1,
        )
        self.mortgagee_names = names
        self.mname = np.where(mortgage, mname, -1)
        self.mtype = np.where(mortgage, mtype, -1)
        self.amount = np.where(mortgage, amount, np.nan)
        self.value = np.where(mortgage & (rng.random(n) < 0.97), value, np.nan)
        # --- fees: the standard, then FE001/FE002 injections
        std = np.where(use_after == U["residential"], 80.0, np.where(use_after == U["homestead"], 0.0, 550.0))
        halve = HALVED[bt] | ((bt == B["change"]) & ((ck & (CK_SPLIT | CK_MERGE)) != 0))
        std = np.where(halve, std / 2, std)
        std = np.where(FREE[bt], 0.0, std)
        fee = np.where(self.fee_row & (t[:, S["charge"]] >= 0), std, np.nan)
        paid = bg & ~np.isnan(fee)
        idx = _pick(rng, paid & (std > 0), _count(RATES["FE001"], int((paid & (std > 0)).sum())), self.taken)
        fee[idx] = np.where(std[idx] == 80, 550.0, np.where(rng.random(len(idx)) < 0.5, 80.0, 0.0))
        idx = _pick(rng, paid & (std == 0), _count(RATES["FE002"], int((paid & (std == 0)).sum())), self.taken)
        fee[idx] = np.where(use_after[idx] == U["homestead"], 10.0, 80.0)
        self.fee = fee
        self.use_after, self.use_before, self.land, self.ck = use_after, use_before, land, ck
        self.prio, self.reason = prio, reason


def generate(cases: int, seed: int, offices: int = 4) -> Generated:
    """A synthetic log of about ``cases`` cases with injected violations and their labels."""
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
