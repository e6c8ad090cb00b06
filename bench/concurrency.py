"""Concurrency run: 8 processes × 100 registrations for one session of 300 seats, at the same time.

``python -m bench.concurrency`` (database from ``QN_DATABASE_URL``) prints one JSON object. Each process
builds its own app (its own connection pool) and registers its 100 residents through
``plugins.ateliers.services.register`` inside ``write_transaction``, the code path of the registration form.
Expected: exactly 300 confirmed, 500 waitlisted, 800 rows, no "database is locked", no other error.
"""

from __future__ import annotations

import json
import multiprocessing
import time
from datetime import timedelta

PROCESSES, PER_PROCESS, SEATS = 8, 100, 300


def prepare() -> tuple[int, list[list[int]]]:
    """A workshop and a session of 300 seats in association A, and 800 residents split in 8 batches."""
    from plugins.ateliers.models import Resident, Session, Workshop
    from qn_portal import create_app
    from qn_portal.associations.models import Association
    from qn_portal.database import write_transaction
    from qn_portal.dbtypes import utcnow
    from qn_portal.demo_volume import bulk_insert
    from qn_portal.extensions import db

    app = create_app()
    with app.app_context(), write_transaction():
        association_id = db.session.scalar(
            db.select(Association.id).where(Association.slug == "grand-parc-connecte"))
        workshop = Workshop(association_id=association_id, title="Concurrence : 300 places")
        db.session.add(workshop)
        db.session.flush()
        starts = utcnow().replace(microsecond=0) + timedelta(days=30)
        session = Session(workshop_id=workshop.id, association_id=association_id, original_start=starts,
                          starts_at=starts, ends_at=starts + timedelta(hours=2), capacity=SEATS)
        db.session.add(session)
        db.session.flush()
        ids = bulk_insert(Resident, [{"association_id": association_id, "first_name": f"Concurrent {n}",
                                      "consent_at": utcnow()} for n in range(PROCESSES * PER_PROCESS)])
        session_id = session.id
    with app.app_context():
        db.engine.dispose()  # no connection inherited by the forked processes
    return session_id, [ids[i::PROCESSES] for i in range(PROCESSES)]


def _register_all(session_id: int, resident_ids: list[int], start_at: float, queue) -> None:
    from sqlalchemy.exc import OperationalError

    from plugins.ateliers.services import RegistrationError, register
    from qn_portal import create_app
    from qn_portal.database import write_transaction

    app = create_app()
    locked = errors = done = 0
    with app.app_context():
        time.sleep(max(start_at - time.time(), 0))  # all processes start together
        for resident_id in resident_ids:
            try:
                with write_transaction():
                    register(session_id, resident_id)
                done += 1
            except OperationalError as error:
                locked += "locked" in str(error)
                errors += "locked" not in str(error)
            except RegistrationError:
                errors += 1
    queue.put({"done": done, "locked": locked, "errors": errors})


def main() -> None:
    """Run the race and print what the database holds afterwards."""
    from sqlalchemy import func, select

    from plugins.ateliers.models import Registration
    from qn_portal import create_app
    from qn_portal.extensions import db

    session_id, batches = prepare()
    # Forked after prepare() has imported everything and closed its connections: each process only builds
    # its app and opens its own connection.
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    start_at = time.time() + 3  # building the apps takes about a second per process on a busy machine
    procs = [context.Process(target=_register_all, args=(session_id, batch, start_at, queue)) for batch in batches]
    for proc in procs:
        proc.start()
    results = [queue.get(timeout=300) for _ in procs]
    for proc in procs:
        proc.join()
    elapsed = time.time() - start_at
    app = create_app()
    with app.app_context():
        counts = dict(db.session.execute(select(Registration.status, func.count(Registration.id))
                                         .where(Registration.session_id == session_id)
                                         .group_by(Registration.status)).all())
    print(json.dumps({
        "processes": PROCESSES, "per_process": PER_PROCESS, "seats": SEATS, "seconds": round(elapsed, 2),
        "done": sum(r["done"] for r in results), "locked": sum(r["locked"] for r in results),
        "errors": sum(r["errors"] for r in results), "confirmed": counts.get("confirmed", 0),
        "waitlisted": counts.get("waitlisted", 0), "rows": sum(counts.values()),
    }))


if __name__ == "__main__":
    main()
