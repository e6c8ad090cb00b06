"""Form fields shared by the core and the plugins: their errors are French and what was typed is kept.

WTForms' own messages for a number that is not one, or a choice that was not offered, are English and
say nothing useful ("Not a valid choice"). These fields check their own input and explain in French.
Plugins import them from ``qn_portal.api``.

Offered choices are compared as strings on both sides, so a field works the same whether its choices
hold ``3`` or ``"3"`` and whatever its ``coerce``.
"""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, SelectField, SelectMultipleField, widgets
from wtforms.fields.choices import SelectChoice
from wtforms.validators import StopValidation, ValidationError


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


class DayField(DateField):
    """A day, as the browser's date input sends it (AAAA-MM-JJ) or typed by hand (JJ/MM/AAAA).

    Spaces around are ignored; an empty field gives ``None`` without an error (add ``Optional()`` or
    ``DayRequired``). Anything else is refused with ``message``, French, and the text is shown again as
    typed. ``27/11/26`` is refused: a two-digit year would be guessed wrong. So is a year outside
    1900-2200: a typing mistake, and near the ends of the calendar the conversions to UTC of a view
    (midnight in Paris, the next day) overflow.
    """

    FORMATS = ("%Y-%m-%d", "%d/%m/%Y")
    FIRST_YEAR, LAST_YEAR = 1900, 2200

    def __init__(self, label=None, validators=None, *, message=None, **kwargs):
        kwargs.setdefault("format", list(self.FORMATS))
        super().__init__(label, validators, **kwargs)
        self.message = message or _l("Indiquez une date au format JJ/MM/AAAA.")

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = (valuelist[0] or "").strip()
        self.data = None
        if not text:
            return
        for pattern in self.strptime_format:
            try:
                day = datetime.strptime(text, pattern).date()
            except ValueError:
                continue
            if not self.FIRST_YEAR <= day.year <= self.LAST_YEAR:
                raise ValueError(_l("Indiquez une date entre %(first)d et %(last)d.",
                                    first=self.FIRST_YEAR, last=self.LAST_YEAR))
            self.data = day
            return
        raise ValueError(self.message)

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        # isoformat, not strftime: what a date input reads, and four digits even before the year 1000.
        return self.data.isoformat() if isinstance(self.data, date) else ""


class DayRequired:
    """Like ``DataRequired`` for a ``DayField``: an empty field gets ``message``, but a day typed wrong keeps
    the field's own "not a date" message instead of having it replaced."""

    field_flags = {"required": True}

    def __init__(self, message):
        self.message = message

    def __call__(self, form, field):
        if field.data is None:
            raise StopValidation(None if field.process_errors else self.message)


class CheckboxesField(SelectMultipleField):
    """Checkboxes in a list; values that are not offered, or not of the field's type, are refused in French.

    ``message`` replaces the default refusal ("Cochez seulement les cases proposées.").
    """

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def __init__(self, *args, message=None, **kwargs):
        kwargs.setdefault("validate_choice", False)
        super().__init__(*args, **kwargs)
        self.message = message or _l("Cochez seulement les cases proposées.")

    def process_formdata(self, valuelist):
        try:
            self.data = [self.coerce(value) for value in valuelist]
        except (TypeError, ValueError):
            self.data = []
            raise ValueError(self.message) from None

    def pre_validate(self, form):
        offered = {str(choice.value) for choice in self.choices}
        if any(str(value) not in offered for value in self.data or ()):
            raise ValidationError(self.message)


class ChoiceField(SelectField):
    """A select whose refusal of a value that is not offered is French (WTForms' own message is English).

    ``message`` replaces the default refusal ("Choisissez une des valeurs proposées.").
    """

    def __init__(self, *args, message=None, **kwargs):
        kwargs.setdefault("validate_choice", False)
        super().__init__(*args, **kwargs)
        self.message = message or _l("Choisissez une des valeurs proposées.")

    def pre_validate(self, form):
        offered = {str(choice.value) for choice in self.choices}
        if self.data is None and "" in offered:
            self.data = ""  # an optional list left out of the request means "none"
        if self.data is None or str(self.data) not in offered:
            raise ValidationError(self.message)
