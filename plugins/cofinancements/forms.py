"""Forms of the co-funding pages. Messages are French and sit next to their field; nothing typed is lost.

Choice fields check their own choices (WTForms' built-in messages are English).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask_wtf.file import FileField
from wtforms import (
    IntegerField,
    RadioField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from qn_portal.api import COMMUNES, CheckboxesField, ChoiceField, DayField, FlaskForm
from qn_portal.api import lazy_gettext as _l

from .models import AID_TYPES, APPLICATION_STATUSES, FREQUENCIES, FUNDER_KINDS, RECURRENCES, SCOPES, THEMES
from .services import euros_input, parse_euros

# The example says what the browser's date input sends; typing 31/03/2027 works as well.
DATE_MESSAGE = _l("Indiquez une date valide, par exemple 2027-03-31.")


def choices(pairs, empty=None) -> list[SelectChoice]:
    options = [SelectChoice("", empty)] if empty is not None else []
    return options + [SelectChoice(value, label) for value, label in pairs]


class EuroField(StringField):
    """An amount in euros typed as text ("12 500", "1 200,50"); ``cents`` holds the integer of cents."""

    def process_data(self, value):
        self.cents = value
        self.data = euros_input(value)

    def process_formdata(self, valuelist):
        self.data = (valuelist[0] if valuelist else "") or ""
        try:
            self.cents = parse_euros(self.data)
        except ValueError:
            self.cents = None
            raise ValueError(_l("Indiquez un montant positif en euros, par exemple 12 500.")) from None


class WholeNumberField(IntegerField):
    def process_formdata(self, valuelist):
        text = ((valuelist[0] if valuelist else "") or "").strip().rstrip("%").strip()
        if not text:
            self.data = None
            return
        try:
            self.data = int(text)
        except ValueError:
            self.data = None
            raise ValueError(_l("Indiquez un nombre entier, par exemple 80.")) from None


def web_address(form, field):
    if field.data:
        parts = urlsplit(field.data.strip())
        if parts.scheme not in ("http", "https") or "." not in (parts.hostname or "") or " " in field.data.strip():
            raise ValidationError(_l("Indiquez une adresse web complète, commençant par https://."))


def length(limit: int):
    return Length(max=limit, message=_l("%(max)d caractères au plus."))


class FunderForm(FlaskForm):
    name = StringField(_l("Nom du financeur"), validators=[DataRequired(_l("Indiquez le nom du financeur.")), length(200)])
    kind = ChoiceField(_l("Type de financeur"), choices=choices(FUNDER_KINDS.items()))
    territory = StringField(_l("Territoire couvert"), validators=[length(200)],
                            description=_l("Par exemple : Gironde, Bordeaux Métropole, national."))
    themes = CheckboxesField(_l("Thématiques"), choices=choices(THEMES.items()))
    contacts = TextAreaField(_l("Contacts"), validators=[length(2000)], render_kw={"rows": 3},
                             description=_l("Service, personne à contacter, téléphone ou e-mail."))
    website = StringField(_l("Site web"), validators=[Optional(), length(300), web_address])


class NoteForm(FlaskForm):
    body = TextAreaField(_l("Votre retour d'expérience"),
                         validators=[DataRequired(_l("Écrivez votre retour.")), length(3000)],
                         description=_l("Ce qui a marché, ce qu'il faut savoir avant de déposer. Markdown accepté."),
                         render_kw={"rows": 4})


class OpportunityForm(FlaskForm):
    title = StringField(_l("Titre"), validators=[DataRequired(_l("Indiquez le titre de l'aide.")), length(300)])
    funder_id = ChoiceField(_l("Financeur"))
    description = TextAreaField(_l("Description"), validators=[length(20000)], render_kw={"rows": 8},
                                description=_l("Markdown accepté : **gras**, listes, liens."))
    aid_type = ChoiceField(_l("Type d'aide"), choices=choices(AID_TYPES.items()))
    beneficiaries = StringField(_l("Bénéficiaires éligibles"), validators=[length(500)],
                                description=_l("Par exemple : associations, collectivités."))
    scope = ChoiceField(_l("Territoire"), choices=choices(SCOPES.items()))
    communes = CheckboxesField(_l("Communes (si le territoire est « Communes »)"),
                               choices=choices((c, c) for c in COMMUNES))
    themes = CheckboxesField(_l("Thématiques"), choices=choices(THEMES.items()))
    amount_min = EuroField(_l("Montant minimal (€)"), render_kw={"inputmode": "decimal"})
    amount_max = EuroField(_l("Montant maximal (€)"), render_kw={"inputmode": "decimal"})
    max_rate = WholeNumberField(_l("Taux maximal de cofinancement (%)"),
                                validators=[Optional(), NumberRange(0, 100, _l("Le taux doit être compris entre 0 et 100 %%."))],
                                render_kw={"inputmode": "numeric"})
    opens_on = DayField(_l("Date d'ouverture"), message=DATE_MESSAGE, validators=[Optional()])
    deadline = DayField(_l("Date limite de dépôt"), message=DATE_MESSAGE, validators=[Optional()])
    recurrence = ChoiceField(_l("Récurrence"), choices=choices(RECURRENCES.items()))
    application_url = StringField(_l("Lien pour candidater"), validators=[Optional(), length(500), web_address])
    origin_url = StringField(_l("Page d'origine"), validators=[Optional(), length(500), web_address])

    def validate_deadline(self, field):
        if field.data and self.opens_on.data and field.data < self.opens_on.data:
            raise ValidationError(_l("La date limite ne peut pas être avant la date d'ouverture."))

    def validate_amount_max(self, field):
        if field.cents is not None and self.amount_min.cents is not None and field.cents < self.amount_min.cents:
            raise ValidationError(_l("Le montant maximal ne peut pas être inférieur au montant minimal."))

    def validate_communes(self, field):
        if self.scope.data == "communes" and not field.data:
            raise ValidationError(_l("Cochez au moins une commune."))


class SavedSearchForm(FlaskForm):
    name = StringField(_l("Nom de l'alerte"), validators=[DataRequired(_l("Donnez un nom à l'alerte.")), length(200)])
    frequency = RadioField(_l("Fréquence"), choices=choices(FREQUENCIES.items()), default="weekly",
                           validate_choice=False)
    query = StringField(_l("Critères"), validators=[length(1000)])

    def validate_frequency(self, field):
        if field.data not in FREQUENCIES:
            raise ValidationError(_l("Choisissez une fréquence."))


class ApplicationForm(FlaskForm):
    title = StringField(_l("Intitulé de la demande"), validators=[DataRequired(_l("Indiquez un intitulé.")), length(300)])
    opportunity_id = ChoiceField(_l("Aide ou appel à projets"))
    funder_id = ChoiceField(_l("Financeur"))
    status = ChoiceField(_l("Étape"), choices=choices(APPLICATION_STATUSES.items()))
    year = WholeNumberField(_l("Année financée"), validators=[
        DataRequired(_l("Indiquez l'année financée.")),
        NumberRange(2000, 2100, _l("Indiquez une année entre 2000 et 2100."))], render_kw={"inputmode": "numeric"})
    amount_requested = EuroField(_l("Montant demandé (€)"), render_kw={"inputmode": "decimal"})
    amount_obtained = EuroField(_l("Montant obtenu (€)"), render_kw={"inputmode": "decimal"})
    submitted_on = DayField(_l("Date de dépôt"), message=DATE_MESSAGE, validators=[Optional()])
    decided_on = DayField(_l("Date de la décision"), message=DATE_MESSAGE, validators=[Optional()])
    next_step = StringField(_l("Prochaine étape"), validators=[length(300)])
    next_step_due = DayField(_l("Échéance de la prochaine étape"), message=DATE_MESSAGE, validators=[Optional()])
    notes = TextAreaField(_l("Notes"), validators=[length(5000)], render_kw={"rows": 4},
                          description=_l("Markdown accepté."))
    document = FileField(_l("Document (PDF, facultatif)"),
                         description=_l("Le dossier déposé ou la notification de la décision, 5 Mo au plus."))

    def validate_amount_obtained(self, field):
        if self.status.data == "accorde" and field.cents is None:
            raise ValidationError(_l("Indiquez le montant accordé."))

    def validate_decided_on(self, field):
        if field.data and self.submitted_on.data and field.data < self.submitted_on.data:
            raise ValidationError(_l("La décision ne peut pas précéder le dépôt."))


class PlanYearForm(FlaskForm):
    year = WholeNumberField(_l("Année"), validators=[
        DataRequired(_l("Indiquez l'année.")), NumberRange(2000, 2100, _l("Indiquez une année entre 2000 et 2100."))],
        render_kw={"inputmode": "numeric"})
    budget = EuroField(_l("Budget du poste et des ateliers (€)"), render_kw={"inputmode": "decimal"})
    bms = EuroField(_l("Part de BMS (€)"), render_kw={"inputmode": "decimal"},
                    description=_l("Fixée par la coordination selon la charte d'engagement."))

    def validate_budget(self, field):
        if field.cents is None:
            raise ValidationError(_l("Indiquez le budget de l'année."))


class ProfileForm(FlaskForm):
    themes = CheckboxesField(_l("Thématiques de l'association"), choices=choices(THEMES.items()))


class ImportForm(FlaskForm):
    file = FileField(_l("Fichier JSON (format Aides-territoires)"),
                     description=_l("Un export de l'API publique d'Aides-territoires : une liste « results »."))

    def validate_file(self, field):
        if not getattr(field.data, "filename", ""):
            raise ValidationError(_l("Choisissez un fichier JSON."))


class ConfirmForm(FlaskForm):
    """A button that changes something: only its CSRF token."""
