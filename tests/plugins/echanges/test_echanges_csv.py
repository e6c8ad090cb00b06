"""CSV export of the discussion threads: the list's filters, every page, the partners' restricted view."""

from __future__ import annotations

from conftest import signed_in
from csv_checks import csv_link_in, read_csv
from sqlalchemy import select

from qn_portal.extensions import db


def add_threads(app, count: int, open_to_partners: bool, title: str, replies: int = 0) -> None:
    from plugins.echanges.models import EchangesCategory, EchangesThread

    with app.app_context():
        category = db.session.scalar(select(EchangesCategory).where(
            EchangesCategory.open_to_partners.is_(open_to_partners)).order_by(EchangesCategory.id))
        db.session.add_all([EchangesThread(category_id=category.id, title=f"{title} {i:02d}", reply_count=replies)
                            for i in range(count)])
        db.session.commit()


def test_threads_export_holds_every_page_with_the_view(app, demo):
    add_threads(app, 30, False, "Sujet réservé : accès à l'ENT")
    add_threads(app, 15, True, "-Sujet ouvert", replies=2)
    client = signed_in(app, "mediation.a")
    page = client.get("/echanges/?vue=sans-reponse").get_data(as_text=True)
    assert csv_link_in(page, "/echanges/export.csv?vue=sans-reponse")
    rows = read_csv(client.get("/echanges/export.csv"))
    assert rows[0][:3] == ["Sujet", "Catégorie", "Mots-clés"]
    titles = [row[0] for row in rows[1:]]
    assert sum(title.startswith("Sujet réservé : accès à l'ENT") for title in titles) == 30
    assert sum(title.startswith("'-Sujet ouvert") for title in titles) == 15
    unanswered = [row[0] for row in read_csv(client.get("/echanges/export.csv?vue=sans-reponse"))[1:]]
    assert not any(title.startswith("'-Sujet ouvert") for title in unanswered)
    assert sum(title.startswith("Sujet réservé") for title in unanswered) == 30


def test_partners_get_only_the_threads_they_may_read(app, demo):
    add_threads(app, 5, False, "Sujet réservé")
    add_threads(app, 5, True, "Sujet ouvert")
    titles = [row[0] for row in read_csv(signed_in(app, "partenaire").get("/echanges/export.csv"))[1:]]
    assert sum(title.startswith("Sujet ouvert") for title in titles) == 5
    assert not any(title.startswith("Sujet réservé") for title in titles)
    assert app.test_client().get("/echanges/export.csv").status_code == 302


def test_reports_export_is_for_moderators(app, demo):
    from plugins.echanges.models import EchangesPost, EchangesReport, EchangesThread

    add_threads(app, 1, False, "Sujet signalé")
    with app.app_context():
        thread = db.session.scalar(select(EchangesThread).where(EchangesThread.title == "Sujet signalé 00"))
        post = EchangesPost(thread_id=thread.id, author_id=demo["users"]["mediation.b"], body="x", body_html="<p>x</p>")
        db.session.add(post)
        db.session.flush()
        db.session.add_all([EchangesReport(post_id=post.id, reporter_id=demo["users"]["mediation.a"], reason="spam",
                                           comment=f"@signalement {i}") for i in range(25)])
        db.session.commit()
    client = signed_in(app, "coordination")
    assert csv_link_in(client.get("/echanges/moderation").get_data(as_text=True), "/echanges/moderation/export.csv")
    rows = read_csv(client.get("/echanges/moderation/export.csv"))
    mine = [row for row in rows[1:] if row[0] == "Sujet signalé 00"]
    assert len(mine) == 25 and {row[4] for row in mine} >= {"'@signalement 0", "'@signalement 24"}
    for role in ("mediation.a", "direction.a", "partenaire"):
        assert signed_in(app, role).get("/echanges/moderation/export.csv").status_code == 403
