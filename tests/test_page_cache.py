"""The page cache (qn_portal/page_cache.py): served again only while nothing was written, never across people.

Runs against the Redis of the machine (127.0.0.1:6379), each test under its own key prefix; skipped when no
Redis answers, except in CI (QN_REQUIRE_REDIS=1) where a missing Redis fails the run.
"""

from __future__ import annotations

import os
import secrets

import pytest
from conftest import csrf_token, login, post_form, signed_in
from sqlalchemy import select, text, update

from qn_portal import create_app
from qn_portal.extensions import db

REDIS_URL = "redis://127.0.0.1:6379/0"
PREFIX = "qn-page-cache-test-" + secrets.token_hex(4) + ":"


def redis_answers() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture(autouse=True)
def need_redis():
    if not redis_answers():
        if os.environ.get("QN_REQUIRE_REDIS") == "1":
            pytest.fail("Redis does not answer on 127.0.0.1:6379 and QN_REQUIRE_REDIS=1")
        pytest.skip("needs Redis on 127.0.0.1:6379")
    yield
    import redis

    store = redis.Redis.from_url(REDIS_URL)
    keys = list(store.scan_iter(PREFIX + "*"))
    if keys:
        store.delete(*keys)


@pytest.fixture
def config_overrides():
    return {"REDIS_URL": REDIS_URL, "PAGE_CACHE_PREFIX": PREFIX, "RATELIMIT_STORAGE_URI": "memory://"}


def cached_view(client, url: str):
    """Read ``url`` until the cache serves it (the first views create the session's CSRF secret, then store)."""
    for _ in range(4):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        if response.headers.get("X-Page-Cache") == "hit":
            return response
    raise AssertionError(f"{url} never came from the cache")


def sent_to_sign_in(response) -> bool:
    return response.status_code == 302 and "/connexion" in response.headers["Location"]


def deactivate(app, email: str = "mediation.a@example.org") -> None:
    from qn_portal.accounts.models import User

    with app.app_context():
        db.session.execute(update(User).where(User.email == email).values(active=False))
        db.session.commit()


def version(app) -> int:
    from qn_portal.page_cache import VERSION_KEY, get_cache

    cache = get_cache(app)
    return int(cache.redis.get(cache.prefix + VERSION_KEY) or 0)


def new_resource(client, title: str, visibility: str = "community"):
    response = post_form(client, "/ressources/nouvelle", {
        "title": title, "summary": "Résumé", "kind": "fiche", "level": "debutant", "licence": "cc-by-sa-4.0",
        "visibility": visibility, "status": "published"}, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    return response


def test_a_page_read_again_comes_from_the_cache_unchanged(app, demo):
    client = signed_in(app, "mediation.a")
    fresh = client.get("/ressources/")
    assert fresh.headers["X-Page-Cache"] == "miss"
    again = client.get("/ressources/")
    assert again.headers["X-Page-Cache"] == "hit"
    assert again.get_data() == fresh.get_data()
    # The security headers and the no-store rule are added to a cached page as to any other.
    assert again.headers["Cache-Control"] == "no-store"
    assert "Content-Security-Policy" in again.headers and again.mimetype == "text/html"


def test_a_write_by_someone_else_retires_every_cached_page(app, demo):
    reader = signed_in(app, "mediation.a")
    cached_view(reader, "/ressources/")
    cached_view(reader, "/tableau-de-bord")
    new_resource(signed_in(app, "direction.b"), "Fiche écrite ailleurs pendant la lecture")
    after = reader.get("/ressources/")
    assert after.headers["X-Page-Cache"] == "miss"
    assert "Fiche écrite ailleurs pendant la lecture" in after.get_data(as_text=True)
    assert reader.get("/tableau-de-bord").headers["X-Page-Cache"] == "miss"


def test_writes_outside_a_request_count_too_orm_and_plain_sql(app, demo):
    from plugins.ressources.models import Resource

    with app.app_context():
        resource_id = db.session.scalar(select(Resource.id).where(Resource.visibility == "community"))
    page = f"/ressources/{resource_id}"
    reader = signed_in(app, "mediation.a")
    cached_view(reader, page)
    with app.app_context():
        db.session.get(Resource, resource_id).title = "Titre changé par un script"
        db.session.commit()
    assert "Titre changé par un script" in reader.get(page).get_data(as_text=True)

    cached_view(reader, page)
    with app.app_context():
        db.session.execute(update(Resource).where(Resource.id == resource_id).values(title="Titre changé en SQL"))
        db.session.commit()
    assert "Titre changé en SQL" in reader.get(page).get_data(as_text=True)


def test_the_version_moves_on_commit_only(app, demo):
    from plugins.ressources.models import Resource

    signed_in(app, "mediation.a")  # the app has served a request: its engine is listening
    with app.app_context():
        before = version(app)
        db.session.execute(text("SELECT 1"))
        db.session.commit()
        assert version(app) == before  # a transaction that only read
        db.session.execute(update(Resource).values(title="Jamais enregistré"))
        db.session.rollback()
        assert version(app) == before  # a write rolled back
        db.session.execute(update(Resource).where(Resource.id == -1).values(title="x"))
        db.session.commit()
        assert version(app) == before + 1


def test_people_never_get_each_others_pages(app, demo):
    first = signed_in(app, "mediation.a")
    mine = cached_view(first, "/tableau-de-bord").get_data(as_text=True)
    other = signed_in(app, "direction.b")
    theirs = other.get("/tableau-de-bord")
    assert theirs.headers["X-Page-Cache"] == "miss"
    assert theirs.get_data(as_text=True) != mine
    # A second session of the same person is a cache of its own (its forms carry its own CSRF secret).
    again = signed_in(app, "mediation.a")
    assert again.get("/tableau-de-bord").headers["X-Page-Cache"] == "miss"


def test_an_ended_session_finds_nothing(app, demo):
    client = signed_in(app, "mediation.a")
    cached_view(client, "/tableau-de-bord")
    copy = app.test_client()
    copy.set_cookie("qn_session", client.get_cookie("qn_session", domain="portail.test").value, domain="portail.test")
    assert copy.get("/tableau-de-bord").headers.get("X-Page-Cache") == "hit"
    post_form(client, "/deconnexion", form_url="/tableau-de-bord")
    assert sent_to_sign_in(copy.get("/tableau-de-bord"))


def test_flash_messages_are_shown_once_and_never_cached(app, demo):
    client = signed_in(app, "mediation.a")
    cached_view(client, "/ressources/")
    created = new_resource(client, "Fiche annoncée par un message")
    page = client.get(created.headers["Location"])
    assert page.headers.get("X-Page-Cache") != "hit"
    shown = page.get_data(as_text=True)
    assert 'role="status"' in shown or "alert" in shown
    again = client.get(created.headers["Location"])
    assert again.get_data(as_text=True) != shown  # the message is gone: the page was not replayed


def test_anonymous_visitors_and_other_responses_are_not_cached(app, demo):
    anonymous = app.test_client()
    for _ in range(2):
        response = anonymous.get("/ressources/")
        assert response.status_code == 200 and "X-Page-Cache" not in response.headers
    client = signed_in(app, "mediation.a")
    for _ in range(3):
        export = client.get("/ressources/export.csv")
        export.get_data()  # read to the end, as a browser would (the export is streamed)
        assert "X-Page-Cache" not in export.headers  # not HTML
        assert "X-Page-Cache" not in client.get("/ressources/999999").headers  # not 200
    # The enrolment page shows a second-factor secret: never copied to Redis.
    for _ in range(3):
        assert "X-Page-Cache" not in client.get("/compte/double-authentification").headers


def test_entries_expire(app, demo):
    from qn_portal.page_cache import get_cache

    client = signed_in(app, "mediation.a")
    cached_view(client, "/ressources/")
    cache = get_cache(app)
    ttls = [cache.redis.ttl(key) for key in cache.redis.scan_iter(PREFIX + "page:*")]
    assert ttls and all(0 < ttl <= app.config["PAGE_CACHE_SECONDS"] for ttl in ttls)


def test_a_redis_that_does_not_answer_only_costs_the_cache(migrated, tmp_path, demo, app):
    from conftest import make_config

    broken = create_app(make_config(migrated, tmp_path, REDIS_URL="redis://127.0.0.1:1/0",
                                    RATELIMIT_STORAGE_URI="memory://"))
    client = broken.test_client()
    assert login(client, "mediation.a@example.org").status_code == 302
    for _ in range(3):
        response = client.get("/ressources/")
        assert response.status_code == 200 and "X-Page-Cache" not in response.headers
    token = csrf_token(client, "/ressources/nouvelle")
    assert token  # forms still work


def test_off_without_redis_or_with_zero_seconds(migrated, tmp_path):
    from conftest import make_config

    from qn_portal.page_cache import get_cache

    assert get_cache(create_app(make_config(migrated, tmp_path, REDIS_URL=None))) is None
    assert get_cache(create_app(make_config(migrated, tmp_path, REDIS_URL=REDIS_URL, PAGE_CACHE_SECONDS=0))) is None


def test_a_deactivated_account_is_signed_out_at_once(app, demo):
    client = signed_in(app, "mediation.a")
    cached_view(client, "/tableau-de-bord")  # its session and account are now remembered by the worker
    deactivate(app)
    assert sent_to_sign_in(client.get("/tableau-de-bord"))


def test_what_a_worker_remembers_lives_no_longer_than_the_page_cache(app, demo, monkeypatch):
    """A write the portal does not see (made with psql, say) counts after PAGE_CACHE_SECONDS at the latest."""
    import time

    from qn_portal.page_cache import VERSION_KEY, get_cache

    client = signed_in(app, "mediation.a")
    cached_view(client, "/tableau-de-bord")
    cache = get_cache(app)
    unseen = cache.redis.get(cache.prefix + VERSION_KEY)
    deactivate(app)
    cache.redis.set(cache.prefix + VERSION_KEY, unseen)  # as if the write had been made behind our back
    assert client.get("/tableau-de-bord").status_code == 200  # not seen yet: within the lifetime
    later = time.monotonic() + app.config["PAGE_CACHE_SECONDS"] + 1
    monkeypatch.setattr("qn_portal.page_cache.time.monotonic", lambda: later)
    cache.redis.delete(*cache.redis.scan_iter(PREFIX + "page:*"))  # the pages' own expiry, which Redis keeps
    assert sent_to_sign_in(client.get("/tableau-de-bord"))


def test_a_plugin_switched_off_disappears_at_once(app, demo):
    client = signed_in(app, "mediation.a")
    cached_view(client, "/veille/")
    admin = signed_in(app, "admin")
    response = post_form(admin, "/admin/extensions/veille", form_url="/admin/extensions")  # a toggle
    assert response.status_code in (302, 303), response.status_code
    assert client.get("/veille/").status_code == 404
