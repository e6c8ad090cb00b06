"""The unit of a report figure agrees with the number it follows, in French and English, and a plain string
unit (what every plugin gave before) keeps working unchanged."""

from __future__ import annotations

import logging

import pytest
from flask_babel import force_locale, ngettext

from qn_portal.api import Figure, lazy_gettext
from qn_portal.contributions import unit_text

FRENCH_PAIR = ("personne", "personnes")
ENGLISH_PAIR = ("person", "people")


@pytest.mark.parametrize(("locale", "pair", "value", "expected"), [
    ("fr", FRENCH_PAIR, 1, "personne"),
    ("fr", FRENCH_PAIR, 2, "personnes"),
    ("fr", FRENCH_PAIR, 0, "personne"),      # French: zero is singular ("0 personne")
    ("fr", FRENCH_PAIR, 1.5, "personne"),    # "1,5 heure"
    ("fr", FRENCH_PAIR, 25.5, "personnes"),
    ("en", ENGLISH_PAIR, 1, "person"),
    ("en", ENGLISH_PAIR, 2, "people"),
    ("en", ENGLISH_PAIR, 0, "people"),       # English: only one is singular
    ("en", ENGLISH_PAIR, 1.5, "people"),
])
def test_a_singular_and_plural_pair_follows_the_readers_language(app, locale, pair, value, expected):
    with app.test_request_context(), force_locale(locale):
        assert Figure("x.people", "People", value, unit=pair).unit_for() == expected


def test_a_translated_pair_is_translated_then_chosen(app):
    pair = (lazy_gettext("personne"), lazy_gettext("personnes"))
    with app.test_request_context():
        with force_locale("fr"):
            assert Figure("x.people", "Personnes", 1, unit=pair).unit_for() == "personne"
            assert Figure("x.people", "Personnes", 2, unit=pair).unit_for() == "personnes"
        with force_locale("en"):
            assert Figure("x.people", "Personnes", 2, unit=pair).unit_for() == "people"


def test_the_unit_agrees_with_the_number_shown_not_the_figures_own_value(app):
    figure = Figure("x.people", "People", 1, unit=FRENCH_PAIR)
    with app.test_request_context(), force_locale("fr"):
        assert figure.unit_for() == "personne"
        assert figure.unit_for(2) == "personnes"   # a total of two associations' figures
        assert figure.unit_for(None) == "personne"


@pytest.mark.parametrize("value", [1, 2])
def test_a_plain_string_unit_is_shown_as_it_is(app, value):
    with app.test_request_context(), force_locale("en"):
        assert Figure("x.hours", "Hours", value, unit="h").unit_for() == "h"
        assert Figure("x.rate", "Rate", value, unit="%").unit_for() == "%"
        # A plugin written before pairs existed: its lazy plural word still goes out, translated.
        assert Figure("x.people", "People", value, unit=lazy_gettext("personnes")).unit_for() == "people"
        assert Figure("x.none", "Nothing", value).unit_for() == ""


@pytest.mark.parametrize(("value", "expected"), [(1, "séance"), (2, "séances")])
def test_a_function_of_the_number_gives_the_words(app, value, expected):
    figure = Figure("x.sessions", "Séances", value, unit=lambda n: ngettext("séance", "séances", n))
    with app.test_request_context(), force_locale("fr"):
        assert figure.unit_for() == expected


def test_a_failing_unit_function_leaves_the_number_without_a_unit(app, caplog):
    def broken(number):
        raise ValueError("boom")

    with app.test_request_context(), caplog.at_level(logging.ERROR, "qn_portal.contributions"):
        assert unit_text(broken, 2) == ""
    assert "figure unit" in caplog.text


def test_outside_a_request_a_pair_follows_french(app):
    with app.app_context():
        assert unit_text(FRENCH_PAIR, 1) == "personne" and unit_text(FRENCH_PAIR, 2) == "personnes"
