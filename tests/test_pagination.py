"""Links built from the current request: every value of a repeated parameter survives, nothing else gets in."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from flask import render_template_string

from qn_portal.pagination import url_with_args


def pairs(url: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(url).query, keep_blank_values=True)


def test_repeated_values_are_all_kept_and_page_is_replaced(app):
    with app.test_request_context("/associations/?commune=Cenon&commune=Floirac&q=caf%C3%A9&page=4"):
        url = url_with_args("associations.index", page=5)
        assert urlsplit(url).path == "/associations/"
        assert pairs(url) == [("commune", "Cenon"), ("commune", "Floirac"), ("q", "café"), ("page", "5")]
        assert pairs(url_with_args("associations.index", drop=["page"])) == [
            ("commune", "Cenon"), ("commune", "Floirac"), ("q", "café")]
        assert pairs(url_with_args("associations.index", q=None)) == [
            ("commune", "Cenon"), ("commune", "Floirac"), ("page", "4")]


def test_no_query_string_gives_the_bare_path(app):
    with app.test_request_context("/associations/"):
        assert url_with_args("associations.index") == "/associations/"


def test_query_arguments_reach_neither_the_path_nor_url_for_options(app):
    # Passed to url_for as keywords, ?_external=1&_anchor=x made the link absolute with a fragment, and a
    # query argument named like a view argument changed the path.
    with app.test_request_context("/associations/?_external=1&_scheme=javascript&_anchor=x&page=2"):
        url = url_with_args("associations.index", page=3)
        assert url.startswith("/associations/?") and "#" not in url
        assert pairs(url) == [("_external", "1"), ("_scheme", "javascript"), ("_anchor", "x"), ("page", "3")]
    with app.test_request_context("/associations/cafe-numerique/membres?slug=autre&page=2"):
        url = url_with_args("associations.members", page=3)
        assert urlsplit(url).path == "/associations/cafe-numerique/membres"
        assert pairs(url) == [("slug", "autre"), ("page", "3")]


def test_pagination_macro_links_keep_repeated_values(app):
    class Page:
        pages, page, has_prev, has_next, prev_num, next_num = 3, 2, True, True, 1, 3

    template = '{% from "_macros.html" import pagination, csv_link %}{{ pagination(page, "associations.index") }}' \
               '{{ csv_link("associations.index_csv") }}'
    with app.test_request_context("/associations/?commune=Cenon&commune=Floirac&page=2"):
        page = render_template_string(template, page=Page())
    assert 'href="/associations/?commune=Cenon&amp;commune=Floirac&amp;page=1" rel="prev"' in page
    assert 'href="/associations/?commune=Cenon&amp;commune=Floirac&amp;page=3" rel="next"' in page
    assert 'href="/associations/export.csv?commune=Cenon&amp;commune=Floirac" download' in page
