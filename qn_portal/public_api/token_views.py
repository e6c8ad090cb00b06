"""The profile page's API token section: create a token (its secret shown once) and revoke one."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ..audit.service import audit
from ..extensions import db
from ..form_fields import choices
from . import tokens
from .models import ApiToken
from .registry import scope_labels

bp = Blueprint("api_tokens", __name__)


def token_form() -> tokens.ApiTokenForm:
    form = tokens.ApiTokenForm(prefix="api")
    form.scopes.choices = choices(scope_labels().items())
    return form


def profile_context(form: tokens.ApiTokenForm | None = None) -> dict:
    """What the profile page shows of the API: the person's tokens and the form for a new one."""
    return {"api_tokens": tokens.live_tokens(current_user), "api_token_form": form or token_form(),
            "api_scope_labels": scope_labels(), "now": tokens.utcnow()}


@bp.route("/compte/jetons-api", methods=["POST"])
@login_required
def create():
    from ..accounts.forms import ProfileForm

    form = token_form()
    if form.validate_on_submit():
        if tokens.count_live(current_user) >= tokens.MAX_TOKENS:
            form.name.errors.append(_("Vous avez déjà %(count)d jetons : révoquez-en un avant d'en créer un autre.",
                                      count=tokens.MAX_TOKENS))
            return render_template("auth/profile.html", form=ProfileForm(obj=current_user), **profile_context(form))
        token, secret = tokens.create_token(current_user, form.name.data, form.scopes.data or [],
                                            form.expires_on.data)
        db.session.commit()
        audit("api_token.created", token_id=token.id, scopes=token.scopes or "-")
        return render_template("auth/api_token_created.html", token=token, secret=secret,
                               scope_labels=scope_labels())
    return render_template("auth/profile.html", form=ProfileForm(obj=current_user), **profile_context(form))


@bp.route("/compte/jetons-api/<int:token_id>/revoquer", methods=["POST"])
@login_required
def revoke(token_id: int):
    token = db.session.scalar(select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == current_user.id,
                                                     ApiToken.revoked_at.is_(None)))
    if token is None:
        abort(404)  # someone else's token, or one already revoked: nothing to say about it
    tokens.revoke(token)
    db.session.commit()
    audit("api_token.revoked", token_id=token.id)
    flash(_("Le jeton « %(name)s » est révoqué : il ne donne plus accès à l'API.", name=token.name), "success")
    return redirect(url_for("auth.profile") + "#api-tokens")
