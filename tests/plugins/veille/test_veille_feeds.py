"""The Atom feeds: the public one, and the personal one behind a revocable token (parsed with feedparser)."""

from __future__ import annotations

import re
from datetime import timedelta

import feedparser
import pytest
from conftest import post_form, signed_in
from sqlalchemy import select

from qn_portal.extensions import db

OTHERS = ["ressources", "ateliers", "cofinancements", "echanges", "programme"]
FEED_URL_RE = re.compile(r'value="(https?://[^"]+/veille/flux/[^"]+\.atom)"')


@pytest.fixture
def config_overrides():
    return {"DISABLED_PLUGINS": OTHERS}


def parse(response):
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    feed = feedparser.parse(response.get_data())
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


def test_public_feed_lists_public_published_posts_only(app, demo):
    from plugins.veille.models import VeillePost
    from qn_portal.dbtypes import utcnow

    feed = parse(app.test_client().get("/veille/flux.atom"))
    with app.app_context():
        now = utcnow()
        posts = db.session.scalars(select(VeillePost)).all()
        public = {p.title for p in posts if p.visibility == "public" and p.published_at <= now}
        hidden = {p.title for p in posts} - public
        ids = {p.title: p.id for p in posts}
    titles = [entry.title for entry in feed.entries]
    assert set(titles) == public and not hidden & set(titles)
    assert feed.feed.title == "La veille de Quartiers Numériques"
    assert any(link.rel == "self" and link.href == "http://portail.test/veille/flux.atom" for link in feed.feed.links)
    first = feed.entries[0]
    assert first.link == f"http://portail.test/veille/billets/{ids[first.title]}"
    assert first.published_parsed and first.updated_parsed
    published = [entry.published_parsed for entry in feed.entries]
    assert published == sorted(published, reverse=True)  # newest first
    # Written by BMS: no coordinator's name goes out in the public feed.
    from qn_portal.accounts.models import User

    with app.app_context():
        name = db.session.get(User, demo["users"]["coordination"]).name
    assert name and name not in app.test_client().get("/veille/flux.atom").get_data(as_text=True)
    # The entry's link works for a visitor who is not signed in.
    assert app.test_client().get(first.link.replace("http://portail.test", "")).status_code == 200


def test_public_feed_content_is_safe(app, demo):
    coordinator = signed_in(app, "coordination")
    from zoneinfo import ZoneInfo

    from qn_portal.dbtypes import utcnow

    when = (utcnow() - timedelta(minutes=5)).astimezone(ZoneInfo("Europe/Paris")).strftime("%Y-%m-%dT%H:%M")
    response = post_form(coordinator, "/veille/billets/nouveau", {
        "title": "<script>alert(1)</script> & co", "category": "actualite", "visibility": "public",
        "body": "[lien](javascript:alert(1)) <img src=x onerror=alert(1)>", "published_at": when})
    assert response.status_code == 302
    feed = parse(app.test_client().get("/veille/flux.atom"))
    entry = next(e for e in feed.entries if e.title.endswith("& co"))
    assert "javascript:" not in entry.content[0].value and "onerror" not in entry.content[0].value


def personal_feed_url(client) -> str:
    response = post_form(client, "/veille/preferences/flux-prive", form_url="/veille/preferences")
    assert response.status_code == 200
    match = FEED_URL_RE.search(response.get_data(as_text=True))
    assert match, "the new feed address is shown once"
    return match.group(1).replace("http://portail.test", "")


def test_personal_feed_shows_what_its_owner_may_read(app, demo):
    mediator_feed = personal_feed_url(signed_in(app, "mediation.a"))
    partner_feed = personal_feed_url(signed_in(app, "partenaire"))
    anonymous = app.test_client()  # a feed reader has no session
    titles = {entry.title for entry in parse(anonymous.get(mediator_feed)).entries}
    assert "Calendrier des formations des médiateurs" in titles  # intranet
    assert "Ameli : le compte en ligne change d'écran de connexion" in titles  # public
    assert not any("à paraître" in title for title in titles)  # scheduled
    partner_titles = {entry.title for entry in parse(anonymous.get(partner_feed)).entries}
    assert "Calendrier des formations des médiateurs" not in partner_titles
    assert "Ameli : le compte en ligne change d'écran de connexion" in partner_titles
    assert "no-store" in anonymous.get(mediator_feed).headers["Cache-Control"]


def test_token_is_stored_hashed_renewable_and_revocable(app, demo):
    from plugins.veille.models import VeilleFeedToken

    mediator = signed_in(app, "mediation.a")
    first = personal_feed_url(mediator)
    token = first.rsplit("/", 1)[1].removesuffix(".atom")
    with app.app_context():
        stored = db.session.scalars(select(VeilleFeedToken.token_hash)).all()
    assert token not in stored and len(stored) == 1
    page = mediator.get("/veille/preferences").get_data(as_text=True)
    assert token not in page and "actif depuis" in page  # shown once only
    second = personal_feed_url(mediator)  # renewing revokes the old address
    assert app.test_client().get(first).status_code == 404
    assert app.test_client().get(second).status_code == 200
    response = post_form(mediator, "/veille/preferences/flux-prive/revoquer", form_url="/veille/preferences")
    assert response.status_code == 302
    assert app.test_client().get(second).status_code == 404
    assert app.test_client().get("/veille/flux/pas-un-jeton.atom").status_code == 404
    assert app.test_client().get("/veille/flux/" + "x" * 300 + ".atom").status_code == 404


def test_a_deactivated_accounts_feed_stops(app, demo):
    from qn_portal.accounts.models import User

    url = personal_feed_url(signed_in(app, "mediation.b"))
    with app.app_context():
        db.session.get(User, demo["users"]["mediation.b"]).active = False
        db.session.commit()
    assert app.test_client().get(url).status_code == 404
