"""The notification preferences form: one choice per kind that the enabled plugins declare."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField
from wtforms.validators import AnyOf, InputRequired

from ..contributions import NotificationKind
from ..form_fields import choices
from .models import DAILY, EMAIL_CHOICES, IMMEDIATE, NEVER

GENERAL = "general"  # no choice of one's own for this kind: the profile's setting applies

EMAIL_LABELS = {
    IMMEDIATE: _l("À chaque nouveauté"),
    DAILY: _l("Un résumé par jour"),
    NEVER: _l("Jamais (seulement sur le portail)"),
}


def field_name(kind: str) -> str:
    """Kind names hold dots, which form field names had better not."""
    return "kind__" + kind.replace(".", "__")


class PreferencesForm(FlaskForm):
    """Built per request by ``preferences_form``: its fields are the declared kinds."""

    kinds: list[NotificationKind] = []

    def kind_fields(self):
        return [(kind, self[field_name(kind.name)]) for kind in self.kinds]

    def chosen(self) -> dict[str, str | None]:
        """``{kind: preference}``, ``None`` where the person keeps the general setting."""
        return {kind.name: None if field.data == GENERAL else field.data for kind, field in self.kind_fields()}


def preferences_form(kinds: list[NotificationKind], general: str, current: dict[str, str]) -> PreferencesForm:
    """A form with one radio group per kind, filled with the person's choices (``current``)."""
    values = (GENERAL, *EMAIL_CHOICES)
    labels = {GENERAL: _l("Comme mon réglage général (%(choice)s)", choice=EMAIL_LABELS[general]), **EMAIL_LABELS}

    class Form(PreferencesForm):
        pass

    for kind in kinds:
        setattr(Form, field_name(kind.name), RadioField(
            kind.label,
            description=kind.description,
            choices=choices((value, labels[value]) for value in values),
            default=current.get(kind.name, GENERAL),
            validate_choice=False,  # AnyOf below says it in the person's language
            validators=[InputRequired(_l("Choisissez une option.")),
                        AnyOf(values, message=_l("Choisissez une des options proposées."))],
        ))
    Form.kinds = list(kinds)
    return Form()
