"""Demo data fit to click through: two associations in real QPV and one account per role."""

from __future__ import annotations

import os
import secrets

from sqlalchemy import func, select

from .accounts.models import ADMIN, COORDINATOR, MEMBER, PARTNER, User
from .accounts.passwords import hash_password
from .associations.models import MANAGER, MEDIATOR, Association, Membership
from .contributions import DemoContext
from .dbtypes import utcnow
from .extensions import db
from .plugins import get_host

DEMO_ASSOCIATIONS = {
    "a": {"name": "Grand Parc Connecté", "slug": "grand-parc-connecte", "commune": "Bordeaux", "neighbourhood": "Grand Parc",
              "summary": "Ateliers numériques pour les habitants du Grand Parc, au centre social du quartier."},
    "b": {"name": "Carriet Numérique Solidaire", "slug": "carriet-numerique-solidaire", "commune": "Lormont",
              "neighbourhood": "Carriet",
              "summary": "Accompagnement aux démarches en ligne et ateliers smartphone à Carriet."},
}
# key: (e-mail, name, platform role, association key, association role)
DEMO_USERS = {
    "admin": ("admin@example.org", "Alex Admin", ADMIN, None, None),
    "coordination": ("coordination@example.org", "Camille Coordination", COORDINATOR, None, None),
    "direction.a": ("direction.a@example.org", "Dominique Direction", MEMBER, "a", MANAGER),
    "mediation.a": ("mediation.a@example.org", "Maëlle Médiation", MEMBER, "a", MEDIATOR),
    "direction.b": ("direction.b@example.org", "Bilal Direction", MEMBER, "b", MANAGER),
    "mediation.b": ("mediation.b@example.org", "Nadia Médiation", MEMBER, "b", MEDIATOR),
    "partenaire": ("partenaire@example.org", "Pascale Partenaire", PARTNER, None, None),
}


def already_seeded() -> bool:
    return bool(db.session.scalar(select(func.count()).select_from(User).where(User.email == DEMO_USERS["admin"][0])))


def seed_demo(log=print) -> DemoContext | None:
    """Seed the core's and every plugin's demo data, once; return the context, or ``None`` if already done."""
    if already_seeded():
        return None
    password = os.environ.get("QN_DEMO_PASSWORD") or secrets.token_urlsafe(12)
    demo = DemoContext(password=password, log=log)
    host = get_host()
    for name, info in host.plugins.items():
        if info.loaded and (info.core or host.is_enabled(name)):
            host.call_plugin(name, "demo_data", demo=demo)
            db.session.flush()
    db.session.commit()
    return demo


def seed_core(demo: DemoContext) -> None:
    from .text import render_markdown

    for key, fields in DEMO_ASSOCIATIONS.items():
        association = Association(**fields, summary_html=str(render_markdown(fields["summary"])))
        db.session.add(association)
        demo.associations[key] = association
    password_hash = hash_password(demo.password)
    for key, (email, name, role, association_key, association_role) in DEMO_USERS.items():
        user = User(email=email, name=name, role=role, password_hash=password_hash, password_changed_at=utcnow())
        db.session.add(user)
        if association_key:
            db.session.add(Membership(user=user, association=demo.associations[association_key], role=association_role))
        demo.users[key] = user
