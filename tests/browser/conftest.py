"""Real-browser fixtures: Debian's Chromium driven by Playwright against a live portal on a free port.

Without Chromium these tests skip with the reason; with ``QN_REQUIRE_BROWSER=1`` (CI) a missing browser
fails them instead, so that a green CI always means the browser journeys ran.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass

import pytest
from conftest import DEMO_PASSWORD, make_config, wipe
from werkzeug.serving import make_server

from qn_portal import create_app

CHROMIUM = os.environ.get("QN_CHROMIUM", "/usr/bin/chromium")
REQUIRE_BROWSER = os.environ.get("QN_REQUIRE_BROWSER") == "1"
# Without the networking flags Chromium keeps trying to reach the outside and is refused.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def pytest_collection_modifyitems(config, items):
    if os.path.exists(CHROMIUM):
        return
    reason = f"Chromium not found at {CHROMIUM} (apt-get install chromium, or set QN_CHROMIUM)"
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            if REQUIRE_BROWSER:
                item.add_marker(pytest.mark.usefixtures("_browser_required"))
            else:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture
def _browser_required():
    pytest.fail(f"QN_REQUIRE_BROWSER=1 but Chromium is missing at {CHROMIUM}")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    args = {**browser_type_launch_args,
            "args": [*browser_type_launch_args.get("args", []), *CHROMIUM_ARGS]}
    if os.path.exists(CHROMIUM):
        args["executable_path"] = CHROMIUM
    return args


@dataclass
class LiveServer:
    url: str
    app: object


@pytest.fixture(scope="module")
def live_server(migrated, tmp_path_factory):
    """The portal served by werkzeug in a thread, with the demo data, for one test module."""
    from qn_portal.demo import seed_demo

    instance = tmp_path_factory.mktemp("live")
    app = create_app(make_config(migrated, instance, SERVER_NAME=None, RATELIMIT_ENABLED=False))
    os.environ["QN_DEMO_PASSWORD"] = DEMO_PASSWORD
    try:
        with app.app_context():
            seed_demo(log=lambda message: None)
    finally:
        os.environ.pop("QN_DEMO_PASSWORD", None)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", app=app)
    server.shutdown()
    thread.join(timeout=10)
    wipe(app)
