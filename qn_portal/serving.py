"""``qn-portal serve``: the portal under gunicorn, with production defaults and an access log without personal data.

Gunicorn runs in this process (its ``BaseApplication``), so that ``qn-portal serve`` under systemd is the
gunicorn master itself: signals (reload, graceful stop) reach it directly. Each worker builds its own app
(no ``preload_app``): nothing opened before the fork, such as a database connection, is shared by workers.
"""

from __future__ import annotations

import gc
import os

import click
from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger

DEFAULT_PORT = 8000
DEFAULT_TIMEOUT = 30
MAX_DEFAULT_WORKERS = 8

# Time, worker, method, route, status, bytes, duration. Nothing that identifies a person or carries a secret:
# - no query string: it may carry a token (the private Atom and iCalendar feeds are opened with one) or what a
#   person searched for;
# - no path as typed, but the route's rule ("/reinitialiser/<token>"): reset and invitation links carry their
#   token in the path;
# - no user agent, no referrer (they fingerprint a person and the referrer leaks the previous page's URL), no
#   client address (an IP address is personal data; the audit log already records it for security events,
#   with its own retention, and nginx may keep its own log if the operator decides to).
ACCESS_LOG_FORMAT = '%(t)s %(p)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
# Gunicorn's atoms that could carry personal data or secrets, blanked even if someone changes the format.
PRIVATE_ATOMS = ("h", "u", "r", "q", "a", "f")


def default_workers(cores: int | None = None) -> int:
    """Gunicorn's usual 2 × cores + 1 sync workers, at most 8: each worker holds a whole app in memory and a
    database connection, and the portal's requests are short (a slow one is cut by the timeout)."""
    cores = cores or os.cpu_count() or 1
    return min(2 * cores + 1, MAX_DEFAULT_WORKERS)


ROUTE_KEY = "qn_portal.route"


def remember_route(sender, **extra) -> None:
    """On ``request_started``: note the URL rule Flask matched in the WSGI environ, which the access logger
    reads once the response is sent (Flask has dropped its request object by then)."""
    from flask import request

    request.environ[ROUTE_KEY] = request.url_rule.rule if request.url_rule is not None else "-"


def route_of(environ: dict) -> str:
    """The URL rule of this request (``/fichiers/<key>``), or ``-`` when none matched (404)."""
    return environ.get(ROUTE_KEY, "-")


class PrivateAccessLogger(Logger):
    """Gunicorn's logger, whose access-log atoms hold the matched route instead of the path and nothing private."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        atoms["U"] = route_of(environ)
        for name in PRIVATE_ATOMS:
            atoms[name] = "-"
        # Request and response headers (``%({cookie}i)s``…) would carry the session cookie itself.
        return {name: value for name, value in atoms.items() if not name.startswith("{")}


def gunicorn_options(host: str = "127.0.0.1", port: int = DEFAULT_PORT, workers: int | None = None,
                     timeout: int = DEFAULT_TIMEOUT) -> dict:
    """The gunicorn settings ``qn-portal serve`` runs with."""
    return {
        "bind": f"{host}:{port}",
        "workers": workers or default_workers(),
        "worker_class": "sync",  # a buffering proxy (nginx) in front absorbs slow clients, see docs/deployment.md
        "timeout": timeout,  # a worker stuck longer than this is killed and replaced
        "graceful_timeout": timeout,
        # Replace each worker now and then, so that memory that creeps up cannot grow for ever; not often:
        # starting a worker costs about a second of CPU, the price of ~2 000 pages served from the page cache
        # (the bench saw every worker restart at once after 20 000 requests, a dip of 60 % in throughput), and
        # the soak grew memory by 0.6 % over 23 000 requests without any replacement (bench/RESULTS.md).
        "max_requests": 100_000,
        "max_requests_jitter": 10_000,
        "accesslog": "-",
        "errorlog": "-",
        "access_log_format": ACCESS_LOG_FORMAT,
        "logger_class": PrivateAccessLogger,
        # Gunicorn ≥ 27 opens a control socket in ~/.gunicorn/ by default; two instances on one machine would
        # fight over it, and nothing here uses it.
        "control_socket_disable": True,
    }


class PortalServer(BaseApplication):
    """Gunicorn serving ``create_app()``, one app per worker."""

    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self):
        for name, value in self.options.items():
            if name in self.cfg.settings:  # e.g. control_socket_disable only exists from gunicorn 27
                self.cfg.set(name, value)

    def load(self):
        from flask import request_started

        from . import create_app

        app = create_app()
        request_started.connect(remember_route, app)
        # The app's ~250 000 long-lived objects (mappers, templates, catalogues) out of the garbage collector's
        # reach: a full collection over them took ~140 ms, a pause some request would wait for (the latency
        # tail measured in bench/RESULTS.md); they live as long as the worker anyway.
        gc.freeze()
        return app


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (keep 127.0.0.1 behind a reverse proxy on the same machine).")
@click.option("--port", type=click.IntRange(1, 65535), default=DEFAULT_PORT, show_default=True)
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help=f"Worker processes (default: 2 × cores + 1, at most {MAX_DEFAULT_WORKERS}).")
@click.option("--timeout", type=click.IntRange(min=1), default=DEFAULT_TIMEOUT, show_default=True,
              help="Seconds a request may take before its worker is replaced.")
def serve_command(host, port, workers, timeout):
    """Serve the portal with gunicorn (production; run `qn-portal db upgrade` first)."""
    check_configuration()
    PortalServer(gunicorn_options(host, port, workers, timeout)).run()


def check_configuration() -> None:
    """Build the app once in the master, so that an unsafe configuration stops here with its message instead
    of failing every worker's boot; then close what it opened, so that no worker inherits a connection."""
    from . import create_app
    from .extensions import db
    from .settings import ConfigurationError

    try:
        app = create_app()
    except ConfigurationError as error:
        raise click.ClickException(str(error)) from error
    with app.app_context():
        db.engine.dispose()
