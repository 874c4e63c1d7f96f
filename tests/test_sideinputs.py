"""Side inputs: the staff roster and the approval registry (regcheck/sideinputs.py, --roster/--approvals)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from regcheck.errors import InputError
from regcheck.sideinputs import load_approvals, load_roster, parse_roster

from .conftest import run_cli, write_canonical_csv

ROSTER_EN = "operator_id,name,office_code,post,registrar,trained,training_hours,active_from,active_to,post_since"
ROSTER_ZH = "人员编号,姓名,登记机构代码,岗位,登记官,已培训,年度学时,入岗日期,离岗日期,本岗起始日期"
APPROVALS_EN = "approval_no,issuer,approval_date,parcel_code"
APPROVALS_ZH = "批准文号,批准机关,批准日期,宗地代码"


def write(path: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    path.write_text("\n".join(lines) + "\n", encoding=encoding)
    return path


# --- the roster: what a good file loads to ---------------------------------------------------


@pytest.mark.parametrize(
    ("header", "encoding"),
    [(ROSTER_EN, "utf-8"), (ROSTER_ZH, "utf-8"), (ROSTER_ZH, "utf-8-sig"), (ROSTER_ZH, "gb18030")],
    ids=["english", "chinese", "chinese-bom", "chinese-gb18030"],
)
def test_roster_headers_and_encodings(tmp_path: Path, header: str, encoding: str) -> None:
    path = write(
        tmp_path / "roster.csv",
        [
            header,
            " 340102-W1\u3000,张三,340102,受理,否,是,40,2020-01-01,,2020-01-01",
            "340102-D1,李四,340102,登簿,Y,1,42.5,2019/3/1,2026年12月31日,2019-03-01",
        ],
        encoding,
    )
    r = load_roster(path)
    assert list(r.columns) == ROSTER_EN.split(",")
    assert r["operator_id"].tolist() == ["340102-W1", "340102-D1"]  # trimmed, U+3000 included
    assert r["name"].tolist() == ["张三", "李四"]
    assert r["registrar"].tolist() == [False, True]
    assert r["trained"].tolist() == [True, True]
    assert r["training_hours"].tolist() == [40.0, 42.5]
    assert r["active_from"].tolist() == [pd.Timestamp("2020-01-01"), pd.Timestamp("2019-03-01")]
    assert pd.isna(r["active_to"].iloc[0])
    assert r["active_to"].iloc[1] == pd.Timestamp("2026-12-31")


def test_roster_blanks_extra_columns_and_empty_rows(tmp_path: Path) -> None:
    path = write(
        tmp_path / "roster.csv",
        [
            "operator_id,registrar,trained,备注",
            "A1,,,调入",  # blank flags: registrar not recorded, trained = no
            ",,,",  # an all-blank row (spreadsheet tail) is skipped, not an error
            "A2,true,NULL,",
        ],
    )
    r = load_roster(path)
    assert r["operator_id"].tolist() == ["A1", "A2"]
    assert r["registrar"].isna().tolist() == [True, False]
    assert r["trained"].tolist() == [False, False]
    assert r["active_from"].isna().all() and r["post_since"].isna().all()
    assert "备注" not in r.columns


def test_roster_parquet_with_typed_columns(tmp_path: Path) -> None:
    table = pa.table(
        {
            "人员编号": ["340102-D1", "340102-W1"],
            "登记官": [True, False],
            "已培训": [True, None],
            "年度学时": [40, 12],
            "入岗日期": pa.array([pd.Timestamp("2020-01-01").date(), None], type=pa.date32()),
            "离岗日期": pa.array([None, pd.Timestamp("2026-06-30 00:00")], type=pa.timestamp("us")),
        }
    )
    path = tmp_path / "roster.parquet"
    pq.write_table(table, path)
    r = load_roster(path)
    assert r["operator_id"].tolist() == ["340102-D1", "340102-W1"]
    assert r["registrar"].tolist() == [True, False]
    assert r["trained"].tolist() == [True, False]
    assert r["training_hours"].tolist() == [40.0, 12.0]
    assert r["active_from"].iloc[0] == pd.Timestamp("2020-01-01") and pd.isna(r["active_from"].iloc[1])
    assert r["active_to"].iloc[1] == pd.Timestamp("2026-06-30")


def test_parse_roster_in_memory_equals_loaded(tmp_path: Path) -> None:
    frame = pd.DataFrame({"operator_id": ["A"], "registrar": ["是"], "trained": ["否"], "active_from": ["2026/1/2"]})
    path = tmp_path / "roster.csv"
    frame.to_csv(path, index=False)
    pd.testing.assert_frame_equal(parse_roster(frame), load_roster(path))


# --- malformed rosters: one line naming file, row and field -----------------------------------

BAD_ROSTERS = [
    # (lines after the header, expected message tail)
    (["A,是,是,2026-01-01,", "B,是,是,2026-13-01,"], "row 3: active_from: date not understood ('2026-13-01')"),
    (["A,是,maybe,,"], "row 2: trained: not a boolean (true/false, 1/0, 是/否, Y/N) ('maybe')"),
    (["A,是,是,,", ",是,是,,"], "row 3: operator_id: blank, but a value is required"),
    (["A,是,是,2026-02-01,2026-01-31"], "row 2: active_to: 2026-01-31 is before active_from 2026-02-01"),
    (["A,是,是,someday,never"], "row 2: active_from: date not understood ('someday')"),  # first field of the row
]


@pytest.mark.parametrize(
    ("lines", "tail"), BAD_ROSTERS, ids=[t.split(":")[1].strip() + "-" + t[:6] for _, t in BAD_ROSTERS]
)
def test_malformed_roster_raises_with_file_row_field(tmp_path: Path, lines: list[str], tail: str) -> None:
    path = write(tmp_path / "roster.csv", ["operator_id,registrar,trained,active_from,active_to", *lines])
    with pytest.raises(InputError) as err:
        load_roster(path)
    assert str(err.value) == f"{path}: {tail}"


def test_negative_training_hours_rejected(tmp_path: Path) -> None:
    path = write(tmp_path / "r.csv", ["operator_id,registrar,trained,training_hours", "A,1,1,40", "B,1,1,-3"])
    with pytest.raises(InputError, match=r"r\.csv: row 3: training_hours: input should be greater than or equal to 0"):
        load_roster(path)


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("operator_id,registrar", "required column trained (已培训) is missing"),
        ("name,registrar,trained", "required column operator_id (人员编号) is missing"),
        ("operator_id,人员编号,registrar,trained", "both give operator_id (人员编号)"),
    ],
)
def test_roster_header_problems(tmp_path: Path, header: str, message: str) -> None:
    path = write(tmp_path / "roster.csv", [header])
    with pytest.raises(InputError, match=re.escape(message)):
        load_roster(path)


def test_roster_file_missing(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        load_roster(tmp_path / "nope.csv")


# --- the approval registry -----------------------------------------------------------------


def test_approvals_frame_is_what_ap005_expects(tmp_path: Path) -> None:
    path = write(
        tmp_path / "approvals.csv",
        [
            APPROVALS_ZH,
            " 皖规批〔2026〕１２号 ,合肥市自然资源和规划局,2026年3月5日,340102004001GB00077",
            "皖规批〔2026〕13号,,,",
        ],
        "gb18030",
    )
    a = load_approvals(path)
    assert list(a.columns) == ["approval_no", "issuer", "approval_date", "parcel_code"]
    assert a["approval_no"].tolist() == ["皖规批〔2026〕１２号", "皖规批〔2026〕13号"]  # trimmed; AP005 normalises
    assert a["approval_date"].iloc[0] == pd.Timestamp("2026-03-05") and pd.isna(a["approval_date"].iloc[1])
    assert a["parcel_code"].iloc[0] == "340102004001GB00077" and pd.isna(a["parcel_code"].iloc[1])
    assert str(a["approval_date"].dtype) == "datetime64[ns]"


@pytest.mark.parametrize(
    ("lines", "tail"),
    [
        (["X1,局,2026-02-30,"], "row 2: approval_date: date not understood ('2026-02-30')"),
        (["X1,局,2026-02-03,", ",局,2026-02-03,P"], "row 3: approval_no: blank, but a value is required"),
    ],
)
def test_malformed_approvals(tmp_path: Path, lines: list[str], tail: str) -> None:
    path = write(tmp_path / "approvals.csv", [APPROVALS_EN, *lines])
    with pytest.raises(InputError) as err:
        load_approvals(path)
    assert str(err.value) == f"{path}: {tail}"


# --- through the command line: exit 2, one line on stderr -----------------------------------


def _log(tmp_path: Path) -> Path:
    rows = [
        {
            "case_id": "C1",
            "office_code": "340102",
            "activity": "accept",
            "event_time": "2026-09-08 09:00:00",
            "operator_id": "340102-W1",
        }
    ]
    return write_canonical_csv(rows, tmp_path / "log.csv")


@pytest.mark.parametrize(
    ("option", "filename", "lines", "expected"),
    [
        (
            "--roster",
            "roster.csv",
            ["operator_id,registrar,trained,active_from", "A,1,1,2026-01-01", "B,1,1,2026-13-01"],
            "roster.csv: row 3: active_from: date not understood ('2026-13-01')",
        ),
        (
            "--roster",
            "roster.csv",
            ["operator_id,registrar,trained", "A,1,1", "B,1,1", "C,是,也许"],
            "roster.csv: row 4: trained: not a boolean",
        ),
        (
            "--approvals",
            "registry.csv",
            [APPROVALS_EN, "X1,局,2026-02-03,P", "X2,局,03/02/2026x,P"],
            "registry.csv: row 3: approval_date: date not understood ('03/02/2026x')",
        ),
        ("--approvals", "registry.csv", ["issuer,approval_date"], "registry.csv: required column approval_no"),
    ],
)
def test_cli_malformed_side_input_exits_2(
    tmp_path: Path, option: str, filename: str, lines: list[str], expected: str
) -> None:
    side = write(tmp_path / filename, lines)
    out = tmp_path / "findings.csv"
    code, _, stderr = run_cli("scan", str(_log(tmp_path)), "-o", str(out), option, str(side))
    assert code == 2
    assert stderr.count("\n") == 1 and expected in stderr and str(side) in stderr
    assert "Traceback" not in stderr
    assert not out.exists()  # nothing written from a partial roster


def test_cli_missing_roster_file_exits_2(tmp_path: Path) -> None:
    code, _, stderr = run_cli("scan", str(_log(tmp_path)), "-o", str(tmp_path / "f.csv"), "--roster", "nope.csv")
    assert code == 2 and "nope.csv: no such file" in stderr
