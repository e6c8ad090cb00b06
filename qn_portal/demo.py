"""Demo data fit to click through: eight associations in real QPV (a and b have members), one account per role."""

from __future__ import annotations

import os
import secrets

from sqlalchemy import func, select

from .accounts.models import ADMIN, COORDINATOR, MEMBER, PARTNER, User
from .accounts.passwords import hash_password
from .associations.models import MANAGER, MEDIATOR, Association, Membership
from .contributions import DemoContext, DemoVolume
from .dbtypes import utcnow
from .demo_volume import demo_random, seed_core_volume
from .extensions import db
from .plugins import get_host

# Fictional associations in real neighbourhoods. Phone numbers are in ARCEP's range kept for fiction
# (05 36 49 …), e-mails and sites on example.org; no SIRET or RNA, which could be someone's real number.
HOURS_WEEKDAYS = "Mo-Fr 09:00-12:00,14:00-18:00; Sa 10:00-12:00; PH off"
DEMO_ASSOCIATIONS = {
    "a": {"name": "Grand Parc Connecté", "slug": "grand-parc-connecte", "commune": "Bordeaux",
          "neighbourhood": ("Grand Parc", "Bordeaux"), "cohort": 2024, "status": "year2",
          "summary": "Ateliers numériques pour les habitants du **Grand Parc**, au centre social du quartier :\n\n"
                     "- prise en main du smartphone ;\n- démarches en ligne (CAF, impôts, Ameli) ;\n"
                     "- permanences d'aide individuelle.",
          "address": "3 place de l'Europe", "postal_code": "33300", "email": "contact@grand-parc-connecte.example.org",
          "phone": "05 36 49 10 01", "website": "https://grand-parc-connecte.example.org",
          "opening_hours": HOURS_WEEKDAYS, "room_capacity": 12, "room_weekdays": [0, 1, 3], "share_contacts": True},
    "b": {"name": "Carriet Numérique Solidaire", "slug": "carriet-numerique-solidaire", "commune": "Lormont",
          "neighbourhood": ("Carriet", "Lormont"), "cohort": 2025, "status": "year1",
          "summary": "Accompagnement aux démarches en ligne et ateliers smartphone à Carriet.",
          "address": "8 rue des Lilas", "postal_code": "33310", "email": "bonjour@carriet-solidaire.example.org",
          "phone": "05 36 49 10 02", "opening_hours": "Mo-Th 09:00-17:00; Fr 09:00-12:00; PH off",
          "room_capacity": 10, "room_weekdays": [0, 2, 4]},
    "c": {"name": "Bacalan Clic", "slug": "bacalan-clic", "commune": "Bordeaux",
          "neighbourhood": ("Bacalan", "Bordeaux"), "cohort": 2021, "status": "alumni",
          "summary": "Un espace public numérique tenu par des habitants bénévoles, ouvert à toutes et tous.",
          "address": "21 rue des Docks", "postal_code": "33300", "email": "equipe@bacalan-clic.example.org",
          "website": "https://bacalan-clic.example.org", "opening_hours": "Tu-Sa 14:00-18:00; PH off",
          "room_capacity": 8, "room_weekdays": [1, 2, 3, 4], "share_contacts": True},
    "d": {"name": "Les Aubiers en Ligne", "slug": "les-aubiers-en-ligne", "commune": "Bordeaux",
          "neighbourhood": ("Les Aubiers", "Bordeaux"), "cohort": 2022, "status": "alumni",
          "summary": "Cours d'informatique pour les seniors et les familles, en français et en arabe.",
          "address": "5 allée des Pins", "postal_code": "33300", "phone": "05 36 49 10 04",
          "opening_hours": "Mo,We,Fr 09:30-12:30", "room_capacity": 10, "room_weekdays": [0, 2, 4]},
    "e": {"name": "Palmer Numérique", "slug": "palmer-numerique", "commune": "Cenon",
          "neighbourhood": ("Palmer", "Cenon"), "cohort": 2023, "status": "alumni",
          "summary": "Ateliers collectifs et aide aux démarches administratives sur les hauteurs de Cenon.",
          "address": "14 avenue du Parc", "postal_code": "33150", "email": "contact@palmer-numerique.example.org",
          "opening_hours": "Mo-Fr 09:00-12:30,13:30-17:00; PH off", "room_capacity": 15,
          "room_weekdays": [0, 1, 2, 3], "share_contacts": True},
    "f": {"name": "Saige Solidarité Numérique", "slug": "saige-solidarite-numerique", "commune": "Pessac",
          "neighbourhood": ("Saige", "Pessac"), "cohort": 2024, "status": "year2",
          "summary": "Une médiatrice numérique à temps plein et un atelier *Premiers pas sur internet* chaque semaine.",
          "address": "2 rue des Érables", "postal_code": "33600", "phone": "05 36 49 10 06",
          "opening_hours": "Mo-Th 10:00-18:00; Fr 10:00-18:00 \"sur rendez-vous\"", "room_capacity": 10,
          "room_weekdays": [1, 3, 4]},
    "g": {"name": "Thouars Connexions", "slug": "thouars-connexions", "commune": "Talence",
          "neighbourhood": ("Thouars", "Talence"), "cohort": 2025, "status": "year1",
          "summary": "Permanences numériques au cœur du quartier de Thouars, avec les partenaires sociaux.",
          "address": "9 rue du Stade", "postal_code": "33400", "email": "thouars.connexions@example.org",
          "opening_hours": "Mo-Th 13:30-18:00; Sa 09:00-12:00", "room_capacity": 6, "room_weekdays": [0, 3]},
    "h": {"name": "Dravemont Avenir Numérique", "slug": "dravemont-avenir-numerique", "commune": "Floirac",
          "neighbourhood": ("Dravemont", "Floirac"), "cohort": None, "status": "candidate",
          "summary": "Candidate pour la prochaine promotion : un projet d'ateliers parents-enfants autour des écrans.",
          "address": "1 place du Marché", "postal_code": "33270", "opening_hours": "We 14:00-18:00; Sa 10:00-12:00",
          "room_capacity": 10, "room_weekdays": [2]},
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


def seed_demo(log=print, volume: DemoVolume | None = None) -> DemoContext | None:
    """Seed the core's and every plugin's demo data, once; return the context, or ``None`` if already done.

    With a ``volume`` (benchmark data, see ``demo_volume``), every plugin also generates its share in bulk.
    """
    if already_seeded():
        return None
    password = os.environ.get("QN_DEMO_PASSWORD") or secrets.token_urlsafe(12)
    demo = DemoContext(password=password, log=log, volume=volume, random=demo_random() if volume else None)
    host = get_host()
    for name, info in host.plugins.items():
        if info.loaded and (info.core or host.is_enabled(name)):
            host.call_plugin(name, "demo_data", demo=demo)
            db.session.flush()
    db.session.commit()
    return demo


def seed_core(demo: DemoContext) -> None:
    from .associations.services import ensure_seed_neighbourhoods
    from .text import render_markdown

    neighbourhoods = ensure_seed_neighbourhoods()
    for key, fields in DEMO_ASSOCIATIONS.items():
        fields = dict(fields)
        neighbourhood = neighbourhoods[fields.pop("neighbourhood")]
        weekdays = fields.pop("room_weekdays")
        association = Association(**fields, neighbourhood=neighbourhood, summary_html=str(render_markdown(fields["summary"])))
        association.room_weekdays = weekdays
        db.session.add(association)
        demo.associations[key] = association
    password_hash = hash_password(demo.password)
    for key, (email, name, role, association_key, association_role) in DEMO_USERS.items():
        user = User(email=email, name=name, role=role, password_hash=password_hash, password_changed_at=utcnow())
        db.session.add(user)
        if association_key:
            db.session.add(Membership(user=user, association=demo.associations[association_key], role=association_role))
        demo.users[key] = user
    # Someone in two associations, to show the switch in the header: B's director also leads the candidate H.
    db.session.add(Membership(user=demo.users["direction.b"], association=demo.associations["h"], role=MANAGER))
    if demo.volume:
        seed_core_volume(demo)
