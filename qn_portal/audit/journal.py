"""The journal page's filters and query: newest first, filtered by action, person, dates and outcome."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import to_utc
from flask_wtf import FlaskForm
from sqlalchemy import Select, func, or_, select
from wtforms import SelectField, StringField
from wtforms.validators import Length, Optional, ValidationError

from ..extensions import db
from ..form_fields import DayField, choices
from .models import AuditEntry

# The actions the core records (the association pages included). Plugins' own actions appear in the filter
# under their name as soon as one is recorded.
ACTION_LABELS = {
    "login": _l("Connexion"),
    "logout": _l("Déconnexion"),
    "password_reset.requested": _l("Demande de lien de réinitialisation"),
    "password_reset": _l("Réinitialisation du mot de passe"),
    "password_change": _l("Changement de mot de passe"),
    "sessions.ended": _l("Fermeture des autres sessions"),
    "invitation.sent": _l("Invitation envoyée"),
    "invitation.accept": _l("Invitation acceptée"),
    "membership.role_changed": _l("Rôle changé dans une association"),
    "membership.removed": _l("Retrait d'une association"),
    "association.created": _l("Association créée"),
    "association.updated": _l("Profil d'association modifié"),
    "neighbourhood.created": _l("Quartier ajouté"),
    "neighbourhood.updated": _l("Quartier modifié"),
    "neighbourhood.deleted": _l("Quartier supprimé"),
    "two_factor.enabled": _l("Double authentification activée"),
    "two_factor.disabled": _l("Double authentification désactivée"),
    "two_factor.reset": _l("Double authentification réinitialisée par l'administration"),
    "two_factor.recovery_codes_renewed": _l("Nouveaux codes de secours"),
    "two_factor.devices_revoked": _l("Navigateurs de confiance retirés"),
    "account.deactivated": _l("Compte désactivé"),
    "account.reactivated": _l("Compte réactivé"),
    "account.admin_granted": _l("Droits d'administration donnés (ligne de commande)"),
    "plugin.enabled": _l("Extension activée"),
    "plugin.disabled": _l("Extension désactivée"),
    "access": _l("Accès à une page"),
    "csrf": _l("Formulaire refusé (jeton de sécurité)"),
    "file.download": _l("Téléchargement d'un fichier"),
    "data.export": _l("Export de données personnelles"),
    "audit.purged": _l("Purge du journal"),
}

OUTCOME_LABELS = {
    "ok": _l("Réussite"),
    "failed": _l("Échec"),
    "refused": _l("Refus"),
    "bad_token": _l("Lien invalide ou expiré"),
}

class JournalFilterForm(FlaskForm):
    """Sent by GET (the filters are in the URL, pagination keeps them): no CSRF token."""

    class Meta:
        csrf = False

    action = SelectField(_l("Action"), validate_choice=False)
    person = StringField(
        _l("Personne (e-mail ou partie de l'e-mail)"),
        validators=[Optional(), Length(max=254, message=_l("254 caractères au plus."))],
        description=_l("Cherche la personne qui agit et celle sur qui porte l'action."),
    )
    date_from = DayField(_l("Du"), validators=[Optional()])
    date_to = DayField(_l("Au (inclus)"), validators=[Optional()])
    outcome = SelectField(_l("Résultat"), validate_choice=False)

    def set_choices(self, recorded_actions: list[str]) -> None:
        actions = set(ACTION_LABELS) | set(recorded_actions)
        labelled = sorted(((name, str(ACTION_LABELS.get(name, name))) for name in actions), key=lambda p: p[1])
        self.action.choices = choices([("", _("Toutes les actions"))] + labelled)
        self.outcome.choices = choices([("", _("Tous les résultats"))]
                                       + [(name, str(label)) for name, label in OUTCOME_LABELS.items()])

    def validate_action(self, field):
        if field.data and field.data not in {choice.value for choice in field.choices}:
            raise ValidationError(_("Choisissez une action de la liste."))

    def validate_outcome(self, field):
        if field.data and field.data not in OUTCOME_LABELS:
            raise ValidationError(_("Choisissez un résultat de la liste."))

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_("La date de fin précède la date de début."))


def recorded_actions() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).distinct()))


def start_of_day(day: date) -> datetime:
    """Midnight of ``day`` in the portal's time zone (BABEL_DEFAULT_TIMEZONE), as an aware UTC datetime."""
    return to_utc(datetime.combine(day, time.min)).replace(tzinfo=UTC)


def filtered_entries(form: JournalFilterForm) -> Select:
    """The select of the entries the form's valid filters keep, newest first (a field in error is ignored)."""
    statement = select(AuditEntry).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())

    def usable(field) -> bool:
        return bool(field.data) and not field.errors

    if usable(form.action):
        statement = statement.where(AuditEntry.action == form.action.data)
    if usable(form.outcome):
        statement = statement.where(AuditEntry.outcome == form.outcome.data)
    if usable(form.person) and form.person.data.strip():
        needle = form.person.data.strip().lower()
        statement = statement.where(or_(func.lower(AuditEntry.actor_email).contains(needle, autoescape=True),
                                        func.lower(AuditEntry.target).contains(needle, autoescape=True)))
    if usable(form.date_from):
        statement = statement.where(AuditEntry.created_at >= start_of_day(form.date_from.data))
    if usable(form.date_to):
        statement = statement.where(AuditEntry.created_at < start_of_day(form.date_to.data + timedelta(days=1)))
    return statement
