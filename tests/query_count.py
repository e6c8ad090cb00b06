"""Counting the SQL statements a page sends, for the tests that check no list runs a query per row."""

from __future__ import annotations

from sqlalchemy import event

from qn_portal.extensions import db


class QueryCounter:
    """Count the statements sent through ``engine`` while the ``with`` block runs."""

    def __init__(self, engine):
        self.engine, self.count = engine, 0

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._count)

    def _count(self, *args, **kwargs):
        self.count += 1


def count_queries(app, client, path: str) -> int:
    """The statements of one rendering of ``path`` (which must answer 200), its whole body read.

    With the page cache on (QN_TEST_PAGE_CACHE=1), a page read again would come from the cache with no query
    at all: the data version is moved first, as any write would, so that the page is rendered.
    """
    from qn_portal.page_cache import get_cache

    with app.app_context():
        engine = db.engine
    cache = get_cache(app)
    if cache is not None:
        cache.bump()
    with QueryCounter(engine) as counter:
        response = client.get(path)
        assert response.status_code == 200, path
        response.get_data()  # a streamed body (CSV exports) runs its queries while it is read
        response.close()
    return counter.count
