"""Issue 14 item 2: one per-case vocabulary on EventLog, one ``case_findings``, messages from templates.

"The first row of a case" is :meth:`EventLog.first_row` — (event_time, input order), optionally of an
activity, a mask or some rows — checked here against a plain sort of the input; the rules' messages
are :func:`template` fills, never ``+`` chains, and the old first-row variants are gone.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import regcheck
from regcheck.model import EventLog
from regcheck.rules.base import case_findings, template, zh_labels
from regcheck.schema import USES

SOURCE = Path(regcheck.__file__).parent
ACTS = ("accept", "review", "register", "query")
T0 = pd.Timestamp("2026-09-07 09:00:00")

rows = st.lists(
    st.tuples(
        st.sampled_from(["A", "B", "C", "D"]),  # case
        st.integers(0, 3),  # minutes after T0: few values, many ties
        st.sampled_from(ACTS),
        st.sampled_from(["op1", "op2", None]),
    ),
    min_size=1,
    max_size=30,
)


def _log(data: list[tuple], categorical: bool) -> tuple[pd.DataFrame, EventLog]:
    frame = pd.DataFrame(data, columns=["case_id", "minute", "activity", "operator_id"])
    frame["event_time"] = T0 + pd.to_timedelta(frame["minute"], unit="min")
    frame["office_code"] = "340102"
    events = frame.drop(columns="minute")
    if categorical:
        events = events.astype({"case_id": "category", "activity": "category", "operator_id": "category"})
    return frame, EventLog(events)


def _expected_first(frame: pd.DataFrame, log: EventLog, keep: np.ndarray) -> np.ndarray:
    """Per case of ``log``: the input row (index in ``frame``) first by (event_time, input order) among
    the rows where ``keep`` holds, -1 if none — by sorting the input, not by the code under test."""
    ordered = frame.assign(_in=np.arange(len(frame)))[keep].sort_values(["event_time", "_in"], kind="stable")
    first = ordered.groupby("case_id", sort=False)["_in"].first()
    return np.array([first.get(c, -1) for c in log.case_ids], dtype=np.int64)


def _as_input_rows(log: EventLog, pos: np.ndarray) -> np.ndarray:
    return np.where(pos >= 0, log.events["_row"].to_numpy()[np.maximum(pos, 0)], -1)


@settings(max_examples=60, deadline=None)
@given(data=rows, categorical=st.booleans(), pick=st.lists(st.booleans(), min_size=30, max_size=30))
def test_first_row_is_first_by_time_then_input_order(data: list[tuple], categorical: bool, pick: list[bool]) -> None:
    frame, log = _log(data, categorical)
    everything = np.ones(len(frame), dtype=bool)
    assert (_as_input_rows(log, log.first_row()) == _expected_first(frame, log, everything)).all()
    for activity in ACTS:
        want = _expected_first(frame, log, (frame["activity"] == activity).to_numpy())
        assert (_as_input_rows(log, log.first_row(activity)) == want).all(), activity
        rows_of = log.activity_rows(activity)
        assert (log.events["activity"].astype(str).to_numpy()[rows_of] == activity).all()
        assert len(rows_of) == (frame["activity"] == activity).sum() and (np.diff(rows_of) > 0).all()
    # a mask over the events, and the same rows as positions, give the same first rows
    mask = np.array(pick[: len(frame)])
    in_events = mask[log.events["_row"].to_numpy()]
    want = _expected_first(frame, log, mask)
    assert (_as_input_rows(log, log.first_row(in_events)) == want).all()
    assert (_as_input_rows(log, log.first_row(np.flatnonzero(in_events))) == want).all()


@settings(max_examples=40, deadline=None)
@given(data=rows, categorical=st.booleans())
def test_case_value_is_the_value_at_the_first_row(data: list[tuple], categorical: bool) -> None:
    frame, log = _log(data, categorical)
    pos = log.first_row("register")
    got = log.case_value("operator_id", pos)
    op = frame["operator_id"].astype(object).to_numpy()[log.events["_row"].to_numpy()]  # in events order
    want = [None if p < 0 or pd.isna(op[p]) else op[p] for p in pos]
    assert list(got) == want
    assert list(log.case_value("no_such_column", pos)) == [None] * len(pos)
    # the cases table's first times are those rows' times
    t = log.cases["t_register"].to_numpy()
    assert (np.isnat(t) == (pos < 0)).all()
    assert (t[pos >= 0] == log.events["event_time"].to_numpy()[pos[pos >= 0]]).all()


texts = st.lists(st.one_of(st.none(), st.text(max_size=5)), min_size=0, max_size=8)


@given(values=texts, other=st.text(max_size=4))
def test_template_fills_column_wise(values: list[str | None], other: str) -> None:
    second = [f"<{i}>" for i in range(len(values))]
    got = template("甲{a}乙{b}{c}丙", a=values, b=np.array(second, dtype=object), c=other)
    assert list(got) == [f"甲{'' if v is None else v}乙{s}{other}丙" for v, s in zip(values, second, strict=True)]


def test_template_refuses_a_field_without_a_value_and_a_value_without_a_field() -> None:
    with pytest.raises(ValueError, match="fields"):
        template("受理后第{elapsed}个工作日", elapsd=["1"])
    with pytest.raises(ValueError, match="fields"):
        template("受理后第{elapsed}个工作日", elapsed=["1"], over=["2"])
    with pytest.raises(ValueError, match="lengths"):
        template("{a}{b}", a=["1"], b=["1", "2"])


def test_zh_labels_keeps_unknown_codes_and_names_missing_ones() -> None:
    got = zh_labels(pd.Series(["residential", None, "自定义"], dtype=object), USES, "用途未填")
    assert list(got) == [USES["residential"], "用途未填", "自定义"]


def test_case_findings_keys_by_case_and_dates_at_an_activity() -> None:
    frame = pd.DataFrame(
        {
            "case_id": ["A", "A", "A", "B"],
            "activity": ["accept", "register", "register", "accept"],
            "event_time": [T0, T0 + pd.Timedelta("2h"), T0 + pd.Timedelta("1h"), T0],
            "operator_id": ["op1", "late", "early", "op3"],
            "office_code": "340102",
        }
    )
    log = EventLog(frame)
    f = case_findings(log, [0, 1], at="register", message=template("案{c}", c=["A", "B"]))
    assert list(f["key"]) == ["A", "B"] and list(f["case_id"]) == ["A", "B"]
    assert list(f["operator_id"]) == ["early", None]  # who did the case's first register row
    assert f["event_time"].iloc[0] == T0 + pd.Timedelta("1h") and pd.isna(f["event_time"].iloc[1])
    keyed = case_findings(log, [1], key=["B:x"], event_time=[T0], operator_id=["me"], message="m")
    assert list(keyed[["key", "case_id", "operator_id", "message"]].iloc[0]) == ["B:x", "B", "me", "m"]


def test_one_first_row_and_no_message_built_with_plus_chains() -> None:
    """The five first-row variants are gone, rule messages are templates (no ``+`` continuation
    lines), and every rule finds on cases through base.case_findings."""
    sources = {p: p.read_text(encoding="utf-8") for p in SOURCE.rglob("*.py")}
    gone = ("first_positions", "_first_row(", "_firsts(", "_first_per_case", "first_rows(", "findings_on_cases")
    left = {name: sorted(str(p.relative_to(SOURCE)) for p, s in sources.items() if name in s) for name in gone}
    assert {k: v for k, v in left.items() if v} == {}
    rules = SOURCE / "rules"
    chains = {
        p.name: n for p in rules.glob("*.py") if (n := len(re.findall(r"^\s*\+ ", sources[p], flags=re.MULTILINE)))
    }
    assert chains == {}, "build messages with rules.base.template"
