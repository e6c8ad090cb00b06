"""Forms of the workshops plugin. French messages next to each field; what was typed is kept.

Days are the portal's ``DayField`` (the browser's date input, or JJ/MM/AAAA typed by hand); times are text
fields with the browser's time input and our own parsing, so that a malformed value gets a French message
(WTForms' own are English).
"""

from __future__ import annotations

from datetime import date, datetime, time

from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp, ValidationError

from qn_portal.api import (
    CheckboxesField,
    ChoiceField,
    DayField,
    DayRequired,
    FlaskForm,
    WholeNumberField,
    choices,
)
from qn_portal.api import lazy_gettext as _l

from .vocabulary import LEVELS, THEMES

PHONE_PATTERN = r"^\+?[0-9 .()-]{6,20}$"




def parse_date(text: str | None) -> date | None:
    """An AAAA-MM-JJ day (an agenda link's ``?date=``, an exception), ``None`` if it is not one.

    The years that ``DayField`` accepts only: the agenda adds up to a year to the day and converts it to
    UTC, which overflows near the ends of the calendar (``?date=9999-12-31`` was an error 500).
    """
    try:
        day = date.fromisoformat((text or "").strip())
    except ValueError:
        return None
    return day if DayField.FIRST_YEAR <= day.year <= DayField.LAST_YEAR else None


def parse_time(text: str | None) -> time | None:
    try:
        return datetime.strptime((text or "").strip(), "%H:%M").time()
    except ValueError:
        return None


# The example says what the browser's date input sends; typing 12/03/2026 works as well.
DATE_MESSAGE = _l("Indiquez une date au format AAAA-MM-JJ, par exemple 2026-03-12.")


def check_time(form, field):
    if field.data and parse_time(field.data) is None:
        raise ValidationError(_l("Indiquez une heure au format HH:MM, par exemple 14:00."))


class RoomForm(FlaskForm):
    association_id = ChoiceField(_l("Association"))
    name = StringField(_l("Nom de la salle"), validators=[DataRequired(_l("Indiquez le nom de la salle.")),
                                                         Length(max=120, message=_l("120 caractères au plus."))])
    capacity = WholeNumberField(_l("Nombre de places"), default=10,
                                validators=[DataRequired(_l("Indiquez le nombre de places.")),
                                            NumberRange(min=1, max=100, message=_l("Entre 1 et 100 places."))])


class WorkshopForm(FlaskForm):
    association_id = ChoiceField(_l("Association"))
    title = StringField(_l("Titre"), validators=[DataRequired(_l("Indiquez un titre.")),
                                                 Length(max=200, message=_l("200 caractères au plus."))])
    description = TextAreaField(_l("Description"), render_kw={"rows": 6},
                                description=_l("Markdown accepté : **gras**, listes, liens."),
                                validators=[Length(max=5000, message=_l("5 000 caractères au plus."))])
    themes = CheckboxesField(_l("Thématiques"), choices=choices(THEMES.items()),
                             validators=[DataRequired(_l("Cochez au moins une thématique."))])
    level = ChoiceField(_l("Niveau"), choices=choices(LEVELS.items()), default="debutant")
    audience = StringField(_l("Public"), description=_l("Par exemple : seniors, familles, personnes allophones."),
                           validators=[Length(max=200, message=_l("200 caractères au plus."))])
    room_id = ChoiceField(_l("Salle"))
    facilitators = CheckboxesField(_l("Animateur·rices"), coerce=int)
    language = StringField(_l("Langue"), default="français",
                           validators=[Length(max=60, message=_l("60 caractères au plus."))])
    accessibility = StringField(_l("Accessibilité"), description=_l("Accès en fauteuil, boucle magnétique…"),
                                validators=[Length(max=500, message=_l("500 caractères au plus."))])
    free = BooleanField(_l("Gratuit"), default=True)
    public = BooleanField(_l("Visible publiquement (agenda et flux iCalendar)"), default=True)
    # Shown only while the ``ressources`` plugin is enabled (the view removes it otherwise); read by
    # ``resources.checked_ids``, which names each refused line.
    resources = TextAreaField(_l("Ressources liées"), render_kw={"rows": 4},
                              description=_l("Une ressource par ligne : son adresse (par exemple "
                                             "https://…/ressources/123 ou /ressources/123) ou son numéro."),
                              validators=[Length(max=6000, message=_l("6 000 caractères au plus."))])


class SessionsForm(FlaskForm):
    first_date = DayField(_l("Date (de la première séance)"), message=DATE_MESSAGE,
                          validators=[DayRequired(_l("Indiquez la date."))])
    start_time = StringField(_l("Heure de début"), render_kw={"type": "time"},
                             validators=[DataRequired(_l("Indiquez l'heure de début.")), check_time])
    end_time = StringField(_l("Heure de fin"), render_kw={"type": "time"},
                           validators=[DataRequired(_l("Indiquez l'heure de fin.")), check_time])
    weekly = BooleanField(_l("Répéter chaque semaine"))
    until = DayField(_l("Jusqu'au (inclus)"), message=DATE_MESSAGE,
                     description=_l("Obligatoire pour une récurrence hebdomadaire."))
    exceptions = StringField(_l("Exceptions (dates sans séance)"),
                             description=_l("Dates séparées par des virgules, par exemple 2026-12-24, 2026-12-31."),
                             validators=[Length(max=800, message=_l("800 caractères au plus."))])
    capacity = WholeNumberField(_l("Places"), description=_l("Par défaut, la capacité de la salle."),
                                validators=[Optional(), NumberRange(min=1, max=100,
                                                                    message=_l("Entre 1 et 100 places."))])

    def validate_end_time(self, field):
        start, end = parse_time(self.start_time.data), parse_time(field.data)
        if start and end and end <= start:
            raise ValidationError(_l("L'heure de fin doit être après l'heure de début."))

    def validate_until(self, field):
        if field.errors:
            return  # a day typed wrong: its own message says so
        if self.weekly.data and not field.data:
            raise ValidationError(_l("Une récurrence hebdomadaire a besoin d'une date de fin."))
        first, until = self.first_date.data, field.data
        if self.weekly.data and first and until and until < first:
            raise ValidationError(_l("La date de fin est avant la première séance."))

    def validate_exceptions(self, field):
        if self.exception_dates() is None:
            raise ValidationError(_l("Indiquez des dates au format AAAA-MM-JJ séparées par des virgules."))

    def exception_dates(self) -> set[date] | None:
        days = set()
        for part in (self.exceptions.data or "").split(","):
            if part.strip():
                day = parse_date(part)
                if day is None:
                    return None
                days.add(day)
        return days


class MoveForm(FlaskForm):
    day = DayField(_l("Nouvelle date"), message=DATE_MESSAGE, validators=[DayRequired(_l("Indiquez la date."))])
    start_time = StringField(_l("Heure de début"), render_kw={"type": "time"},
                             validators=[DataRequired(_l("Indiquez l'heure de début.")), check_time])
    end_time = StringField(_l("Heure de fin"), render_kw={"type": "time"},
                           validators=[DataRequired(_l("Indiquez l'heure de fin.")), check_time])

    def validate_end_time(self, field):
        start, end = parse_time(self.start_time.data), parse_time(field.data)
        if start and end and end <= start:
            raise ValidationError(_l("L'heure de fin doit être après l'heure de début."))


class RegistrationForm(FlaskForm):
    resident_id = ChoiceField(_l("Personne déjà suivie"))
    first_name = StringField(_l("Ou nouvelle personne : prénom ou pseudonyme"),
                             validators=[Length(max=80, message=_l("80 caractères au plus."))],
                             render_kw={"autocomplete": "off"})
    phone = StringField(_l("Téléphone pour les rappels (facultatif)"), render_kw={"inputmode": "tel"},
                        validators=[Optional(), Regexp(PHONE_PATTERN,
                                                       message=_l("Ce numéro de téléphone n'est pas valide."))])
    consent = BooleanField(_l("La personne accepte que l'association garde ces informations le temps du suivi"))
    scope = ChoiceField(_l("Inscrire à"), choices=choices([("session", _l("cette séance")),
                                                          ("cycle", _l("toutes les séances à venir de l'atelier"))]),
                        default="session")

    def validate_first_name(self, field):
        if not self.resident_id.data and not (field.data or "").strip():
            raise ValidationError(_l("Choisissez une personne ou indiquez un prénom ou un pseudonyme."))

    def validate_consent(self, field):
        if not self.resident_id.data and not field.data:
            raise ValidationError(_l("Le consentement de la personne est nécessaire."))


class ReferralForm(FlaskForm):
    first_name = StringField(_l("Prénom ou pseudonyme de la personne"),
                             validators=[DataRequired(_l("Indiquez un prénom ou un pseudonyme.")),
                                         Length(max=80, message=_l("80 caractères au plus."))])
    phone = StringField(_l("Téléphone (facultatif)"), render_kw={"inputmode": "tel"},
                        validators=[Optional(), Regexp(PHONE_PATTERN,
                                                       message=_l("Ce numéro de téléphone n'est pas valide."))])
    note = TextAreaField(_l("Message à l'association (facultatif)"), render_kw={"rows": 3},
                         validators=[Length(max=500, message=_l("500 caractères au plus."))])
    consent = BooleanField(_l("La personne accepte d'être orientée vers cet atelier"),
                           validators=[DataRequired(_l("Le consentement de la personne est nécessaire."))])


class ReferralAnswerForm(FlaskForm):
    decision = ChoiceField(_l("Réponse"), choices=choices([("accept", _l("Accepter et inscrire")),
                                                          ("decline", _l("Décliner"))]))
