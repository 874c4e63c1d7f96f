"""From the rows of the standard tables to events and case attributes (spec/sources.md §2–§5, issue 15).

Every test builds a small RawRows by hand — what the message, table-file and database readers
produce — and runs the real mapping, regcheck.sources.events.to_load.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from regcheck.loaders.profile import Profile, SourceOptions
from regcheck.loaders.read import load
from regcheck.masking import Masker
from regcheck.model import EventLog
from regcheck.schema import CANONICAL
from regcheck.sources import FILE, MESSAGE_CASE, ORDER, ROW, RawRows
from regcheck.sources.events import FWYT_USES, LACKS, to_load
from tests.conftest import write_canonical_csv

UNIT = "340102001001GB00001F00010001"


class Source:
    """A RawRows under construction: rows added table by table, input order as added."""

    def __init__(self, form: str = "messages") -> None:
        self.form = form
        self.rows: dict[str, list[dict]] = {}
        self.heads: list[dict] = []
        self.order = 0

    def add(self, table: str, file: str = "Biz1.xml", case: str | None = "C1", **values: str | None) -> Source:
        self.order += 1
        row = {**values, FILE: file, ROW: self.order + 1, ORDER: self.order, MESSAGE_CASE: case}
        self.rows.setdefault(table, []).append(row)
        return self

    def head(self, file: str = "Biz1.xml", **values: str) -> Source:
        self.order += 1
        self.heads.append({FILE: file, ORDER: self.order, **values})
        return self

    def raw(self) -> RawRows:
        """The rows as a reader gives them; the table form as table files read in name order."""
        tables = {}
        start = 0
        for name, rows in sorted(self.rows.items()) if self.form == "tables" else self.rows.items():
            frame = pd.DataFrame(rows)
            attrs = [c for c in frame.columns if not c.startswith("_")]
            frame[attrs] = frame[attrs].astype(object).where(frame[attrs].notna(), None)
            if self.form == "tables":
                frame[MESSAGE_CASE] = None
                frame[FILE] = f"{name}.csv"
                frame[ROW] = range(2, len(frame) + 2)
                frame[ORDER] = range(start, start + len(frame))
                start += len(frame)
            tables[name] = frame
        heads = pd.DataFrame(self.heads)
        return RawRows(
            form=self.form, tables=tables, heads=heads, files=sorted({r[FILE] for v in self.rows.values() for r in v})
        )

    def load(self, profile: Profile | None = None):
        return to_load(self.raw(), profile)


def accepted(src: Source | None = None, case: str = "C1", **values: str) -> Source:
    src = src or Source()
    row = {"YWH": case, "QXDM": "340102", "SLRY": "张受理", "SLSJ": "2026-01-05T09:00:00", **values}
    return src.add("DJT_DJ_SLSQ", case=case, **row)


def cases(result) -> pd.DataFrame:
    return EventLog(result.events).cases.set_index("case_id")


def check_counts(counts: pd.DataFrame) -> None:
    total = counts[["used", "merged", "rejected", "ignored"]].sum(axis=1)
    assert (counts["read"] == total).all(), counts


# --- events (§4) ---------------------------------------------------------------------------------


def test_a_case_gives_the_events_the_flat_log_would_with_the_same_types(tmp_path: Path) -> None:
    src = accepted(DJDL="200")
    src.add("DJF_DJ_SH", YWH="C1", JDMC=" 初审 ", SXH="1", SHRYXM="李审核", SHKSSJ="2026-01-06T09:00:00",
            SHJSSJ="2026-01-06T10:00:00+08:00")  # fmt: skip
    src.add("DJF_DJ_SH", YWH="C1", JDMC="核定", SXH="2", SHRYXM="王核定", SHKSSJ="2026-01-06T11:00:00")
    src.add("QLT_FW_FDCQ_YZ", YWH="C1", BDCDYH=UNIT, DJLX="200", DJSJ="2026-01-07T15:00:00", DBR="王登簿",
            GHYT="11", QLXZ="102")  # fmt: skip
    src.add("DJF_DJ_SZ", YWH="C1", SZRY="缮证员", SZSJ="2026-01-08")
    src.add("DJF_DJ_FZ", YWH="C1", FZRY="发证员", FZSJ="2026-01-09T10:00:00.500")
    src.add("DJF_DJ_SF", YWH="C1", SFRY="收费员", SFRQ="2026-01-05T09:30:00", SSJE="80")
    src.add("DJF_DJ_GD", YWH="C1", GDRY="归档员", GDSJ="2026-01-10T08:00:00")
    result, counts = src.load()
    ev = result.events
    assert ev["activity"].tolist() == [
        "accept",
        "review",
        "review",
        "register",
        "certify",
        "issue",
        "charge",
        "archive",
    ]
    assert ev["operator_id"].tolist() == [
        "张受理",
        "李审核",
        "王核定",
        "王登簿",
        "缮证员",
        "发证员",
        "收费员",
        "归档员",
    ]
    assert ev["step"].tolist()[1:3] == ["first_review", "approve"]  # JDMC, normalised as the schema's `step`
    times = ev["event_time"].dt.strftime("%Y-%m-%d %H:%M:%S.%f").str[:23].tolist()
    assert times[1:3] == ["2026-01-06 10:00:00.000", "2026-01-06 11:00:00.000"]  # SHJSSJ, else SHKSSJ
    assert times[5] == "2026-01-09 10:00:00.500"
    assert ev["_row"].tolist() == list(range(8))
    assert result.rejects.empty and result.rows_read == 8
    check_counts(counts)
    # the same facts as a flat log: the same columns, dtypes and values
    flat_rows = ev[list(CANONICAL)].astype(object).where(ev[list(CANONICAL)].notna(), "")
    flat_rows["event_time"] = ev["event_time"].dt.strftime("%Y-%m-%d %H:%M:%S.%f")
    path = write_canonical_csv(flat_rows.to_dict("records"), tmp_path / "flat.csv")
    flat = load([path]).events
    pd.testing.assert_frame_equal(ev[list(CANONICAL)], flat[list(CANONICAL)], check_categorical=False)
    assert list(ev[list(CANONICAL)].dtypes) == list(flat[list(CANONICAL)].dtypes)


def test_review_rows_are_ordered_by_sxh_for_ties() -> None:
    src = accepted()
    for sxh, who in (("3", "丙"), ("1", "甲"), ("2", "乙")):
        src.add("DJF_DJ_SH", YWH="C1", JDMC="审核", SXH=sxh, SHRYXM=who, SHJSSJ="2026-01-06T10:00:00")
    log = EventLog(src.load()[0].events)
    reviews = log.events[log.events["activity"] == "review"]
    assert reviews["operator_id"].tolist() == ["甲", "乙", "丙"]


def test_register_is_the_earliest_djsj_over_right_rows_else_the_book() -> None:
    src = accepted()
    src.add("QLT_FW_FDCQ_YZ", YWH="C1", BDCDYH=UNIT, DJSJ="2026-01-08T10:00:00", DBR="后")
    src.add("QLF_QL_DYAQ", YWH="C1", BDCDYH=UNIT, DJSJ="2026-01-07T10:00:00", DBR="先")
    src.add("DJF_DJ_DB", YWH="C1", DBRYXM="登簿表", DBSJ="2026-01-06T10:00:00")
    accepted(src, "C2").add("DJF_DJ_DB", case="C2", YWH="C2", DBRYXM="登簿表", DBSJ="2026-01-06T10:00:00")
    ev = src.load()[0].events
    reg = ev[ev["activity"] == "register"].set_index("case_id")
    assert reg.loc["C1", "operator_id"] == "先" and str(reg.loc["C1", "event_time"]) == "2026-01-07 10:00:00"
    assert reg.loc["C2", "operator_id"] == "登簿表" and len(reg) == 2


# --- §2: empty values, times, duplicates ---------------------------------------------------------


@pytest.mark.parametrize("value", ["", "  ", "/", "无", "-1", "1900-01-01", "1900-01-01T00:00:00", None])
def test_placeholders_are_missing(value: str | None) -> None:
    src = accepted(SLSJ=value, QXDM=value).head(AreaCode="340103", RecFlowID="C1")
    src.add("DJF_DJ_GD", YWH="C1", GDRY="归档员", GDSJ="2026-01-10T08:00:00")
    result, counts = src.load()
    assert result.rejects[["column", "reason"]].values.tolist() == [["DJT_DJ_SLSQ.SLSJ", "event time is empty"]]
    # the acceptance row rejected for its time still makes the case: its other rows stay, office from the Head
    assert result.events["activity"].tolist() == ["archive"]
    assert result.events["office_code"].tolist() == ["340103"]
    check_counts(counts)


@pytest.mark.parametrize(
    "text",
    ["2019-06-14T10:30:18", "2019-06-14T10:30:18+08:00", "2019-06-14T02:30:18Z", "2019-06-14T10:30:18.000",
     "2019-06-14 10:30:18"],
)  # fmt: skip
def test_times_with_and_without_offset_and_fraction(text: str) -> None:
    ev = accepted(SLSJ=text).load()[0].events
    assert str(ev["event_time"].iat[0]) == "2019-06-14 10:30:18"


def test_a_date_alone_is_midnight_and_an_unreadable_time_is_rejected_with_its_table_and_row() -> None:
    src = accepted(SLSJ="2019-06-14")
    src.add("DJF_DJ_SZ", file="Biz2.xml", YWH="C1", SZRY="缮证员", SZSJ="2019-13-45")
    result, _ = src.load()
    assert str(result.events["event_time"].iat[0]) == "2019-06-14 00:00:00"
    rej = result.rejects.iloc[0]
    assert (rej["file"], rej["row"], rej["column"], rej["value"]) == ("Biz2.xml", 3, "DJF_DJ_SZ.SZSJ", "2019-13-45")
    assert rej["reason"] == "time not understood"


def test_identical_duplicate_rows_of_one_case_are_merged_and_counted() -> None:
    src = accepted()
    accepted(src, file="Biz2.xml")  # the same acceptance row in another message of the case: merged
    for file in ("Biz1.xml", "Biz2.xml"):
        src.add("DJF_DJ_SF", file=file, YWH="C1", SFRY="收费员", SFRQ="2026-01-05T09:30:00", SSJE="80")
    src.add("DJF_DJ_SF", YWH="C1", SFRY="收费员", SFRQ="2026-01-05T09:30:00", SSJE="20")  # differs: kept
    accepted(src, "C2", SLSJ="2026-01-05T09:00:00")  # the same values in another case: not merged
    result, counts = src.load()
    by = counts.set_index("table")
    assert by.loc["DJT_DJ_SLSQ", ["read", "used", "merged"]].tolist() == [3, 2, 1]
    assert by.loc["DJF_DJ_SF", ["read", "used", "merged"]].tolist() == [3, 2, 1]
    assert cases(result).loc["C1", "fee_charged"] == 100
    assert len(result.events) == 4
    check_counts(counts)


def test_rows_of_split_messages_are_one_case() -> None:
    src = Source()
    src.head("Biz1.xml", RecFlowID="C1-1", EstateNum=UNIT, BizMsgID="340102260105000001")
    src.add("DJT_DJ_SLSQ", "Biz1.xml", case="C1", QXDM="340102", SLRY="甲", SLSJ="2026-01-05T09:00:00")
    src.head("Biz2.xml", RecFlowID="C1-2", BizMsgID="340102260105000002")
    src.add("DJT_DJ_SLSQ", "Biz2.xml", case="C1", QXDM="340102", SLRY="甲", SLSJ="2026-01-05T09:00:00")
    src.add("QLF_QL_DYAQ", "Biz2.xml", case="C1", DJSJ="2026-01-07", DBR="乙", BDBZZQSE="10")
    result, counts = src.load()
    assert set(result.events["case_id"]) == {"C1"} and len(result.events) == 2
    assert cases(result).loc["C1", "unit_id"] == UNIT  # Head EstateNum of the case's first message
    assert result.source.heads["BizMsgID"].tolist() == ["340102260105000001", "340102260105000002"]
    assert counts.set_index("table").loc["DJT_DJ_SLSQ", "merged"] == 1


# --- §3: two name generations, rejects ------------------------------------------------------------


def test_the_older_generation_djt_dj_sl_reads_as_slsq_with_djlx_as_djdl() -> None:
    old = Source().add("DJT_DJ_SL", YWH="C1", QXDM="340102", SLRY="甲", SLSJ="2026-01-05T09:00:00", DJLX="200")
    new = Source().add("DJT_DJ_SLSQ", YWH="C1", QXDM="340102", SLRY="甲", SLSJ="2026-01-05T09:00:00", DJDL="200")
    (old_result, old_counts), (new_result, _) = old.load(), new.load()
    pd.testing.assert_frame_equal(old_result.events, new_result.events)
    assert cases(old_result).loc["C1", "business_type"] == "transfer"
    assert old_counts["table"].tolist() == ["DJT_DJ_SL"]


def test_table_form_rejects_rows_without_ywh_or_without_an_acceptance_row() -> None:
    src = Source("tables")
    src.add("DJT_DJ_SLSQ", "DJT_DJ_SLSQ.csv", YWH="C1", QXDM="340102", SLRY="甲", SLSJ="bad time")
    src.add("DJF_DJ_GD", "DJF_DJ_GD.csv", YWH="C1", GDRY="乙", GDSJ="2026-01-10T08:00:00")
    src.add("DJF_DJ_GD", "DJF_DJ_GD.csv", YWH="/", GDRY="乙", GDSJ="2026-01-10T08:00:00")
    src.add("DJF_DJ_GD", "DJF_DJ_GD.csv", YWH="C9", GDRY="乙", GDSJ="2026-01-10T08:00:00")
    src.add("ZTT_GY_QLR", "ZTT_GY_QLR.csv", YWH="C9", QLRMC="某公司", QLRLX="2")
    src.add("ZDK_ZD", "ZDK_ZD.csv", YWH="C1", ZDDM="x")  # a table regcheck does not read
    result, counts = src.load()
    rej = result.rejects
    # in input order: the table files in name order, each in its row order
    assert rej["reason"].tolist() == [
        "no YWH",
        "no acceptance row for this case",
        "time not understood",
        "no acceptance row for this case",
    ]
    assert rej["column"].tolist() == ["DJF_DJ_GD.YWH", "DJF_DJ_GD.YWH", "DJT_DJ_SLSQ.SLSJ", "ZTT_GY_QLR.YWH"]
    assert rej[["file", "row"]].values.tolist()[:3] == [
        ["DJF_DJ_GD.csv", 3],
        ["DJF_DJ_GD.csv", 4],
        ["DJT_DJ_SLSQ.csv", 2],
    ]
    assert result.events[["case_id", "activity"]].values.tolist() == [["C1", "archive"]]  # C1 kept: acceptance present
    assert result.events["office_code"].tolist() == ["340102"]  # table form: QXDM of any row of the case
    by = counts.set_index("table")
    assert by.loc["DJF_DJ_GD", ["read", "used", "rejected"]].tolist() == [3, 1, 2]
    assert by.loc["ZDK_ZD", ["read", "ignored"]].tolist() == [1, 1]
    assert counts.columns.name is None and list(counts.columns) == [
        "table",
        "read",
        "used",
        "merged",
        "rejected",
        "ignored",
    ]
    assert result.rows_read == 6 and result.rows_rejected == 4
    check_counts(counts)
    assert result.source.form == "tables" and result.source.lacks == LACKS["tables"]


def test_in_xml_a_row_without_ywh_belongs_to_its_message_case() -> None:
    src = accepted().add("DJF_DJ_GD", case="C1", GDRY="乙", GDSJ="2026-01-10T08:00:00")
    result, _ = src.load()
    assert result.events["case_id"].tolist() == ["C1", "C1"]
    assert "message_heads" not in result.source.lacks and "queue_events" in result.source.lacks


def test_a_message_without_acceptance_row_rejects_every_row() -> None:
    src = (
        Source().add("DJF_DJ_SZ", YWH="C1", SZRY="甲", SZSJ="2026-01-08").add("DJF_DJ_GD", GDRY="乙", GDSJ="2026-01-10")
    )
    result, counts = src.load()
    assert result.events.empty and result.rejects["reason"].eq("no acceptance row for this case").all()
    assert len(result.rejects) == 2
    check_counts(counts)


# --- §5: case attributes ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "right", "djdl", "expected"),
    [
        ("QLF_QL_DYAQ", {"DJLX": "100"}, None, "mortgage"),
        ("QLF_QL_DYAQ", {"DJLX": "400"}, None, "mortgage_cancel"),
        ("QLF_QL_DYAQ", {}, "400", "mortgage_cancel"),  # the right row lacks DJLX: the acceptance's DJDL
        ("QLF_QL_CFDJ", {"JFYWH": "C1"}, None, "unseal"),
        ("QLF_QL_CFDJ", {"JFYWH": "OTHER"}, None, "seal"),
        ("QLF_QL_YYDJ", {"DJLX": "400"}, None, "objection_cancel"),
        ("QLF_QL_YYDJ", {"ZXYYYWH": "C1"}, None, "objection_cancel"),
        ("QLF_QL_YYDJ", {"DJLX": "600"}, None, "objection"),
        ("QLF_QL_YGDJ", {"DJLX": "100"}, None, "prenotice"),
        *[("QLT_FW_FDCQ_YZ", {"DJLX": c}, None, t) for c, t in [("100", "first"), ("200", "transfer"),
          ("300", "change"), ("400", "cancel"), ("500", "correction"), ("600", "objection"), ("700", "prenotice"),
          ("800", "seal"), ("900", None), ("首次登记", "first")]],
        ("QLT_FW_FDCQ_YZ", {}, "300", "change"),
        (None, {}, "200", "transfer"),
        (None, {}, None, "head:800"),  # no DJLX anywhere but the Head's RegType
    ],
)  # fmt: skip
def test_business_type_every_branch(table: str | None, right: dict, djdl: str | None, expected: str | None) -> None:
    src = accepted(DJDL=djdl)
    if expected == "head:800":
        src.head(RecFlowID="C1-1", RegType="800")
        expected = "seal"
    if table:
        src.add(table, YWH="C1", DJSJ="2026-01-07", DBR="乙", **right)
    value = cases(src.load()[0]).loc["C1", "business_type"]
    assert (None if pd.isna(value) else value) == expected


def test_the_mortgage_table_decides_before_the_property_table() -> None:
    src = accepted().add("QLT_FW_FDCQ_YZ", YWH="C1", DJLX="200", DJSJ="2026-01-07")
    src.add("QLF_QL_DYAQ", YWH="C1", DJLX="100", DJSJ="2026-01-07")
    assert cases(src.load()[0]).loc["C1", "business_type"] == "mortgage"


@pytest.mark.parametrize("code", sorted(FWYT_USES))
def test_use_after_every_fwyt_code(code: str) -> None:
    expected = {"10": "residential", "22": "public", "41": "education", "42": "medical", "60": "office"}
    src = accepted().add("QLT_FW_FDCQ_YZ", YWH="C1", DJSJ="2026-01-07", GHYT=code)
    use = cases(src.load()[0]).loc["C1", "use_after"]
    assert use == FWYT_USES[code] and use == expected.get(code, use)


@pytest.mark.parametrize(
    ("label", "use"),
    [("住宅", "residential"), ("成套住宅", "residential"), ("工业", "industrial"), ("商业服务", "commercial"),
     ("办公", "office"), ("其它", "other"), ("涉外", "other"), ("医疗卫生", "medical"), ("99", None)],
)  # fmt: skip
def test_use_after_chinese_labels_map_like_their_code(label: str, use: str | None) -> None:
    src = accepted().add("QLT_FW_FDCQ_YZ", YWH="C1", DJSJ="2026-01-07", GHYT=label)
    value = cases(src.load()[0]).loc["C1", "use_after"]
    assert (None if pd.isna(value) else value) == use


@pytest.mark.parametrize(("qlxz", "nature"), [("100", "state"), ("102", "state"), ("107", "state"),
                                              ("200", "collective"), ("205", "collective"), ("300", None)])  # fmt: skip
def test_land_nature(qlxz: str, nature: str | None) -> None:
    src = accepted().add("QLF_QL_JSYDSYQ", YWH="C1", DJSJ="2026-01-07", QLXZ=qlxz)
    value = cases(src.load()[0]).loc["C1", "land_nature"]
    assert (None if pd.isna(value) else value) == nature


@pytest.mark.parametrize(
    ("dyaq", "yuan"),
    [({"BDBZZQSE": "123.4567"}, 1234567.0), ({"BDBZZQSE": "0.0001"}, 1.0),
     ({"BDBZZQSE": "12345678.9012"}, 123456789012.0),
     ({"BDBZZQSE": "50", "ZGZQSE": "80", "DYFS": "2"}, 800000.0), ({"BDBZZQSE": "/", "ZGZQSE": "80"}, 800000.0),
     ({"BDBZZQSE": "50", "ZGZQSE": "80", "DYFS": "1"}, 500000.0), ({"BDBZZQSE": "0.1"}, 1000.0)],
)  # fmt: skip
def test_mortgage_amount_in_yuan_exactly(dyaq: dict, yuan: float) -> None:
    src = accepted().add("QLF_QL_DYAQ", YWH="C1", DJSJ="2026-01-07", **dyaq)
    assert cases(src.load()[0]).loc["C1", "mortgage_amount"] == yuan  # exact: no 0.1 * 10000 float noise


def test_an_amount_that_is_no_number_rejects_its_row() -> None:
    src = accepted().add("QLF_QL_DYAQ", YWH="C1", DJSJ="2026-01-07", DBR="乙", BDBZZQSE="十万")
    result, counts = src.load()
    assert result.rejects[["column", "value"]].values.tolist() == [["QLF_QL_DYAQ.BDBZZQSE", "十万"]]
    assert result.events["activity"].tolist() == ["accept"]
    check_counts(counts)


@pytest.mark.parametrize(
    ("name", "qlrlx", "kind"),
    [("张三", "1", "individual"), ("张三", "个人", "individual"), ("中国建设银行股份有限公司合肥分行", "2", "bank"),
     ("肥西县农村信用合作联社", "2", "bank"), ("安徽国元信托有限责任公司", "2", "financial"),
     ("合肥住房公积金管理中心", "3", "financial"), ("某某小额贷款有限公司", None, "financial"),
     ("合肥某某置业有限公司", "2", "company"), ("某某典当行", "2", "company")],
)  # fmt: skip
def test_mortgagee_and_its_type(name: str, qlrlx: str | None, kind: str) -> None:
    src = accepted().add("QLF_QL_DYAQ", YWH="C1", DJSJ="2026-01-07")
    src.add("ZTT_GY_QLR", YWH="C1", SXH="2", QLRMC="第二权利人", QLRLX="2")
    src.add("ZTT_GY_QLR", YWH="C1", SXH="1", QLRMC=name, QLRLX=qlrlx)
    case = cases(src.load()[0]).loc["C1"]
    assert (case["mortgagee"], case["mortgagee_type"]) == (name, kind)


def test_a_profile_extends_the_mortgagee_words() -> None:
    src = accepted().add("QLF_QL_DYAQ", YWH="C1", DJSJ="2026-01-07")
    src.add("ZTT_GY_QLR", YWH="C1", SXH="1", QLRMC="某某典当行", QLRLX="2")
    profile = Profile(sources=SourceOptions(financial_words=["典当"]))
    assert cases(src.load(profile)[0]).loc["C1", "mortgagee_type"] == "financial"


def test_no_mortgagee_outside_mortgage_cases() -> None:
    src = accepted().add("QLT_FW_FDCQ_YZ", YWH="C1", DJLX="200", DJSJ="2026-01-07")
    src.add("ZTT_GY_QLR", YWH="C1", SXH="1", QLRMC="某银行", QLRLX="2")
    assert pd.isna(cases(src.load()[0]).loc["C1", "mortgagee"])


def test_fee_charged_sums_ssje_exactly_and_is_missing_without_one() -> None:
    src = accepted()
    for ssje in ("0.1", "0.2", None):
        src.add("DJF_DJ_SF", YWH="C1", SFRY="收", SFRQ="2026-01-05", SSJE=ssje)
    accepted(src, "C2").add("DJF_DJ_SF", case="C2", YWH="C2", SFRY="收", SFRQ="2026-01-05", SSJE="/")
    accepted(src, "C3")
    table = cases(src.load()[0])
    assert table.loc["C1", "fee_charged"] == 0.3  # the decimal 0.3, not 0.1 + 0.2 = 0.30000000000000004
    assert pd.isna(table.loc["C2", "fee_charged"]) and pd.isna(table.loc["C3", "fee_charged"])


def test_office_code_of_the_acceptance_row_before_the_head() -> None:
    src = accepted(QXDM="340102").head(RecFlowID="C1", AreaCode="340103")
    assert cases(src.load()[0]).loc["C1", "office_code"] == "340102"


# --- issue item 5: parties masked, staff not -------------------------------------------------------


def test_parties_names_ids_and_phones_are_masked_staff_are_not() -> None:
    src = accepted(SLRY="张受理")
    src.add("QLF_QL_DYAQ", YWH="C1", DJSJ="2026-01-07", DBR="王登簿")
    src.add("ZTT_GY_QLR", YWH="C1", SXH="1", QLRMC="中国银行", QLRLX="2", ZJH="91340100MA2XXXXX0X", DH="0551-62345678")
    src.add("ZTT_GY_QLR", YWH="C1", SXH="2", QLRMC="欧阳娜娜", QLRLX="1", ZJH="G12345678", DH="13812345678")
    src.add("DJF_DJ_SQR", YWH="C1", QLRMC="李四", QLRLX="1", DLRXM="赵代理")
    result, _ = src.load()
    masker = Masker.from_data(result.events, source=result.source)
    text = pd.Series(["欧阳娜娜 G12345678 0551-62345678 李四 赵代理 中国银行 张受理 王登簿"])
    assert masker.text(text).iat[0] == "欧*** G******** 0************ 李* 赵** 中国银行 张受理 王登簿"


# --- properties ---------------------------------------------------------------------------------------


def _mixed_source(form: str) -> Source:
    src = Source(form)
    for k, case in enumerate(("A1", "A2", "A3")):
        file = f"{case}.xml"
        src.add("DJT_DJ_SLSQ", file, case, YWH=case, QXDM="340102", SLRY="甲", SLSJ=f"2026-01-0{k + 1}T09:00:00")
        src.add("DJF_DJ_SH", file, case, YWH=case, JDMC="初审", SXH="1", SHRYXM="乙", SHJSSJ="2026-01-06T10:00:00")
        src.add("DJF_DJ_SH", file, case, YWH=case, JDMC="复审", SXH="2", SHRYXM="丙", SHJSSJ="2026-01-06T10:00:00")
        src.add("QLF_QL_DYAQ", file, case, YWH=case, DJSJ="2026-01-07", DBR="丁", BDBZZQSE=f"{k}.5", GHYT="10")
        src.add("ZTT_GY_QLR", file, case, YWH=case, SXH="1", QLRMC="某银行", QLRLX="2")
        src.add("DJF_DJ_SF", file, case, YWH=case, SFRY="戊", SFRQ="2026-01-05", SSJE="80")
        src.add("DJF_DJ_SF", file, case, YWH=case, SFRY="戊", SFRQ="2026-01-05", SSJE="80")  # duplicate
    src.add("DJF_DJ_GD", "A9.xml", "A9", YWH="A9", GDRY="己", GDSJ="2026-01-10")  # no acceptance row
    return src


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.randoms(use_true_random=False))
def test_row_order_within_tables_changes_nothing_but_the_order_keys(rnd) -> None:
    raw = _mixed_source("messages").raw()
    tables = {n: f.sample(frac=1, random_state=rnd.randint(0, 2**31)) for n, f in raw.tables.items()}
    shuffled = RawRows(raw.form, tables, raw.heads, raw.rejects, raw.files)
    (a, counts_a), (b, counts_b) = to_load(raw), to_load(shuffled)
    pd.testing.assert_frame_equal(a.events, b.events)
    pd.testing.assert_frame_equal(a.rejects, b.rejects)
    pd.testing.assert_frame_equal(counts_a, counts_b)


def test_table_form_and_xml_form_of_the_same_cases_give_the_same_events() -> None:
    (xml, xml_counts), (tables, table_counts) = _mixed_source("messages").load(), _mixed_source("tables").load()
    drop = ["_file", "_line"]
    pd.testing.assert_frame_equal(xml.events.drop(columns=drop), tables.events.drop(columns=drop))
    pd.testing.assert_frame_equal(
        xml.rejects.drop(columns=["file", "row"]), tables.rejects.drop(columns=["file", "row"])
    )
    pd.testing.assert_frame_equal(xml_counts, table_counts)
    assert xml_counts.set_index("table")["merged"].to_dict() == {
        t: 3 if t == "DJF_DJ_SF" else 0 for t in xml_counts["table"]
    }
    assert xml.source.lacks | {"message_heads"} == tables.source.lacks


@st.composite
def case_specs(draw) -> list[dict]:
    """A few cases, each with a random mix of the tables: acceptance (or none, or a bad time), reviews with
    SXH, a right table, fees (sometimes duplicated), certify/issue/archive, parties."""
    specs = []
    for k in range(draw(st.integers(1, 4))):
        specs.append(
            {
                "case": f"Y{k}",
                "accept": draw(st.sampled_from(["ok", "ok", "none", "bad"])),
                "reviews": draw(st.lists(st.tuples(st.sampled_from(["1", "2", "3", None]), st.sampled_from("甲乙")),
                                         max_size=3)),
                "right": draw(st.sampled_from([None, "QLF_QL_DYAQ", "QLF_QL_CFDJ", "QLF_QL_YYDJ", "QLT_FW_FDCQ_YZ"])),
                "djlx": draw(st.sampled_from(["100", "200", "400", "/"])),
                "fees": draw(st.lists(st.sampled_from(["80", "0.5", None]), max_size=2)),
                "dup_fee": draw(st.booleans()),
                "others": draw(st.lists(st.sampled_from(["DJF_DJ_SZ", "DJF_DJ_FZ", "DJF_DJ_GD"]), max_size=3)),
                "same_day": draw(st.booleans()),
            }
        )  # fmt: skip
    return specs


def build(specs: list[dict], form: str) -> Source:
    src = Source(form)
    times = {"accept": "2026-01-05T09:00:00", "SZ": "2026-01-08", "FZ": "2026-01-09", "GD": "2026-01-10"}
    for spec in specs:
        case, file = spec["case"], f"Biz{spec['case']}.xml"
        day = "2026-01-05" if spec["same_day"] else "2026-01-06"
        if spec["accept"] != "none":
            slsj = times["accept"] if spec["accept"] == "ok" else "not a time"
            src.add("DJT_DJ_SLSQ", file, case, YWH=case, QXDM="340102", SLRY="甲", SLSJ=slsj, DJDL=spec["djlx"])
        for sxh, who in spec["reviews"]:
            src.add("DJF_DJ_SH", file, case, YWH=case, JDMC="初审", SXH=sxh, SHRYXM=who, SHJSSJ=f"{day}T10:00:00")
        if spec["right"]:
            src.add(spec["right"], file, case, YWH=case, DJLX=spec["djlx"], DJSJ=f"{day}T11:00:00", DBR="丁",
                    BDCDYH=UNIT, GHYT="10", BDBZZQSE="12.5", JFYWH=case)  # fmt: skip
            src.add("ZTT_GY_QLR", file, case, YWH=case, SXH="1", QLRMC="某银行", QLRLX="2")
        for fee in spec["fees"] + (spec["fees"][:1] if spec["dup_fee"] else []):
            src.add("DJF_DJ_SF", file, case, YWH=case, SFRY="戊", SFRQ=day, SSJE=fee)
        for table in spec["others"]:
            short = table[-2:]
            src.add(table, file, case, YWH=case, **{f"{short}RY": "己", f"{short}SJ": times[short]})
    return src


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case_specs())
def test_xml_form_and_table_form_of_the_same_cases_agree(specs: list[dict]) -> None:
    (xml, xml_counts), (tables, table_counts) = build(specs, "messages").load(), build(specs, "tables").load()
    drop = ["_file", "_line", "_row"]
    by = ["case_id", "_row"]
    # the same events; in the same order within every case (the order of cases is the order they were read)
    pd.testing.assert_frame_equal(
        xml.events.sort_values(by).drop(columns=drop).reset_index(drop=True),
        tables.events.sort_values(by).drop(columns=drop).reset_index(drop=True),
        check_categorical=False,
    )
    key = ["column", "value", "reason"]
    assert sorted(xml.rejects[key].values.tolist()) == sorted(tables.rejects[key].values.tolist())
    pd.testing.assert_frame_equal(xml_counts, table_counts)
    check_counts(xml_counts)


def test_nothing_read_is_an_empty_log() -> None:
    result, counts = to_load(RawRows(form="messages"))
    assert result.events.empty and list(result.events.columns)[: len(CANONICAL)] == list(CANONICAL)
    assert result.rows_read == 0 and counts.empty and list(counts.columns) == ["table", "read", "used", "merged",
                                                                              "rejected", "ignored"]  # fmt: skip


def test_files_a_reader_refused_are_rejects_and_rows_read() -> None:
    raw = accepted().raw()
    raw.rejects = pd.DataFrame([{"file": "bad.xml", "row": 1, "column": "", "value": "", "reason": "not XML"}])
    result, _ = to_load(raw)
    assert result.rejects["reason"].tolist() == ["not XML"]
    assert result.rows_read == 2 and result.rows_rejected == 1


@pytest.mark.parametrize(
    ("qxdm", "reason"),
    [("3.40102E+05", "identifier mangled by a spreadsheet (scientific notation): re-export as text"),
     ("/", "office_code is empty")],
)  # fmt: skip
def test_the_flat_parsers_checks_reject_the_source_rows(qxdm: str, reason: str) -> None:
    src = accepted(QXDM=qxdm).add("DJF_DJ_GD", YWH="C1", GDRY="乙", GDSJ="2026-01-10")
    result, counts = src.load()
    assert result.events.empty
    assert result.rejects[["column", "reason"]].values.tolist() == [["office_code", reason]] * 2
    assert counts["rejected"].tolist() == [1, 1]
    check_counts(counts)
