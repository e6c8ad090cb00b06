"""What the associations' views do, kept out of the views: profiles, members, the directory, the current association."""

from __future__ import annotations

import html
import re
import unicodedata

import nh3
from flask import current_app, has_request_context, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import lazyload

from ..contributions import SearchDocument
from ..database import lock_for_update
from ..extensions import db
from ..search import index_document
from ..text import render_markdown
from .models import MANAGER, STATUSES, Association, Membership, Neighbourhood
from .territory import SEED_NEIGHBOURHOODS

SESSION_KEY = "qn_current_association"
# Slugs that would collide with the fixed URLs under /associations/.
RESERVED_SLUGS = {"nouvelle", "quartiers", "courante"}


class LastManager(Exception):
    """Refused: the association would be left without anyone to manage it."""


# --- profiles --------------------------------------------------------------------------------------------


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:80] or "association"


def unique_slug(name: str) -> str:
    base = slugify(name)
    taken = set(db.session.scalars(select(Association.slug).where(
        (Association.slug == base) | Association.slug.like(base + "-%"))))
    slug, number = base, 1
    while slug in taken or slug in RESERVED_SLUGS:
        number += 1
        slug = f"{base}-{number}"
    return slug


PROFILE_FIELDS = ("name", "summary", "siret", "rna", "address", "postal_code", "commune", "email", "phone",
                  "website", "opening_hours", "room_capacity", "share_contacts")


def apply_profile(association: Association, form) -> None:
    """Copy the validated form onto the association (programme fields only if the form has them)."""
    for name in PROFILE_FIELDS:
        value = getattr(form, name).data
        setattr(association, name, value.strip() if isinstance(value, str) else value)
    association.email = association.email.lower()
    association.summary_html = str(render_markdown(association.summary))
    association.neighbourhood_id = int(form.neighbourhood_id.data) if form.neighbourhood_id.data else None
    association.room_weekdays = form.room_days.data or []
    if "cohort" in form:
        association.cohort = int(form.cohort.data) if form.cohort.data else None
        association.status = form.status.data


def create_association(form) -> Association:
    association = Association(slug=unique_slug(form.name.data.strip()))
    apply_profile(association, form)
    db.session.add(association)
    db.session.flush()
    index_association(association)
    return association


def save_association(association: Association | None = None, **fields) -> Association:
    """Create (``association=None``) or update an association from keyword values, for plugins.

    ``fields`` are profile or programme attributes (``name``, ``commune``, ``cohort``, ``status``,
    ``room_capacity``, ``room_weekdays``, ``neighbourhood_id``…); the summary's HTML, the slug of a new
    association and its search entry are kept right, as the core's own pages do.
    """
    unknown = set(fields) - set(PROFILE_FIELDS) - {"cohort", "status", "neighbourhood_id", "room_weekdays"}
    if unknown:
        raise TypeError(f"not association fields: {', '.join(sorted(unknown))}")
    if "status" in fields and fields["status"] not in STATUSES:
        raise ValueError(f"unknown programme status: {fields['status']!r}")
    if association is None:
        association = Association(slug=unique_slug(fields["name"].strip()))
        db.session.add(association)
    for name, value in fields.items():
        setattr(association, name, value.strip() if isinstance(value, str) else value)
    association.email = (association.email or "").lower()
    association.summary_html = str(render_markdown(association.summary or ""))
    db.session.flush()
    index_association(association)
    return association


def update_association(association: Association, form) -> None:
    apply_profile(association, form)
    db.session.flush()
    index_association(association)


def association_url(association: Association) -> str:
    if has_request_context():
        return url_for("associations.show", slug=association.slug)
    with current_app.test_request_context():  # a command (search reindex) has no request
        return url_for("associations.show", slug=association.slug)


def association_document(association: Association) -> SearchDocument:
    """What the search index holds about an association: its public profile only."""
    summary_text = html.unescape(nh3.clean(association.summary_html or "", tags=set()))  # the words only
    text = " ".join(part for part in (summary_text, association.place, str(association.status_label)) if part)
    return SearchDocument(key=f"association:{association.id}", title=association.name, text=text,
                          url=association_url(association), association_id=association.id, visibility="community",
                          kind=_l("Association"))


def index_association(association: Association) -> None:
    index_document("core", association_document(association))


def all_association_documents():
    for association in db.session.scalars(select(Association).order_by(Association.id)):
        yield association_document(association)


# --- members ---------------------------------------------------------------------------------------------


def lock_memberships(association_id: int) -> list[Membership]:
    """The association's memberships, locked on PostgreSQL: two managers demoting each other cannot both win."""
    # No eager join: PostgreSQL refuses FOR UPDATE on the nullable side of an outer join. Rows already in the
    # session (the signed-in person's own membership) are refreshed: the check must read what is locked.
    return list(db.session.scalars(lock_for_update(
        select(Membership).options(lazyload(Membership.association))
        .where(Membership.association_id == association_id).order_by(Membership.id))
        .execution_options(populate_existing=True)))


def change_role(membership: Membership, role: str) -> str:
    """Give ``membership`` the association role ``role``; return the old one. Raises ``LastManager``."""
    others = lock_memberships(membership.association_id)  # also refreshes ``membership`` itself
    old = membership.role
    if old == role:
        return old
    if old == MANAGER and not any_other_manager(membership, others):
        raise LastManager
    membership.role = role
    return old


def remove_member(membership: Membership) -> None:
    """Take the person out of the association (their account stays). Raises ``LastManager``."""
    others = lock_memberships(membership.association_id)
    if membership.role == MANAGER and not any_other_manager(membership, others):
        raise LastManager
    db.session.delete(membership)


def any_other_manager(membership: Membership, memberships: list[Membership]) -> bool:
    return any(other.role == MANAGER and other.id != membership.id for other in memberships)


# --- the current association -----------------------------------------------------------------------------


def current_association() -> Association | None:
    """The association the signed-in person is working for now.

    Someone who belongs to several associations picks one in the header (kept in their session); otherwise
    it is their only association, or the first by name. ``None`` for people who belong to none (coordinators,
    partners, admins). Reads only: safe in any request.
    """
    if not has_request_context() or not current_user or not current_user.is_authenticated:
        return None
    memberships = sorted(current_user.memberships, key=lambda m: (m.association.name.casefold(), m.association_id))
    if not memberships:
        return None
    chosen = session.get(SESSION_KEY)
    for membership in memberships:
        if membership.association_id == chosen:
            return membership.association
    return memberships[0].association


def choose_current_association(association_id: int) -> bool:
    """Remember ``association_id`` as the current association if the person belongs to it."""
    if current_user.membership_in(association_id) is None:
        return False
    session[SESSION_KEY] = association_id
    return True


# --- the directory ---------------------------------------------------------------------------------------


def directory_statement(commune: str = "", neighbourhood_id: str = "", cohort: str = "", status: str = ""):
    """The select of the associations matching the directory's filters (each one optional)."""
    statement = select(Association)
    if commune:
        statement = statement.where(Association.commune == commune)
    if neighbourhood_id:
        statement = statement.where(Association.neighbourhood_id == int(neighbourhood_id))
    if cohort:
        statement = statement.where(Association.cohort == int(cohort))
    if status:
        statement = statement.where(Association.status == status)
    return statement


def directory_summary(statement) -> dict:
    """Counts of the filtered set by status and by commune (two grouped queries, whatever the size)."""
    matching = statement.with_only_columns(Association.id, Association.status, Association.commune).subquery()
    by_status = dict(db.session.execute(
        select(matching.c.status, func.count()).group_by(matching.c.status)).all())
    by_commune = db.session.execute(
        select(matching.c.commune, func.count()).group_by(matching.c.commune)
        .order_by(func.count().desc(), matching.c.commune)).all()
    return {
        "total": sum(by_status.values()),
        "by_status": [(status, by_status[status]) for status in STATUSES if by_status.get(status)],
        "by_commune": [(commune or "", count) for commune, count in by_commune],
    }


def directory_choices():
    """What the filters offer: communes and cohorts that have associations, and every neighbourhood."""
    communes = list(db.session.scalars(
        select(Association.commune).where(Association.commune != "").distinct().order_by(Association.commune)))
    cohorts = list(db.session.scalars(
        select(Association.cohort).where(Association.cohort.is_not(None)).distinct()
        .order_by(Association.cohort.desc())))
    neighbourhoods = list(db.session.scalars(
        select(Neighbourhood).order_by(Neighbourhood.commune, Neighbourhood.name)))
    return communes, neighbourhoods, cohorts


# --- neighbourhoods --------------------------------------------------------------------------------------


def neighbourhood_in_use(neighbourhood: Neighbourhood) -> int:
    """How many associations are in ``neighbourhood``."""
    return db.session.scalar(
        select(func.count()).select_from(Association).where(Association.neighbourhood_id == neighbourhood.id))


def ensure_seed_neighbourhoods() -> dict[tuple[str, str], Neighbourhood]:
    """The well-known neighbourhoods, created if missing (the migration seeds them; tests and demos may
    start from empty tables); keyed by (name, commune)."""
    existing = {(n.name, n.commune): n for n in db.session.scalars(select(Neighbourhood))}
    for name, commune, kind in SEED_NEIGHBOURHOODS:
        if (name, commune) not in existing:
            neighbourhood = Neighbourhood(name=name, commune=commune, kind=kind, code="")
            db.session.add(neighbourhood)
            existing[(name, commune)] = neighbourhood
    db.session.flush()
    return existing
