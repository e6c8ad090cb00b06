"""One search index for the whole portal: plugins push documents, the core filters and ranks them.

* ``analysis``: French words to stems, the same for documents and queries, on every database;
* ``models``: the ``search_entry`` table, and the full-text objects of each database (FTS5 on SQLite,
  a stored ``tsvector`` with a GIN index on PostgreSQL);
* ``index``: ``index_document``, ``unindex_document`` and ``reindex`` (``qn-portal search reindex``);
* ``query``: who finds what, ranked (title hits first) and grouped by kind for ``/recherche``.
"""

from __future__ import annotations

from .analysis import MAX_QUERY_WORDS, parse_query
from .index import index_document, reindex, unindex_document
from .models import VISIBILITIES, SearchEntry, is_dialect_specific
from .query import SearchResults, run_search, search_statement

__all__ = [
    "MAX_QUERY_WORDS", "VISIBILITIES", "SearchEntry", "SearchResults", "index_document", "is_dialect_specific",
    "parse_query", "reindex", "run_search", "search_statement", "unindex_document",
]
