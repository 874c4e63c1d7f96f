"""EventLog: the normalised events and the per-case table every rule reuses.

Built once per scan from the loaders' output:

* ``events`` — one row per accepted input row, sorted by (event_time, input
  order) — the order in which rules.md speaks of "the first" row — with an
  integer ``case`` index into ``cases``.
* ``cases`` — one row per case: ``case_id``, ``office_code`` (of the first
  row), the case attributes (first non-empty value over the case's rows),
  ``t_<activity>`` (first time of each activity), ``t_end``, ``status``
  (ended / withdrawn / open) and the change-kind flags.
* ``timing()`` — acceptance date, end date, W, suspended and elapsed working
  days of every case with an acceptance (rules.md "Common definitions").

Anything else two rules need is cached with :meth:`EventLog.memo`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from .calendar import WorkCalendar
from .schema import ACTIVITIES, CASE_ATTRIBUTES

T = TypeVar("T")


def _first_index(groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For a sorted-by-time event subset: (group values, position of each group's first row)."""
    values, first = np.unique(groups, return_index=True)
    return values, first


class EventLog:
    def __init__(
        self,
        events: pd.DataFrame,
        *,
        as_of: pd.Timestamp | None = None,
        calendar: WorkCalendar | None = None,
    ) -> None:
        if "_row" not in events.columns:
            events = events.assign(_row=np.arange(len(events), dtype=np.int64))
        ev = events.sort_values(["event_time", "_row"], kind="stable").reset_index(drop=True)
        codes, uniques = pd.factorize(ev["case_id"])
        ev["case"] = codes.astype(np.int64)
        self.events = ev
        self.case_ids = pd.Index(uniques, dtype="str")
        self.calendar = calendar or WorkCalendar()
        latest = ev["event_time"].max() if len(ev) else pd.NaT
        self.as_of: pd.Timestamp = pd.Timestamp(as_of) if as_of is not None else pd.Timestamp(latest)
        self._memo: dict[str, Any] = {}

    # -- shared derived tables ------------------------------------------------------------

    def memo(self, key: str, build: Callable[[], T]) -> T:
        """Compute a derived table once per log (unit histories, queue tables …)."""
        if key not in self._memo:
            self._memo[key] = build()
        return self._memo[key]

    @property
    def n_cases(self) -> int:
        return len(self.case_ids)

    def activity_rows(self, *activities: str) -> pd.DataFrame:
        """Event rows of the given activities, in (event_time, input order)."""
        act = self.events["activity"]
        return self.events.loc[act.isin(activities).to_numpy()]

    @cached_property
    def cases(self) -> pd.DataFrame:
        ev = self.events
        n = self.n_cases
        case = ev["case"].to_numpy()
        _, first = _first_index(case)
        out = pd.DataFrame(
            {
                "case_id": self.case_ids.to_numpy(),
                "office_code": ev["office_code"].to_numpy()[first],
            }
        )
        attrs = [c for c in CASE_ATTRIBUTES if c in ev.columns]
        if attrs and len(ev):
            firsts = ev.groupby("case", sort=True, observed=True)[attrs].first()
            for c in attrs:
                out[c] = firsts[c].reindex(range(n)).to_numpy()
                if isinstance(ev[c].dtype, pd.CategoricalDtype):
                    out[c] = pd.Categorical(out[c], categories=ev[c].cat.categories)
                elif str(ev[c].dtype) in ("boolean", "Int64", "str", "string"):
                    out[c] = out[c].astype(ev[c].dtype)
        times = ev["event_time"].to_numpy()
        act = ev["activity"].astype(str).to_numpy()
        for code in ACTIVITIES:
            col = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
            mask = act == code
            if mask.any():
                cases_with, pos = _first_index(case[mask])
                col[cases_with] = times[mask][pos]
            out[f"t_{code}"] = col
        out["t_end"] = out[["t_register", "t_complete", "t_reject"]].min(axis=1)
        ended = out["t_end"].notna()
        withdrawn = ~ended & out["t_withdraw"].notna()
        out["status"] = np.where(ended, "ended", np.where(withdrawn, "withdrawn", "open"))
        if "change_kind" in out.columns:
            ck = pd.Categorical(out["change_kind"])
            codes = ck.codes
            for kind in ("use_change", "split", "merge"):
                per_category = np.array([kind in str(v).split(";") for v in ck.categories] + [False])
                out[f"ck_{kind}"] = per_category[codes]
        return out

    # -- working days ---------------------------------------------------------------------

    def timing(self) -> pd.DataFrame:
        """Elapsed working days of every accepted, not withdrawn case (index: case)."""
        return self.memo("timing", self._timing)

    def _timing(self) -> pd.DataFrame:
        c = self.cases
        accepted = c["t_accept"].notna().to_numpy() & (c["status"] != "withdrawn").to_numpy()
        idx = np.flatnonzero(accepted)
        t_accept = c["t_accept"].to_numpy()[idx]
        t_end = c["t_end"].to_numpy()[idx]
        open_ = np.isnat(t_end)
        as_of_day = np.datetime64(self.as_of.normalize().to_datetime64(), "D")
        accept_day = t_accept.astype("datetime64[D]")
        end_day = np.where(open_, as_of_day, t_end.astype("datetime64[D]"))
        cal = self.calendar
        total = cal.workdays_between(accept_day, end_day)
        suspended = self._suspended(idx, accept_day, end_day)
        return pd.DataFrame(
            {
                "accept_day": accept_day,
                "end_day": end_day,
                "open": open_,
                "workdays": total,
                "suspended": suspended,
                "elapsed": total - suspended,
            },
            index=pd.Index(idx, name="case"),
        )

    def _suspended(self, idx: np.ndarray, accept_day: np.ndarray, end_day: np.ndarray) -> np.ndarray:
        """Working days inside the union of (s_date, r_date] per case, clipped to (accept, end]."""
        ev = self.events
        out = np.zeros(len(idx), dtype=np.int64)
        sus = ev.loc[(ev["activity"] == "suspend").to_numpy(), ["case", "event_time"]]
        if sus.empty or not len(idx):
            return out
        pos_of = pd.Series(np.arange(len(idx)), index=idx)
        sus = sus[sus["case"].isin(idx)]
        if sus.empty:
            return out
        res = ev.loc[(ev["activity"] == "resume").to_numpy(), ["case", "event_time"]]
        sus = sus.assign(pos=sus.index.to_numpy(dtype=np.int64)).sort_values("pos")
        res = res.assign(pos=res.index.to_numpy(dtype=np.int64), r_time=res["event_time"]).sort_values("pos")
        paired = pd.merge_asof(
            sus,
            res[["pos", "case", "r_time"]],
            on="pos",
            by="case",
            direction="forward",
            allow_exact_matches=False,
        )
        k = pos_of.loc[paired["case"].to_numpy()].to_numpy()
        a_clip = accept_day[k]
        b_clip = end_day[k]
        s_day = paired["event_time"].to_numpy().astype("datetime64[D]")
        r_time = paired["r_time"].to_numpy()
        r_day = np.where(np.isnat(r_time), b_clip, r_time.astype("datetime64[D]"))
        start = np.maximum(s_day, a_clip)
        stop = np.minimum(r_day, b_clip)
        iv = pd.DataFrame({"k": k, "start": start, "stop": stop}).sort_values(["k", "start"], kind="stable")
        # union of half-open day intervals: clip each start by the running max of earlier stops
        prev_stop = iv.groupby("k")["stop"].cummax().groupby(iv["k"]).shift(1)
        eff_start = np.where(
            prev_stop.isna().to_numpy(),
            iv["start"].to_numpy(),
            np.maximum(iv["start"].to_numpy(), prev_stop.to_numpy(dtype="datetime64[ns]")),
        ).astype("datetime64[D]")
        stop_d = iv["stop"].to_numpy().astype("datetime64[D]")
        days = self.calendar.workdays_between(eff_start, stop_d)
        np.add.at(out, iv["k"].to_numpy(), days)
        return out
