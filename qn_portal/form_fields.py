"""Form fields shared by the core and the plugins: their errors are French and what was typed is kept.

WTForms' own messages for a number that is not one, or a choice that was not offered, are English and
say nothing useful ("Not a valid choice"). These fields check their own input and explain in French.
Plugins import them from ``qn_portal.api``.

Offered choices are compared as strings on both sides, so a field works the same whether its choices
hold ``3`` or ``"3"`` and whatever its ``coerce``.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField, SelectMultipleField, widgets
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError


def choices(pairs) -> list[SelectChoice]:
    """Field choices from (value, label) pairs; WTForms 3.3 deprecates tuples and 3.4 drops them."""
    return [SelectChoice(value, label) for value, label in pairs]


class WholeNumberField(IntegerField):
    """An integer field whose "not a number" message is French, and which keeps what was typed."""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = (valuelist[0] or "").strip()
        if not text:
            self.data = None
            return
        try:
            self.data = int(text)
        except ValueError:
            # ``raw_data`` still holds the text, so the page shows it again next to the message.
            self.data = None
            raise ValueError(_l("Indiquez un nombre entier, par exemple 10.")) from None


class CheckboxesField(SelectMultipleField):
    """Checkboxes in a list; values that are not offered are refused with a French message."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("validate_choice", False)
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist):
        try:
            self.data = [self.coerce(value) for value in valuelist]
        except (TypeError, ValueError):
            self.data = []
            raise ValueError(_l("Cochez seulement les cases proposées.")) from None

    def pre_validate(self, form):
        offered = {str(choice.value) for choice in self.choices}
        if any(str(value) not in offered for value in self.data or ()):
            raise ValidationError(_l("Cochez seulement les cases proposées."))


class ChoiceField(SelectField):
    """A select whose refusal of a value that is not offered is French (WTForms' own message is English)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("validate_choice", False)
        super().__init__(*args, **kwargs)

    def pre_validate(self, form):
        offered = {str(choice.value) for choice in self.choices}
        if self.data is None and "" in offered:
            self.data = ""  # an optional list left out of the request means "none"
        if self.data is None or str(self.data) not in offered:
            raise ValidationError(_l("Choisissez une des valeurs proposées."))
