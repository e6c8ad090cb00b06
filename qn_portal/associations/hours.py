"""Opening hours in OpenStreetMap's ``opening_hours`` syntax: validated, and told in plain French.

The syntax is data·inclusion's ``horaires_accueil`` (what the national cartography of digital-inclusion
places reads), so the portal stores it as typed. Parsing and evaluation come from ``opening-hours-py``
(Python bindings of the Rust crate ``opening-hours``, maintained); this module only words the result.

The description evaluates a whole week, day by day, so that any expression the parser accepts is described
correctly, however it was written. An expression that changes with the period of the year (months, weeks,
school holidays, years) is described for the current week, with a note saying so. Public holidays are
described from the normalised expression, since no calendar is loaded for the evaluation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from opening_hours import OpeningHours, State

MAX_LENGTH = 500
EXAMPLE = "Mo-Fr 09:00-12:00,14:00-18:00; Sa 10:00-12:00; PH off"
# A week without public holidays anywhere in France (and none is loaded anyway): 3–9 June 2024.
REFERENCE_MONDAY = date(2024, 6, 3)
SEASONAL = re.compile(r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec|week|easter|SH)\b|\b\d{4}\b")
PH_CLOSED = re.compile(r"(?:^|;\s*)PH\s+(?:off|closed)\s*(?:;|$)")
PH_TIMES = re.compile(r"(?:^|;\s*)PH\s+(\d\d:\d\d-\d\d:\d\d(?:,\d\d:\d\d-\d\d:\d\d)*)")
POSITION = re.compile(r"-->\s*\d+:(\d+)")


def _parse(expression: str) -> OpeningHours:
    try:
        return OpeningHours(expression)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as error:  # the Rust bindings raise ParserError, and a PanicException on a bug
        raise ValueError(str(error)) from None


def opening_hours_problem(expression: str) -> str | None:
    """``None`` if ``expression`` is valid ``opening_hours`` syntax, else what is wrong, in French."""
    expression = (expression or "").strip()
    if len(expression) > MAX_LENGTH:
        return _("Ces horaires sont trop longs (%(max)d caractères au plus).", max=MAX_LENGTH)
    try:
        _parse(expression)
    except ValueError as error:
        position = POSITION.search(str(error))
        where = _(" L'erreur est vers le caractère %(column)s.", column=position.group(1)) if position else ""
        return _("Ces horaires ne suivent pas la syntaxe OpenStreetMap, par exemple « %(example)s ».",
                 example=EXAMPLE) + where
    return None


def normalise(expression: str) -> str:
    """The expression as typed, trimmed; raises ``ValueError`` if it is not valid."""
    expression = (expression or "").strip()
    _parse(expression)
    return expression


@dataclass
class HoursDescription:
    """Lines of ``(days, hours)`` from Monday to Sunday, and notes (public holidays, seasons)."""

    days: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def day_names() -> list[str]:
    return [_("lundi"), _("mardi"), _("mercredi"), _("jeudi"), _("vendredi"), _("samedi"), _("dimanche")]


DAY = 24 * 60


def format_time(minutes: int) -> str:
    """``9 h``, ``9 h 30``; the end of the day is midnight; past it (overnight), the next day's time."""
    if minutes == DAY:
        return _("minuit")
    hour, minute = divmod(minutes % DAY, 60)
    if minute:
        return _("%(hour)d h %(minute)02d", hour=hour, minute=minute)
    return _("%(hour)d h", hour=hour)


Span = tuple[int, int, State, str]  # start and end in minutes from the day's midnight, state, comment


def day_spans(oh: OpeningHours, day: date) -> list[Span]:
    start = datetime.combine(day, datetime.min.time())
    end = start + timedelta(days=1)
    spans = []
    for span_start, span_end, state, comment in oh.intervals(start, end):
        span_start, span_end = max(span_start, start), min(span_end or end, end)
        if state != State.CLOSED and span_end > span_start:
            spans.append((int((span_start - start).total_seconds() // 60),
                          int((span_end - start).total_seconds() // 60), state, comment or ""))
    return spans


def join_overnight(week: list[list[Span]]) -> None:
    """``22:00-02:00`` reads as one span on the day it starts, not as two halves on two days."""
    for index in range(7):
        previous, today = week[index - 1], week[index]
        if not previous or not today or (previous[-1][0], previous[-1][1]) == (0, DAY):
            continue
        first, last = today[0], previous[-1]
        if first[0] == 0 and first[1] < DAY and last[1] == DAY and first[2:] == last[2:]:
            previous[-1] = (last[0], DAY + first[1], last[2], last[3])
            del today[0]


def format_spans(spans: list[Span]) -> str:
    texts = []
    for start, end, state, comment in spans:
        if (start, end) == (0, DAY):
            text = _("toute la journée")
        else:
            text = _("%(start)s – %(end)s", start=format_time(start), end=format_time(end))
        if state == State.UNKNOWN:
            text = _("%(hours)s (à confirmer)", hours=text)
        if comment:
            text = _("%(hours)s (%(comment)s)", hours=text, comment=comment)
        texts.append(text)
    if not texts:
        return _("fermé")
    if len(texts) == 1:
        return texts[0]
    return _("%(first)s et %(last)s", first=", ".join(texts[:-1]), last=texts[-1])


def days_label(names: list[str], first: int, last: int) -> str:
    if first == last:
        label = names[first]
    elif last == first + 1:
        label = _("%(first)s et %(second)s", first=names[first], second=names[last])
    else:
        label = _("du %(first)s au %(last)s", first=names[first], last=names[last])
    return label[:1].upper() + label[1:]


def describe_opening_hours(expression: str, today: date | None = None) -> HoursDescription | None:
    """Plain-French description of ``expression``; ``None`` when it is empty or invalid."""
    expression = (expression or "").strip()
    if not expression:
        return None
    try:
        oh = _parse(expression)
        normalised = str(oh.normalize())
    except ValueError:
        return None
    description = HoursDescription()
    seasonal = bool(SEASONAL.search(normalised))
    if seasonal:
        today = today or date.today()
        monday = today - timedelta(days=today.weekday())
    else:
        monday = REFERENCE_MONDAY
    names = day_names()
    try:
        week = [day_spans(oh, monday + timedelta(days=offset)) for offset in range(7)]
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException:  # a bug of the evaluator on an odd expression must not take the page down
        return None
    join_overnight(week)
    per_day = [format_spans(spans) for spans in week]
    if all(text == _("toute la journée") for text in per_day):
        description.days.append((_("Tous les jours"), _("24 h sur 24")))
    elif all(text == _("fermé") for text in per_day) and not seasonal:
        description.days.append((_("Tous les jours"), _("fermé")))
    else:
        first = 0
        for index in range(1, 8):
            if index == 7 or per_day[index] != per_day[first]:
                description.days.append((days_label(names, first, index - 1), per_day[first]))
                first = index
    if PH_CLOSED.search(normalised):
        description.notes.append(_("Fermé les jours fériés."))
    else:
        times = PH_TIMES.search(normalised)
        if times:
            description.notes.append(_("Les jours fériés : %(hours)s.", hours=times.group(1).replace(",", ", ")))
    if seasonal:
        description.notes.append(_("Les horaires changent selon la période ; ci-dessus, ceux de cette semaine."))
    return description
