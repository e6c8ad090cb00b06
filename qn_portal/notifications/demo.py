"""Demo notifications waiting for the demo members: the portal shows what a real morning looks like."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l

from ..associations.models import MANAGER, ROLE_LABELS
from ..contributions import DemoContext
from ..dbtypes import utcnow
from ..extensions import db
from .listeners import ADDED, MEMBERSHIP_CHANGED
from .models import PENDING, SKIPPED, Notification


def seed_notifications(demo: DemoContext) -> None:
    db.session.flush()  # the demo people and associations have their ids
    urls = current_app.url_map.bind("localhost")  # paths only: seed-demo runs outside any request
    coordinator = demo.users["coordination"].display_name
    now = utcnow()
    # (person, kind, title, text, association key, hours ago, read)
    rows = []
    for key, association_key in (("direction.a", "a"), ("mediation.a", "a"), ("direction.b", "b"), ("mediation.b", "b")):
        name = demo.associations[association_key].name
        rows.append((key, ADDED, _l("Vous avez été ajouté·e à %(name)s", name=name),
                     _l("%(inviter)s vous a ajouté·e à l'association %(name)s sur le portail Quartiers Numériques.",
                        inviter=coordinator, name=name), association_key, 72, key == "direction.a"))
    rows.append(("direction.a", MEMBERSHIP_CHANGED,
                 _l("Votre rôle dans %(name)s a changé", name=demo.associations["a"].name),
                 _l("Votre nouveau rôle : %(role)s.", role=ROLE_LABELS[MANAGER]), "a", 3, False))
    for key, kind, title, text, association_key, hours, read in rows:
        created = now - timedelta(hours=hours)
        db.session.add(Notification(
            user_id=demo.users[key].id, kind=kind, title=str(title), text=str(text),
            url=urls.build("associations.show", {"slug": demo.associations[association_key].slug}),
            created_at=created, read_at=created + timedelta(hours=1) if read else None,
            mail_state=SKIPPED if read else PENDING,
        ))
