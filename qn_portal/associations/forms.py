"""Forms of the associations' pages. Every message is French, next to its field; nothing typed is lost.

Choice fields validate their own choices (``validate_choice=False`` and an inline validator): WTForms'
built-in messages are English and would say nothing useful ("Not a valid choice").
"""

from __future__ import annotations

from datetime import date
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import BooleanField, EmailField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp, ValidationError

from ..accounts.forms import PHONE_PATTERN
from ..extensions import db
from ..form_fields import CheckboxesField, WholeNumberField, choices
from .hours import EXAMPLE as HOURS_EXAMPLE
from .hours import opening_hours_problem
from .identifiers import compact, is_valid_rna, is_valid_siret
from .models import (
    ASSOCIATION_ROLES,
    CANDIDATE,
    DEFAULT_ROOM_CAPACITY,
    KIND_LABELS,
    MAX_ROOM_CAPACITY,
    ROLE_LABELS,
    STATUS_LABELS,
    STATUSES,
    WEEKDAY_LABELS,
    Neighbourhood,
)
from .territory import COMMUNES, NEIGHBOURHOOD_KINDS

FIRST_COHORT = 2019


def cohort_years() -> list[int]:
    return list(range(date.today().year + 1, FIRST_COHORT - 1, -1))


def neighbourhood_choices() -> list[SelectChoice]:
    """Every neighbourhood, grouped by commune (one query)."""
    rows = db.session.scalars(select(Neighbourhood).order_by(Neighbourhood.commune, Neighbourhood.name))
    options = [SelectChoice("", _l("— Non précisé —"))]
    options += [SelectChoice(str(n.id), f"{n.name} ({KIND_LABELS.get(n.kind, n.kind)})", optgroup=n.commune)
                for n in rows]
    return options


def valid_url(value: str) -> bool:
    parts = urlsplit(value)
    host = parts.hostname or ""
    return parts.scheme in ("http", "https") and "." in host and " " not in value


class AssociationForm(FlaskForm):
    """The profile. ``cohort`` and ``status`` are the programme's data: removed for non-coordinators."""

    name = StringField(_l("Nom de l'association"),
                       validators=[DataRequired(_l("Indiquez le nom de l'association.")),
                                   Length(max=200, message=_l("200 caractères au plus."))])
    summary = TextAreaField(
        _l("Présentation courte"),
        validators=[Length(max=3000, message=_l("3 000 caractères au plus."))],
        description=_l("Quelques lignes sur ce que fait l'association. Markdown accepté : **gras**, listes, liens."),
        render_kw={"rows": 5},
    )
    siret = StringField(_l("SIRET (facultatif)"), description=_l("14 chiffres, sans espaces ou avec."),
                        render_kw={"inputmode": "numeric"})
    rna = StringField(_l("Numéro RNA (facultatif)"), description=_l("W suivi de 9 chiffres, par exemple W332001234."))
    address = StringField(_l("Adresse"), validators=[Length(max=250, message=_l("250 caractères au plus."))],
                          render_kw={"autocomplete": "street-address"})
    postal_code = StringField(
        _l("Code postal"),
        validators=[Optional(), Regexp(r"^33[0-9]{3}$", message=_l("Indiquez un code postal de Gironde, par exemple 33300."))],
        render_kw={"inputmode": "numeric", "autocomplete": "postal-code"},
    )
    commune = SelectField(_l("Commune"), validate_choice=False,
                          choices=choices([("", _l("— Choisissez —"))] + [(c, c) for c in COMMUNES]))
    neighbourhood_id = SelectField(_l("Quartier prioritaire ou de veille"), validate_choice=False,
                                   description=_l("Le quartier doit être dans la commune choisie."))
    email = EmailField(_l("E-mail de contact"),
                       validators=[Optional(), Length(max=254, message=_l("254 caractères au plus.")),
                                   Email(_l("Cette adresse e-mail n'est pas valide."), check_deliverability=False)])
    phone = StringField(_l("Téléphone"), validators=[
        Optional(), Regexp(PHONE_PATTERN, message=_l("Ce numéro de téléphone n'est pas valide."))],
        render_kw={"inputmode": "tel", "autocomplete": "tel"})
    website = StringField(_l("Site web"), description=_l("Commence par https:// ou http://."),
                          validators=[Length(max=300, message=_l("300 caractères au plus."))],
                          render_kw={"inputmode": "url"})
    opening_hours = StringField(
        _l("Horaires d'accueil"),
        description=_l("Au format OpenStreetMap, par exemple : %(example)s", example=HOURS_EXAMPLE),
    )
    room_capacity = WholeNumberField(_l("Capacité de la salle de formation (personnes)"), default=DEFAULT_ROOM_CAPACITY,
                                     render_kw={"inputmode": "numeric"})
    room_days = CheckboxesField(_l("Jours où la salle est libre chaque semaine"), coerce=int,
                                choices=choices((day, label) for day, label in enumerate(WEEKDAY_LABELS)))
    share_contacts = BooleanField(
        _l("Montrer l'adresse, l'e-mail, le téléphone, le site et les numéros SIRET et RNA aux partenaires "
           "et aux autres associations"))
    cohort = SelectField(_l("Promotion"), validate_choice=False)
    status = SelectField(_l("Statut dans le programme"), validate_choice=False, default=CANDIDATE,
                         choices=choices(STATUS_LABELS.items()))

    def __init__(self, *args, programme: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.neighbourhood_id.choices = neighbourhood_choices()
        if programme:
            self.cohort.choices = choices([("", _l("— Aucune —"))] + [(str(y), str(y)) for y in cohort_years()])
        else:
            del self.cohort
            del self.status

    def validate_siret(self, field):
        value = compact(field.data)
        if value and not is_valid_siret(value):
            raise ValidationError(_l("Ce SIRET n'est pas valide : il faut 14 chiffres, dont le dernier est une clé "
                                     "de contrôle. Vérifiez-le sur votre avis de situation INSEE."))
        field.data = value

    def validate_rna(self, field):
        value = compact(field.data)
        if value and not is_valid_rna(value):
            raise ValidationError(_l("Ce numéro RNA n'est pas valide : W suivi de 9 chiffres."))
        field.data = value  # kept as typed when refused, so that it can be corrected

    def validate_commune(self, field):
        if not field.data:
            raise ValidationError(_l("Choisissez la commune de l'association."))
        if field.data not in COMMUNES:
            raise ValidationError(_l("Cette commune n'est pas dans Bordeaux Métropole."))

    def validate_neighbourhood_id(self, field):
        field.data = str(field.data or "")  # the stored id when the browser sent nothing
        if not field.data:
            return
        known = field.data.isascii() and field.data.isdigit() and len(field.data) < 10
        neighbourhood = db.session.get(Neighbourhood, int(field.data)) if known else None
        if neighbourhood is None:
            raise ValidationError(_l("Choisissez un quartier de la liste."))
        if self.commune.data in COMMUNES and neighbourhood.commune != self.commune.data:
            raise ValidationError(_l("%(name)s est à %(commune)s, pas à %(chosen)s.", name=neighbourhood.name,
                                     commune=neighbourhood.commune, chosen=self.commune.data))

    def validate_website(self, field):
        field.data = (field.data or "").strip()
        if field.data and not valid_url(field.data):
            raise ValidationError(_l("Indiquez une adresse web complète, commençant par https:// ou http://."))

    def validate_opening_hours(self, field):
        field.data = (field.data or "").strip()
        problem = opening_hours_problem(field.data) if field.data else None
        if problem:
            raise ValidationError(problem)

    def validate_room_capacity(self, field):
        if field.process_errors:
            return  # "not a number" is already said
        if field.data is None:
            raise ValidationError(_l("Indiquez combien de personnes la salle peut accueillir."))
        if not 1 <= field.data <= MAX_ROOM_CAPACITY:
            raise ValidationError(_l("Indiquez un nombre entre 1 et %(max)d.", max=MAX_ROOM_CAPACITY))

    def validate_cohort(self, field):
        field.data = str(field.data or "")
        if field.data and field.data not in {str(year) for year in cohort_years()}:
            raise ValidationError(_l("Choisissez une promotion de la liste."))

    def validate_status(self, field):
        if field.data not in STATUSES:
            raise ValidationError(_l("Choisissez un statut de la liste."))


class NeighbourhoodForm(FlaskForm):
    name = StringField(_l("Nom du quartier"), validators=[
        DataRequired(_l("Indiquez le nom du quartier.")), Length(max=150, message=_l("150 caractères au plus."))])
    commune = SelectField(_l("Commune"), validate_choice=False,
                          choices=choices([("", _l("— Choisissez —"))] + [(c, c) for c in COMMUNES]))
    kind = SelectField(_l("Type"), validate_choice=False, choices=choices(
        (kind, KIND_LABELS[kind]) for kind in NEIGHBOURHOOD_KINDS))
    code = StringField(_l("Code officiel (facultatif)"),
                       description=_l("Le code du quartier dans la liste officielle, par exemple QN03301M."),
                       validators=[Optional(), Length(max=20, message=_l("20 caractères au plus.")),
                                   Regexp(r"^[A-Za-z0-9_-]+$", message=_l("Lettres, chiffres et tirets seulement."))])

    def __init__(self, *args, editing: Neighbourhood | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.editing = editing

    def validate_commune(self, field):
        if field.data not in COMMUNES:
            raise ValidationError(_l("Choisissez une commune de Bordeaux Métropole."))

    def validate_kind(self, field):
        if field.data not in NEIGHBOURHOOD_KINDS:
            raise ValidationError(_l("Choisissez un type de la liste."))

    def validate_name(self, field):
        field.data = (field.data or "").strip()
        if self.commune.data not in COMMUNES or not field.data:
            return
        statement = select(Neighbourhood.id).where(
            Neighbourhood.commune == self.commune.data, func.lower(Neighbourhood.name) == field.data.lower())
        if self.editing is not None:
            statement = statement.where(Neighbourhood.id != self.editing.id)
        if db.session.scalar(statement) is not None:
            raise ValidationError(_l("Ce quartier existe déjà dans cette commune."))


class DirectoryFilterForm(FlaskForm):
    """The directory's filters: a GET form (no CSRF: it changes nothing), every field optional."""

    class Meta:
        csrf = False

    commune = SelectField(_l("Commune"), validate_choice=False)
    neighbourhood = SelectField(_l("Quartier"), validate_choice=False)
    cohort = SelectField(_l("Promotion"), validate_choice=False)
    status = SelectField(_l("Statut"), validate_choice=False)

    def set_choices(self, communes, neighbourhoods, cohorts) -> None:
        everything = [("", _l("Toutes"))]
        self.commune.choices = choices(everything + [(c, c) for c in communes])
        self.neighbourhood.choices = [SelectChoice("", _l("Tous"))] + [
            SelectChoice(str(n.id), n.name, optgroup=n.commune) for n in neighbourhoods]
        self.cohort.choices = choices(everything + [(str(year), str(year)) for year in cohorts])
        self.status.choices = choices([("", _l("Tous"))] + list(STATUS_LABELS.items()))

    def selected(self, field) -> str:
        """The field's value if it is one of its choices, else "" (an unknown value filters nothing)."""
        value = field.data or ""
        return value if value and value in {choice.value for choice in field.choices} else ""


class MemberRoleForm(FlaskForm):
    role = SelectField(_l("Rôle"), validate_choice=False, choices=choices(ROLE_LABELS.items()))

    def validate_role(self, field):
        if field.data not in ASSOCIATION_ROLES:
            raise ValidationError(_l("Choisissez un rôle de la liste."))


class ConfirmForm(FlaskForm):
    """No fields: the CSRF token is the point."""


class SwitchAssociationForm(FlaskForm):
    association_id = SelectField(_l("Association en cours"), validate_choice=False)
