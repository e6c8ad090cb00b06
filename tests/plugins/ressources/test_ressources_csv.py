"""CSV exports of the library: the filtered list (every page), one's favourites, the open reports."""

from __future__ import annotations

from conftest import signed_in
from csv_checks import csv_link_in, read_csv
from sqlalchemy import select

from qn_portal.extensions import db


def add_resources(app, demo, count: int, title: str = "Fiche {i} : l'été à l'écran") -> list[int]:
    from plugins.ressources.models import Favourite, Report, Resource
    from qn_portal.dbtypes import utcnow

    ids = []
    with app.app_context():
        for i in range(count):
            resource = Resource(title=title.format(i=i), summary="Résumé", body="", body_html="",
                                kind="fiche" if i % 2 else "support", level="debutant", licence="etalab-2.0",
                                visibility="community", status="published", published_at=utcnow(),
                                association_id=demo["associations"]["a"])
            db.session.add(resource)
            db.session.flush()
            db.session.add_all([Favourite(user_id=demo["users"]["mediation.a"], resource_id=resource.id),
                                Report(resource_id=resource.id, reporter_id=demo["users"]["mediation.a"],
                                       reason="error", comment="-1 erreur")])
            ids.append(resource.id)
        db.session.commit()
    return ids


def test_library_export_keeps_filters_and_holds_every_page(app, demo):
    add_resources(app, demo, 45)
    client = signed_in(app, "mediation.a")
    page = client.get("/ressources/?kind=fiche&tri=used").get_data(as_text=True)
    assert csv_link_in(page, "/ressources/export.csv?kind=fiche&tri=used")
    rows = read_csv(client.get("/ressources/export.csv?kind=fiche"))
    assert rows[0][:3] == ["Titre", "Type", "Niveau"]
    titles = [row[0] for row in rows[1:]]
    assert len({row[1] for row in rows[1:]}) == 1  # one kind: the filter held
    assert sum("l'été à l'écran" in title for title in titles) == 22  # the odd ones of 45: fiches only
    everything = read_csv(client.get("/ressources/export.csv"))
    assert sum("l'été à l'écran" in row[0] for row in everything[1:]) == 45


def test_formulas_in_titles_are_neutralised(app, demo):
    add_resources(app, demo, 1, title="=HYPERLINK(\"http://evil.example\";\"clic\")")
    rows = read_csv(signed_in(app, "coordination").get("/ressources/export.csv"))
    assert "'=HYPERLINK(\"http://evil.example\";\"clic\")" in [row[0] for row in rows]


def test_anonymous_visitors_get_only_public_resources(app, demo):
    from plugins.ressources.models import Resource

    add_resources(app, demo, 3)  # community resources
    response = app.test_client().get("/ressources/export.csv")
    rows = read_csv(response)
    with app.app_context():
        public = set(db.session.scalars(select(Resource.title).where(Resource.visibility == "public",
                                                                     Resource.status == "published")))
    assert {row[0] for row in rows[1:]} == public
    assert "no-store" not in response.headers.get("Cache-Control", "")


def test_favourites_are_ones_own(app, demo):
    add_resources(app, demo, 25)
    rows = read_csv(signed_in(app, "mediation.a").get("/ressources/favoris/export.csv"))
    assert len(rows) - 1 >= 25
    assert len(read_csv(signed_in(app, "mediation.b").get("/ressources/favoris/export.csv"))) - 1 < 25


def test_reports_export_is_for_coordinators_and_audited(app, demo):
    from qn_portal.audit.models import AuditEntry

    add_resources(app, demo, 30)
    client = signed_in(app, "coordination")
    assert csv_link_in(client.get("/ressources/moderation").get_data(as_text=True), "/ressources/moderation/export.csv")
    rows = read_csv(client.get("/ressources/moderation/export.csv"))
    assert rows[0] == ["Ressource", "État", "Motif", "Commentaire", "Par", "Signalé le", "Adresse"]
    mine = [row for row in rows[1:] if row[3] == "'-1 erreur"]
    assert len(mine) == 30
    with app.app_context():
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "data.export"))
    for role in ("mediation.a", "direction.a"):
        assert signed_in(app, role).get("/ressources/moderation/export.csv").status_code == 403
