"""CSV exports: the core helper (cells, file format, headers) and the core lists' exports.

Every export must read back through Python's ``csv`` module with ``;`` and ``utf-8-sig``, accents intact,
formulas neutralised, and hold the whole filtered list (not one page), for the same people as its page.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from conftest import signed_in
from csv_checks import read_csv
from query_count import count_queries
from sqlalchemy import select

from qn_portal.extensions import db

FORMULAS = ["=HYPERLINK(\"http://evil.example\")", "+33 1 23", "-2+3", "@SUM(A1)", "\t=1+1", " =1+1", "\r=1"]


# --- the helper -------------------------------------------------------------------------------------------


def test_cells_by_type(app):
    from qn_portal.csv_export import csv_cell

    with app.test_request_context():
        assert csv_cell(None) == ""
        assert (csv_cell(True), csv_cell(False)) == ("oui", "non")
        # Real numbers stay numbers, negative ones too, with a decimal comma.
        assert (csv_cell(-3), csv_cell(25.5), csv_cell(2.0), csv_cell(Decimal("-12.50"))) == ("-3", "25,5", "2", "-12,5")
        assert csv_cell(date(2026, 3, 1)) == "2026-03-01"
        # Stored in UTC, shown in Paris time (UTC+1 in winter, UTC+2 in summer).
        assert csv_cell(datetime(2026, 1, 15, 23, 30, tzinfo=UTC)) == "2026-01-16 00:30"
        assert csv_cell(datetime(2026, 7, 1, 8, 5, tzinfo=UTC)) == "2026-07-01 10:05"
        # A text that looks like a negative number was typed by someone: it stays text.
        assert csv_cell("-3") == "'-3"
        for formula in FORMULAS:
            assert csv_cell(formula) == "'" + formula, formula
        assert csv_cell("Élodie = trésorière") == "Élodie = trésorière"


def test_file_format_round_trips(app):
    from qn_portal.csv_export import csv_response

    rows = [["Maëlle Œuvray", -3, True, date(2026, 5, 4)], *[[formula, None, False, None] for formula in FORMULAS],
            ["deux\nlignes ; et \"guillemets\"", 1.5, False, None]]
    with app.test_request_context():
        response = csv_response(["Nom", "Écart", "Présente", "Date"], iter(rows), "Liste des présences été.csv")
        assert response.is_streamed
        body = b"".join(response.iter_encoded())
    assert body.startswith(b"\xef\xbb\xbf") and body.count(b"\xef\xbb\xbf") == 1
    assert body.endswith(b"\r\n")
    read = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert read[0] == ["Nom", "Écart", "Présente", "Date"]
    assert read[1] == ["Maëlle Œuvray", "-3", "oui", "2026-05-04"]
    assert [row[0] for row in read[2:-1]] == ["'" + formula for formula in FORMULAS]
    assert read[-1] == ["deux\nlignes ; et \"guillemets\"", "1,5", "non", ""]
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="Liste-des-presences-ete.csv"; ')
    assert "filename*=UTF-8''Liste%20des%20pr%C3%A9sences%20%C3%A9t%C3%A9.csv" in disposition
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"


def test_a_hostile_filename_cannot_break_the_header(app):
    from qn_portal.csv_export import content_disposition

    header = content_disposition('../"evil"\r\nSet-Cookie: x=1.csv')
    assert "\r" not in header and "\n" not in header and '"evil"' not in header
    assert header.startswith('attachment; filename="evil-Set-Cookie-x-1.csv"; filename*=UTF-8\'\'')


# --- the core lists ---------------------------------------------------------------------------------------


def add_people(app, demo, count: int, offset: int = 0) -> None:
    from qn_portal.accounts.models import User
    from qn_portal.associations.models import Membership

    with app.app_context():
        for i in range(offset, offset + count):
            user = User(email=f"personne{i:04d}@example.org", name=f"Zoé Personne {i:04d}")
            db.session.add_all([user, Membership(user=user, association_id=demo["associations"]["a"],
                                                 role="mediator")])
        db.session.commit()


def test_users_export_holds_every_account_with_accents_and_no_formula(app, demo):
    from qn_portal.accounts.models import User

    add_people(app, demo, 45)  # more than two pages of 20
    with app.app_context():
        user = db.session.get(User, demo["users"]["mediation.b"])
        user.name = "=cmd|' /C calc'!A0 Hélène"
        db.session.commit()
        total = db.session.scalar(select(db.func.count()).select_from(User))
    client = signed_in(app, "admin")
    page = client.get("/admin/personnes").get_data(as_text=True)
    assert 'href="/admin/personnes/export.csv"' in page and "Télécharger (CSV)" in page
    response = client.get("/admin/personnes/export.csv")
    assert response.status_code == 200
    rows = read_csv(response)
    assert rows[0] == ["Nom", "E-mail", "Rôle", "État", "Double authentification activée"]
    assert len(rows) - 1 == total
    by_email = {row[1]: row for row in rows[1:]}
    assert by_email["mediation.b@example.org"][0] == "'=cmd|' /C calc'!A0 Hélène"
    assert by_email["personne0044@example.org"][0] == "Zoé Personne 0044"
    assert by_email["admin@example.org"][4] in ("oui", "non")
    assert "no-store" in response.headers["Cache-Control"]
    with app.app_context():
        from qn_portal.audit.models import AuditEntry

        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "data.export")).one()
        assert json.loads(entry.details)["count"] == total


@pytest.mark.parametrize("role", ["mediation.a", "direction.a", "coordination", "partenaire"])
def test_users_export_is_for_admins_only(app, demo, role):
    assert signed_in(app, role).get("/admin/personnes/export.csv").status_code == 403


def test_anonymous_is_sent_to_the_login_page(app, demo):
    response = app.test_client().get("/admin/personnes/export.csv")
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]


def test_members_export_of_ones_own_association_only(app, demo):
    add_people(app, demo, 30)
    client = signed_in(app, "direction.a")
    slug_a, slug_b = demo["slugs"]["a"], demo["slugs"]["b"]
    assert f'href="/associations/{slug_a}/membres/export.csv"' in client.get(f"/associations/{slug_a}/membres").get_data(
        as_text=True)
    rows = read_csv(client.get(f"/associations/{slug_a}/membres/export.csv"))
    assert rows[0] == ["Nom", "E-mail", "Rôle"]
    emails = [row[1] for row in rows[1:]]
    assert "direction.a@example.org" in emails and "personne0029@example.org" in emails
    assert "mediation.b@example.org" not in emails
    assert {row[2] for row in rows[1:]} >= {"Direction", "Médiation numérique"}
    assert client.get(f"/associations/{slug_b}/membres/export.csv").status_code == 403
    assert signed_in(app, "mediation.a").get(f"/associations/{slug_a}/membres/export.csv").status_code == 403


def test_directory_export_keeps_the_filters(app, demo):
    from qn_portal.associations.models import Association

    client = signed_in(app, "partenaire")
    with app.app_context():
        communes = {a.commune for a in db.session.scalars(select(Association))}
        commune = sorted(c for c in communes if c)[0]
        expected = sorted(db.session.scalars(select(Association.name).where(Association.commune == commune)))
        everything = db.session.scalar(select(db.func.count()).select_from(Association))
    page = client.get(f"/associations/?commune={commune}").get_data(as_text=True)
    assert f'href="/associations/export.csv?commune={commune}"' in page
    rows = read_csv(client.get(f"/associations/export.csv?commune={commune}"))
    assert rows[0] == ["Association", "Quartier", "Commune", "Statut", "Promotion"]
    assert sorted(row[0] for row in rows[1:]) == expected
    assert {row[2] for row in rows[1:]} == {commune}
    assert len(read_csv(client.get("/associations/export.csv"))) - 1 == everything


def test_journal_export_applies_the_filters(app, demo):
    client = signed_in(app, "coordination")
    signed_in(app, "mediation.a")  # one more sign-in in the journal
    rows = read_csv(client.get("/admin/journal/export.csv?action=login&outcome=ok"))
    assert rows[0] == ["Date", "Personne", "Adresse", "Action", "Résultat", "Sur quoi", "Détails"]
    assert len(rows) >= 3
    assert {row[1] for row in rows[1:]} >= {"coordination@example.org", "mediation.a@example.org"}
    assert len({row[3] for row in rows[1:]}) == 1  # one action: the filter held
    assert all(len(row[0]) == 16 and row[0][4] == "-" and row[0][13] == ":" for row in rows[1:])
    assert signed_in(app, "direction.a").get("/admin/journal/export.csv").status_code == 403


def test_neighbourhoods_export_counts_associations(app, demo):
    client = signed_in(app, "coordination")
    rows = read_csv(client.get("/associations/quartiers/export.csv"))
    assert rows[0] == ["Quartier", "Commune", "Type", "Code officiel", "Associations"]
    grand_parc = next(row for row in rows if row[0] == "Grand Parc")
    assert int(grand_parc[4]) >= 1
    assert signed_in(app, "direction.a").get("/associations/quartiers/export.csv").status_code == 403


def test_queries_do_not_grow_with_the_rows(app, demo):
    client = signed_in(app, "admin")
    paths = ["/admin/personnes/export.csv", f"/associations/{demo['slugs']['a']}/membres/export.csv",
             "/admin/journal/export.csv"]
    add_people(app, demo, 10)
    small = {path: count_queries(app, client, path) for path in paths}
    add_people(app, demo, 100, offset=10)
    large = {path: count_queries(app, client, path) for path in paths}
    assert small == large
