"""Configuration: defaults, then ``instance/config.py``, then ``QN_*`` environment variables, then tests."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

from flask import Flask

MiB = 1024 * 1024

DEFAULTS = {
    "ENV": "development",  # development, testing or production
    "SITE_NAME": "QN Portal",
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    "MAX_CONTENT_LENGTH": 25 * MiB,
    "UPLOAD_MAX_BYTES": 20 * MiB,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_NAME": "qn_session",
    # None: decided by ENV below (True in production). Flask's own default is False, not unset.
    "SESSION_COOKIE_SECURE": None,
    "REMEMBER_COOKIE_SECURE": None,
    "PREFERRED_URL_SCHEME": None,
    "SESSION_MAX_AGE": timedelta(days=30),
    "REMEMBER_COOKIE_DURATION": timedelta(days=30),
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_NAME": "qn_remember",
    # Flask-WTF's one-hour default makes slow users lose long forms: tie the token to the session.
    "WTF_CSRF_TIME_LIMIT": None,
    "BABEL_DEFAULT_LOCALE": "fr",
    "BABEL_DEFAULT_TIMEZONE": "Europe/Paris",
    # Explicit, not left to Flask-Limiter: its one module-level Limiter keeps the last app's "enabled" as the
    # default for the next app, so one app with limits off (a test) would switch them off for every later one.
    "RATELIMIT_ENABLED": True,
    # Redis shared by every worker and machine, for rate limits (and any future cache): QN_REDIS_URL.
    "REDIS_URL": None,
    # None: REDIS_URL when set, else memory:// (per process). QN_RATELIMIT_STORAGE_URI, when set, wins.
    "RATELIMIT_STORAGE_URI": None,
    "RATELIMIT_HEADERS_ENABLED": False,
    # Redis down: count in each process's memory until it answers again (weaker limits, but still limits),
    # instead of failing every rate-limited request (sign-in, reset mails, the API) with an error.
    "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
    # Failed attempts per account, wherever a password or a code is checked: sign-in and its code step, the
    # current password of the password change, the codes of the two-factor pages. Failed attempts per address
    # (sign-in and its code step) below.
    "RATELIMIT_LOGIN_ACCOUNT": "10 per 15 minutes; 100 per day",
    "RATELIMIT_LOGIN_ADDRESS": "30 per 15 minutes; 500 per day",
    "RATELIMIT_MAIL_ACCOUNT": "3 per hour; 10 per day",
    "RATELIMIT_MAIL_ADDRESS": "10 per hour; 50 per day",
    "RATELIMIT_INVITE": "30 per hour; 200 per day",
    # The public API (/api/v1): per token, and per address for calls without a token (or with a bad one).
    "RATELIMIT_API_TOKEN": "120 per minute; 10000 per day",
    "RATELIMIT_API_ANONYMOUS": "60 per minute; 2000 per day",
    # Per address, on the public data·inclusion endpoints (a harvester needs a few pages a day, not thousands).
    "RATELIMIT_DATA_INCLUSION": "60 per minute; 2000 per day",
    "MAIL_BACKEND": "console",  # console, smtp or memory (tests)
    "MAIL_SERVER": "localhost",
    "MAIL_PORT": 25,
    "MAIL_USE_TLS": False,
    "MAIL_USE_SSL": False,
    "MAIL_USERNAME": "",
    "MAIL_PASSWORD": "",
    "MAIL_DEFAULT_SENDER": "QN Portal <ne-pas-repondre@localhost>",
    "MAIL_TIMEOUT": 10,
    "INVITATION_MAX_AGE": timedelta(days=7),
    "RESET_MAX_AGE": timedelta(hours=1),
    "PASSWORD_MIN_LENGTH": 12,
    # Platform roles that must sign in with a second factor (TOTP). None: decided by ENV below, the roles that
    # read every association's data in production, nobody in development and the demo (so that the demo
    # accounts can be tried). QN_TWO_FACTOR_REQUIRED_ROLES=admin,coordinator (or "" for nobody) overrides it.
    "TWO_FACTOR_REQUIRED_ROLES": None,
    # How long the code step waits after a correct password, and how long a browser can skip the code.
    "TWO_FACTOR_PENDING_MAX_AGE": timedelta(minutes=10),
    "TRUSTED_DEVICE_MAX_AGE": timedelta(days=30),
    "DISABLED_PLUGINS": [],
    "REQUIRED_PLUGINS": [],
    # "isolate": a plugin raising in a request or event hook is logged and skipped; "raise" for tests.
    "PLUGIN_ERRORS": "isolate",
    "PER_PAGE": 20,
    # Signed-in pages kept in Redis while nothing is written (qn_portal/page_cache.py): at most this many
    # seconds; 0 turns the cache off. Needs QN_REDIS_URL (or QN_PAGE_CACHE_REDIS_URL): off without Redis.
    "PAGE_CACHE_SECONDS": 30,
    "PAGE_CACHE_REDIS_URL": None,
    "PAGE_CACHE_PREFIX": "qn:",
    # The producer's identifier in every data·inclusion record ("source"): agree on it with data·inclusion.
    "DATA_INCLUSION_SOURCE": "quartiers-numeriques",
    # Number of reverse proxies in front of the portal (nginx: 1). 0 trusts no X-Forwarded-* header, so the
    # rate limits and the audit log see the proxy's address until this is set.
    "PROXY_FIX_HOPS": 0,
}

# Durations: a timedelta in config.py, seconds in the environment (QN_SESSION_MAX_AGE=86400); the code that
# reads them compares them with datetimes, so every layer's value becomes a timedelta here.
DURATION_SETTINGS = ("SESSION_MAX_AGE", "REMEMBER_COOKIE_DURATION", "INVITATION_MAX_AGE", "RESET_MAX_AGE",
                     "TWO_FACTOR_PENDING_MAX_AGE", "TRUSTED_DEVICE_MAX_AGE")

# Values that must never be a production secret.
KNOWN_BAD_SECRETS = {"", "dev", "changeme", "secret", "test", "development"}


class ConfigurationError(RuntimeError):
    """The configuration is unsafe or incomplete; the message says what to change."""


def load_settings(app: Flask, test_config: dict | None) -> None:
    app.config.from_mapping(DEFAULTS)
    app.config.from_pyfile("config.py", silent=True)
    # QN_DATABASE_URL -> DATABASE_URL, QN_MAIL_SERVER -> MAIL_SERVER; values are parsed as JSON if they can be.
    app.config.from_prefixed_env(prefix="QN")
    _promote_database_url(app)
    if test_config:
        # Tests name their database: it must win over a QN_DATABASE_URL in the environment.
        app.config.from_mapping(test_config)
        _promote_database_url(app)

    app.config["DISABLED_PLUGINS"] = _as_list(app.config["DISABLED_PLUGINS"])
    app.config["REQUIRED_PLUGINS"] = _as_list(app.config["REQUIRED_PLUGINS"])
    for name in DURATION_SETTINGS:
        app.config[name] = _as_duration(name, app.config[name])
    app.config.setdefault("UPLOAD_FOLDER", os.path.join(app.instance_path, "uploads"))
    if not app.config.get("RATELIMIT_STORAGE_URI"):
        app.config["RATELIMIT_STORAGE_URI"] = app.config.get("REDIS_URL") or "memory://"
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(app.instance_path, "qn_portal.db")

    production = app.config["ENV"] == "production"
    for name, secure, plain in (("SESSION_COOKIE_SECURE", True, False), ("REMEMBER_COOKIE_SECURE", True, False),
                                ("PREFERRED_URL_SCHEME", "https", "http")):
        if app.config.get(name) is None:
            app.config[name] = secure if production else plain
    _two_factor_roles(app, production)
    _ensure_secret_key(app, production)
    if production:
        _refuse_unsafe_production(app)


def _promote_database_url(app: Flask) -> None:
    """``DATABASE_URL`` (``QN_DATABASE_URL``) is our name for ``SQLALCHEMY_DATABASE_URI``: the later layer wins."""
    url = app.config.pop("DATABASE_URL", None)
    if url:
        app.config["SQLALCHEMY_DATABASE_URI"] = str(url)


def _as_list(value) -> list[str]:
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return list(value or [])


def _as_duration(name: str, value) -> timedelta:
    """A duration: a ``timedelta`` as written in ``config.py``, or seconds as an environment variable gives."""
    if isinstance(value, timedelta):
        return value
    # bool is an int: QN_SESSION_MAX_AGE=true would otherwise mean one second.
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return timedelta(seconds=value)
    raise ConfigurationError(f"{name} must be a positive number of seconds (QN_{name}=86400) or a timedelta, "
                             f"not {value!r}.")


def _two_factor_roles(app: Flask, production: bool) -> None:
    from .accounts.models import ADMIN, COORDINATOR, PLATFORM_ROLES

    roles = app.config["TWO_FACTOR_REQUIRED_ROLES"]
    roles = [ADMIN, COORDINATOR] if roles is None and production else _as_list(roles)
    # A misspelt role would silently leave the accounts it meant to protect without a second factor.
    unknown = [role for role in roles if role not in PLATFORM_ROLES]
    if unknown:
        raise ConfigurationError(
            f"TWO_FACTOR_REQUIRED_ROLES names unknown roles {unknown}: use {', '.join(PLATFORM_ROLES)}."
        )
    app.config["TWO_FACTOR_REQUIRED_ROLES"] = roles


def _ensure_secret_key(app: Flask, production: bool) -> None:
    if app.config.get("SECRET_KEY"):
        return
    if production:
        raise ConfigurationError(
            "QN_SECRET_KEY is not set: a production portal needs a real secret of at least 32 characters "
            "(for example: python -c 'import secrets; print(secrets.token_urlsafe(48))')."
        )
    # Development: generate one into the instance folder (git-ignored) on first run and keep it.
    path = Path(app.instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    app.config["SECRET_KEY"] = path.read_text().strip()


def _refuse_unsafe_production(app: Flask) -> None:
    if app.debug or app.config.get("DEBUG"):
        raise ConfigurationError("Debug mode is on in production: unset FLASK_DEBUG and QN_DEBUG.")
    secret = str(app.config["SECRET_KEY"])
    if secret.lower() in KNOWN_BAD_SECRETS or len(secret) < 32:
        raise ConfigurationError("QN_SECRET_KEY is too short or a placeholder: use at least 32 random characters.")
    if app.config["MAIL_BACKEND"] == "console":
        app.logger.warning("QN_MAIL_BACKEND is 'console' in production: e-mails will not be delivered.")
    if not app.config["TWO_FACTOR_REQUIRED_ROLES"]:
        app.logger.warning("QN_TWO_FACTOR_REQUIRED_ROLES is empty in production: no role has to use two-factor "
                           "sign-in, not even the admins and coordinators who read every association's data.")
    if app.config["RATELIMIT_STORAGE_URI"].startswith("memory://"):
        # One warning for every piece of shared state that falls back to the process's memory.
        app.logger.warning(
            "No QN_REDIS_URL: rate limits are kept in each process's memory, so with several workers or "
            "machines every one of them counts on its own. Set QN_REDIS_URL=redis://… (see docs/deployment.md)."
        )
