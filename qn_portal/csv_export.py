"""CSV downloads of the portal's lists, in the form French spreadsheet software opens without a wizard.

One format everywhere: UTF-8 with a byte order mark (Excel reads accents right only with it), ``;`` between
cells (the French Excel and LibreOffice default, since ``,`` is the decimal separator), CRLF line ends
(RFC 4180), and every cell made safe against formula injection.

Cells, by the Python type of the value (the type says where the value comes from, not what it looks like):

- ``None`` → empty cell;
- ``bool`` → « oui » / « non » (translated);
- ``int``, ``float``, ``Decimal`` → a number, decimal comma (``25,5``). A negative number stays a number
  (``-3``): it comes from a numeric column, never from someone's typing, so it cannot carry a formula, and
  a spreadsheet user wants to add it up;
- ``datetime`` → ``YYYY-MM-DD HH:MM`` in the portal's time zone (Europe/Paris), ``date`` → ``YYYY-MM-DD``:
  both are read as dates by spreadsheets;
- anything else → text through ``neutralise_csv_cell``: a text that a spreadsheet would take as a formula
  (``=``, ``+``, ``-``, ``@``, a tab, a line break, even after spaces) gets a leading apostrophe. So a
  *text* ``"-3"`` typed by someone is shown as text: only real numbers stay numbers.

Large lists are streamed: ``csv_response`` accepts a generator and sends the file as it is written, and
``stream_scalars`` reads a select in batches (``yield_per``), so that 10⁴ rows never sit in one string.
Load the relationships the cells need with ``selectinload`` (one query per batch, never one per row).
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from urllib.parse import quote

from flask import Response, stream_with_context
from flask_babel import gettext, to_user_timezone

from .extensions import db
from .text import neutralise_csv_cell

BATCH_SIZE = 500
BOM = "\ufeff"
# Lines are sent in pieces of about this many characters: one write per line would cost a system call each.
CHUNK_SIZE = 16 * 1024


class _Line:
    """A file-like sink for ``csv.writer`` that hands back the one line just written."""

    def __init__(self):
        self.text = ""

    def write(self, text: str) -> None:
        self.text = text


def csv_cell(value: object) -> str:
    """One cell as a French spreadsheet reads it (see the module docstring for the rules by type)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return gettext("oui") if value else gettext("non")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float | Decimal):
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        text = format(value, "f")
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return text.replace(".", ",")
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = to_user_timezone(value)
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return neutralise_csv_cell(value)


def csv_lines(header: Sequence[object], rows: Iterable[Sequence[object]]) -> Iterator[str]:
    """The file as a generator of pieces of whole lines: the BOM and the header first, then the rows."""
    sink = _Line()
    writer = csv.writer(sink, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([csv_cell(str(label)) for label in header])
    yield BOM + sink.text
    pending: list[str] = []
    size = 0
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
        pending.append(sink.text)
        size += len(sink.text)
        if size >= CHUNK_SIZE:
            yield "".join(pending)
            pending, size = [], 0
    if pending:
        yield "".join(pending)


def ascii_filename(filename: str) -> str:
    """``filename`` reduced to safe ASCII (accents dropped, anything odd turned into ``-``), ending in ``.csv``."""
    stem = filename[:-4] if filename.lower().endswith(".csv") else filename
    stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode("ascii")
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-.") or "export"
    return stem[:120] + ".csv"


def content_disposition(filename: str) -> str:
    """An ``attachment`` header: an ASCII ``filename`` for old clients and the exact name as RFC 5987 ``filename*``."""
    exact = filename if filename.lower().endswith(".csv") else filename + ".csv"
    exact = re.sub(r"[\x00-\x1f\x7f/\\]", "-", exact)
    return f"attachment; filename=\"{ascii_filename(filename)}\"; filename*=UTF-8''{quote(exact, safe='')}"


def csv_response(header: Sequence[object], rows: Iterable[Sequence[object]], filename: str, *,
                 private: bool = True) -> Response:
    """A CSV download of ``rows`` (any iterable of sequences, a generator for large lists) under ``header``.

    UTF-8 with BOM, ``;``-separated, CRLF, every cell through ``csv_cell``; ``filename`` may hold accents (it
    is sent both as safe ASCII and as RFC 5987 ``filename*``). The body is streamed inside the request
    context, so a generator may still query the database and translate. ``private`` (the default: almost
    every list is for signed-in people) forbids any cache to keep the file.

    The body is produced after the view has returned, once the request's audit entries are written in a
    transaction of their own: a generator must query what it shows itself (``stream_scalars``), never use
    objects the view loaded (they are expired by then). Small lists may be passed as plain values instead.
    """
    response = Response(stream_with_context(csv_lines(header, rows)), mimetype="text/csv")
    response.headers["Content-Disposition"] = content_disposition(filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    if private:
        response.headers["Cache-Control"] = "private, no-store"
    return response


def stream_scalars(statement, batch_size: int = BATCH_SIZE) -> Iterator:
    """The objects of a select, read ``batch_size`` at a time (``yield_per``): memory stays flat on long lists.

    Eager-load what the cells need with ``selectinload``: it runs once per batch, not once per row.
    """
    yield from db.session.scalars(statement.execution_options(yield_per=batch_size))


def stream_batches(statement, batch_size: int = BATCH_SIZE) -> Iterator[list]:
    """The objects of a select in lists of ``batch_size``: for cells that need a grouped query per batch
    (counts by id, as list pages compute them for their page), never one query per row."""
    for batch in db.session.scalars(statement.execution_options(yield_per=batch_size)).partitions():
        yield list(batch)


def stream_rows(statement, batch_size: int = BATCH_SIZE) -> Iterator:
    """The rows (tuples) of a select of several columns or entities, read ``batch_size`` at a time."""
    yield from db.session.execute(statement.execution_options(yield_per=batch_size))


def count_rows(statement) -> int:
    """How many rows ``statement`` gives (one ``COUNT`` query), to audit an export before it is streamed."""
    from sqlalchemy import func, select

    return db.session.scalar(select(func.count()).select_from(statement.order_by(None).subquery())) or 0
