"""The seam towards the ``ressources`` plugin: the teaching resources linked to a workshop.

The two plugins are written separately and ``ressources`` may be disabled or uninstalled. A workshop stores
only resource ids (``WorkshopResource``, no foreign key); everything else goes through this module, which
imports ``ressources`` lazily and only when ``plugin_enabled("ressources")``. When that plugin is missing,
disabled or fails, the workshop page shows no resources section and the form hides the field: never an
error, and the stored links are kept for when it comes back.

What a médiateur types in the form, one resource a line: its address (``https://…/ressources/123``,
``/ressources/123``, a page below it such as ``…/ressources/123/modifier``) or its number (``123``); anything
after the first space is a note for the reader and is ignored (the form shows each link as
"address title").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import request, url_for

from qn_portal.api import db, gettext, plugin_enabled

MAX_LINKED = 20
# The last "/ressources/<number>" of the path, whatever prefix the portal is mounted under.
RESOURCE_PATH = re.compile(r"(?:^|/)ressources/(\d{1,9})(?:/[^?#]*)?$")
NUMBER = re.compile(r"^\d{1,9}$")  # at most 9 digits: larger numbers would overflow PostgreSQL's integer


@dataclass(frozen=True)
class ResourceLink:
    """What the workshop page shows of a linked resource (plain values: nothing of ``ressources`` leaks out)."""

    id: int
    title: str
    url: str


class LinesRefused(ValueError):
    """The typed lines hold mistakes: ``messages`` are French, one per faulty line."""

    def __init__(self, messages: list[str]):
        super().__init__("; ".join(messages))
        self.messages = messages


def _lookup():
    """``resources_visible_to`` of the ``ressources`` plugin, or ``None`` when it is not there to ask."""
    if not plugin_enabled("ressources"):
        return None
    try:
        from plugins.ressources.services import resources_visible_to
    except ImportError:
        return None
    return resources_visible_to


def available() -> bool:
    """Whether linked resources can be shown and edited right now."""
    return _lookup() is not None


def readable(user, ids: list[int]) -> list | None:
    """The resources among ``ids`` that ``user`` may read, in that order; ``None`` when ``ressources`` cannot
    answer (disabled, missing, or failing: its failure must not break the workshop page)."""
    lookup = _lookup()
    if lookup is None:
        return None
    if not ids:
        return []
    try:
        # A savepoint, so that a failed query on PostgreSQL does not poison the rest of the request.
        with db.session.begin_nested():
            return list(lookup(user, ids))
    except Exception:  # noqa: BLE001 - another plugin's failure must not break the workshop page
        return None


def _as_links(resources) -> list[ResourceLink]:
    return [ResourceLink(id=r.id, title=r.title, url=url_for("ressources.show", resource_id=r.id))
            for r in resources]


def links_for(workshop, user) -> list[ResourceLink]:
    """The linked resources of ``workshop`` that ``user`` may read, in the organiser's order (or none)."""
    ids = workshop.resource_ids
    if not ids:
        return []
    found = readable(user, ids)
    if not found:
        return []
    try:
        return _as_links(found)
    except Exception:  # noqa: BLE001 - e.g. ressources' blueprint missing: no section rather than an error
        return []


def field_text(workshop, user) -> tuple[str, int]:
    """The form's initial text (one readable link a line, "address title") and how many stored links the
    user may not read (they are kept when the form is saved)."""
    ids = workshop.resource_ids
    links = links_for(workshop, user)
    lines = "\n".join(f"{link.url} {' '.join(link.title.split())}" for link in links)
    return lines, len(ids) - len(links)


class _ForeignSite(Exception):
    """The line is the address of another site (its numbers are not this portal's resources)."""


def _parse_line(line: str) -> int | None:
    """The resource id a line refers to, ``None`` when it refers to none; raises ``_ForeignSite``."""
    reference = line.split(None, 1)[0]
    if NUMBER.match(reference):
        return int(reference)
    if "://" not in reference and "." in reference.split("/", 1)[0]:
        reference = "//" + reference  # "portail.example.org/ressources/12", as browsers show addresses
    parts = urlsplit(reference)
    if parts.scheme not in ("", "http", "https"):
        return None
    if parts.netloc and parts.netloc.lower() != request.host.lower():
        raise _ForeignSite
    if not parts.netloc and parts.scheme:
        return None
    found = RESOURCE_PATH.search(parts.path)
    return int(found.group(1)) if found else None


def parse(text: str) -> list[tuple[int, int]]:
    """``(line number, resource id)`` for each filled line, duplicates left out; raises ``LinesRefused``."""
    found: list[tuple[int, int]] = []
    seen: set[int] = set()
    problems: list[str] = []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        shown = line if len(line) <= 80 else line[:79] + "…"
        try:
            resource_id = _parse_line(line)
        except _ForeignSite:
            problems.append(gettext("Ligne %(line)s : « %(text)s » est l'adresse d'un autre site ; collez "
                                    "l'adresse d'une ressource de ce portail.", line=number, text=shown))
            continue
        except ValueError:
            resource_id = None  # a malformed address (urlsplit refuses some brackets)
        if not resource_id:
            problems.append(gettext("Ligne %(line)s : « %(text)s » n'est ni l'adresse ni le numéro d'une "
                                    "ressource (par exemple /ressources/123 ou 123).", line=number, text=shown))
        elif resource_id not in seen:
            seen.add(resource_id)
            found.append((number, resource_id))
    if problems:
        raise LinesRefused(problems)
    if len(found) > MAX_LINKED:
        raise LinesRefused([gettext("%(count)s ressources au plus.", count=MAX_LINKED)])
    return found


def checked_ids(text: str, user, already_linked: list[int]) -> list[int]:
    """The ids the typed ``text`` links, each one readable by ``user``; raises ``LinesRefused``.

    Links the user may not read are refused (they could not know what they link), except those already on
    the workshop: another organiser's draft stays linked when a colleague saves the form.
    """
    lines = parse(text)
    wanted = [resource_id for _line, resource_id in lines]
    found = readable(user, wanted)
    if found is None:
        raise LinesRefused([gettext("Les ressources ne peuvent pas être vérifiées pour le moment : "
                                    "réessayez plus tard ou videz ce champ.")])
    readable_ids = {r.id for r in found}
    problems = [gettext("Ligne %(line)s : la ressource n° %(id)s n'existe pas ou vous ne pouvez pas la lire.",
                        line=line, id=resource_id)
                for line, resource_id in lines if resource_id not in readable_ids and resource_id not in already_linked]
    if problems:
        raise LinesRefused(problems)
    return wanted


def kept_hidden(workshop, user, typed: list[int]) -> list[int]:
    """Stored links of ``workshop`` that ``user`` may not read and so did not see: kept after ``typed``."""
    stored = workshop.resource_ids
    if not stored:
        return []
    found = readable(user, stored) or []
    visible = {r.id for r in found}
    return [resource_id for resource_id in stored if resource_id not in visible and resource_id not in typed]


def save_links(workshop, ids: list[int]) -> None:
    """Replace the workshop's links by ``ids``, in that order (rows kept when unchanged)."""
    from .models import WorkshopResource

    existing = {link.resource_id: link for link in workshop.resource_links}
    links = []
    for position, resource_id in enumerate(ids):
        link = existing.get(resource_id) or WorkshopResource(resource_id=resource_id)
        link.position = position
        links.append(link)
    workshop.resource_links = links


def forget(resource_id: int) -> None:
    """A resource was deleted in ``ressources``: its links go too (the caller commits)."""
    from sqlalchemy import delete

    from .models import WorkshopResource

    db.session.execute(delete(WorkshopResource).where(WorkshopResource.resource_id == resource_id))
