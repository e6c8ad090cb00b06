"""CSV files for spreadsheets set in French: UTF-8 with a BOM, semicolons, decimal commas, no formulas.

The core gives ``neutralise_csv_cell`` (no formula injection); the rest is the convention of the other
plugins' exports (cofinancements' plan), kept in one place here.
"""

from __future__ import annotations

import csv
import io

from flask import Response

from qn_portal.api import neutralise_csv_cell


def cell(value) -> str:
    """A number as a French spreadsheet reads it (``25,5``); any text neutralised against formulas."""
    if isinstance(value, bool):
        return neutralise_csv_cell(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return (str(int(value)) if value.is_integer() else f"{value:.2f}".rstrip("0")).replace(".", ",")
    return neutralise_csv_cell(value)


def csv_response(rows, filename: str) -> Response:
    """A download of ``rows`` (lists of cells); ``filename`` must be ASCII (the callers build it from dates)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    for row in rows:
        writer.writerow([cell(value) for value in row])
    return Response("\ufeff" + buffer.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
