"""What the programme's views do, kept out of the views: applications, selection, timeline, reports."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from flask import current_app, has_request_context, url_for
from sqlalchemy import func, select

from qn_portal.api import (
    Association,
    Figure,
    Membership,
    SearchDocument,
    User,
    collect_figures,
    db,
    index_document,
    lazy_gettext,
    utcnow,
)

from . import eligibility
from .models import (
    CRITERIA,
    DRAFT,
    MILESTONES,
    SELECTED,
    SUBMITTED,
    ProgrammeApplication,
    ProgrammeCall,
    ProgrammeMilestone,
    ProgrammeReview,
)

PARIS = ZoneInfo("Europe/Paris")
ANSWER_FIELDS = ("neighbourhood_id", "mediation_hours", "other_people", "room_capacity", "room_days",
                 "training_project", "share_practice", "referring_partners", "explanation", "commune",
                 "outside_neighbourhoods")


def today() -> date:
    return utcnow().astimezone(PARIS).date()


# --- applications ------------------------------------------------------------------------------------------


def start_application(call: ProgrammeCall, user, association) -> ProgrammeApplication:
    """The draft of ``association`` (or of ``user`` when they have none) for ``call``: resumed, or new."""
    statement = select(ProgrammeApplication).where(ProgrammeApplication.call_id == call.id)
    if association is not None:
        statement = statement.where(ProgrammeApplication.association_id == association.id)
    else:
        statement = statement.where(ProgrammeApplication.association_id.is_(None),
                                    ProgrammeApplication.created_by_id == user.id)
    application = db.session.scalars(statement.limit(1)).first()
    if application is None:
        application = ProgrammeApplication(call_id=call.id, created_by_id=user.id, status=DRAFT)
        if association is not None:
            application.association_id = association.id
            application.organisation_name = association.name
            application.commune = association.commune
            application.neighbourhood_id = association.neighbourhood_id
            application.room_capacity = association.room_capacity
            application.room_days = len(association.room_weekdays) or None
        db.session.add(application)
        db.session.flush()
    return application


def save_answers(application: ProgrammeApplication, form) -> None:
    answers = form.answers()
    for name in ANSWER_FIELDS:
        setattr(application, name, answers[name])
    if form.needs_name:
        application.organisation_name = (form.organisation_name.data or "").strip()
    application.updated_at = utcnow()


def submit(application: ProgrammeApplication, problems) -> None:
    application.status = SUBMITTED
    application.eligible = not problems
    application.submitted_at = utcnow()


def problems_of(application) -> list:
    return eligibility.check(eligibility.application_values(application))


def applicant_ids(application: ProgrammeApplication) -> list[int]:
    """Who hears about the application: the association's managers, or the person who applied."""
    if application.association_id:
        return list(db.session.scalars(select(Membership.user_id).where(
            Membership.association_id == application.association_id, Membership.role == "manager")))
    return [application.created_by_id] if application.created_by_id else []


def manager_ids(association_id: int) -> list[int]:
    return list(db.session.scalars(select(Membership.user_id).where(
        Membership.association_id == association_id, Membership.role == "manager")))


def coordinator_ids() -> list[int]:
    return list(db.session.scalars(select(User.id).where(User.role == "coordinator")))


def applications_of_user(user) -> list[ProgrammeApplication]:
    association_ids = [m.association_id for m in user.memberships]
    return list(db.session.scalars(
        select(ProgrammeApplication).where(
            ProgrammeApplication.association_id.in_(association_ids)
            | ((ProgrammeApplication.association_id.is_(None)) & (ProgrammeApplication.created_by_id == user.id)))
        .order_by(ProgrammeApplication.id.desc()).limit(50)))


def count_by_status(call_ids) -> dict:
    rows = db.session.execute(select(ProgrammeApplication.call_id, ProgrammeApplication.status, func.count())
                              .where(ProgrammeApplication.call_id.in_(list(call_ids)))
                              .group_by(ProgrammeApplication.call_id, ProgrammeApplication.status))
    counts: dict = defaultdict(dict)
    for call_id, status, count in rows:
        counts[call_id][status] = count
    return counts


# --- reviews -----------------------------------------------------------------------------------------------


def reviews_of(application_ids) -> dict:
    """{application_id: {criterion: [reviews]}} in one query."""
    rows = db.session.scalars(select(ProgrammeReview).where(ProgrammeReview.application_id.in_(list(application_ids)))
                              .order_by(ProgrammeReview.id))
    result: dict = defaultdict(lambda: defaultdict(list))
    for review in rows:
        result[review.application_id][review.criterion].append(review)
    return result


def save_review(application, reviewer, form) -> None:
    existing = {r.criterion: r for r in db.session.scalars(select(ProgrammeReview).where(
        ProgrammeReview.application_id == application.id, ProgrammeReview.reviewer_id == reviewer.id))}
    for criterion in CRITERIA:
        score = form[f"score_{criterion}"].data
        comment = (form[f"comment_{criterion}"].data or "").strip()
        review = existing.get(criterion)
        if review is None:
            if not score and not comment:
                continue
            review = ProgrammeReview(application_id=application.id, reviewer_id=reviewer.id, criterion=criterion)
            db.session.add(review)
        review.score = int(score) if score else None
        review.comment = comment


def total_score(reviews_by_criterion) -> float | None:
    """The mean score per criterion, summed over criteria (None without any score)."""
    total, any_score = 0.0, False
    for reviews in reviews_by_criterion.values():
        scores = [r.score for r in reviews if r.score is not None]
        if scores:
            total += sum(scores) / len(scores)
            any_score = True
    return round(total, 1) if any_score else None


# --- selection and timeline --------------------------------------------------------------------------------


def create_timeline(association_id: int, cohort: int, start: date) -> list[ProgrammeMilestone]:
    """The two-year milestones of the charte, due so many months after ``start``; kept if already there."""
    existing = {m.kind: m for m in db.session.scalars(select(ProgrammeMilestone).where(
        ProgrammeMilestone.association_id == association_id, ProgrammeMilestone.cohort == cohort))}
    milestones = []
    for kind, months in MILESTONES:
        milestone = existing.get(kind)
        if milestone is None:
            milestone = ProgrammeMilestone(association_id=association_id, cohort=cohort, kind=kind,
                                           due_on=start + relativedelta(months=months))
            db.session.add(milestone)
        milestones.append(milestone)
    db.session.flush()
    return milestones


def decide(application: ProgrammeApplication, status: str, note: str) -> None:
    application.status = status
    application.decision_note = note
    application.decided_at = utcnow()
    if status == SELECTED:
        from .selection import select_association

        association = select_association(application, application.call.cohort, "year1")
        create_timeline(association.id, application.call.cohort, today())


def timeline(association_id: int) -> list[ProgrammeMilestone]:
    return list(db.session.scalars(select(ProgrammeMilestone).where(ProgrammeMilestone.association_id == association_id)
                                   .order_by(ProgrammeMilestone.due_on, ProgrammeMilestone.id)))


def late_milestones_statement(on: date):
    return (select(ProgrammeMilestone).where(ProgrammeMilestone.done_on.is_(None), ProgrammeMilestone.due_on < on)
            .order_by(ProgrammeMilestone.due_on, ProgrammeMilestone.id))


def followed_associations_statement():
    followed = select(ProgrammeMilestone.association_id).distinct()
    return select(Association).where(Association.id.in_(followed)).order_by(Association.name)


def milestone_summary(association_ids, on: date) -> dict:
    """{association_id: (done, late, total)} in one query."""
    rows = db.session.execute(select(ProgrammeMilestone.association_id, ProgrammeMilestone.done_on,
                                     ProgrammeMilestone.due_on)
                              .where(ProgrammeMilestone.association_id.in_(list(association_ids))))
    summary: dict = defaultdict(lambda: [0, 0, 0])
    for association_id, done_on, due_on in rows:
        counts = summary[association_id]
        counts[2] += 1
        if done_on is not None:
            counts[0] += 1
        elif due_on < on:
            counts[1] += 1
    return summary


# --- reports -----------------------------------------------------------------------------------------------


def report_associations(cohort: int | None, funder=None) -> list[Association]:
    """Whom a report covers: a funder's associations (those it lists, or its cohort), a cohort, or every one."""
    statement = select(Association).order_by(Association.name, Association.id)
    if funder is not None:
        listed = [a.id for a in funder.associations]
        if listed:
            statement = statement.where(Association.id.in_(listed))
        elif funder.cohort:
            statement = statement.where(Association.cohort == funder.cohort)
        else:
            return []       # its associations were all removed from the portal: nobody to report on
    if cohort:
        statement = statement.where(Association.cohort == cohort)
    return list(db.session.scalars(statement))


def report(cohort: int | None, start: date, end: date, funder=None) -> dict:
    """Figures per measure and per association, from every enabled plugin, plus the milestones on time.

    A measure's total is the sum of its figures, except for rates (unit "%"), which do not add up: no total.
    ``unit`` is the unit's words for the total, ``units`` for each association's value (``Figure.unit_for``).
    """
    associations = report_associations(cohort, funder)
    ids = [a.id for a in associations]
    figures = collect_figures(ids, start, end) if ids else []
    allowed = set(ids)
    measures: dict = {}
    for figure in figures:
        if figure.association_id is not None and figure.association_id not in allowed:
            continue
        measure = measures.setdefault(figure.key, {"key": figure.key, "label": str(figure.label),
                                                   "figure": figure, "by_association": defaultdict(float),
                                                   "total": 0, "additive": figure.unit_for(0) != "%"})
        value = figure.value or 0
        measure["total"] += value
        measure["by_association"][figure.association_id] += value
    sections: dict = defaultdict(list)
    for measure in measures.values():
        # The words of the unit agree with the number they follow: the total, or each association's value.
        first = measure.pop("figure")
        measure["total"] = _tidy(measure["total"]) if measure["additive"] else None
        measure["by_association"] = {k: _tidy(v) for k, v in measure["by_association"].items()}
        measure["unit"] = first.unit_for(measure["total"] if measure["total"] is not None else first.value)
        measure["units"] = {k: first.unit_for(v) for k, v in measure["by_association"].items()}
        sections[measure["key"].split(".", 1)[0]].append(measure)
    milestones = db.session.execute(select(ProgrammeMilestone.done_on, ProgrammeMilestone.due_on).where(
        ProgrammeMilestone.association_id.in_(ids), ProgrammeMilestone.due_on >= start,
        ProgrammeMilestone.due_on < end)).all() if ids else []
    due = len(milestones)
    on_time = sum(1 for done_on, due_on in milestones if done_on is not None and done_on <= due_on)
    return {"associations": associations, "sections": dict(sections), "measures": list(measures.values()),
            "milestones_due": due, "milestones_on_time": on_time, "funder": funder}


def programme_figures(association_ids, start: date, end: date) -> list[Figure]:
    """The programme's own figures (its ``report_figures``): médiateurs trained and equipment delivered."""
    from .binome import trained_in_period
    from .equipment import delivered_in_period

    trained = trained_in_period(association_ids, start, end)
    delivered = delivered_in_period(association_ids, start, end)
    if association_ids is None:     # the whole programme: one figure per measure
        trained = {None: (sum(count for count, _ in trained.values()),
                          sum(sessions for _, sessions in trained.values()))}
        delivered = {None: sum(delivered.values())}
        keys = [None]
    else:
        keys = list(association_ids)
    figures = []
    for key in keys:
        count, sessions = trained.get(key) or (0, 0)
        figures += [
            Figure("programme.mediators_trained", lazy_gettext("Médiateurs formés"), count,
                   (lazy_gettext("personne"), lazy_gettext("personnes")), association_id=key),
            Figure("programme.training_sessions", lazy_gettext("Séances de formation suivies par les médiateurs formés"),
                   sessions, (lazy_gettext("séance"), lazy_gettext("séances")), association_id=key),
            Figure("programme.equipment_delivered", lazy_gettext("Matériel livré"), delivered.get(key, 0),
                   (lazy_gettext("pièce"), lazy_gettext("pièces")), association_id=key),
        ]
    return figures


def _tidy(value):
    return int(value) if float(value).is_integer() else round(value, 2)


def bar_chart(measure: dict, associations) -> dict:
    """The geometry of a horizontal bar chart, one bar per association (drawn as SVG by the template)."""
    bars = [(a.name, measure["by_association"].get(a.id, 0)) for a in associations]
    biggest = max([value for _name, value in bars] + [0]) or 1
    return {"bars": [{"label": name, "value": value, "width": round(300 * value / biggest), "y": 24 * index}
                     for index, (name, value) in enumerate(bars)],
            "height": 24 * len(bars) + 4}


# --- search ------------------------------------------------------------------------------------------------


def _url(endpoint, **values) -> str:
    if has_request_context():
        return url_for(endpoint, **values)
    with current_app.test_request_context():
        return url_for(endpoint, **values)


def call_document(call: ProgrammeCall) -> SearchDocument:
    return SearchDocument(key=f"call:{call.id}", title=call.title, text=f"{call.cohort} {call.charter}",
                          url=_url("programme.call", call_id=call.id), visibility="programme",
                          kind=lazy_gettext("Appel à candidatures"))


def application_document(application: ProgrammeApplication) -> SearchDocument:
    # Private: the applicant association and coordinators only (no association yet: coordinators only).
    return SearchDocument(key=f"application:{application.id}",
                          title=f"{application.display_name} — {application.call.title}",
                          text=application.training_project, association_id=application.association_id,
                          url=_url("programme.application", application_id=application.id),
                          visibility="association", kind=lazy_gettext("Candidature"))


def index_call(call) -> None:
    index_document("programme", call_document(call))


def index_application(application) -> None:
    index_document("programme", application_document(application))


def all_documents():
    for call in db.session.scalars(select(ProgrammeCall).order_by(ProgrammeCall.id)):
        yield call_document(call)
    for application in db.session.scalars(select(ProgrammeApplication).order_by(ProgrammeApplication.id)):
        yield application_document(application)


def as_paris(moment: datetime | None) -> str:
    return moment.astimezone(PARIS).strftime("%d/%m/%Y %H:%M") if moment else ""


def open_applications_count() -> int:
    from .models import UNDER_REVIEW

    return db.session.scalar(select(func.count()).select_from(ProgrammeApplication).where(
        ProgrammeApplication.status.in_((SUBMITTED, UNDER_REVIEW)))) or 0


def milestones_due_soon(on: date, days: int = 14) -> list[ProgrammeMilestone]:
    return list(db.session.scalars(select(ProgrammeMilestone).where(
        ProgrammeMilestone.done_on.is_(None), ProgrammeMilestone.due_on >= on,
        ProgrammeMilestone.due_on <= on + relativedelta(days=days)).order_by(ProgrammeMilestone.id)))


def next_milestones(user, limit: int = 4) -> list[ProgrammeMilestone]:
    """The milestones still to do of the user's associations, the soonest (or latest) first."""
    association_ids = [m.association_id for m in user.memberships]
    if not association_ids:
        return []
    return list(db.session.scalars(select(ProgrammeMilestone).where(
        ProgrammeMilestone.association_id.in_(association_ids), ProgrammeMilestone.done_on.is_(None))
        .order_by(ProgrammeMilestone.due_on, ProgrammeMilestone.id).limit(limit)))
