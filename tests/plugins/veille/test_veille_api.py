"""The veille in the public API: public published posts without the right token; intranet posts never for partners."""

from __future__ import annotations

from datetime import timedelta

import pytest
from api_helpers import get_json, ids, make_token
from sqlalchemy import select

from qn_portal.extensions import db

URL = "/api/v1/veille/posts"


@pytest.fixture
def config_overrides():
    return {"RATELIMIT_ENABLED": False}


def posts(app):
    from plugins.veille.models import VeillePost
    from qn_portal.dbtypes import utcnow

    with app.app_context():
        rows = db.session.scalars(select(VeillePost).order_by(VeillePost.id)).all()
        now = utcnow()
        return {
            "intranet": next(p.id for p in rows if p.visibility == "intranet" and p.published_at <= now),
            "public": next(p.id for p in rows if p.visibility == "public" and p.published_at <= now),
            "scheduled": next(p.id for p in rows if p.published_at > now + timedelta(hours=1)),
        }


def test_an_intranet_post_needs_a_token_with_the_veille_scope_of_someone_who_reads_it(app, client, demo):
    found = posts(app)
    anonymous = ids(client, f"{URL}?per_page=100")
    assert found["public"] in anonymous and found["intranet"] not in anonymous
    get_json(client, f"{URL}/{found['intranet']}", status=404)
    get_json(client, f"{URL}/{found['intranet']}", make_token(app, demo["users"]["mediation.a"], ["ressources"]),
             status=404)
    get_json(client, f"{URL}/{found['intranet']}", make_token(app, demo["users"]["partenaire"], ["veille"]),
             status=404)
    reader = make_token(app, demo["users"]["mediation.a"], ["veille"])
    assert get_json(client, f"{URL}/{found['intranet']}", reader)["visibility"] == "intranet"


def test_a_scheduled_post_is_not_out_before_its_time(app, client, demo):
    scheduled = posts(app)["scheduled"]
    get_json(client, f"{URL}/{scheduled}", status=404)
    get_json(client, f"{URL}/{scheduled}", make_token(app, demo["users"]["coordination"], ["veille"]), status=404)


def test_filters(app, client, demo):
    reader = make_token(app, demo["users"]["coordination"], ["veille"])
    everything = get_json(client, f"{URL}?per_page=100", reader)["items"]
    category = everything[0]["category"]
    by_category = get_json(client, f"{URL}?per_page=100&category={category}", reader)["items"]
    assert by_category and {item["category"] for item in by_category} == {category}
    commune = next(name for item in everything for name in item["communes"])
    assert all(commune in item["communes"]
               for item in get_json(client, f"{URL}?per_page=100&commune={commune}", reader)["items"])
    tag = next(name for item in everything for name in item["tags"])
    assert all(tag in item["tags"] for item in get_json(client, f"{URL}?per_page=100&tag={tag}", reader)["items"])
    assert get_json(client, f"{URL}?au=1990-01-01", reader)["items"] == []
