"""Search documents: funders and opportunities are for the community, applications for their association."""

from __future__ import annotations

import re

from flask import current_app, has_request_context, url_for

from qn_portal.api import SearchDocument, lazy_gettext

from .models import Application, Funder, Opportunity


def path(endpoint: str, **values) -> str:
    if has_request_context():
        return url_for(endpoint, **values)
    with current_app.test_request_context():  # a command (search reindex, seed-demo) has no request
        return url_for(endpoint, **values)


def plain(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html or "")


def funder_document(funder: Funder) -> SearchDocument:
    return SearchDocument(key=f"funder:{funder.id}", title=funder.name,
                          text=" ".join([funder.territory or "", funder.contacts or ""]),
                          url=path("cofinancements.funder", funder_id=funder.id), visibility="community",
                          kind=lazy_gettext("Financeur"))


def opportunity_document(opportunity: Opportunity) -> SearchDocument:
    return SearchDocument(key=f"opportunity:{opportunity.id}", title=opportunity.title,
                          text=" ".join([plain(opportunity.description_html), opportunity.beneficiaries or ""]),
                          url=path("cofinancements.opportunity", opportunity_id=opportunity.id),
                          visibility="community", kind=lazy_gettext("Aide ou appel à projets"))


def application_document(application: Application) -> SearchDocument:
    return SearchDocument(key=f"application:{application.id}", title=application.title,
                          text=" ".join([application.next_step or "", plain(application.notes_html)]),
                          url=path("cofinancements.application", application_id=application.id),
                          association_id=application.association_id, visibility="association",
                          kind=lazy_gettext("Demande de financement"))
