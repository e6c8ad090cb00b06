"""Who reads which resource, through every path that shows one: the same answer as ``can_view`` everywhere.

A matrix of readers (anonymous, partners, mediators and managers of A, members of B, a former member of A who
authored resources there, coordinators) and of resources (every status × visibility × association, by
several authors). For each reader, each path — the list with and without ``q`` and facets, its facet counts
and CSV export, the JSON API's list and items, the site search, the detail page, the links other plugins ask
for (``resources_visible_to``) and a workshop's linked resources, the association panel and dashboard widget,
a shared collection (its items and its count), favourites and their export — must show exactly the resources ``can_view`` allows
(published ones only where the path lists what is published), and ``visible_clause`` must agree with
``can_view`` on every pair.
"""

from __future__ import annotations

import re
from itertools import product

import pytest
from api_helpers import get_json, make_token
from conftest import DEMO_PASSWORD, fast_hash, signed_in
from csv_checks import read_csv
from sqlalchemy import delete, select

from qn_portal.extensions import db

WORD = "zorglub"  # in every matrix resource's title, and in nothing else
STATUSES = ("draft", "published", "unpublished")
VISIBILITIES = ("public", "community", "association")
KINDS = ("fiche", "support", "tutoriel")
LEVELS = ("debutant", "intermediaire", "avance")
LICENCES = ("cc-by-4.0", "cc-by-sa-4.0", "etalab-2.0")
# Who wrote the resources of each association: the association's mediator, and for A also someone who has
# since left it (an author without a membership). Resources without an association: a mediator of A.
AUTHORS = {"a": ("mediation.a", "ancien.a"), "b": ("mediation.b",), None: ("mediation.a",)}
READERS = (None, "partenaire", "partenaire.a", "mediation.a", "direction.a", "mediation.b", "direction.b",
           "ancien.a", "coordination", "admin")
API = "/api/v1/ressources/resources"
CARDS = re.compile(r'<ul class="cards">(.*?)</ul>', re.S)
LINK = re.compile(r'href="/ressources/(\d+)"')
RESULTS = re.compile(r'<ol class="results">(.*?)</ol>', re.S)


@pytest.fixture
def config_overrides():
    return {"RATELIMIT_ENABLED": False}


def title_of(number: int, status: str, visibility: str, association: str | None, author: str) -> str:
    return f"Zorglub fiche {number:03d} ({status}, {visibility}, {association or 'sans'}, {author})"


def add_people(app, demo) -> dict[str, int]:
    """Two readers the demo lacks: a former member of A, and a partner who was given a membership in A."""
    from qn_portal.accounts.models import MEMBER, PARTNER, User
    from qn_portal.associations.models import MEDIATOR, Membership
    from qn_portal.dbtypes import utcnow

    users = dict(demo["users"])
    with app.app_context():
        for key, role in (("ancien.a", MEMBER), ("partenaire.a", PARTNER)):
            user = User(email=f"{key}@example.org", name=key, role=role, password_hash=fast_hash(DEMO_PASSWORD),
                        password_changed_at=utcnow())
            db.session.add(user)
            db.session.flush()
            users[key] = user.id
        db.session.add(Membership(user_id=users["partenaire.a"], association_id=demo["associations"]["a"],
                                  role=MEDIATOR))
        db.session.commit()
    return users


def add_matrix(app, demo, users) -> dict[int, str]:
    """Every status × visibility × association, by each of the association's authors; indexed as saving does."""
    from plugins.ressources import services
    from plugins.ressources.models import Resource, ResourceAudience
    from qn_portal.dbtypes import utcnow

    titles = {}
    with app.app_context():
        number = 0
        for association, status, visibility in product(AUTHORS, STATUSES, VISIBILITIES):
            for author in AUTHORS[association]:
                number += 1
                resource = Resource(
                    title=title_of(number, status, visibility, association, author), summary="Résumé",
                    body="Corps", body_html="<p>Corps</p>", kind=KINDS[number % 3], level=LEVELS[number % 3],
                    licence=LICENCES[number % 3], visibility=visibility, status=status,
                    published_at=utcnow() if status != "draft" else None, author_id=users[author],
                    association_id=demo["associations"][association] if association else None)
                resource.audience_rows = [ResourceAudience(audience="seniors")]
                db.session.add(resource)
                db.session.flush()
                services.reindex(resource)
                titles[resource.id] = resource.title
        db.session.commit()
    return titles


def expectations(app, users) -> dict:
    """Per reader: the ids ``can_view`` allows, and the ids ``visible_clause`` selects (all resources)."""
    from plugins.ressources import services
    from plugins.ressources.models import Resource
    from qn_portal.accounts.models import User
    from qn_portal.extensions import login_manager

    found = {}
    with app.app_context():
        resources = db.session.scalars(select(Resource).order_by(Resource.id)).all()
        for key in READERS:
            user = login_manager.anonymous_user() if key is None else db.session.get(User, users[key])
            viewable = {r.id for r in resources if services.can_view(user, r)}
            clause = set(db.session.scalars(select(Resource.id).where(services.visible_clause(user))))
            found[key] = {
                "view": viewable, "clause": clause,
                "listed": {r.id for r in resources if r.id in viewable and r.status == "published"},
                "linked": [r.id for r in services.resources_visible_to(user, [r.id for r in resources])],
            }
        found["_all"] = [r.id for r in resources]
        found["_published"] = {r.id for r in resources if r.status == "published"}
        found["_association"] = {r.id: r.association_id for r in resources}
    return found


def client_for(app, key):
    return app.test_client() if key is None else signed_in(app, key)


def walk(client, url: str, pattern=CARDS) -> list[int]:
    """The resource ids linked from every page of a paginated list (or search results)."""
    ids: list[int] = []
    separator = "&" if "?" in url else "?"
    for number in range(1, 50):
        response = client.get(f"{url}{separator}page={number}")
        assert response.status_code == 200, (url, number, response.status_code)
        page = response.get_data(as_text=True)
        for block in pattern.findall(page):
            ids += [int(i) for i in LINK.findall(block)]
        if 'rel="next"' not in page:
            return ids
    raise AssertionError(f"{url}: too many pages")


def csv_ids(client, url: str) -> list[int]:
    rows = read_csv(client.get(url))
    return [int(re.search(r"/ressources/(\d+)$", row[-1]).group(1)) for row in rows[1:]]


def api_ids(client, secret) -> list[int]:
    ids: list[int] = []
    for number in range(1, 50):
        answer = get_json(client, f"{API}?per_page=100&page={number}", secret)
        ids += [item["id"] for item in answer["items"]]
        if answer["next"] is None:
            return ids
    raise AssertionError("too many API pages")


def described(titles, ids) -> list[str]:
    """Readable names for an assertion message."""
    return sorted(titles.get(i, f"demo resource {i}") for i in ids)


def check(name, key, titles, got, expected) -> None:
    got_set = set(got)
    assert len(got) == len(got_set), f"{name} ({key}): an id shown twice"
    assert got_set == expected, (f"{name} as {key}: leaks {described(titles, got_set - expected)}, "
                                 f"misses {described(titles, expected - got_set)}")


@pytest.fixture
def matrix(app, demo):
    users = add_people(app, demo)
    titles = add_matrix(app, demo, users)
    return users, titles, expectations(app, users)


def test_visible_clause_and_can_view_agree_on_every_pair(app, matrix):
    users, titles, expected = matrix
    for key in READERS:
        check("visible_clause", key, titles, expected[key]["clause"], expected[key]["view"])
        # The links other plugins show (an atelier's materials): the same rule, in the order asked.
        assert expected[key]["linked"] == [i for i in expected["_all"] if i in expected[key]["view"]], key


def test_the_rule_itself(app, matrix):
    """The documented rule, spelled out on the matrix, so that the two implementations cannot drift together."""
    users, titles, expected = matrix
    mine = set(titles)

    def titled(predicate):
        found = set()
        for i, title in titles.items():
            status, visibility, association, author = title.split("(")[1].rstrip(")").split(", ")
            if predicate(status, visibility, association, author):
                found.add(i)
        return found

    published = titled(lambda s, v, a, au: s == "published")
    public = titled(lambda s, v, a, au: s == "published" and v == "public")
    shared = titled(lambda s, v, a, au: s == "published" and v in ("public", "community"))
    assert expected[None]["view"] & mine == public
    assert expected["partenaire"]["view"] & mine == shared
    # A partner's membership gives nothing: what an association keeps for itself is not shared with funders.
    assert expected["partenaire.a"]["view"] & mine == shared
    own_a = titled(lambda s, v, a, au: s == "published" and v == "association" and a == "a")
    drafts_of = {author: titled(lambda s, v, a, au, author=author: s != "published" and au == author)
                 for author in ("mediation.a", "mediation.b", "ancien.a")}
    assert expected["mediation.a"]["view"] & mine == shared | own_a | drafts_of["mediation.a"]
    everything_a = titled(lambda s, v, a, au: a == "a")
    assert expected["direction.a"]["view"] & mine == shared | everything_a
    own_b = titled(lambda s, v, a, au: s == "published" and v == "association" and a == "b")
    assert expected["mediation.b"]["view"] & mine == shared | own_b | drafts_of["mediation.b"]
    everything_b = titled(lambda s, v, a, au: a == "b")
    assert expected["direction.b"]["view"] & mine == shared | everything_b
    # Someone who left A keeps their own drafts, not A's private resources, their own included.
    assert expected["ancien.a"]["view"] & mine == shared | drafts_of["ancien.a"]
    assert expected["coordination"]["view"] & mine == mine == expected["admin"]["view"] & mine
    assert published < mine


def test_every_page_shows_exactly_what_the_reader_may_read(app, matrix):
    users, titles, expected = matrix
    mine = set(titles)
    demo_associations = {value for value in expected["_association"].values() if value is not None}
    a_and_b = {i for i, value in expected["_association"].items() if value is not None}
    assert demo_associations
    facets = "&".join([*(f"kind={k}" for k in KINDS), *(f"level={v}" for v in LEVELS),
                       *(f"licence={v}" for v in LICENCES)])
    for key in READERS:
        client = client_for(app, key)
        listed = expected[key]["listed"]
        viewable = expected[key]["view"]
        matching = listed & mine
        check("list", key, titles, walk(client, "/ressources/"), listed)
        check("list?q", key, titles, walk(client, f"/ressources/?q={WORD}"), matching)
        check("list?q sorted by use", key, titles, walk(client, f"/ressources/?q={WORD}&tri=used"), matching)
        check("list?facets+q", key, titles, walk(client, f"/ressources/?q={WORD}&{facets}"), matching)
        associations = "&".join(f"association={a}" for a in sorted(demo_associations))
        check("list?association", key, titles, walk(client, f"/ressources/?{associations}"), listed & a_and_b)
        check("list?audience+q", key, titles, walk(client, f"/ressources/?audience=seniors&q={WORD}"), matching)
        check("export.csv", key, titles, csv_ids(client, "/ressources/export.csv"), listed)
        check("export.csv?q", key, titles, csv_ids(client, f"/ressources/export.csv?q={WORD}"), matching)
        if key is None:
            # The site search is for signed-in people: a visitor is sent to sign in, and sees no title.
            response = client.get(f"/recherche?q={WORD}")
            assert response.status_code == 302 and "/connexion" in response.headers["Location"]
            assert "Zorglub" not in response.get_data(as_text=True)
        else:
            check("/recherche", key, titles, walk(client, f"/recherche?q={WORD}", RESULTS), matching)
            search_page = client.get(f"/recherche?q={WORD}").get_data(as_text=True)
            for hidden in mine - matching:
                assert titles[hidden].split(" (")[0] not in search_page, (key, titles[hidden])
        for resource_id in expected["_all"]:
            status = client.get(f"/ressources/{resource_id}").status_code
            assert status == (200 if resource_id in viewable else 404), (key, titles.get(resource_id), status)


def test_collections_and_favourites_show_and_count_only_what_the_reader_may_read(app, matrix):
    """A shared collection and everyone's favourites hold every resource: each reader sees, and counts, theirs."""
    from plugins.ressources.models import Collection, CollectionItem, Favourite

    users, titles, expected = matrix
    mine = set(titles)
    signed_in_readers = [key for key in READERS if key is not None]
    with app.app_context():
        db.session.execute(delete(Favourite))  # the demo's, so that each list holds the matrix only
        collection = Collection(owner_id=users["coordination"], title="Toute la bibliothèque", shared=True)
        db.session.add(collection)
        db.session.flush()
        collection_id = collection.id
        db.session.add_all([CollectionItem(collection_id=collection_id, resource_id=resource_id, position=i)
                            for i, resource_id in enumerate(sorted(mine))])
        db.session.add_all([Favourite(user_id=users[key], resource_id=resource_id)
                            for key in signed_in_readers for resource_id in mine])
        db.session.commit()
    for key in signed_in_readers:
        client = signed_in(app, key)
        wanted = expected[key]["view"] & mine
        items = walk(client, f"/ressources/collections/{collection_id}", re.compile(r"<ol>(.*?)</ol>", re.S))
        check("collection", key, titles, items, wanted)
        page = client.get("/ressources/collections").get_data(as_text=True)
        card = page.split(f'href="/ressources/collections/{collection_id}"')[1].split("</li>")[0]
        assert f"· {len(wanted)} ressource" in card, (key, len(wanted), card)
        check("favourites", key, titles, walk(client, "/ressources/favoris"), wanted)
        check("favourites.csv", key, titles, csv_ids(client, "/ressources/favoris/export.csv"), wanted)


def test_the_api_lists_and_gives_exactly_the_published_resources_the_token_owner_may_read(app, client, matrix):
    users, titles, expected = matrix
    for key in READERS:
        secret = None if key is None else make_token(app, users[key], ["ressources"])
        listed = expected[key]["listed"]
        check("API list", key, titles, api_ids(client, secret), listed)
        for resource_id in expected["_all"]:
            response = client.get(f"{API}/{resource_id}",
                                  headers={"Authorization": f"Bearer {secret}"} if secret else {})
            assert response.status_code == (200 if resource_id in listed else 404), (key, titles.get(resource_id))
    # A token without the scope reads as a visitor.
    secret = make_token(app, users["coordination"], ["veille"])
    check("API list, other scope", "coordination", titles, api_ids(client, secret), expected[None]["listed"])


def test_facet_counts_panels_and_widgets_count_only_what_the_reader_may_read(app, matrix):
    from plugins.ressources import services
    from qn_portal.accounts.models import User
    from qn_portal.associations.models import Association
    from qn_portal.extensions import login_manager

    users, titles, expected = matrix
    mine = set(titles)
    with app.test_request_context():
        associations = db.session.scalars(select(Association)).all()
        for key in READERS:
            user = login_manager.anonymous_user() if key is None else db.session.get(User, users[key])
            listed = expected[key]["listed"]
            for filters, wanted in ((services.Filters(), listed), (services.Filters(q=WORD), listed & mine)):
                counts = services.facet_counts(user, filters)
                for facet in ("kind", "level", "licence"):
                    assert sum(count for _value, _label, count in counts[facet]) == len(wanted), (key, facet)
                by_association = {value: count for value, _label, count in counts["association"]}
                for association in associations:
                    wanted_here = {i for i in wanted if expected["_association"][i] == association.id}
                    assert by_association.get(association.id, 0) == len(wanted_here), (key, association.name)
            for association in associations:
                panel = services.panel_context(association, user)
                in_association = {i for i in listed if expected["_association"][i] == association.id}
                assert panel["total"] == len(in_association), (key, association.name)
                assert {r.id for r in panel["resources"]} <= in_association, (key, association.name)
            if key is not None:
                assert {r.id for r in services.widget_context(user)["newest"]} <= listed, key


# --- the search index follows every change --------------------------------------------------------------


def test_the_site_search_follows_a_resource_through_every_change_of_who_may_read_it(app, demo):
    """Created community, made association-only, draft, public, restored, unpublished, republished, deleted:
    after each step the site search and the list's ``q`` give its title and text to exactly its readers."""
    from conftest import post_form

    readers = {key: signed_in(app, key) for key in ("mediation.a", "direction.a", "mediation.b", "partenaire",
                                                    "coordination")}
    visitor = app.test_client()
    body = "Le déroulé secret de la séance glorbuzine."

    def fields(**overrides):
        data = {"title": "Zorglub suivi pas à pas", "summary": "Résumé", "body": body, "kind": "fiche",
                "level": "debutant", "licence": "cc-by-sa-4.0", "visibility": "community", "status": "published"}
        return {**data, **overrides}

    def edit(resource_id, **overrides):
        url = f"/ressources/{resource_id}/modifier"
        response = post_form(readers["mediation.a"], url, fields(**overrides))
        assert response.status_code == 302, response.get_data(as_text=True)[-1500:]

    def finders(resource_id, title="Zorglub suivi"):
        """Who finds it: in the site search (link, title or text) and in the list's full text."""
        found = set()
        for key, client in readers.items():
            page = client.get(f"/recherche?q={WORD}").get_data(as_text=True)
            in_search = f'href="/ressources/{resource_id}"' in page
            # Never a title or a piece of text of what the reader may not open.
            assert in_search == (title in page) == ("glorbuzine" in page), (key, in_search)
            listed = f'href="/ressources/{resource_id}"' in client.get(f"/ressources/?q={WORD}").get_data(as_text=True)
            assert listed == in_search, (key, listed, in_search)
            opens = client.get(f"/ressources/{resource_id}").status_code == 200
            if in_search:
                assert opens, key
            if in_search:
                found.add(key)
        page = visitor.get(f"/ressources/?q={WORD}").get_data(as_text=True)
        if f'href="/ressources/{resource_id}"' in page:
            found.add(None)
        else:
            assert title not in page
        return found

    everyone_signed_in = set(readers)
    association_a = {"mediation.a", "direction.a", "coordination"}
    response = post_form(readers["mediation.a"], "/ressources/nouvelle", fields())
    assert response.status_code == 302
    resource_id = int(re.search(r"/ressources/(\d+)", response.headers["Location"]).group(1))
    assert finders(resource_id) == everyone_signed_in  # version 1: community

    edit(resource_id, visibility="association")  # version 2
    assert finders(resource_id) == association_a

    edit(resource_id, visibility="association", status="draft", title="Zorglub brouillon")  # version 3
    assert finders(resource_id, "Zorglub brouillon") == set()

    edit(resource_id, visibility="public")  # version 4
    assert finders(resource_id) == everyone_signed_in | {None}

    restore = f"/ressources/{resource_id}/historique/2/restaurer"
    response = post_form(readers["mediation.a"], restore, form_url=f"/ressources/{resource_id}/historique/2")
    assert response.status_code == 302
    assert finders(resource_id) == association_a  # version 2's visibility is back

    coordination = readers["coordination"]
    response = post_form(coordination, f"/ressources/{resource_id}/depublier", form_url=f"/ressources/{resource_id}")
    assert response.status_code == 302
    assert finders(resource_id) == set()
    response = post_form(coordination, f"/ressources/{resource_id}/republier", form_url=f"/ressources/{resource_id}")
    assert response.status_code == 302
    assert finders(resource_id) == association_a

    response = post_form(readers["mediation.a"], f"/ressources/{resource_id}/supprimer")
    assert response.status_code == 302
    readers["mediation.a"].get(response.headers["Location"])  # the flash message that names what went
    assert finders(resource_id) == set()
    from qn_portal.search import SearchEntry

    with app.app_context():
        assert db.session.scalar(select(SearchEntry).where(SearchEntry.key == f"resource:{resource_id}")) is None


def test_a_workshop_links_to_exactly_the_resources_its_reader_may_read(app, demo, matrix):
    """The ``ateliers`` plugin shows a workshop's linked resources through ``resources_visible_to``."""
    from conftest import post_form

    from plugins.ateliers.models import WorkshopResource

    users, titles, expected = matrix
    data = {"association_id": str(demo["associations"]["a"]), "title": "Atelier ouvert à tous",
            "description": "Pour tout le monde", "themes": ["demarches-en-ligne"], "level": "debutant",
            "room_id": "", "language": "français", "public": "y", "resources": ""}
    response = post_form(signed_in(app, "mediation.a"), "/ateliers/ateliers/nouveau", data)
    assert response.status_code == 302
    workshop_id = int(re.search(r"/ateliers/ateliers/(\d+)", response.headers["Location"]).group(1))
    with app.app_context():
        # Stored directly: the form takes 20 links at most, and only those its author may read.
        db.session.add_all([WorkshopResource(workshop_id=workshop_id, resource_id=resource_id, position=i)
                            for i, resource_id in enumerate(sorted(titles))])
        db.session.commit()
    section = re.compile(r'<section aria-labelledby="ressources-liees">(.*?)</section>', re.S)
    for key in READERS:
        page = client_for(app, key).get(f"/ateliers/ateliers/{workshop_id}")
        if key is None:  # a workshop's page is for signed-in people
            assert page.status_code == 302 and "Zorglub" not in page.get_data(as_text=True)
            continue
        assert page.status_code == 200, key
        found = [int(i) for block in section.findall(page.get_data(as_text=True)) for i in LINK.findall(block)]
        assert found == sorted(expected[key]["view"] & set(titles)), key
