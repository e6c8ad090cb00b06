"""External sources: registered by coordinators, fetched into a review queue from a local HTTP server."""

from __future__ import annotations

import contextlib
import html
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from conftest import post_form, signed_in
from sqlalchemy import delete, func, select

from qn_portal.extensions import db

OTHERS = ["ressources", "ateliers", "cofinancements", "echanges", "programme"]

RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Inclusion</title><link>https://inclusion.example.org/</link>
<description>Actualit\xc3\xa9s</description>
<item><title>Un guide pour les aidants</title><link>https://inclusion.example.org/guide</link>
<guid>urn:guide</guid><pubDate>Mon, 16 Nov 2026 09:00:00 +0100</pubDate>
<description>&lt;p&gt;Un &lt;b&gt;guide&lt;/b&gt; gratuit.&lt;/p&gt;</description></item>
<item><title>Sans identifiant</title><link>https://inclusion.example.org/sans-id</link>
<description>Texte.</description></item>
</channel></rss>"""
ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom</title><id>urn:atom</id><updated>2026-11-16T09:00:00Z</updated>
<entry><title>Entr\xc3\xa9e Atom</title><id>urn:atom:1</id><updated>2026-11-16T09:00:00Z</updated>
<link href="https://atom.example.org/1"/><summary>R\xc3\xa9sum\xc3\xa9.</summary></entry></feed>"""
BROKEN = b"<?xml version='1.0'?><rss version='2.0'><channel><title>Cass\xc3\xa9<item></channel>"
SCRIPTED = RSS.replace(b"Un &lt;b&gt;guide&lt;/b&gt;", b"&lt;script&gt;alert(1)&lt;/script&gt;")
SCRIPTED_RAW = RSS.replace(b"<title>Un guide", b"<title><![CDATA[<script>alert(1)</script>]]>Un guide")
NOT_A_FEED = b"<html><body><p>Bonjour</p></body></html>"


@pytest.fixture
def config_overrides():
    # The feeds come from a server on 127.0.0.1, which the portal otherwise refuses to read.
    return {"DISABLED_PLUGINS": OTHERS, "VEILLE_ALLOW_PRIVATE_SOURCES": True}


@pytest.fixture
def feed_server():
    """A local HTTP server (never the network) serving the feeds above; ``/huge`` streams 5 MB."""
    routes = {"/rss": RSS, "/atom": ATOM, "/broken": BROKEN, "/script": SCRIPTED, "/script-raw": SCRIPTED_RAW,
              "/html": NOT_A_FEED}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            if self.path == "/huge":
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml")
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(b"<rss version='2.0'><channel>" + b"<!-- padding -->" * 350_000)
                return
            body = routes.get(self.path)
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


def add_source(app, name, url):
    from plugins.veille.models import VeilleSource

    with app.app_context():
        # The demo's source is on example.org: the tests never reach the network.
        db.session.execute(delete(VeilleSource).where(VeilleSource.url.startswith("https://")))
        db.session.add(VeilleSource(name=name, url=url))
        db.session.commit()


def items(app):
    from plugins.veille.models import VeilleItem, VeilleSource

    with app.app_context():
        return {(source, title): (summary, link) for source, title, summary, link in db.session.execute(
            select(VeilleSource.name, VeilleItem.title, VeilleItem.summary, VeilleItem.link)
            .join(VeilleSource, VeilleSource.id == VeilleItem.source_id))}


def test_fetch_reads_sources_into_the_queue_without_duplicates(app, demo, runner, feed_server):
    add_source(app, "RSS", feed_server + "/rss")
    add_source(app, "Atom", feed_server + "/atom")
    result = runner.invoke(args=["veille", "fetch"])
    assert result.exit_code == 0, result.output
    assert "3 new item(s)" in result.output
    queued = items(app)
    assert queued[("RSS", "Un guide pour les aidants")] == ("Un guide gratuit.", "https://inclusion.example.org/guide")
    assert ("RSS", "Sans identifiant") in queued and ("Atom", "Entrée Atom") in queued
    result = runner.invoke(args=["veille", "fetch"])
    assert "0 new item(s)" in result.output  # deduplicated per source
    assert len(items(app)) == len(queued)


@pytest.mark.parametrize(("path", "reason"), [
    ("/broken", "not a valid feed"),
    ("/html", "not"),
    ("/huge", "too large"),
    ("/script", "script"),
    ("/script-raw", "script"),
    ("/missing", "could not be read"),
])
def test_broken_or_hostile_sources_are_reported_and_skipped(app, demo, runner, feed_server, path, reason):
    from plugins.veille.models import VeilleSource

    add_source(app, "Mauvaise", feed_server + path)
    add_source(app, "Bonne", feed_server + "/atom")
    result = runner.invoke(args=["veille", "fetch"])
    assert result.exit_code == 0, result.output
    assert "source 'Mauvaise' skipped" in result.output and reason in result.output
    assert "1 new item(s)" in result.output and "1 source(s) skipped" in result.output
    assert {source for source, _title in items(app)} == {"Bonne"}
    with app.app_context():
        status = db.session.scalar(select(VeilleSource.last_status).where(VeilleSource.name == "Mauvaise"))
    assert reason in status
    page = signed_in(app, "coordination").get("/veille/sources/").get_data(as_text=True)
    assert reason in page


def test_reading_is_limited_to_http(app):
    from plugins.veille.services import SourceProblem, read_url

    with app.app_context():
        for url in ("file:///etc/passwd", "ftp://example.org/feed", "data:text/plain,x", "gopher://x"):
            with pytest.raises(SourceProblem):
                read_url(url)


@pytest.mark.parametrize("config_overrides", [{"DISABLED_PLUGINS": OTHERS}])
def test_private_addresses_are_refused(app, demo, runner, feed_server):
    add_source(app, "Interne", feed_server + "/rss")  # 127.0.0.1
    add_source(app, "Métadonnées", "http://169.254.169.254/latest/meta-data")
    result = runner.invoke(args=["veille", "fetch"])
    assert result.exit_code == 0
    assert result.output.count("is a private address") == 2 and "0 new item(s)" in result.output


def test_redirects_to_private_addresses_are_refused(app, monkeypatch):
    from plugins.veille import services

    monkeypatch.setitem(app.config, "VEILLE_ALLOW_PRIVATE_SOURCES", False)
    handler = services._CheckedRedirects()
    with app.app_context():
        for target in ("http://127.0.0.1/admin", "file:///etc/passwd"):
            with pytest.raises(services.SourceProblem):
                handler.redirect_request(None, None, 302, "Found", {}, target)


def test_coordinators_register_http_sources_only(app, demo):
    coordinator = signed_in(app, "coordination")
    for url in ("file:///etc/passwd", "ftp://example.org/flux", "javascript:alert(1)", "flux.xml", ""):
        response = post_form(coordinator, "/veille/sources/", {"name": "Essai", "url": url})
        assert response.status_code == 200
        page = html.unescape(response.get_data(as_text=True))
        assert "commençant par https://" in page or "Indiquez l'adresse du flux." in page
    response = post_form(coordinator, "/veille/sources/", {"name": "", "url": "https://flux.example.org/a.xml"})
    assert "Indiquez le nom de la source." in response.get_data(as_text=True)
    assert 'value="https://flux.example.org/a.xml"' in response.get_data(as_text=True)  # nothing typed is lost
    response = post_form(coordinator, "/veille/sources/", {"name": "Flux", "url": "https://flux.example.org/a.xml"})
    assert response.status_code == 302
    response = post_form(coordinator, "/veille/sources/", {"name": "Encore", "url": "https://flux.example.org/a.xml"})
    assert "Cette source est déjà enregistrée." in response.get_data(as_text=True)
    assert post_form(signed_in(app, "mediation.a"), "/veille/sources/", {"name": "X", "url": "https://x.example.org/"},
                     form_url="/veille/").status_code == 403


def test_review_queue_publish_or_discard(app, demo):
    from plugins.veille.models import VeilleItem, VeillePost

    with app.app_context():
        first, second = db.session.scalars(select(VeilleItem).order_by(VeilleItem.id)).all()
        first_id, second_id, first_title = first.id, second.id, first.title
    coordinator = signed_in(app, "coordination")
    page = coordinator.get("/veille/a-relire/").get_data(as_text=True)
    assert first_title in page
    form = coordinator.get(f"/veille/billets/nouveau?depuis={first_id}").get_data(as_text=True)
    assert f'value="{first_title}"' in form and "https://inclusion-numerique.example.org/guide-aidants" in form
    response = post_form(coordinator, f"/veille/billets/nouveau?depuis={first_id}", {
        "title": first_title, "category": "solution", "body": "Relu et publié.", "visibility": "public",
        "published_at": "2026-01-05T10:00", "source_url": "https://inclusion-numerique.example.org/guide-aidants"},
        form_url=f"/veille/billets/nouveau?depuis={first_id}")
    assert response.status_code == 302
    assert post_form(coordinator, f"/veille/a-relire/{second_id}/ecarter", form_url="/veille/a-relire/").status_code == 302
    with app.app_context():
        assert db.session.get(VeilleItem, first_id).status == "published"
        assert db.session.get(VeilleItem, first_id).post_id == db.session.scalar(
            select(VeillePost.id).where(VeillePost.title == first_title))
        assert db.session.get(VeilleItem, second_id).status == "discarded"
        assert db.session.scalar(select(func.count()).select_from(VeilleItem).where(VeilleItem.status == "pending")) == 0
    assert "Rien à relire" in coordinator.get("/veille/a-relire/").get_data(as_text=True)
    # Already handled: publishing or discarding again answers 404.
    assert coordinator.get(f"/veille/billets/nouveau?depuis={second_id}").status_code == 404
    assert post_form(coordinator, f"/veille/a-relire/{second_id}/ecarter", form_url="/veille/a-relire/").status_code == 404
