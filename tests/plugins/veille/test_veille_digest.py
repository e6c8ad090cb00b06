"""The weekly digest: the week's posts, to those who asked, each person once per week."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest
from conftest import post_form, signed_in
from sqlalchemy import func, select

from qn_portal.extensions import db

OTHERS = ["ressources", "ateliers", "cofinancements", "echanges", "programme"]


@pytest.fixture
def config_overrides():
    return {"DISABLED_PLUGINS": OTHERS}


def this_week() -> str:
    from qn_portal.dbtypes import utcnow

    year, number, _ = utcnow().isocalendar()
    return f"{year}-W{number:02d}"


def outbox(app):
    from qn_portal.mail import outbox as box

    with app.app_context():
        return list(box())


def digest_messages(app):
    return [m for m in outbox(app) if "La veille de la semaine" in m["Subject"]]


def add_post(app, title, visibility, when):
    from plugins.veille.models import VeillePost

    with app.app_context():
        db.session.add(VeillePost(title=title, body="x", body_html="<p>x</p>", category="actualite",
                                  visibility=visibility, published_at=when))
        db.session.commit()


def test_digest_is_sent_once_per_person_and_week(app, demo, runner):
    from plugins.veille.models import VeilleDigest
    from qn_portal.dbtypes import utcnow

    now = utcnow()
    add_post(app, "Billet de la semaine intranet", "intranet", now - timedelta(seconds=30))
    add_post(app, "Billet programmé plus tard", "public", now + timedelta(days=30))
    partner = signed_in(app, "partenaire")
    assert post_form(partner, "/veille/preferences", {"weekly_digest": "y"}).status_code == 302
    week = this_week()
    result = runner.invoke(args=["veille", "digest", "--week", week])
    assert result.exit_code == 0, result.output
    messages = digest_messages(app)
    recipients = sorted(m["To"] for m in messages)
    # mediation.a and direction.a chose it in the demo; the partner just did.
    assert recipients == ["direction.a@example.org", "mediation.a@example.org", "partenaire@example.org"]
    mediator_mail = next(m for m in messages if m["To"] == "mediation.a@example.org").get_content()
    partner_mail = next(m for m in messages if m["To"] == "partenaire@example.org").get_content()
    assert "Billet de la semaine intranet" in mediator_mail and "http://portail.test/veille/billets/" in mediator_mail
    assert "Billet de la semaine intranet" not in partner_mail  # intranet: not theirs
    assert "Billet programmé plus tard" not in mediator_mail
    # Again: nothing is sent twice.
    result = runner.invoke(args=["veille", "digest", "--week", week])
    assert result.exit_code == 0 and "0 digest(s) sent" in result.output
    assert len(digest_messages(app)) == 3
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(VeilleDigest)) == 3


def test_no_digest_without_the_preference_or_without_posts(app, demo, runner):
    mediator = signed_in(app, "mediation.a")
    assert post_form(mediator, "/veille/preferences", {}).status_code == 302  # unticked
    result = runner.invoke(args=["veille", "digest", "--week", "2020-W10"])  # a week without posts
    assert result.exit_code == 0 and "0 digest(s) sent" in result.output
    runner.invoke(args=["veille", "digest", "--week", this_week()])
    assert "mediation.a@example.org" not in [m["To"] for m in digest_messages(app)]


def test_a_failed_send_is_retried_next_time(app, demo, runner, monkeypatch):
    from plugins.veille import services

    calls = []

    def broken(to, subject, body):
        calls.append(to)
        raise OSError("SMTP down")

    monkeypatch.setattr(services, "send_mail", broken)
    result = runner.invoke(args=["veille", "digest", "--week", this_week()])
    assert result.exit_code != 0 and calls
    monkeypatch.undo()
    result = runner.invoke(args=["veille", "digest", "--week", this_week()])
    assert result.exit_code == 0 and "2 digest(s) sent" in result.output


def test_bad_week_is_refused(app, demo, runner):
    result = runner.invoke(args=["veille", "digest", "--week", "semaine 12"])
    assert result.exit_code != 0 and "ISO week" in result.output


def test_the_default_week_is_the_last_complete_one():
    from datetime import datetime

    from plugins.veille.services import last_complete_week, week_bounds

    assert last_complete_week(datetime(2026, 11, 23, 6, 0, tzinfo=UTC)) == "2026-W47"
    start, end = week_bounds("2026-W47")
    assert start == datetime(2026, 11, 15, 23, 0, tzinfo=UTC)  # Monday 00:00 in Paris
    assert end - start == timedelta(days=7)
