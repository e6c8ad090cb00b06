"""What account views do, kept out of the views: invitations and password changes."""

from __future__ import annotations

from flask import current_app, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from ..associations.models import Association, Membership
from ..dbtypes import utcnow
from ..events import emit
from ..extensions import db
from ..mail import send_mail
from .models import ADMIN, COORDINATOR, MEMBER, PARTNER, User, normalise_email
from .passwords import hash_password
from .sessions import end_all_sessions, end_other_sessions
from .tokens import INVITATION, RESET, make_token
from .two_factor import disable as disable_two_factor
from .two_factor import is_required, revoke_trusted_devices


def invitable_roles(inviter: User) -> list[str]:
    """The platform roles ``inviter`` may give."""
    if inviter.role == ADMIN:
        return [MEMBER, PARTNER, COORDINATOR, ADMIN]
    if inviter.role == COORDINATOR:
        return [MEMBER, PARTNER, COORDINATOR]
    return [MEMBER]


def invitable_associations(inviter: User) -> list[Association]:
    """The associations whose members ``inviter`` may invite."""
    if inviter.is_coordinator:
        return list(db.session.scalars(select(Association).order_by(Association.name)))
    return sorted(
        (m.association for m in inviter.memberships if m.role == "manager"), key=lambda a: a.name
    )


def invite(inviter: User, email: str, name: str, role: str, association: Association | None,
           association_role: str | None) -> None:
    """Invite someone by e-mail, or add an existing person to the association (a notification tells them)."""
    email = normalise_email(email)
    user = User.by_email(email)
    is_new = user is None
    if is_new:
        user = User(email=email, name=name or "", role=role, invited_by_id=inviter.id, password_hash=None)
        db.session.add(user)
        db.session.flush()
    if association is not None and user.membership_in(association.id) is None:
        db.session.add(Membership(user=user, association=association, role=association_role or "mediator"))
    db.session.commit()
    # Someone who never accepted (their link may have expired) gets a fresh link, as the expired page promises.
    if is_new or (user.password_hash is None and user.active):
        link = url_for("auth.accept_invitation", token=make_token(user, INVITATION), _external=True)
        with force_locale(recipient_locale(user)):
            body = render_template("mail/invitation.txt", user=user, inviter=inviter, link=link, association=association)
            send_mail(user.email, _("Invitation au portail Quartiers Numériques"), body)
    # Someone who already has an account hears of it through the core's notification (core.user_invited),
    # by e-mail as they chose for that kind: at once, in the daily digest, or never.
    emit("core.user_invited", actor_id=inviter.id, user_id=user.id,
         association_id=association.id if association else None, new=is_new)


def recipient_locale(user: User) -> str:
    """Mail is written in its recipient's language, not in that of whoever caused it to be sent."""
    return user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]


def send_reset_link(user: User) -> None:
    link = url_for("auth.reset_password", token=make_token(user, RESET), _external=True)
    with force_locale(recipient_locale(user)):
        send_mail(user.email, _("Réinitialiser votre mot de passe"),
                  render_template("mail/reset.txt", user=user, link=link))


def send_two_factor_reset_notice(user: User, admin: User) -> None:
    """Tell ``user`` that an admin removed their second factor: if they did not ask, they must say so at once."""
    link = url_for("auth.two_factor", _external=True)
    with force_locale(recipient_locale(user)):
        send_mail(user.email, _("Votre double authentification a été réinitialisée"),
                  render_template("mail/two_factor_reset.txt", user=user, admin=admin, link=link,
                                  required=is_required(user)))


def set_password(user: User, password: str, keep_current_session: bool) -> None:
    """Change the password and end the user's other sessions (all of them when not signed in here).

    Trusted browsers are forgotten too: whoever changes a password after a theft wants the code asked again."""
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    revoke_trusted_devices(user)
    if keep_current_session:
        end_other_sessions(user)
    else:
        end_all_sessions(user)


def reset_two_factor(user: User) -> int:
    """Remove the second factor of someone who lost it (secret, recovery codes, trusted browsers) and end every
    session of the account; return how many sessions ended.

    Whoever holds a session opened before the reset must sign in again: with the password alone, then through
    enrolment if their role requires a second factor."""
    disable_two_factor(user)
    return end_all_sessions(user)


def deactivate(user: User) -> None:
    """Deactivate an account and end all its sessions at once."""
    user.active = False
    end_all_sessions(user)
    from ..public_api.tokens import revoke_all  # its API tokens die with the account, even if it comes back

    revoke_all(user)
