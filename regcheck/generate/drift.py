"""``generate --months N``: a log of N months in which offices and operators drift (issue 17, WR001–WR003).

The log spans the N calendar months ending October 2026 (:data:`LAST_MONTH`), whole months, so that
`regcheck trend --from FIRST --to 2026-10` reads every month. Each office has six clerks (W1–W6: accept,
charge, certify, issue), one reviewer (R1) and two registrars (D1, D2: register, complete); every clerk
accepts the same number of transfer cases each month, and each case runs accept → review (next working
day) → register (the working day after) → certify, issue, complete (the next working day), all inside its
month. The background is clean by construction (fees as the table says, reviews in the order of
acceptance, no open case at any month's end), so the findings are exactly these injections:

* **level**: every clerk of every office lets one case a month be registered by himself (SD001, the
  finding carries his operator_id), so the median operator rate of an office is one clerk's level;
* **drifting operators** (:data:`DRIFTERS`): from three months before the end their own SD001 cases rise
  month over month (1, 6, 11, 16 …), far beyond ``ratio`` × the median in each of the last three months
  → WR001 ``"{office}:{operator}"``;
* **growing lateness** (:data:`LATE_OFFICE`): in the last four months 2 %, 4 %, 7 %, 10 % of the office's
  cases are registered 7 working days after acceptance (TL001), so its on-time rate falls in each of the
  last three months and ends below 95 % → WR003 ``"{office}"`` (with N ≥ 4; shorter logs have no lateness);
* **holiday crowding** (:data:`HOLIDAY_OFFICE`): that office's level SD001 cases are registered on the
  working days right beside an official holiday run (春节, 劳动节, 国庆 … of 2+ days, chinese-calendar),
  while every other office's findings keep 4 working days away from them (where the month has such days)
  → WR002 ``"{office}"``.

The WR labels are computed from the generated rows and the rule labels by the definitions of issue 17
(:func:`warning_labels`), not assumed, so a short range (one month: no WR001; no holiday: no WR002) is
labelled as it is. Loops run over months, offices and clerks only; the rows are built with numpy.
"""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import numpy as np
import pandas as pd

from .common import OFFICE_CODES, _Calendar

LAST_MONTH = pd.Period("2026-10", "M")
MAX_MONTHS = 21  # 2025-01 .. 2026-10, the span of the ordinary log (and of the built-in calendar's years)
CLERKS = 6
DRIFTERS: tuple[tuple[int, int], ...] = ((0, 0), (1, 1))  # (office index, clerk index): 340102-W1, 340103-W2
LATE_OFFICE = 2
HOLIDAY_OFFICE = 3
LATE_SHARES = (0.02, 0.04, 0.07, 0.10)  # of the late office's cases, in the last four months
DRIFT_STEP = 5  # a drifting clerk's own SD001 cases grow by this many a month over the last three
LATE_DAYS = 7  # working days from accept to register of a late case (transfer limit: 5)
WINDOW = 3  # working days before/after a holiday run (issue 17, WR002)
AWAY = 4  # working days the other offices' findings keep from a holiday run
RATIO_WR001, MIN_CASES, RATIO_WR002, MIN_WR002, FLOOR = 3.0, 20, 2.0, 5, 0.95
SAME_PERSON = "SD001"  # the drifting and the level findings: accepted and registered by one clerk
LATE_RULE = "TL001"
ACTIVITIES = ("accept", "charge", "review", "register", "certify", "issue", "complete")


def months_of(n: int) -> list[pd.Period]:
    """The N months ending :data:`LAST_MONTH`, in order."""
    if not 1 <= n <= MAX_MONTHS:
        raise ValueError(f"--months must be between 1 and {MAX_MONTHS} (the log ends {LAST_MONTH})")
    return [LAST_MONTH - (n - 1 - i) for i in range(n)]


def holiday_runs(first: dt.date, last: dt.date) -> list[tuple[np.datetime64, np.datetime64]]:
    """(first, last) day of each run of 2+ consecutive official holidays touching first..last."""
    days = sorted(d for d in chinese_calendar.holidays if first - dt.timedelta(20) <= d <= last + dt.timedelta(20))
    runs: list[list[dt.date]] = []
    for d in days:
        if runs and (d - runs[-1][-1]).days == 1:
            runs[-1].append(d)
        else:
            runs.append([d])
    return [(np.datetime64(r[0], "D"), np.datetime64(r[-1], "D")) for r in runs if len(r) >= 2]


def near_holiday(days: np.ndarray, wd: np.ndarray, runs: list, width: int) -> np.ndarray:
    """Per day of ``days``: within ``width`` working days (of ``wd``) before or after a holiday run."""
    out = np.zeros(len(days), dtype=bool)
    for start, end in runs:
        before = wd[wd < start][-width:]
        after = wd[wd > end][:width]
        out |= np.isin(days, before) | np.isin(days, after)
    return out


class _Drift:
    """The plan of one drift log: cases, their days and operators, then rows and labels."""

    def __init__(self, cases: int, seed: int, offices: int, months: int) -> None:
        if offices < HOLIDAY_OFFICE + 1:
            raise ValueError(f"--months needs at least {HOLIDAY_OFFICE + 1} offices (the drift scenario's roles)")
        if offices > len(OFFICE_CODES):
            raise ValueError(f"offices must be between {HOLIDAY_OFFICE + 1} and {len(OFFICE_CODES)}")
        self.months = months_of(months)
        self.rng = np.random.default_rng(seed)
        self.offices = OFFICE_CODES[:offices]
        self.per_clerk = max(25, round(cases / (offices * months * CLERKS)))
        first = self.months[0].start_time.date()
        last = self.months[-1].end_time.date()
        cal = _Calendar()  # the generator's working days, 2024-12 .. 2026-12
        self.wd = cal.days[cal.work]
        self.runs = holiday_runs(first, last)
        self.window = near_holiday(self.wd, self.wd, self.runs, WINDOW)
        self.away = ~near_holiday(self.wd, self.wd, self.runs, AWAY)

    def drift_count(self, j: int) -> int:
        """A drifting clerk's own SD001 cases in month j (0-based) of the range."""
        return 1 + DRIFT_STEP * max(0, j - (len(self.months) - 4))

    def late_count(self, j: int) -> int:
        """The late office's TL001 cases in month j."""
        k = j - (len(self.months) - len(LATE_SHARES))
        if len(self.months) < len(LATE_SHARES) or k < 0:
            return 0
        return int(np.ceil(LATE_SHARES[k] * CLERKS * self.per_clerk))

    def month_cases(self, o: int, j: int) -> pd.DataFrame:
        """The cases of office o in month j: clerk, kind (0 clean, 1 SD001, 2 TL001), accept day position."""
        rng, n = self.rng, self.per_clerk
        lo = np.searchsorted(self.wd, np.datetime64(self.months[j].start_time.date(), "D"))
        hi = np.searchsorted(self.wd, np.datetime64(self.months[j].end_time.date(), "D"), side="right")
        clerk = np.repeat(np.arange(CLERKS), n)
        kind = np.zeros(len(clerk), dtype=np.int64)
        for w in range(CLERKS):
            k = self.drift_count(j) if (o, w) in DRIFTERS else 1
            kind[w * n : w * n + min(k, n)] = 1
        late = self.late_count(j) if o == LATE_OFFICE else 0
        kind[np.flatnonzero(kind == 0)[rng.permutation(int((kind == 0).sum()))[:late]]] = 2
        reg_gap = np.where(kind == 2, LATE_DAYS, 2)
        acc = np.zeros(len(clerk), dtype=np.int64)
        for value in range(3):  # clean, self-registered, late: each ends inside its month (register, then +1)
            days = np.arange(lo, hi - 1 - (LATE_DAYS if value == 2 else 2))
            acc[kind == value] = self.accept_days(days, o, value, rng, int((kind == value).sum()))
        sec = 9 * 3600 + rng.integers(0, 6 * 3600, len(clerk))
        return pd.DataFrame(
            {"office": o, "month": j, "clerk": clerk, "kind": kind, "acc": acc, "reg": acc + reg_gap, "sec": sec}
        )

    def accept_days(self, days: np.ndarray, o: int, kind: int, rng: np.random.Generator, k: int) -> np.ndarray:
        """k accept days among ``days`` for cases of this kind: a finding of the holiday office is registered
        beside a holiday, every other office's finding away from one (where the month has such days)."""
        gap = LATE_DAYS if kind == 2 else 2
        if kind == 1 and o == HOLIDAY_OFFICE:
            good = days[self.window[days + gap]]
        elif kind > 0:
            good = days[self.away[days + gap]]
        else:
            good = days
        good = good if len(good) else days
        return good[rng.integers(0, len(good), k)]

    def plan(self) -> pd.DataFrame:
        """Every case, ordered by office and accept time; case ids numbered per office and month."""
        frames = [self.month_cases(o, j) for o in range(len(self.offices)) for j in range(len(self.months))]
        c = pd.concat(frames, ignore_index=True).sort_values(["office", "acc", "sec"], ignore_index=True, kind="stable")
        c["registrar"] = np.where(c["kind"] == 1, -1, self.rng.integers(0, 2, len(c)))
        serial = c.groupby(["office", "month"]).cumcount() + 1
        code = np.array(self.offices, dtype=object)[c["office"]]
        ym = np.array([p.strftime("%Y%m") for p in self.months], dtype=object)[c["month"]]
        c["case_id"] = code + ym + serial.map("{:05d}".format).to_numpy(dtype=object)
        c["office_code"] = code
        c["unit_id"] = code + "9000GB" + c.index.map("{:07d}".format).to_numpy(dtype=object) + "F00010001"
        return c

    def rows(self, c: pd.DataFrame) -> pd.DataFrame:
        """Seven rows a case (:data:`ACTIVITIES`), attributes on every row, the fee on the charge row."""
        k = len(ACTIVITIES)
        idx = np.repeat(np.arange(len(c)), k)
        act = np.tile(np.arange(k), len(c))
        acc, reg, sec = c["acc"].to_numpy()[idx], c["reg"].to_numpy()[idx], c["sec"].to_numpy()[idx]
        day_pos = np.select([act < 2, act == 2, act == 3], [acc, acc + 1, reg], reg + 1)
        offset = np.array([0, 600, 300, 0, 0, 1800, 3600])[act]
        time = self.wd[day_pos].astype("datetime64[s]") + (sec + offset).astype("timedelta64[s]")
        clerk = c["office_code"] + "-W" + (c["clerk"] + 1).astype(str)
        registrar = np.where(c["kind"] == 1, clerk, c["office_code"] + "-D" + (c["registrar"] + 1).astype(str))
        ops = np.stack([clerk, clerk, c["office_code"] + "-R1", registrar, clerk, clerk, registrar], axis=1)
        ev = pd.DataFrame(
            {
                "case_id": c["case_id"].to_numpy()[idx],
                "office_code": c["office_code"].to_numpy()[idx],
                "activity": np.array(ACTIVITIES, dtype=object)[act],
                "event_time": time,
                "operator_id": ops.reshape(-1),
                "business_type": "transfer",
                "unit_id": c["unit_id"].to_numpy()[idx],
                "land_nature": "state",
                "use_before": "residential",
                "use_after": "residential",
                "fee_charged": np.where(act == 1, "80", None),
            }
        )
        ev = ev.sort_values(["office_code", "event_time"], kind="stable", ignore_index=True)
        ev.insert(0, "event_seq", ev.groupby("office_code").cumcount() + 1)
        return ev.iloc[self.rng.permutation(len(ev))].reset_index(drop=True)


def rule_labels(c: pd.DataFrame) -> pd.DataFrame:
    """The injected findings: one SD001 per self-registered case, one TL001 per late case."""
    hit = c[c["kind"] > 0]
    drifter = [f"{o}:{w}" for o, w in DRIFTERS]
    who = hit["office"].astype(str) + ":" + hit["clerk"].astype(str)
    note = np.where(hit["kind"] == 2, "late", np.where(who.isin(drifter), "drift", "level"))
    note = np.where((hit["office"] == HOLIDAY_OFFICE) & (hit["kind"] == 1), "holiday", note)
    rule = np.where(hit["kind"] == 1, SAME_PERSON, LATE_RULE)
    return pd.DataFrame({"rule_id": rule, "key": hit["case_id"].to_numpy(), "note": note})


def warning_labels(
    events: pd.DataFrame, findings: pd.DataFrame, months: list[pd.Period], window: np.ndarray
) -> pd.DataFrame:
    """WR001–WR003 by the definitions of issue 17, from the rows and the findings (rule_id, office_code,
    operator_id — blank for none —, day) of the log; ``window``: the working days beside a holiday run."""
    ev_month = events["event_time"].dt.to_period("M")
    f_month = pd.PeriodIndex(pd.to_datetime(findings["day"]), freq="M")
    last3 = months[-3:]
    # WR001: findings per 100 cases handled, against the median of the office's operators that month
    handled = events.groupby([events["office_code"], events["operator_id"], ev_month])["case_id"].nunique()
    handled.index.names = ["office_code", "operator_id", "month"]
    own = findings[findings["operator_id"] != ""]
    count = own.groupby([own["office_code"], own["operator_id"], f_month[findings["operator_id"] != ""]]).size()
    count.index.names = handled.index.names
    rate = 100 * count.reindex(handled.index, fill_value=0) / handled
    median = rate.groupby(level=["office_code", "month"]).transform("median")
    high = (rate >= RATIO_WR001 * median) & (handled >= MIN_CASES) & rate.index.get_level_values("month").isin(last3)
    per_op = high.groupby(level=["office_code", "operator_id"]).sum()
    wr001 = [f"{o}:{op}" for (o, op), n in per_op.items() if n >= 2]
    # WR002: share of findings beside a holiday over share of events there
    f_in = pd.Series(np.isin(findings["day"].to_numpy(), window), index=findings.index)
    e_in = np.isin(events["event_time"].to_numpy().astype("datetime64[D]"), window)
    f_share = f_in.groupby(findings["office_code"]).agg(["sum", "mean"])
    e_share = pd.Series(e_in).groupby(events["office_code"].to_numpy()).mean()
    ratio = f_share["mean"] / e_share.reindex(f_share.index)
    wr002 = sorted(f_share.index[(f_share["sum"] >= MIN_WR002) & (ratio >= RATIO_WR002)])
    # WR003: on-time rate (late = TL001) fell in each of the last three months and is below the floor
    timed = events[events["activity"] == "register"].groupby(["office_code", ev_month])["case_id"].nunique()
    late_f = findings[findings["rule_id"] == LATE_RULE]
    late = late_f.groupby([late_f["office_code"], f_month[findings["rule_id"] == LATE_RULE]]).size()
    late.index.names = timed.index.names
    on_time = (1 - late.reindex(timed.index, fill_value=0) / timed).unstack().reindex(columns=months)
    wr003 = []
    if len(months) >= 4:
        fell = (on_time[months[-3:]].to_numpy() < on_time[months[-4:-1]].to_numpy()).all(axis=1)
        wr003 = sorted(on_time.index[fell & (on_time[months[-1]] < FLOOR).to_numpy()])
    rows = [("WR001", k, "drift") for k in sorted(wr001)]
    rows += [("WR002", k, "holiday") for k in wr002] + [("WR003", k, "late") for k in wr003]
    return pd.DataFrame(rows, columns=["rule_id", "key", "note"])


def generate_drift(cases: int, seed: int, offices: int, months: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(events, labels) of the drift scenario: about ``cases`` cases over ``months`` months."""
    d = _Drift(cases, seed, offices, months)
    c = d.plan()
    events = d.rows(c)
    found = c[c["kind"] > 0]
    clerk = found["office_code"] + "-W" + (found["clerk"] + 1).astype(str)
    findings = pd.DataFrame(
        {
            "rule_id": np.where(found["kind"] == 1, SAME_PERSON, LATE_RULE),
            "office_code": found["office_code"],
            "operator_id": np.where(found["kind"] == 1, clerk, ""),
            "day": d.wd[found["reg"].to_numpy()],
        }
    )
    warn = warning_labels(events, findings, d.months, d.wd[d.window])
    labels = pd.concat([rule_labels(c), warn], ignore_index=True).sort_values(["rule_id", "key"], ignore_index=True)
    for col in labels.columns:
        labels[col] = labels[col].astype(pd.StringDtype("pyarrow"))
    return events, labels
