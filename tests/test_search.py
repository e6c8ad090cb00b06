"""One search for the whole portal: French words, ranking, who sees what, hostile queries, the index itself.

Every test runs on SQLite (FTS5) and PostgreSQL (tsvector + GIN): the results must agree.
"""

from __future__ import annotations

import html
import re

import pytest
from conftest import signed_in
from sqlalchemy import delete, func, inspect, select, text

from qn_portal.contributions import SearchDocument
from qn_portal.extensions import db
from qn_portal.search import (
    SearchEntry,
    index_document,
    parse_query,
    reindex,
    search_statement,
    unindex_document,
)
from qn_portal.search.analysis import document_stems, snippet, terms

# --- helpers ---------------------------------------------------------------------------------------------


def put(app, key: str, title: str, body: str = "", *, plugin: str = "example", visibility: str = "community",
        association_id: int | None = None, kind: str = "") -> None:
    """Index one document directly, as a plugin does when it saves an object."""
    with app.app_context():
        index_document(plugin, SearchDocument(key=key, title=title, text=body, url=f"/example/#{key}",
                                              association_id=association_id, visibility=visibility, kind=kind))
        db.session.commit()


def page_of(client, query: str, **params):
    response = client.get("/recherche", query_string={"q": query, **params})
    assert response.status_code == 200, response.status_code
    return html.unescape(response.get_data(as_text=True))


def titles(client, query: str, **params) -> list[str]:
    """The titles of the results, in the order shown (groups one after the other)."""
    page = page_of(client, query, **params)
    return [title for block in re.findall(r'<ol class="results">(.*?)</ol>', page, re.S)
            for title in re.findall(r'<li><a href="[^"]*">([^<]*)</a>', block)]


def headings(page: str) -> list[str]:
    return [without_tags(heading) for heading in re.findall(r'<h2 id="results-\d+">(.*?)</h2>', page, re.S)]


def without_tags(page: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", page).split())


@pytest.fixture
def people(app, demo):
    """The demo accounts over an empty index: what the demo data indexed would otherwise join the results."""
    with app.app_context():
        db.session.execute(delete(SearchEntry))
        db.session.commit()
    return demo


@pytest.fixture
def member_a(app, people):
    return signed_in(app, "mediation.a")


@pytest.fixture
def coordinator(app, people):
    return signed_in(app, "coordination")


NO_WORDS = "ne contient aucun mot à chercher"
COMMON_WORDS = "ne contient que des mots trop courants"
NO_RESULTS = "Aucun résultat pour"


# --- French words: accents, case, stems ------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "written"), [
    ("mediation", "médiation"),
    ("MÉDIATION", "mediation"),
    ("ateliers", "atelier"),
    ("atelier", "Ateliers"),
    ("numérique", "NUMERIQUES"),
    ("oeuvre", "Œuvre"),
    ("tablettes", "tablette"),
])
def test_analysis_folds_accents_and_case_and_stems_french(typed, written):
    assert terms(typed) == terms(written) != []


def test_stems_are_plain_letters_and_digits_whatever_the_input():
    sample = 'Café "NEAR(" * - AND OR : l\'atelier 2026 Ünïcödé 日本語 🙂 \x00 ﬁn'
    stems = document_stems(sample)
    assert re.fullmatch(r"[a-z0-9 ]+", stems), stems
    assert "ateli" in stems.split() and "2026" in stems.split()
    assert "l" not in stems.split()  # the elided article is not a word to look for


def test_query_keeps_a_bounded_number_of_distinct_words():
    parsed = parse_query(" ".join(f"mot{number}" for number in range(30)))
    assert len(parsed.terms) == 8 and parsed.truncated
    assert parse_query("atelier ateliers ATELIER").terms == ("ateli",)
    assert parse_query("le de la").problem == "common_words"
    assert parse_query("?!…").problem == "no_words"
    assert parse_query("   ").problem == "empty"


def test_accents_and_plurals_are_found_whatever_was_typed(app, member_a):
    put(app, "n:1", "Médiation numérique au centre social")
    put(app, "n:2", "Atelier tablette", "pour les seniors")
    put(app, "n:3", "NUMERIQUES POUR TOUS")
    assert titles(member_a, "mediation") == ["Médiation numérique au centre social"]
    assert titles(member_a, "ateliers") == ["Atelier tablette"]
    assert titles(member_a, "Senior") == ["Atelier tablette"]
    assert set(titles(member_a, "numérique")) == {"Médiation numérique au centre social", "NUMERIQUES POUR TOUS"}
    assert titles(member_a, "MÉDIATION Numériques") == ["Médiation numérique au centre social"]  # every word
    assert titles(member_a, "médiation tablette") == []


def test_every_word_of_the_query_must_match_but_function_words_do_not_count(app, member_a):
    put(app, "n:1", "Atelier de médiation", "le mardi")
    put(app, "n:2", "Atelier couture")
    assert titles(member_a, "atelier médiation") == ["Atelier de médiation"]
    assert titles(member_a, "l'atelier pour la médiation") == ["Atelier de médiation"]
    assert titles(member_a, "atelier mardi") == ["Atelier de médiation"]


# --- ranking ---------------------------------------------------------------------------------------------


def test_a_title_hit_comes_before_a_text_hit(app, member_a):
    # The text hit is indexed last and mentions the word more often: only the title weight puts the other first.
    put(app, "n:1", "Atelier tablette", "une séance par semaine")
    put(app, "n:2", "Compte rendu", "tablette tablette tablette : les tablettes prêtées aux habitants")
    assert titles(member_a, "tablette") == ["Atelier tablette", "Compte rendu"]
    put(app, "n:1", "Atelier tablette", "une séance par semaine")  # re-indexed: newer than the text hit
    assert titles(member_a, "tablettes") == ["Atelier tablette", "Compte rendu"]


def test_order_does_not_depend_on_the_order_of_indexing(app, member_a):
    put(app, "n:2", "Compte rendu", "les imprimantes de la salle")
    put(app, "n:1", "Imprimante partagée", "")
    assert titles(member_a, "imprimante") == ["Imprimante partagée", "Compte rendu"]


# --- who sees what ---------------------------------------------------------------------------------------


@pytest.fixture
def documents_of_b(app, people):
    b = people["associations"]["b"]
    put(app, "b:private", "Budget confidentiel de B", "subvention", visibility="association", association_id=b)
    put(app, "b:shared", "Planning partagé de B", "subvention", visibility="community", association_id=b)
    put(app, "b:public", "Affiche publique de B", "subvention", visibility="public", association_id=b)
    put(app, "orphan", "Note interne sans association", "subvention", visibility="association")
    return people


SHARED = {"Planning partagé de B", "Affiche publique de B"}


@pytest.mark.parametrize(("account", "expected"), [
    ("mediation.a", SHARED),
    ("direction.a", SHARED),
    ("partenaire", SHARED),
    ("mediation.b", SHARED | {"Budget confidentiel de B"}),
    ("direction.b", SHARED | {"Budget confidentiel de B"}),
    ("coordination", SHARED | {"Budget confidentiel de B", "Note interne sans association"}),
    ("admin", SHARED | {"Budget confidentiel de B", "Note interne sans association"}),
])
def test_private_documents_of_b_are_found_only_by_b_and_coordinators(app, documents_of_b, account, expected):
    client = signed_in(app, account)
    assert set(titles(client, "subvention")) == expected
    page = page_of(client, "budget confidentiel")
    if "Budget confidentiel de B" not in expected:
        assert "Budget confidentiel" not in page.replace("« budget confidentiel »", "")  # not even counted
        assert NO_RESULTS in page


def test_a_partner_never_sees_association_documents_even_with_a_membership(app, documents_of_b):
    from qn_portal.accounts.models import User
    from qn_portal.associations.models import Membership

    with app.test_request_context():
        partner = db.session.scalar(select(User).where(User.email == "partenaire@example.org"))
        db.session.add(Membership(user=partner, association_id=documents_of_b["associations"]["b"], role="mediator"))
        db.session.commit()
        found = {entry.title for entry in db.session.scalars(search_statement(partner, "subvention"))}
    assert found == SHARED


def test_nobody_signed_in_finds_only_public_documents(app, documents_of_b):
    from flask_login import AnonymousUserMixin

    with app.test_request_context():
        found = [entry.title for entry in db.session.scalars(search_statement(AnonymousUserMixin(), "subvention"))]
    assert found == ["Affiche publique de B"]
    assert app.test_client().get("/recherche?q=subvention").status_code == 302  # the page asks to sign in


def test_a_disabled_plugins_documents_are_hidden_and_come_back(app, coordinator):
    from qn_portal.plugins import get_host

    put(app, "n:1", "Inventaire des tablettes", plugin="example")
    put(app, "c:1", "Inventaire du local", plugin="core")
    assert set(titles(coordinator, "inventaire")) == {"Inventaire des tablettes", "Inventaire du local"}
    with app.app_context():
        get_host(app).set_enabled("example", False)
        db.session.commit()
    assert titles(coordinator, "inventaire") == ["Inventaire du local"]
    assert "1 résultat pour" in page_of(coordinator, "inventaire")  # not counted either
    assert titles(coordinator, "inventaire", type="example") == ["Inventaire du local"]  # no way around
    with app.app_context():
        get_host(app).set_enabled("example", True)
        db.session.commit()
    assert set(titles(coordinator, "inventaire")) == {"Inventaire des tablettes", "Inventaire du local"}


# --- hostile queries -------------------------------------------------------------------------------------

HOSTILE = [
    '"', "'", '""', "*", "-", "NEAR(", "NEAR(atelier", "AND", "OR", "NOT", "atelier AND", "OR atelier",
    "(", ")", "(atelier", "atelier)", ":", "title:atelier", "title_stems:ateli", '"atelier', "atelier*", "-atelier",
    "atelier -couture", "^atelier", "{atelier}", "atelier NEAR(couture, 2)", "!!!", "…", "%", "_", "%_%", "\\",
    "'; DROP TABLE search_entry; --", "<script>alert(1)</script>", "🙂", "🙂🙂 atelier 🙂", "\x00", "atelier\x00",
    "a" * 500, "atelier " * 100, "mot " * 250, "é" * 300, "日本語", "  \t\n ", "&&", "||", "!atelier", "atelier:*",
    "ateli:*", "@@", "atelier & couture", "atelier | couture", "!", "<->", "atelier <-> couture",
]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_give_results_or_a_friendly_message(app, member_a, query):
    put(app, "n:1", "Atelier couture", "NEAR AND OR")
    response = member_a.get("/recherche", query_string={"q": query})
    assert response.status_code == 200
    page = html.unescape(response.get_data(as_text=True))
    found = "Atelier couture" in titles(member_a, query)
    friendly = any(message in page for message in (NO_WORDS, COMMON_WORDS, NO_RESULTS,
                                                    "Tapez un ou plusieurs mots"))
    assert found or friendly
    assert "<script>alert(1)</script>" not in response.get_data(as_text=True)


@pytest.mark.parametrize("query", ['"atelier', "atelier*", "-atelier", "(atelier)", "atelier:", "atelier)",
                                   "🙂 atelier", "atelier\x00", "ATELIER!!!", "atelier " * 100])
def test_syntax_characters_are_ignored_and_the_words_still_match(app, member_a, query):
    put(app, "n:1", "Atelier couture")
    assert titles(member_a, query) == ["Atelier couture"]


def test_operators_are_words_not_syntax(app, member_a):
    put(app, "n:1", "Atelier couture")
    put(app, "n:2", "Near and far", "or not")
    assert titles(member_a, "atelier OR tablette") == []  # OR is a word to find, not an alternative
    assert titles(member_a, "NEAR") == ["Near and far"]
    assert titles(member_a, "and OR not") == ["Near and far"]


def test_queries_with_nothing_to_look_for_get_a_message(app, member_a):
    assert NO_WORDS in page_of(member_a, "*** ()")
    assert NO_WORDS in page_of(member_a, "🙂")
    assert COMMON_WORDS in page_of(member_a, "le de la")
    assert "Tapez un ou plusieurs mots" in page_of(member_a, "")
    assert "Tapez un ou plusieurs mots" in page_of(member_a, "\x00\x01")
    page = page_of(member_a, "okapi")
    assert NO_RESULTS in page and "Les accents et les majuscules ne comptent pas" in page


def test_a_long_query_says_which_words_were_searched(app, member_a):
    put(app, "n:1", "Atelier couture")
    page = page_of(member_a, "atelier " + " ".join(f"mot{number}" for number in range(20)))
    assert "Seuls les 8 premiers mots ont été cherchés." in page


def test_the_query_is_echoed_escaped(app, member_a):
    put(app, "n:1", "Atelier couture")
    response = member_a.get("/recherche", query_string={"q": '<img src=x onerror=alert(1)> atelier "'})
    raw = response.get_data(as_text=True)
    assert "<img src=x" not in raw
    assert "&lt;img src=x onerror=alert(1)&gt; atelier &#34;" in raw or "&lt;img src=x onerror=alert(1)&gt; atelier &quot;" in raw
    assert 'value="&lt;img' in raw  # the search box keeps what was typed, escaped


def test_odd_parameters_do_not_break_the_page(app, member_a):
    put(app, "n:1", "Atelier couture")
    assert member_a.get("/recherche?q=atelier&page=abc").status_code == 200
    assert member_a.get("/recherche?q=atelier&type=%3Cscript%3E").status_code == 200
    assert member_a.get("/recherche?q=atelier&q=autre").status_code == 200
    assert titles(member_a, "atelier", type="' OR 1=1 --") == ["Atelier couture"]
    assert member_a.get("/recherche?q=atelier&page=0").status_code == 404  # like every list
    assert member_a.get("/recherche?q=atelier&page=2").status_code == 404


# --- the results page ------------------------------------------------------------------------------------


def test_results_are_grouped_by_kind_with_counts_and_can_be_narrowed(app, member_a):
    # Title hits first (a:1, the shorter and newer, then n:1), then text hits (n:2, x:1). Groups come in the
    # order of their best hit; each keeps its hits in rank order.
    put(app, "n:2", "Compte rendu", "atelier", kind="Note")
    put(app, "x:1", "Divers", "atelier")
    put(app, "n:1", "Atelier couture", kind="Note")
    put(app, "a:1", "Ateliers", plugin="core", kind="Association")
    page = page_of(member_a, "atelier")
    assert "4 résultats pour « atelier »" in page
    assert headings(page) == ["Association (1 résultat)", "Note (2 résultats)", "example (1 résultat)"]
    assert titles(member_a, "atelier") == ["Ateliers", "Atelier couture", "Compte rendu", "Divers"]
    links = without_tags(re.search(r'<nav class="kinds".*?</nav>', page, re.S).group(0))
    assert links == "Tous (4) Note (2) Association (1) example (1)"
    assert titles(member_a, "atelier", type="Note") == ["Atelier couture", "Compte rendu"]
    narrowed = page_of(member_a, "atelier", type="Note")
    assert "2 résultats pour « atelier »" in narrowed
    assert re.search(r'<a href="/recherche\?q=atelier&amp;type=Note" aria-current="page">',
                     member_a.get("/recherche?q=atelier&type=Note").get_data(as_text=True))
    assert len(titles(member_a, "atelier", type="Inconnu")) == 4  # not a kind found: ignored


def test_kinds_are_stored_in_french_and_shown_in_the_readers_language(app, member_a):
    from conftest import post_form
    from flask_babel import force_locale, lazy_gettext

    with app.test_request_context(), force_locale("en"):
        index_document("core", SearchDocument(key="k:1", title="Atelier couture", text="", url="/",
                                              kind=lazy_gettext("Recherche")))
        db.session.commit()
        assert db.session.scalar(select(SearchEntry.kind)) == "Recherche"
    assert headings(page_of(member_a, "atelier")) == ["Recherche (1 résultat)"]
    post_form(member_a, "/langue", {"locale": "en"}, form_url="/tableau-de-bord")
    assert headings(page_of(member_a, "atelier"))[0].startswith("Search (")


def test_results_show_an_extract_with_the_words_found(app, member_a):
    body = "Compte rendu de la réunion. " + "Rien à signaler ce jour-là. " * 20 + "La MÉDIATION reprend lundi."
    put(app, "n:1", "Réunion d'équipe", body)
    raw = member_a.get("/recherche", query_string={"q": "mediation"}).get_data(as_text=True)
    assert "<mark>MÉDIATION</mark> reprend lundi" in raw
    assert snippet("un atelier, deux ateliers", ("ateli",)) == [
        ("un ", False), ("atelier", True), (", deux ", False), ("ateliers", True)]


def marked(parts: list[tuple[str, bool]]) -> list[str]:
    return [part for part, hit in parts if hit]


def joined(parts: list[tuple[str, bool]]) -> str:
    return "".join(part for part, _hit in parts)


@pytest.mark.parametrize(("text", "query", "words"), [
    ("l'atelier d'ateliers numériques", "ateliers numériques", ["atelier", "ateliers", "numériques"]),
    ("Qu'un atelier, qu'il soit numérique ou non !", "atelier numérique", ["atelier", "numérique"]),
    ("l’atelier d’ateliers numériques", "ateliers", ["atelier", "ateliers"]),
    ("L’Atelier : qu’est-ce que c’est ? (numérique, « ateliers »)", "atelier numerique",
     ["Atelier", "numérique", "ateliers"]),
    ("«\u202fMédiation\u202f» ; médiations… MÉDIATION!", "mediation", ["Médiation", "médiations", "MÉDIATION"]),
    ("aujourd'hui, l'Œuvre d'art d'ateliers", "oeuvre ateliers", ["Œuvre", "ateliers"]),
    # Accents typed as a letter and a combining mark (NFD): the whole word is found and shown as written.
    ("Me\u0301diation nume\u0301rique", "médiation numérique", ["Me\u0301diation", "nume\u0301rique"]),
    ("une ligne\td'ateliers\nune autre", "ateliers", ["ateliers"]),
])
def test_an_extract_keeps_the_text_exactly_as_written(text, query, words):
    parts = snippet(text, parse_query(query).terms)
    assert joined(parts) == text
    assert marked(parts) == words


def test_a_cut_extract_is_a_slice_of_the_text_that_begins_and_ends_on_white_space():
    before = "Un texte d'introduction qui n'a rien à voir, suivi d'autres phrases sans le mot. " * 4
    after = " puis l'on continue, jusqu'à la fin d'un texte qu'il faut couper quelque part. " * 4
    text = before + "La séance d’ateliers numériques" + after
    parts = snippet(text, parse_query("ateliers").terms)
    assert parts[0] == ("… ", False) and parts[-1] == (" …", False)
    inside = joined(parts[1:-1])
    at = text.index(inside)
    assert text[at - 1].isspace() and text[at + len(inside)].isspace()
    assert "La séance d’ateliers numériques" in inside and marked(parts) == ["ateliers"]


def test_an_extract_never_parts_a_letter_from_its_accent_nor_shows_a_cut_word():
    text = "atelier " + "e\u0301" * 200 + " fin"
    parts = snippet(text, parse_query("atelier").terms)
    assert not joined(parts).removesuffix(" …").endswith("e")
    long_word = "mot " * 50 + "ateliersateliersateliers" * 5
    assert marked(snippet(long_word, parse_query("ateliers").terms, width=210)) == []


def test_control_characters_become_spaces_and_white_space_stays():
    parts = snippet("atelier\x00d'ateliers\x1b\tfin", parse_query("ateliers").terms)
    assert joined(parts) == "atelier d'ateliers \tfin"


def test_the_extract_on_the_page_is_escaped_and_keeps_elisions(app, member_a):
    put(app, "n:1", "Compte rendu", "<script>alert(1)</script> l'atelier d’ateliers & « numériques »")
    raw = member_a.get("/recherche", query_string={"q": "ateliers"}).get_data(as_text=True)
    assert "<script>alert" not in raw and "&lt;script&gt;alert(1)&lt;/script&gt;" in raw
    assert "l&#39;<mark>atelier</mark> d’<mark>ateliers</mark> &amp; « numériques »" in raw


def test_unsafe_urls_are_not_links(app, member_a):
    with app.app_context():
        index_document("example", SearchDocument(key="n:1", title="Atelier piégé", text="",
                                                 url="javascript:alert(1)"))
        db.session.commit()
    assert 'href="javascript:' not in member_a.get("/recherche?q=atelier").get_data(as_text=True)
    assert titles(member_a, "atelier") == ["Atelier piégé"]


def test_results_are_paginated_without_gaps_or_repeats(app, member_a):
    with app.app_context():
        for number in range(23):
            index_document("example", SearchDocument(key=f"n:{number}", title=f"Atelier numéro {number}",
                                                     text="", url="/example/"))
        db.session.commit()
    first, second = titles(member_a, "atelier"), titles(member_a, "atelier", page=2)
    assert (len(first), len(second)) == (20, 3)
    assert sorted(first + second) == sorted(f"Atelier numéro {number}" for number in range(23))
    page = member_a.get("/recherche?q=atelier").get_data(as_text=True)
    assert "23 résultats pour « atelier »" in html.unescape(page)
    assert 'href="/recherche?q=atelier&amp;page=2" rel="next"' in page
    assert member_a.get("/recherche?q=atelier&page=3").status_code == 404


# --- the index -------------------------------------------------------------------------------------------


def test_index_replaces_and_unindex_removes(app, member_a):
    put(app, "n:1", "Atelier couture")
    put(app, "n:1", "Permanence numérique")  # the same key: replaced
    assert titles(member_a, "couture") == []
    assert titles(member_a, "permanence") == ["Permanence numérique"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SearchEntry)) == 1
        unindex_document("example", "n:1")
        db.session.commit()
    assert titles(member_a, "permanence") == []
    assert_full_text_index_consistent(app)


def test_unknown_visibility_is_refused(app):
    with app.app_context(), pytest.raises(ValueError, match="visibility"):
        index_document("example", SearchDocument(key="n:1", title="x", text="", url="/", visibility="secret"))


def test_rows_written_without_index_document_are_searchable(app, member_a):
    with app.app_context():
        db.session.add(SearchEntry(plugin="example", key="n:1", title="Atelier couture", text="", url="/"))
        db.session.commit()
        entry = db.session.scalar(select(SearchEntry))
        assert (entry.kind, entry.title_stems) == ("example", "ateli coutur")
        entry.title = "Atelier tricot"
        db.session.commit()
    assert titles(member_a, "tricot") == ["Atelier tricot"]
    assert titles(member_a, "couture") == []


def test_documents_of_a_deleted_association_leave_the_index(app, coordinator):
    from qn_portal.associations.models import Association

    with app.app_context():
        association = Association(name="Éphémère", slug="ephemere")
        db.session.add(association)
        db.session.commit()
        association_id = association.id
    put(app, "e:1", "Atelier éphémère", visibility="association", association_id=association_id)
    assert titles(coordinator, "éphémère") == ["Atelier éphémère"]
    with app.app_context():
        db.session.execute(delete(Association).where(Association.id == association_id))  # ON DELETE CASCADE
        db.session.commit()
    assert titles(coordinator, "éphémère") == []
    assert_full_text_index_consistent(app)


def notes(app, *pairs):
    from qn_example.models import ExampleNote

    with app.app_context():
        db.session.add_all([ExampleNote(title=title, body=body) for title, body in pairs])
        db.session.commit()


def index_rows(app) -> list[tuple]:
    with app.app_context():
        return [tuple(row) for row in db.session.execute(
            select(SearchEntry.plugin, SearchEntry.key, SearchEntry.kind, SearchEntry.title, SearchEntry.url,
                   SearchEntry.visibility, SearchEntry.title_stems, SearchEntry.text_stems)
            .order_by(SearchEntry.plugin, SearchEntry.key))]


def test_reindex_rebuilds_everything_and_is_idempotent(app, runner, member_a):
    notes(app, ("Atelier origami", "Mardi au kiosque"), ("Café numérique", "Jeudi"))
    put(app, "stale:1", "Atelier fantôme")  # nothing holds it any more: the rebuild drops it
    assert titles(member_a, "origami") == []

    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    first = index_rows(app)  # the example's notes, and whatever the core indexes (associations…)
    assert f"{len(first)} documents indexed." in result.output
    assert [row[3] for row in first if row[0] == "example"] == ["Atelier origami", "Café numérique"]
    assert titles(member_a, "origamis") == ["Atelier origami"]
    assert titles(member_a, "origami kiosque mardi") == ["Atelier origami"]
    assert titles(member_a, "fantôme") == []

    assert f"{len(first)} documents indexed." in runner.invoke(args=["search", "reindex"]).output
    assert index_rows(app) == first
    assert_full_text_index_consistent(app)
    assert titles(member_a, "origamis") == ["Atelier origami"]


def test_reindex_returns_the_count(app):
    notes(app, ("Une", ""), ("Deux", ""), ("Trois", ""))
    with app.app_context():
        assert reindex() == 3
        assert db.session.scalar(select(func.count()).select_from(SearchEntry)) == 3


# --- the schema ------------------------------------------------------------------------------------------


def assert_full_text_index_consistent(app) -> None:
    """The database's own full-text index agrees with search_entry."""
    with app.app_context(), db.engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            connection.execute(text("INSERT INTO search_fts(search_fts) VALUES ('integrity-check')"))
            indexed = connection.execute(text("SELECT count(*) FROM search_fts_docsize")).scalar()
        else:
            indexed = connection.execute(text(
                "SELECT count(*) FROM search_entry WHERE search_vector = "
                "setweight(to_tsvector('simple', title_stems), 'A') || "
                "setweight(to_tsvector('simple', text_stems), 'B')")).scalar()
        assert indexed == connection.execute(text("SELECT count(*) FROM search_entry")).scalar()


def test_the_migration_created_this_databases_full_text_index(app):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with app.app_context(), db.engine.connect() as connection:
        inspector = inspect(connection)
        if connection.dialect.name == "sqlite":
            sql = connection.execute(text("SELECT sql FROM sqlite_master WHERE name = 'search_fts'")).scalar()
            assert "USING fts5" in sql
            triggers = set(connection.execute(text(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'search_entry'")).scalars())
            assert triggers == {"search_entry_fts_insert", "search_entry_fts_delete", "search_entry_fts_update"}
            expected = {("remove_table", name) for name in
                        ("search_fts", "search_fts_data", "search_fts_idx", "search_fts_docsize", "search_fts_config")}
        else:
            columns = {column["name"]: column for column in inspector.get_columns("search_entry")}
            assert str(columns["search_vector"]["type"]) == "TSVECTOR"
            assert "setweight" in columns["search_vector"]["computed"]["sqltext"]
            index = connection.execute(text(
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_search_entry_search_vector'")).scalar()
            assert "USING gin (search_vector)" in index
            expected = {("remove_column", "search_vector"), ("remove_index", "ix_search_entry_search_vector")}
        # Without the filter of env.py, the comparison sees these objects, and nothing else.
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        found = set()
        for difference in compare_metadata(context, db.metadata):
            kind = difference[0]
            if kind == "remove_table":
                found.add((kind, difference[1].name))
            elif kind == "remove_column":
                found.add((kind, difference[3].name))
            elif kind == "remove_index":
                found.add((kind, difference[1].name))
            else:
                found.add((kind, repr(difference)))
        assert found == expected


def test_the_migration_indexes_entries_written_before_it(migrated, tmp_path):
    """Upgrading a portal whose index was filled by the first version: its entries are found at once."""
    import flask_migrate
    from conftest import make_config, new_database

    from qn_portal import create_app

    class Coordinator:
        is_authenticated = is_coordinator = True

    with new_database("qn_search_upgrade", tmp_path) as url:
        app = create_app(make_config(url, tmp_path))
        with app.app_context():
            flask_migrate.upgrade(revision="7b412c1a1957")
            with db.engine.begin() as connection:
                connection.execute(text(
                    "INSERT INTO search_entry (plugin, key, title, text, url, visibility, updated_at) "
                    "VALUES ('core', 'old:1', 'Ancien atelier', 'médiation', '/', 'community', '2026-01-01')"))
            flask_migrate.upgrade(revision="core_0003_search")
            with app.test_request_context():
                found = list(db.session.scalars(search_statement(Coordinator(), "ateliers mediation")))
                assert [(entry.title, entry.kind) for entry in found] == [("Ancien atelier", "core")]
                db.session.remove()
            flask_migrate.downgrade(revision="7b412c1a1957")  # and back: the full-text objects go too
            assert not ({"search_fts", "search_fts_data"} & set(inspect(db.engine).get_table_names()))
            assert "search_vector" not in {c["name"] for c in inspect(db.engine).get_columns("search_entry")}
            db.engine.dispose()


# --- the cap on counting and ranking -----------------------------------------------------------------------


def test_past_the_cap_the_most_recent_matches_are_counted_and_ranked(app, member_a, monkeypatch):
    monkeypatch.setattr("qn_portal.search.query.RANKING_CAP", 3)
    for number in range(5):
        put(app, f"n:{number}", f"Atelier numéro {number}", "Tablette et numérique")
    put(app, "title-hit", "Tablette", "Un atelier")  # the best match, and the most recently indexed
    page = page_of(member_a, "tablette")
    assert "Plus de 3 résultats" in page
    found = titles(member_a, "tablette")
    assert found[0] == "Tablette"  # still ranked: the title hit first among the candidates
    assert sorted(found[1:]) == ["Atelier numéro 3", "Atelier numéro 4"]  # the two next most recent only


def test_under_the_cap_every_match_is_counted(app, member_a, monkeypatch):
    monkeypatch.setattr("qn_portal.search.query.RANKING_CAP", 3)
    for number in range(3):
        put(app, f"n:{number}", f"Atelier numéro {number}", "Tablette")
    page = page_of(member_a, "tablette")
    assert "3 résultats pour" in page and "Plus de" not in page
    assert len(titles(member_a, "tablette")) == 3
