"""A server-side cache of the pages a signed-in person reads, shared by every worker through Redis.

Why: a signed-in page costs 5–20 ms of CPU (the session, permission checks, the navigation and badges of
every plugin, 10–20 queries, the Jinja layout) and people read the same pages again and again (the
dashboard, a list they come back to after each detail). While nothing was written to the database, the page
they would get is the page they got: it is served from Redis in a fraction of the cost.

What keeps it right:

- **Data version.** Every database transaction that wrote something (any INSERT, UPDATE, DELETE or DDL
  statement, whatever the table) increments one counter in Redis once it has committed. A cached page carries
  the version it was rendered at and is only served while the counter still has that value, so a write by
  anyone, through any worker or machine, retires every cached page at once. The counter moves after the
  commit, never before: a page rendered from data that is about to change is stored under the old version.
- **Nothing shared between people.** The key is the account, its server-side session (a session that ended
  — sign-out, password change, deactivation — never finds its pages again), everything the signed Flask
  session holds (the CSRF secret the page's forms carry, the association chosen in the switcher, the
  language), the page's full address, and the set of plugins running.
- **Only what is safe to replay.** A GET answered 200 with HTML to a signed-in person, by a view that did not
  touch the session (no flash message shown, no new CSRF secret), set no cookie and was not marked
  ``no_page_cache``; never while flash messages wait in the session. Every request still goes through
  sign-in, two-factor and permission checks (``before_request``) before the cache is asked.
- **Time.** A page lives at most ``PAGE_CACHE_SECONDS`` (30 s by default): what depends on the clock alone
  ("in 10 minutes", sessions that just started) is never older than that.
- **Only with Redis** (``QN_REDIS_URL``). Kept in a worker's memory, another worker's write would go unseen
  and a page could outlive the right to read it: without Redis the cache is off. If Redis stops answering,
  pages are rendered as if there were no cache.

The same version lets each worker keep what every request reads again (``VersionMemo``): the signed-in
person's session and account, the plugins' switches. A cached page is then served without any SQL query.

Writes made outside the portal (``psql``, a restore) are not seen: the cache is emptied by
``qn-portal restore`` and otherwise expires within ``PAGE_CACHE_SECONDS``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
import weakref

from flask import Flask, Response, current_app, g, has_app_context, has_request_context, request, session
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool

log = logging.getLogger("qn_portal.page_cache")

VERSION_KEY = "page-cache:version"
# Statements that never change data; anything else (INSERT, UPDATE, DELETE, DDL…) counts as a write.
READ_ONLY_PREFIXES = ("SELECT", "PRAGMA", "BEGIN", "SAVEPOINT", "RELEASE", "ROLLBACK", "SHOW", "EXPLAIN", "SET ",
                      "COMMIT")
MAX_BODY_BYTES = 512 * 1024
SKIPPED_HEADERS = {"set-cookie", "content-length"}
ERROR_LOG_INTERVAL_S = 60


def no_page_cache(view):
    """Mark a view whose page must be rendered afresh every time (it shows something new on each GET)."""
    view._qn_no_page_cache = True
    return view


class PageCache:
    """The cache of one app: its Redis connection, key prefix and lifetime."""

    def __init__(self, app: Flask, redis_url: str, seconds: int) -> None:
        import redis

        self.seconds = seconds
        self.prefix = app.config["PAGE_CACHE_PREFIX"]
        self.redis = redis.Redis.from_url(redis_url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._last_error = 0.0
        self.fingerprint = ""

    # --- the data version ---------------------------------------------------------------------------

    def bump(self) -> None:
        """Retire every cached page: something was written."""
        try:
            self.redis.incr(self.prefix + VERSION_KEY)
        except Exception as error:  # a cache must never fail the write that has already committed
            self._report(error)

    # --- pages --------------------------------------------------------------------------------------

    def key(self) -> str | None:
        """This request's cache key, or ``None`` when its page must not be served from the cache."""
        if request.method != "GET" or "_flashes" in session or not current_user.is_authenticated:
            return None
        view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
        if view is None or getattr(view, "_qn_no_page_cache", False) or request.endpoint == "static":
            return None
        session_key = getattr(current_user, "current_session_key", None)
        if not session_key:
            return None
        parts = [self.fingerprint, str(current_user.id), session_key, request.scheme, request.host,
                 request.full_path, json.dumps(dict(session), sort_keys=True, default=str)]
        return self.prefix + "page:" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()

    def data_version(self) -> bytes | None:
        """The data version as this request first read it (one Redis read a request); ``None`` if Redis fails.

        Whatever is computed from the database under this version may be reused while it stays the same:
        the pages here, the plugins' on/off switches (``PluginHost``).
        """
        if has_request_context() and "_qn_data_version" in g:
            return g._qn_data_version
        try:
            version = self.redis.get(self.prefix + VERSION_KEY) or b"0"
        except Exception as error:
            self._report(error)
            version = None
        if has_request_context():
            g._qn_data_version = version
        return version

    def lookup(self, key: str) -> tuple[Response | None, bytes | None]:
        """The cached response for ``key`` if it is still current, and the data version it was checked against.

        The version is the one the request read first: a page stored since under a newer one is a miss, and a
        page of the version the request started with is as fresh as the request itself.
        """
        version = self.data_version()
        if version is None:
            return None, None
        try:
            entry = self.redis.get(key)
        except Exception as error:
            self._report(error)
            return None, None
        if not entry:
            return None, version
        stored_version, headers, body = entry.split(b"\n", 2)
        if stored_version != version:
            return None, version
        response = Response(body, status=200, headers=json.loads(headers))
        response.headers["X-Page-Cache"] = "hit"
        return response, version

    def store(self, key: str, version: bytes, response: Response) -> bool:
        """Keep ``response`` under ``key`` if it may be replayed; say whether it was kept."""
        if not self.cacheable(response):
            return False
        body = response.get_data()
        headers = [(name, value) for name, value in response.headers.items()
                   if name.lower() not in SKIPPED_HEADERS]
        try:
            self.redis.set(key, version + b"\n" + json.dumps(headers).encode() + b"\n" + body, ex=self.seconds)
        except Exception as error:
            self._report(error)
            return False
        return True

    @staticmethod
    def cacheable(response: Response) -> bool:
        return (response.status_code == 200 and response.mimetype == "text/html" and not response.is_streamed
                and not session.modified and "Set-Cookie" not in response.headers
                and response.calculate_content_length() is not None
                and response.calculate_content_length() <= MAX_BODY_BYTES)

    def _report(self, error: Exception) -> None:
        # Logged at most once a minute: a Redis outage must not flood the log once per request.
        now = time.monotonic()
        if now - self._last_error > ERROR_LOG_INTERVAL_S:
            self._last_error = now
            log.warning("page cache unavailable (%s): pages are rendered without it", error.__class__.__name__)


class VersionMemo:
    """Values read from the database, kept in this process while the data version stays the same.

    Any committed write moves the version and empties the memo, so a value is never older than the last
    write through the portal; and never older than ``PAGE_CACHE_SECONDS`` either, for writes made behind its
    back. Without the page cache (no Redis) nothing is kept. For small reads every request repeats: the
    signed-in person's session and account, the plugins' switches.
    """

    def __init__(self, size: int = 5000) -> None:
        self.size = size
        self.version: tuple | None = None
        self.values: dict = {}

    def get(self, key, default=None):
        current = self._current()
        if current is None or current[0] != self.version:
            return default
        stored = self.values.get(key)
        if stored is None or time.monotonic() - stored[0] > current[1]:
            return default
        return stored[1]

    def put(self, key, value) -> None:
        current = self._current()
        if current is None:
            return
        if current[0] != self.version or len(self.values) >= self.size:
            self.version, self.values = current[0], {}
        self.values[key] = (time.monotonic(), value)

    def clear(self) -> None:
        self.version, self.values = None, {}

    @staticmethod
    def _current() -> tuple | None:
        """(this app's cache and data version, lifetime in seconds), or ``None`` when nothing may be kept."""
        if not has_request_context():
            return None
        cache = get_cache()
        version = cache.data_version() if cache is not None else None
        return None if version is None else ((cache.prefix, version), cache.seconds)


def get_cache(app: Flask | None = None) -> PageCache | None:
    """The app's page cache, or ``None`` when it is off."""
    return (app or current_app).extensions.get("qn_page_cache")


def install(app: Flask) -> None:
    """Turn the cache on for ``app`` when Redis is configured and ``PAGE_CACHE_SECONDS`` is above zero."""
    seconds = int(app.config["PAGE_CACHE_SECONDS"] or 0)
    redis_url = app.config.get("PAGE_CACHE_REDIS_URL") or app.config.get("REDIS_URL")
    if seconds <= 0 or not redis_url:
        return
    cache = PageCache(app, redis_url, seconds)
    app.extensions["qn_page_cache"] = cache
    _caches.add(cache)
    _listen_for_writes()

    original_dispatch = app.dispatch_request

    def dispatch_request():
        # Here, not in a before_request handler: every before_request function (the app's and the
        # blueprints', sign-in and two-factor checks included) has run and let the request through.
        key = cache.key()
        if key is None:
            return original_dispatch()
        cached, version = cache.lookup(key)
        if cached is not None:
            return cached
        if version is not None:
            g._qn_page_cache = (key, version)
        return original_dispatch()

    app.dispatch_request = dispatch_request

    @app.after_request
    def keep_page(response):
        pending = g.pop("_qn_page_cache", None)
        if pending is not None and cache.store(*pending, response):
            response.headers["X-Page-Cache"] = "miss"  # rendered now, kept for the next time
        return response


def set_fingerprint(app: Flask, plugins: list[str]) -> None:
    """What running code the pages depend on beyond the data: the plugins loaded and enabled at start."""
    cache = get_cache(app)
    if cache is not None:
        cache.fingerprint = hashlib.sha256(",".join(sorted(plugins)).encode()).hexdigest()[:16]


# --- noticing writes ------------------------------------------------------------------------------------

_listening = False
_caches: weakref.WeakSet[PageCache] = weakref.WeakSet()


def _listen_for_writes() -> None:
    """Engine and pool events, once per process: they find the app's cache through the app context."""
    global _listening
    if _listening:
        return
    _listening = True
    event.listen(Engine, "before_cursor_execute", _note_statement)
    event.listen(Engine, "commit", _note_commit)
    event.listen(Engine, "rollback", _note_rollback)
    event.listen(Pool, "checkin", _bump_after_commit)


def _note_statement(conn, cursor, statement, parameters, context, executemany):
    if not statement.lstrip()[:9].upper().startswith(READ_ONLY_PREFIXES):
        conn.info["qn_wrote"] = True


def _note_commit(conn):
    # The commit has not happened yet: only remember it, the version moves once the connection is returned.
    if conn.info.pop("qn_wrote", False):
        conn.info["qn_committed_write"] = True


def _note_rollback(conn):
    conn.info.pop("qn_wrote", None)


def _bump_after_commit(dbapi_connection, connection_record):
    if connection_record is None or not connection_record.info.pop("qn_committed_write", False):
        return
    # A connection returned outside any app (a thread, a script): retire every app's pages, to be safe.
    caches = [get_cache()] if has_app_context() else list(_caches)
    for cache in caches:
        if cache is not None:
            cache.bump()
