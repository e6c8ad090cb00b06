"""In-process look at the pages the load run hits: which URLs, their status, bytes and SQL queries.

``python -m bench.probe COOKIE`` (the database comes from ``QN_DATABASE_URL``) prints one JSON object:
``pages`` (name, url, kind, status, bytes, queries) and ``writes`` (the forms the soak posts to). The pages
are read with Flask's test client carrying the mediator's session cookie from the live server, and every
SQL statement is counted by a SQLAlchemy ``before_cursor_execute`` listener.
"""

from __future__ import annotations

import json
import sys
import time

from sqlalchemy import event, func, select

RENDERINGS = 5  # per page, for its CPU time (run without the page cache: every request renders)
SEARCHES = {  # name: query — one to three words, from the most common word of the data to a rare one
    "search-1-common": "numérique",
    "search-1-rare": "reconditionné",
    "search-2-words": "ameli caf",
    "search-3-words": "smartphone seniors atelier",
}


def choose_pages(db) -> list[dict]:
    """The main pages (dashboard, each plugin's list and detail, search, calendar, directory), with ids a
    mediator of association A may open: generated rows of A or shared with the whole community."""
    from plugins.ateliers.models import Session, Workshop
    from plugins.cofinancements.models import Opportunity
    from plugins.echanges.models import EchangesThread
    from plugins.ressources.models import Resource
    from plugins.veille.models import VeillePost
    from qn_portal.associations.models import Association
    from qn_portal.dbtypes import utcnow

    association = db.session.scalar(select(Association).where(Association.slug == "grand-parc-connecte"))
    resource = db.session.scalar(select(func.max(Resource.id)).where(
        Resource.status == "published", Resource.visibility == "community"))
    post = db.session.scalar(select(func.max(VeillePost.id)).where(VeillePost.visibility == "intranet"))
    workshop = db.session.scalar(select(func.max(Workshop.id)).where(Workshop.association_id == association.id))
    session = db.session.scalar(select(func.min(Session.id)).where(
        Session.association_id == association.id, Session.starts_at > utcnow()))
    opportunity = db.session.scalar(select(func.max(Opportunity.id)))
    thread = db.session.scalar(select(func.max(EchangesThread.id)).where(EchangesThread.reply_count >= 3))
    pages = [
        ("dashboard", "/tableau-de-bord"),
        ("ressources-list", "/ressources/"), ("ressources-detail", f"/ressources/{resource}"),
        ("veille-list", "/veille/"), ("veille-detail", f"/veille/billets/{post}"),
        ("ateliers-calendar", "/ateliers/"), ("ateliers-list", "/ateliers/ateliers"),
        ("ateliers-detail", f"/ateliers/ateliers/{workshop}"), ("ateliers-session", f"/ateliers/seances/{session}"),
        ("cofinancements-list", "/cofinancements/"), ("cofinancements-detail", f"/cofinancements/aides/{opportunity}"),
        ("echanges-list", "/echanges/"), ("echanges-detail", f"/echanges/sujets/{thread}"),
        ("directory", "/associations/"), ("association", f"/associations/{association.slug}"),
    ]
    result = [{"name": name, "url": url, "kind": "page"} for name, url in pages]
    result += [{"name": name, "url": "/recherche?" + _query(q), "kind": "search"} for name, q in SEARCHES.items()]
    return result


def _query(words: str) -> str:
    from urllib.parse import urlencode

    return urlencode({"q": words})


def write_targets(db) -> dict:
    """Upcoming sessions of association A, where the soak registers new residents."""
    from plugins.ateliers.models import Session
    from qn_portal.associations.models import Association
    from qn_portal.dbtypes import utcnow

    association_id = db.session.scalar(select(Association.id).where(Association.slug == "grand-parc-connecte"))
    sessions = list(db.session.scalars(select(Session.id).where(
        Session.association_id == association_id, Session.starts_at > utcnow()).order_by(Session.id).limit(20)))
    return {"sessions": sessions}


def main(cookie: str) -> None:
    """Print the JSON described in the module's docstring."""
    from qn_portal import create_app
    from qn_portal.extensions import db

    app = create_app()
    with app.app_context():
        pages = choose_pages(db)
        writes = write_targets(db)
        engine = db.engine
    counter = {"n": 0}

    @event.listens_for(engine, "before_cursor_execute")
    def count(*_args):
        counter["n"] += 1

    client = app.test_client()
    name, _, value = cookie.partition("=")
    client.set_cookie(name, value, domain="localhost")
    for page in pages:
        client.get(page["url"])  # once to warm the caches, as a running worker has them
        counter["n"] = 0
        response = client.get(page["url"])
        page.update(status=response.status_code, bytes=len(response.data), queries=counter["n"])
        started = time.process_time()
        for _ in range(RENDERINGS):
            client.get(page["url"])
        page["cpu_ms"] = round((time.process_time() - started) / RENDERINGS * 1000, 1)
    print(json.dumps({"pages": pages, "writes": writes}))


if __name__ == "__main__":
    main(sys.argv[1])
