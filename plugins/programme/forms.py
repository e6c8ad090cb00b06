"""Forms of the programme. Every message is French, next to its field; nothing typed is lost."""

from __future__ import annotations

from flask_wtf.file import FileField
from sqlalchemy import select
from wtforms import (
    BooleanField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from qn_portal.api import (
    COMMUNES,
    CheckboxesField,
    DayField,
    DayRequired,
    FlaskForm,
    Neighbourhood,
    WholeNumberField,
    db,
)
from qn_portal.api import ChoiceField as CoreChoiceField
from qn_portal.api import lazy_gettext as _l

from .models import (
    COMPLETED,
    COMPLETION_LABELS,
    COMPLETIONS,
    CRITERIA,
    CRITERION_LABELS,
    DECISIONS,
    EQUIPMENT_KIND_LABELS,
    EQUIPMENT_KINDS,
    EQUIPMENT_STATE_LABELS,
    EQUIPMENT_STATES,
    ORGANISATION_LABELS,
    ORGANISATIONS,
    REQUEST_DECLINED,
    REQUEST_STATUS_LABELS,
    STATUS_LABELS,
    VISIT_KINDS,
    VISIT_LABELS,
)

LONG_TEXT = 5000


# The example says what the browser's date input sends; typing 15/03/2021 works as well.
DATE_MESSAGE = _l("Indiquez une date, par exemple 2021-03-15.")


class ValueRequired(DayRequired):
    """``DayRequired`` for a number: 0 is an answer (DataRequired would call it missing), "abc" keeps its own message."""


class ChoiceField(CoreChoiceField):
    """The portal's ``ChoiceField``, with this plugin's wording of the refusal."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("message", _l("Choisissez une des options proposées."))
        super().__init__(*args, **kwargs)


def opts(pairs) -> list[SelectChoice]:
    return [SelectChoice(str(value), label) for value, label in pairs]


def long_text(label, description=None):
    return TextAreaField(label, description=description, render_kw={"rows": 4},
                         validators=[Length(max=LONG_TEXT, message=_l("5 000 caractères au plus."))])


def neighbourhood_choices():
    rows = db.session.scalars(select(Neighbourhood).where(Neighbourhood.kind.in_(("qpv", "veille")))
                              .order_by(Neighbourhood.commune, Neighbourhood.name))
    return opts([("", _l("— Choisir —")), ("none", _l("Aucun de ces quartiers"))] + [
        (str(n.id), f"{n.name}, {n.commune} ({n.kind_label})") for n in rows])


class ApplicationForm(FlaskForm):
    organisation_name = StringField(_l("Nom de l'association"),
                                    validators=[Length(max=200, message=_l("200 caractères au plus."))])
    commune = ChoiceField(_l("Commune"), choices=opts([("", _l("— Choisir —"))] + [(c, c) for c in COMMUNES]))
    neighbourhood_id = ChoiceField(_l("Quartier prioritaire (QPV) ou quartier de veille"),
                                   description=_l("Le quartier où l'association est implantée."))
    mediation_hours = WholeNumberField(
        _l("Heures de médiation numérique salariée par semaine"),
        description=_l("Le temps qu'une personne salariée consacrera à la médiation numérique (20 h au moins)."),
        validators=[Optional(), NumberRange(min=0, max=80, message=_l("Entre 0 et 80 heures."))])
    other_people = long_text(_l("Autres personnes associées"),
                             _l("Salariés, bénévoles, services civiques qui participeront au programme."))
    room_capacity = WholeNumberField(
        _l("Places dans la salle de formation"), description=_l("Le nombre de personnes formées en même temps."),
        validators=[Optional(), NumberRange(min=0, max=200, message=_l("Entre 0 et 200 places."))])
    room_days = WholeNumberField(
        _l("Jours où la salle est libre chaque semaine"), description=_l("De 0 à 7 (3 jours au moins)."),
        validators=[Optional(), NumberRange(min=0, max=7, message=_l("Entre 0 et 7 jours."))])
    training_project = long_text(_l("Le projet de formations jusqu'ici"),
                                 _l("Ce que vous avez déjà lancé ou prévu pour former les habitants."))
    share_practice = BooleanField(_l("Nous souhaitons partager nos pratiques avec les autres associations"))
    referring_partners = long_text(_l("Partenaires qui orienteront des personnes"),
                                   _l("Centres sociaux, CCAS, travailleurs sociaux, bailleurs…"))
    explanation = long_text(_l("Explication (si un critère n'est pas rempli)"),
                            _l("Dites pourquoi votre candidature reste pertinente malgré le critère manquant."))

    def __init__(self, *args, needs_name: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.needs_name = needs_name
        self.neighbourhood_id.choices = neighbourhood_choices()
        if not needs_name:
            del self.organisation_name

    def answers(self) -> dict:
        neighbourhood = self.neighbourhood_id.data

        def text(field) -> str:
            return (field.data or "").strip()    # a field missing from the post is empty, not an error

        return {
            "neighbourhood_id": int(neighbourhood) if neighbourhood and neighbourhood.isdigit() else None,
            "mediation_hours": self.mediation_hours.data, "other_people": text(self.other_people),
            "room_capacity": self.room_capacity.data, "room_days": self.room_days.data,
            "training_project": text(self.training_project), "share_practice": bool(self.share_practice.data),
            "referring_partners": text(self.referring_partners), "explanation": text(self.explanation),
            "commune": self.commune.data or "", "outside_neighbourhoods": neighbourhood == "none",
        }


class CallForm(FlaskForm):
    title = StringField(_l("Titre"), validators=[DataRequired(_l("Indiquez un titre.")),
                                                 Length(max=200, message=_l("200 caractères au plus."))])
    cohort = WholeNumberField(_l("Promotion (année)"), validators=[
        DataRequired(_l("Indiquez l'année de la promotion.")),
        NumberRange(min=2019, max=2100, message=_l("Une année entre 2019 et 2100."))])
    opens_on = DayField(_l("Ouverture"), message=DATE_MESSAGE,
                        validators=[DayRequired(_l("Indiquez la date d'ouverture."))])
    closes_on = DayField(_l("Clôture"), message=DATE_MESSAGE,
                         validators=[DayRequired(_l("Indiquez la date de clôture."))])
    charter = TextAreaField(_l("Charte d'engagement"), render_kw={"rows": 10},
                            description=_l("Markdown accepté : **gras**, listes, liens."),
                            validators=[Length(max=20000, message=_l("20 000 caractères au plus."))])

    def validate_closes_on(self, field):
        if field.data and self.opens_on.data and field.data < self.opens_on.data:
            raise ValidationError(_l("La clôture doit suivre l'ouverture."))


class DecisionForm(FlaskForm):
    status = ChoiceField(_l("Décision"), choices=opts((s, STATUS_LABELS[s]) for s in DECISIONS))
    note = TextAreaField(_l("Message à l'association"), render_kw={"rows": 3},
                         validators=[Length(max=2000, message=_l("2 000 caractères au plus."))])


SCORE_CHOICES = opts([("", _l("— Pas de note —")), ("0", "0"), ("1", "1"), ("2", "2"), ("3", "3")])


class ReviewForm(FlaskForm):
    """A score (0 to 3) and a comment per criterion; fields ``score_<criterion>`` and ``comment_<criterion>``."""


for _criterion in CRITERIA:
    setattr(ReviewForm, f"score_{_criterion}",
            ChoiceField(_l("Note : %(criterion)s", criterion=CRITERION_LABELS[_criterion]), choices=SCORE_CHOICES))
    setattr(ReviewForm, f"comment_{_criterion}",
            TextAreaField(_l("Commentaire : %(criterion)s", criterion=CRITERION_LABELS[_criterion]),
                          render_kw={"rows": 2},
                          validators=[Length(max=2000, message=_l("2 000 caractères au plus."))]))


class MilestoneForm(FlaskForm):
    done_on = DayField(_l("Fait le"), message=DATE_MESSAGE, validators=[Optional()])
    note = StringField(_l("Note"), validators=[Length(max=500, message=_l("500 caractères au plus."))])


class VisitForm(FlaskForm):
    happened_on = DayField(_l("Date"), message=DATE_MESSAGE, validators=[DayRequired(_l("Indiquez la date."))])
    kind = ChoiceField(_l("Type"), choices=opts((k, VISIT_LABELS[k]) for k in VISIT_KINDS))
    summary = TextAreaField(_l("Compte rendu"), render_kw={"rows": 4},
                            validators=[DataRequired(_l("Écrivez un compte rendu.")),
                                        Length(max=LONG_TEXT, message=_l("5 000 caractères au plus."))])
    next_steps = TextAreaField(_l("Prochaines étapes"), render_kw={"rows": 3},
                               validators=[Length(max=LONG_TEXT, message=_l("5 000 caractères au plus."))])


class ReportForm(FlaskForm):
    class Meta:
        csrf = False    # a GET form: it only reads

    funder = ChoiceField(_l("Financeur"), description=_l("Le rapport ne porte alors que sur les associations qu'il "
                                                         "cofinance."))
    cohort = WholeNumberField(_l("Promotion"), validators=[
        Optional(), NumberRange(min=2019, max=2100, message=_l("Une année entre 2019 et 2100."))])
    start = DayField(_l("Du"), message=DATE_MESSAGE, validators=[Optional()])
    end = DayField(_l("Au (exclu)"), message=DATE_MESSAGE, validators=[Optional()])

    def validate_end(self, field):
        if field.data and self.start.data and field.data <= self.start.data:
            raise ValidationError(_l("La fin doit suivre le début."))


# --- the binôme --------------------------------------------------------------------------------------------

NO_ACCOUNT = "none"


def required_text(label, max_length: int, message, description=None):
    return StringField(label, description=description, validators=[
        DataRequired(message), Length(max=max_length, message=_l("%(max)s caractères au plus.", max=max_length))])


def optional_text(label, max_length: int, description=None):
    return StringField(label, description=description, validators=[
        Length(max=max_length, message=_l("%(max)s caractères au plus.", max=max_length))])


class BinomeMemberForm(FlaskForm):
    """A médiateur of the binôme and their training. The view sets ``person.choices`` (the association's members)
    and ``taken_user_ids`` (members already in the binôme)."""

    person = ChoiceField(_l("Médiateur ou médiatrice"),
                         description=_l("Une personne membre de l'association sur le portail, ou une personne sans "
                                        "compte : indiquez alors son nom."))
    name = optional_text(_l("Nom (personne sans compte)"), 200)
    organisation = ChoiceField(_l("Organisme de formation"),
                               choices=opts((o, ORGANISATION_LABELS[o]) for o in ORGANISATIONS))
    organisation_name = optional_text(_l("Nom de l'organisme (s'il est « autre »)"), 200)
    training_title = required_text(_l("Intitulé de la formation"), 200, _l("Indiquez l'intitulé de la formation."),
                                   _l("Par exemple : Parcours médiateur numérique."))
    starts_on = DayField(_l("Début de la formation"), message=DATE_MESSAGE,
                         validators=[DayRequired(_l("Indiquez la date de début de la formation."))])
    # No Optional(): it would stop the chain before ``validate_ends_on``, which needs an end once completed.
    ends_on = DayField(_l("Fin de la formation"), message=DATE_MESSAGE,
                       description=_l("Obligatoire quand la formation est terminée."))
    sessions_attended = WholeNumberField(_l("Séances suivies"), validators=[
        Optional(), NumberRange(min=0, max=500, message=_l("Entre 0 et 500 séances."))])
    completion = ChoiceField(_l("Avancement"), choices=opts((c, COMPLETION_LABELS[c]) for c in COMPLETIONS))

    taken_user_ids: set = set()

    def validate_person(self, field):
        if not field.data:
            raise ValidationError(_l("Choisissez la personne, ou « Une personne sans compte sur le portail »."))
        if field.data.isdigit() and int(field.data) in self.taken_user_ids:
            raise ValidationError(_l("Cette personne est déjà dans le binôme."))

    def validate_name(self, field):
        if self.person.data == NO_ACCOUNT and not (field.data or "").strip():
            raise ValidationError(_l("Indiquez le nom de la personne sans compte."))

    def validate_organisation_name(self, field):
        if self.organisation.data == "other" and not (field.data or "").strip():
            raise ValidationError(_l("Indiquez le nom de l'organisme de formation."))

    def validate_ends_on(self, field):
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError(_l("La fin de la formation doit suivre son début."))
        if field.data is None and not field.process_errors and self.completion.data == COMPLETED:
            raise ValidationError(_l("Indiquez la date de fin de la formation terminée."))


def person_choices(members) -> list[SelectChoice]:
    """The association's members (``(user_id, name)`` pairs), then "a person without an account"."""
    return opts([("", _l("— Choisir —"))] + [(str(user_id), name) for user_id, name in members]
                + [(NO_ACCOUNT, _l("Une personne sans compte sur le portail"))])


class CertificateForm(FlaskForm):
    """One certificate; each member's form has its own prefix, so that the page's ids stay unique."""

    class Meta:
        csrf = False    # the portal's CSRF protection checks every POST; the template sends ``csrf_token``

    file = FileField(_l("Ajouter une attestation"), description=_l("PDF ou image (JPEG, PNG, WebP), 5 Mo au plus."))


# --- equipment ---------------------------------------------------------------------------------------------


class EquipmentForm(FlaskForm):
    kind = ChoiceField(_l("Type de matériel"), choices=opts((k, EQUIPMENT_KIND_LABELS[k]) for k in EQUIPMENT_KINDS))
    description = optional_text(_l("Description"), 200, _l("Marque, modèle : par exemple Lenovo ThinkPad E14."))
    serial_number = optional_text(_l("Numéro de série"), 100)
    delivered_on = DayField(_l("Livré le"), message=DATE_MESSAGE,
                            validators=[DayRequired(_l("Indiquez la date de livraison."))])
    state = ChoiceField(_l("État"), choices=opts((s, EQUIPMENT_STATE_LABELS[s]) for s in EQUIPMENT_STATES))
    note = optional_text(_l("Note"), 500)


class EquipmentRequestForm(FlaskForm):
    need = required_text(_l("Besoin"), 200, _l("Dites de quel matériel l'association a besoin."),
                         _l("Par exemple : des ordinateurs portables pour les ateliers du mardi."))
    quantity = WholeNumberField(_l("Quantité"), validators=[
        ValueRequired(_l("Indiquez la quantité.")), NumberRange(min=1, max=50, message=_l("Entre 1 et 50."))])
    justification = TextAreaField(_l("Justification"), render_kw={"rows": 4},
                                  description=_l("À quoi servira ce matériel, pour qui, et ce qui manque aujourd'hui."),
                                  validators=[DataRequired(_l("Expliquez pourquoi ce matériel est nécessaire.")),
                                              Length(max=LONG_TEXT, message=_l("5 000 caractères au plus."))])


class AnswerForm(FlaskForm):
    """The coordinators' answer; the view offers only the statuses that may follow the current one."""

    status = ChoiceField(_l("Réponse"))
    answer = TextAreaField(_l("Message à l'association"), render_kw={"rows": 3},
                           validators=[Length(max=2000, message=_l("2 000 caractères au plus."))])

    def set_choices(self, statuses) -> None:
        self.status.choices = opts((s, REQUEST_STATUS_LABELS[s]) for s in statuses)

    def validate_answer(self, field):
        if self.status.data == REQUEST_DECLINED and not (field.data or "").strip():
            raise ValidationError(_l("Dites à l'association pourquoi la demande est refusée."))


# --- funders -----------------------------------------------------------------------------------------------


class FunderForm(FlaskForm):
    name = required_text(_l("Nom du financeur"), 200, _l("Indiquez le nom du financeur."))
    cohort = WholeNumberField(_l("Promotion cofinancée"), description=_l(
        "Toutes les associations de cette promotion, si vous ne cochez aucune association."), validators=[
        Optional(), NumberRange(min=2019, max=2100, message=_l("Une année entre 2019 et 2100."))])
    associations = CheckboxesField(_l("Associations cofinancées"), coerce=int, choices=[],
                                   message=_l("Choisissez une des options proposées."))

    def validate_associations(self, field):
        if not field.data and self.cohort.data is None and not self.cohort.errors:
            raise ValidationError(_l("Cochez les associations cofinancées, ou indiquez une promotion."))
