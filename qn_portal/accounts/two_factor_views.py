"""Two-factor pages on the auth blueprint: the code step of sign-in, enrolment, recovery codes, trusted browsers,
switching it off, and the guard that keeps a person whose role requires it on the enrolment page until it is on.
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import format_timedelta
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..extensions import db
from ..page_cache import no_page_cache
from ..security import audit
from . import pending, two_factor
from .forms import DisableTwoFactorForm, RecoveryLoginForm, SecondFactorForm, TwoFactorCodeForm
from .passwords import verify_password
from .sessions import end_other_sessions, start_session
from .views import (
    ROLE_LABELS,
    after_sign_in,
    bp,
    code_account_limit,
    code_address_limit,
    wrong_answer,
)

# What a person who must enrol can still reach: the enrolment itself, signing out, the language switch (to
# read the enrolment page in their language) and the static files.
OPEN_DURING_ENROLMENT = frozenset({"auth.two_factor", "auth.start_two_factor", "auth.logout", "main.set_language",
                                   "static"})


@bp.before_app_request
def require_enrolment():
    """A signed-in person whose role requires a second factor they lack is sent to enrolment, from any page."""
    endpoint = request.endpoint or ""
    if endpoint in OPEN_DURING_ENROLMENT or endpoint.endswith(".static"):
        return None
    if not current_user.is_authenticated or not two_factor.is_required(current_user):
        return None
    if two_factor.is_enabled(current_user):
        return None
    message = _("Votre rôle demande la double authentification : activez-la pour continuer.")
    # Once: several redirections before the enrolment page is shown must not stack the same message.
    if message not in [text for _category, text in session.get("_flashes", [])]:
        flash(message, "error")
    return redirect(url_for("auth.two_factor"))


def trust_label() -> str:
    return _("Ne plus demander de code sur ce navigateur pendant %(duration)s",
             duration=format_timedelta(current_app.config["TRUSTED_DEVICE_MAX_AGE"], threshold=1))


# --- the code step of sign-in ----------------------------------------------------------------------------------


def _start_again():
    """No sign-in is waiting (or it waited too long): back to the password."""
    if pending.started():
        pending.end()
        flash(_("Le délai pour saisir le code est dépassé. Connectez-vous de nouveau."), "error")
    return redirect(url_for("auth.login"))


def _finish_sign_in(user, trust: bool, method: str):
    """The second factor is right: sign in as the password step would have, and remember the browser if asked."""
    waiting = pending.end()
    start_session(user, remember=bool(waiting.get("remember")))
    token = two_factor.trust_device(user, request.user_agent.string) if trust else None
    db.session.commit()
    audit("login", user_id=user.id, second_factor=method, trusted_device=token is not None)
    response = redirect(after_sign_in(user, waiting.get("next") or None))
    if token:
        response.set_cookie(two_factor.TRUSTED_COOKIE, token,
                            max_age=int(current_app.config["TRUSTED_DEVICE_MAX_AGE"].total_seconds()),
                            httponly=True, secure=current_app.config["SESSION_COOKIE_SECURE"], samesite="Lax")
    return response


@bp.route("/connexion/code", methods=["GET", "POST"])
@code_account_limit
@code_address_limit
def second_factor():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    user = pending.user()
    if user is None:
        return _start_again()
    form = SecondFactorForm()
    form.trust.label.text = trust_label()
    if form.validate_on_submit():
        if two_factor.verify_code(user, form.code.data):
            return _finish_sign_in(user, form.trust.data, "totp")
        wrong_answer()
        audit("login", outcome="failed", user_id=user.id, second_factor="totp")
        form.code.errors.append(_("Ce code n'est pas valable ou a déjà servi. Saisissez le code que l'application "
                                  "affiche maintenant."))
    return render_template("auth/second_factor.html", form=form)


@bp.route("/connexion/code-de-secours", methods=["GET", "POST"])
@code_account_limit
@code_address_limit
def recovery_login():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    user = pending.user()
    if user is None:
        return _start_again()
    form = RecoveryLoginForm()
    form.trust.label.text = trust_label()
    if form.validate_on_submit():
        if two_factor.use_recovery_code(user, form.recovery_code.data):
            remaining = two_factor.remaining_recovery_codes(user)
            response = _finish_sign_in(user, form.trust.data, "recovery_code")
            flash(_("Code de secours accepté : il ne servira plus. Il vous en reste %(count)d ; vous pouvez en "
                    "créer de nouveaux depuis la page Double authentification.", count=remaining), "success")
            return response
        wrong_answer()
        audit("login", outcome="failed", user_id=user.id, second_factor="recovery_code")
        form.recovery_code.errors.append(_("Ce code de secours n'est pas valable ou a déjà servi."))
    return render_template("auth/recovery_login.html", form=form)


# --- enrolment and status --------------------------------------------------------------------------------------


def _enrolment_page(form):
    user = current_user
    qr = secret = None
    if user.totp_secret and not two_factor.is_enabled(user):
        qr = two_factor.qr_svg(two_factor.provisioning_uri(user),
                               _("QR code à scanner avec votre application d'authentification"))
        secret = two_factor.grouped_secret(user.totp_secret)
    return render_template(
        "auth/two_factor.html", form=form, enabled=two_factor.is_enabled(user), required=two_factor.is_required(user),
        role_label=ROLE_LABELS.get(user.role, user.role), qr=qr, secret=secret,
        remaining=two_factor.remaining_recovery_codes(user) if two_factor.is_enabled(user) else 0,
        devices=len(two_factor.trusted_devices(user)) if two_factor.is_enabled(user) else 0,
    )


# Endpoint "auth.two_factor": a function of that name would hide the service module.
@bp.route("/compte/double-authentification", methods=["GET", "POST"], endpoint="two_factor")
@login_required
@code_account_limit
@no_page_cache  # the enrolment page shows the secret to scan: never copied to Redis
def two_factor_page():
    """Status when on; otherwise the enrolment: scan (or type) the secret, then confirm with a first code."""
    form = TwoFactorCodeForm()
    if request.method == "POST":
        if two_factor.is_enabled(current_user) or not current_user.totp_secret:
            return redirect(url_for("auth.two_factor"))
        if form.validate_on_submit():
            codes = two_factor.confirm_enrolment(current_user, form.code.data)
            if codes is not None:
                # Sessions opened without the second factor end: from now on every sign-in asks for it.
                ended = end_other_sessions(current_user)
                db.session.commit()
                audit("two_factor.enabled", sessions_ended=ended)
                return render_template("auth/recovery_codes_shown.html", codes=codes, first=True,
                                       sessions_ended=ended)
            wrong_answer()
            audit("two_factor.enabled", outcome="failed")
            form.code.errors.append(_("Ce code ne correspond pas. Vérifiez que l'heure de votre téléphone est "
                                      "juste, puis saisissez le code affiché maintenant."))
    return _enrolment_page(form)


@bp.route("/compte/double-authentification/activer", methods=["POST"])
@login_required
def start_two_factor():
    """A new secret to scan (GET never writes: the secret is made here, then shown by the page)."""
    if not two_factor.is_enabled(current_user):
        two_factor.start_enrolment(current_user)
        db.session.commit()
    return redirect(url_for("auth.two_factor"))


@bp.route("/compte/double-authentification/codes-de-secours", methods=["GET", "POST"])
@login_required
@code_account_limit
def recovery_codes():
    """New recovery codes for a current code; the old ones stop working."""
    if not two_factor.is_enabled(current_user):
        return redirect(url_for("auth.two_factor"))
    form = TwoFactorCodeForm()
    if form.validate_on_submit():
        if two_factor.verify_code(current_user, form.code.data):
            codes = two_factor.new_recovery_codes(current_user)
            db.session.commit()
            audit("two_factor.recovery_codes_renewed")
            return render_template("auth/recovery_codes_shown.html", codes=codes, first=False)
        wrong_answer()
        audit("two_factor.recovery_codes_renewed", outcome="failed")
        form.code.errors.append(_("Ce code n'est pas valable ou a déjà servi."))
    return render_template("auth/recovery_codes.html", form=form,
                           remaining=two_factor.remaining_recovery_codes(current_user))


@bp.route("/compte/double-authentification/desactiver", methods=["GET", "POST"])
@login_required
@code_account_limit
def disable_two_factor():
    if not two_factor.is_enabled(current_user):
        return redirect(url_for("auth.two_factor"))
    if two_factor.is_required(current_user):
        flash(_("Votre rôle demande la double authentification : elle ne peut pas être désactivée."), "error")
        return redirect(url_for("auth.two_factor"))
    form = DisableTwoFactorForm()
    if form.validate_on_submit():
        proved = (verify_password(current_user.password_hash, form.current_password.data) if form.current_password.data
                  else two_factor.verify_code(current_user, form.code.data))
        if proved:
            two_factor.disable(current_user)
            # Whoever switches it off may be someone who took over this session: the account's other sessions
            # end, as with a password change.
            ended = end_other_sessions(current_user)
            db.session.commit()
            audit("two_factor.disabled", sessions_ended=ended)
            flash(_("La double authentification est désactivée. Vos codes de secours et vos navigateurs de "
                    "confiance ont été effacés, et vos autres sessions ont été fermées."), "success")
            return redirect(url_for("auth.two_factor"))
        wrong_answer()
        audit("two_factor.disabled", outcome="failed")
        wrong = form.current_password if form.current_password.data else form.code
        wrong.errors.append(_("Le mot de passe actuel est incorrect.") if wrong is form.current_password
                            else _("Ce code n'est pas valable ou a déjà servi."))
    return render_template("auth/disable_two_factor.html", form=form)


# --- trusted browsers ------------------------------------------------------------------------------------------


@bp.route("/compte/double-authentification/appareils")
@login_required
def trusted_devices():
    devices = two_factor.trusted_devices(current_user)
    here = two_factor.trusted_device(current_user, request.cookies.get(two_factor.TRUSTED_COOKIE))
    return render_template("auth/trusted_devices.html", devices=devices, here_id=here.id if here else None)


@bp.route("/compte/double-authentification/appareils/<int:device_id>/retirer", methods=["POST"])
@login_required
def revoke_trusted_device(device_id: int):
    # Only the person's own rows are deleted: someone else's id is simply not found.
    if not two_factor.revoke_trusted_devices(current_user, device_id):
        abort(404)
    db.session.commit()
    audit("two_factor.devices_revoked", count=1)
    flash(_("Ce navigateur demandera de nouveau le code à la prochaine connexion."), "success")
    return redirect(url_for("auth.trusted_devices"))


@bp.route("/compte/double-authentification/appareils/retirer-tous", methods=["POST"])
@login_required
def revoke_all_trusted_devices():
    count = two_factor.revoke_trusted_devices(current_user)
    db.session.commit()
    audit("two_factor.devices_revoked", count=count)
    flash(_("Tous vos navigateurs demanderont de nouveau le code à la prochaine connexion."), "success")
    response = redirect(url_for("auth.trusted_devices"))
    response.delete_cookie(two_factor.TRUSTED_COOKIE, httponly=True,
                           secure=current_app.config["SESSION_COOKIE_SECURE"], samesite="Lax")
    return response
