"""Mortgage rules MG001–MG006 (spec/rules.md "Mortgage"): table-driven cases through the CLI,
parameters through the engine, and a property test of the unit-history rules against a brute-force loop."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from regcheck.engine import run
from regcheck.loaders import load
from regcheck.model import EventLog
from regcheck.rules import REGISTRY
from regcheck.rules.mortgage import (
    CollateralParams,
    MortgageeParams,
    ObjectionParams,
    RapidMortgageParams,
)

from .conftest import rules_of, scan_findings, write_canonical_csv

MG = rules_of("mortgage")
UNIT_RULES = tuple(r for r in MG if REGISTRY[r].grouping == "unit")  # the rules reading a unit's history
OFFICE = "340104"
UNIT = "340104002005GB00301F00030501"
OTHER_UNIT = "340104002005GB00301F00030502"  # same parcel, another unit


def registered(
    case_id: str,
    business_type: str,
    register: str | None,
    *,
    unit: str | None = UNIT,
    accept: str | None = None,
    **attrs: str,
) -> list[dict]:
    """Rows of one case: an accept (1 h before registration unless given) and, if ``register``, a register row."""
    when = accept or (
        (dt.datetime.fromisoformat(register) - dt.timedelta(hours=1)).isoformat(sep=" ")
        if register
        else "2026-09-01 08:00:00"
    )
    first = {
        "case_id": case_id,
        "office_code": OFFICE,
        "activity": "accept",
        "event_time": when,
        "operator_id": "340104-W1",
        "business_type": business_type,
        **({"unit_id": unit} if unit else {}),
        **attrs,
    }
    rows = [first]
    if register:
        rows.append(
            {
                "case_id": case_id,
                "office_code": OFFICE,
                "activity": "register",
                "event_time": register,
                "operator_id": "340104-D1",
            }
        )
    return rows


def register_again(case_id: str, when: str) -> list[dict]:
    return [
        {
            "case_id": case_id,
            "office_code": OFFICE,
            "activity": "register",
            "event_time": when,
            "operator_id": "340104-D2",
        }
    ]


def mortgage(case_id: str, register: str | None, **attrs: str) -> list[dict]:
    base = {
        "land_nature": "state",
        "use_after": "residential",
        "mortgagee": "中国工商银行合肥分行",
        "mortgagee_type": "bank",
        "mortgage_amount": "800000",
        "assessed_value": "1200000",
    }
    unit = attrs.pop("unit", UNIT)
    return registered(case_id, "mortgage", register, unit=unit, **{**base, **attrs})


# name, rows, expected (rule_id, case_id) pairs of the MG family
CASES = [
    (
        "mortgage_the_day_after_unseal",
        registered("S1", "seal", "2026-09-07 11:00:00")
        + registered("U1", "unseal", "2026-09-09 10:00:00")
        + mortgage("M1", "2026-09-10 10:00:00"),
        set(),
    ),
    (
        "mortgage_one_second_before_unseal",
        registered("S1", "seal", "2026-09-07 11:00:00")
        + registered("U1", "unseal", "2026-09-10 10:00:01")
        + mortgage("M1", "2026-09-10 10:00:00"),
        {("MG001", "M1")},
    ),
    (
        "unseal_accepted_not_registered",
        registered("S1", "seal", "2026-09-07 11:00:00")
        + registered("U1", "unseal", None, accept="2026-09-08 09:00:00")
        + mortgage("M1", "2026-09-10 10:00:00"),
        {("MG001", "M1")},
    ),
    (
        "seal_accepted_not_registered",
        registered("S1", "seal", None, accept="2026-09-08 09:00:00") + mortgage("M1", "2026-09-10 10:00:00"),
        set(),
    ),
    (
        "three_seals_two_unseals",
        registered("S1", "seal", "2026-09-01 11:00:00")
        + registered("S2", "seal", "2026-09-02 11:00:00")
        + registered("U1", "unseal", "2026-09-03 11:00:00")
        + registered("S3", "seal", "2026-09-04 11:00:00")
        + registered("U2", "unseal", "2026-09-05 11:00:00")
        + mortgage("M1", "2026-09-10 10:00:00"),
        {("MG001", "M1")},
    ),
    (
        "two_seals_two_unseals",
        registered("S1", "seal", "2026-09-01 11:00:00")
        + registered("S2", "seal", "2026-09-02 11:00:00")
        + registered("U1", "unseal", "2026-09-03 11:00:00")
        + registered("U2", "unseal", "2026-09-05 11:00:00")
        + mortgage("M1", "2026-09-10 10:00:00"),
        set(),
    ),
    (
        "unseal_counted_at_its_first_register_row",
        # the unseal was first registered on 09-09: a second register row on 09-12 does not move it
        registered("S1", "seal", "2026-09-07 11:00:00")
        + registered("U1", "unseal", "2026-09-09 11:00:00")
        + register_again("U1", "2026-09-12 11:00:00")
        + mortgage("M1", "2026-09-10 10:00:00"),
        set(),
    ),
    (
        "seal_on_another_unit",
        registered("S1", "seal", "2026-09-07 11:00:00", unit=OTHER_UNIT) + mortgage("M1", "2026-09-10 10:00:00"),
        set(),
    ),
    (
        "mortgage_without_unit_id_has_no_unit_state",
        registered("S1", "seal", "2026-09-07 11:00:00")
        + mortgage("M1", "2026-09-10 10:00:00", unit=None, use_after="homestead"),
        {("MG002", "M1")},
    ),
    (
        "objection_14_days_old",
        registered("O1", "objection", "2026-09-01 10:00:00") + mortgage("M1", "2026-09-15 10:00:00"),
        {("MG003", "M1")},
    ),
    (
        "objection_16_days_old",
        registered("O1", "objection", "2026-09-01 10:00:00") + mortgage("M1", "2026-09-17 10:00:00"),
        set(),
    ),
    (
        "objection_15_days_and_one_second",
        registered("O1", "objection", "2026-09-01 10:00:00") + mortgage("M1", "2026-09-16 10:00:01"),
        set(),
    ),
    (
        "objection_at_the_mortgage_second",
        registered("O1", "objection", "2026-09-10 10:00:00") + mortgage("M1", "2026-09-10 10:00:00"),
        set(),
    ),
    (
        "cancel_at_the_objection_second_is_not_after_it",
        registered("O1", "objection", "2026-09-01 10:00:00")
        + registered("C1", "objection_cancel", "2026-09-01 10:00:00")
        + mortgage("M1", "2026-09-05 10:00:00"),
        {("MG003", "M1")},
    ),
    (
        "cancel_before_objection_does_not_end_it",
        registered("C1", "objection_cancel", "2026-08-30 10:00:00")
        + registered("O1", "objection", "2026-09-01 10:00:00")
        + mortgage("M1", "2026-09-05 10:00:00"),
        {("MG003", "M1")},
    ),
    (
        "cancelled_then_new_objection",
        registered("O1", "objection", "2026-09-01 10:00:00")
        + registered("C1", "objection_cancel", "2026-09-02 10:00:00")
        + registered("O2", "objection", "2026-09-03 10:00:00")
        + mortgage("M1", "2026-09-05 10:00:00"),
        {("MG003", "M1")},
    ),
    (
        "cancel_after_both_objections",
        registered("O1", "objection", "2026-09-01 10:00:00")
        + registered("O2", "objection", "2026-09-03 10:00:00")
        + registered("C1", "objection_cancel", "2026-09-04 10:00:00")
        + mortgage("M1", "2026-09-05 10:00:00"),
        set(),
    ),
    (
        "objection_accepted_not_registered",
        registered("O1", "objection", None, accept="2026-09-01 10:00:00") + mortgage("M1", "2026-09-05 10:00:00"),
        set(),
    ),
    ("homestead", mortgage("M1", "2026-09-10 10:00:00", use_after="homestead"), {("MG002", "M1")}),
    ("elderly_care_by_label", mortgage("M1", "2026-09-10 10:00:00", use_after="养老"), {("MG002", "M1")}),
    (
        "collective_residential",
        mortgage("M1", "2026-09-10 10:00:00", land_nature="collective"),
        {("MG002", "M1")},
    ),
    (
        "collective_industrial_allowed",
        mortgage("M1", "2026-09-10 10:00:00", land_nature="collective", use_after="industrial"),
        set(),
    ),
    ("use_missing", mortgage("M1", "2026-09-10 10:00:00", use_after="", land_nature="collective"), set()),
    ("amount_above_value", mortgage("M1", "2026-09-10 10:00:00", mortgage_amount="1200000.5"), {("MG004", "M1")}),
    ("amount_equal_value", mortgage("M1", "2026-09-10 10:00:00", mortgage_amount="1200000.00"), set()),
    ("amount_missing", mortgage("M1", "2026-09-10 10:00:00", mortgage_amount=""), set()),
    ("value_zero", mortgage("M1", "2026-09-10 10:00:00", assessed_value="0"), set()),
    ("amount_negative_value", mortgage("M1", "2026-09-10 10:00:00", assessed_value="-5"), set()),
    (
        "three_mortgages_in_window",
        mortgage("M1", "2026-09-01 10:00:00")
        + mortgage("M2", "2026-09-11 10:00:00")
        + mortgage("M3", "2026-09-30 10:00:00"),
        {("MG005", "M3")},
    ),
    (
        "later_mortgage_does_not_count_for_earlier",
        mortgage("M1", "2026-09-01 10:00:00")
        + mortgage("M2", "2026-09-11 10:00:00")
        + mortgage("M3", "2026-09-11 10:00:01"),
        {("MG005", "M3")},
    ),
    (
        "three_ties_at_one_second",
        mortgage("M1", "2026-09-11 10:00:00")
        + mortgage("M2", "2026-09-11 10:00:00")
        + mortgage("M3", "2026-09-11 10:00:00"),
        {("MG005", "M1"), ("MG005", "M2"), ("MG005", "M3")},
    ),
    (
        "unregistered_mortgage_not_counted",
        mortgage("M1", "2026-09-01 10:00:00") + mortgage("M2", None) + mortgage("M3", "2026-09-20 10:00:00"),
        set(),
    ),
    (
        "first_mortgage_30_days_minus_one_second",
        mortgage("M1", "2026-09-01 10:00:01")
        + mortgage("M2", "2026-09-15 10:00:00")
        + mortgage("M3", "2026-10-01 10:00:00"),
        {("MG005", "M3")},
    ),
    ("company_mortgagee", mortgage("M1", "2026-09-10 10:00:00", mortgagee_type="company"), {("MG006", "M1")}),
    ("individual_by_label", mortgage("M1", "2026-09-10 10:00:00", mortgagee_type="自然人"), {("MG006", "M1")}),
    ("financial_mortgagee", mortgage("M1", "2026-09-10 10:00:00", mortgagee_type="financial"), set()),
    ("mortgagee_type_missing", mortgage("M1", "2026-09-10 10:00:00", mortgagee_type=""), set()),
    (
        "unregistered_mortgage_not_evaluated",
        registered("S1", "seal", "2026-09-01 10:00:00")
        + mortgage("M1", None, use_after="homestead", mortgagee_type="individual", mortgage_amount="9999999"),
        set(),
    ),
    (
        "transfer_is_not_a_mortgage",
        registered("S1", "seal", "2026-09-01 10:00:00")
        + registered("T1", "transfer", "2026-09-10 10:00:00", use_after="homestead", mortgagee_type="individual"),
        set(),
    ),
]


@pytest.mark.parametrize(("name", "rows", "expected"), [pytest.param(*c, id=c[0]) for c in CASES])
def test_mortgage_rules(name: str, rows: list[dict], expected: set, tmp_path: Path) -> None:
    found = scan_findings(write_canonical_csv(rows, tmp_path / "log.csv"), tmp_path, "--select", "MG")
    got = {(r, c) for r, c in zip(found["rule_id"], found["case_id"], strict=True) if r in MG}
    assert got == expected


def _log(rows: list[dict], folder: Path) -> EventLog:
    rules = [REGISTRY[r] for r in MG]
    columns = set().union(*(r.columns for r in rules)) | {"unit_id"}
    return EventLog(load([write_canonical_csv(rows, folder / "log.csv")], columns=columns).events)


def _pairs(log: EventLog, params: dict | None = None) -> set[tuple[str, str]]:
    f = run(log, [REGISTRY[r] for r in MG], params=params).findings
    return set(zip(f["rule_id"], f["case_id"], strict=True))


@pytest.mark.parametrize(
    ("rows", "params", "expected"),
    [
        pytest.param(
            registered("O1", "objection", "2026-09-01 10:00:00") + mortgage("M1", "2026-09-17 10:00:00"),
            {"MG003": ObjectionParams(objection_hours=16 * 24)},
            {("MG003", "M1")},
            id="longer_objection_period",
        ),
        pytest.param(
            mortgage("M1", "2026-09-01 10:00:00") + mortgage("M2", "2026-09-20 10:00:00"),
            {"MG005": RapidMortgageParams(min_mortgages=2)},
            {("MG005", "M2")},
            id="two_mortgages_enough",
        ),
        pytest.param(
            mortgage("M1", "2026-09-01 10:00:00") + mortgage("M2", "2026-09-05 10:00:00"),
            {"MG005": RapidMortgageParams(min_mortgages=2, window_days=3)},
            set(),
            id="short_window",
        ),
        pytest.param(
            mortgage("M1", "2026-09-01 10:00:00", use_after="public"),
            {"MG002": CollateralParams(prohibited_uses=["public"])},
            {("MG002", "M1")},
            id="public_use_prohibited_by_config",
        ),
        pytest.param(
            mortgage("M1", "2026-09-01 10:00:00", mortgagee_type="individual"),
            {"MG006": MortgageeParams(non_financial_types=["company"])},
            set(),
            id="only_companies_flagged",
        ),
    ],
)
def test_parameters(rows: list[dict], params: dict, expected: set, tmp_path: Path) -> None:
    assert _pairs(_log(rows, tmp_path), params) == expected


def test_params_reject_unknown_values() -> None:
    with pytest.raises(ValueError):
        CollateralParams(prohibited_uses=["castle"])
    with pytest.raises(ValueError):
        RapidMortgageParams(window=30)


def test_evidence_carries_the_figures(tmp_path: Path) -> None:
    rows = (
        registered("S1", "seal", "2026-09-01 11:00:00")
        + registered("S2", "seal", "2026-09-02 11:00:00")
        + registered("U1", "unseal", "2026-09-03 11:00:00")
        + registered("O1", "objection", "2026-09-08 10:00:00")
        + mortgage("M0", "2026-09-09 10:00:00")
        + mortgage("M1", "2026-09-10 10:00:00", mortgage_amount="1300000", assessed_value="1000000")
        + mortgage("M2", "2026-09-10 10:00:00", mortgagee_type="individual", mortgagee="张某")
    )
    found = scan_findings(write_canonical_csv(rows, tmp_path / "log.csv"), tmp_path, "--select", "MG")
    by = {(r, c): (m, json.loads(e)) for r, c, m, e in found[["rule_id", "case_id", "message", "evidence"]].values}
    msg, ev = by[("MG001", "M1")]
    assert (ev["seals"], ev["unseals"], ev["last_seal_case"]) == (2, 1, "S2")
    assert "查封2次、解封1次" in msg
    msg, ev = by[("MG003", "M1")]
    assert (ev["objection_case"], ev["hours_elapsed"]) == ("O1", 48.0)
    assert "48小时" in msg
    msg, ev = by[("MG004", "M1")]
    assert (ev["mortgage_amount"], ev["assessed_value"], ev["excess"]) == (1300000, 1000000, 300000)
    assert "抵押金额1300000元高于评估价值1000000元（高出300000元）" in msg
    msg, ev = by[("MG005", "M2")]
    assert (ev["mortgages_in_window"], ev["first_in_window_case"]) == (3, "M0")
    msg, ev = by[("MG006", "M2")]
    assert ev["mortgagee_type"] == "individual"
    assert "张*" in msg and "自然人" in msg  # an individual's name is masked by default (tests/test_masking.py)
    assert ev["mortgagee"] == "张*"
    assert set(found.loc[found["case_id"] == "M1", "operator_id"]) == {"340104-D1"}
    assert set(found.loc[found["case_id"] == "M1", "event_time"]) == {"2026-09-10 10:00:00"}


# -- property: the vectorised unit history agrees with a brute-force loop ------------------------

BASE = dt.datetime(2026, 9, 1, 10, 0, 0)
KINDS = ("seal", "unseal", "objection", "objection_cancel", "mortgage", "mortgage", "mortgage", "transfer")
# registration times cluster at 15-day steps and one second either side: ties at the same second and
# differences of exactly 15 days (the objection period) and 30 days (the re-mortgage window) are common
OFFSETS = (dt.timedelta(seconds=-1), dt.timedelta(0), dt.timedelta(0), dt.timedelta(0), dt.timedelta(seconds=1))

history_case = st.tuples(
    st.sampled_from(KINDS),
    st.sampled_from((UNIT, UNIT, UNIT, OTHER_UNIT, None)),  # mostly one unit, so histories are dense
    # None = accepted, never registered
    st.one_of(st.none(), st.tuples(st.integers(0, 2), st.sampled_from(OFFSETS))),
)


def brute_force(cases: list[tuple[str, str | None, dt.datetime | None]]) -> set[tuple[str, str]]:
    out = set()
    for i, (kind, unit, t) in enumerate(cases):
        if kind != "mortgage" or t is None or unit is None:
            continue
        others = [(k, tr) for k, u, tr in cases if u == unit and tr is not None]
        before = [(k, tr) for k, tr in others if tr < t]
        if sum(k == "seal" for k, _ in before) > sum(k == "unseal" for k, _ in before):
            out.add(("MG001", f"C{i}"))
        for k, t_o in before:
            if k != "objection" or t - t_o > dt.timedelta(hours=360):
                continue
            if not any(k2 == "objection_cancel" and t_o < t2 < t for k2, t2 in others):
                out.add(("MG003", f"C{i}"))
        if sum(k == "mortgage" and t - dt.timedelta(days=30) < tr <= t for k, tr in others) >= 3:
            out.add(("MG005", f"C{i}"))
    return out


ZERO, ONE = dt.timedelta(0), dt.timedelta(seconds=1)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(history_case, min_size=1, max_size=16))
# the boundaries, always tried: a cancel at the objection's second, an objection exactly 15 days old,
# a mortgage exactly 30 days earlier, a seal and an unseal at the mortgage's second
@example([("objection", UNIT, (0, ZERO)), ("objection_cancel", UNIT, (0, ZERO)), ("mortgage", UNIT, (0, ONE))])
@example([("objection", UNIT, (0, ZERO)), ("mortgage", UNIT, (1, ZERO)), ("mortgage", UNIT, (1, ONE))])
@example([("mortgage", UNIT, (0, ZERO)), ("mortgage", UNIT, (1, ZERO)), ("mortgage", UNIT, (2, ZERO))])
@example([("seal", UNIT, (0, ZERO)), ("unseal", UNIT, (1, ZERO)), ("mortgage", UNIT, (1, ZERO))])
@example([("seal", UNIT, (1, ZERO)), ("mortgage", UNIT, (1, ZERO)), ("mortgage", OTHER_UNIT, (1, ONE))])
def test_unit_history_matches_brute_force(spec: list) -> None:
    cases = []
    rows: list[dict] = []
    for i, (kind, unit, when) in enumerate(spec):
        t = None if when is None else BASE + dt.timedelta(days=15 * when[0]) + when[1]
        cases.append((kind, unit, t))
        rows += registered(
            f"C{i}",
            kind,
            None if t is None else t.isoformat(sep=" "),
            unit=unit,
            accept=(BASE - dt.timedelta(days=1)).isoformat(sep=" "),
        )
    with tempfile.TemporaryDirectory() as tmp:
        log = _log(rows, Path(tmp))
    got = {p for p in _pairs(log) if p[0] in UNIT_RULES}
    assert got == brute_force(cases)
    try:
        from .oracle import oracle_findings
    except ImportError:  # the oracle is another helper's; the brute force above stands on its own
        return
    events = pd.DataFrame(rows)
    oracle = {p for p in oracle_findings(events) if p[0] in UNIT_RULES}
    assert got == oracle
