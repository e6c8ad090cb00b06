"""The work of the plugin: money, dates, search, ranking, the funding plan, alerts and imports."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from urllib.parse import parse_qs, urlencode
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import joinedload

from qn_portal.api import COMMUNES, Association, Membership, db
from qn_portal.api import gettext as _

from .models import (
    AID_TYPES,
    RECURRENCES,
    SCOPES,
    THEMES,
    Application,
    Opportunity,
    PlanYear,
    Profile,
    unpack,
)

PARIS = ZoneInfo("Europe/Paris")
DEFAULT_THEMES = ("inclusion_numerique",)
MAX_CENTS = 10**12  # ten billion euros: anything larger is a typing error


# --- dates and money --------------------------------------------------------------------------------------


def paris_today(now: datetime | None = None) -> date:
    """The calendar date in Bordeaux: "today" for deadlines and reminders, whatever the server's zone."""
    now = now or datetime.now(tz=PARIS)
    if now.tzinfo is None:
        raise ValueError("naive datetime")
    return now.astimezone(PARIS).date()


def parse_euros(text: str | None) -> int | None:
    """``"12 500"``, ``"12 500,50 €"``, ``"12500.5"`` → cents; ``None`` when empty; ValueError when not an amount."""
    if text is None:
        return None
    cleaned = re.sub(r"[\s\u00a0\u202f€]", "", str(text))
    if not cleaned:
        return None
    if re.fullmatch(r"-?\d+([.,]\d{1,2})?", cleaned) is None:
        raise ValueError(text)
    try:
        value = Decimal(cleaned.replace(",", "."))
    except InvalidOperation as error:
        raise ValueError(text) from error
    cents = int((value * 100).to_integral_value())
    if cents < 0:
        raise ValueError("negative")
    if cents > MAX_CENTS:
        raise ValueError("too large")
    return cents


def format_euros(cents: int | None, empty: str = "—") -> str:
    """French format with narrow no-break spaces: ``1250000`` → ``"12 500 €"`` (cents shown only when present)."""
    if cents is None:
        return empty
    negative = cents < 0
    cents = abs(int(cents))
    euros, rest = divmod(cents, 100)
    grouped = f"{euros:,}".replace(",", "\u202f")
    text = f"{grouped},{rest:02d}" if rest else grouped
    return ("-" if negative else "") + text + "\u00a0€"


def euros_input(cents: int | None) -> str:
    """The value shown back in a form field."""
    if cents is None:
        return ""
    euros, rest = divmod(int(cents), 100)
    return f"{euros},{rest:02d}" if rest else str(euros)


def format_date(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def fold(text: str) -> str:
    """Lower case without accents, the same in Python for documents and queries (SQLite's lower() is ASCII only)."""
    text = (text or "").replace("œ", "oe").replace("Œ", "oe").replace("æ", "ae").replace("Æ", "ae")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).lower()


def refresh_search_text(opportunity: Opportunity) -> None:
    from .documents import plain

    funder = opportunity.funder.name if opportunity.funder else ""
    opportunity.search_text = fold(" ".join([opportunity.title or "", plain(opportunity.description_html or ""),
                                             opportunity.beneficiaries or "", funder]))


# --- search ----------------------------------------------------------------------------------------------


@dataclass
class Filters:
    q: str = ""
    theme: str = ""
    aid_type: str = ""
    commune: str = ""
    scope: str = ""
    amount_cents: int | None = None
    deadline_before: date | None = None
    open_now: bool = False

    def to_query(self) -> str:
        values = {"q": self.q, "theme": self.theme, "aid_type": self.aid_type, "commune": self.commune,
                  "scope": self.scope, "amount": "" if self.amount_cents is None else str(self.amount_cents // 100),
                  "deadline_before": self.deadline_before.isoformat() if self.deadline_before else "",
                  "open_now": "y" if self.open_now else ""}
        return urlencode({key: value for key, value in values.items() if value})

    @property
    def active(self) -> bool:
        return bool(self.to_query())


def filters_from_args(args) -> tuple[Filters, list[str]]:
    """Read the search filters from query arguments; a bad value is left out and reported."""
    problems: list[str] = []
    filters = Filters(q=(args.get("q") or "").strip()[:200])
    if args.get("theme") in THEMES:
        filters.theme = args["theme"]
    if args.get("aid_type") in AID_TYPES:
        filters.aid_type = args["aid_type"]
    if args.get("commune") in COMMUNES:
        filters.commune = args["commune"]
    if args.get("scope") in SCOPES:
        filters.scope = args["scope"]
    if args.get("amount"):
        try:
            filters.amount_cents = parse_euros(args["amount"])
        except ValueError:
            problems.append(_("Le montant doit être un nombre positif d'euros."))
    if args.get("deadline_before"):
        try:
            filters.deadline_before = date.fromisoformat(args["deadline_before"])
        except ValueError:
            problems.append(_("La date limite doit être une date (AAAA-MM-JJ)."))
    filters.open_now = args.get("open_now") in ("y", "1", "on", "true")
    return filters, problems


def filters_from_query(query: str) -> Filters:
    args = {key: values[0] for key, values in parse_qs(query or "").items()}
    return filters_from_args(args)[0]


def covers_commune(commune: str):
    """SQL condition: the opportunity's territory includes ``commune`` (of Bordeaux Métropole)."""
    return or_(Opportunity.scope.in_(("departement", "region", "national", "europe", "metropole")),
               and_(Opportunity.scope == "communes", Opportunity.communes.like(f"%|{commune}|%")))


def open_condition(today: date):
    return and_(or_(Opportunity.opens_on.is_(None), Opportunity.opens_on <= today),
                or_(Opportunity.deadline.is_(None), Opportunity.deadline >= today))


def search_statement(filters: Filters, today: date):
    statement = select(Opportunity)
    if filters.q:
        for word in fold(filters.q).split()[:8]:
            escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            statement = statement.where(Opportunity.search_text.like(f"%{escaped}%", escape="\\"))
    if filters.theme:
        statement = statement.where(Opportunity.themes.like(f"%|{filters.theme}|%"))
    if filters.aid_type:
        statement = statement.where(Opportunity.aid_type == filters.aid_type)
    if filters.commune:
        statement = statement.where(covers_commune(filters.commune))
    if filters.scope:
        statement = statement.where(Opportunity.scope == filters.scope)
    if filters.amount_cents is not None:
        statement = statement.where(or_(Opportunity.amount_max_cents.is_(None),
                                        Opportunity.amount_max_cents >= filters.amount_cents))
    if filters.deadline_before:
        statement = statement.where(Opportunity.deadline.is_not(None), Opportunity.deadline <= filters.deadline_before)
    if filters.open_now:
        statement = statement.where(open_condition(today))
    # Sorted by deadline, the soonest first; permanent aids (no deadline) last.
    return statement.order_by(Opportunity.deadline.is_(None), Opportunity.deadline, Opportunity.id)


# --- the funding plan ------------------------------------------------------------------------------------


@dataclass
class PlanRow:
    year: int
    budget_cents: int
    bms_cents: int
    secured_cents: int

    @property
    def gap_cents(self) -> int:
        return max(self.budget_cents - self.bms_cents - self.secured_cents, 0)


@dataclass
class Warning:
    year: int
    months: int
    drop_cents: int
    gap_cents: int


@dataclass
class Plan:
    association: Association
    rows: list[PlanRow] = field(default_factory=list)
    warnings: list[Warning] = field(default_factory=list)

    def row_for(self, year: int) -> PlanRow | None:
        return next((row for row in self.rows if row.year == year), None)

    def current_gap(self, today: date) -> int | None:
        """The gap of this year, or of the first planned year after it."""
        upcoming = [row for row in self.rows if row.year >= today.year]
        return upcoming[0].gap_cents if upcoming else None


def secured_by_year(association_ids: list[int]) -> dict[tuple[int, int], int]:
    rows = db.session.execute(
        select(Application.association_id, Application.year, func.coalesce(func.sum(Application.amount_obtained_cents), 0))
        .where(Application.association_id.in_(association_ids), Application.status == "accorde")
        .group_by(Application.association_id, Application.year))
    return {(association_id, year): int(total) for association_id, year, total in rows}


def months_between(start: date, end: date) -> int:
    """Whole months from ``start`` to ``end`` (rounded up: 1 day before the step is "1 month")."""
    months = (end.year - start.year) * 12 + end.month - start.month
    if end.day > start.day:
        months += 1
    return max(months, 0)


def build_plan(association: Association, today: date, warning_months: int = 6) -> Plan:
    years = db.session.scalars(select(PlanYear).where(PlanYear.association_id == association.id)
                               .order_by(PlanYear.year)).all()
    secured = secured_by_year([association.id])
    plan = Plan(association=association)
    for year in years:
        plan.rows.append(PlanRow(year.year, year.budget_cents, year.bms_cents, secured.get((association.id, year.year), 0)))
    for previous, row in zip(plan.rows, plan.rows[1:], strict=False):
        if row.bms_cents < previous.bms_cents:
            step = date(row.year, 1, 1)
            months = months_between(today, step)
            if today < step and months <= warning_months:
                plan.warnings.append(Warning(row.year, months, previous.bms_cents - row.bms_cents, row.gap_cents))
    return plan


def plan_chart(plan: Plan) -> dict:
    """Geometry of the stacked bar chart (BMS, secured co-funding, gap) per year, in SVG units."""
    width, height, top, bottom, left = 640, 300, 20, 40, 90
    inner = height - top - bottom
    highest = max([row.budget_cents for row in plan.rows] + [row.bms_cents + row.secured_cents for row in plan.rows] + [1])
    # Round the axis up to four even steps of 1, 2 or 5 × 10ⁿ euros, so that the grid lines read well.
    grid = 100
    while grid * 4 < highest:
        for factor in (2, 2.5, 2):
            grid = int(grid * factor)
            if grid * 4 >= highest:
                break
    maximum = grid * 4
    step = (width - left - 10) / max(len(plan.rows), 1)
    bar = min(step * 0.6, 90)
    bars = []
    for index, row in enumerate(plan.rows):
        x = left + index * step + (step - bar) / 2
        y = top + inner
        parts = []
        for name, value in (("bms", row.bms_cents), ("secured", row.secured_cents), ("gap", row.gap_cents)):
            h = inner * value / maximum
            y -= h
            parts.append({"name": name, "y": round(y, 1), "height": round(h, 1), "value": value})
        bars.append({"x": round(x, 1), "width": round(bar, 1), "year": row.year, "parts": parts,
                     "label_x": round(x + bar / 2, 1)})
    ticks = [{"y": round(top + inner - inner * i / 4, 1), "value": grid * i, "label": format_euros(grid * i)}
             for i in range(5)]
    return {"width": width, "height": height, "bars": bars, "ticks": ticks, "left": left,
            "axis_y": top + inner, "label_y": top + inner + 20}


def association_themes(association_id: int) -> list[str]:
    profile = db.session.scalar(select(Profile).where(Profile.association_id == association_id))
    return unpack(profile.themes) if profile and profile.themes else list(DEFAULT_THEMES)


# --- "pour mon association" -----------------------------------------------------------------------------


@dataclass
class Fit:
    opportunity: Opportunity
    score: int
    reasons: list[str]


SCOPE_POINTS = {"communes": 30, "metropole": 25, "departement": 20, "region": 15, "national": 10, "europe": 10}


def fit(opportunity: Opportunity, commune: str, themes: list[str], gap_cents: int | None, today: date) -> Fit | None:
    """The score of an opportunity for an association, with its reasons; ``None`` when it does not apply.

    Points: territory (30 for the commune itself down to 10 for national), 10 per shared theme (at most 30),
    amount against the remaining gap (up to 25), time left before the deadline (up to 10).
    """
    if opportunity.status(today) != "ouvert":
        return None
    reasons: list[str] = []
    score = 0
    if opportunity.scope == "communes":
        if commune not in opportunity.commune_list:
            return None
        reasons.append(_("Le territoire de l'aide comprend votre commune (%(commune)s).", commune=commune))
    elif opportunity.scope == "metropole":
        if commune not in COMMUNES:
            return None
        reasons.append(_("L'aide couvre Bordeaux Métropole, où se trouve votre commune."))
    else:
        reasons.append(_("L'aide couvre votre territoire : %(scope)s.", scope=SCOPES.get(opportunity.scope, opportunity.scope)))
    score += SCOPE_POINTS.get(opportunity.scope, 0)
    shared = [theme for theme in opportunity.theme_list if theme in themes]
    if shared:
        score += min(10 * len(shared), 30)
        reasons.append(_("Thématiques en commun : %(themes)s.", themes=", ".join(str(THEMES[t]) for t in shared)))
    else:
        reasons.append(_("Aucune thématique en commun avec votre association."))
    maximum = opportunity.amount_max_cents
    if gap_cents is None:
        reasons.append(_("Pas de plan de financement : montant non comparé."))
    elif gap_cents <= 0:
        reasons.append(_("Votre plan de financement n'a pas de besoin restant."))
    elif maximum is None:
        score += 5
        reasons.append(_("Montant non précisé par le financeur."))
    elif maximum >= gap_cents:
        score += 25
        reasons.append(_("Le montant maximal (%(amount)s) couvre votre besoin restant (%(gap)s).",
                         amount=format_euros(maximum), gap=format_euros(gap_cents)))
    elif maximum * 4 >= gap_cents:
        score += 15
        reasons.append(_("Le montant maximal (%(amount)s) couvre une part importante de votre besoin restant (%(gap)s).",
                         amount=format_euros(maximum), gap=format_euros(gap_cents)))
    else:
        score += 5
        reasons.append(_("Le montant maximal (%(amount)s) couvre une petite part de votre besoin restant (%(gap)s).",
                         amount=format_euros(maximum), gap=format_euros(gap_cents)))
    if opportunity.deadline is None:
        score += 10
        reasons.append(_("Aide permanente : pas de date limite."))
    else:
        days = (opportunity.deadline - today).days
        if days >= 14:
            score += 10
            reasons.append(_("Date limite dans %(days)s jours : le temps de préparer le dossier.", days=days))
        else:
            score += 3
            reasons.append(_("Date limite proche : plus que %(days)s jours.", days=days))
    return Fit(opportunity, score, reasons)


def rank_for(association: Association, today: date, limit: int = 30) -> list[Fit]:
    opportunities = db.session.scalars(select(Opportunity).options(joinedload(Opportunity.funder))
                                      .where(open_condition(today))).all()
    plan = build_plan(association, today)
    gap = plan.current_gap(today)
    themes = association_themes(association.id)
    fits = [result for opportunity in opportunities
            if (result := fit(opportunity, association.commune, themes, gap, today)) is not None]
    fits.sort(key=lambda result: (-result.score, result.opportunity.deadline or date.max, result.opportunity.id))
    return fits[:limit]


# --- members ----------------------------------------------------------------------------------------------


def member_ids(association_id: int) -> list[int]:
    return list(db.session.scalars(select(Membership.user_id).where(Membership.association_id == association_id)))


def years_around(today: date) -> list[int]:
    return [today.year - 1, today.year, today.year + 1, today.year + 2]


def parse_date(text) -> date | None:
    if text in (None, ""):
        return None
    if isinstance(text, date):
        return text
    return date.fromisoformat(str(text)[:10])


def label_maps() -> dict:
    return {"aid_types": AID_TYPES, "scopes": SCOPES, "themes": THEMES, "recurrences": RECURRENCES}


