"""The widget an association puts on its own site: a server-rendered fragment of its next public sessions
(no script, no cookie, cacheable, escaped) and the page that gives its managers the snippets to copy."""

from __future__ import annotations

import re
from datetime import date, time, timedelta

from conftest import signed_in
from sqlalchemy import select

from plugins.ateliers import services
from plugins.ateliers.models import Room, Session, Workshop
from qn_portal.api import db


def widget_url(demo, key="a") -> str:
    return f"/ateliers/a/{demo['slugs'][key]}/widget.html"


def plan(app, association_id: int, title: str, *, public=True, days_ahead=2, count=1, cancel=False) -> list[int]:
    with app.app_context():
        room = Room(association_id=association_id, name=f"Salle {title[:50]}", capacity=8)
        workshop = Workshop(association_id=association_id, title=title, themes="email", public=public, room=room)
        db.session.add_all([room, workshop])
        db.session.flush()
        first = date.today() + timedelta(days=days_ahead)
        sessions = services.plan_sessions(workshop, first, time(18, 0), 60, count > 1,
                                          first + timedelta(days=7 * (count - 1)), set())
        if cancel:
            services.cancel_session(sessions[0])
        db.session.commit()
        return [s.id for s in sessions]


def test_only_the_associations_public_upcoming_sessions(app, demo, client):
    a, b = demo["associations"]["a"], demo["associations"]["b"]
    shown = plan(app, a, "Atelier visible", days_ahead=1)
    plan(app, a, "Atelier interne", public=False)
    plan(app, a, "Atelier annulé", cancel=True)
    plan(app, a, "Atelier passé", days_ahead=-2)
    plan(app, b, "Atelier de Carriet")
    html = client.get(widget_url(demo)).get_data(as_text=True)
    assert "Atelier visible" in html
    for absent in ("Atelier interne", "Atelier annulé", "Atelier passé", "Atelier de Carriet", "Le courriel sans stress"):
        assert absent not in html
    # Links are absolute (the fragment lives on another site) and point at the session on the public page.
    page = "http://portail.test/ateliers/a/grand-parc-connecte"
    assert f'href="{page}#seance-{shown[0]}"' in html
    assert f'href="{page}"' in html
    public_page = client.get("/ateliers/a/grand-parc-connecte").get_data(as_text=True)
    assert f'id="seance-{shown[0]}"' in public_page


def test_at_most_ten_sessions_in_date_order(app, demo, client):
    plan(app, demo["associations"]["a"], "Atelier hebdomadaire", days_ahead=1, count=14)
    html = client.get(widget_url(demo)).get_data(as_text=True)
    items = re.findall(r"<li>", html)
    assert len(items) == 10
    moments = re.findall(r'datetime="([^"]+)"', html)
    assert moments == sorted(moments)


def test_dates_in_french_in_paris_time(app, demo, client):
    ids = plan(app, demo["associations"]["a"], "Atelier du soir", days_ahead=5)
    with client.session_transaction() as session:
        session["locale"] = "en"  # an English-speaking visitor still gets the association's French fragment
    html = client.get(widget_url(demo)).get_data(as_text=True)
    with app.app_context():
        starts = db.session.get(Session, ids[0]).starts_at
        expected = services.french_moment(starts)
    assert expected in html and "à 18 h 00" in expected
    assert re.search(r"(lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche) \d{1,2} ", expected)


def test_output_is_escaped(app, demo, client):
    plan(app, demo["associations"]["a"], '<script>alert("x")</script> & <img src=x onerror=alert(1)>')
    html = client.get(widget_url(demo)).get_data(as_text=True)
    assert "&lt;script&gt;" in html and "&amp;" in html
    assert "<script" not in html and "<img" not in html


def test_no_script_no_cookie_no_outside_resource_and_cacheable(app, demo, client):
    plan(app, demo["associations"]["a"], "Atelier en cache")
    response = client.get(widget_url(demo))
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "public, max-age=900"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["X-Frame-Options"] == "DENY"  # a fragment to include, never a page to frame
    html = response.get_data(as_text=True)
    for forbidden in ("<script", "<style", "style=", "<link", "<img", "<iframe", " on", "src="):
        assert forbidden not in html, forbidden
    assert html.lstrip().startswith('<section class="qn-ateliers" lang="fr">')
    # A visitor who already holds a session cookie is not sent a new one either: the session is untouched.
    with client.session_transaction() as session:
        session["locale"] = "fr"
    again = client.get(widget_url(demo))
    assert "Set-Cookie" not in again.headers


def test_an_association_without_sessions_and_an_unknown_one(app, demo, client):
    html = client.get(widget_url(demo, "c")).get_data(as_text=True)
    assert "Aucun atelier public à venir" in html
    assert client.get("/ateliers/a/inconnue/widget.html").status_code == 404


def test_snippet_page_for_managers_and_coordinators_only(app, demo):
    url = f"/ateliers/a/{demo['slugs']['a']}/integrer"
    for key, status in (("direction.a", 200), ("coordination", 200), ("admin", 200), ("mediation.a", 403),
                        ("direction.b", 403), ("partenaire", 403)):
        assert signed_in(app, key).get(url).status_code == status, key
    assert app.test_client().get(url).status_code == 302


def test_snippet_page_gives_both_snippets(app, demo):
    plan(app, demo["associations"]["a"], "Atelier à copier")
    html = signed_in(app, "direction.a").get(f"/ateliers/a/{demo['slugs']['a']}/integrer").get_data(as_text=True)
    textareas = re.findall(r'<textarea id="([^"]+)" readonly[^>]*>(.*?)</textarea>', html, re.S)
    names = [name for name, _content in textareas]
    assert names == ["snippet-static", "snippet-php", "snippet-wordpress", "snippet-ssi"]
    static = dict(textareas)["snippet-static"]
    # The list is shown as code to copy (escaped), with the current sessions and the lasting public link.
    assert "&lt;section" in static and "Atelier à copier" in static
    assert "http://portail.test/ateliers/a/grand-parc-connecte" in static
    widget = "http://portail.test/ateliers/a/grand-parc-connecte/widget.html"
    assert widget in dict(textareas)["snippet-php"] and "file_get_contents" in dict(textareas)["snippet-php"]
    assert f'value="{widget}"' in html
    for name in names:
        assert f'<label for="{name}">' in html
    assert "<script" not in html


def test_managers_find_the_snippet_page(app, demo):
    slug = demo["slugs"]["a"]
    link = f"/ateliers/a/{slug}/integrer"
    manager = signed_in(app, "direction.a")
    assert link in manager.get("/ateliers/ateliers").get_data(as_text=True)
    assert link in manager.get(f"/associations/{slug}").get_data(as_text=True)
    mediator = signed_in(app, "mediation.a")
    assert link not in mediator.get("/ateliers/ateliers").get_data(as_text=True)
    assert link not in mediator.get(f"/associations/{slug}").get_data(as_text=True)
    assert link in signed_in(app, "coordination").get(f"/associations/{slug}").get_data(as_text=True)


def test_widget_sessions_match_the_public_page_order(app, demo, client):
    plan(app, demo["associations"]["a"], "Atelier ordonné", count=3)
    html = client.get(widget_url(demo)).get_data(as_text=True)
    ids = [int(i) for i in re.findall(r"#seance-(\d+)", html)]
    with app.app_context():
        ordered = db.session.scalars(select(Session.id).join(Session.workshop).where(
            Session.id.in_(ids)).order_by(Session.starts_at, Session.id)).all()
    assert ids == list(ordered)


def test_a_signed_in_visitor_gets_no_cookie_and_no_shared_cache(app, demo):
    client = signed_in(app, "direction.a")
    response = client.get(widget_url(demo))
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"  # the security headers' rule for signed-in pages
    assert client.get("/tableau-de-bord").status_code == 200  # still signed in: the session was left as it was
