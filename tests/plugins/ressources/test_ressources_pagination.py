"""The library's pages keep every value of a repeated filter (?theme=1&theme=2) in their page and CSV links."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from csv_checks import read_csv
from sqlalchemy import select

from qn_portal.extensions import db


@pytest.fixture
def config_overrides():
    return {"PER_PAGE": 3}


def add_resources(themes_per_resource) -> None:
    from plugins.ressources.models import Resource, Theme
    from plugins.ressources.services import reindex

    by_slug = {theme.slug: theme for theme in db.session.scalars(select(Theme))}
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for i, slugs in enumerate(themes_per_resource):
        resource = Resource(title=f"Paginée {i}", summary="", body="", body_html="", kind="fiche", level="debutant",
                            licence="cc-by-sa-4.0", visibility="public", status="published",
                            published_at=start + timedelta(hours=i))
        resource.themes = [by_slug[slug] for slug in slugs]
        db.session.add(resource)
        db.session.flush()
        reindex(resource)
    db.session.commit()


def link(page: str, rel: str) -> str | None:
    found = re.search(rf'<a href="([^"]+)" rel="{rel}">', page)
    return html.unescape(found.group(1)) if found else None


def listed_titles(page: str) -> list[str]:
    return re.findall(r"Paginée \d+", page)


def test_page_two_keeps_every_theme_and_lists_only_filtered_resources(app, demo, client):
    from plugins.ressources.models import Resource, Theme

    with app.app_context():
        add_resources([["sante"], ["banque"], ["sante", "banque"], ["sante"], ["banque"], [], ["sante"], ["banque"]]
                      + [[slug] for slug in db.session.scalars(select(Theme.slug).where(
                          Theme.slug.not_in(["sante", "banque"]), Theme.active.is_(True))).all()[:2]])
        sante, banque = (db.session.scalar(select(Theme.id).where(Theme.slug == slug)) for slug in ("sante", "banque"))
        expected = {r.title for r in db.session.scalars(select(Resource).where(Resource.title.like("Paginée%")))
                    if {t.slug for t in r.themes} & {"sante", "banque"}}
    assert len(expected) == 7  # three pages of three

    first = client.get(f"/ressources/?theme={sante}&theme={banque}&tri=recent")
    assert first.status_code == 200
    page = first.get_data(as_text=True)
    next_url = link(page, "next")
    assert next_url is not None and link(page, "prev") is None
    query = parse_qs(urlsplit(next_url).query)
    assert query == {"theme": [str(sante), str(banque)], "tri": ["recent"], "page": ["2"]}

    second_page = client.get(next_url).get_data(as_text=True)
    third_url = link(second_page, "next")
    back_url = link(second_page, "prev")
    assert parse_qs(urlsplit(third_url).query)["theme"] == [str(sante), str(banque)]
    assert parse_qs(urlsplit(back_url).query) == {"theme": [str(sante), str(banque)], "tri": ["recent"],
                                                  "page": ["1"]}
    third_page = client.get(third_url).get_data(as_text=True)
    seen = [listed_titles(p) for p in (page, second_page, third_page)]
    assert [len(titles) for titles in seen] == [3, 3, 1]
    assert {title for titles in seen for title in titles} == expected

    # The CSV link of page 2: both themes, no page; the file holds the seven filtered resources.
    csv_url = html.unescape(re.search(r'<p class="csv-export"><a href="([^"]+)"', second_page).group(1))
    assert parse_qs(urlsplit(csv_url).query) == {"theme": [str(sante), str(banque)], "tri": ["recent"]}
    rows = read_csv(client.get(csv_url))
    assert {row[0] for row in rows[1:] if row[0].startswith("Paginée")} == expected
