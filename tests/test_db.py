"""The standard tables from a database (spec/sources.md §1, §3, §7): SQLite and a real PostgreSQL
server give the same RawRows as the table files; SELECT only; the password never shown; period
push-down in SQL."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, quote_plus

import pandas as pd
import pytest
import sqlalchemy as sa

from regcheck.errors import InputError
from regcheck.sources import FILE
from regcheck.sources.db import ENV_URL, mask_url, read_db, url_from_env
from regcheck.sources.tables import read_table_files
from tests._postgres import READER_PASSWORD, Postgres, postgres_server  # noqa: F401 (the fixture)
from tests._standard_tables import assert_same_rows, load_db, write_csv

JANUARY = (pd.Timestamp("2026-01-01"), pd.Timestamp("2026-01-31 23:59:59"))


@pytest.fixture(scope="module")
def pg_loaded(postgres_server: Postgres) -> Postgres:  # noqa: F811
    """Both name generations, typed columns, lower-case names: generation ``old`` in schema ``gen_old``."""
    admin = postgres_server.url()
    load_db(admin, "new", schema=None, typed=True)
    load_db(admin, "old", schema="gen_old", typed=True)
    return postgres_server


@pytest.fixture
def statements() -> Iterator[list[str]]:
    """Every SQL statement any engine sends while the test runs."""
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        seen.append(statement)

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", record)


def sqlite_db(tmp_path: Path, generation: str = "new") -> str:
    url = f"sqlite:///{tmp_path / f'{generation}.db'}"
    load_db(url, generation, typed=False)
    return url


def only_reads(statements: list[str]) -> None:
    assert statements, "no statement recorded"
    for s in statements:
        assert re.match(r"\s*(SELECT|PRAGMA|SHOW|SET TRANSACTION READ ONLY)\b", s, re.I), s
        assert not (s.strip().upper().startswith("PRAGMA") and "=" in s), s  # a PRAGMA that sets something


@pytest.mark.parametrize("generation", ["new", "old"])
def test_sqlite_gives_the_rows_of_the_table_files(tmp_path: Path, generation: str, statements: list[str]) -> None:
    files = read_table_files(write_csv(tmp_path / "csv", generation))
    url = sqlite_db(tmp_path, generation)
    statements.clear()  # the loading above is the test's, not regcheck's
    got = read_db(url)
    assert_same_rows(got, files)
    assert got.tables["DJF_DJ_SH"]["YWH"].tolist() == ["YW001", "YW001", "YW002", "YW003", None]
    assert got.files[0] == "db:Djf_Dj_Sf" and set(got.tables["DJF_DJ_SF"][FILE]) == {"db:Djf_Dj_Sf"}
    only_reads(statements)


@pytest.mark.parametrize(("generation", "schema"), [("new", None), ("old", "gen_old")])
def test_postgresql_gives_the_rows_of_the_table_files(
    pg_loaded: Postgres, tmp_path: Path, generation: str, schema: str | None, statements: list[str]
) -> None:
    files = read_table_files(write_csv(tmp_path / "csv", generation, name=str.upper))
    got = read_db(pg_loaded.url("reader", READER_PASSWORD), schema=schema)
    assert_same_rows(got, files)
    dyaq = got.tables["QLF_QL_DYAQ"]  # typed TIMESTAMP, INTEGER and NUMERIC(12,2) as the files write them
    assert dyaq[["DJSJ", "DJLX", "BDBZZQSE", "ZGZQSE"]].iloc[2].tolist() == [
        "2026-01-04T09:00:00",
        "100",
        "12.00",
        "30.25",
    ]
    assert got.tables[next(iter(t for t in got.tables if t.startswith("DJT")))]["SLSJ"].iloc[3] == "1900-01-01T00:00:00"
    only_reads(statements)


def test_postgresql_session_is_read_only(pg_loaded: Postgres, statements: list[str]) -> None:
    """Even as the superuser, the reading transaction is READ ONLY (what the server enforces)."""
    read_db(pg_loaded.url())
    assert any(s.strip().upper() == "SET TRANSACTION READ ONLY" for s in statements)


def test_window_reads_only_the_cases_in_the_window(pg_loaded: Postgres, tmp_path: Path) -> None:
    """January: YW001, YW002 accepted in it; YW005 accepted 2025-12-30 but registered in January.
    YW003 (March) and YW004 (placeholder acceptance, registered in March) are not read."""
    for url in (pg_loaded.url("reader", READER_PASSWORD), sqlite_db(tmp_path)):
        got = read_db(url, window=JANUARY)
        cases = {n: sorted(set(f["YWH"].dropna())) for n, f in got.tables.items()}
        assert cases["DJT_DJ_SLSQ"] == ["YW001", "YW002", "YW005"], url
        assert cases["DJF_DJ_SH"] == ["YW001", "YW002"]
        assert cases["QLF_QL_DYAQ"] == ["YW001", "YW005"]
        assert got.tables["DJF_DJ_SH"]["YWH"].isna().sum() == 0  # a row without YWH belongs to no case in it


def test_window_is_bound_parameters(tmp_path: Path, statements: list[str]) -> None:
    url = sqlite_db(tmp_path)
    statements.clear()
    read_db(url, window=JANUARY)
    window_sql = [s for s in statements if "UNION" in s.upper()]
    assert window_sql and not any("2026" in s or "2025" in s for s in window_sql)
    only_reads(statements)


def test_sqlite_text_times_outside_iso_are_not_left_out(tmp_path: Path) -> None:
    """A text time SQL cannot compare (compact form) keeps its case in: the period cut decides."""
    url = sqlite_db(tmp_path)
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE Djt_Dj_Slsq SET Slsj = '20260310100000' WHERE Ywh = 'YW003'"))
    engine.dispose()
    got = read_db(url, window=JANUARY)
    assert "YW003" in set(got.tables["DJT_DJ_SLSQ"]["YWH"])


# --- errors: one line, password masked ------------------------------------------------------


def spellings(password: str) -> set[str]:
    return {password, quote(password, safe=""), quote_plus(password)}


def assert_masked(message: str, password: str) -> None:
    assert "\n" not in message
    for s in spellings(password):
        assert s not in message, message


def test_wrong_password_is_masked(pg_loaded: Postgres) -> None:
    wrong = "Wr0ng/pa55:wörd"
    with pytest.raises(InputError) as err:
        read_db(pg_loaded.url("reader", wrong))
    assert "reader:***@" in str(err.value) and "password authentication failed" in str(err.value)
    assert_masked(str(err.value), wrong)


def test_a_password_given_as_a_query_parameter_is_masked_too(pg_loaded: Postgres) -> None:
    url = pg_loaded.url("reader") + "&password=Qu3ry-secret"
    with pytest.raises(InputError) as err:
        read_db(url)
    assert "password=***" in str(err.value) and "password authentication failed" in str(err.value)
    assert_masked(str(err.value), "Qu3ry-secret")


def test_unreachable_host_is_masked() -> None:
    url = "postgresql+psycopg://reader:T0p-secret@127.0.0.1:1/regdata?connect_timeout=5"
    with pytest.raises(InputError) as err:
        read_db(url)
    assert str(err.value).startswith("--db postgresql+psycopg://reader:***@127.0.0.1:1/regdata")
    assert_masked(str(err.value), "T0p-secret")


@pytest.mark.parametrize(
    "url", ["not a url://u:hunter2@x", "nosuchdialect://u:hunter2@host/db", "sqlite+nosuch://u:hunter2@/x"]
)
def test_bad_url_is_one_masked_line(url: str) -> None:
    with pytest.raises(InputError) as err:
        read_db(url)
    assert_masked(str(err.value), "hunter2")


def test_missing_sqlite_file_is_an_error_not_a_new_database(tmp_path: Path) -> None:
    path = tmp_path / "none.db"
    with pytest.raises(InputError, match="unable to open database file"):
        read_db(f"sqlite:///{path}")
    assert not path.exists()


def test_missing_acceptance_table(tmp_path: Path) -> None:
    url = sqlite_db(tmp_path)
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE Djt_Dj_Slsq"))
    engine.dispose()
    with pytest.raises(InputError, match="no DJT_DJ_SLSQ or DJT_DJ_SL table"):
        read_db(url)


def test_missing_optional_tables_are_absent(tmp_path: Path) -> None:
    url = sqlite_db(tmp_path)
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE Djf_Dj_Sf"))
    engine.dispose()
    assert "DJF_DJ_SF" not in read_db(url).tables


def test_mask_url_and_env(monkeypatch: pytest.MonkeyPatch) -> None:
    assert mask_url("postgresql+psycopg://u:p%40ss@h/db") == "postgresql+psycopg://u:***@h/db"
    assert mask_url("bad url://u:secret@h") == "bad url://u:***@h"
    assert mask_url("bad url://u:se/cr@et@h/db") == "bad url://u:***@h/db"
    assert mask_url("postgresql+psycopg://u@h/db?password=secret&sslmode=require") == (
        "postgresql+psycopg://u@h/db?password=***&sslmode=require"
    )
    monkeypatch.setenv(ENV_URL, "sqlite:///x.db")
    assert url_from_env(None) == "sqlite:///x.db" and url_from_env("sqlite:///y.db") == "sqlite:///y.db"
    monkeypatch.delenv(ENV_URL)
    assert url_from_env(None) is None


def test_a_write_is_refused_before_it_runs(tmp_path: Path) -> None:
    """The guard on regcheck's connections: a statement that is not a read never reaches the database."""
    from regcheck.sources import db

    url = sqlite_db(tmp_path)
    for sql in ["DELETE FROM Djf_Dj_Sf", "PRAGMA journal_mode=WAL", "DROP TABLE Djf_Dj_Sf"]:
        with pytest.raises(RuntimeError, match="only SELECT"), db._connect(url) as (conn, _engine):
            conn.execute(sa.text(sql))
    assert len(read_db(url).tables["DJF_DJ_SF"]) == 2
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("PRAGMA journal_mode")).scalar() == "delete"
    engine.dispose()


def test_a_sqlite_path_with_spaces_and_hash(tmp_path: Path) -> None:
    folder = tmp_path / "region data #1"
    folder.mkdir()
    url = sqlite_db(folder)
    assert len(read_db(url).tables["DJF_DJ_SF"]) == 2
