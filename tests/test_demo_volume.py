"""Benchmark data (``qn-portal seed-demo --volume``): each plugin generates its share, and all of it is searchable."""

from __future__ import annotations

import re

import pytest
from conftest import fast_hash, post_form
from sqlalchemy import func, select

from qn_portal.contributions import DEMO_VOLUMES
from qn_portal.extensions import db

TINY = DEMO_VOLUMES["tiny"]


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def seeded(app, runner, monkeypatch):
    monkeypatch.setenv("QN_DEMO_PASSWORD", "une phrase de passe de démonstration")
    monkeypatch.setattr("qn_portal.demo.hash_password", fast_hash)
    result = runner.invoke(args=["seed-demo", "--volume", "tiny"])
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


def test_every_plugin_generates_its_share_up_to_the_totals(app, seeded):
    from plugins.ateliers.models import Registration, Workshop
    from plugins.cofinancements.models import Opportunity
    from plugins.echanges.models import EchangesPost, EchangesThread
    from plugins.ressources.models import Resource
    from plugins.veille.models import VeillePost
    from qn_portal.accounts.models import User
    from qn_portal.associations.models import Association, Membership

    with app.app_context():
        assert count(Association) == TINY.associations
        assert count(User) == TINY.users
        assert count(Resource) == TINY.resources
        assert count(VeillePost) == TINY.veille_posts
        assert count(Workshop) == TINY.workshops
        assert count(Registration) == TINY.registrations
        assert count(Opportunity) == TINY.opportunities
        assert count(EchangesThread) == TINY.threads
        # Every generated account works somewhere; every thread has its question.
        assert count(Membership) >= TINY.users - 3  # the admin, the coordinator and the partner have none
        assert db.session.scalar(select(func.count()).where(EchangesPost.is_first.is_(True))) == TINY.threads


def test_generated_rows_are_in_the_search_index(app, seeded):
    from qn_portal.search import SearchEntry

    indexed = int(re.search(r"(\d+) documents indexed", seeded).group(1))
    with app.app_context():
        assert count(SearchEntry) == indexed
        by_plugin = dict(db.session.execute(select(SearchEntry.plugin, func.count()).group_by(SearchEntry.plugin)).all())
    assert by_plugin["ressources"] >= TINY.resources * 0.9  # drafts are not indexed
    assert by_plugin["echanges"] == TINY.threads
    assert by_plugin["cofinancements"] >= TINY.opportunities


def test_generated_pages_open_for_a_mediator(app, seeded, client):
    from plugins.ressources.models import Resource

    post_form(client, "/connexion", {"email": "mediation.a@example.org",
                                     "password": "une phrase de passe de démonstration"})
    with app.app_context():
        resource_id = db.session.scalar(select(func.max(Resource.id)).where(Resource.visibility == "community",
                                                                             Resource.status == "published"))
    for url in ("/tableau-de-bord", "/ressources/", f"/ressources/{resource_id}", "/veille/", "/ateliers/",
                "/cofinancements/", "/echanges/", "/associations/", "/recherche?q=numérique"):
        assert client.get(url).status_code == 200, url


def test_the_ordinary_demo_generates_nothing_more(app, runner, monkeypatch):
    from plugins.ressources.models import Resource

    monkeypatch.setenv("QN_DEMO_PASSWORD", "une phrase de passe de démonstration")
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    with app.app_context():
        assert count(Resource) < 50
