"""Sources other than the flat event log: access messages and the standard tables (spec/sources.md).

Every reader produces the same intermediate form, :class:`RawRows` — the rows of the standard
tables as read, values as text — and :func:`regcheck.sources.events.to_load` maps it to the
canonical events and case attributes (sources.md §3–§5), so the three forms (message files and
archives, table files, a database) give the same findings by construction.

Modules:
- ``messages``: access-message XML files, folders and zip/tar archives, parsed safely with lxml.
- ``tables``: the standard tables as per-table CSV/Parquet files, and from a database (SQLAlchemy 2).
- ``events``: RawRows -> LoadResult (events, rejects, counts per table) and the SourceInfo.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..facts import Form

# Provenance columns every table frame of RawRows carries besides the attribute columns.
FILE = "_file"  # message file ("a.zip:2026/Biz….xml" for an archive member), table file, or "db:SCHEMA.TABLE"
ROW = "_row"  # where in that file: the element's line (XML), the data row number (CSV, 1-based), or row order (db)
ORDER = "_order"  # int64, global input order over the whole source (files in name order, members in archive order)
MESSAGE_CASE = "_case"  # XML: the message's case (the Head's RecFlowID without a "-n" suffix); None in table form

HEAD_FIELDS = (  # the Head of spec/sources.md §2, in the spec's spelling
    "BizMsgID",
    "ASID",
    "AreaCode",
    "RecType",
    "RightType",
    "RegType",
    "CreateDate",
    "RecFlowID",
    "RegOrgID",
    "ParcelID",
    "EstateNum",
    "PreEstateNum",
    "PreCertID",
    "CertCount",
    "ProofCount",
    "DigitalSign",
)


@dataclass
class RawRows:
    """The rows of the standard tables as read from one source, before mapping to events.

    ``tables``: table name as found, UPPER-case (``DJT_DJ_SLSQ`` or ``DJT_DJ_SL``, ``DJF_DJ_SH``,
    ``QLF_QL_DYAQ`` …) -> one frame per table: the attribute columns, UPPER-case names, values as
    text exactly as written (``str``; ``None`` for an absent attribute; placeholders such as ``/``
    and ``1900-01-01`` are *not* removed here — the mapping does that), plus the provenance
    columns FILE, ROW, ORDER and MESSAGE_CASE. Tables regcheck does not read may be left out.
    ``heads``: XML only — one row per message read: FILE, ORDER and the Head fields as text
    (``BizMsgID``, ``AreaCode``, ``RecFlowID``, ``RegType``, ``EstateNum`` …); empty otherwise.
    ``rejects``: whole files or members refused (not XML, root not Message, malformed, DTD or
    entities): columns file, row, column, value, reason, as the flat loader's rejects.
    ``files``: the files read, in read order; ``skipped``: directory or archive members passed
    over (not ``.xml``), counted for the summary.
    """

    form: Form
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    heads: pd.DataFrame = field(default_factory=pd.DataFrame)
    rejects: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["file", "row", "column", "value", "reason"])
    )
    files: list[str] = field(default_factory=list)
    skipped: int = 0
