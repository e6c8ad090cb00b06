"""Import of aids in the format of Aides-territoires' public API (a ``results`` list of aids)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from qn_portal.api import COMMUNES, db, index_document, render_markdown
from qn_portal.api import gettext as _

from .documents import opportunity_document
from .models import Funder, Opportunity, pack
from .services import refresh_search_text

SOURCE = "aides-territoires"
SCOPE_NAMES = {
    "france": "national", "national": "national", "europe": "europe", "union européenne": "europe",
    "nouvelle-aquitaine": "region", "gironde": "departement", "bordeaux métropole": "metropole",
    "bordeaux metropole": "metropole",
}
THEME_WORDS = [
    ("numérique", "inclusion_numerique"), ("emploi", "insertion_emploi"), ("insertion", "insertion_emploi"),
    ("jeunesse", "education_jeunesse"), ("éducation", "education_jeunesse"), ("senior", "seniors"),
    ("âgées", "seniors"), ("famille", "parentalite"), ("parentalité", "parentalite"),
    ("politique de la ville", "politique_ville"), ("quartier", "politique_ville"), ("solidarit", "cohesion_sociale"),
    ("cohésion", "cohesion_sociale"), ("association", "vie_associative"), ("équipement", "equipement"),
    ("droits", "acces_droits"),
]
RECURRENCE_NAMES = {"oneoff": "ponctuelle", "ponctuelle": "ponctuelle", "ongoing": "permanente",
                    "permanente": "permanente", "recurring": "recurrente", "récurrente": "recurrente"}


class EntryError(ValueError):
    """One aid of the file cannot be imported; the message says why, in French."""


class ImportFileError(ValueError):
    """The file as a whole is not an Aides-territoires export."""


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)


def _text(entry: dict, name: str, limit: int) -> str:
    value = entry.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise EntryError(_("le champ « %(field)s » doit être un texte", field=name))
    return value.strip()[:limit]


def _names(entry: dict, name: str) -> list[str]:
    value = entry.get(name) or []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise EntryError(_("le champ « %(field)s » doit être une liste", field=name))
    names = []
    for item in value:
        if isinstance(item, dict):
            item = item.get("name")
        if not isinstance(item, str):
            raise EntryError(_("le champ « %(field)s » contient une valeur qui n'est pas un texte", field=name))
        if item.strip():
            names.append(item.strip())
    return names


def _date(entry: dict, name: str) -> date | None:
    value = entry.get(name)
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError as error:
        raise EntryError(_("la date « %(field)s » n'est pas valide (%(value)s)", field=name, value=str(value)[:40])) from error


def _url(entry: dict, name: str) -> str:
    value = _text(entry, name, 500)
    # Only web addresses become links: a javascript: URL in a file must never reach a page.
    return value if value.lower().startswith(("https://", "http://")) else ""


def _scope(entry: dict) -> tuple[str, list[str]]:
    perimeter = entry.get("perimeter")
    if isinstance(perimeter, dict):
        perimeter = perimeter.get("name")
    if not isinstance(perimeter, str) or not perimeter.strip():
        raise EntryError(_("le périmètre (« perimeter ») manque"))
    name = perimeter.strip()
    if name.lower() in SCOPE_NAMES:
        return SCOPE_NAMES[name.lower()], []
    communes = [commune for commune in COMMUNES if commune.lower() == name.lower()]
    if communes:
        return "communes", communes
    raise EntryError(_("périmètre non reconnu : %(name)s", name=name[:80]))


def funder_kind(name: str) -> str:
    lowered = name.lower()
    for words, kind in ((("caf", "allocations familiales"), "caf"),
                        (("fondation d'entreprise",), "fondation_entreprise"),
                        (("fondation",), "fondation"),
                        (("union européenne", "fse", "feder", "européen"), "fonds_europeen"),
                        (("conseil départemental", "métropole", "région", "commune", "mairie", "ville de"),
                         "collectivite"),
                        (("ministère", "anct", "état", "préfecture", "agence nationale"), "etat")):
        if any(word in lowered for word in words):
            return kind
    return "autre"


def parse_entry(entry) -> dict:
    if not isinstance(entry, dict):
        raise EntryError(_("l'entrée n'est pas un objet"))
    identifier = entry.get("slug") or entry.get("id")
    if not isinstance(identifier, str | int) or isinstance(identifier, bool) or not str(identifier).strip():
        raise EntryError(_("l'identifiant (« id » ou « slug ») manque"))
    title = _text(entry, "name", 300)
    if not title:
        raise EntryError(_("le nom de l'aide (« name ») manque"))
    scope, communes = _scope(entry)
    opens_on, deadline = _date(entry, "start_date"), _date(entry, "submission_deadline")
    if opens_on and deadline and deadline < opens_on:
        raise EntryError(_("la date limite est avant la date d'ouverture"))
    rate = entry.get("subvention_rate_upper_bound")
    if rate not in (None, ""):
        if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 <= rate <= 100:
            raise EntryError(_("le taux maximal doit être compris entre 0 et 100 %"))
        rate = int(rate)
    else:
        rate = None
    aid_types = " ".join(_names(entry, "aid_types")).lower()
    aid_type = ("subvention" if "subvention" in aid_types else "pret" if ("prêt" in aid_types or "avance" in aid_types)
                else "mecenat_financier" if "mécénat" in aid_types else "don_materiel" if "matériel" in aid_types
                else "autre")
    categories = " ".join(_names(entry, "categories")).lower()
    themes = []
    for word, theme in THEME_WORDS:
        if word in categories and theme not in themes:
            themes.append(theme)
    recurrence = RECURRENCE_NAMES.get(_text(entry, "recurrence", 40).lower(), "ponctuelle")
    description = _text(entry, "description", 20000)
    return {
        "source_key": f"{SOURCE}:{str(identifier).strip()[:250]}",
        "title": title,
        "description": description,
        "description_html": render_markdown(description),
        "funder_names": _names(entry, "financers"),
        "beneficiaries": ", ".join(_names(entry, "targeted_audiences"))[:500],
        "aid_type": aid_type,
        "themes": pack(themes),
        "scope": scope,
        "communes": pack(communes),
        "opens_on": opens_on,
        "deadline": deadline,
        "max_rate": rate,
        "recurrence": recurrence,
        "application_url": _url(entry, "application_url"),
        "origin_url": _url(entry, "origin_url"),
    }


def load(raw: bytes | str) -> list:
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as error:
        raise ImportFileError(_("Le fichier n'est pas du JSON valide.")) from error
    if not isinstance(data, dict) or not isinstance(data.get("results"), list):
        raise ImportFileError(_("Le fichier doit contenir une liste « results » d'aides (format Aides-territoires)."))
    return data["results"]


def import_aids(raw: bytes | str) -> ImportReport:
    """Create or update opportunities from the file; each broken entry is reported and skipped."""
    entries = load(raw)
    report = ImportReport()
    funders = {funder.name.lower(): funder for funder in db.session.scalars(select(Funder))}
    for number, entry in enumerate(entries, start=1):
        label = entry.get("name") if isinstance(entry, dict) and isinstance(entry.get("name"), str) else ""
        try:
            values = parse_entry(entry)
        except EntryError as error:
            report.errors.append(_("Entrée n° %(number)s%(name)s : %(error)s.", number=number,
                                   name=f" (« {label[:80]} »)" if label else "", error=str(error)))
            continue
        funder = None
        names = values.pop("funder_names")
        if names:
            funder = funders.get(names[0].lower())
            if funder is None:
                funder = Funder(name=names[0][:200], kind=funder_kind(names[0]))
                db.session.add(funder)
                funders[names[0].lower()] = funder
        opportunity = db.session.scalar(select(Opportunity).where(Opportunity.source_key == values["source_key"]))
        if opportunity is None:
            opportunity = Opportunity(**values)
            db.session.add(opportunity)
            report.created += 1
        else:
            for name, value in values.items():
                setattr(opportunity, name, value)
            report.updated += 1
        opportunity.funder = funder
        refresh_search_text(opportunity)
        db.session.flush()
        index_document("cofinancements", opportunity_document(opportunity))
    return report
