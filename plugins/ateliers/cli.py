"""qn-portal ateliers …: a resident's data on request (export and erasure), and the retention job."""

from __future__ import annotations

import json
import sys

import click
from flask.cli import with_appcontext

from qn_portal.api import audit, audit_export, db, write_transaction


@click.group("ateliers")
def ateliers_group():
    """Ateliers: residents' data (export, erasure) and retention."""


@ateliers_group.command("resident")
@click.argument("resident_id", type=int)
@click.option("--export", "export_to", type=click.Path(dir_okay=False, writable=True),
              help="Write the resident's data as JSON to this file ('-' for the terminal).")
@click.option("--erase", is_flag=True, help="Erase the resident's personal data (figures stay, anonymous).")
@with_appcontext
def resident(resident_id: int, export_to: str | None, erase: bool):
    """Export and/or erase what the portal holds about one resident (a request under the GDPR)."""
    from .models import Resident
    from .services import erase_resident, export_resident

    if not export_to and not erase:
        raise click.UsageError("Give --export FILE, --erase, or both.")
    with write_transaction():
        person = db.session.get(Resident, resident_id)
        if person is None or person.anonymised_at is not None:
            raise click.ClickException(f"No resident {resident_id} with personal data.")
        if export_to:
            data = json.dumps(export_resident(person), ensure_ascii=False, indent=2)
            if export_to == "-":
                sys.stdout.write(data + "\n")
            else:
                with open(export_to, "w", encoding="utf-8") as handle:
                    handle.write(data + "\n")
            audit_export("ateliers: données d'une personne inscrite", 1, resident_id=resident_id,
                         association_id=person.association_id)
        if erase:
            erase_resident(person)
            audit("ateliers.resident_erased", resident_id=resident_id, association_id=person.association_id)
    if erase:
        click.echo(f"Resident {resident_id} erased.", err=True)


@ateliers_group.command("anonymise")
@with_appcontext
def anonymise():
    """Anonymise residents whose last session is older than ATELIERS_RETENTION_MONTHS (default 12)."""
    from .services import anonymise_expired

    with write_transaction():
        count = anonymise_expired()
        if count:
            audit("ateliers.residents_anonymised", count=count)
    click.echo(f"{count} resident(s) anonymised.")
