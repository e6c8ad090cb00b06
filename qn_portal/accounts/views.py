"""Sign-in, sign-out, invitations, password reset and the profile page."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import format_timedelta
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from ..associations.models import ASSOCIATION_ROLES, Association
from ..extensions import db, limiter
from ..permissions import require
from ..security import audit, safe_next_url
from . import pending, services, two_factor
from .forms import (
    AcceptInvitationForm,
    ChangePasswordForm,
    ForgotPasswordForm,
    InviteForm,
    LoginForm,
    ProfileForm,
    SetPasswordForm,
    choices,
)
from .models import PLATFORM_ROLES, User, normalise_email
from .passwords import verify_password
from .sessions import end_current_session, end_other_sessions, start_session
from .tokens import INVITATION, RESET, read_token

bp = Blueprint("auth", __name__)

ROLE_LABELS = {
    "admin": _l("Administration du portail"),
    "coordinator": _l("Coordination (BMS)"),
    "partner": _l("Partenaire"),
    "member": _l("Membre d'une association"),
}


def _email_key() -> str:
    """Rate-limit key for the account being tried, known or not, so both answer alike."""
    return "account:" + normalise_email(request.form.get("email", ""))[:254]


def _account_key() -> str:
    """Rate-limit key of the account at stake: the e-mail typed at sign-in, the account whose password was right
    at the code step, the signed-in person on their own second-factor and password pages. One key, so that
    failed passwords and failed codes draw on the same allowance."""
    if request.endpoint in pending.CODE_STEPS:
        waiting = pending.user()
        return "account:" + normalise_email(waiting.email if waiting else "")
    if request.endpoint != "auth.login" and current_user.is_authenticated:
        return "account:" + normalise_email(current_user.email)
    return _email_key()


def _failed(response) -> bool:
    # Only failed attempts count against the limits; a successful sign-in redirects.
    return response.status_code != 302


def wrong_answer() -> None:
    """Count this request against the sign-in limits: a code or password was wrong (see ``_answered_wrong``)."""
    g.qn_wrong_answer = True


def _answered_wrong(response) -> bool:
    # The second-factor pages answer 200 on success too (recovery codes are shown at once): they say themselves.
    return bool(g.get("qn_wrong_answer"))


def _account_limit():
    return current_app.config["RATELIMIT_LOGIN_ACCOUNT"]


def _address_limit():
    return current_app.config["RATELIMIT_LOGIN_ADDRESS"]


# Shared limits (one scope, one key): a wrong password and a wrong code count against the same allowance, per
# account and per address, wherever they are typed.
account_limit = limiter.shared_limit(_account_limit, scope="login-account", key_func=_account_key,
                                     methods=["POST"], deduct_when=_failed)
address_limit = limiter.shared_limit(_address_limit, scope="login-address", methods=["POST"], deduct_when=_failed)
code_account_limit = limiter.shared_limit(_account_limit, scope="login-account", key_func=_account_key,
                                          methods=["POST"], deduct_when=_answered_wrong)
code_address_limit = limiter.shared_limit(_address_limit, scope="login-address", methods=["POST"],
                                          deduct_when=_answered_wrong)


def after_sign_in(user: User, next_url: str | None) -> str:
    """Where a person goes once signed in: enrolment first if their role requires a second factor they lack."""
    if two_factor.is_required(user) and not two_factor.is_enabled(user):
        return url_for("auth.two_factor")
    return next_url or url_for("main.dashboard")


@bp.route("/connexion", methods=["GET", "POST"])
@account_limit
@address_limit
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        user = User.by_email(form.email.data)
        password_ok = verify_password(user.password_hash if user else None, form.password.data)
        if user is not None and user.active and password_ok:
            next_url = safe_next_url(request.args.get("next"))
            if two_factor.is_enabled(user):
                if two_factor.trusted_device(user, request.cookies.get(two_factor.TRUSTED_COOKIE)) is None:
                    # Not signed in yet: the code step (two_factor_views.py) finishes the sign-in.
                    pending.begin(user, remember=form.remember.data, next_url=next_url)
                    return redirect(url_for("auth.second_factor"))
                details = {"second_factor": "trusted_device"}
            else:
                details = {}
            start_session(user, remember=form.remember.data)
            db.session.commit()
            audit("login", user_id=user.id, **details)
            return redirect(after_sign_in(user, next_url))
        audit("login", outcome="failed", email=normalise_email(form.email.data))
        form.password.errors.append(_("Adresse e-mail ou mot de passe incorrect."))
    return render_template("auth/login.html", form=form)


@bp.route("/deconnexion", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        audit("logout")
        end_current_session(current_user)
        db.session.commit()
    flash(_("Vous êtes déconnecté·e."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/mot-de-passe-oublie", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_MAIL_ACCOUNT"], key_func=_email_key, methods=["POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_MAIL_ADDRESS"], methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        user = User.by_email(form.email.data)
        if user is not None and user.active and user.password_hash:
            services.send_reset_link(user)
        audit("password_reset.requested", email=normalise_email(form.email.data))
        # The same answer whether or not the address has an account.
        flash(_("Si un compte existe pour cette adresse, un lien de réinitialisation vient d'y être envoyé. "
                "Il est valable %(duration)s.", duration=format_timedelta(current_app.config["RESET_MAX_AGE"],
                                                                          threshold=1)), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form)


@bp.route("/reinitialiser/<token>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN_ADDRESS"], methods=["POST"])
def reset_password(token: str):
    user = read_token(token, RESET)
    if user is None:
        audit("password_reset", outcome="bad_token")
        return render_template("auth/token_invalid.html"), 400
    form = SetPasswordForm()
    form.user_inputs = [user.email, user.name]
    if form.validate_on_submit():
        services.set_password(user, form.password.data, keep_current_session=False)
        db.session.commit()
        audit("password_reset", user_id=user.id)
        flash(_("Votre mot de passe a été changé. Connectez-vous avec le nouveau."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form)


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN_ADDRESS"], methods=["POST"])
def accept_invitation(token: str):
    user = read_token(token, INVITATION)
    if user is None or user.password_hash:
        audit("invitation.accept", outcome="bad_token")
        return render_template("auth/token_invalid.html"), 400
    form = AcceptInvitationForm(name=user.name)
    form.user_inputs = [user.email, form.name.data or ""]
    if form.validate_on_submit():
        user.name = form.name.data.strip()
        services.set_password(user, form.password.data, keep_current_session=False)
        start_session(user)
        db.session.commit()
        audit("invitation.accept", user_id=user.id)
        flash(_("Bienvenue sur le portail Quartiers Numériques !"), "success")
        return redirect(url_for("main.dashboard"))
    return render_template("auth/accept_invitation.html", form=form, user=user)


@bp.route("/compte", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        current_user.name = form.name.data.strip()
        current_user.phone = (form.phone.data or "").strip()
        current_user.notify_email = form.notify_email.data
        current_user.locale = form.locale.data
        db.session.commit()
        flash(_("Votre profil est enregistré."), "success")
        return redirect(url_for("auth.profile"))
    from ..public_api.token_views import profile_context

    return render_template("auth/profile.html", form=form, **profile_context())


@bp.route("/compte/mot-de-passe", methods=["GET", "POST"])
@login_required
@code_account_limit  # a wrong current password is a guess, as at sign-in: it draws on the same allowance
def change_password():
    form = ChangePasswordForm()
    form.user_inputs = [current_user.email, current_user.name]
    if form.validate_on_submit():
        if not verify_password(current_user.password_hash, form.current_password.data):
            wrong_answer()
            audit("password_change", outcome="failed")
            form.current_password.errors.append(_("Le mot de passe actuel est incorrect."))
        else:
            services.set_password(current_user, form.password.data, keep_current_session=True)
            db.session.commit()
            audit("password_change")
            flash(_("Votre mot de passe a été changé. Vos autres sessions ont été fermées."), "success")
            return redirect(url_for("auth.profile"))
    return render_template("auth/change_password.html", form=form)


@bp.route("/compte/autres-sessions", methods=["POST"])
@login_required
def end_sessions():
    count = end_other_sessions(current_user)
    db.session.commit()
    audit("sessions.ended", count=count)
    flash(_("Vos autres sessions ont été fermées."), "success")
    return redirect(url_for("auth.profile"))


@bp.route("/inviter", methods=["GET", "POST"])
@login_required
@limiter.limit(lambda: current_app.config["RATELIMIT_INVITE"], key_func=lambda: f"inviter:{current_user.id}",
               methods=["POST"])
def invite():
    require("accounts.invite")
    form = InviteForm()
    roles = services.invitable_roles(current_user)
    associations = services.invitable_associations(current_user)
    form.role.choices = choices((role, ROLE_LABELS[role]) for role in roles if role in PLATFORM_ROLES)
    form.association_id.choices = choices([("", _("— Aucune —"))] + [(str(a.id), a.name) for a in associations])
    if request.method == "GET" and len(associations) == 1 and roles == ["member"]:
        form.association_id.data = str(associations[0].id)
    # "Invite into this association" links from its members page: preselect it, if the inviter may.
    preselected = request.args.get("association", "")
    if request.method == "GET" and preselected in {str(a.id) for a in associations}:
        form.association_id.data = preselected
        form.role.data = "member"
    if form.validate_on_submit():
        association = None
        if form.association_id.data:
            association = db.session.get(Association, int(form.association_id.data))
            if association is None:
                abort(400)
            require("associations.manage_members", association)
        association_role = form.association_role.data if form.association_role.data in ASSOCIATION_ROLES else None
        services.invite(current_user, form.email.data, form.name.data or "", form.role.data, association,
                        association_role)
        audit("invitation.sent", email=normalise_email(form.email.data), role=form.role.data,
              association_id=association.id if association else None)
        flash(_("Invitation envoyée à %(email)s.", email=normalise_email(form.email.data)), "success")
        return redirect(url_for("auth.invite"))
    return render_template("auth/invite.html", form=form)


# The second-factor pages and the enrolment guard register on this blueprint.
from . import two_factor_views  # noqa: E402, F401
