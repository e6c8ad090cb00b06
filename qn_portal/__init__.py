"""QN Portal: the intranet of the Quartiers Numériques community of practice.

``create_app()`` builds the Flask app as a short list of ``configure_*`` steps; everything beyond
accounts, roles and associations arrives through plugins (see ``docs/plugins.md``).
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

from flask import Flask, abort, current_app, g, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user

from .extensions import babel, csrf, db, limiter, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ("fr", "en")


def create_app(test_config: dict | None = None) -> Flask:
    """Build a QN Portal app. ``test_config`` overrides every other setting (tests)."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("QN_INSTANCE_PATH") or str(ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
    )
    configure_settings(app, test_config)
    configure_routing(app)
    configure_logging(app)
    configure_extensions(app)
    configure_plugins(app)
    configure_requests(app)
    configure_page_cache(app)
    configure_templates(app)
    configure_errors(app)
    return app


def configure_settings(app: Flask, test_config: dict | None) -> None:
    from .settings import load_settings

    os.makedirs(app.instance_path, exist_ok=True)
    load_settings(app, test_config)


def configure_routing(app: Flask) -> None:
    """URL rules every blueprint shares, set before any blueprint registers its routes."""
    from werkzeug.routing import IntegerConverter

    class DatabaseIdConverter(IntegerConverter):
        # ``<int:id>`` never exceeds a 32-bit INTEGER column: larger numbers are no object of ours (404),
        # where PostgreSQL would otherwise fail the query ("integer out of range") with a 500.
        def __init__(self, map, fixed_digits=0, min=None, max=2**31 - 1, signed=False):
            super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)

    app.url_map.converters["int"] = DatabaseIdConverter
    if app.config.get("PROXY_FIX_HOPS"):
        # Behind a reverse proxy, the client's address and scheme come from its X-Forwarded-* headers;
        # trusting exactly the configured number of hops keeps a client from forging its own address.
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["PROXY_FIX_HOPS"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def configure_logging(app: Flask) -> None:
    if not logging.getLogger("qn_portal").handlers and app.config["ENV"] != "testing":
        handler = logging.StreamHandler()
        formatter = logging.Formatter("%(asctime)sZ %(levelname)s %(name)s: %(message)s", "%Y-%m-%dT%H:%M:%S")
        formatter.converter = time.gmtime  # logs in UTC, whatever the server's zone
        handler.setFormatter(formatter)
        logging.getLogger("qn_portal").addHandler(handler)
        logging.getLogger("qn_portal").setLevel(logging.INFO)


def configure_extensions(app: Flask) -> None:
    from . import (
        database,  # noqa: F401  (registers the SQLite tuning on every engine)
        migrations_support,
    )
    from .accounts import sessions  # noqa: F401  (registers the user loader)

    db.init_app(app)
    migrate.init_app(app, db, directory=migrations_support.DIRECTORY)
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=str(Path(__file__).parent / "translations"))
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None  # the login page explains itself; no flash in the wrong language
    login_manager.session_protection = "basic"


def select_locale() -> str:
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    if not has_request_context():
        return default  # CLI commands and jobs: no session, no signed-in user
    from .public_api.errors import is_api_request

    if is_api_request():  # the API reads no session: the client's Accept-Language, French by default
        return request.accept_languages.best_match(LOCALES, default) or default
    if current_user and current_user.is_authenticated and current_user.locale in LOCALES:
        return current_user.locale
    if session.get("locale") in LOCALES:
        return session["locale"]
    return default


def configure_plugins(app: Flask) -> None:
    from . import core_plugin
    from .plugins import PluginHost

    host = PluginHost(app)
    app.extensions["qn_plugins"] = host
    host.load([core_plugin])
    for command in host.cli_commands:
        app.cli.add_command(command)
    add_plugin_translations(app, host)


def add_plugin_translations(app: Flask, host) -> None:
    """Merge the catalogues a plugin ships in ``<package>/translations/`` (same layout as the core's).

    They come before the core's catalogue, which Flask-Babel merges last, so that the core's translations win:
    a plugin translates its own strings, never re-translates the portal's.
    """
    folders = []
    for info in host.plugins.values():
        if info.core or not info.loaded or info.module is None or not getattr(info.module, "__file__", None):
            continue
        folder = Path(info.module.__file__).parent / "translations"
        if folder.is_dir():
            folders.append(str(folder))
    app.extensions["babel"].translation_directories[:0] = folders


def configure_requests(app: Flask) -> None:
    from .plugins import get_host
    from .security import configure_security_headers

    @app.before_request
    def guard_plugin_blueprints():
        """Every plugin URL: 404 when the plugin is disabled, sign-in unless the view is public."""
        if not request.blueprint:
            return None
        host = get_host(app)
        owner = host.blueprint_owner.get(request.blueprint.split(".")[0])
        if owner is None or host.plugins[owner].core:
            return None
        if not host.is_enabled(owner):
            abort(404)
        view = app.view_functions.get(request.endpoint)
        if getattr(view, "_qn_public", False) or current_user.is_authenticated:
            return None
        return login_manager.unauthorized()

    configure_security_headers(app)


def configure_page_cache(app: Flask) -> None:
    """Last of the request handlers: the cache stores a page before the security headers are added."""
    from . import page_cache
    from .plugins import get_host

    page_cache.install(app)
    host = get_host(app)
    page_cache.set_fingerprint(app, [f"{name}={info.version}"
                                     for name, info in host.plugins.items() if info.loaded])


def configure_templates(app: Flask) -> None:
    from .pagination import url_with_args
    from .permissions import can
    from .plugins import get_host

    def nav_items():
        if "_qn_nav" not in g:
            from flask import url_for
            from werkzeug.routing import BuildError

            items = []
            if current_user.is_authenticated:
                for item in sorted(get_host(app).collect("nav_items", user=current_user), key=lambda i: i.order):
                    try:
                        items.append((item, url_for(item.endpoint, **item.values)))
                    except BuildError:
                        app.logger.warning("nav item %r points to an unknown endpoint", item.endpoint)
            g._qn_nav = items
        return g._qn_nav

    def validity(setting: str) -> str:
        # "1 heure", "1 semaine": the durations that mails and pages announce follow the settings.
        from flask_babel import format_timedelta

        return format_timedelta(app.config[setting], threshold=1)

    app.jinja_env.globals.update(can=can, nav_items=nav_items, current_locale=get_locale, validity=validity,
                                 url_with_args=url_with_args)
    app.jinja_env.globals["render_contribution"] = render_contribution


def render_contribution(contribution) -> str:
    """Render a widget or panel on its own: one that fails is logged and left out, the page still renders."""
    from flask import current_app, render_template
    from markupsafe import Markup

    try:
        return Markup(render_template(contribution.template, **contribution.context))  # noqa: S704 (autoescaped template)
    except Exception:
        if current_app.config["PLUGIN_ERRORS"] == "raise":
            raise
        logging.getLogger("qn_portal.plugins").exception("contribution %r failed to render", contribution.template)
        return Markup("")


def configure_errors(app: Flask) -> None:
    from flask import make_response, render_template
    from flask_babel import gettext as _
    from flask_wtf.csrf import CSRFError
    from sqlalchemy.exc import OperationalError

    from .security import audit

    messages = {
        400: lambda: _("La demande n'a pas pu être traitée."),
        403: lambda: _("Vous n'avez pas accès à cette page."),
        404: lambda: _("Cette page n'existe pas."),
        405: lambda: _("Cette action n'est pas possible ici."),
        413: lambda: _("Le fichier envoyé est trop volumineux."),
        429: lambda: _("Trop de tentatives. Patientez quelques minutes avant de réessayer."),
        500: lambda: _("Une erreur inattendue s'est produite. L'équipe a été prévenue."),
        503: lambda: _("Le portail est momentanément indisponible. Réessayez dans quelques instants."),
    }

    from .public_api.errors import error_response, is_api_request

    def render_error(code: int, error=None):
        if is_api_request():  # the API answers in JSON, whatever the error
            return error_response(code, error=error)
        return render_template("errors/error.html", code=code, message=messages[code]()), code

    for code in messages:
        if code in (403, 429, 500, 503):
            continue
        app.register_error_handler(code, lambda error, code=code: render_error(code, error))

    @app.errorhandler(429)
    def too_many_attempts(error):
        # Logged, not written to the audit table: a client hammering a limit must not be able to grow the
        # database one refused request at a time. The log line is enough to spot an attack and its source.
        app.logger.warning("rate limit reached: %s %s from %s (%s)", request.method, request.path,
                           request.remote_addr, getattr(error, "description", ""))
        response = make_response(render_error(429))
        # When to come back (RFC 9110): the end of the window of the limit that was reached.
        limit = limiter.current_limit
        if limit is not None:
            response.headers["Retry-After"] = str(max(1, int(limit.reset_at - time.time())))
        return response

    @app.errorhandler(403)
    def forbidden(error):
        audit("access", outcome="refused", path=request.path)
        return render_error(403)

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        audit("csrf", outcome="refused", path=request.path)
        if is_api_request():
            return error_response(400)
        return render_template(
            "errors/error.html", code=400,
            message=_("Le formulaire a expiré ou n'a pas été envoyé depuis le portail. Rechargez la page et réessayez."),
        ), 400

    @app.errorhandler(OperationalError)
    def database_unavailable(error):
        from contextlib import suppress

        from sqlalchemy.exc import SQLAlchemyError

        with suppress(SQLAlchemyError):  # the connection is gone: nothing to roll back
            db.session.rollback()
        # The page must not reach the database again (the user loader would raise anew and turn the 503 into
        # a bare 500): render it as for a signed-out visitor.
        g._login_user = login_manager.anonymous_user()
        app.logger.error("database unavailable: %s", error.__class__.__name__)
        return render_error(503)

    @app.errorhandler(500)
    def server_error(error):
        return render_error(500)
