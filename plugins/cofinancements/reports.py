"""Aggregate figures for reports: co-funding secured, applications submitted and granted."""

from __future__ import annotations

from sqlalchemy import func, select

from qn_portal.api import Figure, db, lazy_gettext

from .models import Application

# Singular and plural: the report shows "1 demande", "2 demandes" (Figure.unit_for).
APPLICATIONS = (lazy_gettext("demande"), lazy_gettext("demandes"))


def figures(association_ids, start, end) -> list[Figure]:
    """Per association (or for the whole programme when ``association_ids`` is None), ``end`` excluded."""
    per_association = association_ids is not None
    results: list[Figure] = []

    def grouped(date_column, value, *conditions):
        statement = select(Application.association_id if per_association else func.min(Application.id), value).where(
            date_column.is_not(None), date_column >= start, date_column < end, *conditions)
        if per_association:
            statement = statement.where(Application.association_id.in_(association_ids)).group_by(Application.association_id)
        return {key if per_association else None: int(total or 0) for key, total in db.session.execute(statement)}

    submitted = grouped(Application.submitted_on, func.count(Application.id))
    granted = grouped(Application.decided_on, func.count(Application.id), Application.status == "accorde")
    secured = grouped(Application.decided_on, func.coalesce(func.sum(Application.amount_obtained_cents), 0),
                      Application.status == "accorde")
    keys = list(association_ids) if per_association else [None]
    for key in keys:
        results.append(Figure("cofinancements.applications_submitted", lazy_gettext("Demandes de financement déposées"),
                              submitted.get(key, 0), APPLICATIONS, association_id=key))
        results.append(Figure("cofinancements.applications_granted", lazy_gettext("Demandes de financement accordées"),
                              granted.get(key, 0), APPLICATIONS, association_id=key))
        results.append(Figure("cofinancements.cofunding_secured", lazy_gettext("Cofinancements obtenus"),
                              secured.get(key, 0) / 100, "€", association_id=key))
    return results
