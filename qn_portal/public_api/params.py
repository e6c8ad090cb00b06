"""Checking the query parameters of a collection: a bad one answers 400 with a French message naming it."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask import request
from flask_babel import gettext as _

from ..associations.territory import canonical_commune
from ..contributions import ApiCollection, ApiFilter
from .errors import ApiError

MAX_PAGE = 10_000
MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 20
MAX_TEXT = 100
# Days outside these years are typing mistakes, and far enough out they would overflow the conversions to UTC.
FIRST_YEAR, LAST_YEAR = 1900, 2200
WHOLE_NUMBER = re.compile(r"^[0-9]{1,9}$")


def bad(name: str, message: str) -> ApiError:
    return ApiError(400, _("Paramètre « %(name)s » : %(message)s", name=name, message=message))


def single(name: str) -> str:
    values = request.args.getlist(name)
    if len(values) > 1:
        raise bad(name, _("donnez-le une seule fois."))
    return values[0]


def whole_number(name: str, low: int, high: int) -> int:
    text = single(name).strip()
    if not WHOLE_NUMBER.match(text) or not low <= int(text) <= high:
        raise bad(name, _("un nombre entier entre %(low)d et %(high)d est attendu.", low=low, high=high))
    return int(text)


def check_known(allowed: set[str]) -> None:
    unknown = sorted(set(request.args) - allowed)
    if unknown:
        accepted = ", ".join(sorted(allowed)) or _("aucun")
        raise bad(unknown[0], _("ce paramètre n'existe pas ici (paramètres acceptés : %(accepted)s).",
                                accepted=accepted))


def paging() -> tuple[int, int]:
    """``page`` (from 1) and ``per_page`` (1 to 100, 20 by default)."""
    page = whole_number("page", 1, MAX_PAGE) if "page" in request.args else 1
    per_page = whole_number("per_page", 1, MAX_PER_PAGE) if "per_page" in request.args else DEFAULT_PER_PAGE
    return page, per_page


def filter_value(declared: ApiFilter) -> Any:
    text = single(declared.name).strip()
    if declared.kind == "commune":
        commune = canonical_commune(text)
        if commune is None:
            raise bad(declared.name, _("une commune de Bordeaux Métropole est attendue, par exemple Cenon."))
        return commune
    if declared.kind == "choice":
        if text not in declared.choices:
            raise bad(declared.name, _("une de ces valeurs est attendue : %(values)s.",
                                       values=", ".join(declared.choices)))
        return text
    if declared.kind == "date":
        try:
            day = date.fromisoformat(text) if re.match(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", text) else None
        except ValueError:
            day = None
        if day is None:
            raise bad(declared.name, _("une date au format AAAA-MM-JJ est attendue, par exemple 2026-03-31."))
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise bad(declared.name, _("une date entre %(first)d et %(last)d est attendue.",
                                       first=FIRST_YEAR, last=LAST_YEAR))
        return day
    if not text:
        raise bad(declared.name, _("le texte est vide."))
    if any(ord(character) < 32 or ord(character) == 127 for character in text):
        raise bad(declared.name, _("le texte contient des caractères de contrôle."))
    if len(text) > MAX_TEXT:
        raise bad(declared.name, _("%(count)d caractères au plus.", count=MAX_TEXT))
    return text


def read_list_parameters(collection: ApiCollection) -> tuple[dict[str, Any], int, int]:
    """The checked filters of a list request, its page and its page size."""
    check_known({"page", "per_page"} | {declared.name for declared in collection.filters})
    page, per_page = paging()
    filters = {declared.name: filter_value(declared) for declared in collection.filters
               if declared.name in request.args}
    return filters, page, per_page
