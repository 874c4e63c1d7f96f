"""Small standard tables (spec/sources.md §3) written every way regcheck reads them: CSV files,
typed Parquet files, SQLite and PostgreSQL — so that the tests can assert the readers agree.

Each table is a list of columns with a kind (text, time, int, money) and rows in the order the
database readers return them (YWH, then the key ``ID``). The files hold the rows in that order; the
databases get them in reverse, so that the ORDER BY is what puts them right. Values are the text
the readers must give: a typed time ``2026-01-05T09:00:00``, a NUMERIC(12,2) ``12.50``.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import sqlalchemy as sa

from regcheck.sources import FILE, RawRows

Kind = str  # "text", "time", "int", "money"

# generation -> acceptance table and its 登记大类 column (DJT_DJ_SL, the older one, says DJLX)
GENERATIONS = {"new": ("DJT_DJ_SLSQ", "DJDL"), "old": ("DJT_DJ_SL", "DJLX")}


def tables(generation: str = "new") -> dict[str, tuple[list[tuple[str, Kind]], list[tuple]]]:
    """Table name -> (columns with kinds, rows as text) — cases YW001…YW005 around January 2026."""
    acceptance, kind_column = GENERATIONS[generation]
    out = {
        acceptance: (
            [
                ("ID", "int"),
                ("YWH", "text"),
                ("QXDM", "text"),
                ("SLRY", "text"),
                ("SLSJ", "time"),
                (kind_column, "int"),
            ],
            [
                ("1", "YW001", "340121", "张三", "2026-01-05T09:00:00", "200"),
                ("2", "YW002", "340121", "李四", "2026-01-20T14:30:05", "100"),
                ("3", "YW003", "340121", "张三", "2026-03-10T10:00:00", "200"),
                ("4", "YW004", "340121", "王五", "1900-01-01T00:00:00", "400"),  # the vendors' placeholder
                ("5", "YW005", "340122", "王五", "2025-12-30T16:00:00", None),
            ],
        ),
        "DJF_DJ_SH": (
            [("ID", "int"), ("YWH", "text"), ("JDMC", "text"), ("SXH", "int"), ("SHRYXM", "text"), ("SHJSSJ", "time")],
            [
                ("3", "YW001", "初审", "1", "赵六", "2026-01-06T10:00:00"),
                ("7", "YW001", "核定", "2", "赵六", "2026-01-07T11:00:00"),
                ("1", "YW002", "初审", "1", "钱七", None),
                ("2", "YW003", "初审", "1", "钱七", "2026-03-11T09:00:00"),
                ("9", None, "初审", "1", "钱七", "2026-01-08T09:00:00"),  # no YWH: read, last, rejected later
            ],
        ),
        "QLF_QL_DYAQ": (
            [
                *[("ID", "int"), ("YWH", "text"), ("BDCDYH", "text"), ("DJLX", "int"), ("DJSJ", "time")],
                *[("DBR", "text"), ("BDBZZQSE", "money"), ("ZGZQSE", "money"), ("DYFS", "int")],
            ],
            [
                (
                    "1",
                    "YW001",
                    "340121001001GB00001F00010001",
                    "100",
                    "2026-01-09T15:00:00",
                    "孙八",
                    "85.50",
                    None,
                    "1",
                ),
                ("2", "YW004", "340121001001GB00001F00010002", "400", "2026-03-02T09:00:00", "孙八", None, None, None),
                (
                    "3",
                    "YW005",
                    "340121001001GB00001F00010003",
                    "100",
                    "2026-01-04T09:00:00",
                    "孙八",
                    "12.00",
                    "30.25",
                    "2",
                ),
            ],
        ),
        "DJF_DJ_SF": (
            [("ID", "int"), ("YWH", "text"), ("SFRY", "text"), ("SFRQ", "time"), ("YSJE", "money"), ("SSJE", "money")],
            [
                ("1", "YW001", "周九", "2026-01-05T09:30:00", "80.00", "80.00"),
                ("2", "YW002", "周九", "2026-01-20T15:00:00", "550.00", None),
            ],
        ),
        "ZTT_GY_QLR": (
            [
                *[("ID", "int"), ("YWH", "text"), ("BDCDYH", "text"), ("SXH", "int"), ("QLRMC", "text")],
                *[("QLRLX", "int"), ("ZJH", "text"), ("DH", "text")],
            ],
            [
                (
                    "1",
                    "YW001",
                    "340121001001GB00001F00010001",
                    "1",
                    "中国建设银行股份有限公司合肥分行",
                    "2",
                    "91340100X",
                    None,
                ),
                ("2", "YW005", "340121001001GB00001F00010003", "1", "吴十", "1", "340121199001011234", "13800000000"),
            ],
        ),
        # another right table with DJSJ: read; a QLF table without DJSJ and an unrelated table: not read
        "QLT_QL_TDSYQ": (
            [("ID", "int"), ("YWH", "text"), ("DJSJ", "time"), ("DBR", "text")],
            [("1", "YW002", "2026-01-22T10:00:00", "孙八")],
        ),
    }
    return out


NOT_READ = {
    "QLF_QL_NOTIME": ([("ID", "int"), ("YWH", "text"), ("BZ", "text")], [("1", "YW001", "x")]),
    "XT_USER": ([("ID", "int"), ("YHM", "text")], [("1", "admin")]),
}


def assert_same_rows(got: RawRows, want: RawRows) -> None:
    """Same tables, columns, values and order; only the provenance file differs between forms."""
    assert got.form == want.form == "tables"
    assert list(got.tables) == list(want.tables)
    for name, frame in want.tables.items():
        pd.testing.assert_frame_equal(got.tables[name].drop(columns=FILE), frame.drop(columns=FILE), obj=name)


def _typed(value: str | None, kind: Kind) -> object:
    if value is None:
        return None
    if kind == "time":
        return dt.datetime.fromisoformat(value)
    if kind == "int":
        return int(value)
    if kind == "money":
        return decimal.Decimal(value)
    return value


def write_csv(folder: Path, generation: str = "new", name: Callable[[str], str] = str.lower) -> Path:
    """Each table a CSV (names in ``name``'s case, header in mixed case), plus the files not read."""
    folder.mkdir(parents=True, exist_ok=True)
    for table, (columns, rows) in {**tables(generation), **NOT_READ}.items():
        frame = pd.DataFrame(rows, columns=[c.capitalize() for c, _ in columns], dtype=object)
        frame.to_csv(folder / f"{name(table)}.csv", index=False, encoding="gb18030" if "SH" in table else "utf-8")
    return folder


def write_parquet(folder: Path, generation: str = "new") -> Path:
    """Each table a Parquet file with typed columns (timestamps, int64, decimal(12,2))."""
    folder.mkdir(parents=True, exist_ok=True)
    arrow = {"text": pa.string(), "time": pa.timestamp("us"), "int": pa.int64(), "money": pa.decimal128(12, 2)}
    for table, (columns, rows) in {**tables(generation), **NOT_READ}.items():
        arrays = {
            c: pa.array([_typed(r[i], kind) for r in rows], type=arrow[kind]) for i, (c, kind) in enumerate(columns)
        }
        pq.write_table(pa.table(arrays), folder / f"{table}.parquet")
    return folder


def load_db(url: str, generation: str = "new", schema: str | None = None, typed: bool = True) -> None:
    """The tables into a database, rows in reverse order; ``typed``: TIMESTAMP, INTEGER, NUMERIC(12,2)
    columns (PostgreSQL), else text and integers as a survey tool's SQLite holds them. Table and column
    names unquoted-lower (PostgreSQL's folding) when typed, mixed case otherwise."""
    sql_types = {"text": sa.String(100), "time": sa.DateTime(), "int": sa.Integer(), "money": sa.Numeric(12, 2)}
    if not typed:
        sql_types = {**sql_types, "time": sa.String(30), "money": sa.String(20)}
    engine = sa.create_engine(url)
    meta = sa.MetaData(schema=schema)
    with engine.begin() as conn:
        if schema:
            conn.execute(sa.text(f"CREATE SCHEMA IF NOT EXISTS {schema}"))
        for table, (columns, rows) in {**tables(generation), **NOT_READ}.items():
            tname = table.lower() if typed else table.title()
            cols = [
                sa.Column(c.lower() if typed else c.title(), sql_types[k], primary_key=c == "ID") for c, k in columns
            ]
            t = sa.Table(tname, meta, *cols)
            t.create(conn)
            values = [
                {
                    col.name: (_typed(r[i], k) if typed else (int(r[i]) if k == "int" and r[i] else r[i]))
                    for i, (col, (_, k)) in enumerate(zip(cols, columns, strict=True))
                }
                for r in reversed(rows)
            ]
            conn.execute(t.insert(), values)
        if schema and engine.dialect.name == "postgresql":
            conn.execute(sa.text(f"GRANT USAGE ON SCHEMA {schema} TO reader"))
            conn.execute(sa.text(f"GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO reader"))
    engine.dispose()
