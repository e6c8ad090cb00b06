"""Money, dates, ranking, alerts, imports and report figures."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from conftest import post_form
from sqlalchemy import func, select

from plugins.cofinancements.alerts import run_alerts, search_is_due
from plugins.cofinancements.models import (
    AlertSent,
    Application,
    Follow,
    Funder,
    Opportunity,
    PlanYear,
    SavedSearch,
    pack,
)
from plugins.cofinancements.services import (
    build_plan,
    fit,
    format_euros,
    months_between,
    paris_today,
    parse_euros,
    rank_for,
)
from qn_portal.api import Association, collect_figures, db
from qn_portal.notifications.models import Notification

SAMPLE = Path(__file__).parent / "aides_territoires_sample.json"


# --- money and dates ------------------------------------------------------------------------------------


def test_euros_are_integers_of_cents_in_french_format():
    assert parse_euros("12 500") == 1250000
    assert parse_euros("12\u202f500,5 €") == 1250050
    assert parse_euros("0,10") == 10
    assert parse_euros("") is None
    for bad in ("-1", "abc", "1,234", "1e5", "12.345,00"):
        with pytest.raises(ValueError):
            parse_euros(bad)
    assert format_euros(1250000) == "12\u202f500\u00a0€"
    assert format_euros(1250050) == "12\u202f500,50\u00a0€"
    assert format_euros(None) == "—"


def test_today_is_the_paris_calendar_date_across_daylight_saving_changes():
    # 29 March 2026, 01:30 UTC: Paris has just moved to summer time (03:30) — still the 29th.
    assert paris_today(datetime(2026, 3, 29, 1, 30, tzinfo=UTC)) == date(2026, 3, 29)
    # 25 October 2026: 22:30 UTC on the 24th is 00:30 on the 25th in Paris (UTC+2).
    assert paris_today(datetime(2026, 10, 24, 22, 30, tzinfo=UTC)) == date(2026, 10, 25)
    # after the change back (UTC+1), 23:30 UTC on the 25th is 00:30 on the 26th.
    assert paris_today(datetime(2026, 10, 25, 23, 30, tzinfo=UTC)) == date(2026, 10, 26)
    # New Year's Eve in winter: 23:30 UTC is already next year in Paris.
    assert paris_today(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)) == date(2027, 1, 1)
    with pytest.raises(ValueError):
        paris_today(datetime(2026, 1, 1))


def test_months_before_a_step_down():
    assert months_between(date(2026, 7, 1), date(2027, 1, 1)) == 6
    assert months_between(date(2026, 7, 2), date(2027, 1, 1)) == 6
    assert months_between(date(2026, 12, 31), date(2027, 1, 1)) == 1
    assert months_between(date(2026, 1, 31), date(2026, 3, 1)) == 2
    assert months_between(date(2027, 1, 2), date(2027, 1, 1)) == 0


def test_weekly_and_daily_searches_are_due_across_month_ends():
    weekly = SavedSearch(frequency="weekly", last_sent_on=date(2027, 1, 28))
    assert not search_is_due(weekly, date(2027, 2, 3))
    assert search_is_due(weekly, date(2027, 2, 4))
    daily = SavedSearch(frequency="daily", last_sent_on=date(2027, 2, 28))
    assert not search_is_due(daily, date(2027, 2, 28))
    assert search_is_due(daily, date(2027, 3, 1))
    assert search_is_due(SavedSearch(frequency="weekly", last_sent_on=None), date(2027, 3, 1))


# --- the funding plan ----------------------------------------------------------------------------------


def add_plan(association_id, rows):
    db.session.add_all([PlanYear(association_id=association_id, year=year, budget_cents=budget * 100,
                                 bms_cents=bms * 100) for year, budget, bms in rows])
    db.session.commit()


def test_plan_gap_secured_funding_and_warnings(app, demo):
    with app.app_context():
        a = db.session.get(Association, demo["associations"]["a"])
        db.session.execute(PlanYear.__table__.delete())
        db.session.execute(Application.__table__.delete())
        add_plan(a.id, [(2027, 50000, 30000), (2028, 50000, 15000), (2029, 50000, 0)])
        db.session.add_all([
            Application(association_id=a.id, title="Accordée", status="accorde", year=2028,
                        amount_obtained_cents=2000000),
            Application(association_id=a.id, title="Déposée", status="depose", year=2028,
                        amount_requested_cents=9000000),
        ])
        db.session.commit()
        plan = build_plan(a, date(2027, 7, 15), warning_months=6)
        assert [(r.year, r.secured_cents, r.gap_cents) for r in plan.rows] == [
            (2027, 0, 2000000), (2028, 2000000, 1500000), (2029, 0, 5000000)]
        assert [(w.year, w.months, w.drop_cents, w.gap_cents) for w in plan.warnings] == [(2028, 6, 1500000, 1500000)]
        assert build_plan(a, date(2027, 5, 1), warning_months=6).warnings == []  # too early to warn
        assert [w.year for w in build_plan(a, date(2028, 9, 1)).warnings] == [2029]


# --- "pour mon association" ------------------------------------------------------------------------------


def make_opportunity(title, **values):
    defaults = {"scope": "departement", "themes": "", "opens_on": None, "deadline": None}
    defaults.update(values)
    return Opportunity(title=title, **defaults)


def test_ranking_by_territory_themes_gap_and_deadline(app, demo):
    today = date(2027, 2, 1)
    with app.app_context():
        a = db.session.get(Association, demo["associations"]["a"])  # Bordeaux, themes: inclusion, droits, seniors
        db.session.execute(Application.__table__.delete())
        db.session.execute(Follow.__table__.delete())
        db.session.execute(Opportunity.__table__.delete())
        db.session.execute(PlanYear.__table__.delete())
        add_plan(a.id, [(2027, 40000, 20000)])  # gap 20 000 €
        db.session.add_all([
            make_opportunity("Commune, thèmes, gros montant", scope="communes", communes=pack(["Bordeaux"]),
                             themes=pack(["inclusion_numerique", "seniors"]), amount_max_cents=2500000,
                             deadline=today + timedelta(days=40)),
            make_opportunity("National sans thème", scope="national", amount_max_cents=100000,
                             deadline=today + timedelta(days=40)),
            make_opportunity("Département, un thème, date proche", themes=pack(["acces_droits"]),
                             amount_max_cents=800000, deadline=today + timedelta(days=5)),
            make_opportunity("Autre commune", scope="communes", communes=pack(["Lormont"]),
                             themes=pack(["inclusion_numerique"])),
            make_opportunity("Close", deadline=today - timedelta(days=1), themes=pack(["inclusion_numerique"])),
            make_opportunity("À venir", opens_on=today + timedelta(days=3), themes=pack(["inclusion_numerique"])),
        ])
        db.session.commit()
        ranking = rank_for(a, today)
        assert [f.opportunity.title for f in ranking] == [
            "Commune, thèmes, gros montant", "Département, un thème, date proche", "National sans thème"]
        best = ranking[0]
        assert best.score == 30 + 20 + 25 + 10
        assert any("Bordeaux" in reason for reason in best.reasons)
        assert any("Inclusion numérique" in reason and "Seniors" in reason for reason in best.reasons)
        assert any("couvre votre besoin restant" in reason for reason in best.reasons)
        second = ranking[1]
        assert second.score == 20 + 10 + 15 + 3 and any("plus que 5 jours" in r for r in second.reasons)
        assert any("Aucune thématique en commun" in r for r in ranking[2].reasons)
        # deadline today still counts as open; yesterday's does not
        lone = make_opportunity("Aujourd'hui", deadline=today)
        assert fit(lone, "Bordeaux", [], None, today) is not None
        assert fit(make_opportunity("Hier", deadline=today - timedelta(days=1)), "Bordeaux", [], None, today) is None


def test_ranking_page_lists_reasons(portal, app):
    page = portal.login_as("mediation.a").get("/cofinancements/pour-mon-association").get_data(as_text=True)
    assert "Pourquoi" in page and "Thématiques en commun" in page and "points" in page
    assert "FSE+ Inclusion" not in page  # closed
    assert "Lormont et Cenon" not in page  # not A's commune
    coordinator = portal.new_client()
    from conftest import login

    login(coordinator, "coordination@example.org")
    assert coordinator.get("/cofinancements/pour-mon-association").status_code == 200


# --- alerts ------------------------------------------------------------------------------------------------


def notifications(app, kind):
    with app.app_context():
        return db.session.scalar(select(func.count(Notification.id)).where(Notification.kind == kind))


def test_alerts_are_sent_once_and_reminders_30_and_7_days_before(app, demo, runner):
    today = date(2027, 1, 31)
    with app.app_context():
        a = demo["associations"]["a"]
        db.session.execute(Follow.__table__.delete())
        db.session.execute(SavedSearch.__table__.delete())
        created = datetime(2027, 1, 1, tzinfo=UTC)
        search = SavedSearch(user_id=demo["users"]["mediation.a"], name="Seniors", query="theme=seniors",
                             frequency="weekly", created_at=created)
        db.session.add(search)
        db.session.flush()
        new = make_opportunity("Nouvelle aide seniors", themes=pack(["seniors"]), deadline=date(2027, 3, 2),
                               created_at=datetime(2027, 1, 20, tzinfo=UTC))
        old = make_opportunity("Ancienne aide seniors", themes=pack(["seniors"]),
                               created_at=datetime(2026, 12, 1, tzinfo=UTC))
        db.session.add_all([new, old])
        db.session.flush()
        db.session.add(Follow(association_id=a, opportunity_id=new.id))
        db.session.commit()
    result = runner.invoke(args=["cofinancements", "alerts", "--today", today.isoformat()])
    assert result.exit_code == 0, result.output
    assert notifications(app, "cofinancements.new_opportunities") == 1
    # 2 March 2027 − 30 days = 31 January 2027: the reminder window opens today, for both members of A
    assert date(2027, 3, 2) - timedelta(days=30) == today
    assert notifications(app, "cofinancements.deadline_reminder") == 2
    # a second run the same day sends nothing twice
    result = runner.invoke(args=["cofinancements", "alerts", "--today", today.isoformat()])
    assert result.exit_code == 0
    assert notifications(app, "cofinancements.new_opportunities") == 1
    assert notifications(app, "cofinancements.deadline_reminder") == 2


def test_deadline_reminders(app, demo, runner):
    with app.app_context():
        a = demo["associations"]["a"]
        db.session.execute(Follow.__table__.delete())
        db.session.execute(SavedSearch.__table__.delete())
        item = make_opportunity("Échéance fin mars", deadline=date(2027, 3, 31))
        db.session.add(item)
        db.session.flush()
        db.session.add(Follow(association_id=a, opportunity_id=item.id))
        db.session.commit()
        members = 2  # direction.a and mediation.a

    def run(day):
        result = runner.invoke(args=["cofinancements", "alerts", "--today", day])
        assert result.exit_code == 0, result.output
        return notifications(app, "cofinancements.deadline_reminder")

    assert run("2027-02-28") == 0  # 31 days before
    assert run("2027-03-01") == members  # 30 days before 31 March is 1 March (February has 28 days)
    assert run("2027-03-01") == members  # twice: nothing sent twice
    assert run("2027-03-23") == members  # 8 days before
    assert run("2027-03-24") == 2 * members  # 7 days before
    assert run("2027-03-30") == 2 * members
    assert run("2027-04-01") == 2 * members  # passed
    with app.app_context():
        keys = set(db.session.scalars(select(AlertSent.key)))
        assert any(key.endswith(":30") for key in keys) and any(key.endswith(":7") for key in keys)


def test_a_late_follow_gets_only_the_7_day_reminder(app, demo, runner):
    with app.app_context():
        db.session.execute(Follow.__table__.delete())
        db.session.execute(SavedSearch.__table__.delete())
        item = make_opportunity("Suivie tard", deadline=date(2027, 3, 5))
        db.session.add(item)
        db.session.flush()
        db.session.add(Follow(association_id=demo["associations"]["a"], opportunity_id=item.id))
        db.session.commit()
    runner.invoke(args=["cofinancements", "alerts", "--today", "2027-03-01"])
    runner.invoke(args=["cofinancements", "alerts", "--today", "2027-03-02"])
    assert notifications(app, "cofinancements.deadline_reminder") == 2  # one per member, once
    with app.app_context():
        title = db.session.scalar(select(Notification.title).where(Notification.kind == "cofinancements.deadline_reminder"))
        assert "4 jours" in title


def test_saved_search_weekly_rhythm(app, demo):
    with app.app_context():
        db.session.execute(SavedSearch.__table__.delete())
        search = SavedSearch(user_id=demo["users"]["mediation.a"], name="Tout", query="", frequency="weekly",
                             created_at=datetime(2027, 1, 1, tzinfo=UTC))
        db.session.add(search)
        db.session.add(make_opportunity("Première", created_at=datetime(2027, 1, 2, tzinfo=UTC)))
        db.session.commit()
        with app.test_request_context("/"):
            assert run_alerts(date(2027, 1, 28)).opportunities == 1
            db.session.add(make_opportunity("Deuxième", created_at=datetime(2027, 1, 30, tzinfo=UTC)))
            db.session.commit()
            assert run_alerts(date(2027, 2, 3)).opportunities == 0  # 6 days later: not yet
            assert run_alerts(date(2027, 2, 4)).opportunities == 1  # a week later, only the new one
            assert run_alerts(date(2027, 2, 4)).opportunities == 0
    assert notifications(app, "cofinancements.new_opportunities") == 2


# --- import ---------------------------------------------------------------------------------------------------


def test_import_command_creates_then_updates(app, demo, runner):
    result = runner.invoke(args=["cofinancements", "import", str(SAMPLE)])
    assert result.exit_code == 0, result.output
    assert "3 created, 0 updated, 5 error(s)" in result.output
    for fragment in ("n° 3", "avant la date d'ouverture", "n° 4", "entre 0 et 100", "n° 5", "n° 6",
                     "n° 8", "le nom de l'aide"):
        assert fragment in result.output, fragment
    with app.app_context():
        item = db.session.scalar(select(Opportunity).where(Opportunity.source_key ==
                                                           "aides-territoires:appel-a-projets-inclusion-numerique-gironde"))
        assert item.scope == "departement" and item.max_rate == 80 and item.deadline == date(2027, 3, 31)
        assert item.funder.name == "Conseil départemental de la Gironde" and item.recurrence == "recurrente"
        assert "inclusion_numerique" in item.theme_list and "<strong>" in item.description_html
        metropole = db.session.scalar(select(Opportunity).where(Opportunity.title.like("Fonds quartiers%")))
        assert metropole.scope == "metropole" and metropole.application_url == "" and metropole.recurrence == "permanente"
        lormont = db.session.scalar(select(Opportunity).where(Opportunity.title.like("Atelier numérique à Lormont%")))
        assert lormont.commune_list == ["Lormont"] and lormont.aid_type == "pret"
        assert lormont.funder.kind == "collectivite"
        funders = db.session.scalar(select(func.count(Funder.id)))
        item.title = "Modifié localement"
        db.session.commit()
    result = runner.invoke(args=["cofinancements", "import", str(SAMPLE)])
    assert "0 created, 3 updated" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Opportunity.id)).where(Opportunity.source_key.is_not(None))) == 3
        assert db.session.scalar(select(func.count(Funder.id))) == funders
        assert db.session.scalar(select(Opportunity.title).where(
            Opportunity.source_key == "aides-territoires:appel-a-projets-inclusion-numerique-gironde")).startswith("Appel")


def test_import_command_refuses_a_file_that_is_not_an_export(app, demo, runner, tmp_path):
    broken = tmp_path / "x.json"
    broken.write_text("{pas du json")
    result = runner.invoke(args=["cofinancements", "import", str(broken)])
    assert result.exit_code != 0 and "JSON valide" in result.output
    broken.write_text('{"data": []}')
    result = runner.invoke(args=["cofinancements", "import", str(broken)])
    assert result.exit_code != 0 and "results" in result.output


def test_import_upload_form(portal, app):
    client = portal.login_as("coordination")
    response = post_form(client, "/cofinancements/import", {}, content_type="multipart/form-data")
    assert "Choisissez un fichier JSON." in response.get_data(as_text=True)
    response = post_form(client, "/cofinancements/import", {"file": (io.BytesIO(b"[1, 2]"), "x.json")},
                         content_type="multipart/form-data")
    assert "liste « results »" in response.get_data(as_text=True)
    response = post_form(client, "/cofinancements/import", {"file": (io.BytesIO(SAMPLE.read_bytes()), "aides.json")},
                         content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "3 aide(s) ajoutée(s), 0 mise(s) à jour, 5 entrée(s) refusée(s)" in page
    assert "Entrée n° 4 (« Aide au taux impossible (cassée) »)" in page
    assert "Fonds quartiers de Bordeaux Métropole" in client.get("/recherche?q=fonds+quartiers").get_data(as_text=True)


# --- report figures -----------------------------------------------------------------------------------------


def test_report_figures_are_aggregates(app, demo):
    with app.app_context():
        a, b = demo["associations"]["a"], demo["associations"]["b"]
        db.session.execute(Application.__table__.delete())
        db.session.add_all([
            Application(association_id=a, title="1", status="accorde", year=2027, submitted_on=date(2027, 1, 5),
                        decided_on=date(2027, 3, 1), amount_obtained_cents=1000000),
            Application(association_id=a, title="2", status="depose", year=2027, submitted_on=date(2027, 2, 5)),
            Application(association_id=b, title="3", status="accorde", year=2027, submitted_on=date(2026, 12, 5),
                        decided_on=date(2027, 1, 10), amount_obtained_cents=250050),
            Application(association_id=b, title="4", status="accorde", year=2027, submitted_on=date(2027, 1, 5),
                        decided_on=date(2027, 4, 1), amount_obtained_cents=999),  # decided after the period
        ])
        db.session.commit()
        figures = collect_figures([a, b], date(2027, 1, 1), date(2027, 4, 1))
        mine = {(f.key, f.association_id): f.value for f in figures if f.key.startswith("cofinancements.")}
        assert mine[("cofinancements.applications_submitted", a)] == 2
        assert mine[("cofinancements.applications_submitted", b)] == 1
        assert mine[("cofinancements.applications_granted", a)] == 1
        assert mine[("cofinancements.cofunding_secured", a)] == 10000
        assert mine[("cofinancements.cofunding_secured", b)] == 2500.5
        whole = {f.key: f.value for f in collect_figures(None, date(2027, 1, 1), date(2027, 4, 1))
                 if f.key.startswith("cofinancements.")}
        assert whole["cofinancements.applications_granted"] == 2 and whole["cofinancements.cofunding_secured"] == 12500.5


def test_chart_axis_has_round_steps_and_bars_add_up():
    from plugins.cofinancements.services import Plan, PlanRow, plan_chart

    chart = plan_chart(Plan(association=None, rows=[PlanRow(2027, 5200000, 3000000, 1000000),
                                                    PlanRow(2028, 5400000, 0, 0)]))
    assert [tick["value"] for tick in chart["ticks"]] == [0, 2000000, 4000000, 6000000, 8000000]
    first = chart["bars"][0]["parts"]
    assert [part["value"] for part in first] == [3000000, 1000000, 1200000]
    assert all(part["height"] >= 0 for bar in chart["bars"] for part in bar["parts"])
    assert plan_chart(Plan(association=None, rows=[]))["bars"] == []


def test_search_reindex_keeps_applications_private(app, demo, runner):
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    from qn_portal.search import SearchEntry

    with app.app_context():
        entries = {entry.key: entry for entry in db.session.scalars(
            select(SearchEntry).where(SearchEntry.plugin == "cofinancements"))}
    assert sum(key.startswith("funder:") for key in entries) == 9
    assert sum(key.startswith("opportunity:") for key in entries) == 12
    applications = [entry for key, entry in entries.items() if key.startswith("application:")]
    assert applications and all(entry.visibility == "association" and entry.association_id for entry in applications)
    assert all(entry.url.startswith("/cofinancements/") for entry in entries.values())
