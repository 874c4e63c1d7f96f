"""The rule side of access messages and standard tables (sources.md §6): LG005, TL001's caveat, FE001's
exceptions. The logs are built as the message source builds them — events loaded by the real loader, the
EventLog carrying ``SourceInfo(form="messages", heads=..., lacks=...)`` — and the rules run through the
registry; end-to-end runs from message files come with the message reader."""

from __future__ import annotations

import io
import json
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console

from regcheck.engine import run
from regcheck.facts import SourceInfo
from regcheck.loaders import load
from regcheck.model import EventLog
from regcheck.rules import REGISTRY
from regcheck.summary import build_summary

from .conftest import write_canonical_csv

# what a message source cannot tell (sources.md §5, §6)
MESSAGE_LACKS = frozenset(
    {
        "queue_events",
        "priority",
        "event_seq",
        "open_cases",
        "approval_facts",
        "assessed_value",
        "query_events",
        "duplicate_rows",
        "suspensions",
    }
)
OFFICE = "340121"


def event_log(rows: list[dict], tmp: Path, source: SourceInfo | None = None) -> EventLog:
    loaded = load([write_canonical_csv(rows, tmp / "log.csv")])
    assert loaded.rejects.empty
    return EventLog(loaded.events, source=source)


def heads_of(ids: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"file": [f"Biz{i}.xml" for i in ids], "BizMsgID": ids, "AreaCode": OFFICE})


def messages(ids: list[str]) -> SourceInfo:
    return SourceInfo(form="messages", lacks=MESSAGE_LACKS, heads=heads_of(ids))


def one_case_log(tmp: Path, source: SourceInfo) -> EventLog:
    row = {"case_id": "C1", "office_code": OFFICE, "activity": "accept", "event_time": "2026-01-05 09:00:00"}
    return event_log([row, {**row, "activity": "register", "event_time": "2026-01-05 11:00:00"}], tmp, source)


def findings_of(log: EventLog, rule_id: str) -> pd.DataFrame:
    """The rule's own rows (with their finding key), as the engine receives them."""
    return REGISTRY[rule_id].run(log)


# --- LG005 ------------------------------------------------------------------------------------

# sources.md §6, LG005's worked cases, word for word: (ids read, expected keys and missing counts)
WORKED = [
    ("340121 260105 000001, 000002, 000005", ["000001", "000002", "000005"], [("340121:260105:3-4", 2)]),
    ("340121 260106 000002 only", ["000002"], [("340121:260106:1-1", 1)]),
    ("340121 260107 000001, 000002BBXZ, 000003", ["000001", "000002BBXZ", "000003"], []),
]


@pytest.mark.parametrize(("text", "seqs", "expected"), WORKED, ids=[w[0] for w in WORKED])
def test_lg005_worked_cases(text: str, seqs: list[str], expected: list[tuple[str, int]], tmp_path: Path) -> None:
    day = text.split()[1]
    log = one_case_log(tmp_path, messages([f"{OFFICE}{day}{s}" for s in seqs]))
    f = findings_of(log, "LG005")
    got = [(k, json.loads(e)["missing"]) for k, e in zip(f["key"], f["evidence"], strict=True)]
    assert got == expected, text
    for _, row in f.iterrows():
        assert row["office_code"] == OFFICE and row["case_id"] is None
        assert row["event_time"] == pd.Timestamp(f"20{day[:2]}-{day[2:4]}-{day[4:]}")


def test_lg005_finding_in_full(tmp_path: Path) -> None:
    log = one_case_log(tmp_path, messages(["340121260105000001", "340121260105000002", "340121260105000005"]))
    f = findings_of(log, "LG005")
    assert json.loads(f.loc[0, "evidence"]) == {
        "day": "2026-01-05",
        "yymmdd": "260105",  # as in the BizMsgID: the finding's key is area:yymmdd:first-last
        "first_missing": 3,
        "last_missing": 4,
        "missing": 2,
        "highest_seen": 5,
    }
    assert f.loc[0, "message"] == (
        "行政区340121于2026-01-05的接入报文序号000003至000004缺失（共2个，当日最大序号000005），"
        "可能有登簿未上报或报文被删除，请核查"
    )
    assert REGISTRY["LG005"].key_of(f.loc[0].to_dict()) == "340121:260105:3-4"
    table = run(log, [REGISTRY["LG005"]]).findings
    assert table[["rule_id", "title", "severity", "category", "basis"]].values.tolist() == [
        ["LG005", "报文序号缺口", "medium", "数据", "20"]
    ]


def test_lg005_duplicates_count_once_and_days_and_areas_apart(tmp_path: Path) -> None:
    ids = ["340121260105000002", "340121260105000002", "340121260105000002CBXZ", "340121260105000001BL"]
    ids += ["340122260105000003", "340121260106000001"]  # another area, another day: their own numbering
    f = findings_of(one_case_log(tmp_path, messages(ids)), "LG005")
    assert f["key"].tolist() == ["340122:260105:1-2"]
    assert f["office_code"].tolist() == ["340122"]


BAD_IDS = ["34012126010500000", "3401212601050000012", "340121260105000003XX", "34012126010500000A", "", None]
BAD_IDS += ["340121261399000001"]  # 18 digits, but 26-13-99 is no day


def test_lg005_does_not_count_malformed_ids_and_the_summary_says_how_many(tmp_path: Path) -> None:
    ids = ["340121260105000001", " 340121260105000003 ", *BAD_IDS]
    log = one_case_log(tmp_path, messages(ids))  # type: ignore[arg-type]
    assert findings_of(log, "LG005")["key"].tolist() == ["340121:260105:2-2"]  # bad ids fill no gap, open none
    result = run(log, [REGISTRY["LG005"]])
    summary = build_summary(findings=result.findings, log=log, ran=result.ran)
    assert summary.to_json()["message_ids_not_counted"] == len(BAD_IDS)
    out = io.StringIO()
    summary.print_text(Console(file=out, width=200))
    assert f"报文编号 BizMsgID: {len(BAD_IDS)} 个不是18位数字加后缀，LG005未计入" in out.getvalue()


def test_lg005_summary_is_silent_without_message_heads(tmp_path: Path) -> None:
    log = one_case_log(tmp_path, SourceInfo())
    result = run(log, [REGISTRY["LG005"]])
    assert result.findings.empty
    summary = build_summary(findings=result.findings, log=log, ran=result.ran)
    assert summary.to_json()["message_ids_not_counted"] is None
    out = io.StringIO()
    summary.print_text(Console(file=out, width=200))
    assert "BizMsgID" not in out.getvalue()


def expected_gaps(ids: list[tuple[int, int, int, str]]) -> set[str]:
    """Keys of the runs of numbers missing between 1 and the highest, per area and day (sources.md §6)."""
    seen: dict[tuple[str, str], set[int]] = {}
    for area, day, seq, _suffix in ids:
        seen.setdefault((f"34012{area}", f"2601{day:02d}"), set()).add(seq)
    keys = set()
    for (area, day), present in seen.items():
        missing = sorted(set(range(1, max(present) + 1)) - present)
        runs: list[list[int]] = []
        for n in missing:
            if runs and runs[-1][1] == n - 1:
                runs[-1][1] = n
            else:
                runs.append([n, n])
        keys |= {f"{area}:{day}:{a}-{b}" for a, b in runs}
    return keys


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.integers(1, 2), st.integers(1, 3), st.integers(1, 30), st.sampled_from(["", "", "BBXZ", "CBXZ", "BL"])
        ),
        min_size=1,
        max_size=30,
    ),
    st.lists(st.sampled_from(BAD_IDS), max_size=3),
)
def test_lg005_reports_exactly_the_missing_numbers(ids: list[tuple[int, int, int, str]], bad: list) -> None:
    text = [f"34012{a}2601{d:02d}{s:06d}{x}" for a, d, s, x in ids] + bad
    with tempfile.TemporaryDirectory() as tmp:
        log = one_case_log(Path(tmp), messages(text))
    f = findings_of(log, "LG005")
    assert set(f["key"]) == expected_gaps(ids) and f["key"].is_unique
    total = sum(json.loads(e)["missing"] for e in f["evidence"])
    assert total == sum(len(set(range(1, max(s) + 1)) - s) for s in _by_day(ids).values())


def _by_day(ids: list[tuple[int, int, int, str]]) -> dict[tuple[int, int], set[int]]:
    out: dict[tuple[int, int], set[int]] = {}
    for a, d, s, _ in ids:
        out.setdefault((a, d), set()).add(s)
    return out


# --- TL001 on a source without suspensions -------------------------------------------------------

CAVEAT = "数据源无中止记录，请核实是否有公告/补正等中止"


def late_transfer(tmp: Path, source: SourceInfo | None) -> EventLog:
    row = {"case_id": "C1", "office_code": OFFICE, "business_type": "transfer"}
    rows = [
        {**row, "activity": "accept", "event_time": "2026-09-07 09:00:00"},
        {**row, "activity": "register", "event_time": "2026-09-15 10:00:00"},  # 6 working days > 5
    ]
    return event_log(rows, tmp, source)


def test_tl001_on_messages_carries_the_suspension_caveat(tmp_path: Path) -> None:
    f = findings_of(late_transfer(tmp_path, SourceInfo(form="messages", lacks=MESSAGE_LACKS)), "TL001")
    assert len(f) == 1
    assert f.loc[0, "message"].endswith("；" + CAVEAT)
    evidence = json.loads(f.loc[0, "evidence"])
    assert evidence["suspensions"] == "unknown in source" and evidence["over"] == 1


def test_tl001_on_a_flat_log_has_no_caveat(tmp_path: Path) -> None:
    f = findings_of(late_transfer(tmp_path, None), "TL001")
    assert len(f) == 1 and CAVEAT not in f.loc[0, "message"]
    assert "suspensions" not in json.loads(f.loc[0, "evidence"])


# --- FE001 on a source without change facts and with FWYT uses -----------------------------------


def fee_case(cid: str, business_type: str, use_after: str, fee: str) -> list[dict]:
    row = {"case_id": cid, "office_code": OFFICE, "business_type": business_type, "use_after": use_after}
    return [
        {**row, "activity": "accept", "event_time": "2026-09-08 09:00:00"},
        {**row, "activity": "charge", "event_time": "2026-09-08 09:30:00", "fee_charged": fee},
    ]


FEE_CASES = {
    "wrong": fee_case("wrong", "transfer", "residential", "550"),  # standard 80: FE001 everywhere
    "change": fee_case("change", "change", "residential", "40"),  # a split would halve 80: unknown on messages
    "other": fee_case("other", "transfer", "other", "0.5"),  # FWYT 其它 may be 宅基地
    "blank": fee_case("blank", "first", "", "10"),  # no use
    "free": fee_case("free", "mortgage_cancel", "residential", "80"),  # FE002 runs on messages too
}


@pytest.mark.parametrize(
    ("source", "fe001"),
    [
        (None, {"wrong", "change", "other", "blank"}),
        (SourceInfo(form="messages", lacks=MESSAGE_LACKS), {"wrong"}),
        (SourceInfo(form="tables", lacks=MESSAGE_LACKS | {"message_heads"}), {"wrong"}),
    ],
    ids=["log", "messages", "tables"],
)
def test_fe001_exceptions_on_sources(source: SourceInfo | None, fe001: set[str], tmp_path: Path) -> None:
    log = event_log([r for rows in FEE_CASES.values() for r in rows], tmp_path, source)
    f = run(log, [REGISTRY["FE001"], REGISTRY["FE002"]]).findings
    assert set(f.loc[f["rule_id"] == "FE001", "case_id"]) == fe001
    assert set(f.loc[f["rule_id"] == "FE002", "case_id"]) == {"free"}
