"""Account forms. Every field validates and says what is wrong, in the user's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, Regexp, ValidationError

from ..form_fields import choices
from .passwords import MAX_LENGTH, password_problem

EMAIL_REQUIRED = _l("Indiquez une adresse e-mail.")
EMAIL_INVALID = _l("Cette adresse e-mail n'est pas valide.")


def email_field(label=None):
    return EmailField(
        label or _l("Adresse e-mail"),
        validators=[DataRequired(EMAIL_REQUIRED), Length(max=254), Email(EMAIL_INVALID, check_deliverability=False)],
        render_kw={"autocomplete": "email"},
    )


class LoginForm(FlaskForm):
    email = email_field()
    password = PasswordField(
        _l("Mot de passe"),
        validators=[DataRequired(_l("Indiquez votre mot de passe.")), Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Rester connecté sur cet appareil (30 jours)"))


class ForgotPasswordForm(FlaskForm):
    email = email_field()


class NewPasswordMixin:
    """A new password typed twice, checked against the policy and the person's own details."""

    user_inputs: list[str] = []

    def validate_password(self, field):
        problem = password_problem(field.data or "", self.user_inputs)
        if problem:
            raise ValidationError(problem)


class SetPasswordForm(NewPasswordMixin, FlaskForm):
    password = PasswordField(
        _l("Nouveau mot de passe"),
        validators=[DataRequired(_l("Choisissez un mot de passe."))],
        description=_l("Au moins 12 caractères. Une phrase de plusieurs mots est facile à retenir et difficile à deviner."),
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Confirmez le mot de passe"),
        validators=[DataRequired(_l("Confirmez le mot de passe.")), EqualTo("password", _l("Les deux mots de passe ne sont pas identiques."))],
        render_kw={"autocomplete": "new-password"},
    )


class AcceptInvitationForm(SetPasswordForm):
    name = StringField(
        _l("Prénom et nom"),
        validators=[DataRequired(_l("Indiquez votre prénom et votre nom.")), Length(max=120)],
        render_kw={"autocomplete": "name"},
    )


class ChangePasswordForm(SetPasswordForm):
    current_password = PasswordField(
        _l("Mot de passe actuel"),
        validators=[DataRequired(_l("Indiquez votre mot de passe actuel.")), Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )


PHONE_PATTERN = r"^\+?[0-9 .()-]{6,20}$"


class ProfileForm(FlaskForm):
    name = StringField(
        _l("Prénom et nom"),
        validators=[DataRequired(_l("Indiquez votre prénom et votre nom.")), Length(max=120)],
        render_kw={"autocomplete": "name"},
    )
    phone = StringField(
        _l("Téléphone (facultatif)"),
        validators=[Optional(), Regexp(PHONE_PATTERN, message=_l("Ce numéro de téléphone n'est pas valide."))],
        render_kw={"autocomplete": "tel", "inputmode": "tel"},
    )
    notify_email = RadioField(
        _l("Notifications par e-mail"),
        choices=choices([
            ("immediate", _l("À chaque nouveauté")),
            ("daily", _l("Un résumé par jour")),
            ("none", _l("Jamais (seulement sur le portail)")),
        ]),
        validators=[DataRequired(_l("Choisissez une option."))],
    )
    locale = RadioField(
        _l("Langue de l'interface"),
        choices=choices([("fr", "Français"), ("en", "English")]),
        validators=[DataRequired(_l("Choisissez une option."))],
    )


class InviteForm(FlaskForm):
    """Choices are set per inviter in the view: nobody can grant a role the form did not offer them."""

    email = email_field()
    name = StringField(_l("Prénom et nom (facultatif)"), validators=[Optional(), Length(max=120)])
    role = SelectField(_l("Rôle sur le portail"), validators=[DataRequired(_l("Choisissez un rôle."))])
    # No Optional() here: it would stop the chain before validate_association_id when the field is empty.
    association_id = SelectField(_l("Association"), coerce=str, default="")
    association_role = SelectField(
        _l("Rôle dans l'association"),
        choices=choices([("mediator", _l("Médiateur ou médiatrice")), ("manager", _l("Direction de l'association"))]),
        validators=[Optional()],
    )

    def validate_association_id(self, field):
        if self.role.data == "member" and not field.data:
            raise ValidationError(_l("Choisissez l'association de cette personne."))
        if self.role.data != "member" and field.data:
            raise ValidationError(_l("Seuls les membres d'une association sont rattachés à une association."))


class DeactivateForm(FlaskForm):
    """No fields: the CSRF token is the point."""


# --- Two-factor sign-in (two_factor_views.py) ---------------------------------------------------------------

# One-time codes: the phone's keyboard shows digits, and the browser may offer the code received (autofill).
CODE_INPUT = {"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false", "autocapitalize": "off"}
# Recovery codes hold letters: a text keyboard, nothing remembered by the browser.
RECOVERY_INPUT = {"autocomplete": "off", "spellcheck": "false", "autocapitalize": "off"}


def code_field(label=None, required: bool = True) -> StringField:
    return StringField(
        label or _l("Code à 6 chiffres"),
        validators=[DataRequired(_l("Indiquez le code affiché par votre application.")) if required else Optional(),
                    Length(max=20, message=_l("Le code compte 6 chiffres."))],
        description=_l("Le code que votre application d'authentification affiche en ce moment pour le portail."),
        render_kw=CODE_INPUT,
    )


class TwoFactorCodeForm(FlaskForm):
    """A current code from the authenticator app."""

    code = code_field()


class TrustMixin:
    # The label names the duration, which comes from the settings: the view sets it (see ``trust_label``).
    trust = BooleanField(_l("Ne plus demander de code sur ce navigateur"))


class SecondFactorForm(TrustMixin, TwoFactorCodeForm):
    pass


class RecoveryLoginForm(TrustMixin, FlaskForm):
    recovery_code = StringField(
        _l("Code de secours"),
        validators=[DataRequired(_l("Indiquez l'un de vos codes de secours.")),
                    Length(max=40, message=_l("Un code de secours compte 16 caractères."))],
        description=_l("L'un des dix codes reçus en activant la double authentification (par exemple abcd-efgh-jkmn-pqrs). "
                       "Chacun ne sert qu'une fois."),
        render_kw=RECOVERY_INPUT,
    )


class DisableTwoFactorForm(FlaskForm):
    """The current password or a current code: whoever borrowed an open session cannot remove the second factor."""

    current_password = PasswordField(
        _l("Mot de passe actuel"),
        # No Optional() here: it would stop the chain before validate_current_password when the field is empty.
        validators=[Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )
    code = code_field(_l("ou un code à 6 chiffres de votre application"), required=False)

    def validate_current_password(self, field):
        if not field.data and not self.code.data:
            raise ValidationError(_l("Indiquez votre mot de passe actuel ou un code de votre application."))
