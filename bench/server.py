"""Serve the portal or the bare hello world under gunicorn, with the settings of ``qn-portal serve``.

``python -m bench.server portal|hello PORT WORKERS [--no-recycle]``. Both apps get exactly
``qn_portal.serving.gunicorn_options``, so that their throughputs compare. ``--no-recycle`` turns off
``max_requests`` for the soak run, whose memory-growth check would otherwise only see fresh workers.
"""

from __future__ import annotations

import sys

from qn_portal.serving import PortalServer, gunicorn_options


class HelloServer(PortalServer):
    """The same gunicorn application class, loading the bare Flask app instead of the portal."""

    def load(self):
        from bench.hello import app

        return app


def main(argv: list[str]) -> None:
    """Start the server named by ``argv`` (blocks until gunicorn stops)."""
    which, port, workers = argv[0], int(argv[1]), int(argv[2])
    options = gunicorn_options("127.0.0.1", port, workers)
    options["accesslog"] = None  # both servers alike; the access log's cost is not the portal's
    if "--no-recycle" in argv:
        options["max_requests"] = 0
    (HelloServer if which == "hello" else PortalServer)(options).run()


if __name__ == "__main__":
    main(sys.argv[1:])
