"""Simulated users for the soak run: each one reads a page, searches or writes, then thinks, again and again.

wrk measures throughput best but cannot fill in a form; these users can. ``run_users`` starts ``processes``
× ``threads`` users (one keep-alive connection each) for ``seconds``; every request is recorded with its
kind (page, search, write), name, status and latency. The mix is 80 % pages, 15 % searches, 5 % writes
(half registrations to a session, half new resources), with a think time drawn uniformly in 0..2 × mean.
"""

from __future__ import annotations

import http.client
import multiprocessing
import random
import re
import threading
import time
from http.cookies import SimpleCookie
from urllib.parse import urlencode

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
MIX = (("page", 0.80), ("search", 0.15), ("write", 0.05))


class Client:
    """One keep-alive HTTP connection carrying the session cookie, kept up to date as a browser does."""

    def __init__(self, port: int, cookie: str):
        self.port, self.cookie = port, cookie
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def keep_cookies(self, response) -> None:
        jar = SimpleCookie()
        jar.load(self.cookie)
        for header in response.headers.get_all("Set-Cookie") or []:
            jar.load(header)
        self.cookie = "; ".join(f"{name}={morsel.value}" for name, morsel in jar.items())

    def request(self, method: str, url: str, body: str | None = None) -> tuple[int, bytes, float]:
        """Send one request; return status, body and latency in seconds (reconnects once if the server closed)."""
        headers = {"Cookie": self.cookie}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in (1, 2):
            started = time.perf_counter()
            try:
                self.connection.request(method, url, body=body, headers=headers)
                response = self.connection.getresponse()
                data = response.read()
                latency = time.perf_counter() - started
                self.keep_cookies(response)
                return response.status, data, latency
            except (http.client.HTTPException, ConnectionError):
                self.connection.close()
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


def csrf_token(client: Client, url: str) -> str:
    """The CSRF token of the form on ``url`` (valid for the whole session)."""
    _status, data, _latency = client.request("GET", url)
    match = CSRF_RE.search(data.decode("utf-8", "replace"))
    return match.group(1) if match else ""


def write_request(rng: random.Random, token: str, sessions: list[int], number: int) -> tuple[str, str, str]:
    """A registration of a new resident to an upcoming session, or a new published resource."""
    if number % 2 == 0:
        body = urlencode({"csrf_token": token, "resident_id": "", "first_name": f"Soak {number}", "phone": "",
                          "consent": "y", "scope": "session"})
        return "write-registration", f"/ateliers/seances/{rng.choice(sessions)}/inscrire", body
    body = urlencode({"csrf_token": token, "title": f"Ressource de charge {number}", "summary": "Un résumé court.",
                      "body": "Une ressource **écrite** pendant le test de charge.", "kind": "fiche",
                      "level": "debutant", "audiences": "seniors", "duration_minutes": "60",
                      "licence": "cc-by-sa-4.0", "links": "", "visibility": "community", "status": "published"})
    return "write-resource", "/ressources/nouvelle", body


def _user(seed: int, port: int, sign_in, plan: dict, deadline: float, think_ms: float, out: list) -> None:
    rng = random.Random(seed)
    client = Client(port, sign_in())
    pages = [p for p in plan["pages"] if p["kind"] == "page"]
    searches = [p for p in plan["pages"] if p["kind"] == "search"]
    token = csrf_token(client, "/ressources/nouvelle")
    number = seed * 100_000
    time.sleep(rng.uniform(0, think_ms / 1000))  # users do not all start at the same instant
    while time.time() < deadline:
        kind = rng.choices([k for k, _ in MIX], [w for _, w in MIX])[0]
        if kind == "write":
            number += 1
            name, url, body = write_request(rng, token, plan["writes"]["sessions"], number)
            method = "POST"
        else:
            page = rng.choice(pages if kind == "page" else searches)
            name, url, body, method = page["name"], page["url"], None, "GET"
        try:
            status, data, latency = client.request(method, url, body)
        except OSError:
            status, data, latency = 0, b"", 0.0
        out.append((kind, name, status, latency, len(data)))
        time.sleep(rng.uniform(0, 2 * think_ms) / 1000)


def _process(index: int, threads: int, port: int, sign_in, plan: dict, deadline: float, think_ms: float,
             queue) -> None:
    out: list = []
    workers = [threading.Thread(target=_user, args=(index * 1000 + i, port, sign_in, plan, deadline, think_ms, out))
               for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    queue.put(out)


def run_users(port: int, sign_in, plan: dict, seconds: float, users: int = 20, processes: int = 4,
              think_ms: float = 500, on_tick=None) -> list[tuple]:
    """Run ``users`` simulated users for ``seconds``, each with the session cookie ``sign_in()`` returns (a
    session of their own); call ``on_tick()`` every 5 s meanwhile; return the records."""
    deadline = time.time() + seconds
    queue = multiprocessing.get_context("fork").Queue()
    per_process = [users // processes + (1 if i < users % processes else 0) for i in range(processes)]
    procs = [multiprocessing.get_context("fork").Process(
        target=_process, args=(i, n, port, sign_in, plan, deadline, think_ms, queue)) for i, n in enumerate(per_process)]
    for proc in procs:
        proc.start()
    while time.time() < deadline:
        if on_tick:
            on_tick()
        time.sleep(min(5, max(deadline - time.time(), 0.1)))
    records: list = []
    for _ in procs:
        records.extend(queue.get(timeout=120))
    for proc in procs:
        proc.join()
    return records
