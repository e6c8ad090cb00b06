"""Selecting an application: the association it creates or updates in the core's directory.

The association is created when it is not in the portal yet, or gets its cohort and status; the core's
``save_association`` keeps its slug, summary and search entry right, as the core's own pages do.
"""

from __future__ import annotations

from qn_portal.api import Association, Membership, db, save_association


def select_association(application, cohort: int, status: str) -> Association:
    """The association of a selected application, created if needed, with its cohort and status."""
    association = application.association
    if association is not None:
        return save_association(association, cohort=cohort, status=status)
    room_days = min(max(application.room_days or 0, 0), 7)
    association = save_association(
        name=application.organisation_name, commune=application.commune,
        room_capacity=application.room_capacity or 10, neighbourhood_id=application.neighbourhood_id,
        # The application says how many days the room is free, not which: the first ones, for the
        # managers to correct on their profile.
        room_weekdays=list(range(room_days)), cohort=cohort, status=status)
    application.association_id = association.id
    application.association = association
    if application.created_by_id:
        # Whoever applied manages the new association (they are its only member).
        db.session.add(Membership(user_id=application.created_by_id, association_id=association.id,
                                  role="manager"))
    return association
