"""The list's order and its facet counts, for every role and several filter choices, against a plain Python
computation over a generated library (drafts, one association's private resources, equal dates and scores).

The list and the facets read covering indexes and rewritten queries (ressources_0002): whatever the plan,
what each person sees and counts must stay what ``can_view`` and the filters say.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from qn_portal.extensions import db

ROLES = ("anonymous", "partenaire", "mediation.a", "direction.a", "direction.b", "coordination")


def generate(demo, count: int = 140) -> None:
    """Resources of every status and visibility, with few distinct dates, uses and ratings (ties)."""
    from plugins.ressources.models import (
        AUDIENCES,
        KINDS,
        LEVELS,
        LICENCES,
        Resource,
        ResourceAudience,
        Theme,
    )
    from plugins.ressources.services import reindex

    rng = random.Random(20261127)
    themes = list(db.session.scalars(select(Theme)))
    associations = [demo["associations"]["a"], demo["associations"]["b"], None]
    authors = [demo["users"]["mediation.a"], demo["users"]["mediation.b"], demo["users"]["direction.b"], None]
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for i in range(count):
        status = rng.choice(["published"] * 6 + ["draft", "unpublished"])
        resource = Resource(
            title=f"Générée {i}", summary="", body="", body_html="", kind=rng.choice(list(KINDS)),
            level=rng.choice(list(LEVELS)), licence=rng.choice(list(LICENCES)),
            visibility=rng.choice(["association", "community", "public"]), status=status,
            association_id=rng.choice(associations), author_id=rng.choice(authors),
            usage_count=rng.randint(0, 3), rating_score=rng.choice([0, 200, 300]),
            published_at=None if status == "draft" else start + timedelta(days=rng.randint(0, 5)))
        resource.themes = rng.sample(themes, rng.randint(0, 3))
        resource.audience_rows = [ResourceAudience(audience=a) for a in rng.sample(list(AUDIENCES), rng.randint(0, 2))]
        db.session.add(resource)
        db.session.flush()
        reindex(resource)  # searchable by "Générée" once published
    db.session.commit()


def user_of(demo, role):
    from qn_portal.accounts.models import User

    if role == "anonymous":
        return None
    return db.session.scalar(select(User).where(User.id == demo["users"][role]).options(
        selectinload(User.memberships)))


SEARCHER = {}


def found_by_search(q) -> set[int]:
    """What the portal's search finds for the user under test (through the index's own visibility rule, which
    ``can_view`` now matches on published resources: see test_ressources_visibility_matrix)."""
    from qn_portal.api import search_keys

    if q not in SEARCHER["found"]:
        keys = db.session.scalars(search_keys("ressources", SEARCHER["user"], q)).all()
        SEARCHER["found"][q] = {int(key.split(":")[1]) for key in keys if key.startswith("resource:")}
    return SEARCHER["found"][q]


def matches(resource, filters, skip=None) -> bool:
    checks = {
        "kind": resource.kind in filters.kind,
        "level": resource.level in filters.level,
        "licence": resource.licence in filters.licence,
        "association": resource.association_id in filters.association,
        "theme": any(theme.id in filters.theme for theme in resource.themes),
        "audience": any(audience in filters.audience for audience in resource.audiences),
    }
    if filters.q and resource.id not in found_by_search(filters.q):
        return False
    return all(ok for name, ok in checks.items() if getattr(filters, name) and name != skip)


def expected_order(rows, sort):
    keys = {
        "recent": lambda r: (r.published_at, r.id),
        "used": lambda r: (r.usage_count, r.id),
        "rated": lambda r: (r.rating_score, r.usage_count, r.id),
    }
    return [r.id for r in sorted(rows, key=keys[sort], reverse=True)]


def expected_counts(listed, filters, themes, association_names):
    from plugins.ressources.models import AUDIENCES, KINDS, LEVELS, LICENCES

    def tally(name, values_of):
        totals: dict = {}
        for resource in listed:
            if matches(resource, filters, skip=name):
                for value in values_of(resource):
                    totals[value] = totals.get(value, 0) + 1
        return totals

    by_kind = tally("kind", lambda r: [r.kind])
    by_level = tally("level", lambda r: [r.level])
    by_licence = tally("licence", lambda r: [r.licence])
    by_audience = tally("audience", lambda r: r.audiences)
    by_theme = tally("theme", lambda r: [t.id for t in r.themes])
    by_association = tally("association", lambda r: [r.association_id] if r.association_id else [])
    return {
        "kind": [(key, label, by_kind.get(key, 0)) for key, label in KINDS.items()],
        "level": [(key, label, by_level.get(key, 0)) for key, label in LEVELS.items()],
        "licence": [(key, label, by_licence.get(key, 0)) for key, label in LICENCES.items()],
        "audience": [(key, label, by_audience.get(key, 0)) for key, label in AUDIENCES.items()],
        "theme": [(theme_id, label, by_theme.get(theme_id, 0)) for theme_id, label in themes
                  if by_theme.get(theme_id) or theme_id in filters.theme],
        "association": sorted(((aid, association_names[aid], n) for aid, n in by_association.items()),
                              key=lambda row: (row[1], row[0])),
    }


def filter_sets(demo, theme_ids):
    from plugins.ressources.services import Filters

    a, b = demo["associations"]["a"], demo["associations"]["b"]
    return [
        Filters(),
        Filters(sort="used"),
        Filters(sort="rated"),
        Filters(kind=["fiche", "tutoriel"], level=["debutant"]),
        Filters(licence=["cc-by-sa-4.0", "etalab-2.0"], sort="used"),
        Filters(association=[a], theme=theme_ids[:2]),
        Filters(audience=["seniors", "jeunes"], association=[b], sort="rated"),
        Filters(kind=["video"], level=["avance", "intermediaire"], licence=["cc-by-4.0"], theme=theme_ids[2:3],
                audience=["tous"]),
        # Full text: the generated resources alone (their titles), read once for the list and every facet.
        Filters(q="Générée"),
        Filters(q="Générée", level=["debutant"], theme=theme_ids[:3], sort="rated"),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_list_order_and_facet_counts_match_a_plain_computation(app, demo, role):
    from flask import request

    from plugins.ressources import services
    from plugins.ressources.models import Resource, Theme
    from qn_portal.associations.models import Association
    from qn_portal.pagination import paginate

    with app.app_context():
        generate(demo)
        user = user_of(demo, role)
        SEARCHER.update(user=user, found={})
        everything = db.session.scalars(select(Resource).options(
            selectinload(Resource.themes), selectinload(Resource.audience_rows))).all()
        listed = [r for r in everything if r.status == "published" and services.can_view(user, r)]
        # The generated set holds what the role-specific branches of the rule read.
        if role == "mediation.a":
            assert any(r.visibility == "association" for r in listed)
            assert any(r.author_id == user.id and r.status != "published" for r in everything)
        themes = db.session.execute(select(Theme.id, Theme.label).where(Theme.active.is_(True))
                                    .order_by(Theme.label)).all()
        names = dict(db.session.execute(select(Association.id, Association.name)).all())
        theme_ids = [theme_id for theme_id, _label in themes]
        for filters in filter_sets(demo, theme_ids):
            chosen = [r for r in listed if matches(r, filters)]
            order = expected_order(chosen, filters.sort)
            assert list(db.session.scalars(services.list_statement(user, filters))) == \
                [db.session.get(Resource, i) for i in order], (role, filters)
            assert services.facet_counts(user, filters) == expected_counts(listed, filters, themes, names), \
                (role, filters)
        # The page the view shows: the count, and page 2 of the order (a tie may fall on the page break).
        unfiltered = expected_order(listed, "recent")
        with app.test_request_context("/ressources/?page=2"):
            assert request.args["page"] == "2"
            page = paginate(services.list_statement(user, services.Filters()), per_page=7)
            assert page.total == len(unfiltered)
            assert [r.id for r in page.items] == unfiltered[7:14]
