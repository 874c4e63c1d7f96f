"""TL001, TL002, QJ001, MG001 and SD001 hand-written in DuckDB SQL — the baseline of issue 6.

What an expert would write in an afternoon against the Parquet export: read the columns the
five rules need straight from the file (``file_row_number`` = input order for ties), trim and
map the values, one grouped pass for the per-case table, window functions for suspension
pairing and interval merging, a prefix-sum working-day table (built from the official
calendar, ``regcheck.calendar.WorkCalendar`` → ``chinese_calendar``), a window over
(office, queue) for hall-queue jumps, and an ASOF join for the seal balance. It is
independent of regcheck's rule code: only the calendar and the enum spellings are shared.

Semantics (spec/rules.md, "Common definitions" and the rule tables):

* rows are ordered by (event_time, input order); "first" values take that order; case
  attributes are the first non-empty value; the office is the office_code of the first row;
* t_end = earliest register/complete/reject; withdrawn (withdraw, no end) cases are not
  timed; as-of = the latest event_time;
* W(a, b) = working days d with a < d <= b; elapsed = W(accept day, end day) minus the
  suspended working days: each suspend pairs with the first resume after it in row order,
  unpaired ones run to the end day, the pairs' day intervals (s, r] are clipped to
  (accept day, end day] and merged (overlaps once);
* QJ001: hall queue key (office of the case, queue_id of its first ticket row, blank =
  default); j jumped i when enter_i < enter_j and start_j < start_i; justified priority
  (priority true + non-blank reason) is exempt;
* MG001: registered mortgage with count(seal) > count(unseal) registered on the same
  unit_id strictly before its t_register;
* SD001: one non-empty operator_id on an accept row and a register row of a case.

Usage: ``python benchmarks/duckdb_baseline.py LOG.parquet [-o findings.csv] [--threads N]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from regcheck.calendar import WorkCalendar
from regcheck.schema import FALSE_VALUES, MISSING_VALUES, TRUE_VALUES, enum_lookup

RULES = "TL001,TL002,QJ001,MG001,SD001"  # the rules implemented here, as `regcheck scan --select` takes them

LIMITS = {  # rules.md "Time limits", working days; query: no limit
    "first": 30,
    "transfer": 5,
    "change": 5,
    "cancel": 5,
    "correction": 5,
    "prenotice": 5,
    "mortgage": 5,
    "mortgage_cancel": 5,
    "objection": 1,
    "objection_cancel": 1,
    "seal": 1,
    "unseal": 1,
}

# Unicode whitespace, which the loader trims (pyarrow utf8_trim_whitespace), U+3000 included.
_WS = "".join(chr(c) for c in range(0x3001) if chr(c).isspace())
_WS_CODES = ", ".join(str(ord(c)) for c in _WS if ord(c) > 32)


def _sql_str(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _frame_table(con: duckdb.DuckDBPyConnection, name: str, frame: pd.DataFrame) -> None:
    con.register(f"{name}_df", frame)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM {name}_df")
    con.unregister(f"{name}_df")


def _setup(con: duckdb.DuckDBPyConnection) -> None:
    missing = ", ".join(_sql_str(v) for v in sorted(MISSING_VALUES))
    true = ", ".join(_sql_str(v) for v in sorted(TRUE_VALUES))
    false = ", ".join(_sql_str(v) for v in sorted(FALSE_VALUES))
    ws = _sql_str(_WS)
    # A cell: trimmed of whitespace (U+3000 included); '', 'null', 'none', 'nan', 'nat' -> NULL.
    con.execute(
        f"CREATE OR REPLACE TEMP MACRO clean_slow(s) AS "
        f"CASE WHEN lower(trim(s, {ws})) IN ({missing}) THEN NULL ELSE trim(s, {ws}) END"
    )
    # The same for high-cardinality ids: DuckDB's trim() with a character set costs ~0.3 µs a
    # cell, so only cells that start or end with whitespace (a cheap test of the first and last
    # character) or are short enough to be a 'null' spelling take the slow path.
    con.execute(
        f"CREATE OR REPLACE TEMP MACRO clean(s) AS "
        f"CASE WHEN ord(s) <= 32 OR ord(s) IN ({_WS_CODES}) OR ord(s[-1]) <= 32 OR ord(s[-1]) IN ({_WS_CODES}) "
        f"OR length(s) <= 4 THEN clean_slow(s) ELSE s END"
    )
    con.execute(
        f"CREATE OR REPLACE TEMP MACRO to_bool(s) AS "
        f"CASE WHEN lower(s) IN ({true}) THEN true WHEN lower(s) IN ({false}) THEN false END"
    )
    for name, enum in (("activity_spelling", "activity"), ("btype_spelling", "business_type")):
        rows = sorted({(k.lower(), v) for k, v in enum_lookup(enum).items()})
        _frame_table(con, name, pd.DataFrame(rows, columns=["spelling", "code"]))
    _frame_table(con, "limits", pd.DataFrame({"business_type": list(LIMITS), "lim": list(LIMITS.values())}))


# Low-cardinality columns are cleaned and mapped on their distinct values (a handful each),
# then joined back on the raw value: code = the canonical value (NULL = missing), bad = a
# present value that is not understood (the loader rejects such rows).
_VALUE_MAPS = {
    "office_code": "SELECT raw, clean_slow(raw) AS code, false AS bad FROM d",
    "queue_id": "SELECT raw, clean_slow(raw) AS code, false AS bad FROM d",
    "priority_reason": "SELECT raw, clean_slow(raw) AS code, false AS bad FROM d",
    "operator_id": "SELECT raw, clean_slow(raw) AS code, false AS bad FROM d",
    "activity": "SELECT raw, m.code, m.code IS NULL AS bad FROM d "
    "LEFT JOIN activity_spelling m ON m.spelling = lower(clean_slow(raw))",
    "business_type": "SELECT raw, m.code, clean_slow(raw) IS NOT NULL AND m.code IS NULL AS bad FROM d "
    "LEFT JOIN btype_spelling m ON m.spelling = lower(clean_slow(raw))",
    "priority": "SELECT raw, to_bool(clean_slow(raw)) AS code, "
    "clean_slow(raw) IS NOT NULL AND to_bool(clean_slow(raw)) IS NULL AS bad FROM d",
}


def _load_events(con: duckdb.DuckDBPyConnection, path: str) -> None:
    """The usable rows (the loader's rejects excluded) with the columns the five rules read."""
    src = f"read_parquet({_sql_str(path)}, file_row_number = true)"
    for col, sql in _VALUE_MAPS.items():
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE map_{col} AS "
            f"WITH d AS (SELECT DISTINCT CAST({col} AS VARCHAR) AS raw FROM {src} WHERE {col} IS NOT NULL) {sql}"
        )
    joins = "\n".join(f"LEFT JOIN map_{c} ON map_{c}.raw = CAST(r.{c} AS VARCHAR)" for c in _VALUE_MAPS)
    bad = " OR ".join(f"coalesce(map_{c}.bad, false)" for c in _VALUE_MAPS)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE ev AS
        SELECT r.file_row_number AS rn,
               clean(r.case_id) AS case_id,
               map_office_code.code AS office_code,
               map_activity.code AS activity,
               CAST(r.event_time AS TIMESTAMP) AS event_time,
               -- (event_time, input order) as one sortable number
               (epoch_us(CAST(r.event_time AS TIMESTAMP))::HUGEINT << 40) + r.file_row_number AS k,
               map_operator_id.code AS operator_id,
               map_queue_id.code AS queue_id,
               map_priority.code AS priority,
               map_priority_reason.code AS priority_reason,
               map_business_type.code AS business_type,
               clean(r.unit_id) AS unit_id
        FROM {src} r
        {joins}
        WHERE clean(r.case_id) IS NOT NULL AND map_office_code.code IS NOT NULL
          AND map_activity.code IS NOT NULL AND r.event_time IS NOT NULL
          AND NOT ({bad})
        """
    )


def _load_events_as_written(con: duckdb.DuckDBPyConnection, path: str) -> None:
    """``as_written=True``: the columns as the file has them — canonical codes, NULL for blanks,
    nothing trimmed or mapped. What one would write for a file known to be clean (the generated
    logs are); it shows what the value cleaning of :func:`_load_events` costs."""
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE ev AS
        SELECT file_row_number AS rn, case_id, office_code, activity, CAST(event_time AS TIMESTAMP) AS event_time,
               (epoch_us(CAST(event_time AS TIMESTAMP))::HUGEINT << 40) + file_row_number AS k,
               operator_id, queue_id, priority, priority_reason, business_type, unit_id
        FROM read_parquet({_sql_str(path)}, file_row_number = true)
        """
    )


def _cases(con: duckdb.DuckDBPyConnection) -> None:
    """One grouped pass: office of the first row, first non-empty attributes, first activity times."""
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE cases AS
        SELECT case_id,
               arg_min(office_code, k) AS office,
               arg_min(business_type, k) AS business_type,
               arg_min(unit_id, k) AS unit_id,
               to_bool(CAST(arg_min(priority, k) AS VARCHAR)) AS priority,
               arg_min(priority_reason, k) AS priority_reason,
               min(event_time) FILTER (WHERE activity = 'accept') AS t_accept,
               min(event_time) FILTER (WHERE activity = 'register') AS t_register,
               min(event_time) FILTER (WHERE activity IN ('register', 'complete', 'reject')) AS t_end,
               bool_or(activity = 'withdraw') AS has_withdraw,
               min(event_time) FILTER (WHERE activity = 'ticket') AS t_ticket,
               arg_min_null(queue_id, k) FILTER (WHERE activity = 'ticket') AS ticket_queue,
               min(event_time) FILTER (WHERE activity = 'call') AS t_call
        FROM ev
        GROUP BY case_id
        """
    )


def _calendar(con: duckdb.DuckDBPyConnection, calendar: WorkCalendar) -> dt.date:
    """Prefix sums over the days of the log: cal(day, cum) with cum = working days up to day."""
    ((first, last),) = con.execute("SELECT min(event_time)::DATE, max(event_time)::DATE FROM ev").fetchall()
    days = np.arange(np.datetime64(first, "D"), np.datetime64(last, "D") + 1)
    work = calendar.is_workday(days)
    table = pd.DataFrame({"day": days.astype("datetime64[s]"), "cum": np.cumsum(work, dtype=np.int64)})
    con.register("cal_df", table)
    con.execute("CREATE OR REPLACE TEMP TABLE cal AS SELECT CAST(day AS DATE) AS day, cum FROM cal_df")
    con.unregister("cal_df")
    return last


TIME_LIMITS = """
WITH cutoff AS (SELECT max(event_time)::DATE AS d FROM ev),
timed AS (
    SELECT c.case_id, l.lim, c.t_accept::DATE AS accept_day,
           coalesce(c.t_end::DATE, (SELECT d FROM cutoff)) AS end_day, c.t_end IS NULL AS is_open
    FROM cases c JOIN limits l USING (business_type)
    WHERE c.t_accept IS NOT NULL AND NOT (c.t_end IS NULL AND c.has_withdraw)
),
sr AS (  -- each suspend with the first resume after it, in (event_time, input order)
    SELECT case_id, activity, event_time,
           min(CASE WHEN activity = 'resume' THEN event_time END) OVER (
               PARTITION BY case_id ORDER BY k ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING
           ) AS r_time
    FROM ev WHERE activity IN ('suspend', 'resume')
),
iv AS (  -- (lo, hi] day intervals clipped to (accept_day, end_day]
    SELECT t.case_id, greatest(s.event_time::DATE, t.accept_day) AS lo,
           least(coalesce(s.r_time::DATE, t.end_day), t.end_day) AS hi
    FROM sr s JOIN timed t USING (case_id)
    WHERE s.activity = 'suspend'
),
merged AS (  -- union: start each interval after the furthest end of the earlier ones
    SELECT case_id, hi,
           greatest(lo, coalesce(max(hi) OVER (
               PARTITION BY case_id ORDER BY lo, hi ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), lo)) AS lo
    FROM iv WHERE lo < hi
),
suspended AS (
    SELECT m.case_id, sum(b.cum - a.cum) AS days
    FROM merged m JOIN cal a ON a.day = m.lo JOIN cal b ON b.day = m.hi
    WHERE m.lo < m.hi
    GROUP BY m.case_id
),
elapsed AS (
    SELECT t.case_id, t.lim, t.is_open,
           CASE WHEN t.end_day > t.accept_day THEN b.cum - a.cum ELSE 0 END - coalesce(s.days, 0) AS elapsed
    FROM timed t JOIN cal a ON a.day = t.accept_day JOIN cal b ON b.day = t.end_day
    LEFT JOIN suspended s USING (case_id)
)
SELECT CASE WHEN is_open THEN 'TL002' ELSE 'TL001' END AS rule_id, case_id
FROM elapsed WHERE elapsed > lim
"""

HALL_QUEUE = """
WITH hall AS (
    SELECT case_id, office, coalesce(ticket_queue, '') AS queue, t_ticket AS enter, t_call AS start,
           coalesce(priority, false) AND priority_reason IS NOT NULL AS justified
    FROM cases WHERE t_ticket IS NOT NULL AND t_call IS NOT NULL
),
w AS (  -- latest start among the cases of the queue that entered strictly earlier
    SELECT case_id, start, justified,
           max(start) OVER (PARTITION BY office, queue ORDER BY enter
                            RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW EXCLUDE GROUP) AS prev_start
    FROM hall
)
SELECT 'QJ001' AS rule_id, case_id FROM w WHERE prev_start > start AND NOT justified
"""

SEALED = """
WITH balance AS (  -- seal stack per unit after each registration time
    SELECT unit_id, t, sum(d) OVER (PARTITION BY unit_id ORDER BY t ROWS UNBOUNDED PRECEDING) AS sealed
    FROM (
        SELECT unit_id, t_register AS t, sum(CASE business_type WHEN 'seal' THEN 1 ELSE -1 END) AS d
        FROM cases
        WHERE business_type IN ('seal', 'unseal') AND t_register IS NOT NULL AND unit_id IS NOT NULL
        GROUP BY unit_id, t_register
    )
),
m AS (
    SELECT case_id, unit_id, t_register FROM cases
    WHERE business_type = 'mortgage' AND t_register IS NOT NULL AND unit_id IS NOT NULL
)
SELECT 'MG001' AS rule_id, m.case_id
FROM m ASOF JOIN balance b ON m.unit_id = b.unit_id AND m.t_register > b.t
WHERE b.sealed > 0
"""

SAME_PERSON = """
SELECT DISTINCT 'SD001' AS rule_id, a.case_id
FROM (SELECT DISTINCT case_id, operator_id FROM ev WHERE activity = 'accept' AND operator_id IS NOT NULL) a
SEMI JOIN (SELECT case_id, operator_id FROM ev WHERE activity = 'register' AND operator_id IS NOT NULL) r
    ON a.case_id = r.case_id AND a.operator_id = r.operator_id
"""


def run(
    path: str | Path,
    *,
    calendar: WorkCalendar | None = None,
    threads: int | None = None,
    as_written: bool = False,
    timings: dict[str, float] | None = None,
) -> pd.DataFrame:
    """The five rules' findings on the Parquet log ``path``: a frame (rule_id, case_id), sorted."""
    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        if timings is not None:
            timings[name] = now - clock
        clock = now

    _setup(con)
    (_load_events_as_written if as_written else _load_events)(con, str(path))
    lap("load")
    _cases(con)
    lap("cases")
    _calendar(con, calendar or WorkCalendar())
    lap("calendar")
    parts = []
    for name, sql in (("TL", TIME_LIMITS), ("QJ001", HALL_QUEUE), ("MG001", SEALED), ("SD001", SAME_PERSON)):
        parts.append(con.execute(sql).df())
        lap(name)
    out = pd.concat(parts, ignore_index=True).astype({"rule_id": str, "case_id": str})
    con.close()
    return out.sort_values(["rule_id", "case_id"], kind="stable").reset_index(drop=True)


def findings(path: str | Path, **kwargs) -> set[tuple[str, str]]:
    """(rule_id, key) pairs; the key of these case rules is the case_id."""
    f = run(path, **kwargs)
    return set(zip(f["rule_id"], f["case_id"], strict=True))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("log", help="Parquet log")
    ap.add_argument("-o", "--output", help="write rule_id,case_id CSV here")
    ap.add_argument("--threads", type=int, help="DuckDB threads (default: all cores)")
    ap.add_argument(
        "--as-written",
        action="store_true",
        help="take the values as the file has them (no trimming, label mapping or reject checks)",
    )
    ap.add_argument("--timings", action="store_true", help="print the time of each step on stderr")
    args = ap.parse_args(argv)
    steps: dict[str, float] = {}
    f = run(args.log, threads=args.threads, as_written=args.as_written, timings=steps)
    if args.output:
        f.to_csv(args.output, index=False)
    if args.timings:
        for name, sec in steps.items():
            print(f"{name:10s} {sec:7.3f} s", file=sys.stderr)
    counts = f["rule_id"].value_counts().sort_index()
    print(" ".join(f"{k}={v}" for k, v in counts.items()) or "no findings", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
