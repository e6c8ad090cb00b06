"""The translation layer: French msgids, a complete English catalogue, and the locale each person sees.

The catalogue checks read qn_portal/translations (what ``make translations`` writes); the behaviour checks go
through real requests.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from conftest import login, post_form

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "qn_portal" / "translations"
EN_PO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
EN_MO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.mo"
BABEL_CFG = ROOT / "babel.cfg"
# The same keywords as the Makefile's `pybabel extract -k _l -k lazy_gettext`.
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
PLACEHOLDER_RE = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")
LANG_RE = re.compile(r'<html lang="([^"]*)"')


def read_en_po():
    with EN_PO.open("rb") as f:
        return read_po(f, locale="en")


def msgids(message) -> tuple[str, ...]:
    return message.id if isinstance(message.id, tuple) else (message.id,)


def as_key(value):
    return tuple(value) if isinstance(value, list | tuple) else value


def extract_msgids(root: Path) -> dict[tuple[str, ...], list[str]]:
    """Every msgid babel.cfg's extraction finds under ``root``, with where it was found."""
    with BABEL_CFG.open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    found: dict[tuple[str, ...], list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(root), method_map, options_map, keywords=KEYWORDS
    ):
        ids = message if isinstance(message, tuple) else (message,)
        # ngettext-style calls give (singular, plural[, None...]): keep the strings only.
        ids = tuple(part for part in ids if part)
        found.setdefault(ids, []).append(f"{filename}:{lineno}")
    return found


def untranslated(found: dict[tuple[str, ...], list[str]], catalog) -> list[str]:
    """The extracted msgids that the catalogue lacks (or has with another plural), one line each."""
    missing = []
    for ids, places in sorted(found.items()):
        entry = catalog.get(ids[0])
        if entry is None or msgids(entry) != ids:
            missing.append(f"{ids!r} ({', '.join(places)})")
    return missing


def page_text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def page_lang(response) -> str:
    match = LANG_RE.search(response.get_data(as_text=True))
    assert match, "no <html lang> on the page"
    return match.group(1)


def set_locale(app, user_id: int, locale: str) -> None:
    from qn_portal.accounts.models import User
    from qn_portal.extensions import db

    with app.app_context():
        db.session.get(User, user_id).locale = locale
        db.session.commit()


# --- The catalogue -------------------------------------------------------------------------------------------


def test_english_catalogue_is_complete_and_not_fuzzy():
    catalog = read_en_po()
    entries = [message for message in catalog if message.id]
    assert len(entries) > 100, "the English catalogue looks empty"
    assert not catalog.fuzzy, "the catalogue header is marked fuzzy"
    fuzzy = [message.id for message in entries if message.fuzzy]
    assert not fuzzy, f"fuzzy entries in {EN_PO.name}: {fuzzy}"
    empty = [
        message.id for message in entries
        if not (all(message.string) if isinstance(message.string, tuple) else message.string)
    ]
    assert not empty, f"untranslated entries in {EN_PO.name}: {empty}"
    assert catalog.plural_forms == "nplurals=2; plural=(n != 1);"


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER_RE.findall(text))


def test_english_translations_keep_their_placeholders():
    catalog = read_en_po()
    # babel's checkers compare python-format entries (each plural form too)...
    problems = [(message.id, [str(error) for error in errors]) for message, errors in catalog.check()]
    assert not problems, problems
    # ...and every translation has exactly its msgid's %(name)s placeholders, no fewer, no more.
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            singular, plural = message.id
            forms = message.string
            assert placeholders(forms[-1]) == placeholders(plural), message.id
            for form in forms[:-1]:
                assert placeholders(form) <= placeholders(singular) | placeholders(plural), message.id
        else:
            assert placeholders(message.string) == placeholders(message.id), message.id


def test_committed_mo_matches_the_po():
    catalog = read_en_po()
    with EN_MO.open("rb") as f:
        compiled = read_mo(f)
    # What `pybabel compile` writes: translated, non-fuzzy entries (read_mo gives plurals as lists).
    expected = {as_key(message.id): as_key(message.string) for message in catalog
                if message.id and message.string and not message.fuzzy}
    actual = {as_key(message.id): as_key(message.string) for message in compiled if message.id}
    stale = sorted(str(key) for key in expected.keys() ^ actual.keys())
    assert not stale, f"{EN_MO.name} is out of date (run `make translations`): {stale}"
    changed = sorted(str(key) for key in expected if expected[key] != actual[key])
    assert not changed, f"{EN_MO.name} is out of date (run `make translations`): {changed}"
    assert compiled.plural_forms == catalog.plural_forms


def test_every_source_string_is_in_the_english_catalogue():
    found = extract_msgids(ROOT)
    assert ("Connexion au portail Quartiers Numériques",) in found  # templates are read
    assert ("Adresse e-mail ou mot de passe incorrect.",) in found  # gettext in Python is read
    assert ("Indiquez une adresse e-mail.",) in found  # and so is _l
    missing = untranslated(found, read_en_po())
    assert not missing, (
        "strings missing from the English catalogue (run `make translations` and translate them):\n  "
        + "\n  ".join(missing)
    )


def test_a_new_string_would_be_reported(tmp_path):
    """The check above is not vacuous: a string added in a module or a template shows up as missing."""
    (tmp_path / "qn_portal").mkdir()
    (tmp_path / "qn_portal" / "new.py").write_text(
        'from flask_babel import lazy_gettext as _l\nLABEL = _l("Une chaîne toute neuve")\n'
        'OTHER = _l("Connexion")\n', encoding="utf-8"
    )
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "new.html").write_text(
        '<p>{{ ngettext("%(num)d carnet", "%(num)d carnets", n) }}</p>', encoding="utf-8"
    )
    missing = untranslated(extract_msgids(tmp_path), read_en_po())
    assert len(missing) == 2, missing
    assert "Une chaîne toute neuve" in missing[1] and "qn_portal/new.py:2" in missing[1]
    assert "%(num)d carnets" in missing[0] and "templates/new.html:1" in missing[0]


# --- What people see -----------------------------------------------------------------------------------------


def test_login_page_is_french_by_default(client):
    response = client.get("/connexion")
    assert page_lang(response) == "fr"
    text = page_text(response)
    assert "Connexion au portail Quartiers Numériques" in text
    assert "Mot de passe oublié ?" in text


def test_anonymous_visitor_switches_to_english_and_back(client):
    response = post_form(client, "/langue", {"locale": "en", "next": "/connexion"}, form_url="/connexion")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/connexion")
    response = client.get("/connexion")
    assert page_lang(response) == "en"
    text = page_text(response)
    assert "Sign in to the Quartiers Numériques portal" in text
    assert "Connexion au portail" not in text
    assert "Email address" in text  # a lazy form label

    post_form(client, "/langue", {"locale": "fr"}, form_url="/connexion")
    response = client.get("/connexion")
    assert page_lang(response) == "fr"
    assert "Connexion au portail Quartiers Numériques" in page_text(response)


def test_unknown_locale_is_ignored(client):
    post_form(client, "/langue", {"locale": "de"}, form_url="/connexion")
    assert page_lang(client.get("/connexion")) == "fr"


def test_signed_in_user_gets_their_profile_locale(portal, app, demo):
    set_locale(app, demo["users"]["mediation.a"], "en")
    client = portal.login_as("mediation.a")
    response = client.get("/tableau-de-bord")
    assert page_lang(response) == "en"
    text = page_text(response)
    assert "Hello Maëlle Médiation" in text
    assert "Dashboard" in text
    assert "Tableau de bord" not in text

    # Someone else on another device, profile in French, sees French.
    other = portal.new_client()
    assert login(other, "mediation.b@example.org").status_code == 302
    response = other.get("/tableau-de-bord")
    assert page_lang(response) == "fr"
    assert "Bonjour Nadia Médiation" in page_text(response)


def test_language_switch_is_saved_to_the_profile(portal, app, demo):
    client = portal.login_as("direction.a")
    post_form(client, "/langue", {"locale": "en"}, form_url="/tableau-de-bord")
    assert page_lang(client.get("/tableau-de-bord")) == "en"

    from qn_portal.accounts.models import User
    from qn_portal.extensions import db

    with app.app_context():
        assert db.session.get(User, demo["users"]["direction.a"]).locale == "en"
    # A fresh device, no session choice yet: the profile decides.
    other = portal.new_client()
    assert login(other, "direction.a@example.org").status_code == 302
    assert page_lang(other.get("/tableau-de-bord")) == "en"


def test_form_errors_and_flashes_follow_the_locale(client, demo):
    response = login(client, "mediation.a@example.org", "pas le bon mot de passe du tout")
    assert response.status_code == 200
    assert "Adresse e-mail ou mot de passe incorrect." in page_text(response)

    post_form(client, "/langue", {"locale": "en"}, form_url="/connexion")
    response = login(client, "mediation.a@example.org", "not the right password at all")
    assert response.status_code == 200
    text = page_text(response)
    assert "Incorrect email address or password." in text
    assert "The form contains errors:" in text
    assert "Adresse e-mail ou mot de passe incorrect." not in text

    response = login(client, "", "")
    text = page_text(response)
    assert "Enter an email address." in text
    assert "Enter your password." in text

    # A flash message, translated when it is set.
    response = post_form(client, "/deconnexion", form_url="/connexion", follow_redirects=True)
    assert "You are signed out." in page_text(response)


def test_flash_for_a_signed_in_english_user(portal, app, demo):
    set_locale(app, demo["users"]["mediation.a"], "en")
    client = portal.login_as("mediation.a")
    response = post_form(client, "/compte/autres-sessions", form_url="/compte", follow_redirects=True)
    assert response.status_code == 200
    assert "Your other sessions have been closed." in page_text(response)


def test_wtforms_builtin_messages_follow_the_locale(client):
    too_long = "x" * 300  # LoginForm: Length(max=256), a message WTForms writes itself
    response = login(client, "quelqu.un@example.org", too_long)
    assert response.status_code == 200
    assert "Le champ ne peut pas contenir plus de 256 caractères." in page_text(response)

    post_form(client, "/langue", {"locale": "en"}, form_url="/connexion")
    response = login(client, "quelqu.un@example.org", too_long)
    text = page_text(response)
    assert "Field cannot be longer than 256 characters." in text
    assert "Le champ ne peut pas" not in text


@pytest.mark.parametrize("locale", ["fr", "en"])
def test_pagination_is_translated(portal, app, demo, locale):
    """The pagination macro on every page of a list (it once shadowed `_` and failed on a second page)."""
    app.config["PER_PAGE"] = 2  # seven demo accounts: four pages
    set_locale(app, demo["users"]["admin"], locale)
    client = portal.login_as("admin")
    words = {
        "fr": ("Page {} sur 4", "Page précédente", "Page suivante"),
        "en": ("Page {} of 4", "Previous page", "Next page"),
    }[locale]
    for number, has_prev, has_next in ((1, False, True), (2, True, True), (4, True, False)):
        response = client.get(f"/admin/personnes?page={number}")
        assert response.status_code == 200, number
        text = page_text(response)
        assert words[0].format(number) in text
        assert (words[1] in text) is has_prev
        assert (words[2] in text) is has_next


def test_plural_forms_in_both_languages(portal, app, demo):
    from qn_portal.contributions import SearchDocument
    from qn_portal.extensions import db
    from qn_portal.search import index_document

    with app.app_context():
        index_document("core", SearchDocument(key="t:1", title="Atelier zèbre", text="", url="/"))
        for number in (2, 3, 4):
            index_document("core", SearchDocument(key=f"t:{number}", title=f"Girafe {number}", text="", url="/"))
        db.session.commit()
    client = portal.login_as("coordination")
    assert "1 résultat pour « zèbre »" in page_text(client.get("/recherche?q=zèbre"))
    assert "3 résultats pour « girafe »" in page_text(client.get("/recherche?q=girafe"))
    post_form(client, "/langue", {"locale": "en"}, form_url="/tableau-de-bord")
    assert "1 result for “zèbre”" in page_text(client.get("/recherche?q=zèbre"))
    assert "3 results for “girafe”" in page_text(client.get("/recherche?q=girafe"))
    assert "No results for “okapi”." in page_text(client.get("/recherche?q=okapi"))


# --- Dates ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "paris_time"),
    [
        (datetime(2026, 7, 14, 10, 30, tzinfo=UTC), "12:30"),  # summer: UTC+2
        (datetime(2026, 1, 15, 10, 30, tzinfo=UTC), "11:30"),  # winter: UTC+1
        (datetime(2026, 7, 14, 10, 30), "12:30"),  # naive datetimes are UTC, as the database stores them
    ],
)
def test_dates_are_shown_in_paris_time(app, moment, paris_time):
    from flask_babel import force_locale, format_date, format_datetime

    with app.test_request_context("/"):
        shown = format_datetime(moment)
        assert paris_time in shown, shown
        assert "10:30" not in shown
        assert format_date(moment, "long") in (f"{moment.day} juillet 2026", f"{moment.day} janvier 2026")
        with force_locale("en"):
            shown = format_datetime(moment)
            # English clock: 12:30 PM or 11:30 AM, still in Paris.
            assert f"{int(paris_time[:2]) % 12 or 12}:30" in shown, shown
            assert format_date(moment, "long") in (f"July {moment.day}, 2026", f"January {moment.day}, 2026")


def test_a_late_evening_in_utc_is_the_next_day_in_paris(app):
    from flask_babel import format_date

    with app.test_request_context("/"):
        assert format_date(datetime(2026, 12, 31, 23, 30, tzinfo=UTC), "short") == "01/01/2027"


# --- E-mail --------------------------------------------------------------------------------------------------


def test_mail_is_written_in_the_recipients_language(client, app, demo):
    """A reset link asked for from a French page still reaches an English-speaking person in English."""
    from qn_portal.mail import outbox

    set_locale(app, demo["users"]["mediation.a"], "en")
    post_form(client, "/mot-de-passe-oublie", {"email": "mediation.a@example.org"})
    post_form(client, "/mot-de-passe-oublie", {"email": "mediation.b@example.org"})
    with app.app_context():
        english, french = outbox()
    assert english["To"] == "mediation.a@example.org"
    assert english["Subject"] == "Reset your password"
    assert "You asked to change your password" in english.get_content()
    assert french["Subject"] == "Réinitialiser votre mot de passe"
    assert "Vous avez demandé à changer votre mot de passe" in french.get_content()


def test_added_to_association_mail_uses_the_recipients_language(portal, app, demo):
    """An English-speaking coordinator adds a French-speaking person: the mail is in French."""
    from qn_portal.mail import outbox

    set_locale(app, demo["users"]["coordination"], "en")
    with app.app_context():  # the notification's e-mail goes out at once only for those who chose so
        from qn_portal.accounts.models import User
        from qn_portal.extensions import db

        db.session.get(User, demo["users"]["mediation.a"]).notify_email = "immediate"
        db.session.commit()
    client = portal.login_as("coordination")
    response = post_form(client, "/inviter", {
        "email": "mediation.a@example.org", "role": "member",
        "association_id": str(demo["associations"]["b"]), "association_role": "mediator",
    })
    assert response.status_code == 302, page_text(response)
    with app.app_context():
        (mail,) = outbox()
    assert mail["To"] == "mediation.a@example.org"
    assert mail["Subject"].startswith("Vous avez été ajouté·e à ")
    assert "Bonjour," in mail.get_content()

    # Someone new has no language yet: the portal's default, French, whatever the inviter's.
    response = post_form(client, "/inviter", {"email": "nouvelle@example.org", "role": "partner"})
    assert response.status_code == 302, page_text(response)
    with app.app_context():
        invitation = outbox()[-1]
    assert invitation["To"] == "nouvelle@example.org"
    assert invitation["Subject"] == "Invitation au portail Quartiers Numériques"
    assert "vous invite sur le portail" in invitation.get_content()
    # ...while the inviter's own page stays in English.
    assert "Invitation sent to nouvelle@example.org." in page_text(client.get("/admin/personnes"))
