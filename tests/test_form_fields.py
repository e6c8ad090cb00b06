"""The shared form fields of ``qn_portal.api``: what they accept, what they refuse and in which words."""

from __future__ import annotations

from datetime import date

import pytest
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms.validators import Optional

from qn_portal.api import CheckboxesField, DayField, DayRequired, choices


class DaysForm(FlaskForm):
    class Meta:
        csrf = False

    optional = DayField("Facultatif", validators=[Optional()])
    required = DayField("Obligatoire", validators=[DayRequired("Indiquez la date.")])
    worded = DayField("Autre message", message="Une date, par exemple 2027-03-31.")


def days_form(app, **values) -> DaysForm:
    data = {"required": "2026-11-27", **values}
    with app.test_request_context(method="POST", data=data):
        form = DaysForm()
        form.validate()
        return form


@pytest.mark.parametrize(("typed", "expected"), [
    ("2026-11-27", date(2026, 11, 27)),       # what a date input sends
    ("27/11/2026", date(2026, 11, 27)),       # typed by hand, the French way
    ("  27/11/2026 ", date(2026, 11, 27)),
    ("1/2/2026", date(2026, 2, 1)),
    ("29/02/2028", date(2028, 2, 29)),
    ("01/01/1900", date(1900, 1, 1)),
    ("2200-12-31", date(2200, 12, 31)),
])
def test_a_day_is_read_from_iso_or_french_text(app, typed, expected):
    form = days_form(app, optional=typed)
    assert form.optional.data == expected and not form.optional.errors


@pytest.mark.parametrize("typed", ["27/11/26", "11/27/2026", "2026-02-30", "29/02/2027", "le 3 mars",
                                   "2026/11/27", "27-11-2026", "20261127", "2026-W48-5", "<script>"])
def test_anything_else_is_refused_in_french_and_shown_again(app, typed):
    form = days_form(app, optional=typed)
    assert form.optional.data is None
    assert form.optional.errors == ["Indiquez une date au format JJ/MM/AAAA."]
    assert f'value="{typed}"'.replace("<", "&lt;").replace(">", "&gt;") in str(form.optional())


@pytest.mark.parametrize("typed", ["31/12/1899", "0001-01-01", "9999-12-31", "01/01/2201"])
def test_a_year_far_off_is_refused_before_it_overflows_anything(app, typed):
    form = days_form(app, optional=typed)
    assert form.optional.data is None and form.optional.errors == ["Indiquez une date entre 1900 et 2200."]


def test_empty_is_none_and_required_says_so_without_hiding_a_wrong_date(app):
    form = days_form(app, optional="  ", required="")
    assert form.optional.data is None and not form.optional.errors
    assert form.required.errors == ["Indiquez la date."]
    form = days_form(app, required="   ")
    assert form.required.errors == ["Indiquez la date."]
    form = days_form(app, required="31/02/2026")
    assert form.required.errors == ["Indiquez une date au format JJ/MM/AAAA."]
    assert DaysForm.required.kwargs["validators"][0].field_flags == {"required": True}


def test_a_field_may_word_its_refusal(app):
    form = days_form(app, worded="demain")
    assert form.worded.errors == ["Une date, par exemple 2027-03-31."]
    assert not days_form(app, worded="").worded.errors


def test_a_stored_day_is_shown_as_a_date_input_reads_it(app):
    with app.test_request_context():
        form = DaysForm(formdata=None, data={"optional": date(2026, 3, 5)})
        assert 'value="2026-03-05"' in str(form.optional()) and 'type="date"' in str(form.optional())


class TicksForm(FlaskForm):
    class Meta:
        csrf = False

    plain = CheckboxesField("Cases", coerce=int, choices=choices([(1, "un"), (2, "deux")]))
    worded = CheckboxesField("Autres", choices=choices([("a", "A"), ("b", "B")]), message="Choix inconnu.")


def ticks_form(app, pairs) -> TicksForm:
    with app.test_request_context(method="POST", data=MultiDict(pairs)):
        form = TicksForm()
        form.validate()
        return form


def test_checkboxes_keep_every_ticked_value(app):
    form = ticks_form(app, [("plain", "1"), ("plain", "2"), ("worded", "b")])
    assert form.plain.data == [1, 2] and form.worded.data == ["b"] and not form.errors


@pytest.mark.parametrize(("pairs", "field", "message"), [
    ([("plain", "3")], "plain", "Cochez seulement les cases proposées."),
    ([("plain", "un")], "plain", "Cochez seulement les cases proposées."),   # not an integer: French too
    ([("worded", "c")], "worded", "Choix inconnu."),
])
def test_checkboxes_refuse_what_was_not_offered_in_french(app, pairs, field, message):
    form = ticks_form(app, pairs)
    assert form.errors == {field: [message]}
