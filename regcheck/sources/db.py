"""The standard tables in a database (spec/sources.md §1, §3, §7) -> :class:`RawRows`, through SQLAlchemy 2.

regcheck issues SELECTs only (a guard on the connection refuses anything else) and opens the
connection read-only where the dialect allows (SQLite ``mode=ro``, PostgreSQL a read-only
transaction). Table and column names are matched without regard to case; rows come ordered by
YWH, then the table's primary key; values come as text as the table files give them
(:func:`regcheck.sources.tables.python_text`). The password never appears in a message:
:func:`mask_url`, and every error text is scrubbed of it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote, quote_plus

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import URL, Connection, Engine, make_url

from ..errors import InputError
from . import RawRows
from .tables import ACCEPTANCE, NAMED, python_text, text_frame, upper_columns, wanted_table, with_provenance

ENV_URL = "REGCHECK_DB_URL"  # the URL may come from the environment (the password stays out of shell history)
CHUNK_ROWS = 50_000  # rows fetched at a time (stream_results / yield_per)
WINDOW_MARGIN = pd.Timedelta(days=1)  # the push-down window is widened by a day each side (time zones, text times)
# reads: queries, the dialects' catalogue reads (SQLite PRAGMA table_info …, PostgreSQL SHOW), and
# the statement that makes a PostgreSQL transaction read-only
_READ_ONLY = re.compile(
    r"^\s*(select|with|show|pragma\s+[\w.\"]+\s*\([^=]*$|set transaction read only\s*$)", re.IGNORECASE
)
_TEXT = sa.String(100)  # a time or a YWH compared as text (Oracle's VARCHAR2 needs a length)
_PASSWORD_IN_URL = re.compile(r"(://[^:/@?#]*:).*@")  # up to the last "@": over-masking is safe
_PASSWORD_KEYS = {"password", "passwd", "pwd"}  # a password given as a query parameter (psycopg reads it)


def _secrets(url: str | URL) -> list[str]:
    """The URL's passwords (user part and query parameters), longest first."""
    try:
        parsed = make_url(url)
    except (sa.exc.ArgumentError, ValueError, TypeError):
        found = _PASSWORD_IN_URL.search(str(url))
        return [found.group(0)[len(found.group(1)) : -1]] if found else []
    values = [parsed.password] + [v for k, v in parsed.query.items() if k.lower() in _PASSWORD_KEYS]
    flat = [str(x) for v in values if v for x in ([v] if isinstance(v, str) else v)]
    return sorted({x for p in flat for x in (p, quote(p, safe=""), quote_plus(p))}, key=len, reverse=True)


def mask_url(url: str | URL) -> str:
    """The URL with its passwords shown as ``***`` (also for a URL SQLAlchemy cannot parse)."""
    try:
        parsed = make_url(url)
    except (sa.exc.ArgumentError, ValueError, TypeError):
        return _PASSWORD_IN_URL.sub(r"\1***@", str(url))
    hidden = {k: "***" for k in parsed.query if k.lower() in _PASSWORD_KEYS}
    text = parsed.update_query_dict(hidden).render_as_string(hide_password=True)
    return text.replace("=%2A%2A%2A", "=***")  # the query's mask as the user-part's, not URL-quoted


def _scrub(text: str, url: str | URL) -> str:
    """``text`` (an error message) without the URL's passwords, in any of their spellings, on one line."""
    out = " ".join(str(text).split())
    for secret in _secrets(url):
        out = out.replace(secret, "***")
    return out


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc  # the driver's own message, without SQLAlchemy's statement dump
    lines = [line for line in str(orig).splitlines() if line.strip()]
    return lines[0] if lines else type(orig).__name__


def _read_only_url(url: URL) -> URL:
    """SQLite files opened ``mode=ro`` (a missing file is an error, not a new empty database)."""
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return url
    if url.query.get("uri") == "true" or url.database.startswith("file:"):
        return url
    return url.set(database=f"file:{quote(url.database, safe='/:')}?mode=ro", query={**url.query, "uri": "true"})


def url_from_env(url: str | None) -> str | None:
    """The ``--db`` URL as given, else ``REGCHECK_DB_URL`` from the environment (None: neither)."""
    return url or os.environ.get(ENV_URL) or None


def _refuse_writes(*args: object) -> None:
    """Every statement regcheck sends is a read; anything else is a bug, stopped before it runs."""
    statement = str(args[2])  # (conn, cursor, statement, parameters, context, executemany)
    if not _READ_ONLY.match(statement):
        raise RuntimeError(f"regcheck sends only SELECT statements to a database; refused: {statement[:60]!r}")


@contextmanager
def _connect(url: str) -> Iterator[tuple[Connection, Engine]]:
    try:
        parsed = _read_only_url(make_url(url))
    except (sa.exc.ArgumentError, ValueError, TypeError):
        raise InputError(f"--db {mask_url(url)}: not a database URL (e.g. sqlite:///regdata.db)") from None
    try:
        engine = sa.create_engine(parsed, poolclass=sa.pool.NullPool)
    except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError, ImportError) as exc:
        raise InputError(f"--db {mask_url(url)}: {_scrub(_first_line(exc), url)}") from None
    sa.event.listen(engine, "before_cursor_execute", _refuse_writes)
    try:
        with engine.connect() as conn:
            if parsed.get_backend_name() == "postgresql":
                conn.execute(sa.text("SET TRANSACTION READ ONLY"))
            yield conn, engine
    except sa.exc.SQLAlchemyError as exc:
        raise InputError(f"--db {mask_url(url)}: {_scrub(_first_line(exc), url)}") from None
    finally:
        engine.dispose()


def _inspector(conn: Connection) -> sa.Inspector:
    """One inspector per connection: it caches what it has read of the catalogue."""
    if "regcheck_inspector" not in conn.info:
        conn.info["regcheck_inspector"] = sa.inspect(conn)
    return conn.info["regcheck_inspector"]


def _find_tables(conn: Connection, schema: str | None) -> dict[str, str]:
    """UPPER-case table name -> the name in the database, for the tables (and views) regcheck reads."""
    insp = _inspector(conn)
    names = [*insp.get_table_names(schema=schema), *insp.get_view_names(schema=schema)]
    found: dict[str, str] = {}
    for name in sorted(names):
        upper = name.upper()
        if not upper.startswith(("DJT_", "DJF_", "ZTT_", "QLF_", "QLT_")):
            continue
        columns = [] if upper in NAMED else [c["name"] for c in insp.get_columns(name, schema=schema)]
        if wanted_table(upper, columns):
            if upper in found:
                raise InputError(f"the database holds both {found[upper]!r} and {name!r}: keep one table {upper}")
            found[upper] = name
    if not any(t in found for t in ACCEPTANCE):
        where = f" in schema {schema!r}" if schema else ""
        raise InputError(f"the database holds no DJT_DJ_SLSQ or DJT_DJ_SL table{where}: no acceptance rows to check")
    return found


def _table(
    conn: Connection, name: str, schema: str | None
) -> tuple[sa.TableClause, list[str], list[str], dict[str, sa.types.TypeEngine]]:
    """The table as an untyped clause (values come as the driver gives them, no type conversion that
    could fail on a vendor's text), its columns, primary key and the columns' declared types."""
    insp = _inspector(conn)
    reflected = insp.get_columns(name, schema=schema)
    columns = [c["name"] for c in reflected]
    try:
        key = list(insp.get_pk_constraint(name, schema=schema).get("constrained_columns") or [])
    except NotImplementedError:  # a view, or a dialect without keys
        key = []
    types = {c["name"]: c["type"] for c in reflected}
    return sa.table(name, *[sa.column(c) for c in columns], schema=schema), columns, key, types


def _time_cond(col: sa.ColumnClause, typ: sa.types.TypeEngine, lo: pd.Timestamp | None, hi: pd.Timestamp, typed: bool):
    """``col`` inside [lo, hi) (no lower bound when ``lo`` is None), or empty: a typed column compared as
    times, a text column as ISO text.

    Text times that do not start ``YYYY-MM-DD`` or ``YYYY/MM/DD`` (compact, Excel serials,
    placeholders) cannot be compared in SQL: their cases are read, and the period cut decides. So are
    empty ones: an acceptance row without its time still makes its case (sources.md §3, §7).
    """
    if typed and isinstance(typ, (sa.Date, sa.DateTime)):
        upper = col < sa.bindparam(None, hi.to_pydatetime())
        bounded = upper if lo is None else sa.and_(col >= sa.bindparam(None, lo.to_pydatetime()), upper)
        return sa.or_(bounded, col.is_(None))
    text = sa.cast(col, _TEXT)
    day = sa.func.replace(sa.func.substr(text, 1, 10), "/", "-")
    iso = sa.or_(text.like("____-__-__%"), text.like("____/__/__%"))
    inside = day < sa.bindparam(None, hi.strftime("%Y-%m-%d"))
    if lo is not None:
        inside = sa.and_(day >= sa.bindparam(None, lo.strftime("%Y-%m-%d")), inside)
    return sa.or_(sa.and_(iso, inside), sa.not_(iso), col.is_(None))


def _window_cases(
    conn: Connection, found: dict[str, str], schema: str | None, window: tuple[pd.Timestamp | None, pd.Timestamp]
) -> sa.Subquery | None:
    """The YWHs whose acceptance (SLSJ) or registration (DJSJ) falls in the window (a subquery)."""
    lo = None if window[0] is None else pd.Timestamp(window[0]).tz_localize(None).normalize() - WINDOW_MARGIN
    hi = pd.Timestamp(window[1]).tz_localize(None).normalize() + 2 * WINDOW_MARGIN
    typed = conn.dialect.name != "sqlite"  # SQLite stores times as the text it was given, whatever declared
    insp = _inspector(conn)
    parts = []
    for upper, name in found.items():
        time_col = "SLSJ" if upper in ACCEPTANCE else "DJSJ"
        cols = {c["name"].upper(): c for c in insp.get_columns(name, schema=schema)}
        if "YWH" not in cols or time_col not in cols:
            continue
        t = sa.table(name, sa.column(cols["YWH"]["name"]), sa.column(cols[time_col]["name"]), schema=schema)
        cond = _time_cond(t.c[cols[time_col]["name"]], cols[time_col]["type"], lo, hi, typed)
        parts.append(sa.select(sa.cast(t.c[cols["YWH"]["name"]], _TEXT).label("ywh")).where(cond))
    if not parts:  # no acceptance or registration time to select on: no push-down, every case is read
        return None
    return (sa.union(*parts) if len(parts) > 1 else parts[0]).subquery("in_window")


def _read_table(
    conn: Connection, label: str, name: str, schema: str | None, cases: sa.Subquery | None, first: int
) -> pd.DataFrame:
    """One table's rows (those of the window's cases), ordered by YWH then primary key, as text."""
    table, columns, key, types = _table(conn, name, schema)
    names = upper_columns(label, columns)
    ywh = names.get("YWH")
    stmt = sa.select(*[table.c[c] for c in names.values()])
    if cases is not None and ywh is not None:
        own = table.c[ywh] if isinstance(types[ywh], sa.String) else sa.cast(table.c[ywh], _TEXT)
        stmt = stmt.where(own.in_(sa.select(cases.c.ywh)))
    order = ([ywh] if ywh else []) + [k for k in key if k != ywh]
    if order:  # ORDER BY the columns themselves, so that an index on YWH serves it
        stmt = stmt.order_by(*[table.c[c] for c in order])
    parts: list[pd.DataFrame] = []
    result = conn.execution_options(stream_results=True, yield_per=CHUNK_ROWS).execute(stmt)
    for chunk in result.partitions():
        values = np.empty((len(chunk), len(names)), dtype=object)
        values[:] = [tuple(r) for r in chunk]
        texts = {u: python_text(values[:, i], f"{label}: {c}") for i, (u, c) in enumerate(names.items())}
        parts.append(text_frame(texts))
    frame = pd.concat(parts, ignore_index=True) if parts else text_frame({u: python_text([]) for u in names})
    if ywh is not None:  # rows without YWH last, whichever end the dialect sorts NULL to
        missing = frame["YWH"].isna().to_numpy()
        frame = pd.concat([frame.loc[~missing], frame.loc[missing]], ignore_index=True)
    return with_provenance(frame, label, np.arange(1, len(frame) + 1), first)


def read_db(
    url: str, schema: str | None = None, window: tuple[pd.Timestamp | None, pd.Timestamp] | None = None
) -> RawRows:
    """The standard tables of the database at ``url`` -> RawRows (form "tables").

    ``window``: read only the cases (YWH) whose acceptance SLSJ or registration DJSJ falls in it
    (widened by a day each side; the period cut is exact), and only their rows — in SQL, with bound
    parameters. Rows without a YWH column to select on are read whole (the mapping rejects them).
    An unreachable database, a bad URL or no acceptance table: InputError, password masked.
    """
    out = RawRows(form="tables")
    with _connect(url) as (conn, _engine):
        found = _find_tables(conn, schema)
        cases = _window_cases(conn, found, schema, window) if window is not None else None
        order = 0
        for upper, name in sorted(found.items()):
            label = f"db:{schema}.{name}" if schema else f"db:{name}"
            out.tables[upper] = _read_table(conn, label, name, schema, cases, order)
            out.files.append(label)
            order += len(out.tables[upper])
    return out
