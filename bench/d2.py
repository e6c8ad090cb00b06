"""D2 on PostgreSQL: the D1 search index × 100, then every benchmark search timed through ``run_search``.

``python -m bench.d2 FACTOR`` (database from ``QN_DATABASE_URL``, which must hold D1) prints one JSON object.
Generating D1 × 100 row by row in Python would take most of an hour on this machine; the search goal is
about the index, so D2 multiplies the index in SQL (``INSERT … SELECT`` over ``generate_series``: each
document again under a new key, same text, same visibility). PostgreSQL computes the stored ``tsvector`` and
feeds the GIN index as it would for real documents.
"""

from __future__ import annotations

import json
import statistics
import sys
import time

from sqlalchemy import func, select, text

from bench.probe import SEARCHES
from qn_portal.search.models import VECTOR_COLUMN, VECTOR_INDEX

# Also the words in nearly every document, which are the ranking's worst case.
D2_SEARCHES = {**SEARCHES, "search-2-common": "numérique atelier", "search-3-common": "numérique atelier habitants"}


def multiply(db, factor: int) -> dict:
    """Copy every index entry ``factor - 1`` times; return the seconds each phase took.

    As for any bulk load: the GIN index is dropped first and built again once (feeding it row by row took
    over eight minutes here for ×100), and foreign-key triggers are skipped (the copies point at the same
    associations as their originals).
    """
    timings = {}
    started = time.perf_counter()
    db.session.execute(text("SET session_replication_role = replica"))
    db.session.execute(text(f"DROP INDEX IF EXISTS {VECTOR_INDEX}"))
    db.session.execute(text(
        "INSERT INTO search_entry (plugin, key, kind, title, text, url, association_id, visibility, title_stems, "
        "text_stems, updated_at) "
        "SELECT plugin, key || ':d2:' || n, kind, title, text, url, association_id, visibility, title_stems, "
        "text_stems, updated_at - make_interval(days => n) "
        "FROM search_entry, generate_series(1, :copies) AS n"), {"copies": factor - 1})
    db.session.execute(text("SET session_replication_role = DEFAULT"))
    db.session.commit()
    timings["insert_s"] = round(time.perf_counter() - started, 1)
    started = time.perf_counter()
    db.session.execute(text("SET maintenance_work_mem = '256MB'"))
    db.session.execute(text(f"CREATE INDEX {VECTOR_INDEX} ON search_entry USING gin ({VECTOR_COLUMN})"))
    db.session.commit()
    timings["gin_index_s"] = round(time.perf_counter() - started, 1)
    started = time.perf_counter()
    db.session.execute(text("ANALYZE search_entry"))
    db.session.commit()
    timings["analyze_s"] = round(time.perf_counter() - started, 1)
    return timings


def time_searches(db, runs: int = 5) -> list[dict]:
    """Each search ``runs`` times as a mediator of A and as a coordinator (who sees every document)."""
    from qn_portal.accounts.models import User
    from qn_portal.search import run_search

    people = {"mediator": "mediation.a@example.org", "coordinator": "coordination@example.org"}
    rows = []
    for who, email in people.items():
        user = db.session.scalar(select(User).where(User.email == email))
        for name, words in D2_SEARCHES.items():
            timings = []
            for _ in range(runs):
                started = time.perf_counter()
                results = run_search(user, words)
                timings.append(time.perf_counter() - started)
            rows.append({"who": who, "name": name, "q": words, "total": results.total,
                         "median_ms": round(statistics.median(timings) * 1000, 1),
                         "max_ms": round(max(timings) * 1000, 1)})
    return rows


def main(factor: int) -> None:
    """Multiply, then time; print the JSON described in the module's docstring."""
    from qn_portal import create_app
    from qn_portal.extensions import db
    from qn_portal.search import SearchEntry

    app = create_app()
    with app.app_context(), app.test_request_context():
        before = db.session.scalar(select(func.count(SearchEntry.id)))
        timings = multiply(db, factor) if factor > 1 else {}
        after = db.session.scalar(select(func.count(SearchEntry.id)))
        print(json.dumps({"factor": factor, "entries_before": before, "entries": after, "timings": timings,
                          "searches": time_searches(db)}))


if __name__ == "__main__":
    main(int(sys.argv[1]))
