"""Loaders (spec/input.md): encodings, header styles, profiles, value forms, Parquet, folders, rejects.

Every test writes real files and reads them through ``regcheck.loaders.load`` or the CLI.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from regcheck.engine import columns_needed, select_rules
from regcheck.loaders import load, load_profile
from regcheck.model import EventLog
from regcheck.schema import BY_NAME, CANONICAL, ENUMS, REQUIRED

from .conftest import run_cli, write_canonical_csv

OFFICE = "340102"
UNIT = "340102001002GB00001F00010002"

# A small log using every column, canonical codes, canonical time form.
REFERENCE: list[dict[str, str]] = [
    {
        "event_seq": "1001",
        "case_id": "34010220260100001",
        "office_code": OFFICE,
        "activity": "accept",
        "event_time": "2026-09-07 09:30:00",
        "operator_id": "340102-W1",
        "queue_id": "A",
        "window_id": "3",
        "priority": "true",
        "priority_reason": "老年人",
        "business_type": "change",
        "unit_id": UNIT,
        "land_nature": "state",
        "use_before": "residential",
        "use_after": "commercial",
        "change_kind": "use_change;split",
        "approval_no": "皖规批〔2026〕12号",
        "approval_date": "2026-08-01",
        "mortgagee": "工商银行",
        "mortgagee_type": "bank",
        "mortgage_amount": "500000",
        "assessed_value": "800000.5",
        "fee_charged": "80",
    },
    {
        "event_seq": "1002",
        "case_id": "34010220260100001",
        "office_code": OFFICE,
        "activity": "suspend",
        "event_time": "2026-09-08 10:00:00",
        "operator_id": "340102-R1",
        "suspend_reason": "补正材料",
        "priority": "false",
    },
    {
        "event_seq": "1003",
        "case_id": "34010220260100002",
        "office_code": OFFICE,
        "activity": "query",
        "event_time": "2026-09-08 10:05:00",
        "operator_id": "340102-Q1",
        "query_basis": "(2026)皖0102执123号",
        "business_type": "query",
        "mortgagee_type": "individual",
        "land_nature": "collective",
        "use_after": "homestead",
    },
    {
        "event_seq": "1004",
        "case_id": "34010220260100001",
        "office_code": OFFICE,
        "activity": "register",
        "event_time": "2026-09-09 16:00:00",
        "operator_id": "340102-R1",
    },
]


def zh_rows(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """The same rows as the built-in Chinese profile writes them: Chinese headers, labels, 是/否, 年月日 times."""
    out = []
    for row in rows:
        z: dict[str, str] = {}
        for name, value in row.items():
            col = BY_NAME[name]
            if col.kind == "enum" and value:
                value = ENUMS[col.enum or ""][value]
            elif col.kind == "list" and value:
                value = ";".join(ENUMS["change_kind"][v] for v in value.split(";"))
            elif col.kind == "bool" and value:
                value = {"true": "是", "false": "否"}[value]
            elif col.kind == "timestamp" and value:
                t = pd.Timestamp(value)
                value = f"{t.year}年{t.month}月{t.day}日 {t.hour}:{t.minute:02d}:{t.second:02d}"
            z[col.zh] = value
        out.append(z)
    return out


def write_csv(rows: list[dict[str, str]], path: Path, encoding: str = "utf-8", header: list[str] | None = None) -> Path:
    header = header or list(dict.fromkeys(k for r in rows for k in r))
    with path.open("w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for r in rows:
            w.writerow([r.get(h, "") for h in header])
    return path


def events_of(*paths: Path | str, profile: Path | None = None, columns=None) -> pd.DataFrame:
    return load([str(p) for p in paths], load_profile(profile), columns).events.drop(columns=["_file", "_line"])


@pytest.fixture
def reference(tmp_path: Path) -> pd.DataFrame:
    return events_of(write_canonical_csv(REFERENCE, tmp_path / "reference.csv"))


def test_reference_parses_to_canonical_types(reference: pd.DataFrame) -> None:
    first = reference.iloc[0]
    assert first["event_time"] == pd.Timestamp("2026-09-07 09:30:00")
    assert first["approval_date"] == pd.Timestamp("2026-08-01")
    assert first["event_seq"] == 1001
    assert bool(first["priority"]) is True and bool(reference.iloc[1]["priority"]) is False
    assert first["change_kind"] == "use_change;split"
    assert first["assessed_value"] == 800000.5
    assert reference["activity"].tolist() == ["accept", "suspend", "query", "register"]
    assert pd.isna(reference.iloc[1]["business_type"]) and pd.isna(reference.iloc[3]["queue_id"])


# --- encodings and header styles ------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
@pytest.mark.parametrize("style", ["canonical", "zh"])
def test_every_encoding_and_header_style_loads_identically(
    tmp_path: Path, reference: pd.DataFrame, encoding: str, style: str
) -> None:
    rows = REFERENCE if style == "canonical" else zh_rows(REFERENCE)
    # the name says nothing about the encoding: it is detected from the bytes
    path = write_csv(rows, tmp_path / "export.csv", encoding)
    pd.testing.assert_frame_equal(events_of(path), reference)


def test_gbk_detected_when_chinese_only_appears_far_into_the_file(tmp_path: Path) -> None:
    ascii_rows = [
        {"case_id": f"C{i:05d}", "office_code": OFFICE, "activity": "accept", "event_time": "2026-09-07 09:30:00"}
        for i in range(3000)
    ]
    last = {"case_id": "C99999", "office_code": OFFICE, "activity": "登簿", "event_time": "2026年9月8日 10:00"}
    path = write_csv([*ascii_rows, last], tmp_path / "late.csv", "gbk")
    assert len(path.read_bytes()) > 100_000
    ev = events_of(path)
    assert len(ev) == 3001
    assert ev.iloc[-1]["activity"] == "register"


def test_utf8_bom_header_is_not_part_of_the_first_column_name(tmp_path: Path) -> None:
    path = write_csv(REFERENCE, tmp_path / "bom.csv", "utf-8-sig", header=list(CANONICAL))
    assert path.read_bytes().startswith(b"\xef\xbb\xbfevent_seq,")
    assert events_of(path)["event_seq"].tolist() == [1001, 1002, 1003, 1004]


def test_mixed_chinese_and_english_headers_and_codes_and_labels(tmp_path: Path, reference: pd.DataFrame) -> None:
    rows = []
    for r, z in zip(REFERENCE, zh_rows(REFERENCE), strict=True):
        mixed = dict(r)
        mixed.pop("activity")
        mixed["环节"] = z["环节"]  # Chinese header, Chinese label
        rows.append(mixed)
    pd.testing.assert_frame_equal(events_of(write_csv(rows, tmp_path / "mixed.csv")), reference)


# --- user profile ---------------------------------------------------------------------------

VENDOR_PROFILE = """
[columns]            # canonical name = header in the file
case_id = "YWH"
event_time = "CZSJ"
activity = "JDMC"
operator_id = "CZR"
business_type = "YWLX"

[values.activity]    # value in the file = canonical code
"收件" = "accept"
"初审" = "review"
"复审" = "review"
"核定" = "register"

[values.business_type]
"二手房买卖" = "transfer"

[constants]          # same value on every row
office_code = "340102"
"""


def test_user_profile_maps_headers_values_and_constants(tmp_path: Path) -> None:
    profile = tmp_path / "vendor.toml"
    profile.write_text(VENDOR_PROFILE, encoding="utf-8")
    vendor = [
        {"YWH": "B1", "CZSJ": "2026/9/7 9:30", "JDMC": "收件", "CZR": "W1", "YWLX": "二手房买卖", "BZ": "extra"},
        {"YWH": "B1", "CZSJ": "2026/9/7 14:00", "JDMC": " 初审 ", "CZR": "R1", "YWLX": "", "BZ": ""},
        {"YWH": "B1", "CZSJ": "2026/9/8 10:00", "JDMC": "复审", "CZR": "R2", "YWLX": "", "BZ": ""},
        {"YWH": "B1", "CZSJ": "2026/9/9 11:00", "JDMC": "核定", "CZR": "R3", "YWLX": "转移登记", "BZ": ""},
        {"YWH": "B1", "CZSJ": "2026/9/9 11:30", "JDMC": "issue", "CZR": "R3", "YWLX": "", "BZ": ""},
    ]
    canonical = [
        {"case_id": "B1", "office_code": OFFICE, "activity": "accept", "event_time": "2026-09-07 09:30:00",
         "operator_id": "W1", "business_type": "transfer"},
        {"case_id": "B1", "office_code": OFFICE, "activity": "review", "event_time": "2026-09-07 14:00:00",
         "operator_id": "R1"},
        {"case_id": "B1", "office_code": OFFICE, "activity": "review", "event_time": "2026-09-08 10:00:00",
         "operator_id": "R2"},
        {"case_id": "B1", "office_code": OFFICE, "activity": "register", "event_time": "2026-09-09 11:00:00",
         "operator_id": "R3", "business_type": "transfer"},
        {"case_id": "B1", "office_code": OFFICE, "activity": "issue", "event_time": "2026-09-09 11:30:00",
         "operator_id": "R3"},
    ]  # fmt: skip
    got = events_of(write_csv(vendor, tmp_path / "vendor.csv", "gb18030"), profile=profile)
    want = events_of(write_canonical_csv(canonical, tmp_path / "canonical.csv"))
    pd.testing.assert_frame_equal(got, want)


def test_profile_timezone_option_sets_the_local_zone(tmp_path: Path) -> None:
    profile = tmp_path / "ams.toml"
    profile.write_text('[options]\ntimezone = "Europe/Amsterdam"\n', encoding="utf-8")
    rows = [{"case_id": "C1", "office_code": OFFICE, "activity": "accept", "event_time": "2026-09-07T23:30:00+00:00"}]
    path = write_canonical_csv(rows, tmp_path / "t.csv")
    assert events_of(path, profile=profile)["event_time"].iloc[0] == pd.Timestamp("2026-09-08 01:30:00")
    assert events_of(path)["event_time"].iloc[0] == pd.Timestamp("2026-09-08 07:30:00")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('[columns]\ncase_no = "YWH"\n', "unknown canonical column(s): case_no"),
        ('[constants]\nofice_code = "340102"\n', "unknown canonical column(s): ofice_code"),
        ('[values.stage]\n"初审" = "review"\n', "unknown canonical column(s) in [values]: stage"),
        ("[columns\ncase_id = 1\n", "not a valid TOML profile"),
        ('[options]\ntimezone = "Mars/Olympus"\n', "unknown time zone 'Mars/Olympus'"),
        ('[option]\ntimezone = "Asia/Shanghai"\n', "option"),
    ],
)
def test_bad_profile_is_exit_2_with_one_line(tmp_path: Path, text: str, fragment: str) -> None:
    profile = tmp_path / "bad.toml"
    profile.write_text(text, encoding="utf-8")
    log = write_canonical_csv(REFERENCE, tmp_path / "log.csv")
    code, _out, err = run_cli("scan", str(log), "--profile", str(profile), "-o", str(tmp_path / "f.csv"), "-q")
    assert code == 2
    assert err.count("\n") == 1 and "bad.toml" in err and fragment in err, err


def test_profile_header_missing_from_the_file_names_the_header(tmp_path: Path) -> None:
    profile = tmp_path / "vendor.toml"
    profile.write_text('[columns]\ncase_id = "YWH"\n', encoding="utf-8")
    log = write_canonical_csv(REFERENCE, tmp_path / "log.csv")
    code, _out, err = run_cli("scan", str(log), "--profile", str(profile), "-o", str(tmp_path / "f.csv"), "-q")
    assert code == 2
    assert "log.csv" in err and "case_id (业务号)" in err and "'YWH'" in err


# --- value forms ---------------------------------------------------------------------------


def one_column(tmp_path: Path, column: str, values: list[str], **kw) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One accept row per value (case_id = V<i>); returns (events indexed by case_id, rejects)."""
    rows = [
        {
            "case_id": f"V{i}",
            "office_code": OFFICE,
            "activity": "accept",
            "event_time": "2026-09-07 09:30:00",
            column: v,
        }
        for i, v in enumerate(values)
    ]
    path = write_canonical_csv(rows, tmp_path / f"{column}.csv")
    result = load([str(path)], **kw)
    return result.events.set_index("case_id"), result.rejects


TIMESTAMPS = [
    ("2026-09-01 09:05:33", "2026-09-01 09:05:33"),
    ("2026-09-01T09:05:33", "2026-09-01 09:05:33"),
    ("2026-09-01 09:05", "2026-09-01 09:05:00"),
    ("2026-09-01T09:05", "2026-09-01 09:05:00"),
    ("2026-09-01 09:05:33.25", "2026-09-01 09:05:33.25"),
    ("2026-09-01T09:05:33.123456", "2026-09-01 09:05:33.123456"),
    # offsets are converted to Asia/Shanghai before the date is taken
    ("2026-09-07T23:30:00+00:00", "2026-09-08 07:30:00"),
    ("2026-09-07T23:30:00Z", "2026-09-08 07:30:00"),
    ("2026-09-07 23:30:00+02:00", "2026-09-08 05:30:00"),
    ("2026-09-07T20:00:00.5-05:30", "2026-09-08 09:30:00.5"),
    ("2026-09-08T07:30:00+08:00", "2026-09-08 07:30:00"),
    ("2026-09-08T07:30:00+0800", "2026-09-08 07:30:00"),
    ("2011-10-11 13:45:40.276000+02:00", "2011-10-11 19:45:40.276"),
    ("2026/9/1 9:05", "2026-09-01 09:05:00"),
    ("2026/9/1 9:05:33", "2026-09-01 09:05:33"),
    ("2026/09/01 19:05:33", "2026-09-01 19:05:33"),
    ("2026年9月1日 9:05", "2026-09-01 09:05:00"),
    ("2026年9月1日 9:05:33", "2026-09-01 09:05:33"),
    ("\u3000 2026-09-01 09:05:33 \u3000", "2026-09-01 09:05:33"),
]
BAD_TIMESTAMPS = [
    "2026-02-30 10:00:00",
    "2026-09-01 24:00:00",
    "2026-09-01 09:60",
    "2026/13/1 9:05",
    "2026-09-01T09:05:00+25:00",
    "yesterday",
    "9:05 2026-09-01",
]


def test_every_timestamp_form(tmp_path: Path) -> None:
    texts = [t for t, _ in TIMESTAMPS] + BAD_TIMESTAMPS
    ev, rej = one_column(tmp_path, "event_time", texts)
    for i, (text, want) in enumerate(TIMESTAMPS):
        assert ev.loc[f"V{i}", "event_time"] == pd.Timestamp(want), text
    bad = rej.set_index("row")
    rows = list(range(len(TIMESTAMPS) + 2, len(texts) + 2))  # header = row 1
    assert sorted(bad.index) == rows
    assert (bad["column"] == "event_time").all() and (bad["reason"] == "time not understood").all()
    assert bad["value"].tolist() == BAD_TIMESTAMPS


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("2026-09-01", "2026-09-01"),
        ("2026/9/1", "2026-09-01"),
        ("2026年9月1日", "2026-09-01"),
        ("2026-09-01 00:00:00", "2026-09-01"),
        ("2026-09-01T15:20", "2026-09-01"),
        (" 2026-9-1\u3000", "2026-09-01"),
        ("", None),
        ("NULL", None),
        ("2026-02-30", "bad"),
        ("20260901x", "bad"),
    ],
)
def test_date_forms(tmp_path: Path, text: str, want: str | None) -> None:
    ev, rej = one_column(tmp_path, "approval_date", [text])
    if want == "bad":
        assert ev.empty
        assert rej[["row", "column", "value", "reason"]].values.tolist() == [
            [2, "approval_date", text.strip(), "date not understood"]
        ]
    elif want is None:
        assert pd.isna(ev.loc["V0", "approval_date"]) and rej.empty
    else:
        assert ev.loc["V0", "approval_date"] == pd.Timestamp(want) and rej.empty


BOOLEANS = [
    ("true", True),
    ("false", False),
    ("TRUE", True),
    ("1", True),
    ("0", False),
    ("是", True),
    ("否", False),
    ("Y", True),
    ("N", False),
    ("y", True),
    ("n", False),
    (" 是\u3000", True),
    ("", None),
    ("NULL", None),
    ("   ", None),
]


def test_every_boolean_form(tmp_path: Path) -> None:
    ev, rej = one_column(tmp_path, "priority", [t for t, _ in BOOLEANS] + ["maybe"])
    assert rej[["row", "column", "value"]].values.tolist() == [[len(BOOLEANS) + 2, "priority", "maybe"]]
    assert "not a boolean" in rej["reason"].iloc[0]
    for i, (text, want) in enumerate(BOOLEANS):
        got = ev.loc[f"V{i}", "priority"]
        assert pd.isna(got) if want is None else bool(got) is want, repr(text)
    assert str(ev["priority"].dtype) == "boolean"


@pytest.mark.parametrize(
    ("column", "text", "want"),
    [
        ("activity", "accept", "accept"),
        ("activity", "受理", "accept"),
        ("activity", "不予登记", "reject"),
        ("activity", " ACCEPT ", "accept"),
        ("business_type", "抵押权注销登记", "mortgage_cancel"),
        ("business_type", "objection_cancel", "objection_cancel"),
        ("use_after", "医疗卫生", "medical"),
        ("use_before", "elderly_care", "elderly_care"),
        ("land_nature", "集体", "collective"),
        ("mortgagee_type", "非金融企业", "company"),
        ("mortgagee_type", "individual", "individual"),
        ("change_kind", "用途变更", "use_change"),
        ("change_kind", "split; use_change", "use_change;split"),
        ("change_kind", "合并;分割;用途变更", "use_change;split;merge"),
    ],
)
def test_enum_values_as_codes_or_chinese_labels(tmp_path: Path, column: str, text: str, want: str) -> None:
    rows = [{"case_id": "E1", "office_code": OFFICE, "activity": "accept", "event_time": "2026-09-07 09:30:00"}]
    rows[0][column] = text
    result = load([str(write_canonical_csv(rows, tmp_path / "e.csv"))])
    assert result.rejects.empty
    assert result.events[column].iloc[0] == want
    assert isinstance(result.events[column].dtype, pd.CategoricalDtype)


@pytest.mark.parametrize(
    ("column", "text"),
    [
        ("activity", "approve"),
        ("activity", "初审"),  # a vendor's name: needs a profile
        ("business_type", "二手房"),
        ("use_after", "住房"),
        ("mortgagee_type", "bank;company"),
        ("change_kind", "use_change;rezoning"),
    ],
)
def test_unknown_enum_value_rejects_the_row(tmp_path: Path, column: str, text: str) -> None:
    rows = [
        {"case_id": "E1", "office_code": OFFICE, "activity": "accept", "event_time": "2026-09-07 09:30:00"},
        {"case_id": "E2", "office_code": OFFICE, "activity": "accept", "event_time": "2026-09-07 09:40:00"},
    ]
    rows[1][column] = text
    result = load([str(write_canonical_csv(rows, tmp_path / "e.csv"))])
    assert result.events["case_id"].tolist() == ["E1"]
    assert result.rejects[["row", "column", "value"]].values.tolist() == [[3, column, text]]
    assert result.rejects["reason"].iloc[0].startswith("not a")
    assert result.rows_read == 2 and result.rows_rejected == 1


def test_trimming_and_missing_values(tmp_path: Path) -> None:
    padded = {"case_id": " C1\u3000", "office_code": "\u3000340102 ", "activity": "\taccept ", "unit_id": f"  {UNIT}  "}
    rows = [
        {
            **padded,
            "event_time": "2026-09-07 09:30:00",
            "operator_id": "NULL",
            "queue_id": "   ",
            "window_id": "\u3000",
            "mortgagee": "null",
            "fee_charged": " 1,234.50 ",
            "priority_reason": "  老年人 ",
        },
    ]
    ev = events_of(write_canonical_csv(rows, tmp_path / "t.csv"))
    row = ev.iloc[0]
    assert (row["case_id"], row["office_code"], row["activity"], row["unit_id"]) == ("C1", OFFICE, "accept", UNIT)
    assert row["priority_reason"] == "老年人"
    for name in ("operator_id", "queue_id", "window_id", "mortgagee", "suspend_reason", "approval_no"):
        assert pd.isna(row[name]), name
    assert row["fee_charged"] == 1234.5


@pytest.mark.parametrize("blank", ["", "   ", "\u3000", "NULL", "null"])
def test_blank_required_value_rejects_the_row(tmp_path: Path, blank: str) -> None:
    rows = [
        {"case_id": blank, "office_code": OFFICE, "activity": "accept", "event_time": "2026-09-07 09:30:00"},
        {"case_id": "C2", "office_code": OFFICE, "activity": blank, "event_time": "2026-09-07 09:30:00"},
        {"case_id": "C3", "office_code": OFFICE, "activity": "accept", "event_time": blank},
        {"case_id": "C4", "office_code": OFFICE, "activity": "accept", "event_time": "2026-09-07 09:30:00"},
    ]
    result = load([str(write_canonical_csv(rows, tmp_path / "b.csv"))])
    assert result.events["case_id"].tolist() == ["C4"]
    assert result.rejects[["row", "column", "reason"]].values.tolist() == [
        [2, "case_id", "case_id is empty"],
        [3, "activity", "activity is empty"],
        [4, "event_time", "event_time is empty"],
    ]


# --- Parquet, folders, several inputs ----------------------------------------------------------


def typed_parquet(rows: list[dict[str, str]], path: Path, tz_aware: bool = False) -> Path:
    """The reference rows as a typed Parquet file (int, bool, timestamp, float, dictionary columns)."""
    frame = pd.DataFrame([{c: r.get(c, "") for c in CANONICAL} for r in rows])
    blank = frame == ""
    frame = frame.mask(blank, None)
    frame["event_seq"] = frame["event_seq"].astype("Int64")
    frame["office_code"] = frame["office_code"].astype("int64")
    frame["priority"] = frame["priority"].map({"true": True, "false": False}).astype("boolean")
    times = pd.to_datetime(frame["event_time"])
    frame["event_time"] = times.dt.tz_localize("Asia/Shanghai").dt.tz_convert("UTC") if tz_aware else times
    frame["approval_date"] = pd.to_datetime(frame["approval_date"]).dt.date
    for name in ("mortgage_amount", "assessed_value", "fee_charged"):
        frame[name] = frame[name].astype("float64")
    frame["activity"] = frame["activity"].astype("category")
    frame["extra_vendor_column"] = "kept and ignored"
    frame.to_parquet(path, index=False)
    return path


@pytest.mark.parametrize("tz_aware", [False, True])
def test_typed_parquet_loads_like_the_csv(tmp_path: Path, reference: pd.DataFrame, tz_aware: bool) -> None:
    path = typed_parquet(REFERENCE, tmp_path / "log.parquet", tz_aware)
    assert pa.types.is_timestamp(pq.read_schema(path).field("event_time").type)
    pd.testing.assert_frame_equal(events_of(path), reference)


def test_parquet_named_csv_is_read_as_parquet(tmp_path: Path, reference: pd.DataFrame) -> None:
    path = typed_parquet(REFERENCE, tmp_path / "actually_parquet.csv")
    pd.testing.assert_frame_equal(events_of(path), reference)


def test_parquet_reads_only_the_columns_the_selected_rules_need(tmp_path: Path, monkeypatch) -> None:
    path = typed_parquet(REFERENCE, tmp_path / "log.parquet")
    asked: list[list[str]] = []
    real_read = pq.ParquetFile.read

    def spy(self, columns=None, *args, **kwargs):
        asked.append(list(columns) if columns is not None else ["<all>"])
        return real_read(self, columns, *args, **kwargs)

    monkeypatch.setattr(pq.ParquetFile, "read", spy)
    code, _out, err = run_cli("scan", str(path), "--select", "LG002", "-o", str(tmp_path / "f.csv"), "-q")
    assert code == 0, err
    # columns are read one by one, each by the thread that parses it; never the whole file
    read = {column for columns in asked for column in columns}
    assert asked and "<all>" not in read
    assert set(REQUIRED) <= read <= columns_needed(select_rules(["LG002"]))
    assert not {"fee_charged", "mortgagee", "extra_vendor_column", "approval_no"} & read


def test_hive_partitioned_folder_takes_the_office_from_the_folder_name(tmp_path: Path) -> None:
    root = tmp_path / "logs"
    for office, case in (("340102", "A1"), ("340103", "B1")):
        part = root / f"office_code={office}"
        part.mkdir(parents=True)
        frame = pd.DataFrame(
            {
                "case_id": [case, case],
                "activity": ["accept", "register"],
                "event_time": pd.to_datetime(["2026-09-07 09:00", "2026-09-08 10:00"]),
            }
        )
        frame.to_parquet(part / "part.parquet", index=False)
    (root / "_SUCCESS").write_text("", encoding="utf-8")
    (root / ".hidden.csv").write_text("garbage", encoding="utf-8")
    for given in ([root], [root / "office_code=340102", root / "office_code=340103"], [f"{root}/*/part.parquet"]):
        ev = events_of(*given)
        got = ev[["case_id", "office_code"]].drop_duplicates().values.tolist()
        assert got == [["A1", "340102"], ["B1", "340103"]], given


def test_folder_of_csv_files_is_one_log_in_name_order(tmp_path: Path) -> None:
    root = tmp_path / "exports"
    root.mkdir()
    row = {"office_code": OFFICE, "activity": "accept", "event_time": "2026-09-07 09:00:00"}
    write_canonical_csv([{**row, "case_id": "Z2"}], root / "2026-09-b.csv")
    write_csv(zh_rows([{**row, "case_id": "Z1"}]), root / "2026-09-a.csv", "gbk")
    (root / "README.md").write_text("not data", encoding="utf-8")
    result = load([str(root)])
    assert result.events["case_id"].tolist() == ["Z1", "Z2"]
    assert [Path(f).name for f in result.files] == ["2026-09-a.csv", "2026-09-b.csv"]
    assert result.events["_row"].tolist() == [0, 1]


def test_input_order_across_files_decides_ties(tmp_path: Path) -> None:
    """Equal event times: the row of the file given first is 'the first row' (case attributes, office)."""
    base = {"case_id": "T1", "activity": "accept", "event_time": "2026-09-07 09:00:00"}
    a = write_canonical_csv([{**base, "office_code": "340102", "unit_id": "UNIT-A"}], tmp_path / "a.csv")
    b = write_canonical_csv([{**base, "office_code": "340103", "unit_id": "UNIT-B"}], tmp_path / "b.csv")
    for order, want in (((a, b), ("340102", "UNIT-A")), ((b, a), ("340103", "UNIT-B"))):
        cases = EventLog(load([str(p) for p in order]).events).cases
        assert (cases["office_code"].iloc[0], cases["unit_id"].iloc[0]) == want
    # the same file named twice (folder and file) is read once
    assert len(load([str(tmp_path), str(a)]).events) == 2


def test_glob_without_matches_is_exit_2(tmp_path: Path) -> None:
    code, _out, err = run_cli("scan", str(tmp_path / "*.parquet"), "-o", str(tmp_path / "f.csv"), "-q")
    assert code == 2 and "no file matches" in err


# --- rejects --------------------------------------------------------------------------------


def test_rejects_file_lists_file_row_column_value_reason_and_the_scan_goes_on(tmp_path: Path) -> None:
    ok = {"office_code": OFFICE, "event_time": "2026-09-08 10:00:00"}
    rows = [
        {**ok, "case_id": "R1", "activity": "accept", "event_time": "2026-09-08 10:00:00"},
        {**ok, "case_id": "R1", "activity": "register", "event_time": "2026-09-08 09:00:00"},  # LG002 fires
        {**ok, "case_id": "R2", "activity": "accept", "event_time": "2026-09-31 10:00:00"},
        {**ok, "case_id": "", "activity": "accept"},
        {**ok, "case_id": "R3", "activity": "approve"},
        {**ok, "case_id": "R4", "activity": "=cmd|' /C calc'!A0", "event_time": "soon"},
        {**ok, "case_id": "R5", "activity": "review"},
    ]
    log = write_canonical_csv(rows, tmp_path / "log.csv")
    rejects, findings = tmp_path / "rejects.csv", tmp_path / "findings.csv"
    code, out, err = run_cli("scan", str(log), "-o", str(findings), "--rejects", str(rejects))
    assert code == 0, err
    got = pd.read_csv(rejects, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert got.columns.tolist() == ["file", "row", "column", "value", "reason"]
    assert (got["file"] == str(log)).all()
    assert got[["row", "column", "value", "reason"]].values.tolist() == [
        ["4", "event_time", "2026-09-31 10:00:00", "time not understood"],
        ["5", "case_id", "", "case_id is empty"],
        ["6", "activity", "approve", "not a known activity value"],
        ["7", "activity", "'=cmd|' /C calc'!A0", "not a known activity value"],  # neutralised for Excel
        ["7", "event_time", "soon", "time not understood"],
    ]
    summary = " ".join(out.split())
    assert "读取 rows read 7 · 拒收 rejected 4 · 案件 cases 2" in summary
    found = pd.read_csv(findings, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert found.loc[found["rule_id"] == "LG002", "case_id"].tolist() == ["R1"]


def test_malformed_csv_rows_are_rejected_with_their_row_numbers(tmp_path: Path) -> None:
    text = (
        "case_id,office_code,activity,event_time,operator_id\n"
        "C1,340102,accept,2026-09-07 09:00:00,a\n"  # row 2
        "C2,340102,accept\n"  # row 3: too few fields
        'C3,340102,accept,2026-09-07 09:00:00,"two\nlines"\n'  # row 4 (a quoted line break)
        "C4,340102,accept,2026-09-07 09:00:00,a,extra\n"  # row 5: too many fields
        "C5,340102,accept,never,a\n"  # row 6
    )
    path = tmp_path / "ragged.csv"
    path.write_text(text, encoding="utf-8")
    result = load([str(path)])
    assert result.events["case_id"].tolist() == ["C1", "C3"]
    assert result.events["operator_id"].tolist() == ["a", "two\nlines"]
    assert result.rejects[["row", "column", "reason"]].values.tolist() == [
        [3, "", "expected 5 fields, found 3"],
        [5, "", "expected 5 fields, found 6"],
        [6, "event_time", "time not understood"],
    ]
    assert (result.rows_read, result.rows_rejected) == (5, 3)


def test_validate_reports_rejects_and_exit_1(tmp_path: Path) -> None:
    rows = [dict(r) for r in REFERENCE]
    rows[2]["business_type"] = "二手房"
    rows[3]["priority"] = "maybe"
    log = write_canonical_csv(rows, tmp_path / "log.csv")
    rejects = tmp_path / "rejects.csv"
    code, out, _err = run_cli("validate", str(log), "--rejects", str(rejects))
    assert code == 1
    summary = " ".join(out.split())
    assert "读取 rows 4 · 可用 accepted 2 · 拒收 rejected 2 · 案件 cases 1" in summary
    assert "not a known business_type value" in summary
    got = pd.read_csv(rejects, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert got[["row", "column", "value"]].values.tolist() == [
        ["4", "business_type", "二手房"],
        ["5", "priority", "maybe"],
    ]
    clean = write_canonical_csv(REFERENCE, tmp_path / "clean.csv")
    code, out, _err = run_cli("validate", str(clean))
    assert code == 0 and "拒收 rejected 0" in " ".join(out.split())


def test_rows_read_equals_accepted_plus_rejected_over_several_files(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    paths = []
    expected_bad = 0
    for k in range(3):
        rows = []
        for i in range(40):
            bad = rng.random() < 0.3
            expected_bad += bad
            rows.append(
                {"case_id": f"F{k}-{i}", "office_code": OFFICE, "activity": "accept",
                 "event_time": "never" if bad else "2026-09-07 09:00:00"}
            )  # fmt: skip
        paths.append(str(write_canonical_csv(rows, tmp_path / f"f{k}.csv")))
    result = load(paths)
    assert result.rows_read == 120
    assert result.rows_rejected == expected_bad
    assert len(result.events) + result.rows_rejected == result.rows_read
    assert os.path.basename(result.rejects["file"].iloc[-1]) == "f2.csv"


def test_large_sequence_numbers_in_csv_text_load_exactly(tmp_path: Path) -> None:
    """Beyond 2**53 a float64 rounds; an event_seq written as digits must keep every digit."""
    seqs = ["4611686018427387903", "9007199254740993", "12"]
    rows = [
        {"event_seq": s, "case_id": f"C{i}", "office_code": "340102", "activity": "accept",
         "event_time": f"2026-03-02 09:0{i}:00"}
        for i, s in enumerate(seqs)
    ]  # fmt: skip
    loaded = load([str(write_canonical_csv(rows, tmp_path / "log.csv"))])
    assert loaded.events["event_seq"].tolist() == [int(s) for s in seqs]
    assert loaded.rejects.empty
