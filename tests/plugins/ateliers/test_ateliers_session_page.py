"""The session page's list of residents: bounded whatever the association follows, searched without JavaScript.

An association that registers people for a year follows hundreds of residents; the page offers the most
recent ones and a plain GET search (accents and case aside), and a registration may still name anyone the
association follows, listed or not.
"""

from __future__ import annotations

import html
import re
from datetime import timedelta

from conftest import post_form
from query_count import count_queries
from sqlalchemy import select
from test_ateliers_registrations import add_residents, make_session, statuses

from plugins.ateliers import services
from plugins.ateliers.models import CONFIRMED, Registration, Resident
from qn_portal.api import bulk_insert, db, utcnow

OPTION_RE = re.compile(r'<option(?: selected)? value="(\d*)"(?: selected)?>([^<]*)</option>')


def options(page: str) -> dict[str, str]:
    """The resident list's options (id → name), the "new person" one left out."""
    select_html = page.split('id="resident_id"', 1)[1].split("</select>", 1)[0]
    return {value: html.unescape(label) for value, label in OPTION_RE.findall(select_html) if value}


def selected(page: str) -> str | None:
    select_html = page.split('id="resident_id"', 1)[1].split("</select>", 1)[0]
    found = re.search(r'<option(?: selected)? value="(\d*)" selected|<option selected value="(\d*)"', select_html)
    return (found.group(1) or found.group(2)) if found else None


def hint_of(page: str) -> str:
    """The sentence that describes the resident list (linked to it by ``aria-describedby``)."""
    return html.unescape(re.search(r'<p class="hint" id="resident_id-hint">([^<]*)</p>', page).group(1))


def created_days_ago(app, resident_id: int, days: int) -> None:
    with app.app_context():
        db.session.get(Resident, resident_id).created_at = utcnow() - timedelta(days=days)
        db.session.commit()


def add_many(app, demo, count: int, key: str = "a", prefix: str = "Personne") -> list[int]:
    """``count`` residents created one minute apart, the first one the oldest (bulk insert, like the demo)."""
    with app.app_context():
        start = utcnow() - timedelta(days=200)
        ids = bulk_insert(Resident, [{"association_id": demo["associations"][key], "first_name": f"{prefix} {n:04d}",
                                      "created_at": start + timedelta(minutes=n)} for n in range(count)])
        db.session.commit()
        return ids


def test_page_stays_bounded_with_600_residents(app, demo, portal):
    session_id = make_session(app, demo)[0]
    client = portal.login_as("mediation.a")
    path = f"/ateliers/seances/{session_id}"
    add_many(app, demo, 5, prefix="Premier")
    client.get(path)  # caches warm, as for the later requests
    small_queries = count_queries(app, client, path)
    small_page = client.get(path).get_data(as_text=True)
    assert len(options(small_page)) >= 5
    add_many(app, demo, 600)
    large_queries = count_queries(app, client, path)
    large_page = client.get(path).get_data(as_text=True)
    listed = options(large_page)
    assert len(listed) == services.RESIDENT_CHOICES
    assert large_queries == small_queries
    # The page grows by the longer list only, never with the association's residents.
    assert len(large_page) - len(small_page) < services.RESIDENT_CHOICES * 120
    # The most recently created, by name; the list says how it is chosen.
    assert sorted(listed.values()) == list(listed.values())
    # (The demo's residents, registered to the demo's sessions, are more recent than these 600.)
    numbers = sorted(int(name.split()[1]) for name in listed.values() if name.startswith("Personne "))
    assert numbers and numbers == list(range(600 - len(numbers), 600))
    assert hint_of(large_page).startswith("La liste propose les 30 personne(s) inscrite(s) ou ajoutée(s) le plus "
                                          "récemment (30 au plus), par ordre alphabétique.")
    # A search's page is bounded the same way, and says how many match in all.
    searched = client.get(path, query_string={"personne": "personne 0"}).get_data(as_text=True)
    assert len(options(searched)) == services.RESIDENT_CHOICES
    assert hint_of(searched).startswith("600 personnes trouvées pour « personne 0 » : la liste propose les 30 "
                                        "premières")
    assert count_queries(app, client, f"{path}?personne=personne+05") <= small_queries + 1


def test_recent_registration_brings_an_old_resident_back_into_the_list(app, demo, portal):
    session_ids = make_session(app, demo)
    ids = add_many(app, demo, 100)
    with app.app_context():
        services.register(session_ids[1], ids[0])  # the oldest resident, registered today
        db.session.commit()
    page = portal.login_as("mediation.a").get(f"/ateliers/seances/{session_ids[0]}").get_data(as_text=True)
    listed = options(page)
    assert str(ids[0]) in listed and str(ids[1]) not in listed and str(ids[99]) in listed


def test_search_ignores_accents_and_case_and_keeps_the_query(app, demo, portal):
    session_id = make_session(app, demo)[0]
    add_many(app, demo, 60)
    (helene,) = add_residents(app, demo, ["Hélène"])
    created_days_ago(app, helene, 300)  # Hélène is not among the most recent
    client = portal.login_as("mediation.a")
    path = f"/ateliers/seances/{session_id}"
    assert str(helene) not in options(client.get(path).get_data(as_text=True))
    for query in ("helene", "HELENE", "hÉlè", "lene"):
        page = client.get(path, query_string={"personne": query}).get_data(as_text=True)
        assert options(page) == {str(helene): "Hélène"}, query
        assert hint_of(page) == f"1 personne(s) trouvée(s) pour « {query} », par ordre alphabétique."
        assert f'value="{html.escape(query)}"' in page  # the query stays in the field
    # Another association's resident of the same name is never found here.
    add_residents(app, demo, ["Hélène de B"], key="b")
    page = client.get(path, query_string={"personne": "helene"}).get_data(as_text=True)
    assert list(options(page).values()) == ["Hélène"]
    # Nothing found: a sentence says so, the list offers only a new person.
    page = client.get(path, query_string={"personne": "Zébulon"}).get_data(as_text=True)
    assert options(page) == {}
    assert hint_of(page).startswith("Aucune personne suivie par l'association ne correspond à « Zébulon ».")
    # LIKE's wildcards are searched as themselves.
    assert options(client.get(path, query_string={"personne": "%"}).get_data(as_text=True)) == {}
    assert options(client.get(path, query_string={"personne": "_"}).get_data(as_text=True)) == {}


def test_search_works_as_a_plain_form(app, demo, portal):
    """No JavaScript: a GET form with a label, its query a parameter, the count written in the page."""
    session_id = make_session(app, demo)[0]
    add_residents(app, demo, ["Hélène", "Héloïse", "Paul"])
    client = portal.login_as("mediation.a")
    page = client.get(f"/ateliers/seances/{session_id}?autres=1").get_data(as_text=True)
    search = re.search(r'<form method="get" action="([^"]+)"[^>]*>(.*?)</form>', page, re.S)
    assert search, "no GET search form"
    action, body = html.unescape(search.group(1)), search.group(2)
    assert action == f"/ateliers/seances/{session_id}#inscrire"
    assert '<label for="chercher-personne">Chercher une personne déjà suivie</label>' in body
    assert 'id="chercher-personne" name="personne"' in body and '<button type="submit">' in body
    assert 'name="autres" value="1"' in body  # the page's other state survives a search
    # What the browser sends: the action's path with the form's fields.
    page = client.get(action.split("#")[0], query_string={"autres": "1", "personne": "hel"}).get_data(as_text=True)
    assert set(options(page).values()) == {"Hélène", "Héloïse"}
    assert hint_of(page) == "2 personne(s) trouvée(s) pour « hel », par ordre alphabétique."
    assert 'aria-describedby="resident_id-hint"' in page
    assert "Revenir aux personnes inscrites récemment" in page
    # The registration form sends the search back, for a refused form to show the same list.
    assert '<input type="hidden" name="personne" value="hel">' in page


def test_post_accepts_any_resident_of_the_association_and_refuses_others(app, demo, portal):
    session_id = make_session(app, demo, capacity=5)[0]
    ids = add_many(app, demo, 600)
    (other,) = add_residents(app, demo, ["Résident de B"], key="b")
    (gone,) = add_residents(app, demo, ["Anonymisée"])
    with app.app_context():
        services.erase_resident(db.session.get(Resident, gone))
        db.session.commit()
    client = portal.login_as("mediation.a")
    path = f"/ateliers/seances/{session_id}"
    assert str(ids[3]) not in options(client.get(path).get_data(as_text=True))
    response = post_form(client, f"{path}/inscrire", {"resident_id": str(ids[3]), "scope": "session"}, form_url=path)
    assert response.status_code == 302, re.findall(r'class="error"[^>]*>([^<]*)', response.get_data(as_text=True))
    assert statuses(app, session_id) == {"Personne 0003": CONFIRMED}
    for refused in (other, gone, 10**12, "²"):
        response = post_form(client, f"{path}/inscrire", {"resident_id": str(refused), "scope": "session"},
                             form_url=path)
        page = response.get_data(as_text=True)
        assert response.status_code == 200 and "Choisissez une des valeurs proposées" in page, refused
        assert "Résident de B" not in page
    assert statuses(app, session_id) == {"Personne 0003": CONFIRMED}


def test_refused_registration_keeps_the_search_and_the_chosen_person(app, demo, portal):
    session_id = make_session(app, demo)[0]
    add_many(app, demo, 60)
    (helene,) = add_residents(app, demo, ["Hélène"])
    created_days_ago(app, helene, 300)  # Hélène is not among the most recent
    with app.app_context():
        services.register(session_id, helene).queued_at = utcnow() - timedelta(days=300)
        db.session.commit()
    client = portal.login_as("mediation.a")
    path = f"/ateliers/seances/{session_id}"
    assert str(helene) not in options(client.get(path).get_data(as_text=True))
    # Registered twice: refused, the page comes back with the search and Hélène chosen.
    response = post_form(client, f"{path}/inscrire", {"resident_id": str(helene), "scope": "session",
                                                      "personne": "helene"}, form_url=path)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "déjà inscrit" in page
    assert selected(page) == str(helene)
    assert 'id="chercher-personne" name="personne" value="helene"' in page
    # Without a search, a chosen person outside the recent list stays chosen too.
    response = post_form(client, f"{path}/inscrire", {"resident_id": str(helene), "scope": "session"}, form_url=path)
    page = response.get_data(as_text=True)
    assert "déjà inscrit" in page and selected(page) == str(helene)


def test_folded_name_follows_the_first_name(app, demo):
    with app.app_context():
        association_id = demo["associations"]["a"]
        (bulk_id,) = bulk_insert(Resident, [{"association_id": association_id, "first_name": "ÉLODIE Œuf"}])
        orm = Resident(association_id=association_id, first_name="Zoë")
        db.session.add(orm)
        db.session.commit()
        assert db.session.get(Resident, bulk_id).name_folded == "elodie oeuf"
        assert orm.name_folded == "zoe"
        services.erase_resident(orm)
        db.session.commit()
        assert db.session.scalar(select(Resident.name_folded).where(Resident.id == orm.id)) == ""
        assert services.find_residents(association_id, "zoe") == ([], 0)
        assert services.resident_of(association_id, orm.id) is None
        assert db.session.scalar(select(Registration.id).where(Registration.resident_id == orm.id)) is None
