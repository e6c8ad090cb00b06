"""CSV exports of the veille: posts (filters, visibility), actors (filters), sources and the review queue."""

from __future__ import annotations

from conftest import signed_in
from csv_checks import csv_link_in, read_csv

from qn_portal.extensions import db


def add_posts(app, count: int, **fields) -> None:
    from plugins.veille.models import VeillePost
    from qn_portal.dbtypes import utcnow

    values = {"title": "Appel à projets : l'inclusion numérique", "category": "appel", "tags": ",seniors,",
              "communes": ",Bordeaux,", "visibility": "intranet", **fields}
    with app.app_context():
        db.session.add_all([VeillePost(published_at=utcnow(), **{**values, "title": values["title"] + f" n°{i}"})
                            for i in range(count)])
        db.session.commit()


def test_posts_export_holds_every_page_with_the_filters(app, demo):
    add_posts(app, 45)
    add_posts(app, 5, title="Autre sujet", category="evenement", tags=",jeunes,")
    client = signed_in(app, "mediation.a")
    page = client.get("/veille/?category=appel&tag=seniors").get_data(as_text=True)
    assert csv_link_in(page, "/veille/export.csv?category=appel&tag=seniors")
    rows = read_csv(client.get("/veille/export.csv?category=appel&tag=seniors"))
    assert rows[0][:4] == ["Titre", "Catégorie", "Publié le", "Visibilité"]
    mine = [row for row in rows[1:] if row[0].startswith("Appel à projets : l'inclusion numérique")]
    assert len(mine) == 45
    assert not any(row[0].startswith("Autre sujet") for row in rows)
    assert {row[3] for row in mine} == {"intranet"}


def test_partners_do_not_get_intranet_posts_and_formulas_are_neutralised(app, demo):
    add_posts(app, 3)
    add_posts(app, 2, title="@SUM(1+1)", visibility="public")
    rows = read_csv(signed_in(app, "partenaire").get("/veille/export.csv"))
    titles = [row[0] for row in rows[1:]]
    assert not any(title.startswith("Appel à projets : l'inclusion numérique") for title in titles)
    assert "'@SUM(1+1) n°0" in titles


def test_actors_export_keeps_the_filters(app, demo):
    from plugins.veille.models import VeilleActor

    with app.app_context():
        db.session.add_all([VeilleActor(name=f"Médiathèque {i}", kind="mediatheque", commune="Bègles" if i % 2 else "Cenon",
                                        phone="+33 5 56 00 00 00") for i in range(30)])
        db.session.commit()
    client = signed_in(app, "direction.a")
    page = client.get("/veille/acteurs/?commune=Bègles").get_data(as_text=True)
    assert "export.csv?commune=B%C3%A8gles" in page
    rows = read_csv(client.get("/veille/acteurs/export.csv?commune=Bègles"))
    assert rows[0][:3] == ["Nom", "Type", "Commune"]
    assert {row[2] for row in rows[1:]} == {"Bègles"}
    mine = [row for row in rows[1:] if row[0].startswith("Médiathèque ")]
    assert len(mine) == 15 and {row[7] for row in mine} == {"'+33 5 56 00 00 00"}


def test_sources_and_review_are_for_writers(app, demo):
    from plugins.veille.models import VeilleItem, VeilleSource

    with app.app_context():
        source = VeilleSource(name="Flux régional", url="https://exemple.fr/flux.xml", last_status="lu : 3 éléments")
        db.session.add(source)
        db.session.flush()
        db.session.add_all([VeilleItem(source_id=source.id, guid=f"g{i}", title=f"Élément {i}") for i in range(25)])
        db.session.commit()
    client = signed_in(app, "coordination")
    assert csv_link_in(client.get("/veille/sources/").get_data(as_text=True), "/veille/sources/export.csv")
    assert csv_link_in(client.get("/veille/a-relire/").get_data(as_text=True), "/veille/a-relire/export.csv")
    sources = read_csv(client.get("/veille/sources/export.csv"))
    assert ["Flux régional", "https://exemple.fr/flux.xml", "", "lu : 3 éléments"] in sources
    review = read_csv(client.get("/veille/a-relire/export.csv"))
    assert sum(row[1] == "Flux régional" for row in review[1:]) == 25
    for role in ("mediation.a", "direction.a", "partenaire"):
        assert signed_in(app, role).get("/veille/sources/export.csv").status_code == 403
        assert signed_in(app, role).get("/veille/a-relire/export.csv").status_code == 403
