"""The core's own notifications: what happens to a person's memberships."""

from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l

from ..accounts.models import User
from ..associations.models import ROLE_LABELS, Association
from ..contributions import Event, NotificationKind
from ..extensions import db
from .services import notify

ADDED = "core.added_to_association"
MEMBERSHIP_CHANGED = "core.membership_changed"

KINDS = [
    NotificationKind(ADDED, _l("Ajout à une association"),
                     _l("Quand quelqu'un vous ajoute à l'équipe d'une association.")),
    NotificationKind(MEMBERSHIP_CHANGED, _l("Changements dans vos associations"),
                     _l("Quand votre rôle dans une association change, ou qu'on vous retire de son équipe.")),
]


def notify_core_event(event: Event) -> None:
    """Turn the core's membership events into notifications for the person concerned."""
    if event.name not in ("core.user_invited", "core.member_role_changed", "core.member_removed"):
        return
    data = event.data
    user_id = data.get("user_id")
    association = db.session.get(Association, data["association_id"]) if data.get("association_id") else None
    if user_id is None or association is None or user_id == event.actor_id:
        return  # nothing to tell, or the person did it themselves
    url = url_for("associations.show", slug=association.slug)
    if event.name == "core.user_invited":
        user = db.session.get(User, user_id)
        if data.get("new") or user is None or user.password_hash is None:
            return  # someone who has not joined yet gets the invitation e-mail, which says it all
        actor = db.session.get(User, event.actor_id) if event.actor_id else None
        text = _l("%(inviter)s vous a ajouté·e à l'association %(name)s sur le portail Quartiers Numériques.",
                  inviter=actor.display_name, name=association.name) if actor else ""
        notify([user_id], ADDED, _l("Vous avez été ajouté·e à %(name)s", name=association.name), url, text=text)
    elif event.name == "core.member_role_changed":
        role = ROLE_LABELS.get(data.get("new_role"), data.get("new_role") or "")
        notify([user_id], MEMBERSHIP_CHANGED, _l("Votre rôle dans %(name)s a changé", name=association.name), url,
               text=_l("Votre nouveau rôle : %(role)s.", role=role))
    else:
        notify([user_id], MEMBERSHIP_CHANGED, _l("Vous ne faites plus partie de l'équipe de %(name)s",
                                                 name=association.name), url)
