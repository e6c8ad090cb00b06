"""Reading a CSV export back the way a spreadsheet user's script would, for the core's and plugins' tests."""

from __future__ import annotations

import csv
import io


def read_csv(response) -> list[list[str]]:
    """The rows of a CSV response (status 200, BOM, CRLF), read with ``;`` and ``utf-8-sig``."""
    assert response.status_code == 200, response.status_code
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf"), "the file must start with a UTF-8 byte order mark"
    assert body.endswith(b"\r\n")
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))


def csv_link_in(page: str, path: str) -> bool:
    """Whether ``page`` (HTML) links to the export ``path`` (a query string's ``&`` written ``&amp;``)."""
    return f'href="{path.replace("&", "&amp;")}"' in page and "Télécharger (CSV)" in page
